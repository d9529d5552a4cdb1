/**
 * One InfMasking training step: forward + backward + AdamW, ours then the PyTorch twin
 * (bench/torch_mosi_step.py, run afterwards, never concurrently), as samples per second and their ratio.
 * Random data; augmentation is not part of the step on either side. Two configurations, each InfMasking's
 * preset and the paper's architecture for it:
 *
 * - `--config mosi` (default): two sequence modalities, T = 50, feature sizes 20 and 300, token width 40,
 *   5-layer encoders with 5 heads and FFN 2048, one fusion layer with 8 heads, K = 5, ratio .8;
 * - `--config trifeatures`: two 3 x 224 x 224 images (`--size` to change), AlexNet `features` encoders (36
 *   tokens of width 512 at 224 px), one fusion layer with 8 heads, K = 6, ratio .7.
 *
 * Batch 64 unless `--batch` (a smaller one to try the Trifeatures step on a CPU).
 *
 * Run: `deno run -A bench/mosi_step.ts [--config mosi|trifeatures] [--batch N] [--size PX] [--steps N]
 * [--warmup N] [--profile] [--backend cpu|cuda]`
 *   --backend cuda: ours on the GPU and the PyTorch twin with `--device cuda` (both sync once per step, when
 *   the loss is read); the device pool's bytes before and after the timed steps are printed.
 *   --profile: ours only, with the time spent in each backend primitive per step (top entries) and in the
 *   host-side random draws (dropout and token masks are drawn with Philox on the host).
 * Python: $MMSSL_TORCH_PYTHON, default /tmp/tv/bin/python; without it only our numbers are shown.
 */
import { parseArgs } from "node:util";
import { backend, numLiveTensors, setBackend, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";
import { buildModel } from "../src/methods/registry.ts";
import { INFMASKING_DEFAULTS, INFMASKING_PRESETS } from "../src/methods/infmasking/mod.ts";
import { architecture, PAPER_ARCHITECTURES } from "../src/models/architecture.ts";
import type { ModalitySpec } from "../src/models/modality.ts";
import { AdamW } from "../src/optim/adamw.ts";
import { paramGroupsNoDecay } from "../src/optim/groups.ts";
import { Philox } from "../src/random/philox.ts";
import { machineLine } from "./report.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    config: { type: "string", default: "mosi" },
    batch: { type: "string", default: "64" },
    size: { type: "string", default: "224" },
    steps: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    profile: { type: "boolean", default: false },
    backend: { type: "string", default: "cpu" },
  },
});
if (flags.backend !== "cpu" && flags.backend !== "cuda") {
  throw new Error(`--backend must be cpu or cuda, got ${flags.backend}`);
}
if (flags.config !== "mosi" && flags.config !== "trifeatures") {
  throw new Error(`--config must be mosi or trifeatures, got ${flags.config}`);
}
const CONFIG: "mosi" | "trifeatures" = flags.config;
const BATCH = Number(flags.batch), SIZE = Number(flags.size);
if (!(Number.isInteger(BATCH) && BATCH >= 2 && Number.isInteger(SIZE) && SIZE >= 63)) {
  throw new Error(`--batch must be an integer >= 2 and --size >= 63, got ${flags.batch} and ${flags.size}`);
}
const SPECS: ModalitySpec[] = CONFIG === "mosi"
  ? [{ kind: "sequence", shape: [50, 20] }, { kind: "sequence", shape: [50, 300] }]
  : [{ kind: "image", shape: [3, SIZE, SIZE] }, { kind: "image", shape: [3, SIZE, SIZE] }];
setBackend(flags.backend);
const steps = Number(flags.steps), warmup = Number(flags.warmup);
if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(warmup) && warmup >= 0)) {
  throw new Error(
    `--steps must be an integer >= 1 and --warmup >= 0, got ${flags.steps} and ${flags.warmup}`,
  );
}

