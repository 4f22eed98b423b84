/* stats.h: the summary of a Monte Carlo run: moments, quantiles, histograms,
 * break-even probabilities and years, and the cross-products that
 * regression-based sensitivity needs. Plain data, filled by the engine. */
#ifndef BCSIM_STATS_H
#define BCSIM_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The quantile probabilities reported for every series. */
#define BC_NQ 9
extern const double bc_quantile_probs[BC_NQ]; /* 0.01 0.05 0.10 0.25 0.5 0.75 0.90 0.95 0.99 */

/* The loss the summary counts: an average annual gain below -1 mDKK/year
 * ("losing more than 1 mDKK a year"). */
#define BC_LOSS_THRESHOLD (-1.0)

/* Bins of the reported histograms. */
#define BC_HIST_BINS 100

/* Statistics of n series (n = outputs for avg_gain and npv, outputs x years
 * for gain by year, index [o * years + t]). */
typedef struct bc_series {
    size_t n;
    double *mean, *sd, *min, *max; /* [n]; sd with divisor runs - 1 */
    double *q;                     /* [n * BC_NQ] quantiles */
    /* histogram of BC_HIST_BINS bins per series: edges [n * (BC_HIST_BINS+1)],
     * counts [n * BC_HIST_BINS] */
    double *edges;
    uint64_t *counts;
} bc_series;

/* The value of information (docs/decision.md). The decision on each
 * proposal is to fund it or not; its value is the average annual gain if
 * funded, 0 if not. In mDKK/year (times the horizon's years for the value
 * over the horizon). The portfolio's figures are those of deciding on each
 * proposal on its own: the sums of the proposals' (its standard errors the
 * sums of theirs, an upper bound). */
typedef struct bc_voi {
    size_t bins;     /* equal-probability bins of each component's CDF value; 0: not
                        computed (no uncertain input, or a gain of 2^20 mDKK or more) */
    size_t n_comp;   /* uncertain input components, in sampler order (as the regression's) */
    /* EVPI = E[max(G, 0)] - max(E[G], 0): the expected gain of deciding with
     * every input known. [outputs] */
    double *evpi, *evpi_se;
    /* EVPPI of component k for output o at [k * outputs + o]: the expected
     * gain of deciding after learning that input alone, E_k[max(E[G | k], 0)]
     * - max(E[G], 0), from the mean gain in each bin of the component's CDF
     * value (Strong & Oakley 2013), less the estimated upward bias of the
     * maximum over noisy bin means (evppi_bias, already subtracted; the
     * estimate is never below 0). 0 where the output does not depend on the
     * component. */
    double *evppi, *evppi_se, *evppi_bias;
    /* EVPPI of groups of inputs, learnt together (docs/decision.md): each
     * vector input (the unemployment shocks) and each proposal's own
     * uncertain inputs ("<id>.*"), where they are two components or more,
     * and the groups the model file names (bc_model_group) with one or more;
     * group g has group_size[g] components and is named group_name[g]. By
     * regression of each proposal's gain on the group's components over the
     * first group_runs runs (Strong, Oakley & Brennan 2014), at [g * outputs
     * + o] (0 where the proposal depends on none of them; the portfolio's the
     * sums), less the estimated upward bias of max(fit, 0) (gevppi_bias),
     * with the standard error of the mean over those runs (the fit's own
     * error not in it). n_groups 0: none. */
    size_t n_groups;
    uint64_t group_runs;
    char **group_name;
    size_t *group_size;
    double *gevppi, *gevppi_se, *gevppi_bias; /* gevppi less the bias already */
} bc_voi;

/* What a proposal may cost (docs/decision.md): the probability of breaking
 * even if the investment were a factor f of the planned one (f from 0 to 2
 * in steps of 1/per: factor[j] = j / per, j <= bins), and the largest
 * factor at which it still breaks even with probability 0.5, 0.8, 0.9 and
 * 0.95 (bc_afford_probs), by linear interpolation between the steps, with
 * its status: BC_AFFORD_FOUND, BC_AFFORD_NEVER (not even at no investment:
 * level 0) or BC_AFFORD_BEYOND (still at twice the plan: level 2). With f,
 * every run's investment is f times its own (the run's draw of an uncertain
 * one); the portfolio scales every proposal's at once. planned[o]: the base
 * case's average annual investment, mDKK/year, so that planned[o] * level
 * is an investment in mDKK/year. NULL arrays when not computed (not a
 * business case). */
#define BC_AFFORD_NP 4
extern const double bc_afford_probs[BC_AFFORD_NP]; /* 0.5 0.8 0.9 0.95 */
enum { BC_AFFORD_FOUND = 0, BC_AFFORD_NEVER = 1, BC_AFFORD_BEYOND = 2 };
typedef struct bc_afford {
    size_t bins, per;  /* 0: not computed */
    double *pbe;       /* [outputs * (bins + 1)] P(break even) at factor j / per */
    double *level;     /* [outputs * BC_AFFORD_NP] the largest factor */
    int *status;       /* [outputs * BC_AFFORD_NP] BC_AFFORD_FOUND, _NEVER, _BEYOND */
    double *planned;   /* [outputs] mDKK/year */
} bc_afford;

