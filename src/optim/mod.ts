/** Optimizers, gradient clipping, learning-rate schedules and weight-decay grouping. */
export { Optimizer } from "./optimizer.ts";
export type { OptimizerStateDict, ParamGroup, ParamState, ResolvedParamGroup } from "./optimizer.ts";
export { AdamW } from "./adamw.ts";
export type { AdamWOptions } from "./adamw.ts";
export { SGD } from "./sgd.ts";
export type { SGDOptions } from "./sgd.ts";
export { clipGradNorm, gradNorm } from "./clip.ts";
export { constantSchedule, warmupCosineSchedule } from "./schedule.ts";
export type { LrSchedule, WarmupCosineOptions } from "./schedule.ts";
export { isNoDecay, NO_DECAY_NAME_PARTS, paramGroupsNoDecay } from "./groups.ts";
export { loadOptimizer, saveOptimizer } from "./state_io.ts";
export type { LoadOptimizerOptions, OptimizerScalars } from "./state_io.ts";
