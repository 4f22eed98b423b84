/* engine.c: OpenMP over fixed-size blocks of runs; per-thread workspaces;
 * block partials merged in block order (see include/bcsim/engine.h). */
#include "bcsim/engine.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "stats_int.h"

/* Blocks computed between two ordered merges. Bounds the memory of partials;
 * does not affect results. */
#define WAVE_BLOCKS 64

typedef struct thread_ws {
    double *x, *u, *xs;
    bc_eval *e;
    bc_block_ws bw;
    bc_thread_acc acc;
    int ok;
} thread_ws;

static void ws_free(thread_ws *w, const bc_stats_shape *sh)
{
    free(w->x);
    free(w->u);
    free(w->xs);
    bc_eval_free(w->e);
    bc_block_ws_free(&w->bw);
    bc_thread_acc_free(&w->acc, sh);
}

static int ws_init(thread_ws *w, const bc_model *m, const bc_stats_shape *sh)
{
    memset(w, 0, sizeof *w);
    size_t dim = bc_model_dim(m), d = sh->nx ? sh->nx : 1;
    w->x = malloc((dim ? dim : 1) * sizeof *w->x);
    w->u = malloc(d * sizeof *w->u);
    w->xs = malloc(d * sizeof *w->xs);
    w->e = bc_eval_alloc(m, 0);
    if (!w->x || !w->u || !w->xs || !w->e || bc_block_ws_init(&w->bw, sh) ||
        bc_thread_acc_init(&w->acc, sh))
        return -1;
    w->ok = 1;
    return 0;
}

int bc_engine_run(const bc_model *m, const bc_run_config *cfg, bc_summary **out, bc_error *err)
{
    *out = NULL;
    if (cfg->runs == 0)
        return bc_error_set(err, BC_EINVAL, "the number of runs must be at least 1");
    const uint64_t N = cfg->runs, B = cfg->block ? cfg->block : BC_DEFAULT_BLOCK;
    if (B > (1u << 24))
        return bc_error_set(err, BC_EINVAL, "the block size must be at most 2^24 runs");
    int nt = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    if (nt > 1024)
        nt = 1024;

    bc_sampler *smp = NULL;
    int rc = bc_sampler_alloc(m, cfg->sampler, cfg->seed, N, &smp, err);
    if (rc)
        return rc;
    const size_t O = bc_model_n_outputs(m), H = bc_model_years(m), d = bc_sampler_dim(smp);
    bc_stats_shape sh = {.n_outputs = O, .years = H, .n_series = O * (2 + H), .nx = d,
                         .p = d + 2 * O, .block = (size_t)B};
    if (cfg->save_samples && N > SIZE_MAX / ((d > O ? d : O) * sizeof(double) + 1)) {
        bc_sampler_free(smp);
        return bc_error_set(err, BC_ENOMEM, "too many runs to keep every sample in memory");
    }

    thread_ws *ws = calloc((size_t)nt, sizeof *ws);
    bc_block_acc *parts = calloc(WAVE_BLOCKS, sizeof *parts);
    bc_block_acc total;
    int total_ok = bc_block_acc_init(&total, &sh) == 0;

    double *samp_x = NULL, *samp_y = NULL;
    int ok = ws && parts && total_ok;
    for (int t = 0; ok && t < nt; t++)
        ok = ws_init(&ws[t], m, &sh) == 0;
    for (int b = 0; ok && b < WAVE_BLOCKS; b++)
        ok = bc_block_acc_init(&parts[b], &sh) == 0;
    if (ok && cfg->save_samples) {
        samp_x = malloc((size_t)N * (d ? d : 1) * sizeof *samp_x);
        samp_y = malloc((size_t)N * O * sizeof *samp_y);
        ok = samp_x && samp_y;
    }
    if (!ok) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory setting up the run");
        goto done;
    }

    const uint64_t nblocks = (N + B - 1) / B;
    for (uint64_t w0 = 0; w0 < nblocks; w0 += WAVE_BLOCKS) {
        if (cfg->stop && *cfg->stop) {
            rc = bc_error_set(err, BC_EINTR, "interrupted");
            goto done;
        }
        const uint64_t w1 = w0 + WAVE_BLOCKS < nblocks ? w0 + WAVE_BLOCKS : nblocks;
        const long nwave = (long)(w1 - w0);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) default(none) \
    shared(ws, parts, smp, m, sh, samp_x, samp_y) firstprivate(w0, nwave, B, N, d, O)
        for (long j = 0; j < nwave; j++) {
            thread_ws *t = &ws[omp_get_thread_num()];
            bc_block_acc *part = &parts[j];
            const uint64_t r0 = (w0 + (uint64_t)j) * B;
            const uint64_t r1 = r0 + B < N ? r0 + B : N;
            bc_block_acc_reset(part, &sh);
            for (uint64_t r = r0; r < r1; r++) {
                bc_sampler_inputs(smp, r, t->x, t->u);
                for (size_t k = 0; k < d; k++)
                    t->xs[k] = t->x[bc_sampler_offset_of(smp, k)];
                bc_model_eval(m, t->x, t->e);
                bc_stats_add(&sh, &t->acc, &t->bw, t->e, t->xs, r);
                if (samp_x) {
                    memcpy(samp_x + r * d, t->xs, d * sizeof *samp_x);
                    memcpy(samp_y + r * O, t->e->avg_gain, O * sizeof *samp_y);
                }
            }
            bc_block_finish(&sh, &t->acc, part, &t->bw);
        }
        for (long j = 0; j < nwave; j++)
            bc_block_merge(&sh, &total, &parts[j]);
        if (cfg->progress)
            cfg->progress(cfg->progress_user, w1 * B < N ? w1 * B : N, N);
    }

    uint64_t nonfinite = 0, first = UINT64_MAX;
    for (int t = 0; t < nt; t++) {
        if (ws[t].acc.oom) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory growing a histogram");
            goto done;
        }
        nonfinite += ws[t].acc.nonfinite;
        if (ws[t].acc.first_nonfinite < first)
            first = ws[t].acc.first_nonfinite;
    }
    if (nonfinite) {
        rc = bc_error_set(err, BC_EINVAL,
                          "%llu of %llu runs gave a non-finite output (the first is run %llu): "
                          "the model's inputs reach values where the business case overflows",
                          (unsigned long long)nonfinite, (unsigned long long)N,
                          (unsigned long long)first);
        goto done;
    }
    {
        bc_thread_acc *accs = malloc((size_t)nt * sizeof *accs);
        if (!accs) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory");
            goto done;
        }
        for (int t = 0; t < nt; t++)
            accs[t] = ws[t].acc;
        int src = bc_stats_summarise(&sh, &total, accs, nt, N, out);
        free(accs);
        if (src) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory summarising");
            goto done;
        }
        (*out)->sample_inputs = samp_x;
        (*out)->sample_avg_gain = samp_y;
        samp_x = samp_y = NULL;
    }
done:
    if (ws)
        for (int t = 0; t < nt; t++)
            ws_free(&ws[t], &sh);
    free(ws);
    if (parts)
        for (int b = 0; b < WAVE_BLOCKS; b++)
            bc_block_acc_free(&parts[b]);
    free(parts);
    bc_block_acc_free(&total); /* safe after a failed init: it zeroes first */
    free(samp_x);
    free(samp_y);
    bc_sampler_free(smp);
    return rc;
}
