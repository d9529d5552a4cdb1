/**
 * Every primitive of the CUDA backend against the TypeScript CPU backend (tests/conformance.ts), skipped
 * without a GPU. Elementwise and fused kernels compute in double like the CPU reference, so they agree to
 * about one float ulp.
 */
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { cudaAvailable } from "../src/backend/cuda/availability.ts";
import { CudaBackend } from "../src/backend/cuda/cuda_backend.ts";
import { backendConformance } from "./conformance.ts";

backendConformance({
  label: "cuda",
  candidate: () => {
    const gpu = new CudaBackend();
    console.log(`[cuda] ${JSON.stringify(gpu.info)}`);
    return gpu;
  },
  reference: new CpuBackend({ quiet: true }),
  ignore: !cudaAvailable(),
  elementwiseRtol: 3e-7,
  // the shared activation formulas (mm_math.h) keep gelu's tail where the reference's double 1 + erf rounds
  // to 0 (gelu(-8.5) is about -4e-17 there, 0 in the reference): an absolute floor far below float resolution
  elementwiseAtol: 1e-12,
  cancellingAtol: 1e-12,
});
