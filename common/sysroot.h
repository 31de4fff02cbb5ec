/* The sysroot path layer: the only code that touches /sys and /proc, for
 * reads and writes. Every path is relative to a root (default "/"), so a
 * captured tree (`--sysroot DIR`) runs through exactly the same code as the
 * live host. Readers return 0 or -errno and set their out-parameters only
 * on success. Writes are confined to sys/, proc/sys/ and proc/irq/ and are
 * read back; on a captured tree they behave like the kernel where a dry run
 * depends on it (a bracketed choice moves its brackets).
 *
 * A captured tree is hostile input: on one (root other than "/"), only
 * regular files and directories are opened (a device node, FIFO or
 * socket: -ENXIO, never opened), a file with more than one hard link is
 * never written (-EMLINK), and a write replaces the file whole (new file,
 * rename), so a kill leaves the old content or the new. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct cpuset;

struct sr_fault;

struct sysroot {
	int dirfd;     /* open O_PATH on the root directory */
	char *root;    /* as given, for messages */
	bool live;     /* root is "/": writes reach the running kernel */
	bool nodev;    /* a tree on a filesystem mounted nodev (no device
			  node opens there), openat2 at hand: reads open
			  its files directly (open_tree_file) */
	int fd_dir;    /* a tree's: /proc/self/fd, open O_PATH, to reopen
			  O_PATH descriptors with (-1: by the full path) */
	char ***trace; /* when set, every path opened, listed or read as a
			  link is appended here (rigtune snapshot) */
	struct sr_fault *fault; /* test-only fault injection, NULL unless
				   RIGTUNE_FAULT is set on a captured tree */
	dev_t root_dev;          /* the root's filesystem, */
	bool root_fs_local;      /* one whose permissions the kernel keeps
				    (tmpfs, ext4, xfs, btrfs: not NFS, FUSE) */
	/* A directory view (sysroot_at): the tree it is in, the directory's
	 * path there, and whether only root or this user can change its
	 * entries (then a name's type, read first, is still its type when
	 * it is opened: see open_in_trusted_dir). */
	const struct sysroot *parent;
	char *prefix;
	bool trusted_dir;
};

/* Test-only fault injection (tests/cli/t-fault.sh, RELIABILITY.md): on a
 * captured tree, never on the live root, RIGTUNE_FAULT="K:WHAT" makes the
 * K-th sr_write_string of this sysroot (counting from 1, rollback and
 * revert writes included)
 *   EIO, EPERM, ENOSPC, EBUSY: fail with that errno, nothing written;
 *   KILL: write, then SIGKILL the process before the value is read back;
 *   SLEEP=MS: sleep MS milliseconds, then write as usual.
 * Read once, by sysroot_open. */
int sysroot_open(const char *root, struct sysroot **ret);
struct sysroot *sysroot_free(struct sysroot *sr);

/* A directory under the root, as a sysroot of its own (*ret, released
 * with sysroot_at_release): paths given to it are relative to that
 * directory, and every reader and writer takes it. A probe that reads a
 * device's seven files or an IRQ's four resolves the directory's path
 * once, not once a file. A path that leaves the directory (a symlink,
 * "..") is resolved from the root as prefix/path, so a view reads what
 * the root would. Views of views are views of the root. */
int sysroot_at(const struct sysroot *sr, struct sysroot *ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sysroot_at_release(struct sysroot *view);

/* Open a file under the root for reading (O_RDONLY|O_CLOEXEC). Symlinks
 * resolve inside the root, as if it were "/". */
int sr_open(const struct sysroot *sr, int flags, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whole file, NUL-terminated; *len may be NULL. Binary-safe. */
int sr_read_file(const struct sysroot *sr, char **ret, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* At most max bytes from the start of a file (at least one), as
 * sr_read_file: /proc/cpuinfo's first stanza without the kernel writing
 * out the other 383 CPUs' (a millisecond or more on a large host). */
int sr_read_head(const struct sysroot *sr, size_t max, char **ret, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Every line of a file (without its newline, NUL-terminated, writable)
 * to line(), in order, through a buffer of 64 KiB or the longest line;
 * the first negative return stops the reading and is returned. A file
 * over sr_read_file's limit ends in -EFBIG, after lines were given:
 * the caller drops what it kept of them. */
int sr_read_lines(const struct sysroot *sr, int (*line)(char *line, void *arg), void *arg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* First line (or whole file), trailing white space stripped. */
int sr_read_string(const struct sysroot *sr, char **ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sr_read_s64(const struct sysroot *sr, int64_t *ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sr_read_u64(const struct sysroot *sr, uint64_t *ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A hex number as sysfs writes PCI ids and classes: "0x10de". */
int sr_read_hex(const struct sysroot *sr, uint64_t *ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sr_read_cpulist(const struct sysroot *sr, struct cpuset **ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A hex mask such as "00000000,0000ffff" (cpumap, smp_affinity). */
int sr_read_cpumask(const struct sysroot *sr, struct cpuset **ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "always [madvise] never": *selected = "madvise"; *options (may be NULL)
 * gets the NULL-terminated list of every choice. */
int sr_read_choice(const struct sysroot *sr, char **selected, char ***options, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same for text already read: -EINVAL when it is not a choice line
 * (no word, or more than one, in brackets). */
int sr_parse_choice(const char *text, char **selected, char ***options);
/* Equal as the kernel shows them: shown's selected choice is wanted,
 * the same words (any white space between them), or the same CPU set
 * ("0-3" and "0,1,2,3"). The one rule for read-back after a write and
 * for planning (tune/plan.c). NULL is never equal. */
bool sr_value_equal(const char *wanted, const char *shown);
/* A "Key: value [kB]" or "Key value" file (meminfo, node meminfo, vmstat):
 * the number after key, in the file's unit (kB stays kB). Node meminfo
 * lines ("Node 0 MemTotal:") are matched by their key. */
int sr_read_keyval(const struct sysroot *sr, const char *key, uint64_t *ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Target of a symlink (as stored), or its last component when basename. */
int sr_readlink(const struct sysroot *sr, char **ret, bool basename, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool sr_exists(const struct sysroot *sr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* stat() of a path (symlinks followed inside the root). */
int sr_stat(const struct sysroot *sr, struct stat *ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sorted names in a directory whose names start with prefix ("" for all;
 * "." and ".." left out). NULL-terminated, free with strv_free. */
int sr_list(const struct sysroot *sr, const char *prefix, char ***ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Numeric suffixes of entries named PREFIX<N> ("node" -> 0,1,...), sorted. */
int sr_list_ids(const struct sysroot *sr, const char *prefix, int **ret, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Write value to a file under sys/, proc/sys/ or proc/irq/ (anything else,
 * "..", or a symlink that leaves those trees: -EPERM), then read it back.
 * Returns 0 when the value read back matches what was written, -EIO when
 * the kernel took the write but kept another value (the value read back is
 * in *readback when non-NULL), or the write's -errno. */
int sr_write_string(const struct sysroot *sr, const char *value, char **readback, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Check a relative path is writable by the layer's rules without writing. */
int sr_check_writable_path(const struct sysroot *sr, const char *path);
