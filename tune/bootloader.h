/* Regenerating the boot loader after [kernel] cmdline changed its file:
 * `update-grub` for GRUB, `kernel-install add RELEASE /boot/vmlinuz-
 * RELEASE` for systemd-boot (RELEASE from proc/sys/kernel/osrelease). A
 * fixed argv started with posix_spawnp (found in PATH), never a shell:
 * nothing from a profile or a device reaches it. */
#pragma once
#include "common/sysroot.h"

/* The command for the boot loader found under the root, NULL-terminated;
 * -ENOENT when there is none (no GRUB, no systemd-boot). */
int bootloader_argv(const struct sysroot *sr, char ***ret);
/* Run argv and wait: 0 with *exit_status (the exit code, or 128 + the
 * signal), or -errno when it could not start (-ENOENT not in PATH). */
int bootloader_run(char *const *argv, int *exit_status);
