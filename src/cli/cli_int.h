/* cli_int.h: what the commands of the bcsim executable share: exit statuses,
 * messages, the one option parser (whose tables also print each command's
 * --help), signals, progress, MPI ranks, the untrusted-file probe, and the
 * commands themselves. The executable only: the library never includes it. */
#ifndef BCSIM_CLI_INT_H
#define BCSIM_CLI_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "bcsim/engine.h"
#include "bcsim/error.h"
#include "bcsim/results.h"

/* ---- exit statuses and messages (common.c) -------------------------------- */

enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,
    EXIT_USAGE = 2,
    EXIT_CHECKPOINTED = 75, /* stopped by SIGINT/SIGTERM with a checkpoint: resume later */
    EXIT_INTERRUPTED = 130  /* stopped by SIGINT/SIGTERM, nothing written */
};

/* Write `s` to stderr with every control character (a newline or a
 * terminal's escape sequence, from a file name, a YAML key or an argument)
 * shown as \n, \t or \xNN, so that a message stays one line and nothing in
 * it is acted on by a terminal. Bytes >= 0x80 (UTF-8) pass unchanged. */
void put_escaped(const char *s);

/* A message "bcsim: ..." on stderr, on one line (see put_escaped). */
void say(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* "bcsim CMD: MESSAGE" and "Try 'bcsim CMD --help'." on stderr (cmd NULL:
 * the top level); `fmt` has at most one %s, for `arg`. Returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, const char *arg);

/* The exit status of a failure reading input (a model, a result file):
 * EXIT_FAIL when out of memory or internal, else EXIT_USAGE. */
int input_status(int rc);

/* The exit status of a failure doing the work or writing: EXIT_USAGE for
 * BC_EINVAL, else EXIT_FAIL. */
int output_status(int rc);

/* say() the message of `err`; returns `status`. */
int say_failure(const bc_error *err, int status);

/* Parse a whole number in [lo, hi]: digits, or an exact 1e6-style value.
 * 0, or -1 when s is not such a number. */
int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* ---- the option parser (common.c) ------------------------------------------
 *
 * Each command describes its options in one table, an array of cli_option
 * ending with OPT_END(), and cli_parse reads the arguments by it and prints
 * --help from it, so that what --help lists is what is accepted. An option
 * takes its value from the next argument, whatever that is ("-n -5" gives -n
 * the value "-5"); "-h" and "--help" print the help of every command. */

typedef enum cli_kind {
    CLI_END,    /* the table's last row */
    CLI_FLAG,   /* int: set to 1 */
    CLI_STRING, /* const char *: the value as given */
    CLI_U64,    /* uint64_t: a whole number in [lo, hi] (parse_u64) */
    CLI_INT,    /* int: the same, with hi <= INT_MAX */
    CLI_DOUBLE, /* double: a number (strtod, all of the value) in [min, max], or in
                   (min, max) when open */
    CLI_LIST,   /* cli_list: every value, in order (the option repeats) */
    CLI_CALL,   /* parse(value, dest) decides: 0, or -1 for a bad value */
    CLI_ARG,    /* const char *: the one argument that is not an option */
    CLI_ARGS    /* cli_list: every argument that is not an option */
} cli_kind;

/* Strings in the order given, pointing into argv. Free v with cli_list_free. */
typedef struct cli_list {
    const char **v;
    size_t n;
} cli_list;

typedef struct cli_option {
    cli_kind kind;
    const char *shortname; /* "-n", or NULL */
    const char *longname;  /* "--runs", or NULL */
    void *dest;            /* where the value goes, of the kind's type */
    const char *arg;       /* the value's name in --help ("RUNS"); NULL for a flag */
    const char *help;      /* --help's text; a '\n' begins a continuation line */
    const char *bad;       /* the usage message for a bad value; its %s is the value */
    uint64_t lo, hi;       /* CLI_U64, CLI_INT: the range */
    double min, max;       /* CLI_DOUBLE: the range */
    int open;              /* CLI_DOUBLE: min and max themselves are bad */
    int nonempty;          /* CLI_STRING: an empty value is bad */
    int (*parse)(const char *value, void *dest); /* CLI_CALL */
    int *given; /* if not NULL, set to 1 when the option is given */
} cli_option;

/* Type checks for the rows' destinations. */
static inline void *cli_int_p(int *p)
{
    return p;
}
static inline void *cli_u64_p(uint64_t *p)
{
    return p;
}
static inline void *cli_double_p(double *p)
{
    return p;
}
static inline void *cli_str_p(const char **p)
{
    return p;
}
static inline void *cli_list_p(cli_list *p)
{
    return p;
}

#define OPT_FLAG(S, L, DEST, HELP)                                                                 \
    {                                                                                              \
        .kind = CLI_FLAG, .shortname = (S), .longname = (L), .dest = cli_int_p(DEST),              \
        .help = (HELP)                                                                             \
    }
#define OPT_STRING(S, L, DEST, ARG, HELP)                                                          \
    {                                                                                              \
        .kind = CLI_STRING, .shortname = (S), .longname = (L), .dest = cli_str_p(DEST),            \
        .arg = (ARG), .help = (HELP)                                                               \
    }
#define OPT_NONEMPTY(S, L, DEST, ARG, BAD, HELP)                                                   \
    {                                                                                              \
        .kind = CLI_STRING, .shortname = (S), .longname = (L), .dest = cli_str_p(DEST),            \
        .arg = (ARG), .help = (HELP), .bad = (BAD), .nonempty = 1                                  \
    }
#define OPT_U64(S, L, DEST, ARG, LO, HI, BAD, HELP)                                                \
    {                                                                                              \
        .kind = CLI_U64, .shortname = (S), .longname = (L), .dest = cli_u64_p(DEST), .arg = (ARG), \
        .help = (HELP), .bad = (BAD), .lo = (LO), .hi = (HI)                                       \
    }
