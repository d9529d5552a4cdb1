/**
 * cuBLAS bindings: handle lifetime, math mode and strided-batched SGEMM. Scalars alpha/beta are host pointers
 * (the default pointer mode). Set `MMSSL_CUBLAS` to a path to override discovery.
 */
import { openCudaLibrary } from "./paths.ts";

/**
 * The FFI signatures bound from cuBLAS: handle lifetime, version, math mode and cublasSgemmStridedBatched.
 */
export const symbols = {
  cublasCreate_v2: { parameters: ["buffer"], result: "i32" },
  cublasDestroy_v2: { parameters: ["u64"], result: "i32" },
  cublasGetVersion_v2: { parameters: ["u64", "buffer"], result: "i32" },
  cublasSetMathMode: { parameters: ["u64", "i32"], result: "i32" },
  cublasSgemmStridedBatched: {
    parameters: [
      "u64", // handle
      "i32", // transa
      "i32", // transb
      "i32", // m
      "i32", // n
      "i32", // k
      "pointer", // const float* alpha (host)
      "u64", // A
      "i32", // lda
      "i64", // strideA
      "u64", // B
      "i32", // ldb
      "i64", // strideB
      "pointer", // const float* beta (host)
      "u64", // C
      "i32", // ldc
      "i64", // strideC
      "i32", // batchCount
    ],
    result: "i32",
  },
} as const;

/** The bound cuBLAS functions. */
export type CublasLibrary = Deno.DynamicLibrary<typeof symbols>;

/** cublasOperation_t: use the matrix as stored. */
export const CUBLAS_OP_N = 0;
/** cublasOperation_t: use the transpose of the matrix. */
export const CUBLAS_OP_T = 1;
/** cublasMath_t: plain FP32 and FP32 through TF32 tensor cores. */
export const CUBLAS_DEFAULT_MATH = 0;
/** cublasMath_t: FP32 GEMMs through TF32 tensor cores (about 1e-3 relative error). */
export const CUBLAS_TF32_TENSOR_OP_MATH = 3;

/** Sonames tried in order (CUDA 13, then 12). */
export const CUBLAS_SONAMES: string[] = ["libcublas.so.13", "libcublas.so.12", "libcublas.so"];

const STATUS_NAMES: Record<number, string> = {
  1: "CUBLAS_STATUS_NOT_INITIALIZED",
  3: "CUBLAS_STATUS_ALLOC_FAILED",
  7: "CUBLAS_STATUS_INVALID_VALUE",
  8: "CUBLAS_STATUS_ARCH_MISMATCH",
  11: "CUBLAS_STATUS_MAPPING_ERROR",
  13: "CUBLAS_STATUS_EXECUTION_FAILED",
  14: "CUBLAS_STATUS_INTERNAL_ERROR",
  15: "CUBLAS_STATUS_NOT_SUPPORTED",
};

let cached: { lib: CublasLibrary; path: string } | undefined;

/** Opens libcublas (once per process); throws LibraryNotFoundError listing what was tried. */
export function loadCublas(): { lib: CublasLibrary; path: string } {
  cached ??= openCudaLibrary("cuBLAS (libcublas.so.13)", "MMSSL_CUBLAS", CUBLAS_SONAMES, symbols);
  return cached;
}

/** Throws naming the call and the cublasStatus_t when a cuBLAS call fails. */
export function checkCublas(call: string, status: number): void {
  if (status !== 0) throw new Error(`${call} failed: ${STATUS_NAMES[status] ?? `cublasStatus ${status}`}`);
}
