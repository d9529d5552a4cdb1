import assert from "node:assert/strict";
import { MultiheadAttention, normal_, TransformerEncoder, TransformerEncoderLayer } from "../src/nn/mod.ts";
import { setSeed, slice, sum, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor, rng } from "./helpers.ts";
import { f64, linear64 } from "./nn_reference.ts";

interface MhaWeights {
  win: Float64Array;
  bin: Float64Array;
  wo: Float64Array;
  bo: Float64Array;
}

function weightsOf(m: MultiheadAttention): MhaWeights {
  return {
    win: f64(m.inProjWeight),
    bin: f64(m.inProjBias!),
    wo: f64(m.outProj.weight),
    bo: f64(m.outProj.bias!),
  };
}

/** Plain-loop multi-head attention in float64; ignore[b * Tk + j] marks a padded key. */
function mha64(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  w: MhaWeights,
  B: number,
  Tq: number,
  Tk: number,
  E: number,
  H: number,
  ignore?: boolean[],
  additive?: Float64Array,
): Float64Array {
  const part = (a: Float64Array, i: number, rows: number) => a.slice(i * rows, (i + 1) * rows);
  const Q = linear64(q, part(w.win, 0, E * E), part(w.bin, 0, E), B * Tq, E, E);
  const K = linear64(k, part(w.win, 1, E * E), part(w.bin, 1, E), B * Tk, E, E);
  const V = linear64(v, part(w.win, 2, E * E), part(w.bin, 2, E), B * Tk, E, E);
  const d = E / H;
  const ctx = new Float64Array(B * Tq * E);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const s = new Float64Array(Tk);
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) {
            dot += Q[(b * Tq + i) * E + h * d + c] * K[(b * Tk + j) * E + h * d + c];
          }
          s[j] = dot / Math.sqrt(d) + (additive ? additive[i * Tk + j] : 0);
          if (ignore?.[b * Tk + j]) s[j] = -Infinity;
          mx = Math.max(mx, s[j]);
        }
        let z = 0;
        for (let j = 0; j < Tk; j++) z += s[j] = Math.exp(s[j] - mx);
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let j = 0; j < Tk; j++) acc += (s[j] / z) * V[(b * Tk + j) * E + h * d + c];
          ctx[(b * Tq + i) * E + h * d + c] = acc;
        }
      }
    }
  }
  return linear64(ctx, w.wo, w.bo, B * Tq, E, E);
}

function randomizeBiases(m: MultiheadAttention): void {
  normal_(m.inProjBias!, 0, 0.5);
  normal_(m.outProj.bias!, 0, 0.5);
}

Deno.test("MultiheadAttention self-attention matches a plain-loop float64 attention", () => {
  setSeed(21);
  for (const [E, H] of [[12, 3], [8, 1]]) {
    const mha = new MultiheadAttention(E, H);
    randomizeBiases(mha);
    const x = randTensor([2, 5, E]);
    const y = mha.forward(x);
    assert.deepEqual(y.shape, [2, 5, E]);
    const xv = f64(x);
    assertClose(y.dataSync(), mha64(xv, xv, xv, weightsOf(mha), 2, 5, 5, E, H), 1e-5, 1e-4, `E=${E} H=${H}`);
    mha.dispose();
    x.dispose();
  }
});

