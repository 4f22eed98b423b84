/* engine.c: OpenMP over fixed-size blocks of runs; per-thread workspaces;
 * block partials folded in order into segment partials, segment partials
 * folded in order into the total; a state that can stop after any segment
 * and go on later, elsewhere, or in pieces (see include/bcsim/engine.h). */
#define _POSIX_C_SOURCE 200809L

#include "bcsim/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <omp.h>

#include "alloc_int.h"
#include "engine_int.h"
#include "model_int.h"
#include "stats_int.h"

/* Runs drawn, then evaluated together (bc_model_eval_batch). */
#define CHUNK 64

typedef struct thread_ws {
    double *x;       /* one run's inputs */
    double *u;       /* [d * CHUNK] a chunk's uniforms, component by component */
    double *xc;      /* [dim * CHUNK] a chunk's inputs, component by component */
    int *be;         /* [n_outputs * CHUNK] its break-even years */
    bc_block_ws bw;
    bc_thread_acc acc;
} thread_ws;


static void ws_free(thread_ws *w, const bc_stats_shape *sh)
{
    bc_free(w->x);
    bc_free(w->u);
    bc_free(w->xc);
    bc_free(w->be);
    bc_block_ws_free(&w->bw);
    bc_thread_acc_free(&w->acc, sh);
}

static int ws_init(thread_ws *w, const bc_model *m, const bc_stats_shape *sh,
                   const bc_thread_acc *run)
{
    memset(w, 0, sizeof *w);
    size_t dim = bc_model_dim(m), d = sh->nx ? sh->nx : 1;
    w->x = bc_malloc((dim ? dim : 1) * sizeof *w->x);
    w->u = bc_malloc(d * CHUNK * sizeof *w->u);
    w->xc = bc_malloc((dim ? dim : 1) * CHUNK * sizeof *w->xc);
    w->be = bc_malloc(sh->n_outputs * CHUNK * sizeof *w->be);
    if (!w->x || !w->u || !w->xc || !w->be || bc_block_ws_init(&w->bw, sh) ||
        bc_thread_acc_init(&w->acc, sh, 1) || bc_thread_acc_share(&w->acc, sh, run))
        return -1;
    /* the fixed inputs, which no draw overwrites */
    bc_model_base_inputs(m, w->x);
    for (size_t j = 0; j < dim; j++)
        for (size_t i = 0; i < CHUNK; i++)
            w->xc[j * CHUNK + i] = w->x[j];
    return 0;
}

uint64_t bc_run_config_block(const bc_run_config *cfg)
{
    return cfg->block ? cfg->block : BC_DEFAULT_BLOCK;
}

size_t bc_engine_n_series(const bc_model *m)
{
    return bc_model_n_outputs(m) * (2 + bc_model_years(m));
}

/* The uncertain input components of m (the sampler's dimension). */
static size_t uncertain_components(const bc_model *m)
{
    size_t d = 0;
    for (size_t i = 0; i < bc_model_n_inputs(m); i++)
        if (bc_dist_is_random(&bc_model_input(m, i)->dist))
            d += bc_model_input(m, i)->dim;
    return d;
}

uint64_t bc_engine_default_block(const bc_model *m)
{
    const size_t O = bc_model_n_outputs(m), S = bc_engine_n_series(m);
    const double per = (double)(S + uncertain_components(m) + 2 * O + 1) * 8;
    uint64_t b = BC_DEFAULT_BLOCK;
    while (b > 256 && per * (double)b > 4.0 * 1024 * 1024)
        b /= 2;
    return b;
}

uint64_t bc_engine_n_segments(const bc_run_config *cfg)
{
    const uint64_t B = bc_run_config_block(cfg), per = B * BC_SEGMENT_BLOCKS;
    return cfg->runs ? (cfg->runs - 1) / per + 1 : 0;
}

/* floor(S i / n) = (S / n) i + floor((S % n) i / n): exact, and (S % n) i < n^2 <= 2^64. */
static uint64_t share_start(uint64_t S, uint64_t i, uint64_t n)
{
    return S / n * i + S % n * i / n;
}

void bc_engine_shard_range(const bc_run_config *cfg, uint64_t i, uint64_t n, uint64_t *first,
                           uint64_t *end)
{
    const uint64_t S = bc_engine_n_segments(cfg);
    *first = share_start(S, i, n);
    *end = share_start(S, i + 1, n);
}

static int check_config(const bc_run_config *cfg, bc_error *err)
{
    if (cfg->runs == 0)
        return bc_error_set(err, BC_EINVAL, "the number of runs must be at least 1");
    if (bc_run_config_block(cfg) > (1u << 24))
        return bc_error_set(err, BC_EINVAL, "the block size must be at most 2^24 runs");
    const bc_package_rules *r = &cfg->packages;
    if (!(r->max_loss_prob >= 0 && r->max_loss_prob < 1) || !(r->budget >= 0 && r->budget < HUGE_VAL) ||
        (r->require & r->exclude) || r->mode < BC_PACKAGES_AUTO || r->mode > BC_PACKAGES_OFF)
        return bc_error_set(err, BC_EINVAL,
                            "bad package rules: a risk limit in (0, 1), a budget of at least 0, "
                            "no proposal both required and excluded");
    return BC_OK;
}

