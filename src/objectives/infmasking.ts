/**
 * The InfMasking objective (docs/infmasking.md#loss). For one view, with q_b the unmasked full fusion and k_{t,b}
 * (t = 1..K) its masked fusions, all L2-normalised head outputs:
 *
 *   μ_b = (1/K) Σ_t k_{t,b}  (not renormalised),  Σ_b = (1/K) Σ_t (k_{t,b} − μ_b)(k_{t,b} − μ_b)ᵀ
 *   v_b = λ q_bᵀ Σ_b q_b / τ²,  pos_b = q_b·μ_b/τ + ½ v_b
 *   negs_b = { q_b·k_{t,j}/τ : t, j ≠ b } ∪ { q_b·q_j/τ : j ≠ b }
 *   L = mean_b [−pos_b + logsumexp(pos_b, negs_b)] + mean_b ½ v_b
 *
 * Computing the quadratic form: with d_{t,b} = q_b·k_{t,b},
 *   q_bᵀ Σ_b q_b = (1/K) Σ_t (q_b·(k_{t,b} − μ_b))² = (1/K) Σ_t (d_{t,b} − mean_t d_{t,b})² = Var_t(d_{t,b}),
 * and q_b·μ_b = mean_t d_{t,b}. This is the same number as the official E×E covariance product, without
 * building B covariance matrices of size E×E. The "j ≠ b" entries are removed as the code does: −1e8 is
 * added before dividing by τ, so their exp is exactly 0.
 */
import {
  add,
  concat,
  l2Normalize,
  logSoftmax,
  matmul,
  mean,
  mul,
  mulScalar,
  reshape,
  slice,
  stack,
  sum,
  type Tensor,
  variance,
} from "../tensor/mod.ts";
import { checkFinite, checkPair, checkTau, resolveWeights } from "./checks.ts";
import { checkViewLists, commTermsUnit, weightedMean } from "./comm.ts";
import { tiledDiagonal } from "./constants.ts";
import { SELF_MASK } from "./nt_xent.ts";

/** Options of the masking term: temperature and the (already ramped) λ of this epoch. */
export interface InfMaskingLossOptions {
  /** Temperature τ (finite, > 0). */
  tau: number;
  /** Weight λ of the variance term for this epoch, already ramped (finite, >= 0; see lambdaRamp). */
  lambda: number;
}

/**
 * One view's InfMasking term: q is the unmasked full fusion [N, D], `masked` its K >= 1 masked full fusions
 * [N, D] (raw head outputs, L2-normalised here). Returns a scalar.
 *
 * @throws {Error} When masked is empty, a shape differs from q's, tau is invalid or lambda is negative.
 *
 * @example
 * ```ts
 * import { infMaskingLoss, randn } from "./mod.ts";
 * const q = randn([16, 32]);
 * const masked = [randn([16, 32]), randn([16, 32]), randn([16, 32])]; // K = 3
 * console.log(infMaskingLoss(q, masked, { tau: 0.1, lambda: 0.5 }).shape); // []
 * ```
 */
export function infMaskingLoss(q: Tensor, masked: Tensor[], opts: InfMaskingLossOptions): Tensor {
  checkMaskInputs("infMaskingLoss", "q", q, "masked", masked);
  checkTau("infMaskingLoss", opts.tau);
  checkFinite("infMaskingLoss", "lambda", opts.lambda, true);
  return infMaskingLossUnit(l2Normalize(q), masked.map((k) => l2Normalize(k)), opts.tau, opts.lambda);
}

/** The masking term from already-normalised q [B, E] and masked views (no checks). */
export function infMaskingLossUnit(q: Tensor, masked: Tensor[], tau: number, lambda: number): Tensor {
  const b = q.shape[0], k = masked.length;
  // d[t, b] = q_b · k_{t,b}
  const d = sum(mul(stack(masked, 0), q), 2); // [K, B]
  const qDotMu = mean(d, 0); // [B]
  const quad = variance(d, 0); // [B] = q_bᵀ Σ_b q_b (biased covariance)
  const v = mulScalar(quad, lambda / (tau * tau));
  const pos = add(mulScalar(qDotMu, 1 / tau), mulScalar(v, 0.5)); // [B]
  // Negatives: q against every masked view and against q itself, self pairs shifted by −1e8.
  const keys = concat([...masked, q], 0); // [(K+1)B, E]
  const negs = mulScalar(
    add(matmul(q, keys, { transB: true }), tiledDiagonal(q, b, k + 1, -SELF_MASK)),
    1 / tau,
  );
  const logits = concat([reshape(pos, [b, 1]), negs], 1); // [B, 1 + (K+1)B]
  const crossEntropy = mulScalar(sum(slice(logSoftmax(logits, 1), 1, 0, 1)), -1 / b);
  return add(crossEntropy, mulScalar(mean(v), 0.5));
}

/**
 * λ ramped linearly over training: λ·(epoch+1)/maxEpochs, epoch 0-based (the trainer applies it).
 *
 * @throws {Error} When lambda is negative or not finite, maxEpochs is not an integer >= 1 or epoch not an
 * integer >= 0.
 *
 * @example
 * ```ts
 * import { lambdaRamp } from "./mod.ts";
 * console.log(lambdaRamp(1, 0, 4), lambdaRamp(1, 3, 4)); // 0.25 1
 * ```
 */
