import assert from "node:assert/strict";
import {
  adaptiveAvgPool2d,
  avgPool2d,
  conv1d,
  conv2d,
  maxPool2d,
  mean,
  numLiveTensors,
  type Tensor,
  tensor,
  tidy,
  unfold,
} from "../src/tensor/mod.ts";
import { windowLimits } from "../src/tensor/ops/window.ts";
import { assertClose, gradCheck, randTensor, rng } from "./helpers.ts";

type P2 = [number, number];

interface ConvCase {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  k: P2;
  stride: P2;
  pad: P2;
  dil: P2;
  groups: number;
}

/** Naive float64 cross-correlation, the definition written out. */
function convRef(x: Float32Array, w: Float32Array, bias: Float32Array | null, cs: ConvCase): Float64Array {
  const { n, c, h, w: wd, o, k, stride, pad, dil, groups } = cs;
  const oh = Math.floor((h + 2 * pad[0] - dil[0] * (k[0] - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((wd + 2 * pad[1] - dil[1] * (k[1] - 1) - 1) / stride[1]) + 1;
  const cg = c / groups, og = o / groups;
  const out = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let s = bias ? bias[oc] : 0;
          for (let ic = 0; ic < cg; ic++) {
            for (let i = 0; i < k[0]; i++) {
              for (let j = 0; j < k[1]; j++) {
                const iy = y * stride[0] - pad[0] + i * dil[0], ix = xx * stride[1] - pad[1] + j * dil[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const xv = x[((b * c + g * cg + ic) * h + iy) * wd + ix];
                s += xv * w[((oc * cg + ic) * k[0] + i) * k[1] + j];
              }
            }
          }
          out[((b * o + oc) * oh + y) * ow + xx] = s;
        }
      }
    }
  }
  return out;
}

function runCase(cs: ConvCase, withBias: boolean): void {
  tidy(() => {
    const x = randTensor([cs.n, cs.c, cs.h, cs.w]);
    const w = randTensor([cs.o, cs.c / cs.groups, cs.k[0], cs.k[1]]);
    const b = withBias ? randTensor([cs.o]) : null;
    const y = conv2d(x, w, b, { stride: cs.stride, padding: cs.pad, dilation: cs.dil, groups: cs.groups });
    const ref = convRef(x.dataSync(), w.dataSync(), b ? b.dataSync() : null, cs);
    assert.equal(y.size, ref.length, `output size for ${JSON.stringify(cs)}`);
    assertClose(y.dataSync(), ref, 1e-4, 1e-4, `conv2d ${JSON.stringify(cs)}`);
  });
}

const CASES: ConvCase[] = [
  { n: 2, c: 3, h: 7, w: 6, o: 4, k: [3, 3], stride: [1, 1], pad: [1, 1], dil: [1, 1], groups: 1 },
  { n: 3, c: 2, h: 9, w: 8, o: 5, k: [2, 3], stride: [2, 1], pad: [0, 2], dil: [2, 1], groups: 1 },
  { n: 2, c: 6, h: 6, w: 7, o: 9, k: [3, 2], stride: [1, 2], pad: [1, 0], dil: [1, 2], groups: 3 },
  { n: 2, c: 4, h: 5, w: 5, o: 8, k: [3, 3], stride: [2, 2], pad: [1, 1], dil: [1, 1], groups: 4 },
  { n: 1, c: 5, h: 4, w: 6, o: 3, k: [1, 1], stride: [1, 1], pad: [0, 0], dil: [1, 1], groups: 1 },
  { n: 4, c: 3, h: 11, w: 11, o: 2, k: [5, 5], stride: [3, 3], pad: [2, 2], dil: [1, 1], groups: 1 },
  // Padding wider than the kernel: some windows lie entirely in the padding.
  { n: 2, c: 2, h: 3, w: 4, o: 2, k: [2, 2], stride: [2, 3], pad: [3, 3], dil: [1, 1], groups: 1 },
  { n: 1, c: 1, h: 5, w: 9, o: 1, k: [2, 3], stride: [1, 4], pad: [2, 5], dil: [3, 2], groups: 1 },
];

Deno.test("conv2d matches a hand-worked case", () => {
  // y[i,j] = x[i,j] - x[i+1,j+1] = -4 for x = 1..9 on a 3x3 grid, plus the bias.
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const w = tensor([1, 0, 0, -1], [1, 1, 2, 2]);
  assert.deepEqual([...conv2d(x, w).dataSync()], [-4, -4, -4, -4]);
  assert.deepEqual([...conv2d(x, w, tensor([0.5], [1])).dataSync()], [-3.5, -3.5, -3.5, -3.5]);
  // Padding 1, stride 2 with an all-ones 3x3 kernel: window sums of the zero-padded image.
  const ones = tensor(new Float32Array(9).fill(1), [1, 1, 3, 3]);
  assert.deepEqual([...conv2d(x, ones, null, { stride: 2, padding: 1 }).dataSync()], [12, 16, 24, 28]);
});

