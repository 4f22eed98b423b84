/* sensitivity.c: Sobol' indices (Saltelli 2010 first order, centred on the
 * mean; Jansen total) from a streamed A/B/AB design in independent
 * replicates, whose spread gives Student t intervals; the tornado; and
 * standardised regression coefficients (see include/bcsim/sensitivity.h). */
#include "bcsim/sensitivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <omp.h>

#include "bcsim/engine.h"
#include "bcsim/sampler.h"
#include "bcsim/sobolseq.h"
#include "alloc_int.h"
#include "model_int.h"

/* Philox streams of the project: 0-2 the run sampler, 3 the Sobol' shift. */
enum { STREAM_SOBOL_MC = 4 };

#define WAVE_BLOCKS 16

/* Sums kept per output quantity y and replicate: [0] fA, [1] fB, [2] fA^2,
 * [3] fB^2, then per group j: [4 + 3j] fB (fABj - fA), [5 + 3j] (fA - fABj)^2,
 * [6 + 3j] fABj - fA (which centres the first-order sum on the mean). */
#define T_FIXED 4
#define T_GROUP 3

static inline philox4x64_ctr_t philox(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
    philox4x64_ctr_t ctr = {{a, b, 0, 0}};
    philox4x64_key_t key = {{seed, stream}};
    return philox4x64(ctr, key);
}

static inline double to_unit(uint64_t r)
{
    return ((double)(r >> 12) + 0.5) * 0x1p-52;
}

typedef struct design {
    const bc_model *m;
    bc_sampler *smp;           /* transforms uniforms to inputs */
    bc_sobolseq **seq;         /* [R] one digital shift a replicate; NULL for Monte Carlo */
    uint64_t seed;
    size_t d, k, O, ny, T, dim;
    size_t *g0, *g1;           /* [k] component range of each group */
    unsigned char *in_copula;  /* [k] the group has a correlated component */
    double *shift;             /* [ny] subtracted from outputs (the base case) */
    size_t R;                  /* replicates (1 when no interval is asked for) */
    uint64_t *first;           /* [R + 1] replicate r: base samples [first[r], first[r + 1]) */
    uint64_t *blk;             /* [R + 1] replicate r: blocks [blk[r], blk[r + 1]) */
    uint64_t B;                /* base samples per block */
} design;

typedef struct ws {
    double *u, *ua, *x, *xa, *xb, *fa, *fb, *fab, *t;
    double *xs, *v;            /* a base sample's k + 2 runs: inputs and outputs, column
                                  by column (bc_batch_out) */
    int *be;                   /* their break-even years */
} ws;

static void ws_free(ws *w)
{
    bc_free(w->u);
    bc_free(w->ua);
    bc_free(w->x);
    bc_free(w->xa);
    bc_free(w->xb);
    bc_free(w->fa);
    bc_free(w->fb);
    bc_free(w->fab);
    bc_free(w->t);
    bc_free(w->xs);
    bc_free(w->v);
    bc_free(w->be);
}

static int ws_init(ws *w, const design *g)
{
    memset(w, 0, sizeof *w);
    w->u = bc_malloc(2 * g->d * sizeof *w->u);
    w->ua = bc_malloc(g->d * sizeof *w->ua);
    w->x = bc_malloc(g->dim * sizeof *w->x);
    w->xa = bc_malloc(g->dim * sizeof *w->xa);
    w->xb = bc_malloc(g->dim * sizeof *w->xb);
    w->fa = bc_malloc(g->ny * sizeof *w->fa);
    w->fb = bc_malloc(g->ny * sizeof *w->fb);
    w->fab = bc_malloc(g->k * g->ny * sizeof *w->fab);
    w->t = bc_malloc(g->ny * g->T * sizeof *w->t);
    const size_t nb = g->k + 2;
    w->xs = bc_malloc((g->dim ? g->dim : 1) * nb * sizeof *w->xs);
    w->v = bc_malloc(g->O * (2 + bc_model_years(g->m)) * nb * sizeof *w->v);
    w->be = bc_malloc(g->O * nb * sizeof *w->be);
    return w->u && w->ua && w->x && w->xa && w->xb && w->fa && w->fb && w->fab && w->t &&
                   w->xs && w->v && w->be
               ? 0
               : -1;
}

