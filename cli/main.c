/* rigtune's entry point: global options (accepted before or after the
 * command), the command table, messages on stderr. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "config.h"

static const struct command commands[] = {
	{"probe", cmd_probe, "[--json]", "what the host is: CPU, NUMA, memory, PCIe links, THP, hugepages, IRQs",
	 "  --json               machine-readable output (docs/schema/probe.json)\n"
	 "  -v                   every PCI device, not only those worth a line\n"},
	{"apply", cmd_apply, "PROFILE [--dry-run] [--bootloader] [--json] [--wait-lock SECONDS]",
	 "apply a profile, journaling every original value",
	 "  -n, --dry-run        say what would change; write nothing\n"
	 "  --bootloader         also regenerate the boot loader ([kernel] cmdline: update-grub or kernel-install)\n"
	 "  --json               per file: old and new value, status; totals (docs/schema/apply.json)\n"
	 "  --wait-lock SECONDS  wait this long for another apply or revert (default 10)\n"
	 "  -v                   also the settings already in place\n"},
	{"revert", cmd_revert, "[--force] [--json] [--wait-lock SECONDS]", "put back every value the last apply changed",
	 "  --force              replay a journal of an earlier boot anyway\n"
	 "  --json               per file: value found, original put back (docs/schema/revert.json)\n"
	 "  --wait-lock SECONDS  wait this long for another apply or revert (default 10)\n"},
	{"status", cmd_status, "[--json]", "which profile was applied, what it changed, what drifted since",
	 "  --json               machine-readable output\n"},
	{"audit", cmd_audit, "[PROFILE] [--json]", "check the host against a profile (default: the recommended one) "
	 "and its hardware findings; change nothing",
	 "  --json               machine-readable output (docs/schema/audit.json)\n"
	 "  -v                   notes of passing checks too\n"},
	{"recommend", cmd_recommend, "[--json]", "the shipped profile that fits this host, and why",
	 "  --json               machine-readable output\n"},
	{"verify", cmd_verify, "PROFILE [--json] [--quick] [--burn-in DURATION] [--no-health] [--no-gpu]",
	 "measure memory bandwidth against the profile's targets, with health under load",
	 "  --json               machine-readable output (docs/schema/verify.json)\n"
	 "  --quick              smaller arrays, fewer repetitions\n"
	 "  --burn-in DURATION   keep the load on this long (30m, 2m, 90s, 1h30m): clocks, temperatures, errors\n"
	 "  --no-health          do not sample clocks, temperatures and error counters\n"
	 "  --no-gpu             no host<->GPU copies beside the burn-in\n"},
	{"bench", cmd_bench, "[--json] [--quick] [--threads N] [--nodes LIST] [--size-mb M] [--kernel K,...] "
	 "[--scope S,...] [--isa ISA] [--smt] [--burn-in D] [--no-health] [--no-gpu] [--gpu]", "measure memory bandwidth",
	 "  --json               machine-readable output (docs/schema/bench.json)\n"
	 "  --quick              smaller arrays, fewer repetitions\n"
	 "  --threads N          threads to use (default: one per core)\n"
	 "  --nodes LIST         NUMA nodes to measure, such as 0-1,3\n"
	 "  --size-mb M          MiB per array (1 to 16777216); with --gpu, MiB per copy\n"
	 "  --kernel K,...       read, write, copy, triad\n"
	 "  --scope S,...        host, nodes, matrix, latency or all\n"
	 "  --isa ISA            force avx512, avx2, sse2 or scalar\n"
	 "  --smt                every hardware thread, not one per core\n"
	 "  --burn-in D          keep the load on this long, sampling health (see verify)\n"
	 "  --no-health          do not sample clocks, temperatures and error counters\n"
	 "  --no-gpu             no host<->GPU copies beside the burn-in\n"
	 "  --gpu                host<->GPU and GPU<->GPU bandwidth instead (CUDA or HIP, loaded at run time)\n"
	 "  --runtime RUNTIME    with --gpu: cuda, hip or auto\n"
	 "  --reps N             with --gpu: copies per figure (default 8)\n"
	 "  --min-fraction F     with --gpu: fail a GPU below F of its link's rate\n"},
	{"report", cmd_report, "PROFILE [--format text|json|junit|prometheus|html] [-o FILE] [--no-bench] [--quick] "
	 "[--burn-in D] [--no-gpu] [--serials]", "probe + audit + verify in one document",
	 "  -f, --format FORMAT  text, json (docs/schema/report.json), junit, prometheus or html\n"
	 "  -o, --output FILE    write FILE (through a temporary file and a rename)\n"
	 "  --no-bench           do not measure bandwidth\n"
	 "  --quick              a shorter measurement\n"
	 "  --burn-in D          a burn-in after the measurement; its findings count\n"
	 "  --no-gpu             no host<->GPU copies beside the burn-in\n"
	 "  --serials            serial numbers of the system, board and DIMMs\n"},
	{"topo", cmd_topo, "[--json] [-v]", "GPU/NIC affinity matrix: PIX, PXB, PHB, NODE, SYS, NV#, XGMI",
	 "  --json               machine-readable output\n"
	 "  -v                   NVMe controllers too\n"},
	{"plan", cmd_plan, "[--json]", "placement advice: numactl, CUDA/HIP_VISIBLE_DEVICES, closest NIC, systemd drop-ins",
	 "  --json               machine-readable output\n"},
	{"snapshot", cmd_snapshot, "-o FILE.tar.gz [--include-serials]", "capture the /sys and /proc files rigtune reads",
	 "  -o, --output FILE    the .tar.gz to write\n"
	 "  --include-serials    keep serial numbers, asset tags and the UUID (left out by default)\n"},
	{"profiles", cmd_profiles, "[--json]", "list shipped and local profiles",
	 "  --json               machine-readable output (docs/schema/profiles.json)\n"},
	{"show", cmd_show, "PROFILE [--json]", "print a profile fully resolved, with where each value came from",
	 "  --json               machine-readable output (docs/schema/show.json)\n"},
	{"watch", cmd_watch, "PROFILE [--events FILE] [--settle SECONDS] [--wait-lock SECONDS]",
	 "re-apply a profile's IRQ placement when PCI devices appear or bind",
	 "  --events FILE        read udev-style events from FILE instead of the kernel (tests)\n"
	 "  --settle SECONDS     wait for a device to settle before placing its IRQs\n"
	 "  --wait-lock SECONDS  wait this long for an apply or revert\n"
	 "  -v                   also the IRQs already in place\n"},
};

static const char global_options[] =
	"Global options (before or after the command):\n"
	"  --sysroot DIR        read and write a captured tree instead of /\n"
	"  --pci-dump FILE      read PCI config space from an lspci -x/-xxx/-xxxx dump\n"
	"  --json               machine-readable output\n"
	"  --color[=WHEN]       colour: auto (a terminal, TERM not dumb, NO_COLOR unset), always, never\n"
	"  -v, --verbose        say more; -vv (or -v -v) more still\n"
	"  -q, --quiet          no progress on a terminal (bench, verify, report)\n"
	"  -h, --help           this help\n"
	"  --version            print the version\n";

static void usage(FILE *out)
{
	fprintf(out, "Usage: rigtune [OPTIONS] COMMAND [ARGS]\n\n"
		     "Tune, audit and certify Linux hosts built for LLM inference.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-9s %s\n            %s\n", commands[i].name, commands[i].args, commands[i].summary);
	fprintf(out, "\n%s\nExit status: 0 all good, 1 a check failed, 2 usage, profile or runtime error.\n"
		     "See rigtune(8) and rigtune.ini(5).\n", global_options);
}

static int parse_color(const char *when, enum color_mode *ret)
{
	static const char *const names[] = {[COLOR_AUTO] = "auto", [COLOR_ALWAYS] = "always", [COLOR_NEVER] = "never"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(when, names[i])) {
			*ret = (enum color_mode)i;
			return 0;
		}
	return -EINVAL;
}

/* auto: a terminal that shows colour (TERM set and not "dumb"), and the
 * user did not ask for none (NO_COLOR, https://no-color.org). */
