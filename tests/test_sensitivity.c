/* test_sensitivity.c: Sobol' indices against exact values (Ishigami, Sobol'
 * G, a product of uniforms through a business-case model file), replicate
 * interval coverage, thread invariance; the tornado and standardised
 * regression coefficients against hand computation on a linear model; and
 * the error paths. Fixed seeds, stated thresholds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "bcsim/engine.h"
#include "bcsim/sensitivity.h"
#include "bcsim/sobolseq.h"
#include "check.h"
#include "load.h"

static bc_sobol_result *sobol(const bc_model *m, uint64_t n, bc_sobol_sampler smp, int reps,
                              uint64_t seed, int threads)
{
    bc_sobol_config cfg = {.n = n, .seed = seed, .threads = threads, .sampler = smp,
                           .replicates = reps, .level = 0.95};
    bc_error err;
    bc_sobol_result *r = NULL;
    int rc = bc_sobol_run(m, &cfg, &r, &err);
    if (rc)
        fprintf(stderr, "sobol: %s\n", err.msg);
    CHECK_INT(rc, BC_OK);
    return r;
}

static bc_model *builtin(const char *name)
{
    bc_error err;
    bc_model *m = NULL;
    if (bc_model_builtin(name, &m, &err))
        fprintf(stderr, "%s\n", err.msg);
    return m;
}

/* Exact indices. Ishigami (a = 7, b = 0.1, U(-pi, pi)): V1 = 1/2 (1 + b pi^4/5)^2,
 * V2 = a^2/8, V13 = b^2 pi^8 (1/18 - 1/50), V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2.
 * G: V_i = 1/(3 (1 + a_i)^2), V = prod (1 + V_i) - 1, S_i = V_i / V,
 * ST_i = V_i prod_{j != i} (1 + V_j) / V. */
static void exact_ishigami(double *S, double *ST)
{
    const double a = 7, b = 0.1, pi4 = pow(M_PI, 4), pi8 = pow(M_PI, 8);
    double V1 = 0.5 * pow(1 + b * pi4 / 5, 2), V2 = a * a / 8, V13 = b * b * pi8 * (1.0 / 18 - 1.0 / 50);
    double V = V1 + V2 + V13;
    S[0] = V1 / V;
    S[1] = V2 / V;
    S[2] = 0;
    ST[0] = (V1 + V13) / V;
    ST[1] = V2 / V;
    ST[2] = V13 / V;
}

static void exact_g(double *S, double *ST)
{
    const double a[8] = {0, 1, 4.5, 9, 99, 99, 99, 99};
    double Vi[8], P = 1;
    for (int i = 0; i < 8; i++) {
        Vi[i] = 1 / (3 * (1 + a[i]) * (1 + a[i]));
        P *= 1 + Vi[i];
    }
    double V = P - 1;
    for (int i = 0; i < 8; i++) {
        S[i] = Vi[i] / V;
        ST[i] = Vi[i] * (P / (1 + Vi[i])) / V;
    }
}

/* QMC at N = 2^16 (16 replicates of 2^12): every index within 0.01 of the
 * exact value, the interval around the estimate. Coverage: the 95 % intervals
 * of 16 independent studies (N = 2^12, 16 replicates of 256) of both
 * functions, 352 intervals for each sampler, must hold the exact index at
 * least 91.5 % of the time (3 binomial standard errors, 1.16 %, below the
 * nominal 95 %: the test fails only if the intervals really under-cover) and
 * at most 98.5 % (as far above: a QMC interval that holds every time is too
 * wide, as the bootstrap's were, 440 of 440). S <= ST within the intervals
 * at N = 2^16 (at 2^12 the first-order interval of an input with S = ST near 0
 * may lie above the total's, as noise allows). */
