import assert from "node:assert/strict";
import {
  abs,
  add,
  addScalar,
  affine,
  clamp,
  div,
  equal,
  exp,
  expandTo,
  gelu,
  greater,
  gtScalar,
  leakyRelu,
  less,
  log,
  ltScalar,
  maskedFill,
  maximum,
  minimum,
  mul,
  mulScalar,
  neg,
  pow,
  powScalar,
  quickGelu,
  reciprocal,
  relu,
  rsqrt,
  sigmoid,
  sign,
  softplus,
  sqrt,
  square,
  sub,
  tanh,
  type Tensor,
  tensor,
  tidy,
  where,
} from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randValues, rng } from "./helpers.ts";

const SHAPE = [3, 5];

/** erf by its Maclaurin series in float64 (error ~1e-13 for |x| <= 4). */
function erf64(x: number): number {
  let sum = 0, term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
    if (Math.abs(term) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const sig64 = (x: number): number => 1 / (1 + Math.exp(-x));

/** Random values reshaped for a domain: "any", "pos" (>= 0.5) or "away" (|x| >= 0.3 from zero). */
function domainValues(shape: number[], domain: "any" | "pos" | "away", scale = 1.2): Float32Array {
  const v = randValues(shape, rng(), scale);
  for (let i = 0; i < v.length; i++) {
    if (domain === "pos") v[i] = 0.5 + Math.abs(v[i]);
    else if (domain === "away") v[i] = Math.sign(v[i] || 1) * (0.3 + Math.abs(v[i]));
    else v[i] = Math.max(-3.5, Math.min(3.5, v[i]));
  }
  return v;
}

/** Moves values within 0.05 of any kink point 0.1 away from it. */
function avoid(v: Float32Array, points: number[]): Float32Array {
  for (let i = 0; i < v.length; i++) for (const p of points) if (Math.abs(v[i] - p) < 0.05) v[i] = p + 0.1;
  return v;
}

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  domain: "any" | "pos" | "away";
  grad?: boolean;
  kinks?: number[];
}

const GELU_C = Math.sqrt(2 / Math.PI);
const UNARY: UnaryCase[] = [
  { name: "neg", fn: neg, ref: (x) => -x, domain: "any" },
  { name: "exp", fn: exp, ref: Math.exp, domain: "any" },
  { name: "log", fn: log, ref: Math.log, domain: "pos" },
  { name: "sqrt", fn: sqrt, ref: Math.sqrt, domain: "pos" },
  { name: "rsqrt", fn: rsqrt, ref: (x) => 1 / Math.sqrt(x), domain: "pos" },
  { name: "abs", fn: abs, ref: Math.abs, domain: "away" },
  { name: "relu", fn: relu, ref: (x) => Math.max(x, 0), domain: "away" },
  { name: "sigmoid", fn: sigmoid, ref: sig64, domain: "any" },
  { name: "tanh", fn: tanh, ref: Math.tanh, domain: "any" },
  { name: "gelu", fn: (x) => gelu(x), ref: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)), domain: "any" },
  {
    name: "geluTanh",
    fn: (x) => gelu(x, "tanh"),
    ref: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x ** 3))),
    domain: "any",
  },
  { name: "quickGelu", fn: quickGelu, ref: (x) => x * sig64(1.702 * x), domain: "any" },
  { name: "softplus", fn: softplus, ref: (x) => Math.log1p(Math.exp(x)), domain: "any" },
  { name: "square", fn: square, ref: (x) => x * x, domain: "any" },
  { name: "recip", fn: reciprocal, ref: (x) => 1 / x, domain: "away", kinks: [-0.5, 0.5] },
  { name: "sign", fn: sign, ref: Math.sign, domain: "away", grad: false },
  { name: "addS", fn: (x) => addScalar(x, 1.5), ref: (x) => x + 1.5, domain: "any" },
  { name: "mulS", fn: (x) => mulScalar(x, -2.5), ref: (x) => -2.5 * x, domain: "any" },
  { name: "affine", fn: (x) => affine(x, 0.5, -1), ref: (x) => 0.5 * x - 1, domain: "any" },
  { name: "powS 1.7", fn: (x) => powScalar(x, 1.7), ref: (x) => x ** 1.7, domain: "pos" },
  { name: "powS -0.5", fn: (x) => powScalar(x, -0.5), ref: (x) => x ** -0.5, domain: "pos" },
  { name: "powS 2", fn: (x) => powScalar(x, 2), ref: (x) => x * x, domain: "any" },
  { name: "powS 3", fn: (x) => powScalar(x, 3), ref: (x) => x ** 3, domain: "any" },
  {
    name: "clamp",
    fn: (x) => clamp(x, -0.5, 0.7),
    ref: (x) => Math.min(Math.max(x, -0.5), 0.7),
    domain: "any",
    kinks: [-0.5, 0.7],
  },
  { name: "clamp lo", fn: (x) => clamp(x, 0.2), ref: (x) => Math.max(x, 0.2), domain: "any", kinks: [0.2] },
  { name: "leakyRelu", fn: (x) => leakyRelu(x, 0.2), ref: (x) => (x > 0 ? x : 0.2 * x), domain: "away" },
  { name: "leakyRelu default", fn: (x) => leakyRelu(x), ref: (x) => (x > 0 ? x : 0.01 * x), domain: "away" },
  { name: "rsubS", fn: (x) => sub(2, x), ref: (x) => 2 - x, domain: "any" },
  { name: "number / x", fn: (x) => div(3, x), ref: (x) => 3 / x, domain: "away", kinks: [-0.5, 0.5] },
  { name: "x - number", fn: (x) => sub(x, 0.25), ref: (x) => x - 0.25, domain: "any" },
  { name: "x / number", fn: (x) => div(x, 4), ref: (x) => x / 4, domain: "any" },
  {
    name: "gtScalar",
    fn: (x) => gtScalar(x, 0.1),
    ref: (x) => (x > 0.1 ? 1 : 0),
    domain: "any",
    grad: false,
  },
  {
    name: "ltScalar",
    fn: (x) => ltScalar(x, 0.1),
    ref: (x) => (x < 0.1 ? 1 : 0),
    domain: "any",
    grad: false,
  },
];

