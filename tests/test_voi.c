/* test_voi.c: the value of information (src/stats_voi.c) against closed
 * forms. For a gain G ~ N(mu, sigma), E[max(G, 0)] = sigma phi(mu/sigma) +
 * mu Phi(mu/sigma), so EVPI = that - max(mu, 0); with G = mu + X1 + X2, X1
 * and X2 independent normals, learning X1 is worth the same with sigma the
 * sd of X1 (EVPPI). Each estimate must lie within 4 of its standard errors
 * (plus the error of the bins, far smaller) of the closed form, with fixed
 * seeds; and it must not depend on the threads. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "bcsim/engine.h"
#include "bcsim/model.h"
#include "check.h"
#include "load.h"

/* E[max(mu + sigma Z, 0)] - max(mu, 0). */
static double normal_voi(double mu, double sigma)
{
    const double a = mu / sigma;
    return sigma * exp(-0.5 * a * a) / sqrt(2 * 3.14159265358979323846) +
           mu * 0.5 * erfc(-a / sqrt(2)) - (mu > 0 ? mu : 0);
}

static bc_summary *run(const bc_model *m, uint64_t runs, uint64_t seed, int threads)
{
    bc_run_config cfg = {.runs = runs, .seed = seed, .threads = threads};
    bc_summary *s = NULL;
    bc_error err;
    if (bc_engine_run(m, &cfg, &s, &err)) {
        fprintf(stderr, "run failed: %s\n", err.msg);
        return NULL;
    }
    return s;
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

int main(void)
{
    test_evpi_normal();
    test_evppi_two_normals();
    test_evpi_se();
    return check_finish();
}
