// NumPy .npy files (format versions 1.0, 2.0, 3.0), written from NumPy's format description:
//   "\x93NUMPY" | major u8 | minor u8 | header length (u16 LE for 1.0, u32 LE for 2.0/3.0) |
//   header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded with
//   spaces and ending in '\n' so the data starts on a 64-byte boundary | raw C-order data.

import { writeFileAtomic } from "./atomic.ts";
import { copyAligned, littleEndianBytes } from "./endian.ts";
import { halfToFloat32 } from "./half.ts";

/** Typed arrays an .npy array is returned in. bool is returned as Uint8Array of 0/1, float16 as Float32Array. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** NumPy dtype names this module understands. */
export type NpyDtype =
  | "float16"
  | "float32"
  | "float64"
  | "int8"
  | "uint8"
  | "bool"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/** A decoded array: C-order data with its shape and NumPy dtype name. */
export interface NpyArray {
  /** Dimensions; [] is a scalar. */
  shape: number[];
  /** The stored NumPy dtype. */
  dtype: NpyDtype;
  /** Row-major (C-order) elements, native byte order. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

// type char + size -> dtype name
const DTYPES: Record<string, NpyDtype> = {
  f2: "float16",
  f4: "float32",
  f8: "float64",
  i1: "int8",
  u1: "uint8",
  b1: "bool",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
};

const ITEM_SIZE: Record<NpyDtype, number> = {
  float16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  bool: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
};

// ---- a tiny parser for the Python literal in the header ----

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const err = (msg: string): never => {
    throw new Error(`${msg} at position ${i} in ${JSON.stringify(text)}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          return obj;
        }
        const k = value();
        if (typeof k !== "string") err("dict key must be a string");
        ws();
        if (text[i] !== ":") err("expected ':'");
        i++;
        obj[k as string] = value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") err("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const arr: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return arr;
        }
        arr.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) err(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      i++;
      let s = "";
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\") i++;
        s += text[i++];
      }
      if (i >= text.length) err("unterminated string");
      i++;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (m === null) return err("unexpected token");
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0].replace("L", ""));
  };
  const v = value();
  ws();
  if (i !== text.length) err("trailing characters");
  return v;
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function typedArrayOf(dtype: NpyDtype, buf: ArrayBuffer): NpyData {
  switch (dtype) {
    case "float16":
      return halfToFloat32(new Uint16Array(buf));
    case "float32":
      return new Float32Array(buf);
    case "float64":
      return new Float64Array(buf);
    case "int8":
      return new Int8Array(buf);
    case "uint8":
    case "bool":
      return new Uint8Array(buf);
    case "int16":
      return new Int16Array(buf);
    case "uint16":
      return new Uint16Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "uint32":
      return new Uint32Array(buf);
    case "int64":
      return new BigInt64Array(buf);
    case "uint64":
      return new BigUint64Array(buf);
  }
}

/** Parse the bytes of an .npy file. `source` (a file name) is used in error messages. Data is copied. */
export function parseNpy(bytes: Uint8Array, source = "<bytes>"): NpyArray {
  const fail = (msg: string): never => {
    throw new Error(`npy ${source}: ${msg}`);
  };
  if (bytes.length < 10 || !MAGIC.every((b, k) => bytes[k] === b)) {
    fail("not a NumPy .npy file (missing \\x93NUMPY magic)");
  }
  const major = bytes[6];
  const minor = bytes[7];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("file truncated inside the header length");
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(`header length ${headerLen} runs past the end of the file`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const headerText = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(headerBytes);
  let header: PyValue;
  try {
    header = parsePyLiteral(headerText.trim());
  } catch (err) {
    return fail(`cannot parse header: ${(err as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    fail("header is not a dict");
  }
  const h = header as Record<string, PyValue>;
  const descr = h["descr"];
  if (typeof descr !== "string") {
    return fail(`unsupported descr ${JSON.stringify(descr)}: structured dtypes are not supported`);
  }
  if (h["fortran_order"] !== false) {
    fail(
      `fortran_order is ${h["fortran_order"] === true ? "True" : JSON.stringify(h["fortran_order"])}; ` +
        `only C-order arrays are supported ` +
        `(save with np.save(path, np.ascontiguousarray(a)))`,
    );
  }
  const shape = h["shape"];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`shape must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const order = descr[0];
  const code = descr.slice(1);
  const dtype = Object.hasOwn(DTYPES, code) ? DTYPES[code] : undefined; // not Object.prototype keys
  if (order === undefined || !"<>|=".includes(order) || dtype === undefined) {
    return fail(`unsupported dtype descr '${descr}' (supported: f2 f4 f8 i1 u1 b1 i2 u2 i4 u4 i8 u8)`);
  }
  const itemSize = ITEM_SIZE[dtype];
  const n = elementCount(shape as number[]);
  const need = n * itemSize; // NaN for a dimension product of Infinity * 0: rejected below
  if (!(bytes.length - dataStart >= need)) {
    fail(
      `data truncated: shape (${(shape as number[]).join(", ")}) of ${descr} needs ${need} bytes, file has ${
        bytes.length - dataStart
      }`,
    );
  }
  // '=' means native order, which for files written by NumPy on any common machine is little-endian.
  const buf = copyAligned(bytes, dataStart, dataStart + need, itemSize, order !== ">");
  return { shape: shape as number[], dtype, data: typedArrayOf(dtype, buf) };
}

function readBytes(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (err) {
    throw new Error(`npy ${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
}

/** Read an .npy file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readBytes(path), path);
}

/** Read any numeric .npy file as float32 (int64 values beyond 2^53 lose precision, as in NumPy). */
export function readNpyAsFloat32(path: string): { shape: number[]; data: Float32Array } {
  const a = readNpy(path);
  return { shape: a.shape, data: toFloat32(a.data) };
}

/** Convert any {@link NpyData} to a Float32Array (a copy). */
export function toFloat32(data: NpyData): Float32Array {
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else {
    out.set(data);
  }
  return out;
}

/**
 * Read an .npy file of integer labels as Int32Array. Integer and bool arrays are range-checked; float arrays are
 * accepted only when every value is a whole number (labels saved as float), otherwise the error names the file,
 * the index and the value.
 */
export function readNpyAsInt32(path: string): { shape: number[]; data: Int32Array } {
  const a = readNpy(path);
  const out = new Int32Array(a.data.length);
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    const v = typeof d[i] === "bigint" ? Number(d[i]) : (d[i] as number);
    if (!Number.isInteger(v)) {
      throw new Error(`npy ${path}: expected integer labels but element ${i} is ${v} (dtype ${a.dtype})`);
    }
    if (v < -2147483648 || v > 2147483647) {
      throw new Error(`npy ${path}: element ${i} = ${v} does not fit in int32`);
    }
    out[i] = v;
  }
  return { shape: a.shape, data: out };
}

function descrOf(data: NpyData, dtype?: NpyDtype): string {
  if (dtype === "bool") {
    if (!(data instanceof Uint8Array)) throw new Error("npy encode: dtype bool needs a Uint8Array of 0/1");
    return "|b1";
  }
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Float64Array) return "<f8";
  if (data instanceof Int8Array) return "|i1";
  if (data instanceof Uint8Array) return "|u1";
  if (data instanceof Int16Array) return "<i2";
  if (data instanceof Uint16Array) return "<u2";
  if (data instanceof Int32Array) return "<i4";
  if (data instanceof Uint32Array) return "<u4";
  if (data instanceof BigInt64Array) return "<i8";
  if (data instanceof BigUint64Array) return "<u8";
  throw new Error(`npy encode: unsupported data type ${(data as object)?.constructor?.name}`);
}

/**
 * Encode an array as .npy bytes (format 1.0, or 2.0 when the header needs it). The descr follows the typed array
 * (Float32Array -> '<f4', ...); pass dtype "bool" to store a Uint8Array as '|b1'.
 */
export function encodeNpy(array: { shape: number[]; data: NpyData; dtype?: NpyDtype }): Uint8Array {
  const { shape, data } = array;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`npy encode: shape must be non-negative integers, got [${shape.join(", ")}]`);
  }
  if (elementCount(shape) !== data.length) {
    throw new Error(
      `npy encode: shape (${shape.join(", ")}) holds ${
        elementCount(shape)
      } elements but data has ${data.length}`,
    );
  }
  const descr = descrOf(data, array.dtype);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerText = dict + " ".repeat(total - prefix - dict.length - 1) + "\n";
  const body = littleEndianBytes(data, data.BYTES_PER_ELEMENT);
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerText.length, true);
  else dv.setUint32(8, headerText.length, true);
  for (let k = 0; k < headerText.length; k++) out[prefix + k] = headerText.charCodeAt(k);
  out.set(body, total);
  return out;
}

/** Write an .npy file atomically. */
export function writeNpy(path: string, array: { shape: number[]; data: NpyData; dtype?: NpyDtype }): void {
  writeFileAtomic(path, encodeNpy(array));
}
