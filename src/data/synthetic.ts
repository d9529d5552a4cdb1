/**
 * `--dataset synthetic`: a cheap bimodal dataset with exactly the Trifeatures task structure
 * (docs/shared.md#trifeatures) but token-sequence modalities instead of images.
 *
 * Each sample has attributes shape (shared by a and b), texture_a, colour_a, texture_b, colour_b
 * (10 values each). Modality m is a [T, F] token sequence: the m-specific pattern vectors of its
 * shape, texture and colour sit at three distinct random positions, the other tokens are drawn
 * from a bank of distractor patterns, and every element gets N(0, noise²).
 * Tasks: redundancy = shape, uniqueness1 = texture_a, uniqueness2 = texture_b,
 * synergy = 1 iff colour_b == perm[texture_a] (10 positive combos of 100).
 * The SSL split is by default the paper's biased synergy training set (every pair is positive);
 * the probe splits are unbiased.
 *
 * Randomness: Philox(seed) on the streams of `STREAMS.synthetic` (src/random/streams.ts: patterns,
 * synergyPermutation, ssl, probeTrain, probeTest; ids 0..4), one per purpose, so split sizes do not
 * change the other splits.
 *
 * Defaults: {@link SYNTHETIC_DATA_DEFAULTS} (the demo's `deno task train` values) fill every omitted option.
 *
 * @module
 */
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";
import type { MultimodalDataset, MultimodalSplit } from "./types.ts";

/** Task names of the synthetic and Trifeatures datasets, in this order. */
export const TRIFEATURES_TASKS: readonly string[] = ["redundancy", "uniqueness1", "uniqueness2", "synergy"];

const N_VALUES = 10;

/** Options of the synthetic dataset. */
export interface SyntheticOptions {
  /** Seed of every random choice (default 0). */
  seed?: number;
  /** SSL samples (default 8192). */
  nSsl?: number;
  /** Probe-train samples (default 4000). */
  nProbeTrain?: number;
  /** Probe-test samples (default 2000). */
  nProbeTest?: number;
  /** Tokens per sample (default 6, at least 3). */
  T?: number;
  /** Features per token (default 16). */
  F?: number;
  /** Standard deviation of the Gaussian noise on every element (default 0.05). */
  noise?: number;
  /** Standard deviation of pattern entries (default 1). */
  patternScale?: number;
  /**
   * Scale of the texture patterns relative to the others (default 1): below 1 the texture, the attribute the
   * uniqueness tasks ask for, carries weaker evidence against the noise, so only a method that keeps
   * modality-specific information recovers it.
   */
  textureScale?: number;
  /** Size of the distractor pattern bank per modality (default 1). */
  nDistractors?: number;
  /**
   * How the texture is written (default "pattern"). "pattern": its pattern vector in one token, like the
   * other attributes. "product": a fresh random key token k ~ N(0, patternScale²) in place of one distractor
   * and the token k ⊙ sign(pattern) for the texture, so each token alone is distributed alike for every
   * texture and only their elementwise product reveals it: no linear read-out of untrained or
   * shape-trained features finds it (needs T >= 4). "productB": "product" in modality b only, so texture_a
   * (which synergy needs) stays a pattern and only uniqueness2's attribute is hidden from linear read-outs.
   */
  textureMode?: TextureMode;
  /** SSL split = biased synergy set (default true); false gives unbiased pairs. */
  biasedSsl?: boolean;
}

/** How the synthetic texture is written: see {@link SyntheticOptions.textureMode}. */
export type TextureMode = "pattern" | "product" | "productB";

/**
 * Default of every synthetic option: the single source of the demo's dataset (`deno task train`),
 * used by {@link makeSyntheticDataset} for each option left out.
 *
 * @example
 * ```ts
 * import { makeSyntheticDataset, SYNTHETIC_DATA_DEFAULTS } from "./mod.ts";
 * const ds = makeSyntheticDataset({ ...SYNTHETIC_DATA_DEFAULTS, nSsl: 256 });
 * ```
 */
export const SYNTHETIC_DATA_DEFAULTS: Readonly<Required<SyntheticOptions>> = Object.freeze({
  seed: 0,
  nSsl: 8192,
  nProbeTrain: 4000,
  nProbeTest: 2000,
  T: 6,
  F: 16,
  noise: 0.05,
  patternScale: 1,
  textureScale: 1,
  nDistractors: 1,
  textureMode: "pattern",
  biasedSsl: true,
});

/** Per-sample attribute values. */
export interface SyntheticAttributes {
  /** Shared shape, 0..9. */
  shape: Int32Array;
  /** Texture of modality a. */
  textureA: Int32Array;
  /** Colour of modality a. */
  colourA: Int32Array;
  /** Texture of modality b. */
  textureB: Int32Array;
  /** Colour of modality b. */
  colourB: Int32Array;
}

/** Fixed pattern vectors of one modality, each [count, F] row-major. */
export interface ModalityPatterns {
  /** [10, F] shape patterns. */
  shape: Float32Array;
  /** [10, F] texture patterns. */
  texture: Float32Array;
  /** [10, F] colour patterns. */
  colour: Float32Array;
  /** [nDistractors, F] distractor patterns. */
  distractor: Float32Array;
}