static int n_threads(const bc_run_config *cfg)
{
    int nt = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    return nt > 1024 ? 1024 : nt;
}

/* The memory this process may use: the smaller of the physical memory and
 * the address-space limit (ulimit -v), in bytes; 0 if neither is known. */
static double memory_available(void)
{
    double avail = 0;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && size > 0)
        avail = (double)pages * (double)size;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (avail == 0 || (double)rl.rlim_cur < avail))
        avail = (double)rl.rlim_cur;
    return avail;
}

/* Refuse, before anything is allocated, a run whose fixed memory exceeds what
 * the machine has: each thread's block partial, the segment, the fold
 * (each 2 S + p + c doubles, c the regression's cross-products: p^2 for p =
 * inputs + 2 outputs up to BC_REG_DENSE_MAX, else the pairs it uses), each
 * thread's block of values ((S + p) x block doubles) and chunk of inputs, the
 * histograms (S x hist_cap bins of 4 bytes in each thread and 8 in the run),
 * with windows their counts (S x BC_NWIN x (wbins + 2) bins of 8 bytes in
 * the run and 2 in each thread), the summary's p x p covariance matrix, and
 * the saved samples (docs/reliability.md, "Memory"). Computed in double, so that
 * no size overflows. The partials a run in pieces keeps grow later, one per
 * segment, and are not counted. */
static double memory_need(const bc_model *m, const bc_stats_shape *sh, const bc_run_config *cfg,
                          int windows)
{
    const size_t dim = bc_model_dim(m);
    const double S = (double)sh->n_series, p = (double)sh->p, B = (double)sh->block;
    const double nt = (double)n_threads(cfg);
    const double acc = (2 * S + p + (double)bc_stats_ncom(sh)) * 8;
    double need = (nt + 2) * acc +
                  nt * ((S + p + 1) * B * 8 + ((double)dim * (CHUNK + 1) + (double)sh->nx * CHUNK) * 8 +
                        (double)sh->n_outputs * CHUNK * sizeof(int)) +
                  S * ((double)sh->hist_cap * (4 * nt + 8) + 64 * (nt + 1));
    need += p * p * 8; /* the summary's covariance matrix (NaN where a pair is not kept) */
    if (sh->afford) /* each thread's and the run's affordability counts */
        need += (nt + 1) * (double)sh->n_outputs * BC_AF_SLOTS * 8;
    /* the value of information's sums (the run's), bin counts (each thread's
     * and the run's), each thread's block sums and bins, at the most bins any
     * number of runs gets */
    if (sh->vbins) {
        bc_stats_shape most = *sh;
        most.vbins = bc_stats_voi_bins(UINT64_MAX, sh->nvp);
        need += (double)(bc_voi_ng(&most) + bc_voi_ns(&most)) * 16 +
                (nt + 1) * (double)bc_voi_nc(&most) * 8 +
                nt * (((double)sh->nx * 2 + (double)sh->n_outputs * 16) * B +
                      (double)bc_voi_ns(&most) * 8);
    }
    if (sh->vbins) /* the groups' runs replayed after the run, and their fits */
        need += bc_voi_groups_bytes(m, cfg->runs);
    if (sh->pk) /* each package's histogram (like a series'), counts and mask */
        need += (double)((size_t)1 << sh->pk) * ((double)sh->pk_cap * (4 * nt + 8) + 81 * (nt + 1));
    if (windows) /* the run's 64-bit counts, and each thread's 16-bit ones */
        need += S * BC_NWIN * ((double)bc_stats_wslot(sh) * (8 + 2 * nt) + 8 * (nt + 1));
    if (cfg->save_samples)
        need += (double)cfg->runs * (double)(sh->nx + sh->n_outputs) * 8;
    return need;
}

static int check_memory(const bc_model *m, const bc_stats_shape *sh, const bc_run_config *cfg,
                        int windows, bc_error *err)
{
    const double need = memory_need(m, sh, cfg, windows);
    const double avail = memory_available();
    if (avail > 0 && need > avail)
        return bc_error_set(
            err, BC_EINVAL,
            "%s: a run of this model needs about %.3g GB of memory (%zu outputs, %zu years, %zu "
            "uncertain input components: %zu series of statistics and %zu regression "
            "cross-products of %zu variables per block of runs, each thread's block of %zu "
            "values a run%s), more than the %.3g GB this process may use",
            bc_model_filename(m), need / 1e9, sh->n_outputs, sh->years, sh->nx, sh->n_series,
            bc_stats_ncom(sh), sh->p, sh->n_series + sh->p,
            cfg->save_samples ? ", and every run's samples" : "", avail / 1e9);
    return BC_OK;
}

void bc_run_state_free(bc_run_state *s)
{
    if (!s)
        return;
    bc_block_acc_free(&s->fold);
    for (size_t i = 0; i < s->nsegs; i++)
        bc_block_acc_free(&s->segs[i]);
    bc_free(s->segs);
    bc_thread_acc_free(&s->acc, &s->sh);
    bc_free(s->samp_x);
    bc_free(s->samp_y);
    bc_free(s->pa);
    bc_free(s->pc);
    bc_free(s->vk);
    bc_free(s->vo);
    bc_free(s->ik);
    bc_free(s->im);
    bc_free(s->iv);
    bc_free(s->feas);
    bc_free(s->win);
    bc_sampler_free(s->smp);
    bc_free(s);
}

