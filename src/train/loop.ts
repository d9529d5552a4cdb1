/**
 * The training loop: two augmented views per batch, the method's loss, AdamW with the methods' parameter
 * groups, a checkpoint after every epoch, optional probes during training and the final linear probe.
 * Every random stream is derived from (seed, epoch) through src/random/streams.ts, so `--resume` continues
 * exactly as an uninterrupted run.
 *
 * @module
 */
import type { MultimodalDataset, MultimodalSplit } from "../data/types.ts";
import { splitSize } from "../data/types.ts";
import { epochBatches } from "../data/batches.ts";
import { Philox } from "../random/philox.ts";
import { epochStream, STREAMS } from "../random/streams.ts";
import { buildModel } from "../methods/registry.ts";
import type { ModalitySpec } from "../models/modality.ts";
import type { SslModel } from "../models/method.ts";
import { backend, globalGenerator, numLiveTensors, setBackend, setSeed } from "../tensor/mod.ts";
import { AnomalyError, withAnomalyDetection } from "./anomaly.ts";
import { JsonlWriter } from "../io/jsonl.ts";
import { ensureDir } from "../io/atomic.ts";
import { Progress } from "../io/progress.ts";
import { TensorBoardWriter } from "../io/tensorboard.ts";
import type { TrainConfig } from "./config.ts";
import { hasCheckpoint, loadCheckpoint, type MidEpochState, saveCheckpoint } from "./checkpoint.ts";
import { applyGradients, checkFiniteStep, lossAndGradients, makeOptimizer } from "./step.ts";
import { MAX_RESIDENT_BYTES, ResidentImages } from "./resident.ts";
import {
  type BaselineScores,
  probeAllTasks,
  probeBaselines,
  probeFeatures,
  type ProbeScores,
  probeTasks,
  selectionScore,
} from "./evaluate.ts";
import { loadModule, saveModule } from "../nn/state_io.ts";
import { loadSafetensors } from "../io/safetensors.ts";

/** One entry of the per-epoch history (also a line of metrics.jsonl). */
export interface EpochRecord {
  /** Always "epoch" (metrics.jsonl also holds a final "probe" line). */
  kind: "epoch";
  /** The epoch just completed, 1-based. */
  epoch: number;
  /** Mean loss over the epoch's steps. */
  loss: number;
  /** Mean of each named loss part over the epoch's steps. */
  parts: Record<string, number>;
  /** Wall-clock seconds of the epoch (training steps only, without the probe). */
  seconds: number;
  /** Training samples per second over the epoch. */
  samplesPerSec: number;
  /** Probe scores, on epochs where `run.evalEvery` asked for a probe. */
  probe?: ProbeScores;
  /** With `probe.select` "best-val": this epoch's validation score (mean balanced accuracy over the tasks). */
  selectionScore?: number;
}

/** What a finished run returns (results.json adds nothing private to it). */
export interface RunResult {
  /** The method trained. */
  method: string;
  /** The dataset's name. */
  dataset: string;
  /** The run's seed. */
  seed: number;
  /** The configured number of epochs. */
  epochs: number;
  /** The paper's probe (unweighted logistic regression), the headline numbers. */
  probe: ProbeScores;
  /** The same probe with balanced class weights (informative for imbalanced tasks such as synergy). */
  probeWeighted: ProbeScores;
  /** The paper's probe on the raw inputs (`raw`) and on each modality's own features (`modality<i>`). */
  baselines: BaselineScores;
  /** With `probe.select` "best-val": the epoch of the best validation score and the paper's probe there. */
  selected?: { epoch: number; score: number; probe: ProbeScores };
  /**
   * Wall-clock seconds of the training loop in this process (probes during training included, the final
   * probes not; a resumed run counts from the resume).
   */
  trainSeconds: number;
  /** One record per completed epoch, including those before a resume. */
  history: EpochRecord[];
  /** Whether the run was stopped early (then both probes are empty and the last checkpoint is kept). */
  interrupted: boolean;
}

/** Set by the CLI's SIGINT handler: the loop stops after the current step, keeping the last checkpoint. */
export interface StopFlag {
  /** Set to true to stop; the loop reads it after every step. */
  stopped: boolean;
}

