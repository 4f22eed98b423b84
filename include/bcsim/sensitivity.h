/* sensitivity.h: which assumption drives the risk: variance-based Sobol'
 * indices with intervals from independent replicates, a one-at-a-time tornado, and standardised
 * regression coefficients from a plain run. */
#ifndef BCSIM_SENSITIVITY_H
#define BCSIM_SENSITIVITY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bc_sobol_sampler {
    BC_SOBOL_QMC = 0, /* randomised (digitally shifted) Sobol' sequence */
    BC_SOBOL_MC = 1   /* Philox uniforms */
} bc_sobol_sampler;

/* Combine the design's waves computed by several processes: `local` holds
 * this process's n_local consecutive waves' sums (len doubles each); the
 * function must set total[len] to the sum over all waves added in wave order
 * (total += wave_0, total += wave_1, ...) on every process. */
typedef int (*bc_sobol_combine_fn)(void *user, const double *local, uint64_t n_local, size_t len,
                                   double *total, bc_error *err);

/* Base samples per block of a Sobol' study when bc_sobol_config.block is 0. */
#define BC_SOBOL_DEFAULT_BLOCK 256

/* Replicates of a Sobol' study: the CLI's default, and the most allowed. */
#define BC_SOBOL_DEFAULT_REPLICATES 16
#define BC_SOBOL_MAX_REPLICATES 1024

typedef struct bc_sobol_config {
    uint64_t n;                 /* base samples N: rows of A and of B; >= 2 */
    uint64_t seed;
    int threads;                /* 0 = the OpenMP default */
    bc_sobol_sampler sampler;
    int replicates;             /* R independent replicates for the intervals: 0 = none
                                   (one design of N), else 2 to BC_SOBOL_MAX_REPLICATES,
                                   at most N / 2 */
    double level;               /* interval level, e.g. 0.95 */
    uint64_t block;             /* base samples per block; 0 = BC_SOBOL_DEFAULT_BLOCK. Results depend on it,
                                   never on threads */
    void (*progress)(void *user, uint64_t done, uint64_t total);
    void *progress_user;
    volatile sig_atomic_t *stop; /* set to stop between waves (BC_EINTR = 6) */
    /* Division among processes (MPI): when combine is set, this process computes
     * waves [wave_first, wave_end) only (a wave is 16 blocks) and combine joins
     * them; the result is bit-identical to one process computing all. */
    bc_sobol_combine_fn combine;
    void *combine_user;
    uint64_t wave_first, wave_end;
} bc_sobol_config;

/* The number of waves of a Sobol' design (see bc_sobol_config.combine). */
uint64_t bc_sobol_n_waves(const bc_sobol_config *cfg);

/* Outputs of a Sobol' study: for every model output o, three quantities:
 * y = o (avg_gain), y = O + o (npv), y = 2 O + o (the break-even indicator
 * 1{avg_gain >= 0}). Groups are the uncertain inputs (an input group such as
 * unemployment.shocks counts once). Arrays are indexed [group * n_y + y]
 * (intervals [... * 2 + 0 for the lower, + 1 for the upper bound]). */
typedef struct bc_sobol_result {
    uint64_t n;                 /* base samples */
    uint64_t evaluations;       /* N (k + 2) */
    size_t k;                   /* groups */
    size_t *group_input;        /* [k] model input index of each group */
    size_t n_outputs, n_y;      /* O and 3 O */
    double *mean, *variance;    /* [n_y] of the outputs over A and B */
    double *first, *total;      /* [k * n_y] S_j (Saltelli 2010), ST_j (Jansen) */
    double *first_ci, *total_ci;/* [k * n_y * 2] Student t intervals from the replicates,
                                   or NULL (no replicates) */
    int replicates;             /* R, or 0 */
    double level;
    bc_sobol_sampler sampler;   /* what was used */
    int qmc_fell_back;          /* QMC was asked for but 2d exceeded the sequence's
                                   dimensions: plain Monte Carlo was used */
} bc_sobol_result;

/* Estimate first-order and total Sobol' indices of model `m` from an A/B/AB
 * design: N (k + 2) model evaluations for k groups. With R replicates the
 * base samples are split into R consecutive parts of floor(N / R) or one
 * more, each an independent study: for QMC, points 0, 1, ... of its own
 * digital shift of the sequence (bc_sobolseq_alloc_replicate); for Monte
 * Carlo, Philox uniforms of (seed, base sample). The estimate pools every
 * replicate's sums; the level-L interval is the estimate plus or minus
 * t_{R-1,(1+L)/2} sd / sqrt(R), sd the standard deviation of the R
 * replicates' estimates. The first-order estimator is centred on the mean
 * of A and B. The inputs of a base sample depend on (seed, sample) alone,
 * blocks are combined in block order, so results are bit-identical for any
 * number of threads; they depend on the block size. Memory grows with
 * R k outputs, never with N. Returns BC_OK, BC_EINVAL (no uncertain inputs,
 * N < 2, bad replicates or level), BC_ENOMEM, BC_EINTR. *out: free with
 * bc_sobol_result_free. */
int bc_sobol_run(const bc_model *m, const bc_sobol_config *cfg, bc_sobol_result **out,
                 bc_error *err);
void bc_sobol_result_free(bc_sobol_result *r);

