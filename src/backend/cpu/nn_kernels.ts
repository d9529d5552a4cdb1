/** CPU fused kernels: softmax, row normalisation, im2col/col2im, max pooling, AdamW. */
import type { AdamWArgs, Conv2dGeometry } from "../backend.ts";

export function softmaxKernel(x: Float32Array, o: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) if (x[base + j] > mx) mx = x[base + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[base + j] - mx);
    if (log) {
      const lse = mx + Math.log(s);
      for (let j = 0; j < cols; j++) o[base + j] = x[base + j] - lse;
    } else {
      const inv = 1 / s;
      for (let j = 0; j < cols; j++) o[base + j] = Math.exp(x[base + j] - mx) * inv;
    }
  }
}

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
      for (let j = 0; j < cols; j++) o[base + j] = gy[base + j] - Math.exp(y[base + j]) * s;
    } else {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += gy[base + j] * y[base + j];
      for (let j = 0; j < cols; j++) o[base + j] = y[base + j] * (gy[base + j] - dot);
    }
  }
}

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

/** im2col: x [n, c, h, w] -> cols [n, c*kh*kw, outH*outW]. */
export function im2colKernel(x: Float32Array, cols: Float32Array, g: Conv2dGeometry): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  let dst = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * h * w;
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + ki * dilationH;
            if (iy < 0 || iy >= h) {
              cols.fill(0, dst, dst + outW);
              dst += outW;
              continue;
            }
            for (let ox = 0; ox < outW; ox++) {
              const ix = ox * strideW - padW + kj * dilationW;
              cols[dst++] = ix >= 0 && ix < w ? x[src + iy * w + ix] : 0;
            }
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
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + ki * dilationH;
            if (iy < 0 || iy >= h) {
              src += outW;
              continue;
            }
            for (let ox = 0; ox < outW; ox++, src++) {
              const ix = ox * strideW - padW + kj * dilationW;
              if (ix >= 0 && ix < w) out[dst + iy * w + ix] += cols[src];
            }
          }
        }
      }
    }
  }
}

/** Max pooling over [n, c, h, w]; padding counts as -Infinity; argmax holds flat input indices. */
export function maxPool2dKernel(x: Float32Array, o: Float32Array, arg: Float32Array, g: Conv2dGeometry): void {
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
export function adamwKernel(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamWArgs): void {
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
