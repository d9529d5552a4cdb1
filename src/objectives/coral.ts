/**
 * The COrAL objective (docs/coral.md#loss), a plain sum:
 *
 *   L = w_s·NCE(z'_S, z''_S) + w_u·[NCE(u'_1, u''_1) + NCE(u'_2, u''_2)]
 *     + w_o·[cos²(u'_1,u'_2) + cos²(u''_1,u''_2) + cos²(u'_1,z'_S) + cos²(u''_1,z''_S)
 *            + cos²(u'_2,z'_S) + cos²(u''_2,z''_S)]
 *
 * where NCE is NT-Xent and each cos² term is the batch mean of the per-sample squared cosine similarity
 * of the L2-normalised head outputs. ' is view 1 (shared1, unique1 = [u'_1, u'_2]) and '' is view 2.
 */
import { add, l2Normalize, mean, mul, mulScalar, square, sum, type Tensor } from "../tensor/mod.ts";
import { checkFinite, checkPair, checkTau } from "./checks.ts";
import { ntXentUnit } from "./nt_xent.ts";

/** Inputs of COrAL: the fused shared-path outputs and the per-modality unique outputs of both views. */
export interface CoralInputs {
  /** Fused shared-path head output of view 1, z'_S [N, D]. */
  shared1: Tensor;
  /** Fused shared-path head output of view 2, z''_S [N, D]. */
  shared2: Tensor;
  /** Unique head outputs of view 1, exactly [u'_1, u'_2], each [N, D]. */
  unique1: Tensor[];
  /** Unique head outputs of view 2, exactly [u''_1, u''_2], each [N, D]. */
  unique2: Tensor[];
}

/** Temperature and term weights (defaults wShared 1, wUnique 1, wOrtho 10). */
export interface CoralLossOptions {
  /** Temperature τ of the NT-Xent terms (finite, > 0). */
  tau: number;
  /** Weight of the shared NT-Xent term (default 1). */
  wShared?: number;
  /** Weight of the two unique NT-Xent terms (default 1). */
  wUnique?: number;
  /** Weight of the six orthogonality cos² terms (default 10). */
  wOrtho?: number;
}

/** The COrAL total and its unweighted parts: total = wShared·shared + wUnique·unique + wOrtho·ortho. */
export interface CoralParts {
  /** The weighted sum, the loss to minimise (a scalar). */
  total: Tensor;
  /** NCE(z'_S, z''_S). */
  shared: Tensor;
  /** NCE(u'_1, u''_1) + NCE(u'_2, u''_2). */
  unique: Tensor;
  /** The sum of the six mean cos² terms. */
  ortho: Tensor;
}

/**
 * The COrAL loss, a scalar: wShared·NCE(shared) + wUnique·(NCE of each unique pair) + wOrtho·(six mean cos²
 * orthogonality terms); inputs are raw [N, D] head outputs.
 *
 * @throws {Error} When an input is not a same-shape [N, D] batch, a unique list does not hold exactly 2
 * entries, tau is invalid or a weight is not finite.
 *
 * @example
 * ```ts
 * import { coralLoss, randn } from "./mod.ts";
 * const e = () => randn([16, 32]); // [N, D]
 * const loss = coralLoss(
 *   { shared1: e(), shared2: e(), unique1: [e(), e()], unique2: [e(), e()] },
 *   { tau: 0.1 },
 * );
 * console.log(loss.shape); // []
 * ```
 */
export function coralLoss(x: CoralInputs, opts: CoralLossOptions): Tensor {
  return coralLossParts(x, opts).total;
}

/** The COrAL loss with its unweighted parts, for logging. */
export function coralLossParts(x: CoralInputs, opts: CoralLossOptions): CoralParts {
  const op = "coralLoss";
  checkTau(op, opts.tau);
  const wShared = opts.wShared ?? 1, wUnique = opts.wUnique ?? 1, wOrtho = opts.wOrtho ?? 10;
  checkFinite(op, "wShared", wShared);
  checkFinite(op, "wUnique", wUnique);
  checkFinite(op, "wOrtho", wOrtho);
  for (const [name, list] of [["unique1", x.unique1], ["unique2", x.unique2]] as [string, Tensor[]][]) {
    if (!Array.isArray(list) || list.length !== 2) {
      throw new Error(
        `${op}: ${name} must hold exactly 2 unique embeddings [u_1, u_2], got ${
          Array.isArray(list) ? list.length : typeof list
        }`,
      );
    }
  }
  checkPair(op, "shared1", x.shared1, "shared2", x.shared2);
  checkPair(op, "unique1[0]", x.unique1[0], "unique2[0]", x.unique2[0]);
  checkPair(op, "unique1[1]", x.unique1[1], "unique2[1]", x.unique2[1]);
  checkPair(op, "unique1[0]", x.unique1[0], "unique1[1]", x.unique1[1]);
  checkPair(op, "unique1[0]", x.unique1[0], "shared1", x.shared1);

  const s1 = l2Normalize(x.shared1), s2 = l2Normalize(x.shared2);
  const [a1, a2] = x.unique1.map((u) => l2Normalize(u)); // u'_1, u'_2 (view 1)
  const [b1, b2] = x.unique2.map((u) => l2Normalize(u)); // u''_1, u''_2 (view 2)

  const shared = ntXentUnit(s1, s2, opts.tau);
  const unique = add(ntXentUnit(a1, b1, opts.tau), ntXentUnit(a2, b2, opts.tau));
  const pairs: [Tensor, Tensor][] = [[a1, a2], [b1, b2], [a1, s1], [b1, s2], [a2, s1], [b2, s2]];
  const ortho = pairs.map(([u, v]) => meanSquaredCosine(u, v)).reduce((acc, t) => add(acc, t));
  const total = add(add(mulScalar(shared, wShared), mulScalar(unique, wUnique)), mulScalar(ortho, wOrtho));
  return { total, shared, unique, ortho };
}

/** mean_b cos²(u_b, v_b) for L2-normalised rows (their dot product is the cosine). */
function meanSquaredCosine(u: Tensor, v: Tensor): Tensor {
  return mean(square(sum(mul(u, v), 1)));
}