/* Packages of proposals (docs/decision.md): every subset of the P
 * proposals, evaluated on the same runs. Package k (k = 0 .. 2^P - 1) holds
 * proposal p when bit p of k is set; package 0 funds nothing. Its average
 * annual gain is the sum of its proposals'. In mDKK/year. NULL arrays and
 * n_prop 0 when not computed (not a business case, or more proposals than
 * the run's rules enumerate: `reason`). */
#define BC_PACKAGES_MAX 16       /* the most proposals enumerated */
#define BC_PACKAGES_AUTO_MAX 10  /* the most enumerated unless asked for more */
enum { BC_PACKAGES_AUTO = 0, BC_PACKAGES_ALL = 1, BC_PACKAGES_OFF = 2 };
enum { BC_PKG_DONE = 0, BC_PKG_NONE = 1, BC_PKG_OFF = 2, BC_PKG_TOO_MANY = 3, BC_PKG_BIG = 4 };
typedef struct bc_packages {
    size_t n_prop, n;   /* P, 2^P (0: not computed) */
    int reason;         /* BC_PKG_DONE, or why not: no business case, turned off, too many
                           proposals, a gain beyond the sums' range */
    /* [n] each: the mean gain and its standard error; P(break even), P(loss
     * more than 1 mDKK/year) and their standard errors; the 5 % quantile of
     * the gain and the mean gain over the worst 5 % of runs (CVaR), both read
     * from the package's histogram, within half (its bin width: `half`); the
     * planned average annual investment (mDKK/year). */
    double *mean, *mean_se, *pbe, *pbe_se, *ploss, *ploss_se, *p5, *cvar5, *half, *investment;
    /* [n] 0/1: meets every rule; on the efficient frontier of the mean
     * against P(loss) and against the CVaR (no other package as good in
     * both and better in one). */
    unsigned char *feasible, *frontier_loss, *frontier_cvar;
    /* The rules (bc_package_rules) and the best package under them: the
     * largest mean among the feasible, -1 when none is. */
    double max_loss_prob, budget; /* 0: none */
    uint64_t require, exclude;    /* bit p: proposal p must be in, must be out */
    int64_t best;
    /* The value of deciding which package to fund after learning every input:
     * E[max over the packages within the budget and the require/exclude
     * rules of G] - max over them of E[G] (the risk limit left out: with
     * everything known there is no risk), and its standard error (the rules
     * bc_package_rules_check accepts leave at least the required proposals
     * to fund). (A run whose
     * gain reached 2^20 mDKK in size leaves every package out: reason
     * BC_PKG_BIG.) */
    double evpi, evpi_se;
} bc_packages;

typedef struct bc_summary {
    uint64_t runs;
    size_t n_outputs, years;
    bc_series avg_gain, npv, gain;
    /* Quantiles are exact to +- quantile_resolution (mDKK): half the width of
     * the widest bin a quantile was read from (2^-11 mDKK unless a series
     * spans more bins of 2^-10 mDKK than its histogram may hold; then a
     * window of fine bins around each quantile, placed by a pilot run, keeps
     * them within a tenth of the quantile's own Monte Carlo standard error:
     * docs/reliability.md, "Quantiles of long runs"). */
    double quantile_resolution;
    /* Quantiles that fell outside the window placed for them and were read
     * from the coarse histogram instead (its resolution is then in
     * quantile_resolution); 0 almost always. */
    uint64_t quantile_fallbacks;
    double *be_prob;          /* [outputs] P(avg_gain >= 0) */
    double *be_se;            /* [outputs] its Monte Carlo standard error sqrt(p(1-p)/runs) */
    double *loss_prob;        /* [outputs] P(avg_gain < BC_LOSS_THRESHOLD) */
    double *loss_se;          /* [outputs] its standard error */
    uint64_t *be_year_counts; /* [outputs * (years + 1)]: runs whose break-even year is t;
                                 the last column counts "none within the horizon" */
    /* Regression support: the p = n_reg_x + n_reg_y variables are the uncertain
     * input components (sampler order) then avg_gain and npv of every output;
     * their means [p] and covariance matrix [p * p] (divisor runs - 1). */
    size_t n_reg_x, n_reg_y;
    double *reg_mean, *reg_cov;
    /* With --save-samples: [runs * n_reg_x] inputs and [runs * outputs] avg_gain,
     * else NULL. */
    double *sample_inputs, *sample_avg_gain;
    bc_voi voi;
    bc_afford afford;
    bc_packages pkg;
} bc_summary;

void bc_summary_free(bc_summary *s);

#ifdef __cplusplus
}
#endif
#endif
