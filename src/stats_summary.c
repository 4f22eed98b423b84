/* stats_summary.c: the summary of a run from its merged accumulators:
 * moments, quantiles (from the coarse histograms, or the windows around
 * them: stats_window.c), the reported histograms, break-even counts and the
 * regression's covariances. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"
#include "stats_int.h"

void bc_summary_free(bc_summary *s)
{
    if (!s)
        return;
    bc_series *all[3] = {&s->avg_gain, &s->npv, &s->gain};
    for (int i = 0; i < 3; i++) {
        bc_free(all[i]->mean);
        bc_free(all[i]->sd);
        bc_free(all[i]->min);
        bc_free(all[i]->max);
        bc_free(all[i]->q);
        bc_free(all[i]->edges);
        bc_free(all[i]->counts);
    }
    bc_free(s->be_prob);
    bc_free(s->be_se);
    bc_free(s->loss_prob);
    bc_free(s->loss_se);
    bc_free(s->be_year_counts);
    bc_free(s->reg_mean);
    bc_free(s->reg_cov);
    bc_free(s->sample_inputs);
    bc_free(s->sample_avg_gain);
    bc_free(s->voi.evpi);
    bc_free(s->voi.evpi_se);
    bc_free(s->voi.evppi);
    bc_free(s->voi.evppi_se);
    bc_free(s->voi.evppi_bias);
    for (size_t g = 0; s->voi.group_name && g < s->voi.n_groups; g++)
        bc_free(s->voi.group_name[g]);
    bc_free(s->voi.group_name);
    bc_free(s->voi.group_size);
    bc_free(s->voi.gevppi);
    bc_free(s->voi.gevppi_se);
    bc_free(s->voi.gevppi_bias);
    bc_free(s->afford.pbe);
    bc_free(s->afford.level);
    bc_free(s->afford.status);
    bc_free(s->afford.planned);
    bc_packages_free(&s->pkg);
    bc_free(s);
}

static int series_alloc(bc_series *r, size_t n, int hist)
{
    r->n = n;
    r->mean = bc_calloc(n, sizeof(double));
    r->sd = bc_calloc(n, sizeof(double));
    r->min = bc_calloc(n, sizeof(double));
    r->max = bc_calloc(n, sizeof(double));
    r->q = bc_calloc(n * BC_NQ, sizeof(double));
    int ok = r->mean && r->sd && r->min && r->max && r->q;
    if (hist) {
        r->edges = bc_calloc(n * (BC_HIST_BINS + 1), sizeof(double));
        r->counts = bc_calloc(n * BC_HIST_BINS, sizeof(uint64_t));
        ok = ok && r->edges && r->counts;
    }
    return ok ? 0 : -1;
}

int bc_stats_coarse(const bc_stats_shape *sh, const bc_thread_acc *threads, int nt, size_t s,
                    uint64_t n, double mn, double mx, const double *probs, int np, double *q,
                    double *half, double *edges, uint64_t *counts)
{
    int e = BC_HIST_E0;
    for (int i = 0; i < nt; i++)
        if (threads[i].hist[s].n && threads[i].hist[s].e > e)
            e = threads[i].hist[s].e;
    int64_t kmin, kmax;
    for (;;) {
        kmin = (int64_t)floor(ldexp(mn, -e));
        kmax = (int64_t)floor(ldexp(mx, -e));
        if (kmax - kmin + 1 <= (int64_t)sh->hist_cap)
            break;
        e++;
    }
    size_t span = (size_t)(kmax - kmin + 1);
    uint64_t *c = bc_calloc(span, sizeof *c);
    if (!c)
        return -1;
    for (int i = 0; i < nt; i++) {
        const bc_fhist *h = &threads[i].hist[s];
        int64_t base = threads[i].bases[s];
        for (size_t j = 0; j < h->n; j++) {
            uint64_t v = bc_fh_get(h, (size_t)(h->k0 - base + (int64_t)j));
            if (v)
                c[bc_floor_shift(h->k0 + (int64_t)j, e - h->e) - kmin] += v;
        }
    }
    const double w = ldexp(1.0, e);
    /* type-1 quantile: the smallest x with ECDF(x) >= p; the bin midpoint */
    for (int k = 0; k < np; k++) {
        const uint64_t r = bc_stats_rank(probs[k], n);
        uint64_t cum = 0;
        size_t j = 0;
        for (; j < span; j++) {
            cum += c[j];
            if (cum >= r)
                break;
        }
        double v = ((double)(kmin + (int64_t)j) + 0.5) * w;
        q[k] = v < mn ? mn : v > mx ? mx : v;
        half[k] = w / 2;
    }
    if (edges) {
        /* BC_HIST_BINS bins of a whole number of fine bins, from the bin of the min */
        size_t per = (span + BC_HIST_BINS - 1) / BC_HIST_BINS;
        for (int k = 0; k <= BC_HIST_BINS; k++)
            edges[k] = (double)(kmin + (int64_t)(per * (size_t)k)) * w;
        for (size_t j = 0; j < span; j++)
            counts[j / per] += c[j];
    }
    bc_free(c);
    return 0;
}

/* The quantiles of series s into q[0 .. BC_NQ): from its windows where they
 * hold them, else from the coarse histogram (counted in *fallbacks when the
 * window was there); *resolution raised to the widest half bin used. */
