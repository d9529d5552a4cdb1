/** Containers: Sequential (chains single-tensor modules) and ModuleList (holds modules by index). */
import type { Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/** A module whose forward maps one tensor to one tensor. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

/** Modules held by index; children are named "0", "1", … as in PyTorch. It has no forward of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this.items.push(this.child(String(this.items.length), m));
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`ModuleList: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error("ModuleList has no forward; iterate over its modules");
  }
}

/** Applies its modules in order; children are named "0", "1", … as in torch.nn.Sequential. */
export class Sequential extends Module {
  private readonly items: TensorModule[] = [];

  constructor(...modules: TensorModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: TensorModule): this {
    this.items.push(this.child(String(this.items.length), m));
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): TensorModule {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`Sequential: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.items) y = m.forward(y);
    return y;
  }
}
