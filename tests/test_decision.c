/* test_decision.c: the value of information (src/stats_voi.c) against closed
 * forms, and the affordability (src/stats_afford.c) against the runs' own
 * samples. For a gain G ~ N(mu, sigma), E[max(G, 0)] = sigma phi(mu/sigma) +
 * mu Phi(mu/sigma), so EVPI = that - max(mu, 0); with G = mu + X1 + X2, X1
 * and X2 independent normals, learning X1 is worth the same with sigma the
 * sd of X1 (EVPPI). Each estimate must lie within 4 of its standard errors
 * (plus the error of the bins, far smaller) of the closed form, with fixed
 * seeds; and it must not depend on the threads. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/dist.h"
#include "bcsim/engine.h"
#include "bcsim/model.h"
#include "bcsim/sensitivity.h"
#include "check.h"
#include "load.h"

/* E[max(mu + sigma Z, 0)] - max(mu, 0). */
static double normal_voi(double mu, double sigma)
{
    const double a = mu / sigma;
    return sigma * exp(-0.5 * a * a) / sqrt(2 * 3.14159265358979323846) +
           mu * 0.5 * erfc(-a / sqrt(2)) - (mu > 0 ? mu : 0);
}

static bc_summary *run_saved(const bc_model *m, uint64_t runs, uint64_t seed, int threads,
                             int save)
{
    bc_run_config cfg = {.runs = runs, .seed = seed, .threads = threads, .save_samples = save};
    bc_summary *s = NULL;
    bc_error err;
    if (bc_engine_run(m, &cfg, &s, &err)) {
        fprintf(stderr, "run failed: %s\n", err.msg);
        return NULL;
    }
    return s;
}

static bc_summary *run(const bc_model *m, uint64_t runs, uint64_t seed, int threads)
{
    return run_saved(m, runs, seed, threads, 0);
}

/* A gain that is one normal savings line: EVPI of both signs of the mean. */
static void test_evpi_normal(void)
{
    const double mus[2] = {0.1, -0.2}, sigma = 0.5;
    for (int i = 0; i < 2; i++) {
        char amount[96];
        snprintf(amount, sizeof amount, "{dist: normal, mean: %g, sd: %g}", mus[i], sigma);
        bc_model *m = load_saving(amount);
        bc_summary *s = m ? run(m, 400000, 11 + (uint64_t)i, 2) : NULL;
        CHECK(s != NULL);
        if (s) {
            const bc_voi *v = &s->voi;
            const double want = normal_voi(mus[i], sigma);
            CHECK(v->bins > 0);
            CHECK(v->evpi_se[0] > 0 && v->evpi_se[0] < 0.01 * want);
            CHECK_NEAR(v->evpi[0], want, 4 * v->evpi_se[0]);
            /* one proposal: the portfolio is the proposal */
            CHECK_NEAR(v->evpi[1], v->evpi[0], 1e-15);
            /* the one input's EVPPI is the EVPI, less the bins' error */
            CHECK_NEAR(v->evppi[0], want, 4 * v->evppi_se[0] + 1e-3 * want);
            printf("EVPI of N(%g, %g): %.5f +- %.5f (closed form %.5f); EVPPI %.5f\n", mus[i],
                   sigma, v->evpi[0], v->evpi_se[0], want, v->evppi[0]);
        }
        bc_summary_free(s);
        bc_model_free(m);
    }
}

/* G = 10 e + l - 0.95: a normal effect (sd 0.05: 0.5 mDKK/year) and a
 * normal yearly saving (sd 0.3), independent; 100 participants, each exit
 * worth 100,000 DKK for the one year it lasts. */
static const char two_normals[] =
    "model: two\n"
    "horizon: {start_year: 2026, years: 4}\n"
    "proposals:\n"
    "  - id: p\n"
    "    investment: 0.95\n"
    "    participants: 100\n"
    "    effect: {dist: normal, mean: 0.1, sd: 0.05, min: -1, max: 1}\n"
    "    duration: 1\n"
    "    unit_cost: 100000\n"
    "    savings:\n"
    "      - {name: l, per: year, amount: {dist: normal, mean: 0, sd: 0.3}}\n"
    "  - id: q\n"
    "    investment: 1\n"
    "    participants: 0\n"
    "    effect: 0\n"
    "    duration: 1\n"
    "    unit_cost: 0\n";

