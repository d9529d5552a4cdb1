/*
 * gemm.c - a blocked, packed, register-tiled single-precision GEMM in portable C.
 *
 *   mm_sgemm: for each batch item i, C_i = alpha * op(A_i) @ op(B_i) + beta * C_i  (all row-major)
 *
 * It serves two workloads: ordinary large GEMMs on machines without a BLAS, and many tiny batched GEMMs
 * (attention heads) where one foreign call per item would cost more than the arithmetic.
 *
 * Blocking scheme (Goto / BLIS style). With op(A) [m,k], op(B) [k,n], C [m,n]:
 *
 *   for jc in n by NC                      5th loop: a column block of C and B
 *     for pc in k by KC                    4th loop: a slab of the k dimension
 *       pack op(B)[pc:+KC, jc:+NC] -> Bp   (shared by all threads, L3 resident)
 *       for ic in m by MC                  3rd loop: row blocks, shared out among threads
 *         pack op(A)[ic:+MC, pc:+KC] -> Ap (private to the thread, L2 resident)
 *         for jr in NC by NR               2nd loop: one NR-wide micro-panel of Bp (stays in L1)
 *           for ir in MC by MR             1st loop: one MR-tall micro-panel of Ap
 *             micro-kernel: an MR x NR tile of C accumulated in registers over KC steps
 *
 * Packing copies each operand into the exact order the micro-kernel reads it (Ap: MR values per k step,
 * Bp: NR values per k step), whatever the transposition of the source, so the kernel only ever streams
 * contiguous memory, and panels are padded with zeros to full MR / NR so the kernel has no edge cases in
 * its inner loop; only the final store of a partial tile goes through a small buffer.
 *
 * The micro-kernel is MR=6 rows by NR=2 vectors: 12 vector accumulators, 2 vector loads of B and 6
 * broadcasts of A per k step. It is written with GCC/Clang vector extensions, which the compiler maps to
 * the widest registers the target has (AVX-512: 6x32, AVX/AVX2: 6x16, SSE/NEON: 6x8) and to FMA where
 * -march allows (GNU C contracts a*b+c to FMA by default; strict -std=c99 would not); other compilers
 * get a plain scalar kernel with the same layout. Transposing packs (A stored [m,k], B stored [n,k]) move
 * 4x4 blocks through vector shuffles, which matters for tiny items where packing rivals the arithmetic.
 *
 * Threads (OpenMP, optional): a batch of independent items is handed out to threads in chunks (each runs
 * serial GEMMs with its own buffers, no synchronisation); a single large GEMM shares one packed B per slab
 * and deals out units of (row block x run of B panels) from an atomic counter. Both are dynamic, so a
 * thread the OS preempts (another process on the cores) delays the call by little. Calls with little
 * total work run serially, as starting the team would cost more than it saves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#define GM_OMP(directive) _Pragma(directive)
#else
#define GM_OMP(directive) /* without OpenMP everything runs on the calling thread */
#endif

/* GM_SCALAR forces the portable scalar code (for testing); GM_VBYTES may be forced likewise. */
#if defined(__GNUC__) && !defined(GM_SCALAR)
#define GM_VECEXT 1
#endif
#if defined(GM_VBYTES)
#elif defined(__AVX512F__)
#define GM_VBYTES 64
#elif defined(__AVX__)
#define GM_VBYTES 32
#else
#define GM_VBYTES 16
#endif
#define GM_VL (GM_VBYTES / 4)   /* floats per vector */
#define GM_MR 6                 /* micro-tile rows */
#define GM_NR (2 * GM_VL)       /* micro-tile columns: two vectors */
#define GM_KC 256               /* k slab: an NR x KC panel of B fills 16 KB of L1 (AVX2) */
#define GM_MC 144               /* rows of A per packed block (multiple of MR): 144 KB in L2 */
#define GM_NC 3072              /* columns of B per packed block (multiple of NR): 3 MB in L3 */
#define GM_THREAD_FLOPS 2e5     /* least work worth a thread: below it, starting one costs more */
#define GM_SMALL_ITEM_FLOPS 4e6 /* batch items below this are split across threads by item */

static inline int gm_min(int a, int b) { return a < b ? a : b; }
static inline int gm_ceil(int a, int b) { return (a + b - 1) / b; }

/* 64-byte aligned malloc without C11 aligned_alloc (absent on some platforms): keep the raw pointer just
   below the aligned block. */
