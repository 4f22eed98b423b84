/* merge.h: the pieces of a run joined into the whole: when a checkpoint or a
 * shard belongs to a study (one identity rule for bcsim run --resume, bcsim
 * merge and MPI ranks), and run states joined in segment order. No file I/O:
 * it works on state files already read (bc_results_read_state) and on packed
 * states (bc_run_state_pack). */
#ifndef BCSIM_MERGE_H
#define BCSIM_MERGE_H

#include <stddef.h>

#include "bcsim/engine.h"
#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/results.h"
#include "bcsim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Two records are of the same study when these agree, compared in this
 * order: the model file's text, the number of --set overrides, the seed, the
 * number of runs, the sampler, the runs per block (bc_run_config_block: 0
 * means the default), the bcsim version, for two shards their number of
 * shards, and last the overrides themselves, one by one. A message names the
 * first that differs. */

/* Check that state file `f`, read from `path`, is of kind `kind`
 * ("checkpoint" or "shard"). Returns BC_OK, or BC_EINVAL with the message
 * "PATH is a shard, not a checkpoint" (or the other way round). Can't fail
 * otherwise; changes nothing. */
int bc_merge_check_kind(const bc_state_file *f, const char *path, const char *kind, bc_error *err);

/* Check that state file `f`, read from `path`, is a checkpoint of the study
 * that model `m` (its text and overrides) and configuration `cfg` (runs,
 * seed, sampler, block) describe, written by this bcsim (BCSIM_VERSION): what
 * bcsim run --resume may continue. Returns BC_OK, or BC_EINVAL with the
 * message of bc_merge_check_kind or "the checkpoint PATH is from another
 * model or setting: WHY", WHY the first difference: "the model file's text
 * differs", "the --set overrides differ", "seed 7, not 8", "6000000 runs,
 * not 5000000", "sampler lhs, not mc", "blocks of 512 runs, not 2048",
 * "written by bcsim 0.1.0, this is 0.2.0" (the checkpoint's value first).
 * Changes nothing; the caller keeps ownership of every argument. */
int bc_merge_check_checkpoint(const bc_state_file *f, const char *path, const bc_model *m,
                              const bc_run_config *cfg, bc_error *err);

/* Unpack the state `bytes` (len bytes, from bc_run_state_pack of the run of
 * `m` and `cfg`) and join it to *all: if *all is NULL the piece becomes *all,
 * else it is appended (bc_run_state_append: its segments must start where
 * *all's end). On failure *all is left as it was (the piece is freed) and
 * the status and message are bc_run_state_unpack's or bc_run_state_append's.
 * *all is the caller's (bc_run_state_free). */
int bc_merge_append(const bc_model *m, const bc_run_config *cfg, const void *bytes, size_t len,
                    bc_run_state **all, bc_error *err);

/* Join the shards of one run, as bcsim merge does: `f[0..n-1]` are the state
 * files read from `paths[0..n-1]`, in any order, n >= 1. Checks that each is
 * a shard (bc_merge_check_kind) and of the same study as f[0] ("PATH belongs
 * to another seed than PATH0", "... to other --set overrides ...", "... to
 * another number of shards ...", and so on in the order above), that every
 * shard I of N is there exactly once ("PATH says it is shard 5 of 3", "A and
 * B are both shard 1/3", "shard 1/3 is missing"), rebuilds the model from
 * f[0]'s record (bc_model_load_record) and joins the states in shard order
 * (a failure there is prefixed with the shard's path).
 *
 * On success *m is the run's model (bc_model_free) and *out the summary
 * (bc_summary_free) that the run in one piece gives, bit for bit, for the
 * configuration f[0].cfg; on failure both are NULL. Returns BC_OK, BC_EINVAL
 * (shards that do not make one run, a damaged state, a recorded model that
 * no longer loads), BC_ENOMEM or another status of bc_model_load_record or
 * bc_engine_finish. The caller keeps ownership of f and paths. */
int bc_merge_shards(const bc_state_file *f, const char *const *paths, size_t n, bc_model **m,
                    bc_summary **out, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
