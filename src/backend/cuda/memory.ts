/**
 * Device storages: a cuMemAlloc'd buffer of float32 elements. Freed buffers go back to a size-keyed free
 * list (like the CPU's) so a training loop stops allocating after its first step; all work runs in order on
 * one stream, so a buffer can be reused as soon as it is freed. Managed memory is never used.
 */
import type { Storage } from "../backend.ts";
import {
  CUDA_ERROR_OUT_OF_MEMORY,
  CudaDriverError,
  type CudaDriverLibrary,
} from "../../../ffi/cuda/driver.ts";
import { checkDriver } from "../../../ffi/cuda/driver.ts";

/** A device buffer; `ptr` is the CUdeviceptr (0 for an empty storage). */
export class CudaStorage implements Storage {
  /** Number of float32 elements. */
  readonly size: number;
  /** The CUdeviceptr of the buffer (0n when size is 0). */
  readonly ptr: bigint;
  /** Wraps a device allocation of `size` float32 elements (made by {@link DevicePool}). */
  constructor(size: number, ptr: bigint) {
    this.size = size;
    this.ptr = ptr;
  }
}

/** Narrows a Storage to the CUDA kind, naming the foreign backend's storage. */
export function dev(s: Storage): CudaStorage {
  if (!(s instanceof CudaStorage)) {
    throw new Error(`cuda backend got a storage of another backend (${s.constructor.name})`);
  }
  return s;
}

/** Caps on what the pool holds, so a burst of one size cannot pin device memory forever. */
const MAX_POOLED_PER_SIZE = 4096;
const MAX_POOLED_BYTES = 8 * 1024 ** 3;

/** A free list of device buffers keyed by element count, over raw cuMemAlloc/cuMemFree. */
export class DevicePool {
  private readonly free = new Map<number, CudaStorage[]>();
  private readonly out = new BigUint64Array(1);
  /** Bytes held in the free lists, ready for reuse. */
  pooledBytes = 0;
  /** Bytes currently allocated from the driver (in use plus pooled). */
  allocatedBytes = 0;

  /** A pool over the driver `lib` (its context must be current). */
  constructor(private readonly lib: CudaDriverLibrary) {}

  /**
   * A storage of `size` elements: a pooled one of that size (old contents) or a new allocation.
   *
   * @throws {Error} When the size is not a non-negative integer, or the device is out of memory.
   */
  take(size: number): CudaStorage {
    if (!Number.isInteger(size) || size < 0) throw new Error(`cuda alloc: invalid size ${size}`);
    if (size === 0) return new CudaStorage(0, 0n);
    const s = this.free.get(size)?.pop();
    if (s) {
      this.pooledBytes -= size * 4;
      return s;
    }
    return new CudaStorage(size, this.rawAlloc(size * 4));
  }

  /** Takes back a storage; kept for reuse up to 4096 per size and 8 GiB in all, else freed to the driver. */
  give(s: CudaStorage): void {
    if (s.size === 0) return;
    let list = this.free.get(s.size);
    if (!list) this.free.set(s.size, list = []);
    if (list.length < MAX_POOLED_PER_SIZE && this.pooledBytes + s.size * 4 <= MAX_POOLED_BYTES) {
      list.push(s);
      this.pooledBytes += s.size * 4;
    } else this.rawFree(s.ptr, s.size * 4);
  }

  /** Returns every pooled buffer to the driver. */
  clear(): void {
    for (const list of this.free.values()) for (const s of list) this.rawFree(s.ptr, s.size * 4);
    this.free.clear();
    this.pooledBytes = 0;
  }

  /** cuMemAlloc; on out-of-memory the pool is emptied and the allocation retried once. */
  rawAlloc(bytes: number): bigint {
    let rc = this.lib.symbols.cuMemAlloc_v2(this.out, BigInt(bytes));
    if (rc === CUDA_ERROR_OUT_OF_MEMORY && this.pooledBytes > 0) {
      this.clear();
      rc = this.lib.symbols.cuMemAlloc_v2(this.out, BigInt(bytes));
    }
    try {
      checkDriver(this.lib, `cuMemAlloc(${bytes} bytes)`, rc);
    } catch (e) {
      if (e instanceof CudaDriverError && e.code === CUDA_ERROR_OUT_OF_MEMORY) {
        throw new Error(
          `CUDA out of memory allocating ${bytes} bytes (${
            (this.allocatedBytes / 2 ** 20).toFixed(0)
          } MiB in use)`,
        );
      }
      throw e;
    }
    this.allocatedBytes += bytes;
    return this.out[0];
  }

  /** cuMemFree of a raw allocation of `bytes` (for buffers outside the free lists). */
  rawFree(ptr: bigint, bytes: number): void {
    checkDriver(this.lib, "cuMemFree", this.lib.symbols.cuMemFree_v2(ptr));
    this.allocatedBytes -= bytes;
  }
}
