/**
 * Kernel launches on the legacy default stream (so kernels, cuBLAS and synchronous copies stay in order).
 * Grids are capped and kernels loop grid-stride, so any size launches with the same configuration.
 */
import { checkDriver, type CudaDriverLibrary } from "../../../ffi/cuda/driver.ts";
import { ArgPacker } from "./args.ts";

const THREADS = 256;
const MAX_GRID = 2 ** 31 - 1;

/**
 * Launches the loaded module's kernels by name on the legacy default stream, with capped grid-stride grids.
 */
export class Launcher {
  /** The argument packer shared by every launch (see {@link Launcher.pack}). */
  readonly args: ArgPacker = new ArgPacker();
  private readonly maxBlocks1d: number;

  /** Launches from `functions` (kernel handles by name); `smCount` caps 1-D grids at 32 blocks per SM. */
  constructor(
    private readonly lib: CudaDriverLibrary,
    private readonly functions: Map<string, bigint>,
    smCount: number,
  ) {
    this.maxBlocks1d = Math.max(1, smCount) * 32;
  }

  /** A cleared argument packer for the next launch. */
  pack(): ArgPacker {
    return this.args.reset();
  }

  /** Launches `name` with the packed arguments on a grid x block (x, y) configuration. */
  launch(name: string, gridX: number, blockX: number, blockY = 1): void {
    const f = this.functions.get(name);
    if (f === undefined) throw new Error(`CUDA kernel ${name} is not in the loaded module`);
    const gx = Math.min(MAX_GRID, Math.max(1, gridX));
    const rc = this.lib.symbols.cuLaunchKernel(
      f,
      gx,
      1,
      1,
      blockX,
      blockY,
      1,
      0,
      0n,
      this.args.paramsPtr,
      null,
    );
    if (rc !== 0) checkDriver(this.lib, `cuLaunchKernel(${name})`, rc);
  }

  /** A grid-stride launch over n work items, 256 threads per block. */
  launch1d(name: string, n: number): void {
    if (n <= 0) return;
    this.launch(name, Math.min(Math.ceil(n / THREADS), this.maxBlocks1d), THREADS);
  }

  /** One block per row (rows loop grid-stride), with a block width suited to `cols`. */
  launchRows(name: string, rows: number, cols: number): void {
    if (rows <= 0) return;
    this.launch(name, Math.min(rows, 1 << 20), rowThreads(cols));
  }
}

/** Threads for a row kernel: a multiple of 32 covering `cols`, at most 512. */
export function rowThreads(cols: number): number {
  return Math.min(512, Math.max(32, Math.ceil(cols / 32) * 32));
}
