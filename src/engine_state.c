/* engine_state.c: a run's state as bytes (little-endian words) and back:
 * what a checkpoint or a shard holds, and what MPI ranks send (see
 * include/bcsim/engine.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"
#include "engine_int.h"

#define STATE_MAGIC 0x3454535453434223ULL    /* "#BCSTST4": with the packages */
#define STATE_MAGIC_V3 0x3354535453434223ULL /* "#BCSTST3": with the value of information */
#define STATE_MAGIC_V2 0x3254535453434223ULL /* "#BCSTST2": with fine windows, before it */
#define STATE_MAGIC_V1 0x3154535453434223ULL /* "#BCSTST1": before them */

typedef struct wbuf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
    if (w->oom)
        return;
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n)
            cap *= 2;
        unsigned char *q = bc_realloc(w->p, cap);
        if (!q) {
            w->oom = 1;
            return;
        }
        w->p = q;
        w->cap = cap;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}

static void put_u64(wbuf *w, uint64_t v)
{
    put(w, &v, sizeof v);
}

static void put_block(wbuf *w, const bc_stats_shape *sh, const bc_block_acc *b)
{
    put_u64(w, b->n);
    put(w, b->mean, sh->n_series * sizeof(double));
    put(w, b->m2, sh->n_series * sizeof(double));
    put(w, b->rmean, sh->p * sizeof(double));
    put(w, b->rcom, bc_stats_ncom(sh) * sizeof(double));
}

/* A histogram of 64-bit counts: its width, first bin and bins, then the counts. */
static void put_hist(wbuf *w, const bc_fhist *h, int64_t base)
{
    const int64_t meta[3] = {h->e, h->k0, (int64_t)h->n};
    put(w, meta, sizeof meta);
    if (h->n)
        put(w, h->c + (h->k0 - base), h->n * sizeof(uint64_t));
}

/* The packages' histograms, counts and sums (128-bit integers, low word first). */
static void put_packages(wbuf *w, const bc_stats_shape *sh, const bc_thread_acc *a)
{
    put_u64(w, sh->pk);
    if (!a->ph)
        return;
    const size_t K = (size_t)1 << sh->pk;
    for (size_t k = 0; k < K; k++)
        put_hist(w, &a->ph[k], a->pbase[k]);
    put(w, a->pbe, K * sizeof(uint64_t));
    put(w, a->ploss, K * sizeof(uint64_t));
    put(w, a->psx, sh->pk * (sh->pk + 2) * sizeof(bc_i128));
    put(w, &a->psm, sizeof a->psm);
    put(w, &a->psmm, sizeof a->psmm);
    put_u64(w, a->pbig);
}

int bc_run_state_pack(const bc_run_state *s, void **buf, size_t *len, bc_error *err)
{
    const bc_stats_shape *sh = &s->sh;
    const uint16_t one = 1;
    *buf = NULL;
    *len = 0;
    if (*(const unsigned char *)&one != 1)
        return bc_error_set(err, BC_EINVAL, "checkpoints need a little-endian machine");
    if (s->acc.oom)
        return bc_error_set(err, BC_ENOMEM, "out of memory growing a histogram");
    wbuf w = {0};
    const uint64_t head[] = {STATE_MAGIC, sh->n_outputs, sh->years, sh->n_series, sh->nx, sh->p,
                             sh->block, s->runs, s->seed, (uint64_t)s->sampler, s->nseg,
                             s->first, s->next, (uint64_t)s->keep, s->nsegs};
    put(&w, head, sizeof head);
    if (s->keep)
        for (size_t i = 0; i < s->nsegs; i++)
            put_block(&w, sh, &s->segs[i]);
    else
        put_block(&w, sh, &s->fold);
    const bc_thread_acc *a = &s->acc;
    for (size_t k = 0; k < sh->n_series; k++)
        put_hist(&w, &a->hist[k], a->bases[k]);
    put(&w, a->min, sh->n_series * sizeof(double));
    put(&w, a->max, sh->n_series * sizeof(double));
    put(&w, a->be, sh->n_outputs * sizeof(uint64_t));
    put(&w, a->loss, sh->n_outputs * sizeof(uint64_t));
    put(&w, a->be_year, sh->n_outputs * (sh->years + 1) * sizeof(uint64_t));
    put_u64(&w, a->nonfinite);
    put_u64(&w, a->first_nonfinite);
    /* the windows last, so that the layout before them is that of a run without */
    const size_t nw = sh->n_series * BC_NWIN;
    put_u64(&w, s->win != NULL);
    for (size_t i = 0; s->win && i < nw; i++) {
        put(&w, &s->win[i].scale, sizeof(double));
        put(&w, &s->win[i].k0, sizeof(int64_t));
        put(&w, &s->win[i].nb, sizeof(int64_t));
    }
    if (s->win) {
        put(&w, a->wc, nw * bc_stats_wslot(sh) * sizeof(uint64_t));
        put(&w, a->wbelow, nw * sizeof(uint64_t));
    }
    /* the value of information's sums (128-bit integers, low word first) */
    put_u64(&w, sh->vbins);
    if (a->vg) {
        put(&w, a->vg, bc_voi_ng(sh) * sizeof(bc_i128));
        put(&w, a->vs, bc_voi_ns(sh) * sizeof(bc_i128));
        put(&w, a->vc, bc_voi_nc(sh) * sizeof(uint64_t));
        put_u64(&w, a->vbig);
    }
    put_u64(&w, (uint64_t)sh->afford);
    if (a->ac)
        put(&w, a->ac, sh->n_outputs * BC_AF_SLOTS * sizeof(uint64_t));
    put_packages(&w, sh, a);
    if (w.oom) {
        bc_free(w.p);
        return bc_error_set(err, BC_ENOMEM, "out of memory packing the run's state");
    }
    *buf = w.p;
    *len = w.n;
    return BC_OK;
}

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rbuf;

