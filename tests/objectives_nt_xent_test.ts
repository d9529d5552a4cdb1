import assert from "node:assert/strict";
import { ntXent } from "../src/objectives/mod.ts";
import { mulScalar, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";
import { ntXentRef, numericGradRef, randomBatch } from "./objectives_reference.ts";

Deno.test("ntXent: hand-worked N=2, D=2 case", () => {
  // Raw z1 = [[5, 0], [0, 2]] normalises to I; raw z2 = [[2, 2], [1, -1]] to [[1, 1], [1, −1]]/√2; τ = 0.5.
  // A/τ = 2·z1 z2ᵀ = [[c, c], [c, −c]] with c = √2; z1 z1ᵀ = z2 z2ᵀ = I, so the unmasked S entries are 0.
  //   row 0 [A00, A01, −, S11_01] = [c, c, −, 0], positive c:   −c + log(2eᶜ + 1)        = 0.807866
  //   row 1 [A10, A11, S11_10, −] = [c, −c, 0, −], positive −c: c + log(eᶜ + e⁻ᶜ + 1)    = 3.092500
  //   rows 2, 3 (the z2 side) hold the same logit sets: [−, 0, c, c] and [0, −, c, −c].
  // loss = (0.807866 + 3.092500) / 2 = 1.950183 (eᶜ = 4.113250, e⁻ᶜ = 0.243117).
  const z1 = tensor([5, 0, 0, 2], [2, 2]);
  const z2 = tensor([2, 2, 1, -1], [2, 2]);
  const c = Math.SQRT2;
  const expected = 0.5 *
    ((-c + Math.log(2 * Math.exp(c) + 1)) + (c + Math.log(Math.exp(c) + Math.exp(-c) + 1)));
  assertClose([expected], [1.950183], 1e-6, 0);
  assertClose(ntXent(z1, z2, 0.5).dataSync(), [expected], 1e-5, 1e-6);
});

Deno.test("ntXent: matches the float64 block-matrix re-computation (several N, D, τ)", () => {
  for (const [n, d, tau] of [[2, 3, 0.1], [5, 8, 0.1], [16, 32, 0.07], [33, 7, 0.5], [64, 16, 0.2]]) {
    tidy(() => {
      const a = randomBatch(n, d, false, 2), b = randomBatch(n, d, false, 0.5);
      const got = ntXent(a.t, b.t, tau).item();
      assertClose([got], [ntXentRef(a.rows, b.rows, tau)], 1e-5, 2e-5, `ntXent N=${n} D=${d} τ=${tau}`);
    });
  }
});

Deno.test("ntXent: symmetric in (z1, z2) and invariant to rescaling of rows", () => {
  tidy(() => {
    const a = randomBatch(9, 6), b = randomBatch(9, 6);
    const ab = ntXent(a.t, b.t, 0.1).item(), ba = ntXent(b.t, a.t, 0.1).item();
    assertClose([ab], [ba], 1e-5, 1e-6, "ntXent(z1, z2) vs ntXent(z2, z1)");
    assertClose([ntXent(mulScalar(a.t, 7.5), b.t, 0.1).item()], [ab], 1e-5, 1e-6, "rescaled z1");
  });
});

Deno.test("ntXent: value and gradient stay exact with large logits (−1e8 self mask, small τ)", () => {
  tidy(() => {
    // Identical views: self-similarities (masked) equal the positives, the case where a leaky mask shows most.
    const a = randomBatch(6, 4, true);
    const b = tensor(a.t.dataSync(), [6, 4], { requiresGrad: true });
    const loss = ntXent(a.t, b, 0.02);
    assertClose([loss.item()], [ntXentRef(a.rows, a.rows, 0.02)], 1e-4, 1e-5, "value at τ = 0.02");
    loss.backward();
    // The engine's float32 gradients against float64 central differences of the reference.
    const gA = numericGradRef((x) => ntXentRef(x, a.rows, 0.02), a.rows);
    const gB = numericGradRef((x) => ntXentRef(a.rows, x, 0.02), a.rows);
    assertClose(a.t.grad!.dataSync(), gA, 2e-4, 1e-3, "d loss / d z1");
    assertClose(b.grad!.dataSync(), gB, 2e-4, 1e-3, "d loss / d z2");
  });
});

Deno.test("ntXent: gradient matches finite differences for both inputs", () => {
  const z1 = randTensor([3, 4]), z2 = randTensor([3, 4]);
  gradCheck((a, b) => ntXent(a, b, 0.5), [z1, z2]);
  const w1 = randTensor([5, 3]), w2 = randTensor([5, 3]);
  gradCheck((a, b) => ntXent(a, b, 1), [w1, w2]);
});

Deno.test("ntXent: clear errors for bad shapes and temperatures", () => {
  const a = randTensor([4, 3], undefined, 1, false), b = randTensor([5, 3], undefined, 1, false);
  assert.throws(() => ntXent(a, b, 0.1), /ntXent: z1 \[4, 3\] and z2 \[5, 3\] must have the same shape/);
  assert.throws(
    () => ntXent(tensor([1, 2, 3], [3]), a, 0.1),
    /ntXent: z1 must be a non-empty \[N, D\] batch.*\[3\]/,
  );
  assert.throws(() => ntXent(a, a, 0), /ntXent: temperature tau must be a finite number > 0, got 0/);
  assert.throws(() => ntXent(a, a, NaN), /tau/);
});
