/* stats_voi.c: the value of information of a run (see stats_int.h and
 * bc_voi in include/bcsim/stats.h; docs/decision.md).
 *
 * Each run adds its average gains to integer sums: for every output, those
 * of max(g, 0) and max(-g, 0) and their squares (EVPI); for every pair of an
 * uncertain component and a proposal that depends on it, that of g in the
 * bin of the component's CDF value that the run fell in (EVPPI, by
 * Strong & Oakley's one-level method: the mean gain in a bin of equal
 * probability estimates the gain expected once the input is known to lie
 * there). A gain is counted in units of 2^-32 mDKK, so that sums are exact
 * and any order of the runs, threads, ranks or shards gives the same bits. */
#include <math.h>
#include <string.h>

#include "alloc_int.h"
#include "simd_int.h"
#include "stats_int.h"

/* Gains are counted up to this size; the value of information is not
 * reported for a run with a larger one. 2^52 units a run, squares of 2^72:
 * sums stay below 2^127 up to 2^55 runs. A block sums its squares in
 * doubles, in run order, and adds them to the integers when it ends. */
#define VOI_GMAX 0x1p20
#define VOI_SCALE 0x1p32

size_t bc_stats_voi_bins(uint64_t runs, size_t nvp)
{
    size_t b = (size_t)llround(cbrt((double)runs));
    b = b < 4 ? 4 : b > 128 ? 128 : b;
    if (nvp && b > ((size_t)1 << 16) / nvp)
        b = ((size_t)1 << 16) / nvp;
    return b < 1 ? 1 : b;
}

int bc_stats_voi_pairs(bc_stats_shape *sh, uint64_t runs, const unsigned char *uses,
                       uint32_t **vk, uint32_t **vo)
{
    const size_t nx = sh->nx, P = sh->n_outputs ? sh->n_outputs - 1 : 0;
    size_t n = 0;
    for (size_t k = 0; k < nx; k++)
        for (size_t o = 0; o < P; o++)
            n += uses[o * nx + k] != 0;
    *vk = bc_malloc((n ? n : 1) * sizeof **vk);
    *vo = bc_malloc((n ? n : 1) * sizeof **vo);
    if (!*vk || !*vo) {
        bc_free(*vk);
        bc_free(*vo);
        *vk = *vo = NULL;
        return -1;
    }
    size_t q = 0;
    for (size_t k = 0; k < nx; k++)
        for (size_t o = 0; o < P; o++)
            if (uses[o * nx + k]) {
                (*vk)[q] = (uint32_t)k;
                (*vo)[q++] = (uint32_t)o;
            }
    sh->nvp = n;
    sh->vk = *vk;
    sh->vo = *vo;
    sh->vbins = nx ? bc_stats_voi_bins(runs, n) : 0;
    return 0;
}

/* (Cloned functions are static, with a public wrapper: clang resolves the
 * clones of a static function only.) */
BC_VECTOR_CLONES static void voi_bin(const double *u, size_t n, size_t bins, uint16_t *b)
{
    const double s = (double)bins;
    const int32_t top = (int32_t)bins - 1;
    for (size_t i = 0; i < n; i++) {
        const int32_t j = (int32_t)(u[i] * s); /* u in (0, 1): truncation is floor */
        b[i] = (uint16_t)(j < 0 ? 0 : j > top ? top : j);
    }
}

void bc_stats_voi_bin(const double *u, size_t n, size_t bins, uint16_t *b)
{
    voi_bin(u, n, bins, b);
}

size_t bc_voi_ng(const bc_stats_shape *sh) { return 4 * sh->n_outputs; }
size_t bc_voi_ns(const bc_stats_shape *sh) { return sh->nvp * sh->vbins; }
size_t bc_voi_nc(const bc_stats_shape *sh) { return sh->nx * sh->vbins; }

