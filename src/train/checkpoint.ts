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

/** Whether `dir` holds a checkpoint (its model.json). */
export function hasCheckpoint(dir: string): boolean {
  try {
    Deno.statSync(`${dir}/model.json`);
    return true;
  } catch {
    return false;
  }
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

/**
 * Restores module and optimizer from `dir`; returns the sidecar. Throws when model.json is unreadable or of
 * an unknown format, when a safetensors file does not match the module or optimizer, or when the files record
 * different positions (an interrupted save).
 */
export function loadCheckpoint(dir: string, module: Module, optimizer: Optimizer): CheckpointMeta {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(Deno.readTextFileSync(`${dir}/model.json`));
  } catch (e) {
    throw new Error(`checkpoint ${dir}/model.json is unreadable: ${(e as Error).message}`);
  }
  if (meta.format !== 1 && meta.format !== 2) {
    throw new Error(`checkpoint ${dir}/model.json has unknown format ${meta.format}`);
  }
  const tag = positionTag(meta.epoch, meta.mid);
  const modelPath = `${dir}/model.safetensors`, optimizerPath = `${dir}/optimizer.safetensors`;
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
