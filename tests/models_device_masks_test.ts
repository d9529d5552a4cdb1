/**
 * The masks drawn on the tokens' backend (issue 13: masks on the device) equal the host samplers bit for bit
 * and advance the generator alike: InfMasking's fixed-count masks (ranks of Philox uniforms, ties to the
 * earlier position), COrAL's Bernoulli masks, and the uniforms themselves, on the TypeScript CPU backend, the
 * native one, a backend without a `randomUniform` kernel (host draw, uploaded), and CUDA where a GPU is
 * present (its Philox kernel draws them on the device).
 */
import assert from "node:assert/strict";
import type { Backend } from "../src/backend/backend.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { createCpuBackend } from "../src/backend/native/native_cpu_backend.ts";
import { cudaAvailable } from "../src/backend/cuda/availability.ts";
import { CudaBackend } from "../src/backend/cuda/cuda_backend.ts";
import { fixedCountMaskOn, keepLowestRanks, sampleFixedCountMask } from "../src/methods/infmasking/masks.ts";
import { bernoulliMaskOn, sampleBernoulliMask } from "../src/methods/coral/masks.ts";
import { Philox } from "../src/random/philox.ts";
import { numLiveTensors, Tensor, uniformOn } from "../src/tensor/mod.ts";

/** The TypeScript CPU backend with its randomUniform kernel hidden: uniformOn must draw on the host. */
function withoutRandomKernel(): Backend {
  const b = new CpuBackend({ quiet: true });
  Object.defineProperty(b, "randomUniform", { value: undefined });
  return b;
}

let cuda: Backend | null = null;
const BACKENDS: [string, () => Backend, boolean][] = [
  ["TypeScript CPU", () => new CpuBackend({ quiet: true }), false],
  ["native CPU", () => createCpuBackend({ quiet: true }), false],
  ["no randomUniform kernel", withoutRandomKernel, false],
  ["CUDA", () => cuda ??= new CudaBackend(), !cudaAvailable()],
];

/** Fresh generator state: a random seed and stream, moved to a random offset (not a multiple of 4). */
function freshGenerators(draw: Philox): [Philox, Philox] {
  const seed = draw.randint(1, 0x7fffffff)[0], stream = draw.randint(1, 1000)[0];
  const skip = draw.randint(1, 1001)[0];
  const a = new Philox(seed, stream), b = new Philox(seed, stream);
  a.skip(skip);
  b.skip(skip);
  return [a, b];
}

function values(t: Tensor): Float32Array {
  const v = t.dataSync();
  t.dispose();
  return v;
}

for (const [name, make, ignore] of BACKENDS) {
  const test = (title: string, fn: () => void) => Deno.test({ name: title, ignore, fn });
  test(`uniformOn (${name}) yields the generator's next uniforms and advances it by the count`, () => {
    const on = make(), draw = new Philox(Date.now() % 100000, 7);
    for (const n of [1, 3, 4, 17, 1000]) {
      const [dev, host] = freshGenerators(draw);
      const u = values(uniformOn([n], dev, on));
      assert.deepEqual(u, host.uniform(n));
      assert.equal(dev.offset, host.offset);
    }
  });

  test(`fixedCountMaskOn (${name}) equals sampleFixedCountMask bit for bit`, () => {
    const on = make(), draw = new Philox(Date.now() % 100000, 8);
    const cases = [[1, 1, 0], [7, 10, 0.6], [64, 50, 0.8], [3, 36, 0.7], [5, 3, 0.9]];
    // one [L, L] position constant per backend and length stays cached; count live tensors after them
    for (const [batch, length, ratio] of cases) {
      fixedCountMaskOn(new Philox(0), batch, length, ratio, on).dispose();
    }
    const live = numLiveTensors();
    for (const [batch, length, ratio] of cases) {
      const [dev, host] = freshGenerators(draw);
      // two masks in a row, so the second starts where the first left the generator
      for (let k = 0; k < 2; k++) {
        const m = fixedCountMaskOn(dev, batch, length, ratio, on);
        assert.deepEqual(m.shape, [batch, length]);
        assert.deepEqual(
          values(m),
          sampleFixedCountMask(host, batch, length, ratio),
          `[${batch}, ${length}] r ${ratio}`,
        );
      }
      assert.equal(dev.offset, host.offset);
    }
    assert.equal(numLiveTensors(), live, "no tensor is left behind");
  });

  test(`bernoulliMaskOn (${name}) equals sampleBernoulliMask bit for bit, ratios 0 and 1 included`, () => {
    const on = make(), draw = new Philox(Date.now() % 100000, 9);
    for (const [batch, length, ratio] of [[4, 10, 0.75], [64, 50, 0.5], [3, 7, 0], [3, 7, 1], [2, 5, 0.3]]) {
      const [dev, host] = freshGenerators(draw);
      const m = values(bernoulliMaskOn(dev, batch, length, ratio, on));
      assert.deepEqual(
        m,
        Float32Array.from(sampleBernoulliMask(host, batch, length, ratio)),
        `ratio ${ratio}`,
      );
      assert.equal(dev.offset, host.offset);
    }
  });
}

Deno.test("keepLowestRanks keeps the smallest values, ties to the earlier position, as a stable argsort", () => {
  const draw = new Philox(Date.now() % 100000, 10);
  for (let trial = 0; trial < 30; trial++) {
    const b = 1 + draw.randint(1, 6)[0],
      l = 1 + draw.randint(1, 12)[0],
      keepCount = draw.randint(1, l + 1)[0];
    // few distinct values, so ties are common
    const u = Float32Array.from(draw.randint(b * l, 4), (v) => v / 4);
    const expected = new Float32Array(b * l);
    for (let r = 0; r < b; r++) {
      const order = Array.from({ length: l }, (_, i) => i).sort((x, y) =>
        u[r * l + x] - u[r * l + y] || x - y
      );
      for (const i of order.slice(0, keepCount)) expected[r * l + i] = 1;
    }
    const t = new Tensor(
      new CpuBackend({ quiet: true }).fromHost(u),
      [b, l],
      new CpuBackend({ quiet: true }),
    );
    assert.deepEqual(values(keepLowestRanks(t, keepCount)), expected, `u ${u} keep ${keepCount}`);
    t.dispose();
  }
  assert.throws(
    () =>
      keepLowestRanks(new Tensor(new CpuBackend().fromHost(new Float32Array(4)), [4], new CpuBackend()), 1),
    /\[B, L\]/,
  );
});
