/* EPYC socket-to-socket xGMI. The link's width and speed are visible to
 * the SMU only; on the live host with the amd_hsmp driver, /dev/hsmp answers
 * HSMP_GET_PROTO_VER and HSMP_GET_XGMI_BANDWITH (current traffic per link,
 * Mbps). Only those two read-only GET messages are sent, through a
 * read-only descriptor: the driver refuses SET messages on it. HSMP can set
 * the xGMI width but not read it, so width and speed stay unknown.
 * Elsewhere (other vendors, no driver, a captured tree) the note says what
 * is known: sockets, and the NUMA distance between them. Reads
 * sys/devices/system/cpu/cpuN/topology/physical_package_id. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/links.h"

/* The ABI of <asm/amd_hsmp.h> (x86 only, so declared here). */
#pragma pack(push, 4)
struct hsmp_msg {
	uint32_t msg_id;
	uint16_t num_args;
	uint16_t response_sz;
	uint32_t args[8];
	uint16_t sock_ind;
};
#pragma pack(pop)
_Static_assert(sizeof(struct hsmp_msg) == 44, "struct hsmp_message layout");

#define HSMP_IOCTL_CMD _IOWR(0xF8, 0, struct hsmp_msg)
#define HSMP_GET_PROTO_VER 0x03
#define HSMP_GET_XGMI_BANDWITH 0x1E
#define HSMP_BW_AGGREGATE 1
/* Link ids are firmware encodings (P/G ports) that differ between
 * families; every id in this range is asked, and those the SMU accepts are
 * the links. A GET with an id the SMU does not know is refused by it. */
#define HSMP_MAX_LINK_ID 16

static int hsmp_get(int fd, int socket, uint32_t msg_id, uint16_t nargs, uint32_t arg, uint32_t *ret)
{
	struct hsmp_msg m = {
		.msg_id = msg_id, .num_args = nargs, .response_sz = 1,
		.args = {arg}, .sock_ind = (uint16_t)socket,
	};

	if (ioctl(fd, HSMP_IOCTL_CMD, &m) < 0)
		return -errno;
	*ret = m.args[0];
	return 0;
}

