/* SSE2, AVX2 and AVX-512 bandwidth kernels for x86-64, compiled with
 * function target attributes so one object serves every CPU; which one
 * runs is chosen at run time (bench_kernels_get). Empty elsewhere. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/kernels.h"

/* SSE2: baseline x86-64. */
#define VEC __m128d
#define W 2
#define TARGET __attribute__((target("sse2")))
#define FN(name) name##_sse2
#define VZERO() _mm_setzero_pd()
#define VSET1(x) _mm_set1_pd(x)
#define VLOAD(p) _mm_load_pd(p)
#define VLOADU(p) _mm_loadu_pd(p)
#define VSTOREU(p, x) _mm_storeu_pd(p, x)
#define VSTREAM(p, x) _mm_stream_pd(p, x)
#define VADD(x, y) _mm_add_pd(x, y)
#define VFMA(x, s, y) _mm_add_pd(_mm_mul_pd(x, s), y)   /* x*s + y */
#include "verify/kernels-x86-template.h"
#undef VEC
#undef W
#undef TARGET
#undef FN
#undef VZERO
#undef VSET1
#undef VLOAD
#undef VLOADU
#undef VSTOREU
#undef VSTREAM
#undef VADD
#undef VFMA

/* AVX2 (without assuming FMA: some AVX2 parts lack it). */
#define VEC __m256d
#define W 4
#define TARGET __attribute__((target("avx2")))
#define FN(name) name##_avx2
#define VZERO() _mm256_setzero_pd()
#define VSET1(x) _mm256_set1_pd(x)
#define VLOAD(p) _mm256_load_pd(p)
#define VLOADU(p) _mm256_loadu_pd(p)
#define VSTOREU(p, x) _mm256_storeu_pd(p, x)
#define VSTREAM(p, x) _mm256_stream_pd(p, x)
#define VADD(x, y) _mm256_add_pd(x, y)
#define VFMA(x, s, y) _mm256_add_pd(_mm256_mul_pd(x, s), y)
#include "verify/kernels-x86-template.h"
#undef VEC
#undef W
#undef TARGET
#undef FN
#undef VZERO
#undef VSET1
#undef VLOAD
#undef VLOADU
#undef VSTOREU
#undef VSTREAM
#undef VADD
#undef VFMA

/* AVX-512 foundation. */
#define VEC __m512d
#define W 8
#define TARGET __attribute__((target("avx512f")))
#define FN(name) name##_avx512
#define VZERO() _mm512_setzero_pd()
#define VSET1(x) _mm512_set1_pd(x)
#define VLOAD(p) _mm512_load_pd(p)
#define VLOADU(p) _mm512_loadu_pd(p)
#define VSTOREU(p, x) _mm512_storeu_pd(p, x)
#define VSTREAM(p, x) _mm512_stream_pd(p, x)
#define VADD(x, y) _mm512_add_pd(x, y)
#define VFMA(x, s, y) _mm512_fmadd_pd(x, s, y)
#include "verify/kernels-x86-template.h"

const struct bench_kernels bench_kernels_sse2 = {
	.isa = BENCH_ISA_SSE2, .nt_stores = true,
	.read = read_sse2, .write = write_sse2, .copy = copy_sse2, .triad = triad_sse2,
};

const struct bench_kernels bench_kernels_avx2 = {
	.isa = BENCH_ISA_AVX2, .nt_stores = true,
	.read = read_avx2, .write = write_avx2, .copy = copy_avx2, .triad = triad_avx2,
};

const struct bench_kernels bench_kernels_avx512 = {
	.isa = BENCH_ISA_AVX512, .nt_stores = true,
	.read = read_avx512, .write = write_avx512, .copy = copy_avx512, .triad = triad_avx512,
};
#else
/* ISO C wants a translation unit to declare something. */
typedef int kernels_x86_unused;
#endif
