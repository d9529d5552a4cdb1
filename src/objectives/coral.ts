/**
 * The COrAL objective (methods.md §3), a plain sum:
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
  shared1: Tensor;
  shared2: Tensor;
  unique1: Tensor[];
  unique2: Tensor[];
}

/** Temperature and term weights (defaults wShared 1, wUnique 1, wOrtho 10). */
export interface CoralLossOptions {
  tau: number;
  wShared?: number;
  wUnique?: number;
  wOrtho?: number;
}

/** The COrAL total and its unweighted parts: total = wShared·shared + wUnique·unique + wOrtho·ortho. */
export interface CoralParts {
  total: Tensor;
  /** NCE(z'_S, z''_S). */
  shared: Tensor;
  /** NCE(u'_1, u''_1) + NCE(u'_2, u''_2). */
  unique: Tensor;
  /** The sum of the six mean cos² terms. */
  ortho: Tensor;
}

/** The COrAL loss (a scalar). */
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
