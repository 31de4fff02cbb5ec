/* [kernel] cmdline: tokens added to the kernel command line of the next
 * boot, through the boot loader's own configuration, under the sysroot:
 *   GRUB (etc/default/grub exists): etc/default/grub.d/rigtune.cfg, a
 *     snippet grub-mkconfig sources after /etc/default/grub, appending to
 *     GRUB_CMDLINE_LINUX_DEFAULT;
 *   systemd-boot (etc/kernel/cmdline, or a loader/ directory under boot/,
 *     efi/ or boot/efi/): etc/kernel/cmdline, which kernel-install reads:
 *     the original line (or proc/cmdline without BOOT_IMAGE= and initrd=)
 *     plus the tokens it lacks.
 * These files outlive a reboot, so their originals are kept in
 * var/lib/rigtune/originals/ (tune/originals.c), not in the runtime
 * journal; revert restores them (or removes a file rigtune created).
 * Nothing takes effect before the boot loader is regenerated (`rigtune
 * apply --bootloader`) and the host reboots: while the file has a token
 * proc/cmdline lacks, audit says "pending reboot". */
#include <errno.h>
#include <stdio.h>

#include "common/durable.h"
#include "common/util.h"
#include "tune/knobs.h"
#include "tune/originals.h"
#include "tune/schema.h"

#define LABEL "kernel.cmdline"

enum boot_loader { LOADER_NONE, LOADER_GRUB, LOADER_SYSTEMD_BOOT };

static enum boot_loader detect_loader(const struct sysroot *sr)
{
	if (sr_exists(sr, DURABLE_KERNEL_CMDLINE))
		return LOADER_SYSTEMD_BOOT;
	if (sr_exists(sr, "etc/default/grub"))
		return LOADER_GRUB;
	if (sr_exists(sr, "boot/loader/entries") || sr_exists(sr, "efi/loader") ||
	    sr_exists(sr, "boot/efi/loader"))
		return LOADER_SYSTEMD_BOOT;
	return LOADER_NONE;
}

const char *kernel_cmdline_file(const struct sysroot *sr)
{
	switch (detect_loader(sr)) {
	case LOADER_GRUB:
		return DURABLE_GRUB_FILE;
	case LOADER_SYSTEMD_BOOT:
		return DURABLE_KERNEL_CMDLINE;
	case LOADER_NONE:
		break;
	}
	return NULL;
}

/* The line systemd-boot's file starts from: the original rigtune saved,
 * else the file, else the running command line less what the boot loader
 * adds itself. */
static int sdboot_base(const struct sysroot *sr, char ***ret)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_ char **words = NULL, **kept = NULL;
	int r = original_load(sr, DURABLE_KERNEL_CMDLINE, &text);

	if (r == -ENOENT || (r == 0 && !text))
		r = sr_read_file(sr, &text, NULL, DURABLE_KERNEL_CMDLINE);
	if (r == -ENOENT)
		r = sr_read_file(sr, &text, NULL, "proc/cmdline");
	if (r < 0 && r != -ENOENT)
		return r;
	if (strv_split(text ? text : "", " \t\n", &words) < 0)
		return -ENOMEM;
	kept = calloc(1, sizeof(char *));
	if (!kept)
		return -ENOMEM;
	for (size_t i = 0; words[i]; i++)
		if (!startswith(words[i], "BOOT_IMAGE=") && !startswith(words[i], "initrd=") &&
		    strv_extend(&kept, words[i]) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(kept);
	return 0;
}

static char *desired_content(const struct sysroot *sr, enum boot_loader loader, char *const *tokens)
{
	_cleanup_free_ char *joined = strv_join(tokens, " "), *line = NULL;
	_cleanup_strv_ char **base = NULL;

	if (!joined)
		return NULL;
	if (loader == LOADER_GRUB)
		return xasprintf("GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT %s\"\n", joined);
	if (sdboot_base(sr, &base) < 0)
		return NULL;
	for (size_t i = 0; tokens[i]; i++)
		if (!strv_contains(base, tokens[i]) && strv_extend(&base, tokens[i]) < 0)
			return NULL;
	line = strv_join(base, " ");
	return line ? xasprintf("%s\n", line) : NULL;
}

