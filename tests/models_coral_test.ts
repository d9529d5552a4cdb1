/**
 * COrAL's structure (docs/coral.md#architecture): unique encoders are deep copies of the shared ones (equal values,
 * separate tensors), the second unique head copies the first, and the asymmetric masks: view 1 masks only
 * modality 0 and view 2 only modality 1, with Bernoulli(1 − ratio) keeps whose dropped tokens are zeroed.
 */
import assert from "node:assert/strict";
import { COrAL } from "../src/methods/coral/model.ts";
import { CORAL_DEFAULTS } from "../src/methods/coral/mod.ts";
import { architecture } from "../src/models/architecture.ts";
import type { ModalitySpec } from "../src/models/modality.ts";
import type { TokenMask } from "../src/models/fusion.ts";
import { sampleBernoulliMask } from "../src/methods/coral/masks.ts";
import { AdamW } from "../src/optim/adamw.ts";
import { paramGroupsNoDecay } from "../src/optim/groups.ts";
import { Philox } from "../src/random/philox.ts";
import { noGrad, type Tensor, tidy, zeros } from "../src/tensor/mod.ts";
import { assertClose, randTensor, rng } from "./helpers.ts";

const B = 8, E = 16;
const SPECS: ModalitySpec[] = [{ kind: "sequence", shape: [6, 5] }, { kind: "sequence", shape: [4, 7] }];

function makeCoral(ratio: number): COrAL {
  return new COrAL(
    SPECS,
    architecture({
      tokenDim: E,
      fusionHeads: 4,
      headHidden: 32,
      headOut: 16,
      encoders: ["transformer", "gru"],
      encoderLayers: 1,
      encoderHeads: 2,
      encoderFfn: 32,
      encoderDropout: 0,
    }),
    { ...CORAL_DEFAULTS, maskRatio: ratio },
  );
}

function views(): [Tensor[], Tensor[]] {
  const r = rng();
  const one = () => SPECS.map((s) => randTensor([B, ...s.shape], r, 1, false));
  return [one(), one()];
}

Deno.test("COrAL: unique encoders and the second unique head start as deep copies, then train apart", () => {
  const model = makeCoral(0.5);
  const net = model.module;
  const pairs: [string, [string, Tensor][], [string, Tensor][]][] = [
    ...[0, 1].map((i) =>
      [`encoder ${i}`, net.shared.encoders[i].namedParameters(), net.uniqueEncoders[i].namedParameters()] as [
        string,
        [string, Tensor][],
        [string, Tensor][],
      ]
    ),
    ["unique head", net.uniqueHeads[0].namedParameters(), net.uniqueHeads[1].namedParameters()],
  ];
  for (const [what, a, b] of pairs) {
    assert.deepEqual(a.map(([n]) => n), b.map(([n]) => n), `${what}: same structure`);
    assert.ok(a.length > 0);
    a.forEach(([name, t], k) => {
      const u = b[k][1];
      assert.notEqual(t, u, `${what} ${name}: a separate tensor`);
      assert.notEqual(t.storage, u.storage, `${what} ${name}: separate storage`);
      assert.deepEqual(t.dataSync(), u.dataSync(), `${what} ${name}: equal at init`);
    });
  }
  // The unique path's own parts differ between modalities (independent init).
  assert.notDeepEqual(
    net.uniqueProjectors[0].fc1.weight.dataSync(),
    net.uniqueProjectors[1].fc1.weight.dataSync(),
  );

  // After one optimizer step the copies have moved apart (different gradients, separate storage).
  const opt = new AdamW(net.parameters(), { lr: 1e-2 });
  const [v1, v2] = views();
  tidy(() => model.trainStep(v1, v2, { epoch: 0, maxEpochs: 1, rng: new Philox(1) }).loss.backward());
  opt.step();
  for (const i of [0, 1]) {
    const shared = new Map(net.shared.encoders[i].namedParameters());
    let differing = 0;
    for (const [name, u] of net.uniqueEncoders[i].namedParameters()) {
      const s = shared.get(name)!.dataSync(), uv = u.dataSync();
      if (s.some((v, j) => v !== uv[j])) differing++;
    }
    assert.equal(
      differing,
      shared.size,
      `encoder ${i}: every unique parameter moved apart from the shared one`,
    );
  }
  net.dispose();
});

interface FusionCall {
  masks: (TokenMask | null)[] | undefined;
  /** Each mask's keep values read during the call (the step disposes the mask tensors afterwards). */
  keeps: (Float32Array | null)[];
  output: Float32Array;
  /** The fusion output recomputed from tokens with the masked modality's dropped tokens set to 0 by hand. */
  manual: Float32Array;
}

