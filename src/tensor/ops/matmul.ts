/** Matrix products: batched matmul with broadcast batch dims and copy-free transposed operands; linear. */
import { record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { shapeStr, sizeOf } from "../shape.ts";
import { emptyOn } from "./create.ts";
import { expandTo, relu } from "./elementwise.ts";
import { sumTo } from "./reduce.ts";
import { reshape } from "./shape_ops.ts";

/** Options of matmul: treat an operand's last two axes as transposed (no copy is made). */
export interface MatmulOptions {
  /** Use the transpose of a's last two axes (default false). */
  transA?: boolean;
  /** Use the transpose of b's last two axes (default false). */
  transB?: boolean;
}

function batchShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1, db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: batch dims [${a}] and [${b}] cannot broadcast`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/**
 * op(a) @ op(b) over the last two axes, where op transposes when asked: [..., m, k] @ [..., k, n] -> [..., m,
 * n]. Leading batch axes broadcast; an operand without batch axes is shared by every batch item without
 * copying.
 *
 * @throws {Error} When an operand has rank below 2, the inner dimensions differ or the batch axes do not
 * broadcast.
 *
 * @example
 * ```ts
 * import { matmul, tensor } from "./mod.ts";
 * const a = tensor([1, 2, 3, 4], [2, 2]);
 * const b = tensor([1, 0, 0, 1], [2, 2]);
 * console.log(matmul(a, b).dataSync()); // Float32Array [1, 2, 3, 4]
 * const gram = matmul(a, a, { transB: true }); // a aᵀ
 * console.log(gram.dataSync()); // Float32Array [5, 11, 11, 25]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matmul: operands need rank >= 2, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) {
    throw new Error(
      `matmul: inner dimensions differ: ${shapeStr(a.shape)}${transA ? "ᵀ" : ""} @ ${shapeStr(b.shape)}${
        transB ? "ᵀ" : ""
      } (${k} vs ${kb})`,
    );
  }
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const batch = batchShape("matmul", aBatch, bBatch);
  const nb = sizeOf(batch);
  // An operand whose batch shape is not the full one is materialised, unless it has no batch at all.
  const ea = aBatch.length === 0 || sizeOf(aBatch) === nb && aBatch.length === batch.length
    ? a
    : expandTo(a, [...batch, ar, ac], false);
  const eb = bBatch.length === 0 || sizeOf(bBatch) === nb && bBatch.length === batch.length
    ? b
    : expandTo(b, [...batch, br, bc], false);
  const y = emptyOn(a.backend, [...batch, m, n], record("matmul", [a, b], [], { transA, transB }));
  a.backend.matmul(ea.storage, eb.storage, y.storage, {
    batch: nb,
    m,
    n,
    k,
    transA,
    transB,
    strideA: ea.rank === 2 ? 0 : m * k,
    strideB: eb.rank === 2 ? 0 : k * n,
    strideC: m * n,
  });
  if (ea !== a) ea.dispose();
  if (eb !== b) eb.dispose();
  return y;
}

registerGradient("matmul", (gy, node) => {
  const [a, b] = node.inputs;
  const { transA, transB } = node.attrs as { transA: boolean; transB: boolean };
  let ga: Tensor | null = null, gb: Tensor | null = null;
  if (a.requiresGrad) {
    // C = op(A) op(B): d op(A) = dC op(B)ᵀ; dA is that or its transpose.
    ga = transA ? matmul(b, gy, { transA: transB, transB: true }) : matmul(gy, b, { transB: !transB });
    ga = reduceBatch(ga, a.shape);
  }
  if (b.requiresGrad) {
    gb = transB ? matmul(gy, a, { transA: true, transB: transA }) : matmul(a, gy, { transA: !transA });
    gb = reduceBatch(gb, b.shape);
  }
  return [ga, gb];
});

/** Sums a batched gradient over the batch axes an operand was broadcast along. */
function reduceBatch(g: Tensor, shape: readonly number[]): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  if (shape.length === 2 && g.rank > 2) {
    // Shared 2-D operand: sum over all batch items.
    const r = sumTo(reshape(g, [-1, ...g.shape.slice(-2)]), [1, ...shape]);
    return reshape(r, [...shape]);
  }
  return sumTo(g, shape);
}

