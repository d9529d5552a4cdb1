/**
 * RIFF/WAVE reader for PCM (format 1: 8-bit unsigned, 16/24/32-bit signed) and IEEE float (format 3:
 * 32/64-bit). Chunks are walked in order ("fmt " then "data"; others such as LIST are skipped, odd sizes
 * padded). WAVE_FORMAT_EXTENSIBLE (0xFFFE) is read through its sub-format code.
 *
 * @module
 */

/** A decoded WAV file. */
export interface WavAudio {
  /** Frames per second, in Hz. */
  sampleRate: number;
  /** Samples per channel, each in [-1, 1] (integer PCM divided by 2^(bits-1)). */
  channels: Float32Array[];
  /** Bits per sample of the stored encoding (8, 16, 24, 32 or 64). */
  bitsPerSample: number;
  /** Size in bytes of the data chunk as stated in its header. */
  dataBytes: number;
}

function fourcc(dv: DataView, at: number): string {
  return String.fromCharCode(dv.getUint8(at), dv.getUint8(at + 1), dv.getUint8(at + 2), dv.getUint8(at + 3));
}

/**
 * Parse WAV bytes; `source` names the file in errors. Throws on a non-RIFF/WAVE file, a missing or short
 * fmt chunk, a missing data chunk or an unsupported encoding.
 */
export function parseWav(bytes: Uint8Array, source = "<bytes>"): WavAudio {
  const fail = (msg: string): never => {
    throw new Error(`wav ${source}: ${msg}`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || fourcc(dv, 0) !== "RIFF" || fourcc(dv, 8) !== "WAVE") {
    fail("not a RIFF/WAVE file");
  }
  let format = -1, numChannels = 0, sampleRate = 0, bits = 0;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(dv, pos);
    const size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "fmt ") {
      if (size < 16) fail(`fmt chunk is ${size} bytes, expected at least 16`);
      const needed = size >= 26 ? 26 : 16;
      if (body + needed > bytes.length) {
        fail(
          `fmt chunk is cut short: it states ${size} bytes, the file holds ${
            bytes.length - body
          } after its header`,
        );
      }
      format = dv.getUint16(body, true);
      numChannels = dv.getUint16(body + 2, true);
      sampleRate = dv.getUint32(body + 4, true);
      bits = dv.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26) format = dv.getUint16(body + 24, true);
    } else if (id === "data") {
      if (format < 0) fail("data chunk comes before the fmt chunk");
      // Some writers leave the size as 0xFFFFFFFF or too large when streaming; clamp to the file.
      const dataBytes = Math.min(size, bytes.length - body);
      return decode(
        bytes.subarray(body, body + dataBytes),
        size,
        format,
        numChannels,
        sampleRate,
        bits,
        fail,
      );
    }
    pos = body + size + (size & 1);
  }
  return fail(format < 0 ? "no fmt chunk" : "no data chunk");
}

function decode(
  raw: Uint8Array,
  statedBytes: number,
  format: number,
  numChannels: number,
  sampleRate: number,
  bits: number,
  fail: (msg: string) => never,
): WavAudio {
  if (numChannels < 1) fail(`fmt says ${numChannels} channels`);
  const pcm = format === 1 && [8, 16, 24, 32].includes(bits);
  const float = format === 3 && (bits === 32 || bits === 64);
  if (!pcm && !float) fail(`unsupported encoding: format ${format} with ${bits} bits per sample`);
  const bps = bits / 8;
  const frames = Math.floor(raw.length / (bps * numChannels));
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const channels = Array.from({ length: numChannels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < numChannels; c++) {
      const at = (f * numChannels + c) * bps;
      let v: number;
      if (float) v = bits === 32 ? dv.getFloat32(at, true) : dv.getFloat64(at, true);
      else if (bits === 8) v = (dv.getUint8(at) - 128) / 128;
      else if (bits === 16) v = dv.getInt16(at, true) / 32768;
      else if (bits === 24) {
        const u = dv.getUint8(at) | (dv.getUint8(at + 1) << 8) | (dv.getInt8(at + 2) << 16);
        v = u / 8388608;
      } else v = dv.getInt32(at, true) / 2147483648;
      channels[c][f] = v;
    }
  }
  return { sampleRate, channels, bitsPerSample: bits, dataBytes: statedBytes };
}

/** Read and decode a WAV file; throws naming the path when it cannot be read or parsed. */
export async function readWav(path: string): Promise<WavAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`wav ${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
  return parseWav(bytes, path);
}
