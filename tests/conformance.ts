/**
 * The backend conformance suite: every primitive of a candidate backend against the TypeScript CPU backend
 * on the same seeded random inputs (odd sizes, empty and one-element inputs, broadcast and strided views,
 * large arguments for the exponentials, NaN where the kernels define its handling). Outputs are poisoned
 * before each kernel so unwritten elements show up. Tolerances: GEMMs to FP32 accumulation error, sums to
 * float rounding of differently ordered sums, the elementwise maths to `elementwiseRtol` (a candidate that
 * computes in double, as the reference does, agrees to about one float ulp; float maths to a few ulp).
 *
 * Each backend's test file calls {@link backendConformance} once: tests/backend_native_test.ts for the
 * native C kernels, tests/cuda_backend_test.ts for CUDA, tests/backend_gpujs_test.ts for gpu.js (capped
 * with `maxElements`).
 */
import assert from "node:assert/strict";
import {
  type Backend,
  BINARY_OPS,
  type Conv2dGeometry,
  REDUCE_OPS,
  type ScalarOp,
  type Storage,
  UNARY_GRAD_OPS,
  UNARY_OPS,
  type UnaryGradOp,
} from "../src/backend/backend.ts";
import { Philox } from "../src/random/philox.ts";
import { fillBernoulliMask } from "../src/random/hash_mask.ts";

/** What {@link backendConformance} checks and how closely. */
export interface ConformanceOptions {
  /** Name in the test titles and logs, e.g. "native" or "cuda". */
  label: string;
  /** Makes the candidate, on first use (never when `ignore`). */
  candidate: () => Backend;
  /** The reference: the TypeScript CPU backend. */
  reference: Backend;
  /** Skip every test (the candidate cannot run here). */
  ignore: boolean;
  /** Relative tolerance of the transcendental elementwise kernels (exp, gelu, …) and softmax. */
  elementwiseRtol: number;
  /**
   * Their absolute tolerance. Float maths differs from the reference's double maths by a few ulp of the
   * formula's intermediate terms, which is absolute where the result is far smaller than those terms (a
   * gradient that nearly cancels, gelu's tail where the double reference itself rounds 1 + erf to 0).
   */
  elementwiseAtol: number;
  /**
   * Absolute tolerance of the gelu-family derivatives, whose two terms cancel near their zero crossing
   * (gelu'(x) = Phi(x) + x phi(x) at x = -0.75 is 0.227 - 0.226): float maths loses a few ulp of the terms.
   */
  cancellingAtol: number;
  /**
   * Largest element count of a case (default: no cap). Cases above it are skipped and named in the log;
   * the elementwise tests' one fixed size (scalar ops, where) shrinks to it. For candidates too slow for
   * the full sizes (gpu.js); the small fixed cases (up to about 5000 elements) always run.
   */
  maxElements?: number;
  /**
   * Floors under every non-exact tolerance, for candidates that compute in float32 (gpu.js's GPU and
   * WebAssembly modes): each comparison uses at least this atol and rtol. Comparisons that must be exact
   * (copies, gathers, where, fills, random bits, dropout coins, pooling) stay exact, so indexing errors still
   * fail; only rounding is forgiven.
   */
  float32Floor?: { atol: number; rtol: number };
}

/** Derivatives that are a difference of nearly equal terms somewhere on the real line. */
const CANCELLING_GRADS = new Set<UnaryGradOp>(["gelu", "geluTanh", "quickGelu"]);

