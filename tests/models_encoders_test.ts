/**
 * The ResNet-18-style image encoder and the causal Conv1d (force) encoder: output shapes and token counts,
 * independent float64 checks of their building blocks, causality, and gradient flow. Also the AlexNet
 * (Trifeatures) and proprioception (V&T) encoders, the tabular MLP (no final activation, 2F tokens), the
 * affect transformer's identical initial layers, and the papers' encoder choices per preset.
 */
import assert from "node:assert/strict";
import { ResNetEncoder } from "../src/models/resnet.ts";
import { BasicBlock } from "../src/nn/basic_block.ts";
import { CausalConvEncoder } from "../src/models/causal_conv.ts";
import { CausalConv1d } from "../src/nn/causal_conv1d.ts";
import {
  AlexNetEncoder,
  buildEncoder,
  ProprioEncoder,
  SequenceTransformerEncoder,
  TabularEncoder,
} from "../src/models/encoders.ts";
import { AlexNetFeatures } from "../src/nn/alexnet_features.ts";
import { SGD } from "../src/optim/sgd.ts";
import { buildModel } from "../src/methods/registry.ts";
import { INFMASKING_DEFAULTS } from "../src/methods/infmasking/mod.ts";
import {
  architecture as modelConfig,
  ENCODER_KINDS,
  PAPER_ARCHITECTURES,
} from "../src/models/architecture.ts";
import type { ModalitySpec } from "../src/models/modality.ts";
import { Philox } from "../src/random/philox.ts";
import { mul, noGrad, sum, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";
import { assertClose, randTensor, randValues, rng } from "./helpers.ts";

const E = 16;

function gradless(params: [string, Tensor][]): string[] {
  return params.filter(([, p]) => !p.grad || p.grad.dataSync().every((v) => v === 0)).map(([n]) => n);
}

/** Runs sum(forward(x) · w) backward and returns the output shape. */
function backwardThrough(module: { forward(x: Tensor): Tensor }, x: Tensor): number[] {
  return tidy(() => {
    const y = module.forward(x);
    const w = tensor(randValues([...y.shape], rng()), [...y.shape]);
    sum(mul(y, w)).backward();
    return [...y.shape];
  });
}

Deno.test("resnet encoder: token counts for the small and ImageNet stems, feature width 8w", () => {
  const cases: [number[], boolean, number, number][] = [
    // [C, H, W], ImageNet stem?, final map h x w
    [[3, 16, 16], false, 2, 2],
    [[3, 32, 32], false, 4, 4],
    [[1, 20, 12], false, 3, 2], // ceil halvings: 20 -> 10 -> 5 -> 3, 12 -> 6 -> 3 -> 2
    [[3, 96, 96], true, 3, 3],
    [[3, 128, 128], true, 4, 4], // V&T: 128² -> 4x4 = 16 tokens as timm's resnet18
  ];
  for (const [shape, imagenet, fh, fw] of cases) {
    const enc = new ResNetEncoder({ kind: "image", shape }, E, 2);
    assert.equal(enc.imagenetStem, imagenet, `[${shape}] stem`);
    assert.equal(enc.numTokens, fh * fw, `[${shape}] tokens`);
    assert.equal(enc.blocks.length, 8, "BasicBlock x [2, 2, 2, 2]");
    tidy(() => {
      const x = randTensor([2, ...shape], rng(), 1, false);
      const feats = noGrad(() => enc.features(x));
      assert.deepEqual(feats.shape, [2, 16, fh, fw], `[${shape}] feature map`);
      assert.deepEqual(noGrad(() => enc.forward(x)).shape, [2, fh * fw, E]);
    });
    enc.dispose();
  }
});

Deno.test("resnet encoder: parameter count is ResNet-18's at every width (11,176,512 at width 64)", () => {
  // Counted by hand for width w and 3 input channels: stem 7x7 conv 147w + BN 2w; stage 1 36w² + 8w;
  // stage 2 128w² + 20w; stage 3 512w² + 40w; stage 4 2048w² + 80w (convs, BNs, 1x1 projections).
  const resnet18 = (w: number, stemKernel: number) =>
    2724 * w * w + 150 * w + 3 * stemKernel * stemKernel * w;
  assert.equal(resnet18(64, 7), 11_176_512); // torchvision's resnet18 without its 512x1000 classifier
  for (const w of [4, 8]) {
    const adapter = 8 * w * E + E;
    const big = new ResNetEncoder({ kind: "image", shape: [3, 128, 128] }, E, w);
    assert.equal(big.numParameters(), resnet18(w, 7) + adapter, `width ${w}, ImageNet stem`);
    const small = new ResNetEncoder({ kind: "image", shape: [3, 32, 32] }, E, w);
    assert.equal(small.numParameters(), resnet18(w, 3) + adapter, `width ${w}, small stem`);
    big.dispose();
    small.dispose();
  }
});

Deno.test("BasicBlock: with its convolutions zeroed (eval mode) it is the shortcut followed by ReLU", () => {
  // Identity shortcut: relu(x).
  const same = new BasicBlock(4, 4, 1);
  assert.equal(same.downConv, null);
  // Projection shortcut: relu(BN(conv1x1 stride 2 (x))), BN in eval = x / sqrt(1 + eps).
  const down = new BasicBlock(3, 5, 2);
  assert.ok(down.downConv);
  for (const block of [same, down]) {
    for (const conv of [block.conv1, block.conv2]) conv.weight.backend.fill(conv.weight.storage, 0);
    block.eval();
  }
  const x = randValues([2, 4, 5, 5], rng());
  tidy(() => {
    const y = noGrad(() => same.forward(tensor(x, [2, 4, 5, 5]))).dataSync();
    assertClose(y, Array.from(x, (v) => Math.max(v, 0)), 1e-6, 1e-5, "identity block");
  });
  const xd = randValues([2, 3, 5, 5], rng());
  const wd = down.downConv!.weight.dataSync(); // [5, 3, 1, 1]
  const expected = new Float64Array(2 * 5 * 3 * 3);
  for (let n = 0; n < 2; n++) {
    for (let o = 0; o < 5; o++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let s = 0;
          for (let c = 0; c < 3; c++) s += wd[o * 3 + c] * xd[((n * 3 + c) * 5 + 2 * i) * 5 + 2 * j];
          expected[((n * 5 + o) * 3 + i) * 3 + j] = Math.max(s / Math.sqrt(1 + 1e-5), 0);
        }
      }
    }
  }
  tidy(() => {
    const y = noGrad(() => down.forward(tensor(xd, [2, 3, 5, 5])));
    assert.deepEqual(y.shape, [2, 5, 3, 3]);
    assertClose(y.dataSync(), expected, 1e-5, 1e-4, "projection block");
  });
  same.dispose();
  down.dispose();
});