static void get(rbuf *r, void *dst, size_t n)
{
    if (r->bad || r->n - r->at < n) {
        if (!r->bad) /* a failed allocation (2) stays the reason */
            r->bad = 1;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p + r->at, n);
    r->at += n;
}

static void get_block(rbuf *r, const bc_stats_shape *sh, bc_block_acc *b)
{
    get(r, &b->n, sizeof b->n);
    get(r, b->mean, sh->n_series * sizeof(double));
    get(r, b->m2, sh->n_series * sizeof(double));
    get(r, b->rmean, sh->p * sizeof(double));
    get(r, b->rcom, bc_stats_ncom(sh) * sizeof(double));
}

/* A histogram packed by put_hist, its counts from base = k0 (r->bad 1
 * when it cannot be one, 2 when out of memory). */
static void get_hist(rbuf *r, bc_fhist *h, int64_t *base)
{
    int64_t meta[3];
    get(r, meta, sizeof meta);
    if (r->bad)
        return;
    if (meta[2] < 0 || meta[2] > ((int64_t)1 << 20) || meta[0] < -64 || meta[0] > 1100) {
        r->bad = 1;
        return;
    }
    h->e = (int)meta[0];
    if (meta[2] > 0) {
        h->c = bc_calloc((size_t)meta[2], sizeof *h->c);
        if (!h->c) {
            r->bad = 2;
            return;
        }
        h->cap = h->n = (size_t)meta[2];
        h->k0 = meta[1];
        *base = meta[1];
        get(r, h->c, h->n * sizeof(uint64_t));
    }
}

/* The packages' part of a packed state, into a (made for the shape sh). */
static void get_packages(rbuf *r, const bc_stats_shape *sh, bc_thread_acc *a)
{
    uint64_t pk = 0;
    get(r, &pk, sizeof pk);
    if (!r->bad && (pk != sh->pk || (pk && !a->ph)))
        r->bad = 1;
    if (r->bad || !a->ph)
        return;
    const size_t K = (size_t)1 << sh->pk;
    for (size_t k = 0; k < K && !r->bad; k++)
        get_hist(r, &a->ph[k], &a->pbase[k]);
    get(r, a->pbe, K * sizeof(uint64_t));
    get(r, a->ploss, K * sizeof(uint64_t));
    get(r, a->psx, sh->pk * (sh->pk + 2) * sizeof(bc_i128));
    get(r, &a->psm, sizeof a->psm);
    get(r, &a->psmm, sizeof a->psmm);
    get(r, &a->pbig, sizeof a->pbig);
}

/* Whether the packages' counts hold `count` runs each: every histogram
 * those runs, within the bins a histogram may span, and at most as many
 * breaking even or losing. */
static int packages_consistent(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t count)
{
    for (size_t k = 0; a->ph && k < ((size_t)1 << sh->pk); k++) {
        const bc_fhist *h = &a->ph[k];
        uint64_t sum = 0;
        for (size_t j = 0; j < h->n; j++) {
            if (sum + h->c[j] < sum)
                return 0;
            sum += h->c[j];
        }
        if (sum != count || h->n > sh->pk_cap || a->pbe[k] > count || a->ploss[k] > count ||
            h->k0 <= -((int64_t)1 << 60) || h->k0 >= ((int64_t)1 << 60) || a->pbig > count)
            return 0;
    }
    return 1;
}

/* Whether an unpacked histogram agrees with its series' extremes and holds
 * `count` values, every one of them between the extremes: the summary later
 * indexes its bins by the extremes, so a damaged or forged file must not get
 * past this. (The file has no checksum; this catches what could do harm.) */
