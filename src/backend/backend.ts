/**
 * The backend contract: a small set of primitive kernels over flat float32 storages. Tensors, autograd and
 * everything above are written once against this interface; a new device implements only these primitives.
 *
 * Conventions: all storages hold float32 (integer indices are stored as exact float32 values); shapes are
 * row-major and contiguous unless a kernel takes explicit strides; every kernel writes all of `out`, so `alloc`
 * may return uninitialised memory.
 */

/** An opaque device buffer of `size` float32 elements. */
export interface Storage {
  /** Number of float32 elements the buffer holds (fixed at allocation). */
  readonly size: number;
}

/** Elementwise functions of one input. */
export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "abs"
  | "relu"
  | "sigmoid"
  | "tanh"
  | "gelu"
  | "geluTanh"
  | "quickGelu"
  | "softplus"
  | "sign"
  | "square"
  | "recip"
  | "rsqrt";

/** Unary functions whose derivative has a dedicated kernel: out = gy * f'(x). */
export type UnaryGradOp =
  | "exp"
  | "log"
  | "sqrt"
  | "abs"
  | "relu"
  | "sigmoid"
  | "tanh"
  | "gelu"
  | "geluTanh"
  | "quickGelu"
  | "softplus";

/** Elementwise functions of one input and scalar parameters a, b. */
export type ScalarOp =
  | "addS" // x + a
  | "mulS" // x * a
  | "affine" // x * a + b
  | "powS" // x ** a
  | "rsubS" // a - x
  | "clamp" // min(max(x, a), b)
  | "clampGrad" // 1 where a <= x <= b else 0
  | "leakyRelu" // x > 0 ? x : a * x
  | "leakyReluGrad" // x > 0 ? 1 : a
  | "gtS" // x > a ? 1 : 0
  | "ltS"; // x < a ? 1 : 0

/** Elementwise functions of two broadcast inputs. */
export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "max" | "min" | "gt" | "lt" | "eq";

/** Reductions over the middle axis of a [outer, r, inner] view. */
export type ReduceOp = "sum" | "max" | "min" | "argmax" | "argmin";

/**
 * Every op of each kind, in a fixed order: the native C kernels number their ops by these positions
 * (src/backend/native/csrc/elementwise.c, reduce_copy.c) and the conformance tests run each one.
 */
export const UNARY_OPS: readonly UnaryOp[] = [
  "neg",
  "exp",
  "log",
  "sqrt",
  "abs",
  "relu",
  "sigmoid",
  "tanh",
  "gelu",
  "geluTanh",
  "quickGelu",
  "softplus",
  "sign",
  "square",
  "recip",
  "rsqrt",
];
/** Every {@link UnaryGradOp}, in the order of the C enum `G_*`. */
export const UNARY_GRAD_OPS: readonly UnaryGradOp[] = [
  "exp",
  "log",
  "sqrt",
  "abs",
  "relu",
  "sigmoid",
  "tanh",
  "gelu",
  "geluTanh",
  "quickGelu",
  "softplus",
];
/** Every {@link ScalarOp}, in the order of the C enum `S_*`. */
export const SCALAR_OPS: readonly ScalarOp[] = [
  "addS",
  "mulS",
  "affine",
  "powS",
  "rsubS",
  "clamp",
  "clampGrad",
  "leakyRelu",
  "leakyReluGrad",
  "gtS",
  "ltS",
];
/** Every {@link BinaryOp}, in the order of the C enum `B_*`. */
export const BINARY_OPS: readonly BinaryOp[] = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "max",
  "min",
  "gt",
  "lt",
  "eq",
];
/** Every {@link ReduceOp}, in the order of the C enum `R_*`. */
export const REDUCE_OPS: readonly ReduceOp[] = ["sum", "max", "min", "argmax", "argmin"];

/** A batched GEMM: C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b], all row-major. */
export interface MatmulArgs {
  /** Number of independent products (1 for a plain GEMM). */
  batch: number;
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Columns of op(A) = rows of op(B), the summed dimension. */
  k: number;
  /** A is stored [k, m] and used transposed. */
  transA: boolean;
  /** B is stored [n, k] and used transposed. */
  transB: boolean;
  /** Element offsets between consecutive batch items (0 broadcasts one matrix to all items). */
  strideA: number;
  /** Element offset between consecutive B matrices (0: one B shared by all items). */
  strideB: number;
  /** Element offset between consecutive C matrices. */
  strideC: number;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the existing C added to the product (default 0: C is overwritten). */
  beta?: number;
}

