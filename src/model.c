/* model.c: what all kinds of model share: accessors, base case, outputs. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "alloc_int.h"
#include "model_int.h"

void bc_model_free(bc_model *m)
{
    if (!m)
        return;
    if (m->type && m->type->free_impl)
        m->type->free_impl(m->impl);
    for (size_t i = 0; i < m->n_inputs; i++) {
        bc_free((char *)m->inputs[i].name);
        bc_dist_free(&m->inputs[i].dist);
    }
    bc_free(m->inputs);
    for (size_t o = 0; o < m->n_outputs; o++) {
        if (m->output_ids)
            bc_free(m->output_ids[o]);
        if (m->output_names)
            bc_free(m->output_names[o]);
    }
    bc_free(m->output_ids);
    bc_free(m->output_names);
    bc_free(m->corr);
    for (size_t g = 0; m->groups && g < m->n_groups; g++) {
        bc_free((char *)m->groups[g].name);
        bc_free(m->groups[g].inputs);
    }
    bc_free(m->groups);
    for (size_t i = 0; i < m->n_overrides; i++)
        bc_free(m->overrides[i]);
    bc_free(m->overrides);
    bc_free(m->id);
    bc_free(m->title);
    bc_free(m->filename);
    bc_free(m->text);
    bc_free(m);
}

const char *bc_model_id(const bc_model *m) { return m->id; }
const char *bc_model_title(const bc_model *m) { return m->title ? m->title : m->id; }
const char *bc_model_filename(const bc_model *m) { return m->filename ? m->filename : ""; }
const char *bc_model_text(const bc_model *m) { return m->text ? m->text : ""; }
int bc_model_start_year(const bc_model *m) { return m->start_year; }
size_t bc_model_years(const bc_model *m) { return m->years; }
double bc_model_discount_rate(const bc_model *m) { return m->discount_rate; }
size_t bc_model_n_inputs(const bc_model *m) { return m->n_inputs; }
size_t bc_model_dim(const bc_model *m) { return m->dim; }
size_t bc_model_n_outputs(const bc_model *m) { return m->n_outputs; }
size_t bc_model_n_correlations(const bc_model *m) { return m->n_corr; }
size_t bc_model_n_groups(const bc_model *m) { return m->n_groups; }

const bc_input_group *bc_model_group(const bc_model *m, size_t g)
{
    return g < m->n_groups ? &m->groups[g] : NULL;
}
size_t bc_model_n_overrides(const bc_model *m) { return m->n_overrides; }

const bc_input *bc_model_input(const bc_model *m, size_t i)
{
    return i < m->n_inputs ? &m->inputs[i] : NULL;
}

const bc_correlation *bc_model_correlation(const bc_model *m, size_t i)
{
    return i < m->n_corr ? &m->corr[i] : NULL;
}

const char *bc_model_override(const bc_model *m, size_t i)
{
    return i < m->n_overrides ? m->overrides[i] : NULL;
}

const char *bc_model_output_id(const bc_model *m, size_t o)
{
    return o < m->n_outputs ? m->output_ids[o] : NULL;
}

const char *bc_model_output_name(const bc_model *m, size_t o)
{
    return o < m->n_outputs ? m->output_names[o] : NULL;
}

/* x in 6 significant digits, or exactly when that would print `bound`. */
static void short_number(char *buf, size_t size, double x, double bound)
{
    snprintf(buf, size, "%.6g", x);
    if (strtod(buf, NULL) == bound)
        bc_format_double(buf, size, x);
}

int bc_input_check(const bc_input *in, const bc_dist *d, bc_error *err)
{
    double lo, hi;
    char bs[40], vs[40];
    const char *how = bc_dist_is_random(d) ? "its distribution reaches" : "it is";
    bc_dist_range(d, &lo, &hi);
    /* the extreme values in 6 digits, unless rounding would hide the breach */
    if (in->lo_strict ? !(lo > in->lo) : !(lo >= in->lo)) {
        bc_format_double(bs, sizeof bs, in->lo);
        short_number(vs, sizeof vs, lo, in->lo);
        return bc_error_set(err, BC_EINVAL, "%s must be %s %s, but %s %s", in->name,
                            in->lo_strict ? ">" : ">=", bs, how, vs);
    }
    if (!(hi <= in->hi)) {
        bc_format_double(bs, sizeof bs, in->hi);
        short_number(vs, sizeof vs, hi, in->hi);
        return bc_error_set(err, BC_EINVAL, "%s must be <= %s, but %s %s", in->name, bs, how,
                            vs);
    }
    return BC_OK;
}

