import assert from "node:assert/strict";
import { SGD } from "../src/optim/mod.ts";
import { keep, type Tensor, tensor } from "../src/tensor/mod.ts";
import { assertClose, randValues, rng } from "./helpers.ts";

function setGrad(p: Tensor, values: Float32Array): void {
  p.grad?.dispose();
  p.grad = keep(tensor(values, [...p.shape]));
}

/** torch.optim.SGD in float64. */
function sgd64(
  p: Float64Array,
  g: Float32Array,
  buf: Float64Array,
  t: number,
  o: { lr: number; momentum: number; dampening: number; wd: number; nesterov: boolean },
): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + o.wd * p[i];
    if (o.momentum > 0) {
      buf[i] = t === 1 ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
    }
    p[i] -= o.lr * d;
  }
}

Deno.test("SGD (plain, momentum, dampening, Nesterov, weight decay) matches the float64 formula", () => {
  const cases = [
    { lr: 0.1, momentum: 0, dampening: 0, wd: 0, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, wd: 0, nesterov: false },
    { lr: 0.05, momentum: 0.8, dampening: 0.3, wd: 0.01, nesterov: false },
    { lr: 0.02, momentum: 0.9, dampening: 0, wd: 0.1, nesterov: true },
  ];
  for (const o of cases) {
    const init = randValues([7]);
    const p = tensor(init, [7]).asParameter("p");
    const opt = new SGD([p], {
      lr: o.lr,
      momentum: o.momentum,
      dampening: o.dampening,
      weightDecay: o.wd,
      nesterov: o.nesterov,
    });
    const ref = Float64Array.from(init), buf = new Float64Array(7);
    const r = rng();
    for (let t = 1; t <= 5; t++) {
      const g = randValues([7], r);
      setGrad(p, g);
      opt.step();
      sgd64(ref, g, buf, t, o);
      assertClose(p.dataSync(), ref, 1e-6, 1e-5, `${JSON.stringify(o)} step ${t}`);
    }
    if (o.momentum > 0) {
      assertClose(opt.stateDict().tensors.get("0.momentum_buffer")!.dataSync(), buf, 1e-6, 1e-5);
    } else assert.equal(opt.stateDict().tensors.size, 0);
    opt.dispose();
    p.dispose();
  }
  const q = tensor([1], [1]).asParameter();
  assert.throws(() => new SGD([q], { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/);
  q.dispose();
});
