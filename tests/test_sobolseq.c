/* test_sobolseq.c: Sobol' points: the first points worked out by hand, known
 * answers from Boost's independent implementation, net properties, the
 * recurrence against direct computation, the digital shift, the error paths,
 * threads, and a quasi-Monte Carlo integral. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "bcsim/sobolseq.h"
#include "check.h"

/* The unshifted 32-bit integer of coordinate j of a point: u = (y + 1/2)
 * 2^-32 with y = x XOR mask, so x = floor(u 2^32) XOR mask. */
static uint32_t unshift(const bc_sobolseq *s, const double *u, size_t j)
{
    return (uint32_t)(u[j] * 0x1p32) ^ bc_sobolseq_mask(s, j);
}

static bc_sobolseq *make(size_t dim, uint64_t seed)
{
    bc_sobolseq *s = NULL;
    bc_error err;
    int rc = bc_sobolseq_alloc(dim, seed, &s, &err);
    CHECK_INT(rc, BC_OK);
    if (rc) {
        fprintf(stderr, "unexpected: %s\n", err.msg);
        exit(check_finish() | 1);
    }
    return s;
}

/* By hand, with v_k = m_k 2^-k and point i = XOR of v_(k+1) over the set
 * bits k of the Gray code g = i ^ (i >> 1) (g = 0 1 3 2 6 7 5 4 for i < 8):
 *   dim 0, m_k = 1:                        v = 1/2, 1/4, 1/8
 *   dim 1, z + 1, m_1 = 1, m_k = m_(k-1) XOR 2 m_(k-1):
 *          m = 1, 3, 5                      v = .1, .11, .101 (binary)
 *   dim 2, z^2 + z + 1, m_1,2 = 1, 3, m_3 = m_1 XOR 4 m_1 XOR 2 m_2 = 3:
 *                                           v = .1, .11, .011
 * e.g. dim 2, i = 4, g = 6: v_2 XOR v_3 = .110 XOR .011 = .101 = 0.625. */
static void test_first_points(void)
{
    static const double want[8][3] = {
        {0, 0, 0},
        {0.5, 0.5, 0.5},
        {0.75, 0.25, 0.25},
        {0.25, 0.75, 0.75},
        {0.375, 0.375, 0.625},
        {0.875, 0.875, 0.125},
        {0.625, 0.125, 0.875},
        {0.125, 0.625, 0.375},
    };
    bc_sobolseq *s = make(3, 12345);
    CHECK_INT(bc_sobolseq_dim(s), 3);
    for (uint64_t i = 0; i < 8; i++) {
        double u[3];
        bc_sobolseq_point(s, i, u);
        for (size_t j = 0; j < 3; j++) {
            CHECK(u[j] > 0 && u[j] < 1);
            double x = (double)unshift(s, u, j) * 0x1p-32;
            if (x != want[i][j])
                fprintf(stderr, "point %d dim %zu: %g, want %g\n", (int)i, j, x, want[i][j]);
            CHECK(x == want[i][j]);
        }
    }
    bc_sobolseq_free(s);
}

/* Unshifted 32-bit integers printed by Boost 1.74's
 * boost::random::sobol_engine<uint32_t, 32> (whose k-th output is point
 * k + 1: it skips point 0), an implementation independent of ours over the
 * same table; they pin the table's parsing up to the last dimension. */
static void test_boost_values(void)
{
    static const struct {
        uint64_t i;
        size_t j;
        uint32_t x;
    } want[] = {
        {1001, 3, 759169024u},    {1001, 9, 2445279232u},    {1001, 99, 2948595712u},
        {1001, 999, 3007315968u}, {1001, 3665, 3309305856u}, {1001, 3666, 1690304512u},
        {4096, 0, 1572864u},      {4096, 1, 2021130240u},    {4096, 2, 3589799936u},
        {4096, 3, 2664955904u},   {4096, 9, 4272422912u},    {4096, 99, 1023934464u},
        {4096, 999, 2167930880u}, {4096, 3665, 664272896u},  {4096, 3666, 710410240u},
    };
    const size_t dim = bc_sobolseq_max_dim();
    CHECK(dim >= 3667);
    if (dim < 3667)
        return;
    bc_sobolseq *s = make(dim, 99);
    double *u = malloc(dim * sizeof *u);
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bc_sobolseq_point(s, want[k].i, u);
        CHECK_INT(unshift(s, u, want[k].j), want[k].x);
    }
    free(u);
    bc_sobolseq_free(s);
}

