/* See numa-lib.h. Reads no files itself (libnuma's constructor does). */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "common/dlsym.h"
#include "common/util.h"
#include "verify/numa-lib.h"

static const struct dl_symbol numa_symbols[] = {
	{"numa_available", offsetof(struct numa_lib, available)},
	{"numa_max_node", offsetof(struct numa_lib, max_node)},
	{"numa_run_on_node", offsetof(struct numa_lib, run_on_node)},
	{"numa_set_preferred", offsetof(struct numa_lib, set_preferred)},
	{"numa_set_localalloc", offsetof(struct numa_lib, set_localalloc)},
	{"mbind", offsetof(struct numa_lib, mbind)},
};

bool numa_lib_open(struct numa_lib *lib)
{
	memset(lib, 0, sizeof(*lib));
	lib->dl = dlopen("libnuma.so.1", RTLD_NOW | RTLD_LOCAL);
	if (lib->dl && !dl_bind(lib->dl, lib, numa_symbols, ARRAY_SIZE(numa_symbols)) &&
	    lib->available() >= 0)
		return true;
	numa_lib_close(lib);
	return false;
}

void numa_lib_close(struct numa_lib *lib)
{
	if (lib->dl)
		dlclose(lib->dl);
	memset(lib, 0, sizeof(*lib));
}
