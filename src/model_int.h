/* model_int.h: private layout of models and the business-case kind. */
#ifndef BCSIM_MODEL_INT_H
#define BCSIM_MODEL_INT_H

#include <gsl/gsl_matrix.h>

#include "bcsim/model.h"

/* Where the outputs of a batch of runs go, column by column, so that a kind
 * can compute many runs at once in vector registers. Output series c of run i
 * is v[c * ldv + i], with c = o for the average gain of output o, O + o for
 * its NPV and 2 O + o H + t for its gain in year t (O outputs, H years); its
 * break-even year is be[o * ldb + i]. The detail arrays, when not NULL, hold
 * column o H + t at [(o H + t) * ldv + i]. One run with ldv = ldb = 1 is the
 * layout of a bc_eval. */
typedef struct bc_batch_out {
    double *v;
    size_t ldv;
    int *be;
    size_t ldb;
    double *fte, *investment, *benefit_savings, *other_savings;
    /* A business case's proposals to evaluate (only[p] != 0), the others'
     * outputs left as they were and the portfolio the sum of those
     * evaluated (at least one); NULL: all. Other kinds of model ignore it. */
    const unsigned char *only;
} bc_batch_out;

/* A kind of model, in the manner of GSL's generator types: the engine only
 * knows this interface. */
typedef struct bc_model_type {
    const char *name;
    /* Evaluate n runs: component j of run i's inputs is x[j * ldx + i] (j <
     * bc_model_dim); writes every non-NULL array of out. Each run's outputs
     * depend on its own inputs alone and are the same bits whatever n. */
    void (*eval)(const bc_model *m, const double *x, size_t ldx, size_t n,
                 const bc_batch_out *out);
    /* Release the kind's own data (m->impl). */
    void (*free_impl)(void *impl);
    /* Mark uses[j] = 1 for every input offset j (< bc_model_dim) that output o
     * can depend on; the others are left alone. NULL: every output depends on
     * every input. */
    void (*uses)(const bc_model *m, size_t o, unsigned char *uses);
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
    size_t n_groups;
    bc_input_group *groups;    /* the file's groups of inputs (value of information) */
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

/* Proposal p's investment: its offset in x and the mean of its profile over
 * the horizon, so that its average annual investment in a run is x[*xi] *
 * *pbar. Returns 1, or 0 when m is not a business case (or p is not one of
 * its proposals). */
int bc_model_investment(const bc_model *m, size_t p, size_t *xi, double *pbar);

/* uses[j] = 1 for every input offset j that output o can depend on, else 0
 * (uses has bc_model_dim entries). */
void bc_model_output_uses(const bc_model *m, size_t o, unsigned char *uses);

/* The inputs that appear in correlations, in model order: writes their
 * indices to ids (room for n_inputs) and returns how many. */
size_t bc_model_correlated_inputs(const bc_model *m, size_t *ids);

/* The Gaussian copula's k x k correlation matrix among inputs ids[0..k): the
 * identity, plus rho = 2 sin(pi rho_s / 6) for each rank correlation rho_s
 * between two of them (Pearson correlation of the normals behind a rank
 * correlation). */
void bc_model_copula_matrix(const bc_model *m, const size_t *ids, size_t k, gsl_matrix *a);

/* Shared by the kinds: fill the average gain, NPV and break-even year of
 * output o of n runs from its yearly gains. Inline, so that it is compiled
 * into the vector versions of its callers. */
static inline void bc_model_summarise(const bc_model *m, size_t n, const bc_batch_out *out,
                                      size_t o)
{
    const size_t H = m->years, O = m->n_outputs, ld = out->ldv;
    double *avg = out->v + o * ld, *npv = out->v + (O + o) * ld;
    const double *g = out->v + (2 * O + o * H) * ld;
    int *be = out->be + o * out->ldb;
    /* avg holds the cumulative gain until the division; the sums start from
     * 0.0 + the first year (not from a loop of zeros, which the compiler
     * makes a costly memset for a few runs) */
    for (size_t i = 0; i < n; i++) {
        avg[i] = 0.0 + g[i];
        npv[i] = 0.0 + g[i] * m->disc[0];
        be[i] = avg[i] >= 0 ? 0 : BC_NO_BREAK_EVEN;
    }
    for (size_t t = 1; t < H; t++) {
        const double *gt = g + t * ld, disc = m->disc[t]; /* (1+r)^-t */
        for (size_t i = 0; i < n; i++) {
            avg[i] += gt[i];
            npv[i] += gt[i] * disc;
            be[i] = be[i] == BC_NO_BREAK_EVEN && avg[i] >= 0 ? (int)t : be[i];
        }
    }
    for (size_t i = 0; i < n; i++)
        avg[i] = avg[i] / (double)H;
}

/* Evaluate n runs laid out as for bc_model_type.eval (the engine's path;
 * bc_model_eval is one run of it). */
void bc_model_eval_batch(const bc_model *m, const double *x, size_t ldx, size_t n,
                         const bc_batch_out *out);

#endif