static int add_socket_link(struct links_info *l, int socket, int id, uint32_t mbps)
{
	struct socket_link *v = reallocarray(l->socket_links, l->nsocket_links + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->socket_links = v;
	v[l->nsocket_links++] = (struct socket_link){.socket = socket, .link_id = id, .bandwidth_mbps = mbps};
	return 0;
}

/* Every socket's links; returns the first refusal's -errno when no link
 * answered at all. */
static int hsmp_read_links(int fd, struct links_info *l, int sockets)
{
	int first_error = 0;

	for (int s = 0; s < sockets; s++)
		for (int id = 0; id < HSMP_MAX_LINK_ID; id++) {
			uint32_t mbps = 0;
			int r = hsmp_get(fd, s, HSMP_GET_XGMI_BANDWITH, 1, (uint32_t)id << 8 | HSMP_BW_AGGREGATE,
					 &mbps);

			if (r < 0) {
				if (!first_error)
					first_error = r;
				if (r == -ENOMSG || r == -EOPNOTSUPP || r == -ENODEV)
					break;  /* message or socket unsupported */
				continue;
			}
			if (add_socket_link(l, s, id, mbps) < 0)
				return -ENOMEM;
		}
	return l->nsocket_links ? 0 : first_error ? first_error : -ENOENT;
}

/* 0 with links read, or why not: -errno of the open or the first refusal. */
static int hsmp_read(const struct sysroot *sr, struct links_info *l, int sockets)
{
	_cleanup_close_ int fd = -1;
	uint32_t proto = 0;
	int r;

	fd = sr_open(sr, O_RDONLY, "dev/hsmp");
	if (fd < 0)
		return fd;
	r = hsmp_get(fd, 0, HSMP_GET_PROTO_VER, 0, 0, &proto);
	if (r < 0)
		return r;
	l->hsmp_protocol = (int)proto;
	l->socket_link_source = "hsmp";
	return hsmp_read_links(fd, l, sockets);
}

static int node_package(const struct sysroot *sr, const struct numa_node *n)
{
	int cpu = n->cpus ? cpuset_first(n->cpus) : -1;
	int64_t pkg;

	if (cpu < 0 || sr_read_s64(sr, &pkg, "sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu) < 0)
		return UNKNOWN;
	return pkg >= 0 && pkg < 1 << 16 ? (int)pkg : UNKNOWN;
}

/* The largest distance between NUMA nodes of different sockets. */
static int cross_socket_distance(const struct sysroot *sr, const struct host *h)
{
	const struct numa_info *numa = &h->numa;
	int best = UNKNOWN;

	for (size_t i = 0; i < numa->nnodes; i++) {
		int pi = node_package(sr, &numa->nodes[i]);

		for (size_t k = 0; pi >= 0 && k < numa->nnodes && k < numa->nodes[i].ndistances; k++) {
			int pk = k == i ? pi : node_package(sr, &numa->nodes[k]);

			if (pk >= 0 && pk != pi && numa->nodes[i].distances[k] > best)
				best = numa->nodes[i].distances[k];
		}
	}
	return best;
}

static const char *link_kind(const struct host *h)
{
	const char *v = h->cpu.vendor ? h->cpu.vendor : "";

	if (!strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine"))
		return "xGMI link";
	if (!strcmp(v, "GenuineIntel"))
		return "UPI link";
	return "socket-to-socket link";
}

/* Why the link itself cannot be read here, from hsmp_read's result. */
static const char *unmeasurable_reason(const struct sysroot *sr, const struct host *h, int r, char *buf,
				       size_t size)
{
	if (strcmp(link_kind(h), "xGMI link"))
		return "not measurable on this host";
	if (!sr->live)
		return "not measurable from a captured tree";
	if (r == -ENOENT && !h->links.socket_link_source)
		return "not measurable on this host: no /dev/hsmp (load the amd_hsmp driver)";
	if (h->links.socket_link_source)
		snprintf(buf, size, "not reported by HSMP protocol %d here (%s)", h->links.hsmp_protocol,
			 strerror(-r));
	else
		snprintf(buf, size, "not measurable on this host: /dev/hsmp: %s", strerror(-r));
	return buf;
}

static int socket_note(const struct sysroot *sr, struct host *h, int r)
{
	struct links_info *l = &h->links;
	struct strbuf sb = {0};
	char buf[160];

	if (l->sockets < 2) {
		l->socket_link_note = l->sockets == 1 ? strdup("1 socket: no socket-to-socket link")
						      : strdup("socket count unknown");
		return l->socket_link_note ? 0 : -ENOMEM;
	}
	strbuf_printf(&sb, "%d sockets", l->sockets);
	if (l->cross_socket_distance >= 0)
		strbuf_printf(&sb, ", NUMA distance between sockets %d", l->cross_socket_distance);
	if (l->nsocket_links)
		strbuf_printf(&sb, "; HSMP protocol %d: current xGMI traffic per link; "
			      "link width and speed are not readable through HSMP", l->hsmp_protocol);
	else
		strbuf_printf(&sb, "; the %s itself (width, speed) is %s", link_kind(h),
			      unmeasurable_reason(sr, h, r, buf, sizeof(buf)));
	l->socket_link_note = strbuf_steal(&sb);
	return l->socket_link_note ? 0 : -ENOMEM;
}

int socket_link_collect(const struct sysroot *sr, struct host *h)
{
	struct links_info *l = &h->links;
	int r = -ENOENT;

	l->sockets = h->cpu.sockets > 0 ? h->cpu.sockets : UNKNOWN;
	l->cross_socket_distance = l->sockets > 1 ? cross_socket_distance(sr, h) : UNKNOWN;
	if (sr->live && l->sockets > 1 && !strcmp(link_kind(h), "xGMI link") && sr_exists(sr, "dev/hsmp"))
		r = hsmp_read(sr, l, l->sockets);
	if (r == -ENOMEM)
		return r;
	return socket_note(sr, h, r);
}

void socket_link_release(struct links_info *l)
{
	free(l->socket_links);
	free(l->socket_link_note);
	l->socket_links = NULL;
	l->socket_link_note = NULL;
	l->nsocket_links = 0;
}
