/* stats_int.h: streaming accumulators behind bc_summary. Floating-point
 * partials belong to blocks of runs and are merged in block order; integer
 * counts (histograms, break-even) and min/max belong to threads, since their
 * combination does not depend on order. Either way the result does not depend
 * on the number of threads. */
#ifndef BCSIM_STATS_INT_H
#define BCSIM_STATS_INT_H

#include <math.h>
#include <stdint.h>

#include "bcsim/model.h"
#include "bcsim/stats.h"

/* Sums of fixed-point money (stats_voi.c): integers, so that they add to
 * the same bits in any order. */
__extension__ typedef __int128 bc_i128;

/* Shape of what is accumulated. */
typedef struct bc_stats_shape {
    size_t n_outputs, years;
    size_t n_series;  /* n_outputs * (2 + years): avg_gain, npv, gain[t] */
    size_t nx;        /* uncertain input components */
    size_t p;         /* nx + 2 n_outputs regression variables */
    size_t block;     /* runs per block */
    /* The regression's co-moments: of every pair of the p variables (pa NULL:
     * p x p, row-major), or of the npair pairs (pa[q], pc[q]) only, pa[q] <=
     * pc[q] (bc_stats_reg_pairs). The arrays belong to whoever made the shape. */
    size_t npair;
    const uint32_t *pa, *pc;
    /* The most bins a series' coarse histogram may span (bc_stats_hist_cap). */
    size_t hist_cap;
    /* Fine windows (stats_window.c): win[s * BC_NWIN + k] for series s, NULL
     * when there are none; a window with nb == 0 is absent. Each holds
     * wbins + 2 counts. wa[k] <= wb[k] are the probabilities whose quantiles
     * window k is there to give (both bc_quantile_probs[k] for a run's own
     * windows; a pilot's are wider). The array belongs to whoever made the
     * shape. */
    const struct bc_window *win;
    size_t wbins;
    double wa[BC_NQ], wb[BC_NQ];
    /* Value of information (stats_voi.c): each uncertain component's value of
     * its CDF falls in one of vbins equal bins (0: no value of information
     * kept); the nvp pairs (vk[q], vo[q]) of a component and a proposal
     * output (not the portfolio) that depends on it, by component then
     * output. The arrays belong to whoever made the shape. */
    size_t vbins, nvp;
    const uint32_t *vk, *vo;
    /* Affordability (stats_afford.c), for a business case (afford 0: none):
     * proposal p's average annual investment in a run is inv_m[p] times its
     * uncertain component inv_k[p] (>= 0), or inv_m[p] inv_v[p] when it is
     * fixed (inv_k[p] < 0); inv_v[p] is its base value either way.
     * [n_outputs - 1] each, the shape maker's. */
    int afford;
    const int32_t *inv_k;
    const double *inv_m, *inv_v;
    /* Packages of proposals (stats_pkg.c; pk 0: none): the pk proposals'
     * 2^pk packages, each with a coarse histogram of at most pk_cap bins;
     * pk_feas[k] 1 when package k meets the budget and the require/exclude
     * rules (the shape maker's); the rules themselves, for the summary. */
    size_t pk, pk_cap;
    const unsigned char *pk_feas;
    double pk_maxloss, pk_budget;
    uint64_t pk_require, pk_exclude;
    int pk_reason; /* BC_PKG_*: why pk is 0 */
} bc_stats_shape;

/* Windows per series: one for each reported quantile. */
#define BC_NWIN BC_NQ

/* Counts of a window: its bins, and one to spare for rounding at each end. */
static inline size_t bc_stats_wslot(const bc_stats_shape *sh)
{
    return sh->wbins + 2;
}

/* The most bins of a coarse histogram for n_series series: 2^22 / n_series,
 * within [1024, 2^18]; 2^20 / n_series, within the same, when the run has
 * fine windows (its quantiles come from them). */
size_t bc_stats_hist_cap(size_t n_series, int windows);

/* The bins of a fine window for n_series series: 2^20 / (9 n_series), within
 * [400, 4096]. */
size_t bc_stats_wbins(size_t n_series);

/* A window of fine bins on one series: value v falls in bin floor(v scale)
 * - k0 when that is in [0, nb). A window's bins are 2^-10 mDKK wide (scale
 * 1024, the coarse histograms' finest) unless the window must be wider than
 * wbins of them; then scale = wbins / its width. */
