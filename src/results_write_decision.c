/* results_write_decision.c: the /decision group of a run's result file
 * (docs/hdf5-layout.md): the value of information the engine's summary
 * holds. It writes what it is given and computes nothing. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc_int.h"
#include "results_write_int.h"
#include "strutil_int.h"

/* The affordability: P(break even) at each factor of the planned
 * investment, and the largest factor for each probability. */
static int write_afford(const bc_h5ctx *c, const bc_summary *s)
{
    const bc_afford *f = &s->afford;
    const size_t O = s->n_outputs, J = f->bins + 1;
    double *fac = bc_malloc(J * sizeof *fac);
    if (!fac)
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    for (size_t j = 0; j < J; j++)
        fac[j] = (double)j / (double)f->per;
    const hsize_t j1 = J, oj[2] = {O, J}, o1 = O, op[2] = {O, BC_AFFORD_NP};
    const bc_h5xattr xp = {"probabilities", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, BC_AFFORD_NP,
                           bc_afford_probs};
    int rc;
    (void)((rc = bc_h5_dset_f64(c, "/decision/investment_factor", 1, &j1, fac, "1",
                                "Factors of the planned investment, 0 to 2: columns of "
                                "affordability.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/affordability", 2, oj, f->pbe, "1",
                                "P(break even) of each output (rows) with every run's "
                                "investment that factor of its own (the portfolio: every "
                                "proposal's), over the same runs.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/planned_investment", 1, &o1, f->planned,
                                "mDKK/year",
                                "The base case's average annual investment of each output.")) ||
           (rc = bc_h5_dset(c, "/decision/max_investment_factor", H5T_IEEE_F64LE,
                            H5T_NATIVE_DOUBLE, 2, op, f->level, "1",
                            "The largest factor of the planned investment at which each output "
                            "still breaks even with each of the attribute's probabilities "
                            "(times planned_investment: mDKK/year); 0 where not even no "
                            "investment does, 2 where twice the plan still does "
                            "(max_investment_status).",
                            0, &xp)) ||
           (rc = bc_h5_dset(c, "/decision/max_investment_status", H5T_STD_I32LE, H5T_NATIVE_INT, 2,
                            op, f->status, "1",
                            "0: max_investment_factor found; 1: never (not even at no "
                            "investment); 2: beyond twice the planned investment.",
                            0, NULL)));
    bc_free(fac);
    return rc;
}

/* "a+b" for the ids of the proposals in mask k (P of them), "none" for none;
 * NULL when out of memory. */
static char *package_label(const bc_model *m, size_t P, uint64_t k)
{
    size_t len = 5;
    for (size_t p = 0; p < P; p++)
        len += k >> p & 1 ? strlen(bc_model_output_id(m, p)) + 1 : 0;
    char *t = bc_malloc(len);
    if (!t)
        return NULL;
    strcpy(t, k ? "" : "none");
    for (size_t p = 0; p < P; p++)
        if (k >> p & 1) {
            if (*t)
                strcat(t, "+");
            strcat(t, bc_model_output_id(m, p));
        }
    return t;
}

/* The rules and the best package, as attributes of /decision/packages. */
static int package_attrs(const bc_h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const bc_packages *pk = &s->pkg;
    const char *g = "/decision/packages";
    hid_t loc = H5Gopen2(c->file, g, H5P_DEFAULT);
    if (loc < 0)
        return bc_error_set(c->err, BC_EIO, "%s: cannot open %s", c->path, g);
    const int64_t best = pk->best;
    char *req = package_label(m, pk->n_prop, pk->require),
         *exc = package_label(m, pk->n_prop, pk->exclude);
    int rc = req && exc ? BC_OK : bc_error_set(c->err, BC_ENOMEM, "out of memory");
    (void)(rc ||
           (rc = bc_h5_attr_write(c, loc, g, "best", H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &best)) ||
           (rc = bc_h5_attr_f64(c, loc, g, "max_loss_probability", pk->max_loss_prob)) ||
           (rc = bc_h5_attr_f64(c, loc, g, "budget", pk->budget)) ||
           (rc = bc_h5_attr_str(c, loc, g, "required", req)) ||
           (rc = bc_h5_attr_str(c, loc, g, "excluded", exc)) ||
           (rc = bc_h5_attr_f64(c, loc, g, "evpi", pk->evpi)) ||
           (rc = bc_h5_attr_f64(c, loc, g, "evpi_se", pk->evpi_se)) ||
           (rc = bc_h5_attr_u64(c, loc, g, "years", s->years)));
    bc_free(req);
    bc_free(exc);
    H5Gclose(loc);
    return rc;
}