/** Runs one training step while recording every call of the shared fusion transformer. */
function recordFusionCalls(model: COrAL, seed: number): FusionCall[] {
  const fusion = model.module.shared.fusion;
  const original = fusion.forward.bind(fusion);
  const calls: FusionCall[] = [];
  fusion.forward = (tokens: Tensor[], subset?: number[], masks?: (TokenMask | null)[]): Tensor => {
    const out = original(tokens, subset, masks);
    const keeps = tokens.map((_, m) => {
      const keep = masks?.[m]?.keep;
      return keep ? (keep instanceof Float32Array ? keep : keep.dataSync()) : null;
    });
    const manual = noGrad(() => {
      const zeroed = tokens.map((t, m) => {
        const keep = keeps[m];
        if (!keep) return t;
        const v = t.dataSync().slice();
        const [b, l, e] = t.shape;
        for (let i = 0; i < b * l; i++) if (keep[i] === 0) v.fill(0, i * e, (i + 1) * e);
        const z = zeros([b, l, e]);
        z.backend.write(z.storage, v);
        return z;
      });
      return original(zeroed).dataSync();
    });
    calls.push({ masks, keeps, output: out.dataSync(), manual });
    return out;
  };
  const [v1, v2] = views();
  tidy(() => model.trainStep(v1, v2, { epoch: 0, maxEpochs: 1, rng: new Philox(seed) }).loss.backward());
  return calls;
}

Deno.test("COrAL: view 1 masks only modality 0 and view 2 only modality 1, Bernoulli draws zeroed", () => {
  const ratio = 0.5;
  const model = makeCoral(ratio);
  const calls = recordFusionCalls(model, 11);
  assert.equal(calls.length, 2, "the shared fusion runs once per view");
  const [first, second] = calls;
  assert.ok(first.masks?.[0] && first.masks[1] === null, "view 1: modality 0 masked, modality 1 not");
  assert.ok(second.masks?.[1] && second.masks[0] === null, "view 2: modality 1 masked, modality 0 not");
  assert.equal(first.masks[0]!.mode, "zero");
  assert.equal(second.masks![1]!.mode, "zero");
  // The keeps are the step's Bernoulli draws, in order: view 1 over modality 0's tokens, then view 2.
  const replay = new Philox(11);
  assert.deepEqual(first.keeps[0], Float32Array.from(sampleBernoulliMask(replay, B, 6, ratio)));
  assert.deepEqual(second.keeps[1], Float32Array.from(sampleBernoulliMask(replay, B, 4, ratio)));
  // Dropped tokens are multiplied by 0: the output equals the fusion of hand-zeroed tokens.
  for (const c of calls) assertClose(c.output, c.manual, 1e-6, 1e-5, "zeroed fusion");
  model.module.dispose();
});

Deno.test("COrAL: ratio 1 zeroes every token of the masked modality, ratio 0 keeps them all", () => {
  for (const ratio of [1, 0]) {
    const model = makeCoral(ratio);
    const calls = recordFusionCalls(model, 5);
    const keeps = [calls[0].keeps[0]!, calls[1].keeps[1]!];
    assert.deepEqual(keeps.map((k) => k.length), [B * 6, B * 4]);
    for (const k of keeps) {
      assert.ok(k.every((v) => v === 1 - ratio), `ratio ${ratio}: keep all ${1 - ratio}`);
    }
    for (const c of calls) assertClose(c.output, c.manual, 1e-6, 1e-5, `ratio ${ratio} fusion`);
    model.module.dispose();
  }
});

Deno.test("COrAL: Bernoulli keep frequency is about 1 - ratio", () => {
  const keep = sampleBernoulliMask(rng(), 500, 20, 0.75);
  const mean = keep.reduce((s, v) => s + v, 0) / keep.length;
  // Binomial(10000, .25): sd 0.0043.
  assert.ok(Math.abs(mean - 0.25) < 0.02, `kept fraction ${mean}`);
});

Deno.test("weight decay as the references: the (1,1,E) mask token and the CLS token decay, COrAL's 1-D query does not", () => {
  const model = makeCoral(0.75);
  const named = new Map(model.module.namedParameters());
  assert.deepEqual(named.get("shared.fusion.mask_token")!.shape, [1, 1, E]);
  assert.deepEqual(named.get("lin0.pool.query")!.shape, [E / 2]);
  const [decay, noDecay] = paramGroupsNoDecay(model.module, 0.01);
  assert.ok(decay.params.includes(named.get("shared.fusion.mask_token")!), "mask token decays");
  assert.ok(decay.params.includes(named.get("shared.fusion.cls_token")!), "CLS token decays");
  assert.ok(noDecay.params.includes(named.get("lin0.pool.query")!), "pooling query is not decayed");
  assert.ok(noDecay.params.includes(named.get("lin1.pool.query")!), "pooling query is not decayed");
  model.module.dispose();
});
