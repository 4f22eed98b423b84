/* sampler.h: the uncertain inputs of run i as a function of (seed, i) alone:
 * counter-based uniforms (Random123 Philox), plain Monte Carlo or Latin
 * hypercube, a Gaussian copula for rank correlations, and inverse CDFs. */
#ifndef BCSIM_SAMPLER_H
#define BCSIM_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "bcsim/error.h"
#include "bcsim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bc_sampler_kind {
    BC_SAMPLER_MC = 0, /* independent uniforms per run */
    BC_SAMPLER_LHS = 1 /* Latin hypercube over all `runs` runs */
} bc_sampler_kind;

/* Name ("mc", "lhs") and look-up by name (BC_OK or BC_EINVAL). */
const char *bc_sampler_kind_name(bc_sampler_kind kind);
int bc_sampler_kind_from_name(const char *name, bc_sampler_kind *kind);

/* The generator, as recorded in result files. */
#define BC_RNG_NAME "philox4x64-10 (Random123), counter = (run, draw block), key = (seed, stream)"

typedef struct bc_sampler bc_sampler; /* opaque */

/* Make a sampler for model `m` (which must outlive it) drawing `runs` runs
 * from `seed`. The uncertain components are, in model input order, every
 * component of every input whose distribution is not FIXED. Precomputes the
 * copula's Cholesky factor and quantile tables. Returns BC_OK, BC_EINVAL
 * (runs = 0, or a correlation matrix that is not positive definite),
 * BC_ENOMEM. Free with bc_sampler_free. Thread-safe once made: every
 * function below takes const and may be called from many threads. */
int bc_sampler_alloc(const bc_model *m, bc_sampler_kind kind, uint64_t seed, uint64_t runs,
                     bc_sampler **out, bc_error *err);

/* The same, building the quantile tables on `threads` threads (0: OpenMP's
 * default; bc_sampler_alloc uses 0). The sampler is the same bit for bit
 * whatever the threads. */
int bc_sampler_alloc_threads(const bc_model *m, bc_sampler_kind kind, uint64_t seed,
                             uint64_t runs, int threads, bc_sampler **out, bc_error *err);
/* A sampler of the same model, kind and seed as src for `runs` runs, its
 * quantile tables copied rather than computed again. The same draws as
 * bc_sampler_alloc would give. */
int bc_sampler_copy(const bc_sampler *src, uint64_t runs, bc_sampler **out, bc_error *err);
void bc_sampler_free(bc_sampler *s);

/* Number of uncertain components d. */
size_t bc_sampler_dim(const bc_sampler *s);

/* Component k: the input it belongs to, and its index in the input vector. */
size_t bc_sampler_input_of(const bc_sampler *s, size_t k);
size_t bc_sampler_offset_of(const bc_sampler *s, size_t k);

/* The d independent uniforms of run `run` (before the copula), in (0, 1). */
void bc_sampler_uniforms(const bc_sampler *s, uint64_t run, double *u);

/* The full input vector x[bc_model_dim] of run `run`: fixed inputs at their
 * values, uncertain components drawn. `u` is scratch of bc_sampler_dim
 * doubles; on return it holds the uniforms after the copula. Allocates
 * nothing. */
void bc_sampler_inputs(const bc_sampler *s, uint64_t run, double *x, double *u);

/* The inputs of runs run0 .. run0 + n - 1 at once (n <= ld), component by
 * component: run i's uniforms (after the copula) at u[k * ld + i] for
 * component k (u holds bc_sampler_dim * ld doubles), its drawn values at
 * x[j * ld + i] for j = bc_sampler_offset_of(k). The rows of fixed inputs in
 * x are left as they are. Each value has the bits bc_sampler_inputs gives it
 * run by run; the quantile functions run over the n values in vector
 * instructions. Allocates nothing; thread-safe. */
void bc_sampler_inputs_chunk(const bc_sampler *s, uint64_t run0, size_t n, size_t ld, double *u,
                             double *x);

/* The input vector x[bc_model_dim] for independent uniforms u[bc_sampler_dim]
 * (from any source: this sampler, a quasi-random sequence, a Sobol' design):
 * fixed inputs at their values, the copula applied to u in place, then each
 * component's quantile. Allocates nothing; thread-safe. */
void bc_sampler_transform(const bc_sampler *s, double *u, double *x);

/* Whether the model has correlations (so that x depends on other components'
 * uniforms, not only on its own). */
int bc_sampler_has_copula(const bc_sampler *s);

/* Whether component k is one of the copula's correlated components. */
int bc_sampler_in_copula(const bc_sampler *s, size_t k);

/* The copula's part of bc_sampler_transform: the copula applied to u in
 * place, and x set at the correlated components only (its other entries are
 * left as they are), with the same bits there as bc_sampler_transform. For
 * a design that changes only correlated components' uniforms. Allocates
 * nothing; thread-safe; does nothing without correlations. */
void bc_sampler_transform_copula(const bc_sampler *s, double *u, double *x);

/* The quantile the sampler uses for component k at u: the distribution's
 * inverse CDF, through a table for the beta family and the gamma, by the
 * vectorisable functions of src/quantile.c (within a few ulp of GSL's
 * inverses; bc_dist_quantile is GSL's own). */
double bc_sampler_quantile(const bc_sampler *s, size_t k, double u);

#ifdef __cplusplus
}
#endif
#endif
