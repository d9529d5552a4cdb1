/**
 * Loss and gradient of L2-norm-penalised multinomial logistic regression as an L-BFGS objective:
 *
 *   L(W, b) = Σᵢ wᵢ·CE(W·xᵢ + b, yᵢ) / Σᵢ wᵢ  +  (1/C)·0.5·‖W‖_F
 *
 * over θ = [W (K·D, class-major: row k holds class k's D weights), b (K)]. The penalty uses the
 * Frobenius NORM (not its square) and skips the bias. At W = 0, where ‖W‖ is not differentiable, the
 * penalty contributes 0 to the gradient (torch's convention for norm()).
 *
 * The kernel handles 4 samples per pass so each weight loaded feeds 4 multiply-adds (about 3x faster than
 * one sample at a time for D of a few hundred); the forward and backward passes of a block share the
 * block's rows while they are in cache.
 */

import type { Objective } from "./lbfgs.ts";
import { loadNativeKernels } from "../backend/native/library.ts";

/** Training data of the objective: features [N, D] (already standardised if wanted) and labels. */
export interface LogisticData {
  /** Features [N, D] row-major. */
  x: Float64Array;
  /** Labels [N] in 0..K-1. */
  y: Int32Array;
  /** Per-sample weights (default all 1). */
  sampleWeight?: Float64Array;
}

/**
 * Turns logits z[o..o+K) of one sample into wᵢ·(softmax(z) − e_y), the gradient of its weighted loss
 * w.r.t. the logits, and returns the weighted loss wᵢ·CE.
 */
function softmaxGradient(z: Float64Array, o: number, K: number, yi: number, wi: number): number {
  let mx = z[o];
  for (let k = 1; k < K; k++) if (z[o + k] > mx) mx = z[o + k];
  const zy = z[o + yi];
  let se = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp(z[o + k] - mx);
    z[o + k] = e;
    se += e;
  }
  const s = wi / se;
  for (let k = 0; k < K; k++) z[o + k] *= s;
  z[o + yi] -= wi;
  return wi * (mx + Math.log(se) - zy);
}

/**
 * Builds the objective for the given data, class count and C (> 0). The data term runs in the native CPU
 * kernels (csrc/logistic.c, threaded) when they are built, else in TypeScript; `native: false` forces the
 * TypeScript one. Both sum the same terms in double, in different orders.
 */
export function logisticObjective(
  data: LogisticData,
  dim: number,
  numClasses: number,
  C: number,
  opts: { native?: boolean } = {},
): Objective {
  const { x, y, sampleWeight: sw } = data;
  const n = y.length;
  const K = numClasses;
  const bOff = dim * K;
  if (x.length !== n * dim) {
    throw new Error(`logisticObjective: features have length ${x.length}, expected ${n}·${dim}`);
  }
  let sumW = n;
  if (sw) {
    sumW = 0;
    for (let i = 0; i < n; i++) sumW += sw[i];
  }
  const invSumW = 1 / sumW;
  const regScale = 0.5 / C;
  const native = opts.native === false ? null : loadNativeKernels({ quiet: true });
  if (native?.ok) {
    const f = native.lib.symbols.mm_logistic_loss_grad;
    const px = Deno.UnsafePointer.of(x), py = Deno.UnsafePointer.of(y);
    const pw = sw ? Deno.UnsafePointer.of(sw) : null;
    return (theta: Float64Array, grad: Float64Array): number => {
      const sum = f(px, py, pw, n, dim, K, theta, grad);
      if (sum < 0) throw new Error(`logisticObjective: out of memory for ${K}x${dim} gradient scratch`);
      for (let j = 0; j < grad.length; j++) grad[j] *= invSumW;
      return sum * invSumW + addPenalty(theta, grad, bOff, regScale);
    };
  }
  const z = new Float64Array(4 * K);
  const K2 = 2 * K;
  const K3 = 3 * K;

  return (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o0 = i * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      for (let k = 0; k < K; k++) {
        const wo = k * dim;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let d = 0; d < dim; d++) {
          const w = theta[wo + d];
          a0 += x[o0 + d] * w;
          a1 += x[o1 + d] * w;
          a2 += x[o2 + d] * w;
          a3 += x[o3 + d] * w;
        }
        const b = theta[bOff + k];
        z[k] = a0 + b;
        z[K + k] = a1 + b;
        z[K2 + k] = a2 + b;
        z[K3 + k] = a3 + b;
      }
      loss += softmaxGradient(z, 0, K, y[i], sw ? sw[i] : 1);
      loss += softmaxGradient(z, K, K, y[i + 1], sw ? sw[i + 1] : 1);
      loss += softmaxGradient(z, K2, K, y[i + 2], sw ? sw[i + 2] : 1);
      loss += softmaxGradient(z, K3, K, y[i + 3], sw ? sw[i + 3] : 1);
      for (let k = 0; k < K; k++) {
        const g0 = z[k], g1 = z[K + k], g2 = z[K2 + k], g3 = z[K3 + k];
        grad[bOff + k] += g0 + g1 + g2 + g3;
        const go = k * dim;
        for (let d = 0; d < dim; d++) {
          grad[go + d] += g0 * x[o0 + d] + g1 * x[o1 + d] + g2 * x[o2 + d] + g3 * x[o3 + d];
        }
      }
    }
    for (; i < n; i++) {
      const o = i * dim;
      for (let k = 0; k < K; k++) {
        const wo = k * dim;
        let a = theta[bOff + k];
        for (let d = 0; d < dim; d++) a += x[o + d] * theta[wo + d];
        z[k] = a;
      }
      loss += softmaxGradient(z, 0, K, y[i], sw ? sw[i] : 1);
      for (let k = 0; k < K; k++) {
        const g = z[k];
        grad[bOff + k] += g;
        const go = k * dim;
        for (let d = 0; d < dim; d++) grad[go + d] += g * x[o + d];
      }
    }
    loss *= invSumW;
    for (let j = 0; j < grad.length; j++) grad[j] *= invSumW;
    return loss + addPenalty(theta, grad, bOff, regScale);
  };
}

/** Adds the penalty's gradient regScale·W/‖W‖ to grad (0 at W = 0) and returns the penalty regScale·‖W‖. */
function addPenalty(theta: Float64Array, grad: Float64Array, bOff: number, regScale: number): number {
  let sq = 0;
  for (let j = 0; j < bOff; j++) sq += theta[j] * theta[j];
  const norm = Math.sqrt(sq);
  if (norm > 0) {
    const c = regScale / norm;
    for (let j = 0; j < bOff; j++) grad[j] += c * theta[j];
  }
  return regScale * norm;
}
