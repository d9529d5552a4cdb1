/**
 * Fast seeded Bernoulli masks for dropout. Dropout draws tens of millions of coins per step, too many for
 * Philox in TypeScript (~30 ns each); dropout needs no cross-device bit equality, so each coin is a 32-bit
 * integer hash of (seed, index) instead (~2 ns). The 32-bit seed of each call comes from the run's Philox
 * stream, so runs stay reproducible.
 */

/** A 32-bit avalanche hash (the lowbias32 finaliser: xor-shift-multiply rounds). */
function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Writes `scale` where the coin keeps the element (probability keepProb) and 0 elsewhere:
 * out[i] = hash(seed, i) < keepProb·2³² ? scale : 0.
 */
export function fillBernoulliMask(
  out: Float32Array,
  keepProb: number,
  scale: number,
  seed: number,
): Float32Array {
  if (!(keepProb >= 0 && keepProb <= 1)) {
    throw new Error(`fillBernoulliMask: keepProb must be in [0, 1], got ${keepProb}`);
  }
  const threshold = keepProb * 4294967296;
  const base = hash32(seed >>> 0);
  for (let i = 0; i < out.length; i++) {
    out[i] = hash32((base + Math.imul(i, 0x9e3779b9)) >>> 0) < threshold ? scale : 0;
  }
  return out;
}
