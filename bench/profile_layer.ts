/**
 * Where the transformer layer's time goes: every backend method of the active backend is wrapped with a timer
 * (bench/profiler.ts) while the bench/layer_case.ts step runs, split into forward, backward and zero-grad
 * phases. Prints the median over steps of the time per step by op category and phase, the time spent outside kernels (op layer, autograd,
 * tidy, JS), and the most expensive individual kernels (with GFLOP/s for GEMMs).
 *
 * Run: `deno run -P bench/profile_layer.ts [--steps N]`.
 */
import { parseArgs } from "node:util";
import { backend, mul, sum, tidy } from "../src/tensor/mod.ts";
import { makeLayerWorkload } from "./layer_case.ts";
import { type Profile, profileBackend, type ProfileEntry, resetProfile } from "./profiler.ts";
import { fmtTime, machineLine, markdownTable } from "./report.ts";

const { values } = parseArgs({ args: Deno.args, options: { steps: { type: "string", default: "15" } } });
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

// One snapshot per step; medians over steps keep a step disturbed by other processes from skewing a row.
type Snap = {
  wall: number;
  phases: Map<string, number>;
  cat: Map<string, ProfileEntry>;
  key: Map<string, ProfileEntry>;
  ph: Map<string, ProfileEntry>;
};
const snaps: Snap[] = [];
for (let i = 0; i < steps; i++) {
  resetProfile(prof);
  wall.clear();
  const t0 = performance.now();
  phasedStep();
  const ms = performance.now() - t0;
  snaps.push({
    wall: ms,
    phases: new Map(wall),
    cat: new Map(prof.byCategory),
    key: new Map(prof.byKey),
    ph: new Map(prof.byPhase),
  });
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
/** Median ms per step of one entry, with its calls and flops per step (constant across steps). */
function stat(pick: (s: Snap) => Map<string, ProfileEntry>, k: string): ProfileEntry {
  const e = snaps.map((s) => pick(s).get(k));
  const first = e.find((x) => x) ?? { ms: 0, calls: 0, flops: 0 };
  return { ms: median(e.map((x) => x?.ms ?? 0)), calls: first.calls, flops: first.flops };
}
const keysOf = (
  pick: (s: Snap) => Map<string, ProfileEntry>,
) => [...new Set(snaps.flatMap((s) => [...pick(s).keys()]))];
const total = median(snaps.map((s) => s.wall));
const gflops = (e: ProfileEntry) => (e.flops && e.ms > 0 ? (e.flops / (e.ms * 1e6)).toFixed(1) : "");
const pct = (ms: number) => `${((100 * ms) / total).toFixed(1)} %`;

console.log(`# Profile of one pre-LN transformer layer step (median of ${steps} steps)\n`);
console.log(machineLine());
console.log(
  `wall time per step (forward + backward + zero-grad), median: ${fmtTime(total)} ` +
    `(min ${fmtTime(Math.min(...snaps.map((s) => s.wall)))}, max ${
      fmtTime(Math.max(...snaps.map((s) => s.wall)))
    })\n`,
);

const cats = keysOf((s) => s.cat).map((k) => [k, stat((s) => s.cat, k)] as const).sort((a, b) =>
  b[1].ms - a[1].ms
);
let kernelMs = 0;
for (const [, e] of cats) kernelMs += e.ms;
const rows = cats.map(([name, e]) => [name, fmtTime(e.ms), pct(e.ms), String(e.calls), gflops(e)]);
const outside = total - kernelMs;
rows.push(["outside kernels (op layer, autograd, tidy, JS)", fmtTime(outside), pct(outside), "", ""]);
console.log("## By op category\n");
console.log(markdownTable(["category", "ms/step", "% of wall", "calls/step", "GFLOP/s"], rows));

console.log("\n## By phase\n");
const catNames = cats.map(([n]) => n);
const phaseRows = ["forward", "backward", "tidy", "zeroGrad"].map((ph) => {
  const cells = catNames.map((c) => {
    const e = stat((s) => s.ph, `${ph}\t${c}`);
    return e.calls ? fmtTime(e.ms) : "";
  });
  return [ph, fmtTime(median(snaps.map((s) => s.phases.get(ph) ?? 0))), ...cells];
});
console.log(markdownTable(["phase", "wall", ...catNames], phaseRows));

console.log("\n## Top kernels\n");
const top = keysOf((s) => s.key).map((k) => [k, stat((s) => s.key, k)] as const).sort((a, b) =>
  b[1].ms - a[1].ms
)
  .slice(0, 25);
console.log(markdownTable(
  ["kernel", "ms/step", "% of wall", "calls/step", "ms/call", "GFLOP/s"],
  top.map(([k, e]) => [k, fmtTime(e.ms), pct(e.ms), String(e.calls), fmtTime(e.ms / e.calls), gflops(e)]),
));
