/*
 * Shared by every native CPU kernel file: the thread split, shape coalescing for strided kernels, and a
 * float exp that gcc and clang vectorise (libm's expf is a call per element).
 *
 * Threads: OpenMP, one parallel region per kernel call and only above MM_PAR_MIN elements of work, because
 * waking the second thread costs a few microseconds. Inside a region each thread takes one contiguous chunk
 * and runs a plain loop over restrict pointers with an int index: that is the form gcc 12 vectorises (the same
 * loop under `omp parallel for simd` with a long index stayed scalar).
 */
#ifndef MM_COMMON_H
#define MM_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Elements of work below which a kernel runs on the calling thread only. */
#define MM_PAR_MIN 262144

/* The largest rank of a strided kernel (the TypeScript side checks it). */
#define MM_MAX_RANK 16

/* The calling thread's number in its team and the team's size (0 and 1 without OpenMP). */
static inline int mm_thread_id(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
static inline int mm_team_size(void) {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

/* Threads to start for `work` elements: all of them from MM_PAR_MIN on, else 1. */
static inline int mm_threads_for(long work) {
#ifdef _OPENMP
  return work >= MM_PAR_MIN ? omp_get_max_threads() : 1;
#else
  (void)work;
  return 1;
#endif
}

/* This thread's share [*lo, *hi) of [0, n), chunk starts rounded to 16 elements (64-byte lines). */
static inline void mm_chunk(long n, long *lo, long *hi) {
  long t = mm_thread_id(), nt = mm_team_size();
  long per = ((n + nt - 1) / nt + 15) & ~15L;
  *lo = t * per < n ? t * per : n;
  *hi = *lo + per < n ? *lo + per : n;
}

/* Splits x = k ln2 + r with k an integer (*kf) and |r| <= ln2/2; returns r. */
static inline float mm_expf_reduce(float x, float *kf) {
  const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting it rounds to an integer */
  float k = (x * 1.44269504088896341f + round_magic) - round_magic;
  *kf = k;
  return (x - k * 0.693359375f) - k * -2.12194440e-4f; /* ln2 split in two: the high part times k is exact */
}

/* e^r for |r| <= ln2/2 by Cephes' degree-7 minimax polynomial (about 1 ulp). */
static inline float mm_expf_poly(float r) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

/*
 * e^x in float, vectorisable: x = k ln2 + r with |r| <= ln2/2, e^r by Cephes' degree-7 minimax polynomial
 * (about 1 ulp), and 2^k applied as two exact powers of two so that results between 2^-149 and 2^-126
 * (subnormal) and above 2^127 (Infinity) come out right. Comparisons, not fminf/fmaxf, do the clamping so
 * a NaN stays NaN.
 */
static inline float mm_expf(float x) {
  x = x < -104.0f ? -104.0f : x;
  x = x > 89.0f ? 89.0f : x;
  float kf, p = mm_expf_poly(mm_expf_reduce(x, &kf));
  int k = (int)kf;
  int k1 = k >> 1, k2 = k - k1; /* both within [-75, 64]: normal powers of two */
  union { uint32_t u; float f; } s1, s2;
  s1.u = (uint32_t)(k1 + 127) << 23;
  s2.u = (uint32_t)(k2 + 127) << 23;
  return p * s1.f * s2.f;
}

/*
 * e^r for |r| <= ln2/2 to about 1.4 ulp (1.6e-7 relative): 1 + r + r^2 q(r) with q of degree 3, fitted here
 * to the relative error of e^r (Chebyshev nodes, reweighted least squares towards minimax), and evaluated in
 * Estrin's scheme. Two multiply-adds and a shorter dependency chain than mm_expf_poly, for callers whose own
 * error is larger than an ulp (erfc's fit, 1.2e-7).
 */
static inline float mm_expf_poly_short(float r) {
  float r2 = r * r;
  float q = (4.99992311e-1f + r * 1.66671142e-1f) + r2 * (4.18901183e-2f + r * 8.31252709e-3f);
  return (q * r2 + r) + 1.0f;
}

/*
 * e^x for x <= 0.5 only (erfc's and the normal density's arguments), to 1.6e-7 relative: mm_expf with the
 * short polynomial and one power of two instead of two, since 2^k stays a normal float there. Where e^x
 * would be below 2^-125 (x < -87) it returns 0: float's subnormal results are flushed, an absolute error
 * under 1.2e-38. About a third cheaper than mm_expf.
 */
static inline float mm_expf_nonpos(float x) {
  const int underflow = x < -87.0f;
  x = underflow ? -87.0f : x;
  float kf, p = mm_expf_poly_short(mm_expf_reduce(x, &kf));
  union { uint32_t u; float f; } s;
  s.u = (uint32_t)((int)kf + 127) << 23;
  return underflow ? 0.0f : p * s.f;
}

/*
 * Copies a strided view's shape and two stride sets into shape/sa/sb, then merges dimensions that both
 * stride sets walk contiguously (d and d+1 where stride[d] = stride[d+1] * shape[d+1] in both) and drops
 * size-1 dimensions. Returns the new rank (at least 1), or 0 for an empty view; *total gets the element
 * count. A [64, 50, 40] same-layout operand becomes one run of 128000 elements.
 */
static inline int mm_strided_dims(int nd, const int *shape_in, const int *sa_in, const int *sb_in, int *shape,
                                  int *sa, int *sb, long *total) {
  long count = 1;
  int out = 0;
  for (int d = 0; d < nd; d++) count *= shape_in[d];
  *total = count;
  if (count == 0) return 0;
  for (int d = 0; d < nd; d++) {
    if (shape_in[d] == 1) continue;
    if (out > 0 && sa[out - 1] == sa_in[d] * shape_in[d] && sb[out - 1] == sb_in[d] * shape_in[d]) {
      shape[out - 1] *= shape_in[d];
      sa[out - 1] = sa_in[d];
      sb[out - 1] = sb_in[d];
    } else {
      shape[out] = shape_in[d];
      sa[out] = sa_in[d];
      sb[out] = sb_in[d];
      out++;
    }
  }
  if (out == 0) {
    shape[0] = 1;
    sa[0] = 0;
    sb[0] = 0;
    out = 1;
  }
  return out;
}

/* Element offsets of row `row` (the multi-index over all but the last dimension) in two stride sets. */
static inline void mm_row_offsets(long row, int nd, const int *shape, const int *sa, const int *sb, long *oa,
                                  long *ob) {
  long a = 0, b = 0;
  for (int d = nd - 2; d >= 0; d--) {
    long i = row % shape[d];
    row /= shape[d];
    a += i * sa[d];
    b += i * sb[d];
  }
  *oa = a;
  *ob = b;
}

#endif
