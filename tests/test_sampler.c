/* test_sampler.c: the sampler: uniforms depend on (seed, run) alone; the
 * tabulated inverse CDFs agree with GSL's CDF; the vectorised quantile
 * functions (src/quantile.c) agree with GSL's, and a chunk of runs gets the
 * bits each run gets alone; the copula leaves uncorrelated inputs alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "bcsim/sampler.h"
#include "check.h"
#include "load.h"
#include "quantile_int.h"
#include "vmath_int.h"


static const char *const model =
    "model: s\n"
    "horizon: {years: 4}\n"
    "unemployment: {drift: {dist: normal, mean: 0.02, sd: 0.03}, volatility: 0.05}\n"
    "proposals:\n"
    "  - id: p\n"
    "    investment: 1\n"
    "    participants: 100\n"
    "    effect: {dist: pert, min: -0.024, mode: 0.096, max: 0.2}\n"
    "    duration: {dist: beta, alpha: 0.5, beta: 3, min: 0.1, max: 2}\n"
    "    unit_cost: {dist: gamma, mean: 150000, sd: 40000}\n"
    "    start: {dist: beta, mean: 0.3, sd: 0.1}\n"
    "    savings:\n"
    "      - {name: a, per: year, amount: {dist: pert, min: 0, mode: 0, max: 1, lambda: 8}}\n"
    "      - {name: b, per: year, amount: {dist: gamma, mean: 1, sd: 3}}\n";

static const char *const copula_model =
    "model: c\n"
    "horizon: {years: 3}\n"
    "proposals:\n"
    "  - id: p\n"
    "    investment: 1\n"
    "    participants: 100\n"
    "    effect: {dist: pert, min: -0.024, mode: 0.096, max: 0.2}\n"
    "    duration: {dist: uniform, min: 0.5, max: 2}\n"
    "    unit_cost: {dist: gamma, mean: 150000, sd: 40000}\n"
    "correlations:\n"
    "  - [p.effect, p.unit_cost, -0.6]\n";

/* Every kind without a table, closed forms and the normal family. */
static const char *const kinds_model =
    "model: k\n"
    "horizon: {years: 3}\n"
    "unemployment: {drift: {dist: normal, mean: 0.02, sd: 0.03}, volatility: 0.05}\n"
    "proposals:\n"
    "  - id: p\n"
    "    investment: {dist: lognormal, mean: 2.8, sd: 0.9}\n"
    "    participants: {dist: discrete, values: [80, 100, 120], weights: [1, 2, 1]}\n"
    "    effect: {dist: normal, mean: 0.1, sd: 0.05, min: 0, max: 0.3}\n"
    "    duration: {dist: normal, mean: 0.2, sd: 0.1, min: 0.3}\n"
    "    unit_cost: {dist: triangular, min: 100000, mode: 150000, max: 160000}\n"
    "    start: {dist: uniform, min: 0, max: 0.5}\n"
    "    savings:\n"
    "      - {name: a, per: year, amount: {dist: normal, mean: 1, sd: 0.2, max: 0.9}}\n"
    "      - {name: b, per: year, amount: {dist: normal, mean: 1, sd: 0.3, min: -5, max: 5}}\n"
    "correlations:\n"
    "  - [p.effect, p.unit_cost, -0.6]\n"
    "  - [p.investment, p.start, 0.4]\n";

/* The spacing of doubles at |x|. */
static double ulp(double x)
{
    x = fabs(x);
    return nextafter(x, INFINITY) - x;
}

/* u on a grid that is fine in both tails: logit(u) uniform from
 * logit(2^-53) to logit(1 - 2^-53), plus the two ends exactly. */
static double grid_u(int i, int n)
{
    if (i == 0)
        return BC_U_MIN;
    if (i == n)
        return BC_U_MAX;
    const double s = log(BC_U_MIN / BC_U_MAX) * (1 - 2.0 * i / n);
    return 1 / (1 + exp(-s));
}

/* bc_log: within 1 ulp of libm's log over [2^-60, 2^60], exact at 1 and at
 * the powers of 2 within an ulp. */
