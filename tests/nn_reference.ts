/** Float64 reference computations shared by the nn tests. */
import type { Tensor } from "../src/tensor/mod.ts";

/** A tensor's values as float64. */
export const f64 = (t: Tensor): Float64Array => Float64Array.from(t.dataSync());

/** y = x Wᵀ + b in float64 for x [n, inF], W [outF, inF]. */
export function linear64(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array | null,
  n: number,
  inF: number,
  outF: number,
): Float64Array {
  const y = new Float64Array(n * outF);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s;
    }
  }
  return y;
}
