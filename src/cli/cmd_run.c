/* cmd_run.c: bcsim run and bcsim sobol: a Monte Carlo study and a Sobol'
 * study of a model, each written to one result file, over the set-up they
 * share (the model and its --set overrides, the result path, signals and
 * progress). */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_int.h"
#include "bcsim/merge.h"
#include "bcsim/model.h"
#include "bcsim/results.h"
#include "bcsim/sampler.h"
#include "bcsim/sensitivity.h"
#include "bcsim/sobolseq.h"
#include "cli_int.h"

#ifdef BCSIM_MPI
#include "mpi_int.h"
#endif

/* ---- what run and sobol share ------------------------------------------------ */

/* The usage messages of the options both have. */
#define SEED_BAD "--seed: '%s' is not a whole number from 0 to 2^64-1"
#define THREADS_BAD "--threads: '%s' is not a whole number from 1 to 1024"

typedef struct study {
    const char *path; /* the model file, or NULL if none was given */
    const char *out;  /* -o, --output; NULL: the command's default */
    cli_list sets;    /* --set NAME=SPEC, in order */
    int force;        /* --force */
    int quiet;        /* --quiet */
    bc_model *m;      /* the model, once loaded */
    char *defpath;    /* the default result path, when out is NULL */
    char *cmdline;    /* the command line, recorded in the file (may be NULL) */
    progress prog;
    bc_error err;
} study;

static void study_close(study *s)
{
    bc_free(s->defpath);
    bc_free(s->cmdline);
    bc_model_free(s->m);
    cli_list_free(&s->sets);
}

/* The model of a study: the model file s->path, or the built-in model
 * `builtin` if not NULL, with the --set overrides applied in order, checked
 * for overflow. An exit status, after a message. */
static int study_load(study *s, const char *builtin)
{
    bc_error *err = &s->err;
    bc_error_clear(err);
    int rc =
        builtin ? bc_model_builtin(builtin, &s->m, err) : bc_model_load_file(s->path, &s->m, err);
    for (size_t k = 0; !rc && k < s->sets.n; k++)
        if ((rc = bc_model_set(s->m, s->sets.v[k], err))) {
            char msg[BC_ERRMSG_SIZE];
            snprintf(msg, sizeof msg, "%s", bc_errmsg(err));
            bc_error_set(err, rc, "--set %s", msg);
        }
    if (!rc)
        rc = bc_model_check_finite(s->m, err);
    return rc ? say_failure(err, input_status(rc)) : EXIT_OK;
}

/* The result file: -o, or results/<model><suffix>.h5 (rank 0 creates
 * results/ if needed), checked on rank 0 (bc_results_check_path). A status. */
static int study_output(study *s, const char *suffix)
{
    const int rank0 = cli_rank() == 0;
    if (!s->out) {
        size_t n = strlen(bc_model_id(s->m)) + strlen(suffix) + 16;
        if (!(s->defpath = bc_malloc(n)))
            return bc_error_set(&s->err, BC_ENOMEM, "out of memory");
        if (rank0 && mkdir("results", 0777) != 0 && errno != EEXIST)
            return bc_error_set(&s->err, BC_EINVAL, "cannot create the folder results: %s",
                                strerror(errno));
        snprintf(s->defpath, n, "results/%s%s.h5", bc_model_id(s->m), suffix);
        s->out = s->defpath;
    }
    return rank0 ? bc_results_check_path(s->out, s->force, &s->err) : BC_OK;
}

/* Rank 0's verdict on the set-up, status `rc`, for every rank: an exit
 * status, after rank 0's message. */
static int study_agree(study *s, int rc)
{
    rc = from_rank0(rc);
    if (rc && cli_rank() == 0)
        say("%s", bc_errmsg(&s->err));
    return rc ? input_status(rc) : EXIT_OK;
}

/* Catch SIGINT and SIGTERM into *stop if `signals`, and start the progress
 * line into *fn, *user. */
static void study_watch(study *s, int signals, volatile sig_atomic_t **stop, bc_progress_fn *fn,
                        void **user)
{
    if (signals)
        *stop = catch_signals();
    progress_begin(&s->prog, s->quiet, fn, user);
}

/* ---- bcsim run ----------------------------------------------------------------- */