static void test_log(void)
{
    uint64_t st = 88172645463325252u;
    double worst = 0;
    for (int i = 0; i < 4000000; i++) {
        st ^= st << 13;
        st ^= st >> 7;
        st ^= st << 17;
        const double x = ldexp(1.0 + (double)(st >> 11) * 0x1p-53, (int)(st % 121) - 60);
        const double e = fabs(bc_log(x) - log(x)) / ulp(log(x));
        worst = e > worst ? e : worst;
    }
    if (worst > 1)
        fprintf(stderr, "bc_log: worst %g ulp from libm\n", worst);
    CHECK(worst <= 1);
    CHECK(bc_log(1.0) == 0.0);
    for (int k = -60; k <= 60; k++)
        CHECK(fabs(bc_log(ldexp(1, k)) - k * 0.69314718055994530942) <= ulp(k * 0.69314718055994530942));
}

/* The normal quantile (AS 241) within 8 ulp of GSL's gsl_cdf_ugaussian_Pinv
 * (the same algorithm with libm's log; where a tail's rational function
 * starts, at r = 1.6 and 5, the argument r - 1.6 or r - 5 cancels and a log
 * 1 ulp apart moves z by a few ulp) over the whole range the sampler draws;
 * GSL's CDF at it as close to u, relative to the smaller tail, as at GSL's
 * own quantile (both 3.4e-14 at u = 1.3e-10 on this machine); the normal CDF
 * (Cody) within 1e-15 of GSL's relative to the smaller tail from z = -38 to
 * 38. Measured: 6 ulp, 3.4e-14 and 6e-16. */
static void test_normal(void)
{
    enum { n = 2000000 };
    static double u[n + 1], z[n + 1];
    for (int i = 0; i <= n; i++)
        u[i] = grid_u(i, n);
    bc_normal_quantiles(u, z, n + 1);
    double worst_ulp = 0, worst_cdf = 0, worst_gsl = 0;
    for (int i = 0; i <= n; i++) {
        const double g = gsl_cdf_ugaussian_Pinv(u[i]);
        const double e = fabs(z[i] - g) / ulp(g);
        worst_ulp = e > worst_ulp ? e : worst_ulp;
        const double tail = u[i] < 0.5 ? u[i] : 1 - u[i];
        const double back = u[i] < 0.5 ? gsl_cdf_ugaussian_P(z[i]) : gsl_cdf_ugaussian_Q(z[i]);
        const double c = fabs(back - tail) / tail;
        worst_cdf = c > worst_cdf ? c : worst_cdf;
        const double bg = u[i] < 0.5 ? gsl_cdf_ugaussian_P(g) : gsl_cdf_ugaussian_Q(g);
        const double cg = fabs(bg - tail) / tail;
        worst_gsl = cg > worst_gsl ? cg : worst_gsl;
    }
    /* a value alone gets the bits it gets among others */
    double one;
    bc_normal_quantiles(&u[n / 3], &one, 1);
    CHECK(memcmp(&one, &z[n / 3], sizeof one) == 0);
    static double zs[n + 1], p[n + 1];
    for (int i = 0; i <= n; i++)
        zs[i] = -38 + 76.0 * i / n;
    bc_normal_cdfs_clamped(zs, p, n + 1);
    double worst_phi = 0;
    for (int i = 0; i <= n; i++) {
        const double g = gsl_cdf_ugaussian_P(zs[i]);
        if (g < BC_U_MIN || g > BC_U_MAX) { /* clamped */
            CHECK(p[i] == (g < BC_U_MIN ? BC_U_MIN : BC_U_MAX));
            continue;
        }
        const double tail = zs[i] > 0 ? gsl_cdf_ugaussian_Q(zs[i]) : g;
        const double mine = zs[i] > 0 ? 1 - p[i] : p[i];
        /* above 0 the value is 1 - Q, whose rounding is 2^-53 absolute */
        const double e = fabs(mine - tail) / (tail + (zs[i] > 0 ? 0x1p-52 / 1e-15 : 0));
        worst_phi = e > worst_phi ? e : worst_phi;
    }
    if (worst_ulp > 8 || worst_cdf > 1.25 * worst_gsl + 1e-16 || worst_phi > 1e-15)
        fprintf(stderr, "normal: quantile %g ulp from GSL, CDF at it %g (at GSL's: %g), Phi %g\n",
                worst_ulp, worst_cdf, worst_gsl, worst_phi);
    CHECK(worst_ulp <= 8);
    CHECK(worst_cdf <= 1.25 * worst_gsl + 1e-16);
    CHECK(worst_gsl <= 1e-13);
    CHECK(worst_phi <= 1e-15);
}

