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
 * Trick: each task copies its head's k (forward) or v (backward) transposed into [d, Tk] scratch rows padded
 * to whole 8-float vectors, for the one product that runs along the keys (scores, and gP in the backward);
 * every other product runs along the d features of the token rows as they are.
 */
#include "common.h"

/* Dimensions and row strides of one attention call (the order of the Int32 array the TypeScript side fills). */
typedef struct {
  int batch, heads, tq, tk, d, ldq, ldk, ldv, ldo;
} AttentionDims;

/*
 * dst[c * tkp + j] = src[j * ld + c] for c < d, j < tk, and 0 for tk <= j < tkp: one head's [tk, d] rows
 * transposed to [d, tkp], each row padded with zeros to a whole number of 8-float vectors.
 */
static void transpose_head(const float *src, int ld, int tk, int tkp, int d, float *restrict dst) {
  for (int c = 0; c < d; c++) {
    for (int j = 0; j < tk; j++) dst[(long)c * tkp + j] = src[(long)j * ld + c];
    for (int j = tk; j < tkp; j++) dst[(long)c * tkp + j] = 0.0f;
  }
}

static const float zeros8[8];

/* Query rows per block of key_scores (key_scores names its four accumulators). */
#define ROWS 4

/*
 * Eight floats as one value (the GCC/Clang vector extension, lowered to AVX, two SSE or NEON registers, or
 * scalars), loaded and stored through memcpy: no alignment or aliasing assumptions, one unaligned move each.
 * Plain arrays of 8 were not kept in registers by gcc 12 here (scalar multiply-adds in the profile).
 */
