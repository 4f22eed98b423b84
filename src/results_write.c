/* results_write.c: what goes into a result file: a run's (root attributes,
 * /outputs, /inputs, /base_case, /summary, /histograms, /regression,
 * /sensitivity, /samples) and a Sobol' study's (docs/hdf5-layout.md), built
 * as an in-memory file image and handed to src/fileio.c to publish. It
 * writes what it is given; the analysis is made before (bc_run_analyse). */
#define _POSIX_C_SOURCE 200809L

#include "bcsim/results.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc_int.h"
#include "bcsim/dist.h"
#include "bcsim/sampler.h"
#include "fileio_int.h"
#include "results_write_int.h"
#include "strutil_int.h"

/* Rows per chunk of the /samples datasets: at most 65536, and few enough that
 * a chunk holds about 1 MiB (2^17 doubles), the size of HDF5's default chunk
 * cache, so that reading one column does not decompress far more than it
 * needs. */
#define SAMPLE_CHUNK_ROWS 65536
#define SAMPLE_CHUNK_DOUBLES (1u << 17)

/* Number of uncertain input components: every component of every input
 * whose distribution is not FIXED, in input order (the sampler's order). */
static size_t n_components(const bc_model *m)
{
    size_t d = 0;
    for (size_t i = 0; i < bc_model_n_inputs(m); i++) {
        const bc_input *in = bc_model_input(m, i);
        if (bc_dist_is_random(&in->dist))
            d += in->dim;
    }
    return d;
}

char **bc_results_component_names(const bc_model *m, size_t d)
{
    char **v = bc_calloc(d ? d : 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < bc_model_n_inputs(m); i++) {
        const bc_input *in = bc_model_input(m, i);
        for (size_t t = 0; bc_dist_is_random(&in->dist) && t < in->dim; t++, k++)
            if (!(v[k] =
                      in->dim > 1 ? bc_str_printf("%s[%zu]", in->name, t) : bc_strdup(in->name))) {
                bc_strs_free(v, d);
                return NULL;
            }
    }
    return v;
}

/* The output variables "QUANTITY:ID" into v: for the first nq of avg_gain,
 * npv and break_even in turn, one per output (v[q O + o]). -1 if out of
 * memory (the names made so far stay in v, for the caller to free). */
static int quantity_names(const bc_model *m, size_t nq, char **v)
{
    static const char *const quantity[3] = {"avg_gain", "npv", "break_even"};
    const size_t O = bc_model_n_outputs(m);
    for (size_t q = 0; q < nq && q < 3; q++)
        for (size_t o = 0; o < O; o++)
            if (!(v[q * O + o] = bc_str_printf("%s:%s", quantity[q], bc_model_output_id(m, o))))
                return -1;
    return 0;
}

/* bc_dist_format into a new string. */
static char *dist_text(const bc_dist *d)
{
    char small[256];
    int n = bc_dist_format(d, small, sizeof small);
    if (n < 0)
        return bc_strdup("");
    if ((size_t)n < sizeof small)
        return bc_strdup(small);
    char *s = bc_malloc((size_t)n + 1);
    if (s)
        bc_dist_format(d, s, (size_t)n + 1);
    return s;
}

/* The `model_text` attribute: the file's text, then one "# --set A" line per
 * override (on a new line), so that the text alone documents the model run. */
static char *model_text_with_overrides(const bc_model *m)
{
    const char *text = bc_model_text(m);
    size_t n = strlen(text), len = n + 2, no = bc_model_n_overrides(m);
    for (size_t i = 0; i < no; i++)
        len += strlen(bc_model_override(m, i)) + 9;
    char *s = bc_malloc(len);
    if (!s)
        return NULL;
    memcpy(s, text, n + 1);
    if (no && n && text[n - 1] != '\n')
        strcat(s, "\n");
    for (size_t i = 0; i < no; i++) {
        strcat(s, "# --set ");
        strcat(s, bc_model_override(m, i));
        strcat(s, "\n");
    }
    return s;
}

/* The `overrides` attribute: the assignments joined by "\n". */
static char *overrides_joined(const bc_model *m)
{
    size_t no = bc_model_n_overrides(m), len = 1;
    for (size_t i = 0; i < no; i++)
        len += strlen(bc_model_override(m, i)) + 1;
    char *s = bc_malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < no; i++) {
        if (i)
            strcat(s, "\n");
        strcat(s, bc_model_override(m, i));
    }
    return s;
}

/* The package rules of a run (bc_package_rules), as root attributes. */
static int write_package_rules(const bc_h5ctx *c, const bc_package_rules *p)
{
    static const char *const mode[] = {"auto", "all", "off"};
    const hid_t r = c->root;
    const char *o = "the root group";
    int rc;
    (void)((rc = bc_h5_attr_str(c, r, o, "packages", mode[p->mode])) ||
           (rc = bc_h5_attr_f64(c, r, o, "max_loss_probability", p->max_loss_prob)) ||
           (rc = bc_h5_attr_f64(c, r, o, "budget", p->budget)) ||
           (rc = bc_h5_attr_u64(c, r, o, "require_mask", p->require)) ||
           (rc = bc_h5_attr_u64(c, r, o, "exclude_mask", p->exclude)));
    return rc;
}