Deno.test("resnet encoder: every parameter gets a gradient, BatchNorm buffers none (but are updated)", () => {
  const enc = new ResNetEncoder({ kind: "image", shape: [3, 16, 16] }, E, 4);
  const x = randTensor([4, 3, 16, 16], rng(), 1, true);
  assert.deepEqual(backwardThrough(enc, x), [4, 4, E]);
  assert.deepEqual(gradless(enc.namedParameters()), []);
  assert.ok(x.grad && x.grad.dataSync().some((v) => v !== 0), "the input gets a gradient");
  for (const [name, t] of enc.namedBuffers()) {
    assert.equal(t.grad, null, `${name} has no gradient`);
    if (name.endsWith("running_mean")) assert.ok(t.dataSync().some((v) => v !== 0), `${name} updated`);
  }
  enc.dispose();
});

/** Direct float64 causal convolution: y[o, i] = b[o] + Σ_c Σ_j w[o, c, j] x[c, i·s + j·d − pad] (0 if < 0). */
function causalConvRef(
  x: Float32Array,
  [n, c, l]: number[],
  w: Float32Array,
  b: Float32Array,
  o: number,
  k: number,
  s: number,
  d: number,
): { y: Float64Array; outL: number } {
  const pad = (k - 1) * d, outL = Math.ceil(l / s);
  const y = new Float64Array(n * o * outL);
  for (let bn = 0; bn < n; bn++) {
    for (let oc = 0; oc < o; oc++) {
      for (let i = 0; i < outL; i++) {
        let acc = b[oc];
        for (let ic = 0; ic < c; ic++) {
          for (let j = 0; j < k; j++) {
            const t = i * s + j * d - pad;
            if (t >= 0 && t < l) acc += w[(oc * c + ic) * k + j] * x[(bn * c + ic) * l + t];
          }
        }
        y[(bn * o + oc) * outL + i] = acc;
      }
    }
  }
  return { y, outL };
}

