/**
 * Training: the configuration and its resolution, the loop with checkpoints, evaluation and reports.
 *
 * @example
 * ```ts
 * import { loadDataset, resolveConfig, trainAndEvaluate } from "./mod.ts";
 * const cfg = resolveConfig({ method: "infmasking", run: { epochs: 1, out: "runs/quick" } });
 * const ds = await loadDataset(cfg.dataset, { seed: cfg.run.seed, options: cfg.data.options });
 * const result = trainAndEvaluate(cfg, ds);
 * console.log(result.probe);
 * ```
 * @module
 */
export {
  type BackendChoice,
  configFromJson,
  type DataSettings,
  DEFAULT_PROBE,
  DEFAULT_RUN,
  type LegacyConfigInput,
  type OptimizerSettings,
  type ProbeSettings,
  resolveConfig,
  type RunSettings,
  type TrainConfig,
  type TrainConfigInput,
  validateConfig,
} from "./config.ts";
export {
  type EpochRecord,
  makeModel,
  modalitySpecs,
  type RunResult,
  type StopFlag,
  summarizeProbe,
  trainAndEvaluate,
} from "./loop.ts";
export {
  type BaselineScores,
  extractFeatures,
  featuresOf,
  probeAllTasks,
  probeBaselines,
  type ProbeFeatures,
  probeFeatures,
  type ProbeFitOptions,
  type ProbeInputOptions,
  type ProbeScores,
  probeTasks,
  RAW_BASELINE_MAX_FEATURES,
  selectionScore,
  type SplitFeatures,
  type SplitName,
} from "./evaluate.ts";
export {
  BIASED_TASKS,
  type ExperimentOptions,
  type ExperimentResult,
  mergeProtocol,
  type MethodOutcome,
  type Protocol,
  runDirs,
  runExperiment,
  type SeedStat,
  seedStat,
  summaryJson,
  summaryTable,
  unitDir,
} from "./experiment.ts";
export {
  type CheckpointMeta,
  hasCheckpoint,
  loadCheckpoint,
  type MidEpochState,
  resumeProblem,
  saveCheckpoint,
} from "./checkpoint.ts";
export {
  type CpuRunInfo,
  probeTable,
  type ResultsJson,
  resultsJson,
  runChartSvg,
  writeChart,
  writeResults,
} from "./report.ts";
export { augmentedView, augmentedViewOn, plainBatch, toTensors } from "./views.ts";
export {
  applyGradients,
  checkFiniteStep,
  lossAndGradients,
  makeOptimizer,
  type StepOptions,
  type StepPhase,
} from "./step.ts";
export { MAX_RESIDENT_BYTES, ResidentImages } from "./resident.ts";
