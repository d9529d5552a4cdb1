import assert from "node:assert/strict";
import { AdamW, loadOptimizer, saveOptimizer } from "../src/optim/mod.ts";
import { Linear, MLP } from "../src/nn/mod.ts";
import { keep, mean, setSeed, square, sub, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, randValues, rng } from "./helpers.ts";

function param(shape: number[], name: string): Tensor {
  return tensor(randValues(shape), shape).asParameter(name);
}

function setGrad(p: Tensor, values: Float32Array): void {
  p.grad?.dispose();
  p.grad = keep(tensor(values, [...p.shape]));
}

/** torch.optim.AdamW's update in float64, in place on (p, m, v). */
function adamw64(
  p: Float64Array,
  g: Float32Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  lr: number,
  wd: number,
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
): void {
  const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - lr * wd;
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    p[i] -= (lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
  }
}

Deno.test("AdamW matches the float64 update over several steps (groups with and without weight decay)", () => {
  const a = param([3, 4], "a"), b = param([5], "b");
  const opt = new AdamW([{ params: [a] }, { params: [b], weightDecay: 0, lr: 0.02 }], {
    lr: 0.05,
    weightDecay: 0.1,
    betas: [0.8, 0.99],
    eps: 1e-6,
  });
  const ref = [a, b].map((p) => ({
    p: Float64Array.from(p.dataSync()),
    m: new Float64Array(p.size),
    v: new Float64Array(p.size),
  }));
  const r = rng();
  for (let t = 1; t <= 6; t++) {
    const ga = randValues([12], r), gb = randValues([5], r, 3);
    setGrad(a, ga);
    setGrad(b, gb);
    opt.step();
    adamw64(ref[0].p, ga, ref[0].m, ref[0].v, t, 0.05, 0.1, 0.8, 0.99, 1e-6);
    adamw64(ref[1].p, gb, ref[1].m, ref[1].v, t, 0.02, 0, 0.8, 0.99, 1e-6);
    assertClose(a.dataSync(), ref[0].p, 1e-6, 1e-5, `a after step ${t}`);
    assertClose(b.dataSync(), ref[1].p, 1e-6, 1e-5, `b after step ${t}`);
  }
  const sd = opt.stateDict();
  assert.deepEqual(sd.steps, [6, 6]);
  assertClose(sd.tensors.get("0.exp_avg")!.dataSync(), ref[0].m, 1e-6, 1e-5, "m");
  assertClose(sd.tensors.get("1.exp_avg_sq")!.dataSync(), ref[1].v, 1e-6, 1e-5, "v");
  opt.zeroGrad();
  assert.equal(a.grad, null);
  opt.dispose();
  a.dispose();
  b.dispose();
});

Deno.test("AdamW: first step moves each element by about lr (bias correction) and skips params without grad", () => {
  const p = param([50], "p"), q = param([3], "q");
  const before = p.dataSync().slice(), qBefore = q.dataSync().slice();
  const g = randValues([50]);
  setGrad(p, g);
  const opt = new AdamW([p, q], { lr: 0.01, weightDecay: 0 });
  opt.step();
  const after = p.dataSync();
  for (let i = 0; i < 50; i++) {
    // m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) = lr·sign(g)
    assert.ok(Math.abs(before[i] - after[i] - 0.01 * Math.sign(g[i])) < 1e-6, `element ${i}`);
  }
  assert.deepEqual(q.dataSync(), qBefore);
  assert.deepEqual(opt.stateDict().steps, [1, 0]);
  // setLr changes every group
  opt.setLr(0.5);
  assert.ok(opt.groups.every((gr) => gr.lr === 0.5));
  assert.throws(() => new AdamW([p, p]), /appears twice/);
  assert.throws(() => new AdamW([]), /no parameters/);
  opt.dispose();
  p.dispose();
  q.dispose();
});

/** Trains a tiny regression for `steps` steps with `opt`. */
function train(net: MLP, opt: AdamW, x: Tensor, y: Tensor, steps: number): void {
  for (let s = 0; s < steps; s++) {
    tidy(() => {
      const loss = mean(square(sub(net.forward(x), y)));
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  }
}

Deno.test("AdamW state saved to a file resumes training exactly", () => {
  const dir = Deno.makeTempDirSync();
  try {
    setSeed(7);
    const x = tensor(randValues([16, 3]), [16, 3]), y = tensor(randValues([16, 2]), [16, 2]);
    const a = new MLP([3, 8, 2]);
    const b = new MLP([3, 8, 2]).copyFrom(a);
    const optA = new AdamW(a.parameters(), { lr: 0.01 });
    train(a, optA, x, y, 7);

    const optB = new AdamW(b.parameters(), { lr: 0.01 });
    train(b, optB, x, y, 4);
    saveOptimizer(`${dir}/opt.safetensors`, optB);
    const c = new MLP([3, 8, 2]).copyFrom(b);
    const optC = new AdamW(c.parameters(), { lr: 0.5, weightDecay: 0.3 }); // hyperparameters come from the file
    loadOptimizer(`${dir}/opt.safetensors`, optC);
    assert.equal(optC.groups[0].lr, 0.01);
    train(c, optC, x, y, 3);
    for (const [k, t] of a.stateDict()) assert.deepEqual(c.stateDict().get(k)!.dataSync(), t.dataSync(), k);

    // a mismatched optimizer is refused with a clear message naming the file
    const other = new Linear(3, 3);
    const optD = new AdamW(other.parameters());
    assert.throws(
      () => loadOptimizer(`${dir}/opt.safetensors`, optD),
      /opt\.safetensors: .*4 parameters, this optimizer 1 \/ 2/,
    );
    for (const m of [a, b, c, other]) m.dispose();
    for (const o of [optA, optB, optC, optD]) o.dispose();
    x.dispose();
    y.dispose();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
