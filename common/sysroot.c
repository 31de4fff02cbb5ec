/* The sysroot path layer (see sysroot.h). Reads resolve symlinks inside
 * the root with openat2(RESOLVE_IN_ROOT), so absolute links in a captured
 * tree stay in the tree. Writes resolve beneath sys/, proc/sys/ or
 * proc/irq/ (RESOLVE_BENEATH) and are read back. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cpulist.h"
#include "common/sysroot.h"
#include "common/util.h"

#define MAX_FILE_SIZE (64u << 20)

/* See sysroot.h: RIGTUNE_FAULT. */
struct sr_fault {
	unsigned at;          /* the K-th write */
	unsigned count;       /* writes so far */
	int err;              /* positive errno, or 0 */
	bool kill;
	unsigned sleep_ms;
};

static struct sr_fault *fault_from_env(void)
{
	static const struct { const char *name; int err; } errs[] = {
		{"EIO", EIO}, {"EPERM", EPERM}, {"ENOSPC", ENOSPC}, {"EBUSY", EBUSY},
	};
	const char *spec = secure_getenv("RIGTUNE_FAULT");
	struct sr_fault f = {0}, *ret;
	char *end;

	if (!spec)
		return NULL;
	f.at = (unsigned)strtoul(spec, &end, 10);
	if (end == spec || *end != ':' || f.at == 0)
		return NULL;
	end++;
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++)
		if (!strcmp(end, errs[i].name))
			f.err = errs[i].err;
	f.kill = !strcmp(end, "KILL");
	if (startswith(end, "SLEEP="))
		f.sleep_ms = (unsigned)strtoul(end + 6, NULL, 10);
	if (!f.err && !f.kill && !f.sleep_ms)
		return NULL;
	ret = malloc(sizeof(*ret));
	if (ret)
		*ret = f;
	return ret;
}

/* Before the write: 0, or the injected -errno. */
static int fault_before_write(const struct sysroot *sr)
{
	struct sr_fault *f = sr->fault;

	if (!f || ++f->count != f->at)
		return 0;
	if (f->sleep_ms) {
		struct timespec ts = {f->sleep_ms / 1000, (long)(f->sleep_ms % 1000) * 1000000L};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return -f->err;
}

/* After the write, before it is read back: the nastiest instant to die. */
static void fault_after_write(const struct sysroot *sr)
{
	if (sr->fault && sr->fault->kill && sr->fault->count == sr->fault->at)
		raise(SIGKILL);
}

/* A tree whose filesystem is mounted nodev cannot make the probe open a
 * device node; openat2 must exist for RESOLVE_NO_XDEV to keep every path
 * on that filesystem (open_tree_file). */
static bool tree_is_nodev(int dirfd)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_XDEV};
	struct statvfs vfs;
	long fd;

	if (fstatvfs(dirfd, &vfs) < 0 || !(vfs.f_flag & ST_NODEV))
		return false;
	fd = syscall(SYS_openat2, dirfd, ".", &how, sizeof(how));
	if (fd < 0)
		return false;
	close((int)fd);
	return true;
}

/* A filesystem whose permission bits are what the kernel enforces for
 * every writer: not NFS, CIFS or FUSE, where a server or a daemon
 * decides what a name is at each lookup. */
static bool fs_is_local(int fd)
{
	static const unsigned long local[] = {
		TMPFS_MAGIC, RAMFS_MAGIC, EXT4_SUPER_MAGIC /* ext2, ext3 too */, XFS_SUPER_MAGIC,
		BTRFS_SUPER_MAGIC,
	};
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(local); i++)
		if ((unsigned long)fs.f_type == local[i])
			return true;
	return false;
}

int sysroot_open(const char *root, struct sysroot **ret)
{
	struct sysroot *sr;
	struct stat st;
	int fd;

	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOTDIR;
	}
	sr = calloc(1, sizeof(*sr));
	if (!sr || !(sr->root = strdup(root))) {
		free(sr);
		close(fd);
		return -ENOMEM;
	}
	sr->dirfd = fd;
	sr->fd_dir = -1;
	sr->root_dev = st.st_dev;
	{
		struct stat slash;

		/* Writes reach the kernel only when the root is the real "/". */
		sr->live = stat("/", &slash) == 0 && slash.st_dev == st.st_dev &&
			   slash.st_ino == st.st_ino;
	}
	if (!sr->live) {
		sr->fault = fault_from_env();
		sr->nodev = tree_is_nodev(fd);
		sr->root_fs_local = fs_is_local(fd);
		fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
		sr->fd_dir = fd < 0 ? -1 : fd;
	}
	*ret = sr;
	return 0;
}

struct sysroot *sysroot_free(struct sysroot *sr)
{
	if (sr) {
		close(sr->dirfd);
		if (sr->fd_dir >= 0)
			close(sr->fd_dir);
		free(sr->root);
		free(sr->fault);
		free(sr);
	}
	return NULL;
}