/* For each uncertain component k (sampler order: every component of every
 * uncertain input, in input order): off[k], its offset in the model's
 * inputs; copula[k], whether it is correlated; uses[o * nx + k], whether
 * output o depends on it, from the model. Returns 0, or -1 when out of
 * memory. */
static int component_uses(const bc_model *m, size_t nx, size_t *off, unsigned char *copula,
                          unsigned char *uses)
{
    const size_t O = bc_model_n_outputs(m), nin = bc_model_n_inputs(m);
    size_t *ids = bc_malloc((nin ? nin : 1) * sizeof *ids);
    unsigned char *xuse = bc_malloc(bc_model_dim(m) ? bc_model_dim(m) : 1);
    int rc = -1;
    if (!ids || !xuse)
        goto done;
    const size_t ncor = bc_model_correlated_inputs(m, ids);
    for (size_t i = 0, k = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        if (!bc_dist_is_random(&in->dist))
            continue;
        int cor = 0;
        for (size_t j = 0; j < ncor; j++)
            cor |= ids[j] == i;
        for (size_t j = 0; j < in->dim; j++, k++) {
            off[k] = in->offset + j;
            copula[k] = (unsigned char)cor;
        }
    }
    for (size_t o = 0; o < O; o++) {
        bc_model_output_uses(m, o, xuse);
        for (size_t k = 0; k < nx; k++)
            uses[o * nx + k] = xuse[off[k]];
    }
    rc = 0;
done:
    bc_free(ids);
    bc_free(xuse);
    return rc;
}

/* The arrays a run's shape points to (bc_stats_shape: pa, pc, vk, vo,
 * inv_k, inv_m, inv_v). */
typedef struct shape_arrays {
    uint32_t *pa, *pc, *vk, *vo;
    int32_t *ik;
    double *im, *iv;
    unsigned char *feas;
} shape_arrays;

static void shape_arrays_free(shape_arrays *a)
{
    bc_free(a->pa);
    bc_free(a->pc);
    bc_free(a->vk);
    bc_free(a->vo);
    bc_free(a->ik);
    bc_free(a->im);
    bc_free(a->iv);
    bc_free(a->feas);
    memset(a, 0, sizeof *a);
}

/* Each proposal's investment for the affordability (sh->inv_*), when m is a
 * business case: its uncertain component (off[k]: component k's offset), or
 * its fixed value, and the mean of its profile. Returns 0, or -1 when out of
 * memory. */
static int shape_afford(const bc_model *m, const size_t *off, bc_stats_shape *sh,
                        shape_arrays *a)
{
    const size_t O = sh->n_outputs, P = O ? O - 1 : 0, dim = bc_model_dim(m);
    size_t xi;
    double pbar;
    sh->afford = 0;
    if (P == 0 || !bc_model_investment(m, 0, &xi, &pbar))
        return 0;
    a->ik = bc_malloc(P * sizeof *a->ik);
    a->im = bc_malloc(P * sizeof *a->im);
    a->iv = bc_malloc(P * sizeof *a->iv);
    int32_t *comp = bc_malloc((dim ? dim : 1) * sizeof *comp); /* component at offset */
    double *x = bc_malloc((dim ? dim : 1) * sizeof *x);
    int rc = -1;
    if (!a->ik || !a->im || !a->iv || !comp || !x)
        goto done;
    for (size_t j = 0; j < dim; j++)
        comp[j] = -1;
    for (size_t k = 0; k < sh->nx; k++)
        comp[off[k]] = (int32_t)k;
    bc_model_base_inputs(m, x);
    for (size_t p = 0; p < P; p++) {
        if (!bc_model_investment(m, p, &xi, &pbar))
            goto done;
        a->ik[p] = comp[xi];
        a->im[p] = pbar;
        a->iv[p] = x[xi];
    }
    sh->afford = 1;
    sh->inv_k = a->ik;
    sh->inv_m = a->im;
    sh->inv_v = a->iv;
    rc = 0;
done:
    bc_free(comp);
    bc_free(x);
    return rc;
}

/* The pairs of sh: above BC_REG_DENSE_MAX regression variables, those the
 * regression uses (bc_stats_reg_pairs: each output's inputs, the correlated
 * ones); and the value of information's (bc_stats_voi_pairs: each proposal
 * with the components it depends on, and with every correlated one when it
 * depends on one, since learning one tells about the others). */