Deno.test("unary and scalar ops match Math references", () => {
  for (const c of UNARY) {
    tidy(() => {
      const v = avoid(domainValues(SHAPE, c.domain), c.kinks ?? []);
      if (c.name === "recip" || c.name === "number / x") {
        for (let i = 0; i < v.length; i++) v[i] = Math.sign(v[i]) * Math.max(0.6, Math.abs(v[i]));
      }
      const y = c.fn(tensor(v, SHAPE));
      assert.deepEqual(y.shape, SHAPE, c.name);
      assertClose(y.dataSync(), Array.from(v, c.ref), 1e-5, 1e-5, c.name);
    });
  }
});

Deno.test("unary and scalar op gradients match finite differences", () => {
  for (const c of UNARY) {
    if (c.grad === false) continue;
    tidy(() => {
      const v = avoid(domainValues(SHAPE, c.domain), c.kinks ?? []);
      if (c.name === "recip" || c.name === "number / x") {
        for (let i = 0; i < v.length; i++) v[i] = Math.sign(v[i]) * Math.max(0.6, Math.abs(v[i]));
      }
      try {
        gradCheck(c.fn, [tensor(v, SHAPE, { requiresGrad: true })], { eps: 1e-3, atol: 3e-3 });
      } catch (e) {
        throw new Error(`${c.name}: ${e instanceof Error ? e.message : e}`);
      }
    });
  }
});

// ---- binary ops with broadcasting -----------------------------------------------------------------------

const BROADCAST_PAIRS: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], [3, 1]],
  [[2, 1, 4], [1, 3, 1]],
  [[3], [2, 3]],
  [[2, 3], []],
  [[1], [2, 3]],
];

