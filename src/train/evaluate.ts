/**
 * Linear-probe evaluation (docs/shared.md#linear-probe): frozen features of the probe splits, then one probe
 * per task.
 *
 * @module
 */
import type { ModalityArray, MultimodalDataset, MultimodalSplit } from "../data/types.ts";
import { splitSize } from "../data/types.ts";
import { gatherModality, sequentialBatches } from "../data/batches.ts";
import { augmentImages } from "../data/augment_image.ts";
import { linearProbe, type ProbeResult } from "../eval/probe.ts";
import { randomHoldout, takeLabels, takeRows } from "../eval/split.ts";
import type { SslModel } from "../models/method.ts";
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";
import { concat, reshape, type Tensor, tidy } from "../tensor/mod.ts";
import { plainBatch, toTensors } from "./views.ts";

/** Features [N, D] of a split, row-major. */
export interface SplitFeatures {
  /** N x D values. */
  x: Float32Array;
  /** D. */
  dim: number;
}

/** How probe inputs are prepared: plain (images normalised), or images randomly cropped first. */
export interface ProbeInputOptions {
  /** The run's seed (the crops' stream derives from it). */
  seed: number;
  /** RandomResizedCrop area range for images at probe time (Trifeatures' [0.5, 1]); null: no crop. */
  imageCrop?: [number, number] | null;
}

/** Which probe split a crop stream belongs to. */
export type SplitName = keyof typeof STREAMS.probeCrop;

/**
 * The probe inputs of rows of a split: with `imageCrop`, every image gets a random resized crop of that area
 * range (no flip, jitter, grey or blur) then normalisation, drawn from the split's own probe-crop stream in
 * row order, so every feature extractor of a run sees the same crops; otherwise plainBatch.
 */
function probeBatch(split: MultimodalSplit, rows: Int32Array, crop: Philox | null, scale: [number, number]) {
  if (!crop) return plainBatch(split, rows);
  return split.modalities.map((m): ModalityArray => {
    const g = gatherModality(m, rows);
    if (g.kind !== "image") return g;
    return augmentImages(g, crop, { scale, pFlip: 0, pJitter: 0, pGray: 0, pBlur: 0 });
  });
}

/**
 * Features [N, D] of a split from `embed` (one tensor per modality in, [B, D] out), computed in batches of
 * `batch` rows under tidy.
 */
export function featuresOf(
  split: MultimodalSplit,
  embed: (inputs: Tensor[]) => Tensor,
  opts: ProbeInputOptions & { which?: SplitName; batch?: number } = { seed: 0 },
): SplitFeatures {
  const n = splitSize(split);
  const scale = opts.imageCrop ?? null;
  const crop = scale ? new Philox(opts.seed, STREAMS.probeCrop[opts.which ?? "train"]) : null;
  const chunks: Float32Array[] = [];
  let dim = 0;
  for (const rows of sequentialBatches(n, opts.batch ?? 256)) {
    const f = tidy(() => embed(toTensors(probeBatch(split, rows, crop, scale ?? [1, 1]))));
    dim = f.shape[1];
    chunks.push(f.dataSync());
    f.dispose();
  }
  const x = new Float32Array(n * dim);
  let off = 0;
  for (const c of chunks) {
    x.set(c, off);
    off += c.length;
  }
  return { x, dim };
}

/** Features [N, D] of a split from the model's probe embedding (eval mode, no gradients), plain inputs. */
export function extractFeatures(model: SslModel, split: MultimodalSplit, batch = 256): SplitFeatures {
  return featuresOf(split, (inputs) => model.embed(inputs), { seed: 0, batch });
}

/** The three probe splits' features. */
export interface ProbeFeatures {
  /** Probe-train features. */
  train: SplitFeatures;
  /** Probe-validation features, when the dataset has that split. */
  val: SplitFeatures | null;
  /** Probe-test features. */
  test: SplitFeatures;
}