Deno.test("CausalConv1d matches a direct float64 causal convolution (left padding only)", () => {
  const cases = [[3, 4, 2, 2, 1, 11], [2, 3, 3, 1, 2, 9], [4, 2, 2, 2, 1, 32], [1, 2, 1, 1, 1, 5]];
  for (const [c, o, k, s, d, l] of cases) {
    const conv = new CausalConv1d(c, o, k, s, d);
    const x = randValues([3, c, l], rng());
    const ref = causalConvRef(
      x,
      [3, c, l],
      conv.conv.weight.dataSync(),
      conv.conv.bias!.dataSync(),
      o,
      k,
      s,
      d,
    );
    assert.equal(conv.outputLength(l), ref.outL);
    tidy(() => {
      const y = noGrad(() => conv.forward(tensor(x, [3, c, l])));
      assert.deepEqual(y.shape, [3, o, ref.outL]);
      assertClose(y.dataSync(), ref.y, 1e-5, 1e-4, `causal conv c${c} o${o} k${k} s${s} d${d}`);
    });
    conv.dispose();
  }
});

/** Runs `f` on x and on x with steps > `after` (axis 2 of [B, C, L]) replaced by fresh values. */
function perturbAfter(x: Float32Array, shape: number[], after: number): Float32Array {
  const [n, c, l] = shape;
  const fresh = randValues(shape, rng(), 3);
  const out = x.slice();
  for (let i = 0; i < n * c; i++) for (let t = after + 1; t < l; t++) out[i * l + t] = fresh[i * l + t];
  return out;
}

Deno.test("CausalConv1d is causal: output i never sees inputs after step i·stride", () => {
  for (const [k, s, d] of [[3, 1, 2], [2, 2, 1], [4, 3, 1]]) {
    const conv = new CausalConv1d(2, 3, k, s, d);
    const shape = [2, 2, 12];
    const x = randValues(shape, rng());
    const run = (v: Float32Array) => tidy(() => noGrad(() => conv.forward(tensor(v, shape))).dataSync());
    const base = run(x);
    const outL = conv.outputLength(12);
    for (let i = 0; i < outL - 1; i++) {
      const y = run(perturbAfter(x, shape, i * s));
      for (let row = 0; row < 2 * 3; row++) {
        for (let j = 0; j < outL; j++) {
          const same = y[row * outL + j] === base[row * outL + j];
          if (j <= i) {
            assert.ok(same, `k${k} s${s} d${d}: output ${j} changed when inputs after ${i * s} did`);
          }
        }
      }
      // The next output does see the changed inputs (the test is not vacuous).
      assert.ok(
        Array.from({ length: 6 }, (_, row) => y[row * outL + i + 1] !== base[row * outL + i + 1]).some(
          Boolean,
        ),
      );
    }
    conv.dispose();
  }
});

