/**
 * Opening the GPU: driver init, device 0's primary context (shared with cuBLAS), its properties, and the
 * kernel module compiled by NVRTC for the device's architecture. The compiled CUBIN is cached on disk
 * (`MMSSL_CUDA_CACHE`, else $XDG_CACHE_HOME/mmssl or ~/.cache/mmssl) keyed by a hash of the source, the
 * architecture and the NVRTC version, so only the first start pays for compilation.
 */
import {
  checkDriver,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
  CUDA_ERROR_NO_DEVICE,
  type CudaDriverLibrary,
  driverErrorText,
  loadCudaDriver,
} from "../../../ffi/cuda/driver.ts";
import { readEnv } from "../../../ffi/load.ts";
import { compileCuda, cudaProgramSource, nvrtcVersion } from "./program.ts";

/** The opened device and its loaded kernels. */
export interface CudaDevice {
  /** The opened driver library. */
  lib: CudaDriverLibrary;
  /** Path libcuda was loaded from. */
  driverPath: string;
  /** Device index (as for cuDeviceGet). */
  ordinal: number;
  /** The GPU's name. */
  name: string;
  /** Compute capability [major, minor]. */
  computeCapability: [number, number];
  /** Number of streaming multiprocessors (sizes the grid-stride launches). */
  smCount: number;
  /** The device's primary context (CUcontext), current on this thread. */
  context: bigint;
  /** The loaded kernel module (CUmodule). */
  module: bigint;
  /** Kernel handles (CUfunction) by extern "C" name. */
  functions: Map<string, bigint>;
  /** How the kernels were obtained: "compiled (N ms)" or "cached (path)". */
  kernelsFrom: string;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/; tried:$/, "");
}

/**
 * Loads the driver and checks that a device answers. Returns null with a one-line reason when CUDA cannot
 * be used (no driver library, no device, driver too old).
 */
export function probeDriver(): { lib: CudaDriverLibrary; path: string; count: number } | { reason: string } {
  let opened;
  try {
    opened = loadCudaDriver();
  } catch (e) {
    const tried = (e as { tried?: string[] }).tried;
    const n = tried ? ` (tried ${tried.length} places; set MMSSL_CUDA_LIB_DIRS or MMSSL_LIBCUDA)` : "";
    return { reason: `libcuda.so.1 (the NVIDIA driver library) not found${n}` };
  }
  const { lib } = opened;
  const rc = lib.symbols.cuInit(0);
  if (rc !== 0) {
    const what = rc === CUDA_ERROR_NO_DEVICE ? "no CUDA device" : "cuInit failed";
    return { reason: `${what}: ${driverErrorText(lib, rc)}` };
  }
  const count = new Int32Array(1);
  const rc2 = lib.symbols.cuDeviceGetCount(count);
  if (rc2 !== 0) return { reason: `cuDeviceGetCount failed: ${driverErrorText(lib, rc2)}` };
  if (count[0] < 1) return { reason: "no CUDA device (cuDeviceGetCount = 0)" };
  return { lib, path: opened.path, count: count[0] };
}

function attribute(lib: CudaDriverLibrary, attr: number, device: number): number {
  const out = new Int32Array(1);
  checkDriver(lib, `cuDeviceGetAttribute(${attr})`, lib.symbols.cuDeviceGetAttribute(out, attr, device));
  return out[0];
}

/** FNV-1a 64-bit hash as hex (enough to key a cache file). */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

