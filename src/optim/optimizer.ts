/**
 * The optimizer base: parameter groups with their own learning rate and weight decay, per-parameter state
 * tensors (kept across tidy scopes) and a state dict that lets training resume exactly.
 */
import { copyValues } from "../nn/module.ts";
import { keep, shapeStr, type Tensor, zeros } from "../tensor/mod.ts";

/** A group of parameters sharing hyperparameters; unset ones take the optimizer's defaults. */
export interface ParamGroup {
  /** The parameters of the group (each may appear in only one group of an optimizer). */
  params: Tensor[];
  /** Learning rate of the group (default: the optimizer's). */
  lr?: number;
  /** Weight decay of the group (default: the optimizer's). */
  weightDecay?: number;
}

/** A group after defaults were applied. */
export interface ResolvedParamGroup {
  /** The parameters of the group. */
  params: Tensor[];
  /** Current learning rate of the group (changed by setLr). */
  lr: number;
  /** Weight decay of the group. */
  weightDecay: number;
}

/**
 * Everything an optimizer needs to resume: hyperparameters per group, the step count per parameter and the
 * per-parameter state tensors named `<flat param index>.<slot>` (e.g. `3.exp_avg`). The tensors are the live
 * state (not copies).
 */
export interface OptimizerStateDict {
  /** Class name of the optimizer that wrote it ("AdamW", "SGD"); loading checks it. */
  kind: string;
  /** Learning rate and weight decay of each group, in group order. */
  groups: { lr: number; weightDecay: number }[];
  /** Updates applied to each parameter, by flat index (0: no state yet). */
  steps: number[];
  /** State tensors keyed `<flat param index>.<slot>`, e.g. `3.exp_avg`. */
  tensors: Map<string, Tensor>;
}

function isGroupList(p: Tensor[] | ParamGroup[]): p is ParamGroup[] {
  return p.length > 0 && "params" in (p[0] as object);
}

/** The state of one parameter: how many updates it received and its named state tensors. */
export interface ParamState {
  /** Number of updates applied to the parameter. */
  step: number;
  /** The optimizer's state tensors for the parameter by slot name (shape of the parameter). */
  slots: Map<string, Tensor>;
}

/**
 * Base class of the optimizers: parameter groups with their own learning rate and weight decay, per-parameter
 * state tensors (kept across tidy scopes) and a state dict for exact resumption. Subclasses implement `step`
 * and `slotNames`.
 */
export abstract class Optimizer {
  /** The parameter groups with their resolved hyperparameters (lr is updated in place by setLr). */
  readonly groups: ResolvedParamGroup[];
  /** Per flat parameter index: the number of updates applied and the named state tensors. */
  protected readonly state: Map<number, ParamState> = new Map();
  private readonly flat: Tensor[] = [];

