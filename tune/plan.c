/* The plan the knobs build (see plan.h). Reads each
 * planned file once, through the sysroot layer, for its current value. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/durable.h"
#include "common/util.h"
#include "tune/knobs.h"
#include "tune/plan.h"

static int cmp_action_path(const void *a, const void *b)
{
	const struct action *x = *(const struct action *const *)a, *y = *(const struct action *const *)b;
	int d = strcmp(x->path, y->path);

	return d ? d : (x > y) - (x < y);
}

/* Two settings writing one file ([thp] enabled and [sysfs] /sys/kernel/
 * mm/transparent_hugepage/enabled) would undo each other on every apply:
 * the later one is an error. */
static int check_one_writer(struct plan *p)
{
	_cleanup_free_ struct action **v = calloc(p->nactions + 1, sizeof(*v));
	size_t n = 0;
	int r = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].path)
			v[n++] = &p->actions[i];
	qsort(v, n, sizeof(*v), cmp_action_path);
	for (size_t i = 1; i < n && r >= 0; i++) {
		const struct action *a = v[i - 1], *b = v[i];

		if (strcmp(a->path, b->path) || a->src == b->src)
			continue;
		r = plan_error(p, b->src, b->label, "[%s] %s: /%s is also set by [%s] %s (%s:%d)", b->src->section,
			       b->src->key, b->path, a->src->section, a->src->key, a->src->file, a->src->line);
	}
	return r;
}

static int knob_plan(const struct knob *k, const struct knob_ctx *ctx, struct plan *p)
{
	const char *name = k->section.name;

	for (const struct profile_entry *e = NULL; k->plan_entry && (e = profile_next(ctx->profile, name, e));) {
		int r = k->plan_entry(ctx, p, e);

		if (r < 0)
			return r;
	}
	return k->plan ? k->plan(ctx, p) : 0;
}

int plan_build(const struct knob_ctx *ctx, struct plan **ret)
{
	struct plan *p = calloc(1, sizeof(*p));
	int r = p ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && knob_at(i); i++)
		r = knob_plan(knob_at(i), ctx, p);
	if (r >= 0)
		r = check_one_writer(p);
	if (r < 0) {
		plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static void action_release(struct action *a)
{
	free(a->label);
	free(a->target);
	free(a->path);
	free(a->desired);
	free(a->current);
	free(a->reason);
	free(a->wanted);
	free(a->hint);
	free(a->readback);
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->nactions; i++)
		action_release(&p->actions[i]);
	for (size_t i = 0; i < p->nnotes; i++) {
		free(p->notes[i].label);
		free(p->notes[i].text);
		free(p->notes[i].expected);
		free(p->notes[i].actual);
	}
	for (size_t i = 0; i < p->nerrors; i++) {
		free(p->errors[i].label);
		free(p->errors[i].text);
	}
	free(p->actions);
	free(p->notes);
	free(p->errors);
	*p = (struct plan){0};
}

struct plan *plan_free(struct plan *p)
{
	if (p) {
		plan_release(p);
		free(p);
	}
	return NULL;
}

