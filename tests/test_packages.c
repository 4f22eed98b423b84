/* test_packages.c: the packages of proposals (src/stats_pkg.c) against
 * closed forms and against the runs' own samples. Three proposals whose
 * average gains are independent normals, N(0.3, 0.5), N(-0.1, 0.4) and
 * N(0.2, 1): every package's gain is normal with the sum of their means and
 * variances, so its mean, P(break even), P(loss > 1), 5 % quantile and mean
 * of the worst 5 % have closed forms; each estimate must lie within 4 of its
 * standard errors (plus the histogram's resolution). Against the saved
 * samples the counts are exact, the quantile and the tail mean within the
 * resolution, and the best package under each set of rules is the brute
 * force's. Fixed seeds; the same bits on one thread as on two. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "bcsim/engine.h"
#include "bcsim/model.h"
#include "check.h"
#include "load.h"

#define P 3
#define K (1u << P)

static const double mu[P] = {0.3, -0.1, 0.2}, sd[P] = {0.5, 0.4, 1.0}, inv[P] = {1, 1, 2};

/* Proposals a, b, c: fixed investments (a flat profile), savings lines
 * N(mu + inv, sd): average gains N(mu, sd). */
static bc_model *three_normals(void)
{
    char text[2048];
    int n = snprintf(text, sizeof text, "model: three\nhorizon: {start_year: 2026, years: 4}\n"
                                        "proposals:\n");
    for (int p = 0; p < P; p++)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "  - id: %c\n    investment: %g\n    participants: 0\n    effect: 0\n"
                      "    duration: 1\n    unit_cost: 0\n    savings:\n"
                      "      - {name: l, per: year, amount: {dist: normal, mean: %g, sd: %g}}\n",
                      'a' + p, inv[p], mu[p] + inv[p], sd[p]);
    return load(text);
}

static bc_summary *run(const bc_model *m, uint64_t runs, uint64_t seed, int threads, int save,
                       bc_package_rules rules)
{
    bc_run_config cfg = {.runs = runs,
                         .seed = seed,
                         .threads = threads,
                         .save_samples = save,
                         .packages = rules};
    bc_summary *s = NULL;
    bc_error err;
    if (bc_engine_run(m, &cfg, &s, &err)) {
        fprintf(stderr, "run failed: %s\n", err.msg);
        return NULL;
    }
    return s;
}

static double Phi(double x) { return 0.5 * erfc(-x / sqrt(2)); }

