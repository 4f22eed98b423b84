/* probe.c: reading files we did not write: a child process reads first.
 *
 * HDF5 1.10 trusts the bytes of a file: a damaged or hostile file can make it
 * read out of bounds, crash or loop for ever (seen with a few bytes changed
 * in a result file's first 4 KiB). So a child process reads the file first,
 * with its output to /dev/null, and reports the outcome through a pipe. If
 * the child crashes, is killed or does not finish in time, the file is
 * refused as damaged and this process never touches it; if the read failed
 * cleanly, its message is used and the file is not touched either; only a file
 * the child read without fault is read again here. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc_int.h"
#include "cli_int.h"

/* The reads to try, as the commands do them. */
static int try_load(const char *path, bc_error *err)
{
    bc_results_file *r = NULL;
    int rc = bc_results_load(path, &r, err);
    bc_results_free(r);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        bc_free(v[k]);
    bc_free(v);
}

static int try_read_run(const char *path, bc_error *err)
{
    char *text = NULL, *file = NULL, **ovr = NULL;
    size_t novr = 0;
    bc_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = bc_results_read_run(path, &text, &file, &ovr, &novr, &cfg, err);
    bc_free(text);
    bc_free(file);
    free_strings(ovr, novr);
    return rc;
}

static int try_read_state(const char *path, bc_error *err)
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

/* The child: fn(path), its outcome written to fd; never returns. */
static _Noreturn void child(int fd, const char *path, int (*fn)(const char *, bc_error *))
{
    /* HDF5's or a sanitizer's complaints are not for the user */
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
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    _exit(0); /* no atexit handlers: HDF5 may be in any state */
}

/* Read the child's report from fd into *rep within `limit` seconds: the
 * bytes got (sizeof *rep when complete); *timed_out when the time ran out. */
static size_t read_report(int fd, probe_report *rep, double limit, int *timed_out)
{
    size_t got = 0;
    const double t0 = now_seconds();
    while (got < sizeof *rep) {
        double left = limit - (now_seconds() - t0);
        if (left <= 0) {
            *timed_out = 1;
            break;
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int n = poll(&pf, 1, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (n == 0)
            continue; /* the deadline is checked above */
        ssize_t k = read(fd, (char *)rep + got, sizeof *rep - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* the child is gone without a full report */
        got += (size_t)k;
    }
    return got;
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
        close(fd[0]);
        child(fd[1], path, fn);
    }
    close(fd[1]);
    probe_report rep;
    int timed_out = 0;
    size_t got = read_report(fd[0], &rep, limit, &timed_out);
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

int probe_load(const char *path, bc_results_file **out, bc_error *err)
{
    *out = NULL;
    int rc = probe_file(path, try_load, err);
    return rc ? rc : bc_results_load(path, out, err);
}

int probe_read_run(const char *path, char **model_text, char **model_file, char ***overrides,
                   size_t *n_overrides, bc_run_config *cfg, bc_error *err)
{
    *model_text = *model_file = NULL;
    *overrides = NULL;
    *n_overrides = 0;
    int rc = probe_file(path, try_read_run, err);
    return rc ? rc
              : bc_results_read_run(path, model_text, model_file, overrides, n_overrides, cfg, err);
}

int probe_read_state(const char *path, bc_state_file *f, bc_error *err)
{
    memset(f, 0, sizeof *f);
    int rc = probe_file(path, try_read_state, err);
    return rc ? rc : bc_results_read_state(path, f, err);
}
