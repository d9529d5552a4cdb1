/**
 * The CPU backend with its compute in native C kernels (src/backend/native/csrc, compiled on the user's
 * machine, vectorised and threaded with OpenMP): the same storage, pool and memory methods as
 * {@link CpuBackend}, every compute primitive overridden. GEMM goes to OpenBLAS above a size where the FFI
 * call pays off, else to the library's own blocked GEMM (csrc/gemm.c).
 *
 * `createCpuBackend()` is the "cpu" backend of the registry: this one when the kernels build, else the
 * TypeScript {@link CpuBackend}, with one line on stderr saying why.
 */
import {
  type AdamWArgs,
  type AttentionArgs,
  BINARY_OPS,
  type BinaryOp,
  type Conv2dGeometry,
  geometryInts,
  type MatmulArgs,
  REDUCE_OPS,
  type ReduceOp,
  SCALAR_OPS,
  type ScalarOp,
  type Storage,
  UNARY_GRAD_OPS,
  UNARY_OPS,
  type UnaryGradOp,
  type UnaryOp,
} from "../backend.ts";
import { CpuBackend } from "../cpu/cpu_backend.ts";
import { cpu } from "../cpu/storage.ts";
import { matmulBlas } from "../cpu/matmul.ts";
import { loadNativeKernels, type NativeLibrary } from "./library.ts";
import { codeTable } from "./op_codes.ts";

const UNARY = codeTable(UNARY_OPS);
const UNARY_GRAD = codeTable(UNARY_GRAD_OPS);
const SCALAR = codeTable(SCALAR_OPS);
const BINARY = codeTable(BINARY_OPS);
const REDUCE = codeTable(REDUCE_OPS);

/** The options of the TypeScript CPU backend, which this one shares. */
export type CpuBackendOptions = NonNullable<ConstructorParameters<typeof CpuBackend>[0]>;

/** The largest rank the strided C kernels take (MM_MAX_RANK in csrc/common.h). */
const MAX_RANK = 16;

/**
 * With OpenBLAS, a GEMM goes to cblas_sgemm when all of m, n and k reach NATIVE_BLAS_MIN_DIM, or when it is a
 * weight gradient (Aᵀ B) over at least that many rows; the rest (the transformer's [3200, 40] x [40, 2048]
 * projections, attention heads, tiny batched items) go to csrc/gemm.c, one call for the whole batch.
 * Measured through the backend on the 2-core AMD EPYC (Zen 3) against OpenBLAS 0.3.21 (Zen kernels, 2
 * threads), GFLOP/s native/OpenBLAS: 3200x2048x40 NT 75/54, 3200x40x2048 NN 72/54, 1664x512x128 NT 152/122,
 * but Aᵀ B with long k 40x2048x3200 50/57, 2048x40x3200 48/58, 128x128x1664 107/123.
 */
export const NATIVE_BLAS_MIN_DIM = 1024;

/** Whether OpenBLAS takes this GEMM (see {@link NATIVE_BLAS_MIN_DIM}). */
export function blasTakes(a: MatmulArgs): boolean {
  return Math.min(a.m, a.n, a.k) >= NATIVE_BLAS_MIN_DIM ||
    (a.transA && !a.transB && a.k >= NATIVE_BLAS_MIN_DIM);
}

/** A small int32 array with its native address cached (for shapes, strides and geometry). */
class IntScratch {
  readonly data: Int32Array;
  readonly ptr: Deno.PointerValue;
  constructor(size: number) {
    this.data = new Int32Array(size);
    this.ptr = Deno.UnsafePointer.of(this.data);
  }
  /** Copies `values` in and returns the address. */
  set(values: readonly number[]): Deno.PointerValue {
    this.data.set(values);
    return this.ptr;
  }
}

function checkRank(what: string, rank: number): void {
  if (rank > MAX_RANK) throw new Error(`cpu ${what}: rank ${rank} exceeds the native kernels' ${MAX_RANK}`);
}

/** Facts about the native kernel library, for notices and results files. */
export interface NativeKernelsInfo {
  /** Path of the loaded shared library (in the build cache). */
  path: string;
  /** The C compiler's version line. */
  compiler: string;
  /** The flags the library was compiled with, space-separated (see NATIVE_FLAG_SETS). */
  flags: string;
  /** OpenMP threads the kernels use (1 when built without OpenMP). */
  threads: number;
}

