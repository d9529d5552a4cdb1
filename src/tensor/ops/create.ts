/** Making tensors: from values, constants, and random draws from the seeded Philox generator. */
import { backend } from "../../backend/registry.ts";
import type { Backend } from "../../backend/backend.ts";
import { type GradNode, Tensor } from "../tensor.ts";
import { shapeStr, sizeOf } from "../shape.ts";

/** Options accepted by tensor constructors. */
export interface TensorOptions {
  requiresGrad?: boolean;
}

function checkShape(op: string, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${shapeStr(shape)}`);
  }
}

/** A float32 tensor on the active backend from values laid out row-major in `shape`. */
export function tensor(values: ArrayLike<number>, shape: number[], opts: TensorOptions = {}): Tensor {
  checkShape("tensor", shape);
  if (values.length !== sizeOf(shape)) {
    throw new Error(
      `tensor: ${values.length} values do not fill shape ${shapeStr(shape)} (${sizeOf(shape)})`,
    );
  }
  const b = backend();
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  const t = new Tensor(b.fromHost(data), shape, b);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A scalar (rank-0) tensor. */
export function scalar(value: number, b: Backend = backend()): Tensor {
  return new Tensor(b.fromHost(new Float32Array([value])), [], b);
}

/** A tensor filled with `value`. */
export function full(shape: number[], value: number, opts: TensorOptions = {}): Tensor {
  checkShape("full", shape);
  const b = backend();
  const s = b.alloc(sizeOf(shape));
  b.fill(s, value);
  const t = new Tensor(s, shape, b);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

export function zeros(shape: number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Internal: a fresh output tensor on `b` with storage allocated (contents to be written by a kernel). */
export function emptyOn(b: Backend, shape: readonly number[], node: GradNode | null = null): Tensor {
  return new Tensor(b.alloc(sizeOf(shape)), shape, b, node);
}

/** Like a tensor, filled with a constant, on the same backend. */
export function fullLike(t: Tensor, value: number): Tensor {
  const s = t.backend.alloc(t.size);
  t.backend.fill(s, value);
  return new Tensor(s, t.shape, t.backend);
}
