/* Saved originals of the durable files (see originals.h). Reads and
 * writes var/lib/rigtune/originals/ through common/durable.c. */
#include <errno.h>

#include "common/durable.h"
#include "common/util.h"
#include "tune/journal.h"
#include "tune/originals.h"

#define ORIGINAL_MAGIC "rigtune-original 1"

/* var/lib/rigtune/originals/etc_kernel_cmdline for etc/kernel/cmdline */
static char *record_path(const char *path)
{
	char *r = xasprintf(DURABLE_ORIGINALS_DIR "/%s", path);

	for (char *p = r ? r + strlen(DURABLE_ORIGINALS_DIR "/") : NULL; p && *p; p++)
		if (*p == '/')
			*p = '_';
	return r;
}

/* " etc/systemd etc/systemd/system": the directories on the way to path
 * that do not exist yet, outermost first, which writing it will create. */
static char *missing_dirs(const struct sysroot *sr, const char *path)
{
	struct strbuf sb = {0};
	_cleanup_free_ char *dir = strdup(path);

	if (!dir || strbuf_puts(&sb, "") < 0)
		goto oom;
	for (char *slash = dir; (slash = strchr(slash, '/')); slash++) {
		_cleanup_free_ char *e = NULL;

		*slash = '\0';
		if (!sr_exists(sr, "%s", dir) && (!(e = journal_escape(dir)) || strbuf_printf(&sb, " %s", e) < 0))
			goto oom;
		*slash = '/';
	}
	return strbuf_steal(&sb);
oom:
	strbuf_release(&sb);
	return NULL;
}

int original_save(const struct sysroot *sr, const char *path)
{
	_cleanup_free_ char *rec = record_path(path), *cur = NULL, *epath = journal_escape(path);
	_cleanup_free_ char *ecur = NULL, *text = NULL, *dirs = NULL;
	int r;

	if (!rec || !epath)
		return -ENOMEM;
	if (sr_exists(sr, "%s", rec))
		return 0;
	r = sr_read_file(sr, &cur, NULL, "%s", path);
	if (r < 0 && r != -ENOENT)
		return r;
	if (cur && !(ecur = journal_escape(cur)))
		return -ENOMEM;
	if (!cur && !(dirs = missing_dirs(sr, path)))
		return -ENOMEM;
	text = ecur ? xasprintf(ORIGINAL_MAGIC "\npath %s\ncontent %s\n", epath, ecur)
		    : xasprintf(ORIGINAL_MAGIC "\npath %s\nabsent%s\n", epath, dirs);
	return text ? sr_durable_write(sr, rec, text) : -ENOMEM;
}

/* Parse a record: its path and content (NULL: absent, *ret_dirs the
 * directories writing it created, when ret_dirs is not NULL). */
static int parse_record(const char *text, char **ret_path, char **ret_content, char ***ret_dirs)
{
	_cleanup_strv_ char **lines = NULL, **words = NULL;
	_cleanup_free_ char *path = NULL, *content = NULL;

	if (strv_split(text, "\n", &lines) < 0)
		return -ENOMEM;
	if (strv_length(lines) != 3 || strcmp(lines[0], ORIGINAL_MAGIC) || !startswith(lines[1], "path ") ||
	    journal_unescape(lines[1] + 5, &path) < 0)
		return -EBADMSG;
	if (startswith(lines[2], "content ") && journal_unescape(lines[2] + 8, &content) < 0)
		return -EBADMSG;
	if (!content && strcmp(lines[2], "absent") && !startswith(lines[2], "absent "))
		return -EBADMSG;
	if (!content && ret_dirs) {
		if (strv_split(lines[2] + strlen("absent"), " ", &words) < 0 ||
		    !(*ret_dirs = calloc(strv_length(words) + 1, sizeof(char *))))
			return -ENOMEM;
		for (size_t i = 0; words[i]; i++)
			if (journal_unescape(words[i], &(*ret_dirs)[i]) < 0) {
				*ret_dirs = strv_free(*ret_dirs);
				return -EBADMSG;
			}
	}
	*ret_path = TAKE_PTR(path);
	*ret_content = TAKE_PTR(content);
	return 0;
}

static int load_record(const struct sysroot *sr, const char *path, char **content, char ***dirs)
{
	_cleanup_free_ char *rec = record_path(path), *text = NULL, *recorded = NULL;
	int r;

	if (!rec)
		return -ENOMEM;
	r = sr_read_file(sr, &text, NULL, "%s", rec);
	if (r < 0)
		return r;
	r = parse_record(text, &recorded, content, dirs);
	if (r == 0 && strcmp(recorded, path)) {
		free(*content);
		if (dirs)
			*dirs = strv_free(*dirs);
		return -EBADMSG;
	}
	return r;
}

int original_load(const struct sysroot *sr, const char *path, char **content)
{
	return load_record(sr, path, content, NULL);
}

int original_restore(const struct sysroot *sr, const char *path)
{
	_cleanup_free_ char *rec = record_path(path), *content = NULL;
	_cleanup_strv_ char **dirs = NULL;
	int r;

	if (!rec)
		return -ENOMEM;
	r = load_record(sr, path, &content, &dirs);
	if (r < 0)
		return r;
	r = content ? sr_durable_write(sr, path, content) : sr_durable_remove(sr, path);
	/* the directories apply created, innermost first, if still empty */
	for (size_t i = strv_length(dirs); r >= 0 && i-- > 0;) {
		int rd = sr_durable_rmdir(sr, dirs[i]);

		r = rd == -ENOTEMPTY || rd == -EEXIST ? 0 : rd;
	}
	return r < 0 ? r : sr_durable_remove(sr, rec);
}

int originals_list(const struct sysroot *sr, char ***ret)
{
	_cleanup_strv_ char **names = NULL, **paths = NULL;
	int r = sr_list(sr, "", &names, DURABLE_ORIGINALS_DIR);

	if (r < 0 && r != -ENOENT)
		return r;
	paths = calloc(1, sizeof(char *));
	if (!paths)
		return -ENOMEM;
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *text = NULL, *path = NULL, *content = NULL;

		if (endswith(names[i], ".tmp") ||
		    sr_read_file(sr, &text, NULL, DURABLE_ORIGINALS_DIR "/%s", names[i]) < 0)
			continue;
		if (parse_record(text, &path, &content, NULL) < 0 || !sr_durable_path_allowed(path) ||
		    startswith(path, DURABLE_ORIGINALS_DIR))
			continue;
		if (strv_push(&paths, TAKE_PTR(path)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(paths);
	return 0;
}
