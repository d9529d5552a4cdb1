import assert from "node:assert/strict";
import { mulhi32, Philox, philox4x32_10, u32ToUniform } from "../src/random/philox.ts";

/** Independent BigInt reference of Philox4x32-10 (Random123 definition). */
function refPhilox(ctr: bigint[], key: bigint[]): bigint[] {
  const mask = 0xffffffffn;
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & mask, (p0 >> 32n) ^ c3 ^ k1, p0 & mask];
    k0 = (k0 + 0x9e3779b9n) & mask;
    k1 = (k1 + 0xbb67ae85n) & mask;
  }
  return [c0, c1, c2, c3];
}

const hex = (a: ArrayLike<number>): string =>
  Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(" ");

Deno.test("philox4x32_10 matches Random123 known-answer vectors", () => {
  const kats: [number[], number[], string][] = [
    [[0, 0, 0, 0], [0, 0], "6627e8d5 e169c58d bc57ac4c 9b00dbd8"],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      "408f276d 41c83b0e a20bc7c6 6d5451fd",
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      "d16cfe09 94fdcceb 5001e420 24126ea1",
    ],
  ];
  for (const [c, k, want] of kats) {
    const out = new Uint32Array(4);
    philox4x32_10(Uint32Array.from(c), Uint32Array.from(k), out);
    assert.equal(hex(out), want);
    assert.equal(hex(refPhilox(c.map(BigInt), k.map(BigInt)).map(Number)), want);
  }
});

Deno.test("mulhi32 is exact against BigInt", () => {
  const g = new Philox(7);
  const r = g.nextUint32(new Uint32Array(2000));
  for (let i = 0; i < r.length; i += 2) {
    const want = Number((BigInt(r[i]) * BigInt(r[i + 1])) >> 32n);
    assert.equal(mulhi32(r[i], r[i + 1]), want);
  }
  assert.equal(mulhi32(0xffffffff, 0xffffffff), 0xfffffffe);
});

Deno.test("stream layout: output k is block floor(k/4) element k%4, stream in high counter words", () => {
  const seed = 0x123456789abcn;
  const stream = 0x5_0000_0003n;
  const g = new Philox(seed, stream);
  g.skip((1n << 34n) * 4n + 6n); // block index crosses into counter word 1
  assert.equal(g.offset, (1n << 34n) * 4n + 6n);
  const got = g.nextUint32(new Uint32Array(5));
  const mask = 0xffffffffn;
  const key = [seed & mask, seed >> 32n];
  const expect: number[] = [];
  for (let k = (1n << 34n) * 4n + 6n; expect.length < 5; k++) {
    const q = k / 4n;
    const blk = refPhilox([q & mask, q >> 32n, stream & mask, stream >> 32n], key);
    expect.push(Number(blk[Number(k % 4n)]));
  }
  assert.deepEqual(Array.from(got), expect);
  assert.equal(g.offset, (1n << 34n) * 4n + 11n);
});

Deno.test("determinism, chunking independence and skip", () => {
  const a = new Philox(42, 3).nextUint32(new Uint32Array(37));
  const b = new Philox(42n, 3n);
  const parts = [
    b.nextUint32(new Uint32Array(5)),
    b.nextUint32(new Uint32Array(1)),
    b.nextUint32(new Uint32Array(31)),
  ];
  assert.deepEqual(Array.from(a), parts.flatMap((p) => Array.from(p)));
  const c = new Philox(42, 3);
  c.skip(13);
  assert.deepEqual(Array.from(c.nextUint32(new Uint32Array(24))), Array.from(a.subarray(13)));
  const other = new Philox(42, 4).nextUint32(new Uint32Array(37));
  assert.notDeepEqual(Array.from(other), Array.from(a));
  assert.deepEqual(Array.from(new Philox(42, 3).fork(4).nextUint32(new Uint32Array(37))), Array.from(other));
});

Deno.test("uniform conversion and moments", () => {
  assert.equal(u32ToUniform(0), 2 ** -33);
  assert.equal(u32ToUniform(0xffffffff), 1); // float32 rounding of 2^32-1 reaches 1
  const g = new Philox(1234);
  const n = 200000;
  const raw = new Philox(1234).nextUint32(new Uint32Array(n));
  const u = g.uniform(n);
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    assert.ok(u[i] > 0 && u[i] <= 1);
    assert.equal(u[i], Math.fround(Math.fround(raw[i]) / 2 ** 32 + 2 ** -33));
    s += u[i];
    s2 += u[i] * u[i];
  }
  const mean = s / n, v = s2 / n - mean * mean;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(v - 1 / 12) < 0.002, `var ${v}`);
  assert.equal(g.offset, BigInt(n));
});

