/* stats_voi_groups.c: the value of information of groups of inputs (see
 * bc_voi in include/bcsim/stats.h; docs/decision.md).
 *
 * The bins of one component's CDF value (stats_voi.c) do not extend to
 * several inputs at once; a group's EVPPI is estimated by regression
 * instead (Strong, Oakley & Brennan 2014): the first R runs of the study are
 * drawn and evaluated again (the generator is counter-based: run i is the
 * same run), each proposal's average gain is regressed on the group's
 * components (a full quadratic in them for up to GROUP_FULL components,
 * else their values and squares), and the fitted value estimates the gain
 * expected once the group is known: EVPPI = mean(max(fit, 0)) -
 * max(mean(fit), 0) over the R runs. Runs are replayed in parallel, each
 * into its own row; the fit is computed in one order: the same bits for any
 * number of threads, ranks, shards, or after a resume. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "alloc_int.h"
#include "bcsim/dist.h"
#include "bcsim/sampler.h"
#include "model_int.h"
#include "stats_int.h"

#define GROUP_RUNS ((uint64_t)1 << 14) /* the runs replayed, at most */
#define GROUP_FULL 6                   /* the most components with every product */
#define GROUP_PER_TERM 500             /* the fewest runs a group's fit has per term */
#define GROUP_VALUES ((uint64_t)1 << 21) /* the most values replayed (16 MiB) */

/* The groups of a model: each vector input's components (the unemployment
 * shocks), then each proposal's own uncertain inputs (named "<id>."), where
 * there are two or more components, then the groups the model file names
 * (`groups:`) with one uncertain component or more. comp[g][j] the
 * components (sampler order), n[g] how many, name[g] the group's name. */
typedef struct groups {
    size_t count;
    char **name;
    size_t *n, **comp;
    size_t nx, *input, *offset; /* each component's input and offset (model order) */
} groups;

static void groups_free(groups *gr)
{
    for (size_t g = 0; g < gr->count; g++) {
        bc_free(gr->name[g]);
        bc_free(gr->comp[g]);
    }
    bc_free(gr->name);
    bc_free(gr->n);
    bc_free(gr->comp);
    bc_free(gr->input);
    bc_free(gr->offset);
    memset(gr, 0, sizeof *gr);
}

/* Add the group of the components k (of nx) with in[k] set, named `name`
 * (copied); nothing when fewer than `least`. 0, or -1 when out of memory. */
static int group_add(groups *gr, const char *name, const unsigned char *in, size_t nx,
                     size_t least)
{
    size_t n = 0;
    for (size_t k = 0; k < nx; k++)
        n += in[k] != 0;
    if (n < least || n == 0)
        return 0;
    char **nm = bc_realloc(gr->name, (gr->count + 1) * sizeof *nm);
    if (nm)
        gr->name = nm;
    size_t *nn = bc_realloc(gr->n, (gr->count + 1) * sizeof *nn);
    if (nn)
        gr->n = nn;
    size_t **cc = bc_realloc(gr->comp, (gr->count + 1) * sizeof *cc);
    if (cc)
        gr->comp = cc;
    size_t *c = bc_malloc(n * sizeof *c);
    char *s = bc_malloc(strlen(name) + 1);
    if (!nm || !nn || !cc || !c || !s) {
        bc_free(c);
        bc_free(s);
        return -1;
    }
    strcpy(s, name);
    for (size_t k = 0, j = 0; k < nx; k++)
        if (in[k])
            c[j++] = k;
    gr->name[gr->count] = s;
    gr->n[gr->count] = n;
    gr->comp[gr->count++] = c;
    return 0;
}

/* The groups of m, whose uncertain components are those of its uncertain
 * inputs in input order (the sampler's order). */
