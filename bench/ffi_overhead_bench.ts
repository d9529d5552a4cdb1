/**
 * Per-call overhead of tiny ops: a 4-element add through the op layer, a 1x1x1 matmul through the backend
 * (FFI) and through the op layer, and the raw cblas_sgemm symbol for reference.
 * Run: `deno bench -P bench/ffi_overhead_bench.ts`.
 */
import { overheadCases } from "./cases.ts";

for (const c of overheadCases()) Deno.bench({ name: c.label, group: "overhead", fn: c.run });
