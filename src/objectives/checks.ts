/** Input checks shared by the objectives: clear errors that name the objective, the input and its shape. */
import { shapeStr, type Tensor } from "../tensor/mod.ts";

/** Throws unless `t` is a live [N, D] embedding batch with N >= 1 and D >= 1. */
export function checkEmbedding(op: string, name: string, t: Tensor): void {
  if (t.isDisposed) throw new Error(`${op}: ${name} was disposed`);
  if (t.rank !== 2 || t.shape[0] < 1 || t.shape[1] < 1) {
    throw new Error(
      `${op}: ${name} must be a non-empty [N, D] batch of embeddings, got shape ${shapeStr(t.shape)}`,
    );
  }
}

/** Throws unless both are [N, D] embeddings of the same shape. */
export function checkPair(op: string, nameA: string, a: Tensor, nameB: string, b: Tensor): void {
  checkEmbedding(op, nameA, a);
  checkEmbedding(op, nameB, b);
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(
      `${op}: ${nameA} ${shapeStr(a.shape)} and ${nameB} ${shapeStr(b.shape)} must have the same shape`,
    );
  }
}

/** Throws unless tau is a finite temperature > 0. */
export function checkTau(op: string, tau: number): void {
  if (typeof tau !== "number" || !Number.isFinite(tau) || tau <= 0) {
    throw new Error(`${op}: temperature tau must be a finite number > 0, got ${tau}`);
  }
}

/** Throws unless `value` is a finite number (optionally >= 0). */
export function checkFinite(op: string, name: string, value: number, nonNegative = false): void {
  if (typeof value !== "number" || !Number.isFinite(value) || (nonNegative && value < 0)) {
    throw new Error(`${op}: ${name} must be a finite number${nonNegative ? " >= 0" : ""}, got ${value}`);
  }
}

/** The weights to use for `count` terms: all ones when omitted, else checked for length and finiteness. */
export function resolveWeights(op: string, weights: readonly number[] | undefined, count: number): number[] {
  if (weights === undefined) return new Array<number>(count).fill(1);
  if (!Array.isArray(weights) || weights.length !== count) {
    throw new Error(
      `${op}: weights has ${
        Array.isArray(weights) ? weights.length : typeof weights
      } entries, expected ${count} (one per term)`,
    );
  }
  weights.forEach((w, i) => checkFinite(op, `weights[${i}]`, w));
  return [...weights];
}
