/* stats.c: streaming statistics (see stats_int.h and include/bcsim/stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"
#include "simd_int.h"
#include "stats_int.h"

const double bc_quantile_probs[BC_NQ] = {0.01, 0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95, 0.99};


size_t bc_stats_hist_cap(size_t n_series, int windows)
{
    const size_t budget = (size_t)1 << (windows ? 20 : 22);
    const size_t c = n_series ? budget / n_series : budget;
    return c < 1024 ? 1024 : c > ((size_t)1 << 18) ? (size_t)1 << 18 : c;
}

size_t bc_stats_wbins(size_t n_series)
{
    const size_t c = ((size_t)1 << 20) / (BC_NWIN * (n_series ? n_series : 1));
    return c < 400 ? 400 : c > 4096 ? 4096 : c;
}

/* Widen the bins 2^s times in one pass. Bins are kept in c[0 .. cap) for
 * indices base .. base+cap-1, the used ones are k0 .. k0+n-1; `base` is kept
 * beside the histogram (bc_thread_acc.bases). A bin moves to a lower or the
 * same slot, so the counts can be moved in place in ascending order. Merging
 * bins cannot overflow a narrow histogram: its counts add up to fewer than
 * 2^32. */
static void fhist_coarsen(bc_fhist *h, int64_t *base, int s)
{
    int64_t nb = bc_floor_shift(*base, s);
    for (size_t i = 0; i < h->cap; i++) {
        uint64_t v = bc_fh_get(h, i);
        if (!v)
            continue;
        size_t j = (size_t)(bc_floor_shift(*base + (int64_t)i, s) - nb);
        if (h->narrow) {
            h->c32[i] = 0;
            h->c32[j] += (uint32_t)v;
        } else {
            h->c[i] = 0;
            h->c[j] += v;
        }
    }
    if (h->n) {
        int64_t first = bc_floor_shift(h->k0, s), last = bc_floor_shift(h->k0 + (int64_t)h->n - 1, s);
        h->k0 = first;
        h->n = (size_t)(last - first + 1);
    }
    *base = nb;
    h->e += s;
}

/* Make h cover bins [lo, hi] (at its current width), coarsening while the span
 * would exceed max_bins (>= 1024). Returns 1 if it coarsened (indices must be
 * recomputed), 0 if it now covers them, -1 when out of memory. */
static int fhist_cover(bc_fhist *h, int64_t *base, int64_t lo, int64_t hi, int64_t max_bins)
{
    if (h->n) {
        int64_t last = h->k0 + (int64_t)h->n - 1;
        lo = lo < h->k0 ? lo : h->k0;
        hi = hi > last ? hi : last;
    }
    if (hi - lo + 1 > max_bins) {
        int sh = 1; /* the fewest halvings that bring the span within bounds */
        while (bc_floor_shift(hi, sh) - bc_floor_shift(lo, sh) + 1 > max_bins)
            sh++;
        fhist_coarsen(h, base, sh);
        return 1;
    }
    if (h->cap == 0 || lo < *base || hi >= *base + (int64_t)h->cap) {
        /* room to grow on both sides, up to the most bins it may span */
        const size_t span = (size_t)(hi - lo + 1), size = h->narrow ? 4 : 8;
        size_t cap = 2 * span > 1024 ? 2 * span : 1024;
        cap = cap > (size_t)max_bins ? (size_t)max_bins : cap;
        char *c = bc_calloc(cap, size);
        if (!c)
            return -1;
        const int64_t nbase = lo - (int64_t)(cap - span) / 2;
        char *old = h->narrow ? (char *)h->c32 : (char *)h->c;
        if (h->n)
            memcpy(c + (size_t)(h->k0 - nbase) * size, old + (size_t)(h->k0 - *base) * size,
                   h->n * size);
        bc_free(old);
        if (h->narrow)
            h->c32 = (uint32_t *)(void *)c;
        else
            h->c = (uint64_t *)(void *)c;
        h->cap = cap;
        *base = nbase;
    }
    h->k0 = lo;
    h->n = (size_t)(hi - lo + 1);
    return 0;
}

/* c[floor(v[i] scale) - b]++ for every i < n, where |v[i] scale| and |b| are
 * below 2^51 and every bin is inside c: the bins of 256 values at a time in
 * vector registers (y rounded to an integer r by adding and subtracting
 * 1.5 x 2^52, then floor(y) - b = (r - b) - (r > y), all exact), then the
 * increments. */
