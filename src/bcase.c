/* bcase.c: evaluation of the business-case model (MODEL.md sections 2-4). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"
#include "model_int.h"
#include "simd_int.h"
#include "vmath_int.h"

/* ov(a, b; l, r) = max(0, min(b, r) - max(a, l)): the part of [a, b] in [l, r]. */
static inline double overlap(double a, double b, double l, double r)
{
    const double lo = a > l ? a : l, hi = b < r ? b : r, d = hi - lo;
    return d > 0 ? d : 0.0; /* computed either way: the loops stay free of branches */
}

/* Runs evaluated together: the loops over them below are what the compiler
 * turns into vector instructions. */
#define LANES 16

/* Up to LANES runs (MODEL.md sections 2-4). Every run's arithmetic is the
 * same sequence of operations whatever n, so a run's outputs do not depend on
 * the runs evaluated beside it. */
static inline __attribute__((always_inline)) void
bcase_lanes(const bc_model *m, const double *restrict x, size_t ldx, size_t n,
            const bc_batch_out *out)
{
    const bc_bcase *bc = m->impl;
    const size_t H = m->years, P = bc->n_proposals, O = m->n_outputs, ld = out->ldv;
    double lnu[BC_MAX_YEARS][LANES]; /* ln U_t */
    double w[BC_MAX_YEARS][LANES];   /* w_k = ov(s, s+d; k, k+1): share of year c+k that an
                                        exit of cohort c spends off support */
    double X[BC_MAX_YEARS][LANES];   /* extra exits of cohort c */
    double lg[LANES], acc[LANES], ne[LANES], F[LANES], lines[LANES];
    /* column o H + t: output o, year t; read again by bc_model_summarise, so
     * not restrict */
    double *const gain = out->v + 2 * O * ld;
    double *const detail[4] = {out->fte, out->investment, out->benefit_savings,
                               out->other_savings};
    const int any_detail = detail[0] || detail[1] || detail[2] || detail[3];

    /* ln U_t = sum_{tau <= t} (ln(1+g) + sigma eps_tau) */
    const double *restrict drift = x + bc->x_drift * ldx;
    for (size_t i = 0; i < n; i++) {
        lg[i] = log1p(drift[i]);
        acc[i] = 0;
    }
    for (size_t t = 0; t < H; t++) {
        if (bc->has_shocks) {
            const double *restrict eps = x + (bc->x_shocks + t) * ldx;
            for (size_t i = 0; i < n; i++) {
                acc[i] += lg[i] + bc->volatility * eps[i];
                lnu[t][i] = acc[i];
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                acc[i] += lg[i] + 0.0;
                lnu[t][i] = acc[i];
            }
        }
        for (int a = 0; any_detail && a < 4; a++)
            if (detail[a])
                for (size_t i = 0; i < n; i++)
                    detail[a][(P * H + t) * ld + i] = 0;
    }

    size_t p0 = 0; /* the first proposal evaluated: the portfolio's sum starts there */
    while (out->only && p0 + 1 < P && !out->only[p0])
        p0++;
    for (size_t p = 0; p < P; p++) {
        if (out->only && !out->only[p])
            continue;
        const bc_proposal *pr = &bc->proposals[p];
        const double *restrict inv = x + pr->x_investment * ldx;
        const double *restrict np = x + pr->x_participants * ldx;
        const double *restrict e = x + pr->x_effect * ldx;
        const double *restrict eta = x + pr->x_elasticity * ldx;
        const double *restrict s = x + pr->x_start * ldx;
        const double *restrict d = x + pr->x_duration * ldx;
        const double *restrict u = x + pr->x_unit_cost * ldx;

        for (size_t k = 0; k < H; k++)
            for (size_t i = 0; i < n; i++)
                w[k][i] = overlap(s[i], s[i] + d[i], (double)k, (double)k + 1);
        /* X_c = n e m_c with m_c = U_c^-eta */
        for (size_t i = 0; i < n; i++)
            ne[i] = np[i] * e[i];
        for (size_t c = 0; c < H; c++)
            for (size_t i = 0; i < n; i++) {
                /* m_c = 1 exactly when eta = 0, whatever U */
                const double l = eta[i] == 0 ? 0.0 : lnu[c][i];
                X[c][i] = ne[i] * bc_exp(-eta[i] * l);
            }

        for (size_t t = 0; t < H; t++) {
            /* F_t = sum_{c <= t} X_c ov(c+s, c+s+d; t, t+1) = sum_k X_{t-k} w_k.
             * Sums start from 0.0 + their first term (the sign of a zero as
             * with 0 += term), not from a loop of zeros, which the compiler
             * makes a costly memset for a few runs. */
            for (size_t i = 0; i < n; i++)
                F[i] = 0.0 + X[t][i] * w[0][i];
            for (size_t k = 1; k <= t; k++)
                for (size_t i = 0; i < n; i++)
                    F[i] += X[t - k][i] * w[k][i];
            for (size_t j = 0; j < pr->n_savings; j++) {
                const bc_saving *sv = &pr->savings[j];
                const double *restrict L = x + sv->x_amount * ldx;
                const int first = j == 0; /* lines = 0 before the first */
                if (sv->per == BC_PER_FTE)
                    for (size_t i = 0; i < n; i++)
                        lines[i] = (first ? 0.0 : lines[i]) + L[i] * F[i] * 1e-6;
                else if (sv->per == BC_PER_EXIT)
                    for (size_t i = 0; i < n; i++)
                        lines[i] = (first ? 0.0 : lines[i]) + L[i] * X[t][i] * 1e-6;
                else
                    for (size_t i = 0; i < n; i++)
                        lines[i] = (first ? 0.0 : lines[i]) + L[i];
            }
            const int any_lines = pr->n_savings > 0;
            const double k_t = pr->index[t], prof = pr->profile[t];
            double *g = gain + (p * H + t) * ld, *port = gain + (P * H + t) * ld;
            for (size_t i = 0; i < n; i++) {
                /* B_t = F_t u k_t / 10^6; G_t = B_t + lines - I profile_t */
                const double B = F[i] * u[i] * k_t * 1e-6, I = inv[i] * prof;
                g[i] = B + (any_lines ? lines[i] : 0.0) - I;
                port[i] = (p == p0 ? 0.0 : port[i]) + g[i];
            }
            if (any_detail) {
                const size_t cp = (p * H + t) * ld, cP = (P * H + t) * ld;
                for (size_t i = 0; i < n; i++) {
                    const double B = F[i] * u[i] * k_t * 1e-6, I = inv[i] * prof;
                    const double v[4] = {F[i], I, B, any_lines ? lines[i] : 0.0};
                    for (int a = 0; a < 4; a++)
                        if (detail[a]) {
                            detail[a][cp + i] = v[a];
                            detail[a][cP + i] += v[a];
                        }
                }
            }
        }
        bc_model_summarise(m, n, out, p);
    }
    bc_model_summarise(m, n, out, P);
}

