/*
 * Fused multi-head attention, forward and backward side by side. q, k and v arrive in the layout the input
 * projections write, [B, T, H * d] with a row stride per token (so heads are never permuted into [B, H, T, d]
 * and back); the output and the gradients leave in the same layout.
 *
 * Forward, per batch item b and head h (one task each, split between threads):
 *   S = q k^T (+ key-padding bias [B, Tk]) (+ attention bias [Tq, Tk])   (q arrives pre-scaled by 1/sqrt d)
 *   P = softmax(S) row-wise, saved for the backward
 *   out = (P * M) v, M the dropout mask (0 or 1/(1-p)) when training with dropout, else all ones.
 * Backward, from gO = d loss / d out:
 *   gV = (P * M)^T gO;  gP = (gO v^T) * M;  gS = P * (gP - rowsum(P * gP));  gQ = gS k;  gK = gS^T q.
 *
 * Two layouts, for the short rows of these models (6-101 keys of 5-64 features):
 * - Products that sum over the features (the scores S, and gP) run along the keys: each task copies its
 *   head's k (forward) or v (backward) transposed into [d, Tk] scratch rows padded with zeros to whole
 *   8-float vectors, and the scores of four queries at a time are summed in vector registers over them
 *   (key_scores).
 * - Products that sum over the keys (out = P v, gQ = gS k) and the per-key gradients (gK, gV) run along the
 *   token rows' features in groups of 8 (weighted_rows, axpy: no horizontal sums, no chains through
 *   memory), and the features past the last group of 8 (all of them when d < 8, e.g. the MOSI fusion's
 *   d = 5) along the keys over transposed rows (dot_keys, axpy_keys).
 */
#include "common.h"

/* Dimensions and row strides of one attention call (the order of the Int32 array the TypeScript side fills). */
typedef struct {
  int batch, heads, tq, tk, d, ldq, ldk, ldv, ldo;
} AttentionDims;

/*
 * Eight floats as one value (the GCC/Clang vector extension, lowered to AVX, two SSE or NEON registers, or
 * scalars), loaded and stored through memcpy: no alignment or aliasing assumptions, one unaligned move each.
 * Plain arrays of 8 were not kept in registers by gcc 12 here (scalar multiply-adds in the profile).
 */
