/**
 * The Philox stream the device masks draw from (src/random/philox.ts; the CUDA backend's `philoxUniform`
 * kernel reproduces it bit for bit, tests/conformance.ts) against cuRAND's own PHILOX4_32_10 through its host
 * generator (`curandCreateGeneratorHost`: runs on the CPU, needs libcurand but no GPU). Skipped where
 * libcurand does not load (set MMSSL_CUDA_LIB_DIRS to the folder of libcurand.so.10, for example the
 * `nvidia-curand` wheel's `nvidia/cu13/lib`).
 *
 * cuRAND's library generator (default ordering) spreads its output over 65,536 subsequences: output block j
 * (4 values) is block floor(j / 65536) of subsequence j mod 65536, and the generator offset counts outputs of
 * that interleaved sequence. So stream s, counter q of our Philox is the library's output block q·65536 + s.
 */
import assert from "node:assert/strict";
import { openCudaLibrary } from "../ffi/cuda/paths.ts";
import { Philox } from "../src/random/philox.ts";

const SYMBOLS = {
  curandCreateGeneratorHost: { parameters: ["buffer", "i32"], result: "i32" },
  curandSetPseudoRandomGeneratorSeed: { parameters: ["pointer", "u64"], result: "i32" },
  curandSetGeneratorOffset: { parameters: ["pointer", "u64"], result: "i32" },
  curandGenerate: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  curandGenerateUniform: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  curandDestroyGenerator: { parameters: ["pointer"], result: "i32" },
} as const;
const CURAND_RNG_PSEUDO_PHILOX4_32_10 = 161;
const SUBSEQUENCES = 65536;

function openCurand(): Deno.DynamicLibrary<typeof SYMBOLS> | string {
  try {
    return openCudaLibrary(
      "cuRAND (libcurand.so.10)",
      "MMSSL_CURAND",
      ["libcurand.so.10", "libcurand.so"],
      SYMBOLS,
    )
      .lib;
  } catch (e) {
    return e instanceof Error ? e.message.split("\n")[0] : String(e);
  }
}
const curand = openCurand();
if (typeof curand === "string") console.log(`[curand host] skipped: ${curand}`);

function check(what: string, status: number): void {
  if (status !== 0) throw new Error(`${what} returned curandStatus ${status}`);
}

/** `n` outputs of cuRAND's host Philox generator for `seed` from `offset` on, as raw 32-bit or uniforms. */
function curandDraw(seed: bigint, offset: bigint, n: number, uniform: boolean): Uint32Array | Float32Array {
  const lib = curand as Deno.DynamicLibrary<typeof SYMBOLS>;
  const handle = new BigUint64Array(1);
  check(
    "curandCreateGeneratorHost",
    lib.symbols.curandCreateGeneratorHost(handle, CURAND_RNG_PSEUDO_PHILOX4_32_10),
  );
  const gen = Deno.UnsafePointer.create(handle[0]);
  try {
    check("curandSetPseudoRandomGeneratorSeed", lib.symbols.curandSetPseudoRandomGeneratorSeed(gen, seed));
    check("curandSetGeneratorOffset", lib.symbols.curandSetGeneratorOffset(gen, offset));
    if (uniform) {
      const out = new Float32Array(n);
      check("curandGenerateUniform", lib.symbols.curandGenerateUniform(gen, out, BigInt(n)));
      return out;
    }
    const out = new Uint32Array(n);
    check("curandGenerate", lib.symbols.curandGenerate(gen, out, BigInt(n)));
    return out;
  } finally {
    lib.symbols.curandDestroyGenerator(gen);
  }
}

Deno.test({
  name: "our Philox streams equal cuRAND's PHILOX4_32_10 host generator, raw bits and uniforms",
  ignore: typeof curand === "string",
  fn() {
    const draw = new Philox(Date.now() % 1000003, 11);
    for (let trial = 0; trial < 6; trial++) {
      const seed = BigInt(draw.randint(1, 0x7fffffff)[0]) * 4294967296n +
        BigInt(draw.randint(1, 0x7fffffff)[0]);
      const stream = draw.randint(1, SUBSEQUENCES)[0], counter = draw.randint(1, 50)[0];
      const at = BigInt(4 * (counter * SUBSEQUENCES + stream)); // the library's offset of that block
      const ours = new Philox(seed, stream);
      ours.skip(4 * counter);
      const bits = ours.nextUint32(new Uint32Array(4));
      assert.deepEqual(
        curandDraw(seed, at, 4, false),
        bits,
        `seed ${seed} stream ${stream} counter ${counter}`,
      );
      const u = new Philox(seed, stream);
      u.skip(4 * counter);
      assert.deepEqual(
        curandDraw(seed, at, 4, true),
        u.uniform(4),
        `uniforms, seed ${seed} stream ${stream}`,
      );
    }
  },
});

Deno.test({
  name: "cuRAND's host generator interleaves 65,536 subsequences, the mapping the test above relies on",
  ignore: typeof curand === "string",
  fn() {
    const seed = 7n, n = 4 * (SUBSEQUENCES + 3);
    const all = curandDraw(seed, 0n, n, false) as Uint32Array;
    for (const j of [0, 1, 2, SUBSEQUENCES - 1, SUBSEQUENCES, SUBSEQUENCES + 2]) {
      const r = new Philox(seed, j % SUBSEQUENCES);
      r.skip(4 * Math.floor(j / SUBSEQUENCES));
      assert.deepEqual(all.subarray(4 * j, 4 * j + 4), r.nextUint32(new Uint32Array(4)), `block ${j}`);
    }
  },
});
