/* Memory DIMMs and theoretical bandwidth: SMBIOS type 17 records from
 * sys/firmware/dmi/tables/{smbios_entry_point,DMI} (root-only on most
 * hosts, absent in most VMs), grouped into memory channels by their
 * locators. peak = Σ over populated channels of the channel's slowest
 * configured MT/s × 8 bytes. Warnings: empty channels, mixed DIMM sizes or
 * speeds, and NUMA nodes (sys/devices/system/node, via h->numa) whose
 * memory differs by more than 5%. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/smbios.h"

#define DMI_DIR "sys/firmware/dmi/tables"
#define NO_DMI_REASON "no SMBIOS tables at /sys/firmware/dmi/tables (a VM, or not readable without root)"
#define BUS_BYTES 8             /* a DDR channel (or DDR5 DIMM) moves 64 bits per transfer */
#define MAX_ARRAYS 64

/* One memory channel: a (socket, channel) pair, or one slot whose channel
 * the locators do not tell (counted as a channel of its own). */
struct mem_channel {
	int socket, channel;
	bool own;                   /* a slot of unknown channel */
	int slots, dimms;
	int mts;                    /* slowest populated DIMM, UNKNOWN */
	bool speed_unknown;         /* a populated DIMM of unknown speed */
};

/* Distinct values and how often they occur, for "22 × 64 GiB, 2 × 32 GiB". */
struct tally {
	uint64_t value[16];
	int count[16];
	size_t n;
};


static void format_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes && bytes % (UINT64_C(1) << 30) == 0)
		snprintf(buf, size, "%" PRIu64 " GiB", bytes >> 30);
	else
		snprintf(buf, size, "%" PRIu64 " MiB", bytes >> 20);
}

/* A copy with surrounding white space removed; NULL for NULL or "". */
static int dup_string(const char *s, char **ret)
{
	_cleanup_free_ char *copy = NULL;
	char *t;

	*ret = NULL;
	if (!s)
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	t = strstrip(copy);
	if (!*t)
		return 0;
	*ret = strdup(t);
	return *ret ? 0 : -ENOMEM;
}

/* Handles of type 16 arrays used for something else than system memory
 * (video, flash, cache, non-volatile): their devices are not DRAM DIMMs. */
static size_t other_arrays(const uint8_t *t, size_t len, uint16_t *handles, size_t max)
{
	struct smbios_structure s;
	size_t off = 0, n = 0;
	uint8_t use;

	while (smbios_next(t, len, &off, &s) > 0)
		if (s.type == SMBIOS_TYPE_MEMORY_ARRAY && smbios_u8(&s, 0x05, &use) &&
		    use != SMBIOS_ARRAY_USE_SYSTEM && n < max)
			handles[n++] = s.handle;
	return n;
}

static int skip_record(struct memory_info *m, const struct smbios_memory_device *d)
{
	const char *tech = smbios_memory_technology_name(d->technology);
	const char *type = smbios_memory_type_name(d->type);
	char size[32] = "size unknown";
	char *s;

	if (d->size_known)
		format_size(size, sizeof(size), d->size_bytes);
	s = xasprintf("%s: %s, %s", d->locator ? d->locator : "(no locator)",
		      tech && d->technology != SMBIOS_TECH_DRAM ? tech : type ? type : "not system memory", size);
	return s ? strv_push(&m->skipped, s) : -ENOMEM;
}

static int dimm_from_record(const struct smbios_memory_device *d, struct dimm *out)
{
	const char *type = smbios_memory_type_name(d->type);
	int r;

	*out = (struct dimm){.speed_mts = UNKNOWN, .configured_mts = UNKNOWN, .data_width = UNKNOWN};
	out->populated = d->installed;
	out->size_bytes = d->size_bytes;
	if ((r = dup_string(d->locator, &out->locator)) < 0 || (r = dup_string(d->bank, &out->bank)) < 0 ||
	    (d->installed && ((r = dup_string(d->manufacturer, &out->manufacturer)) < 0 ||
			      (r = dup_string(d->part_number, &out->part_number)) < 0 ||
			      (r = dup_string(d->serial, &out->serial)) < 0)))
		return r;
	if (d->installed && type && !(out->type = strdup(type)))
		return -ENOMEM;
	if (d->installed && d->speed_mts > 0 && d->speed_mts < INT32_MAX)
		out->speed_mts = (int)d->speed_mts;
	if (d->installed && d->configured_mts > 0 && d->configured_mts < INT32_MAX)
		out->configured_mts = (int)d->configured_mts;
	if (d->data_width)
		out->data_width = d->data_width;
	smbios_locator_position(d->locator, d->bank, &out->socket, &out->channel);
	return 0;
}

