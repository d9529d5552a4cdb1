/**
 * Experiments made of several training runs: every method (`--compare`), several seeds (`--seeds`), and the
 * papers' Trifeatures protocol (`--protocol unbiased-biased`: redundancy and uniqueness from a model trained
 * on unbiased pairs, synergy from a model trained on the biased pairs, reported as one result). Each run
 * writes its own folder; seeds are summarised as mean and standard deviation per method and task.
 *
 * Folder layout under OUT: `<method>/` with several methods, then `seed<N>/` with several seeds, then
 * `unbiased/` and `biased/` under the protocol (the merged results.json one level up).
 *
 * @module
 */
import { getDataset, loadDataset } from "../data/registry.ts";
import type { MultimodalDataset } from "../data/types.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import type { MethodName } from "../models/method.ts";
import { resolveConfig, type TrainConfig, type TrainConfigInput } from "./config.ts";
import { type RunResult, type StopFlag, trainAndEvaluate } from "./loop.ts";
import { resultsJson, writeChart, writeResults } from "./report.ts";
import type { BaselineScores, ProbeScores } from "./evaluate.ts";

/** How the runs of one method and seed make a result. */
export type Protocol = "single" | "unbiased-biased";

/** Tasks the protocol takes from the model trained on the biased pairs (the rest: unbiased). */
export const BIASED_TASKS: readonly string[] = ["synergy"];

/** What to run: methods, seeds, protocol, and the loop's options. */
export interface ExperimentOptions {
  /** Methods to train, in order. */
  methods: MethodName[];
  /** Seeds to train each method with; null: the configuration's one seed. */
  seeds: number[] | null;
  /** "single" (one run per method and seed) or "unbiased-biased". */
  protocol: Protocol;
  /** Continue each run from its checkpoint when there is one. */
  resume?: boolean;
  /** Set by a signal handler: stop after the current step. */
  stop?: StopFlag;
  /** TensorBoard event files per run. */
  tensorboard?: boolean;
  /** Check every primitive for the first non-finite value. */
  detectAnomaly?: boolean;
  /** Show the progress line (default true). */
  progress?: boolean;
}

/** Mean, standard deviation (n - 1) and the values of one score over seeds. */
export interface SeedStat {
  /** Mean over the seeds. */
  mean: number;
  /** Sample standard deviation (0 for one seed). */
  sd: number;
  /** The per-seed values, in seed order. */
  values: number[];
}

/** One method's outcome: its result per seed and the per-task statistics of balanced accuracy. */
export interface MethodOutcome {
  /** The method. */
  method: MethodName;
  /** One merged result per seed. */
  results: RunResult[];
  /** Per task: balanced accuracy over the seeds (paper's probe). */
  balancedAccuracy: Record<string, SeedStat>;
  /** Per baseline name and task: balanced accuracy over the seeds. */
  baselines: Record<string, Record<string, SeedStat>>;
}

/** Everything an experiment produced. */
export interface ExperimentResult {
  /** The dataset's name. */
  dataset: string;
  /** The protocol used. */
  protocol: Protocol;
  /** The seeds (one entry when --seeds was not given). */
  seeds: number[];
  /** One outcome per method. */
  outcomes: MethodOutcome[];
  /** Whether a run was interrupted (then the outcomes are partial). */
  interrupted: boolean;
}

/** The mean, sample standard deviation and values of xs. */
export function seedStat(xs: number[]): SeedStat {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, values: xs };
}

/** Takes every task from `unbiased` except BIASED_TASKS, taken from `biased`. */
function mergeScores(unbiased: ProbeScores, biased: ProbeScores): ProbeScores {
  const out: ProbeScores = {};
  for (const [task, s] of Object.entries(unbiased)) {
    out[task] = BIASED_TASKS.includes(task) ? biased[task] : s;
  }
  return out;
}

/** One result from the protocol's two runs. */
export function mergeProtocol(unbiased: RunResult, biased: RunResult): RunResult {
  const baselines: BaselineScores = {};
  for (const name of Object.keys(unbiased.baselines)) {
    baselines[name] = mergeScores(unbiased.baselines[name], biased.baselines[name] ?? {});
  }
  return {
    ...unbiased,
    probe: mergeScores(unbiased.probe, biased.probe),
    probeWeighted: mergeScores(unbiased.probeWeighted, biased.probeWeighted),
    baselines,
    selected: undefined,
    trainSeconds: unbiased.trainSeconds + biased.trainSeconds,
    history: [],
    interrupted: unbiased.interrupted || biased.interrupted,
  };
}

/** The folder of one method and seed under `out`. */
export function unitDir(out: string, method: MethodName, seed: number, opts: ExperimentOptions): string {
  let dir = out;
  if (opts.methods.length > 1) dir += `/${method}`;
  if (opts.seeds) dir += `/seed${seed}`;
  return dir;
}

/** Every folder a run of the experiment writes its checkpoint into. */
export function runDirs(out: string, seeds: number[], opts: ExperimentOptions): string[] {
  return opts.methods.flatMap((m) =>
    seeds.flatMap((s) => {
      const dir = unitDir(out, m, s, opts);
      return opts.protocol === "unbiased-biased" ? [`${dir}/unbiased`, `${dir}/biased`] : [dir];
    })
  );
}

/**
 * Runs the experiment: for each seed, each method (and under the protocol each of its two runs), resolves
 * the configuration from `layers` (plus the method and seed), loads the dataset through its cache, trains,
 * probes and writes the run's folder. Throws naming the dataset when the protocol needs biased pairs it
 * does not have.
 */