BC_VECTOR_CLONES static void count_bins(uint32_t *c, int64_t b, const double *v, size_t n,
                                        double scale)
{
    const double shift = 0x1.8p52, bd = (double)b;
    int32_t k[256];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        const size_t m = n - i0 < 256 ? n - i0 : 256;
        const double *x = v + i0;
        for (size_t i = 0; i < m; i++) {
            const double y = x[i] * scale, r = (y + shift) - shift;
            k[i] = (int32_t)(r - bd) - (r > y);
        }
        for (size_t i = 0; i < m; i++)
            c[k[i]]++;
    }
}

/* Add n values, within [vmin, vmax], at once: the range first (growing or coarsening the
 * histogram once), then one increment a value. */
static int fhist_add_many(bc_fhist *h, int64_t *base, const double *v, size_t n, double vmin,
                          double vmax, int64_t cap)
{
    if (n == 0)
        return 0;
    int64_t lo, hi;
    for (;;) {
        const double scale = ldexp(1.0, -h->e);
        const double big = fmax(fabs(vmin), fabs(vmax)) * scale;
        if (big >= 0x1p60) {
            fhist_coarsen(h, base, ilogb(big) - 59); /* to |v| / width < 2^60 */
            continue;
        }
        lo = (int64_t)floor(vmin * scale);
        hi = (int64_t)floor(vmax * scale);
        int r = fhist_cover(h, base, lo, hi, cap);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
    }
    const double scale = ldexp(1.0, -h->e);
    uint32_t *c = h->c32; /* a thread's histogram: narrow */
    const int64_t b = *base;
    /* bins within 2^50 of 0: |v scale| < 2^50, and the base, at most a
     * histogram's capacity (< 2^20) below lo, is within 2^51 */
    const int64_t lim = (int64_t)1 << 50;
    if (lo > -lim && hi < lim) {
        count_bins(c, b, v, n, scale);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        double y = v[i] * scale;
        int64_t k = (int64_t)y; /* floor without a call: truncate, then step down */
        k -= (double)k > y;
        c[k - b]++;
    }
    return 0;
}

int bc_fhist_add(bc_fhist *h, int64_t *base, const double *v, size_t n, double vmin, double vmax,
                 size_t cap)
{
    return fhist_add_many(h, base, v, n, vmin, vmax, (int64_t)cap);
}

int bc_thread_acc_init(bc_thread_acc *t, const bc_stats_shape *sh, int narrow)
{
    memset(t, 0, sizeof *t);
    size_t S = sh->n_series, O = sh->n_outputs;
    t->hist = bc_calloc(S, sizeof *t->hist);
    t->min = bc_malloc(S * sizeof *t->min);
    t->max = bc_malloc(S * sizeof *t->max);
    t->be = bc_calloc(O, sizeof *t->be);
    t->loss = bc_calloc(O, sizeof *t->loss);
    t->be_year = bc_calloc(O * (sh->years + 1), sizeof *t->be_year);
    t->bases = bc_calloc(S, sizeof *t->bases);
    if (!t->hist || !t->min || !t->max || !t->be || !t->loss || !t->be_year || !t->bases)
        return -1;
    t->narrow = narrow;
    for (size_t s = 0; s < S; s++) {
        t->hist[s].e = BC_HIST_E0;
        t->hist[s].narrow = narrow;
        t->min[s] = INFINITY;
        t->max[s] = -INFINITY;
    }
    t->first_nonfinite = UINT64_MAX;
    if (sh->win && !narrow) { /* a run's own windows; its threads share them */
        t->wc = bc_calloc(S * BC_NWIN * bc_stats_wslot(sh), sizeof *t->wc);
        t->wbelow = bc_calloc(S * BC_NWIN, sizeof *t->wbelow);
        t->wown = 1;
        if (!t->wc || !t->wbelow)
            return -1;
    }
    return bc_voi_acc_init(t, sh, !narrow) || bc_afford_acc_init(t, sh) || bc_pkg_acc_init(t, sh)
               ? -1
               : 0;
}

