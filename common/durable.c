/* Durable files outside /sys and /proc (see durable.h): an allow-list of
 * exact paths, and the write that survives a crash (temporary file,
 * fsync, rename, fsync of the directory). Touches only those paths under
 * the sysroot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/durable.h"
#include "common/util.h"

/* NAME of var/lib/rigtune/originals/NAME: [A-Za-z0-9._-], not "." or ".."
 * or hidden. */
static bool original_name_valid(const char *name)
{
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

	return *name && *name != '.' && strlen(name) <= 255 && strspn(name, ok) == strlen(name);
}

bool sr_durable_path_allowed(const char *path)
{
	const char *unit = path + strlen(DURABLE_UNIT_DIR "/");

	if (!strcmp(path, DURABLE_GRUB_FILE) || !strcmp(path, DURABLE_KERNEL_CMDLINE))
		return true;
	if (startswith(path, DURABLE_UNIT_DIR "/"))
		return endswith(unit, ".mount") && strlen(unit) > strlen(".mount") && original_name_valid(unit);
	return startswith(path, DURABLE_ORIGINALS_DIR "/") &&
	       original_name_valid(path + strlen(DURABLE_ORIGINALS_DIR "/"));
}

int sr_dir_open_creating(const struct sysroot *sr, const char *dir, int *ret_fd)
{
	_cleanup_free_ char *path = strdup(dir);
	int fd;

	if (!path)
		return -ENOMEM;
	for (char *slash = path;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		fd = sr_open(sr, O_PATH | O_DIRECTORY, "%s", path);
		if (fd == -ENOENT) {
			char *last = strrchr(path, '/');
			_cleanup_close_ int parent = -1;

			if (last)
				*last = '\0';
			parent = last ? sr_open(sr, O_PATH | O_DIRECTORY, "%s", path)
				      : fcntl(sr->dirfd, F_DUPFD_CLOEXEC, 0);
			if (last)
				*last = '/';
			if (parent < 0)
				return parent;
			if (mkdirat(parent, last ? last + 1 : path, 0755) < 0 && errno != EEXIST)
				return -errno;
			fd = sr_open(sr, O_PATH | O_DIRECTORY, "%s", path);
		}
		if (fd < 0)
			return fd;
		close(fd);
		if (!slash)
			break;
		*slash = '/';
	}
	fd = sr_open(sr, O_RDONLY | O_DIRECTORY, "%s", dir);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}


/* Split "a/b/c" into a directory "a/b" and a name "c". */
static int split_path(const char *path, char **dir, const char **name)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return -EPERM;
	*dir = strndup(path, slash - path);
	*name = slash + 1;
	return *dir ? 0 : -ENOMEM;
}

int durable_replace_at(int dfd, const char *name, const char *content)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", name);
	_cleanup_close_ int fd = -1;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = fd_write_all(fd, content, strlen(content));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return r;
	}
	return fsync(dfd) < 0 ? -errno : 0;
}

int sr_durable_write(const struct sysroot *sr, const char *path, const char *content)
{
	_cleanup_free_ char *dir = NULL, *back = NULL;
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r;

	if (!sr_durable_path_allowed(path))
		return -EPERM;
	r = split_path(path, &dir, &name);
	if (r == 0)
		r = sr_dir_open_creating(sr, dir, &dfd);
	if (r == 0)
		r = durable_replace_at(dfd, name, content);
	if (r == 0)
		r = sr_read_file(sr, &back, NULL, "%s", path);
	if (r == 0 && strcmp(back, content))
		r = -EIO;
	return r;
}

/* A directory on the way to a durable file ("etc/systemd"), which apply
 * may have created. */
static bool durable_parent_allowed(const char *dir)
{
	static const char *const files[] = {DURABLE_GRUB_FILE, DURABLE_KERNEL_CMDLINE, DURABLE_UNIT_DIR "/x"};
	size_t n = strlen(dir);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (n && !strncmp(files[i], dir, n) && files[i][n] == '/')
			return true;
	return false;
}

/* Unlink path (a file, or with AT_REMOVEDIR an empty directory) and sync
 * its directory; 0 when it is not there. A path without '/' is at the root. */
static int unlink_synced(const struct sysroot *sr, const char *path, int flags)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	const char *name = path;
	int r = strchr(path, '/') ? split_path(path, &dir, &name) : 0;

	if (r < 0)
		return r;
	dfd = dir ? sr_open(sr, O_RDONLY | O_DIRECTORY, "%s", dir)
		  : openat(sr->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 && !dir)
		dfd = -errno;
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (unlinkat(dfd, name, flags) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync(dfd) < 0 ? -errno : 0;
}

int sr_durable_rmdir(const struct sysroot *sr, const char *dir)
{
	return durable_parent_allowed(dir) ? unlink_synced(sr, dir, AT_REMOVEDIR) : -EPERM;
}

int sr_durable_remove(const struct sysroot *sr, const char *path)
{
	return sr_durable_path_allowed(path) ? unlink_synced(sr, path, 0) : -EPERM;
}
