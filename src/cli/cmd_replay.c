/* cmd_replay.c: bcsim replay: one run of a result file recomputed from what
 * the file records, and printed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc_int.h"
#include "bcsim/model.h"
#include "bcsim/sampler.h"
#include "cli_int.h"

static const cli_command replay_cmd = {
    "replay",
    "usage: bcsim replay FILE.h5 --run I\n"
    "\n"
    "Recompute run I (0-based) of the study stored in FILE.h5 from the model text,\n"
    "overrides, seed and sampler recorded there, and print its inputs and outputs.\n",
    NULL, 11};

/* Run `run` of `path`: its inputs x and outputs e. */
static void print_run(const char *path, uint64_t run, const bc_model *m, const bc_run_config *cfg,
                      const double *x, const bc_eval *e)
{
    const size_t H = bc_model_years(m);
    const int y0 = bc_model_start_year(m);
    printf("Run %llu of %s: model %s, %llu runs, %s, seed %llu\n", (unsigned long long)run, path,
           bc_model_id(m), (unsigned long long)cfg->runs, bc_sampler_kind_name(cfg->sampler),
           (unsigned long long)cfg->seed);
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
}

/* Recompute run `run` of the study recorded as text, file, ovr and cfg. */
static int replay(const char *path, uint64_t run, const char *text, const char *file,
                  char *const *ovr, size_t novr, const bc_run_config *cfg)
{
    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    bc_sampler *smp = NULL;
    double *x = NULL, *u = NULL;
    bc_eval *e = NULL;
    int rc = EXIT_OK;
    int lrc = bc_model_load_record(text, file, ovr, novr, &m, &err);
    if (!lrc)
        lrc = bc_sampler_alloc(m, cfg->sampler, cfg->seed, cfg->runs, &smp, &err);
    if (lrc) {
        say("%s: the recorded model no longer loads: %s", path, bc_errmsg(&err));
        rc = EXIT_USAGE;
        goto done;
    }
    x = bc_malloc((bc_model_dim(m) + 1) * sizeof *x);
    u = bc_malloc((bc_sampler_dim(smp) + 1) * sizeof *u);
    e = bc_eval_alloc(m, 1);
    if (!x || !u || !e) {
        rc = EXIT_FAIL;
        goto done;
    }
    bc_sampler_inputs(smp, run, x, u);
    bc_model_eval(m, x, e);
    print_run(path, run, m, cfg, x, e);
    if (fflush(stdout) != 0)
        rc = EXIT_FAIL;
done:
    bc_free(x);
    bc_free(u);
    bc_eval_free(e);
    bc_sampler_free(smp);
    bc_model_free(m);
    return rc;
}

int cmd_replay(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t run = 0;
    int have_run = 0;
    cli_option opts[] = {
        OPT_U64(NULL, "--run", &run, "I", 0, UINT64_MAX,
                "--run: '%s' is not a run index (0, 1, ...)",
                "the run to recompute, 0 = the first"),
        OPT_ARG(&path),
        OPT_END(),
    };
    opts[0].given = &have_run;
    int rc = cli_parse(&replay_cmd, opts, argc, argv);
    if (rc != CLI_GO)
        return rc;
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
    int lrc = probe_read_run(path, &text, &file, &ovr, &novr, &cfg, &err);
    if (lrc)
        return say_failure(&err, EXIT_USAGE);
    if (run >= cfg.runs) {
        say("%s holds runs 0 to %llu; there is no run %llu", path, (unsigned long long)cfg.runs - 1,
            (unsigned long long)run);
        rc = EXIT_USAGE;
    } else {
        rc = replay(path, run, text, file, ovr, novr, &cfg);
    }
    bc_free(text);
    bc_free(file);
    for (size_t k = 0; k < novr; k++)
        bc_free(ovr[k]);
    bc_free(ovr);
    return rc;
}
