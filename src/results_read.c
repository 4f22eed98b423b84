/* results_read.c: result files read back: a study's identity (for bcsim
 * replay, and for checkpoints and shards through state_file.c) and a whole
 * file loaded into memory for bcsim summary and bcsim export
 * (bc_results_load, bc_results_free). */
#define _POSIX_C_SOURCE 200809L

#include "bcsim/results.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc_int.h"
#include "bcsim/sampler.h"
#include "h5util_int.h"
#include "results_int.h"

/* Split `s` at "\n" into new strings; "" gives none. */
static int split_lines(const char *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s[0])
        return BC_OK;
    size_t k = 1;
    for (const char *p = s; *p; p++)
        k += *p == '\n';
    char **v = bc_calloc(k, sizeof *v);
    if (!v)
        return BC_ENOMEM;
    const char *p = s;
    for (size_t i = 0; i < k; i++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!(v[i] = bc_malloc(len + 1))) {
            bc_strs_free(v, k);
            return BC_ENOMEM;
        }
        memcpy(v[i], p, len);
        v[i][len] = '\0';
        p = e ? e + 1 : p + len;
    }
    *out = v;
    *n = k;
    return BC_OK;
}

/* What identifies a study: the model text, overrides and run configuration.
 * `want` is "run", or "state" for a checkpoint or a shard. */
/* The package rules of a run (root attributes written by the versions that
 * have them; else the defaults), checked as the engine would. */
static int read_package_rules(const bc_h5ctx *c, bc_package_rules *p)
{
    memset(p, 0, sizeof *p);
    int has = 0, rc = bc_h5_attr_has(c, "packages", &has);
    if (rc || !has)
        return rc;
    char *mode = NULL;
    if ((rc = bc_h5_attr_read_str(c, "packages", &mode)) ||
        (rc = bc_h5_attr_read_f64(c, "max_loss_probability", &p->max_loss_prob)) ||
        (rc = bc_h5_attr_read_f64(c, "budget", &p->budget)) ||
        (rc = bc_h5_attr_read_int(c, "require_mask", H5T_NATIVE_UINT64, &p->require)) ||
        (rc = bc_h5_attr_read_int(c, "exclude_mask", H5T_NATIVE_UINT64, &p->exclude))) {
        bc_free(mode);
        return rc;
    }
    p->mode = strcmp(mode, "auto") == 0  ? BC_PACKAGES_AUTO
              : strcmp(mode, "all") == 0 ? BC_PACKAGES_ALL
              : strcmp(mode, "off") == 0 ? BC_PACKAGES_OFF
                                         : -1;
    bc_free(mode);
    if (p->mode < 0 || !(p->max_loss_prob >= 0 && p->max_loss_prob < 1) ||
        !(p->budget >= 0 && p->budget < HUGE_VAL) || (p->require & p->exclude))
        return bc_h5_not_ours(c, "bad package rules", NULL);
    return BC_OK;
}

