/**
 * Evaluation on plain typed arrays: metrics, L-BFGS with a strong-Wolfe line search, logistic and ridge
 * regression, the regularisation search and the linear probes.
 *
 * @example
 * ```ts
 * import { balancedAccuracy } from "./src/eval/mod.ts";
 * console.log(balancedAccuracy(Int32Array.from([0, 1, 1]), Int32Array.from([0, 1, 0]))); // 0.75
 * ```
 * @module
 */
export {
  accuracy,
  aurocBinary,
  balancedAccuracy,
  type BalancedAccuracyOptions,
  confusionMatrix,
  type IntLabels,
  macroF1,
  meanSquaredError,
  weightedF1,
} from "./metrics.ts";
export {
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsStop,
  minimizeLbfgs,
  type Objective,
} from "./lbfgs.ts";
export {
  cubicMinimizer,
  type LineFunction,
  type LineSearchOptions,
  type LineSearchResult,
  strongWolfe,
} from "./strong_wolfe.ts";
export { applyStandardizer, fitStandardizer, type Standardizer } from "./standardize.ts";
export {
  type Holdout,
  randomHoldout,
  seededUniform,
  shuffleInPlace,
  stratifiedHoldout,
  takeLabels,
  takeRows,
} from "./split.ts";
export { type LogisticData, logisticObjective } from "./logistic_objective.ts";
export {
  argmaxRows,
  balancedSampleWeights,
  type LogisticFitInfo,
  type LogisticOptions,
  LogisticRegression,
} from "./logistic.ts";
export {
  choleskyInPlace,
  choleskySolveInPlace,
  fitRidge,
  predictRidge,
  type RidgeModel,
  type RidgeMoments,
  ridgeMoments,
  solveRidge,
} from "./ridge.ts";
export { COARSE_EXPONENTS, type CSearchResult, searchRegularization } from "./c_search.ts";
export {
  type LabelledFeatures,
  linearProbe,
  type LinearProbeOptions,
  type ProbeResult,
  type RegressionFeatures,
  ridgeProbe,
  type RidgeProbeOptions,
  type RidgeProbeResult,
} from "./probe.ts";
