/**
 * gpu.js-style custom kernels (src/kernels): the gpu.js documentation's examples written as kernels and
 * compared with the library's ops or direct JavaScript (and with gpu.js's own CPU mode when npm:gpu.js loads),
 * gradients against the library's autograd and finite differences, error messages, and tensor lifetimes.
 */
import assert from "node:assert/strict";
import { createKernel, type Cube, type KernelThis, type Matrix, type Vector } from "../src/kernels/mod.ts";
import { doubleAdd, matMult, rowSum } from "./kernel_bodies.ts";
import {
  add,
  exp,
  matmul,
  mul,
  mulScalar,
  numLiveTensors,
  sum,
  Tensor,
  tensor,
  tidy,
} from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor, randValues, rng } from "./helpers.ts";
import type { Backend } from "../src/backend/backend.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { createCpuBackend } from "../src/backend/native/native_cpu_backend.ts";
import { createGpuJsBackend } from "../src/backend/gpujs/gpujs_backend.ts";

// ---- gpu.js's own CPU mode, when it can be loaded (skipped otherwise) -------------------------------------

interface GpuJsKernel {
  (...args: unknown[]): unknown;
  setOutput(o: number[]): GpuJsKernel;
  setConstants(c: Record<string, unknown>): GpuJsKernel;
}
interface GpuJs {
  createKernel(fn: unknown, settings?: Record<string, unknown>): GpuJsKernel;
}

async function loadGpuJs(): Promise<GpuJs | null> {
  try {
    const spec = "npm:gpu.js@2.24.1"; // not a literal import: the file must load without the package
    const mod = await import(spec);
    return new mod.GPU({ mode: "cpu" }) as GpuJs;
  } catch {
    return null;
  }
}
const gpu = await loadGpuJs();

/** gpu.js results (Float32Array or nested arrays of them) flattened row-major. */
function flat(v: unknown): number[] {
  if (ArrayBuffer.isView(v)) return Array.from(v as Float32Array);
  if (Array.isArray(v)) return v.flatMap(flat);
  return [v as number];
}

/** Row-major values of a [h, w] tensor as nested arrays (gpu.js's Array2D input). */
function nested2(t: Tensor): number[][] {
  const [h, w] = t.shape, v = t.dataSync();
  return Array.from({ length: h }, (_, y) => Array.from(v.subarray(y * w, (y + 1) * w)));
}

// ---- the kernels ----------------------------------------------------------------------------------------

const size = (t: Tensor) => [...t.shape];

// ---- forward ---------------------------------------------------------------------------------------------

Deno.test("matrix multiply with a for loop over this.constants.size matches matmul", () => {
  tidy(() => {
    const r = rng();
    const a = randTensor([3, 5], r, 1, false), b = randTensor([5, 4], r, 1, false);
    const k = createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 });
    const c = k(a, b);
    assert.deepEqual(size(c), [3, 4]);
    assertClose(c.dataSync(), matmul(a, b).dataSync(), 1e-5, 1e-5, "matMult");
    assert.equal(k.kernelName, "matMult");
    assert.deepEqual(k.output, [4, 3]);
  });
});

Deno.test("element-wise a[x] * 2 + b[x] matches mul/add; arrays and tensors mix", () => {
  tidy(() => {
    const r = rng();
    const a = randTensor([7], r, 1, false), b = randTensor([7], r, 1, false);
    const k = createKernel(doubleAdd, { output: [7] });
    const expected = add(mulScalar(a, 2), b).dataSync();
    assertClose(k(a, b).dataSync(), expected, 1e-6, 1e-6, "tensor args");
    assertClose(k(Array.from(a.dataSync()), b).dataSync(), expected, 1e-6, 1e-6, "plain array arg");
    assertClose(k(a.dataSync(), b.dataSync()).dataSync(), expected, 1e-6, 1e-6, "typed array args");
  });
});

