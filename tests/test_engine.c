/* test_engine.c: the Monte Carlo engine: bit-identical results for any thread
 * count; every distribution through the engine's path against GSL's CDF
 * (Kolmogorov-Smirnov) and its moments; exact Latin hypercube strata; rank
 * correlations; a closed-form break-even probability and quantiles; streamed
 * statistics against direct computation from the saved samples; a run's
 * outputs whatever the grouping of runs. Fixed seeds and stated thresholds:
 * these tests cannot flake. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "bcsim/engine.h"
#include "bcsim/sampler.h"
#include "check.h"
#include "load.h"
#include "stats_int.h"


static bc_summary *run(const bc_model *m, uint64_t n, uint64_t seed, int threads,
                       bc_sampler_kind kind, int save)
{
    bc_run_config cfg = {.runs = n, .seed = seed, .threads = threads, .sampler = kind,
                         .save_samples = save};
    bc_error err;
    bc_summary *s = NULL;
    int rc = bc_engine_run(m, &cfg, &s, &err);
    if (rc)
        fprintf(stderr, "engine: %s\n", err.msg);
    CHECK_INT(rc, BC_OK);
    return s;
}

static int same_series(const bc_series *a, const bc_series *b)
{
    size_t n = a->n;
    int ok = a->n == b->n && !memcmp(a->mean, b->mean, n * sizeof(double)) &&
             !memcmp(a->sd, b->sd, n * sizeof(double)) &&
             !memcmp(a->min, b->min, n * sizeof(double)) &&
             !memcmp(a->max, b->max, n * sizeof(double)) &&
             !memcmp(a->q, b->q, n * BC_NQ * sizeof(double));
    if (a->edges)
        ok = ok && !memcmp(a->edges, b->edges, n * (BC_HIST_BINS + 1) * sizeof(double)) &&
             !memcmp(a->counts, b->counts, n * BC_HIST_BINS * sizeof(uint64_t));
    return ok;
}

/* Every array of two summaries, bit for bit. */
static int same_summary(const bc_summary *a, const bc_summary *b)
{
    size_t O = a->n_outputs, H = a->years, p = a->n_reg_x + a->n_reg_y;
    return a->runs == b->runs && same_series(&a->avg_gain, &b->avg_gain) &&
           same_series(&a->npv, &b->npv) && same_series(&a->gain, &b->gain) &&
           !memcmp(a->be_prob, b->be_prob, O * sizeof(double)) &&
           !memcmp(a->be_se, b->be_se, O * sizeof(double)) &&
           !memcmp(a->be_year_counts, b->be_year_counts, O * (H + 1) * sizeof(uint64_t)) &&
           !memcmp(a->reg_mean, b->reg_mean, p * sizeof(double)) &&
           !memcmp(a->reg_cov, b->reg_cov, p * p * sizeof(double)) &&
           a->quantile_resolution == b->quantile_resolution;
}

