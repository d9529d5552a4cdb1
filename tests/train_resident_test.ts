/**
 * Training images kept on the backend for a run (issue 13: data on the device): a batch's rows gathered
 * where the images live give the same augmented views as the rows gathered on the host and uploaded, bit for
 * bit and with the generator advanced alike; a training step with them frees everything it made; the
 * holder's errors name what was wrong. On the TypeScript and native CPU backends, and CUDA where present.
 */
import assert from "node:assert/strict";
import type { Backend } from "../src/backend/backend.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { createCpuBackend } from "../src/backend/native/native_cpu_backend.ts";
import { cudaAvailable } from "../src/backend/cuda/availability.ts";
import { CudaBackend } from "../src/backend/cuda/cuda_backend.ts";
import { gatherModality } from "../src/data/batches.ts";
import type { MultimodalSplit } from "../src/data/types.ts";
import { makeTrifeaturesDataset } from "../src/data/trifeatures.ts";
import { Philox } from "../src/random/philox.ts";
import { backend, getBackend, numLiveTensors, setBackend, type Tensor } from "../src/tensor/mod.ts";
import { resolveConfig } from "../src/train/config.ts";
import { makeModel } from "../src/train/loop.ts";
import { ResidentImages } from "../src/train/resident.ts";
import { lossAndGradients } from "../src/train/step.ts";
import { augmentedViewOn } from "../src/train/views.ts";

let cuda: Backend | null = null;
const BACKENDS: [string, () => Backend, boolean][] = [
  ["TypeScript CPU", () => new CpuBackend({ quiet: true }), false],
  ["native CPU", () => createCpuBackend({ quiet: true }), false],
  ["CUDA", () => cuda ??= new CudaBackend(), !cudaAvailable()],
];

/** A split of two image modalities, a vector and a sequence modality, fresh values from `seed`. */
function mixedSplit(seed: number, n: number): MultimodalSplit {
  const g = new Philox(seed, 5);
  return {
    modalities: [
      { kind: "image", shape: [n, 3, 12, 12], data: g.uniform(n * 3 * 144) },
      { kind: "vector", shape: [n, 7], data: g.normal(n * 7) },
      { kind: "image", shape: [n, 3, 10, 10], data: g.uniform(n * 300) },
      { kind: "sequence", shape: [n, 9, 4], data: g.normal(n * 36) },
    ],
    labels: {},
  };
}

function values(ts: Tensor[]): Float32Array[] {
  const v = ts.map((t) => t.dataSync());
  for (const t of ts) t.dispose();
  return v;
}

for (const [name, make, ignore] of BACKENDS) {
  Deno.test({
    name: `resident images (${name}): the rows and the augmented views equal the host-gathered ones`,
    ignore,
    fn() {
      const on = make(), seed = Date.now() % 100000, n = 23;
      const split = mixedSplit(seed, n);
      const before = numLiveTensors();
      const resident = new ResidentImages(split, on);
      assert.equal(resident.bytes, n * (3 * 144 + 300) * 4, "the two image modalities only");
      assert.deepEqual([0, 1, 2, 3].map((i) => resident.has(i)), [true, false, true, false]);
      const draw = new Philox(seed, 9);
      for (let trial = 0; trial < 3; trial++) {
        // repeats allowed, any order, as the batch sampler may give
        const rows = draw.randint(5 + trial * 7, n);
        const got = values([resident.rows(2, rows)])[0];
        assert.deepEqual(got, gatherModality(split.modalities[2], rows).data, `rows ${rows} (seed ${seed})`);
        const s = draw.randint(1, 0x7fffffff)[0];
        const a = new Philox(s, 4), b = new Philox(s, 4);
        const withResident = values(augmentedViewOn(split, rows, a, on, resident));
        const uploaded = values(augmentedViewOn(split, rows, b, on));
        assert.deepEqual(withResident, uploaded, `views differ (seed ${seed}, trial ${trial})`);
        assert.equal(a.offset, b.offset, "the generator advanced alike");
      }
      assert.equal(numLiveTensors(), before + 2, "only the two resident tensors stay alive");
      resident.dispose();
      resident.dispose(); // twice is allowed
      assert.equal(numLiveTensors(), before);
      assert.equal(resident.has(0), false);
      assert.throws(() => resident.rows(0, Int32Array.from([0])), /modality 0 is not held \(disposed\)/);
    },
  });
}

Deno.test("resident images: the split and backend must be the view's; fits() counts image bytes only", () => {
  const on = new CpuBackend({ quiet: true }), split = mixedSplit(1, 4);
  const resident = new ResidentImages(split, on);
  assert.throws(
    () => augmentedViewOn(mixedSplit(1, 4), Int32Array.from([0]), new Philox(1), on, resident),
    /resident images belong to another split or backend/,
  );
  assert.throws(
    () =>
      augmentedViewOn(split, Int32Array.from([0]), new Philox(1), new CpuBackend({ quiet: true }), resident),
    /another split or backend/,
  );
  assert.throws(
    () => resident.rows(1, Int32Array.from([0])),
    /modality 1 is not held \(not an image modality\)/,
  );
  assert.throws(() => resident.rows(0, Int32Array.from([4])), /index/i);
  const imageBytes = 4 * (3 * 144 + 300) * 4;
  assert.equal(ResidentImages.fits(split, imageBytes), true);
  assert.equal(ResidentImages.fits(split, imageBytes - 1), false);
  resident.dispose();
});

for (const [name, ignore] of [["cpu", false], ["cuda", !cudaAvailable()]] as const) {
  Deno.test({
    name: `resident images (${name}): a training step with them frees everything and matches the upload path`,
    ignore,
    fn() {
      const previous = getBackend();
      setBackend(name);
      try {
        const on = backend();
        const ds = makeTrifeaturesDataset({
          size: 16,
          maxSsl: 32,
          maxProbeTrain: 8,
          maxProbeTest: 8,
          supersample: 1,
        });
        const cfg = resolveConfig({ dataset: "trifeatures", method: "cross", run: { batch: 8, seed: 3 } });
        const model = makeModel(cfg, ds);
        const resident = new ResidentImages(ds.ssl, on);
        const rows = Int32Array.from([4, 9, 9, 0, 31, 17, 2, 25]);
        const ctx = () => ({ epoch: 0, maxEpochs: 1, rng: new Philox(3, 8) });
        const step = (opts = {}) => {
          const live = numLiveTensors();
          const { loss } = lossAndGradients(model, ds.ssl, rows, new Philox(3, 7), ctx(), opts);
          const grads = model.module.parameters().filter((p) => p.grad !== null).length;
          assert.equal(numLiveTensors(), live + grads, "only the gradients are new");
          model.module.zeroGrad();
          assert.ok(Number.isFinite(loss), `loss ${loss}`);
          return loss;
        };
        const a = step({ resident }), b = step();
        // on CUDA both paths augment on the device: equal; on the CPU the host loops run without resident
        // images and the tensor ops with them: equal to the float rounding of the pixels
        if (name === "cuda") assert.equal(a, b);
        else assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(b), `${a} vs ${b}`);
        resident.dispose();
        model.module.dispose();
      } finally {
        setBackend(previous as "cpu");
      }
    },
  });
}