int bc_voi_acc_init(bc_thread_acc *t, const bc_stats_shape *sh, int own)
{
    t->vg = t->vs = NULL;
    t->vc = NULL;
    t->vbig = 0;
    t->vown = own;
    if (!sh->vbins)
        return 0;
    const size_t ns = bc_voi_ns(sh);
    t->vc = bc_calloc(bc_voi_nc(sh), sizeof *t->vc);
    if (own) {
        t->vg = bc_calloc(bc_voi_ng(sh), sizeof *t->vg);
        t->vs = bc_calloc(ns ? ns : 1, sizeof *t->vs);
    }
    return t->vc && (!own || (t->vg && t->vs)) ? 0 : -1;
}

void bc_voi_acc_share(bc_thread_acc *t, const bc_thread_acc *run)
{
    if (t->vown)
        return;
    t->vg = run->vg;
    t->vs = run->vs;
}

void bc_voi_acc_free(bc_thread_acc *t)
{
    if (t->vown) {
        bc_free(t->vg);
        bc_free(t->vs);
    }
    bc_free(t->vc);
    t->vg = t->vs = NULL;
    t->vc = NULL;
}

void bc_voi_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t)
{
    if (!t->vc)
        return;
    if (t->vown) {
        memset(t->vg, 0, bc_voi_ng(sh) * sizeof *t->vg);
        memset(t->vs, 0, bc_voi_ns(sh) * sizeof *t->vs);
    }
    memset(t->vc, 0, bc_voi_nc(sh) * sizeof *t->vc);
    t->vbig = 0;
}

void bc_voi_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s)
{
    if (!d->vc || !s->vc)
        return;
    if (d->vg && s->vg && s->vg != d->vg) { /* not the sums a thread shares */
        for (size_t q = 0; q < bc_voi_ng(sh); q++)
            d->vg[q] += s->vg[q];
        for (size_t q = 0; q < bc_voi_ns(sh); q++)
            d->vs[q] += s->vs[q];
    }
    for (size_t q = 0; q < bc_voi_nc(sh); q++)
        d->vc[q] += s->vc[q];
    d->vbig += s->vbig;
}

int bc_voi_ws_init(bc_voi_ws *w, const bc_stats_shape *sh)
{
    memset(w, 0, sizeof *w);
    if (!sh->vbins)
        return 0;
    const size_t O = sh->n_outputs, nb = sh->nvp * sh->vbins, B = sh->block;
    w->gx = bc_malloc(O * B * sizeof *w->gx);
    w->g2 = bc_malloc(O * B * sizeof *w->g2);
    w->bx = bc_calloc(nb ? nb : 1, sizeof *w->bx);
    w->ox = bc_calloc(2 * O, sizeof *w->ox);
    w->o2 = bc_calloc(2 * O, sizeof *w->o2);
    return w->gx && w->g2 && w->bx && w->ox && w->o2 ? 0 : -1;
}

void bc_voi_ws_free(bc_voi_ws *w)
{
    bc_free(w->gx);
    bc_free(w->g2);
    bc_free(w->bx);
    bc_free(w->ox);
    bc_free(w->o2);
    memset(w, 0, sizeof *w);
}

/* x in units of 2^-32 mDKK, as an integer of the same units (exact: x 2^32
 * is exact, then truncated towards 0, a fraction of a unit). */
static inline bc_i128 units(double x)
{
    return (bc_i128)(x * VOI_SCALE);
}

/* The adds of bc_voi_flush (into sums other threads may be adding to). */
static void flush_sums(const bc_stats_shape *sh, bc_voi_ws *w, bc_thread_acc *t)
{
    const size_t O = sh->n_outputs, nb = sh->nvp * sh->vbins;
    for (size_t o = 0; o < O; o++) {
        bc_i128 *a = t->vg + 4 * o;
        a[0] += w->ox[2 * o];
        a[1] += w->ox[2 * o + 1];
        a[2] += units(w->o2[2 * o]);
        a[3] += units(w->o2[2 * o + 1]);
        w->ox[2 * o] = w->ox[2 * o + 1] = 0;
        w->o2[2 * o] = w->o2[2 * o + 1] = 0;
    }
    for (size_t j = 0; j < nb; j++) {
        t->vs[j] += w->bx[j];
        w->bx[j] = 0;
    }
}

