/*
 * Row kernels over [rows, cols]: softmax and log-softmax with their gradients, and the row normalisation
 * under LayerNorm with its gradient. Each forward sits beside its backward. Rows are split between threads;
 * a row itself runs as plain loops the compiler vectorises (max, shifted exp, sum, scale). Sums accumulate
 * in double; `omp simd reduction` lets the compiler keep several partial sums in a vector (a reordering
 * it may not do by itself without -ffast-math).
 */
#include "common.h"

static float row_max(const float *restrict x, int n) {
  float m = -INFINITY;
  for (int j = 0; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

/* y = softmax(x) (or log-softmax) along each row; one exp per element, stored and then scaled. */
void mm_softmax(const float *x, float *o, int rows, int cols, int log_softmax) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= MM_PAR_MIN)
  for (int r = 0; r < rows; r++) {
    const float *restrict xr = x + (long)r * cols;
    float *restrict yr = o + (long)r * cols;
    const float m = row_max(xr, cols);
    double s = 0;
    if (log_softmax) {
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < cols; j++) s += mm_expf(xr[j] - m);
      /* x - lse in double: both are large where the result is small */
      const double lse = m + log(s);
      for (int j = 0; j < cols; j++) yr[j] = (float)(xr[j] - lse);
    } else {
      for (int j = 0; j < cols; j++) yr[j] = mm_expf(xr[j] - m);
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < cols; j++) s += yr[j];
      const float inv = (float)(1.0 / s);
      for (int j = 0; j < cols; j++) yr[j] *= inv;
    }
  }
}

/*
 * Backward of mm_softmax from its output y: softmax gx = y (gy - <gy, y>); log-softmax
 * gx = gy - e^y sum(gy).
 */
void mm_softmax_grad(const float *y, const float *gy, float *o, int rows, int cols, int log_softmax) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= MM_PAR_MIN)
  for (int r = 0; r < rows; r++) {
    const float *restrict yr = y + (long)r * cols, *restrict gr = gy + (long)r * cols;
    float *restrict out = o + (long)r * cols;
    double s = 0;
    if (log_softmax) {
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < cols; j++) s += gr[j];
      /* libm's double exp: the product with a large sum(gy) magnifies a float exp's last-bit error */
      for (int j = 0; j < cols; j++) out[j] = (float)(gr[j] - exp((double)yr[j]) * s);
    } else {
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < cols; j++) s += gr[j] * yr[j];
      /* gy - dot in double: the two nearly cancel where y is large */
      for (int j = 0; j < cols; j++) out[j] = (float)(yr[j] * (gr[j] - s));
    }
  }
}

/* xhat = (x - mean) * rstd per row, rstd = 1 / sqrt(var + eps) with the biased variance (two passes). */
void mm_normalize_rows(const float *x, float *o, float *mean, float *rstd, int rows, int cols, float eps) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= MM_PAR_MIN)
  for (int r = 0; r < rows; r++) {
    const float *restrict xr = x + (long)r * cols;
    float *restrict out = o + (long)r * cols;
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < cols; j++) s += xr[j];
    const float mu = (float)(s / cols);
    double v = 0;
#pragma omp simd reduction(+ : v)
    for (int j = 0; j < cols; j++) {
      const float d = xr[j] - mu;
      v += (double)d * d;
    }
    const float rs = (float)(1.0 / sqrt(v / cols + eps));
    mean[r] = mu;
    rstd[r] = rs;
    for (int j = 0; j < cols; j++) out[j] = (xr[j] - mu) * rs;
  }
}

/* Backward of mm_normalize_rows: gx = rstd (g - mean(g) - xhat mean(g xhat)). */
void mm_normalize_rows_grad(const float *xhat, const float *rstd, const float *g, float *o, int rows, int cols) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= MM_PAR_MIN)
  for (int r = 0; r < rows; r++) {
    const float *restrict xr = xhat + (long)r * cols, *restrict gr = g + (long)r * cols;
    float *restrict out = o + (long)r * cols;
    double sg = 0, sgx = 0;
#pragma omp simd reduction(+ : sg, sgx)
    for (int j = 0; j < cols; j++) {
      sg += gr[j];
      sgx += (double)gr[j] * xr[j];
    }
    const float mg = (float)(sg / cols), mgx = (float)(sgx / cols), rs = rstd[r];
    for (int j = 0; j < cols; j++) out[j] = rs * (gr[j] - mg - xr[j] * mgx);
  }
}