int bc_results_write_root(const bc_h5ctx *c, const bc_model *m, const bc_results_study *st)
{
    int rc = BC_OK;
    char *text = model_text_with_overrides(m), *ovr = overrides_joined(m);
    if (!text || !ovr) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    char created[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (now != (time_t)-1 && gmtime_r(&now, &tm))
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const hid_t r = c->root;
    const char *o = "the root group";
    /* Each step sets rc; || stops at the first failure (here and below). */
    (void)((rc = bc_h5_attr_str(c, r, o, "format", BC_RESULTS_FORMAT)) ||
           (rc = bc_h5_attr_i32(c, r, o, "format_version", BC_RESULTS_FORMAT_VERSION)) ||
           (rc = bc_h5_attr_str(c, r, o, "study", st->kind)) ||
           (rc = bc_h5_attr_str(c, r, o, "model_text", text)) ||
           (rc = bc_h5_attr_u64(c, r, o, "model_text_length", strlen(bc_model_text(m)))) ||
           (rc = bc_h5_attr_str(c, r, o, "overrides", ovr)) ||
           (rc = bc_h5_attr_str(c, r, o, "model_file", bc_model_filename(m))) ||
           (rc = bc_h5_attr_str(c, r, o, "model_id", bc_model_id(m))) ||
           (rc = bc_h5_attr_str(c, r, o, "title", bc_model_title(m))) ||
           (rc = bc_h5_attr_u64(c, r, o, "seed", st->seed)) ||
           (rc = bc_h5_attr_u64(c, r, o, "runs", st->runs)) ||
           (rc = bc_h5_attr_str(c, r, o, "sampler", st->sampler)) ||
           (rc = bc_h5_attr_u64(c, r, o, "block", st->block)) ||
           (rc = bc_h5_attr_str(c, r, o, "rng", BC_RNG_NAME)) ||
           (rc = bc_h5_attr_str(c, r, o, "bcsim_version", BCSIM_VERSION)) ||
           (rc = bc_h5_attr_str(c, r, o, "created", created)) ||
           (rc = bc_h5_attr_str(c, r, o, "command_line", st->command_line)) ||
           (rc = bc_h5_attr_i32(c, r, o, "start_year", bc_model_start_year(m))) ||
           (rc = bc_h5_attr_u64(c, r, o, "years", bc_model_years(m))) ||
           (rc = bc_h5_attr_f64(c, r, o, "discount_rate", bc_model_discount_rate(m))) ||
           (!isnan(st->quantile_resolution) &&
            (rc = bc_h5_attr_f64(c, r, o, "quantile_resolution", st->quantile_resolution))) ||
           (st->packages && (rc = write_package_rules(c, st->packages))));
done:
    bc_free(text);
    bc_free(ovr);
    return rc;
}

static int write_outputs_inputs(const bc_h5ctx *c, const bc_model *m)
{
    const size_t O = bc_model_n_outputs(m), nin = bc_model_n_inputs(m), D = bc_model_dim(m);
    const size_t d = n_components(m);
    int rc = BC_OK;
    const char **ids = bc_malloc(O * sizeof *ids), **titles = bc_malloc(O * sizeof *titles);
    const char **names = bc_malloc((nin ? nin : 1) * sizeof *names);
    char **spec = bc_calloc(nin ? nin : 1, sizeof *spec), **comp = bc_results_component_names(m, d);
    double *base = bc_malloc((nin ? nin : 1) * sizeof *base),
           *x = bc_malloc((D ? D : 1) * sizeof *x);
    int8_t *unc = bc_malloc(nin ? nin : 1);
    uint64_t *dim = bc_malloc((nin ? nin : 1) * sizeof *dim);
    if (!ids || !titles || !names || !spec || !comp || !base || !x || !unc || !dim) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t o = 0; o < O; o++) {
        ids[o] = bc_model_output_id(m, o);
        titles[o] = bc_model_output_name(m, o);
    }
    bc_model_base_inputs(m, x);
    for (size_t i = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        names[i] = in->name;
        base[i] = x[in->offset];
        unc[i] = (int8_t)(bc_dist_is_random(&in->dist) != 0);
        dim[i] = in->dim;
        if (!(spec[i] = dist_text(&in->dist))) {
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
            goto done;
        }
    }
    hsize_t n = nin;
    (void)((rc = bc_h5_group(
                c, "/outputs",
                "The outputs: the proposals in model-file order, then the portfolio.")) ||
           (rc = bc_h5_dset_str(
                c, "/outputs/names", O, ids,
                "Output ids: proposal ids, then \"portfolio\"; the row order of every "
                "per-output dataset.")) ||
           (rc = bc_h5_dset_str(c, "/outputs/titles", O, titles, "Long name of each output.")) ||
           (rc = bc_h5_group(c, "/inputs", "The model's inputs, in the model's input order.")) ||
           (rc = bc_h5_dset_str(c, "/inputs/names", nin, names, "Canonical input names.")) ||
           (rc =
                bc_h5_dset_str(c, "/inputs/spec", nin, (const char *const *)spec,
                               "Each input's distribution as text (a plain number when fixed).")) ||
           (rc =
                bc_h5_dset_f64(c, "/inputs/base", 1, &n, base, "per input (see docs/model-file.md)",
                               "Each input's value in the base case (0 for the shocks).")) ||
           (rc = bc_h5_dset(c, "/inputs/uncertain", H5T_STD_I8LE, H5T_NATIVE_INT8, 1, &n, unc, "1",
                            "1 if the input has a distribution, 0 if it is a fixed number.", 0,
                            NULL)) ||
           (rc = bc_h5_dset_u64(c, "/inputs/dim", 1, &n, dim, "1",
                                "Number of components of each input (> 1 for an input group).",
                                NULL)) ||
           (rc = bc_h5_dset_str(c, "/inputs/components", d, (const char *const *)comp,
                                "Uncertain input components in sampler order, NAME or NAME[t] for "
                                "input groups; the columns of /samples/inputs.")));
done:
    bc_free(ids);
    bc_free(titles);
    bc_free(names);
    bc_strs_free(spec, nin);
    bc_strs_free(comp, d);
    bc_free(base);
    bc_free(x);
    bc_free(unc);
    bc_free(dim);
    return rc;
}