void bc_voi_flush(const bc_stats_shape *sh, bc_voi_ws *w, bc_thread_acc *t)
{
    if (!w->bx || !w->held || !t->vg)
        return;
    if (t->vown) {
        flush_sums(sh, w, t);
    } else {
        /* the run's sums, shared by its threads: integer adds, so that the
         * order in which threads come does not matter */
#pragma omp critical(bc_voi_flush)
        flush_sums(sh, w, t);
    }
    w->held = 0;
}

void bc_voi_add(const bc_stats_shape *sh, bc_voi_ws *w, bc_thread_acc *t, const double *g,
                size_t ldg, const uint16_t *bins, size_t ldb, size_t n)
{
    if (!w->bx || n == 0)
        return;
    if (w->held + n > ((size_t)1 << 11))
        bc_voi_flush(sh, w, t);
    const size_t O = sh->n_outputs, B = sh->vbins;
    /* a gain too large for the sums: the value of information will not be
     * reported (bc_voi_summarise), so the runs are only counted */
    for (size_t o = 0; o < O; o++)
        for (size_t i = 0; i < n; i++)
            if (!(fabs(g[o * ldg + i]) < VOI_GMAX)) {
                t->vbig += n;
                return;
            }
    /* each gain once: fixed point and square */
    for (size_t o = 0; o < O; o++) {
        const double *go = g + o * ldg;
        int64_t *x = w->gx + o * n;
        double *x2 = w->g2 + o * n;
        int64_t op = 0, om = 0;
        double p2 = 0, m2 = 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = (int64_t)(go[i] * VOI_SCALE);
            x2[i] = go[i] * go[i];
            if (x[i] >= 0) {
                op += x[i];
                p2 += x2[i];
            } else {
                om -= x[i];
                m2 += x2[i];
            }
        }
        w->ox[2 * o] += op;
        w->ox[2 * o + 1] += om;
        w->o2[2 * o] += p2;
        w->o2[2 * o + 1] += m2;
    }
    w->held += n;
    for (size_t k = 0; k < sh->nx; k++) {
        const uint16_t *bk = bins + k * ldb;
        uint64_t *c = t->vc + k * B;
        for (size_t i = 0; i < n; i++)
            c[bk[i]]++;
    }
    for (size_t q = 0; q < sh->nvp; q++) {
        const uint16_t *bk = bins + (size_t)sh->vk[q] * ldb;
        const size_t o = sh->vo[q];
        const int64_t *x = w->gx + o * n;
        int64_t *bx = w->bx + q * B;
        for (size_t i = 0; i < n; i++)
            bx[bk[i]] += x[i];
    }
}

/* E[max(X, 0)] - max(m, 0) for X normal with mean m and sd s: what the
 * maximum of a noisy mean gains on the maximum of its expectation. */
static double excess(double m, double s)
{
    if (!(s > 0))
        return 0;
    const double a = fabs(m) / s;
    return s * exp(-0.5 * a * a) * 0.3989422804014327 - fabs(m) * 0.5 * erfc(a * 0.7071067811865476);
}

/* EVPPI of pair q (its n runs) into *v, *se, *bias. The variance of the
 * gain within a bin is taken as the same in every bin (pooled: the gain's
 * sum of squares less the bins' means'). */