/* The ny shifted output quantities of run q of outputs laid out as in
 * bc_batch_out (average gains at v[o ld + q], NPVs at v[(O + o) ld + q]). */
static void take_y(const design *g, const double *v, size_t ld, size_t q, double *f)
{
    for (size_t o = 0; o < g->O; o++) {
        const double avg = v[o * ld + q], npv = v[(g->O + o) * ld + q];
        f[o] = avg - g->shift[o];
        f[g->O + o] = npv - g->shift[g->O + o];
        f[2 * g->O + o] = (avg >= 0 ? 1.0 : 0.0) - g->shift[2 * g->O + o];
    }
}

/* Base sample i, point i - first[rep] of replicate rep: fill w->t with its terms. */
static void sample(const design *g, ws *w, size_t rep, uint64_t i)
{
    const size_t d = g->d, ny = g->ny, T = g->T;
    double *u = w->u;
    if (g->seq) {
        bc_sobolseq_point(g->seq[rep], i - g->first[rep], u);
    } else {
        for (size_t c = 0; c < 2 * d; c += 4) {
            philox4x64_ctr_t r = philox(g->seed, STREAM_SOBOL_MC, i, c / 4);
            for (size_t j = 0; j < 4 && c + j < 2 * d; j++)
                u[c + j] = to_unit(r.v[j]);
        }
    }
    const int copula = bc_sampler_has_copula(g->smp);
    memcpy(w->ua, u, d * sizeof *u);
    bc_sampler_transform(g->smp, w->ua, w->xa); /* A; ua is overwritten */
    memcpy(w->ua, u + d, d * sizeof *u);
    bc_sampler_transform(g->smp, w->ua, w->xb); /* B */
    /* the k + 2 runs A, B, AB_1 .. AB_k, evaluated together */
    const size_t nb = g->k + 2, dim = g->dim;
    double *xs = w->xs;
    for (size_t c = 0; c < dim; c++) {
        xs[c * nb] = w->xa[c];
        xs[c * nb + 1] = w->xb[c];
    }
    for (size_t j = 0; j < g->k; j++) {
        /* AB_j: A with group j's components from B. A group outside the
         * copula moves its own components only; a correlated input (a group
         * of one component) moves every correlated component, recomputed
         * from A's uniforms with its own from B (the others are A's). */
        if (!copula || !g->in_copula[j]) {
            for (size_t c = 0; c < dim; c++)
                xs[c * nb + 2 + j] = w->xa[c];
            for (size_t c = g->g0[j]; c < g->g1[j]; c++) {
                size_t off = bc_sampler_offset_of(g->smp, c);
                xs[off * nb + 2 + j] = w->xb[off];
            }
        } else {
            memcpy(w->ua, u, d * sizeof *u);
            for (size_t c = g->g0[j]; c < g->g1[j]; c++)
                w->ua[c] = u[d + c];
            memcpy(w->x, w->xa, dim * sizeof *w->x);
            bc_sampler_transform_copula(g->smp, w->ua, w->x);
            for (size_t c = 0; c < dim; c++)
                xs[c * nb + 2 + j] = w->x[c];
        }
    }
    const bc_batch_out out = {.v = w->v, .ldv = nb, .be = w->be, .ldb = nb};
    bc_model_eval_batch(g->m, xs, nb, nb, &out);
    take_y(g, w->v, nb, 0, w->fa);
    take_y(g, w->v, nb, 1, w->fb);
    for (size_t j = 0; j < g->k; j++)
        take_y(g, w->v, nb, 2 + j, w->fab + j * ny);
    for (size_t y = 0; y < ny; y++) {
        double a = w->fa[y], b = w->fb[y], *t = w->t + y * T;
        t[0] = a;
        t[1] = b;
        t[2] = a * a;
        t[3] = b * b;
        for (size_t j = 0; j < g->k; j++) {
            double ab = w->fab[j * ny + y], *tj = t + T_FIXED + T_GROUP * j;
            tj[0] = b * (ab - a);
            tj[1] = (a - ab) * (a - ab);
            tj[2] = ab - a;
        }
    }
}

