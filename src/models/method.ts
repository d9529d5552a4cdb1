/**
 * What every self-supervised method presents: to the trainer, a model (`SslModel`: a loss on two views and
 * probe features); to the registry and the CLI, a definition (`MethodDefinition`: its settings with their
 * defaults and rules, the papers' presets, and how to build the model). Each method lives in one folder under
 * src/methods/ and is listed once in src/methods/registry.ts.
 *
 * @module
 */
import { noGrad, type Tensor } from "../tensor/mod.ts";
import type { Philox } from "../random/philox.ts";
import type { Module } from "../nn/module.ts";
import type { ArchitectureConfig } from "./architecture.ts";
import type { FieldRules } from "./fields.ts";
import type { ModalitySpec } from "./modality.ts";

/** A method's name as `--method` takes it (the registry lists them). */
export type MethodName = string;

/** Per-step context: the epoch (0-based) for schedules such as InfMasking's lambda ramp, and a mask RNG. */
export interface StepContext {
  /** The current epoch, 0-based. */
  epoch: number;
  /** The run's number of epochs. */
  maxEpochs: number;
  /** The generator masks are drawn from (the run's mask stream for this epoch). */
  rng: Philox;
}

/** A training step's scalar loss (with gradient) and its named parts (no gradient needed). */
export interface StepOutput {
  /** The scalar loss to differentiate. */
  loss: Tensor;
  /** Named scalar parts of the loss, for logging. */
  parts: Record<string, Tensor>;
}

/** A multimodal self-supervised model: trains on two augmented views and embeds for the linear probe. */
export interface SslModel {
  /** The method's registered name. */
  readonly method: MethodName;
  /** The root module holding every trainable parameter. */
  readonly module: Module;
  /** Loss on two augmented views of a batch; each view is one tensor per modality. */
  trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput;
  /** Features for the linear probe ([B, D]) from unaugmented inputs, in eval mode. */
  embed(inputs: Tensor[]): Tensor;
  /**
   * Features [B, D] of one modality alone (from `inputs[modality]`), in eval mode: the baseline that shows
   * whether fusing helped (results.json "baselines").
   */
  embedModality(inputs: Tensor[], modality: number): Tensor;
  /** Called after each optimizer step (e.g. to clamp CLIP's logit scale). */
  afterStep?(): void;
  /** The method's scheduled values at this point of training (e.g. InfMasking's ramped lambda), for logs. */
  schedule?(ctx: StepContext): Record<string, number>;
}

/**
 * A paper's configuration of one method on one benchmark (the architecture comes from PAPER_ARCHITECTURES).
 */
export interface MethodPreset<S extends object> {
  /** The method's settings in that paper run (merged over the method's defaults). */
  settings: Partial<S>;
  /** AdamW's learning rate and weight decay. */
  optimizer: { lr: number; weightDecay: number };
  /** Training epochs. */
  epochs: number;
  /** Batch size. */
  batch: number;
}

/** One method as the registry, the configuration and the CLI see it. */
export interface MethodDefinition<S extends object = object> {
  /** The `--method` value. */
  readonly name: MethodName;
  /** One line for `--help`: the method and its paper. */
  readonly summary: string;
  /** The repository page that specifies it (formulas, official defaults, where this code differs). */
  readonly doc: string;
  /** Settings used when nothing else says otherwise. */
  readonly defaults: Readonly<S>;
  /** What each setting allows (errors name the field, the value and this). */
  readonly rules: FieldRules<S>;
  /** The papers' configurations by benchmark name (`--preset`). */
  readonly presets: Readonly<Record<string, MethodPreset<S>>>;
  /**
   * Checks that involve the modalities or the architecture (e.g. a weight per loss term); throws naming the
   * field.
   */
  checkFor?(settings: S, specs: ModalitySpec[], arch: ArchitectureConfig): void;
  /** A fresh model (its parameters initialised from the global generator). */
  build(specs: ModalitySpec[], arch: ArchitectureConfig, settings: S): SslModel;
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
