/**
 * One pre-LN transformer encoder layer (batch 64, 50 tokens, width 40, 5 heads, FFN 2048, dropout 0):
 * forward + backward time per iteration (median), ours then PyTorch's (bench/torch_transformer_layer.py, run
 * after ours, never concurrently), with the ratio.
 *
 * Run: `deno run -A bench/transformer_layer.ts [--quick]` (-A: it needs `run` permission to start Python).
 * Python: $MMSSL_TORCH_PYTHON, default /tmp/tv/bin/python; without torch only our numbers are shown.
 */
import { numLiveTensors } from "../src/tensor/mod.ts";
import { timeIt } from "./harness.ts";
import { LAYER_SHAPE, makeLayerWorkload } from "./layer_case.ts";
import { fmtTime, machineLine, markdownTable, runTorchScript } from "./report.ts";

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

const w = makeLayerWorkload();
w.step(); // the parameters' gradients exist from here on
const live0 = numLiveTensors();
const ours = { layer_fwd_bwd: timeIt(w.step, opts), layer_fwd: timeIt(w.forward, opts) };
const leaked = numLiveTensors() - live0;
if (leaked > 0) console.log(`warning: ${leaked} tensors leaked over the timed steps`);

const torch = await runTorchScript(
  new URL("./torch_transformer_layer.py", import.meta.url),
  quick ? ["--quick"] : [],
);
if (torch.ok) console.log(`PyTorch ${torch.meta.torch}, ${torch.meta.threads} threads`);
else console.log(`PyTorch baseline unavailable: ${torch.reason}. Showing our numbers only.`);
console.log();

const labels = { layer_fwd_bwd: "forward + backward", layer_fwd: "forward only (no grad)" };
const rows = (Object.keys(ours) as (keyof typeof ours)[]).map((k) => {
  const row = [
    labels[k],
    `${fmtTime(ours[k].medianMs)} (${fmtTime(ours[k].minMs)}–${fmtTime(ours[k].maxMs)})`,
  ];
  const tc = torch.ok ? torch.cases[k] : undefined;
  if (torch.ok) {
    row.push(tc ? `${fmtTime(tc.median_ms)} (${fmtTime(tc.min_ms)}–${fmtTime(tc.max_ms)})` : "—");
    row.push(tc ? (tc.median_ms / ours[k].medianMs).toFixed(2) : "—");
  }
  return row;
});
const header = torch.ok
  ? ["per iteration", "ours median (min–max)", "torch median (min–max)", "ours/torch speed"]
  : ["per iteration", "ours median (min–max)"];
console.log(markdownTable(header, rows));
