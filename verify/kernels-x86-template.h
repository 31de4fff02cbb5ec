/* One ISA's bandwidth kernels, included by verify/kernels-x86.c once per
 * ISA with VEC, W (doubles per vector), TARGET and the V* operations
 * defined. Eight vectors per iteration; the destination is aligned to the
 * vector size by a scalar head so the streaming stores are legal; the
 * sources may be unaligned. Streaming (non-temporal) stores bypass the
 * caches: no read-for-ownership, as STREAM counts. */

#define UNROLL (8 * W)

TARGET static double FN(read)(const double *b, size_t n)
{
	double head = 0, tail = 0;
	size_t i = 0;

	for (; i < n && ((uintptr_t)(b + i) & (sizeof(VEC) - 1)); i++)
		head += b[i];
	VEC s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
	VEC s4 = VZERO(), s5 = VZERO(), s6 = VZERO(), s7 = VZERO();
	for (; i + UNROLL <= n; i += UNROLL) {
		s0 = VADD(s0, VLOAD(b + i));
		s1 = VADD(s1, VLOAD(b + i + W));
		s2 = VADD(s2, VLOAD(b + i + 2 * W));
		s3 = VADD(s3, VLOAD(b + i + 3 * W));
		s4 = VADD(s4, VLOAD(b + i + 4 * W));
		s5 = VADD(s5, VLOAD(b + i + 5 * W));
		s6 = VADD(s6, VLOAD(b + i + 6 * W));
		s7 = VADD(s7, VLOAD(b + i + 7 * W));
	}
	for (; i + W <= n; i += W)
		s0 = VADD(s0, VLOAD(b + i));
	s0 = VADD(VADD(VADD(s0, s1), VADD(s2, s3)), VADD(VADD(s4, s5), VADD(s6, s7)));
	double lanes[W];
	VSTOREU(lanes, s0);
	for (int l = 0; l < W; l++)
		tail += lanes[l];
	for (; i < n; i++)
		tail += b[i];
	return head + tail;
}

TARGET static void FN(write)(double *a, double v, size_t n)
{
	size_t i = 0;

	for (; i < n && ((uintptr_t)(a + i) & (sizeof(VEC) - 1)); i++)
		a[i] = v;
	VEC x = VSET1(v);
	for (; i + UNROLL <= n; i += UNROLL) {
		VSTREAM(a + i, x);
		VSTREAM(a + i + W, x);
		VSTREAM(a + i + 2 * W, x);
		VSTREAM(a + i + 3 * W, x);
		VSTREAM(a + i + 4 * W, x);
		VSTREAM(a + i + 5 * W, x);
		VSTREAM(a + i + 6 * W, x);
		VSTREAM(a + i + 7 * W, x);
	}
	for (; i + W <= n; i += W)
		VSTREAM(a + i, x);
	for (; i < n; i++)
		a[i] = v;
	_mm_sfence();
}

TARGET static void FN(copy)(double *restrict a, const double *restrict b, size_t n)
{
	size_t i = 0;

	for (; i < n && ((uintptr_t)(a + i) & (sizeof(VEC) - 1)); i++)
		a[i] = b[i];
	for (; i + UNROLL <= n; i += UNROLL) {
		VEC x0 = VLOADU(b + i), x1 = VLOADU(b + i + W);
		VEC x2 = VLOADU(b + i + 2 * W), x3 = VLOADU(b + i + 3 * W);
		VEC x4 = VLOADU(b + i + 4 * W), x5 = VLOADU(b + i + 5 * W);
		VEC x6 = VLOADU(b + i + 6 * W), x7 = VLOADU(b + i + 7 * W);
		VSTREAM(a + i, x0);
		VSTREAM(a + i + W, x1);
		VSTREAM(a + i + 2 * W, x2);
		VSTREAM(a + i + 3 * W, x3);
		VSTREAM(a + i + 4 * W, x4);
		VSTREAM(a + i + 5 * W, x5);
		VSTREAM(a + i + 6 * W, x6);
		VSTREAM(a + i + 7 * W, x7);
	}
	for (; i + W <= n; i += W)
		VSTREAM(a + i, VLOADU(b + i));
	for (; i < n; i++)
		a[i] = b[i];
	_mm_sfence();
}

#define TRIAD1(k) VSTREAM(a + i + (k) * W, \
	VFMA(VLOADU(c + i + (k) * W), vs, VLOADU(b + i + (k) * W)))

TARGET static void FN(triad)(double *restrict a, const double *restrict b,
			     const double *restrict c, double s, size_t n)
{
	size_t i = 0;

	for (; i < n && ((uintptr_t)(a + i) & (sizeof(VEC) - 1)); i++)
		a[i] = b[i] + s * c[i];
	VEC vs = VSET1(s);
	for (; i + UNROLL <= n; i += UNROLL) {
		TRIAD1(0);
		TRIAD1(1);
		TRIAD1(2);
		TRIAD1(3);
		TRIAD1(4);
		TRIAD1(5);
		TRIAD1(6);
		TRIAD1(7);
	}
	for (; i + W <= n; i += W)
		TRIAD1(0);
	for (; i < n; i++)
		a[i] = b[i] + s * c[i];
	_mm_sfence();
}

#undef TRIAD1
#undef UNROLL