/** The device pool's bytes where the backend reports them (CUDA), else null. */
function deviceMemory(): { pooledBytes: number; allocatedBytes: number } | null {
  const b = backend() as {
    name: string;
    memoryStats?: () => { pooledBytes?: number; allocatedBytes?: number };
  };
  const m = b.name === "cuda" && b.memoryStats ? b.memoryStats() : null; // the CPU pool reports other fields
  return m && typeof m.allocatedBytes === "number" && typeof m.pooledBytes === "number"
    ? { pooledBytes: m.pooledBytes, allocatedBytes: m.allocatedBytes }
    : null;
}

/** Per-primitive time and call counts, by wrapping every method of the backend instance. */
function profileBackend(): Map<string, [number, number]> {
  const b = backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const times = new Map<string, [number, number]>();
  for (const k of Object.getOwnPropertyNames(Object.getPrototypeOf(b))) {
    const f = b[k];
    if (typeof f !== "function" || k === "constructor") continue;
    b[k] = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      const r = f.apply(this, a);
      const e = times.get(k) ?? [0, 0];
      e[0] += performance.now() - t;
      e[1]++;
      times.set(k, e);
      return r;
    };
  }
  // Host-side random draws (dropout and token masks) run outside the backend: time them too, counting
  // only outermost calls (bernoulli draws through uniform).
  const proto = Philox.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  let depth = 0;
  for (const k of ["bernoulli", "uniform", "normal"]) {
    const f = proto[k];
    proto[k] = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      depth++;
      try {
        return f.apply(this, a);
      } finally {
        depth--;
        if (depth === 0) {
          const key = `host Philox.${k}`;
          const e = times.get(key) ?? [0, 0];
          e[0] += performance.now() - t;
          e[1]++;
          times.set(key, e);
        }
      }
    };
  }
  return times;
}

interface OurResult {
  medianMs: number;
  minMs: number;
  loss: number;
  parts: { fwd: number; bwd: number; opt: number };
}

function runOurs(profile: Map<string, [number, number]> | null): OurResult {
  const preset = INFMASKING_PRESETS[CONFIG];
  const model = buildModel("infmasking", SPECS, architecture(PAPER_ARCHITECTURES[CONFIG]), {
    ...INFMASKING_DEFAULTS,
    ...preset.settings,
  });
  const { lr, weightDecay } = preset.optimizer;
  const opt = new AdamW(paramGroupsNoDecay(model.module, weightDecay), { lr });
  const r = new Philox(0, 1);
  const views: Tensor[][] = [0, 1].map(() =>
    SPECS.map((s) => {
      const shape = [BATCH, ...s.shape];
      return tensor(r.normal(shape.reduce((p, d) => p * d, 1)), shape);
    })
  );
  const ctx = { epoch: 0, maxEpochs: preset.epochs, rng: new Philox(0, 2) };
  const times: number[] = [];
  const parts = { fwd: 0, bwd: 0, opt: 0 };
  let loss = NaN, live = 0, deviceBytes = deviceMemory();
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) {
      live = numLiveTensors();
      profile?.clear();
      deviceBytes = deviceMemory();
    }
    const t0 = performance.now();
    let t1 = 0, t2 = 0;
    loss = tidy(() => {
      const out = model.trainStep(views[0], views[1], ctx);
      const value = out.loss.item();
      t1 = performance.now();
      out.loss.backward();
      t2 = performance.now();
      return value;
    });
    opt.step();
    opt.zeroGrad();
    const t3 = performance.now();
    if (s >= warmup) {
      times.push(t3 - t0);
      parts.fwd += t1 - t0;
      parts.bwd += t2 - t1;
      parts.opt += t3 - t2;
    }
  }
  const leaked = numLiveTensors() - live;
  if (leaked > 0) console.log(`warning: ${leaked} tensors leaked over the timed steps`);
  const after = deviceMemory();
  if (deviceBytes && after) {
    console.log(
      `device pool: ${deviceBytes.allocatedBytes} bytes allocated after the warm-up, ${after.allocatedBytes} ` +
        `after ${steps} timed steps (${after.pooledBytes} pooled for reuse)`,
    );
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)],
    minMs: times[0],
    loss,
    parts: { fwd: parts.fwd / steps, bwd: parts.bwd / steps, opt: parts.opt / steps },
  };
}

