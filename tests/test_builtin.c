/* test_builtin.c: the built-in analytic test models (Ishigami, Sobol' G):
 * values at hand-computed points; names, inputs and outputs; the closed-form
 * mean, variance and first-order partial variances against tensor-product
 * Gauss-Legendre quadrature of the model as evaluated; the same moments
 * through the engine (10^6 fixed-seed runs, 4 standard errors), bit-identical
 * for 1 and 2 threads; unknown names; overrides. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_integration.h>
#include <gsl/gsl_math.h>

#include "bcsim/engine.h"
#include "check.h"

#define MAXD 8
#define MAXQ 32

/* Ishigami constants and closed forms. */
static const double IA = 7, IB = 0.1;
static double ishigami_var(void)
{
    /* a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 */
    return IA * IA / 8 + IB * pow(M_PI, 4) / 5 + IB * IB * pow(M_PI, 8) / 18 + 0.5;
}

/* G constants and closed forms: V_i = 1 / (3 (1 + a_i)^2), V = prod (1 + V_i) - 1. */
static const double GA[MAXD] = {0, 1, 4.5, 9, 99, 99, 99, 99};
static double g_vi(size_t i)
{
    return 1 / (3 * (1 + GA[i]) * (1 + GA[i]));
}
static double g_var(void)
{
    double p = 1;
    for (size_t i = 0; i < MAXD; i++)
        p *= 1 + g_vi(i);
    return p - 1;
}

static bc_model *builtin(const char *name)
{
    bc_error err;
    bc_model *m = NULL;
    int rc = bc_model_builtin(name, &m, &err);
    if (rc)
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    CHECK_INT(rc, BC_OK);
    return m;
}

/* f at x, with the detail arrays (poisoned first, to see them zeroed). */
static double f_at(const bc_model *m, const double *x, int *be)
{
    bc_eval *e = bc_eval_alloc(m, 1);
    if (!e)
        return NAN;
    e->fte[0] = e->investment[0] = e->benefit_savings[0] = e->other_savings[0] = NAN;
    bc_model_eval(m, x, e);
    double f = e->gain[0];
    CHECK(e->avg_gain[0] == f);
    CHECK(e->npv[0] == f);
    CHECK(e->fte[0] == 0 && e->investment[0] == 0 && e->benefit_savings[0] == 0 &&
          e->other_savings[0] == 0);
    if (be)
        *be = e->break_even_year[0];
    bc_eval_free(e);
    return f;
}

static void test_names(void)
{
    const char *const *names = bc_model_builtin_names();
    CHECK(names[0] && strcmp(names[0], "ishigami") == 0);
    CHECK(names[1] && strcmp(names[1], "sobol-g") == 0);
    CHECK(names[2] == NULL);

    const size_t dims[2] = {3, 8};
    const double base[2] = {0, 0.5}, lo[2] = {-M_PI, 0}, hi[2] = {M_PI, 1};
    for (size_t k = 0; k < 2; k++) {
        bc_model *m = builtin(names[k]);
        if (!m)
            continue;
        char buf[64];
        CHECK(strcmp(bc_model_id(m), names[k]) == 0);
        snprintf(buf, sizeof buf, "builtin:%s", names[k]);
        CHECK(strcmp(bc_model_filename(m), buf) == 0);
        snprintf(buf, sizeof buf, "# built-in test model: %s\n", names[k]);
        CHECK(strncmp(bc_model_text(m), buf, strlen(buf)) == 0);
        CHECK_INT(bc_model_dim(m), dims[k]);
        CHECK_INT(bc_model_n_inputs(m), dims[k]);
        CHECK_INT(bc_model_n_outputs(m), 1);
        CHECK(strcmp(bc_model_output_id(m, 0), "f") == 0);
        CHECK(strcmp(bc_model_output_name(m, 0), "f(x)") == 0);
        CHECK(bc_model_output_id(m, 1) == NULL);
        CHECK_INT(bc_model_years(m), 1);
        CHECK_INT(bc_model_start_year(m), 1);
        CHECK(bc_model_discount_rate(m) == 0);
        CHECK_INT(bc_model_n_correlations(m), 0);
        CHECK_INT(bc_model_n_overrides(m), 0);
        double x[MAXD];
        bc_model_base_inputs(m, x);
        for (size_t i = 0; i < dims[k]; i++) {
            const bc_input *in = bc_model_input(m, i);
            snprintf(buf, sizeof buf, "x%zu", i + 1);
            CHECK(strcmp(in->name, buf) == 0);
            CHECK_INT(bc_model_find_input(m, buf), (long)i);
            CHECK_INT(in->offset, i);
            CHECK_INT(in->dim, 1);
            CHECK_INT(in->line, 0);
            CHECK(in->dist.kind == BC_DIST_UNIFORM);
            double a, b;
            bc_dist_support(&in->dist, &a, &b);
            CHECK(a == lo[k] && b == hi[k]);
            CHECK(x[i] == base[k]); /* the mean, exactly */
        }
        bc_model_free(m);
    }
}

