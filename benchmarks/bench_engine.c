/* bench_engine.c: throughput of the engine on a model file, against the
 * "draw-only" loop in the same process: the same blocks of runs over the
 * same threads, the same uniforms, copula and inverse CDFs, but no model
 * evaluation and no statistics. Prints one line per measurement.
 * usage: bench_engine MODEL RUNS THREADS [REPEATS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "bcsim/engine.h"
#include "bcsim/sampler.h"

/* The draw-only loop: what the engine's hot loop does before the model. */
static double draw_only(const bc_model *m, uint64_t runs, int threads, double *checksum)
{
    bc_error err;
    bc_sampler *s = NULL;
    if (bc_sampler_alloc(m, BC_SAMPLER_MC, 1, runs, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    const long nblocks = (long)((runs + BC_DEFAULT_BLOCK - 1) / BC_DEFAULT_BLOCK);
    const size_t dim = bc_model_dim(m), d = bc_sampler_dim(s);
    double *sums = calloc((size_t)nblocks, sizeof *sums);
    double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) default(none) shared(s, sums) \
    firstprivate(nblocks, runs, dim, d)
    {
        /* chunks of 64 runs, as the engine draws them */
        double *x = calloc((dim + 1) * 64, sizeof *x), *u = malloc((d + 1) * 64 * sizeof *u);
#pragma omp for schedule(dynamic, 1)
        for (long b = 0; b < nblocks; b++) {
            uint64_t r0 = (uint64_t)b * BC_DEFAULT_BLOCK;
            uint64_t r1 = r0 + BC_DEFAULT_BLOCK < runs ? r0 + BC_DEFAULT_BLOCK : runs;
            double acc = 0;
            for (uint64_t r = r0; r < r1; r += 64) {
                const size_t n = r1 - r < 64 ? (size_t)(r1 - r) : 64;
                bc_sampler_inputs_chunk(s, r, n, 64, u, x);
                acc += x[(dim - 1) * 64]; /* keep the work observable */
            }
            sums[b] = acc;
        }
        free(x);
        free(u);
    }
    double t = omp_get_wtime() - t0;
    *checksum = 0;
    for (long b = 0; b < nblocks; b++)
        *checksum += sums[b];
    free(sums);
    bc_sampler_free(s);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_engine MODEL RUNS THREADS [REPEATS]\n");
        return 2;
    }
    uint64_t runs = strtoull(argv[2], NULL, 10);
    int threads = atoi(argv[3]), reps = argc > 4 ? atoi(argv[4]) : 1;
    bc_error err;
    bc_model *m = NULL;
    if (bc_model_load_file(argv[1], &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double best_full = 1e300, best_draw = 1e300, chk = 0;
    for (int r = 0; r < reps; r++) {
        bc_run_config cfg = {.runs = runs, .seed = 1, .threads = threads};
        bc_summary *s = NULL;
        double t0 = omp_get_wtime();
        if (bc_engine_run(m, &cfg, &s, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t = omp_get_wtime() - t0;
        best_full = t < best_full ? t : best_full;
        bc_summary_free(s);
        t = draw_only(m, runs, threads, &chk);
        best_draw = t < best_draw ? t : best_draw;
    }
    printf("engine:    %d threads  %.0f runs/s  (%.3f s)\n", threads, (double)runs / best_full,
           best_full);
    printf("draw-only: %d threads  %.0f runs/s  (%.3f s)  checksum %.6g\n", threads,
           (double)runs / best_draw, best_draw, chk);
    printf("ratio:     %d threads  engine time / draw-only time = %.2f\n", threads,
           best_full / best_draw);
    bc_model_free(m);
    return 0;
}
