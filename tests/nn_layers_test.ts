import assert from "node:assert/strict";
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Dropout,
  Embedding,
  GELU,
  LayerNorm,
  LeakyReLU,
  Linear,
  MaxPool2d,
  MLP,
  QuickGELU,
  ReLU,
  Sequential,
} from "../src/nn/mod.ts";
import { normal_ } from "../src/nn/init.ts";
import { setSeed, sum, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor, rng } from "./helpers.ts";
import { f64, linear64 } from "./nn_reference.ts";

/** y[n, o] = Σ_i x[n, i] w[o, i] + b[o], in float64. */

Deno.test("Linear matches a float64 computation on a rank-3 input and passes gradCheck", () => {
  const lin = new Linear(5, 3);
  const x = randTensor([2, 4, 5]);
  const y = lin.forward(x);
  assert.deepEqual(y.shape, [2, 4, 3]);
  assertClose(y.dataSync(), linear64(f64(x), f64(lin.weight), f64(lin.bias!), 8, 5, 3), 1e-5, 1e-5);
  gradCheck((xx) => lin.forward(xx), [x, lin.weight, lin.bias!]);
  const nb = new Linear(5, 3, false);
  assert.equal(nb.bias, null);
  assert.deepEqual(nb.namedParameters().map(([n]) => n), ["weight"]);
  assert.throws(
    () => lin.forward(randTensor([2, 4])),
    /linear: weight \[3, 5\] does not match input \[2, 4\]/,
  );
  for (const t of [lin, nb, x, y]) t.dispose();
});

Deno.test("LayerNorm matches float64 normalisation with affine params and passes gradCheck", () => {
  const ln = new LayerNorm(6);
  normal_(ln.weight!, 1, 0.3);
  normal_(ln.bias!, 0, 0.3);
  const x = randTensor([3, 2, 6], rng(), 2);
  const xv = f64(x), w = f64(ln.weight!), b = f64(ln.bias!);
  const ref = new Float64Array(xv.length);
  for (let r = 0; r < 6; r++) {
    let m = 0, v = 0;
    for (let i = 0; i < 6; i++) m += xv[r * 6 + i] / 6;
    for (let i = 0; i < 6; i++) v += (xv[r * 6 + i] - m) ** 2 / 6;
    for (let i = 0; i < 6; i++) ref[r * 6 + i] = ((xv[r * 6 + i] - m) / Math.sqrt(v + 1e-5)) * w[i] + b[i];
  }
  assertClose(ln.forward(x).dataSync(), ref, 1e-5, 1e-4);
  gradCheck((xx) => ln.forward(xx), [x, ln.weight!, ln.bias!]);
  assert.throws(() => ln.forward(randTensor([2, 5])), /LayerNorm\(6\): input \[2, 5\]/);
  ln.dispose();
  x.dispose();
});