/** Features of the dataset's probe splits from `embed`, with the run's probe inputs (crops or plain). */
export function probeFeatures(
  ds: MultimodalDataset,
  embed: (inputs: Tensor[]) => Tensor,
  opts: ProbeInputOptions,
): ProbeFeatures {
  return {
    train: featuresOf(ds.probeTrain, embed, { ...opts, which: "train" }),
    val: ds.probeVal ? featuresOf(ds.probeVal, embed, { ...opts, which: "val" }) : null,
    test: featuresOf(ds.probeTest, embed, { ...opts, which: "test" }),
  };
}

/** Probe scores per task name. */
export type ProbeScores = Record<
  string,
  { balancedAccuracy: number; accuracy: number; auroc?: number; C: number }
>;

/** The probe's settings: the holdout seed, class weighting and whether to refine C. */
export interface ProbeFitOptions {
  /** Seed of the holdout that picks C when there is no validation split. */
  seed: number;
  /** "balanced" weights classes inversely to their frequency; null: the papers' unweighted probe. */
  classWeight: "balanced" | null;
  /** Refine C by the fine search after the coarse grid. */
  fineSearch: boolean;
}

/**
 * Fits and scores a linear probe for every task on given features: C is chosen on the validation features
 * when there are some, else on a holdout of probe-train drawn from `seed`; the probe is then refit on
 * probe-train (+ validation) and scored on probe-test.
 */
export function probeTasks(ds: MultimodalDataset, f: ProbeFeatures, opts: ProbeFitOptions): ProbeScores {
  const out: ProbeScores = {};
  for (const task of ds.tasks) {
    const r: ProbeResult = linearProbe(
      { x: f.train.x, y: ds.probeTrain.labels[task] },
      { x: f.test.x, y: ds.probeTest.labels[task] },
      {
        dim: f.train.dim,
        numClasses: ds.numClasses[task],
        val: f.val && ds.probeVal ? { x: f.val.x, y: ds.probeVal.labels[task] } : undefined,
        classWeight: opts.classWeight,
        seed: opts.seed,
        fineSearch: opts.fineSearch,
      },
    );
    out[task] = {
      balancedAccuracy: r.balancedAccuracy,
      accuracy: r.accuracy,
      ...(r.auroc !== undefined ? { auroc: r.auroc } : {}),
      C: r.C,
    };
  }
  return out;
}

/**
 * Fits and scores a linear probe for every task of the dataset on the model's frozen features: C is chosen
 * on probeVal when the dataset has one, else on a holdout of probeTrain drawn from `seed`; the probe is then
 * refit on probeTrain (+ probeVal) and scored on probeTest. `classWeight` "balanced" weights classes
 * inversely to their frequency; `imageCrop` randomly crops images first (Trifeatures' probe transform).
 *
 * @example
 * ```ts
 * import { makeModel, makeSyntheticDataset, probeAllTasks, resolveConfig } from "./mod.ts";
 * const cfg = resolveConfig({ method: "comm" });
 * const ds = makeSyntheticDataset({ nSsl: 256, nProbeTrain: 200, nProbeTest: 100 });
 * const model = makeModel(cfg, ds); // untrained: the random-network baseline
 * const scores = probeAllTasks(model, ds, { seed: 0, ...cfg.probe });
 * console.log(scores.redundancy.balancedAccuracy);
 * ```
 */
export function probeAllTasks(
  model: SslModel,
  ds: MultimodalDataset,
  opts: ProbeFitOptions & ProbeInputOptions,
): ProbeScores {
  return probeTasks(ds, probeFeatures(ds, (inputs) => model.embed(inputs), opts), opts);
}

/** Raw inputs wider than this many features in all are not probed as the "raw" baseline. */
export const RAW_BASELINE_MAX_FEATURES = 4096;

/** Every modality's raw sample flattened and concatenated: [B, sum of per-sample sizes]. */
function rawFeatures(inputs: Tensor[]): Tensor {
  return tidy(() => {
    const flat = inputs.map((x) => reshape(x, [x.shape[0], -1]));
    return flat.length === 1 ? flat[0] : concat(flat, 1);
  });
}