int bc_thread_acc_share(bc_thread_acc *t, const bc_stats_shape *sh, const bc_thread_acc *run)
{
    bc_voi_acc_share(t, run);
    t->wc = run->wc;
    t->wbelow = run->wbelow;
    t->wown = 0;
    if (!run->wc || sh->block > UINT16_MAX / 2)
        return 0; /* none, or blocks too long for 16-bit counts */
    const size_t nw = sh->n_series * BC_NWIN;
    t->wt = bc_calloc(nw * bc_stats_wslot(sh), sizeof *t->wt);
    t->wtb = bc_calloc(nw, sizeof *t->wtb);
    return t->wt && t->wtb ? 0 : -1;
}

void bc_thread_acc_flush(const bc_stats_shape *sh, bc_thread_acc *t)
{
    if (!t->wt || !t->wheld)
        return;
    const size_t nw = sh->n_series * BC_NWIN, nc = nw * bc_stats_wslot(sh);
    for (size_t q = 0; q < nc; q++)
        if (t->wt[q]) {
            __atomic_fetch_add(&t->wc[q], (uint64_t)t->wt[q], __ATOMIC_RELAXED);
            t->wt[q] = 0;
        }
    for (size_t q = 0; q < nw; q++)
        if (t->wtb[q]) {
            __atomic_fetch_add(&t->wbelow[q], t->wtb[q], __ATOMIC_RELAXED);
            t->wtb[q] = 0;
        }
    t->wheld = 0;
}

void bc_thread_acc_free(bc_thread_acc *t, const bc_stats_shape *sh)
{
    bc_fhist_free_all(t->hist, sh->n_series);
    bc_free(t->min);
    bc_free(t->max);
    bc_free(t->be);
    bc_free(t->loss);
    bc_free(t->be_year);
    bc_free(t->bases);
    if (t->wown) {
        bc_free(t->wc);
        bc_free(t->wbelow);
    }
    bc_free(t->wt);
    bc_free(t->wtb);
    bc_voi_acc_free(t);
    bc_afford_acc_free(t);
    bc_pkg_acc_free(t, sh);
    memset(t, 0, sizeof *t);
}

int bc_fhist_absorb(bc_fhist *hd, int64_t *dbase, const bc_fhist *hs, int64_t sbase, size_t cap)
{
    if (!hs->n)
        return 0;
    /* both at the coarser width, then add src's counts bin by bin */
    if (hd->e < hs->e)
        fhist_coarsen(hd, dbase, hs->e - hd->e);
    int r;
    do {
        int sh_ = hd->e - hs->e;
        r = fhist_cover(hd, dbase, bc_floor_shift(hs->k0, sh_),
                        bc_floor_shift(hs->k0 + (int64_t)hs->n - 1, sh_), (int64_t)cap);
        if (r < 0)
            return -1;
    } while (r == 1);
    const int shift = hd->e - hs->e;
    for (size_t j = 0; j < hs->n; j++) {
        uint64_t v = bc_fh_get(hs, (size_t)(hs->k0 - sbase + (int64_t)j));
        if (v)
            hd->c[bc_floor_shift(hs->k0 + (int64_t)j, shift) - *dbase] += v;
    }
    return 0;
}

/* d's histogram and extremes of series k += s's. */
static int absorb_series(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s,
                         size_t k)
{
    if (bc_fhist_absorb(&d->hist[k], &d->bases[k], &s->hist[k], s->bases[k], sh->hist_cap))
        return -1;
    if (s->min[k] < d->min[k])
        d->min[k] = s->min[k];
    if (s->max[k] > d->max[k])
        d->max[k] = s->max[k];
    return 0;
}

/* d's counts other than the histograms += s's (windows that d does not share). */
static void absorb_counts(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s)
{
    const size_t O = sh->n_outputs, H = sh->years;
    for (size_t o = 0; o < O; o++) {
        d->be[o] += s->be[o];
        d->loss[o] += s->loss[o];
    }
    for (size_t q = 0; q < O * (H + 1); q++)
        d->be_year[q] += s->be_year[q];
    if (s->wc && s->wc != d->wc && d->wc) {
        const size_t nw = sh->n_series * BC_NWIN;
        for (size_t q = 0; q < nw * bc_stats_wslot(sh); q++)
            d->wc[q] += s->wc[q];
        for (size_t q = 0; q < nw; q++)
            d->wbelow[q] += s->wbelow[q];
    }
    bc_voi_acc_absorb(sh, d, s);
    bc_afford_acc_absorb(sh, d, s);
    d->nonfinite += s->nonfinite;
    if (s->first_nonfinite < d->first_nonfinite)
        d->first_nonfinite = s->first_nonfinite;
    d->oom |= s->oom;
    d->held += s->held;
}

