/* test_bcase.c: the business-case formulas of MODEL.md sections 2-4 against
 * values computed by hand: overlapping cohorts, start > 0 and duration > 1,
 * truncation at the horizon, negative effects, profile and index, savings
 * lines, the unemployment trend and shocks, NPV and break-even year; runs
 * evaluated in batches give the bits of runs evaluated one by one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/model.h"
#include "bcsim/sampler.h"
#include "check.h"
#include "load.h"
#include "model_int.h"
#include "vmath_int.h"


/* Evaluate at the base case, or at x when given. */
static bc_eval *eval(const bc_model *m, const double *xin)
{
    double x[64];
    bc_eval *e = bc_eval_alloc(m, 1);
    if (xin)
        memcpy(x, xin, bc_model_dim(m) * sizeof x[0]);
    else
        bc_model_base_inputs(m, x);
    bc_model_eval(m, x, e);
    return e;
}

/* s = 0.5, d = 2.5: an exit of cohort c is off support from c+0.5 to c+3,
 * so w_k = ov(0.5, 3; k, k+1) = 0.5, 1, 1, 0 (k = 0..3). With X = 10 a year:
 * F = 5, 15, 25, 25 (the third year of cohort 0 and the tails of later
 * cohorts fall beyond the 4-year horizon and are not counted). */
static void test_overlap_profile_index(void)
{
    bc_model *m = load("model: t\n"
                       "horizon: {start_year: 2030, years: 4}\n"
                       "proposals:\n"
                       "  - id: p\n"
                       "    investment: 3\n"
                       "    investment_profile: [1, 0.5, 0.5, 0]\n"
                       "    participants: 100\n"
                       "    effect: 0.1\n"
                       "    start: 0.5\n"
                       "    duration: 2.5\n"
                       "    unit_cost: 200000\n"
                       "    unit_cost_index: [1, 1.1, 1.2, 1.3]\n");
    CHECK(m != NULL);
    if (!m)
        return;
    bc_eval *e = eval(m, NULL);
    const double F[4] = {5, 15, 25, 25};
    const double I[4] = {3, 1.5, 1.5, 0};
    /* B_t = F_t u k_t / 1e6 = F_t * 0.2 * k_t */
    const double B[4] = {1.0, 3.3, 6.0, 6.5};
    const double G[4] = {-2.0, 1.8, 4.5, 6.5};
    for (int t = 0; t < 4; t++) {
        CHECK_NEAR(e->fte[t], F[t], 1e-12);
        CHECK_NEAR(e->investment[t], I[t], 1e-12);
        CHECK_NEAR(e->benefit_savings[t], B[t], 1e-12);
        CHECK_NEAR(e->other_savings[t], 0, 0);
        CHECK_NEAR(e->gain[t], G[t], 1e-12);
        /* portfolio of one proposal = the proposal */
        CHECK_NEAR(e->gain[4 + t], G[t], 1e-12);
        CHECK_NEAR(e->fte[4 + t], F[t], 1e-12);
    }
    CHECK_NEAR(e->avg_gain[0], 10.8 / 4, 1e-12);
    CHECK_NEAR(e->npv[0], 10.8, 1e-12); /* r = 0 */
    CHECK_INT(e->break_even_year[0], 2); /* cumulative -2, -0.2, 4.3 */
    bc_eval_free(e);
    bc_model_free(m);
}

/* s = 0.25, d = 1.5: w = 0.75, 0.75, 0, ...; F = 7.5, 15, 15. Also the three
 * kinds of savings line and the discount rate. */
