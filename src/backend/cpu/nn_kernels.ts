/** CPU fused kernels: softmax, row normalisation, im2col/col2im, max pooling, AdamW. */
import type { AdamWArgs, Conv2dGeometry } from "../backend.ts";
import { expf } from "./math.ts";

/** Row-wise softmax (or log-softmax with `log`) of x [rows, cols] into o, shifted by each row's max. */
export function softmaxKernel(
  x: Float32Array,
  o: Float32Array,
  rows: number,
  cols: number,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) if (x[base + j] > mx) mx = x[base + j];
    let s = 0;
    if (log) {
      for (let j = 0; j < cols; j++) s += expf(x[base + j] - mx);
      const lse = mx + Math.log(s);
      for (let j = 0; j < cols; j++) o[base + j] = x[base + j] - lse;
    } else {
      // one exp per element: store the shifted exponentials, then scale
      for (let j = 0; j < cols; j++) s += o[base + j] = expf(x[base + j] - mx);
      const inv = 1 / s;
      for (let j = 0; j < cols; j++) o[base + j] *= inv;
    }
  }
}

/**
 * Backward of {@link softmaxKernel} from its output y: o = y·(gy - Σ gy·y) per row, or gy - softmax·Σ gy for
 * log-softmax.
 */
export function softmaxGradKernel(
  y: Float32Array,
  gy: Float32Array,
  o: Float32Array,
  rows: number,
  cols: number,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (log) {
      // d/dx logsoftmax: gx = gy - softmax * sum(gy)
      let s = 0;
      for (let j = 0; j < cols; j++) s += gy[base + j];
      for (let j = 0; j < cols; j++) o[base + j] = gy[base + j] - expf(y[base + j]) * s;
    } else {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += gy[base + j] * y[base + j];
      for (let j = 0; j < cols; j++) o[base + j] = y[base + j] * (gy[base + j] - dot);
    }
  }
}

/**
 * o = (x - mean)·rstd per row of [rows, cols], rstd = 1/√(biased var + eps); writes each row's mean and rstd
 * (length rows).
 */
export function normalizeRowsKernel(
  x: Float32Array,
  o: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  rows: number,
  cols: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[base + j];
    const mu = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[base + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) o[base + j] = (x[base + j] - mu) * rs;
  }
}

/**
 * Backward of {@link normalizeRowsKernel} from its output xhat and rstd: o = rstd·(g - mean(g) -
 * xhat·mean(g·xhat)) per row.
 */
export function normalizeRowsGradKernel(
  xhat: Float32Array,
  rstd: Float32Array,
  g: Float32Array,
  o: Float32Array,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sg = 0, sgx = 0;
    for (let j = 0; j < cols; j++) {
      sg += g[base + j];
      sgx += g[base + j] * xhat[base + j];
    }
    const mg = sg / cols, mgx = sgx / cols, rs = rstd[r];
    for (let j = 0; j < cols; j++) o[base + j] = rs * (g[base + j] - mg - xhat[base + j] * mgx);
  }
}

/** The output columns ox whose input column ox * strideW + offX lies inside [0, w): [lo, hi). */
function validColumns(offX: number, strideW: number, w: number, outW: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-offX / strideW));
  const hi = Math.min(outW, Math.floor((w - 1 - offX) / strideW) + 1);
  return [lo, Math.max(lo, hi)];
}

/** im2col: x [n, c, h, w] -> cols [n, c*kh*kw, outH*outW]. */
export function im2colKernel(x: Float32Array, cols: Float32Array, g: Conv2dGeometry): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  let dst = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * h * w;
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const offX = kj * dilationW - padW;
          // Bounds along x are the same for every output row: fill the padding, copy the valid span unchecked.
          const [lo, hi] = validColumns(offX, strideW, w, outW);
          for (let oy = 0; oy < outH; oy++, dst += outW) {
            const iy = oy * strideH - padH + ki * dilationH;
            if (iy < 0 || iy >= h) {
              cols.fill(0, dst, dst + outW);
              continue;
            }
            const row = src + iy * w + offX;
            for (let ox = 0; ox < lo; ox++) cols[dst + ox] = 0;
            if (strideW === 1) { for (let ox = lo; ox < hi; ox++) cols[dst + ox] = x[row + ox]; }
            else for (let ox = lo; ox < hi; ox++) cols[dst + ox] = x[row + ox * strideW];
            for (let ox = hi; ox < outW; ox++) cols[dst + ox] = 0;
          }
        }
      }
    }
  }
}

/** col2im: accumulates cols [n, c*kh*kw, outH*outW] into out [n, c, h, w] (pre-zeroed). */
export function col2imKernel(cols: Float32Array, out: Float32Array, g: Conv2dGeometry): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  let src = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const dst = (b * c + ch) * h * w;
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const offX = kj * dilationW - padW;
          const [lo, hi] = validColumns(offX, strideW, w, outW);
          for (let oy = 0; oy < outH; oy++, src += outW) {
            const iy = oy * strideH - padH + ki * dilationH;
            if (iy < 0 || iy >= h) continue;
            const row = dst + iy * w + offX;
            if (strideW === 1) { for (let ox = lo; ox < hi; ox++) out[row + ox] += cols[src + ox]; }
            else for (let ox = lo; ox < hi; ox++) out[row + ox * strideW] += cols[src + ox];
          }
        }
      }
    }
  }
}

/** Max pooling over [n, c, h, w]; padding counts as -Infinity; argmax holds flat input indices. */
export function maxPool2dKernel(
  x: Float32Array,
  o: Float32Array,
  arg: Float32Array,
  g: Conv2dGeometry,
): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  let dst = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, dst++) {
        let best = -Infinity, bestIdx = -1;
        for (let ki = 0; ki < kh; ki++) {
          const iy = oy * strideH - padH + ki * dilationH;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = ox * strideW - padW + kj * dilationW;
            if (ix < 0 || ix >= w) continue;
            const v = x[base + iy * w + ix];
            if (v > best || bestIdx < 0) {
              best = v;
              bestIdx = base + iy * w + ix;
            }
          }
        }
        o[dst] = best;
        arg[dst] = bestIdx;
      }
    }
  }
}

/** One decoupled-weight-decay Adam update, in place (PyTorch AdamW semantics). */
export function adamwKernel(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  a: AdamWArgs,
): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = a;
  const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2), decay = 1 - lr * weightDecay;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = m[i] = beta1 * m[i] + (1 - beta1) * gi;
    const vi = v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] = p[i] * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
