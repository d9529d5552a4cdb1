/**
 * NVRTC bindings (runtime compilation of CUDA C to PTX or CUBIN). Works without a GPU. The builtins library
 * that libnvrtc dlopens by soname is loaded first from the same folder, so that it is found without
 * LD_LIBRARY_PATH. Set `MMSSL_NVRTC` to a path to override discovery.
 */
import { openCudaLibrary } from "./paths.ts";

/** The FFI signatures bound from NVRTC: program lifetime, compilation, PTX/CUBIN and log retrieval. */
export const symbols = {
  nvrtcVersion: { parameters: ["buffer", "buffer"], result: "i32" },
  nvrtcGetErrorString: { parameters: ["i32"], result: "pointer" },
  nvrtcCreateProgram: {
    parameters: ["buffer", "buffer", "buffer", "i32", "pointer", "pointer"],
    result: "i32",
  },
  nvrtcDestroyProgram: { parameters: ["buffer"], result: "i32" },
  nvrtcCompileProgram: { parameters: ["u64", "i32", "buffer"], result: "i32" },
  nvrtcGetPTXSize: { parameters: ["u64", "buffer"], result: "i32" },
  nvrtcGetPTX: { parameters: ["u64", "buffer"], result: "i32" },
  nvrtcGetCUBINSize: { parameters: ["u64", "buffer"], result: "i32" },
  nvrtcGetCUBIN: { parameters: ["u64", "buffer"], result: "i32" },
  nvrtcGetProgramLogSize: { parameters: ["u64", "buffer"], result: "i32" },
  nvrtcGetProgramLog: { parameters: ["u64", "buffer"], result: "i32" },
} as const;

/** The bound NVRTC functions. */
export type NvrtcLibrary = Deno.DynamicLibrary<typeof symbols>;

/** Sonames tried in order (CUDA 13, then 12). */
export const NVRTC_SONAMES: string[] = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"];

const BUILTINS_FOR: Record<string, string[]> = {
  "libnvrtc.so.13": ["libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.13.1", "libnvrtc-builtins.so.13.2"],
  "libnvrtc.so.12": ["libnvrtc-builtins.so.12.9", "libnvrtc-builtins.so.12.8", "libnvrtc-builtins.so.12.6"],
};

let cached: { lib: NvrtcLibrary; path: string } | undefined;
const keepAlive: Deno.DynamicLibrary<Record<string, never>>[] = [];

function preloadBuiltins(libPath: string): void {
  const slash = libPath.lastIndexOf("/");
  if (slash < 0) return;
  const dir = libPath.slice(0, slash), so = libPath.slice(slash + 1);
  for (const b of BUILTINS_FOR[so] ?? []) {
    try {
      keepAlive.push(Deno.dlopen(`${dir}/${b}`, {}));
      return;
    } catch {
      // try the next version
    }
  }
}

/** Opens libnvrtc (once per process); throws LibraryNotFoundError listing what was tried. */
export function loadNvrtc(): { lib: NvrtcLibrary; path: string } {
  if (cached) return cached;
  const opened = openCudaLibrary("NVRTC (libnvrtc.so.13)", "MMSSL_NVRTC", NVRTC_SONAMES, symbols);
  preloadBuiltins(opened.path);
  cached = opened;
  return cached;
}

/** The text of an nvrtcResult. */
export function nvrtcErrorText(lib: NvrtcLibrary, code: number): string {
  const p = lib.symbols.nvrtcGetErrorString(code);
  return p === null ? `nvrtcResult ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** Throws naming the call when an NVRTC call fails. */
export function checkNvrtc(lib: NvrtcLibrary, call: string, code: number): void {
  if (code !== 0) throw new Error(`${call} failed: ${nvrtcErrorText(lib, code)}`);
}
