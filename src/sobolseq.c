/* sobolseq.c: Sobol' points from Joe & Kuo's direction numbers (a table the
 * build extracts from Boost's header), digitally shifted with Philox (see
 * include/bcsim/sobolseq.h). */
#include "bcsim/sobolseq.h"

#include <stdlib.h>

#include <Random123/philox.h>

#include "alloc_int.h"

/* Generated at configure time by CMakeLists.txt from
 * boost/random/detail/sobol_table.hpp: bc_sobol_poly[BC_SOBOL_MAX_DIM - 1]
 * (primitive polynomial j, bit i = coefficient of z^i) and
 * bc_sobol_minit[BC_SOBOL_MAX_DEGREE * (BC_SOBOL_MAX_DIM - 1)] (its initial
 * m_1..m_degree at BC_SOBOL_MAX_DEGREE * j + 0 .. degree - 1). */
#include "bc_sobol_table.h"

#define BITS 32 /* bits of each coordinate; direction numbers v_1..v_BITS */

/* Philox stream of the digital shift (0-2 belong to sampler.c). */
enum { STREAM_SOBOL_SHIFT = 3 };

struct bc_sobolseq {
    size_t dim;
    uint32_t *v;    /* [dim * BITS] direction numbers, v[j * BITS + k - 1] = v_k of coordinate j */
    uint32_t *mask; /* [dim] digital shift */
};

size_t bc_sobolseq_max_dim(void)
{
    return BC_SOBOL_MAX_DIM;
}

/* The direction numbers of coordinate j, v_k = m_k 2^(32-k) for k = 1..32.
 * Coordinate 0: all m_k = 1 (van der Corput). Coordinate j >= 1: polynomial
 * p = z^s + c_1 z^(s-1) + ... + c_(s-1) z + 1 from the table, with
 * m_1..m_s given and, for k > s (Bratley & Fox 1988, Joe & Kuo 2008),
 *   m_k = m_(k-s) XOR (m_(k-s) << s) XOR  XOR_(i=1..s-1) c_i (m_(k-i) << i).
 * In the table's bit order c_i is bit (s - i) of p. m_k < 2^k, so 64 bits
 * hold every term. */
static void direction_numbers(size_t j, uint32_t *v)
{
    uint64_t m[BITS + 1];
    if (j == 0) {
        for (int k = 1; k <= BITS; k++)
            m[k] = 1;
    } else {
        const unsigned p = bc_sobol_poly[j - 1];
        int s = 0;
        while (p >> (s + 1))
            s++; /* degree: index of the highest set bit */
        for (int k = 1; k <= s; k++)
            m[k] = bc_sobol_minit[(size_t)BC_SOBOL_MAX_DEGREE * (j - 1) + (size_t)(k - 1)];
        for (int k = s + 1; k <= BITS; k++) {
            uint64_t mk = m[k - s] ^ (m[k - s] << s);
            for (int i = 1; i < s; i++)
                if ((p >> (s - i)) & 1u)
                    mk ^= m[k - i] << i;
            m[k] = mk;
        }
    }
    for (int k = 1; k <= BITS; k++)
        v[k - 1] = (uint32_t)(m[k] << (BITS - k));
}

int bc_sobolseq_alloc(size_t dim, uint64_t seed, bc_sobolseq **out, bc_error *err)
{
    return bc_sobolseq_alloc_replicate(dim, seed, 0, out, err);
}

int bc_sobolseq_alloc_replicate(size_t dim, uint64_t seed, uint64_t replicate, bc_sobolseq **out,
                                bc_error *err)
{
    *out = NULL;
    if (dim == 0 || dim > BC_SOBOL_MAX_DIM)
        return bc_error_set(err, BC_EINVAL,
                            "Sobol' dimension %zu is out of range: it must be 1 to %d", dim,
                            BC_SOBOL_MAX_DIM);
    bc_sobolseq *s = bc_calloc(1, sizeof *s);
    if (!s)
        return bc_error_set(err, BC_ENOMEM, "out of memory for a Sobol' sequence");
    s->dim = dim;
    s->v = bc_malloc(dim * BITS * sizeof *s->v);
    s->mask = bc_malloc(dim * sizeof *s->mask);
    if (!s->v || !s->mask) {
        bc_sobolseq_free(s);
        return bc_error_set(err, BC_ENOMEM, "out of memory for a Sobol' sequence of dimension %zu",
                            dim);
    }
    for (size_t j = 0; j < dim; j++) {
        direction_numbers(j, s->v + j * BITS);
        philox4x64_ctr_t ctr = {{(uint64_t)j, replicate, 0, 0}};
        philox4x64_key_t key = {{seed, STREAM_SOBOL_SHIFT}};
        philox4x64_ctr_t r = philox4x64(ctr, key);
        s->mask[j] = (uint32_t)(r.v[0] >> 32);
    }
    *out = s;
    return BC_OK;
}

void bc_sobolseq_free(bc_sobolseq *s)
{
    if (!s)
        return;
    bc_free(s->v);
    bc_free(s->mask);
    bc_free(s);
}

size_t bc_sobolseq_dim(const bc_sobolseq *s)
{
    return s->dim;
}

uint32_t bc_sobolseq_mask(const bc_sobolseq *s, size_t j)
{
    return s->mask[j];
}

/* A shifted 32-bit coordinate y to (y + 1/2) 2^-32: exact in double, in
 * [2^-33, 1 - 2^-33]. */
static inline double to_unit(uint32_t y)
{
    return ((double)y + 0.5) * 0x1p-32;
}

/* Unshifted coordinate of point i from its Gray code g = i ^ (i >> 1):
 * x = XOR of v_(k+1) over the set bits k of g. */
static inline uint32_t direct(const uint32_t *v, uint32_t g)
{
    uint32_t x = 0;
    for (int k = 0; g; k++, g >>= 1)
        if (g & 1u)
            x ^= v[k];
    return x;
}

/* Index (0-based) of the direction number that takes point i to point i + 1:
 * x_(i+1) = x_i XOR v_c with c = 1 + the number of trailing ones of i. At
 * i = 2^32 - 1 (32 trailing ones, no v_33) x_i = v_32, so XOR with v_32 gives
 * x_0 = 0: the wrap to point 0 of a sequence of period 2^32. */
static inline int next_index(uint32_t i)
{
    if (i == UINT32_MAX)
        return BITS - 1;
#if defined(__GNUC__)
    return __builtin_ctz(~i);
#else
    int c = 0;
    while (i & 1u) {
        i >>= 1;
        c++;
    }
    return c;
#endif
}

void bc_sobolseq_point(const bc_sobolseq *s, uint64_t i, double *u)
{
    const uint32_t i32 = (uint32_t)i; /* period 2^32 */
    const uint32_t g = i32 ^ (i32 >> 1);
    for (size_t j = 0; j < s->dim; j++)
        u[j] = to_unit(direct(s->v + j * BITS, g) ^ s->mask[j]);
}

void bc_sobolseq_points(const bc_sobolseq *s, uint64_t i0, size_t n, double *u)
{
    const size_t dim = s->dim;
    const uint32_t first = (uint32_t)i0;
    /* One coordinate at a time: its state is one integer, so nothing is
     * allocated; the shift commutes with the XOR recurrence. */
    for (size_t j = 0; j < dim; j++) {
        const uint32_t *v = s->v + j * BITS;
        uint32_t y = direct(v, first ^ (first >> 1)) ^ s->mask[j];
        uint32_t i = first;
        for (size_t r = 0; r < n; r++, i++) {
            u[r * dim + j] = to_unit(y);
            y ^= v[next_index(i)];
        }
    }
}
