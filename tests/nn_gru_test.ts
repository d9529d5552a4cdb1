import assert from "node:assert/strict";
import { GRU } from "../src/nn/mod.ts";
import { setSeed, sum, type Tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";

const f64 = (t: Tensor): Float64Array => Float64Array.from(t.dataSync());
const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** Plain-loop single-layer GRU in float64 (PyTorch equations, gate order r, z, n); x is [B, T, I]. */
function gru64(
  x: Float64Array,
  B: number,
  T: number,
  I: number,
  Hd: number,
  wih: Float64Array,
  whh: Float64Array,
  bih: Float64Array,
  bhh: Float64Array,
  h0?: Float64Array,
): { out: Float64Array; last: Float64Array } {
  const out = new Float64Array(B * T * Hd);
  const last = new Float64Array(B * Hd);
  for (let b = 0; b < B; b++) {
    let h = h0 ? h0.slice(b * Hd, (b + 1) * Hd) : new Float64Array(Hd);
    for (let t = 0; t < T; t++) {
      const gi = new Float64Array(3 * Hd), gh = new Float64Array(3 * Hd);
      for (let g = 0; g < 3 * Hd; g++) {
        let a = bih[g], c = bhh[g];
        for (let i = 0; i < I; i++) a += wih[g * I + i] * x[(b * T + t) * I + i];
        for (let j = 0; j < Hd; j++) c += whh[g * Hd + j] * h[j];
        gi[g] = a;
        gh[g] = c;
      }
      const next = new Float64Array(Hd);
      for (let j = 0; j < Hd; j++) {
        const r = sig(gi[j] + gh[j]);
        const z = sig(gi[Hd + j] + gh[Hd + j]);
        const n = Math.tanh(gi[2 * Hd + j] + r * gh[2 * Hd + j]);
        next[j] = (1 - z) * n + z * h[j];
        out[(b * T + t) * Hd + j] = next[j];
      }
      h = next;
    }
    last.set(h, b * Hd);
  }
  return { out, last };
}

Deno.test("GRU output sequence and final state match a plain-loop float64 GRU", () => {
  setSeed(31);
  const B = 3, T = 6, I = 4, Hd = 5;
  const gru = new GRU(I, Hd);
  assert.deepEqual(gru.namedParameters().map(([n, t]) => `${n}:${t.shape}`), [
    "weight_ih_l0:15,4",
    "weight_hh_l0:15,5",
    "bias_ih_l0:15",
    "bias_hh_l0:15",
  ]);
  const bound = 1 / Math.sqrt(Hd);
  for (const p of gru.parameters()) assert.ok(p.dataSync().every((v) => Math.abs(v) <= bound));
  const x = randTensor([B, T, I]);
  const [wih, whh, bih, bhh] = gru.parameters().map(f64);
  const ref = gru64(f64(x), B, T, I, Hd, wih, whh, bih, bhh);
  const { output, hidden } = gru.forwardWithHidden(x);
  assert.deepEqual(output.shape, [B, T, Hd]);
  assert.deepEqual(hidden.shape, [1, B, Hd]);
  assertClose(output.dataSync(), ref.out, 1e-5, 1e-4, "output");
  assertClose(hidden.dataSync(), ref.last, 1e-5, 1e-4, "final state");
  // with an initial state
  const h0 = randTensor([1, B, Hd], undefined, 0.5);
  const ref0 = gru64(f64(x), B, T, I, Hd, wih, whh, bih, bhh, f64(h0));
  assertClose(gru.forward(x, h0).dataSync(), ref0.out, 1e-5, 1e-4, "output from h0");
  assert.throws(
    () => gru.forward(randTensor([B, T, 3])),
    /GRU\(4, 5\): input must be \[B, T, 4\], got \[3, 6, 3\]/,
  );
  assert.throws(() => gru.forward(x, randTensor([1, 2, Hd])), /h0 must be \[1, 3, 5\]/);
  gru.dispose();
});

Deno.test("GRU time-major layout and two stacked layers", () => {
  setSeed(32);
  const B = 2, T = 4, I = 3, Hd = 4;
  const gru = new GRU(I, Hd, { numLayers: 2, batchFirst: false });
  const x = randTensor([T, B, I]);
  // reference: run layer 0 then layer 1 in float64 on the batch-first permutation
  const xv = x.dataSync(), xb = new Float64Array(B * T * I);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < I; i++) xb[(b * T + t) * I + i] = xv[(t * B + b) * I + i];
    }
  }
  const p = gru.parameters().map(f64);
  const l0 = gru64(xb, B, T, I, Hd, p[0], p[1], p[2], p[3]);
  const l1 = gru64(l0.out, B, T, Hd, Hd, p[4], p[5], p[6], p[7]);
  const { output, hidden } = gru.forwardWithHidden(x);
  assert.deepEqual(output.shape, [T, B, Hd]);
  const ov = output.dataSync();
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < Hd; j++) {
        assert.ok(Math.abs(ov[(t * B + b) * Hd + j] - l1.out[(b * T + t) * Hd + j]) < 1e-5);
      }
    }
  }
  assertClose(hidden.dataSync(), [...l0.last, ...l1.last], 1e-5, 1e-4, "hidden of both layers");
  gru.dispose();
});

Deno.test("GRU passes gradCheck and gives every parameter a gradient", () => {
  setSeed(33);
  const gru = new GRU(3, 3);
  const x = randTensor([2, 4, 3]);
  gradCheck((xx) => gru.forward(xx), [x, ...gru.parameters()]);
  gru.zeroGrad();
  tidy(() => sum(gru.forward(x)).backward());
  for (const [n, p] of gru.namedParameters()) assert.ok(p.grad?.dataSync().some((v) => v !== 0), n);
  gru.dispose();
  x.dispose();
});