/* Every kind without a table (normal plain and truncated in each way,
 * lognormal, triangular, uniform, discrete): the sampler's quantile within
 * 1e-14 of GSL's (bc_dist_quantile) relative to the distribution's scale
 * (its sd, or its range; for the lognormal the larger of its sd and the
 * value, since e^x turns the normal's error into a relative one), on the
 * tail-fine grid. */
static void test_closed_forms(void)
{
    bc_model *m = load(kinds_model);
    if (!m)
        return;
    bc_error err;
    bc_sampler *s = NULL;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 1, 10, &s, &err), BC_OK);
    if (!s) {
        bc_model_free(m);
        return;
    }
    int kinds[BC_DIST_KIND_COUNT] = {0};
    for (size_t k = 0; k < bc_sampler_dim(s); k++) {
        const bc_input *in = bc_model_input(m, bc_sampler_input_of(s, k));
        const bc_dist *d = &in->dist;
        kinds[d->kind]++;
        const double scale = d->kind == BC_DIST_NORMAL       ? d->p[BC_P_SD]
                             : d->kind == BC_DIST_LOGNORMAL ? d->p[BC_P_SD]
                                                            : d->p[BC_P_MAX] - d->p[BC_P_MIN];
        double worst = 0;
        const int n = 200000;
        for (int i = 0; i <= n; i++) {
            const double u = grid_u(i, n);
            const double a = bc_sampler_quantile(s, k, u), b = bc_dist_quantile(d, u);
            const double sc = d->kind == BC_DIST_LOGNORMAL ? fmax(scale, fabs(b)) : scale;
            const double e = fabs(a - b) / (fabs(sc) + ulp(b));
            worst = e > worst ? e : worst;
        }
        if (d->kind == BC_DIST_DISCRETE)
            CHECK(worst == 0);
        if (worst > 1e-14)
            fprintf(stderr, "%s (%s): worst %g of its scale from GSL\n", in->name,
                    bc_dist_kind_name(d->kind), worst);
        CHECK(worst <= 1e-14);
    }
    CHECK(kinds[BC_DIST_NORMAL] >= 4 + 3 && kinds[BC_DIST_LOGNORMAL] == 1 &&
          kinds[BC_DIST_TRIANGULAR] == 1 && kinds[BC_DIST_UNIFORM] == 1 &&
          kinds[BC_DIST_DISCRETE] == 1);
    bc_sampler_free(s);
    bc_model_free(m);
}

/* A chunk of runs (bc_sampler_inputs_chunk, as the engine draws) gives every
 * value the bits bc_sampler_inputs gives it run by run: Monte Carlo and
 * Latin hypercube, with and without the copula, every kind, chunks of 64,
 * 5 and 1 runs at odd run indices. */
static void test_chunks(void)
{
    const char *const models[3] = {model, copula_model, kinds_model};
    for (int mi = 0; mi < 3; mi++) {
        bc_model *m = load(models[mi]);
        if (!m)
            return;
        for (int kind = 0; kind < 2; kind++) {
            bc_error err;
            bc_sampler *s = NULL;
            CHECK_INT(bc_sampler_alloc(m, kind ? BC_SAMPLER_LHS : BC_SAMPLER_MC, 7, 1000, &s,
                                       &err),
                      BC_OK);
            if (!s)
                continue;
            const size_t d = bc_sampler_dim(s), dim = bc_model_dim(m), ld = 64;
            double *uc = malloc(d * ld * sizeof *uc), *xc = malloc(dim * ld * sizeof *xc);
            double *u = malloc(d * sizeof *u), *x = malloc(dim * sizeof *x);
            const size_t sizes[3] = {64, 5, 1};
            const uint64_t starts[3] = {0, 333, 999};
            int same = 1;
            for (int c = 0; uc && xc && u && x && c < 3; c++) {
                bc_sampler_inputs_chunk(s, starts[c], sizes[c], ld, uc, xc);
                for (size_t i = 0; i < sizes[c]; i++) {
                    bc_sampler_inputs(s, starts[c] + i, x, u);
                    for (size_t k = 0; k < d; k++) {
                        const size_t off = bc_sampler_offset_of(s, k);
                        same &= memcmp(&xc[off * ld + i], &x[off], sizeof x[off]) == 0;
                        same &= memcmp(&uc[k * ld + i], &u[k], sizeof u[k]) == 0;
                    }
                }
            }
            CHECK(same);
            free(uc);
            free(xc);
            free(u);
            free(x);
            bc_sampler_free(s);
        }
        bc_model_free(m);
    }
}