/* Block b: its replicate *r and base samples [*i0, *i1). */
static void block_range(const design *g, uint64_t b, size_t *r, uint64_t *i0, uint64_t *i1)
{
    size_t lo = 0, hi = g->R; /* the r with blk[r] <= b < blk[r + 1] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->blk[mid] <= b)
            lo = mid;
        else
            hi = mid;
    }
    *r = lo;
    *i0 = g->first[lo] + (b - g->blk[lo]) * g->B;
    *i1 = *i0 + g->B < g->first[lo + 1] ? *i0 + g->B : g->first[lo + 1];
}

/* A block's sums, acc[1 + ny T]: its base samples, then the ny T sums. */
static void block_run(const design *g, ws *w, double *acc, size_t r, uint64_t i0, uint64_t i1)
{
    const size_t L = 1 + g->ny * g->T;
    memset(acc, 0, L * sizeof *acc);
    for (uint64_t i = i0; i < i1; i++) {
        sample(g, w, r, i);
        acc[0] += 1;
        for (size_t q = 0; q + 1 < L; q++)
            acc[1 + q] += w->t[q];
    }
}

/* Indices from one replicate's sums (or their total). V = Var over A and B
 * together; the first-order sum is centred on the mean m of A and B:
 * sum (fB - m)(fABj - fA) = sum fB (fABj - fA) - m sum (fABj - fA). */
static void estimate(const design *g, const double *a, double *first, double *total,
                     double *mean, double *var, int bessel)
{
    const double W = a[0];
    const double *s = a + 1;
    for (size_t y = 0; y < g->ny; y++) {
        const double *t = s + y * g->T;
        double m = (t[0] + t[1]) / (2 * W);
        double v = (t[2] + t[3] - 2 * W * m * m) / (bessel ? 2 * W - 1 : 2 * W);
        if (mean)
            mean[y] = m + g->shift[y];
        if (var)
            var[y] = v > 0 ? v : 0;
        for (size_t j = 0; j < g->k; j++) {
            /* S_j = (1/N) sum (fB - m)(fABj - fA) / V;  ST_j = (1/2N) sum (fA - fABj)^2 / V */
            const double *tj = t + T_FIXED + T_GROUP * j;
            double S = 0, ST = 0;
            if (v > 0) {
                S = (tj[0] - m * tj[2]) / W / v;
                ST = tj[1] / (2 * W) / v;
            }
            first[j * g->ny + y] = S;
            total[j * g->ny + y] = ST;
        }
    }
}

/* The design's layout: replicate r holds base samples [first[r], first[r + 1])
 * with first[r] = floor(r N / R), cut into blocks of at most B, numbered
 * replicate after replicate from blk[r]. Returns the number of blocks; first
 * and blk may be NULL. */
static uint64_t layout(uint64_t N, size_t R, uint64_t B, uint64_t *first, uint64_t *blk)
{
    const uint64_t q = N / R, m = N % R;
    uint64_t nb = 0, prev = 0;
    for (size_t r = 0; r <= R; r++) {
        const uint64_t f = q * r + m * r / R; /* floor(r N / R), without overflow */
        if (r > 0)
            nb += (f - prev + B - 1) / B;
        if (first)
            first[r] = f;
        if (blk)
            blk[r] = nb;
        prev = f;
    }
    return nb;
}

static size_t n_replicates(const bc_sobol_config *cfg)
{
    return cfg->replicates >= 2 ? (size_t)cfg->replicates : 1;
}

uint64_t bc_sobol_n_waves(const bc_sobol_config *cfg)
{
    const uint64_t B = cfg->block ? cfg->block : BC_SOBOL_DEFAULT_BLOCK;
    const uint64_t nblocks = layout(cfg->n, n_replicates(cfg), B, NULL, NULL);
    return (nblocks + WAVE_BLOCKS - 1) / WAVE_BLOCKS;
}

/* The configuration's refusals, before anything is made. */
static int sobol_check(const bc_sobol_config *cfg, bc_error *err)
{
    if (cfg->n < 2)
        return bc_error_set(err, BC_EINVAL, "N must be at least 2 base samples");
    if (cfg->replicates < 0 || cfg->replicates == 1 || cfg->replicates > BC_SOBOL_MAX_REPLICATES)
        return bc_error_set(err, BC_EINVAL, "the replicates must be 0 (no interval) or 2 to %d",
                            BC_SOBOL_MAX_REPLICATES);
    if (cfg->replicates > 0 && !(cfg->level > 0 && cfg->level < 1))
        return bc_error_set(err, BC_EINVAL, "the interval level must lie in (0, 1)");
    if (cfg->replicates > 0 && cfg->n < 2 * (uint64_t)cfg->replicates)
        return bc_error_set(err, BC_EINVAL,
                            "N (%llu) must be at least twice the replicates (%d): each replicate "
                            "needs two base samples",
                            (unsigned long long)cfg->n, cfg->replicates);
    return BC_OK;
}

/* The design's groups, runs of components of the same input (g->k of them,
 * each input's index in res->group_input), and the shift of every result
 * by the base case, so that sums of squares do not cancel. */
static int design_groups(design *g, bc_sobol_result *res, bc_error *err)
{
    /* groups: runs of components of the same input */
    g->g0 = bc_malloc(g->d * sizeof *g->g0);
    g->g1 = bc_malloc(g->d * sizeof *g->g1);
    g->in_copula = bc_calloc(g->d, sizeof *g->in_copula);
    res->group_input = bc_malloc(g->d * sizeof *res->group_input);
    g->shift = bc_malloc(g->ny * sizeof *g->shift);
    if (!g->g0 || !g->g1 || !g->in_copula || !res->group_input || !g->shift) {
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < g->d; c++) {
        size_t in = bc_sampler_input_of(g->smp, c);
        if (g->k == 0 || res->group_input[g->k - 1] != in) {
            res->group_input[g->k] = in;
            g->g0[g->k] = c;
            g->k++;
        }
        g->g1[g->k - 1] = c + 1;
        if (bc_sampler_in_copula(g->smp, c))
            g->in_copula[g->k - 1] = 1;
    }
    g->T = T_FIXED + T_GROUP * g->k;
    /* shift: the base case, so that sums of squares do not cancel */
    {
        double *x0 = bc_malloc((g->dim ? g->dim : 1) * sizeof *x0);
        bc_eval *e0 = bc_eval_alloc(g->m, 0);
        if (!x0 || !e0) {
            bc_free(x0);
            bc_eval_free(e0);
            return bc_error_set(err, BC_ENOMEM, "out of memory");
        }
        for (size_t y = 0; y < g->ny; y++)
            g->shift[y] = 0;
        bc_model_base_inputs(g->m, x0);
        bc_model_eval(g->m, x0, e0);
        take_y(g, e0->avg_gain, 1, 0, g->shift); /* a bc_eval: avg_gain, then npv */
        bc_free(x0);
        bc_eval_free(e0);
    }
    return BC_OK;
}

/* The replicates' base samples and blocks (g->first, g->blk), and for QMC
 * their digital shifts (or, when 2d exceeds the sequence's dimensions, Monte
 * Carlo, said in res). */
static int design_replicates(design *g, const bc_sobol_config *cfg, bc_sobol_result *res,
                             bc_error *err)
{
    g->first = bc_malloc((g->R + 1) * sizeof *g->first);
    g->blk = bc_malloc((g->R + 1) * sizeof *g->blk);
    if (!g->first || !g->blk)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    layout(cfg->n, g->R, g->B, g->first, g->blk);
    res->sampler = cfg->sampler;
    if (cfg->sampler != BC_SOBOL_QMC)
        return BC_OK;
    if (2 * g->d > bc_sobolseq_max_dim()) {
        res->sampler = BC_SOBOL_MC;
        res->qmc_fell_back = 1;
        return BC_OK;
    }
    if (!(g->seq = bc_calloc(g->R, sizeof *g->seq)))
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    for (size_t r = 0; r < g->R; r++) {
        int rc = bc_sobolseq_alloc_replicate(2 * g->d, cfg->seed, r, &g->seq[r], err);
        if (rc)
            return rc;
    }
    return BC_OK;
}

/* Intervals at cfg->level from the spread of the R replicates' estimates
 * (sums[r L], each an independent study of its own base samples): the
 * estimate from all of them plus or minus t_{R-1} sd / sqrt(R), into
 * res->first_ci and total_ci. */
static int sobol_intervals(const design *g, const bc_sobol_config *cfg, const double *sums,
                           size_t L, bc_sobol_result *res, bc_error *err)
{
    const size_t KY = g->k * g->ny, R = g->R;
    double *rep_first = bc_malloc(R * KY * sizeof *rep_first);
    double *rep_total = bc_malloc(R * KY * sizeof *rep_total);
    res->first_ci = bc_malloc(KY * 2 * sizeof(double));
    res->total_ci = bc_malloc(KY * 2 * sizeof(double));
    int rc = BC_OK;
    if (!rep_first || !rep_total || !res->first_ci || !res->total_ci) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < R; r++)
        estimate(g, sums + r * L, rep_first + r * KY, rep_total + r * KY, NULL, NULL, 1);
    const double tq = gsl_cdf_tdist_Pinv((1 + cfg->level) / 2, (double)(R - 1));
    for (size_t q = 0; q < KY; q++) {
        for (int pass = 0; pass < 2; pass++) {
            const double *rep = pass ? rep_total : rep_first;
            const double est = pass ? res->total[q] : res->first[q];
            double *ci = pass ? res->total_ci : res->first_ci;
            double mean = 0, ss = 0;
            for (size_t r = 0; r < R; r++)
                mean += rep[r * KY + q];
            mean /= (double)R;
            for (size_t r = 0; r < R; r++)
                ss += (rep[r * KY + q] - mean) * (rep[r * KY + q] - mean);
            const double half = tq * sqrt(ss / (double)(R - 1) / (double)R);
            ci[2 * q] = est - half;
            ci[2 * q + 1] = est + half;
        }
    }
done:
    bc_free(rep_first);
    bc_free(rep_total);
    return rc;
}

