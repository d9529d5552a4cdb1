/**
 * CUDA C for reductions over [outer, r, inner], strided copies, row gathers and scatter-adds.
 *
 * Reductions follow the CPU's rules: sums accumulate in double; max/min ignore NaN except that a NaN first
 * element makes the result NaN (the CPU starts from x[0] and compares with `>`); argmax/argmin return the
 * first index of the extreme value, counting only values that beat -Infinity (after the sign flip for
 * argmin), and 0 when none does.
 *
 * inner == 1: one block per (row, chunk) of a row; long rows over few outer items are split into chunks
 * whose partials (double value, int index) a second kernel combines. inner > 1: 32x8 blocks, x over inner
 * (coalesced), y over r (8 or 32 rows of threads).
 */
import { REDUCE_OPS, type ReduceOp } from "../backend.ts";
const OP_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, argmax: 3, argmin: 4 };

/** Kernel name of a reduction with inner == 1: one block per (row, chunk). */
export const reduceRowsName = (op: ReduceOp): string => `reduceRows_${op}`;
/** Kernel name of the pass that combines per-chunk partials of {@link reduceRowsName}. */
export const reduceCombineName = (op: ReduceOp): string => `reduceCombine_${op}`;
/** Kernel name of a reduction with inner > 1 (32x8 blocks, coalesced over inner). */
export const reduceColsName = (op: ReduceOp): string => `reduceCols_${op}`;

