/**
 * IDX files (the MNIST format), optionally gzipped. Layout, all big-endian:
 *   0x00 0x00 | type code u8 | number of dimensions u8 | each dimension u32 | data, row-major.
 * Type codes: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 *
 * @module
 */

/** Element arrays an IDX file is returned in (multi-byte types converted to native byte order). */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX array. */
export interface IdxArray {
  /** Dimensions, e.g. [10000, 28, 28] for MNIST images. */
  shape: number[];
  /** The elements, row-major, in the array type of the file's type code. */
  data: IdxData;
}

const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: "ubyte" },
  0x09: { size: 1, name: "sbyte" },
  0x0b: { size: 2, name: "int16" },
  0x0c: { size: 4, name: "int32" },
  0x0d: { size: 4, name: "float32" },
  0x0e: { size: 8, name: "float64" },
};

/** Decompress gzip bytes with the runtime's DecompressionStream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Parse the (already decompressed) bytes of an IDX file; `source` names it in errors. Throws on a wrong
 * magic, an unknown type code or data shorter than the shape needs.
 */
export function parseIdx(bytes: Uint8Array, source = "<bytes>"): IdxArray {
  const fail = (msg: string): never => {
    throw new Error(`idx ${source}: ${msg}`);
  };
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) fail("not an IDX file (magic must start 00 00)");
  const type = TYPES[bytes[2]];
  if (type === undefined) fail(`unknown element type code 0x${bytes[2].toString(16)}`);
  const ndim = bytes[3];
  const dataStart = 4 + 4 * ndim;
  if (bytes.length < dataStart) fail(`file truncated inside the ${ndim} dimension sizes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(dv.getUint32(4 + 4 * d, false));
  const n = shape.reduce((a, b) => a * b, 1);
  const need = n * type.size; // NaN when a zero dimension meets a product of Infinity: rejected below
  if (!(bytes.length - dataStart >= need)) {
    fail(
      `data truncated: shape [${shape}] of ${type.name} needs ${need} bytes, file has ${
        bytes.length - dataStart
      }`,
    );
  }
  switch (bytes[2]) {
    case 0x08:
      return { shape, data: bytes.slice(dataStart, dataStart + n) };
    case 0x09:
      return { shape, data: new Int8Array(bytes.slice(dataStart, dataStart + n).buffer) };
    case 0x0b: {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(dataStart + 2 * i, false);
      return { shape, data: out };
    }
    case 0x0c: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(dataStart + 4 * i, false);
      return { shape, data: out };
    }
    case 0x0d: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(dataStart + 4 * i, false);
      return { shape, data: out };
    }
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(dataStart + 8 * i, false);
      return { shape, data: out };
    }
  }
}

/**
 * Read an IDX file; gzip is detected from the 1f 8b magic, so `.gz` and plain files both work. Throws naming
 * the path when the file cannot be read, decompressed or parsed.
 */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`idx ${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzip(bytes);
    } catch (err) {
      throw new Error(`idx ${path}: gzip decompression failed (${(err as Error).message})`, { cause: err });
    }
  }
  return parseIdx(bytes, path);
}
