/* results.h: result files: a run's model, configuration and summary written
 * to one HDF5 file (layout in docs/hdf5-layout.md), and read back for replay,
 * for a readable summary and for CSV export (docs/csv-export.md).
 * This header does not include hdf5.h: HDF5 stays behind src/h5util.c (the
 * helpers) and the modules that use it: src/results_write.c (writing),
 * src/results_read.c (identity, loading) and src/state_file.c (checkpoints
 * and shards). src/summary.c and src/export_csv.c work on the loaded file
 * without HDF5; src/fileio.c publishes every file by rename. */
#ifndef BCSIM_RESULTS_H
#define BCSIM_RESULTS_H

#include <stddef.h>
#include <stdio.h>

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
#define BC_RESULTS_FORMAT_VERSION 2

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
 * configuration `cfg`, the engine's summary `s` of that run (s must come
 * from bc_engine_run(m, cfg, ...): its outputs, years, runs and input
 * components must match m and cfg, else BC_EINVAL) and its analysis `a`
 * (from bc_run_analyse(m, s, ...); required, else BC_EINVAL, as when it is
 * not of m). The writer computes nothing: /sensitivity/regression is
 * written from a->src and a->r2 when they are there (bc_run_analyse leaves
 * them out when the regression is impossible, never writing NaN), and
 * /sensitivity/tornado from a->tornado when it is there. `command_line` is
 * recorded as given (may be NULL: recorded as ""). When s->sample_inputs is
 * non-NULL, every run's inputs and avg_gain are written too (chunked,
 * compressed).
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
 * cfg, s and a; nothing is kept after the call.
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
                     const bc_summary *s, const bc_run_analysis *a, const char *command_line,
                     bc_error *err);

/* Write a Sobol' study the same way: root attributes (study = "sobol"),
 * /outputs, /inputs, /base_case, /sensitivity/sobol/{inputs, outputs, first,
 * total, first_ci, total_ci, mean, variance} from `r` and
 * /sensitivity/tornado from `tornado` (which the caller computes, with
 * bc_tornado_compute(m, BC_TORNADO_PLO, BC_TORNADO_PHI, ...), and keeps; see
 * docs/hdf5-layout.md). Errors as bc_results_write (BC_EINVAL also when m,
 * cfg, r or tornado is NULL). */
int bc_results_write_sobol(const char *path, int force, const bc_model *m,
                           const bc_sobol_config *cfg, const bc_sobol_result *r,
                           const bc_tornado *tornado, const char *command_line, bc_error *err);

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
 * read); BC_EINVAL ("PATH is not a bcsim result file" and why: not a regular
 * file (a fifo would block, a device is not a file), not an HDF5 file, or an
 * attribute missing or of the wrong type; or a format_version newer than
 * BC_RESULTS_FORMAT_VERSION); BC_ENOMEM; BC_EHDF5. Same thread
 * rules as bc_results_write. The format is in docs/hdf5-layout.md; this
 * function needs only the root attributes format, format_version,
 * model_text, model_text_length, model_file, overrides, sampler, seed, runs
 * and block. */
int bc_results_read_run(const char *path, char **model_text, char **model_file, char ***overrides,
                        size_t *n_overrides, bc_run_config *cfg, bc_error *err);

/* A result file read into memory (opaque): what `bcsim summary` and
 * `bcsim export` show. Made by bc_results_load, freed by bc_results_free. */
typedef struct bc_results_file bc_results_file;

/* Read the result file `path` (a run's or a Sobol' study's) into memory and
 * close it: the root attributes that describe the study, /outputs, /inputs
 * and, where the file has them, /summary, /histograms, /decision and the
 * groups under /sensitivity (regression, tornado, sobol). Groups a file lacks are left
 * out (a run of a model without uncertain inputs has no sensitivity groups;
 * a Sobol' study has no /summary or /histograms); a group that is present
 * must be complete, with every dataset of the type and shape that
 * docs/hdf5-layout.md gives. Datasets and attributes this function does not
 * know are ignored; /summary/loss_probability and its _se, missing from
 * files written before they were added, and the Sobol' intervals, missing
 * when the study had no replicates, are optional. /regression and /samples
 * are not read. Every HDF5 call is checked; no file or object stays open
 * after the call, whatever happens.
 *
 * On success *out is a new object, owned by the caller (bc_results_free);
 * on failure *out is NULL. Returns BC_OK; BC_EIO (the file does not exist or
 * cannot be opened or read, a truncated file included: the message gives
 * HDF5's reason); BC_EINVAL ("PATH is not a bcsim result file" and why:
 * not a regular file, not HDF5, no or another `format` attribute, a newer format_version, an
 * attribute or dataset missing or of the wrong type or shape); BC_EHDF5 (the
 * library failed on a named object, as damaged files make it); BC_ENOMEM.
 * Same thread rules as bc_results_write. */
int bc_results_load(const char *path, bc_results_file **out, bc_error *err);