static void *gm_alloc(size_t bytes) {
  char *raw = (char *)malloc(bytes + 64 + sizeof(void *));
  if (!raw) return NULL;
  uintptr_t p = ((uintptr_t)raw + sizeof(void *) + 63) & ~(uintptr_t)63;
  ((void **)p)[-1] = raw;
  return (void *)p;
}
static void gm_free(void *p) { if (p) free(((void **)p)[-1]); }

/* One GEMM item: op(A) [m,k], op(B) [k,n], C [m,n]. */
typedef struct { int m, n, k, ta, tb; const float *a, *b; float *c; float alpha, beta; } gm_job;

/* Zeros standing in for the rows of A / columns of B past the matrix edge, so packing pads for free. */
static const float gm_zeros[GM_KC];

/* dst[p*ld + j] = s[j][p] for j < 4, p < kc: interleave four k-contiguous streams. This is the transposing
   half of packing (A stored [m,k], B stored [n,k]); with vector extensions it moves 4x4 blocks through
   registers with 8 shuffles instead of 16 scalar loads and stores. */
#if defined(GM_VECEXT)
typedef float gm_v4 __attribute__((vector_size(16)));
#if defined(__clang__)
#define GM_SHUF(x, y, i, j, k, l) __builtin_shufflevector(x, y, i, j, k, l)
#else
typedef int gm_v4i __attribute__((vector_size(16)));
#define GM_SHUF(x, y, i, j, k, l) __builtin_shuffle(x, y, (gm_v4i){i, j, k, l})
#endif
#endif
static void gm_interleave4(const float *const *s, int kc, float *dst, int ld) {
  int p = 0;
#if defined(GM_VECEXT)
  for (; p + 4 <= kc; p += 4) {
    gm_v4 r0, r1, r2, r3;
    memcpy(&r0, s[0] + p, 16), memcpy(&r1, s[1] + p, 16), memcpy(&r2, s[2] + p, 16), memcpy(&r3, s[3] + p, 16);
    gm_v4 t0 = GM_SHUF(r0, r1, 0, 4, 1, 5), t1 = GM_SHUF(r0, r1, 2, 6, 3, 7);
    gm_v4 t2 = GM_SHUF(r2, r3, 0, 4, 1, 5), t3 = GM_SHUF(r2, r3, 2, 6, 3, 7);
    gm_v4 o0 = GM_SHUF(t0, t2, 0, 1, 4, 5), o1 = GM_SHUF(t0, t2, 2, 3, 6, 7);
    gm_v4 o2 = GM_SHUF(t1, t3, 0, 1, 4, 5), o3 = GM_SHUF(t1, t3, 2, 3, 6, 7);
    float *d = dst + (long)p * ld;
    memcpy(d, &o0, 16), memcpy(d + ld, &o1, 16), memcpy(d + 2 * ld, &o2, 16), memcpy(d + 3 * ld, &o3, 16);
  }
#endif
  for (; p < kc; p++)
    for (int j = 0; j < 4; j++) dst[(long)p * ld + j] = s[j][p];
}

/* Pack op(A)[i0:i0+mc, p0:p0+kc] as MR-row micro-panels: panel r holds, for each k step, the MR values of
   rows r*MR.. of that column; rows past mc are zero. Fixed-length inner loops so they unroll. */
static void gm_pack_a(const gm_job *g, int i0, int mc, int p0, int kc, float *dst) {
  for (int ir = 0; ir < mc; ir += GM_MR, dst += GM_MR * kc) {
    int mr = gm_min(GM_MR, mc - ir);
    if (g->ta) { /* A stored [k,m]: the MR values of one k step are contiguous */
      const float *src = g->a + (long)p0 * g->m + i0 + ir;
      if (mr == GM_MR) /* fixed-size memcpy: a couple of vector moves */
        for (int p = 0; p < kc; p++, src += g->m) memcpy(dst + p * GM_MR, src, GM_MR * sizeof(float));
      else
        for (int p = 0; p < kc; p++, src += g->m)
          for (int i = 0; i < GM_MR; i++) dst[p * GM_MR + i] = i < mr ? src[i] : 0.0f;
    } else { /* A stored [m,k]: interleave MR row streams (rows 0-3 by blocks, rows 4-5 one by one) */
      const float *row[GM_MR];
      for (int i = 0; i < GM_MR; i++) row[i] = i < mr ? g->a + (long)(i0 + ir + i) * g->k + p0 : gm_zeros;
      gm_interleave4(row, kc, dst, GM_MR);
      for (int p = 0; p < kc; p++) dst[p * GM_MR + 4] = row[4][p], dst[p * GM_MR + 5] = row[5][p];
    }
  }
}

