/**
 * Run outputs people read: results.json, the probe table and an SVG of losses and probe scores.
 *
 * @module
 */
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { barChartSvg, composeSvgs, lineChartSvg } from "../io/svg_chart.ts";
import { formatProbeTable } from "../io/table.ts";
import type { RunResult } from "./loop.ts";
import type { Backend } from "../backend/backend.ts";
import { backend } from "../backend/registry.ts";
import { CpuBackend } from "../backend/cpu/cpu_backend.ts";
import { NativeCpuBackend } from "../backend/native/native_cpu_backend.ts";
import { describeBlas } from "../../ffi/openblas.ts";

/**
 * results.json's `cpu` entry (API.md): the BLAS library, its version, core and threading, and whether the
 * native CPU kernels or the TypeScript kernels ran.
 */
export interface CpuRunInfo {
  /** One line: release, threading, core, file and who chose the core (or why there is no BLAS). */
  blas: string;
  /** The OpenBLAS kernels in use, e.g. "Zen", "SkylakeX" ("" without BLAS). */
  blasCore: string;
  /** The file or soname opened ("" without BLAS). */
  blasPath: string;
  /**
   * `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY USE_OPENMP Zen
   * MAX_THREADS=64".
   */
  blasVersion: string;
  /** "openmp", "pthreads", "sequential", "unknown" ("" without BLAS). */
  blasThreading: string;
  /** Which element-wise kernels ran: the native C library or the TypeScript fallback. */
  kernels: "native" | "typescript";
  /** The native library: compiler, flags, OpenMP threads and file ("" for the TypeScript kernels). */
  kernelsDetail: string;
}

/** The CPU entry for a CPU backend (the active one by default), undefined for other backends. */
export function cpuRunInfo(b: Backend = backend()): CpuRunInfo | undefined {
  if (!(b instanceof CpuBackend)) return undefined;
  const kernels = b instanceof NativeCpuBackend ? "native" : "typescript";
  const kernelsDetail = b instanceof NativeCpuBackend
    ? `${b.native.compiler} ${b.native.flags}, ${b.native.threads} OpenMP threads, ${b.native.path}`
    : "";
  const info = b.gemm.blas;
  if (b.gemm.kind !== "openblas" || !info) {
    const why = b.gemm.kind === "openblas" ? b.gemm.detail : `no BLAS (${b.gemm.detail.split("\n")[0]})`;
    return {
      blas: why,
      blasCore: "",
      blasPath: "",
      blasVersion: "",
      blasThreading: "",
      kernels,
      kernelsDetail,
    };
  }
  return {
    blas: describeBlas(info),
    blasCore: info.core,
    blasPath: info.path,
    blasVersion: info.version,
    blasThreading: info.threading,
    kernels,
    kernelsDetail,
  };
}

/** The one-line notice printed when training starts on the CPU. */
export function cpuNotice(info: CpuRunInfo): string {
  return `[mmssl] cpu: ${info.kernels} kernels, BLAS ${info.blas}`;
}

/** The results.json object of API.md (accuracies as fractions). */
export interface ResultsJson {
  /** The method trained. */
  method: string;
  /** The dataset's name. */
  dataset: string;
  /** The run's seed. */
  seed: number;
  /** The configured number of epochs. */
  epochs: number;
  /** The paper's (unweighted) probe per task; auroc only for binary tasks. */
  probe: Record<string, { balancedAccuracy: number; accuracy: number; auroc?: number }>;
  /** An addition to API.md's format: the same probe with balanced class weights. */
  probeClassWeighted: Record<string, { balancedAccuracy: number; accuracy: number; auroc?: number }>;
  /**
   * An addition of API.md (2026-12-01): the same paper's probe on the raw concatenated inputs (`raw`, when
   * they are small) and on each modality's own features (`modality0`, `modality1`, ...).
   */
  baselines: Record<string, Record<string, { balancedAccuracy: number; accuracy: number; auroc?: number }>>;
  /** With `--select best-val`: the selected epoch, its validation score and the paper's probe there. */
  selected?: {
    epoch: number;
    score: number;
    probe: Record<string, { balancedAccuracy: number; accuracy: number; auroc?: number }>;
  };
  /** Wall-clock seconds of training. */
  trainSeconds: number;
  /** An addition of API.md (2026-12-01): the BLAS and kernels of a CPU run; absent on other backends. */
  cpu?: CpuRunInfo;
}

