/* test_numeric.c: numeric safety. Extreme but valid models either run with
 * every statistic finite or are refused at load by bc_model_check_finite,
 * with the file, line and column of the input to narrow; run indices beyond
 * 2^32 (and up to 2^64 - 1) address their own uniforms, segments and Latin
 * hypercube strata; a run too large for the machine is refused before it
 * allocates. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/engine.h"
#include "bcsim/sampler.h"
#include "check.h"
#include "load.h"

/* ---- helpers ------------------------------------------------------------- */

/* Load `text` as "t.yaml"; NULL (and the message in *err) when refused. */
static bc_model *try_load(const char *text, bc_error *err)
{
    bc_model *m = NULL;
    bc_error_clear(err);
    if (bc_model_load_string(text, strlen(text), "t.yaml", &m, err))
        return NULL;
    return m;
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static int series_finite(const bc_series *s)
{
    return all_finite(s->mean, s->n) && all_finite(s->sd, s->n) && all_finite(s->min, s->n) &&
           all_finite(s->max, s->n) && all_finite(s->q, s->n * BC_NQ) &&
           (!s->edges || all_finite(s->edges, s->n * (BC_HIST_BINS + 1)));
}

/* Every floating-point number of a summary is finite. */
static int summary_finite(const bc_summary *s)
{
    const size_t O = s->n_outputs, p = s->n_reg_x + s->n_reg_y;
    return series_finite(&s->avg_gain) && series_finite(&s->npv) && series_finite(&s->gain) &&
           all_finite(s->be_prob, O) && all_finite(s->be_se, O) && all_finite(s->loss_prob, O) &&
           all_finite(s->loss_se, O) && all_finite(s->reg_mean, p) &&
           all_finite(s->reg_cov, p * p) && isfinite(s->quantile_resolution);
}

/* A model that must load and pass the check; runs it (LHS too) and checks
 * that every statistic is finite. Returns the largest |avg_gain| seen. */
static double run_finite(const char *text, uint64_t runs)
{
    bc_error err;
    bc_model *m = try_load(text, &err);
    if (!m) {
        fprintf(stderr, "unexpected refusal: %s\n", err.msg);
        CHECK(m != NULL);
        return NAN;
    }
    CHECK_INT(bc_model_check_finite(m, &err), BC_OK);
    double biggest = 0;
    for (int kind = 0; kind < 2; kind++) {
        bc_run_config cfg = {.runs = runs,
                             .seed = 5,
                             .threads = 2,
                             .sampler = kind ? BC_SAMPLER_LHS : BC_SAMPLER_MC};
        bc_summary *s = NULL;
        int rc = bc_engine_run(m, &cfg, &s, &err);
        if (rc)
            fprintf(stderr, "engine: %s\n", err.msg);
        CHECK_INT(rc, BC_OK);
        if (s) {
            CHECK(summary_finite(s));
            for (size_t o = 0; o < s->n_outputs; o++) {
                biggest = fmax(biggest, fabs(s->avg_gain.min[o]));
                biggest = fmax(biggest, fabs(s->avg_gain.max[o]));
            }
        }
        bc_summary_free(s);
    }
    bc_model_free(m);
    return biggest;
}

/* A model that loads (every input within its field's bounds) but that
 * bc_model_check_finite refuses with a message holding every one of the
 * NULL-terminated `want` strings; the engine refuses it too, before any run. */
static void refused(const char *text, const char *const *want)
{
    bc_error err;
    bc_model *m = try_load(text, &err);
    if (!m) {
        fprintf(stderr, "refused at load already: %s\n", err.msg);
        CHECK(m != NULL);
        return;
    }
    CHECK_INT(bc_model_check_finite(m, &err), BC_EINVAL);
    for (const char *const *w = want; *w; w++)
        CHECK_HAS(err.msg, *w);
    CHECK(strchr(err.msg, '\n') == NULL);
    bc_run_config cfg = {.runs = 100, .seed = 1, .threads = 1};
    bc_run_state *st = NULL;
    bc_error e2;
    CHECK_INT(bc_run_state_alloc(m, &cfg, 0, 0, &st, &e2), BC_EINVAL);
    CHECK(st == NULL);
    CHECK_HAS(e2.msg, want[0]);
    bc_model_free(m);
}

/* ---- extreme models ------------------------------------------------------- */

#define PROPOSAL(extra)                                                                            \
    "proposals:\n"                                                                                 \
    "  - id: a\n"                                                                                  \
    "    investment: 1\n"                                                                          \
    "    participants: 100\n"                                                                      \
    "    effect: 0.1\n"                                                                            \
    "    duration: 1\n"                                                                            \
    "    unit_cost: 150000\n" extra

static void test_refused(void)
{
    /* elasticity +-50 with drift up to 0.5, volatility 2, 100 years: U^-eta
     * reaches e^(50 * 100 * (ln 2 + 2 * 8.2)); the message points at the
     * elasticity (line 5 col 17) and says why */
    refused("model: x\n"
            "horizon: {years: 100}\n"
            "unemployment: {drift: {dist: uniform, min: -0.5, max: 0.5}, volatility: 2}\n"
            "proposals:\n"
            "  - {id: a, elasticity: {dist: uniform, min: -50, max: 50}, investment: 1,\n"
            "     participants: 100, effect: 0.1, duration: 1, unit_cost: 150000}\n",
            (const char *const[]){"t.yaml:5:25: ", "a.elasticity reaches 50",
                                  "U^-elasticity can reach 10^", "narrow the elasticity", NULL});
    /* a fixed elasticity of 50 over a modest trend still overflows */
    refused("model: x\n"
            "horizon: {years: 30}\n"
            "unemployment: {drift: 0.05, volatility: 0.2}\n" PROPOSAL("    elasticity: 50\n"),
            (const char *const[]){"t.yaml:11:17: ", "a.elasticity reaches 50", NULL});
    /* participants 1e308: the exits overflow */
    refused("model: x\n"
            "proposals:\n"
            "  - id: a\n"
            "    investment: 1\n"
            "    participants: 1e308\n"
            "    effect: 1\n"
            "    duration: 1\n"
            "    unit_cost: 1e308\n",
            (const char *const[]){"t.yaml:5:19: ", "extra exits of proposal 'a'",
                                  "narrow a.participants", NULL});
    /* participants 1e60 x unit cost 1e60: benefit savings 1e114 mDKK */
    refused("model: x\n"
            "proposals:\n"
            "  - {id: a, investment: 1, participants: 1e60, effect: 1, duration: 1,\n"
            "     unit_cost: {dist: uniform, min: 0, max: 1e60}}\n",
            (const char *const[]){"t.yaml:4:17: ", "benefit savings of proposal 'a'",
                                  "narrow a.unit_cost", NULL});
    /* an uncertain input beyond 1e100: its squares would overflow the
     * regression's co-moments even where the outputs do not */
    refused("model: x\n" PROPOSAL("    elasticity: {dist: uniform, min: -1e200, max: 1e200}\n"),
            (const char *const[]){"t.yaml:9:17: ", "a.elasticity reaches 1e+200", NULL});
    /* a savings line per year of 1e300 */
    refused("model: x\n" PROPOSAL("    savings: [{name: s, per: year, amount: 1e300}]\n"),
            (const char *const[]){"t.yaml:9:44: ", "a savings line of proposal 'a'", "a.savings.s",
                                  NULL});
    /* an investment profile of 1e300 */
    refused("model: x\n" PROPOSAL("    investment_profile: [1, 1, 1, 1, 1e300]\n"),
            (const char *const[]){"the investment of proposal 'a'", NULL});
    /* discount_rate -0.99 over 100 years: (1+r)^-99 = 1e198 */
    refused("model: x\n"
            "horizon: {years: 100}\n"
            "discount_rate: -0.99\n" PROPOSAL(""),
            (const char *const[]){"t.yaml:3:1: ", "discount_rate -0.99 over 100 years", "1e+198",
                                  NULL});
    /* a discount rate next to -1: (1+r)^-t overflows to inf */
    refused("model: x\n"
            "horizon: {years: 100, start_year: 2026}\n"
            "# discount_rate: 0 in a comment is not the key\n"
            "discount_rate: -0.9999999\n" PROPOSAL(""),
            (const char *const[]){"t.yaml:4:1: ", "discount_rate -0.9999999", NULL});
    /* two proposals of 6e99 each: fine alone, not as a portfolio */
    refused("model: x\n"
            "proposals:\n"
            "  - {id: a, investment: 6e99, participants: 0, effect: 0, duration: 1, "
            "unit_cost: 0}\n"
            "  - {id: b, investment: 6e99, participants: 0, effect: 0, duration: 1, "
            "unit_cost: 0}\n",
            (const char *const[]){"t.yaml: the portfolio of 2 proposals can reach 1.2e+100", NULL});

    /* an override that makes the model overflow: no position, the file's name */
    bc_error err;
    bc_model *m = try_load("model: x\n" PROPOSAL(""), &err);
    CHECK(m != NULL);
    if (m) {
        CHECK_INT(bc_model_set(m, "a.participants=uniform:0,1e200", &err), BC_OK);
        CHECK_INT(bc_model_check_finite(m, &err), BC_EINVAL);
        CHECK_HAS(err.msg, "t.yaml: a.participants reaches 1e+200");
        bc_model_free(m);
    }
}

static void test_finite(void)
{
    /* huge participants and unit costs, a tiny sd, a long horizon and a
     * steep discount: large but finite numbers everywhere */
    double big = run_finite("model: big\n"
                            "horizon: {years: 100}\n"
                            "discount_rate: 0.99\n"
                            "proposals:\n"
                            "  - id: a\n"
                            "    investment: 1e9\n"
                            "    participants: 1e12\n"
                            "    effect: {dist: normal, mean: 0.5, sd: 1e-12}\n"
                            "    duration: {dist: uniform, min: 1, max: 100}\n"
                            "    unit_cost: 1e9\n"
                            "    savings:\n"
                            "      - {name: s, per: exit, amount: {dist: lognormal, mean: 1e9, "
                            "sd: 1e-3}}\n",
                            3000);
    CHECK(big > 1e16 && big < BC_MAX_MAGNITUDE);
    /* elasticity +-50 under a short, calm trend; negative discount rate */
    run_finite("model: elastic\n"
               "horizon: {years: 5}\n"
               "discount_rate: -0.5\n"
               "unemployment: {drift: {dist: uniform, min: -0.02, max: 0.02}, volatility: "
               "0.01}\n"
               "proposals:\n"
               "  - id: a\n"
               "    investment: 1\n"
               "    participants: 1e6\n"
               "    effect: {dist: uniform, min: -1, max: 1}\n"
               "    elasticity: {dist: uniform, min: -50, max: 50}\n"
               "    duration: 1\n"
               "    unit_cost: 150000\n",
               3000);
    /* the far ends of the distributions: tiny sds, shapes at their bounds,
     * an input that hardly varies (its covariance is singular: no
     * regression, which is fine), values near 1e-300 */
    run_finite("model: tails\n"
               "proposals:\n"
               "  - id: a\n"
               "    investment: {dist: gamma, mean: 1, sd: 999}\n"
               "    participants: {dist: lognormal, mean: 100, sd: 1e-10}\n"
               "    effect: {dist: beta, alpha: 1e-6, beta: 1e-6}\n"
               "    duration: {dist: beta, alpha: 1e9, beta: 1, min: 0.5, max: 2}\n"
               "    unit_cost: {dist: triangular, min: 0, mode: 1e-300, max: 2e-300}\n"
               "    start: {dist: normal, mean: 1, sd: 1e-12, min: 0}\n"
               "    savings:\n"
               "      - {name: s, per: fte, amount: {dist: pert, min: 0, mode: 0, max: 1, "
               "lambda: 1e6}}\n"
               "      - {name: t, per: year, amount: {dist: discrete, values: [-1e99, 1e99], "
               "weights: [1, 1e-300]}}\n",
               2000);
    /* right at the edge: outputs of about 1e99 (an NPV over 5 years of up to
     * 9.5e99) are computed, not refused */
    double edge = run_finite("model: edge\n"
                             "proposals:\n"
                             "  - {id: a, investment: {dist: uniform, min: 0, max: 1.9e99}, "
                             "participants: 0, effect: 0, duration: 1, unit_cost: 0}\n",
                             1000);
    CHECK(edge > 1e99 && edge < 1.9e99);
    /* a single run, and fewer runs than inputs: sd 0, no regression, finite */
    run_finite("model: few\n" PROPOSAL("    investment_profile: [1, 2, 3, 4, 5]\n"), 1);

    /* the built-in analytic models pass; the default model passes */
    bc_model *m = NULL;
    bc_error err;
    CHECK_INT(bc_model_builtin("ishigami", &m, &err), BC_OK);
    if (m)
        CHECK_INT(bc_model_check_finite(m, &err), BC_OK);
    bc_model_free(m);
    m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err), BC_OK);
    if (m)
        CHECK_INT(bc_model_check_finite(m, &err), BC_OK);
    bc_model_free(m);
}

