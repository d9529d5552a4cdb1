/**
 * The public surface: the root module exports what ../shared/API.md promises (names users' code is written
 * against), Tensor carries its op methods, and every subpath export of deno.json resolves to a module that
 * exports its layer's main names.
 */
import assert from "node:assert/strict";
import * as root from "../mod.ts";

const denoJson = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));

Deno.test("mod.ts exports the contract's names", () => {
  const promised = [
    "tensor",
    "Tensor",
    "tidy",
    "noGrad",
    "setBackend",
    "getBackend",
    "matmul",
    "add",
    "mul",
    "sum",
    "mean",
    "softmax",
    "reshape",
    "transpose",
    "ntXent",
    "commLoss",
    "infMaskingLoss",
    "infMaskingObjective",
    "coralLoss",
    "resolveConfig",
    "trainAndEvaluate",
    "loadDataset",
    "METHODS",
    "getMethod",
    "Philox",
  ];
  const exported = root as unknown as Record<string, unknown>;
  for (const name of promised) assert.ok(name in exported, `mod.ts does not export ${name}`);
  // internals stay out of the root (they are in the ./tensor subpath for extensions)
  for (const name of ["emptyOn", "registerGradient", "registerBackend", "sumTo"]) {
    assert.ok(!(name in exported), `mod.ts should not export the internal ${name}`);
  }
});

Deno.test("Tensor methods work through the root module", () => {
  const a = root.tensor([1, 2, 3, 4], [2, 2]);
  const b = root.tensor([1, 0, 0, 1], [2, 2]);
  assert.deepEqual([...a.matmul(b).dataSync()], [1, 2, 3, 4]);
  assert.equal(a.sum().item(), 10);
  root.tidy(() => a.add(b).mul(2));
  a.dispose();
  b.dispose();
});

Deno.test("every subpath export resolves and exports its layer's main names", async () => {
  const expect: Record<string, string[]> = {
    "./tensor": ["Tensor", "registerGradient", "emptyOn"],
    "./nn": ["Module", "Linear", "FusionBlock", "saveModule"],
    "./optim": ["AdamW", "saveOptimizer"],
    "./objectives": ["commLoss", "coralLoss"],
    "./models": ["architecture", "FusionBackbone", "checkFields"],
    "./methods": ["METHODS", "infmaskingMethod", "InfMasking"],
    "./data": ["DATASETS", "makeSyntheticDataset", "epochBatches"],
    "./eval": ["linearProbe", "balancedAccuracy"],
    "./train": ["resolveConfig", "trainAndEvaluate", "saveCheckpoint"],
    "./io": ["saveSafetensors", "TensorBoardWriter"],
    "./random": ["Philox", "STREAMS", "epochStream"],
    "./kernels": ["createKernel"],
  };
  assert.deepEqual(Object.keys(denoJson.exports).sort(), [".", ...Object.keys(expect)].sort());
  for (const [sub, names] of Object.entries(expect)) {
    const mod = await import(new URL(`../${denoJson.exports[sub]}`, import.meta.url).href);
    for (const n of names) assert.ok(n in mod, `${sub} does not export ${n}`);
  }
  assert.ok(Deno.statSync(new URL("../LICENSE", import.meta.url)).isFile, "LICENSE (JSR publish needs one)");
});
