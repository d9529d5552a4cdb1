// Seeded mutation fuzzing of every data reader: a malformed input must either parse or be rejected with an
// Error whose message names the source, never a bare RangeError/TypeError from deep inside, never a hang and
// never an allocation sized by an unchecked header field. Failures print the input's seed and mutation, so a
// case can be replayed with `mutateBytes(seed, ...)`.
import assert from "node:assert/strict";
import { encodeNpy, parseNpy } from "../src/io/npy.ts";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.ts";
import { parseWav } from "../src/data/wav.ts";
import { parseIdx } from "../src/data/idx.ts";
import { parsePhysioNetRecord } from "../src/data/physionet2012.ts";
import { readDatasetDir, writeDatasetDir } from "../src/data/cache.ts";
import { makeSyntheticDataset } from "../src/data/synthetic.ts";

const BASE_SEED = 0x5eed2024;

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of input `i` of a reader's fuzz run. */
function inputSeed(reader: number, i: number): number {
  return (BASE_SEED + reader * 0x01000193 + Math.imul(i, 0x9e3779b9)) >>> 0;
}

/** A numeric header field: byte offset, width in bytes, byte order. */
interface Field {
  at: number;
  size: 1 | 2 | 4 | 8;
  le: boolean;
}

const EXTREMES: Record<number, bigint[]> = {
  1: [0n, 1n, 0x7fn, 0x80n, 0xffn],
  2: [0n, 1n, 0x7fffn, 0x8000n, 0xffffn],
  4: [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0xfffffff0n],
  8: [0n, 1n, 0xffffffffn, 1n << 40n, (1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 1n],
};

function writeField(b: Uint8Array, f: Field, v: bigint): void {
  for (let k = 0; k < f.size; k++) {
    const byte = Number((v >> BigInt(8 * k)) & 0xffn);
    b[f.le ? f.at + k : f.at + f.size - 1 - k] = byte;
  }
}

/**
 * One mutation of `seedInput`, chosen by `seed`: truncation, 1-4 bit flips in the first `headerLen` bytes,
 * an extreme value written into one of `fields`, appended random bytes, or two of these combined.
 */
function mutateBytes(
  seed: number,
  seedInput: Uint8Array,
  headerLen: number,
  fields: Field[],
): { bytes: Uint8Array; what: string } {
  const rng = mulberry32(seed);
  const int = (n: number) => Math.floor(rng() * n);
  let b = seedInput.slice();
  const what: string[] = [];
  const rounds = rng() < 0.25 ? 2 : 1;
  for (let r = 0; r < rounds; r++) {
    const kind = int(fields.length > 0 ? 4 : 3);
    if (kind === 0) {
      const len = int(b.length);
      b = b.slice(0, len);
      what.push(`truncate to ${len}`);
    } else if (kind === 1) {
      const flips = 1 + int(4);
      const lim = Math.max(1, Math.min(headerLen, b.length));
      for (let k = 0; k < flips && b.length > 0; k++) {
        const at = int(lim), bit = int(8);
        b[at] ^= 1 << bit;
        what.push(`flip bit ${bit} of byte ${at}`);
      }
    } else if (kind === 2) {
      const n = 1 + int(64);
      const out = new Uint8Array(b.length + n);
      out.set(b);
      for (let k = 0; k < n; k++) out[b.length + k] = int(256);
      b = out;
      what.push(`append ${n} random bytes`);
    } else {
      const f = fields[int(fields.length)];
      if (f.at + f.size > b.length) continue;
      const ext = EXTREMES[f.size];
      const v = rng() < 0.8 ? ext[int(ext.length)] : BigInt(int(2 ** 32)) & ((1n << BigInt(8 * f.size)) - 1n);
      writeField(b, f, v);
      what.push(`field @${f.at}/${f.size}${f.le ? "le" : "be"} = 0x${v.toString(16)}`);
    }
  }
  return { bytes: b, what: what.join(", ") || "none" };
}

/**
 * Check one outcome: returning is fine; a throw must be a plain Error naming `label`. Returns a failure
 * description or null.
 */
function judge(run: () => unknown, label: string): string | null {
  try {
    run();
    return null;
  } catch (e) {
    return judgeError(e, label);
  }
}

function judgeError(e: unknown, label: string): string | null {
  if (!(e instanceof Error)) return `threw a non-Error ${String(e)}`;
  if (e.name !== "Error") return `threw ${e.name}: ${e.message}`;
  if (!e.message.includes(label)) return `error does not name "${label}": ${e.message}`;
  return null;
}

function report(reader: string, failures: string[], n: number): void {
  assert.equal(
    failures.length,
    0,
    `${reader}: ${failures.length} of ${n} mutated inputs misbehaved (base seed 0x${
      BASE_SEED.toString(16)
    }):\n${failures.slice(0, 10).join("\n")}`,
  );
}

/** Run `n` mutations of the seed inputs through `parse` (sync readers). */
function fuzzSync(
  reader: number,
  name: string,
  n: number,
  seeds: { bytes: Uint8Array; headerLen: number; fields: Field[] }[],
  parse: (b: Uint8Array) => unknown,
  label: string,
): void {
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    const seed = inputSeed(reader, i);
    const s = seeds[i % seeds.length];
    const { bytes, what } = mutateBytes(seed, s.bytes, s.headerLen, s.fields);
    const bad = judge(() => {
      const out = parse(bytes);
      const els = elementsOf(out);
      if (els > bytes.length) throw new TypeError(`returned ${els} elements from ${bytes.length} bytes`);
    }, label);
    if (bad !== null) {
      failures.push(`  seed 0x${seed.toString(16)} (seed input ${i % seeds.length}; ${what}): ${bad}`);
    }
  }
  report(name, failures, n);
}

