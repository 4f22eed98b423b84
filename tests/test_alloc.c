/* test_alloc.c: every allocation a library call makes can fail: for each call
 * in the table, count its allocations, then make the k-th fail (once, and
 * from then on) for every k, and check a clean BC_ENOMEM, outputs NULL and,
 * in the sanitizer build, nothing leaked. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, lstat, setenv */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bcsim/alloc.h"
#include "bcsim/engine.h"
#include "bcsim/merge.h"
#include "bcsim/results.h"
#include "bcsim/sampler.h"
#include "bcsim/sensitivity.h"
#include "check.h"
#include "load.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* Every distribution kind, unemployment shocks, savings lines of each kind
 * and a copula (tests/same_bits.sh's kinds.yaml). */
static const char kinds_yaml[] =
    "model: kinds\n"
    "horizon: {start_year: 2026, years: 6}\n"
    "discount_rate: 0.035\n"
    "unemployment:\n"
    "  drift: {dist: normal, mean: 0.02, sd: 0.03, min: -0.1, max: 0.2}\n"
    "  volatility: 0.08\n"
    "proposals:\n"
    "  - id: a\n"
    "    investment: {dist: gamma, mean: 2, sd: 0.3}\n"
    "    participants: 200\n"
    "    effect: {dist: pert, min: -0.05, mode: 0.1, max: 0.3}\n"
    "    elasticity: {dist: uniform, min: -1, max: 1}\n"
    "    start: {dist: triangular, min: 0, mode: 0.2, max: 0.8}\n"
    "    duration: {dist: lognormal, mean: 1.1, sd: 0.4}\n"
    "    unit_cost: {dist: beta, mean: 150000, sd: 20000, min: 100000, max: 200000}\n"
    "    savings:\n"
    "      - {name: f, per: fte, amount: {dist: uniform, min: 0, max: 20000}}\n"
    "      - {name: x, per: exit, amount: {dist: discrete, values: [5000, 10000, 20000], "
    "weights: [1, 2, 1]}}\n"
    "      - {name: y, per: year, amount: {dist: normal, mean: 0.2, sd: 0.1}}\n"
    "  - id: b\n"
    "    investment: 3\n"
    "    participants: 80\n"
    "    effect: {dist: pert, min: 0.2, mode: 0.5, max: 0.9, lambda: 6}\n"
    "    elasticity: {dist: normal, mean: 0.3, sd: 0.5}\n"
    "    start: 0\n"
    "    duration: {dist: triangular, min: 0.5, mode: 1, max: 2}\n"
    "    unit_cost: {dist: triangular, min: 60000, mode: 90000, max: 130000}\n"
    "correlations:\n"
    "  - [a.effect, a.duration, 0.4]\n"
    "  - [b.effect, b.elasticity, -0.3]\n"
    "  - [a.unit_cost, b.unit_cost, 0.5]\n";

/* The same without the kinds whose quantiles come from tables (gamma, beta,
 * PERT): those tables are made with every sampler and take most of a small
 * run's time, and each allocation's failure repeats the whole call, so the
 * cases that run use this model; "sampler, every kind" covers the tables. */
static const char light_yaml[] =
    "model: light\n"
    "horizon: {start_year: 2026, years: 3}\n"
    "discount_rate: 0.035\n"
    "unemployment:\n"
    "  drift: {dist: normal, mean: 0.02, sd: 0.03, min: -0.1, max: 0.2}\n"
    "  volatility: 0.08\n"
    "proposals:\n"
    "  - id: a\n"
    "    investment: {dist: lognormal, mean: 2, sd: 0.3}\n"
    "    participants: 200\n"
    "    effect: {dist: triangular, min: -0.05, mode: 0.1, max: 0.3}\n"
    "    elasticity: {dist: uniform, min: -1, max: 1}\n"
    "    start: {dist: triangular, min: 0, mode: 0.2, max: 0.8}\n"
    "    duration: {dist: lognormal, mean: 1.1, sd: 0.4}\n"
    "    unit_cost: {dist: uniform, min: 100000, max: 200000}\n"
    "    savings:\n"
    "      - {name: f, per: fte, amount: {dist: uniform, min: 0, max: 20000}}\n"
    "      - {name: x, per: exit, amount: {dist: discrete, values: [5000, 10000, 20000], "
    "weights: [1, 2, 1]}}\n"
    "      - {name: y, per: year, amount: {dist: normal, mean: 0.2, sd: 0.1}}\n"
    "  - id: b\n"
    "    investment: 3\n"
    "    participants: 80\n"
    "    effect: {dist: triangular, min: 0.2, mode: 0.5, max: 0.9}\n"
    "    elasticity: {dist: normal, mean: 0.3, sd: 0.5}\n"
    "    start: 0\n"
    "    duration: {dist: triangular, min: 0.5, mode: 1, max: 2}\n"
    "    unit_cost: {dist: triangular, min: 60000, mode: 90000, max: 130000}\n"
    "correlations:\n"
    "  - [a.effect, a.duration, 0.4]\n"
    "  - [b.effect, b.elasticity, -0.3]\n"
    "  - [a.unit_cost, b.unit_cost, 0.5]\n";

/* What a case's calls share: made by setup (allocations not counted), used
 * by call, released by teardown. */
typedef struct fixture {
    bc_model *model;
    bc_summary *summary;  /* the regression's input */
    double *src, *r2;
    bc_run_analysis *analysis;
} fixture;

/* A fresh folder for the files the write and export cases make. */
static char tmpdir[] = "/tmp/bcsim-test-alloc-XXXXXX";
static char h5path[sizeof tmpdir + 16], csvdir[sizeof tmpdir + 16];

/* Whether `path` exists; for "no output on failure". */
static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* One call under test. call returns its status; on failure it checks that the
 * outputs are NULL (as the headers promise), on success it frees them. */
typedef struct alloc_case {
    const char *name;
    int (*setup)(fixture *f);
    int (*call)(fixture *f);
    void (*teardown)(fixture *f);
} alloc_case;

/* ---- set-ups and tear-downs ---- */

static int setup_kinds(fixture *f)
{
    f->model = load(kinds_yaml);
    return f->model ? BC_OK : BC_EINVAL;
}

static int setup_light(fixture *f)
{
    f->model = load(light_yaml);
    return f->model ? BC_OK : BC_EINVAL;
}

static void teardown(fixture *f)
{
    bc_model_free(f->model);
    bc_summary_free(f->summary);
    free(f->src);
    free(f->r2);
    bc_run_analysis_free(f->analysis);
    memset(f, 0, sizeof *f);
}

static bc_run_config small_run(bc_sampler_kind kind, int save)
{
    /* 200 runs in blocks of 1: 4 segments (BC_SEGMENT_BLOCKS = 64), few
     * runs, as each allocation's failure repeats the whole call */
    bc_run_config cfg = {.runs = 200, .seed = 5, .threads = 1, .sampler = kind, .block = 1,
                         .save_samples = save};
    return cfg;
}

static int setup_regression(fixture *f)
{
    int rc = setup_light(f);
    if (rc)
        return rc;
    bc_run_config cfg = small_run(BC_SAMPLER_MC, 0);
    if ((rc = bc_engine_run(f->model, &cfg, &f->summary, NULL)))
        return rc;
    f->src = malloc(f->summary->n_reg_x * f->summary->n_reg_y * sizeof *f->src);
    f->r2 = malloc(f->summary->n_reg_y * sizeof *f->r2);
    return f->src && f->r2 ? BC_OK : BC_ENOMEM;
}

static int setup_analysed(fixture *f)
{
    int rc = setup_regression(f);
    return rc ? rc : bc_run_analyse(f->model, f->summary, &f->analysis, NULL);
}

/* ---- calls ---- */

static int call_load_default(fixture *f)
{
    (void)f;
    bc_model *m = (bc_model *)1;
    int rc = bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, NULL);
    if (rc)
        CHECK(m == NULL);
    bc_model_free(rc ? NULL : m);
    return rc;
}