int bc_results_read_identity(const char *path, const char *want, char **model_text,
                             char **model_file, char ***overrides, size_t *n_overrides,
                             bc_run_config *cfg, bc_error *err)
{
    *model_text = *model_file = NULL;
    *overrides = NULL;
    *n_overrides = 0;
    bc_h5ctx c = bc_h5ctx_init(path, err);
    char *text = NULL, *file = NULL, *ovr = NULL, *sampler = NULL;
    char **ov = NULL;
    size_t nov = 0;
    uint64_t seed = 0, runs = 0, block = 0, text_len = 0;
    bc_sampler_kind kind = BC_SAMPLER_MC;
    bc_h5quiet q = {0};

    int rc = bc_h5_quiet_on(&q, &c);
    if (rc || (rc = bc_h5_open_read(&c)))
        goto done;
    int has_study = 0;
    if ((rc = bc_h5_attr_has(&c, "study", &has_study)))
        goto done;
    if (has_study) {
        char *what = NULL;
        if ((rc = bc_h5_attr_read_str(&c, "study", &what)))
            goto done;
        int is_state = strcmp(what, "checkpoint") == 0 || strcmp(what, "shard") == 0;
        if (strcmp(want, "state") == 0 ? !is_state : strcmp(what, want) != 0) {
            rc = strcmp(want, "run") == 0
                     ? bc_error_set(err, BC_EINVAL,
                                    "%s holds a '%s' study, not a run: there are no runs to replay",
                                    path, what)
                     : bc_error_set(err, BC_EINVAL,
                                    "%s holds a '%s' study, not a checkpoint or a shard", path,
                                    what);
            bc_free(what);
            goto done;
        }
        bc_free(what);
    } else if (strcmp(want, "run") != 0) {
        rc = bc_error_set(err, BC_EINVAL, "%s holds a run, not a checkpoint or a shard", path);
        goto done;
    }
    if ((rc = bc_h5_attr_read_str(&c, "model_text", &text)) ||
        (rc = bc_h5_attr_read_int(&c, "model_text_length", H5T_NATIVE_UINT64, &text_len)) ||
        (rc = bc_h5_attr_read_str(&c, "model_file", &file)) ||
        (rc = bc_h5_attr_read_str(&c, "overrides", &ovr)) ||
        (rc = bc_h5_attr_read_str(&c, "sampler", &sampler)) ||
        (rc = bc_h5_attr_read_int(&c, "seed", H5T_NATIVE_UINT64, &seed)) ||
        (rc = bc_h5_attr_read_int(&c, "runs", H5T_NATIVE_UINT64, &runs)) ||
        (rc = bc_h5_attr_read_int(&c, "block", H5T_NATIVE_UINT64, &block)))
        goto done;
    if (text_len > strlen(text)) {
        rc = bc_h5_not_ours(&c, "model_text_length exceeds the length of model_text", NULL);
        goto done;
    }
    text[text_len] = '\0'; /* drop the "# --set" lines */
    if (bc_sampler_kind_from_name(sampler, &kind) != BC_OK) {
        rc = bc_h5_not_ours(&c, "unknown sampler:", sampler);
        goto done;
    }
    if (runs == 0) {
        rc = bc_h5_not_ours(&c, "runs is 0", NULL);
        goto done;
    }
    if ((rc = read_package_rules(&c, &cfg->packages)))
        goto done;
    if (split_lines(ovr, &ov, &nov) != BC_OK) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
done:
    rc = bc_h5_close_read(&c, rc);
    bc_h5_quiet_off(&q);
    bc_free(ovr);
    bc_free(sampler);
    if (rc) {
        bc_free(text);
        bc_free(file);
        bc_strs_free(ov, nov);
        return rc;
    }
    *model_text = text;
    *model_file = file;
    *overrides = ov;
    *n_overrides = nov;
    cfg->runs = runs;
    cfg->seed = seed;
    cfg->sampler = kind;
    cfg->block = block;
    return BC_OK;
}

int bc_results_read_run(const char *path, char **model_text, char **model_file, char ***overrides,
                        size_t *n_overrides, bc_run_config *cfg, bc_error *err)
{
    return bc_results_read_identity(path, "run", model_text, model_file, overrides, n_overrides,
                                    cfg, err);
}

/* ---- loading a whole file: bcsim summary and bcsim export --------------- */

/* "GROUP/NAME" into buf (the names here are short and fixed). */
static const char *pjoin(char *buf, size_t size, const char *g, const char *name)
{
    snprintf(buf, size, "%s/%s", g, name);
    return buf;
}

/* A /summary group: mean, sd, min, max of shape dims[rank], quantiles with
 * one more axis and their probabilities. */
