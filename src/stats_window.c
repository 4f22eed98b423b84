/* stats_window.c: fine windows around the quantiles of a long run. A
 * series' coarse histogram holds a bounded number of bins, so over a wide
 * range its bins are wide; each reported quantile then has a window of fine
 * bins of its own, placed by a pilot run (engine_pilot.c), and counted by
 * every thread into 16-bit counts of its own that it adds to the run's
 * (integer additions, so the result does not depend on their order). See
 * docs/reliability.md, "Quantiles of long runs". */
#include <math.h>
#include <string.h>

#include "alloc_int.h"
#include "simd_int.h"
#include "stats_int.h"

/* The counts of window k of series s in accumulator a, and its values below. */
static uint64_t *wcounts(const bc_stats_shape *sh, const bc_thread_acc *a, size_t s, int k)
{
    return a->wc + (s * BC_NWIN + (size_t)k) * bc_stats_wslot(sh);
}

/* One pass over v[0..n) for window w (n <= 256): how many values lie below
 * it, and the bins of those in it, j[0 .. *nin), without a branch a value.
 * floor(v scale) - k0 = floor(v scale - k0) exactly: v scale is below 2^52
 * in magnitude, so it and the integer k0 are whole multiples of its last
 * place, and so is their difference, a number below the window's bins. */
static uint64_t scan_window(const double *v, size_t n, const bc_window *w, int32_t *j,
                            size_t *nin)
{
    const double scale = w->scale, lo = (double)w->k0, nb = (double)w->nb;
    uint64_t below = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        const double f = v[i] * scale - lo;
        const int inside = (f >= 0) & (f < nb);
        below += f < 0;
        j[cnt] = inside ? (int32_t)f : 0;
        cnt += (size_t)inside;
    }
    *nin = cnt;
    return below;
}

/* Whether the present windows of a series follow each other with at least
 * a bin between them (in value, allowing for rounding), so that a value lies
 * in one at most: then it is the last window whose start it has reached. */
static int windows_apart(const bc_window *w, int *present, int *np)
{
    int n = 0;
    for (int k = 0; k < BC_NWIN; k++)
        if (w[k].nb)
            present[n++] = k;
    *np = n;
    for (int a = 0; a + 1 < n; a++) {
        const bc_window *x = &w[present[a]], *y = &w[present[a + 1]];
        if (!((double)(x->k0 + x->nb + 1) / x->scale < (double)(y->k0 - 1) / y->scale))
            return 0;
    }
    return 1;
}

/* reached[i] += (x[i] scale >= lo) for i < m, in vector registers; how many. */
BC_VECTOR_CLONES static int64_t reach(const double *x, size_t m, double scale, double lo,
                                      int64_t *reached)
{
    int64_t n = 0;
    for (size_t i = 0; i < m; i++) {
        const int64_t ge = x[i] * scale >= lo;
        reached[i] += ge;
        n += ge;
    }
    return n;
}

/* Windows apart: for 256 values at a time, how many windows' starts each
 * has reached (and, from the same comparisons, the values below each
 * window), in vector registers; then each value's bin in the window it may
 * be in, without a branch; then the increments. */
static void count_apart(const bc_stats_shape *sh, bc_thread_acc *t, size_t s, const double *v,
                        size_t n, const int *present, int np)
{
    const bc_window *win = &sh->win[s * BC_NWIN];
    double sc[BC_NWIN], lo[BC_NWIN], nb[BC_NWIN];
    uint16_t *c[BC_NWIN];
    uint64_t below[BC_NWIN] = {0};
    for (int a = 0; a < np; a++) {
        const bc_window *w = &win[present[a]];
        sc[a] = w->scale;
        lo[a] = (double)w->k0;
        nb[a] = (double)w->nb;
        c[a] = t->wt + (s * BC_NWIN + (size_t)present[a]) * bc_stats_wslot(sh);
    }
    int64_t reached[256];
    uint16_t *dst[256];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        const size_t m = n - i0 < 256 ? n - i0 : 256;
        const double *x = v + i0;
        for (size_t i = 0; i < m; i++)
            reached[i] = 0;
        for (int a = 0; a < np; a++)
            below[a] += (uint64_t)m - reach(x, m, sc[a], lo[a], reached);
        size_t cnt = 0;
        for (size_t i = 0; i < m; i++) {
            const int64_t a = reached[i] - 1, ok = a >= 0, aa = ok ? a : 0;
            const double f = x[i] * sc[aa] - lo[aa];
            double fc = f < nb[aa] ? f : -1.0; /* in [0, nb) when inside, else < 0 */
            fc = ok ? fc : -1.0;
            const int64_t inside = fc >= 0;
            fc = fc > 0 ? fc : 0.0;
            dst[cnt] = c[aa] + (int32_t)fc;
            cnt += (size_t)inside;
        }
        for (size_t q = 0; q < cnt; q++)
            ++*dst[q];
    }
    for (int a = 0; a < np; a++)
        t->wtb[s * BC_NWIN + (size_t)present[a]] += below[a];
}

/* One window at a time (windows that overlap, or blocks too long for a
 * thread's 16-bit counts). */