/** Total typed-array elements in a reader's result (to catch allocations not backed by input bytes). */
function elementsOf(v: unknown, depth = 0): number {
  if (ArrayBuffer.isView(v)) return (v as unknown as { length: number }).length ?? 0;
  if (v === null || typeof v !== "object" || depth > 4) return 0;
  let n = 0;
  for (const x of Object.values(v as Record<string, unknown>)) n += elementsOf(x, depth + 1);
  return n;
}

function asciiBytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An .npy file with an arbitrary header dict (version 1.0) and raw data bytes. */
function npyWithHeader(dict: string, data: Uint8Array): Uint8Array {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = dict + " ".repeat(total - 10 - dict.length - 1) + "\n";
  const head = new Uint8Array(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, text.length, true);
  return concat(head, asciiBytes(text), data);
}

// ---------------------------------------------------------------- npy

Deno.test("fuzz: parseNpy rejects 2000 mutated .npy files with errors naming fuzz.npy", () => {
  const t0 = performance.now();
  const seeds = [
    encodeNpy({ shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i - 5.5) }),
    encodeNpy({ shape: [5], data: Int32Array.from([1, -2, 3, -4, 5]) }),
    encodeNpy({ shape: [2, 2], data: new Uint16Array([1, 2, 3, 4]) }),
    encodeNpy({ shape: [], data: new Float64Array([Math.PI]) }),
    encodeNpy({ shape: [2], data: new BigInt64Array([1n, -1n]) }),
    npyWithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(4)),
  ];
  // a version 2.0 copy of the first seed (u32 header length)
  const v1 = seeds[0];
  const v2 = new Uint8Array(v1.length + 2);
  v2.set(v1.subarray(0, 8));
  v2[6] = 2;
  new DataView(v2.buffer).setUint32(8, new DataView(v1.buffer).getUint16(8, true), true);
  v2.set(v1.subarray(10), 12);
  seeds.push(v2);
  const fields: Field[] = [{ at: 6, size: 1, le: true }, { at: 8, size: 2, le: true }, {
    at: 8,
    size: 4,
    le: true,
  }];
  fuzzSync(
    1,
    "parseNpy",
    2000,
    seeds.map((bytes) => ({ bytes, headerLen: 128, fields })),
    (b) => parseNpy(b, "fuzz.npy"),
    "fuzz.npy",
  );
  // headers claiming far more data than the file holds: rejected before allocating
  const shapes = [
    "(1099511627776,)",
    "(4294967295, 4294967295)",
    "(9007199254740991,)",
    "(9007199254740993,)",
    "(-1,)",
    "(1.5,)",
    "(" + Array(400).fill("4294967295").join(", ") + ")",
    "(" + Array(400).fill("4294967295").join(", ") + ", 0)",
    "(0, 1099511627776)",
  ];
  const failures: string[] = [];
  for (const s of shapes) {
    for (const descr of ["<f4", "|u1", "<f2", "<constructor", "<toString", "<__proto__"]) {
      const b = npyWithHeader(
        `{'descr': '${descr}', 'fortran_order': False, 'shape': ${s}, }`,
        new Uint8Array(16),
      );
      const bad = judge(() => {
        const a = parseNpy(b, "fuzz.npy");
        if (a.data.length > b.length) throw new TypeError(`${a.data.length} elements from ${b.length} bytes`);
      }, "fuzz.npy");
      if (bad !== null) failures.push(`  shape ${s.slice(0, 40)} descr ${descr}: ${bad}`);
    }
  }
  report("parseNpy extreme shapes", failures, shapes.length * 6);
  assert.ok(performance.now() - t0 < 5000, `parseNpy fuzz took ${performance.now() - t0} ms`);
});

