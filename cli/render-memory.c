/* Text and JSON for the memory probe: DIMMs from SMBIOS, populated
 * channels, the theoretical peak bandwidth, and what is unbalanced. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli/render.h"
#include "common/util.h"

/* The one type of every populated DIMM, or NULL when they differ. */
static const char *common_type(const struct memory_info *m)
{
	const char *type = NULL;

	for (size_t i = 0; i < m->ndimms; i++) {
		const struct dimm *d = &m->dimms[i];

		if (!d->populated || !d->type)
			continue;
		if (type && strcmp(type, d->type))
			return NULL;
		type = d->type;
	}
	return type;
}

/* "DDR5-4800", "DDR5, 4400-4800 MT/s", "4800 MT/s", "speed unknown". */
static void format_speed(char *buf, size_t size, const char *type, int min, int max)
{
	if (min <= 0)
		snprintf(buf, size, "%s%sspeed unknown", type ? type : "", type ? ", " : "");
	else if (min == max && type)
		snprintf(buf, size, "%s-%d", type, min);
	else if (min == max)
		snprintf(buf, size, "%d MT/s", min);
	else
		snprintf(buf, size, "%s%s%d-%d MT/s", type ? type : "", type ? ", " : "", min, max);
}

static void speed_range(const struct memory_info *m, int *min, int *max)
{
	*min = *max = UNKNOWN;
	for (size_t i = 0; i < m->nsockets; i++) {
		const struct memory_socket *s = &m->sockets[i];

		if (s->min_mts > 0 && (*min <= 0 || s->min_mts < *min))
			*min = s->min_mts;
		if (s->max_mts > *max)
			*max = s->max_mts;
	}
}

static void render_installed(const struct host *h, FILE *out)
{
	const struct memory_info *m = &h->memory;
	char total[32];
	int slots = 0, dimms = 0;

	for (size_t i = 0; i < m->ndimms; i++) {
		slots++;
		dimms += m->dimms[i].populated;
	}
	format_bytes(total, sizeof(total), (double)m->total_bytes);
	text_field(out, "Installed:", "%s in %d DIMM%s, %d slot%s%s%s%s", total, dimms, dimms == 1 ? "" : "s",
		   slots, slots == 1 ? "" : "s", m->smbios_version ? " (SMBIOS " : "",
		   m->smbios_version ? m->smbios_version : "", m->smbios_version ? ")" : "");
}

static void render_channels(const struct host *h, FILE *out)
{
	const struct memory_info *m = &h->memory;
	char speed[64];
	int min, max;

	speed_range(m, &min, &max);
	format_speed(speed, sizeof(speed), common_type(m), min, max);
	if (isnan(m->peak_gbps))
		text_field(out, "Channels:", "%d of %d channels populated (%s): theoretical peak unknown", m->channels_populated,
			   m->channels_total, speed);
	else
		text_field(out, "Channels:", "%d of %d channels populated (%s): theoretical peak %.1f GB/s",
			   m->channels_populated, m->channels_total, speed, m->peak_gbps);
}

static void render_sockets(const struct host *h, FILE *out)
{
	const struct memory_info *m = &h->memory;

	for (size_t i = 0; i < m->nsockets; i++) {
		const struct memory_socket *s = &m->sockets[i];
		char label[32], bytes[32], speed[64], peak[32] = "peak unknown";

		if (s->socket == UNKNOWN)
			snprintf(label, sizeof(label), "Socket ?:");
		else
			snprintf(label, sizeof(label), "Socket %d:", s->socket);
		format_bytes(bytes, sizeof(bytes), (double)s->bytes);
		format_speed(speed, sizeof(speed), NULL, s->min_mts, s->max_mts);
		if (!isnan(s->peak_gbps))
			snprintf(peak, sizeof(peak), "%.1f GB/s", s->peak_gbps);
		text_field(out, label, "%d of %d channels populated, %d DIMM%s, %s, %s, %s", s->channels_populated,
			   s->channels_total, s->dimms, s->dimms == 1 ? "" : "s", bytes, speed, peak);
	}
}