static void test_thread_invariance(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    for (int k = 0; k < 2; k++) {
        bc_sampler_kind kind = k ? BC_SAMPLER_LHS : BC_SAMPLER_MC;
        /* 300,001 runs: the last block is partial */
        bc_summary *s1 = run(m, 300001, 2026, 1, kind, 1);
        bc_summary *s2 = run(m, 300001, 2026, 2, kind, 1);
        bc_summary *s7 = run(m, 300001, 2026, 7, kind, 1);
        if (s1 && s2 && s7) {
            CHECK(same_summary(s1, s2));
            CHECK(same_summary(s1, s7));
            size_t d = s1->n_reg_x;
            CHECK(!memcmp(s1->sample_inputs, s7->sample_inputs, 300001 * d * sizeof(double)));
            CHECK(!memcmp(s1->sample_avg_gain, s7->sample_avg_gain,
                          300001 * s1->n_outputs * sizeof(double)));
        }
        bc_summary *other = run(m, 300001, 2027, 2, kind, 0);
        if (s1 && other)
            CHECK(s1->avg_gain.mean[3] != other->avg_gain.mean[3]); /* the seed matters */
        bc_summary_free(s1);
        bc_summary_free(s2);
        bc_summary_free(s7);
        bc_summary_free(other);
    }
    bc_model_free(m);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every kind of distribution as a savings line, sampled through the engine. */
static const char *const all_kinds =
    SAVINGS_ONLY
    "      - {name: uniform, per: year, amount: {dist: uniform, min: -1, max: 3}}\n"
    "      - {name: normal, per: year, amount: {dist: normal, mean: 1, sd: 2}}\n"
    "      - {name: tnormal, per: year, amount: {dist: normal, mean: 1, sd: 2, min: 0, max: 2.5}}\n"
    "      - {name: lognormal, per: year, amount: {dist: lognormal, mean: 2, sd: 1.5}}\n"
    "      - {name: triangular, per: year, amount: {dist: triangular, min: 0, mode: 1, max: 4}}\n"
    "      - {name: pert, per: year, amount: {dist: pert, min: -3, mode: 12, max: 25}}\n"
    "      - {name: beta, per: year, amount: {dist: beta, mean: 0.3, sd: 0.1, min: 0, max: 2}}\n"
    "      - {name: gamma, per: year, amount: {dist: gamma, mean: 3, sd: 2}}\n"
    "      - {name: skew, per: year, amount: {dist: beta, alpha: 0.5, beta: 3}}\n"
    "      - {name: discrete, per: year, amount: {dist: discrete, values: [1, 2, 5],"
    " weights: [1, 2, 1]}}\n";

/* Threads count in 32 bits and fold their counts into the run's 64-bit ones
 * before they could overflow: folding after every few segments (a tiny
 * limit, small blocks) gives the same summary, bit for bit, as folding once
 * at the end. */
static void test_fold(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    bc_summary *s[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        bc_run_config cfg = {
            .runs = 200003, .seed = 5, .threads = 3, .block = 64, .fold_runs = k ? 20000 : 0};
        CHECK_INT(bc_engine_run(m, &cfg, &s[k], &err), BC_OK);
    }
    if (s[0] && s[1])
        CHECK(same_summary(s[0], s[1]));
    bc_summary_free(s[0]);
    bc_summary_free(s[1]);
    bc_model_free(m);
}

static void test_distributions_ks(void)
{
    bc_model *m = load(all_kinds);
    if (!m)
        return;
    const uint64_t n = 1000000;
    bc_summary *s = run(m, n, 11, 2, BC_SAMPLER_MC, 1);
    if (!s) {
        bc_model_free(m);
        return;
    }
    const size_t d = s->n_reg_x;
    CHECK_INT(d, 10);
    double *col = malloc(n * sizeof *col);
    for (size_t k = 0; k < d; k++) {
        const bc_input *in = bc_model_input(m, (size_t)bc_model_find_input(m, "p.investment") +
                                                   7 + k);
        const bc_dist *dist = &in->dist;
        double sum = 0, sum2 = 0;
        for (uint64_t i = 0; i < n; i++) {
            col[i] = s->sample_inputs[i * d + k];
            sum += col[i];
        }
        double mean = sum / (double)n;
        for (uint64_t i = 0; i < n; i++)
            sum2 += (col[i] - mean) * (col[i] - mean);
        double sd = sqrt(sum2 / (double)(n - 1));
        double m0 = bc_dist_mean(dist), s0 = bc_dist_sd(dist);
        /* mean within 4 standard errors; sd within 1 % (its standard error is
         * under 0.2 % for every distribution here) */
        CHECK_NEAR(mean, m0, 4 * s0 / sqrt((double)n));
        CHECK_NEAR(sd, s0, 0.01 * s0);
        if (dist->kind == BC_DIST_DISCRETE) {
            /* frequencies within 4 standard errors of the weights */
            for (size_t v = 0; v < dist->n; v++) {
                uint64_t c = 0;
                for (uint64_t i = 0; i < n; i++)
                    c += col[i] == dist->values[v];
                double p = dist->weights[v];
                CHECK_NEAR((double)c / (double)n, p, 4 * sqrt(p * (1 - p) / (double)n));
            }
            continue;
        }
        /* Kolmogorov-Smirnov: D < 1.95/sqrt(n), the 0.1 % critical value */
        qsort(col, n, sizeof *col, cmp_double);
        double D = 0;
        for (uint64_t i = 0; i < n; i++) {
            double F = bc_dist_cdf(dist, col[i]);
            double a = fabs(F - (double)i / (double)n), b = fabs((double)(i + 1) / (double)n - F);
            if (a > D)
                D = a;
            if (b > D)
                D = b;
        }
        if (D >= 1.95 / sqrt((double)n))
            fprintf(stderr, "KS failed for %s: D = %g\n", in->name, D);
        CHECK(D < 1.95 / sqrt((double)n));
    }
    free(col);
    bc_summary_free(s);
    bc_model_free(m);
}

/* LHS: each of the N strata [j/N, (j+1)/N) holds exactly one run, per dimension. */
static void test_lhs_strata(void)
{
    bc_model *m = load("model: l\n"
                       "horizon: {years: 3}\n"
                       "unemployment: {drift: {dist: uniform, min: 0, max: 0.1}, volatility: 0.1}\n"
                       "proposals:\n"
                       "  - {id: p, investment: 0, participants: 1,"
                       " effect: {dist: uniform, min: 0, max: 1}, duration: 1, unit_cost: 1e6,"
                       " start: {dist: pert, min: 0, mode: 0.2, max: 1}}\n");
    if (!m)
        return;
    const uint64_t N[] = {1, 7, 1000, 65537};
    for (size_t t = 0; t < sizeof N / sizeof N[0]; t++) {
        bc_error err;
        bc_sampler *s = NULL;
        CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_LHS, 99, N[t], &s, &err), BC_OK);
        if (!s)
            continue;
        size_t d = bc_sampler_dim(s);
        CHECK_INT(d, 6); /* drift, 3 shocks, effect, start */
        unsigned char *hit = calloc(N[t] * d, 1);
        double u[8];
        int ok = 1;
        for (uint64_t i = 0; i < N[t]; i++) {
            bc_sampler_uniforms(s, i, u);
            for (size_t k = 0; k < d; k++) {
                uint64_t j = (uint64_t)floor(u[k] * (double)N[t]);
                ok = ok && u[k] > 0 && u[k] < 1 && j < N[t] && !hit[k * N[t] + j];
                if (j < N[t])
                    hit[k * N[t] + j] = 1;
            }
        }
        CHECK(ok);
        free(hit);
        bc_sampler_free(s);
    }
    /* through the engine: effect ~ U(0, 1) is its own uniform */
    bc_summary *s = run(m, 5000, 3, 2, BC_SAMPLER_LHS, 1);
    if (s) {
        unsigned char *hit = calloc(5000, 1);
        int ok = 1;
        for (int i = 0; i < 5000; i++) {
            double x = s->sample_inputs[i * 6 + 4];
            int j = (int)floor(x * 5000);
            ok = ok && j >= 0 && j < 5000 && !hit[j];
            if (j >= 0 && j < 5000)
                hit[j] = 1;
        }
        CHECK(ok);
        free(hit);
    }
    bc_summary_free(s);
    bc_model_free(m);
}