static int make_groups(const bc_model *m, groups *gr)
{
    memset(gr, 0, sizeof *gr);
    const size_t P = bc_model_n_outputs(m) - 1, ni = bc_model_n_inputs(m);
    size_t nx = 0;
    for (size_t i = 0; i < ni; i++)
        nx += bc_dist_is_random(&bc_model_input(m, i)->dist) ? bc_model_input(m, i)->dim : 0;
    gr->nx = nx;
    gr->input = bc_malloc((nx ? nx : 1) * sizeof *gr->input);
    gr->offset = bc_malloc((nx ? nx : 1) * sizeof *gr->offset);
    unsigned char *in = bc_malloc(nx ? nx : 1);
    char name[256];
    int rc = in && gr->input && gr->offset ? 0 : -1;
    for (size_t i = 0, k = 0; !rc && i < ni; i++) {
        const bc_input *x = bc_model_input(m, i);
        for (size_t j = 0; bc_dist_is_random(&x->dist) && j < x->dim; j++, k++) {
            gr->input[k] = i;
            gr->offset[k] = x->offset + j;
        }
    }
    for (size_t i = 0; !rc && i < ni; i++) {
        const bc_input *x = bc_model_input(m, i);
        if (x->dim < 2)
            continue;
        for (size_t k = 0; k < nx; k++)
            in[k] = gr->input[k] == i;
        rc = group_add(gr, x->name, in, nx, 2);
    }
    for (size_t p = 0; !rc && p < P; p++) {
        const char *id = bc_model_output_id(m, p);
        const size_t len = strlen(id);
        for (size_t k = 0; k < nx; k++) {
            const char *nk = bc_model_input(m, gr->input[k])->name;
            in[k] = strncmp(nk, id, len) == 0 && nk[len] == '.';
        }
        snprintf(name, sizeof name, "%s.*", id);
        rc = group_add(gr, name, in, nx, 2);
    }
    for (size_t g = 0; !rc && g < bc_model_n_groups(m); g++) { /* the file's own */
        const bc_input_group *u = bc_model_group(m, g);
        memset(in, 0, nx ? nx : 1);
        for (size_t j = 0; j < u->n; j++)
            for (size_t k = 0; k < nx; k++)
                in[k] |= gr->input[k] == u->inputs[j];
        rc = group_add(gr, u->name, in, nx, 1);
    }
    bc_free(in);
    if (rc)
        groups_free(gr);
    return rc;
}

/* Runs 0 .. R-1 again, REPLAY_CHUNK at a time as the engine draws and
 * evaluates them (the same bits as run by run): the nx components into
 * x[i * nx + k], the P proposals' average gains into y[i * P + p]. 0, or
 * -1 when out of memory. */
#define REPLAY_CHUNK 64
static int replay(const bc_model *m, const bc_sampler *smp, const groups *gr, size_t P,
                  uint64_t R, double *x, double *y)
{
    const size_t dim = bc_model_dim(m), du = bc_sampler_dim(smp), nx = gr->nx, L = REPLAY_CHUNK;
    const size_t O = bc_model_n_outputs(m), S = O * (2 + bc_model_years(m));
    double *base = bc_malloc((dim ? dim : 1) * sizeof *base);
    if (!base)
        return -1;
    bc_model_base_inputs(m, base);
    int bad = 0;
    const int64_t nchunks = (int64_t)((R + L - 1) / L);
#pragma omp parallel reduction(| : bad)
    {
        double *xc = bc_malloc((dim ? dim : 1) * L * sizeof *xc);
        double *u = bc_malloc((du ? du : 1) * L * sizeof *u), *v = bc_malloc(S * L * sizeof *v);
        int *be = bc_malloc(O * L * sizeof *be);
        bad = !xc || !u || !v || !be;
        for (size_t j = 0; !bad && j < dim; j++) /* fixed inputs stay at their values */
            for (size_t i = 0; i < L; i++)
                xc[j * L + i] = base[j];
#pragma omp for schedule(static)
        for (int64_t c = 0; c < nchunks; c++) {
            if (bad)
                continue;
            const uint64_t c0 = (uint64_t)c * L;
            const size_t n = R - c0 < L ? (size_t)(R - c0) : L;
            bc_sampler_inputs_chunk(smp, c0, n, L, u, xc);
            const bc_batch_out out = {.v = v, .ldv = L, .be = be, .ldb = L};
            bc_model_eval_batch(m, xc, L, n, &out);
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < nx; k++)
                    x[(c0 + i) * nx + k] = xc[gr->offset[k] * L + i];
                for (size_t p = 0; p < P; p++)
                    y[(c0 + i) * P + p] = v[p * L + i];
            }
        }
        bc_free(xc);
        bc_free(u);
        bc_free(v);
        bc_free(be);
    }
    bc_free(base);
    return bad ? -1 : 0;
}

/* The regression terms of a group's n components, standardised: z_j, then
 * z_j z_l (j <= l) for n <= GROUP_FULL, else z_j^2. */
static size_t n_terms(size_t n)
{
    return 1 + n + (n <= GROUP_FULL ? n * (n + 1) / 2 : 0);
}

