/** Scalar math helpers shared by the CPU kernels (and, for the erfc fit, by the gpu.js kernels). */

/**
 * erf(x) from the Numerical Recipes Chebyshev fit of erfc (fractional error below 1.2e-7; the largest
 * absolute error against a float64 series on [-4, 4] was 8.3e-8), mirrored for negative x.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const y = t * expf(erfcFitExponent(ax, t));
  return x < 0 ? y - 1 : 1 - y;
}

/**
 * The exponent of the erfc fit at |x| = ax, t = 1 / (1 + ax / 2): erfc(ax) ≈ t · e^(this). The fit's
 * constants live only here: the gpu.js backend compiles this function into its kernels as a helper
 * (src/backend/gpujs/kernels_elementwise.ts), so it must stay plain arithmetic on its arguments, with no
 * reference to anything else in this module.
 */
export function erfcFitExponent(ax: number, t: number): number {
  return -ax * ax - 1.26551223 +
    t * (1.00002368 +
        t * (0.37409196 +
            t * (0.09678418 +
                t * (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
}

/** 1/√2, the erf argument scale of exact GELU: Φ(x) = (1 + erf(x/√2)) / 2. */
export const SQRT1_2: number = Math.SQRT1_2;
/** 1/√(2π), the standard normal density at 0 (used by the GELU derivative). */
export const INV_SQRT_2PI: number = 1 / Math.sqrt(2 * Math.PI);
/** √(2/π), the inner scale of the tanh GELU approximation. */
export const GELU_TANH_C: number = Math.sqrt(2 / Math.PI);

// exp for float32 results: x = (64k + j)·ln2/64 + r with |r| <= ln2/128, so
// e^x = 2^(k) · 2^(j/64) · e^r, e^r by a degree-4 Taylor polynomial (relative error about 4e-14, far below
// float32's 6e-8). About five times faster than Math.exp in V8. Clamping x (not branching out early) keeps
// the function a pure double computation that V8 inlines into the kernels' loops.
const EXP_SCALE = 64 / Math.LN2;
const EXP_STEP = Math.LN2 / 64;
const ROUND_MAGIC = 6755399441055744; // 1.5·2^52: adding and subtracting it rounds a double to an integer
const EXP_FRAC = Float64Array.from({ length: 64 }, (_, j) => Math.pow(2, j / 64));
const EXP_POW2_BIAS = 152; // 2^k for k in [-152, 147]: x clamped to [-104, 102]
const EXP_POW2 = Float64Array.from({ length: 300 }, (_, k) => Math.pow(2, k - EXP_POW2_BIAS));

/**
 * e^x to float32 accuracy. Below -104 the result is under 2^-150 and rounds to 0 when stored as float32;
 * above 88.8 it is past float32's range and rounds to Infinity (the double keeps growing up to x = 102, so
 * 1 / (1 + e^x) is below 1e-44 there); NaN gives NaN.
 */
export function expf(x: number): number {
  const c = x < -104 ? -104 : x > 102 ? 102 : x;
  const k = (c * EXP_SCALE + ROUND_MAGIC) - ROUND_MAGIC;
  const r = c - k * EXP_STEP;
  const ki = k | 0; // NaN gives 0 here and NaN through r
  return EXP_POW2[(ki >> 6) + EXP_POW2_BIAS] * EXP_FRAC[ki & 63] *
    (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
}

/** Numerically stable softplus log(1 + e^x). */
export function softplus(x: number): number {
  return x > 20 ? x : x < -20 ? expf(x) : Math.log1p(expf(x));
}

/**
 * Logistic function. 1 / (1 + e^-x) is stable as it stands: e^-x is huge only where the result is 0
 * anyway, and 1 + e^-x keeps full relative precision; no branch on the sign (random signs
 * defeat branch prediction).
 */
export function sigmoid(x: number): number {
  return 1 / (1 + expf(-x));
}
