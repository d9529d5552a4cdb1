/**
 * NT-Xent, the SimCLR 2N-row contrastive loss with same-side negatives (docs/shared.md#nt-xent), as the official
 * CoMM / InfMasking / COrAL code computes it:
 *
 *   A = z1 z2ᵀ/τ,  S11 = z1 z1ᵀ/τ − 1e8·I,  S22 = z2 z2ᵀ/τ − 1e8·I,  M = [[A, S11], [S22, Aᵀ]]
 *   loss = −mean_k log_softmax(M)[k, positive(k)]   (positives: A's diagonal, in both halves)
 *
 * Implementation: with Z = [z1; z2] ([2N, D]) one product G = Z Zᵀ/τ holds every block. Row k of G is a
 * column permutation of row k of M (the top half has its two blocks swapped), and a row-wise log-softmax
 * does not depend on the column order, so −mean_k log_softmax(G − 1e8·I)[k, partner(k)] with
 * partner(k) = k ± N is the same number. The −1e8 diagonal shifts each self-similarity by 1e8: its exp
 * underflows to exactly 0 in float32, so neither the value nor the gradient sees it (the positive entries
 * are never shifted, and the softmax weight of a shifted entry is exactly 0).
 */
import {
  add,
  concat,
  l2Normalize,
  logSoftmax,
  matmul,
  mul,
  mulScalar,
  sum,
  type Tensor,
} from "../tensor/mod.ts";
import { checkPair, checkTau } from "./checks.ts";
import { constantLike } from "./constants.ts";

/** The shift the official code subtracts from self-similarities ("INF"). */
export const SELF_MASK: number = 1e8;

/**
 * NT-Xent (SimCLR's 2N-row contrastive loss with same-side negatives) of raw head outputs z1, z2 ([N, D]
 * each, row i of both a positive pair); both are L2-normalised here. Returns a scalar.
 *
 * @throws {Error} When z1 and z2 are not same-shape non-empty [N, D] batches, or tau is not a finite number
 * > 0.
 *
 * @example
 * ```ts
 * import { ntXent, randn } from "./mod.ts";
 * const z1 = randn([8, 32]), z2 = randn([8, 32]); // two views' projections [N, D]
 * const loss = ntXent(z1, z2, 0.1);
 * console.log(loss.shape, loss.item() > 0); // [] true
 * ```
 */
export function ntXent(z1: Tensor, z2: Tensor, tau: number): Tensor {
  checkPair("ntXent", "z1", z1, "z2", z2);
  checkTau("ntXent", tau);
  return ntXentUnit(l2Normalize(z1), l2Normalize(z2), tau);
}

/** NT-Xent of already L2-normalised [N, D] batches (no checks; for objectives that reuse normalisations). */
export function ntXentUnit(z1: Tensor, z2: Tensor, tau: number): Tensor {
  const n = z1.shape[0];
  const z = concat([z1, z2], 0); // [2N, D]
  const sim = mulScalar(matmul(z, z, { transB: true }), 1 / tau); // [2N, 2N]
  const logits = add(sim, selfPenalty(z, 2 * n));
  const logProb = logSoftmax(logits, 1);
  return mulScalar(sum(mul(logProb, partnerMask(z, n))), -1 / (2 * n));
}

/** [m, m] constant: −1e8 on the diagonal, 0 elsewhere. */
function selfPenalty(like: Tensor, m: number): Tensor {
  const v = new Float32Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = -SELF_MASK;
  return constantLike(like, v, [m, m]);
}

/** [2N, 2N] constant: 1 at (k, k+N) and (k+N, k), the positive pairs, 0 elsewhere. */
function partnerMask(like: Tensor, n: number): Tensor {
  const m = 2 * n;
  const v = new Float32Array(m * m);
  for (let k = 0; k < n; k++) {
    v[k * m + n + k] = 1;
    v[(n + k) * m + k] = 1;
  }
  return constantLike(like, v, [m, m]);
}
