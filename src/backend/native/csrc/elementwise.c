/*
 * Elementwise kernels: unary functions and their derivatives, scalar-parameter ops, broadcast binaries,
 * where. Op codes are the positions of the op names in src/backend/native/op_codes.ts.
 *
 * Unary and binary maths run in float (vectorised; the transcendental ones within a few ulp of the
 * TypeScript kernels' double maths); the scalar-parameter ops and pow run in double, as the TypeScript
 * kernels do, because their parameters (1/3, 1e-12, ...) are doubles.
 */
#include "common.h"

#define MM_EXP mm_expf
#define MM_EXP_NONPOS mm_expf_nonpos
#define MM_LOG1P log1pf
#include "mm_math.h"

enum { U_NEG, U_EXP, U_LOG, U_SQRT, U_ABS, U_RELU, U_SIGMOID, U_TANH, U_GELU, U_GELU_TANH, U_QUICK_GELU,
       U_SOFTPLUS, U_SIGN, U_SQUARE, U_RECIP, U_RSQRT };

/* One loop per op over a contiguous chunk. */
#define MAP(expr) for (int i = 0; i < n; i++) { float v = x[i]; o[i] = (expr); } break

static void unary_chunk(int op, const float *restrict x, float *restrict o, int n) {
  switch (op) {
    case U_NEG: MAP(-v);
    case U_EXP: MAP(mm_expf(v));
    case U_LOG: MAP(logf(v));
    case U_SQRT: MAP(sqrtf(v));
    case U_ABS: MAP(fabsf(v));
    case U_RELU: MAP(v > 0.0f ? v : 0.0f);
    case U_SIGMOID: MAP(mm_sigmoid(v));
    case U_TANH: MAP(tanhf(v));
    case U_GELU: MAP(mm_gelu(v));
    case U_GELU_TANH: MAP(mm_gelu_tanh(v));
    case U_QUICK_GELU: MAP(mm_quick_gelu(v));
    case U_SOFTPLUS: MAP(mm_softplus(v));
    case U_SIGN: MAP(v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v); /* keeps -0, 0 and NaN as Math.sign does */
    case U_SQUARE: MAP(v * v);
    case U_RECIP: MAP(1.0f / v);
    case U_RSQRT: MAP(1.0f / sqrtf(v));
  }
}

void mm_unary(int op, const float *x, float *o, int n) {
#pragma omp parallel if (n >= MM_PAR_MIN)
  {
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    unary_chunk(op, x + lo, o + lo, (int)(hi - lo));
  }
}

/* out = gy * f'(x). */
#define GRAD(expr) for (int i = 0; i < n; i++) { float v = x[i], g = gy[i]; o[i] = (expr); } break

enum { G_EXP, G_LOG, G_SQRT, G_ABS, G_RELU, G_SIGMOID, G_TANH, G_GELU, G_GELU_TANH, G_QUICK_GELU,
       G_SOFTPLUS };

static void unary_grad_chunk(int op, const float *restrict x, const float *restrict gy, float *restrict o,
                             int n) {
  switch (op) {
    case G_EXP: GRAD(g * mm_expf(v));
    case G_LOG: GRAD(g / v);
    case G_SQRT: GRAD(g * 0.5f / sqrtf(v));
    case G_ABS: GRAD(g * (v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v));
    case G_RELU: GRAD(v > 0.0f ? g : 0.0f);
    case G_SIGMOID: GRAD(g * mm_sigmoid_grad(v));
    case G_TANH: GRAD(g * mm_tanh_grad(v));
    case G_GELU: GRAD(g * mm_gelu_grad(v));
    case G_GELU_TANH: GRAD(g * mm_gelu_tanh_grad(v));
    case G_QUICK_GELU: GRAD(g * mm_quick_gelu_grad(v));
    case G_SOFTPLUS: GRAD(g * mm_sigmoid(v));
  }
}

void mm_unary_grad(int op, const float *x, const float *gy, float *o, int n) {
#pragma omp parallel if (n >= MM_PAR_MIN)
  {
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    unary_grad_chunk(op, x + lo, gy + lo, o + lo, (int)(hi - lo));
  }
}

enum { S_ADD, S_MUL, S_AFFINE, S_POW, S_RSUB, S_CLAMP, S_CLAMP_GRAD, S_LEAKY_RELU, S_LEAKY_RELU_GRAD, S_GT,
       S_LT };

#define MAPD(expr) for (int i = 0; i < n; i++) { double v = x[i]; o[i] = (float)(expr); } break

