/**
 * Checkpoints for `--resume`: `model.safetensors` (weights and buffers, readable by Python's safetensors),
 * `optimizer.safetensors` (AdamW moments) and `model.json` (config, completed epochs, optimizer scalars,
 * metric history). Each file is written atomically (temp file + rename) and all three record the epoch, so a
 * crash mid-save is detected on resume instead of silently mixing epochs; the previous good files are never
 * overwritten in place.
 */
import { loadSafetensors, type SafetensorsTensor, saveSafetensors } from "../io/safetensors.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import type { Module } from "../nn/module.ts";
import type { Optimizer, OptimizerStateDict } from "../optim/optimizer.ts";
import { type Tensor, tensor } from "../tensor/mod.ts";

/**
 * Where a checkpoint taken inside an epoch stands: the steps done in epoch `epoch` (0-based, the incomplete
 * one), the offsets of the epoch's random streams, and the running loss sums, so a resume continues the epoch
 * exactly.
 */
export interface MidEpochState {
  step: number;
  /** Philox offsets (32-bit outputs consumed) of the augmentation, mask and dropout streams, as decimal strings. */
  rng: { augment: string; masks: string; dropout: string };
  lossSum: number;
  partSums: Record<string, number>;
}

/** What the JSON sidecar holds. */
export interface CheckpointMeta {
  format: 1;
  /** Number of completed epochs. */
  epoch: number;
  /** Present when the checkpoint was taken inside epoch `epoch`. */
  mid?: MidEpochState;
  config: unknown;
  optimizer: { kind: string; groups: { lr: number; weightDecay: number }[]; steps: number[] };
  history: unknown[];
}

function toRecord(map: Map<string, Tensor>): Record<string, SafetensorsTensor> {
  const out: Record<string, SafetensorsTensor> = {};
  for (const [name, t] of map) out[name] = { dtype: "F32", shape: [...t.shape], data: t.dataSync() };
  return out;
}

/** Writes the three checkpoint files into `dir`. */
export function saveCheckpoint(
  dir: string,
  module: Module,
  optimizer: Optimizer,
  meta: Omit<CheckpointMeta, "format" | "optimizer">,
): void {
  const tag = { epoch: positionTag(meta.epoch, meta.mid) };
  const sd: OptimizerStateDict = optimizer.stateDict();
  saveSafetensors(`${dir}/optimizer.safetensors`, toRecord(sd.tensors), tag);
  saveSafetensors(`${dir}/model.safetensors`, toRecord(module.stateDict()), tag);
  const full: CheckpointMeta = {
    format: 1,
    ...meta,
    optimizer: { kind: sd.kind, groups: sd.groups, steps: sd.steps },
  };
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

function tensorsOf(path: string, tag: string): Map<string, Tensor> {
  const file = loadSafetensors(path);
  if (file.metadata.epoch !== tag) {
    throw new Error(
      `checkpoint ${path} is from epoch ${file.metadata.epoch}, model.json from epoch ${tag} ` +
        `(a save was interrupted); delete the checkpoint or start without --resume`,
    );
  }
  const out = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(file.tensors)) {
    if (!(t.data instanceof Float32Array)) {
      throw new Error(`checkpoint ${path}: tensor "${name}" is not float32`);
    }
    out.set(name, tensor(t.data, t.shape));
  }
  return out;
}

/** Restores module and optimizer from `dir`; returns the sidecar. */
export function loadCheckpoint(dir: string, module: Module, optimizer: Optimizer): CheckpointMeta {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(Deno.readTextFileSync(`${dir}/model.json`));
  } catch (e) {
    throw new Error(`checkpoint ${dir}/model.json is unreadable: ${(e as Error).message}`);
  }
  if (meta.format !== 1) throw new Error(`checkpoint ${dir}/model.json has unknown format ${meta.format}`);
  const tag = positionTag(meta.epoch, meta.mid);
  const weights = tensorsOf(`${dir}/model.safetensors`, tag);
  const moments = tensorsOf(`${dir}/optimizer.safetensors`, tag);
  try {
    module.loadStateDict(weights, { strict: true });
    optimizer.loadStateDict({ ...meta.optimizer, tensors: moments });
  } finally {
    for (const t of weights.values()) t.dispose();
    for (const t of moments.values()) t.dispose();
  }
  return meta;
}
