/* results.h: result files: a run's model, configuration and summary written
 * to one HDF5 file (layout in docs/hdf5-layout.md), and read back for replay.
 * This header does not include hdf5.h: HDF5 stays inside src/results.c. */
#ifndef BCSIM_RESULTS_H
#define BCSIM_RESULTS_H

#include <stddef.h>

#include "bcsim/engine.h"
#include "bcsim/sensitivity.h"
#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The value of the root attribute `format`, and the `format_version` this
 * library writes and the highest it reads. */
#define BC_RESULTS_FORMAT "bcsim-results"
#define BC_RESULTS_FORMAT_VERSION 1

/* Check, before any work, that `path` may be written as a result file:
 *
 *   - if it exists, it must be a regular file (not a directory, /dev/null,
 *     /dev/full, a fifo, a socket, a dangling symbolic link, ...) and `force`
 *     must be non-zero ("PATH exists; use --force to replace it");
 *   - its directory must exist, be a directory and be writable (the file is
 *     written beside it first, see bc_results_write).
 *
 * Creates and changes nothing. Returns BC_OK, or BC_EINVAL with a message
 * naming the path (and the directory where that is at fault). */
int bc_results_check_path(const char *path, int force, bc_error *err);

/* Write the result file of a run: model `m` (with its overrides), the run
 * configuration `cfg` and the engine's summary `s` of that run (s must come
 * from bc_engine_run(m, cfg, ...): its outputs, years, runs and input
 * components must match m and cfg, else BC_EINVAL). `command_line` is recorded
 * as given (may be NULL: recorded as ""). When s->sample_inputs is non-NULL,
 * every run's inputs and avg_gain are written too (chunked, compressed).
 *
 * Re-checks the path as bc_results_check_path does, then builds the file in
 * memory, writes it to a temporary file in the same directory, PATH.tmp.PID,
 * flushes that to disk (fsync) and renames it over PATH, so that PATH is
 * either the complete new file or untouched. Without `force` the last step
 * refuses to replace a file that appeared at PATH in the meantime (link(2);
 * on file systems without hard links, a last check and rename(2)). On any
 * failure the temporary file is removed and PATH is left as it was. A symbolic
 * link at PATH is replaced by the file, not written through.
 *
 * Memory: the file is assembled in memory (HDF5's core driver) before it is
 * written, so writing needs about twice the file's size on top of `s`; with
 * samples that is roughly runs x (components + outputs) x 8 bytes, a little
 * less after compression. (HDF5 1.10 crashes at exit after a failed file
 * close, e.g. on a full disk; building in memory keeps HDF5 away from write
 * errors, which then come from write(2) with the file name and errno.)
 *
 * Money is in mDKK (avg_gain and gain in mDKK/year); the layout and units of
 * every dataset are in docs/hdf5-layout.md. The caller keeps ownership of m,
 * cfg and s; nothing is kept after the call.
 *
 * Returns BC_OK; BC_EINVAL (path refused, or s does not match m and cfg);
 * BC_ENOMEM; BC_EHDF5 (the HDF5 library failed: the message names the group,
 * dataset or attribute and gives HDF5's innermost reason); BC_EIO (creating,
 * writing, syncing or renaming the file failed: the message names the file
 * and gives the system's reason).
 *
 * Threads: call it outside parallel regions; calls from several threads at
 * once need an HDF5 built thread-safe (Debian's is). HDF5's own printing of
 * its error stack is switched off during the call and restored afterwards. */
int bc_results_write(const char *path, int force, const bc_model *m, const bc_run_config *cfg,
                     const bc_summary *s, const char *command_line, bc_error *err);

/* Write a Sobol' study the same way: root attributes (study = "sobol"),
 * /outputs, /inputs, /base_case, /sensitivity/sobol/{inputs, outputs, first,
 * total, first_ci, total_ci, mean, variance} and /sensitivity/tornado (see
 * docs/hdf5-layout.md). Errors as bc_results_write. */
int bc_results_write_sobol(const char *path, int force, const bc_model *m,
                           const bc_sobol_config *cfg, const bc_sobol_result *r,
                           const char *command_line, bc_error *err);

/* Read back, for `bcsim replay`, what identifies the run stored in the result
 * file `path`:
 *
 *   *model_text   the model file's text exactly as it was read (without the
 *                 "# --set" lines the file's `model_text` attribute appends);
 *   *model_file   the model file name given when the model was loaded;
 *   *overrides    the --set assignments ("NAME=SPEC") in the order applied,
 *   *n_overrides  and their number (0, with *overrides NULL, if none);
 *   cfg           runs, seed, sampler and block are set; the other fields
 *                 of *cfg are left as they were.
 *
 * Loading *model_text with bc_model_load_string(..., *model_file, ...) and
 * applying the overrides with bc_model_set reproduces the model of the run;
 * with the same cfg the engine reproduces its summary bit for bit.
 *
 * On success the caller owns *model_text, *model_file (free) and the override
 * strings (free each, then the array). On failure every output pointer is
 * NULL, *n_overrides is 0, *cfg is unchanged and there is nothing to free.
 *
 * Returns BC_OK; BC_EIO (the file does not exist or cannot be opened or
 * read); BC_EINVAL ("PATH is not a bcsim result file" and why: not an HDF5
 * file, or an attribute missing or of the wrong type; or a format_version
 * newer than BC_RESULTS_FORMAT_VERSION); BC_ENOMEM; BC_EHDF5. Same thread
 * rules as bc_results_write. The format is in docs/hdf5-layout.md; this
 * function needs only the root attributes format, format_version,
 * model_text, model_text_length, model_file, overrides, sampler, seed, runs
 * and block. */
int bc_results_read_run(const char *path, char **model_text, char **model_file, char ***overrides,
                        size_t *n_overrides, bc_run_config *cfg, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
