/**
 * The CUDA path of custom kernels (src/kernels/cuda.ts) without a GPU: a CPU backend that "launches" the
 * emitted CUDA C by compiling it as C++ on the host, with blockIdx/threadIdx emulated by loops over the same
 * grid the CUDA backend launches. So the emitted source, the slot tables (array pointers, dims, scalars), the
 * uploads of host arrays and constants (freed after the call), the status flag and the kernel's `mode` are
 * all exercised; only the device itself is not. On a GPU, the last test runs the same kernels on the CUDA
 * backend. Skipped where gcc cannot compile C++ (no cc1plus).
 */
import assert from "node:assert/strict";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { cpu } from "../src/backend/cpu/storage.ts";
import type { Storage } from "../src/backend/backend.ts";
import { cudaAvailable } from "../src/backend/cuda/availability.ts";
import { CudaBackend, type TranslatedProgram } from "../src/backend/cuda/cuda_backend.ts";
import { createKernel, type KernelThis, type Vector } from "../src/kernels/mod.ts";
import { canRunTranslated, type TranslatedKernelRunner } from "../src/kernels/cuda.ts";
import { sum, Tensor, tidy } from "../src/tensor/mod.ts";
import { doubleAdd, matMult, rowSum } from "./kernel_bodies.ts";
import { assertClose, randValues, rng } from "./helpers.ts";

/** Host stand-ins for what NVRTC's CUDA C provides; the kernel runs once per (block, thread). */
const EMULATION = `#include <math.h>
#include <string.h>
#undef NAN
#define __device__
#define __global__
struct mm_dim3 { unsigned x, y, z; };
static mm_dim3 blockIdx, threadIdx, blockDim;
static inline double __longlong_as_double(long long v) { double d; memcpy(&d, &v, sizeof d); return d; }
`;

function gccCompilesCxx(): boolean {
  try {
    const probe = Deno.makeTempFileSync({ suffix: ".cc" });
    Deno.writeTextFileSync(probe, 'extern "C" int f(void) { return 1; }\n');
    const r = new Deno.Command("gcc", { args: ["-x", "c++", "-fsyntax-only", probe], stderr: "null" })
      .outputSync();
    Deno.removeSync(probe);
    return r.success;
  } catch {
    return false;
  }
}
const cxx = gccCompilesCxx();
if (!cxx) console.log("[kernels cuda emulation] skipped: gcc cannot compile C++ here (no cc1plus)");

type Launch = (
  out: Deno.PointerValue,
  ox: number,
  oy: number,
  oz: number,
  arrays: ArrayBufferView,
  dims: ArrayBufferView,
  scalars: ArrayBufferView,
  status: ArrayBufferView,
  blocks: number,
  block: number,
) => void;

/** A CPU backend that runs translated CUDA kernels through the host emulation, counting uploads and frees. */
class EmulatedDevice extends CpuBackend implements TranslatedKernelRunner {
  launches = 0;
  uploads = 0;
  frees = 0;
  private readonly compiled = new Map<string, Launch>();

  override fromHost(values: Float32Array): Storage {
    this.uploads++;
    return super.fromHost(values);
  }
  override free(s: Storage): void {
    this.frees++;
    super.free(s);
  }