static int add_dimm(struct memory_info *m, const struct smbios_memory_device *d, size_t *cap)
{
	struct dimm *v = m->dimms;
	int r;

	if (m->ndimms == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;

		v = realloc(m->dimms, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->dimms = v;
		*cap = ncap;
	}
	r = dimm_from_record(d, &m->dimms[m->ndimms]);
	m->ndimms++;   /* counted even on failure, so release frees its strings */
	return r;
}

static bool in_list(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Every type 17 record of the table: DRAM slots into m->dimms, others
 * into m->skipped. A malformed table keeps what came before the damage. */
/* Types 0, 1 and 2: BIOS, system, baseboard. */
static int read_identity(const uint8_t *t, size_t len, struct machine_identity *out)
{
	struct smbios_identity id = {0};
	struct smbios_structure s;
	size_t off = 0;
	int r;

	while (smbios_next(t, len, &off, &s) > 0)
		(void)smbios_identity_parse(&s, &id);
	if ((r = dup_string(id.bios_vendor, &out->bios_vendor)) < 0 ||
	    (r = dup_string(id.bios_version, &out->bios_version)) < 0 ||
	    (r = dup_string(id.bios_date, &out->bios_date)) < 0 ||
	    (r = dup_string(id.sys_vendor, &out->sys_vendor)) < 0 || (r = dup_string(id.product, &out->product)) < 0 ||
	    (r = dup_string(id.sys_version, &out->sys_version)) < 0 ||
	    (r = dup_string(id.sys_serial, &out->sys_serial)) < 0 ||
	    (r = dup_string(id.board_vendor, &out->board_vendor)) < 0 ||
	    (r = dup_string(id.board_name, &out->board_name)) < 0)
		return r;
	return dup_string(id.board_serial, &out->board_serial);
}

static int read_dimms(const uint8_t *t, size_t len, struct memory_info *m)
{
	uint16_t arrays[MAX_ARRAYS];
	size_t narrays = other_arrays(t, len, arrays, MAX_ARRAYS), off = 0, cap = 0;
	struct smbios_structure s;
	int r;

	while ((r = smbios_next(t, len, &off, &s)) > 0) {
		struct smbios_memory_device d;

		if (smbios_memory_device_parse(&s, &d) < 0)
			continue;
		if (!smbios_memory_is_dram(&d) || in_list(arrays, narrays, d.array_handle))
			r = d.installed ? skip_record(m, &d) : 0;
		else
			r = add_dimm(m, &d, &cap);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return strv_pushf(&m->warnings, "the SMBIOS table is malformed after byte %zu: memory devices past it are missing", off);
	return 0;
}

/* Tables that count sockets from 1 ("CPU1", "PROC 1") list no socket 0. */
static void sockets_from_zero(struct memory_info *m)
{
	int min = INT32_MAX;

	for (size_t i = 0; i < m->ndimms; i++)
		if (m->dimms[i].socket >= 0 && m->dimms[i].socket < min)
			min = m->dimms[i].socket;
	if (min != 1)
		return;
	for (size_t i = 0; i < m->ndimms; i++)
		if (m->dimms[i].socket > 0)
			m->dimms[i].socket--;
}

static int dimm_mts(const struct dimm *d)
{
	return d->configured_mts > 0 ? d->configured_mts : d->speed_mts;
}

static struct mem_channel *channel_of(struct mem_channel *c, size_t *n, const struct dimm *d)
{
	for (size_t i = 0; d->channel != UNKNOWN && i < *n; i++)
		if (!c[i].own && c[i].socket == d->socket && c[i].channel == d->channel)
			return &c[i];
	c[*n] = (struct mem_channel){.socket = d->socket, .channel = d->channel,
				     .own = d->channel == UNKNOWN, .mts = UNKNOWN};
	return &c[(*n)++];
}

/* Group slots into channels; a channel's speed is its slowest DIMM's. */
static int group_channels(const struct memory_info *m, struct mem_channel **ret, size_t *n)
{
	struct mem_channel *c = calloc(m->ndimms + 1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < m->ndimms; i++) {
		const struct dimm *d = &m->dimms[i];
		struct mem_channel *ch = channel_of(c, n, d);
		int mts = dimm_mts(d);

		ch->slots++;
		if (!d->populated)
			continue;
		ch->dimms++;
		if (mts <= 0)
			ch->speed_unknown = true;
		else if (ch->mts == UNKNOWN || mts < ch->mts)
			ch->mts = mts;
	}
	*ret = c;
	return 0;
}

static void compute_peak(struct memory_info *m, const struct mem_channel *c, size_t n)
{
	double sum = 0;
	bool known = true;

	m->channels_total = (int)n;
	m->channels_populated = 0;
	for (size_t i = 0; i < n; i++) {
		if (!c[i].dimms)
			continue;
		m->channels_populated++;
		if (c[i].speed_unknown || c[i].mts <= 0)
			known = false;
		else
			sum += (double)c[i].mts * BUS_BYTES / 1000.0;
	}
	if (known && m->channels_populated > 0) {
		m->peak_gbps = round(sum * 100) / 100;
		m->peak_source = "smbios";
	}
}

static struct memory_socket *socket_of(struct memory_info *m, int socket)
{
	for (size_t i = 0; i < m->nsockets; i++)
		if (m->sockets[i].socket == socket)
			return &m->sockets[i];
	m->sockets[m->nsockets] = (struct memory_socket){.socket = socket, .channels_known = true,
							 .min_mts = UNKNOWN, .max_mts = UNKNOWN};
	return &m->sockets[m->nsockets++];
}

static void socket_add_channel(struct memory_socket *s, const struct mem_channel *c)
{
	s->channels_total++;
	s->channels_known &= !c->own;
	if (!c->dimms)
		return;
	s->channels_populated++;
	if (c->speed_unknown || c->mts <= 0)
		s->peak_gbps = NAN;
	else
		s->peak_gbps += (double)c->mts * BUS_BYTES / 1000.0;
}

/* Socket 0, 1, ..., then slots of unknown socket. */
static int cmp_socket(const void *a, const void *b)
{
	unsigned x = (unsigned)((const struct memory_socket *)a)->socket;
	unsigned y = (unsigned)((const struct memory_socket *)b)->socket;

	return (x > y) - (x < y);
}

/* Per socket: slots, DIMMs, bytes, speeds, channels and their peak. */
static int build_sockets(struct memory_info *m, const struct mem_channel *c, size_t n)
{
	m->sockets = calloc(n + 1, sizeof(*m->sockets));
	if (!m->sockets)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		socket_add_channel(socket_of(m, c[i].socket), &c[i]);
	for (size_t i = 0; i < m->ndimms; i++) {
		const struct dimm *d = &m->dimms[i];
		struct memory_socket *s = socket_of(m, d->socket);
		int mts = dimm_mts(d);

		s->slots++;
		if (!d->populated)
			continue;
		s->dimms++;
		s->bytes += d->size_bytes;
		if (mts > 0 && (s->min_mts == UNKNOWN || mts < s->min_mts))
			s->min_mts = mts;
		if (mts > 0 && mts > s->max_mts)
			s->max_mts = mts;
	}
	qsort(m->sockets, m->nsockets, sizeof(*m->sockets), cmp_socket);
	for (size_t i = 0; i < m->nsockets; i++)
		if (!isnan(m->sockets[i].peak_gbps))
			m->sockets[i].peak_gbps = round(m->sockets[i].peak_gbps * 100) / 100;
	return 0;
}

/* Empty channels, where the locators tell channels apart. */
static int socket_warnings(struct memory_info *m)
{
	for (size_t i = 0; i < m->nsockets; i++) {
		const struct memory_socket *s = &m->sockets[i];
		const char *each = s->channels_total - s->channels_populated > 1 ? "each" : "an";
		int r;

		if (!s->channels_known || s->channels_populated == s->channels_total)
			continue;
		if (s->socket == UNKNOWN)
			r = strv_pushf(&m->warnings, "%d of %d channels populated — %s empty channel costs 1/%d of the bandwidth",
					s->channels_populated, s->channels_total, each, s->channels_total);
		else
			r = strv_pushf(&m->warnings, "socket %d: %d of %d channels populated — %s empty channel costs 1/%d of that socket's bandwidth",
					s->socket, s->channels_populated, s->channels_total, each, s->channels_total);
		if (r < 0)
			return r;
	}
	return 0;
}

static int unknown_channel_warning(struct memory_info *m, const struct mem_channel *c, size_t n)
{
	const char *example = NULL;
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (c[i].own && c[i].dimms)
			count++;
	for (size_t i = 0; i < m->ndimms && !example; i++)
		if (m->dimms[i].channel == UNKNOWN && m->dimms[i].populated)
			example = m->dimms[i].locator;
	if (!count)
		return 0;
	return strv_pushf(&m->warnings, "the channel of %d DIMM%s is not known from the locators (e.g. '%s'): each counts as a channel of its own, an overstatement with 2 DIMMs per channel",
			   count, count == 1 ? "" : "s", example ? example : "");
}

static void tally_add(struct tally *t, uint64_t v)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->value[i] == v) {
			t->count[i]++;
			return;
		}
	if (t->n < ARRAY_SIZE(t->value)) {
		t->value[t->n] = v;
		t->count[t->n++] = 1;
	}
}

/* "22 × 64 GiB, 2 × 32 GiB" (sizes) or "20 at 4800 MT/s, 4 at 4400 MT/s". */
static char *tally_format(const struct tally *t, bool sizes)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < t->n; i++) {
		char buf[32];

		if (sizes) {
			format_size(buf, sizeof(buf), t->value[i]);
			strbuf_printf(&sb, "%s%d × %s", i ? ", " : "", t->count[i], buf);
		} else {
			strbuf_printf(&sb, "%s%d at %" PRIu64 " MT/s", i ? ", " : "", t->count[i], t->value[i]);
		}
	}
	return strbuf_steal(&sb);
}