static int load_series(const bc_h5ctx *c, const char *g, int rank, const size_t *dims, rseries *s)
{
    char p[128];
    size_t want[3] = {dims[0], rank > 1 ? dims[1] : BC_H5_ANY, BC_H5_ANY}, got[3];
    int rc;
    if ((rc = bc_h5_read_f64(c, pjoin(p, sizeof p, g, "mean"), rank, dims, NULL, &s->mean)) ||
        (rc = bc_h5_read_f64(c, pjoin(p, sizeof p, g, "sd"), rank, dims, NULL, &s->sd)) ||
        (rc = bc_h5_read_f64(c, pjoin(p, sizeof p, g, "min"), rank, dims, NULL, &s->min)) ||
        (rc = bc_h5_read_f64(c, pjoin(p, sizeof p, g, "max"), rank, dims, NULL, &s->max)) ||
        (rc = bc_h5_read_f64(c, pjoin(p, sizeof p, g, "quantiles"), rank + 1, want, got, &s->q)))
        return rc;
    s->nq = got[rank];
    if (!(s->probs = bc_malloc((s->nq ? s->nq : 1) * sizeof *s->probs)))
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    return bc_h5_attr_read(c, p, "probabilities", H5T_FLOAT, H5T_NATIVE_DOUBLE, s->nq, s->probs);
}

/* A /histograms group: counts of shape dims[rank] x bins, edges x bins+1. */
static int load_hist(const bc_h5ctx *c, const char *g, int rank, const size_t *dims, rhist *h)
{
    char p[128];
    size_t want[3] = {dims[0], rank > 1 ? dims[1] : BC_H5_ANY, BC_H5_ANY}, got[3];
    int rc = bc_h5_read_u64(c, pjoin(p, sizeof p, g, "counts"), rank + 1, want, got, &h->counts);
    if (rc)
        return rc;
    h->bins = got[rank];
    want[rank] = h->bins + 1;
    return bc_h5_read_f64(c, pjoin(p, sizeof p, g, "edges"), rank + 1, want, NULL, &h->edges);
}

/* The column names of the sensitivity datasets are "QUANTITY:ID". */
static int check_columns(const bc_h5ctx *c, const char *name, char **cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(cols[i], ':') || cols[i][0] == ':') {
            char why[320];
            snprintf(why, sizeof why, "dataset %s: '%.200s' is not QUANTITY:ID", name, cols[i]);
            return bc_h5_not_ours(c, why, NULL);
        }
    return BC_OK;
}

static int load_root(const bc_h5ctx *c, bc_results_file *r)
{
    uint64_t years = 0;
    int yes, rc;
    if ((rc = bc_h5_attr_read_str_or(c, "study", "run", &r->study)) ||
        (rc = bc_h5_attr_read_str(c, "model_id", &r->model_id)) ||
        (rc = bc_h5_attr_read_str_or(c, "title", r->model_id, &r->title)) ||
        (rc = bc_h5_attr_read_str(c, "sampler", &r->sampler)) ||
        (rc = bc_h5_attr_read_str_or(c, "created", "", &r->created)) ||
        (rc = bc_h5_attr_read_str_or(c, "bcsim_version", "", &r->version)) ||
        (rc = bc_h5_attr_read_int(c, "seed", H5T_NATIVE_UINT64, &r->seed)) ||
        (rc = bc_h5_attr_read_int(c, "runs", H5T_NATIVE_UINT64, &r->runs)) ||
        (rc = bc_h5_attr_read_int(c, "start_year", H5T_NATIVE_INT, &r->start_year)) ||
        (rc = bc_h5_attr_read_int(c, "years", H5T_NATIVE_UINT64, &years)))
        return rc;
    if (years < 1 || years > 10000)
        return bc_h5_not_ours(c, "years is not 1 to 10000", NULL);
    if (r->start_year < -100000 || r->start_year > 100000)
        return bc_h5_not_ours(c, "start_year is out of range", NULL);
    if (r->runs == 0)
        return bc_h5_not_ours(c, "runs is 0", NULL);
    r->years = (size_t)years;
    if ((rc = bc_h5_attr_has(c, "sobol_evaluations", &yes)) ||
        (yes &&
         (rc = bc_h5_attr_read_int(c, "sobol_evaluations", H5T_NATIVE_UINT64, &r->evaluations))) ||
        (rc = bc_h5_attr_has(c, "replicates", &yes)) ||
        (yes && (rc = bc_h5_attr_read_int(c, "replicates", H5T_NATIVE_UINT64, &r->replicates))) ||
        /* format 1: Poisson bootstrap percentile intervals */
        (rc = bc_h5_attr_has(c, "bootstrap", &r->bootstrap_intervals)) ||
        (r->bootstrap_intervals &&
         (rc = bc_h5_attr_read_int(c, "bootstrap", H5T_NATIVE_UINT64, &r->replicates))) ||
        (rc = bc_h5_attr_has(c, "confidence_level", &yes)) ||
        (yes && (rc = bc_h5_attr_read_f64(c, "confidence_level", &r->level))))
        return rc;
    return BC_OK;
}