/* One-at-a-time swings: each uncertain input (a group as a whole) at its
 * quantiles plo and phi (e.g. 0.1 and 0.9; its distribution's exact
 * quantiles, bc_dist_quantile, not the sampler's tables) with all others at
 * base; the
 * average annual gain of every output. Arrays [k * n_outputs]; `order`
 * [n_outputs * k] lists the groups of each output by decreasing swing
 * |high - low|. */
typedef struct bc_tornado {
    size_t k, n_outputs;
    double plo, phi;
    size_t *group_input;        /* [k] */
    double *base;               /* [n_outputs] avg_gain at the base case */
    double *low, *high;         /* [k * n_outputs] */
    size_t *order;              /* [n_outputs * k] */
} bc_tornado;

int bc_tornado_compute(const bc_model *m, double plo, double phi, bc_tornado **out,
                       bc_error *err);
void bc_tornado_free(bc_tornado *t);

/* Break-even thresholds (docs/decision.md): for each uncertain input of one
 * component (groups such as the unemployment shocks are left out), the
 * value at which each output's base case breaks exactly even (average gain
 * 0) with every other input at its base value, searched over the input's
 * quantiles from 1e-6 to 1 - 1e-6 and refined by bisection to about 1e-13
 * relative (the crossing nearest the base value's percentile where there
 * are several), with its percentile in the input's own distribution. kind:
 * BC_THR_AT_LEAST (breaks even at that value and above), BC_THR_AT_MOST (at
 * it and below), BC_THR_ALWAYS or BC_THR_NEVER (whatever the input's value;
 * value and percentile 0). Rows [k * n_outputs]. */
enum { BC_THR_NEVER = 0, BC_THR_AT_LEAST = 1, BC_THR_AT_MOST = 2, BC_THR_ALWAYS = 3 };
typedef struct bc_thresholds {
    size_t k, n_outputs;
    size_t *input;            /* [k] model input indices */
    double *value, *percentile;
    int *kind;
} bc_thresholds;

/* For model m (a business case: other kinds get k = 0). Evaluates the
 * model about 33 + 45 times an input and output, with only the proposals
 * that depend on the input. BC_OK or BC_ENOMEM; *out owned by the caller
 * (bc_thresholds_free). */
int bc_thresholds_compute(const bc_model *m, bc_thresholds **out, bc_error *err);
void bc_thresholds_free(bc_thresholds *t);

/* The quantiles of the tornado that result files carry (a run's and a
 * Sobol' study's /sensitivity/tornado). */
#define BC_TORNADO_PLO 0.1
#define BC_TORNADO_PHI 0.9

/* Standardised regression coefficients of each output variable on the
 * uncertain input components, from a run's streamed covariance matrix:
 * b = Sxx^-1 Sxy, src_j = b_j sd(x_j) / sd(y), R^2 = Syx Sxx^-1 Sxy / Syy.
 * src [n_reg_x * n_reg_y] (component-major), r2 [n_reg_y]. Components with
 * zero variance get src 0. Returns BC_OK, BC_ENOMEM, or BC_EINVAL when the
 * inputs' covariance matrix is singular. */
int bc_regression_compute(const bc_summary *s, double *src, double *r2, bc_error *err);

/* What a run's result file carries beyond the engine's summary, computed
 * from the model and the summary before the file is written (the writer
 * only writes). Made by bc_run_analyse, freed by bc_run_analysis_free; more
 * fields may be added. */
typedef struct bc_run_analysis {
    size_t n_x, n_y;     /* regressors (uncertain input components) and regressands
                            (avg_gain and npv of each output: 2 n_outputs) */
    double *src, *r2;    /* [n_x * n_y] standardised regression coefficients
                            (component-major) and [n_y] R^2 (bc_regression_compute); both
                            NULL when there is no regression: no uncertain component,
                            the inputs' covariance matrix singular, or a coefficient or
                            R^2 not finite */
    bc_tornado *tornado; /* at quantiles BC_TORNADO_PLO and BC_TORNADO_PHI; NULL when the
                            model has no uncertain component */
    bc_thresholds *thresholds; /* break-even thresholds; NULL as the tornado */
} bc_run_analysis;

/* Analyse a run of model `m` whose summary is `s` (from bc_engine_run or
 * bc_engine_finish with this model): the regression of the outputs on the
 * uncertain inputs, from the summary's covariance matrix, the tornado,
 * which evaluates the model 2 k + 1 times for k uncertain inputs, and the
 * break-even thresholds (bc_thresholds_compute). Neither is
 * made when the model has no uncertain component (s->n_reg_x = 0); the
 * regression is left out (src, r2 NULL), not refused, when the covariance
 * matrix is singular or a result is not finite.
 *
 * On success *out is new, owned by the caller (bc_run_analysis_free); on
 * failure it is NULL. Returns BC_OK, BC_ENOMEM, or BC_EINVAL (no model or
 * summary). Reentrant; call it outside parallel regions. */
int bc_run_analyse(const bc_model *m, const bc_summary *s, bc_run_analysis **out,
                   bc_error *err);

/* Free what bc_run_analyse made; NULL does nothing. */
void bc_run_analysis_free(bc_run_analysis *a);

#ifdef __cplusplus
}
#endif
#endif
