/*
 * Reductions over the middle axis of an [outer, r, inner] view, strided copies, gathers and scatter-adds.
 * Sums accumulate in double, as the TypeScript kernels do, so long rows lose nothing to float rounding.
 */
#include "common.h"

enum { R_SUM, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN };

/* Sum of a contiguous row in double, in vector partial sums (see rows.c). */
static double row_sum(const float *restrict x, int r) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int j = 0; j < r; j++) s += x[j];
  return s;
}

/* o[p, i] = op over j of x[p, j, i]. NaN handling follows the TypeScript kernels (comparisons keep acc). */
void mm_reduce(int op, const float *x, float *o, int outer, int r, int inner) {
  const long work = (long)outer * r * inner;
  if (r == 0) { /* an empty axis: the TypeScript kernels give 0 for sum and the arg ops, NaN for max/min */
    const float v = op == R_MAX || op == R_MIN ? NAN : 0.0f;
    for (long i = 0; i < (long)outer * inner; i++) o[i] = v;
    return;
  }
  if (op == R_ARGMAX || op == R_ARGMIN) {
    const float sign = op == R_ARGMAX ? 1.0f : -1.0f;
#pragma omp parallel for schedule(static) if (work >= MM_PAR_MIN)
    for (long pi = 0; pi < (long)outer * inner; pi++) {
      const long p = pi / inner, i = pi % inner;
      float best = -INFINITY;
      int best_j = 0;
      for (int j = 0; j < r; j++) {
        float v = sign * x[(p * r + j) * inner + i];
        if (v > best) {
          best = v;
          best_j = j;
        }
      }
      o[pi] = (float)best_j;
    }
    return;
  }
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (work >= MM_PAR_MIN)
    for (long p = 0; p < outer; p++) {
      const float *row = x + p * r;
      if (op == R_SUM) {
        o[p] = (float)row_sum(row, r);
      } else {
        float acc = row[0];
        if (op == R_MAX) {
          for (int j = 1; j < r; j++) acc = row[j] > acc ? row[j] : acc;
        } else {
          for (int j = 1; j < r; j++) acc = row[j] < acc ? row[j] : acc;
        }
        o[p] = acc;
      }
    }
    return;
  }
  /* inner > 1: accumulate whole rows of `inner` for contiguous access (sums in a double row, max and min in
     the output row itself); threads split the outer index, or the columns when there is one outer slice. */
  const int split_inner = outer == 1;
#pragma omp parallel if (work >= MM_PAR_MIN)
  {
    long lo = 0, hi = outer, ilo = 0, ihi = inner;
    if (split_inner) mm_chunk(inner, &ilo, &ihi);
    else mm_chunk(outer, &lo, &hi);
    const int w = (int)(ihi - ilo);
    double *acc = op == R_SUM && w > 0 ? malloc(sizeof(double) * (size_t)w) : NULL;
    for (long p = lo; p < hi && w > 0; p++) {
      const float *base = x + p * r * inner + ilo;
      float *restrict out = o + p * inner + ilo;
      if (op == R_SUM) {
        for (int i = 0; i < w; i++) acc[i] = 0.0;
        for (int j = 0; j < r; j++) {
          const float *restrict row = base + (long)j * inner;
          for (int i = 0; i < w; i++) acc[i] += row[i];
        }
        for (int i = 0; i < w; i++) out[i] = (float)acc[i];
      } else {
        for (int i = 0; i < w; i++) out[i] = base[i];
        for (int j = 1; j < r; j++) {
          const float *restrict row = base + (long)j * inner;
          if (op == R_MAX) {
            for (int i = 0; i < w; i++) out[i] = row[i] > out[i] ? row[i] : out[i];
          } else {
            for (int i = 0; i < w; i++) out[i] = row[i] < out[i] ? row[i] : out[i];
          }
        }
      }
    }
    free(acc);
  }
}

