/**
 * Convolution through im2col + GEMM: conv2d (with stride, padding, dilation and groups), conv1d on top of it,
 * and unfold (im2col as a differentiable op). Images are processed in chunks so the column buffer stays
 * bounded; within a chunk the columns are laid out [C·kh·kw, images·L] so each group is one large GEMM.
 */
import type { Backend, Conv2dGeometry, Storage } from "../../backend/backend.ts";
import { record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { shapeStr } from "../shape.ts";
import { emptyOn } from "./create.ts";
import { add } from "./elementwise.ts";
import { reshape } from "./shape_ops.ts";
import { type Pair, pairOf, windowGeometry, windowLimits } from "./window.ts";

export type { Pair };

/** Options of conv2d (PyTorch defaults: stride 1, padding 0, dilation 1, groups 1). */
export interface Conv2dOptions {
  /** Step between window positions, one value or [h, w] (default 1). */
  stride?: Pair;
  /** Zero padding added on both sides of each spatial axis (default 0). */
  padding?: Pair;
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups; must divide the input and output channels (default 1). */
  groups?: number;
}

/** Options of conv1d. */
export interface Conv1dOptions {
  /** Step between window positions (default 1). */
  stride?: number;
  /** Zero padding added on both ends of the length axis (default 0). */
  padding?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
  /** Channel groups; must divide the input and output channels (default 1). */
  groups?: number;
}

/** Options of unfold (the window's stride, padding and dilation). */
export interface UnfoldOptions {
  /** Step between window positions, one value or [h, w] (default 1). */
  stride?: Pair;
  /** Zero padding added on both sides of each spatial axis (default 0). */
  padding?: Pair;
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
}

/** Images per chunk so that a chunk's columns stay under windowLimits.maxColumnElements (at least one image). */
function imagesPerChunk(g: Conv2dGeometry): number {
  const perImage = g.c * g.kh * g.kw * g.outH * g.outW;
  return Math.max(1, Math.min(g.n, Math.floor(windowLimits.maxColumnElements / perImage)));
}

/** Runs fn over chunks of images [n0, n0 + nc). */
function forChunks(g: Conv2dGeometry, fn: (n0: number, nc: number) => void): void {
  const chunk = imagesPerChunk(g);
  for (let n0 = 0; n0 < g.n; n0 += chunk) fn(n0, Math.min(chunk, g.n - n0));
}

/** Columns of images [n0, n0+nc) of x, laid out [C·kh·kw, nc·L] (the caller frees the result). */
function columnsT(b: Backend, x: Storage, g: Conv2dGeometry, n0: number, nc: number): Storage {
  const chw = g.c * g.h * g.w, ck = g.c * g.kh * g.kw, l = g.outH * g.outW;
  let xc = x;
  if (nc !== g.n) {
    xc = b.alloc(nc * chw);
    b.copyStrided(x, n0 * chw, [1], xc, 0, [1], [nc * chw]);
  }
  const cols = b.alloc(nc * ck * l);
  b.im2col(xc, cols, { ...g, n: nc });
  if (xc !== x) b.free(xc);
  if (nc === 1) return cols; // [ck, l] already
  const colsT = b.alloc(ck * nc * l);
  b.copyStrided(cols, 0, [l, ck * l, 1], colsT, 0, [nc * l, l, 1], [ck, nc, l]);
  b.free(cols);
  return colsT;
}

function checkConvArgs(x: Tensor, w: Tensor, groups: number): void {
  if (x.rank !== 4) throw new Error(`conv2d: input must be [N, C, H, W], got ${shapeStr(x.shape)}`);
  if (w.rank !== 4) throw new Error(`conv2d: weight must be [O, C/groups, kh, kw], got ${shapeStr(w.shape)}`);
  const c = x.shape[1], o = w.shape[0];
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0) {
    throw new Error(`conv2d: groups ${groups} must divide input channels ${c} and output channels ${o}`);
  }
  if (w.shape[1] !== c / groups) {
    throw new Error(
      `conv2d: weight ${shapeStr(w.shape)} expects ${
        w.shape[1] * groups
      } input channels (groups ${groups}), ` +
        `input ${shapeStr(x.shape)} has ${c}`,
    );
  }
  if (x.backend !== w.backend) throw new Error("conv2d: input and weight are on different backends");
}

