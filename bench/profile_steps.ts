/**
 * Profiles repeated training steps: wraps the active backend with timers (bench/profiler.ts), runs warm-up
 * steps, then one snapshot per timed step, and prints the median per step by op category, by phase, and the
 * most expensive kernels (GFLOP/s for GEMMs). Shared by profile_layer.ts and profile_demo.ts.
 */
import { backend } from "../src/tensor/mod.ts";
import type { StepPhase } from "../src/train/step.ts";
import { type Profile, profileBackend, type ProfileEntry, resetProfile } from "./profiler.ts";
import { fmtTime, machineLine, markdownTable } from "./report.ts";

type Snap = {
  wall: number;
  phases: Map<string, number>;
  cat: Map<string, ProfileEntry>;
  key: Map<string, ProfileEntry>;
  ph: Map<string, ProfileEntry>;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Runs `warmup` then `steps` profiled calls of `step` and prints the report under `title`. */
export function profileSteps(
  title: string,
  opts: { steps: number; warmup: number; phases: string[] },
  step: (phase: StepPhase) => void,
): void {
  const prof: Profile = profileBackend(backend());
  const wall = new Map<string, number>();
  // Phases may nest (forward inside a tidy scope): each phase is charged its own time only, and the
  // enclosing phase's label comes back when a nested one returns.
  const childMs: number[] = [0];
  // `phase(name, fn)` runs fn, labels its kernels with name and adds its own wall time to that phase.
  const phase: StepPhase = (name, fn) => {
    const t0 = performance.now(), outer = prof.phase;
    prof.phase = name;
    childMs.push(0);
    try {
      return fn();
    } finally {
      const ms = performance.now() - t0;
      wall.set(name, (wall.get(name) ?? 0) + ms - childMs.pop()!);
      childMs[childMs.length - 1] += ms;
      prof.phase = outer;
    }
  };
  for (let i = 0; i < opts.warmup; i++) step(phase); // JIT, buffer pool
  const snaps: Snap[] = [];
  for (let i = 0; i < opts.steps; i++) {
    resetProfile(prof);
    wall.clear();
    const t0 = performance.now();
    step(phase);
    snaps.push({
      wall: performance.now() - t0,
      phases: new Map(wall),
      cat: new Map(prof.byCategory),
      key: new Map(prof.byKey),
      ph: new Map(prof.byPhase),
    });
  }
  report(title, snaps, opts.phases);
}

function report(title: string, snaps: Snap[], phases: string[]): void {
  /** Median ms per step of one entry, with its calls and flops per step (constant across steps). */
  const stat = (pick: (s: Snap) => Map<string, ProfileEntry>, k: string): ProfileEntry => {
    const e = snaps.map((s) => pick(s).get(k));
    const first = e.find((x) => x) ?? { ms: 0, calls: 0, flops: 0 };
    return { ms: median(e.map((x) => x?.ms ?? 0)), calls: first.calls, flops: first.flops };
  };
  const keysOf = (pick: (s: Snap) => Map<string, ProfileEntry>) => [
    ...new Set(snaps.flatMap((s) => [...pick(s).keys()])),
  ];
  const total = median(snaps.map((s) => s.wall));
  const gflops = (e: ProfileEntry) => (e.flops && e.ms > 0 ? (e.flops / (e.ms * 1e6)).toFixed(1) : "");
  const pct = (ms: number) => `${((100 * ms) / total).toFixed(1)} %`;

  console.log(`# ${title} (median of ${snaps.length} steps)\n`);
  console.log(machineLine());
  console.log(
    `wall time per step, median: ${fmtTime(total)} (min ${fmtTime(Math.min(...snaps.map((s) => s.wall)))}, ` +
      `max ${fmtTime(Math.max(...snaps.map((s) => s.wall)))})\n`,
  );

  const cats = keysOf((s) => s.cat).map((k) => [k, stat((s) => s.cat, k)] as const)
    .sort((a, b) => b[1].ms - a[1].ms);
  const rows = cats.map(([name, e]) => [name, fmtTime(e.ms), pct(e.ms), String(e.calls), gflops(e)]);
  // per step, then the median: a median of differences, not a difference of medians
  const outside = median(snaps.map((s) => s.wall - [...s.cat.values()].reduce((a, e) => a + e.ms, 0)));
  rows.push(["outside kernels (op layer, autograd, tidy, JS)", fmtTime(outside), pct(outside), "", ""]);
  console.log("## By op category\n");
  console.log(markdownTable(["category", "ms/step", "% of wall", "calls/step", "GFLOP/s"], rows));

  console.log("\n## By phase\n");
  const catNames = cats.map(([n]) => n);
  const phaseRows = phases.map((ph) => {
    const cells = catNames.map((c) => {
      const e = stat((s) => s.ph, `${ph}\t${c}`);
      return e.calls ? fmtTime(e.ms) : "";
    });
    return [ph, fmtTime(median(snaps.map((s) => s.phases.get(ph) ?? 0))), ...cells];
  });
  console.log(markdownTable(["phase", "wall", ...catNames], phaseRows));

  console.log("\n## Top kernels\n");
  const top = keysOf((s) => s.key).map((k) => [k, stat((s) => s.key, k)] as const)
    .sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  console.log(markdownTable(
    ["kernel", "ms/step", "% of wall", "calls/step", "ms/call", "GFLOP/s"],
    top.map(([k, e]) => [k, fmtTime(e.ms), pct(e.ms), String(e.calls), fmtTime(e.ms / e.calls), gflops(e)]),
  ));
}