static int fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/* Kernels before 5.6 have no openat2 (nor has valgrind): resolve with an
 * O_PATH open, refuse what landed outside dirfd's directory (openat2
 * would have kept it inside, RESOLVE_IN_ROOT, or refused it,
 * RESOLVE_BENEATH: -EXDEV either way), and only then open the file for
 * I/O, through the O_PATH descriptor. A captured tree's absolute links
 * are refused rather than followed onto the host. */
static int openat2_fallback(int dirfd, const char *path, int flags)
{
	char top[PATH_MAX], got[PATH_MAX], proc[64];
	int pfd, fd, r;
	size_t n;

	pfd = openat(dirfd, path, O_PATH | O_CLOEXEC | (flags & (O_DIRECTORY | O_NOFOLLOW)));
	if (pfd < 0)
		return -errno;
	r = fd_path(dirfd, top, sizeof(top));
	if (r == 0)
		r = fd_path(pfd, got, sizeof(got));
	n = strlen(top);
	if (r == 0 && strcmp(top, "/") && (strncmp(got, top, n) || (got[n] && got[n] != '/')))
		r = -EXDEV;
	if (r < 0 || (flags & O_PATH)) {
		if (r < 0)
			close(pfd);
		return r < 0 ? r : pfd;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, flags & ~O_NOFOLLOW);
	r = fd < 0 ? -errno : fd;
	close(pfd);
	return r;
}

