/* common.c: what every bcsim command uses: messages and exit statuses, the
 * option-table parser and the --help it prints, signals, progress, ranks. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc_int.h"
#include "cli_int.h"

#ifdef BCSIM_MPI
#include "mpi_int.h"
#endif

/* ---- messages --------------------------------------------------------------- */

void put_escaped(const char *s)
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

void say(const char *fmt, ...)
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

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    char buf[BC_ERRMSG_SIZE];
    fprintf(stderr, "bcsim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    snprintf(buf, sizeof buf, fmt, arg);
    put_escaped(buf);
    fprintf(stderr, "\nTry 'bcsim %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

int input_status(int rc)
{
    return rc == BC_ENOMEM || rc == BC_EINTERNAL ? EXIT_FAIL : EXIT_USAGE;
}

int output_status(int rc)
{
    return rc == BC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

int say_failure(const bc_error *err, int status)
{
    say("%s", bc_errmsg(err));
    return status;
}

int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
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

/* ---- the option parser -------------------------------------------------------- */

void cli_list_free(cli_list *l)
{
    bc_free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Append s to l, which has room for `cap` strings once allocated. */
static int list_add(cli_list *l, const char *s, int cap)
{
    if (!l->v && !(l->v = bc_calloc((size_t)cap + 1, sizeof *l->v)))
        return EXIT_FAIL;
    l->v[l->n++] = s;
    return CLI_GO;
}

/* The row of option `a`, or NULL. */
static const cli_option *find_option(const cli_option *opts, const char *a)
{
    for (const cli_option *o = opts; o->kind != CLI_END; o++)
        if ((o->shortname && !strcmp(a, o->shortname)) || (o->longname && !strcmp(a, o->longname)))
            return o;
    return NULL;
}

/* The row that takes arguments that are not options, or NULL. */
static const cli_option *find_positional(const cli_option *opts)
{
    for (const cli_option *o = opts; o->kind != CLI_END; o++)
        if (o->kind == CLI_ARG || o->kind == CLI_ARGS)
            return o;
    return NULL;
}

/* Store value v (NULL for a flag) of row o: CLI_GO, or an exit status after
 * a usage message. `cap` bounds the length of a list. */
static int take(const cli_command *c, const cli_option *o, const char *v, int cap)
{
    uint64_t u = 0;
    double x = 0;
    char *end = NULL;
    int bad = 0;
    switch (o->kind) {
    case CLI_FLAG:
        *(int *)o->dest = 1;
        break;
    case CLI_STRING:
        bad = o->nonempty && !*v;
        if (!bad)
            *(const char **)o->dest = v;
        break;
    case CLI_U64:
    case CLI_INT:
        bad = parse_u64(v, o->lo, o->hi, &u) != 0;
        if (!bad && o->kind == CLI_U64)
            *(uint64_t *)o->dest = u;
        else if (!bad)
            *(int *)o->dest = (int)u;
        break;
    case CLI_DOUBLE:
        x = strtod(v, &end);
        bad = !end || *end || !(o->open ? x > o->min && x < o->max : x >= o->min && x <= o->max);
        if (!bad)
            *(double *)o->dest = x;
        break;
    case CLI_CALL:
        bad = o->parse(v, o->dest) != 0;
        break;
    case CLI_LIST:
    case CLI_ARGS:
        if (list_add(o->dest, v, cap) != CLI_GO)
            return EXIT_FAIL;
        break;
    case CLI_ARG:
        if (*(const char **)o->dest)
            return usage_error(c->name, "unexpected argument '%s'", v);
        *(const char **)o->dest = v;
        break;
    case CLI_END:
        break;
    }
    if (bad)
        return usage_error(c->name, o->bad, v);
    if (o->given)
        *o->given = 1;
    return CLI_GO;
}

/* One row of the option list: `left` in a column of `width`, then `help`,
 * its continuation lines under its first. */
static void help_row(int width, const char *left, const char *help)
{
    const char *nl = strchr(help, '\n');
    printf("  %-*s  %.*s\n", width, left, (int)(nl ? (size_t)(nl - help) : strlen(help)), help);
    while (nl) {
        help = nl + 1;
        nl = strchr(help, '\n');
        printf("  %*s  %.*s\n", width, "", (int)(nl ? (size_t)(nl - help) : strlen(help)), help);
    }
}

static void print_help(const cli_command *c, const cli_option *opts)
{
    fputs(c->usage, stdout);
    fputs("\nOptions:\n", stdout);
    for (const cli_option *o = opts; o->kind != CLI_END; o++) {
        if (o->kind == CLI_ARG || o->kind == CLI_ARGS)
            continue;
        char left[80];
        snprintf(left, sizeof left, "%s%s%s%s%s", o->shortname ? o->shortname : "",
                 o->shortname && o->longname ? ", " : "", o->longname ? o->longname : "",
                 o->arg ? " " : "", o->arg ? o->arg : "");
        help_row(c->width, left, o->help);
    }
    help_row(c->width, "-h, --help", "show this help");
    if (c->epilogue)
        fputs(c->epilogue, stdout);
}

int cli_parse(const cli_command *c, const cli_option *opts, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = a;
        const cli_option *o;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help(c, opts);
            return EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            if (!(o = find_option(opts, a)))
                return usage_error(c->name, "unknown option '%s'", a);
            if (o->kind != CLI_FLAG && i + 1 >= argc)
                return usage_error(c->name, "option '%s' needs a value", a);
            v = o->kind != CLI_FLAG ? argv[++i] : NULL;
        } else if (!(o = find_positional(opts))) {
            return usage_error(c->name, "unexpected argument '%s'", a);
        }
        int rc = take(c, o, v, argc);
        if (rc != CLI_GO)
            return rc;
    }
    return CLI_GO;
}

/* ---- signals, progress, ranks ---------------------------------------------------- */

static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

volatile sig_atomic_t *catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &stop_flag;
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void show_progress(void *user, uint64_t done, uint64_t total)
{
    progress *p = user;
    double t = now_seconds();
    if (done < total && t - p->last < 0.25)
        return;
    p->last = t;
    double el = t - p->start, rate = el > 0 ? (double)done / el : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r  %llu / %llu runs  %.2f M runs/s  %.0f s left   ", (unsigned long long)done,
            (unsigned long long)total, rate / 1e6, left);
    p->shown = 1;
}

void progress_begin(progress *p, int quiet, bc_progress_fn *fn, void **user)
{
    *p = (progress){.start = now_seconds()};
    if (!quiet && cli_rank() == 0 && isatty(STDERR_FILENO)) {
        *fn = show_progress;
        *user = p;
    }
}

void progress_end(const progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
}

char *command_line(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = bc_malloc(n), *p = s;
    if (!s)
        return NULL;
    *s = '\0';
    for (int i = 0; i < argc; i++) {
        int q = strpbrk(argv[i], " \t'\"") != NULL;
        p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "'" : "", argv[i], q ? "'" : "");
    }
    return s;
}

static int this_rank = 0, n_ranks = 1;

int cli_rank(void)
{
    return this_rank;
}

int cli_ranks(void)
{
    return n_ranks;
}

void cli_set_ranks(int rank, int ranks)
{
    this_rank = rank;
    n_ranks = ranks;
}

int from_rank0(int rc)
{
#ifdef BCSIM_MPI
    if (n_ranks > 1)
        return bc_mpi_from_rank0(rc);
#endif
    return rc;
}