/* Pack NR-column micro-panel number jp of op(B)[p0:p0+kc, j0:j0+nc]: for each k step, NR consecutive
   columns; columns past nc are zero. */
static void gm_pack_b_panel(const gm_job *g, int j0, int nc, int p0, int kc, int jp, float *bp) {
  int jr = jp * GM_NR, nr = gm_min(GM_NR, nc - jr);
  float *dst = bp + (long)jr * kc;
  if (!g->tb) { /* B stored [k,n]: each k step is a contiguous run (a vector copy when full) */
    const float *src = g->b + (long)p0 * g->n + j0 + jr;
    if (nr == GM_NR)
      for (int p = 0; p < kc; p++, src += g->n, dst += GM_NR) memcpy(dst, src, GM_NR * sizeof(float));
    else
      for (int p = 0; p < kc; p++, src += g->n, dst += GM_NR)
        for (int j = 0; j < GM_NR; j++) dst[j] = j < nr ? src[j] : 0.0f;
  } else { /* B stored [n,k]: interleave NR column streams, four at a time */
    const float *col[GM_NR];
    for (int j = 0; j < GM_NR; j++) col[j] = j < nr ? g->b + (long)(j0 + jr + j) * g->k + p0 : gm_zeros;
    for (int j = 0; j < GM_NR; j += 4) gm_interleave4(col + j, kc, dst + j, GM_NR);
  }
}

/* Write an MR x NR tile (row stride NR) to the mr x nr corner of C: C = alpha*acc + beta*C. beta == 0
   never reads C, so C may hold garbage (NaN) on entry. */
static void gm_store_tile(const float *t, float *c, long ldc, int mr, int nr, float alpha, float beta) {
  for (int i = 0; i < mr; i++, c += ldc, t += GM_NR)
    for (int j = 0; j < nr; j++) c[j] = beta == 0.0f ? alpha * t[j] : alpha * t[j] + beta * c[j];
}

#if defined(GM_VECEXT)
typedef float gm_vf __attribute__((vector_size(GM_VBYTES)));
/* memcpy loads/stores: alignment- and aliasing-safe, compiled to single unaligned vector moves. */
static inline gm_vf gm_load(const float *p) { gm_vf v; memcpy(&v, p, sizeof v); return v; }
static inline void gm_store(float *p, gm_vf v) { memcpy(p, &v, sizeof v); }

/* Micro-kernel: C[0:mr, 0:nr] = alpha * Ap_panel @ Bp_panel + beta * C over kc steps. The 12 accumulators
   are named variables (not an array) so the compiler keeps them in registers. */
static void gm_kernel(int kc, const float *restrict pa, const float *restrict pb, float *c, long ldc,
                      int mr, int nr, float alpha, float beta) {
  gm_vf c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
  gm_vf c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
#if defined(__clang__)
#pragma unroll 4
#else
#pragma GCC unroll 4
#endif
  for (int p = 0; p < kc; p++, pa += GM_MR, pb += GM_NR) {
    gm_vf b0 = gm_load(pb), b1 = gm_load(pb + GM_VL);
    /* vector * scalar broadcasts the scalar; with -mfma each line becomes two vfmadd231ps */
    c00 += b0 * pa[0]; c01 += b1 * pa[0];
    c10 += b0 * pa[1]; c11 += b1 * pa[1];
    c20 += b0 * pa[2]; c21 += b1 * pa[2];
    c30 += b0 * pa[3]; c31 += b1 * pa[3];
    c40 += b0 * pa[4]; c41 += b1 * pa[4];
    c50 += b0 * pa[5]; c51 += b1 * pa[5];
  }
  gm_vf acc[GM_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == GM_MR && nr == GM_NR) { /* full tile: vector stores straight into C */
    for (int i = 0; i < GM_MR; i++, c += ldc)
      for (int h = 0; h < 2; h++) {
        gm_vf r = acc[i][h] * alpha;
        if (beta != 0.0f) r += gm_load(c + h * GM_VL) * beta;
        gm_store(c + h * GM_VL, r);
      }
  } else { /* partial tile at the matrix edge: through a buffer */
    float t[GM_MR * GM_NR];
    for (int i = 0; i < GM_MR; i++) {
      gm_store(t + i * GM_NR, acc[i][0]);
      gm_store(t + i * GM_NR + GM_VL, acc[i][1]);
    }
    gm_store_tile(t, c, ldc, mr, nr, alpha, beta);
  }
}
#else
/* Portable scalar micro-kernel with the same packed layout. */
static void gm_kernel(int kc, const float *pa, const float *pb, float *c, long ldc, int mr, int nr,
                      float alpha, float beta) {
  float t[GM_MR * GM_NR] = {0};
  for (int p = 0; p < kc; p++, pa += GM_MR, pb += GM_NR)
    for (int i = 0; i < GM_MR; i++)
      for (int j = 0; j < GM_NR; j++) t[i * GM_NR + j] += pa[i] * pb[j];
  gm_store_tile(t, c, ldc, mr, nr, alpha, beta);
}
#endif

