import assert from "node:assert/strict";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  type SafetensorsTensor,
  saveSafetensors,
} from "../src/io/safetensors.ts";
import { bfloat16ToFloat32, float32ToBfloat16, float32ToHalf, halfToFloat32 } from "../src/io/half.ts";
import { uniformSource } from "./helpers.ts";

const rng = uniformSource;

/** Build a file by hand: header JSON (padded to 8) + data bytes. */
function build(header: unknown, data: Uint8Array, padTo8 = true): Uint8Array {
  let json = JSON.stringify(header);
  if (padTo8) json += " ".repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

Deno.test("decode a hand-built file", () => {
  const data = new Uint8Array(8 + 16 + 2);
  const dv = new DataView(data.buffer);
  dv.setBigInt64(0, -5n, true); // "idx": I64 [1]
  dv.setFloat32(8, 1.5, true); // "w": F32 [2, 2]
  dv.setFloat32(12, -2.25, true);
  dv.setFloat32(16, 1e-3, true);
  dv.setFloat32(20, 7, true);
  dv.setUint16(24, 0x3c00, true); // "h": F16 [1] = 1.0
  const bytes = build({
    __metadata__: { format: "pt", epoch: "4" },
    idx: { dtype: "I64", shape: [1], data_offsets: [0, 8] },
    w: { dtype: "F32", shape: [2, 2], data_offsets: [8, 24] },
    h: { dtype: "F16", shape: [1], data_offsets: [24, 26] },
  }, data);
  const f = decodeSafetensors(bytes);
  assert.deepEqual(f.metadata, { format: "pt", epoch: "4" });
  assert.deepEqual(f.tensors.idx, { dtype: "I64", shape: [1], data: new BigInt64Array([-5n]) });
  assert.deepEqual(f.tensors.w.shape, [2, 2]);
  assert.deepEqual([...f.tensors.w.data as Float32Array], [1.5, -2.25, Math.fround(1e-3), 7]);
  assert.ok(f.tensors.h.data instanceof Float32Array);
  assert.deepEqual([...f.tensors.h.data as Float32Array], [1]);
});

Deno.test("encode produces the documented layout", () => {
  const bytes = encodeSafetensors({
    b: { dtype: "U8", shape: [3], data: new Uint8Array([9, 8, 7]) },
    a: { dtype: "F32", shape: [2], data: new Float32Array([0.5, -4]) },
  }, { note: "x" });
  const dv = new DataView(bytes.buffer);
  const n = Number(dv.getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, "data section starts 8-byte aligned");
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(text, / *$/);
  const header = JSON.parse(text);
  assert.deepEqual(header.__metadata__, { note: "x" });
  assert.deepEqual(header.a, { dtype: "F32", shape: [2], data_offsets: [0, 8] });
  assert.deepEqual(header.b, { dtype: "U8", shape: [3], data_offsets: [8, 11] });
  assert.equal(bytes.length, 8 + n + 11);
  assert.equal(dv.getFloat32(8 + n, true), 0.5);
  assert.equal(dv.getFloat32(8 + n + 4, true), -4);
  assert.deepEqual([...bytes.subarray(8 + n + 8)], [9, 8, 7]);
});

Deno.test("round trip of every dtype with random data", () => {
  const r = rng(42);
  const f32 = Float32Array.from({ length: 12 }, () => r() * 10 - 5);
  const f64 = Float64Array.from({ length: 5 }, () => r() * 1e6 - 5e5);
  const i32 = Int32Array.from({ length: 6 }, () => Math.floor(r() * 2 ** 32) - 2 ** 31);
  const i64 = BigInt64Array.from({ length: 4 }, () => BigInt(Math.floor(r() * 2 ** 52)) * -3n);
  const u8 = Uint8Array.from({ length: 7 }, () => Math.floor(r() * 256));
  const tensors: Record<string, SafetensorsTensor> = {
    "layer.0.weight": { dtype: "F32", shape: [3, 4], data: f32 },
    "stats": { dtype: "F64", shape: [5], data: f64 },
    "ints": { dtype: "I32", shape: [2, 1, 3], data: i32 },
    "big": { dtype: "I64", shape: [4], data: i64 },
    "bytes": { dtype: "U8", shape: [7], data: u8 },
    "scalar": { dtype: "F32", shape: [], data: new Float32Array([r()]) },
    "empty": { dtype: "F32", shape: [0, 3], data: new Float32Array(0) },
  };
  const back = decodeSafetensors(encodeSafetensors(tensors, { seed: "42" }));
  assert.deepEqual(back.metadata, { seed: "42" });
  assert.deepEqual(back.tensors, tensors);
});

Deno.test("half and bfloat16 conversions match hand-worked values", () => {
  assert.deepEqual(
    [...halfToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555, 0x8000]))],
    [1, -2, 65504, 2 ** -24, Infinity, 0.333251953125, -0],
  );
  assert.ok(Number.isNaN(halfToFloat32(new Uint16Array([0x7e00]))[0]));
  assert.deepEqual([...bfloat16ToFloat32(new Uint16Array([0x3f80, 0x4049, 0xc2f7]))], [1, 3.140625, -123.5]);
  // Round to nearest, ties to even.
  const toHalf = (v: number[]) => [...float32ToHalf(new Float32Array(v))];
  assert.deepEqual(toHalf([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, 2 ** -25, 3 * 2 ** -25, -2]), [
    0x3c00,
    0x3c02,
    0x7bff,
    0x7c00,
    0,
    2,
    0xc000,
  ]);
  const toBf = (v: number[]) => [...float32ToBfloat16(new Float32Array(v))];
  assert.deepEqual(toBf([1 + 2 ** -8, 1 + 3 * 2 ** -8, -123.5]), [0x3f80, 0x3f82, 0xc2f7]);
  // Random values survive an F16/BF16 round trip within half a unit in the last place.
  const r = rng(7);
  const x = Float32Array.from({ length: 200 }, () => (r() - 0.5) * 100);
  const h = halfToFloat32(float32ToHalf(x));
  const b = bfloat16ToFloat32(float32ToBfloat16(x));
  for (let i = 0; i < x.length; i++) {
    const ulpH = 2 ** (Math.floor(Math.log2(Math.abs(x[i]))) - 10);
    const ulpB = 2 ** (Math.floor(Math.log2(Math.abs(x[i]))) - 7);
    assert.ok(Math.abs(h[i] - x[i]) <= ulpH / 2, `f16 ${x[i]} -> ${h[i]}`);
    assert.ok(Math.abs(b[i] - x[i]) <= ulpB / 2, `bf16 ${x[i]} -> ${b[i]}`);
  }
});

