/**
 * The method table: every registered method builds, trains a step and embeds from its own defaults; every
 * preset of every method resolves, builds the paper's network and trains a step; a preset a method lacks is
 * refused naming the methods that have it.
 */
import assert from "node:assert/strict";
import {
  buildModel,
  getMethod,
  METHOD_NAMES,
  METHODS,
  methodsWithPreset,
  presetNames,
} from "../src/methods/registry.ts";
import { architecture, type EncoderKind } from "../src/models/architecture.ts";
import type { ModalitySpec } from "../src/models/modality.ts";
import type { SslModel } from "../src/models/method.ts";
import { resolveConfig } from "../src/train/config.ts";
import { Philox } from "../src/random/philox.ts";
import { setSeed, type Tensor, tidy } from "../src/tensor/mod.ts";
import { randTensor, rng } from "./helpers.ts";

const B = 4;

/** A small network on two token sequences, for the tests that do not exercise a preset. */
const SMALL_ARCH = architecture({
  tokenDim: 16,
  fusionHeads: 4,
  headHidden: 16,
  headOut: 8,
  encoders: ["tokens", "tokens"],
});

/** A small modality of the shape each encoder kind takes. */
function specFor(kind: EncoderKind): ModalitySpec {
  switch (kind) {
    case "cnn":
    case "resnet":
      return { kind: "image", shape: [3, 16, 16] };
    case "alexnet":
      return { kind: "image", shape: [3, 64, 64] };
    case "mlp":
      return { kind: "vector", shape: [5] };
    case "proprio":
      return { kind: "vector", shape: [8] };
    case "causalconv":
      return { kind: "sequence", shape: [32, 6] };
    default:
      return { kind: "sequence", shape: [6, 4] };
  }
}

function views(specs: ModalitySpec[]): [Tensor[], Tensor[]] {
  const r = rng();
  const one = () => specs.map((s) => randTensor([B, ...s.shape], r, 1, false));
  return [one(), one()];
}

/** One training step (finite loss, some gradient) and the probe features' shape. */
function stepAndEmbed(model: SslModel, specs: ModalitySpec[]): { loss: number; dim: number } {
  const loss = tidy(() => {
    const [v1, v2] = views(specs);
    const out = model.trainStep(v1, v2, { epoch: 0, maxEpochs: 2, rng: new Philox(3) });
    out.loss.backward();
    return out.loss.item();
  });
  const withGrad = model.module.parameters().filter((p) => p.grad && p.grad.dataSync().some((g) => g !== 0));
  assert.ok(withGrad.length > 0, `${model.method}: no parameter got a gradient`);
  const dim = tidy(() => {
    const f = model.embed(views(specs)[0]);
    assert.equal(f.shape[0], B);
    assert.ok(f.dataSync().every(Number.isFinite), `${model.method}: features are not finite`);
    return f.shape[1];
  });
  model.module.dispose();
  return { loss, dim };
}

Deno.test("the table lists every method once, and the names are what --method takes", () => {
  assert.deepEqual([...METHOD_NAMES], ["infmasking", "comm", "coral", "cross", "crossself"]);
  assert.equal(new Set(METHOD_NAMES).size, METHOD_NAMES.length);
  for (const m of METHODS) {
    assert.equal(getMethod(m.name), m);
    assert.ok(m.summary.length > 10 && m.doc.startsWith("docs/"), `${m.name}: summary and doc page`);
    assert.ok(Deno.statSync(new URL(`../${m.doc}`, import.meta.url)).isFile, `${m.doc} exists`);
    // every default setting has a rule, and the defaults pass their rules
    for (const [k, v] of Object.entries(m.defaults)) {
      const rule = (m.rules as Record<string, { check(v: unknown): boolean }>)[k];
      assert.ok(rule, `${m.name}.${k} has no rule`);
      assert.ok(rule.check(v), `${m.name}.${k} default ${v} breaks its rule`);
    }
  }
  assert.throws(
    () => getMethod("simclr"),
    /unknown method "simclr" \(known: infmasking, comm, coral, cross, crossself\)/,
  );
});