static void count_each(const bc_stats_shape *sh, bc_thread_acc *t, size_t s, const double *v,
                       size_t n)
{
    int32_t bins[256];
    for (int k = 0; k < BC_NWIN; k++) {
        const bc_window *w = &sh->win[s * BC_NWIN + (size_t)k];
        if (!w->nb)
            continue;
        const size_t at = (s * BC_NWIN + (size_t)k) * bc_stats_wslot(sh);
        uint16_t *c = t->wt ? t->wt + at : NULL;
        uint64_t *c64 = t->wc + at; /* blocks too long for 16 bits: atomically */
        uint64_t below = 0;
        for (size_t i0 = 0; i0 < n; i0 += 256) {
            const size_t m = n - i0 < 256 ? n - i0 : 256;
            size_t nin;
            below += scan_window(v + i0, m, w, bins, &nin);
            if (c)
                for (size_t q = 0; q < nin; q++)
                    c[bins[q]]++;
            else
                for (size_t q = 0; q < nin; q++)
                    __atomic_fetch_add(&c64[bins[q]], 1, __ATOMIC_RELAXED);
        }
        if (c)
            t->wtb[s * BC_NWIN + (size_t)k] += below;
        else
            __atomic_fetch_add(&t->wbelow[s * BC_NWIN + (size_t)k], below, __ATOMIC_RELAXED);
    }
}

void bc_stats_count_windows(const bc_stats_shape *sh, bc_thread_acc *t, size_t s, const double *v,
                            size_t n)
{
    int present[BC_NWIN], np;
    if (t->wt && windows_apart(&sh->win[s * BC_NWIN], present, &np)) {
        if (np)
            count_apart(sh, t, s, v, n, present, np);
    } else {
        count_each(sh, t, s, v, n);
    }
}

int bc_stats_window_quantile(const bc_stats_shape *sh, const bc_thread_acc *a, size_t s, int k,
                             double p, uint64_t n, double mn, double mx, double *q, double *half)
{
    const bc_window *w = &sh->win[s * BC_NWIN + (size_t)k];
    if (!w->nb || !a->wc)
        return 0;
    const uint64_t r = bc_stats_rank(p, n);
    uint64_t cum = a->wbelow[s * BC_NWIN + (size_t)k];
    if (r <= cum)
        return 0;
    const uint64_t *c = wcounts(sh, a, s, k);
    for (int64_t j = 0; j < w->nb; j++) {
        cum += c[j];
        if (cum >= r) {
            const double v = ((double)(w->k0 + j) + 0.5) / w->scale;
            *q = v < mn ? mn : v > mx ? mx : v;
            *half = 0.5 / w->scale;
            return 1;
        }
    }
    return 0;
}

/* The window over [lo, hi] (lo <= hi, finite) in at most wbins + 2 bins:
 * 2^-10 mDKK wide when that is enough, else wbins over the width. None (nb
 * = 0) where the bin indices would not be exact in a double. */
static bc_window window_over(double lo, double hi, size_t wbins)
{
    bc_window w = {1024.0, 0, 0};
    if (!(hi - lo <= (double)wbins / 1024.0))
        w.scale = (double)wbins / (hi - lo);
    const double a = floor(lo * w.scale), b = floor(hi * w.scale);
    if (!(fabs(a) < 0x1p52 && fabs(b) < 0x1p52) || !isfinite(w.scale))
        return (bc_window){1024.0, 0, 0};
    w.k0 = (int64_t)a;
    w.nb = (int64_t)b - w.k0 + 1;
    if (w.nb > (int64_t)wbins + 2)
        w.nb = (int64_t)wbins + 2;
    return w;
}

void bc_stats_make_windows(const bc_stats_shape *sh, const unsigned char *need, const double *lo,
                           const double *lo_half, const double *hi, const double *hi_half,
                           bc_window *win)
{
    for (size_t s = 0; s < sh->n_series; s++)
        for (size_t k = 0; k < BC_NWIN; k++) {
            const size_t i = s * BC_NWIN + k;
            win[i] = need[s] ? window_over(lo[i] - lo_half[i], hi[i] + hi_half[i], sh->wbins)
                             : (bc_window){1024.0, 0, 0};
        }
}

int bc_stats_bounds(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t n, double *lo,
                    double *lo_half, double *hi, double *hi_half)
{
    for (size_t s = 0; s < sh->n_series; s++) {
        const double mn = a->min[s], mx = a->max[s];
        double q[2 * BC_NWIN], half[2 * BC_NWIN], probs[2 * BC_NWIN];
        for (int k = 0; k < BC_NWIN; k++) {
            probs[k] = sh->wa[k];
            probs[BC_NWIN + k] = sh->wb[k];
        }
        if (bc_stats_coarse(sh, a, 1, s, n, mn, mx, probs, 2 * BC_NWIN, q, half, NULL, NULL))
            return -1;
        for (int k = 0; k < 2 * BC_NWIN; k++) {
            if (probs[k] <= 0 || probs[k] >= 1) { /* the extremes, exactly */
                q[k] = probs[k] <= 0 ? mn : mx;
                half[k] = 0;
            } else if (sh->win) {
                bc_stats_window_quantile(sh, a, s, k % BC_NWIN, probs[k], n, mn, mx, &q[k],
                                         &half[k]);
            }
        }
        for (int k = 0; k < BC_NWIN; k++) {
            lo[s * BC_NWIN + (size_t)k] = q[k];
            lo_half[s * BC_NWIN + (size_t)k] = half[k];
            hi[s * BC_NWIN + (size_t)k] = q[BC_NWIN + k];
            hi_half[s * BC_NWIN + (size_t)k] = half[BC_NWIN + k];
        }
    }
    return 0;
}