static int call_load_kinds(fixture *f)
{
    (void)f;
    bc_model *m = (bc_model *)1;
    int rc = bc_model_load_string(kinds_yaml, strlen(kinds_yaml), "kinds.yaml", &m, NULL);
    if (rc)
        CHECK(m == NULL);
    bc_model_free(rc ? NULL : m);
    return rc;
}

static int call_builtin(fixture *f)
{
    (void)f;
    bc_model *m = (bc_model *)1;
    int rc = bc_model_builtin("sobol-g", &m, NULL);
    if (rc)
        CHECK(m == NULL);
    bc_model_free(rc ? NULL : m);
    return rc;
}

/* An override; on failure the model is as it was. */
static int call_set(fixture *f)
{
    long i = bc_model_find_input(f->model, "a.effect");
    bc_dist before = bc_model_input(f->model, (size_t)i)->dist;
    int rc = bc_model_set(f->model, "a.effect=pert:0,0.1,0.2", NULL);
    if (rc) {
        CHECK_INT(bc_model_n_overrides(f->model), 0);
        CHECK(!memcmp(&bc_model_input(f->model, (size_t)i)->dist, &before, sizeof before));
    }
    return rc;
}

/* The same with a discrete distribution, whose tables are allocated. */
static int call_set_discrete(fixture *f)
{
    int rc = bc_model_set(f->model, "b.investment=discrete:1/1,2/1,3/2", NULL);
    if (rc)
        CHECK_INT(bc_model_n_overrides(f->model), 0);
    return rc;
}

