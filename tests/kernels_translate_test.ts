/**
 * Kernel bodies translated to C (src/kernels/translate.ts, native.ts): the native path against the
 * JavaScript path on fresh random inputs (skipped without a C compiler), places where C and JavaScript
 * differ (fmod's sign, Math.round of -0.5, double accumulation), errors naming each unsupported construct
 * and its line, and how `kernel.mode` / `kernel.translationError` are decided.
 */
import assert from "node:assert/strict";
import {
  createKernel,
  type Cube,
  decideMode,
  type KernelSettings,
  type KernelSourceFunction,
  type KernelThis,
  KernelTranslationError,
  type Matrix,
  nativeUnavailableReason,
  parseKernel,
  type TranslateInfo,
  translateKernel,
  translateKernelCuda,
  type Vector,
} from "../src/kernels/mod.ts";
import { doubleAdd, matMult, rowSum } from "./kernel_bodies.ts";
import { type Tensor, tidy } from "../src/tensor/mod.ts";
import { nvrtcAvailable } from "../src/backend/cuda/availability.ts";
import { compileCuda } from "../src/backend/cuda/program.ts";
import { assertClose, randTensor, rng } from "./helpers.ts";

const noNative = nativeUnavailableReason();
const ignore = noNative !== null;
if (ignore) console.error(`kernels_translate_test: native comparisons skipped: ${noNative}`);

/** Runs `fn` natively and as JavaScript on the same arguments; checks the modes and the values (1e-5 rel). */
function compare(
  fn: (this: KernelThis, ...a: never[]) => number,
  settings: KernelSettings,
  args: unknown[],
  rel = 1e-5,
): Float32Array {
  const native = createKernel(fn, { ...settings, mode: "native" });
  const js = createKernel(fn, { ...settings, mode: "javascript" });
  return tidy(() => {
    const a = (native as (...x: unknown[]) => Tensor)(...args).dataSync();
    const b = (js as (...x: unknown[]) => Tensor)(...args).dataSync();
    assert.equal(native.mode, "native", `${native.kernelName}: ${native.translationError}`);
    assert.equal(js.mode, "javascript");
    assertClose(a, b, rel, 1e-6, native.kernelName);
    return a;
  });
}

// ---- the kernels of kernels_custom_test.ts, natively -----------------------------------------------------

Deno.test({
  name: "native: matmul loop, element-wise map, 2-D and 3-D outputs, reductions, constants",
  ignore,
  fn() {
    const r = rng(7);
    tidy(() => {
      compare(matMult, { output: [4, 3], constants: { size: 5 } }, [
        randTensor([3, 5], r, 1, false),
        randTensor([5, 4], r, 1, false),
      ]);
      const a = randTensor([7], r, 1, false);
      compare(doubleAdd, { output: [7] }, [a, Array.from(randTensor([7], r, 1, false).dataSync())]);
      compare(
        function grid(this: KernelThis, a: Matrix, s: number) {
          const { x, y } = this.thread;
          return a[y][x] * s + 10 * y + x + 100 * (this.output.x * 1000 + this.output.y);
        },
        { output: [4, 3] },
        [randTensor([3, 4], r, 1, false), 0.5],
      );
      compare(
        function cube(this: KernelThis, a: Cube) {
          const { x, y, z } = this.thread;
          return a[z][y][x] + 100 * z + 10 * y + x;
        },
        { output: [4, 3, 2] },
        [randTensor([2, 3, 4], r, 1, false)],
      );
      compare(rowSum, { output: [6], constants: { cols: 9 } }, [randTensor([6, 9], r, 1, false)]);
      const w = Array.from(randTensor([3], r, 1, false).dataSync());
      compare(
        function affineRows(this: KernelThis, a: Matrix) {
          let s = this.constants.bias;
          for (let i = 0; i < 3; i++) s += a[this.thread.x][i] * this.constants.w[i];
          return s;
        },
        { output: [5], constants: { w, bias: 0.25 } },
        [randTensor([5, 3], r, 1, false)],
      );
      compare(
        function lengths(this: KernelThis, a: Matrix, v: Vector) {
          return a.length * 100 + v.length + this.constants.w.length / 10;
        },
        { output: [2], constants: { w } },
        [randTensor([3, 4], r, 1, false), [1, 2]],
      );
    });
  },
});

