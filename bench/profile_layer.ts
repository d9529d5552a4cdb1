/**
 * Where the transformer layer's time goes: every backend method of the active backend is wrapped with a timer
 * (bench/profiler.ts) while the bench/layer_case.ts step runs, split into forward, backward and zero-grad
 * phases. Prints time per step by op category and phase, the time spent outside kernels (op layer, autograd,
 * tidy, JS), and the most expensive individual kernels (with GFLOP/s for GEMMs).
 *
 * Run: `deno run -P bench/profile_layer.ts [--steps N]`.
 */
import { parseArgs } from "node:util";
import { backend, mul, sum, tidy } from "../src/tensor/mod.ts";
import { makeLayerWorkload } from "./layer_case.ts";
import { type Profile, profileBackend, resetProfile } from "./profiler.ts";
import { fmtTime, machineLine, markdownTable } from "./report.ts";

const { values } = parseArgs({ args: Deno.args, options: { steps: { type: "string", default: "10" } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  throw new Error(`--steps must be a positive integer, got ${values.steps}`);
}

const wl = makeLayerWorkload();
const { layer, x, w } = wl;
const prof: Profile = profileBackend(backend());
const wall = new Map<string, number>();
const addWall = (phase: string, ms: number) => wall.set(phase, (wall.get(phase) ?? 0) + ms);

function phasedStep(): void {
  let t0 = performance.now();
  prof.phase = "zeroGrad";
  layer.zeroGrad();
  if (x.grad) {
    x.grad.dispose();
    x.grad = null;
  }
  addWall("zeroGrad", performance.now() - t0);
  tidy(() => {
    t0 = performance.now();
    prof.phase = "forward";
    const loss = sum(mul(layer.forward(x), w));
    addWall("forward", performance.now() - t0);
    t0 = performance.now();
    prof.phase = "backward";
    loss.backward();
    addWall("backward", performance.now() - t0);
    t0 = performance.now();
    prof.phase = "tidy";
  });
  addWall("tidy", performance.now() - t0);
}

for (let i = 0; i < 3; i++) phasedStep(); // warm-up (JIT, buffer pool)
resetProfile(prof);
wall.clear();
const t0 = performance.now();
for (let i = 0; i < steps; i++) phasedStep();
const total = (performance.now() - t0) / steps;

console.log(`# Profile of one pre-LN transformer layer step (mean of ${steps} steps)\n`);
console.log(machineLine());
console.log(`wall time per step (forward + backward + zero-grad): ${fmtTime(total)}\n`);

let kernelMs = 0;
for (const e of prof.byCategory.values()) kernelMs += e.ms;
const cats = [...prof.byCategory.entries()].sort((a, b) => b[1].ms - a[1].ms);
const rows = cats.map(([name, e]) => [
  name,
  fmtTime(e.ms / steps),
  `${((100 * e.ms) / steps / total).toFixed(1)} %`,
  String(e.calls / steps),
  e.flops ? `${(e.flops / (e.ms * 1e6)).toFixed(1)}` : "",
]);
const outside = total - kernelMs / steps;
rows.push([
  "outside kernels (op layer, autograd, tidy, JS)",
  fmtTime(outside),
  `${((100 * outside) / total).toFixed(1)} %`,
  "",
  "",
]);
console.log("## By op category\n");
console.log(markdownTable(["category", "ms/step", "% of wall", "calls/step", "GFLOP/s"], rows));

console.log("\n## By phase\n");
const phases = ["forward", "backward", "tidy", "zeroGrad"];
const catNames = cats.map(([n]) => n);
const phaseRows = phases.map((ph) => {
  const cells = catNames.map((c) => {
    const e = prof.byPhase.get(`${ph}\t${c}`);
    return e ? fmtTime(e.ms / steps) : "";
  });
  return [ph, fmtTime((wall.get(ph) ?? 0) / steps), ...cells];
});
console.log(markdownTable(["phase", "wall", ...catNames], phaseRows));

console.log("\n## Top kernels\n");
const keys = [...prof.byKey.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
console.log(markdownTable(
  ["kernel", "ms/step", "% of wall", "calls/step", "ms/call", "GFLOP/s"],
  keys.map(([k, e]) => [
    k,
    fmtTime(e.ms / steps),
    `${((100 * e.ms) / steps / total).toFixed(1)} %`,
    String(e.calls / steps),
    fmtTime(e.ms / e.calls),
    e.flops ? (e.flops / (e.ms * 1e6)).toFixed(1) : "",
  ]),
));
