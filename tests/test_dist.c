/* test_dist.c: distributions: every parameter check, base defaults,
 * quantile/CDF agreement, moments against numerical integration of the
 * quantile function, and closed-form quantiles. */
#include <math.h>
#include <string.h>

#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "bcsim/dist.h"
#include "check.h"

#define B(k) (1u << (k))

static bc_dist_params P(bc_dist_kind kind)
{
    bc_dist_params p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    return p;
}

static void set(bc_dist_params *p, int key, double v)
{
    p->v[key] = v;
    p->given |= B(key);
}

/* Expect init to fail blaming `key` with a message containing `text`. */
static void bad(const bc_dist_params *p, int key, const char *text)
{
    bc_dist d;
    bc_error err;
    bc_error_clear(&err);
    int blamed = -2;
    int rc = bc_dist_init(&d, p, &blamed, &err);
    CHECK_INT(rc, BC_EINVAL);
    CHECK_INT(blamed, key);
    CHECK_HAS(err.msg, text);
}

static int good(const bc_dist_params *p, bc_dist *d)
{
    bc_error err;
    int rc = bc_dist_init(d, p, NULL, &err);
    if (rc)
        fprintf(stderr, "unexpected: %s\n", err.msg);
    CHECK_INT(rc, BC_OK);
    return rc == BC_OK;
}

/* Mean and sd by integrating the quantile function over u (midpoints of
 * 2e5 cells), the CDF as the inverse of the quantile, and the sample range. */
static void check_consistent(const bc_dist *d, double tol_rel)
{
    const int n = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double x = bc_dist_quantile(d, (i + 0.5) / n);
        s += x;
        s2 += x * x;
    }
    double mean = s / n, sd = sqrt(s2 / n - mean * mean);
    double m = bc_dist_mean(d), sdd = bc_dist_sd(d);
    double scale = sdd > 0 ? sdd : 1;
    CHECK_NEAR(mean, m, tol_rel * scale);
    CHECK_NEAR(sd, sdd, tol_rel * scale);
    if (d->kind != BC_DIST_DISCRETE) {
        static const double us[] = {1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-6};
        for (size_t i = 0; i < sizeof us / sizeof us[0]; i++)
            CHECK_NEAR(bc_dist_cdf(d, bc_dist_quantile(d, us[i])), us[i], 1e-9);
    }
    double lo, hi, slo, shi;
    bc_dist_range(d, &lo, &hi);
    bc_dist_support(d, &slo, &shi);
    CHECK(lo >= slo && hi <= shi && lo <= hi);
    CHECK(isfinite(lo) && isfinite(hi));
}

static void test_uniform(void)
{
    bc_dist_params p = P(BC_DIST_UNIFORM);
    bad(&p, -1, "needs 'min'");
    set(&p, BC_P_MIN, 2);
    bad(&p, -1, "needs 'max'");
    set(&p, BC_P_MAX, 2);
    bad(&p, BC_P_MAX, "must be greater than min");
    set(&p, BC_P_MAX, 6);
    bc_dist d;
    if (good(&p, &d)) {
        CHECK_NEAR(d.base, 4, 0);
        CHECK_NEAR(bc_dist_quantile(&d, 0.25), 3, 1e-15);
        CHECK_NEAR(bc_dist_sd(&d), 4 / sqrt(12), 1e-15);
        check_consistent(&d, 1e-4);
    }
    set(&p, BC_P_MEAN, 1);
    bad(&p, BC_P_MEAN, "'mean' is not a parameter of the uniform");
    p.given &= ~B(BC_P_MEAN);
    set(&p, BC_P_BASE, 7);
    bad(&p, BC_P_BASE, "base (7) lies outside");
    set(&p, BC_P_BASE, 5);
    if (good(&p, &d))
        CHECK_NEAR(d.base, 5, 0);
    set(&p, BC_P_MIN, NAN);
    bad(&p, BC_P_MIN, "must be a finite number");
}

