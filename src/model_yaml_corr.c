/* model_yaml_corr.c: the correlations of a model file (MODEL.md section 6),
 * read by model_yaml.c after the inputs: each [input, input, rho] must name
 * two different uncertain scalar inputs, once, with -1 < rho < 1, and the
 * Gaussian copula's matrix must be positive definite (GSL's factorisation
 * decides, as in the sampler); when it is not, the message names the inputs
 * of its first leading block that is not. Every error names FILE:LINE:COL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "alloc_int.h"
#include "model_yaml_int.h"

/* The index j of the first pivot of the Cholesky factorisation of the
 * symmetric k x k matrix a (row-major; overwritten) that is not positive, or
 * k if there is none. The leading (j+1) x (j+1) block is then the first that
 * is not positive definite: one O(k^3) pass instead of factoring every
 * leading block, O(k^4) (35 s for 1000 correlated inputs).
 * a = L L^T: L_jj = sqrt(a_jj - sum_{p<j} L_jp^2),
 *            L_ij = (a_ij - sum_{p<j} L_ip L_jp) / L_jj. */
static size_t first_failing_pivot(double *a, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double *rj = a + j * k;
        double d = rj[j];
        for (size_t q = 0; q < j; q++)
            d -= rj[q] * rj[q];
        if (!(d > 0))
            return j;
        d = sqrt(d);
        rj[j] = d;
        for (size_t i = j + 1; i < k; i++) {
            double *ri = a + i * k, t = ri[j];
            for (size_t q = 0; q < j; q++)
                t -= ri[q] * rj[q];
            ri[j] = t / d;
        }
    }
    return k;
}

/* The list [[a, b, rho], ...] into m->corr and m->n_corr, each entry
 * checked. */
static int read_pairs(bc_myaml_ctx *c, const bc_ynode *n)
{
    bc_model *m = c->m;
    if (n->type != BC_Y_SEQ)
        return bc_myaml_perr(c, n, "correlations must be a list of [input, input, rho], found %s",
                             bc_myaml_type_name(n));
    m->corr = bc_calloc(n->n ? n->n : 1, sizeof *m->corr);
    if (!m->corr)
        return bc_myaml_oom(c);
    /* names to input indices, and the pairs given so far (as "I J" with
     * I < J), so that each correlation costs O(1) */
    bc_name_map inputs = {0}, pairs = {0};
    char *pair_keys = NULL;
    const size_t key_size = 2 * 21 + 2; /* two 64-bit decimals, a space, a NUL */
    int rc = BC_OK;
    if (n->n && !(pair_keys = bc_malloc(n->n * key_size)))
        rc = bc_myaml_oom(c);
    for (size_t i = 0; !rc && i < m->n_inputs; i++) {
        long old;
        if (bc_name_map_put(&inputs, m->inputs[i].name, i, &old))
            rc = bc_myaml_oom(c);
    }
    for (size_t i = 0; !rc && i < n->n; i++) {
        const bc_ynode *e = n->kids[i];
        if (e->type != BC_Y_SEQ || e->n != 3) {
            rc = bc_myaml_perr(c, e, "a correlation must be a list [input, input, rho]");
            break;
        }
        long idx[2];
        for (int j = 0; !rc && j < 2; j++) {
            const bc_ynode *nm = e->kids[j];
            if (nm->type != BC_Y_SCALAR) {
                rc = bc_myaml_perr(c, nm, "a correlation names an input, found %s",
                                   bc_myaml_type_name(nm));
                break;
            }
            idx[j] = bc_name_map_get(&inputs, nm->str);
            if (idx[j] < 0) {
                rc = bc_myaml_perr(c, nm, "unknown input '%.80s' in correlations", nm->str);
                break;
            }
            const bc_input *in = &m->inputs[idx[j]];
            if (in->dim != 1)
                rc = bc_myaml_perr(c, nm, "'%s' is an input group and cannot be correlated",
                                   in->name);
            else if (!bc_dist_is_random(&in->dist))
                rc = bc_myaml_perr(c, nm,
                                   "'%s' is a fixed number; only uncertain inputs can be "
                                   "correlated",
                                   in->name);
        }
        if (rc)
            break;
        if (idx[0] == idx[1]) {
            rc = bc_myaml_perr(c, e->kids[1], "an input cannot be correlated with itself");
            break;
        }
        double rho;
        if ((rc = bc_myaml_get_number(c, e->kids[2], "a rank correlation", &rho)))
            break;
        if (!(rho > -1 && rho < 1)) {
            rc = bc_myaml_perr(c, e->kids[2],
                               "a rank correlation must lie strictly between -1 and 1");
            break;
        }
        char *key = pair_keys + i * key_size;
        snprintf(key, key_size, "%ld %ld", idx[0] < idx[1] ? idx[0] : idx[1],
                 idx[0] < idx[1] ? idx[1] : idx[0]);
        long old;
        if (bc_name_map_put(&pairs, key, i, &old)) {
            rc = bc_myaml_oom(c);
            break;
        }
        if (old >= 0) {
            rc = bc_myaml_perr(c, e, "the correlation of %s and %s is given twice",
                               m->inputs[idx[0]].name, m->inputs[idx[1]].name);
            break;
        }
        m->corr[i] = (bc_correlation){(size_t)idx[0], (size_t)idx[1], rho, e->line, e->col};
        m->n_corr = i + 1;
    }
    bc_name_map_free(&inputs);
    bc_name_map_free(&pairs);
    bc_free(pair_keys);
    return rc;
}

/* The matrix the sampler factors (with GSL) must be positive definite.
 * When it is not, name the inputs of its first leading block that is not. */
static int check_copula(bc_myaml_ctx *c, const bc_ynode *n)
{
    bc_model *m = c->m;
    int rc = BC_OK;
    size_t *ids = bc_malloc(m->n_inputs * sizeof *ids);
    if (!ids)
        return bc_myaml_oom(c);
    size_t k = bc_model_correlated_inputs(m, ids);
    if (k > BC_MAX_CORRELATED) {
        bc_free(ids);
        return bc_myaml_perr(c, n,
                             "the correlations name %zu inputs; at most %d can be correlated (the "
                             "copula's matrix grows with the square of their number)",
                             k, BC_MAX_CORRELATED);
    }
    double *abuf = bc_malloc(k * k * sizeof *abuf);
    if (!abuf) {
        bc_free(ids);
        return bc_myaml_oom(c);
    }
    gsl_matrix_view av = gsl_matrix_view_array(abuf, k, k);
    gsl_matrix *a = &av.matrix;
    bc_model_copula_matrix(m, ids, k, a);
    if (gsl_linalg_cholesky_decomp1(a) != GSL_SUCCESS) {
        bc_model_copula_matrix(m, ids, k, a);
        size_t size = first_failing_pivot(a->data, k) + 1;
        if (size > k) /* GSL's rounding refused it, ours did not: blame all */
            size = k;
        char list[600] = "";
        for (size_t r = 0; r < size; r++) {
            strncat(list, r ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, m->inputs[ids[r]].name, sizeof list - strlen(list) - 1);
        }
        rc = bc_myaml_perr(c, n,
                           "the correlations among %s are not possible together (their matrix is "
                           "not positive definite)",
                           list);
    }
    bc_free(abuf);
    bc_free(ids);
    return rc;
}

/* Correlations: [[a, b, rho], ...], then the Gaussian copula's matrix must be
 * positive definite. */
int bc_myaml_correlations(bc_myaml_ctx *c, const bc_ynode *n)
{
    int rc = read_pairs(c, n);
    if (rc || c->m->n_corr == 0)
        return rc;
    return check_copula(c, n);
}
