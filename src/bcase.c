/* bcase.c: evaluation of the business-case model (MODEL.md sections 2-4). */
#include <math.h>
#include <stdlib.h>

#include "model_int.h"

/* ov(a, b; l, r) = max(0, min(b, r) - max(a, l)): the part of [a, b] in [l, r]. */
static double overlap(double a, double b, double l, double r)
{
    double lo = a > l ? a : l, hi = b < r ? b : r;
    return hi > lo ? hi - lo : 0.0;
}

static void bcase_eval(const bc_model *m, const double *x, bc_eval *out)
{
    const bc_bcase *bc = m->impl;
    const size_t H = m->years, P = bc->n_proposals;
    double lnu[BC_MAX_YEARS]; /* ln U_t */
    double w[BC_MAX_YEARS];   /* w_k = ov(s, s+d; k, k+1): share of year c+k that an
                                 exit of cohort c spends off support */
    double X[BC_MAX_YEARS];   /* extra exits of cohort c */
    double *port = out->gain + P * H;

    /* ln U_t = sum_{tau <= t} (ln(1+g) + sigma eps_tau) */
    const double lg = log1p(x[bc->x_drift]);
    double acc = 0;
    for (size_t t = 0; t < H; t++) {
        acc += lg + (bc->has_shocks ? bc->volatility * x[bc->x_shocks + t] : 0.0);
        lnu[t] = acc;
        port[t] = 0;
    }
    if (out->fte)
        for (size_t t = 0; t < H; t++)
            out->fte[P * H + t] = out->investment[P * H + t] =
                out->benefit_savings[P * H + t] = out->other_savings[P * H + t] = 0;

    for (size_t p = 0; p < P; p++) {
        const bc_proposal *pr = &bc->proposals[p];
        const double inv = x[pr->x_investment], n = x[pr->x_participants];
        const double e = x[pr->x_effect], eta = x[pr->x_elasticity];
        const double s = x[pr->x_start], d = x[pr->x_duration], u = x[pr->x_unit_cost];
        double *g = out->gain + p * H;

        for (size_t k = 0; k < H; k++)
            w[k] = overlap(s, s + d, (double)k, (double)k + 1);
        /* X_c = n e m_c with m_c = U_c^-eta */
        for (size_t c = 0; c < H; c++)
            X[c] = n * e * (eta == 0 ? 1.0 : exp(-eta * lnu[c]));

        for (size_t t = 0; t < H; t++) {
            /* F_t = sum_{c <= t} X_c ov(c+s, c+s+d; t, t+1) = sum_k X_{t-k} w_k */
            double F = 0;
            for (size_t k = 0; k <= t; k++)
                F += X[t - k] * w[k];
            /* B_t = F_t u k_t / 10^6 */
            double B = F * u * pr->index[t] * 1e-6;
            double lines = 0;
            for (size_t j = 0; j < pr->n_savings; j++) {
                const bc_saving *sv = &pr->savings[j];
                double L = x[sv->x_amount];
                lines += sv->per == BC_PER_FTE ? L * F * 1e-6
                       : sv->per == BC_PER_EXIT ? L * X[t] * 1e-6
                                                : L;
            }
            double I = inv * pr->profile[t];
            g[t] = B + lines - I; /* G_t = B_t + lines - I profile_t */
            port[t] += g[t];
            if (out->fte) {
                out->fte[p * H + t] = F;
                out->investment[p * H + t] = I;
                out->benefit_savings[p * H + t] = B;
                out->other_savings[p * H + t] = lines;
                out->fte[P * H + t] += F;
                out->investment[P * H + t] += I;
                out->benefit_savings[P * H + t] += B;
                out->other_savings[P * H + t] += lines;
            }
        }
        bc_model_summarise(m, out, p);
    }
    bc_model_summarise(m, out, P);
}

static void bcase_free(void *impl)
{
    bc_bcase *bc = impl;
    if (!bc)
        return;
    for (size_t p = 0; p < bc->n_proposals; p++) {
        for (size_t j = 0; j < bc->proposals[p].n_savings; j++)
            free(bc->proposals[p].savings[j].name);
        free(bc->proposals[p].savings);
    }
    free(bc->proposals);
    free(bc);
}

const bc_model_type bc_model_type_bcase = {
    .name = "business-case",
    .eval = bcase_eval,
    .free_impl = bcase_free,
};
