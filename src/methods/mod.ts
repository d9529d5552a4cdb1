/**
 * The self-supervised methods, one folder each, and the table that lists them.
 *
 * @example
 * ```ts
 * import { getMethod } from "./src/methods/mod.ts";
 * const infmasking = getMethod("infmasking");
 * console.log(infmasking.summary, infmasking.doc);
 * ```
 * @module
 */
export { buildModel, getMethod, METHOD_NAMES, METHODS, methodsWithPreset, presetNames } from "./registry.ts";
export {
  fixedCountMaskOn,
  InfMasking,
  INFMASKING_DEFAULTS,
  INFMASKING_PRESETS,
  infmaskingMethod,
  type InfMaskingSettings,
  keepLowestRanks,
  sampleFixedCountMask,
} from "./infmasking/mod.ts";
export {
  CoMM,
  COMM_DEFAULTS,
  COMM_PAPER_RUNS,
  COMM_PRESETS,
  commMethod,
  type CommSettings,
} from "./comm/mod.ts";
export {
  bernoulliMaskOn,
  COrAL,
  CORAL_DEFAULTS,
  CORAL_PRESETS,
  coralMethod,
  CoralNetwork,
  type CoralSettings,
  sampleBernoulliMask,
  UniqueProjector,
} from "./coral/mod.ts";
export {
  CrossBase,
  crossMethod,
  CrossModal,
  CrossSelf,
  crossSelfMethod,
  type CrossSelfSettings,
  type CrossSettings,
  UnimodalNetwork,
} from "./cross/mod.ts";
