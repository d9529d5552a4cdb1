/**
 * Packs kernel arguments for cuLaunchKernel: each value is written into one reusable scratch buffer at its
 * natural alignment, and the `void**` array points at each slot. The driver copies the values at launch, so
 * the buffers are reused for every launch (pointers are taken once, never per op).
 */
import { MAX_RANK } from "./kernels_common.ts";

const SCRATCH_BYTES = 4096;
const MAX_ARGS = 32;

/**
 * Packs the arguments of one cuLaunchKernel call into a reusable 4 KiB scratch buffer (at most 32 arguments).
 */
export class ArgPacker {
  private readonly buf = new ArrayBuffer(SCRATCH_BYTES);
  private readonly view = new DataView(this.buf);
  private readonly slotAddr: bigint[] = [];
  private readonly params = new BigUint64Array(MAX_ARGS);
  /** `void** kernelParams` for cuLaunchKernel (stable for the packer's lifetime). */
  readonly paramsPtr: Deno.PointerValue;
  private cursor = 0;
  private count = 0;

  constructor() {
    const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.buf)));
    for (let off = 0; off < SCRATCH_BYTES; off += 4) this.slotAddr.push(base + BigInt(off));
    this.paramsPtr = Deno.UnsafePointer.of(this.params);
  }

  /** Starts a new argument list. */
  reset(): this {
    this.cursor = 0;
    this.count = 0;
    return this;
  }

  /**
   * Reserves the next `bytes`-sized slot at `align`, records its address as the next parameter and returns
   * its offset.
   *
   * @throws {Error} When the scratch buffer or the 32 parameter entries run out.
   */
  private slot(bytes: number, align: number): number {
    const off = (this.cursor + align - 1) & ~(align - 1);
    if (off + bytes > SCRATCH_BYTES || this.count >= MAX_ARGS) {
      throw new Error("CUDA kernel arguments overflow");
    }
    this.params[this.count++] = this.slotAddr[off >> 2];
    this.cursor = off + bytes;
    return off;
  }

  /** A device pointer or any 64-bit unsigned value. */
  u64(v: bigint): this {
    this.view.setBigUint64(this.slot(8, 8), v, true);
    return this;
  }
  /** A 64-bit signed integer (i64 in the kernels) from a JS integer. */
  i64(v: number): this {
    this.view.setBigInt64(this.slot(8, 8), BigInt(v), true);
    return this;
  }
  /** A 32-bit signed integer (int in the kernels). */
  i32(v: number): this {
    this.view.setInt32(this.slot(4, 4), v, true);
    return this;
  }
  /** A double-precision float (double in the kernels). */
  f64(v: number): this {
    this.view.setFloat64(this.slot(8, 8), v, true);
    return this;
  }
  /** A struct of int32 fields, passed by value (e.g. Geo). */
  ints(values: number[]): this {
    const off = this.slot(values.length * 4, 4);
    for (let i = 0; i < values.length; i++) this.view.setInt32(off + i * 4, values[i], true);
    return this;
  }
  /** The Dims struct: nd, shape[8], sa[8], sb[8]. */
  dims(shape: number[], sa: number[], sb: number[]): this {
    const off = this.slot(4 * (1 + 3 * MAX_RANK), 4);
    this.view.setInt32(off, shape.length, true);
    for (let k = 0; k < MAX_RANK; k++) {
      this.view.setInt32(off + 4 * (1 + k), shape[k] ?? 1, true);
      this.view.setInt32(off + 4 * (1 + MAX_RANK + k), sa[k] ?? 0, true);
      this.view.setInt32(off + 4 * (1 + 2 * MAX_RANK + k), sb[k] ?? 0, true);
    }
    return this;
  }
}