static int hist_consistent(const bc_fhist *h, double mn, double mx, uint64_t count)
{
    if (h->n == 0)
        return count == 0;
    const double sc = ldexp(1.0, -h->e);
    const int64_t lim = (int64_t)1 << 60;
    if (!(mn <= mx) || !(fabs(mn * sc) < 0x1p60) || !(fabs(mx * sc) < 0x1p60) ||
        h->k0 <= -lim || h->k0 >= lim)
        return 0;
    const int64_t lo = (int64_t)floor(mn * sc), hi = (int64_t)floor(mx * sc);
    uint64_t sum = 0;
    for (size_t j = 0; j < h->n; j++) {
        const uint64_t v = h->c[j]; /* unpacked with base = k0 */
        const int64_t at = h->k0 + (int64_t)j;
        if (v && (at < lo || at > hi || sum + v < sum))
            return 0;
        sum += v;
    }
    return sum == count;
}

/* Whether series k's windows hold at most `count` values (below and in them). */
static int windows_consistent(const bc_stats_shape *sh, const bc_thread_acc *a, size_t k,
                              uint64_t count)
{
    for (size_t w = 0; sh->win && w < BC_NWIN; w++) {
        const size_t i = k * BC_NWIN + w;
        uint64_t sum = a->wbelow[i];
        for (size_t j = 0; j < bc_stats_wslot(sh); j++) {
            const uint64_t v = a->wc[i * bc_stats_wslot(sh) + j];
            if (sum + v < sum || (j >= (size_t)sh->win[i].nb && v))
                return 0;
            sum += v;
        }
        if (sum > count)
            return 0;
    }
    return 1;
}

/* The windows of a packed state and their counts, installed in s (made
 * without): none, or n_series * BC_NWIN windows, each checked to be one that
 * counting can use safely. */
static int unpack_windows(rbuf *r, bc_run_state *s, bc_error *err)
{
    uint64_t has = 0;
    get(r, &has, sizeof has);
    if (has > 1)
        r->bad = 1;
    if (r->bad || !has)
        return BC_OK; /* r->bad: reported as damaged by the caller */
    const size_t S = s->sh.n_series, nw = S * BC_NWIN;
    const int64_t most = (int64_t)bc_stats_wbins(S) + 2;
    bc_window *win = bc_malloc((nw ? nw : 1) * sizeof *win);
    if (!win)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    for (size_t i = 0; i < nw && !r->bad; i++) {
        get(r, &win[i].scale, sizeof(double));
        get(r, &win[i].k0, sizeof(int64_t));
        get(r, &win[i].nb, sizeof(int64_t));
        const bc_window *w = &win[i];
        if (!(w->scale > 0 && w->scale < 0x1p60) || w->nb < 0 || w->nb > most ||
            w->k0 <= -((int64_t)1 << 52) || w->k0 >= ((int64_t)1 << 52) - most)
            r->bad = 1;
    }
    bc_thread_acc *a = &s->acc;
    a->wc = bc_calloc(nw * bc_stats_wslot(&s->sh), sizeof *a->wc);
    a->wbelow = bc_calloc(nw ? nw : 1, sizeof *a->wbelow);
    a->wown = 1;
    s->win = win;
    s->sh.win = win;
    s->sh.hist_cap = bc_stats_hist_cap(S, 1);
    if (!a->wc || !a->wbelow)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    get(r, a->wc, nw * bc_stats_wslot(&s->sh) * sizeof(uint64_t));
    get(r, a->wbelow, nw * sizeof(uint64_t));
    return BC_OK;
}

/* The value of information's sums and the affordability's counts of a
 * packed state, into a (made for the shape sh). */
static void unpack_decision(rbuf *r, const bc_stats_shape *sh, bc_thread_acc *a)
{
    uint64_t vbins = 0, afford = 0;
    get(r, &vbins, sizeof vbins);
    if (!r->bad && (vbins != sh->vbins || (vbins && !a->vg)))
        r->bad = 1;
    if (!r->bad && a->vg) {
        get(r, a->vg, bc_voi_ng(sh) * sizeof(bc_i128));
        get(r, a->vs, bc_voi_ns(sh) * sizeof(bc_i128));
        get(r, a->vc, bc_voi_nc(sh) * sizeof(uint64_t));
        get(r, &a->vbig, sizeof a->vbig);
    }
    get(r, &afford, sizeof afford);
    if (!r->bad && (afford != (uint64_t)sh->afford || (afford && !a->ac)))
        r->bad = 1;
    if (!r->bad && a->ac)
        get(r, a->ac, sh->n_outputs * BC_AF_SLOTS * sizeof(uint64_t));
}

/* Whether the decision counts of a hold `count` runs: every output's
 * affordability counts, and every component's bins (less the runs too
 * large for the value of information's sums). */
