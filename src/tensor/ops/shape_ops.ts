/** Shape ops: reshape (a view), permute/transpose, slice, concat, stack, pad, squeeze/unsqueeze. */
import { record, registerGradient } from "../autograd.ts";
import { Tensor } from "../tensor.ts";
import { normalizeAxis, shapeStr, sizeOf, stridesOf } from "../shape.ts";
import { emptyOn } from "./create.ts";

// ---- reshape: shares storage ----------------------------------------------------------------------------

registerGradient("reshape", (gy, node) => [reshape(gy, [...node.inputs[0].shape])]);

/**
 * The same values with a new shape (one dimension may be -1, inferred); shares storage with x (no copy).
 *
 * @throws {Error} When the element count differs or more than one dimension is -1.
 *
 * @example
 * ```ts
 * import { reshape, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.log(reshape(x, [3, -1]).shape); // [3, 2]
 * ```
 */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const holes = shape.length - known.length;
  if (holes > 1) throw new Error(`reshape: more than one -1 in ${shapeStr(shape)}`);
  const target = holes ? shape.map((d) => (d === -1 ? x.size / sizeOf(known) : d)) : shape;
  if (sizeOf(target) !== x.size || target.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(
      `reshape: cannot reshape ${shapeStr(x.shape)} (${x.size} elements) to ${shapeStr(shape)}`,
    );
  }
  return new Tensor(x.storage, target, x.backend, record("reshape", [x]));
}

/**
 * Merges axes startAxis..endAxis (inclusive, negative counts from the end) into one; a view like reshape.
 *
 * @example
 * ```ts
 * import { flatten, zeros } from "./mod.ts";
 * console.log(flatten(zeros([2, 3, 4, 5]), 1).shape); // [2, 60]
 * ```
 */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  const s = normalizeAxis("flatten", startAxis, x.rank), e = normalizeAxis("flatten", endAxis, x.rank);
  const mid = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

/**
 * Inserts a size-1 axis at `axis` (in [-rank-1, rank]); a view like reshape.
 *
 * @throws {Error} When the axis is out of range.
 *
 * @example
 * ```ts
 * import { unsqueeze, zeros } from "./mod.ts";
 * console.log(unsqueeze(zeros([2, 3]), 0).shape, unsqueeze(zeros([2, 3]), -1).shape); // [1, 2, 3] [2, 3, 1]
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  if (a < 0 || a > x.rank) throw new Error(`unsqueeze: axis ${axis} out of range for rank ${x.rank}`);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/**
 * Drops the size-1 axis `axis`, or every size-1 axis when omitted; a view like reshape.
 *
 * @throws {Error} When the given axis is not of size 1.
 *
 * @example
 * ```ts
 * import { squeeze, zeros } from "./mod.ts";
 * console.log(squeeze(zeros([1, 3, 1])).shape, squeeze(zeros([1, 3, 1]), 0).shape); // [3] [3, 1]
 * ```
 */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis("squeeze", axis, x.rank);
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} of ${shapeStr(x.shape)} is not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

// ---- permute ---------------------------------------------------------------------------------------------

registerGradient("permute", (gy, node) => {
  const perm = node.attrs.perm as number[];
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return [permute(gy, inv)];
});

/**
 * Reorders axes (a copy): y.shape[i] = x.shape[perm[i]], as torch.permute.
 *
 * @throws {Error} When `perm` is not a permutation of x's axes.
 *
 * @example
 * ```ts
 * import { permute, zeros } from "./mod.ts";
 * const x = zeros([2, 3, 4]); // [B, T, E]
 * console.log(permute(x, [1, 0, 2]).shape); // [3, 2, 4]
 * ```
 */