interface TorchResult {
  torch: string;
  device?: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  samples_per_s: number;
  loss: number;
}

async function runTorch(): Promise<TorchResult | string> {
  const python = Deno.env.get("MMSSL_TORCH_PYTHON") ?? "/tmp/tv/bin/python";
  const script = new URL("./torch_mosi_step.py", import.meta.url).pathname;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: [
        script,
        ...["--config", CONFIG, "--batch", String(BATCH), "--size", String(SIZE)],
        ...["--steps", String(steps), "--warmup", String(warmup), "--device", flags.backend],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return `cannot run ${python} (${msg}); set MMSSL_TORCH_PYTHON to a python with torch`;
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? `exit code ${out.code}`;
    return `${python} ${script} failed: ${err}`;
  }
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1]) as TorchResult;
  } catch {
    return `${python} ${script} printed no JSON on its last line`;
  }
}

const fmt = (x: number, d = 1) => x.toFixed(d);

console.log(
  CONFIG === "mosi"
    ? `# InfMasking training step, MOSI configuration (batch ${BATCH}, T 50, features 20/300, E 40, ` +
      `5-layer encoders, K 5, ratio .8)\n`
    : `# InfMasking training step, Trifeatures configuration (batch ${BATCH}, two 3x${SIZE}x${SIZE} images, ` +
      `AlexNet features encoders, E 512, K 6, ratio .7)\n`,
);
console.log(machineLine());
console.log(`timed steps: ${steps} after ${warmup} warm-up (median)\n`);

const profile = flags.profile ? profileBackend() : null;
const ours = runOurs(profile);
console.log(
  `ours: ${fmt(ours.medianMs)} ms/step (forward ${fmt(ours.parts.fwd)}, backward ${fmt(ours.parts.bwd)}, ` +
    `AdamW ${fmt(ours.parts.opt)}), loss ${ours.loss.toFixed(4)}`,
);

if (profile) {
  const rows = [...profile].sort((a, b) => b[1][0] - a[1][0]);
  const total = rows.filter(([k]) => !k.startsWith("host")).reduce((s, [, [ms]]) => s + ms, 0) / steps;
  console.log(
    `\nbackend primitives: ${fmt(total)} ms/step of ${
      fmt(ours.medianMs)
    } ms (the rest: host-side work such as ` +
      `random draws, the op layer, autograd)\n`,
  );
  console.log("| primitive | ms/step | share of step | calls/step |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const [k, [ms, n]] of rows.slice(0, 12)) {
    const per = ms / steps;
    console.log(`| ${k} | ${fmt(per)} | ${fmt((100 * per) / ours.medianMs)} % | ${fmt(n / steps, 0)} |`);
  }
} else {
  const torch = await runTorch();
  const oursSps = BATCH / (ours.medianMs / 1000);
  console.log();
  console.log("| implementation | ms/step (median) | samples/s |");
  console.log("| --- | ---: | ---: |");
  console.log(`| ours (Deno, ${flags.backend} backend) | ${fmt(ours.medianMs)} | ${fmt(oursSps, 2)} |`);
  if (typeof torch === "string") {
    console.log(`\nPyTorch baseline unavailable: ${torch}`);
  } else {
    console.log(
      `| PyTorch ${torch.torch} (${torch.device ?? "cpu"}, ${torch.threads} threads) | ${
        fmt(torch.median_ms)
      } | ${fmt(torch.samples_per_s, 2)} |`,
    );
    console.log(`\nratio ours/PyTorch (samples/s): ${(oursSps / torch.samples_per_s).toFixed(2)}`);
    console.log(`losses at the last step: ours ${ours.loss.toFixed(4)}, PyTorch ${torch.loss.toFixed(4)}`);
  }
}