#if defined(__GNUC__)
typedef float v8f __attribute__((vector_size(32)));
#define V8_FMA(acc, x, v) ((acc) += (x) * (v)) /* x scalar or v8f */
static inline float v8_hsum(v8f v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }
static inline v8f v8_add(v8f a, v8f b) { return a + b; }
#else
typedef struct { float f[8]; } v8f;
#define V8_FMA(acc, x, v) v8_fma_(&(acc), (x), (v))
static inline void v8_fma_(v8f *acc, float x, v8f v) {
  for (int l = 0; l < 8; l++) acc->f[l] += x * v.f[l];
}
static inline float v8_hsum(v8f v) {
  return ((v.f[0] + v.f[1]) + (v.f[2] + v.f[3])) + ((v.f[4] + v.f[5]) + (v.f[6] + v.f[7]));
}
static inline v8f v8_add(v8f a, v8f b) {
  for (int l = 0; l < 8; l++) a.f[l] += b.f[l];
  return a;
}
#endif
static const float zeros8[8];
static inline v8f v8_load(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
static inline void v8_store(float *p, v8f v) { memcpy(p, &v, sizeof v); }

/*
 * dst[c * tkp + j] = src[j * ld + c] for c < d, j < tk, and 0 for tk <= j < tkp: d features of a head's tk
 * token rows transposed to [d, tkp], each row padded with zeros to a whole number of 8-float vectors.
 */
static void transpose_head(const float *src, int ld, int tk, int tkp, int d, float *restrict dst) {
  for (int c = 0; c < d; c++) {
    for (int j = 0; j < tk; j++) dst[(long)c * tkp + j] = src[(long)j * ld + c];
    for (int j = tk; j < tkp; j++) dst[(long)c * tkp + j] = 0.0f;
  }
}

/* Query rows per block of key_scores (key_scores names its four accumulators). */
#define ROWS 4

/*
 * out[r * tkp + j] += sum_c x[r][c] * kt[c * tkp + j] for the ROWS rows x[r] and every padded key j. Each
 * block of ROWS x 8 sums stays in registers for the whole c loop (ROWS independent chains of multiply-adds,
 * where accumulating one row in memory would wait on a store and a reload per feature), and c ascends, so
 * every sum is added in the order a plain loop would add it.
 */
static inline void key_scores(const float *const *x, const float *kt, int d, int tkp, float *out) {
  for (int j0 = 0; j0 < tkp; j0 += 8) {
    v8f a0 = v8_load(out + j0), a1 = v8_load(out + tkp + j0);
    v8f a2 = v8_load(out + 2L * tkp + j0), a3 = v8_load(out + 3L * tkp + j0);
    for (int c = 0; c < d; c++) {
      const v8f kc = v8_load(kt + (long)c * tkp + j0);
      V8_FMA(a0, x[0][c], kc);
      V8_FMA(a1, x[1][c], kc);
      V8_FMA(a2, x[2][c], kc);
      V8_FMA(a3, x[3][c], kc);
    }
    v8_store(out + j0, a0);
    v8_store(out + tkp + j0, a1);
    v8_store(out + 2L * tkp + j0, a2);
    v8_store(out + 3L * tkp + j0, a3);
  }
}

/*
 * out[c] = sum_j w[j] rows[j * ld + c] for c < d8, d8 a multiple of 8: 8 features at a time in registers over
 * all n rows, as four partial sums over j = 0, 1, 2, 3 mod 4 (with d8 = 8, one vector, the n multiply-adds
 * are four short chains instead of one long one).
 */
static inline void weighted_rows(const float *w, int n, const float *rows, long ld, int d8, float *restrict out) {
  for (int c0 = 0; c0 < d8; c0 += 8) {
    const float *r = rows + c0;
    v8f a0 = v8_load(zeros8), a1 = a0, a2 = a0, a3 = a0;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      V8_FMA(a0, w[j], v8_load(r + (long)j * ld));
      V8_FMA(a1, w[j + 1], v8_load(r + (long)(j + 1) * ld));
      V8_FMA(a2, w[j + 2], v8_load(r + (long)(j + 2) * ld));
      V8_FMA(a3, w[j + 3], v8_load(r + (long)(j + 3) * ld));
    }
    for (; j < n; j++) V8_FMA(a0, w[j], v8_load(r + (long)j * ld));
    v8_store(out + c0, v8_add(v8_add(a0, a1), v8_add(a2, a3)));
  }
}

/* y[0, d8) += x * r[0, d8), d8 a multiple of 8: one token row's features, contiguous. */
static inline void axpy(float x, const float *restrict r, float *restrict y, int d8) {
  for (int c0 = 0; c0 < d8; c0 += 8) {
    v8f acc = v8_load(y + c0);
    V8_FMA(acc, x, v8_load(r + c0));
    v8_store(y + c0, acc);
  }
}

/* sum_j a[j] b[j] over tkp padded keys (a multiple of 8), in 8 partial sums. */
static inline float dot_keys(const float *a, const float *b, int tkp) {
  v8f acc = v8_load(zeros8);
  for (int j0 = 0; j0 < tkp; j0 += 8) {
#if defined(__GNUC__)
    acc += v8_load(a + j0) * v8_load(b + j0);
#else
    for (int l = 0; l < 8; l++) acc.f[l] += a[j0 + l] * b[j0 + l];
#endif
  }
  return v8_hsum(acc);
}

/* acc[0, tkp) += x * row[0, tkp) over padded keys: a transposed accumulator row. */
static inline void axpy_keys(float x, const float *restrict row, float *restrict acc, int tkp) {
  for (int j0 = 0; j0 < tkp; j0 += 8) {
    v8f a = v8_load(acc + j0);
    V8_FMA(a, x, v8_load(row + j0));
    v8_store(acc + j0, a);
  }
}

/* The ROWS row pointers of the block from row i0 of a [T, ld] head; rows past the last repeat it. */
static inline void block_rows(const float *base, long ld, int i0, int nr, const float **rows) {
  for (int r = 0; r < ROWS; r++) rows[r] = base + (long)(i0 + (r < nr ? r : nr - 1)) * ld;
}

