// The safetensors file format (https://github.com/huggingface/safetensors), written from its description:
//   u64 little-endian N | N bytes of JSON header (space-padded) | raw little-endian tensor data.
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the start
// of the data section) plus an optional "__metadata__" map of string to string.

import { writeFileAtomic } from "./atomic.ts";
import { copyAligned, littleEndianBytes } from "./endian.ts";
import { bfloat16ToFloat32, float32ToBfloat16, float32ToHalf, halfToFloat32 } from "./half.ts";

/** Dtypes this module reads and writes. F16 and BF16 are decoded to Float32Array. */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64" | "U8" | "F16" | "BF16";

/** Typed arrays a tensor's data may be held in. */
export type SafetensorsData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array;

/** One tensor. For encoding, F16/BF16 data may be a Float32Array (rounded) or a Uint16Array of raw bits. */
export interface SafetensorsTensor {
  /** Element type as stored in the file. */
  dtype: SafetensorsDtype;
  /** Dimensions; [] is a scalar. */
  shape: number[];
  /** Row-major elements. */
  data: SafetensorsData;
}

/** What {@link decodeSafetensors} returns. F16/BF16 tensors keep their dtype but hold a Float32Array. */
export interface SafetensorsFile {
  /** Tensors by name. */
  tensors: Record<string, SafetensorsTensor>;
  /** The "__metadata__" map ({} when absent). */
  metadata: Record<string, string>;
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = {
  F32: 4,
  F64: 8,
  I32: 4,
  I64: 8,
  U8: 1,
  F16: 2,
  BF16: 2,
};
const MAX_HEADER_BYTES = 100_000_000; // same sanity bound as the reference implementation

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === "string" && Object.hasOwn(ITEM_SIZE, s);
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(
      `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  return shape as number[];
}

function expectedArrayName(dtype: SafetensorsDtype): string {
  switch (dtype) {
    case "F32":
      return "Float32Array";
    case "F64":
      return "Float64Array";
    case "I32":
      return "Int32Array";
    case "I64":
      return "BigInt64Array";
    case "U8":
      return "Uint8Array";
    case "F16":
    case "BF16":
      return "Float32Array or Uint16Array (raw bits)";
  }
}

/** The bytes to store for one tensor (little-endian), after checking the data type and length. */
function tensorBytes(name: string, t: SafetensorsTensor): Uint8Array {
  const where = `safetensors encode: tensor "${name}"`;
  if (!isDtype(t.dtype)) {
    throw new Error(
      `${where}: unknown dtype ${JSON.stringify(t.dtype)}; expected one of ${
        Object.keys(ITEM_SIZE).join(", ")
      }`,
    );
  }
  const shape = checkShape(t.shape, where);
  const d = t.data;
  let ok: boolean;
  switch (t.dtype) {
    case "F32":
      ok = d instanceof Float32Array;
      break;
    case "F64":
      ok = d instanceof Float64Array;
      break;
    case "I32":
      ok = d instanceof Int32Array;
      break;
    case "I64":
      ok = d instanceof BigInt64Array;
      break;
    case "U8":
      ok = d instanceof Uint8Array;
      break;
    case "F16":
    case "BF16":
      ok = d instanceof Float32Array || d instanceof Uint16Array;
  }
  if (!ok) {
    throw new Error(
      `${where}: dtype ${t.dtype} needs a ${expectedArrayName(t.dtype)}, got ${
        d?.constructor?.name ?? typeof d
      }`,
    );
  }
  const n = elementCount(shape);
  if (d.length !== n) {
    throw new Error(`${where}: shape [${shape.join(", ")}] holds ${n} elements but data has ${d.length}`);
  }
  if (d instanceof Float32Array && (t.dtype === "F16" || t.dtype === "BF16")) {
    const bits = t.dtype === "F16" ? float32ToHalf(d) : float32ToBfloat16(d);
    return littleEndianBytes(bits, 2);
  }
  return littleEndianBytes(d, ITEM_SIZE[t.dtype]);
}

/**
 * Serialise tensors and optional string metadata to safetensors bytes. Tensors are laid out by element size
 * (largest first), then by name, as the reference writer does: with the 8-aligned data section this keeps every
 * tensor naturally aligned for zero-copy readers, and the layout is deterministic.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const size = (name: string) => ITEM_SIZE[tensors[name].dtype] ?? 0;
  const names = Object.keys(tensors).sort((a, b) => size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new Error(`safetensors encode: metadata "${k}" must be a string, got ${typeof v}`);
      }
    }
    header["__metadata__"] = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === "__metadata__") {
      throw new Error(`safetensors encode: "__metadata__" is not a valid tensor name`);
    }
    const bytes = tensorBytes(name, tensors[name]);
    header[name] = {
      dtype: tensors[name].dtype,
      shape: tensors[name].shape,
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const jsonBytesLen = new TextEncoder().encode(json).length;
  json += " ".repeat((8 - (jsonBytesLen % 8)) % 8); // data section starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function typedView(dtype: SafetensorsDtype, buf: ArrayBuffer): SafetensorsData {
  switch (dtype) {
    case "F32":
      return new Float32Array(buf);
    case "F64":
      return new Float64Array(buf);
    case "I32":
      return new Int32Array(buf);
    case "I64":
      return new BigInt64Array(buf);
    case "U8":
      return new Uint8Array(buf);
    case "F16":
      return halfToFloat32(new Uint16Array(buf));
    case "BF16":
      return bfloat16ToFloat32(new Uint16Array(buf));
  }
}

/**
 * Parse safetensors bytes. `source` (a file name) is used in error messages. Data is copied out of `bytes`,
 * so the result does not alias the input.
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>"): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new Error(`safetensors ${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(Math.min(bytes.length - 8, MAX_HEADER_BYTES))) {
    fail(
      `bad header length ${headerLen64}: the file has only ${bytes.length - 8} bytes after the length field`,
    );
  }
  const headerLen = Number(headerLen64);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    fail("header must be a JSON object");
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsTensor> = {};
  const spans: { begin: number; end: number; name: string }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        fail("__metadata__ must be an object of strings");
      }
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__["${k}"] must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (entry === null || typeof entry !== "object") fail(`${where}: entry must be an object`);
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(e.dtype)) {
      fail(
        `${where}: unknown or unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${
          Object.keys(ITEM_SIZE).join(", ")
        })`,
      );
    }
    const dtype = e.dtype as SafetensorsDtype;
    let shape: number[] = [];
    try {
      shape = checkShape(e.shape, where);
    } catch (err) {
      fail((err as Error).message);
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0)
    ) {
      fail(`${where}: data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as number[];
    if (begin > end || end > dataLen) {
      fail(`${where}: data_offsets [${begin}, ${end}] out of range for a data section of ${dataLen} bytes`);
    }
    const expected = elementCount(shape) * ITEM_SIZE[dtype];
    if (end - begin !== expected) {
      fail(
        `${where}: shape [${shape.join(", ")}] of ${dtype} needs ${expected} bytes but data_offsets span ${
          end - begin
        }`,
      );
    }
    spans.push({ begin, end, name });
    const buf = copyAligned(bytes, dataStart + begin, dataStart + end, ITEM_SIZE[dtype], true);
    tensors[name] = { dtype, shape, data: typedView(dtype, buf) };
  }
  spans.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) {
      fail(`tensors "${spans[i - 1].name}" and "${spans[i].name}" have overlapping data_offsets`);
    }
  }
  return { tensors, metadata };
}

/** Encode and write a safetensors file atomically (temp file + rename). */
export function saveSafetensors(
  path: string,
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Read and decode a safetensors file; errors name the file. */
export function loadSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    throw new Error(`safetensors ${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
  return decodeSafetensors(bytes, path);
}