/** Float64 reference of a broadcast binary op. */
function broadcastRef(
  a: Float32Array,
  as: number[],
  b: Float32Array,
  bs: number[],
  f: (x: number, y: number) => number,
): { shape: number[]; values: Float64Array } {
  const nd = Math.max(as.length, bs.length);
  const pa = [...Array(nd - as.length).fill(1), ...as], pb = [...Array(nd - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const size = shape.reduce((p, d) => p * d, 1);
  const values = new Float64Array(size);
  const idx = new Array<number>(nd).fill(0);
  for (let e = 0; e < size; e++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < nd; d++) {
      ia = ia * pa[d] + (pa[d] === 1 ? 0 : idx[d]);
      ib = ib * pb[d] + (pb[d] === 1 ? 0 : idx[d]);
    }
    values[e] = f(a[ia], b[ib]);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, values };
}

interface BinaryCase {
  name: string;
  fn: (a: Tensor, b: Tensor) => Tensor;
  ref: (x: number, y: number) => number;
  /** How to draw a's and b's values. */
  draw: (shape: number[], which: 0 | 1) => Float32Array;
  grad?: boolean;
}

const anyValues = (shape: number[]): Float32Array => domainValues(shape, "any", 1);
/** Values on disjoint grids (a on multiples of 0.2, b offset by 0.1) so max/min never tie or flip. */
const gridValues = (shape: number[], which: 0 | 1): Float32Array => {
  const n = shape.reduce((p, d) => p * d, 1);
  const k = rng().randint(Math.max(n, 1), 30);
  return Float32Array.from(k, (v) => (v - 15) * 0.2 + which * 0.1);
};

const BINARY: BinaryCase[] = [
  { name: "add", fn: add, ref: (x, y) => x + y, draw: anyValues },
  { name: "sub", fn: sub, ref: (x, y) => x - y, draw: anyValues },
  { name: "mul", fn: mul, ref: (x, y) => x * y, draw: anyValues },
  {
    name: "div",
    fn: div,
    ref: (x, y) => x / y,
    draw: (
      s,
      w,
    ) => (w === 0 ? anyValues(s) : domainValues(s, "away").map((v) => Math.sign(v) * (0.3 + Math.abs(v)))),
  },
  {
    name: "pow",
    fn: pow,
    ref: (x, y) => x ** y,
    draw: (s, w) => (w === 0 ? domainValues(s, "pos") : anyValues(s)),
  },
  { name: "maximum", fn: maximum, ref: Math.max, draw: gridValues },
  { name: "minimum", fn: minimum, ref: Math.min, draw: gridValues },
  { name: "greater", fn: greater, ref: (x, y) => (x > y ? 1 : 0), draw: gridValues, grad: false },
  { name: "less", fn: less, ref: (x, y) => (x < y ? 1 : 0), draw: gridValues, grad: false },
];

Deno.test("binary ops broadcast and match float64 references", () => {
  for (const c of BINARY) {
    for (const [as, bs] of BROADCAST_PAIRS) {
      tidy(() => {
        const av = c.draw(as, 0), bv = c.draw(bs, 1);
        const y = c.fn(tensor(av, as), tensor(bv, bs));
        const ref = broadcastRef(av, as, bv, bs, c.ref);
        const what = `${c.name} [${as}] with [${bs}]`;
        assert.deepEqual([...y.shape], ref.shape, what);
        assertClose(y.dataSync(), ref.values, 1e-5, 1e-5, what);
      });
    }
  }
});

Deno.test("binary op gradients reduce over broadcast axes and match finite differences", () => {
  for (const c of BINARY) {
    if (c.grad === false) continue;
    for (const [as, bs] of BROADCAST_PAIRS) {
      tidy(() => {
        const a = tensor(c.draw(as, 0), as, { requiresGrad: true });
        const b = tensor(c.draw(bs, 1), bs, { requiresGrad: true });
        try {
          gradCheck(c.fn, [a, b], { eps: 1e-3, atol: 3e-3 });
        } catch (e) {
          throw new Error(`${c.name} [${as}] with [${bs}]: ${e instanceof Error ? e.message : e}`);
        }
      });
    }
  }
});

Deno.test("maximum and minimum split the gradient evenly on ties", () => {
  const a = tensor([1, 2, 3], [3], { requiresGrad: true }),
    b = tensor([1, 5, 0], [3], { requiresGrad: true });
  tidy(() => add(maximum(a, b), minimum(a, b)).backward(tensor([1, 1, 1], [3])));
  // max + min = a + b exactly, so each input's total gradient is 1 whether tied or not.
  assert.deepEqual([...a.grad!.dataSync()], [1, 1, 1]);
  assert.deepEqual([...b.grad!.dataSync()], [1, 1, 1]);
  a.grad!.dispose(), a.grad = null;
  tidy(() => maximum(a, b).backward(tensor([1, 1, 1], [3])));
  assert.deepEqual([...a.grad!.dataSync()], [0.5, 0, 1]);
  // A plain number operand is a constant.
  assert.deepEqual([...maximum(a, 2).dataSync()], [2, 2, 3]);
  assert.deepEqual([...minimum(a, 2).dataSync()], [1, 2, 2]);
});

Deno.test("equal compares exactly", () => {
  const y = equal(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 4], [2]));
  assert.deepEqual([...y.dataSync()], [1, 0, 0, 1]);
});

