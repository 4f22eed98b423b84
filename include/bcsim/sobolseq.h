/* sobolseq.h: randomised Sobol' low-discrepancy points in up to
 * bc_sobolseq_max_dim() dimensions (Joe & Kuo 2008 direction numbers, one
 * random digital shift per seed), for quasi-Monte Carlo sensitivity analysis. */
#ifndef BCSIM_SOBOLSEQ_H
#define BCSIM_SOBOLSEQ_H

#include <stddef.h>
#include <stdint.h>

#include "bcsim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The generator, as a result file would record it. */
#define BC_SOBOL_NAME                                                                              \
    "Sobol' (Joe & Kuo new-joe-kuo-6.21201, Gray-code order, 32 bits), digital shift from "        \
    "philox4x64-10 (Random123), counter = (dimension, replicate, 0, 0), key = (seed, 3)"

typedef struct bc_sobolseq bc_sobolseq; /* opaque */

/* The largest dimension supported: 1 + the number of primitive polynomials
 * in the direction-number table the build found (3667 with Debian 12's
 * Boost 1.74). This function can't fail. */
size_t bc_sobolseq_max_dim(void);

/* Make a generator of `dim` coordinates (1 <= dim <= bc_sobolseq_max_dim()).
 * Coordinate 0 is the van der Corput sequence; coordinate j >= 1 uses the
 * j-th primitive polynomial of Joe & Kuo's table. `seed` picks the digital
 * shift: coordinate j of every point is XORed, as a 32-bit integer, with a
 * mask (the high 32 bits of the first word of philox4x64 at counter
 * (j, 0, 0, 0), key (seed, 3)); the shift keeps every net property of the
 * sequence and makes each point uniform on (0,1)^dim over seeds.
 * On success stores the generator in *out and returns BC_OK; the caller owns
 * it and frees it with bc_sobolseq_free. On failure *out = NULL and the
 * return is BC_EINVAL (dim = 0 or dim > bc_sobolseq_max_dim()) or BC_ENOMEM,
 * with a message in `err` (which may be NULL). */
int bc_sobolseq_alloc(size_t dim, uint64_t seed, bc_sobolseq **out, bc_error *err);

/* The same with the digital shift of another replicate: its masks come from
 * philox4x64 at counter (j, replicate, 0, 0), key (seed, 3), so replicates
 * are independent shifts of the same net (randomised quasi-Monte Carlo);
 * replicate 0 is bc_sobolseq_alloc's. Errors as bc_sobolseq_alloc. */
int bc_sobolseq_alloc_replicate(size_t dim, uint64_t seed, uint64_t replicate, bc_sobolseq **out,
                                bc_error *err);

/* Free a generator; bc_sobolseq_free(NULL) does nothing. */
void bc_sobolseq_free(bc_sobolseq *s);

/* Number of coordinates of each point. */
size_t bc_sobolseq_dim(const bc_sobolseq *s);

/* Point i (0-based) of the shifted sequence into u[dim]:
 *   u_j = ((x_j XOR mask_j) + 0.5) / 2^32,
 * where x_j is the 32-bit integer of the unshifted point, the XOR of the
 * direction numbers v_{k+1} over the set bits k of the Gray code i ^ (i >> 1).
 * Every u_j lies in [2^-33, 1 - 2^-33]: never 0 or 1. The sequence has period
 * 2^32: i is taken modulo 2^32 (use i < 2^32). Computed directly from i, so
 * any thread may compute any point: thread-safe on a shared const generator,
 * allocates nothing, can't fail. */
void bc_sobolseq_point(const bc_sobolseq *s, uint64_t i, double *u);

/* The n consecutive points i0, i0 + 1, ..., i0 + n - 1 into u[n * dim], row
 * major (point r at u + r * dim). Bit for bit the same values as n calls of
 * bc_sobolseq_point, but faster: point i0 directly, then the Gray-code
 * recurrence x_{i+1} = x_i XOR v_c with c = 1 + the number of trailing ones
 * of i. Thread-safe, allocates nothing, can't fail. */
void bc_sobolseq_points(const bc_sobolseq *s, uint64_t i0, size_t n, double *u);

/* The digital-shift mask of coordinate j < dim, for tests and
 * documentation: XOR it into (uint32_t)(u_j * 2^32) to recover the
 * unshifted point. */
uint32_t bc_sobolseq_mask(const bc_sobolseq *s, size_t j);

#ifdef __cplusplus
}
#endif
#endif