int bc_thread_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s)
{
    for (size_t k = 0; k < sh->n_series; k++)
        if (absorb_series(sh, d, s, k))
            return -1;
    absorb_counts(sh, d, s);
    return bc_pkg_acc_absorb(sh, d, s);
}

void bc_fhist_free_all(bc_fhist *h, size_t n)
{
    for (size_t k = 0; h && k < n; k++) {
        bc_free(h[k].c);
        bc_free(h[k].c32);
    }
    bc_free(h);
}

void bc_fhist_empty(bc_fhist *h, int64_t *base, int narrow)
{
    bc_free(h->c);
    bc_free(h->c32);
    memset(h, 0, sizeof *h);
    h->e = BC_HIST_E0;
    h->narrow = narrow;
    *base = 0;
}

/* Series k of t back to empty, its histogram freed. */
static void reset_series(bc_thread_acc *t, size_t k)
{
    bc_fhist_empty(&t->hist[k], &t->bases[k], t->narrow);
    t->min[k] = INFINITY;
    t->max[k] = -INFINITY;
}

int bc_thread_acc_absorb_all(const bc_stats_shape *sh, bc_thread_acc *d, bc_thread_acc *const *src,
                             int n)
{
    for (size_t k = 0; k < sh->n_series; k++)
        for (int i = 0; i < n; i++) {
            if (absorb_series(sh, d, src[i], k))
                return -1;
            reset_series(src[i], k);
        }
    for (int i = 0; i < n; i++) {
        bc_thread_acc_flush(sh, src[i]);
        absorb_counts(sh, d, src[i]);
        if (bc_pkg_acc_absorb(sh, d, src[i]))
            return -1;
        bc_thread_acc_reset(sh, src[i]);
    }
    return 0;
}

void bc_thread_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t)
{
    const size_t O = sh->n_outputs, H = sh->years;
    for (size_t k = 0; k < sh->n_series; k++)
        reset_series(t, k);
    if (t->wown) {
        memset(t->wc, 0, sh->n_series * BC_NWIN * bc_stats_wslot(sh) * sizeof *t->wc);
        memset(t->wbelow, 0, sh->n_series * BC_NWIN * sizeof *t->wbelow);
    }
    memset(t->be, 0, O * sizeof *t->be);
    memset(t->loss, 0, O * sizeof *t->loss);
    memset(t->be_year, 0, O * (H + 1) * sizeof *t->be_year);
    bc_voi_acc_reset(sh, t);
    bc_afford_acc_reset(sh, t);
    bc_pkg_acc_reset(sh, t);
    t->nonfinite = 0;
    t->first_nonfinite = UINT64_MAX;
    t->oom = 0;
    t->held = 0;
}

int bc_block_acc_init(bc_block_acc *b, const bc_stats_shape *sh)
{
    /* one allocation, carved: mean, m2, rmean, rcom */
    const size_t ns = sh->n_series, p = sh->p ? sh->p : 1, nc = sh->pa ? sh->npair : p * p;
    memset(b, 0, sizeof *b);
    double *all = bc_calloc(2 * ns + p + (nc ? nc : 1), sizeof *all);
    if (!all)
        return -1;
    b->mean = all;
    b->m2 = all + ns;
    b->rmean = all + 2 * ns;
    b->rcom = all + 2 * ns + p;
    return 0;
}

void bc_block_acc_free(bc_block_acc *b)
{
    bc_free(b->mean); /* the one allocation of bc_block_acc_init */
    memset(b, 0, sizeof *b);
}

void bc_block_acc_reset(bc_block_acc *b, const bc_stats_shape *sh)
{
    b->n = 0;
    memset(b->mean, 0, sh->n_series * sizeof *b->mean);
    memset(b->m2, 0, sh->n_series * sizeof *b->m2);
    memset(b->rmean, 0, sh->p * sizeof *b->rmean);
    memset(b->rcom, 0, bc_stats_ncom(sh) * sizeof *b->rcom);
}

