/**
 * One pre-LN transformer encoder layer (batch 64, 50 tokens, width 40, 5 heads, FFN 2048, dropout 0):
 * forward + backward time per iteration (median), ours then PyTorch's (bench/torch_transformer_layer.py, run
 * after ours, never concurrently), alternating for `--rounds` rounds (default 2; medians of the rounds'
 * medians, best of their bests), with the ratio.
 *
 * Run: `deno run -A bench/transformer_layer.ts [--quick] [--rounds N]` (-A: it needs `run` permission to start
 * Python).
 * Python: $MMSSL_TORCH_PYTHON, default /tmp/tv/bin/python; without torch only our numbers are shown.
 */
import { numLiveTensors } from "../src/tensor/mod.ts";
import { timeIt } from "./harness.ts";
import { LAYER_SHAPE, makeLayerWorkload } from "./layer_case.ts";
import {
  acrossRounds,
  fmtTime,
  machineLine,
  markdownTable,
  type MedianBest,
  roundsFlag,
  runTorchScript,
} from "./report.ts";

const quick = Deno.args.includes("--quick");
const opts = quick
  ? { warmupMs: 300, repeats: 3, minRepeatMs: 100 }
  : { warmupMs: 1000, repeats: 7, minRepeatMs: 300 };

console.log(`# Transformer encoder layer, ours vs PyTorch (${quick ? "quick" : "full"} run)\n`);
console.log(machineLine());
const { batch, tokens, width, heads, ffn } = LAYER_SHAPE;
console.log(
  `pre-LN layer: batch ${batch}, ${tokens} tokens, width ${width}, ${heads} heads, FFN ${ffn}, ReLU, dropout 0`,
);

const rounds = roundsFlag(Deno.args);
const w = makeLayerWorkload();
w.step(); // the parameters' gradients exist from here on
const live0 = numLiveTensors();
const cases = { layer_fwd_bwd: w.step, layer_fwd: w.forward };
type CaseName = keyof typeof cases;
const names = Object.keys(cases) as CaseName[];
const ourRuns: Record<CaseName, MedianBest[]> = { layer_fwd_bwd: [], layer_fwd: [] };
const torchRuns: Record<CaseName, MedianBest[]> = { layer_fwd_bwd: [], layer_fwd: [] };
let torch: Awaited<ReturnType<typeof runTorchScript>> = { ok: false, reason: "not run" };
for (let r = 0; r < rounds; r++) {
  for (const k of names) ourRuns[k].push(timeIt(cases[k], opts));
  torch = await runTorchScript(
    new URL("./torch_transformer_layer.py", import.meta.url),
    quick ? ["--quick"] : [],
  );
  if (!torch.ok) break; // no Python with torch: one round of ours is enough
  for (const k of names) {
    const tc = torch.cases[k];
    if (tc) torchRuns[k].push({ medianMs: tc.median_ms, minMs: tc.min_ms });
  }
}
const leaked = numLiveTensors() - live0;
if (leaked > 0) console.log(`warning: ${leaked} tensors leaked over the timed steps`);
if (torch.ok) {
  console.log(`PyTorch ${torch.meta.torch}, ${torch.meta.threads} threads, ${rounds} alternating rounds`);
} else console.log(`PyTorch baseline unavailable: ${torch.reason}. Showing our numbers only.`);
console.log();

const labels = { layer_fwd_bwd: "forward + backward", layer_fwd: "forward only (no grad)" };
const rows = names.map((k) => {
  const o = acrossRounds(ourRuns[k]);
  const row = [labels[k], `${fmtTime(o.medianMs)} (best ${fmtTime(o.minMs)})`];
  if (torch.ok) {
    const t = torchRuns[k].length ? acrossRounds(torchRuns[k]) : undefined;
    row.push(t ? `${fmtTime(t.medianMs)} (best ${fmtTime(t.minMs)})` : "—");
    row.push(t ? `${(t.medianMs / o.medianMs).toFixed(2)}; ${(t.minMs / o.minMs).toFixed(2)}` : "—");
  }
  return row;
});
const header = torch.ok
  ? ["per iteration", "ours median (best)", "torch median (best)", "ours/torch speed (median; best)"]
  : ["per iteration", "ours median (best)"];
console.log(markdownTable(header, rows));