typedef struct bc_window {
    double scale;
    int64_t k0, nb;
} bc_window;

/* Above this many regression variables, a run keeps the co-moments of the
 * pairs the regression uses only (bc_stats_reg_pairs), not all p^2. */
#define BC_REG_DENSE_MAX 128

/* The co-moments a block keeps: p^2, or npair. */
static inline size_t bc_stats_ncom(const bc_stats_shape *sh)
{
    return sh->pa ? sh->npair : sh->p * sh->p;
}

/* The pairs for a shape of more than BC_REG_DENSE_MAX variables: every
 * input's variance; every pair of correlated inputs (copula[k] != 0); every
 * pair of inputs that one output depends on, for the outputs that depend on
 * at most BC_REG_DENSE_MAX inputs (uses[o * nx + k] != 0: a proposal's own
 * and shared inputs, not the portfolio's all); and for output o's average
 * gain and NPV (variables nx + o, nx + O + o) their variances and their
 * co-moments with the inputs they depend on. Input pairs in ascending order.
 * Stores them in sh (arrays in *pa, *pc, the caller's to free). Returns 0,
 * or -1 when out of memory. */
int bc_stats_reg_pairs(bc_stats_shape *sh, const unsigned char *copula,
                       const unsigned char *uses, uint32_t **pa, uint32_t **pc);

/* A histogram of integer counts on bins [k 2^e, (k+1) 2^e), grown on demand,
 * coarsened when it would exceed the shape's hist_cap. The counts are 64-bit (c)
 * in a run's accumulator and 32-bit (c32: half the memory, so that more of
 * them stay in cache) in a thread's, which is folded into the run's before a
 * count could overflow. Exactly one of c and c32 is used. */
typedef struct bc_fhist {
    int e;            /* bin width 2^e */
    int narrow;       /* counts in c32 */
    int64_t k0;       /* index of bins[0] */
    size_t n, cap;
    uint64_t *c;
    uint32_t *c32;
} bc_fhist;

/* The finest bin width of a histogram, 2^BC_HIST_E0 mDKK. */
#define BC_HIST_E0 (-10)

/* floor(k / 2^s) for any sign and s >= 0; bin indices stay below 2^61 in
 * magnitude (values are coarsened before |v| / width reaches 2^60). */
static inline int64_t bc_floor_shift(int64_t k, int s)
{
    if (s >= 62)
        return k < 0 ? -1 : 0;
    const int64_t d = (int64_t)1 << s;
    return k >= 0 ? k / d : -((-k + d - 1) / d);
}

static inline uint64_t bc_fh_get(const bc_fhist *h, size_t i)
{
    return h->narrow ? h->c32[i] : h->c[i];
}

