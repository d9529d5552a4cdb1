import assert from "node:assert/strict";
import { minimizeLbfgs } from "../src/eval/lbfgs.ts";
import { cubicMinimizer, strongWolfe } from "../src/eval/strong_wolfe.ts";
import { seededUniform } from "../src/eval/split.ts";

function gaussian(seed: number): () => number {
  const r = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Solves A x = b (A [n, n]) by Gaussian elimination with partial pivoting, in float64. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (let k = 0; k < n; k++) [m[c * n + k], m[p * n + k]] = [m[p * n + k], m[c * n + k]];
    [x[c], x[p]] = [x[p], x[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c] / m[c * n + c];
      for (let k = c; k < n; k++) m[r * n + k] -= f * m[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let v = x[r];
    for (let k = r + 1; k < n; k++) v -= m[r * n + k] * x[k];
    x[r] = v / m[r * n + r];
  }
  return x;
}

Deno.test("cubic interpolation recovers the minimum of a quadratic", () => {
  // f(t) = (t - 0.3)^2: f(0) = 0.09, f'(0) = -0.6, f(1) = 0.49, f'(1) = 1.4.
  assert.ok(Math.abs(cubicMinimizer(0, 0.09, -0.6, 1, 0.49, 1.4) - 0.3) < 1e-12);
  // Same points given in the other order, and clamping to bounds.
  assert.ok(Math.abs(cubicMinimizer(1, 0.49, 1.4, 0, 0.09, -0.6) - 0.3) < 1e-12);
  assert.equal(cubicMinimizer(0, 0.09, -0.6, 1, 0.49, 1.4, [0.5, 0.9]), 0.5);
});

Deno.test("strong Wolfe step satisfies both conditions", () => {
  // phi(t) = f(x0 + t d) for f(x) = sum(x^4)/4 - sum(x), a nonquadratic convex function.
  const x0 = Float64Array.from([0.2, -0.5, 1.7]);
  const grad = (x: Float64Array) => x.map((v) => v * v * v - 1);
  const f = (x: Float64Array) => x.reduce((s, v) => s + v ** 4 / 4 - v, 0);
  const g0 = grad(x0);
  const d = g0.map((v) => -v);
  const gtd0 = g0.reduce((s, v, i) => s + v * d[i], 0);
  const f0 = f(x0);
  for (const t0 of [1e-3, 0.05, 1, 30]) {
    const res = strongWolfe(
      (t) => {
        const x = x0.map((v, i) => v + t * d[i]);
        return { f: f(x), g: grad(x) };
      },
      d,
      f0,
      g0,
      gtd0,
      t0,
    );
    const gtd = res.g.reduce((s, v, i) => s + v * d[i], 0);
    assert.ok(res.f <= f0 + 1e-4 * res.t * gtd0, `Armijo fails from t0=${t0}`);
    assert.ok(Math.abs(gtd) <= -0.9 * gtd0, `curvature fails from t0=${t0}`);
  }
});

Deno.test("L-BFGS minimises the Rosenbrock function", () => {
  const rosen = (x: Float64Array, g: Float64Array): number => {
    let f = 0;
    g.fill(0);
    for (let i = 0; i + 1 < x.length; i++) {
      const a = x[i + 1] - x[i] * x[i];
      const b = 1 - x[i];
      f += 100 * a * a + b * b;
      g[i] += -400 * x[i] * a - 2 * b;
      g[i + 1] += 200 * a;
    }
    return f;
  };
  const r2 = minimizeLbfgs(rosen, Float64Array.from([-1.2, 1]), { maxIter: 200 });
  assert.ok(r2.f < 1e-12, `f = ${r2.f} (${r2.stop})`);
  for (const v of r2.x) assert.ok(Math.abs(v - 1) < 1e-5);

  const x0 = new Float64Array(10);
  const g = gaussian(3);
  for (let i = 0; i < 10; i++) x0[i] = g();
  // With the default toleranceChange (1e-9) the run stops once |gᵀd| < 1e-9, at f of a few 1e-10 for most
  // starts; the tighter tolerance makes the 1e-10 bound independent of the random start.
  const r10 = minimizeLbfgs(rosen, x0, { maxIter: 500, toleranceChange: 1e-12 });
  assert.ok(r10.f < 1e-10, `f = ${r10.f} (${r10.stop})`);
  // x0 is left untouched.
  assert.notEqual(x0[0], r10.x[0]);
});

Deno.test("L-BFGS matches the closed-form minimiser of a random convex quadratic", () => {
  const n = 30;
  const g = gaussian(7);
  const m = new Float64Array(n * n);
  for (let i = 0; i < m.length; i++) m[i] = g();
  // A = MᵀM/n + 0.05·I (condition number in the hundreds), b random.
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[k * n + i] * m[k * n + j];
      a[i * n + j] = s / n + (i === j ? 0.05 : 0);
    }
  }
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) b[i] = g();
  const quad = (x: Float64Array, grad: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += a[i * n + j] * x[j];
      grad[i] = ax - b[i];
      f += 0.5 * x[i] * ax - b[i] * x[i];
    }
    return f;
  };
  const res = minimizeLbfgs(quad, new Float64Array(n), {
    maxIter: 300,
    toleranceGrad: 1e-10,
    toleranceChange: 1e-14,
  });
  const xStar = solve(a, b, n);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    err = Math.max(err, Math.abs(res.x[i] - xStar[i]));
    scale = Math.max(scale, Math.abs(xStar[i]));
  }
  assert.ok(err < 1e-7 * scale, `max error ${err} (scale ${scale}, ${res.stop} after ${res.iterations})`);
});

Deno.test("L-BFGS stopping rules and argument checks", () => {
  // Already optimal: returns at once without iterating.
  const r = minimizeLbfgs((x, g) => {
    g[0] = 2 * x[0];
    return x[0] * x[0];
  }, Float64Array.from([0]));
  assert.equal(r.stop, "gradient");
  assert.equal(r.iterations, 0);
  // f = -x is unbounded below: every line search extrapolates until its 25-evaluation budget, and the
  // run stops on the evaluation cap (default 1.25·maxIter = 10, as torch) after one iteration.
  let calls = 0;
  const capped = minimizeLbfgs(
    (x, g) => {
      calls++;
      g[0] = -1;
      return -x[0];
    },
    Float64Array.from([0]),
    { maxIter: 8 },
  );
  assert.equal(capped.stop, "max-eval");
  assert.equal(capped.iterations, 1);
  assert.equal(calls, capped.evaluations);
  assert.equal(calls, 26);
  assert.throws(() => minimizeLbfgs(() => 0, new Float64Array(1), { historySize: 0 }), /historySize/);
});
