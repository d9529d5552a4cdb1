/**
 * Every op with a registered gradient must be checked by a finite-difference test. This list names, per op,
 * the test file that runs gradCheck on it; an op added without a gradient test makes this test fail.
 */
import assert from "node:assert/strict";
import { registeredGradients } from "../src/tensor/mod.ts";
import "../mod.ts"; // the whole library, so gradients registered outside src/tensor are listed too

const ELEMENTWISE = "tensor_ops_elementwise_test.ts";
const SHAPE = "tensor_ops_shape_test.ts";
const CONV = "tensor_ops_conv_test.ts";
const NORM = "tensor_ops_norm_test.ts";
const SORT = "tensor_ops_sort_test.ts";
const CORE = "tensor_core_test.ts";

/** Op name -> test files whose gradCheck calls exercise it. */
const GRADIENT_TESTS: Record<string, string[]> = {
  // custom kernels (gpu.js-style createKernel with declared gradients)
  "kernels.custom": ["kernels_custom_test.ts"],
  // unary
  neg: [ELEMENTWISE],
  exp: [ELEMENTWISE, CORE],
  log: [ELEMENTWISE],
  sqrt: [ELEMENTWISE, SHAPE],
  rsqrt: [ELEMENTWISE, NORM],
  abs: [ELEMENTWISE],
  relu: [ELEMENTWISE],
  sigmoid: [ELEMENTWISE],
  tanh: [ELEMENTWISE],
  gelu: [ELEMENTWISE],
  geluTanh: [ELEMENTWISE],
  quickGelu: [ELEMENTWISE],
  softplus: [ELEMENTWISE],
  square: [ELEMENTWISE],
  recip: [ELEMENTWISE],
  // scalar-parameter
  addS: [ELEMENTWISE],
  mulS: [ELEMENTWISE, SHAPE],
  affine: [ELEMENTWISE],
  rsubS: [ELEMENTWISE],
  powS: [ELEMENTWISE],
  clamp: [ELEMENTWISE, SHAPE],
  leakyRelu: [ELEMENTWISE],
  // broadcast binaries, selection
  add: [ELEMENTWISE, CORE],
  sub: [ELEMENTWISE],
  mul: [ELEMENTWISE, CORE],
  div: [ELEMENTWISE, CORE],
  pow: [ELEMENTWISE],
  maximum: [ELEMENTWISE],
  minimum: [ELEMENTWISE],
  where: [ELEMENTWISE],
  expand: [ELEMENTWISE],
  // reductions
  sum: [SHAPE, CORE],
  max: [SHAPE, CORE],
  min: [SHAPE],
  // shape
  reshape: [SHAPE, CONV],
  permute: [SHAPE, NORM],
  slice: [SHAPE, CORE],
  pad: [SHAPE],
  concat: [SHAPE, CORE],
  gather: [SHAPE, SORT],
  // nn
  matmul: [CORE, CONV],
  linear: [CORE],
  softmax: [SHAPE, CORE],
  logSoftmax: [SHAPE],
  normalizeRows: [NORM],
  conv2d: [CONV],
  unfold: [CONV],
  maxPool2d: [CONV],
  attention: ["tensor_ops_attention_test.ts"],
  dropout: [SHAPE],
  linearAct: ["tensor_ops_linear_test.ts"],
};

Deno.test("every op with a registered gradient has a gradient test", () => {
  const missing = registeredGradients().filter((op) => !(op in GRADIENT_TESTS));
  assert.deepEqual(
    missing,
    [],
    `ops without a gradient test: ${missing.join(", ")} (add a gradCheck and list it here)`,
  );
});

Deno.test("the coverage list names only registered ops and existing test files", () => {
  const registered = new Set(registeredGradients());
  const stale = Object.keys(GRADIENT_TESTS).filter((op) => !registered.has(op));
  assert.deepEqual(stale, [], `listed ops with no registered gradient: ${stale.join(", ")}`);
  const dir = new URL(".", import.meta.url);
  for (const file of new Set(Object.values(GRADIENT_TESTS).flat())) {
    const text = Deno.readTextFileSync(new URL(file, dir));
    assert.ok(text.includes("gradCheck("), `${file} runs no gradCheck`);
  }
});