static void test_normal(void)
{
    bc_dist_params p = P(BC_DIST_NORMAL);
    set(&p, BC_P_MEAN, 1);
    bad(&p, -1, "needs 'sd'");
    set(&p, BC_P_SD, 0);
    bad(&p, BC_P_SD, "sd (0) must be positive");
    set(&p, BC_P_SD, -1);
    bad(&p, BC_P_SD, "must be positive");
    set(&p, BC_P_SD, 2);
    bc_dist d;
    if (good(&p, &d)) {
        CHECK_NEAR(d.base, 1, 0);
        CHECK_NEAR(bc_dist_quantile(&d, 0.975), 1 + 2 * 1.959963984540054, 1e-12);
        check_consistent(&d, 1e-3);
    }
    /* truncated to [0, 2]: mean stays 1 by symmetry, sd shrinks */
    set(&p, BC_P_MIN, 0);
    set(&p, BC_P_MAX, 2);
    if (good(&p, &d)) {
        CHECK_NEAR(bc_dist_mean(&d), 1, 1e-14);
        double lo, hi;
        bc_dist_range(&d, &lo, &hi);
        CHECK(lo >= 0 && hi <= 2);
        /* closed form: var = sd^2 (1 - 2 a phi(a) / (2 Phi(a) - 1)), a = 0.5 */
        double a = 0.5, ph = exp(-a * a / 2) / sqrt(2 * M_PI);
        double Z = 2 * gsl_cdf_ugaussian_P(a) - 1;
        CHECK_NEAR(bc_dist_sd(&d), 2 * sqrt(1 - 2 * a * ph / Z), 1e-12);
        check_consistent(&d, 1e-4);
    }
    /* one-sided, far into the upper tail: must stay accurate */
    p.given &= ~B(BC_P_MAX);
    set(&p, BC_P_MIN, 11); /* 5 sd above the mean */
    if (good(&p, &d)) {
        CHECK(bc_dist_quantile(&d, 0.5) > 11);
        check_consistent(&d, 1e-3);
        CHECK(d.base > 11); /* base defaults to the truncated mean */
    }
    set(&p, BC_P_MIN, 101); /* 50 sd: no probability left */
    bad(&p, BC_P_MIN, "holds almost none");
    set(&p, BC_P_MIN, 3);
    set(&p, BC_P_MAX, 3);
    bad(&p, BC_P_MAX, "must be greater than min");
    set(&p, BC_P_MODE, 1);
    bad(&p, BC_P_MODE, "'mode' is not a parameter of the normal");
}

static void test_lognormal_gamma(void)
{
    for (int k = 0; k < 2; k++) {
        bc_dist_kind kind = k ? BC_DIST_GAMMA : BC_DIST_LOGNORMAL;
        bc_dist_params p = P(kind);
        set(&p, BC_P_MEAN, 0);
        set(&p, BC_P_SD, 1);
        bad(&p, BC_P_MEAN, "mean (0) must be positive");
        set(&p, BC_P_MEAN, -2);
        bad(&p, BC_P_MEAN, "must be positive");
        set(&p, BC_P_MEAN, 2);
        set(&p, BC_P_SD, 0);
        bad(&p, BC_P_SD, "must be positive");
        set(&p, BC_P_SD, 0.5);
        bc_dist d;
        if (good(&p, &d)) {
            CHECK_NEAR(d.base, 2, 0);
            CHECK_NEAR(bc_dist_mean(&d), 2, 0);
            CHECK_NEAR(bc_dist_sd(&d), 0.5, 0);
            check_consistent(&d, 2e-3);
        }
        set(&p, BC_P_MIN, 0);
        bad(&p, BC_P_MIN, "is not a parameter");
    }
    /* lognormal median = exp(mu) = mean / sqrt(1 + cv^2) */
    bc_dist_params p = P(BC_DIST_LOGNORMAL);
    set(&p, BC_P_MEAN, 100);
    set(&p, BC_P_SD, 50);
    bc_dist d;
    if (good(&p, &d))
        CHECK_NEAR(bc_dist_quantile(&d, 0.5), 100 / sqrt(1.25), 1e-10);
    /* gamma with shape 1 is exponential: median = mean ln 2 */
    p = P(BC_DIST_GAMMA);
    set(&p, BC_P_MEAN, 3);
    set(&p, BC_P_SD, 3);
    if (good(&p, &d))
        CHECK_NEAR(bc_dist_quantile(&d, 0.5), 3 * log(2), 1e-10);
    set(&p, BC_P_SD, 1e9);
    bad(&p, BC_P_SD, "give a shape outside");
}

