/* sampler.c: uniforms from Philox keyed by the seed and addressed by the run
 * index, Latin hypercube strata from keyed permutations, the Gaussian copula,
 * and each component's quantile function (src/quantile.c), a run or a chunk of
 * runs at a time (see include/bcsim/sampler.h). */
#include "bcsim/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <omp.h>

#include "alloc_int.h"
#include "model_int.h"
#include "quantile_int.h"

/* Philox streams: independent sequences under the same seed. */
enum { STREAM_MC = 0, STREAM_LHS_JITTER = 1, STREAM_LHS_PERM = 2 };

#define LHS_ROUNDS 6

struct bc_sampler {
    const bc_model *m;
    bc_sampler_kind kind;
    uint64_t seed, runs;
    size_t d;               /* uncertain components */
    size_t *input_of;       /* [d] input index */
    size_t *offset_of;      /* [d] index in x */
    const bc_dist **dist;   /* [d] the component's distribution */
    const bc_qtable **table;   /* [d] NULL or the input's table */
    bc_qtable *tables;        /* one per input that has one */
    size_t n_tables;
    double *x0;             /* [dim] base input vector */
    /* copula */
    size_t nc;              /* correlated components */
    size_t *corr_comp;      /* [nc] their component indices, ascending */
    double *chol;           /* [nc*nc] lower Cholesky factor, row major */
    /* Latin hypercube */
    unsigned lhs_half_bits; /* Feistel half width */
    uint64_t *lhs_keys;     /* [d*LHS_ROUNDS] round keys */
};

const char *bc_sampler_kind_name(bc_sampler_kind kind)
{
    return kind == BC_SAMPLER_LHS ? "lhs" : "mc";
}

int bc_sampler_kind_from_name(const char *name, bc_sampler_kind *kind)
{
    if (strcmp(name, "mc") == 0)
        *kind = BC_SAMPLER_MC;
    else if (strcmp(name, "lhs") == 0)
        *kind = BC_SAMPLER_LHS;
    else
        return BC_EINVAL;
    return BC_OK;
}

static inline philox4x64_ctr_t philox(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
    philox4x64_ctr_t ctr = {{a, b, 0, 0}};
    philox4x64_key_t key = {{seed, stream}};
    return philox4x64(ctr, key);
}

/* A 64-bit integer to a uniform in [2^-53, 1 - 2^-53]: (k + 1/2) 2^-52 with
 * k the top 52 bits. Exact in double; never 0 or 1. */
static inline double to_unit(uint64_t r)
{
    return ((double)(int64_t)(r >> 12) + 0.5) * 0x1p-52; /* < 2^52: a signed conversion */
}

/* Murmur3's 64-bit finaliser: the Feistel round function. */
static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* A keyed bijection of [0, runs): a balanced Feistel network on 2h bits,
 * cycle-walking until the value falls below `runs`. Memory-free, so Latin
 * hypercube strata cost nothing per run stored. */
static uint64_t lhs_permute(const bc_sampler *s, size_t k, uint64_t i)
{
    const unsigned h = s->lhs_half_bits;
    const uint64_t mask = (h >= 32) ? 0xffffffffULL : ((1ULL << h) - 1);
    const uint64_t *key = s->lhs_keys + k * LHS_ROUNDS;
    uint64_t x = i;
    do {
        uint64_t l = x >> h, r = x & mask;
        for (int round = 0; round < LHS_ROUNDS; round++) {
            uint64_t t = l ^ (fmix64(r ^ key[round]) & mask);
            l = r;
            r = t;
        }
        x = (l << h) | r;
    } while (x >= s->runs);
    return x;
}

/* Run `run`'s uniforms, component k at u[k * stride]. */
static void uniforms_at(const bc_sampler *s, uint64_t run, double *u, size_t stride)
{
    const size_t d = s->d;
    if (s->kind == BC_SAMPLER_MC) {
        for (size_t k = 0; k < d; k += 4) {
            philox4x64_ctr_t r = philox(s->seed, STREAM_MC, run, k / 4);
            for (size_t j = 0; j < 4 && k + j < d; j++)
                u[(k + j) * stride] = to_unit(r.v[j]);
        }
        return;
    }
    /* LHS: u = (pi_k(run) + v) / N, exactly one run per stratum and dimension */
    const double N = (double)s->runs;
    for (size_t k = 0; k < d; k += 4) {
        philox4x64_ctr_t r = philox(s->seed, STREAM_LHS_JITTER, run, k / 4);
        for (size_t j = 0; j < 4 && k + j < d; j++) {
            double p = (double)lhs_permute(s, k + j, run);
            double v = to_unit(r.v[j]);
            double x = (p + v) / N;
            /* rounding must not carry x out of its stratum [p/N, (p+1)/N) */
            double hi = (p + 1) / N, lo = p / N;
            if (x >= hi)
                x = nextafter(hi, 0.0);
            if (x <= lo)
                x = nextafter(lo, 1.0);
            u[(k + j) * stride] = x < BC_U_MIN ? BC_U_MIN : x > BC_U_MAX ? BC_U_MAX : x;
        }
    }
}