/* The largest number of terms of the groups gr keeps. */
static size_t most_terms(const groups *gr)
{
    size_t most = 1;
    for (size_t g = 0; g < gr->count; g++)
        most = n_terms(gr->n[g]) > most ? n_terms(gr->n[g]) : most;
    return most;
}

/* Leave out the groups whose fit would have fewer than GROUP_PER_TERM runs
 * of R for each term: the fit's noise would lift max(fit, 0). */
static void keep_fitted(groups *gr, uint64_t R)
{
    size_t kept = 0;
    for (size_t g = 0; g < gr->count; g++) {
        if (R < GROUP_PER_TERM * (uint64_t)n_terms(gr->n[g])) {
            bc_free(gr->name[g]);
            bc_free(gr->comp[g]);
            continue;
        }
        gr->name[kept] = gr->name[g];
        gr->n[kept] = gr->n[g];
        gr->comp[kept++] = gr->comp[g];
    }
    gr->count = kept;
}

static void terms(const double *z, size_t n, double *t)
{
    size_t q = 0;
    t[q++] = 1;
    for (size_t j = 0; j < n; j++)
        t[q++] = z[j];
    for (size_t j = 0; n <= GROUP_FULL && j < n; j++)
        for (size_t l = j; l < n; l++)
            t[q++] = z[j] * z[l];
}

/* The Cholesky factor of A (symmetric positive definite, T x T) into its
 * lower triangle. -1 when A is not positive definite. */
static int cholesky(double *A, size_t T)
{
    for (size_t j = 0; j < T; j++) {
        double d = A[j * T + j];
        for (size_t k = 0; k < j; k++)
            d -= A[j * T + k] * A[j * T + k];
        if (!(d > 0) || !isfinite(d))
            return -1;
        A[j * T + j] = sqrt(d);
        for (size_t i = j + 1; i < T; i++) {
            double s = A[i * T + j];
            for (size_t k = 0; k < j; k++)
                s -= A[i * T + k] * A[j * T + k];
            A[i * T + j] = s / A[j * T + j];
        }
    }
    return 0;
}

/* r = (L L')^-1 r with L the factor cholesky left in A. */
static void cholesky_solve(const double *A, double *r, size_t T)
{
    for (size_t i = 0; i < T; i++) {
        double s = r[i];
        for (size_t k = 0; k < i; k++)
            s -= A[i * T + k] * r[k];
        r[i] = s / A[i * T + i];
    }
    for (size_t i = T; i-- > 0;) {
        double s = r[i];
        for (size_t k = i + 1; k < T; k++)
            s -= A[k * T + i] * r[k];
        r[i] = s / A[i * T + i];
    }
}

/* Scratch of one group's fit: the terms of every run, the normal
 * equations' matrix (factored), the coefficients, the fitted values. */
typedef struct fit_ws {
    double *t;     /* [R * T] */
    double *A, *b; /* [T * T], [T] */
    double *z;     /* [n] */
    double *f;     /* [R] */
} fit_ws;

/* The terms of group g for every run, standardised by the components' means
 * and standard deviations over the R runs, and the factored normal
 * equations' matrix (with a ridge of 1e-12 of its mean diagonal). -1 when
 * it is not positive definite. */
static int group_terms(const groups *gr, size_t g, const double *x, size_t nx, size_t R,
                       fit_ws *w)
{
    const size_t n = gr->n[g], T = n_terms(n);
    for (size_t j = 0; j < n; j++) {
        const size_t k = gr->comp[g][j];
        double mu = 0, v = 0;
        for (size_t i = 0; i < R; i++)
            mu += x[i * nx + k];
        mu /= (double)R;
        for (size_t i = 0; i < R; i++)
            v += (x[i * nx + k] - mu) * (x[i * nx + k] - mu);
        const double sd = v > 0 ? sqrt(v / (double)R) : 1;
        for (size_t i = 0; i < R; i++)
            w->t[i * T + 1 + j] = (x[i * nx + k] - mu) / sd;
    }
    memset(w->A, 0, T * T * sizeof *w->A);
    for (size_t i = 0; i < R; i++) {
        double *t = w->t + i * T;
        for (size_t j = 0; j < n; j++)
            w->z[j] = t[1 + j];
        terms(w->z, n, t);
        for (size_t a = 0; a < T; a++)
            for (size_t c = 0; c <= a; c++)
                w->A[a * T + c] += t[a] * t[c];
    }
    double tr = 0;
    for (size_t a = 0; a < T; a++)
        tr += w->A[a * T + a];
    for (size_t a = 0; a < T; a++)
        w->A[a * T + a] += 1e-12 * tr / (double)T;
    return cholesky(w->A, T);
}