static int write_u8(const bc_h5ctx *c, const char *path, int rank, const hsize_t *dims,
                    const unsigned char *v, const char *desc)
{
    return bc_h5_dset(c, path, H5T_STD_U8LE, H5T_NATIVE_UCHAR, rank, dims, v, "1", desc, 0, NULL);
}

/* Every package's statistics (bc_packages). */
static int write_packages(const bc_h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const bc_packages *pk = &s->pkg;
    const size_t K = pk->n, P = pk->n_prop;
    unsigned char *mem = bc_calloc(K * P, 1);
    char **lab = bc_calloc(K, sizeof *lab);
    int rc = mem && lab ? BC_OK : bc_error_set(c->err, BC_ENOMEM, "out of memory");
    for (size_t k = 0; !rc && k < K; k++) {
        for (size_t p = 0; p < P; p++)
            mem[k * P + p] = (unsigned char)(k >> p & 1);
        if (!(lab[k] = package_label(m, P, k)))
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
    }
    const hsize_t k1 = K, kp[2] = {K, P};
    (void)(rc ||
           (rc = bc_h5_group(c, "/decision/packages",
                             "Every package (subset) of the proposals on the same runs: row k "
                             "holds proposal p when bit p of k is set (members); its average "
                             "annual gain is the sum of its proposals'. Attributes: the rules "
                             "(max_loss_probability and budget, 0 for none; required, excluded), "
                             "the best package under them (best, a row; -1 for none), and the "
                             "value of deciding the package after learning every input (evpi, "
                             "evpi_se, mDKK/year; times years over the horizon).")) ||
           (rc = write_u8(c, "/decision/packages/members", 2, kp, mem,
                          "1 where the package (row) holds the proposal (column, as "
                          "/outputs/names).")) ||
           (rc = bc_h5_dset_str(c, "/decision/packages/labels", K, (const char *const *)lab,
                                "The package's proposals' ids joined by '+' ('none': fund "
                                "nothing).")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/mean", 1, &k1, pk->mean, "mDKK/year",
                                "Mean average annual gain.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/mean_se", 1, &k1, pk->mean_se, "mDKK/year",
                                "Its Monte Carlo standard error.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/p_break_even", 1, &k1, pk->pbe, "1",
                                "P(average annual gain >= 0).")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/p_break_even_se", 1, &k1, pk->pbe_se, "1",
                                "Its Monte Carlo standard error.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/p_loss", 1, &k1, pk->ploss, "1",
                                "P(average annual gain < -1 mDKK/year).")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/p_loss_se", 1, &k1, pk->ploss_se, "1",
                                "Its Monte Carlo standard error.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/p5", 1, &k1, pk->p5, "mDKK/year",
                                "5 % quantile of the average annual gain, within resolution.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/cvar5", 1, &k1, pk->cvar5, "mDKK/year",
                                "Mean average annual gain over the worst 5 % of runs (minus the "
                                "expected loss there), within resolution.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/resolution", 1, &k1, pk->half, "mDKK/year",
                                "Half the width of the histogram bins p5 and cvar5 are read "
                                "from.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/packages/investment", 1, &k1, pk->investment,
                                "mDKK/year", "The planned average annual investment.")) ||
           (rc = write_u8(c, "/decision/packages/feasible", 1, &k1, pk->feasible,
                          "1 where the package meets every rule.")) ||
           (rc = write_u8(c, "/decision/packages/frontier_loss", 1, &k1, pk->frontier_loss,
                          "1 on the efficient frontier of mean against p_loss.")) ||
           (rc = write_u8(c, "/decision/packages/frontier_cvar", 1, &k1, pk->frontier_cvar,
                          "1 on the efficient frontier of mean against cvar5.")) ||
           (rc = package_attrs(c, m, s)));
    if (lab)
        bc_strs_free(lab, K);
    bc_free(mem);
    return rc;
}

