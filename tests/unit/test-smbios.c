/* SMBIOS parsing and the memory probe on tables built here, byte by byte:
 * 2-socket Genoa with 24 x DDR5-4800 (921.6 GB/s), 12 of 24 populated,
 * mixed speeds, two DIMMs per channel (a channel counts once, at its
 * slower DIMM), extended size and speed, non-DRAM records left out,
 * truncated and hostile tables, locator spellings, NUMA imbalance. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/smbios.h"
#include "tap.h"

#define GIB (UINT64_C(1) << 30)

struct table {
	uint8_t *buf;
	size_t len;
	uint16_t handle;
};

static void put_bytes(struct table *t, const void *p, size_t n)
{
	t->buf = realloc(t->buf, t->len + n + 1);
	if (!t->buf)
		abort();
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)v);
	w16(p + 2, (uint16_t)(v >> 16));
}

/* A structure: formatted area rec[0..len) (type and length filled in
 * here), then its strings and the set's final NUL. */
static void add_structure(struct table *t, uint8_t type, uint8_t *rec, size_t len, const char *const *strings)
{
	size_t n = 0;

	rec[0] = type;
	rec[1] = (uint8_t)len;
	w16(rec + 2, t->handle++);
	put_bytes(t, rec, len);
	for (; strings && strings[n]; n++)
		put_bytes(t, strings[n], strlen(strings[n]) + 1);
	put_bytes(t, "\0\0", n ? 1 : 2);
}

static void add_array(struct table *t, uint16_t handle, uint8_t use)
{
	uint8_t rec[0x17] = {0};
	uint16_t saved = t->handle;

	t->handle = handle;
	rec[0x04] = 0x03;
	rec[0x05] = use;
	add_structure(t, SMBIOS_TYPE_MEMORY_ARRAY, rec, sizeof(rec), NULL);
	t->handle = saved;
}

struct dimm_spec {
	const char *loc, *bank;
	uint32_t size_mib;          /* 0 empty */
	uint16_t size_raw;          /* used when size_mib is 0 and this is not */
	uint8_t type;               /* 0x22 DDR5 */
	uint16_t speed, conf;       /* 0xFFFF: the extended fields */
	uint32_t ext_speed, ext_conf;
	uint8_t tech;
	uint8_t length;             /* 0: the SMBIOS 3.3 layout, 0x5C */
	uint8_t loc_index;          /* 0: string 1 */
	uint16_t array;
};

static void add_memdev(struct table *t, const struct dimm_spec *d)
{
	const char *strings[] = {d->loc, d->bank, NULL};
	size_t len = d->length ? d->length : 0x5C;
	uint8_t rec[0x5C] = {0};

	w16(rec + 0x04, d->array);
	w16(rec + 0x06, 0xFFFE);
	w16(rec + 0x08, 80);
	w16(rec + 0x0A, 64);
	if (d->size_mib >= 0x7FFF) {
		w16(rec + 0x0C, 0x7FFF);
		w32(rec + 0x1C, d->size_mib);
	} else {
		w16(rec + 0x0C, d->size_mib ? (uint16_t)d->size_mib : d->size_raw);
	}
	rec[0x0E] = 0x09;
	rec[0x10] = d->loc_index ? d->loc_index : 1;
	rec[0x11] = 2;
	rec[0x12] = d->size_mib ? d->type : 0x02;
	w16(rec + 0x15, d->speed);
	w16(rec + 0x20, d->conf);
	rec[0x28] = d->tech;
	w32(rec + 0x54, d->ext_speed);
	w32(rec + 0x58, d->ext_conf);
	add_structure(t, SMBIOS_TYPE_MEMORY_DEVICE, rec, len, strings);
}

static void add_end(struct table *t)
{
	uint8_t rec[4] = {0};

	add_structure(t, SMBIOS_TYPE_END, rec, sizeof(rec), NULL);
}

