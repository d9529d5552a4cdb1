/**
 * SGD with optional momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD:
 *   d = g + wd·p;  buf = d (first step) or μ·buf + (1 - dampening)·d;  d = nesterov ? d + μ·buf : buf
 *   p ← p - lr·d
 */
import { copyValues } from "../nn/module.ts";
import { add, mulScalar, noGrad, sub, type Tensor, tidy } from "../tensor/mod.ts";
import { Optimizer, type ParamGroup } from "./optimizer.ts";

/** Hyperparameters of {@link SGD}. */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;

  constructor(params: Tensor[] | ParamGroup[], opts: SGDOptions) {
    super(params, { lr: opts.lr, weightDecay: opts.weightDecay ?? 0 });
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (!(this.momentum >= 0)) throw new Error(`SGD: invalid momentum ${this.momentum}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error("SGD: nesterov needs momentum > 0 and dampening 0");
    }
  }

  protected slotNames(): string[] {
    return this.momentum > 0 ? ["momentum_buffer"] : [];
  }

  step(): void {
    for (const [g, i, p, grad] of this.withGrads()) {
      const s = this.stateOf(i, p, this.slotNames());
      s.step++;
      noGrad(() =>
        tidy(() => {
          let d = g.weightDecay ? add(grad, mulScalar(p, g.weightDecay)) : grad;
          if (this.momentum > 0) {
            const buf = s.slots.get("momentum_buffer")!;
            const next = s.step === 1
              ? d
              : add(mulScalar(buf, this.momentum), mulScalar(d, 1 - this.dampening));
            copyValues(buf, next);
            d = this.nesterov ? add(d, mulScalar(buf, this.momentum)) : buf;
          }
          copyValues(p, sub(p, mulScalar(d, g.lr)));
        })
      );
    }
  }
}