Deno.test("BatchNorm1d: batch statistics in training, running statistics (momentum .1, unbiased) in eval", () => {
  const bn = new BatchNorm1d(3);
  normal_(bn.weight!, 1, 0.2);
  normal_(bn.bias!, 0, 0.2);
  assert.deepEqual(bn.namedBuffers().map(([n]) => n), ["running_mean", "running_var"]);
  const N = 5, C = 3;
  const x = randTensor([N, C], rng(), 3);
  const xv = f64(x), w = f64(bn.weight!), b = f64(bn.bias!);
  const mean = [0, 0, 0], varB = [0, 0, 0];
  for (let c = 0; c < C; c++) {
    for (let n = 0; n < N; n++) mean[c] += xv[n * C + c] / N;
    for (let n = 0; n < N; n++) varB[c] += (xv[n * C + c] - mean[c]) ** 2 / N;
  }
  const ref = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      ref[n * C + c] = ((xv[n * C + c] - mean[c]) / Math.sqrt(varB[c] + 1e-5)) * w[c] + b[c];
    }
  }
  assertClose(bn.forward(x).dataSync(), ref, 1e-4, 1e-4, "train output");
  const rm = mean.map((m) => 0.1 * m), rv = varB.map((v) => 0.9 + 0.1 * (v * N) / (N - 1));
  assertClose(bn.runningMean.dataSync(), rm, 1e-5, 1e-4, "running mean");
  assertClose(bn.runningVar.dataSync(), rv, 1e-5, 1e-4, "running var");
  bn.eval();
  const x2 = randTensor([4, C]);
  const x2v = f64(x2);
  const ref2 = Array.from(
    x2v,
    (v, i) => ((v - rm[i % C]) / Math.sqrt(rv[i % C] + 1e-5)) * w[i % C] + b[i % C],
  );
  assertClose(bn.forward(x2).dataSync(), ref2, 1e-5, 1e-4, "eval output");
  assertClose(bn.runningMean.dataSync(), rm, 1e-6, 1e-6, "eval leaves running stats");
  // gradients reach weight, bias and input through the batch statistics
  bn.train();
  gradCheck((xx) => bn.forward(xx), [x, bn.weight!, bn.bias!], { atol: 5e-3 });
  assert.throws(() => bn.forward(randTensor([4, 2])), /BatchNorm1d\(3\): expected input of rank 2 or 3/);
  bn.dispose();
  x.dispose();
  x2.dispose();
});

Deno.test("BatchNorm2d normalises each channel over N, H, W", () => {
  const bn = new BatchNorm2d(2);
  const x = randTensor([3, 2, 2, 3], rng(), 2);
  const y = bn.forward(x).dataSync();
  for (let c = 0; c < 2; c++) {
    const vals: number[] = [];
    for (let n = 0; n < 3; n++) for (let i = 0; i < 6; i++) vals.push(y[n * 12 + c * 6 + i]);
    const m = vals.reduce((p, v) => p + v, 0) / vals.length;
    const v = vals.reduce((p, u) => p + (u - m) ** 2, 0) / vals.length;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(v - 1) < 1e-3, `channel ${c}: mean ${m}, var ${v}`);
  }
  bn.dispose();
  x.dispose();
});

/** Direct float64 convolution over [N, C, H, W] with stride, padding, dilation and groups. */
function conv2d64(
  x: Float64Array,
  [N, C, H, W]: number[],
  w: Float64Array,
  [O, Cg, KH, KW]: number[],
  b: Float64Array | null,
  s: number,
  p: number,
  d: number,
  g: number,
): { y: Float64Array; shape: number[] } {
  const OH = Math.floor((H + 2 * p - d * (KH - 1) - 1) / s) + 1,
    OW = Math.floor((W + 2 * p - d * (KW - 1) - 1) / s) + 1;
  const y = new Float64Array(N * O * OH * OW);
  const og = O / g;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const grp = Math.floor(o / og);
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          let acc = b ? b[o] : 0;
          for (let c = 0; c < Cg; c++) {
            for (let ki = 0; ki < KH; ki++) {
              for (let kj = 0; kj < KW; kj++) {
                const hi = i * s - p + ki * d, wj = j * s - p + kj * d;
                if (hi < 0 || hi >= H || wj < 0 || wj >= W) continue;
                acc += x[((n * C + grp * Cg + c) * H + hi) * W + wj] * w[((o * Cg + c) * KH + ki) * KW + kj];
              }
            }
          }
          y[((n * O + o) * OH + i) * OW + j] = acc;
        }
      }
    }
  }
  return { y, shape: [N, O, OH, OW] };
}

