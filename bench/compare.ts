/**
 * Our engine vs PyTorch, side by side: sgemm GFLOP/s (n = 256..2048), the six skinny GEMMs of the
 * transformer-layer benchmark, 1M-element add/mul/exp/gelu and the
 * per-call overhead of tiny ops. Our cases run first with bench/harness.ts' loop (warm-up, median of repeats),
 * then bench/torch_baselines.py runs (never concurrently: the machine has 2 cores).
 *
 * Run: `deno run -A bench/compare.ts [--quick]` (-A: it needs `run` permission to start Python).
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
import { fmtTime, machineLine, markdownTable, runTorchScript, type TorchCase } from "./report.ts";
import { backend } from "../src/tensor/mod.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";

const quick = Deno.args.includes("--quick");
const timeOpts = quick
  ? { warmupMs: 50, repeats: 3, minRepeatMs: 30 }
  : { warmupMs: 200, repeats: 7, minRepeatMs: 100 };

function measure(cases: BenchCase[]): { c: BenchCase; t: Timing }[] {
  return cases.map((c) => {
    const t = timeIt(c.run, timeOpts);
    console.error(`  ours  ${c.name.padEnd(22)} ${fmtTime(t.medianMs)}`);
    return { c, t };
  });
}

console.log(`# Engine vs PyTorch (${quick ? "quick" : "full"} run)\n`);
console.log(machineLine());
const b = backend();
if (b instanceof CpuBackend) console.log(`GEMM: ${b.gemm.kind} (${b.gemm.detail})`);

console.error("timing our engine…");
const ours = [
  ...measure(blasSgemmCases()),
  ...measure(opSgemmCases()),
  ...measure(nativeSgemmCases()),
  ...measure(tsSgemmCases()),
  ...measure(layerGemmCases()),
  ...measure(elementwiseCases()),
  ...measure(overheadCases()),
];

console.error("timing PyTorch…");
const torch = await runTorchScript(
  new URL("./torch_baselines.py", import.meta.url),
  quick ? ["--quick"] : [],
);
if (torch.ok) console.log(`PyTorch ${torch.meta.torch}, ${torch.meta.threads} threads`);
else console.log(`PyTorch baseline unavailable: ${torch.reason}. Showing our numbers only.`);
console.log();

const rows = ours.map(({ c, t }) => {
  // the no-BLAS native GEMM and the op-layer product are compared with torch's mm of the same size
  const key = c.name.replace(/^sgemm_native_/, "sgemm_").replace(/^sgemm_1024_op$/, "sgemm_1024");
  const tc: TorchCase | undefined = torch.ok ? torch.cases[key] : undefined;
  const value = (ms: number) =>
    c.flops ? `${(c.flops / (ms * 1e6)).toFixed(1)} GFLOP/s (${fmtTime(ms)})` : fmtTime(ms);
  const row = [c.label, value(t.medianMs), value(t.minMs)];
  if (torch.ok) {
    row.push(tc ? value(tc.median_ms) : "—", tc ? value(tc.min_ms) : "—");
    row.push(tc ? `${(tc.median_ms / t.medianMs).toFixed(2)}; ${(tc.min_ms / t.minMs).toFixed(2)}` : "—");
  }
  return row;
});
const header = torch.ok
  ? ["case", "ours median", "ours best", "torch median", "torch best", "ours/torch speed (median; best)"]
  : ["case", "ours median", "ours best"];
console.log(markdownTable(header, rows));

// numpy's `a @ b` (its bundled OpenBLAS), timed in the same Python process as torch
const numpyRows = ours.filter(({ c }) => /^sgemm_(\d+|1024_op)$/.test(c.name)).flatMap(({ c, t }) => {
  const np: TorchCase | undefined = torch.ok ? torch.cases[`numpy_${c.name.replace("_op", "")}`] : undefined;
  if (!np || !c.flops) return [];
  const g = (ms: number) => `${(c.flops! / (ms * 1e6)).toFixed(1)} GFLOP/s`;
  return [[c.label, g(t.medianMs), g(np.median_ms), (np.median_ms / t.medianMs).toFixed(2)]];
});
if (numpyRows.length) {
  const npVersion = torch.ok ? String(torch.meta.numpy ?? "?") : "?";
  console.log(`\nAgainst numpy ${npVersion} \`a @ b\` (float32, its bundled OpenBLAS), medians:\n`);
  console.log(markdownTable(["case", "ours", "numpy", "ours/numpy speed"], numpyRows));
}
if (torch.ok) {
  console.log(
    "\nspeed ratio > 1: ours faster; < 1: torch faster. Median and best (minimum) of the repeats' mean time per " +
      "call; on a shared host the best is the less disturbed estimate.",
  );
}
