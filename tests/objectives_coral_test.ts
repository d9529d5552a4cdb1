import assert from "node:assert/strict";
import { coralLoss, coralLossParts, ntXent } from "../src/objectives/mod.ts";
import { tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";
import { fromRows, meanCos2Ref, ntXentRef, randomBatch, type Rows } from "./objectives_reference.ts";

interface CoralRows {
  s1: Rows;
  s2: Rows;
  a1: Rows; // u'_1
  a2: Rows; // u'_2
  b1: Rows; // u''_1
  b2: Rows; // u''_2
}

function coralRef(r: CoralRows, tau: number, ws = 1, wu = 1, wo = 10): { total: number; parts: number[] } {
  const shared = ntXentRef(r.s1, r.s2, tau);
  const unique = ntXentRef(r.a1, r.b1, tau) + ntXentRef(r.a2, r.b2, tau);
  const ortho = meanCos2Ref(r.a1, r.a2) + meanCos2Ref(r.b1, r.b2) + meanCos2Ref(r.a1, r.s1) +
    meanCos2Ref(r.b1, r.s2) + meanCos2Ref(r.a2, r.s1) + meanCos2Ref(r.b2, r.s2);
  return { total: ws * shared + wu * unique + wo * ortho, parts: [shared, unique, ortho] };
}

function randomCoral(n: number, d: number) {
  const [s1, s2, a1, a2, b1, b2] = Array.from({ length: 6 }, () => randomBatch(n, d));
  return {
    rows: { s1: s1.rows, s2: s2.rows, a1: a1.rows, a2: a2.rows, b1: b1.rows, b2: b2.rows },
    x: { shared1: s1.t, shared2: s2.t, unique1: [a1.t, a2.t], unique2: [b1.t, b2.t] },
  };
}

Deno.test("coralLoss: matches the float64 re-computation with the default weights (1, 1, 10)", () => {
  for (const [n, d, tau] of [[3, 4, 0.1], [12, 8, 0.1], [20, 16, 0.5]]) {
    tidy(() => {
      const { rows, x } = randomCoral(n, d);
      const ref = coralRef(rows, tau);
      assertClose([coralLoss(x, { tau }).item()], [ref.total], 1e-5, 3e-5, `N=${n} D=${d}`);
      const p = coralLossParts(x, { tau });
      assertClose([p.shared.item(), p.unique.item(), p.ortho.item()], ref.parts, 1e-5, 3e-5, "parts");
      assertClose([p.total.item()], [ref.total], 1e-5, 3e-5, "parts total");
    });
  }
});

Deno.test("coralLoss: weights scale their parts in a plain sum", () => {
  tidy(() => {
    const { rows, x } = randomCoral(8, 6);
    const ref = coralRef(rows, 0.2, 2, 0.5, 1);
    assertClose(
      [coralLoss(x, { tau: 0.2, wShared: 2, wUnique: 0.5, wOrtho: 1 }).item()],
      [ref.total],
      1e-5,
      3e-5,
    );
    // Only the shared term left: the NT-Xent of the two fused views.
    assertClose(
      [coralLoss(x, { tau: 0.2, wUnique: 0, wOrtho: 0 }).item()],
      [ntXent(x.shared1, x.shared2, 0.2).item()],
      1e-6,
      1e-6,
    );
  });
});

Deno.test("coralLoss: orthogonality part is 0 for orthogonal embeddings and 6 for identical ones", () => {
  tidy(() => {
    // Each of the six embeddings points along its own axis of R^6 (with different lengths): every cos² is 0.
    const onAxis = (k: number) =>
      fromRows(
        Array.from({ length: 3 }, (_, i) => Array.from({ length: 6 }, (_, c) => (c === k ? 1 + k + i : 0))),
      ).t;
    const x = {
      shared1: onAxis(0),
      shared2: onAxis(1),
      unique1: [onAxis(2), onAxis(3)],
      unique2: [onAxis(4), onAxis(5)],
    };
    assertClose([coralLossParts(x, { tau: 0.1 }).ortho.item()], [0], 1e-7, 0);
    const same = randomBatch(4, 5).t;
    const y = { shared1: same, shared2: same, unique1: [same, same], unique2: [same, same] };
    assertClose([coralLossParts(y, { tau: 0.1 }).ortho.item()], [6], 1e-5, 1e-6);
  });
});

Deno.test("coralLoss: gradient matches finite differences for all six inputs", () => {
  const t = () => randTensor([3, 4]);
  gradCheck(
    (s1, s2, a1, a2, b1, b2) =>
      coralLoss({ shared1: s1, shared2: s2, unique1: [a1, a2], unique2: [b1, b2] }, { tau: 0.5 }),
    [t(), t(), t(), t(), t(), t()],
  );
});

Deno.test("coralLoss: clear errors for wrong list lengths and shapes", () => {
  const x = (n = 4, d = 3) => randTensor([n, d], undefined, 1, false);
  assert.throws(
    () => coralLoss({ shared1: x(), shared2: x(), unique1: [x()], unique2: [x(), x()] }, { tau: 0.1 }),
    /coralLoss: unique1 must hold exactly 2 unique embeddings \[u_1, u_2\], got 1/,
  );
  assert.throws(
    () => coralLoss({ shared1: x(), shared2: x(5), unique1: [x(), x()], unique2: [x(), x()] }, { tau: 0.1 }),
    /coralLoss: shared1 \[4, 3\] and shared2 \[5, 3\] must have the same shape/,
  );
  assert.throws(
    () =>
      coralLoss({ shared1: x(), shared2: x(), unique1: [x(4, 2), x(4, 2)], unique2: [x(4, 2), x(4, 2)] }, {
        tau: 0.1,
      }),
    /unique1\[0\] \[4, 2\] and shared1 \[4, 3\] must have the same shape/,
  );
  assert.throws(
    () =>
      coralLoss({ shared1: x(), shared2: x(), unique1: [x(), x()], unique2: [x(), x()] }, {
        tau: 0.1,
        wOrtho: NaN,
      }),
    /coralLoss: wOrtho must be a finite number/,
  );
});
