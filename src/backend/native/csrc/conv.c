/*
 * Convolution and pooling data movement over [N, C, H, W] images: im2col (image to GEMM columns), col2im
 * (its adjoint, the backward of im2col) and max pooling with the argmax that its backward scatters into.
 * The geometry arrives as 14 ints in the order of the Conv2dGeometry fields (src/backend/backend.ts).
 * Threads split the (image, channel) planes: each plane reads and writes a region of its own.
 */
#include "common.h"

typedef struct {
  int n, c, h, w, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_h, out_w;
} Geometry;

/* The output columns ox whose input column ox * stride + off lies in [0, w), as [*lo, *hi). */
static void valid_columns(int off, int stride, int w, int out_w, int *lo, int *hi) {
  int l = off < 0 ? (-off + stride - 1) / stride : 0;
  int h = (w - 1 - off) >= 0 ? (w - 1 - off) / stride + 1 : 0;
  if (h > out_w) h = out_w;
  if (l > out_w) l = out_w;
  *lo = l;
  *hi = h > l ? h : l;
}

/* cols[b, (ch, ki, kj), (oy, ox)] = x[b, ch, oy*sh - ph + ki*dh, ox*sw - pw + kj*dw], 0 outside. */
void mm_im2col(const float *x, float *cols, const int *geometry) {
  const Geometry g = *(const Geometry *)geometry;
  const long planes = (long)g.n * g.c, l = (long)g.out_h * g.out_w;
#pragma omp parallel for schedule(static) if (planes * g.kh * g.kw * l >= MM_PAR_MIN)
  for (long plane = 0; plane < planes; plane++) {
    const float *src = x + plane * g.h * g.w;
    float *dst = cols + plane * g.kh * g.kw * l;
    for (int ki = 0; ki < g.kh; ki++) {
      for (int kj = 0; kj < g.kw; kj++) {
        const int off_x = kj * g.dil_w - g.pad_w;
        int lo, hi;
        valid_columns(off_x, g.stride_w, g.w, g.out_w, &lo, &hi);
        for (int oy = 0; oy < g.out_h; oy++, dst += g.out_w) {
          const int iy = oy * g.stride_h - g.pad_h + ki * g.dil_h;
          if (iy < 0 || iy >= g.h) {
            memset(dst, 0, sizeof(float) * (size_t)g.out_w);
            continue;
          }
          const float *row = src + (long)iy * g.w + off_x;
          for (int ox = 0; ox < lo; ox++) dst[ox] = 0.0f;
          for (int ox = lo; ox < hi; ox++) dst[ox] = row[(long)ox * g.stride_w];
          for (int ox = hi; ox < g.out_w; ox++) dst[ox] = 0.0f;
        }
      }
    }
  }
}

/* The adjoint of mm_im2col: out[b, ch, iy, ix] += every column entry that im2col read from there. */
void mm_col2im(const float *cols, float *out, const int *geometry) {
  const Geometry g = *(const Geometry *)geometry;
  const long planes = (long)g.n * g.c, l = (long)g.out_h * g.out_w;
#pragma omp parallel for schedule(static) if (planes * g.kh * g.kw * l >= MM_PAR_MIN)
  for (long plane = 0; plane < planes; plane++) {
    float *dst = out + plane * g.h * g.w;
    const float *src = cols + plane * g.kh * g.kw * l;
    for (int ki = 0; ki < g.kh; ki++) {
      for (int kj = 0; kj < g.kw; kj++) {
        const int off_x = kj * g.dil_w - g.pad_w;
        int lo, hi;
        valid_columns(off_x, g.stride_w, g.w, g.out_w, &lo, &hi);
        for (int oy = 0; oy < g.out_h; oy++, src += g.out_w) {
          const int iy = oy * g.stride_h - g.pad_h + ki * g.dil_h;
          if (iy < 0 || iy >= g.h) continue;
          float *row = dst + (long)iy * g.w + off_x;
          for (int ox = lo; ox < hi; ox++) row[(long)ox * g.stride_w] += src[ox];
        }
      }
    }
  }
}

/* Max over each window (padding counts as -inf); argmax gets the flat input index of the first maximum. */
void mm_max_pool2d(const float *x, float *o, float *argmax, const int *geometry) {
  const Geometry g = *(const Geometry *)geometry;
  const long planes = (long)g.n * g.c, l = (long)g.out_h * g.out_w;
#pragma omp parallel for schedule(static) if (planes * l * g.kh * g.kw >= MM_PAR_MIN)
  for (long plane = 0; plane < planes; plane++) {
    const long base = plane * g.h * g.w;
    long dst = plane * l;
    for (int oy = 0; oy < g.out_h; oy++) {
      for (int ox = 0; ox < g.out_w; ox++, dst++) {
        float best = -INFINITY;
        long best_idx = -1;
        for (int ki = 0; ki < g.kh; ki++) {
          const int iy = oy * g.stride_h - g.pad_h + ki * g.dil_h;
          if (iy < 0 || iy >= g.h) continue;
          for (int kj = 0; kj < g.kw; kj++) {
            const int ix = ox * g.stride_w - g.pad_w + kj * g.dil_w;
            if (ix < 0 || ix >= g.w) continue;
            const float v = x[base + (long)iy * g.w + ix];
            if (v > best || best_idx < 0) {
              best = v;
              best_idx = base + (long)iy * g.w + ix;
            }
          }
        }
        o[dst] = best;
        argmax[dst] = (float)best_idx;
      }
    }
  }
}
