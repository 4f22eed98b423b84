/* results_write_decision.c: the /decision group of a run's result file
 * (docs/hdf5-layout.md): the value of information the engine's summary
 * holds. It writes what it is given and computes nothing. */
#include <stdint.h>

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
               (t && t->k && (rc = write_thresholds(c, m, t))));
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
           (s->afford.bins && (rc = write_afford(c, s))) ||
           (t && t->k && (rc = write_thresholds(c, m, t))));
    bc_strs_free(comp, K);
    return rc;
}
