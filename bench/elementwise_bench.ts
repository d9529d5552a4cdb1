/**
 * add / mul / exp / gelu over 1M elements through the op layer (each output disposed).
 * Run: `deno bench -P bench/elementwise_bench.ts`.
 */
import { elementwiseCases } from "./cases.ts";

for (const c of elementwiseCases()) Deno.bench({ name: c.label, group: "elementwise-1M", fn: c.run });
