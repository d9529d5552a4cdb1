/** The tensor layer's public surface: the Tensor class with its methods, every op, lifetime and grad control. */
import "./methods.ts";
// Makes "cuda" selectable; importing never touches the GPU (the backend starts on first use).
import "../backend/cuda/register.ts";
export { Tensor } from "./tensor.ts";
export type { GradNode } from "./tensor.ts";
export { keep, noGrad, numLiveTensors, tidy } from "./engine.ts";
export type { Disposable } from "./engine.ts";
export { backward, registeredGradients, registerGradient } from "./autograd.ts";
export type { GradientFn } from "./autograd.ts";
export * from "./ops/create.ts";
export * from "./ops/elementwise.ts";
export * from "./ops/reduce.ts";
export * from "./ops/shape_ops.ts";
export * from "./ops/matmul.ts";
export * from "./ops/nn_ops.ts";
export * from "./ops/attention.ts";
export * from "./ops/conv.ts";
export * from "./ops/pool.ts";
export * from "./ops/batchnorm.ts";
export * from "./ops/sort.ts";
export * from "./random.ts";
export { broadcastShapes, shapeStr, sizeOf, stridesOf } from "./shape.ts";
export { backend, getBackend, registerBackend, setBackend } from "../backend/registry.ts";
export type { BackendName } from "../backend/registry.ts";