static void test_triangular_pert(void)
{
    for (int k = 0; k < 2; k++) {
        bc_dist_kind kind = k ? BC_DIST_PERT : BC_DIST_TRIANGULAR;
        bc_dist_params p = P(kind);
        set(&p, BC_P_MIN, 0);
        set(&p, BC_P_MAX, 10);
        bad(&p, -1, "needs 'mode'");
        set(&p, BC_P_MODE, 11);
        bad(&p, BC_P_MODE, "mode (11) must lie in [min, max]");
        set(&p, BC_P_MODE, -1);
        bad(&p, BC_P_MODE, "must lie in");
        set(&p, BC_P_MODE, 2);
        set(&p, BC_P_MAX, 0);
        bad(&p, BC_P_MAX, "must be greater than min");
        set(&p, BC_P_MAX, 10);
        bc_dist d;
        if (good(&p, &d)) {
            CHECK_NEAR(d.base, 2, 0); /* base defaults to the mode */
            check_consistent(&d, 2e-4);
        }
        /* mode at an end is allowed */
        set(&p, BC_P_MODE, 0);
        if (good(&p, &d))
            check_consistent(&d, 2e-4);
        set(&p, BC_P_MODE, 10);
        if (good(&p, &d))
            check_consistent(&d, 2e-4);
    }
    /* triangular closed forms: F(mode) = (c-a)/(b-a); mean (a+b+c)/3 */
    bc_dist_params p = P(BC_DIST_TRIANGULAR);
    set(&p, BC_P_MIN, 1);
    set(&p, BC_P_MODE, 2);
    set(&p, BC_P_MAX, 5);
    bc_dist d;
    if (good(&p, &d)) {
        CHECK_NEAR(bc_dist_quantile(&d, 0.25), 2, 1e-15);
        CHECK_NEAR(bc_dist_mean(&d), 8.0 / 3, 1e-15);
    }
    /* PERT: mean (min + lambda mode + max)/(lambda + 2); lambda checks */
    p = P(BC_DIST_PERT);
    set(&p, BC_P_MIN, 0);
    set(&p, BC_P_MODE, 3);
    set(&p, BC_P_MAX, 12);
    if (good(&p, &d)) {
        CHECK_NEAR(bc_dist_mean(&d), (0 + 4 * 3 + 12) / 6.0, 1e-14);
        CHECK_NEAR(d.p[BC_P_LAMBDA], 4, 0);
    }
    set(&p, BC_P_LAMBDA, 0);
    bad(&p, BC_P_LAMBDA, "lambda (0) must be positive");
    set(&p, BC_P_LAMBDA, 2);
    if (good(&p, &d))
        CHECK_NEAR(bc_dist_mean(&d), (0 + 2 * 3 + 12) / 4.0, 1e-14);
}

static void test_beta(void)
{
    bc_dist_params p = P(BC_DIST_BETA);
    bad(&p, -1, "needs 'mean'");
    set(&p, BC_P_MEAN, 0.3);
    set(&p, BC_P_SD, 0.1);
    bc_dist d;
    if (good(&p, &d)) {
        /* k = m(1-m)/v - 1 = 0.21/0.01 - 1 = 20: alpha 6, beta 14 */
        CHECK_NEAR(d.a, 6, 1e-12);
        CHECK_NEAR(d.b, 14, 1e-12);
        CHECK_NEAR(d.base, 0.3, 1e-15);
        check_consistent(&d, 2e-4);
    }
    set(&p, BC_P_SD, 0.5);
    bad(&p, BC_P_SD, "too large for a beta");
    set(&p, BC_P_SD, 0.1);
    set(&p, BC_P_MEAN, 1.0);
    bad(&p, BC_P_MEAN, "must lie strictly inside");
    set(&p, BC_P_MEAN, 0.3);
    set(&p, BC_P_ALPHA, 2);
    bad(&p, BC_P_ALPHA, "either mean and sd, or alpha and beta");
    /* alpha/beta on [10, 20] */
    p = P(BC_DIST_BETA);
    set(&p, BC_P_ALPHA, 2);
    set(&p, BC_P_BETA, 3);
    set(&p, BC_P_MIN, 10);
    set(&p, BC_P_MAX, 20);
    if (good(&p, &d)) {
        CHECK_NEAR(bc_dist_mean(&d), 14, 1e-12);
        check_consistent(&d, 2e-4);
    }
    set(&p, BC_P_BETA, -3);
    bad(&p, BC_P_BETA, "beta (-3) must be positive");
    set(&p, BC_P_BETA, 3);
    set(&p, BC_P_MAX, 5);
    bad(&p, BC_P_MAX, "must be greater than min");
    p.given &= ~B(BC_P_BETA);
    set(&p, BC_P_MAX, 20);
    bad(&p, -1, "needs 'beta'");
}

