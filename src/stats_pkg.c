/* stats_pkg.c: packages of proposals (see stats_int.h and bc_packages in
 * include/bcsim/stats.h; docs/decision.md).
 *
 * Every run adds, for each of the 2^P packages, its gain (the sum of its
 * proposals' average annual gains) to the package's counts: whether it
 * breaks even, whether it loses more than 1 mDKK/year, and the bin of a
 * coarse histogram (the 5 % quantile and the mean of the worst 5 % are read
 * from it), once a block of runs is complete (bc_block_finish). The
 * packages are visited depth first, PKG_CHUNK runs at a time, so that each
 * gain is one vector addition from its parent's. The sums of the proposals'
 * gains and of the best feasible package's are integers; their products are
 * summed in doubles within a chunk (the same runs in the same order
 * whatever the threads) and added as integers: any order of the blocks,
 * threads, ranks or shards gives the same bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"
#include "bcsim/engine.h"
#include "model_int.h"
#include "simd_int.h"
#include "stats_int.h"

#define PKG_CHUNK 512
#define PKG_GMAX 0x1p20  /* gains counted in the sums up to this size */
#define PKG_SCALE 0x1p16 /* units of the sums: 2^-16 mDKK */

size_t bc_pkg_cap(size_t pk)
{
    const size_t c = ((size_t)1 << 21) >> (pk < 21 ? pk : 21);
    return c < 128 ? 128 : c > 4096 ? 4096 : c;
}

/* Package k's planned average annual investment, mDKK/year. */
static double investment(const bc_stats_shape *sh, size_t k)
{
    double inv = 0;
    for (size_t p = 0; p < sh->pk; p++)
        inv += k >> p & 1 ? sh->inv_m[p] * sh->inv_v[p] : 0;
    return inv;
}

/* Proposal p's planned average annual investment in the base case (0 when
 * m is not a business case). */
static double planned(const bc_model *m, const double *x, size_t p)
{
    size_t xi;
    double pbar;
    return bc_model_investment(m, p, &xi, &pbar) ? pbar * x[xi] : 0;
}

/* Whether the budget fits (r->budget > 0): at least the smallest proposal's
 * planned investment and the required proposals' together. */
static int check_budget(const bc_model *m, const bc_package_rules *r, size_t P, bc_error *err)
{
    double *x = bc_malloc((bc_model_dim(m) ? bc_model_dim(m) : 1) * sizeof *x);
    if (!x)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    bc_model_base_inputs(m, x);
    size_t low = 0;
    double req = 0;
    for (size_t p = 0; p < P; p++) {
        low = planned(m, x, p) < planned(m, x, low) ? p : low;
        req += r->require >> p & 1 ? planned(m, x, p) : 0;
    }
    const double least = planned(m, x, low);
    bc_free(x);
    if (r->budget < least)
        return bc_error_set(err, BC_EINVAL,
                            "the budget, %g mDKK/year, is below every proposal's planned average "
                            "annual investment (the smallest: %s, %g mDKK/year)",
                            r->budget, bc_model_output_id(m, low), least);
    if (req > r->budget)
        return bc_error_set(err, BC_EINVAL,
                            "the required proposals' planned average annual investment, %g "
                            "mDKK/year, exceeds the budget, %g mDKK/year",
                            req, r->budget);
    return BC_OK;
}

int bc_package_rules_check(const bc_model *m, const bc_package_rules *r, bc_error *err)
{
    const size_t O = bc_model_n_outputs(m), P = O ? O - 1 : 0;
    const int rules = r->max_loss_prob > 0 || r->budget > 0 || r->require || r->exclude;
    size_t xi;
    double pbar;
    const size_t most = r->mode == BC_PACKAGES_ALL ? BC_PACKAGES_MAX : BC_PACKAGES_AUTO_MAX;
    if (!rules)
        return BC_OK;
    if (P == 0 || !bc_model_investment(m, 0, &xi, &pbar))
        return bc_error_set(err, BC_EINVAL,
                            "%s: the package rules need a business case with proposals",
                            bc_model_filename(m));
    if (r->mode == BC_PACKAGES_OFF)
        return bc_error_set(err, BC_EINVAL,
                            "the package rules need the packages, and --packages is off");
    if (P > most)
        return bc_error_set(err, BC_EINVAL,
                            "%s: %zu proposals, more than the %zu whose packages are enumerated%s; "
                            "the package rules need them",
                            bc_model_filename(m), P, most,
                            most < BC_PACKAGES_MAX ? " (--packages all: up to 16)" : "");
    if (P < 64 && ((r->require | r->exclude) >> P))
        return bc_error_set(err, BC_EINVAL, "the package rules name a proposal beyond the %zu",
                            P);
    return r->budget > 0 ? check_budget(m, r, P, err) : BC_OK;
}