/*
 * Copies `shape` elements from src (offset, strides) to dst (offset, strides), after coalescing. Rows of
 * the last dimension are split between threads; unit-stride rows are memcpy.
 */
void mm_copy_strided(const float *src, int src_offset, const int *src_strides, float *dst, int dst_offset,
                     const int *dst_strides, const int *shape_in, int nd) {
  int shape[MM_MAX_RANK], ss[MM_MAX_RANK], ds[MM_MAX_RANK];
  long total;
  nd = mm_strided_dims(nd, shape_in, src_strides, dst_strides, shape, ss, ds, &total);
  if (nd == 0) return;
  src += src_offset;
  dst += dst_offset;
  const int n = shape[nd - 1], s = ss[nd - 1], t = ds[nd - 1];
  const long rows = total / n;
  if (rows == 1 && s == 1 && t == 1) {
#pragma omp parallel if (n >= 4 * MM_PAR_MIN)
    {
      long lo, hi;
      mm_chunk(n, &lo, &hi);
      memcpy(dst + lo, src + lo, sizeof(float) * (size_t)(hi - lo));
    }
    return;
  }
#pragma omp parallel for schedule(static) if (total >= MM_PAR_MIN)
  for (long r = 0; r < rows; r++) {
    long so, dof;
    mm_row_offsets(r, nd, shape, ss, ds, &so, &dof);
    const float *restrict a = src + so;
    float *restrict b = dst + dof;
    if (s == 1 && t == 1) memcpy(b, a, sizeof(float) * (size_t)n);
    else if (t == 1) for (int j = 0; j < n; j++) b[j] = a[(long)j * s];
    else for (int j = 0; j < n; j++) b[(long)j * t] = a[(long)j * s];
  }
}

/* Index of the first entry of idx that is not an integer in [0, axis_len), or -1. */
static int first_bad_index(const float *idx, int n_idx, int axis_len) {
  for (int j = 0; j < n_idx; j++) {
    float v = idx[j];
    if (!(v >= 0.0f && v < (float)axis_len) || v != floorf(v)) return j;
  }
  return -1;
}

/* out[p, j, :] = x[p, idx[j], :]; returns -1, or the position of a bad index (nothing written then). */
int mm_gather(const float *x, const float *idx, float *o, int outer, int axis_len, int inner, int n_idx) {
  int bad = first_bad_index(idx, n_idx, axis_len);
  if (bad >= 0) return bad;
  const long rows = (long)outer * n_idx;
#pragma omp parallel for schedule(static) if (rows * inner >= MM_PAR_MIN)
  for (long pj = 0; pj < rows; pj++) {
    const long p = pj / n_idx, j = pj % n_idx;
    memcpy(o + pj * inner, x + (p * axis_len + (long)idx[j]) * inner, sizeof(float) * (size_t)inner);
  }
  return -1;
}

/*
 * out[p, idx[j], :] += g[p, j, :]; returns -1, or the position of a bad index. Repeated indices add up in
 * order of j, so threads split the outer index and the inner columns, never j.
 */
int mm_scatter_add(const float *g, const float *idx, float *o, int outer, int axis_len, int inner, int n_idx) {
  int bad = first_bad_index(idx, n_idx, axis_len);
  if (bad >= 0) return bad;
  const long work = (long)outer * n_idx * inner;
  const int split_inner = outer == 1;
#pragma omp parallel if (work >= MM_PAR_MIN)
  {
    long lo = 0, hi = outer, ilo = 0, ihi = inner;
    if (split_inner) mm_chunk(inner, &ilo, &ihi);
    else mm_chunk(outer, &lo, &hi);
    for (long p = lo; p < hi; p++) {
      for (int j = 0; j < n_idx; j++) {
        float *restrict dst = o + (p * axis_len + (long)idx[j]) * inner;
        const float *restrict src = g + (p * n_idx + j) * (long)inner;
        for (long i = ilo; i < ihi; i++) dst[i] += src[i];
      }
    }
  }
  return -1;
}