static void test_analytic(void)
{
    const char *names[2] = {"ishigami", "sobol-g"};
    int inside[2] = {0, 0}, count[2] = {0, 0};
    for (int t = 0; t < 2; t++) {
        bc_model *m = builtin(names[t]);
        if (!m)
            continue;
        double S[8], ST[8];
        if (t == 0) {
            exact_ishigami(S, ST);
            /* the values the issue states */
            CHECK_NEAR(S[0], 0.3139, 1e-4);
            CHECK_NEAR(S[1], 0.4424, 1e-4);
            CHECK_NEAR(ST[0], 0.5576, 1e-4);
            CHECK_NEAR(ST[2], 0.2437, 1e-4);
        } else {
            exact_g(S, ST);
            CHECK_NEAR(S[0], 0.7162, 1e-4);
            CHECK_NEAR(S[1], 0.1790, 1e-4);
            CHECK_NEAR(ST[0], 0.7871, 1e-4);
            CHECK_NEAR(ST[1], 0.2422, 1e-4);
        }
        bc_sobol_result *r = sobol(m, 1 << 16, BC_SOBOL_QMC, 16, 1, 2);
        if (r) {
            CHECK_INT(r->k, t ? 8 : 3);
            CHECK_INT(r->n_y, 3);
            CHECK_INT(r->evaluations, (1 << 16) * (r->k + 2));
            CHECK_INT(r->replicates, 16);
            CHECK(r->sampler == BC_SOBOL_QMC && !r->qmc_fell_back);
            for (size_t j = 0; j < r->k; j++) {
                CHECK_NEAR(r->first[j * 3], S[j], 0.01);
                CHECK_NEAR(r->total[j * 3], ST[j], 0.01);
                /* S <= ST within the intervals */
                CHECK(r->first_ci[j * 6] <= r->total_ci[j * 6 + 1]);
                CHECK(r->first_ci[j * 6] <= r->first[j * 3] &&
                      r->first[j * 3] <= r->first_ci[j * 6 + 1]);
            }
        }
        bc_sobol_result_free(r);
        for (int q = 0; q < 2; q++) /* coverage: Monte Carlo, then QMC */
            for (uint64_t seed = 1; seed <= 16; seed++) {
                r = sobol(m, 1 << 12, q ? BC_SOBOL_QMC : BC_SOBOL_MC, 16, seed, 2);
                if (!r)
                    continue;
                CHECK(r->sampler == (q ? BC_SOBOL_QMC : BC_SOBOL_MC));
                for (size_t j = 0; j < r->k; j++) {
                    for (int f = 0; f < 2; f++) {
                        const double *ci = f ? r->total_ci : r->first_ci;
                        double exact = f ? ST[j] : S[j];
                        inside[q] += ci[j * 6] <= exact && exact <= ci[j * 6 + 1];
                        count[q]++;
                    }
                }
                bc_sobol_result_free(r);
            }
        bc_model_free(m);
    }
    for (int q = 0; q < 2; q++) {
        printf("%s interval coverage: %d of %d exact indices inside\n", q ? "QMC" : "Monte Carlo",
               inside[q], count[q]);
        CHECK(count[q] == 16 * 2 * (3 + 8));
        CHECK((double)inside[q] >= 0.915 * count[q]);
        CHECK((double)inside[q] <= 0.985 * count[q]);
    }
}

/* Centring the first-order estimator on the mean: on Sobol' G the base case
 * is 0 and the mean 1, and centring on the base case doubled the error of
 * S_1 (RMS over 10 seeds at N = 2^16, Monte Carlo: 0.0082, centred 0.0041).
 * Here at N = 2^14, where the same errors are twice as large (0.0164 and
 * 0.0082): the RMS error of S_1 over seeds 1 to 10 must be below 0.012. */