// ---------------------------------------------------------------- safetensors

function safetensorsWithHeader(header: unknown, data: Uint8Array): Uint8Array {
  const json = asciiBytes(JSON.stringify(header));
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat(head, json, data);
}

Deno.test("fuzz: decodeSafetensors rejects 2000 mutated files with errors naming fuzz.safetensors", () => {
  const t0 = performance.now();
  const seeds = [
    encodeSafetensors({
      w: { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      b: { dtype: "I64", shape: [2], data: new BigInt64Array([7n, -8n]) },
      h: { dtype: "F16", shape: [3], data: new Uint16Array([0x3c00, 0x4000, 0xc000]) },
    }, { note: "fuzz" }),
    encodeSafetensors({ u: { dtype: "U8", shape: [4], data: Uint8Array.from([1, 2, 3, 4]) } }),
    encodeSafetensors({ s: { dtype: "F64", shape: [], data: new Float64Array([1.25]) } }),
  ];
  fuzzSync(
    2,
    "decodeSafetensors",
    2000,
    seeds.map((bytes) => ({ bytes, headerLen: bytes.length, fields: [{ at: 0, size: 8, le: true }] })),
    (b) => decodeSafetensors(b, "fuzz.safetensors"),
    "fuzz.safetensors",
  );
  // JSON headers with extreme shapes / offsets
  const big = [2 ** 40, 2 ** 53 - 1, 2 ** 53 + 2, 0xffffffff, -1, 1.5, 1e308];
  const failures: string[] = [];
  const rng = mulberry32(BASE_SEED);
  for (let i = 0; i < 300; i++) {
    const pick = () => (rng() < 0.5 ? big[Math.floor(rng() * big.length)] : Math.floor(rng() * 20));
    const shape = Array.from({ length: Math.floor(rng() * 4) }, pick);
    const header = {
      t: {
        dtype: ["F32", "U8", "BF16", "constructor", "toString"][i % 5],
        shape,
        data_offsets: [pick(), pick()],
      },
    };
    const b = safetensorsWithHeader(header, new Uint8Array(Math.floor(rng() * 64)));
    const bad = judge(() => {
      const f = decodeSafetensors(b, "fuzz.safetensors");
      if (elementsOf(f) > b.length) throw new TypeError(`${elementsOf(f)} elements from ${b.length} bytes`);
    }, "fuzz.safetensors");
    if (bad !== null) failures.push(`  header ${JSON.stringify(header)}: ${bad}`);
  }
  report("decodeSafetensors extreme headers", failures, 300);
  assert.ok(performance.now() - t0 < 5000, `safetensors fuzz took ${performance.now() - t0} ms`);
});

// ---------------------------------------------------------------- wav

/** A RIFF/WAVE file: fmt chunk (16 bytes, or 40 for extensible), optional LIST chunk, data chunk. */
function riff(format: number, channels: number, rate: number, bits: number, body: Uint8Array, list: boolean) {
  const ext = format === 0xfffe;
  const fmt = new Uint8Array(8 + (ext ? 40 : 16));
  const dv = new DataView(fmt.buffer);
  fmt.set(asciiBytes("fmt "));
  dv.setUint32(4, ext ? 40 : 16, true);
  dv.setUint16(8, format, true);
  dv.setUint16(10, channels, true);
  dv.setUint32(12, rate, true);
  dv.setUint32(16, (rate * channels * bits) / 8, true);
  dv.setUint16(20, (channels * bits) / 8, true);
  dv.setUint16(22, bits, true);
  if (ext) {
    dv.setUint16(24, 22, true);
    dv.setUint16(32, 1, true); // sub-format: PCM
  }
  const listChunk = list
    ? concat(asciiBytes("LIST"), Uint8Array.from([3, 0, 0, 0, 1, 2, 3, 0]))
    : new Uint8Array(0);
  const dataHead = new Uint8Array(8);
  dataHead.set(asciiBytes("data"));
  new DataView(dataHead.buffer).setUint32(4, body.length, true);
  const rest = concat(asciiBytes("WAVE"), fmt, listChunk, dataHead, body);
  const head = new Uint8Array(8);
  head.set(asciiBytes("RIFF"));
  new DataView(head.buffer).setUint32(4, rest.length, true);
  return concat(head, rest);
}

Deno.test("fuzz: parseWav rejects 2000 mutated RIFF/WAVE files with errors naming fuzz.wav", () => {
  const t0 = performance.now();
  const body = Uint8Array.from({ length: 48 }, (_, i) => (i * 37) & 0xff);
  const seeds = [
    riff(1, 1, 8000, 16, body, false),
    riff(1, 2, 44100, 8, body, true),
    riff(3, 1, 16000, 32, body, false),
    riff(1, 2, 22050, 24, body, true),
    riff(0xfffe, 1, 8000, 16, body, false),
  ];
  // fields of the 16-byte fmt layout (RIFF size, fmt size, format, channels, rate, bits, data/LIST size)
  const fields: Field[] = [
    { at: 4, size: 4, le: true },
    { at: 16, size: 4, le: true },
    { at: 20, size: 2, le: true },
    { at: 22, size: 2, le: true },
    { at: 24, size: 4, le: true },
    { at: 34, size: 2, le: true },
    { at: 40, size: 4, le: true },
    { at: 44, size: 4, le: true },
    { at: 56, size: 4, le: true },
  ];
  fuzzSync(
    3,
    "parseWav",
    2000,
    seeds.map((bytes) => ({ bytes, headerLen: 72, fields })),
    (b) => parseWav(b, "fuzz.wav"),
    "fuzz.wav",
  );
  assert.ok(performance.now() - t0 < 5000, `wav fuzz took ${performance.now() - t0} ms`);
});

// ---------------------------------------------------------------- idx

function idxFile(type: number, shape: number[], itemSize: number): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const b = new Uint8Array(4 + 4 * shape.length + n * itemSize);
  const dv = new DataView(b.buffer);
  b[2] = type;
  b[3] = shape.length;
  shape.forEach((d, k) => dv.setUint32(4 + 4 * k, d, false));
  for (let i = 4 + 4 * shape.length; i < b.length; i++) b[i] = (i * 29) & 0xff;
  return b;
}