void bc_sampler_uniforms(const bc_sampler *s, uint64_t run, double *u)
{
    uniforms_at(s, run, u, 1);
}

double bc_sampler_quantile(const bc_sampler *s, size_t k, double u)
{
    double x;
    bc_quantiles(s->dist[k], s->table[k], &u, &x, 1);
    return x;
}

/* The Gaussian copula on n runs' uniforms in place, run i of component k at
 * u[k * ld + i]: z = Phi^-1(u), z' = L z, u' = Phi(z') at the correlated
 * components. Row i of L z uses z_0..z_i only, so rows go from the last up;
 * each run's sums are in the same order whatever n, so one run alone (n = 1)
 * gets the bits it gets among others. */
static void apply_copula(const bc_sampler *s, double *u, size_t ld, size_t n)
{
    const size_t nc = s->nc;
    for (size_t i = 0; i < nc; i++)
        bc_normal_quantiles(u + s->corr_comp[i] * ld, u + s->corr_comp[i] * ld, n);
    double acc[64];
    for (size_t r0 = 0; r0 < n; r0 += 64) {
        const size_t m = n - r0 < 64 ? n - r0 : 64;
        for (size_t i = nc; i-- > 0;) {
            const double *row = s->chol + i * nc;
            for (size_t r = 0; r < m; r++)
                acc[r] = 0;
            for (size_t j = 0; j <= i; j++) {
                const double *zj = u + s->corr_comp[j] * ld + r0;
                for (size_t r = 0; r < m; r++)
                    acc[r] += row[j] * zj[r];
            }
            memcpy(u + s->corr_comp[i] * ld + r0, acc, m * sizeof acc[0]);
        }
    }
    for (size_t i = 0; i < nc; i++)
        bc_normal_cdfs_clamped(u + s->corr_comp[i] * ld, u + s->corr_comp[i] * ld, n);
}

void bc_sampler_transform(const bc_sampler *s, double *u, double *x)
{
    const size_t d = s->d;
    memcpy(x, s->x0, bc_model_dim(s->m) * sizeof *x);
    if (s->nc)
        apply_copula(s, u, 1, 1);
    for (size_t k = 0; k < d; k++)
        bc_quantiles(s->dist[k], s->table[k], &u[k], &x[s->offset_of[k]], 1);
}

void bc_sampler_transform_copula(const bc_sampler *s, double *u, double *x)
{
    if (!s->nc)
        return;
    apply_copula(s, u, 1, 1);
    for (size_t i = 0; i < s->nc; i++) {
        const size_t k = s->corr_comp[i];
        x[s->offset_of[k]] = bc_sampler_quantile(s, k, u[k]);
    }
}

