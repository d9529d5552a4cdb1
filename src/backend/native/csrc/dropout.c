/*
 * Inverted dropout with counter-based coins: out[i] = x[i] * (hash(seed, i) < keep * 2^32 ? scale : 0).
 * The coins are those of src/random/hash_mask.ts bit for bit (the lowbias32 finaliser over a Weyl sequence
 * from hash(seed)), so a run draws the same masks with or without native kernels. Being a function of the
 * index, a coin needs no stored mask: the backward is this same kernel applied to the upstream gradient.
 */
#include "common.h"

/* lowbias32: xor-shift-multiply rounds with good avalanche. */
static inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/* Elements [first, first + n) over restrict pointers with an int index (the form gcc vectorises). */
static void dropout_chunk(const float *restrict x, float *restrict o, int n, uint32_t first, double threshold,
                          float scale, uint32_t base) {
  for (int i = 0; i < n; i++) {
    const uint32_t h = hash32(base + (first + (uint32_t)i) * 0x9e3779b9u);
    o[i] = (double)h < threshold ? x[i] * scale : 0.0f * x[i]; /* x * 0 keeps -0 and NaN, as x * mask does */
  }
}

/* x may equal o (in place). */
void mm_dropout(const float *x, float *o, int n, double keep_prob, float scale, uint32_t seed) {
  const double threshold = keep_prob * 4294967296.0;
  const uint32_t base = hash32(seed);
#pragma omp parallel if (n >= MM_PAR_MIN)
  {
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    dropout_chunk(x + lo, o + lo, (int)(hi - lo), (uint32_t)lo, threshold, scale, base);
  }
}
