/**
 * CUDA backend checks that need no GPU: the one-line error when CUDA is missing, the "auto" fallback,
 * dimension merging, the CPU side of randomUniform, and (when libnvrtc loads) compilation of every kernel.
 */
import assert from "node:assert/strict";
import { cudaAvailable, cudaUnavailableReason, nvrtcAvailable } from "../src/backend/cuda/availability.ts";
import { CudaBackend } from "../src/backend/cuda/cuda_backend.ts";
import { getBackend, setBackend } from "../src/backend/registry.ts";
import { collapseDims } from "../src/backend/cuda/strided.ts";
import { compileCuda, cudaProgramSource } from "../src/backend/cuda/program.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { Philox } from "../src/random/philox.ts";
import { candidatesFor } from "../ffi/cuda/paths.ts";

Deno.test({
  name: "cuda: without a GPU the factory throws one line and auto falls back to the CPU with one line",
  ignore: cudaAvailable(),
  fn() {
    const reason = cudaUnavailableReason();
    assert.ok(reason && reason.length > 0 && !reason.includes("\n"), `reason: ${reason}`);
    assert.throws(() => new CudaBackend(), (e: Error) => {
      assert.match(e.message, /^CUDA unavailable: /);
      assert.ok(!e.message.includes("\n"), `multi-line error: ${e.message}`);
      return true;
    });
    const lines: string[] = [];
    const orig = console.error;
    console.error = (...args: unknown[]) => void lines.push(args.join(" "));
    try {
      setBackend("auto");
    } finally {
      console.error = orig;
    }
    assert.equal(getBackend(), "cpu");
    // One line about CUDA (the CPU backend may add its own line when OpenBLAS is missing or disabled).
    const cudaLines = lines.filter((l) => l.includes("CUDA"));
    assert.equal(cudaLines.length, 1, `expected one CUDA stderr line, got ${JSON.stringify(lines)}`);
    assert.match(cudaLines[0], /CUDA unavailable/);
    assert.throws(() => setBackend("cuda"), /CUDA unavailable/);
    setBackend("cpu");
  },
});

Deno.test("cuda: library candidates put MMSSL_CUDA_LIB_DIRS first, then the bare soname", () => {
  const before = Deno.env.get("MMSSL_CUDA_LIB_DIRS");
  Deno.env.set("MMSSL_CUDA_LIB_DIRS", "/opt/none-a:/opt/none-b");
  try {
    const c = candidatesFor(["libx.so.1"]);
    assert.deepEqual(c.slice(0, 3), ["/opt/none-a/libx.so.1", "/opt/none-b/libx.so.1", "libx.so.1"]);
    for (const p of c.slice(3)) assert.match(p, /^\/.+\/libx\.so\.1$/);
  } finally {
    if (before === undefined) Deno.env.delete("MMSSL_CUDA_LIB_DIRS");
    else Deno.env.set("MMSSL_CUDA_LIB_DIRS", before);
  }
});

Deno.test("cuda: collapseDims drops unit dims and merges contiguous runs", () => {
  // [2,3,4] contiguous in both -> one dim of 24
  assert.deepEqual(collapseDims([2, 3, 4], [[12, 4, 1], [12, 4, 1]]), { shape: [24], strides: [[1], [1]] });
  // a broadcasts over the middle axis: cannot merge across it
  assert.deepEqual(collapseDims([2, 3, 4], [[4, 0, 1], [12, 4, 1]]), {
    shape: [2, 3, 4],
    strides: [[4, 0, 1], [12, 4, 1]],
  });
  // transpose of [3,4] read into a contiguous [4,3]; unit dims vanish
  assert.deepEqual(collapseDims([1, 4, 1, 3], [[0, 1, 9, 4], [12, 3, 3, 1]]), {
    shape: [4, 3],
    strides: [[1, 4], [3, 1]],
  });
  // all-unit shape collapses to rank 0
  assert.deepEqual(collapseDims([1, 1], [[5, 7], [1, 1]]), { shape: [], strides: [[], []] });
  // a rank-9 contiguous copy becomes rank 1
  const shape = [2, 2, 2, 2, 2, 2, 2, 2, 2];
  const st = shape.map((_, k) => 2 ** (8 - k));
  assert.deepEqual(collapseDims(shape, [st, st]).shape, [512]);
});

Deno.test("cpu: randomUniform equals Philox(seed, stream) after skipping offset outputs", () => {
  const cpu = new CpuBackend({ quiet: true });
  for (
    const [seed, stream, offset, n] of [[7n, 0n, 0n, 37], [2n ** 40n + 5n, 3n, 5n, 64], [
      99n,
      1n,
      1000003n,
      9,
    ]]
  ) {
    const out = cpu.alloc(Number(n));
    cpu.randomUniform(out, seed as bigint, stream as bigint, offset as bigint);
    const rng = new Philox(seed as bigint, stream as bigint);
    rng.skip(offset as bigint);
    const ref = rng.uniform(Number(n));
    assert.deepEqual(cpu.readSync(out), ref);
    for (const u of ref) assert.ok(u > 0 && u <= 1);
  }
});

Deno.test({
  name: "cuda: NVRTC compiles every kernel to PTX for compute_75, 80 and 90 (needs libnvrtc, not a GPU)",
  ignore: !nvrtcAvailable(),
  fn() {
    const { source, names } = cudaProgramSource();
    assert.ok(names.length > 80, `only ${names.length} kernels`);
    assert.equal(new Set(names).size, names.length, "duplicate kernel names");
    // the oldest target the backend accepts, and the A100 and H100/H200 generations the GPU checks run on
    for (const arch of ["compute_75", "compute_80", "compute_90"]) {
      const ptx = new TextDecoder().decode(compileCuda(source, arch).image);
      const missing = names.filter((n) => !ptx.includes(`.entry ${n}(`));
      assert.deepEqual(missing, [], arch);
    }
  },
});
