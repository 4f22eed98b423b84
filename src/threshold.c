/* threshold.c: break-even thresholds (bc_thresholds_compute in
 * bcsim/sensitivity.h; docs/decision.md): for each uncertain input of one
 * component, the value at which each output's base case breaks exactly
 * even with every other input at its base value, and that value's
 * percentile in the input's own distribution. */
#include "bcsim/sensitivity.h"

#include <math.h>
#include <string.h>

#include "alloc_int.h"
#include "model_int.h"

/* Grid of the input's quantiles searched for a change of sign, from u = 1e-6
 * to 1 - 1e-6. */
#define GRID 33
#define U_EDGE 1e-6

/* The quantile probability of grid point j. */
static double grid_u(int j)
{
    if (j == 0)
        return U_EDGE;
    if (j == GRID - 1)
        return 1 - U_EDGE;
    return (double)j / (GRID - 1);
}

/* Work space of one model evaluated at n <= GRID points. */
typedef struct tws {
    const bc_model *m;
    size_t dim, O, H;
    double *x;      /* [dim * GRID] inputs, point by point in columns */
    double *v;      /* [O (2 + H) * GRID] outputs */
    double *gg;     /* [O * GRID] the grid's average gains, kept while bisecting */
    int *be;        /* [O * GRID] */
    double *base;   /* [O] the base case's average gains */
} tws;

/* avg[o * GRID + j] after evaluating points 0 .. n-1 of w->x with the
 * proposals in `only` (NULL: all). */
static void eval_points(tws *w, size_t n, const unsigned char *only)
{
    const bc_batch_out out = {.v = w->v, .ldv = GRID, .be = w->be, .ldb = GRID, .only = only};
    bc_model_eval_batch(w->m, w->x, GRID, n, &out);
}

/* Output o's average gain at point j, the portfolio's corrected for the
 * proposals not evaluated (their base-case gains, shift). */
static double gain_at(const tws *w, size_t o, size_t j, double shift)
{
    return w->v[o * GRID + j] + (o + 1 == w->O ? shift : 0);
}

/* Set input offset `off` of point j to v (every other at base). */
static void set_point(tws *w, size_t off, size_t j, double v)
{
    w->x[off * GRID + j] = v;
}

void bc_thresholds_free(bc_thresholds *t)
{
    if (!t)
        return;
    bc_free(t->input);
    bc_free(t->value);
    bc_free(t->percentile);
    bc_free(t->kind);
    bc_free(t);
}

/* The threshold of output o for input `in` (offset off) from the grid's
 * values (vals, gains g), refined by bisection, into t's entry q. */
static void one_threshold(tws *w, const bc_input *in, size_t off, size_t o, const double *vals,
                          const double *g, const unsigned char *only, double shift,
                          bc_thresholds *t, size_t q)
{
    int pos = 0, neg = 0;
    for (int j = 0; j < GRID; j++) {
        pos |= g[j] >= 0;
        neg |= g[j] < 0;
    }
    t->value[q] = t->percentile[q] = 0;
    if (!neg || !pos) {
        t->kind[q] = neg ? BC_THR_NEVER : BC_THR_ALWAYS;
        return;
    }
    /* the change of sign nearest the base value's percentile */
    const double ub = bc_dist_cdf(&in->dist, in->dist.base);
    int best = -1;
    double dist = INFINITY;
    for (int j = 0; j + 1 < GRID; j++)
        if ((g[j] >= 0) != (g[j + 1] >= 0)) {
            const double d = fabs(0.5 * (grid_u(j) + grid_u(j + 1)) - ub);
            if (d < dist) {
                dist = d;
                best = j;
            }
        }
    /* regula falsi with the Illinois step (Dowell & Jarratt 1971) on the
     * bracket [a, b]: superlinear, a handful of evaluations */
    double a = vals[best], b = vals[best + 1], fa = g[best], fb = g[best + 1];
    const int up = fb >= 0; /* breaks even above the threshold */
    int side = 0;
    for (int it = 0; it < 100 && b - a > 1e-13 * (fabs(a) > 1 ? fabs(a) : 1); it++) {
        double c = b - fb * (b - a) / (fb - fa);
        if (!(c > a && c < b))
            c = 0.5 * (a + b);
        if (c <= a || c >= b)
            break;
        set_point(w, off, 0, c);
        eval_points(w, 1, only);
        const double fc = gain_at(w, o, 0, shift);
        if (fc == 0) {
            a = b = c;
            break;
        }
        if ((fc >= 0) == (fb >= 0)) {
            b = c;
            fb = fc;
            if (side == 1)
                fa *= 0.5;
            side = 1;
        } else {
            a = c;
            fa = fc;
            if (side == -1)
                fb *= 0.5;
            side = -1;
        }
    }
    /* the side that breaks even */
    t->value[q] = up ? b : a;
    t->percentile[q] = bc_dist_cdf(&in->dist, t->value[q]);
    t->kind[q] = up ? BC_THR_AT_LEAST : BC_THR_AT_MOST;
}

/* The thresholds of input `in` (row r of t) for every output. The
 * proposals whose outputs depend on it: owners[off] of them, the one
 * owner[off] when it is one (evaluated alone), else all are evaluated. */