/* Next work unit from the team's shared counter. */
static int gm_take(int *next) {
  int u;
  GM_OMP("omp atomic capture")
  u = (*next)++;
  return u;
}

/* One GEMM item, run by thread t of a team of nt (nt == 1: the calling thread alone). For each (jc, pc)
   slab the team packs B together; then each thread takes work units (a block of rows times a run of B
   micro-panels) from the shared counter *next, so a thread the OS delays just takes fewer units. bp and
   *next are shared by the team, ap is private. Every thread of the team must call this (barriers). */
static void gm_item(const gm_job *g, float *bp, float *ap, int *next, int t, int nt) {
  int nrb = gm_ceil(g->m, GM_MC);
  int mcb = gm_ceil(gm_ceil(g->m, nrb), GM_MR) * GM_MR; /* equal row blocks, a multiple of MR, <= MC */
  for (int jc = 0; jc < g->n; jc += GM_NC) {
    int nc = gm_min(GM_NC, g->n - jc), npan = gm_ceil(nc, GM_NR);
    /* with a team, cut the panels into runs so there are ~8 units per thread (few rows: many runs) */
    int per = nt > 1 ? gm_ceil(npan, gm_min(npan, gm_ceil(8 * nt, nrb))) : npan;
    int nruns = gm_ceil(npan, per), units = nrb * nruns;
    for (int pc = 0; pc < g->k; pc += GM_KC) {
      int kc = gm_min(GM_KC, g->k - pc);
      float beta = pc == 0 ? g->beta : 1.0f; /* later k slabs accumulate onto the first */
      if (nt > 1) { /* the barriers keep Bp and the counter stable while anyone still uses them */
        GM_OMP("omp barrier")
        for (int jp = t; jp < npan; jp += nt) gm_pack_b_panel(g, jc, nc, pc, kc, jp, bp);
        if (t == 0) *next = 0;
        GM_OMP("omp barrier")
      } else {
        for (int jp = 0; jp < npan; jp++) gm_pack_b_panel(g, jc, nc, pc, kc, jp, bp);
      }
      int packed = -1; /* the row block now in ap: consecutive units often share it */
      for (int u = nt > 1 ? gm_take(next) : 0; u < units; u = nt > 1 ? gm_take(next) : u + 1) {
        int rb = u / nruns, ic = rb * mcb, mc = gm_min(mcb, g->m - ic);
        int jp0 = (u % nruns) * per, jp1 = gm_min(npan, jp0 + per);
        if (mc <= 0) continue;
        if (rb != packed) gm_pack_a(g, ic, mc, pc, kc, ap), packed = rb;
        for (int jp = jp0; jp < jp1; jp++) {
          int jr = jp * GM_NR;
          const float *pb = bp + (long)jr * kc;
          float *cc = g->c + (long)ic * g->n + jc + jr;
          for (int ir = 0; ir < mc; ir += GM_MR)
            gm_kernel(kc, ap + (long)ir * kc, pb, cc + (long)ir * g->n, g->n, gm_min(GM_MR, mc - ir),
                      gm_min(GM_NR, nc - jr), g->alpha, beta);
        }
      }
    }
  }
}

/* Sizes of the packing buffers for an item: just what its shape needs, up to MC x KC and KC x NC. */
static size_t gm_abytes(int m, int k) {
  return (size_t)gm_min(GM_MC, gm_ceil(m, GM_MR) * GM_MR) * gm_min(GM_KC, k) * sizeof(float);
}
static size_t gm_bbytes(int n, int k) {
  return (size_t)gm_min(GM_NC, gm_ceil(n, GM_NR) * GM_NR) * gm_min(GM_KC, k) * sizeof(float);
}

