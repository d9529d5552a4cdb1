import assert from "node:assert/strict";
import {
  commLoss,
  infMaskingLoss,
  infMaskingObjective,
  infMaskingObjectiveParts,
  lambdaRamp,
} from "../src/objectives/mod.ts";
import { numLiveTensors, type Tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";
import {
  commRef,
  fromRows,
  infMaskingRef,
  infoNceRef,
  normalizeRows,
  randomBatch,
  randomRows,
  type Rows,
} from "./objectives_reference.ts";

function batches(count: number, n: number, d: number, requiresGrad = false): { rows: Rows[]; ts: Tensor[] } {
  const bs = Array.from({ length: count }, () => randomBatch(n, d, requiresGrad));
  return { rows: bs.map((b) => b.rows), ts: bs.map((b) => b.t) };
}

/** Per-mask InfoNCE averaged over the K masks: positive k_{m,b}, negatives as in the closed form. */
function monteCarloRef(qRaw: Rows, maskedRaw: Rows[], tau: number): number {
  const q = normalizeRows(qRaw), ks = maskedRaw.map(normalizeRows);
  const negatives = (
    b: number,
  ) => [...ks.flatMap((k) => k.filter((_, j) => j !== b)), ...q.filter((_, j) => j !== b)];
  return ks.reduce((s, k) => s + infoNceRef(q, k, negatives, tau), 0) / ks.length;
}

Deno.test("infMaskingLoss: matches the float64 re-computation with explicit E×E covariances", () => {
  const cases = [[2, 3, 1, 0.1, 1], [4, 5, 3, 0.1, 1], [8, 6, 5, 0.2, 0.25], [16, 12, 6, 0.05, 2], [
    32,
    8,
    4,
    0.1,
    0.7,
  ]];
  for (const [b, e, k, tau, lambda] of cases) {
    tidy(() => {
      const q = randomBatch(b, e), m = batches(k, b, e);
      const got = infMaskingLoss(q.t, m.ts, { tau, lambda }).item();
      assertClose(
        [got],
        [infMaskingRef(q.rows, m.rows, tau, lambda)],
        1e-5,
        3e-5,
        `B=${b} E=${e} K=${k} τ=${tau}`,
      );
    });
  }
});

Deno.test("infMaskingLoss: with all K masked views equal (Σ = 0) it is the InfoNCE of q against them", () => {
  tidy(() => {
    const b = 7, e = 5, k = 4, tau = 0.1;
    const q = randomBatch(b, e), key = randomBatch(b, e);
    const got = infMaskingLoss(q.t, new Array(k).fill(key.t), { tau, lambda: 1 }).item();
    // InfoNCE: positive k_b; negatives k_j (j ≠ b) once per masked copy, and q_j (j ≠ b).
    const qn = normalizeRows(q.rows), kn = normalizeRows(key.rows);
    const negatives = (i: number) => [
      ...Array.from({ length: k }, () => kn.filter((_, j) => j !== i)).flat(),
      ...qn.filter((_, j) => j !== i),
    ];
    assertClose([got], [infoNceRef(qn, kn, negatives, tau)], 1e-5, 2e-5);
  });
});

Deno.test("infMaskingLoss: λ = 0 reduces to the InfoNCE with the mean masked embedding as positive", () => {
  tidy(() => {
    const b = 9, e = 6, k = 5, tau = 0.2;
    const q = randomBatch(b, e), m = batches(k, b, e);
    const qn = normalizeRows(q.rows), ks = m.rows.map(normalizeRows);
    const mu = qn.map((_, i) => qn[i].map((_, c) => ks.reduce((s, kk) => s + kk[i][c], 0) / k)); // not renormalised
    const negatives = (
      i: number,
    ) => [...ks.flatMap((kk) => kk.filter((_, j) => j !== i)), ...qn.filter((_, j) => j !== i)];
    const got = infMaskingLoss(q.t, m.ts, { tau, lambda: 0 }).item();
    assertClose([got], [infoNceRef(qn, mu, negatives, tau)], 1e-5, 2e-5);
  });
});

Deno.test("infMaskingLoss: K = 64 masks — mean-embedding InfoNCE ≤ Monte-Carlo mean ≤ closed form (λ = 1)", () => {
  // Lower bound: Jensen on the convex a ↦ log(eᵃ + S), always. Upper bound: the Gaussian closed form
  // log(E eᵃ + S) with E eᵃ = exp(ā + ½Var a). That step assumes Gaussian-like mask logits; for skewed
  // empirical mask distributions it can fail by a hair, so the masks here are antithetic (symmetric)
  // perturbations of a centre aligned with q, the regime the bound models.
  for (const [b, e, tau, sigma] of [[12, 5, 0.2, 0.4], [16, 4, 0.1, 0.3], [10, 6, 0.1, 0.5]]) {
    tidy(() => {
      const k = 64;
      const qRows = randomRows(b, e), centre = randomRows(b, e);
      const maskedRows: Rows[] = [];
      for (let t = 0; t < k / 2; t++) {
        const noise = randomRows(b, e);
        for (const s of [1, -1]) {
          maskedRows.push(
            qRows.map((r, i) => r.map((v, c) => v + 0.5 * centre[i][c] + s * sigma * noise[i][c])),
          );
        }
      }
      const q = fromRows(qRows), masked = maskedRows.map((r) => fromRows(r));
      const mc = monteCarloRef(q.rows, masked.map((m) => m.rows), tau);
      const closed = infMaskingLoss(q.t, masked.map((m) => m.t), { tau, lambda: 1 }).item();
      const lower = infMaskingLoss(q.t, masked.map((m) => m.t), { tau, lambda: 0 }).item();
      assert.ok(closed >= mc - 1e-5, `closed form ${closed} < Monte-Carlo mean ${mc} (B=${b}, τ=${tau})`);
      assert.ok(
        lower <= mc + 1e-5,
        `mean-embedding InfoNCE ${lower} > Monte-Carlo mean ${mc} (B=${b}, τ=${tau})`,
      );
      assert.ok(closed - lower > 1e-4, "the variance term is not negligible in this test");
    });
  }
});

Deno.test("infMaskingLoss: gradient matches finite differences for q and every masked view", () => {
  const q = randTensor([3, 4]), m = [randTensor([3, 4]), randTensor([3, 4]), randTensor([3, 4])];
  gradCheck((q, a, b, c) => infMaskingLoss(q, [a, b, c], { tau: 0.5, lambda: 1 }), [q, ...m]);
  const q2 = randTensor([4, 3]), m2 = [randTensor([4, 3]), randTensor([4, 3])];
  gradCheck((q, a, b) => infMaskingLoss(q, [a, b], { tau: 1, lambda: 2 }), [q2, ...m2]);
});

Deno.test("infMaskingObjective: mean of weighted [mask1, mask2, ...CoMM terms], and its parts", () => {
  for (const [n, b, e, k] of [[3, 6, 5, 4], [2, 10, 8, 3]]) {
    tidy(() => {
      const tau = 0.1, lambda = 0.6;
      const z1 = batches(n, b, e), z2 = batches(n, b, e), m1 = batches(k, b, e), m2 = batches(k, b, e);
      const x = { z1: z1.ts, z2: z2.ts, masked1: m1.ts, masked2: m2.ts };
      const last = n - 1;
      const mask1 = infMaskingRef(z1.rows[last], m1.rows, tau, lambda);
      const mask2 = infMaskingRef(z2.rows[last], m2.rows, tau, lambda);
      const weights = Array.from({ length: 2 + n }, (_, i) => (i === 1 + n ? 5 : 1 + 0.5 * i));
      const commTail = commRef(z1.rows, z2.rows, tau, weights.slice(2)) * n; // Σ_i w_{2+i} term_i
      const expected = (weights[0] * mask1 + weights[1] * mask2 + commTail) / (2 + n);
      assertClose(
        [infMaskingObjective(x, { tau, lambda, weights }).item()],
        [expected],
        1e-5,
        3e-5,
        "weighted",
      );
      const unweighted = (mask1 + mask2 + commRef(z1.rows, z2.rows, tau) * n) / (2 + n);
      assertClose([infMaskingObjective(x, { tau, lambda }).item()], [unweighted], 1e-5, 3e-5, "unweighted");

      const parts = infMaskingObjectiveParts(x, { tau, lambda, weights });
      assertClose([parts.mask1.item(), parts.mask2.item()], [mask1, mask2], 1e-5, 3e-5, "mask parts");
      const commPart = commLoss(z1.ts, z2.ts, { tau, weights: weights.slice(2) }).item();
      assertClose([parts.comm.item()], [commPart], 1e-5, 1e-5, "comm part");
      assertClose([parts.total.item()], [expected], 1e-5, 3e-5, "total part");
    });
  }
});

Deno.test("infMaskingObjective: gradient matches finite differences through all inputs", () => {
  const t = () => randTensor([3, 3]);
  const inputs = [t(), t(), t(), t(), t(), t(), t(), t()];
  gradCheck(
    (a0, a1, b0, b1, m10, m11, m20, m21) =>
      infMaskingObjective({ z1: [a0, a1], z2: [b0, b1], masked1: [m10, m11], masked2: [m20, m21] }, {
        tau: 0.5,
        lambda: 1,
        weights: [1, 2, 1, 3],
      }),
    inputs,
  );
});

Deno.test("lambdaRamp: λ·(epoch+1)/maxEpochs with 0-based epochs", () => {
  assert.equal(lambdaRamp(1, 0, 100), 0.01);
  assert.equal(lambdaRamp(2, 49, 100), 1);
  assert.equal(lambdaRamp(0.25, 99, 100), 0.25);
  assert.equal(lambdaRamp(0, 5, 10), 0);
  assert.throws(() => lambdaRamp(1, -1, 10), /lambdaRamp: epoch must be an integer >= 0/);
  assert.throws(() => lambdaRamp(1, 0, 0), /lambdaRamp: maxEpochs must be an integer >= 1, got 0/);
  assert.throws(() => lambdaRamp(-1, 0, 10), /lambdaRamp: lambda must be a finite number >= 0/);
});

Deno.test("infMasking: clear errors for empty mask lists, shape and length mismatches", () => {
  const x = (n = 4, d = 3) => randTensor([n, d], undefined, 1, false);
  assert.throws(
    () => infMaskingLoss(x(), [], { tau: 0.1, lambda: 1 }),
    /infMaskingLoss: masked must be a non-empty array/,
  );
  assert.throws(
    () => infMaskingLoss(x(), [x(), x(5, 3)], { tau: 0.1, lambda: 1 }),
    /infMaskingLoss: q \[4, 3\] and masked\[1\] \[5, 3\] must have the same shape/,
  );
  assert.throws(
    () => infMaskingLoss(x(), [x()], { tau: 0.1, lambda: -1 }),
    /lambda must be a finite number >= 0/,
  );
  assert.throws(() => infMaskingLoss(x(), [x()], { tau: 0, lambda: 1 }), /temperature tau/);
  const ok = { z1: [x(), x()], z2: [x(), x()], masked1: [x(), x()], masked2: [x(), x()] };
  assert.throws(
    () => infMaskingObjective(ok, { tau: 0.1, lambda: 1, weights: [1, 1, 1] }),
    /infMaskingObjective: weights has 3 entries, expected 4/,
  );
  assert.throws(
    () => infMaskingObjective({ ...ok, masked2: [x()] }, { tau: 0.1, lambda: 1 }),
    /masked1 has 2 views but masked2 has 1/,
  );
  assert.throws(
    () => infMaskingObjective({ ...ok, z2: [x()] }, { tau: 0.1, lambda: 1 }),
    /infMaskingObjective: z1 has 2 embeddings but z2 has 1/,
  );
  assert.throws(
    () => infMaskingObjective({ ...ok, masked1: [x(), x(4, 2)] }, { tau: 0.1, lambda: 1 }),
    /z1\[1\] \[4, 3\] and masked1\[1\] \[4, 2\] must have the same shape/,
  );
});

Deno.test("objectives free every intermediate inside tidy (including their constant masks)", () => {
  const t = () => randTensor([5, 4], undefined, 1, false);
  const x = { z1: [t(), t(), t()], z2: [t(), t(), t()], masked1: [t(), t()], masked2: [t(), t()] };
  const before = numLiveTensors();
  const value = tidy(() => infMaskingObjective(x, { tau: 0.1, lambda: 1 }).item());
  assert.ok(Number.isFinite(value));
  assert.equal(numLiveTensors(), before, "live tensors after tidy");
});
