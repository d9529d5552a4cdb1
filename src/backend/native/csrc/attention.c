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
 * Trick: each task first copies its head's k (and v) transposed into [d, Tk] scratch rows, so the inner
 * loops over keys run over contiguous memory and vectorise; d is small (8 in the MOSI encoders).
 */
#include "common.h"

/* Dimensions and row strides of one attention call (the order of the Int32 array the TypeScript side fills). */
typedef struct {
  int batch, heads, tq, tk, d, ldq, ldk, ldv, ldo;
} AttentionDims;

/* dst[c * tk + j] = src[j * ld + c] for c < d: one head's [tk, d] rows transposed to [d, tk]. */
static void transpose_head(const float *src, int ld, int tk, int d, float *restrict dst) {
  for (int j = 0; j < tk; j++)
    for (int c = 0; c < d; c++) dst[(long)c * tk + j] = src[(long)j * ld + c];
}

void mm_attention(const int *dims, const float *q, const float *k, const float *v, const float *key_bias,
                  const float *attn_bias, const float *drop, float *probs, float *out) {
  const AttentionDims a = *(const AttentionDims *)dims;
  const int tasks = a.batch * a.heads, tk = a.tk, d = a.d;
#pragma omp parallel if ((long)tasks * a.tq * tk * d >= MM_PAR_MIN)
  {
    float *kt = malloc(sizeof(float) * (size_t)d * tk * 2 + sizeof(float) * (size_t)tk);
    float *vt = kt + (long)d * tk, *pd = vt + (long)d * tk;
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
      transpose_head(kh, a.ldk, tk, d, kt);
      transpose_head(vh, a.ldv, tk, d, vt);
      for (int i = 0; i < a.tq; i++) {
        float *restrict s = ph + (long)i * tk;
        const float *qi = qh + (long)i * a.ldq;
        for (int j = 0; j < tk; j++) s[j] = kb ? kb[j] : 0.0f;
        if (attn_bias)
          for (int j = 0; j < tk; j++) s[j] += attn_bias[(long)i * tk + j];
        for (int c = 0; c < d; c++) {
          const float qc = qi[c];
          const float *restrict ktc = kt + (long)c * tk;
          for (int j = 0; j < tk; j++) s[j] += qc * ktc[j];
        }
        /* softmax in place; a row of all -inf gives NaN, as in PyTorch */
        float m = -INFINITY;
        for (int j = 0; j < tk; j++) m = s[j] > m ? s[j] : m;
        double sum = 0;
        for (int j = 0; j < tk; j++) s[j] = mm_expf(s[j] - m);
        for (int j = 0; j < tk; j++) sum += s[j];
        const float inv = (float)(1.0 / sum);
        for (int j = 0; j < tk; j++) s[j] *= inv;
        /* out_i = sum_j (p_ij m_ij) v_j, as dot products over the transposed v rows */
        const float *p = s;
        if (mh) {
          for (int j = 0; j < tk; j++) pd[j] = s[j] * mh[(long)i * tk + j];
          p = pd;
        }
        float *oi = oh + (long)i * a.ldo;
        for (int c = 0; c < d; c++) {
          const float *restrict vtc = vt + (long)c * tk;
          float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
          for (int j = 0; j < tk; j++) acc += p[j] * vtc[j];
          oi[c] = acc;
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
  const int tasks = a.batch * a.heads, tk = a.tk, d = a.d;
#pragma omp parallel if ((long)tasks * a.tq * tk * d >= MM_PAR_MIN)
  {
    /* scratch: k^T and v^T [d, tk], gk^T and gv^T accumulators [d, tk], one row of gS [tk] */
    float *kt = malloc(sizeof(float) * ((size_t)d * tk * 4 + (size_t)tk));
    float *vt = kt + (long)d * tk, *gkt = vt + (long)d * tk, *gvt = gkt + (long)d * tk;
    float *gs = gvt + (long)d * tk;
#pragma omp for schedule(static)
    for (int task = 0; task < tasks; task++) {
      const int b = task / a.heads, h = task % a.heads;
      const long qoff = (long)b * a.tq * a.ldq + h * d, koff = (long)b * tk * a.ldk + h * d;
      const long voff = (long)b * tk * a.ldv + h * d, ooff = (long)b * a.tq * a.ldo + h * d;
      const float *ph = probs + (long)task * a.tq * tk;
      const float *mh = drop ? drop + (long)task * a.tq * tk : NULL;
      transpose_head(k + koff, a.ldk, tk, d, kt);
      transpose_head(v + voff, a.ldv, tk, d, vt);
      memset(gkt, 0, sizeof(float) * (size_t)d * tk * 2);
      for (int i = 0; i < a.tq; i++) {
        const float *restrict p = ph + (long)i * tk;
        const float *restrict mi = mh ? mh + (long)i * tk : NULL;
        const float *go = g_out + ooff + (long)i * a.ldo;
        const float *qi = q + qoff + (long)i * a.ldq;
        /* gP_ij = (gO_i . v_j) m_ij, and gV_j += (p_ij m_ij) gO_i, both over the transposed v rows */
        for (int j = 0; j < tk; j++) gs[j] = 0.0f;
        for (int c = 0; c < d; c++) {
          const float goc = go[c];
          const float *restrict vtc = vt + (long)c * tk;
          float *restrict gvc = gvt + (long)c * tk;
          for (int j = 0; j < tk; j++) gs[j] += goc * vtc[j];
          if (mi)
            for (int j = 0; j < tk; j++) gvc[j] += p[j] * mi[j] * goc;
          else
            for (int j = 0; j < tk; j++) gvc[j] += p[j] * goc;
        }
        if (mi)
          for (int j = 0; j < tk; j++) gs[j] *= mi[j];
        /* gS = p (gP - <p, gP>) */
        double dot = 0;
        for (int j = 0; j < tk; j++) dot += p[j] * gs[j];
        const float dotf = (float)dot;
        for (int j = 0; j < tk; j++) gs[j] = p[j] * (gs[j] - dotf);
        /* gQ_i = gS_i k (dot products over k^T rows); gK_j += gS_ij q_i */
        float *gqi = gq + qoff + (long)i * a.ldq;
        for (int c = 0; c < d; c++) {
          const float *restrict ktc = kt + (long)c * tk;
          float *restrict gkc = gkt + (long)c * tk;
          const float qc = qi[c];
          float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
          for (int j = 0; j < tk; j++) {
            acc += gs[j] * ktc[j];
            gkc[j] += gs[j] * qc;
          }
          gqi[c] = acc;
        }
      }
      /* gK and gV back from [d, tk] to the token-row layout */
      for (int j = 0; j < tk; j++) {
        float *gkj = gk + koff + (long)j * a.ldk, *gvj = gv + voff + (long)j * a.ldv;
        for (int c = 0; c < d; c++) {
          gkj[c] = gkt[(long)c * tk + j];
          gvj[c] = gvt[(long)c * tk + j];
        }
      }
    }
    free(kt);
  }
}