static int load_summary(const bc_h5ctx *c, bc_results_file *r)
{
    const size_t O = r->n_out, H = r->years;
    const size_t o1[1] = {O}, oh[2] = {O, H}, oy[2] = {O, H + 1};
    int yes, rc;
    if ((rc = load_series(c, "/summary/avg_gain", 1, o1, &r->avg)) ||
        (rc = load_series(c, "/summary/npv", 1, o1, &r->npv)) ||
        (rc = load_series(c, "/summary/gain_by_year", 2, oh, &r->gby)) ||
        (rc = bc_h5_read_f64(c, "/summary/break_even_probability", 1, o1, NULL, &r->be_p)) ||
        (rc = bc_h5_read_f64(c, "/summary/break_even_probability_se", 1, o1, NULL, &r->be_se)) ||
        (rc = bc_h5_read_u64(c, "/summary/break_even_year", 2, oy, NULL, &r->bey)))
        return rc;
    if (!(r->bey_year = bc_malloc((H + 1) * sizeof *r->bey_year)))
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    if ((rc = bc_h5_attr_read(c, "/summary/break_even_year", "years", H5T_INTEGER, H5T_NATIVE_INT,
                              H + 1, r->bey_year)))
        return rc;
    /* Files written before the loss probability was added lack it. */
    if ((rc = bc_h5_exists(c, "/summary/loss_probability", &yes)) || !yes)
        return rc;
    if ((rc = bc_h5_read_f64(c, "/summary/loss_probability", 1, o1, NULL, &r->loss_p)) ||
        (rc = bc_h5_read_f64(c, "/summary/loss_probability_se", 1, o1, NULL, &r->loss_se)))
        return rc;
    return BC_OK;
}

