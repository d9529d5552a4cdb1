/** AlexNet's features stack: torchvision's shapes (256 x 6 x 6 at 224 px, 1 x 1 at 64 px) and gradients. */
import assert from "node:assert/strict";
import { AlexNetFeatures } from "../src/nn/alexnet_features.ts";
import { setSeed, sum, tidy } from "../src/tensor/mod.ts";
import { randTensor, rng } from "./helpers.ts";

Deno.test("AlexNet features: 256 x 6 x 6 at 224 px, 256 x 1 x 1 at 64 px, torchvision's layer shapes", () => {
  setSeed(3);
  const net = new AlexNetFeatures(3);
  assert.deepEqual(net.convs.map((c) => c.weight.shape), [
    [64, 3, 11, 11],
    [192, 64, 5, 5],
    [384, 192, 3, 3],
    [256, 384, 3, 3],
    [256, 256, 3, 3],
  ]);
  assert.equal(AlexNetFeatures.outputSide(224), 6);
  assert.equal(AlexNetFeatures.outputSide(64), 1);
  assert.equal(AlexNetFeatures.outputSide(32), 0);
  const shape224 = tidy(() => net.forward(randTensor([1, 3, 224, 224], rng(), 1, false)).shape);
  assert.deepEqual(shape224, [1, 256, 6, 6]);
  const shape64 = tidy(() => net.forward(randTensor([2, 3, 64, 64], rng(), 1, false)).shape);
  assert.deepEqual(shape64, [2, 256, 1, 1]);
  net.dispose();
});

Deno.test("AlexNet features: every convolution gets a gradient", () => {
  setSeed(4);
  const net = new AlexNetFeatures(3);
  tidy(() => sum(net.forward(randTensor([2, 3, 67, 67], rng(), 1, false))).backward());
  for (const [name, p] of net.namedParameters()) {
    assert.ok(p.grad && p.grad.dataSync().some((g) => g !== 0), `${name} has no gradient`);
  }
  net.dispose();
});