static bool use_color(enum color_mode mode)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (mode != COLOR_AUTO)
		return mode == COLOR_ALWAYS;
	return isatty(STDOUT_FILENO) && !(nc && *nc) && term && *term && strcmp(term, "dumb");
}

/* Take the global options out of argv wherever they stand; what is left
 * is the command and its own arguments. */
static int parse_globals(struct cli *cli, int *argc, char **argv, bool *help, bool *version)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;

		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (!strcmp(a, "--sysroot") || !strcmp(a, "--pci-dump")) {
			target = a[2] == 's' ? &cli->sysroot : &cli->pci_dump;
			if (i + 1 >= *argc)
				return log_error("option '%s' needs an argument (try --help)", a);
			*target = argv[++i];
		} else if (startswith(a, "--sysroot=")) {
			cli->sysroot = a + strlen("--sysroot=");
		} else if (startswith(a, "--pci-dump=")) {
			cli->pci_dump = a + strlen("--pci-dump=");
		} else if (!strcmp(a, "--json")) {
			cli->json = true;
		} else if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
			cli->verbose += (int)strlen(a + 1);   /* -v, -vv, -vvv */
		} else if (!strcmp(a, "--verbose")) {
			cli->verbose++;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			cli->quiet = true;
		} else if (!strcmp(a, "--color") || startswith(a, "--color=")) {
			if (parse_color(a[7] ? a + 8 : "always", &cli->color_mode) < 0)
				return log_error("--color: '%s' is not one of auto, always, never", a + 8);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = true;
		} else if (!strcmp(a, "--version")) {
			*version = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	*argc = out;
	if (!*cli->sysroot)
		return log_error("--sysroot needs a directory");
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = {.sysroot = "/", .argv0 = argv[0]};
	bool help = false, version = false;

	if (parse_globals(&cli, &argc, argv, &help, &version))
		return EXIT_ERROR;
	cli.color = use_color(cli.color_mode);
	cli.progress_tty = isatty(STDERR_FILENO);
	if (version) {
		printf("rigtune %s\n", RIGTUNE_VERSION);
		return EXIT_GOOD;
	}
	if (argc < 2) {
		usage(help ? stdout : stderr);
		return help ? EXIT_GOOD : EXIT_ERROR;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (help) {
			printf("Usage: rigtune %s %s\n  %s\n\nOptions:\n%s\n%s", commands[i].name, commands[i].args,
			       commands[i].summary, commands[i].options, global_options);
			return EXIT_GOOD;
		}
		optind = 0;
		return commands[i].run(&cli, argc - 1, argv + 1);
	}
	if (help) {
		usage(stdout);
		return EXIT_GOOD;
	}
	log_error("unknown command '%s' (try 'rigtune --help')", argv[1]);
	return EXIT_ERROR;
}