static int shape_pairs(const bc_model *m, const bc_run_config *cfg, bc_stats_shape *sh,
                       shape_arrays *a)
{
    memset(a, 0, sizeof *a);
    const size_t nx = sh->nx, O = sh->n_outputs;
    const size_t nx1 = nx ? nx : 1; /* no uncertain input: still a valid allocation */
    unsigned char *copula = bc_calloc(nx1, 1), *uses = bc_calloc(O * nx1, 1);
    size_t *off = bc_malloc(nx1 * sizeof *off);
    int rc = -1;
    if (!copula || !uses || !off || component_uses(m, nx, off, copula, uses))
        goto done;
    if (sh->p > BC_REG_DENSE_MAX && bc_stats_reg_pairs(sh, copula, uses, &a->pa, &a->pc))
        goto done;
    for (size_t o = 0; o < O; o++) {
        int cor = 0;
        for (size_t k = 0; k < nx; k++)
            cor |= copula[k] && uses[o * nx + k];
        for (size_t k = 0; cor && k < nx; k++)
            uses[o * nx + k] |= copula[k];
    }
    if (!bc_stats_voi_pairs(sh, cfg->runs, uses, &a->vk, &a->vo) && !shape_afford(m, off, sh, a) &&
        !bc_pkg_shape(sh, &cfg->packages, &a->feas))
        rc = 0;
done:
    bc_free(copula);
    bc_free(uses);
    bc_free(off);
    if (rc)
        shape_arrays_free(a);
    return rc;
}

/* The shape of a run of m with cfg, windows or not (its arrays in *a, the
 * caller's to free). Returns 0, or -1 when out of memory. */
static int run_shape(const bc_model *m, const bc_run_config *cfg, int windows, bc_stats_shape *sh,
                     shape_arrays *a)
{
    const size_t O = bc_model_n_outputs(m), d = uncertain_components(m);
    *sh = (bc_stats_shape){.n_outputs = O,
                           .years = bc_model_years(m),
                           .n_series = bc_engine_n_series(m),
                           .nx = d,
                           .p = d + 2 * O,
                           .block = (size_t)bc_run_config_block(cfg)};
    sh->hist_cap = bc_stats_hist_cap(sh->n_series, windows);
    sh->wbins = bc_stats_wbins(sh->n_series);
    for (int k = 0; k < BC_NWIN; k++)
        sh->wa[k] = sh->wb[k] = bc_quantile_probs[k];
    return shape_pairs(m, cfg, sh, a);
}

/* The larger memory of a run of m with cfg with windows and without (the
 * scout decides), in *bytes; with refuse, also refused as check_memory
 * does. BC_OK, BC_EINVAL or BC_ENOMEM. */
static int memory_cases(const bc_model *m, const bc_run_config *cfg, int refuse, double *bytes,
                        bc_error *err)
{
    *bytes = 0;
    int rc = check_config(cfg, err);
    for (int w = 0; !rc && w <= (cfg->runs >= BC_WIN_MIN_RUNS); w++) {
        bc_stats_shape sh;
        shape_arrays arr;
        if (run_shape(m, cfg, w, &sh, &arr))
            return bc_error_set(err, BC_ENOMEM, "out of memory");
        const double need = memory_need(m, &sh, cfg, w);
        *bytes = need > *bytes ? need : *bytes;
        if (refuse)
            rc = check_memory(m, &sh, cfg, w, err);
        shape_arrays_free(&arr);
    }
    return rc;
}

int bc_engine_memory_estimate(const bc_model *m, const bc_run_config *cfg, double *bytes,
                              bc_error *err)
{
    return memory_cases(m, cfg, 0, bytes, err);
}

int bc_run_state_alloc(const bc_model *m, const bc_run_config *cfg, uint64_t first, int keep,
                       bc_run_state **out, bc_error *err)
{
    *out = NULL;
    int rc = check_config(cfg, err);
    if (rc || (rc = bc_model_check_finite(m, err)) ||
        (rc = bc_package_rules_check(m, &cfg->packages, err)))
        return rc;
    /* the memory of the run, with windows or without (the most it can need),
     * before any scout or pilot is run */
    double need;
    rc = memory_cases(m, cfg, 1, &need, err);
    bc_sampler *smp = NULL;
    bc_window *win = NULL;
    if (!rc)
        rc = bc_sampler_alloc_threads(m, cfg->sampler, cfg->seed, cfg->runs, n_threads(cfg), &smp,
                                      err);
    if (!rc)
        rc = bc_engine_windows(m, cfg, bc_quantile_probs, bc_quantile_probs, smp, &win, err);
    if (rc) {
        bc_sampler_free(smp);
        return rc;
    }
    return bc_run_state_alloc_windows(m, cfg, first, keep, bc_quantile_probs, bc_quantile_probs,
                                      win, smp, out, err);
}