Deno.test("Conv2d (stride, padding, dilation, groups) matches a direct float64 convolution", () => {
  const conv = new Conv2d(4, 6, [3, 3], { stride: 2, padding: 2, dilation: 2, groups: 2 });
  assert.deepEqual(conv.weight.shape, [6, 2, 3, 3]);
  const x = randTensor([2, 4, 7, 6]);
  const y = conv.forward(x);
  const ref = conv2d64(f64(x), [2, 4, 7, 6], f64(conv.weight), [6, 2, 3, 3], f64(conv.bias!), 2, 2, 2, 2);
  assert.deepEqual(y.shape, ref.shape);
  assertClose(y.dataSync(), ref.y, 1e-5, 1e-4);
  const small = new Conv2d(2, 3, 2, { bias: false });
  const xs = randTensor([1, 2, 3, 3]);
  gradCheck((xx) => small.forward(xx), [xs, small.weight]);
  assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups 2/);
  for (const t of [conv, x, y, small, xs]) t.dispose();
});

Deno.test("Conv1d (stride 2, padding 1) matches a direct float64 convolution", () => {
  const conv = new Conv1d(3, 4, 3, { padding: 1, stride: 2 });
  const x = randTensor([2, 3, 9]);
  const y = conv.forward(x);
  const w = f64(conv.weight);
  const L = 9, OL = Math.floor((L + 2 - 3) / 2) + 1;
  const xv = f64(x), bv = f64(conv.bias!);
  const r = new Float64Array(2 * 4 * OL);
  for (let n = 0; n < 2; n++) {
    for (let o = 0; o < 4; o++) {
      for (let j = 0; j < OL; j++) {
        let acc = bv[o];
        for (let c = 0; c < 3; c++) {
          for (let k = 0; k < 3; k++) {
            const l = j * 2 - 1 + k;
            if (l >= 0 && l < L) acc += xv[(n * 3 + c) * L + l] * w[(o * 3 + c) * 3 + k];
          }
        }
        r[(n * 4 + o) * OL + j] = acc;
      }
    }
  }
  assert.deepEqual(y.shape, [2, 4, OL]);
  assertClose(y.dataSync(), r, 1e-5, 1e-4);
  const k1 = new Conv1d(5, 2, 1, { bias: false }); // the MOSI projection: a per-step linear map
  const xs = randTensor([2, 5, 4]);
  const yk = k1.forward(xs).dataSync();
  const wk = f64(k1.weight), xk = f64(xs);
  for (let n = 0; n < 2; n++) {
    for (let o = 0; o < 2; o++) {
      for (let t = 0; t < 4; t++) {
        let acc = 0;
        for (let c = 0; c < 5; c++) acc += wk[o * 5 + c] * xk[(n * 5 + c) * 4 + t];
        assert.ok(Math.abs(yk[(n * 2 + o) * 4 + t] - acc) < 1e-5);
      }
    }
  }
  for (const t of [conv, x, y, k1, xs]) t.dispose();
});

Deno.test("MaxPool2d, AvgPool2d and AdaptiveAvgPool2d match loops", () => {
  const x = randTensor([1, 2, 5, 5]);
  const xv = f64(x);
  const mp = new MaxPool2d(3, 2, 1).forward(x);
  assert.deepEqual(mp.shape, [1, 2, 3, 3]);
  const ap = new AvgPool2d(2).forward(x);
  assert.deepEqual(ap.shape, [1, 2, 2, 2]);
  const mpv = mp.dataSync(), apv = ap.dataSync();
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let m = -Infinity;
        for (let a = -1; a < 2; a++) {
          for (let b = -1; b < 2; b++) {
            const h = 2 * i + a, w = 2 * j + b;
            if (h >= 0 && h < 5 && w >= 0 && w < 5) m = Math.max(m, xv[c * 25 + h * 5 + w]);
          }
        }
        assert.ok(Math.abs(mpv[c * 9 + i * 3 + j] - m) < 1e-6);
      }
    }
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) s += xv[c * 25 + (2 * i + a) * 5 + 2 * j + b];
        assert.ok(Math.abs(apv[c * 4 + i * 2 + j] - s / 4) < 1e-5);
      }
    }
  }
  const gp = new AdaptiveAvgPool2d(1).forward(x).dataSync();
  for (let c = 0; c < 2; c++) {
    const s = xv.slice(c * 25, c * 25 + 25).reduce((p, v) => p + v, 0);
    assert.ok(Math.abs(gp[c] - s / 25) < 1e-5);
  }
  x.dispose();
});

