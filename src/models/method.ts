/** The one shape every self-supervised method presents to the trainer. */
import { noGrad, type Tensor } from "../tensor/mod.ts";
import type { Philox } from "../random/philox.ts";
import type { Module } from "../nn/module.ts";

/** Names of the methods the library trains. */
export type MethodName = "infmasking" | "comm" | "coral" | "cross" | "crossself";

/** All method names, in the order `--compare` runs them. */
export const METHOD_NAMES: readonly MethodName[] = ["infmasking", "comm", "coral", "cross", "crossself"];

/** Per-step context: the epoch (0-based) for schedules such as InfMasking's lambda ramp, and a mask RNG. */
export interface StepContext {
  epoch: number;
  maxEpochs: number;
  rng: Philox;
}

/** A training step's scalar loss (with gradient) and its named parts (no gradient needed). */
export interface StepOutput {
  loss: Tensor;
  parts: Record<string, Tensor>;
}

/** A multimodal self-supervised model: trains on two augmented views and embeds for the linear probe. */
export interface SslModel {
  readonly method: MethodName;
  /** The root module holding every trainable parameter. */
  readonly module: Module;
  /** Loss on two augmented views of a batch; each view is one tensor per modality. */
  trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput;
  /** Features for the linear probe ([B, D]) from unaugmented inputs, in eval mode. */
  embed(inputs: Tensor[]): Tensor;
  /** Called after each optimizer step (e.g. to clamp CLIP's logit scale). */
  afterStep?(): void;
}

/** Runs fn without gradients and with the module in eval mode, restoring its mode afterwards. */
export function inEvalMode<T>(module: Module, fn: () => T): T {
  const was = module.training;
  module.eval();
  try {
    return noGrad(fn);
  } finally {
    module.train(was);
  }
}