int bc_run_state_alloc_windows(const bc_model *m, const bc_run_config *cfg, uint64_t first,
                               int keep, const double *wa, const double *wb, bc_window *win,
                               bc_sampler *smp, bc_run_state **out, bc_error *err)
{
    *out = NULL;
    int rc = check_config(cfg, err);
    if (rc || (rc = bc_model_check_finite(m, err))) {
        bc_free(win);
        bc_sampler_free(smp);
        return rc;
    }
    bc_stats_shape sh;
    shape_arrays arr;
    if (run_shape(m, cfg, win != NULL, &sh, &arr)) {
        bc_free(win);
        bc_sampler_free(smp);
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    sh.win = win;
    for (int k = 0; k < BC_NWIN; k++) {
        sh.wa[k] = wa[k];
        sh.wb[k] = wb[k];
    }
    const size_t d = sh.nx, O = sh.n_outputs;
    if ((rc = check_memory(m, &sh, cfg, win != NULL, err))) {
        shape_arrays_free(&arr);
        bc_free(win);
        bc_sampler_free(smp);
        return rc;
    }
    if (!smp)
        rc = bc_sampler_alloc_threads(m, cfg->sampler, cfg->seed, cfg->runs, n_threads(cfg), &smp,
                                      err);
    if (!rc && bc_sampler_dim(smp) != d)
        rc = bc_error_set(err, BC_EINTERNAL, "the sampler has %zu components, not %zu",
                          bc_sampler_dim(smp), d);
    bc_run_state *s = rc ? NULL : bc_calloc(1, sizeof *s);
    if (!s) {
        shape_arrays_free(&arr);
        bc_free(win);
        bc_sampler_free(smp);
        return rc ? rc : bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    s->sh = sh;
    s->pa = arr.pa;
    s->pc = arr.pc;
    s->vk = arr.vk;
    s->vo = arr.vo;
    s->ik = arr.ik;
    s->im = arr.im;
    s->iv = arr.iv;
    s->feas = arr.feas;
    s->win = win;
    s->smp = smp;
    s->smp_model = m;
    s->runs = cfg->runs;
    s->seed = cfg->seed;
    s->block = bc_run_config_block(cfg);
    s->sampler = (int)cfg->sampler;
    s->nseg = bc_engine_n_segments(cfg);
    s->first = s->next = first;
    s->keep = keep || first > 0;
    int ok = bc_block_acc_init(&s->fold, &s->sh) == 0 &&
             bc_thread_acc_init(&s->acc, &s->sh, 0) == 0;
    if (ok && cfg->save_samples) {
        if (s->keep) {
            bc_run_state_free(s);
            return bc_error_set(err, BC_EINVAL,
                                "samples cannot be saved from a run made in pieces");
        }
        if (cfg->runs > SIZE_MAX / (((d > O ? d : O) + 1) * sizeof(double))) {
            bc_run_state_free(s);
            return bc_error_set(err, BC_ENOMEM, "too many runs to keep every sample in memory");
        }
        s->samp_x = bc_malloc((size_t)cfg->runs * (d ? d : 1) * sizeof *s->samp_x);
        s->samp_y = bc_malloc((size_t)cfg->runs * O * sizeof *s->samp_y);
        ok = s->samp_x && s->samp_y;
    }
    if (!ok || first > s->nseg) {
        const uint64_t nseg = s->nseg;
        bc_run_state_free(s);
        return ok ? bc_error_set(err, BC_EINVAL, "segment %llu is beyond the run's %llu",
                                 (unsigned long long)first, (unsigned long long)nseg)
                  : bc_error_set(err, BC_ENOMEM, "out of memory");
    }
    *out = s;
    return BC_OK;
}

uint64_t bc_run_state_first(const bc_run_state *s) { return s->first; }
const bc_stats_shape *bc_run_state_shape(const bc_run_state *s) { return &s->sh; }
const bc_thread_acc *bc_run_state_acc(const bc_run_state *s) { return &s->acc; }
uint64_t bc_run_state_next(const bc_run_state *s) { return s->next; }
uint64_t bc_run_state_segments(const bc_run_state *s) { return s->nseg; }

int bc_run_state_take_segment(bc_run_state *s, const bc_block_acc *seg)
{
    if (!s->keep) {
        bc_block_merge(&s->sh, &s->fold, seg);
    } else {
        if (s->nsegs == s->capsegs) {
            size_t cap = s->capsegs ? 2 * s->capsegs : 16;
            bc_block_acc *n = bc_realloc(s->segs, cap * sizeof *n);
            if (!n)
                return -1;
            s->segs = n;
            s->capsegs = cap;
        }
        bc_block_acc *dst = &s->segs[s->nsegs];
        if (bc_block_acc_init(dst, &s->sh)) {
            bc_block_acc_free(dst);
            return -1;
        }
        bc_block_acc_reset(dst, &s->sh);
        bc_block_merge(&s->sh, dst, seg);
        s->nsegs++;
    }
    s->next++;
    return 0;
}

/* The first run of segment a, or runs when a is the end. Only the last
 * segment can start past 2^64 / per, so a * per is computed only below it. */
static uint64_t seg_start(const bc_run_state *s, uint64_t a)
{
    const uint64_t per = s->block * BC_SEGMENT_BLOCKS;
    return a >= s->nseg ? s->runs : a * per;
}

uint64_t bc_run_state_seg_runs(const bc_run_state *s, uint64_t a, uint64_t b)
{
    return seg_start(s, b) - seg_start(s, a);
}

/* Fold all threads' integer accumulators into the state's, emptying them. */
static int absorb_threads(bc_run_state *s, thread_ws *ws, int nt)
{
    bc_thread_acc *src[1024]; /* n_threads() gives at most 1024 */
    for (int t = 0; t < nt; t++)
        src[t] = &ws[t].acc;
    return bc_thread_acc_absorb_all(&s->sh, &s->acc, src, nt);
}

/* What one segment's blocks [b0, b0 + nwave) share while threads run them. */
typedef struct seg_job {
    const bc_model *m;
    const bc_sampler *smp;
    const bc_stats_shape *sh;
    const size_t *off;        /* component k's place in a run's inputs */
    double *samp_x, *samp_y;  /* saved samples, or NULL */
    uint64_t N, B;            /* runs, runs per block */
} seg_job;

/* Run blocks [b0, b0 + nwave) of a segment on nt threads and fold them into
 * seg in block order: each thread makes its block's partial in parts[thread],
 * then adds it to seg in an ordered region, so that memory holds one partial
 * a thread (not one a block: 64 p^2 doubles, 97 MB for the 50 x 20
 * catalogue) and the sums are those of the fold in block order. */
static void run_blocks(const seg_job *job, thread_ws *ws, bc_block_acc *parts, bc_block_acc *seg,
                       int nt, uint64_t b0, long nwave)
{
    const bc_model *m = job->m;
    const bc_sampler *smp = job->smp;
    const bc_stats_shape *shp = job->sh;
    const size_t *off = job->off;
    double *samp_x = job->samp_x, *samp_y = job->samp_y;
    const uint64_t N = job->N, B = job->B;
    const size_t d = shp->nx, O = shp->n_outputs;
    bc_block_acc_reset(seg, shp);
#pragma omp parallel for ordered num_threads(nt) schedule(dynamic, 1) default(none) \
    shared(ws, parts, seg, smp, m, shp, samp_x, samp_y, off) firstprivate(b0, nwave, B, N, d, O)
    for (long j = 0; j < nwave; j++) {
        thread_ws *t = &ws[omp_get_thread_num()];
        bc_block_acc *part = &parts[omp_get_thread_num()];
        const uint64_t r0 = (b0 + (uint64_t)j) * B;
        const uint64_t r1 = N - r0 > B ? r0 + B : N; /* r0 < N; r0 + B may wrap */
        bc_block_acc_reset(part, shp);
        const size_t zs = t->bw.zs;
        for (uint64_t c0 = r0; c0 < r1;) { /* c0 + CHUNK may wrap near 2^64 */
            const size_t n = r1 - c0 < CHUNK ? (size_t)(r1 - c0) : CHUNK;
            /* draws: into the chunk's inputs and the block's regression
             * variables; the model: into the block's series */
            double *zin = bc_block_ws_inputs(&t->bw), *ser = bc_block_ws_series(&t->bw);
            uint16_t *bins = bc_block_ws_bins(&t->bw);
            bc_sampler_inputs_chunk(smp, c0, n, CHUNK, t->u, t->xc);
            for (size_t k = 0; bins && k < d; k++) /* the CDF values' bins */
                bc_stats_voi_bin(t->u + k * CHUNK, n, shp->vbins, bins + k * zs);
            for (size_t k = 0; k < d; k++) {
                const double *xk = t->xc + off[k] * CHUNK;
                memcpy(zin + k * zs, xk, n * sizeof *xk);
                if (samp_x)
                    for (size_t i = 0; i < n; i++)
                        samp_x[(c0 + i) * d + k] = xk[i];
            }
            const bc_batch_out out = {.v = ser, .ldv = zs, .be = t->be, .ldb = CHUNK};
            bc_model_eval_batch(m, t->xc, CHUNK, n, &out);
            if (samp_y)
                for (size_t i = 0; i < n; i++)
                    for (size_t o = 0; o < O; o++)
                        samp_y[(c0 + i) * O + o] = ser[o * zs + i];
            bc_stats_add_runs(shp, &t->acc, &t->bw, t->be, CHUNK, n, c0);
            c0 += n;
        }
        bc_block_finish(shp, &t->acc, part, &t->bw);
#pragma omp ordered
        bc_block_merge(shp, seg, part);
    }
}

int bc_engine_advance(const bc_model *m, const bc_run_config *cfg, bc_run_state *s,
                      uint64_t seg_end, bc_error *err)
{
    int rc = check_config(cfg, err);
    if (rc)
        return rc;
    if (cfg->runs != s->runs || cfg->seed != s->seed || bc_run_config_block(cfg) != s->block ||
        (int)cfg->sampler != s->sampler)
        return bc_error_set(err, BC_EINVAL, "the state belongs to another run configuration");
    if (seg_end > s->nseg)
        seg_end = s->nseg;
    const int nt = n_threads(cfg);
    /* the state's sampler, unless the model is another object (then its own) */
    bc_sampler *own = NULL;
    if (m != s->smp_model &&
        (rc = bc_sampler_alloc_threads(m, cfg->sampler, cfg->seed, cfg->runs, nt, &own, err)))
        return rc;
    const bc_sampler *smp = own ? own : s->smp;
    const bc_stats_shape sh = s->sh;
    if (bc_sampler_dim(smp) != sh.nx || bc_model_n_outputs(m) != sh.n_outputs ||
        bc_model_years(m) != sh.years) {
        bc_sampler_free(own);
        return bc_error_set(err, BC_EINVAL, "the state belongs to another model");
    }
    const uint64_t N = cfg->runs, B = s->block;
    const size_t d = sh.nx;
    size_t *off = bc_malloc((d ? d : 1) * sizeof *off); /* component k's place in x */
    for (size_t k = 0; off && k < d; k++)
        off[k] = bc_sampler_offset_of(smp, k);
    double *samp_x = s->samp_x, *samp_y = s->samp_y;
    thread_ws *ws = bc_calloc((size_t)nt, sizeof *ws);
    bc_block_acc *parts = bc_calloc((size_t)nt, sizeof *parts), seg = {0};
    int ok = ws && parts && off && bc_block_acc_init(&seg, &sh) == 0;
    for (int t = 0; ok && t < nt; t++)
        ok = ws_init(&ws[t], m, &sh, &s->acc) == 0;
    for (int t = 0; ok && t < nt; t++)
        ok = bc_block_acc_init(&parts[t], &sh) == 0;
    if (!ok) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory setting up the run");
        goto done;
    }
    const uint64_t fold_limit =
        cfg->fold_runs && cfg->fold_runs < UINT32_MAX ? cfg->fold_runs : UINT32_MAX;
    /* what a thread may add by the end of the next segment: its blocks */
    const uint64_t fold_margin = BC_SEGMENT_BLOCKS * B;
    double last_ck = omp_get_wtime();
    const uint64_t nblocks = N / B + (N % B != 0); /* N + B - 1 would wrap near 2^64 */
    while (s->next < seg_end) {
        if (cfg->stop && *cfg->stop) {
            rc = bc_error_set(err, BC_EINTR, "interrupted");
            goto done;
        }
        const uint64_t b0 = s->next * BC_SEGMENT_BLOCKS;
        const uint64_t b1 = b0 + BC_SEGMENT_BLOCKS < nblocks ? b0 + BC_SEGMENT_BLOCKS : nblocks;
        const long nwave = (long)(b1 - b0);
        const seg_job job = {m, smp, &sh, off, samp_x, samp_y, N, B};
        run_blocks(&job, ws, parts, &seg, nt, b0, nwave);
        /* a histogram that could not grow (in a thread's block) fails the
         * run here, before the segment is kept */
        for (int t = 0; t < nt; t++)
            if (ws[t].acc.oom) {
                rc = bc_error_set(err, BC_ENOMEM, "out of memory growing a histogram");
                goto done;
            }
        if (bc_run_state_take_segment(s, &seg)) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory keeping a segment");
            goto done;
        }
        /* a thread's 32-bit counts are folded into the run's before the next
         * segment could overflow them */
        int fold = 0;
        for (int t = 0; t < nt; t++)
            fold |= ws[t].acc.held + fold_margin > fold_limit;
        if (fold && absorb_threads(s, ws, nt)) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory merging histograms");
            goto done;
        }
        if (cfg->progress)
            cfg->progress(cfg->progress_user, bc_run_state_seg_runs(s, s->first, s->next),
                          bc_run_state_seg_runs(s, s->first, seg_end));
        if (cfg->checkpoint && s->next < seg_end &&
            omp_get_wtime() - last_ck >= cfg->checkpoint_every) {
            if (absorb_threads(s, ws, nt)) {
                rc = bc_error_set(err, BC_ENOMEM, "out of memory merging histograms");
                goto done;
            }
            if ((rc = cfg->checkpoint(cfg->checkpoint_user, s, err)))
                goto done;
            last_ck = omp_get_wtime();
        }
    }
    if (absorb_threads(s, ws, nt))
        rc = bc_error_set(err, BC_ENOMEM, "out of memory merging histograms");