static void test_evppi_two_normals(void)
{
    bc_model *m = load(two_normals);
    bc_summary *s = m ? run(m, 1000000, 3, 2) : NULL, *s1 = m ? run(m, 1000000, 3, 1) : NULL;
    CHECK(s != NULL && s1 != NULL);
    if (s && s1) {
        const bc_voi *v = &s->voi;
        const size_t O = s->n_outputs, K = v->n_comp;
        CHECK_INT(O, 3);
        CHECK_INT(K, 2); /* p.effect, p.savings.l */
        const double mu = 0.05, se = 0.5, sl = 0.3;
        CHECK_NEAR(v->evpi[0], normal_voi(mu, sqrt(se * se + sl * sl)), 4 * v->evpi_se[0]);
        CHECK_NEAR(v->evppi[0 * O + 0], normal_voi(mu, se), 4 * v->evppi_se[0 * O + 0]);
        CHECK_NEAR(v->evppi[1 * O + 0], normal_voi(mu, sl), 4 * v->evppi_se[1 * O + 0]);
        /* q has no uncertainty: nothing to learn; the portfolio: p's */
        CHECK(v->evpi[1] == 0 && v->evppi[1] == 0 && v->evppi[O + 1] == 0);
        CHECK_NEAR(v->evpi[2], v->evpi[0], 1e-15);
        CHECK_NEAR(v->evppi[2], v->evppi[0], 1e-15);
        /* the bias correction is small beside the values at 10^6 runs */
        CHECK(v->evppi_bias[0] >= 0 && v->evppi_bias[0] < 0.01 * v->evppi[0]);
        /* p's own inputs as one group: learning both is learning everything
         * (by regression over the first 2^14 runs) */
        CHECK_INT(v->n_groups, 1);
        CHECK_INT(v->group_runs, 16384);
        if (v->n_groups == 1) {
            CHECK(strcmp(v->group_name[0], "p.*") == 0);
            CHECK_INT(v->group_size[0], 2);
            const double all = normal_voi(mu, sqrt(se * se + sl * sl));
            CHECK(v->gevppi_se[0] > 0 && v->gevppi_se[0] < 0.02 * all);
            CHECK_NEAR(v->gevppi[0], all, 4 * v->gevppi_se[0]);
            CHECK(v->gevppi[1] == 0 && v->gevppi[2] == v->gevppi[0]);
            printf("EVPPI of the group p.* %.5f +- %.5f (closed form %.5f, the EVPI)\n",
                   v->gevppi[0], v->gevppi_se[0], all);
        }
        printf("EVPPI of the effect %.5f +- %.5f (closed form %.5f), of the saving %.5f +- "
               "%.5f (%.5f), %zu bins\n",
               v->evppi[0], v->evppi_se[0], normal_voi(mu, se), v->evppi[O], v->evppi_se[O],
               normal_voi(mu, sl), v->bins);
        /* the same bits on one thread as on two */
        const bc_voi *w = &s1->voi;
        int same = w->bins == v->bins;
        for (size_t q = 0; same && q < O; q++)
            same = w->evpi[q] == v->evpi[q] && w->evpi_se[q] == v->evpi_se[q];
        for (size_t q = 0; same && q < K * O; q++)
            same = w->evppi[q] == v->evppi[q] && w->evppi_se[q] == v->evppi_se[q] &&
                   w->evppi_bias[q] == v->evppi_bias[q];
        same &= w->n_groups == v->n_groups;
        for (size_t q = 0; same && q < v->n_groups * O; q++)
            same = w->gevppi[q] == v->gevppi[q] && w->gevppi_se[q] == v->gevppi_se[q];
        CHECK(same);
    }
    bc_summary_free(s);
    bc_summary_free(s1);
    bc_model_free(m);
}

/* The standard errors are honest: over 40 seeds of 20,000 runs, the EVPI's
 * errors against the closed form have a root mean square within 30 % of
 * the mean reported standard error (a chi-square with 40 degrees of
 * freedom lies within that band with probability above 0.99). */
/* A group the model file names: the effect alone, by regression, equals
 * the closed form of its EVPPI (the gain is linear in it). */
static void test_named_group(void)
{
    char text[sizeof two_normals + 64];
    snprintf(text, sizeof text, "%sgroups:\n  effect: [p.effect]\n", two_normals);
    bc_model *m = load(text);
    bc_summary *s = m ? run(m, 200000, 5, 2) : NULL;
    CHECK(s != NULL);
    if (s) {
        const bc_voi *v = &s->voi;
        const size_t O = s->n_outputs;
        CHECK_INT(v->n_groups, 2); /* p.*, then the file's */
        if (v->n_groups == 2) {
            CHECK(strcmp(v->group_name[1], "effect") == 0);
            CHECK_INT(v->group_size[1], 1);
            const double want = normal_voi(0.05, 0.5);
            CHECK_NEAR(v->gevppi[O], want, 4 * v->gevppi_se[O]);
            CHECK(v->gevppi_bias[O] >= 0 && v->gevppi_bias[O] < 0.01 * want);
            printf("EVPPI of the group 'effect' %.5f +- %.5f (closed form %.5f)\n",
                   v->gevppi[O], v->gevppi_se[O], want);
        }
    }
    bc_summary_free(s);
    bc_model_free(m);
}

