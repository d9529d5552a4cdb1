/** The CPU backend: TypeScript kernels over Float32Array, GEMM through OpenBLAS when it loads. */
import type {
  AdamWArgs,
  Backend,
  BinaryOp,
  Conv2dGeometry,
  MatmulArgs,
  ReduceOp,
  ScalarOp,
  Storage,
  UnaryGradOp,
  UnaryOp,
} from "../backend.ts";
import { Philox } from "../../random/philox.ts";
import { type BlasInfo, loadOpenBlas, type OpenBlasLibrary } from "../../../ffi/openblas.ts";
import { BufferPool, cpu, CpuStorage } from "./storage.ts";
import { binaryKernel, scalarKernel, unaryGradKernel, unaryKernel } from "./elementwise.ts";
import {
  copyStridedKernel,
  gatherKernel,
  reduceKernel,
  scatterAddKernel,
  whereKernel,
} from "./reduce_copy.ts";
import { BLAS_MIN_GEMM_WORK, matmulBlas, matmulFallback, matmulSmall, SMALL_GEMM_WORK } from "./matmul.ts";
import {
  adamwKernel,
  col2imKernel,
  im2colKernel,
  maxPool2dKernel,
  normalizeRowsGradKernel,
  normalizeRowsKernel,
  softmaxGradKernel,
  softmaxKernel,
} from "./nn_kernels.ts";

/** Which GEMM path the CPU backend uses and why. */
export interface CpuGemmInfo {
  /** "openblas" when GEMMs above the small-size cutoff go to cblas_sgemm, else "typescript" for all sizes. */
  kind: "openblas" | "typescript";
  /** The library path (openblas) or why OpenBLAS is not used (typescript). */
  detail: string;
  /** What the loaded OpenBLAS says about itself (version, core, threading); absent on the TypeScript path. */
  blas?: BlasInfo;
}

/**
 * The CPU {@link Backend}: TypeScript kernels over pooled Float32Array storages, with GEMMs through OpenBLAS
 * (FFI) when it loads and a blocked TypeScript GEMM otherwise. The default "cpu" backend is its native
 * subclass (src/backend/native/native_cpu_backend.ts).
 *
 * @example
 * ```ts
 * import { CpuBackend } from "./src/backend/cpu/cpu_backend.ts";
 * const b = new CpuBackend({ useBlas: false, quiet: true });
 * const s = b.fromHost(new Float32Array([1, -2]));
 * b.unary("abs", s, s);
 * console.log(b.readSync(s), b.gemm.kind); // Float32Array [1, 2] typescript
 * b.free(s);
 * ```
 */
export class CpuBackend implements Backend {
  readonly name = "cpu";
  private readonly pool = new BufferPool();
  private readonly blas: OpenBlasLibrary | null;
  /** Which GEMM path this instance uses and why (set once, in the constructor). */
  readonly gemm: CpuGemmInfo;

  /**
   * Loads OpenBLAS unless `useBlas` is false; when it does not load, the TypeScript GEMM is used (or the one
   * a subclass names in `fallbackGemm`, e.g. "the native C GEMM") and one line saying so goes to stderr
   * unless `quiet`.
   */
  constructor(opts: { useBlas?: boolean; quiet?: boolean; fallbackGemm?: string } = {}) {
    const loaded = opts.useBlas === false ? { lib: null, reason: "disabled by option" } : loadOpenBlas();
    if (loaded.lib) {
      this.blas = loaded.lib;
      this.gemm = { kind: "openblas", detail: loaded.path, blas: loaded.info };
    } else {
      this.blas = null;
      const reason = "reason" in loaded ? loaded.reason : "";
      this.gemm = { kind: "typescript", detail: reason };
      if (!opts.quiet) {
        const instead = opts.fallbackGemm ?? "the TypeScript matmul";
        console.error(`[mmssl] OpenBLAS unavailable, using ${instead} (${reason.split("\n")[0]})`);
      }
    }
  }

  alloc(size: number): Storage {
    return this.pool.take(size);
  }
  free(s: Storage): void {
    this.pool.give(cpu(s));
  }
  fromHost(values: Float32Array): Storage {
    const s = this.pool.take(values.length);
    s.data.set(values);
    return s;
  }
  read(s: Storage): Promise<Float32Array> {
    return Promise.resolve(cpu(s).data.slice());
  }
  readSync(s: Storage): Float32Array {
    return cpu(s).data.slice();
  }
  write(s: Storage, values: Float32Array, offset = 0): void {
    cpu(s).data.set(values, offset);
  }
  fill(out: Storage, value: number, offset = 0, count?: number): void {
    const d = cpu(out).data;
    d.fill(value, offset, count === undefined ? d.length : offset + count);
  }

