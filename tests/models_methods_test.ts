/**
 * Every method end to end on small random batches: one training step (forward + backward) gives a finite
 * loss and a non-zero gradient to every parameter except the documented exceptions, buffers get none, and
 * embed() has the documented width and leaves the module in training mode.
 */
import assert from "node:assert/strict";
import { buildModel, getMethod } from "../src/methods/registry.ts";
import { architecture, type EncoderKind } from "../src/models/architecture.ts";
import type { ModalitySpec } from "../src/models/modality.ts";
import type { MethodName, SslModel } from "../src/models/method.ts";
import { Philox } from "../src/random/philox.ts";
import { type Tensor, tidy } from "../src/tensor/mod.ts";
import { randTensor, rng } from "./helpers.ts";

const B = 8;
const E = 16;

/** The small network of these tests and the method's defaults with 3 masks at ratio .5 where it has them. */
function smallConfig(encoders: EncoderKind[]) {
  return architecture({
    tokenDim: E,
    fusionHeads: 4,
    headHidden: 32,
    headOut: 16,
    encoders,
    encoderLayers: 1,
    encoderHeads: 2,
    encoderFfn: 32,
    encoderDropout: 0.1,
    cnnWidth: 4,
  });
}

function smallSettings(method: MethodName): Record<string, unknown> {
  const settings: Record<string, unknown> = { ...getMethod(method).defaults };
  if ("numMasks" in settings) settings.numMasks = 3;
  if ("maskRatio" in settings) settings.maskRatio = 0.5;
  return settings;
}

function batch(specs: ModalitySpec[], r: Philox): Tensor[] {
  return specs.map((s) => randTensor([B, ...s.shape], r, 1, false));
}

/** Names of parameters whose gradient is missing or all zeros after one step. */
function stepAndFindGradless(model: SslModel, specs: ModalitySpec[]): { loss: number; gradless: string[] } {
  const r = rng();
  model.module.zeroGrad();
  const loss = tidy(() => {
    const out = model.trainStep(batch(specs, r), batch(specs, r), {
      epoch: 0,
      maxEpochs: 10,
      rng: new Philox(7),
    });
    for (const [name, part] of Object.entries(out.parts)) {
      assert.ok(Number.isFinite(part.item()), `${model.method}: loss part ${name} is not finite`);
    }
    out.loss.backward();
    return out.loss.item();
  });
  const gradless = model.module.namedParameters()
    .filter(([, p]) => !p.grad || p.grad.dataSync().every((v) => v === 0))
    .map(([n]) => n);
  return { loss, gradless };
}

/** The parameters that must get no gradient, and why. */
const NO_GRADIENT: Record<MethodName, string[]> = {
  // InfMasking replaces masked tokens by the mask token: everything trains.
  infmasking: [],
  // CoMM drops absent modalities and never masks: the fusion's mask token is unused.
  comm: ["fusion.mask_token"],
  // COrAL zeroes masked tokens (no learnable token).
  coral: ["shared.fusion.mask_token"],
  // The Cross baselines run the fusion on one modality at a time, unmasked.
  cross: ["fusion.mask_token"],
  crossself: ["fusion.mask_token"],
};

function embedWidth(method: MethodName, modalities: number): number {
  if (method === "coral") return 2 * E; // [z_S, u_1, u_2] = E + E/2 + E/2
  if (method === "cross" || method === "crossself") return modalities * E; // concatenated unimodal features
  return E; // fused CLS
}

