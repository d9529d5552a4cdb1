/**
 * Raw OpenBLAS bindings: single-precision GEMM, thread control and the library's self-description. Loaded
 * lazily by `loadOpenBlas()`.
 *
 * Discovery prefers the OpenMP build (Debian's libopenblas0-openmp) over the pthread build and the generic
 * soname: the native CPU kernels use OpenMP too, so both share libgomp's thread pool instead of two pools
 * fighting over the cores, and the pthread build's idle threads spin in `sched_yield` between calls.
 * Set `MMSSL_BLAS` to a library path to override discovery (e.g. the pthread build,
 * `/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0`), or `MMSSL_NO_BLAS=1` to force the
 * TypeScript fallback.
 *
 * Kernel choice: a DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU model when it loads, and older
 * releases (Debian 12's 0.3.21) fall back to the SSE3 "Prescott" kernels, about 4x slower, on CPUs newer
 * than they are. Unless the user set `OPENBLAS_CORETYPE`, it is set from the CPU's feature flags for the
 * moment of loading (see {@link chooseCoreType}) and removed again afterwards, so child processes see the
 * user's environment.
 *
 * Threads: the OpenMP build ignores `OPENBLAS_NUM_THREADS` (it follows `OMP_NUM_THREADS`); when only
 * `OPENBLAS_NUM_THREADS` is set, it is applied with `openblas_set_num_threads` after loading, so the
 * documented `OPENBLAS_NUM_THREADS=1` works with either build.
 */
import { readCpuFeatures } from "./cpu_features.ts";
import { openFirst, pinLoaded, readEnv, readPositiveIntEnv } from "./load.ts";

/** The FFI signatures bound from OpenBLAS: cblas_sgemm and the optional openblas_* introspection calls. */
export const symbols = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // M
      "i32", // N
      "i32", // K
      "f32", // alpha
      "pointer", // A
      "i32", // lda
      "pointer", // B
      "i32", // ldb
      "f32", // beta
      "pointer", // C
      "i32", // ldc
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_get_parallel: { parameters: [], result: "i32", optional: true },
} as const;

/** The bound OpenBLAS functions. */
export type OpenBlasLibrary = Deno.DynamicLibrary<typeof symbols>;

/** CBLAS enum values. */
export const CBLAS_ROW_MAJOR = 101;
/** CBLAS_TRANSPOSE: use the matrix as stored. */
export const CBLAS_NO_TRANS = 111;
/** CBLAS_TRANSPOSE: use the transpose of the matrix. */
export const CBLAS_TRANS = 112;

/**
 * Sonames and paths tried in order: Debian/Ubuntu's OpenMP build, their pthread build, the generic soname
 * (whatever the system's alternatives point at), then macOS.
 */
export const OPENBLAS_CANDIDATES: string[] = [
  "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/openblas-openmp/libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "libopenblas.so.0",
  "libopenblas.so",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
];

/** Who decided which kernels OpenBLAS uses. */
export type CoreTypeSetBy = "user" | "mmssl" | "library";

/** The outcome of {@link chooseCoreType}: the `OPENBLAS_CORETYPE` value to use (null: leave it unset). */
export interface CoreTypeChoice {
  /** The core name for `OPENBLAS_CORETYPE`, or null to let the library detect the CPU. */
  core: string | null;
  /** Who made the choice: the user's variable, mmssl from the CPU flags, or the library. */
  setBy: CoreTypeSetBy;
  /** The CPU flags the choice rests on (empty unless `setBy` is "mmssl"). */
  flags: string[];
}

/** What {@link chooseCoreType} looks at: the architecture, x86 vendor and feature flags. */
export interface CoreTypeCpu {
  /** CPU architecture as Deno.build.arch names it ("x86_64", "aarch64"). */
  arch: string;
  /** x86 vendor id string, e.g. "GenuineIntel", "AuthenticAMD" (empty elsewhere). */
  vendor: string;
  /** CPU feature flags as /proc/cpuinfo lists them ("avx2", "fma", "avx512f", …). */
  flags: ReadonlySet<string>;
}

