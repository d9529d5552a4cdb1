/**
 * Our engine vs PyTorch, side by side: sgemm GFLOP/s (n = 256..2048), the six skinny GEMMs of the
 * transformer-layer benchmark, 1M-element add/mul/exp/gelu and the
 * per-call overhead of tiny ops. Our cases run with bench/harness.ts' loop (warm-up, median of repeats), then
 * bench/torch_baselines.py runs (never concurrently: the machine has 2 cores), and the two sides alternate for
 * `--rounds` rounds (default 2): each side's figure is the median of its rounds' medians and the best of its
 * rounds' bests, so a slow minute on a shared host does not land on one side only.
 *
 * Run: `deno run -A bench/compare.ts [--quick] [--rounds N]` (-A: it needs `run` permission to start Python).
 * Python: $MMSSL_TORCH_PYTHON, default /tmp/tv/bin/python; without torch only our numbers are shown.
 */
import {
  type BenchCase,
  blasSgemmCases,
  elementwiseCases,
  layerGemmCases,
  nativeSgemmCases,
  opSgemmCases,
  overheadCases,
  tsSgemmCases,
} from "./cases.ts";
import { timeIt, type Timing } from "./harness.ts";
import {
  acrossRounds,
  fmtTime,
  machineLine,
  markdownTable,
  roundsFlag,
  runTorchScript,
  type TorchCase,
} from "./report.ts";
import { backend } from "../src/tensor/mod.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";

const quick = Deno.args.includes("--quick");
const timeOpts = quick
  ? { warmupMs: 50, repeats: 3, minRepeatMs: 30 }
  : { warmupMs: 200, repeats: 7, minRepeatMs: 100 };

function measure(cases: BenchCase[]): Timing[] {
  return cases.map((c) => {
    const t = timeIt(c.run, timeOpts);
    console.error(`  ours  ${c.name.padEnd(22)} ${fmtTime(t.medianMs)}`);
    return t;
  });
}

const rounds = roundsFlag(Deno.args);

console.log(`# Engine vs PyTorch (${quick ? "quick" : "full"} run, ${rounds} alternating rounds)\n`);
console.log(machineLine());
const b = backend();
if (b instanceof CpuBackend) console.log(`GEMM: ${b.gemm.kind} (${b.gemm.detail})`);

const cases = [
  ...blasSgemmCases(),
  ...opSgemmCases(),
  ...nativeSgemmCases(),
  ...tsSgemmCases(),
  ...layerGemmCases(),
  ...elementwiseCases(),
  ...overheadCases(),
];
const ourRuns: Timing[][] = [];
const torchRuns: Record<string, TorchCase>[] = [];
let torch: Awaited<ReturnType<typeof runTorchScript>> = { ok: false, reason: "not run" };
for (let r = 0; r < rounds; r++) {
  console.error(`round ${r + 1}/${rounds}: timing our engine…`);
  ourRuns.push(measure(cases));
  console.error(`round ${r + 1}/${rounds}: timing PyTorch…`);
  torch = await runTorchScript(new URL("./torch_baselines.py", import.meta.url), quick ? ["--quick"] : []);
  if (!torch.ok) break; // no Python with torch: one round of ours is enough
  torchRuns.push(torch.cases);
}
if (torch.ok) console.log(`PyTorch ${torch.meta.torch}, ${torch.meta.threads} threads`);
else console.log(`PyTorch baseline unavailable: ${torch.reason}. Showing our numbers only.`);
console.log();

const ours = cases.map((c, i) => ({ c, t: acrossRounds(ourRuns.map((run) => run[i])) }));
/** Torch's (or numpy's) figure for a case over the rounds, in our field names. */
function torchCase(key: string): { medianMs: number; minMs: number } | undefined {
  const runs = torchRuns.map((cs) => cs[key]).filter((tc): tc is TorchCase => tc !== undefined);
  return runs.length
    ? acrossRounds(runs.map((tc) => ({ medianMs: tc.median_ms, minMs: tc.min_ms })))
    : undefined;
}

const rows = ours.map(({ c, t }) => {
  // the no-BLAS native GEMM and the op-layer product are compared with torch's mm of the same size
  const key = c.name.replace(/^sgemm_native_/, "sgemm_").replace(/^sgemm_1024_op$/, "sgemm_1024");
  const tc = torch.ok ? torchCase(key) : undefined;
  const value = (ms: number) =>
    c.flops ? `${(c.flops / (ms * 1e6)).toFixed(1)} GFLOP/s (${fmtTime(ms)})` : fmtTime(ms);
  const row = [c.label, value(t.medianMs), value(t.minMs)];
  if (torch.ok) {
    row.push(tc ? value(tc.medianMs) : "—", tc ? value(tc.minMs) : "—");
    row.push(tc ? `${(tc.medianMs / t.medianMs).toFixed(2)}; ${(tc.minMs / t.minMs).toFixed(2)}` : "—");
  }
  return row;
});
const header = torch.ok
  ? ["case", "ours median", "ours best", "torch median", "torch best", "ours/torch speed (median; best)"]
  : ["case", "ours median", "ours best"];
console.log(markdownTable(header, rows));

// numpy's `a @ b` (its bundled OpenBLAS), timed in the same Python process as torch
const numpyRows = ours.filter(({ c }) => /^sgemm_(\d+|1024_op)$/.test(c.name)).flatMap(({ c, t }) => {
  const np = torch.ok ? torchCase(`numpy_${c.name.replace("_op", "")}`) : undefined;
  if (!np || !c.flops) return [];
  const g = (ms: number) => `${(c.flops! / (ms * 1e6)).toFixed(1)} GFLOP/s`;
  return [[c.label, g(t.medianMs), g(np.medianMs), (np.medianMs / t.medianMs).toFixed(2)]];
});
if (numpyRows.length) {
  const npVersion = torch.ok ? String(torch.meta.numpy ?? "?") : "?";
  console.log(`\nAgainst numpy ${npVersion} \`a @ b\` (float32, its bundled OpenBLAS), medians:\n`);
  console.log(markdownTable(["case", "ours", "numpy", "ours/numpy speed"], numpyRows));
}
if (torch.ok) {
  console.log(
    "\nspeed ratio > 1: ours faster; < 1: torch faster. Median and best (minimum) of the repeats' mean time per " +
      `call, over ${torchRuns.length} alternating rounds per side; on a shared host the best is the less ` +
      "disturbed estimate.",
  );
}
