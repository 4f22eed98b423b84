/* dist_eval.c: what a distribution gives once made (see
 * include/bcsim/dist.h): quantiles, including robust inverses for the beta
 * and gamma families, the CDF, moments, support and range. Checking and
 * making a distribution from its parameters is dist.c. */
#include "bcsim/dist.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>

/* Standard normal density. */
static double phi(double z)
{
    return isinf(z) ? 0.0 : exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

/* Robust inverse CDFs for the beta and gamma families. GSL's inverses return
 * NaN for small shapes and far tails (e.g. a gamma of shape 0.1 at u = 1e-16);
 * there we bisect on t = ln x, with the CDF in the tail it is accurate in
 * (P below the median, Q above), to full double precision. */
typedef double (*tail_fn)(double x, double a, double b);

static double bisect_log(tail_fn f, int upper, double target, double a, double b, double tlo,
                         double thi)
{
    /* find x = e^t with P(x) = target (upper = 0, P increasing) or
     * Q(x) = target (upper = 1, Q decreasing) */
    for (int it = 0; it < 200 && thi - tlo > 1e-15 * (1 + fabs(tlo) + fabs(thi)); it++) {
        double t = 0.5 * (tlo + thi), v = f(exp(t), a, b);
        if ((v < target) != (upper != 0))
            tlo = t;
        else
            thi = t;
    }
    return exp(0.5 * (tlo + thi));
}

/* Whether GSL's answer x is usable: finite, and its CDF within 1e-9 of u
 * relative to the tail probability. */
static int close_enough(double x, double u, tail_fn P, tail_fn Q, double a, double b)
{
    if (!isfinite(x))
        return 0;
    if (u <= 0.5)
        return fabs(P(x, a, b) - u) <= 1e-9 * u + 1e-300;
    return fabs(Q(x, a, b) - (1 - u)) <= 1e-9 * (1 - u) + 1e-300;
}

static double beta_pinv(double u, double a, double b)
{
    double x = gsl_cdf_beta_Pinv(u, a, b);
    if (close_enough(x, u, gsl_cdf_beta_P, gsl_cdf_beta_Q, a, b))
        return x;
    if (u > 0.5) /* 1 - X ~ Beta(b, a) */
        return 1 - bisect_log(gsl_cdf_beta_P, 0, 1 - u, b, a, -745, 0);
    return bisect_log(gsl_cdf_beta_P, 0, u, a, b, -745, 0);
}

/* The gamma quantile at u, or at 1 - v when `upper` (v = 1 - u given exactly,
 * so that far upper tails keep their precision). */
static double gamma_inv(double u, double v, int upper, double k, double theta)
{
    double x = upper ? gsl_cdf_gamma_Qinv(v, k, theta) : gsl_cdf_gamma_Pinv(u, k, theta);
    if (isfinite(x) &&
        (upper ? fabs(gsl_cdf_gamma_Q(x, k, theta) - v) <= 1e-9 * v + 1e-300
               : close_enough(x, u, gsl_cdf_gamma_P, gsl_cdf_gamma_Q, k, theta)))
        return x;
    double tail = upper ? v : u <= 0.5 ? u : 1 - u;
    double hi = k * theta > 1 ? k * theta : 1;
    while (gsl_cdf_gamma_Q(hi, k, theta) > (upper || u > 0.5 ? tail : 0.5) && hi < 1e300)
        hi *= 2;
    if (!upper && u <= 0.5)
        return bisect_log(gsl_cdf_gamma_P, 0, u, k, theta, -745, log(hi));
    return bisect_log(gsl_cdf_gamma_Q, 1, tail, k, theta, -745, log(hi));
}

static double gamma_pinv(double u, double k, double theta)
{
    return gamma_inv(u, 1 - u, 0, k, theta);
}

double bc_dist_quantile_upper(const bc_dist *d, double v)
{
    switch (d->kind) {
    case BC_DIST_GAMMA:
        return gamma_inv(1 - v, v, 1, d->a, d->b);
    case BC_DIST_PERT:
    case BC_DIST_BETA: /* 1 - Z ~ Beta(b, a) */
        return d->p[BC_P_MAX] - (d->p[BC_P_MAX] - d->p[BC_P_MIN]) * beta_pinv(v, d->b, d->a);
    case BC_DIST_NORMAL:
        if (d->c == 0 && !isfinite(d->p[BC_P_MIN]) && !isfinite(d->p[BC_P_MAX]))
            return d->p[BC_P_MEAN] + d->p[BC_P_SD] * gsl_cdf_ugaussian_Qinv(v);
        return bc_dist_quantile(d, 1 - v);
    case BC_DIST_LOGNORMAL:
        return gsl_cdf_lognormal_Qinv(v, d->a, d->b);
    default:
        return bc_dist_quantile(d, 1 - v);
    }
}

double bc_dist_quantile(const bc_dist *d, double u)
{
    const double *v = d->p;
    switch (d->kind) {
    case BC_DIST_FIXED:
        return d->base;
    case BC_DIST_UNIFORM:
        return d->a + u * d->b;
    case BC_DIST_NORMAL: {
        double q = d->a + u * d->b;
        double z = d->c != 0 ? gsl_cdf_ugaussian_Qinv(q) : gsl_cdf_ugaussian_Pinv(q);
        /* In the lower tail with no max, q = P(za) + u (1 - P(za)) rounds to 1
         * at the largest u, and Pinv(1) = inf; the same point is Q = (1 - u)
         * mass, exact. (Only there, so that every other value stays as it was.) */
        if (d->c == 0 && q >= 1 && isinf(v[BC_P_MAX]))
            z = gsl_cdf_ugaussian_Qinv((1 - u) * d->d);
        double x = v[BC_P_MEAN] + v[BC_P_SD] * z;
        /* rounding can step a hair outside the truncation bounds */
        return x < v[BC_P_MIN] ? v[BC_P_MIN] : x > v[BC_P_MAX] ? v[BC_P_MAX] : x;
    }
    case BC_DIST_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(u, d->a, d->b);
    case BC_DIST_GAMMA:
        return gamma_pinv(u, d->a, d->b);
    case BC_DIST_TRIANGULAR: {
        /* F^-1(u) = min + sqrt(u (max-min)(mode-min))       for u < F(mode)
         *         = max - sqrt((1-u)(max-min)(max-mode))    otherwise */
        double lo = v[BC_P_MIN], hi = v[BC_P_MAX], c = v[BC_P_MODE];
        if (u < d->a)
            return lo + sqrt(u * (hi - lo) * (c - lo));
        return hi - sqrt((1 - u) * (hi - lo) * (hi - c));
    }
    case BC_DIST_PERT:
    case BC_DIST_BETA:
        return v[BC_P_MIN] + (v[BC_P_MAX] - v[BC_P_MIN]) * beta_pinv(u, d->a, d->b);
    case BC_DIST_DISCRETE: {
        /* smallest i with cum[i] >= u */
        size_t lo = 0, hi = d->n - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (d->cum[mid] >= u)
                hi = mid;
            else
                lo = mid + 1;
        }
        return d->values[lo];
    }
    default:
        return NAN;
    }
}

