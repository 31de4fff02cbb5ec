/* `rigtune show PROFILE`: a profile fully resolved (includes merged), as
 * an INI file that loads back to the same settings, each line saying the
 * file:line it came from; or --json. `rigtune profiles`: every profile in
 * the search path with its description. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/util.h"
#include "tune/profile.h"
#include "tune/schema.h"

#define SOURCE_COLUMN 40        /* where "; file:line" starts, when it fits */
#define SHOW_LINE_MAX 197       /* the longest line a profile may have */


/* rigtune: FILE:LINE: message, or FILE: message for the file as a whole. */
static int profile_error_log(const char *name, int r, const struct profile_error *err)
{
	if (err->message && err->line > 0)
		return log_error("%s:%d: %s", err->file, err->line, err->message);
	if (err->message)
		return log_error("%s: %s", err->file, err->message);
	return log_errno(r, "%s", name);
}

static struct profile_search profile_search_default(void)
{
	/* as root, what the profile says is done as root: refuse what others could edit */
	return (struct profile_search){.check_owner = geteuid() == 0};
}

/* Load a profile for any command; prints the error. 0 or EXIT_ERROR. */
int cli_profile_load(const char *name, struct profile **ret)
{
	struct profile_search search = profile_search_default();
	struct profile_error err = {0};
	int r = profile_load(name, &search, ret, &err);

	if (r < 0)
		r = profile_error_log(name, r, &err);
	profile_error_release(&err);
	return r;
}

/* A file as the comments name it: its base name when no other file of the
 * profile has that base name, else the path. */
static const char *source_name(const struct profile *p, const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;

	for (size_t i = 0; p->files[i]; i++) {
		const char *o = strrchr(p->files[i], '/') ? strrchr(p->files[i], '/') + 1 : p->files[i];

		if (p->files[i] != file && strcmp(p->files[i], file) && !strcmp(o, base))
			return file;
	}
	return base;
}

static void show_section(const struct profile *p, const char *section, FILE *out)
{
	const struct profile_entry *e = profile_next(p, section, NULL);
	int width = 0;

	if (!e)
		return;
	for (; e; e = profile_next(p, section, e)) {
		int w = (int)(strlen(e->key) + strlen(e->value) + 3);

		if (w > width && w <= SOURCE_COLUMN)
			width = w;
	}
	fprintf(out, "\n[%s]\n", section);
	for (e = profile_next(p, section, NULL); e; e = profile_next(p, section, e)) {
		const char *src = source_name(p, e->file);
		int w = (int)(strlen(e->key) + strlen(e->value) + 3);

		/* keep lines short enough to load back */
		if (w + strlen(src) + 16 > SHOW_LINE_MAX) {
			fprintf(out, "; %s:%d\n%s = %s\n", src, e->line, e->key, e->value);
			continue;
		}
		fprintf(out, "%s = %s%*s ; %s:%d\n", e->key, e->value, w < width ? width - w : 0, "",
			src, e->line);
	}
}

static void show_ini(const struct profile *p, FILE *out)
{
	fprintf(out, "; %s, resolved by rigtune show; files in include order:\n", p->path);
	for (size_t i = 0; p->files[i]; i++)
		fprintf(out, ";   %s\n", p->files[i]);
	if (p->description)
		fprintf(out, "\n[profile]\ndescription = %s\n", p->description);
	for (size_t i = 0; schema_section_at(i); i++)
		show_section(p, schema_section_at(i)->name, out);
}

/* {"name", "path", "description", "files": [...], "sections": {"thp":
 * {"enabled": {"value", "file", "line"}}}} */
static int show_json(const struct profile *p, FILE *out)
{
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_kv_string(&j, "name", p->name);
	json_kv_string(&j, "path", p->path);
	json_kv_string(&j, "description", p->description);
	json_key(&j, "files");
	json_array_begin(&j);
	for (size_t i = 0; p->files[i]; i++)
		json_string(&j, p->files[i]);
	json_array_end(&j);
	json_key(&j, "sections");
	json_object_begin(&j);
	for (size_t i = 0; schema_section_at(i); i++) {
		const char *s = schema_section_at(i)->name;

		if (!profile_next(p, s, NULL))
			continue;
		json_key(&j, s);
		json_object_begin(&j);
		for (const struct profile_entry *e = NULL; (e = profile_next(p, s, e));) {
			json_key(&j, e->key);
			json_object_begin(&j);
			json_kv_string(&j, "value", e->value);
			json_kv_string(&j, "file", e->file);
			json_kv_int(&j, "line", e->line);
			json_object_end(&j);
		}
		json_object_end(&j);
	}
	json_object_end(&j);
	json_document_end(&j);
	return json_end(&j);
}