/* Run i's uniforms are the same whatever else was drawn, in any order, and
 * whatever the number of runs (plain Monte Carlo); another seed changes them. */
static void test_addressing(void)
{
    bc_model *m = load(model);
    if (!m)
        return;
    bc_error err;
    bc_sampler *a = NULL, *b = NULL, *c = NULL;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 42, 1000, &a, &err), BC_OK);
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 42, 5, &b, &err), BC_OK);
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 43, 1000, &c, &err), BC_OK);
    if (!a || !b || !c)
        return;
    size_t d = bc_sampler_dim(a);
    CHECK_INT(d, 1 + 4 + 6);
    double u1[16], u2[16], u3[16];
    bc_sampler_uniforms(a, 999, u1);
    bc_sampler_uniforms(a, 3, u2);
    bc_sampler_uniforms(a, 999, u2);
    CHECK(memcmp(u1, u2, d * sizeof(double)) == 0);
    bc_sampler_uniforms(b, 3, u2);
    bc_sampler_uniforms(a, 3, u1);
    CHECK(memcmp(u1, u2, d * sizeof(double)) == 0);
    bc_sampler_uniforms(c, 3, u3);
    int differ = 1;
    for (size_t k = 0; k < d; k++)
        differ &= u3[k] != u1[k];
    CHECK(differ);
    /* run indices beyond 2^32 are distinct runs */
    bc_sampler_uniforms(a, 5, u1);
    bc_sampler_uniforms(a, 5 + (1ULL << 32), u2);
    CHECK(memcmp(u1, u2, d * sizeof(double)) != 0);
    /* every uniform in (0, 1), and their mean near 1/2 */
    double sum = 0;
    int inside = 1;
    for (uint64_t r = 0; r < 100000; r++) {
        bc_sampler_uniforms(a, r, u1);
        for (size_t k = 0; k < d; k++) {
            inside &= u1[k] >= BC_U_MIN && u1[k] <= BC_U_MAX;
            sum += u1[k];
        }
    }
    CHECK(inside);
    /* mean of 1.1e6 uniforms: sd 1/sqrt(12 n) = 0.00028; 5 sd */
    CHECK_NEAR(sum / (100000.0 * (double)d), 0.5, 0.0014);
    /* no correlations: inputs are the quantiles of the uniforms */
    double x[32], u[16];
    bc_sampler_inputs(a, 77, x, u);
    bc_sampler_uniforms(a, 77, u1);
    CHECK(memcmp(u, u1, d * sizeof(double)) == 0);
    for (size_t k = 0; k < d; k++)
        CHECK(x[bc_sampler_offset_of(a, k)] == bc_sampler_quantile(a, k, u1[k]));
    bc_sampler_free(a);
    bc_sampler_free(b);
    bc_sampler_free(c);
    bc_model_free(m);
}

/* Tabulated quantiles (pert, beta, gamma): |F(Q(u)) - u| <= 2e-9 on a fine
 * grid of u, and in the tails (u or 1-u from 2^-53 to 0.01) within 1e-6 of the
 * exact quantile relative to its distance from the bound of the support. */