// ---- selection and expansion -----------------------------------------------------------------------------

Deno.test("where and maskedFill select with broadcasting and route gradients", () => {
  tidy(() => {
    const cond = tensor([1, 0, 0, 1, 0, 1, 1, 0], [2, 1, 4]);
    const av = randValues([2, 3, 4]), bv = randValues([4]);
    const y = where(cond, tensor(av, [2, 3, 4]), tensor(bv, [4]));
    const cv = cond.dataSync();
    const ref = Array.from({ length: 24 }, (_, e) => {
      const i = Math.floor(e / 12), k = e % 4;
      return cv[i * 4 + k] ? av[e] : bv[k];
    });
    assert.deepEqual([...y.dataSync()], ref);
    gradCheck((a, b) => where(cond, a, b), [
      tensor(av, [2, 3, 4], { requiresGrad: true }),
      tensor(bv, [4], {
        requiresGrad: true,
      }),
    ]);
    // Numbers on either side.
    assert.deepEqual([...where(tensor([1, 0], [2]), 5, tensor([7, 8], [2])).dataSync()], [5, 8]);
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const mask = tensor([0, 1, 0], [3]);
    assert.deepEqual([...maskedFill(x, mask, -9).dataSync()], [1, -9, 3, 4, -9, 6]);
    gradCheck((x) => maskedFill(x, mask, -9), [tensor(randValues([2, 3]), [2, 3], { requiresGrad: true })]);
    gradCheck((x) => where(mask, 0.5, x), [tensor(randValues([2, 3]), [2, 3], { requiresGrad: true })]);
  });
});

Deno.test("expandTo copies along broadcast axes and sums gradients back", () => {
  tidy(() => {
    const x = tensor([1, 2, 3], [3, 1]);
    const y = expandTo(x, [2, 3, 4]);
    assert.deepEqual(y.shape, [2, 3, 4]);
    const v = y.dataSync();
    for (let e = 0; e < 24; e++) assert.equal(v[e], 1 + Math.floor((e % 12) / 4));
    assert.equal(expandTo(x, [3, 1]), x);
    assert.throws(() => expandTo(x, [2, 4]), /cannot broadcast|cannot expand/);
    gradCheck((x) => expandTo(x, [2, 3, 4]), [tensor(randValues([3, 1]), [3, 1], { requiresGrad: true })]);
    gradCheck((x) => expandTo(x, [2, 5]), [tensor(randValues([5]), [5], { requiresGrad: true })]);
  });
});
