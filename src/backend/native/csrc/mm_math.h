/*
 * The scalar formulas of the elementwise kernels, written once. The CPU's native kernels include this file
 * with MM_REAL = float and MM_EXP = mm_expf (the vectorisable exp in common.h); a device compiler can include
 * it with its own MM_FN qualifier, MM_REAL, MM_EXP and MM_LOG1P (for instance __device__, double, exp and
 * log1p).
 *
 * Each forward function sits beside its derivative, as f(x) and f'(x).
 */
#ifndef MM_MATH_H
#define MM_MATH_H

#ifndef MM_FN
#define MM_FN static inline
#endif
#ifndef MM_REAL
#define MM_REAL float
#endif
#if !defined(MM_EXP) || !defined(MM_LOG1P)
#error "define MM_EXP and MM_LOG1P (for MM_REAL) before including mm_math.h"
#endif
/* e^x where x <= 0.5 is known (a cheaper exp may be supplied); MM_EXP otherwise. */
#ifndef MM_EXP_NONPOS
#define MM_EXP_NONPOS MM_EXP
#endif

#define MM_C(v) ((MM_REAL)(v))
/* |x| as one sign-bit clear (a compare and two selects when written x < 0 ? -x : x). */
#ifndef MM_ABS
#define MM_ABS(x) fabsf(x)
#endif
#define MM_SQRT1_2 MM_C(0.70710678118654752440)
#define MM_INV_SQRT_2PI MM_C(0.39894228040143267794)
#define MM_GELU_TANH_C MM_C(0.79788456080286535588) /* sqrt(2 / pi) */
#define MM_QUICK_GELU_K MM_C(1.702)

/* Logistic function; 1 / (1 + e^-x) is stable as written (e^-x overflows only where the result is 0). */
MM_FN MM_REAL mm_sigmoid(MM_REAL x) { return MM_C(1) / (MM_C(1) + MM_EXP(-x)); }
/*
 * sigmoid'(x) = s(x) (1 - s(x)) = e / (1 + e)^2 with e = e^-|x| (the function is even): one exp, and no
 * 1 - s, which rounds to 0 in float for large x.
 */
MM_FN MM_REAL mm_sigmoid_grad(MM_REAL x) {
  MM_REAL e = MM_EXP(x < 0 ? x : -x), r = MM_C(1) / (MM_C(1) + e);
  return e * r * r;
}

/* tanh'(x) = 1 - tanh^2 x = 4 s(2x) s(-2x), without the cancellation of 1 - t^2 as |t| nears 1. */
MM_FN MM_REAL mm_tanh_grad(MM_REAL x) { return MM_C(4) * mm_sigmoid_grad(MM_C(2) * x); }

/*
 * erfc(|x|) by the Numerical Recipes Chebyshev fit (fractional error below 1.2e-7). Kept as erfc so that
 * gelu's 1 + erf(x) for negative x is this value itself, with no cancellation. The degree-8 polynomial in t
 * is evaluated in Estrin's scheme (pairs, then pairs of pairs) rather than Horner's: the same polynomial
 * with half the chain of dependent multiply-adds, which is what bounds the vectorised loop.
 */
MM_FN MM_REAL mm_erfc_abs(MM_REAL x) {
  MM_REAL ax = MM_ABS(x);
  MM_REAL t = MM_C(1) / (MM_C(1) + MM_C(0.5) * ax);
  MM_REAL t2 = t * t, t4 = t2 * t2;
  MM_REAL a0 = MM_C(1.00002368) + t * MM_C(0.37409196), a1 = MM_C(0.09678418) + t * MM_C(-0.18628806);
  MM_REAL a2 = MM_C(0.27886807) + t * MM_C(-1.13520398), a3 = MM_C(1.48851587) + t * MM_C(-0.82215223);
  MM_REAL p = (a0 + t2 * a1) + t4 * ((a2 + t2 * a3) + t4 * MM_C(0.17087277));
  return t * MM_EXP_NONPOS(-ax * ax - MM_C(1.26551223) + t * p);
}

/* The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2. */
MM_FN MM_REAL mm_norm_cdf(MM_REAL x) {
  MM_REAL half_erfc = MM_C(0.5) * mm_erfc_abs(x * MM_SQRT1_2);
  return x < 0 ? half_erfc : MM_C(1) - half_erfc;
}

/* gelu(x) = x Phi(x); gelu'(x) = Phi(x) + x phi(x). */
MM_FN MM_REAL mm_gelu(MM_REAL x) { return x * mm_norm_cdf(x); }
MM_FN MM_REAL mm_gelu_grad(MM_REAL x) {
  return mm_norm_cdf(x) + x * MM_INV_SQRT_2PI * MM_EXP_NONPOS(MM_C(-0.5) * x * x);
}

/* quickGelu(x) = x sigmoid(1.702 x), CLIP's approximation. */
MM_FN MM_REAL mm_quick_gelu(MM_REAL x) { return x * mm_sigmoid(MM_QUICK_GELU_K * x); }
MM_FN MM_REAL mm_quick_gelu_grad(MM_REAL x) {
  /* s(kx) and s'(kx) from one e = e^-|kx|: s = 1 / (1 + e) for kx >= 0, e / (1 + e) below */
  MM_REAL kx = MM_QUICK_GELU_K * x, e = MM_EXP(kx < 0 ? kx : -kx), r = MM_C(1) / (MM_C(1) + e);
  MM_REAL s = kx < 0 ? e * r : r;
  return s + kx * e * r * r;
}

/* softplus(x) = log(1 + e^x), linear above 20 and e^x below -20 (where log1p(e^x) rounds to it). */
MM_FN MM_REAL mm_softplus(MM_REAL x) {
  return x > MM_C(20) ? x : x < MM_C(-20) ? MM_EXP(x) : MM_LOG1P(MM_EXP(x));
}

/*
 * The tanh form of gelu, 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), written as x s(2u)
 * (the same function: 1 + tanh(u) = 2 s(2u)) so that large negative x loses nothing to 1 + tanh(u).
 * Derivative: s(2u) + x s'(2u) 2u'.
 */
MM_FN MM_REAL mm_gelu_tanh(MM_REAL x) {
  return x * mm_sigmoid(MM_C(2) * MM_GELU_TANH_C * (x + MM_C(0.044715) * x * x * x));
}
MM_FN MM_REAL mm_gelu_tanh_grad(MM_REAL x) {
  MM_REAL u2 = MM_C(2) * MM_GELU_TANH_C * (x + MM_C(0.044715) * x * x * x);
  MM_REAL du2 = MM_C(2) * MM_GELU_TANH_C * (MM_C(1) + MM_C(3 * 0.044715) * x * x);
  return mm_sigmoid(u2) + x * mm_sigmoid_grad(u2) * du2;
}

#endif