void mm_attention(const int *dims, const float *q, const float *k, const float *v, const float *key_bias,
                  const float *attn_bias, const float *drop, float *probs, float *out) {
  const AttentionDims a = *(const AttentionDims *)dims;
  const int tasks = a.batch * a.heads, tk = a.tk, d = a.d, tkp = (tk + 7) & ~7;
  const int d8 = d & ~7, dr = d - d8; /* features along the rows, and the rest along the keys */
#pragma omp parallel if ((long)tasks * a.tq * tk * d >= MM_PAR_MIN)
  {
    /* scratch: k^T [d, tkp], v^T of the last dr features [dr, tkp], ROWS score rows, one padded P * M row */
    float *kt = malloc(sizeof(float) * ((size_t)(d + dr) * tkp + (size_t)ROWS * tkp + (size_t)tkp));
    float *vtr = kt + (long)d * tkp, *sbuf = vtr + (long)dr * tkp, *pd = sbuf + (long)ROWS * tkp;
#pragma omp for schedule(static)
    for (int task = 0; task < tasks; task++) {
      const int b = task / a.heads, h = task % a.heads;
      const float *qh = q + (long)b * a.tq * a.ldq + h * d;
      const float *kh = k + (long)b * tk * a.ldk + h * d;
      const float *vh = v + (long)b * tk * a.ldv + h * d;
      float *oh = out + (long)b * a.tq * a.ldo + h * d;
      float *ph = probs + (long)task * a.tq * tk;
      const float *mh = drop ? drop + (long)task * a.tq * tk : NULL;
      const float *kb = key_bias ? key_bias + (long)b * tk : NULL;
      transpose_head(kh, a.ldk, tk, tkp, d, kt);
      if (dr) transpose_head(vh + d8, a.ldv, tk, tkp, dr, vtr);
      for (int j = tk; j < tkp; j++) pd[j] = 0.0f;
      for (int i0 = 0; i0 < a.tq; i0 += ROWS) {
        const int nr = a.tq - i0 < ROWS ? a.tq - i0 : ROWS;
        const float *qr[ROWS];
        block_rows(qh, a.ldq, i0, nr, qr);
        /* each score starts from its biases: key padding, then the additive mask (0 without either) */
        for (int r = 0; r < ROWS; r++) {
          float *srow = sbuf + (long)r * tkp;
          const float *ab = attn_bias && r < nr ? attn_bias + (long)(i0 + r) * tk : NULL;
          if (kb) memcpy(srow, kb, sizeof(float) * (size_t)tk);
          else memset(srow, 0, sizeof(float) * (size_t)tk);
          if (ab)
            for (int j = 0; j < tk; j++) srow[j] += ab[j];
          for (int j = tk; j < tkp; j++) srow[j] = 0.0f;
        }
        key_scores(qr, kt, d, tkp, sbuf);
        for (int r = 0; r < nr; r++) {
          const int i = i0 + r;
          const float *srow = sbuf + (long)r * tkp;
          float *restrict s = ph + (long)i * tk;
          /* softmax over the tk real keys; a row of all -inf gives NaN, as in PyTorch */
          float m = -INFINITY;
          for (int j = 0; j < tk; j++) m = srow[j] > m ? srow[j] : m;
          double sum = 0;
          for (int j = 0; j < tk; j++) s[j] = mm_expf(srow[j] - m);
          for (int j = 0; j < tk; j++) sum += s[j];
          const float inv = (float)(1.0 / sum);
          for (int j = 0; j < tk; j++) s[j] *= inv;
          /* out_i = sum_j (p_ij m_ij) v_j, from the padded row pd */
          for (int j = 0; j < tk; j++) pd[j] = mh ? s[j] * mh[(long)i * tk + j] : s[j];
          float *oi = oh + (long)i * a.ldo;
          weighted_rows(pd, tk, vh, a.ldv, d8, oi);
          for (int c = 0; c < dr; c++) oi[d8 + c] = dot_keys(pd, vtr + (long)c * tkp, tkp);
        }
      }
    }
    free(kt);
  }
}

/*
 * The backward of mm_attention. gq, gk and gv are written whole (every element of the heads' columns), in
 * the layout [B, T, H * d] with the row strides of q, k and v.
 */