/* The SMBIOS 3.0 entry point for a table of len bytes, version 3.5. */
static void entry_point(uint8_t ep[24], size_t len)
{
	uint8_t sum = 0;

	memset(ep, 0, 24);
	memcpy(ep, "_SM3_", 5);
	ep[6] = 0x18;
	ep[7] = 3;
	ep[8] = 5;
	ep[10] = 1;
	w32(ep + 0x0C, (uint32_t)len);
	for (int i = 0; i < 24; i++)
		sum = (uint8_t)(sum + ep[i]);
	ep[5] = (uint8_t)-sum;
}

/* A Genoa-style board: sockets x channels x dpc slots of 64 GiB DDR5-4800,
 * "DIMM_P0_A0" / "P0 CHANNEL A", then an NVDIMM-N in its own array. The
 * tweak may empty a slot (size_mib = 0) or change its speeds. */
typedef void (*tweak_fn)(int s, int c, int k, struct dimm_spec *d);

static void build_board(struct table *t, int sockets, int channels, int dpc, tweak_fn tweak)
{
	for (int s = 0; s < sockets; s++) {
		add_array(t, (uint16_t)(0x100 + s), SMBIOS_ARRAY_USE_SYSTEM);
		for (int c = 0; c < channels; c++)
			for (int k = 0; k < dpc; k++) {
				char loc[32], bank[32];
				struct dimm_spec d = {loc, bank, 65536, 0, 0x22, 4800, 4800, 0, 0, SMBIOS_TECH_DRAM, 0, 0,
						      (uint16_t)(0x100 + s)};

				snprintf(loc, sizeof(loc), "DIMM_P%d_%c%d", s, 'A' + c, k);
				snprintf(bank, sizeof(bank), "P%d CHANNEL %c", s, 'A' + c);
				if (tweak)
					tweak(s, c, k, &d);
				add_memdev(t, &d);
			}
	}
	add_array(t, 0x200, 0x06);
	add_memdev(t, &(struct dimm_spec){"NVDIMM_0", "NV CHANNEL 0", 16384, 0, 0x22, 4800, 4800, 0, 0,
					  SMBIOS_TECH_NVDIMM_N, 0, 0, 0x200});
	add_end(t);
}

static void mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

