/* test_scale.c: the 50 x 20 budget catalogue (benchmarks/catalogue-50x20.yaml:
 * every distribution kind, savings lines of each kind, profiles, indices, a
 * discount rate and a copula block) through the engine: a run's inputs and
 * outputs do not depend on how runs are grouped (blocks of 2048 and of 7, chunks
 * drawn together, runs evaluated together) and are those of the model evaluated
 * alone at the sampler's inputs; one thread and two give the same bits; with
 * blocks of 7 the integer statistics are the same bits and the moments agree to
 * rounding; every quantile of an average gain lies within 2^-11 mDKK of the
 * sorted samples' (type 1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/engine.h"
#include "bcsim/sampler.h"
#include "check.h"

#define CATALOGUE BCSIM_TEST_DIR "/../benchmarks/catalogue-50x20.yaml"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static bc_summary *run(const bc_model *m, uint64_t n, int threads, uint64_t block)
{
    bc_run_config cfg = {.runs = n, .seed = 3, .threads = threads, .block = block,
                         .save_samples = 1};
    bc_error err;
    bc_summary *s = NULL;
    int rc = bc_engine_run(m, &cfg, &s, &err);
    if (rc)
        fprintf(stderr, "engine: %s\n", err.msg);
    CHECK_INT(rc, BC_OK);
    return s;
}

static int same(const double *a, const double *b, size_t n)
{
    return !memcmp(a, b, n * sizeof *a);
}

/* The bits of every statistic of a series. */
static int same_series(const bc_series *a, const bc_series *b)
{
    const size_t n = a->n;
    return a->n == b->n && same(a->mean, b->mean, n) && same(a->sd, b->sd, n) &&
           same(a->min, b->min, n) && same(a->max, b->max, n) &&
           same(a->q, b->q, n * BC_NQ) && same(a->edges, b->edges, n * (BC_HIST_BINS + 1)) &&
           !memcmp(a->counts, b->counts, n * BC_HIST_BINS * sizeof *a->counts);
}

/* Blocks of 7: the same quantiles, extremes and histograms; means and sds to
 * rounding (their partial sums are added in other groups). */
static void near_series(const bc_series *a, const bc_series *b)
{
    const size_t n = a->n;
    CHECK(same(a->q, b->q, n * BC_NQ) && same(a->min, b->min, n) && same(a->max, b->max, n));
    CHECK(!memcmp(a->counts, b->counts, n * BC_HIST_BINS * sizeof *a->counts));
    for (size_t i = 0; i < n; i++) {
        CHECK_NEAR(a->mean[i], b->mean[i], 1e-12 * (1 + fabs(a->mean[i])));
        CHECK_NEAR(a->sd[i], b->sd[i], 1e-12 * (1 + a->sd[i]));
    }
}

int main(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(CATALOGUE, &m, &err), BC_OK);
    if (!m) {
        fprintf(stderr, "%s\n", err.msg);
        return check_finish();
    }
    const size_t O = bc_model_n_outputs(m);
    CHECK_INT(O, 51);
    CHECK_INT(bc_model_years(m), 20);
    const uint64_t n = 4000;
    bc_summary *a = run(m, n, 2, 0), *b = run(m, n, 1, 0), *c = run(m, n, 2, 7);
    if (a && b && c) {
        const size_t d = a->n_reg_x, p = a->n_reg_x + a->n_reg_y;
        printf("catalogue: %zu outputs, %zu uncertain components, %llu runs\n", O, d,
               (unsigned long long)n);
        /* the runs themselves, however grouped */
        CHECK(same(a->sample_inputs, c->sample_inputs, n * d));
        CHECK(same(a->sample_avg_gain, c->sample_avg_gain, n * O));
        CHECK(same(a->sample_avg_gain, b->sample_avg_gain, n * O));
        /* one thread or two: every statistic the same bits */
        CHECK(same_series(&a->avg_gain, &b->avg_gain));
        CHECK(same_series(&a->npv, &b->npv));
        CHECK(same_series(&a->gain, &b->gain));
        CHECK(same(a->be_prob, b->be_prob, O) && same(a->loss_prob, b->loss_prob, O));
        CHECK(same(a->reg_mean, b->reg_mean, p) && same(a->reg_cov, b->reg_cov, p * p));
        /* blocks of 7 */
        near_series(&a->avg_gain, &c->avg_gain);
        near_series(&a->npv, &c->npv);
        near_series(&a->gain, &c->gain);
        CHECK(same(a->be_prob, c->be_prob, O));
        CHECK(!memcmp(a->be_year_counts, c->be_year_counts,
                      O * (a->years + 1) * sizeof *a->be_year_counts));
        /* a run alone: the sampler's inputs, then the model */
        bc_sampler *smp = NULL;
        CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 3, n, &smp, &err), BC_OK);
        const size_t dim = bc_model_dim(m);
        double *x = malloc(dim * sizeof *x), *u = malloc(d * sizeof *u);
        bc_eval *e = bc_eval_alloc(m, 0);
        const uint64_t runs[5] = {0, 63, 64, 2047, 3999};
        for (int r = 0; smp && e && x && u && r < 5; r++) {
            bc_sampler_inputs(smp, runs[r], x, u);
            bc_model_eval(m, x, e);
            CHECK(same(e->avg_gain, a->sample_avg_gain + runs[r] * O, O));
        }
        bc_eval_free(e);
        bc_sampler_free(smp);
        free(x);
        free(u);
        /* quantiles against the sorted samples, every output */
        double *y = malloc(n * sizeof *y), worst = 0;
        CHECK(a->quantile_resolution > 0);
        for (size_t o = 0; y && o < O; o++) {
            for (uint64_t i = 0; i < n; i++)
                y[i] = a->sample_avg_gain[i * O + o];
            qsort(y, n, sizeof *y, cmp_double);
            CHECK(a->avg_gain.min[o] == y[0] && a->avg_gain.max[o] == y[n - 1]);
            for (int k = 0; k < BC_NQ; k++) {
                const uint64_t rk = (uint64_t)ceil(bc_quantile_probs[k] * (double)n);
                const double dq = fabs(a->avg_gain.q[o * BC_NQ + k] - y[rk - 1]);
                /* the average gains span fewer than 2^18 bins of 2^-10 mDKK:
                 * exact to 2^-11 (the file's resolution is the coarsest
                 * series', an NPV's) */
                CHECK(dq <= 0x1p-11 + 1e-12 && dq <= a->quantile_resolution + 1e-12);
                worst = dq > worst ? dq : worst;
            }
        }
        printf("quantiles of the average gains: at most %.2g mDKK from the sorted samples'\n",
               worst);
        free(y);
    }
    bc_summary_free(a);
    bc_summary_free(b);
    bc_summary_free(c);
    bc_model_free(m);
    return check_finish();
}
