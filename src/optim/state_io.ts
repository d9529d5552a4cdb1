/**
 * Saving and loading optimizer state as one safetensors file: the moment tensors by `<param index>.<slot>`,
 * the step counts and group hyperparameters as JSON in the "optimizer" metadata entry. This is the one
 * on-disk layout of optimizer state (training checkpoints use it too).
 *
 * @example
 * ```ts
 * import { AdamW, Linear, loadOptimizer, saveOptimizer } from "./mod.ts";
 * const layer = new Linear(4, 2);
 * const opt = new AdamW(layer.parameters(), { lr: 1e-3 });
 * saveOptimizer("/tmp/opt.safetensors", opt);
 * loadOptimizer("/tmp/opt.safetensors", new AdamW(layer.parameters(), { lr: 1e-3 }));
 * ```
 * @module
 */
import { loadSafetensors, saveSafetensors } from "../io/safetensors.ts";
import { fromSafetensors, toSafetensors } from "../nn/state_io.ts";
import type { Optimizer, OptimizerStateDict } from "./optimizer.ts";

/** The optimizer's scalars as the "optimizer" metadata entry holds them. */
export type OptimizerScalars = Omit<OptimizerStateDict, "tensors">;

/** Options of {@link loadOptimizer}. */
export interface LoadOptimizerOptions {
  /** Called with the file's metadata before anything loads; throw to refuse the file. */
  checkMetadata?: (metadata: Record<string, string>) => void;
  /** Scalars to use when the file has no "optimizer" entry (checkpoints of format 1 kept them elsewhere). */
  scalars?: OptimizerScalars;
}

/** Writes the optimizer state to `path` atomically, with optional extra string metadata. */
export function saveOptimizer(path: string, opt: Optimizer, metadata: Record<string, string> = {}): void {
  const sd = opt.stateDict();
  const scalars: OptimizerScalars = { kind: sd.kind, groups: sd.groups, steps: sd.steps };
  saveSafetensors(path, toSafetensors(sd.tensors), { ...metadata, optimizer: JSON.stringify(scalars) });
}

/** Restores optimizer state written by {@link saveOptimizer}; returns the file's metadata. Errors name the file. */
export function loadOptimizer(
  path: string,
  opt: Optimizer,
  opts: LoadOptimizerOptions = {},
): Record<string, string> {
  const file = loadSafetensors(path);
  opts.checkMetadata?.(file.metadata);
  const raw = file.metadata.optimizer;
  let scalars: OptimizerScalars;
  if (raw === undefined) {
    if (!opts.scalars) throw new Error(`${path}: no "optimizer" metadata (not written by saveOptimizer)`);
    scalars = opts.scalars;
  } else {
    try {
      scalars = JSON.parse(raw);
    } catch (e) {
      throw new Error(`${path}: optimizer metadata is not valid JSON (${(e as Error).message})`);
    }
  }
  const tensors = fromSafetensors(file.tensors, path);
  try {
    opt.loadStateDict({ ...scalars, tensors });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return file.metadata;
}