/* Waves [wf, we) of the design's nblocks blocks on nt threads: each block's
 * sums (L) added to its replicate's in `wave` (R L, one a wave when combined
 * elsewhere, else one added to `total` in wave order), blocks in block order. */
static int run_waves(const design *g, const bc_sobol_config *cfg, ws *wss, double *parts,
                     double *total, double *wave, int nt, uint64_t wf, uint64_t we,
                     uint64_t nblocks, size_t L, bc_error *err)
{
    const size_t RL = g->R * L;
    size_t r;
    uint64_t i0, i1;
    for (uint64_t wv = wf; wv < we; wv++) {
        if (cfg->stop && *cfg->stop) {
            return bc_error_set(err, BC_EINTR, "interrupted");
        }
        const uint64_t w0 = wv * WAVE_BLOCKS;
        const uint64_t w1 = w0 + WAVE_BLOCKS < nblocks ? w0 + WAVE_BLOCKS : nblocks;
        const long nwave = (long)(w1 - w0);
        const design *gp = g;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) default(none) \
    shared(wss, parts, gp) firstprivate(w0, nwave, L)
        for (long j = 0; j < nwave; j++) {
            size_t rj;
            uint64_t j0, j1;
            block_range(gp, w0 + (uint64_t)j, &rj, &j0, &j1);
            block_run(gp, &wss[omp_get_thread_num()], parts + (size_t)j * L, rj, j0, j1);
        }
        /* the wave's blocks added to their replicates in block order, then
         * the waves in wave order into the total: a wave is the unit
         * computed elsewhere (MPI) */
        double *wsum = cfg->combine ? wave + (wv - wf) * RL : wave;
        memset(wsum, 0, RL * sizeof *wsum);
        for (long j = 0; j < nwave; j++) {
            block_range(g, w0 + (uint64_t)j, &r, &i0, &i1);
            double *dst = wsum + r * L;
            const double *src = parts + (size_t)j * L;
            for (size_t q = 0; q < L; q++)
                dst[q] += src[q];
        }
        if (!cfg->combine)
            for (size_t q = 0; q < RL; q++)
                total[q] += wsum[q];
        if (cfg->progress) { /* base samples done, of those up to this share's end */
            const uint64_t last = we * WAVE_BLOCKS < nblocks ? we * WAVE_BLOCKS : nblocks;
            uint64_t upto;
            block_range(g, last - 1, &r, &i0, &upto);
            block_range(g, w1 - 1, &r, &i0, &i1);
            cfg->progress(cfg->progress_user, i1, upto);
        }
    }
    return BC_OK;
}

