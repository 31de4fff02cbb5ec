/* Capture files of a sysroot into a .tar.gz that unpacks to a valid
 * --sysroot: every symlink on the way to a captured file is kept as a
 * link (PCI devices need their relative links), and the file it leads to
 * is captured too. Only sys/ and proc/ (never proc/<pid>) go in. */
#pragma once
#include <stddef.h>

#include "common/sysroot.h"

struct snapshot_stats {
	size_t files, links, dirs, skipped;
};

/* Write PATHS (relative to the root, duplicates fine) to OUTPUT, which is
 * replaced atomically. Unreadable files are counted as skipped. Unless
 * include_serials, sys/class/dmi/id's serial, UUID and asset tag files are
 * left out (skipped) and the DMI table's serials, asset tags and UUID
 * blanked. Each file keeps its mode, and the archive is 0600 when any
 * file in it was not readable by others. */
int snapshot_write(const struct sysroot *sr, char *const *paths, const char *output, bool include_serials,
		   struct snapshot_stats *stats);