done:
    if (rc == BC_EINTR && cfg->checkpoint) {
        /* stop at a segment boundary with everything saved */
        if (absorb_threads(s, ws, nt))
            rc = bc_error_set(err, BC_ENOMEM, "out of memory merging histograms");
        else {
            int crc = cfg->checkpoint(cfg->checkpoint_user, s, err);
            if (crc)
                rc = crc;
            else
                bc_error_set(err, BC_EINTR, "interrupted after %llu of %llu segments",
                             (unsigned long long)s->next, (unsigned long long)s->nseg);
        }
    }
    if (ws)
        for (int t = 0; t < nt; t++)
            ws_free(&ws[t], &sh);
    bc_free(ws);
    if (parts)
        for (int t = 0; t < nt; t++)
            bc_block_acc_free(&parts[t]);
    bc_free(parts);
    bc_free(off);
    bc_block_acc_free(&seg);
    bc_sampler_free(own);
    return rc;
}

/* Whether two shapes are the same, their regression pairs compared by value. */
static int same_shape(const bc_stats_shape *x, const bc_stats_shape *y)
{
    if (x->n_outputs != y->n_outputs || x->years != y->years || x->n_series != y->n_series ||
        x->nx != y->nx || x->p != y->p || x->block != y->block || x->npair != y->npair ||
        !x->pa != !y->pa)
        return 0;
    if (x->pa && (memcmp(x->pa, y->pa, x->npair * sizeof *x->pa) ||
                  memcmp(x->pc, y->pc, x->npair * sizeof *x->pc)))
        return 0;
    if (x->afford != y->afford ||
        (x->afford && (memcmp(x->inv_k, y->inv_k, (x->n_outputs - 1) * sizeof *x->inv_k) ||
                       memcmp(x->inv_m, y->inv_m, (x->n_outputs - 1) * sizeof *x->inv_m) ||
                       memcmp(x->inv_v, y->inv_v, (x->n_outputs - 1) * sizeof *x->inv_v))))
        return 0;
    if (x->pk != y->pk || x->pk_cap != y->pk_cap || x->pk_reason != y->pk_reason ||
        (x->pk && memcmp(x->pk_feas, y->pk_feas, (size_t)1 << x->pk)) ||
        memcmp(&x->pk_maxloss, &y->pk_maxloss, sizeof x->pk_maxloss) ||
        memcmp(&x->pk_budget, &y->pk_budget, sizeof x->pk_budget) ||
        x->pk_require != y->pk_require || x->pk_exclude != y->pk_exclude)
        return 0;
    if (x->vbins != y->vbins || x->nvp != y->nvp ||
        (x->nvp && (memcmp(x->vk, y->vk, x->nvp * sizeof *x->vk) ||
                    memcmp(x->vo, y->vo, x->nvp * sizeof *x->vo))))
        return 0;
    if (x->hist_cap != y->hist_cap || x->wbins != y->wbins || !x->win != !y->win ||
        memcmp(x->wa, y->wa, sizeof x->wa) || memcmp(x->wb, y->wb, sizeof x->wb))
        return 0;
    for (size_t i = 0; x->win && i < x->n_series * BC_NWIN; i++)
        if (x->win[i].scale != y->win[i].scale || x->win[i].k0 != y->win[i].k0 ||
            x->win[i].nb != y->win[i].nb)
            return 0;
    return 1;
}