static int write_base_case(const bc_h5ctx *c, const bc_model *m)
{
    const size_t O = bc_model_n_outputs(m), H = bc_model_years(m), D = bc_model_dim(m);
    const int y0 = bc_model_start_year(m);
    int rc = BC_OK;
    double *x = bc_malloc((D ? D : 1) * sizeof *x);
    bc_eval *e = bc_eval_alloc(m, 1);
    int *bey = bc_malloc(O * sizeof *bey);
    if (!x || !e || !bey) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory evaluating the base case");
        goto done;
    }
    bc_model_base_inputs(m, x);
    bc_model_eval(m, x, e);
    for (size_t o = 0; o < O; o++)
        bey[o] = e->break_even_year[o] == BC_NO_BREAK_EVEN ? -1 : y0 + e->break_even_year[o];
    hsize_t oh[2] = {O, H}, n = O;
    (void)((rc = bc_h5_group(
                c, "/base_case",
                "The base case: every input at its base value, unemployment shocks 0.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/gain", 2, oh, e->gain, "mDKK/year",
                                "Gain (savings minus investment) of each output in each year.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/fte", 2, oh, e->fte, "full-year persons",
                                "Full-year persons fewer on public support in each year.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/investment", 2, oh, e->investment, "mDKK/year",
                                "Investment spent in each year.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/benefit_savings", 2, oh, e->benefit_savings,
                                "mDKK/year", "Savings on benefits in each year.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/other_savings", 2, oh, e->other_savings, "mDKK/year",
                                "Savings from the further savings lines in each year.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/avg_gain", 1, &n, e->avg_gain, "mDKK/year",
                                "Average annual gain over the horizon.")) ||
           (rc = bc_h5_dset_f64(c, "/base_case/npv", 1, &n, e->npv, "mDKK",
                                "Net present value of the gains at the model's discount rate.")) ||
           (rc = bc_h5_dset(c, "/base_case/break_even_year", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n,
                            bey, "calendar year",
                            "First year whose cumulative gain is >= 0, or -1 if none within the "
                            "horizon.",
                            0, NULL)));
done:
    bc_free(x);
    bc_eval_free(e);
    bc_free(bey);
    return rc;
}

/* mean, sd, min, max, quantiles of one bc_series under group `g`; `shape`
 * of rank 1 [outputs] or 2 [outputs, years]. */
static int write_series(const bc_h5ctx *c, const char *g, const char *what, const char *units,
                        const bc_series *sr, int rank, const hsize_t *shape)
{
    char path[128], desc[256];
    hsize_t qdims[3] = {shape[0], rank > 1 ? shape[1] : BC_NQ, BC_NQ};
    const bc_h5xattr probs = {"probabilities", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, BC_NQ,
                              bc_quantile_probs};
    static const char *const stat_name[4] = {"mean", "sd", "min", "max"};
    static const char *const stat_desc[4] = {"Mean over runs",
                                             "Standard deviation over runs (divisor runs - 1)",
                                             "Smallest value over runs", "Largest value over runs"};
    const double *v[4] = {sr->mean, sr->sd, sr->min, sr->max};
    int rc;
    snprintf(desc, sizeof desc, "Summary over runs of the %s.", what);
    if ((rc = bc_h5_group(c, g, desc)))
        return rc;
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", g, stat_name[i]);
        snprintf(desc, sizeof desc, "%s of the %s.", stat_desc[i], what);
        if ((rc = bc_h5_dset_f64(c, path, rank, shape, v[i], units, desc)))
            return rc;
    }
    snprintf(path, sizeof path, "%s/quantiles", g);
    snprintf(desc, sizeof desc,
             "Quantiles of the %s at the probabilities in attribute `probabilities` (last "
             "axis), exact to +- quantile_resolution.",
             what);
    return bc_h5_dset(c, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank + 1, qdims, sr->q, units,
                      desc, 0, &probs);
}