static void test_lines_and_npv(void)
{
    bc_model *m = load("model: t\n"
                       "horizon: {years: 3}\n"
                       "discount_rate: 0.05\n"
                       "proposals:\n"
                       "  - id: p\n"
                       "    investment: 1\n"
                       "    participants: 200\n"
                       "    effect: 0.05\n"
                       "    start: 0.25\n"
                       "    duration: 1.5\n"
                       "    unit_cost: 100000\n"
                       "    savings:\n"
                       "      - {name: f, per: fte, amount: 20000}\n"
                       "      - {name: x, per: exit, amount: 50000}\n"
                       "      - {name: y, per: year, amount: 0.25}\n");
    CHECK(m != NULL);
    if (!m)
        return;
    bc_eval *e = eval(m, NULL);
    const double F[3] = {7.5, 15, 15};
    double sum = 0, npv = 0;
    for (int t = 0; t < 3; t++) {
        double B = F[t] * 0.1;
        /* fte line 20000 F/1e6, exit line 50000 X/1e6 with X = 10, year line 0.25 */
        double L = F[t] * 0.02 + 10 * 0.05 + 0.25;
        double G = B + L - 1;
        CHECK_NEAR(e->fte[t], F[t], 1e-12);
        CHECK_NEAR(e->benefit_savings[t], B, 1e-12);
        CHECK_NEAR(e->other_savings[t], L, 1e-12);
        CHECK_NEAR(e->gain[t], G, 1e-12);
        sum += G;
        npv += G / pow(1.05, t);
    }
    CHECK_NEAR(e->avg_gain[0], sum / 3, 1e-12);
    CHECK_NEAR(e->npv[0], npv, 1e-12);
    CHECK_INT(e->break_even_year[0], 0);
    bc_eval_free(e);
    bc_model_free(m);
}

/* A negative effect (lock-in) makes savings negative; never breaks even.
 * Two proposals: the portfolio is their sum, year by year. */
static void test_negative_and_portfolio(void)
{
    bc_model *m = load("model: t\n"
                       "horizon: {years: 2}\n"
                       "proposals:\n"
                       "  - {id: neg, investment: 1, participants: 100, effect: -0.05,"
                       " duration: 1, unit_cost: 200000}\n"
                       "  - {id: pos, investment: 0.5, participants: 10, effect: 1,"
                       " duration: 0.5, unit_cost: 300000}\n");
    CHECK(m != NULL);
    if (!m)
        return;
    bc_eval *e = eval(m, NULL);
    for (int t = 0; t < 2; t++) {
        CHECK_NEAR(e->fte[t], -5, 1e-12);
        CHECK_NEAR(e->gain[t], -5 * 0.2 - 1, 1e-12);
        /* pos: X = 10, d = 0.5 from s = 0: F = 5, B = 1.5, G = 1.0 */
        CHECK_NEAR(e->fte[2 + t], 5, 1e-12);
        CHECK_NEAR(e->gain[2 + t], 1.0, 1e-12);
        CHECK_NEAR(e->gain[4 + t], -1.0, 1e-12);
        CHECK_NEAR(e->fte[4 + t], 0, 1e-12);
        CHECK_NEAR(e->investment[4 + t], 1.5, 1e-12);
    }
    CHECK_INT(e->break_even_year[0], BC_NO_BREAK_EVEN);
    CHECK_INT(e->break_even_year[1], 0);
    CHECK_INT(e->break_even_year[2], BC_NO_BREAK_EVEN);
    CHECK_NEAR(e->avg_gain[2], -1.0, 1e-12);
    bc_eval_free(e);
    bc_model_free(m);
}

/* Unemployment: ln U_t = sum_{tau<=t} (ln(1+g) + sigma eps_tau), m_t = U_t^-eta,
 * X_t = n e m_t. With s = 0, d = 1, F_t = X_t. */
