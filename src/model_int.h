/* model_int.h: private layout of models and the business-case kind. */
#ifndef BCSIM_MODEL_INT_H
#define BCSIM_MODEL_INT_H

#include <gsl/gsl_matrix.h>

#include "bcsim/model.h"

/* A kind of model, in the manner of GSL's generator types: the engine only
 * knows this interface. */
typedef struct bc_model_type {
    const char *name;
    /* Evaluate: x has bc_model_dim entries; writes every non-NULL array of out. */
    void (*eval)(const bc_model *m, const double *x, bc_eval *out);
    /* Release the kind's own data (m->impl). */
    void (*free_impl)(void *impl);
} bc_model_type;

struct bc_model {
    const bc_model_type *type;
    void *impl;               /* kind-specific data */
    char *id, *title, *filename, *text;
    int start_year;
    size_t years;
    double discount_rate;
    double disc[BC_MAX_YEARS]; /* (1+r)^-t */
    size_t n_inputs, dim;
    bc_input *inputs;          /* names owned (cast away const to free) */
    size_t n_outputs;
    char **output_ids, **output_names;
    size_t n_corr;
    bc_correlation *corr;
    size_t n_overrides;
    char **overrides;          /* bc_model_set assignments, in order (owned) */
};

/* How a savings line scales. */
enum { BC_PER_FTE, BC_PER_EXIT, BC_PER_YEAR };

typedef struct bc_saving {
    char *name;
    int per;                   /* BC_PER_* */
    size_t x_amount;           /* offset of its amount in x */
} bc_saving;

typedef struct bc_proposal {
    size_t x_investment, x_participants, x_effect, x_elasticity, x_start, x_duration,
        x_unit_cost;           /* offsets in x */
    double *profile;           /* [years] investment_profile, default 1 (in bc_bcase.yearly) */
    double *index;             /* [years] unit_cost_index, default 1 (in bc_bcase.yearly) */
    size_t n_savings;
    bc_saving *savings;
} bc_proposal;

typedef struct bc_bcase {
    size_t x_drift;            /* offset of unemployment.drift */
    double volatility;         /* sigma */
    int has_shocks;            /* volatility > 0 */
    size_t x_shocks;           /* offset of the H shocks */
    size_t n_proposals;
    bc_proposal *proposals;
    /* every proposal's profile and index, `years` each (owned); arrays of
     * BC_MAX_YEARS inside each proposal took 1.6 kB whatever the horizon */
    double *yearly;
} bc_bcase;

extern const bc_model_type bc_model_type_bcase;

/* The inputs that appear in correlations, in model order: writes their
 * indices to ids (room for n_inputs) and returns how many. */
size_t bc_model_correlated_inputs(const bc_model *m, size_t *ids);

/* The Gaussian copula's k x k correlation matrix among inputs ids[0..k): the
 * identity, plus rho = 2 sin(pi rho_s / 6) for each rank correlation rho_s
 * between two of them (Pearson correlation of the normals behind a rank
 * correlation). */
void bc_model_copula_matrix(const bc_model *m, const size_t *ids, size_t k, gsl_matrix *a);

/* Shared by the kinds: fill avg_gain, npv and break_even_year of output o
 * from gain[o*H .. o*H+H-1]. */
void bc_model_summarise(const bc_model *m, bc_eval *out, size_t o);

#endif
