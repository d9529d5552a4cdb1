/**
 * The gpu.js backend (src/backend/gpujs) in gpu.js's cpu mode against the TypeScript CPU kernels: the backend
 * conformance suite on small sizes, and one training step of a small model giving the CPU backend's loss.
 * Skipped, with the reason printed, where npm:gpu.js cannot be loaded.
 */
import assert from "node:assert/strict";
import type { Storage } from "../src/backend/backend.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import {
  createGpuJsBackend,
  type GpuJsBackend,
  useGpuJsBackend,
} from "../src/backend/gpujs/gpujs_backend.ts";
import {
  backend,
  type BackendName,
  getBackend,
  registerBackend,
  setBackend,
  setSeed,
  tidy,
} from "../src/tensor/mod.ts";
import { buildModel, getMethod } from "../src/methods/registry.ts";
import { architecture } from "../src/models/architecture.ts";
import type { ModalitySpec } from "../src/models/modality.ts";
import { AdamW } from "../src/optim/adamw.ts";
import { Philox } from "../src/random/philox.ts";
import { backendConformance } from "./conformance.ts";
import { randTensor, rng } from "./helpers.ts";

let loaded: GpuJsBackend | null = null;
try {
  loaded = await createGpuJsBackend({ mode: "cpu" });
} catch (e) {
  console.log(`[gpujs] skipped: ${(e as Error).message}`);
}
const ignore = loaded === null;

backendConformance({
  label: "gpujs",
  candidate: () => loaded!,
  reference: new CpuBackend({ quiet: true }),
  ignore,
  // gpu.js's cpu mode computes in double with the reference's formulas, Math.exp in place of the
  // reference's table-driven expf (4e-14 apart before rounding to float32). Measured at all sizes: every
  // normal-range result bit-equal; the rtol is one float32 ulp (2^-23) of headroom, not a measured need.
  elementwiseRtol: 1.2e-7,
  // The denormal tail: expf clamps its argument to [-104, 102], Math.exp does not, so at x = ±105 (an input
  // of the suite) e.g. quickGelu(-105) = -105 / (1 + e^178.7) is -5.3e-43 there and 0 here. Measured worst
  // 2.05e-42 (quickGelu'(-105)); gelu' 3.2e-44, sigmoid 5.6e-45. Nothing else differs in absolute terms.
  elementwiseAtol: 3e-42,
  cancellingAtol: 3e-42, // the gelu family, from the same tail (no cancellation difference: same formulas)
  // The full sizes take about 6 s here (measured; pass): the cases above 65536 elements are skipped unless
  // MMSSL_GPUJS_FULL=1, to keep this file near one second.
  maxElements: Deno.env.get("MMSSL_GPUJS_FULL") === "1" ? undefined : 65536,
});

// gpu.js's "gpu" mode: its best mode here (WebAssembly in Deno, WebGL where a browser or headless GL exists),
// which computes in float32 with its own approximations of Math's functions. The same suite, with float32
// floors under the tolerances; measured worst before choosing them (maxElements 65536): softmaxGrad over
// 5000-wide rows 5.4e-6 absolute (float32 row sums), log-softmax 1.8e-7 absolute, gelu's tail 6e-8 absolute
// (1e-3 relative at -5.8e-5), sums of 9-17 terms 1e-6 relative. Exact comparisons stay exact.
let gpuMode: GpuJsBackend | null = null;
if (loaded) {
  try {
    gpuMode = await createGpuJsBackend({ mode: "gpu" });
  } catch (e) {
    console.log(`[gpujs gpu mode] skipped: ${(e as Error).message}`);
  }
}
backendConformance({
  label: `gpujs-${gpuMode?.mode ?? "gpu"}`,
  candidate: () => gpuMode!,
  reference: new CpuBackend({ quiet: true }),
  ignore: gpuMode === null,
  elementwiseRtol: 1e-4,
  elementwiseAtol: 1e-5,
  cancellingAtol: 1e-5,
  maxElements: 65536,
  float32Floor: { atol: 1e-5, rtol: 1e-4 },
});

Deno.test({
  name: "gpujs: the mode, the listed fallbacks, and the registry entry",
  ignore,
  async fn() {
    const b = loaded!;
    assert.equal(b.name, "gpujs");
    assert.equal(b.mode, "cpu");
    assert.ok(b.fallbacks.some((f) => f.startsWith("copyStrided")));
    assert.ok(b.fallbacks.some((f) => f.startsWith("randomUniform")));
    for (const fused of ["attention", "attentionGrad", "dropout", "biasActivation", "biasActivationGrad"]) {
      assert.equal(fused in b, false, `${fused} is composed by the op layer, not implemented`);
    }
    // every kernel that ran so far ran in gpu.js's cpu mode (none fell back inside gpu.js)
    assert.ok(Object.values(b.kernelModes()).every((m) => m === "cpu"));
    const before = getBackend();
    const registered = await useGpuJsBackend({ mode: "cpu" });
    assert.equal(await useGpuJsBackend({ mode: "cpu" }), registered, "one backend per mode");
    setBackend("gpujs");
    assert.equal(backend(), registered);
    setBackend(before as "cpu");
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => createGpuJsBackend({ mode: "webgpu" as any }),
      /gpu\.js unavailable: mode "webgpu" is not one of .*Promises/,
    );
  },
});

