/* libFuzzer harness for SMBIOS (probes/smbios.c, probes/memory.c): the
 * entry point, the structure table, type 16 and 17 records, DIMM locator
 * strings, then the memory probe over the same bytes as
 * sys/firmware/dmi/tables/{smbios_entry_point,DMI} (channels, sockets,
 * theoretical peak, warnings). The first byte is the entry point's
 * length; the entry point follows, then the table. */
#include <math.h>

#include "tests/fuzz/fuzz-tree.h"
#include "probes/host.h"
#include "probes/smbios.h"

#define DMI "sys/firmware/dmi/tables/"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tree_init("smbios");
	return 0;
}

static void walk_table(const uint8_t *t, size_t len)
{
	struct smbios_structure s;
	size_t off = 0;
	int r, n = 0;

	while ((r = smbios_next(t, len, &off, &s)) == 1) {
		struct smbios_memory_device d;
		int socket, channel;

		if (off > len || s.data < t || s.data + s.length > t + len || n++ > 100000)
			abort();
		for (unsigned i = 0; i < 4; i++) {
			const char *str = smbios_string(&s, (uint8_t)i);

			if (str && (str < (const char *)t || str + strlen(str) >= (const char *)t + len))
				abort();
		}
		if (smbios_memory_device_parse(&s, &d) == 0) {
			(void)smbios_memory_type_name(d.type);
			(void)smbios_memory_technology_name(d.technology);
			(void)smbios_memory_is_dram(&d);
			smbios_locator_position(d.locator, d.bank, &socket, &channel);
		}
	}
	if (r != 0 && r != -EBADMSG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_options opt = {0};
	struct smbios_version v;
	struct host h = {0};
	size_t eplen;

	if (!size)
		return 0;
	eplen = data[0] < size - 1 ? data[0] : size - 1;
	(void)smbios_entry_point_parse(data + 1, eplen, &v);
	walk_table(data + 1 + eplen, size - 1 - eplen);
	fuzz_put(DMI "smbios_entry_point", data + 1, eplen);
	fuzz_put(DMI "DMI", data + 1 + eplen, size - 1 - eplen);
	if (memory_probe_collect(fuzz_sr, &opt, &h) < 0)
		abort();
	if (!isnan(h.memory.peak_gbps) && !(h.memory.peak_gbps >= 0))
		abort();
	memory_probe_release(&h);
	return 0;
}
