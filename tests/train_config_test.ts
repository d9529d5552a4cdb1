/**
 * The one configuration: the order of its layers, every field validated with the field, value and what is
 * allowed in the message, the earlier flat file layout translated, and --compare giving each method its own
 * settings.
 */
import assert from "node:assert/strict";
import { configFromJson, resolveConfig } from "../src/train/config.ts";
import { DATASETS, getDataset } from "../src/data/registry.ts";
import { DEFAULT_ARCHITECTURE, PAPER_ARCHITECTURES } from "../src/models/architecture.ts";
import { INFMASKING_DEFAULTS } from "../src/methods/infmasking/mod.ts";

Deno.test("layers resolve in order: defaults, dataset, preset, then each given layer", () => {
  const plain = resolveConfig({});
  assert.equal(plain.method, "infmasking");
  assert.equal(plain.dataset, "synthetic");
  // the synthetic demo's own settings over InfMasking's defaults
  assert.deepEqual(plain.settings, { ...INFMASKING_DEFAULTS, lambda: 1, maskRatio: 0.5, numMasks: 2 });
  assert.equal(plain.run.epochs, 8);
  assert.equal(plain.architecture.tokenDim, 128);
  assert.equal(plain.architecture.encoderFfn, DEFAULT_ARCHITECTURE.encoderFfn);

  const preset = resolveConfig({ preset: "mosi" });
  assert.equal(preset.run.epochs, 100);
  assert.equal(preset.architecture.encoderLayers, PAPER_ARCHITECTURES.mosi.encoderLayers);
  assert.equal(preset.settings.lambda, 0.25);

  const file = { run: { epochs: 3, batch: 16 }, methods: { infmasking: { numMasks: 4 } } };
  const flags = { run: { epochs: 2 } };
  const both = resolveConfig(file, flags);
  assert.deepEqual([both.run.epochs, both.run.batch, both.settings.numMasks], [2, 16, 4]);
  // a preset named in a file still yields to the flags
  assert.equal(resolveConfig({ preset: "mosi" }, { run: { epochs: 1 } }).run.epochs, 1);
});

Deno.test("every part is validated; errors name the field, the value and what is allowed", () => {
  const cases: [Parameters<typeof resolveConfig>[0], RegExp][] = [
    [{ run: { epochs: 0 } }, /config: run\.epochs must be a positive integer, got 0/],
    [{ run: { seed: -1 } }, /run\.seed must be an integer >= 0, got -1/],
    [{ run: { batch: 1 } }, /run\.batch must be at least 2/],
    [{ optimizer: { lr: -1 } }, /optimizer\.lr must be a positive number, got -1/],
    [
      { architecture: { tokenDim: 30, fusionHeads: 4 } },
      /tokenDim 30 is not divisible by architecture\.fusionHeads 4/,
    ],
    [
      { architecture: { encoders: ["tokens", "vit" as never] } },
      /architecture\.encoders must be an array of one of/,
    ],
    [
      { methods: { infmasking: { maskRatio: 1.5 } } },
      /methods\.infmasking\.maskRatio must be a number in \[0, 1\), got 1\.5/,
    ],
    [{ methods: { coral: { wOrtho: -2 } } }, /methods\.coral\.wOrtho must be a number >= 0, got -2/],
    [
      { methods: { comm: { lambda: 1 } } },
      /methods\.comm\.lambda is not a setting here \(known: tau, weights\)/,
    ],
    [{ run: { epoch: 3 } as never }, /run\.epoch is not a setting here \(known: epochs, batch/],
    [
      { probe: { classWeight: "even" as never } },
      /probe\.classWeight must be one of "balanced", null, got "even"/,
    ],
    [{ backend: "tpu" as never }, /config\.backend must be one of "cpu", "cuda", "auto", got "tpu"/],
    [{ method: "simclr" }, /unknown method "simclr"/],
    [{ dataset: "imagenet" }, /unknown dataset "imagenet" \(known: synthetic, trifeatures/],
    [{ preset: "nope" }, /unknown preset "nope" \(known: /],
  ];
  for (const [input, message] of cases) assert.throws(() => resolveConfig(input), message);
});

Deno.test("the earlier flat layout of config files is translated field by field", () => {
  const legacy = configFromJson(
    {
      epochs: 15,
      lr: 2e-3,
      dataDir: "/data",
      model: { tokenDim: 64, lambda: 0.5, coralRatio: 0.6, tau: 0.2 },
      data: { T: 6, noise: 0.25 },
    },
    "demo_v1.json",
  );
  assert.deepEqual(legacy.run, { epochs: 15 });
  assert.deepEqual(legacy.optimizer, { lr: 2e-3 });
  assert.deepEqual(legacy.architecture, { tokenDim: 64 });
  assert.deepEqual(legacy.data, { dir: "/data", options: { T: 6, noise: 0.25 } });
  assert.equal(legacy.methods!.infmasking.lambda, 0.5);
  assert.equal(legacy.methods!.coral.maskRatio, 0.6);
  assert.equal(legacy.methods!.comm.tau, 0.2);
  const cfg = resolveConfig(legacy, { method: "coral" });
  assert.deepEqual([cfg.settings.maskRatio, cfg.settings.tau, cfg.architecture.tokenDim], [0.6, 0.2, 64]);
  // the current layout passes through unchanged
  const current = { run: { epochs: 2 }, data: { options: { T: 5 } } };
  assert.deepEqual(configFromJson(current, "x.json"), current);
  assert.throws(
    () => configFromJson({ epocs: 3 }, "typo.json"),
    /typo\.json: "epocs" is not a configuration field/,
  );
  assert.throws(
    () => configFromJson([1, 2], "list.json"),
    /list\.json: a configuration must be a JSON object/,
  );
  // the repository's own bench configs still resolve
  for (const f of ["demo_v1.json", "trifeatures_cpu_hour.json"]) {
    const raw = JSON.parse(Deno.readTextFileSync(new URL(`../bench/configs/${f}`, import.meta.url)));
    resolveConfig(configFromJson(raw, f));
  }
});

Deno.test("--compare resolves each method with its own settings from one file", () => {
  const file = { methods: { infmasking: { numMasks: 3 }, coral: { wOrtho: 2 } } };
  const inf = resolveConfig(file, { method: "infmasking" });
  const coral = resolveConfig(file, { method: "coral" });
  const cross = resolveConfig(file, { method: "cross" });
  assert.equal(inf.settings.numMasks, 3);
  assert.equal(coral.settings.wOrtho, 2);
  assert.deepEqual(cross.settings, {});
  // a typo in a method that is not trained still fails now, not later under --compare
  assert.throws(
    () => resolveConfig({ methods: { coral: { wOrth: 1 } } }),
    /methods\.coral\.wOrth is not a setting/,
  );
});

Deno.test("the dataset table holds each dataset's defaults once", () => {
  for (const d of DATASETS) {
    assert.equal(getDataset(d.name === "npy" ? "npy:/x" : d.name), d);
    const cfg = resolveConfig({ dataset: d.name === "npy" ? "npy:/x" : d.name });
    assert.equal(cfg.run.epochs, d.defaults.epochs);
    assert.equal(cfg.optimizer.lr, d.defaults.optimizer.lr);
  }
  assert.throws(() => getDataset("npy"), /unknown dataset "npy"/);
});
