import assert from "node:assert/strict";
import { commLoss, ntXent } from "../src/objectives/mod.ts";
import { type Tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";
import { commRef, randomBatch, type Rows } from "./objectives_reference.ts";

function views(count: number, n: number, d: number): { rows: Rows[]; ts: Tensor[] } {
  const bs = Array.from({ length: count }, () => randomBatch(n, d));
  return { rows: bs.map((b) => b.rows), ts: bs.map((b) => b.t) };
}

Deno.test("commLoss: matches the float64 re-computation, with and without weights", () => {
  for (const [count, n, d] of [[3, 4, 5], [3, 16, 8], [4, 10, 6], [1, 7, 3]]) {
    tidy(() => {
      const v1 = views(count, n, d), v2 = views(count, n, d);
      assertClose(
        [commLoss(v1.ts, v2.ts, { tau: 0.1 }).item()],
        [commRef(v1.rows, v2.rows, 0.1)],
        1e-5,
        2e-5,
      );
      const w = Array.from({ length: count }, (_, i) => 1 + 2 * i);
      assertClose(
        [commLoss(v1.ts, v2.ts, { tau: 0.2, weights: w }).item()],
        [commRef(v1.rows, v2.rows, 0.2, w)],
        1e-5,
        2e-5,
      );
    });
  }
});

Deno.test("commLoss: mean semantics — weights multiply the terms, the division is by the term count", () => {
  tidy(() => {
    const v1 = views(3, 6, 4), v2 = views(3, 6, 4);
    const term = (i: number) =>
      0.5 * (ntXent(v1.ts[i], v2.ts[2], 0.1).item() + ntXent(v2.ts[i], v1.ts[2], 0.1).item());
    const t = [term(0), term(1), term(2)];
    assertClose([commLoss(v1.ts, v2.ts, { tau: 0.1 }).item()], [(t[0] + t[1] + t[2]) / 3], 1e-5, 1e-5);
    // InfMasking-style up-weighting of the full↔full term: still divided by 3.
    assertClose(
      [commLoss(v1.ts, v2.ts, { tau: 0.1, weights: [1, 1, 5] }).item()],
      [(t[0] + t[1] + 5 * t[2]) / 3],
      1e-5,
      1e-5,
    );
    // Zero weights leave only the full↔full term (the last entry is included).
    assertClose([commLoss(v1.ts, v2.ts, { tau: 0.1, weights: [0, 0, 3] }).item()], [t[2]], 1e-5, 1e-5);
    // A single (full) entry is the symmetric NT-Xent itself.
    assertClose([commLoss([v1.ts[2]], [v2.ts[2]], { tau: 0.1 }).item()], [
      ntXent(v1.ts[2], v2.ts[2], 0.1).item(),
    ]);
  });
});

Deno.test("commLoss: gradient matches finite differences through every entry", () => {
  const a = [randTensor([3, 4]), randTensor([3, 4])], b = [randTensor([3, 4]), randTensor([3, 4])];
  gradCheck((a0, a1, b0, b1) => commLoss([a0, a1], [b0, b1], { tau: 0.5, weights: [2, 1] }), [...a, ...b]);
});

Deno.test("commLoss: clear errors for mismatched lengths, weights and shapes", () => {
  const x = () => randTensor([4, 3], undefined, 1, false);
  assert.throws(
    () => commLoss([x(), x()], [x()], { tau: 0.1 }),
    /commLoss: z1 has 2 embeddings but z2 has 1/,
  );
  assert.throws(() => commLoss([], [], { tau: 0.1 }), /commLoss: z1 and z2 must hold at least one embedding/);
  assert.throws(
    () => commLoss([x(), x()], [x(), x()], { tau: 0.1, weights: [1, 1, 1] }),
    /commLoss: weights has 3 entries, expected 2/,
  );
  assert.throws(() => commLoss([x(), x()], [x(), x()], { tau: 0.1, weights: [1, NaN] }), /weights\[1\]/);
  assert.throws(
    () => commLoss([randTensor([4, 5]), x()], [x(), x()], { tau: 0.1 }),
    /commLoss: z1\[0\] has shape \[4,5\] but the full fusion has \[4,3\]/,
  );
  assert.throws(() => commLoss([x()], [x()], { tau: -1 }), /commLoss: temperature tau/);
});