export function permute(x: Tensor, perm: number[]): Tensor {
  if (
    perm.length !== x.rank || new Set(perm).size !== perm.length || perm.some((p) => p < 0 || p >= x.rank)
  ) {
    throw new Error(`permute: [${perm}] is not a permutation of the axes of ${shapeStr(x.shape)}`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const xs = stridesOf(x.shape);
  const y = emptyOn(x.backend, shape, record("permute", [x], [], { perm }));
  x.backend.copyStrided(x.storage, 0, perm.map((p) => xs[p]), y.storage, 0, stridesOf(shape), shape);
  return y;
}

/**
 * Swaps two axes (default: the last two), as a copy through {@link permute}.
 *
 * @example
 * ```ts
 * import { tensor, transpose } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.log(transpose(x).shape, transpose(x).dataSync()); // [3, 2] Float32Array [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const a = normalizeAxis("transpose", axis0, x.rank), b = normalizeAxis("transpose", axis1, x.rank);
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

// ---- slice / pad -------------------------------------------------------------------------------------------

registerGradient("slice", (gy, node) => {
  const x = node.inputs[0];
  const starts = node.attrs.starts as number[];
  const gx = emptyOn(x.backend, x.shape);
  x.backend.fill(gx.storage, 0);
  const xs = stridesOf(x.shape);
  const off = starts.reduce((p, s, i) => p + s * xs[i], 0);
  x.backend.copyStrided(gy.storage, 0, stridesOf(gy.shape), gx.storage, off, xs, [...gy.shape]);
  return [gx];
});

/**
 * x[start:end] along one axis (a copy; end exclusive and defaulting to the axis length; negative values count
 * from the end). The gradient is scattered back into a zero tensor of x's shape.
 *
 * @throws {Error} When the range is out of bounds.
 *
 * @example
 * ```ts
 * import { slice, tensor } from "./mod.ts";
 * const x = tensor([0, 1, 2, 3, 4, 5], [6]);
 * console.log(slice(x, 0, 1, 3).dataSync()); // Float32Array [1, 2]
 * console.log(slice(x, 0, -2).dataSync()); // Float32Array [4, 5]
 * ```
 */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normalizeAxis("slice", axis, x.rank);
  const len = x.shape[a];
  const s = start < 0 ? start + len : start;
  const e = end === undefined ? len : end < 0 ? end + len : end;
  if (!(s >= 0 && e <= len && s <= e)) {
    throw new Error(`slice: range [${start}, ${end}) out of bounds for axis ${axis} of ${shapeStr(x.shape)}`);
  }
  const shape = [...x.shape];
  shape[a] = e - s;
  const starts = x.shape.map((_, i) => (i === a ? s : 0));
  const xs = stridesOf(x.shape);
  const y = emptyOn(x.backend, shape, record("slice", [x], [], { starts }));
  x.backend.copyStrided(x.storage, s * xs[a], xs, y.storage, 0, stridesOf(shape), shape);
  return y;
}

registerGradient("pad", (gy, node) => {
  const x = node.inputs[0];
  const before = node.attrs.before as number[];
  const gs = stridesOf(gy.shape);
  const off = before.reduce((p, b, i) => p + b * gs[i], 0);
  const gx = emptyOn(x.backend, x.shape);
  x.backend.copyStrided(gy.storage, off, gs, gx.storage, 0, stridesOf(x.shape), [...x.shape]);
  return [gx];
});

/**
 * Constant padding: `pads` lists [before, after] per axis, from the first axis (later axes get none).
 *
 * @throws {Error} When there are more pairs than axes or a pad is negative or fractional.
 *
 * @example
 * ```ts
 * import { pad, tensor } from "./mod.ts";
 * const x = tensor([1, 2], [1, 2]);
 * console.log(pad(x, [[0, 0], [1, 1]]).dataSync()); // Float32Array [0, 1, 2, 0]
 * ```
 */
export function pad(x: Tensor, pads: [number, number][], value = 0): Tensor {
  if (pads.length > x.rank) throw new Error(`pad: ${pads.length} pad pairs for a rank-${x.rank} tensor`);
  const before = x.shape.map((_, i) => pads[i]?.[0] ?? 0), after = x.shape.map((_, i) => pads[i]?.[1] ?? 0);
  if ([...before, ...after].some((p) => p < 0 || !Number.isInteger(p))) throw new Error(`pad: negative pad`);
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const y = emptyOn(x.backend, shape, record("pad", [x], [], { before }));
  x.backend.fill(y.storage, value);
  const ys = stridesOf(shape);
  const off = before.reduce((p, b, i) => p + b * ys[i], 0);
  x.backend.copyStrided(x.storage, 0, stridesOf(x.shape), y.storage, off, ys, [...x.shape]);
  return y;
}

// ---- concat / stack ------------------------------------------------------------------------------------------

registerGradient("concat", (gy, node) => {
  const axis = node.attrs.axis as number;
  let start = 0;
  return node.inputs.map((t) => {
    const g = t.requiresGrad ? slice(gy, axis, start, start + t.shape[axis]) : null;
    start += t.shape[axis];
    return g;
  });
});

/**
 * Joins tensors along an existing axis (default 0); all other axes must match.
 *
 * @throws {Error} When the list is empty or the shapes differ off `axis`.
 *
 * @example
 * ```ts
 * import { concat, zeros } from "./mod.ts";
 * console.log(concat([zeros([2, 3]), zeros([4, 3])]).shape); // [6, 3]
 * ```
 */
export function concat(xs: Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error("concat: no tensors");
  const a = normalizeAxis("concat", axis, xs[0].rank);
  const base = xs[0].shape;
  for (const t of xs) {
    if (t.rank !== base.length || t.shape.some((d, i) => i !== a && d !== base[i])) {
      throw new Error(
        `concat: shapes ${xs.map((u) => shapeStr(u.shape)).join(", ")} differ off axis ${axis}`,
      );
    }
  }
  const shape = [...base];
  shape[a] = xs.reduce((p, t) => p + t.shape[a], 0);
  const y = emptyOn(xs[0].backend, shape, record("concat", xs, [], { axis: a }));
  const ys = stridesOf(shape);
  let off = 0;
  for (const t of xs) {
    t.backend.copyStrided(t.storage, 0, stridesOf(t.shape), y.storage, off * ys[a], ys, [...t.shape]);
    off += t.shape[a];
  }
  return y;
}

/**
 * Stacks same-shape tensors along a new axis (default 0).
 *
 * @throws {Error} When the list is empty or the shapes differ.
 *
 * @example
 * ```ts
 * import { stack, zeros } from "./mod.ts";
 * console.log(stack([zeros([2, 3]), zeros([2, 3])], 1).shape); // [2, 2, 3]
 * ```
 */
export function stack(xs: Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error("stack: no tensors");
  return concat(xs.map((t) => unsqueeze(t, axis)), axis);
}

/**
 * Splits along an axis (default 0) into consecutive pieces of the given sizes (copies).
 *
 * @throws {Error} When the sizes do not add up to the axis length.
 *
 * @example
 * ```ts
 * import { split, zeros } from "./mod.ts";
 * const [a, b] = split(zeros([5, 2]), [2, 3]);
 * console.log(a.shape, b.shape); // [2, 2] [3, 2]
 * ```
 */
export function split(x: Tensor, sizes: number[], axis = 0): Tensor[] {
  const a = normalizeAxis("split", axis, x.rank);
  if (sizes.reduce((p, s) => p + s, 0) !== x.shape[a]) {
    throw new Error(
      `split: sizes [${sizes}] do not add up to ${x.shape[a]} (axis ${axis} of ${shapeStr(x.shape)})`,
    );
  }
  let start = 0;
  return sizes.map((s) => {
    const part = slice(x, a, start, start + s);
    start += s;
    return part;
  });
}