/* Each coordinate is a (0,1)-sequence: for m = 1..12 the first 2^m points
 * put exactly one point in each [k 2^-m, (k+1) 2^-m), digital shift and all. */
static void test_nets_1d(void)
{
    enum { DIM = 120, M = 12, N = 1 << M };
    bc_sobolseq *s = make(DIM, 2024);
    double *u = malloc((size_t)N * DIM * sizeof *u);
    static unsigned count[N];
    bc_sobolseq_points(s, 0, N, u);
    for (size_t j = 0; j < DIM; j++) {
        int bad = 0;
        for (int m = 1; m <= M; m++) {
            const int n = 1 << m;
            memset(count, 0, sizeof count);
            for (int i = 0; i < n; i++)
                count[(int)(u[(size_t)i * DIM + j] * n)]++;
            for (int k = 0; k < n; k++)
                bad += count[k] != 1;
        }
        if (bad)
            fprintf(stderr, "dim %zu: %d empty or crowded intervals\n", j, bad);
        CHECK_INT(bad, 0);
    }
    free(u);
    bc_sobolseq_free(s);
}

/* Dimensions 0 and 1 form a (0,2)-sequence: for m = 1..12 every elementary
 * box [k 2^-a, (k+1) 2^-a) x [l 2^-(m-a), (l+1) 2^-(m-a)) holds exactly one
 * of the first 2^m points, whatever a in 0..m. */
static void test_nets_2d(void)
{
    enum { M = 12, N = 1 << M };
    bc_sobolseq *s = make(2, 77);
    double *u = malloc((size_t)N * 2 * sizeof *u);
    static unsigned count[N];
    bc_sobolseq_points(s, 0, N, u);
    int bad = 0;
    for (int m = 1; m <= M; m++)
        for (int a = 0; a <= m; a++) {
            memset(count, 0, sizeof count);
            for (int i = 0; i < 1 << m; i++) {
                int k = (int)(u[2 * i] * (1 << a)), l = (int)(u[2 * i + 1] * (1 << (m - a)));
                count[k << (m - a) | l]++;
            }
            for (int b = 0; b < 1 << m; b++)
                bad += count[b] != 1;
        }
    CHECK_INT(bad, 0);
    free(u);
    bc_sobolseq_free(s);
}

/* bc_sobolseq_points equals bc_sobolseq_point bit for bit, across carries
 * of many bits and across the wrap at 2^32. */
static void test_points_match_point(void)
{
    enum { DIM = 37, N = 1000 };
    static const uint64_t starts[] = {
        0, 1, 12345, (1u << 20) - 10, (1ull << 31) - 500, (1ull << 32) - 500};
    bc_sobolseq *s = make(DIM, 5);
    double *u = malloc((size_t)N * DIM * sizeof *u), p[DIM];
    for (size_t t = 0; t < sizeof starts / sizeof starts[0]; t++) {
        bc_sobolseq_points(s, starts[t], N, u);
        int diff = 0;
        for (uint64_t r = 0; r < N; r++) {
            bc_sobolseq_point(s, starts[t] + r, p);
            diff += memcmp(p, u + r * DIM, sizeof p) != 0;
        }
        if (diff)
            fprintf(stderr, "i0 = %llu: %d rows differ\n", (unsigned long long)starts[t], diff);
        CHECK_INT(diff, 0);
    }
    /* Period 2^32: point 2^32 + i is point i, and the recurrence wraps to 0. */
    double q[DIM];
    bc_sobolseq_point(s, (1ull << 32) + 5, p);
    bc_sobolseq_point(s, 5, q);
    CHECK(memcmp(p, q, sizeof p) == 0);
    bc_sobolseq_points(s, (1ull << 32) - 1, 2, u);
    for (size_t j = 0; j < DIM; j++)
        CHECK_INT(unshift(s, u + DIM, j), 0);
    /* n = 0 writes nothing. */
    u[0] = -1;
    bc_sobolseq_points(s, 3, 0, u);
    CHECK(u[0] == -1);
    free(u);
    bc_sobolseq_free(s);
}

