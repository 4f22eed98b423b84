/* engine.h: the Monte Carlo engine: runs a model many times on all cores,
 * reproducibly, and streams the statistics of its outputs. */
#ifndef BCSIM_ENGINE_H
#define BCSIM_ENGINE_H

#include <signal.h>
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

/* Called between waves of blocks, from the calling thread. */
typedef void (*bc_progress_fn)(void *user, uint64_t done, uint64_t total);

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
    volatile sig_atomic_t *stop; /* if non-NULL and set, stop between waves (BC_EINTR) */
} bc_run_config;

/* Status returned when `stop` was set. */
#define BC_EINTR 6

/* Run `cfg->runs` evaluations of `m` and summarise them. On success *out is a
 * new summary (bc_summary_free). The summary is bit-identical for any number
 * of threads. Returns BC_OK, BC_EINVAL (bad configuration, or a run gave a
 * non-finite output: the message names the first such run), BC_ENOMEM,
 * BC_EINTR. */
int bc_engine_run(const bc_model *m, const bc_run_config *cfg, bc_summary **out, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
