import assert from "node:assert/strict";
import {
  add,
  concat,
  div,
  exp,
  full,
  linear,
  logsumexp,
  matmul,
  max,
  mean,
  mul,
  numLiveTensors,
  reshape,
  slice,
  softmax,
  sum,
  tensor,
  tidy,
  transpose,
} from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";

Deno.test("add broadcasts and matches hand values", () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tensor([10, 20, 30], [3]);
  assert.deepEqual([...add(a, b).dataSync()], [11, 22, 33, 14, 25, 36]);
  const c = tensor([100, 200], [2, 1]);
  assert.deepEqual([...add(a, c).dataSync()], [101, 102, 103, 204, 205, 206]);
});

Deno.test("matmul and transposed operands match hand values", () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tensor([7, 8, 9, 10, 11, 12], [3, 2]);
  assert.deepEqual([...matmul(a, b).dataSync()], [58, 64, 139, 154]);
  const at = transpose(a);
  assert.deepEqual([...matmul(at, b, { transA: true }).dataSync()], [58, 64, 139, 154]);
  assert.deepEqual([...matmul(a, transpose(b), { transB: true }).dataSync()], [58, 64, 139, 154]);
});

Deno.test("reductions and softmax match hand values", () => {
  const x = tensor([1, 5, 3, 2, 0, 4], [2, 3]);
  assert.deepEqual([...sum(x, 1).dataSync()], [9, 6]);
  assert.deepEqual([...max(x, 0).dataSync()], [2, 5, 4]);
  assertClose(mean(x).dataSync(), [15 / 6]);
  const s = softmax(tensor([0, Math.log(3)], [1, 2])).dataSync();
  assertClose(s, [0.25, 0.75]);
  assertClose(logsumexp(tensor([1000, 1000], [2])).dataSync(), [1000 + Math.log(2)]);
});

Deno.test("gradients of composite expressions match finite differences", () => {
  const a = randTensor([3, 4]), b = randTensor([4]), c = randTensor([4, 2]);
  gradCheck((a, b, c) => matmul(exp(mul(add(a, b), 0.3)), c), [a, b, c]);
  gradCheck((a, b) => div(a, add(mul(b, b), 1)), [a, b]);
  const x = randTensor([2, 3, 4]);
  gradCheck((x) => softmax(x, 1), [x]);
  gradCheck((x) => logsumexp(x, [0, 2]), [x]);
  gradCheck((x) => concat([slice(x, 2, 0, 1), reshape(slice(x, 2, 1), [2, 3, 3])], 2), [x]);
  gradCheck((x) => max(x, 1), [x]);
});

Deno.test("batched matmul with broadcast and transposes has correct gradients", () => {
  const a = randTensor([2, 3, 4]), b = randTensor([4, 5]);
  gradCheck((a, b) => matmul(a, b), [a, b]);
  const c = randTensor([2, 5, 4]);
  gradCheck((a, c) => matmul(a, c, { transB: true }), [a, c]);
  const d = randTensor([2, 3, 5]);
  gradCheck((a, d) => matmul(a, d, { transA: true }), [a, d]);
  gradCheck((e, c) => matmul(e, c, { transA: true, transB: true }), [randTensor([2, 4, 3]), c]);
});

Deno.test("linear (fused bias GEMM) matches x Wᵀ + b and has correct gradients", () => {
  const x = randTensor([2, 3, 4]), w = randTensor([5, 4]), b = randTensor([5]);
  const y = linear(x, w, b).dataSync();
  const xv = x.dataSync(), wv = w.dataSync(), bv = b.dataSync();
  const expected = new Float64Array(2 * 3 * 5);
  for (let r = 0; r < 6; r++) {
    for (let o = 0; o < 5; o++) {
      let acc = bv[o];
      for (let i = 0; i < 4; i++) acc += xv[r * 4 + i] * wv[o * 4 + i];
      expected[r * 5 + o] = acc;
    }
  }
  assertClose(y, expected);
  gradCheck((x, w, b) => linear(x, w, b), [x, w, b]);
  gradCheck((x, w) => linear(x, w), [x, w]);
});

Deno.test("tidy frees intermediates and keeps the result", () => {
  const before = numLiveTensors();
  const x = randTensor([4, 4]);
  const y = tidy(() => sum(mul(exp(x), 2)));
  assert.equal(numLiveTensors(), before + 2);
  y.dispose();
  x.dispose();
  assert.equal(numLiveTensors(), before);
});

Deno.test("errors name the op and shapes", () => {
  const a = tensor([1, 2, 3], [3]), b = tensor([1, 2], [2]);
  assert.throws(() => add(a, b), /add: shapes \[3\] and \[2\] cannot broadcast/);
  assert.throws(
    () => matmul(tensor([1, 2], [1, 2]), tensor([1, 2], [1, 2])),
    /matmul: inner dimensions differ/,
  );
  const c = randTensor([2, 2]);
  assert.throws(() => sum(c, 0).backward(), /non-scalar/);
  c.dispose();
  assert.throws(() => add(c, c), /disposed/);
});

Deno.test("tensor and full take the backend to live on (opts.on), default the active one", () => {
  const other = new CpuBackend({ quiet: true });
  const t = tensor([1.5, -2, 3], [3], { on: other });
  const f = full([2, 2], 7, { on: other, requiresGrad: true });
  assert.equal(t.backend, other);
  assert.equal(f.backend, other);
  assert.ok(f.requiresGrad);
  assert.deepEqual(Array.from(t.dataSync()), [1.5, -2, 3]);
  assert.deepEqual(Array.from(f.dataSync()), [7, 7, 7, 7]);
  const d = tensor([1], [1]);
  assert.notEqual(d.backend, other, "without opts.on the active backend");
  for (const x of [t, f, d]) x.dispose();
});