static const cli_command run_cmd = {
    "run",
    "usage: bcsim run MODEL [-n RUNS] [--seed S] [--threads T] [-o FILE.h5] [--force]\n"
    "                 [--set NAME=SPEC ...] [--sampler mc|lhs] [--save-samples] [--quiet]\n"
    "                 [--packages auto|all|off] [--max-loss-probability P]\n"
    "                 [--budget B] [--require ID] [--exclude ID] [--dry-run]\n"
    "\n"
    "Run the business case of the model file MODEL RUNS times with its uncertain\n"
    "inputs drawn from their distributions, print a summary per proposal and for\n"
    "the portfolio, and write every statistic to an HDF5 file. The same seed gives\n"
    "bit-identical results for any number of threads.\n",
    "\n"
    "SIGINT or SIGTERM stops at the next segment of runs: with a checkpoint it is\n"
    "saved and the exit status is 75; without, nothing is written and it is 130.\n"
    "Under mpirun, the runs are divided among the ranks; rank 0 writes the file.\n",
    18};

/* --shard I/N */
typedef struct shard {
    uint64_t i, n; /* n = 0: not a shard */
} shard;

/* The options only `run` has, besides its bc_run_config. */
typedef struct run_opts {
    const char *ckpath; /* --checkpoint, or NULL */
    const char *resume; /* --resume, or NULL */
    shard sh;           /* --shard */
    double ck_every;    /* --checkpoint-every, seconds */
    int dry;            /* --dry-run */
    cli_list require, exclude; /* --require, --exclude */
} run_opts;

/* What the checkpoint callback needs. */
typedef struct ckpt {
    const char *path;
    const bc_model *m;
    const bc_run_config *cfg;
    const char *command_line;
} ckpt;

static int write_checkpoint(void *user, const bc_run_state *s, bc_error *err)
{
    const ckpt *c = user;
    return bc_results_write_state(c->path, c->m, c->cfg, s, "checkpoint", 0, 1, 1, c->command_line,
                                  err);
}

static int parse_run_sampler(const char *v, void *dest)
{
    return bc_sampler_kind_from_name(v, dest) ? -1 : 0;
}

static int parse_packages(const char *v, void *dest)
{
    int *mode = dest;
    *mode = strcmp(v, "auto") == 0  ? BC_PACKAGES_AUTO
            : strcmp(v, "all") == 0 ? BC_PACKAGES_ALL
            : strcmp(v, "off") == 0 ? BC_PACKAGES_OFF
                                    : -1;
    return *mode < 0 ? -1 : 0;
}

/* The bits of the proposals named in `ids` (each value a comma-separated
 * list of ids) into *mask; a usage message naming the option when an id is
 * not a proposal of m. An exit status. */
static int proposal_mask(const bc_model *m, const char *opt, const cli_list *ids, uint64_t *mask)
{
    const size_t P = bc_model_n_outputs(m) - 1;
    *mask = 0;
    for (size_t i = 0; i < ids->n; i++) {
        char *list = bc_strndup(ids->v[i], strlen(ids->v[i]));
        if (!list)
            return EXIT_FAIL;
        int rc = EXIT_OK;
        for (char *save = NULL, *id = strtok_r(list, ",", &save); id && !rc;
             id = strtok_r(NULL, ",", &save)) {
            size_t p = 0;
            while (p < P && strcmp(bc_model_output_id(m, p), id) != 0)
                p++;
            if (p == P) {
                say("%s: '%s' is not one of the model's proposals (%s)", opt, id,
                    bc_model_filename(m));
                rc = EXIT_USAGE;
            } else if (p < 64) {
                *mask |= (uint64_t)1 << p;
            }
        }
        bc_free(list);
        if (rc)
            return rc;
    }
    return EXIT_OK;
}

/* --require, --exclude and the other package rules, checked against the model. */
static int package_rules(study *s, bc_run_config *cfg, const run_opts *r)
{
    bc_package_rules *p = &cfg->packages;
    int rc = proposal_mask(s->m, "--require", &r->require, &p->require);
    if (!rc)
        rc = proposal_mask(s->m, "--exclude", &r->exclude, &p->exclude);
    if (rc)
        return rc;
    if (p->require & p->exclude) {
        say("a proposal cannot be both required (--require) and excluded (--exclude)");
        return EXIT_USAGE;
    }
    int lrc = bc_package_rules_check(s->m, p, &s->err);
    return lrc ? say_failure(&s->err, input_status(lrc)) : EXIT_OK;
}