static void test_unemployment(void)
{
    bc_model *m = load("model: t\n"
                       "horizon: {years: 3}\n"
                       "unemployment: {drift: 0.1, volatility: 0.2}\n"
                       "proposals:\n"
                       "  - {id: p, investment: 0, participants: 100, effect: 0.1,"
                       " elasticity: 2, duration: 1, unit_cost: 1000000}\n");
    CHECK(m != NULL);
    if (!m)
        return;
    double x[32];
    bc_model_base_inputs(m, x);
    long sh = bc_model_find_input(m, "unemployment.shocks");
    CHECK(sh >= 0);
    if (sh < 0)
        return;
    size_t off = bc_model_input(m, (size_t)sh)->offset;
    /* base case: shocks 0, U_t = 1.1^(t+1) */
    bc_eval *e = eval(m, x);
    for (int t = 0; t < 3; t++)
        CHECK_NEAR(e->fte[t], 10 * pow(1.1, -2.0 * (t + 1)), 1e-12);
    bc_eval_free(e);
    const double eps[3] = {1.0, -0.5, 2.0};
    for (int t = 0; t < 3; t++)
        x[off + (size_t)t] = eps[t];
    e = eval(m, x);
    double lnu = 0;
    for (int t = 0; t < 3; t++) {
        lnu += log(1.1) + 0.2 * eps[t];
        double X = 10 * exp(-2 * lnu);
        CHECK_NEAR(e->fte[t], X, 1e-12);
        CHECK_NEAR(e->gain[t], X, 1e-12); /* u = 1e6: 1 mDKK per full-year person */
    }
    bc_eval_free(e);
    bc_model_free(m);
}

/* Evaluation without the detail arrays gives the same gains. */
static void test_no_detail(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (!m)
        return;
    double x[64];
    bc_model_base_inputs(m, x);
    bc_eval *a = bc_eval_alloc(m, 1), *b = bc_eval_alloc(m, 0);
    CHECK(b->fte == NULL);
    bc_model_eval(m, x, a);
    bc_model_eval(m, x, b);
    size_t n = bc_model_n_outputs(m) * bc_model_years(m);
    CHECK(memcmp(a->gain, b->gain, n * sizeof(double)) == 0);
    CHECK(memcmp(a->avg_gain, b->avg_gain, bc_model_n_outputs(m) * sizeof(double)) == 0);
    bc_eval_free(a);
    bc_eval_free(b);
    bc_model_free(m);
}

/* n runs of m at once (inputs drawn by the sampler, with some elasticities
 * exactly 0 when `zero_eta`), column by column with strides larger than n,
 * give every output and detail of each run evaluated alone, bit for bit. */
static void batch_matches(const bc_model *m, size_t n, int zero_eta)
{
    const size_t dim = bc_model_dim(m), O = bc_model_n_outputs(m), H = bc_model_years(m);
    const size_t ldx = n + 3, ldv = n + 5, ldb = n + 1, S = O * (2 + H);
    double *x = malloc(dim * ldx * sizeof *x), *v = malloc(S * ldv * sizeof *v);
    double *det[4];
    for (int a = 0; a < 4; a++)
        det[a] = malloc(O * H * ldv * sizeof(double));
    int *be = malloc(O * ldb * sizeof *be);
    double *xr = malloc(dim * sizeof *xr), *u = malloc((dim + 1) * sizeof *u);
    bc_eval *e = bc_eval_alloc(m, 1);
    bc_sampler *smp = NULL;
    bc_error err;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 5, n, &smp, &err), BC_OK);
    long eta = bc_model_find_input(m, "sick.elasticity");
    for (size_t i = 0; smp && i < n; i++) {
        bc_sampler_inputs(smp, i, xr, u);
        if (zero_eta && eta >= 0 && i % 3 == 0)
            xr[bc_model_input(m, (size_t)eta)->offset] = 0;
        for (size_t j = 0; j < dim; j++)
            x[j * ldx + i] = xr[j];
    }
    const bc_batch_out out = {.v = v, .ldv = ldv, .be = be, .ldb = ldb, .fte = det[0],
                              .investment = det[1], .benefit_savings = det[2],
                              .other_savings = det[3]};
    bc_model_eval_batch(m, x, ldx, n, &out);
    int same = 1;
    for (size_t i = 0; smp && i < n; i++) {
        for (size_t j = 0; j < dim; j++)
            xr[j] = x[j * ldx + i];
        bc_model_eval(m, xr, e);
        const double *mine[4] = {e->fte, e->investment, e->benefit_savings, e->other_savings};
        for (size_t c = 0; c < S; c++)
            same &= memcmp(&v[c * ldv + i], &e->avg_gain[c], sizeof(double)) == 0;
        for (size_t o = 0; o < O; o++)
            same &= be[o * ldb + i] == e->break_even_year[o];
        for (int a = 0; a < 4; a++)
            for (size_t c = 0; c < O * H; c++)
                same &= memcmp(&det[a][c * ldv + i], &mine[a][c], sizeof(double)) == 0;
    }
    CHECK(same);
    bc_sampler_free(smp);
    bc_eval_free(e);
    free(x);
    free(v);
    for (int a = 0; a < 4; a++)
        free(det[a]);
    free(be);
    free(xr);
    free(u);
}