  unary(op: UnaryOp, x: Storage, out: Storage): void {
    unaryKernel(op, cpu(x).data, cpu(out).data);
  }
  unaryGrad(op: UnaryGradOp, x: Storage, gy: Storage, out: Storage): void {
    unaryGradKernel(op, cpu(x).data, cpu(gy).data, cpu(out).data);
  }
  scalar(op: ScalarOp, x: Storage, out: Storage, a: number, b = 0): void {
    scalarKernel(op, cpu(x).data, cpu(out).data, a, b);
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
    binaryKernel(op, cpu(a).data, aStrides, cpu(b).data, bStrides, cpu(out).data, shape);
  }
  where(cond: Storage, a: Storage, b: Storage, out: Storage): void {
    whereKernel(cpu(cond).data, cpu(a).data, cpu(b).data, cpu(out).data);
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    reduceKernel(op, cpu(x).data, cpu(out).data, outer, r, inner);
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
    copyStridedKernel(cpu(src).data, srcOffset, srcStrides, cpu(dst).data, dstOffset, dstStrides, shape);
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
    gatherKernel(cpu(x).data, cpu(idx).data, cpu(out).data, outer, axisLen, inner, nIdx);
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
    scatterAddKernel(cpu(g).data, cpu(idx).data, cpu(out).data, outer, axisLen, inner, nIdx);
  }

  matmul(a: Storage, b: Storage, out: Storage, args: MatmulArgs): void {
    const work = args.m * args.n * args.k;
    if (this.blas && work > BLAS_MIN_GEMM_WORK) matmulBlas(this.blas, cpu(a), cpu(b), cpu(out), args);
    else if (work <= SMALL_GEMM_WORK) matmulSmall(cpu(a).data, cpu(b).data, cpu(out).data, args);
    else matmulFallback(cpu(a).data, cpu(b).data, cpu(out).data, args);
  }

  /** Bytes of storages in use, their high-water mark, and bytes kept in the free pool for reuse. */
  memoryStats(): { liveBytes: number; peakLiveBytes: number; pooledBytes: number } {
    const p = this.pool;
    return { liveBytes: p.liveBytes, peakLiveBytes: p.peakLiveBytes, pooledBytes: p.pooledBytes };
  }

  /** The bound OpenBLAS library, or null (for subclasses that choose their own GEMM path). */
  protected get blasLibrary(): OpenBlasLibrary | null {
    return this.blas;
  }

  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    softmaxKernel(cpu(x).data, cpu(out).data, rows, cols, log);
  }
  softmaxGrad(y: Storage, gy: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    softmaxGradKernel(cpu(y).data, cpu(gy).data, cpu(out).data, rows, cols, log);
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
    normalizeRowsKernel(cpu(x).data, cpu(out).data, cpu(mean).data, cpu(rstd).data, rows, cols, eps);
  }
  normalizeRowsGrad(
    xhat: Storage,
    rstd: Storage,
    g: Storage,
    out: Storage,
    rows: number,
    cols: number,
  ): void {
    normalizeRowsGradKernel(cpu(xhat).data, cpu(rstd).data, cpu(g).data, cpu(out).data, rows, cols);
  }
  im2col(x: Storage, cols: Storage, g: Conv2dGeometry): void {
    im2colKernel(cpu(x).data, cpu(cols).data, g);
  }
  col2im(cols: Storage, out: Storage, g: Conv2dGeometry): void {
    col2imKernel(cpu(cols).data, cpu(out).data, g);
  }
  maxPool2d(x: Storage, out: Storage, argmax: Storage, g: Conv2dGeometry): void {
    maxPool2dKernel(cpu(x).data, cpu(out).data, cpu(argmax).data, g);
  }
  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, args: AdamWArgs): void {
    adamwKernel(cpu(param).data, cpu(grad).data, cpu(m).data, cpu(v).data, args);
  }
  randomUniform(out: Storage, seed: bigint, stream: bigint, offset: bigint): void {
    const rng = new Philox(seed, stream);
    rng.skip(offset);
    cpu(out).data.set(rng.uniform(out.size));
  }
  sync(): void {}
}

export { CpuStorage };
