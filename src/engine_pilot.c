/* engine_pilot.c: where the fine windows of a long run go (stats_window.c;
 * docs/reliability.md, "Quantiles of long runs").
 *
 * A scout of at most BC_SCOUT_RUNS runs measures each series' range; a
 * series whose histogram could hold SPAN_GROWTH times that range in bins of
 * 2^-10 mDKK needs no window. For the others, a pilot of
 * bc_engine_pilot_runs(runs) runs (the same model, seed and sampler: what
 * every shard and rank computes alike) gives, for each reported probability
 * p, its quantiles at p - delta and p + delta, delta = PILOT_K standard
 * errors of a proportion over the pilot's runs; the run's window for p spans
 * them, so that its own p-quantile falls inside unless it is PILOT_K
 * standard errors away (about 2e-9), and when it does not, the summary says
 * so (quantile_fallbacks). The pilot, itself a long run, gets its windows the
 * same way; a pilot too short for windows is the scout itself. */
#include <math.h>
#include <string.h>

#include "alloc_int.h"
#include "engine_int.h"
#include "model_int.h"

#define PILOT_K 6.0
/* How much wider than the scout's range a long run's may become. */
#define SPAN_GROWTH 1.5

/* The configuration of a scout or pilot of `runs` runs: the same model, seed,
 * sampler, block and threads, nothing saved, reported or checkpointed, no
 * packages of proposals. */
static bc_run_config sub_config(const bc_run_config *cfg, uint64_t runs)
{
    bc_run_config c = *cfg;
    c.runs = runs;
    c.save_samples = 0;
    c.progress = NULL;
    c.progress_user = NULL;
    c.checkpoint = NULL;
    c.checkpoint_user = NULL;
    c.fold_runs = 0;
    c.packages = (bc_package_rules){.mode = BC_PACKAGES_OFF}; /* only the run's own need them */
    return c;
}

/* Run a level (scout or pilot) to the end, with windows win (taken). */
static int run_level(const bc_model *m, const bc_run_config *c, const double *wa,
                     const double *wb, bc_window *win, const bc_sampler *proto,
                     bc_run_state **out, bc_error *err)
{
    *out = NULL;
    bc_sampler *smp = NULL;
    int rc = bc_sampler_copy(proto, c->runs, &smp, err);
    if (rc) {
        bc_free(win);
        return rc;
    }
    rc = bc_run_state_alloc_windows(m, c, 0, 0, wa, wb, win, smp, out, err);
    if (!rc)
        rc = bc_engine_advance(m, c, *out, bc_run_state_segments(*out), err);
    if (rc) {
        bc_run_state_free(*out);
        *out = NULL;
    }
    return rc;
}

/* need[s]: series s's range in the scout, SPAN_GROWTH times, would span more
 * bins of 2^-10 mDKK than a histogram of a run with (windows) or without
 * windows may hold. Returns how many series need one. */
static size_t series_needing(const bc_thread_acc *a, size_t S, int windows, unsigned char *need)
{
    const double cap = (double)bc_stats_hist_cap(S, windows);
    size_t n = 0;
    for (size_t s = 0; s < S; s++) {
        const double bins =
            a->min[s] < a->max[s] ? floor(a->max[s] * 1024) - floor(a->min[s] * 1024) + 1 : 1;
        need[s] = (unsigned char)(SPAN_GROWTH * bins > cap);
        n += need[s];
    }
    return n;
}

/* The pilot's probabilities: wa - delta, wb + delta, within [0, 1]. */
static void pilot_probs(const double *wa, const double *wb, uint64_t np, double *pa, double *pb)
{
    const double n = (double)np;
    for (int k = 0; k < BC_NWIN; k++) {
        const double da = PILOT_K * sqrt(wa[k] * (1 - wa[k]) / n) + 1 / n;
        const double db = PILOT_K * sqrt(wb[k] * (1 - wb[k]) / n) + 1 / n;
        pa[k] = wa[k] - da > 0 ? wa[k] - da : 0;
        pb[k] = wb[k] + db < 1 ? wb[k] + db : 1;
    }
}

uint64_t bc_engine_pilot_runs(uint64_t runs)
{
    if (runs < ((uint64_t)1 << 18))
        return runs / 4;
    if (runs < ((uint64_t)1 << 20))
        return (uint64_t)1 << 16;
    return runs / BC_PILOT_DIV < BC_PILOT_MAX ? runs / BC_PILOT_DIV : BC_PILOT_MAX;
}

int bc_engine_windows(const bc_model *m, const bc_run_config *cfg, const double *wa,
                      const double *wb, const bc_sampler *proto, bc_window **win, bc_error *err)
{
    *win = NULL;
    if (cfg->runs < BC_WIN_MIN_RUNS)
        return BC_OK;
    const size_t S = bc_engine_n_series(m), nw = S * BC_NWIN;
    const uint64_t np = bc_engine_pilot_runs(cfg->runs);
    double pa[BC_NWIN], pb[BC_NWIN];
    pilot_probs(wa, wb, np, pa, pb);
    unsigned char *need = bc_malloc(S ? S : 1);
    double *lo = bc_malloc((nw ? nw : 1) * 4 * sizeof *lo);
    bc_run_state *st = NULL;
    bc_window *pwin = NULL;
    int rc = need && lo ? BC_OK : bc_error_set(err, BC_ENOMEM, "out of memory");
    /* the scout: a pilot too when the pilot is short enough to have no windows */
    const bc_run_config scout = sub_config(cfg, np < BC_SCOUT_RUNS ? np : BC_SCOUT_RUNS);
    if (!rc)
        rc = run_level(m, &scout, pa, pb, NULL, proto, &st, err);
    if (rc || series_needing(bc_run_state_acc(st), S, 0, need) == 0)
        goto done; /* every histogram stays fine enough: no windows */
    series_needing(bc_run_state_acc(st), S, 1, need);
    const bc_run_config pilot = sub_config(cfg, np);
    if (np >= BC_WIN_MIN_RUNS) {
        bc_run_state_free(st);
        st = NULL;
        rc = bc_engine_windows(m, &pilot, pa, pb, proto, &pwin, err);
        if (!rc)
            rc = run_level(m, &pilot, pa, pb, pwin, proto, &st, err);
        if (rc)
            goto done;
    }
    double *lo_half = lo + nw, *hi = lo + 2 * nw, *hi_half = lo + 3 * nw;
    if (bc_stats_bounds(bc_run_state_shape(st), bc_run_state_acc(st), np, lo, lo_half, hi,
                        hi_half)) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    bc_stats_shape sh = *bc_run_state_shape(st);
    sh.wbins = bc_stats_wbins(S);
    *win = bc_malloc((nw ? nw : 1) * sizeof **win);
    if (!*win)
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
    else
        bc_stats_make_windows(&sh, need, lo, lo_half, hi, hi_half, *win);
done:
    bc_run_state_free(st);
    bc_free(need);
    bc_free(lo);
    return rc;
}