static void test_tables(void)
{
    bc_model *m = load(model);
    if (!m)
        return;
    bc_error err;
    bc_sampler *s = NULL;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 1, 10, &s, &err), BC_OK);
    if (!s)
        return;
    int tables = 0;
    for (size_t k = 0; k < bc_sampler_dim(s); k++) {
        const bc_input *in = bc_model_input(m, bc_sampler_input_of(s, k));
        const bc_dist *d = &in->dist;
        if (d->kind != BC_DIST_PERT && d->kind != BC_DIST_BETA && d->kind != BC_DIST_GAMMA)
            continue;
        tables++;
        double worst = 0, worst_tail = 0;
        const int n = 1000003; /* not a multiple of the table's grid */
        for (int i = 0; i < n; i++) {
            double u = (i + 0.5) / n;
            double e = fabs(bc_dist_cdf(d, bc_sampler_quantile(s, k, u)) - u);
            worst = e > worst ? e : worst;
        }
        /* tails, u or 1-u from 2^-53 to 0.01 on a log scale: the table's quantile
         * against the exact one (GSL, or bisection on GSL's CDF where GSL's
         * inverse fails), relative to the distance from the nearer bound of
         * the support, plus 8 ulp for what double cannot represent */
        double L = d->kind == BC_DIST_GAMMA ? 0 : d->p[BC_P_MIN];
        double U = d->kind == BC_DIST_GAMMA ? INFINITY : d->p[BC_P_MAX];
        for (int i = 0; i <= 400; i++) {
            double v = exp(log(BC_U_MIN) + (log(0.01) - log(BC_U_MIN)) * i / 400.0);
            double us[2] = {v, 1 - v};
            for (int j = 0; j < 2; j++) {
                double qt = bc_sampler_quantile(s, k, us[j]), qe = bc_dist_quantile(d, us[j]);
                double dist = fmin(qe - L, U - qe);
                double e = fabs(qt - qe) / (dist + 8 * nextafter(fabs(qe), INFINITY) -
                                            8 * fabs(qe) + 1e-300);
                if (fabs(qt - qe) <= 8 * (nextafter(fabs(qe), INFINITY) - fabs(qe)))
                    e = 0;
                worst_tail = e > worst_tail ? e : worst_tail;
            }
        }
        if (worst > 2e-9 || worst_tail > 1e-6)
            fprintf(stderr, "%s: worst |F(Q(u)) - u| = %g, worst relative tail error = %g\n",
                    in->name, worst, worst_tail);
        CHECK(worst <= 2e-9);
        CHECK(worst_tail <= 1e-6);
        /* monotone: a quantile function never decreases */
        double prev = -INFINITY;
        int mono = 1;
        for (int i = 1; i < 200000; i++) {
            double q = bc_sampler_quantile(s, k, i / 200000.0);
            mono &= q >= prev;
            prev = q;
        }
        CHECK(mono);
    }
    CHECK_INT(tables, 6);
    bc_sampler_free(s);
    bc_model_free(m);
}

static void test_errors(void)
{
    bc_model *m = load(model);
    if (!m)
        return;
    bc_error err;
    bc_sampler *s = NULL;
    bc_sampler_kind k;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 1, 0, &s, &err), BC_EINVAL);
    CHECK(s == NULL);
    CHECK_INT(bc_sampler_kind_from_name("lhs", &k), BC_OK);
    CHECK_INT(k, BC_SAMPLER_LHS);
    CHECK_INT(bc_sampler_kind_from_name("qmc", &k), BC_EINVAL);
    CHECK(strcmp(bc_sampler_kind_name(BC_SAMPLER_MC), "mc") == 0);
    bc_model_free(m);
}

/* bc_sampler_transform_copula gives the correlated components the bits of
 * bc_sampler_transform and touches nothing else; bc_sampler_in_copula names
 * them (effect and unit_cost here, not duration). */
static void test_copula_part(void)
{
    bc_model *m = load(copula_model);
    if (!m)
        return;
    bc_sampler *s = NULL;
    bc_error err;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 3, 100, &s, &err), BC_OK);
    if (!s) {
        bc_model_free(m);
        return;
    }
    const size_t d = bc_sampler_dim(s), dim = bc_model_dim(m);
    double u[64], u2[64], x[64], y[64];
    CHECK(d <= 64 && dim <= 64);
    int in = 0;
    for (size_t k = 0; k < d; k++)
        in += bc_sampler_in_copula(s, k);
    CHECK_INT(in, 2);
    for (uint64_t run = 0; run < 100; run++) {
        bc_sampler_uniforms(s, run, u);
        memcpy(u2, u, d * sizeof *u);
        bc_sampler_transform(s, u, x);
        for (size_t c = 0; c < dim; c++)
            y[c] = -12345;
        bc_sampler_transform_copula(s, u2, y);
        for (size_t k = 0; k < d; k++) {
            const size_t off = bc_sampler_offset_of(s, k);
            if (bc_sampler_in_copula(s, k))
                CHECK(memcmp(&x[off], &y[off], sizeof x[off]) == 0);
            else
                CHECK(y[off] == -12345);
        }
    }
    bc_sampler_free(s);
    bc_model_free(m);
}

int main(void)
{
    test_addressing();
    test_copula_part();
    test_tables();
    test_log();
    test_normal();
    test_closed_forms();
    test_chunks();
    test_errors();
    return check_finish();
}