for (const method of METHODS) {
  Deno.test(`${method.name}: builds from its defaults, trains a step and embeds`, () => {
    setSeed(11);
    const specs = [specFor("tokens"), specFor("tokens")];
    const arch = SMALL_ARCH;
    const { loss, dim } = stepAndEmbed(buildModel(method.name, specs, arch, { ...method.defaults }), specs);
    assert.ok(Number.isFinite(loss), `${method.name}: loss ${loss}`);
    assert.ok(dim === 16 || dim === 32, `${method.name}: feature width ${dim}`);
  });
}

for (const preset of presetNames()) {
  Deno.test(`preset ${preset}: every method that has it resolves, builds the paper's network and trains a step`, () => {
    for (const name of methodsWithPreset(preset)) {
      const cfg = resolveConfig({ method: name, preset });
      assert.equal(cfg.preset, preset);
      const p = (getMethod(name).presets as Record<string, { optimizer: { lr: number } }>)[preset];
      assert.equal(cfg.optimizer.lr, p.optimizer.lr, `${name}/${preset}: the preset's lr`);
      const encoders = cfg.architecture.encoders!;
      const specs = encoders.map(specFor);
      // the paper's widths, one encoder layer to keep the step quick
      const arch = { ...cfg.architecture, encoderLayers: 1 };
      setSeed(5);
      const { loss } = stepAndEmbed(buildModel(name, specs, arch, cfg.settings), specs);
      assert.ok(Number.isFinite(loss), `${name}/${preset}: loss ${loss}`);
    }
  });
}

Deno.test("a preset a method lacks is refused naming the methods that have it", () => {
  assert.deepEqual(methodsWithPreset("vision-touch"), ["infmasking", "comm", "cross", "crossself"]);
  assert.throws(
    () => resolveConfig({ method: "coral", preset: "vision-touch" }),
    /preset "vision-touch" is not defined for coral; methods that have it: infmasking, comm, cross, crossself/,
  );
});

Deno.test("CoMM with --preset mimic gets CoMM's settings, not InfMasking's 5 loss weights", () => {
  const cfg = resolveConfig({ method: "comm", preset: "mimic", dataset: "physionet2012" });
  assert.deepEqual(cfg.settings, { tau: 0.1 });
  const inf = resolveConfig({ method: "infmasking", preset: "mimic" });
  assert.deepEqual(inf.settings.weights, [1, 1, 1, 1, 5]);
  assert.equal(inf.settings.tau, 0.2);
  const coral = resolveConfig({ method: "coral", preset: "mimic" });
  assert.deepEqual([coral.optimizer.lr, coral.optimizer.weightDecay, coral.settings.wOrtho], [
    1e-4,
    1e-3,
    10,
  ]);
  assert.equal(resolveConfig({ method: "coral", preset: "trifeatures" }).settings.wOrtho, 1);
});

Deno.test("a method's own checks run at build time and name the field", () => {
  const specs = [specFor("tokens"), specFor("tokens")];
  const arch = SMALL_ARCH;
  assert.throws(
    () => buildModel("comm", specs, arch, { tau: 0.1, weights: [1, 1, 1, 1, 5] }),
    /methods\.comm\.weights has 5 entries; 2 modalities give 3 loss terms/,
  );
  assert.throws(
    () => buildModel("infmasking", specs, arch, { ...getMethod("infmasking").defaults, weights: [1, 1] }),
    /methods\.infmasking\.weights has 2 entries; 2 modalities give 5 loss terms/,
  );
  assert.throws(
    () =>
      buildModel("coral", specs, { ...arch, tokenDim: 15, fusionHeads: 5 }, {
        ...getMethod("coral").defaults,
      }),
    /coral needs an even architecture\.tokenDim, got 15/,
  );
});