/* Histogram of one bc_series under group `g`: edges [shape..., bins+1] and
 * counts [shape..., bins], shape [outputs] or [outputs, years]. */
static int write_histogram(const bc_h5ctx *c, const char *g, const char *what, const char *units,
                           const bc_series *sr, int rank, const hsize_t *shape)
{
    char path[128], desc[256];
    hsize_t de[3] = {shape[0], rank > 1 ? shape[1] : BC_HIST_BINS + 1, BC_HIST_BINS + 1};
    hsize_t dc[3] = {shape[0], rank > 1 ? shape[1] : BC_HIST_BINS, BC_HIST_BINS};
    int rc;
    snprintf(desc, sizeof desc, "Histogram over runs of the %s, %d bins per %s.", what,
             BC_HIST_BINS, rank > 1 ? "output and year" : "output");
    if ((rc = bc_h5_group(c, g, desc)))
        return rc;
    snprintf(path, sizeof path, "%s/edges", g);
    snprintf(desc, sizeof desc, "Bin edges of the %s histograms (last axis).", what);
    if ((rc = bc_h5_dset_f64(c, path, rank + 1, de, sr->edges, units, desc)))
        return rc;
    snprintf(path, sizeof path, "%s/counts", g);
    snprintf(desc, sizeof desc, "Runs whose %s falls in each bin (last axis).", what);
    return bc_h5_dset_u64(c, path, rank + 1, dc, sr->counts, "1", desc, NULL);
}

static int write_summary(const bc_h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const size_t O = s->n_outputs, H = s->years;
    const int y0 = bc_model_start_year(m);
    hsize_t o1 = O, oh[2] = {O, H}, oy[2] = {O, H + 1};
    int rc;
    int *years = bc_malloc((H + 1) * sizeof *years);
    if (!years)
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    for (size_t t = 0; t < H; t++)
        years[t] = y0 + (int)t;
    years[H] = -1;
    const bc_h5xattr yattr = {"years", H5T_STD_I32LE, H5T_NATIVE_INT, H + 1, years};
    (void)((rc = bc_h5_group(c, "/summary", "Statistics over all runs.")) ||
           (rc = write_series(c, "/summary/avg_gain", "average annual gain (avg_gain)", "mDKK/year",
                              &s->avg_gain, 1, &o1)) ||
           (rc = write_series(c, "/summary/npv", "net present value (npv)", "mDKK", &s->npv, 1,
                              &o1)) ||
           (rc = write_series(c, "/summary/gain_by_year", "gain in each year", "mDKK/year",
                              &s->gain, 2, oh)) ||
           (rc = bc_h5_dset_f64(
                c, "/summary/loss_probability", 1, &o1, s->loss_prob, "1",
                "Share of runs that lose more than 1 mDKK a year (avg_gain < -1).")) ||
           (rc = bc_h5_dset_f64(c, "/summary/loss_probability_se", 1, &o1, s->loss_se, "1",
                                "Monte Carlo standard error of loss_probability.")) ||
           (rc = bc_h5_dset_f64(c, "/summary/break_even_probability", 1, &o1, s->be_prob, "1",
                                "Share of runs that break even (avg_gain >= 0).")) ||
           (rc = bc_h5_dset_f64(c, "/summary/break_even_probability_se", 1, &o1, s->be_se, "1",
                                "Monte Carlo standard error of the break-even probability, "
                                "sqrt(p(1-p)/runs).")) ||
           (rc = bc_h5_dset_u64(
                c, "/summary/break_even_year", 2, oy, s->be_year_counts, "1",
                "Runs whose cumulative gain first reaches >= 0 in each year (columns "
                "as attribute `years`; the last, -1, counts none within the horizon).",
                &yattr)));
    bc_free(years);
    return rc;
}

