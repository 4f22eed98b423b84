/* test_scale.c: the 50 x 20 budget catalogue (benchmarks/catalogue-50x20.yaml:
 * every distribution kind, savings lines of each kind, profiles, indices, a
 * discount rate and a copula block) through the engine: a run's inputs and
 * outputs do not depend on how runs are grouped (blocks of 2048 and of 7, chunks
 * drawn together, runs evaluated together) and are those of the model evaluated
 * alone at the sampler's inputs; one thread and two give the same bits; with
 * blocks of 7 the integer statistics are the same bits and the moments agree to
 * rounding; every quantile of an average gain lies within max(0.0005 mDKK,
 * a tenth of its standard error) of the sorted samples' (type 1), in a short
 * run (coarse histograms alone) and in a longer one (windows from a pilot). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/engine.h"
#include "bcsim/sampler.h"
#include "bcsim/sensitivity.h"
#include "stats_int.h"
#include <gsl/gsl_linalg.h>

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

/* The regression of a model of more than BC_REG_DENSE_MAX variables: the
 * covariances of each output with the inputs it depends on (its proposal's and
 * the unemployment trend's; the portfolio: all) are kept, the others are NaN;
 * an output's SRC of an input it does not depend on is 0; a proposal's SRCs are
 * those of the least-squares fit of its average gain on its inputs, recomputed
 * here from the saved samples (within 1e-8), and 0 <= R^2 <= 1. The
 * portfolio's regression takes independent inputs as uncorrelated: its R^2
 * is printed and must lie in [0, 1.05]. */
static void check_regression(const bc_model *m, const bc_sampler *smp, const bc_summary *s)
{
    const size_t nx = s->n_reg_x, ny = s->n_reg_y, p = nx + ny, O = s->n_outputs;
    const uint64_t n = s->runs;
    CHECK(p > BC_REG_DENSE_MAX);
    double *src = malloc(nx * ny * sizeof *src), *r2 = malloc(ny * sizeof *r2);
    double *mean = malloc(p * sizeof *mean), *A = malloc(nx * nx * sizeof *A);
    double *b = malloc(nx * sizeof *b), *beta = malloc(nx * sizeof *beta);
    size_t *D = malloc(nx * sizeof *D);
    bc_error err;
    CHECK_INT(bc_regression_compute(s, src, r2, &err), BC_OK);
    int refit = 0, outside = 0;
    double worst = 0;
    for (size_t o = 0; src && r2 && mean && A && b && beta && D && o < O; o++) {
        const size_t y = o; /* avg_gain of output o */
        char prefix[32];
        snprintf(prefix, sizeof prefix, "p%03zu.", o);
        size_t k = 0;
        for (size_t c = 0; c < nx; c++) {
            const char *name = bc_model_input(m, bc_sampler_input_of(smp, c))->name;
            const int mine = o == O - 1 || !strncmp(name, prefix, strlen(prefix)) ||
                             !strncmp(name, "unemployment.", 13);
            const double cv = s->reg_cov[c * p + nx + y];
            CHECK(mine ? !isnan(cv) : isnan(cv));
            if (mine) {
                D[k++] = c;
            } else {
                CHECK(src[c * ny + y] == 0);
                outside++;
            }
        }
        if (o == O - 1) {
            printf("portfolio: R^2 %.4f\n", r2[y]);
            CHECK(r2[y] >= 0 && r2[y] <= 1.05);
            continue;
        }
        CHECK(r2[y] >= 0 && r2[y] <= 1 + 1e-12);
        /* least squares from the samples: S_DD beta = S_Dy */
        double my = 0, syy = 0;
        for (size_t i = 0; i < k; i++)
            mean[i] = 0;
        for (uint64_t r = 0; r < n; r++) {
            for (size_t i = 0; i < k; i++)
                mean[i] += s->sample_inputs[r * nx + D[i]];
            my += s->sample_avg_gain[r * O + o];
        }
        for (size_t i = 0; i < k; i++)
            mean[i] /= (double)n;
        my /= (double)n;
        memset(A, 0, k * k * sizeof *A);
        memset(b, 0, k * sizeof *b);
        for (uint64_t r = 0; r < n; r++) {
            const double dy = s->sample_avg_gain[r * O + o] - my;
            syy += dy * dy;
            for (size_t i = 0; i < k; i++) {
                const double di = s->sample_inputs[r * nx + D[i]] - mean[i];
                b[i] += di * dy;
                for (size_t j = 0; j < k; j++)
                    A[i * k + j] += di * (s->sample_inputs[r * nx + D[j]] - mean[j]);
            }
        }
        gsl_matrix_view av = gsl_matrix_view_array(A, k, k);
        gsl_vector_view bv = gsl_vector_view_array(b, k), xv = gsl_vector_view_array(beta, k);
        double sd[512];
        for (size_t i = 0; i < k && i < 512; i++)
            sd[i] = sqrt(A[i * k + i]);
        CHECK(k < 512 && gsl_linalg_cholesky_decomp1(&av.matrix) == GSL_SUCCESS);
        gsl_linalg_cholesky_solve(&av.matrix, &bv.vector, &xv.vector);
        for (size_t i = 0; i < k; i++) {
            const double want = beta[i] * sd[i] / sqrt(syy);
            const double d = fabs(src[D[i] * ny + y] - want);
            CHECK(d <= 1e-8);
            worst = d > worst ? d : worst;
            refit++;
        }
    }
    printf("regression: %d SRCs of the proposals equal a least-squares fit from the samples "
           "(within %.1g), %d of inputs an output does not depend on are 0\n",
           refit, worst, outside);
    CHECK(refit > 1000 && outside > 10000);
    free(src);
    free(r2);
    free(mean);
    free(A);
    free(b);
    free(beta);
    free(D);
}

