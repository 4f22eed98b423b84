/* main.c: the bcsim command line. Turns statuses into messages and exit
 * codes: 0 success, 2 bad usage or bad input, 1 any other failure, 130 when
 * interrupted (SIGINT, SIGTERM). */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bcsim/engine.h"
#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/report.h"
#include "bcsim/results.h"
#include "bcsim/sampler.h"
#include "bcsim/sensitivity.h"
#include "bcsim/sobolseq.h"

#ifdef BCSIM_MPI
#include <mpi.h>

#include "mpi_int.h"
#endif

enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,
    EXIT_USAGE = 2,
    EXIT_CHECKPOINTED = 75, /* stopped by SIGINT/SIGTERM with a checkpoint: resume later */
    EXIT_INTERRUPTED = 130  /* stopped by SIGINT/SIGTERM, nothing written */
};

/* This process's MPI rank (0 without MPI) and the number of ranks. */
static int mpi_rank = 0, mpi_size = 1;

static const char *const main_usage =
    "usage: bcsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo sensitivity simulator for public investment business cases.\n"
    "\n"
    "Commands:\n"
    "  run MODEL [OPTIONS]  Monte Carlo study of a model file, results to HDF5\n"
    "  sobol MODEL          Sobol' sensitivity indices with bootstrap intervals\n"
    "  base MODEL [--csv]   print the deterministic base case of a model file\n"
    "  replay FILE --run I  recompute and print one run of a result file\n"
    "  merge SHARD... -o F  join the shards of a run (bcsim run --shard I/N)\n"
    "  summary FILE         print a readable report of a result file\n"
    "  export FILE --csv DIR\n"
    "                       write a result file as tidy CSV files into DIR\n"
    "\n"
    "Options:\n"
    "  -h, --help           show this help (bcsim COMMAND --help for a command)\n"
    "  --version            print the version\n"
    "\n"
    "Exit status: 0 success, 2 bad usage or bad input, 1 other failures,\n"
    "130 interrupted.\n";

static const char *const base_usage =
    "usage: bcsim base MODEL [--csv]\n"
    "\n"
    "Evaluate the model file MODEL with every input at its base value and the\n"
    "unemployment shocks at 0, and print per proposal and the portfolio, per year:\n"
    "full-year persons saved, investment, benefit savings, other savings and gain\n"
    "(mDKK), then the horizon averages as in the seed's overview table.\n"
    "\n"
    "Options:\n"
    "  --csv        print CSV instead, header\n"
    "               output,year,fte,investment,benefit_savings,other_savings,gain\n"
    "  -h, --help   show this help\n";

/* Write `s` to stderr with every control character (a newline or a
 * terminal's escape sequence, from a file name, a YAML key or an argument)
 * shown as \n, \t or \xNN, so that a message stays one line and nothing in
 * it is acted on by a terminal. Bytes >= 0x80 (UTF-8) pass unchanged. */
static void put_escaped(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f)
            fputc(*p, stderr);
        else if (*p == '\n')
            fputs("\\n", stderr);
        else if (*p == '\t')
            fputs("\\t", stderr);
        else
            fprintf(stderr, "\\x%02x", *p);
    }
}