/* "I/N", 0 <= I < N <= 2^32-1. */
static int parse_shard(const char *v, void *dest)
{
    const char *slash = strchr(v, '/');
    if (!slash)
        return -1;
    char *head = bc_strndup(v, (size_t)(slash - v));
    uint64_t i = 0, n = 0;
    int bad = !head || parse_u64(head, 0, UINT32_MAX, &i) ||
              parse_u64(slash + 1, 1, UINT32_MAX, &n) || i >= n;
    bc_free(head);
    if (bad)
        return -1;
    *(shard *)dest = (shard){i, n};
    return 0;
}

/* Whether paths a and b name the same file: the same text, or the same name
 * in the same directory (after resolving the directories), or, when both
 * exist, the same inode. */
static int same_file(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
    ba = ba ? ba + 1 : a;
    bb = bb ? bb + 1 : b;
    if (strcmp(ba, bb) != 0)
        return 0;
    char da[PATH_MAX], db[PATH_MAX], ra[PATH_MAX], rb[PATH_MAX];
    snprintf(da, sizeof da, "%.*s", ba == a ? 1 : (int)(ba - a), ba == a ? "." : a);
    snprintf(db, sizeof db, "%.*s", bb == b ? 1 : (int)(bb - b), bb == b ? "." : b);
    return realpath(da, ra) && realpath(db, rb) && strcmp(ra, rb) == 0;
}

/* Everything before the first run: the model, the refusals of options that
 * do not go together, the result and checkpoint paths, signals, progress,
 * threads and the checkpoint callback (in *ck). An exit status. */
/* --dry-run: the run's memory, printed (rank 0), nothing run or written. A
 * status; EXIT_DRY when it went well. */
#define EXIT_DRY (-1)
static int dry_run(study *s, const bc_run_config *cfg)
{
    double bytes = 0;
    int lrc = bc_engine_memory_estimate(s->m, cfg, &bytes, &s->err);
    if (lrc)
        return say_failure(&s->err, input_status(lrc));
    if (cli_rank() == 0) {
        const int nt = cfg->threads;
        printf("%s: %llu runs in blocks of %llu on %d thread%s: the run needs about %.1f MiB "
               "of memory (%.0f bytes), whatever the number of runs%s; the process, its "
               "libraries, the model and its sampler come on top\n",
               bc_model_filename(s->m), (unsigned long long)cfg->runs,
               (unsigned long long)cfg->block, nt, nt == 1 ? "" : "s", bytes / 1048576.0, bytes,
               cfg->save_samples ? " but for the saved samples" : "");
        if (fflush(stdout) != 0)
            return EXIT_FAIL;
    }
    return EXIT_DRY;
}

static int run_setup(study *s, bc_run_config *cfg, run_opts *r, ckpt *ck, int argc, char **argv)
{
    int rc = study_load(s, NULL);
    if (rc)
        return rc;
    if ((rc = package_rules(s, cfg, r)))
        return rc;
    if (cfg->block == 0) /* the model's: smaller blocks for models of many series */
        cfg->block = bc_engine_default_block(s->m);
    if (cfg->threads == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = nc > 0 ? (int)nc : 1;
    }
    if (r->dry)
        return dry_run(s, cfg);
    if (r->resume && !r->ckpath)
        r->ckpath = r->resume; /* go on saving to the checkpoint we resume from */
    if (r->sh.n && (cfg->save_samples || r->ckpath)) {
        say("--shard does not go with --save-samples, --checkpoint or --resume");
        return EXIT_USAGE;
    }
    if (cli_ranks() > 1 && (r->sh.n || r->ckpath || cfg->save_samples)) {
        say("under MPI, --shard, --checkpoint, --resume and --save-samples are not available");
        return EXIT_USAGE;
    }
    char suffix[64] = ""; /* a shard: results/<model>.part-I-of-N.h5 */
    if (r->sh.n)
        snprintf(suffix, sizeof suffix, ".part-%llu-of-%llu", (unsigned long long)r->sh.i,
                 (unsigned long long)r->sh.n);
    int lrc = study_output(s, suffix);
    if (!lrc && r->ckpath && !r->resume && cli_rank() == 0)
        lrc = bc_results_check_path(r->ckpath, 1, &s->err);
    if (!lrc && r->ckpath && same_file(r->ckpath, s->out))
        lrc = bc_error_set(&s->err, BC_EINVAL,
                           "the checkpoint %s and the result file %s are the same file: the "
                           "result would replace the checkpoint; give them different names",
                           r->ckpath, s->out);
    if ((rc = study_agree(s, lrc)))
        return rc;
    study_watch(s, 1, &cfg->stop, &cfg->progress, &cfg->progress_user);
    s->cmdline = command_line(argc, argv);
    *ck = (ckpt){r->ckpath, s->m, cfg, s->cmdline ? s->cmdline : ""};
    if (r->ckpath) {
        cfg->checkpoint = write_checkpoint;
        cfg->checkpoint_user = ck;
        cfg->checkpoint_every = r->ck_every;
    }
    return EXIT_OK;
}