static void test_titles(void)
{
    bc_model *m = builtin("ishigami");
    if (m) {
        CHECK(strcmp(bc_model_title(m), "Ishigami function (a = 7, b = 0.1)") == 0);
        bc_model_free(m);
    }
    m = builtin("sobol-g");
    if (m) {
        CHECK_HAS(bc_model_title(m), "a = 0, 1, 4.5, 9, 99, 99, 99, 99");
        bc_model_free(m);
    }
}

static void test_unknown(void)
{
    bc_error err;
    bc_model *keep = builtin("sobol-g"), *m = keep; /* *out must come back NULL */
    bc_error_clear(&err);
    CHECK_INT(bc_model_builtin("sobol", &m, &err), BC_EINVAL);
    CHECK(m == NULL);
    CHECK_INT(err.code, BC_EINVAL);
    CHECK(strcmp(err.msg, "unknown test model 'sobol' (expected ishigami or sobol-g)") == 0);
    CHECK_INT(bc_model_builtin("Ishigami", &m, &err), BC_EINVAL);
    CHECK_INT(bc_model_builtin("", &m, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "unknown test model '' (expected ishigami or sobol-g)") == 0);
    m = keep;
    CHECK_INT(bc_model_builtin(NULL, &m, NULL), BC_EINVAL);
    CHECK(m == NULL);
    bc_model_free(keep);
}

/* Known answers. Ishigami: f(pi/2, pi/2, 1) = 1 + a + b; f(0, 0, x3) = 0;
 * f(-pi/2, 0, 2) = -1 - 16 b. G: every factor at x = 1/2 is a_i / (1 + a_i),
 * and a_1 = 0; at x = 1 (or 0) it is (2 + a_i) / (1 + a_i). */
static void test_points(void)
{
    bc_model *m = builtin("ishigami");
    if (m) {
        int be = 99;
        CHECK_NEAR(f_at(m, (double[]){M_PI / 2, M_PI / 2, 1}, &be), 1 + IA + IB, 1e-12);
        CHECK_INT(be, 0);
        CHECK_NEAR(f_at(m, (double[]){0, 0, 1.7}, &be), 0, 1e-15);
        CHECK_INT(be, 0); /* f >= 0 */
        CHECK_NEAR(f_at(m, (double[]){-M_PI / 2, 0, 2}, &be), -1 - 16 * IB, 1e-12);
        CHECK_INT(be, BC_NO_BREAK_EVEN);
        /* a sin^2(x2) alone */
        CHECK_NEAR(f_at(m, (double[]){0, M_PI / 6, 3}, NULL), IA / 4, 1e-12);
        bc_model_free(m);
    }
    m = builtin("sobol-g");
    if (m) {
        double x[MAXD], want1 = 1;
        for (size_t i = 0; i < MAXD; i++) {
            x[i] = 0.5;
            want1 *= (2 + GA[i]) / (1 + GA[i]);
        }
        CHECK(f_at(m, x, NULL) == 0);
        x[0] = 1; /* first factor 2, the others a_i / (1 + a_i) */
        double want = 2;
        for (size_t i = 1; i < MAXD; i++)
            want *= GA[i] / (1 + GA[i]);
        CHECK_NEAR(f_at(m, x, NULL), want, 1e-14);
        for (size_t i = 0; i < MAXD; i++)
            x[i] = 1;
        CHECK_NEAR(f_at(m, x, NULL), want1, 1e-13);
        CHECK_NEAR(want1, 4.058355639, 1e-9);
        for (size_t i = 0; i < MAXD; i++)
            x[i] = 0;
        CHECK_NEAR(f_at(m, x, NULL), want1, 1e-13);
        /* without the detail arrays */
        bc_eval *e = bc_eval_alloc(m, 0);
        if (e) {
            bc_model_eval(m, x, e);
            CHECK_NEAR(e->gain[0], want1, 1e-13);
            bc_eval_free(e);
        }
        bc_model_free(m);
    }
}

