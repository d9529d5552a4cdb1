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
import { DATASET_NAMES, DATASETS, defaultDataDir } from "../data/registry.ts";
import type { StopFlag } from "../train/loop.ts";
import { cpuNotice, cpuRunInfo, probeTable, resultsJson, writeChart } from "../train/report.ts";
import {
  type ExperimentOptions,
  type ExperimentResult,
  type Protocol,
  runDirs,
  runExperiment,
  summaryTable,
} from "../train/experiment.ts";
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
  --eval-every N  --checkpoint-every N  --resume  --tensorboard  --detect-anomaly
  --compare              every method on the same data, each with its own settings
  --seeds 42,43,44,45,46 one run per seed; OUT/summary.json and a mean ± sd table
  --protocol unbiased-biased   redundancy and uniqueness from a model trained on unbiased pairs, synergy
                         from one trained on the biased pairs, as the papers run Trifeatures (synthetic too)
  --select last|best-val also report the epoch with the best validation probe (never the test split)
  --help`;
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
        seeds: { type: "string" },
        protocol: { type: "string" },
        select: { type: "string" },
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
  if (v.protocol && !["single", "unbiased-biased"].includes(v.protocol)) {
    fail(`--protocol must be single or unbiased-biased, got "${v.protocol}"`);
  }
  if (v.select && !["last", "best-val"].includes(v.select)) {
    fail(`--select must be last or best-val, got "${v.select}"`);
  }
  let seeds: number[] | null = null;
  if (v.seeds !== undefined) {
    seeds = v.seeds.split(",").map((x) => Number(x.trim()));
    if (!seeds.length || seeds.some((x) => !Number.isInteger(x) || x < 0)) {
      fail(`--seeds must be a comma-separated list of integers >= 0, got "${v.seeds}"`);
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
    probe: { select: v.select as "last" | "best-val" | undefined },
  };
  // Every method (--compare) or the configured one; each resolves its own settings.
  let cfg: TrainConfig;
  try {
    cfg = resolveConfig(fileConfig, cli);
    if (v.compare) { for (const m of METHOD_NAMES) resolveConfig(fileConfig, cli, { method: m }); }
  } catch (e) {
    fail((e as Error).message);
  }
  const methodNames: MethodName[] = v.compare ? [...METHOD_NAMES] : [cfg.method];
  const out = cfg.run.out || `runs/${timestamp()}`;
  const dataDir = cfg.data.dir || defaultDataDir();
  const layers: TrainConfigInput[] = [fileConfig, cli, { run: { out }, data: { dir: dataDir } }];
  const plan: ExperimentOptions = {
    methods: methodNames,
    seeds,
    protocol: (v.protocol ?? "single") as Protocol,
  };

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
    const problem = resumeProblem(runDirs(out, seeds ?? [cfg.run.seed], plan));
    if (problem) {
      console.error(`error: ${problem}`);
      Deno.exit(2);
    }
  }

  const t0 = performance.now();
  ensureDir(out);
  // Selecting the backend here names the CPU's BLAS once (the loop selects the same cached instance).
  setBackend(cfg.backend);
  const cpu = cpuRunInfo();
  if (cpu) console.error(cpuNotice(cpu));
  console.error(
    `dataset ${cfg.dataset}, ${methodNames.join(", ")}${seeds ? `, seeds ${seeds.join(", ")}` : ""}` +
      (plan.protocol === "single" ? "" : `, protocol ${plan.protocol}`),
  );
  let result: ExperimentResult;
  try {
    result = await runExperiment(layers, out, {
      ...plan,
      resume: v.resume ?? false,
      stop,
      tensorboard: v.tensorboard,
      detectAnomaly: v["detect-anomaly"],
    });
  } catch (e) {
    fail((e as Error).message);
  }
  if (result.interrupted) {
    console.error(`interrupted; the last checkpoints are kept under ${out} (continue with --resume)`);
    Deno.exit(130);
  }
  const lastSeed = result.outcomes.map((o) => o.results[o.results.length - 1]);
  if (v.compare && !seeds) {
    writeJsonAtomic(`${out}/compare.json`, lastSeed.map((r) => resultsJson(r)));
    if (plan.protocol === "single") {
      writeChart(`${out}/compare.svg`, lastSeed, `methods on ${result.dataset}`);
    }
  }
  if (seeds) console.log(`\n${summaryTable(result)}`);
  else console.log(`\n${probeTable(lastSeed)}`);
  console.log(
    `\n${methodNames.join(", ")} on ${result.dataset}, ${cfg.run.epochs} epochs, ` +
      `seed${seeds ? `s ${seeds.join(", ")}` : ` ${cfg.run.seed}`}: ` +
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