Deno.test("F16 and BF16 tensors encode from Float32Array and decode to Float32Array", () => {
  const bytes = encodeSafetensors({
    h: { dtype: "F16", shape: [3], data: new Float32Array([0.5, -3, 1 + 2 ** -11]) },
    b: { dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xc2f7]) },
  });
  const f = decodeSafetensors(bytes);
  assert.deepEqual([...f.tensors.h.data as Float32Array], [0.5, -3, 1]);
  assert.deepEqual([...f.tensors.b.data as Float32Array], [1, -123.5]);
  assert.equal(f.tensors.b.dtype, "BF16");
});

Deno.test("decode errors are clear", () => {
  const ok = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
  const d8 = new Uint8Array(8);
  assert.throws(() => decodeSafetensors(new Uint8Array(3), "m.st"), /safetensors m\.st: .*too short/);
  const badLen = build({ a: ok }, d8);
  new DataView(badLen.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => decodeSafetensors(badLen, "m.st"), /m\.st: bad header length 1000/);
  assert.throws(
    () => decodeSafetensors(build({ a: { ...ok, data_offsets: [0, 16] } }, d8), "m.st"),
    /tensor "a": data_offsets \[0, 16\] out of range/,
  );
  assert.throws(
    () => decodeSafetensors(build({ a: { ...ok, shape: [3] } }, d8)),
    /tensor "a": shape \[3\] of F32 needs 12 bytes but data_offsets span 8/,
  );
  assert.throws(
    () => decodeSafetensors(build({ a: { ...ok, dtype: "C64" } }, d8)),
    /tensor "a": unknown or unsupported dtype "C64"/,
  );
  assert.throws(
    () =>
      decodeSafetensors(
        build({
          a: { ...ok, shape: [1], data_offsets: [0, 4] },
          b: { ...ok, shape: [1], data_offsets: [2, 6] },
        }, d8),
      ),
    /overlapping/,
  );
  const notJson = build({}, d8);
  notJson[8] = 0x78;
  assert.throws(() => decodeSafetensors(notJson), /header is not valid UTF-8 JSON/);
  assert.throws(() => decodeSafetensors(build({ a: { ...ok, shape: [-2] } }, d8)), /non-negative integers/);
  assert.throws(() => loadSafetensors("/nonexistent/dir/x.safetensors"), /nonexistent\/dir\/x\.safetensors/);
});

Deno.test("encode errors are clear", () => {
  assert.throws(
    () => encodeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float64Array(2) } }),
    /tensor "w": dtype F32 needs a Float32Array, got Float64Array/,
  );
  assert.throws(
    () => encodeSafetensors({ w: { dtype: "I32", shape: [2, 2], data: new Int32Array(3) } }),
    /shape \[2, 2\] holds 4 elements but data has 3/,
  );
});

Deno.test("save and load a file", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = rng(3);
    const w = Float32Array.from({ length: 30 }, () => r());
    saveSafetensors(`${dir}/sub/model.safetensors`, { w: { dtype: "F32", shape: [5, 6], data: w } }, {
      k: "v",
    });
    const f = loadSafetensors(`${dir}/sub/model.safetensors`);
    assert.deepEqual(f.tensors.w.data, w);
    assert.deepEqual(f.metadata, { k: "v" });
    assert.deepEqual([...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name), ["model.safetensors"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