typedef struct bc_thread_acc {
    bc_fhist *hist;          /* [n_series] */
    int64_t *bases;          /* [n_series] bin index of hist[s].c[0] */
    double *min, *max;       /* [n_series] */
    uint64_t *be;            /* [n_outputs] avg_gain >= 0 */
    uint64_t *loss;          /* [n_outputs] avg_gain < BC_LOSS_THRESHOLD */
    uint64_t *be_year;       /* [n_outputs * (years + 1)] */
    uint64_t nonfinite;      /* runs with a non-finite output */
    uint64_t first_nonfinite;
    int oom;                 /* a histogram could not grow */
    int narrow;              /* 32-bit histogram counts */
    uint64_t held;           /* values in each histogram since the last reset */
    /* The fine windows' counts, [n_series * BC_NWIN * wslot], and the values
     * below each window, [n_series * BC_NWIN]: a run's own (wown), or NULL.
     * A thread counts into 16-bit counts of its own (wt, with wtb below) and
     * adds them to the run's atomically (bc_thread_acc_flush) before
     * wheld, the values in each since, could overflow them; with blocks of
     * more than 2^15 runs, straight into the run's, atomically. */
    uint64_t *wc, *wbelow;
    int wown;
    uint16_t *wt;
    uint64_t *wtb;
    uint64_t wheld;
    /* Value of information (stats_voi.c), integer sums of the average gain g
     * in units of 2^-32 mDKK (its squares in 2^-32 mDKK^2): vg[4 o + j] of
     * output o's max(g, 0), max(-g, 0) and their squares; vs[q vbins + b]
     * of pair q's g over the runs whose component vk[q] is in bin b;
     * vc[k vbins + b] the runs whose component k is in bin b; vbig the runs
     * left out, those of a call with a gain of 2^20 mDKK or more in size
     * (the value of information is then not reported). vc NULL without;
     * vg and vs a thread's own only in a run's accumulator. */
    bc_i128 *vg, *vs;
    uint64_t *vc;
    uint64_t vbig;
    int vown; /* vg and vs are its own (a thread's are the run's) */
    /* Affordability (stats_afford.c): ac[o * BC_AF_SLOTS + j] the runs whose
     * ratio r of average savings to average investment (output o) is below 0
     * (j = 0), in [(j - 1) h, j h) (j = 1 .. BC_AF_BINS, h = 2 / BC_AF_BINS),
     * or 2 or more (j = BC_AF_BINS + 1); NULL without. */
    uint64_t *ac;
    /* Packages (stats_pkg.c): each package's histogram of its gain (ph,
     * with bases pbase) and runs that break even (pbe) or lose more than
     * 1 mDKK/year (ploss), [2^pk]; integer sums of the proposals' gains x_p
     * (units 2^-16 mDKK: psx[p]), of their products (psxx[p pk + q], q >=
     * p; units 2^-32 mDKK^2) and of the best feasible package's gain M
     * (psm; psmm and psmx[p] its products);
     * pbig the runs left out of the sums (a gain of 2^20 mDKK or more).
     * NULL without. */
    bc_fhist *ph;
    int64_t *pbase;
    uint64_t *pbe, *ploss;
    bc_i128 *psx, *psxx, *psmx, psm, psmm;
    uint64_t pbig;
} bc_thread_acc;

typedef struct bc_block_acc {
    uint64_t n;
    double *mean, *m2;       /* [n_series] Welford */
    double *rmean, *rcom;    /* [p], [p * p]: regression means and co-moments; all
                                four in one allocation (mean is its start) */
} bc_block_acc;

/* A block's value-of-information sums (stats_voi.c), exact within a block
 * and added to the thread's integer sums when it ends (bc_voi_flush): the
 * gains of a call in units of 2^-32 mDKK (gx) and their squares (g2),
 * [n_outputs * block]; each pair's bins' sums of those (bx, [nvp * vbins],
 * below 2^63 for up to 2^11 runs); each output's sums of max(g, 0) and
 * max(-g, 0) (ox [2 n_outputs]) and of their squares (o2). */
typedef struct bc_voi_ws {
    int64_t *gx, *bx, *ox;
    double *g2, *o2;
    size_t held; /* runs in the sums (flushed before they could reach 2^11) */
} bc_voi_ws;

/* Per-thread scratch: the current block's series values and regression
 * variables, variable by variable. */
typedef struct bc_block_ws {
    double *v;               /* [n_series * zs] the block's output series values */
    double *z;               /* [p * zs] the block's regression variables */
    double *scratch;         /* [block] for bc_stats_add_runs */
    uint16_t *vb;            /* [nx * zs] each component's value-of-information bin,
                                or NULL (shape without) */
    bc_voi_ws voi;           /* the block's value-of-information sums */
    size_t zs;               /* column stride (padded: see stride()) */
    size_t used;             /* runs of the current block */
} bc_block_ws;

/* narrow: 32-bit histogram counts (a thread's, to be absorbed into a
 * 64-bit accumulator before `held` reaches 2^32). */
int bc_thread_acc_init(bc_thread_acc *t, const bc_stats_shape *sh, int narrow);
void bc_thread_acc_free(bc_thread_acc *t, const bc_stats_shape *sh);
/* d += s: the histograms at the coarser of their widths, counts added. Exact:
 * the result does not depend on how runs were spread over accumulators. d
 * has 64-bit counts. Returns 0, or -1 when out of memory. */
int bc_thread_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s);

/* d += *src[0] + ... + *src[n-1], then each back to empty; series by
 * series, each source's histogram of a series freed once it is added, so that
 * the sources' histograms and d's are not all in memory at once. Returns 0,
 * or -1 when out of memory. */
int bc_thread_acc_absorb_all(const bc_stats_shape *sh, bc_thread_acc *d, bc_thread_acc *const *src,
                             int n);

/* t counts into the windows of run accumulator `run` (through counts of
 * its own). Returns 0, or -1 when out of memory. */