Deno.test("causalconv encoder: shapes, 5 stride-2 layers, causal tokens, LeakyReLU features", () => {
  const spec: ModalitySpec = { kind: "sequence", shape: [64, 6] };
  const enc = new CausalConvEncoder(spec, E);
  assert.equal(enc.layers.length, 5);
  assert.deepEqual(enc.layers.map((l) => l.conv.weight.shape), [
    [16, 6, 2],
    [32, 16, 2],
    [64, 32, 2],
    [128, 64, 2],
    [128, 128, 2],
  ]);
  assert.equal(enc.outLength, 2); // 64 -> 32 -> 16 -> 8 -> 4 -> 2
  assert.equal(enc.numTokens, 256);
  // V&T's force window [32, 6] gives 128 tokens.
  assert.equal(new CausalConvEncoder({ kind: "sequence", shape: [32, 6] }, E).numTokens, 128);
  const x = randValues([3, 64, 6], rng());
  // Change time steps after t (axis 1 of [B, T, F]).
  const perturbed = (after: number) => {
    const fresh = randValues([3, 64, 6], rng(), 3), v = x.slice();
    for (let b = 0; b < 3; b++) {
      for (let t = after + 1; t < 64; t++) {
        for (let f = 0; f < 6; f++) {
          v[(b * 64 + t) * 6 + f] = fresh[(b * 64 + t) * 6 + f];
        }
      }
    }
    return v;
  };
  const run = (v: Float32Array) =>
    tidy(() => {
      const xt = tensor(v, [3, 64, 6]);
      return {
        feats: noGrad(() => enc.features(xt)).dataSync(),
        tokens: noGrad(() => enc.forward(xt)).dataSync(),
      };
    });
  const base = run(x);
  assert.equal(base.tokens.length, 3 * 256 * E);
  // LeakyReLU(0.1) output: negative values exist and are small relative to positive ones.
  assert.ok(base.feats.some((v) => v < 0));
  // Output step j sees input steps up to 32 j: step 0 only step 0, step 1 up to step 32.
  for (const [after, unchangedSteps, changedStep] of [[0, [0], 1], [32, [0, 1], -1]] as const) {
    const y = run(perturbed(after));
    for (let b = 0; b < 3; b++) {
      for (let ch = 0; ch < 128; ch++) {
        for (const j of unchangedSteps) {
          const i = (b * 128 + ch) * 2 + j;
          assert.equal(y.feats[i], base.feats[i], `feature step ${j} changed after inputs > ${after} did`);
          // Token (ch, j) is feature (ch, j) through the per-feature adapter.
          const tok = (b * 256 + ch * 2 + j) * E;
          for (let e = 0; e < E; e++) assert.equal(y.tokens[tok + e], base.tokens[tok + e]);
        }
      }
    }
    if (changedStep >= 0) {
      assert.ok(
        Array.from(
          { length: 128 },
          (_, ch) => y.feats[ch * 2 + changedStep] !== base.feats[ch * 2 + changedStep],
        )
          .some(Boolean),
        `step ${changedStep} sees input step 32`,
      );
    }
  }
  enc.dispose();
});

Deno.test("causalconv encoder: every parameter gets a gradient; buildEncoder wires both new kinds", () => {
  const enc = buildEncoder("causalconv", { kind: "sequence", shape: [40, 4] }, modelConfig({ tokenDim: E }));
  assert.ok(enc instanceof CausalConvEncoder);
  assert.equal(enc.numTokens, 128 * 2); // 40 -> 20 -> 10 -> 5 -> 3 -> 2
  const x = randTensor([4, 40, 4], rng(), 1, true);
  assert.deepEqual(backwardThrough(enc, x), [4, 256, E]);
  assert.deepEqual(gradless(enc.namedParameters()), []);
  // Causality seen through the gradient: the last output step sees steps up to 32 only.
  const gx = x.grad!.dataSync();
  for (let b = 0; b < 4; b++) {
    for (let t = 33; t < 40; t++) for (let f = 0; f < 4; f++) assert.equal(gx[(b * 40 + t) * 4 + f], 0);
  }
  enc.dispose();
  const res = buildEncoder(
    "resnet",
    { kind: "image", shape: [3, 16, 16] },
    modelConfig({ tokenDim: E, cnnWidth: 2 }),
  );
  assert.ok(res instanceof ResNetEncoder);
  res.dispose();
  assert.throws(
    () => buildEncoder("resnet", { kind: "sequence", shape: [4, 3] }, modelConfig({})),
    /"resnet" needs image samples of rank 3, got shape \[4,3\]/,
  );
  assert.throws(
    () => buildEncoder("causalconv", { kind: "image", shape: [1, 4, 3] }, modelConfig({})),
    /"causalconv" needs sequence samples of rank 2/,
  );
});