/** Per-sample shapes of a dataset's modalities. */
export function modalitySpecs(ds: MultimodalDataset): ModalitySpec[] {
  return ds.ssl.modalities.map((m) => ({ kind: m.kind, shape: m.shape.slice(1) }));
}

/** Builds the model of a configuration with its deterministic initialisation. */
export function makeModel(cfg: TrainConfig, ds: MultimodalDataset): SslModel {
  setSeed(cfg.run.seed, STREAMS.init);
  return buildModel(cfg.method, modalitySpecs(ds), cfg.architecture, cfg.settings);
}

/**
 * Trains `cfg.method` on `ds`, writing checkpoints and metrics into cfg.run.out, then probes every task with
 * the unweighted and the class-weighted linear probe. Computes on `cfg.backend`; with `opts.resume` it
 * continues from the checkpoint in cfg.run.out when there is one. Throws when the SSL split holds fewer
 * samples than one batch, when the loss or a gradient becomes non-finite (naming the epoch and step; the
 * last checkpoint is kept), or when a checkpoint cannot be restored.
 *
 * @example
 * ```ts
 * import { makeSyntheticDataset, resolveConfig, trainAndEvaluate } from "./mod.ts";
 * const cfg = resolveConfig({ method: "comm", run: { epochs: 1, out: "runs/example" } });
 * const ds = makeSyntheticDataset({ seed: cfg.run.seed, nSsl: 512, nProbeTrain: 400, nProbeTest: 200 });
 * const result = trainAndEvaluate(cfg, ds, { progress: false });
 * console.log(result.probe.synergy.balancedAccuracy);
 * ```
 */