const TEMPLATES = `
#define RSUM 0
#define RMAX 1
#define RMIN 2
#define RARGMAX 3
#define RARGMIN 4
#define NO_INDEX 0x7fffffff

// Running state of one reduction: value (double) and, for arg ops, index.
struct RAcc { double v; int j; };

template <int OP> __device__ __forceinline__ RAcc rInit() {
  RAcc a;
  a.j = NO_INDEX;
  a.v = OP == RSUM ? 0.0 : OP == RMIN ? (double)(-negInf()) : (double)negInf();
  return a;
}

// Folds one raw element (or partial) with index j into the accumulator.
template <int OP> __device__ __forceinline__ void rPush(RAcc& a, double v, int j) {
  if (OP == RSUM) a.v += v;
  else if (OP == RMAX) { if (v > a.v) a.v = v; }
  else if (OP == RMIN) { if (v < a.v) a.v = v; }
  else {
    // arg ops work on sign-flipped values for argmin; candidates must beat -Infinity.
    if (v > (double)negInf() && (v > a.v || (v == a.v && j < a.j))) { a.v = v; a.j = j; }
  }
}

template <int OP> __device__ __forceinline__ double rLoad(float x) {
  return OP == RARGMIN ? -(double)x : (double)x;
}

// Combines the accumulators of a whole block; thread 0 gets the result.
template <int OP> __device__ RAcc rBlock(RAcc a) {
  __shared__ double sv[32];
  __shared__ int sj[32];
  for (int o = 16; o > 0; o >>= 1) {
    double v = __shfl_down_sync(0xffffffffu, a.v, o);
    int j = __shfl_down_sync(0xffffffffu, a.j, o);
    if (OP == RSUM) a.v += v; else rPush<OP>(a, v, j);
  }
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) { sv[warp] = a.v; sj[warp] = a.j; }
  __syncthreads();
  if (warp == 0) {
    int nw = blockDim.x >> 5;
    RAcc b = rInit<OP>();
    if (lane < nw) { b.v = sv[lane]; b.j = sj[lane]; }
    for (int o = 16; o > 0; o >>= 1) {
      double v = __shfl_down_sync(0xffffffffu, b.v, o);
      int j = __shfl_down_sync(0xffffffffu, b.j, o);
      if (OP == RSUM) b.v += v; else rPush<OP>(b, v, j);
    }
    a = b;
  }
  return a;
}

// Final value of a row: applies the NaN-first rule for max/min and the "no candidate -> 0" rule.
template <int OP> __device__ __forceinline__ float rFinal(RAcc a, float first) {
  if (OP == RSUM) return (float)a.v;
  if (OP == RMAX || OP == RMIN) return first != first ? first : (float)a.v;
  return a.j == NO_INDEX ? 0.0f : (float)a.j;
}

template <int OP> __device__ void reduceRowsT(const float* x, float* out, double* pv, int* pj, i64 outer, i64 r,
    i64 chunk, int nChunks) {
  for (i64 b = blockIdx.x; b < outer * nChunks; b += gridDim.x) {
    i64 row = b / nChunks, c = b % nChunks;
    i64 lo = c * chunk, hi = lo + chunk < r ? lo + chunk : r;
    const float* xr = x + row * r;
    RAcc a = rInit<OP>();
    for (i64 j = lo + threadIdx.x; j < hi; j += blockDim.x) rPush<OP>(a, rLoad<OP>(xr[j]), (int)j);
    a = rBlock<OP>(a);
    if (threadIdx.x == 0) {
      if (nChunks == 1) out[row] = rFinal<OP>(a, xr[0]);
      else { pv[b] = a.v; pj[b] = a.j; }
    }
  }
}

template <int OP> __device__ void reduceCombineT(const float* x, float* out, const double* pv, const int* pj,
    i64 outer, i64 r, int nChunks) {
  for (i64 row = blockIdx.x; row < outer; row += gridDim.x) {
    RAcc a = rInit<OP>();
    for (int c = threadIdx.x; c < nChunks; c += blockDim.x) {
      if (OP == RSUM) a.v += pv[row * nChunks + c]; else rPush<OP>(a, pv[row * nChunks + c], pj[row * nChunks + c]);
    }
    a = rBlock<OP>(a);
    if (threadIdx.x == 0) out[row] = rFinal<OP>(a, x[row * r]);
  }
}

// blockDim (32, 8 or 32): x walks inner, y splits r; the first row of threads folds the partials in y order.
template <int OP> __device__ void reduceColsT(const float* x, float* out, i64 outer, i64 r, i64 inner) {
  __shared__ double cv[32][32];
  __shared__ int cj[32][32];
  i64 nib = (inner + 31) / 32;
  for (i64 b = blockIdx.x; b < outer * nib; b += gridDim.x) {
    i64 p = b / nib, i = (b % nib) * 32 + threadIdx.x;
    RAcc a = rInit<OP>();
    if (i < inner) {
      for (i64 j = threadIdx.y; j < r; j += blockDim.y) rPush<OP>(a, rLoad<OP>(x[(p * r + j) * inner + i]), (int)j);
    }
    __syncthreads();
    cv[threadIdx.y][threadIdx.x] = a.v;
    cj[threadIdx.y][threadIdx.x] = a.j;
    __syncthreads();
    if (threadIdx.y == 0 && i < inner) {
      RAcc t = rInit<OP>();
      for (int y = 0; y < blockDim.y; y++) {
        if (OP == RSUM) t.v += cv[y][threadIdx.x]; else rPush<OP>(t, cv[y][threadIdx.x], cj[y][threadIdx.x]);
      }
      out[p * inner + i] = rFinal<OP>(t, x[p * r * inner + i]);
    }
  }
}
`;

function reduceWrappers(op: ReduceOp): string {
  const c = OP_CODE[op];
  return `extern "C" __global__ void ${
    reduceRowsName(op)
  }(const float* x, float* out, double* pv, int* pj, i64 outer,
    i64 r, i64 chunk, int nChunks) { reduceRowsT<${c}>(x, out, pv, pj, outer, r, chunk, nChunks); }
extern "C" __global__ void ${
    reduceCombineName(op)
  }(const float* x, float* out, const double* pv, const int* pj,
    i64 outer, i64 r, int nChunks) { reduceCombineT<${c}>(x, out, pv, pj, outer, r, nChunks); }
extern "C" __global__ void ${reduceColsName(op)}(const float* x, float* out, i64 outer, i64 r, i64 inner) {
  reduceColsT<${c}>(x, out, outer, r, inner); }
`;
}