static void ranks(const double *x, size_t n, size_t stride, double *r)
{
    size_t *idx = malloc(n * sizeof *idx);
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = x[i * stride];
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* sort indices by value: pack (value, index) through a second array */
    double *pairs = malloc(2 * n * sizeof *pairs);
    for (size_t i = 0; i < n; i++) {
        pairs[2 * i] = v[i];
        pairs[2 * i + 1] = (double)i;
    }
    qsort(pairs, n, 2 * sizeof(double), cmp_double);
    for (size_t i = 0; i < n; i++)
        r[(size_t)pairs[2 * i + 1]] = (double)i;
    free(pairs);
    free(idx);
    free(v);
}

static double pearson(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / sqrt(saa * sbb);
}

/* Imposed Spearman correlations are met within 0.01 (the estimator's standard
 * error at n = 10^6 is about 0.001). */
static void test_rank_correlations(void)
{
    bc_model *m = load("model: c\n"
                       "proposals:\n"
                       "  - id: p\n"
                       "    investment: 0\n"
                       "    participants: 1\n"
                       "    effect: {dist: pert, min: 0, mode: 0.1, max: 0.5}\n"
                       "    duration: {dist: triangular, min: 0.2, mode: 0.5, max: 2}\n"
                       "    unit_cost: {dist: lognormal, mean: 100000, sd: 30000}\n"
                       "correlations:\n"
                       "  - [p.effect, p.duration, 0.5]\n"
                       "  - [p.effect, p.unit_cost, -0.3]\n"
                       "  - [p.duration, p.unit_cost, 0.2]\n");
    if (!m)
        return;
    const size_t n = 1000000;
    bc_summary *s = run(m, n, 5, 2, BC_SAMPLER_MC, 1);
    if (s) {
        double *r[3];
        for (int k = 0; k < 3; k++) {
            r[k] = malloc(n * sizeof(double));
            ranks(s->sample_inputs + k, n, 3, r[k]);
        }
        CHECK_NEAR(pearson(r[0], r[1], n), 0.5, 0.01);
        CHECK_NEAR(pearson(r[0], r[2], n), -0.3, 0.01);
        CHECK_NEAR(pearson(r[1], r[2], n), 0.2, 0.01);
        for (int k = 0; k < 3; k++)
            free(r[k]);
    }
    bc_summary_free(s);
    bc_model_free(m);
    /* impossible together: refused, naming the inputs */
    const char *bad = "model: c\n"
                      "proposals:\n"
                      "  - {id: p, investment: 0, participants: 1,"
                      " effect: {dist: uniform, min: 0, max: 1},"
                      " duration: {dist: uniform, min: 1, max: 2},"
                      " unit_cost: {dist: uniform, min: 1, max: 2}}\n"
                      "correlations:\n"
                      "  - [p.effect, p.duration, 0.9]\n"
                      "  - [p.effect, p.unit_cost, 0.9]\n"
                      "  - [p.duration, p.unit_cost, -0.9]\n";
    bc_error err;
    bc_model *mb = NULL;
    CHECK_INT(bc_model_load_string(bad, strlen(bad), "t.yaml", &mb, &err), BC_EINVAL);
    CHECK_HAS(err.msg, "t.yaml:5:3: the correlations among p.effect, p.duration, p.unit_cost");
}