export function trainAndEvaluate(
  cfg: TrainConfig,
  ds: MultimodalDataset,
  opts: {
    /** Continue from the checkpoint in cfg.run.out when there is one (default false). */
    resume?: boolean;
    /** Checked after every step; when set, the run stops and keeps the last checkpoint. */
    stop?: StopFlag;
    /** Show the progress line (default true). */
    progress?: boolean;
    /** Where the progress line and log lines go (default stderr). */
    write?: (s: string) => void;
    /** Also write TensorBoard event files under OUT/tensorboard/ (losses, parts, lr, samples/s, probes). */
    tensorboard?: boolean;
    /** Check every primitive for the first non-finite value it produces (slow; src/train/anomaly.ts). */
    detectAnomaly?: boolean;
  } = {},
): RunResult {
  setBackend(cfg.backend);
  const run = cfg.run;
  ensureDir(run.out);
  const model = makeModel(cfg, ds);
  const optimizer = makeOptimizer(model, cfg.optimizer.lr, cfg.optimizer.weightDecay);
  let startEpoch = 0;
  let history: EpochRecord[] = [];
  let resumeMid: MidEpochState | undefined;
  if (opts.resume && hasCheckpoint(run.out)) {
    const meta = loadCheckpoint(run.out, model.module, optimizer);
    startEpoch = meta.epoch;
    history = meta.history as EpochRecord[];
    resumeMid = meta.mid;
  }
  const probeOpts = { seed: run.seed, ...cfg.probe };
  // "best-val" selection keeps the best epoch's weights in OUT/best.safetensors (survives a resume)
  const bestPath = `${run.out}/best.safetensors`;
  let best: { epoch: number; score: number } | null = null;
  if (cfg.probe.select === "best-val" && startEpoch > 0) {
    try {
      const { metadata } = loadSafetensors(bestPath);
      best = { epoch: Number(metadata.epoch), score: Number(metadata.score) };
    } catch { /* no best epoch saved yet */ }
  }
  const metrics = JsonlWriter.open(`${run.out}/metrics.jsonl`, { append: startEpoch > 0 });
  const n = splitSize(ds.ssl);
  const stepsPerEpoch = Math.floor(n / run.batch);
  if (stepsPerEpoch < 1) {
    throw new Error(`dataset ${ds.name} has ${n} training samples, fewer than one batch of ${run.batch}`);
  }
  const progress = new Progress({
    total: stepsPerEpoch * run.epochs,
    label: `${cfg.method}/${ds.name}`,
    startStep: startEpoch * stepsPerEpoch + (resumeMid?.step ?? 0),
    write: opts.write,
    ...(opts.progress === false ? { write: () => {} } : {}),
  });
  const tb = opts.tensorboard ? TensorBoardWriter.open(`${run.out}/tensorboard`) : null;
  const logProbe = (prefix: string, p: ProbeScores, step: number) => {
    for (const [task, score] of Object.entries(p)) {
      tb?.scalar(`${prefix}/${task}`, score.balancedAccuracy, step);
    }
  };
  // On CUDA the training images stay on the device for the run (only row indices cross per batch).
  const resident = residentImagesFor(ds.ssl, progress.log.bind(progress));
  const live0 = numLiveTensors();
  let interrupted = false;
  const t0 = performance.now();
  let lastSave = t0;
  try {
    for (let epoch = startEpoch; epoch < run.epochs && !interrupted; epoch++) {
      const tEpoch = performance.now();
      const batches = epochBatches(n, run.batch, new Philox(run.seed, epochStream("batches", epoch)));
      const augRng = new Philox(run.seed, epochStream("augment", epoch));
      const ctx = { epoch, maxEpochs: run.epochs, rng: new Philox(run.seed, epochStream("masks", epoch)) };
      setSeed(run.seed, epochStream("dropout", epoch));
      let lossSum = 0;
      let partSums: Record<string, number> = {};
      let first = 0;
      if (resumeMid && epoch === startEpoch) {
        // continue the epoch where the checkpoint left it: the same batches and random streams from there on
        augRng.skip(BigInt(resumeMid.rng.augment));
        ctx.rng.skip(BigInt(resumeMid.rng.masks));
        globalGenerator().skip(BigInt(resumeMid.rng.dropout));
        lossSum = resumeMid.lossSum;
        partSums = { ...resumeMid.partSums };
        first = resumeMid.step;
      }
      for (let s = first; s < batches.length; s++) {
        const step = () => lossAndGradients(model, ds.ssl, batches[s], augRng, ctx, { resident });
        let result: ReturnType<typeof step>;
        try {
          result = opts.detectAnomaly ? withAnomalyDetection(backend(), step) : step();
        } catch (e) {
          if (!(e instanceof AnomalyError)) throw e;
          throw new Error(`${e.message} at epoch ${epoch}, step ${s}; the last checkpoint is kept`, {
            cause: e,
          });
        }
        const { loss, parts } = result;
        checkFiniteStep(model, loss, parts, `epoch ${epoch}, step ${s}`);
        applyGradients(model, optimizer);
        lossSum += loss;
        for (const [k, v] of Object.entries(parts)) partSums[k] = (partSums[k] ?? 0) + v;
        const midDue = s + 1 < batches.length && (
          (run.checkpointEvery > 0 && (s + 1) % run.checkpointEvery === 0) ||
          (run.checkpointMinutes > 0 && performance.now() - lastSave >= run.checkpointMinutes * 60_000)
        );
        if (midDue) {
          const mid: MidEpochState = {
            step: s + 1,
            rng: {
              augment: String(augRng.offset),
              masks: String(ctx.rng.offset),
              dropout: String(globalGenerator().offset),
            },
            lossSum,
            partSums: { ...partSums },
          };
          saveCheckpoint(run.out, model.module, optimizer, { epoch, mid, config: cfg, history });
          lastSave = performance.now();
        }
        const done = epoch * stepsPerEpoch + s + 1;
        const elapsed = (performance.now() - tEpoch) / 1000;
        if (tb) {
          tb.scalar("loss/total", loss, done);
          for (const [k, v] of Object.entries(parts)) tb.scalar(`loss/${k}`, v, done);
          tb.scalar("lr", optimizer.groups[0].lr, done);
          for (const [k, v] of Object.entries(model.schedule?.(ctx) ?? {})) {
            tb.scalar(`schedule/${k}`, v, done);
          }
          tb.scalar("samples_per_sec", ((s + 1 - first) * run.batch) / elapsed, done);
        }
        progress.update({
          step: done,
          epoch: epoch + 1,
          loss: lossSum / (s + 1),
          samplesPerSec: ((s + 1) * run.batch) / elapsed,
          epochEnd: s === batches.length - 1,
        });
        if (opts.stop?.stopped) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) break; // the partial epoch is discarded; the last checkpoint stays as it was
      const seconds = (performance.now() - tEpoch) / 1000;
      const record: EpochRecord = {
        kind: "epoch",
        epoch: epoch + 1,
        loss: lossSum / batches.length,
        parts: Object.fromEntries(Object.entries(partSums).map(([k, v]) => [k, v / batches.length])),
        seconds,
        samplesPerSec: (batches.length * run.batch) / seconds,
      };
      if (run.evalEvery > 0 && (epoch + 1) % run.evalEvery === 0 && epoch + 1 < run.epochs) {
        record.probe = probeAllTasks(model, ds, probeOpts);
        progress.log(`epoch ${epoch + 1} probe: ${summarizeProbe(record.probe)}`);
        logProbe("probe", record.probe, (epoch + 1) * stepsPerEpoch);
      }
      if (cfg.probe.select === "best-val") {
        const score = selectionScore(model, ds, probeOpts);
        record.selectionScore = score;
        if (!best || score > best.score) {
          best = { epoch: epoch + 1, score };
          saveModule(bestPath, model.module, { epoch: String(epoch + 1), score: String(score) });
        }
      }
      history.push(record);
      tb?.scalar("epoch/loss", record.loss, (epoch + 1) * stepsPerEpoch);
      metrics.write({ ...record, liveTensors: numLiveTensors() - live0 });
      saveCheckpoint(run.out, model.module, optimizer, { epoch: epoch + 1, config: cfg, history });
      lastSave = performance.now();
    }
  } finally {
    resident?.dispose();
  }
  progress.done();
  const trainSeconds = (performance.now() - t0) / 1000;
  let probe: ProbeScores = {}, probeWeighted: ProbeScores = {}, baselines: BaselineScores = {};
  let selected: RunResult["selected"];
  if (!interrupted) {
    // one pass of feature extraction serves both probes
    const features = probeFeatures(ds, (inputs) => model.embed(inputs), probeOpts);
    probe = probeTasks(ds, features, probeOpts);
    probeWeighted = probeTasks(ds, features, { ...probeOpts, classWeight: "balanced" });
    if (cfg.probe.baselines) baselines = probeBaselines(model, ds, probeOpts);
    if (best) {
      loadModule(bestPath, model.module);
      selected = { epoch: best.epoch, score: best.score, probe: probeAllTasks(model, ds, probeOpts) };
      progress.log(`selected epoch ${best.epoch} (validation score ${best.score.toFixed(3)})`);
    }
  }
  if (!interrupted) {
    metrics.write({ kind: "probe", epoch: run.epochs, probe, probeWeighted, baselines, selected });
    logProbe("probe", probe, run.epochs * stepsPerEpoch);
    logProbe("probe_class_weighted", probeWeighted, run.epochs * stepsPerEpoch);
  }
  tb?.close();
  metrics.close();
  optimizer.dispose();
  model.module.dispose();
  return {
    method: cfg.method,
    dataset: ds.name,
    seed: run.seed,
    epochs: run.epochs,
    probe,
    probeWeighted,
    baselines,
    ...(selected ? { selected } : {}),
    trainSeconds,
    history,
    interrupted,
  };
}

/**
 * The split's images kept on the active backend when it is CUDA and they fit under MAX_RESIDENT_BYTES (one
 * line says which), else undefined (batches are gathered on the host and uploaded).
 */
function residentImagesFor(split: MultimodalSplit, log: (line: string) => void): ResidentImages | undefined {
  const b = backend();
  if (b.name !== "cuda" || !split.modalities.some((m) => m.kind === "image")) return undefined;
  if (!ResidentImages.fits(split)) {
    const cap = (MAX_RESIDENT_BYTES / 1024 ** 3).toFixed(0);
    log(`training images above ${cap} GiB: each batch is gathered on the host and uploaded`);
    return undefined;
  }
  const resident = new ResidentImages(split, b);
  log(`training images kept on ${b.name}: ${(resident.bytes / 1024 ** 2).toFixed(1)} MiB`);
  return resident;
}

/** "task 0.910, …": each task's balanced accuracy to 3 decimals, for progress lines. */
export function summarizeProbe(p: ProbeScores): string {
  return Object.entries(p).map(([t, s]) => `${t} ${s.balancedAccuracy.toFixed(3)}`).join(", ");
}