Deno.test("normal: Box-Muller pairs and moments", () => {
  const raw = new Philox(99).nextUint32(new Uint32Array(4));
  const z = new Philox(99).normal(3, 1, 2);
  for (let p = 0; p < 2; p++) {
    const u = (raw[2 * p] + 0.5) / 2 ** 32;
    const v = (raw[2 * p + 1] + 0.5) / 2 ** 32 * 2 * Math.PI;
    const s = Math.sqrt(-2 * Math.log(u));
    assert.ok(Math.abs(z[2 * p] - (1 + 2 * s * Math.sin(v))) < 1e-4);
    if (2 * p + 1 < 3) assert.ok(Math.abs(z[2 * p + 1] - (1 + 2 * s * Math.cos(v))) < 1e-4);
  }
  const g = new Philox(5);
  const n = 200001;
  const x = g.normal(n);
  assert.equal(g.offset, BigInt(n + 1));
  let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (const t of x) {
    m1 += t;
    m2 += t * t;
    m3 += t * t * t;
    m4 += t * t * t * t;
  }
  m1 /= n;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  assert.ok(Math.abs(m1) < 0.01, `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 0.015, `var ${m2}`);
  assert.ok(Math.abs(m3) < 0.04, `skew ${m3}`);
  assert.ok(Math.abs(m4 - 3) < 0.08, `kurt ${m4}`);
});

Deno.test("bernoulli, randint, permutation", () => {
  const g = new Philox(77);
  const n = 100000;
  const b = g.bernoulli(n, 0.3);
  const frac = b.reduce((a, x) => a + x, 0) / n;
  assert.ok(Math.abs(frac - 0.3) < 0.01, `bernoulli ${frac}`);
  assert.ok(g.bernoulli(100, 1).every((x) => x === 1));
  assert.ok(g.bernoulli(100, 0).every((x) => x === 0));

  const raw = new Philox(8).nextUint32(new Uint32Array(1000));
  const r = new Philox(8).randint(1000, 7);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 1000; i++) {
    assert.equal(r[i], Number((BigInt(raw[i]) * 7n) >> 32n));
    counts[r[i]]++;
  }
  for (const c of counts) assert.ok(c > 100 && c < 190, `randint counts ${counts}`);

  const keys = new Philox(9).nextUint32(new Uint32Array(500));
  const p = new Philox(9).permutation(500);
  assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: 500 }, (_, i) => i));
  for (let i = 1; i < 500; i++) assert.ok(keys[p[i - 1]] <= keys[p[i]]);
  assert.throws(() => g.randint(3, 0), /high/);
  assert.throws(() => new Philox(-1), /seed/);
  assert.throws(() => new Philox(1n << 64n), /seed/);
});

Deno.test("matches cuRAND PHILOX4_32_10 outputs recorded on an H100 (curand_init(seed, subseq, offset))", () => {
  // Recorded with nvcc 13 / curand_kernel.h: curand_init(0x123456789abc, 0x500000003, 22, &s), then
  // 8 x curand(&s); again with curand_uniform; and curand_init(5, 0, 0) with 8 x curand_normal.
  const g = new Philox(0x123456789abcn, 0x500000003n);
  g.skip(22);
  assert.equal(
    hex(g.nextUint32(new Uint32Array(8))),
    "52b4b310 79e89df3 76e9e9c5 6f16d2f9 531b0602 83579a76 aad2a96c 2358714e",
  );
  const h = new Philox(0x123456789abcn, 0x500000003n);
  h.skip(22);
  const wantU = [
    0.323069751,
    0.476205707,
    0.464506745,
    0.43394202,
    0.324631095,
    0.513055444,
    0.667276919,
    0.138068274,
  ];
  const u = h.uniform(8);
  for (let i = 0; i < 8; i++) assert.equal(u[i], Math.fround(wantU[i]));
  const wantZ = [
    0.309687376,
    0.66127634,
    -0.0386961065,
    0.176908165,
    1.2089411,
    0.808732033,
    0.71815449,
    0.770057201,
  ];
  const z = new Philox(5).normal(8);
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(z[i] - wantZ[i]) < 1e-6, `normal ${i}: ${z[i]} vs ${wantZ[i]}`);
  }
});