/* avg_gain = L with L ~ N(0.2, 1): P(avg_gain >= 0) = Phi(0.2), quantiles
 * 0.2 + Phi^-1(p). Both within 4 standard errors. Also the streamed
 * statistics against direct computation from the samples. */
static void test_closed_form(void)
{
    bc_model *m = load_saving("{dist: normal, mean: 0.2, sd: 1}");
    if (!m)
        return;
    const uint64_t n = 1000000;
    bc_summary *s = run(m, n, 17, 2, BC_SAMPLER_MC, 1);
    if (!s) {
        bc_model_free(m);
        return;
    }
    double p = gsl_cdf_ugaussian_P(0.2), se = sqrt(p * (1 - p) / (double)n);
    CHECK_NEAR(s->be_prob[0], p, 4 * se);
    CHECK_NEAR(s->be_se[0], se, 1e-6);
    CHECK_NEAR(s->avg_gain.mean[0], 0.2, 4 / sqrt((double)n));
    CHECK_NEAR(s->avg_gain.sd[0], 1, 0.005);
    for (int k = 0; k < BC_NQ; k++) {
        double pk = bc_quantile_probs[k], z = gsl_cdf_ugaussian_Pinv(pk);
        double dens = exp(-z * z / 2) / sqrt(2 * M_PI);
        double qse = sqrt(pk * (1 - pk) / (double)n) / dens; /* se of a sample quantile */
        CHECK_NEAR(s->avg_gain.q[k], 0.2 + z, 4 * qse + s->quantile_resolution);
    }
    /* the portfolio is the one proposal */
    CHECK(s->avg_gain.mean[1] == s->avg_gain.mean[0]);

    /* streamed statistics against the samples */
    double *y = malloc(n * sizeof *y), sum = 0;
    uint64_t be = 0;
    for (uint64_t i = 0; i < n; i++) {
        y[i] = s->sample_avg_gain[i * 2];
        sum += y[i];
        be += y[i] >= 0;
    }
    double mean = sum / (double)n, ss = 0;
    for (uint64_t i = 0; i < n; i++)
        ss += (y[i] - mean) * (y[i] - mean);
    CHECK_NEAR(s->avg_gain.mean[0], mean, 1e-12);
    CHECK_NEAR(s->avg_gain.sd[0], sqrt(ss / (double)(n - 1)), 1e-12);
    CHECK_NEAR(s->be_prob[0], (double)be / (double)n, 0);
    uint64_t loss = 0;
    for (uint64_t i = 0; i < n; i++)
        loss += y[i] < -1.0;
    CHECK_NEAR(s->loss_prob[0], (double)loss / (double)n, 0);
    /* P(L < -1) = Phi(-1.2) within 4 standard errors */
    double pl = gsl_cdf_ugaussian_P(-1.2);
    CHECK_NEAR(s->loss_prob[0], pl, 4 * sqrt(pl * (1 - pl) / (double)n));
    qsort(y, n, sizeof *y, cmp_double);
    CHECK(s->avg_gain.min[0] == y[0] && s->avg_gain.max[0] == y[n - 1]);
    CHECK(s->quantile_resolution > 0 && s->quantile_resolution <= 0.0005);
    for (int k = 0; k < BC_NQ; k++) {
        /* type 1: the smallest sample with ECDF >= p */
        uint64_t r = (uint64_t)ceil(bc_quantile_probs[k] * (double)n);
        CHECK_NEAR(s->avg_gain.q[k], y[r - 1], s->quantile_resolution + 1e-12);
    }
    /* histogram counts add up; the break-even years add up */
    uint64_t hsum = 0, ysum = 0;
    for (int b = 0; b < BC_HIST_BINS; b++)
        hsum += s->avg_gain.counts[b];
    for (size_t t = 0; t <= s->years; t++)
        ysum += s->be_year_counts[t];
    CHECK_INT(hsum, n);
    CHECK_INT(ysum, n);
    /* regression covariance: var(L) = var(avg_gain) = cov(L, avg_gain) */
    size_t pv = s->n_reg_x + s->n_reg_y;
    CHECK_INT(s->n_reg_x, 1);
    CHECK_NEAR(s->reg_cov[0 * pv + 1], s->avg_gain.sd[0] * s->avg_gain.sd[0], 1e-9);
    CHECK_NEAR(s->reg_cov[0], s->avg_gain.sd[0] * s->avg_gain.sd[0], 1e-9);
    CHECK_NEAR(s->reg_mean[0], s->avg_gain.mean[0], 1e-12);
    free(y);
    bc_summary_free(s);
    bc_model_free(m);
}

