/* Views of a tree's directory (sysroot_at): reads through a view give
 * what the root gives for prefix/path, whether the name is a plain file,
 * a link that leaves the directory (relative, absolute, ".."), a FIFO
 * or device node (refused, never opened) or a file under another
 * process's lease (fails at once), in a directory only root or this user
 * can change and in one anybody can; the empty path; links, stat, listing,
 * views of views, the snapshot trace (whole paths), and writes (by the
 * whole path, still confined to sys/, proc/sys/ and proc/irq/). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/sysroot.h"
#include "common/util.h"
#include "tap.h"

#define DEV "sys/devices/pci0000:00/0000:00:01.0"
#define BUS "sys/bus/pci/devices/0000:00:01.0"

static char root[] = "/tmp/test-sysroot.XXXXXX";

static char *at_root(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);

	if (!p)
		abort();
	return p;
}

static void mkdirs(const char *rel)
{
	char *path = at_root(rel);

	for (char *p = strchr(path + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
	free(path);
}

static void put(const char *rel, const char *text)
{
	char *path = at_root(rel);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
	free(path);
}

static void link_to(const char *target, const char *rel)
{
	char *path = at_root(rel);

	if (symlink(target, path) < 0)
		abort();
	free(path);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void build_tree(void)
{
	char *fifo;

	mkdirs(DEV "/sub");
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/bus/pci/drivers/nvme");
	mkdirs("sys/kernel/mm/transparent_hugepage");
	mkdirs("etc");
	put(DEV "/numa_node", "1\n");
	put(DEV "/local_cpulist", "0-3\n");
	put(DEV "/sub/inner", "inner\n");
	put("sys/devices/shared", "S\n");
	put("sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put("etc/host-file", "tree's own\n");
	mkdirs("lines");
	put("lines/plain", "a\n\nb c\nd");
	{
		char *path = at_root("lines/nul");
		FILE *f = fopen(path, "w");

		if (!f || fwrite("x\ny\0z\nw\n", 1, 9, f) != 9 || fclose(f))
			abort();
		free(path);
	}
	link_to("../../../devices/pci0000:00/0000:00:01.0", BUS);
	link_to("../../../bus/pci/drivers/nvme", DEV "/driver");
	link_to("../../shared", DEV "/out_rel");
	link_to("/sys/devices/shared", DEV "/out_abs");
	link_to("/etc/host-file", DEV "/etc_abs");
	fifo = at_root(DEV "/fifo");
	if (mkfifo(fifo, 0644) < 0)
		abort();
	free(fifo);
}

static bool openat2_here(void)
{
	struct open_how how = {.flags = O_PATH, .resolve = RESOLVE_IN_ROOT};
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
}

/* A child takes a write lease on path and waits: an open by anybody else
 * then waits for the lease to break (lease-break-time, 45 s), or fails
 * at once if it is non-blocking. Returns the child's pid. */
