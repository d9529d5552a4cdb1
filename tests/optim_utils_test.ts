import assert from "node:assert/strict";
import {
  clipGradNorm,
  constantSchedule,
  isNoDecay,
  paramGroupsNoDecay,
  warmupCosineSchedule,
} from "../src/optim/mod.ts";
import { Embedding, LayerNorm, Linear, MLP, Module, TransformerEncoderLayer } from "../src/nn/mod.ts";
import { keep, type Tensor, tensor, zeros } from "../src/tensor/mod.ts";
import { assertClose, randValues } from "./helpers.ts";

function withGrad(values: Float32Array, shape: number[]): Tensor {
  const p = zeros(shape).asParameter();
  p.grad = keep(tensor(values, shape));
  return p;
}

Deno.test("clipGradNorm returns the global L2 norm and rescales only when above maxNorm", () => {
  const ga = randValues([3, 4], undefined, 2), gb = randValues([5], undefined, 2);
  const a = withGrad(ga, [3, 4]), b = withGrad(gb, [5]), c = zeros([2]).asParameter(); // c has no grad
  let sq = 0;
  for (const v of [...ga, ...gb]) sq += v * v;
  const norm = Math.sqrt(sq);
  // above: scaled to maxNorm
  const total = clipGradNorm([a, b, c], norm / 4);
  assert.ok(Math.abs(total - norm) < 1e-4 * norm, `${total} vs ${norm}`);
  const coef = norm / 4 / (norm + 1e-6);
  assertClose(a.grad!.dataSync(), Array.from(ga, (v) => v * coef), 1e-6, 1e-5);
  assertClose(b.grad!.dataSync(), Array.from(gb, (v) => v * coef), 1e-6, 1e-5);
  // below: untouched, still returns the (now clipped) norm
  const before = a.grad!.dataSync().slice();
  const t2 = clipGradNorm([a, b], 1000);
  assert.ok(Math.abs(t2 - norm / 4) < 1e-4 * norm);
  assert.deepEqual(a.grad!.dataSync(), before);
  // infinity norm
  const tInf = clipGradNorm([a, b], 1e9, Infinity);
  const mx = Math.max(...[...ga, ...gb].map((v) => Math.abs(v * coef)));
  assert.ok(Math.abs(tInf - mx) < 1e-5 * mx);
  assert.equal(clipGradNorm([c], 1), 0);
  assert.throws(() => clipGradNorm([a], 1, 3), /normType must be 2 or Infinity/);
  for (const t of [a, b, c]) t.dispose();
});

Deno.test("constant and warmup-cosine schedules take the expected values at key steps", () => {
  assert.equal(constantSchedule(3e-4)(0), 3e-4);
  assert.equal(constantSchedule(3e-4)(999), 3e-4);
  const s = warmupCosineSchedule({
    baseLr: 1e-4,
    warmupSteps: 10,
    totalSteps: 70,
    startLr: 1e-6,
    minLr: 1e-6,
  });
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-15, `${a} vs ${b}`);
  close(s(0), 1e-6);
  close(s(1), 1e-6 + (1e-4 - 1e-6) / 9);
  close(s(9), 1e-4); // warmup reaches the base rate at W - 1 (pl_bolts)
  close(s(10), 1e-4); // cosine starts at the base rate
  close(s(40), 1e-6 + 0.5 * (1e-4 - 1e-6)); // halfway
  close(s(25), 1e-6 + 0.5 * (1e-4 - 1e-6) * (1 + Math.cos(Math.PI / 4)));
  close(s(70), 1e-6);
  close(s(100), 1e-6);
  for (let k = 11; k < 70; k++) assert.ok(s(k) < s(k - 1), "cosine decreases");
  const noWarm = warmupCosineSchedule({ baseLr: 2, warmupSteps: 0, totalSteps: 4 });
  assert.deepEqual([0, 1, 2, 3, 4].map(noWarm).map((v) => +v.toFixed(12)), [
    2,
    1.707106781187,
    1,
    0.292893218813,
    0,
  ]);
  assert.throws(
    () => warmupCosineSchedule({ baseLr: 1, warmupSteps: 5, totalSteps: 5 }),
    /warmupSteps < totalSteps/,
  );
});

class Model extends Module {
  enc: TransformerEncoderLayer;
  ln_post: LayerNorm;
  head: MLP;
  proj: Linear;
  tok: Embedding;
  cls: Tensor;
  constructor() {
    super();
    this.enc = this.child("enc", new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }));
    this.ln_post = this.child("ln_post", new LayerNorm(8));
    this.head = this.child("head", new MLP([8, 8, 4], { norm: "batch" }));
    this.proj = this.child("proj", new Linear(4, 4));
    this.tok = this.child("tok", new Embedding(10, 8));
    this.cls = this.param("cls_token", zeros([1, 1, 8]));
  }
  forward(): void {}
}

Deno.test("paramGroupsNoDecay excludes rank<2 params and bias/ln/bn/norm names; frozen params are left out", () => {
  const m = new Model();
  m.tok.setRequiresGrad(false);
  const [decay, noDecay] = paramGroupsNoDecay(m, 0.01);
  assert.equal(decay.weightDecay, 0.01);
  assert.equal(noDecay.weightDecay, 0);
  const names = new Map(m.namedParameters().map(([n, t]) => [t, n]));
  assert.deepEqual(decay.params.map((t) => names.get(t)), [
    "cls_token", // own parameters come before the children's, as in PyTorch
    "enc.self_attn.in_proj_weight",
    "enc.self_attn.out_proj.weight",
    "enc.linear1.weight",
    "enc.linear2.weight",
    "head.0.weight",
    "head.3.weight",
    "proj.weight",
  ]);
  assert.deepEqual(noDecay.params.map((t) => names.get(t)), [
    "enc.self_attn.in_proj_bias",
    "enc.self_attn.out_proj.bias",
    "enc.linear1.bias",
    "enc.linear2.bias",
    "enc.norm1.weight",
    "enc.norm1.bias",
    "enc.norm2.weight",
    "enc.norm2.bias",
    "ln_post.weight",
    "ln_post.bias",
    "head.0.bias",
    "head.1.weight",
    "head.1.bias",
    "head.3.bias",
    "proj.bias",
  ]);
  // a rank-2 weight whose name mentions "bn" or "ln" is not decayed either
  assert.ok(isNoDecay("encoder.bn_proj.weight", m.proj.weight));
  assert.ok(isNoDecay("ln_1.weight", m.proj.weight));
  assert.ok(!isNoDecay("proj.weight", m.proj.weight));
  m.dispose();
});
