/**
 * Anomaly detection: the first primitive that turns finite storages non-finite is named, the backend is
 * restored afterwards, and in training (`detectAnomaly`) the error also names the epoch and step.
 */
import assert from "node:assert/strict";
import { AnomalyError, withAnomalyDetection } from "../src/train/anomaly.ts";
import { backend, exp, log, mul, sum, tensor, tidy } from "../src/tensor/mod.ts";
import { makeSyntheticDataset } from "../src/data/synthetic.ts";
import { resolveConfig } from "../src/train/config.ts";
import { trainAndEvaluate } from "../src/train/loop.ts";

Deno.test("withAnomalyDetection names the first primitive that produces a non-finite value", () => {
  const b = backend();
  const unaryBefore = b.unary;
  tidy(() => {
    const x = tensor([1, 2, -3, 4], [4]);
    // finite work passes through and returns its value
    assert.equal(withAnomalyDetection(b, () => sum(mul(x, x)).item()), 30);
    // log(-3) is the first NaN: the later exp of it is not blamed
    assert.throws(
      () => withAnomalyDetection(b, () => exp(log(x)).dataSync()),
      (e: unknown) =>
        e instanceof AnomalyError && e.primitive === "unary log" && /produced NaN/.test(e.message),
    );
    // overflow counts too
    assert.throws(
      () => withAnomalyDetection(b, () => exp(tensor([100], [1])).dataSync()),
      /unary exp produced Infinity/,
    );
  });
  assert.equal(b.unary, unaryBefore, "the backend's methods are restored");
});

Deno.test("training with detectAnomaly stops at the first non-finite primitive, naming epoch and step", () => {
  const ds = makeSyntheticDataset({ seed: 3, nSsl: 64, nProbeTrain: 32, nProbeTest: 32, T: 4, F: 8 });
  const dir = Deno.makeTempDirSync();
  try {
    const cfg = resolveConfig({
      architecture: { tokenDim: 16, fusionHeads: 2, headHidden: 16, headOut: 8 },
      methods: { infmasking: { numMasks: 2 } },
      probe: { classWeight: null, fineSearch: false },
    }, { method: "infmasking", run: { epochs: 1, batch: 32, seed: 5 }, optimizer: { lr: 1e30 } });
    cfg.run.out = `${dir}/a`;
    // lr 1e30: the first update sends the weights past float range, so step 1 overflows somewhere
    assert.throws(
      () => trainAndEvaluate(cfg, ds, { progress: false, detectAnomaly: true }),
      /anomaly: .* produced (-?Infinity|NaN) .* at epoch 0, step 1; the last checkpoint is kept/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