void mm_attention_grad(const int *dims, const float *q, const float *k, const float *v, const float *drop,
                       const float *probs, const float *g_out, float *gq, float *gk, float *gv) {
  const AttentionDims a = *(const AttentionDims *)dims;
  const int tasks = a.batch * a.heads, tk = a.tk, d = a.d, tkp = (tk + 7) & ~7;
  const int d8 = d & ~7, dr = d - d8;
#pragma omp parallel if ((long)tasks * a.tq * tk * d >= MM_PAR_MIN)
  {
    /*
     * scratch: v^T [d, tkp]; k^T of the last dr features [dr, tkp]; the gK and gV accumulators, as token rows
     * [tk, d8] for the first d8 features and transposed [dr, tkp] for the rest; ROWS padded rows of gS; one
     * padded row of P * M
     */
    const size_t rows_acc = (size_t)tk * d8, keys_acc = (size_t)dr * tkp;
    float *vt = malloc(sizeof(float) * ((size_t)d * tkp + keys_acc * 3 + rows_acc * 2 + (size_t)(ROWS + 1) * tkp));
    float *ktr = vt + (long)d * tkp, *gkt = ktr + keys_acc, *gvt = gkt + keys_acc;
    float *gka = gvt + keys_acc, *gva = gka + rows_acc, *gsbuf = gva + rows_acc, *w = gsbuf + (long)ROWS * tkp;
#pragma omp for schedule(static)
    for (int task = 0; task < tasks; task++) {
      const int b = task / a.heads, h = task % a.heads;
      const long qoff = (long)b * a.tq * a.ldq + h * d, koff = (long)b * tk * a.ldk + h * d;
      const long voff = (long)b * tk * a.ldv + h * d, ooff = (long)b * a.tq * a.ldo + h * d;
      const float *ph = probs + (long)task * a.tq * tk;
      const float *mh = drop ? drop + (long)task * a.tq * tk : NULL;
      transpose_head(v + voff, a.ldv, tk, tkp, d, vt);
      if (dr) transpose_head(k + koff + d8, a.ldk, tk, tkp, dr, ktr);
      memset(gkt, 0, sizeof(float) * (keys_acc * 2 + rows_acc * 2));
      for (int j = tk; j < tkp; j++) w[j] = 0.0f;
      for (int i0 = 0; i0 < a.tq; i0 += ROWS) {
        const int nr = a.tq - i0 < ROWS ? a.tq - i0 : ROWS;
        const float *gor[ROWS];
        block_rows(g_out + ooff, a.ldo, i0, nr, gor);
        /* gP_ij = gO_i . v_j, before the dropout mask (0 at the padded keys) */
        memset(gsbuf, 0, sizeof(float) * (size_t)ROWS * tkp);
        key_scores(gor, vt, d, tkp, gsbuf);
        for (int r = 0; r < nr; r++) {
          const int i = i0 + r;
          const float *restrict p = ph + (long)i * tk;
          const float *restrict mi = mh ? mh + (long)i * tk : NULL;
          const float *go = gor[r], *qi = q + qoff + (long)i * a.ldq;
          float *restrict gs = gsbuf + (long)r * tkp;
          /* gV_j += (p_ij m_ij) gO_i */
          for (int j = 0; j < tk; j++) w[j] = mi ? p[j] * mi[j] : p[j];
          for (int j = 0; j < tk; j++) axpy(w[j], go, gva + (long)j * d8, d8);
          for (int c = 0; c < dr; c++) axpy_keys(go[d8 + c], w, gvt + (long)c * tkp, tkp);
          if (mi)
            for (int j = 0; j < tk; j++) gs[j] *= mi[j];
          /* gS = p (gP - <p, gP>) */
          double dot = 0;
          for (int j = 0; j < tk; j++) dot += p[j] * gs[j];
          const float dotf = (float)dot;
          for (int j = 0; j < tk; j++) gs[j] = p[j] * (gs[j] - dotf);
          /* gQ_i = sum_j gS_ij k_j; gK_j += gS_ij q_i */
          float *gqi = gq + qoff + (long)i * a.ldq;
          weighted_rows(gs, tk, k + koff, a.ldk, d8, gqi);
          for (int c = 0; c < dr; c++) gqi[d8 + c] = dot_keys(gs, ktr + (long)c * tkp, tkp);
          for (int j = 0; j < tk; j++) axpy(gs[j], qi, gka + (long)j * d8, d8);
          for (int c = 0; c < dr; c++) axpy_keys(qi[d8 + c], gs, gkt + (long)c * tkp, tkp);
        }
      }
      for (int j = 0; j < tk; j++) {
        float *gkj = gk + koff + (long)j * a.ldk, *gvj = gv + voff + (long)j * a.ldv;
        memcpy(gkj, gka + (long)j * d8, sizeof(float) * (size_t)d8);
        memcpy(gvj, gva + (long)j * d8, sizeof(float) * (size_t)d8);
        for (int c = 0; c < dr; c++) {
          gkj[d8 + c] = gkt[(long)c * tkp + j];
          gvj[d8 + c] = gvt[(long)c * tkp + j];
        }
      }
    }
    free(vt);
  }
}
