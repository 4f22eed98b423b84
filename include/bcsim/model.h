/* model.h: a model is a set of named inputs with distributions and a pure
 * function from input values to outputs. The business case of MODEL.md is
 * one kind of model; analytic test functions are others. */
#ifndef BCSIM_MODEL_H
#define BCSIM_MODEL_H

#include <stddef.h>

#include "bcsim/dist.h"
#include "bcsim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest horizon a model may have, in years. */
#define BC_MAX_YEARS 100

/* The most inputs that correlations may name: the copula's matrix grows with
 * the square of their number, its factorisation with the cube (a second at
 * this size), and every run multiplies by it. */
#define BC_MAX_CORRELATED 2000

/* Break-even year value meaning "none within the horizon". */
#define BC_NO_BREAK_EVEN (-1)

typedef struct bc_model bc_model; /* opaque; see bc_model_load_file */

/* One named input. A scalar input has dim 1; an input group (the
 * unemployment shocks) has dim > 1 components with the same distribution. */
typedef struct bc_input {
    const char *name;   /* canonical name, e.g. "academics.effect" */
    size_t offset;      /* index of its first component in the input vector */
    size_t dim;         /* number of components */
    bc_dist dist;       /* distribution of each component (FIXED if certain) */
    int line, col;      /* where the model file defines it (1-based), 0 if nowhere */
    double lo, hi;      /* bounds every value must respect (may be infinite) */
    int lo_strict;      /* values must be > lo rather than >= lo */
} bc_input;

/* A rank correlation between two scalar uncertain inputs. */
typedef struct bc_correlation {
    size_t a, b;        /* input indices (bc_model_input), a != b */
    double rho;         /* Spearman rank correlation, in (-1, 1) */
    int line, col;      /* where the model file states it */
} bc_correlation;

/* The outputs of one evaluation. Arrays are indexed [output * years + t].
 * Allocate with bc_eval_alloc for a given model (avg_gain, npv and gain are
 * one array, in that order); the detail arrays (fte, investment,
 * benefit_savings, other_savings) may be left NULL by callers that do not
 * need them, and evaluation then skips them. */
typedef struct bc_eval {
    size_t n_outputs;          /* proposals, then the portfolio */
    size_t years;              /* horizon H */
    double *gain;              /* gain[t], mDKK */
    double *avg_gain;          /* [output]: (1/H) sum_t gain[t], mDKK/year */
    double *npv;               /* [output]: sum_t gain[t] (1+r)^-t, mDKK */
    int *break_even_year;      /* [output]: first t with cumulative gain >= 0, or
                                  BC_NO_BREAK_EVEN */
    double *fte;               /* detail: full-year persons saved F_t */
    double *investment;        /* detail: I * profile_t, mDKK */
    double *benefit_savings;   /* detail: B_t, mDKK */
    double *other_savings;     /* detail: sum of savings lines, mDKK */
} bc_eval;

/* Read and check a model file. On success *out owns a new model (free with
 * bc_model_free). On failure returns BC_EINVAL (bad model; the message in
 * `err` starts with "PATH:LINE:COL: "), BC_EIO (unreadable file) or
 * BC_ENOMEM, and *out is NULL. */
int bc_model_load_file(const char *path, bc_model **out, bc_error *err);

/* The same from text in memory; `filename` is used in messages only. */
int bc_model_load_string(const char *text, size_t len, const char *filename, bc_model **out,
                         bc_error *err);

/* Make a built-in analytic test model, for checking the estimators through
 * the code path users run:
 *
 *   "ishigami"  f = sin(x1) + a sin^2(x2) + b x3^4 sin(x1), a = 7, b = 0.1,
 *               x1, x2, x3 ~ uniform(-pi, pi)
 *   "sobol-g"   f = prod_{i=1..8} (|4 x_i - 2| + a_i) / (1 + a_i),
 *               a = (0, 1, 4.5, 9, 99, 99, 99, 99), x1..x8 ~ uniform(0, 1)
 *
 * The inputs are ordinary independent uncertain inputs named "x1", "x2", ...
 * (so bc_model_set works on them), without bounds. The model has one output,
 * id "f" (name "f(x)"), a horizon of one year (start year 1) and discount
 * rate 0, so that gain, avg_gain and npv all equal f, and the break-even year
 * is 0 when f >= 0. Its id is `name`, its file name "builtin:NAME" and its
 * text a comment stating the function. On success *out owns a new model
 * (free with bc_model_free). On failure returns BC_EINVAL (unknown name;
 * message "unknown test model 'X' (expected ishigami or sobol-g)") or
 * BC_ENOMEM, and *out is NULL. Thread-safe. */