static int load_sensitivity(const bc_h5ctx *c, bc_results_file *r)
{
    const size_t O = r->n_out;
    int yes, rc;
    size_t d[3];
    if ((rc = bc_h5_exists(c, "/sensitivity/regression", &yes)))
        return rc;
    if (yes) {
        if ((rc = bc_h5_read_strs(c, "/sensitivity/regression/inputs", BC_H5_ANY, &r->reg_d,
                                  &r->reg_in)) ||
            (rc = bc_h5_read_strs(c, "/sensitivity/regression/outputs", BC_H5_ANY, &r->reg_ny,
                                  &r->reg_out)) ||
            (rc = check_columns(c, "/sensitivity/regression/outputs", r->reg_out, r->reg_ny)) ||
            (rc = bc_h5_read_f64(c, "/sensitivity/regression/src", 2,
                                 (size_t[]){r->reg_d, r->reg_ny}, NULL, &r->src)) ||
            (rc = bc_h5_read_f64(c, "/sensitivity/regression/r2", 1, &r->reg_ny, NULL, &r->r2)))
            return rc;
        r->have_reg = 1;
    }
    if ((rc = bc_h5_exists(c, "/sensitivity/tornado", &yes)))
        return rc;
    if (yes) {
        if ((rc = bc_h5_read_strs(c, "/sensitivity/tornado/inputs", BC_H5_ANY, &r->tor_k,
                                  &r->tor_in)) ||
            (rc = bc_h5_read_f64(c, "/sensitivity/tornado/low", 2, (size_t[]){r->tor_k, O}, NULL,
                                 &r->tor_low)) ||
            (rc = bc_h5_read_f64(c, "/sensitivity/tornado/high", 2, (size_t[]){r->tor_k, O}, NULL,
                                 &r->tor_high)) ||
            (rc = bc_h5_attr_read(c, "/sensitivity/tornado/low", "quantiles", H5T_FLOAT,
                                  H5T_NATIVE_DOUBLE, 2, r->tor_q)))
            return rc;
        r->have_tor = 1;
    }
    if ((rc = bc_h5_exists(c, "/sensitivity/sobol", &yes)))
        return rc;
    if (yes) {
        if ((rc = bc_h5_read_strs(c, "/sensitivity/sobol/inputs", BC_H5_ANY, &r->sob_k,
                                  &r->sob_in)) ||
            (rc = bc_h5_read_strs(c, "/sensitivity/sobol/outputs", BC_H5_ANY, &r->sob_ny,
                                  &r->sob_out)) ||
            (rc = check_columns(c, "/sensitivity/sobol/outputs", r->sob_out, r->sob_ny)))
            return rc;
        d[0] = r->sob_k;
        d[1] = r->sob_ny;
        d[2] = 2;
        if ((rc = bc_h5_read_f64(c, "/sensitivity/sobol/first", 2, d, NULL, &r->first)) ||
            (rc = bc_h5_read_f64(c, "/sensitivity/sobol/total", 2, d, NULL, &r->total)) ||
            (rc = bc_h5_exists(c, "/sensitivity/sobol/first_ci", &yes)) ||
            (yes &&
             ((rc = bc_h5_read_f64(c, "/sensitivity/sobol/first_ci", 3, d, NULL, &r->first_ci)) ||
              (rc = bc_h5_read_f64(c, "/sensitivity/sobol/total_ci", 3, d, NULL, &r->total_ci)))))
            return rc;
        r->have_sob = 1;
    }
    return BC_OK;
}

/* /decision/packages, where the file has it. */
static int load_packages(const bc_h5ctx *c, bc_results_file *r)
{
    struct rpackages *p = &r->pk;
    int yes, rc;
    if ((rc = bc_h5_attr_read_str_or(c, "packages", "", &r->pk_mode)) ||
        (rc = bc_h5_exists(c, "/decision/packages", &yes)) || !yes)
        return rc;
    const char *g = "/decision/packages";
    size_t dims[2];
    if ((rc = bc_h5_read_int(c, "/decision/packages/members", 2, (size_t[]){BC_H5_ANY, BC_H5_ANY},
                             dims, &p->members)))
        return rc;
    p->n = dims[0];
    p->p = dims[1];
    if (p->p + 1 != r->n_out || p->p > 16 || p->n != (size_t)1 << p->p)
        return bc_h5_not_ours(c, "a package table that does not match the proposals in", g);
    const size_t k1[1] = {p->n};
    struct {
        const char *name;
        double **dst;
    } f[] = {{"mean", &p->mean},   {"mean_se", &p->mean_se},   {"p_break_even", &p->pbe},
             {"p_break_even_se", &p->pbe_se}, {"p_loss", &p->ploss}, {"p_loss_se", &p->ploss_se},
             {"p5", &p->p5},       {"cvar5", &p->cvar},        {"resolution", &p->res},
             {"investment", &p->inv}};
    char path[96];
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if ((rc = bc_h5_read_f64(c, pjoin(path, sizeof path, g, f[i].name), 1, k1, NULL,
                                 f[i].dst)))
            return rc;
    if ((rc = bc_h5_read_strs(c, "/decision/packages/labels", p->n, dims, &p->label)) ||
        (rc = bc_h5_read_int(c, "/decision/packages/feasible", 1, k1, NULL, &p->feas)) ||
        (rc = bc_h5_read_int(c, "/decision/packages/frontier_loss", 1, k1, NULL, &p->fl)) ||
        (rc = bc_h5_read_int(c, "/decision/packages/frontier_cvar", 1, k1, NULL, &p->fc)) ||
        (rc = bc_h5_attr_read(c, g, "best", H5T_INTEGER, H5T_NATIVE_INT64, 1, &p->best)) ||
        (rc = bc_h5_attr_read(c, g, "max_loss_probability", H5T_FLOAT, H5T_NATIVE_DOUBLE, 1,
                              &p->maxloss)) ||
        (rc = bc_h5_attr_read(c, g, "budget", H5T_FLOAT, H5T_NATIVE_DOUBLE, 1, &p->budget)) ||
        (rc = bc_h5_attr_read(c, g, "evpi", H5T_FLOAT, H5T_NATIVE_DOUBLE, 1, &p->evpi)) ||
        (rc = bc_h5_attr_read(c, g, "evpi_se", H5T_FLOAT, H5T_NATIVE_DOUBLE, 1, &p->evpi_se)) ||
        (rc = bc_h5_attr_read(c, NULL, "require_mask", H5T_INTEGER, H5T_NATIVE_UINT64, 1,
                              &p->req)) ||
        (rc = bc_h5_attr_read(c, NULL, "exclude_mask", H5T_INTEGER, H5T_NATIVE_UINT64, 1,
                              &p->exc)))
        return rc;
    if (p->best < -1 || p->best >= (int64_t)p->n || p->req >= p->n || p->exc >= p->n)
        return bc_h5_not_ours(c, "a best package or rule that is not a row of", g);
    r->have_pkg = 1;
    return BC_OK;
}