void bc_sobol_result_free(bc_sobol_result *r)
{
    if (!r)
        return;
    bc_free(r->group_input);
    bc_free(r->mean);
    bc_free(r->variance);
    bc_free(r->first);
    bc_free(r->total);
    bc_free(r->first_ci);
    bc_free(r->total_ci);
    bc_free(r);
}

int bc_sobol_run(const bc_model *m, const bc_sobol_config *cfg, bc_sobol_result **out,
                 bc_error *err)
{
    *out = NULL;
    gsl_set_error_handler_off();
    int rc = sobol_check(cfg, err);
    if (rc)
        return rc;

    design g;
    memset(&g, 0, sizeof g);
    g.m = m;
    g.seed = cfg->seed;
    g.R = n_replicates(cfg);
    g.B = cfg->block ? cfg->block : BC_SOBOL_DEFAULT_BLOCK;
    rc = bc_sampler_alloc_threads(m, BC_SAMPLER_MC, cfg->seed, 1, cfg->threads, &g.smp, err);
    if (rc)
        return rc;
    g.d = bc_sampler_dim(g.smp);
    g.dim = bc_model_dim(m);
    g.O = bc_model_n_outputs(m);
    g.ny = 3 * g.O;
    bc_sobol_result *res = bc_calloc(1, sizeof *res);
    ws *wss = NULL;
    double *parts = NULL, *total = NULL, *wave = NULL, *pooled = NULL;
    int nt = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    if (!res) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    if (g.d == 0) {
        rc = bc_error_set(err, BC_EINVAL,
                          "the model has no uncertain inputs: there is nothing to analyse");
        goto done;
    }
    if ((rc = design_groups(&g, res, err)))
        goto done;

    if ((rc = design_replicates(&g, cfg, res, err)))
        goto done;

    const size_t L = 1 + g.ny * g.T, R = g.R;
    const uint64_t N = cfg->n, nblocks = g.blk[R];
    const uint64_t nwaves = (nblocks + WAVE_BLOCKS - 1) / WAVE_BLOCKS;
    /* this process's share of the waves: all, or [wave_first, wave_end) */
    const uint64_t wf = cfg->combine ? cfg->wave_first : 0;
    const uint64_t we = cfg->combine ? (cfg->wave_end < nwaves ? cfg->wave_end : nwaves) : nwaves;
    const uint64_t nmine = we > wf ? we - wf : 0;
    wss = bc_calloc((size_t)nt, sizeof *wss);
    parts = bc_malloc(WAVE_BLOCKS * L * sizeof *parts);
    total = bc_calloc(R * L, sizeof *total);
    /* combined elsewhere: keep every wave's sums; else one wave at a time */
    wave = bc_malloc((cfg->combine ? (nmine ? nmine : 1) : 1) * R * L * sizeof *wave);
    int ok = wss && parts && total && wave;
    for (int t = 0; ok && t < nt; t++)
        ok = ws_init(&wss[t], &g) == 0;
    if (!ok) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory setting up the Sobol' design");
        goto done;
    }
    if ((rc = run_waves(&g, cfg, wss, parts, total, wave, nt, wf, we, nblocks, L, err)))
        goto done;
    if (cfg->combine && (rc = cfg->combine(cfg->combine_user, wave, nmine, R * L, total, err)))
        goto done;

    res->n = N;
    res->evaluations = N * (g.k + 2);
    res->k = g.k;
    res->n_outputs = g.O;
    res->n_y = g.ny;
    res->replicates = cfg->replicates;
    res->level = cfg->level;
    res->mean = bc_malloc(g.ny * sizeof(double));
    res->variance = bc_malloc(g.ny * sizeof(double));
    res->first = bc_malloc(g.k * g.ny * sizeof(double));
    res->total = bc_malloc(g.k * g.ny * sizeof(double));
    if (!res->mean || !res->variance || !res->first || !res->total) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    /* the estimate from every replicate's sums, added in replicate order */
    if (!(pooled = bc_calloc(L, sizeof *pooled))) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < R; r++)
        for (size_t q = 0; q < L; q++)
            pooled[q] += total[r * L + q];
    estimate(&g, pooled, res->first, res->total, res->mean, res->variance, 1);
    if (R >= 2 && (rc = sobol_intervals(&g, cfg, total, L, res, err)))
        goto done;