static void test_centred(void)
{
    bc_model *m = builtin("sobol-g");
    if (!m)
        return;
    double S[8], ST[8], ss = 0;
    exact_g(S, ST);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        bc_sobol_result *r = sobol(m, 1 << 14, BC_SOBOL_MC, 0, seed, 2);
        if (!r)
            continue;
        CHECK(r->first_ci == NULL && r->replicates == 0);
        ss += (r->first[0] - S[0]) * (r->first[0] - S[0]);
        bc_sobol_result_free(r);
    }
    const double rms = sqrt(ss / 10);
    printf("Sobol' G, S_1, N = 2^14, Monte Carlo: RMS error %.4f over 10 seeds\n", rms);
    CHECK(rms < 0.012);
    bc_model_free(m);
}

/* avg_gain = n e d u / 1e6 - I for s = 0, d <= 1: a product of independent
 * uniforms e, d, u (n, I fixed). For Y = prod X_i: V = prod E[X_i^2] -
 * prod E[X_i]^2, V_i = Var(X_i) prod_{j != i} E[X_j]^2, V_Ti = V - Var(E[Y | X_~i])
 * with Var(E[Y|X_~i]) = E[X_i]^2 (prod_{j != i} E[X_j^2] - prod_{j != i} E[X_j]^2). */
static void test_product(void)
{
    bc_model *m = load("model: product\n"
                       "proposals:\n"
                       "  - id: p\n"
                       "    investment: 1\n"
                       "    participants: 100\n"
                       "    effect: {dist: uniform, min: 0.1, max: 0.3}\n"
                       "    duration: {dist: uniform, min: 0.2, max: 1}\n"
                       "    unit_cost: {dist: uniform, min: 100000, max: 200000}\n");
    if (!m)
        return;
    const double lo[3] = {0.1, 0.2, 1e5}, hi[3] = {0.3, 1, 2e5};
    double E[3], E2[3];
    for (int i = 0; i < 3; i++) {
        E[i] = (lo[i] + hi[i]) / 2;
        E2[i] = (lo[i] * lo[i] + lo[i] * hi[i] + hi[i] * hi[i]) / 3;
    }
    double PE2 = E2[0] * E2[1] * E2[2], PE = E[0] * E[0] * E[1] * E[1] * E[2] * E[2];
    double V = PE2 - PE, S[3], ST[3];
    for (int i = 0; i < 3; i++) {
        double Vi = (E2[i] - E[i] * E[i]) * PE / (E[i] * E[i]);
        double VnotI = E[i] * E[i] * (PE2 / E2[i] - PE / (E[i] * E[i]));
        S[i] = Vi / V;
        ST[i] = (V - VnotI) / V;
    }
    bc_sobol_result *r = sobol(m, 1 << 15, BC_SOBOL_QMC, 0, 3, 2);
    if (r) {
        CHECK_INT(r->k, 3); /* effect, duration, unit_cost */
        const size_t ny = r->n_y;
        for (int i = 0; i < 3; i++) {
            CHECK_NEAR(r->first[i * ny], S[i], 0.01);
            CHECK_NEAR(r->total[i * ny], ST[i], 0.01);
            /* the portfolio is the one proposal */
            CHECK(r->total[i * ny + 1] == r->total[i * ny]);
        }
        CHECK(r->first_ci == NULL);
        /* variance of avg_gain = 100^2/1e12 V */
        CHECK_NEAR(r->variance[0], 1e4 / 1e12 * V, 0.01 * 1e4 / 1e12 * V);
    }
    bc_sobol_result_free(r);
    bc_model_free(m);
}

/* Bit-identical for 1, 2 and 3 threads, QMC and MC, with a copula and groups. */
static void test_threads(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    for (int s = 0; s < 2; s++) {
        bc_sobol_result *a = sobol(m, 3000, s ? BC_SOBOL_MC : BC_SOBOL_QMC, 50, 9, 1);
        bc_sobol_result *b = sobol(m, 3000, s ? BC_SOBOL_MC : BC_SOBOL_QMC, 50, 9, 3);
        if (a && b) {
            size_t n = a->k * a->n_y;
            CHECK(!memcmp(a->first, b->first, n * sizeof(double)));
            CHECK(!memcmp(a->total, b->total, n * sizeof(double)));
            CHECK(!memcmp(a->first_ci, b->first_ci, 2 * n * sizeof(double)));
            CHECK(!memcmp(a->total_ci, b->total_ci, 2 * n * sizeof(double)));
            /* shocks count once: one group per uncertain input */
            size_t groups = 0;
            for (size_t i = 0; i < bc_model_n_inputs(m); i++)
                groups += bc_dist_is_random(&bc_model_input(m, i)->dist);
            CHECK_INT(a->k, groups);
        }
        bc_sobol_result_free(a);
        bc_sobol_result_free(b);
    }
    bc_model_free(m);
}