/* Why the packages are not in the file, as an attribute of /decision. */
static int packages_note(const bc_h5ctx *c, const bc_summary *s)
{
    const int why = s->pkg.reason;
    const char *note = why == BC_PKG_DONE      ? "evaluated"
                       : why == BC_PKG_OFF     ? "not evaluated: turned off (--packages off)"
                       : why == BC_PKG_TOO_MANY ? "not evaluated: more proposals than "
                                                  "enumerated (--packages all: up to 16)"
                       : why == BC_PKG_BIG ? "not reported: a run's gain reached 2^20 mDKK"
                                                : "not evaluated: not a business case";
    hid_t loc = H5Gopen2(c->file, "/decision", H5P_DEFAULT);
    if (loc < 0)
        return bc_error_set(c->err, BC_EIO, "%s: cannot open /decision", c->path);
    int rc = bc_h5_attr_str(c, loc, "/decision", "packages", note);
    H5Gclose(loc);
    return rc;
}

/* The value of information of groups of inputs. */
static int write_groups(const bc_h5ctx *c, const bc_summary *s)
{
    const bc_voi *v = &s->voi;
    const size_t G = v->n_groups, O = s->n_outputs;
    uint64_t *size = bc_malloc(G * sizeof *size);
    if (!size)
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    for (size_t g = 0; g < G; g++)
        size[g] = v->group_size[g];
    const hsize_t g1 = G, go[2] = {G, O};
    const uint64_t runs = v->group_runs;
    const bc_h5xattr xr = {"runs", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &runs};
    int rc;
    (void)((rc = bc_h5_dset_str(c, "/decision/groups", G, (const char *const *)v->group_name,
                                "Groups of inputs learnt together, rows of group_evppi: each "
                                "vector input (the unemployment shocks) and each proposal's own "
                                "uncertain inputs (<id>.*).")) ||
           (rc = bc_h5_dset_u64(c, "/decision/group_size", 1, &g1, size, "1",
                                "The uncertain components of each group.", NULL)) ||
           (rc = bc_h5_dset(c, "/decision/group_evppi", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, go,
                            v->gevppi, "mDKK/year",
                            "EVPPI of each group (rows) for each output: the expected gain of "
                            "deciding after learning the group's inputs together, by "
                            "regression of the gain on them (a quadratic up to 6 of them, "
                            "linear above) over the first `runs` runs (Strong, Oakley & "
                            "Brennan 2014), less group_evppi_bias; 0 where the output depends "
                            "on none of them; the portfolio's the sums.",
                            0, &xr)) ||
           (rc = bc_h5_dset_f64(c, "/decision/group_evppi_se", 2, go, v->gevppi_se, "mDKK/year",
                                "Monte Carlo standard error of group_evppi over those runs (the "
                                "regression's own error not in it).")) ||
           (rc = bc_h5_dset_f64(c, "/decision/group_evppi_bias", 2, go, v->gevppi_bias,
                                "mDKK/year",
                                "The estimated upward bias of the maximum over noisy fitted "
                                "values, subtracted from group_evppi.")));
    bc_free(size);
    return rc;
}

/* The break-even thresholds of the analysis. */
static int write_thresholds(const bc_h5ctx *c, const bc_model *m, const bc_thresholds *t)
{
    const size_t K = t->k, O = t->n_outputs;
    const char **names = bc_calloc(K ? K : 1, sizeof *names);
    if (!names)
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    for (size_t j = 0; j < K; j++)
        names[j] = bc_model_input(m, t->input[j])->name;
    const hsize_t ko[2] = {K, O};
    int rc;
    (void)((rc = bc_h5_dset_str(c, "/decision/threshold_inputs", K, names,
                                "The uncertain inputs of one component, rows of threshold.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/threshold", 2, ko, t->value,
                                "the input's unit (docs/model-file.md)",
                                "The value at which each output's base case breaks exactly even "
                                "with every other input at its base value (threshold_kind says "
                                "on which side it breaks even); 0 where none.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/threshold_percentile", 2, ko, t->percentile, "1",
                                "That value's percentile (CDF) in the input's own distribution; "
                                "0 where none.")) ||
           (rc = bc_h5_dset(c, "/decision/threshold_kind", H5T_STD_I32LE, H5T_NATIVE_INT, 2, ko,
                            t->kind, "1",
                            "0: never breaks even over the input's range; 1: breaks even at the "
                            "threshold and above; 2: at it and below; 3: always breaks even.",
                            0, NULL)));
    bc_free(names);
    return rc;
}