int bc_sampler_in_copula(const bc_sampler *s, size_t k)
{
    size_t lo = 0, hi = s->nc; /* corr_comp is ascending */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->corr_comp[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nc && s->corr_comp[lo] == k;
}

void bc_sampler_inputs(const bc_sampler *s, uint64_t run, double *x, double *u)
{
    bc_sampler_uniforms(s, run, u);
    bc_sampler_transform(s, u, x);
}

void bc_sampler_inputs_chunk(const bc_sampler *s, uint64_t run0, size_t n, size_t ld, double *u,
                             double *x)
{
    for (size_t i = 0; i < n; i++)
        uniforms_at(s, run0 + i, u + i, ld);
    if (s->nc)
        apply_copula(s, u, ld, n);
    for (size_t k = 0; k < s->d; k++)
        bc_quantiles(s->dist[k], s->table[k], u + k * ld, x + s->offset_of[k] * ld, n);
}

int bc_sampler_has_copula(const bc_sampler *s)
{
    return s->nc > 0;
}

size_t bc_sampler_dim(const bc_sampler *s) { return s->d; }
size_t bc_sampler_input_of(const bc_sampler *s, size_t k) { return s->input_of[k]; }
size_t bc_sampler_offset_of(const bc_sampler *s, size_t k) { return s->offset_of[k]; }

void bc_sampler_free(bc_sampler *s)
{
    if (!s)
        return;
    bc_free(s->input_of);
    bc_free(s->offset_of);
    bc_free(s->dist);
    bc_free(s->table);
    bc_free(s->tables);
    bc_free(s->x0);
    bc_free(s->corr_comp);
    bc_free(s->chol);
    bc_free(s->lhs_keys);
    bc_free(s);
}

/* The copula: the correlated components (each a scalar uncertain input) and
 * the Cholesky factor of their normal correlation matrix. */
static int setup_copula(bc_sampler *s, bc_error *err)
{
    const bc_model *m = s->m;
    if (bc_model_n_correlations(m) == 0)
        return BC_OK;
    size_t *ids = bc_malloc(bc_model_n_inputs(m) * sizeof *ids);
    if (!ids)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    size_t nc = bc_model_correlated_inputs(m, ids);
    s->corr_comp = bc_malloc(nc * sizeof *s->corr_comp);
    s->chol = bc_malloc(nc * nc * sizeof *s->chol);
    int rc = BC_OK;
    if (!s->corr_comp || !s->chol) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++) {
        size_t k = 0;
        while (k < s->d && s->input_of[k] != ids[i])
            k++;
        if (k == s->d) { /* the parser and bc_model_set keep correlated inputs uncertain */
            rc = bc_error_set(err, BC_EINVAL, "a correlated input is not uncertain");
            goto done;
        }
        s->corr_comp[i] = k;
    }
    /* factorised in place: GSL leaves the factor in the lower triangle */
    gsl_matrix_view av = gsl_matrix_view_array(s->chol, nc, nc);
    bc_model_copula_matrix(m, ids, nc, &av.matrix);
    if (gsl_linalg_cholesky_decomp1(&av.matrix) != GSL_SUCCESS) {
        rc = bc_error_set(err, BC_EINVAL, "the correlation matrix is not positive definite");
        goto done;
    }
    for (size_t i = 0; i < nc; i++)
        for (size_t j = i + 1; j < nc; j++)
            s->chol[i * nc + j] = 0.0;
    s->nc = nc;
done:
    bc_free(ids);
    return rc;
}

/* Fill tables[0 .. n) for dists[0 .. n) on `threads` threads (0: OpenMP's
 * default): each table depends on its distribution alone, so the bits do not
 * depend on the threads. */
static void fill_tables(bc_qtable *tables, const bc_dist *const *dists, size_t n, int threads)
{
    const int nt = threads > 0 ? threads : omp_get_max_threads();
    const long ln = (long)n;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) default(none) \
    shared(tables, dists) firstprivate(ln)
    for (long i = 0; i < ln; i++)
        bc_qtable_fill(&tables[i], dists[i]);
}

/* A copy of n bytes of p, or NULL (p NULL: a copy of nothing, still not NULL). */
static void *dup_bytes(const void *p, size_t n)
{
    void *q = bc_malloc(n ? n : 1);
    if (q && p && n)
        memcpy(q, p, n);
    return q;
}

/* The Latin hypercube's half width for `runs` runs: the fewest bits, even,
 * that count them. */
static unsigned lhs_half_bits(uint64_t runs)
{
    unsigned bits = 2;
    while (bits < 64 && (1ULL << bits) < runs)
        bits += 2;
    return bits / 2;
}

int bc_sampler_copy(const bc_sampler *src, uint64_t runs, bc_sampler **out, bc_error *err)
{
    *out = NULL;
    if (runs == 0)
        return bc_error_set(err, BC_EINVAL, "the number of runs must be at least 1");
    bc_sampler *s = bc_malloc(sizeof *s);
    if (!s)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    *s = *src;
    s->runs = runs;
    const size_t d = src->d, nc = src->nc;
    s->input_of = dup_bytes(src->input_of, d * sizeof *s->input_of);
    s->offset_of = dup_bytes(src->offset_of, d * sizeof *s->offset_of);
    s->dist = dup_bytes(src->dist, d * sizeof *s->dist);
    s->table = dup_bytes(src->table, d * sizeof *s->table);
    s->tables = dup_bytes(src->tables, src->n_tables * sizeof *s->tables);
    s->x0 = dup_bytes(src->x0, bc_model_dim(src->m) * sizeof *s->x0);
    s->corr_comp = src->corr_comp ? dup_bytes(src->corr_comp, nc * sizeof *s->corr_comp) : NULL;
    s->chol = src->chol ? dup_bytes(src->chol, nc * nc * sizeof *s->chol) : NULL;
    s->lhs_keys = src->lhs_keys ? dup_bytes(src->lhs_keys, d * LHS_ROUNDS * sizeof *s->lhs_keys)
                                : NULL;
    if (!s->input_of || !s->offset_of || !s->dist || !s->table || !s->tables || !s->x0 ||
        (src->corr_comp && !s->corr_comp) || (src->chol && !s->chol) ||
        (src->lhs_keys && !s->lhs_keys)) {
        bc_sampler_free(s);
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < d; k++) /* the tables' places in the copy */
        if (src->table[k])
            s->table[k] = s->tables + (src->table[k] - src->tables);
    if (src->kind == BC_SAMPLER_LHS)
        s->lhs_half_bits = lhs_half_bits(runs);
    *out = s;
    return BC_OK;
}

