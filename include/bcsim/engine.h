/* engine.h: the Monte Carlo engine: runs a model many times on all cores,
 * reproducibly, and streams the statistics of its outputs. */
#ifndef BCSIM_ENGINE_H
#define BCSIM_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/sampler.h"
#include "bcsim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default runs per block: the unit of parallel work and of ordered merging. */
#define BC_DEFAULT_BLOCK 2048

/* Blocks per segment. Blocks are folded in order into their segment's
 * partial, segments in order into the total: a segment is the unit in which a
 * run can be stopped, resumed, split into shards or spread over MPI ranks
 * without changing a bit of the result. */
#define BC_SEGMENT_BLOCKS 64

/* The accumulated state of a run after some of its segments (opaque). */
typedef struct bc_run_state bc_run_state;

/* Called between segments, from the calling thread. */
typedef void (*bc_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Called between segments when a checkpoint is due, and when the run stops
 * on `stop`; returns BC_OK or a failure (which ends the run). */
typedef int (*bc_checkpoint_fn)(void *user, const bc_run_state *s, bc_error *err);

/* The rules of the packages of proposals (bc_packages): which runs
 * enumerate them (mode: BC_PACKAGES_AUTO for up to BC_PACKAGES_AUTO_MAX
 * proposals, BC_PACKAGES_ALL for up to BC_PACKAGES_MAX, BC_PACKAGES_OFF),
 * the largest P(loss more than 1 mDKK/year) a package may have (0: no
 * limit; else in (0, 1)), the budget for the sum of the planned average
 * annual investments (mDKK/year; 0: none), and the proposals that must be
 * in (require) or out (exclude), bit p for proposal p. All zero: every
 * package, no rules. */
typedef struct bc_package_rules {
    int mode;
    double max_loss_prob, budget;
    uint64_t require, exclude;
} bc_package_rules;

typedef struct bc_run_config {
    uint64_t runs;            /* number of runs, >= 1 */
    uint64_t seed;            /* generator key */
    int threads;              /* OpenMP threads; 0 = the OpenMP default */
    bc_sampler_kind sampler;  /* BC_SAMPLER_MC or BC_SAMPLER_LHS */
    uint64_t block;           /* runs per block; 0 = BC_DEFAULT_BLOCK. Results depend on it
                                 (the order of floating-point merging), never on threads */
    int save_samples;         /* keep every run's inputs and avg_gain in the summary */
    bc_progress_fn progress;  /* may be NULL */
    void *progress_user;
    volatile sig_atomic_t *stop; /* if non-NULL and set, stop between segments (BC_EINTR) */
    bc_checkpoint_fn checkpoint; /* may be NULL */
    void *checkpoint_user;
    double checkpoint_every;  /* seconds between checkpoints */
    uint64_t fold_runs;       /* a thread's 32-bit histogram counts are folded into the
                                 run's 64-bit ones after the first segment that may take
                                 them past this many runs by the end of the next one; 0 or
                                 anything larger = the most that cannot overflow. Results
                                 never depend on it (tests lower it to exercise folding) */
    bc_package_rules packages;
} bc_run_config;

/* Whether the package rules r fit model m: the proposals they name exist,
 * rules are given only where the packages are enumerated (a business case
 * of at most BC_PACKAGES_AUTO_MAX proposals, or BC_PACKAGES_MAX with
 * BC_PACKAGES_ALL), the budget is at least one proposal's planned average
 * annual investment and the required proposals'. BC_OK, or BC_EINVAL with
 * a message naming the proposals. (bc_run_state_alloc checks it too.) */
int bc_package_rules_check(const bc_model *m, const bc_package_rules *r, bc_error *err);

/* The runs per block that `cfg` means: cfg->block, or BC_DEFAULT_BLOCK when
 * it is 0. This function can't fail. */
uint64_t bc_run_config_block(const bc_run_config *cfg);

/* The block `bcsim run` uses for model m unless told: BC_DEFAULT_BLOCK,
 * halved (down to 256) while a thread's block of values, (series +
 * regression variables + 1) x block doubles, would exceed 4 MiB. 2048 for
 * the default model, 256 for the 50 x 20 catalogue. Can't fail. */
uint64_t bc_engine_default_block(const bc_model *m);

/* The memory a run of m with cfg needs, in bytes, into *bytes: an upper
 * bound of what the engine allocates for it (its accumulators, each thread's
 * block of values, the histograms at their largest, the quantile windows of
 * a run of 1024 runs or more, the saved samples), the same whatever the
 * number of runs unless samples are saved; the process, its libraries, the
 * model and its sampler come on top (docs/reliability.md, "Memory").
 * Returns BC_OK, BC_EINVAL (a bad configuration) or BC_ENOMEM. */
int bc_engine_memory_estimate(const bc_model *m, const bc_run_config *cfg, double *bytes,
                              bc_error *err);

/* Status returned when `stop` was set. */
#define BC_EINTR 6

/* Run `cfg->runs` evaluations of `m` and summarise them. On success *out is a
 * new summary (bc_summary_free). The summary is bit-identical for any number
 * of threads. Returns BC_OK, BC_ENOMEM, BC_EINTR or BC_EINVAL: a bad
 * configuration; a model that bc_model_check_finite refuses (checked before
 * any run, so that every statistic of an accepted model is finite); a run
 * whose fixed memory (block partials with their p x p regression
 * cross-products, per-thread blocks of values, saved samples) would exceed
 * the machine's physical memory or the process's address-space limit
 * (ulimit -v), also refused before anything is allocated, with the estimate
 * in the message; or, as a last guard, a run that gave a non-finite output
 * (the message names the first such run). Run indices are uint64_t: any
 * count up to 2^64 - 1 is addressed without wrapping. */
int bc_engine_run(const bc_model *m, const bc_run_config *cfg, bc_summary **out, bc_error *err);

/* The same in steps. A state covers segments [first, next) of the run
 * configured by cfg (runs, seed, sampler, block; the thread count may differ
 * between steps). A state that starts at segment 0 folds segments as it goes;
 * one that starts later, or is made with keep = 1, keeps every segment's
 * partial so that pieces can be joined in order (bc_run_state_append).
 * Whatever the pieces, steps or threads, bc_engine_finish gives the summary
 * bc_engine_run gives, bit for bit. */
uint64_t bc_engine_n_segments(const bc_run_config *cfg);
/* The segments [*first, *end) of share i of n (i < n <= 2^32) when the run's
 * S = bc_engine_n_segments(cfg) segments are divided in order as evenly as
 * possible: *first = floor(S i / n), *end = floor(S (i + 1) / n), computed
 * without the overflow of S i. The shares of i = 0 .. n-1 cover every
 * segment once; a share is empty when there are more shares than segments.
 * What `bcsim run --shard I/N` computes, and each MPI rank. Can't fail. */
void bc_engine_shard_range(const bc_run_config *cfg, uint64_t i, uint64_t n, uint64_t *first,
                           uint64_t *end);
/* Checks as bc_engine_run does (model, memory) before allocating. */
int bc_run_state_alloc(const bc_model *m, const bc_run_config *cfg, uint64_t first, int keep,
                       bc_run_state **out, bc_error *err);
void bc_run_state_free(bc_run_state *s);
uint64_t bc_run_state_first(const bc_run_state *s);
uint64_t bc_run_state_next(const bc_run_state *s);
uint64_t bc_run_state_segments(const bc_run_state *s);

/* Run segments [next, seg_end) into s. With cfg->checkpoint, calls it every
 * cfg->checkpoint_every seconds (between segments) and, when `stop` is set,
 * once more before returning BC_EINTR. */
int bc_engine_advance(const bc_model *m, const bc_run_config *cfg, bc_run_state *s,
                      uint64_t seg_end, bc_error *err);

/* a += b, where b's segments follow a's (b->first == a->next). */
int bc_run_state_append(bc_run_state *a, const bc_run_state *b, bc_error *err);

/* The summary of a complete state (segments 0 to all). The saved samples
 * move from the state to the summary. */
int bc_engine_finish(bc_run_state *s, bc_summary **out, bc_error *err);

/* A state as bytes (little-endian words) and back, for checkpoints, shards
 * and MPI messages. unpack checks the bytes against the model and cfg. *buf
 * is the caller's to free. */
int bc_run_state_pack(const bc_run_state *s, void **buf, size_t *len, bc_error *err);
int bc_run_state_unpack(const bc_model *m, const bc_run_config *cfg, const void *buf, size_t len,
                        bc_run_state **out, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