/** The synergy permutation P: (texture t, colour perm[t]) are the positive combos. */
export function syntheticSynergyPermutation(seed: number): Int32Array {
  return new Philox(seed, STREAMS.synthetic.synergyPermutation).permutation(N_VALUES);
}

/** Pattern banks of modalities a and b. */
export function makeSyntheticPatterns(
  seed: number,
  F: number,
  patternScale: number,
  nDistractors: number,
): [ModalityPatterns, ModalityPatterns] {
  const rng = new Philox(seed, STREAMS.synthetic.patterns);
  const one = (): ModalityPatterns => ({
    shape: rng.normal(N_VALUES * F, 0, patternScale),
    texture: rng.normal(N_VALUES * F, 0, patternScale),
    colour: rng.normal(N_VALUES * F, 0, patternScale),
    distractor: rng.normal(nDistractors * F, 0, patternScale),
  });
  const a = one();
  return [a, one()];
}

/**
 * Draw n attribute tuples. biased: colourB = perm[textureA] (uniform over the positive pairs),
 * otherwise all five attributes are independent and uniform.
 */
export function drawSyntheticAttributes(
  n: number,
  rng: Philox,
  perm: Int32Array,
  biased: boolean,
): SyntheticAttributes {
  const shape = rng.randint(n, N_VALUES);
  const textureA = rng.randint(n, N_VALUES);
  const colourA = rng.randint(n, N_VALUES);
  const textureB = rng.randint(n, N_VALUES);
  const colourB = biased ? textureA.map((t) => perm[t]) : rng.randint(n, N_VALUES);
  return { shape, textureA, colourA, textureB, colourB };
}

/** Task labels of attribute tuples. */
export function syntheticLabels(attrs: SyntheticAttributes, perm: Int32Array): Record<string, Int32Array> {
  const n = attrs.shape.length;
  const synergy = new Int32Array(n);
  for (let i = 0; i < n; i++) synergy[i] = attrs.colourB[i] === perm[attrs.textureA[i]] ? 1 : 0;
  return {
    redundancy: attrs.shape.slice(),
    uniqueness1: attrs.textureA.slice(),
    uniqueness2: attrs.textureB.slice(),
    synergy,
  };
}

/** Write the [n, T, F] token sequences of one modality. */
function renderModality(
  rng: Philox,
  pats: ModalityPatterns,
  shape: Int32Array,
  texture: Int32Array,
  colour: Int32Array,
  T: number,
  F: number,
  noise: number,
  textureMode: "pattern" | "product" = "pattern",
): Float32Array {
  const n = shape.length;
  const out = new Float32Array(n * T * F);
  const product = textureMode === "product";
  const scale = product ? patternStd(pats) : 0;
  const nd = pats.distractor.length / F;
  const order = new Int32Array(T);
  for (let i = 0; i < n; i++) {
    // positions of shape/texture/colour: first 3 entries of a partial Fisher-Yates shuffle
    for (let j = 0; j < T; j++) order[j] = j;
    const r = rng.nextUint32(new Uint32Array(3));
    for (let j = 0; j < 3; j++) {
      const k = j + Math.floor((r[j] / 4294967296) * (T - j));
      const tmp = order[j];
      order[j] = order[k];
      order[k] = tmp;
    }
    const dis = rng.randint(T, nd);
    const z = rng.normal(T * F, 0, noise);
    const base = i * T * F;
    for (let p = 0; p < T; p++) {
      const pos = order[p];
      let src: Float32Array, row: number;
      if (p === 0) [src, row] = [pats.shape, shape[i]];
      else if (p === 1) [src, row] = [pats.texture, texture[i]];
      else if (p === 2) [src, row] = [pats.colour, colour[i]];
      else [src, row] = [pats.distractor, dis[p]];
      const o = base + pos * F;
      for (let f = 0; f < F; f++) out[o + f] = src[row * F + f] + z[pos * F + f];
    }
    if (product) {
      // the key token at a fourth random position (a partial shuffle step), the texture token = key ⊙ sign
      const r4 = rng.nextUint32(new Uint32Array(1))[0];
      const k4 = 3 + Math.floor((r4 / 4294967296) * (T - 3));
      const keyPos = order[k4], texPos = order[1];
      const key = rng.normal(F, 0, scale);
      for (let f = 0; f < F; f++) {
        const sign = pats.texture[texture[i] * F + f] < 0 ? -1 : 1;
        out[base + keyPos * F + f] = key[f] + z[keyPos * F + f];
        out[base + texPos * F + f] = key[f] * sign + z[texPos * F + f];
      }
    }
  }
  return out;
}

/** The standard deviation of a modality's texture pattern entries (the key token's scale in "product" mode). */
function patternStd(pats: ModalityPatterns): number {
  let ss = 0;
  for (const v of pats.texture) ss += v * v;
  return Math.sqrt(ss / pats.texture.length);
}