function checkMethod(method: MethodName, specs: ModalitySpec[], encoders: EncoderKind[]): void {
  const model = buildModel(method, specs, smallConfig(encoders), smallSettings(method));
  assert.equal(model.method, method);
  const { loss, gradless } = stepAndFindGradless(model, specs);
  assert.ok(Number.isFinite(loss), `${method}: loss ${loss} is not finite`);
  assert.deepEqual(
    gradless.sort(),
    [...NO_GRADIENT[method]].sort(),
    `${method}: parameters without gradient`,
  );
  // The exceptions get no gradient tensor at all (not a zero one).
  for (const [name, p] of model.module.namedParameters()) {
    if (NO_GRADIENT[method].includes(name)) assert.equal(p.grad, null, `${method}: ${name} has a gradient`);
  }
  // Buffers (BatchNorm running statistics, position embeddings) never get a gradient.
  const buffers = model.module.namedBuffers();
  assert.ok(buffers.some(([n]) => n.endsWith("running_mean")), `${method}: the heads have BatchNorm buffers`);
  for (const [name, t] of buffers) {
    assert.equal(t.grad, null, `${method}: buffer ${name} has a gradient`);
    assert.equal(t.requiresGrad, false, `${method}: buffer ${name} requires grad`);
  }
  // The training step updated the running means of the heads' BatchNorms (they start at 0).
  const running = buffers.filter(([n]) => n.endsWith("running_mean"));
  assert.ok(
    running.every(([, t]) => t.dataSync().some((v) => v !== 0)),
    `${method}: running means not updated`,
  );

  model.module.train();
  const feats = tidy(() => {
    const f = model.embed(batch(specs, rng()));
    return { shape: [...f.shape], values: f.dataSync(), requiresGrad: f.requiresGrad };
  });
  assert.deepEqual(feats.shape, [B, embedWidth(method, specs.length)], `${method}: embed shape`);
  assert.ok(feats.values.every(Number.isFinite), `${method}: embed values not finite`);
  assert.equal(feats.requiresGrad, false, `${method}: embed output should not require grad`);
  assert.ok(model.module.namedModules().every(([, m]) => m.training), `${method}: embed left eval mode on`);
  model.module.dispose();
}

const TWO_SEQUENCES: ModalitySpec[] = [{ kind: "sequence", shape: [6, 5] }, {
  kind: "sequence",
  shape: [4, 7],
}];
const IMAGE_AND_VECTOR: ModalitySpec[] = [{ kind: "image", shape: [3, 16, 16] }, {
  kind: "vector",
  shape: [5],
}];
const THREE: ModalitySpec[] = [...TWO_SEQUENCES, { kind: "vector", shape: [3] }];

for (const method of ["infmasking", "comm", "coral", "cross", "crossself"] as const) {
  Deno.test(`${method}: 2 sequence modalities (transformer, gru) train with gradients everywhere`, () => {
    checkMethod(method, TWO_SEQUENCES, ["transformer", "gru"]);
  });
  Deno.test(`${method}: image (small cnn) + vector (mlp) train with gradients everywhere`, () => {
    checkMethod(method, IMAGE_AND_VECTOR, ["cnn", "mlp"]);
  });
}

for (const method of ["infmasking", "comm"] as const) {
  Deno.test(`${method}: 3 modalities train with gradients everywhere`, () => {
    checkMethod(method, THREE, ["transformer", "tokens", "mlp"]);
  });
}

Deno.test("COrAL and the Cross baselines reject 3 modalities with a clear error", () => {
  for (const method of ["coral", "cross", "crossself"] as const) {
    assert.throws(
      () => buildModel(method, THREE, smallConfig(["tokens", "tokens", "mlp"]), smallSettings(method)),
      /exactly 2 modalities/,
    );
  }
});

Deno.test("the Cross baselines' logit scale gets a gradient and afterStep clamps it to [0, ln 100]", () => {
  const model = buildModel("cross", TWO_SEQUENCES, smallConfig(["tokens", "tokens"]), {});
  const scale = model.module.namedParameters().find(([n]) => n === "logit_scale")![1];
  assert.ok(Math.abs(scale.item() - Math.log(1 / 0.07)) < 1e-6, "CLIP's logit scale starts at ln(1/0.07)");
  stepAndFindGradless(model, TWO_SEQUENCES);
  assert.ok(scale.grad && scale.grad.item() !== 0, "logit scale gradient");
  scale.backend.write(scale.storage, new Float32Array([10]));
  model.afterStep!();
  assert.ok(Math.abs(scale.item() - Math.log(100)) < 1e-5, `clamped to ln 100, got ${scale.item()}`);
  model.module.dispose();
});