int bc_thread_acc_share(bc_thread_acc *t, const bc_stats_shape *sh, const bc_thread_acc *run);

/* Add a thread's window counts to the run's, atomically (other threads may
 * be adding theirs), and empty them. */
void bc_thread_acc_flush(const bc_stats_shape *sh, bc_thread_acc *t);

/* Back to empty (keeps the arrays). */
void bc_thread_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t);

int bc_block_acc_init(bc_block_acc *b, const bc_stats_shape *sh);
void bc_block_acc_free(bc_block_acc *b);
void bc_block_acc_reset(bc_block_acc *b, const bc_stats_shape *sh);
int bc_block_ws_init(bc_block_ws *w, const bc_stats_shape *sh);
void bc_block_ws_free(bc_block_ws *w);

/* Where the next runs of the current block are written, column by column
 * with stride w->zs: output series c (the order of bc_batch_out: average
 * gains, NPVs, yearly gains) of the k-th next run at
 * bc_block_ws_series(w)[c * zs + k], its uncertain input component j at
 * bc_block_ws_inputs(w)[j * zs + k]. Room for block - w->used runs. */
static inline double *bc_block_ws_series(bc_block_ws *w) { return w->v + w->used; }
static inline double *bc_block_ws_inputs(bc_block_ws *w) { return w->z + w->used; }
/* ... and component j's value-of-information bin at bc_block_ws_bins(w)[j *
 * zs + k] (bc_stats_voi_bins), when the shape has vbins. */
static inline uint16_t *bc_block_ws_bins(bc_block_ws *w) { return w->vb ? w->vb + w->used : NULL; }

/* Add the n runs written there to the block, run0 the index of the first;
 * be[o * ldb + k] is the break-even year of output o of the k-th. A run with
 * a non-finite output is counted as such and dropped (the runs after it move
 * up, be with them). */
void bc_stats_add_runs(const bc_stats_shape *sh, bc_thread_acc *t, bc_block_ws *w, int *be,
                       size_t ldb, size_t n, uint64_t run0);

/* Fold the block's scratch into the block's moments and co-moments and the
 * thread's extremes and histograms. */
void bc_block_finish(const bc_stats_shape *sh, bc_thread_acc *t, bc_block_acc *b,
                     bc_block_ws *w);

/* total += b (Chan et al.'s pairwise update), in block order. */
void bc_block_merge(const bc_stats_shape *sh, bc_block_acc *total, const bc_block_acc *b);

/* The quantiles of probabilities probs[0 .. np) of series s (n values within
 * [mn, mx]) from the coarse histograms of accumulators threads[0 .. nt), in
 * q, with half the width of their bins in half; with edges, also the
 * BC_HIST_BINS bins of the reported histogram (edges [BC_HIST_BINS + 1],
 * counts [BC_HIST_BINS], zeroed by the caller). Returns 0, or -1 when out of
 * memory. */
int bc_stats_coarse(const bc_stats_shape *sh, const bc_thread_acc *threads, int nt, size_t s,
                    uint64_t n, double mn, double mx, const double *probs, int np, double *q,
                    double *half, double *edges, uint64_t *counts);

/* The rank of the type-1 p-quantile of n values: the smallest r >= 1 with
 * r >= p n (the r-th smallest is the smallest x with ECDF(x) >= p). */
static inline uint64_t bc_stats_rank(double p, uint64_t n)
{
    const uint64_t r = (uint64_t)ceil(p * (double)n);
    return r < 1 ? 1 : r;
}

/* ---- value of information (stats_voi.c) ---- */

/* The bins of each component's CDF value for a run of `runs` runs with nvp
 * pairs: about the cube root of the runs (10 at 10^3, 100 at 10^6), at least
 * 4, at most 128 and at most 2^16 / nvp (memory), at least 1. */
size_t bc_stats_voi_bins(uint64_t runs, size_t nvp);

/* The pairs of a shape (sh->vk, sh->vo): component k and proposal output o
 * (o < n_outputs - 1) wherever uses[o * nx + k]. Stores them in sh with
 * vbins (arrays in *vk, *vo, the caller's to free). Returns 0, or -1 when
 * out of memory. */
int bc_stats_voi_pairs(bc_stats_shape *sh, uint64_t runs, const unsigned char *uses,
                       uint32_t **vk, uint32_t **vo);