/** The CPU backend running the native kernels. Construct through {@link createCpuBackend}. */
export class NativeCpuBackend extends CpuBackend {
  private readonly k: NativeLibrary["symbols"];
  /** Facts about the loaded kernel library (path, compiler, flags, threads). */
  readonly native: NativeKernelsInfo;
  private readonly shape = new IntScratch(MAX_RANK);
  private readonly stridesA = new IntScratch(MAX_RANK);
  private readonly stridesB = new IntScratch(MAX_RANK);
  private readonly geometry = new IntScratch(14);
  private readonly attentionDims = new IntScratch(9);

  /** Binds an opened kernel library; `opts` go to {@link CpuBackend} (OpenBLAS for large GEMMs). */
  constructor(lib: NativeLibrary, info: NativeKernelsInfo, opts: CpuBackendOptions = {}) {
    super({ ...opts, fallbackGemm: "the native C GEMM" });
    this.k = lib.symbols;
    this.native = info;
  }

  /** {@link Backend.unary} in the native C kernel. */
  override unary(op: UnaryOp, x: Storage, out: Storage): void {
    this.k.mm_unary(UNARY[op], cpu(x).ptr, cpu(out).ptr, out.size);
  }
  /** {@link Backend.unaryGrad} in the native C kernel. */
  override unaryGrad(op: UnaryGradOp, x: Storage, gy: Storage, out: Storage): void {
    this.k.mm_unary_grad(UNARY_GRAD[op], cpu(x).ptr, cpu(gy).ptr, cpu(out).ptr, out.size);
  }
  /** {@link Backend.scalar} in the native C kernel. */
  override scalar(op: ScalarOp, x: Storage, out: Storage, a: number, b = 0): void {
    this.k.mm_scalar(SCALAR[op], cpu(x).ptr, cpu(out).ptr, out.size, a, b);
  }
  /**
   * {@link Backend.binary} in the native C kernel (rank at most 16).
   *
   * @throws {Error} When the shape has more than 16 axes.
   */
  override binary(
    op: BinaryOp,
    a: Storage,
    aStrides: number[],
    b: Storage,
    bStrides: number[],
    out: Storage,
    shape: number[],
  ): void {
    if (shape.length === 0) {
      this.k.mm_binary(
        BINARY[op],
        cpu(a).ptr,
        this.stridesA.ptr,
        cpu(b).ptr,
        this.stridesB.ptr,
        cpu(out).ptr,
        this.shape.set([1]),
        1,
      );
      return;
    }
    checkRank("binary", shape.length);
    this.k.mm_binary(
      BINARY[op],
      cpu(a).ptr,
      this.stridesA.set(aStrides),
      cpu(b).ptr,
      this.stridesB.set(bStrides),
      cpu(out).ptr,
      this.shape.set(shape),
      shape.length,
    );
  }
  /** {@link Backend.where} in the native C kernel. */
  override where(cond: Storage, a: Storage, b: Storage, out: Storage): void {
    this.k.mm_where(cpu(cond).ptr, cpu(a).ptr, cpu(b).ptr, cpu(out).ptr, out.size);
  }

