/**
 * `createKernel`: gpu.js-style custom ops on the library's tensors, inside autograd. A kernel body is a
 * plain `function` computing one output element from `this.thread.x/.y/.z`, `this.output`, `this.constants`
 * and its arguments (Tensors, numbers, (nested) number arrays, indexed `a[y][x]` as in gpu.js). The kernel
 * object has gpu.js's chaining setters (`setOutput`, `setConstants`, `setLoopMaxIterations`, `setPrecision`)
 * plus `setGradients`; calling it returns a float32 Tensor of shape [d?, h?, w] for an output [w, h?, d?].
 *
 * On CUDA tensors a call runs the body translated to CUDA C on the device, over the tensors' storages
 * (./cuda.ts; the result stays there). Elsewhere, where a C compiler is available, it runs the body
 * translated to C (./translate.ts, ./native.ts); otherwise, or when the body is outside the translatable
 * subset, as JavaScript: once per output element on the host. On those host paths Tensor arguments are read
 * to host arrays once per call and the result is uploaded to the arguments' backend. `kernel.mode` and `kernel.translationError` tell which path the last
 * call took and why; the setting `mode` ("auto", "native", "javascript") chooses. Gradient bodies always
 * run as JavaScript.
 *
 * Gradients: `gradients[i]` (by argument position) is itself a kernel body, called as `(gy, ...args)` over
 * argument i's shape (its `this.thread` indexes argument i; `gy` is the upstream gradient with the output's
 * shape); it returns d loss / d arg_i at that element. A call whose Tensor arguments require grad records a
 * "kernels.custom" node; backward through it without a gradient for such an argument throws, naming the
 * kernel and the argument. Gradient bodies run in backward on the arguments' current values, with the same
 * constants; they are not themselves differentiated (no second order).
 *
 * @module
 */
import { backend } from "../backend/registry.ts";
import { record } from "../tensor/autograd.ts";
import { type GradNode, registerGradient, Tensor } from "../tensor/mod.ts";
import { argumentView, checkTensorArgument, type KernelArg, type KernelView, viewOf } from "./args.ts";
import { type KernelOutput, normalizeOutput, outputOfShape, type OutputSpec } from "./output.ts";
import { type KernelBody, type KernelConstant, runBody } from "./run.ts";
import { canRunTranslated, type CudaTranslations, runOnDevice } from "./cuda.ts";
import {
  createNativeState,
  type KernelMode,
  type KernelModeSetting,
  type NativeState,
  runNative,
} from "./native.ts";

/** The precisions accepted: "single" (float32 throughout) and "unsigned" (accepted, the same as "single"). */
export type KernelPrecision = "single" | "unsigned";

/** A gradient body per argument position; null or undefined where an argument needs none. */
export type KernelGradients = readonly (KernelBody | null | undefined)[];

/** A constant as given: a number, a boolean, or a (nested) number array. */
export type KernelConstantInput = number | boolean | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** Settings accepted by {@link createKernel}, a subset of gpu.js's. */
export interface KernelSettings {
  /** The output, gpu.js order: [w], [w, h] or [w, h, d] (or { x, y?, z? }). */
  output?: OutputSpec;
  /** Values the body reads as `this.constants.name`. */
  constants?: Readonly<Record<string, KernelConstantInput>>;
  /** Stored for gpu.js compatibility; a JavaScript loop runs to its own bound, so it is not enforced here. */
  loopMaxIterations?: number;
  /** "single" or "unsigned"; both give float32 results here. */
  precision?: KernelPrecision;
  /** One gradient body per argument position (see the module doc). */
  gradients?: KernelGradients;
  /**
   * "auto" (default): run the body as C where it translates and a compiler is found, else as JavaScript;
   * "native": the same but throw where it cannot run as C; "javascript": always JavaScript.
   */
  mode?: KernelModeSetting;
}

/** A callable kernel with gpu.js's chaining setters; each setter changes this kernel and returns it. */
export interface Kernel {
  /** Runs the kernel; returns a Tensor of shape [d?, h?, w]. */
  (...args: KernelArg[]): Tensor;
  /** The name used in errors: the body's function name or "anonymous kernel". */
  readonly kernelName: string;
  /** The output in gpu.js order, or null before setOutput. */
  readonly output: readonly number[] | null;
  /** The loop bound stored by setLoopMaxIterations (default 1000, as gpu.js; not enforced). */
  readonly loopMaxIterations: number;
  /** The precision stored by setPrecision. */
  readonly precision: KernelPrecision;
  /** The path of the last call, "native" or "javascript" (before any call: the path one is expected to take). */
  readonly mode: KernelMode;
  /** Why the last call could not run as C (a translation or compile failure), or null. */
  readonly translationError: string | null;
  /** Sets the output: [w], [w, h] or [w, h, d] (or { x, y?, z? }). */
  setOutput(output: OutputSpec): Kernel;
  /** Sets `this.constants` (replacing earlier ones). */
  setConstants(constants: Readonly<Record<string, KernelConstantInput>>): Kernel;
  /** Stores gpu.js's loop bound (not enforced by the JavaScript fallback). */
  setLoopMaxIterations(n: number): Kernel;
  /** Accepts "single", or "unsigned" as a no-op (results are float32 either way). */
  setPrecision(precision: KernelPrecision): Kernel;
  /** Sets one gradient body per argument position. */
  setGradients(gradients: KernelGradients): Kernel;
}