int bc_pkg_shape(bc_stats_shape *sh, const struct bc_package_rules *r, unsigned char **feas)
{
    const size_t P = sh->n_outputs ? sh->n_outputs - 1 : 0;
    *feas = NULL;
    sh->pk = sh->pk_cap = 0;
    sh->pk_feas = NULL;
    sh->pk_maxloss = r->max_loss_prob;
    sh->pk_budget = r->budget;
    sh->pk_require = r->require;
    sh->pk_exclude = r->exclude;
    sh->pk_reason = !sh->afford || P == 0 ? BC_PKG_NONE
                    : r->mode == BC_PACKAGES_OFF ? BC_PKG_OFF
                    : P > (r->mode == BC_PACKAGES_ALL ? BC_PACKAGES_MAX : BC_PACKAGES_AUTO_MAX)
                        ? BC_PKG_TOO_MANY
                        : BC_PKG_DONE;
    if (sh->pk_reason != BC_PKG_DONE)
        return 0;
    const size_t K = (size_t)1 << P;
    if (!(*feas = bc_malloc(K)))
        return -1;
    sh->pk = P;
    sh->pk_cap = bc_pkg_cap(P);
    for (size_t k = 0; k < K; k++)
        (*feas)[k] = (k & r->require) == r->require && !(k & r->exclude) &&
                     (r->budget == 0 || investment(sh, k) <= r->budget);
    sh->pk_feas = *feas;
    return 0;
}

int bc_pkg_acc_init(bc_thread_acc *t, const bc_stats_shape *sh)
{
    t->ph = NULL;
    t->pbase = NULL;
    t->pbe = t->ploss = NULL;
    t->psx = t->psxx = t->psmx = NULL;
    t->psm = t->psmm = 0;
    t->pbig = 0;
    if (!sh->pk)
        return 0;
    const size_t K = (size_t)1 << sh->pk, P = sh->pk;
    t->ph = bc_calloc(K, sizeof *t->ph);
    t->pbase = bc_calloc(K, sizeof *t->pbase);
    t->pbe = bc_calloc(K, sizeof *t->pbe);
    t->ploss = bc_calloc(K, sizeof *t->ploss);
    t->psx = bc_calloc(P * (P + 2), sizeof *t->psx); /* psx, psxx, psmx */
    if (!t->ph || !t->pbase || !t->pbe || !t->ploss || !t->psx)
        return -1;
    t->psxx = t->psx + P;
    t->psmx = t->psx + P * (P + 1);
    for (size_t k = 0; k < K; k++) {
        t->ph[k].e = BC_HIST_E0;
        t->ph[k].narrow = t->narrow;
    }
    return 0;
}

void bc_pkg_acc_free(bc_thread_acc *t, const bc_stats_shape *sh)
{
    bc_fhist_free_all(t->ph, t->ph ? (size_t)1 << sh->pk : 0);
    bc_free(t->pbase);
    bc_free(t->pbe);
    bc_free(t->ploss);
    bc_free(t->psx);
    t->ph = NULL;
    t->pbase = NULL;
    t->pbe = t->ploss = NULL;
    t->psx = t->psxx = t->psmx = NULL;
}

