/* See numa-lib.h. Reads no files itself (libnuma's constructor does). */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "common/dlsym.h"
#include "verify/numa-lib.h"

#define SYM(field, name) {name, offsetof(struct numa_lib, field)}

static const struct dl_symbol numa_symbols[] = {
	SYM(available, "numa_available"),     SYM(max_node, "numa_max_node"),
	SYM(run_on_node, "numa_run_on_node"), SYM(set_preferred, "numa_set_preferred"),
	SYM(set_localalloc, "numa_set_localalloc"), SYM(mbind, "mbind"),
};

bool numa_lib_open(struct numa_lib *lib)
{
	memset(lib, 0, sizeof(*lib));
	lib->dl = dlopen("libnuma.so.1", RTLD_NOW | RTLD_LOCAL);
	if (lib->dl && !dl_bind(lib->dl, lib, numa_symbols, sizeof(numa_symbols) / sizeof(numa_symbols[0])) &&
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
