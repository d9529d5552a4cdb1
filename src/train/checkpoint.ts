/**
 * Checkpoints for `--resume`: `model.safetensors` (weights and buffers, readable by Python's safetensors),
 * `optimizer.safetensors` (AdamW moments and scalars, the layout of src/optim/state_io.ts) and `model.json`
 * (config, completed epochs, metric history). Each file is written atomically (temp file + rename) and all
 * three record the position, so a crash mid-save is detected on resume instead of silently mixing epochs; the
 * previous good files are never overwritten in place. Checkpoints of format 1 (optimizer scalars in
 * model.json) still load.
 *
 * @module
 */
import { writeJsonAtomic } from "../io/atomic.ts";
import type { Module } from "../nn/module.ts";
import { loadModule, saveModule } from "../nn/state_io.ts";
import type { Optimizer } from "../optim/optimizer.ts";
import { loadOptimizer, type OptimizerScalars, saveOptimizer } from "../optim/state_io.ts";

/**
 * Where a checkpoint taken inside an epoch stands: the steps done in epoch `epoch` (0-based, the incomplete
 * one), the offsets of the epoch's random streams, and the running loss sums, so a resume continues the epoch
 * exactly.
 */
export interface MidEpochState {
  /** Steps (batches) of epoch `epoch` already done. */
  step: number;
  /**
   * Philox offsets (32-bit outputs consumed) of the augmentation, mask and dropout streams, as decimal
   * strings.
   */
  rng: { augment: string; masks: string; dropout: string };
  /** Sum of the step losses so far in the epoch. */
  lossSum: number;
  /** Sums of each named loss part so far in the epoch. */
  partSums: Record<string, number>;
}

/** What the JSON sidecar holds. */
export interface CheckpointMeta {
  /** 2 (format 1 also kept the optimizer's scalars here). */
  format: 1 | 2;
  /** Number of completed epochs. */
  epoch: number;
  /** Present when the checkpoint was taken inside epoch `epoch`. */
  mid?: MidEpochState;
  /** The run's resolved configuration. */
  config: unknown;
  /** Format 1 only: the optimizer's scalars (format 2 keeps them in optimizer.safetensors). */
  optimizer?: OptimizerScalars;
  /** The per-epoch records so far. */
  history: unknown[];
}

/** Writes the three checkpoint files into `dir` (model.json last: it is what marks the checkpoint). */
export function saveCheckpoint(
  dir: string,
  module: Module,
  optimizer: Optimizer,
  meta: Omit<CheckpointMeta, "format" | "optimizer">,
): void {
  const tag = { epoch: positionTag(meta.epoch, meta.mid) };
  // Keep the last complete checkpoint as *.prev until the new one is whole: a crash at any point leaves one
  // consistent set (the new files, or the previous ones) that loadCheckpoint finds.
  // model.json is written last, so the current set is complete exactly when it exists; an incomplete one (an
  // interrupted save) is dropped and the previous set stays.
  const complete = exists(`${dir}/model.json`);
  for (const f of CHECKPOINT_FILES) {
    try {
      if (complete) Deno.renameSync(`${dir}/${f}`, `${dir}/${f}${PREVIOUS}`);
      else Deno.removeSync(`${dir}/${f}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  saveOptimizer(`${dir}/optimizer.safetensors`, optimizer, tag);
  saveModule(`${dir}/model.safetensors`, module, tag);
  const full: CheckpointMeta = { format: 2, ...meta };
  writeJsonAtomic(`${dir}/model.json`, full);
}

/**
 * Why `--resume` cannot continue in these run folders (each needs its checkpoint), or null when it can.
 * With several folders (`--compare`, one per method) it is enough that one holds a checkpoint: the others
 * start from scratch.
 */
export function resumeProblem(dirs: string[]): string | null {
  if (dirs.some(hasCheckpoint)) return null;
  const where = dirs.length === 1 ? dirs[0] : `any of ${dirs.join(", ")}`;
  return `--resume: no checkpoint (model.json) in ${where}; run without --resume to start from scratch`;
}

/** The files of one checkpoint. */
export const CHECKPOINT_FILES: readonly string[] = [
  "model.json",
  "model.safetensors",
  "optimizer.safetensors",
];
/** Suffix of the previous checkpoint's files while a new one is being written. */
const PREVIOUS = ".prev";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `dir` holds a checkpoint (its model.json, or the previous one's while a save was interrupted). */
export function hasCheckpoint(dir: string): boolean {
  return exists(`${dir}/model.json`) || exists(`${dir}/model.json${PREVIOUS}`);
}

/** The position every file of a checkpoint records: completed epochs, and "+steps" inside an epoch. */
function positionTag(epoch: number, mid?: MidEpochState): string {
  return mid ? `${epoch}+${mid.step}` : String(epoch);
}

/** Refuses a checkpoint file whose recorded position differs from model.json's. */
function samePosition(path: string, tag: string): (metadata: Record<string, string>) => void {
  return (metadata) => {
    if (metadata.epoch !== tag) {
      throw new Error(
        `checkpoint ${path} is from epoch ${metadata.epoch}, model.json from epoch ${tag} ` +
          `(a save was interrupted); delete the checkpoint or start without --resume`,
      );
    }
  };
}

/** Loads one set of checkpoint files (`suffix` "" or ".prev"; a file without its .prev copy is taken as is). */
function loadSet(dir: string, suffix: string, module: Module, optimizer: Optimizer): CheckpointMeta {
  const path = (
    f: string,
  ) => (suffix && exists(`${dir}/${f}${suffix}`) ? `${dir}/${f}${suffix}` : `${dir}/${f}`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(Deno.readTextFileSync(path("model.json")));
  } catch (e) {
    throw new Error(`checkpoint ${path("model.json")} is unreadable: ${(e as Error).message}`);
  }
  if (meta.format !== 1 && meta.format !== 2) {
    throw new Error(`checkpoint ${path("model.json")} has unknown format ${meta.format}`);
  }
  const tag = positionTag(meta.epoch, meta.mid);
  const modelPath = path("model.safetensors"), optimizerPath = path("optimizer.safetensors");
  // allowUnitAxes: checkpoints from before the mask token became [1, 1, E] (and COrAL's query 1-D) still load
  loadModule(modelPath, module, {
    strict: true,
    allowUnitAxes: true,
    checkMetadata: samePosition(modelPath, tag),
  });
  loadOptimizer(optimizerPath, optimizer, {
    checkMetadata: samePosition(optimizerPath, tag),
    scalars: meta.optimizer,
  });
  return meta;
}

/**
 * Restores module and optimizer from `dir`; returns the sidecar. When the latest save was interrupted (a
 * file missing, unreadable or from another position) it falls back to the previous complete checkpoint,
 * saying so on stderr. Throws when neither set loads: model.json unreadable or of an unknown format, a
 * safetensors file that does not match the module or optimizer, or files that record different positions.
 */
export function loadCheckpoint(dir: string, module: Module, optimizer: Optimizer): CheckpointMeta {
  try {
    return loadSet(dir, "", module, optimizer);
  } catch (latest) {
    if (!exists(`${dir}/model.json${PREVIOUS}`)) throw latest;
    try {
      const meta = loadSet(dir, PREVIOUS, module, optimizer);
      console.error(
        `[mmssl] checkpoint: the latest save in ${dir} is incomplete (${(latest as Error).message}); ` +
          `resuming from the previous one (epoch ${positionTag(meta.epoch, meta.mid)})`,
      );
      return meta;
    } catch {
      throw latest;
    }
  }
}
