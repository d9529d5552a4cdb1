/**
 * One optimisation step of self-supervised training, shared by the training loop and the step profiler
 * (bench/profile_demo.ts), so the profile measures exactly what training runs.
 */
import type { MultimodalSplit } from "../data/types.ts";
import type { Philox } from "../random/philox.ts";
import type { SslModel, StepContext } from "../models/method.ts";
import { AdamW } from "../optim/adamw.ts";
import { paramGroupsNoDecay } from "../optim/groups.ts";
import { tidy } from "../tensor/mod.ts";
import { augmentedView, toTensors } from "./views.ts";

/** Runs one part of a step under a name; a profiler passes one that labels and times the part. */
export type StepPhase = <T>(name: string, fn: () => T) => T;

const runPhase: StepPhase = (_name, fn) => fn();

/** AdamW over the model's parameters with the methods' groups (no weight decay on biases and norms). */
export function makeOptimizer(model: SslModel, lr: number, weightDecay: number): AdamW {
  return new AdamW(paramGroupsNoDecay(model.module, weightDecay), { lr, weightDecay });
}

/**
 * Forward and backward on one batch: two augmented views of `rows` (drawn from augRng in that order), the
 * method's loss, its gradients left on the parameters. Returns the loss and its named parts as numbers;
 * every intermediate tensor is freed.
 */
export function lossAndGradients(
  model: SslModel,
  split: MultimodalSplit,
  rows: Int32Array,
  augRng: Philox,
  ctx: StepContext,
  phase: StepPhase = runPhase,
): { loss: number; parts: Record<string, number> } {
  return tidy(() => {
    const [v1, v2] = phase("augment", () => [
      toTensors(augmentedView(split, rows, augRng)),
      toTensors(augmentedView(split, rows, augRng)),
    ]);
    const out = phase("forward", () => model.trainStep(v1, v2, ctx));
    phase("backward", () => out.loss.backward());
    const parts: Record<string, number> = {};
    for (const [k, v] of Object.entries(out.parts)) parts[k] = v.item();
    return { loss: out.loss.item(), parts };
  });
}

/** Applies the gradients: optimizer step, gradients cleared, then the method's post-step hook. */
export function applyGradients(model: SslModel, optimizer: AdamW): void {
  optimizer.step();
  optimizer.zeroGrad();
  model.afterStep?.();
}