Deno.test("conv2d matches a float64 loop over stride, padding, dilation and groups", () => {
  CASES.forEach((cs, i) => runCase(cs, i % 2 === 0));
});

Deno.test("conv2d processes images in chunks when the column buffer is bounded", () => {
  const saved = windowLimits.maxColumnElements;
  try {
    // Chunks of one image (1134 column elements each), of two images, and two plus a remainder of one.
    windowLimits.maxColumnElements = 1500;
    runCase(CASES[0], true);
    windowLimits.maxColumnElements = 2500;
    runCase(CASES[5], false);
    windowLimits.maxColumnElements = 450;
    const x = randTensor([5, 2, 4, 4]), w = randTensor([4, 1, 2, 2]), b = randTensor([4]);
    gradCheck((x, w, b) => conv2d(x, w, b, { padding: 1, groups: 2 }), [x, w, b]);
  } finally {
    windowLimits.maxColumnElements = saved;
  }
});

Deno.test("conv2d gradients match finite differences", () => {
  const x = randTensor([2, 4, 5, 5]), w = randTensor([4, 2, 3, 3]), b = randTensor([4]);
  gradCheck((x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }), [x, w, b]);
  const x2 = randTensor([2, 3, 6, 5]), w2 = randTensor([2, 3, 2, 3]);
  gradCheck((x, w) => conv2d(x, w, null, { stride: [1, 2], padding: [2, 1], dilation: [2, 1] }), [x2, w2]);
  // Only one input needing a gradient.
  const x3 = randTensor([1, 2, 4, 4]), w3 = randTensor([3, 2, 3, 3], rng(), 1, false);
  gradCheck((x) => conv2d(x, w3, null, { padding: 1 }), [x3]);
  const x4 = randTensor([2, 3, 5, 4], rng(), 1, false), w4 = randTensor([4, 3, 3, 2]), b4 = randTensor([4]);
  gradCheck((w, b) => conv2d(x4, w, b, { stride: [2, 1] }), [w4, b4]);
});

Deno.test("conv2d rejects mismatched shapes with clear errors", () => {
  const x = randTensor([1, 4, 5, 5], rng(), 1, false);
  assert.throws(
    () => conv2d(x, randTensor([2, 3, 3, 3], rng(), 1, false)),
    /weight \[2, 3, 3, 3\] expects 3/,
  );
  assert.throws(() => conv2d(x, randTensor([3, 2, 3, 3], rng(), 1, false), null, { groups: 2 }), /groups 2/);
  assert.throws(() => conv2d(x, randTensor([2, 4, 7, 7], rng(), 1, false)), /too small/);
  assert.throws(() => conv2d(x, randTensor([2, 4, 3, 3], rng(), 1, false), null, { stride: 0 }), /stride/);
});

Deno.test("conv1d matches a float64 loop and has correct gradients", () => {
  tidy(() => {
    const x = randTensor([2, 4, 9]), w = randTensor([6, 2, 3]), b = randTensor([6]);
    const y = conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 });
    const cs: ConvCase = {
      n: 2,
      c: 4,
      h: 1,
      w: 9,
      o: 6,
      k: [1, 3],
      stride: [1, 2],
      pad: [0, 2],
      dil: [1, 2],
      groups: 2,
    };
    assert.deepEqual(y.shape, [2, 6, 5]);
    assertClose(y.dataSync(), convRef(x.dataSync(), w.dataSync(), b.dataSync(), cs), 1e-4, 1e-4, "conv1d");
    gradCheck((x, w, b) => conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }), [x, w, b]);
    // Kernel 1, no bias (the MOSI adapter's Conv1d(k=1)): a per-position linear map.
    const w1 = randTensor([3, 4, 1]);
    const y1 = conv1d(x, w1);
    const xv = x.dataSync(), wv = w1.dataSync(), yv = y1.dataSync();
    for (let n = 0; n < 2; n++) {
      for (let o = 0; o < 3; o++) {
        for (let t = 0; t < 9; t++) {
          let s = 0;
          for (let c = 0; c < 4; c++) s += wv[o * 4 + c] * xv[(n * 4 + c) * 9 + t];
          assert.ok(Math.abs(yv[(n * 3 + o) * 9 + t] - s) < 1e-5, `conv1d k=1 at ${n},${o},${t}`);
        }
      }
    }
    gradCheck((x, w) => conv1d(x, w), [x, w1]);
  });
});