Deno.test({
  name: "native: Math functions, ternary, if/else, logical operators, loops with updates",
  ignore,
  fn() {
    const r = rng(11);
    tidy(() => {
      const a = randTensor([40], r, 3, false);
      compare(
        function maths(this: KernelThis, a: Vector) {
          const v = a[this.thread.x];
          return Math.exp(v / 4) + Math.log(Math.abs(v) + 1) + Math.sqrt(Math.abs(v)) +
            Math.pow(Math.abs(v), 1.5) +
            Math.min(v, 0.5, 2 * v) + Math.max(v, -0.5) + Math.floor(v) + Math.ceil(v) + Math.round(v * 3) +
            Math.sin(v) + Math.cos(v) + Math.tanh(v) + Math.sign(v) + Math.PI * Math.E + v ** 2;
        },
        { output: [40] },
        [a],
      );
      compare(
        function branches(this: KernelThis, a: Vector, t: number) {
          const v = a[this.thread.x];
          let s = v > t ? 1 : v < -t ? -1 : 0;
          if (v > 0 && v < 1) s += 10;
          else if (!(v > -1) || v === 2) {
            s -= 10;
          } else s *= 3;
          const pick = (v || 3) + (v && 5) + (0 || v);
          for (let i = 10; i > 0; i -= 3) s += i * 0.5;
          for (let i = 0; i < 4; ++i) s /= 1.5;
          let j = 3;
          j--;
          j %= 2;
          return s + pick + j;
        },
        { output: [40] },
        [a, 0.7],
      );
    });
  },
});

Deno.test({
  name: "native keeps JavaScript's semantics: % on negatives, Math.round of -0.5, double accumulation",
  ignore,
  fn() {
    const mod = compare(
      function mod(this: KernelThis, a: Vector, b: Vector) {
        return a[this.thread.x] % b[this.thread.x];
      },
      { output: [6] },
      [[-7, 7, -7.5, 7.5, -0.25, 5], [3, -3, 2, -2, 1, 0.75]],
    );
    assert.deepEqual(Array.from(mod), [-1, 1, -1.5, 1.5, -0.25, 0.5]);
    const round = compare(
      function round(this: KernelThis, a: Vector) {
        return Math.round(a[this.thread.x]);
      },
      { output: [7] },
      [[-0.5, 0.5, -1.5, 1.5, 2.5, -2.5, 0.49999997]],
    );
    assert.deepEqual(Array.from(round), [-0, 1, -1, 2, 3, -2, 0]);
    // 10000 additions of 0.1 in double: float accumulation would be off by ~1e-4 relative
    const acc = compare(
      function acc(this: KernelThis) {
        let s = 0;
        for (let i = 0; i < 10000; i++) s += 0.1;
        return s - 1000 + 1;
      },
      { output: [1] },
      [],
      1e-9,
    );
    assert.ok(Math.abs(acc[0] - 1) < 1e-6, `accumulated ${acc[0]}`);
    const division = compare(
      function division(this: KernelThis) {
        return 7 / 2 + this.thread.x / 2; // never integer division
      },
      { output: [3] },
      [],
    );
    assert.deepEqual(Array.from(division), [3.5, 4, 4.5]);
  },
});

Deno.test({
  name: "native: an out-of-range read or a NaN gives the JavaScript path's error",
  ignore,
  fn() {
    tidy(() => {
      const a = randTensor([4], rng(), 1, false);
      const k = createKernel(doubleAdd, { output: [5], mode: "native" });
      assert.throws(() => k(a, a), /kernel "doubleAdd" returned NaN at output index \(x=4\) of output \[5\]/);
      const m = randTensor([2, 3], rng(), 1, false);
      const rows = createKernel(function rows(this: KernelThis, m: Matrix) {
        return m[this.thread.y][this.thread.x] > 5 ? 1 : 0; // JavaScript throws on a missing row
      }, { output: [3, 3], mode: "native" });
      assert.throws(() => rows(m), /kernel "rows" threw at output index \(x=0, y=2\)/);
      assert.throws(
        () =>
          createKernel(function root() {
            return Math.sqrt(-1);
          }, { output: [1] })(),
        /kernel "root" returned NaN/,
      );
    });
  },
});

// ---- unsupported constructs -----------------------------------------------------------------------------

const info1: TranslateInfo = {
  argKinds: ["array1", "scalar"],
  constantKinds: { n: "scalar" },
  outputRank: 1,
};

