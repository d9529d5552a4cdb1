/**
 * Helpers for the side-by-side scripts: run a PyTorch twin script (sequentially, after our own timings) and
 * format times for Markdown tables. Running Python needs `--allow-run` (use `deno run -A`).
 */
import { blasLine } from "../ffi/openblas.ts";
import { cpuRunInfo } from "../src/train/report.ts";
import { backend } from "../src/backend/registry.ts";

/** Median timing of one case as printed by the torch scripts (snake_case keys from JSON). */
export interface TorchCase {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  iters: number;
  repeats: number;
  gflops?: number;
}

/** Parsed output of a torch script, or why there is none. */
export type TorchResult =
  | { ok: true; meta: Record<string, unknown>; cases: Record<string, TorchCase> }
  | { ok: false; reason: string };

/** The Python interpreter for the baselines: $MMSSL_TORCH_PYTHON, else the shared venv. */
export function torchPython(): string {
  return Deno.env.get("MMSSL_TORCH_PYTHON") ?? "/tmp/tv/bin/python";
}

/**
 * Threads both sides use: $OPENBLAS_NUM_THREADS when set (OpenBLAS reads it when it loads), else 2. The
 * torch scripts get the same count through $MMSSL_TORCH_THREADS. On a busy shared host, 1 thread per side
 * (`OPENBLAS_NUM_THREADS=1`) gives steadier numbers: 2-thread torch ops stall when a core is taken.
 */
export function benchThreads(): number {
  const v = Number(Deno.env.get("OPENBLAS_NUM_THREADS") ?? "2");
  return Number.isInteger(v) && v > 0 ? v : 2;
}

/** Runs `python script args…` and parses the JSON object on its last stdout line. Never throws. */
export async function runTorchScript(scriptUrl: URL, args: string[] = []): Promise<TorchResult> {
  const python = torchPython();
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: [scriptUrl.pathname, ...args],
      env: { MMSSL_TORCH_THREADS: String(benchThreads()) },
      stdout: "piped",
      stderr: "piped",
    })
      .output();
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return {
      ok: false,
      reason: `cannot run ${python} (${msg}); set MMSSL_TORCH_PYTHON to a python with torch`,
    };
  }
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    const last = stderr.split("\n").filter((l) => l.trim()).pop() ?? `exit code ${out.code}`;
    return { ok: false, reason: `${python} ${scriptUrl.pathname} failed: ${last}` };
  }
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  try {
    const parsed = JSON.parse(lines[lines.length - 1]);
    return { ok: true, meta: parsed.meta ?? {}, cases: parsed.cases ?? {} };
  } catch {
    return { ok: false, reason: `${python} ${scriptUrl.pathname} printed no JSON on its last line` };
  }
}

/** "12.3 ms", "456 µs", "78 ns" with 3 significant digits. */
export function fmtTime(ms: number): string {
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toPrecision(3)} µs`;
  return `${(ms * 1e6).toPrecision(3)} ns`;
}

/** A Markdown table from a header row and body rows. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * One line describing the machine state (load average matters: the 2 cores are shared) and the BLAS in use
 * (file, release, threading, core; loading OpenBLAS if no backend did yet).
 */
export function machineLine(): string {
  let load = "n/a";
  try {
    load = Deno.loadavg().map((v) => v.toFixed(2)).join(" ");
  } catch { /* no sys permission */ }
  const cores = navigator.hardwareConcurrency;
  const when = new Date().toISOString();
  let model = "CPU model n/a";
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? model;
  } catch { /* reading /proc/cpuinfo needs -A */ }
  const cpu = cpuRunInfo();
  const kernels = cpu
    ? `${cpu.kernels} CPU kernels${cpu.kernelsDetail ? ` (${cpu.kernelsDetail.split(", /")[0]})` : ""}`
    : `backend ${backend().name}`;
  return `${model}, deno ${Deno.version.deno}, ${cores} cores, ${benchThreads()} BLAS/torch threads, load average ${load}, ${when}; ` +
    `${kernels}; ${blasLine()}`;
}

/** A median and a best time, in milliseconds per call. */
export interface MedianBest {
  medianMs: number;
  minMs: number;
}

/**
 * One side's figure over alternating rounds: the median of the rounds' medians and the best of their bests.
 *
 * @example
 * ```ts
 * acrossRounds([{ medianMs: 2, minMs: 1.5 }, { medianMs: 4, minMs: 1.8 }]); // { medianMs: 3, minMs: 1.5 }
 * ```
 */
export function acrossRounds(runs: MedianBest[]): MedianBest {
  const medians = runs.map((r) => r.medianMs).sort((a, b) => a - b);
  const mid = medians.length >> 1;
  const medianMs = medians.length % 2 ? medians[mid] : (medians[mid - 1] + medians[mid]) / 2;
  return { medianMs, minMs: Math.min(...runs.map((r) => r.minMs)) };
}

/** The `--rounds N` flag of the side-by-side scripts (default 2), refused unless a positive integer. */
export function roundsFlag(args: string[]): number {
  const at = args.indexOf("--rounds");
  const rounds = at >= 0 ? Number(args[at + 1]) : 2;
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds must be a positive integer, got ${args[at + 1]}`);
  }
  return rounds;
}
