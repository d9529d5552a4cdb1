/**
 * The output extent of a gpu.js-style kernel: gpu.js lists it fastest axis first (`[w]`, `[w, h]`,
 * `[w, h, d]`, or `{ x, y, z }`), while the library's tensors are row-major (`[d?, h?, w]`). This file turns
 * one into the other and checks every size is a positive integer.
 *
 * @module
 */

/** An output as gpu.js writes it: `[w]`, `[w, h]`, `[w, h, d]`, or an object with `x` and optional y, z. */
export type OutputSpec = readonly number[] | { readonly x: number; readonly y?: number; readonly z?: number };

/** A checked output extent: the sizes per thread axis and the row-major shape of the result tensor. */
export interface KernelOutput {
  /** Extent along this.thread.x (fastest-varying). */
  readonly x: number;
  /** Extent along this.thread.y (1 for a 1-D output). */
  readonly y: number;
  /** Extent along this.thread.z (1 for a 1-D or 2-D output). */
  readonly z: number;
  /** The sizes in gpu.js order, e.g. [w, h]. */
  readonly dims: readonly number[];
  /** The result tensor's shape, row-major: [d?, h?, w]. */
  readonly shape: readonly number[];
  /** Number of threads (elements): x · y · z. */
  readonly size: number;
}

/**
 * Checks a gpu.js output spec and returns its extents.
 *
 * @throws {Error} When it has not 1 to 3 sizes, or a size is not a positive integer; `kernel` names the
 * kernel in the message.
 *
 * @example
 * ```ts
 * import { normalizeOutput } from "./src/kernels/mod.ts";
 * const out = normalizeOutput([4, 3], "blur"); // 4 wide, 3 high
 * console.log(out.shape, out.size); // [3, 4] 12
 * ```
 */
export function normalizeOutput(spec: OutputSpec, kernel: string): KernelOutput {
  let dims: number[];
  if (Array.isArray(spec) || ArrayBuffer.isView(spec)) dims = Array.from(spec as ArrayLike<number>);
  else if (spec !== null && typeof spec === "object" && "x" in spec) {
    const o = spec as { x: number; y?: number; z?: number };
    dims = [o.x];
    if (o.y !== undefined || o.z !== undefined) dims.push(o.y ?? 1);
    if (o.z !== undefined) dims.push(o.z);
  } else {
    throw new Error(`kernel "${kernel}": setOutput expects [w], [w, h], [w, h, d] or { x, y?, z? }`);
  }
  if (dims.length < 1 || dims.length > 3) {
    throw new Error(`kernel "${kernel}": output must have 1 to 3 sizes, got [${dims.join(", ")}]`);
  }
  dims.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d <= 0) {
      throw new Error(
        `kernel "${kernel}": output size ${"xyz"[i]} is ${String(d)}; each size must be a positive integer ` +
          `(output [${dims.join(", ")}])`,
      );
    }
  });
  const [x, y = 1, z = 1] = dims;
  return { x, y, z, dims, shape: [...dims].reverse(), size: x * y * z };
}

/**
 * The gpu.js output of a tensor shape (the reverse of {@link normalizeOutput}'s `shape`); a scalar shape []
 * maps to [1].
 *
 * @throws {Error} When the shape has more than 3 axes.
 *
 * @example
 * ```ts
 * import { outputOfShape } from "./src/kernels/mod.ts";
 * console.log(outputOfShape([3, 4])); // [4, 3]
 * ```
 */
export function outputOfShape(shape: readonly number[]): number[] {
  if (shape.length > 3) throw new Error(`kernels: a shape of rank ${shape.length} has no gpu.js output`);
  return shape.length === 0 ? [1] : [...shape].reverse();
}