static void test_closed_forms(void)
{
    bc_model *m = three_normals();
    const uint64_t n = 400000;
    bc_summary *s = m ? run(m, n, 9, 2, 0, (bc_package_rules){0}) : NULL;
    CHECK(s != NULL);
    if (!s) {
        bc_model_free(m);
        return;
    }
    const bc_packages *pk = &s->pkg;
    CHECK_INT(pk->n_prop, P);
    CHECK_INT(pk->n, K);
    const double z05 = -1.6448536269514722, phi05 = exp(-0.5 * z05 * z05) / sqrt(2 * 3.14159265358979323846);
    for (unsigned k = 1; k < K; k++) {
        double mk = 0, vk = 0, ik = 0;
        for (int p = 0; p < P; p++)
            if (k >> p & 1) {
                mk += mu[p];
                vk += sd[p] * sd[p];
                ik += inv[p];
            }
        const double sk = sqrt(vk);
        CHECK_NEAR(pk->mean[k], mk, 4 * pk->mean_se[k]);
        CHECK_NEAR(pk->mean_se[k], sk / sqrt((double)n), 0.02 * sk / sqrt((double)n));
        CHECK_NEAR(pk->pbe[k], Phi(mk / sk), 4 * pk->pbe_se[k]);
        CHECK_NEAR(pk->ploss[k], Phi((-1 - mk) / sk), 4 * pk->ploss_se[k]);
        /* the 5 % quantile: its standard error sqrt(p (1 - p) / n) / density */
        const double qse = sqrt(0.05 * 0.95 / (double)n) / (phi05 / sk);
        CHECK_NEAR(pk->p5[k], mk + sk * z05, 4 * qse + pk->half[k]);
        /* the mean of the worst 5 %: mu - sd phi(z) / 0.05, its error below
         * 2 sd / sqrt(0.05 n) */
        CHECK_NEAR(pk->cvar5[k], mk - sk * phi05 / 0.05, 8 * sk / sqrt(0.05 * (double)n));
        CHECK_NEAR(pk->investment[k], ik, 1e-12);
        CHECK(pk->half[k] > 0 && pk->half[k] < 0.01);
    }
    CHECK(pk->mean[0] == 0 && pk->pbe[0] == 1 && pk->ploss[0] == 0 && pk->p5[0] == 0);
    /* no rules: the best package funds the proposals whose means are above
     * 0 (a + c), and the package value of information is the portfolio's
     * EVPI (each proposal decided on its own) */
    CHECK_INT(pk->best, 5);
    CHECK_NEAR(pk->evpi, s->voi.evpi[P], 1e-6); /* sums of 2^-16 and 2^-32 mDKK */
    /* frontier of mean against P(loss): 'none' (no loss), and a + c (the
     * largest mean) */
    CHECK(pk->frontier_loss[0] && pk->frontier_loss[5]);
    printf("a + c: mean %.4f +- %.4f (closed form 0.5), P(loss) %.4f (%.4f), P5 %.4f (%.4f), "
           "worst 5 %% %.4f (%.4f)\n",
           pk->mean[5], pk->mean_se[5], pk->ploss[5], Phi(-1.5 / sqrt(1.25)), pk->p5[5],
           0.5 + sqrt(1.25) * z05, pk->cvar5[5], 0.5 - sqrt(1.25) * phi05 / 0.05);
    /* the same bits on one thread */
    bc_summary *s1 = run(m, n, 9, 1, 0, (bc_package_rules){0});
    CHECK(s1 != NULL);
    int same = s1 != NULL && s1->pkg.n == pk->n;
    for (unsigned k = 0; same && k < K; k++)
        same = s1->pkg.mean[k] == pk->mean[k] && s1->pkg.mean_se[k] == pk->mean_se[k] &&
               s1->pkg.pbe[k] == pk->pbe[k] && s1->pkg.ploss[k] == pk->ploss[k] &&
               s1->pkg.p5[k] == pk->p5[k] && s1->pkg.cvar5[k] == pk->cvar5[k];
    CHECK(same && s1->pkg.evpi == pk->evpi && s1->pkg.evpi_se == pk->evpi_se);
    bc_summary_free(s1);
    bc_summary_free(s);
    bc_model_free(m);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Package k's gains in the saved samples, sorted, into g[n]. */
static void sample_gains(const bc_summary *s, unsigned k, double *g)
{
    const size_t O = s->n_outputs;
    for (uint64_t i = 0; i < s->runs; i++) {
        g[i] = 0;
        for (int p = 0; p < P; p++)
            g[i] += k >> p & 1 ? s->sample_avg_gain[i * O + (size_t)p] : 0;
    }
}

/* Under rules r, against a brute force over the saved samples: every
 * package's counts, quantile and tail mean; which packages are feasible and
 * the best; the package value of information. */
static void check_rules(const bc_model *m, bc_package_rules r, int want_best)
{
    const uint64_t n = 50000;
    bc_summary *s = run(m, n, 19, 2, 1, r);
    double *g = malloc(n * sizeof *g), *best = calloc(n, sizeof *best);
    CHECK(s != NULL && g && best);
    if (!s || !g || !best) {
        bc_summary_free(s);
        free(g);
        free(best);
        return;
    }
    const bc_packages *pk = &s->pkg;
    int brute = -1, exact = 1;
    double top = 0, topdet = -INFINITY;
    for (uint64_t i = 0; i < n; i++)
        best[i] = -INFINITY;
    for (unsigned k = 0; k < K; k++) {
        sample_gains(s, k, g);
        uint64_t nbe = 0, nloss = 0;
        double sum = 0;
        for (uint64_t i = 0; i < n; i++) {
            nbe += g[i] >= 0;
            nloss += g[i] < -1;
            sum += g[i];
        }
        double ik = 0;
        for (int p = 0; p < P; p++)
            ik += k >> p & 1 ? inv[p] : 0;
        const int det = (k & r.require) == r.require && !(k & r.exclude) &&
                        (r.budget == 0 || ik <= r.budget);
        if (det) {
            for (uint64_t i = 0; i < n; i++)
                best[i] = g[i] > best[i] ? g[i] : best[i];
            topdet = sum / (double)n > topdet ? sum / (double)n : topdet;
        }
        const int feas = det && (r.max_loss_prob == 0 || (double)nloss / (double)n <= r.max_loss_prob);
        exact &= pk->pbe[k] == (double)nbe / (double)n && pk->ploss[k] == (double)nloss / (double)n &&
                 pk->feasible[k] == feas && fabs(pk->mean[k] - sum / (double)n) < 1e-9;
        if (feas && (brute < 0 || sum / (double)n > top)) {
            brute = (int)k;
            top = sum / (double)n;
        }
        qsort(g, n, sizeof *g, cmp_double);
        const size_t r5 = (size_t)ceil(0.05 * (double)n);
        double tail = 0;
        for (size_t i = 0; i < r5; i++)
            tail += g[i];
        if (k) {
            exact &= fabs(pk->p5[k] - g[r5 - 1]) <= pk->half[k];
            exact &= fabs(pk->cvar5[k] - tail / (double)r5) <= pk->half[k];
        }
    }
    CHECK(exact);
    CHECK_INT(pk->best, brute);
    CHECK_INT(pk->best, want_best);
    double eb = 0;
    for (uint64_t i = 0; i < n; i++)
        eb += best[i];
    /* the sums round each gain to 2^-16 mDKK */
    CHECK_NEAR(pk->evpi, eb / (double)n - topdet, 1e-4);
    CHECK(pk->evpi > 0 ? pk->evpi_se > 0 && pk->evpi_se < 0.01 : pk->evpi_se == 0);
    printf("rules (risk %g, budget %g, require %llx, exclude %llx): best %lld, package EVPI "
           "%.4f +- %.4f\n",
           r.max_loss_prob, r.budget, (unsigned long long)r.require,
           (unsigned long long)r.exclude, (long long)pk->best, pk->evpi, pk->evpi_se);
    bc_summary_free(s);
    free(g);
    free(best);
}

static void test_rules(void)
{
    bc_model *m = three_normals();
    CHECK(m != NULL);
    if (!m)
        return;
    check_rules(m, (bc_package_rules){0}, 5);                        /* a + c */
    check_rules(m, (bc_package_rules){.max_loss_prob = 0.05}, 1);    /* a */
    check_rules(m, (bc_package_rules){.budget = 2.5, .require = 4}, 4); /* c alone fits */
    check_rules(m, (bc_package_rules){.max_loss_prob = 0.15, .exclude = 1}, 4); /* c */
    bc_model_free(m);
}

/* Rules the engine refuses: a risk limit outside [0, 1), a negative budget,
 * a proposal both required and excluded, one beyond the model's, a budget
 * below every proposal's investment, and rules with the packages off. */
static void test_bad_rules(void)
{
    bc_model *m = three_normals();
    CHECK(m != NULL);
    const bc_package_rules bad[] = {
        {.max_loss_prob = 1},        {.max_loss_prob = -0.1}, {.budget = -1},
        {.require = 1, .exclude = 1}, {.require = 8},          {.budget = 0.5},
        {.budget = 1.5, .require = 6}, {.mode = BC_PACKAGES_OFF, .max_loss_prob = 0.1},
    };
    for (size_t i = 0; m && i < sizeof bad / sizeof *bad; i++) {
        bc_run_config cfg = {.runs = 100, .seed = 1, .packages = bad[i]};
        bc_summary *s = NULL;
        bc_error err;
        CHECK_INT(bc_engine_run(m, &cfg, &s, &err), BC_EINVAL);
        CHECK(s == NULL);
    }
    bc_model_free(m);
}

int main(void)
{
    test_closed_forms();
    test_rules();
    test_bad_rules();
    return check_finish();
}
