/* results_write_int.h: what the writers of result files share
 * (results_write.c, state_file.c): the root attributes that describe a
 * study, and a file built in memory and published whole by src/fileio.c. */
#ifndef BCSIM_RESULTS_WRITE_INT_H
#define BCSIM_RESULTS_WRITE_INT_H

#include <stdint.h>

#include "bcsim/engine.h"
#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/sensitivity.h"
#include "bcsim/stats.h"
#include "h5util_int.h"

/* What the root attributes say about the study. */
typedef struct bc_results_study {
    const char *kind; /* "run", "sobol", "checkpoint" or "shard" */
    uint64_t seed, runs, block;
    const char *sampler;
    const char *command_line;
    double quantile_resolution; /* NaN: not written */
    const bc_package_rules *packages; /* the runs' package rules; NULL: not written */
} bc_results_study;

/* The root attributes of every result file (docs/hdf5-layout.md): format,
 * the model's text, overrides, id and horizon, and the study `st`.
 * BC_OK, BC_ENOMEM or BC_EHDF5. */
int bc_results_write_root(const bc_h5ctx *c, const bc_model *m, const bc_results_study *st);

/* Build the file `path` in memory (HDF5's core driver), contents(c, data)
 * filling it, and publish its image with bc_fileio_replace: `path` is then
 * the whole new file, or as it was. The caller has checked the path
 * (bc_results_check_path). Returns BC_OK, what `contents` returns,
 * BC_ENOMEM, BC_EHDF5, or as bc_fileio_replace (BC_EINVAL, BC_EIO). */
int bc_results_write_file(const char *path, int force, bc_error *err,
                          int (*contents)(const bc_h5ctx *c, const void *data), const void *data);

/* Names of the d uncertain input components in sampler order: NAME, or
 * NAME[t] for the components of an input group. NULL if out of memory
 * (bc_strs_free frees them). */
char **bc_results_component_names(const bc_model *m, size_t d);

/* /decision: the value of information in s->voi, the affordability in
 * s->afford and the break-even thresholds t (may be NULL), those computed
 * (results_write_decision.c). BC_OK, BC_ENOMEM or BC_EHDF5. */
int bc_results_write_decision(const bc_h5ctx *c, const bc_model *m, const bc_summary *s,
                               const bc_thresholds *t);

#endif
