/* bench_quantile.c: the cost of one value of each quantile function the
 * sampler uses (src/quantile.c, 64 values at a time as the engine calls
 * them), beside GSL's function for the same value and beside Philox's cost
 * per uniform, on one thread. Prints one line per function: nanoseconds a
 * value, and the ratios to GSL and to Philox; then, for each kind with a
 * table, the time to build it (once a study, at start-up).
 * usage: bench_quantile [VALUES] (default 2^24 values per function) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>
#include <gsl/gsl_cdf.h>
#include <omp.h>

#include "bcsim/model.h"
#include "bcsim/sampler.h"
#include "model_int.h"
#include "quantile_int.h"

enum { CHUNK = 64 };

static volatile double sink; /* keeps every result observable */

/* u[i]: uniforms in (0, 1) from Philox, as the sampler makes them. */
static void fill_uniforms(double *u, size_t n)
{
    philox4x64_key_t key = {{1, 0}};
    for (size_t i = 0; i < n; i += 4) {
        philox4x64_ctr_t c = {{i, 0, 0, 0}};
        philox4x64_ctr_t r = philox4x64(c, key);
        for (size_t j = 0; j < 4 && i + j < n; j++)
            u[i + j] = ((double)(int64_t)(r.v[j] >> 12) + 0.5) * 0x1p-52;
    }
}

/* Philox itself: ns per uniform (one call gives four). */
static double time_philox(size_t n)
{
    philox4x64_key_t key = {{7, 0}};
    double acc = 0, t0 = omp_get_wtime();
    for (size_t i = 0; i < n; i += 4) {
        philox4x64_ctr_t c = {{i, 3, 0, 0}};
        philox4x64_ctr_t r = philox4x64(c, key);
        for (int j = 0; j < 4; j++)
            acc += ((double)(int64_t)(r.v[j] >> 12) + 0.5) * 0x1p-52;
    }
    double t = omp_get_wtime() - t0;
    sink = acc;
    return t * 1e9 / (double)n;
}

/* The vectorised function over u in chunks of 64: ns per value. */
static double time_vector(const bc_dist *d, const bc_qtable *t, const double *u, size_t n,
                          int cdf)
{
    double x[CHUNK], acc = 0, t0 = omp_get_wtime();
    for (size_t i = 0; i < n; i += CHUNK) {
        if (cdf)
            bc_normal_cdfs_clamped(u + i, x, CHUNK);
        else if (d)
            bc_quantiles(d, t, u + i, x, CHUNK);
        else
            bc_normal_quantiles(u + i, x, CHUNK);
        acc += x[i % CHUNK];
    }
    double s = omp_get_wtime() - t0;
    sink = acc;
    return s * 1e9 / (double)n;
}

/* GSL's function for the same values: ns per value. */
static double time_gsl(const bc_dist *d, const double *u, size_t n, int cdf)
{
    double acc = 0, t0 = omp_get_wtime();
    for (size_t i = 0; i < n; i++)
        acc += cdf ? gsl_cdf_ugaussian_P(u[i]) : d ? bc_dist_quantile(d, u[i])
                                                   : gsl_cdf_ugaussian_Pinv(u[i]);
    double s = omp_get_wtime() - t0;
    sink = acc;
    return s * 1e9 / (double)n;
}

static const char *const model_text =
    "model: q\n"
    "horizon: {years: 1}\n"
    "proposals:\n"
    "  - id: p\n"
    "    investment: 1\n"
    "    elasticity: {dist: normal, mean: 0.3, sd: 0.4}\n"
    "    participants: {dist: normal, mean: 100, sd: 10, min: 90, max: 130}\n"
    "    unit_cost: {dist: lognormal, mean: 150000, sd: 40000}\n"
    "    effect: {dist: triangular, min: 0, mode: 0.1, max: 0.2}\n"
    "    start: {dist: uniform, min: 0, max: 0.5}\n"
    "    duration: {dist: pert, min: 0.3, mode: 0.5, max: 1.2}\n"
    "    savings:\n"
    "      - {name: a, per: year, amount: {dist: beta, alpha: 0.5, beta: 3, min: 0, max: 2}}\n"
    "      - {name: b, per: year, amount: {dist: gamma, mean: 1, sd: 0.5}}\n";

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : (size_t)1 << 24;
    n = (n + CHUNK - 1) / CHUNK * CHUNK;
    bc_error err;
    bc_model *m = NULL;
    bc_sampler *s = NULL;
    if (bc_model_load_string(model_text, strlen(model_text), "bench_quantile", &m, &err) ||
        bc_sampler_alloc(m, BC_SAMPLER_MC, 1, 10, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double *u = malloc(n * sizeof *u), *z = malloc(n * sizeof *z);
    if (!u || !z)
        return 1;
    fill_uniforms(u, n);
    for (size_t i = 0; i < n; i++) /* normal CDF arguments: z over the sampler's range */
        z[i] = gsl_cdf_ugaussian_Pinv(u[i]);
    const double philox = time_philox(n);
    printf("%-24s %8s %8s %8s %10s\n", "function", "ns/value", "GSL ns", "vs GSL", "vs Philox");
    printf("%-24s %8.2f %8s %8s %10s\n", "Philox uniform", philox, "", "", "1.00");
    struct {
        const char *name;
        int cdf;
    } std[2] = {{"normal quantile (std)", 0}, {"normal CDF (copula)", 1}};
    for (int i = 0; i < 2; i++) {
        const double *in = std[i].cdf ? z : u;
        double v = time_vector(NULL, NULL, in, n, std[i].cdf), g = time_gsl(NULL, in, n, std[i].cdf);
        printf("%-24s %8.2f %8.2f %8.2f %10.2f\n", std[i].name, v, g, g / v, v / philox);
    }
    double fill_ms[16] = {0};
    if (bc_sampler_dim(s) > 16)
        return 1;
    for (size_t k = 0; k < bc_sampler_dim(s); k++) {
        const bc_input *in = bc_model_input(m, bc_sampler_input_of(s, k));
        const bc_dist *d = &in->dist;
        /* the sampler's own table for the kinds that have one */
        const bc_qtable *t = NULL;
        bc_qtable *own = NULL;
        if (bc_qtable_wants(d)) {
            own = malloc(sizeof *own);
            if (!own)
                return 1;
            const double t0 = omp_get_wtime();
            for (int r = 0; r < 10; r++)
                bc_qtable_fill(own, d);
            fill_ms[k] = (omp_get_wtime() - t0) * 100;
            t = own;
        }
        char name[64];
        snprintf(name, sizeof name, "%s%s", bc_dist_kind_name(d->kind),
                 d->kind == BC_DIST_NORMAL && isfinite(d->p[BC_P_MIN]) ? " (truncated)" : "");
        double v = time_vector(d, t, u, n, 0), g = time_gsl(d, u, n / 16, 0);
        printf("%-24s %8.2f %8.2f %8.2f %10.2f\n", name, v, g, g / v, v / philox);
        free(own);
    }
    printf("\n%-24s %8s\n", "table (4,097 nodes)", "ms");
    for (size_t k = 0; k < bc_sampler_dim(s); k++)
        if (fill_ms[k] > 0)
            printf("%-24s %8.2f\n",
                   bc_dist_kind_name(bc_model_input(m, bc_sampler_input_of(s, k))->dist.kind),
                   fill_ms[k]);
    free(u);
    free(z);
    bc_sampler_free(s);
    bc_model_free(m);
    return 0;
}
