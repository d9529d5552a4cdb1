/** Training: configuration, datasets by name, the loop with checkpoints, evaluation and reports. */
export * from "./train_config.ts";
export { DATASET_NAMES, loadDataset } from "./datasets.ts";
export { makeModel, modalitySpecs, summarizeProbe, trainAndEvaluate } from "./loop.ts";
export type { EpochRecord, RunResult, StopFlag } from "./loop.ts";
export { extractFeatures, probeAllTasks } from "./evaluate.ts";
export type { ProbeScores } from "./evaluate.ts";
export { hasCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
export type { CheckpointMeta } from "./checkpoint.ts";
export { probeTable, resultsJson, runChartSvg, writeChart, writeResults } from "./report.ts";
export type { CpuRunInfo, ResultsJson } from "./report.ts";
export { augmentedView, plainBatch, toTensors } from "./views.ts";
export { applyGradients, lossAndGradients, makeOptimizer } from "./step.ts";
export type { StepPhase } from "./step.ts";