const unsupported: [string, string, string, number][] = [
  ["call", "function k(a, s) {\n  let v = 1;\n  v += foo(a[0]);\n  return v;\n}", "foo()", 3],
  ["method call", "function k(a, s) {\n  return a.map(s);\n}", "a.map()", 2],
  ["object", "function k(a, s) {\n  const o = { v: 1 };\n  return 1;\n}", "{...}", 2],
  ["string", "function k(a, s) {\n\n  return 'x';\n}", "'x'", 3],
  ["outer variable", "function k(a, s) {\n  return a[this.thread.x] * scale;\n}", "scale", 2],
  ["while", "function foo(a, s) {\n  let i = 0;\n  while (i < 3) i++;\n  return i;\n}", "while", 3],
  [
    "break",
    "function k(a, s) {\n  for (let i = 0; i < 3; i++) {\n    break;\n  }\n  return 0;\n}",
    "break",
    3,
  ],
  ["array literal", "function k(a, s) {\n  const t = [1, 2];\n  return 0;\n}", "[...]", 2],
  ["this member", "function k(a, s) {\n  return 1 +\n    this.size;\n}", "this.size", 3],
  ["arrow", "function k(a, s) {\n  const f = (x) => x;\n  return 0;\n}", "=>", 2],
  ["Math function", "function k(a, s) {\n  return Math.atan2(1, 2);\n}", "Math.atan2()", 2],
  ["array as number", "function k(a, s) {\n  return a * 2;\n}", "a", 2],
  ["scalar indexed", "function k(a, s) {\n  return s[0];\n}", "s[...]", 2],
  ["missing constant", "function k(a, s) {\n  return this.constants.m;\n}", "this.constants.m", 2],
  ["wrong rank", "function k(a, s) {\n  return a[0][1];\n}", "a[...][...]", 2],
  ["argument assigned", "function k(a, s) {\n  s = 2;\n  return s;\n}", "s", 2],
  ["const assigned", "function k(a, s) {\n  const c = 1;\n  c += 2;\n  return c;\n}", "c", 3],
  ["bitwise", "function k(a, s) {\n  return s | 0;\n}", "|", 2],
  [
    "comment lines count",
    "function k(a, s) {\n  // one\n  /* two\n  three */\n  do { } while (0);\n}",
    "do",
    5,
  ],
];

Deno.test("every unsupported construct is named with its line in the kernel", () => {
  for (const [what, src, construct, line] of unsupported) {
    assert.throws(
      () => translateKernel(parseKernel(src), info1),
      (e: unknown) => {
        assert.ok(e instanceof KernelTranslationError, `${what}: ${e}`);
        assert.equal(e.construct, construct, `${what}: ${e.message}`);
        assert.equal(e.line, line, `${what}: ${e.message}`);
        assert.ok(e.message.includes(`cannot translate '${construct}' at line ${line}`), e.message);
        return true;
      },
      what,
    );
  }
  assert.throws(
    () => translateKernel(parseKernel(unsupported[5][1]), info1),
    /^KernelTranslationError: createKernel "foo": cannot translate 'while' at line 3/,
  );
});

Deno.test("translateKernel emits one C function with the documented signature and slot order", () => {
  const t = translateKernel(
    parseKernel("function k(a, s, m) { return a[this.thread.x] * s + m[0][1] + this.constants.w[0]; }"),
    { argKinds: ["array1", "scalar", "array2"], constantKinds: { w: "array1", n: "scalar" }, outputRank: 1 },
  );
  assert.match(
    t.source,
    new RegExp(
      `int ${t.symbol}\\(float\\* out, int ox, int oy, int oz, const float\\* const\\* arrays, const int\\* dims,\\s+` +
        "const double\\* scalars\\)",
    ),
  );
  assert.deepEqual(t.arrays, [{ arg: 0 }, { arg: 2 }, { constant: "w" }]);
  assert.deepEqual(t.scalars, [{ arg: 1 }, { constant: "n" }]);
  assert.match(t.source, /fmod|rd1/);
});

// ---- modes ----------------------------------------------------------------------------------------------

Deno.test("decideMode: auto falls back, native throws naming the obstacle, javascript never goes native", () => {
  assert.equal(decideMode("auto", null, "k"), "native");
  assert.equal(decideMode("auto", "disabled by MMSSL_NO_NATIVE=1", "k"), "javascript");
  assert.equal(decideMode("javascript", null, "k"), "javascript");
  assert.throws(
    () => decideMode("native", "no C compiler (cc: not found)", "k"),
    /kernel "k": mode "native" was requested but it cannot run natively: no C compiler/,
  );
});

