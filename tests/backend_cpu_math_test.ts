import assert from "node:assert/strict";
import { expf } from "../src/backend/cpu/math.ts";

Deno.test("expf matches Math.exp to float32 rounding over the whole float32 range", () => {
  let worstUlps = 0, mismatches = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const x = Math.fround(-110 + 205 * Math.random()); // past both ends of float32's exp range
    const want = Math.fround(Math.exp(x)), got = Math.fround(expf(x));
    if (got === want) continue;
    mismatches++;
    // relative error in units of float32's last place (2^-23); subnormals compared absolutely
    const ulps = want >= 1.2e-38 && isFinite(want)
      ? Math.abs(got - want) / want * 2 ** 23
      : Math.abs(got - want) / 1.4e-45;
    worstUlps = Math.max(worstUlps, ulps);
  }
  assert.ok(worstUlps <= 1, `worst error ${worstUlps} float32 ulps`);
  assert.ok(mismatches < n * 1e-3, `${mismatches} of ${n} differ from Math.exp after rounding`);
});

Deno.test("expf edge cases: float32 0 below the range, Infinity above, NaN through, exact at 0", () => {
  const f32 = (x: number) => Math.fround(expf(x));
  assert.equal(f32(-Infinity), 0);
  assert.equal(f32(-1e4), 0);
  assert.equal(f32(-104), 0);
  assert.equal(f32(Infinity), Infinity);
  assert.equal(f32(88.8), Infinity);
  assert.equal(f32(1e4), Infinity);
  assert.ok(Number.isNaN(expf(NaN)));
  assert.equal(f32(102), Infinity);
  assert.ok(1 / (1 + expf(150)) < 1e-44, "sigmoid far left stays tiny");
  assert.equal(expf(0), 1);
  assert.equal(Math.fround(expf(1)), Math.fround(Math.E));
  assert.equal(Math.fround(expf(-87.3)), Math.fround(Math.exp(-87.3)));
});
