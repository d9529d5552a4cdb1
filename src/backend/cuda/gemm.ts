/**
 * Row-major batched GEMM through cublasSgemmStridedBatched. cuBLAS is column-major, and a row-major X is the
 * column-major X^T, so C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T: B goes first, m and n swap.
 * A stride of 0 broadcasts one matrix over the batch.
 */
import type { MatmulArgs } from "../backend.ts";
import {
  checkCublas,
  CUBLAS_DEFAULT_MATH,
  CUBLAS_OP_N,
  CUBLAS_OP_T,
  CUBLAS_TF32_TENSOR_OP_MATH,
  type CublasLibrary,
  loadCublas,
} from "../../../ffi/cuda/cublas.ts";
import { readEnv } from "../../../ffi/load.ts";

/** Row-major batched SGEMM on device pointers through one cuBLAS handle. */
export class CublasGemm {
  /** The opened cuBLAS library. */
  readonly lib: CublasLibrary;
  /** Path libcublas was loaded from. */
  readonly path: string;
  /** The cublasHandle_t, created on the current context. */
  readonly handle: bigint;
  private readonly alpha = new Float32Array(1);
  private readonly beta = new Float32Array(1);
  private readonly alphaPtr: Deno.PointerValue;
  private readonly betaPtr: Deno.PointerValue;
  private tf32 = false;

  /** Creates a handle on the current context; TF32 tensor-core math when MMSSL_CUDA_TF32=1. */
  constructor() {
    const { lib, path } = loadCublas();
    this.lib = lib;
    this.path = path;
    const h = new BigUint64Array(1);
    checkCublas("cublasCreate", lib.symbols.cublasCreate_v2(h));
    this.handle = h[0];
    this.alphaPtr = Deno.UnsafePointer.of(this.alpha);
    this.betaPtr = Deno.UnsafePointer.of(this.beta);
    this.setTf32(readEnv("MMSSL_CUDA_TF32") === "1");
  }

  /** Switches FP32 GEMMs between exact FP32 (default) and TF32 tensor cores (faster, ~1e-3 relative error). */
  setTf32(enabled: boolean): void {
    const mode = enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
    checkCublas("cublasSetMathMode", this.lib.symbols.cublasSetMathMode(this.handle, mode));
    this.tf32 = enabled;
  }

  /** Whether FP32 GEMMs currently use TF32 tensor cores. */
  get usesTf32(): boolean {
    return this.tf32;
  }

  /** C[b] = alpha op(A[b]) op(B[b]) + beta C[b] on device pointers, all row-major. */
  run(a: bigint, b: bigint, c: bigint, args: MatmulArgs): void {
    const { batch, m, n, k, transA, transB, strideA, strideB, strideC } = args;
    if (batch <= 0 || m <= 0 || n <= 0) return;
    this.alpha[0] = args.alpha ?? 1;
    this.beta[0] = args.beta ?? 0;
    const lda = transA ? m : k, ldb = transB ? k : n;
    const status = this.lib.symbols.cublasSgemmStridedBatched(
      this.handle,
      transB ? CUBLAS_OP_T : CUBLAS_OP_N,
      transA ? CUBLAS_OP_T : CUBLAS_OP_N,
      n,
      m,
      k,
      this.alphaPtr,
      b,
      Math.max(1, ldb),
      BigInt(strideB),
      a,
      Math.max(1, lda),
      BigInt(strideA),
      this.betaPtr,
      c,
      n,
      BigInt(strideC),
      batch,
    );
    if (status !== 0) {
      checkCublas(`cublasSgemmStridedBatched(m=${m}, n=${n}, k=${k}, batch=${batch})`, status);
    }
  }

  /** Destroys the cuBLAS handle; the instance must not be used afterwards. */
  destroy(): void {
    this.lib.symbols.cublasDestroy_v2(this.handle);
  }
}