Deno.test("InfMasking trains on image (resnet) + force (causalconv), V&T style, with gradients everywhere", () => {
  const specs: ModalitySpec[] = [{ kind: "image", shape: [3, 16, 16] }, { kind: "sequence", shape: [32, 6] }];
  const cfg = modelConfig({
    tokenDim: E,
    fusionHeads: 4,
    headHidden: 32,
    headOut: 16,
    encoders: ["resnet", "causalconv"],
    cnnWidth: 2,
  });
  const model = buildModel("infmasking", specs, cfg, { ...INFMASKING_DEFAULTS, numMasks: 2, maskRatio: 0.5 });
  const r = rng();
  const view = () => specs.map((s) => randTensor([6, ...s.shape], r, 1, false));
  const loss = tidy(() => {
    const out = model.trainStep(view(), view(), { epoch: 0, maxEpochs: 1, rng: new Philox(2) });
    out.loss.backward();
    return out.loss.item();
  });
  assert.ok(Number.isFinite(loss));
  assert.deepEqual(gradless(model.module.namedParameters()), []);
  model.module.dispose();
});

Deno.test("alexnet encoder: 36 tokens at 224 px, 1 at 64 px, h x w from each side, too-small images refused", () => {
  const cases: [number[], number][] = [
    // [C, H, W], tokens
    [[3, 224, 224], 36], // 256 x 6 x 6, as torchvision's AlexNet
    [[3, 64, 64], 1],
    [[3, 64, 96], 2], // outputSide(64) = 1, outputSide(96) = 2
  ];
  for (const [shape, tokens] of cases) {
    const enc = buildEncoder("alexnet", { kind: "image", shape }, modelConfig({ tokenDim: E }));
    assert.ok(enc instanceof AlexNetEncoder);
    assert.equal(enc.numTokens, tokens, `[${shape}] tokens`);
    assert.equal(enc.numTokens, AlexNetFeatures.outputSide(shape[1]) * AlexNetFeatures.outputSide(shape[2]));
    assert.deepEqual(enc.adapter.proj.weight.shape, [E, 256], "1x1 conv 256 -> E");
    const y = tidy(() => {
      const out = noGrad(() => enc.forward(randTensor([2, ...shape], rng(), 1, false)));
      return { shape: [...out.shape], finite: out.dataSync().every(Number.isFinite) };
    });
    assert.deepEqual(y.shape, [2, tokens, E], `[${shape}] output`);
    assert.ok(y.finite);
    enc.dispose();
  }
  for (const shape of [[3, 62, 62], [3, 32, 32], [3, 224, 62]]) {
    assert.throws(
      () => new AlexNetEncoder({ kind: "image", shape }, E),
      new RegExp(`alexnet encoder: image ${shape[1]}x${shape[2]} is too small \\(.*at least 63x63`),
    );
  }
  assert.throws(
    () => buildEncoder("alexnet", { kind: "vector", shape: [8] }, modelConfig({})),
    /"alexnet" needs image samples of rank 3, got shape \[8\]/,
  );
});

Deno.test("alexnet encoder: the tokens are the adapter's on AlexNet's map; every parameter gets a gradient", () => {
  const enc = new AlexNetEncoder({ kind: "image", shape: [3, 64, 64] }, E);
  const x = randTensor([2, 3, 64, 64], rng(), 1, true);
  tidy(() => {
    const direct = noGrad(() => enc.adapter.forward(enc.features.forward(x))).dataSync();
    assert.deepEqual(noGrad(() => enc.forward(x)).dataSync(), direct);
  });
  assert.deepEqual(backwardThrough(enc, x), [2, 1, E]);
  assert.deepEqual(gradless(enc.namedParameters()), []);
  assert.ok(x.grad && x.grad.dataSync().some((v) => v !== 0), "the input gets a gradient");
  // The sin-cos positions are a buffer, not a parameter.
  assert.ok(enc.namedBuffers().some(([n]) => n.endsWith("pos_emb")));
  enc.dispose();
});

/** Float64 Linear: y[b, o] = bias[o] + Σ_i w[o, i] x[b, i]. */
function linearRef(x: Float64Array, n: number, w: Float32Array, b: Float32Array, out: number): Float64Array {
  const inDim = w.length / out, y = new Float64Array(n * out);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < out; o++) {
      let s = b[o];
      for (let i = 0; i < inDim; i++) s += w[o * inDim + i] * x[r * inDim + i];
      y[r * out + o] = s;
    }
  }
  return y;
}