/* Free what bc_results_load made; NULL does nothing. */
void bc_results_free(bc_results_file *r);

/* Write a readable report of `r` to `fp`, at most 100 columns wide (titles
 * are cut to fit, numbers too large for their column are written in
 * e-notation): the model's title and id, the study (run or sobol, runs
 * or N, sampler, seed, horizon), when and with which bcsim it was made, the
 * outputs with their titles; for a run, per output the mean and the 5, 50
 * and 95 % quantiles of the average annual gain (mDKK/year), the
 * break-even and loss probabilities with their standard errors (%), and the
 * most likely break-even year with its share of the runs; the value of
 * information (EVPI per output and the three inputs of largest EVPPI, in
 * mDKK/year and over the horizon, docs/decision.md) and what each
 * proposal may cost (the largest investment that breaks even with 50, 80,
 * 90 and 95 %) and the break-even thresholds of the inputs, where the file
 * has them; then the top
 * three drivers of each output: by total Sobol' index (a Sobol' study: for
 * avg_gain and for the break-even indicator, with intervals), else by
 * |standardised regression coefficient| (with R²), else by tornado swing,
 * saying which; or "no sensitivity results in this file (run bcsim sobol)".
 * UTF-8, as the titles. Returns BC_OK, or BC_EIO when writing to fp fails. */
int bc_results_summary(const bc_results_file *r, FILE *fp, bc_error *err);

/* Write `r` as tidy CSV files into the folder `dir` (layout in
 * docs/csv-export.md): summary.csv, gain_by_year.csv and
 * break_even_year.csv (when the file has /summary), histograms.csv (with
 * /histograms), sensitivity.csv (with any of /sensitivity/sobol, regression,
 * tornado) and inputs.csv (always). UTF-8, one header row, lines ending in
 * "\n", fields quoted only when they hold a comma, quote or line break,
 * numbers with the fewest digits that read back to the same double (NaN,
 * Inf, -Inf for the non-finite).
 *
 * `dir` is created if missing (its parent must exist). Before anything is
 * written, every file that would be replaced is checked: without `force` an
 * existing one is refused ("PATH exists; use --force to replace it"), and a
 * directory, a device, a fifo, a socket or a dangling symbolic link by such
 * a name always is (only regular files, or links to them, are replaced). Each file is then made in memory,
 * written to PATH.tmp.PID beside its final name and synced, and only when
 * all are written are they renamed into place, so that a failure leaves
 * the old files as they were (a failure among the renames themselves may
 * leave the first files new). Files of other names in `dir`, such as those
 * of an earlier export of another kind of study, are left alone.
 *
 * When all are in place, their paths are written to `written` one a line
 * (`written` may be NULL). Returns BC_OK; BC_EINVAL (the folder cannot be
 * made or written to, or a file exists and `force` is 0: nothing was
 * written, and a folder this call created is removed again); BC_EIO
 * (writing, syncing or renaming failed; the message names the file and the
 * system's reason); BC_ENOMEM. The caller keeps ownership of r. */
int bc_results_export_csv(const bc_results_file *r, const char *dir, int force, FILE *written,
                          bc_error *err);

/* ---- run states: checkpoints (--checkpoint) and shards (--shard I/N) ---- */

/* Write run state `s` (from bc_engine_advance) with the identity of its run:
 * root attributes as a result file's (study = `kind`: "checkpoint" or
 * "shard"), plus shard, shards, segments, segment_first, segment_next, and the
 * packed state in /state/bytes. Through a temporary file and a rename, like
 * every result file: a checkpoint is replaced whole or not at all. */
int bc_results_write_state(const char *path, const bc_model *m, const bc_run_config *cfg,
                           const bc_run_state *s, const char *kind, uint64_t shard,
                           uint64_t shards, int force, const char *command_line, bc_error *err);

/* What a state file holds. Free with bc_state_file_clear. */
typedef struct bc_state_file {
    char *model_text, *model_file;  /* the model file's text and name */
    char **overrides;               /* the --set assignments */
    size_t n_overrides;
    bc_run_config cfg;              /* runs, seed, sampler, block */
    char *kind;                     /* "checkpoint" or "shard" */
    char *version;                  /* bcsim_version that wrote it */
    uint64_t shard, shards;         /* for shards: I and N of --shard I/N */
    uint64_t segment_first, segment_next;
    void *bytes;                    /* the packed state (bc_run_state_unpack) */
    size_t len;
} bc_state_file;

/* Read a checkpoint or shard. BC_EIO when unreadable, BC_EINVAL when it is not
 * a bcsim state file (a run's or a Sobol' study's result file included) or is
 * damaged: /state/bytes must hold, in the file, every byte it declares, so
 * that a forged size never turns into an allocation. */
int bc_results_read_state(const char *path, bc_state_file *f, bc_error *err);
void bc_state_file_clear(bc_state_file *f);

#ifdef __cplusplus
}
#endif
#endif
