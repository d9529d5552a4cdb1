/**
 * Independent float64 re-computations of the objectives for the objectives_* tests: plain loops over
 * number[][] rows, following docs/shared.md#nt-xent and docs/infmasking.md#masking-term literally (explicit block matrices, explicit E×E covariances,
 * self pairs skipped rather than shifted by −1e8).
 */
import { type Tensor, tensor } from "../src/tensor/mod.ts";
import { randValues, rng } from "./helpers.ts";

export type Rows = number[][];

/** Random [n, d] values as float64 rows and the float32 tensor holding the same values. */
export function randomBatch(
  n: number,
  d: number,
  requiresGrad = false,
  scale = 1,
): { rows: Rows; t: Tensor } {
  const v = randValues([n, d], rng(), scale);
  const rows = Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)));
  return { rows, t: tensor(v, [n, d], { requiresGrad }) };
}

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function normalizeRows(x: Rows): Rows {
  return x.map((r) => {
    const norm = Math.max(Math.sqrt(dot(r, r)), 1e-12);
    return r.map((v) => v / norm);
  });
}

/** log Σ exp over a list of values. */
export function lse(values: number[]): number {
  const m = Math.max(...values);
  let s = 0;
  for (const v of values) s += Math.exp(v - m);
  return m + Math.log(s);
}

/** NT-Xent: M = [[A, S11], [S22, Aᵀ]] row by row, masked diagonals of S11/S22 skipped. Raw inputs. */
export function ntXentRef(z1Raw: Rows, z2Raw: Rows, tau: number): number {
  const z1 = normalizeRows(z1Raw), z2 = normalizeRows(z2Raw);
  const n = z1.length;
  let total = 0;
  for (let k = 0; k < n; k++) {
    // Top half, row k: [A[k, :], S11[k, :]]; positive A[k, k].
    const top: number[] = [];
    for (let j = 0; j < n; j++) top.push(dot(z1[k], z2[j]) / tau);
    for (let j = 0; j < n; j++) if (j !== k) top.push(dot(z1[k], z1[j]) / tau);
    total += lse(top) - dot(z1[k], z2[k]) / tau;
    // Bottom half, row k: [S22[k, :], Aᵀ[k, :]]; positive Aᵀ[k, k] = A[k, k].
    const bottom: number[] = [];
    for (let j = 0; j < n; j++) if (j !== k) bottom.push(dot(z2[k], z2[j]) / tau);
    for (let j = 0; j < n; j++) bottom.push(dot(z1[j], z2[k]) / tau);
    total += lse(bottom) - dot(z1[k], z2[k]) / tau;
  }
  return total / (2 * n);
}

/** CoMM: mean_i w_i ½(NCE(z1[i], z2[last]) + NCE(z2[i], z1[last])). */
export function commRef(z1: Rows[], z2: Rows[], tau: number, weights?: number[]): number {
  const last = z1.length - 1;
  let s = 0;
  for (let i = 0; i <= last; i++) {
    s += (weights?.[i] ?? 1) * 0.5 * (ntXentRef(z1[i], z2[last], tau) + ntXentRef(z2[i], z1[last], tau));
  }
  return s / z1.length;
}

/**
 * InfMasking masking term from the formulas of docs/infmasking.md#masking-term with an explicit E×E covariance per sample:
 * mean_b[−pos_b + lse(pos_b, negs_b)] + mean_b ½v_b.
 */
export function infMaskingRef(qRaw: Rows, maskedRaw: Rows[], tau: number, lambda: number): number {
  const q = normalizeRows(qRaw), ks = maskedRaw.map(normalizeRows);
  const b = q.length, e = q[0].length, kCount = ks.length;
  let ce = 0, vSum = 0;
  for (let i = 0; i < b; i++) {
    const mu = new Array<number>(e).fill(0);
    for (const k of ks) for (let c = 0; c < e; c++) mu[c] += k[i][c] / kCount;
    const sigma = Array.from({ length: e }, () => new Array<number>(e).fill(0));
    for (const k of ks) {
      for (let r = 0; r < e; r++) {
        for (let c = 0; c < e; c++) sigma[r][c] += (k[i][r] - mu[r]) * (k[i][c] - mu[c]) / kCount;
      }
    }
    let quad = 0;
    for (let r = 0; r < e; r++) for (let c = 0; c < e; c++) quad += q[i][r] * sigma[r][c] * q[i][c];
    const v = lambda * quad / (tau * tau);
    const pos = dot(q[i], mu) / tau + 0.5 * v;
    const logits = [pos];
    for (const k of ks) for (let j = 0; j < b; j++) if (j !== i) logits.push(dot(q[i], k[j]) / tau);
    for (let j = 0; j < b; j++) if (j !== i) logits.push(dot(q[i], q[j]) / tau);
    ce += lse(logits) - pos;
    vSum += v;
  }
  return ce / b + 0.5 * vSum / b;
}

/** InfoNCE of q_b against a positive key p_b, with the given extra negatives per row (all /τ inside). */
export function infoNceRef(
  q: Rows,
  positives: Rows,
  negatives: (b: number) => number[][],
  tau: number,
): number {
  let total = 0;
  for (let b = 0; b < q.length; b++) {
    const pos = dot(q[b], positives[b]) / tau;
    const logits = [pos, ...negatives(b).map((k) => dot(q[b], k) / tau)];
    total += lse(logits) - pos;
  }
  return total / q.length;
}

/** Batch mean of the squared cosine similarity of raw rows. */
export function meanCos2Ref(a: Rows, b: Rows): number {
  const an = normalizeRows(a), bn = normalizeRows(b);
  let s = 0;
  for (let i = 0; i < an.length; i++) s += dot(an[i], bn[i]) ** 2;
  return s / an.length;
}

/** CLIP: mean of row-wise and column-wise cross-entropies of scale · ẑ1 ẑ2ᵀ. */
export function clipRef(z1Raw: Rows, z2Raw: Rows, scale: number): number {
  const z1 = normalizeRows(z1Raw), z2 = normalizeRows(z2Raw);
  const n = z1.length;
  let rows = 0, cols = 0;
  for (let k = 0; k < n; k++) {
    rows += lse(z2.map((v) => scale * dot(z1[k], v))) - scale * dot(z1[k], z2[k]);
    cols += lse(z1.map((v) => scale * dot(v, z2[k]))) - scale * dot(z1[k], z2[k]);
  }
  return (rows + cols) / (2 * n);
}

/** Float64 central-difference gradient of f at rows (flattened row-major). */
export function numericGradRef(f: (x: Rows) => number, x: Rows, eps = 1e-6): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x[i].length; j++) {
      const at = (delta: number): number =>
        f(x.map((r, k) => (k === i ? r.map((v, c) => (c === j ? v + delta : v)) : r)));
      out.push((at(eps) - at(-eps)) / (2 * eps));
    }
  }
  return out;
}

/** A float32 tensor of the rows; returns the rows rounded to float32 too, so both sides see equal inputs. */
export function fromRows(rows: Rows, requiresGrad = false): { rows: Rows; t: Tensor } {
  const d = rows[0].length;
  const v = Float32Array.from(rows.flat());
  return {
    rows: rows.map((r) => r.map(Math.fround)),
    t: tensor(v, [rows.length, d], { requiresGrad }),
  };
}

/** Random float64 rows (normal draws). */
export function randomRows(n: number, d: number, scale = 1): Rows {
  return randomBatch(n, d, false, scale).rows;
}
