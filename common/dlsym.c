/* See dlsym.h. A function pointer is stored through memcpy: ISO C has no
 * conversion from dlsym's void * to one. Reads no files. */
#include <dlfcn.h>
#include <string.h>

#include "common/dlsym.h"

const char *dl_bind(void *dl, void *base, const struct dl_symbol *syms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(dl, syms[i].name);

		if (!p)
			return syms[i].name;
		memcpy((char *)base + syms[i].offset, &p, sizeof(p));
	}
	return NULL;
}

void dl_bind_optional(void *dl, void *base, const struct dl_symbol *syms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *cur, *p;

		memcpy(&cur, (char *)base + syms[i].offset, sizeof(cur));
		if (cur)
			continue;
		p = dlsym(dl, syms[i].name);
		memcpy((char *)base + syms[i].offset, &p, sizeof(p));
	}
}