Deno.test("a 2-D kernel sees this.thread.y/x and this.output like gpu.js (output [w, h] -> [h, w])", () => {
  tidy(() => {
    const a = randTensor([3, 4], rng(), 1, false);
    const k = createKernel(function grid(this: KernelThis, a: Matrix, s: number) {
      const { x, y } = this.thread;
      return a[y][x] * s + 10 * y + x + 100 * (this.output.x * 1000 + this.output.y);
    }).setOutput([4, 3]);
    const out = k(a, 0.5);
    assert.deepEqual(size(out), [3, 4]);
    const v = a.dataSync(), want: number[] = [];
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) want.push(v[y * 4 + x] * 0.5 + 10 * y + x + 400300);
    }
    assertClose(out.dataSync(), want, 1e-2, 1e-6, "grid");
    const nestedIn = createKernel(function (this: KernelThis, m: Matrix) {
      return m[this.thread.y][this.thread.x];
    }).setOutput({ x: 2, y: 2 });
    assert.deepEqual(Array.from(nestedIn([[1, 2], [3, 4]]).dataSync()), [1, 2, 3, 4]);
  });
});

Deno.test("a 3-D output [w, h, d] gives a tensor [d, h, w] with thread.z outermost", () => {
  tidy(() => {
    const a = randTensor([2, 3, 4], rng(), 1, false);
    const k = createKernel(function cube(this: KernelThis, a: Cube) {
      const { x, y, z } = this.thread;
      return a[z][y][x] + 100 * z + 10 * y + x;
    }).setOutput([4, 3, 2]);
    const out = k(a);
    assert.deepEqual(size(out), [2, 3, 4]);
    const v = a.dataSync(), want: number[] = [];
    for (let z = 0; z < 2; z++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 4; x++) want.push(v[(z * 3 + y) * 4 + x] + 100 * z + 10 * y + x);
      }
    }
    assertClose(out.dataSync(), want, 1e-4, 1e-6, "cube");
  });
});

Deno.test("constants: numbers and arrays are read through this.constants", () => {
  tidy(() => {
    const r = rng();
    const a = randTensor([5, 3], r, 1, false);
    const w = Array.from(randValues([3], r)), bias = 0.25;
    const k = createKernel(function affineRows(this: KernelThis, a: Matrix) {
      let s = this.constants.bias;
      for (let i = 0; i < 3; i++) s += a[this.thread.x][i] * this.constants.w[i];
      return s;
    }, { constants: { w, bias }, output: [5] });
    const v = a.dataSync();
    const want = Array.from({ length: 5 }, (_, y) => bias + w.reduce((s, wi, i) => s + v[y * 3 + i] * wi, 0));
    assertClose(k(a).dataSync(), want, 1e-5, 1e-5, "affineRows");
  });
});

Deno.test("a reduction loop matches sum over an axis; setPrecision and setLoopMaxIterations chain", () => {
  tidy(() => {
    const a = randTensor([6, 9], rng(), 1, false);
    const k = createKernel(rowSum).setOutput([6]).setConstants({ cols: 9 }).setPrecision("single")
      .setLoopMaxIterations(9);
    assertClose(k(a).dataSync(), sum(a, 1).dataSync(), 1e-5, 1e-5, "rowSum");
    assert.equal(k.loopMaxIterations, 9);
    assert.equal(k.setPrecision("unsigned").precision, "unsigned"); // accepted, float32 all the same
    assertClose(k(a).dataSync(), sum(a, 1).dataSync(), 1e-5, 1e-5, "rowSum unsigned");
    assert.throws(() => k.setPrecision("double" as "single"), /precision "double" is not supported/);
  });
});

