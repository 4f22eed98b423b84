/* fuzz_model.c: libFuzzer target for the model-file parser. The input is a
 * model file; when it loads, the base case is evaluated and a tiny study run,
 * so that the sampler meets whatever distributions the parser let through.
 * Build with -DBCSIM_FUZZ=ON (docs/reliability.md, "Fuzzing"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/engine.h"
#include "bcsim/model.h"
#include "bcsim/stats.h"

#define FILE_NAME "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the API: stop here, so libFuzzer keeps the input. */
static void require(int cond)
{
    if (!cond)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bc_model *m = NULL;
    bc_error err;
    bc_error_clear(&err);
    int rc = bc_model_load_string((const char *)data, size, FILE_NAME, &m, &err);
    if (rc) {
        /* a refusal is a bad model (with its place) or out of memory, and
         * leaves nothing behind */
        require(m == NULL);
        require(rc == BC_EINVAL || rc == BC_ENOMEM);
        require(err.code == rc && err.msg[0] != '\0');
        require(rc != BC_EINVAL || strncmp(err.msg, FILE_NAME ":", sizeof FILE_NAME) == 0);
        return 0;
    }
    require(m != NULL);

    /* the base case */
    size_t dim = bc_model_dim(m);
    double *x = malloc((dim ? dim : 1) * sizeof *x);
    bc_eval *e = bc_eval_alloc(m, 1);
    if (x && e) {
        bc_model_base_inputs(m, x);
        bc_model_eval(m, x, e);
    }
    free(x);
    bc_eval_free(e);

    /* a tiny study on one thread, in one block (the default size): the
     * target is the parser and the sampler, not the merging of blocks, whose
     * histograms are slow to coarsen under instrumentation when a model's
     * gains span hundreds of orders of magnitude. The input's length picks
     * the sampler. */
    bc_run_config cfg = {.runs = 64,
                         .seed = 1,
                         .threads = 1,
                         .sampler = (size & 1) ? BC_SAMPLER_LHS : BC_SAMPLER_MC};
    bc_summary *s = NULL;
    rc = bc_engine_run(m, &cfg, &s, &err);
    require(rc == BC_OK ? s != NULL : s == NULL);
    bc_summary_free(s);
    bc_model_free(m);
    return 0;
}
