/* libnuma for the verifier, loaded with dlopen when it first places
 * memory or a thread on a node (engine_start, a GPU bench's run), not
 * linked: libnuma's constructor reads /proc/self/status twice,
 * /sys/devices/system/node and more (some 40 system calls, 0.17 ms on
 * the reference VM) in every process that links it, and apply at boot,
 * probe and audit place nothing. Without libnuma the verifier runs as on
 * a kernel without NUMA: memory lands where it is first touched. */
#pragma once
#include <stdbool.h>

struct numa_lib {
	void *dl;
	int (*available)(void);
	int (*max_node)(void);
	int (*run_on_node)(int node);
	void (*set_preferred)(int node);
	void (*set_localalloc)(void);
	long (*mbind)(void *start, unsigned long len, int mode, const unsigned long *nodemask,
		      unsigned long maxnode, unsigned flags);
};

/* Load libnuma: true when it is loaded and the kernel has NUMA
 * (numa_available); false leaves *lib empty. */
bool numa_lib_open(struct numa_lib *lib);
void numa_lib_close(struct numa_lib *lib);
