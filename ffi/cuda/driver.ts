/**
 * Raw CUDA driver API bindings (libcuda.so.1, installed with the NVIDIA driver). Handles and device pointers
 * are passed as u64 (bigint); out-parameters are small typed arrays passed as buffers.
 * Set `MMSSL_LIBCUDA` to a path to override discovery.
 */
import { openCudaLibrary } from "./paths.ts";

/** The FFI signatures bound from the CUDA driver API (init, devices, contexts, memory, modules, launches). */
export const symbols = {
  cuInit: { parameters: ["u32"], result: "i32" },
  cuDriverGetVersion: { parameters: ["buffer"], result: "i32" },
  cuDeviceGetCount: { parameters: ["buffer"], result: "i32" },
  cuDeviceGet: { parameters: ["buffer", "i32"], result: "i32" },
  cuDeviceGetName: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  cuDeviceGetAttribute: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  cuDeviceTotalMem_v2: { parameters: ["buffer", "i32"], result: "i32" },
  cuDevicePrimaryCtxRetain: { parameters: ["buffer", "i32"], result: "i32" },
  cuDevicePrimaryCtxRelease_v2: { parameters: ["i32"], result: "i32" },
  cuCtxSetCurrent: { parameters: ["u64"], result: "i32" },
  cuCtxSynchronize: { parameters: [], result: "i32" },
  cuMemAlloc_v2: { parameters: ["buffer", "usize"], result: "i32" },
  cuMemFree_v2: { parameters: ["u64"], result: "i32" },
  cuMemGetInfo_v2: { parameters: ["buffer", "buffer"], result: "i32" },
  cuMemcpyHtoD_v2: { parameters: ["u64", "buffer", "usize"], result: "i32" },
  cuMemcpyDtoH_v2: { parameters: ["buffer", "u64", "usize"], result: "i32" },
  cuMemcpyDtoD_v2: { parameters: ["u64", "u64", "usize"], result: "i32" },
  cuMemsetD32_v2: { parameters: ["u64", "u32", "usize"], result: "i32" },
  cuModuleLoadData: { parameters: ["buffer", "buffer"], result: "i32" },
  cuModuleUnload: { parameters: ["u64"], result: "i32" },
  cuModuleGetFunction: { parameters: ["buffer", "u64", "buffer"], result: "i32" },
  cuLaunchKernel: {
    parameters: [
      "u64", // function
      "u32", // gridDimX
      "u32", // gridDimY
      "u32", // gridDimZ
      "u32", // blockDimX
      "u32", // blockDimY
      "u32", // blockDimZ
      "u32", // sharedMemBytes
      "u64", // stream (0 = legacy default stream)
      "pointer", // void** kernelParams
      "pointer", // void** extra
    ],
    result: "i32",
  },
  cuGetErrorName: { parameters: ["i32", "buffer"], result: "i32" },
  cuGetErrorString: { parameters: ["i32", "buffer"], result: "i32" },
} as const;

/** The bound driver functions. */
export type CudaDriverLibrary = Deno.DynamicLibrary<typeof symbols>;

/** CUdevice_attribute values used here. */
export const CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
/** CUdevice_attribute: major compute capability. */
export const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
/** CUdevice_attribute: minor compute capability. */
export const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

/** CUresult values with a special meaning for callers. */
export const CUDA_SUCCESS = 0;
/** CUresult: the allocation did not fit in device memory. */
export const CUDA_ERROR_OUT_OF_MEMORY = 2;
/** CUresult: no CUDA-capable device was found. */
export const CUDA_ERROR_NO_DEVICE = 100;

/** Sonames of the driver library. */
export const DRIVER_SONAMES: string[] = ["libcuda.so.1", "libcuda.so"];

let cached: { lib: CudaDriverLibrary; path: string } | undefined;

/** Opens libcuda (once per process); throws LibraryNotFoundError listing what was tried. */
export function loadCudaDriver(): { lib: CudaDriverLibrary; path: string } {
  cached ??= openCudaLibrary("CUDA driver (libcuda.so.1)", "MMSSL_LIBCUDA", DRIVER_SONAMES, symbols);
  return cached;
}

function readCString(ptr: Deno.PointerValue): string {
  return ptr === null ? "" : Deno.UnsafePointerView.getCString(ptr);
}

/** "CUDA_ERROR_X: description" for a CUresult. */
export function driverErrorText(lib: CudaDriverLibrary, code: number): string {
  const out = new BigUint64Array(1);
  let name = `CUresult ${code}`;
  if (lib.symbols.cuGetErrorName(code, out) === 0 && out[0] !== 0n) {
    name = readCString(Deno.UnsafePointer.create(out[0]));
  }
  let desc = "";
  if (lib.symbols.cuGetErrorString(code, out) === 0 && out[0] !== 0n) {
    desc = readCString(Deno.UnsafePointer.create(out[0]));
  }
  return desc ? `${name} (${desc})` : name;
}

/** Error thrown by a failing driver call; `code` is the CUresult. */
export class CudaDriverError extends Error {
  /** The CUresult the call returned (see CUDA_ERROR_*). */
  readonly code: number;
  /** An error for driver call `call` that returned `code`, described by `text` (see driverErrorText). */
  constructor(call: string, code: number, text: string) {
    super(`${call} failed: ${text}`);
    this.name = "CudaDriverError";
    this.code = code;
  }
}

/** Throws a CudaDriverError naming the call when `code` is not CUDA_SUCCESS. */
export function checkDriver(lib: CudaDriverLibrary, call: string, code: number): void {
  if (code !== CUDA_SUCCESS) throw new CudaDriverError(call, code, driverErrorText(lib, code));
}