static int write_regression(const bc_h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const size_t d = s->n_reg_x, p = d + s->n_reg_y;
    int rc = BC_OK;
    char **names = bc_calloc(p ? p : 1, sizeof *names), **comp = bc_results_component_names(m, d);
    if (!names || !comp)
        goto nomem;
    for (size_t k = 0; k < d; k++) {
        names[k] = comp[k];
        comp[k] = NULL;
    }
    if (quantity_names(m, 2, names + d))
        goto nomem;
    hsize_t n = p, pp[2] = {p, p};
    (void)((rc = bc_h5_group(c, "/regression",
                             "Means and covariances of the uncertain input components and the "
                             "outputs, for regression-based sensitivity.")) ||
           (rc = bc_h5_dset_str(c, "/regression/names", p, (const char *const *)names,
                                "The variables: uncertain input components (sampler order), then "
                                "avg_gain:ID and npv:ID of each output.")) ||
           (rc = bc_h5_dset_f64(c, "/regression/mean", 1, &n, s->reg_mean,
                                "per variable (inputs: their model-file units; avg_gain mDKK/year; "
                                "npv mDKK)",
                                "Mean over runs of each variable in /regression/names.")) ||
           (rc = bc_h5_dset_f64(c, "/regression/cov", 2, pp, s->reg_cov,
                                "product of the two variables' units",
                                "Covariance matrix of the variables (divisor runs - 1).")));
    bc_strs_free(names, p);
    bc_strs_free(comp, d);
    return rc;
nomem:
    bc_strs_free(names, p);
    bc_strs_free(comp, d);
    return bc_error_set(c->err, BC_ENOMEM, "out of memory");
}

static hsize_t chunk_rows(uint64_t runs, size_t cols)
{
    hsize_t r = SAMPLE_CHUNK_DOUBLES / (cols ? cols : 1);
    if (r > SAMPLE_CHUNK_ROWS)
        r = SAMPLE_CHUNK_ROWS;
    if (r > runs)
        r = runs;
    return r ? r : 1;
}

static int write_samples(const bc_h5ctx *c, const bc_summary *s)
{
    const size_t O = s->n_outputs, d = s->n_reg_x;
    hsize_t dx[2] = {s->runs, d}, dy[2] = {s->runs, O};
    int rc;
    (void)((rc = bc_h5_group(c, "/samples",
                             "Every run's uncertain inputs and average annual gain.")) ||
           (rc = bc_h5_dset(c, "/samples/inputs", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dx,
                            s->sample_inputs,
                            "per column: the input's unit (see docs/model-file.md)",
                            "Value of each uncertain input component (columns: /inputs/components) "
                            "in each run.",
                            chunk_rows(s->runs, d), NULL)) ||
           (rc = bc_h5_dset(
                c, "/samples/avg_gain", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dy,
                s->sample_avg_gain, "mDKK/year",
                "Average annual gain of each output (columns: /outputs/names) in each run.",
                chunk_rows(s->runs, O), NULL)));
    return rc;
}

/* /sensitivity/tornado: one-at-a-time swings of avg_gain. */
static int write_tornado(const bc_h5ctx *c, const bc_model *m, const bc_tornado *t)
{
    int rc = BC_OK;
    const size_t k = t->k, O = t->n_outputs;
    char **names = bc_calloc(k ? k : 1, sizeof *names);
    uint64_t *order = bc_malloc((k ? k : 1) * O * sizeof *order);
    if (!names || !order) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        names[j] = (char *)bc_model_input(m, t->group_input[j])->name;
    for (size_t q = 0; q < k * O; q++)
        order[q] = t->order[q];
    hsize_t ko[2] = {k, O}, ok[2] = {O, k}, o1 = O;
    const bc_h5xattr pa = {"quantiles", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2,
                           (const double[]){t->plo, t->phi}};
    (void)((rc = bc_h5_group(
                c, "/sensitivity/tornado",
                "One at a time: each uncertain input (an input group as a whole) at its "
                "10th and 90th percentile, all others at their base values.")) ||
           (rc = bc_h5_dset_str(c, "/sensitivity/tornado/inputs", k, (const char *const *)names,
                                "The uncertain inputs, rows of low and high.")) ||
           (rc = bc_h5_dset(c, "/sensitivity/tornado/low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, ko,
                            t->low, "mDKK/year",
                            "avg_gain of each output with the input at its 10th percentile.", 0,
                            &pa)) ||
           (rc = bc_h5_dset(c, "/sensitivity/tornado/high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2,
                            ko, t->high, "mDKK/year",
                            "avg_gain of each output with the input at its 90th percentile.", 0,
                            &pa)) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/tornado/base", 1, &o1, t->base, "mDKK/year",
                                "avg_gain of each output at the base case.")) ||
           (rc = bc_h5_dset_u64(
                c, "/sensitivity/tornado/order", 2, ok, order, "1",
                "Per output, the rows of low/high by decreasing swing |high - low|.", NULL)));
done:
    bc_free(names);
    bc_free(order);
    return rc;
}

/* /sensitivity/regression: the standardised regression coefficients (SRC)
 * and R^2 of the analysis. */