/** The raw baseline per dataset object and probe options (it is the same for every method). */
const rawBaselineMemo = new WeakMap<MultimodalDataset, Map<string, ProbeScores>>();

/** The same probe on features that need no training, next to the model's: see {@link probeBaselines}. */
export type BaselineScores = Record<string, ProbeScores>;

/**
 * The paper's probe on two kinds of baseline features, so a reader sees whether the fused representation
 * helped: `raw`, the modalities' raw inputs concatenated (images normalised; only when they have at most
 * RAW_BASELINE_MAX_FEATURES features in all), and `modality<i>`, the trained model's features of modality i
 * alone (SslModel.embedModality). Same probe inputs (crops) as the model's probe.
 */
export function probeBaselines(
  model: SslModel,
  ds: MultimodalDataset,
  opts: ProbeFitOptions & ProbeInputOptions,
): BaselineScores {
  const out: BaselineScores = {};
  const rawWidth = ds.probeTrain.modalities.reduce(
    (s, m) => s + m.shape.slice(1).reduce((p, d) => p * d, 1),
    0,
  );
  if (rawWidth <= RAW_BASELINE_MAX_FEATURES) {
    // the raw inputs do not depend on the model: every method trained on this dataset object reuses them
    const key = JSON.stringify(opts);
    const memo = rawBaselineMemo.get(ds) ?? new Map<string, ProbeScores>();
    rawBaselineMemo.set(ds, memo);
    if (!memo.has(key)) memo.set(key, probeTasks(ds, probeFeatures(ds, rawFeatures, opts), opts));
    out.raw = memo.get(key)!;
  }
  ds.probeTrain.modalities.forEach((_, i) => {
    out[`modality${i}`] = probeTasks(
      ds,
      probeFeatures(ds, (inputs) => model.embedModality(inputs, i), opts),
      opts,
    );
  });
  return out;
}

/**
 * The model-selection score of the current weights, never from the test split: the mean balanced accuracy
 * over the tasks of a probe fitted on probe-train and scored on probe-val, or, without probe-val, on a fixed
 * 20 % holdout of probe-train (fitted on the other 80 %). The coarse C grid only, to keep it cheap per epoch.
 */
export function selectionScore(
  model: SslModel,
  ds: MultimodalDataset,
  opts: ProbeFitOptions & ProbeInputOptions,
): number {
  const embed = (inputs: Tensor[]) => model.embed(inputs);
  const train = featuresOf(ds.probeTrain, embed, { ...opts, which: "train" });
  let fit: { x: Float32Array; labels: (task: string) => Int32Array };
  let score: { x: Float32Array; labels: (task: string) => Int32Array };
  if (ds.probeVal) {
    const val = featuresOf(ds.probeVal, embed, { ...opts, which: "val" });
    fit = { x: train.x, labels: (t) => ds.probeTrain.labels[t] };
    score = { x: val.x, labels: (t) => ds.probeVal!.labels[t] };
  } else {
    const h = randomHoldout(splitSize(ds.probeTrain), 0.8, opts.seed);
    fit = {
      x: takeRows(train.x, train.dim, h.train),
      labels: (t) => takeLabels(ds.probeTrain.labels[t], h.train),
    };
    score = {
      x: takeRows(train.x, train.dim, h.val),
      labels: (t) => takeLabels(ds.probeTrain.labels[t], h.val),
    };
  }
  let sum = 0;
  for (const task of ds.tasks) {
    const r = linearProbe({ x: fit.x, y: fit.labels(task) }, { x: score.x, y: score.labels(task) }, {
      dim: train.dim,
      numClasses: ds.numClasses[task],
      classWeight: opts.classWeight,
      seed: opts.seed,
      fineSearch: false,
    });
    sum += r.balancedAccuracy;
  }
  return sum / ds.tasks.length;
}