/* Moments of f over the inputs by a tensor-product rule: each input's range
 * [lo, hi] cut into `pieces` equal parts with an n-point Gauss-Legendre rule
 * on each, weights normalised to probabilities. */
typedef struct quad {
    double mean, var, m4;  /* E f, Var f, E (f - E f)^4 */
    double vi[MAXD];       /* first-order partial variances Var E[f | x_i] */
    double cov1, cov1_var; /* Cov(x1, f) and Var((x1 - E x1)(f - E f)) */
} quad;

static void quadrature(const bc_model *m, size_t pieces, size_t n, quad *r)
{
    const size_t d = bc_model_dim(m), q = pieces * n;
    double t[MAXQ], w[MAXQ], lo, hi;
    bc_dist_support(&bc_model_input(m, 0)->dist, &lo, &hi);
    gsl_integration_glfixed_table *tab = gsl_integration_glfixed_table_alloc(n);
    for (size_t p = 0; p < pieces; p++) {
        double a = lo + (hi - lo) * (double)p / (double)pieces;
        double b = lo + (hi - lo) * (double)(p + 1) / (double)pieces;
        for (size_t j = 0; j < n; j++) {
            gsl_integration_glfixed_point(a, b, j, &t[p * n + j], &w[p * n + j], tab);
            w[p * n + j] /= hi - lo;
        }
    }
    gsl_integration_glfixed_table_free(tab);

    size_t total = 1;
    for (size_t i = 0; i < d; i++)
        total *= q;
    double cond[MAXD][MAXQ] = {{0}}; /* sum over the others of W f, per node of x_i */
    double mx1 = (lo + hi) / 2;
    bc_eval *e = bc_eval_alloc(m, 0);
    memset(r, 0, sizeof *r);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < total; k++) {
            double x[MAXD], W = 1;
            size_t idx[MAXD], rest = k;
            for (size_t i = 0; i < d; i++) {
                idx[i] = rest % q;
                rest /= q;
                x[i] = t[idx[i]];
                W *= w[idx[i]];
            }
            bc_model_eval(m, x, e);
            double f = e->gain[0];
            if (pass == 0) {
                r->mean += W * f;
                for (size_t i = 0; i < d; i++)
                    cond[i][idx[i]] += W * f;
            } else {
                double df = f - r->mean, c = (x[0] - mx1) * df;
                r->var += W * df * df;
                r->m4 += W * df * df * df * df;
                r->cov1 += W * c;
                r->cov1_var += W * c * c;
            }
        }
    }
    r->cov1_var -= r->cov1 * r->cov1;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < q; j++) {
            double dm = cond[i][j] / w[j] - r->mean; /* E[f | x_i = t_j] - E f */
            r->vi[i] += w[j] * dm * dm;
        }
    bc_eval_free(e);
}

/* The closed forms in the models' texts. Ishigami: 24 Gauss points over the
 * period are exact for x3^16 and converge for the sines; G: |4x - 2| is
 * linear on each half of [0, 1], so 3 points per half are exact up to f^4. */