/* A sampler of every distribution kind, with its quantile tables. */
static int call_sampler(fixture *f)
{
    bc_sampler *s = (bc_sampler *)1;
    int rc = bc_sampler_alloc(f->model, BC_SAMPLER_LHS, 3, 100, &s, NULL);
    if (rc)
        CHECK(s == NULL);
    bc_sampler_free(rc ? NULL : s);
    return rc;
}

static int run_with(fixture *f, bc_run_config cfg)
{
    bc_summary *s = (bc_summary *)1;
    int rc = bc_engine_run(f->model, &cfg, &s, NULL);
    if (rc)
        CHECK(s == NULL);
    bc_summary_free(rc ? NULL : s);
    return rc;
}

static int call_run_mc(fixture *f)
{
    return run_with(f, small_run(BC_SAMPLER_MC, 1));
}

static int call_run_lhs(fixture *f)
{
    return run_with(f, small_run(BC_SAMPLER_LHS, 1));
}

/* An output spread over 10^7 mDKK, so that a run of 1024 runs has quantile
 * windows: a scout, which is its pilot too, and windows in a thread. */
static int setup_wide(fixture *f)
{
    int rc = setup_light(f);
    return rc ? rc : bc_model_set(f->model, "b.investment=uniform:0,1e7", NULL);
}

static int call_run_windows(fixture *f)
{
    bc_run_config cfg = {.runs = 1024, .seed = 5, .threads = 1, .block = 256};
    bc_summary *s = (bc_summary *)1;
    int rc = bc_engine_run(f->model, &cfg, &s, NULL);
    if (rc)
        CHECK(s == NULL);
    else
        CHECK(s->quantile_resolution > 0x1p-11); /* from windows wider than 2^-10 */
    bc_summary_free(rc ? NULL : s);
    return rc;
}

/* A state packed after its first segment and unpacked, as --resume does,
 * then advanced to the end. */
static int call_resume(fixture *f)
{
    bc_run_config cfg = small_run(BC_SAMPLER_MC, 1);
    bc_run_state *a = NULL, *b = (bc_run_state *)1;
    bc_summary *s = (bc_summary *)1;
    void *buf = (void *)1;
    size_t len = 0;
    int rc = bc_run_state_alloc(f->model, &cfg, 0, 0, &a, NULL);
    if (rc) {
        CHECK(a == NULL);
        return rc;
    }
    if (!(rc = bc_engine_advance(f->model, &cfg, a, 1, NULL)) &&
        (rc = bc_run_state_pack(a, &buf, &len, NULL)))
        CHECK(buf == NULL);
    bc_run_state_free(a);
    if (rc)
        return rc;
    rc = bc_run_state_unpack(f->model, &cfg, buf, len, &b, NULL);
    free(buf);
    if (rc) {
        CHECK(b == NULL);
        return rc;
    }
    if (!(rc = bc_engine_advance(f->model, &cfg, b, bc_engine_n_segments(&cfg), NULL)) &&
        (rc = bc_engine_finish(b, &s, NULL)))
        CHECK(s == NULL);
    bc_run_state_free(b);
    bc_summary_free(rc ? NULL : s);
    return rc;
}

/* Two shards computed and packed, then unpacked and joined in order by
 * bc_merge_append, as bcsim merge and MPI ranks do. */
