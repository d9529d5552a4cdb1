/**
 * CPU storage: a Float32Array plus its native pointer, made once per buffer (never per op). Freed buffers go
 * back to a size-keyed pool so steady training reuses memory instead of allocating each step.
 */
import type { Storage } from "../backend.ts";

/** A CPU buffer. `ptr` is created lazily on first FFI use and cached with the buffer. */
export class CpuStorage implements Storage {
  /** The elements; its length is the storage size. */
  readonly data: Float32Array;
  private pointer: Deno.PointerValue | undefined;
  /** Wraps `data` without copying (the storage owns it from now on). */
  constructor(data: Float32Array) {
    this.data = data;
  }
  /** Number of float32 elements (`data.length`). */
  get size(): number {
    return this.data.length;
  }
  /** The native address of `data`, cached. */
  get ptr(): Deno.PointerValue {
    if (this.pointer === undefined) this.pointer = Deno.UnsafePointer.of(this.data);
    return this.pointer;
  }
}

/** Narrows a Storage to the CPU kind, with an error naming the foreign backend's storage. */
export function cpu(s: Storage): CpuStorage {
  if (!(s instanceof CpuStorage)) {
    throw new Error(`cpu backend got a storage of another backend (${s.constructor.name})`);
  }
  return s;
}

/**
 * Caps on what the pool holds, so a burst of one size cannot pin memory forever: at most this many buffers
 * per size, and at most the larger of MAX_POOLED_BYTES and the peak of bytes in use. The second bound lets a
 * training step whose peak is above 2 GiB (the MOSI preset's K masked passes) reuse all of its buffers on the
 * next step instead of allocating (and zero-filling) half a gigabyte again, while memory stays bounded by
 * that peak.
 */
const MAX_POOLED_PER_SIZE = 4096;
const MAX_POOLED_BYTES = 2 * 1024 ** 3;

/** A free-list of buffers keyed by element count. */
export class BufferPool {
  private readonly free = new Map<number, CpuStorage[]>();
  /** Bytes held in the free lists, ready for reuse. */
  pooledBytes = 0;
  /** Bytes handed out and not given back, and their high-water mark. */
  liveBytes = 0;
  /** High-water mark of `liveBytes` since the pool was made. */
  peakLiveBytes = 0;

  /**
   * A storage of `size` elements: a pooled one of that size when there is one (old contents), else a new
   * zeroed one.
   */
  take(size: number): CpuStorage {
    this.liveBytes += size * 4;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
    const list = this.free.get(size);
    const s = list?.pop();
    if (s) {
      this.pooledBytes -= size * 4;
      return s;
    }
    return new CpuStorage(new Float32Array(size));
  }

  /**
   * Takes back a storage; it is kept for reuse while its size's list holds under 4096 buffers and the pool
   * stays under max(2 GiB, peakLiveBytes), else dropped to the GC.
   */
  give(s: CpuStorage): void {
    this.liveBytes -= s.size * 4;
    let list = this.free.get(s.size);
    if (!list) this.free.set(s.size, list = []);
    const cap = Math.max(MAX_POOLED_BYTES, this.peakLiveBytes);
    if (list.length < MAX_POOLED_PER_SIZE && this.pooledBytes + s.size * 4 <= cap) {
      list.push(s);
      this.pooledBytes += s.size * 4;
    }
  }

  /** Drops every pooled buffer (live storages are unaffected). */
  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}