Deno.test("fuzz: parseIdx rejects 2000 mutated IDX files with errors naming fuzz.idx", () => {
  const t0 = performance.now();
  const seeds = [
    idxFile(0x08, [3, 2, 2], 1),
    idxFile(0x09, [7], 1),
    idxFile(0x0b, [2, 3], 2),
    idxFile(0x0c, [4], 4),
    idxFile(0x0d, [2, 2], 4),
    idxFile(0x0e, [3], 8),
  ];
  const fields: Field[] = [
    { at: 2, size: 1, le: false },
    { at: 3, size: 1, le: false },
    { at: 4, size: 4, le: false },
    { at: 8, size: 4, le: false },
    { at: 12, size: 4, le: false },
  ];
  fuzzSync(
    4,
    "parseIdx",
    2000,
    seeds.map((bytes) => ({ bytes, headerLen: 16, fields })),
    (b) => parseIdx(b, "fuzz.idx"),
    "fuzz.idx",
  );
  // 255 dimensions of 0xffffffff (product Infinity), and the same with a zero dimension (product NaN)
  const failures: string[] = [];
  for (const zero of [false, true]) {
    for (const type of [0x08, 0x0b, 0x0e]) {
      const b = new Uint8Array(4 + 4 * 255 + 16);
      b[2] = type;
      b[3] = 255;
      const dv = new DataView(b.buffer);
      for (let d = 0; d < 255; d++) dv.setUint32(4 + 4 * d, zero && d === 7 ? 0 : 0xffffffff, false);
      const bad = judge(() => {
        const a = parseIdx(b, "fuzz.idx");
        if (!a.shape.every((d) => Number.isSafeInteger(d))) throw new TypeError("bad shape");
      }, "fuzz.idx");
      if (bad !== null) failures.push(`  255 huge dims, zero=${zero}, type ${type}: ${bad}`);
    }
  }
  report("parseIdx extreme shapes", failures, 6);
  assert.ok(performance.now() - t0 < 5000, `idx fuzz took ${performance.now() - t0} ms`);
});

