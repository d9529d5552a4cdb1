/**
 * The native CPU kernel library: its C sources (imported as text, so they travel with an import of
 * `mod.ts` by URL), its FFI symbol table, and `loadNativeKernels()`, which compiles the sources on first
 * use with the system compiler (ffi/cc.ts caches the result) and opens the library.
 *
 * `MMSSL_NO_NATIVE=1` skips it; so do a missing compiler and a missing `run` permission for one. Every
 * such case returns a reason instead of throwing, and the caller falls back to the TypeScript kernels.
 */
import { buildSharedLibrary, type Compiler } from "../../../ffi/cc.ts";
import { pinLoaded, readEnv, readPositiveIntEnv } from "../../../ffi/load.ts";
import commonH from "./csrc/common.h" with { type: "text" };
import mathH from "./csrc/mm_math.h" with { type: "text" };
import elementwiseC from "./csrc/elementwise.c" with { type: "text" };
import reduceCopyC from "./csrc/reduce_copy.c" with { type: "text" };
import rowsC from "./csrc/rows.c" with { type: "text" };
import convC from "./csrc/conv.c" with { type: "text" };
import optimC from "./csrc/optim.c" with { type: "text" };
import gemmC from "./csrc/gemm.c" with { type: "text" };
import attentionC from "./csrc/attention.c" with { type: "text" };
import dropoutC from "./csrc/dropout.c" with { type: "text" };
import logisticC from "./csrc/logistic.c" with { type: "text" };
import biasActC from "./csrc/bias_act.c" with { type: "text" };

/** The C sources by file name. */
export const NATIVE_SOURCES: Readonly<Record<string, string>> = {
  "common.h": commonH,
  "mm_math.h": mathH,
  "elementwise.c": elementwiseC,
  "reduce_copy.c": reduceCopyC,
  "rows.c": rowsC,
  "conv.c": convC,
  "optim.c": optimC,
  "gemm.c": gemmC,
  "attention.c": attentionC,
  "dropout.c": dropoutC,
  "logistic.c": logisticC,
  "bias_act.c": biasActC,
};

/**
 * Flag sets tried in order: vectorised for this CPU with OpenMP threads, then without OpenMP (clang on
 * macOS ships without libomp), then for the generic target (a compiler that rejects -march=native).
 * -fno-trapping-math lets the compiler turn the kernels' comparisons into vector blends; -fno-math-errno lets
 * sqrtf vectorise. Neither changes a result.
 */
export const NATIVE_FLAG_SETS: readonly (readonly string[])[] = [
  ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fopenmp"],
  ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math"],
  ["-O3", "-fno-math-errno", "-fno-trapping-math"],
];

const P = "pointer" as const;
const I = "i32" as const;
const D = "f64" as const;

/**
 * The FFI signatures of the native kernel library's exported C functions (`mm_*`, optional OpenMP controls).
 */