  /**
   * An optimizer over a list of parameters (one group) or over parameter groups; unset group hyperparameters
   * take `defaults`.
   *
   * @throws {Error} When there are no parameters, a parameter appears twice, or a group's lr or weight
   * decay is negative or NaN.
   */
  constructor(params: Tensor[] | ParamGroup[], defaults: { lr: number; weightDecay: number }) {
    const list: ParamGroup[] = isGroupList(params) ? params : [{ params: params as Tensor[] }];
    const seen = new Set<Tensor>();
    this.groups = list.map((g, gi) => {
      const lr = g.lr ?? defaults.lr, weightDecay = g.weightDecay ?? defaults.weightDecay;
      if (!(lr >= 0) || !(weightDecay >= 0)) {
        throw new Error(
          `${this.constructor.name}: group ${gi} has invalid lr ${lr} or weightDecay ${weightDecay}`,
        );
      }
      for (const p of g.params) {
        if (seen.has(p)) throw new Error(`${this.constructor.name}: parameter ${p.name ?? p} appears twice`);
        seen.add(p);
        this.flat.push(p);
      }
      return { params: [...g.params], lr, weightDecay };
    });
    if (this.flat.length === 0) throw new Error(`${this.constructor.name}: no parameters to optimize`);
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Every parameter, in the flat order used by the state dict. */
  get params(): Tensor[] {
    return [...this.flat];
  }

  /** Sets the learning rate of every group (what a schedule calls each step). */
  setLr(lr: number): void {
    if (!(lr >= 0)) throw new Error(`${this.constructor.name}.setLr: invalid lr ${lr}`);
    for (const g of this.groups) g.lr = lr;
  }

  /** Frees every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.flat) {
      if (p.grad) {
        p.grad.dispose();
        p.grad = null;
      }
    }
  }

  /** Iterates over (group, flat index, param) for parameters with a gradient, checking shapes. */
  protected *withGrads(): Generator<[ResolvedParamGroup, number, Tensor, Tensor]> {
    let idx = 0;
    for (const g of this.groups) {
      for (const p of g.params) {
        const i = idx++;
        const grad = p.grad;
        if (!grad) continue;
        if (grad.size !== p.size) {
          throw new Error(
            `${this.constructor.name}: gradient ${shapeStr(grad.shape)} of ${
              p.name ?? "a parameter"
            } does not match ${shapeStr(p.shape)}`,
          );
        }
        yield [g, i, p, grad];
      }
    }
  }

  /** The state of parameter i, created with zero-filled slots on first use. */
  protected stateOf(i: number, p: Tensor, slots: string[]): ParamState {
    let s = this.state.get(i);
    if (!s) {
      s = { step: 0, slots: new Map(slots.map((name) => [name, keep(zeros([...p.shape]))])) };
      this.state.set(i, s);
    }
    return s;
  }

  /** The slot names this optimizer keeps per parameter. */
  protected abstract slotNames(): string[];

  /**
   * The optimizer state: hyperparameters per group, steps per parameter and the live state tensors (not
   * copies: read them, do not dispose them).
   */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    const steps = this.flat.map((_, i) => this.state.get(i)?.step ?? 0);
    for (const [i, s] of this.state) for (const [name, t] of s.slots) tensors.set(`${i}.${name}`, t);
    return {
      kind: this.constructor.name,
      groups: this.groups.map((g) => ({ lr: g.lr, weightDecay: g.weightDecay })),
      steps,
      tensors,
    };
  }

  /**
   * Restores a state dict from an optimizer of the same class over parameters of the same shapes, in the same
   * order (values are copied in; the dict's tensors stay the caller's).
   *
   * @throws {Error} When the class, group or parameter counts, a key or a shape do not match.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (sd.kind !== name) throw new Error(`${name}.loadStateDict: state is from a ${sd.kind}`);
    if (sd.groups.length !== this.groups.length || sd.steps.length !== this.flat.length) {
      throw new Error(
        `${name}.loadStateDict: state has ${sd.groups.length} groups / ${sd.steps.length} parameters, ` +
          `this optimizer ${this.groups.length} / ${this.flat.length}`,
      );
    }
    const slots = this.slotNames();
    for (const [key, t] of sd.tensors) {
      const [iStr, slot] = key.split(".");
      const i = Number(iStr);
      if (!(Number.isInteger(i) && i >= 0 && i < this.flat.length) || !slots.includes(slot)) {
        throw new Error(`${name}.loadStateDict: unexpected state tensor "${key}"`);
      }
      if (t.size !== this.flat[i].size) {
        throw new Error(
          `${name}.loadStateDict: "${key}" has shape ${shapeStr(t.shape)}, parameter ${i} ${
            shapeStr(this.flat[i].shape)
          }`,
        );
      }
    }
    this.clearState();
    sd.steps.forEach((step, i) => {
      if (step === 0) return;
      const s = this.stateOf(i, this.flat[i], slots);
      s.step = step;
      for (const slot of slots) {
        const src = sd.tensors.get(`${i}.${slot}`);
        if (!src) throw new Error(`${name}.loadStateDict: missing state tensor "${i}.${slot}"`);
        copyValues(s.slots.get(slot)!, src);
      }
    });
    sd.groups.forEach((g, i) => {
      this.groups[i].lr = g.lr;
      this.groups[i].weightDecay = g.weightDecay;
    });
  }

  /** Disposes every state tensor and forgets all per-parameter state. */
  private clearState(): void {
    for (const s of this.state.values()) for (const t of s.slots.values()) t.dispose();
    this.state.clear();
  }

  /** Frees the optimizer state (not the parameters). */
  dispose(): void {
    this.clearState();
  }
}
