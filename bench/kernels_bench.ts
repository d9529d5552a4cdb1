/**
 * Custom kernels beside gpu.js, in one run, alternating the sides: an element-wise kernel over 1M elements
 * and a 256³ matmul kernel, each as this library's `createKernel` in C (the translator), as its JavaScript
 * path (`mode: "javascript"`), and as gpu.js 2.24.1 in its CPU mode (its fastest mode here: no GPU, no
 * WebGL in Deno), plus the library's own `matmul` op for scale.
 *
 *   deno run -A bench/kernels_bench.ts [--rounds 5]
 */
import { parseArgs } from "node:util";
import { createKernel, type KernelThis, type Matrix, type Vector } from "../src/kernels/mod.ts";
import { matmul, randn, tidy } from "../src/tensor/mod.ts";
import { machineLine } from "./report.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);

function axpy(this: KernelThis, a: Vector, b: Vector): number {
  return a[this.thread.x] * 2.5 + Math.exp(-b[this.thread.x] * b[this.thread.x]);
}
function matMult(this: KernelThis, a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < this.constants.size; i++) s += a[this.thread.y][i] * b[i][this.thread.x];
  return s;
}

interface GpuKernel {
  (...args: unknown[]): unknown;
  setOutput(o: number[]): GpuKernel;
  setConstants(c: Record<string, number>): GpuKernel;
}
interface GpuJs {
  createKernel(fn: unknown): GpuKernel;
}
const spec = "npm:gpu.js@2.24.1";
const gpu = new (await import(spec)).GPU({ mode: "cpu" }) as GpuJs;

const N = 1 << 20, M = 256;
const a1 = randn([N]), b1 = randn([N]);
const a2 = randn([M, M]), b2 = randn([M, M]);
const host1 = [a1.dataSync(), b1.dataSync()];
const nested = (t: Float32Array) => Array.from({ length: M }, (_, y) => t.subarray(y * M, (y + 1) * M));
const host2 = [nested(a2.dataSync()), nested(b2.dataSync())];

const ours = {
  axpyC: createKernel(axpy, { mode: "native" }).setOutput([N]),
  axpyJs: createKernel(axpy, { mode: "javascript" }).setOutput([N]),
  mmC: createKernel(matMult, { mode: "native", constants: { size: M } }).setOutput([M, M]),
  mmJs: createKernel(matMult, { mode: "javascript", constants: { size: M } }).setOutput([M, M]),
};
const theirs = {
  axpy: gpu.createKernel(axpy).setOutput([N]),
  mm: gpu.createKernel(matMult).setConstants({ size: M }).setOutput([M, M]),
};

const cases: [string, () => void][] = [
  ["elementwise 1M: createKernel C", () => tidy(() => ours.axpyC(a1, b1)).dispose()],
  ["elementwise 1M: createKernel JavaScript", () => tidy(() => ours.axpyJs(a1, b1)).dispose()],
  ["elementwise 1M: gpu.js cpu mode", () => theirs.axpy(host1[0], host1[1])],
  ["matmul 256³: createKernel C", () => tidy(() => ours.mmC(a2, b2)).dispose()],
  ["matmul 256³: createKernel JavaScript", () => tidy(() => ours.mmJs(a2, b2)).dispose()],
  ["matmul 256³: gpu.js cpu mode", () => theirs.mm(host2[0], host2[1])],
  ["matmul 256³: the library's matmul op", () => tidy(() => matmul(a2, b2)).dispose()],
];
for (const [, run] of cases) run(); // warm-up: compiles, JIT
const times = new Map<string, number[]>(cases.map(([n]) => [n, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of r % 2 ? [...cases].reverse() : cases) {
    const t0 = performance.now();
    run();
    times.get(name)!.push(performance.now() - t0);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(machineLine());
console.log(`median of ${rounds} alternated rounds (ms):`);
for (const [name, xs] of times) console.log(`  ${name.padEnd(42)} ${median(xs).toFixed(2).padStart(10)}`);
const ratio = (x: string, y: string) => (median(times.get(y)!) / median(times.get(x)!)).toFixed(1);
console.log(
  `speed-up over gpu.js cpu mode: elementwise C ${
    ratio("elementwise 1M: createKernel C", "elementwise 1M: gpu.js cpu mode")
  }x, ` +
    `JavaScript ${ratio("elementwise 1M: createKernel JavaScript", "elementwise 1M: gpu.js cpu mode")}x; ` +
    `matmul C ${ratio("matmul 256³: createKernel C", "matmul 256³: gpu.js cpu mode")}x, ` +
    `JavaScript ${ratio("matmul 256³: createKernel JavaScript", "matmul 256³: gpu.js cpu mode")}x`,
);