/* ---- runs beyond 2^32 ----------------------------------------------------- */

static const char *const three = "model: r\n"
                                 "proposals:\n"
                                 "  - id: a\n"
                                 "    investment: 1\n"
                                 "    participants: 100\n"
                                 "    effect: {dist: uniform, min: 0, max: 0.2}\n"
                                 "    duration: {dist: triangular, min: 0.5, mode: 1, max: 2}\n"
                                 "    unit_cost: {dist: normal, mean: 150000, sd: 20000, min: 0}\n";

static void test_big_indices(void)
{
    bc_model *m = load(three);
    if (!m)
        return;
    bc_error err;
    const uint64_t two32 = (uint64_t)1 << 32;
    /* Monte Carlo: run 2^32 + k is not run k, and the same in another sampler */
    bc_sampler *a = NULL, *b = NULL;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 7, UINT64_MAX, &a, &err), BC_OK);
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_MC, 7, 10, &b, &err), BC_OK);
    if (a && b) {
        const size_t d = bc_sampler_dim(a);
        CHECK_INT(d, 3);
        double u0[3], u1[3], u2[3];
        int differ = 0, same = 1;
        for (uint64_t k = 0; k < 100; k++) {
            bc_sampler_uniforms(a, k, u0);
            bc_sampler_uniforms(a, two32 + k, u1);
            bc_sampler_uniforms(b, two32 + k, u2);
            differ += memcmp(u0, u1, sizeof u0) != 0;
            same &= memcmp(u1, u2, sizeof u1) == 0;
        }
        CHECK_INT(differ, 100);
        CHECK(same);
        /* the last runs of 2^64 - 1 */
        bc_sampler_uniforms(a, UINT64_MAX - 1, u0);
        CHECK(u0[0] > 0 && u0[0] < 1 && u0[2] > 0 && u0[2] < 1);
    }
    bc_sampler_free(a);
    bc_sampler_free(b);

    /* segments of 2^17 runs */
    bc_run_config cfg = {.runs = (uint64_t)1 << 33};
    CHECK_INT(bc_engine_n_segments(&cfg), 65536);
    cfg.runs++;
    CHECK_INT(bc_engine_n_segments(&cfg), 65537);
    cfg.runs = UINT64_MAX;
    CHECK(bc_engine_n_segments(&cfg) == (uint64_t)1 << 47);
    cfg.block = 1;
    CHECK(bc_engine_n_segments(&cfg) == (uint64_t)1 << 58);
    bc_model_free(m);
}