Deno.test("proprio encoder: F -> 32 -> 64 -> 128 -> E, LeakyReLU(0.1) between, none last, one token", () => {
  const enc = buildEncoder("proprio", { kind: "vector", shape: [8] }, modelConfig({ tokenDim: E }));
  assert.ok(enc instanceof ProprioEncoder);
  assert.equal(enc.numTokens, 1);
  assert.deepEqual(enc.layers.map((l) => l.weight.shape), [[32, 8], [64, 32], [128, 64], [E, 128]]);
  const n = 6, xv = randValues([n, 8], rng());
  let h: Float64Array = Float64Array.from(xv);
  enc.layers.forEach((l, i) => {
    h = linearRef(h, n, l.weight.dataSync(), l.bias!.dataSync(), l.weight.shape[0]);
    if (i < 3) h = h.map((v) => v < 0 ? 0.1 * v : v);
  });
  const y = tidy(() => {
    const out = noGrad(() => enc.forward(tensor(xv, [n, 8])));
    return { shape: [...out.shape], values: out.dataSync() };
  });
  assert.deepEqual(y.shape, [n, 1, E]);
  assertClose(y.values, h, 1e-5, 1e-4, "proprio token");
  // No activation after the last Linear: negative outputs keep their full size.
  assert.ok(y.values.some((v) => v < 0));
  const x = randTensor([n, 8], rng(), 1, true);
  assert.deepEqual(backwardThrough(enc, x), [n, 1, E]);
  assert.deepEqual(gradless(enc.namedParameters()), []);
  assert.ok(x.grad && x.grad.dataSync().some((v) => v !== 0), "the input gets a gradient");
  enc.dispose();
  assert.throws(
    () => buildEncoder("proprio", { kind: "sequence", shape: [4, 8] }, modelConfig({})),
    /"proprio" needs vector samples of rank 1, got shape \[4,8\]/,
  );
});

Deno.test("tabular encoder: F -> 2F -> ReLU -> 2F with no final activation, 2F tokens (MIMIC: 10)", () => {
  const enc = buildEncoder("mlp", { kind: "vector", shape: [5] }, modelConfig({ tokenDim: E }));
  assert.ok(enc instanceof TabularEncoder);
  assert.equal(enc.numTokens, 10);
  assert.deepEqual(enc.fc1.weight.shape, [10, 5]);
  assert.deepEqual(enc.fc2.weight.shape, [10, 10]);
  assert.deepEqual(enc.adapter.weight.shape, [10, E]);
  const n = 8, xv = randValues([n, 5], rng());
  const f = tidy(() => noGrad(() => enc.features(tensor(xv, [n, 5]))).dataSync());
  const h = linearRef(
    linearRef(Float64Array.from(xv), n, enc.fc1.weight.dataSync(), enc.fc1.bias!.dataSync(), 10).map((v) =>
      Math.max(v, 0)
    ),
    n,
    enc.fc2.weight.dataSync(),
    enc.fc2.bias!.dataSync(),
    10,
  );
  assertClose(f, h, 1e-5, 1e-4, "MLP output");
  assert.ok(f.some((v) => v < 0), "the MLP output can be negative (no ReLU after the last layer)");
  // Each token is token_j = f_j W_j + b_j of the MLP output itself, negative values included.
  const tokens = tidy(() => noGrad(() => enc.forward(tensor(xv, [n, 5]))).dataSync());
  const w = enc.adapter.weight.dataSync(), b = enc.adapter.bias.dataSync();
  const expected = new Float64Array(n * 10 * E);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < 10; j++) {
      for (let e = 0; e < E; e++) {
        expected[(r * 10 + j) * E + e] = f[r * 10 + j] * w[j * E + e] + b[j * E + e];
      }
    }
  }
  assertClose(tokens, expected, 1e-5, 1e-4, "tokens");
  const x = randTensor([n, 5], rng(), 1, true);
  assert.deepEqual(backwardThrough(enc, x), [n, 10, E]);
  assert.deepEqual(gradless(enc.namedParameters()), []);
  enc.dispose();
  // Other widths: 2F tokens up to 64 features, a single token above.
  for (const [f, tokens] of [[8, 16], [64, 128], [65, 1]]) {
    const other = buildEncoder("mlp", { kind: "vector", shape: [f] }, modelConfig({ tokenDim: E }));
    assert.equal(other.numTokens, tokens, `${f} features`);
    other.dispose();
  }
});