/* A column stride of at least n doubles, a whole number of cache lines but
 * not of 4 KiB pages: columns a power of two apart would fall on the same
 * cache sets, and a run's values, one per column, would evict each other. */
static size_t stride(size_t n)
{
    size_t s = (n + 7) & ~(size_t)7;
    return s % 512 == 0 ? s + 8 : s;
}

int bc_block_ws_init(bc_block_ws *w, const bc_stats_shape *sh)
{
    w->zs = stride(sh->block);
    w->used = 0;
    w->v = bc_malloc(sh->n_series * w->zs * sizeof *w->v);
    w->z = bc_malloc((sh->p ? sh->p : 1) * w->zs * sizeof *w->z);
    w->scratch = bc_malloc(sh->block * sizeof *w->scratch);
    w->vb = NULL;
    if (bc_voi_ws_init(&w->voi, sh) ||
        (sh->vbins && sh->nx && !(w->vb = bc_malloc(sh->nx * w->zs * sizeof *w->vb))))
        return -1;
    return w->v && w->z && w->scratch ? 0 : -1;
}

void bc_block_ws_free(bc_block_ws *w)
{
    bc_free(w->v);
    bc_free(w->z);
    bc_free(w->scratch);
    bc_free(w->vb);
    bc_voi_ws_free(&w->voi);
    w->v = w->z = w->scratch = NULL;
    w->vb = NULL;
}

void bc_stats_add_runs(const bc_stats_shape *sh, bc_thread_acc *t, bc_block_ws *w, int *be,
                       size_t ldb, size_t n, uint64_t run0)
{
    const size_t O = sh->n_outputs, H = sh->years, S = sh->n_series, nx = sh->nx, zs = w->zs;
    double *v = w->v + w->used, *z = w->z + w->used, *bad = w->scratch;
    uint16_t *vb = bc_block_ws_bins(w);
    /* bad[k] = sum of 0 x each output of run k: 0, or NaN when one is not finite */
    for (size_t k = 0; k < n; k++)
        bad[k] = 0;
    for (size_t c = 0; c < S; c++)
        for (size_t k = 0; k < n; k++)
            bad[k] += v[c * zs + k] * 0.0;
    size_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        if (bad[k] != 0) {
            t->nonfinite++;
            if (run0 + k < t->first_nonfinite)
                t->first_nonfinite = run0 + k;
            continue;
        }
        if (kept < k) { /* move up over the dropped runs */
            for (size_t c = 0; c < S; c++)
                v[c * zs + kept] = v[c * zs + k];
            for (size_t j = 0; j < nx; j++)
                z[j * zs + kept] = z[j * zs + k];
            for (size_t j = 0; vb && j < nx; j++)
                vb[j * zs + kept] = vb[j * zs + k];
            for (size_t o = 0; o < O; o++)
                be[o * ldb + kept] = be[o * ldb + k];
        }
        kept++;
    }
    for (size_t o = 0; o < O; o++) {
        const double *avg = v + o * zs;
        const int *y = be + o * ldb;
        uint64_t *years = t->be_year + o * (H + 1);
        uint64_t nbe = 0, nloss = 0;
        for (size_t k = 0; k < kept; k++) {
            nbe += avg[k] >= 0;
            nloss += avg[k] < BC_LOSS_THRESHOLD;
        }
        for (size_t k = 0; k < kept; k++)
            years[y[k] < 0 ? H : (size_t)y[k]]++;
        t->be[o] += nbe;
        t->loss[o] += nloss;
        /* the regression's output variables: average gains, then NPVs */
        memcpy(z + (nx + o) * zs, avg, kept * sizeof *z);
        memcpy(z + (nx + O + o) * zs, v + (O + o) * zs, kept * sizeof *z);
    }
    if (vb)
        bc_voi_add(sh, &w->voi, t, v, zs, vb, zs, kept);
    bc_afford_add(sh, t, v, zs, z, zs, kept);
    w->used += kept;
}

typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef long long v4l __attribute__((vector_size(4 * sizeof(long long))));

/* The helpers take vectors by address: passing them by value would change
 * the calling convention between the AVX2 and the baseline versions. */
static inline void load4(v4d *x, const double *p)
{
    memcpy(x, p, sizeof *x);
}