BC_VECTOR_CLONES static void bcase_eval(const bc_model *m, const double *x, size_t ldx, size_t n,
                                        const bc_batch_out *out)
{
    for (size_t i0 = 0; i0 < n; i0 += LANES) {
        bc_batch_out o = *out;
        o.v += i0;
        o.be += i0;
        double **det[4] = {&o.fte, &o.investment, &o.benefit_savings, &o.other_savings};
        for (int a = 0; a < 4; a++)
            if (*det[a])
                *det[a] += i0;
        if (n - i0 >= LANES) /* the common case, with loops of a known length */
            bcase_lanes(m, x + i0, ldx, LANES, &o);
        else
            bcase_lanes(m, x + i0, ldx, n - i0, &o);
    }
}

/* ---- can a run overflow? (bc_model_check_finite) ------------------------ */

typedef struct chk {
    const bc_model *m;
    bc_error *err;
    const bc_input **at; /* [dim]: the input each component of x belongs to */
} chk;

/* The largest |value| input `in` can take when sampled: for the beta family
 * its support (the sampler's tables stay inside it), else the larger end of
 * bc_dist_range (a fixed input: its value). */
static double in_mag(const bc_input *in)
{
    double lo, hi;
    if (in->dist.kind == BC_DIST_BETA || in->dist.kind == BC_DIST_PERT) {
        lo = in->dist.p[BC_P_MIN];
        hi = in->dist.p[BC_P_MAX];
    } else {
        bc_dist_range(&in->dist, &lo, &hi);
    }
    lo = fabs(lo);
    hi = fabs(hi);
    return lo > hi ? lo : hi;
}

