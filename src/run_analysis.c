/* run_analysis.c: the analysis of a run before its result file is written
 * (bc_run_analyse in bcsim/sensitivity.h): the regression and the tornado
 * the file carries beyond the engine's summary. */
#include "bcsim/sensitivity.h"

#include <math.h>

#include "alloc_int.h"

void bc_run_analysis_free(bc_run_analysis *a)
{
    if (!a)
        return;
    bc_free(a->src);
    bc_free(a->r2);
    bc_tornado_free(a->tornado);
    bc_thresholds_free(a->thresholds);
    bc_free(a);
}

/* The regression into a->src, a->r2; left NULL when the inputs' covariance
 * matrix is singular (fewer runs than uncertain components, or a component
 * that hardly varied) or a result is not finite: the file then has no
 * regression group, as the readers allow, rather than the run refused or a
 * NaN written. */
static int analyse_regression(const bc_summary *s, bc_run_analysis *a, bc_error *err)
{
    const size_t d = a->n_x, ny = a->n_y;
    double *src = bc_malloc((d ? d : 1) * ny * sizeof *src), *r2 = bc_malloc(ny * sizeof *r2);
    int rc = BC_OK, ok = 1;
    if (!src || !r2) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    bc_error rerr;
    bc_error_clear(&rerr);
    if ((rc = bc_regression_compute(s, src, r2, &rerr))) {
        if (rc == BC_EINVAL)
            rc = BC_OK;
        else
            bc_error_set(err, rc, "%s", bc_errmsg(&rerr));
        goto done;
    }
    for (size_t q = 0; q < d * ny; q++)
        ok &= isfinite(src[q]) != 0;
    for (size_t q = 0; q < ny; q++)
        ok &= isfinite(r2[q]) != 0;
    if (ok) {
        a->src = src;
        a->r2 = r2;
        src = r2 = NULL;
    }
done:
    bc_free(src);
    bc_free(r2);
    return rc;
}

int bc_run_analyse(const bc_model *m, const bc_summary *s, bc_run_analysis **out, bc_error *err)
{
    *out = NULL;
    if (!m || !s)
        return bc_error_set(err, BC_EINVAL, "no model or summary to analyse");
    bc_run_analysis *a = bc_calloc(1, sizeof *a);
    if (!a)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    a->n_x = s->n_reg_x;
    a->n_y = s->n_reg_y;
    int rc = BC_OK;
    if (a->n_x > 0 &&
        ((rc = analyse_regression(s, a, err)) ||
         (rc = bc_tornado_compute(m, BC_TORNADO_PLO, BC_TORNADO_PHI, &a->tornado, err)) ||
         (rc = bc_thresholds_compute(m, &a->thresholds, err)))) {
        bc_run_analysis_free(a);
        return rc;
    }
    *out = a;
    return BC_OK;
}