static int finish_series(const bc_stats_shape *sh, bc_thread_acc *threads, int nt, size_t s,
                         uint64_t n, double mn, double mx, double *q, double *edges,
                         uint64_t *counts, double *resolution, uint64_t *fallbacks)
{
    double half[BC_NQ];
    if (bc_stats_coarse(sh, threads, nt, s, n, mn, mx, bc_quantile_probs, BC_NQ, q, half, edges,
                        counts))
        return -1;
    for (int k = 0; k < BC_NQ; k++) {
        if (sh->win && sh->win[s * BC_NWIN + (size_t)k].nb) {
            if (!bc_stats_window_quantile(sh, &threads[0], s, k, bc_quantile_probs[k], n, mn, mx,
                                          &q[k], &half[k]))
                ++*fallbacks;
        }
        if (half[k] > *resolution)
            *resolution = half[k];
    }
    return 0;
}

int bc_stats_summarise(const bc_stats_shape *sh, const bc_block_acc *total,
                       bc_thread_acc *threads, int n_threads, uint64_t runs, bc_summary **out)
{
    const size_t O = sh->n_outputs, H = sh->years, p = sh->p;
    bc_summary *r = bc_calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return -1;
    r->runs = runs;
    r->n_outputs = O;
    r->years = H;
    r->n_reg_x = sh->nx;
    r->n_reg_y = 2 * O;
    r->be_prob = bc_calloc(O, sizeof(double));
    r->be_se = bc_calloc(O, sizeof(double));
    r->loss_prob = bc_calloc(O, sizeof(double));
    r->loss_se = bc_calloc(O, sizeof(double));
    r->be_year_counts = bc_calloc(O * (H + 1), sizeof(uint64_t));
    r->reg_mean = bc_calloc(p ? p : 1, sizeof(double));
    r->reg_cov = bc_calloc(p ? p * p : 1, sizeof(double));
    if (!r->be_prob || !r->be_se || !r->loss_prob || !r->loss_se || !r->be_year_counts || !r->reg_mean || !r->reg_cov ||
        series_alloc(&r->avg_gain, O, 1) || series_alloc(&r->npv, O, 1) ||
        series_alloc(&r->gain, O * H, 1))
        goto oom;
    const uint64_t n = total->n;
    const double dn = (double)n;
    for (size_t s = 0; s < sh->n_series; s++) {
        bc_series *dst = s < O ? &r->avg_gain : s < 2 * O ? &r->npv : &r->gain;
        size_t i = s < O ? s : s < 2 * O ? s - O : s - 2 * O;
        double mn = INFINITY, mx = -INFINITY;
        for (int t = 0; t < n_threads; t++) {
            if (threads[t].min[s] < mn)
                mn = threads[t].min[s];
            if (threads[t].max[s] > mx)
                mx = threads[t].max[s];
        }
        dst->mean[i] = total->mean[s];
        dst->sd[i] = n > 1 ? sqrt(total->m2[s] / (dn - 1)) : 0.0;
        dst->min[i] = mn;
        dst->max[i] = mx;
        if (finish_series(sh, threads, n_threads, s, n, mn, mx, dst->q + i * BC_NQ,
                          dst->edges ? dst->edges + i * (BC_HIST_BINS + 1) : NULL,
                          dst->counts ? dst->counts + i * BC_HIST_BINS : NULL,
                          &r->quantile_resolution, &r->quantile_fallbacks))
            goto oom;
    }
    for (size_t o = 0; o < O; o++) {
        uint64_t be = 0, loss = 0;
        for (int t = 0; t < n_threads; t++) {
            be += threads[t].be[o];
            loss += threads[t].loss[o];
            for (size_t y = 0; y <= H; y++)
                r->be_year_counts[o * (H + 1) + y] += threads[t].be_year[o * (H + 1) + y];
        }
        double pr = (double)be / dn;
        r->be_prob[o] = pr;
        r->be_se[o] = sqrt(pr * (1 - pr) / dn);
        double pl = (double)loss / dn;
        r->loss_prob[o] = pl;
        r->loss_se[o] = sqrt(pl * (1 - pl) / dn);
    }
    for (size_t a = 0; a < p; a++)
        r->reg_mean[a] = total->rmean[a];
    if (sh->pa) { /* the pairs kept; NaN for the others */
        for (size_t q = 0; q < p * p; q++)
            r->reg_cov[q] = NAN;
        for (size_t q = 0; q < sh->npair; q++) {
            const size_t a = sh->pa[q], c = sh->pc[q];
            r->reg_cov[a * p + c] = r->reg_cov[c * p + a] =
                n > 1 ? total->rcom[q] / (dn - 1) : 0.0;
        }
    } else {
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < p; c++)
                r->reg_cov[a * p + c] = n > 1 ? total->rcom[a * p + c] / (dn - 1) : 0.0;
    }
    /* the value of information and the affordability from the run's one
     * accumulator (its threads' sums are the run's: bc_voi_acc_share) */
    if (n_threads == 1 &&
        (bc_voi_summarise(sh, &threads[0], n, r) || bc_afford_summarise(sh, &threads[0], n, r) ||
         bc_pkg_summarise(sh, &threads[0], n, r->avg_gain.mean, r)))
        goto oom;
    *out = r;
    return 0;
oom:
    bc_summary_free(r);
    return -1;
}
