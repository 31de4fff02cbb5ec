/* The bandwidth kernels' names, byte counting and run-time ISA choice, and
 * the portable C kernels used where no x86 vector unit is known (aarch64,
 * or a forced "scalar"). Reads no files. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "common/util.h"
#include "verify/bench.h"
#include "verify/kernels.h"

static const char *const kernel_names[BENCH_NKERNELS] = {
	[BENCH_READ] = "read",
	[BENCH_WRITE] = "write",
	[BENCH_COPY] = "copy",
	[BENCH_TRIAD] = "triad",
};

static const unsigned kernel_bytes[BENCH_NKERNELS] = {
	[BENCH_READ] = 8,
	[BENCH_WRITE] = 8,
	[BENCH_COPY] = 16,
	[BENCH_TRIAD] = 24,
};

static const char *const isa_names[BENCH_NISAS] = {
	[BENCH_ISA_SCALAR] = "scalar",
	[BENCH_ISA_SSE2] = "sse2",
	[BENCH_ISA_AVX2] = "avx2",
	[BENCH_ISA_AVX512] = "avx512",
};

const char *bench_kernel_name(enum bench_kernel k)
{
	return (unsigned)k < BENCH_NKERNELS ? kernel_names[k] : NULL;
}

int bench_kernel_from_name(const char *name)
{
	for (int k = 0; k < BENCH_NKERNELS; k++)
		if (name && !strcmp(name, kernel_names[k]))
			return k;
	return -EINVAL;
}

int bench_kernels_parse(const char *list, unsigned *ret, char **bad)
{
	_cleanup_strv_ char **words = NULL;
	unsigned mask = 0;
	int r;

	r = strv_split(list, ", ", &words);
	if (r < 0)
		return r;
	for (char **w = words; w && *w; w++) {
		if (!strcmp(*w, "all")) {
			mask |= BENCH_KERNELS_ALL;
			continue;
		}
		r = bench_kernel_from_name(*w);
		if (r < 0) {
			if (bad)
				*bad = strdup(*w);
			return -EINVAL;
		}
		mask |= 1u << r;
	}
	if (!mask) {
		if (bad)
			*bad = strdup(list);
		return -EINVAL;
	}
	*ret = mask;
	return 0;
}

unsigned bench_kernel_bytes_per_element(enum bench_kernel k)
{
	return (unsigned)k < BENCH_NKERNELS ? kernel_bytes[k] : 0;
}

uint64_t bench_kernel_bytes(enum bench_kernel k, uint64_t elements)
{
	return elements * bench_kernel_bytes_per_element(k);
}

const char *bench_isa_name(enum bench_isa isa)
{
	return (unsigned)isa < BENCH_NISAS ? isa_names[isa] : NULL;
}

#if defined(__x86_64__)
/* The CPU has the instructions (CPUID leaf 7, EBX bit) and the kernel
 * saves the registers they use (XCR0 bits, OSXSAVE set). Asked here rather
 * than with __builtin_cpu_supports, whose libgcc constructor runs a dozen
 * CPUIDs in every rigtune process: each one a VM exit in a guest, a
 * quarter of a boot-time `apply` measured on a KVM guest. */
static bool x86_has(unsigned leaf7_ebx_bit, uint64_t xcr0_bits)
{
	unsigned a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << leaf7_ebx_bit)))
		return false;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (((uint64_t)hi << 32 | lo) & xcr0_bits) == xcr0_bits;
}
#endif

bool bench_isa_supported(enum bench_isa isa)
{
	switch (isa) {
	case BENCH_ISA_SCALAR:
		return true;
#if defined(__x86_64__)
	case BENCH_ISA_SSE2:
		return true;    /* part of x86-64 */
	case BENCH_ISA_AVX2:
		return x86_has(5, 0x6);         /* XMM, YMM state */
	case BENCH_ISA_AVX512:
		return x86_has(16, 0xe6);       /* and opmask, ZMM state */
#endif
	default:
		return false;
	}
}

enum bench_isa bench_isa_best(void)
{
	for (int isa = BENCH_NISAS - 1; isa > BENCH_ISA_SCALAR; isa--)
		if (bench_isa_supported(isa))
			return isa;
	return BENCH_ISA_SCALAR;
}

/* Four independent sums so the adds overlap; the compiler may vectorize
 * the stores, which is as good as portable C gets. */
static double read_scalar(const double *b, size_t n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		s0 += b[i];
		s1 += b[i + 1];
		s2 += b[i + 2];
		s3 += b[i + 3];
	}
	for (; i < n; i++)
		s0 += b[i];
	return (s0 + s1) + (s2 + s3);
}

static void write_scalar(double *a, double v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = v;
}

static void copy_scalar(double *restrict a, const double *restrict b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = b[i];
}

static void triad_scalar(double *restrict a, const double *restrict b, const double *restrict c,
			 double s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = b[i] + s * c[i];
}

static const struct bench_kernels kernels_scalar = {
	.isa = BENCH_ISA_SCALAR,
	.nt_stores = false,
	.read = read_scalar,
	.write = write_scalar,
	.copy = copy_scalar,
	.triad = triad_scalar,
};

const struct bench_kernels *bench_kernels_get(enum bench_isa isa)
{
	if (isa == BENCH_ISA_AUTO)
		isa = bench_isa_best();
	if (!bench_isa_supported(isa))
		return NULL;
	switch (isa) {
#if defined(__x86_64__)
	case BENCH_ISA_SSE2:
		return &bench_kernels_sse2;
	case BENCH_ISA_AVX2:
		return &bench_kernels_avx2;
	case BENCH_ISA_AVX512:
		return &bench_kernels_avx512;
#endif
	case BENCH_ISA_SCALAR:
		return &kernels_scalar;
	default:
		return NULL;
	}
}