/* /decision, where the file has it (files before it, and runs without
 * uncertain inputs, lack it). */
static int load_decision(const bc_h5ctx *c, bc_results_file *r)
{
    const size_t O = r->n_out;
    int yes, rc;
    uint64_t bins = 0, years = 0;
    if ((rc = bc_h5_exists(c, "/decision/affordability", &yes)))
        return rc;
    if (yes) {
        if ((rc = bc_h5_read_f64(c, "/decision/investment_factor", 1, (size_t[]){BC_H5_ANY}, &r->af_j,
                                 &r->af_factor)) ||
            (rc = bc_h5_read_f64(c, "/decision/affordability", 2, (size_t[]){O, r->af_j}, NULL,
                                 &r->af_pbe)) ||
            (rc = bc_h5_read_f64(c, "/decision/planned_investment", 1, &r->n_out, NULL,
                                 &r->af_planned)) ||
            (rc = bc_h5_read_f64(c, "/decision/max_investment_factor", 2, (size_t[]){O, 4}, NULL,
                                 &r->af_level)) ||
            (rc = bc_h5_read_int(c, "/decision/max_investment_status", 2, (size_t[]){O, 4}, NULL,
                                 &r->af_status)) ||
            (rc = bc_h5_attr_read(c, "/decision/max_investment_factor", "probabilities",
                                  H5T_FLOAT, H5T_NATIVE_DOUBLE, 4, r->af_probs)))
            return rc;
        r->have_afford = 1;
    }
    if ((rc = bc_h5_exists(c, "/decision/threshold", &yes)))
        return rc;
    if (yes) {
        if ((rc = bc_h5_read_strs(c, "/decision/threshold_inputs", BC_H5_ANY, &r->thr_k,
                                  &r->thr_in)) ||
            (rc = bc_h5_read_f64(c, "/decision/threshold", 2, (size_t[]){r->thr_k, O}, NULL,
                                 &r->thr_value)) ||
            (rc = bc_h5_read_f64(c, "/decision/threshold_percentile", 2, (size_t[]){r->thr_k, O},
                                 NULL, &r->thr_pct)) ||
            (rc = bc_h5_read_int(c, "/decision/threshold_kind", 2, (size_t[]){r->thr_k, O}, NULL,
                                 &r->thr_kind)))
            return rc;
        r->have_thr = 1;
    }
    if ((rc = load_packages(c, r)))
        return rc;
    if ((rc = bc_h5_exists(c, "/decision/evpi", &yes)) || !yes)
        return rc;
    if ((rc = bc_h5_read_f64(c, "/decision/evpi", 1, &r->n_out, NULL, &r->evpi)) ||
        (rc = bc_h5_read_f64(c, "/decision/evpi_se", 1, &r->n_out, NULL, &r->evpi_se)) ||
        (rc = bc_h5_attr_read(c, "/decision/evpi", "years", H5T_INTEGER, H5T_NATIVE_UINT64, 1,
                              &years)) ||
        (rc = bc_h5_read_strs(c, "/decision/inputs", BC_H5_ANY, &r->voi_k, &r->voi_in)) ||
        (rc = bc_h5_read_f64(c, "/decision/evppi", 2, (size_t[]){r->voi_k, O}, NULL, &r->evppi)) ||
        (rc = bc_h5_read_f64(c, "/decision/evppi_se", 2, (size_t[]){r->voi_k, O}, NULL,
                             &r->evppi_se)) ||
        (rc = bc_h5_read_f64(c, "/decision/evppi_bias", 2, (size_t[]){r->voi_k, O}, NULL,
                             &r->evppi_bias)) ||
        (rc = bc_h5_attr_read(c, "/decision/evppi", "bins", H5T_INTEGER, H5T_NATIVE_UINT64, 1,
                              &bins)))
        return rc;
    if (years != r->years)
        return bc_h5_not_ours(c, "years that are not the horizon's in", "/decision/evpi");
    if ((rc = bc_h5_exists(c, "/decision/groups", &yes)))
        return rc;
    if (yes &&
        ((rc = bc_h5_read_strs(c, "/decision/groups", BC_H5_ANY, &r->voi_g, &r->voi_group)) ||
         (rc = bc_h5_read_f64(c, "/decision/group_evppi", 2, (size_t[]){r->voi_g, O}, NULL,
                              &r->gevppi)) ||
         (rc = bc_h5_read_f64(c, "/decision/group_evppi_se", 2, (size_t[]){r->voi_g, O}, NULL,
                              &r->gevppi_se)) ||
         (rc = bc_h5_read_f64(c, "/decision/group_evppi_bias", 2, (size_t[]){r->voi_g, O}, NULL,
                              &r->gevppi_bias)) ||
         (rc = bc_h5_attr_read(c, "/decision/group_evppi", "runs", H5T_INTEGER,
                               H5T_NATIVE_UINT64, 1, &r->voi_group_runs))))
        return rc;
    r->voi_bins = bins;
    r->have_voi = 1;
    return BC_OK;
}