interface KernelState {
  name: string;
  body: KernelBody;
  out: KernelOutput | null;
  constants: Readonly<Record<string, KernelConstant>>;
  loopMaxIterations: number;
  precision: KernelPrecision;
  gradients: KernelGradients;
  native: NativeState;
  /** The CUDA translations made for calls on CUDA tensors (./cuda.ts). */
  cuda: CudaTranslations;
}

/** What a "kernels.custom" node keeps: the kernel's state at call time and the non-Tensor arguments. */
interface CustomAttrs {
  state: KernelState;
  out: KernelOutput;
  /** Per argument position: the index into node.inputs for a Tensor, or the view for anything else. */
  args: ({ tensor: number } | { view: KernelView })[];
}

const OP = "kernels.custom";

function isArrow(fn: unknown): boolean {
  const src = Function.prototype.toString.call(fn);
  return /^(async\s*)?(\([^)]*\)|[\w$]+)\s*=>/.test(src);
}

function checkBody(body: unknown, what: string): KernelBody {
  if (typeof body !== "function") throw new Error(`${what} must be a function, got ${typeof body}`);
  if (isArrow(body)) {
    throw new Error(
      `${what} is an arrow function, which cannot receive this.thread; write function (...) { }`,
    );
  }
  return body as KernelBody;
}

function convertConstants(
  name: string,
  constants: Readonly<Record<string, KernelConstantInput>>,
): Record<string, KernelConstant> {
  if (constants === null || typeof constants !== "object") {
    throw new Error(`kernel "${name}": setConstants expects an object of numbers or number arrays`);
  }
  const out: Record<string, KernelConstant> = {};
  for (const [k, v] of Object.entries(constants)) {
    if (v instanceof Tensor) {
      throw new Error(`kernel "${name}": constant "${k}" is a Tensor; pass tensors as arguments instead`);
    }
    try {
      out[k] = argumentView(v, 0, name, () => new Float32Array());
    } catch {
      throw new Error(
        `kernel "${name}": constant "${k}" has unsupported type ${typeof v}; use a number, a boolean or a ` +
          "(nested) array of numbers",
      );
    }
  }
  return Object.freeze(out);
}

function execute(state: KernelState, args: readonly unknown[]): Tensor {
  const name = state.name;
  if (!state.out) {
    throw new Error(`kernel "${name}": no output set; call .setOutput([w]) (or [w, h], [w, h, d]) first`);
  }
  const out = state.out;
  const tensors: Tensor[] = [];
  const layout: CustomAttrs["args"] = [];
  const hostOf = new Map<Tensor, Float32Array>();
  const read = (t: Tensor): Float32Array => {
    let h = hostOf.get(t);
    if (!h) hostOf.set(t, h = t.dataSync());
    return h;
  };
  args.forEach((a, i) => {
    if (a instanceof Tensor) {
      checkTensorArgument(a, i, name);
      layout.push({ tensor: tensors.length });
      tensors.push(a);
    } else layout.push({ view: argumentView(a, i, name, read) });
  });
  const b = tensors.length ? tensors[0].backend : backend();
  tensors.forEach((t, k) => {
    if (t.backend !== b) {
      throw new Error(
        `kernel "${name}": tensor arguments are on backends ${b.name} and ${t.backend.name} (input ${k})`,
      );
    }
  });
  const attrs: CustomAttrs = { state: { ...state }, out, args: layout };
  const node = (): GradNode | null => record(OP, tensors, [], attrs as unknown as Record<string, unknown>);
  if (canRunTranslated(b)) {
    const items = layout.map((l) => "tensor" in l ? { tensor: tensors[l.tensor] } : l);
    const onDevice = runOnDevice(state.native, state.cuda, b, out, items, state.constants);
    if (onDevice) return new Tensor(onDevice, out.shape, b, node());
  }
  const views = layout.map((l, i) => "tensor" in l ? argumentView(tensors[l.tensor], i, name, read) : l.view);
  const values = runNative(state.native, out, views, state.constants) ??
    runBody(state.body, out, views, state.constants, `kernel "${name}"`);
  return new Tensor(b.fromHost(values), out.shape, b, node());
}