export function lambdaRamp(lambda: number, epoch: number, maxEpochs: number): number {
  checkFinite("lambdaRamp", "lambda", lambda, true);
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) {
    throw new Error(`lambdaRamp: maxEpochs must be an integer >= 1, got ${maxEpochs}`);
  }
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new Error(`lambdaRamp: epoch must be an integer >= 0 (0-based), got ${epoch}`);
  }
  return lambda * (epoch + 1) / maxEpochs;
}

/** Inputs of the full InfMasking objective (see infMaskingObjective). */
export interface InfMaskingInputs {
  /** View 1's fusion outputs, modality subsets first and the full fusion last, each [N, D]. */
  z1: Tensor[];
  /** View 2's fusion outputs, in the order of z1. */
  z2: Tensor[];
  /** View 1's K masked full fusions, each [N, D]. */
  masked1: Tensor[];
  /** View 2's K masked full fusions (as many as masked1). */
  masked2: Tensor[];
}

/** Options of the full objective: weights has one entry per term, 2 + z1.length. */
export interface InfMaskingObjectiveOptions {
  /** Temperature τ of every term (finite, > 0). */
  tau: number;
  /** Ramped λ of the masking terms (finite, >= 0). */
  lambda: number;
  /** Weights [mask1, mask2, ...one per CoMM term], 2 + z1.length entries (default all 1). */
  weights?: number[];
}

/** The objective and its unweighted parts, for logging. */
export interface InfMaskingParts {
  /** mean(w ⊙ [mask1, mask2, ...CoMM terms]), divided by the number of terms. */
  total: Tensor;
  /** The masking term of view 1 (unweighted). */
  mask1: Tensor;
  /** The masking term of view 2 (unweighted). */
  mask2: Tensor;
  /** The CoMM part: mean over the CoMM terms of w_{2+i} · term_i (commLoss with the tail of the weights). */
  comm: Tensor;
}

/**
 * The full InfMasking objective, a scalar: mean(w ⊙ [infMaskingLoss(z1[last], masked1),
 * infMaskingLoss(z2[last], masked2), ...CoMM terms]).
 *
 * @throws {Error} When the lists do not match in length or shape, masked1 and masked2 differ in K, tau or
 * lambda is invalid, or weights has the wrong length.
 *
 * @example
 * ```ts
 * import { infMaskingObjective, randn } from "./mod.ts";
 * const e = () => randn([16, 32]); // [N, D]
 * const loss = infMaskingObjective(
 *   { z1: [e(), e(), e()], z2: [e(), e(), e()], masked1: [e(), e()], masked2: [e(), e()] },
 *   { tau: 0.1, lambda: 0.5 },
 * );
 * console.log(loss.shape); // []
 * ```
 */
export function infMaskingObjective(x: InfMaskingInputs, opts: InfMaskingObjectiveOptions): Tensor {
  return infMaskingObjectiveParts(x, opts).total;
}

/** Like infMaskingObjective, also returning the parts (total = (w₀m₁ + w₁m₂ + n_c·comm)/(2 + n_c)). */
export function infMaskingObjectiveParts(
  x: InfMaskingInputs,
  opts: InfMaskingObjectiveOptions,
): InfMaskingParts {
  const op = "infMaskingObjective";
  checkTau(op, opts.tau);
  checkFinite(op, "lambda", opts.lambda, true);
  checkViewLists(op, x.z1, x.z2);
  const last = x.z1.length - 1;
  checkMaskInputs(op, `z1[${last}]`, x.z1[last], "masked1", x.masked1);
  checkMaskInputs(op, `z2[${last}]`, x.z2[last], "masked2", x.masked2);
  if (x.masked1.length !== x.masked2.length) {
    throw new Error(
      `${op}: masked1 has ${x.masked1.length} views but masked2 has ${x.masked2.length}; they must match`,
    );
  }
  const weights = resolveWeights(op, opts.weights, 2 + x.z1.length);
  const z1 = x.z1.map((z) => l2Normalize(z)), z2 = x.z2.map((z) => l2Normalize(z));
  const mask1 = infMaskingLossUnit(z1[last], x.masked1.map((k) => l2Normalize(k)), opts.tau, opts.lambda);
  const mask2 = infMaskingLossUnit(z2[last], x.masked2.map((k) => l2Normalize(k)), opts.tau, opts.lambda);
  const commTerms = commTermsUnit(z1, z2, opts.tau);
  const total = weightedMean([mask1, mask2, ...commTerms], weights);
  const comm = weightedMean(commTerms, weights.slice(2));
  return { total, mask1, mask2, comm };
}

function checkMaskInputs(op: string, qName: string, q: Tensor, listName: string, masked: Tensor[]): void {
  if (!Array.isArray(masked) || masked.length === 0) {
    throw new Error(`${op}: ${listName} must be a non-empty array of masked embeddings (K >= 1)`);
  }
  masked.forEach((k, t) => checkPair(op, qName, q, `${listName}[${t}]`, k));
}
