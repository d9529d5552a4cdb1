/** Kernel bodies from gpu.js's documentation, shared by the JavaScript-path and the translator tests. */
import type { KernelThis, Matrix, Vector } from "../src/kernels/mod.ts";

/** out[y][x] = sum_i a[y][i] b[i][x] over `this.constants.size`. */
export function matMult(this: KernelThis, a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < this.constants.size; i++) s += a[this.thread.y][i] * b[i][this.thread.x];
  return s;
}

/** out[x] = 2 a[x] + b[x]. */
export function doubleAdd(this: KernelThis, a: Vector, b: Vector): number {
  return a[this.thread.x] * 2 + b[this.thread.x];
}

/** out[x] = sum over `this.constants.cols` of row x of a. */
export function rowSum(this: KernelThis, a: Matrix): number {
  let s = 0;
  for (let i = 0; i < this.constants.cols; i++) s += a[this.thread.x][i];
  return s;
}