/**
 * Makes a gpu.js-style kernel from a body `function`. The body runs once per output element with
 * `this.thread`, `this.output` and `this.constants`; see the module doc for arguments and gradients.
 *
 * @throws {Error} When `fn` is not a function or is an arrow function, or a setting is invalid. Calling the
 * kernel throws when no output is set, an argument's type is unsupported, or an element comes out NaN or not a
 * number (an argument read out of range), naming the kernel and the element.
 *
 * @example
 * ```ts
 * import { createKernel, type Vector } from "./src/kernels/mod.ts";
 * import { tensor } from "./mod.ts";
 * const axpy = createKernel(function axpy(a: Vector, b: Vector, s: number) {
 *   return a[this.thread.x] * s + b[this.thread.x];
 * }, {
 *   gradients: [
 *     function (gy: Vector, _a: Vector, _b: Vector, s: number) { return gy[this.thread.x] * s; },
 *     function (gy: Vector) { return gy[this.thread.x]; },
 *   ],
 * }).setOutput([3]);
 * const a = tensor([1, 2, 3], [3], { requiresGrad: true });
 * const y = axpy(a, [10, 20, 30], 2); // Tensor [3]: 12, 24, 36
 * y.sum().backward(); // a.grad: 2, 2, 2
 * ```
 */
export function createKernel(fn: KernelBody, settings: KernelSettings = {}): Kernel {
  const body = checkBody(fn, "createKernel: the kernel body");
  const name = body.name || "anonymous kernel";
  const state: KernelState = {
    name,
    body,
    out: null,
    constants: Object.freeze({}),
    loopMaxIterations: 1000,
    precision: "single",
    gradients: [],
    native: createNativeState(body, name, settings.mode ?? "auto"),
    cuda: new Map(),
  };
  const kernel = ((...args: KernelArg[]) => execute(state, args)) as Kernel;
  const setters = {
    setOutput(output: OutputSpec): Kernel {
      state.out = normalizeOutput(output, name);
      return kernel;
    },
    setConstants(constants: Readonly<Record<string, KernelConstantInput>>): Kernel {
      state.constants = convertConstants(name, constants);
      return kernel;
    },
    setLoopMaxIterations(n: number): Kernel {
      if (!Number.isInteger(n) || n <= 0) {
        throw new Error(`kernel "${name}": loopMaxIterations must be a positive integer, got ${n}`);
      }
      state.loopMaxIterations = n;
      return kernel;
    },
    setPrecision(precision: KernelPrecision): Kernel {
      if (precision !== "single" && precision !== "unsigned") {
        throw new Error(`kernel "${name}": precision "${precision}" is not supported; use "single"`);
      }
      state.precision = precision;
      return kernel;
    },
    setGradients(gradients: KernelGradients): Kernel {
      if (!Array.isArray(gradients)) throw new Error(`kernel "${name}": setGradients expects an array`);
      state.gradients = gradients.map((g, i) =>
        g == null ? null : checkBody(g, `kernel "${name}": gradient ${i}`)
      );
      return kernel;
    },
  };
  Object.assign(kernel, setters);
  Object.defineProperties(kernel, {
    kernelName: { get: () => state.name },
    output: { get: () => state.out?.dims ?? null },
    loopMaxIterations: { get: () => state.loopMaxIterations },
    precision: { get: () => state.precision },
    mode: { get: () => state.native.mode },
    translationError: { get: () => state.native.translationError },
  });
  if (settings.output !== undefined) kernel.setOutput(settings.output);
  if (settings.constants !== undefined) kernel.setConstants(settings.constants);
  if (settings.loopMaxIterations !== undefined) kernel.setLoopMaxIterations(settings.loopMaxIterations);
  if (settings.precision !== undefined) kernel.setPrecision(settings.precision);
  if (settings.gradients !== undefined) kernel.setGradients(settings.gradients);
  return kernel;
}

registerGradient(OP, (gy, node) => {
  const { state, out, args } = node.attrs as unknown as CustomAttrs;
  const name = state.name;
  const hosts = node.inputs.map((t) => t.dataSync());
  const views = args.map((a) =>
    "tensor" in a ? viewOf(hosts[a.tensor], node.inputs[a.tensor].shape) : a.view
  );
  const gyView = viewOf(gy.dataSync(), out.shape);
  return args.flatMap((a, pos) => {
    if (!("tensor" in a)) return [];
    const x = node.inputs[a.tensor];
    if (!x.requiresGrad) return [null];
    const g = state.gradients[pos];
    if (!g) {
      throw new Error(
        `backward(): kernel "${name}" has no gradient for argument ${pos} (a Tensor [${
          x.shape.join(", ")
        }] ` +
          "that requires grad); declare it with createKernel(fn, { gradients: [...] }) or .setGradients([...]), " +
          "or pass the argument without requiresGrad",
      );
    }
    if (x.size === 0) return [new Tensor(x.backend.alloc(0), x.shape, x.backend)];
    const gOut = normalizeOutput(outputOfShape(x.shape), name);
    const values = runBody(
      g,
      gOut,
      [gyView, ...views],
      state.constants,
      `gradient ${pos} of kernel "${name}"`,
    );
    return [new Tensor(x.backend.fromHost(values), x.shape, x.backend)];
  });
});