static void test_evpi_se(void)
{
    bc_model *m = load_saving("{dist: normal, mean: 0.1, sd: 0.5}");
    const double want = normal_voi(0.1, 0.5);
    double sq = 0, se = 0;
    const int seeds = 40;
    for (int i = 0; m && i < seeds; i++) {
        bc_summary *s = run(m, 20000, 100 + (uint64_t)i, 2);
        if (!s) {
            CHECK(0);
            break;
        }
        sq += (s->voi.evpi[0] - want) * (s->voi.evpi[0] - want);
        se += s->voi.evpi_se[0];
        bc_summary_free(s);
    }
    const double rms = sqrt(sq / seeds), mse = se / seeds;
    printf("EVPI over %d seeds: rms error %.5f, mean se %.5f\n", seeds, rms, mse);
    CHECK(rms > 0.7 * mse && rms < 1.3 * mse);
    bc_model_free(m);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Three proposals over 4 years: a with a fixed investment of 2 (profile
 * mean 0.75) and savings N(2.1, 0.8); b with a lognormal investment (mean
 * 1, sd 0.3) and savings N(1, 0.2); c whose savings are always below 0, so
 * that it breaks even at no investment level. */
static const char afford_model[] =
    "model: afford\n"
    "horizon: {start_year: 2026, years: 4}\n"
    "proposals:\n"
    "  - id: a\n"
    "    investment: 2\n"
    "    investment_profile: [1, 1, 0.5, 0.5]\n"
    "    participants: 0\n"
    "    effect: 0\n"
    "    duration: 1\n"
    "    unit_cost: 0\n"
    "    savings:\n"
    "      - {name: l, per: year, amount: {dist: normal, mean: 2.1, sd: 0.8}}\n"
    "  - id: b\n"
    "    investment: {dist: lognormal, mean: 1, sd: 0.3}\n"
    "    participants: 0\n"
    "    effect: 0\n"
    "    duration: 1\n"
    "    unit_cost: 0\n"
    "    savings:\n"
    "      - {name: l, per: year, amount: {dist: normal, mean: 1, sd: 0.2}}\n"
    "  - id: c\n"
    "    investment: 1\n"
    "    participants: 0\n"
    "    effect: 0\n"
    "    duration: 1\n"
    "    unit_cost: 0\n"
    "    savings:\n"
    "      - {name: l, per: year, amount: {dist: uniform, min: -2, max: -1}}\n";

/* The affordability against the saved samples: a's largest investment at
 * 80 % is the 20 % quantile of its average savings (within the step of
 * 0.5 % of its planned 1.5 mDKK/year: the mean profile is 0.75); every
 * factor's P(break even) of b, whose investment is uncertain, is the share
 * of runs with savings >= the factor times their own investment; at the
 * factor 1 every output's is its P(break even); c never breaks even. */
static void test_affordability(void)
{
    bc_model *m = load(afford_model);
    const uint64_t n = 100000;
    bc_summary *s = m ? run_saved(m, n, 21, 2, 1) : NULL;
    CHECK(s != NULL);
    if (!s) {
        bc_model_free(m);
        return;
    }
    const bc_afford *f = &s->afford;
    const size_t O = s->n_outputs, J = f->bins + 1, D = s->n_reg_x;
    CHECK_INT(O, 4);
    CHECK_INT(f->per, 200);
    CHECK_NEAR(f->planned[0], 1.5, 1e-15);
    CHECK_NEAR(f->planned[1], 1.0, 1e-15);
    CHECK_NEAR(f->planned[3], 3.5, 1e-15);
    for (size_t o = 0; o < O; o++)
        CHECK_NEAR(f->pbe[o * J + f->per], s->be_prob[o], 1.0 / (double)n);
    /* a: S = G + 1.5, the 20 % quantile of S over the runs */
    double *sa = malloc(n * sizeof *sa);
    CHECK(sa != NULL);
    if (sa) {
        for (uint64_t i = 0; i < n; i++)
            sa[i] = s->sample_avg_gain[i * O + 0] + 1.5;
        qsort(sa, n, sizeof *sa, cmp_double);
        const double q20 = sa[(size_t)(0.2 * (double)n) - 1];
        CHECK_NEAR(f->level[0 * BC_AFFORD_NP + 1] * f->planned[0], q20, 1.5 / 200);
        printf("a: largest investment at 80 %%: %.4f mDKK/year, 20 %% quantile of its savings "
               "%.4f\n",
               f->level[1] * f->planned[0], q20);
        /* b's investment: its uncertain component (sampler order: every
         * component of every uncertain input, in input order) */
        size_t kb = D;
        for (size_t i = 0, k = 0; i < bc_model_n_inputs(m) && kb == D; i++) {
            const bc_input *in = bc_model_input(m, i);
            if (!bc_dist_is_random(&in->dist))
                continue;
            if (!strcmp(in->name, "b.investment"))
                kb = k;
            k += in->dim;
        }
        int ok = kb < D;
        for (size_t j = 0; ok && j < J; j += 20) {
            const double fac = (double)j / 200;
            uint64_t c = 0;
            for (uint64_t i = 0; i < n; i++) {
                const double a = s->sample_inputs[i * D + kb];
                c += s->sample_avg_gain[i * O + 1] + a >= fac * a;
            }
            ok &= fabs(f->pbe[1 * J + j] - (double)c / (double)n) <= 2.0 / (double)n;
        }
        CHECK(ok);
    }
    for (int k = 0; k < BC_AFFORD_NP; k++) {
        CHECK_INT(f->status[2 * BC_AFFORD_NP + (size_t)k], BC_AFFORD_NEVER);
        CHECK_INT(f->status[0 * BC_AFFORD_NP + (size_t)k], BC_AFFORD_FOUND);
    }
    CHECK(f->pbe[2 * J] == 0);
    free(sa);
    bc_summary_free(s);
    bc_model_free(m);
}

/* The break-even thresholds of the default model, by substitution: with
 * the input at its threshold and every other at base, the output's average
 * gain is 0 (within 1e-9 mDKK/year); its percentile is the input's CDF
 * there; "always" and "never" hold at both ends of the input's range. */
static void test_thresholds(void)
{
    bc_error err;
    bc_model *m = NULL;
    bc_thresholds *t = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), 0);
    if (m)
        CHECK_INT(bc_thresholds_compute(m, &t, &err), 0);
    if (!t) {
        bc_model_free(m);
        return;
    }
    const size_t O = t->n_outputs, dim = bc_model_dim(m);
    double *x = malloc(dim * sizeof *x);
    bc_eval *e = bc_eval_alloc(m, 0);
    CHECK(x && e && t->k == 17 && O == 4);
    size_t crossings = 0;
    for (size_t r = 0; x && e && r < t->k; r++) {
        const bc_input *in = bc_model_input(m, t->input[r]);
        for (size_t o = 0; o < O; o++) {
            const size_t q = r * O + o;
            const int kind = t->kind[q];
            if (kind == BC_THR_AT_LEAST || kind == BC_THR_AT_MOST) {
                bc_model_base_inputs(m, x);
                x[in->offset] = t->value[q];
                bc_model_eval(m, x, e);
                CHECK_NEAR(e->avg_gain[o], 0, 1e-9);
                CHECK_NEAR(t->percentile[q], bc_dist_cdf(&in->dist, t->value[q]), 1e-15);
                crossings++;
            } else {
                for (int end = 0; end < 2; end++) {
                    bc_model_base_inputs(m, x);
                    x[in->offset] = bc_dist_quantile(&in->dist, end ? 1 - 1e-6 : 1e-6);
                    bc_model_eval(m, x, e);
                    CHECK((e->avg_gain[o] >= 0) == (kind == BC_THR_ALWAYS));
                }
            }
        }
    }
    /* academics breaks even from an effect of 0.0923 up (the 49th percentile) */
    CHECK_INT(t->kind[1 * O + 0], BC_THR_AT_LEAST);
    CHECK_NEAR(t->value[1 * O + 0], 0.0923, 1e-4);
    printf("thresholds: %zu crossings of %zu inputs x %zu outputs, each within 1e-9 of break "
           "even\n",
           crossings, t->k, O);
    CHECK(crossings >= 10);
    free(x);
    bc_eval_free(e);
    bc_thresholds_free(t);
    bc_model_free(m);
}

int main(void)
{
    test_evpi_normal();
    test_evppi_two_normals();
    test_named_group();
    test_evpi_se();
    test_affordability();
    test_thresholds();
    return check_finish();
}
