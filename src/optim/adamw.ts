/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter), as torch.optim.AdamW: p ← p(1 - lr·wd), then the
 * bias-corrected Adam step. One fused backend kernel per parameter updates p, m and v in place.
 */
import type { Tensor } from "../tensor/mod.ts";
import { Optimizer, type ParamGroup } from "./optimizer.ts";

/** Hyperparameters of {@link AdamW} (PyTorch defaults except lr, which PyTorch sets to 1e-3 too). */
export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

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

  protected slotNames(): string[] {
    return ["exp_avg", "exp_avg_sq"];
  }

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