function scoresOf(p: RunResult["probe"]): ResultsJson["probe"] {
  const out: ResultsJson["probe"] = {};
  for (const [task, s] of Object.entries(p)) {
    out[task] = {
      balancedAccuracy: s.balancedAccuracy,
      accuracy: s.accuracy,
      ...(s.auroc !== undefined ? { auroc: s.auroc } : {}),
    };
  }
  return out;
}

/** The results.json object of a run; `cpu` describes the active backend when it is the CPU. */
export function resultsJson(r: RunResult): ResultsJson {
  const cpu = cpuRunInfo();
  return {
    method: r.method,
    dataset: r.dataset,
    seed: r.seed,
    epochs: r.epochs,
    probe: scoresOf(r.probe),
    probeClassWeighted: scoresOf(r.probeWeighted),
    baselines: Object.fromEntries(Object.entries(r.baselines).map(([k, v]) => [k, scoresOf(v)])),
    ...(r.selected
      ? { selected: { epoch: r.selected.epoch, score: r.selected.score, probe: scoresOf(r.selected.probe) } }
      : {}),
    trainSeconds: r.trainSeconds,
    ...(cpu ? { cpu } : {}),
  };
}

/** Writes {@link resultsJson} of a run to `dir`/results.json (atomically). */
export function writeResults(dir: string, r: RunResult): void {
  writeJsonAtomic(`${dir}/results.json`, resultsJson(r));
}

/** The plain-text tables of balanced accuracy (and accuracy, AUROC) per method and task, for both probes. */
export function probeTable(results: RunResult[]): string {
  const plain = formatProbeTable(results.map((r) => ({ method: r.method, probe: r.probe })), { decimals: 3 });
  const weighted = formatProbeTable(results.map((r) => ({ method: r.method, probe: r.probeWeighted })), {
    decimals: 3,
  });
  let text =
    `linear probe (the paper's, unweighted):\n${plain}\n\nlinear probe with balanced class weights:\n${weighted}`;
  const withBaselines = results.filter((r) => Object.keys(r.baselines).length > 0);
  if (withBaselines.length) {
    const entries = withBaselines.flatMap((r) =>
      Object.entries(r.baselines).map(([name, probe]) => ({ method: `${r.method}:${name}`, probe }))
    );
    text +=
      `\n\nbaselines, the paper's probe (raw = the inputs concatenated; modality<i> = that modality's own ` +
      `features from the trained model):\n${formatProbeTable(entries, { decimals: 3 })}`;
  }
  const withSelection = results.filter((r) => r.selected);
  if (withSelection.length) {
    const entries = withSelection.map((r) => ({
      method: `${r.method}@epoch${r.selected!.epoch}`,
      probe: r.selected!.probe,
    }));
    text += `\n\nthe epoch selected by the validation probe (never the test split), the paper's probe:\n${
      formatProbeTable(entries, { decimals: 3 })
    }`;
  }
  return text;
}

/** An SVG with each run's loss curve and a bar chart of probe balanced accuracy per task and method. */
export function runChartSvg(results: RunResult[], title: string): string {
  const losses = lineChartSvg({
    title: `${title}: training loss`,
    xLabel: "epoch",
    yLabel: "loss",
    series: results.map((r) => ({
      name: r.method,
      points: r.history.map((h) => [h.epoch, h.loss] as [number, number]),
    })),
  });
  const tasks = [...new Set(results.flatMap((r) => Object.keys(r.probe)))];
  if (tasks.length === 0) return composeSvgs(losses);
  const bars = barChartSvg({
    title: `${title}: linear probe (balanced accuracy)`,
    groups: tasks,
    series: results.map((r) => ({
      name: r.method,
      values: tasks.map((t) => r.probe[t]?.balancedAccuracy ?? NaN),
    })),
    yMin: 0,
    yMax: 1,
    yLabel: "balanced accuracy",
    showValues: true,
  });
  return composeSvgs(losses, bars);
}

/** Writes {@link runChartSvg} of the runs to `path` (atomically). */
export function writeChart(path: string, results: RunResult[], title: string): void {
  writeFileAtomic(path, runChartSvg(results, title));
}