/* The state the run starts from, in *st, and the segment it ends before:
 * the checkpoint's (--resume), or empty at the start of its share. An exit
 * status, after a message. */
static int run_start(study *s, const bc_run_config *cfg, const run_opts *r, bc_run_state **st,
                     uint64_t *seg_end)
{
    uint64_t first = 0;
    bc_engine_shard_range(cfg, r->sh.n ? r->sh.i : 0, r->sh.n ? r->sh.n : 1, &first, seg_end);
    if (!r->resume) {
        int lrc = bc_run_state_alloc(s->m, cfg, first, r->sh.n != 0, st, &s->err);
        return lrc ? say_failure(&s->err, output_status(lrc)) : EXIT_OK;
    }
    bc_state_file f;
    int lrc = probe_read_state(r->resume, &f, &s->err);
    if (!lrc)
        lrc = bc_merge_check_checkpoint(&f, r->resume, s->m, cfg, &s->err);
    if (!lrc)
        lrc = bc_run_state_unpack(s->m, cfg, f.bytes, f.len, st, &s->err);
    bc_state_file_clear(&f);
    return lrc ? say_failure(&s->err, input_status(lrc)) : EXIT_OK;
}

/* The run stopped with status lrc: the message, and the exit status. */
static int run_stopped(const run_opts *r, int lrc, const bc_error *err)
{
    const int rank0 = cli_rank() == 0;
    if (rank0 || lrc != BC_EINTR)
        say("%s%s", bc_errmsg(err),
            lrc != BC_EINTR ? ""
            : r->ckpath     ? "; the checkpoint is saved"
                            : "; nothing written");
    if (lrc == BC_EINTR && r->ckpath && rank0)
        say("resume with: bcsim run ... --resume %s", r->ckpath);
    if (lrc == BC_EINTR)
        return r->ckpath ? EXIT_CHECKPOINTED : EXIT_INTERRUPTED;
    return output_status(lrc);
}

/* Write the shard state st, segments up to seg_end. An exit status. */
static int write_shard(study *s, const bc_run_config *cfg, const run_opts *r,
                       const bc_run_state *st, uint64_t seg_end)
{
    int lrc = bc_results_write_state(s->out, s->m, cfg, st, "shard", r->sh.i, r->sh.n, s->force,
                                     s->cmdline ? s->cmdline : "", &s->err);
    if (lrc)
        return say_failure(&s->err, output_status(lrc));
    if (!s->quiet)
        printf("shard %llu/%llu of %s: segments %llu to %llu of %llu, %.1f s. Written to %s\n",
               (unsigned long long)r->sh.i, (unsigned long long)r->sh.n, bc_model_id(s->m),
               (unsigned long long)bc_run_state_first(st), (unsigned long long)seg_end,
               (unsigned long long)bc_engine_n_segments(cfg), now_seconds() - s->prog.start,
               s->out);
    return EXIT_OK;
}

/* Compute the run (or this process's part of it). An exit status; *sum is
 * the summary when this process is to write the result file, else NULL (a
 * shard, already written, or an MPI rank other than 0). */
static int run_compute(study *s, const bc_run_config *cfg, const run_opts *r, bc_summary **sum)
{
    bc_run_state *st = NULL;
    uint64_t seg_end = 0;
    int lrc = BC_OK, rc = EXIT_OK;
    *sum = NULL;
    if (cli_ranks() > 1) {
#ifdef BCSIM_MPI
        lrc = bc_mpi_engine_run(s->m, cfg, sum, &s->err);
#endif
    } else if ((rc = run_start(s, cfg, r, &st, &seg_end))) {
        return rc;
    } else {
        lrc = bc_engine_advance(s->m, cfg, st, seg_end, &s->err);
    }
    progress_end(&s->prog);
    if (lrc)
        rc = run_stopped(r, lrc, &s->err);
    else if (r->sh.n)
        rc = write_shard(s, cfg, r, st, seg_end);
    else if (st && (lrc = bc_engine_finish(st, sum, &s->err)))
        rc = say_failure(&s->err, output_status(lrc));
    bc_run_state_free(st);
    return rc;
}

