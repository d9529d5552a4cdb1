/**
 * InfMasking's token masks (docs/infmasking.md#masking): a fixed keep count floor(L·(1−ratio)) per sample, uniform over
 * positions, reproducible per seed; the fusion transformer replaces exactly the masked tokens by the mask
 * token, and a modality subset is the fusion of that modality's tokens alone.
 */
import assert from "node:assert/strict";
import { sampleFixedCountMask } from "../src/methods/infmasking/masks.ts";
import { sampleBernoulliMask } from "../src/methods/coral/masks.ts";
import { FusionTransformer } from "../src/models/fusion.ts";
import { InfMasking } from "../src/methods/infmasking/model.ts";
import { INFMASKING_DEFAULTS } from "../src/methods/infmasking/mod.ts";
import { architecture } from "../src/models/architecture.ts";
import { Philox } from "../src/random/philox.ts";
import { noGrad, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, randValues, rng } from "./helpers.ts";

function keptPerRow(mask: Float32Array, batch: number, length: number): number[] {
  return Array.from({ length: batch }, (_, b) => {
    let n = 0;
    for (let i = 0; i < length; i++) {
      const v = mask[b * length + i];
      assert.ok(v === 0 || v === 1, `mask entries are 0 or 1, got ${v}`);
      n += v;
    }
    return n;
  });
}

Deno.test("sampleFixedCountMask keeps exactly floor(L(1 - ratio)) tokens per sample", () => {
  // Expected counts worked out by hand in float64, as Python's int(L * (1 - r)) does. Note 1 - 0.8 is
  // 0.19999999999999996, so MOSI's 50 tokens at ratio .8 keep 9 (not 10), exactly as the reference.
  const cases: [number, number, number][] = [
    [10, 0.5, 5],
    [7, 0.8, 1],
    [50, 0.8, 9],
    [36, 0.7, 10], // 36 * 0.30000000000000004 = 10.8
    [10, 0.3, 7],
    [4, 0, 4],
    [3, 0.9, 0], // 3 * 0.09999999999999998 < 1: everything masked
  ];
  const r = rng();
  for (const [length, ratio, keep] of cases) {
    const batch = 6;
    const mask = sampleFixedCountMask(r, batch, length, ratio);
    assert.equal(mask.length, batch * length);
    assert.deepEqual(
      keptPerRow(mask, batch, length),
      new Array(batch).fill(keep),
      `L ${length}, ratio ${ratio}`,
    );
  }
});

Deno.test("sampleFixedCountMask picks positions uniformly and samples independently", () => {
  const length = 10, ratio = 0.7, batch = 4000; // keep 3 of 10
  const mask = sampleFixedCountMask(rng(), batch, length, ratio);
  for (let i = 0; i < length; i++) {
    let n = 0;
    for (let b = 0; b < batch; b++) n += mask[b * length + i];
    // Binomial(4000, .3): sd 0.0072, so ±0.03 is > 4 sd.
    assert.ok(Math.abs(n / batch - 0.3) < 0.03, `position ${i} kept with frequency ${n / batch}`);
  }
  // Pairs of positions: P(both kept) = (3/10)(2/9) = 1/15 for a uniformly chosen 3-subset.
  let both = 0;
  for (let b = 0; b < batch; b++) both += mask[b * length + 2] * mask[b * length + 7];
  assert.ok(Math.abs(both / batch - 1 / 15) < 0.02, `pair frequency ${both / batch}`);
  // Rows are not all the same subset.
  const rows = new Set(
    Array.from({ length: 50 }, (_, b) => mask.slice(b * length, (b + 1) * length).join("")),
  );
  assert.ok(rows.size > 20, `only ${rows.size} distinct masks in 50 rows`);
});

Deno.test("sampleFixedCountMask: the same seed gives the same masks, other streams differ", () => {
  const a = sampleFixedCountMask(new Philox(42, 3), 16, 12, 0.5);
  const b = sampleFixedCountMask(new Philox(42, 3), 16, 12, 0.5);
  const c = sampleFixedCountMask(new Philox(42, 4), 16, 12, 0.5);
  const d = sampleFixedCountMask(new Philox(43, 3), 16, 12, 0.5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, d);
  // Consecutive draws from one generator differ too (the K masks of a view are independent).
  const g = new Philox(42, 3);
  assert.notDeepEqual(sampleFixedCountMask(g, 16, 12, 0.5), sampleFixedCountMask(g, 16, 12, 0.5));
});

Deno.test("mask samplers reject ratios out of range, naming the value", () => {
  assert.throws(() => sampleFixedCountMask(rng(), 2, 4, 1), /got 1/);
  assert.throws(() => sampleFixedCountMask(rng(), 2, 4, -0.1), /got -0.1/);
  assert.throws(() => sampleBernoulliMask(rng(), 2, 4, 1.5), /got 1.5/);
});

Deno.test("InfMasking.sampleMasks gives each modality its own fixed-count token mask", () => {
  const specs = [{ kind: "sequence" as const, shape: [10, 3] }, { kind: "sequence" as const, shape: [5, 4] }];
  const model = new InfMasking(
    specs,
    architecture({ tokenDim: 8, fusionHeads: 2, headHidden: 8 }),
    { ...INFMASKING_DEFAULTS, maskRatio: 0.6 },
  );
  const masks = model.sampleMasks(rng(), 7);
  assert.equal(masks.length, 2);
  assert.ok(masks.every((m) => m.mode === "token"));
  const host = masks.map((m) => m.keep instanceof Float32Array ? m.keep : m.keep.dataSync());
  assert.deepEqual(keptPerRow(host[0], 7, 10), new Array(7).fill(4)); // floor(10 * 0.4)
  assert.deepEqual(keptPerRow(host[1], 7, 5), new Array(7).fill(2)); // floor(5 * 0.4)
  for (const m of masks) if (!(m.keep instanceof Float32Array)) m.keep.dispose();
  model.module.dispose();
});