static void test_discrete(void)
{
    const double v[] = {3, 1, 2}, w[] = {1, 2, 1};
    bc_dist_params p = P(BC_DIST_DISCRETE);
    p.values = v;
    p.n_values = 3;
    p.given = B(BC_P_VALUES);
    bad(&p, -1, "needs 'weights'");
    p.weights = w;
    p.n_weights = 2;
    p.given |= B(BC_P_WEIGHTS);
    bad(&p, BC_P_WEIGHTS, "3 values but 2 weights");
    p.n_weights = 3;
    bc_dist d;
    if (good(&p, &d)) {
        /* sorted: 1 (0.5), 2 (0.25), 3 (0.25) */
        CHECK_NEAR(bc_dist_quantile(&d, 0.49), 1, 0);
        CHECK_NEAR(bc_dist_quantile(&d, 0.5), 1, 0);
        CHECK_NEAR(bc_dist_quantile(&d, 0.51), 2, 0);
        CHECK_NEAR(bc_dist_quantile(&d, 0.76), 3, 0);
        CHECK_NEAR(bc_dist_mean(&d), 1.75, 1e-15);
        CHECK_NEAR(bc_dist_cdf(&d, 2.5), 0.75, 1e-15);
        CHECK_NEAR(d.base, 1.75, 1e-15);
        check_consistent(&d, 1e-4);
        bc_dist c;
        CHECK_INT(bc_dist_copy(&c, &d, NULL), BC_OK);
        CHECK(c.values != d.values && c.values[2] == 3);
        bc_dist_free(&c);
        char buf[200];
        bc_dist_format(&d, buf, sizeof buf);
        CHECK(strcmp(buf, "discrete(values=[1, 2, 3], weights=[0.5, 0.25, 0.25]) base=1.75") ==
              0);
        bc_dist_free(&d);
    }
    const double w0[] = {1, 0, 1};
    p.weights = w0;
    bad(&p, BC_P_WEIGHTS, "weight 2 is not a positive");
}

static void test_fixed_and_names(void)
{
    bc_dist d;
    bc_dist_fixed(&d, 2.5);
    CHECK(!bc_dist_is_random(&d));
    CHECK_NEAR(bc_dist_quantile(&d, 0.3), 2.5, 0);
    CHECK_NEAR(bc_dist_sd(&d), 0, 0);
    char buf[64];
    bc_dist_format(&d, buf, sizeof buf);
    CHECK(strcmp(buf, "2.5") == 0);
    bc_dist_kind k;
    CHECK_INT(bc_dist_kind_from_name("pert", &k), BC_OK);
    CHECK_INT(k, BC_DIST_PERT);
    CHECK_INT(bc_dist_kind_from_name("fixed", &k), BC_EINVAL);
    CHECK_INT(bc_dist_kind_from_name("Pert", &k), BC_EINVAL);
    CHECK_INT(bc_dist_key_from_name("lambda"), BC_P_LAMBDA);
    CHECK_INT(bc_dist_key_from_name("lamda"), -1);
    bc_dist_params p = P(BC_DIST_PERT);
    set(&p, BC_P_MIN, 0);
    set(&p, BC_P_MODE, 0.1);
    set(&p, BC_P_MAX, 0.3);
    set(&p, BC_P_BASE, 0.12);
    if (good(&p, &d)) {
        bc_dist_format(&d, buf, sizeof buf);
        CHECK(strcmp(buf, "pert(min=0, mode=0.1, max=0.3, lambda=4) base=0.12") == 0);
    }
    char num[40];
    bc_format_double(num, sizeof num, 0.1);
    CHECK(strcmp(num, "0.1") == 0);
    bc_format_double(num, sizeof num, 1.0 / 3);
    CHECK(strtod(num, NULL) == 1.0 / 3);
}

int main(void)
{
    test_uniform();
    test_normal();
    test_lognormal_gamma();
    test_triangular_pert();
    test_beta();
    test_discrete();
    test_fixed_and_names();
    return check_finish();
}