int bc_run_state_append(bc_run_state *a, const bc_run_state *b, bc_error *err)
{
    if (!same_shape(&a->sh, &b->sh) || a->runs != b->runs || a->seed != b->seed ||
        a->block != b->block || a->sampler != b->sampler)
        return bc_error_set(err, BC_EINVAL, "the pieces belong to different runs");
    if (b->first != a->next)
        return bc_error_set(err, BC_EINVAL,
                            "the pieces do not follow each other: one ends at segment %llu, the "
                            "next starts at %llu",
                            (unsigned long long)a->next, (unsigned long long)b->first);
    for (size_t i = 0; i < b->nsegs; i++)
        if (bc_run_state_take_segment(a, &b->segs[i]))
            return bc_error_set(err, BC_ENOMEM, "out of memory joining pieces");
    if (!b->keep)
        return bc_error_set(err, BC_EINVAL, "a piece without its segments cannot be appended");
    if (bc_thread_acc_absorb(&a->sh, &a->acc, &b->acc))
        return bc_error_set(err, BC_ENOMEM, "out of memory joining pieces");
    return BC_OK;
}

int bc_engine_finish(bc_run_state *s, bc_summary **out, bc_error *err)
{
    *out = NULL;
    if (s->first != 0 || s->next != s->nseg)
        return bc_error_set(err, BC_EINVAL,
                            "the run is incomplete: it has segments %llu to %llu of %llu",
                            (unsigned long long)s->first, (unsigned long long)s->next,
                            (unsigned long long)s->nseg);
    if (s->acc.oom)
        return bc_error_set(err, BC_ENOMEM, "out of memory growing a histogram");
    if (s->acc.nonfinite)
        return bc_error_set(err, BC_EINVAL,
                            "%llu of %llu runs gave a non-finite output (the first is run "
                            "%llu): the model's inputs reach values where the business case "
                            "overflows",
                            (unsigned long long)s->acc.nonfinite, (unsigned long long)s->runs,
                            (unsigned long long)s->acc.first_nonfinite);
    bc_block_acc total, *t = &s->fold;
    int have_total = 0;
    if (s->keep) {
        /* the segments folded in order, as a run in one piece does */
        if (bc_block_acc_init(&total, &s->sh)) {
            bc_block_acc_free(&total);
            return bc_error_set(err, BC_ENOMEM, "out of memory");
        }
        bc_block_acc_reset(&total, &s->sh);
        for (size_t i = 0; i < s->nsegs; i++)
            bc_block_merge(&s->sh, &total, &s->segs[i]);
        t = &total;
        have_total = 1;
    }
    int rc = bc_stats_summarise(&s->sh, t, &s->acc, 1, s->runs, out);
    if (have_total)
        bc_block_acc_free(&total);
    if (rc)
        return bc_error_set(err, BC_ENOMEM, "out of memory summarising");
    (*out)->sample_inputs = s->samp_x;
    (*out)->sample_avg_gain = s->samp_y;
    s->samp_x = s->samp_y = NULL;
    /* the groups' value of information, with the run's sampler (a state
     * unpacked has none: one is made like it) */
    if ((rc = bc_voi_groups(s->smp_model, s->smp, s->sampler, s->seed, s->runs, *out, err))) {
        bc_summary_free(*out);
        *out = NULL;
    }
    return rc;
}

int bc_engine_run(const bc_model *m, const bc_run_config *cfg, bc_summary **out, bc_error *err)
{
    *out = NULL;
    bc_run_state *s = NULL;
    int rc = bc_run_state_alloc(m, cfg, 0, 0, &s, err);
    if (!rc)
        rc = bc_engine_advance(m, cfg, s, bc_run_state_segments(s), err);
    if (!rc)
        rc = bc_engine_finish(s, out, err);
    bc_run_state_free(s);
    return rc;
}
