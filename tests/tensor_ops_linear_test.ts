/**
 * linear with its epilogue (bias + ReLU in one pass where the backend has `biasActivation`): outputs and
 * gradients against a float64 computation of relu(x Wᵀ + b), and finite differences, with and without bias
 * and activation, on sizes large enough for the native kernels' threads.
 */
import assert from "node:assert/strict";
import { linear, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor, randValues, rng } from "./helpers.ts";

/** relu?(x Wᵀ + b) and the gradients of sum(y * gy), in float64. */
function reference(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  gy: Float32Array,
  rows: number,
  inF: number,
  outF: number,
  useRelu: boolean,
) {
  const y = new Float64Array(rows * outF), g = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = useRelu ? Math.max(0, s) : s;
      g[r * outF + o] = !useRelu || s > 0 ? gy[r * outF + o] : 0;
    }
  }
  const gx = new Float64Array(rows * inF), gw = new Float64Array(outF * inF), gb = new Float64Array(outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      const v = g[r * outF + o];
      gb[o] += v;
      for (let i = 0; i < inF; i++) {
        gx[r * inF + i] += v * w[o * inF + i];
        gw[o * inF + i] += v * x[r * inF + i];
      }
    }
  }
  return { y, gx, gw, gb };
}

Deno.test("linear: bias and ReLU epilogue equal a float64 reference, forward and backward", () => {
  for (const [rows, inF, outF] of [[7, 5, 3], [1100, 24, 300]]) {
    for (const withBias of [true, false]) {
      for (const act of ["relu", "none"] as const) {
        tidy(() => {
          const r = rng();
          const x = randTensor([rows, inF], r), w = randTensor([outF, inF], r, 0.5);
          const b = withBias ? randTensor([outF], r) : null;
          const gyv = randValues([rows, outF], r);
          const y = linear(x, w, b, act);
          y.backward(tensor(gyv, [rows, outF]));
          const ref = reference(
            x.dataSync(),
            w.dataSync(),
            b ? b.dataSync() : null,
            gyv,
            rows,
            inF,
            outF,
            act === "relu",
          );
          const tag = `${rows}x${inF}->${outF} bias=${withBias} act=${act}`;
          assertClose(y.dataSync(), ref.y, 1e-5, 1e-5, `y ${tag}`);
          assertClose(x.grad!.dataSync(), ref.gx, 1e-4, 1e-4, `gx ${tag}`);
          assertClose(w.grad!.dataSync(), ref.gw, 1e-3, 1e-4, `gw ${tag}`);
          if (b) assertClose(b.grad!.dataSync(), ref.gb, 1e-3, 1e-4, `gb ${tag}`);
          if (act === "relu") assert.ok(y.dataSync().some((v) => v === 0) && y.dataSync().some((v) => v > 0));
        });
      }
    }
  }
});

Deno.test("linear: gradients match finite differences with the ReLU epilogue", () => {
  const r = rng();
  const x = randTensor([4, 3], r), w = randTensor([5, 3], r), b = randTensor([5], r);
  gradCheck((a, c, d) => linear(a, c, d, "relu"), [x, w, b]);
  gradCheck((a, c) => linear(a, c, null, "relu"), [x, w]);
  assert.throws(() => linear(x, w, b, "gelu" as "relu"), /activation must be "none" or "relu", got "gelu"/);
});