/* A message "bcsim: ..." on stderr, on one line (see put_escaped). */
static void say(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void say(const char *fmt, ...)
{
    char buf[2 * BC_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fputs("bcsim: ", stderr);
    put_escaped(buf);
    fputc('\n', stderr);
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    char buf[BC_ERRMSG_SIZE];
    fprintf(stderr, "bcsim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    snprintf(buf, sizeof buf, fmt, arg);
    put_escaped(buf);
    fprintf(stderr, "\nTry 'bcsim %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

/* Exit code for a library status from reading input. */
static int input_status(int rc)
{
    return rc == BC_ENOMEM || rc == BC_EINTERNAL ? EXIT_FAIL : EXIT_USAGE;
}

static int cmd_base(int argc, char **argv)
{
    const char *path = NULL;
    int csv = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(base_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--csv") == 0) {
            csv = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("base", "unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return usage_error("base", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path)
        return usage_error("base", "%s", "missing the model file");

    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    int rc = bc_model_load_file(path, &m, &err);
    if (!rc && (rc = bc_model_check_finite(m, &err)))
        bc_model_free(m);
    if (rc) {
        say("%s", bc_errmsg(&err));
        return input_status(rc);
    }
    rc = csv ? bc_report_base_csv(stdout, m, &err) : bc_report_base_text(stdout, m, &err);
    bc_model_free(m);
    if (rc) {
        say("%s", bc_errmsg(&err));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static const char *const run_usage =
    "usage: bcsim run MODEL [-n RUNS] [--seed S] [--threads T] [-o FILE.h5] [--force]\n"
    "                 [--set NAME=SPEC ...] [--sampler mc|lhs] [--save-samples] [--quiet]\n"
    "\n"
    "Run the business case of the model file MODEL RUNS times with its uncertain\n"
    "inputs drawn from their distributions, print a summary per proposal and for\n"
    "the portfolio, and write every statistic to an HDF5 file. The same seed gives\n"
    "bit-identical results for any number of threads.\n"
    "\n"
    "Options:\n"
    "  -n, --runs RUNS     number of runs (default 1000000; 1e6 style accepted)\n"
    "  --seed S            generator seed, 0 .. 2^64-1 (default 1)\n"
    "  --threads T         threads (default: all cores)\n"
    "  -o, --output FILE   result file (default results/<model>.h5)\n"
    "  --force             replace an existing result file\n"
    "  --set NAME=SPEC     override an input, e.g. --set academics.effect=pert:0,0.1,0.2\n"
    "                      or --set igu.investment=5.5 (repeatable; see docs/model-file.md)\n"
    "  --sampler mc|lhs    plain Monte Carlo (default) or Latin hypercube\n"
    "  --save-samples      also store every run's inputs and average gains\n"
    "  --block B           runs per block (default 2048); results depend on it\n"
    "  --shard I/N         compute only the I-th of N shares (I = 0 .. N-1) and write\n"
    "                      it as a shard for bcsim merge (e.g. I = $SLURM_ARRAY_TASK_ID)\n"
    "  --checkpoint FILE   save the state to FILE now and then (atomically)\n"
    "  --checkpoint-every S  seconds between checkpoints (default 60)\n"
    "  --resume FILE       continue from a checkpoint (and keep checkpointing to it)\n"
    "  --quiet             no progress line and no summary\n"
    "  -h, --help          show this help\n"
    "\n"
    "SIGINT or SIGTERM stops at the next segment of runs: with a checkpoint it is\n"
    "saved and the exit status is 75; without, nothing is written and it is 130.\n"
    "Under mpirun, the runs are divided among the ranks; rank 0 writes the file.\n";

static const char *const replay_usage =
    "usage: bcsim replay FILE.h5 --run I\n"
    "\n"
    "Recompute run I (0-based) of the study stored in FILE.h5 from the model text,\n"
    "overrides, seed and sampler recorded there, and print its inputs and outputs.\n";

/* Parse a whole number in [lo, hi]: digits, or an exact 1e6-style value. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    size_t digits = strspn(s, "0123456789");
    if (digits == strlen(s)) {
        errno = 0;
        unsigned long long v = strtoull(s, NULL, 10);
        if (errno == ERANGE)
            return -1;
        *out = v;
    } else {
        char *end = NULL;
        if (s[0] < '0' || s[0] > '9' || strpbrk(s, "xXnNiI"))
            return -1;
        double v = strtod(s, &end);
        if (*end || !(v >= 0) || v != floor(v) || v > 0x1p63)
            return -1;
        *out = (uint64_t)v;
    }
    return *out < lo || *out > hi ? -1 : 0;
}

/* What an option handler says of argv[i]: not its option, taken (with its
 * value, if any), or bad (the usage message is printed). */
enum { ARG_OTHER, ARG_TAKEN, ARG_BAD };

/* The value of option argv[*i], with *i moved onto it; NULL, after a usage
 * message of command `cmd`, if the option is the last argument. */
static const char *opt_value(const char *cmd, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        usage_error(cmd, "option '%s' needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* The value of option argv[*i] as a whole number in [lo, hi] (parse_u64)
 * into *out: ARG_TAKEN, or ARG_BAD after the usage message `bad` (its %s is
 * the value). */
static int opt_u64(const char *cmd, int argc, char **argv, int *i, uint64_t lo, uint64_t hi,
                   const char *bad, uint64_t *out)
{
    const char *v = opt_value(cmd, argc, argv, i);
    if (!v)
        return ARG_BAD;
    if (parse_u64(v, lo, hi, out)) {
        usage_error(cmd, bad, v);
        return ARG_BAD;
    }
    return ARG_TAKEN;
}

/* The arguments `run` and `sobol` share. */
typedef struct study_args {
    const char *path;  /* the model file, or NULL if none was given */
    const char *out;   /* -o, --output; NULL: the command's default */
    const char **sets; /* --set NAME=SPEC, in order (owned: free it) */
    size_t nsets;
    uint64_t *seed; /* where --seed goes (the command's config, with its default) */
    int *threads;   /* where --threads goes (0 in the config: all cores) */
    int force;      /* --force */
    int quiet;      /* --quiet */
    int help;       /* -h, --help: the usage was printed */
} study_args;

/* A command's own options: ARG_OTHER if argv[*i] is not one of them, else
 * as opt_u64, with *i on the option's last value. `ctx` is the command's. */
typedef int (*own_options)(void *ctx, int argc, char **argv, int *i);

/* Parse the arguments of study command `cmd` (argv[0] is its name) into `s`
 * (zero but for seed and threads), and through `own` its own options.
 * Returns EXIT_OK to go on (or, with s->help set, to stop after printing
 * `usage`), EXIT_USAGE after a usage message, or EXIT_FAIL when out of
 * memory. Free s->sets in every case. */
static int study_parse(study_args *s, const char *cmd, const char *usage, int argc, char **argv,
                       own_options own, void *ctx)
{
    s->sets = calloc((size_t)argc + 1, sizeof *s->sets);
    if (!s->sets)
        return EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t v;
        int k = ARG_TAKEN;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            s->help = 1;
            return EXIT_OK;
        } else if (!strcmp(a, "--seed")) {
            k = opt_u64(cmd, argc, argv, &i, 0, UINT64_MAX,
                        "--seed: '%s' is not a whole number from 0 to 2^64-1", s->seed);
        } else if (!strcmp(a, "--threads")) {
            k = opt_u64(cmd, argc, argv, &i, 1, 1024,
                        "--threads: '%s' is not a whole number from 1 to 1024", &v);
            if (k == ARG_TAKEN)
                *s->threads = (int)v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            k = (s->out = opt_value(cmd, argc, argv, &i)) ? ARG_TAKEN : ARG_BAD;
        } else if (!strcmp(a, "--set")) {
            const char *spec = opt_value(cmd, argc, argv, &i);
            if (spec)
                s->sets[s->nsets++] = spec;
            k = spec ? ARG_TAKEN : ARG_BAD;
        } else if (!strcmp(a, "--force")) {
            s->force = 1;
        } else if (!strcmp(a, "--quiet")) {
            s->quiet = 1;
        } else if ((k = own(ctx, argc, argv, &i)) != ARG_OTHER) {
            /* the command's own option */
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error(cmd, "unknown option '%s'", a);
        } else if (!s->path) {
            s->path = a;
            k = ARG_TAKEN;
        } else {
            return usage_error(cmd, "unexpected argument '%s'", a);
        }
        if (k == ARG_BAD)
            return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The model of a study: the model file s->path, or the built-in model
 * `builtin` if not NULL, with the --set overrides applied in order, checked
 * for overflow. A status as bc_model_load_file's; *m may be set on failure
 * too (bc_model_free it). */
static int study_load(const study_args *s, const char *builtin, bc_model **m, bc_error *err)
{
    int rc = builtin ? bc_model_builtin(builtin, m, err) : bc_model_load_file(s->path, m, err);
    for (size_t k = 0; !rc && k < s->nsets; k++)
        if ((rc = bc_model_set(*m, s->sets[k], err))) {
            char msg[BC_ERRMSG_SIZE];
            snprintf(msg, sizeof msg, "%s", bc_errmsg(err));
            bc_error_set(err, rc, "--set %s", msg);
        }
    if (!rc)
        rc = bc_model_check_finite(*m, err);
    return rc;
}

static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* floor(a i / n) for i <= n <= 2^32, without the overflow of a i: the
 * first segment of share i of n (a = the run's segments, up to 2^47). */
static uint64_t share(uint64_t a, uint64_t i, uint64_t n)
{
    return a / n * i + a % n * i / n;
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

/* ---- reading files we did not write: a child process reads first ---------
 *
 * HDF5 1.10 trusts the bytes of a file: a damaged or hostile file can make it
 * read out of bounds, crash or loop for ever (seen with a few bytes changed
 * in a result file's first 4 KiB). So a child process reads the file first,
 * with its output to /dev/null, and reports the outcome through a pipe. If
 * the child crashes, is killed or does not finish in time, the file is
 * refused as damaged and this process never touches it; if the read failed
 * cleanly, its message is used and the file is not touched either; only a file
 * the child read without fault is read again here. */

/* The reads to try, as the commands do them. */
static int probe_load(const char *path, bc_error *err)
{
    bc_results_file *r = NULL;
    int rc = bc_results_load(path, &r, err);
    bc_results_free(r);
    return rc;
}

static int probe_run(const char *path, bc_error *err)
{
    char *text = NULL, *file = NULL, **ovr = NULL;
    size_t novr = 0;
    bc_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = bc_results_read_run(path, &text, &file, &ovr, &novr, &cfg, err);
    free(text);
    free(file);
    for (size_t k = 0; k < novr; k++)
        free(ovr[k]);
    free(ovr);
    return rc;
}

static int probe_state(const char *path, bc_error *err)
{
    bc_state_file f;
    int rc = bc_results_read_state(path, &f, err);
    bc_state_file_clear(&f);
    return rc;
}

/* What the child sends back. */
typedef struct probe_report {
    int rc;
    char msg[BC_ERRMSG_SIZE];
} probe_report;

/* Seconds a read may take: 10, plus 1 per 10 MB of file (result files are
 * read whole but for their samples; a slow network disk still manages that). */
static double probe_limit(const char *path)
{
    struct stat st;
    return 10 + (stat(path, &st) == 0 ? (double)st.st_size / 1e7 : 0);
}

/* Try fn(path) in a child. BC_OK: the child read the file without fault (or
 * no child could be made: then the caller reads as it would anyway); else the
 * status and message of the failed read, or BC_EINVAL "PATH is damaged ...". */
static int probe_file(const char *path, int (*fn)(const char *, bc_error *), bc_error *err)
{
    int fd[2];
    if (pipe(fd) != 0)
        return BC_OK;
    fflush(stdout);
    fflush(stderr);
    const double limit = probe_limit(path);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return BC_OK;
    }
    if (pid == 0) {
        /* the child: HDF5's or a sanitizer's complaints are not for the user */
        close(fd[0]);
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) {
            dup2(nul, STDOUT_FILENO);
            dup2(nul, STDERR_FILENO);
        }
        probe_report rep;
        memset(&rep, 0, sizeof rep);
        bc_error e;
        bc_error_clear(&e);
        rep.rc = fn(path, &e);
        snprintf(rep.msg, sizeof rep.msg, "%s", bc_errmsg(&e));
        const char *p = (const char *)&rep;
        for (size_t left = sizeof rep; left > 0;) {
            ssize_t w = write(fd[1], p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            p += w;
            left -= (size_t)w;
        }
        _exit(0); /* no atexit handlers: HDF5 may be in any state */
    }
    close(fd[1]);
    probe_report rep;
    size_t got = 0;
    int timed_out = 0;
    const double t0 = now_seconds();
    while (got < sizeof rep) {
        double left = limit - (now_seconds() - t0);
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pf = {.fd = fd[0], .events = POLLIN};
        int n = poll(&pf, 1, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (n == 0)
            continue; /* the deadline is checked above */
        ssize_t k = read(fd[0], (char *)&rep + got, sizeof rep - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* the child is gone without a full report */
        got += (size_t)k;
    }
    close(fd[0]);
    if (got < sizeof rep)
        kill(pid, SIGKILL); /* our child, not yet reaped: the pid is still its own */
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == sizeof rep) {
        rep.msg[sizeof rep.msg - 1] = '\0';
        return rep.rc ? bc_error_set(err, rep.rc, "%s", rep.msg) : BC_OK;
    }
    if (timed_out)
        return bc_error_set(err, BC_EINVAL,
                            "%s is damaged or not a bcsim result file: reading it did not finish "
                            "within %.0f s",
                            path, limit);
    if (WIFSIGNALED(status))
        return bc_error_set(err, BC_EINVAL,
                            "%s is damaged or not a bcsim result file: reading it crashed the "
                            "HDF5 library (%s)",
                            path, strsignal(WTERMSIG(status)));
    return bc_error_set(err, BC_EINVAL,
                        "%s is damaged or not a bcsim result file: reading it failed inside the "
                        "HDF5 library (exit status %d)",
                        path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

typedef struct progress {
    double start, last;
    int shown;
} progress;

/* A progress line on stderr, a few times a second. */
static void show_progress(void *user, uint64_t done, uint64_t total)
{
    progress *p = user;
    double t = now_seconds();
    if (done < total && t - p->last < 0.25)
        return;
    p->last = t;
    double el = t - p->start, rate = el > 0 ? (double)done / el : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r  %llu / %llu runs  %.2f M runs/s  %.0f s left   ",
            (unsigned long long)done, (unsigned long long)total, rate / 1e6, left);
    p->shown = 1;
}

/* The command line as one string, arguments with spaces quoted. */
static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        int q = strpbrk(argv[i], " \t'\"") != NULL;
        p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "'" : "", argv[i], q ? "'" : "");
    }
    return s;
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
               bc_model_output_id(m, o), s->avg_gain.mean[o], q[1], q[4], q[7],
               100 * s->be_prob[o], 100 * s->be_se[o]);
    }
    printf("\nBreak even: average annual gain >= 0. Results: %s\n", path);
}

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
    return bc_results_write_state(c->path, c->m, c->cfg, s, "checkpoint", 0, 1, 1,
                                  c->command_line, err);
}

/* Whether state file f belongs to model m (text and overrides) and cfg; if
 * not, a message saying what differs. */
static int same_identity(const bc_state_file *f, const bc_model *m, const bc_run_config *cfg,
                         char *why, size_t n)
{
    if (strcmp(f->model_text, bc_model_text(m)) != 0)
        snprintf(why, n, "the model file's text differs");
    else if (f->n_overrides != bc_model_n_overrides(m))
        snprintf(why, n, "the --set overrides differ");
    else if (f->cfg.seed != cfg->seed)
        snprintf(why, n, "seed %llu, not %llu", (unsigned long long)f->cfg.seed,
                 (unsigned long long)cfg->seed);
    else if (f->cfg.runs != cfg->runs)
        snprintf(why, n, "%llu runs, not %llu", (unsigned long long)f->cfg.runs,
                 (unsigned long long)cfg->runs);
    else if (f->cfg.sampler != cfg->sampler)
        snprintf(why, n, "sampler %s, not %s", bc_sampler_kind_name(f->cfg.sampler),
                 bc_sampler_kind_name(cfg->sampler));
    else if ((f->cfg.block ? f->cfg.block : BC_DEFAULT_BLOCK) !=
             (cfg->block ? cfg->block : BC_DEFAULT_BLOCK))
        snprintf(why, n, "blocks of %llu runs, not %llu", (unsigned long long)f->cfg.block,
                 (unsigned long long)(cfg->block ? cfg->block : BC_DEFAULT_BLOCK));
    else if (strcmp(f->version, BCSIM_VERSION) != 0)
        snprintf(why, n, "written by bcsim %s, this is %s", f->version, BCSIM_VERSION);
    else {
        for (size_t k = 0; k < f->n_overrides; k++)
            if (strcmp(f->overrides[k], bc_model_override(m, k)) != 0) {
                snprintf(why, n, "the --set overrides differ");
                return 0;
            }
        return 1;
    }
    return 0;
}

/* The options only `run` has. */
typedef struct run_args {
    bc_run_config *cfg; /* -n, --block, --sampler, --save-samples */
    const char *ckpath; /* --checkpoint, or NULL */
    const char *resume; /* --resume, or NULL */
    uint64_t shard_i;   /* --shard I/N: I */
    uint64_t shard_n;   /* N; 0: not a shard */
    double ck_every;    /* --checkpoint-every, seconds */
} run_args;

static int run_option(void *ctx, int argc, char **argv, int *i)
{
    run_args *r = ctx;
    const char *a = argv[*i];
    if (!strcmp(a, "-n") || !strcmp(a, "--runs"))
        return opt_u64("run", argc, argv, i, 1, UINT64_MAX,
                       "-n: '%s' is not a number of runs (a whole number >= 1)", &r->cfg->runs);
    if (!strcmp(a, "--block"))
        return opt_u64("run", argc, argv, i, 1, 1u << 24,
                       "--block: '%s' is not a whole number from 1 to 2^24", &r->cfg->block);
    if (!strcmp(a, "--save-samples")) {
        r->cfg->save_samples = 1;
        return ARG_TAKEN;
    }
    if (strcmp(a, "--sampler") && strcmp(a, "--shard") && strcmp(a, "--checkpoint") &&
        strcmp(a, "--checkpoint-every") && strcmp(a, "--resume"))
        return ARG_OTHER;
    const char *v = opt_value("run", argc, argv, i);
    if (!v)
        return ARG_BAD;
    if (!strcmp(a, "--sampler")) {
        if (bc_sampler_kind_from_name(v, &r->cfg->sampler)) {
            usage_error("run", "--sampler: '%s' is not mc or lhs", v);
            return ARG_BAD;
        }
    } else if (!strcmp(a, "--shard")) {
        char *slash = strchr(argv[*i], '/');
        uint64_t si = 0, sn = 0;
        if (slash) {
            *slash = '\0';
            int bad =
                parse_u64(argv[*i], 0, UINT32_MAX, &si) || parse_u64(slash + 1, 1, UINT32_MAX, &sn);
            *slash = '/';
            if (bad || si >= sn)
                slash = NULL;
        }
        if (!slash) {
            usage_error("run", "--shard: '%s' is not I/N with 0 <= I < N", v);
            return ARG_BAD;
        }
        r->shard_i = si;
        r->shard_n = sn;
    } else if (!strcmp(a, "--checkpoint")) {
        r->ckpath = v;
    } else if (!strcmp(a, "--checkpoint-every")) {
        char *end = NULL;
        r->ck_every = strtod(v, &end);
        if (!end || *end || !(r->ck_every >= 0) || r->ck_every > 1e9) {
            usage_error("run", "--checkpoint-every: '%s' is not a number of seconds", v);
            return ARG_BAD;
        }
    } else {
        r->resume = v;
    }
    return ARG_TAKEN;
}

static int cmd_run(int argc, char **argv, int full_argc, char **full_argv)
{
    bc_run_config cfg = {.runs = 1000000, .seed = 1, .sampler = BC_SAMPLER_MC};
    run_args r = {.cfg = &cfg, .ck_every = 60};
    study_args s = {.seed = &cfg.seed, .threads = &cfg.threads};
    int rc = study_parse(&s, "run", run_usage, argc, argv, run_option, &r);
    if (rc || s.help)
        goto out;
    if (!s.path) {
        rc = usage_error("run", "%s", "missing the model file");
        goto out;
    }

    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    bc_summary *sum = NULL;
    bc_run_analysis *ana = NULL;
    char *defpath = NULL, *cmdline = NULL;
    int lrc = study_load(&s, NULL, &m, &err);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        rc = input_status(lrc);
        goto done;
    }
    if (r.resume && !r.ckpath)
        r.ckpath = r.resume; /* go on saving to the checkpoint we resume from */
    if (r.shard_n && (cfg.save_samples || r.ckpath)) {
        say("--shard does not go with --save-samples, --checkpoint or "
            "--resume");
        rc = EXIT_USAGE;
        goto done;
    }
    if (mpi_size > 1 && (r.shard_n || r.ckpath || cfg.save_samples)) {
        say("under MPI, --shard, --checkpoint, --resume and --save-samples "
            "are not available");
        rc = EXIT_USAGE;
        goto done;
    }
    if (!s.out) {
        /* results/<model>.h5 (a shard: results/<model>.part-I-of-N.h5), creating
         * results/ if needed */
        size_t n = strlen(bc_model_id(m)) + 64;
        defpath = malloc(n);
        if (!defpath) {
            rc = EXIT_FAIL;
            goto done;
        }
        if (mpi_rank == 0 && mkdir("results", 0777) != 0 && errno != EEXIST) {
            say("cannot create the folder results: %s", strerror(errno));
            rc = EXIT_USAGE;
            goto done;
        }
        if (r.shard_n)
            snprintf(defpath, n, "results/%s.part-%llu-of-%llu.h5", bc_model_id(m),
                     (unsigned long long)r.shard_i, (unsigned long long)r.shard_n);
        else
            snprintf(defpath, n, "results/%s.h5", bc_model_id(m));
        s.out = defpath;
    }
    lrc = mpi_rank == 0 ? bc_results_check_path(s.out, s.force, &err) : BC_OK;
    if (!lrc && r.ckpath && !r.resume && mpi_rank == 0)
        lrc = bc_results_check_path(r.ckpath, 1, &err);
    if (!lrc && r.ckpath && same_file(r.ckpath, s.out))
        lrc = bc_error_set(&err, BC_EINVAL,
                           "the checkpoint %s and the result file %s are the same file: the "
                           "result would replace the checkpoint; give them different names",
                           r.ckpath, s.out);
#ifdef BCSIM_MPI
    if (mpi_size > 1)
        MPI_Bcast(&lrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
    if (lrc) {
        if (mpi_rank == 0)
            say("%s", bc_errmsg(&err));
        rc = input_status(lrc);
        goto done;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    cfg.stop = &stop_flag;
    progress prog = {.start = now_seconds()};
    if (!s.quiet && mpi_rank == 0 && isatty(STDERR_FILENO)) {
        cfg.progress = show_progress;
        cfg.progress_user = &prog;
    }
    int threads = cfg.threads;
    if (threads == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        threads = nc > 0 ? (int)nc : 1;
        cfg.threads = threads;
    }
    cmdline = join_args(full_argc, full_argv);
    ckpt ck = {r.ckpath, m, &cfg, cmdline ? cmdline : ""};
    if (r.ckpath) {
        cfg.checkpoint = write_checkpoint;
        cfg.checkpoint_user = &ck;
        cfg.checkpoint_every = r.ck_every;
    }

    bc_run_state *st = NULL;
    const uint64_t nseg = bc_engine_n_segments(&cfg);
    uint64_t seg_end = nseg;
    if (mpi_size > 1) {
#ifdef BCSIM_MPI
        lrc = bc_mpi_engine_run(m, &cfg, &sum, &err);
#endif
    } else if (r.resume) {
        bc_state_file f;
        char why[200];
        memset(&f, 0, sizeof f);
        lrc = probe_file(r.resume, probe_state, &err);
        if (!lrc)
            lrc = bc_results_read_state(r.resume, &f, &err);
        if (!lrc && strcmp(f.kind, "checkpoint") != 0)
            lrc = bc_error_set(&err, BC_EINVAL, "%s is a %s, not a checkpoint", r.resume, f.kind);
        else if (!lrc && !same_identity(&f, m, &cfg, why, sizeof why))
            lrc = bc_error_set(&err, BC_EINVAL,
                               "the checkpoint %s is from another model or setting: %s", r.resume,
                               why);
        if (!lrc)
            lrc = bc_run_state_unpack(m, &cfg, f.bytes, f.len, &st, &err);
        bc_state_file_clear(&f);
        if (lrc) {
            say("%s", bc_errmsg(&err));
            rc = input_status(lrc);
            goto done;
        }
    } else {
        uint64_t first = r.shard_n ? share(nseg, r.shard_i, r.shard_n) : 0;
        if (r.shard_n)
            seg_end = share(nseg, r.shard_i + 1, r.shard_n);
        lrc = bc_run_state_alloc(m, &cfg, first, r.shard_n != 0, &st, &err);
    }
    if (st && !lrc)
        lrc = bc_engine_advance(m, &cfg, st, seg_end, &err);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (lrc) {
        if (mpi_rank == 0 || lrc != BC_EINTR)
            say("%s%s", bc_errmsg(&err),
                lrc != BC_EINTR ? ""
                : r.ckpath      ? "; the checkpoint is saved"
                                : "; nothing written");
        if (lrc == BC_EINTR && r.ckpath && mpi_rank == 0)
            say("resume with: bcsim run ... --resume %s", r.ckpath);
        rc = lrc == BC_EINTR    ? (r.ckpath ? EXIT_CHECKPOINTED : EXIT_INTERRUPTED)
             : lrc == BC_EINVAL ? EXIT_USAGE
                                : EXIT_FAIL;
        bc_run_state_free(st);
        goto done;
    }
    if (r.shard_n) {
        lrc = bc_results_write_state(s.out, m, &cfg, st, "shard", r.shard_i, r.shard_n, s.force,
                                     cmdline ? cmdline : "", &err);
        if (!lrc && !s.quiet)
            printf("shard %llu/%llu of %s: segments %llu to %llu of %llu, %.1f s. Written to %s\n",
                   (unsigned long long)r.shard_i, (unsigned long long)r.shard_n, bc_model_id(m),
                   (unsigned long long)bc_run_state_first(st), (unsigned long long)seg_end,
                   (unsigned long long)nseg, now_seconds() - prog.start, s.out);
        bc_run_state_free(st);
        if (lrc) {
            say("%s", bc_errmsg(&err));
            rc = lrc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        }
        goto done;
    }
    if (st) {
        lrc = bc_engine_finish(st, &sum, &err);
        bc_run_state_free(st);
        if (lrc) {
            say("%s", bc_errmsg(&err));
            rc = lrc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
            goto done;
        }
    }
    if (mpi_rank != 0)
        goto done;
    double seconds = now_seconds() - prog.start;
    lrc = bc_run_analyse(m, sum, &ana, &err);
    if (!lrc)
        lrc = bc_results_write(s.out, s.force, m, &cfg, sum, ana, cmdline ? cmdline : "", &err);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        rc = lrc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        goto done;
    }
    if (!s.quiet) {
        print_summary(m, sum, &cfg, threads * mpi_size, seconds, s.out);
        if (fflush(stdout) != 0) {
            rc = EXIT_FAIL;
            goto done;
        }
    }
done:
    free(defpath);
    free(cmdline);
    bc_summary_free(sum);
    bc_run_analysis_free(ana);
    bc_model_free(m);
out:
    free(s.sets);
    return rc;
}

static const char *const merge_usage =
    "usage: bcsim merge SHARD.h5 ... -o FILE.h5 [--force] [--quiet]\n"
    "\n"
    "Join the shards of a run made with bcsim run ... --shard I/N (one per I, in\n"
    "any order) into the result file the run in one piece would have written, bit\n"
    "for bit. Shards of different models, overrides, seeds, run counts, samplers,\n"
    "block sizes or bcsim versions, and missing or repeated shards, are refused.\n";

static int cmd_merge(int argc, char **argv, int full_argc, char **full_argv)
{
    const char *out = NULL;
    int force = 0, quiet = 0, rc = EXIT_OK;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nf = 0;
    if (!files)
        return EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(merge_usage, stdout);
            free(files);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc) {
                free(files);
                return usage_error("merge", "option '%s' needs a value", argv[i]);
            }
            out = argv[++i];
        } else if (!strcmp(argv[i], "--force")) {
            force = 1;
        } else if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            free(files);
            return usage_error("merge", "unknown option '%s'", argv[i]);
        } else {
            files[nf++] = argv[i];
        }
    }
    if (!nf || !out) {
        free(files);
        return usage_error("merge", "%s", nf ? "missing -o FILE.h5" : "missing the shard files");
    }
    bc_error err;
    bc_error_clear(&err);
    bc_state_file *sf = calloc(nf, sizeof *sf);
    size_t *order = NULL;
    bc_model *m = NULL;
    bc_run_state *all = NULL;
    bc_summary *sum = NULL;
    bc_run_analysis *ana = NULL;
    char *cmdline = NULL;
    int lrc = sf ? bc_results_check_path(out, force, &err) : BC_ENOMEM;
    for (size_t k = 0; !lrc && k < nf; k++) {
        lrc = probe_file(files[k], probe_state, &err);
        if (!lrc)
            lrc = bc_results_read_state(files[k], &sf[k], &err);
        if (!lrc && strcmp(sf[k].kind, "shard") != 0)
            lrc = bc_error_set(&err, BC_EINVAL, "%s is a %s, not a shard", files[k], sf[k].kind);
    }
    /* the same run: model, overrides, configuration, version, number of shards */
    for (size_t k = 1; !lrc && k < nf; k++) {
        const bc_state_file *a = &sf[0], *b = &sf[k];
        const char *why = NULL;
        if (strcmp(a->model_text, b->model_text) != 0)
            why = "another model file";
        else if (a->n_overrides != b->n_overrides)
            why = "other --set overrides";
        else if (a->cfg.seed != b->cfg.seed)
            why = "another seed";
        else if (a->cfg.runs != b->cfg.runs)
            why = "another number of runs";
        else if (a->cfg.sampler != b->cfg.sampler)
            why = "another sampler";
        else if (a->cfg.block != b->cfg.block)
            why = "another block size";
        else if (strcmp(a->version, b->version) != 0)
            why = "another bcsim version";
        else if (a->shards != b->shards)
            why = "another number of shards";
        for (size_t q = 0; !why && q < a->n_overrides; q++)
            if (strcmp(a->overrides[q], b->overrides[q]) != 0)
                why = "other --set overrides";
        if (why)
            lrc = bc_error_set(&err, BC_EINVAL, "%s belongs to %s than %s", files[k], why,
                               files[0]);
    }
    if (!lrc) {
        const uint64_t N = sf[0].shards;
        order = calloc(N ? N : 1, sizeof *order);
        if (!order)
            lrc = bc_error_set(&err, BC_ENOMEM, "out of memory");
        for (size_t k = 0; !lrc && k < nf; k++) {
            uint64_t i = sf[k].shard;
            if (i >= N)
                lrc = bc_error_set(&err, BC_EINVAL, "%s says it is shard %llu of %llu", files[k],
                                   (unsigned long long)i, (unsigned long long)N);
            else if (order[i])
                lrc = bc_error_set(&err, BC_EINVAL, "%s and %s are both shard %llu/%llu",
                                   files[order[i] - 1], files[k], (unsigned long long)i,
                                   (unsigned long long)N);
            else
                order[i] = k + 1;
        }
        for (uint64_t i = 0; !lrc && i < N; i++)
            if (!order[i])
                lrc = bc_error_set(&err, BC_EINVAL, "shard %llu/%llu is missing",
                                   (unsigned long long)i, (unsigned long long)N);
    }
    if (!lrc) {
        lrc = bc_model_load_string(sf[0].model_text, strlen(sf[0].model_text), sf[0].model_file,
                                   &m, &err);
        for (size_t q = 0; !lrc && q < sf[0].n_overrides; q++)
            lrc = bc_model_set(m, sf[0].overrides[q], &err);
        if (!lrc)
            lrc = bc_model_check_finite(m, &err);
    }
    for (uint64_t i = 0; !lrc && i < sf[0].shards; i++) {
        const bc_state_file *f = &sf[order[i] - 1];
        bc_run_state *piece = NULL;
        lrc = bc_run_state_unpack(m, &sf[0].cfg, f->bytes, f->len, &piece, &err);
        if (!lrc && !all)
            all = piece, piece = NULL;
        else if (!lrc)
            lrc = bc_run_state_append(all, piece, &err);
        if (lrc) {
            char msg[BC_ERRMSG_SIZE];
            snprintf(msg, sizeof msg, "%s", bc_errmsg(&err));
            bc_error_set(&err, lrc, "%s: %s", files[order[i] - 1], msg);
        }
        bc_run_state_free(piece);
    }
    if (!lrc)
        lrc = bc_engine_finish(all, &sum, &err);
    int writing = 0;
    if (!lrc) {
        cmdline = join_args(full_argc, full_argv);
        writing = 1;
        lrc = bc_run_analyse(m, sum, &ana, &err);
        if (!lrc)
            lrc = bc_results_write(out, force, m, &sf[0].cfg, sum, ana, cmdline ? cmdline : "",
                                   &err);
    }
    if (lrc) {
        say("%s", bc_errmsg(&err));
        /* bad shards are bad input (2); a disk that fails the write is not */
        rc = writing && lrc != BC_EINVAL ? EXIT_FAIL : input_status(lrc);
    } else if (!quiet) {
        printf("merged %zu shards of %s: %llu runs, seed %llu. Written to %s\n", nf,
               bc_model_id(m), (unsigned long long)sf[0].cfg.runs,
               (unsigned long long)sf[0].cfg.seed, out);
    }
    for (size_t k = 0; sf && k < nf; k++)
        bc_state_file_clear(&sf[k]);
    free(sf);
    free(order);
    free(files);
    free(cmdline);
    bc_run_state_free(all);
    bc_summary_free(sum);
    bc_run_analysis_free(ana);
    bc_model_free(m);
    return rc;
}

static int cmd_replay(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t runidx = 0;
    int have_run = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(replay_usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--run")) {
            if (i + 1 >= argc)
                return usage_error("replay", "option '%s' needs a value", argv[i]);
            if (parse_u64(argv[++i], 0, UINT64_MAX, &runidx))
                return usage_error("replay", "--run: '%s' is not a run index (0, 1, ...)",
                                   argv[i]);
            have_run = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("replay", "unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return usage_error("replay", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path)
        return usage_error("replay", "%s", "missing the result file");
    if (!have_run)
        return usage_error("replay", "%s", "missing --run I");

    bc_error err;
    bc_error_clear(&err);
    char *text = NULL, *file = NULL, **ovr = NULL;
    size_t novr = 0;
    bc_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    bc_model *m = NULL;
    bc_sampler *smp = NULL;
    double *x = NULL, *u = NULL;
    bc_eval *e = NULL;
    int rc = EXIT_OK;
    int lrc = probe_file(path, probe_run, &err);
    if (!lrc)
        lrc = bc_results_read_run(path, &text, &file, &ovr, &novr, &cfg, &err);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        return EXIT_USAGE;
    }
    if (runidx >= cfg.runs) {
        say("%s holds runs 0 to %llu; there is no run %llu", path, (unsigned long long)cfg.runs - 1,
            (unsigned long long)runidx);
        rc = EXIT_USAGE;
        goto done;
    }
    lrc = bc_model_load_string(text, strlen(text), file, &m, &err);
    for (size_t k = 0; !lrc && k < novr; k++)
        lrc = bc_model_set(m, ovr[k], &err);
    if (!lrc)
        lrc = bc_model_check_finite(m, &err);
    if (!lrc)
        lrc = bc_sampler_alloc(m, cfg.sampler, cfg.seed, cfg.runs, &smp, &err);
    if (lrc) {
        say("%s: the recorded model no longer loads: %s", path, bc_errmsg(&err));
        rc = EXIT_USAGE;
        goto done;
    }
    x = malloc((bc_model_dim(m) + 1) * sizeof *x);
    u = malloc((bc_sampler_dim(smp) + 1) * sizeof *u);
    e = bc_eval_alloc(m, 1);
    if (!x || !u || !e) {
        rc = EXIT_FAIL;
        goto done;
    }
    bc_sampler_inputs(smp, runidx, x, u);
    bc_model_eval(m, x, e);

    const size_t H = bc_model_years(m);
    const int y0 = bc_model_start_year(m);
    printf("Run %llu of %s: model %s, %llu runs, %s, seed %llu\n", (unsigned long long)runidx,
           path, bc_model_id(m), (unsigned long long)cfg.runs, bc_sampler_kind_name(cfg.sampler),
           (unsigned long long)cfg.seed);
    printf("\nInputs\n");
    for (size_t i = 0; i < bc_model_n_inputs(m); i++) {
        const bc_input *in = bc_model_input(m, i);
        printf("  %-34s", in->name);
        for (size_t j = 0; j < in->dim; j++) {
            char num[40];
            bc_format_double(num, sizeof num, x[in->offset + j]);
            printf("%s%s", j ? " " : "", num);
        }
        printf("%s\n", bc_dist_is_random(&in->dist) ? "" : "  (fixed)");
    }
    printf("\nGain by year, mDKK\n  %-14s", "output");
    for (size_t t = 0; t < H; t++)
        printf(" %9d", y0 + (int)t);
    printf(" %9s %9s  %s\n", "average", "npv", "break-even year");
    for (size_t o = 0; o < bc_model_n_outputs(m); o++) {
        printf("  %-14.14s", bc_model_output_id(m, o));
        for (size_t t = 0; t < H; t++)
            printf(" %9.4f", e->gain[o * H + t]);
        int be = e->break_even_year[o];
        printf(" %9.4f %9.4f  ", e->avg_gain[o], e->npv[o]);
        if (be == BC_NO_BREAK_EVEN)
            printf("none\n");
        else
            printf("%d\n", y0 + be);
    }
    if (fflush(stdout) != 0)
        rc = EXIT_FAIL;
done:
    free(x);
    free(u);
    bc_eval_free(e);
    bc_sampler_free(smp);
    bc_model_free(m);
    free(text);
    free(file);
    for (size_t k = 0; k < novr; k++)
        free(ovr[k]);
    free(ovr);
    return rc;
}

static const char *const summary_usage =
    "usage: bcsim summary FILE.h5\n"
    "\n"
    "Print a readable report of the result file FILE.h5 (from bcsim run or bcsim\n"
    "sobol): the model, how and when the study was made and, per proposal and for\n"
    "the portfolio, the average annual gain (mean, P5, P50, P95 in mDKK/year), the\n"
    "probabilities of breaking even and of losing more than 1 mDKK a year, the most\n"
    "likely break-even year, and the three inputs that drive each output most.\n"
    "\n"
    "Options:\n"
    "  -h, --help   show this help\n";

static const char *const export_usage =
    "usage: bcsim export FILE.h5 --csv DIR [--force]\n"
    "\n"
    "Write the result file FILE.h5 as tidy CSV files (long format, one header row,\n"
    "UTF-8) into the folder DIR, created if missing: summary.csv, gain_by_year.csv,\n"
    "break_even_year.csv, histograms.csv, sensitivity.csv and inputs.csv, those the\n"
    "file has data for (docs/csv-export.md describes them). Prints the paths written.\n"
    "\n"
    "Options:\n"
    "  --csv DIR    the folder to write to\n"
    "  --force      replace existing files of the same names\n"
    "  -h, --help   show this help\n";

/* Read a result file for summary and export; prints the message. */
static int load_results(const char *path, bc_results_file **r)
{
    bc_error err;
    bc_error_clear(&err);
    int rc = probe_file(path, probe_load, &err);
    if (!rc)
        rc = bc_results_load(path, r, &err);
    if (rc)
        say("%s", bc_errmsg(&err));
    return rc;
}

static int cmd_summary(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(summary_usage, stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("summary", "unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return usage_error("summary", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path)
        return usage_error("summary", "%s", "missing the result file");

    bc_results_file *r = NULL;
    int lrc = load_results(path, &r);
    if (lrc)
        return input_status(lrc);
    bc_error err;
    bc_error_clear(&err);
    lrc = bc_results_summary(r, stdout, &err);
    bc_results_free(r);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *dir = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(export_usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--csv")) {
            if (i + 1 >= argc)
                return usage_error("export", "option '%s' needs a value", argv[i]);
            dir = argv[++i];
            if (!dir[0])
                return usage_error("export", "%s", "--csv: the folder name is empty");
        } else if (!strcmp(argv[i], "--force")) {
            force = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("export", "unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return usage_error("export", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path)
        return usage_error("export", "%s", "missing the result file");
    if (!dir)
        return usage_error("export", "%s", "missing --csv DIR");

    bc_results_file *r = NULL;
    int lrc = load_results(path, &r);
    if (lrc)
        return input_status(lrc);
    bc_error err;
    bc_error_clear(&err);
    lrc = bc_results_export_csv(r, dir, force, stdout, &err);
    bc_results_free(r);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        return lrc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        say("writing the list of files failed");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static const char *const sobol_usage =
    "usage: bcsim sobol MODEL [-n N] [--sampler qmc|mc] [--bootstrap B] [--level L]\n"
    "                   [--seed S] [--threads T] [-o FILE.h5] [--force] [--set NAME=SPEC ...]\n"
    "                   [--quiet]\n"
    "       bcsim sobol --model ishigami|sobol-g [...]\n"
    "\n"
    "Which inputs drive each output: first-order (Saltelli 2010) and total (Jansen)\n"
    "Sobol' indices of every uncertain input (an input group such as\n"
    "unemployment.shocks counts once), for the average annual gain, the NPV and the\n"
    "break-even indicator (avg_gain >= 0) of every proposal and the portfolio, from\n"
    "an A/B/AB design of N (k + 2) evaluations for k inputs, with bootstrap\n"
    "percentile intervals; and a tornado of one-at-a-time swings (10th to 90th\n"
    "percentile). With correlations, the indices are those of the independent\n"
    "uniforms behind the Gaussian copula (see docs/sensitivity.md).\n"
    "\n"
    "Options:\n"
    "  -n N               base samples (default 16384; a power of 2 suits QMC)\n"
    "  --sampler qmc|mc   randomised Sobol' sequence (default) or Monte Carlo\n"
    "  --bootstrap B      bootstrap replicates for the intervals (default 200, 0 = none)\n"
    "  --level L          interval level (default 0.95)\n"
    "  --seed S           seed of the design and the bootstrap (default 1)\n"
    "  --threads T        threads (default: all cores)\n"
    "  -o, --output FILE  result file (default results/<model>-sobol.h5)\n"
    "  --force            replace an existing result file\n"
    "  --set NAME=SPEC    override an input (repeatable)\n"
    "  --model NAME       a built-in analytic test model instead of a file\n"
    "  --quiet            no progress line and no summary\n";

/* x rounded to 3 decimals without a "-0.000". */
static double r3(double x)
{
    return fabs(x) < 0.0005 ? 0.0 : x;
}

static void print_sobol(const bc_model *m, const bc_sobol_result *r, const char *path)
{
    const size_t k = r->k, O = r->n_outputs, ny = r->n_y;
    printf("%s: Sobol' indices from %llu base samples (%llu evaluations, %s%s)\n",
           bc_model_id(m), (unsigned long long)r->n, (unsigned long long)r->evaluations,
           r->sampler == BC_SOBOL_QMC ? "randomised Sobol' sequence" : "Monte Carlo",
           r->qmc_fell_back ? ", fallen back from QMC" : "");
    size_t *ord = malloc(k * sizeof *ord);
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
                printf("  %-32s %22s %22s\n", "input", "first order", "total");
                for (size_t i = 0; i < k && i < 8; i++) {
                    size_t j = ord[i];
                    const char *name = bc_model_input(m, r->group_input[j])->name;
                    if (r->first_ci)
                        printf("  %-32.32s %6.3f [%6.3f, %6.3f] %6.3f [%6.3f, %6.3f]\n", name,
                               r3(r->first[j * ny + y]), r3(r->first_ci[(j * ny + y) * 2]),
                               r3(r->first_ci[(j * ny + y) * 2 + 1]), r3(r->total[j * ny + y]),
                               r3(r->total_ci[(j * ny + y) * 2]),
                               r3(r->total_ci[(j * ny + y) * 2 + 1]));
                    else
                        printf("  %-32.32s %6.3f %15s %6.3f\n", name, r3(r->first[j * ny + y]),
                               "", r3(r->total[j * ny + y]));
                }
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
    free(ord);
    if (r->first_ci)
        printf("\nIntervals: %g %% bootstrap percentile intervals from %d replicates.\n",
               100 * r->level, r->bootstrap);
    printf("Results: %s\n", path);
}

/* The options only `sobol` has. */
typedef struct sobol_args {
    bc_sobol_config *cfg; /* -n, --bootstrap, --level, --sampler */
    const char *builtin;  /* --model NAME, or NULL */
} sobol_args;

static int sobol_option(void *ctx, int argc, char **argv, int *i)
{
    sobol_args *o = ctx;
    const char *a = argv[*i];
    uint64_t v;
    if (!strcmp(a, "-n"))
        return opt_u64("sobol", argc, argv, i, 2, UINT32_MAX,
                       "-n: '%s' is not a number of base samples (2 to 2^32-1)", &o->cfg->n);
    if (!strcmp(a, "--bootstrap")) {
        const char *bad = "--bootstrap: '%s' is not 0 or 10 to 100000";
        if (opt_u64("sobol", argc, argv, i, 0, 100000, bad, &v) == ARG_BAD)
            return ARG_BAD;
        if (v > 0 && v < 10) {
            usage_error("sobol", bad, argv[*i]);
            return ARG_BAD;
        }
        o->cfg->bootstrap = (int)v;
        return ARG_TAKEN;
    }
    if (strcmp(a, "--level") && strcmp(a, "--sampler") && strcmp(a, "--model"))
        return ARG_OTHER;
    const char *val = opt_value("sobol", argc, argv, i);
    if (!val)
        return ARG_BAD;
    if (!strcmp(a, "--level")) {
        char *end = NULL;
        o->cfg->level = strtod(val, &end);
        if (!end || *end || !(o->cfg->level > 0 && o->cfg->level < 1)) {
            usage_error("sobol", "--level: '%s' is not a number in (0, 1)", val);
            return ARG_BAD;
        }
    } else if (!strcmp(a, "--sampler")) {
        if (!strcmp(val, "qmc"))
            o->cfg->sampler = BC_SOBOL_QMC;
        else if (!strcmp(val, "mc"))
            o->cfg->sampler = BC_SOBOL_MC;
        else {
            usage_error("sobol", "--sampler: '%s' is not qmc or mc", val);
            return ARG_BAD;
        }
    } else {
        o->builtin = val;
    }
    return ARG_TAKEN;
}

static int cmd_sobol(int argc, char **argv, int full_argc, char **full_argv)
{
    bc_sobol_config cfg = {
        .n = 16384, .seed = 1, .sampler = BC_SOBOL_QMC, .bootstrap = 200, .level = 0.95};
    sobol_args o = {.cfg = &cfg};
    study_args s = {.seed = &cfg.seed, .threads = &cfg.threads};
    int rc = study_parse(&s, "sobol", sobol_usage, argc, argv, sobol_option, &o);
    if (rc || s.help)
        goto out;
    if (!s.path == !o.builtin) {
        rc = usage_error("sobol", "%s",
                         s.path ? "give a model file or --model, not both"
                                : "missing the model file (or --model NAME)");
        goto out;
    }

    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    bc_sobol_result *res = NULL;
    bc_tornado *tor = NULL;
    char *defpath = NULL, *cmdline = NULL;
    int lrc = study_load(&s, o.builtin, &m, &err);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        rc = input_status(lrc);
        goto done;
    }
    if (!s.out) {
        size_t n = strlen(bc_model_id(m)) + 24;
        defpath = malloc(n);
        if (!defpath) {
            rc = EXIT_FAIL;
            goto done;
        }
        if (mkdir("results", 0777) != 0 && errno != EEXIST) {
            say("cannot create the folder results: %s", strerror(errno));
            rc = EXIT_USAGE;
            goto done;
        }
        snprintf(defpath, n, "results/%s-sobol.h5", bc_model_id(m));
        s.out = defpath;
    }
    lrc = mpi_rank == 0 ? bc_results_check_path(s.out, s.force, &err) : BC_OK;
#ifdef BCSIM_MPI
    if (mpi_size > 1)
        MPI_Bcast(&lrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
    if (lrc) {
        if (mpi_rank == 0)
            say("%s", bc_errmsg(&err));
        rc = input_status(lrc);
        goto done;
    }
    if (mpi_size == 1) { /* under MPI, ranks must not stop at different waves */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        cfg.stop = &stop_flag;
    }
    progress prog = {.start = now_seconds()};
    if (!s.quiet && mpi_rank == 0 && isatty(STDERR_FILENO)) {
        cfg.progress = show_progress;
        cfg.progress_user = &prog;
    }
#ifdef BCSIM_MPI
    if (mpi_size > 1)
        lrc = bc_mpi_sobol_run(m, &cfg, &res, &err);
    else
#endif
        lrc = bc_sobol_run(m, &cfg, &res, &err);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (lrc) {
        say("%s%s", bc_errmsg(&err), lrc == BC_EINTR ? "; nothing written" : "");
        rc = lrc == BC_EINTR ? EXIT_INTERRUPTED : lrc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        goto done;
    }
    if (mpi_rank != 0)
        goto done;
    if (res->qmc_fell_back)
        fprintf(stderr,
                "bcsim: warning: the A|B design needs more dimensions than the Sobol' sequence "
                "has (%zu); used Monte Carlo instead\n",
                bc_sobolseq_max_dim());
    cmdline = join_args(full_argc, full_argv);
    lrc = bc_tornado_compute(m, BC_TORNADO_PLO, BC_TORNADO_PHI, &tor, &err);
    if (!lrc)
        lrc = bc_results_write_sobol(s.out, s.force, m, &cfg, res, tor, cmdline ? cmdline : "",
                                     &err);
    if (lrc) {
        say("%s", bc_errmsg(&err));
        rc = lrc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        goto done;
    }
    if (!s.quiet) {
        print_sobol(m, res, s.out);
        if (fflush(stdout) != 0)
            rc = EXIT_FAIL;
    }
done:
    free(defpath);
    free(cmdline);
    bc_sobol_result_free(res);
    bc_tornado_free(tor);
    bc_model_free(m);
out:
    free(s.sets);
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "%s", "missing a command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(main_usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("bcsim %s\n", BCSIM_VERSION);
        return EXIT_OK;
    }
    if (mpi_size > 1 && strcmp(cmd, "run") != 0 && strcmp(cmd, "sobol") != 0) {
        if (mpi_rank == 0)
            say("under mpirun only 'bcsim run' and 'bcsim sobol' are divided "
                "among the ranks; run '%s' without mpirun",
                cmd);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "base") == 0)
        return cmd_base(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1, argc, argv);
    if (strcmp(cmd, "sobol") == 0)
        return cmd_sobol(argc - 1, argv + 1, argc, argv);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge(argc - 1, argv + 1, argc, argv);
    if (strcmp(cmd, "replay") == 0)
        return cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "summary") == 0)
        return cmd_summary(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
#ifdef BCSIM_MPI
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        say("MPI_Init_thread failed");
        return EXIT_FAIL;
    }
    mpi_rank = bc_mpi_rank();
    mpi_size = bc_mpi_size();
    int rc = dispatch(argc, argv);
    fflush(stdout);
    MPI_Finalize();
    return rc;
#else
    return dispatch(argc, argv);
#endif
}
