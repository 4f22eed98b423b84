/* dist.c: distributions of uncertain inputs (see include/bcsim/dist.h). */
#include "bcsim/dist.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "alloc_int.h"

#define BIT(k) (1u << (k))

static const char *const kind_names[BC_DIST_KIND_COUNT] = {
    "fixed", "uniform", "normal", "lognormal", "triangular",
    "pert", "beta", "gamma", "discrete",
};

static const char *const key_names[BC_P_KEY_COUNT] = {
    "min", "max", "mean", "sd", "mode", "lambda", "alpha", "beta", "base",
    "values", "weights",
};

/* Keys allowed per kind, "base" everywhere. */
static const unsigned allowed[BC_DIST_KIND_COUNT] = {
    [BC_DIST_FIXED] = 0,
    [BC_DIST_UNIFORM] = BIT(BC_P_MIN) | BIT(BC_P_MAX) | BIT(BC_P_BASE),
    [BC_DIST_NORMAL] = BIT(BC_P_MEAN) | BIT(BC_P_SD) | BIT(BC_P_MIN) | BIT(BC_P_MAX) |
                       BIT(BC_P_BASE),
    [BC_DIST_LOGNORMAL] = BIT(BC_P_MEAN) | BIT(BC_P_SD) | BIT(BC_P_BASE),
    [BC_DIST_TRIANGULAR] = BIT(BC_P_MIN) | BIT(BC_P_MODE) | BIT(BC_P_MAX) | BIT(BC_P_BASE),
    [BC_DIST_PERT] = BIT(BC_P_MIN) | BIT(BC_P_MODE) | BIT(BC_P_MAX) | BIT(BC_P_LAMBDA) |
                     BIT(BC_P_BASE),
    [BC_DIST_BETA] = BIT(BC_P_MEAN) | BIT(BC_P_SD) | BIT(BC_P_ALPHA) | BIT(BC_P_BETA) |
                     BIT(BC_P_MIN) | BIT(BC_P_MAX) | BIT(BC_P_BASE),
    [BC_DIST_GAMMA] = BIT(BC_P_MEAN) | BIT(BC_P_SD) | BIT(BC_P_BASE),
    [BC_DIST_DISCRETE] = BIT(BC_P_VALUES) | BIT(BC_P_WEIGHTS) | BIT(BC_P_BASE),
};

const char *bc_dist_kind_name(bc_dist_kind kind)
{
    return (unsigned)kind < BC_DIST_KIND_COUNT ? kind_names[kind] : "?";
}

int bc_dist_kind_from_name(const char *name, bc_dist_kind *kind)
{
    for (int k = BC_DIST_UNIFORM; k < BC_DIST_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            *kind = (bc_dist_kind)k;
            return BC_OK;
        }
    return BC_EINVAL;
}

const char *bc_dist_key_name(bc_dist_key key)
{
    return (unsigned)key < BC_P_KEY_COUNT ? key_names[key] : "?";
}

int bc_dist_key_from_name(const char *name)
{
    for (int k = 0; k < BC_P_KEY_COUNT; k++)
        if (strcmp(name, key_names[k]) == 0)
            return k;
    return -1;
}

int bc_dist_key_allowed(bc_dist_kind kind, bc_dist_key key)
{
    return (unsigned)kind < BC_DIST_KIND_COUNT && (unsigned)key < BC_P_KEY_COUNT &&
           (allowed[kind] & BIT(key)) != 0;
}

void bc_dist_fixed(bc_dist *d, double value)
{
    memset(d, 0, sizeof *d);
    d->kind = BC_DIST_FIXED;
    d->base = value;
}

int bc_dist_is_random(const bc_dist *d)
{
    return d->kind != BC_DIST_FIXED;
}

void bc_dist_free(bc_dist *d)
{
    if (!d)
        return;
    bc_free(d->values);
    bc_free(d->weights);
    bc_free(d->cum);
    d->values = d->weights = d->cum = NULL;
    d->n = 0;
}