static pid_t hold_lease(const char *path)
{
	int ready[2];
	pid_t pid;
	char c = 0;

	if (pipe(ready) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);

		/* gone with the test, even one killed by its alarm */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60);
		signal(SIGIO, SIG_IGN); /* the break notice: not a kill */
		c = fd >= 0 && fcntl(fd, F_SETLEASE, F_WRLCK) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (pid < 0 || read(ready[0], &c, 1) != 1 || c != 'y') {
		if (pid > 0)
			kill(pid, SIGKILL), waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static void test_lease(const struct sysroot *view, const char *name, const char *what)
{
	_cleanup_free_ char *s = NULL, *path = xasprintf("%s/%s/%s", root, DEV, name);
	struct timespec t0, t1;
	pid_t pid = path ? hold_lease(path) : -1;
	int r;

	if (pid < 0) {
		tap_skip("no file lease here (F_SETLEASE)");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sr_read_string(view, &s, "%s", name);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	tap_ok(r == -EWOULDBLOCK && t1.tv_sec - t0.tv_sec < 5,
	       "%s: a leased file fails at once (%d after %lds), not after lease-break-time", what, r,
	       (long)(t1.tv_sec - t0.tv_sec));
}

/* What the root reads at prefix/path, and what the view reads at path. */
static void same_as_root(const struct sysroot *sr, const struct sysroot *view, const char *path, const char *what)
{
	_cleanup_free_ char *a = NULL, *b = NULL;
	int ra = sr_read_string(sr, &a, "%s/%s", view->prefix, path);
	int rb = sr_read_string(view, &b, "%s", path);

	tap_ok(ra == rb && (ra < 0 || !strcmp(a, b)), "%s: view reads %s as the root does (%d '%s', %d '%s')", what,
	       path, rb, rb < 0 ? "" : b, ra, ra < 0 ? "" : a);
}

static bool traced(char **trace, const char *path)
{
	return strv_contains(trace, path);
}

/* sr_read_lines: what it gives, line by line, joined with '|'. */
struct lines_seen {
	struct strbuf sb;
	size_t n, longest;
	int stop_at;                /* return -ECANCELED at this line (1-based), 0 never */
};

static int see_line(char *line, void *arg)
{
	struct lines_seen *l = arg;

	l->n++;
	if (strlen(line) > l->longest)
		l->longest = strlen(line);
	if (l->stop_at && (int)l->n == l->stop_at)
		return -ECANCELED;
	return strbuf_printf(&l->sb, "%s|", strlen(line) > 40 ? "long" : line);
}

static void test_read_lines(const struct sysroot *sr)
{
	struct lines_seen l = {0};
	char *big = malloc(200001);

	tap_is_int(sr_read_lines(sr, see_line, &l, "lines/plain"), 0, "lines: a file read a line at a time");
	tap_is_str(l.sb.buf, "a||b c|d|", "lines: empty lines given, the last without its newline");
	strbuf_release(&l.sb);

	memset(&l, 0, sizeof(l));
	memset(big, 'x', 200000);
	big[200000] = '\0';
	{
		struct strbuf f = {0};

		(void)strbuf_printf(&f, "one\n%s\ntwo\n", big);
		for (int i = 0; i < 40000; i++)
			(void)strbuf_puts(&f, "row\n");
		put("lines/long", f.buf);
		strbuf_release(&f);
	}
	tap_is_int(sr_read_lines(sr, see_line, &l, "lines/long"), 0, "lines: a 200 KB line and 160 KB of short ones");
	tap_ok(l.n == 40003 && l.longest == 200000 && startswith(l.sb.buf, "one|long|two|row|"),
	       "lines: every line whole, across the buffer's ends");
	strbuf_release(&l.sb);

	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	tap_is_int(sr_read_lines(sr, see_line, &l, "lines/plain"), -ECANCELED, "lines: a callback's error stops the reading");
	tap_is_int((int)l.n, 2, "lines: no line after it");
	strbuf_release(&l.sb);

	memset(&l, 0, sizeof(l));
	tap_is_int(sr_read_lines(sr, see_line, &l, "lines/missing"), -ENOENT, "lines: a missing file");
	tap_is_int(sr_read_lines(sr, see_line, &l, DEV "/fifo"), -ENXIO, "lines: a FIFO is refused, not opened");
	tap_is_int(sr_read_lines(sr, see_line, &l, "lines/nul"), 0, "lines: a file with a NUL byte");
	tap_is_str(l.sb.buf, "x|y|", "lines: end at the NUL, as sr_read_file's text does");
	strbuf_release(&l.sb);
	free(big);
}

int main(void)
{
	struct sysroot *sr = NULL;
	struct sysroot view, sub, open_dir, thp;
	_cleanup_strv_ char **trace = NULL, **names = NULL;
	_cleanup_free_ char *s = NULL, *drv = NULL, *shown = NULL;
	struct stat st;
	int64_t node;
	int r;

	if (!mkdtemp(root))
		return 1;
	build_tree();
	alarm(20); /* a FIFO that blocked would hang here, not pass */
	tap_is_int(sysroot_open(root, &sr), 0, "the tree opens");
	test_read_lines(sr);
	tap_is_int(sysroot_at(sr, &view, BUS), 0, "a view of a device's directory, through its bus link");
	tap_is_str(view.prefix, BUS, "the view keeps its path under the root");
	if (sr->root_fs_local)
		tap_ok(view.trusted_dir, "a 0755 directory of this user on a local filesystem is trusted");
	else
		tap_skip("the tree's filesystem is not one whose permissions are trusted");

	tap_ok(sr_read_s64(&view, &node, "numa_node") == 0 && node == 1, "a name in the view reads its file");
	same_as_root(sr, &view, "local_cpulist", "plain file");
	same_as_root(sr, &view, "out_rel", "relative link out of the directory");
	same_as_root(sr, &view, "out_abs", "absolute link, inside the tree");
	same_as_root(sr, &view, "etc_abs", "absolute link to /etc: the tree's /etc, not the host's");
	same_as_root(sr, &view, "../0000:00:01.0/numa_node", "'..' out of the directory and back");
	same_as_root(sr, &view, "sub/inner", "a file in a subdirectory");
	same_as_root(sr, &view, "missing", "a missing name");
	tap_is_int(sr_read_string(&view, &s, "fifo"), -ENXIO, "a FIFO in a trusted directory is refused, not opened");
	test_lease(&view, "local_cpulist", "trusted directory");
	tap_ok(sr_readlink(&view, &drv, true, "driver") == 0 && !strcmp(drv, "nvme"), "a link's target in the view");
	tap_ok(sr_stat(&view, &st, "numa_node") == 0 && S_ISREG(st.st_mode), "stat of a name in the view");
	if (openat2_here())
		tap_ok(sr_stat(&view, &st, "out_abs") == 0 && S_ISREG(st.st_mode) && st.st_size == 2,
		       "stat follows a link inside the tree");
	else
		tap_skip("no openat2 (valgrind, Linux before 5.6): absolute links are refused, not followed");
	{
		_cleanup_strv_ char **all = NULL;

		tap_ok(sr_list(&view, "", &all, "%s", "") == 0 && strv_contains(all, "numa_node"),
		       "an empty path is the view's directory itself");
	}
	tap_ok(sr_list(&view, "", &names, "sub") == 0 && strv_length(names) == 1 && !strcmp(names[0], "inner"),
	       "a subdirectory listed through the view");

	tap_is_int(sysroot_at(&view, &sub, "sub"), 0, "a view of a view");
	tap_is_str(sub.prefix, BUS "/sub", "is a view of the root, by the whole path");
	free(s);
	s = NULL;
	tap_ok(sr_read_string(&sub, &s, "inner") == 0 && !strcmp(s, "inner"), "and reads its files");
	sysroot_at_release(&sub);

	sr->trace = &trace;
	free(s);
	s = NULL;
	(void)sr_read_string(&view, &s, "numa_node");
	sysroot_at_release(&view);
	tap_is_int(sysroot_at(sr, &view, BUS), 0, "a view opened while tracing");
	free(s);
	s = NULL;
	(void)sr_read_string(&view, &s, "local_cpulist");
	free(drv);
	drv = NULL;
	(void)sr_readlink(&view, &drv, true, "driver");
	tap_ok(traced(trace, BUS "/local_cpulist") && traced(trace, BUS "/driver") && traced(trace, BUS),
	       "snapshot's trace gets whole paths from a view");
	sr->trace = NULL;
	sysroot_at_release(&view);

	/* A directory anybody may change: the same answers, by the O_PATH
	 * route (a name there could be swapped between a stat and an open). */
	{
		char *dir = at_root(DEV);

		tap_ok(chmod(dir, 0777) == 0, "the device directory made writable by all");
		free(dir);
	}
	tap_is_int(sysroot_at(sr, &open_dir, BUS), 0, "a view of it");
	tap_ok(!open_dir.trusted_dir, "is not trusted");
	same_as_root(sr, &open_dir, "numa_node", "untrusted directory, plain file");
	same_as_root(sr, &open_dir, "out_abs", "untrusted directory, absolute link");
	free(s);
	s = NULL;
	tap_is_int(sr_read_string(&open_dir, &s, "fifo"), -ENXIO, "a FIFO in an untrusted directory is refused");
	test_lease(&open_dir, "local_cpulist", "untrusted directory");
	if (geteuid() == 0) {
		char *dev = at_root(DEV "/kmsg");

		/* /dev/null's numbers: harmless if it were opened, refused all the same. */
		if (mknod(dev, S_IFCHR | 0644, makedev(1, 3)) == 0) {
			tap_is_int(sr_read_string(&open_dir, &s, "kmsg"), -ENXIO,
				   "a device node in an untrusted directory is refused");
			char *dir = at_root(DEV);

			(void)chmod(dir, 0755);
			free(dir);
			sysroot_at_release(&open_dir);
			(void)sysroot_at(sr, &open_dir, BUS);
			tap_is_int(sr_read_string(&open_dir, &s, "kmsg"), -ENXIO,
				   "a device node in a trusted directory is refused");
		} else {
			tap_skip("mknod failed on this filesystem");
			tap_skip("mknod failed on this filesystem");
		}
		free(dev);
	} else {
		tap_skip("device nodes need root");
		tap_skip("device nodes need root");
	}
	sysroot_at_release(&open_dir);

	/* Writes through a view go by the whole path, confined as ever. */
	tap_is_int(sysroot_at(sr, &thp, "sys/kernel/mm/transparent_hugepage"), 0, "a view of THP's directory");
	r = sr_write_string(&thp, "never", NULL, "enabled");
	tap_is_int(r, 0, "a write through the view, read back");
	tap_ok(sr_read_string(sr, &shown, "sys/kernel/mm/transparent_hugepage/enabled") == 0 &&
	       !strcmp(shown, "always madvise [never]"), "the root reads what the view wrote");
	tap_is_int(sr_write_string(&thp, "x", NULL, "../../../../etc/host-file"), -EPERM,
		   "a write through a view cannot leave sys/");
	sysroot_at_release(&thp);

	sysroot_free(sr);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