int cmd_show(const struct cli *cli, int argc, char **argv)
{
	struct profile *p = NULL;
	int r;

	if (argc != 2 || !argv[1][0] || (argv[1][0] == '-' && argv[1][1]))
		return log_error("usage: rigtune show PROFILE [--json]");
	r = cli_profile_load(argv[1], &p);
	if (r)
		return r;
	if (cli->json)
		r = show_json(p, stdout);
	else
		show_ini(p, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		r = -EIO;
	profile_free(p);
	return r < 0 ? log_errno(r, "writing the profile") : EXIT_GOOD;
}

struct listed {
	char *name, *description, *error;
	const char *path, *shadowed_by;
};

static void listed_release(struct listed *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
		free(v[i].error);
	}
	free(v);
}

/* Load one listed profile for its name and description; a profile that
 * does not load is listed with why. */
static int listed_fill(struct listed *l, const char *path)
{
	struct profile_search search = profile_search_default();
	struct profile_error err = {0};
	struct profile *p = NULL;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int r = profile_load(path, &search, &p, &err);
	bool ok;

	l->path = path;
	l->name = strndup(base, strlen(base) - (endswith(base, ".ini") ? 4 : 0));
	if (r == 0 && p->description)
		l->description = strdup(p->description);
	else if (r < 0 && err.message)
		l->error = err.line ? xasprintf("%s:%d: %s", err.file, err.line, err.message)
				    : xasprintf("%s: %s", err.file, err.message);
	else if (r < 0)
		l->error = strdup(strerror(-r));
	ok = l->name && (r == 0 ? !p->description || l->description : l->error != NULL);
	profile_error_release(&err);
	profile_free(p);
	return ok ? 0 : -ENOMEM;
}

static void profiles_text(const struct listed *v, size_t n, FILE *out)
{
	int wn = 4, wp = 4;

	for (size_t i = 0; i < n; i++) {
		wn = (int)strlen(v[i].name) > wn ? (int)strlen(v[i].name) : wn;
		wp = (int)strlen(v[i].path) > wp ? (int)strlen(v[i].path) : wp;
	}
	fprintf(out, "%-*s  %-*s  %s\n", wn, "NAME", wp, "PATH", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%-*s  %-*s  ", wn, v[i].name, wp, v[i].path);
		if (v[i].error)
			fprintf(out, "(does not load: %s)", v[i].error);
		else
			fputs(v[i].description ? v[i].description : "-", out);
		if (v[i].shadowed_by)
			fprintf(out, " [shadowed by %s]", v[i].shadowed_by);
		fputc('\n', out);
	}
}

static int profiles_json(const struct listed *v, size_t n, FILE *out)
{
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_key(&j, "profiles");
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "name", v[i].name);
		json_kv_string(&j, "path", v[i].path);
		json_kv_string(&j, "description", v[i].description);
		json_kv_string(&j, "shadowed_by", v[i].shadowed_by);
		json_kv_string(&j, "error", v[i].error);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_document_end(&j);
	return json_end(&j);
}

int cmd_profiles(const struct cli *cli, int argc, char **argv)
{
	struct profile_search search = profile_search_default();
	_cleanup_strv_ char **paths = NULL;
	struct listed *v = NULL;
	size_t n;
	int r;

	if (argc != 1)
		return log_error("usage: rigtune profiles [--json]");
	r = profile_list(&search, &paths);
	n = r < 0 ? 0 : strv_length(paths);
	v = r < 0 ? NULL : calloc(n + 1, sizeof(*v));
	if (!v)
		return log_errno(-ENOMEM, "listing profiles");
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = listed_fill(&v[i], paths[i]);
		for (size_t k = 0; r >= 0 && k < i && !v[i].shadowed_by; k++)
			if (!strcmp(v[k].name, v[i].name))
				v[i].shadowed_by = v[k].path;
	}
	if (r >= 0 && cli->json)
		r = profiles_json(v, n, stdout);
	else if (r >= 0)
		profiles_text(v, n, stdout);
	listed_release(v, n);
	if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout)))
		r = -EIO;
	return r < 0 ? log_errno(r, "listing profiles") : EXIT_GOOD;
}