static int load_all(const bc_h5ctx *c, bc_results_file *r)
{
    size_t n;
    int yes, rc;
    if ((rc = load_root(c, r)) ||
        (rc = bc_h5_read_strs(c, "/outputs/names", BC_H5_ANY, &r->n_out, &r->out_id)) ||
        (rc = bc_h5_read_strs(c, "/outputs/titles", r->n_out, &n, &r->out_title)) ||
        (rc = bc_h5_read_strs(c, "/inputs/names", BC_H5_ANY, &r->n_in, &r->in_name)) ||
        (rc = bc_h5_read_strs(c, "/inputs/spec", r->n_in, &n, &r->in_spec)) ||
        (rc = bc_h5_read_f64(c, "/inputs/base", 1, &r->n_in, NULL, &r->in_base)) ||
        (rc = bc_h5_read_int(c, "/inputs/uncertain", 1, &r->n_in, NULL, &r->in_unc)))
        return rc;
    if (r->n_out == 0)
        return bc_h5_not_ours(c, "no outputs in", "/outputs/names");
    const size_t O = r->n_out, H = r->years, o1[1] = {O}, oh[2] = {O, H};
    if ((rc = bc_h5_exists(c, "/summary", &yes)) || (yes && (rc = load_summary(c, r))))
        return rc;
    r->have_summary = yes;
    if ((rc = bc_h5_exists(c, "/histograms", &yes)) ||
        (yes && ((rc = load_hist(c, "/histograms/avg_gain", 1, o1, &r->h_avg)) ||
                 (rc = load_hist(c, "/histograms/npv", 1, o1, &r->h_npv)) ||
                 (rc = load_hist(c, "/histograms/gain_by_year", 2, oh, &r->h_gby)))))
        return rc;
    r->have_hist = yes;
    if ((rc = load_decision(c, r)))
        return rc;
    return load_sensitivity(c, r);
}

