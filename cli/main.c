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
	{"probe", cmd_probe, "[--json]", "what the host is: CPU, NUMA, memory, PCIe links, THP, hugepages, IRQs"},
	{"apply", cmd_apply, "PROFILE [--dry-run] [--bootloader] [--wait-lock SECONDS]", "apply a profile, journaling every original value"},
	{"revert", cmd_revert, "[--force] [--wait-lock SECONDS]", "put back every value the last apply changed"},
	{"status", cmd_status, "[--json]", "which profile was applied, what it changed, what drifted since"},
	{"audit", cmd_audit, "[PROFILE] [--json]", "check the host against a profile (default: the recommended one) "
	 "and its hardware findings; change nothing"},
	{"recommend", cmd_recommend, "[--json]", "the shipped profile that fits this host, and why"},
	{"verify", cmd_verify, "PROFILE [--json] [--quick] [--burn-in DURATION] [--no-health]",
	 "measure memory bandwidth against the profile's targets, with health under load"},
	{"bench", cmd_bench, "[--json] [--threads N] [--nodes LIST] [--size-mb M] [--kernel K,...] [--burn-in D] [--no-health]",
	 "measure memory bandwidth"},
	{"report", cmd_report, "PROFILE [--format text|json|junit|prometheus|html] [-o FILE] [--no-bench] [--quick] [--burn-in D] [--serials]",
	 "probe + audit + verify in one document"},
	{"topo", cmd_topo, "[--json] [-v]", "GPU/NIC affinity matrix: PIX, PXB, PHB, NODE, SYS, NV#, XGMI"},
	{"plan", cmd_plan, "[--json]", "placement advice: numactl, CUDA/HIP_VISIBLE_DEVICES, closest NIC, systemd drop-ins"},
	{"snapshot", cmd_snapshot, "-o FILE.tar.gz [--include-serials]", "capture the /sys and /proc files rigtune reads"},
	{"profiles", cmd_profiles, "", "list shipped and local profiles"},
	{"show", cmd_show, "PROFILE [--json]", "print a profile fully resolved, with where each value came from"},
	{"watch", cmd_watch, "PROFILE [--events FILE] [--settle SECONDS] [--wait-lock SECONDS]", "re-apply a profile's IRQ placement when PCI devices appear or bind"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: rigtune [OPTIONS] COMMAND [ARGS]\n\n"
		     "Tune, audit and certify Linux hosts built for LLM inference.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-9s %s\n            %s\n", commands[i].name, commands[i].args, commands[i].summary);
	fprintf(out, "\nOptions (before or after the command):\n"
		     "  --sysroot DIR     read and write a captured tree instead of /\n"
		     "  --pci-dump FILE   read PCI config space from an lspci -x/-xxx/-xxxx dump\n"
		     "  --json            machine-readable output\n"
		     "  -v, --verbose     say more\n"
		     "  -q, --quiet       no progress on a terminal (bench, verify, report)\n"
		     "  -h, --help        this help\n"
		     "  --version         print the version\n\n"
		     "Exit status: 0 all good, 1 a check failed, 2 usage, profile or runtime error.\n"
		     "See rigtune(8) and rigtune.ini(5).\n");
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
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			cli->verbose++;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			cli->quiet = true;
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
	const char *nc = getenv("NO_COLOR");

	cli.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	cli.progress_tty = isatty(STDERR_FILENO);
	if (parse_globals(&cli, &argc, argv, &help, &version))
		return EXIT_ERROR;
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
			printf("Usage: rigtune %s %s\n  %s\n", commands[i].name, commands[i].args, commands[i].summary);
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
