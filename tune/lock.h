/* One apply or revert at a time: flock(2) on SYSROOT/run/rigtune.lock.
 * The kernel drops the lock when its holder dies, so a killed apply
 * never leaves a stale lock behind. The file itself stays (empty), like
 * /run/xtables.lock: removing it would let two processes lock two
 * different files. */
#pragma once
#include "common/sysroot.h"

#define TUNE_LOCK_DIR "run"
#define TUNE_LOCK_NAME "rigtune.lock"

/* Take the lock, waiting up to wait_ms (0: try once). Returns an fd to
 * pass to tune_lock_release, -EBUSY when another process kept it, or
 * -errno. */
int tune_lock_acquire(const struct sysroot *sr, unsigned wait_ms);
void tune_lock_release(int fd);
