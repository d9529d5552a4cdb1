/*
 * The linear probe's objective in double: for multinomial logistic regression with weights W [K, D]
 * (class-major) and bias b [K], the weighted cross-entropy sum over samples and its gradient,
 *   loss = sum_i w_i CE(W x_i + b, y_i),   dL/dz_i = w_i (softmax(z_i) - e_{y_i}),
 *   dL/dW = sum_i dL/dz_i x_i^T,           dL/db = sum_i dL/dz_i.
 * The caller (src/eval/logistic_objective.ts) divides by the weight sum and adds the norm penalty. Threads
 * take contiguous blocks of samples into private gradient rows, summed afterwards in thread order, so a
 * given thread count always gives the same bits.
 */
#include "common.h"

/* Writes the logit gradient of one sample into z (in place) and returns its weighted loss. */
static double softmax_gradient(double *z, int K, int yi, double wi) {
  double mx = z[0];
  for (int k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
  const double zy = z[yi];
  double se = 0;
  for (int k = 0; k < K; k++) {
    z[k] = exp(z[k] - mx);
    se += z[k];
  }
  const double s = wi / se;
  for (int k = 0; k < K; k++) z[k] *= s;
  z[yi] -= wi;
  return wi * (mx + log(se) - zy);
}

/*
 * theta = [W (K*D), b (K)]; grad has the same layout and is overwritten. Returns the weighted loss sum, or
 * -1 when the scratch memory cannot be allocated.
 */
double mm_logistic_loss_grad(const double *x, const int *y, const double *sample_weight, int n, int dim, int K,
                             const double *theta, double *grad) {
  const long width = (long)K * dim + K;
  const int max_threads = mm_threads_for((long)n * dim * K);
  double *partial = calloc((size_t)max_threads * (size_t)(width + 1), sizeof(double));
  double *zbuf = malloc(sizeof(double) * (size_t)max_threads * (size_t)K);
  if (!partial || !zbuf) {
    free(partial);
    free(zbuf);
    return -1.0; /* the loss is never negative: the caller reports the failed allocation */
  }
  int used = 1;
#pragma omp parallel num_threads(max_threads) if (max_threads > 1)
  {
    const int t = mm_thread_id();
#pragma omp single
    used = mm_team_size();
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    double *g = partial + (long)t * (width + 1), *gb = g + (long)K * dim, *z = zbuf + (long)t * K;
    double loss = 0;
    for (long i = lo; i < hi; i++) {
      const double *restrict xi = x + i * dim;
      for (int k = 0; k < K; k++) {
        const double *restrict wk = theta + (long)k * dim;
        double a = 0;
#pragma omp simd reduction(+ : a)
        for (int d = 0; d < dim; d++) a += xi[d] * wk[d];
        z[k] = a + theta[(long)K * dim + k];
      }
      loss += softmax_gradient(z, K, y[i], sample_weight ? sample_weight[i] : 1.0);
      for (int k = 0; k < K; k++) {
        const double gk = z[k];
        double *restrict gw = g + (long)k * dim;
        gb[k] += gk;
        for (int d = 0; d < dim; d++) gw[d] += gk * xi[d];
      }
    }
    g[width] = loss;
  }
  double loss = 0;
  for (long j = 0; j < width; j++) grad[j] = 0;
  for (int t = 0; t < used; t++) {
    const double *g = partial + (long)t * (width + 1);
    for (long j = 0; j < width; j++) grad[j] += g[j];
    loss += g[width];
  }
  free(partial);
  free(zbuf);
  return loss;
}