Deno.test({
  name: "gpujs: the cases the suite does not reach (scatter fallback, overlapping and spaced GEMM outputs)",
  ignore,
  fn() {
    const b = loaded!, ref = new CpuBackend({ useBlas: false, quiet: true });
    const r = rng(9);
    const both = (v: Float32Array) => [ref.fromHost(v), b.fromHost(v)];
    const values = (n: number) => Float32Array.from({ length: n }, () => r.normal(2)[0]);
    const check = (what: string, [c, g]: Storage[]) =>
      assert.deepEqual(b.readSync(g), ref.readSync(c), `${what}: gpujs differs from the CPU kernels`);
    // copyStrided into a sparse view (a 3x2 block of a 40x50 matrix: span 2052 for 6 elements) and into an
    // overlapping one (stride 0: the last write wins, as in the CPU loop): gathered by a kernel, scattered
    // on the host (the listed fallback)
    const src = both(values(60));
    let dst = both(values(2000));
    for (const [be, s, d] of [[ref, src[0], dst[0]], [b, src[1], dst[1]]] as const) {
      be.copyStrided(s, 3, [10, 1], d, 7, [1000, 1], [3, 2]);
      be.copyStrided(s, 0, [7, 1], d, 1500, [0, 1], [4, 3]);
    }
    check("copyStrided sparse and overlapping destinations", dst);
    assert.ok("copy.gather" in b.kernelModes(), "the host-scatter path ran");
    // GEMM items writing one C with beta 1 (accumulated in item order) and items spaced apart in C
    const a = both(values(3 * 4 * 5)), w = both(values(5 * 6));
    for (const [strideC, beta] of [[0, 1], [30, 0.5]]) {
      dst = both(values(3 * 30));
      const args = {
        batch: 3,
        m: 4,
        n: 6,
        k: 5,
        transA: false,
        transB: false,
        strideA: 20,
        strideB: 0,
        strideC,
        beta,
      };
      ref.matmul(a[0], w[0], dst[0], args);
      b.matmul(a[1], w[1], dst[1], args);
      const [c, g] = [ref.readSync(dst[0]), b.readSync(dst[1])];
      for (let i = 0; i < c.length; i++) {
        assert.ok(Math.abs(c[i] - g[i]) <= 1e-5 * (1 + Math.abs(c[i])), `matmul strideC ${strideC} [${i}]`);
      }
    }
  },
});

/** Two token-sequence modalities, the small network of tests/methods_registry_test.ts. */
const SPECS: ModalitySpec[] = [{ kind: "sequence", shape: [6, 4] }, { kind: "sequence", shape: [6, 4] }];
const ARCH = architecture({
  tokenDim: 16,
  fusionHeads: 4,
  headHidden: 16,
  headOut: 8,
  encoders: ["tokens", "tokens"],
});

/** Losses of two InfMasking training steps (forward, backward, AdamW) on the named backend. */
function twoSteps(device: string): number[] {
  setBackend(device as BackendName);
  setSeed(11);
  const method = getMethod("infmasking");
  const model = buildModel("infmasking", SPECS, ARCH, { ...method.defaults });
  const opt = new AdamW(model.module.parameters(), { lr: 1e-3, weightDecay: 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < 2; step++) {
    const r = rng(100 + step);
    const one = () => SPECS.map((s) => randTensor([4, ...s.shape], r, 1, false));
    const [v1, v2] = [one(), one()];
    losses.push(tidy(() => {
      const out = model.trainStep(v1, v2, { epoch: 0, maxEpochs: 2, rng: new Philox(3 + step) });
      out.loss.backward();
      return out.loss.item();
    }));
    opt.step();
    opt.zeroGrad();
    for (const t of [...v1, ...v2]) t.dispose();
  }
  model.module.dispose();
  return losses;
}

Deno.test({
  name: "gpujs: two InfMasking training steps give the CPU backend's losses",
  ignore,
  async fn() {
    await useGpuJsBackend({ mode: "cpu" });
    // the conformance suite's reference too: the TypeScript kernels without OpenBLAS
    registerBackend("cpu-typescript", () => new CpuBackend({ useBlas: false, quiet: true }));
    const before = getBackend() as BackendName;
    try {
      const gpuLosses = twoSteps("gpujs");
      for (const ref of ["cpu", "cpu-typescript"]) {
        const refLosses = twoSteps(ref);
        const rel = gpuLosses.map((l, i) => Math.abs(l - refLosses[i]) / Math.abs(refLosses[i]));
        console.log(
          `[gpujs] losses gpujs ${gpuLosses.join(", ")} | ${ref} ${refLosses.join(", ")} | rel ${rel}`,
        );
        // "cpu" is the native C kernels with OpenBLAS (float32 GEMM accumulation, other summation orders);
        // "cpu-typescript" differs from gpujs only in its GEMMs above 24^3 multiply-adds (float32
        // accumulation; ours accumulate in double). Measured: 5.3e-7 and 6.9e-8 relative against "cpu";
        // a broken primitive moves the loss by far more than 5e-6 (about 40 float32 ulp of a loss near 3).
        for (let i = 0; i < 2; i++) {
          assert.ok(
            rel[i] < 5e-6,
            `step ${i}: gpujs loss ${gpuLosses[i]} vs ${ref} ${refLosses[i]} (rel ${rel[i]})`,
          );
        }
      }
    } finally {
      setBackend(before);
    }
  },
});
