/*
 * The epilogue of a linear layer, forward beside backward, over y [rows, cols] (the GEMM's output):
 *   forward:  y = act(y + bias)          in place, one pass (instead of a bias copy before a beta = 1 GEMM,
 *                                        and a separate activation pass into a new buffer)
 *   backward: g = gy * act'(.) from y;  gbias = column sums of g   (one pass instead of two)
 * act is 0 (none) or 1 (ReLU: act'(pre) = y > 0, readable from the output). Rows are split between threads;
 * each thread sums its rows' gradient into a private row, added up in thread order afterwards.
 */
#include "common.h"

void mm_bias_act(float *y, const float *bias, int rows, int cols, int act) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= MM_PAR_MIN)
  for (int r = 0; r < rows; r++) {
    float *restrict yr = y + (long)r * cols;
    if (bias && act == 1)
      for (int j = 0; j < cols; j++) yr[j] = yr[j] + bias[j] > 0.0f ? yr[j] + bias[j] : 0.0f;
    else if (bias)
      for (int j = 0; j < cols; j++) yr[j] += bias[j];
    else if (act == 1)
      for (int j = 0; j < cols; j++) yr[j] = yr[j] > 0.0f ? yr[j] : 0.0f;
  }
}

/* g may be gy (in place). gbias (cols) is written whole when not NULL; returns -1 if scratch fails. */
int mm_bias_act_grad(const float *y, const float *gy, float *g, float *gbias, int rows, int cols, int act) {
  const long work = (long)rows * cols;
  const int max_threads = mm_threads_for(work);
  double *partial = gbias ? calloc((size_t)max_threads * (size_t)cols, sizeof(double)) : NULL;
  if (gbias && !partial) return -1;
  int used = 1;
#pragma omp parallel num_threads(max_threads) if (max_threads > 1)
  {
    const int t = mm_thread_id();
#pragma omp single
    used = mm_team_size();
    long lo, hi;
    mm_chunk(rows, &lo, &hi);
    double *restrict acc = partial ? partial + (long)t * cols : NULL;
    for (long r = lo; r < hi; r++) {
      const float *restrict yr = y + r * cols, *gr = gy + r * cols;
      float *gout = g + r * cols;
      if (act == 1)
        for (int j = 0; j < cols; j++) gout[j] = yr[j] > 0.0f ? gr[j] : 0.0f;
      else if (gout != gr)
        for (int j = 0; j < cols; j++) gout[j] = gr[j];
      if (acc)
        for (int j = 0; j < cols; j++) acc[j] += gout[j];
    }
  }
  if (gbias) {
    for (int j = 0; j < cols; j++) {
      double s = 0;
      for (int t = 0; t < used; t++) s += partial[(long)t * cols + j];
      gbias[j] = (float)s;
    }
    free(partial);
  }
  return 0;
}
