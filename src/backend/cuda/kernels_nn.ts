/**
 * CUDA C for the fused network kernels. Row kernels (softmax, normalisation) use one block per row with
 * double block sums; im2col/col2im/maxPool2d use one thread per output element. col2im gathers each input
 * pixel's contributions in the CPU's (ki, kj) order with float adds, so it equals the CPU bit for bit.
 * @module
 */

/** The extern "C" kernel names defined by {@link NN_SOURCE}. */
export const NN_KERNEL_NAMES: string[] = [
  "softmaxRows",
  "softmaxGradRows",
  "normalizeRowsK",
  "normalizeRowsGradK",
  "im2colK",
  "col2imK",
  "maxPool2dK",
  "adamwK",
];

/** CUDA C of the fused network kernels (softmax, normalisation, im2col/col2im, max pooling, AdamW). */
export const NN_SOURCE: string = `
struct Geo { int n, c, h, w, kh, kw, sH, sW, pH, pW, dH, dW, outH, outW; };

extern "C" __global__ void softmaxRows(const float* x, float* o, i64 rows, i64 cols, int logMode) {
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    const float* xr = x + row * cols;
    float* orow = o + row * cols;
    float m = negInf();
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) { float v = xr[j]; if (v > m) m = v; }
    double mx = blockMax(m);
    double s = 0.0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += exp((double)xr[j] - mx);
    s = blockSum(s);
    if (logMode) {
      double lse = mx + log(s);
      for (i64 j = threadIdx.x; j < cols; j += blockDim.x) orow[j] = (float)((double)xr[j] - lse);
    } else {
      double inv = 1.0 / s;
      // rounded to float before scaling, as the CPU stores the exponentials and then scales them
      for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        orow[j] = (float)((double)(float)exp((double)xr[j] - mx) * inv);
      }
    }
  }
}

extern "C" __global__ void softmaxGradRows(const float* y, const float* gy, float* o, i64 rows, i64 cols, int logMode) {
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    i64 base = row * cols;
    double s = 0.0;
    if (logMode) for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += (double)gy[base + j];
    else for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += (double)gy[base + j] * (double)y[base + j];
    s = blockSum(s);
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
      double yv = y[base + j], g = gy[base + j];
      o[base + j] = (float)(logMode ? g - exp(yv) * s : yv * (g - s));
    }
  }
}

extern "C" __global__ void normalizeRowsK(const float* x, float* o, float* mean, float* rstd, i64 rows, i64 cols,
    double eps) {
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    i64 base = row * cols;
    double s = 0.0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += (double)x[base + j];
    double mu = blockSum(s) / (double)cols;
    double v = 0.0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) { double d = (double)x[base + j] - mu; v += d * d; }
    v = blockSum(v);
    double rs = 1.0 / sqrt(v / (double)cols + eps);
    if (threadIdx.x == 0) { mean[row] = (float)mu; rstd[row] = (float)rs; }
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) o[base + j] = (float)(((double)x[base + j] - mu) * rs);
  }
}

extern "C" __global__ void normalizeRowsGradK(const float* xhat, const float* rstd, const float* g, float* o, i64 rows,
    i64 cols) {
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    i64 base = row * cols;
    double sg = 0.0, sgx = 0.0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
      double gv = g[base + j];
      sg += gv;
      sgx += gv * (double)xhat[base + j];
    }
    double mg = blockSum(sg) / (double)cols;
    double mgx = blockSum(sgx) / (double)cols;
    double rs = rstd[row];
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
      o[base + j] = (float)(rs * ((double)g[base + j] - mg - (double)xhat[base + j] * mgx));
    }
  }
}

// cols [n, c*kh*kw, outH*outW] from x [n, c, h, w]; zero outside the image.
extern "C" __global__ void im2colK(const float* x, float* cols, Geo g) {
  i64 total = (i64)g.n * g.c * g.kh * g.kw * g.outH * g.outW;
  GRID_STRIDE(i, total) {
    i64 t = i;
    int ox = t % g.outW; t /= g.outW;
    int oy = t % g.outH; t /= g.outH;
    int kj = t % g.kw; t /= g.kw;
    int ki = t % g.kh; t /= g.kh;  // t = b * c + ch
    int iy = oy * g.sH - g.pH + ki * g.dH, ix = ox * g.sW - g.pW + kj * g.dW;
    cols[i] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[(t * g.h + iy) * g.w + ix] : 0.0f;
  }
}

// out [n, c, h, w] += contributions of cols, per pixel in (ki, kj) order.
extern "C" __global__ void col2imK(const float* cols, float* out, Geo g) {
  i64 total = (i64)g.n * g.c * g.h * g.w;
  i64 plane = (i64)g.outH * g.outW;
  GRID_STRIDE(i, total) {
    i64 t = i;
    int ix = t % g.w; t /= g.w;
    int iy = t % g.h; t /= g.h;  // t = b * c + ch
    float acc = out[i];
    for (int ki = 0; ki < g.kh; ki++) {
      int ty = iy + g.pH - ki * g.dH;
      if (ty < 0 || ty % g.sH != 0) continue;
      int oy = ty / g.sH;
      if (oy >= g.outH) continue;
      for (int kj = 0; kj < g.kw; kj++) {
        int tx = ix + g.pW - kj * g.dW;
        if (tx < 0 || tx % g.sW != 0) continue;
        int ox = tx / g.sW;
        if (ox >= g.outW) continue;
        acc += cols[((t * g.kh + ki) * g.kw + kj) * plane + (i64)oy * g.outW + ox];
      }
    }
    out[i] = acc;
  }
}

// Max over each window; padding never wins; argmax holds the flat input index (-1 for an empty window).
extern "C" __global__ void maxPool2dK(const float* x, float* o, float* arg, Geo g) {
  i64 total = (i64)g.n * g.c * g.outH * g.outW;
  GRID_STRIDE(i, total) {
    i64 t = i;
    int ox = t % g.outW; t /= g.outW;
    int oy = t % g.outH; t /= g.outH;
    i64 base = t * g.h * g.w;
    float best = negInf();
    i64 bestIdx = -1;
    for (int ki = 0; ki < g.kh; ki++) {
      int iy = oy * g.sH - g.pH + ki * g.dH;
      if (iy < 0 || iy >= g.h) continue;
      for (int kj = 0; kj < g.kw; kj++) {
        int ix = ox * g.sW - g.pW + kj * g.dW;
        if (ix < 0 || ix >= g.w) continue;
        float v = x[base + iy * g.w + ix];
        if (v > best || bestIdx < 0) { best = v; bestIdx = base + iy * g.w + ix; }
      }
    }
    o[i] = best;
    arg[i] = (float)bestIdx;
  }
}

// One AdamW step in double, as the CPU computes it; stepSize = lr / bc1, decay = 1 - lr * weightDecay.
extern "C" __global__ void adamwK(float* p, const float* g, float* m, float* v, i64 n, double beta1, double beta2,
    double eps, double stepSize, double sqrtBc2, double decay) {
  GRID_STRIDE(i, n) {
    double gi = g[i];
    double mi = beta1 * (double)m[i] + (1.0 - beta1) * gi;
    double vi = beta2 * (double)v[i] + (1.0 - beta2) * gi * gi;
    m[i] = (float)mi;
    v[i] = (float)vi;
    p[i] = (float)((double)p[i] * decay - stepSize * mi / (sqrt(vi) / sqrtBc2 + eps));
  }
}
`;
