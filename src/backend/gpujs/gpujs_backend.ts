/**
 * The gpu.js backend: the backend primitives as gpu.js kernels, on host Float32Array storages, so the
 * library runs where neither OpenBLAS nor CUDA is present (gpu.js's cpu mode) and on gpu.js's GPU modes
 * where a browser's WebGL or headless GL exists. gpu.js is loaded by {@link createGpuJsBackend}, never when
 * this module is imported.
 *
 * @module
 */
import type {
  AdamWArgs,
  Backend,
  BinaryOp,
  Conv2dGeometry,
  MatmulArgs,
  ReduceOp,
  ScalarOp,
  Storage,
  UnaryGradOp,
  UnaryOp,
} from "../backend.ts";
import { geometryInts, REDUCE_OPS } from "../backend.ts";
import { CpuBackend } from "../cpu/cpu_backend.ts";
import { cpu } from "../cpu/storage.ts";
import { copyStridedKernel } from "../cpu/reduce_copy.ts";
import { registerBackend } from "../registry.ts";
import {
  type GpuJsMode,
  type KernelArg,
  type KernelBody,
  type KernelHelper,
  type KernelRunner,
  openGpuJs,
} from "./runtime.ts";
import {
  BINARY_CODES,
  BINARY_HELPERS,
  binaryDenseKernel,
  binaryStridedKernel,
  ERF_HELPERS,
  ERF_USERS,
  SCALAR_KERNELS,
  UNARY_GRAD_KERNELS,
  UNARY_KERNELS,
  whereKernel,
} from "./kernels_elementwise.ts";
import {
  copySpanKernel,
  gatherRowsKernel,
  gatherStridedKernel,
  reduceKernel,
  scatterAddKernel,
} from "./kernels_data.ts";
import {
  adamwKernel,
  col2imKernel,
  im2colKernel,
  matmulKernel,
  maxPoolKernel,
  normalizeGradKernel,
  normalizeOutKernel,
  rowMaxKernel,
  rowRstdKernel,
  rowSumKernel,
  softmaxGradKernel,
  softmaxOutKernel,
  softmaxSumKernel,
  SPLIT_HELPERS,
} from "./kernels_nn.ts";
import {
  contiguousStrides,
  forEachBlock,
  invertibleView,
  mergeDims,
  padFront,
  sizeOfShape,
  type StridedView,
} from "./layout.ts";

export type { GpuJsMode } from "./runtime.ts";

/**
 * Options of {@link createGpuJsBackend} and {@link useGpuJsBackend}.
 *
 * @example
 * ```ts
 * import type { GpuJsOptions } from "./src/backend/gpujs/gpujs_backend.ts";
 * const opts: GpuJsOptions = { mode: "cpu" };
 * ```
 */
export interface GpuJsOptions {
  /** gpu.js mode (default "cpu"); see {@link GpuJsMode}. */
  mode?: GpuJsMode;
}

/** The helpers of the kernels of `op` (gpuErf and what it calls for the erf users, else none). */
function erfHelpers(op: UnaryOp | UnaryGradOp): readonly KernelHelper[] {
  return ERF_USERS.has(op) ? ERF_HELPERS : [];
}

/**
 * A destination view is written by a gather over its span (one kernel) when the span is at most this many
 * times its element count; sparser views gather their elements and scatter them on the host.
 */
const MAX_SPAN_RATIO = 4;

/** Primitives (or cases of them) that do not run as gpu.js kernels, with where they run instead. */
const FALLBACKS: readonly string[] = [
  "copyStrided into a destination view that overlaps itself, has a negative stride or is sparse (span over " +
  `${MAX_SPAN_RATIO}x its elements): the source is gathered by a gpu.js kernel, the scatter into the view ` +
  "is a host loop",
  "randomUniform: Philox4x32-10 on the host (the CPU backend's generator, bit-equal to it), not a kernel",
];

/** The first n indices of gather and scatter-add, after the CPU's index check (with its message). */
function checkedIndices(idx: Storage, n: number, axisLen: number): Float32Array {
  const id = cpu(idx).data;
  for (let j = 0; j < n; j++) {
    const v = id[j];
    if (!(v >= 0 && v < axisLen) || v !== Math.floor(v)) {
      throw new RangeError(`index ${v} out of range for axis of length ${axisLen}`);
    }
  }
  return id;
}