static void write_file(const char *root, const char *rel, const void *data, size_t len)
{
	char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/%s", root, rel) < 0)
		abort();
	mkdirs(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	free(path);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Run the memory probe on a tree holding table t (NULL: no DMI). h->numa
 * is left as the caller set it. */
static int probe(const struct table *t, struct host *h)
{
	static const struct probe_options opt;
	char root[] = "/tmp/test-smbios-XXXXXX";
	struct sysroot *sr = NULL;
	uint8_t ep[24];
	int r;

	if (!mkdtemp(root))
		abort();
	if (t) {
		entry_point(ep, t->len);
		write_file(root, "sys/firmware/dmi/tables/smbios_entry_point", ep, sizeof(ep));
		write_file(root, "sys/firmware/dmi/tables/DMI", t->buf, t->len);
	}
	r = sysroot_open(root, &sr);
	if (r == 0)
		r = memory_probe_collect(sr, &opt, h);
	sysroot_free(sr);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return r;
}

static bool has_warning(const struct memory_info *m, const char *text)
{
	for (size_t i = 0; m->warnings && m->warnings[i]; i++)
		if (strstr(m->warnings[i], text))
			return true;
	return false;
}

static void is_gbps(double got, double want, const char *what)
{
	tap_ok(fabs(got - want) < 0.01, "%s (got %.2f, want %.1f)", what, got, want);
}

static void test_entry_points(void)
{
	struct smbios_version v = {0};
	uint8_t ep[24], sm2[0x1F] = {0};
	uint8_t sum = 0, isum = 0;

	entry_point(ep, 1234);
	tap_is_int(smbios_entry_point_parse(ep, sizeof(ep), &v), 0, "_SM3_ entry point parses");
	tap_ok(v.major == 3 && v.minor == 5 && v.table_max_len == 1234, "_SM3_: version 3.5, table size 1234");
	tap_is_int(smbios_entry_point_parse(ep, 10, &v), -EBADMSG, "a truncated _SM3_ entry point is refused");
	ep[8] = 6;
	tap_is_int(smbios_entry_point_parse(ep, sizeof(ep), &v), -EBADMSG, "a bad checksum is refused");
	tap_is_int(smbios_entry_point_parse((const uint8_t *)"garbage-garbage-garbage!", 24, &v), -EBADMSG,
		   "no anchor: refused");
	tap_is_int(smbios_entry_point_parse(NULL, 0, &v), -EBADMSG, "no buffer: refused");

	memcpy(sm2, "_SM_", 4);
	sm2[5] = 0x1F;
	sm2[6] = 2;
	sm2[7] = 8;
	memcpy(sm2 + 0x10, "_DMI_", 5);
	w16(sm2 + 0x16, 4000);
	for (int i = 0x10; i < 0x1F; i++)
		isum = (uint8_t)(isum + sm2[i]);
	sm2[0x15] = (uint8_t)-isum;
	for (int i = 0; i < 0x1F; i++)
		sum = (uint8_t)(sum + sm2[i]);
	sm2[4] = (uint8_t)-sum;
	tap_is_int(smbios_entry_point_parse(sm2, sizeof(sm2), &v), 0, "_SM_ (2.x) entry point parses");
	tap_ok(v.major == 2 && v.minor == 8 && v.table_max_len == 4000, "_SM_: version 2.8, table size 4000");
}

static void test_genoa_24(void)
{
	struct table t = {0};
	struct host h = {0};
	const struct memory_info *m = &h.memory;

	build_board(&t, 2, 12, 1, NULL);
	tap_is_int(probe(&t, &h), 0, "genoa-24: probe succeeds");
	tap_is_int(m->ndimms, 24, "genoa-24: 24 DRAM slots (the NVDIMM-N left out)");
	tap_is_int(m->channels_populated, 24, "genoa-24: 24 channels populated");
	tap_is_int(m->channels_total, 24, "genoa-24: 24 channels in all");
	is_gbps(m->peak_gbps, 921.6, "genoa-24: 24 x DDR5-4800 x 8 B = 921.6 GB/s");
	tap_is_str(m->peak_source, "smbios", "genoa-24: peak from SMBIOS");
	tap_ok(m->total_bytes == 1536 * GIB, "genoa-24: 1.5 TiB installed");
	tap_ok(m->dimms[0].size_bytes == 64 * GIB, "64 GiB read from the extended size field");
	tap_is_str(m->dimms[0].type, "DDR5", "memory type 0x22 is DDR5");
	tap_is_int(m->dimms[0].configured_mts, 4800, "configured speed 4800 MT/s");
	tap_ok(m->dimms[23].socket == 1 && m->dimms[23].channel == 11, "DIMM_P1_L0 is socket 1, channel L (11)");
	tap_is_str(m->dimms[23].locator, "DIMM_P1_L0", "locator string");
	tap_is_str(m->dimms[23].bank, "P1 CHANNEL L", "bank locator string");
	tap_is_int(strv_length(m->skipped), 1, "one non-DRAM record reported as left out");
	tap_ok(m->skipped && strstr(m->skipped[0], "NVDIMM-N"), "it is named NVDIMM-N (%s)", m->skipped ? m->skipped[0] : "");
	tap_is_int(strv_length(m->warnings), 0, "a balanced board has no warnings");
	tap_is_str(m->smbios_version, "3.5", "SMBIOS version from the entry point");
	tap_ok(m->nsockets == 2 && m->sockets[1].channels_populated == 12 &&
	       fabs(m->sockets[1].peak_gbps - 460.8) < 0.01, "socket 1: 12 channels, 460.8 GB/s");
	memory_probe_release(&h);
	free(t.buf);
}

static void half_empty(int s, int c, int k, struct dimm_spec *d)
{
	d->size_mib = c % 2 ? 0 : 16384;
}

static void test_genoa_12(void)
{
	struct table t = {0};
	struct host h = {0};
	const struct memory_info *m = &h.memory;

	build_board(&t, 2, 12, 1, half_empty);
	probe(&t, &h);
	tap_is_int(m->ndimms, 24, "genoa-12: every slot listed, empty ones too");
	tap_is_int(m->channels_populated, 12, "genoa-12: 12 of 24 channels populated");
	is_gbps(m->peak_gbps, 460.8, "genoa-12: 460.8 GB/s");
	tap_ok(m->dimms[0].size_bytes == 16 * GIB && m->dimms[0].populated, "16 GiB from the 16-bit size field");
	tap_ok(!m->dimms[1].populated && m->dimms[1].size_bytes == 0 && !m->dimms[1].type, "an empty slot: no size, no type");
	tap_ok(has_warning(m, "socket 0: 6 of 12 channels populated"), "warning names socket 0's empty channels");
	tap_ok(has_warning(m, "socket 1: 6 of 12 channels populated"), "warning names socket 1's empty channels");
	memory_probe_release(&h);
	free(t.buf);
}

static void slow_ijkl(int s, int c, int k, struct dimm_spec *d)
{
	if (s == 1 && c >= 8)
		d->conf = 4400;
}

static void test_mixed_speeds(void)
{
	struct table t = {0};
	struct host h = {0};
	const struct memory_info *m = &h.memory;

	build_board(&t, 2, 12, 1, slow_ijkl);
	probe(&t, &h);
	is_gbps(m->peak_gbps, 908.8, "mixed: 20 x 4800 + 4 x 4400 channels = 908.8 GB/s");
	tap_ok(has_warning(m, "mixed configured speeds"), "mixed speeds are warned about");
	tap_ok(!has_warning(m, "mixed DIMM sizes"), "equal sizes are not");
	memory_probe_release(&h);
	free(t.buf);
}

static void slow_second_dimm(int s, int c, int k, struct dimm_spec *d)
{
	if (s == 0 && c == 0 && k == 1)
		d->conf = 4400;
	if (s == 1 && c == 3 && k == 1)
		d->size_mib = 32768;
}

static void test_two_per_channel(void)
{
	struct table t = {0};
	struct host h = {0};
	const struct memory_info *m = &h.memory;

	build_board(&t, 2, 12, 2, slow_second_dimm);
	probe(&t, &h);
	tap_is_int(m->ndimms, 48, "2dpc: 48 slots");
	tap_is_int(m->channels_populated, 24, "2dpc: two DIMMs in a channel count once");
	is_gbps(m->peak_gbps, 23 * 4800 * 8 / 1000.0 + 4400 * 8 / 1000.0,
		"2dpc: channel P0 A counts at its slower DIMM (918.4 GB/s)");
	tap_ok(has_warning(m, "mixed DIMM sizes: 47 × 64 GiB, 1 × 32 GiB"), "mixed sizes are counted");
	memory_probe_release(&h);
	free(t.buf);
}

static void test_fields(void)
{
	struct table t = {0};
	struct host h = {0};
	const struct memory_info *m = &h.memory;

	add_array(&t, 0x100, SMBIOS_ARRAY_USE_SYSTEM);
	add_array(&t, 0x101, 0x05);   /* flash */
	add_memdev(&t, &(struct dimm_spec){"DIMM_A1", "BANK 0", 131072, 0, 0x22, 0xFFFF, 0xFFFF, 8000, 7200,
					   SMBIOS_TECH_DRAM, 0, 0, 0x100});
	add_memdev(&t, &(struct dimm_spec){"DIMM_B1", "BANK 1", 0, 0x8000 | 512, 0x1A, 2400, 2400, 0, 0,
					   SMBIOS_TECH_DRAM, 0, 0, 0x100});
	add_memdev(&t, &(struct dimm_spec){"DIMM_C1", "BANK 2", 262144, 0, 0x22, 4800, 4800, 0, 0,
					   SMBIOS_TECH_OPTANE, 0, 0, 0x100});
	add_memdev(&t, &(struct dimm_spec){"BIOS_FLASH", "SPI", 32, 0, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x101});
	add_memdev(&t, &(struct dimm_spec){"DIMM_D1", "BANK 3", 8192, 0, 0x18, 1600, 1333, 0, 0, 0, 0x1B, 0, 0x100});
	add_memdev(&t, &(struct dimm_spec){"DIMM_E1", "BANK 4", 0, 0xFFFF, 0x1A, 3200, 3200, 0, 0,
					   SMBIOS_TECH_DRAM, 0, 0, 0x100});
	add_end(&t);
	probe(&t, &h);
	tap_is_int(m->ndimms, 4, "Optane and a flash array's device are left out");
	tap_is_int(strv_length(m->skipped), 2, "both are listed as not counted");
	tap_ok(m->ndimms >= 1 && m->dimms[0].size_bytes == 128 * GIB, "extended size: 128 GiB");
	tap_ok(m->ndimms >= 1 && m->dimms[0].speed_mts == 8000, "extended speed: 8000 MT/s");
	tap_ok(m->ndimms >= 1 && m->dimms[0].configured_mts == 7200, "extended configured speed: 7200 MT/s");
	tap_ok(m->ndimms >= 2 && m->dimms[1].size_bytes == 512 * 1024, "KiB granularity: 512 KiB");
	tap_ok(m->ndimms >= 3 && m->dimms[2].size_bytes == 8 * GIB && m->dimms[2].speed_mts == 1600 &&
	       m->dimms[2].configured_mts == UNKNOWN, "an SMBIOS 2.3-size record: size and speed, no configured speed");
	tap_ok(m->ndimms >= 3 && m->dimms[2].type && !strcmp(m->dimms[2].type, "DDR3"), "type 0x18 is DDR3");
	tap_ok(m->ndimms >= 4 && m->dimms[3].populated && m->dimms[3].size_bytes == 0,
	       "size 0xFFFF: installed, size unknown");
	memory_probe_release(&h);
	free(t.buf);
}

/* Walk a table and parse every memory device, as the probe does. */
static int walk(const uint8_t *buf, size_t len, int *devices)
{
	struct smbios_structure s;
	size_t off = 0;
	int r;

	*devices = 0;
	while ((r = smbios_next(buf, len, &off, &s)) > 0) {
		struct smbios_memory_device d;

		if (smbios_memory_device_parse(&s, &d) == 0) {
			(*devices)++;
			/* touch every string, so a sanitizer sees any overread */
			if (d.locator)
				(void)strlen(d.locator);
			if (d.bank)
				(void)strlen(d.bank);
		}
	}
	return r;
}

static void test_truncated(void)
{
	struct table t = {0};
	struct host h = {0};
	uint8_t *copy;
	size_t cut;
	int devices, bad = 0;

	build_board(&t, 2, 12, 1, NULL);
	/* Every prefix, each in a buffer of exactly that size. */
	for (size_t len = 0; len <= t.len; len++) {
		copy = malloc(len ? len : 1);
		memcpy(copy, t.buf, len);
		if (walk(copy, len, &devices) < 0 && devices > 25)
			bad++;
		free(copy);
	}
	tap_is_int(bad, 0, "every truncation of the table parses without reading past it");
	cut = t.len / 2;
	t.len = cut;
	tap_is_int(probe(&t, &h), 0, "a table cut in half still probes");
	tap_ok(h.memory.ndimms > 0 && h.memory.ndimms < 24, "the DIMMs before the cut are kept (%zu)", h.memory.ndimms);
	tap_ok(has_warning(&h.memory, "malformed"), "and the damage is reported");
	memory_probe_release(&h);
	free(t.buf);
}

static void test_hostile(void)
{
	struct table t = {0};
	struct smbios_structure s;
	struct smbios_memory_device d;
	uint8_t bad_len[] = {17, 2, 0, 0, 0, 0};
	uint8_t no_end[] = {17, 4, 0, 0, 'x', 0};
	uint8_t past[] = {17, 0x5C, 0, 0, 0, 0};
	size_t off = 0;
	unsigned seed = 1;
	int devices;

	tap_is_int(smbios_next(bad_len, sizeof(bad_len), &off, &s), -EBADMSG, "a structure shorter than its header is refused");
	off = 0;
	tap_is_int(smbios_next(no_end, sizeof(no_end), &off, &s), -EBADMSG, "a string set without its double NUL is refused");
	off = 0;
	tap_is_int(smbios_next(past, sizeof(past), &off, &s), -EBADMSG, "a length past the buffer is refused");

	add_memdev(&t, &(struct dimm_spec){"DIMM_A1", "P0 CHANNEL A", 16384, 0, 0x22, 4800, 4800, 0, 0, 3, 0, 9, 0});
	add_end(&t);
	off = 0;
	tap_is_int(smbios_next(t.buf, t.len, &off, &s), 1, "a record with a string index past its set reads");
	tap_is_int(smbios_memory_device_parse(&s, &d), 0, "and parses");
	tap_ok(d.locator == NULL, "string 9 of 2 is NULL, not a read past the set");
	tap_is_str(d.bank, "P0 CHANNEL A", "the other string is there");
	tap_ok(smbios_string(&s, 0) == NULL && smbios_string(&s, 3) == NULL, "strings 0 and 3 are NULL");
	free(t.buf);

	/* Random damage to a whole board's table: never a crash. */
	t = (struct table){0};
	build_board(&t, 2, 12, 2, NULL);
	for (int round = 0; round < 3000; round++) {
		uint8_t *copy = malloc(t.len);

		memcpy(copy, t.buf, t.len);
		for (int k = 0; k < 1 + round % 8; k++)
			copy[rand_r(&seed) % t.len] = (uint8_t)rand_r(&seed);
		walk(copy, t.len - (size_t)(rand_r(&seed) % 64), &devices);
		free(copy);
	}
	tap_ok(1, "3000 randomly damaged tables parsed without a crash");
	free(t.buf);
}

static void test_locators(void)
{
	static const struct {
		const char *loc, *bank;
		int socket, channel;
	} cases[] = {
		{"DIMM_P0_A0", "P0 CHANNEL A", 0, 0},
		{"DIMM 0", "P1 CHANNEL L", 1, 11},
		{"P1-DIMMA1", "P0_Node0_Channel0_Dimm0", 0, 0},
		{"P2-DIMMC1", "P1_Node1_Channel2_Dimm0", 1, 2},
		{"CPU1_DIMM_A1", "NODE 1", 1, 0},
		{"CPU0_DIMMB2", NULL, 0, 1},
		{"DIMM_P1_F1", "BANK 5", 1, 5},
		{"P0_DIMM_C1", NULL, 0, 2},
		{"PROC 2 DIMM 3", "Not Specified", 2, UNKNOWN},
		{"Node1_Dimm0", NULL, 1, UNKNOWN},
		{"ChannelB-DIMM0", "BANK 1", UNKNOWN, 1},
		{"DIMM_B2", "BANK 0", UNKNOWN, 1},
		{"SOCKET 0 CHANNEL 2 DIMM 0", NULL, 0, 2},
		{"CPU0_CH1_DIMM0", NULL, 0, 1},
		{"A1", "Not Specified", UNKNOWN, UNKNOWN},
		{"DIMM 0", NULL, UNKNOWN, UNKNOWN},
		{NULL, NULL, UNKNOWN, UNKNOWN},
		{"", "", UNKNOWN, UNKNOWN},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int s, c;

		smbios_locator_position(cases[i].loc, cases[i].bank, &s, &c);
		tap_ok(s == cases[i].socket && c == cases[i].channel, "locator '%s' / bank '%s': socket %d channel %d (got %d %d)",
		       cases[i].loc ? cases[i].loc : "(null)", cases[i].bank ? cases[i].bank : "(null)", cases[i].socket,
		       cases[i].channel, s, c);
	}
}

static void test_one_based_and_unknown(void)
{
	struct table t = {0};
	struct host h = {0};
	const struct memory_info *m = &h.memory;
	char loc[16];

	for (int s = 1; s <= 2; s++)
		for (int c = 0; c < 8; c++) {
			snprintf(loc, sizeof(loc), "CPU%d_DIMM_%c1", s, 'A' + c);
			add_memdev(&t, &(struct dimm_spec){loc, "NODE 1", 32768, 0, 0x22, 4800, 4400, 0, 0, 3, 0, 0, 0});
		}
	add_end(&t);
	probe(&t, &h);
	tap_ok(m->ndimms == 16 && m->dimms[0].socket == 0 && m->dimms[15].socket == 1,
	       "CPU1/CPU2 locators count sockets from 1: reported as 0 and 1");
	is_gbps(m->peak_gbps, 16 * 4400 * 8 / 1000.0, "16 channels at 4400 configured: 563.2 GB/s");
	memory_probe_release(&h);
	free(t.buf);

	t = (struct table){0};
	for (int i = 1; i <= 4; i++) {
		snprintf(loc, sizeof(loc), "A%d", i);
		add_memdev(&t, &(struct dimm_spec){loc, "Not Specified", i <= 3 ? 32768 : 0, 0, 0x1A, 3200, 3200, 0, 0, 3, 0,
						   0, 0});
	}
	add_end(&t);
	probe(&t, &h);
	tap_is_int(m->channels_populated, 3, "unknown channels: each populated DIMM counts as a channel");
	is_gbps(m->peak_gbps, 3 * 3200 * 8 / 1000.0, "3 x DDR4-3200: 76.8 GB/s");
	tap_ok(has_warning(m, "not known from the locators"), "and the guess is stated");
	tap_ok(!has_warning(m, "channels populated"), "no empty-channel warning without channel names");
	memory_probe_release(&h);
	free(t.buf);
}

static void set_nodes(struct host *h, const int64_t *gib, const char *const *cpus, size_t n)
{
	h->numa.nodes = calloc(n, sizeof(*h->numa.nodes));
	h->numa.nnodes = n;
	h->numa.from_sysfs = true;
	for (size_t i = 0; i < n; i++) {
		h->numa.nodes[i].id = (int)i;
		h->numa.nodes[i].memory_bytes = gib[i] * (int64_t)GIB;
		cpulist_parse(cpus[i], &h->numa.nodes[i].cpus);
	}
}

static void free_nodes(struct host *h)
{
	for (size_t i = 0; i < h->numa.nnodes; i++)
		free(h->numa.nodes[i].cpus);
	free(h->numa.nodes);
	h->numa.nodes = NULL;
	h->numa.nnodes = 0;
}

static void test_numa_and_no_dmi(void)
{
	static const char *const cpus[] = {"0-7", "8-15", ""};
	static const int64_t unequal[] = {100, 90, 16}, close_[] = {100, 97, 16};
	struct host h = {0};

	set_nodes(&h, unequal, cpus, 3);
	tap_is_int(probe(NULL, &h), 0, "no DMI: the probe succeeds");
	tap_ok(h.memory.unknown_reason && strstr(h.memory.unknown_reason, "no SMBIOS tables"), "no DMI: the reason is given");
	tap_ok(isnan(h.memory.peak_gbps) && !h.memory.peak_source, "no DMI: peak unknown (null)");
	tap_ok(h.memory.channels_populated == UNKNOWN && h.memory.ndimms == 0, "no DMI: no DIMMs, channels unknown");
	tap_ok(has_warning(&h.memory, "node 1 has 90.0 GiB, node 0 100.0 GiB"), "nodes 100 vs 90 GiB: more than 5%% apart");
	memory_probe_release(&h);
	free_nodes(&h);

	set_nodes(&h, close_, cpus, 3);
	probe(NULL, &h);
	tap_is_int(strv_length(h.memory.warnings), 0, "100 vs 97 GiB is balanced; a CPU-less node is not compared");
	memory_probe_release(&h);
	free_nodes(&h);
}

int main(void)
{
	test_entry_points();
	test_genoa_24();
	test_genoa_12();
	test_mixed_speeds();
	test_two_per_channel();
	test_fields();
	test_truncated();
	test_hostile();
	test_locators();
	test_one_based_and_unknown();
	test_numa_and_no_dmi();
	return tap_done();
}
