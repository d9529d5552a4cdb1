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
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the momentum update (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient as wd·p (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight decay, as
 * torch.optim.SGD (state "momentum_buffer" when momentum > 0).
 *
 * @example
 * ```ts
 * import { Linear, mean, randn, SGD, square, tidy } from "./mod.ts";
 * const model = new Linear(3, 1);
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * const x = randn([8, 3]);
 * tidy(() => mean(square(model.forward(x))).backward());
 * opt.step();
 * opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer {
  /** Momentum factor μ (0: none). */
  readonly momentum: number;
  /** Dampening of the momentum update. */
  readonly dampening: number;
  /** Whether the Nesterov variant is used. */
  readonly nesterov: boolean;

  /**
   * SGD over `params` (a list or groups) with `opts` as defaults for the groups.
   *
   * @throws {Error} When momentum is negative, nesterov is set without momentum > 0 and dampening 0, or the
   * groups are invalid.
   */
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

  /** "momentum_buffer" when momentum > 0, else no state. */
  protected slotNames(): string[] {
    return this.momentum > 0 ? ["momentum_buffer"] : [];
  }

  /** One SGD update of every parameter that has a gradient (parameters without one are skipped). */
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
