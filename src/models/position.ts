/**
 * The fixed 2-D sine-cosine position embedding the patched adapter adds to its grid of tokens.
 *
 * @module
 */

/**
 * Fixed 2-D sine-cosine position embedding for an h x w token grid (MoCo v3 / MAE style): half the channels
 * encode the column, half the row, each as sin/cos at geometric frequencies (temperature 10000). Returns
 * [h·w, dim] row-major, tokens in row-major grid order; throws when dim is not divisible by 4.
 */
export function sinCos2dEmbedding(h: number, w: number, dim: number): Float32Array {
  if (dim % 4 !== 0) throw new Error(`2-D sin-cos embedding needs a width divisible by 4, got ${dim}`);
  const quarter = dim / 4;
  const out = new Float32Array(h * w * dim);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const base = (y * w + x) * dim;
      for (let i = 0; i < quarter; i++) {
        const omega = 1 / Math.pow(10000, i / quarter);
        out[base + i] = Math.sin(x * omega);
        out[base + quarter + i] = Math.cos(x * omega);
        out[base + 2 * quarter + i] = Math.sin(y * omega);
        out[base + 3 * quarter + i] = Math.cos(y * omega);
      }
    }
  }
  return out;
}
