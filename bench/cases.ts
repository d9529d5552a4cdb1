/**
 * The engine workloads measured by the *_bench.ts files and by compare.ts: each case prepares its inputs once
 * and returns a closure that does one unit of work (no allocation inside, except the op layer's own output,
 * which is disposed). Names match the keys printed by bench/torch_baselines.py.
 */
import { add, backend, exp, gelu, matmul, mul, randn, type Tensor } from "../src/tensor/mod.ts";
import type { Backend } from "../src/backend/backend.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { blasTakes, createCpuBackend, NativeCpuBackend } from "../src/backend/native/native_cpu_backend.ts";
import { loadOpenBlas } from "../ffi/openblas.ts";
import { CBLAS_NO_TRANS, CBLAS_ROW_MAJOR } from "../ffi/openblas.ts";
import { cpu } from "../src/backend/cpu/storage.ts";

/** One prepared workload. */
export interface BenchCase {
  /** Key shared with torch_baselines.py. */
  name: string;
  /** Human description for tables. */
  label: string;
  /** Unit of the table value: GFLOP/s for GEMMs (flops set), else time per call. */
  flops?: number;
  run: () => void;
}

/** Sizes of the square GEMM cases. */
export const SGEMM_SIZES: number[] = [256, 512, 1024, 2048];
/** Sizes for the pure-TypeScript GEMM (it is slow). */
export const TS_SGEMM_SIZES: number[] = [256, 512];
/** Elements of the elementwise cases. */
export const ELEMENTWISE_N: number = 1 << 20;

/** The OpenBLAS-backed CPU backend in use (throws when the fallback is active: the numbers would mislead). */
export function blasBackend(): Backend {
  const b = backend();
  if (b instanceof CpuBackend && b.gemm.kind !== "openblas") {
    throw new Error(
      `OpenBLAS did not load (${b.gemm.detail}); sgemm numbers would be the TypeScript fallback`,
    );
  }
  return b;
}

/** C = A B for n x n matrices through `b.matmul` on pre-made storages. */
export function sgemmCase(n: number, b: Backend, name: string, label: string): BenchCase {
  const A = randn([n, n]), B = randn([n, n]);
  const out = b.alloc(n * n);
  const args = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0 };
  const sa = A.storage, sb = B.storage;
  return { name, label, flops: 2 * n * n * n, run: () => b.matmul(sa, sb, out, args) };
}

/** Which GEMM the active backend runs for an n³ product. */
function gemmPath(b: Backend, n: number): string {
  if (!(b instanceof NativeCpuBackend)) return "OpenBLAS via FFI";
  const args = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0 };
  return blasTakes(args) ? "OpenBLAS via FFI" : "native C GEMM";
}

/** The square GEMM cases through the active backend's matmul (OpenBLAS or the native GEMM, as it routes). */
export function blasSgemmCases(): BenchCase[] {
  const b = blasBackend();
  return SGEMM_SIZES.map((n) => sgemmCase(n, b, `sgemm_${n}`, `sgemm ${n}³ (${gemmPath(b, n)})`));
}

/** 1024³ through mod.ts's matmul op (output from the pool, disposed each call): what a user's code runs. */
export function opSgemmCases(): BenchCase[] {
  const n = 1024, a = randn([n, n]), c = randn([n, n]);
  return [{
    name: "sgemm_1024_op",
    label: "sgemm 1024³ through mod.ts matmul",
    flops: 2 * n ** 3,
    run: () => matmul(a, c).dispose(),
  }];
}

/** The native C GEMM alone (a machine without OpenBLAS), or none when the native kernels did not build. */
export function nativeSgemmCases(): BenchCase[] {
  const b = createCpuBackend({ useBlas: false, quiet: true });
  if (!(b instanceof NativeCpuBackend)) return [];
  return SGEMM_SIZES.map((n) => sgemmCase(n, b, `sgemm_native_${n}`, `sgemm ${n}³ (native C GEMM, no BLAS)`));
}