static void print_summary(const bc_model *m, const bc_summary *s, const bc_run_config *cfg,
                          int threads, double seconds, const char *path)
{
    const int y0 = bc_model_start_year(m);
    printf("%s: %llu runs (%s, seed %llu), %d threads, %.1f s\n", bc_model_id(m),
           (unsigned long long)s->runs, bc_sampler_kind_name(cfg->sampler),
           (unsigned long long)cfg->seed, threads, seconds);
    printf("\nAverage annual gain %d-%d, mDKK/year\n", y0, y0 + (int)s->years - 1);
    printf("  %-14s %9s %9s %9s %9s   %s\n", "output", "mean", "P5", "P50", "P95",
           "P(break even) +- se");
    for (size_t o = 0; o < s->n_outputs; o++) {
        const double *q = s->avg_gain.q + o * BC_NQ;
        printf("  %-14.14s %9.3f %9.3f %9.3f %9.3f   %6.2f %% +- %.2f %%\n",
               bc_model_output_id(m, o), s->avg_gain.mean[o], q[1], q[4], q[7], 100 * s->be_prob[o],
               100 * s->be_se[o]);
    }
    printf("\nBreak even: average annual gain >= 0. Results: %s\n", path);
}

static int run_study(study *s, bc_run_config *cfg, run_opts *r, int argc, char **argv)
{
    ckpt ck;
    bc_summary *sum = NULL;
    int rc = run_setup(s, cfg, r, &ck, argc, argv);
    if (rc == EXIT_DRY)
        return EXIT_OK;
    if (!rc)
        rc = run_compute(s, cfg, r, &sum);
    if (rc || !sum)
        return rc;
    double seconds = now_seconds() - s->prog.start;
    bc_run_analysis *ana = NULL;
    int lrc = bc_run_analyse(s->m, sum, &ana, &s->err);
    if (!lrc)
        lrc = bc_results_write(s->out, s->force, s->m, cfg, sum, ana,
                               s->cmdline ? s->cmdline : "", &s->err);
    bc_run_analysis_free(ana);
    if (!lrc && sum->quantile_fallbacks && cli_rank() == 0)
        fprintf(stderr,
                "bcsim: warning: %llu quantile%s fell outside the window the pilot run placed "
                "for %s and %s read from the coarse histograms instead: the quantiles are "
                "exact to +- %g mDKK (quantile_resolution)\n",
                (unsigned long long)sum->quantile_fallbacks,
                sum->quantile_fallbacks == 1 ? "" : "s",
                sum->quantile_fallbacks == 1 ? "it" : "them",
                sum->quantile_fallbacks == 1 ? "is" : "are", sum->quantile_resolution);
    if (lrc) {
        rc = say_failure(&s->err, output_status(lrc));
    } else if (!s->quiet) {
        print_summary(s->m, sum, cfg, cfg->threads * cli_ranks(), seconds, s->out);
        if (fflush(stdout) != 0)
            rc = EXIT_FAIL;
    }
    bc_summary_free(sum);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    bc_run_config cfg = {.runs = 1000000, .seed = 1, .sampler = BC_SAMPLER_MC};
    run_opts r = {.ck_every = 60};
    study s = {0};
    const cli_option opts[] = {
        OPT_U64("-n", "--runs", &cfg.runs, "RUNS", 1, UINT64_MAX,
                "-n: '%s' is not a number of runs (a whole number >= 1)",
                "number of runs (default 1000000; 1e6 style accepted)"),
        OPT_U64(NULL, "--seed", &cfg.seed, "S", 0, UINT64_MAX, SEED_BAD,
                "generator seed, 0 .. 2^64-1 (default 1)"),
        OPT_INT(NULL, "--threads", &cfg.threads, "T", 1, 1024, THREADS_BAD,
                "threads (default: all cores)"),
        OPT_STRING("-o", "--output", &s.out, "FILE", "result file (default results/<model>.h5)"),
        OPT_FLAG(NULL, "--force", &s.force, "replace an existing result file"),
        OPT_LIST(NULL, "--set", &s.sets, "NAME=SPEC",
                 "override an input, e.g. --set academics.effect=pert:0,0.1,0.2\n"
                 "or --set igu.investment=5.5 (repeatable; see docs/model-file.md)"),
        OPT_CALL(NULL, "--sampler", &cfg.sampler, "mc|lhs", parse_run_sampler,
                 "--sampler: '%s' is not mc or lhs",
                 "plain Monte Carlo (default) or Latin hypercube"),
        OPT_FLAG(NULL, "--save-samples", &cfg.save_samples,
                 "also store every run's inputs and average gains"),
        OPT_U64(NULL, "--block", &cfg.block, "B", 1, 1u << 24,
                "--block: '%s' is not a whole number from 1 to 2^24",
                "runs per block (default 2048, fewer for models with\n"
                "many outputs: see docs/reliability.md); results depend on it"),
        OPT_CALL(NULL, "--shard", &r.sh, "I/N", parse_shard,
                 "--shard: '%s' is not I/N with 0 <= I < N",
                 "compute only the I-th of N shares (I = 0 .. N-1) and write\n"
                 "it as a shard for bcsim merge (e.g. I = $SLURM_ARRAY_TASK_ID)"),
        OPT_STRING(NULL, "--checkpoint", &r.ckpath, "FILE",
                   "save the state to FILE now and then (atomically)"),
        OPT_DOUBLE(NULL, "--checkpoint-every", &r.ck_every, "S", 0, 1e9, 0,
                   "--checkpoint-every: '%s' is not a number of seconds",
                   "seconds between checkpoints (default 60)"),
        OPT_STRING(NULL, "--resume", &r.resume, "FILE",
                   "continue from a checkpoint (and keep checkpointing to it)"),
        OPT_CALL(NULL, "--packages", &cfg.packages.mode, "auto|all|off", parse_packages,
                 "--packages: '%s' is not auto, all or off",
                 "evaluate every package of proposals: up to 10 proposals\n"
                 "(auto, the default), up to 16 (all: 2^16 packages a run), or not"),
        OPT_DOUBLE(NULL, "--max-loss-probability", &cfg.packages.max_loss_prob, "P", 0, 1, 1,
                   "--max-loss-probability: '%s' is not a probability between 0 and 1",
                   "the best package loses more than 1 mDKK/year with at\n"
                   "most this probability"),
        OPT_DOUBLE(NULL, "--budget", &cfg.packages.budget, "B", 0, 1e15, 1,
                   "--budget: '%s' is not a positive amount in mDKK/year",
                   "the packages' planned average annual investment is at\n"
                   "most B mDKK/year"),
        OPT_LIST(NULL, "--require", &r.require, "ID[,ID]",
                 "proposals every package must hold (repeatable)"),
        OPT_LIST(NULL, "--exclude", &r.exclude, "ID[,ID]",
                 "proposals no package may hold (repeatable)"),
        OPT_FLAG(NULL, "--quiet", &s.quiet, "no progress line and no summary"),
        OPT_FLAG(NULL, "--dry-run", &r.dry,
                 "check the model and options, print the memory the run\n"
                 "needs, and stop: nothing is run or written"),
        OPT_ARG(&s.path),
        OPT_END(),
    };
    int rc = cli_parse(&run_cmd, opts, argc, argv);
    if (rc == CLI_GO && !s.path)
        rc = usage_error("run", "%s", "missing the model file");
    if (rc == CLI_GO)
        rc = run_study(&s, &cfg, &r, argc, argv);
    cli_list_free(&r.require);
    cli_list_free(&r.exclude);
    study_close(&s);
    return rc;
}

