/**
 * CPU storage: a Float32Array plus its native pointer, made once per buffer (never per op). Freed buffers go
 * back to a size-keyed pool so steady training reuses memory instead of allocating each step.
 */
import type { Storage } from "../backend.ts";

/** A CPU buffer. `ptr` is created lazily on first FFI use and cached with the buffer. */
export class CpuStorage implements Storage {
  readonly data: Float32Array;
  private pointer: Deno.PointerValue | undefined;
  constructor(data: Float32Array) {
    this.data = data;
  }
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

/** Caps on what the pool holds, so a burst of one size cannot pin memory forever. */
const MAX_POOLED_PER_SIZE = 4096;
const MAX_POOLED_BYTES = 2 * 1024 ** 3;

/** A free-list of buffers keyed by element count. */
export class BufferPool {
  private readonly free = new Map<number, CpuStorage[]>();
  pooledBytes = 0;

  take(size: number): CpuStorage {
    const list = this.free.get(size);
    const s = list?.pop();
    if (s) {
      this.pooledBytes -= size * 4;
      return s;
    }
    return new CpuStorage(new Float32Array(size));
  }

  give(s: CpuStorage): void {
    let list = this.free.get(s.size);
    if (!list) this.free.set(s.size, list = []);
    if (list.length < MAX_POOLED_PER_SIZE && this.pooledBytes + s.size * 4 <= MAX_POOLED_BYTES) {
      list.push(s);
      this.pooledBytes += s.size * 4;
    }
  }

  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}
