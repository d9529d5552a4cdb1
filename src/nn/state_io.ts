/**
 * The persistence path of the library: named tensors to and from safetensors entries, and a module's state
 * dict (parameters + persistent buffers, by dotted name) as a safetensors file of float32 tensors, written
 * atomically. The optimizer's state (src/optim/state_io.ts) and training checkpoints (src/train/checkpoint.ts)
 * are built on these.
 *
 * @example
 * ```ts
 * import { Linear, loadModule, saveModule } from "./mod.ts";
 * const layer = new Linear(4, 2);
 * saveModule("/tmp/layer.safetensors", layer, { note: "demo" });
 * const { metadata } = loadModule("/tmp/layer.safetensors", new Linear(4, 2));
 * ```
 * @module
 */
import { loadSafetensors, type SafetensorsTensor, saveSafetensors } from "../io/safetensors.ts";
import { type Tensor, tensor } from "../tensor/mod.ts";
import type { LoadStateDictOptions, LoadStateDictResult, Module } from "./module.ts";

/** Host copies of named tensors in safetensors form (F32). */
export function toSafetensors(tensors: Map<string, Tensor>): Record<string, SafetensorsTensor> {
  const out: Record<string, SafetensorsTensor> = {};
  for (const [name, t] of tensors) out[name] = { dtype: "F32", shape: [...t.shape], data: t.dataSync() };
  return out;
}

/**
 * Tensors (on the active backend) from decoded safetensors entries; float types only. The caller owns them.
 * `source` names the file in errors.
 */
export function fromSafetensors(
  entries: Record<string, SafetensorsTensor>,
  source: string,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, e] of Object.entries(entries)) {
    if (!(e.data instanceof Float32Array || e.data instanceof Float64Array)) {
      for (const t of out.values()) t.dispose();
      throw new Error(`${source}: tensor "${name}" has dtype ${e.dtype}; only float tensors can be loaded`);
    }
    out.set(name, tensor(e.data instanceof Float32Array ? e.data : Float32Array.from(e.data), e.shape));
  }
  return out;
}

/** Writes the module's state dict to `path` (atomically), with optional string metadata. */
export function saveModule(path: string, module: Module, metadata?: Record<string, string>): void {
  saveSafetensors(path, toSafetensors(module.stateDict()), metadata);
}

/** What {@link loadModule} returns: the key report of loadStateDict and the file's metadata. */
export interface LoadModuleResult extends LoadStateDictResult {
  /** The file's string metadata. */
  metadata: Record<string, string>;
}

/** Options of {@link loadModule}: loadStateDict's, plus a check of the file's metadata before anything loads. */
export interface LoadModuleOptions extends LoadStateDictOptions {
  /** Called with the file's metadata before any value is copied; throw to refuse the file. */
  checkMetadata?: (metadata: Record<string, string>) => void;
}

/**
 * Loads a file written by {@link saveModule} into `module` (values copied in place). Errors name the file
 * and the keys or shapes that did not match.
 */
export function loadModule(path: string, module: Module, opts: LoadModuleOptions = {}): LoadModuleResult {
  const file = loadSafetensors(path);
  opts.checkMetadata?.(file.metadata);
  const state = fromSafetensors(file.tensors, path);
  try {
    return { ...module.loadStateDict(state, opts), metadata: file.metadata };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    for (const t of state.values()) t.dispose();
  }
}
