// Byte-order helpers. Both file formats used here store little-endian data; on the (rare) big-endian host the
// bytes are swapped on the way in and out so typed arrays always hold native values.

/** True when the host stores numbers little-endian (x86, ARM in its usual mode). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverse the byte order of each `itemSize`-byte element of `bytes`, in place. */
export function swapBytesInPlace(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i + itemSize <= bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** A fresh, 8-byte-aligned copy of `bytes[begin, end)`, byte-swapped when the file order differs from the host. */
export function copyAligned(
  bytes: Uint8Array,
  begin: number,
  end: number,
  itemSize: number,
  fileLittleEndian: boolean,
): ArrayBuffer {
  const buf = new ArrayBuffer(end - begin);
  const view = new Uint8Array(buf);
  view.set(bytes.subarray(begin, end));
  if (fileLittleEndian !== HOST_LITTLE_ENDIAN) swapBytesInPlace(view, itemSize);
  return buf;
}

/** The bytes of a typed array in little-endian order (a view when the host is little-endian, else a copy). */
export function littleEndianBytes(data: ArrayBufferView, itemSize: number): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return view;
  const copy = view.slice();
  swapBytesInPlace(copy, itemSize);
  return copy;
}
