/**
 * PyTorch-style methods on Tensor (`a.matmul(b)`, `x.sum(1)`, …), each forwarding to the op function of
 * the same name. Kept apart from tensor.ts so the core class does not import the op modules (which import
 * it): {@link attachTensorMethods} installs them, and src/tensor/mod.ts calls it.
 */
import { Tensor } from "./tensor.ts";
import { backward } from "./autograd.ts";
import * as E from "./ops/elementwise.ts";
import * as R from "./ops/reduce.ts";
import * as S from "./ops/shape_ops.ts";
import * as N from "./ops/nn_ops.ts";
import { matmul, type MatmulOptions } from "./ops/matmul.ts";

declare module "./tensor.ts" {
  interface Tensor {
    backward(gradOutput?: Tensor): void;
    add(b: E.TensorLike): Tensor;
    sub(b: E.TensorLike): Tensor;
    mul(b: E.TensorLike): Tensor;
    div(b: E.TensorLike): Tensor;
    pow(b: E.TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    clamp(lo?: number, hi?: number): Tensor;
    matmul(b: Tensor, opts?: MatmulOptions): Tensor;
    sum(axis?: number | number[], keepDims?: boolean): Tensor;
    mean(axis?: number | number[], keepDims?: boolean): Tensor;
    max(axis?: number | number[], keepDims?: boolean): Tensor;
    min(axis?: number | number[], keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: number[]): Tensor;
    transpose(axis0?: number, axis1?: number): Tensor;
    permute(perm: number[]): Tensor;
    slice(axis: number, start: number, end?: number): Tensor;
    unsqueeze(axis: number): Tensor;
    squeeze(axis?: number): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
  }
}

let attached = false;

/**
 * Attaches the PyTorch-style methods to Tensor.prototype (idempotent). src/tensor/mod.ts calls it once, so
 * every import of the tensor layer's public module gets them; code inside the layer calls the op functions.
 */
export function attachTensorMethods(): void {
  if (attached) return;
  attached = true;
  const P = Tensor.prototype;
  P.backward = function (this: Tensor, gradOutput?: Tensor): void {
    backward(this, gradOutput);
  };
  P.add = function (this: Tensor, b: E.TensorLike) {
    return E.add(this, b);
  };
  P.sub = function (this: Tensor, b: E.TensorLike) {
    return E.sub(this, b);
  };
  P.mul = function (this: Tensor, b: E.TensorLike) {
    return E.mul(this, b);
  };
  P.div = function (this: Tensor, b: E.TensorLike) {
    return E.div(this, b);
  };
  P.pow = function (this: Tensor, b: E.TensorLike) {
    return E.pow(this, b);
  };
  P.neg = function (this: Tensor) {
    return E.neg(this);
  };
  P.exp = function (this: Tensor) {
    return E.exp(this);
  };
  P.log = function (this: Tensor) {
    return E.log(this);
  };
  P.sqrt = function (this: Tensor) {
    return E.sqrt(this);
  };
  P.abs = function (this: Tensor) {
    return E.abs(this);
  };
  P.relu = function (this: Tensor) {
    return E.relu(this);
  };
  P.sigmoid = function (this: Tensor) {
    return E.sigmoid(this);
  };
  P.tanh = function (this: Tensor) {
    return E.tanh(this);
  };
  P.clamp = function (this: Tensor, lo?: number, hi?: number) {
    return E.clamp(this, lo, hi);
  };
  P.matmul = function (this: Tensor, b: Tensor, opts?: MatmulOptions) {
    return matmul(this, b, opts);
  };
  P.sum = function (this: Tensor, axis?: number | number[], keepDims?: boolean) {
    return R.sum(this, axis, keepDims);
  };
  P.mean = function (this: Tensor, axis?: number | number[], keepDims?: boolean) {
    return N.mean(this, axis, keepDims);
  };
  P.max = function (this: Tensor, axis?: number | number[], keepDims?: boolean) {
    return R.max(this, axis, keepDims);
  };
  P.min = function (this: Tensor, axis?: number | number[], keepDims?: boolean) {
    return R.min(this, axis, keepDims);
  };
  P.softmax = function (this: Tensor, axis?: number) {
    return N.softmax(this, axis);
  };
  P.logSoftmax = function (this: Tensor, axis?: number) {
    return N.logSoftmax(this, axis);
  };
  P.reshape = function (this: Tensor, shape: number[]) {
    return S.reshape(this, shape);
  };
  P.transpose = function (this: Tensor, axis0?: number, axis1?: number) {
    return S.transpose(this, axis0, axis1);
  };
  P.permute = function (this: Tensor, perm: number[]) {
    return S.permute(this, perm);
  };
  P.slice = function (this: Tensor, axis: number, start: number, end?: number) {
    return S.slice(this, axis, start, end);
  };
  P.unsqueeze = function (this: Tensor, axis: number) {
    return S.unsqueeze(this, axis);
  };
  P.squeeze = function (this: Tensor, axis?: number) {
    return S.squeeze(this, axis);
  };
  P.flatten = function (this: Tensor, startAxis?: number, endAxis?: number) {
    return S.flatten(this, startAxis, endAxis);
  };
}