struct action *plan_add(struct plan *p, const struct profile_entry *src, const char *label,
			const char *target)
{
	struct action *a;

	if (p->nactions == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct action *v = realloc(p->actions, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->actions = v;
		p->cap = cap;
	}
	a = &p->actions[p->nactions];
	*a = (struct action){.state = ACTION_SKIP, .src = src};
	a->label = strdup(label);
	a->target = target ? strdup(target) : NULL;
	if (!a->label || (target && !a->target)) {
		action_release(a);
		return NULL;
	}
	p->nactions++;
	return a;
}

int plan_set_file(const struct knob_ctx *ctx, struct action *a, const char *path, const char *desired)
{
	_cleanup_free_ char *current = NULL;
	int r = sr_check_writable_path(ctx->sr, path);

	if (r == 0)
		r = tune_read_value(ctx->sr, path, &current);
	if (r == -ENOTDIR)
		r = -ENOENT;
	if (r < 0)
		return r;
	free(a->path);
	free(a->desired);
	a->path = strdup(path);
	a->desired = strdup(desired);
	if (!a->path || !a->desired)
		return -ENOMEM;
	free(a->current);
	a->current = TAKE_PTR(current);
	a->state = sr_value_equal(desired, a->current) ? ACTION_IN_PLACE : ACTION_CHANGE;
	return 0;
}

int plan_set_durable_file(const struct knob_ctx *ctx, struct action *a, const char *path, const char *desired)
{
	_cleanup_free_ char *current = NULL;
	int r = sr_durable_path_allowed(path) ? sr_read_file(ctx->sr, &current, NULL, "%s", path) : -EPERM;

	if (r == -ENOENT)
		current = strdup("");
	else if (r < 0)
		return r;
	a->path = strdup(path);
	a->desired = strdup(desired);
	if (!current || !a->path || !a->desired)
		return -ENOMEM;
	a->current = TAKE_PTR(current);
	a->durable = true;
	a->state = strcmp(a->current, desired) ? ACTION_CHANGE : ACTION_IN_PLACE;
	return 0;
}

int plan_file_error(struct plan *p, const struct profile_entry *e, const char *label, const char *path,
		    int err)
{
	if (err == -ENOMEM)
		return err;
	if (err == -EPERM)
		return plan_error(p, e, label, "[%s] %s: /%s leads out of /sys, /proc/sys and /proc/irq "
				  "(a symlink or '..'); refusing it", e->section, e->key, path);
	if (err == -ENXIO || err == -EMLINK)
		return plan_error(p, e, label, "[%s] %s: /%s is %s in a captured tree; refusing it", e->section,
				  e->key, path, err == -ENXIO ? "not a regular file (a device node, FIFO or socket)"
							      : "a file with other hard links");
	return plan_error(p, e, label, "[%s] %s: cannot read /%s: %s", e->section, e->key, path,
			  strerror(-err));
}

/* Replace *field with the formatted text. 0 or -ENOMEM (field kept). */
__attribute__((format(printf, 2, 0)))
static int set_text(char **field, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int action_set_reason(struct action *a, enum action_state state, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_text(&a->reason, fmt, ap);
	va_end(ap);
	if (r == 0)
		a->state = state;
	return r;
}

int action_set_hint(struct action *a, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_text(&a->hint, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 5, 0)))
static int push_message(struct plan_message **v, size_t *n, const struct profile_entry *src,
			const char *label, const char *fmt, va_list ap)
{
	struct plan_message *arr = realloc(*v, (*n + 1) * sizeof(*arr));
	char *text;

	if (!arr)
		return -ENOMEM;
	*v = arr;
	if (vasprintf(&text, fmt, ap) < 0)
		return -ENOMEM;
	arr[*n] = (struct plan_message){.src = src, .label = strdup(label), .text = text};
	if (!arr[*n].label) {
		free(text);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int plan_error(struct plan *p, const struct profile_entry *src, const char *label, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = push_message(&p->errors, &p->nerrors, src, label, fmt, ap);
	va_end(ap);
	return r;
}

int plan_note(struct plan *p, const struct profile_entry *src, const char *label, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = push_message(&p->notes, &p->nnotes, src, label, fmt, ap);
	va_end(ap);
	return r;
}

int plan_warning(struct plan *p, const struct profile_entry *src, const char *label, const char *expected,
		 const char *actual, const char *fmt, ...)
{
	struct plan_message *m;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = push_message(&p->notes, &p->nnotes, src, label, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	m = &p->notes[p->nnotes - 1];
	m->fails = true;
	m->expected = strdup(expected);
	m->actual = strdup(actual);
	return m->expected && m->actual ? 0 : -ENOMEM;
}

size_t plan_count(const struct plan *p, enum action_state state)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nactions; i++)
		n += p->actions[i].state == state;
	return n;
}

int tune_read_value(const struct sysroot *sr, const char *path, char **ret)
{
	_cleanup_free_ char *text = NULL;
	char *sel = NULL;
	size_t len;
	int r;

	r = sr_read_file(sr, &text, &len, "%s", path);
	if (r < 0)
		return r;
	if (memchr(text, '\0', len))
		return -EINVAL;        /* binary: nothing rigtune sets */
	while (len > 0 && strchr(" \t\n", text[len - 1]))
		text[--len] = '\0';
	r = sr_parse_choice(text, &sel, NULL);
	if (r == -ENOMEM)
		return r;
	*ret = sel ? sel : TAKE_PTR(text);
	return 0;
}
