/**
 * Sorting along an axis (argsort, topk) and elementwise gathering along an axis (torch.gather). Sorting runs on
 * the host (a read back of x); gathering uses the backend's gather on flat indices, and its gradient is the
 * "gather" scatter-add registered with indexSelect.
 */
import { Tensor } from "../tensor.ts";
import { normalizeAxis, shapeStr, stridesOf } from "../shape.ts";
import { gatherIndexed } from "./gather.ts";

/** Flat indices are stored as float32, exact only up to 2^24. */
const MAX_EXACT_INDEX = 1 << 24;

/** Total order with NaN above every number (as torch sorts). */
function compareValues(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stably sorted positions of every line along `axis`, written into a [outer, len, inner] layout. */
function sortLines(x: Tensor, axis: number, descending: boolean, keep: number): Float32Array {
  const v = x.dataSync();
  const len = x.shape[axis];
  const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Float32Array(outer * keep * inner);
  const order = new Array<number>(len);
  const line = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < len; j++) {
        order[j] = j;
        line[j] = v[(o * len + j) * inner + i];
      }
      // Array.prototype.sort is stable: ties keep their original order in both directions.
      order.sort(
        descending ? (p, q) => compareValues(line[q], line[p]) : (p, q) => compareValues(line[p], line[q]),
      );
      for (let j = 0; j < keep; j++) out[(o * keep + j) * inner + i] = order[j];
    }
  }
  return out;
}

/**
 * Indices that sort x along `axis` (default the last; stable, NaN last when ascending), as float values with
 * no gradient. Sorting runs on the host.
 *
 * @example
 * ```ts
 * import { argsort, tensor } from "./mod.ts";
 * const x = tensor([3, 1, 2], [3]);
 * console.log(argsort(x).dataSync()); // Float32Array [1, 2, 0]
 * console.log(argsort(x, -1, true).dataSync()); // Float32Array [0, 2, 1]
 * ```
 */
export function argsort(x: Tensor, axis = -1, descending = false): Tensor {
  const a = normalizeAxis("argsort", axis, x.rank);
  const idx = sortLines(x, a, descending, x.shape[a]);
  return new Tensor(x.backend.fromHost(idx), x.shape, x.backend);
}

/**
 * The k largest entries along `axis` (default the last), sorted descending (ties keep the lower index first),
 * with their indices as floats; values carry a gradient back to the picked entries.
 *
 * @throws {Error} When k is not an integer in [0, axis length].
 *
 * @example
 * ```ts
 * import { tensor, topk } from "./mod.ts";
 * const { values, indices } = topk(tensor([0.1, 0.7, 0.2], [1, 3]), 2);
 * console.log(values.dataSync(), indices.dataSync()); // ≈ Float32Array [0.7, 0.2] Float32Array [1, 2]
 * ```
 */
export function topk(x: Tensor, k: number, axis = -1): { values: Tensor; indices: Tensor } {
  const a = normalizeAxis("topk", axis, x.rank);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[a]) {
    throw new Error(`topk: k = ${k} out of range for axis ${axis} of ${shapeStr(x.shape)}`);
  }
  const shape = [...x.shape];
  shape[a] = k;
  const indices = new Tensor(x.backend.fromHost(sortLines(x, a, true, k)), shape, x.backend);
  return { values: gatherAlong(x, a, indices), indices };
}

/**
 * torch.gather: out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis`, with index (integer values)
 * of x's rank and every other axis no longer than x's; out has index's shape. The gradient scatter-adds into
 * the picked entries.
 *
 * @throws {Error} When index has another rank, a longer axis or an out-of-range value, or x holds more than
 * 2^24 elements.
 *
 * @example
 * ```ts
 * import { gatherAlong, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [2, 2]);
 * console.log(gatherAlong(x, 1, tensor([1, 0], [2, 1])).dataSync()); // Float32Array [2, 3]
 * ```
 */
export function gatherAlong(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis("gatherAlong", axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new Error(
      `gatherAlong: index ${shapeStr(index.shape)} must have the rank of x ${
        shapeStr(x.shape)
      } and no longer ` +
        `axes (except axis ${axis})`,
    );
  }
  if (x.size > MAX_EXACT_INDEX) {
    throw new Error(`gatherAlong: x has ${x.size} elements, more than ${MAX_EXACT_INDEX}`);
  }
  const iv = index.dataSync();
  const xs = stridesOf(x.shape), len = x.shape[a], rank = x.rank;
  const flat = new Float32Array(index.size);
  const pos = new Array<number>(rank).fill(0);
  for (let e = 0; e < index.size; e++) {
    const k = iv[e];
    if (!Number.isInteger(k) || k < 0 || k >= len) {
      throw new Error(`gatherAlong: index ${k} out of range for axis ${axis} of ${shapeStr(x.shape)}`);
    }
    let off = 0;
    for (let d = 0; d < rank; d++) off += (d === a ? k : pos[d]) * xs[d];
    flat[e] = off;
    for (let d = rank - 1; d >= 0; d--) {
      if (++pos[d] < index.shape[d]) break;
      pos[d] = 0;
    }
  }
  const b = x.backend;
  const idx = new Tensor(b.fromHost(flat), [flat.length], b);
  const y = gatherIndexed(x, idx, [...index.shape], 1, x.size, 1);
  if (!y.node) idx.dispose();
  return y;
}
