/** The Tensor: a shape, a backend storage and, when it needs a gradient, the node that made it. */
import type { Backend, Storage } from "../backend/backend.ts";
import { keep, track, untrack } from "./engine.ts";
import { shapeStr, sizeOf } from "./shape.ts";

/** How a tensor was computed: the op's name (a key of the gradient registry), its inputs and saved values. */
export interface GradNode {
  /** Name of the op that produced the tensor; the key of its gradient in the autograd registry. */
  op: string;
  /** The op's inputs, in argument order; backward returns one gradient per entry. */
  inputs: Tensor[];
  /** Extra tensors the gradient needs (outputs or intermediates), alive as long as the tensor's scope. */
  saved: Tensor[];
  /** Non-tensor arguments the gradient needs (axes, shapes, scalars), as the op recorded them. */
  attrs: Record<string, unknown>;
}

let nextId = 1;

/** How many live tensors share each storage (views made by reshape share their input's storage). */
const storageRefs = new WeakMap<Storage, number>();

/**
 * An n-dimensional float32 array on a backend (CPU or CUDA), row-major, with optional autograd. Memory is
 * explicit: storage goes back to the backend on {@link Tensor.dispose} or at the end of the enclosing `tidy`,
 * never through GC. Op methods (`add`, `matmul`, `sum`, …) are installed by src/tensor/methods.ts.
 *
 * @example
 * ```ts
 * import { tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
 * const loss = x.mul(x).sum(); // scalar: 1 + 4 + 9 + 16
 * loss.backward();
 * console.log(loss.item(), x.grad?.dataSync()); // 30 Float32Array [2, 4, 6, 8]
 * ```
 */
export class Tensor {
  /** Process-unique id, increasing in creation order (used in error messages). */
  readonly id: number;
  /** Dimensions, outermost first (frozen); [] for a scalar. */
  readonly shape: readonly number[];
  /** Number of elements: the product of `shape` (1 for a scalar). */
  readonly size: number;
  /** The backend that owns the storage; ops require all inputs on the same one. */
  readonly backend: Backend;
  /** Whether ops on this tensor record gradients; true for parameters and for outputs of recorded ops. */
  requiresGrad: boolean;
  /** Accumulated gradient (leaves with requiresGrad only), kept across tidy scopes until zeroGrad. */
  grad: Tensor | null = null;
  /** The op that produced this tensor when it was recorded for autograd; null for leaves and constants. */
  node: GradNode | null;
  /** True once {@link keep} (or asParameter) marked it to survive every enclosing tidy scope. */
  kept = false;
  /** Optional name used in error messages and state dicts. */
  name?: string;
  private storageRef: Storage | null;

  /**
   * Wraps a backend storage of exactly `sizeOf(shape)` elements (ownership passes to the tensor) and
   * registers it with the innermost tidy scope. Ops call this; users make tensors with `tensor`, `zeros`,
   * `randn`, ….
   *
   * @throws {Error} When the storage size does not match the shape.
   */
  constructor(storage: Storage, shape: readonly number[], backend: Backend, node: GradNode | null = null) {
    if (storage.size !== sizeOf(shape)) {
      throw new Error(`Tensor: storage of ${storage.size} elements does not fit shape ${shapeStr(shape)}`);
    }
    this.id = nextId++;
    this.storageRef = storage;
    this.shape = Object.freeze([...shape]);
    this.size = storage.size;
    this.backend = backend;
    this.node = node;
    this.requiresGrad = node !== null;
    storageRefs.set(storage, (storageRefs.get(storage) ?? 0) + 1);
    track(this);
  }

  /** Number of axes (`shape.length`). */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether {@link Tensor.dispose} has run; a disposed tensor throws on any use of its storage. */
  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /** The backend storage; throws when the tensor was disposed. */
  get storage(): Storage {
    if (this.storageRef === null) {
      throw new Error(
        `tensor #${this.id}${this.name ? ` (${this.name})` : ""} ${shapeStr(this.shape)} was disposed`,
      );
    }
    return this.storageRef;
  }

  /** A host copy of the values, on any backend. */
  data(): Promise<Float32Array> {
    return this.backend.read(this.storage);
  }

  /** A host copy, blocking. */
  dataSync(): Float32Array {
    return this.backend.readSync(this.storage);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has shape ${shapeStr(this.shape)}, not one element`);
    return this.dataSync()[0];
  }

  /** Frees the storage now; later use throws. Disposing twice is allowed. */
  dispose(): void {
    if (this.storageRef === null) return;
    const refs = (storageRefs.get(this.storageRef) ?? 1) - 1;
    if (refs <= 0) {
      storageRefs.delete(this.storageRef);
      this.backend.free(this.storageRef);
    } else storageRefs.set(this.storageRef, refs);
    this.storageRef = null;
    this.node = null;
    untrack();
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Marks this tensor as a trainable leaf (kept across tidy scopes). */
  asParameter(name?: string): this {
    this.requiresGrad = true;
    this.node = null;
    if (name) this.name = name;
    keep(this);
    return this;
  }

  /** A short description such as `Tensor([2, 3], cpu, requiresGrad)` (no values). */
  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.backend.name}${
      this.requiresGrad ? ", requiresGrad" : ""
    })`;
  }
}
