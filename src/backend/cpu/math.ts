/** Scalar math helpers shared by the CPU kernels. */

/** erf(x), Abramowitz & Stegun 7.1.26 refined (max abs error ~1.2e-7, below float32 resolution near 1). */
export function erf(x: number): number {
  // W. J. Cody-style rational approximation would be more exact; this series form is accurate to ~1e-7.
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  // Numerical Recipes erfc Chebyshev fit (fractional error < 1.2e-7 everywhere).
  const y = t *
    Math.exp(
      -ax * ax - 1.26551223 +
        t * (1.00002368 +
            t * (0.37409196 +
                t * (0.09678418 +
                    t * (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return sign * (1 - y);
}

export const SQRT1_2: number = Math.SQRT1_2;
export const INV_SQRT_2PI: number = 1 / Math.sqrt(2 * Math.PI);
export const GELU_TANH_C: number = Math.sqrt(2 / Math.PI);

/** Numerically stable softplus log(1 + e^x). */
export function softplus(x: number): number {
  return x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x));
}

/** Numerically stable logistic function. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
