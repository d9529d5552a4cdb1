import assert from "node:assert/strict";
import { datasetCacheName, loadOrMake, stableStringify } from "../src/data/cache.ts";
import { makeSyntheticDataset } from "../src/data/synthetic.ts";
import type { MultimodalDataset } from "../src/data/types.ts";

function small(seed: number): MultimodalDataset {
  const ds = makeSyntheticDataset({ seed, nSsl: 50, nProbeTrain: 40, nProbeTest: 30, T: 4, F: 5 });
  ds.probeVal = ds.probeTest;
  return ds;
}

Deno.test("cache: stable names, round trip, second load skips make, damaged entry is remade", async () => {
  assert.equal(
    stableStringify({ b: 1, a: [2, { d: 3, c: 4 }] }),
    stableStringify({ a: [2, { c: 4, d: 3 }], b: 1 }),
  );
  assert.equal(await datasetCacheName("x", { a: 1, b: 2 }), await datasetCacheName("x", { b: 2, a: 1 }));
  assert.notEqual(await datasetCacheName("x", { a: 1 }), await datasetCacheName("x", { a: 2 }));
  await assert.rejects(() => datasetCacheName("../x", {}), /key/);

  const root = await Deno.makeTempDir();
  try {
    let calls = 0;
    const make = (seed: number) => () => {
      calls++;
      return small(seed);
    };
    const first = await loadOrMake("synthetic", { seed: 5 }, make(5), { cacheDir: root });
    assert.equal(calls, 1);
    const second = await loadOrMake("synthetic", { seed: 5 }, make(5), { cacheDir: root });
    assert.equal(calls, 1, "second load comes from disk");
    assert.deepEqual(second, first);
    assert.deepEqual(second, small(5));
    const entries = [...Deno.readDirSync(root)].map((e) => e.name);
    assert.equal(entries.length, 1);
    assert.ok(!entries[0].includes(".tmp-"), "no temporary directory left");
    const dir = `${root}/${entries[0]}`;
    // raw little-endian float32 on disk
    const raw = await Deno.readFile(`${dir}/ssl.x0.f32`);
    assert.equal(new DataView(raw.buffer).getFloat32(4 * 7, true), first.ssl.modalities[0].data[7]);

    await loadOrMake("synthetic", { seed: 6 }, make(6), { cacheDir: root });
    assert.equal(calls, 2);

    await Deno.writeFile(`${dir}/probeTest.x1.f32`, new Uint8Array(12)); // truncate: damaged
    const third = await loadOrMake("synthetic", { seed: 5 }, make(5), { cacheDir: root });
    assert.equal(calls, 3);
    assert.deepEqual(third, first);
    const fourth = await loadOrMake("synthetic", { seed: 5 }, make(5), { cacheDir: root });
    assert.equal(calls, 3);
    assert.deepEqual(fourth, first);
    await loadOrMake("synthetic", { seed: 5 }, make(5), { cacheDir: root, disabled: true });
    assert.equal(calls, 4);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