void bc_pkg_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t)
{
    if (!t->ph)
        return;
    const size_t K = (size_t)1 << sh->pk, P = sh->pk;
    for (size_t k = 0; k < K; k++)
        bc_fhist_empty(&t->ph[k], &t->pbase[k], t->narrow);
    memset(t->pbe, 0, K * sizeof *t->pbe);
    memset(t->ploss, 0, K * sizeof *t->ploss);
    memset(t->psx, 0, P * (P + 2) * sizeof *t->psx);
    t->psm = t->psmm = 0;
    t->pbig = 0;
}

int bc_pkg_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s)
{
    if (!d->ph || !s->ph)
        return 0;
    const size_t K = (size_t)1 << sh->pk, P = sh->pk;
    for (size_t k = 0; k < K; k++) {
        if (bc_fhist_absorb(&d->ph[k], &d->pbase[k], &s->ph[k], s->pbase[k], sh->pk_cap))
            return -1;
        d->pbe[k] += s->pbe[k];
        d->ploss[k] += s->ploss[k];
    }
    for (size_t q = 0; q < P * (P + 2); q++)
        d->psx[q] += s->psx[q];
    d->psm += s->psm;
    d->psmm += s->psmm;
    d->pbig += s->pbig;
    return 0;
}

/* The walk over the packages of one chunk of m runs. */
typedef struct walk {
    const bc_stats_shape *sh;
    bc_thread_acc *t;
    const double *g;
    size_t ldg, m;
    double (*lv)[PKG_CHUNK]; /* [pk] the gains of the packages on the path */
    double *best;            /* [m] the best feasible package's gain */
    uint32_t *bk;            /* [m] which package that is */
    int oom;
} walk;

/* The runs of v[0 .. m) that break even (c[0]) and lose (c[1]), and
 * their extremes (r[0], r[1]). */
