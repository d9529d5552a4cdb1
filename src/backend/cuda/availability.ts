/** Cheap checks of whether CUDA can run here, for tests and diagnostics (no kernels are compiled). */
import { probeDriver } from "./device.ts";
import { loadNvrtc } from "../../../ffi/cuda/nvrtc.ts";

let cachedReason: string | null | undefined;

/** Null when the driver loads and a device answers, else a one-line reason. */
export function cudaUnavailableReason(): string | null {
  if (cachedReason === undefined) {
    const p = probeDriver();
    cachedReason = "reason" in p ? p.reason : null;
  }
  return cachedReason;
}

/** Whether a CUDA device and its driver are usable. */
export function cudaAvailable(): boolean {
  return cudaUnavailableReason() === null;
}

/** Whether NVRTC loads (kernels can be compiled, with or without a GPU). */
export function nvrtcAvailable(): boolean {
  try {
    loadNvrtc();
    return true;
  } catch {
    return false;
  }
}
