/* stats_int.h: streaming accumulators behind bc_summary. Floating-point
 * partials belong to blocks of runs and are merged in block order; integer
 * counts (histograms, break-even) and min/max belong to threads, since their
 * combination does not depend on order. Either way the result does not depend
 * on the number of threads. */
#ifndef BCSIM_STATS_INT_H
#define BCSIM_STATS_INT_H

#include <stdint.h>

#include "bcsim/model.h"
#include "bcsim/stats.h"

/* Shape of what is accumulated. */
typedef struct bc_stats_shape {
    size_t n_outputs, years;
    size_t n_series;  /* n_outputs * (2 + years): avg_gain, npv, gain[t] */
    size_t nx;        /* uncertain input components */
    size_t p;         /* nx + 2 n_outputs regression variables */
    size_t block;     /* runs per block */
    /* The regression's co-moments: of every pair of the p variables (pa NULL:
     * p x p, row-major), or of the npair pairs (pa[q], pc[q]) only, pa[q] <=
     * pc[q] (bc_stats_reg_pairs). The arrays belong to whoever made the shape. */
    size_t npair;
    const uint32_t *pa, *pc;
} bc_stats_shape;

/* Above this many regression variables, a run keeps the co-moments of the
 * pairs the regression uses only (bc_stats_reg_pairs), not all p^2. */
#define BC_REG_DENSE_MAX 128

/* The co-moments a block keeps: p^2, or npair. */
static inline size_t bc_stats_ncom(const bc_stats_shape *sh)
{
    return sh->pa ? sh->npair : sh->p * sh->p;
}

/* The pairs for a shape of more than BC_REG_DENSE_MAX variables: every
 * input's variance; every pair of correlated inputs (copula[k] != 0); every
 * pair of inputs that one output depends on, for the outputs that depend on
 * at most BC_REG_DENSE_MAX inputs (uses[o * nx + k] != 0: a proposal's own
 * and shared inputs, not the portfolio's all); and for output o's average
 * gain and NPV (variables nx + o, nx + O + o) their variances and their
 * co-moments with the inputs they depend on. Input pairs in ascending order.
 * Stores them in sh (arrays in *pa, *pc, the caller's to free). Returns 0,
 * or -1 when out of memory. */
int bc_stats_reg_pairs(bc_stats_shape *sh, const unsigned char *copula,
                       const unsigned char *uses, uint32_t **pa, uint32_t **pc);

/* A histogram of integer counts on bins [k 2^e, (k+1) 2^e), grown on demand,
 * coarsened when it would exceed BC_HIST_MAX_BINS. The counts are 64-bit (c)
 * in a run's accumulator and 32-bit (c32: half the memory, so that more of
 * them stay in cache) in a thread's, which is folded into the run's before a
 * count could overflow. Exactly one of c and c32 is used. */
typedef struct bc_fhist {
    int e;            /* bin width 2^e */
    int narrow;       /* counts in c32 */
    int64_t k0;       /* index of bins[0] */
    size_t n, cap;
    uint64_t *c;
    uint32_t *c32;
} bc_fhist;

typedef struct bc_thread_acc {
    bc_fhist *hist;          /* [n_series] */
    int64_t *bases;          /* [n_series] bin index of hist[s].c[0] */
    double *min, *max;       /* [n_series] */
    uint64_t *be;            /* [n_outputs] avg_gain >= 0 */
    uint64_t *loss;          /* [n_outputs] avg_gain < BC_LOSS_THRESHOLD */
    uint64_t *be_year;       /* [n_outputs * (years + 1)] */
    uint64_t nonfinite;      /* runs with a non-finite output */
    uint64_t first_nonfinite;
    int oom;                 /* a histogram could not grow */
    int narrow;              /* 32-bit histogram counts */
    uint64_t held;           /* values in each histogram since the last reset */
} bc_thread_acc;

typedef struct bc_block_acc {
    uint64_t n;
    double *mean, *m2;       /* [n_series] Welford */
    double *rmean, *rcom;    /* [p], [p * p]: regression means and co-moments; all
                                four in one allocation (mean is its start) */
} bc_block_acc;

/* Per-thread scratch: the current block's series values and regression
 * variables, variable by variable. */
typedef struct bc_block_ws {
    double *v;               /* [n_series * zs] the block's output series values */
    double *z;               /* [p * zs] the block's regression variables */
    double *scratch;         /* [block] for bc_stats_add_runs */
    size_t zs;               /* column stride (padded: see stride()) */
    size_t used;             /* runs of the current block */
} bc_block_ws;

/* narrow: 32-bit histogram counts (a thread's, to be absorbed into a
 * 64-bit accumulator before `held` reaches 2^32). */
int bc_thread_acc_init(bc_thread_acc *t, const bc_stats_shape *sh, int narrow);
void bc_thread_acc_free(bc_thread_acc *t, const bc_stats_shape *sh);
/* d += s: the histograms at the coarser of their widths, counts added. Exact:
 * the result does not depend on how runs were spread over accumulators. d
 * has 64-bit counts. Returns 0, or -1 when out of memory. */
int bc_thread_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s);

/* Back to empty (keeps the arrays). */
void bc_thread_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t);

int bc_block_acc_init(bc_block_acc *b, const bc_stats_shape *sh);
void bc_block_acc_free(bc_block_acc *b);
void bc_block_acc_reset(bc_block_acc *b, const bc_stats_shape *sh);
int bc_block_ws_init(bc_block_ws *w, const bc_stats_shape *sh);
void bc_block_ws_free(bc_block_ws *w);

/* Where the next runs of the current block are written, column by column
 * with stride w->zs: output series c (the order of bc_batch_out: average
 * gains, NPVs, yearly gains) of the k-th next run at
 * bc_block_ws_series(w)[c * zs + k], its uncertain input component j at
 * bc_block_ws_inputs(w)[j * zs + k]. Room for block - w->used runs. */
static inline double *bc_block_ws_series(bc_block_ws *w) { return w->v + w->used; }
static inline double *bc_block_ws_inputs(bc_block_ws *w) { return w->z + w->used; }

/* Add the n runs written there to the block, run0 the index of the first;
 * be[o * ldb + k] is the break-even year of output o of the k-th. A run with
 * a non-finite output is counted as such and dropped (the runs after it move
 * up, be with them). */
void bc_stats_add_runs(const bc_stats_shape *sh, bc_thread_acc *t, bc_block_ws *w, int *be,
                       size_t ldb, size_t n, uint64_t run0);

/* Fold the block's scratch into the block's moments and co-moments and the
 * thread's extremes and histograms. */
void bc_block_finish(const bc_stats_shape *sh, bc_thread_acc *t, bc_block_acc *b,
                     bc_block_ws *w);

/* total += b (Chan et al.'s pairwise update), in block order. */
void bc_block_merge(const bc_stats_shape *sh, bc_block_acc *total, const bc_block_acc *b);

/* Build the summary from the merged blocks and all threads' accumulators.
 * Returns BC_OK or BC_ENOMEM. */
int bc_stats_summarise(const bc_stats_shape *sh, const bc_block_acc *total,
                       bc_thread_acc *threads, int n_threads, uint64_t runs, bc_summary **out);

#endif