static void input_thresholds(tws *w, const bc_input *in, const uint32_t *owners,
                             const uint32_t *owner, unsigned char *only, bc_thresholds *t,
                             size_t r)
{
    const size_t O = w->O, P = O - 1, off = in->offset;
    for (size_t p = 0; p < P; p++)
        only[p] = owners[off] != 1 || owner[off] == p;
    const unsigned char *mask = owners[off] == 1 && P > 1 ? only : NULL;
    double shift = 0; /* the portfolio's share from the proposals not evaluated */
    for (size_t p = 0; mask && p < P; p++)
        if (!only[p])
            shift += w->base[p];
    double vals[GRID];
    for (int j = 0; j < GRID; j++) {
        vals[j] = bc_dist_quantile(&in->dist, grid_u(j));
        set_point(w, off, (size_t)j, vals[j]);
    }
    eval_points(w, GRID, mask);
    for (size_t o = 0; o < O; o++)
        for (int j = 0; j < GRID; j++)
            w->gg[o * GRID + (size_t)j] = gain_at(w, o, (size_t)j, mask ? shift : 0);
    for (size_t o = 0; o < O; o++) {
        const size_t q = r * O + o;
        if (o < P && !only[o]) { /* does not depend on the input */
            t->value[q] = t->percentile[q] = 0;
            t->kind[q] = w->base[o] >= 0 ? BC_THR_ALWAYS : BC_THR_NEVER;
            continue;
        }
        one_threshold(w, in, off, o, vals, w->gg + o * GRID, mask, mask ? shift : 0, t, q);
    }
    for (int j = 0; j < GRID; j++)
        set_point(w, off, (size_t)j, in->dist.base);
}

int bc_thresholds_compute(const bc_model *m, bc_thresholds **out, bc_error *err)
{
    *out = NULL;
    const size_t nin = bc_model_n_inputs(m), O = bc_model_n_outputs(m), dim = bc_model_dim(m);
    size_t k = 0;
    for (size_t i = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        k += bc_dist_is_random(&in->dist) && in->dim == 1;
    }
    tws w = {.m = m, .dim = dim, .O = O, .H = bc_model_years(m)};
    bc_thresholds *t = bc_calloc(1, sizeof *t);
    double *x1 = bc_malloc((dim ? dim : 1) * sizeof *x1);
    unsigned char *uses = bc_malloc(dim ? dim : 1), *only = bc_calloc(O, 1);
    uint32_t *owners = bc_calloc(dim ? dim : 1, sizeof *owners);
    uint32_t *owner = bc_calloc(dim ? dim : 1, sizeof *owner);
    w.x = bc_malloc((dim ? dim : 1) * GRID * sizeof *w.x);
    w.v = bc_malloc(O * (2 + w.H) * GRID * sizeof *w.v);
    w.be = bc_malloc(O * GRID * sizeof *w.be);
    w.base = bc_malloc(O * sizeof *w.base);
    w.gg = bc_malloc(O * GRID * sizeof *w.gg);
    int rc = BC_OK;
    if (!t || !x1 || !uses || !only || !owners || !owner || !w.x || !w.v || !w.be || !w.base ||
        !w.gg)
        goto oom;
    t->input = bc_malloc((k ? k : 1) * sizeof *t->input);
    t->value = bc_malloc((k ? k : 1) * O * sizeof *t->value);
    t->percentile = bc_malloc((k ? k : 1) * O * sizeof *t->percentile);
    t->kind = bc_malloc((k ? k : 1) * O * sizeof *t->kind);
    if (!t->input || !t->value || !t->percentile || !t->kind)
        goto oom;
    t->n_outputs = O;
    bc_model_base_inputs(m, x1);
    for (size_t j = 0; j < dim; j++)
        for (size_t p = 0; p < GRID; p++)
            w.x[j * GRID + p] = x1[j];
    eval_points(&w, 1, NULL);
    for (size_t o = 0; o < O; o++)
        w.base[o] = w.v[o * GRID];
    /* which proposals each input offset's outputs depend on, once */
    for (size_t p = 0; p + 1 < O; p++) {
        bc_model_output_uses(m, p, uses);
        for (size_t j = 0; j < dim; j++)
            if (uses[j]) {
                owners[j]++;
                owner[j] = (uint32_t)p;
            }
    }
    for (size_t i = 0; i < nin && O > 1; i++) {
        const bc_input *in = bc_model_input(m, i);
        if (!bc_dist_is_random(&in->dist) || in->dim != 1)
            continue;
        t->input[t->k] = i;
        input_thresholds(&w, in, owners, owner, only, t, t->k);
        t->k++;
    }
    goto done;
oom:
    bc_thresholds_free(t);
    t = NULL;
    rc = bc_error_set(err, BC_ENOMEM, "out of memory");
done:
    bc_free(x1);
    bc_free(uses);
    bc_free(only);
    bc_free(owners);
    bc_free(owner);
    bc_free(w.x);
    bc_free(w.v);
    bc_free(w.be);
    bc_free(w.base);
    bc_free(w.gg);
    *out = t;
    return rc;
}