/* Latin hypercube: a bijection of [0, N) per component, whatever N. */
static void test_lhs(void)
{
    bc_model *m = load(three);
    if (!m)
        return;
    bc_error err;
    static const uint64_t ns[] = {1, 2, 3, 7, 64, 1000, 1024, 4097};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        const uint64_t N = ns[t];
        bc_sampler *s = NULL;
        CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_LHS, 3, N, &s, &err), BC_OK);
        if (!s)
            continue;
        unsigned char *seen = calloc(3 * N, 1);
        int ok = seen != NULL;
        for (uint64_t r = 0; ok && r < N; r++) {
            double u[3];
            bc_sampler_uniforms(s, r, u);
            for (int k = 0; k < 3; k++) {
                uint64_t p = (uint64_t)floor(u[k] * (double)N);
                if (p >= N || seen[k * N + p]++)
                    ok = 0;
            }
        }
        if (!ok)
            fprintf(stderr, "LHS over %llu runs is not a permutation\n", (unsigned long long)N);
        CHECK(ok);
        free(seen);
        bc_sampler_free(s);
    }
    /* 2^33 + 12345 runs: indices near the end, near 2^32 and at the start map
     * into distinct strata of [0, N), and do so reproducibly */
    const uint64_t N = ((uint64_t)1 << 33) + 12345;
    bc_sampler *s = NULL, *s2 = NULL;
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_LHS, 3, N, &s, &err), BC_OK);
    CHECK_INT(bc_sampler_alloc(m, BC_SAMPLER_LHS, 3, N, &s2, &err), BC_OK);
    if (s && s2) {
        enum { K = 3000 };
        uint64_t *p = malloc(K * sizeof *p);
        int inside = 1, same = 1;
        for (int i = 0; p && i < K; i++) {
            uint64_t r = i < 1000   ? N - 1 - (uint64_t)i
                         : i < 2000 ? ((uint64_t)1 << 32) + (uint64_t)i
                                    : (uint64_t)i - 2000;
            double u[3], v[3];
            bc_sampler_uniforms(s, r, u);
            bc_sampler_uniforms(s2, r, v);
            same &= memcmp(u, v, sizeof u) == 0;
            inside &= u[0] >= BC_U_MIN && u[0] <= BC_U_MAX;
            p[i] = (uint64_t)floor(u[0] * (double)N);
            inside &= p[i] < N;
        }
        CHECK(inside);
        CHECK(same);
        int distinct = p != NULL;
        for (int i = 0; p && i < K; i++)
            for (int j = i + 1; j < K; j++)
                distinct &= p[i] != p[j];
        CHECK(distinct);
        free(p);
    }
    bc_sampler_free(s);
    bc_sampler_free(s2);
    bc_model_free(m);
}

