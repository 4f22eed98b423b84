/* dist.h: the probability distributions of uncertain inputs: parameter
 * checks, inverse CDFs (quantiles), CDFs, moments and a text form. */
#ifndef BCSIM_DIST_H
#define BCSIM_DIST_H

#include <stddef.h>

#include "bcsim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of distribution (MODEL.md section 5). BC_DIST_FIXED is a plain number. */
typedef enum bc_dist_kind {
    BC_DIST_FIXED = 0,
    BC_DIST_UNIFORM,
    BC_DIST_NORMAL,
    BC_DIST_LOGNORMAL,
    BC_DIST_TRIANGULAR,
    BC_DIST_PERT,
    BC_DIST_BETA,
    BC_DIST_GAMMA,
    BC_DIST_DISCRETE,
    BC_DIST_KIND_COUNT
} bc_dist_kind;

/* Scalar parameter keys of a distribution mapping. */
typedef enum bc_dist_key {
    BC_P_MIN = 0,
    BC_P_MAX,
    BC_P_MEAN,
    BC_P_SD,
    BC_P_MODE,
    BC_P_LAMBDA,
    BC_P_ALPHA,
    BC_P_BETA,
    BC_P_BASE,
    BC_P_SCALAR_COUNT,
    BC_P_VALUES = BC_P_SCALAR_COUNT, /* list keys of `discrete` */
    BC_P_WEIGHTS,
    BC_P_KEY_COUNT
} bc_dist_key;

/* The smallest and largest uniform the samplers produce: u = (k + 1/2)·2^-52
 * for a 52-bit integer k, so that u and 1 - u are both exact doubles. Quantiles are only ever evaluated in
 * [BC_U_MIN, BC_U_MAX], so the values a distribution can produce are exactly
 * [quantile(BC_U_MIN), quantile(BC_U_MAX)]. */
#define BC_U_MIN 0x1p-53
#define BC_U_MAX (1.0 - 0x1p-53)

/* Parameters as written in a model file, before checking. */
typedef struct bc_dist_params {
    bc_dist_kind kind;
    double v[BC_P_SCALAR_COUNT]; /* value of each scalar key */
    unsigned given;              /* bit (1u << key) set for each key present */
    const double *values;        /* discrete: the scenario values */
    size_t n_values;
    const double *weights;       /* discrete: their weights (> 0) */
    size_t n_weights;
} bc_dist_params;

/* A checked distribution, ready to sample. Plain data but for the discrete
 * tables, which it owns: release with bc_dist_free. */
typedef struct bc_dist {
    bc_dist_kind kind;
    double base;  /* value in the base case */
    double p[BC_P_SCALAR_COUNT]; /* the parameters, defaults filled in */
    unsigned given;              /* keys the user gave (bit per bc_dist_key) */
    double a, b, c, d;           /* derived constants, meaning by kind */
    size_t n;                    /* discrete: number of values */
    double *values;              /* discrete: values, ascending (owned) */
    double *weights;             /* discrete: normalised weights (owned) */
    double *cum;                 /* discrete: cumulative weights, cum[n-1] = 1 */
} bc_dist;

/* The name of a kind as written in model files ("pert", ...). */
const char *bc_dist_kind_name(bc_dist_kind kind);

/* Look up a kind by name; returns BC_OK or BC_EINVAL if unknown. FIXED has no
 * name. */
int bc_dist_kind_from_name(const char *name, bc_dist_kind *kind);

/* The name of a parameter key ("min", ...). */
const char *bc_dist_key_name(bc_dist_key key);

/* Look up a parameter key by name (including "values", "weights"); returns
 * the key or -1. */
int bc_dist_key_from_name(const char *name);

/* Whether `key` may appear in a mapping of `kind` ("dist" itself aside). */
int bc_dist_key_allowed(bc_dist_kind kind, bc_dist_key key);

/* A fixed value: a distribution that always returns `value`. Can't fail. */
void bc_dist_fixed(bc_dist *d, double value);

/* Check `p` and build `d`. On failure returns BC_EINVAL (or BC_ENOMEM), the
 * message in `err` (without a location), `*bad_key` set to the key to blame
 * (a bc_dist_key) or -1 when the mapping as a whole is at fault, and leaves
 * nothing to free in `d`. On success `d` owns its tables: bc_dist_free. */
int bc_dist_init(bc_dist *d, const bc_dist_params *p, int *bad_key, bc_error *err);

/* Parse a distribution from its compact text form (command-line overrides):
 *
 *   0.15, -2e-3                 a fixed value
 *   KIND:a,b,c                  positional parameters, in this order per kind:
 *                               uniform(min,max), normal(mean,sd[,min,max]),
 *                               lognormal(mean,sd), triangular(min,mode,max),
 *                               pert(min,mode,max[,lambda]),
 *                               beta(mean,sd[,min,max]), gamma(mean,sd)
 *   KIND:key=value,...          named parameters, the keys of model files
 *                               (min, max, mean, sd, mode, lambda, alpha,
 *                               beta, base); positional ones may come first:
 *                               pert:0,0.1,0.2,base=0.12
 *   discrete:v/w,v/w,...        value/weight pairs, optionally ",base=X"
 *
 * Whitespace around tokens is allowed. Numbers must be finite decimals read
 * whole by strtod (no hex, nan or inf). The parameters then pass the same
 * checks as in model files (bc_dist_init).
 *
 * On success returns BC_OK and `*out` owns its tables (bc_dist_free). On
 * failure returns BC_EINVAL, with a message that quotes the text and says what
 * is wrong (unknown kind, unknown key, too many parameters, not a number, or
 * the bc_dist_init message), or BC_ENOMEM; nothing is left to free in `*out`.
 * Thread-safe. */
int bc_dist_parse_spec(const char *text, bc_dist *out, bc_error *err);

/* Release the tables of `d` (safe on a fixed or zeroed bc_dist and on NULL). */
void bc_dist_free(bc_dist *d);

/* Deep copy: `dst` becomes an independent copy of `src`. */
int bc_dist_copy(bc_dist *dst, const bc_dist *src, bc_error *err);

/* Whether the distribution is uncertain (anything but FIXED). */
int bc_dist_is_random(const bc_dist *d);

/* Quantile (inverse CDF) at u in (0,1). Thread-safe; allocates nothing.
 * FIXED returns its value whatever u is. */
double bc_dist_quantile(const bc_dist *d, double u);

/* The quantile at 1 - v, keeping the precision of a small v (the far upper
 * tail), which 1 - v in double would lose. */
double bc_dist_quantile_upper(const bc_dist *d, double v);

/* CDF at x. FIXED is a step at its value. */
double bc_dist_cdf(const bc_dist *d, double x);

/* Mean and standard deviation of the distribution as sampled (after any
 * truncation). */
double bc_dist_mean(const bc_dist *d);
double bc_dist_sd(const bc_dist *d);

/* The theoretical support [*lo, *hi] (may be infinite). */
void bc_dist_support(const bc_dist *d, double *lo, double *hi);

/* The values sampling can produce: [quantile(BC_U_MIN), quantile(BC_U_MAX)]. */
void bc_dist_range(const bc_dist *d, double *lo, double *hi);

/* Write the distribution as text, e.g. "pert(min=0, mode=0.12, max=0.2,
 * lambda=4) base=0.12" or "2.5" for a fixed value. Returns the length that
 * the full text needs (like snprintf). */
int bc_dist_format(const bc_dist *d, char *buf, size_t size);

/* Format a double with the fewest digits that read back to the same value. */
int bc_format_double(char *buf, size_t size, double x);

#ifdef __cplusplus
}
#endif
#endif
