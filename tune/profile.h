/* Profiles: INI files parsed with inih into a flat, resolved list of
 * settings, each remembering the file and line it came from. Includes are
 * merged first, in order; later files and later lines win. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct profile_entry {
	char *section;      /* "thp", "hugepages", "sysctl", "expect", ... */
	char *key;          /* as written, e.g. "enabled", "1G.node1", "vm.swappiness",
			       "/sys/module/pcie_aspm/parameters/policy" */
	char *value;        /* white space and inline ";" comments stripped */
	char *file;         /* the file it came from, as resolved (absolute or as given) */
	int line;           /* 1-based */
};

struct profile {
	char *path;         /* the top-level file, resolved */
	char *name;         /* basename without .ini */
	char *description;  /* [profile] description, or NULL */
	struct profile_entry *entries;  /* one per (section, key), in first-seen order,
					   [profile] section left out */
	size_t nentries;
	char **files;       /* every file read, in include order, NULL-terminated */
};

/* Where a failed load went wrong: file and line (0 when the file itself is
 * the problem), and a message without the location. */
struct profile_error {
	char *file;
	int line;
	char *message;
};

/* Directories searched, in order, for a profile given by name rather than
 * path: /etc/rigtune/profiles then the shipped directory (PROFILEDIR). */
struct profile_search {
	const char *const *dirs;    /* NULL-terminated; NULL: the defaults */
	bool check_owner;           /* refuse group/world-writable or non-root files
				       (set when running as root) */
};

/* Find, parse, merge includes and validate against the schema. Returns 0, or
 * -EINVAL (bad content, err filled), -ENOENT (not found, err filled), -ELOOP
 * (include loop, err filled), -EPERM (unsafe ownership/mode, err filled),
 * -ENOMEM. */
int profile_load(const char *name_or_path, const struct profile_search *search,
		 struct profile **ret, struct profile_error *err);
struct profile *profile_free(struct profile *p);
void profile_error_release(struct profile_error *err);

const struct profile_entry *profile_get(const struct profile *p, const char *section,
					const char *key);
/* Entries of one section, in order, via a callback-free iteration:
 * for (e = NULL; (e = profile_next(p, "sysctl", e)); ) */
const struct profile_entry *profile_next(const struct profile *p, const char *section,
					 const struct profile_entry *after);
/* Every profile found in the search path: NULL-terminated absolute paths. */
int profile_list(const struct profile_search *search, char ***ret);