export async function runExperiment(
  layers: TrainConfigInput[],
  out: string,
  opts: ExperimentOptions,
): Promise<ExperimentResult> {
  const base = resolveConfig(...layers);
  if (opts.protocol === "unbiased-biased" && !getDataset(base.dataset).biasedPairs) {
    throw new Error(
      `--protocol unbiased-biased needs a dataset with biased and unbiased pairs (synthetic, trifeatures), ` +
        `not ${base.dataset}`,
    );
  }
  const seeds = opts.seeds ?? [base.run.seed];
  const perMethod = new Map<MethodName, RunResult[]>(opts.methods.map((m) => [m, []]));
  let dataset = base.dataset, interrupted = false;
  const load = async (cfg: TrainConfig, biased: boolean | null): Promise<MultimodalDataset> =>
    await loadDataset(cfg.dataset, {
      seed: cfg.run.seed,
      dataDir: cfg.data.dir || undefined,
      options: biased === null ? cfg.data.options : { ...cfg.data.options, biasedSsl: biased },
    });
  const train = (cfg: TrainConfig, ds: MultimodalDataset, dir: string): RunResult => {
    const runCfg: TrainConfig = { ...cfg, run: { ...cfg.run, out: dir } };
    const r = trainAndEvaluate(runCfg, ds, {
      resume: opts.resume ?? false,
      stop: opts.stop,
      tensorboard: opts.tensorboard,
      detectAnomaly: opts.detectAnomaly,
      ...(opts.progress === false ? { progress: false } : {}),
    });
    if (!r.interrupted) {
      writeResults(dir, r);
      writeChart(`${dir}/run.svg`, [r], `${cfg.method} on ${ds.name}`);
    }
    return r;
  };
  outer: for (const seed of seeds) {
    const seedLayer: TrainConfigInput = opts.seeds ? { run: { seed } } : {};
    const configs = opts.methods.map((method) => resolveConfig(...layers, seedLayer, { method }));
    if (opts.protocol === "single") {
      const ds = await load(configs[0], null);
      dataset = ds.name;
      for (const cfg of configs) {
        const r = train(cfg, ds, unitDir(out, cfg.method, seed, opts));
        if (r.interrupted) {
          interrupted = true;
          break outer;
        }
        perMethod.get(cfg.method)!.push(r);
      }
    } else {
      const unbiasedDs = await load(configs[0], false);
      const unbiased = configs.map((cfg) =>
        train(cfg, unbiasedDs, `${unitDir(out, cfg.method, seed, opts)}/unbiased`)
      );
      if (unbiased.some((r) => r.interrupted)) {
        interrupted = true;
        break;
      }
      const biasedDs = await load(configs[0], true);
      dataset = biasedDs.name;
      for (const [i, cfg] of configs.entries()) {
        const b = train(cfg, biasedDs, `${unitDir(out, cfg.method, seed, opts)}/biased`);
        if (b.interrupted) {
          interrupted = true;
          break outer;
        }
        const merged = mergeProtocol(unbiased[i], b);
        writeResults(unitDir(out, cfg.method, seed, opts), merged);
        perMethod.get(cfg.method)!.push(merged);
      }
    }
  }
  const outcomes: MethodOutcome[] = opts.methods.map((method) => {
    const results = perMethod.get(method)!;
    const stat = (pick: (r: RunResult) => ProbeScores) => {
      const tasks = results.length ? Object.keys(pick(results[0])) : [];
      return Object.fromEntries(
        tasks.map((t) => [t, seedStat(results.map((r) => pick(r)[t].balancedAccuracy))]),
      );
    };
    const baselineNames = results.length ? Object.keys(results[0].baselines) : [];
    return {
      method,
      results,
      balancedAccuracy: stat((r) => r.probe),
      baselines: Object.fromEntries(baselineNames.map((n) => [n, stat((r) => r.baselines[n])])),
    };
  });
  const result: ExperimentResult = { dataset, protocol: opts.protocol, seeds, outcomes, interrupted };
  if (!interrupted && (opts.seeds || opts.methods.length > 1 || opts.protocol !== "single")) {
    writeJsonAtomic(`${out}/summary.json`, summaryJson(result));
  }
  return result;
}

/** The JSON of OUT/summary.json: per method, the per-task statistics and each seed's results.json. */
export function summaryJson(r: ExperimentResult): unknown {
  return {
    dataset: r.dataset,
    protocol: r.protocol,
    seeds: r.seeds,
    methods: Object.fromEntries(r.outcomes.map((o) => [o.method, {
      balancedAccuracy: o.balancedAccuracy,
      baselines: o.baselines,
      runs: o.results.map((x) => resultsJson(x)),
    }])),
  };
}

/** "method  task  mean ± sd (n)" rows of balanced accuracy in %, methods then their baselines. */
export function summaryTable(r: ExperimentResult): string {
  const lines = [`balanced accuracy % over seeds ${r.seeds.join(", ")} (mean ± sd), protocol ${r.protocol}:`];
  const fmt = (s: SeedStat) => `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}`;
  const tasks = r.outcomes[0] ? Object.keys(r.outcomes[0].balancedAccuracy) : [];
  const row = (label: string, stats: Record<string, SeedStat>) =>
    [label.padEnd(24), ...tasks.map((t) => (stats[t] ? fmt(stats[t]) : "-").padStart(14))].join("");
  lines.push(["method".padEnd(24), ...tasks.map((t) => t.padStart(14))].join(""));
  for (const o of r.outcomes) {
    lines.push(row(o.method, o.balancedAccuracy));
    for (const [name, stats] of Object.entries(o.baselines)) {
      if (name !== "raw") lines.push(row(`  ${o.method}:${name}`, stats));
    }
  }
  // the raw inputs do not depend on the method: one row
  const raw = r.outcomes.find((o) => o.baselines.raw)?.baselines.raw;
  if (raw) lines.push(row("raw inputs (baseline)", raw));
  return lines.join("\n");
}
