/**
 * Losses of the cross-modal baselines (docs/cross.md and docs/shared.md#nt-xent): CLIP's symmetric N×N cross-entropy with a
 * learnable log-space logit scale ("Cross"), and Cross+Self (a cross term plus SimCLR NT-Xent within each
 * modality).
 */
import {
  add,
  clamp,
  exp,
  l2Normalize,
  logSoftmax,
  matmul,
  mul,
  mulScalar,
  noGrad,
  reshape,
  sum,
  type Tensor,
} from "../tensor/mod.ts";
import { checkFinite, checkPair, checkTau } from "./checks.ts";
import { constantLike } from "./constants.ts";
import { ntXent } from "./nt_xent.ts";

/** Initial value of CLIP's logit-scale parameter: log(1/0.07). */
export const CLIP_LOGIT_SCALE_INIT: number = Math.log(1 / 0.07);
/** Upper bound of the logit-scale parameter (exp ≤ 100); CLIP clamps it to [0, ln 100]. */
export const CLIP_LOGIT_SCALE_MAX: number = Math.log(100);

/**
 * CLIP loss: logits = exp(s) · ẑ1 ẑ2ᵀ with ẑ the L2-normalised inputs ([N, D] each) and s the one-element
 * logit-scale parameter; the mean of the row-wise and the column-wise cross-entropy with the diagonal as
 * targets. Returns a scalar.
 *
 * The clamp: the official code clamps the parameter in place to [0, ln 100] in each training step. Here the
 * loss uses exp(clamp(s, 0, ln 100)), so the scale never exceeds 100 whatever the parameter holds (the
 * gradient to s is 0 while s is outside the range and passes at the bounds), and the trainer should also call
 * clampLogitScale(s) after every optimizer step, as CLIP does, so the parameter itself stays in range and can
 * always move back.
 *
 * @throws {Error} When z1 and z2 are not same-shape [N, D] batches or logitScale has more than one element.
 *
 * @example
 * ```ts
 * import { CLIP_LOGIT_SCALE_INIT, clampLogitScale, clipLoss, full, randn } from "./mod.ts";
 * const logitScale = full([], CLIP_LOGIT_SCALE_INIT).asParameter("logit_scale");
 * const loss = clipLoss(randn([8, 32]), randn([8, 32]), logitScale);
 * loss.backward();
 * clampLogitScale(logitScale); // after the optimizer step
 * console.log(loss.shape, logitScale.grad !== null); // [] true
 * ```
 */
export function clipLoss(z1: Tensor, z2: Tensor, logitScale: Tensor): Tensor {
  checkPair("clipLoss", "z1", z1, "z2", z2);
  if (logitScale.size !== 1) {
    throw new Error(`clipLoss: logitScale must be a scalar parameter, got shape [${logitScale.shape}]`);
  }
  const n = z1.shape[0];
  const scale = exp(clamp(reshape(logitScale, []), 0, CLIP_LOGIT_SCALE_MAX));
  const logits = mul(matmul(l2Normalize(z1), l2Normalize(z2), { transB: true }), scale); // [N, N]
  const eye = identity(z1, n);
  const rows = sum(mul(logSoftmax(logits, 1), eye)); // Σ_k log p(z2_k | z1_k)
  const cols = sum(mul(logSoftmax(logits, 0), eye)); // Σ_k log p(z1_k | z2_k)
  return mulScalar(add(rows, cols), -1 / (2 * n));
}

/** Clamps the logit-scale parameter in place to [0, ln 100] (call after each optimizer step). */
export function clampLogitScale(logitScale: Tensor): void {
  const c = noGrad(() => clamp(logitScale, 0, CLIP_LOGIT_SCALE_MAX));
  logitScale.backend.copyStrided(c.storage, 0, [1], logitScale.storage, 0, [1], [logitScale.size]);
  c.dispose();
}

/** Options of crossSelfLoss. */
export interface CrossSelfOptions {
  /** Temperature of the NT-Xent terms. */
  tau: number;
  /** CLIP logit scale for the cross term; when omitted the cross term is NT-Xent, as the official code. */
  logitScale?: Tensor;
  /** Scale of the within-modality terms (official `ssl_scale`, default 1). */
  sslScale?: number;
}

/** Cross+Self total and parts. */
export interface CrossSelfParts {
  /** cross + sslScale · ½ · (self1 + self2), the loss to minimise. */
  total: Tensor;
  /** The cross-modal term (CLIP loss or NT-Xent). */
  cross: Tensor;
  /** NT-Xent between modality 1's two augmented views. */
  self1: Tensor;
  /** NT-Xent between modality 2's two augmented views. */
  self2: Tensor;
}

/**
 * Cross+Self: total = cross + sslScale · ½ · (ntXent(self1[0], self1[1]) + ntXent(self2[0], self2[1])),
 * the combination of the official CrossSelfLoss. cross = clipLoss(zCross1, zCross2, logitScale) when a
 * logit scale is given, else ntXent(zCross1, zCross2, tau) (the official Cross+Self uses NT-Xent there).
 * zCross1/zCross2: the two modalities' embeddings of the same samples; self1/self2: each modality's two
 * augmented views.
 */
export function crossSelfLoss(
  zCross1: Tensor,
  zCross2: Tensor,
  self1: [Tensor, Tensor],
  self2: [Tensor, Tensor],
  opts: CrossSelfOptions,
): Tensor {
  return crossSelfLossParts(zCross1, zCross2, self1, self2, opts).total;
}

/** crossSelfLoss with its unweighted parts, for logging. */
export function crossSelfLossParts(
  zCross1: Tensor,
  zCross2: Tensor,
  self1: [Tensor, Tensor],
  self2: [Tensor, Tensor],
  opts: CrossSelfOptions,
): CrossSelfParts {
  const op = "crossSelfLoss";
  checkTau(op, opts.tau);
  const sslScale = opts.sslScale ?? 1;
  checkFinite(op, "sslScale", sslScale);
  for (const [name, pair] of [["self1", self1], ["self2", self2]] as [string, Tensor[]][]) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new Error(
        `${op}: ${name} must hold exactly 2 augmented views, got ${
          Array.isArray(pair) ? pair.length : typeof pair
        }`,
      );
    }
    checkPair(op, `${name}[0]`, pair[0], `${name}[1]`, pair[1]);
  }
  const cross = opts.logitScale
    ? clipLoss(zCross1, zCross2, opts.logitScale)
    : ntXent(zCross1, zCross2, opts.tau);
  const s1 = ntXent(self1[0], self1[1], opts.tau);
  const s2 = ntXent(self2[0], self2[1], opts.tau);
  const total = add(cross, mulScalar(add(s1, s2), 0.5 * sslScale));
  return { total, cross, self1: s1, self2: s2 };
}

function identity(like: Tensor, n: number): Tensor {
  const v = new Float32Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return constantLike(like, v, [n, n]);
}