Deno.test({
  name: "gpu.js's own CPU mode gives the same results on the same inputs",
  ignore: gpu === null,
  fn() {
    const g = gpu!;
    tidy(() => {
      const r = rng();
      const a = randTensor([3, 5], r, 1, false), b = randTensor([5, 4], r, 1, false);
      const ours = createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 })(a, b).dataSync();
      const theirs = flat(
        g.createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 })(nested2(a), nested2(b)),
      );
      assertClose(ours, theirs, 1e-5, 1e-5, "matMult vs gpu.js");

      const x = randTensor([8], r, 1, false), y = randTensor([8], r, 1, false);
      const mine = createKernel(doubleAdd).setOutput([8])(x, y).dataSync();
      const ref = flat(
        g.createKernel(doubleAdd).setOutput([8])(Array.from(x.dataSync()), Array.from(y.dataSync())),
      );
      assertClose(mine, ref, 1e-6, 1e-6, "doubleAdd vs gpu.js");

      const m = randTensor([6, 9], r, 1, false);
      const rs = createKernel(rowSum).setOutput([6]).setConstants({ cols: 9 })(m).dataSync();
      const rsRef = flat(g.createKernel(rowSum).setOutput([6]).setConstants({ cols: 9 })(nested2(m)));
      assertClose(rs, rsRef, 1e-5, 1e-5, "rowSum vs gpu.js");

      const c3 = function (this: KernelThis) {
        return this.thread.z * 100 + this.thread.y * 10 + this.thread.x;
      };
      assert.deepEqual(
        Array.from(createKernel(c3).setOutput([4, 3, 2])().dataSync()),
        flat(g.createKernel(c3).setOutput([4, 3, 2])()),
      );
    });
  },
});

Deno.test({
  name:
    "kernels on tensors of each backend (TypeScript, native, gpujs) give gpu.js's results, on that backend",
  ignore: gpu === null,
  async fn() {
    const g = gpu!;
    const backends: [string, Backend][] = [
      ["TypeScript CPU", new CpuBackend({ quiet: true })],
      ["native CPU", createCpuBackend({ quiet: true })],
      ["gpujs (cpu mode)", await createGpuJsBackend({ mode: "cpu" })],
    ];
    const r = rng();
    const av = randValues([3, 5], r),
      bv = randValues([5, 4], r),
      xv = randValues([8], r),
      yv = randValues([8], r);
    const rows = (v: Float32Array, h: number, w: number) =>
      Array.from({ length: h }, (_, i) => Array.from(v.subarray(i * w, (i + 1) * w)));
    const mmRef = flat(
      g.createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 })(rows(av, 3, 5), rows(bv, 5, 4)),
    );
    const addRef = flat(g.createKernel(doubleAdd).setOutput([8])(Array.from(xv), Array.from(yv)));
    for (const [name, b] of backends) {
      const on = (v: Float32Array, shape: number[]) => new Tensor(b.fromHost(v), shape, b);
      const a = on(av, [3, 5]), c = on(bv, [5, 4]), x = on(xv, [8]), y = on(yv, [8]);
      const mm = createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 })(a, c);
      const ad = createKernel(doubleAdd).setOutput([8])(x, y);
      assert.equal(mm.backend, b, `${name}: the result is on the arguments' backend`);
      assertClose(mm.dataSync(), mmRef, 1e-5, 1e-5, `${name} matMult vs gpu.js`);
      assertClose(ad.dataSync(), addRef, 1e-6, 1e-6, `${name} doubleAdd vs gpu.js`);
      for (const t of [a, c, x, y, mm, ad]) t.dispose();
    }
  },
});

// ---- gradients -------------------------------------------------------------------------------------------

/** y = a * b + exp(a), elementwise, with its two gradients. */
const mulExp = () =>
  createKernel(function mulExp(this: KernelThis, a: Vector, b: Vector) {
    const x = this.thread.x;
    return a[x] * b[x] + Math.exp(a[x]);
  }, {
    gradients: [
      function (this: KernelThis, gy: Vector, a: Vector, b: Vector) {
        const x = this.thread.x;
        return gy[x] * (b[x] + Math.exp(a[x]));
      },
      function (this: KernelThis, gy: Vector, a: Vector) {
        return gy[this.thread.x] * a[this.thread.x];
      },
    ],
  }).setOutput([6]);

