/** Making tensors: from values, constants, and random draws from the seeded Philox generator. */
import { backend } from "../../backend/registry.ts";
import type { Backend } from "../../backend/backend.ts";
import { type GradNode, Tensor } from "../tensor.ts";
import { shapeStr, sizeOf } from "../shape.ts";

/** Options accepted by tensor constructors. */
export interface TensorOptions {
  /** Record gradients for ops on the new tensor (a trainable leaf; default false). */
  requiresGrad?: boolean;
  /** The backend the tensor lives on (default: the active one). */
  on?: Backend;
}

function checkShape(op: string, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${shapeStr(shape)}`);
  }
}

/**
 * A float32 tensor on backend `opts.on` (default: the active one) from values laid out row-major in `shape`.
 *
 * @throws {Error} When a dimension is not a non-negative integer or the values do not fill the shape.
 *
 * @example
 * ```ts
 * import { tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.log(x.shape, x.dataSync()[5]); // [2, 3] 6
 * ```
 */
export function tensor(values: ArrayLike<number>, shape: number[], opts: TensorOptions = {}): Tensor {
  checkShape("tensor", shape);
  if (values.length !== sizeOf(shape)) {
    throw new Error(
      `tensor: ${values.length} values do not fill shape ${shapeStr(shape)} (${sizeOf(shape)})`,
    );
  }
  const b = opts.on ?? backend();
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  const t = new Tensor(b.fromHost(data), shape, b);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A rank-0 tensor holding one value, on backend `b` (default: the active one).
 *
 * @example
 * ```ts
 * import { scalar } from "./mod.ts";
 * console.log(scalar(0.5).item()); // 0.5
 * ```
 */
export function scalar(value: number, b: Backend = backend()): Tensor {
  return new Tensor(b.fromHost(new Float32Array([value])), [], b);
}

/**
 * A tensor of `shape` with every element `value`.
 *
 * @throws {Error} When a dimension is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { full } from "./mod.ts";
 * const mask = full([2, 2], -Infinity);
 * console.log(mask.dataSync()); // Float32Array [-Infinity, -Infinity, -Infinity, -Infinity]
 * ```
 */
export function full(shape: number[], value: number, opts: TensorOptions = {}): Tensor {
  checkShape("full", shape);
  const b = opts.on ?? backend();
  const s = b.alloc(sizeOf(shape));
  b.fill(s, value);
  const t = new Tensor(s, shape, b);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor of `shape` filled with 0.
 *
 * @example
 * ```ts
 * import { zeros } from "./mod.ts";
 * const bias = zeros([4], { requiresGrad: true });
 * console.log(bias.shape, bias.requiresGrad); // [4] true
 * ```
 */
export function zeros(shape: number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/**
 * A tensor of `shape` filled with 1.
 *
 * @example
 * ```ts
 * import { ones } from "./mod.ts";
 * console.log(ones([2, 3]).sum().item()); // 6
 * ```
 */
export function ones(shape: number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Internal: a fresh output tensor on `b` with storage allocated (contents to be written by a kernel). */
export function emptyOn(b: Backend, shape: readonly number[], node: GradNode | null = null): Tensor {
  return new Tensor(b.alloc(sizeOf(shape)), shape, b, node);
}
