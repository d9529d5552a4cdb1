/**
 * `deno task train [-- flags]`: train a method (or every method with --compare), probe it and print the
 * redundancy / uniqueness / synergy table. Flags and output files are fixed in API.md.
 */
import { parseArgs } from "node:util";
import { METHOD_NAMES, type MethodName } from "../models/method.ts";
import { resolveConfig, type TrainConfig, type TrainConfigInput } from "../train/train_config.ts";
import { defaultDataDir, loadDataset } from "../train/datasets.ts";
import { type RunResult, type StopFlag, trainAndEvaluate } from "../train/loop.ts";
import { cpuNotice, cpuRunInfo, probeTable, resultsJson, writeChart, writeResults } from "../train/report.ts";
import { setBackend } from "../tensor/mod.ts";
import { ensureDir, writeJsonAtomic } from "../io/atomic.ts";
import { resumeProblem } from "../train/checkpoint.ts";
import { formatDuration } from "../io/progress.ts";

const USAGE = `usage: deno task train [-- options]
  --method infmasking|comm|coral|cross|crossself   (default infmasking)
  --dataset synthetic|trifeatures|avmnist|physionet2012|npy:DIR   (default synthetic)
  --epochs N  --batch N  --seed N  --lr X  --backend cpu|cuda|auto
  --out DIR (default runs/<timestamp>)  --config FILE.json  --data-dir DIR  --preset NAME
  --eval-every N  --checkpoint-every N  --resume  --tensorboard  --detect-anomaly  --compare  --help`;

function fail(msg: string): never {
  console.error(`error: ${msg}\n${USAGE}`);
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
    console.log(USAGE);
    return;
  }
  if (v.method && !METHOD_NAMES.includes(v.method as MethodName)) {
    fail(`unknown --method "${v.method}" (known: ${METHOD_NAMES.join(", ")})`);
  }
  if (v.backend && !["cpu", "cuda", "auto"].includes(v.backend)) fail(`--backend must be cpu, cuda or auto`);
  let fileConfig: TrainConfigInput = {};
  if (v.config) {
    try {
      fileConfig = JSON.parse(Deno.readTextFileSync(v.config));
    } catch (e) {
      fail(`cannot read --config ${v.config}: ${(e as Error).message}`);
    }
  }
  const dataset = v.dataset ?? fileConfig.dataset ?? "synthetic";
  const lr = v.lr === undefined ? undefined : Number(v.lr);
  if (lr !== undefined && !(lr > 0)) fail(`--lr must be a positive number, got "${v.lr}"`);
  const cli: TrainConfigInput = {
    method: v.method as MethodName | undefined,
    epochs: intFlag("epochs", v.epochs),
    batch: intFlag("batch", v.batch),
    seed: intFlag("seed", v.seed),
    lr,
    backend: v.backend as TrainConfig["backend"] | undefined,
    dataDir: v["data-dir"],
    preset: v.preset,
    evalEvery: intFlag("eval-every", v["eval-every"]),
    checkpointEvery: intFlag("checkpoint-every", v["checkpoint-every"]),
  };
  let cfg: TrainConfig;
  try {
    cfg = resolveConfig(dataset, fileConfig, cli);
  } catch (e) {
    fail((e as Error).message);
  }
  cfg.out = v.out ?? fileConfig.out ?? `runs/${timestamp()}`;
  if (!cfg.dataDir) cfg.dataDir = defaultDataDir();

  const stop: StopFlag = { stopped: false };
  const onSigint = () => {
    if (stop.stopped) Deno.exit(130);
    stop.stopped = true;
    console.error(
      "\ninterrupt: stopping after this step; the last checkpoint is kept (Ctrl-C again to quit now)",
    );
  };
  Deno.addSignalListener("SIGINT", onSigint);

  const methods: MethodName[] = v.compare ? [...METHOD_NAMES] : [cfg.method];
  const runDir = (method: MethodName) => v.compare ? `${cfg.out}/${method}` : cfg.out;
  if (v.resume) {
    const problem = resumeProblem(methods.map(runDir));
    if (problem) {
      console.error(`error: ${problem}`);
      Deno.exit(2);
    }
  }

  const t0 = performance.now();
  console.error(`loading dataset ${dataset} ...`);
  const ds = await loadDataset(dataset, { seed: cfg.seed, dataDir: cfg.dataDir, data: cfg.data });
  ensureDir(cfg.out);
  // The loop selects the same backend again (a cached instance); selecting it here names the CPU's BLAS once.
  setBackend(cfg.backend);
  const cpu = cpuRunInfo();
  if (cpu) console.error(cpuNotice(cpu));
  const results: RunResult[] = [];
  for (const method of methods) {
    const runCfg: TrainConfig = { ...cfg, method, out: runDir(method) };
    const r = trainAndEvaluate(runCfg, ds, {
      resume: v.resume ?? false,
      stop,
      tensorboard: v.tensorboard,
      detectAnomaly: v["detect-anomaly"],
    });
    if (r.interrupted) {
      console.error(`interrupted during ${method}; checkpoint in ${runCfg.out} (continue with --resume)`);
      Deno.exit(130);
    }
    writeResults(runCfg.out, r);
    writeChart(`${runCfg.out}/run.svg`, [r], `${method} on ${ds.name}`);
    results.push(r);
  }
  if (v.compare) {
    writeJsonAtomic(`${cfg.out}/compare.json`, results.map((r) => resultsJson(r)));
    writeChart(`${cfg.out}/compare.svg`, results, `methods on ${ds.name}`);
  }
  console.log(`\n${probeTable(results)}`);
  console.log(
    `\n${methods.join(", ")} on ${ds.name}, ${cfg.epochs} epochs, seed ${cfg.seed}: ` +
      `${formatDuration((performance.now() - t0) / 1000)}; outputs in ${cfg.out}/`,
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