/* Every quantile of an average gain against the sorted samples' (type 1):
 * within the stated resolution, and within max(0.0005 mDKK, a tenth of its
 * Monte Carlo standard error), the error estimated from the samples as half
 * the spread of the order statistics one standard error of the rank, sqrt(n
 * p (1 - p)), either side. */
static void check_quantiles(const bc_summary *a, uint64_t n)
{
    const size_t O = a->n_outputs;
    double *y = malloc(n * sizeof *y), worst = 0, rel = 0;
    CHECK(a->quantile_resolution > 0);
    CHECK_INT(a->quantile_fallbacks, 0);
    for (size_t o = 0; y && o < O; o++) {
        for (uint64_t i = 0; i < n; i++)
            y[i] = a->sample_avg_gain[i * O + o];
        qsort(y, n, sizeof *y, cmp_double);
        CHECK(a->avg_gain.min[o] == y[0] && a->avg_gain.max[o] == y[n - 1]);
        for (int k = 0; k < BC_NQ; k++) {
            const double p = bc_quantile_probs[k];
            const uint64_t rk = (uint64_t)ceil(p * (double)n);
            const uint64_t m = (uint64_t)ceil(sqrt((double)n * p * (1 - p)));
            const double se = (y[rk - 1 + m] - y[rk - 1 - m]) / 2;
            const double dq = fabs(a->avg_gain.q[o * BC_NQ + k] - y[rk - 1]);
            const double tol = fmax(0.0005, se / 10);
            CHECK(dq <= a->quantile_resolution + 1e-12);
            CHECK(dq <= tol);
            worst = dq > worst ? dq : worst;
            rel = dq / tol > rel ? dq / tol : rel;
        }
    }
    printf("quantiles of the average gains, %llu runs: at most %.2g mDKK from the sorted "
           "samples', %.2f of max(0.0005 mDKK, their standard error / 10)\n",
           (unsigned long long)n, worst, rel);
    free(y);
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
        free(x);
        free(u);
        if (smp)
            check_regression(m, smp, a);
        bc_sampler_free(smp);
        check_quantiles(a, n);
    }
    /* a longer run, whose quantiles come from windows a pilot placed: the
     * same bits on one thread and two, and as accurate */
    const uint64_t nl = 40000;
    bc_summary *l1 = run(m, nl, 1, 0), *l2 = run(m, nl, 2, 0);
    if (l1 && l2) {
        CHECK(same_series(&l1->avg_gain, &l2->avg_gain));
        CHECK(same_series(&l1->npv, &l2->npv));
        CHECK(same_series(&l1->gain, &l2->gain));
        check_quantiles(l2, nl);
    }
    bc_summary_free(l1);
    bc_summary_free(l2);
    bc_summary_free(a);
    bc_summary_free(b);
    bc_summary_free(c);
    bc_model_free(m);
    return check_finish();
}