#define OPT_INT(S, L, DEST, ARG, LO, HI, BAD, HELP)                                                \
    {                                                                                              \
        .kind = CLI_INT, .shortname = (S), .longname = (L), .dest = cli_int_p(DEST), .arg = (ARG), \
        .help = (HELP), .bad = (BAD), .lo = (LO), .hi = (HI)                                       \
    }
#define OPT_DOUBLE(S, L, DEST, ARG, MIN, MAX, OPEN, BAD, HELP)                                     \
    {                                                                                              \
        .kind = CLI_DOUBLE, .shortname = (S), .longname = (L), .dest = cli_double_p(DEST),         \
        .arg = (ARG), .help = (HELP), .bad = (BAD), .min = (MIN), .max = (MAX), .open = (OPEN)     \
    }
#define OPT_LIST(S, L, DEST, ARG, HELP)                                                            \
    {                                                                                              \
        .kind = CLI_LIST, .shortname = (S), .longname = (L), .dest = cli_list_p(DEST),             \
        .arg = (ARG), .help = (HELP)                                                               \
    }
#define OPT_CALL(S, L, DEST, ARG, FN, BAD, HELP)                                                   \
    {                                                                                              \
        .kind = CLI_CALL, .shortname = (S), .longname = (L), .dest = (DEST), .arg = (ARG),         \
        .help = (HELP), .bad = (BAD), .parse = (FN)                                                \
    }
#define OPT_ARG(DEST)                                                                              \
    {                                                                                              \
        .kind = CLI_ARG, .dest = cli_str_p(DEST)                                                   \
    }
#define OPT_ARGS(DEST)                                                                             \
    {                                                                                              \
        .kind = CLI_ARGS, .dest = cli_list_p(DEST)                                                 \
    }
#define OPT_END()                                                                                  \
    {                                                                                              \
        .kind = CLI_END                                                                            \
    }

/* A command, for its messages and its --help. */
typedef struct cli_command {
    const char *name;     /* "run": "bcsim run: ...", "Try 'bcsim run --help'." */
    const char *usage;    /* --help's usage line and prose, before the options */
    const char *epilogue; /* --help's text after the options, or NULL */
    int width;            /* the options' column in --help; their text begins 2 after it */
} cli_command;

/* cli_parse: the arguments are read, go on. */
#define CLI_GO (-1)

/* Read the arguments argv[2 .. argc-1] of command c (argv as main's, argv[1]
 * the command's name) by the table `opts`, left to right, into the rows'
 * destinations. Returns CLI_GO; EXIT_OK after printing --help; EXIT_USAGE
 * after a usage message ("unknown option", "option '-n' needs a value", a
 * row's `bad` message, "unexpected argument"); or EXIT_FAIL when out of
 * memory. The lists in the rows' destinations are the caller's to free
 * (cli_list_free) whatever it returns. */
int cli_parse(const cli_command *c, const cli_option *opts, int argc, char **argv);

/* Free a list's array; the strings are argv's. */
void cli_list_free(cli_list *l);

/* ---- signals, progress, ranks (common.c) ------------------------------------ */

/* Catch SIGINT and SIGTERM from now on; returns the flag they set, for a
 * configuration's `stop`. */
volatile sig_atomic_t *catch_signals(void);

/* Seconds on a monotonic clock. */
double now_seconds(void);

/* A progress line on stderr, a few times a second. */
typedef struct progress {
    double start, last;
    int shown; /* a line was drawn: progress_end clears it */
} progress;

/* Start the clock of p; unless `quiet`, on rank 0 and when stderr is a
 * terminal, *fn and *user get the callback that draws the line. */
void progress_begin(progress *p, int quiet, bc_progress_fn *fn, void **user);

/* Clear the line if one was drawn. */
void progress_end(const progress *p);

/* The command line as one string, arguments with spaces quoted; NULL when
 * out of memory (bc_free). */
char *command_line(int argc, char **argv);

/* This process's MPI rank and the number of ranks: 0 and 1 without MPI. */
int cli_rank(void);
int cli_ranks(void);
void cli_set_ranks(int rank, int ranks);

/* Rank 0's `rc`, on every rank (MPI_Bcast); `rc` itself in one process. */
int from_rank0(int rc);

/* ---- reading files we did not write (probe.c) --------------------------------
 *
 * Each reads `path` first in a child process, then, if the child read it
 * without fault, here, as the library function named; a file that crashes,
 * hangs or fails the child is refused with the child's message or
 * "PATH is damaged or not a bcsim result file: ...". */

/* bc_results_load. */
int probe_load(const char *path, bc_results_file **out, bc_error *err);

/* bc_results_read_run. */
int probe_read_run(const char *path, char **model_text, char **model_file, char ***overrides,
                   size_t *n_overrides, bc_run_config *cfg, bc_error *err);

/* bc_results_read_state; *f is cleared first, so that bc_state_file_clear
 * is right whatever happens. */
int probe_read_state(const char *path, bc_state_file *f, bc_error *err);

/* ---- the commands: argc and argv as main's, argv[1] the command ------------ */

int cmd_base(int argc, char **argv);    /* cmd_base.c */
int cmd_run(int argc, char **argv);     /* cmd_run.c */
int cmd_sobol(int argc, char **argv);   /* cmd_run.c */
int cmd_merge(int argc, char **argv);   /* cmd_merge.c */
int cmd_replay(int argc, char **argv);  /* cmd_replay.c */
int cmd_summary(int argc, char **argv); /* cmd_report.c */
int cmd_export(int argc, char **argv);  /* cmd_report.c */

#endif
