/**
 * Seeded holdout splits for choosing probe hyper-parameters. The shuffles draw from Philox(seed) on the
 * probe-split stream `STREAMS.probeSplit` (src/random/streams.ts), which no other purpose uses.
 */
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";

const BUFFER = 256;

/**
 * Deterministic uniform generator in [0, 1): consecutive 32-bit outputs u of Philox(seed, stream),
 * returned as u / 2^32 (exact). `seed` must be a non-negative safe integer; `stream` defaults to the
 * probe-split stream.
 */
export function seededUniform(seed: number, stream: number = STREAMS.probeSplit): () => number {
  const rng = new Philox(seed, stream);
  const buf = new Uint32Array(BUFFER);
  let at = BUFFER;
  return () => {
    if (at === BUFFER) {
      rng.nextUint32(buf);
      at = 0;
    }
    return buf[at++] / 4294967296;
  };
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace(a: Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Index sets of a holdout split, each sorted ascending. */
export interface Holdout {
  /** Indices fitted on. */
  train: Int32Array;
  /** Indices scored on. */
  val: Int32Array;
}

/**
 * Stratified split: within each class a seeded shuffle sends round(trainFraction·n_k) samples to `train`
 * and the rest to `val`, keeping at least one sample on each side for classes with two or more samples
 * (a single-sample class goes to `train`).
 */
export function stratifiedHoldout(y: Int32Array, trainFraction: number, seed: number): Holdout {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new Error(`stratifiedHoldout: trainFraction must be in (0, 1), got ${trainFraction}`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const list = byClass.get(y[i]);
    if (list) list.push(i);
    else byClass.set(y[i], [i]);
  }
  const rand = seededUniform(seed);
  const train: number[] = [];
  const val: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = Int32Array.from(byClass.get(cls)!);
    shuffleInPlace(idx, rand);
    const n = idx.length;
    let nTrain = Math.round(trainFraction * n);
    if (n >= 2) nTrain = Math.min(Math.max(nTrain, 1), n - 1);
    else nTrain = n;
    for (let i = 0; i < n; i++) (i < nTrain ? train : val).push(idx[i]);
  }
  return {
    train: Int32Array.from(train).sort(),
    val: Int32Array.from(val).sort(),
  };
}

/** Unstratified split of n samples: a seeded shuffle, the first round(trainFraction·n) go to `train`. */
export function randomHoldout(n: number, trainFraction: number, seed: number): Holdout {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new Error(`randomHoldout: trainFraction must be in (0, 1), got ${trainFraction}`);
  }
  if (n < 2) throw new Error(`randomHoldout: needs at least 2 samples, got ${n}`);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  shuffleInPlace(idx, seededUniform(seed));
  const nTrain = Math.min(Math.max(Math.round(trainFraction * n), 1), n - 1);
  return { train: idx.slice(0, nTrain).sort(), val: idx.slice(nTrain).sort() };
}

/** Rows `idx` of a row-major matrix with `dim` columns. */
export function takeRows<T extends Float32Array | Float64Array>(x: T, dim: number, idx: Int32Array): T {
  const out = new (x.constructor as { new (n: number): T })(idx.length * dim);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * dim, idx[i] * dim + dim), i * dim);
  return out;
}

/** Entries `idx` of a label vector. */
export function takeLabels(y: Int32Array, idx: Int32Array): Int32Array {
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = y[idx[i]];
  return out;
}
