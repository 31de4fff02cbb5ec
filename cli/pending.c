/* PLACEHOLDER: commands being written now; each moves to its own file. */
#include "cli/cli.h"
#define PENDING(name) int cmd_##name(const struct cli *cli, int argc, char **argv) { return log_error(#name ": not built yet"); }
PENDING(snapshot) PENDING(apply) PENDING(revert) PENDING(audit) PENDING(show) PENDING(profiles)
PENDING(bench) PENDING(verify) PENDING(report) PENDING(watch)