/* Where `key` first stands as a mapping key in the model text ("key" then
 * blanks and ':', outside comments), 1-based; 0 when nowhere. Only for
 * messages: the model keeps no position for the plain numbers of the file. */
static void key_position(const char *text, const char *key, int *line, int *col)
{
    const size_t n = strlen(key);
    int l = 1, c = 1, comment = 0;
    *line = *col = 0;
    for (const char *p = text; p && *p; p++) {
        if (*p == '\n') {
            l++;
            c = 1;
            comment = 0;
            continue;
        }
        if (*p == '#' && (p == text || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n'))
            comment = 1;
        if (!comment && strncmp(p, key, n) == 0 &&
            (p == text || strchr(" \t\n{,", p[-1]) != NULL)) {
            const char *q = p + n;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == ':') {
                *line = l;
                *col = c;
                return;
            }
        }
        c++;
    }
}

/* Refuse the model: "FILE:LINE:COL: message" at (line, col), or "FILE:
 * message" when the position is unknown (an input set by --set, a default). */
static int refuse_at(const chk *c, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int refuse_at(const chk *c, int line, int col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = bc_model_filename(c->m);
    if (line > 0)
        return bc_error_set(c->err, BC_EINVAL, "%s:%d:%d: %s", file, line, col, msg);
    return bc_error_set(c->err, BC_EINVAL, "%s: %s", file, msg);
}

/* The common refusal: `what` of proposal `id` can reach `bound`; blame the
 * input `in`, which is what to narrow. */
static int refuse_reach(const chk *c, const bc_input *in, const char *id, const char *what,
                        double bound, const char *units)
{
    return refuse_at(c, in->line, in->col,
                     "%s of proposal '%s' can reach %.3g%s%s with every input at the far end of "
                     "its range, beyond the %.0e that bcsim computes with (the business case "
                     "would overflow); narrow %s (up to %.3g in magnitude)",
                     what, id, bound, units[0] ? " " : "", units, BC_MAX_MAGNITUDE, in->name,
                     in_mag(in));
}

/* Of two inputs, the one of larger magnitude: the one to narrow. */
static const bc_input *larger(const bc_input *a, const bc_input *b)
{
    return in_mag(b) > in_mag(a) ? b : a;
}

/* The bounds, all magnitudes (|.|), with every input anywhere in its range:
 *   |ln U_t| <= (t+1) (max |ln(1+g)| + sigma max |eps|) <= H s     =: L
 *   |X_c|  <= n e exp(|eta| L)                 (exits, X = n e U^-eta)
 *   |F_t|  <= X min(d, H)                      (sum_k w_k = overlap <= min(d, H))
 *   |B_t|  <= F u max|k_t| 10^-6,  lines (amount A): A F 10^-6, A X 10^-6, A
 *   |I_t|  <= I max|profile_t|,    |G_t| <= B + lines + I
 *   portfolio: the sum over proposals; avg_gain <= max G;
 *   |npv|  <= G sum_t (1+r)^-t. */
static int bcase_check(const chk *c)
{
    const bc_model *m = c->m;
    const bc_bcase *bc = m->impl;
    const size_t H = m->years, P = bc->n_proposals;
    const double lim = BC_MAX_MAGNITUDE;

    const bc_input *drift = c->at[bc->x_drift];
    double glo, ghi;
    bc_dist_range(&drift->dist, &glo, &ghi);
    const double lg = fmax(fabs(log1p(glo)), fabs(log1p(ghi)));
    const double eps = bc->has_shocks ? in_mag(c->at[bc->x_shocks]) : 0.0;
    const double L = (double)H * (lg + bc->volatility * eps);

    double port = 0, port_fte = 0;
    for (size_t p = 0; p < P; p++) {
        const bc_proposal *pr = &bc->proposals[p];
        const char *id = m->output_ids[p];
        const bc_input *in_n = c->at[pr->x_participants], *in_e = c->at[pr->x_effect],
                       *in_eta = c->at[pr->x_elasticity], *in_d = c->at[pr->x_duration],
                       *in_u = c->at[pr->x_unit_cost], *in_i = c->at[pr->x_investment];
        const double n = in_mag(in_n), e = in_mag(in_e), eta = in_mag(in_eta), d = in_mag(in_d),
                     u = in_mag(in_u), inv = in_mag(in_i);
        /* U^-eta = exp(-eta ln U) <= exp(|eta| L) */
        const double eL = eta * L;
        if (!(eL <= log(lim)) || !(n * e * exp(eL) <= lim)) {
            if (eL > 0 && (eL > log(lim) || exp(eL) > n * e)) {
                char g[80];
                if (glo == ghi)
                    snprintf(g, sizeof g, "%g", glo);
                else
                    snprintf(g, sizeof g, "%g to %g", glo, ghi);
                return refuse_at(c, in_eta->line, in_eta->col,
                                 "%s reaches %.3g in magnitude, and ln U, the unemployment "
                                 "trend, can move by up to %.3g a year (drift %s, volatility "
                                 "%g, shocks up to %.3g sd) for %zu years: U^-elasticity can "
                                 "reach 10^%.0f, beyond the %.0e that bcsim computes with (the "
                                 "business case would overflow); narrow the elasticity, the "
                                 "drift or the volatility",
                                 in_eta->name, eta, lg + bc->volatility * eps, g, bc->volatility,
                                 eps, H, eL / log(10.0), lim);
            }
            return refuse_reach(c, larger(in_n, in_e), id, "the extra exits", n * e * exp(eL),
                                "a year");
        }
        const double X = n * e * exp(eL);
        const double F = X * fmin(d, (double)H);
        if (!(F <= lim))
            return refuse_reach(c, larger(in_d, in_n), id, "the full-year persons saved", F,
                                "a year");
        double kmax = 0, profmax = 0;
        for (size_t t = 0; t < H; t++) {
            kmax = fmax(kmax, fabs(pr->index[t]));
            profmax = fmax(profmax, fabs(pr->profile[t]));
        }
        /* as computed: ((F u) k_t) 10^-6 */
        const double B = F * u * kmax * 1e-6;
        if (!(B <= lim))
            return refuse_reach(c, in_u, id, "the benefit savings", B, "mDKK a year");
        double lines = 0, vmax = 0;
        const bc_input *in_vmax = in_n;
        for (size_t j = 0; j < pr->n_savings; j++) {
            const bc_saving *sv = &pr->savings[j];
            const bc_input *in_l = c->at[sv->x_amount];
            const double a = in_mag(in_l);
            const double v = sv->per == BC_PER_FTE    ? a * F * 1e-6
                             : sv->per == BC_PER_EXIT ? a * X * 1e-6
                                                      : a;
            if (!(v <= lim))
                return refuse_reach(c, in_l, id, "a savings line", v, "mDKK a year");
            lines += v;
            if (v > vmax) {
                vmax = v;
                in_vmax = in_l;
            }
        }
        const double I = inv * profmax;
        if (!(I <= lim))
            return refuse_reach(c, in_i, id, "the investment", I, "mDKK a year");
        const double G = B + lines + I;
        if (!(G <= lim))
            return refuse_reach(c,
                                B >= lines && B >= I ? in_u
                                : I >= lines         ? in_i
                                                     : in_vmax,
                                id, "the gain", G, "mDKK a year");
        port += G;
        port_fte += F;
    }
    if (!(port <= lim) || !(port_fte <= lim))
        return refuse_at(c, 0, 0,
                         "the portfolio of %zu proposals can reach %.3g %s with every input at "
                         "the far end of its range, beyond the %.0e that bcsim computes with "
                         "(the business case would overflow); narrow the largest proposals",
                         P, port <= lim ? port_fte : port,
                         port <= lim ? "full-year persons a year" : "mDKK a year", lim);
    /* |npv| <= max_t |G_t| sum_t (1+r)^-t, for every output */
    double dsum = 0, dmax = 0;
    size_t tmax = 0;
    for (size_t t = 0; t < H; t++) {
        dsum += m->disc[t];
        if (m->disc[t] > dmax) {
            dmax = m->disc[t];
            tmax = t;
        }
    }
    if (!(dsum <= lim) || !(port * dsum <= lim)) {
        int line, col;
        char r[40];
        key_position(bc_model_text(m), "discount_rate", &line, &col);
        bc_format_double(r, sizeof r, m->discount_rate);
        return refuse_at(c, line, col,
                         "discount_rate %s over %zu years makes the discount factor (1+r)^-t "
                         "reach %.3g in year %zu, so an NPV can reach %.3g mDKK with every input "
                         "at the far end of its range, beyond the %.0e that bcsim computes with; "
                         "use a discount rate nearer 0 or a shorter horizon",
                         r, H, dmax, tmax, port * dsum, lim);
    }
    return BC_OK;
}

int bc_model_check_finite(const bc_model *m, bc_error *err)
{
    chk c = {m, err, NULL};
    /* every uncertain input: its values enter the regression's co-moments */
    for (size_t i = 0; i < m->n_inputs; i++) {
        const bc_input *in = &m->inputs[i];
        if (!bc_dist_is_random(&in->dist))
            continue;
        const double a = in_mag(in);
        if (!(a <= BC_MAX_MAGNITUDE))
            return refuse_at(&c, in->line, in->col,
                             "%s reaches %.3g in magnitude, beyond the %.0e that bcsim computes "
                             "with (the statistics of its samples would overflow); rescale the "
                             "input",
                             in->name, a, BC_MAX_MAGNITUDE);
    }
    if (m->type != &bc_model_type_bcase)
        return BC_OK;
    c.at = bc_malloc((m->dim ? m->dim : 1) * sizeof *c.at);
    if (!c.at)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n_inputs; i++)
        for (size_t j = 0; j < m->inputs[i].dim; j++)
            c.at[m->inputs[i].offset + j] = &m->inputs[i];
    int rc = bcase_check(&c);
    bc_free(c.at);
    return rc;
}

static void bcase_free(void *impl)
{
    bc_bcase *bc = impl;
    if (!bc)
        return;
    for (size_t p = 0; p < bc->n_proposals; p++) {
        for (size_t j = 0; j < bc->proposals[p].n_savings; j++)
            bc_free(bc->proposals[p].savings[j].name);
        bc_free(bc->proposals[p].savings);
    }
    bc_free(bc->proposals);
    bc_free(bc->yearly);
    bc_free(bc);
}

/* A proposal's output depends on its own inputs and the unemployment trend's;
 * the portfolio's on every input. */
static void bcase_uses(const bc_model *m, size_t o, unsigned char *uses)
{
    const bc_bcase *bc = m->impl;
    if (o >= bc->n_proposals) {
        memset(uses, 1, m->dim);
        return;
    }
    const bc_proposal *pr = &bc->proposals[o];
    const size_t own[] = {pr->x_investment, pr->x_effect,    pr->x_participants,
                          pr->x_elasticity, pr->x_start,     pr->x_duration,
                          pr->x_unit_cost,  bc->x_drift};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        uses[own[i]] = 1;
    for (size_t i = 0; i < pr->n_savings; i++)
        uses[pr->savings[i].x_amount] = 1;
    if (bc->has_shocks)
        for (size_t t = 0; t < m->years; t++)
            uses[bc->x_shocks + t] = 1;
}

int bc_model_investment(const bc_model *m, size_t p, size_t *xi, double *pbar)
{
    if (m->type != &bc_model_type_bcase)
        return 0;
    const bc_bcase *bc = m->impl;
    if (p >= bc->n_proposals)
        return 0;
    const bc_proposal *pr = &bc->proposals[p];
    double s = 0;
    for (size_t t = 0; t < m->years; t++)
        s += pr->profile[t];
    *xi = pr->x_investment;
    *pbar = s / (double)m->years;
    return 1;
}

const bc_model_type bc_model_type_bcase = {
    .name = "business-case",
    .eval = bcase_eval,
    .free_impl = bcase_free,
    .uses = bcase_uses,
};
