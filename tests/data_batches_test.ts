import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import {
  epochBatches,
  gatherModality,
  gatherRows,
  gatherSplit,
  rowSize,
  sequentialBatches,
} from "../src/data/batches.ts";
import type { ModalityArray } from "../src/data/types.ts";

Deno.test("epochBatches: shuffled permutation split into batches, dropLast", () => {
  const perm = new Philox(3).permutation(103);
  const b = epochBatches(103, 10, new Philox(3));
  assert.equal(b.length, 10);
  for (const x of b) assert.equal(x.length, 10);
  assert.deepEqual(b.flatMap((x) => Array.from(x)), Array.from(perm.subarray(0, 100)));
  const all = epochBatches(103, 10, new Philox(3), { dropLast: false });
  assert.equal(all.length, 11);
  assert.equal(all[10].length, 3);
  assert.deepEqual(
    all.flatMap((x) => Array.from(x)).sort((a, c) => a - c),
    Array.from({ length: 103 }, (_, i) => i),
  );
  // successive epochs from one rng differ, and are reproducible
  const g = new Philox(11);
  const e1 = epochBatches(50, 50, g)[0], e2 = epochBatches(50, 50, g)[0];
  assert.notDeepEqual(Array.from(e1), Array.from(e2));
  const h = new Philox(11);
  h.skip(50);
  assert.deepEqual(Array.from(epochBatches(50, 50, h)[0]), Array.from(e2));
  const s = sequentialBatches(7, 3);
  assert.deepEqual(s.map((x) => Array.from(x)), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.throws(() => epochBatches(10, 0, g), /batchSize/);
});

Deno.test("gatherRows copies the right rows", () => {
  const n = 6, t = 3, f = 2;
  const data = new Philox(4).normal(n * t * f);
  const m: ModalityArray = { kind: "sequence", shape: [n, t, f], data };
  assert.equal(rowSize(m), 6);
  const idx = [5, 0, 5, 2];
  const g = gatherRows(m, idx);
  assert.equal(g.length, 4 * 6);
  for (let i = 0; i < idx.length; i++) {
    for (let j = 0; j < 6; j++) assert.equal(g[i * 6 + j], data[idx[i] * 6 + j]);
  }
  const gm = gatherModality(m, Int32Array.from(idx));
  assert.deepEqual(gm.shape, [4, 3, 2]);
  assert.throws(() => gatherRows(m, [6]), /out of range/);
  const split = gatherSplit(
    { modalities: [m], labels: { y: Int32Array.from([10, 11, 12, 13, 14, 15]) } },
    idx,
  );
  assert.deepEqual(Array.from(split.labels.y), [15, 10, 15, 12]);
  assert.deepEqual(split.modalities[0].data, g);
});