/** Registers the suite's tests for one candidate backend. */
export function backendConformance(opts: ConformanceOptions): void {
  const { label, reference: ref, ignore, elementwiseRtol: ertol, elementwiseAtol: eatol } = opts;
  const cap = opts.maxElements ?? Infinity;
  let instance: Backend | null = null;
  const cand = (): Backend => instance ??= opts.candidate();

  let seed = 4242;
  function randn(n: number, scale = 1): Float32Array {
    const v = new Philox(seed++).normal(Math.max(2, n)).subarray(0, n);
    for (let i = 0; i < n; i++) v[i] *= scale;
    return v;
  }
  const POISON = -98765.4375;

  /** A pair of storages with the same contents on CPU and GPU. */
  class Pair {
    constructor(readonly c: Storage, readonly g: Storage) {}
    static of(values: Float32Array): Pair {
      return new Pair(ref.fromHost(values), cand().fromHost(values));
    }
    static out(n: number): Pair {
      const p = new Pair(ref.alloc(n), cand().alloc(n));
      ref.fill(p.c, POISON);
      cand().fill(p.g, POISON);
      return p;
    }
  }

  /** Collected mismatches of one test, reported together. */
  class Report {
    readonly failures: string[] = [];
    readonly lines: string[] = [];
    private readonly skipped: string[] = [];
    /** Whether a case of `n` elements runs under the cap (a skipped one is named in the log). */
    fits(what: string, n: number): boolean {
      if (n <= cap) return true;
      this.skipped.push(what);
      return false;
    }
    compare(what: string, p: Pair, atol: number, rtol: number): void {
      const floor = opts.float32Floor;
      if (floor && (atol > 0 || rtol > 0)) {
        atol = Math.max(atol, floor.atol);
        rtol = Math.max(rtol, floor.rtol);
      }
      const a = cand().readSync(p.g), e = ref.readSync(p.c);
      let worst = 0, worstAt = -1, exact = 0;
      for (let i = 0; i < e.length; i++) {
        if (a[i] === e[i] || (Number.isNaN(a[i]) && Number.isNaN(e[i]))) {
          exact++;
          continue;
        }
        const err = Math.abs(a[i] - e[i]) / (atol + rtol * Math.abs(e[i]));
        if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err, worstAt = i;
      }
      this.lines.push(
        `${what}: ${exact}/${e.length} bit-equal, worst err/tol ${worst.toFixed(3)}` +
          (worstAt >= 0 ? ` (at ${worstAt}: ${a[worstAt]} vs ${e[worstAt]})` : ""),
      );
      if (worst > 1) {
        this.failures.push(
          `${what}[${worstAt}]: candidate ${a[worstAt]} vs reference ${e[worstAt]} (n=${e.length})`,
        );
      }
    }
    done(name: string): void {
      if (this.skipped.length) {
        this.lines.push(`skipped above maxElements=${cap}: ${this.skipped.join("; ")}`);
      }
      console.log(`[${label} ${name}]\n  ${this.lines.join("\n  ")}`);
      assert.deepEqual(this.failures, [], `${name} mismatches`);
    }
  }

  function run(fn: (b: Backend, s: (p: Pair) => Storage) => void): void {
    fn(ref, (p) => p.c);
    fn(cand(), (p) => p.g);
  }

  const UNARY = UNARY_OPS;
  const POSITIVE_ONLY = new Set(["log", "sqrt", "rsqrt"]);
  const UNARY_GRAD = UNARY_GRAD_OPS;

  /** Normal inputs (scale 3) with signed zeros and large arguments for the exponentials at the front. */
  function inputsFor(op: string, n: number): Float32Array {
    const x = randn(n, 3);
    const special = [0, -0, 25, -25, 90, -90, 105, -105, 1e-30, -1e-30];
    for (let i = 0; i < Math.min(n, special.length); i++) x[i] = special[i];
    if (POSITIVE_ONLY.has(op)) { for (let i = 0; i < n; i++) x[i] = Math.abs(x[i]) + 0.01; }
    return x;
  }

  Deno.test({
    name: `${label} vs cpu: memory primitives (fromHost, read, write, fill)`,
    ignore,
    async fn() {
      const r = new Report();
      const v = randn(1000);
      const p = Pair.of(v);
      assert.deepEqual(await cand().read(p.g), v);
      const w = randn(100);
      run((b, s) => b.write(s(p), w, 450));
      run((b, s) => b.fill(s(p), 1.25, 10, 37));
      run((b, s) => b.fill(s(p), Math.PI, 990));
      r.compare("write+fill", p, 0, 0);
      const z = Pair.of(new Float32Array(0));
      assert.equal(cand().readSync(z.g).length, 0);
      assert.throws(() => cand().write(p.g, w, 950), RangeError);
      r.done("memory");
    },
  });

  Deno.test({
    name: `${label} vs cpu: unary, unaryGrad, scalar and where`,
    ignore,
    fn() {
      const r = new Report();
      // 0 and 1 elements, odd sizes, and one above the native kernels' threading threshold
      for (const n of [0, 1, 17, 10007, 300007].filter((n) => r.fits(`n=${n}`, n))) {
        for (const op of UNARY) {
          const x = Pair.of(inputsFor(op, n)), o = Pair.out(n);
          run((b, s) => b.unary(op, s(x), s(o)));
          r.compare(`unary ${op} n=${n}`, o, eatol, ertol);
        }
        for (const op of UNARY_GRAD) {
          const x = Pair.of(inputsFor(op, n)), g = Pair.of(randn(n)), o = Pair.out(n);
          run((b, s) => b.unaryGrad(op, s(x), s(g), s(o)));
          r.compare(
            `unaryGrad ${op} n=${n}`,
            o,
            CANCELLING_GRADS.has(op) ? opts.cancellingAtol : eatol,
            ertol,
          );
        }
      }
      const n = Math.min(300007, cap);
      const scalars: [ScalarOp, number, number, boolean][] = [
        ["addS", 0.1, 0, false],
        ["mulS", -0.3, 0, false],
        ["affine", 1.7, -0.2, false],
        ["powS", 2, 0, false],
        ["powS", 1.37, 0, true],
        ["powS", 3, 0, false],
        ["rsubS", 0.75, 0, false],
        ["clamp", -0.5, 0.8, false],
        ["clampGrad", -0.5, 0.8, false],
        ["leakyRelu", 0.01, 0, false],
        ["leakyReluGrad", 0.2, 0, false],
        ["gtS", 0.3, 0, false],
        ["ltS", -0.3, 0, false],
      ];
      for (const [op, a, bb, positive] of scalars) {
        const xv = inputsFor(positive ? "log" : op, n);
        const x = Pair.of(xv), o = Pair.out(n);
        run((b, s) => b.scalar(op, s(x), s(o), a, bb));
        r.compare(`scalar ${op}(${a}, ${bb})`, o, 1e-30, 3e-7);
      }
      const cv = randn(n).map((v) => (v > 0.3 ? v : 0));
      cv[5] = NaN;
      const c = Pair.of(cv), a = Pair.of(randn(n)), b2 = Pair.of(randn(n)), o = Pair.out(n);
      run((b, s) => b.where(s(c), s(a), s(b2), s(o)));
      r.compare("where", o, 0, 0);
      r.done("elementwise");
    },
  });

  function contiguous(shape: number[]): number[] {
    const st = new Array(shape.length).fill(1);
    for (let k = shape.length - 2; k >= 0; k--) st[k] = st[k + 1] * shape[k + 1];
    return st;
  }
  /** Broadcast strides of an operand of shape `s` (same rank) against `shape`. */
  function bcast(s: number[], shape: number[]): number[] {
    const st = contiguous(s);
    return shape.map((d, k) => (s[k] === 1 && d !== 1 ? 0 : st[k]));
  }

  Deno.test({
    name: `${label} vs cpu: broadcast binary ops over several layouts`,
    ignore,
    fn() {
      const r = new Report();
      const ops = BINARY_OPS;
      // [out shape, a shape, b shape]
      const cases: [number[], number[], number[]][] = [
        [[3001], [3001], [3001]],
        [[701, 401], [701, 401], [1, 401]], // above the native threading threshold
        [[4, 3, 5], [4, 1, 5], [1, 3, 5]],
        [[7, 33], [7, 33], [1, 1]],
        [[2, 3, 4, 5, 6], [2, 1, 4, 1, 6], [1, 3, 1, 5, 1]],
        [[], [], []],
      ];
      for (const op of ops) {
        for (const [shape, as, bs] of cases) {
          if (!r.fits(`binary ${op} [${shape}]`, shape.reduce((p, d) => p * d, 1))) continue;
          const na = as.reduce((p, d) => p * d, 1), nb = bs.reduce((p, d) => p * d, 1);
          const n = shape.reduce((p, d) => p * d, 1);
          let av = randn(na), bv = randn(nb);
          if (op === "pow") av = av.map((v) => Math.abs(v) + 0.1);
          if (op === "eq" || op === "max" || op === "min") {
            av = av.map((v) => Math.round(v));
            bv = bv.map((v) => Math.round(v));
          }
          const a = Pair.of(av), b = Pair.of(bv), o = Pair.out(n);
          run((be, s) => be.binary(op, s(a), bcast(as, shape), s(b), bcast(bs, shape), s(o), shape));
          r.compare(`binary ${op} [${shape}]`, o, 1e-30, 3e-7);
        }
      }
      // a transposed (non-contiguous) operand: a is [5, 4] read as its transpose [4, 5]
      const a = Pair.of(randn(20)), b = Pair.of(randn(20)), o = Pair.out(20);
      run((be, s) => be.binary("sub", s(a), [1, 4], s(b), [5, 1], s(o), [4, 5]));
      r.compare("binary sub transposed", o, 0, 0);
      // rank 10 that cannot merge (reversed strides on a, broadcast pattern on b): split on the host
      const sh = new Array(10).fill(2),
        big = Pair.of(randn(1024)),
        small = Pair.of(randn(32)),
        o10 = Pair.out(1024);
      const revSt = sh.map((_, k) => 2 ** k), bSt = [16, 0, 8, 0, 4, 0, 2, 0, 1, 0];
      run((be, s) => be.binary("mul", s(big), revSt, s(small), bSt, s(o10), sh));
      r.compare("binary mul rank 10", o10, 0, 0);
      r.done("binary");
    },
  });

  Deno.test({
    name: `${label} vs cpu: reductions (sum, max, min, argmax, argmin) over [outer, r, inner]`,
    ignore,
    fn() {
      const r = new Report();
      const cases: [number, number, number][] = [
        [7, 13, 1],
        [1, 5000, 1],
        [3, 300001, 1],
        [4096, 33, 1],
        [5, 9, 17],
        [2, 3000, 40],
        [1, 70000, 3],
        [6, 0, 2],
      ];
      for (const op of REDUCE_OPS) {
        for (const [outer, len, inner] of cases) {
          if (!r.fits(`reduce ${op} [${outer},${len},${inner}]`, outer * len * inner)) continue;
          const xv = randn(outer * len * inner);
          if (op.startsWith("arg")) { for (let i = 0; i < xv.length; i++) xv[i] = Math.round(xv[i] * 4); // ties
           }
          if (len > 3) {
            xv[2 * inner] = NaN; // a NaN that is not first in its row
            if (outer > 1) xv[len * inner] = NaN; // NaN first in row 1 (column 0)
          }
          const x = Pair.of(xv), o = Pair.out(outer * inner);
          run((b, s) => b.reduce(op, s(x), s(o), outer, len, inner));
          r.compare(`reduce ${op} [${outer},${len},${inner}]`, o, 1e-30, 3e-7);
        }
      }
      r.done("reduce");
    },
  });

  Deno.test({
    name: `${label} vs cpu: copyStrided, gather, scatterAdd`,
    ignore,
    fn() {
      const r = new Report();
      const x = Pair.of(randn(2 * 3 * 4 * 5));
      // permute [2,3,4,5] -> [5,2,4,3]
      const shape = [5, 2, 4, 3], srcSt = [1, 60, 5, 20];
      let o = Pair.out(120);
      run((b, s) => b.copyStrided(s(x), 0, srcSt, s(o), 0, contiguous(shape), shape));
      r.compare("copy permute", o, 0, 0);
      // transposes through the tiled kernel: [50, 70] and a batch of [3, 40, 33] with a source offset
      const tx = Pair.of(randn(3 * 40 * 33 + 7));
      o = Pair.out(50 * 70);
      run((b, s) => b.copyStrided(s(tx), 0, [1, 50], s(o), 0, [70, 1], [50, 70]));
      r.compare("copy transpose 2d", o, 0, 0);
      o = Pair.out(3 * 40 * 33);
      run((b, s) => b.copyStrided(s(tx), 7, [1320, 1, 40], s(o), 0, [1320, 33, 1], [3, 40, 33]));
      r.compare("copy transpose batched", o, 0, 0);
      // slice x[:, 1:3, :, 2:] with an offset into a padded destination
      o = Pair.out(2 * 4 * 4 * 5);
      run((b, s) => b.copyStrided(s(x), 20 + 2, [60, 20, 5, 1], s(o), 5 + 1, [80, 20, 5, 1], [2, 2, 4, 3]));
      r.compare("copy slice into pad", o, 0, 0);
      // a large batched transpose (threaded in the native kernels)
      if (r.fits("copy transpose large", 64 * 50 * 97)) {
        const big = Pair.of(randn(64 * 50 * 97));
        o = Pair.out(64 * 50 * 97);
        run((b, s) => b.copyStrided(s(big), 0, [4850, 1, 50], s(o), 0, [4850, 97, 1], [64, 50, 97]));
        r.compare("copy transpose large", o, 0, 0);
      }
      // expand a [3,1] column to [3,7]
      o = Pair.out(21);
      run((b, s) => b.copyStrided(s(x), 1, [1, 0], s(o), 0, [7, 1], [3, 7]));
      r.compare("copy expand", o, 0, 0);
      // rank 9, non-mergeable (all strides reversed): split on the host into rank-8 launches
      const sh9 = [2, 2, 2, 2, 2, 2, 2, 2, 2];
      const src9 = Pair.of(randn(512));
      const st9 = [1, 2, 4, 8, 16, 32, 64, 128, 256];
      o = Pair.out(512);
      run((b, s) => b.copyStrided(s(src9), 0, st9, s(o), 0, contiguous(sh9), sh9));
      r.compare("copy reverse strides rank 9", o, 0, 0);
      // gather rows of x viewed as [outer=3, axis=10, inner=4] with repeated indices
      const xv = Pair.of(randn(3 * 10 * 4));
      const idx = Pair.of(new Float32Array([9, 0, 3, 3, 7, 1, 9]));
      o = Pair.out(3 * 7 * 4);
      run((b, s) => b.gather(s(xv), s(idx), s(o), 3, 10, 4, 7));
      r.compare("gather", o, 0, 0);
      const g = Pair.of(randn(3 * 7 * 4));
      const acc = Pair.of(randn(3 * 10 * 4));
      run((b, s) => b.scatterAdd(s(g), s(idx), s(acc), 3, 10, 4, 7));
      r.compare("scatterAdd", acc, 1e-6, 1e-6);
      const bad = Pair.of(new Float32Array([1, 10]));
      o = Pair.out(3 * 2 * 4);
      // an out-of-range index throws, at the call or (on a device) when the result is read
      assert.throws(() => {
        cand().gather(xv.g, bad.g, o.g, 3, 10, 4, 2);
        cand().readSync(o.g);
      }, /index 10 out of range for axis of length 10/);
      assert.equal(cand().readSync(o.g).length, 24); // a device clears the error once reported
      r.done("copy/gather");
    },
  });

  Deno.test({
    name: `${label} vs cpu: batched matmul with transposes, broadcast and alpha/beta`,
    ignore,
    fn() {
      const r = new Report();
      for (const [batch, m, n, k] of [[1, 37, 53, 71], [4, 16, 8, 300], [3, 1, 129, 2]]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = Pair.of(randn(batch * m * k)), b = Pair.of(randn(k * n));
            const o = Pair.of(randn(batch * m * n));
            const args = {
              batch,
              m,
              n,
              k,
              transA,
              transB,
              strideA: m * k,
              strideB: 0,
              strideC: m * n,
              alpha: 0.5,
              beta: batch > 1 ? -1.5 : 0,
            };
            run((be, s) => be.matmul(s(a), s(b), s(o), args));
            r.compare(
              `matmul b${batch} ${m}x${n}x${k} tA=${transA} tB=${transB}`,
              o,
              2e-5 * Math.sqrt(k),
              1e-5,
            );
          }
        }
      }
      r.done("matmul");
    },
  });

  Deno.test({
    name: `${label} vs cpu: softmax, normalizeRows and their gradients`,
    ignore,
    fn() {
      const r = new Report();
      // the last case is above the native kernels' threading threshold
      for (const [rows, cols] of [[64, 10], [3, 1000], [5, 1], [2, 5000], [1000, 37], [3001, 97]]) {
        const n = rows * cols;
        if (!r.fits(`rows [${rows},${cols}]`, n)) continue;
        const x = Pair.of(randn(n, 4)), gy = Pair.of(randn(n));
        for (const log of [false, true]) {
          const y = Pair.out(n), gx = Pair.out(n);
          run((b, s) => b.softmax(s(x), s(y), rows, cols, log));
          r.compare(`softmax log=${log} [${rows},${cols}]`, y, eatol, ertol);
          run((b, s) => b.softmaxGrad(s(y), s(gy), s(gx), rows, cols, log));
          // from each backend's own y: a last-bit difference in y times a large sum(gy) in the log case
          r.compare(`softmaxGrad log=${log} [${rows},${cols}]`, gx, 5e-7, 3e-6);
        }
        const o = Pair.out(n), mean = Pair.out(rows), rstd = Pair.out(rows), gx = Pair.out(n);
        run((b, s) => b.normalizeRows(s(x), s(o), s(mean), s(rstd), rows, cols, 1e-5));
        r.compare(`normalizeRows [${rows},${cols}]`, o, 1e-6, 1e-6);
        r.compare(`normalizeRows mean`, mean, 1e-7, 1e-6);
        r.compare(`normalizeRows rstd`, rstd, 1e-30, 1e-6);
        run((b, s) => b.normalizeRowsGrad(s(o), s(rstd), s(gy), s(gx), rows, cols));
        r.compare(`normalizeRowsGrad [${rows},${cols}]`, gx, 1e-6, 1e-5);
      }
      r.done("rows");
    },
  });

  Deno.test({
    name: `${label} vs cpu: im2col, col2im, maxPool2d`,
    ignore,
    fn() {
      const r = new Report();
      const geoms: Conv2dGeometry[] = [
        {
          n: 2,
          c: 3,
          h: 9,
          w: 11,
          kh: 3,
          kw: 3,
          strideH: 2,
          strideW: 1,
          padH: 1,
          padW: 2,
          dilationH: 1,
          dilationW: 2,
          outH: 0,
          outW: 0,
        },
        {
          n: 1,
          c: 4,
          h: 8,
          w: 8,
          kh: 2,
          kw: 2,
          strideH: 2,
          strideW: 2,
          padH: 0,
          padW: 0,
          dilationH: 1,
          dilationW: 1,
          outH: 0,
          outW: 0,
        },
        {
          n: 3,
          c: 2,
          h: 7,
          w: 5,
          kh: 3,
          kw: 2,
          strideH: 1,
          strideW: 2,
          padH: 1,
          padW: 1,
          dilationH: 2,
          dilationW: 1,
          outH: 0,
          outW: 0,
        },
      ];
      for (const g of geoms) {
        g.outH = Math.floor((g.h + 2 * g.padH - g.dilationH * (g.kh - 1) - 1) / g.strideH) + 1;
        g.outW = Math.floor((g.w + 2 * g.padW - g.dilationW * (g.kw - 1) - 1) / g.strideW) + 1;
        const tag =
          `${g.kh}x${g.kw}/s${g.strideH}${g.strideW}/p${g.padH}${g.padW}/d${g.dilationH}${g.dilationW}`;
        const x = Pair.of(randn(g.n * g.c * g.h * g.w));
        const ncols = g.n * g.c * g.kh * g.kw * g.outH * g.outW;
        const cols = Pair.out(ncols);
        run((b, s) => b.im2col(s(x), s(cols), g));
        r.compare(`im2col ${tag}`, cols, 0, 0);
        const cg = Pair.of(randn(ncols)), img = Pair.of(randn(g.n * g.c * g.h * g.w));
        run((b, s) => b.col2im(s(cg), s(img), g));
        r.compare(`col2im ${tag}`, img, 0, 0);
        const no = g.n * g.c * g.outH * g.outW;
        const o = Pair.out(no), arg = Pair.out(no);
        run((b, s) => b.maxPool2d(s(x), s(o), s(arg), g));
        r.compare(`maxPool2d ${tag}`, o, 0, 0);
        r.compare(`maxPool2d argmax ${tag}`, arg, 0, 0);
      }
      r.done("conv");
    },
  });

  Deno.test({
    name: `${label} vs cpu: fused AdamW over several steps`,
    ignore,
    fn() {
      const r = new Report();
      const n = 5003;
      const p = Pair.of(randn(n)), m = Pair.of(new Float32Array(n)), v = Pair.of(new Float32Array(n));
      for (let step = 1; step <= 5; step++) {
        const g = Pair.of(randn(n));
        const args = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, step };
        run((b, s) => b.adamw(s(p), s(g), s(m), s(v), args));
      }
      r.compare("adamw param", p, 1e-7, 1e-6);
      r.compare("adamw m", m, 3e-8, 1e-6); // 0.9 m + 0.1 g nearly cancels: fused multiply-adds differ there
      r.compare("adamw v", v, 1e-12, 1e-6);
      r.done("adamw");
    },
  });

  Deno.test({
    name: `${label} vs cpu: randomUniform is bit-equal to the CPU Philox stream`,
    ignore,
    fn() {
      const r = new Report();
      if (!cand().randomUniform) return;
      const cases: [bigint, bigint, bigint, number][] = [
        [0n, 0n, 0n, 1],
        [7n, 0n, 0n, 4099],
        [2n ** 40n + 5n, 3n, 5n, 1000],
        [123456789n, 2n ** 33n + 1n, 1000000007n, 77],
        [99n, 1n, 3n, 2],
      ];
      for (const [sd, st, off, n] of cases) {
        const o = Pair.out(n);
        run((b, s) => b.randomUniform!(s(o), sd, st, off));
        r.compare(`randomUniform seed=${sd} stream=${st} offset=${off} n=${n}`, o, 0, 0);
      }
      cand().sync();
      r.done("random");
    },
  });

  Deno.test({
    name: `${label} vs cpu: dropout draws the host mask's counter-hash coins bit for bit`,
    ignore,
    fn() {
      const r = new Report();
      if (!cand().dropout) return; // optional primitive: the op layer multiplies by the host mask instead
      const cases: [number, number, number][] = [[1, 0.5, 3], [17, 0.9, 2 ** 31 + 7], [5003, 0.1, 12345], [
        300007,
        0.65,
        4294967295,
      ]];
      for (const [n, keep, sd] of cases) {
        if (!r.fits(`dropout n=${n}`, n)) continue;
        const values = randn(n);
        values[0] = NaN; // a dropped NaN stays NaN (x * 0), a dropped -x gives -0, as x * mask does
        if (n > 1) values[1] = -2.5;
        const scale = 1 / keep;
        const mask = fillBernoulliMask(new Float32Array(n), keep, scale, sd);
        const expected = Float32Array.from(values, (v, i) => v * mask[i]);
        for (const inPlace of [false, true]) {
          const x = Pair.of(values), o = inPlace ? x : Pair.out(n);
          cand().dropout!(x.g, o.g, keep, scale, sd);
          ref.write(o.c, expected);
          r.compare(`dropout n=${n} keep=${keep} seed=${sd}${inPlace ? " in place" : ""}`, o, 0, 0);
        }
      }
      cand().sync();
      r.done("dropout");
    },
  });
}
