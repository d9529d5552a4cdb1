/**
 * Custom ops written as gpu.js kernels, run on the library's tensors inside autograd: translated to C and
 * compiled where a C compiler is found (./translate.ts, ./native.ts), else run as JavaScript per output
 * element on the host.
 *
 * @example
 * ```ts
 * import { createKernel, type Matrix } from "./src/kernels/mod.ts";
 * import { randn } from "./mod.ts";
 * const matMult = createKernel(function matMult(a: Matrix, b: Matrix) {
 *   let s = 0;
 *   for (let i = 0; i < this.constants.size; i++) s += a[this.thread.y][i] * b[i][this.thread.x];
 *   return s;
 * }).setOutput([4, 2]).setConstants({ size: 3 });
 * const c = matMult(randn([2, 3]), randn([3, 4])); // Tensor [2, 4]
 * ```
 * @module
 */
export {
  createKernel,
  type Kernel,
  type KernelConstantInput,
  type KernelGradients,
  type KernelPrecision,
  type KernelSettings,
} from "./kernel.ts";
export {
  argumentView,
  type Cube,
  type KernelArg,
  type KernelView,
  type Matrix,
  type NumberArray,
  type Vector,
  viewOf,
} from "./args.ts";
export { type KernelBody, type KernelConstant, type KernelThis, runBody } from "./run.ts";
export {
  type ArgKind,
  type CudaKernelTranslation,
  type KernelSlot,
  type KernelSourceFunction,
  type KernelTranslation,
  KernelTranslationError,
  type KExpr,
  type KStmt,
  type ParsedKernel,
  parseKernel,
  type TranslateInfo,
  translateKernel,
  translateKernelCuda,
} from "./translate.ts";
export {
  createNativeState,
  decideMode,
  flattenView,
  type FlatValue,
  KERNEL_FLAGS,
  type KernelMode,
  type KernelModeSetting,
  loadTranslation,
  type NativeKernelFn,
  type NativeState,
  nativeUnavailableReason,
  runNative,
  type TranslationKey,
  translationKey,
} from "./native.ts";
export { type KernelOutput, normalizeOutput, outputOfShape, type OutputSpec } from "./output.ts";
