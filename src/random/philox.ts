/**
 * Counter-based Philox4x32-10 generator, bit-compatible with Random123's philox4x32_10 and
 * cuRAND's PHILOX4_32_10 (curandStatePhilox4_32_10_t).
 *
 * Stream layout (what a GPU kernel must do to reproduce it):
 *   The k-th 32-bit output (k = `offset`, counted from 0) of `new Philox(seed, stream)` is
 *     philox4x32_10(ctr, key)[k % 4]
 *   with key = [seed & 0xffffffff, seed >> 32] and the 128-bit counter
 *     ctr = [q & 0xffffffff, q >> 32, stream & 0xffffffff, stream >> 32],  q = floor(k / 4).
 *   That is exactly cuRAND's `curand_init(seed, stream, k, &st)` followed by `curand(&st)`:
 *   curand_init puts `subsequence` in the counter's high 64 bits and `skipahead(k)` moves to
 *   block floor(k/4), element k%4. So `curand_init(seed, stream, philox.offset, &st)` continues
 *   this generator's stream exactly. A kernel thread that handles output k can equally compute
 *   the block directly (no state), which is how element-parallel kernels should use it.
 *
 * Conversions follow cuRAND's device functions:
 *   uniform  = float32(u32) * 2^-32 + 2^-33 (curand_uniform; in (0, 1], 1 only by float32 rounding)
 *   normal   = Box-Muller on consecutive pairs (x, y) as curand_normal / _curand_box_muller:
 *              u = uniform(x), v = float32(y) * (2π·2^-32) + (π·2^-32), s = sqrt(-2 ln u),
 *              outputs (s·sin v, s·cos v) in that order. Bit-equality with the GPU is not
 *              promised here because GPU logf/sinf/cosf round differently; the inputs are identical.
 * Every draw of n values consumes exactly n 32-bit outputs (normal: 2·ceil(n/2)), so offsets
 * stay predictable. Offsets are kept as float64 integers internally: exact up to 2^53 outputs.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_POW_32 = 4294967296;
const INV_2POW32 = 2.3283064365386963e-10; // 2^-32, exact in float32
const HALF_INV_2POW32 = 1.1641532182693481e-10; // 2^-33
const INV_2POW32_2PI = Math.fround(2 * Math.PI * INV_2POW32); // cuRAND's CURAND_2POW32_INV_2PI
const MAX_SAFE_OFFSET = 2 ** 53;

/** High 32 bits of the 64-bit product a*b for uint32 a, b, computed exactly from 16-bit halves. */
export function mulhi32(a: number, b: number): number {
  // Every partial sum below stays under 2^32, so the shifts see exact values (no floor/division needed).
  const aLo = a & 0xffff, aHi = a >>> 16, bLo = b & 0xffff, bHi = b >>> 16;
  const mid1 = aHi * bLo + ((aLo * bLo) >>> 16);
  const mid2 = aLo * bHi + (mid1 & 0xffff);
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16)) >>> 0;
}

/**
 * One Philox4x32-10 block: out = philox(counter, key). `out` may alias `counter`.
 * Rounds: (hi0, lo0) = M0*c0, (hi1, lo1) = M1*c2; c = [hi1^c1^k0, lo1, hi0^c3^k1, lo0];
 * the key is bumped by the Weyl constants between rounds.
 */
export function philox4x32_10(counter: Uint32Array, key: Uint32Array, out: Uint32Array): void {
  if (counter.length < 4 || key.length < 2 || out.length < 4) {
    throw new Error(
      `philox4x32_10: counter needs 4 words, key 2 and out 4 (got ${counter.length}, ${key.length}, ${out.length})`,
    );
  }
  philoxBlockInto(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out, 0);
}

/** One Philox4x32-10 block of counter (c0..c3) and key (k0, k1), written to out[at..at+3]. */
function philoxBlockInto(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  at: number,
): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[at] = c0;
  out[at + 1] = c1;
  out[at + 2] = c2;
  out[at + 3] = c3;
}