done:
    if (wss)
        for (int t = 0; t < nt; t++)
            ws_free(&wss[t]);
    bc_free(wss);
    bc_free(parts);
    bc_free(total);
    bc_free(wave);
    bc_free(pooled);
    bc_free(g.first);
    bc_free(g.blk);
    if (g.seq)
        for (size_t r = 0; r < g.R; r++)
            bc_sobolseq_free(g.seq[r]);
    bc_free(g.seq);
    bc_free(g.g0);
    bc_free(g.in_copula);
    bc_free(g.g1);
    bc_free(g.shift);
    bc_sampler_free(g.smp);
    if (rc) {
        bc_sobol_result_free(res);
        return rc;
    }
    *out = res;
    return BC_OK;
}

void bc_tornado_free(bc_tornado *t)
{
    if (!t)
        return;
    bc_free(t->group_input);
    bc_free(t->base);
    bc_free(t->low);
    bc_free(t->high);
    bc_free(t->order);
    bc_free(t);
}

int bc_tornado_compute(const bc_model *m, double plo, double phi, bc_tornado **out,
                       bc_error *err)
{
    *out = NULL;
    if (!(plo > 0 && plo < phi && phi < 1))
        return bc_error_set(err, BC_EINVAL, "tornado quantiles must satisfy 0 < low < high < 1");
    /* every uncertain input's group of components, in input order (the
     * sampler's order), at its exact quantiles: no sampler and no tables */
    const size_t nin = bc_model_n_inputs(m), O = bc_model_n_outputs(m), dim = bc_model_dim(m);
    size_t d = 0;
    for (size_t i = 0; i < nin; i++)
        d += bc_dist_is_random(&bc_model_input(m, i)->dist) ? 1 : 0;
    bc_tornado *t = bc_calloc(1, sizeof *t);
    double *x = bc_malloc((dim ? dim : 1) * sizeof *x);
    bc_eval *e = bc_eval_alloc(m, 0);
    if (!t || !x || !e)
        goto oom;
    t->group_input = bc_malloc((d ? d : 1) * sizeof *t->group_input);
    t->base = bc_malloc(O * sizeof *t->base);
    t->low = bc_malloc((d ? d : 1) * O * sizeof *t->low);
    t->high = bc_malloc((d ? d : 1) * O * sizeof *t->high);
    t->order = bc_malloc((d ? d : 1) * O * sizeof *t->order);
    if (!t->group_input || !t->base || !t->low || !t->high || !t->order)
        goto oom;
    t->n_outputs = O;
    t->plo = plo;
    t->phi = phi;
    bc_model_base_inputs(m, x);
    bc_model_eval(m, x, e);
    memcpy(t->base, e->avg_gain, O * sizeof *t->base);
    for (size_t in = 0; in < nin; in++) {
        const bc_input *input = bc_model_input(m, in);
        if (!bc_dist_is_random(&input->dist))
            continue;
        for (int side = 0; side < 2; side++) {
            bc_model_base_inputs(m, x);
            const double v = bc_dist_quantile(&input->dist, side ? phi : plo);
            for (size_t j = 0; j < input->dim; j++)
                x[input->offset + j] = v;
            bc_model_eval(m, x, e);
            memcpy((side ? t->high : t->low) + t->k * O, e->avg_gain, O * sizeof(double));
        }
        t->group_input[t->k++] = in;
    }
    /* order by decreasing swing (insertion sort: stable, k is small) */
    for (size_t o = 0; o < O; o++) {
        size_t *ord = t->order + o * t->k;
        for (size_t i = 0; i < t->k; i++) {
            size_t j = i;
            double sw = fabs(t->high[i * O + o] - t->low[i * O + o]);
            while (j > 0 && fabs(t->high[ord[j - 1] * O + o] - t->low[ord[j - 1] * O + o]) < sw) {
                ord[j] = ord[j - 1];
                j--;
            }
            ord[j] = i;
        }
    }
    bc_free(x);
    bc_eval_free(e);
    *out = t;
    return BC_OK;
oom:
    bc_free(x);
    bc_eval_free(e);
    bc_tornado_free(t);
    return bc_error_set(err, BC_ENOMEM, "out of memory");
}

