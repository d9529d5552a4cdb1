/** Gradient clipping by the global norm (torch.nn.utils.clip_grad_norm_). */
import { copyValues } from "../nn/module.ts";
import { abs, max, mul, mulScalar, noGrad, stack, sum, type Tensor, tidy } from "../tensor/mod.ts";

/**
 * The global `normType` norm (2 or Infinity) of the gradients of `params` (0 when none has one); NaN or
 * Infinity when a gradient holds one. One scalar is read back.
 */
export function gradNorm(params: Tensor[], normType: number = 2): number {
  if (normType !== 2 && normType !== Infinity) {
    throw new Error(`gradNorm: normType must be 2 or Infinity, got ${normType}`);
  }
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return 0;
  return noGrad(() =>
    tidy(() => {
      if (normType === Infinity) return max(stack(grads.map((g) => max(abs(g))))).item();
      return Math.sqrt(sum(stack(grads.map((g) => sum(mul(g, g))))).item());
    })
  );
}

/**
 * Scales the gradients of `params` in place so that their global `normType` norm (2 or Infinity) is at most
 * `maxNorm`; returns the norm before clipping. Parameters without a gradient are ignored. A non-finite norm
 * is returned as is and leaves the gradients untouched.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number, normType: number = 2): number {
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  const total = gradNorm(params, normType);
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    noGrad(() => tidy(() => grads.forEach((g) => copyValues(g, mulScalar(g, coef)))));
  }
  return total;
}
