/**
 * The Module base class: a tree of named parameters (trainable leaves), buffers (state without gradients,
 * e.g. BatchNorm running statistics) and child modules, with PyTorch-style dotted names
 * (`layers.0.self_attn.in_proj_weight`), train/eval switching and state-dict save/restore.
 *
 * Registration is explicit: `this.param(name, t)`, `this.buffer(name, t)` and `this.child(name, m)` return what
 * they register, so a subclass writes `this.weight = this.param("weight", ...)`.
 */
import { keep, noGrad, shapeStr, type Tensor } from "../tensor/mod.ts";

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Throw when a key is missing or unexpected (default true). Shape mismatches always throw. */
  strict?: boolean;
  /**
   * Accept a shape that differs only by axes of size 1 ([E] for [1, 1, E]; default false): files written
   * before a parameter gained or lost unit axes still load.
   */
  allowUnitAxes?: boolean;
}

/** What {@link Module.loadStateDict} did not match (always empty in strict mode, which throws instead). */
export interface LoadStateDictResult {
  /** Keys this module has that the state dict lacks (left unchanged). */
  missingKeys: string[];
  /** Keys of the state dict this module does not have (ignored). */
  unexpectedKeys: string[];
}

/** Options of {@link Module.buffer}. */
export interface BufferOptions {
  /** Whether the buffer is part of the state dict (default true; false for derived constants). */
  persistent?: boolean;
}

/**
 * Copies src's values into dst's storage in place (same element count; shapes may differ), across backends
 * when needed. No gradient is recorded.
 *
 * @throws {Error} When the element counts differ.
 */
