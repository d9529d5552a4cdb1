/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter), as torch.optim.AdamW: p ← p(1 - lr·wd), then the
 * bias-corrected Adam step. One fused backend kernel per parameter updates p, m and v in place.
 */
import type { Tensor } from "../tensor/mod.ts";
import { Optimizer, type ParamGroup } from "./optimizer.ts";

/** Hyperparameters of {@link AdamW} (PyTorch defaults except lr, which PyTorch sets to 1e-3 too). */
export interface AdamWOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay (default 1e-2). */
  weightDecay?: number;
}

/**
 * AdamW (decoupled weight decay), as torch.optim.AdamW: each step scales p by 1 - lr·wd, then takes the
 * bias-corrected Adam step; one fused backend kernel per parameter updates p and its state ("exp_avg",
 * "exp_avg_sq") in place.
 *
 * @example
 * ```ts
 * import { AdamW, Linear, mean, paramGroupsNoDecay, randn, square, sub, tidy } from "./mod.ts";
 * const model = new Linear(4, 1);
 * const opt = new AdamW(paramGroupsNoDecay(model, 0.05), { lr: 1e-2 }); // no decay on the bias
 * const x = randn([16, 4]), y = randn([16, 1]);
 * for (let step = 0; step < 5; step++) {
 *   tidy(() => mean(square(sub(model.forward(x), y))).backward()); // gradients survive the scope
 *   opt.step();
 *   opt.zeroGrad();
 * }
 * ```
 */
export class AdamW extends Optimizer {
  /** Decay rate of the first-moment (mean) estimate. */
  readonly beta1: number;
  /** Decay rate of the second-moment (uncentred variance) estimate. */
  readonly beta2: number;
  /** Added to the bias-corrected √v in the denominator. */
  readonly eps: number;

  /**
   * AdamW over `params` (a list or groups) with `opts` as defaults for the groups.
   *
   * @throws {Error} When a beta is not in [0, 1), eps is negative, or the groups are invalid.
   */
  constructor(params: Tensor[] | ParamGroup[], opts: AdamWOptions = {}) {
    super(params, { lr: opts.lr ?? 1e-3, weightDecay: opts.weightDecay ?? 1e-2 });
    const [b1, b2] = opts.betas ?? [0.9, 0.999];
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
      throw new Error(`AdamW: betas must be in [0, 1), got [${b1}, ${b2}]`);
    }
    const eps = opts.eps ?? 1e-8;
    if (!(eps >= 0)) throw new Error(`AdamW: invalid eps ${eps}`);
    this.beta1 = b1;
    this.beta2 = b2;
    this.eps = eps;
  }

  /** The state per parameter: "exp_avg" (m) and "exp_avg_sq" (v). */
  protected slotNames(): string[] {
    return ["exp_avg", "exp_avg_sq"];
  }

  /** One AdamW update of every parameter that has a gradient (parameters without one are skipped). */
  step(): void {
    for (const [g, i, p, grad] of this.withGrads()) {
      const s = this.stateOf(i, p, this.slotNames());
      s.step++;
      const m = s.slots.get("exp_avg")!, v = s.slots.get("exp_avg_sq")!;
      p.backend.adamw(p.storage, grad.storage, m.storage, v.storage, {
        lr: g.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: g.weightDecay,
        step: s.step,
      });
    }
  }
}