long bc_model_find_input(const bc_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_inputs; i++)
        if (strcmp(m->inputs[i].name, name) == 0)
            return (long)i;
    return -1;
}

void bc_model_output_uses(const bc_model *m, size_t o, unsigned char *uses)
{
    if (!m->type->uses) {
        memset(uses, 1, m->dim);
        return;
    }
    memset(uses, 0, m->dim);
    m->type->uses(m, o, uses);
}

void bc_model_base_inputs(const bc_model *m, double *x)
{
    for (size_t i = 0; i < m->n_inputs; i++)
        for (size_t j = 0; j < m->inputs[i].dim; j++)
            x[m->inputs[i].offset + j] = m->inputs[i].dist.base;
}

void bc_model_eval_batch(const bc_model *m, const double *x, size_t ldx, size_t n,
                         const bc_batch_out *out)
{
    m->type->eval(m, x, ldx, n, out);
}

/* One run: a bc_eval keeps avg_gain, npv and gain one after the other (see
 * bc_eval_alloc), the layout of bc_batch_out for one run. */
void bc_model_eval(const bc_model *m, const double *x, bc_eval *out)
{
    const bc_batch_out b = {.v = out->avg_gain,
                            .ldv = 1,
                            .be = out->break_even_year,
                            .ldb = 1,
                            .fte = out->fte,
                            .investment = out->investment,
                            .benefit_savings = out->benefit_savings,
                            .other_savings = out->other_savings};
    m->type->eval(m, x, 1, 1, &b);
}

size_t bc_model_correlated_inputs(const bc_model *m, size_t *ids)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n_inputs; i++)
        for (size_t q = 0; q < m->n_corr; q++)
            if (m->corr[q].a == i || m->corr[q].b == i) {
                ids[k++] = i;
                break;
            }
    return k;
}

void bc_model_copula_matrix(const bc_model *m, const size_t *ids, size_t k, gsl_matrix *a)
{
    gsl_matrix_set_identity(a);
    for (size_t q = 0; q < m->n_corr; q++) {
        size_t ia = k, ib = k;
        for (size_t r = 0; r < k; r++) {
            if (ids[r] == m->corr[q].a)
                ia = r;
            if (ids[r] == m->corr[q].b)
                ib = r;
        }
        if (ia < k && ib < k) {
            double rp = 2 * sin(M_PI * m->corr[q].rho / 6);
            gsl_matrix_set(a, ia, ib, rp);
            gsl_matrix_set(a, ib, ia, rp);
        }
    }
}

bc_eval *bc_eval_alloc(const bc_model *m, int detail)
{
    bc_eval *e = bc_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    size_t n = m->n_outputs, H = m->years;
    e->n_outputs = n;
    e->years = H;
    /* one array: avg_gain, npv, gain (bc_model_eval relies on it) */
    e->avg_gain = bc_calloc(n * (2 + H), sizeof(double));
    e->npv = e->avg_gain ? e->avg_gain + n : NULL;
    e->gain = e->avg_gain ? e->avg_gain + 2 * n : NULL;
    e->break_even_year = bc_calloc(n, sizeof(int));
    int ok = e->avg_gain && e->break_even_year;
    if (detail) {
        e->fte = bc_calloc(n * H, sizeof(double));
        e->investment = bc_calloc(n * H, sizeof(double));
        e->benefit_savings = bc_calloc(n * H, sizeof(double));
        e->other_savings = bc_calloc(n * H, sizeof(double));
        ok = ok && e->fte && e->investment && e->benefit_savings && e->other_savings;
    }
    if (!ok) {
        bc_eval_free(e);
        return NULL;
    }
    return e;
}

void bc_eval_free(bc_eval *e)
{
    if (!e)
        return;
    bc_free(e->avg_gain); /* gain and npv too */
    bc_free(e->break_even_year);
    bc_free(e->fte);
    bc_free(e->investment);
    bc_free(e->benefit_savings);
    bc_free(e->other_savings);
    bc_free(e);
}
