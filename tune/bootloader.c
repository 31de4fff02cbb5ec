/* `rigtune apply --bootloader` (see bootloader.h): which command, and
 * running it. Reads proc/sys/kernel/osrelease and, through
 * kernel_cmdline_file, the boot loader's configuration under the root. */
#include <errno.h>
#include <spawn.h>
#include <sys/wait.h>

#include "common/durable.h"
#include "common/util.h"
#include "tune/bootloader.h"
#include "tune/knobs.h"

extern char **environ;

int bootloader_argv(const struct sysroot *sr, char ***ret)
{
	const char *file = kernel_cmdline_file(sr);
	_cleanup_free_ char *release = NULL;
	_cleanup_strv_ char **argv = NULL;
	int r;

	if (!file)
		return -ENOENT;
	if (!strcmp(file, DURABLE_GRUB_FILE))
		r = strv_extend(&argv, "update-grub");
	else if ((r = sr_read_string(sr, &release, "proc/sys/kernel/osrelease")) < 0)
		return r;
	else if ((r = strv_extend(&argv, "kernel-install")) == 0 && (r = strv_extend(&argv, "add")) == 0 &&
		 (r = strv_extend(&argv, release)) == 0)
		r = strv_pushf(&argv, "/boot/vmlinuz-%s", release);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(argv);
	return 0;
}

int bootloader_run(char *const *argv, int *exit_status)
{
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ), status;

	if (r != 0)
		return -r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