/* An output spread over 2 x 10^7 mDKK (its NPV over 10^8) needs bins 2^19
 * times wider than the finest: the coarse histograms widen their bins in one
 * step, threads that saw different ranges are combined at the common width,
 * the quantiles come from the windows the pilot placed, and they stay within
 * the stated resolution of the exact ones and within a tenth of their own
 * Monte Carlo standard error, whatever the number of threads. */
static void test_wide_spread(void)
{
    bc_model *m = load_saving("{dist: uniform, min: -1e7, max: 1e7}");
    if (!m)
        return;
    const uint64_t n = 300000;
    bc_summary *a = run(m, n, 23, 1, BC_SAMPLER_MC, 1), *b = run(m, n, 23, 3, BC_SAMPLER_MC, 0);
    if (a && b) {
        CHECK(same_series(&a->avg_gain, &b->avg_gain) && same_series(&a->gain, &b->gain));
        double *y = malloc(n * sizeof *y);
        for (uint64_t i = 0; i < n; i++)
            y[i] = a->sample_avg_gain[i * 2];
        qsort(y, n, sizeof *y, cmp_double);
        /* the widest series is the NPV, five times the average (10^8 wide):
         * its windows' bins are below a tenth of the median's standard
         * error, 10^8 sqrt(0.25 / n) */
        CHECK(a->quantile_resolution > 0 &&
              a->quantile_resolution <= 0.1 * 1e8 * sqrt(0.25 / (double)n));
        CHECK_INT(a->quantile_fallbacks, 0);
        for (int k = 0; k < BC_NQ; k++) {
            const double p = bc_quantile_probs[k];
            uint64_t r = (uint64_t)ceil(p * (double)n);
            CHECK_NEAR(a->avg_gain.q[k], y[r - 1], a->quantile_resolution);
            /* the standard error of the p-quantile of a uniform 2 x 10^7 wide */
            CHECK_NEAR(a->avg_gain.q[k], y[r - 1], 0.1 * 2e7 * sqrt(p * (1 - p) / (double)n));
        }
        free(y);
    }
    /* Blocks of 2^18 runs (a whole study's values in one block's histograms):
     * counts do not depend on the block size: the same quantiles, extremes and
     * histograms. */
    bc_run_config cfg = {.runs = n, .seed = 23, .threads = 2, .block = (uint64_t)1 << 18};
    bc_summary *c = NULL;
    bc_error err;
    CHECK_INT(bc_engine_run(m, &cfg, &c, &err), BC_OK);
    if (a && c) {
        const bc_series *x[3] = {&a->avg_gain, &a->npv, &a->gain};
        const bc_series *y[3] = {&c->avg_gain, &c->npv, &c->gain};
        for (int k = 0; k < 3; k++) {
            const size_t q = x[k]->n;
            CHECK(!memcmp(x[k]->q, y[k]->q, q * BC_NQ * sizeof(double)));
            CHECK(!memcmp(x[k]->min, y[k]->min, q * sizeof(double)));
            CHECK(!memcmp(x[k]->max, y[k]->max, q * sizeof(double)));
            CHECK(!memcmp(x[k]->counts, y[k]->counts, q * BC_HIST_BINS * sizeof(uint64_t)));
        }
    }
    bc_summary_free(a);
    bc_summary_free(b);
    bc_summary_free(c);
    bc_model_free(m);
}