const matMultGrad = (m: number, k: number, n: number) =>
  createKernel(matMult, { output: [n, m], constants: { size: k, n } }).setGradients([
    // d/da[y][x] = sum_j gy[y][j] * b[x][j]   (a is [m, k]: thread.y in [0, m), thread.x in [0, k))
    function (this: KernelThis, gy: Matrix, _a: Matrix, b: Matrix) {
      let s = 0;
      for (let j = 0; j < this.constants.n; j++) s += gy[this.thread.y][j] * b[this.thread.x][j];
      return s;
    },
    // d/db[y][x] = sum_i a[i][y] * gy[i][x]   (b is [k, n])
    function (this: KernelThis, gy: Matrix, a: Matrix) {
      let s = 0;
      for (let i = 0; i < gy.length; i++) s += a[i][this.thread.y] * gy[i][this.thread.x];
      return s;
    },
  ]);

/** Gradients of sum(f(a, b) * w) for both inputs. */
function gradsOf(f: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor, w: Tensor): Float32Array[] {
  a.grad?.dispose(), b.grad?.dispose();
  a.grad = b.grad = null;
  tidy(() => sum(mul(f(a, b), w)).backward());
  return [a.grad!.dataSync(), b.grad!.dataSync()];
}

Deno.test("elementwise kernel gradients match the library's autograd and finite differences", () => {
  const r = rng();
  const a = randTensor([6], r), b = randTensor([6], r), w = randTensor([6], r, 1, false);
  const k = mulExp();
  const ours = gradsOf((a, b) => k(a, b), a, b, w);
  const lib = gradsOf((a, b) => add(mul(a, b), exp(a)), a, b, w);
  assertClose(ours[0], lib[0], 1e-5, 1e-4, "d/da");
  assertClose(ours[1], lib[1], 1e-5, 1e-4, "d/db");
  gradCheck((a, b) => k(a, b), [a, b]);
  for (const t of [a, b, w]) t.dispose();
});

Deno.test("matmul kernel gradients match matmul's autograd and finite differences", () => {
  const r = rng();
  const a = randTensor([3, 5], r), b = randTensor([5, 4], r), w = randTensor([3, 4], r, 1, false);
  const k = matMultGrad(3, 5, 4);
  const ours = gradsOf((a, b) => k(a, b), a, b, w);
  const lib = gradsOf((a, b) => matmul(a, b), a, b, w);
  assertClose(ours[0], lib[0], 1e-5, 1e-4, "d/da");
  assertClose(ours[1], lib[1], 1e-5, 1e-4, "d/db");
  gradCheck((a, b) => k(a, b), [a, b]);
  for (const t of [a, b, w]) t.dispose();
});

Deno.test("gradients flow only into tensors that require grad, by argument position, through later ops", () => {
  const r = rng();
  const a = randTensor([6], r), c = randTensor([6], r, 1, false);
  const k = createKernel(function scaled(this: KernelThis, s: number, a: Vector, c: Vector) {
    return s * a[this.thread.x] * c[this.thread.x];
  }, { output: [6] }).setGradients([
    null,
    function (this: KernelThis, gy: Vector, s: number, _a: Vector, c: Vector) {
      return gy[this.thread.x] * s * c[this.thread.x];
    },
  ]); // no gradient for c: it does not require grad
  tidy(() => sum(mul(k(1.5, a, c), k(1.5, a, c))).backward());
  const av = a.dataSync(), cv = c.dataSync();
  assertClose(a.grad!.dataSync(), Array.from(av, (x, i) => 2 * (1.5 * x * cv[i]) * 1.5 * cv[i]), 1e-4, 1e-4);
  a.dispose(), c.dispose();
});

Deno.test("backward without a declared gradient names the kernel and the argument", () => {
  const a = randTensor([4], rng()), b = randTensor([4], rng(), 1, false);
  const named = createKernel(doubleAdd).setOutput([4]);
  assert.throws(
    () => tidy(() => sum(named(b, a)).backward()),
    /kernel "doubleAdd" has no gradient for argument 1 \(a Tensor \[4\] that requires grad\)/,
  );
  const anon = createKernel(function (this: KernelThis, a: Vector) {
    return a[this.thread.x];
  }).setOutput([4]);
  assert.throws(
    () => tidy(() => sum(anon(a)).backward()),
    /kernel "anonymous kernel" has no gradient for argument 0/,
  );
  // no input requires grad: nothing is recorded and the forward works
  tidy(() => assert.equal(named(b, b).requiresGrad, false));
  a.dispose(), b.dispose();
});