const COPY_GATHER = `
extern "C" __global__ void copyStrided(const float* src, i64 so, float* dst, i64 dOff, i64 n, Dims d) {
  GRID_STRIDE(i, n) { i64 a, b; stridedOffsets(d, i, a, b); dst[dOff + b] = src[so + a]; }
}
extern "C" __global__ void copyFlat(const float* src, i64 so, i64 ss, float* dst, i64 dOff, i64 ds, i64 n) {
  GRID_STRIDE(i, n) { dst[dOff + i * ds] = src[so + i * ss]; }
}

// Batched transpose through a shared 32x32 tile: dst[b, i, j] = src[b, i, j] where src is contiguous along i
// and dst along j, so both the reads and the writes are coalesced. blockDim (32, 8).
extern "C" __global__ void copyTransposeTiled(const float* src, i64 so, i64 sb, i64 sj, float* dst, i64 dOff, i64 db,
    i64 di, i64 nb, i64 ni, i64 nj) {
  __shared__ float tile[32][33];
  i64 ti = (ni + 31) / 32, tj = (nj + 31) / 32;
  for (i64 t = blockIdx.x; t < nb * ti * tj; t += gridDim.x) {
    i64 b = t / (ti * tj), rem = t % (ti * tj);
    i64 i0 = (rem / tj) * 32, j0 = (rem % tj) * 32;
    __syncthreads();
    for (int k = threadIdx.y; k < 32; k += blockDim.y) {
      i64 i = i0 + threadIdx.x, j = j0 + k;
      if (i < ni && j < nj) tile[k][threadIdx.x] = src[so + b * sb + i + j * sj];
    }
    __syncthreads();
    for (int k = threadIdx.y; k < 32; k += blockDim.y) {
      i64 i = i0 + k, j = j0 + threadIdx.x;
      if (i < ni && j < nj) dst[dOff + b * db + i * di + j] = tile[threadIdx.x][k];
    }
  }
}

// err[0] = 1 (gather) or 2 (scatterAdd) on the first bad index; err[1] its float bits; err[2] the axis length.
__device__ __forceinline__ bool indexOk(float v, i64 axisLen, int* err, int code) {
  if (v >= 0.0f && (i64)v < axisLen && v == floorf(v) && (double)v < (double)axisLen) return true;
  if (atomicCAS(err, 0, code) == 0) { err[1] = __float_as_int(v); err[2] = (int)axisLen; }
  return false;
}

extern "C" __global__ void gatherRows(const float* x, const float* idx, float* o, i64 outer, i64 axisLen, i64 inner,
    i64 nIdx, int* err) {
  i64 n = outer * nIdx * inner;
  GRID_STRIDE(i, n) {
    i64 k = i % inner, t = i / inner, j = t % nIdx, p = t / nIdx;
    float v = idx[j];
    o[i] = indexOk(v, axisLen, err, 1) ? x[(p * axisLen + (i64)v) * inner + k] : qnan();
  }
}

extern "C" __global__ void scatterAddRows(const float* g, const float* idx, float* o, i64 outer, i64 axisLen,
    i64 inner, i64 nIdx, int* err) {
  i64 n = outer * nIdx * inner;
  GRID_STRIDE(i, n) {
    i64 k = i % inner, t = i / inner, j = t % nIdx, p = t / nIdx;
    float v = idx[j];
    if (indexOk(v, axisLen, err, 2)) atomicAdd(o + (p * axisLen + (i64)v) * inner + k, g[i]);
  }
}
`;

/** The reduction/copy program text and its kernel names. */
export function reduceSource(): { source: string; names: string[] } {
  return {
    source: TEMPLATES + REDUCE_OPS.map(reduceWrappers).join("") + COPY_GATHER,
    names: [
      ...REDUCE_OPS.flatMap((op) => [reduceRowsName(op), reduceCombineName(op), reduceColsName(op)]),
      "copyStrided",
      "copyFlat",
      "copyTransposeTiled",
      "gatherRows",
      "scatterAddRows",
    ],
  };
}