int bc_results_write_decision(const bc_h5ctx *c, const bc_model *m, const bc_summary *s,
                               const bc_thresholds *t)
{
    const bc_voi *v = &s->voi;
    const size_t K = v->n_comp, O = s->n_outputs;
    int rc;
    if (!v->bins) { /* affordability only (no uncertain input) */
        (void)((rc = bc_h5_group(c, "/decision",
                                 "What a proposal may cost, and its inputs' break-even "
                                 "thresholds.")) ||
               (s->afford.bins && (rc = write_afford(c, s))) ||
               (t && t->k && (rc = write_thresholds(c, m, t))) ||
               (s->pkg.n && (rc = write_packages(c, m, s))) || (rc = packages_note(c, s)));
        return rc;
    }
    char **comp = bc_results_component_names(m, K);
    if (!comp)
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    const hsize_t o1 = O, ko[2] = {K, O};
    const uint64_t bins = v->bins, years = s->years;
    const bc_h5xattr xb = {"bins", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &bins};
    const bc_h5xattr xy = {"years", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &years};
    (void)((rc = bc_h5_group(c, "/decision",
                             "What a decision on each proposal (fund it or not) is worth knowing "
                             "more first: the expected value of perfect information (EVPI) and "
                             "of partial perfect information about each input (EVPPI), in "
                             "mDKK/year of the average annual gain (times the horizon's years "
                             "over the horizon; the portfolio's: each proposal decided on its "
                             "own, the sums of the proposals'); and what a proposal may cost "
                             "(affordability).")) ||
           (rc = bc_h5_dset(c, "/decision/evpi", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &o1,
                            v->evpi, "mDKK/year",
                            "EVPI of each output (rows: /outputs/names): E[max(G, 0)] - "
                            "max(E[G], 0), G the average annual gain; times the attribute "
                            "years for the value over the horizon.",
                            0, &xy)) ||
           (rc = bc_h5_dset_f64(c, "/decision/evpi_se", 1, &o1, v->evpi_se, "mDKK/year",
                                "Monte Carlo standard error of evpi (the portfolio's: the sum of "
                                "the proposals', an upper bound).")) ||
           (rc = bc_h5_dset_str(c, "/decision/inputs", K, (const char *const *)comp,
                                "The uncertain input components (sampler order), rows of "
                                "evppi.")) ||
           (rc = bc_h5_dset(c, "/decision/evppi", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, ko,
                            v->evppi, "mDKK/year",
                            "EVPPI of each input component (rows) for each output (columns): "
                            "the expected gain of deciding after learning that input, from the "
                            "mean gain in each of `bins` equal-probability bins of the input's "
                            "CDF value, less evppi_bias; 0 where the output does not depend on "
                            "the input.",
                            0, &xb)) ||
           (rc = bc_h5_dset_f64(c, "/decision/evppi_se", 2, ko, v->evppi_se, "mDKK/year",
                                "Monte Carlo standard error of evppi.")) ||
           (rc = bc_h5_dset_f64(c, "/decision/evppi_bias", 2, ko, v->evppi_bias, "mDKK/year",
                                "The estimated upward bias of the maximum over noisy bin means, "
                                "subtracted from evppi.")) ||
           (v->n_groups && (rc = write_groups(c, s))) ||
           (s->afford.bins && (rc = write_afford(c, s))) ||
           (t && t->k && (rc = write_thresholds(c, m, t))) ||
           (s->pkg.n && (rc = write_packages(c, m, s))) || (rc = packages_note(c, s)));
    bc_strs_free(comp, K);
    return rc;
}