Deno.test("MultiheadAttention cross-attention with key padding and additive masks matches the reference", () => {
  setSeed(22);
  const E = 8, H = 2, B = 2, Tq = 3, Tk = 4;
  const mha = new MultiheadAttention(E, H);
  randomizeBiases(mha);
  const q = randTensor([B, Tq, E]), k = randTensor([B, Tk, E]), v = randTensor([B, Tk, E]);
  const ignore = [false, false, true, false, true, true, false, false];
  const y = mha.forward(q, k, v, { keyPaddingMask: ignore });
  const ref = mha64(f64(q), f64(k), f64(v), weightsOf(mha), B, Tq, Tk, E, H, ignore);
  assertClose(y.dataSync(), ref, 1e-5, 1e-4, "padding mask");
  // the same mask as a [B, Tk] tensor of 0/1, and an additive [Tq, Tk] mask on top
  const maskT = tensor(ignore.map(Number), [B, Tk]);
  const addv = new Float64Array(Tq * Tk).map((_, i) => (i % 3 === 0 ? -Infinity : (i % 5) * 0.3));
  const attnMask = tensor(Float32Array.from(addv), [Tq, Tk]);
  const y2 = mha.forward(q, k, v, { keyPaddingMask: maskT, attnMask });
  const ref2 = mha64(f64(q), f64(k), f64(v), weightsOf(mha), B, Tq, Tk, E, H, ignore, addv);
  assertClose(y2.dataSync(), ref2, 1e-5, 1e-4, "both masks");
  // ignored keys do not influence the output
  const kv = k.dataSync().slice(), vv = v.dataSync().slice();
  for (let i = 2 * E; i < 3 * E; i++) kv[i] = vv[i] = 100;
  const y3 = mha.forward(q, tensor(kv, [B, Tk, E]), tensor(vv, [B, Tk, E]), { keyPaddingMask: ignore });
  assertClose(y3.dataSync(), y.dataSync(), 1e-6, 1e-5, "masked key changed");
  // attention weights: rows sum to one, zero on ignored keys
  const { weights } = mha.forwardWithWeights(q, k, v, { keyPaddingMask: ignore });
  assert.deepEqual(weights.shape, [B, H, Tq, Tk]);
  const wv = weights.dataSync();
  for (let r = 0; r < B * H * Tq; r++) {
    const b = Math.floor(r / (H * Tq));
    let s = 0;
    for (let j = 0; j < Tk; j++) {
      s += wv[r * Tk + j];
      if (ignore[b * Tk + j]) assert.equal(wv[r * Tk + j], 0);
    }
    assert.ok(Math.abs(s - 1) < 1e-5);
  }
  assert.throws(() => mha.forward(q, k, v, { keyPaddingMask: [true] }), /keyPaddingMask must be \[2, 4\]/);
  assert.throws(() => mha.forward(randTensor([2, 3, 5])), /inputs must be \[B, T, 8\], got \[2, 3, 5\]/);
  assert.throws(() => new MultiheadAttention(10, 3), /divisible by numHeads 3/);
  mha.dispose();
});

Deno.test("MultiheadAttention passes gradCheck for input and every parameter", () => {
  setSeed(23);
  const mha = new MultiheadAttention(4, 2);
  randomizeBiases(mha);
  const x = randTensor([2, 3, 4]);
  gradCheck(
    (xx) => mha.forward(xx, xx, xx, { keyPaddingMask: [false, false, true, false, false, false] }),
    [x, mha.inProjWeight, mha.inProjBias!, mha.outProj.weight, mha.outProj.bias!],
  );
  mha.dispose();
  x.dispose();
});

/** erf with |error| < 1.5e-7 (Abramowitz-Stegun 7.1.26). */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t *
      Math.exp(-a * a);
  return s * y;
}

const ACT64: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  quickGelu: (v) => v / (1 + Math.exp(-1.702 * v)),
};

function layerNorm64(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  rows: number,
  E: number,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = 0, v = 0;
    for (let i = 0; i < E; i++) m += x[r * E + i] / E;
    for (let i = 0; i < E; i++) v += (x[r * E + i] - m) ** 2 / E;
    for (let i = 0; i < E; i++) y[r * E + i] = ((x[r * E + i] - m) / Math.sqrt(v + 1e-5)) * w[i] + b[i];
  }
  return y;
}

/** The encoder layer composed from float64 pieces. */
function layer64(
  L: TransformerEncoderLayer,
  x: Float64Array,
  B: number,
  T: number,
  E: number,
  H: number,
  act: string,
) {
  const n = B * T, F = L.linear1.outFeatures;
  const addv = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);
  const ln = (t: Float64Array, m: typeof L.norm1) => layerNorm64(t, f64(m.weight!), f64(m.bias!), n, E);
  const attn = (t: Float64Array) => mha64(t, t, t, weightsOf(L.selfAttn), B, T, T, E, H);
  const ffn = (t: Float64Array) => {
    const h = linear64(t, f64(L.linear1.weight), f64(L.linear1.bias!), n, E, F).map(ACT64[act]);
    return linear64(h, f64(L.linear2.weight), f64(L.linear2.bias!), n, F, E);
  };
  if (L.normFirst) {
    const h = addv(x, attn(ln(x, L.norm1)));
    return addv(h, ffn(ln(h, L.norm2)));
  }
  const h = ln(addv(x, attn(x)), L.norm1);
  return ln(addv(h, ffn(h)), L.norm2);
}