  runTranslatedKernel(
    program: TranslatedProgram,
    out: Storage,
    extent: [number, number, number],
    arrays: Storage[],
    dims: Int32Array,
    scalars: Float64Array,
  ): number {
    this.launches++;
    const launch = this.compiled.get(program.source) ?? this.compile(program.source, program.symbol);
    const pointers = new BigUint64Array(Math.max(1, arrays.length));
    arrays.forEach((a, i) =>
      pointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(cpu(a).data)))
    );
    const status = new Int32Array(1);
    const n = extent[0] * extent[1] * extent[2];
    launch(
      Deno.UnsafePointer.of(cpu(out).data),
      extent[0],
      extent[1],
      extent[2],
      pointers,
      dims,
      scalars,
      status,
      Math.ceil(n / program.blockSize),
      program.blockSize,
    );
    return status[0];
  }

  private compile(source: string, symbol: string): Launch {
    const dir = Deno.makeTempDirSync();
    const wrapper = `
extern "C" void emulate(float* out, int ox, int oy, int oz, const float* const* arrays, const int* dims,
    const double* scalars, int* status, int blocks, int block) {
  blockDim.x = block; blockDim.y = blockDim.z = 1;
  for (int b = 0; b < blocks; b++)
    for (int t = 0; t < block; t++) {
      blockIdx.x = b; threadIdx.x = t;
      ${symbol}(out, ox, oy, oz, arrays, dims, scalars, status);
    }
}
`;
    Deno.writeTextFileSync(`${dir}/k.cc`, EMULATION + source + wrapper);
    const r = new Deno.Command("gcc", {
      args: ["-x", "c++", "-O1", "-shared", "-fPIC", "-o", `${dir}/k.so`, `${dir}/k.cc`, "-lm"],
    }).outputSync();
    if (!r.success) throw new Error(`emulated CUDA compile failed:\n${new TextDecoder().decode(r.stderr)}`);
    const lib = Deno.dlopen(`${dir}/k.so`, {
      emulate: {
        parameters: ["pointer", "i32", "i32", "i32", "buffer", "buffer", "buffer", "buffer", "i32", "i32"],
        result: "void",
      },
    });
    const fn = lib.symbols.emulate as unknown as Launch;
    this.compiled.set(source, fn);
    return fn;
  }
}

function on(b: CpuBackend, values: Float32Array, shape: number[]): Tensor {
  return new Tensor(b.fromHost(values), shape, b);
}

Deno.test({
  name: "CUDA path (emulated on the host): the documentation kernels equal the JavaScript path, mode cuda",
  ignore: !cxx,
  fn() {
    const dev = new EmulatedDevice({ quiet: true });
    assert.ok(canRunTranslated(dev) && !canRunTranslated(new CpuBackend({ quiet: true })));
    const r = rng();
    const av = randValues([3, 5], r),
      bv = randValues([5, 4], r),
      xv = randValues([300], r),
      yv = randValues([300], r);
    const a = on(dev, av, [3, 5]), c = on(dev, bv, [5, 4]), x = on(dev, xv, [300]), y = on(dev, yv, [300]);
    const host = new CpuBackend({ quiet: true });
    const mm = createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 });
    const mmJs = createKernel(matMult, { mode: "javascript" }).setOutput([4, 3]).setConstants({ size: 5 });
    const got = mm(a, c);
    assert.equal(mm.mode, "cuda");
    assert.equal(got.backend, dev, "the result stays on the device");
    assertClose(
      got.dataSync(),
      mmJs(on(host, av, [3, 5]), on(host, bv, [5, 4])).dataSync(),
      1e-6,
      1e-6,
      "matMult",
    );

    // 300 elements: two blocks of 256 threads, the second partly idle
    const add = createKernel(doubleAdd).setOutput([300]);
    const addJs = createKernel(doubleAdd, { mode: "javascript" }).setOutput([300]);
    const ref = addJs(Array.from(xv), Array.from(yv)).dataSync();
    assert.deepEqual(add(x, y).dataSync(), ref);
    assert.equal(add.mode, "cuda");

    // a host array argument and an array constant are uploaded for the call and freed after it
    const rs = createKernel(rowSum).setOutput([3]).setConstants({ cols: 5 });
    const uploads = dev.uploads, frees = dev.frees;
    const sums = rs(a).dataSync();
    assertClose(
      sums,
      Array.from({ length: 3 }, (_, i) => av.slice(i * 5, i * 5 + 5).reduce((p, v) => p + v, 0)),
      1e-6,
      1e-6,
      "rowSum",
    );
    const scaled = createKernel(function scaled(this: KernelThis, v: Vector, w: number[]) {
      return v[this.thread.x] * w[this.thread.x % 3] * this.constants.k[1];
    }).setOutput([300]).setConstants({ k: [0.5, 3, 7] });
    const weights = [2, -1, 0.25];
    const sc = scaled(x, weights).dataSync();
    assert.deepEqual(Array.from(sc), Array.from(xv, (v, i) => Math.fround(v * weights[i % 3] * 3)));
    assert.equal(scaled.mode, "cuda");
    // per call: the tables are the runner's business; here the weights and the constant array are uploaded
    // (2) and freed with the status-free result path; the outputs stay alive
    assert.equal(
      dev.uploads - uploads,
      2,
      "rowSum uploads nothing; scaled uploads its array and its constant",
    );
    assert.equal(dev.frees - frees, 2, "both uploads freed after the call");
    for (const t of [a, c, x, y, got]) t.dispose();
  },
});