registerGradient("linear", (gy, node) => {
  const [x, w, bias] = node.inputs;
  return [
    x.requiresGrad ? matmul(gy, w) : null, // [N, out] @ [out, in]
    w.requiresGrad ? matmul(gy, x, { transA: true }) : null, // [out, N] @ [N, in]
    bias?.requiresGrad ? sumTo(gy, bias.shape) : null,
  ];
});

registerGradient("linearAct", (gy, node, y) => {
  const [x, w, bias] = node.inputs;
  const act = node.attrs.act as "none" | "relu";
  const b = gy.backend;
  // g = gy * act'(.) and the bias gradient in one pass over the output; without an activation g is gy itself
  // and the pass only sums the bias gradient
  const g = act === "none" ? gy : emptyOn(b, gy.shape);
  const gBias = bias?.requiresGrad ? emptyOn(b, bias.shape) : null;
  if (g !== gy || gBias) {
    b.biasActivationGrad!(
      y.storage,
      gy.storage,
      g.storage,
      gBias?.storage ?? null,
      y.shape[0],
      y.shape[1],
      act,
    );
  }
  const grads = [
    x.requiresGrad ? matmul(g, w) : null,
    w.requiresGrad ? matmul(g, x, { transA: true }) : null,
  ];
  if (g !== gy) g.dispose();
  return bias ? [...grads, gBias] : grads;
});

/** The activations a {@link linear} can apply in its epilogue. */
export type LinearActivation = "none" | "relu";

/**
 * y = act(x Wᵀ + b) with W [out, in] (PyTorch layout) over the last axis of x ([..., in] -> [..., out]), act
 * "none" (default) or "relu". Where the backend has the epilogue kernel (`biasActivation`, the native CPU
 * kernels) the GEMM writes y and one pass adds the bias and applies the activation; its backward takes act'
 * and the bias gradient in one pass too. Elsewhere the output is pre-filled with the bias, the GEMM
 * accumulates into it (beta = 1) and the activation is a separate op.
 *
 * @throws {Error} When W's shape does not match x's last axis, the bias does not have `out` elements, or the
 * activation is unknown.
 *
 * @example
 * ```ts
 * import { linear, tensor } from "./mod.ts";
 * const x = tensor([1, -1], [1, 2]); // [N, in]
 * const w = tensor([1, 1, 1, -1], [2, 2]); // [out, in]
 * const b = tensor([0.5, 0], [2]);
 * console.log(linear(x, w, b, "relu").dataSync()); // Float32Array [0.5, 2]
 * ```
 */
export function linear(
  x: Tensor,
  w: Tensor,
  bias?: Tensor | null,
  activation: LinearActivation = "none",
): Tensor {
  const inF = x.shape[x.rank - 1];
  if (w.rank !== 2 || w.shape[1] !== inF) {
    throw new Error(
      `linear: weight ${shapeStr(w.shape)} does not match input ${shapeStr(x.shape)} (in = ${inF})`,
    );
  }
  const outF = w.shape[0];
  if (bias && bias.size !== outF) {
    throw new Error(`linear: bias ${shapeStr(bias.shape)} does not match weight ${shapeStr(w.shape)}`);
  }
  if (activation !== "none" && activation !== "relu") {
    throw new Error(`linear: activation must be "none" or "relu", got "${activation}"`);
  }
  const rows = x.size / inF;
  const x2 = x.rank === 2 ? x : reshape(x, [rows, inF]);
  const inputs = bias ? [x2, w, bias] : [x2, w];
  const b = x.backend;
  // the epilogue only where there is something to add or apply: a bare product stays the plain "linear" op
  const fused = b.biasActivation !== undefined && b.biasActivationGrad !== undefined &&
    (Boolean(bias) || activation !== "none");
  const node = fused ? record("linearAct", inputs, [], { act: activation }) : record("linear", inputs);
  const y = emptyOn(b, [rows, outF], node);
  if (bias && !fused) b.copyStrided(bias.storage, 0, [0, 1], y.storage, 0, [outF, 1], [rows, outF]);
  b.matmul(x2.storage, w.storage, y.storage, {
    batch: 1,
    m: rows,
    n: outF,
    k: inF,
    transA: false,
    transB: true,
    strideA: 0,
    strideB: 0,
    strideC: 0,
    beta: bias && !fused ? 1 : 0,
  });
  if (fused) b.biasActivation!(y.storage, bias ? bias.storage : null, rows, outF, activation);
  const out = fused || activation === "none" ? y : relu(y);
  return x.rank === 2 ? out : reshape(out, [...x.shape.slice(0, -1), outF]);
}
