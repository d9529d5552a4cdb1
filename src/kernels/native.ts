/**
 * Running a kernel as native code: the body translated to C (./translate.ts), compiled on first use with
 * ffi/cc.ts's `buildSharedLibrary` (cached on disk by a hash of the source), opened once per source with
 * `Deno.dlopen`, and called on flat float32 copies of the arguments' views.
 *
 * A kernel runs as JavaScript instead when `MMSSL_NO_NATIVE=1`, when there is no C compiler (or no `run`
 * permission for one), when the body or one argument cannot be translated, or when the compile fails; the
 * kernel's `mode` and `translationError` say which path the last call took and why. With the setting
 * `mode: "native"` each of those throws instead; with `mode: "javascript"` the native path is never tried.
 * When the native run meets a NaN result or an out-of-range row read (where JavaScript throws), the call is
 * rerun as JavaScript, so its result or its error is exactly the JavaScript path's.
 *
 * @module
 */
import { buildSharedLibrary, findCompiler } from "../../ffi/cc.ts";
import { pinLoaded, readEnv } from "../../ffi/load.ts";
import type { KernelView } from "./args.ts";
import type { KernelOutput } from "./output.ts";
import type { KernelBody, KernelConstant } from "./run.ts";
import {
  type ArgKind,
  type KernelSlot,
  type KernelTranslation,
  KernelTranslationError,
  type ParsedKernel,
  parseKernel,
  translateKernel,
} from "./translate.ts";

/**
 * The path a kernel call took: the translated C code, the translation as CUDA C on the CUDA backend's device
 * (tensor arguments there), or the JavaScript body.
 */
export type KernelMode = "native" | "cuda" | "javascript";

/**
 * The `mode` setting: "auto" (translated code where possible: CUDA C for CUDA tensors, else C), "native"
 * (translated code, or throw), "javascript" (never translated).
 */
export type KernelModeSetting = "auto" | "native" | "javascript";

/** The compiler flags of translated kernels (-lm for libm; no -ffast-math, which would change NaN handling). */
export const KERNEL_FLAGS: readonly string[] = ["-O3", "-march=native", "-fno-math-errno", "-fopenmp", "-lm"];

/** Tried after {@link KERNEL_FLAGS} fail (a compiler without OpenMP or -march=native): serial, portable. */
const FALLBACK_FLAGS: readonly string[] = ["-O2", "-fno-math-errno", "-lm"];

let compilerReason: string | null | undefined;

/**
 * Why native kernels cannot run in this process right now, or null when they can: `MMSSL_NO_NATIVE=1`
 * (read on every call, so it can be set and unset at run time) or no usable C compiler (looked up once).
 *
 * @example
 * ```ts
 * import { nativeUnavailableReason } from "./src/kernels/mod.ts";
 * console.log(nativeUnavailableReason() ?? "native kernels available");
 * ```
 */
export function nativeUnavailableReason(): string | null {
  if (readEnv("MMSSL_NO_NATIVE") === "1") return "disabled by MMSSL_NO_NATIVE=1";
  if (compilerReason === undefined) {
    const c = findCompiler();
    compilerReason = "reason" in c ? c.reason : null;
  }
  return compilerReason;
}

/**
 * Decides the path of one call from the setting and what stands in the way of native code (null: nothing).
 * "auto" falls back to JavaScript; "native" throws naming the kernel and the obstacle; "javascript" always
 * gives JavaScript.
 *
 * @throws {Error} For `setting` "native" with an obstacle.
 *
 * @example
 * ```ts
 * import { decideMode } from "./src/kernels/mod.ts";
 * console.log(decideMode("auto", null, "k"), decideMode("auto", "disabled by MMSSL_NO_NATIVE=1", "k"));
 * // "native" "javascript"
 * ```
 */
export function decideMode(setting: KernelModeSetting, obstacle: string | null, kernel: string): KernelMode {
  if (setting === "javascript") return "javascript";
  if (obstacle === null) return "native";
  if (setting === "native") {
    throw new Error(
      `kernel "${kernel}": mode "native" was requested but it cannot run natively: ${obstacle}`,
    );
  }
  return "javascript";
}

const libraries = new Map<string, Deno.DynamicLibrary<Record<string, Deno.ForeignFunction>>>();

/** A compiled kernel: the C function of translate.ts's signature (returns 0, or 1 for "rerun as JavaScript"). */
export type NativeKernelFn = (
  out: Float32Array,
  ox: number,
  oy: number,
  oz: number,
  arrays: BigUint64Array,
  dims: Int32Array,
  scalars: Float64Array,
) => number;

/**
 * Compiles (first use; cached on disk) and opens a translated kernel, once per source in the process.
 * Returns the C function, or the reason it is not available.
 *
 * @example
 * ```ts
 * import { loadTranslation, translateKernel } from "./src/kernels/mod.ts";
 * const t = translateKernel(function one() { return 1; }, { argKinds: [], constantKinds: {}, outputRank: 1 });
 * const fn = loadTranslation(t);
 * console.log(typeof fn === "function" ? "compiled" : fn.reason);
 * ```
 */