/**
 * The backend primitives through gpu.js. Storages are host Float32Arrays (the CPU backend's, by
 * composition: alloc, free, fromHost, read, readSync, write, fill and the memory statistics are its code);
 * every compute primitive — unary, unaryGrad, scalar, binary, where, reduce, copyStrided, gather,
 * scatterAdd, matmul (batched, transposed, strided, alpha/beta), softmax, softmaxGrad, normalizeRows,
 * normalizeRowsGrad, im2col, col2im, maxPool2d, adamw — runs as gpu.js kernels, compiled once per op and
 * mode and reused for every size. Host code only plans launches (merging dims, splitting ranks above 8,
 * checking indices, building scatter-add's lists per row) and copies kernel outputs into the storages.
 *
 * Not through gpu.js ({@link GpuJsBackend.fallbacks}): copyStrided's scatter into an overlapping, negative-
 * stride or sparse destination view (a host loop over the kernel-gathered values), and randomUniform
 * (Philox on the host, as the CPU backend). The optional fused primitives (attention, dropout,
 * biasActivation) are absent: the op layer composes them.
 *
 * In cpu mode gpu.js runs the kernels as JavaScript in double arithmetic, as the TypeScript CPU kernels do,
 * so most results are bit-equal to theirs (tests/backend_gpujs_test.ts). In the other modes (WebAssembly,
 * GL) arithmetic is float32: sums, softmax, normalisation and the transcendental functions then differ from
 * the double reference by float32 rounding, more than the conformance suite allows, and indices are exact
 * only below 2^24.
 *
 * @example
 * ```ts ignore
 * import { createGpuJsBackend } from "./src/backend/gpujs/gpujs_backend.ts";
 * const b = await createGpuJsBackend({ mode: "cpu" });
 * const s = b.fromHost(new Float32Array([1, -2]));
 * b.unary("abs", s, s);
 * console.log(b.readSync(s), b.mode); // Float32Array [1, 2] cpu
 * ```
 */
export class GpuJsBackend implements Backend {
  /** The name in the registry and in tensor descriptions. */
  readonly name = "gpujs";
  /** The primitives, or cases of them, that do not run as gpu.js kernels, and where they run instead. */
  readonly fallbacks: readonly string[] = FALLBACKS;
  private readonly host = new CpuBackend({ useBlas: false, quiet: true });
  private readonly k: KernelRunner;

  private constructor(runner: KernelRunner) {
    this.k = runner;
  }

  /**
   * Loads gpu.js and makes a backend in `opts.mode` (default "cpu"); the same as
   * {@link createGpuJsBackend}. Throws one line, "gpu.js unavailable: <reason>", when it cannot.
   *
   * @example
   * ```ts ignore
   * import { GpuJsBackend } from "./src/backend/gpujs/gpujs_backend.ts";
   * const b = await GpuJsBackend.create({ mode: "gpu" }); // gpu.js's best mode here (WebAssembly in Deno)
   * console.log(b.mode);
   * ```
   */
  static async create(opts: GpuJsOptions = {}): Promise<GpuJsBackend> {
    return new GpuJsBackend(await openGpuJs(opts.mode ?? "cpu"));
  }

  /** The gpu.js mode the kernels run in ("cpu", "webasm", "webgl2", ...: gpu.js's choice for "gpu"). */
  get mode(): string {
    return this.k.mode;
  }

  /** For each kernel run so far, the gpu.js mode it ran in (a GL kernel that failed to build runs as "cpu"). */
  kernelModes(): Record<string, string> {
    return this.k.modes();
  }

  /** Releases gpu.js's kernels and contexts; the backend must not be used afterwards. */
  dispose(): void {
    this.k.destroy();
  }

  // ---- memory: the CPU backend's storages ------------------------------------------------------------

  /** A storage of `size` elements (contents undefined). */
  alloc(size: number): Storage {
    return this.host.alloc(size);
  }
  /** Returns a storage to the pool. */
  free(s: Storage): void {
    this.host.free(s);
  }
  /** A new storage holding a copy of the host values. */
  fromHost(values: Float32Array): Storage {
    return this.host.fromHost(values);
  }
  /** A host copy of the storage. */
  read(s: Storage): Promise<Float32Array> {
    return this.host.read(s);
  }
  /** A host copy of the storage. */
  readSync(s: Storage): Float32Array {
    return this.host.readSync(s);
  }
  /** Overwrites [offset, offset + values.length) with host values. */
  write(s: Storage, values: Float32Array, offset = 0): void {
    this.host.write(s, values, offset);
  }
  /** Sets `count` elements from `offset` to `value`. */
  fill(out: Storage, value: number, offset = 0, count?: number): void {
    this.host.fill(out, value, offset, count);
  }
  /** Bytes of storages in use, their high-water mark, and bytes pooled for reuse. */
  memoryStats(): { liveBytes: number; peakLiveBytes: number; pooledBytes: number } {
    return this.host.memoryStats();
  }