/**
 * 2-D cross-correlation like torch.nn.functional.conv2d: x [N, C, H, W], w [O, C/groups, kh, kw], optional
 * bias [O]; returns [N, O, outH, outW] with outH = floor((H + 2·padH - dilationH·(kh - 1) - 1) / strideH) + 1
 * (likewise outW).
 *
 * @throws {Error} When the ranks or channel counts do not match, groups does not divide the channels, an
 * option is not a valid integer, or no output position fits.
 *
 * @example
 * ```ts
 * import { conv2d, randn } from "./mod.ts";
 * const x = randn([2, 3, 8, 8]); // [N, C, H, W]
 * const w = randn([16, 3, 3, 3]); // [O, C, kh, kw]
 * console.log(conv2d(x, w, null, { stride: 2, padding: 1 }).shape); // [2, 16, 4, 4]
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const groups = opts.groups ?? 1;
  checkConvArgs(x, w, groups);
  const g = windowGeometry(
    "conv2d",
    x.shape,
    [w.shape[2], w.shape[3]],
    pairOf("conv2d", "stride", opts.stride, 1, 1),
    pairOf("conv2d", "padding", opts.padding, 0, 0),
    pairOf("conv2d", "dilation", opts.dilation, 1, 1),
  );
  const b = x.backend, o = w.shape[0], l = g.outH * g.outW;
  const ck = g.c * g.kh * g.kw, cgk = ck / groups, og = o / groups;
  const y = emptyOn(b, [g.n, o, g.outH, g.outW], record("conv2d", [x, w], [], { geom: g, groups }));
  forChunks(g, (n0, nc) => {
    const colsT = columnsT(b, x.storage, g, n0, nc);
    const yT = b.alloc(o * nc * l);
    b.matmul(w.storage, colsT, yT, {
      batch: groups,
      m: og,
      n: nc * l,
      k: cgk,
      transA: false,
      transB: false,
      strideA: og * cgk,
      strideB: cgk * nc * l,
      strideC: og * nc * l,
    });
    // yT is [O, nc, L]; scatter it into y [N, O, L].
    b.copyStrided(yT, 0, [nc * l, l, 1], y.storage, n0 * o * l, [l, o * l, 1], [o, nc, l]);
    b.free(colsT);
    b.free(yT);
  });
  if (!bias) return y;
  if (bias.size !== o) {
    throw new Error(`conv2d: bias ${shapeStr(bias.shape)} does not match ${o} output channels`);
  }
  return add(y, reshape(bias, [1, o, 1, 1]));
}

registerGradient("conv2d", (gy, node) => {
  const [x, w] = node.inputs;
  const { geom: g, groups } = node.attrs as { geom: Conv2dGeometry; groups: number };
  const b = x.backend, o = w.shape[0], l = g.outH * g.outW;
  const chw = g.c * g.h * g.w, ck = g.c * g.kh * g.kw, cgk = ck / groups, og = o / groups;
  const gw = w.requiresGrad ? emptyOn(b, w.shape) : null;
  const gx = x.requiresGrad ? emptyOn(b, x.shape) : null;
  if (gx) b.fill(gx.storage, 0);
  forChunks(g, (n0, nc) => {
    const gyT = b.alloc(o * nc * l); // [O, nc, L]
    b.copyStrided(gy.storage, n0 * o * l, [l, o * l, 1], gyT, 0, [nc * l, l, 1], [o, nc, l]);
    if (gw) {
      // dW[g] += dY[g] colsᵀ[g], accumulated over chunks.
      const colsT = columnsT(b, x.storage, g, n0, nc);
      b.matmul(gyT, colsT, gw.storage, {
        batch: groups,
        m: og,
        n: cgk,
        k: nc * l,
        transA: false,
        transB: true,
        strideA: og * nc * l,
        strideB: cgk * nc * l,
        strideC: og * cgk,
        beta: n0 === 0 ? 0 : 1,
      });
      b.free(colsT);
    }
    if (gx) {
      // dcols[g] = W[g]ᵀ dY[g], then col2im back onto the images.
      const gcolsT = b.alloc(ck * nc * l);
      b.matmul(w.storage, gyT, gcolsT, {
        batch: groups,
        m: cgk,
        n: nc * l,
        k: og,
        transA: true,
        transB: false,
        strideA: og * cgk,
        strideB: og * nc * l,
        strideC: cgk * nc * l,
      });
      let gcols = gcolsT;
      if (nc > 1) {
        gcols = b.alloc(nc * ck * l);
        b.copyStrided(gcolsT, 0, [l, nc * l, 1], gcols, 0, [ck * l, l, 1], [nc, ck, l]);
        b.free(gcolsT);
      }
      if (nc === g.n) b.col2im(gcols, gx.storage, g);
      else {
        const part = b.alloc(nc * chw);
        b.fill(part, 0);
        b.col2im(gcols, part, { ...g, n: nc });
        b.copyStrided(part, 0, [1], gx.storage, n0 * chw, [1], [nc * chw]);
        b.free(part);
      }
      b.free(gcols);
    }
    b.free(gyT);
  });
  return [gx, gw];
});

/**
 * 1-D convolution like torch.nn.functional.conv1d: x [N, C, L], w [O, C/groups, k], optional bias [O];
 * returns [N, O, outL] (computed as a conv2d of height 1).
 *
 * @throws {Error} When the ranks do not match or an option is not an integer in range.
 *
 * @example
 * ```ts
 * import { conv1d, randn, zeros } from "./mod.ts";
 * const x = randn([4, 2, 50]); // [N, C, L]
 * const y = conv1d(x, randn([8, 2, 5]), zeros([8]), { padding: 2 });
 * console.log(y.shape); // [4, 8, 50]
 * ```
 */