// ---------------------------------------------------------------- PhysioNet 2012

Deno.test("fuzz: parsePhysioNetRecord rejects 2000 mutated record texts with errors naming fuzz.txt", () => {
  const t0 = performance.now();
  const text = [
    "Time,Parameter,Value",
    "00:00,RecordID,140001",
    "00:00,Age,71",
    "00:00,Gender,0",
    "00:00,Height,170.2",
    "00:00,ICUType,3",
    "00:00,Weight,80.5",
    "00:07,HR,88",
    "01:30,Temp,37.1",
    "12:05,pH,7.31",
    "47:59,MAP,-1",
    "48:00,Weight,79",
    "",
  ].join("\n");
  const seedBytes = asciiBytes(text);
  const extremes = ["99999999", "-1", "1e308", "NaN", "", "4294967296", "65536", "0x10", " ", "1e-320"];
  const failures: string[] = [];
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const seed = inputSeed(5, i);
    let input: string, what: string;
    if (i % 2 === 0) {
      const m = mutateBytes(seed, seedBytes, seedBytes.length, []);
      input = new TextDecoder().decode(m.bytes);
      what = m.what;
    } else {
      // replace one numeric field (hours, minutes or value) of one line with an extreme value
      const rng = mulberry32(seed);
      const lines = text.split("\n");
      const li = 1 + Math.floor(rng() * (lines.length - 2));
      const [time, name, value] = lines[li].split(",");
      const [hh, mm] = time.split(":");
      const x = extremes[Math.floor(rng() * extremes.length)];
      const part = Math.floor(rng() * 3);
      lines[li] = part === 0
        ? `${x}:${mm},${name},${value}`
        : part === 1
        ? `${hh}:${x},${name},${value}`
        : `${time},${name},${x}`;
      input = lines.join("\n");
      what = `line ${li + 1} -> "${lines[li]}"`;
    }
    const bad = judge(() => {
      const r = parsePhysioNetRecord(input, "fuzz.txt");
      for (let k = 0; k < r.minute.length; k++) {
        if (r.minute[k] > 48 * 60 * 100) throw new TypeError(`minute ${r.minute[k]} kept`);
      }
    }, "fuzz.txt");
    if (bad !== null) failures.push(`  seed 0x${seed.toString(16)} (${what}): ${bad}`);
  }
  report("parsePhysioNetRecord", failures, n);
  // a time past what the minute array can hold must be rejected, not wrapped around
  assert.throws(
    () => parsePhysioNetRecord("Time,Parameter,Value\n1093:00,HR,80\n", "late.txt"),
    /physionet2012 late\.txt:2: /,
  );
  assert.ok(performance.now() - t0 < 5000, `physionet fuzz took ${performance.now() - t0} ms`);
});