const AVX512_FLAGS = ["avx512f", "avx512bw", "avx512vl", "avx512dq"];
const AVX2_FLAGS = ["avx2", "fma"];

/**
 * Picks `OPENBLAS_CORETYPE` from the CPU (pure; `userSetting` is the variable's current value):
 * - a user's non-empty setting is always kept;
 * - x86_64 Intel, AMD or Hygon with AVX-512 F/BW/VL/DQ: "SkylakeX" (newer OpenBLAS treats Zen 4 the same);
 * - x86_64 with AVX2 and FMA: "Haswell" on Intel, "Zen" on AMD and Hygon;
 * - anything else (older x86, other vendors, aarch64, unreadable flags): null, the library detects the CPU.
 * Every name is one that OpenBLAS 0.3.21's DYNAMIC_ARCH build accepts.
 */
export function chooseCoreType(cpu: CoreTypeCpu | null, userSetting: string | undefined): CoreTypeChoice {
  const user = userSetting?.trim();
  if (user) return { core: user, setBy: "user", flags: [] };
  const none: CoreTypeChoice = { core: null, setBy: "library", flags: [] };
  if (!cpu || cpu.arch !== "x86_64") return none;
  const intel = cpu.vendor === "GenuineIntel";
  const amd = cpu.vendor === "AuthenticAMD" || cpu.vendor === "HygonGenuine";
  if (!intel && !amd) return none;
  const has = (names: string[]) => names.every((f) => cpu.flags.has(f));
  if (has(AVX512_FLAGS)) return { core: "SkylakeX", setBy: "mmssl", flags: AVX512_FLAGS };
  if (has(AVX2_FLAGS)) return { core: intel ? "Haswell" : "Zen", setBy: "mmssl", flags: AVX2_FLAGS };
  return none;
}

/** What the loaded BLAS says about itself. */
export interface BlasInfo {
  /** The file or soname that was opened. */
  path: string;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64". */
  version: string;
  /** `openblas_get_corename()`: the kernels in use, e.g. "Zen", "SkylakeX", "Prescott". */
  core: string;
  /** `openblas_get_parallel()`: 0 sequential, 1 pthreads, 2 OpenMP. */
  threading: "sequential" | "pthreads" | "openmp" | "unknown";
  /** `openblas_get_num_threads()` after loading (0 when unknown). */
  threads: number;
  /** Who chose the kernels (see {@link chooseCoreType}). */
  coreTypeSetBy: CoreTypeSetBy;
  /** How the core came about, e.g. "core chosen by mmssl from CPU flags avx2,fma". */
  coreTypeNote: string;
}

/** A loaded OpenBLAS: the bound functions, the name that opened and the library's self-description. */
export interface LoadedOpenBlas {
  /** The bound OpenBLAS functions. */
  lib: OpenBlasLibrary;
  /** The file or soname that opened. */
  path: string;
  /** The library's self-description (version, core, threading). */
  info: BlasInfo;
}

let cached: LoadedOpenBlas | undefined;

function cString(p: Deno.PointerValue): string {
  if (p === null) return "";
  try {
    return Deno.UnsafePointerView.getCString(p);
  } catch {
    return "";
  }
}

function setEnv(name: string, value: string | null): boolean {
  try {
    if (value === null) Deno.env.delete(name);
    else Deno.env.set(name, value);
    return true;
  } catch {
    return false;
  }
}

function describeChoice(choice: CoreTypeChoice, core: string): string {
  if (choice.setBy === "user") return `core set by the user, OPENBLAS_CORETYPE=${choice.core}`;
  if (choice.setBy === "mmssl") {
    const got = choice.core !== null && core.toLowerCase() !== choice.core.toLowerCase()
      ? `; asked for ${choice.core}, the library chose ${core || "unknown"}`
      : "";
    return `core chosen by mmssl from CPU flags ${choice.flags.join(",")}${got}`;
  }
  return "core detected by the library";
}