BC_VECTOR_CLONES static void tally(const double *v, size_t m, uint64_t c[2], double r[2])
{
    int64_t nbe = 0, nloss = 0;
    double lo = v[0], hi = v[0];
    for (size_t i = 0; i < m; i++) {
        nbe += v[i] >= 0;
        nloss += v[i] < BC_LOSS_THRESHOLD;
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    c[0] += (uint64_t)nbe;
    c[1] += (uint64_t)nloss;
    r[0] = lo;
    r[1] = hi;
}

/* best[i], bk[i] = v[i], k where v[i] is larger (the first package on ties). */
BC_VECTOR_CLONES static void better(const double *v, size_t m, uint32_t k, double *best,
                                    uint32_t *bk)
{
    for (size_t i = 0; i < m; i++) {
        const int up = v[i] > best[i];
        best[i] = up ? v[i] : best[i];
        bk[i] = up ? k : bk[i];
    }
}

/* Count package k, whose gains are v[0 .. m). */
static void count(walk *w, size_t k, const double *v)
{
    bc_thread_acc *t = w->t;
    uint64_t c[2] = {0, 0};
    double r[2];
    tally(v, w->m, c, r);
    t->pbe[k] += c[0];
    t->ploss[k] += c[1];
    if (bc_fhist_add(&t->ph[k], &t->pbase[k], v, w->m, r[0], r[1], w->sh->pk_cap))
        w->oom = 1;
    if (w->sh->pk_feas[k])
        better(v, w->m, (uint32_t)k, w->best, w->bk);
}

/* Every package that adds proposals from `from` on to package k (gains v). */
static void visit(walk *w, size_t k, const double *v, size_t depth, size_t from)
{
    for (size_t p = from; p < w->sh->pk; p++) {
        double *u = w->lv[depth];
        const double *gp = w->g + p * w->ldg;
        for (size_t i = 0; i < w->m; i++)
            u[i] = v[i] + gp[i];
        const size_t kk = k | (size_t)1 << p;
        count(w, kk, u);
        visit(w, kk, u, depth + 1, p + 1);
    }
}

/* sum of a[i] b[i], i < m, in four interleaved partial sums added in a
 * fixed order: the same bits for the same runs, whatever else. */
static double dot(const double *a, const double *b, size_t m)
{
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
        for (int l = 0; l < 4; l++)
            s[l] += a[i + (size_t)l] * b[i + (size_t)l];
    for (; i < m; i++)
        s[0] += a[i] * b[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* A chunk's sum of products, in units of 2^-32 mDKK^2 (truncated). */
static inline bc_i128 units2(double x)
{
    return (bc_i128)(x * (PKG_SCALE * PKG_SCALE));
}

/* The sums of a chunk of m runs, none with a gain of PKG_GMAX or more: the
 * proposals' gains in integer units of 2^-16 mDKK, and the best feasible
 * package's (package bk[i]) as the sum of its proposals' rounded gains, so
 * that it is never below another feasible package's (the value of
 * information is then at least 0, and exactly 0 when one package is always
 * best); the products, summed in doubles within the chunk (the same runs
 * in the same order whatever the threads: a chunk lies in one block) and
 * added in integer units. */
static void moments(const bc_stats_shape *sh, bc_thread_acc *t, const double *g, size_t ldg,
                    const uint32_t *bk, double *best, size_t m)
{
    const size_t P = sh->pk;
    int64_t sx[BC_PACKAGES_MAX] = {0}, sm = 0;
    for (size_t i = 0; i < m; i++) {
        int64_t xm = 0;
        for (size_t p = 0; p < P; p++) {
            const int64_t x = (int64_t)llrint(g[p * ldg + i] * PKG_SCALE);
            sx[p] += x;
            xm += bk[i] >> p & 1 ? x : 0;
        }
        sm += xm;
        best[i] = (double)xm / PKG_SCALE;
    }
    for (size_t p = 0; p < P; p++) {
        const double *gp = g + p * ldg;
        t->psx[p] += sx[p];
        t->psmx[p] += units2(dot(best, gp, m));
        for (size_t q = p; q < P; q++)
            t->psxx[p * P + q] += units2(dot(gp, g + q * ldg, m));
    }
    t->psm += sm;
    t->psmm += units2(dot(best, best, m));
}

/* Whether every run of the chunk can be summed: every gain below PKG_GMAX
 * in size and a feasible package; else the chunk's runs are counted in
 * pbig (the packages are then not reported). */
static int summable(const bc_stats_shape *sh, const double *g, size_t ldg, const uint32_t *bk,
                    size_t m)
{
    int ok = 1;
    for (size_t i = 0; i < m; i++)
        ok &= bk[i] >> sh->pk == 0;
    for (size_t p = 0; p < sh->pk; p++)
        for (size_t i = 0; i < m; i++)
            ok &= fabs(g[p * ldg + i]) < PKG_GMAX;
    return ok;
}

int bc_pkg_add(const bc_stats_shape *sh, bc_thread_acc *t, const double *g, size_t ldg, size_t n)
{
    if (!t->ph || n == 0)
        return 0;
    double lv[BC_PACKAGES_MAX][PKG_CHUNK], zero[PKG_CHUNK], best[PKG_CHUNK];
    uint32_t bk[PKG_CHUNK];
    walk w = {sh, t, NULL, ldg, 0, lv, best, bk, 0};
    for (size_t i0 = 0; i0 < n; i0 += PKG_CHUNK) {
        w.m = n - i0 < PKG_CHUNK ? n - i0 : PKG_CHUNK;
        w.g = g + i0;
        for (size_t i = 0; i < w.m; i++) {
            zero[i] = 0;
            best[i] = -INFINITY;
            bk[i] = UINT32_MAX;
        }
        count(&w, 0, zero);
        visit(&w, 0, zero, 0, 0);
        if (summable(sh, w.g, ldg, bk, w.m))
            moments(sh, t, w.g, ldg, bk, best, w.m);
        else
            t->pbig += w.m;
    }
    return w.oom ? -1 : 0;
}

/* The 5 % quantile (type 1, the bin's midpoint) of a package's n gains and
 * the mean of the r = ceil(0.05 n) smallest, each value at its bin's
 * midpoint; half the bin width. */
static void tail(const bc_fhist *h, int64_t base, uint64_t n, double *p5, double *cvar,
                 double *half)
{
    *p5 = *cvar = *half = NAN;
    if (n == 0 || h->n == 0)
        return;
    const uint64_t r = bc_stats_rank(0.05, n);
    const double w = ldexp(1.0, h->e);
    uint64_t cum = 0;
    double sum = 0;
    for (size_t j = 0; j < h->n; j++) {
        const uint64_t c = h->c[(size_t)(h->k0 - base) + j];
        const double mid = ((double)(h->k0 + (int64_t)j) + 0.5) * w;
        if (cum + c >= r) {
            sum += (double)(r - cum) * mid;
            *p5 = mid;
            break;
        }
        sum += (double)c * mid;
        cum += c;
    }
    *cvar = sum / (double)r;
    *half = w / 2;
}

typedef struct ranked {
    double key, mean;
    size_t k;
} ranked;

static int by_key(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->mean != y->mean)
        return x->mean > y->mean ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* on[k] = 1 for the packages no other beats: a key as low (risk) and a mean
 * as high, one of them strictly. key NULL: -cvar. */
static int frontier(const bc_packages *pk, const double *key, const double *cvar,
                    unsigned char *on)
{
    ranked *r = bc_malloc(pk->n * sizeof *r);
    if (!r)
        return -1;
    for (size_t k = 0; k < pk->n; k++)
        r[k] = (ranked){key ? key[k] : -cvar[k], pk->mean[k], k};
    qsort(r, pk->n, sizeof *r, by_key);
    double top = -INFINITY;
    for (size_t i = 0; i < pk->n; i++)
        if (r[i].mean > top) {
            top = r[i].mean;
            on[r[i].k] = 1;
        }
    bc_free(r);
    return 0;
}

static double i2d(bc_i128 v) { return (double)v; }

/* The covariance of proposals p <= q's gains, from the sums of n runs. */
static double cov(const bc_stats_shape *sh, const bc_thread_acc *a, size_t p, size_t q, double n)
{
    const double sx = i2d(a->psx[p]) / PKG_SCALE, sy = i2d(a->psx[q]) / PKG_SCALE;
    return (i2d(a->psxx[p * sh->pk + q]) / (PKG_SCALE * PKG_SCALE) - sx * sy / n) / (n - 1);
}

/* The package value of information and its standard error (n runs in the
 * sums): E[M] - E[G_s] for s the feasible package with the largest mean of
 * the rounded gains. */
static void pkg_evpi(const bc_stats_shape *sh, const bc_thread_acc *a, double n, bc_packages *pk)
{
    const size_t P = sh->pk;
    size_t s = SIZE_MAX;
    bc_i128 top = 0;
    for (size_t k = 0; k < pk->n; k++) {
        if (!sh->pk_feas[k])
            continue;
        bc_i128 t = 0;
        for (size_t p = 0; p < P; p++)
            t += k >> p & 1 ? a->psx[p] : 0;
        if (s == SIZE_MAX || t > top) {
            top = t;
            s = k;
        }
    }
    if (s == SIZE_MAX)
        return;
    pk->evpi = i2d(a->psm - top) / PKG_SCALE / n;
    pk->evpi_se = 0;
    if (n < 2 || a->psm == top) /* M - G_s >= 0 in every run: 0 in every run */
        return;
    const double em = i2d(a->psm) / PKG_SCALE / n;
    double vm = (i2d(a->psmm) / (PKG_SCALE * PKG_SCALE) - em * em * n) / (n - 1), vs = 0, cms = 0;
    for (size_t p = 0; p < P; p++) {
        if (!(s >> p & 1))
            continue;
        const double sx = i2d(a->psx[p]) / PKG_SCALE;
        cms += (i2d(a->psmx[p]) / (PKG_SCALE * PKG_SCALE) - em * sx) / (n - 1);
        for (size_t q = 0; q < P; q++)
            if (s >> q & 1)
                vs += p <= q ? cov(sh, a, p, q, n) : cov(sh, a, q, p, n);
    }
    const double v = vm + vs - 2 * cms;
    pk->evpi_se = sqrt((v > 0 ? v : 0) / n);
}

static int pkg_alloc(bc_packages *pk)
{
    const size_t n = pk->n;
    double **d[] = {&pk->mean, &pk->mean_se, &pk->pbe,  &pk->pbe_se, &pk->ploss,
                    &pk->ploss_se, &pk->p5, &pk->cvar5, &pk->half, &pk->investment};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        if (!(*d[i] = bc_calloc(n, sizeof **d[i])))
            return -1;
    pk->feasible = bc_calloc(n, 1);
    pk->frontier_loss = bc_calloc(n, 1);
    pk->frontier_cvar = bc_calloc(n, 1);
    return pk->feasible && pk->frontier_loss && pk->frontier_cvar ? 0 : -1;
}

/* Package k's mean, its standard error (NaN without the sums) and its
 * planned investment. */
static void pkg_mean(const bc_stats_shape *sh, const bc_thread_acc *a, double ns,
                     const double *mean, size_t k, bc_packages *pk)
{
    double m = 0, v = 0;
    for (size_t p = 0; p < sh->pk; p++) {
        if (!(k >> p & 1))
            continue;
        m += mean[p];
        for (size_t q = p; q < sh->pk; q++)
            if (k >> q & 1)
                v += (p == q ? 1 : 2) * cov(sh, a, p, q, ns);
    }
    pk->mean[k] = m;
    pk->mean_se[k] = ns < 2 ? 0 : sqrt((v > 0 ? v : 0) / ns);
    pk->investment[k] = investment(sh, k);
}

int bc_pkg_summarise(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t runs,
                     const double *mean, bc_summary *s)
{
    bc_packages *pk = &s->pkg;
    memset(pk, 0, sizeof *pk);
    pk->reason = sh->pk_reason;
    pk->best = -1;
    pk->evpi = pk->evpi_se = NAN;
    pk->max_loss_prob = sh->pk_maxloss;
    pk->budget = sh->pk_budget;
    pk->require = sh->pk_require;
    pk->exclude = sh->pk_exclude;
    if (!sh->pk || !a->ph || runs == 0)
        return 0;
    if (a->pbig) { /* beyond the sums' range: not reported */
        pk->reason = BC_PKG_BIG;
        return 0;
    }
    pk->n_prop = sh->pk;
    pk->n = (size_t)1 << sh->pk;
    if (pkg_alloc(pk))
        return -1;
    const double n = (double)runs, ns = n;
    for (size_t k = 0; k < pk->n; k++) {
        pkg_mean(sh, a, ns, mean, k, pk);
        pk->pbe[k] = (double)a->pbe[k] / n;
        pk->ploss[k] = (double)a->ploss[k] / n;
        pk->pbe_se[k] = sqrt(pk->pbe[k] * (1 - pk->pbe[k]) / n);
        pk->ploss_se[k] = sqrt(pk->ploss[k] * (1 - pk->ploss[k]) / n);
        if (k) /* funding nothing gains 0 exactly */
            tail(&a->ph[k], a->pbase[k], runs, &pk->p5[k], &pk->cvar5[k], &pk->half[k]);
        pk->feasible[k] =
            sh->pk_feas[k] && (sh->pk_maxloss == 0 || pk->ploss[k] <= sh->pk_maxloss);
        if (pk->feasible[k] && (pk->best < 0 || pk->mean[k] > pk->mean[pk->best]))
            pk->best = (int64_t)k;
    }
    if (frontier(pk, pk->ploss, NULL, pk->frontier_loss) ||
        frontier(pk, NULL, pk->cvar5, pk->frontier_cvar))
        return -1;
    pkg_evpi(sh, a, ns, pk);
    return 0;
}

void bc_packages_free(bc_packages *pk)
{
    double *d[] = {pk->mean, pk->mean_se, pk->pbe,  pk->pbe_se, pk->ploss,
                   pk->ploss_se, pk->p5, pk->cvar5, pk->half, pk->investment};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        bc_free(d[i]);
    bc_free(pk->feasible);
    bc_free(pk->frontier_loss);
    bc_free(pk->frontier_cvar);
    memset(pk, 0, sizeof *pk);
}