/* A packed state whose first histogram was moved (its first bin index) or
 * given one count too many is refused as damaged, not summarised: its bins
 * would be indexed outside the range of the series' extremes, or the counts
 * would not be those of the runs held. The layout: 15 header words, then the
 * fold (runs, S means, S sums of squares, p means, p x p co-moments), then
 * each histogram as (e, k0, n) and n counts. */
static void test_damaged_state(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    bc_run_config cfg = {.runs = 10000, .seed = 1, .threads = 2};
    bc_run_state *st = NULL;
    CHECK_INT(bc_run_state_alloc(m, &cfg, 0, 0, &st, &err), BC_OK);
    CHECK_INT(bc_engine_advance(m, &cfg, st, 1, &err), BC_OK);
    void *buf = NULL;
    size_t len = 0;
    CHECK_INT(bc_run_state_pack(st, &buf, &len, &err), BC_OK);
    bc_run_state_free(st);
    if (!buf) {
        bc_model_free(m);
        return;
    }
    const uint64_t *head = buf;
    const size_t S = head[3], p = head[5], off = 8 * (15 + 1 + 2 * S + p + p * p);
    int64_t meta[3];
    memcpy(meta, (char *)buf + off, sizeof meta);
    CHECK(meta[2] > 0 && off + 24 + 8 * (size_t)meta[2] <= len);
    for (int k = 0; k < 3; k++) {
        unsigned char *b = malloc(len);
        memcpy(b, buf, len);
        if (k == 1) { /* the bins a million places up */
            int64_t k0 = meta[1] + 1000000;
            memcpy(b + off + 8, &k0, sizeof k0);
        } else if (k == 2) { /* one more run in the first bin */
            uint64_t c;
            memcpy(&c, b + off + 24, sizeof c);
            c++;
            memcpy(b + off + 24, &c, sizeof c);
        }
        bc_run_state *u = NULL;
        int rc = bc_run_state_unpack(m, &cfg, b, len, &u, &err);
        CHECK_INT(rc, k == 0 ? BC_OK : BC_EINVAL);
        if (k)
            CHECK_HAS(err.msg, "damaged");
        bc_run_state_free(u);
        free(b);
    }
    free(buf);
    bc_model_free(m);
}

/* The same run in steps, with a pack/unpack (a checkpoint) in between and
 * other thread counts; and in three pieces joined in order (shards): every
 * array bit for bit as in one go. */
