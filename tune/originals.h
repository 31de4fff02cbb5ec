/* The originals of the durable files rigtune writes (the kernel command
 * line of the boot loader, common/durable.h), one record each in
 * var/lib/rigtune/originals/: kept apart from the runtime journal because
 * these files outlive a reboot, and so must what undoes them. Format:
 *
 *   rigtune-original 1
 *   path <path relative to the sysroot>
 *   content <the file as it was>      (or: absent [DIR...], the
 *                                      directories writing it created)
 *
 * each field escaped as in the journal (journal_escape). */
#pragma once
#include <stdbool.h>

#include "common/sysroot.h"

/* Record path's current content (or that it is absent), unless a record
 * exists: revert goes back to before the first apply. 0 or -errno. */
int original_save(const struct sysroot *sr, const char *path);
/* The recorded original: *content NULL when the file was absent.
 * -ENOENT no record, -EBADMSG a corrupt one. */
int original_load(const struct sysroot *sr, const char *path, char **content);
/* Put path back as recorded, then drop the record. 0, -ENOENT (no
 * record), or -errno. */
int original_restore(const struct sysroot *sr, const char *path);
/* The paths with a record, sorted; NULL-terminated (empty when none). */
int originals_list(const struct sysroot *sr, char ***ret);