static void scalar_chunk(int op, const float *restrict x, float *restrict o, int n, double a, double b) {
  switch (op) {
    case S_ADD: MAPD(v + a);
    case S_MUL: MAPD(v * a);
    case S_AFFINE: MAPD(v * a + b);
    case S_POW:
      if (a == 2.0) { MAPD(v * v); }
      MAPD(pow(v, a));
    case S_RSUB: MAPD(a - v);
    case S_CLAMP: MAPD(v < a ? a : v > b ? b : v);
    case S_CLAMP_GRAD: MAPD(v >= a && v <= b ? 1.0 : 0.0);
    case S_LEAKY_RELU: MAPD(v > 0 ? v : a * v);
    case S_LEAKY_RELU_GRAD: MAPD(v > 0 ? 1.0 : a);
    case S_GT: MAPD(v > a ? 1.0 : 0.0);
    case S_LT: MAPD(v < a ? 1.0 : 0.0);
  }
}

void mm_scalar(int op, const float *x, float *o, int n, double a, double b) {
#pragma omp parallel if (n >= MM_PAR_MIN)
  {
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    scalar_chunk(op, x + lo, o + lo, (int)(hi - lo), a, b);
  }
}

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_GT, B_LT, B_EQ };

/*
 * One row of a broadcast binary op: a walks by stride sa, b by sb (each 0 or 1 in the common cases, which
 * get their own loops so the compiler vectorises them; any other stride takes the general loop).
 */
#define ROW(expr)                                                                      \
  if (sa == 1 && sb == 1) {                                                            \
    for (int i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = (expr); }           \
  } else if (sa == 1 && sb == 0) {                                                     \
    const float y = b[0];                                                              \
    for (int i = 0; i < n; i++) { float x = a[i]; o[i] = (expr); }                     \
  } else if (sa == 0 && sb == 1) {                                                     \
    const float x = a[0];                                                              \
    for (int i = 0; i < n; i++) { float y = b[i]; o[i] = (expr); }                     \
  } else {                                                                             \
    for (int i = 0; i < n; i++) { float x = a[(long)i * sa], y = b[(long)i * sb]; o[i] = (expr); } \
  }                                                                                    \
  break

static void binary_row(int op, const float *restrict a, int sa, const float *restrict b, int sb,
                       float *restrict o, int n) {
  switch (op) {
    case B_ADD: ROW(x + y);
    case B_SUB: ROW(x - y);
    case B_MUL: ROW(x * y);
    case B_DIV: ROW(x / y);
    case B_POW: ROW((float)pow((double)x, (double)y));
    case B_MAX: ROW(x > y ? x : y);
    case B_MIN: ROW(x < y ? x : y);
    case B_GT: ROW(x > y ? 1.0f : 0.0f);
    case B_LT: ROW(x < y ? 1.0f : 0.0f);
    case B_EQ: ROW(x == y ? 1.0f : 0.0f);
  }
}

/*
 * out[i] = a[.] op b[.] over `shape` (rank nd), a and b walked by element strides (0 broadcasts). The
 * output is contiguous. Dimensions are coalesced first; then the rows (all but the last dimension) are
 * split between threads, or, for one long row, the row itself.
 */
void mm_binary(int op, const float *a, const int *a_strides, const float *b, const int *b_strides, float *o,
               const int *shape_in, int nd) {
  int shape[MM_MAX_RANK], sa[MM_MAX_RANK], sb[MM_MAX_RANK];
  long total;
  nd = mm_strided_dims(nd, shape_in, a_strides, b_strides, shape, sa, sb, &total);
  if (nd == 0) return;
  const int n = shape[nd - 1], isa = sa[nd - 1], isb = sb[nd - 1];
  const long rows = total / n;
  if (rows == 1) {
#pragma omp parallel if (n >= MM_PAR_MIN)
    {
      long lo, hi;
      mm_chunk(n, &lo, &hi);
      binary_row(op, a + lo * isa, isa, b + lo * isb, isb, o + lo, (int)(hi - lo));
    }
    return;
  }
#pragma omp parallel for schedule(static) if (total >= MM_PAR_MIN)
  for (long r = 0; r < rows; r++) {
    long oa, ob;
    mm_row_offsets(r, nd, shape, sa, sb, &oa, &ob);
    binary_row(op, a + oa, isa, b + ob, isb, o + r * n, n);
  }
}

void mm_where(const float *restrict c, const float *restrict a, const float *restrict b, float *restrict o,
              int n) {
#pragma omp parallel if (n >= MM_PAR_MIN)
  {
    long lo, hi;
    mm_chunk(n, &lo, &hi);
    for (long i = lo; i < hi; i++) o[i] = c[i] != 0.0f ? a[i] : b[i];
  }
}