  /** {@link Backend.reduce} in the native C kernel. */
  override reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.k.mm_reduce(REDUCE[op], cpu(x).ptr, cpu(out).ptr, outer, r, inner);
  }
  /**
   * {@link Backend.copyStrided} in the native C kernel (rank at most 16).
   *
   * @throws {Error} When the shape has more than 16 axes.
   */
  override copyStrided(
    src: Storage,
    srcOffset: number,
    srcStrides: number[],
    dst: Storage,
    dstOffset: number,
    dstStrides: number[],
    shape: number[],
  ): void {
    if (shape.length === 0) {
      cpu(dst).data[dstOffset] = cpu(src).data[srcOffset];
      return;
    }
    checkRank("copyStrided", shape.length);
    this.k.mm_copy_strided(
      cpu(src).ptr,
      srcOffset,
      this.stridesA.set(srcStrides),
      cpu(dst).ptr,
      dstOffset,
      this.stridesB.set(dstStrides),
      this.shape.set(shape),
      shape.length,
    );
  }
  /**
   * {@link Backend.gather} in the native C kernel.
   *
   * @throws {RangeError} When an index is not an integer in [0, axisLen).
   */
  override gather(
    x: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    const bad = this.k.mm_gather(cpu(x).ptr, cpu(idx).ptr, cpu(out).ptr, outer, axisLen, inner, nIdx);
    if (bad >= 0) badIndex(cpu(idx).data[bad], axisLen);
  }
  /**
   * {@link Backend.scatterAdd} in the native C kernel.
   *
   * @throws {RangeError} When an index is not an integer in [0, axisLen).
   */
  override scatterAdd(
    g: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    const bad = this.k.mm_scatter_add(cpu(g).ptr, cpu(idx).ptr, cpu(out).ptr, outer, axisLen, inner, nIdx);
    if (bad >= 0) badIndex(cpu(idx).data[bad], axisLen);
  }

  /**
   * {@link Backend.matmul}: OpenBLAS when {@link blasTakes} the shape and it is loaded, else csrc/gemm.c for
   * the whole batch.
   */
  override matmul(a: Storage, b: Storage, out: Storage, args: MatmulArgs): void {
    const blas = this.blasLibrary;
    if (blas && blasTakes(args)) {
      matmulBlas(blas, cpu(a), cpu(b), cpu(out), args);
      return;
    }
    const { batch, m, n, k, transA, transB, strideA, strideB, strideC } = args;
    this.k.mm_sgemm(
      batch,
      m,
      n,
      k,
      transA ? 1 : 0,
      transB ? 1 : 0,
      cpu(a).ptr,
      BigInt(strideA),
      cpu(b).ptr,
      BigInt(strideB),
      cpu(out).ptr,
      BigInt(strideC),
      args.alpha ?? 1,
      args.beta ?? 0,
    );
  }

  /** {@link Backend.softmax} in the native C kernel. */
  override softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    this.k.mm_softmax(cpu(x).ptr, cpu(out).ptr, rows, cols, log ? 1 : 0);
  }
  /** {@link Backend.softmaxGrad} in the native C kernel. */
  override softmaxGrad(
    y: Storage,
    gy: Storage,
    out: Storage,
    rows: number,
    cols: number,
    log: boolean,
  ): void {
    this.k.mm_softmax_grad(cpu(y).ptr, cpu(gy).ptr, cpu(out).ptr, rows, cols, log ? 1 : 0);
  }
  /** {@link Backend.normalizeRows} in the native C kernel. */
  override normalizeRows(
    x: Storage,
    out: Storage,
    mean: Storage,
    rstd: Storage,
    rows: number,
    cols: number,
    eps: number,
  ): void {
    this.k.mm_normalize_rows(cpu(x).ptr, cpu(out).ptr, cpu(mean).ptr, cpu(rstd).ptr, rows, cols, eps);
  }
  /** {@link Backend.normalizeRowsGrad} in the native C kernel. */
  override normalizeRowsGrad(
    xhat: Storage,
    rstd: Storage,
    g: Storage,
    out: Storage,
    rows: number,
    cols: number,
  ): void {
    this.k.mm_normalize_rows_grad(cpu(xhat).ptr, cpu(rstd).ptr, cpu(g).ptr, cpu(out).ptr, rows, cols);
  }
  /** {@link Backend.im2col} in the native C kernel. */
  override im2col(x: Storage, cols: Storage, g: Conv2dGeometry): void {
    this.k.mm_im2col(cpu(x).ptr, cpu(cols).ptr, this.geometryOf(g));
  }
  /** {@link Backend.col2im} in the native C kernel. */
  override col2im(cols: Storage, out: Storage, g: Conv2dGeometry): void {
    this.k.mm_col2im(cpu(cols).ptr, cpu(out).ptr, this.geometryOf(g));
  }
  /** {@link Backend.maxPool2d} in the native C kernel. */
  override maxPool2d(x: Storage, out: Storage, argmax: Storage, g: Conv2dGeometry): void {
    this.k.mm_max_pool2d(cpu(x).ptr, cpu(out).ptr, cpu(argmax).ptr, this.geometryOf(g));
  }
  /** {@link Backend.attention}: the fused attention forward of csrc/attention.c. */
  attention(
    q: Storage,
    k: Storage,
    v: Storage,
    keyBias: Storage | null,
    attnBias: Storage | null,
    dropMask: Storage | null,
    probs: Storage,
    out: Storage,
    a: AttentionArgs,
  ): void {
    this.k.mm_attention(
      this.dimsOf(a),
      cpu(q).ptr,
      cpu(k).ptr,
      cpu(v).ptr,
      keyBias ? cpu(keyBias).ptr : null,
      attnBias ? cpu(attnBias).ptr : null,
      dropMask ? cpu(dropMask).ptr : null,
      cpu(probs).ptr,
      cpu(out).ptr,
    );
  }
  /** {@link Backend.attentionGrad}: the fused attention backward of csrc/attention.c. */
  attentionGrad(
    q: Storage,
    k: Storage,
    v: Storage,
    dropMask: Storage | null,
    probs: Storage,
    gOut: Storage,
    gq: Storage,
    gk: Storage,
    gv: Storage,
    a: AttentionArgs,
  ): void {
    this.k.mm_attention_grad(
      this.dimsOf(a),
      cpu(q).ptr,
      cpu(k).ptr,
      cpu(v).ptr,
      dropMask ? cpu(dropMask).ptr : null,
      cpu(probs).ptr,
      cpu(gOut).ptr,
      cpu(gq).ptr,
      cpu(gk).ptr,
      cpu(gv).ptr,
    );
  }

  /**
   * {@link Backend.dropout}: the counter-hash dropout of the native kernels (the coins of fillBernoulliMask).
   */
  dropout(x: Storage, out: Storage, keepProb: number, scale: number, seed: number): void {
    this.k.mm_dropout(cpu(x).ptr, cpu(out).ptr, out.size, keepProb, scale, seed >>> 0);
  }

  /** {@link Backend.biasActivation}: the linear epilogue y = act(y + bias) in place. */
  biasActivation(y: Storage, bias: Storage | null, rows: number, cols: number, act: "none" | "relu"): void {
    this.k.mm_bias_act(cpu(y).ptr, bias ? cpu(bias).ptr : null, rows, cols, act === "relu" ? 1 : 0);
  }
  /**
   * {@link Backend.biasActivationGrad}: act' and the bias-gradient column sums in one pass.
   *
   * @throws {Error} When the kernel cannot allocate its per-thread column sums.
   */
  biasActivationGrad(
    y: Storage,
    gy: Storage,
    g: Storage,
    gBias: Storage | null,
    rows: number,
    cols: number,
    act: "none" | "relu",
  ): void {
    const rc = this.k.mm_bias_act_grad(
      cpu(y).ptr,
      cpu(gy).ptr,
      cpu(g).ptr,
      gBias ? cpu(gBias).ptr : null,
      rows,
      cols,
      act === "relu" ? 1 : 0,
    );
    if (rc !== 0) throw new Error(`biasActivationGrad: out of memory for ${cols} bias-gradient columns`);
  }

  /** {@link Backend.adamw} in the native C kernel. */
  override adamw(param: Storage, grad: Storage, m: Storage, v: Storage, a: AdamWArgs): void {
    this.k.mm_adamw(
      cpu(param).ptr,
      cpu(grad).ptr,
      cpu(m).ptr,
      cpu(v).ptr,
      param.size,
      a.lr,
      a.beta1,
      a.beta2,
      a.eps,
      a.weightDecay,
      a.step,
    );
  }

  /** The 9 ints of csrc/attention.c's AttentionDims struct, in its field order. */
  private dimsOf(a: AttentionArgs): Deno.PointerValue {
    return this.attentionDims.set([a.batch, a.heads, a.tq, a.tk, a.headDim, a.ldq, a.ldk, a.ldv, a.ldo]);
  }

  /** The 14 ints of csrc/conv.c's Geometry struct. */
  private geometryOf(g: Conv2dGeometry): Deno.PointerValue {
    return this.geometry.set(geometryInts(g));
  }
}

function badIndex(v: number, axisLen: number): never {
  throw new RangeError(`index ${v} out of range for axis of length ${axisLen}`);
}

/**
 * The "cpu" backend: native kernels when they build and load, else the TypeScript kernels, with one line on
 * stderr naming the reason (unless `quiet`).
 */
export function createCpuBackend(opts: CpuBackendOptions & { native?: boolean } = {}): CpuBackend {
  const load = opts.native === false
    ? { ok: false as const, reason: "disabled by option" }
    : loadNativeKernels({ quiet: opts.quiet });
  if (load.ok) {
    return new NativeCpuBackend(load.lib, {
      path: load.path,
      compiler: load.compiler.version,
      flags: load.flags.join(" "),
      threads: load.threads,
    }, opts);
  }
  if (!opts.quiet) {
    console.error(`[mmssl] native CPU kernels unavailable, using the TypeScript kernels: ${load.reason}`);
  }
  return new CpuBackend(opts);
}
