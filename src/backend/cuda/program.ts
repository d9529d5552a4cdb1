/**
 * The whole CUDA program (every kernel group in one translation unit) and its NVRTC compilation. Compiling
 * needs only libnvrtc, not a GPU, so CI can check that every kernel source compiles.
 */
import { checkNvrtc, loadNvrtc, type NvrtcLibrary } from "../../../ffi/cuda/nvrtc.ts";
import { COMMON_SOURCE } from "./kernels_common.ts";
import { elementwiseSource } from "./kernels_elementwise.ts";
import { reduceSource } from "./kernels_reduce.ts";
import { NN_KERNEL_NAMES, NN_SOURCE } from "./kernels_nn.ts";
import { RANDOM_KERNEL_NAMES, RANDOM_SOURCE } from "./kernels_random.ts";

/** Source text and the extern "C" kernel names it defines. */
export interface CudaProgramSource {
  /** The CUDA C translation unit. */
  source: string;
  /** Every extern "C" kernel name it defines (looked up after loading). */
  names: string[];
}

/** Builds the program text from the kernel groups. */
export function cudaProgramSource(): CudaProgramSource {
  const ew = elementwiseSource();
  const red = reduceSource();
  return {
    source: [COMMON_SOURCE, ew.source, red.source, NN_SOURCE, RANDOM_SOURCE].join("\n"),
    names: [...ew.names, ...red.names, ...NN_KERNEL_NAMES, ...RANDOM_KERNEL_NAMES],
  };
}

/** Output of a compilation: CUBIN (for `sm_XY`) or PTX text (for `compute_XY`), plus the compiler log. */
export interface CompiledProgram {
  /** The compiled CUBIN bytes, or the PTX text (NUL-terminated) for cuModuleLoadData. */
  image: Uint8Array;
  /** "cubin" for an sm_XY target, "ptx" for compute_XY. */
  kind: "cubin" | "ptx";
  /** NVRTC's log (warnings), empty when it had none. */
  log: string;
  /** Compilation wall time in milliseconds. */
  ms: number;
}

function cstr(s: string): Uint8Array {
  return new TextEncoder().encode(s + "\0");
}

function programLog(lib: NvrtcLibrary, prog: bigint): string {
  const size = new BigUint64Array(1);
  if (lib.symbols.nvrtcGetProgramLogSize(prog, size) !== 0 || size[0] <= 1n) return "";
  const buf = new Uint8Array(Number(size[0]));
  lib.symbols.nvrtcGetProgramLog(prog, buf);
  return new TextDecoder().decode(buf.subarray(0, buf.length - 1)).trim();
}

/**
 * Compiles `source` for `arch` ("sm_90" gives a CUBIN, "compute_90" PTX) with --fmad=false (see
 * kernels_common.ts). Throws with the compiler log on errors.
 */
export function compileCuda(source: string, arch: string): CompiledProgram {
  const { lib } = loadNvrtc();
  const t0 = performance.now();
  const progBuf = new BigUint64Array(1);
  const src = cstr(source), name = cstr("mmssl_kernels.cu");
  checkNvrtc(lib, "nvrtcCreateProgram", lib.symbols.nvrtcCreateProgram(progBuf, src, name, 0, null, null));
  const prog = progBuf[0];
  try {
    const opts = [`--gpu-architecture=${arch}`, "--fmad=false", "--std=c++17", "-default-device"].map(cstr);
    const optPtrs = new BigUint64Array(
      opts.map((o) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(o)))),
    );
    const rc = lib.symbols.nvrtcCompileProgram(prog, opts.length, optPtrs);
    const log = programLog(lib, prog);
    if (rc !== 0) throw new Error(`NVRTC could not compile the CUDA kernels for ${arch}:\n${log}`);
    const kind = arch.startsWith("sm_") ? "cubin" : "ptx";
    const size = new BigUint64Array(1);
    let image: Uint8Array;
    if (kind === "cubin") {
      checkNvrtc(lib, "nvrtcGetCUBINSize", lib.symbols.nvrtcGetCUBINSize(prog, size));
      image = new Uint8Array(Number(size[0]));
      checkNvrtc(lib, "nvrtcGetCUBIN", lib.symbols.nvrtcGetCUBIN(prog, image));
    } else {
      checkNvrtc(lib, "nvrtcGetPTXSize", lib.symbols.nvrtcGetPTXSize(prog, size));
      image = new Uint8Array(Number(size[0]));
      checkNvrtc(lib, "nvrtcGetPTX", lib.symbols.nvrtcGetPTX(prog, image));
    }
    // keep the option strings alive until the call has returned
    opts.length = 0;
    return { image, kind, log, ms: performance.now() - t0 };
  } finally {
    lib.symbols.nvrtcDestroyProgram(progBuf);
  }
}

/** NVRTC's version as [major, minor]. */
export function nvrtcVersion(): [number, number] {
  const { lib } = loadNvrtc();
  const a = new Int32Array(1), b = new Int32Array(1);
  checkNvrtc(lib, "nvrtcVersion", lib.symbols.nvrtcVersion(a, b));
  return [a[0], b[0]];
}
