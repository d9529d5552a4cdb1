/** Containers: Sequential (chains single-tensor modules) and ModuleList (holds modules by index). */
import type { Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/** A module whose forward maps one tensor to one tensor. */
export interface TensorModule extends Module {
  /** Maps one tensor to one tensor. */
  forward(x: Tensor): Tensor;
}

/**
 * Modules held by index; children are named "0", "1", … as in torch.nn.ModuleList. It has no forward of its
 * own: iterate over it.
 *
 * @example
 * ```ts
 * import { Linear, ModuleList, randn } from "./mod.ts";
 * const blocks = new ModuleList([new Linear(8, 8), new Linear(8, 8)]);
 * let h = randn([2, 8]);
 * for (const block of blocks) h = block.forward(h);
 * console.log(blocks.length, h.shape); // 2 [2, 8]
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  /** A list holding `modules` in order. */
  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end (child name: its index). */
  append(m: M): this {
    this.items.push(this.child(String(this.items.length), m));
    return this;
  }

  /** Number of modules held. */
  get length(): number {
    return this.items.length;
  }

  /**
   * The module at index i (negative counts from the end).
   *
   * @throws {Error} When the index is out of range.
   */
  at(i: number): M {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`ModuleList: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  /** Always throws: a ModuleList has no forward; iterate over its modules. */
  forward(): never {
    throw new Error("ModuleList has no forward; iterate over its modules");
  }
}

/**
 * Applies its modules in order, each output feeding the next; children are named "0", "1", … as in
 * torch.nn.Sequential.
 *
 * @example
 * ```ts
 * import { Linear, randn, ReLU, Sequential } from "./mod.ts";
 * const mlp = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 4));
 * console.log(mlp.forward(randn([8, 16])).shape); // [8, 4]
 * ```
 */
export class Sequential extends Module {
  private readonly items: TensorModule[] = [];

  /** A chain of `modules`, applied left to right. */
  constructor(...modules: TensorModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end of the chain (child name: its index). */
  append(m: TensorModule): this {
    this.items.push(this.child(String(this.items.length), m));
    return this;
  }

  /** Number of modules in the chain. */
  get length(): number {
    return this.items.length;
  }

  /**
   * The module at index i (negative counts from the end).
   *
   * @throws {Error} When the index is out of range.
   */
  at(i: number): TensorModule {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`Sequential: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  /** x through every module in order (x itself when the chain is empty). */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.items) y = m.forward(y);
    return y;
  }
}