static int shard_bytes(const bc_model *m, const bc_run_config *cfg, uint64_t first,
                       uint64_t end, void **buf, size_t *len)
{
    bc_run_state *s = NULL;
    int rc = bc_run_state_alloc(m, cfg, first, 1, &s, NULL);
    if (rc) {
        CHECK(s == NULL);
        return rc;
    }
    if (!(rc = bc_engine_advance(m, cfg, s, end, NULL)) &&
        (rc = bc_run_state_pack(s, buf, len, NULL)))
        CHECK(*buf == NULL);
    bc_run_state_free(s);
    return rc;
}

static int call_merge(fixture *f)
{
    bc_run_config cfg = small_run(BC_SAMPLER_MC, 0);
    const uint64_t all = bc_engine_n_segments(&cfg), half = all / 2;
    void *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    bc_run_state *whole = NULL;
    bc_summary *s = (bc_summary *)1;
    int rc = shard_bytes(f->model, &cfg, 0, half, &a, &na);
    if (!rc)
        rc = shard_bytes(f->model, &cfg, half, all, &b, &nb);
    if (!rc)
        rc = bc_merge_append(f->model, &cfg, a, na, &whole, NULL);
    if (!rc)
        rc = bc_merge_append(f->model, &cfg, b, nb, &whole, NULL);
    if (!rc && (rc = bc_engine_finish(whole, &s, NULL)))
        CHECK(s == NULL);
    free(a);
    free(b);
    bc_run_state_free(whole);
    bc_summary_free(rc ? NULL : s);
    return rc;
}

static int call_sobol(fixture *f)
{
    bc_sobol_config cfg = {.n = 64, .seed = 9, .threads = 1, .replicates = 4, .level = 0.9,
                           .block = 16};
    bc_sobol_result *r = (bc_sobol_result *)1;
    int rc = bc_sobol_run(f->model, &cfg, &r, NULL);
    if (rc)
        CHECK(r == NULL);
    bc_sobol_result_free(rc ? NULL : r);
    return rc;
}

static int call_tornado(fixture *f)
{
    bc_tornado *t = (bc_tornado *)1;
    int rc = bc_tornado_compute(f->model, 0.1, 0.9, &t, NULL);
    if (rc)
        CHECK(t == NULL);
    bc_tornado_free(rc ? NULL : t);
    return rc;
}

static int call_regression(fixture *f)
{
    return bc_regression_compute(f->summary, f->src, f->r2, NULL);
}

/* What the CLI computes before writing a run's file: regression and tornado. */
static int call_analyse(fixture *f)
{
    bc_run_analysis *a = (bc_run_analysis *)1;
    int rc = bc_run_analyse(f->model, f->summary, &a, NULL);
    if (rc)
        CHECK(a == NULL);
    bc_run_analysis_free(rc ? NULL : a);
    return rc;
}

/* The run's result file; on failure, no file and no temporary beside it. */
static int call_write(fixture *f)
{
    bc_run_config cfg = small_run(BC_SAMPLER_MC, 0);
    remove(h5path);
    int rc = bc_results_write(h5path, 1, f->model, &cfg, f->summary, f->analysis,
                              "bcsim run light.yaml", NULL);
    if (rc) {
        CHECK(!exists(h5path));
        DIR *d = opendir(tmpdir);
        for (struct dirent *e; d && (e = readdir(d));)
            if (strstr(e->d_name, ".tmp."))
                CHECK(!"a temporary file was left behind");
        if (d)
            closedir(d);
    }
    return rc;
}

/* The result file, written once for the export case. */
static int setup_export(fixture *f)
{
    if (exists(h5path))
        return BC_OK;
    int rc = setup_analysed(f);
    bc_run_config cfg = small_run(BC_SAMPLER_MC, 0);
    if (!rc)
        rc = bc_results_write(h5path, 1, f->model, &cfg, f->summary, f->analysis,
                              "bcsim run light.yaml", NULL);
    teardown(f);
    return rc;
}

/* The result file loaded and exported as CSV files; on failure the folder,
 * which the call makes, is not there. */
