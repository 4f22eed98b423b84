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

/* Standard normal density. */
static double phi(double z)
{
    return isinf(z) ? 0.0 : exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

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
    case BC_DIST_NORMAL: {
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
        break;
    }
    case BC_DIST_LOGNORMAL:
    case BC_DIST_GAMMA:
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
        break;
    case BC_DIST_TRIANGULAR:
    case BC_DIST_PERT:
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
        break;
    case BC_DIST_BETA: {
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
        break;
    }
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
        int rc = init_discrete(d, p, bad_key, err);
        if (rc)
            return rc;
        break;
    }
    default:
        return bc_error_set(err, BC_EINVAL, "unknown distribution kind");
    }

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