static void test_pieces(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    bc_run_config cfg = {.runs = 30001, .seed = 8, .threads = 2, .block = 64};
    CHECK_INT(bc_engine_n_segments(&cfg), 8); /* 4096 runs a segment */
    bc_summary *whole = NULL, *stepped = NULL, *joined = NULL;
    CHECK_INT(bc_engine_run(m, &cfg, &whole, &err), BC_OK);

    /* steps: 3 segments, save, restore, the rest on 3 threads */
    bc_run_state *s = NULL, *r = NULL;
    void *buf = NULL;
    size_t len = 0;
    CHECK_INT(bc_run_state_alloc(m, &cfg, 0, 0, &s, &err), BC_OK);
    CHECK_INT(bc_engine_advance(m, &cfg, s, 3, &err), BC_OK);
    CHECK_INT(bc_run_state_next(s), 3);
    CHECK_INT(bc_engine_finish(s, &stepped, &err), BC_EINVAL);
    CHECK_HAS(err.msg, "incomplete");
    CHECK_INT(bc_run_state_pack(s, &buf, &len, &err), BC_OK);
    bc_run_state_free(s);
    CHECK_INT(bc_run_state_unpack(m, &cfg, buf, len, &r, &err), BC_OK);
    /* damaged bytes are refused */
    bc_run_state *bad = NULL;
    CHECK_INT(bc_run_state_unpack(m, &cfg, buf, len - 8, &bad, &err), BC_EINVAL);
    CHECK_HAS(err.msg, "damaged or truncated");
    bc_run_config other = cfg;
    other.seed = 9;
    CHECK_INT(bc_run_state_unpack(m, &other, buf, len, &bad, &err), BC_EINVAL);
    CHECK(bad == NULL);
    free(buf);
    cfg.threads = 3;
    if (r) {
        CHECK_INT(bc_engine_advance(m, &cfg, r, 8, &err), BC_OK);
        CHECK_INT(bc_engine_finish(r, &stepped, &err), BC_OK);
    }
    bc_run_state_free(r);
    if (whole && stepped)
        CHECK(same_summary(whole, stepped));

    /* pieces [0,2), [2,5), [5,8), each through pack/unpack, joined in order */
    const uint64_t cut[4] = {0, 2, 5, 8};
    bc_run_state *piece[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        bc_run_state *p = NULL;
        cfg.threads = 1 + i;
        CHECK_INT(bc_run_state_alloc(m, &cfg, cut[i], 1, &p, &err), BC_OK);
        if (!p)
            continue;
        CHECK_INT(bc_engine_advance(m, &cfg, p, cut[i + 1], &err), BC_OK);
        CHECK_INT(bc_run_state_pack(p, &buf, &len, &err), BC_OK);
        bc_run_state_free(p);
        CHECK_INT(bc_run_state_unpack(m, &cfg, buf, len, &piece[i], &err), BC_OK);
        free(buf);
    }
    if (piece[0] && piece[1] && piece[2]) {
        CHECK_INT(bc_run_state_append(piece[0], piece[2], &err), BC_EINVAL); /* out of order */
        CHECK_HAS(err.msg, "do not follow");
        CHECK_INT(bc_run_state_append(piece[0], piece[1], &err), BC_OK);
        CHECK_INT(bc_run_state_append(piece[0], piece[2], &err), BC_OK);
        CHECK_INT(bc_engine_finish(piece[0], &joined, &err), BC_OK);
        if (whole && joined)
            CHECK(same_summary(whole, joined));
    }
    for (int i = 0; i < 3; i++)
        bc_run_state_free(piece[i]);
    bc_summary_free(whole);
    bc_summary_free(stepped);
    bc_summary_free(joined);
    bc_model_free(m);
}

static void test_bad_config(void)
{
    bc_model *m = load(all_kinds);
    if (!m)
        return;
    bc_run_config cfg = {.runs = 0, .seed = 1, .threads = 1};
    bc_error err;
    bc_summary *s = NULL;
    CHECK_INT(bc_engine_run(m, &cfg, &s, &err), BC_EINVAL);
    CHECK_HAS(err.msg, "at least 1");
    CHECK(s == NULL);
    volatile sig_atomic_t stop = 1;
    cfg.runs = 100;
    cfg.stop = &stop;
    CHECK_INT(bc_engine_run(m, &cfg, &s, &err), BC_EINTR);
    CHECK(s == NULL);
    bc_model_free(m);
}

/* Runs added to a block: one whose output is not finite is counted (with
 * the first such run's index) and dropped, and the runs after it move up
 * with their inputs and break-even years; the regression's output variables
 * are the average gains and NPVs of the runs kept. */