/* A linear model: avg_gain = L1 + L2 + L3 (savings lines per year). */
static const char *const linear = SAVINGS_ONLY
                                  "      - {name: a, per: year, amount: {dist: normal, mean: 1, sd: 2}}\n"
                                  "      - {name: b, per: year, amount: {dist: uniform, min: 0, max: 1}}\n"
                                  "      - {name: c, per: year, amount: {dist: triangular, min: -1, mode: 0, max: 4}}\n";

static void test_tornado_regression(void)
{
    bc_model *m = load(linear);
    if (!m)
        return;
    bc_error err;
    bc_tornado *t = NULL;
    CHECK_INT(bc_tornado_compute(m, 0.1, 0.9, &t, &err), BC_OK);
    if (t) {
        /* base: 1 (normal mean) + 0.5 (uniform mean) + 0 (triangular mode) = 1.5;
         * a at P10/P90: 1 -+ 2 z */
        const double z = 1.2815515655446004;
        CHECK_INT(t->k, 3);
        CHECK_INT(t->n_outputs, 2);
        CHECK_NEAR(t->base[0], 1.5, 1e-12);
        CHECK_NEAR(t->low[0 * 2], 1.5 - 2 * z, 1e-9);
        CHECK_NEAR(t->high[0 * 2], 1.5 + 2 * z, 1e-9);
        CHECK_NEAR(t->low[1 * 2], 1.5 - 0.5 + 0.1, 1e-12);
        CHECK_NEAR(t->high[1 * 2], 1.5 - 0.5 + 0.9, 1e-12);
        /* triangular(-1, 0, 4): F(mode) = 0.2; P10 = -1 + sqrt(0.1 * 5 * 1),
         * P90 = 4 - sqrt(0.1 * 5 * 4) */
        CHECK_NEAR(t->low[2 * 2], 1.5 - 0 + (-1 + sqrt(0.5)), 1e-12);
        CHECK_NEAR(t->high[2 * 2], 1.5 - 0 + (4 - sqrt(2.0)), 1e-12);
        /* order by swing: a (5.13), c (2.29), b (0.8) */
        CHECK_INT(t->order[0], 0);
        CHECK_INT(t->order[1], 2);
        CHECK_INT(t->order[2], 1);
    }
    bc_tornado_free(t);
    CHECK_INT(bc_tornado_compute(m, 0.9, 0.1, &t, &err), BC_EINVAL);

    /* regression: y = a + b + c exactly, so R^2 = 1 and src_j = sd_j / sd_y */
    bc_run_config cfg = {.runs = 200000, .seed = 5, .threads = 2};
    bc_summary *s = NULL;
    CHECK_INT(bc_engine_run(m, &cfg, &s, &err), BC_OK);
    if (s) {
        double src[3 * 4], r2[4];
        CHECK_INT(bc_regression_compute(s, src, r2, &err), BC_OK);
        const size_t p = s->n_reg_x + s->n_reg_y, ny = s->n_reg_y;
        double sdy = sqrt(s->reg_cov[3 * p + 3]);
        for (int j = 0; j < 3; j++)
            CHECK_NEAR(src[j * ny + 0], sqrt(s->reg_cov[j * p + j]) / sdy, 1e-9);
        CHECK_NEAR(r2[0], 1, 1e-9);
        /* and against the distributions: sd 2, 1/sqrt(12), sqrt((1+16+0+4-0+0)/18) */
        double sd[3] = {2, 1 / sqrt(12.0), sqrt((1.0 + 16 + 0 + 4 - 0 - 0) / 18)};
        double tot = sqrt(sd[0] * sd[0] + sd[1] * sd[1] + sd[2] * sd[2]);
        for (int j = 0; j < 3; j++)
            CHECK_NEAR(src[j * ny + 0], sd[j] / tot, 0.01);
    }
    bc_summary_free(s);
    bc_model_free(m);
}