static void free_series(rseries *s)
{
    bc_free(s->mean);
    bc_free(s->sd);
    bc_free(s->min);
    bc_free(s->max);
    bc_free(s->q);
    bc_free(s->probs);
}

static void free_hist(rhist *h)
{
    bc_free(h->edges);
    bc_free(h->counts);
}

void bc_results_free(bc_results_file *r)
{
    if (!r)
        return;
    bc_free(r->path);
    bc_free(r->study);
    bc_free(r->model_id);
    bc_free(r->title);
    bc_free(r->sampler);
    bc_free(r->created);
    bc_free(r->version);
    bc_strs_free(r->out_id, r->n_out);
    bc_strs_free(r->out_title, r->n_out);
    bc_strs_free(r->in_name, r->n_in);
    bc_strs_free(r->in_spec, r->n_in);
    bc_free(r->in_base);
    bc_free(r->in_unc);
    free_series(&r->avg);
    free_series(&r->npv);
    free_series(&r->gby);
    bc_free(r->be_p);
    bc_free(r->be_se);
    bc_free(r->loss_p);
    bc_free(r->loss_se);
    bc_free(r->bey);
    bc_free(r->bey_year);
    free_hist(&r->h_avg);
    free_hist(&r->h_npv);
    free_hist(&r->h_gby);
    bc_strs_free(r->reg_in, r->reg_d);
    bc_strs_free(r->reg_out, r->reg_ny);
    bc_free(r->src);
    bc_free(r->r2);
    bc_strs_free(r->tor_in, r->tor_k);
    bc_free(r->tor_low);
    bc_free(r->evpi);
    bc_free(r->evpi_se);
    bc_strs_free(r->voi_in, r->voi_k);
    bc_free(r->evppi);
    bc_free(r->evppi_se);
    bc_free(r->evppi_bias);
    bc_strs_free(r->voi_group, r->voi_g);
    bc_free(r->gevppi);
    bc_free(r->gevppi_se);
    bc_free(r->gevppi_bias);
    bc_free(r->af_factor);
    bc_free(r->af_pbe);
    bc_free(r->af_planned);
    bc_free(r->af_level);
    bc_free(r->af_status);
    bc_strs_free(r->thr_in, r->thr_k);
    bc_free(r->thr_value);
    bc_free(r->thr_pct);
    bc_free(r->thr_kind);
    struct rpackages *p = &r->pk;
    double *d[] = {p->mean, p->mean_se, p->pbe, p->pbe_se, p->ploss, p->ploss_se,
                   p->p5, p->cvar, p->res, p->inv};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        bc_free(d[i]);
    bc_free(p->members);
    bc_strs_free(p->label, p->n);
    bc_free(p->feas);
    bc_free(p->fl);
    bc_free(p->fc);
    bc_free(r->pk_mode);
    bc_free(r->tor_high);
    bc_strs_free(r->sob_in, r->sob_k);
    bc_strs_free(r->sob_out, r->sob_ny);
    bc_free(r->first);
    bc_free(r->total);
    bc_free(r->first_ci);
    bc_free(r->total_ci);
    bc_free(r);
}

int bc_results_load(const char *path, bc_results_file **out, bc_error *err)
{
    *out = NULL;
    bc_h5ctx c = bc_h5ctx_init(path, err);
    bc_h5quiet q = {0};
    bc_results_file *r = bc_calloc(1, sizeof *r);
    if (!r)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    r->level = NAN;
    int rc = bc_h5_quiet_on(&q, &c);
    if (rc || (rc = bc_h5_open_read(&c)))
        goto done;
    if (!(r->path = bc_strdup(path))) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    rc = load_all(&c, r);
done:
    rc = bc_h5_close_read(&c, rc);
    bc_h5_quiet_off(&q);
    if (rc) {
        bc_results_free(r);
        return rc;
    }
    *out = r;
    return BC_OK;
}

/* ---- the summary -------------------------------------------------------- */
