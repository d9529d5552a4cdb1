/** The Tensor: a shape, a backend storage and, when it needs a gradient, the node that made it. */
import type { Backend, Storage } from "../backend/backend.ts";
import { keep, track, untrack } from "./engine.ts";
import { shapeStr, sizeOf } from "./shape.ts";

/** How a tensor was computed: the op's name (a key of the gradient registry), its inputs and saved values. */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  /** Extra tensors the gradient needs (outputs or intermediates), alive as long as the tensor's scope. */
  saved: Tensor[];
  attrs: Record<string, unknown>;
}

let nextId = 1;

/** How many live tensors share each storage (views made by reshape share their input's storage). */
const storageRefs = new WeakMap<Storage, number>();

export class Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly size: number;
  readonly backend: Backend;
  requiresGrad: boolean;
  /** Accumulated gradient (leaves with requiresGrad only), kept across tidy scopes until zeroGrad. */
  grad: Tensor | null = null;
  node: GradNode | null;
  kept = false;
  /** Optional name used in error messages and state dicts. */
  name?: string;
  private storageRef: Storage | null;

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

  get rank(): number {
    return this.shape.length;
  }

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

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.backend.name}${
      this.requiresGrad ? ", requiresGrad" : ""
    })`;
  }
}