static void evppi_pair(const bc_stats_shape *sh, const bc_thread_acc *a, size_t q, double n,
                       double *v, double *se, double *bias)
{
    const size_t B = sh->vbins;
    const bc_i128 *s = a->vs + q * B, *g = a->vg + 4 * sh->vo[q];
    const uint64_t *c = a->vc + (size_t)sh->vk[q] * B;
    bc_i128 total = 0, pos = 0;
    for (size_t b = 0; b < B; b++) {
        total += s[b];
        pos += s[b] > 0 ? s[b] : 0;
    }
    /* deciding after learning the bin: fund where its sum is positive */
    const bc_i128 now = total > 0 ? total : 0;
    const double raw = (double)(pos - now) / VOI_SCALE / n;
    double between = 0, used = 0;
    for (size_t b = 0; b < B; b++)
        if (c[b]) {
            const double sb = (double)s[b] / VOI_SCALE;
            between += sb * sb / (double)c[b];
            used++;
        }
    const double ss = (double)(g[2] + g[3]) / VOI_SCALE;
    const double w = n > used ? (ss - between) / (n - used) : 0;
    const double sw = sqrt(w > 0 ? w : 0);
    /* the variance of g d, d = [bin positive] - [fund now], the signs taken
     * as known; and the bias, bin by bin */
    double sq = 0, bi = 0;
    for (size_t b = 0; b < B; b++) {
        if (c[b] == 0)
            continue;
        const double cb = (double)c[b], m = (double)s[b] / VOI_SCALE / cb;
        if ((s[b] > 0) != (total > 0))
            sq += cb * (w + m * m);
        bi += cb / n * excess(m, sw / sqrt(cb));
    }
    const double var = sq / n - raw * raw;
    *se = sqrt(var > 0 ? var / n : 0);
    *bias = bi < raw ? bi : raw; /* what is subtracted: never below 0 */
    *v = raw - *bias;
}

int bc_voi_summarise(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t runs,
                     bc_summary *s)
{
    bc_voi *v = &s->voi;
    memset(v, 0, sizeof *v);
    if (!sh->vbins || !a->vg || a->vbig || runs < 2)
        return 0;
    const size_t O = sh->n_outputs, K = sh->nx;
    v->bins = sh->vbins;
    v->n_comp = K;
    v->evpi = bc_calloc(O, sizeof *v->evpi);
    v->evpi_se = bc_calloc(O, sizeof *v->evpi_se);
    v->evppi = bc_calloc(K * O, sizeof *v->evppi);
    v->evppi_se = bc_calloc(K * O, sizeof *v->evppi_se);
    v->evppi_bias = bc_calloc(K * O, sizeof *v->evppi_bias);
    if (!v->evpi || !v->evpi_se || !v->evppi || !v->evppi_se || !v->evppi_bias)
        return -1;
    const double n = (double)runs;
    for (size_t o = 0; o < O; o++) {
        const bc_i128 *g = a->vg + 4 * o;
        /* funded now when E[g] >= 0: then the regret is max(-g, 0), else max(g, 0) */
        const int fund = g[0] >= g[1];
        const double m = (double)(fund ? g[1] : g[0]) / VOI_SCALE / n;
        const double m2 = (double)(fund ? g[3] : g[2]) / VOI_SCALE / n;
        v->evpi[o] = m;
        v->evpi_se[o] = sqrt(m2 - m * m > 0 ? (m2 - m * m) / (n - 1) : 0);
    }
    for (size_t q = 0; q < sh->nvp; q++) {
        const size_t i = (size_t)sh->vk[q] * O + sh->vo[q];
        evppi_pair(sh, a, q, n, &v->evppi[i], &v->evppi_se[i], &v->evppi_bias[i]);
    }
    /* the portfolio: each proposal decided on its own */
    if (O > 1) {
        const size_t P = O - 1;
        v->evpi[P] = v->evpi_se[P] = 0;
        for (size_t o = 0; o < P; o++) {
            v->evpi[P] += v->evpi[o];
            v->evpi_se[P] += v->evpi_se[o];
        }
        for (size_t k = 0; k < K; k++) {
            double *e = v->evppi + k * O, *es = v->evppi_se + k * O, *eb = v->evppi_bias + k * O;
            e[P] = es[P] = eb[P] = 0;
            for (size_t o = 0; o < P; o++) {
                e[P] += e[o];
                es[P] += es[o];
                eb[P] += eb[o];
            }
        }
    }
    return 0;
}