/* *x = m ? *a : *x lane by lane, m from a comparison (all ones or all zeros) */
static inline void select4(v4d *x, const v4l *m, const v4d *a)
{
    v4l ai, xi;
    memcpy(&ai, a, sizeof ai);
    memcpy(&xi, x, sizeof xi);
    xi = (ai & *m) | (xi & ~*m);
    memcpy(x, &xi, sizeof xi);
}

/* The fixed order of every sum here, so that it is reproducible (and four
 * chains hide the latency of addition): lane l adds the rows i = l mod 4
 * below the last multiple of four, lane 0 the rows after it, then
 * (l0 + l1) + (l2 + l3). */
static inline double lanes_total(const v4d *a)
{
    return ((*a)[0] + (*a)[1]) + ((*a)[2] + (*a)[3]);
}

/* The sum of v[0..n) in that order. */
BC_VECTOR_CLONES static double sum4(const double *v, size_t n)
{
    const size_t n4 = n & ~(size_t)3;
    v4d a = {0, 0, 0, 0};
    for (size_t i = 0; i < n4; i += 4) {
        v4d x;
        load4(&x, v + i);
        a += x;
    }
    for (size_t i = n4; i < n; i++)
        a[0] += v[i];
    return lanes_total(&a);
}

/* One pass over a series' values v[0..n): their sum (in that order), and
 * their least and greatest, lowered and raised from *mn and *mx. */
BC_VECTOR_CLONES static double scan4(const double *v, size_t n, double *mn, double *mx)
{
    const size_t n4 = n & ~(size_t)3;
    v4d a = {0, 0, 0, 0}, lo = {*mn, *mn, *mn, *mn}, hi = {*mx, *mx, *mx, *mx};
    for (size_t i = 0; i < n4; i += 4) {
        v4d x;
        load4(&x, v + i);
        a += x;
        const v4l below = x < lo, above = x > hi;
        select4(&lo, &below, &x);
        select4(&hi, &above, &x);
    }
    for (size_t i = n4; i < n; i++) {
        a[0] += v[i];
        lo[0] = v[i] < lo[0] ? v[i] : lo[0];
        hi[0] = v[i] > hi[0] ? v[i] : hi[0];
    }
    for (int l = 0; l < 4; l++) {
        *mn = lo[l] < *mn ? lo[l] : *mn;
        *mx = hi[l] > *mx ? hi[l] : *mx;
    }
    return lanes_total(&a);
}

/* The sum of (v[i] - mean)^2 over i < n, in that order. */
BC_VECTOR_CLONES static double dev4(const double *v, size_t n, double mean)
{
    const size_t n4 = n & ~(size_t)3;
    const v4d m = {mean, mean, mean, mean};
    v4d a = {0, 0, 0, 0};
    for (size_t i = 0; i < n4; i += 4) {
        v4d d;
        load4(&d, v + i);
        d -= m;
        a += d * d;
    }
    for (size_t i = n4; i < n; i++) {
        const double d = v[i] - mean;
        a[0] += d * d;
    }
    return lanes_total(&a);
}

/* out[a p + c] = sum of z_a[i] z_c[i] for every pair of the p columns z_v =
 * z + v B of n values, in the order above, for two-by-two tiles of columns at
 * once, so that each value loaded serves two products. No fused
 * multiply-adds: the sums are the same on every machine. */
BC_VECTOR_CLONES static void
gram(const double *z, size_t B, size_t p, size_t n, double *out)
{
    const size_t n4 = n & ~(size_t)3;
    for (size_t a = 0; a < p; a += 2) {
        const size_t a1 = a + 1 < p ? a + 1 : a;
        for (size_t c = a; c < p; c += 2) {
            const size_t c1 = c + 1 < p ? c + 1 : c;
            const double *xa = z + a * B, *xb = z + a1 * B, *ya = z + c * B, *yb = z + c1 * B;
            v4d s00 = {0, 0, 0, 0}, s01 = s00, s10 = s00, s11 = s00;
            for (size_t i = 0; i < n4; i += 4) {
                v4d u0, u1, v0, v1;
                load4(&u0, xa + i);
                load4(&u1, xb + i);
                load4(&v0, ya + i);
                load4(&v1, yb + i);
                s00 += u0 * v0;
                s01 += u0 * v1;
                s10 += u1 * v0;
                s11 += u1 * v1;
            }
            for (size_t i = n4; i < n; i++) {
                s00[0] += xa[i] * ya[i];
                s01[0] += xa[i] * yb[i];
                s10[0] += xb[i] * ya[i];
                s11[0] += xb[i] * yb[i];
            }
            const size_t ia[4] = {a, a, a1, a1}, ic[4] = {c, c1, c, c1};
            const v4d *sv[4] = {&s00, &s01, &s10, &s11};
            for (int k = 0; k < 4; k++)
                out[ia[k] * p + ic[k]] = out[ic[k] * p + ia[k]] = lanes_total(sv[k]);
        }
    }
}

