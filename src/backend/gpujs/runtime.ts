/**
 * The one place that touches gpu.js: loading the npm package (a dynamic import, so nothing here loads it
 * when the module is imported), choosing its mode, and a cache of compiled kernels keyed by op name and
 * mode. Every kernel has a 1-D output of a size set per call (`dynamicOutput`) and takes typed arrays, plain
 * number arrays and numbers whose sizes change between calls (`dynamicArguments`).
 *
 * @example
 * ```ts ignore
 * import { type KernelThis, openGpuJs } from "./src/backend/gpujs/runtime.ts";
 * const runner = await openGpuJs("cpu");
 * const twice = function (this: KernelThis, x: Float32Array): number {
 *   return 2 * x[this.thread.x];
 * };
 * console.log(runner.run("twice", twice, 3, [new Float32Array([1, 2, 3])])); // Float32Array [2, 4, 6]
 * ```
 * @module
 */

/**
 * The npm specifier loaded at run time (kept in a variable: the import must not be resolved statically).
 *
 * @example
 * ```ts ignore
 * import { GPUJS_SPECIFIER } from "./src/backend/gpujs/runtime.ts";
 * const { GPU } = await import(GPUJS_SPECIFIER);
 * ```
 */
export const GPUJS_SPECIFIER = "npm:gpu.js@2.24.1";

/**
 * gpu.js modes the backend accepts: "cpu" (kernels translated to JavaScript, double arithmetic), "gpu"
 * (gpu.js's own choice: headless GL, WebGL2, WebGL, else WebAssembly), or one named backend. "webgpu" is not
 * among them: its kernels return Promises, and the backend primitives are synchronous.
 *
 * @example
 * ```ts
 * import type { GpuJsMode } from "./src/backend/gpujs/runtime.ts";
 * const mode: GpuJsMode = "gpu"; // WebAssembly in Deno, WebGL2 in a browser
 * ```
 */
export type GpuJsMode = "cpu" | "gpu" | "webgl" | "webgl2" | "headlessgl" | "webasm";

/**
 * The modes {@link GpuJsMode} lists, for checking a value that comes from JavaScript or a config file.
 *
 * @example
 * ```ts
 * import { GPUJS_MODES } from "./src/backend/gpujs/runtime.ts";
 * console.log(GPUJS_MODES.includes("webasm"), (GPUJS_MODES as string[]).includes("webgpu")); // true false
 * ```
 */
export const GPUJS_MODES: readonly GpuJsMode[] = ["cpu", "gpu", "webgl", "webgl2", "headlessgl", "webasm"];

/**
 * What `this` is inside a kernel body: the thread being computed (x only: every output here is 1-D).
 *
 * @example
 * ```ts
 * import type { KernelThis } from "./src/backend/gpujs/runtime.ts";
 * const iota = function (this: KernelThis): number {
 *   return this.thread.x;
 * };
 * ```
 */
export interface KernelThis {
  /** The output element this call computes (`x`; `y` and `z` are 0 for 1-D outputs). */
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
}

/**
 * A gpu.js kernel body: a plain `function` of numbers and arrays returning the element at `this.thread.x`.
 *
 * @example
 * ```ts
 * import type { KernelBody, KernelThis } from "./src/backend/gpujs/runtime.ts";
 * const axpy: KernelBody = function (this: KernelThis, a: number, x: Float32Array, y: Float32Array) {
 *   return a * x[this.thread.x] + y[this.thread.x];
 * };
 * ```
 */
export type KernelBody = (this: KernelThis, ...args: never[]) => number;

/**
 * A helper a kernel body calls by name (passed to gpu.js's `functions` setting).
 *
 * @example
 * ```ts
 * import type { KernelHelper } from "./src/backend/gpujs/runtime.ts";
 * const cube: KernelHelper = function cube(x: number): number {
 *   return x * x * x;
 * };
 * ```
 */
export type KernelHelper = (...args: never[]) => number;

/**
 * An argument of a kernel call.
 *
 * @example
 * ```ts
 * import type { KernelArg } from "./src/backend/gpujs/runtime.ts";
 * const args: KernelArg[] = [new Float32Array(4), [1, 2, 3], 0.5];
 * ```
 */
export type KernelArg = Float32Array | readonly number[] | number;

/** The part of a gpu.js kernel (its "run shortcut") used here. */
interface GpuJsKernel {
  (...args: KernelArg[]): unknown;
  setOutput(output: number[]): unknown;
  /** The kernel object that ran last (a GL kernel may have been replaced by a CPU one on a failed build). */
  readonly kernel?: { readonly constructor: { readonly mode?: string } };
}

/** The part of gpu.js's GPU object used here. */
interface GpuJsInstance {
  createKernel(body: KernelBody, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): unknown;
  /** The kernel class gpu.js chose for the mode. */
  readonly Kernel: { readonly mode?: string; readonly name?: string } | null;
}

/** The part of the gpu.js module used here. */
interface GpuJsModule {
  GPU: new (settings: { mode: string }) => GpuJsInstance;
}

/**
 * Bound of the loops whose trip count is an argument (gpu.js wraps them in `for (i < LOOP_MAX)` and stops
 * there silently, so every such count is checked against it first). In JavaScript (cpu mode) the bound
 * costs nothing; elsewhere arithmetic and indices are float32, exact only up to 2^24.
 *
 * @example
 * ```ts
 * import { loopBound } from "./src/backend/gpujs/runtime.ts";
 * console.log(loopBound("cpu"), loopBound("webasm")); // 2147483647 16777216
 * ```
 */
