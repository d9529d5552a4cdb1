import assert from "node:assert/strict";
import { makeSyntheticDataset } from "../src/data/synthetic.ts";
import { resolveConfig, type TrainConfig } from "../src/train/config.ts";
import { makeModel, trainAndEvaluate } from "../src/train/loop.ts";
import { checkFiniteStep } from "../src/train/step.ts";
import { tensor } from "../src/tensor/mod.ts";
import { readTensorBoardScalars } from "../src/io/tensorboard.ts";
import { hasCheckpoint, resumeProblem } from "../src/train/checkpoint.ts";
import { resultsJson, writeResults } from "../src/train/report.ts";
import { loadSafetensors } from "../src/io/safetensors.ts";

const ds = makeSyntheticDataset({ seed: 3, nSsl: 96, nProbeTrain: 120, nProbeTest: 80, T: 4, F: 8 });

function tinyConfig(out: string, method: TrainConfig["method"], epochs: number): TrainConfig {
  const cfg = resolveConfig({
    architecture: { tokenDim: 16, fusionHeads: 2, headHidden: 16, headOut: 8 },
    methods: { infmasking: { numMasks: 2 } },
    probe: { classWeight: null, fineSearch: false },
  }, { method, run: { epochs, batch: 32, seed: 5 } });
  cfg.run.out = out;
  return cfg;
}

const quiet = { progress: false };

/** A stop flag that turns true once `dir` holds a checkpoint (the run then stops after that step). */
function stopOnceCheckpointed(dir: string): { readonly stopped: boolean } {
  return {
    get stopped() {
      return hasCheckpoint(dir);
    },
  };
}

