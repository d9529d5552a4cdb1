/**
 * The tensor layer's public surface: the Tensor class with its methods, every op, lifetime and gradient
 * control, random tensors, the backend selection, and the registries extensions use (gradients, backends).
 *
 * @example
 * ```ts
 * import { matmul, randn, tidy } from "./src/tensor/mod.ts";
 * const y = tidy(() => matmul(randn([2, 3]), randn([3, 4]))); // [2, 4]
 * ```
 * @module
 */
import { attachTensorMethods } from "./methods.ts";

// `a.matmul(b)`, `x.sum(1)`, ...: the op functions as Tensor methods, for every user of this module.
attachTensorMethods();

export { type GradNode, Tensor } from "./tensor.ts";
export { type Disposable, keep, noGrad, numLiveTensors, tidy } from "./engine.ts";
export { backward, type GradientFn, registeredGradients, registerGradient } from "./autograd.ts";
export { emptyOn, full, ones, scalar, tensor, type TensorOptions, zeros } from "./ops/create.ts";
export {
  abs,
  add,
  addScalar,
  affine,
  clamp,
  div,
  equal,
  exp,
  expandTo,
  gelu,
  greater,
  gtScalar,
  leakyRelu,
  less,
  log,
  ltScalar,
  maskedFill,
  maximum,
  minimum,
  mul,
  mulScalar,
  neg,
  pow,
  powScalar,
  quickGelu,
  reciprocal,
  relu,
  rsqrt,
  sigmoid,
  sign,
  softplus,
  sqrt,
  square,
  sub,
  tanh,
  type TensorLike,
  where,
} from "./ops/elementwise.ts";
export { argmax, argmin, broadcastBack, max, min, reducedShape, sum, sumTo } from "./ops/reduce.ts";
export {
  concat,
  flatten,
  pad,
  permute,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from "./ops/shape_ops.ts";
export { linear, type LinearActivation, matmul, type MatmulOptions } from "./ops/matmul.ts";
export {
  cosineSimilarity,
  crossEntropy,
  dropout,
  dropoutMask,
  indexSelect,
  l2Normalize,
  layerNorm,
  logSoftmax,
  logsumexp,
  mean,
  normalizeLastAxis,
  oneHot,
  softmax,
  variance,
} from "./ops/nn_ops.ts";
export { attention, type AttentionOptions, attentionWithWeights } from "./ops/attention.ts";
export {
  conv1d,
  type Conv1dOptions,
  conv2d,
  type Conv2dOptions,
  type Pair,
  unfold,
  type UnfoldOptions,
} from "./ops/conv.ts";
export { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "./ops/pool.ts";
export { batchNorm } from "./ops/batchnorm.ts";
export { argsort, gatherAlong, topk } from "./ops/sort.ts";
export { globalGenerator, rand, randn, setSeed, truncNormal, uniformOn } from "./random.ts";
export { broadcastShapes, shapeStr, sizeOf, stridesOf } from "./shape.ts";
export {
  backend,
  type BackendName,
  type Factory,
  getBackend,
  registerBackend,
  setBackend,
} from "../backend/registry.ts";
export {
  createGpuJsBackend,
  GpuJsBackend,
  type GpuJsMode,
  type GpuJsOptions,
  useGpuJsBackend,
} from "../backend/gpujs/gpujs_backend.ts";
export type {
  AdamWArgs,
  AttentionArgs,
  Backend,
  BinaryOp,
  Conv2dGeometry,
  MatmulArgs,
  ReduceOp,
  ScalarOp,
  Storage,
  UnaryGradOp,
  UnaryOp,
} from "../backend/backend.ts";
