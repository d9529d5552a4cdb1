/**
 * Linear-probe evaluation (docs/shared.md#linear-probe): frozen features of the probe splits, then one probe
 * per task.
 *
 * @module
 */
import type { MultimodalDataset, MultimodalSplit } from "../data/types.ts";
import { splitSize } from "../data/types.ts";
import { sequentialBatches } from "../data/batches.ts";
import { linearProbe, type ProbeResult } from "../eval/probe.ts";
import type { SslModel } from "../models/method.ts";
import { tidy } from "../tensor/mod.ts";
import { plainBatch, toTensors } from "./views.ts";

/** Features [N, D] of a split, computed in eval mode in batches. */
export function extractFeatures(
  model: SslModel,
  split: MultimodalSplit,
  batch = 256,
): { x: Float32Array; dim: number } {
  const n = splitSize(split);
  const chunks: Float32Array[] = [];
  let dim = 0;
  for (const rows of sequentialBatches(n, batch)) {
    // embed() runs in eval mode without gradients and restores the training mode
    const f = tidy(() => model.embed(toTensors(plainBatch(split, rows))));
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

/** Probe scores per task name. */
export type ProbeScores = Record<
  string,
  { balancedAccuracy: number; accuracy: number; auroc?: number; C: number }
>;

/**
 * Fits and scores a linear probe for every task of the dataset on the model's frozen features: C is chosen
 * on probeVal when the dataset has one, else on a holdout of probeTrain drawn from `seed`; the probe is then
 * refit on probeTrain (+ probeVal) and scored on probeTest. `classWeight` "balanced" weights classes
 * inversely to their frequency.
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
  opts: { seed: number; classWeight: "balanced" | null; fineSearch: boolean },
): ProbeScores {
  const train = extractFeatures(model, ds.probeTrain);
  const test = extractFeatures(model, ds.probeTest);
  const val = ds.probeVal ? extractFeatures(model, ds.probeVal) : null;
  const out: ProbeScores = {};
  for (const task of ds.tasks) {
    const r: ProbeResult = linearProbe(
      { x: train.x, y: ds.probeTrain.labels[task] },
      { x: test.x, y: ds.probeTest.labels[task] },
      {
        dim: train.dim,
        numClasses: ds.numClasses[task],
        val: val && ds.probeVal ? { x: val.x, y: ds.probeVal.labels[task] } : undefined,
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