Deno.test("an untranslatable body runs as JavaScript with translationError; mode native throws", () => {
  function spin(this: KernelThis, a: Vector) {
    let i = 0;
    while (i < 2) i++;
    return a[this.thread.x] + i;
  }
  const k = createKernel(spin, { output: [2] });
  assert.equal(k.mode, "javascript");
  assert.match(k.translationError ?? "", /createKernel "spin": cannot translate 'while' at line 3/);
  tidy(() => assert.deepEqual(Array.from(k([1, 2]).dataSync()), [3, 4]));
  assert.equal(k.mode, "javascript");
  assert.throws(
    () => createKernel(spin, { output: [2], mode: "native" }),
    /cannot translate 'while' at line 3/,
  );
  if (ignore) return; // below, mode "native" would throw for the missing compiler first
  // an error found only with the call's kinds: a number argument indexed
  const late = createKernel(function late(this: KernelThis, s: Vector) {
    return s[0];
  }, { output: [1], mode: "native" });
  assert.throws(() => late(3 as unknown as Vector), /cannot translate 's\[\.\.\.\]' at line 2/);
});

Deno.test({
  name: "kernel.mode is native when compiled and javascript with MMSSL_NO_NATIVE=1",
  ignore,
  fn() {
    const k = createKernel(doubleAdd, { output: [3] });
    assert.equal(k.mode, "native");
    tidy(() => k([1, 2, 3], [4, 5, 6]));
    assert.equal(k.mode, "native");
    assert.equal(k.translationError, null);
    const before = Deno.env.get("MMSSL_NO_NATIVE");
    Deno.env.set("MMSSL_NO_NATIVE", "1");
    try {
      tidy(() => assert.deepEqual(Array.from(k([1, 2, 3], [4, 5, 6]).dataSync()), [6, 9, 12]));
      assert.equal(k.mode, "javascript");
      assert.equal(createKernel(doubleAdd).mode, "javascript");
      assert.throws(
        () => createKernel(doubleAdd, { output: [3], mode: "native" })([1], [1]),
        /MMSSL_NO_NATIVE=1/,
      );
    } finally {
      if (before === undefined) Deno.env.delete("MMSSL_NO_NATIVE");
      else Deno.env.set("MMSSL_NO_NATIVE", before);
    }
    tidy(() => k([1, 2, 3], [4, 5, 6]));
    assert.equal(k.mode, "native");
  },
});

Deno.test({
  name: "the CUDA C emission compiles with NVRTC to PTX with its entry point (needs libnvrtc, not a GPU)",
  ignore: !nvrtcAvailable(),
  fn: () => {
    const kernels: [KernelSourceFunction, Parameters<typeof translateKernelCuda>[1]][] = [
      [function mm(this: KernelThis, a: number[][], b: number[][]) {
        let s = 0;
        for (let i = 0; i < this.constants.size; i++) s += a[this.thread.y][i] * b[i][this.thread.x];
        return s;
      }, { argKinds: ["array2", "array2"], constantKinds: { size: "scalar" }, outputRank: 2 }],
      [function mathy(this: KernelThis, a: number[], k: number) {
        const v = a[this.thread.x];
        return v > 0 ? Math.exp(-v) * k : Math.round(v % 3) + Math.max(v, Math.min(1, k)) + Math.pow(v, 2);
      }, { argKinds: ["array1", "scalar"], constantKinds: {}, outputRank: 1 }],
      [function cube(this: KernelThis, a: number[][][]) {
        return a[this.thread.z][this.thread.y][this.thread.x] + this.output.x;
      }, { argKinds: ["array3"], constantKinds: {}, outputRank: 3 }],
    ];
    for (const [fn, info] of kernels) {
      const t = translateKernelCuda(fn, info);
      assert.match(t.source, /extern "C" __global__ void mmssl_kernel_[0-9a-f]+_cuda\(/);
      const ptx = new TextDecoder().decode(compileCuda(t.source, "compute_75").image);
      assert.ok(ptx.includes(`.entry ${t.symbol}`), `${fn.name}: PTX has the entry ${t.symbol}`);
    }
  },
});