function toU64(name: string, v: number | bigint): bigint {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) {
      throw new Error(`Philox: ${name} must be a non-negative safe integer, got ${v}`);
    }
    return BigInt(v);
  }
  if (v < 0n || v >= 1n << 64n) throw new Error(`Philox: ${name} must fit in 64 unsigned bits, got ${v}`);
  return v;
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`Philox.${what}: count must be a non-negative integer, got ${n}`);
  }
}

/** cuRAND's float32 uniform in (0, 1] from one 32-bit output. */
export function u32ToUniform(x: number): number {
  // float32(x)*2^-32 is exact and adding 2^-33 is exact in float64, so one fround matches the GPU.
  return Math.fround(Math.fround(x) * INV_2POW32 + HALF_INV_2POW32);
}

/**
 * Seeded Philox4x32-10 stream, bit-compatible with cuRAND's PHILOX4_32_10 (see the module comment for the
 * exact layout). Every draw of n values consumes exactly n 32-bit outputs (normal: 2·ceil(n/2)), so `offset`
 * and `skip` make any position reproducible; `fork` gives an independent stream of the same seed.
 *
 * @example
 * ```ts
 * import { Philox } from "./mod.ts";
 * const rng = new Philox(42);
 * const u = rng.uniform(4); // 4 float32 in (0, 1]
 * const z = rng.normal(2, 0, 1);
 * console.log(u.length, z.length, rng.offset); // 4 2 6n
 * const again = new Philox(42);
 * again.skip(4);
 * console.log(again.normal(2)[0] === z[0]); // true
 * ```
 */
export class Philox {
  /** 64-bit key (cuRAND seed). */
  readonly seed: bigint;
  /** High 64 counter bits (cuRAND subsequence). */
  readonly stream: bigint;
  private readonly key = new Uint32Array(2);
  private readonly ctr = new Uint32Array(4);
  private readonly block = new Uint32Array(4);
  private blockIndex = -1; // which block `block` currently holds
  private pos = 0; // offset in 32-bit outputs

  /** Generator at offset 0 of stream `stream` under key `seed`. */
  constructor(seed: number | bigint, stream: number | bigint = 0) {
    this.seed = toU64("seed", seed);
    this.stream = toU64("stream", stream);
    this.key[0] = Number(this.seed & 0xffffffffn);
    this.key[1] = Number(this.seed >> 32n);
    this.ctr[2] = Number(this.stream & 0xffffffffn);
    this.ctr[3] = Number(this.stream >> 32n);
  }

  /** Number of 32-bit outputs consumed so far (cuRAND's curand_init `offset`). */
  get offset(): bigint {
    return BigInt(this.pos);
  }

  /** Advance by n 32-bit outputs without generating them. */
  skip(n: number | bigint): void {
    const next = this.pos + Number(toU64("skip count", n));
    if (next > MAX_SAFE_OFFSET) throw new Error(`Philox.skip: offset ${next} exceeds 2^53`);
    this.pos = next;
  }

  /** Compute block q of this stream into the cache. */
  private loadBlock(q: number): void {
    this.ctr[0] = q % TWO_POW_32;
    this.ctr[1] = Math.floor(q / TWO_POW_32);
    philox4x32_10(this.ctr, this.key, this.block);
    this.blockIndex = q;
  }

  /** Fill `out` with the next out.length 32-bit outputs and return it. */
  nextUint32(out: Uint32Array): Uint32Array {
    const n = out.length;
    if (this.pos + n > MAX_SAFE_OFFSET) throw new Error(`Philox: offset would exceed 2^53`);
    let i = 0;
    let pos = this.pos;
    // Whole blocks straight into `out` (the hot path for large draws), after any partial leading block.
    while (i < n && pos % 4 !== 0) {
      const q = Math.floor(pos / 4);
      if (q !== this.blockIndex) this.loadBlock(q);
      out[i++] = this.block[pos % 4];
      pos++;
    }
    if (n - i >= 4) {
      const k0 = this.key[0], k1 = this.key[1], s0 = this.ctr[2], s1 = this.ctr[3];
      for (; n - i >= 4; i += 4, pos += 4) {
        const q = pos / 4;
        philoxBlockInto(q % TWO_POW_32, Math.floor(q / TWO_POW_32), s0, s1, k0, k1, out, i);
      }
    }
    while (i < n) {
      const q = Math.floor(pos / 4);
      if (q !== this.blockIndex) this.loadBlock(q);
      const b = this.block;
      for (let j = pos % 4; j < 4 && i < n; j++) {
        out[i++] = b[j];
        pos++;
      }
    }
    this.pos = pos;
    return out;
  }

