/* engine_int.h: what engine.c and engine_pilot.c share. */
#ifndef BCSIM_ENGINE_INT_H
#define BCSIM_ENGINE_INT_H

#include "bcsim/engine.h"
#include "bcsim/sampler.h"
#include "stats_int.h"

/* The accumulated state of a run (engine.c; as bytes: engine_state.c). */
struct bc_run_state {
    bc_stats_shape sh;
    uint64_t runs, seed, block;
    int sampler;
    uint64_t nseg;            /* segments of the whole run */
    uint64_t first, next;     /* segments [first, next) are in the state */
    int keep;                 /* keep every segment's partial (pieces to be joined) */
    bc_block_acc fold;        /* !keep: fold of segments [0, next) */
    bc_block_acc *segs;       /* keep: partial of each segment first .. next-1 */
    size_t nsegs, capsegs;
    bc_thread_acc acc;        /* integer accumulators of every run so far */
    double *samp_x, *samp_y;  /* with save_samples */
    uint32_t *pa, *pc;        /* the regression's pairs (sh.pa, sh.pc), or NULL */
    uint32_t *vk, *vo;        /* the value of information's (sh.vk, sh.vo) */
    int32_t *ik;              /* the affordability's investments (sh.inv_*) */
    double *im, *iv;
    unsigned char *feas;      /* the packages' rules (sh.pk_feas) */
    bc_window *win;           /* the fine windows (sh.win), or NULL */
    bc_sampler *smp;          /* the run's sampler (for model smp_model) */
    const bc_model *smp_model;
};

/* Record one finished segment partial (the next). Returns 0, or -1 when out
 * of memory. */
int bc_run_state_take_segment(bc_run_state *s, const bc_block_acc *seg);

/* Runs in segments [a, b) of s's run. */
uint64_t bc_run_state_seg_runs(const bc_run_state *s, uint64_t a, uint64_t b);

/* From this many runs on, a run's quantiles come from fine windows placed by
 * a pilot of bc_engine_pilot_runs(runs) runs (where a series' histogram
 * would be too coarse; a scout of at most BC_SCOUT_RUNS runs tells); below
 * it, from the coarse histograms alone. */
#define BC_WIN_MIN_RUNS 1024
#define BC_SCOUT_RUNS 4096
#define BC_PILOT_DIV 16
#define BC_PILOT_MAX ((uint64_t)1 << 22)

/* The runs of the pilot of a run of `runs` runs: a quarter below 2^18, 2^16
 * below 2^20, then runs / BC_PILOT_DIV up to BC_PILOT_MAX: enough that the
 * pilot's quantiles of the tails are not its extremes, and few enough that
 * it costs at most a quarter of the run (a sixteenth from 2^20 runs on). */
uint64_t bc_engine_pilot_runs(uint64_t runs);

/* A state as bc_run_state_alloc makes it, whose windows are `win` for the
 * probabilities wa[k] <= wb[k] (bc_stats_shape) and whose sampler is smp
 * (for m and cfg), both taken (freed on failure too); NULL: no windows, a
 * sampler of its own. */
int bc_run_state_alloc_windows(const bc_model *m, const bc_run_config *cfg, uint64_t first,
                               int keep, const double *wa, const double *wb, bc_window *win,
                               bc_sampler *smp, bc_run_state **out, bc_error *err);

/* The series of statistics of m: outputs x (average gain, NPV, each year). */
size_t bc_engine_n_series(const bc_model *m);

/* The state's shape and its run's integer accumulators. */
const bc_stats_shape *bc_run_state_shape(const bc_run_state *s);
const bc_thread_acc *bc_run_state_acc(const bc_run_state *s);

/* The windows of a run of cfg->runs runs for the probabilities wa, wb: *win
 * is NULL when it needs none (fewer than BC_WIN_MIN_RUNS runs, or every
 * series' histogram stays fine enough), else n_series * BC_NWIN windows (the
 * caller's to free). Runs a scout and a pilot of the same model, seed and
 * sampler, with copies of proto, cfg's sampler (engine_pilot.c). */
int bc_engine_windows(const bc_model *m, const bc_run_config *cfg, const double *wa,
                      const double *wb, const bc_sampler *proto, bc_window **win, bc_error *err);

#endif