/* ---- bcsim sobol ---------------------------------------------------------------- */

static const cli_command sobol_cmd = {
    "sobol",
    "usage: bcsim sobol MODEL [-n N] [--sampler qmc|mc] [--replicates R] [--level L]\n"
    "                   [--seed S] [--threads T] [-o FILE.h5] [--force] [--set NAME=SPEC ...]\n"
    "                   [--quiet]\n"
    "       bcsim sobol --model ishigami|sobol-g [...]\n"
    "\n"
    "Which inputs drive each output: first-order (Saltelli 2010) and total (Jansen)\n"
    "Sobol' indices of every uncertain input (an input group such as\n"
    "unemployment.shocks counts once), for the average annual gain, the NPV and the\n"
    "break-even indicator (avg_gain >= 0) of every proposal and the portfolio, from\n"
    "an A/B/AB design of N (k + 2) evaluations for k inputs, split into R\n"
    "independent replicates whose spread gives Student t intervals; and a tornado\n"
    "of one-at-a-time swings (10th to 90th percentile). With correlations, the\n"
    "indices are those of the independent uniforms behind the Gaussian copula\n"
    "(see docs/sensitivity.md).\n",
    NULL, 17};

static int parse_sobol_sampler(const char *v, void *dest)
{
    if (!strcmp(v, "qmc"))
        *(bc_sobol_sampler *)dest = BC_SOBOL_QMC;
    else if (!strcmp(v, "mc"))
        *(bc_sobol_sampler *)dest = BC_SOBOL_MC;
    else
        return -1;
    return 0;
}