static int mix_warnings(struct memory_info *m)
{
	struct tally sizes = {0}, speeds = {0};
	_cleanup_free_ char *s = NULL;

	for (size_t i = 0; i < m->ndimms; i++) {
		const struct dimm *d = &m->dimms[i];

		if (d->populated && d->size_bytes)
			tally_add(&sizes, d->size_bytes);
		if (d->populated && dimm_mts(d) > 0)
			tally_add(&speeds, (uint64_t)dimm_mts(d));
	}
	if (sizes.n > 1) {
		if (!(s = tally_format(&sizes, true)) || strv_pushf(&m->warnings, "mixed DIMM sizes: %s — channels hold unequal memory, so interleaving is uneven", s) < 0)
			return -ENOMEM;
		free(TAKE_PTR(s));
	}
	if (speeds.n > 1) {
		if (!(s = tally_format(&speeds, false)) || strv_pushf(&m->warnings, "mixed configured speeds: %s — the slower channels bound the bandwidth", s) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Nodes with CPUs and known memory; memory-only nodes (CXL, HBM, GPU
 * memory) are meant to differ. */
static int numa_warning(const struct host *h, struct memory_info *m)
{
	const struct numa_node *lo = NULL, *hi = NULL;

	for (size_t i = 0; i < h->numa.nnodes; i++) {
		const struct numa_node *n = &h->numa.nodes[i];

		if (n->memory_bytes < 0 || !n->cpus || !cpuset_count(n->cpus))
			continue;
		if (!lo || n->memory_bytes < lo->memory_bytes)
			lo = n;
		if (!hi || n->memory_bytes > hi->memory_bytes)
			hi = n;
	}
	if (!lo || lo == hi || (double)(hi->memory_bytes - lo->memory_bytes) <= 0.05 * (double)hi->memory_bytes)
		return 0;
	return strv_pushf(&m->warnings, "NUMA nodes' memory differs by more than 5%%: node %d has %.1f GiB, node %d %.1f GiB — threads on the smaller node spill to remote memory",
			   lo->id, (double)lo->memory_bytes / (1 << 30), hi->id, (double)hi->memory_bytes / (1 << 30));
}

static int summarize(struct memory_info *m)
{
	_cleanup_free_ struct mem_channel *c = NULL;
	size_t n = 0;
	int r;

	sockets_from_zero(m);
	for (size_t i = 0; i < m->ndimms; i++)
		if (m->dimms[i].populated)
			m->total_bytes += m->dimms[i].size_bytes;
	r = group_channels(m, &c, &n);
	if (r < 0)
		return r;
	compute_peak(m, c, n);
	if (!m->channels_populated && !m->unknown_reason)
		m->unknown_reason = strdup("SMBIOS lists no populated DRAM DIMM");
	else if (m->channels_populated && !m->peak_source && !m->unknown_reason)
		m->unknown_reason = strdup("SMBIOS gives no speed for some populated DIMMs");
	if ((r = build_sockets(m, c, n)) < 0 || (r = socket_warnings(m)) < 0 ||
	    (r = unknown_channel_warning(m, c, n)) < 0)
		return r;
	return mix_warnings(m);
}

static int read_smbios(const struct sysroot *sr, struct memory_info *m)
{
	_cleanup_free_ char *table = NULL, *ep = NULL;
	struct smbios_version v;
	size_t len = 0, eplen = 0;
	int r;

	r = sr_read_file(sr, &table, &len, DMI_DIR "/DMI");
	if (r == -ENOMEM)
		return r;
	if (r < 0 || len == 0) {
		m->unknown_reason = strdup(NO_DMI_REASON);
		return m->unknown_reason ? 0 : -ENOMEM;
	}
	if (sr_read_file(sr, &ep, &eplen, DMI_DIR "/smbios_entry_point") == 0 &&
	    smbios_entry_point_parse((const uint8_t *)ep, eplen, &v) == 0 &&
	    !(m->smbios_version = xasprintf("%d.%d", v.major, v.minor)))
		return -ENOMEM;
	r = read_identity((const uint8_t *)table, len, &m->machine);
	if (r >= 0)
		r = read_dimms((const uint8_t *)table, len, m);
	if (r < 0)
		return r;
	if (!m->ndimms) {
		m->unknown_reason = strdup("the SMBIOS table lists no memory device (type 17) records");
		return m->unknown_reason ? 0 : -ENOMEM;
	}
	return summarize(m);
}

int memory_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct memory_info *m = &h->memory;
	int r;

	m->channels_populated = m->channels_total = UNKNOWN;
	m->peak_gbps = NAN;
	r = read_smbios(sr, m);
	if (r < 0)
		return r;
	return numa_warning(h, m);
}

static void machine_identity_release(struct machine_identity *id)
{
	free(id->bios_vendor);
	free(id->bios_version);
	free(id->bios_date);
	free(id->sys_vendor);
	free(id->product);
	free(id->sys_version);
	free(id->sys_serial);
	free(id->board_vendor);
	free(id->board_name);
	free(id->board_serial);
}

void memory_probe_release(struct host *h)
{
	struct memory_info *m = &h->memory;

	for (size_t i = 0; i < m->ndimms; i++) {
		free(m->dimms[i].locator);
		free(m->dimms[i].bank);
		free(m->dimms[i].type);
		free(m->dimms[i].manufacturer);
		free(m->dimms[i].part_number);
		free(m->dimms[i].serial);
	}
	machine_identity_release(&m->machine);
	free(m->dimms);
	free(m->unknown_reason);
	free(m->smbios_version);
	strv_free(m->warnings);
	strv_free(m->skipped);
	free(m->sockets);
	memset(m, 0, sizeof(*m));
}