/* A large model's regression (NaN in the covariance where a pair was not
 * accumulated): output y on the inputs D it depends on (the pairs (i, y)
 * kept), with the inputs' covariances among D taken as kept, and as 0 where
 * not kept (inputs that are independent by construction). */
static int regression_sparse(const bc_summary *s, double *src, double *r2, bc_error *err)
{
    const size_t nx = s->n_reg_x, ny = s->n_reg_y, p = nx + ny;
    const double *C = s->reg_cov;
    size_t *D = bc_malloc(nx * sizeof *D);
    double *buf = bc_malloc((nx * nx + 2 * nx) * sizeof *buf);
    int rc = BC_OK;
    if (!D || !buf) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t y = 0; y < ny; y++) {
        const double syy = C[(nx + y) * p + nx + y];
        if (!(syy > 0))
            continue;
        size_t k = 0;
        for (size_t i = 0; i < nx; i++)
            if (!isnan(C[i * p + nx + y]))
                D[k++] = i;
        if (k == 0)
            continue;
        gsl_matrix_view av = gsl_matrix_view_array(buf, k, k);
        gsl_vector_view bv = gsl_vector_view_array(buf + k * k, k);
        gsl_vector_view betav = gsl_vector_view_array(buf + k * k + k, k);
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
                const double c = C[D[i] * p + D[j]];
                gsl_matrix_set(&av.matrix, i, j, isnan(c) ? 0.0 : c);
            }
        if (gsl_linalg_cholesky_decomp1(&av.matrix) != GSL_SUCCESS) {
            rc = bc_error_set(err, BC_EINVAL,
                              "the inputs' covariance matrix is singular: no regression");
            goto done;
        }
        for (size_t i = 0; i < k; i++)
            gsl_vector_set(&bv.vector, i, C[D[i] * p + nx + y]);
        gsl_linalg_cholesky_solve(&av.matrix, &bv.vector, &betav.vector);
        double fit = 0;
        for (size_t i = 0; i < k; i++) {
            const double bi = gsl_vector_get(&betav.vector, i);
            src[D[i] * ny + y] = bi * sqrt(C[D[i] * p + D[i]]) / sqrt(syy);
            fit += bi * gsl_vector_get(&bv.vector, i);
        }
        r2[y] = fit / syy;
    }
