/**
 * The attention op: the fused backend kernel (native CPU kernels) against the composed path (matmul,
 * softmax, dropout, copies) on the same inputs and dropout coins, forward and backward, and the fused op's
 * gradients against finite differences. Without a fused kernel both paths are the composed one and the
 * comparisons hold trivially; the finite-difference checks still run.
 */
import assert from "node:assert/strict";
import { attention, attentionWithWeights, backend, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";
import { Philox } from "../src/random/philox.ts";
import { assertClose, gradCheck, randTensor, rng } from "./helpers.ts";

const fused = typeof backend().attention === "function";
if (!fused) {
  console.log("[attention] the active backend has no fused kernel: only the composed path is tested");
}

function keyBias(batch: number, tk: number, padded: number[]): Tensor {
  const v = new Float32Array(batch * tk);
  padded.forEach((n, b) => {
    for (let j = tk - n; j < tk; j++) v[b * tk + j] = -Infinity;
  });
  return tensor(v, [batch, tk]);
}

Deno.test("attention: fused equals composed (outputs and q, k, v gradients), with masks and dropout", () => {
  // the demo fusion's shape (13 tokens, d 32), more than two key vectors (20 keys), odd and tiny sizes
  // one above the kernels' threading threshold (32 x 4 tasks), the MOSI fusion's d 5 over 101 keys (every
  // feature along the keys) and d 12 (8 along the rows, 4 along the keys)
  const shapes = [
    [2, 5, 7, 3, 4],
    [3, 13, 13, 5, 8],
    [1, 1, 3, 1, 2],
    [2, 13, 13, 2, 32],
    [2, 9, 20, 3, 16],
    [32, 13, 13, 4, 32],
    [2, 11, 101, 8, 5],
    [2, 7, 9, 2, 12],
  ];
  for (const [batch, tq, tk, heads, d] of shapes) {
    const e = heads * d;
    const r = rng();
    const q = randTensor([batch, tq, e], r, 0.7),
      k = randTensor([batch, tk, e], r),
      v = randTensor([batch, tk, e], r);
    const opts = {
      keyBias: keyBias(batch, tk, Array.from({ length: batch }, (_, b) => b % Math.max(1, tk - 1))),
      attnBias: randTensor([tq, tk], r, 0.5, false),
    };
    for (const p of [0, 0.3]) {
      const run = (which: "fused" | "composed") => {
        q.grad = k.grad = v.grad = null;
        const seeded = { ...opts, dropout: { p, rng: new Philox(77) } };
        const out = tidy(() => {
          const y = which === "fused"
            ? attention(q, k, v, heads, seeded)
            : attentionWithWeights(q, k, v, heads, seeded).output;
          const w = tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i)), [...y.shape]);
          y.mul(w).sum().backward();
          return y.dataSync();
        });
        return { out, gq: q.grad!.dataSync(), gk: k.grad!.dataSync(), gv: v.grad!.dataSync() };
      };
      const a = run("fused"), b = run("composed");
      const tag = `B${batch} Tq${tq} Tk${tk} H${heads} d${d} p${p}`;
      // the two paths sum in different orders; the absolute rounding of a score or gradient grows with the
      // d products it sums (measured worst at d 32: 1.6e-6, before and after the kernel's loop reordering)
      const atol = 1e-6 * Math.max(1, d / 8);
      assertClose(a.out, b.out, atol, 1e-5, `output ${tag}`);
      assertClose(a.gq, b.gq, atol, 1e-5, `grad q ${tag}`);
      assertClose(a.gk, b.gk, atol, 1e-5, `grad k ${tag}`);
      assertClose(a.gv, b.gv, atol, 1e-5, `grad v ${tag}`);
      assert.ok(a.out.some((x) => x !== 0), "output is not all zeros");
    }
  }
});

Deno.test("attention: gradients of q, k and v match finite differences", () => {
  const r = rng();
  const [batch, tq, tk, heads, d] = [2, 4, 5, 2, 3];
  const q = randTensor([batch, tq, heads * d], r), k = randTensor([batch, tk, heads * d], r);
  const v = randTensor([batch, tk, heads * d], r);
  const kb = keyBias(batch, tk, [0, 2]);
  gradCheck((a, b, c) => attention(a, b, c, heads, { keyBias: kb }), [q, k, v], { atol: 3e-3 });
  // with dropout: the same coins on every evaluation (a fresh generator from one seed)
  gradCheck(
    (a, b, c) => attention(a, b, c, heads, { keyBias: kb, dropout: { p: 0.25, rng: new Philox(5) } }),
    [q, k, v],
    { atol: 3e-3 },
  );
});

Deno.test("attention: a query whose keys are all padding gives NaN (as PyTorch); shapes are checked", () => {
  const q = randTensor([1, 2, 4]), k = randTensor([1, 3, 4]), v = randTensor([1, 3, 4]);
  const y = attention(q, k, v, 2, { keyBias: keyBias(1, 3, [3]) });
  assert.ok(y.dataSync().every(Number.isNaN));
  assert.throws(() => attention(q, k, v, 3), /divisible by 3 heads/);
  assert.throws(
    () => attention(q, k, v, 2, { keyBias: keyBias(1, 2, [0]) }),
    /keyBias \[1, 2\] must hold \[1, 3\]/,
  );
});