export function copyValues(dst: Tensor, src: Tensor): void {
  if (dst.size !== src.size) {
    throw new Error(`copyValues: ${shapeStr(src.shape)} does not fit ${shapeStr(dst.shape)}`);
  }
  if (dst.storage === src.storage) return;
  if (dst.backend === src.backend) {
    dst.backend.copyStrided(src.storage, 0, [1], dst.storage, 0, [1], [dst.size]);
  } else {
    dst.backend.write(dst.storage, src.dataSync());
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Base class of every layer: a tree of named parameters, buffers and child modules with PyTorch-style dotted
 * names, train/eval switching, freezing and state-dict save/restore. Subclasses register what they own with
 * `param`, `buffer` and `child` in the constructor and implement `forward`.
 *
 * @example
 * ```ts
 * import { Linear, Module, randn, relu, type Tensor } from "./mod.ts";
 * class TwoLayer extends Module {
 *   readonly fc1: Linear = this.child("fc1", new Linear(8, 16));
 *   readonly fc2: Linear = this.child("fc2", new Linear(16, 2));
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.forward(relu(this.fc1.forward(x)));
 *   }
 * }
 * const net = new TwoLayer();
 * console.log(net.forward(randn([4, 8])).shape); // [4, 2]
 * console.log([...net.stateDict().keys()]); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 * net.eval(); // inference mode for dropout / batch norm
 * ```
 */
export abstract class Module {
  /** Training mode (dropout active, batch statistics); switched recursively by train()/eval(). */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly nonPersistent = new Set<string>();
  private readonly children = new Map<string, Module>();

  /** The module's computation. Subclasses narrow the signature (most take and return one Tensor). */
  abstract forward(...inputs: unknown[]): unknown;

  /** Registers a trainable parameter (made a kept leaf with requiresGrad) and returns it. */
  protected param(name: string, t: Tensor): Tensor {
    this.checkFree(name);
    t.asParameter(name);
    this.params.set(name, t);
    return t;
  }

  /** Registers a buffer (kept across tidy scopes, no gradient) and returns it. */
  protected buffer(name: string, t: Tensor, opts: BufferOptions = {}): Tensor {
    this.checkFree(name);
    t.requiresGrad = false;
    t.node = null;
    t.name = name;
    keep(t);
    this.buffers.set(name, t);
    if (opts.persistent === false) this.nonPersistent.add(name);
    return t;
  }

  /** Registers a child module and returns it. */
  protected child<M extends Module>(name: string, m: M): M {
    this.checkFree(name);
    if (name.includes(".")) throw new Error(`${this.constructor.name}: child name "${name}" contains a dot`);
    this.children.set(name, m);
    return m;
  }

  /** Throws unless `name` is non-empty and not yet used by a parameter, buffer or child of this module. */
  private checkFree(name: string): void {
    if (!name) throw new Error(`${this.constructor.name}: empty name`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: "${name}" is already registered`);
    }
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every descendant with its dotted path ("" for this one), depth first. */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.children) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter with its dotted name; a tensor shared by several modules is listed once. */
  namedParameters(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [name, t] of m.params) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Every distinct parameter, in {@link Module.namedParameters} order (what an optimizer takes). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer with its dotted name (persistent or not). */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [name, t] of m.buffers) out.push([path ? `${path}.${name}` : name, t]);
    }
    return out;
  }

  /** Total element count of the (distinct) parameters; `trainableOnly` counts those with requiresGrad. */
  numParameters(trainableOnly = false): number {
    return this.parameters().reduce((n, t) => n + (trainableOnly && !t.requiresGrad ? 0 : t.size), 0);
  }

  /** Sets training mode here and in every descendant. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  /** Evaluation mode (same as train(false)). */
  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes (true) every parameter; frozen ones get no gradient. */
  setRequiresGrad(on: boolean): this {
    for (const t of this.parameters()) t.requiresGrad = on;
    return this;
  }

  /**
   * Parameters and persistent buffers by dotted name. The map holds the live tensors (not copies): read
   * them, do not dispose them.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [path, m] of this.namedModules()) {
      const pre = path ? `${path}.` : "";
      for (const [name, t] of m.params) out.set(pre + name, t);
      for (const [name, t] of m.buffers) if (!m.nonPersistent.has(name)) out.set(pre + name, t);
    }
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers (in place, so optimizers holding
   * the parameters stay valid). Shapes must match exactly; with `strict` (default) missing and unexpected
   * keys throw, naming them.
   */
  loadStateDict(state: Map<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !state.has(k));
    const unexpectedKeys = [...state.keys()].filter((k) => !own.has(k));
    const name = this.constructor.name;
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(", ")}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(", ")}`);
      throw new Error(`${name}.loadStateDict: ${parts.join("; ")}`);
    }
    const mismatched: string[] = [];
    for (const [k, dst] of own) {
      const src = state.get(k);
      const squeezed = (s: readonly number[]) => s.filter((d) => d !== 1);
      const unitOnly = opts.allowUnitAxes && src && sameShape(squeezed(src.shape), squeezed(dst.shape));
      if (src && !sameShape(src.shape, dst.shape) && !unitOnly) {
        mismatched.push(`${k} (expected ${shapeStr(dst.shape)}, got ${shapeStr(src.shape)})`);
      }
    }
    if (mismatched.length) {
      throw new Error(`${name}.loadStateDict: shape mismatch for ${mismatched.join(", ")}`);
    }
    noGrad(() => {
      for (const [k, dst] of own) {
        const src = state.get(k);
        if (src) copyValues(dst, src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Deep-copies every parameter and persistent buffer value from `other`, a module of the same structure
   * (same names and shapes); this module keeps its own tensors.
   */
  copyFrom(other: Module): this {
    this.loadStateDict(other.stateDict(), { strict: true });
    return this;
  }

  /** Frees the gradients of every parameter. */
  zeroGrad(): void {
    for (const t of this.parameters()) {
      if (t.grad) {
        t.grad.dispose();
        t.grad = null;
      }
    }
  }

  /** Frees every parameter (with its gradient) and buffer of this module and its descendants. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const t of m.params.values()) t.dispose();
      for (const t of m.buffers.values()) t.dispose();
    }
  }
}
