/**
 * Saving and loading optimizer state (moment tensors plus step counts and group hyperparameters) as one
 * safetensors file: tensors by `<param index>.<slot>`, the rest as JSON in the "optimizer" metadata entry.
 */
import { loadSafetensors, saveSafetensors } from "../io/safetensors.ts";
import { fromSafetensors, toSafetensors } from "../nn/state_io.ts";
import type { Optimizer, OptimizerStateDict } from "./optimizer.ts";

/** Writes the optimizer state to `path` atomically. */
export function saveOptimizer(path: string, opt: Optimizer): void {
  const sd = opt.stateDict();
  const meta = JSON.stringify({ kind: sd.kind, groups: sd.groups, steps: sd.steps });
  saveSafetensors(path, toSafetensors(sd.tensors), { optimizer: meta });
}

/** Restores optimizer state written by {@link saveOptimizer}; errors name the file. */
export function loadOptimizer(path: string, opt: Optimizer): void {
  const file = loadSafetensors(path);
  const raw = file.metadata.optimizer;
  if (raw === undefined) throw new Error(`${path}: no "optimizer" metadata (not written by saveOptimizer)`);
  let meta: Omit<OptimizerStateDict, "tensors">;
  try {
    meta = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${path}: optimizer metadata is not valid JSON (${(e as Error).message})`);
  }
  const tensors = fromSafetensors(file.tensors, path);
  try {
    opt.loadStateDict({ ...meta, tensors });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