/* More inputs than the Sobol' sequence has dimensions for an A|B design:
 * Monte Carlo instead, and the result says so. */
static void test_qmc_fallback(void)
{
    const size_t lines = bc_sobolseq_max_dim() / 2 + 1;
    size_t cap = 256 + lines * 96;
    char *text = malloc(cap);
    if (!text)
        return;
    size_t len = (size_t)snprintf(text, cap,
                                  "model: wide\nproposals:\n  - id: p\n    investment: 0\n"
                                  "    participants: 0\n    effect: 0\n    duration: 1\n"
                                  "    unit_cost: 0\n    savings:\n");
    for (size_t i = 0; i < lines; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "      - {name: s%zu, per: year, amount: {dist: uniform, min: 0, "
                                "max: 1}}\n",
                                i);
    bc_model *m = load(text);
    free(text);
    if (!m)
        return;
    bc_sobol_result *r = sobol(m, 8, BC_SOBOL_QMC, 0, 1, 2);
    if (r) {
        CHECK_INT(r->k, lines);
        CHECK(r->qmc_fell_back);
        CHECK(r->sampler == BC_SOBOL_MC);
    }
    bc_sobol_result_free(r);
    bc_model_free(m);
}

static void test_errors(void)
{
    bc_error err;
    bc_sobol_result *r = NULL;
    bc_model *m = load("model: fixed\nproposals:\n  - {id: p, investment: 1, participants: 1,"
                       " effect: 0.1, duration: 1, unit_cost: 1}\n");
    if (m) {
        bc_sobol_config cfg = {.n = 100, .seed = 1, .level = 0.95};
        CHECK_INT(bc_sobol_run(m, &cfg, &r, &err), BC_EINVAL);
        CHECK_HAS(err.msg, "no uncertain inputs");
        CHECK(r == NULL);
        bc_model_free(m);
    }
    m = builtin("ishigami");
    if (m) {
        bc_sobol_config cfg = {.n = 1, .seed = 1, .level = 0.95};
        CHECK_INT(bc_sobol_run(m, &cfg, &r, &err), BC_EINVAL);
        CHECK_HAS(err.msg, "at least 2");
        cfg.n = 100;
        cfg.replicates = 1;
        CHECK_INT(bc_sobol_run(m, &cfg, &r, &err), BC_EINVAL);
        CHECK_HAS(err.msg, "0 (no interval) or 2 to 1024");
        cfg.replicates = 1025;
        CHECK_INT(bc_sobol_run(m, &cfg, &r, &err), BC_EINVAL);
        cfg.replicates = 51;
        CHECK_INT(bc_sobol_run(m, &cfg, &r, &err), BC_EINVAL);
        CHECK_HAS(err.msg, "N (100) must be at least twice the replicates (51)");
        cfg.replicates = 50;
        CHECK_INT(bc_sobol_run(m, &cfg, &r, &err), BC_OK);
        CHECK(r && r->replicates == 50 && r->first_ci);
        bc_sobol_result_free(r);
        r = NULL;
        bc_model_free(m);
    }
    CHECK_INT(bc_model_builtin("ishigame", &m, &err), BC_EINVAL);
    CHECK_HAS(err.msg, "unknown test model 'ishigame'");
}

int main(void)
{
    test_analytic();
    test_centred();
    test_product();
    test_threads();
    test_tornado_regression();
    test_qmc_fallback();
    test_errors();
    return check_finish();
}
