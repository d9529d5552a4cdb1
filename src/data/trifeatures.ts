/**
 * `--dataset trifeatures`: the bimodal Trifeatures benchmark (docs/shared.md#trifeatures), rendered here.
 *
 * 1000 (shape, texture, colour) combos are shuffled; 800 train combos × 3 renders and 200 test
 * combos × 1 render. Pairs (image a, image b) are ordered same-shape pairs, (a, a) included.
 * ssl = biased pairs with (texture_a, colour_b) ∈ P of train images (at most maxSsl, sampled
 * without replacement); probeTrain / probeTest = unbiased pairs of train / test images.
 * Tasks as in synthetic.ts: redundancy = shape, uniqueness1 = texture_a, uniqueness2 = texture_b,
 * synergy = 1 iff colour_b == perm[texture_a].
 *
 * Randomness: Philox(seed) on the streams of `STREAMS.trifeatures` (src/random/streams.ts: combos,
 * synergyPermutation, render, sslPairs, probeTrainPairs, probeTestPairs; ids 10_000..10_005), one per
 * purpose.
 *
 * Defaults: {@link TRIFEATURES_DATA_DEFAULTS} fill every omitted option.
 *
 * @module
 */
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";
import { TRIFEATURES_TASKS } from "./synthetic.ts";
import { renderTrifeaturesImage } from "./trifeatures_render.ts";
import type { MultimodalDataset, MultimodalSplit } from "./types.ts";

/** Options of the Trifeatures dataset. */
export interface TrifeaturesOptions {
  /** Default 42 (the recipe's numpy seed; the images differ from numpy's anyway). */
  seed?: number;
  /** Image side S (224 in the paper; default 32 for CPU runs). */
  size?: number;
  /** Cap of the SSL pairs (default 10000, the paper's max_size). */
  maxSsl?: number;
  /**
   * SSL split = the biased pairs, every pair a synergy positive, as the papers train for synergy (default
   * true); false gives unbiased same-shape pairs, as they train for redundancy and uniqueness.
   */
  biasedSsl?: boolean;
  /** Cap of the unbiased probe-train pairs (default 10000, the papers' probe set size). */
  maxProbeTrain?: number;
  /** Cap of the unbiased probe-test pairs (default 4000, about all of them). */
  maxProbeTest?: number;
  /** Sub-samples per pixel side when rendering (default 2). */
  supersample?: number;
}

/**
 * Default of every Trifeatures option, the single source used by {@link makeTrifeaturesDataset} for
 * each option left out (and by the CLI's `--dataset trifeatures`).
 *
 * @example
 * ```ts
 * import { TRIFEATURES_DATA_DEFAULTS } from "./mod.ts";
 * const side = TRIFEATURES_DATA_DEFAULTS.size; // 32
 * ```
 */
export const TRIFEATURES_DATA_DEFAULTS: Readonly<Required<TrifeaturesOptions>> = Object.freeze({
  seed: 42,
  size: 32,
  maxSsl: 10000,
  biasedSsl: true,
  maxProbeTrain: 10000,
  maxProbeTest: 4000,
  supersample: 2,
});

/** Rendered images with their attributes. */
export interface TrifeaturesImages {
  /** Image side S. */
  size: number;
  /** [N, 3, S, S] in [0, 1]. */
  images: Float32Array;
  /** Shape id per image. */
  shape: Int32Array;
  /** Texture id per image. */
  texture: Int32Array;
  /** Colour id per image. */
  colour: Int32Array;
  /** Indices of train images (800 combos × 3). */
  trainIdx: Int32Array;
  /** Indices of test images (200 combos × 1). */
  testIdx: Int32Array;
}

/** The synergy permutation P: (texture t, colour perm[t]) are the positive combos. */
export function trifeaturesSynergyPermutation(seed: number): Int32Array {
  return new Philox(seed, STREAMS.trifeatures.synergyPermutation).permutation(10);
}

/**
 * Render the 2600 images: the 800 train combos 3 times each (indices 0..2399), then the 200 test combos once
 * (2400..2599), each [3, size, size] with `supersample`² samples per pixel.
 */
export function makeTrifeaturesImages(
  seed: number,
  size: number,
  supersample: number = TRIFEATURES_DATA_DEFAULTS.supersample,
): TrifeaturesImages {
  const combos = new Philox(seed, STREAMS.trifeatures.combos).permutation(1000);
  const nTrain = 800 * 3, n = nTrain + 200;
  const shape = new Int32Array(n), texture = new Int32Array(n), colour = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i < nTrain ? combos[Math.floor(i / 3)] : combos[800 + i - nTrain];
    shape[i] = Math.floor(c / 100);
    texture[i] = Math.floor(c / 10) % 10;
    colour[i] = c % 10;
  }
  const rng = new Philox(seed, STREAMS.trifeatures.render);
  const img = 3 * size * size;
  const images = new Float32Array(n * img);
  const room = (1 - 128 / 224) / 2; // offsets keep the template box on the canvas
  for (let i = 0; i < n; i++) {
    const rot = rng.randint(2, 91);
    const off = rng.uniform(2);
    const noiseSeed = rng.nextUint32(new Uint32Array(1))[0];
    const params = {
      rotation: rot[0] - 45,
      textureRotation: rot[1] - 45,
      dx: (2 * off[0] - 1) * room,
      dy: (2 * off[1] - 1) * room,
      noiseSeed,
    };
    renderTrifeaturesImage(shape[i], texture[i], colour[i], params, size, images, i * img, supersample);
  }
  const trainIdx = new Int32Array(nTrain).map((_, i) => i);
  const testIdx = new Int32Array(200).map((_, i) => nTrain + i);
  return { size, images, shape, texture, colour, trainIdx, testIdx };
}