int bc_sampler_alloc(const bc_model *m, bc_sampler_kind kind, uint64_t seed, uint64_t runs,
                     bc_sampler **out, bc_error *err)
{
    return bc_sampler_alloc_threads(m, kind, seed, runs, 0, out, err);
}

int bc_sampler_alloc_threads(const bc_model *m, bc_sampler_kind kind, uint64_t seed,
                             uint64_t runs, int threads, bc_sampler **out, bc_error *err)
{
    *out = NULL;
    gsl_set_error_handler_off();
    if (runs == 0)
        return bc_error_set(err, BC_EINVAL, "the number of runs must be at least 1");
    bc_sampler *s = bc_calloc(1, sizeof *s);
    if (!s)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    s->m = m;
    s->kind = kind;
    s->seed = seed;
    s->runs = runs;
    const size_t nin = bc_model_n_inputs(m);
    size_t d = 0, nt = 0;
    for (size_t i = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        if (bc_dist_is_random(&in->dist)) {
            d += in->dim;
            nt += bc_qtable_wants(&in->dist);
        }
    }
    s->d = d;
    s->input_of = bc_malloc((d ? d : 1) * sizeof *s->input_of);
    s->offset_of = bc_malloc((d ? d : 1) * sizeof *s->offset_of);
    s->dist = bc_malloc((d ? d : 1) * sizeof *s->dist);
    s->table = bc_calloc(d ? d : 1, sizeof *s->table);
    s->tables = bc_malloc((nt ? nt : 1) * sizeof *s->tables);
    s->x0 = bc_malloc((bc_model_dim(m) ? bc_model_dim(m) : 1) * sizeof *s->x0);
    if (!s->input_of || !s->offset_of || !s->dist || !s->table || !s->tables || !s->x0) {
        bc_sampler_free(s);
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    bc_model_base_inputs(m, s->x0);
    /* the tables first, all at once, in input order */
    const bc_dist **tdist = bc_malloc((nt ? nt : 1) * sizeof *tdist);
    if (!tdist) {
        bc_sampler_free(s);
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    for (size_t i = 0, j = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        if (bc_dist_is_random(&in->dist) && bc_qtable_wants(&in->dist))
            tdist[j++] = &in->dist;
    }
    fill_tables(s->tables, tdist, nt, threads);
    bc_free(tdist);
    size_t k = 0;
    for (size_t i = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        if (!bc_dist_is_random(&in->dist))
            continue;
        const bc_qtable *t = NULL;
        if (bc_qtable_wants(&in->dist)) {
            t = &s->tables[s->n_tables++];
            if (!bc_qtable_finite(t)) {
                bc_sampler_free(s);
                return bc_error_set(err, BC_EINVAL,
                                    "%s: %s: the quantiles of its %s distribution cannot be "
                                    "computed (its parameters are too extreme); rescale or "
                                    "widen it",
                                    bc_model_filename(m), in->name,
                                    bc_dist_kind_name(in->dist.kind));
            }
        }
        for (size_t j = 0; j < in->dim; j++, k++) {
            s->input_of[k] = i;
            s->offset_of[k] = in->offset + j;
            s->dist[k] = &in->dist;
            s->table[k] = t;
        }
    }
    int rc = setup_copula(s, err);
    if (!rc && kind == BC_SAMPLER_LHS) {
        s->lhs_half_bits = lhs_half_bits(runs);
        s->lhs_keys = bc_malloc((d ? d : 1) * LHS_ROUNDS * sizeof *s->lhs_keys);
        if (!s->lhs_keys)
            rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        for (size_t c = 0; !rc && c < d; c++) {
            philox4x64_ctr_t r1 = philox(seed, STREAM_LHS_PERM, c, 0);
            philox4x64_ctr_t r2 = philox(seed, STREAM_LHS_PERM, c, 1);
            uint64_t keys[8] = {r1.v[0], r1.v[1], r1.v[2], r1.v[3],
                                r2.v[0], r2.v[1], r2.v[2], r2.v[3]};
            memcpy(s->lhs_keys + c * LHS_ROUNDS, keys, LHS_ROUNDS * sizeof keys[0]);
        }
    }
    if (rc) {
        bc_sampler_free(s);
        return rc;
    }
    *out = s;
    return BC_OK;
}