done:
    bc_free(D);
    bc_free(buf);
    return rc;
}

int bc_regression_compute(const bc_summary *s, double *src, double *r2, bc_error *err)
{
    const size_t nx = s->n_reg_x, ny = s->n_reg_y, p = nx + ny;
    const double *C = s->reg_cov;
    gsl_set_error_handler_off();
    for (size_t q = 0; q < nx * ny; q++)
        src[q] = 0;
    for (size_t y = 0; y < ny; y++)
        r2[y] = 0;
    if (nx == 0)
        return BC_OK;
    for (size_t q = 0; q < (nx + ny) * (nx + ny); q++)
        if (isnan(C[q]))
            return regression_sparse(s, src, r2, err);
    /* the matrix and vectors in one allocation of ours, so that an
     * allocation failure is seen (and injected) like every other */
    double *buf = bc_malloc((nx * nx + 2 * nx) * sizeof *buf);
    if (!buf)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    gsl_matrix_view av = gsl_matrix_view_array(buf, nx, nx);
    gsl_vector_view bv = gsl_vector_view_array(buf + nx * nx, nx);
    gsl_vector_view betav = gsl_vector_view_array(buf + nx * nx + nx, nx);
    gsl_matrix *a = &av.matrix;
    gsl_vector *b = &bv.vector, *beta = &betav.vector;
    int rc = BC_OK;
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < nx; j++)
            gsl_matrix_set(a, i, j, C[i * p + j]);
    if (gsl_linalg_cholesky_decomp1(a) != GSL_SUCCESS) {
        rc = bc_error_set(err, BC_EINVAL,
                          "the inputs' covariance matrix is singular: no regression");
        goto done;
    }
    for (size_t y = 0; y < ny; y++) {
        const double syy = C[(nx + y) * p + nx + y];
        if (!(syy > 0))
            continue;
        for (size_t i = 0; i < nx; i++)
            gsl_vector_set(b, i, C[i * p + nx + y]);
        gsl_linalg_cholesky_solve(a, b, beta); /* Sxx beta = Sxy */
        double fit = 0;
        for (size_t i = 0; i < nx; i++) {
            double bi = gsl_vector_get(beta, i);
            src[i * ny + y] = bi * sqrt(C[i * p + i]) / sqrt(syy);
            fit += bi * gsl_vector_get(b, i);
        }
        r2[y] = fit / syy;
    }
done:
    bc_free(buf);
    return rc;
}