/* b[i] = the bin of CDF value u[i] among `bins`, i < n. */
void bc_stats_voi_bin(const double *u, size_t n, size_t bins, uint16_t *b);

/* A thread's or run's sums (t->vg, t->vs, t->vc) for shape sh: allocate
 * (zeroed; vg and vs only when own), free, zero, add s's into d (vg and vs
 * only where s has its own). Init returns 0, or -1 when out of memory;
 * without vbins it allocates nothing. */
int bc_voi_acc_init(bc_thread_acc *t, const bc_stats_shape *sh, int own);
/* A thread's sums (own 0: its counts only) become the run's, to which its
 * blocks add under a lock (bc_voi_flush): one copy of them in memory. */
void bc_voi_acc_share(bc_thread_acc *t, const bc_thread_acc *run);
void bc_voi_acc_free(bc_thread_acc *t);
void bc_voi_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t);
void bc_voi_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s);
/* The sizes of the arrays: vg, vs (bc_i128), vc (uint64_t). */
size_t bc_voi_ng(const bc_stats_shape *sh);
size_t bc_voi_ns(const bc_stats_shape *sh);
size_t bc_voi_nc(const bc_stats_shape *sh);

/* A block's sums for shape sh (nothing without vbins): allocate (zeroed;
 * 0, or -1 when out of memory) and free. */
int bc_voi_ws_init(bc_voi_ws *w, const bc_stats_shape *sh);
void bc_voi_ws_free(bc_voi_ws *w);

/* Add n runs (at most the shape's block) to the block's sums w, and the
 * runs whose component k is in bin b to t's counts: g[o * ldg + i] the
 * average gain of output o of run i, bins[k * ldb + i] its component k's
 * bin. A call with a gain of 2^20 mDKK or more counts its n runs in
 * t->vbig and adds nothing else. */
void bc_voi_add(const bc_stats_shape *sh, bc_voi_ws *w, bc_thread_acc *t, const double *g,
                size_t ldg, const uint16_t *bins, size_t ldb, size_t n);

/* Add the block's sums w to t's and zero them. */
void bc_voi_flush(const bc_stats_shape *sh, bc_voi_ws *w, bc_thread_acc *t);

/* The summary's value of information from a run's sums (n runs kept):
 * fills s->voi (bc_stats_summarise). Returns 0, or -1 when out of memory. */
int bc_voi_summarise(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t n,
                     bc_summary *s);

/* ---- histograms used beyond the series (stats.c) ---- */

/* Add n values within [vmin, vmax] to a narrow histogram (at most cap
 * bins); d += s at the coarser width (d 64-bit); back to empty. Return 0,
 * or -1 when out of memory. */
int bc_fhist_add(bc_fhist *h, int64_t *base, const double *v, size_t n, double vmin, double vmax,
                 size_t cap);
int bc_fhist_absorb(bc_fhist *hd, int64_t *dbase, const bc_fhist *hs, int64_t sbase, size_t cap);
void bc_fhist_empty(bc_fhist *h, int64_t *base, int narrow);
/* Free the n histograms of h and h itself (NULL: nothing). */
void bc_fhist_free_all(bc_fhist *h, size_t n);

/* ---- packages of proposals (stats_pkg.c) ---- */

/* The bins of each package's histogram: 2^21 / 2^pk within [128, 4096]. */
size_t bc_pkg_cap(size_t pk);
/* The packages of a shape whose affordability is set (sh->afford, inv_*)
 * under rules r: sh->pk and the rest, the feasibility mask in *feas (the
 * caller's to free; NULL when the packages are not enumerated, with
 * sh->pk_reason saying why). Returns 0, or -1 when out of memory. */
struct bc_package_rules;
int bc_pkg_shape(bc_stats_shape *sh, const struct bc_package_rules *r, unsigned char **feas);
/* The accumulator's package parts (none unless sh->pk): make, free, empty,
 * d += s. init returns 0, or -1 when out of memory; absorb too. */
int bc_pkg_acc_init(bc_thread_acc *t, const bc_stats_shape *sh);
void bc_pkg_acc_free(bc_thread_acc *t, const bc_stats_shape *sh);
void bc_pkg_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t);
int bc_pkg_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s);
/* Count n runs whose proposals' average gains are g[p * ldg + i]. Returns
 * 0, or -1 when out of memory (a histogram could not grow). */
