/* test_seed.c: the default model's base case reproduces the seed's overview
 * table (MODEL.md section 7): averages within 0.05 mDKK, full-year persons
 * per year exactly as the seed words them. */
#include <string.h>

#include "bcsim/model.h"
#include "check.h"

static double avg(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

int main(void)
{
    bc_error err;
    bc_model *m = NULL;
    int rc = bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err);
    CHECK_INT(rc, BC_OK);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return check_finish();
    }
    const size_t H = bc_model_years(m);
    CHECK_INT(H, 5);
    CHECK_INT(bc_model_start_year(m), 2026);
    CHECK_INT(bc_model_n_outputs(m), 4);
    double x[128];
    CHECK(bc_model_dim(m) <= 128);
    bc_model_base_inputs(m, x);
    bc_eval *e = bc_eval_alloc(m, 1);
    bc_model_eval(m, x, e);

    /* seed, Slide 5: investment, savings (benefits + other), gain; per proposal */
    static const struct {
        const char *id;
        double inv, benefits, other, gain;
        double fte[5];
    } seed[] = {
        {"academics", 2.0, 2.6, 0.0, 0.6, {15, 15, 15, 15, 15}},
        {"sick", 2.6, 2.3, 0.3, 0.0, {9.5, 19, 19, 19, 19}},
        {"igu", 6.1, 5.1, 1.0, 0.0, {59, 59, 59, 59, 59}},
        {"portfolio", 10.7, 10.0, 1.3, 0.6, {83.5, 93, 93, 93, 93}},
    };
    for (size_t o = 0; o < 4; o++) {
        CHECK(strcmp(bc_model_output_id(m, o), seed[o].id) == 0);
        CHECK_NEAR(avg(e->investment + o * H, H), seed[o].inv, 0.05);
        CHECK_NEAR(avg(e->benefit_savings + o * H, H), seed[o].benefits, 0.05);
        CHECK_NEAR(avg(e->other_savings + o * H, H), seed[o].other, 0.05);
        CHECK_NEAR(avg(e->benefit_savings + o * H, H) + avg(e->other_savings + o * H, H),
                   seed[o].benefits + seed[o].other, 0.05);
        CHECK_NEAR(e->avg_gain[o], seed[o].gain, 0.05);
        for (size_t t = 0; t < H; t++)
            CHECK_NEAR(e->fte[o * H + t], seed[o].fte[t], 0.005);
    }
    /* the total row: 10.7, 11.3, 0.6 */
    CHECK_NEAR(avg(e->benefit_savings + 3 * H, H) + avg(e->other_savings + 3 * H, H), 11.3,
               0.05);
    bc_eval_free(e);
    bc_model_free(m);
    return check_finish();
}
