/* Binding a library loaded with dlopen to a struct of function pointers
 * (NVML, the CUDA driver API, HIP): one table of names and offsets per
 * library, resolved in one place. */
#pragma once
#include <stddef.h>

struct dl_symbol {
	const char *name;
	size_t offset;          /* of the function pointer in the struct */
};

/* Resolve every symbol into base + offset: NULL, or the name of the first
 * one the library lacks. */
const char *dl_bind(void *dl, void *base, const struct dl_symbol *syms, size_t n);
/* Resolve the symbols it has; a pointer already set is kept (list a newer
 * name first, an older one after it). */
void dl_bind_optional(void *dl, void *base, const struct dl_symbol *syms, size_t n);