Deno.test("transformer encoder: the layers start identical (torch deep-copies one layer) but are separate", () => {
  const cfg = modelConfig({ tokenDim: E, encoderLayers: 3, encoderHeads: 4, encoderFfn: 32 });
  const enc = new SequenceTransformerEncoder({ kind: "sequence", shape: [5, 6] }, cfg);
  assert.equal(enc.layers.length, 3);
  const state = enc.layers.map((l) => l.stateDict());
  assert.ok(state[0].size > 0);
  for (let i = 1; i < 3; i++) {
    assert.deepEqual([...state[i].keys()], [...state[0].keys()]);
    for (const [k, t] of state[0]) {
      assert.deepEqual(state[i].get(k)!.dataSync(), t.dataSync(), `layer${i}.${k} equals layer0.${k}`);
      assert.notEqual(state[i].get(k), t, `layer${i}.${k} is its own tensor`);
    }
  }
  // The layers are not a no-op copy of a zero init: layer 0's weights vary.
  assert.ok(new Set(enc.layers[0].parameters()[0].dataSync()).size > 1);
  const before = enc.layers.map((l) => l.parameters().map((p) => p.dataSync().slice()));
  // Train layer 1 alone: one SGD step on a loss through the whole encoder.
  const x = randTensor([4, 5, 6], rng(), 1, false);
  assert.deepEqual(backwardThrough(enc, x), [4, 5, E]);
  assert.deepEqual(gradless(enc.namedParameters()), []);
  const opt = new SGD(enc.layers[1].parameters(), { lr: 0.1 });
  opt.step();
  const after = enc.layers.map((l) => l.parameters().map((p) => p.dataSync()));
  assert.ok(after[1].some((v, i) => v.some((a, j) => a !== before[1][i][j])), "layer 1 moved");
  for (const l of [0, 2]) {
    after[l].forEach((v, i) => assert.deepEqual(v, before[l][i], `layer ${l} parameter ${i} unchanged`));
  }
  enc.dispose();
});

Deno.test("the papers' encoders per preset: AlexNet on Trifeatures, ResNet-18 (width 64) + proprio on V&T", () => {
  for (const kind of ["alexnet", "proprio"] as const) assert.ok(ENCODER_KINDS.includes(kind));
  assert.deepEqual(PAPER_ARCHITECTURES.trifeatures.encoders, ["alexnet", "alexnet"]);
  assert.deepEqual(PAPER_ARCHITECTURES["vision-touch"].encoders, ["resnet", "proprio"]);
  assert.equal(PAPER_ARCHITECTURES["vision-touch"].cnnWidth, 64);
  assert.deepEqual(PAPER_ARCHITECTURES.mimic.encoders, ["mlp", "gru"]);
  // V&T contact at the preset's widths: 16 tokens of the 512-channel ResNet-18 map, 1 proprio token.
  const arch = modelConfig(PAPER_ARCHITECTURES["vision-touch"]);
  const image = new ResNetEncoder({ kind: "image", shape: [3, 128, 128] }, arch.tokenDim, arch.cnnWidth);
  assert.equal(image.numTokens, 16);
  assert.deepEqual(image.adapter.proj.weight.shape, [512, 512]);
  image.dispose();
  const proprio = buildEncoder("proprio", { kind: "vector", shape: [8] }, arch);
  assert.equal(proprio.numTokens, 1);
  proprio.dispose();
  // MIMIC: 10 tabular tokens (5 -> 10 -> 10) and 24 GRU steps.
  const mimic = modelConfig(PAPER_ARCHITECTURES.mimic);
  const tabular = buildEncoder("mlp", { kind: "vector", shape: [5] }, mimic);
  assert.equal(tabular.numTokens, 10);
  tabular.dispose();
});
