/**
 * cuRAND host-API bindings. Only used to cross-check the Philox stream (`curandCreateGeneratorHost` runs on
 * the CPU, no GPU needed); the backend samples with its own Philox kernel. Set `MMSSL_CURAND` to override.
 */
import { openCudaLibrary } from "./paths.ts";

/** The FFI signatures bound from the cuRAND host API (generators, seeding, offsets, generation). */
export const symbols = {
  curandCreateGeneratorHost: { parameters: ["buffer", "i32"], result: "i32" },
  curandCreateGenerator: { parameters: ["buffer", "i32"], result: "i32" },
  curandDestroyGenerator: { parameters: ["u64"], result: "i32" },
  curandSetPseudoRandomGeneratorSeed: { parameters: ["u64", "u64"], result: "i32" },
  curandSetGeneratorOffset: { parameters: ["u64", "u64"], result: "i32" },
  curandSetGeneratorOrdering: { parameters: ["u64", "i32"], result: "i32" },
  curandGenerate: { parameters: ["u64", "buffer", "usize"], result: "i32" },
  curandGenerateUniform: { parameters: ["u64", "buffer", "usize"], result: "i32" },
  /** curandGenerate into device memory (a generator made by curandCreateGenerator). */
  curandGenerateDevice: { name: "curandGenerate", parameters: ["u64", "u64", "usize"], result: "i32" },
  curandGetVersion: { parameters: ["buffer"], result: "i32" },
} as const;

/** The bound cuRAND functions. */
export type CurandLibrary = Deno.DynamicLibrary<typeof symbols>;

/** curandRngType_t of Philox4x32-10. */
export const CURAND_RNG_PSEUDO_PHILOX4_32_10 = 161;
/** curandOrdering_t values for pseudo-random generators. */
export const CURAND_ORDERING_PSEUDO_BEST = 100;
/** curandOrdering_t: the generator's default ordering. */
export const CURAND_ORDERING_PSEUDO_DEFAULT = 101;
/** curandOrdering_t: a seeding pattern for fast, lower-quality generation. */
export const CURAND_ORDERING_PSEUDO_SEEDED = 102;
/** curandOrdering_t: the legacy sequence of earlier cuRAND versions. */
export const CURAND_ORDERING_PSEUDO_LEGACY = 103;
/** curandOrdering_t: an ordering adjusted to the device for best performance. */
export const CURAND_ORDERING_PSEUDO_DYNAMIC = 104;

/** Sonames tried in order. */
export const CURAND_SONAMES: string[] = ["libcurand.so.10", "libcurand.so"];

let cached: { lib: CurandLibrary; path: string } | undefined;

/** Opens libcurand (once per process); throws LibraryNotFoundError listing what was tried. */
export function loadCurand(): { lib: CurandLibrary; path: string } {
  cached ??= openCudaLibrary("cuRAND (libcurand.so.10)", "MMSSL_CURAND", CURAND_SONAMES, symbols);
  return cached;
}

/** Throws naming the call when a cuRAND call fails. */
export function checkCurand(call: string, status: number): void {
  if (status !== 0) throw new Error(`${call} failed: curandStatus ${status}`);
}
