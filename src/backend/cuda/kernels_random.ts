/**
 * CUDA C for Philox4x32-10 uniforms laid out exactly like src/random/philox.ts: output k of stream
 * (seed, stream) is philox(ctr = [q lo, q hi, stream lo, stream hi], key = [seed lo, seed hi])[k % 4] with
 * q = k / 4, converted as cuRAND's curand_uniform (float(x) * 2^-32 + 2^-33). One thread per Philox block.
 * @module
 */

/** The extern "C" kernel names defined by {@link RANDOM_SOURCE}. */
export const RANDOM_KERNEL_NAMES: string[] = ["philoxUniform"];

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
`;