export function loadTranslation(t: KernelTranslation): NativeKernelFn | { reason: string } {
  let lib = libraries.get(t.source);
  if (!lib) {
    let built = buildSharedLibrary({
      name: "mmssl_kernel",
      sources: { "kernel.c": t.source },
      flags: [...KERNEL_FLAGS],
    });
    if (!built.ok) {
      built = buildSharedLibrary({
        name: "mmssl_kernel",
        sources: { "kernel.c": t.source },
        flags: [...FALLBACK_FLAGS],
      });
    }
    if (!built.ok) return { reason: built.reason };
    const symbols = {
      [t.symbol]: {
        parameters: ["buffer", "i32", "i32", "i32", "buffer", "buffer", "buffer"],
        result: "i32",
      },
    } as Record<string, Deno.ForeignFunction>;
    try {
      lib = Deno.dlopen(built.path, symbols);
    } catch (e) {
      return { reason: `opening ${built.path}: ${e instanceof Error ? e.message.split("\n")[0] : e}` };
    }
    // OpenMP: keep it mapped until exit (unmapping libgomp while its threads spin crashes the process)
    pinLoaded(built.path);
    libraries.set(t.source, lib);
  }
  return lib.symbols[t.symbol] as unknown as NativeKernelFn;
}

/** One argument or constant as C takes it: a number, or flat row-major data with its shape. */
export type FlatValue = { kind: "scalar"; value: number } | {
  kind: Exclude<ArgKind, "scalar">;
  data: Float32Array;
  shape: number[];
};

/**
 * Recovers the flat data behind a view made by args.ts's `viewOf` (rows are subarrays of one buffer), or
 * null for an empty or ragged view.
 *
 * @example
 * ```ts
 * import { flattenView } from "./src/kernels/native.ts";
 * console.log(flattenView(2.5)); // { kind: "scalar", value: 2.5 }
 * ```
 */
export function flattenView(v: KernelView): FlatValue | null {
  if (typeof v === "number" || typeof v === "boolean") return { kind: "scalar", value: Number(v) };
  if (v instanceof Float32Array) return { kind: "array1", data: v, shape: [v.length] };
  if (!Array.isArray(v) || v.length === 0) return null;
  const first = v[0];
  if (first instanceof Float32Array) {
    const h = v.length, w = first.length;
    return { kind: "array2", data: new Float32Array(first.buffer, first.byteOffset, h * w), shape: [h, w] };
  }
  if (Array.isArray(first) && first.length > 0 && first[0] instanceof Float32Array) {
    const d = v.length, h = first.length, w = first[0].length;
    const data = new Float32Array(first[0].buffer, first[0].byteOffset, d * h * w);
    return { kind: "array3", data, shape: [d, h, w] };
  }
  return null;
}

/** What a translation depends on: the kinds of the arguments and constants and the output rank, as a key. */
export interface TranslationKey {
  /** The constants a translation can read (numbers and 1-D arrays), flattened. */
  flatConsts: Record<string, FlatValue>;
  /** Their kinds. */
  constantKinds: Record<string, "scalar" | "array1">;
  /** The arguments' kinds. */
  argKinds: ArgKind[];
  /** The output's rank. */
  rank: 1 | 2 | 3;
  /** The cache key of the translation. */
  key: string;
}

/**
 * The translation key of a call whose arguments are already flattened (every entry non-null).
 *
 * @example
 * ```ts
 * import { normalizeOutput, translationKey } from "./src/kernels/mod.ts";
 * console.log(translationKey([{ kind: "scalar", value: 1 }], { k: 2 }, normalizeOutput([4], "k")).key);
 * // "scalar|k,scalar|1"
 * ```
 */
export function translationKey(
  flatArgs: readonly ({ kind: ArgKind } | null)[],
  constants: Readonly<Record<string, KernelConstant>>,
  out: KernelOutput,
): TranslationKey {
  const flatConsts: Record<string, FlatValue> = {};
  const constantKinds: Record<string, "scalar" | "array1"> = {};
  for (const [k, v] of Object.entries(constants)) {
    const f = flattenView(v);
    if (f && (f.kind === "scalar" || f.kind === "array1")) {
      flatConsts[k] = f;
      constantKinds[k] = f.kind;
    }
  }
  const argKinds = flatArgs.map((a) => a!.kind);
  const rank = out.dims.length as 1 | 2 | 3;
  const key = `${argKinds.join(",")}|${Object.entries(constantKinds).sort().join(",")}|${rank}`;
  return { flatConsts, constantKinds, argKinds, rank, key };
}

