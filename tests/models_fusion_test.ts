/**
 * The fusion transformer's CLIP-style init (docs/shared.md#fusion-transformer), the fixed 2-D sin-cos position embedding against
 * hand-computed values, and the patched adapter against a float64 re-computation.
 */
import assert from "node:assert/strict";
import { FusionTransformer } from "../src/models/fusion.ts";
import { sinCos2dEmbedding } from "../src/models/position.ts";
import { PatchedInputAdapter } from "../src/models/adapters.ts";
import { noGrad, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, randValues, rng } from "./helpers.ts";

function stats(t: Tensor): { mean: number; std: number } {
  const v = t.dataSync();
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length) };
}

Deno.test("fusion transformer: CLIP init standard deviations (sample std within 10%)", () => {
  for (const [dim, layers] of [[64, 1], [64, 2], [96, 3]]) {
    const fusion = new FusionTransformer(dim, 8, layers);
    const params = new Map(fusion.namedParameters());
    const attnStd = 1 / Math.sqrt(dim);
    const projStd = attnStd / Math.sqrt(2 * layers);
    const fcStd = 1 / Math.sqrt(2 * dim);
    for (let l = 0; l < layers; l++) {
      const expected: [string, number][] = [
        [`block${l}.attn.in_proj_weight`, attnStd],
        [`block${l}.attn.out_proj.weight`, projStd],
        [`block${l}.c_proj.weight`, projStd],
        [`block${l}.c_fc.weight`, fcStd],
      ];
      for (const [name, std] of expected) {
        const p = params.get(name);
        assert.ok(p, `parameter ${name} exists`);
        const s = stats(p);
        assert.ok(
          Math.abs(s.std / std - 1) < 0.1,
          `${name} (E ${dim}, L ${layers}): std ${s.std}, expected ${std}`,
        );
        assert.ok(Math.abs(s.mean) < 0.1 * std, `${name}: mean ${s.mean}`);
      }
    }
    // CLS ~ N(0, 1); the mask token is a truncated normal (std .02) clipped to ±.02.
    const cls = stats(params.get("cls_token")!);
    assert.ok(Math.abs(cls.std - 1) < 0.35, `cls std ${cls.std}`);
    const mask = params.get("mask_token")!.dataSync();
    assert.ok(
      mask.every((v) => Math.abs(v) <= 0.02) && mask.some((v) => v !== 0),
      "mask token in [-.02, .02]",
    );
    // The layer norms start at the identity affine map.
    for (const name of [`ln_post.weight`, `block0.ln_1.weight`]) {
      assert.ok(params.get(name)!.dataSync().every((v) => v === 1), `${name} starts at 1`);
    }
    fusion.dispose();
  }
});

Deno.test("fusion transformer returns the CLS output [B, E], finite, for any batch", () => {
  const fusion = new FusionTransformer(16, 4, 1);
  tidy(() => {
    const out = noGrad(() => fusion.forward([tensor(randValues([3, 5, 16]), [3, 5, 16])]));
    assert.deepEqual(out.shape, [3, 16]);
    // The final LayerNorm (weight 1, bias 0) makes every row mean 0 and variance about 1.
    const v = out.dataSync();
    for (let b = 0; b < 3; b++) {
      const row = v.slice(b * 16, (b + 1) * 16);
      const m = row.reduce((s, x) => s + x, 0) / 16;
      const varr = row.reduce((s, x) => s + (x - m) ** 2, 0) / 16;
      assert.ok(Math.abs(m) < 1e-5 && Math.abs(varr - 1) < 1e-3, `row ${b}: mean ${m}, var ${varr}`);
    }
  });
  fusion.dispose();
});

Deno.test("2-D sin-cos position embedding matches hand-computed values", () => {
  // h 2, w 3, width 8: a quarter of 2 channels each for sin(x ω), cos(x ω), sin(y ω), cos(y ω), ω ∈ {1, .01}.
  const emb = sinCos2dEmbedding(2, 3, 8);
  assert.equal(emb.length, 2 * 3 * 8);
  const at = (y: number, x: number) => emb.slice((y * 3 + x) * 8, (y * 3 + x + 1) * 8);
  assertClose(at(0, 0), [0, 0, 1, 1, 0, 0, 1, 1], 1e-7, 0, "(0, 0)");
  assertClose(
    at(0, 1),
    [0.8414709848078965, 0.009999833334166665, 0.5403023058681398, 0.9999500004166653, 0, 0, 1, 1],
    1e-6,
    0,
    "(y 0, x 1)",
  );
  assertClose(
    at(1, 2),
    [
      0.9092974268256817,
      0.01999866669333308,
      -0.4161468365471424,
      0.9998000066665778,
      0.8414709848078965,
      0.009999833334166665,
      0.5403023058681398,
      0.9999500004166653,
    ],
    1e-6,
    0,
    "(y 1, x 2)",
  );
  // Width 12: ω_i = 10000^(-i/3) = 1, 0.0464158883, 0.0021544347.
  const e12 = sinCos2dEmbedding(2, 3, 12);
  assertClose(
    e12.slice((1 * 3 + 2) * 12, (1 * 3 + 3) * 12),
    [
      0.9092974268256817,
      0.09269850077872724,
      0.0043088560467428125,
      -0.4161468365471424,
      0.9956942241237399,
      0.9999907168366957,
      0.8414709848078965,
      0.04639922346473128,
      0.0021544330233656045,
      0.5403023058681398,
      0.9989229760406304,
      0.9999976792064809,
    ],
    1e-6,
    0,
    "width 12 at (y 1, x 2)",
  );
  assert.throws(() => sinCos2dEmbedding(2, 2, 10), /divisible by 4, got 10/);
});

Deno.test("PatchedInputAdapter: a 1x1 conv per cell plus the fixed sin-cos embedding (float64 check)", () => {
  const [b, c, h, w, e] = [2, 3, 2, 3, 8];
  const adapter = new PatchedInputAdapter(c, h, w, e);
  assert.equal(adapter.tokens, h * w);
  assert.deepEqual(adapter.parameters().map((p) => p.shape), [[e, c], [e]], "only the projection trains");
  assert.ok(adapter.namedBuffers().some(([n]) => n === "pos_emb"));
  assert.ok(!adapter.stateDict().has("pos_emb"), "the position embedding is not saved");
  const x = randValues([b, c, h, w], rng());
  const wt = adapter.proj.weight.dataSync(), bias = adapter.proj.bias!.dataSync();
  const pos = sinCos2dEmbedding(h, w, e);
  const expected = new Float64Array(b * h * w * e);
  for (let n = 0; n < b; n++) {
    for (let p = 0; p < h * w; p++) {
      for (let o = 0; o < e; o++) {
        let s = bias[o] + pos[p * e + o];
        for (let ch = 0; ch < c; ch++) s += wt[o * c + ch] * x[(n * c + ch) * h * w + p];
        expected[(n * h * w + p) * e + o] = s;
      }
    }
  }
  tidy(() => {
    const out = noGrad(() => adapter.forward(tensor(x, [b, c, h, w])));
    assert.deepEqual(out.shape, [b, h * w, e]);
    assertClose(out.dataSync(), expected, 1e-5, 1e-5, "patched tokens");
  });
  adapter.dispose();
});