const B = 5, E = 16;

function fusionAndTokens(lengths: number[]) {
  const fusion = new FusionTransformer(E, 4, 2);
  const r = rng();
  const values = lengths.map((l) => randValues([B, l, E], r));
  return { fusion, values };
}

Deno.test("fusion with a token mask equals the fusion of tokens with the masked ones set to the mask token", () => {
  const lengths = [6, 4];
  const { fusion, values } = fusionAndTokens(lengths);
  const maskToken = fusion.maskToken.dataSync();
  assert.ok(maskToken.some((v) => v !== 0) && maskToken.every((v) => Math.abs(v) <= 0.02));
  const r = rng();
  const keeps = lengths.map((l) => sampleFixedCountMask(r, B, l, 0.5));
  // Manual construction: copy the mask token's values into every masked position.
  const manual = values.map((v, m) => {
    const out = v.slice();
    for (let t = 0; t < B * lengths[m]; t++) {
      if (keeps[m][t] === 0) out.set(maskToken, t * E);
    }
    return out;
  });
  tidy(() => {
    const tokens = values.map((v, m) => tensor(v, [B, lengths[m], E]));
    const masked = noGrad(() =>
      fusion.forward(tokens, undefined, keeps.map((keep) => ({ keep, mode: "token" as const })))
    );
    const expected = noGrad(() => fusion.forward(manual.map((v, m) => tensor(v, [B, lengths[m], E]))));
    assertClose(masked.dataSync(), expected.dataSync(), 1e-6, 1e-5, "masked fusion");
    // Masking one modality only leaves the other untouched: mask only modality 1.
    const onlySecond = noGrad(() =>
      fusion.forward(tokens, undefined, [null, { keep: keeps[1], mode: "token" }])
    );
    const manualSecond = noGrad(() => fusion.forward([tokens[0], tensor(manual[1], [B, lengths[1], E])]));
    assertClose(onlySecond.dataSync(), manualSecond.dataSync(), 1e-6, 1e-5, "one modality masked");
    // And the mask does change the output.
    const plain = noGrad(() => fusion.forward(tokens));
    assert.ok(plain.dataSync().some((v, i) => Math.abs(v - masked.dataSync()[i]) > 1e-3));
  });
  fusion.dispose();
});

Deno.test("fusion in zero mode multiplies the masked tokens by 0 (COrAL), not by the mask token", () => {
  const lengths = [5, 3];
  const { fusion, values } = fusionAndTokens(lengths);
  const keep = sampleBernoulliMask(rng(), B, lengths[0], 0.5);
  const zeroed = values[0].slice();
  for (let t = 0; t < B * lengths[0]; t++) if (keep[t] === 0) zeroed.fill(0, t * E, (t + 1) * E);
  tidy(() => {
    const tokens = values.map((v, m) => tensor(v, [B, lengths[m], E]));
    const got = noGrad(() => fusion.forward(tokens, undefined, [{ keep, mode: "zero" }, null]));
    const expected = noGrad(() => fusion.forward([tensor(zeroed, [B, lengths[0], E]), tokens[1]]));
    assertClose(got.dataSync(), expected.dataSync(), 1e-6, 1e-5, "zero-masked fusion");
  });
  fusion.dispose();
});

Deno.test("fusion on a subset drops the other modalities: equals a fusion of that modality's tokens alone", () => {
  const lengths = [6, 4, 3];
  const { fusion, values } = fusionAndTokens(lengths);
  tidy(() => {
    const tokens = values.map((v, m) => tensor(v, [B, lengths[m], E]));
    for (const m of [0, 1, 2]) {
      const sub = noGrad(() => fusion.forward(tokens, [m]));
      const alone = noGrad(() => fusion.forward([tensor(values[m], [B, lengths[m], E])]));
      assert.deepEqual(sub.shape, [B, E]);
      assertClose(sub.dataSync(), alone.dataSync(), 1e-6, 1e-5, `subset [${m}]`);
    }
    const pair = noGrad(() => fusion.forward(tokens, [2, 0]));
    const pairAlone = noGrad(() => fusion.forward([tokens[2], tokens[0]]));
    assertClose(pair.dataSync(), pairAlone.dataSync(), 1e-6, 1e-5, "subset [2, 0]");
    const full = noGrad(() => fusion.forward(tokens)).dataSync();
    const single = noGrad(() => fusion.forward(tokens, [0])).dataSync();
    assert.ok(
      full.some((v, i) => Math.abs(v - single[i]) > 1e-3),
      "the subset output differs from the full one",
    );
  });
  fusion.dispose();
});

Deno.test("fusion rejects a mask of the wrong size, naming the token shape", () => {
  const { fusion, values } = fusionAndTokens([4, 4]);
  tidy(() => {
    const tokens = values.map((v) => tensor(v, [B, 4, E]));
    assert.throws(
      () => fusion.forward(tokens, undefined, [{ keep: new Float32Array(3), mode: "token" }, null]),
      /3 entries for tokens \[5,4,16\]/,
    );
  });
  fusion.dispose();
});