/* E[max(f + s Z, 0)] - max(f, 0), Z standard normal, s > 0. */
static double lift(double f, double s)
{
    const double a = f / s;
    return s * exp(-0.5 * a * a) / sqrt(2 * 3.14159265358979323846) + f * 0.5 * erfc(-a / sqrt(2)) -
           (f > 0 ? f : 0);
}

/* EVPPI of the group whose terms and factored matrix are in w, for the
 * gains y[i * P + p] of proposal p, less the estimated upward bias of
 * max(fit, 0) over a fit with noise (each fitted value's error taken as
 * normal with the mean leverage T / R times the residual variance; never
 * more than the raw value), its standard error (the outer mean's over the R
 * runs) and that bias. */
static void group_value(fit_ws *w, size_t T, const double *y, size_t P, size_t p, size_t R,
                        double *value, double *se, double *bias)
{
    memset(w->b, 0, T * sizeof *w->b);
    for (size_t i = 0; i < R; i++)
        for (size_t a = 0; a < T; a++)
            w->b[a] += w->t[i * T + a] * y[i * P + p];
    cholesky_solve(w->A, w->b, T);
    double mean = 0, res = 0;
    for (size_t i = 0; i < R; i++) {
        double f = 0;
        for (size_t a = 0; a < T; a++)
            f += w->t[i * T + a] * w->b[a];
        w->f[i] = f;
        mean += f;
        res += (y[i * P + p] - f) * (y[i * P + p] - f);
    }
    mean /= (double)R;
    const double c = mean >= 0 ? 1 : 0;
    /* each fitted value's standard error, taken alike for every run */
    const double sf = sqrt(res / (double)(R > T ? R - T : 1) * (double)T / (double)R);
    double s = 0, s2 = 0, b = 0;
    for (size_t i = 0; i < R; i++) {
        const double d = (w->f[i] > 0 ? w->f[i] : 0) - c * w->f[i];
        s += d;
        s2 += d * d;
        b += sf > 0 ? lift(w->f[i], sf) : 0;
    }
    const double var = (s2 - s * s / (double)R) / (double)(R > 1 ? R - 1 : 1);
    const double raw = s / (double)R;
    *bias = b / (double)R < raw ? b / (double)R : raw;
    *value = raw - *bias;
    *se = sqrt((var > 0 ? var : 0) / (double)R);
    if (!isfinite(*value) || !isfinite(*se) || !isfinite(*bias)) /* beyond double's range */
        *value = *se = *bias = 0;
}

/* Every group's EVPPI for every output into v (allocated here). */
static int groups_values(const bc_model *m, const groups *gr, const double *x, const double *y,
                         size_t R, bc_voi *v)
{
    const size_t O = bc_model_n_outputs(m), P = O - 1, G = gr->count, dim = bc_model_dim(m),
                 nx = gr->nx;
    const size_t most = most_terms(gr);
    fit_ws w = {bc_malloc(R * most * sizeof *w.t), bc_malloc(most * most * sizeof *w.A),
                bc_malloc(most * sizeof *w.b), bc_malloc(most * sizeof *w.z),
                bc_malloc(R * sizeof *w.f)};
    unsigned char *uses = bc_malloc(dim ? dim : 1);
    v->gevppi = bc_calloc(G * O, sizeof *v->gevppi);
    v->gevppi_se = bc_calloc(G * O, sizeof *v->gevppi_se);
    v->gevppi_bias = bc_calloc(G * O, sizeof *v->gevppi_bias);
    int rc = w.t && w.A && w.b && w.z && w.f && uses && v->gevppi && v->gevppi_se &&
                     v->gevppi_bias
                 ? 0
                 : -1;
    for (size_t g = 0; !rc && g < G; g++) {
        if (group_terms(gr, g, x, nx, R, &w))
            continue; /* no fit: 0 (the inputs do not vary enough) */

        for (size_t p = 0; p < P; p++) {
            bc_model_output_uses(m, p, uses);
            int dep = 0;
            for (size_t j = 0; j < gr->n[g]; j++)
                dep |= uses[gr->offset[gr->comp[g][j]]] != 0;
            double *val = &v->gevppi[g * O + p], *se = &v->gevppi_se[g * O + p],
                   *bias = &v->gevppi_bias[g * O + p];
            if (dep)
                group_value(&w, n_terms(gr->n[g]), y, P, p, R, val, se, bias);
            v->gevppi_bias[g * O + P] += *bias;
            v->gevppi[g * O + P] += *val; /* the portfolio: each proposal on its own */
            v->gevppi_se[g * O + P] += *se;
        }
    }
    bc_free(w.t);
    bc_free(w.A);
    bc_free(w.b);
    bc_free(w.z);
    bc_free(w.f);
    bc_free(uses);
    return rc;
}

