/** Evaluation on plain typed arrays: metrics, L-BFGS, logistic and ridge regression, linear probes. */

export * from "./metrics.ts";
export * from "./lbfgs.ts";
export * from "./strong_wolfe.ts";
export * from "./standardize.ts";
export * from "./split.ts";
export * from "./logistic_objective.ts";
export * from "./logistic.ts";
export * from "./ridge.ts";
export * from "./c_search.ts";
export * from "./probe.ts";