/* The tokens of the profile the running kernel was not booted with. */
static char *tokens_not_booted(const struct sysroot *sr, char *const *tokens)
{
	_cleanup_free_ char *booted = NULL;
	_cleanup_strv_ char **words = NULL, **missing = NULL;

	if (sr_read_string(sr, &booted, "proc/cmdline") < 0 && !(booted = strdup("")))
		return NULL;
	if (strv_split(booted, " \t", &words) < 0 || !(missing = calloc(1, sizeof(char *))))
		return NULL;
	for (size_t i = 0; tokens[i]; i++)
		if (!strv_contains(words, tokens[i]) && strv_extend(&missing, tokens[i]) < 0)
			return NULL;
	return strv_join(missing, " ");
}

static int plan_pending(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			const struct action *a, char *const *tokens)
{
	_cleanup_free_ char *missing = tokens_not_booted(ctx->sr, tokens);

	if (!missing)
		return -ENOMEM;
	if (!*missing)
		return 0;
	if (a->state == ACTION_CHANGE)
		return plan_note(plan, e, LABEL, "%s takes effect at the next boot, once the boot loader is "
				 "regenerated: rigtune apply --bootloader", missing);
	return plan_warning(plan, e, "kernel.cmdline.booted", missing, "pending reboot",
			    "pending reboot: /%s has %s, /proc/cmdline does not (regenerate the boot loader "
			    "with rigtune apply --bootloader, then reboot)", a->path, missing);
}

static int plan_kernel(const struct knob_ctx *ctx, struct plan *plan)
{
	const struct profile_entry *e = profile_get(ctx->profile, "kernel", "cmdline");
	enum boot_loader loader = detect_loader(ctx->sr);
	_cleanup_strv_ char **tokens = NULL;
	_cleanup_free_ char *desired = NULL;
	struct action *a;
	int r;

	if (!e)
		return 0;
	if (strv_split(e->value, " \t", &tokens) < 0 || !(a = plan_add(plan, e, LABEL, NULL)))
		return -ENOMEM;
	if (loader == LOADER_NONE)
		return action_set_reason(a, ACTION_SKIP, "no boot loader configuration under the root "
					 "(/etc/default/grub for GRUB, /etc/kernel/cmdline for systemd-boot)");
	desired = desired_content(ctx->sr, loader, tokens);
	if (!desired || action_set_hint(a, "add %s to the kernel command line, then %s and reboot", e->value,
					loader == LOADER_GRUB ? "update-grub" : "kernel-install") < 0)
		return -ENOMEM;
	r = plan_set_durable_file(ctx, a, loader == LOADER_GRUB ? DURABLE_GRUB_FILE : DURABLE_KERNEL_CMDLINE, desired);
	if (r < 0)
		return r == -ENOMEM ? r : plan_error(plan, e, LABEL, "[kernel] cmdline: cannot read /%s: %s",
						     loader == LOADER_GRUB ? DURABLE_GRUB_FILE
									   : DURABLE_KERNEL_CMDLINE, strerror(-r));
	return plan_pending(ctx, plan, e, &plan->actions[plan->nactions - 1], tokens);
}

static const struct schema_key kernel_keys[] = {
	{SCHEMA_TEXT("cmdline", V_TOKENS, 0), .doc = "tokens added to the kernel command line of the "
	 "next boot (etc/default/grub.d/rigtune.cfg or etc/kernel/cmdline)"},
	{0},
};

/* Last: a boot file, after every runtime setting. */
const struct knob knob_kernel = {
	.section = {.name = "kernel", .doc = "the kernel command line of the next boot", .keys = kernel_keys},
	.order = 95,
	.probes = PROBE_BIT(PROBE_KERNEL),
	.plan = plan_kernel,
};
