/* results_int.h: a result file read into memory (struct bc_results_file),
 * shared by its loader (results_read.c), the summary (summary.c) and the
 * exports (export_csv.c), and the reading of a study's identity, shared with
 * the checkpoint and shard files (state_file.c). No HDF5 here. */
#ifndef BCSIM_RESULTS_INT_H
#define BCSIM_RESULTS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bcsim/results.h"

/* Statistics of one quantity: a group under /summary. */
typedef struct rseries {
    double *mean, *sd, *min, *max; /* [n]: n = outputs, or outputs x years */
    double *q;                     /* [n x nq] quantiles */
    double *probs;                 /* [nq] their probabilities */
    size_t nq;
} rseries;

/* One group under /histograms. */
typedef struct rhist {
    double *edges;    /* [n x (bins + 1)] */
    uint64_t *counts; /* [n x bins] */
    size_t bins;
} rhist;

struct bc_results_file {
    char *path;                        /* as given to bc_results_load */
    char *study, *model_id, *title;    /* study "run" when not recorded */
    char *sampler, *created, *version; /* created, version "" when not recorded */
    uint64_t seed, runs;               /* runs: N of a Sobol' study */
    uint64_t evaluations, replicates;  /* Sobol' studies; 0 when not recorded */
    int bootstrap_intervals;           /* a format 1 file: replicates counts bootstrap
                                          replicates of percentile intervals */
    double level;                      /* Sobol' interval level; NaN when not recorded */
    int start_year;
    size_t n_out, years;         /* O and H */
    char **out_id, **out_title;  /* [O] */
    size_t n_in;                 /* N */
    char **in_name, **in_spec;   /* [N] */
    double *in_base;             /* [N] */
    int *in_unc;                 /* [N] 0 or 1 */
    int have_summary;            /* /summary was read: */
    rseries avg, npv, gby;       /*   avg_gain, npv [O]; gain_by_year [O x H] */
    double *be_p, *be_se;        /*   [O] */
    double *loss_p, *loss_se;    /*   [O]; NULL in files that predate them */
    uint64_t *bey;               /*   [O x (H+1)] break-even year counts */
    int *bey_year;               /*   [H+1] calendar years, -1 for none */
    int have_hist;               /* /histograms was read: */
    rhist h_avg, h_npv, h_gby;   /*   avg_gain, npv [O]; gain_by_year [O x H] */
    int have_reg;                /* /sensitivity/regression was read: */
    size_t reg_d, reg_ny;        /*   regressors D, regressands 2 O */
    char **reg_in, **reg_out;    /*   [D], [2 O] */
    double *src, *r2;            /*   [D x 2 O], [2 O] */
    int have_tor;                /* /sensitivity/tornado was read: */
    size_t tor_k;                /*   inputs K */
    char **tor_in;               /*   [K] */
    double *tor_low, *tor_high;  /*   [K x O] mDKK/year */
    double tor_q[2];             /*   their percentiles (0.1, 0.9) */
    int have_voi;                /* /decision was read: */
    double *evpi, *evpi_se;      /*   [O] mDKK/year */
    size_t voi_k;                /*   input components K */
    char **voi_in;               /*   [K] */
    double *evppi, *evppi_se, *evppi_bias; /* [K x O] mDKK/year */
    uint64_t voi_bins;           /*   bins of each component's CDF value */
    size_t voi_g;                /*   groups G (0: none in the file) */
    char **voi_group;            /*   [G] */
    double *gevppi, *gevppi_se, *gevppi_bias; /* [G x O] mDKK/year */
    uint64_t voi_group_runs;     /*   the runs of the groups' regression */
    int have_afford;             /* /decision/affordability was read: */
    size_t af_j;                 /*   investment factors J */
    double *af_factor;           /*   [J] */
    double *af_pbe;              /*   [O x J] P(break even) */
    double *af_planned;          /*   [O] mDKK/year */
    double *af_level;            /*   [O x 4] the largest factor for af_probs */
    int *af_status;              /*   [O x 4] BC_AFFORD_FOUND, _NEVER, _BEYOND */
    double af_probs[4];
    int have_thr;                /* /decision/threshold was read: */
    size_t thr_k;                /*   inputs */
    char **thr_in;               /*   [K] */
    double *thr_value, *thr_pct; /*   [K x O] */
    int *thr_kind;               /*   [K x O] BC_THR_* */
    int have_pkg;                /* /decision/packages was read: */
    struct rpackages {
        size_t n, p;             /*   packages K = 2^P, proposals P */
        int *members;            /*   [K x P] 0/1 */
        char **label;            /*   [K] "a+b", "none" */
        double *mean, *mean_se, *pbe, *pbe_se, *ploss, *ploss_se, *p5, *cvar, *res, *inv; /* [K] */
        int *feas, *fl, *fc;     /*   [K] feasible, on the frontiers of p_loss and cvar5 */
        int64_t best;            /*   a row, or -1 */
        double maxloss, budget, evpi, evpi_se;
        uint64_t req, exc;       /*   the rules' masks (rows of label) */
    } pk;
    char *pk_mode;               /* the run's --packages ("" in files before it) */
    int have_sob;                /* /sensitivity/sobol was read: */
    size_t sob_k, sob_ny;        /*   inputs K, output quantities 3 O */
    char **sob_in, **sob_out;    /*   [K], [3 O] */
    double *first, *total;       /*   [K x 3 O] */
    double *first_ci, *total_ci; /*   [K x 3 O x 2]; NULL without bootstrap */
};

/* What identifies a study in the result file `path`: the model text (without
 * the "# --set" lines), the model file name, the overrides and the run
 * configuration (runs, seed, sampler, block). `want` is "run", or "state"
 * for a checkpoint or a shard: another kind of file is refused (BC_EINVAL).
 * Ownership and errors as bc_results_read_run. */
int bc_results_read_identity(const char *path, const char *want, char **model_text,
                             char **model_file, char ***overrides, size_t *n_overrides,
                             bc_run_config *cfg, bc_error *err);

#endif