function inspect(lib: OpenBlasLibrary, path: string, choice: CoreTypeChoice): BlasInfo {
  const s = lib.symbols;
  const parallel = s.openblas_get_parallel ? s.openblas_get_parallel() : -1;
  const threading = parallel === 0
    ? "sequential"
    : parallel === 1
    ? "pthreads"
    : parallel === 2
    ? "openmp"
    : "unknown";
  if (threading === "openmp" && readEnv("OMP_NUM_THREADS") === undefined && s.openblas_set_num_threads) {
    const n = readPositiveIntEnv("OPENBLAS_NUM_THREADS") ?? readPositiveIntEnv("GOTO_NUM_THREADS");
    if (n !== null) s.openblas_set_num_threads(n);
  }
  const core = s.openblas_get_corename ? cString(s.openblas_get_corename()) : "";
  const version = s.openblas_get_config ? cString(s.openblas_get_config()) : "";
  return {
    path,
    version: version || "unknown",
    core: core || "unknown",
    threading,
    threads: s.openblas_get_num_threads ? s.openblas_get_num_threads() : 0,
    coreTypeSetBy: choice.setBy,
    coreTypeNote: describeChoice(choice, core),
  };
}

/**
 * Returns the OpenBLAS library, or null (with `reason` filled) when it is disabled or missing.
 * The outcome is cached: discovery runs once per process.
 */
export function loadOpenBlas(): LoadedOpenBlas | { lib: null; reason: string } {
  if (cached) return cached;
  if (readEnv("MMSSL_NO_BLAS") === "1") return { lib: null, reason: "disabled by MMSSL_NO_BLAS=1" };
  let choice = chooseCoreType(readCpuFeatures(), readEnv("OPENBLAS_CORETYPE"));
  // Set only for the dlopen (the library reads it in its constructor); without env permission, don't.
  const setHere = choice.setBy === "mmssl" && choice.core !== null &&
    setEnv("OPENBLAS_CORETYPE", choice.core);
  if (choice.setBy === "mmssl" && !setHere) choice = { core: null, setBy: "library", flags: [] };
  try {
    const opened = openFirst("OpenBLAS", "MMSSL_BLAS", OPENBLAS_CANDIDATES, symbols);
    pinLoaded(opened.path);
    cached = { ...opened, info: inspect(opened.lib, opened.path, choice) };
    return cached;
  } catch (e) {
    return { lib: null, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    if (setHere) setEnv("OPENBLAS_CORETYPE", null);
  }
}

/** The loaded OpenBLAS's description (loading it on first use), or null when it is disabled or missing. */
export function blasInfo(): BlasInfo | null {
  const loaded = loadOpenBlas();
  return loaded.lib ? loaded.info : null;
}

/**
 * One line naming the library, e.g. "OpenBLAS 0.3.21 (openmp, 2 threads) core Zen,
 * /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 (core chosen by mmssl from CPU flags avx2,fma)".
 */
export function describeBlas(info: BlasInfo): string {
  const release = info.version === "unknown" ? "BLAS" : info.version.split(/\s+/).slice(0, 2).join(" ");
  const threads = info.threads > 0 ? `, ${info.threads} thread${info.threads === 1 ? "" : "s"}` : "";
  return `${release} (${info.threading}${threads}) core ${info.core}, ${info.path} (${info.coreTypeNote})`;
}

/** {@link describeBlas} of the loaded library, or "no BLAS (reason), TypeScript matmul" when none loads. */
export function blasLine(): string {
  const loaded = loadOpenBlas();
  if (loaded.lib) return describeBlas(loaded.info);
  return `no BLAS (${loaded.reason.split("\n")[0]}), TypeScript matmul`;
}