static int decision_consistent(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t count)
{
    for (size_t o = 0; a->ac && o < sh->n_outputs; o++) {
        uint64_t c = 0;
        for (size_t j = 0; j < BC_AF_SLOTS; j++)
            c += a->ac[o * BC_AF_SLOTS + j];
        if (c != count)
            return 0;
    }
    for (size_t k = 0; a->vc && k < sh->nx; k++) {
        uint64_t c = 0;
        for (size_t b = 0; b < sh->vbins; b++)
            c += a->vc[k * sh->vbins + b];
        if (a->vbig > count || c != count - a->vbig)
            return 0;
    }
    return 1;
}

int bc_run_state_unpack(const bc_model *m, const bc_run_config *cfg, const void *buf, size_t len,
                        bc_run_state **out, bc_error *err)
{
    *out = NULL;
    rbuf r = {buf, len, 0, 0};
    uint64_t head[15];
    get(&r, head, sizeof head);
    if (!r.bad &&
        (head[0] == STATE_MAGIC_V1 || head[0] == STATE_MAGIC_V2 || head[0] == STATE_MAGIC_V3))
        return bc_error_set(err, BC_EINVAL,
                            "the run state was saved by an earlier version of bcsim, whose "
                            "states this one does not read: run it again");
    if (r.bad || head[0] != STATE_MAGIC)
        return bc_error_set(err, BC_EINVAL, "not a bcsim run state");
    bc_run_state *s = NULL;
    int rc = bc_run_state_alloc_windows(m, cfg, head[11], (int)head[13], bc_quantile_probs,
                                        bc_quantile_probs, NULL, NULL, &s, err);
    if (rc)
        return rc;
    const bc_stats_shape *sh = &s->sh;
    if (head[1] != sh->n_outputs || head[2] != sh->years || head[3] != sh->n_series ||
        head[4] != sh->nx || head[5] != sh->p || head[6] != sh->block || head[7] != s->runs ||
        head[8] != s->seed || head[9] != (uint64_t)s->sampler || head[10] != s->nseg ||
        head[12] < head[11] || head[12] > s->nseg ||
        (head[13] && head[14] != head[12] - head[11])) {
        bc_run_state_free(s);
        return bc_error_set(err, BC_EINVAL,
                            "the state was saved by a run of another model or configuration");
    }
    if (head[13]) {
        bc_block_acc seg;
        if (bc_block_acc_init(&seg, sh)) {
            bc_block_acc_free(&seg);
            bc_run_state_free(s);
            return bc_error_set(err, BC_ENOMEM, "out of memory");
        }
        for (uint64_t i = 0; i < head[14] && !r.bad; i++) {
            get_block(&r, sh, &seg);
            if (bc_run_state_take_segment(s, &seg))
                r.bad = 2;
        }
        bc_block_acc_free(&seg);
    } else {
        get_block(&r, sh, &s->fold);
        s->next = head[12];
    }
    bc_thread_acc *a = &s->acc;
    for (size_t k = 0; k < sh->n_series && !r.bad; k++)
        get_hist(&r, &a->hist[k], &a->bases[k]);
    get(&r, a->min, sh->n_series * sizeof(double));
    get(&r, a->max, sh->n_series * sizeof(double));
    get(&r, a->be, sh->n_outputs * sizeof(uint64_t));
    get(&r, a->loss, sh->n_outputs * sizeof(uint64_t));
    get(&r, a->be_year, sh->n_outputs * (sh->years + 1) * sizeof(uint64_t));
    get(&r, &a->nonfinite, sizeof a->nonfinite);
    get(&r, &a->first_nonfinite, sizeof a->first_nonfinite);
    if (!r.bad && (rc = unpack_windows(&r, s, err))) {
        bc_run_state_free(s);
        return rc;
    }
    unpack_decision(&r, sh, a);
    get_packages(&r, sh, a);
    if (!r.bad) {
        const uint64_t runs = bc_run_state_seg_runs(s, s->first, s->next);
        for (size_t k = 0; k < sh->n_series && !r.bad; k++)
            if (a->nonfinite > runs ||
                !hist_consistent(&a->hist[k], a->min[k], a->max[k], runs - a->nonfinite) ||
                !windows_consistent(sh, a, k, runs - a->nonfinite))
                r.bad = 1;
        if (!r.bad && (!decision_consistent(sh, a, runs - a->nonfinite) ||
                       !packages_consistent(sh, a, runs - a->nonfinite)))
            r.bad = 1;
    }
    if (r.bad || r.at != r.n) {
        int oom = r.bad == 2;
        bc_run_state_free(s);
        return oom ? bc_error_set(err, BC_ENOMEM, "out of memory")
                   : bc_error_set(err, BC_EINVAL, "the saved run state is damaged or truncated");
    }
    *out = s;
    return BC_OK;
}