#if defined(__GNUC__)
typedef float v8f __attribute__((vector_size(32)));
static inline v8f v8_load(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
static inline void v8_store(float *p, v8f v) { memcpy(p, &v, sizeof v); }
#define V8_FMA(acc, x, v) ((acc) += (x) * (v))
#else
typedef struct { float f[8]; } v8f;
static inline v8f v8_load(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
static inline void v8_store(float *p, v8f v) { memcpy(p, &v, sizeof v); }
#define V8_FMA(acc, x, v) do { for (int l_ = 0; l_ < 8; l_++) (acc).f[l_] += (x) * (v).f[l_]; } while (0)
#endif

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
 * out[c] = sum_j w[j] rows[j * ld + c] for c < d, j ascending: 8 features at a time summed in a register
 * over all n rows, then the d mod 8 others one by one.
 */
static inline void weighted_rows(const float *w, int n, const float *rows, long ld, int d, float *restrict out) {
  int c0 = 0;
  for (; c0 + 8 <= d; c0 += 8) {
    v8f acc = v8_load(zeros8);
    for (int j = 0; j < n; j++) V8_FMA(acc, w[j], v8_load(rows + (long)j * ld + c0));
    v8_store(out + c0, acc);
  }
  for (int c = c0; c < d; c++) {
    float acc = 0.0f;
    for (int j = 0; j < n; j++) acc += w[j] * rows[(long)j * ld + c];
    out[c] = acc;
  }
}

/* y[0, d) += x * r[0, d): one token row's d features, contiguous. */
static inline void axpy(float x, const float *restrict r, float *restrict y, int d) {
  int c0 = 0;
  for (; c0 + 8 <= d; c0 += 8) {
    v8f acc = v8_load(y + c0);
    V8_FMA(acc, x, v8_load(r + c0));
    v8_store(y + c0, acc);
  }
  for (int c = c0; c < d; c++) y[c] += x * r[c];
}

/* The ROWS row pointers of the block from row i0 of a [T, ld] head; rows past the last repeat it. */
static inline void block_rows(const float *base, long ld, int i0, int nr, const float **rows) {
  for (int r = 0; r < ROWS; r++) rows[r] = base + (long)(i0 + (r < nr ? r : nr - 1)) * ld;
}

/*
 * Loop orders, for the short rows of these models (6-50 keys of 8-64 features): the scores S = q K^T of ROWS
 * queries at a time are summed feature by feature over k^T's padded rows (key_scores); out_i = sum_j p_ij v_j
 * and gQ_i = sum_j gS_ij k_j run along the d features of the token rows as they lie (weighted_rows), and gK_j,
 * gV_j gather one row per key (axpy), so no loop ends in a horizontal sum.
 */
void mm_attention(const int *dims, const float *q, const float *k, const float *v, const float *key_bias,
                  const float *attn_bias, const float *drop, float *probs, float *out) {
  const AttentionDims a = *(const AttentionDims *)dims;
  const int tasks = a.batch * a.heads, tk = a.tk, d = a.d, tkp = (tk + 7) & ~7;
#pragma omp parallel if ((long)tasks * a.tq * tk * d >= MM_PAR_MIN)
  {
    /* scratch: k^T [d, tkp], ROWS padded score rows [ROWS, tkp], one row of P * M [tk] */
    float *kt = malloc(sizeof(float) * ((size_t)d * tkp + (size_t)ROWS * tkp + (size_t)tk));
    float *sbuf = kt + (long)d * tkp, *pd = sbuf + (long)ROWS * tkp;
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
          /* out_i = sum_j (p_ij m_ij) v_j */
          const float *p = s;
          if (mh) {
            for (int j = 0; j < tk; j++) pd[j] = s[j] * mh[(long)i * tk + j];
            p = pd;
          }
          weighted_rows(p, tk, vh, a.ldv, d, oh + (long)i * a.ldo);
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
#pragma omp parallel if ((long)tasks * a.tq * tk * d >= MM_PAR_MIN)
  {
    /* scratch: v^T [d, tkp], the gK and gV accumulators [tk, d] (token rows), ROWS padded rows of gS */
    float *vt = malloc(sizeof(float) * ((size_t)d * tkp + (size_t)tk * d * 2 + (size_t)ROWS * tkp));
    float *gka = vt + (long)d * tkp, *gva = gka + (long)tk * d, *gsbuf = gva + (long)tk * d;
#pragma omp for schedule(static)
    for (int task = 0; task < tasks; task++) {
      const int b = task / a.heads, h = task % a.heads;
      const long qoff = (long)b * a.tq * a.ldq + h * d, koff = (long)b * tk * a.ldk + h * d;
      const long voff = (long)b * tk * a.ldv + h * d, ooff = (long)b * a.tq * a.ldo + h * d;
      const float *ph = probs + (long)task * a.tq * tk;
      const float *mh = drop ? drop + (long)task * a.tq * tk : NULL;
      transpose_head(v + voff, a.ldv, tk, tkp, d, vt);
      memset(gka, 0, sizeof(float) * (size_t)tk * d * 2);
      for (int i0 = 0; i0 < a.tq; i0 += ROWS) {
        const int nr = a.tq - i0 < ROWS ? a.tq - i0 : ROWS;
        const float *gor[ROWS];
        block_rows(g_out + ooff, a.ldo, i0, nr, gor);
        /* gP_ij = gO_i . v_j, before the dropout mask */
        memset(gsbuf, 0, sizeof(float) * (size_t)ROWS * tkp);
        key_scores(gor, vt, d, tkp, gsbuf);
        for (int r = 0; r < nr; r++) {
          const int i = i0 + r;
          const float *restrict p = ph + (long)i * tk;
          const float *restrict mi = mh ? mh + (long)i * tk : NULL;
          const float *go = gor[r], *qi = q + qoff + (long)i * a.ldq;
          float *restrict gs = gsbuf + (long)r * tkp;
          /* gV_j += (p_ij m_ij) gO_i */
          for (int j = 0; j < tk; j++) axpy(mi ? p[j] * mi[j] : p[j], go, gva + (long)j * d, d);
          if (mi)
            for (int j = 0; j < tk; j++) gs[j] *= mi[j];
          /* gS = p (gP - <p, gP>) */
          double dot = 0;
          for (int j = 0; j < tk; j++) dot += p[j] * gs[j];
          const float dotf = (float)dot;
          for (int j = 0; j < tk; j++) gs[j] = p[j] * (gs[j] - dotf);
          /* gQ_i = sum_j gS_ij k_j; gK_j += gS_ij q_i */
          weighted_rows(gs, tk, k + koff, a.ldk, d, gq + qoff + (long)i * a.ldq);
          for (int j = 0; j < tk; j++) axpy(gs[j], qi, gka + (long)j * d, d);
        }
      }
      for (int j = 0; j < tk; j++) {
        memcpy(gk + koff + (long)j * a.ldk, gka + (long)j * d, sizeof(float) * (size_t)d);
        memcpy(gv + voff + (long)j * a.ldv, gva + (long)j * d, sizeof(float) * (size_t)d);
      }
    }
    free(vt);
  }
}
