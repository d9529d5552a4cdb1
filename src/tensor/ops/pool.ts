/**
 * 2-D pooling over [N, C, H, W]: max pooling (backend kernel, gradient scattered to the argmax), average
 * pooling (unfold + mean, padding counted like PyTorch's count_include_pad=True) and adaptive average pooling
 * (two GEMMs with constant averaging matrices, PyTorch's floor/ceil window rule).
 */
import type { Conv2dGeometry } from "../../backend/backend.ts";
import { needsGrad, record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { shapeStr } from "../shape.ts";
import { emptyOn, tensor } from "./create.ts";
import { mulScalar } from "./elementwise.ts";
import { matmul } from "./matmul.ts";
import { mean } from "./nn_ops.ts";
import { sum } from "./reduce.ts";
import { permute, reshape } from "./shape_ops.ts";
import { unfold } from "./conv.ts";
import { type Pair, pairOf, windowGeometry, windowLimits } from "./window.ts";

function checkImage(op: string, x: Tensor): void {
  if (x.rank !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${shapeStr(x.shape)}`);
}

/** Window geometry of a pooling op; stride defaults to the kernel; padding at most half the kernel. */
function poolGeometry(op: string, x: Tensor, kernel: Pair, stride?: Pair, padding?: Pair): Conv2dGeometry {
  checkImage(op, x);
  const k = pairOf(op, "kernel", kernel, 1, 1);
  const s = stride === undefined ? k : pairOf(op, "stride", stride, 1, 1);
  const p = pairOf(op, "padding", padding, 0, 0);
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) {
    throw new Error(`${op}: padding [${p}] must be at most half the kernel [${k}]`);
  }
  return windowGeometry(op, x.shape, k, s, p, [1, 1]);
}

/** Splits the images into chunks whose flat element count stays exactly representable in float32. */
function imageChunks(g: Conv2dGeometry): [number, number][] {
  const per = g.c * g.h * g.w;
  const chunk = Math.floor(windowLimits.maxExactIndex / per);
  if (chunk < 1) {
    throw new Error(`maxPool2d: one image of ${per} elements exceeds ${windowLimits.maxExactIndex}`);
  }
  const out: [number, number][] = [];
  for (let n0 = 0; n0 < g.n; n0 += chunk) out.push([n0, Math.min(chunk, g.n - n0)]);
  return out;
}

registerGradient("maxPool2d", (gy, node) => {
  const x = node.inputs[0];
  const g = node.attrs.geom as Conv2dGeometry;
  const b = x.backend;
  const per = g.c * g.h * g.w, perOut = g.c * g.outH * g.outW;
  const gx = emptyOn(b, x.shape);
  b.fill(gx.storage, 0);
  const chunks = imageChunks(g);
  chunks.forEach(([n0, nc], i) => {
    const arg = node.saved[i];
    if (chunks.length === 1) {
      b.scatterAdd(gy.storage, arg.storage, gx.storage, 1, x.size, 1, arg.size);
      return;
    }
    const gyc = b.alloc(nc * perOut), gxc = b.alloc(nc * per);
    b.copyStrided(gy.storage, n0 * perOut, [1], gyc, 0, [1], [nc * perOut]);
    b.fill(gxc, 0);
    b.scatterAdd(gyc, arg.storage, gxc, 1, nc * per, 1, arg.size);
    b.copyStrided(gxc, 0, [1], gx.storage, n0 * per, [1], [nc * per]);
    b.free(gyc);
    b.free(gxc);
  });
  return [gx];
});

/**
 * Max pooling like torch.nn.functional.max_pool2d over x [N, C, H, W]: stride defaults to the kernel, padding
 * (at most half the kernel) counts as -Infinity, floor output size; the gradient goes to the first maximum of
 * each window.
 *
 * @throws {Error} When x is not rank 4, the padding exceeds half the kernel, or no window fits.
 *
 * @example
 * ```ts
 * import { maxPool2d, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
 * console.log(maxPool2d(x, 2).dataSync()); // Float32Array [4]
 * ```
 */
export function maxPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding?: Pair): Tensor {
  const g = poolGeometry("maxPool2d", x, kernel, stride, padding);
  const b = x.backend;
  const per = g.c * g.h * g.w, perOut = g.c * g.outH * g.outW;
  const chunks = imageChunks(g);
  const args = chunks.map(([, nc]) => emptyOn(b, [nc * perOut]));
  const node = record("maxPool2d", [x], args, { geom: g });
  const y = emptyOn(b, [g.n, g.c, g.outH, g.outW], node);
  if (chunks.length === 1) b.maxPool2d(x.storage, y.storage, args[0].storage, g);
  else {
    chunks.forEach(([n0, nc], i) => {
      const xc = b.alloc(nc * per), yc = b.alloc(nc * perOut);
      b.copyStrided(x.storage, n0 * per, [1], xc, 0, [1], [nc * per]);
      b.maxPool2d(xc, yc, args[i].storage, { ...g, n: nc });
      b.copyStrided(yc, 0, [1], y.storage, n0 * perOut, [1], [nc * perOut]);
      b.free(xc);
      b.free(yc);
    });
  }
  if (!node) { for (const a of args) a.dispose(); }
  return y;
}

/**
 * Average pooling like torch.nn.functional.avg_pool2d over x [N, C, H, W] with count_include_pad=True (zero
 * padding counts in the divisor kh·kw), stride defaulting to the kernel and floor output size.
 *
 * @throws {Error} When x is not rank 4, the padding exceeds half the kernel, or no window fits.
 *
 * @example
 * ```ts
 * import { avgPool2d, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
 * console.log(avgPool2d(x, 2).dataSync()); // Float32Array [2.5]
 * ```
 */
export function avgPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding?: Pair): Tensor {
  const g = poolGeometry("avgPool2d", x, kernel, stride, padding);
  const planes = reshape(x, [g.n * g.c, 1, g.h, g.w]);
  const cols = unfold(planes, [g.kh, g.kw], {
    stride: [g.strideH, g.strideW],
    padding: [g.padH, g.padW],
  });
  const y = mulScalar(sum(cols, 1), 1 / (g.kh * g.kw));
  return reshape(y, [g.n, g.c, g.outH, g.outW]);
}

/** [out, len] matrix whose row i averages input positions [floor(i·len/out), ceil((i+1)·len/out)). */
function averagingMatrix(len: number, out: number): Float32Array {
  const m = new Float32Array(out * len);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * len) / out), end = Math.ceil(((i + 1) * len) / out);
    for (let j = start; j < end; j++) m[i * len + j] = 1 / (end - start);
  }
  return m;
}

/**
 * Adaptive average pooling like torch.nn.functional.adaptive_avg_pool2d: [N, C, H, W] -> [N, C, oh, ow],
 * output cell i averaging input rows [floor(i·H/oh), ceil((i+1)·H/oh)) (likewise columns).
 *
 * @throws {Error} When x is not rank 4 or the output size is not a positive integer pair.
 *
 * @example
 * ```ts
 * import { adaptiveAvgPool2d, randn } from "./mod.ts";
 * const features = adaptiveAvgPool2d(randn([2, 64, 7, 7]), 1); // global average pool
 * console.log(features.shape); // [2, 64, 1, 1]
 * ```
 */
export function adaptiveAvgPool2d(x: Tensor, outSize: Pair): Tensor {
  checkImage("adaptiveAvgPool2d", x);
  const [oh, ow] = pairOf("adaptiveAvgPool2d", "outSize", outSize, 1, 1);
  const [n, c, h, w] = x.shape;
  if (oh === 1 && ow === 1) return mean(x, [2, 3], true);
  // Average along W: [N·C·H, W] @ Awᵀ [W, ow].
  const aw = tensor(averagingMatrix(w, ow), [ow, w]);
  const t = matmul(reshape(x, [n * c * h, w]), aw, { transB: true });
  // Average along H: permute to [N·C, ow, H], then @ Ahᵀ [H, oh].
  const ah = tensor(averagingMatrix(h, oh), [oh, h]);
  const tt = permute(reshape(t, [n * c, h, ow]), [0, 2, 1]);
  const u = matmul(reshape(tt, [n * c * ow, h]), ah, { transB: true });
  if (!needsGrad([x])) {
    aw.dispose();
    ah.dispose();
  }
  return reshape(permute(reshape(u, [n * c, ow, oh]), [0, 2, 1]), [n, c, oh, ow]);
}