/* out[q] = sum of z_a[i] z_c[i] over i < n for the pairs (a, c) = (pa[q],
 * pc[q]), columns z_v = z + v B, each sum in the order of sum4. */
BC_VECTOR_CLONES static void pair_gram(const double *z, size_t B, size_t npair,
                                       const uint32_t *pa, const uint32_t *pc, size_t n,
                                       double *out)
{
    const size_t n4 = n & ~(size_t)3;
    for (size_t q = 0; q < npair; q++) {
        const double *x = z + (size_t)pa[q] * B, *y = z + (size_t)pc[q] * B;
        v4d s = {0, 0, 0, 0};
        for (size_t i = 0; i < n4; i += 4) {
            v4d u, v;
            load4(&u, x + i);
            load4(&v, y + i);
            s += u * v;
        }
        for (size_t i = n4; i < n; i++)
            s[0] += x[i] * y[i];
        out[q] = lanes_total(&s);
    }
}

static int cmp_pair(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

int bc_stats_reg_pairs(bc_stats_shape *sh, const unsigned char *copula,
                       const unsigned char *uses, uint32_t **pa, uint32_t **pc)
{
    const size_t nx = sh->nx, O = sh->n_outputs;
    *pa = *pc = NULL;
    /* the inputs' pairs as a << 32 | c (a <= c), duplicates removed after */
    size_t nc = 0, cand = nx;
    for (size_t k = 0; k < nx; k++)
        nc += copula[k] != 0;
    cand += nc * nc;
    size_t *deps = bc_malloc((O ? O : 1) * sizeof *deps), *dk = bc_malloc((nx ? nx : 1) * sizeof *dk);
    if (!deps || !dk)
        goto oom;
    size_t nout = 0;
    for (size_t o = 0; o < O; o++) {
        deps[o] = 0;
        for (size_t k = 0; k < nx; k++)
            deps[o] += uses[o * nx + k] != 0;
        nout += 2 * deps[o] + 2;
        if (deps[o] <= BC_REG_DENSE_MAX)
            cand += deps[o] * deps[o];
    }
    uint64_t *ab = bc_malloc((cand ? cand : 1) * sizeof *ab);
    if (!ab)
        goto oom;
    size_t m = 0;
    for (size_t a = 0; a < nx; a++) {
        ab[m++] = (uint64_t)a << 32 | a;
        if (copula[a])
            for (size_t c = a + 1; c < nx; c++)
                if (copula[c])
                    ab[m++] = (uint64_t)a << 32 | c;
    }
    for (size_t o = 0; o < O; o++) {
        if (deps[o] > BC_REG_DENSE_MAX) /* the portfolio: no cross-products */
            continue;
        size_t nd = 0;
        for (size_t k = 0; k < nx; k++)
            if (uses[o * nx + k])
                dk[nd++] = k;
        for (size_t x = 0; x < nd; x++)
            for (size_t y = x + 1; y < nd; y++)
                ab[m++] = (uint64_t)dk[x] << 32 | dk[y];
    }
    qsort(ab, m, sizeof *ab, cmp_pair);
    size_t u = 0;
    for (size_t q = 0; q < m; q++)
        if (u == 0 || ab[q] != ab[u - 1])
            ab[u++] = ab[q];
    *pa = bc_malloc((u + nout) * sizeof **pa);
    *pc = bc_malloc((u + nout) * sizeof **pc);
    if (!*pa || !*pc) {
        bc_free(ab);
        goto oom;
    }
    size_t q = 0;
    for (; q < u; q++) {
        (*pa)[q] = (uint32_t)(ab[q] >> 32);
        (*pc)[q] = (uint32_t)(ab[q] & 0xffffffffu);
    }
    bc_free(ab);
    for (size_t j = 0; j < 2 * O; j++) {
        const size_t o = j % O, v = nx + j;
        for (size_t k = 0; k < nx; k++)
            if (uses[o * nx + k]) {
                (*pa)[q] = (uint32_t)k;
                (*pc)[q++] = (uint32_t)v;
            }
        (*pa)[q] = (*pc)[q] = (uint32_t)v;
        q++;
    }
    bc_free(deps);
    bc_free(dk);
    sh->npair = q;
    sh->pa = *pa;
    sh->pc = *pc;
    return 0;
oom:
    bc_free(deps);
    bc_free(dk);
    bc_free(*pa);
    bc_free(*pc);
    *pa = *pc = NULL;
    return -1;
}

void bc_block_finish(const bc_stats_shape *sh, bc_thread_acc *t, bc_block_acc *b,
                     bc_block_ws *w)
{
    const size_t p = sh->p, n = w->used;
    if (n == 0)
        return;
    b->n = n;
    bc_voi_flush(sh, &w->voi, t);
    for (size_t s = 0; s < sh->n_series; s++) {
        const double *v = w->v + s * w->zs;
        /* two passes: mean = sum/n (with the extremes), m2 = sum (x - mean)^2;
         * then the histogram, while the values are in cache */
        double mn = INFINITY, mx = -INFINITY;
        const double mean = scan4(v, n, &mn, &mx) / (double)n;
        b->mean[s] = mean;
        b->m2[s] = dev4(v, n, mean);
        t->min[s] = mn < t->min[s] ? mn : t->min[s];
        t->max[s] = mx > t->max[s] ? mx : t->max[s];
        if (fhist_add_many(&t->hist[s], &t->bases[s], v, n, mn, mx, (int64_t)sh->hist_cap))
            t->oom = 1;
        if (t->wc)
            bc_stats_count_windows(sh, t, s, v, n);
    }
    /* the packages, over the whole block: each package's histogram is then
     * brought into cache once a block */
    if (bc_pkg_add(sh, t, w->v, w->zs, n))
        t->oom = 1;
    t->held += n;
    /* a thread's 16-bit window counts go to the run's before the next block
     * could overflow them */
    t->wheld += n;
    if (t->wt && t->wheld + sh->block > UINT16_MAX)
        bc_thread_acc_flush(sh, t);
    for (size_t v = 0; v < p; v++) {
        double *z = w->z + v * w->zs;
        double m = sum4(z, n) / (double)n;
        b->rmean[v] = m;
        for (size_t i = 0; i < n; i++)
            z[i] -= m;
    }
    if (sh->pa)
        pair_gram(w->z, w->zs, sh->npair, sh->pa, sh->pc, n, b->rcom);
    else
        gram(w->z, w->zs, p, n, b->rcom);
    w->used = 0;
}

void bc_block_merge(const bc_stats_shape *sh, bc_block_acc *total, const bc_block_acc *b)
{
    if (b->n == 0)
        return;
    const double na = (double)total->n, nb = (double)b->n, n = na + nb;
    const double f = na * nb / n;
    /* Chan et al.: mean = ma + d nb/n, m2 = m2a + m2b + d^2 na nb / n */
    for (size_t s = 0; s < sh->n_series; s++) {
        double d = b->mean[s] - total->mean[s];
        total->mean[s] += d * (nb / n);
        total->m2[s] += b->m2[s] + d * d * f;
    }
    const size_t p = sh->p;
    if (sh->pa) {
        for (size_t q = 0; q < sh->npair; q++) {
            const double da = b->rmean[sh->pa[q]] - total->rmean[sh->pa[q]];
            const double dc = b->rmean[sh->pc[q]] - total->rmean[sh->pc[q]];
            total->rcom[q] += b->rcom[q] + da * dc * f;
        }
    } else {
        for (size_t a = 0; a < p; a++) {
            double da = b->rmean[a] - total->rmean[a];
            for (size_t c = 0; c < p; c++) {
                double dc = b->rmean[c] - total->rmean[c];
                total->rcom[a * p + c] += b->rcom[a * p + c] + da * dc * f;
            }
        }
    }
    for (size_t a = 0; a < p; a++)
        total->rmean[a] += (b->rmean[a] - total->rmean[a]) * (nb / n);
    total->n += b->n;
}