/* 0, or 2 to BC_SOBOL_MAX_REPLICATES replicates. */
static int parse_replicates(const char *v, void *dest)
{
    uint64_t b = 0;
    if (parse_u64(v, 0, BC_SOBOL_MAX_REPLICATES, &b) || b == 1)
        return -1;
    *(int *)dest = (int)b;
    return 0;
}

/* x rounded to 3 decimals without a "-0.000". */
static double r3(double x)
{
    return fabs(x) < 0.0005 ? 0.0 : x;
}

/* The indices of quantity y of every input in order ord, largest total first. */
static void print_indices(const bc_model *m, const bc_sobol_result *r, const size_t *ord, size_t y)
{
    const size_t k = r->k, ny = r->n_y;
    printf("  %-32s %22s %22s\n", "input", "first order", "total");
    for (size_t i = 0; i < k && i < 8; i++) {
        size_t j = ord[i];
        const char *name = bc_model_input(m, r->group_input[j])->name;
        if (r->first_ci)
            printf("  %-32.32s %6.3f [%6.3f, %6.3f] %6.3f [%6.3f, %6.3f]\n", name,
                   r3(r->first[j * ny + y]), r3(r->first_ci[(j * ny + y) * 2]),
                   r3(r->first_ci[(j * ny + y) * 2 + 1]), r3(r->total[j * ny + y]),
                   r3(r->total_ci[(j * ny + y) * 2]), r3(r->total_ci[(j * ny + y) * 2 + 1]));
        else
            printf("  %-32.32s %6.3f %15s %6.3f\n", name, r3(r->first[j * ny + y]), "",
                   r3(r->total[j * ny + y]));
    }
}

static void print_sobol(const bc_model *m, const bc_sobol_result *r, const char *path)
{
    const size_t k = r->k, O = r->n_outputs, ny = r->n_y;
    printf("%s: Sobol' indices from %llu base samples (%llu evaluations, %s%s)\n", bc_model_id(m),
           (unsigned long long)r->n, (unsigned long long)r->evaluations,
           r->sampler == BC_SOBOL_QMC ? "randomised Sobol' sequence" : "Monte Carlo",
           r->qmc_fell_back ? ", fallen back from QMC" : "");
    size_t *ord = bc_malloc(k * sizeof *ord);
    if (!ord)
        return;
    for (size_t o = 0; o < O; o++) {
        for (int q = 0; q < 2; q++) {
            size_t y = q ? 2 * O + o : o;
            /* rank by total index, largest first */
            for (size_t i = 0; i < k; i++) {
                size_t j = i;
                while (j > 0 && r->total[ord[j - 1] * ny + y] < r->total[i * ny + y]) {
                    ord[j] = ord[j - 1];
                    j--;
                }
                ord[j] = i;
            }
            if (q == 0) {
                printf("\n%s: average annual gain (variance %.4g)\n", bc_model_output_id(m, o),
                       r->variance[y]);
                print_indices(m, r, ord, y);
            } else if (r->variance[y] > 0) {
                printf("  break-even risk driven by:");
                for (size_t i = 0; i < k && i < 3; i++)
                    printf("%s %s (total %.2f)", i ? "," : "",
                           bc_model_input(m, r->group_input[ord[i]])->name,
                           r->total[ord[i] * ny + y]);
                printf("\n");
            }
        }
    }
    bc_free(ord);
    if (r->first_ci)
        printf("\nIntervals: %g %% Student t intervals from %d independent replicates.\n",
               100 * r->level, r->replicates);
    printf("Results: %s\n", path);
}

