/**
 * Time-series augmentations (docs/shared.md#augmentations).
 *
 * {@link dropNoise}, "drop+noise" for sequence [B, T, F] (and vector [B, F]) modalities: per sample, with
 * probability pDrop zero round(U(0, maxDropFrac) * T) distinct time steps (Python's `round`, i.e. ties to
 * even, as the official `drop`), then with probability pNoise add N(0, noiseStd²) to every element. For a
 * vector, each feature is a "time step" (so drop zeroes single features).
 *
 * Given a list of modalities (one batch, same B), the two coins of a sample are shared by all its
 * modalities, as torchvision's RandomApply over the modality list does; the dropped fraction and
 * the dropped indices are drawn independently per modality (the official code's behaviour).
 *
 * {@link gaussianNoise}, "noise" alone for one modality with its own coin (MIMIC's tabular vector, V&T's
 * proprioception).
 *
 * @module
 */
import type { Philox } from "../random/philox.ts";
import type { ModalityArray } from "./types.ts";

/** Probability and size of the noise-only augmentation (defaults are the papers'). */
export interface NoiseOptions {
  /** Probability a sample gets Gaussian noise (default 0.5). */
  pNoise?: number;
  /** Standard deviation of the added noise (default 0.1). */
  noiseStd?: number;
}

/** Probabilities and sizes of the drop+noise augmentation (defaults are the papers'). */
export interface DropNoiseOptions {
  /** Probability a sample gets time steps dropped (default 0.5; 0 gives noise only). */
  pDrop?: number;
  /** Upper end of the uniform dropped fraction (default 0.8). */
  maxDropFrac?: number;
  /** Probability a sample gets Gaussian noise (default 0.5). */
  pNoise?: number;
  /** Standard deviation of the added noise (default 0.1). */
  noiseStd?: number;
}

/** Python 3's `round` of x: nearest integer, ties to even (what the official `drop` uses). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function steps(m: ModalityArray, what = "dropNoise"): [number, number, number] {
  if (m.kind === "sequence" && m.shape.length === 3) return [m.shape[0], m.shape[1], m.shape[2]];
  if (m.kind === "vector" && m.shape.length === 2) return [m.shape[0], m.shape[1], 1];
  throw new Error(
    `${what}: expects sequence [B, T, F] or vector [B, F] modalities, got ${m.kind} [${m.shape.join(", ")}]`,
  );
}

/**
 * Augment one batch of modalities; returns new arrays (inputs are not modified). All modalities must have
 * the same batch size B; options left out take the defaults listed in {@link DropNoiseOptions}.
 *
 * Draw order (Philox `rng`): B drop-coin uniforms, B noise-coin uniforms (sample s uses entry s of each,
 * for every modality); then modality by modality in list order, sample by sample: when the drop coin
 * is on, 1 uniform (the fraction) and T 32-bit keys (the k dropped steps are the k smallest keys), then
 * when the noise coin is on, T·F normals (2·ceil(T·F/2) outputs).
 *
 * Throws when a modality is not a sequence [B, T, F] or vector [B, F], batch sizes differ, a data length does
 * not match its shape, or a modality has 2^21 or more time steps.
 *
 * @example
 * ```ts
 * import { dropNoise, type ModalityArray, Philox } from "./mod.ts";
 * const audio: ModalityArray = { kind: "sequence", shape: [4, 50, 20], data: new Float32Array(4000) };
 * const meta: ModalityArray = { kind: "vector", shape: [4, 8], data: new Float32Array(32) };
 * const [audioView, metaView] = dropNoise([audio, meta], new Philox(0), { pNoise: 1, noiseStd: 0.05 });
 * ```
 */
export function dropNoise(mods: ModalityArray[], rng: Philox, opts: DropNoiseOptions = {}): ModalityArray[] {
  const pDrop = opts.pDrop ?? 0.5;
  const maxFrac = opts.maxDropFrac ?? 0.8;
  const pNoise = opts.pNoise ?? 0.5;
  const std = opts.noiseStd ?? 0.1;
  if (mods.length === 0) return [];
  const dims = mods.map((m) => steps(m));
  const b = dims[0][0];
  for (let i = 0; i < mods.length; i++) {
    const [bi, t, f] = dims[i];
    if (bi !== b) throw new Error(`dropNoise: modality ${i} has batch ${bi}, modality 0 has ${b}`);
    if (t >= 1 << 21) throw new Error(`dropNoise: modality ${i} has ${t} time steps, more than 2^21`);
    if (mods[i].data.length !== bi * t * f) {
      throw new Error(`dropNoise: modality ${i} data length ${mods[i].data.length} != product of its shape`);
    }
  }
  const dropCoin = rng.uniform(b);
  const noiseCoin = rng.uniform(b);
  const out: ModalityArray[] = [];
  for (let i = 0; i < mods.length; i++) {
    const [, t, f] = dims[i];
    const data = mods[i].data.slice();
    const row = t * f;
    const keys = new Float64Array(t);
    for (let s = 0; s < b; s++) {
      if (dropCoin[s] < pDrop) {
        const frac = rng.uniform(1)[0] * maxFrac;
        const k = roundHalfEven(frac * t);
        // A uniformly random k-subset: the k smallest of t random keys (ties broken by index).
        const raw = rng.nextUint32(new Uint32Array(t));
        for (let j = 0; j < t; j++) keys[j] = raw[j] * t + j;
        const sorted = keys.slice().sort();
        for (let r = 0; r < k; r++) {
          const j = sorted[r] % t;
          data.fill(0, s * row + j * f, s * row + (j + 1) * f);
        }
      }
      if (noiseCoin[s] < pNoise) {
        const z = rng.normal(row, 0, std);
        const base = s * row;
        for (let e = 0; e < row; e++) data[base + e] += z[e];
      }
    }
    out.push({ kind: mods[i].kind, shape: mods[i].shape.slice(), data });
  }
  return out;
}

/**
 * Noise only for one sequence [B, T, F] or vector [B, F] modality, with its own coin: per sample, with
 * probability pNoise add N(0, noiseStd²) to every element (the official RandomApply(noise) on a single
 * modality). Returns a new array; options left out take the defaults listed in {@link NoiseOptions}.
 *
 * Draw order (Philox `rng`): B coin uniforms, then for each sample whose coin is on, in sample order, its
 * row of normals (T·F values, 2·ceil(T·F/2) outputs).
 *
 * Throws when the modality is not a sequence [B, T, F] or vector [B, F], or its data length does not match
 * its shape.
 */
export function gaussianNoise(m: ModalityArray, rng: Philox, opts: NoiseOptions = {}): ModalityArray {
  const pNoise = opts.pNoise ?? 0.5;
  const std = opts.noiseStd ?? 0.1;
  const [b, t, f] = steps(m, "gaussianNoise");
  const row = t * f;
  if (m.data.length !== b * row) {
    throw new Error(`gaussianNoise: data length ${m.data.length} != product of its shape`);
  }
  const coin = rng.uniform(b);
  const data = m.data.slice();
  for (let s = 0; s < b; s++) {
    if (coin[s] < pNoise) {
      const z = rng.normal(row, 0, std);
      const base = s * row;
      for (let e = 0; e < row; e++) data[base + e] += z[e];
    }
  }
  return { kind: m.kind, shape: m.shape.slice(), data };
}