static void test_batch(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    /* fewer, as many as and more runs than are computed together, and not a
     * multiple of them */
    const size_t sizes[] = {1, 5, 16, 37, 100};
    for (size_t k = 0; m && k < sizeof sizes / sizeof sizes[0]; k++) {
        batch_matches(m, sizes[k], 0);
        batch_matches(m, sizes[k], 1);
    }
    bc_model_free(m);
    /* every kind of savings line, a discount rate, no shocks */
    m = load("model: t\n"
             "horizon: {years: 7}\n"
             "discount_rate: 0.035\n"
             "unemployment: {drift: {dist: normal, mean: 0.02, sd: 0.03}, volatility: 0}\n"
             "proposals:\n"
             "  - id: p\n"
             "    investment: {dist: uniform, min: 1, max: 3}\n"
             "    participants: 150\n"
             "    effect: {dist: pert, min: -0.05, mode: 0.1, max: 0.3}\n"
             "    elasticity: {dist: uniform, min: -1, max: 1}\n"
             "    start: {dist: triangular, min: 0, mode: 0.2, max: 1.5}\n"
             "    duration: {dist: lognormal, mean: 1.2, sd: 0.5}\n"
             "    unit_cost: {dist: normal, mean: 120000, sd: 15000, min: 50000}\n"
             "    savings:\n"
             "      - {name: f, per: fte, amount: {dist: uniform, min: 0, max: 30000}}\n"
             "      - {name: x, per: exit, amount: {dist: uniform, min: 0, max: 20000}}\n"
             "      - {name: y, per: year, amount: {dist: normal, mean: 0.2, sd: 0.1}}\n");
    CHECK(m != NULL);
    if (m)
        batch_matches(m, 37, 0);
    bc_model_free(m);
    const char *const *names = bc_model_builtin_names();
    for (size_t k = 0; names[k]; k++) {
        m = NULL;
        CHECK_INT(bc_model_builtin(names[k], &m, &err), BC_OK);
        if (m)
            batch_matches(m, 37, 0);
        bc_model_free(m);
    }
}

/* The model's exponential (U^-eta) against libm's: at most 1 ulp apart at
 * 2 million points from e^-745 (the smallest subnormal) to e^709.7 (near the
 * largest double), and the same limits: exactly 1 at 0, 0 and inf beyond the
 * range, NaN for NaN. */
static void test_exp(void)
{
    double worst = 0;
    for (long i = 0; i <= 2000000; i++) {
        const double x = -745.0 + 1454.78 * ((double)i / 2000000.0) + 1e-9 * (double)(i % 7);
        const double a = bc_exp(x), b = exp(x);
        const double ulp = nextafter(b, INFINITY) - b;
        const double d = a == b ? 0 : fabs(a - b) / ulp;
        worst = d > worst ? d : worst;
    }
    CHECK(worst <= 1.0);
    CHECK(bc_exp(0.0) == 1.0 && bc_exp(-0.0) == 1.0);
    CHECK(bc_exp(1.0) == exp(1.0) || fabs(bc_exp(1.0) - exp(1.0)) <= 0x1p-51);
    CHECK(bc_exp(-800) == 0 && bc_exp(-1e300) == 0);
    CHECK(isinf(bc_exp(710)) && isinf(bc_exp(1e300)) && isinf(bc_exp(INFINITY)));
    CHECK(bc_exp(-INFINITY) == 0);
    CHECK(isnan(bc_exp(NAN)));
}

int main(void)
{
    test_overlap_profile_index();
    test_lines_and_npv();
    test_negative_and_portfolio();
    test_unemployment();
    test_no_detail();
    test_batch();
    test_exp();
    return check_finish();
}