/* Write and print the study's result (rank 0). An exit status. */
static int sobol_write(study *s, const bc_sobol_config *cfg, const bc_sobol_result *res, int argc,
                       char **argv)
{
    if (res->qmc_fell_back)
        fprintf(stderr,
                "bcsim: warning: the A|B design needs more dimensions than the Sobol' sequence "
                "has (%zu); used Monte Carlo instead\n",
                bc_sobolseq_max_dim());
    s->cmdline = command_line(argc, argv);
    bc_tornado *tor = NULL;
    int lrc = bc_tornado_compute(s->m, BC_TORNADO_PLO, BC_TORNADO_PHI, &tor, &s->err);
    if (!lrc)
        lrc = bc_results_write_sobol(s->out, s->force, s->m, cfg, res, tor,
                                     s->cmdline ? s->cmdline : "", &s->err);
    bc_tornado_free(tor);
    if (lrc)
        return say_failure(&s->err, output_status(lrc));
    if (!s->quiet) {
        print_sobol(s->m, res, s->out);
        if (fflush(stdout) != 0)
            return EXIT_FAIL;
    }
    return EXIT_OK;
}

static int sobol_study(study *s, bc_sobol_config *cfg, const char *builtin, int argc, char **argv)
{
    int rc = study_load(s, builtin);
    if (!rc)
        rc = study_agree(s, study_output(s, "-sobol"));
    if (rc)
        return rc;
    /* under MPI, ranks must not stop at different waves */
    study_watch(s, cli_ranks() == 1, &cfg->stop, &cfg->progress, &cfg->progress_user);
    bc_sobol_result *res = NULL;
    int lrc;
#ifdef BCSIM_MPI
    if (cli_ranks() > 1)
        lrc = bc_mpi_sobol_run(s->m, cfg, &res, &s->err);
    else
#endif
        lrc = bc_sobol_run(s->m, cfg, &res, &s->err);
    progress_end(&s->prog);
    if (lrc) {
        say("%s%s", bc_errmsg(&s->err), lrc == BC_EINTR ? "; nothing written" : "");
        rc = lrc == BC_EINTR ? EXIT_INTERRUPTED : output_status(lrc);
    } else if (cli_rank() == 0) {
        rc = sobol_write(s, cfg, res, argc, argv);
    }
    bc_sobol_result_free(res);
    return rc;
}

int cmd_sobol(int argc, char **argv)
{
    bc_sobol_config cfg = {
        .n = 16384, .seed = 1, .sampler = BC_SOBOL_QMC,
                           .replicates = BC_SOBOL_DEFAULT_REPLICATES, .level = 0.95};
    const char *builtin = NULL;
    study s = {0};
    const cli_option opts[] = {
        OPT_U64("-n", NULL, &cfg.n, "N", 2, UINT32_MAX,
                "-n: '%s' is not a number of base samples (2 to 2^32-1)",
                "base samples (default 16384; a power of 2 suits QMC)"),
        OPT_CALL(NULL, "--sampler", &cfg.sampler, "qmc|mc", parse_sobol_sampler,
                 "--sampler: '%s' is not qmc or mc",
                 "randomised Sobol' sequence (default) or Monte Carlo"),
        OPT_CALL(NULL, "--replicates", &cfg.replicates, "R", parse_replicates,
                 "--replicates: '%s' is not 0 or 2 to 1024",
                 "independent replicates for the intervals (default 16, 0 = none)"),
        OPT_DOUBLE(NULL, "--level", &cfg.level, "L", 0, 1, 1,
                   "--level: '%s' is not a number in (0, 1)", "interval level (default 0.95)"),
        OPT_U64(NULL, "--seed", &cfg.seed, "S", 0, UINT64_MAX, SEED_BAD,
                "seed of the design (default 1)"),
        OPT_INT(NULL, "--threads", &cfg.threads, "T", 1, 1024, THREADS_BAD,
                "threads (default: all cores)"),
        OPT_STRING("-o", "--output", &s.out, "FILE",
                   "result file (default results/<model>-sobol.h5)"),
        OPT_FLAG(NULL, "--force", &s.force, "replace an existing result file"),
        OPT_LIST(NULL, "--set", &s.sets, "NAME=SPEC", "override an input (repeatable)"),
        OPT_STRING(NULL, "--model", &builtin, "NAME",
                   "a built-in analytic test model instead of a file"),
        OPT_FLAG(NULL, "--quiet", &s.quiet, "no progress line and no summary"),
        OPT_ARG(&s.path),
        OPT_END(),
    };
    int rc = cli_parse(&sobol_cmd, opts, argc, argv);
    if (rc == CLI_GO && !s.path == !builtin)
        rc = usage_error("sobol", "%s",
                         s.path ? "give a model file or --model, not both"
                                : "missing the model file (or --model NAME)");
    if (rc == CLI_GO)
        rc = sobol_study(&s, &cfg, builtin, argc, argv);
    study_close(&s);
    return rc;
}