double bc_dist_cdf(const bc_dist *d, double x)
{
    const double *v = d->p;
    switch (d->kind) {
    case BC_DIST_FIXED:
        return x >= d->base ? 1.0 : 0.0;
    case BC_DIST_UNIFORM:
        return x <= d->a ? 0.0 : x >= d->a + d->b ? 1.0 : (x - d->a) / d->b;
    case BC_DIST_NORMAL: {
        if (x <= v[BC_P_MIN])
            return 0.0;
        if (x >= v[BC_P_MAX])
            return 1.0;
        double z = (x - v[BC_P_MEAN]) / v[BC_P_SD];
        double q = d->c != 0 ? gsl_cdf_ugaussian_Q(z) : gsl_cdf_ugaussian_P(z);
        double f = (q - d->a) / d->b;
        return f < 0 ? 0 : f > 1 ? 1 : f;
    }
    case BC_DIST_LOGNORMAL:
        return x <= 0 ? 0.0 : gsl_cdf_lognormal_P(x, d->a, d->b);
    case BC_DIST_GAMMA:
        return x <= 0 ? 0.0 : gsl_cdf_gamma_P(x, d->a, d->b);
    case BC_DIST_TRIANGULAR: {
        double lo = v[BC_P_MIN], hi = v[BC_P_MAX], c = v[BC_P_MODE];
        if (x <= lo)
            return 0.0;
        if (x >= hi)
            return 1.0;
        if (x <= c)
            return (x - lo) * (x - lo) / ((hi - lo) * (c - lo));
        return 1.0 - (hi - x) * (hi - x) / ((hi - lo) * (hi - c));
    }
    case BC_DIST_PERT:
    case BC_DIST_BETA: {
        double lo = v[BC_P_MIN], hi = v[BC_P_MAX];
        if (x <= lo)
            return 0.0;
        if (x >= hi)
            return 1.0;
        return gsl_cdf_beta_P((x - lo) / (hi - lo), d->a, d->b);
    }
    case BC_DIST_DISCRETE: {
        double f = 0;
        for (size_t i = 0; i < d->n && d->values[i] <= x; i++)
            f = d->cum[i];
        return f;
    }
    default:
        return NAN;
    }
}

