/* The apply/revert lock, SYSROOT/run/rigtune.lock (see lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "tune/journal.h"
#include "tune/lock.h"

static int try_lock(int fd)
{
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EBUSY : -errno;
	}
}

int tune_lock_acquire(const struct sysroot *sr, unsigned wait_ms)
{
	const struct timespec step = {.tv_nsec = 50 * 1000 * 1000};
	int dfd, fd, r;

	r = tune_state_dir_open(sr, TUNE_LOCK_DIR, &dfd);
	if (r < 0)
		return r;
	fd = openat(dfd, TUNE_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	r = fd < 0 ? -errno : 0;
	close(dfd);
	if (r < 0)
		return r;
	for (unsigned waited = 0;; waited += 50) {
		r = try_lock(fd);
		if (r != -EBUSY || waited >= wait_ms)
			break;
		nanosleep(&step, NULL);
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

void tune_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