int bc_model_builtin(const char *name, bc_model **out, bc_error *err);

/* The names bc_model_builtin accepts, as a NULL-terminated array of static
 * strings (not to be freed). Can't fail. */
const char *const *bc_model_builtin_names(void);

/* Free a model and everything it owns. NULL is a no-op. */
void bc_model_free(bc_model *m);

/* Identification: the `model` key, the `title` (or the id), the file name
 * given at load time, and the model text as read. Owned by the model. */
const char *bc_model_id(const bc_model *m);
const char *bc_model_title(const bc_model *m);
const char *bc_model_filename(const bc_model *m);
const char *bc_model_text(const bc_model *m);

/* Horizon: first calendar year and number of years H. Discount rate r. */
int bc_model_start_year(const bc_model *m);
size_t bc_model_years(const bc_model *m);
double bc_model_discount_rate(const bc_model *m);

/* Inputs, in a fixed order: unemployment.drift, unemployment.shocks (when
 * volatility > 0), then each proposal's inputs in file order. */
size_t bc_model_n_inputs(const bc_model *m);
const bc_input *bc_model_input(const bc_model *m, size_t i);

/* Check that every value `d` can produce (bc_dist_range) respects the bounds
 * of input `in`. Returns BC_OK, or BC_EINVAL with a message such as
 * "a.effect must be <= 1, but its distribution reaches 1.3" (no location). */
int bc_input_check(const bc_input *in, const bc_dist *d, bc_error *err);

/* Index of the input named `name`, or -1. */
long bc_model_find_input(const bc_model *m, const char *name);

/* Override an input from an assignment "NAME=SPEC" (the command line's
 * `--set`), e.g. "a.effect=pert:0,0.1,0.2" or "a.unit_cost=180000". NAME is
 * an input's canonical name; SPEC is read by bc_dist_parse_spec. The new
 * distribution must respect the input's bounds (bc_input_check), and an input
 * in a correlation cannot be made a fixed number. The shocks
 * (`unemployment.shocks`) cannot be set: they follow from the volatility.
 *
 * On success the input's distribution (and so its base value) is replaced,
 * its line and col become 0 (the file no longer defines it), and the
 * assignment text is appended to the model's overrides. Setting the same
 * input twice is allowed: the later assignment wins. On failure returns
 * BC_EINVAL (message such as "unknown input 'a.efect' (did you mean
 * a.effect?)" or "a.effect: 'uniform:0,1.3': a.effect must be <= 1, but its
 * distribution reaches 1.3", without a location) or BC_ENOMEM, and the model
 * is unchanged. Not thread-safe: apply overrides before anything else (a
 * sampler, an engine) reads the model. */
int bc_model_set(bc_model *m, const char *assignment, bc_error *err);

/* The assignments applied by bc_model_set, in order, as given. bc_model_text
 * stays the file as read, so a record of a run needs both. The strings are
 * owned by the model and live until bc_model_free; bc_model_override returns
 * NULL when i >= bc_model_n_overrides(m). */
size_t bc_model_n_overrides(const bc_model *m);
const char *bc_model_override(const bc_model *m, size_t i);

