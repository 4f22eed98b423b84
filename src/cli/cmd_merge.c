/* cmd_merge.c: bcsim merge: the shards of a run (bcsim run --shard I/N)
 * joined into the result file of the run in one piece (bc_merge_shards). */
#include <stdio.h>

#include "alloc_int.h"
#include "bcsim/merge.h"
#include "bcsim/results.h"
#include "cli_int.h"

static const cli_command merge_cmd = {
    "merge",
    "usage: bcsim merge SHARD.h5 ... -o FILE.h5 [--force] [--quiet]\n"
    "\n"
    "Join the shards of a run made with bcsim run ... --shard I/N (one per I, in\n"
    "any order) into the result file the run in one piece would have written, bit\n"
    "for bit. Shards of different models, overrides, seeds, run counts, samplers,\n"
    "block sizes or bcsim versions, and missing or repeated shards, are refused.\n",
    NULL, 17};

/* Read the shards and join them; an exit status after a message. */
static int merge(const cli_list *files, const char *out, int force, int quiet, int argc,
                 char **argv)
{
    bc_error err;
    bc_error_clear(&err);
    const size_t nf = files->n;
    bc_state_file *sf = bc_calloc(nf, sizeof *sf);
    bc_model *m = NULL;
    bc_summary *sum = NULL;
    bc_run_analysis *ana = NULL;
    char *cmdline = NULL;
    int lrc = sf ? bc_results_check_path(out, force, &err) : BC_ENOMEM;
    for (size_t k = 0; !lrc && k < nf; k++) {
        lrc = probe_read_state(files->v[k], &sf[k], &err);
        if (!lrc)
            lrc = bc_merge_check_kind(&sf[k], files->v[k], "shard", &err);
    }
    if (!lrc)
        lrc = bc_merge_shards(sf, files->v, nf, &m, &sum, &err);
    int rc = EXIT_OK, writing = 0;
    if (!lrc) {
        cmdline = command_line(argc, argv);
        writing = 1;
        lrc = bc_run_analyse(m, sum, &ana, &err);
        if (!lrc)
            lrc = bc_results_write(out, force, m, &sf[0].cfg, sum, ana, cmdline ? cmdline : "",
                                   &err);
    }
    if (lrc) {
        /* bad shards are bad input (2); a disk that fails the write is not */
        rc = say_failure(&err, writing && lrc != BC_EINVAL ? EXIT_FAIL : input_status(lrc));
    } else if (!quiet) {
        printf("merged %zu shards of %s: %llu runs, seed %llu. Written to %s\n", nf, bc_model_id(m),
               (unsigned long long)sf[0].cfg.runs, (unsigned long long)sf[0].cfg.seed, out);
    }
    for (size_t k = 0; sf && k < nf; k++)
        bc_state_file_clear(&sf[k]);
    bc_free(sf);
    bc_free(cmdline);
    bc_run_analysis_free(ana);
    bc_summary_free(sum);
    bc_model_free(m);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    cli_list files = {0};
    const char *out = NULL;
    int force = 0, quiet = 0;
    const cli_option opts[] = {
        OPT_STRING("-o", "--output", &out, "FILE", "the result file to write"),
        OPT_FLAG(NULL, "--force", &force, "replace an existing result file"),
        OPT_FLAG(NULL, "--quiet", &quiet, "no line saying what was written"),
        OPT_ARGS(&files),
        OPT_END(),
    };
    int rc = cli_parse(&merge_cmd, opts, argc, argv);
    if (rc == CLI_GO && (!files.n || !out))
        rc = usage_error("merge", "%s", files.n ? "missing -o FILE.h5" : "missing the shard files");
    if (rc == CLI_GO)
        rc = merge(&files, out, force, quiet, argc, argv);
    cli_list_free(&files);
    return rc;
}