// ---- errors ----------------------------------------------------------------------------------------------

Deno.test("errors name the kernel and the problem", () => {
  tidy(() => {
    const a = randTensor([4], rng(), 1, false);
    assert.throws(() => createKernel(doubleAdd)(a, a), /kernel "doubleAdd": no output set; call \.setOutput/);
    for (const bad of [[0], [4, -1], [1.5], [2, 2, 2, 2], []]) {
      assert.throws(
        () => createKernel(doubleAdd).setOutput(bad),
        /kernel "doubleAdd": output/,
        `output [${bad}]`,
      );
    }
    assert.throws(
      () => createKernel(doubleAdd).setOutput([0]),
      /size x is 0; each size must be a positive integer/,
    );
    const k = createKernel(doubleAdd).setOutput([4]);
    assert.throws(
      () => k(a, "abc" as unknown as number),
      /kernel "doubleAdd": argument 1 has unsupported type string/,
    );
    assert.throws(() => k(a, {} as unknown as number), /argument 1 has unsupported type Object/);
    assert.throws(
      () => k([[1, 2], [3]], a),
      /argument 0 is an array that cannot be used: it is not rectangular/,
    );
    assert.throws(() => k(["x"] as unknown as number[], a), /argument 0 .*elements are string, not numbers/);
    // reading past a 1-D argument gives undefined -> NaN
    assert.throws(
      () => createKernel(doubleAdd).setOutput([5])(a, a),
      /kernel "doubleAdd" returned NaN at output index \(x=4\) of output \[5\]: an argument was probably read out of range/,
    );
    // reading past the rows of a 2-D argument throws in the body
    const m = randTensor([2, 3], rng(), 1, false);
    assert.throws(
      () =>
        createKernel(function (this: KernelThis, m: Matrix) {
          return m[this.thread.y][this.thread.x];
        }).setOutput([3, 3])(m),
      /kernel "anonymous kernel" threw at output index \(x=0, y=2\) of output \[3, 3\].*read out of range/,
    );
    assert.throws(
      () => createKernel((() => 1) as unknown as typeof doubleAdd),
      /arrow function, which cannot receive this\.thread/,
    );
    assert.throws(
      () =>
        createKernel(function noReturn(this: KernelThis) {
          return undefined as unknown as number;
        }).setOutput([1])(),
      /kernel "noReturn" returned undefined at output index \(x=0\)/,
    );
    assert.throws(
      () => createKernel(doubleAdd).setConstants({ t: a as unknown as number }),
      /constant "t" is a Tensor/,
    );
    assert.throws(
      () => createKernel(doubleAdd).setLoopMaxIterations(0),
      /loopMaxIterations must be a positive integer/,
    );
  });
});

// ---- lifetimes -------------------------------------------------------------------------------------------

Deno.test("forward and backward leave no live tensors behind", () => {
  const r = rng();
  const a = randTensor([3, 5], r), b = randTensor([5, 4], r);
  const k = matMultGrad(3, 5, 4);
  const before = numLiveTensors();
  tidy(() => {
    sum(k(a, b)).backward();
    k(a, nested2(b));
  });
  a.grad?.dispose(), b.grad?.dispose();
  a.grad = b.grad = null;
  assert.equal(numLiveTensors(), before);
  const kept = tidy(() => k(a, b));
  assert.equal(numLiveTensors(), before + 1);
  kept.dispose();
  assert.equal(numLiveTensors(), before);
  a.dispose(), b.dispose();
});

Deno.test("a kernel with no tensor arguments makes a tensor on the active backend", () => {
  tidy(() => {
    const t = createKernel(function iota(this: KernelThis, s: number) {
      return this.thread.x * s;
    }).setOutput([4])(2);
    assert.deepEqual(Array.from(t.dataSync()), [0, 2, 4, 6]);
    assert.deepEqual(Array.from(tensor([1], [1]).dataSync()), [1]);
  });
});