/* Mean and variance together. */
static void moments(const bc_dist *d, double *mean, double *var)
{
    const double *v = d->p;
    switch (d->kind) {
    case BC_DIST_FIXED:
        *mean = d->base;
        *var = 0;
        return;
    case BC_DIST_UNIFORM:
        *mean = d->a + d->b / 2;
        *var = d->b * d->b / 12;
        return;
    case BC_DIST_NORMAL: {
        /* truncated normal: Z = mass; mean = mu + sd (phi(a) - phi(b))/Z,
         * var = sd^2 [1 + (a phi(a) - b phi(b))/Z - ((phi(a) - phi(b))/Z)^2] */
        double za = (v[BC_P_MIN] - v[BC_P_MEAN]) / v[BC_P_SD];
        double zb = (v[BC_P_MAX] - v[BC_P_MEAN]) / v[BC_P_SD];
        double Z = d->d;
        double t1 = (phi(za) - phi(zb)) / Z;
        double t2 = ((isinf(za) ? 0 : za * phi(za)) - (isinf(zb) ? 0 : zb * phi(zb))) / Z;
        *mean = v[BC_P_MEAN] + v[BC_P_SD] * t1;
        *var = v[BC_P_SD] * v[BC_P_SD] * (1 + t2 - t1 * t1);
        return;
    }
    case BC_DIST_LOGNORMAL:
    case BC_DIST_GAMMA:
        *mean = v[BC_P_MEAN];
        *var = v[BC_P_SD] * v[BC_P_SD];
        return;
    case BC_DIST_TRIANGULAR: {
        double a = v[BC_P_MIN], b = v[BC_P_MAX], c = v[BC_P_MODE];
        *mean = (a + b + c) / 3;
        *var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
        return;
    }
    case BC_DIST_PERT:
    case BC_DIST_BETA: {
        double w = v[BC_P_MAX] - v[BC_P_MIN], s = d->a + d->b;
        *mean = v[BC_P_MIN] + w * d->a / s;
        *var = w * w * d->a * d->b / (s * s * (s + 1));
        return;
    }
    case BC_DIST_DISCRETE: {
        double m = 0, m2 = 0;
        for (size_t i = 0; i < d->n; i++)
            m += d->weights[i] * d->values[i];
        for (size_t i = 0; i < d->n; i++)
            m2 += d->weights[i] * (d->values[i] - m) * (d->values[i] - m);
        *mean = m;
        *var = m2;
        return;
    }
    default:
        *mean = *var = NAN;
    }
}

double bc_dist_mean(const bc_dist *d)
{
    double m, v;
    moments(d, &m, &v);
    return m;
}

double bc_dist_sd(const bc_dist *d)
{
    double m, v;
    moments(d, &m, &v);
    return sqrt(v > 0 ? v : 0);
}

void bc_dist_support(const bc_dist *d, double *lo, double *hi)
{
    const double *v = d->p;
    switch (d->kind) {
    case BC_DIST_FIXED:
        *lo = *hi = d->base;
        return;
    case BC_DIST_UNIFORM:
    case BC_DIST_NORMAL:
    case BC_DIST_TRIANGULAR:
    case BC_DIST_PERT:
    case BC_DIST_BETA:
        *lo = v[BC_P_MIN];
        *hi = v[BC_P_MAX];
        return;
    case BC_DIST_LOGNORMAL:
    case BC_DIST_GAMMA:
        *lo = 0;
        *hi = INFINITY;
        return;
    case BC_DIST_DISCRETE:
        *lo = d->values[0];
        *hi = d->values[d->n - 1];
        return;
    default:
        *lo = *hi = NAN;
    }
}

void bc_dist_range(const bc_dist *d, double *lo, double *hi)
{
    *lo = bc_dist_quantile(d, BC_U_MIN);
    *hi = bc_dist_quantile(d, BC_U_MAX);
}