/**
 * Ordered same-shape pairs (a, b) of the images in idx (a == b included), optionally only those
 * with colour_b == perm[texture_a]; at most max of them, drawn without replacement by rng and
 * returned in (a, b) order. Returns [aIdx, bIdx].
 */
export function trifeaturesPairs(
  im: TrifeaturesImages,
  idx: Int32Array,
  biasedPerm: Int32Array | null,
  max: number,
  rng: Philox,
): [Int32Array, Int32Array] {
  const cand: number[] = [];
  const m = idx.length;
  for (let i = 0; i < m; i++) {
    const a = idx[i];
    for (let j = 0; j < m; j++) {
      const b = idx[j];
      if (im.shape[a] !== im.shape[b]) continue;
      if (biasedPerm && im.colour[b] !== biasedPerm[im.texture[a]]) continue;
      cand.push(i * m + j);
    }
  }
  let chosen: number[];
  if (cand.length <= max) chosen = cand;
  else {
    const order = rng.permutation(cand.length);
    chosen = Array.from(order.subarray(0, max), (k) => cand[k]).sort((x, y) => x - y);
  }
  const aIdx = new Int32Array(chosen.length), bIdx = new Int32Array(chosen.length);
  chosen.forEach((k, r) => {
    aIdx[r] = idx[Math.floor(k / m)];
    bIdx[r] = idx[k % m];
  });
  return [aIdx, bIdx];
}

/** Materialise a split from pair indices: image modalities [n, 3, S, S] of aIdx and bIdx, and the labels. */
export function trifeaturesSplit(
  im: TrifeaturesImages,
  aIdx: Int32Array,
  bIdx: Int32Array,
  perm: Int32Array,
): MultimodalSplit {
  const n = aIdx.length, S = im.size, img = 3 * S * S;
  const gather = (ids: Int32Array): Float32Array => {
    const out = new Float32Array(n * img);
    for (let r = 0; r < n; r++) out.set(im.images.subarray(ids[r] * img, (ids[r] + 1) * img), r * img);
    return out;
  };
  const synergy = new Int32Array(n);
  for (let r = 0; r < n; r++) synergy[r] = im.colour[bIdx[r]] === perm[im.texture[aIdx[r]]] ? 1 : 0;
  return {
    modalities: [
      { kind: "image", shape: [n, 3, S, S], data: gather(aIdx) },
      { kind: "image", shape: [n, 3, S, S], data: gather(bIdx) },
    ],
    labels: {
      redundancy: aIdx.map((a) => im.shape[a]),
      uniqueness1: aIdx.map((a) => im.texture[a]),
      uniqueness2: bIdx.map((b) => im.texture[b]),
      synergy,
    },
  };
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`trifeatures dataset: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

/**
 * The bimodal Trifeatures dataset (see the module comment): two image modalities [N, 3, S, S] in [0, 1], the
 * four tasks, a biased ssl split and unbiased probe splits. Options left out take
 * {@link TRIFEATURES_DATA_DEFAULTS}. Rendering costs about 2600·S²·supersample² shape tests, so keep `size`
 * small on the CPU.
 *
 * Throws naming the option when a value is not an integer in range (size at least 8, the others at least 1).
 *
 * @example
 * ```ts
 * import { makeTrifeaturesDataset } from "./mod.ts";
 * const ds = makeTrifeaturesDataset({ size: 16, maxSsl: 512, maxProbeTrain: 256, maxProbeTest: 256 });
 * console.log(ds.ssl.modalities[0].shape); // [512, 3, 16, 16]
 * ```
 */
export function makeTrifeaturesDataset(opts: TrifeaturesOptions = {}): MultimodalDataset {
  const d = TRIFEATURES_DATA_DEFAULTS;
  const seed = opts.seed ?? d.seed;
  const size = opts.size ?? d.size;
  const maxSsl = opts.maxSsl ?? d.maxSsl;
  const maxProbeTrain = opts.maxProbeTrain ?? d.maxProbeTrain;
  const maxProbeTest = opts.maxProbeTest ?? d.maxProbeTest;
  const ss = opts.supersample ?? d.supersample;
  checkInt("seed", seed, 0);
  checkInt("size", size, 8);
  checkInt("maxSsl", maxSsl, 1);
  checkInt("maxProbeTrain", maxProbeTrain, 1);
  checkInt("maxProbeTest", maxProbeTest, 1);
  checkInt("supersample", ss, 1);
  const im = makeTrifeaturesImages(seed, size, ss);
  const perm = trifeaturesSynergyPermutation(seed);
  type PairPurpose = "sslPairs" | "probeTrainPairs" | "probeTestPairs";
  const split = (idx: Int32Array, biased: boolean, max: number, purpose: PairPurpose): MultimodalSplit => {
    const rng = new Philox(seed, STREAMS.trifeatures[purpose]);
    const [a, b] = trifeaturesPairs(im, idx, biased ? perm : null, max, rng);
    return trifeaturesSplit(im, a, b, perm);
  };
  return {
    name: "trifeatures",
    tasks: [...TRIFEATURES_TASKS],
    numClasses: { redundancy: 10, uniqueness1: 10, uniqueness2: 10, synergy: 2 },
    ssl: split(im.trainIdx, opts.biasedSsl ?? d.biasedSsl, maxSsl, "sslPairs"),
    probeTrain: split(im.trainIdx, false, maxProbeTrain, "probeTrainPairs"),
    probeTest: split(im.testIdx, false, maxProbeTest, "probeTestPairs"),
  };
}
