// A small, dependency-free TensorBoard event-file writer (scalars only) and a matching reader for tests.
//
// Format: an event file is a sequence of TFRecord records, each
//   uint64 LE  length of the data
//   uint32 LE  masked CRC32C of the 8 length bytes
//   bytes      data (one serialized `tensorflow.Event` protobuf)
//   uint32 LE  masked CRC32C of the data
// where masked_crc = rotr(crc, 15) + 0xa282ead8 (mod 2^32) and CRC32C is the Castagnoli CRC.
//
// The protobuf subset used (tensorflow/core/util/event.proto, summary.proto):
//   Event         { 1: double wall_time; 2: int64 step; 3: string file_version; 5: Summary summary }
//   Summary       { 1: repeated Value value }
//   Summary.Value { 1: string tag; 2: float simple_value }
// The first event of a file carries file_version "brain.Event:2"; every later event carries one scalar.

// ---------------------------------------------------------------------------------------------------------
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78).

const CRC32C_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC32C (Castagnoli) of `bytes`: init 0xFFFFFFFF, reflected, final xor 0xFFFFFFFF.
 * Check value: `crc32c(new TextEncoder().encode("123456789")) === 0xE3069283`.
 */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The TFRecord "masked" CRC32C of `bytes`: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, mod 2^32. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Minimal protobuf encoding.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Growable byte buffer for building one protobuf message. */
class ProtoWriter {
  #bytes: number[] = [];

