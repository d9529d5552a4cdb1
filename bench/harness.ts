/**
 * A small timing loop shared by the compare/transformer scripts (deno bench has its own): warm up, size the
 * inner loop so one repeat lasts about `minRepeatMs`, then report the median time per call over the repeats.
 * bench/torch_baselines.py uses the same scheme so the two columns are measured alike.
 */

/** Options of timeIt. */
export interface TimeOptions {
  /** Warm-up duration before measuring (at least 2 calls run). */
  warmupMs?: number;
  /** Number of timed repeats; the median is reported. */
  repeats?: number;
  /** Target duration of one repeat; the inner loop count is chosen from the warm-up's speed. */
  minRepeatMs?: number;
}

/** Result of timeIt: median and spread of milliseconds per call. */
export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Calls per repeat. */
  iters: number;
  repeats: number;
}

/** Times fn (synchronous) and returns the median milliseconds per call. */
export function timeIt(fn: () => void, opts: TimeOptions = {}): Timing {
  const warmupMs = opts.warmupMs ?? 200, repeats = opts.repeats ?? 7, minRepeatMs = opts.minRepeatMs ?? 100;
  let calls = 0;
  const w0 = performance.now();
  while (calls < 2 || performance.now() - w0 < warmupMs) {
    fn();
    calls++;
  }
  const perCall = (performance.now() - w0) / calls;
  const iters = Math.max(1, Math.ceil(minRepeatMs / Math.max(perCall, 1e-6)));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) fn();
    samples.push((performance.now() - t0) / iters);
  }
  samples.sort((a, b) => a - b);
  return {
    medianMs: samples[Math.floor(samples.length / 2)],
    minMs: samples[0],
    maxMs: samples[samples.length - 1],
    iters,
    repeats,
  };
}

/** GFLOP/s of an n x n x n GEMM taking `ms` milliseconds. */
export function gemmGflops(n: number, ms: number): number {
  return (2 * n * n * n) / (ms * 1e6);
}