export const symbols = {
  mm_unary: { parameters: [I, P, P, I], result: "void" },
  mm_unary_grad: { parameters: [I, P, P, P, I], result: "void" },
  mm_scalar: { parameters: [I, P, P, I, D, D], result: "void" },
  mm_binary: { parameters: [I, P, P, P, P, P, P, I], result: "void" },
  mm_where: { parameters: [P, P, P, P, I], result: "void" },
  mm_reduce: { parameters: [I, P, P, I, I, I], result: "void" },
  mm_copy_strided: { parameters: [P, I, P, P, I, P, P, I], result: "void" },
  mm_gather: { parameters: [P, P, P, I, I, I, I], result: I },
  mm_scatter_add: { parameters: [P, P, P, I, I, I, I], result: I },
  mm_softmax: { parameters: [P, P, I, I, I], result: "void" },
  mm_softmax_grad: { parameters: [P, P, P, I, I, I], result: "void" },
  mm_normalize_rows: { parameters: [P, P, P, P, I, I, "f32"], result: "void" },
  mm_normalize_rows_grad: { parameters: [P, P, P, P, I, I], result: "void" },
  mm_im2col: { parameters: [P, P, P], result: "void" },
  mm_col2im: { parameters: [P, P, P], result: "void" },
  mm_max_pool2d: { parameters: [P, P, P, P], result: "void" },
  mm_adamw: { parameters: [P, P, P, P, I, D, D, D, D, D, D], result: "void" },
  mm_sgemm: {
    parameters: [I, I, I, I, I, I, P, "i64", P, "i64", P, "i64", "f32", "f32"],
    result: "void",
  },
  mm_attention: { parameters: [P, P, P, P, P, P, P, P, P], result: "void" },
  mm_attention_grad: { parameters: [P, P, P, P, P, P, P, P, P, P], result: "void" },
  mm_dropout: { parameters: [P, P, I, D, "f32", "u32"], result: "void" },
  mm_logistic_loss_grad: { parameters: [P, P, P, I, I, I, "buffer", "buffer"], result: D },
  mm_bias_act: { parameters: [P, P, I, I, I], result: "void" },
  mm_bias_act_grad: { parameters: [P, P, P, P, I, I, I], result: I },
  omp_get_max_threads: { parameters: [], result: I, optional: true },
  omp_set_num_threads: { parameters: [I], result: "void", optional: true },
} as const;

/** The opened native kernel library. */
export type NativeLibrary = Deno.DynamicLibrary<typeof symbols>;

/** A loaded library with where it came from, or why there is none. */
export type NativeLoad =
  | {
    ok: true;
    lib: NativeLibrary;
    path: string;
    compiler: Compiler;
    flags: readonly string[];
    threads: number;
  }
  | { ok: false; reason: string };

let cached: NativeLoad | undefined;

/**
 * OMP_NUM_THREADS sets the kernels' threads (libgomp reads it); where only OPENBLAS_NUM_THREADS is set, it
 * applies to the native kernels too, so `OPENBLAS_NUM_THREADS=1` keeps a run on one core as it always did.
 */
function applyThreadCount(lib: NativeLibrary): void {
  if (readEnv("OMP_NUM_THREADS") !== undefined || !lib.symbols.omp_set_num_threads) return;
  const n = readPositiveIntEnv("OPENBLAS_NUM_THREADS");
  if (n !== null) lib.symbols.omp_set_num_threads(n);
}

/**
 * Builds (first use only) and opens the native kernels; the outcome is cached for the process. Prints one
 * line to stderr while compiling, since that takes a few seconds.
 */
export function loadNativeKernels(opts: { quiet?: boolean } = {}): NativeLoad {
  if (cached) return cached;
  if (readEnv("MMSSL_NO_NATIVE") === "1") {
    return cached = { ok: false, reason: "disabled by MMSSL_NO_NATIVE=1" };
  }
  const failures: string[] = [];
  for (const flags of NATIVE_FLAG_SETS) {
    const built = buildSharedLibrary({
      name: "mmssl_kernels",
      sources: NATIVE_SOURCES,
      flags: [...flags],
      onCompile: opts.quiet ? undefined : (command) => {
        console.error(`[mmssl] compiling the native CPU kernels (once; cached): ${command}`);
      },
    });
    if (!built.ok) {
      failures.push(built.reason);
      // No compiler or no permission: other flags cannot help.
      if (!built.compiled) break;
      continue;
    }
    try {
      const lib = Deno.dlopen(built.path, symbols);
      pinLoaded(built.path);
      applyThreadCount(lib);
      const threads = lib.symbols.omp_get_max_threads ? lib.symbols.omp_get_max_threads() : 1;
      return cached = { ok: true, lib, path: built.path, compiler: built.compiler, flags, threads };
    } catch (e) {
      failures.push(`opening ${built.path}: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    }
  }
  return cached = { ok: false, reason: failures.join("\n") };
}
