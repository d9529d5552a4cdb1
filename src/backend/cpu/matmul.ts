/**
 * CPU GEMM: cblas_sgemm through FFI when OpenBLAS is present, else a packed, register-tiled TypeScript kernel.
 */
import type { MatmulArgs } from "../backend.ts";
import { CBLAS_NO_TRANS, CBLAS_ROW_MAJOR, CBLAS_TRANS, type OpenBlasLibrary } from "../../../ffi/openblas.ts";
import type { CpuStorage } from "./storage.ts";

/** Batched GEMM through OpenBLAS, one cblas_sgemm per batch item on pointer offsets. */
export function matmulBlas(
  blas: OpenBlasLibrary,
  a: CpuStorage,
  b: CpuStorage,
  c: CpuStorage,
  args: MatmulArgs,
): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, strideC } = args;
  const alpha = args.alpha ?? 1, beta = args.beta ?? 0;
  const lda = transA ? m : k, ldb = transB ? k : n;
  const ta = transA ? CBLAS_TRANS : CBLAS_NO_TRANS, tb = transB ? CBLAS_TRANS : CBLAS_NO_TRANS;
  const sgemm = blas.symbols.cblas_sgemm;
  for (let i = 0; i < batch; i++) {
    const pa = i * strideA === 0 ? a.ptr : Deno.UnsafePointer.offset(a.ptr!, i * strideA * 4);
    const pb = i * strideB === 0 ? b.ptr : Deno.UnsafePointer.offset(b.ptr!, i * strideB * 4);
    const pc = i * strideC === 0 ? c.ptr : Deno.UnsafePointer.offset(c.ptr!, i * strideC * 4);
    sgemm(CBLAS_ROW_MAJOR, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, n);
  }
}

/** Copies op(X) for one batch item into a dense row-major [rows, cols] buffer. */
function packOperand(
  src: Float32Array,
  offset: number,
  trans: boolean,
  rows: number,
  cols: number,
  out: Float32Array,
): void {
  if (!trans) {
    out.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  // src holds [cols, rows]; write its transpose.
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = src[offset + c * rows + r];
  }
}

/**
 * Pure-TypeScript GEMM: packs op(A) [m,k] and op(B) [k,n] densely, then runs a 4-row by n i-k-j kernel
 * (four accumulating rows share each loaded B row).
 */
export function matmulFallback(a: Float32Array, b: Float32Array, c: Float32Array, args: MatmulArgs): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, strideC } = args;
  const alpha = args.alpha ?? 1, beta = args.beta ?? 0;
  const pa = new Float32Array(m * k), pb = new Float32Array(k * n);
  const acc = new Float32Array(4 * n);
  for (let bi = 0; bi < batch; bi++) {
    packOperand(a, bi * strideA, transA, m, k, pa);
    packOperand(b, bi * strideB, transB, k, n, pb);
    const co = bi * strideC;
    for (let i0 = 0; i0 < m; i0 += 4) {
      const rows = Math.min(4, m - i0);
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const a0 = pa[i0 * k + p];
        const a1 = rows > 1 ? pa[(i0 + 1) * k + p] : 0;
        const a2 = rows > 2 ? pa[(i0 + 2) * k + p] : 0;
        const a3 = rows > 3 ? pa[(i0 + 3) * k + p] : 0;
        const bRow = p * n;
        for (let j = 0; j < n; j++) {
          const bv = pb[bRow + j];
          acc[j] += a0 * bv;
          acc[n + j] += a1 * bv;
          acc[2 * n + j] += a2 * bv;
          acc[3 * n + j] += a3 * bv;
        }
      }
      for (let r = 0; r < rows; r++) {
        const dst = co + (i0 + r) * n;
        for (let j = 0; j < n; j++) {
          c[dst + j] = beta === 0 ? alpha * acc[r * n + j] : alpha * acc[r * n + j] + beta * c[dst + j];
        }
      }
    }
  }
}

/**
 * Direct strided GEMM for many tiny matrices (attention scores per head): no packing, no FFI call per item.
 * With OpenBLAS it only takes items of at most BLAS_MIN_GEMM_WORK multiply-adds, where the FFI call costs
 * more than the arithmetic; without it, items up to SMALL_GEMM_WORK.
 */
export function matmulSmall(a: Float32Array, b: Float32Array, c: Float32Array, args: MatmulArgs): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, strideC } = args;
  const alpha = args.alpha ?? 1, beta = args.beta ?? 0;
  // element (i, p) of op(A) is at a[ao + i * ai + p * ap]; likewise for B.
  const ai = transA ? 1 : k, ap = transA ? m : 1;
  const bp = transB ? 1 : n, bj = transB ? k : 1;
  const row = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const ao = t * strideA, bo = t * strideB, co = t * strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const aRow = ao + i * ai;
      for (let p = 0; p < k; p++) {
        const av = a[aRow + p * ap];
        if (av === 0) continue;
        const bRow = bo + p * bp;
        if (bj === 1) { for (let j = 0; j < n; j++) row[j] += av * b[bRow + j]; }
        else for (let j = 0; j < n; j++) row[j] += av * b[bRow + j * bj];
      }
      const cRow = co + i * n;
      if (beta === 0) { for (let j = 0; j < n; j++) c[cRow + j] = alpha * row[j]; }
      else for (let j = 0; j < n; j++) c[cRow + j] = alpha * row[j] + beta * c[cRow + j];
    }
  }
}

/** Without OpenBLAS: up to this many multiply-adds per batch item the direct kernel beats packing. */
export const SMALL_GEMM_WORK = 24 * 24 * 24;

/**
 * With OpenBLAS: above this many multiply-adds per batch item an FFI cblas_sgemm call beats the direct
 * kernel. Measured with 512 items (attention-sized 13×13×32 NT: 1.1 ms through OpenBLAS vs 8.2 ms direct;
 * 4×4×4: about even; 2×2×2: 1.0 ms vs 0.05 ms, where the per-call cost dominates).
 */
export const BLAS_MIN_GEMM_WORK = 4 * 4 * 4;