static void render_no_dimms(const struct host *h, FILE *out)
{
	const struct memory_info *m = &h->memory;
	double total = 0;
	char buf[32];

	for (size_t i = 0; i < h->numa.nnodes; i++)
		if (h->numa.nodes[i].memory_bytes > 0)
			total += (double)h->numa.nodes[i].memory_bytes;
	if (total > 0) {
		format_bytes(buf, sizeof(buf), total);
		text_field(out, "Usable:", "%s (MemTotal)", buf);
	}
	text_field(out, "DIMMs:", "unknown: %s", m->unknown_reason ? m->unknown_reason : "no SMBIOS data");
	text_field(out, "Theoretical peak:", "unknown");
}

void render_memory_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct memory_info *m = &h->memory;

	text_heading(cli, out, "Memory");
	if (!m->ndimms) {
		render_no_dimms(h, out);
	} else {
		render_installed(h, out);
		render_channels(h, out);
		render_sockets(h, out);
		if (m->unknown_reason)
			text_field(out, "Peak unknown:", "%s", m->unknown_reason);
	}
	for (size_t i = 0; m->skipped && m->skipped[i]; i++)
		text_field(out, i ? "" : "Not counted:", "%s (not DRAM)", m->skipped[i]);
	for (size_t i = 0; m->warnings && m->warnings[i]; i++)
		text_attention(cli, out, "%s", m->warnings[i]);
}

static void json_dimm(struct json *j, const struct dimm *d)
{
	json_object_begin(j);
	json_kv_string(j, "locator", d->locator);
	json_kv_string(j, "bank", d->bank);
	json_kv_bool(j, "populated", d->populated);
	json_kv_uint_known(j, "size_bytes", d->size_bytes, !d->populated || d->size_bytes);
	json_kv_string(j, "type", d->type);
	json_kv_int_opt(j, "speed_mts", d->speed_mts);
	json_kv_int_opt(j, "configured_mts", d->configured_mts);
	json_kv_int_opt(j, "data_width", d->data_width);
	json_kv_int_opt(j, "socket", d->socket);
	json_kv_int_opt(j, "channel", d->channel);
	json_object_end(j);
}

static void json_socket(struct json *j, const struct memory_socket *s)
{
	json_object_begin(j);
	json_kv_int_opt(j, "socket", s->socket);
	json_kv_int(j, "slots", s->slots);
	json_kv_int(j, "dimms", s->dimms);
	json_kv_int(j, "channels_total", s->channels_total);
	json_kv_int(j, "channels_populated", s->channels_populated);
	json_kv_bool(j, "channels_known", s->channels_known);
	json_key(j, "bytes");
	json_uint(j, s->bytes);
	json_kv_int_opt(j, "min_mts", s->min_mts);
	json_kv_int_opt(j, "max_mts", s->max_mts);
	json_kv_double(j, "peak_gbps", s->peak_gbps);
	json_object_end(j);
}

static void json_strv(struct json *j, const char *key, char *const *v)
{
	json_key(j, key);
	json_array_begin(j);
	for (size_t i = 0; v && v[i]; i++)
		json_string(j, v[i]);
	json_array_end(j);
}

void render_memory_json(const struct host *h, struct json *j)
{
	const struct memory_info *m = &h->memory;

	json_key(j, "memory");
	json_object_begin(j);
	json_key(j, "dimms");
	json_array_begin(j);
	for (size_t i = 0; i < m->ndimms; i++)
		json_dimm(j, &m->dimms[i]);
	json_array_end(j);
	json_kv_int_opt(j, "channels_populated", m->channels_populated);
	json_kv_int_opt(j, "channels_total", m->channels_total);
	json_kv_double(j, "peak_gbps", m->peak_gbps);
	json_kv_string(j, "peak_source", m->peak_source);
	json_kv_string(j, "unknown_reason", m->unknown_reason);
	json_strv(j, "warnings", m->warnings);
	json_kv_string(j, "smbios_version", m->smbios_version);
	json_kv_uint_known(j, "total_bytes", m->total_bytes, m->ndimms);
	json_key(j, "sockets");
	json_array_begin(j);
	for (size_t i = 0; i < m->nsockets; i++)
		json_socket(j, &m->sockets[i]);
	json_array_end(j);
	json_strv(j, "skipped", m->skipped);
	json_object_end(j);
}
