/* Paths a profile names, as the [sysctl] and [sysfs] knobs resolve them:
 * glob expansion over the sysroot (sr_list and fnmatch, one component at
 * a time, so symlinks resolve inside the root) and "did you mean" from
 * the names the kernel has where a path stops existing (proc/sys/...,
 * sys/...). */
#include <errno.h>
#include <fnmatch.h>

#include "common/suggest.h"
#include "common/util.h"
#include "tune/knobs.h"

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Extend each of dirs (paths relative to the root) by one component,
 * a pattern or a plain name. */
static int glob_step(const struct sysroot *sr, char **dirs, const char *component, char ***ret)
{
	_cleanup_strv_ char **out = NULL;

	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_strv_ char **names = NULL;

		if (!has_glob(component)) {
			if (sr_exists(sr, "%s/%s", dirs[i], component) &&
			    strv_pushf(&out, "%s/%s", dirs[i], component) < 0)
				return -ENOMEM;
			continue;
		}
		if (sr_list(sr, "", &names, "%s", dirs[i]) == -ENOMEM)
			return -ENOMEM;
		for (size_t j = 0; names && names[j]; j++)
			if (names[j][0] != '.' && fnmatch(component, names[j], 0) == 0 &&
			    strv_pushf(&out, "%s/%s", dirs[i], names[j]) < 0)
				return -ENOMEM;
	}
	*ret = out;
	out = NULL;
	return 0;
}

int tune_glob(const struct sysroot *sr, const char *pattern, char ***ret)
{
	_cleanup_strv_ char **parts = NULL, **paths = NULL;
	int r;

	if (strv_split(pattern, "/", &parts) < 0 || !parts[0])
		return parts ? -EINVAL : -ENOMEM;
	if (strv_extend(&paths, parts[0]) < 0)
		return -ENOMEM;
	for (size_t i = 1; parts[i] && paths; i++) {
		_cleanup_strv_ char **next = NULL;

		r = glob_step(sr, paths, parts[i], &next);
		if (r < 0)
			return r;
		strv_free(paths);
		paths = next;
		next = NULL;
	}
	/* a plain path that does not exist matches nothing either */
	if (paths && !has_glob(pattern) && !sr_exists(sr, "%s", paths[0]))
		paths = strv_free(paths);
	*ret = paths;
	paths = NULL;
	return 0;
}

char *tune_suggest_path(const struct sysroot *sr, const char *base, const char *name, char sep)
{
	char seps[2] = {sep, '\0'};
	_cleanup_strv_ char **parts = NULL, **names = NULL;
	struct strbuf dir = {0}, fixed = {0};
	const char *best = NULL;
	size_t i;

	if (strv_split(name, seps, &parts) < 0 || strbuf_puts(&dir, base) < 0)
		goto out;
	for (i = 0; parts[i] && sr_exists(sr, "%s/%s", dir.buf, parts[i]); i++)
		if (strbuf_printf(&dir, "/%s", parts[i]) < 0 ||
		    strbuf_printf(&fixed, "%s%s", i ? seps : "", parts[i]) < 0)
			goto out;
	if (!parts[i] || sr_list(sr, "", &names, "%s", dir.buf) < 0)
		goto out;
	best = suggest_closest(parts[i], names);
	if (!best || strbuf_printf(&fixed, "%s%s", i ? seps : "", best) < 0)
		goto out;
	for (i++; parts[i]; i++)
		if (strbuf_printf(&fixed, "%s%s", seps, parts[i]) < 0)
			goto out;
	strbuf_release(&dir);
	return strbuf_steal(&fixed);
out:
	strbuf_release(&dir);
	strbuf_release(&fixed);
	return NULL;
}