static int write_regression_coefs(const bc_h5ctx *c, const bc_model *m, const bc_run_analysis *a)
{
    const size_t d = a->n_x, ny = a->n_y;
    char **comp = bc_results_component_names(m, d), **yn = bc_calloc(ny ? ny : 1, sizeof *yn);
    int rc = BC_OK;
    if (!comp || !yn) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    if (quantity_names(m, 2, yn)) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    hsize_t dy[2] = {d, ny}, y1 = ny;
    (void)((rc = bc_h5_group(c, "/sensitivity/regression",
                             "Linear regression of each output on the uncertain input components "
                             "over all runs: the contribution-to-variance view.")) ||
           (rc = bc_h5_dset_str(c, "/sensitivity/regression/inputs", d, (const char *const *)comp,
                                "The regressors: uncertain input components (sampler order).")) ||
           (rc = bc_h5_dset_str(c, "/sensitivity/regression/outputs", ny, (const char *const *)yn,
                                "The regressands: avg_gain:ID and npv:ID of each output.")) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/regression/src", 2, dy, a->src, "1",
                                "Standardised regression coefficients b_j sd(x_j)/sd(y).")) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/regression/r2", 1, &y1, a->r2, "1",
                                "Share of the output's variance the linear regression explains.")));
done:
    bc_strs_free(comp, d);
    bc_strs_free(yn, ny);
    return rc;
}

typedef struct run_contents {
    const bc_model *m;
    const bc_run_config *cfg;
    const bc_summary *s;
    const bc_run_analysis *a;
    const char *command_line;
} run_contents;

static int write_run(const bc_h5ctx *c, const void *data)
{
    const run_contents *r = data;
    const bc_model *m = r->m;
    const bc_summary *s = r->s;
    const bc_run_analysis *a = r->a;
    const bc_results_study st = {"run",
                                 r->cfg->seed,
                                 r->cfg->runs,
                                 bc_run_config_block(r->cfg),
                                 bc_sampler_kind_name(r->cfg->sampler),
                                 r->command_line,
                                 s->quantile_resolution,
                                 &r->cfg->packages};
    const hsize_t o1[1] = {s->n_outputs}, oh[2] = {s->n_outputs, s->years};
    int rc;
    (void)((rc = bc_results_write_root(c, m, &st)) || (rc = write_outputs_inputs(c, m)) ||
           (rc = write_base_case(c, m)) || (rc = write_summary(c, m, s)) ||
           (rc = bc_h5_group(c, "/histograms", "Histograms over all runs.")) ||
           (rc = write_histogram(c, "/histograms/avg_gain", "average annual gain (avg_gain)",
                                 "mDKK/year", &s->avg_gain, 1, o1)) ||
           (rc = write_histogram(c, "/histograms/npv", "net present value (npv)", "mDKK", &s->npv,
                                 1, o1)) ||
           (rc = write_histogram(c, "/histograms/gain_by_year", "gain in each year", "mDKK/year",
                                 &s->gain, 2, oh)) ||
           (rc = write_regression(c, m, s)) ||
           (rc = bc_h5_group(c, "/sensitivity", "Which inputs drive the outputs.")) ||
           (a->src && (rc = write_regression_coefs(c, m, a))) ||
           (a->tornado && (rc = write_tornado(c, m, a->tornado))) ||
           ((s->voi.bins || s->afford.bins || (a->thresholds && a->thresholds->k)) &&
            (rc = bc_results_write_decision(c, m, s, a->thresholds))) ||
           (s->sample_inputs && s->sample_avg_gain && (rc = write_samples(c, s))));
    return rc;
}

typedef struct sobol_contents {
    const bc_model *m;
    const bc_sobol_config *cfg;
    const bc_sobol_result *r;
    const bc_tornado *tornado;
    const char *command_line;
} sobol_contents;

