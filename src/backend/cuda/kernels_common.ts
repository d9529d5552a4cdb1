/**
 * CUDA C shared by every kernel group: the index struct for strided kernels, grid-stride loop macro, block
 * reductions, and the scalar formulas of the activations (the header the native CPU kernels include too,
 * src/backend/native/csrc/mm_math.h, here instantiated in double).
 *
 * Elementwise math runs in double and is rounded once to float, like the CPU's float64 JavaScript math, so
 * the two backends agree to the last bit or so. The program is compiled with --fmad=false for the same
 * reason (no fused multiply-adds where the CPU rounds twice).
 */

import mathH from "../native/csrc/mm_math.h" with { type: "text" };

/** Maximum rank of broadcast/strided kernels (after merging contiguous dimensions). */
export const MAX_RANK = 8;

/**
 * CUDA C prelude of the program: i64, the strided Dims struct, GRID_STRIDE, block reductions and mm_math.h in
 * double.
 */
export const COMMON_SOURCE: string = `
#define MAX_RANK ${MAX_RANK}
typedef long long i64;

// Shape and up to two stride sets of a strided view: element offsets of a and b for linear index i.
struct Dims {
  int nd;
  int shape[MAX_RANK];
  int sa[MAX_RANK];
  int sb[MAX_RANK];
};

__device__ __forceinline__ void stridedOffsets(const Dims& d, i64 i, i64& oa, i64& ob) {
  oa = 0; ob = 0;
  for (int k = d.nd - 1; k >= 0; k--) {
    i64 n = d.shape[k];
    i64 c = i % n;
    i /= n;
    oa += c * d.sa[k];
    ob += c * d.sb[k];
  }
}

#define GRID_STRIDE(i, n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)

__device__ __forceinline__ float negInf() { return __int_as_float(0xff800000); }
__device__ __forceinline__ float qnan() { return __int_as_float(0x7fffffff); }

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ double blockSum(double v) {
  __shared__ double part[32];
  __syncthreads();
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) part[warp] = v;
  __syncthreads();
  int nw = blockDim.x >> 5;
  v = threadIdx.x < nw ? part[threadIdx.x] : 0.0;
  if (warp == 0) for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if (threadIdx.x == 0) part[0] = v;
  __syncthreads();
  return part[0];
}

// Max over the block ignoring NaN (v > acc); every thread gets the result.
__device__ float blockMax(float v) {
  __shared__ float partm[32];
  __syncthreads();
  for (int o = 16; o > 0; o >>= 1) { float w = __shfl_down_sync(0xffffffffu, v, o); v = w > v ? w : v; }
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partm[warp] = v;
  __syncthreads();
  int nw = blockDim.x >> 5;
  v = threadIdx.x < nw ? partm[threadIdx.x] : negInf();
  if (warp == 0) for (int o = 16; o > 0; o >>= 1) { float w = __shfl_down_sync(0xffffffffu, v, o); v = w > v ? w : v; }
  if (threadIdx.x == 0) partm[0] = v;
  __syncthreads();
  return partm[0];
}

// The scalar formulas shared with the native CPU kernels (src/backend/native/csrc/mm_math.h), in double.
#define MM_FN __device__ __forceinline__
#define MM_REAL double
#define MM_EXP exp
#define MM_LOG1P log1p
#define MM_ABS fabs
${mathH}
__device__ double signD(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }

`;
