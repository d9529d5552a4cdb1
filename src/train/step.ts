/**
 * One optimisation step of self-supervised training, shared by the training loop and the step profiler
 * (bench/profile_demo.ts), so the profile measures exactly what training runs.
 *
 * @module
 */
import type { MultimodalSplit } from "../data/types.ts";
import type { Philox } from "../random/philox.ts";
import type { SslModel, StepContext } from "../models/method.ts";
import { AdamW } from "../optim/adamw.ts";
import { paramGroupsNoDecay } from "../optim/groups.ts";
import { gradNorm } from "../optim/clip.ts";
import { backend, type Tensor, tidy } from "../tensor/mod.ts";
import { augmentedView, augmentedViewOn, toTensors } from "./views.ts";
import type { ResidentImages } from "./resident.ts";

/** Runs one part of a step under a name; a profiler passes one that labels and times the part. */
export type StepPhase = <T>(name: string, fn: () => T) => T;

const runPhase: StepPhase = (_name, fn) => fn();

/** AdamW over the model's parameters with the methods' groups (no weight decay on biases and norms). */
export function makeOptimizer(model: SslModel, lr: number, weightDecay: number): AdamW {
  return new AdamW(paramGroupsNoDecay(model.module, weightDecay), { lr, weightDecay });
}

/** Options of {@link lossAndGradients}. */
export interface StepOptions {
  /** Runs and names each part of the step (a profiler times them); default: runs them. */
  phase?: StepPhase;
  /**
   * The split's images already on the active backend (the training loop keeps them there on CUDA): the
   * batch's rows are gathered on the device instead of uploaded.
   */
  resident?: ResidentImages;
}

/**
 * One augmented view of `rows` as tensors on the active backend. On CUDA, or with resident images, the
 * images are augmented there (`augmentedViewOn`: the pixel work as tensor ops, only the per-image
 * parameters uploaded); on the CPU the host loops are faster (about 5x for 64 images of 3×32×32), so the host
 * view is uploaded. Both draw the same values from `rng` and agree to float rounding.
 */
function viewTensors(
  split: MultimodalSplit,
  rows: Int32Array,
  rng: Philox,
  resident?: ResidentImages,
): Tensor[] {
  const b = backend();
  return b.name === "cuda" || resident
    ? augmentedViewOn(split, rows, rng, b, resident)
    : toTensors(augmentedView(split, rows, rng));
}

/**
 * Forward and backward on one batch: two augmented views of `rows` (drawn from augRng in that order), the
 * method's loss, its gradients left on the parameters. Returns the loss and its named parts as numbers;
 * every intermediate tensor is freed. `opts`: a phase runner for profiling, the split's resident images.
 */
export function lossAndGradients(
  model: SslModel,
  split: MultimodalSplit,
  rows: Int32Array,
  augRng: Philox,
  ctx: StepContext,
  opts: StepOptions = {},
): { loss: number; parts: Record<string, number> } {
  const phase = opts.phase ?? runPhase, resident = opts.resident;
  return tidy(() => {
    const [v1, v2] = phase(
      "augment",
      () => [viewTensors(split, rows, augRng, resident), viewTensors(split, rows, augRng, resident)],
    );
    const out = phase("forward", () => model.trainStep(v1, v2, ctx));
    phase("backward", () => out.loss.backward());
    const parts: Record<string, number> = {};
    for (const [k, v] of Object.entries(out.parts)) parts[k] = v.item();
    return { loss: out.loss.item(), parts };
  });
}

/**
 * Throws when the step's loss or gradients are not finite, naming where (`at`, e.g. "epoch 2, step 17"), the
 * loss parts that are not finite, or the first parameter whose gradient is not; the optimizer has not run
 * yet, so the parameters and the last checkpoint are untouched. The gradient check reads one scalar (the
 * global norm) and scans the parameters only when it is not finite.
 */
export function checkFiniteStep(
  model: SslModel,
  loss: number,
  parts: Record<string, number>,
  at: string,
): void {
  const hint = "(try a lower --lr); the last checkpoint is kept";
  if (!Number.isFinite(loss)) {
    const bad = Object.entries(parts).filter(([, v]) => !Number.isFinite(v)).map(([k, v]) => `${k} = ${v}`);
    const which = bad.length ? `, from the loss part${bad.length > 1 ? "s" : ""} ${bad.join(", ")}` : "";
    throw new Error(`loss became ${loss} at ${at}${which} ${hint}`);
  }
  const params = model.module.parameters();
  if (Number.isFinite(gradNorm(params))) return;
  const named = model.module.namedParameters();
  const found = named.find(([, p]) => p.grad !== null && !p.grad.dataSync().every(Number.isFinite));
  throw new Error(
    `the gradient of ${
      found ? found[0] : "a parameter"
    } is not finite at ${at} (the loss ${loss} is) ${hint}`,
  );
}

/** Applies the gradients: optimizer step, gradients cleared, then the method's post-step hook. */
export function applyGradients(model: SslModel, optimizer: AdamW): void {
  optimizer.step();
  optimizer.zeroGrad();
  model.afterStep?.();
}
