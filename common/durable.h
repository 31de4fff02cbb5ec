/* Durable files: the few files outside /sys and /proc that rigtune writes
 * and that must outlive a reboot, under the sysroot like everything else:
 * the boot loader's kernel command line (etc/default/grub.d/rigtune.cfg
 * for GRUB, etc/kernel/cmdline for systemd-boot), systemd mount units
 * (etc/systemd/system/NAME.mount: a hugetlbfs mount) and rigtune's saved
 * originals of them (var/lib/rigtune/originals/NAME). Any other path is
 * -EPERM. Kept apart from the sysroot layer's sys/ and proc/ writes
 * (common/sysroot.c), whose rules stay narrow. */
#pragma once
#include <stdbool.h>

#include "common/sysroot.h"

#define DURABLE_GRUB_FILE "etc/default/grub.d/rigtune.cfg"
#define DURABLE_KERNEL_CMDLINE "etc/kernel/cmdline"
#define DURABLE_ORIGINALS_DIR "var/lib/rigtune/originals"
#define DURABLE_UNIT_DIR "etc/systemd/system"

/* Is path (relative to the sysroot) one of the durable files? */
bool sr_durable_path_allowed(const char *path);
/* Replace path with content atomically and durably: a temporary file in
 * the same directory (created 0755 with its parents as needed, symlinks
 * resolving inside the root), fsync, rename, fsync of the directory; then
 * read it back: -EIO when it holds something else. 0 or -errno. */
int sr_durable_write(const struct sysroot *sr, const char *path, const char *content);
/* Open (creating as needed, 0755, with its parents) a directory under
 * the root, symlinks resolving inside it; O_RDONLY. 0 or -errno. */
int sr_dir_open_creating(const struct sysroot *sr, const char *dir, int *ret_fd);
/* Replace dfd/name with content: NAME.tmp, fsync, rename, fsync of dfd. */
int durable_replace_at(int dfd, const char *name, const char *content);
/* Remove an empty directory on the way to a durable file ("etc/systemd",
 * "etc/default/grub.d"): 0 (also when it is gone), -ENOTEMPTY, -EPERM for
 * any other directory. */
int sr_durable_rmdir(const struct sysroot *sr, const char *dir);
/* Remove path (0 when it was not there) and fsync its directory. */
int sr_durable_remove(const struct sysroot *sr, const char *path);