  // ---- launches ----------------------------------------------------------------------------------------

  /** Runs kernel `name` (with the helper functions it calls) over `size` threads; returns its output. */
  private launch(
    name: string,
    body: KernelBody,
    size: number,
    args: KernelArg[],
    helpers: readonly KernelHelper[] = [],
  ): Float32Array {
    return this.k.run(name, body, size, args, helpers);
  }

  /** Runs a kernel over `size` threads and copies its output into the start of `out`. */
  private into(
    out: Storage,
    name: string,
    body: KernelBody,
    size: number,
    args: KernelArg[],
    helpers: readonly KernelHelper[] = [],
  ): void {
    if (size === 0) return;
    cpu(out).data.set(this.launch(name, body, size, args, helpers));
  }

  /** Throws where a loop of `n` trips would pass the kernels' compiled loop bound (gpu.js stops silently). */
  private checkLoop(n: number, what: string): void {
    if (n > this.k.loopMax) {
      throw new Error(
        `gpujs: ${what} of ${n} exceeds the kernels' loop bound ${this.k.loopMax} (${this.mode} mode)`,
      );
    }
  }

  /** Per row of x [rows, cols]: Σ x (withY 0) or Σ x · y (withY 1), over `divisor`, as (hi, lo) pairs. */
  private rowSums(
    x: Float32Array,
    y: Float32Array,
    rows: number,
    cols: number,
    withY: number,
    divisor: number,
  ): Float32Array {
    return this.launch("rows.sum", rowSumKernel, 2 * rows, [x, y, cols, withY, divisor], SPLIT_HELPERS);
  }

  // ---- elementwise -------------------------------------------------------------------------------------

  /** out = op(x) elementwise. */
  unary(op: UnaryOp, x: Storage, out: Storage): void {
    this.into(out, `unary.${op}`, UNARY_KERNELS[op], out.size, [cpu(x).data], erfHelpers(op));
  }
  /** out = gy · op'(x) elementwise. */
  unaryGrad(op: UnaryGradOp, x: Storage, gy: Storage, out: Storage): void {
    const args = [cpu(x).data, cpu(gy).data];
    this.into(out, `unaryGrad.${op}`, UNARY_GRAD_KERNELS[op], out.size, args, erfHelpers(op));
  }
  /** out = op(x; a, b) elementwise. */
  scalar(op: ScalarOp, x: Storage, out: Storage, a: number, b = 0): void {
    const body = SCALAR_KERNELS[op]; // takes (x, a) or (x, a, b): gpu.js wants exactly its parameters
    this.into(out, `scalar.${op}`, body, out.size, [cpu(x).data, a, b].slice(0, body.length));
  }
  /** out = a op b over `shape`, a and b walked by their (broadcast) strides. */
  binary(
    op: BinaryOp,
    a: Storage,
    aStrides: number[],
    b: Storage,
    bStrides: number[],
    out: Storage,
    shape: number[],
  ): void {
    const total = sizeOfShape(shape), code = BINARY_CODES.indexOf(op);
    if (total === 0) return;
    const ad = cpu(a).data, bd = cpu(b).data, od = cpu(out).data;
    const view = mergeDims(shape, [aStrides, bStrides]);
    const dense = contiguousStrides(view.shape);
    const isDense = (st: number[]) => st.every((s, d) => s === dense[d]);
    if (isDense(view.strides[0]) && isDense(view.strides[1])) {
      od.set(this.launch("binary.dense", binaryDenseKernel, total, [ad, bd, code], BINARY_HELPERS));
      return;
    }
    const blockSize = sizeOfShape(view.shape.slice(-8));
    forEachBlock(view, [0, 0], ([ao, bo], inner, block) => {
      const args = [
        ad,
        ao,
        padFront(inner.strides[0], 0),
        bd,
        bo,
        padFront(inner.strides[1], 0),
        padFront(inner.shape, 1),
        code,
      ];
      const res = this.launch("binary.strided", binaryStridedKernel, blockSize, args, BINARY_HELPERS);
      od.set(res, block * blockSize);
    });
  }
  /** out = cond != 0 ? a : b elementwise. */
  where(cond: Storage, a: Storage, b: Storage, out: Storage): void {
    this.into(out, "where", whereKernel, out.size, [cpu(cond).data, cpu(a).data, cpu(b).data]);
  }