static void test_nonfinite_runs(void)
{
    const bc_stats_shape sh = {.n_outputs = 1, .years = 1, .n_series = 3, .nx = 2, .p = 4,
                               .block = 16};
    bc_block_ws w;
    bc_thread_acc t;
    CHECK_INT(bc_block_ws_init(&w, &sh), 0);
    CHECK_INT(bc_thread_acc_init(&t, &sh, 1), 0);
    const size_t zs = w.zs;
    /* series avg, npv, gain of 5 runs: runs 1 and 3 have an inf and a NaN */
    const double avg[5] = {0.5, INFINITY, -2.0, 1.0, 0.0};
    const double npv[5] = {2.5, 1.0, -10.0, NAN, 0.25};
    int be[5] = {0, 0, -1, 0, 0};
    double *v = bc_block_ws_series(&w), *z = bc_block_ws_inputs(&w);
    for (size_t k = 0; k < 5; k++) {
        v[k] = avg[k];
        v[zs + k] = npv[k];
        v[2 * zs + k] = avg[k];
        z[k] = 10.0 + (double)k;
        z[zs + k] = 20.0 + (double)k;
    }
    bc_stats_add_runs(&sh, &t, &w, be, 5, 5, 100);
    CHECK(w.used == 3);
    CHECK(t.nonfinite == 2);
    CHECK(t.first_nonfinite == 101);
    const size_t kept[3] = {0, 2, 4};
    for (size_t k = 0; k < 3; k++) {
        CHECK(w.v[k] == avg[kept[k]]);
        CHECK(w.v[zs + k] == npv[kept[k]]);
        CHECK(w.z[k] == 10.0 + (double)kept[k]);
        CHECK(w.z[zs + k] == 20.0 + (double)kept[k]);
        CHECK(w.z[2 * zs + k] == avg[kept[k]]);
        CHECK(w.z[3 * zs + k] == npv[kept[k]]);
    }
    /* break even: runs 0 and 4 (avg >= 0); loss: run 2 (avg < -1); years:
     * run 2 never (column H = 1) */
    CHECK(t.be[0] == 2);
    CHECK(t.loss[0] == 1);
    CHECK(t.be_year[0] == 2 && t.be_year[1] == 1);
    /* a later call with an earlier run index moves the first one back */
    v = bc_block_ws_series(&w);
    v[0] = v[zs] = v[2 * zs] = NAN;
    bc_stats_add_runs(&sh, &t, &w, be, 5, 1, 7);
    CHECK(w.used == 3 && t.nonfinite == 3 && t.first_nonfinite == 7);
    bc_block_ws_free(&w);
    bc_thread_acc_free(&t, &sh);
}

/* A run's inputs and outputs do not depend on how the engine groups runs
 * (blocks, chunks of 64 drawn together, 16 evaluated together): the saved
 * samples are the same bits for blocks of 2048, 100 and 7 runs, and each
 * run's average gains are those of the model evaluated alone at the inputs
 * the sampler gives that run (what `bcsim replay` does). */
static void test_grouping(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    const uint64_t n = 5001, blocks[3] = {0, 100, 7};
    bc_summary *s[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) {
        bc_run_config cfg = {.runs = n, .seed = 11, .threads = 2, .block = blocks[k],
                             .save_samples = 1};
        CHECK_INT(bc_engine_run(m, &cfg, &s[k], &err), BC_OK);
    }
    if (s[0] && s[1] && s[2]) {
        const size_t d = s[0]->n_reg_x, O = s[0]->n_outputs;
        for (int k = 1; k < 3; k++) {
            CHECK(!memcmp(s[0]->sample_inputs, s[k]->sample_inputs, n * d * sizeof(double)));
            CHECK(!memcmp(s[0]->sample_avg_gain, s[k]->sample_avg_gain,
                          n * O * sizeof(double)));
        }
        bc_sampler *smp = NULL;
        CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 11, n, &smp, &err), BC_OK);
        double x[64], u[64];
        bc_eval *e = bc_eval_alloc(m, 0);
        const uint64_t runs[5] = {0, 15, 63, 64, 5000};
        for (int r = 0; smp && e && r < 5; r++) {
            bc_sampler_inputs(smp, runs[r], x, u);
            bc_model_eval(m, x, e);
            CHECK(!memcmp(e->avg_gain, s[0]->sample_avg_gain + runs[r] * O, O * sizeof(double)));
        }
        bc_eval_free(e);
        bc_sampler_free(smp);
    }
    for (int k = 0; k < 3; k++)
        bc_summary_free(s[k]);
    bc_model_free(m);
}

int main(void)
{
    test_thread_invariance();
    test_fold();
    test_distributions_ks();
    test_lhs_strata();
    test_rank_correlations();
    test_closed_form();
    test_wide_spread();
    test_pieces();
    test_damaged_state();
    test_bad_config();
    test_nonfinite_runs();
    test_grouping();
    return check_finish();
}