  /** Unsigned varint of a non-negative safe integer (up to 2^53, so no BigInt needed). */
  varint(n: number): void {
    while (n >= 0x80) {
      this.#bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.#bytes.push(n);
  }

  key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  double(field: number, v: number): void {
    this.key(field, WIRE_FIXED64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.raw(b);
  }

  float(field: number, v: number): void {
    this.key(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.raw(b);
  }

  uint(field: number, v: number): void {
    this.key(field, WIRE_VARINT);
    this.varint(v);
  }

  lenDelimited(field: number, data: Uint8Array): void {
    this.key(field, WIRE_LEN);
    this.varint(data.length);
    this.raw(data);
  }

  raw(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.#bytes.push(data[i]);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

const encoder = new TextEncoder();

/** Event { wall_time, file_version }. */
function encodeFileVersionEvent(wallTime: number): Uint8Array {
  const ev = new ProtoWriter();
  ev.double(1, wallTime);
  ev.lenDelimited(3, encoder.encode("brain.Event:2"));
  return ev.finish();
}

/** Event { wall_time, step, summary: Summary { value: [Value { tag, simple_value }] } }. */
function encodeScalarEvent(tag: string, value: number, step: number, wallTime: number): Uint8Array {
  const val = new ProtoWriter();
  val.lenDelimited(1, encoder.encode(tag));
  val.float(2, value);
  const summary = new ProtoWriter();
  summary.lenDelimited(1, val.finish());
  const ev = new ProtoWriter();
  ev.double(1, wallTime);
  ev.uint(2, step);
  ev.lenDelimited(5, summary.finish());
  return ev.finish();
}

/** Wrap `data` in TFRecord framing (length, masked CRC of length, data, masked CRC of data). */
function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Writer.

function hostnameForFile(): string {
  let host = "localhost";
  try {
    host = Deno.hostname() || host;
  } catch {
    // No sys permission (or unsupported): keep the fallback.
  }
  return host.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Writes scalars to `OUT_DIR/events.out.tfevents.<unix seconds>.<hostname>.mmssl`. */
export class TensorBoardWriter {
  /** The event file being written. */
  readonly path: string;
  #file: Deno.FsFile | null;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * Create `dir` (recursively) and a new event file in it, and write the file_version event "brain.Event:2".
   * If a file of that name already exists (two writers opened in the same second), `.<n>` is appended to the
   * name; TensorBoard still picks it up, since it only requires "tfevents" in the file name.
   */
  static open(dir: string): TensorBoardWriter {
    Deno.mkdirSync(dir, { recursive: true });
    const nowMs = Date.now();
    const name = `events.out.tfevents.${Math.floor(nowMs / 1000)}.${hostnameForFile()}.mmssl`;
    const base = dir.endsWith("/") ? dir + name : `${dir}/${name}`;
    for (let n = 0;; n++) {
      const path = n === 0 ? base : `${base}.${n}`;
      let file: Deno.FsFile;
      try {
        file = Deno.openSync(path, { write: true, createNew: true });
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists && n < 1000) continue;
        throw e;
      }
      const w = new TensorBoardWriter(path, file);
      w.#writeRecord(encodeFileVersionEvent(nowMs / 1000));
      return w;
    }
  }

  /**
   * Append one Event holding a single scalar (Summary.Value.simple_value, stored as float32).
   * Non-finite values are written as-is (TensorBoard shows NaN/Inf). `wallTime` is in seconds since the
   * epoch and defaults to now.
   * @throws Error if `tag` is not a non-empty string, `step` is not a non-negative safe integer, or the
   * writer is closed.
   */
  scalar(tag: string, value: number, step: number, wallTime?: number): void {
    if (typeof tag !== "string" || tag.length === 0) {
      throw new Error(`TensorBoardWriter.scalar: tag must be a non-empty string, got ${JSON.stringify(tag)}`);
    }
    if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) {
      throw new Error(
        `TensorBoardWriter.scalar(${JSON.stringify(tag)}): step must be a non-negative integer, got ${step}`,
      );
    }
    if (typeof value !== "number") {
      throw new Error(
        `TensorBoardWriter.scalar(${JSON.stringify(tag)}, step ${step}): value must be a number`,
      );
    }
    const wt = wallTime ?? Date.now() / 1000;
    if (typeof wt !== "number" || !Number.isFinite(wt)) {
      throw new Error(`TensorBoardWriter.scalar(${JSON.stringify(tag)}, step ${step}): bad wallTime ${wt}`);
    }
    this.#writeRecord(encodeScalarEvent(tag, value, step, wt));
  }

  /** Force written events to stable storage (fsync). Events already reach the OS on every `scalar` call. */
  flush(): void {
    if (this.#file === null) return;
    this.#file.syncDataSync();
  }

  /** Close the file. Further `scalar` calls throw; closing twice is a no-op. */
  close(): void {
    if (this.#file === null) return;
    const f = this.#file;
    this.#file = null;
    f.close();
  }

  /** One framed record, handed to the OS synchronously (loop in case of a short write). */
  #writeRecord(data: Uint8Array): void {
    if (this.#file === null) throw new Error(`TensorBoardWriter: write after close (${this.path})`);
    const rec = frameRecord(data);
    let off = 0;
    while (off < rec.length) off += this.#file.writeSync(rec.subarray(off));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reader (for tests): verifies the framing and both CRCs, decodes scalar events.

/** One scalar read back from an event file. */
export interface TensorBoardScalar {
  /** Summary.Value.tag. */
  tag: string;
  /** Event.step. */
  step: number;
  /** Summary.Value.simple_value (a float32, widened to number). */
  value: number;
  /** Event.wall_time, seconds since the epoch. */
  wallTime: number;
}

/** Cursor over one protobuf message. Throws plain Errors; the caller adds file/record context. */
class ProtoReader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  #need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error("protobuf message truncated");
  }

  /** Unsigned varint as a number (exact up to 2^53). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.#need(1);
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 0x80;
    }
    throw new Error("varint longer than 10 bytes");
  }

  double(): number {
    this.#need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  float(): number {
    this.#need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  lenDelimited(): Uint8Array {
    const n = this.varint();
    this.#need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) {
      this.varint();
    } else if (wire === WIRE_LEN) {
      this.lenDelimited();
    } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const n = wire === WIRE_FIXED64 ? 8 : 4;
      this.#need(n);
      this.pos += n;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function expectWire(field: number, wire: number, expected: number): void {
  if (wire !== expected) throw new Error(`field ${field} has wire type ${wire}, expected ${expected}`);
}

/** Summary.Value -> (tag, simple_value) if it carries a simple_value. */
function decodeValue(bytes: Uint8Array): { tag: string; value: number } | null {
  const r = new ProtoReader(bytes);
  let tag = "";
  let value: number | null = null;
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 1) {
      expectWire(field, wire, WIRE_LEN);
      tag = decoder.decode(r.lenDelimited());
    } else if (field === 2) {
      expectWire(field, wire, WIRE_FIXED32);
      value = r.float();
    } else r.skip(wire);
  }
  return value === null ? null : { tag, value };
}

/** Event -> its scalars (none for the file_version event or non-scalar summaries). */
function decodeEvent(bytes: Uint8Array): TensorBoardScalar[] {
  const r = new ProtoReader(bytes);
  let wallTime = 0;
  let step = 0;
  const values: { tag: string; value: number }[] = [];
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 1) {
      expectWire(field, wire, WIRE_FIXED64);
      wallTime = r.double();
    } else if (field === 2) {
      expectWire(field, wire, WIRE_VARINT);
      step = r.varint();
    } else if (field === 5) {
      expectWire(field, wire, WIRE_LEN);
      const s = new ProtoReader(r.lenDelimited());
      while (!s.done) {
        const k = s.varint();
        if (Math.floor(k / 8) === 1) {
          expectWire(1, k % 8, WIRE_LEN);
          const v = decodeValue(s.lenDelimited());
          if (v !== null) values.push(v);
        } else s.skip(k % 8);
      }
    } else r.skip(wire);
  }
  return values.map((v) => ({ tag: v.tag, step, value: v.value, wallTime }));
}

/**
 * Read every scalar from a TensorBoard event file, in file order (the file_version event is skipped).
 * Verifies the TFRecord framing and both CRCs of every record.
 * @throws Error naming the file and the record index (0-based) on a CRC mismatch, truncation or a
 * malformed event.
 */
export function readTensorBoardScalars(path: string): TensorBoardScalar[] {
  const bytes = Deno.readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TensorBoardScalar[] = [];
  let off = 0;
  for (let index = 0; off < bytes.length; index++) {
    const where = `${path}: record ${index} (at byte ${off})`;
    if (off + 12 > bytes.length) throw new Error(`${where}: truncated record header`);
    const lenBytes = bytes.subarray(off, off + 8);
    if (view.getUint32(off + 8, true) !== maskedCrc32c(lenBytes)) {
      throw new Error(`${where}: bad length CRC`);
    }
    const len = view.getBigUint64(off, true);
    if (len > BigInt(bytes.length - off - 16)) throw new Error(`${where}: truncated record data`);
    const n = Number(len);
    const data = bytes.subarray(off + 12, off + 12 + n);
    if (view.getUint32(off + 12 + n, true) !== maskedCrc32c(data)) {
      throw new Error(`${where}: bad data CRC`);
    }
    try {
      out.push(...decodeEvent(data));
    } catch (e) {
      throw new Error(`${where}: malformed event: ${e instanceof Error ? e.message : String(e)}`);
    }
    off += 16 + n;
  }
  return out;
}