/* The mask is philox4x64(counter (j, 0, 0, 0), key (seed, 3)), high half of
 * word 0; other seeds give other masks; every u lies in (0, 1). */
static void test_shift(void)
{
    enum { DIM = 16 };
    bc_sobolseq *a = make(DIM, 1), *b = make(DIM, 2), *c = make(DIM, 1);
    int same_ab = 0;
    for (size_t j = 0; j < DIM; j++) {
        philox4x64_ctr_t ctr = {{j, 0, 0, 0}};
        philox4x64_key_t key = {{1, 3}};
        philox4x64_ctr_t r = philox4x64(ctr, key);
        CHECK_INT(bc_sobolseq_mask(a, j), (uint32_t)(r.v[0] >> 32));
        CHECK_INT(bc_sobolseq_mask(c, j), bc_sobolseq_mask(a, j));
        same_ab += bc_sobolseq_mask(a, j) == bc_sobolseq_mask(b, j);
    }
    CHECK_INT(same_ab, 0);
    double ua[DIM], ub[DIM];
    bc_sobolseq_point(a, 0, ua);
    bc_sobolseq_point(b, 0, ub);
    CHECK(memcmp(ua, ub, sizeof ua) != 0);
    /* The extremes of (y + 1/2) 2^-32. */
    CHECK(((double)UINT32_MAX + 0.5) * 0x1p-32 < 1.0);
    for (size_t j = 0; j < DIM; j++)
        CHECK(ua[j] >= 0x1p-33 && ua[j] <= 1 - 0x1p-33);
    bc_sobolseq_free(a);
    bc_sobolseq_free(b);
    bc_sobolseq_free(c);
}

/* Replicate r's mask is philox4x64 at counter (j, r, 0, 0), key (seed, 3);
 * replicate 0 is bc_sobolseq_alloc's; the unshifted points are the same. */
static void test_replicates(void)
{
    enum { DIM = 16 };
    static int dummy;
    bc_sobolseq *a = make(DIM, 5), *r0 = NULL, *r3 = NULL;
    CHECK_INT(bc_sobolseq_alloc_replicate(DIM, 5, 0, &r0, NULL), BC_OK);
    bc_sobolseq *bad = (bc_sobolseq *)&dummy; /* must be overwritten with NULL */
    CHECK_INT(bc_sobolseq_alloc_replicate(0, 5, 3, &bad, NULL), BC_EINVAL);
    CHECK(bad == NULL);
    CHECK_INT(bc_sobolseq_alloc_replicate(DIM, 5, 3, &r3, NULL), BC_OK);
    if (!a || !r0 || !r3)
        return;
    int same = 0;
    for (size_t j = 0; j < DIM; j++) {
        philox4x64_ctr_t ctr = {{j, 3, 0, 0}};
        philox4x64_key_t key = {{5, 3}};
        philox4x64_ctr_t r = philox4x64(ctr, key);
        CHECK_INT(bc_sobolseq_mask(r3, j), (uint32_t)(r.v[0] >> 32));
        CHECK_INT(bc_sobolseq_mask(r0, j), bc_sobolseq_mask(a, j));
        same += bc_sobolseq_mask(r3, j) == bc_sobolseq_mask(a, j);
    }
    CHECK_INT(same, 0);
    double ua[DIM], u3[DIM];
    for (uint64_t i = 0; i < 100; i++) {
        bc_sobolseq_point(a, i, ua);
        bc_sobolseq_point(r3, i, u3);
        for (size_t j = 0; j < DIM; j++)
            CHECK_INT(unshift(a, ua, j), unshift(r3, u3, j));
    }
    bc_sobolseq_free(a);
    bc_sobolseq_free(r0);
    bc_sobolseq_free(r3);
}

