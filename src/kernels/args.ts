/**
 * Kernel arguments as the kernel body sees them. A Tensor is read once per call to a host Float32Array and
 * exposed as precomputed nested views: rank 1 is the Float32Array itself, rank 2 an array of row
 * `subarray`s, rank 3 an array of arrays of rows. So `a[y][x]` is two plain property reads with no copy of the
 * values; a Proxy trap on every row read was about 100 times slower in a quick check (128³ matmul kernel: ~12 ms with
 * nested views, ~1.4 s through a Proxy), so it is not used.
 * Plain (nested) number arrays and typed arrays are checked to be rectangular, converted to float32 (gpu.js's
 * "single" precision) and exposed the same way; numbers and booleans pass through.
 *
 * @module
 */
import { Tensor } from "../tensor/mod.ts";

/** A read-only 1-D view: `v[x]`. */
export type Vector = ArrayLike<number>;
/** A read-only 2-D view: `m[y][x]`. */
export type Matrix = ArrayLike<ArrayLike<number>>;
/** A read-only 3-D view: `c[z][y][x]`. */
export type Cube = ArrayLike<ArrayLike<ArrayLike<number>>>;
/** What a kernel body receives for one argument. */
export type KernelView = number | boolean | Vector | Matrix | Cube;

/** A plain (possibly nested, up to 3 deep) array of numbers, as gpu.js accepts: `a[y][x]`. */
export type NumberArray =
  | ArrayLike<number>
  | ArrayLike<ArrayLike<number>>
  | ArrayLike<ArrayLike<ArrayLike<number>>>;

/** An argument a kernel can be called with. */
export type KernelArg = Tensor | number | boolean | NumberArray;

/**
 * Nested views over row-major `data` of `shape` (rank 0 to 3): rank 0 gives the number itself.
 *
 * @throws {Error} When the shape has more than 3 axes.
 *
 * @example
 * ```ts
 * import { viewOf } from "./src/kernels/mod.ts";
 * const m = viewOf(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]) as ArrayLike<ArrayLike<number>>;
 * console.log(m[1][2]); // 6
 * ```
 */
export function viewOf(data: Float32Array, shape: readonly number[]): KernelView {
  switch (shape.length) {
    case 0:
      return data[0];
    case 1:
      return data;
    case 2: {
      const [h, w] = shape;
      const rows = new Array<Float32Array>(h);
      for (let y = 0; y < h; y++) rows[y] = data.subarray(y * w, (y + 1) * w);
      return rows;
    }
    case 3: {
      const [d, h, w] = shape;
      const planes = new Array<Float32Array[]>(d);
      for (let z = 0; z < d; z++) {
        const rows = new Array<Float32Array>(h);
        for (let y = 0; y < h; y++) rows[y] = data.subarray((z * h + y) * w, (z * h + y + 1) * w);
        planes[z] = rows;
      }
      return planes;
    }
    default:
      throw new Error(
        `kernels: a tensor of rank ${shape.length} cannot be indexed as a gpu.js argument (max 3)`,
      );
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** The shape of a rectangular nested number array, or an error message saying where it is not. */
function nestedShape(a: ArrayLike<unknown>): number[] | string {
  const shape: number[] = [];
  let cur: unknown = a;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    const arr = cur as ArrayLike<unknown>;
    shape.push(arr.length);
    if (shape.length > 3) return "it is nested more than 3 deep";
    if (arr.length === 0) return "it has an empty level";
    cur = arr[0];
  }
  if (typeof cur !== "number") return `its elements are ${describe(cur)}, not numbers`;
  return shape;
}

/** Flattens `a` of `shape` row-major into `out`, checking rectangularity; returns an error message or null. */
function flattenInto(
  a: ArrayLike<unknown>,
  shape: number[],
  depth: number,
  out: Float32Array,
  at: number,
): string | null {
  if (a.length !== shape[depth]) {
    return `it is not rectangular (length ${a.length} where ${shape[depth]} was expected)`;
  }
  if (depth === shape.length - 1) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== "number") return `element ${i} at depth ${depth} is ${describe(v)}, not a number`;
      out[at + i] = v;
    }
    return null;
  }
  let stride = 1;
  for (let k = depth + 1; k < shape.length; k++) stride *= shape[k];
  for (let i = 0; i < a.length; i++) {
    const sub = a[i];
    if (!Array.isArray(sub) && !ArrayBuffer.isView(sub)) {
      return `element ${i} at depth ${depth} is not an array`;
    }
    const err = flattenInto(sub as ArrayLike<unknown>, shape, depth + 1, out, at + i * stride);
    if (err) return err;
  }
  return null;
}

/**
 * Throws unless a tensor argument has at most 3 axes (what `a[z][y][x]` indexing reaches), naming the
 * kernel, the argument and its shape.
 *
 * @example
 * ```ts
 * import { checkTensorArgument } from "./src/kernels/args.ts";
 * import { zeros } from "./mod.ts";
 * checkTensorArgument(zeros([2, 3]), 0, "k"); // fine; a [2, 2, 2, 2] tensor would throw
 * ```
 */
export function checkTensorArgument(t: Tensor, index: number, kernel: string): void {
  if (t.rank > 3) {
    throw new Error(
      `kernel "${kernel}": argument ${index} is a tensor of shape [${t.shape.join(", ")}]; ` +
        "gpu.js-style kernels index at most 3 axes (reshape it first)",
    );
  }
}

/**
 * Converts one call argument to the view the body receives. Tensors are read through `read` (so a tensor
 * passed twice is read once per call); everything else is checked here.
 *
 * @throws {Error} Naming `kernel` and the argument's position when its type is not supported (a string, an
 * object, a ragged or too deeply nested array, a tensor of rank above 3).
 *
 * @example
 * ```ts
 * import { argumentView } from "./src/kernels/mod.ts";
 * const v = argumentView([[1, 2], [3, 4]], 0, "k", () => new Float32Array()) as ArrayLike<ArrayLike<number>>;
 * console.log(v[1][0]); // 3
 * ```
 */
export function argumentView(
  arg: unknown,
  index: number,
  kernel: string,
  read: (t: Tensor) => Float32Array,
): KernelView {
  if (typeof arg === "number" || typeof arg === "boolean") return arg;
  if (arg instanceof Tensor) {
    checkTensorArgument(arg, index, kernel);
    return viewOf(read(arg), arg.shape);
  }
  if (Array.isArray(arg) || (ArrayBuffer.isView(arg) && !(arg instanceof DataView))) {
    const shape = nestedShape(arg as ArrayLike<unknown>);
    let err = typeof shape === "string" ? shape : null;
    let data: Float32Array | null = null;
    if (typeof shape !== "string") {
      data = new Float32Array(shape.reduce((p, d) => p * d, 1));
      err = flattenInto(arg as ArrayLike<unknown>, shape, 0, data, 0);
    }
    if (err || !data || typeof shape === "string") {
      throw new Error(`kernel "${kernel}": argument ${index} is an array that cannot be used: ${err}`);
    }
    return viewOf(data, shape);
  }
  throw new Error(
    `kernel "${kernel}": argument ${index} has unsupported type ${describe(arg)}` +
      (typeof arg === "string" ? ` (${JSON.stringify(arg.slice(0, 20))})` : "") +
      "; pass a Tensor, a number, a boolean or a (nested) array of numbers",
  );
}
