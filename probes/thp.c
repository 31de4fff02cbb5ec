/* Transparent hugepages: sys/kernel/mm/transparent_hugepage/{enabled,
 * defrag, shmem_enabled, khugepaged/defrag, hugepages-<N>kB/enabled} and a
 * transparent_hugepage= override on the kernel command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"

#define THP_DIR "sys/kernel/mm/transparent_hugepage"

char *cmdline_value(const char *cmdline, const char *name)
{
	_cleanup_strv_ char **words = NULL;
	size_t n = strlen(name);
	char *found = NULL;

	if (!cmdline || strv_split(cmdline, " \t\n", &words) < 0)
		return NULL;
	for (size_t i = 0; words[i]; i++)
		if (!strncmp(words[i], name, n) && words[i][n] == '=') {
			free(found);
			found = strdup(words[i] + n + 1);
		}
	return found;
}

static int collect_sizes(const struct sysroot *sr, struct thp_info *t)
{
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;

	if (sr_list(sr, "hugepages-", &names, THP_DIR) < 0)
		return 0;
	t->sizes = calloc(strv_length(names) + 1, sizeof(*t->sizes));
	if (!t->sizes)
		return -ENOMEM;
	for (size_t i = 0; names[i]; i++) {
		struct thp_size *s = &t->sizes[n];

		if (sscanf(names[i], "hugepages-%lukB", &s->size_kb) != 1)
			continue;
		if (sr_read_choice(sr, &s->enabled, NULL, THP_DIR "/%s/enabled", names[i]) < 0)
			s->enabled = NULL;
		n++;
	}
	t->nsizes = n;
	return 0;
}

int thp_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct thp_info *t = &h->thp;
	int64_t v;

	(void)sr_read_choice(sr, &t->enabled, NULL, THP_DIR "/enabled");
	(void)sr_read_choice(sr, &t->defrag, NULL, THP_DIR "/defrag");
	(void)sr_read_choice(sr, &t->shmem_enabled, NULL, THP_DIR "/shmem_enabled");
	t->khugepaged_defrag = UNKNOWN;
	if (sr_read_s64(sr, &v, THP_DIR "/khugepaged/defrag") == 0)
		t->khugepaged_defrag = (int)v;
	t->cmdline_override = cmdline_value(h->kernel.cmdline, "transparent_hugepage");
	return collect_sizes(sr, t);
}

void thp_probe_release(struct host *h)
{
	struct thp_info *t = &h->thp;

	free(t->enabled);
	free(t->defrag);
	free(t->shmem_enabled);
	free(t->cmdline_override);
	for (size_t i = 0; i < t->nsizes; i++)
		free(t->sizes[i].enabled);
	free(t->sizes);
}