static int write_sobol(const bc_h5ctx *c, const void *data)
{
    const sobol_contents *sc = data;
    const bc_model *m = sc->m;
    const bc_sobol_result *r = sc->r;
    const bc_results_study st = {"sobol",
                                 sc->cfg->seed,
                                 r->n,
                                 sc->cfg->block ? sc->cfg->block : BC_SOBOL_DEFAULT_BLOCK,
                                 r->sampler == BC_SOBOL_QMC ? "qmc" : "mc",
                                 sc->command_line,
                                 NAN,
                                 NULL};
    const size_t k = r->k, ny = r->n_y;
    char **gn = bc_calloc(k, sizeof *gn), **yn = bc_calloc(ny, sizeof *yn);
    int rc = BC_OK;
    if (!gn || !yn) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        gn[j] = (char *)bc_model_input(m, r->group_input[j])->name;
    if (quantity_names(m, 3, yn)) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    hsize_t ky[2] = {k, ny}, ky2[3] = {k, ny, 2}, y1 = ny;
    const char *g = "/sensitivity/sobol";
    (void)((rc = bc_results_write_root(c, m, &st)) || (rc = write_outputs_inputs(c, m)) ||
           (rc = write_base_case(c, m)) ||
           (rc = bc_h5_group(c, "/sensitivity", "Which inputs drive the outputs.")) ||
           (rc = bc_h5_group(c, g,
                             "Variance-based Sobol' indices from an A/B/AB design: first order "
                             "(Saltelli 2010), total (Jansen 1999).")) ||
           (rc = bc_h5_attr_str(c, c->root, "the root group", "sobol_estimators",
                                "first: Saltelli 2010, centred on the mean of A and B; total: "
                                "Jansen 1999")) ||
           (rc = bc_h5_attr_u64(c, c->root, "the root group", "sobol_n", r->n)) ||
           (rc = bc_h5_attr_u64(c, c->root, "the root group", "sobol_evaluations",
                                r->evaluations)) ||
           (rc = bc_h5_attr_u64(c, c->root, "the root group", "replicates",
                                (uint64_t)r->replicates)) ||
           (r->replicates &&
            (rc = bc_h5_attr_str(c, c->root, "the root group", "interval_method",
                                 "Student t over independent replicates"))) ||
           (rc = bc_h5_attr_f64(c, c->root, "the root group", "confidence_level", r->level)) ||
           (rc = bc_h5_attr_i32(c, c->root, "the root group", "qmc_fell_back", r->qmc_fell_back)) ||
           (rc = bc_h5_dset_str(c, "/sensitivity/sobol/inputs", k, (const char *const *)gn,
                                "The uncertain inputs (an input group such as unemployment.shocks "
                                "counts once): rows of the indices.")) ||
           (rc = bc_h5_dset_str(
                c, "/sensitivity/sobol/outputs", ny, (const char *const *)yn,
                "The output quantities: avg_gain:ID, npv:ID and break_even:ID (the "
                "indicator avg_gain >= 0) of each output: columns of the indices.")) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/sobol/first", 2, ky, r->first, "1",
                                "First-order Sobol' index S_j of each input for each output.")) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/sobol/total", 2, ky, r->total, "1",
                                "Total Sobol' index ST_j of each input for each output.")) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/sobol/mean", 1, &y1, r->mean,
                                "mDKK/year, mDKK or 1 (as the output)",
                                "Mean of each output quantity over the A and B samples.")) ||
           (rc = bc_h5_dset_f64(c, "/sensitivity/sobol/variance", 1, &y1, r->variance,
                                "square of the output's unit",
                                "Variance of each output quantity over the A and B samples.")) ||
           (r->first_ci &&
            ((rc = bc_h5_dset_f64(c, "/sensitivity/sobol/first_ci", 3, ky2, r->first_ci, "1",
                                  "Bootstrap percentile interval (lower, upper) of S_j.")) ||
             (rc = bc_h5_dset_f64(c, "/sensitivity/sobol/total_ci", 3, ky2, r->total_ci, "1",
                                  "Bootstrap percentile interval (lower, upper) of ST_j.")))) ||
           (rc = write_tornado(c, m, sc->tornado)));
done:
    bc_free(gn);
    bc_strs_free(yn, ny);
    return rc;
}

/* The summary must be the engine's summary of this model and configuration. */
static int check_summary(const char *path, const bc_model *m, const bc_run_config *cfg,
                         const bc_summary *s, const bc_run_analysis *a, bc_error *err)
{
    if (!m || !cfg || !s)
        return bc_error_set(err, BC_EINVAL, "%s: no model, configuration or summary to write",
                            path);
    if (!a)
        return bc_error_set(err, BC_EINVAL, "%s: no analysis of the run to write", path);
    const size_t O = bc_model_n_outputs(m), H = bc_model_years(m), d = n_components(m);
    if (s->n_outputs != O || s->years != H || s->avg_gain.n != O || s->npv.n != O ||
        s->gain.n != O * H)
        return bc_error_set(err, BC_EINVAL,
                            "%s: the summary has %zu outputs and %zu years, but model %s has "
                            "%zu and %zu",
                            path, s->n_outputs, s->years, bc_model_id(m), O, H);
    if (s->runs != cfg->runs)
        return bc_error_set(err, BC_EINVAL,
                            "%s: the summary has %llu runs, but the configuration %llu", path,
                            (unsigned long long)s->runs, (unsigned long long)cfg->runs);
    if (s->n_reg_x != d || s->n_reg_y != 2 * O)
        return bc_error_set(err, BC_EINVAL,
                            "%s: the summary has %zu input components and %zu output "
                            "variables, but model %s has %zu and %zu",
                            path, s->n_reg_x, s->n_reg_y, bc_model_id(m), d, 2 * O);
    if ((a->src && (a->n_x != d || a->n_y != 2 * O)) || (a->tornado && a->tornado->n_outputs != O) ||
        (a->thresholds && a->thresholds->k && a->thresholds->n_outputs != O))
        return bc_error_set(err, BC_EINVAL, "%s: the analysis is not of model %s", path,
                            bc_model_id(m));
    return BC_OK;
}