static void test_errors(void)
{
    const size_t max = bc_sobolseq_max_dim();
    bc_error err;
    bc_sobolseq *s = (bc_sobolseq *)&err; /* must be overwritten with NULL */
    bc_error_clear(&err);
    CHECK_INT(bc_sobolseq_alloc(0, 1, &s, &err), BC_EINVAL);
    CHECK(s == NULL);
    CHECK_INT(err.code, BC_EINVAL);
    CHECK_HAS(err.msg, "dimension 0");
    s = (bc_sobolseq *)&err;
    CHECK_INT(bc_sobolseq_alloc(max + 1, 1, &s, &err), BC_EINVAL);
    CHECK(s == NULL);
    CHECK_HAS(err.msg, "out of range");
    CHECK_INT(bc_sobolseq_alloc(max + 1, 1, &s, NULL), BC_EINVAL); /* err may be NULL */
    bc_sobolseq_free(NULL);

    double u[1];
    s = make(1, 0);
    bc_sobolseq_point(s, 3, u);
    CHECK(u[0] > 0 && u[0] < 1);
    bc_sobolseq_free(s);
    s = make(max, 0);
    CHECK_INT(bc_sobolseq_dim(s), max);
    double *w = malloc(max * sizeof *w);
    bc_sobolseq_point(s, 123, w);
    for (size_t j = 0; j < max; j++)
        CHECK(w[j] > 0 && w[j] < 1);
    free(w);
    bc_sobolseq_free(s);
}

/* Any point from any thread: a shared const generator gives the same values
 * as one thread's recurrence, for 1 and several threads. */
static void test_threads(void)
{
    enum { DIM = 20, N = 4096 };
    bc_sobolseq *s = make(DIM, 31);
    const bc_sobolseq *cs = s;
    double *ref = malloc((size_t)N * DIM * sizeof *ref),
           *par = malloc((size_t)N * DIM * sizeof *par);
    bc_sobolseq_points(s, 0, N, ref);
    for (int threads = 1; threads <= 4; threads += 3) {
        memset(par, 0, (size_t)N * DIM * sizeof *par);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 7) default(none) shared(cs, par)
        for (int i = 0; i < N; i++)
            bc_sobolseq_point(cs, (uint64_t)i, par + (size_t)i * DIM);
        CHECK(memcmp(ref, par, (size_t)N * DIM * sizeof *par) == 0);
    }
    free(ref);
    free(par);
    bc_sobolseq_free(s);
}

/* Quasi-Monte Carlo at N = 2^14 points in 44 dimensions: each coordinate's
 * mean is 1/2 to within 2^-15 (one point per interval of width 2^-14, all
 * at the same offset, which the shift sets), and
 *   f(u) = prod_(j<10) (1 + (u_j - 1/2) / 10),  integral 1,
 * comes out within 1e-4. Plain Monte Carlo's standard error there is
 * sqrt((1 + 1/1200)^10 - 1) / 2^7 = 7e-4. */
static void test_integration(void)
{
    enum { DIM = 44, N = 1 << 14 };
    bc_sobolseq *s = make(DIM, 4242);
    double *u = malloc((size_t)N * DIM * sizeof *u);
    bc_sobolseq_points(s, 0, N, u);
    for (size_t j = 0; j < DIM; j++) {
        double sum = 0;
        for (size_t i = 0; i < N; i++)
            sum += u[i * DIM + j];
        CHECK_NEAR(sum / N, 0.5, 0x1p-15);
    }
    double sum = 0;
    for (size_t i = 0; i < N; i++) {
        double f = 1;
        for (size_t j = 0; j < 10; j++)
            f *= 1 + 0.1 * (u[i * DIM + j] - 0.5);
        sum += f;
    }
    printf("QMC integral error at 2^14 points: %.3g (plain MC's standard error: 7e-4)\n",
           sum / N - 1);
    CHECK_NEAR(sum / N, 1.0, 1e-4);
    free(u);
    bc_sobolseq_free(s);
}

int main(void)
{
    test_first_points();
    test_boost_values();
    test_nets_1d();
    test_nets_2d();
    test_points_match_point();
    test_shift();
    test_replicates();
    test_errors();
    test_threads();
    test_integration();
    return check_finish();
}