int bc_dist_copy(bc_dist *dst, const bc_dist *src, bc_error *err)
{
    *dst = *src;
    dst->values = dst->weights = dst->cum = NULL;
    if (src->kind != BC_DIST_DISCRETE)
        return BC_OK;
    size_t bytes = src->n * sizeof(double);
    dst->values = bc_malloc(bytes);
    dst->weights = bc_malloc(bytes);
    dst->cum = bc_malloc(bytes);
    if (!dst->values || !dst->weights || !dst->cum) {
        bc_dist_free(dst);
        return bc_error_set(err, BC_ENOMEM, "out of memory copying a distribution");
    }
    memcpy(dst->values, src->values, bytes);
    memcpy(dst->weights, src->weights, bytes);
    memcpy(dst->cum, src->cum, bytes);
    return BC_OK;
}

int bc_format_double(char *buf, size_t size, double x)
{
    char tmp[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, x);
        if (strtod(tmp, NULL) == x || isnan(x))
            break;
    }
    return snprintf(buf, size, "%s", tmp);
}

/* Fail with the blamed key. */
static int fail(int *bad_key, int key, bc_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail(int *bad_key, int key, bc_error *err, const char *fmt, ...)
{
    char msg[BC_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *bad_key = key;
    return bc_error_set(err, BC_EINVAL, "%s", msg);
}

#define FAIL(key, ...) fail(bad_key, (key), err, __VA_ARGS__)

static int need(const bc_dist_params *p, int key, int *bad_key, bc_error *err)
{
    if (p->given & BIT(key))
        return BC_OK;
    *bad_key = -1;
    return bc_error_set(err, BC_EINVAL, "%s distribution needs '%s'",
                        kind_names[p->kind], key_names[key]);
}

#define NEED(key)                                                                   \
    do {                                                                            \
        int rc_ = need(p, (key), bad_key, err);                                     \
        if (rc_)                                                                    \
            return rc_;                                                             \
    } while (0)

/* Check discrete tables, sort by value, normalise and accumulate. */
static int init_discrete(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    size_t n = p->n_values;
    if (n == 0)
        return FAIL(BC_P_VALUES, "discrete distribution needs at least one value");
    if (p->n_weights != n) {
        *bad_key = BC_P_WEIGHTS;
        return bc_error_set(err, BC_EINVAL,
                            "discrete distribution has %zu values but %zu weights", n,
                            p->n_weights);
    }
    double wmax = 0, total = 0, scale = 1;
    for (size_t i = 0; i < n; i++) {
        if (!(p->weights[i] > 0) || !isfinite(p->weights[i])) {
            *bad_key = BC_P_WEIGHTS;
            return bc_error_set(err, BC_EINVAL,
                                "discrete distribution: weight %zu is not a positive "
                                "finite number",
                                i + 1);
        }
        if (p->weights[i] > wmax)
            wmax = p->weights[i];
        total += p->weights[i];
    }
    /* Weights near DBL_MAX sum to inf, which made every normalised weight 0:
     * then normalise w_i / wmax, whose sum lies in [1, n]. (Only then, so
     * that other weights stay the same to the last bit.) */
    if (!isfinite(total)) {
        scale = wmax;
        total = 0;
        for (size_t i = 0; i < n; i++)
            total += p->weights[i] / scale;
    }
    d->values = bc_malloc(n * sizeof(double));
    d->weights = bc_malloc(n * sizeof(double));
    d->cum = bc_malloc(n * sizeof(double));
    if (!d->values || !d->weights || !d->cum) {
        bc_dist_free(d);
        *bad_key = -1;
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    d->n = n;
    /* insertion sort by value (stable); scenario lists are short */
    for (size_t i = 0; i < n; i++) {
        double v = p->values[i], w = p->weights[i] / scale / total;
        size_t j = i;
        while (j > 0 && d->values[j - 1] > v) {
            d->values[j] = d->values[j - 1];
            d->weights[j] = d->weights[j - 1];
            j--;
        }
        d->values[j] = v;
        d->weights[j] = w;
    }
    double c = 0;
    for (size_t i = 0; i < n; i++) {
        c += d->weights[i];
        d->cum[i] = c;
    }
    d->cum[n - 1] = 1.0;
    return BC_OK;
}

/* The largest shape parameter of a beta (and PERT) distribution, and the
 * largest the smaller of the two may be. With both shapes above about 2e5,
 * GSL 2.7's beta CDF returns NaN near the mean (its continued fraction runs
 * out of iterations) and gsl_cdf_beta_Pinv, bisecting on it, never returns;
 * up to 1e5 (with the other up to 1e9) every quantile is found in well under
 * a millisecond. Such a beta is nearly a single value anyway: at alpha =
 * beta = 1e5 its sd is 0.11 % of max - min. */
#define BETA_SHAPE_MAX 1e9
#define BETA_MIN_SHAPE_MAX 1e5

/* A range [min, max] so wide that max - min overflows: every formula that
 * scales by the width would give inf or NaN. */
static int too_wide(const bc_dist_params *p, int *bad_key, bc_error *err)
{
    double lo = p->v[BC_P_MIN], hi = p->v[BC_P_MAX];
    if (isfinite(hi - lo))
        return 0;
    *bad_key = BC_P_MAX;
    bc_error_set(err, BC_EINVAL,
                 "%s distribution: [min, max] = [%g, %g] is too wide (max - min overflows a "
                 "double)",
                 kind_names[p->kind], lo, hi);
    return 1;
}

/* GSL's default error handler aborts, and its inverse CDFs report a failure
 * to converge (gsl_cdf_beta_Pinv for some PERTs far in the tail) through it;
 * the quantiles below check every answer instead. Every random distribution
 * is made here, so turning the handler off here covers callers that never
 * load a model (bc_dist_parse_spec, then bc_dist_quantile). Once, so that
 * concurrent callers do not race on GSL's global. */
static once_flag gsl_quiet_once = ONCE_FLAG_INIT;

static void gsl_quiet(void)
{
    gsl_set_error_handler_off();
}

/* A normal, truncated to [min, max] when either is given. */
static int init_normal(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    const char *name = kind_names[p->kind];
    double *v = d->p;
    NEED(BC_P_MEAN);
    NEED(BC_P_SD);
    if (!(v[BC_P_SD] > 0))
        return FAIL(BC_P_SD, "%s distribution: sd (%g) must be positive", name,
                    v[BC_P_SD]);
    int hasmin = (p->given & BIT(BC_P_MIN)) != 0, hasmax = (p->given & BIT(BC_P_MAX)) != 0;
    if (!hasmin)
        v[BC_P_MIN] = -INFINITY;
    if (!hasmax)
        v[BC_P_MAX] = INFINITY;
    if (hasmin && hasmax && !(v[BC_P_MIN] < v[BC_P_MAX]))
        return FAIL(BC_P_MAX, "%s distribution: max (%g) must be greater than min (%g)",
                    name, v[BC_P_MAX], v[BC_P_MIN]);
    double za = (v[BC_P_MIN] - v[BC_P_MEAN]) / v[BC_P_SD];
    double zb = (v[BC_P_MAX] - v[BC_P_MEAN]) / v[BC_P_SD];
    /* Truncation works on the lower tail P(za), P(zb) when the interval
     * lies mostly below the mean, else on the upper tail Q, for accuracy. */
    int upper = za > 0;
    double pa = upper ? gsl_cdf_ugaussian_Q(za) : gsl_cdf_ugaussian_P(za);
    double pb = upper ? gsl_cdf_ugaussian_Q(zb) : gsl_cdf_ugaussian_P(zb);
    double mass = upper ? pa - pb : pb - pa;
    if (!(mass > 1e-12))
        return FAIL(hasmin ? BC_P_MIN : BC_P_MAX,
                    "%s distribution: [min, max] = [%g, %g] holds almost none of the "
                    "normal's probability; widen it or move the mean",
                    name, v[BC_P_MIN], v[BC_P_MAX]);
    d->a = pa;
    d->b = upper ? -mass : mass; /* q = pa + u*b, in the chosen tail */
    d->c = upper;
    d->d = mass;
    return BC_OK;
}

/* A lognormal or a gamma, from its mean and sd. */
static int init_lognormal_gamma(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    const char *name = kind_names[p->kind];
    double *v = d->p;
    NEED(BC_P_MEAN);
    NEED(BC_P_SD);
    if (!(v[BC_P_MEAN] > 0))
        return FAIL(BC_P_MEAN, "%s distribution: mean (%g) must be positive", name, v[BC_P_MEAN]);
    if (!(v[BC_P_SD] > 0))
        return FAIL(BC_P_SD, "%s distribution: sd (%g) must be positive", name,
                    v[BC_P_SD]);
    if (p->kind == BC_DIST_LOGNORMAL) {
        /* sigma^2 = ln(1 + (sd/mean)^2), mu = ln(mean) - sigma^2/2; for a
         * large ratio r, ln(1 + r^2) = 2 ln r + ln(1 + r^-2), which does not
         * overflow where r^2 would */
        double r = v[BC_P_SD] / v[BC_P_MEAN];
        double s2 = r < 1e150 ? log1p(r * r) : 2 * log(r) + log1p(1 / (r * r));
        d->b = sqrt(s2);
        d->a = log(v[BC_P_MEAN]) - 0.5 * s2;
    } else {
        /* shape k = mean^2/sd^2, scale theta = sd^2/mean */
        d->a = (v[BC_P_MEAN] / v[BC_P_SD]) * (v[BC_P_MEAN] / v[BC_P_SD]);
        d->b = v[BC_P_SD] * (v[BC_P_SD] / v[BC_P_MEAN]);
        if (!(d->a > 1e-6 && d->a < 1e12 && d->b > 0 && isfinite(d->b)))
            return FAIL(BC_P_SD, "%s distribution: mean %g and sd %g give a shape outside "
                                 "[1e-6, 1e12]",
                        name, v[BC_P_MEAN], v[BC_P_SD]);
    }
    return BC_OK;
}

/* A triangular or a PERT, from min, mode and max (and lambda). */
static int init_triangular_pert(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    const char *name = kind_names[p->kind];
    double *v = d->p;
    NEED(BC_P_MIN);
    NEED(BC_P_MODE);
    NEED(BC_P_MAX);
    if (!(v[BC_P_MIN] < v[BC_P_MAX]))
        return FAIL(BC_P_MAX, "%s distribution: max (%g) must be greater than min (%g)",
                    name, v[BC_P_MAX], v[BC_P_MIN]);
    if (!(v[BC_P_MODE] >= v[BC_P_MIN] && v[BC_P_MODE] <= v[BC_P_MAX]))
        return FAIL(BC_P_MODE, "%s distribution: mode (%g) must lie in [min, max] = [%g, %g]",
                    name, v[BC_P_MODE], v[BC_P_MIN], v[BC_P_MAX]);
    if (too_wide(p, bad_key, err))
        return BC_EINVAL;
    if (p->kind == BC_DIST_TRIANGULAR) {
        d->a = (v[BC_P_MODE] - v[BC_P_MIN]) / (v[BC_P_MAX] - v[BC_P_MIN]); /* F(mode) */
    } else {
        if (!(p->given & BIT(BC_P_LAMBDA)))
            v[BC_P_LAMBDA] = 4.0;
        if (!(v[BC_P_LAMBDA] > 0))
            return FAIL(BC_P_LAMBDA, "%s distribution: lambda (%g) must be positive", name, v[BC_P_LAMBDA]);
        /* alpha = 1 + lambda (mode-min)/(max-min), beta = 1 + lambda (max-mode)/(max-min) */
        double w = v[BC_P_MAX] - v[BC_P_MIN];
        d->a = 1 + v[BC_P_LAMBDA] * (v[BC_P_MODE] - v[BC_P_MIN]) / w;
        d->b = 1 + v[BC_P_LAMBDA] * (v[BC_P_MAX] - v[BC_P_MODE]) / w;
        /* the beta's bounds on shapes (above); a lambda so large that the
         * products overflow gives inf, refused here too */
        if (!(d->a <= BETA_SHAPE_MAX && d->b <= BETA_SHAPE_MAX &&
              fmin(d->a, d->b) <= BETA_MIN_SHAPE_MAX))
            return FAIL(BC_P_LAMBDA,
                        "%s distribution: lambda (%g) is too large: the shape parameters "
                        "alpha %.10g and beta %.10g must be at most %g, and one of them at "
                        "most %g",
                        name, v[BC_P_LAMBDA], d->a, d->b, BETA_SHAPE_MAX, BETA_MIN_SHAPE_MAX);
    }
    return BC_OK;
}

/* A beta on [min, max], from alpha and beta or from mean and sd. */
static int init_beta(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    const char *name = kind_names[p->kind];
    double *v = d->p;
    int ms = (p->given & (BIT(BC_P_MEAN) | BIT(BC_P_SD))) != 0;
    int ab = (p->given & (BIT(BC_P_ALPHA) | BIT(BC_P_BETA))) != 0;
    if (ms && ab) {
        *bad_key = (p->given & BIT(BC_P_ALPHA)) ? BC_P_ALPHA : BC_P_BETA;
        return bc_error_set(err, BC_EINVAL,
                            "beta distribution takes either mean and sd, or alpha and "
                            "beta, not both");
    }
    if (!(p->given & BIT(BC_P_MIN)))
        v[BC_P_MIN] = 0;
    if (!(p->given & BIT(BC_P_MAX)))
        v[BC_P_MAX] = 1;
    if (!(v[BC_P_MIN] < v[BC_P_MAX]))
        return FAIL((p->given & BIT(BC_P_MAX)) ? BC_P_MAX : BC_P_MIN,
                    "%s distribution: max (%g) must be greater than min (%g)", name,
                    v[BC_P_MAX], v[BC_P_MIN]);
    if (too_wide(p, bad_key, err))
        return BC_EINVAL;
    double w = v[BC_P_MAX] - v[BC_P_MIN];
    if (ab) {
        NEED(BC_P_ALPHA);
        NEED(BC_P_BETA);
        if (!(v[BC_P_ALPHA] > 0))
            return FAIL(BC_P_ALPHA, "%s distribution: alpha (%g) must be positive", name, v[BC_P_ALPHA]);
        if (!(v[BC_P_BETA] > 0))
            return FAIL(BC_P_BETA, "%s distribution: beta (%g) must be positive", name, v[BC_P_BETA]);
        d->a = v[BC_P_ALPHA];
        d->b = v[BC_P_BETA];
    } else {
        NEED(BC_P_MEAN);
        NEED(BC_P_SD);
        double m = (v[BC_P_MEAN] - v[BC_P_MIN]) / w;
        double s = v[BC_P_SD] / w;
        if (!(m > 0 && m < 1))
            return FAIL(BC_P_MEAN, "%s distribution: mean (%g) must lie strictly inside "
                                   "(min, max)",
                        name, v[BC_P_MEAN]);
        if (!(v[BC_P_SD] > 0))
            return FAIL(BC_P_SD, "%s distribution: sd (%g) must be positive", name, v[BC_P_SD]);
        /* need var < m(1-m); k = m(1-m)/var - 1, alpha = m k, beta = (1-m) k */
        double k = m * (1 - m) / (s * s) - 1;
        if (!(k > 0))
            return FAIL(BC_P_SD, "%s distribution: sd (%g) is too large for a beta with "
                                 "this mean and range (it must be below %g)",
                        name, v[BC_P_SD], sqrt(m * (1 - m)) * w);
        d->a = m * k;
        d->b = (1 - m) * k;
    }
    if (!(d->a >= 1e-6 && d->b >= 1e-6 && d->a <= BETA_SHAPE_MAX && d->b <= BETA_SHAPE_MAX))
        return FAIL(ab ? BC_P_ALPHA : BC_P_SD,
                    "%s distribution: shape parameters alpha %g and beta %g are outside "
                    "[1e-6, 1e9]",
                    name, d->a, d->b);
    if (!(fmin(d->a, d->b) <= BETA_MIN_SHAPE_MAX))
        return FAIL(ab ? BC_P_ALPHA : BC_P_SD,
                    "%s distribution: shape parameters alpha %g and beta %g are both above "
                    "%g: so narrow a beta (sd below 0.11 %% of max - min) cannot be "
                    "computed; use a normal distribution or a fixed value",
                    name, d->a, d->b, BETA_MIN_SHAPE_MAX);
    return BC_OK;
}

/* The base value (given, else the mode of a triangular or PERT, else the
 * mean) and a check that every value the distribution can give is finite. */
static int init_base(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    const char *name = kind_names[p->kind];
    double *v = d->p;
    /* base: given, else the mode for triangular/pert, else the mean */
    if (p->given & BIT(BC_P_BASE)) {
        d->base = v[BC_P_BASE];
        double lo, hi;
        bc_dist_support(d, &lo, &hi);
        if (!(d->base >= lo && d->base <= hi)) {
            char los[40], his[40], bs[40];
            bc_format_double(los, sizeof los, lo);
            bc_format_double(his, sizeof his, hi);
            bc_format_double(bs, sizeof bs, d->base);
            bc_dist_free(d);
            *bad_key = BC_P_BASE;
            return bc_error_set(err, BC_EINVAL,
                                "base (%s) lies outside the %s distribution's range [%s, %s]", bs,
                                name, los, his);
        }
    } else if (p->kind == BC_DIST_TRIANGULAR || p->kind == BC_DIST_PERT) {
        d->base = v[BC_P_MODE];
    } else {
        d->base = bc_dist_mean(d);
    }

    /* Every value sampling can produce, and the base, must be a finite
     * double: parameters near DBL_MAX make quantiles overflow to inf (or
     * NaN), which no check of bounds downstream would read as a number. */
    double lo, hi;
    bc_dist_range(d, &lo, &hi);
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(d->base)) {
        double at = !isfinite(hi) ? hi : !isfinite(lo) ? lo : d->base;
        bc_dist_free(d);
        *bad_key = -1;
        return bc_error_set(err, BC_EINVAL,
                            "%s distribution: the parameters are too large to compute with "
                            "(its values %s); rescale the input",
                            name, isnan(at) ? "are not numbers" : at > 0 ? "reach inf" : "reach -inf");
    }
    return BC_OK;
}

int bc_dist_init(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err)
{
    call_once(&gsl_quiet_once, gsl_quiet);
    int dummy;
    if (!bad_key)
        bad_key = &dummy;
    *bad_key = -1;
    memset(d, 0, sizeof *d);
    d->kind = p->kind;
    d->given = p->given;
    memcpy(d->p, p->v, sizeof d->p);
    const char *name = kind_names[p->kind];
    double *v = d->p;

    for (int k = 0; k < BC_P_SCALAR_COUNT; k++)
        if ((p->given & BIT(k)) && !isfinite(v[k]))
            return FAIL(k, "%s distribution: '%s' must be a finite number", name, key_names[k]);
    for (int k = 0; k < BC_P_KEY_COUNT; k++)
        if ((p->given & BIT(k)) && !(allowed[p->kind] & BIT(k))) {
            *bad_key = k;
            return bc_error_set(err, BC_EINVAL, "'%s' is not a parameter of the %s distribution",
                                key_names[k], name);
        }

    int rc = BC_OK;
    switch (p->kind) {
    case BC_DIST_FIXED:
        *bad_key = -1;
        return bc_error_set(err, BC_EINVAL, "a fixed value has no distribution parameters");
    case BC_DIST_UNIFORM:
        NEED(BC_P_MIN);
        NEED(BC_P_MAX);
        if (!(v[BC_P_MIN] < v[BC_P_MAX]))
            return FAIL(BC_P_MAX, "%s distribution: max (%g) must be greater than min (%g)",
                        name, v[BC_P_MAX], v[BC_P_MIN]);
        if (too_wide(p, bad_key, err))
            return BC_EINVAL;
        d->a = v[BC_P_MIN];
        d->b = v[BC_P_MAX] - v[BC_P_MIN];
        break;
    case BC_DIST_NORMAL:
        rc = init_normal(d, p, bad_key, err);
        break;
    case BC_DIST_LOGNORMAL:
    case BC_DIST_GAMMA:
        rc = init_lognormal_gamma(d, p, bad_key, err);
        break;
    case BC_DIST_TRIANGULAR:
    case BC_DIST_PERT:
        rc = init_triangular_pert(d, p, bad_key, err);
        break;
    case BC_DIST_BETA:
        rc = init_beta(d, p, bad_key, err);
        break;
    case BC_DIST_DISCRETE: {
        if (!(p->given & BIT(BC_P_VALUES)) || !(p->given & BIT(BC_P_WEIGHTS))) {
            *bad_key = -1;
            return bc_error_set(err, BC_EINVAL, "discrete distribution needs '%s'",
                                (p->given & BIT(BC_P_VALUES)) ? "weights" : "values");
        }
        for (size_t i = 0; i < p->n_values; i++)
            if (!isfinite(p->values[i])) {
                *bad_key = BC_P_VALUES;
                return bc_error_set(err, BC_EINVAL,
                                    "discrete distribution: value %zu is not a finite number",
                                    i + 1);
            }
        rc = init_discrete(d, p, bad_key, err);
        break;
    }
    default:
        return bc_error_set(err, BC_EINVAL, "unknown distribution kind");
    }
    if (rc)
        return rc;
    return init_base(d, p, bad_key, err);
}

int bc_dist_format(const bc_dist *d, char *buf, size_t size)
{
    char num[40];
    size_t len = 0;
#define PUT(...)                                                                    \
    do {                                                                            \
        int n_ = snprintf(buf + (len < size ? len : size),                          \
                          len < size ? size - len : 0, __VA_ARGS__);                \
        if (n_ > 0)                                                                 \
            len += (size_t)n_;                                                      \
    } while (0)
    if (size)
        buf[0] = '\0';
    if (d->kind == BC_DIST_FIXED) {
        bc_format_double(num, sizeof num, d->base);
        PUT("%s", num);
        return (int)len;
    }
    PUT("%s(", kind_names[d->kind]);
    const char *sep = "";
    if (d->kind == BC_DIST_DISCRETE) {
        PUT("values=[");
        for (size_t i = 0; i < d->n; i++) {
            bc_format_double(num, sizeof num, d->values[i]);
            PUT("%s%s", i ? ", " : "", num);
        }
        PUT("], weights=[");
        for (size_t i = 0; i < d->n; i++) {
            bc_format_double(num, sizeof num, d->weights[i]);
            PUT("%s%s", i ? ", " : "", num);
        }
        PUT("]");
    } else {
        static const int order[] = {BC_P_MEAN, BC_P_SD,    BC_P_MIN,  BC_P_MODE,
                                    BC_P_MAX,  BC_P_ALPHA, BC_P_BETA, BC_P_LAMBDA};
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
            int k = order[i];
            int show = (d->given & BIT(k)) || (d->kind == BC_DIST_PERT && k == BC_P_LAMBDA);
            if (!show)
                continue;
            bc_format_double(num, sizeof num, d->p[k]);
            PUT("%s%s=%s", sep, key_names[k], num);
            sep = ", ";
        }
    }
    bc_format_double(num, sizeof num, d->base);
    PUT(") base=%s", num);
#undef PUT
    return (int)len;
}
