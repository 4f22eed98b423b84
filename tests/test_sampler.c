/* test_sampler.c: the sampler: uniforms depend on (seed, run) alone; the
 * tabulated inverse CDFs agree with GSL's CDF; the copula leaves uncorrelated
 * inputs alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/sampler.h"
#include "check.h"
#include "load.h"


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
    test_errors();
    return check_finish();
}