/* The file is built in memory (HDF5's core driver, no backing store) and its
 * image written with plain POSIX calls. Two reasons: HDF5 1.10 frees a file
 * whose close failed (a full disk, a file-size limit) but keeps its
 * identifier, and crashes at exit closing it again (HDFFV-11052, fixed in
 * 1.14.1), so HDF5 must never meet a write error; and I/O errors then come
 * with the file name and errno. The price is memory: the image (about the
 * size of the file, the samples compressed) twice while it is copied out. */
#define CORE_INCREMENT ((size_t)4 << 20)

int bc_results_write_file(const char *path, int force, bc_error *err,
                          int (*contents)(const bc_h5ctx *c, const void *data), const void *data)
{
    int rc;
    /* The in-memory file's label: the temporary name bc_fileio_replace uses. */
    char *tmp = bc_fileio_tmp_name(path);
    if (!tmp)
        return bc_error_set(err, BC_ENOMEM, "out of memory");

    bc_h5ctx c = bc_h5ctx_init(path, err);
    hid_t fapl = H5I_INVALID_HID;
    bc_h5quiet q = {0};
    void *image = NULL;
    size_t size = 0;
    if ((rc = bc_h5_quiet_on(&q, &c)))
        goto done;
    if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 || H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0) {
        rc = bc_h5_fail(&c, "cannot set up an in-memory file");
        goto done;
    }
    /* With the core driver and no backing store, the name is only a label. */
    if ((c.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        rc = bc_h5_fail(&c, "cannot create the file in memory");
        goto done;
    }
    if ((c.root = H5Gopen2(c.file, "/", H5P_DEFAULT)) < 0) {
        rc = bc_h5_fail(&c, "cannot open the root group");
        goto done;
    }
    if ((c.str = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(c.str, H5T_VARIABLE) < 0 ||
        H5Tset_cset(c.str, H5T_CSET_UTF8) < 0) {
        rc = bc_h5_fail(&c, "cannot make the string type");
        goto done;
    }
    if ((rc = contents(&c, data)))
        goto done;
    rc = bc_h5_close(&c, &c.str, H5Tclose, "the string type", rc);
    rc = bc_h5_close(&c, &c.root, H5Gclose, "the root group", rc);
    if (rc)
        goto done;
    if (H5Fflush(c.file, H5F_SCOPE_GLOBAL) < 0) {
        rc = bc_h5_fail(&c, "cannot flush the file in memory");
        goto done;
    }
    ssize_t n = H5Fget_file_image(c.file, NULL, 0);
    if (n < 0) {
        rc = bc_h5_fail(&c, "cannot get the size of the file image");
        goto done;
    }
    size = (size_t)n;
    if (!(image = bc_malloc(size ? size : 1))) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory copying the file image (%zu bytes)", size);
        goto done;
    }
    if (H5Fget_file_image(c.file, image, size) != n) {
        rc = bc_h5_fail(&c, "cannot copy the file image");
        goto done;
    }
    /* Frees the in-memory file before we write its copy. */
    if ((rc = bc_h5_close(&c, &c.file, H5Fclose, "the file in memory", rc)))
        goto done;
    rc = bc_fileio_replace(path, force, image, size, err);
done:
    rc = bc_h5_close(&c, &c.str, H5Tclose, "the string type", rc);
    rc = bc_h5_close(&c, &c.root, H5Gclose, "the root group", rc);
    rc = bc_h5_close(&c, &c.file, H5Fclose, "the file in memory", rc);
    rc = bc_h5_close(&c, &fapl, H5Pclose, "the file access properties", rc);
    bc_h5_quiet_off(&q);
    bc_free(image);
    bc_free(tmp);
    return rc;
}

int bc_results_check_path(const char *path, int force, bc_error *err)
{
    return bc_fileio_check_output(path, force, err);
}

int bc_results_write(const char *path, int force, const bc_model *m, const bc_run_config *cfg,
                     const bc_summary *s, const bc_run_analysis *a, const char *command_line,
                     bc_error *err)
{
    int rc = bc_results_check_path(path, force, err);
    if (rc)
        return rc;
    if ((rc = check_summary(path, m, cfg, s, a, err)))
        return rc;
    const run_contents r = {m, cfg, s, a, command_line};
    return bc_results_write_file(path, force, err, write_run, &r);
}

int bc_results_write_sobol(const char *path, int force, const bc_model *m,
                           const bc_sobol_config *cfg, const bc_sobol_result *r,
                           const bc_tornado *tornado, const char *command_line, bc_error *err)
{
    int rc = bc_results_check_path(path, force, err);
    if (rc)
        return rc;
    if (!m || !cfg || !r || !tornado)
        return bc_error_set(err, BC_EINVAL,
                            "%s: no model, configuration, indices or tornado to write", path);
    const sobol_contents sc = {m, cfg, r, tornado, command_line};
    return bc_results_write_file(path, force, err, write_sobol, &sc);
}