Deno.test({
  name: "CUDA path (emulated): a NaN or out-of-range read reruns on the host for JavaScript's exact error",
  ignore: !cxx,
  fn() {
    const dev = new EmulatedDevice({ quiet: true });
    const x = on(dev, Float32Array.from([1, 2, 3, 4]), [4]);
    const past = createKernel(function past(this: KernelThis, v: Vector) {
      return v[this.thread.x + 1];
    }).setOutput([4]);
    const frees = dev.frees;
    assert.throws(() => past(x), /kernel "past".*thread|NaN|not a number/);
    assert.ok(dev.launches >= 1, "the device ran first");
    assert.ok(dev.frees > frees, "the discarded device result is freed");
    x.dispose();
  },
});

Deno.test({
  name: "CUDA path (emulated): gradients of a kernel on device tensors flow as on the host",
  ignore: !cxx,
  fn() {
    const dev = new EmulatedDevice({ quiet: true });
    const av = randValues([6], rng()), bv = randValues([6], rng());
    const k = createKernel(function prod(this: KernelThis, a: Vector, b: Vector) {
      return a[this.thread.x] * b[this.thread.x];
    }, {
      gradients: [
        function (this: KernelThis, gy: Vector, _a: Vector, b: Vector) {
          return gy[this.thread.x] * b[this.thread.x];
        },
        null,
      ],
    }).setOutput([6]);
    const a = on(dev, av, [6]), b = on(dev, bv, [6]);
    a.requiresGrad = true;
    tidy(() => sum(k(a, b)).backward());
    assert.equal(k.mode, "cuda");
    assertClose(a.grad!.dataSync(), bv, 0, 0, "d/da sum(a * b) = b");
    a.grad!.dispose();
    a.dispose();
    b.dispose();
  },
});

Deno.test({
  name: "CUDA backend (needs a GPU): custom kernels run on the device and equal the JavaScript path",
  ignore: !cudaAvailable(),
  fn() {
    const gpu = new CudaBackend();
    const r = rng();
    const av = randValues([3, 5], r), bv = randValues([5, 4], r);
    const a = new Tensor(gpu.fromHost(av), [3, 5], gpu), c = new Tensor(gpu.fromHost(bv), [5, 4], gpu);
    const mm = createKernel(matMult).setOutput([4, 3]).setConstants({ size: 5 });
    const got = mm(a, c);
    assert.equal(mm.mode, "cuda", `translation: ${mm.translationError}`);
    const host = new CpuBackend({ quiet: true });
    const ref = createKernel(matMult, { mode: "javascript" }).setOutput([4, 3]).setConstants({ size: 5 })(
      new Tensor(host.fromHost(av), [3, 5], host),
      new Tensor(host.fromHost(bv), [5, 4], host),
    );
    assertClose(got.dataSync(), ref.dataSync(), 1e-6, 1e-6, "matMult on the GPU");
  },
});
