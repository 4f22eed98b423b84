/* stats_afford.c: what a proposal may cost (see stats_int.h and bc_afford
 * in include/bcsim/stats.h; docs/decision.md).
 *
 * With the investment a factor f of the planned one, a run's average gain
 * is S - f A (S its average annual savings, A its average annual
 * investment), so it breaks even exactly when r = S / A >= f. Each run
 * counts its r in bins of the factors f_j = j / BC_AF_PER: the probability
 * of breaking even at f_j is the share of runs counted at or above it,
 * exactly, and the largest factor that breaks even with a probability is
 * read between two steps. Integer counts: the same bits for any threads,
 * ranks or shards. */
#include <math.h>
#include <string.h>

#include "alloc_int.h"
#include "stats_int.h"

const double bc_afford_probs[BC_AFFORD_NP] = {0.5, 0.8, 0.9, 0.95};

int bc_afford_acc_init(bc_thread_acc *t, const bc_stats_shape *sh)
{
    t->ac = NULL;
    if (!sh->afford)
        return 0;
    t->ac = bc_calloc(sh->n_outputs * BC_AF_SLOTS, sizeof *t->ac);
    return t->ac ? 0 : -1;
}

void bc_afford_acc_free(bc_thread_acc *t)
{
    bc_free(t->ac);
    t->ac = NULL;
}

void bc_afford_acc_reset(const bc_stats_shape *sh, bc_thread_acc *t)
{
    if (t->ac)
        memset(t->ac, 0, sh->n_outputs * BC_AF_SLOTS * sizeof *t->ac);
}

void bc_afford_acc_absorb(const bc_stats_shape *sh, bc_thread_acc *d, const bc_thread_acc *s)
{
    if (!d->ac || !s->ac)
        return;
    for (size_t q = 0; q < sh->n_outputs * BC_AF_SLOTS; q++)
        d->ac[q] += s->ac[q];
}

/* The slot of a run with average gain g and average investment a: a > 0
 * by the ratio (g + a) / a; an investment of 0 or less does not scale into
 * a loss, so such a run breaks even at every factor or at none. */
static inline size_t slot(double g, double a)
{
    if (!(a > 0))
        return g >= 0 ? BC_AF_BINS + 1 : 0;
    const double r = (g + a) / a * BC_AF_PER;
    if (!(r >= 0))
        return 0;
    return r >= BC_AF_BINS ? BC_AF_BINS + 1 : (size_t)r + 1;
}

void bc_afford_add(const bc_stats_shape *sh, bc_thread_acc *t, const double *g, size_t ldg,
                   const double *z, size_t ldz, size_t n)
{
    if (!t->ac || n == 0)
        return;
    const size_t P = sh->n_outputs - 1;
    double port[256];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        const size_t m = n - i0 < 256 ? n - i0 : 256;
        for (size_t i = 0; i < m; i++)
            port[i] = 0;
        for (size_t p = 0; p < P; p++) {
            const double *gp = g + p * ldg + i0, mult = sh->inv_m[p];
            uint64_t *c = t->ac + p * BC_AF_SLOTS;
            if (sh->inv_k[p] >= 0) {
                const double *x = z + (size_t)sh->inv_k[p] * ldz + i0;
                for (size_t i = 0; i < m; i++) {
                    const double a = mult * x[i];
                    port[i] += a;
                    c[slot(gp[i], a)]++;
                }
            } else {
                const double a = mult * sh->inv_v[p];
                for (size_t i = 0; i < m; i++) {
                    port[i] += a;
                    c[slot(gp[i], a)]++;
                }
            }
        }
        const double *gP = g + P * ldg + i0;
        uint64_t *c = t->ac + P * BC_AF_SLOTS;
        for (size_t i = 0; i < m; i++)
            c[slot(gP[i], port[i])]++;
    }
}

int bc_afford_summarise(const bc_stats_shape *sh, const bc_thread_acc *a, uint64_t runs,
                        bc_summary *s)
{
    bc_afford *f = &s->afford;
    memset(f, 0, sizeof *f);
    if (!sh->afford || !a->ac || runs == 0)
        return 0;
    const size_t O = sh->n_outputs, P = O - 1, J = BC_AF_BINS + 1;
    f->bins = BC_AF_BINS;
    f->per = BC_AF_PER;
    f->pbe = bc_calloc(O * J, sizeof *f->pbe);
    f->level = bc_calloc(O * BC_AFFORD_NP, sizeof *f->level);
    f->status = bc_calloc(O * BC_AFFORD_NP, sizeof *f->status);
    f->planned = bc_calloc(O, sizeof *f->planned);
    if (!f->pbe || !f->level || !f->status || !f->planned)
        return -1;
    const double n = (double)runs;
    for (size_t p = 0; p < P; p++) {
        f->planned[p] = sh->inv_m[p] * sh->inv_v[p];
        f->planned[P] += f->planned[p];
    }
    for (size_t o = 0; o < O; o++) {
        const uint64_t *c = a->ac + o * BC_AF_SLOTS;
        double *pb = f->pbe + o * J;
        /* P(r >= j / per): the runs in slots j + 1 and up */
        uint64_t above = c[BC_AF_BINS + 1];
        for (size_t j = J; j-- > 0;) {
            pb[j] = (double)above / n;
            above += c[j];
        }
        for (int k = 0; k < BC_AFFORD_NP; k++) {
            const double q = bc_afford_probs[k];
            double *lv = &f->level[o * BC_AFFORD_NP + (size_t)k];
            int *st = &f->status[o * BC_AFFORD_NP + (size_t)k];
            if (pb[0] < q) { /* not even at no cost */
                *lv = 0;
                *st = BC_AFFORD_NEVER;
                continue;
            }
            if (pb[J - 1] >= q) { /* still at twice the plan */
                *lv = 2;
                *st = BC_AFFORD_BEYOND;
                continue;
            }
            size_t j = 0;
            while (pb[j + 1] >= q)
                j++;
            /* pb[j] >= q > pb[j + 1]: between the two steps */
            *lv = ((double)j + (pb[j] - q) / (pb[j] - pb[j + 1])) / BC_AF_PER;
        }
    }
    return 0;
}