static void test_quadrature(void)
{
    quad r;
    bc_model *m = builtin("ishigami");
    if (m) {
        quadrature(m, 1, 24, &r);
        CHECK_NEAR(r.mean, IA / 2, 1e-12);
        CHECK_NEAR(r.var, ishigami_var(), 1e-10);
        CHECK_NEAR(r.var, 13.8446, 1e-4); /* as the text says */
        double v1 = 1 + IB * pow(M_PI, 4) / 5;
        CHECK_NEAR(r.vi[0], v1 * v1 / 2, 1e-10);
        CHECK_NEAR(r.vi[1], IA * IA / 8, 1e-10);
        CHECK_NEAR(r.vi[2], 0, 1e-10);
        /* E[x1 sin x1] = 1 under U(-pi, pi) */
        CHECK_NEAR(r.cov1, v1, 1e-10);
        bc_model_free(m);
    }
    m = builtin("sobol-g");
    if (m) {
        quadrature(m, 2, 3, &r);
        CHECK_NEAR(r.mean, 1, 1e-12);
        CHECK_NEAR(r.var, g_var(), 1e-12);
        CHECK_NEAR(r.var, 0.465424, 1e-6);
        for (size_t i = 0; i < MAXD; i++)
            CHECK_NEAR(r.vi[i], g_vi(i), 1e-12);
        CHECK_NEAR(r.cov1, 0, 1e-12); /* f is symmetric about x_i = 1/2 */
        bc_model_free(m);
    }
}

static bc_summary *run(const bc_model *m, uint64_t n, int threads)
{
    bc_run_config cfg = {.runs = n, .seed = 20260101, .threads = threads, .sampler = BC_SAMPLER_MC};
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
    return a->n == b->n && !memcmp(a->mean, b->mean, n * sizeof(double)) &&
           !memcmp(a->sd, b->sd, n * sizeof(double)) &&
           !memcmp(a->min, b->min, n * sizeof(double)) &&
           !memcmp(a->max, b->max, n * sizeof(double)) &&
           !memcmp(a->q, b->q, n * BC_NQ * sizeof(double)) &&
           !memcmp(a->edges, b->edges, n * (BC_HIST_BINS + 1) * sizeof(double)) &&
           !memcmp(a->counts, b->counts, n * BC_HIST_BINS * sizeof(uint64_t));
}

static int same_summary(const bc_summary *a, const bc_summary *b)
{
    size_t p = a->n_reg_x + a->n_reg_y;
    return a->runs == b->runs && a->n_reg_x == b->n_reg_x &&
           same_series(&a->avg_gain, &b->avg_gain) && same_series(&a->npv, &b->npv) &&
           same_series(&a->gain, &b->gain) && a->be_prob[0] == b->be_prob[0] &&
           !memcmp(a->be_year_counts, b->be_year_counts, 2 * sizeof(uint64_t)) &&
           !memcmp(a->reg_mean, b->reg_mean, p * sizeof(double)) &&
           !memcmp(a->reg_cov, b->reg_cov, p * p * sizeof(double));
}

/* Through the engine, as users run it: 10^6 Monte Carlo runs, the mean within
 * 4 standard errors sqrt(V/n), the sd within 4 sqrt((mu4 - V^2)/n) / (2 sd)
 * (delta method), the input means within 4 sd/sqrt(n). */