/** Render a split from attributes (rng supplies positions, distractors and noise). */
export function renderSyntheticSplit(
  attrs: SyntheticAttributes,
  patterns: [ModalityPatterns, ModalityPatterns],
  perm: Int32Array,
  rng: Philox,
  T: number,
  F: number,
  noise: number,
  textureMode: TextureMode = "pattern",
): MultimodalSplit {
  const n = attrs.shape.length;
  const a = renderModality(
    rng,
    patterns[0],
    attrs.shape,
    attrs.textureA,
    attrs.colourA,
    T,
    F,
    noise,
    textureMode === "product" ? "product" : "pattern",
  );
  const b = renderModality(
    rng,
    patterns[1],
    attrs.shape,
    attrs.textureB,
    attrs.colourB,
    T,
    F,
    noise,
    textureMode === "pattern" ? "pattern" : "product",
  );
  return {
    modalities: [
      { kind: "sequence", shape: [n, T, F], data: a },
      { kind: "sequence", shape: [n, T, F], data: b },
    ],
    labels: syntheticLabels(attrs, perm),
  };
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`synthetic dataset: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

/**
 * The synthetic bimodal dataset (see the module comment): two sequence modalities [N, T, F], the four
 * Trifeatures tasks, and ssl / probeTrain / probeTest splits of nSsl / nProbeTrain / nProbeTest samples.
 * Options left out take {@link SYNTHETIC_DATA_DEFAULTS}; the same options always give the same data.
 *
 * Throws naming the option when a count is not an integer in range (T at least 3), noise is negative or
 * patternScale is not positive.
 *
 * @example
 * ```ts
 * import { makeSyntheticDataset } from "./mod.ts";
 * const ds = makeSyntheticDataset({ seed: 1, nSsl: 256, nProbeTrain: 200, nProbeTest: 100 });
 * console.log(ds.ssl.modalities[0].shape); // [256, 6, 16]
 * ```
 */
export function makeSyntheticDataset(opts: SyntheticOptions = {}): MultimodalDataset {
  const d = SYNTHETIC_DATA_DEFAULTS;
  const seed = opts.seed ?? d.seed;
  const nSsl = opts.nSsl ?? d.nSsl;
  const nProbeTrain = opts.nProbeTrain ?? d.nProbeTrain;
  const nProbeTest = opts.nProbeTest ?? d.nProbeTest;
  const T = opts.T ?? d.T;
  const F = opts.F ?? d.F;
  const noise = opts.noise ?? d.noise;
  const patternScale = opts.patternScale ?? d.patternScale;
  const nDistractors = opts.nDistractors ?? d.nDistractors;
  checkInt("seed", seed, 0);
  checkInt("nSsl", nSsl, 1);
  checkInt("nProbeTrain", nProbeTrain, 1);
  checkInt("nProbeTest", nProbeTest, 1);
  checkInt("T", T, 3);
  checkInt("F", F, 1);
  checkInt("nDistractors", nDistractors, 1);
  if (!(noise >= 0)) throw new Error(`synthetic dataset: noise must be >= 0, got ${noise}`);
  if (!(patternScale > 0)) {
    throw new Error(`synthetic dataset: patternScale must be > 0, got ${patternScale}`);
  }

  const textureMode = opts.textureMode ?? d.textureMode;
  if (textureMode !== "pattern" && textureMode !== "product" && textureMode !== "productB") {
    throw new Error(
      `synthetic dataset: textureMode must be "pattern", "product" or "productB", got ${
        JSON.stringify(textureMode)
      }`,
    );
  }
  if (textureMode !== "pattern" && T < 4) {
    throw new Error(
      `synthetic dataset: textureMode "${textureMode}" needs T >= 4 (a key token), got T = ${T}`,
    );
  }
  const perm = syntheticSynergyPermutation(seed);
  const textureScale = opts.textureScale ?? d.textureScale;
  if (!(textureScale > 0)) {
    throw new Error(`synthetic dataset: textureScale must be > 0, got ${textureScale}`);
  }
  const patterns = makeSyntheticPatterns(seed, F, patternScale, nDistractors);
  if (textureScale !== 1) {
    for (const p of patterns) p.texture.forEach((v, i) => (p.texture[i] = v * textureScale));
  }
  const split = (
    purpose: "ssl" | "probeTrain" | "probeTest",
    n: number,
    biased: boolean,
  ): MultimodalSplit => {
    const rng = new Philox(seed, STREAMS.synthetic[purpose]);
    const attrs = drawSyntheticAttributes(n, rng, perm, biased);
    return renderSyntheticSplit(attrs, patterns, perm, rng, T, F, noise, textureMode);
  };
  return {
    name: "synthetic",
    tasks: [...TRIFEATURES_TASKS],
    numClasses: { redundancy: 10, uniqueness1: 10, uniqueness2: 10, synergy: 2 },
    ssl: split("ssl", nSsl, opts.biasedSsl ?? d.biasedSsl),
    probeTrain: split("probeTrain", nProbeTrain, false),
    probeTest: split("probeTest", nProbeTest, false),
  };
}