export function loopBound(mode: string): number {
  return mode === "cpu" ? 2 ** 31 - 1 : 2 ** 24;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/**
 * Imports gpu.js; throws one line, "gpu.js unavailable: <reason>", when it cannot.
 *
 * @example
 * ```ts ignore
 * import { importGpuJs } from "./src/backend/gpujs/runtime.ts";
 * const { GPU } = await importGpuJs();
 * const gpu = new GPU({ mode: "cpu" });
 * ```
 */
export async function importGpuJs(): Promise<GpuJsModule> {
  let mod: { GPU?: unknown; default?: { GPU?: unknown } };
  try {
    const spec = GPUJS_SPECIFIER; // a variable, so `deno check` and bundlers leave the import alone
    mod = await import(spec);
  } catch (e) {
    throw new Error(`gpu.js unavailable: ${message(e)}`);
  }
  const GPU = mod.GPU ?? mod.default?.GPU;
  if (typeof GPU !== "function") throw new Error("gpu.js unavailable: the package exports no GPU class");
  return { GPU: GPU as GpuJsModule["GPU"] };
}

/**
 * Compiled kernels of one gpu.js instance, one per op name, built on first use and reused for every size.
 * Records which gpu.js mode each kernel actually ran in (a GL kernel that fails to build is replaced by a
 * CPU one, with only a console warning from gpu.js).
 *
 * @example
 * ```ts ignore
 * import { type KernelThis, openGpuJs } from "./src/backend/gpujs/runtime.ts";
 * const runner = await openGpuJs("cpu");
 * const sq = function (this: KernelThis, x: Float32Array): number {
 *   return x[this.thread.x] * x[this.thread.x];
 * };
 * runner.run("sq", sq, 2, [new Float32Array([3, 4])]); // Float32Array [9, 16]
 * runner.run("sq", sq, 3, [new Float32Array([1, 2, 3])]); // the same compiled kernel, another size
 * console.log(runner.modes()); // { sq: "cpu" }
 * ```
 */
export class KernelRunner {
  private readonly kernels = new Map<string, GpuJsKernel>();
  private readonly ranIn = new Map<string, string>();
  /** The trip-count bound compiled into every kernel (see {@link loopBound}). */
  readonly loopMax: number;

  /** Wraps a gpu.js instance whose kernel class runs in `mode` ("cpu", "webasm", "webgl2", ...). */
  constructor(private readonly gpu: GpuJsInstance, readonly mode: string) {
    this.loopMax = loopBound(mode);
  }

  /**
   * Runs kernel `name` (compiled from `body` on first use, with `helpers` as its callable functions) over
   * `size` threads; returns its float32 output. `size` must be positive.
   */
  run(
    name: string,
    body: KernelBody,
    size: number,
    args: readonly KernelArg[],
    helpers: readonly KernelHelper[] = [],
  ): Float32Array {
    let k = this.kernels.get(name);
    if (!k) {
      k = this.gpu.createKernel(body, {
        dynamicOutput: true,
        dynamicArguments: true,
        precision: "single",
        tactic: "precision",
        returnType: "Float",
        loopMaxIterations: this.loopMax,
        functions: [...helpers],
      });
      this.kernels.set(name, k);
    }
    k.setOutput([size]);
    const out = k(...args);
    if (!(out instanceof Float32Array) || out.length !== size) {
      const got = out instanceof Float32Array
        ? `Float32Array(${out.length})`
        : Object.prototype.toString.call(out);
      throw new Error(`gpujs kernel "${name}" returned ${got}, expected Float32Array(${size})`);
    }
    if (!this.ranIn.has(name)) this.ranIn.set(name, k.kernel?.constructor.mode ?? this.mode);
    return out;
  }

  /** For each kernel run so far, the gpu.js mode its first call ran in. */
  modes(): Record<string, string> {
    return Object.fromEntries(this.ranIn);
  }

  /** Releases gpu.js's contexts and kernels. */
  destroy(): void {
    this.kernels.clear();
    this.gpu.destroy();
  }
}

/**
 * A gpu.js instance in `mode` and the mode its kernels run in; throws "gpu.js unavailable: ..." otherwise.
 *
 * @example
 * ```ts ignore
 * import { openGpuJs } from "./src/backend/gpujs/runtime.ts";
 * const runner = await openGpuJs("gpu");
 * console.log(runner.mode); // "webasm" in Deno without GL
 * ```
 */
export async function openGpuJs(mode: GpuJsMode): Promise<KernelRunner> {
  if (!GPUJS_MODES.includes(mode)) {
    throw new Error(
      `gpu.js unavailable: mode "${mode}" is not one of ${GPUJS_MODES.join(", ")}` +
        ((mode as string) === "webgpu"
          ? " (webgpu kernels return Promises; the primitives are synchronous)"
          : ""),
    );
  }
  const lib = await importGpuJs();
  let gpu: GpuJsInstance;
  try {
    gpu = new lib.GPU({ mode });
  } catch (e) {
    throw new Error(`gpu.js unavailable: mode "${mode}": ${message(e)}`);
  }
  return new KernelRunner(gpu, gpu.Kernel?.mode ?? mode);
}
