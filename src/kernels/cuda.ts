/**
 * The CUDA path of a custom kernel call: when the tensor arguments live on the CUDA backend, the body is
 * translated to CUDA C (`translateKernelCuda`, the same translation as the C path), compiled once by NVRTC
 * and launched on the device over the tensors' own storages, one thread per output element; numbers and
 * host arrays among the arguments and constants are uploaded for the call. The result stays on the device.
 * Where the translation is not possible, or an element sets the status flag (a NaN result or a read out of
 * range, whose exact JavaScript error the caller reproduces), the call goes the host way instead.
 *
 * Written against the CUDA backend's `runTranslatedKernel`; it has not yet run on a GPU (none was at hand):
 * `tests/kernels_cuda_test.ts` checks it against the JavaScript path where one is present.
 *
 * @module
 */
import type { Backend, Storage } from "../backend/backend.ts";
import type { CudaBackend } from "../backend/cuda/cuda_backend.ts";
import type { Tensor } from "../tensor/mod.ts";
import type { KernelView } from "./args.ts";
import type { KernelOutput } from "./output.ts";
import type { KernelConstant } from "./run.ts";
import { flattenView, type FlatValue, type NativeState, translationKey } from "./native.ts";
import {
  type ArgKind,
  type CudaKernelTranslation,
  type KernelSlot,
  KernelTranslationError,
  translateKernelCuda,
} from "./translate.ts";

/**
 * A backend that can launch translated kernels: the CUDA backend (its `runTranslatedKernel`, whose signature
 * is written once there), or a stand-in with the same method.
 */
export interface TranslatedKernelRunner extends Backend, Pick<CudaBackend, "runTranslatedKernel"> {}

/**
 * Whether `b` launches translated kernels on its device.
 *
 * @example
 * ```ts
 * import { canRunTranslated } from "./src/kernels/cuda.ts";
 * import { backend } from "./src/tensor/mod.ts";
 * console.log(canRunTranslated(backend())); // false on the CPU backend
 * ```
 */
export function canRunTranslated(b: Backend): b is TranslatedKernelRunner {
  return typeof (b as Partial<TranslatedKernelRunner>).runTranslatedKernel === "function";
}

/** One argument of a call: a tensor (used in place on the device) or the host view of anything else. */
export type CallArgument = { tensor: Tensor } | { view: KernelView };

/** A kernel's CUDA translations by argument/constant kinds and output rank, or why there is none. */
export type CudaTranslations = Map<string, CudaKernelTranslation | { error: string }>;

/** A value on the device for one array slot: its storage, its shape, and whether the call must free it. */
interface DeviceArray {
  storage: Storage;
  shape: readonly number[];
  owned: boolean;
}

/**
 * Runs one call on the device of `b` when it can: returns the output storage (on `b`), or null when the call
 * must go the host way (the reason is recorded in `st.translationError`, `st.mode` is left to the host path).
 *
 * @example
 * ```ts
 * import { canRunTranslated, runOnDevice } from "./src/kernels/cuda.ts";
 * // only on a CUDA backend: const storage = runOnDevice(state, new Map(), cudaBackend, out, args, {});
 * console.log(typeof runOnDevice, typeof canRunTranslated); // function function
 * ```
 */
export function runOnDevice(
  st: NativeState,
  translations: CudaTranslations,
  b: TranslatedKernelRunner,
  out: KernelOutput,
  args: readonly CallArgument[],
  constants: Readonly<Record<string, KernelConstant>>,
): Storage | null {
  if (st.setting === "javascript" || typeof st.parsed === "string") return null;
  // argument kinds: a tensor of rank 1-3 is an array of that rank; anything else as the C path sees it
  const flat: (FlatValue | { kind: ArgKind; tensor: Tensor } | null)[] = args.map((a) => {
    if ("tensor" in a) {
      const r = a.tensor.rank;
      return r >= 1 && r <= 3 && a.tensor.size > 0
        ? { kind: `array${r}` as ArgKind, tensor: a.tensor }
        : null;
    }
    return flattenView(a.view);
  });
  const bad = flat.findIndex((f) => f === null);
  if (bad >= 0) {
    st.translationError = `argument ${bad} cannot go to the device (empty, ragged or a rank-0 tensor)`;
    return null;
  }
  const { flatConsts, constantKinds, argKinds, rank, key } = translationKey(flat, constants, out);
  let t = translations.get(key);
  if (!t) {
    try {
      t = translateKernelCuda(st.parsed, { argKinds, constantKinds, outputRank: rank });
    } catch (e) {
      if (!(e instanceof KernelTranslationError)) throw e;
      t = { error: e.message };
    }
    translations.set(key, t);
  }
  if ("error" in t) {
    st.translationError = t.error;
    return null;
  }
  const translation = t;
  const valueOf = (s: KernelSlot) => "arg" in s ? flat[s.arg]! : flatConsts[s.constant];
  const arrays: DeviceArray[] = translation.arrays.map((s) => {
    const v = valueOf(s);
    if ("tensor" in v) return { storage: v.tensor.storage, shape: v.tensor.shape, owned: false };
    if (v.kind === "scalar") throw new Error(`kernel "${st.name}": internal: an array slot holds a number`);
    return { storage: b.fromHost(v.data.length ? v.data : new Float32Array(1)), shape: v.shape, owned: true };
  });
  const dims = new Int32Array(Math.max(3, 3 * arrays.length));
  arrays.forEach((a, k) => a.shape.forEach((d, j) => dims[3 * k + j] = d));
  const scalars = new Float64Array(Math.max(1, translation.scalars.length));
  translation.scalars.forEach((s, k) => {
    const v = valueOf(s);
    if ("tensor" in v || v.kind !== "scalar") {
      throw new Error(`kernel "${st.name}": internal: a scalar slot holds an array`);
    }
    scalars[k] = v.value;
  });
  const result = b.alloc(out.size);
  let status = 1;
  try {
    status = b.runTranslatedKernel(
      translation,
      result,
      [out.x, out.y, out.z],
      arrays.map((a) => a.storage),
      dims,
      scalars,
    );
  } catch (e) {
    // NVRTC or the driver refused the program: remember why and take the host path from now on
    if (st.setting === "native") throw e;
    const why = `the CUDA program failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`;
    translations.set(key, { error: why });
    st.translationError = why;
  } finally {
    for (const a of arrays) if (a.owned) b.free(a.storage);
    if (status !== 0) b.free(result);
  }
  if (status !== 0) return null; // rerun on the host (for JavaScript's exact error, or the failure above)
  st.mode = "cuda";
  st.translationError = null;
  return result;
}
