/**
 * The CUDA backend: storages are device buffers, GEMM goes to cuBLAS, every other primitive is an NVRTC
 * kernel (see kernels_*.ts). Everything runs in order on the legacy default stream; `read`/`readSync` copy
 * back synchronously, which also waits for the queued work.
 */
import {
  type AdamWArgs,
  type Backend,
  type BinaryOp,
  type Conv2dGeometry,
  geometryInts,
  type MatmulArgs,
  type ReduceOp,
  type ScalarOp,
  type Storage,
  type UnaryGradOp,
  type UnaryOp,
} from "../backend.ts";
import { checkDriver, type CudaDriverLibrary } from "../../../ffi/cuda/driver.ts";
import { type CudaDevice, loadExtraProgram, openCudaDevice } from "./device.ts";
import { CudaStorage, dev, DevicePool } from "./memory.ts";
import { Launcher, rowThreads } from "./launcher.ts";
import { CublasGemm } from "./gemm.ts";
import { collapseDims } from "./strided.ts";
import { MAX_RANK } from "./kernels_common.ts";
import { binaryFlatName, binaryName, scalarName, unaryGradName, unaryName } from "./kernels_elementwise.ts";
import { reduceColsName, reduceCombineName, reduceRowsName } from "./kernels_reduce.ts";

/** What the backend runs on (for logs). */
export interface CudaInfo {
  /** The GPU's name as the driver reports it. */
  device: string;
  /** Compute capability as "major.minor", e.g. "9.0". */
  computeCapability: string;
  /** Number of streaming multiprocessors. */
  smCount: number;
  /** Path of the loaded libcuda. */
  driver: string;
  /** Path of the loaded libcublas. */
  cublas: string;
  /** How the NVRTC kernels were obtained: "compiled (N ms)" or "cached (path)". */
  kernels: string;
}

const ROW_THREADS = 256;
const INDEX_ERR_NAMES = ["", "gather", "scatterAdd"];

/** A custom kernel's CUDA C program as src/kernels' translator emits it: source, entry point, block size. */
export interface TranslatedProgram {
  /** The CUDA C source (compiled by NVRTC once, then cached). */
  source: string;
  /** The entry point's name. */
  symbol: string;
  /** Threads per block of the launch. */
  blockSize: number;
}

/**
 * The CUDA {@link Backend} on one device: pooled device storages, cuBLAS GEMMs and NVRTC kernels, all in
 * order on the legacy default stream. Registered as "cuda"; select it with `setBackend("cuda")`.
 */
export class CudaBackend implements Backend {
  readonly name = "cuda";
  /** What the backend runs on (device, capability, library paths), for logs. */
  readonly info: CudaInfo;
  private readonly lib: CudaDriverLibrary;
  private readonly dev: CudaDevice;
  private readonly pool: DevicePool;
  private readonly k: Launcher;
  private readonly gemm: CublasGemm;
  private readonly errFlag: bigint;
  private indexCheckPending = false;
  private scratchPtr = 0n;
  private scratchBytes = 0;
  private readonly u32 = new Uint32Array(1);
  private readonly f32 = new Float32Array(this.u32.buffer);
  /** Custom kernels' programs already loaded, by source text (their handles are in the launcher's map). */
  private readonly customSources = new Set<string>();