Deno.test("training writes checkpoints, metrics and results; resume equals an uninterrupted run", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const straight = trainAndEvaluate(tinyConfig(`${dir}/a`, "infmasking", 2), ds, quiet);
    // Interrupt run b during its second epoch: the stop flag turns true once epoch 1's checkpoint exists.
    const stop = stopOnceCheckpointed(`${dir}/b`);
    const cut = trainAndEvaluate(tinyConfig(`${dir}/b`, "infmasking", 2), ds, { ...quiet, stop });
    assert.equal(cut.interrupted, true);
    assert.equal(cut.history.length, 1);
    const resumed = trainAndEvaluate(tinyConfig(`${dir}/b`, "infmasking", 2), ds, { ...quiet, resume: true });
    assert.equal(resumed.history.length, 2);
    assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
    const wa = loadSafetensors(`${dir}/a/model.safetensors`).tensors;
    const wb = loadSafetensors(`${dir}/b/model.safetensors`).tensors;
    assert.deepEqual(Object.keys(wa).sort(), Object.keys(wb).sort());
    for (const k of Object.keys(wa)) {
      assert.deepEqual(wb[k].data, wa[k].data, `weights "${k}" differ after resume`);
    }
    assert.deepEqual(resumed.probe, straight.probe);
    // files a user relies on
    const lines = Deno.readTextFileSync(`${dir}/a/metrics.jsonl`).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(lines.map((l) => l.kind), ["epoch", "epoch", "probe"]);
    writeResults(`${dir}/a`, straight);
    const r = JSON.parse(Deno.readTextFileSync(`${dir}/a/results.json`));
    assert.equal(r.method, "infmasking");
    assert.deepEqual(Object.keys(r.probe), ["redundancy", "uniqueness1", "uniqueness2", "synergy"]);
    for (const s of Object.values(r.probe) as { balancedAccuracy: number; accuracy: number }[]) {
      assert.ok(s.balancedAccuracy >= 0 && s.balancedAccuracy <= 1 && s.accuracy >= 0 && s.accuracy <= 1);
    }
    assert.deepEqual(resultsJson(straight).probe, r.probe);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a checkpoint inside an epoch resumes to exactly the uninterrupted run", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const every = (out: string) => {
      const cfg = tinyConfig(out, "infmasking", 2);
      cfg.run.checkpointEvery = 2;
      return cfg;
    };
    const straight = trainAndEvaluate(every(`${dir}/a`), ds, quiet);
    // 3 steps per epoch: the first checkpoint is taken after step 2 of epoch 1, and the run stops there
    const stop = stopOnceCheckpointed(`${dir}/b`);
    const cut = trainAndEvaluate(every(`${dir}/b`), ds, { ...quiet, stop });
    assert.equal(cut.interrupted, true);
    assert.equal(cut.history.length, 0);
    const meta = JSON.parse(Deno.readTextFileSync(`${dir}/b/model.json`));
    assert.equal(meta.epoch, 0);
    assert.equal(meta.mid.step, 2);
    const resumed = trainAndEvaluate(every(`${dir}/b`), ds, { ...quiet, resume: true });
    assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
    const wa = loadSafetensors(`${dir}/a/model.safetensors`).tensors;
    const wb = loadSafetensors(`${dir}/b/model.safetensors`).tensors;
    for (const k of Object.keys(wa)) assert.deepEqual(wb[k].data, wa[k].data, `weights ${k}`);
    assert.deepEqual(resumed.probe, straight.probe);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--tensorboard writes the losses, parts, lr, samples/s and the probe scores as event files", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = trainAndEvaluate(tinyConfig(`${dir}/tb`, "infmasking", 2), ds, { ...quiet, tensorboard: true });
    const files = [...Deno.readDirSync(`${dir}/tb/tensorboard`)].map((e) => e.name);
    assert.equal(files.length, 1);
    assert.match(files[0], /^events\.out\.tfevents\.\d+\..+\.mmssl$/);
    const scalars = readTensorBoardScalars(`${dir}/tb/tensorboard/${files[0]}`);
    const byTag = (t: string) => scalars.filter((x) => x.tag === t);
    assert.equal(byTag("loss/total").length, 6); // 3 steps per epoch, 2 epochs
    assert.deepEqual(byTag("loss/total").map((x) => x.step), [1, 2, 3, 4, 5, 6]);
    assert.equal(byTag("epoch/loss").length, 2);
    assert.ok(Math.abs(byTag("epoch/loss")[1].value - r.history[1].loss) < 1e-6);
    assert.ok(byTag("lr").every((x) => x.value > 0) && byTag("samples_per_sec").length === 6);
    // InfMasking's lambda ramp: lambda (1 in the synthetic demo) * (epoch + 1) / epochs, per step
    assert.deepEqual(byTag("schedule/lambda").map((x) => x.value), [0.5, 0.5, 0.5, 1, 1, 1]);
    for (const part of Object.keys(r.history[0].parts)) assert.equal(byTag(`loss/${part}`).length, 6, part);
    for (const [task, s] of Object.entries(r.probe)) {
      assert.ok(Math.abs(byTag(`probe/${task}`)[0].value - s.balancedAccuracy) < 1e-6, task);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--resume with no checkpoint is refused with a message naming the folder", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.match(
      resumeProblem([`${dir}/none`])!,
      /--resume: no checkpoint \(model\.json\) in .*\/none; run without/,
    );
    assert.match(resumeProblem([`${dir}/x`, `${dir}/y`])!, /in any of .*\/x, .*\/y/);
    trainAndEvaluate(tinyConfig(`${dir}/y`, "infmasking", 1), ds, quiet);
    assert.equal(resumeProblem([`${dir}/y`]), null);
    assert.equal(resumeProblem([`${dir}/x`, `${dir}/y`]), null); // --compare: the others start fresh
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a non-finite loss or gradient stops the step with an error naming the step and the culprit", () => {
  const model = makeModel(tinyConfig("/tmp/unused", "infmasking", 1), ds);
  const at = "epoch 3, step 7";
  checkFiniteStep(model, 1.5, { nce: 1.5 }, at); // finite, no gradients yet: passes
  assert.throws(
    () => checkFiniteStep(model, NaN, { nce: 0.7, masked: NaN }, at),
    /loss became NaN at epoch 3, step 7, from the loss part masked = NaN \(try a lower --lr\)/,
  );
  const [name, p] = model.module.namedParameters()[2];
  p.grad = tensor(new Float32Array(p.size).fill(0.5).map((v, i) => (i === 1 ? Infinity : v)), [...p.shape]);
  assert.throws(
    () => checkFiniteStep(model, 2, { nce: 2 }, at),
    new RegExp(`the gradient of ${name.replace(/\./g, "\\.")} is not finite at epoch 3, step 7`),
  );
  p.grad.dispose();
  p.grad = null;
});