/** Geometry of a 2-D convolution/pooling window over [N, C, H, W] inputs. */
export interface Conv2dGeometry {
  /** Batch size N. */
  n: number;
  /** Input channels C. */
  c: number;
  /** Input height H. */
  h: number;
  /** Input width W. */
  w: number;
  /** Kernel (window) height. */
  kh: number;
  /** Kernel (window) width. */
  kw: number;
  /** Vertical step between window positions. */
  strideH: number;
  /** Horizontal step between window positions. */
  strideW: number;
  /** Rows of padding on the top and on the bottom. */
  padH: number;
  /** Columns of padding on the left and on the right. */
  padW: number;
  /** Vertical spacing between kernel taps (1: dense). */
  dilationH: number;
  /** Horizontal spacing between kernel taps (1: dense). */
  dilationW: number;
  /** Output height: floor((h + 2·padH - dilationH·(kh - 1) - 1) / strideH) + 1. */
  outH: number;
  /** Output width: floor((w + 2·padW - dilationW·(kw - 1) - 1) / strideW) + 1. */
  outW: number;
}

/** The geometry's fields as 14 ints in a fixed order (the layout device kernels read: conv.c's Geometry). */
export function geometryInts(g: Conv2dGeometry): number[] {
  return [
    g.n,
    g.c,
    g.h,
    g.w,
    g.kh,
    g.kw,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.outH,
    g.outW,
  ];
}

/** Hyperparameters of one fused AdamW update. */
export interface AdamWArgs {
  /** Learning rate. */
  lr: number;
  /** Decay of the first-moment (mean) estimate. */
  beta1: number;
  /** Decay of the second-moment (uncentred variance) estimate. */
  beta2: number;
  /** Added to the bias-corrected √v in the denominator. */
  eps: number;
  /** Decoupled weight decay: the parameter is first scaled by 1 - lr·weightDecay. */
  weightDecay: number;
  /** 1-based step count for bias correction. */
  step: number;
}

/**
 * Shape of one fused attention call. q is [batch, tq, ·] and k, v are [batch, tk, ·] token rows (row strides
 * ldq, ldk, ldv), each row holding `heads` heads of `headDim` values side by side (the layout of the input
 * projections' outputs, [B, T, H * d]); the output rows have stride ldo.
 */
export interface AttentionArgs {
  /** Batch size B. */
  batch: number;
  /** Number of heads H. */
  heads: number;
  /** Query tokens per batch item. */
  tq: number;
  /** Key/value tokens per batch item. */
  tk: number;
  /** Values per head d (q, k and v rows hold H·d values). */
  headDim: number;
  /** Element stride between consecutive q rows. */
  ldq: number;
  /** Element stride between consecutive k rows. */
  ldk: number;
  /** Element stride between consecutive v rows. */
  ldv: number;
  /** Element stride between consecutive output rows. */
  ldo: number;
}

/** The primitives every backend implements. */
export interface Backend {
  /** Short name of the backend ("cpu", "cuda"), shown in tensor descriptions and errors. */
  readonly name: string;

  // Memory
  /** A storage of `size` elements; its contents are undefined (every kernel writes all of its output). */
  alloc(size: number): Storage;
  /**
   * Returns a storage to the backend (it may be pooled for reuse); the storage must not be used afterwards.
   */
  free(s: Storage): void;
  /** A new storage holding a copy of the host values. */
  fromHost(values: Float32Array): Storage;
  /** A host copy of the storage. */
  read(s: Storage): Promise<Float32Array>;
  /** A host copy, blocking (used by the CPU path and by small scalars). */
  readSync(s: Storage): Float32Array;
  /** Overwrites [offset, offset + values.length) with host values. */
  write(s: Storage, values: Float32Array, offset?: number): void;
  /** Sets `count` elements from `offset` to `value` (defaults: from 0 to the end of the storage). */
  fill(out: Storage, value: number, offset?: number, count?: number): void;

  // Elementwise
  /** out[i] = op(x[i]) for every element; x and out have the same size. */
  unary(op: UnaryOp, x: Storage, out: Storage): void;
  /** out[i] = gy[i] · op'(x[i]), the backward of {@link Backend.unary} from its input x. */
  unaryGrad(op: UnaryGradOp, x: Storage, gy: Storage, out: Storage): void;
  /** out[i] = op(x[i]; a, b) for every element (b defaults to 0); see {@link ScalarOp} for each formula. */
  scalar(op: ScalarOp, x: Storage, out: Storage, a: number, b?: number): void;
  /** out[i] = a[.] op b[.] with broadcasting expressed as element strides of a and b over `shape` (0 = broadcast). */
  binary(
    op: BinaryOp,
    a: Storage,
    aStrides: number[],
    b: Storage,
    bStrides: number[],
    out: Storage,
    shape: number[],
  ): void;
  /** out = cond != 0 ? a : b, all three the size of out. */
  where(cond: Storage, a: Storage, b: Storage, out: Storage): void;

