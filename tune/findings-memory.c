/* Memory population findings, from the SMBIOS type 17 records the memory
 * probe read (sys/firmware/dmi/tables/DMI), per socket:
 *   fail  an empty channel ("memory.channels.socketN"): each costs its
 *         share of the socket's bandwidth;
 *   warn  channels with different numbers of DIMMs ("memory.balance.
 *         socketN"), DIMMs configured at different speeds ("memory.speed.
 *         socketN"), sockets with different amounts of memory
 *         ("memory.balance.sockets"). */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/findings.h"

static int add(struct findings *f, enum finding_severity sev, const char *kind, int socket, const char *fix,
	       const char *evidence)
{
	_cleanup_free_ char *id = xasprintf("memory.%s.socket%d", kind, socket);
	_cleanup_free_ char *subject = xasprintf("socket %d memory", socket);

	if (!id || !subject)
		return -ENOMEM;
	return findings_add(f, sev, id, subject, fix, "%s", evidence);
}

/* The fewest and most DIMMs in a populated channel of socket s. */
static void dimms_per_channel(const struct memory_info *m, int s, int *least, int *most)
{
	*least = *most = 0;
	for (size_t i = 0; i < m->ndimms; i++) {
		int n = 0;

		if (m->dimms[i].socket != s || m->dimms[i].channel < 0)
			continue;
		for (size_t k = 0; k < m->ndimms; k++)
			n += m->dimms[k].socket == s && m->dimms[k].channel == m->dimms[i].channel &&
			     m->dimms[k].populated;
		if (n && (!*least || n < *least))
			*least = n;
		if (n > *most)
			*most = n;
	}
}

static int judge_socket(const struct memory_info *m, const struct memory_socket *s, struct findings *f)
{
	char ev[256];
	int least, most, r = 0;

	if (s->socket < 0 || !s->channels_known || s->channels_total <= 0)
		return 0;
	if (s->channels_populated < s->channels_total) {
		snprintf(ev, sizeof(ev), "%d of %d channels populated: each empty channel costs 1/%d of the "
			 "socket's bandwidth%s", s->channels_populated, s->channels_total, s->channels_total,
			 s->channels_populated ? "" : " (no DIMM at all)");
		r = add(f, FINDING_FAIL, "channels", s->socket, "put one DIMM of the same kind in every channel "
			"(dmidecode -t memory lists the empty slots)", ev);
	}
	dimms_per_channel(m, s->socket, &least, &most);
	if (r == 0 && least && least != most) {
		snprintf(ev, sizeof(ev), "%d to %d DIMMs per channel: interleaving runs at the fuller channels' "
			 "pace", least, most);
		r = add(f, FINDING_WARN, "balance", s->socket, "the same number of DIMMs in every channel", ev);
	}
	if (r == 0 && s->min_mts > 0 && s->max_mts > s->min_mts) {
		snprintf(ev, sizeof(ev), "DIMMs configured at %d to %d MT/s", s->min_mts, s->max_mts);
		r = add(f, FINDING_WARN, "speed", s->socket, "matched DIMMs, at their rated speed in the BIOS", ev);
	}
	return r;
}

int findings_memory(const struct findings_ctx *ctx, struct findings *f)
{
	const struct memory_info *m = &ctx->host->memory;
	uint64_t least = 0, most = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < m->nsockets; i++) {
		const struct memory_socket *s = &m->sockets[i];

		r = judge_socket(m, s, f);
		if (s->socket >= 0 && s->bytes) {
			least = !least || s->bytes < least ? s->bytes : least;
			most = s->bytes > most ? s->bytes : most;
		}
	}
	if (r == 0 && least && most > least)
		r = findings_add(f, FINDING_WARN, "memory.balance.sockets", "memory of all sockets",
				 "the same DIMMs on every socket",
				 "sockets hold %.0f to %.0f GiB: a model spread over both runs at the smaller "
				 "one's pace", (double)least / (1 << 30), (double)most / (1 << 30));
	return r;
}
