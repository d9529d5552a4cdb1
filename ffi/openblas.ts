/**
 * Raw OpenBLAS bindings: single-precision GEMM and thread control. Loaded lazily by `loadOpenBlas()`.
 * Set `MMSSL_BLAS` to a library path to override discovery, or `MMSSL_NO_BLAS=1` to force the TypeScript
 * fallback.
 */
import { openFirst, readEnv } from "./load.ts";

const symbols = {
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
} as const;

/** The bound OpenBLAS functions. */
export type OpenBlasLibrary = Deno.DynamicLibrary<typeof symbols>;

/** CBLAS enum values. */
export const CBLAS_ROW_MAJOR = 101;
export const CBLAS_NO_TRANS = 111;
export const CBLAS_TRANS = 112;

/** Sonames and paths tried in order (Debian/Ubuntu openblas-pthread, generic, BLIS-compatible CBLAS). */
export const OPENBLAS_CANDIDATES: string[] = [
  "libopenblas.so.0",
  "libopenblas.so",
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
];

let cached: { lib: OpenBlasLibrary; path: string } | null | undefined;

/**
 * Returns the OpenBLAS library, or null (with `reason` filled) when it is disabled or missing.
 * The outcome is cached: discovery runs once per process.
 */
export function loadOpenBlas(): { lib: OpenBlasLibrary; path: string } | { lib: null; reason: string } {
  if (cached) return cached;
  if (readEnv("MMSSL_NO_BLAS") === "1") return { lib: null, reason: "disabled by MMSSL_NO_BLAS=1" };
  try {
    cached = openFirst("OpenBLAS", "MMSSL_BLAS", OPENBLAS_CANDIDATES, symbols);
    return cached;
  } catch (e) {
    return { lib: null, reason: e instanceof Error ? e.message : String(e) };
  }
}