export function conv1d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  if (x.rank !== 3) throw new Error(`conv1d: input must be [N, C, L], got ${shapeStr(x.shape)}`);
  if (w.rank !== 3) throw new Error(`conv1d: weight must be [O, C/groups, k], got ${shapeStr(w.shape)}`);
  const check = (name: string, v: number | undefined, min: number): number => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      throw new Error(`conv1d: ${name} must be an integer >= ${min}, got ${v}`);
    }
    return v ?? (min === 0 ? 0 : 1);
  };
  const y = conv2d(
    reshape(x, [x.shape[0], x.shape[1], 1, x.shape[2]]),
    reshape(w, [w.shape[0], w.shape[1], 1, w.shape[2]]),
    bias,
    {
      stride: [1, check("stride", opts.stride, 1)],
      padding: [0, check("padding", opts.padding, 0)],
      dilation: [1, check("dilation", opts.dilation, 1)],
      groups: opts.groups,
    },
  );
  return reshape(y, [y.shape[0], y.shape[1], y.shape[3]]);
}

registerGradient("unfold", (gy, node) => {
  const x = node.inputs[0];
  const g = node.attrs.geom as Conv2dGeometry;
  const gx = emptyOn(x.backend, x.shape);
  x.backend.fill(gx.storage, 0);
  x.backend.col2im(gy.storage, gx.storage, g);
  return [gx];
});

/**
 * Sliding local blocks (torch.nn.functional.unfold): x [N, C, H, W] -> [N, C·kh·kw, L] where L counts the
 * window positions; rows are ordered channel-major, then kernel row, then kernel column.
 *
 * @throws {Error} When x is not rank 4 or no window position fits.
 *
 * @example
 * ```ts
 * import { unfold, zeros } from "./mod.ts";
 * console.log(unfold(zeros([1, 3, 4, 4]), 2, { stride: 2 }).shape); // [1, 12, 4]
 * ```
 */
export function unfold(x: Tensor, kernel: Pair, opts: UnfoldOptions = {}): Tensor {
  if (x.rank !== 4) throw new Error(`unfold: input must be [N, C, H, W], got ${shapeStr(x.shape)}`);
  const g = windowGeometry(
    "unfold",
    x.shape,
    pairOf("unfold", "kernel", kernel, 1, 1),
    pairOf("unfold", "stride", opts.stride, 1, 1),
    pairOf("unfold", "padding", opts.padding, 0, 0),
    pairOf("unfold", "dilation", opts.dilation, 1, 1),
  );
  const y = emptyOn(
    x.backend,
    [g.n, g.c * g.kh * g.kw, g.outH * g.outW],
    record("unfold", [x], [], { geom: g }),
  );
  x.backend.im2col(x.storage, y.storage, g);
  return y;
}
