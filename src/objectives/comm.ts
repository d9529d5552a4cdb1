/**
 * The CoMM objective (docs/comm.md#loss): for each fusion output i (modality subsets, then the full fusion as
 * the last entry), term_i = ½[NT-Xent(z1[i], z2[last]) + NT-Xent(z2[i], z1[last])]; the loss is the mean of
 * w_i · term_i over all n+1 entries, the full↔full term included (the official code averages, not sums).
 */
import { l2Normalize, mulScalar, stack, sum, type Tensor } from "../tensor/mod.ts";
import { checkEmbedding, checkPair, checkTau, resolveWeights } from "./checks.ts";
import { ntXentUnit } from "./nt_xent.ts";

/** Options of commLoss: the temperature and optional per-term weights (one per entry of z1). */
export interface CommLossOptions {
  /** Temperature τ of every NT-Xent term (finite, > 0). */
  tau: number;
  /** Weight per term, one per entry of z1 (default all 1). */
  weights?: number[];
}

/**
 * The CoMM loss mean_i w_i · ½(ntXent(z1[i], z2[last], τ) + ntXent(z2[i], z1[last], τ)) over the n+1 fusion
 * outputs of two views (modality subsets first, the full fusion last; raw [N, D] head outputs). Returns a
 * scalar.
 *
 * @throws {Error} When the lists are empty or of different lengths, an embedding is not [N, D] like the full
 * fusion, tau is invalid, or weights has the wrong length.
 *
 * @example
 * ```ts
 * import { commLoss, randn } from "./mod.ts";
 * // two modalities: [only modality 1, only modality 2, full fusion], each [N, D], for both views
 * const z1 = [randn([16, 64]), randn([16, 64]), randn([16, 64])];
 * const z2 = [randn([16, 64]), randn([16, 64]), randn([16, 64])];
 * console.log(commLoss(z1, z2, { tau: 0.1 }).shape); // []
 * ```
 */
export function commLoss(z1: Tensor[], z2: Tensor[], opts: CommLossOptions): Tensor {
  checkTau("commLoss", opts.tau);
  checkViewLists("commLoss", z1, z2);
  const weights = resolveWeights("commLoss", opts.weights, z1.length);
  return weightedMean(
    commTermsUnit(z1.map((z) => l2Normalize(z)), z2.map((z) => l2Normalize(z)), opts.tau),
    weights,
  );
}

/** Throws unless z1 and z2 are equally long, non-empty lists of same-shape [N, D] embeddings. */
export function checkViewLists(op: string, z1: Tensor[], z2: Tensor[]): void {
  if (!Array.isArray(z1) || !Array.isArray(z2)) throw new Error(`${op}: z1 and z2 must be arrays of tensors`);
  if (z1.length === 0) throw new Error(`${op}: z1 and z2 must hold at least one embedding (the full fusion)`);
  if (z1.length !== z2.length) {
    throw new Error(`${op}: z1 has ${z1.length} embeddings but z2 has ${z2.length}; they must match`);
  }
  const last = z1.length - 1;
  checkPair(op, `z1[${last}]`, z1[last], `z2[${last}]`, z2[last]);
  for (let i = 0; i < last; i++) {
    for (const [name, z] of [[`z1[${i}]`, z1[i]], [`z2[${i}]`, z2[i]]] as [string, Tensor][]) {
      checkEmbedding(op, name, z);
      if (z.shape[0] !== z1[last].shape[0] || z.shape[1] !== z1[last].shape[1]) {
        throw new Error(`${op}: ${name} has shape [${z.shape}] but the full fusion has [${z1[last].shape}]`);
      }
    }
  }
}

/** The n+1 unweighted CoMM terms from already-normalised embeddings. */
export function commTermsUnit(z1: Tensor[], z2: Tensor[], tau: number): Tensor[] {
  const last = z1.length - 1;
  return z1.map((_, i) =>
    mulScalar(sum(stack([ntXentUnit(z1[i], z2[last], tau), ntXentUnit(z2[i], z1[last], tau)])), 0.5)
  );
}

/** (1/n) Σ_i w_i · terms[i] for scalar terms. */
export function weightedMean(terms: Tensor[], weights: number[]): Tensor {
  const weighted = terms.map((t, i) => (weights[i] === 1 ? t : mulScalar(t, weights[i])));
  return mulScalar(sum(stack(weighted)), 1 / terms.length);
}
