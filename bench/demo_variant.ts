/**
 * One training run on a variant of a dataset's defaults, for tuning experiments (README "Tuning the demo"):
 *
 *   deno run -P bench/demo_variant.ts [--base CONFIG.json] '{"epochs": 5, "data": {"noise": 0.05}}' runs/variant
 *
 * The JSON is a config as `--config` takes it (dataset "synthetic" unless it names another), applied over
 * the base config file when one is given (model and data settings merge key by key). Prints the
 * probe scores (balanced accuracy %, AUROC for binary tasks) of the paper's and the class-weighted probe.
 */
import { defaultDataDir, loadDataset } from "../src/data/registry.ts";
import { configFromJson, resolveConfig } from "../src/train/config.ts";
import { trainAndEvaluate } from "../src/train/loop.ts";
import { parseArgs } from "node:util";
import type { ProbeScores } from "../src/train/evaluate.ts";

function formatScores(p: ProbeScores): string {
  return Object.entries(p).map(([task, s]) => {
    const auroc = s.auroc !== undefined ? ` (AUROC ${s.auroc.toFixed(3)})` : "";
    return `${task} ${(100 * s.balancedAccuracy).toFixed(1)}${auroc}`;
  }).join(", ");
}

if (import.meta.main) {
  const args = parseArgs({ args: Deno.args, options: { base: { type: "string" } }, allowPositionals: true });
  const [json, out] = args.positionals;
  if (!json || !out) {
    console.error("usage: deno run -P bench/demo_variant.ts [--base CONFIG.json] '<config JSON>' OUT_DIR");
    Deno.exit(2);
  }
  const basePath = args.values.base;
  const base = basePath ? configFromJson(JSON.parse(Deno.readTextFileSync(basePath)), basePath) : {};
  const over = configFromJson(JSON.parse(json), "the config argument");
  const cfg = resolveConfig(base, over, { run: { out } });
  const t0 = performance.now();
  if (!cfg.data.dir) cfg.data.dir = defaultDataDir();
  const ds = await loadDataset(cfg.dataset, {
    seed: cfg.run.seed,
    dataDir: cfg.data.dir,
    options: cfg.data.options,
  });
  const r = trainAndEvaluate(cfg, ds, { progress: false });
  for (const h of r.history) {
    if (h.probe) console.log(`epoch ${h.epoch}: ${formatScores(h.probe)}`);
  }
  const total = (performance.now() - t0) / 1000;
  console.log(`${json}: training ${r.trainSeconds.toFixed(0)} s, total ${total.toFixed(0)} s`);
  console.log(`  paper's probe:        ${formatScores(r.probe)}`);
  console.log(`  class-weighted probe: ${formatScores(r.probeWeighted)}`);
}