static int call_export(fixture *f)
{
    (void)f;
    bc_results_file *r = (bc_results_file *)1;
    int rc = bc_results_load(h5path, &r, NULL);
    if (rc) {
        CHECK(r == NULL);
        return rc;
    }
    rc = bc_results_export_csv(r, csvdir, 1, NULL, NULL);
    bc_results_free(r);
    if (rc)
        CHECK(!exists(csvdir));
    else
        CHECK(system("rm -rf -- \"$BCSIM_ALLOC_CSV\"") == 0);
    return rc;
}

static const alloc_case cases[] = {
    {"load aarhus-2026.yaml", NULL, call_load_default, NULL},
    {"load kinds.yaml", NULL, call_load_kinds, NULL},
    {"built-in sobol-g", NULL, call_builtin, NULL},
    {"--set a.effect", setup_kinds, call_set, teardown},
    {"--set b.investment discrete", setup_kinds, call_set_discrete, teardown},
    {"sampler, every kind", setup_kinds, call_sampler, teardown},
    {"run, saved samples", setup_light, call_run_mc, teardown},
    {"run, LHS, saved samples", setup_light, call_run_lhs, teardown},
    {"run with quantile windows", setup_wide, call_run_windows, teardown},
    {"run state resumed", setup_light, call_resume, teardown},
    {"run states merged", setup_light, call_merge, teardown},
    {"Sobol' study, 4 replicates", setup_light, call_sobol, teardown},
    {"tornado", setup_light, call_tornado, teardown},
    {"regression", setup_regression, call_regression, teardown},
    {"run analysed", setup_regression, call_analyse, teardown},
    {"result file written", setup_analysed, call_write, teardown},
    {"result file loaded, CSV export", setup_export, call_export, NULL},
};

/* The case's call with allocation k failing (k = 0: none); the number of
 * allocations attempted and failed in *count and *failed. */
static int attempt(const alloc_case *c, uint64_t k, int persistent, uint64_t *count,
                   uint64_t *failed)
{
    fixture f = {0};
    if (c->setup && c->setup(&f)) {
        fprintf(stderr, "%s: set-up failed\n", c->name);
        exit(1);
    }
    bc_alloc_fail_at(k, persistent);
    int rc = c->call(&f);
    *count = bc_alloc_count();
    *failed = bc_alloc_failures();
    bc_alloc_fail_at(0, 0);
    if (c->teardown)
        c->teardown(&f);
    return rc;
}

/* Walk k over every allocation of the case; returns how many were survived
 * (a fallback: the call succeeded although the allocation failed). */
static void walk(const alloc_case *c)
{
    uint64_t n, failed, fallbacks = 0;
    int rc = attempt(c, 0, 0, &n, &failed);
    CHECK_INT(rc, BC_OK);
    for (uint64_t k = 1; k <= n; k++) {
        for (int persistent = 0; persistent <= 1; persistent++) {
            uint64_t count;
            rc = attempt(c, k, persistent, &count, &failed);
            if (failed == 0) {
                fprintf(stderr, "%s: k = %llu: fewer allocations than the first call's %llu\n",
                        c->name, (unsigned long long)k, (unsigned long long)n);
                check_failed++;
            } else if (rc == BC_OK) {
                fallbacks++;
            } else if (rc != BC_ENOMEM) {
                fprintf(stderr, "%s: k = %llu%s: status %d, not BC_ENOMEM\n", c->name,
                        (unsigned long long)k, persistent ? " (persistent)" : "", rc);
                check_failed++;
            } else {
                check_passed++;
            }
        }
    }
    printf("%-30s %6llu allocations, %llu survived by a fallback\n", c->name,
           (unsigned long long)n, (unsigned long long)fallbacks);
    fflush(stdout);
    CHECK_INT(fallbacks, 0);
#ifdef HAVE_LSAN
    if (__lsan_do_recoverable_leak_check()) {
        fprintf(stderr, "%s: leaks (above)\n", c->name);
        check_failed++;
    }
#endif
}

int main(int argc, char **argv)
{
    if (!mkdtemp(tmpdir)) {
        perror(tmpdir);
        return 1;
    }
    snprintf(h5path, sizeof h5path, "%s/run.h5", tmpdir);
    snprintf(csvdir, sizeof csvdir, "%s/csv", tmpdir);
    setenv("BCSIM_ALLOC_CSV", csvdir, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (argc < 2 || strstr(cases[i].name, argv[1]))
            walk(&cases[i]);
    remove(h5path);
    rmdir(tmpdir);
    return check_finish();
}