Deno.test("a checkpoint whose files disagree on the epoch is refused with a clear error", () => {
  const dir = Deno.makeTempDirSync();
  try {
    trainAndEvaluate(tinyConfig(dir, "comm", 1), ds, quiet);
    const meta = JSON.parse(Deno.readTextFileSync(`${dir}/model.json`));
    meta.epoch = 7; // as if model.json were written by a later save than the weights
    Deno.writeTextFileSync(`${dir}/model.json`, JSON.stringify(meta));
    assert.throws(
      () => trainAndEvaluate(tinyConfig(dir, "comm", 8), ds, { ...quiet, resume: true }),
      /model.safetensors is from epoch 1, model.json from epoch 7/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a stop request ends training after the current step and keeps the last checkpoint", () => {
  const dir = Deno.makeTempDirSync();
  try {
    trainAndEvaluate(tinyConfig(dir, "coral", 1), ds, quiet);
    const before = Deno.readFileSync(`${dir}/model.safetensors`);
    const r = trainAndEvaluate(tinyConfig(dir, "coral", 3), ds, {
      ...quiet,
      resume: true,
      stop: { stopped: true },
    });
    assert.equal(r.interrupted, true);
    assert.deepEqual(Deno.readFileSync(`${dir}/model.safetensors`), before);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("bad configuration values are rejected with the setting's name", () => {
  assert.throws(() => resolveConfig({}, { run: { batch: 1 } }), /batch must be at least 2/);
  assert.throws(
    () => resolveConfig({ architecture: { tokenDim: 30, fusionHeads: 4 } }, {}),
    /not divisible/,
  );
  assert.throws(() => resolveConfig({}, { preset: "nope" }), /unknown preset "nope"/);
});

Deno.test("a save interrupted at any point leaves a checkpoint that resumes (the previous one) to the same result", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const straight = trainAndEvaluate(tinyConfig(`${dir}/a`, "infmasking", 2), ds, quiet);
    // b: epoch 1's checkpoint is complete; epoch 2's save is then cut at each point of its sequence
    const stop = stopOnceCheckpointed(`${dir}/b`);
    trainAndEvaluate(tinyConfig(`${dir}/b`, "infmasking", 2), ds, { ...quiet, stop });
    const snapshot = new Map(
      [...Deno.readDirSync(`${dir}/b`)].filter((e) => e.isFile).map((
        e,
      ) => [e.name, Deno.readFileSync(`${dir}/b/${e.name}`)]),
    );
    const files = ["model.json", "model.safetensors", "optimizer.safetensors"];
    // states a crash can leave: some files renamed to .prev, then some new files written (here: garbage)
    const crashes: ((d: string) => void)[] = [
      (d) => Deno.renameSync(`${d}/model.json`, `${d}/model.json.prev`),
      (d) => files.slice(0, 2).forEach((f) => Deno.renameSync(`${d}/${f}`, `${d}/${f}.prev`)),
      (d) => {
        files.forEach((f) => Deno.renameSync(`${d}/${f}`, `${d}/${f}.prev`));
        Deno.writeFileSync(`${d}/optimizer.safetensors`, new Uint8Array([1, 2, 3])); // a torn new file
      },
    ];
    crashes.forEach((crash, i) => {
      const d = `${dir}/c${i}`;
      Deno.mkdirSync(d);
      for (const [name, bytes] of snapshot) Deno.writeFileSync(`${d}/${name}`, bytes);
      crash(d);
      assert.ok(hasCheckpoint(d), `crash ${i}: a checkpoint is still found`);
      const resumed = trainAndEvaluate(tinyConfig(d, "infmasking", 2), ds, { ...quiet, resume: true });
      assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss), `crash ${i}`);
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
