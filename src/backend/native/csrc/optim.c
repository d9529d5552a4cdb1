/*
 * Optimiser updates. AdamW with decoupled weight decay, as PyTorch computes it:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   p = p (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * In double per element (as the TypeScript kernel), rounded to float on store.
 */
#include "common.h"

void mm_adamw(float *p, const float *g, float *m, float *v, int n, double lr, double beta1, double beta2,
              double eps, double weight_decay, double step) {
  const double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(beta2, step);
  const double step_size = lr / bc1, sqrt_bc2 = sqrt(bc2), decay = 1.0 - lr * weight_decay;
#pragma omp parallel if (n >= MM_PAR_MIN)
  {
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    float *restrict pp = p, *restrict mm = m, *restrict vv = v;
    const float *restrict gg = g;
    for (long i = lo; i < hi; i++) {
      const double gi = gg[i];
      const double mi = beta1 * mm[i] + (1.0 - beta1) * gi;
      const double vi = beta2 * vv[i] + (1.0 - beta2) * gi * gi;
      mm[i] = (float)mi; /* the update uses the unrounded moments, as the TypeScript kernel does */
      vv[i] = (float)vi;
      pp[i] = (float)(pp[i] * decay - step_size * mi / (sqrt(vi) / sqrt_bc2 + eps));
    }
  }
}