  // ---- reductions and data movement --------------------------------------------------------------------

  /** Reduces x [outer, r, inner] over r into out [outer, inner]. */
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    const n = outer * inner;
    if (n === 0) return;
    if (r === 0) {
      // an empty axis has nothing to compute: the CPU kernel's values for it (sum 0, max/min NaN, arg 0)
      this.host.fill(out, op === "sum" ? 0 : op === "max" || op === "min" ? NaN : 0, 0, n);
      return;
    }
    this.checkLoop(r, "a reduction length");
    this.into(out, "reduce", reduceKernel, n, [cpu(x).data, r, inner, REDUCE_OPS.indexOf(op)]);
  }

  /** Copies `shape` elements from src (offset, strides) to dst (offset, strides). */
  copyStrided(
    src: Storage,
    srcOffset: number,
    srcStrides: number[],
    dst: Storage,
    dstOffset: number,
    dstStrides: number[],
    shape: number[],
  ): void {
    if (sizeOfShape(shape) === 0) return;
    const view = mergeDims(shape, [srcStrides, dstStrides]);
    forEachBlock(
      view,
      [srcOffset, dstOffset],
      ([so, dOff], inner) => this.copyBlock(src, so, dst, dOff, inner),
    );
  }

  /** One copy of rank at most 8 (merged dims, all of extent at least 2). */
  private copyBlock(
    src: Storage,
    srcOffset: number,
    dst: Storage,
    dstOffset: number,
    view: StridedView,
  ): void {
    const [srcSt, dstSt] = view.strides, total = sizeOfShape(view.shape);
    const sd = cpu(src).data, dd = cpu(dst).data;
    const inv = invertibleView(view.shape, dstSt);
    if (inv && inv.span <= MAX_SPAN_RATIO * total) {
      // one kernel over the destination's span: each element is the source's or stays
      // dims by decreasing destination stride, padded at the end (extent 1, stride 1)
      const order = inv.order, pad = (v: number[], fill: number) => padFront(v.reverse(), fill).reverse();
      const args = [
        sd,
        srcOffset,
        pad(order.map((d) => srcSt[d]), 0),
        dd,
        dstOffset,
        pad(order.map((d) => dstSt[d]), 1),
        pad(order.map((d) => view.shape[d]), 1),
      ];
      const res = this.launch("copy.span", copySpanKernel, inv.span, args);
      if (dstOffset + inv.span > dd.length) {
        throw new RangeError("copyStrided: destination view out of range");
      }
      dd.set(res, dstOffset);
      return;
    }
    const vals = this.launch("copy.gather", gatherStridedKernel, total, [
      sd,
      srcOffset,
      padFront(srcSt, 0),
      padFront(view.shape, 1),
    ]);
    // the listed fallback: the gathered values scattered into the view by the CPU's host loop
    copyStridedKernel(vals, 0, contiguousStrides(view.shape), dd, dstOffset, dstSt, view.shape);
  }

  /** out[p, j, i] = x[p, idx[j], i]. */
  gather(
    x: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    const id = checkedIndices(idx, nIdx, axisLen);
    const n = outer * nIdx * inner;
    this.into(out, "gather", gatherRowsKernel, n, [cpu(x).data, id, axisLen, inner, nIdx]);
  }

  /** out[p, idx[j], i] += g[p, j, i]. */
  scatterAdd(
    g: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void {
    const id = checkedIndices(idx, nIdx, axisLen);
    const n = outer * axisLen * inner;
    if (n === 0 || nIdx === 0) return;
    // the positions j of each index value, in increasing j: start[a] .. start[a + 1] - 1 of `list`
    const start = new Array<number>(axisLen + 1).fill(0);
    for (let j = 0; j < nIdx; j++) start[id[j] + 1]++;
    let longest = 0;
    for (let a = 0; a < axisLen; a++) {
      longest = Math.max(longest, start[a + 1]);
      start[a + 1] += start[a];
    }
    this.checkLoop(longest, "repeats of one index");
    const fillAt = start.slice(0, axisLen), list = new Array<number>(nIdx);
    for (let j = 0; j < nIdx; j++) list[fillAt[id[j]]++] = j;
    const od = cpu(out).data;
    this.into(out, "scatterAdd", scatterAddKernel, n, [cpu(g).data, od, start, list, axisLen, inner, nIdx]);
  }

  // ---- linear algebra ----------------------------------------------------------------------------------

  /** C[i] = alpha · op(A[i]) op(B[i]) + beta · C[i] for each batch item, row-major. */
  matmul(a: Storage, b: Storage, out: Storage, args: MatmulArgs): void {
    const { batch, m, n, k, transA, transB, strideA, strideB, strideC } = args;
    const alpha = args.alpha ?? 1, beta = args.beta ?? 0;
    if (batch * m * n === 0) return;
    this.checkLoop(k, "a GEMM depth");
    const ad = cpu(a).data, bd = cpu(b).data, cd = cpu(out).data, mn = m * n;
    const steps = [transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1];
    const run = (items: number, item0: number) =>
      this.launch("matmul", matmulKernel, items * mn, [
        ad,
        bd,
        cd,
        m,
        n,
        k,
        ...steps,
        item0 * strideA,
        item0 * strideB,
        item0 * strideC,
        strideA,
        strideB,
        strideC,
        alpha,
        beta,
      ]);
    if (batch > 1 && strideC < mn) {
      // items write overlapping C matrices: one launch per item, in order, as a sequential GEMM would
      for (let i = 0; i < batch; i++) cd.set(run(1, i), i * strideC);
      return;
    }
    const res = run(batch, 0);
    if (strideC === mn) cd.set(res);
    else for (let i = 0; i < batch; i++) cd.set(res.subarray(i * mn, (i + 1) * mn), i * strideC);
  }

  // ---- fused neural-network kernels --------------------------------------------------------------------

  /** Row-wise softmax or log-softmax over the last axis of [rows, cols]. */
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    if (rows * cols === 0) return;
    this.checkLoop(cols, "a softmax row");
    const xd = cpu(x).data;
    const mx = this.launch("softmax.rowMax", rowMaxKernel, rows, [xd, cols]);
    const sum2 = this.launch("softmax.rowSum", softmaxSumKernel, 2 * rows, [xd, mx, cols], SPLIT_HELPERS);
    this.into(out, "softmax.out", softmaxOutKernel, rows * cols, [xd, mx, sum2, cols, log ? 1 : 0]);
  }
  /** Gradient of softmax / log-softmax from its output y and upstream gy. */
  softmaxGrad(y: Storage, gy: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    if (rows * cols === 0) return;
    this.checkLoop(cols, "a softmax row");
    const yd = cpu(y).data, gd = cpu(gy).data;
    const sum2 = this.rowSums(gd, yd, rows, cols, log ? 0 : 1, 1); // Σ gy (log-softmax) or Σ gy·y
    this.into(out, "softmax.grad", softmaxGradKernel, rows * cols, [yd, gd, sum2, cols, log ? 1 : 0]);
  }
  /** out = (x - mean) · rstd per row; writes each row's mean and rstd. */
  normalizeRows(
    x: Storage,
    out: Storage,
    mean: Storage,
    rstd: Storage,
    rows: number,
    cols: number,
    eps: number,
  ): void {
    if (rows === 0) return;
    this.checkLoop(cols, "a row");
    const xd = cpu(x).data;
    const mean2 = this.rowSums(xd, xd, rows, cols, 0, cols); // y unread with withY 0
    const rstd2 = this.launch("rows.rstd", rowRstdKernel, 2 * rows, [xd, mean2, cols, eps], SPLIT_HELPERS);
    this.into(out, "rows.normalize", normalizeOutKernel, rows * cols, [xd, mean2, rstd2, cols]);
    const md = cpu(mean).data, rd = cpu(rstd).data;
    for (let r = 0; r < rows; r++) {
      md[r] = mean2[2 * r]; // the hi parts: the float32 roundings of the row statistics
      rd[r] = rstd2[2 * r];
    }
  }
  /** Gradient of normalizeRows from its output xhat, rstd and upstream g. */
  normalizeRowsGrad(
    xhat: Storage,
    rstd: Storage,
    g: Storage,
    out: Storage,
    rows: number,
    cols: number,
  ): void {
    if (rows * cols === 0) return;
    this.checkLoop(cols, "a row");
    const xd = cpu(xhat).data, gd = cpu(g).data;
    const meanG2 = this.rowSums(gd, gd, rows, cols, 0, cols);
    const meanGx2 = this.rowSums(gd, xd, rows, cols, 1, cols);
    this.into(out, "rows.normalizeGrad", normalizeGradKernel, rows * cols, [
      xd,
      cpu(rstd).data,
      gd,
      meanG2,
      meanGx2,
      cols,
    ]);
  }
  /** Unfolds x [N, C, H, W] into cols [N, C·kh·kw, outH·outW]. */
  im2col(x: Storage, cols: Storage, g: Conv2dGeometry): void {
    const n = g.n * g.c * g.kh * g.kw * g.outH * g.outW;
    this.into(cols, "im2col", im2colKernel, n, [cpu(x).data, geometryInts(g)]);
  }
  /** Accumulates columns back into the image `out`. */
  col2im(cols: Storage, out: Storage, g: Conv2dGeometry): void {
    this.checkLoop(Math.max(g.kh, g.kw), "a kernel extent");
    const n = g.n * g.c * g.h * g.w;
    this.into(out, "col2im", col2imKernel, n, [cpu(cols).data, cpu(out).data, geometryInts(g)]);
  }
  /** Max pooling: the maximum of each window and its flat input index. */
  maxPool2d(x: Storage, out: Storage, argmax: Storage, g: Conv2dGeometry): void {
    this.checkLoop(Math.max(g.kh, g.kw), "a window extent");
    const n = g.n * g.c * g.outH * g.outW, xd = cpu(x).data, geo = geometryInts(g);
    this.into(out, "maxPool2d", maxPoolKernel, n, [xd, geo, 0]);
    this.into(argmax, "maxPool2d", maxPoolKernel, n, [xd, geo, 1]);
  }

  // ---- optimisation ------------------------------------------------------------------------------------

  /** One fused AdamW step in place over param, m and v. */
  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, args: AdamWArgs): void {
    const n = param.size;
    if (n === 0) return;
    const { lr, beta1, beta2, eps, weightDecay, step } = args;
    const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
    const pd = cpu(param).data, gd = cpu(grad).data, md = cpu(m).data, vd = cpu(v).data;
    const common = [
      pd,
      gd,
      md,
      vd,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      lr / bc1,
      Math.sqrt(bc2),
      eps,
      1 - lr * weightDecay,
    ];
    // the new parameter (want 0), m (1) and v (2), all three from the old values, then stored
    const [p2, m2, v2] = [0, 1, 2].map((want) => this.launch("adamw", adamwKernel, n, [...common, want]));
    pd.set(p2);
    md.set(m2);
    vd.set(v2);
  }

  /** Philox uniforms in (0, 1] on the host: the CPU backend's generator (a listed fallback, not a kernel). */
  randomUniform(out: Storage, seed: bigint, stream: bigint, offset: bigint): void {
    this.host.randomUniform(out, seed, stream, offset);
  }

  /** Nothing is queued: every kernel has finished when its call returns. */
  sync(): void {}
}

