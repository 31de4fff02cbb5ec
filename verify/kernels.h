/* Internal: the per-ISA kernel tables (verify/kernels-x86.c) that
 * bench_kernels_get() in verify/kernels.c chooses from. */
#pragma once
#include "verify/bench.h"

#if defined(__x86_64__)
extern const struct bench_kernels bench_kernels_sse2;
extern const struct bench_kernels bench_kernels_avx2;
extern const struct bench_kernels bench_kernels_avx512;
#endif
