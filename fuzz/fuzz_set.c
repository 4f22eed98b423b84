/* fuzz_set.c: libFuzzer target for --set: the input, as a string, is read as a
 * distribution spec (bc_dist_parse_spec), as a whole assignment "NAME=SPEC",
 * and as the SPEC of "NAME=SPEC" for every input of a small model
 * (bc_model_set).
 * Build with -DBCSIM_FUZZ=ON (docs/reliability.md, "Fuzzing"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/dist.h"
#include "bcsim/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every kind of field bound, a savings line, the shocks group and a
 * correlation (which a fixed value must not break). */
static const char model_text[] = "model: fuzz\n"
                                 "unemployment: {drift: 0.01, volatility: 0.05}\n"
                                 "proposals:\n"
                                 "  - id: a\n"
                                 "    investment: 2\n"
                                 "    participants: {dist: uniform, min: 100, max: 200}\n"
                                 "    effect: {dist: pert, min: 0, mode: 0.1, max: 0.2}\n"
                                 "    elasticity: 0.5\n"
                                 "    start: 0.5\n"
                                 "    duration: {dist: triangular, min: 0.5, mode: 1, max: 2}\n"
                                 "    unit_cost: 150000\n"
                                 "    savings:\n"
                                 "      - {name: extra, per: fte, amount: 1000}\n"
                                 "correlations:\n"
                                 "  - [a.effect, a.duration, 0.3]\n";

/* The names tried as NAME (the last two are not inputs). */
static const char *const names[] = {
    "unemployment.drift", "unemployment.shocks", "a.investment", "a.participants",
    "a.effect",           "a.elasticity",        "a.start",      "a.duration",
    "a.unit_cost",        "a.savings.extra",     "a.efect",      "b.effect",
};
#define N_NAMES (sizeof names / sizeof names[0])

static void require(int cond)
{
    if (!cond)
        __builtin_trap();
}

/* What a distribution answers, to reach the quantile and CDF code. */
static void exercise(const bc_dist *d)
{
    static const double us[] = {BC_U_MIN, 1e-9, 0.25, 0.5, 0.75, 1 - 1e-9, BC_U_MAX};
    char buf[256];
    volatile double sink = 0;
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
        double q = bc_dist_quantile(d, us[i]);
        sink += q + bc_dist_cdf(d, q) + bc_dist_quantile_upper(d, us[i]);
    }
    double lo, hi;
    bc_dist_range(d, &lo, &hi);
    sink += bc_dist_mean(d) + bc_dist_sd(d) + lo + hi;
    int len = bc_dist_format(d, buf, sizeof buf);
    require(len >= 0);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the bytes as a C string: up to the first NUL, if any */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    bc_dist d;
    bc_error err;
    int rc = bc_dist_parse_spec(text, &d, &err);
    require(rc == BC_OK || rc == BC_EINVAL || rc == BC_ENOMEM);
    if (rc == BC_OK) {
        exercise(&d);
        bc_dist_free(&d);
    }

    bc_model *m = NULL;
    require(bc_model_load_string(model_text, sizeof model_text - 1, "fuzz.yaml", &m, &err) ==
            BC_OK);
    const size_t n_inputs = bc_model_n_inputs(m);
    size_t n_set = 0;

    /* the whole input as an assignment, then "NAME=" + input for every name
     * (a later assignment to the same input replaces an earlier one) */
    size_t slen = strlen(text);
    char *assign = malloc(64 + slen + 1);
    for (size_t i = 0; assign && i <= N_NAMES; i++) {
        if (i == 0)
            memcpy(assign, text, slen + 1);
        else
            snprintf(assign, 64 + slen + 1, "%s=%s", names[i - 1], text);
        rc = bc_model_set(m, assign, &err);
        require(rc == BC_OK || rc == BC_EINVAL || rc == BC_ENOMEM);
        require(rc == BC_OK || err.msg[0] != '\0');
        n_set += rc == BC_OK;
        require(bc_model_n_overrides(m) == n_set);
        require(bc_model_n_inputs(m) == n_inputs);
    }
    free(assign);

    /* the base case with whatever was set */
    double x[64];
    bc_eval *e = bc_eval_alloc(m, 0);
    require(bc_model_dim(m) <= sizeof x / sizeof x[0]);
    if (e) {
        bc_model_base_inputs(m, x);
        bc_model_eval(m, x, e);
    }
    bc_eval_free(e);
    bc_model_free(m);
    free(text);
    return 0;
}