/**
 * Loads gpu.js (a dynamic import of npm:gpu.js) and makes a {@link GpuJsBackend} in `opts.mode` (default
 * "cpu"). Throws one line, "gpu.js unavailable: <reason>", when the package cannot be loaded or the mode is
 * not available here.
 *
 * @example
 * ```ts ignore
 * import { createGpuJsBackend } from "./src/backend/gpujs/gpujs_backend.ts";
 * const b = await createGpuJsBackend(); // gpu.js's cpu mode
 * console.log(b.name, b.mode, b.fallbacks.length); // gpujs cpu 2
 * ```
 */
export async function createGpuJsBackend(opts: GpuJsOptions = {}): Promise<GpuJsBackend> {
  return await GpuJsBackend.create(opts);
}

let registered: { mode: GpuJsMode; backend: GpuJsBackend } | null = null;

/**
 * Loads gpu.js and registers the backend under "gpujs", so that `setBackend("gpujs")` selects it (the
 * registry's factories are synchronous; this is the asynchronous step before them). Returns the registered
 * backend; a later call returns the same one when its mode matches and replaces it otherwise.
 *
 * @example
 * ```ts ignore
 * import { setBackend, useGpuJsBackend } from "./mod.ts";
 * await useGpuJsBackend({ mode: "cpu" });
 * setBackend("gpujs");
 * ```
 */
export async function useGpuJsBackend(opts: GpuJsOptions = {}): Promise<GpuJsBackend> {
  const mode = opts.mode ?? "cpu";
  if (registered?.mode === mode) return registered.backend;
  const backend = await createGpuJsBackend({ mode });
  registered = { mode, backend };
  registerBackend("gpujs", () => backend);
  return backend;
}
