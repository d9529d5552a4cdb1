/**
 * cblas_sgemm through FFI (the CPU backend's matmul on pre-made storages, no allocation in the loop) at
 * n = 256..2048, and the pure-TypeScript fallback at n = 256, 512.
 * Run: `deno bench -P bench/sgemm_bench.ts`. GFLOP/s = 2n³ / time (deno bench prints time only).
 */
import { blasSgemmCases, tsSgemmCases } from "./cases.ts";

for (const c of blasSgemmCases()) Deno.bench({ name: c.label, group: "sgemm-openblas", fn: c.run });
for (const c of tsSgemmCases()) Deno.bench({ name: c.label, group: "sgemm-typescript", fn: c.run });