/* Rebuild the model of a recorded study: load `text` (NUL-terminated, the
 * model file's text as read) as bc_model_load_string does with `filename`
 * for messages, apply the n assignments `overrides` in order with
 * bc_model_set, and check it with bc_model_check_finite, as the study did.
 * What bcsim replay and bcsim merge do with a result, checkpoint or shard
 * file's model_text, model_file and overrides. On success *out owns a new
 * model (bc_model_free); on failure *out is NULL and the status and message
 * are those of the step that failed (BC_EINVAL, BC_EIO, BC_ENOMEM), without a
 * prefix. `overrides` may be NULL when n is 0; the caller keeps ownership of
 * every argument. */
int bc_model_load_record(const char *text, const char *filename, char *const *overrides, size_t n,
                         bc_model **out, bc_error *err);

/* Length of the input vector (the sum of all inputs' dims). */
size_t bc_model_dim(const bc_model *m);

/* Write the base case into x[bc_model_dim(m)]: every input at its base
 * value (shocks 0). Can't fail. */
void bc_model_base_inputs(const bc_model *m, double *x);

/* Outputs: the proposals in file order, then "portfolio". */
size_t bc_model_n_outputs(const bc_model *m);
const char *bc_model_output_id(const bc_model *m, size_t o);
const char *bc_model_output_name(const bc_model *m, size_t o); /* long name */

/* Correlations as given in the model file (validated: the matrix is
 * positive definite). */
/* A group of inputs the model file names (`groups:`, docs/model-file.md)
 * for the value of information of learning them together. */
typedef struct bc_input_group {
    const char *name;
    size_t n;
    size_t *inputs;     /* input indices (bc_model_input), n of them, no repeats */
    int line, col;      /* where the model file names it */
} bc_input_group;

size_t bc_model_n_groups(const bc_model *m);
const bc_input_group *bc_model_group(const bc_model *m, size_t g); /* NULL past the end */

size_t bc_model_n_correlations(const bc_model *m);
const bc_correlation *bc_model_correlation(const bc_model *m, size_t i);

/* The largest magnitude an output, an intermediate value of the business
 * case or an uncertain input may reach. Squares of such values summed over
 * up to 2^64 runs (variances, the regression's co-moments, Sobol' sums) stay
 * far below the largest double (1.8e308), so no statistic can overflow. */
#define BC_MAX_MAGNITUDE 1e100

/* Check, before any work, that every number a run of `m` can produce is
 * finite: from the range of every input (bc_dist_range, the values sampling
 * can actually produce, shocks included), bound the magnitude of the
 * unemployment trend U_t^-eta, the exits, full-year persons, savings,
 * investment, gains, averages and NPVs of every proposal and of the
 * portfolio, with every input at the worst end of its range at once, and
 * refuse the model when a bound exceeds BC_MAX_MAGNITUDE, or an uncertain
 * input's range does. The bound is worst-case, not a sample: a model it
 * accepts can never overflow, whatever the seed or the number of runs.
 * Kinds other than the business case get the check of their inputs only.
 *
 * Returns BC_OK, or BC_EINVAL with a one-line message that starts with the
 * model's file name and, where the blamed input was read from the file, its
 * line and column ("FILE:LINE:COL: ..."), names the input or key to narrow
 * and says how far the bound reaches. Allocates a table of bc_model_dim
 * entries (BC_ENOMEM if that fails). Thread-safe; changes nothing. */
int bc_model_check_finite(const bc_model *m, bc_error *err);

/* Evaluate the model at input vector x (length bc_model_dim) into `out`,
 * which must come from bc_eval_alloc: it writes avg_gain, npv and gain as the
 * one array that bc_eval_alloc makes of them. Pure: no allocation, no I/O;
 * thread-safe for distinct `out`. Can't fail: for a model
 * that passes bc_model_check_finite and inputs within the distributions'
 * ranges, every output is finite (and at most BC_MAX_MAGNITUDE in
 * magnitude). */
void bc_model_eval(const bc_model *m, const double *x, bc_eval *out);

/* Allocate an output buffer for `m`, with the detail arrays when `detail` is
 * non-zero. Returns NULL when out of memory. Free with bc_eval_free. */
bc_eval *bc_eval_alloc(const bc_model *m, int detail);
void bc_eval_free(bc_eval *e);

#ifdef __cplusplus
}
#endif
#endif