/** The six large GEMMs of one transformer-layer step (FFN 40 -> 2048 -> 40 over 3200 tokens), [m, n, k, tA, tB]. */
export const LAYER_GEMMS: [number, number, number, boolean, boolean][] = [
  [3200, 2048, 40, false, true], // linear1 forward: x W1ᵀ
  [3200, 40, 2048, false, true], // linear2 forward: h W2ᵀ
  [3200, 2048, 40, false, false], // linear2 backward dh = gy W2
  [40, 2048, 3200, true, false], // linear2 backward dW2 = gyᵀ h
  [3200, 40, 2048, false, false], // linear1 backward dx = g W1
  [2048, 40, 3200, true, false], // linear1 backward dW1 = gᵀ x
];

/** Name of a layer GEMM case, shared with torch_baselines.py. */
export function layerGemmName([m, n, k, ta, tb]: [number, number, number, boolean, boolean]): string {
  return `gemm_m${m}_n${n}_k${k}_${ta ? "T" : "N"}${tb ? "T" : "N"}`;
}

/** The transformer layer's skinny GEMMs through backend.matmul on pre-made storages. */
export function layerGemmCases(): BenchCase[] {
  const b = blasBackend();
  return LAYER_GEMMS.map((g) => {
    const [m, n, k, transA, transB] = g;
    const A = randn([m * k]), B = randn([k * n]);
    const out = b.alloc(m * n);
    const args = { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0, strideC: 0 };
    const sa = A.storage, sb = B.storage;
    const label = `layer GEMM ${m}x${n}x${k} ${transA ? "T" : "N"}${transB ? "T" : "N"}`;
    return { name: layerGemmName(g), label, flops: 2 * m * n * k, run: () => b.matmul(sa, sb, out, args) };
  });
}

/** The pure-TypeScript GEMM cases. */
export function tsSgemmCases(): BenchCase[] {
  const ts = new CpuBackend({ useBlas: false, quiet: true });
  return TS_SGEMM_SIZES.map((n) => sgemmCase(n, ts, `sgemm_ts_${n}`, `sgemm ${n}³ (pure TypeScript)`));
}

function elementwise(name: string, label: string, f: () => Tensor): BenchCase {
  return {
    name,
    label,
    run: () => {
      f().dispose();
    },
  };
}

/** add/mul/exp/gelu over 1M elements through the op layer (output disposed each call). */
export function elementwiseCases(): BenchCase[] {
  const a = randn([ELEMENTWISE_N]), c = randn([ELEMENTWISE_N]);
  return [
    elementwise("add_1M", "add 1M (op layer)", () => add(a, c)),
    elementwise("mul_1M", "mul 1M (op layer)", () => mul(a, c)),
    elementwise("exp_1M", "exp 1M (op layer)", () => exp(a)),
    elementwise("gelu_1M", "gelu (erf) 1M (op layer)", () => gelu(a)),
  ];
}

/** Per-call overhead: tiny ops where the work is negligible. */
export function overheadCases(): BenchCase[] {
  const b = blasBackend();
  const a4 = randn([4]), b4 = randn([4]);
  const a1 = randn([1, 1]), b1 = randn([1, 1]);
  const c1 = b.alloc(1);
  const args = {
    batch: 1,
    m: 1,
    n: 1,
    k: 1,
    transA: false,
    transB: false,
    strideA: 0,
    strideB: 0,
    strideC: 0,
  };
  const sa = a1.storage, sb = b1.storage;
  const cases: BenchCase[] = [
    elementwise("small_add_4", "add of two 4-element tensors (op layer)", () => add(a4, b4)),
    {
      name: "matmul_1x1x1_backend",
      label: "1x1x1 matmul, backend.matmul (dispatch; FFI unless the small-GEMM path takes it)",
      run: () => b.matmul(sa, sb, c1, args),
    },
    elementwise("matmul_1x1x1_op", "1x1x1 matmul (op layer)", () => a1.matmul(b1)),
  ];
  const blas = loadOpenBlas();
  if (blas.lib) {
    const sgemm = blas.lib.symbols.cblas_sgemm;
    const pa = cpu(sa).ptr, pb = cpu(sb).ptr, pc = cpu(c1).ptr;
    cases.push({
      name: "sgemm_1x1x1_raw",
      label: "1x1x1 cblas_sgemm, raw FFI symbol",
      run: () => sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, 1, 1, 1, 1, pa, 1, pb, 1, 0, pc, 1),
    });
  }
  return cases;
}
