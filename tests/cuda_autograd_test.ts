/**
 * End to end on the GPU (skipped without one): a small conv + MLP classifier trained for a few AdamW steps
 * with autograd on setBackend("cuda") and again on the CPU from the same initial values; losses, gradients
 * and updated parameters must agree. Also samples a dropout-style mask on both devices with randomUniform.
 */
import assert from "node:assert/strict";
import { cudaAvailable } from "../src/backend/cuda/availability.ts";
import {
  add,
  backward,
  conv2d,
  crossEntropy,
  gelu,
  layerNorm,
  matmul,
  maxPool2d,
  mean,
  relu,
  reshape,
  setBackend,
  softmax,
  sum,
  type Tensor,
  tensor,
  tidy,
} from "../src/tensor/mod.ts";
import { AdamW } from "../src/optim/adamw.ts";
import { Philox } from "../src/random/philox.ts";
import { backend } from "../src/backend/registry.ts";

const ignore = !cudaAvailable();

interface Run {
  losses: number[];
  grads: Float32Array[];
  params: Float32Array[];
}

function initValues(): { shape: number[]; values: Float32Array }[] {
  const rng = new Philox(2024);
  const shapes = [[8, 3, 3, 3], [8], [8 * 4 * 4, 32], [32], [32], [32], [32, 10], [10]];
  return shapes.map((shape) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const fan = shape.length > 1 ? n / shape[shape.length - 1] : 1;
    const v = rng.normal(Math.max(2, n)).subarray(0, n).map((x) => x / Math.sqrt(fan));
    if (shape.length === 1) v.fill(0.1);
    return { shape, values: v };
  });
}

function train(device: "cpu" | "cuda", steps: number): Run {
  setBackend(device);
  const rng = new Philox(77);
  const xs = rng.normal(16 * 3 * 8 * 8);
  const ys = Array.from(rng.randint(16, 10));
  const params = initValues().map(({ shape, values }, i) => tensor(values, shape).asParameter(`p${i}`));
  const [cw, cb, w1, b1, lnw, lnb, w2, b2] = params;
  const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0.01 });
  const out: Run = { losses: [], grads: [], params: [] };
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const lossValue = tidy(() => {
      const x = tensor(xs, [16, 3, 8, 8]);
      const h = maxPool2d(relu(conv2d(x, cw, cb, { padding: 1 })), 2);
      const f = reshape(h, [16, 8 * 4 * 4]);
      const z = layerNorm(gelu(add(matmul(f, w1), b1)), lnw, lnb);
      const logits = add(matmul(z, w2), b2);
      const extra = mean(sum(softmax(logits), 1)); // == 1, exercises softmax's gradient path
      const loss = add(crossEntropy(logits, ys), extra);
      backward(loss);
      return loss.item();
    });
    out.losses.push(lossValue);
    if (s === 0) out.grads = params.map((p) => (p.grad as Tensor).dataSync());
    opt.step();
  }
  out.params = params.map((p) => p.dataSync());
  for (const p of params) p.dispose();
  setBackend("cpu");
  return out;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den + 1e-12);
}

Deno.test({
  name: "cuda e2e: conv/MLP training steps match the CPU (loss, grads, AdamW params)",
  ignore,
  fn() {
    const c = train("cpu", 4);
    const g = train("cuda", 4);
    console.log(
      `[cuda e2e] losses cpu ${c.losses.map((v) => v.toFixed(6))} cuda ${g.losses.map((v) => v.toFixed(6))}`,
    );
    for (let s = 0; s < c.losses.length; s++) {
      assert.ok(Math.abs(c.losses[s] - g.losses[s]) < 1e-4 * Math.abs(c.losses[s]), `loss ${s}`);
    }
    assert.ok(c.losses[3] < c.losses[0], "training should lower the loss");
    const gradErr = c.grads.map((cg, i) => maxRelErr(g.grads[i], cg));
    const paramErr = c.params.map((cp, i) => maxRelErr(g.params[i], cp));
    console.log(`[cuda e2e] grad rel err ${gradErr.map((e) => e.toExponential(1))}`);
    console.log(`[cuda e2e] param rel err ${paramErr.map((e) => e.toExponential(1))}`);
    for (const e of gradErr) assert.ok(e < 1e-3, `grad rel err ${e}`);
    for (const e of paramErr) assert.ok(e < 1e-3, `param rel err ${e}`);
  },
});

Deno.test({
  name: "cuda e2e: a Bernoulli mask from randomUniform on the GPU equals the CPU mask bit for bit",
  ignore,
  fn() {
    const masks: Float32Array[] = [];
    for (const device of ["cpu", "cuda"] as const) {
      setBackend(device);
      const b = backend();
      const u = b.alloc(100003);
      b.randomUniform!(u, 31337n, 5n, 12345n);
      const t = tensor(new Float32Array(100003).fill(0.3), [100003]);
      const m = b.alloc(100003);
      b.binary("lt", u, [1], t.storage, [1], m, [100003]);
      masks.push(b.readSync(m));
      b.free(u);
      b.free(m);
      t.dispose();
    }
    setBackend("cpu");
    assert.deepEqual(masks[1], masks[0]);
    const kept = masks[0].reduce((p, v) => p + v, 0) / masks[0].length;
    assert.ok(Math.abs(kept - 0.3) < 0.01, `keep rate ${kept}`);
  },
});
