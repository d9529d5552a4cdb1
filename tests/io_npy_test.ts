import assert from "node:assert/strict";
import {
  encodeNpy,
  type NpyData,
  parseNpy,
  readNpy,
  readNpyAsFloat32,
  readNpyAsInt32,
  writeNpy,
} from "../src/io/npy.ts";
import { uniformSource } from "./helpers.ts";

const rng = uniformSource;

/** An .npy file built by hand: magic, version, header-length field of the version's width, header, data. */
function build(major: number, header: string, data: Uint8Array, pad = true): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  let h = header;
  if (pad) {
    const total = Math.ceil((prefix + h.length + 1) / 64) * 64;
    h += " ".repeat(total - prefix - h.length - 1);
  }
  h += "\n";
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(prefix + hb.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, hb.length, true);
  else dv.setUint32(8, hb.length, true);
  out.set(hb, prefix);
  out.set(data, prefix + hb.length);
  return out;
}

function f32le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return b;
}

// np.save(f, np.array([[1, -2, 3], [4, 5, -6]], dtype='<i4')) with NumPy 2.4.
const NUMPY_I4_HEX =
  "934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c2027" +
  "7368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020" +
  "2020202020202020202020202020202020202020200a01000000feffffff030000000400000005000000faffffff";

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

Deno.test("parse and reproduce a file written by NumPy", () => {
  const bytes = fromHex(NUMPY_I4_HEX);
  const a = parseNpy(bytes);
  assert.deepEqual(a, { shape: [2, 3], dtype: "int32", data: new Int32Array([1, -2, 3, 4, 5, -6]) });
  assert.deepEqual(encodeNpy({ shape: [2, 3], data: new Int32Array([1, -2, 3, 4, 5, -6]) }), bytes);
});

Deno.test("parse hand-built headers of versions 1.0, 2.0 and 3.0", () => {
  const vals = [0.5, -1.25, 3, 1e-3, 7, -8];
  for (const major of [1, 2, 3]) {
    const a = parseNpy(
      build(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f32le(vals)),
    );
    assert.deepEqual(a.shape, [3, 2]);
    assert.equal(a.dtype, "float32");
    assert.deepEqual([...a.data as Float32Array], vals.map(Math.fround));
  }
  // Unpadded header, double quotes, different key order, 1-d shape and a scalar.
  const one = parseNpy(
    build(1, `{"shape": (2,), "fortran_order": False, "descr": "<f4"}`, f32le([1, 2]), false),
  );
  assert.deepEqual(one.shape, [2]);
  const scalar = parseNpy(build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32le([9])));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual([...scalar.data as Float32Array], [9]);
});

Deno.test("parse integer, bool, half and big-endian data", () => {
  const i8 = new Uint8Array(16);
  new DataView(i8.buffer).setBigInt64(0, -3n, true);
  new DataView(i8.buffer).setBigInt64(8, 2n ** 40n, true);
  const a = parseNpy(build(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8));
  assert.deepEqual(a.data, new BigInt64Array([-3n, 2n ** 40n]));
  const b = parseNpy(
    build(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([1, 0, 1])),
  );
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.data, new Uint8Array([1, 0, 1]));
  const h = parseNpy(
    build(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", new Uint8Array([0, 0x3c, 0, 0xc0])),
  );
  assert.deepEqual(h.data, new Float32Array([1, -2]));
  const be = new Uint8Array(8);
  new DataView(be.buffer).setInt32(0, -7, false);
  new DataView(be.buffer).setInt32(4, 300000, false);
  const c = parseNpy(build(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be));
  assert.deepEqual(c.data, new Int32Array([-7, 300000]));
  const s = parseNpy(
    build(1, "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 2), }", new Uint8Array([1, 1, 255, 255])),
  );
  assert.deepEqual(s.data, new Uint16Array([257, 65535]));
});

Deno.test("parse errors are clear", () => {
  const hdr = (d: string, fo = "False", shape = "(2,)") =>
    `{'descr': '${d}', 'fortran_order': ${fo}, 'shape': ${shape}, }`;
  assert.throws(() => parseNpy(new Uint8Array(20), "x.npy"), /npy x\.npy: not a NumPy \.npy file/);
  assert.throws(
    () => parseNpy(build(1, hdr("<f4", "True"), f32le([1, 2])), "x.npy"),
    /npy x\.npy: fortran_order is True; only C-order arrays are supported/,
  );
  assert.throws(() => parseNpy(build(1, hdr("<c8"), new Uint8Array(16))), /unsupported dtype descr '<c8'/);
  assert.throws(
    () => parseNpy(build(1, hdr("<f4", "False", "(3, 2)"), f32le([1, 2]))),
    /data truncated: shape \(3, 2\) of <f4 needs 24 bytes, file has 8/,
  );
  assert.throws(
    () =>
      parseNpy(build(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32le([1]))),
    /structured dtypes are not supported/,
  );
  const v9 = build(1, hdr("<f4"), f32le([1, 2]));
  v9[6] = 9;
  assert.throws(() => parseNpy(v9), /unsupported format version 9\.0/);
  assert.throws(() => readNpy("/nonexistent/q.npy"), /npy \/nonexistent\/q\.npy: cannot read file/);
});