/* The run count of the first segment partial in a packed state (the layout
 * of bc_run_state_pack: 15 header words, then, for a state kept in pieces,
 * each segment's run count followed by its moments). */
static uint64_t first_segment_runs(const bc_run_state *st)
{
    void *buf = NULL;
    size_t len = 0;
    uint64_t n = 0;
    bc_error err;
    if (bc_run_state_pack(st, &buf, &len, &err) == BC_OK && len >= 16 * 8)
        memcpy(&n, (const char *)buf + 15 * 8, 8);
    free(buf);
    return n;
}

/* One segment deep inside a run of 2^33 + 7 runs, the last (7 runs), and
 * the last of a run of 2^64 - 1 runs (131071 runs, the last block ending at
 * 2^64 - 1: the arithmetic of run and block indices must not wrap). */
static void test_far_segments(void)
{
    bc_model *m = load(three);
    if (!m)
        return;
    bc_error err;
    static const struct {
        uint64_t runs, seg_from_end;
        uint64_t want;
        int lhs;
    } cases[] = {
        {((uint64_t)1 << 33) + 7, 30000, 131072, 0},
        {((uint64_t)1 << 33) + 7, 1, 7, 0},
        {((uint64_t)1 << 33) + 7, 1, 7, 1},
        {UINT64_MAX, 1, 131071, 0},
        {UINT64_MAX, 1, 131071, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bc_run_config cfg = {.runs = cases[c].runs,
                             .seed = 2,
                             .threads = 2,
                             .sampler = cases[c].lhs ? BC_SAMPLER_LHS : BC_SAMPLER_MC};
        const uint64_t nseg = bc_engine_n_segments(&cfg), first = nseg - cases[c].seg_from_end;
        bc_run_state *st = NULL;
        CHECK_INT(bc_run_state_alloc(m, &cfg, first, 1, &st, &err), BC_OK);
        if (!st)
            continue;
        int rc = bc_engine_advance(m, &cfg, st, first + 1, &err);
        if (rc)
            fprintf(stderr, "advance: %s\n", err.msg);
        CHECK_INT(rc, BC_OK);
        CHECK(bc_run_state_first(st) == first);
        CHECK(bc_run_state_next(st) == first + 1);
        CHECK(bc_run_state_segments(st) == nseg);
        CHECK(first_segment_runs(st) == cases[c].want);
        /* packed and unpacked: the same state */
        void *buf = NULL;
        size_t len = 0;
        bc_run_state *back = NULL;
        CHECK_INT(bc_run_state_pack(st, &buf, &len, &err), BC_OK);
        CHECK_INT(bc_run_state_unpack(m, &cfg, buf, len, &back, &err), BC_OK);
        if (back)
            CHECK(first_segment_runs(back) == cases[c].want);
        bc_run_state_free(back);
        free(buf);
        bc_run_state_free(st);
    }
    bc_model_free(m);
}

/* A run whose statistics cannot fit is refused before it allocates them:
 * 1000 proposals of 60 uncertain savings lines (62002 regression variables,
 * of whose pairs a run keeps those the regression uses: 2.1 million) in
 * blocks of 2^22 runs: each thread's block of 69,009 values a run is 2.3 TB. */
static void test_too_big(void)
{
    size_t cap = 1 << 24, len = 0;
    char *text = malloc(cap);
    if (!text)
        return;
    len += (size_t)snprintf(text + len, cap - len, "model: wide\nproposals:\n");
    for (int p = 0; p < 1000 && len < cap - 4096; p++) {
        len += (size_t)snprintf(text + len, cap - len,
                                "  - {id: p%d, investment: 1, participants: 10, effect: 0.1, "
                                "duration: 1, unit_cost: 1000, savings: [",
                                p);
        for (int j = 0; j < 60; j++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "%s{name: s%d, per: year, amount: {dist: uniform, min: 0, "
                                    "max: 1}}",
                                    j ? ", " : "", j);
        len += (size_t)snprintf(text + len, cap - len, "]}\n");
    }
    bc_error err;
    bc_model *m = try_load(text, &err);
    free(text);
    CHECK(m != NULL);
    if (!m)
        return;
    bc_run_config cfg = {.runs = 1000, .seed = 1, .threads = 2, .block = 1u << 22};
    bc_run_state *st = NULL;
    CHECK_INT(bc_run_state_alloc(m, &cfg, 0, 0, &st, &err), BC_EINVAL);
    CHECK(st == NULL);
    CHECK_HAS(err.msg, "t.yaml: a run of this model needs about ");
    CHECK_HAS(err.msg, "1001 outputs, 5 years, 60000 uncertain input components");
    bc_summary *s = NULL;
    CHECK_INT(bc_engine_run(m, &cfg, &s, &err), BC_EINVAL);
    CHECK(s == NULL);
    bc_model_free(m);
}

int main(void)
{
    test_refused();
    test_finite();
    test_big_indices();
    test_lhs();
    test_far_segments();
    test_too_big();
    return check_finish();
}