static int open_resolved(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	/* RESOLVE_IN_ROOT and RESOLVE_BENEATH fail a walk through ".." with
	 * EAGAIN when any rename or mount ran meanwhile, anywhere on the
	 * system: on a busy host (and writes to a tree rename), try again. */
	for (int tries = 0; tries < 1000; tries++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd < 0 && errno == ENOSYS)
		return openat2_fallback(dirfd, path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static char *vpath(const char *fmt, va_list ap)
{
	char *p;

	return vasprintf(&p, fmt, ap) < 0 ? NULL : p;
}

/* A view's path as the root sees it: prefix/path (NULL: no memory). */
static char *view_path(const struct sysroot *v, const char *path)
{
	while (*path == '/')
		path++;
	return *path ? xasprintf("%s/%s", v->prefix, path) : strdup(v->prefix);
}

static void trace_path(const struct sysroot *sr, const char *path)
{
	if (!sr->trace)
		return;
	if (sr->parent)
		(void)strv_push(sr->trace, view_path(sr, path));
	else
		(void)strv_extend(sr->trace, path);
}

/* The path a reader was given, recorded for snapshot; NULL: no memory. */
static char *traced_vpath(const struct sysroot *sr, const char *fmt, va_list ap)
{
	char *path = vpath(fmt, ap);

	if (path)
		trace_path(sr, path);
	return path;
}

/* Only root or this user can change the entries of a trusted directory:
 * owned by either, writable by neither group nor others (with an ACL,
 * the group bits are its mask, so a named user's write shows there), on
 * the root's own local filesystem. */
static bool dir_trusted(const struct sysroot *root, int fd)
{
	struct stat st;

	if (root->live || !root->root_fs_local || fstat(fd, &st) < 0)
		return false;
	return S_ISDIR(st.st_mode) && st.st_dev == root->root_dev && (st.st_uid == 0 || st.st_uid == geteuid()) &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

int sysroot_at(const struct sysroot *sr, struct sysroot *ret, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	path = vpath(fmt, ap);
	va_end(ap);
	if (path && sr->parent) {
		char *full = view_path(sr, path);

		free(path);
		path = full;
		sr = sr->parent;
	}
	if (!path)
		return -ENOMEM;
	trace_path(sr, path);
	fd = open_resolved(sr->dirfd, path, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
	if (fd < 0)
		return fd;
	*ret = *sr;
	ret->dirfd = fd;
	ret->parent = sr;
	ret->prefix = TAKE_PTR(path);
	ret->trusted_dir = dir_trusted(sr, fd);
	/* Direct opens beneath the view stay on its directory's mount
	 * (RESOLVE_NO_XDEV): only where that mount is nodev too. */
	if (ret->nodev) {
		struct statvfs vfs;

		ret->nodev = fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NODEV);
	}
	return 0;
}

void sysroot_at_release(struct sysroot *view)
{
	if (view && view->parent) {
		close(view->dirfd);
		free(view->prefix);
		*view = (struct sysroot){.dirfd = -1};
	}
}

/* Reopen an O_PATH descriptor for I/O: the same inode, whatever has
 * been renamed or replaced at its path since. Through the sysroot's
 * open /proc/self/fd where there is one: a tree's probe reopens every
 * file it reads, and resolving "/proc/self/fd" each time was a sixth of
 * a read. */
static int reopen_fd(const struct sysroot *sr, int pfd, int flags)
{
	char proc[64];
	int fd;

	flags = (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL)) | O_CLOEXEC;
	if (sr->fd_dir >= 0) {
		snprintf(proc, sizeof(proc), "%d", pfd);
		fd = openat(sr->fd_dir, proc, flags);
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		fd = open(proc, flags);
	}
	return fd < 0 ? -errno : fd;
}

/* Tree files are opened O_NONBLOCK whatever the caller asked: besides a
 * FIFO's open, a file lease (F_SETLEASE, taken by the file's owner) makes
 * a blocking open wait out lease-break-time, 45 s, file after file; a
 * non-blocking one fails at once (EWOULDBLOCK). A regular file the caller
 * wants blocking is made so after the open. */
static int blocking_as_asked(int fd, int flags, bool regular)
{
	if (fd < 0 || (flags & O_NONBLOCK) || !regular)
		return fd;
	if (fcntl(fd, F_SETFL, flags & O_APPEND) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* A file of a nodev tree, opened directly (a third of the system calls
 * of a read): a device node cannot open there (EACCES) and, with
 * RESOLVE_NO_XDEV, no path leaves for another mount; O_NONBLOCK keeps a
 * FIFO's open from waiting for a writer. What is then not a regular
 * file or a directory is closed unread (-ENXIO). *undecided when this
 * cannot tell (EACCES: a device node, or a real permission problem;
 * EXDEV: a mount inside the tree): the caller takes the O_PATH route. */
static int open_nodev_file(int dirfd, const char *path, int flags, uint64_t resolve, bool *undecided,
			   off_t *size)
{
	_cleanup_close_ int fd = open_resolved(dirfd, path, flags | O_NONBLOCK | O_NOCTTY,
					       resolve | RESOLVE_NO_XDEV);
	struct stat st;

	*undecided = fd == -EACCES || fd == -EXDEV;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -ENXIO;
	*size = S_ISREG(st.st_mode) ? st.st_size : -1;
	return blocking_as_asked(TAKE_FD(fd), flags, S_ISREG(st.st_mode));
}

/* A single name in a directory, resolving nothing but itself: not
 * empty, no '/', not "." or "..". */
static bool one_name(const char *path)
{
	return *path && !strchr(path, '/') && strcmp(path, ".") && strcmp(path, "..");
}

/* One name in a trusted view's directory (sysroot_at), opened after its
 * type is known: fstatat, then openat of a regular file or a directory,
 * four system calls a read against six through O_PATH. Only root or this
 * user can rename or replace entries of a trusted directory, so the name
 * opened is the inode whose type was read. name: one_name(); *undecided
 * for a symlink (the caller resolves it). */
static int open_in_trusted_dir(const struct sysroot *v, const char *name, int flags, bool *undecided,
			       off_t *size)
{
	struct stat st;
	int fd;

	*undecided = false;
	if (fstatat(v->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*undecided = S_ISLNK(st.st_mode);
	if (*undecided)
		return -ELOOP;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -ENXIO;
	fd = openat(v->dirfd, name, flags | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*size = S_ISREG(st.st_mode) ? st.st_size : -1;
	return blocking_as_asked(fd, flags, S_ISREG(st.st_mode));
}

/* A captured tree is hostile input: `tar x` as root recreates device
 * nodes (a "proc/cmdline" that is the host's /dev/kmsg) and a FIFO
 * blocks its reader. So on a tree the path is resolved without opening
 * it (O_PATH), and only a regular file or a directory is then opened;
 * anything else is -ENXIO (see tree_file_writable for writes). A nodev
 * tree's files open directly (open_nodev_file), and so do the names of a
 * trusted directory (open_in_trusted_dir). The live root opens
 * directly: its sysfs and procfs files are the kernel's. resolve is
 * RESOLVE_IN_ROOT from the root, RESOLVE_BENEATH from a view's
 * directory. */
static int open_tree_file(const struct sysroot *sr, const char *path, int flags, uint64_t resolve, off_t *size)
{
	_cleanup_close_ int pfd = -1;
	bool for_read = !(flags & (O_PATH | O_WRONLY | O_RDWR | O_CREAT));
	struct stat st;
	int dirfd = sr->dirfd;

	*size = -1;
	if (sr->trusted_dir && for_read && one_name(path)) {
		bool undecided;
		int fd = open_in_trusted_dir(sr, path, flags, &undecided, size);

		if (!undecided)
			return fd;
	}
	if (sr->nodev && for_read) {
		bool undecided;
		int fd = open_nodev_file(dirfd, path, flags, resolve, &undecided, size);

		if (!undecided)
			return fd;
	}
	pfd = open_resolved(dirfd, path, O_PATH | (flags & (O_DIRECTORY | O_NOFOLLOW)), resolve);
	if (pfd < 0 || (flags & O_PATH))
		return TAKE_FD(pfd);
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -ENXIO;
	*size = S_ISREG(st.st_mode) ? st.st_size : -1;
	return blocking_as_asked(reopen_fd(sr, pfd, flags | O_NONBLOCK), flags, S_ISREG(st.st_mode));
}

/* The root's open of path, for a sysroot or a view: a view resolves
 * beneath its directory, and what leaves it (EXDEV: a symlink, "..")
 * from the root, as prefix/path. */
static int open_path(const struct sysroot *sr, const char *path, int flags, off_t *size)
{
	uint64_t resolve = sr->parent ? RESOLVE_BENEATH : RESOLVE_IN_ROOT;
	_cleanup_free_ char *full = NULL;
	int fd;

	*size = -1;
	fd = sr->live ? open_resolved(sr->dirfd, path, flags, resolve) : open_tree_file(sr, path, flags, resolve, size);
	if (fd != -EXDEV || !sr->parent)
		return fd;
	full = view_path(sr, path);
	return full ? open_path(sr->parent, full, flags, size) : -ENOMEM;
}

/* *size: a tree's regular file's size, else -1 (the live kernel's
 * files give sizes that are not their contents'). */
static int sr_vopen_sized(const struct sysroot *sr, int flags, off_t *size, const char *fmt, va_list ap)
{
	_cleanup_free_ char *path = traced_vpath(sr, fmt, ap);

	*size = -1;
	return path ? open_path(sr, path, flags, size) : -ENOMEM;
}

static int sr_vopen(const struct sysroot *sr, int flags, const char *fmt, va_list ap)
{
	off_t size;

	return sr_vopen_sized(sr, flags, &size, fmt, ap);
}

int sr_open(const struct sysroot *sr, int flags, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vopen(sr, flags, fmt, ap);
	va_end(ap);
	return r;
}

/* size: the file's size where it tells the end of its contents (a
 * tree's regular file), so that the read that would return 0 is not
 * made; -1 reads to end of file. The reads land in the buffer itself,
 * sized for the whole file where size is known: /proc/interrupts on a
 * 1,024-CPU tree is 11 MB, and copying it through a small buffer and
 * growing the result was a tenth of a probe. max: stop there (0: the
 * whole file). */
static int read_fd(int fd, off_t size, size_t max, char **ret, size_t *len)
{
	size_t want = size > 0 && size < MAX_FILE_SIZE ? (size_t)size : 8191;
	size_t have = 0, cap = (max && max < want ? max : want) + 1;
	char *buf = malloc(cap), *nb;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (have + 1 == cap) {
			if (cap > MAX_FILE_SIZE) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + have, max && max - have < cap - 1 - have ? max - have : cap - 1 - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > MAX_FILE_SIZE) {
			free(buf);
			return -EFBIG;
		}
		if ((size > 0 && have == (size_t)size) || (max && have >= max))
			break;
	}
	buf[have] = '\0';
	if (len)
		*len = have;
	*ret = buf;
	return 0;
}

/* Files are opened O_NONBLOCK, so that a FIFO in a captured tree cannot
 * block the open or the read forever; anything else is made blocking
 * again, as O_NONBLOCK lets some kernels fail a regular file's read or
 * write with EAGAIN. */
static int unless_fifo_blocking(int fd)
{
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Reads keep O_NONBLOCK until a read says EAGAIN: a probe reads tens of
 * thousands of small files, and the fstat and two fcntl calls that make
 * each of them blocking first were half its system calls. A FIFO stays
 * non-blocking, as above; a regular file is read again, blocking. */
static int sr_vread_max(const struct sysroot *sr, size_t max, char **ret, size_t *len, const char *fmt,
			va_list ap)
{
	off_t size;
	_cleanup_close_ int fd = sr_vopen_sized(sr, O_RDONLY | O_NONBLOCK, &size, fmt, ap);
	int r;

	if (fd < 0)
		return fd;
	r = read_fd(fd, size, max, ret, len);
	if (r != -EAGAIN || unless_fifo_blocking(fd) < 0 || (fcntl(fd, F_GETFL) & O_NONBLOCK) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return r;
	return read_fd(fd, size, max, ret, len);
}

static int sr_vread_file(const struct sysroot *sr, char **ret, size_t *len, const char *fmt, va_list ap)
{
	return sr_vread_max(sr, 0, ret, len, fmt, ap);
}

int sr_read_file(const struct sysroot *sr, char **ret, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vread_file(sr, ret, len, fmt, ap);
	va_end(ap);
	return r;
}

int sr_read_head(const struct sysroot *sr, size_t max, char **ret, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vread_max(sr, max ? max : 1, ret, len, fmt, ap);
	va_end(ap);
	return r;
}

/* The file a line at a time through one buffer, 64 KiB or the longest
 * line: for a file too large to want whole (/proc/interrupts is 11 MB on
 * a 1,024-CPU host, and a buffer of that size is as many fresh pages).
 * As sr_read_file's text ends at a NUL byte, so do the lines. */
int sr_read_lines(const struct sysroot *sr, int (*line)(char *line, void *arg), void *arg, const char *fmt, ...)
{
	size_t cap = 64 << 10, start = 0, end = 0, total = 0;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	bool eof = false;
	off_t size;
	va_list ap;
	int r = 0;

	va_start(ap, fmt);
	fd = sr_vopen_sized(sr, O_RDONLY, &size, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	if (!(buf = malloc(cap + 1)))
		return -ENOMEM;
	while (r >= 0) {
		char *nl = memchr(buf + start, '\n', end - start), *nul, *nb;
		ssize_t n;

		if (nl || (eof && start < end)) {
			size_t stop = nl ? (size_t)(nl - buf) : end;

			buf[stop] = '\0';
			r = line(buf + start, arg);
			start = nl ? stop + 1 : end;
			continue;
		}
		if (eof)
			break;
		/* the partial line to the front; a buffer that is all one line doubled */
		memmove(buf, buf + start, end - start);
		end -= start;
		start = 0;
		if (end == cap) {
			if (cap >= MAX_FILE_SIZE)
				return -EFBIG;
			if (!(nb = realloc(buf, 2 * cap + 1)))
				return -ENOMEM;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + end, cap - end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		total += (size_t)n;
		if (total > MAX_FILE_SIZE)
			return -EFBIG;
		if ((nul = memchr(buf + end, '\0', (size_t)n)))
			n = nul - (buf + end);
		eof = n == 0 || nul != NULL;
		end += (size_t)n;
	}
	return r < 0 ? r : 0;
}

/* The first line, trimmed, moved to the front of the buffer. */
static void first_line(char *s)
{
	char *nl = strchr(s, '\n');
	char *t;

	if (nl)
		*nl = '\0';
	t = strstrip(s);
	memmove(s, t, strlen(t) + 1);
}

static int sr_vread_string(const struct sysroot *sr, char **ret, const char *fmt, va_list ap)
{
	char *s;
	int r = sr_vread_file(sr, &s, NULL, fmt, ap);

	if (r < 0)
		return r;
	first_line(s);
	*ret = s;
	return 0;
}

int sr_read_string(const struct sysroot *sr, char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vread_string(sr, ret, fmt, ap);
	va_end(ap);
	return r;
}

/* A sysfs hex number, "0x10de" or "10de", nothing after it. */
static int parse_hex(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* A typed reader: the file's first line, through a parser. */
#define SR_READER(name, type, parser)                                          \
	int name(const struct sysroot *sr, type *ret, const char *fmt, ...)    \
	{                                                                      \
		_cleanup_free_ char *s = NULL;                                 \
		va_list ap;                                                    \
		int r;                                                         \
                                                                               \
		va_start(ap, fmt);                                             \
		r = sr_vread_string(sr, &s, fmt, ap);                          \
		va_end(ap);                                                    \
		return r < 0 ? r : parser(s, ret);                             \
	}

SR_READER(sr_read_s64, int64_t, parse_s64)
SR_READER(sr_read_u64, uint64_t, parse_u64)
SR_READER(sr_read_hex, uint64_t, parse_hex)
SR_READER(sr_read_cpulist, struct cpuset *, cpulist_parse)
SR_READER(sr_read_cpumask, struct cpuset *, cpumask_parse)

/* Parse "a [b] c" into the selected word and the list of words. */
int sr_parse_choice(const char *text, char **selected, char ***options)
{
	_cleanup_strv_ char **words = NULL;
	_cleanup_strv_ char **opts = NULL;
	char *sel = NULL;
	int r;

	r = strv_split(text, " \t\n", &words);
	if (r < 0)
		return r;
	/* The words become the options in place: no vector walk per word. */
	opts = TAKE_PTR(words);
	for (size_t i = 0; opts[i]; i++) {
		char *w = opts[i];
		size_t n = strlen(w);

		if (w[0] == '[' && n > 2 && w[n - 1] == ']') {
			if (sel) {
				free(sel);
				return -EINVAL;
			}
			memmove(w, w + 1, n - 2);
			w[n - 2] = '\0';
			sel = strdup(w);
			if (!sel)
				return -ENOMEM;
		}
	}
	if (!sel)
		return -EINVAL;
	*selected = sel;
	if (options)
		*options = TAKE_PTR(opts);
	return 0;
}

int sr_read_choice(const struct sysroot *sr, char **selected, char ***options, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vread_string(sr, &s, fmt, ap);
	va_end(ap);
	return r < 0 ? r : sr_parse_choice(s, selected, options);
}

/* Find "key" at the start of a line (after an optional "Node N " prefix),
 * followed by ':' or white space, and parse the number after it. */
static int find_keyval(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line;
		unsigned long long v;
		char *end;

		if (startswith(p, "Node ")) {
			p += 5;
			while (isdigit((unsigned char)*p))
				p++;
			while (*p == ' ')
				p++;
		}
		if (strncmp(p, key, klen) || (p[klen] != ':' && !isspace((unsigned char)p[klen])))
			continue;
		p += klen + (p[klen] == ':');
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno)
			return -ERANGE;
		*ret = v;
		return 0;
	}
	return -ENOENT;
}

int sr_read_keyval(const struct sysroot *sr, const char *key, uint64_t *ret, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vread_file(sr, &s, NULL, fmt, ap);
	va_end(ap);
	return r < 0 ? r : find_keyval(s, key, ret);
}

/* readlinkat does not follow the last component, so resolve the parent
 * directory inside the root (beneath a view's directory, or from the
 * root when it leaves it) and read the link from there. */
static int readlink_path(const struct sysroot *sr, char *path, char *buf, size_t size)
{
	_cleanup_close_ int dfd = -1;
	char *slash = strrchr(path, '/');
	const char *name = path;
	ssize_t n;

	if (slash) {
		*slash = '\0';
		name = slash + 1;
		dfd = open_resolved(sr->dirfd, *path ? path : "/", O_PATH | O_DIRECTORY,
				    sr->parent ? RESOLVE_BENEATH : RESOLVE_IN_ROOT);
		*slash = '/';
		if (dfd == -EXDEV && sr->parent) {
			_cleanup_free_ char *full = view_path(sr, path);

			return full ? readlink_path(sr->parent, full, buf, size) : -ENOMEM;
		}
		if (dfd < 0)
			return dfd;
	}
	n = readlinkat(slash ? dfd : sr->dirfd, name, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int sr_readlink(const struct sysroot *sr, char **ret, bool basename, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	char buf[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	path = traced_vpath(sr, fmt, ap);
	va_end(ap);
	if (!path)
		return -ENOMEM;
	r = readlink_path(sr, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (basename && strrchr(buf, '/'))
		*ret = strdup(strrchr(buf, '/') + 1);
	else
		*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

int sr_stat(const struct sysroot *sr, struct stat *ret, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	off_t size;
	va_list ap;

	va_start(ap, fmt);
	path = traced_vpath(sr, fmt, ap);
	va_end(ap);
	if (!path)
		return -ENOMEM;
	/* One name that is no symlink: a stat of it opens nothing and
	 * resolves nothing, on any tree. */
	if (one_name(path) && fstatat(sr->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode)) {
		*ret = st;
		return 0;
	}
	fd = open_path(sr, path, O_PATH, &size);
	if (fd < 0)
		return fd;
	return fstat(fd, ret) < 0 ? -errno : 0;
}

bool sr_exists(const struct sysroot *sr, const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	fd = sr_vopen(sr, O_PATH, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Names are read with getdents64 itself: fdopendir's fcntl and fstat
 * were two system calls more for every directory a probe lists (each
 * device's msi_irqs). */
static int sr_vlist(const struct sysroot *sr, const char *prefix, char ***ret, const char *fmt, va_list ap)
{
	_cleanup_strv_ char **names = calloc(1, sizeof(char *));
	_cleanup_close_ int fd = -1;
	size_t count = 0;
	char buf[16384] __attribute__((aligned(8)));

	if (!names)
		return -ENOMEM;
	fd = sr_vopen(sr, O_RDONLY | O_DIRECTORY, fmt, ap);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			char **nv;

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !startswith(de->d_name, prefix))
				continue;
			/* Grow by doubling at powers of two: linear in the entries. */
			if (!(count & (count + 1))) {
				nv = reallocarray(names, 2 * (count + 1), sizeof(char *));
				if (!nv)
					return -ENOMEM;
				names = nv;
			}
			names[count] = strdup(de->d_name);
			if (!names[count])
				return -ENOMEM;
			names[++count] = NULL;
		}
	}
	qsort(names, count, sizeof(char *), cmp_names);
	*ret = TAKE_PTR(names);
	return 0;
}

int sr_list(const struct sysroot *sr, const char *prefix, char ***ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sr_vlist(sr, prefix, ret, fmt, ap);
	va_end(ap);
	return r;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int sr_list_ids(const struct sysroot *sr, const char *prefix, int **ret, size_t *n, const char *fmt, ...)
{
	_cleanup_strv_ char **names = NULL;
	size_t plen = strlen(prefix), count = 0;
	va_list ap;
	int *ids, r;

	va_start(ap, fmt);
	r = sr_vlist(sr, prefix, &names, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	ids = calloc(strv_length(names) + 1, sizeof(int));
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; names[i]; i++) {
		int id;

		if (parse_int(names[i] + plen, &id) == 0 && id >= 0 && isdigit((unsigned char)names[i][plen]))
			ids[count++] = id;
	}
	qsort(ids, count, sizeof(int), cmp_int);
	*ret = ids;
	*n = count;
	return 0;
}

/* The writable trees, and the part of a path beneath them. */
static const char *const writable_trees[] = {"sys/", "proc/sys/", "proc/irq/"};

static int split_writable(const char *path, const char **tree, const char **rest)
{
	while (*path == '/')
		path++;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && *p == '.'))
			return -EPERM;
		p += n;
		p += strspn(p, "/");
	}
	for (size_t i = 0; i < ARRAY_SIZE(writable_trees); i++)
		if (startswith(path, writable_trees[i]) && path[strlen(writable_trees[i])]) {
			*tree = writable_trees[i];
			*rest = path + strlen(writable_trees[i]);
			return 0;
		}
	return -EPERM;
}

/* On a captured tree, only a regular file with one link is written. */
static int tree_file_writable(int pfd)
{
	struct stat st;

	if (fstat(pfd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENXIO;
	return st.st_nlink == 1 ? 0 : -EMLINK;
}

int sr_check_writable_path(const struct sysroot *sr, const char *path)
{
	const char *tree, *rest;
	_cleanup_close_ int tfd = -1;
	int fd, r;

	if (sr->parent) {
		_cleanup_free_ char *full = view_path(sr, path);

		return full ? sr_check_writable_path(sr->parent, full) : -ENOMEM;
	}
	r = split_writable(path, &tree, &rest);
	if (r < 0)
		return r;
	tfd = open_resolved(sr->dirfd, tree, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
	if (tfd < 0)
		return tfd;
	fd = open_resolved(tfd, rest, O_PATH, RESOLVE_BENEATH);
	if (fd == -EXDEV)
		return -EPERM;
	if (fd < 0)
		return fd;
	r = sr->live ? 0 : tree_file_writable(fd);
	close(fd);
	return r;
}

/* Open path beneath its writable tree with flags; the tree's directory
 * too when ret_tfd is non-NULL. */
static int open_writable(const struct sysroot *sr, const char *path, int flags, int *ret_tfd)
{
	const char *tree, *rest;
	_cleanup_close_ int tfd = -1;
	int r, fd;

	r = split_writable(path, &tree, &rest);
	if (r < 0)
		return r;
	trace_path(sr, path);
	tfd = open_resolved(sr->dirfd, tree, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
	if (tfd < 0)
		return tfd;
	fd = open_resolved(tfd, rest, flags, RESOLVE_BENEATH);
	if (fd >= 0 && ret_tfd)
		*ret_tfd = TAKE_FD(tfd);
	return fd == -EXDEV ? -EPERM : fd;
}

/* On a captured tree, what the kernel would show after the write: a
 * bracketed choice moves its brackets (and refuses an unknown word). */
static int emulated_content(const char *old, const char *value, char **ret)
{
	_cleanup_free_ char *sel = NULL;
	_cleanup_strv_ char **opts = NULL;
	struct strbuf sb = {0};

	if (sr_parse_choice(old, &sel, &opts) < 0) {
		*ret = xasprintf("%s\n", value);
		return *ret ? 0 : -ENOMEM;
	}
	if (!strv_contains(opts, value))
		return -EINVAL;
	for (size_t i = 0; opts[i]; i++)
		if (strbuf_printf(&sb, !strcmp(opts[i], value) ? "%s[%s]" : "%s%s", i ? " " : "", opts[i]) < 0) {
			strbuf_release(&sb);
			return -ENOMEM;
		}
	if (strbuf_puts(&sb, "\n") < 0) {
		strbuf_release(&sb);
		return -ENOMEM;
	}
	*ret = strbuf_steal(&sb);
	return 0;
}


/* The directory holding pfd's file, and the file's name in it, both
 * beneath tfd; -EPERM when the name no longer leads to that file. */
static int parent_of_file(int tfd, int pfd, const struct stat *st, int *ret_dfd, char **ret_name)
{
	char top[PATH_MAX], got[PATH_MAX];
	_cleanup_close_ int dfd = -1;
	char *rel, *slash;
	struct stat now;
	size_t n;
	int r;

	r = fd_path(tfd, top, sizeof(top));
	if (r == 0)
		r = fd_path(pfd, got, sizeof(got));
	if (r < 0)
		return r;
	n = strlen(top);
	if (strncmp(got, top, n) || got[n] != '/')
		return -EPERM;
	rel = got + n + 1;
	slash = strrchr(rel, '/');
	if (slash)
		*slash = '\0';
	dfd = open_resolved(tfd, slash ? rel : ".", O_PATH | O_DIRECTORY, RESOLVE_BENEATH);
	if (dfd < 0)
		return dfd == -EXDEV ? -EPERM : dfd;
	rel = slash ? slash + 1 : rel;
	if (fstatat(dfd, rel, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return -EPERM;
	*ret_name = strdup(rel);
	if (!*ret_name)
		return -ENOMEM;
	*ret_dfd = TAKE_FD(dfd);
	return 0;
}

/* Replace dfd/name with content, keeping its mode and owner: written to a
 * new file next to it and renamed over it, so a kill at any instant
 * leaves the old content or the new, never an empty or half file. */
static int replace_file(int dfd, const char *name, const struct stat *st, const char *content)
{
	_cleanup_free_ char *tmp = xasprintf(".%s.rigtune-tmp", name);
	_cleanup_close_ int fd = -1;
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = openat(dfd, tmp, flags, 0600);
	if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
		fd = openat(dfd, tmp, flags, 0600);   /* left by a killed run */
	if (fd < 0)
		return -errno;
	/* O_NONBLOCK was for the open; writes to some file systems fail
	 * with a spurious EAGAIN under it. */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	r = fd_write_all(fd, content, strlen(content));
	if (r == 0 && fchmod(fd, st->st_mode & 07777) < 0)
		r = -errno;
	if (r == 0 && fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}

/* On a captured tree: the write as the kernel would show it, with the
 * file checked like every read (regular, one link) and replaced whole. */
static int write_tree_value(const struct sysroot *sr, const char *path, const char *value)
{
	_cleanup_free_ char *old = NULL, *content = NULL, *name = NULL;
	_cleanup_close_ int tfd = -1, pfd = -1, fd = -1, dfd = -1;
	struct stat st;
	int r;

	pfd = open_writable(sr, path, O_PATH, &tfd);
	if (pfd < 0)
		return pfd;
	r = tree_file_writable(pfd);
	if (r == 0 && fstat(pfd, &st) < 0)
		r = -errno;
	if (r < 0)
		return r;
	fd = reopen_fd(sr, pfd, O_RDONLY | O_NONBLOCK); /* a lease fails it at once (blocking_as_asked) */
	if (fd < 0)
		return fd;
	r = read_fd(fd, -1, 0, &old, NULL);
	if (r == 0)
		r = emulated_content(old, value, &content);
	if (r == 0)
		r = parent_of_file(tfd, pfd, &st, &dfd, &name);
	return r < 0 ? r : replace_file(dfd, name, &st, content);
}

static int write_value(const struct sysroot *sr, const char *path, const char *value)
{
	_cleanup_close_ int fd = -1;

	if (!sr->live)
		return write_tree_value(sr, path, value);
	fd = open_writable(sr, path, O_WRONLY, NULL);
	if (fd < 0)
		return fd;
	return fd_write_all(fd, value, strlen(value));
}

bool sr_value_equal(const char *wanted, const char *shown)
{
	_cleanup_free_ char *sel = NULL;
	_cleanup_strv_ char **a = NULL, **b = NULL;
	struct cpuset *x = NULL, *y = NULL;
	bool same = false;

	if (!wanted || !shown)
		return false;
	if (sr_parse_choice(shown, &sel, NULL) == 0)
		return !strcmp(sel, wanted);
	if (strv_split(wanted, " \t\n", &a) == 0 && strv_split(shown, " \t\n", &b) == 0) {
		same = strv_length(a) == strv_length(b);
		for (size_t i = 0; same && a[i]; i++)
			same = !strcmp(a[i], b[i]);
	}
	if (!same && cpulist_parse(wanted, &x) == 0 && cpulist_parse(shown, &y) == 0)
		same = cpuset_equal(x, y);
	free(x);
	free(y);
	return same;
}

int sr_write_string(const struct sysroot *sr, const char *value, char **readback, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL, *shown = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	path = vpath(fmt, ap);
	va_end(ap);
	if (!path)
		return -ENOMEM;
	if (sr->parent) { /* a view writes as its root, by the whole path */
		_cleanup_free_ char *full = view_path(sr, path);

		return full ? sr_write_string(sr->parent, value, readback, "%s", full) : -ENOMEM;
	}
	r = fault_before_write(sr);
	if (r == 0)
		r = write_value(sr, path, value);
	if (r < 0)
		return r;
	fault_after_write(sr);
	r = sr_read_file(sr, &shown, NULL, "%s", path);
	if (r < 0)
		return r;
	{
		char *t = strstrip(shown);

		if (sr_value_equal(value, t))
			return 0;
		if (readback)
			*readback = strdup(t);
	}
	return -EIO;
}