int bc_pkg_add(const bc_stats_shape *sh, bc_thread_acc *t, const double *g, size_t ldg, size_t n);
/* The summary's packages from a run's accumulator (n runs) and the
 * proposals' mean gains (mean[p]): fills s->pkg. 0, or -1 when out of
 * memory. */
int bc_pkg_summarise(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t n,
                     const double *mean, bc_summary *s);
void bc_packages_free(bc_packages *pk);

/* ---- the value of information of groups (stats_voi_groups.c) ---- */

/* The groups' EVPPI of the summary s of a run of m (runs runs of sampler
 * kind `sampler` with seed: smp, or when it is NULL a sampler made like it)
 * into s->voi (nothing unless its value of information was computed and m
 * is a business case). Returns BC_OK, or BC_ENOMEM. */
struct bc_sampler;
/* The memory bc_voi_groups takes for a run of m of `runs` runs, in bytes. */
double bc_voi_groups_bytes(const bc_model *m, uint64_t runs);
int bc_voi_groups(const bc_model *m, const struct bc_sampler *smp, int sampler, uint64_t seed,
                  uint64_t runs, bc_summary *s, bc_error *err);

/* ---- affordability (stats_afford.c) ---- */

/* The investment factors f_j = j / BC_AF_PER (j = 0 .. BC_AF_BINS): 0 to 2
 * times the planned investment in steps of 0.5 %. */
#define BC_AF_BINS 400
#define BC_AF_PER 200
#define BC_AF_SLOTS (BC_AF_BINS + 2)

/* A thread's or run's counts (t->ac): allocate (zeroed; nothing without
 * sh->afford; 0, or -1 when out of memory), free, zero, add s's to d. */
int bc_afford_acc_init(bc_thread_acc *t, const bc_stats_shape *sh);
void bc_afford_acc_free(bc_thread_acc *t);
void bc_afford_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t);
void bc_afford_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s);

/* Count n runs: g[o * ldg + i] the average gain of output o of run i,
 * z[k * ldz + i] its uncertain component k. */
void bc_afford_add(const bc_stats_shape *sh, bc_thread_acc *t, const double *g, size_t ldg,
                   const double *z, size_t ldz, size_t n);

/* The summary's affordability from a run's counts (n runs): fills
 * s->afford. Returns 0, or -1 when out of memory. */
int bc_afford_summarise(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t n,
                        bc_summary *s);

/* Count values v[0..n) of series s into its windows (stats_window.c). */
void bc_stats_count_windows(const bc_stats_shape *sh, bc_thread_acc *t, size_t s, const double *v,
                            size_t n);

/* The quantile of probability p (type 1: the smallest value x with ECDF(x) >=
 * p) of series s, whose n values lie within [mn, mx], from window k: 1 with
 * *q and half the width of its bin in *half, or 0 when the window is absent
 * or the quantile lies outside it. */
int bc_stats_window_quantile(const bc_stats_shape *sh, const bc_thread_acc *a, size_t s, int k,
                             double p, uint64_t n, double mn, double mx, double *q, double *half);

/* The windows of a run from those of its pilot: for every series that needs
 * one (need[s]) and window k, bins over [lo - lo_half, hi + hi_half] of
 * lo[s * BC_NWIN + k] (the pilot's quantile of sh->wa[k] - delta) and hi (of
 * sh->wb[k] + delta). win has n_series * BC_NWIN places. */
void bc_stats_make_windows(const bc_stats_shape *sh, const unsigned char *need, const double *lo,
                           const double *lo_half, const double *hi, const double *hi_half,
                           bc_window *win);

/* The quantiles of probabilities sh->wa[k] and sh->wb[k] of every series in
 * a (one accumulator holding n runs), from its windows where they hold them,
 * else from its coarse histograms, with half the width of the bin each came
 * from (0 for the extremes, probabilities 0 and 1). Arrays [n_series *
 * BC_NWIN]. Returns 0, or -1 when out of memory. */
int bc_stats_bounds(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t n, double *lo,
                    double *lo_half, double *hi, double *hi_half);

/* Build the summary from the merged blocks and all threads' accumulators.
 * Returns BC_OK or BC_ENOMEM. */
int bc_stats_summarise(const bc_stats_shape *sh, const bc_block_acc *total,
                       bc_thread_acc *threads, int n_threads, uint64_t runs, bc_summary **out);

#endif
