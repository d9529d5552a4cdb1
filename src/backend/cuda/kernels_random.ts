/**
 * CUDA C for the device's random draws, bit for bit those of the CPU:
 * - Philox4x32-10 uniforms laid out exactly like src/random/philox.ts: output k of stream (seed, stream) is
 *   philox(ctr = [q lo, q hi, stream lo, stream hi], key = [seed lo, seed hi])[k % 4] with q = k / 4,
 *   converted as cuRAND's curand_uniform (float(x) * 2^-32 + 2^-33). One thread per Philox block.
 * - Dropout's counter-hash coins (src/random/hash_mask.ts, src/backend/native/csrc/dropout.c): element i is
 *   kept iff lowbias32(lowbias32(seed) + i * 0x9e3779b9) < keep * 2^32, so no mask is drawn on the host or
 *   stored; the backward is the same kernel on the upstream gradient.
 * @module
 */

/** The extern "C" kernel names defined by {@link RANDOM_SOURCE}. */
export const RANDOM_KERNEL_NAMES: string[] = ["philoxUniform", "dropoutHash"];

/** CUDA C of the Philox4x32-10 uniform kernel (`philoxUniform`), bit-identical to src/random/philox.ts. */
export const RANDOM_SOURCE: string = `
__device__ __forceinline__ uint4 philoxBlock(unsigned long long q, unsigned long long stream, unsigned long long seed) {
  unsigned int c0 = (unsigned int)q, c1 = (unsigned int)(q >> 32);
  unsigned int c2 = (unsigned int)stream, c3 = (unsigned int)(stream >> 32);
  unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
  #pragma unroll
  for (int r = 0; r < 10; r++) {
    unsigned int hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    unsigned int hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
    k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
  }
  return make_uint4(c0, c1, c2, c3);
}

__device__ __forceinline__ float u32ToUniform(unsigned int x) {
  return (float)x * 2.3283064365386963e-10f + 1.1641532182693481e-10f;
}

// o[k] = uniform output (offset + k) of the stream, k in [0, n).
extern "C" __global__ void philoxUniform(float* o, i64 n, unsigned long long seed, unsigned long long stream,
    unsigned long long offset) {
  unsigned long long q0 = offset >> 2;
  i64 blocks = (i64)(((offset + (unsigned long long)n + 3) >> 2) - q0);
  GRID_STRIDE(t, blocks) {
    unsigned long long q = q0 + (unsigned long long)t;
    uint4 b = philoxBlock(q, stream, seed);
    unsigned int w[4] = { b.x, b.y, b.z, b.w };
    #pragma unroll
    for (int l = 0; l < 4; l++) {
      long long k = (long long)(q * 4 + l) - (long long)offset;
      if (k >= 0 && k < n) o[k] = u32ToUniform(w[l]);
    }
  }
}

// lowbias32: xor-shift-multiply rounds with good avalanche (the CPU's hash32).
__device__ __forceinline__ unsigned int lowbias32(unsigned int x) {
  x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16;
  return x;
}

// o[i] = x[i] * scale where the coin of i keeps it, else 0 * x[i] (keeps -0 and NaN as x * mask does).
// The index wraps at 2^32 as the CPU's uint32 arithmetic does; x may equal o.
extern "C" __global__ void dropoutHash(const float* x, float* o, i64 n, double threshold, double scale,
    int seedBits) {
  const unsigned int base = lowbias32((unsigned int)seedBits);
  const float s = (float)scale;
  GRID_STRIDE(i, n) {
    unsigned int h = lowbias32(base + (unsigned int)i * 0x9e3779b9u);
    o[i] = (double)h < threshold ? x[i] * s : 0.0f * x[i];
  }
}
`;