  /** n float32 uniforms in (0, 1] (cuRAND's curand_uniform). */
  uniform(n: number): Float32Array {
    checkCount("uniform", n);
    const raw = this.nextUint32(new Uint32Array(n));
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = u32ToUniform(raw[i]);
    return out;
  }

  /** n normals by Box-Muller on pairs (cuRAND's curand_normal order: sin part, then cos part). */
  normal(n: number, mean = 0, std = 1): Float32Array {
    checkCount("normal", n);
    const pairs = Math.ceil(n / 2);
    const raw = this.nextUint32(new Uint32Array(2 * pairs));
    const out = new Float32Array(n);
    for (let p = 0; p < pairs; p++) {
      const u = u32ToUniform(raw[2 * p]);
      const v = Math.fround(Math.fround(raw[2 * p + 1]) * INV_2POW32_2PI + INV_2POW32_2PI / 2);
      const s = Math.sqrt(-2 * Math.log(u));
      out[2 * p] = mean + std * s * Math.sin(v);
      if (2 * p + 1 < n) out[2 * p + 1] = mean + std * s * Math.cos(v);
    }
    return out;
  }

  /** n Bernoulli draws: 1 iff uniform < p (p >= 1 gives all ones, p <= 0 all zeros). */
  bernoulli(n: number, p: number): Uint8Array {
    checkCount("bernoulli", n);
    if (Number.isNaN(p)) throw new Error("Philox.bernoulli: p is NaN");
    const u = this.uniform(n);
    const out = new Uint8Array(n);
    if (p >= 1) return out.fill(1);
    const pf = Math.fround(p);
    for (let i = 0; i < n; i++) out[i] = u[i] < pf ? 1 : 0;
    return out;
  }

  /**
   * n integers in [0, high): mulhi(u32, high) (== __umulhi(curand(), high) on the GPU).
   * Bias is at most high/2^32 per value, negligible for the sizes used here.
   */
  randint(n: number, high: number): Int32Array {
    checkCount("randint", n);
    if (!Number.isInteger(high) || high < 1 || high > 0x7fffffff) {
      throw new Error(`Philox.randint: high must be an integer in [1, 2^31), got ${high}`);
    }
    const raw = this.nextUint32(new Uint32Array(n));
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = mulhi32(raw[i], high);
    return out;
  }

  /**
   * A random permutation of 0..n-1: the stable argsort of n 32-bit draws (the same order as
   * argsort of the uniforms, except that draws float32 rounding would tie stay distinct).
   */
  permutation(n: number): Int32Array {
    checkCount("permutation", n);
    const raw = this.nextUint32(new Uint32Array(n));
    const out = new Int32Array(n);
    if (n <= 1 << 21) {
      // Pack (key, index) into one exact float64 (< 2^53) and use the fast numeric sort.
      const packed = new Float64Array(n);
      for (let i = 0; i < n; i++) packed[i] = raw[i] * 2097152 + i;
      packed.sort();
      for (let i = 0; i < n; i++) out[i] = packed[i] % 2097152;
    } else {
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => raw[a] - raw[b] || a - b);
      for (let i = 0; i < n; i++) out[i] = idx[i];
    }
    return out;
  }

  /** A generator with the same seed on another stream (cuRAND subsequence), at offset 0. */
  fork(stream: number | bigint): Philox {
    return new Philox(this.seed, stream);
  }
}
