/**
 * Where a step of the default demo (`deno task train`: InfMasking on --dataset synthetic with the demo
 * defaults) spends its time: the training loop's step (two augmented views, the method's loss, backward,
 * AdamW) on the demo's data and model, with every backend method timed (bench/profile_steps.ts).
 *
 * Run: `deno run -P bench/profile_demo.ts [--method M] [--steps N]` (the dataset comes from the cache the CLI
 * fills, or is generated).
 */
import { parseArgs } from "node:util";
import type { MethodName } from "../src/models/method.ts";
import { Philox } from "../src/random/philox.ts";
import { epochBatches } from "../src/data/batches.ts";
import { splitSize } from "../src/data/types.ts";
import { resolveConfig } from "../src/train/config.ts";
import { defaultDataDir, loadDataset } from "../src/data/registry.ts";
import { epochStream } from "../src/random/streams.ts";
import { makeModel } from "../src/train/loop.ts";
import { applyGradients, lossAndGradients, makeOptimizer } from "../src/train/step.ts";
import { profileSteps } from "./profile_steps.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { steps: { type: "string", default: "10" }, method: { type: "string", default: "infmasking" } },
});
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  throw new Error(`--steps must be a positive integer, got ${values.steps}`);
}

const cfg = resolveConfig({ method: values.method as MethodName });
const run = cfg.run;
const ds = await loadDataset("synthetic", {
  seed: run.seed,
  dataDir: defaultDataDir(),
  options: cfg.data.options,
});
const model = makeModel(cfg, ds);
const optimizer = makeOptimizer(model, cfg.optimizer.lr, cfg.optimizer.weightDecay);
// The streams of the training loop's first epoch.
const batches = epochBatches(splitSize(ds.ssl), run.batch, new Philox(run.seed, epochStream("batches", 0)));
const augRng = new Philox(run.seed, epochStream("augment", 0));
const ctx = { epoch: 0, maxEpochs: run.epochs, rng: new Philox(run.seed, epochStream("masks", 0)) };
let s = 0;
profileSteps(
  `Profile of one default-demo step (${cfg.method}, batch ${run.batch}, width ${cfg.architecture.tokenDim})`,
  { steps, warmup: 3, phases: ["augment", "forward", "backward", "tidy", "optimizer"] },
  (phase) => {
    const rows = batches[s++ % batches.length];
    phase("tidy", () => lossAndGradients(model, ds.ssl, rows, augRng, ctx, { phase }));
    phase("optimizer", () => applyGradients(model, optimizer));
  },
);