function randomizeLayer(L: TransformerEncoderLayer): void {
  randomizeBiases(L.selfAttn);
  for (const m of [L.norm1, L.norm2]) {
    normal_(m.weight!, 1, 0.2);
    normal_(m.bias!, 0, 0.2);
  }
}

Deno.test("TransformerEncoderLayer (pre-LN and post-LN, each activation) matches a float64 composition", () => {
  setSeed(24);
  const B = 2, T = 4, E = 8, H = 2;
  for (const [act, normFirst] of [["relu", true], ["gelu", true], ["quickGelu", false]] as const) {
    const L = new TransformerEncoderLayer(E, H, {
      dimFeedforward: 16,
      activation: act,
      normFirst,
      dropout: 0.3,
    });
    randomizeLayer(L);
    L.eval(); // dropout off
    const x = randTensor([B, T, E]);
    const ref = layer64(L, f64(x), B, T, E, H, act);
    assertClose(L.forward(x).dataSync(), ref, 1e-4, 1e-4, `${act} normFirst=${normFirst}`);
    L.dispose();
    x.dispose();
  }
});

Deno.test("TransformerEncoderLayer uses PyTorch parameter names and default sizes", () => {
  const L = new TransformerEncoderLayer(40, 5);
  assert.deepEqual(L.namedParameters().map(([n, t]) => `${n}:${t.shape}`), [
    "self_attn.in_proj_weight:120,40",
    "self_attn.in_proj_bias:120",
    "self_attn.out_proj.weight:40,40",
    "self_attn.out_proj.bias:40",
    "linear1.weight:2048,40",
    "linear1.bias:2048",
    "linear2.weight:40,2048",
    "linear2.bias:40",
    "norm1.weight:40",
    "norm1.bias:40",
    "norm2.weight:40",
    "norm2.bias:40",
  ]);
  assert.ok(L.normFirst);
  assert.equal(L.dropout.p, 0.1);
  L.dispose();
});

Deno.test("TransformerEncoder: every parameter gets a gradient; dropout differs between train and eval", () => {
  setSeed(25);
  const enc = new TransformerEncoder({ dModel: 8, nHead: 2, dimFeedforward: 12, dropout: 0.2 }, 2, {
    finalNorm: true,
  });
  assert.ok(enc.namedParameters().some(([n]) => n === "layers.1.self_attn.in_proj_weight"));
  assert.ok(enc.namedParameters().some(([n]) => n === "norm.weight"));
  const x = randTensor([3, 5, 8], rng(), 1, false);
  tidy(() => sum(slice(enc.forward(x, { keyPaddingMask: new Array(15).fill(false) }), 2, 0, 3)).backward());
  for (const [name, p] of enc.namedParameters()) {
    assert.ok(p.grad && p.grad.dataSync().some((v) => v !== 0), `${name} got a nonzero gradient`);
  }
  enc.zeroGrad();
  const a = enc.forward(x).dataSync(), b = enc.forward(x).dataSync();
  assert.notDeepEqual(a, b, "training mode: dropout masks differ");
  enc.eval();
  const c = enc.forward(x).dataSync(), d = enc.forward(x).dataSync();
  assert.deepEqual(c, d, "eval mode is deterministic");
  // the eval output equals running the layers by hand then the final norm
  let h = x;
  for (const layer of enc.layers) h = layer.forward(h);
  assertClose(enc.norm!.forward(h).dataSync(), c, 0, 0);
  enc.dispose();
  x.dispose();
});

Deno.test("TransformerEncoderLayer passes gradCheck on a tiny size", () => {
  setSeed(26);
  const L = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: "gelu" });
  randomizeLayer(L);
  const x = randTensor([1, 3, 4]);
  gradCheck((xx) => L.forward(xx), [x, L.selfAttn.inProjWeight, L.linear1.weight, L.norm2.weight!], {
    atol: 3e-3,
  });
  L.dispose();
  x.dispose();
});
