import assert from "node:assert/strict";
import {
  calculateFans,
  calculateGain,
  Conv2d,
  Embedding,
  kaimingNormal_,
  kaimingUniform_,
  Linear,
  MultiheadAttention,
  normal_,
  truncNormal_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
} from "../src/nn/mod.ts";
import { setSeed, zeros } from "../src/tensor/mod.ts";

function stats(v: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const x of v) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

Deno.test("fans and gains follow torch.nn.init", () => {
  assert.deepEqual(calculateFans([5, 3]), { fanIn: 3, fanOut: 5 });
  assert.deepEqual(calculateFans([8, 4, 3, 2]), { fanIn: 24, fanOut: 48 });
  assert.throws(() => calculateFans([5]), /rank >= 2/);
  assert.equal(calculateGain("relu"), Math.SQRT2);
  assert.equal(calculateGain("tanh"), 5 / 3);
  assert.ok(Math.abs(calculateGain("leaky_relu", Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-12);
});

Deno.test("Linear and Conv2d default init: weight and bias U(±1/√fan_in)", () => {
  setSeed(1);
  const lin = new Linear(64, 200);
  const bound = 1 / 8;
  const w = stats(lin.weight.dataSync()), b = stats(lin.bias!.dataSync());
  assert.ok(w.min >= -bound && w.max <= bound, `weight within ±${bound}`);
  assert.ok(w.max > 0.95 * bound && w.min < -0.95 * bound, "weight fills the interval");
  assert.ok(Math.abs(w.std - bound / Math.sqrt(3)) < 0.02 * bound / Math.sqrt(3) * 5, `std ${w.std}`);
  assert.ok(Math.abs(w.mean) < 0.01 * bound * 5);
  assert.ok(b.min >= -bound && b.max <= bound && b.max - b.min > bound);
  const conv = new Conv2d(6, 16, 3, { groups: 2 });
  const cb = 1 / Math.sqrt(3 * 9);
  const cw = stats(conv.weight.dataSync());
  assert.deepEqual(conv.weight.shape, [16, 3, 3, 3]);
  assert.ok(cw.min >= -cb && cw.max <= cb && cw.max > 0.9 * cb);
  lin.dispose();
  conv.dispose();
});

Deno.test("setSeed makes initialisation reproducible", () => {
  setSeed(42);
  const a = new Linear(5, 4);
  setSeed(42);
  const b = new Linear(5, 4);
  const c = new Linear(5, 4);
  assert.deepEqual(a.weight.dataSync(), b.weight.dataSync());
  assert.deepEqual(a.bias!.dataSync(), b.bias!.dataSync());
  assert.notDeepEqual(b.weight.dataSync(), c.weight.dataSync());
  for (const m of [a, b, c]) m.dispose();
});

Deno.test("MultiheadAttention init: xavier-uniform in_proj, zero biases", () => {
  setSeed(2);
  const mha = new MultiheadAttention(32, 4);
  const bound = Math.sqrt(6 / (32 + 96));
  const w = stats(mha.inProjWeight.dataSync());
  assert.ok(w.min >= -bound && w.max <= bound && w.max > 0.95 * bound);
  assert.ok(mha.inProjBias!.dataSync().every((v) => v === 0));
  assert.ok(mha.outProj.bias!.dataSync().every((v) => v === 0));
  const ow = stats(mha.outProj.weight.dataSync());
  assert.ok(ow.max <= 1 / Math.sqrt(32) && ow.max > 0.9 / Math.sqrt(32), "out_proj keeps the Linear init");
  mha.dispose();
});

Deno.test("normal, xavier-normal, kaiming and truncated-normal statistics", () => {
  setSeed(9);
  const t = zeros([256, 128]);
  let s = stats(normal_(t, 0.5, 2).dataSync());
  assert.ok(Math.abs(s.mean - 0.5) < 0.05 && Math.abs(s.std - 2) < 0.05, `normal ${s.mean} ${s.std}`);
  s = stats(xavierNormal_(t).dataSync());
  assert.ok(Math.abs(s.std - Math.sqrt(2 / 384)) < 0.003);
  s = stats(xavierUniform_(t, 2).dataSync());
  assert.ok(s.max <= 2 * Math.sqrt(6 / 384) && Math.abs(s.std - 2 * Math.sqrt(2 / 384)) < 0.003);
  s = stats(kaimingNormal_(t, { nonlinearity: "relu" }).dataSync());
  assert.ok(Math.abs(s.std - Math.sqrt(2 / 128)) < 0.003);
  s = stats(kaimingUniform_(t, { mode: "fan_out", nonlinearity: "relu" }).dataSync());
  assert.ok(s.max <= Math.sqrt(6 / 256) && Math.abs(s.std - Math.sqrt(2 / 256)) < 0.002);
  s = stats(truncNormal_(t, 0.1, 0.02, 0.08, 0.12).dataSync());
  assert.ok(s.min >= 0.08 - 1e-7 && s.max <= 0.12 + 1e-7, `trunc bounds ${s.min} ${s.max}`);
  // N(0.1, .02²) truncated at ±1σ has std ≈ 0.538σ
  assert.ok(Math.abs(s.mean - 0.1) < 0.001 && Math.abs(s.std - 0.02 * 0.538) < 0.001, `trunc std ${s.std}`);
  s = stats(uniform_(t, -3, -1).dataSync());
  assert.ok(s.min >= -3 && s.max < -1 && Math.abs(s.mean + 2) < 0.02);
  assert.throws(() => truncNormal_(t, 0, 1, 1, 1), /empty interval/);
  t.dispose();
});

Deno.test("Embedding init is N(0, 1)", () => {
  setSeed(4);
  const e = new Embedding(500, 64);
  const s = stats(e.weight.dataSync());
  assert.ok(Math.abs(s.mean) < 0.02 && Math.abs(s.std - 1) < 0.02);
  e.dispose();
});
