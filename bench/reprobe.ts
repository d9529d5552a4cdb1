/**
 * Probes a trained run again, with the features standardised (this library's default) and raw (as the
 * reference fits them), to see how much of a score the standardisation makes:
 *
 *   deno run -P bench/reprobe.ts RUN_DIR METHOD CONFIG.json
 *
 * RUN_DIR holds the run's model.safetensors; CONFIG.json is the --config the run was trained with (the
 * synthetic dataset is rebuilt from it through the dataset cache).
 */
import { configFromJson, resolveConfig } from "../src/train/config.ts";
import { loadDataset } from "../src/data/registry.ts";
import { makeModel } from "../src/train/loop.ts";
import { loadModule } from "../src/nn/state_io.ts";
import { probeFeatures } from "../src/train/evaluate.ts";
import { linearProbe } from "../src/eval/probe.ts";

const [dir, method, cfgPath] = Deno.args;
if (!dir || !method || !cfgPath) {
  console.error("usage: deno run -P bench/reprobe.ts RUN_DIR METHOD CONFIG.json");
  Deno.exit(2);
}
const cfg = resolveConfig(configFromJson(JSON.parse(Deno.readTextFileSync(cfgPath)), cfgPath), { method });
const ds = await loadDataset(cfg.dataset, { seed: cfg.run.seed, options: cfg.data.options });
const model = makeModel(cfg, ds);
loadModule(`${dir}/model.safetensors`, model.module, { allowUnitAxes: true });
const f = probeFeatures(ds, (x) => model.embed(x), { seed: cfg.run.seed, imageCrop: cfg.probe.imageCrop });
for (const standardize of [true, false]) {
  const line = ds.tasks.map((task) => {
    const r = linearProbe(
      { x: f.train.x, y: ds.probeTrain.labels[task] },
      { x: f.test.x, y: ds.probeTest.labels[task] },
      { dim: f.train.dim, numClasses: ds.numClasses[task], fineSearch: cfg.probe.fineSearch, standardize },
    );
    return `${task} ${r.balancedAccuracy.toFixed(3)} (C ${r.C})`;
  });
  console.log(`${method} standardize=${standardize}: ${line.join(", ")}`);
}
model.module.dispose();
