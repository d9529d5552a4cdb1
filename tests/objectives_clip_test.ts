import assert from "node:assert/strict";
import {
  clampLogitScale,
  CLIP_LOGIT_SCALE_INIT,
  CLIP_LOGIT_SCALE_MAX,
  clipLoss,
  crossSelfLoss,
  crossSelfLossParts,
  ntXent,
} from "../src/objectives/mod.ts";
import { tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor } from "./helpers.ts";
import { clipRef, ntXentRef, randomBatch } from "./objectives_reference.ts";

Deno.test("clipLoss: matches the float64 re-computation (rows and columns cross-entropies)", () => {
  for (
    const [n, d, s] of [[2, 3, CLIP_LOGIT_SCALE_INIT], [8, 5, 1], [24, 16, CLIP_LOGIT_SCALE_INIT], [
      10,
      4,
      0.3,
    ]]
  ) {
    tidy(() => {
      const a = randomBatch(n, d), b = randomBatch(n, d);
      const got = clipLoss(a.t, b.t, tensor([s], [])).item();
      assertClose(
        [got],
        [clipRef(a.rows, b.rows, Math.exp(Math.fround(s)))],
        1e-5,
        3e-5,
        `N=${n} D=${d} s=${s}`,
      );
    });
  }
});

Deno.test("clipLoss: hand case — N=2 orthonormal pairs", () => {
  // ẑ1 = ẑ2 = I, scale e^0 = 1: logits = I, each CE = −log(e/(e+1)) = log(1 + e⁻¹) = 0.3132617.
  const z = tensor([2, 0, 0, 3], [2, 2]);
  assertClose([clipLoss(z, z, tensor([0], [1])).item()], [Math.log(1 + Math.exp(-1))], 1e-6, 1e-6);
});

Deno.test("clipLoss: the logit scale is clamped to exp ≤ 100; clampLogitScale clamps the parameter in place", () => {
  tidy(() => {
    const a = randomBatch(6, 4), b = randomBatch(6, 4);
    const s = tensor([6], [], { requiresGrad: true });
    const loss = clipLoss(a.t, b.t, s);
    assertClose([loss.item()], [clipRef(a.rows, b.rows, 100)], 1e-5, 3e-5, "scale capped at 100");
    loss.backward();
    assert.equal(s.grad!.item(), 0, "no gradient while the parameter is beyond the clamp");
    clampLogitScale(s);
    assertClose([s.item()], [CLIP_LOGIT_SCALE_MAX], 1e-6, 1e-6);
    const low = tensor([-2], []);
    clampLogitScale(low);
    assert.equal(low.item(), 0);
  });
});

Deno.test("clipLoss: gradient matches finite differences for both embeddings and the logit scale", () => {
  const z1 = randTensor([4, 3]), z2 = randTensor([4, 3]);
  const s = tensor([0.7], [1], { requiresGrad: true });
  gradCheck((a, b, c) => clipLoss(a, b, c), [z1, z2, s]);
});

Deno.test("crossSelfLoss: cross + sslScale·½(NCE(self1) + NCE(self2)), with a CLIP or an NT-Xent cross term", () => {
  tidy(() => {
    const [c1, c2, p, q, r, s] = Array.from({ length: 6 }, () => randomBatch(7, 5));
    const tau = 0.1, scale = tensor([CLIP_LOGIT_SCALE_INIT], []);
    const selfRef = 0.5 * (ntXentRef(p.rows, q.rows, tau) + ntXentRef(r.rows, s.rows, tau));
    const clipCross = clipRef(c1.rows, c2.rows, Math.exp(Math.fround(CLIP_LOGIT_SCALE_INIT)));
    assertClose(
      [crossSelfLoss(c1.t, c2.t, [p.t, q.t], [r.t, s.t], { tau, logitScale: scale }).item()],
      [clipCross + selfRef],
      1e-5,
      3e-5,
      "CLIP cross term",
    );
    assertClose(
      [crossSelfLoss(c1.t, c2.t, [p.t, q.t], [r.t, s.t], { tau, sslScale: 2 }).item()],
      [ntXentRef(c1.rows, c2.rows, tau) + 2 * selfRef],
      1e-5,
      3e-5,
      "NT-Xent cross term, sslScale 2",
    );
    const parts = crossSelfLossParts(c1.t, c2.t, [p.t, q.t], [r.t, s.t], { tau });
    assertClose(
      [parts.cross.item(), parts.self1.item(), parts.self2.item()],
      [ntXent(c1.t, c2.t, tau).item(), ntXentRef(p.rows, q.rows, tau), ntXentRef(r.rows, s.rows, tau)],
      1e-5,
      3e-5,
      "parts",
    );
  });
});

Deno.test("crossSelfLoss: gradient matches finite differences", () => {
  const t = () => randTensor([3, 3]);
  const s = tensor([1.2], [], { requiresGrad: true });
  gradCheck(
    (c1, c2, p, q, r, u, ls) => crossSelfLoss(c1, c2, [p, q], [r, u], { tau: 0.5, logitScale: ls }),
    [t(), t(), t(), t(), t(), t(), s],
  );
});

Deno.test("clip / crossSelf: clear errors for bad shapes and logit scales", () => {
  const x = (n = 4, d = 3) => randTensor([n, d], undefined, 1, false);
  assert.throws(
    () => clipLoss(x(), x(3), tensor([1], [])),
    /clipLoss: z1 \[4, 3\] and z2 \[3, 3\] must have the same shape/,
  );
  assert.throws(
    () => clipLoss(x(), x(), tensor([1, 2], [2])),
    /clipLoss: logitScale must be a scalar parameter, got shape \[2\]/,
  );
  assert.throws(
    () => crossSelfLoss(x(), x(), [x(), x(4, 2)], [x(), x()], { tau: 0.1 }),
    /crossSelfLoss: self1\[0\] \[4, 3\] and self1\[1\] \[4, 2\] must have the same shape/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => crossSelfLoss(x(), x(), [x()] as any, [x(), x()], { tau: 0.1 }),
    /crossSelfLoss: self1 must hold exactly 2 augmented views, got 1/,
  );
});