/** A kernel's native state: the parsed body, per-kinds translations, and what the last call did. */
export interface NativeState {
  /** The kernel's name, for messages. */
  readonly name: string;
  /** The `mode` setting. */
  setting: KernelModeSetting;
  /** The parsed body, or the parse error's message. */
  readonly parsed: ParsedKernel | string;
  /** Per argument/constant kinds: the compiled function with its slots, or why there is none. */
  readonly compiled: Map<string, { fn: NativeKernelFn; translation: KernelTranslation } | { error: string }>;
  /** The path of the last call (before any call: the path a call is expected to take). */
  mode: KernelMode;
  /** Why the last call (or, before any call, the parse) could not be native; null when it was. */
  translationError: string | null;
}

/**
 * Parses `body` for a kernel's native path.
 *
 * @throws {KernelTranslationError} For `setting` "native" when the body is outside the subset.
 *
 * @example
 * ```ts
 * import { createNativeState } from "./src/kernels/mod.ts";
 * const st = createNativeState(function k() { return 1; }, "k", "auto");
 * console.log(typeof st.parsed === "string" ? st.parsed : st.parsed.name); // k
 * ```
 */
export function createNativeState(body: KernelBody, name: string, setting: KernelModeSetting): NativeState {
  let parsed: ParsedKernel | string;
  try {
    parsed = parseKernel(body);
  } catch (e) {
    if (!(e instanceof KernelTranslationError) || setting === "native") throw e;
    parsed = e.message;
  }
  const translationError = typeof parsed === "string" ? parsed : null;
  const obstacle = setting === "javascript" ? null : translationError ?? nativeUnavailableReason();
  return {
    name,
    setting,
    parsed,
    compiled: new Map(),
    mode: decideMode(setting, obstacle, name),
    translationError,
  };
}

/**
 * Runs one call natively when it can: returns the float32 results (row-major), or null when the call must
 * run as JavaScript (see the module doc), after recording the path and the reason in `st`.
 *
 * @throws {Error} For the setting "native" when the call cannot run natively.
 *
 * @example
 * ```ts
 * import { createNativeState, normalizeOutput, runNative } from "./src/kernels/mod.ts";
 * const st = createNativeState(function k(this: { thread: { x: number } }) { return this.thread.x; }, "k", "auto");
 * const out = runNative(st, normalizeOutput([3], "k"), [], {}); // Float32Array [0, 1, 2], or null
 * ```
 */
export function runNative(
  st: NativeState,
  out: KernelOutput,
  args: readonly KernelView[],
  constants: Readonly<Record<string, KernelConstant>>,
): Float32Array | null {
  const fallback = (reason: string | null, isTranslation: boolean): null => {
    st.mode = decideMode(st.setting, reason, st.name);
    if (isTranslation) st.translationError = reason;
    return null;
  };
  if (st.setting === "javascript") return fallback(null, false);
  const unavailable = nativeUnavailableReason();
  if (unavailable) return fallback(unavailable, false);
  if (typeof st.parsed === "string") return fallback(st.parsed, true);

  const flatArgs = args.map(flattenView);
  const bad = flatArgs.findIndex((a) => a === null);
  if (bad >= 0) return fallback(`argument ${bad} has a shape the C code cannot take (empty or ragged)`, true);
  const { flatConsts, constantKinds, argKinds, rank, key } = translationKey(flatArgs, constants, out);
  let entry = st.compiled.get(key);
  if (!entry) {
    try {
      const translation = translateKernel(st.parsed, { argKinds, constantKinds, outputRank: rank });
      const fn = loadTranslation(translation);
      entry = typeof fn === "function"
        ? { fn, translation }
        : { error: `compiling the kernel: ${fn.reason}` };
    } catch (e) {
      if (!(e instanceof KernelTranslationError)) throw e;
      entry = { error: e.message };
    }
    st.compiled.set(key, entry);
  }
  if ("error" in entry) return fallback(entry.error, true);

  const valueOf = (s: KernelSlot): FlatValue => "arg" in s ? flatArgs[s.arg]! : flatConsts[s.constant];
  const { translation, fn } = entry;
  const pointers = new BigUint64Array(Math.max(1, translation.arrays.length));
  const dims = new Int32Array(Math.max(3, 3 * translation.arrays.length));
  const keep: Float32Array[] = [];
  translation.arrays.forEach((s, k) => {
    const v = valueOf(s);
    if (v.kind === "scalar") throw new Error(`kernel "${st.name}": internal: array slot ${k} is a number`);
    const data = v.data.length ? v.data : new Float32Array(1);
    keep.push(data);
    pointers[k] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(data)));
    v.shape.forEach((d, j) => dims[3 * k + j] = d);
  });
  const scalars = new Float64Array(Math.max(1, translation.scalars.length));
  translation.scalars.forEach((s, k) => {
    const v = valueOf(s);
    if (v.kind !== "scalar") throw new Error(`kernel "${st.name}": internal: scalar slot ${k} is an array`);
    scalars[k] = v.value;
  });
  const res = new Float32Array(out.size);
  const status = fn(res, out.x, out.y, out.z, pointers, dims, scalars);
  keep.length = 0;
  st.mode = "native";
  st.translationError = null;
  return status === 0 ? res : null;
}