  // Reductions and data movement
  /**
   * Reduces x viewed as [outer, r, inner] over its middle axis into out [outer, inner]; argmax/argmin write
   * the index in [0, r) of the first extremum as a float.
   */
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  /** Strided copy of `shape` elements from src to dst (permute, slice, pad, concat, expand). */
  copyStrided(
    src: Storage,
    srcOffset: number,
    srcStrides: number[],
    dst: Storage,
    dstOffset: number,
    dstStrides: number[],
    shape: number[],
  ): void;
  /** out[o, j, i] = x[o, idx[j], i] for x viewed as [outer, axisLen, inner]. */
  gather(
    x: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void;
  /** out[o, idx[j], i] += g[o, j, i] (out must be initialised). */
  scatterAdd(
    g: Storage,
    idx: Storage,
    out: Storage,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void;

  // Linear algebra
  /** The batched GEMM of `args`: C[i] = alpha·op(A[i]) op(B[i]) + beta·C[i] for each item i, row-major. */
  matmul(a: Storage, b: Storage, out: Storage, args: MatmulArgs): void;

  // Fused neural-network kernels (composable from the above, fused for speed)
  /** Row-wise softmax (or log-softmax) over the last axis of [rows, cols]. */
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  /** Gradient of softmax/logSoftmax given its output y and upstream gy. */
  softmaxGrad(y: Storage, gy: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  /** Row-wise normalisation: out = (x - mean) * rstd; writes mean and rstd per row. */
  normalizeRows(
    x: Storage,
    out: Storage,
    mean: Storage,
    rstd: Storage,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  /** Gradient of normalizeRows w.r.t. x given xhat (its output), rstd and upstream g. */
  normalizeRowsGrad(xhat: Storage, rstd: Storage, g: Storage, out: Storage, rows: number, cols: number): void;
  /**
   * Unfolds x [N, C, H, W] into cols [N, C·kh·kw, outH·outW] (rows channel-major, then kernel row, then
   * kernel column); padded taps read 0.
   */
  im2col(x: Storage, cols: Storage, g: Conv2dGeometry): void;
  /** Accumulates columns back into an image (out must be zero-filled first). */
  col2im(cols: Storage, out: Storage, g: Conv2dGeometry): void;
  /** Max pooling: writes the max and, in `argmax`, the flat input index of each output. */
  maxPool2d(x: Storage, out: Storage, argmax: Storage, g: Conv2dGeometry): void;

  /**
   * Fused attention (optional: without it the op layer composes matmul, softmax and copies). Per batch item
   * and head: probs = softmax(q k^T + keyBias [B, Tk] + attnBias [Tq, Tk]) written to `probs` [B, H, Tq, Tk];
   * out = (probs * dropMask) v. q arrives scaled; a null bias or mask is absent.
   */
  attention?(
    q: Storage,
    k: Storage,
    v: Storage,
    keyBias: Storage | null,
    attnBias: Storage | null,
    dropMask: Storage | null,
    probs: Storage,
    out: Storage,
    args: AttentionArgs,
  ): void;
  /** The backward of {@link Backend.attention}: writes gq, gk, gv (layouts of q, k, v) from gOut. */
  attentionGrad?(
    q: Storage,
    k: Storage,
    v: Storage,
    dropMask: Storage | null,
    probs: Storage,
    gOut: Storage,
    gq: Storage,
    gk: Storage,
    gv: Storage,
    args: AttentionArgs,
  ): void;

  /**
   * Inverted dropout (optional: without it the op layer draws the same coins on the host with
   * src/random/hash_mask.ts and multiplies): out[i] = x[i] * (hash(seed, i) < keepProb·2³² ? scale : 0), the
   * coins of `fillBernoulliMask` bit for bit. `x` may be `out`. Being a function of the index, the same call
   * on the upstream gradient is the backward.
   */
  dropout?(x: Storage, out: Storage, keepProb: number, scale: number, seed: number): void;

  /**
   * A linear layer's epilogue in place over y [rows, cols] (optional: without it the op layer adds the bias
   * and applies the activation as separate ops): y = act(y + bias), act "none" or "relu"; bias null for none.
   */
  biasActivation?(y: Storage, bias: Storage | null, rows: number, cols: number, act: "none" | "relu"): void;
  /**
   * The backward of {@link Backend.biasActivation} from its output y: g = gy * act'(.) (g may be gy), and the
   * bias gradient gBias [cols] = column sums of g when gBias is not null.
   */
  biasActivationGrad?(
    y: Storage,
    gy: Storage,
    g: Storage,
    gBias: Storage | null,
    rows: number,
    cols: number,
    act: "none" | "relu",
  ): void;

  // Optimisation
  /**
   * One fused AdamW step in place over equally sized storages: m and v are updated from grad, then param =
   * param·(1 - lr·wd) - lr/(1 - beta1^step) · m / (√v / √(1 - beta2^step) + eps).
   */
  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, args: AdamWArgs): void;

  // Random numbers (optional: callers fall back to host sampling when absent)
  /**
   * Fills `out` with the float32 uniforms in (0, 1] that `new Philox(seed, stream)` (src/random/philox.ts)
   * yields after skipping `offset` outputs, bit for bit, so device-side masks equal the CPU's.
   */
  randomUniform?(out: Storage, seed: bigint, stream: bigint, offset: bigint): void;

  /** Waits for queued device work (no-op on the CPU). */
  sync(): void;
}