  /** Opens device `ordinal`; throws "CUDA unavailable: ..." (one line) when it cannot. */
  constructor(ordinal = 0) {
    this.dev = openCudaDevice(ordinal);
    this.lib = this.dev.lib;
    this.pool = new DevicePool(this.lib);
    this.k = new Launcher(this.lib, this.dev.functions, this.dev.smCount);
    try {
      this.gemm = new CublasGemm();
    } catch (e) {
      throw new Error(`CUDA unavailable: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
    }
    this.errFlag = this.pool.rawAlloc(16);
    checkDriver(this.lib, "cuMemsetD32", this.lib.symbols.cuMemsetD32_v2(this.errFlag, 0, 4n));
    const cc = this.dev.computeCapability;
    this.info = {
      device: this.dev.name,
      computeCapability: `${cc[0]}.${cc[1]}`,
      smCount: this.dev.smCount,
      driver: this.dev.driverPath,
      cublas: this.gemm.path,
      kernels: this.dev.kernelsFrom,
    };
  }

  /** FP32 GEMMs through TF32 tensor cores (off by default; MMSSL_CUDA_TF32=1 turns it on at start). */
  setTf32(enabled: boolean): void {
    this.gemm.setTf32(enabled);
  }

  // Memory

  alloc(size: number): Storage {
    return this.pool.take(size);
  }
  free(s: Storage): void {
    this.pool.give(dev(s));
  }
  fromHost(values: Float32Array): Storage {
    const s = this.pool.take(values.length);
    if (values.length > 0) {
      checkDriver(
        this.lib,
        "cuMemcpyHtoD",
        this.lib.symbols.cuMemcpyHtoD_v2(s.ptr, values, BigInt(values.byteLength)),
      );
    }
    return s;
  }
  read(s: Storage): Promise<Float32Array> {
    try {
      return Promise.resolve(this.readSync(s));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  readSync(s: Storage): Float32Array {
    const d = dev(s);
    const out = new Float32Array(d.size);
    if (d.size > 0) {
      checkDriver(
        this.lib,
        "cuMemcpyDtoH",
        this.lib.symbols.cuMemcpyDtoH_v2(out, d.ptr, BigInt(out.byteLength)),
      );
    }
    this.checkIndexErrors();
    return out;
  }
  write(s: Storage, values: Float32Array, offset = 0): void {
    const d = dev(s);
    if (offset < 0 || offset + values.length > d.size) {
      throw new RangeError(
        `cuda write: ${values.length} values at offset ${offset} exceed a storage of ${d.size}`,
      );
    }
    if (values.length === 0) return;
    const dst = d.ptr + BigInt(offset * 4);
    checkDriver(
      this.lib,
      "cuMemcpyHtoD",
      this.lib.symbols.cuMemcpyHtoD_v2(dst, values, BigInt(values.byteLength)),
    );
  }
  fill(out: Storage, value: number, offset = 0, count?: number): void {
    const d = dev(out);
    const start = Math.max(0, Math.min(offset, d.size));
    const end = Math.min(d.size, count === undefined ? d.size : offset + count);
    if (end <= start) return;
    this.f32[0] = value;
    const rc = this.lib.symbols.cuMemsetD32_v2(d.ptr + BigInt(start * 4), this.u32[0], BigInt(end - start));
    checkDriver(this.lib, "cuMemsetD32", rc);
  }

  // Elementwise

  unary(op: UnaryOp, x: Storage, out: Storage): void {
    const o = dev(out);
    this.k.pack().u64(dev(x).ptr).u64(o.ptr).i64(o.size);
    this.k.launch1d(unaryName(op), o.size);
  }
  unaryGrad(op: UnaryGradOp, x: Storage, gy: Storage, out: Storage): void {
    const o = dev(out);
    this.k.pack().u64(dev(x).ptr).u64(dev(gy).ptr).u64(o.ptr).i64(o.size);
    this.k.launch1d(unaryGradName(op), o.size);
  }
  scalar(op: ScalarOp, x: Storage, out: Storage, a: number, b = 0): void {
    const o = dev(out);
    this.k.pack().u64(dev(x).ptr).u64(o.ptr).i64(o.size).f64(a).f64(b);
    this.k.launch1d(scalarName(op), o.size);
  }
  binary(
    op: BinaryOp,
    a: Storage,
    aStrides: number[],
    b: Storage,
    bStrides: number[],
    out: Storage,
    shape: number[],
  ): void {
    const n = shape.reduce((p, d) => p * d, 1);
    if (n === 0) return;
    // The output is contiguous over `shape`: a third stride set keeps leading splits aligned with it.
    const c = collapseDims(shape, [aStrides, bStrides, contiguousStrides(shape)]);
    const pa = dev(a).ptr, pb = dev(b).ptr, po = dev(out).ptr;
    forEachBlock(c.shape, c.strides, (sh, st, off) => {
      const m = sh.reduce((p, d) => p * d, 1);
      const [qa, qb, qo] = [pa + BigInt(4 * off[0]), pb + BigInt(4 * off[1]), po + BigInt(4 * off[2])];
      if (sh.length <= 1) {
        const sa = sh.length === 0 ? 0 : st[0][0], sb = sh.length === 0 ? 0 : st[1][0];
        this.k.pack().u64(qa).u64(qb).u64(qo).i64(m).i64(sa).i64(sb);
        this.k.launch1d(binaryFlatName(op), m);
      } else {
        this.k.pack().u64(qa).u64(qb).u64(qo).i64(m).dims(sh, st[0], st[1]);
        this.k.launch1d(binaryName(op), m);
      }
    });
  }
  where(cond: Storage, a: Storage, b: Storage, out: Storage): void {
    const o = dev(out);
    this.k.pack().u64(dev(cond).ptr).u64(dev(a).ptr).u64(dev(b).ptr).u64(o.ptr).i64(o.size);
    this.k.launch1d("whereSelect", o.size);
  }

  // Reductions and data movement

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    const px = dev(x).ptr, po = dev(out).ptr;
    if (outer * inner === 0) return;
    if (r === 0) {
      this.fill(out, op === "max" || op === "min" ? NaN : 0, 0, outer * inner);
      return;
    }
    if (inner > 1) {
      this.k.pack().u64(px).u64(po).i64(outer).i64(r).i64(inner);
      this.k.launch(
        reduceColsName(op),
        Math.min(outer * Math.ceil(inner / 32), 1 << 20),
        32,
        r >= 256 ? 32 : 8,
      );
      return;
    }
    // Split long rows into chunks when there are too few rows to fill the GPU.
    const target = 16 * this.dev.smCount;
    let nChunks = outer >= target ? 1 : Math.min(Math.ceil(target / outer), Math.ceil(r / 2048));
    nChunks = Math.max(1, Math.min(nChunks, 4096));
    const chunk = Math.ceil(r / nChunks);
    nChunks = Math.ceil(r / chunk);
    let pv = 0n, pj = 0n;
    if (nChunks > 1) {
      const parts = outer * nChunks;
      const base = this.scratch(parts * 12);
      pv = base;
      pj = base + BigInt(parts * 8);
    }
    this.k.pack().u64(px).u64(po).u64(pv).u64(pj).i64(outer).i64(r).i64(chunk).i32(nChunks);
    this.k.launch(
      reduceRowsName(op),
      Math.min(outer * nChunks, 1 << 20),
      Math.min(ROW_THREADS, rowThreads(chunk)),
    );
    if (nChunks > 1) {
      this.k.pack().u64(px).u64(po).u64(pv).u64(pj).i64(outer).i64(r).i32(nChunks);
      this.k.launch(
        reduceCombineName(op),
        Math.min(outer, 1 << 20),
        Math.min(ROW_THREADS, Math.ceil(nChunks / 32) * 32),
      );
    }
  }
  copyStrided(
    src: Storage,
    srcOffset: number,
    srcStrides: number[],
    dst: Storage,
    dstOffset: number,
    dstStrides: number[],
    shape: number[],
  ): void {
    const n = shape.reduce((p, d) => p * d, 1);
    if (n === 0) return;
    const c = collapseDims(shape, [srcStrides, dstStrides]);
    const ps = dev(src).ptr, pd = dev(dst).ptr;
    if (this.copyTranspose(ps, srcOffset, pd, dstOffset, c.shape, c.strides[0], c.strides[1])) return;
    forEachBlock(c.shape, c.strides, (sh, st, off) => {
      const m = sh.reduce((p, d) => p * d, 1);
      const so = srcOffset + off[0], dOff = dstOffset + off[1];
      if (sh.length <= 1) {
        const ss = sh.length === 0 ? 0 : st[0][0], ds = sh.length === 0 ? 0 : st[1][0];
        this.k.pack().u64(ps).i64(so).i64(ss).u64(pd).i64(dOff).i64(ds).i64(m);
        this.k.launch1d("copyFlat", m);
      } else {
        this.k.pack().u64(ps).i64(so).u64(pd).i64(dOff).i64(m).dims(sh, st[0], st[1]);
        this.k.launch1d("copyStrided", m);
      }
    });
  }
  /** A (batched) transpose, contiguous along different axes in src and dst, through shared-memory tiles. */
  private copyTranspose(
    ps: bigint,
    so: number,
    pd: bigint,
    dOff: number,
    shape: number[],
    ss: number[],
    ds: number[],
  ): boolean {
    const r = shape.length;
    if (r < 2 || r > 3 || ds[r - 1] !== 1 || ss[r - 2] !== 1 || ss[r - 1] === 1) return false;
    const nb = r === 3 ? shape[0] : 1, ni = shape[r - 2], nj = shape[r - 1];
    if (ni < 16 || nj < 16) return false;
    const sb = r === 3 ? ss[0] : 0, db = r === 3 ? ds[0] : 0;
    this.k.pack().u64(ps).i64(so).i64(sb).i64(ss[r - 1]).u64(pd).i64(dOff).i64(db).i64(ds[r - 2]).i64(nb).i64(
      ni,
    )
      .i64(nj);
    this.k.launch(
      "copyTransposeTiled",
      Math.min(nb * Math.ceil(ni / 32) * Math.ceil(nj / 32), 1 << 20),
      32,
      8,
    );
    return true;
  }
  gather(
    x: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    this.launchIndexed("gatherRows", x, idx, out, outer, axisLen, inner, nIdx);
  }
  scatterAdd(
    g: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    this.launchIndexed("scatterAddRows", g, idx, out, outer, axisLen, inner, nIdx);
  }
  /** Launches a row-index kernel (gather or scatter-add); a bad index is reported at the next read. */
  private launchIndexed(
    kernel: string,
    src: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    this.k.pack().u64(dev(src).ptr).u64(dev(idx).ptr).u64(dev(out).ptr).i64(outer).i64(axisLen).i64(inner)
      .i64(nIdx).u64(this.errFlag);
    this.k.launch1d(kernel, outer * nIdx * inner);
    this.indexCheckPending = true;
  }

  // Linear algebra

  matmul(a: Storage, b: Storage, out: Storage, args: MatmulArgs): void {
    this.gemm.run(dev(a).ptr, dev(b).ptr, dev(out).ptr, args);
  }

  // Fused neural-network kernels

  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    this.k.pack().u64(dev(x).ptr).u64(dev(out).ptr).i64(rows).i64(cols).i32(log ? 1 : 0);
    this.k.launchRows("softmaxRows", rows, cols);
  }
  softmaxGrad(y: Storage, gy: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    this.k.pack().u64(dev(y).ptr).u64(dev(gy).ptr).u64(dev(out).ptr).i64(rows).i64(cols).i32(log ? 1 : 0);
    this.k.launchRows("softmaxGradRows", rows, cols);
  }
  normalizeRows(
    x: Storage,
    out: Storage,
    mean: Storage,
    rstd: Storage,
    rows: number,
    cols: number,
    eps: number,
  ): void {
    this.k.pack().u64(dev(x).ptr).u64(dev(out).ptr).u64(dev(mean).ptr).u64(dev(rstd).ptr).i64(rows).i64(cols)
      .f64(eps);
    this.k.launchRows("normalizeRowsK", rows, cols);
  }
  normalizeRowsGrad(
    xhat: Storage,
    rstd: Storage,
    g: Storage,
    out: Storage,
    rows: number,
    cols: number,
  ): void {
    this.k.pack().u64(dev(xhat).ptr).u64(dev(rstd).ptr).u64(dev(g).ptr).u64(dev(out).ptr).i64(rows).i64(cols);
    this.k.launchRows("normalizeRowsGradK", rows, cols);
  }
  im2col(x: Storage, cols: Storage, g: Conv2dGeometry): void {
    this.k.pack().u64(dev(x).ptr).u64(dev(cols).ptr).ints(geometryInts(g));
    this.k.launch1d("im2colK", g.n * g.c * g.kh * g.kw * g.outH * g.outW);
  }
  col2im(cols: Storage, out: Storage, g: Conv2dGeometry): void {
    this.k.pack().u64(dev(cols).ptr).u64(dev(out).ptr).ints(geometryInts(g));
    this.k.launch1d("col2imK", g.n * g.c * g.h * g.w);
  }
  maxPool2d(x: Storage, out: Storage, argmax: Storage, g: Conv2dGeometry): void {
    this.k.pack().u64(dev(x).ptr).u64(dev(out).ptr).u64(dev(argmax).ptr).ints(geometryInts(g));
    this.k.launch1d("maxPool2dK", g.n * g.c * g.outH * g.outW);
  }

  // Optimisation

  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, args: AdamWArgs): void {
    const { lr, beta1, beta2, eps, weightDecay, step } = args;
    const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
    const p = dev(param);
    this.k.pack().u64(p.ptr).u64(dev(grad).ptr).u64(dev(m).ptr).u64(dev(v).ptr).i64(p.size)
      .f64(beta1).f64(beta2).f64(eps).f64(lr / bc1).f64(Math.sqrt(bc2)).f64(1 - lr * weightDecay);
    this.k.launch1d("adamwK", p.size);
  }

  // Random numbers

  randomUniform(out: Storage, seed: bigint, stream: bigint, offset: bigint): void {
    const o = dev(out);
    if (offset < 0n || stream < 0n || seed < 0n) {
      throw new Error(
        `randomUniform: seed, stream and offset must be non-negative (got ${seed}, ${stream}, ${offset})`,
      );
    }
    if (o.size === 0) return;
    const blocks = Number((offset + BigInt(o.size) + 3n) / 4n - offset / 4n);
    this.k.pack().u64(o.ptr).i64(o.size).u64(BigInt.asUintN(64, seed)).u64(BigInt.asUintN(64, stream)).u64(
      offset,
    );
    this.k.launch1d("philoxUniform", blocks);
  }

  /**
   * Inverted dropout with the CPU's counter-hash coins (the native kernel's and src/random/hash_mask.ts's,
   * bit for bit): out = x * scale where kept, else 0; out may be x.
   */
  dropout(x: Storage, out: Storage, keepProb: number, scale: number, seed: number): void {
    const xs = dev(x), o = dev(out);
    if (o.size === 0) return;
    this.k.pack().u64(xs.ptr).u64(o.ptr).i64(o.size).f64(keepProb * 4294967296).f64(scale).i32(seed | 0);
    this.k.launch1d("dropoutHash", o.size);
  }

  // Custom kernels (src/kernels)

  /**
   * Runs a custom kernel translated to CUDA C by src/kernels' `translateKernelCuda`, whose entry point is
   * `symbol(float* out, int ox, int oy, int oz, const float* const* arrays, const int* dims, const double*
   * scalars, int* status)`, one thread per output element. The program is compiled by NVRTC once (and
   * cached on disk like the built-in kernels); the tables of array pointers, their dims and the scalars are
   * uploaded for the call. Returns the status flag (0: every element written; 1: an element asked for the
   * JavaScript path, which the caller reruns), so a call synchronises once.
   */
  runTranslatedKernel(
    program: TranslatedProgram,
    out: Storage,
    extent: [number, number, number],
    arrays: Storage[],
    dims: Int32Array,
    scalars: Float64Array,
  ): number {
    if (!this.customSources.has(program.source)) {
      for (const [name, fn] of loadExtraProgram(this.dev, program.source, [program.symbol])) {
        this.dev.functions.set(name, fn);
      }
      this.customSources.add(program.source);
    }
    const pointers = new BigUint64Array(Math.max(1, arrays.length));
    arrays.forEach((a, i) => pointers[i] = dev(a).ptr);
    // the tables travel as raw bytes in float-sized storages (8 bytes = 2 floats for pointers and doubles)
    const table = (bytes: ArrayBufferView) =>
      this.fromHost(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    const ptrTable = table(pointers), dimTable = table(dims), scalarTable = table(scalars);
    const status = this.alloc(1);
    this.fill(status, 0); // float +0 has the bits of int 0
    try {
      const [ox, oy, oz] = extent;
      this.k.pack().u64(dev(out).ptr).i32(ox).i32(oy).i32(oz).u64(dev(ptrTable).ptr).u64(dev(dimTable).ptr)
        .u64(dev(scalarTable).ptr).u64(dev(status).ptr);
      const n = ox * oy * oz;
      if (n > 0) this.k.launch(program.symbol, Math.ceil(n / program.blockSize), program.blockSize);
      const flag = this.readSync(status);
      return new Int32Array(flag.buffer, flag.byteOffset, 1)[0];
    } finally {
      for (const t of [ptrTable, dimTable, scalarTable, status]) this.free(t);
    }
  }

  sync(): void {
    checkDriver(this.lib, "cuCtxSynchronize", this.lib.symbols.cuCtxSynchronize());
    this.checkIndexErrors();
  }

  /** Bytes held by the device pool (free buffers kept for reuse) and allocated in total. */
  memoryStats(): { pooledBytes: number; allocatedBytes: number } {
    return { pooledBytes: this.pool.pooledBytes, allocatedBytes: this.pool.allocatedBytes };
  }

  /** Returns pooled buffers to the driver. */
  releasePooled(): void {
    this.pool.clear();
  }

  /** A device scratch area of at least `bytes`, reused across launches (in-order stream). */
  private scratch(bytes: number): bigint {
    if (bytes > this.scratchBytes) {
      if (this.scratchPtr !== 0n) this.pool.rawFree(this.scratchPtr, this.scratchBytes);
      this.scratchBytes = Math.max(bytes, 1 << 16);
      this.scratchPtr = this.pool.rawAlloc(this.scratchBytes);
    }
    return this.scratchPtr;
  }

  /** Throws the first out-of-range index a gather/scatterAdd kernel recorded since the last check. */
  private checkIndexErrors(): void {
    if (!this.indexCheckPending) return;
    this.indexCheckPending = false;
    const err = new Int32Array(4);
    checkDriver(this.lib, "cuMemcpyDtoH", this.lib.symbols.cuMemcpyDtoH_v2(err, this.errFlag, 16n));
    if (err[0] === 0) return;
    checkDriver(this.lib, "cuMemsetD32", this.lib.symbols.cuMemsetD32_v2(this.errFlag, 0, 4n));
    const bad = new Float32Array(err.buffer, 4, 1)[0];
    throw new RangeError(
      `${INDEX_ERR_NAMES[err[0]]}: index ${bad} out of range for axis of length ${err[2]}`,
    );
  }
}

function contiguousStrides(shape: number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) st[k] = st[k + 1] * shape[k + 1];
  return st;
}

/**
 * Calls fn once for a strided iteration of rank <= MAX_RANK, or, for a higher rank, once per index of the
 * leading dimensions with the element offsets (one per stride set) of that block.
 */
function forEachBlock(
  shape: number[],
  strides: number[][],
  fn: (shape: number[], strides: number[][], offsets: number[]) => void,
): void {
  const lead = shape.length - MAX_RANK;
  if (lead <= 0) {
    fn(shape, strides, strides.map(() => 0));
    return;
  }
  const innerShape = shape.slice(lead), innerStrides = strides.map((st) => st.slice(lead));
  const idx = new Array<number>(lead).fill(0);
  const count = shape.slice(0, lead).reduce((p, d) => p * d, 1);
  for (let c = 0; c < count; c++) {
    fn(innerShape, innerStrides, strides.map((st) => idx.reduce((acc, v, d) => acc + v * st[d], 0)));
    for (let d = lead - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

export { CudaStorage };
