/**
 * Mask sampling throughput on a backend against that backend's own copy bandwidth (issue 13): the time to
 * draw one training step's InfMasking masks (`fixedCountMaskOn`: Philox uniforms on the backend, ranked
 * there) and COrAL's Bernoulli masks (`bernoulliMaskOn`), as masks per second and mask bytes written per
 * second, beside a contiguous copy of 64 MiB on the same backend (bytes read + written per second). On the
 * CPU the host samplers (`sampleFixedCountMask`, `sampleBernoulliMask`) and their upload are timed too.
 *
 * The ranking compares every pair of positions of a row ([B, L, L] broadcasts), so its work grows with L²:
 * the figure to read is the time per step's masks against the step's time (bench/mosi_step.ts), and the
 * bytes per second against the copy's as a measure of how far the sampler is from memory-bound.
 *
 * Run: `deno run -A bench/mask_sampling.ts [--backend cpu|cuda]`
 */
import { parseArgs } from "node:util";
import { backend, setBackend, type Tensor, tensor } from "../src/tensor/mod.ts";
import { fixedCountMaskOn, sampleFixedCountMask } from "../src/methods/infmasking/masks.ts";
import { bernoulliMaskOn, sampleBernoulliMask } from "../src/methods/coral/masks.ts";
import { Philox } from "../src/random/philox.ts";
import { timeIt } from "./harness.ts";
import { fmtTime, machineLine, markdownTable } from "./report.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: { backend: { type: "string", default: "cpu" } },
});
if (flags.backend !== "cpu" && flags.backend !== "cuda") {
  throw new Error(`--backend must be cpu or cuda, got ${flags.backend}`);
}
setBackend(flags.backend);
const on = backend();

/** One step's masks: batch B, L tokens per modality, `count` masks (K per view and modality), mask ratio. */
interface MaskCase {
  name: string;
  batch: number;
  length: number;
  count: number;
  ratio: number;
}

const CASES: MaskCase[] = [
  // InfMasking MOSI preset: K 5 masks x 2 views x 2 modalities of 50 steps
  { name: "MOSI step (B 64, L 50, 20 masks, ratio .8)", batch: 64, length: 50, count: 20, ratio: 0.8 },
  // InfMasking Trifeatures preset at 224 px: K 6 x 2 views x 2 modalities of 36 tokens
  {
    name: "Trifeatures 224 step (B 64, L 36, 24 masks, ratio .7)",
    batch: 64,
    length: 36,
    count: 24,
    ratio: 0.7,
  },
  // a large batch of ViT-sized token grids, for throughput
  { name: "B 1024, L 196, 1 mask, ratio .75", batch: 1024, length: 196, count: 1, ratio: 0.75 },
];

/** Runs `draw` `count` times and reads the last result back (a sync on asynchronous devices). */
function drawAll(count: number, draw: () => Tensor): void {
  for (let i = 1; i < count; i++) draw().dispose();
  const last = draw();
  last.dataSync();
  last.dispose();
}

const timing = { warmupMs: 200, repeats: 7, minRepeatMs: 200 };
const rows: string[][] = [];
for (const c of CASES) {
  const rng = new Philox(7, 3);
  const maskBytes = c.batch * c.length * 4 * c.count;
  const variants: [string, () => void][] = [
    [
      "fixed-count, on the backend",
      () => drawAll(c.count, () => fixedCountMaskOn(rng, c.batch, c.length, c.ratio, on)),
    ],
    [
      "Bernoulli, on the backend",
      () => drawAll(c.count, () => bernoulliMaskOn(rng, c.batch, c.length, c.ratio, on)),
    ],
  ];
  if (on.name === "cpu") {
    const upload = (m: Float32Array) => tensor(m, [c.batch, c.length], { on });
    variants.push(
      [
        "fixed-count, host sampler + upload",
        () => drawAll(c.count, () => upload(sampleFixedCountMask(rng, c.batch, c.length, c.ratio))),
      ],
      [
        "Bernoulli, host sampler + upload",
        () => drawAll(c.count, () => upload(sampleBernoulliMask(rng, c.batch, c.length, c.ratio))),
      ],
    );
  }
  for (const [kind, run] of variants) {
    const t = timeIt(run, timing);
    rows.push([
      c.name,
      kind,
      fmtTime(t.medianMs),
      (c.count / (t.medianMs / 1000)).toFixed(0),
      `${(maskBytes / (t.medianMs / 1000) / 1e9).toFixed(3)} GB/s`,
    ]);
    console.error(`  ${c.name}: ${kind} ${fmtTime(t.medianMs)}`);
  }
}

// the backend's copy bandwidth: a contiguous 64 MiB copy, bytes read plus bytes written
const n = 16 * 1024 * 1024;
const src = on.alloc(n), dst = on.alloc(n);
on.fill(src, 1.5);
const copy = timeIt(() => {
  on.copyStrided(src, 0, [1], dst, 0, [1], [n]);
  on.sync();
}, timing);
on.free(src);
on.free(dst);
const copyGBs = (2 * 4 * n) / (copy.medianMs / 1000) / 1e9;

console.log(`# Mask sampling on the ${on.name} backend against its copy bandwidth\n`);
console.log(machineLine());
console.log(
  `\ncopy of 64 MiB on the backend (copyStrided, contiguous): ${fmtTime(copy.medianMs)}, ${
    copyGBs.toFixed(1)
  } GB/s read + written\n`,
);
console.log(
  markdownTable(
    ["case", "sampler", "time per step's masks (median)", "masks/s", "mask bytes written/s"],
    rows,
  ),
);
