/**
 * The one table of methods. Adding a method = a folder under src/methods/ exporting its MethodDefinition,
 * and one line here; `--method`, its help and `--compare` follow from this table.
 *
 * @example
 * ```ts
 * import { getMethod, METHOD_NAMES } from "./mod.ts";
 * console.log(METHOD_NAMES); // ["infmasking", "comm", "coral", "cross", "crossself"]
 * console.log(Object.keys(getMethod("coral").presets));
 * ```
 * @module
 */
import type { MethodDefinition, MethodName, SslModel } from "../models/method.ts";
import type { ArchitectureConfig } from "../models/architecture.ts";
import type { ModalitySpec } from "../models/modality.ts";
import { infmaskingMethod } from "./infmasking/mod.ts";
import { commMethod } from "./comm/mod.ts";
import { coralMethod } from "./coral/mod.ts";
import { crossMethod, crossSelfMethod } from "./cross/mod.ts";

/** Every method, in the order `--compare` runs them. */
export const METHODS: readonly MethodDefinition[] = [
  infmaskingMethod,
  commMethod,
  coralMethod,
  crossMethod,
  crossSelfMethod,
] as readonly MethodDefinition[];

/** All method names, in the order `--compare` runs them. */
export const METHOD_NAMES: readonly MethodName[] = METHODS.map((m) => m.name);

/** The method called `name`; throws naming the known ones. */
export function getMethod(name: string): MethodDefinition {
  const m = METHODS.find((d) => d.name === name);
  if (!m) throw new Error(`unknown method "${name}" (known: ${METHOD_NAMES.join(", ")})`);
  return m;
}

/** Names of the methods that have a preset called `preset`. */
export function methodsWithPreset(preset: string): MethodName[] {
  return METHODS.filter((m) => preset in m.presets).map((m) => m.name);
}

/** Every preset name any method has, sorted. */
export function presetNames(): string[] {
  return [...new Set(METHODS.flatMap((m) => Object.keys(m.presets)))].sort();
}

/**
 * A fresh model of the method called `name` for modalities of `specs`: the method's own checks first (they
 * name the field), then its build. Parameters draw from the global generator (seed it first).
 */
export function buildModel(
  name: string,
  specs: ModalitySpec[],
  arch: ArchitectureConfig,
  settings: Record<string, unknown>,
): SslModel {
  const method = getMethod(name);
  method.checkFor?.(settings, specs, arch);
  return method.build(specs, arch, settings);
}
