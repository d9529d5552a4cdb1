import assert from "node:assert/strict";
import { fillBernoulliMask } from "../src/random/hash_mask.ts";

Deno.test("hash Bernoulli mask: keep rate, scale, determinism and seed dependence", () => {
  for (const keep of [0.1, 0.5, 0.9]) {
    const n = 200_000;
    const m = fillBernoulliMask(new Float32Array(n), keep, 2.5, 7);
    let kept = 0;
    for (const v of m) {
      assert.ok(v === 0 || v === 2.5, `mask value ${v} is neither 0 nor the scale`);
      if (v) kept++;
    }
    // 5 standard deviations of a binomial proportion
    assert.ok(
      Math.abs(kept / n - keep) < 5 * Math.sqrt(keep * (1 - keep) / n),
      `keep rate ${kept / n} vs ${keep}`,
    );
  }
  const a = fillBernoulliMask(new Float32Array(1000), 0.5, 1, 42);
  assert.deepEqual(a, fillBernoulliMask(new Float32Array(1000), 0.5, 1, 42));
  const b = fillBernoulliMask(new Float32Array(1000), 0.5, 1, 43);
  let same = 0;
  for (let i = 0; i < 1000; i++) if (a[i] === b[i]) same++;
  assert.ok(same > 400 && same < 600, `masks of seeds 42 and 43 agree on ${same}/1000 (expected ~500)`);
});

Deno.test("hash Bernoulli mask: neighbouring coins are uncorrelated", () => {
  const n = 100_000;
  const m = fillBernoulliMask(new Float32Array(n), 0.5, 1, 3);
  let both = 0;
  for (let i = 1; i < n; i++) if (m[i] && m[i - 1]) both++;
  // P(both kept) = 0.25 for independent coins
  assert.ok(Math.abs(both / (n - 1) - 0.25) < 0.01, `adjacent joint keep rate ${both / (n - 1)}`);
  assert.throws(() => fillBernoulliMask(new Float32Array(4), 1.5, 1, 0), /keepProb must be in \[0, 1\]/);
});