Deno.test("encode/parse round trip for every typed array, header aligned to 64", () => {
  const r = rng(11);
  const arrays: NpyData[] = [
    Float32Array.from({ length: 12 }, () => r() - 0.5),
    Float64Array.from({ length: 12 }, () => (r() - 0.5) * 1e9),
    Int8Array.from({ length: 12 }, () => Math.floor(r() * 256) - 128),
    Uint8Array.from({ length: 12 }, () => Math.floor(r() * 256)),
    Int16Array.from({ length: 12 }, () => Math.floor(r() * 65536) - 32768),
    Uint16Array.from({ length: 12 }, () => Math.floor(r() * 65536)),
    Int32Array.from({ length: 12 }, () => Math.floor(r() * 2 ** 32) - 2 ** 31),
    Uint32Array.from({ length: 12 }, () => Math.floor(r() * 2 ** 32)),
    BigInt64Array.from({ length: 12 }, () => BigInt(Math.floor(r() * 2 ** 50)) - 2n ** 49n),
    BigUint64Array.from({ length: 12 }, () => BigInt(Math.floor(r() * 2 ** 53)) * 1000n),
  ];
  for (const data of arrays) {
    for (const shape of [[12], [3, 4], [2, 3, 2]]) {
      const bytes = encodeNpy({ shape, data });
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      assert.equal((10 + headerLen) % 64, 0);
      assert.equal(bytes[10 + headerLen - 1], 0x0a);
      const back = parseNpy(bytes);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual(back.data, data);
    }
  }
  // A header too long for the 1.0 format's u16 length switches to format 2.0.
  const manyDims = new Array(25000).fill(1);
  const long = encodeNpy({ shape: manyDims, data: new Float32Array([4.5]) });
  assert.equal(long[6], 2);
  assert.equal((12 + new DataView(long.buffer).getUint32(8, true)) % 64, 0);
  assert.deepEqual(parseNpy(long).shape, manyDims);
  const b = parseNpy(encodeNpy({ shape: [2], data: new Uint8Array([1, 0]), dtype: "bool" }));
  assert.equal(b.dtype, "bool");
  assert.throws(
    () => encodeNpy({ shape: [5], data: new Float32Array(4) }),
    /shape \(5\) holds 5 elements but data has 4/,
  );
});

Deno.test("readNpyAsFloat32 and readNpyAsInt32 convert and check", () => {
  const dir = Deno.makeTempDirSync();
  try {
    writeNpy(`${dir}/x.npy`, { shape: [2, 2], data: new Float64Array([0.1, -2.5, 1e10, 3]) });
    const x = readNpyAsFloat32(`${dir}/x.npy`);
    assert.deepEqual(x, { shape: [2, 2], data: new Float32Array([0.1, -2.5, 1e10, 3]) });
    writeNpy(`${dir}/y64.npy`, { shape: [3], data: new BigInt64Array([0n, 5n, -1n]) });
    assert.deepEqual(readNpyAsInt32(`${dir}/y64.npy`), { shape: [3], data: new Int32Array([0, 5, -1]) });
    writeNpy(`${dir}/yf.npy`, { shape: [3], data: new Float64Array([2, 0, 1]) });
    assert.deepEqual(readNpyAsInt32(`${dir}/yf.npy`).data, new Int32Array([2, 0, 1]));
    assert.deepEqual(readNpyAsFloat32(`${dir}/y64.npy`).data, new Float32Array([0, 5, -1]));
    writeNpy(`${dir}/bad.npy`, { shape: [2], data: new Float32Array([1, 0.5]) });
    assert.throws(
      () => readNpyAsInt32(`${dir}/bad.npy`),
      /bad\.npy: expected integer labels but element 1 is 0\.5/,
    );
    writeNpy(`${dir}/huge.npy`, { shape: [1], data: new BigInt64Array([2n ** 40n]) });
    assert.throws(() => readNpyAsInt32(`${dir}/huge.npy`), /does not fit in int32/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
