/**
 * The native C kernels (src/backend/native) against the TypeScript CPU kernels: the backend conformance
 * suite, skipped with a note where the kernels cannot be built (no compiler, MMSSL_NO_NATIVE=1).
 */
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { loadNativeKernels } from "../src/backend/native/library.ts";
import { createCpuBackend, NativeCpuBackend } from "../src/backend/native/native_cpu_backend.ts";
import { backendConformance } from "./conformance.ts";

const load = loadNativeKernels({ quiet: true });
if (!load.ok) console.log(`[native] skipped: ${load.reason.split("\n")[0]}`);

backendConformance({
  label: "native",
  candidate: () => {
    const b = createCpuBackend({ quiet: true });
    if (!(b instanceof NativeCpuBackend)) throw new Error("native kernels did not load");
    return b;
  },
  reference: new CpuBackend({ quiet: true }),
  ignore: !load.ok,
  // float maths (vectorised, as PyTorch's CPU kernels) against the reference's double maths: a few ulp
  elementwiseRtol: 4e-6, // measured worst: 1.9e-6 (gelu at x = -3.6, the erfc fit in float)
  elementwiseAtol: 1e-12,
  cancellingAtol: 5e-7, // times an upstream gradient of up to about 4
});