/* Straightforward loops: the fallback when a packing buffer cannot be allocated. */
static void gm_naive(const gm_job *g) {
  for (int i = 0; i < g->m; i++)
    for (int j = 0; j < g->n; j++) {
      float s = 0.0f;
      for (int p = 0; p < g->k; p++)
        s += (g->ta ? g->a[(long)p * g->m + i] : g->a[(long)i * g->k + p]) *
             (g->tb ? g->b[(long)j * g->k + p] : g->b[(long)p * g->n + j]);
      float *c = g->c + (long)i * g->n + j;
      *c = g->beta == 0.0f ? g->alpha * s : g->alpha * s + g->beta * *c;
    }
}

/* Items [i0, i1) of the batch, one after another on the calling thread, with its own packing buffers. */
static void gm_serial(int i0, int i1, int m, int n, int k, int ta, int tb, const float *a, long sa,
                      const float *b, long sb, float *c, long sc, float alpha, float beta) {
  float *ap = (float *)gm_alloc(gm_abytes(m, k)), *bp = (float *)gm_alloc(gm_bbytes(n, k));
  for (int i = i0; i < i1; i++) {
    gm_job g = {m, n, k, ta, tb, a + i * sa, b + i * sb, c + i * sc, alpha, beta};
    if (ap && bp) gm_item(&g, bp, ap, NULL, 0, 1);
    else gm_naive(&g);
  }
  gm_free(ap);
  gm_free(bp);
}

void mm_sgemm(int batch, int m, int n, int k, int transA, int transB, const float *a, long strideA,
              const float *b, long strideB, float *c, long strideC, float alpha, float beta) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) { /* no product: C = beta * C (BLAS convention: A, B not read) */
    for (int i = 0; i < batch; i++) {
      float *ci = c + i * strideC;
      for (long e = 0; e < (long)m * n; e++) ci[e] = beta == 0.0f ? 0.0f : beta * ci[e];
    }
    return;
  }
  double item = 2.0 * m * n * k;
  int nt = 1;
#ifdef _OPENMP
  double worth = item * batch / GM_THREAD_FLOPS; /* how many threads the work can keep busy */
  nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (worth < nt) nt = worth < 1 ? 1 : (int)worth;
#endif
  if (nt == 1) { /* no team at all: even a one-thread OpenMP region costs a few microseconds */
    gm_serial(0, batch, m, n, k, transA, transB, a, strideA, b, strideB, c, strideC, alpha, beta);
    return;
  }
  /* split by item when there are enough items (or they are small); never when C items alias (stride 0),
     as their updates must then happen in order */
  if (batch > 1 && strideC != 0 && (batch >= 4 * nt || batch % nt == 0 || item < GM_SMALL_ITEM_FLOPS)) {
    /* chunks of items handed out dynamically (~8 per thread), each with its own packing buffers */
    int chunk = gm_ceil(batch, 8 * nt), nchunks = gm_ceil(batch, chunk);
    GM_OMP("omp parallel for schedule(dynamic) num_threads(nt < batch ? nt : batch)")
    for (int ch = 0; ch < nchunks; ch++)
      gm_serial(ch * chunk, gm_min(batch, (ch + 1) * chunk), m, n, k, transA, transB, a, strideA, b,
                strideB, c, strideC, alpha, beta);
    return;
  }
  /* one item at a time, each split over the whole team, which shares one packed B */
  float *bp = (float *)gm_alloc(gm_bbytes(n, k));
  int ok = bp != NULL, next = 0;
  GM_OMP("omp parallel num_threads(nt)")
  {
    int t = 0, nthr = 1;
#ifdef _OPENMP
    t = omp_get_thread_num();
    nthr = omp_get_num_threads();
#endif
    float *ap = (float *)gm_alloc(gm_abytes(m, k));
    if (!ap) {
      GM_OMP("omp atomic write")
      ok = 0;
    }
    GM_OMP("omp barrier") /* every thread now sees the same ok, so all take the same path */
    for (int i = 0; i < batch && ok; i++) {
      gm_job g = {m, n, k, transA, transB, a + i * strideA, b + i * strideB, c + i * strideC, alpha, beta};
      gm_item(&g, bp, ap, &next, t, nthr);
      GM_OMP("omp barrier") /* C of this item complete before the next item (its C may alias) */
    }
    gm_free(ap);
  }
  gm_free(bp);
  if (!ok) /* out of memory: the plain loops */
    gm_serial(0, batch, m, n, k, transA, transB, a, strideA, b, strideB, c, strideC, alpha, beta);
}
