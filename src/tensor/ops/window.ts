/** Sliding-window helpers shared by convolution and pooling: option pairs and output geometry. */
import type { Conv2dGeometry } from "../../backend/backend.ts";
import { shapeStr } from "../shape.ts";

/** A size given once for both spatial axes or as [height, width]. */
export type Pair = number | [number, number];

/**
 * Buffer bounds of the windowed ops (mutable so tests can exercise the chunked paths): conv2d keeps a chunk's
 * column buffer under maxColumnElements (64 MiB of float32); maxPool2d stores flat argmax indices as float32,
 * exact only up to 2^24, so larger inputs are pooled in chunks of at most maxExactIndex elements.
 */
export const windowLimits: { maxColumnElements: number; maxExactIndex: number } = {
  maxColumnElements: 1 << 24,
  maxExactIndex: 1 << 24,
};

/** Reads a Pair option as [h, w], checking it is an integer of at least `min`. */
export function pairOf(
  op: string,
  name: string,
  v: Pair | undefined,
  dflt: number,
  min: number,
): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : v;
  if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < min)) {
    throw new Error(
      `${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p;
}

/** The window geometry over an [N, C, H, W] input, with a clear error when no output position fits. */
export function windowGeometry(
  op: string,
  shape: readonly number[],
  kernel: [number, number],
  stride: [number, number],
  padding: [number, number],
  dilation: [number, number],
): Conv2dGeometry {
  const [n, c, h, w] = shape;
  const [kh, kw] = kernel;
  const outH = Math.floor((h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const outW = Math.floor((w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(
      `${op}: input ${shapeStr(shape)} is too small for a ${kh}x${kw} window ` +
        `(padding [${padding}], dilation [${dilation}]): output would be ${outH}x${outW}`,
    );
  }
  return {
    n,
    c,
    h,
    w,
    kh,
    kw,
    strideH: stride[0],
    strideW: stride[1],
    padH: padding[0],
    padW: padding[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    outH,
    outW,
  };
}
