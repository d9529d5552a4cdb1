/**
 * Where the transformer layer's time goes: every backend method of the active backend is wrapped with a timer
 * while the bench/layer_case.ts step runs, split into forward, backward, tidy and zero-grad phases. Prints
 * the median over steps of the time per step by op category and phase, the time spent outside kernels (op
 * layer, autograd, tidy, JS), and the most expensive individual kernels (with GFLOP/s for GEMMs).
 *
 * Run: `deno run -P bench/profile_layer.ts [--steps N]`.
 */
import { parseArgs } from "node:util";
import { mul, sum, tidy } from "../src/tensor/mod.ts";
import { makeLayerWorkload } from "./layer_case.ts";
import { profileSteps } from "./profile_steps.ts";

const { values } = parseArgs({ args: Deno.args, options: { steps: { type: "string", default: "15" } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  throw new Error(`--steps must be a positive integer, got ${values.steps}`);
}

const { layer, x, w } = makeLayerWorkload();
profileSteps(
  "Profile of one pre-LN transformer layer step",
  { steps, warmup: 3, phases: ["forward", "backward", "tidy", "zeroGrad"] },
  (phase) => {
    phase("zeroGrad", () => {
      layer.zeroGrad();
      if (x.grad) {
        x.grad.dispose();
        x.grad = null;
      }
    });
    // "tidy" is charged only what the scope costs beyond forward and backward: freeing the step's tensors
    phase("tidy", () =>
      tidy(() => {
        const loss = phase("forward", () => sum(mul(layer.forward(x), w)));
        phase("backward", () => loss.backward());
      }));
  },
);