function cacheDir(): string | null {
  const explicit = readEnv("MMSSL_CUDA_CACHE");
  if (explicit !== undefined) return explicit === "" || explicit === "0" ? null : explicit;
  const xdg = readEnv("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/mmssl`;
  const home = readEnv("HOME");
  return home ? `${home}/.cache/mmssl` : null;
}

function readCache(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch {
    return null;
  }
}

function writeCache(path: string, dir: string, image: Uint8Array): void {
  try {
    Deno.mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${Deno.pid}.tmp`;
    Deno.writeFileSync(tmp, image);
    Deno.renameSync(tmp, path);
  } catch {
    // a read-only home only costs a recompile next time
  }
}

/**
 * The image of CUDA C `source` for `cc`: from the disk cache (files named `<prefix>-sm_XY-<hash>.cubin`),
 * else compiled by NVRTC (CUBIN, or PTX if sm_XY fails).
 */
function kernelImage(
  source: string,
  cc: [number, number],
  prefix: string,
): { image: Uint8Array; from: string } {
  const sm = `sm_${cc[0]}${cc[1]}`;
  const key = fnv1a64(`${nvrtcVersion().join(".")}|${sm}|${source}`);
  const dir = cacheDir();
  const path = dir ? `${dir}/${prefix}-${sm}-${key}.cubin` : null;
  const cached = path ? readCache(path) : null;
  if (cached && cached.length > 0) return { image: cached, from: `cached (${path})` };
  let compiled;
  try {
    compiled = compileCuda(source, sm);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("NVRTC could not compile")) {
      // an architecture this NVRTC cannot target natively: fall back to PTX for the driver to JIT
      compiled = compileCuda(source, `compute_${cc[0]}${cc[1]}`);
    } else throw e;
  }
  if (path && dir && compiled.kind === "cubin") writeCache(path, dir, compiled.image);
  return { image: compiled.image, from: `compiled ${compiled.kind} (${compiled.ms.toFixed(0)} ms)` };
}

/** Loads a module image and returns its kernel handles (CUfunction) by extern "C" name. */
function loadModule(
  lib: CudaDriverLibrary,
  image: Uint8Array,
  names: string[],
): { module: bigint; functions: Map<string, bigint> } {
  const modOut = new BigUint64Array(1);
  checkDriver(lib, "cuModuleLoadData", lib.symbols.cuModuleLoadData(modOut, image));
  const functions = new Map<string, bigint>();
  const fnOut = new BigUint64Array(1);
  for (const fn of names) {
    const cname = new TextEncoder().encode(fn + "\0");
    checkDriver(lib, `cuModuleGetFunction(${fn})`, lib.symbols.cuModuleGetFunction(fnOut, modOut[0], cname));
    functions.set(fn, fnOut[0]);
  }
  return { module: modOut[0], functions };
}

/**
 * Compiles (or takes from the disk cache) one more CUDA C program for the open device and loads it: the
 * handles of its `names`, to be launched like the built-in kernels (custom kernels of src/kernels).
 *
 * @throws {Error} When NVRTC rejects the source (its log) or the driver cannot load it.
 */
export function loadExtraProgram(device: CudaDevice, source: string, names: string[]): Map<string, bigint> {
  const image = kernelImage(source, device.computeCapability, "cuda-custom");
  return loadModule(device.lib, image.image, names).functions;
}

/** Opens device `ordinal` (default 0), makes its primary context current and loads the kernels. */
export function openCudaDevice(ordinal = 0): CudaDevice {
  const probe = probeDriver();
  if ("reason" in probe) throw new Error(`CUDA unavailable: ${probe.reason}`);
  const { lib } = probe;
  if (ordinal >= probe.count) {
    throw new Error(`CUDA device ${ordinal} requested but only ${probe.count} present`);
  }
  const devOut = new Int32Array(1);
  checkDriver(lib, "cuDeviceGet", lib.symbols.cuDeviceGet(devOut, ordinal));
  const device = devOut[0];
  const nameBuf = new Uint8Array(256);
  checkDriver(lib, "cuDeviceGetName", lib.symbols.cuDeviceGetName(nameBuf, 256, device));
  const name = new TextDecoder().decode(nameBuf.subarray(0, nameBuf.indexOf(0)));
  const ctxOut = new BigUint64Array(1);
  checkDriver(lib, "cuDevicePrimaryCtxRetain", lib.symbols.cuDevicePrimaryCtxRetain(ctxOut, device));
  checkDriver(lib, "cuCtxSetCurrent", lib.symbols.cuCtxSetCurrent(ctxOut[0]));
  const cc: [number, number] = [
    attribute(lib, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
    attribute(lib, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
  ];
  const smCount = attribute(lib, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
  const program = cudaProgramSource();
  let image;
  try {
    image = kernelImage(program.source, cc, "cuda-kernels");
  } catch (e) {
    throw new Error(`CUDA unavailable: cannot build the kernels (${firstLine(e)})`);
  }
  const { module, functions } = loadModule(lib, image.image, program.names);
  return {
    lib,
    driverPath: probe.path,
    ordinal,
    name,
    computeCapability: cc,
    smCount,
    context: ctxOut[0],
    module,
    functions,
    kernelsFrom: image.from,
  };
}