// ---------------------------------------------------------------- dataset cache

Deno.test("fuzz: readDatasetDir rejects 1000 damaged cache entries with errors naming the directory", async () => {
  const t0 = performance.now();
  const root = await Deno.makeTempDir({ prefix: "fuzzcache-" });
  try {
    const ds = makeSyntheticDataset({ seed: 3, nSsl: 6, nProbeTrain: 5, nProbeTest: 4, T: 3, F: 2 });
    ds.probeVal = ds.probeTest;
    const dir = `${root}/entry`;
    await writeDatasetDir(dir, ds, "synthetic", { seed: 3 });
    assert.deepEqual(await readDatasetDir(dir), ds, "clean entry round-trips");
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const clean = new Map(files.map((f) => [f, Deno.readFileSync(`${dir}/${f}`)]));
    const manifestText = new TextDecoder().decode(clean.get("manifest.json"));
    const weird: unknown[] = [
      null,
      0,
      -1,
      1.5,
      2 ** 40,
      2 ** 53 + 2,
      "x",
      "../manifest.json",
      "/etc/passwd",
      [],
      [2 ** 40],
      [-1],
      [0],
      [1.5],
      ["3"],
      [2 ** 31, 2 ** 31],
      {},
      { t: 5 },
    ];
    const paths: string[][] = [
      ["format"],
      ["splits"],
      ["splits", "ssl"],
      ["splits", "probeVal"],
      ["splits", "ssl", "modalities"],
      ["splits", "ssl", "modalities", "0"],
      ["splits", "ssl", "modalities", "0", "shape"],
      ["splits", "ssl", "modalities", "0", "shape", "0"],
      ["splits", "ssl", "modalities", "0", "shape", "1"],
      ["splits", "probeTest", "modalities", "1", "shape"],
      ["splits", "ssl", "modalities", "0", "file"],
      ["splits", "ssl", "modalities", "0", "kind"],
      ["splits", "ssl", "labels"],
      ["splits", "probeTrain", "labels", ds.tasks[0]],
      ["tasks"],
      ["numClasses"],
      ["name"],
    ];
    const failures: string[] = [];
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const seed = inputSeed(6, i);
      const rng = mulberry32(seed);
      let file: string, bytes: Uint8Array, what: string;
      const kind = i % 3;
      if (kind === 0) {
        // structured: one manifest field set to an odd value
        const m = JSON.parse(manifestText);
        const p = paths[Math.floor(rng() * paths.length)];
        const v = weird[Math.floor(rng() * weird.length)];
        let o = m;
        for (const k of p.slice(0, -1)) o = o?.[k];
        if (o !== null && typeof o === "object") o[p[p.length - 1]] = v;
        file = "manifest.json";
        bytes = asciiBytes(JSON.stringify(m));
        what = `manifest ${p.join(".")} = ${JSON.stringify(v)}`;
      } else {
        file = kind === 1 ? "manifest.json" : files[Math.floor(rng() * files.length)];
        const orig = clean.get(file)!;
        const m = mutateBytes(seed, orig, orig.length, []);
        bytes = m.bytes;
        what = `${file}: ${m.what}`;
      }
      Deno.writeFileSync(`${dir}/${file}`, bytes);
      let bad: string | null = null;
      try {
        const got = await readDatasetDir(dir);
        const els = elementsOf(got);
        let onDisk = 0;
        for (const f of files) onDisk += Deno.statSync(`${dir}/${f}`).size;
        if (els > onDisk) bad = `returned ${els} elements from ${onDisk} bytes`;
      } catch (e) {
        bad = judgeError(e, dir);
      }
      if (bad !== null) failures.push(`  seed 0x${seed.toString(16)} (${what}): ${bad}`);
      Deno.writeFileSync(`${dir}/${file}`, clean.get(file)!);
    }
    report("readDatasetDir", failures, n);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  assert.ok(performance.now() - t0 < 8000, `cache fuzz took ${performance.now() - t0} ms`);
});
