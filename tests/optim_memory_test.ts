import assert from "node:assert/strict";
import { MLP } from "../src/nn/mod.ts";
import { AdamW, clipGradNorm, paramGroupsNoDecay, SGD } from "../src/optim/mod.ts";
import { crossEntropy, numLiveTensors, setSeed, tensor, tidy } from "../src/tensor/mod.ts";
import { randValues } from "./helpers.ts";

Deno.test("training steps inside tidy keep the live tensor count constant and lower the loss", () => {
  setSeed(17);
  const x = tensor(randValues([32, 6]), [32, 6]);
  const labels = Array.from({ length: 32 }, (_, i) => i % 3);
  for (const kind of ["adamw", "sgd"]) {
    const net = new MLP([6, 16, 3], { norm: "batch", dropout: 0.1 });
    const opt = kind === "adamw"
      ? new AdamW(paramGroupsNoDecay(net, 0.01), { lr: 0.01 })
      : new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const loss = tidy(() => {
        const l = crossEntropy(net.forward(x), labels);
        l.backward();
        clipGradNorm(net.parameters(), 5);
        opt.step();
        opt.zeroGrad();
        return l.item();
      });
      losses.push(loss);
      counts.push(numLiveTensors());
    }
    // the first step creates the optimizer state; after that nothing accumulates
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `${kind}: live tensors ${counts.join(",")}`);
    assert.ok(losses[29] < losses[0] * 0.7, `${kind}: loss ${losses[0]} -> ${losses[29]}`);
    const live = numLiveTensors();
    const stateTensors = opt.stateDict().tensors.size;
    opt.dispose();
    net.dispose();
    assert.equal(numLiveTensors(), live - stateTensors - net.stateDict().size);
  }
  x.dispose();
});
