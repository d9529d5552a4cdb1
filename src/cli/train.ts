/**
 * `deno task train [-- flags]`: train a method (or every method with --compare), probe it and print the
 * redundancy / uniqueness / synergy table. Flags and output files are fixed in API.md; `--help` lists them.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { MethodName } from "../models/method.ts";
import { METHOD_NAMES, METHODS, methodsWithPreset, presetNames } from "../methods/registry.ts";
import {
  type BackendChoice,
  configFromJson,
  resolveConfig,
  type TrainConfig,
  type TrainConfigInput,
} from "../train/config.ts";
import { DATASET_NAMES, DATASETS, defaultDataDir, loadDataset } from "../data/registry.ts";
import { type RunResult, type StopFlag, trainAndEvaluate } from "../train/loop.ts";
import { cpuNotice, cpuRunInfo, probeTable, resultsJson, writeChart, writeResults } from "../train/report.ts";
import { setBackend } from "../tensor/mod.ts";
import { ensureDir, writeJsonAtomic } from "../io/atomic.ts";
import { resumeProblem } from "../train/checkpoint.ts";
import { formatDuration } from "../io/progress.ts";

/** The help text, generated from the method and dataset tables. */
function usage(): string {
  const pad = (s: string) => s.padEnd(16);
  const methods = METHODS.map((m) => `    ${pad(m.name)}${m.summary}`).join("\n");
  const datasets = DATASETS.map((d) => `    ${pad(d.name === "npy" ? "npy:DIR" : d.name)}${d.summary}`).join(
    "\n",
  );
  const presets = presetNames().map((p) => `    ${pad(p)}${methodsWithPreset(p).join(", ")}`).join("\n");
  return `usage: deno task train [-- options]
  --method ${METHOD_NAMES.join("|")}   (default infmasking)
${methods}
  --dataset ${DATASET_NAMES.join("|")}   (default synthetic)
${datasets}
  --preset NAME   a paper's settings for a benchmark; the methods that have each:
${presets}
  --epochs N  --batch N  --seed N  --lr X  --backend cpu|cuda|auto
  --out DIR (default runs/<timestamp>)  --config FILE.json  --data-dir DIR
  --eval-every N  --checkpoint-every N  --resume  --tensorboard  --detect-anomaly  --compare  --help`;
}

function fail(msg: string): never {
  console.error(`error: ${msg}\n${usage()}`);
  Deno.exit(2);
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) fail(`--${name} must be an integer, got "${v}"`);
  return n;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-").replace("T", "_").slice(0, 19);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      // `deno task train -- --flag` passes the "--" through; drop it.
      args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
      options: {
        method: { type: "string" },
        dataset: { type: "string" },
        epochs: { type: "string" },
        batch: { type: "string" },
        seed: { type: "string" },
        lr: { type: "string" },
        backend: { type: "string" },
        out: { type: "string" },
        config: { type: "string" },
        "data-dir": { type: "string" },
        preset: { type: "string" },
        "eval-every": { type: "string" },
        resume: { type: "boolean" },
        "checkpoint-every": { type: "string" },
        tensorboard: { type: "boolean" },
        "detect-anomaly": { type: "boolean" },
        compare: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(usage());
    return;
  }
  if (v.method && !METHOD_NAMES.includes(v.method)) {
    fail(`unknown --method "${v.method}" (known: ${METHOD_NAMES.join(", ")})`);
  }
  if (v.backend && !["cpu", "cuda", "auto"].includes(v.backend)) fail(`--backend must be cpu, cuda or auto`);
  let fileConfig: TrainConfigInput = {};
  if (v.config) {
    try {
      fileConfig = configFromJson(JSON.parse(Deno.readTextFileSync(v.config)), v.config);
    } catch (e) {
      fail(`cannot read --config ${v.config}: ${(e as Error).message}`);
    }
  }
  const lr = v.lr === undefined ? undefined : Number(v.lr);
  if (lr !== undefined && !(lr > 0)) fail(`--lr must be a positive number, got "${v.lr}"`);
  const cli: TrainConfigInput = {
    method: v.method,
    dataset: v.dataset,
    preset: v.preset,
    backend: v.backend as BackendChoice | undefined,
    run: {
      epochs: intFlag("epochs", v.epochs),
      batch: intFlag("batch", v.batch),
      seed: intFlag("seed", v.seed),
      out: v.out,
      evalEvery: intFlag("eval-every", v["eval-every"]),
      checkpointEvery: intFlag("checkpoint-every", v["checkpoint-every"]),
    },
    optimizer: { lr },
    data: { dir: v["data-dir"] },
  };
  // One resolved configuration per method trained (--compare: every method, each with its own settings).
  const methodNames: MethodName[] = v.compare ? [...METHOD_NAMES] : [];
  let configs: TrainConfig[];
  try {
    const first = resolveConfig(fileConfig, cli);
    if (!v.compare) methodNames.push(first.method);
    configs = methodNames.map((m) => resolveConfig(fileConfig, cli, { method: m }));
  } catch (e) {
    fail((e as Error).message);
  }
  const out = configs[0].run.out || `runs/${timestamp()}`;
  const dataDir = configs[0].data.dir || defaultDataDir();
  const runDir = (method: MethodName) => v.compare ? `${out}/${method}` : out;
  for (const c of configs) {
    c.run.out = runDir(c.method);
    c.data.dir = dataDir;
  }
  const cfg = configs[0];

  const stop: StopFlag = { stopped: false };
  const onSigint = () => {
    if (stop.stopped) Deno.exit(130);
    stop.stopped = true;
    console.error(
      "\ninterrupt: stopping after this step; the last checkpoint is kept (Ctrl-C again to quit now)",
    );
  };
  Deno.addSignalListener("SIGINT", onSigint);

  if (v.resume) {
    const problem = resumeProblem(methodNames.map(runDir));
    if (problem) {
      console.error(`error: ${problem}`);
      Deno.exit(2);
    }
  }

  const t0 = performance.now();
  console.error(`loading dataset ${cfg.dataset} ...`);
  const ds = await loadDataset(cfg.dataset, { seed: cfg.run.seed, dataDir, options: cfg.data.options });
  ensureDir(out);
  // The loop selects the same backend again (a cached instance); selecting it here names the CPU's BLAS once.
  setBackend(cfg.backend);
  const cpu = cpuRunInfo();
  if (cpu) console.error(cpuNotice(cpu));
  const results: RunResult[] = [];
  for (const runCfg of configs) {
    const method = runCfg.method;
    const r = trainAndEvaluate(runCfg, ds, {
      resume: v.resume ?? false,
      stop,
      tensorboard: v.tensorboard,
      detectAnomaly: v["detect-anomaly"],
    });
    if (r.interrupted) {
      console.error(`interrupted during ${method}; checkpoint in ${runCfg.run.out} (continue with --resume)`);
      Deno.exit(130);
    }
    writeResults(runCfg.run.out, r);
    writeChart(`${runCfg.run.out}/run.svg`, [r], `${method} on ${ds.name}`);
    results.push(r);
  }
  if (v.compare) {
    writeJsonAtomic(`${out}/compare.json`, results.map((r) => resultsJson(r)));
    writeChart(`${out}/compare.svg`, results, `methods on ${ds.name}`);
  }
  console.log(`\n${probeTable(results)}`);
  console.log(
    `\n${methodNames.join(", ")} on ${ds.name}, ${cfg.run.epochs} epochs, seed ${cfg.run.seed}: ` +
      `${formatDuration((performance.now() - t0) / 1000)}; outputs in ${out}/`,
  );
  Deno.removeSignalListener("SIGINT", onSigint);
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