Deno.test("Dropout: inverted scaling in training, identity in eval", () => {
  setSeed(5);
  const d = new Dropout(0.25);
  const x = randTensor([4000], rng(), 1, false);
  const xv = x.dataSync(), y = d.forward(x).dataSync();
  let zeros = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 0) zeros++;
    else assert.ok(Math.abs(y[i] - xv[i] / 0.75) < 1e-5 * Math.abs(xv[i] / 0.75) + 1e-7);
  }
  assert.ok(Math.abs(zeros / 4000 - 0.25) < 0.03, `dropped fraction ${zeros / 4000}`);
  d.eval();
  assert.equal(d.forward(x), x);
  assert.throws(() => new Dropout(1), /p must be in \[0, 1\)/);
  x.dispose();
});

Deno.test("Embedding looks up rows and scatters gradients back (repeated indices add)", () => {
  const e = new Embedding(5, 3);
  const w = e.weight.dataSync();
  const idx = tensor([4, 0, 4, 2], [2, 2]);
  const y = e.forward(idx);
  assert.deepEqual(y.shape, [2, 2, 3]);
  const yv = y.dataSync();
  [4, 0, 4, 2].forEach((r, k) =>
    assert.deepEqual([...yv.slice(k * 3, k * 3 + 3)], [...w.slice(r * 3, r * 3 + 3)])
  );
  tidy(() => sum(e.forward([4, 0, 4, 2])).backward());
  assert.deepEqual([...e.weight.grad!.dataSync()], [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2]);
  assert.throws(() => e.forward([5]), /index 5 out of range/);
  e.dispose();
  idx.dispose();
});

Deno.test("activation modules match their formulas", () => {
  const x = randTensor([50], rng(), 2, false);
  const xv = f64(x);
  const check = (y: Tensor, f: (v: number) => number, what: string) =>
    assertClose(y.dataSync(), Array.from(xv, f), 1e-5, 1e-4, what);
  check(new ReLU().forward(x), (v) => Math.max(v, 0), "relu");
  check(new LeakyReLU(0.1).forward(x), (v) => (v > 0 ? v : 0.1 * v), "leaky");
  check(new QuickGELU().forward(x), (v) => v / (1 + Math.exp(-1.702 * v)), "quickGelu");
  check(
    new GELU("tanh").forward(x),
    (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    "gelu tanh",
  );
  x.dispose();
});

Deno.test("MLP builds Linear→BN→ReLU blocks named like nn.Sequential and composes them", () => {
  const mlp = new MLP([4, 8, 8, 2], { norm: "batch" });
  assert.deepEqual(mlp.namedParameters().map(([n]) => n), [
    "0.weight",
    "0.bias",
    "1.weight",
    "1.bias",
    "3.weight",
    "3.bias",
    "4.weight",
    "4.bias",
    "6.weight",
    "6.bias",
  ]);
  assert.equal(mlp.length, 7);
  const plain = new MLP([3, 6, 2], { activation: "leakyRelu", negativeSlope: 0.2 });
  const x = randTensor([5, 3]);
  const l0 = plain.at(0) as Linear, l2 = plain.at(2) as Linear;
  const h = linear64(f64(x), f64(l0.weight), f64(l0.bias!), 5, 3, 6).map((v) => (v > 0 ? v : 0.2 * v));
  assertClose(plain.forward(x).dataSync(), linear64(h, f64(l2.weight), f64(l2.bias!), 5, 6, 2), 1e-5, 1e-4);
  const seq = new Sequential(new Linear(3, 4), new ReLU());
  assert.deepEqual(seq.forward(x).shape, [5, 4]);
  assert.throws(() => new MLP([3]), /at least \[in, out\]/);
  for (const t of [mlp, plain, x, seq]) t.dispose();
});