/* The runs a group regression of m replays: at most GROUP_RUNS, and at
 * most GROUP_VALUES values of inputs and gains. */
static uint64_t group_runs(size_t nx, size_t P, uint64_t runs)
{
    uint64_t R = GROUP_VALUES / (nx + P);
    R = R < GROUP_RUNS ? R : GROUP_RUNS;
    return runs < R ? runs : R;
}

double bc_voi_groups_bytes(const bc_model *m, uint64_t runs)
{
    /* a bound without making the groups (the estimate must neither fail nor
     * take time for the largest models): a group kept has at most R / 500
     * terms, and at most max(28, 1 + nx) (a quadratic in up to 6 components,
     * else linear in at most every one) */
    const size_t P = bc_model_n_outputs(m) - 1, ni = bc_model_n_inputs(m);
    size_t nx = 0;
    for (size_t i = 0; i < ni; i++) {
        const bc_input *x = bc_model_input(m, i);
        nx += bc_dist_is_random(&x->dist) ? x->dim : 0;
    }
    if (P == 0 || nx < 2)
        return 0;
    const uint64_t R = group_runs(nx, P, runs);
    const size_t quad = n_terms(GROUP_FULL), lin = 1 + nx;
    size_t T = (size_t)(R / GROUP_PER_TERM), most = quad > lin ? quad : lin;
    T = T < most ? T : most;
    if (T < 1)
        return 0;
    return 8 * (double)R * ((double)(nx + P) + (double)T + 1) + 8 * (double)T * (double)(T + 1);
}

static int voi_groups(const bc_model *m, const bc_sampler *smp, uint64_t runs, bc_summary *s)
{
    bc_voi *v = &s->voi;
    v->n_groups = 0;
    v->group_runs = 0;
    const size_t O = bc_model_n_outputs(m);
    size_t xi;
    double pbar;
    if (O < 2 || !bc_model_investment(m, 0, &xi, &pbar))
        return 0;
    groups gr;
    if (make_groups(m, &gr))
        return -1;
    const size_t nx = gr.nx;
    const uint64_t R = group_runs(nx, O - 1, runs);
    keep_fitted(&gr, R);
    if (gr.count == 0 || R < 2) {
        groups_free(&gr);
        return 0;
    }
    double *x = bc_malloc((size_t)R * (nx ? nx : 1) * sizeof *x);
    double *y = bc_malloc((size_t)R * (O - 1) * sizeof *y);
    int rc = x && y ? 0 : -1;
    if (!rc)
        rc = replay(m, smp, &gr, O - 1, R, x, y);
    if (!rc)
        rc = groups_values(m, &gr, x, y, (size_t)R, v);
    bc_free(x);
    bc_free(y);
    if (rc == 0) {
        v->n_groups = gr.count;
        v->group_runs = R;
        v->group_name = gr.name;
        v->group_size = gr.n;
        gr.name = NULL;
        gr.n = NULL;
        for (size_t g = 0; g < gr.count; g++)
            bc_free(gr.comp[g]);
        gr.count = 0;
    }
    groups_free(&gr);
    return rc;
}

int bc_voi_groups(const bc_model *m, const bc_sampler *smp, int sampler, uint64_t seed,
                  uint64_t runs, bc_summary *s, bc_error *err)
{
    if (!s->voi.bins)
        return BC_OK;
    bc_sampler *own = NULL;
    if (!smp) {
        int rc = bc_sampler_alloc(m, (bc_sampler_kind)sampler, seed, runs, &own, err);
        if (rc)
            return rc;
    }
    int rc = voi_groups(m, smp ? smp : own, runs, s);
    bc_sampler_free(own);
    return rc ? bc_error_set(err, BC_ENOMEM, "out of memory") : BC_OK;
}