static void test_engine(void)
{
    const uint64_t n = 1000000;
    const double dn = (double)n;
    const char *names[2] = {"ishigami", "sobol-g"};
    for (size_t k = 0; k < 2; k++) {
        bc_model *m = builtin(names[k]);
        if (!m)
            continue;
        quad r;
        quadrature(m, k ? 2 : 1, k ? 3 : 24, &r);
        bc_summary *s1 = run(m, n, 1), *s2 = run(m, n, 2);
        if (s1 && s2) {
            const size_t d = bc_model_dim(m);
            CHECK(same_summary(s1, s2));
            CHECK_INT(s1->n_reg_x, d);
            double mean = k ? 1 : IA / 2, var = k ? g_var() : ishigami_var(), sd = sqrt(var);
            CHECK_NEAR(s1->avg_gain.mean[0], mean, 4 * sqrt(var / dn));
            CHECK_NEAR(s1->avg_gain.sd[0], sd, 4 * sqrt((r.m4 - var * var) / dn) / (2 * sd));
            CHECK(s1->npv.mean[0] == s1->avg_gain.mean[0]);
            CHECK(s1->gain.sd[0] == s1->avg_gain.sd[0]);
            double xm = k ? 0.5 : 0, xsd = k ? sqrt(1.0 / 12) : M_PI / sqrt(3.0);
            for (size_t i = 0; i < d; i++)
                CHECK_NEAR(s1->reg_mean[i], xm, 4 * xsd / sqrt(dn));
            /* Cov(x1, f) from the regression support */
            size_t p = s1->n_reg_x + s1->n_reg_y;
            CHECK_NEAR(s1->reg_cov[0 * p + d], r.cov1, 4 * sqrt(r.cov1_var / dn));
            if (k) { /* G is never negative */
                CHECK(s1->avg_gain.min[0] >= 0);
                CHECK(s1->be_prob[0] == 1);
                CHECK_INT(s1->be_year_counts[0], n);
            }
        }
        bc_summary_free(s1);
        bc_summary_free(s2);
        bc_model_free(m);
    }
}

/* bc_model_set works on the test models as on any model: fixing x3 = 0
 * leaves f = sin x1 + a sin^2 x2, with mean a/2 and variance 1/2 + a^2/8. */
static void test_overrides(void)
{
    bc_error err;
    bc_model *m = builtin("ishigami");
    if (!m)
        return;
    CHECK_INT(bc_model_set(m, "x3=0", &err), BC_OK);
    CHECK_INT(bc_model_n_overrides(m), 1);
    CHECK(strcmp(bc_model_override(m, 0), "x3=0") == 0);
    CHECK(!bc_dist_is_random(&bc_model_input(m, 2)->dist));
    CHECK_INT(bc_model_set(m, "x1 = uniform:0,1.5", &err), BC_OK);
    CHECK_INT(bc_model_set(m, "x1=1.25", &err), BC_OK); /* the later one wins */
    double x[3];
    bc_model_base_inputs(m, x);
    CHECK(x[0] == 1.25 && x[1] == 0 && x[2] == 0);
    CHECK_NEAR(f_at(m, x, NULL), sin(1.25), 1e-15);
    CHECK_INT(bc_model_set(m, "x1=uniform:-3.141592653589793,3.141592653589793", &err), BC_OK);

    bc_error_clear(&err);
    CHECK_INT(bc_model_set(m, "x9=1", &err), BC_EINVAL);
    CHECK_HAS(err.msg, "unknown input 'x9' (did you mean x1?)");
    CHECK_INT(bc_model_set(m, "x2=uniform:1,0", &err), BC_EINVAL);
    CHECK_HAS(err.msg, "x2: ");
    CHECK_INT(bc_model_n_overrides(m), 4);

    const uint64_t n = 100000;
    bc_summary *s = run(m, n, 2);
    if (s) {
        double var = 0.5 + IA * IA / 8;
        /* f - a/2 = u + v, u = sin x1, v = -(a/2) cos 2 x2, independent and
         * symmetric: E u^2 = 1/2, E u^4 = 3/8, E v^2 = a^2/8, E v^4 = 3 a^4/128,
         * so E (f - a/2)^4 = 3/8 + 6 (1/2)(a^2/8) + 3 a^4/128 */
        double m4 = 3.0 / 8 + 3 * IA * IA / 8 + 3 * pow(IA, 4) / 128, sd = sqrt(var);
        CHECK_INT(s->n_reg_x, 2); /* x3 is fixed */
        CHECK_NEAR(s->avg_gain.mean[0], IA / 2, 4 * sqrt(var / (double)n));
        CHECK_NEAR(s->avg_gain.sd[0], sd, 4 * sqrt((m4 - var * var) / (double)n) / (2 * sd));
        bc_summary_free(s);
    }
    bc_model_free(m);
}

int main(void)
{
    test_names();
    test_titles();
    test_unknown();
    test_points();
    test_quadrature();
    test_engine();
    test_overrides();
    return check_finish();
}
