/* Messages on stderr: "rigtune: what went wrong", for every command;
 * and the progress of long ones (bench, verify, report). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void vlog(const char *prefix, const char *fmt, va_list ap, int err)
{
	fputs("rigtune: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	fputc('\n', stderr);
}

int log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
	return EXIT_ERROR;
}

int log_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, err);
	va_end(ap);
	return EXIT_ERROR;
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap, 0);
	va_end(ap);
}

void log_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (!cli->verbose)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
}

void progress(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet ? !cli->verbose : !cli->progress_tty && !cli->verbose)
		return;
	fputs(cli->progress_tty && !cli->verbose ? "\r\033[Krigtune: " : "rigtune: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!cli->progress_tty || cli->verbose)
		fputc('\n', stderr);
	fflush(stderr);
}

void progress_done(const struct cli *cli)
{
	if (cli->progress_tty && !cli->quiet && !cli->verbose)
		fputs("\r\033[K", stderr);
}

void log_debug(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->verbose < 2)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
}