/** Naive float64 pooling reference over [N, C, H, W] (count_include_pad for the average). */
function poolRef(
  x: Float32Array,
  shape: number[],
  k: P2,
  s: P2,
  p: P2,
  kind: "max" | "avg",
): Float64Array {
  const [n, c, h, w] = shape;
  const oh = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1, ow = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  const out = new Float64Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        let acc = kind === "max" ? -Infinity : 0;
        for (let i = 0; i < k[0]; i++) {
          for (let j = 0; j < k[1]; j++) {
            const iy = y * s[0] - p[0] + i, ix = xx * s[1] - p[1] + j;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const v = x[(pl * h + iy) * w + ix];
            acc = kind === "max" ? Math.max(acc, v) : acc + v;
          }
        }
        out[(pl * oh + y) * ow + xx] = kind === "max" ? acc : acc / (k[0] * k[1]);
      }
    }
  }
  return out;
}

/** Distinct values spaced 0.1 apart in random order, so finite differences never flip a max. */
function spacedTensor(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = rng().permutation(n);
  return tensor(Float32Array.from(perm, (v) => (v - n / 2) * 0.1), shape, { requiresGrad: true });
}

Deno.test("maxPool2d matches hand values and a float64 loop", () => {
  const x = tensor(Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
  assert.deepEqual([...maxPool2d(x, 2).dataSync()], [5, 7, 13, 15]);
  assert.deepEqual([...maxPool2d(x, 3, 2, 1).dataSync()], [5, 7, 13, 15]);
  assert.deepEqual([...maxPool2d(x, [1, 2], [1, 2]).dataSync()], [1, 3, 5, 7, 9, 11, 13, 15]);
  const neg = tensor(Array.from({ length: 16 }, (_, i) => -1 - i), [1, 1, 4, 4]);
  // Padding never wins, even over negative values.
  assert.deepEqual([...maxPool2d(neg, 3, 2, 1).dataSync()], [-1, -2, -5, -6]);
  for (
    const [k, s, p] of [[[3, 3], [2, 2], [1, 1]], [[2, 3], [1, 2], [0, 1]], [[3, 2], [3, 1], [
      1,
      0,
    ]]] as P2[][]
  ) {
    const r = randTensor([2, 3, 7, 6], rng(), 1, false);
    assertClose(maxPool2d(r, k, s, p).dataSync(), poolRef(r.dataSync(), [2, 3, 7, 6], k, s, p, "max"), 0, 0);
  }
});

Deno.test("maxPool2d gradient goes to the argmax", () => {
  const x = tensor([1, 9, 2, 3, 4, 5, 6, 7, 8, 0, 11, 10, 12, 13, 15, 14], [1, 1, 4, 4], {
    requiresGrad: true,
  });
  tidy(() => mean(maxPool2d(x, 2)).backward());
  assert.deepEqual([...x.grad!.dataSync()], [0, 0.25, 0, 0, 0, 0, 0, 0.25, 0, 0, 0, 0, 0, 0.25, 0.25, 0]);
  gradCheck((x) => maxPool2d(x, 3, 2, 1), [spacedTensor([2, 2, 5, 6])]);
  gradCheck((x) => maxPool2d(x, [2, 3], [1, 2]), [spacedTensor([1, 3, 4, 7])]);
});

Deno.test("maxPool2d pools in chunks when flat indices would exceed float32's exact range", () => {
  const saved = windowLimits.maxExactIndex;
  try {
    windowLimits.maxExactIndex = 70; // two [2, 5, 6] images per chunk of five
    const x = spacedTensor([5, 2, 5, 6]);
    assertClose(
      maxPool2d(x, 3, 2, 1).dataSync(),
      poolRef(x.dataSync(), [5, 2, 5, 6], [3, 3], [2, 2], [1, 1], "max"),
    );
    gradCheck((x) => maxPool2d(x, 3, 2, 1), [x]);
  } finally {
    windowLimits.maxExactIndex = saved;
  }
});

Deno.test("avgPool2d counts padding like PyTorch and has correct gradients", () => {
  const x = tensor(Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
  assert.deepEqual([...avgPool2d(x, 2).dataSync()], [2.5, 4.5, 10.5, 12.5]);
  // Padded 3x3 windows at stride 2 cover x[0..1][0..1], x[0..1][1..3], x[1..3][0..1], x[1..3][1..3], over 9.
  assertClose(avgPool2d(x, 3, 2, 1).dataSync(), [10 / 9, 24 / 9, 51 / 9, 90 / 9]);
  for (const [k, s, p] of [[[3, 3], [2, 2], [1, 1]], [[2, 3], [1, 2], [0, 1]]] as P2[][]) {
    const r = randTensor([2, 3, 6, 7], rng(), 1, false);
    assertClose(avgPool2d(r, k, s, p).dataSync(), poolRef(r.dataSync(), [2, 3, 6, 7], k, s, p, "avg"));
  }
  gradCheck((x) => avgPool2d(x, 3, 2, 1), [randTensor([2, 2, 5, 5])]);
  gradCheck((x) => avgPool2d(x, [2, 1]), [randTensor([1, 3, 4, 3])]);
  assert.throws(() => avgPool2d(x, 2, 2, 2), /padding \[2,2\] must be at most half the kernel/);
});

/** Naive float64 adaptive average pooling with PyTorch's start = floor(i·L/o), end = ceil((i+1)·L/o). */
function adaptiveRef(x: Float32Array, shape: number[], oh: number, ow: number): Float64Array {
  const [n, c, h, w] = shape;
  const out = new Float64Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++) {
    for (let i = 0; i < oh; i++) {
      const h0 = Math.floor((i * h) / oh), h1 = Math.ceil(((i + 1) * h) / oh);
      for (let j = 0; j < ow; j++) {
        const w0 = Math.floor((j * w) / ow), w1 = Math.ceil(((j + 1) * w) / ow);
        let s = 0;
        for (let y = h0; y < h1; y++) for (let xx = w0; xx < w1; xx++) s += x[(pl * h + y) * w + xx];
        out[(pl * oh + i) * ow + j] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return out;
}

Deno.test("adaptiveAvgPool2d uses PyTorch's overlapping windows", () => {
  // 5x3 input to 2x2: rows {0,1,2} and {2,3,4}, columns {0,1} and {1,2}.
  const x = tensor(Array.from({ length: 15 }, (_, i) => i), [1, 1, 5, 3]);
  const y = adaptiveAvgPool2d(x, 2).dataSync();
  assertClose(y, [
    (0 + 1 + 3 + 4 + 6 + 7) / 6,
    (1 + 2 + 4 + 5 + 7 + 8) / 6,
    (6 + 7 + 9 + 10 + 12 + 13) / 6,
    (7 + 8 + 10 + 11 + 13 + 14) / 6,
  ]);
  for (const [oh, ow] of [[3, 2], [1, 1], [4, 7], [6, 6]]) {
    const r = randTensor([2, 3, 6, 5], rng(), 1, false);
    const out = adaptiveAvgPool2d(r, [oh, ow]);
    assert.deepEqual(out.shape, [2, 3, oh, ow]);
    assertClose(
      out.dataSync(),
      adaptiveRef(r.dataSync(), [2, 3, 6, 5], oh, ow),
      1e-5,
      1e-4,
      `adaptive ${oh}x${ow}`,
    );
  }
  gradCheck((x) => adaptiveAvgPool2d(x, [2, 3]), [randTensor([2, 2, 5, 4])]);
  gradCheck((x) => adaptiveAvgPool2d(x, 1), [randTensor([2, 3, 3, 2])]);
});

Deno.test("unfold lays out windows channel-major and folds gradients back", () => {
  const x = tensor(Array.from({ length: 18 }, (_, i) => i), [1, 2, 3, 3]);
  const u = unfold(x, 2);
  assert.deepEqual(u.shape, [1, 8, 4]);
  // Row (c=0, ki=0, kj=0) lists the top-left corner of each window; row (c=1, ki=1, kj=1) the bottom-right.
  assert.deepEqual([...u.dataSync().slice(0, 4)], [0, 1, 3, 4]);
  assert.deepEqual([...u.dataSync().slice(28, 32)], [13, 14, 16, 17]);
  gradCheck((x) => unfold(x, [2, 3], { stride: [1, 2], padding: 1, dilation: [2, 1] }), [
    randTensor([2, 2, 5, 5]),
  ]);
});

Deno.test("conv and pooling backward leave no live tensors behind", () => {
  const x = randTensor([2, 3, 6, 6]), w = randTensor([4, 3, 3, 3]);
  const before = numLiveTensors();
  tidy(() => mean(maxPool2d(conv2d(x, w, null, { padding: 1 }), 2)).backward());
  x.grad!.dispose(), x.grad = null;
  w.grad!.dispose(), w.grad = null;
  assert.equal(numLiveTensors(), before);
});
