/* report.c: the base case as a table or as CSV (see include/bcsim/report.h). */
#include "bcsim/report.h"

#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"

/* Evaluate the base case with details; the caller frees both. */
static int base_eval(const bc_model *m, double **x, bc_eval **e, bc_error *err)
{
    *x = bc_malloc(bc_model_dim(m) * sizeof **x);
    *e = bc_eval_alloc(m, 1);
    if (!*x || !*e) {
        bc_free(*x);
        bc_eval_free(*e);
        *x = NULL;
        *e = NULL;
        return bc_error_set(err, BC_ENOMEM, "out of memory evaluating the base case");
    }
    bc_model_base_inputs(m, *x);
    bc_model_eval(m, *x, *e);
    return BC_OK;
}

static int finish(FILE *fp, bc_error *err)
{
    if (fflush(fp) != 0 || ferror(fp))
        return bc_error_set(err, BC_EIO, "writing the report failed");
    return BC_OK;
}

static double mean_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

int bc_report_base_text(FILE *fp, const bc_model *m, bc_error *err)
{
    double *x;
    bc_eval *e;
    int rc = base_eval(m, &x, &e, err);
    if (rc)
        return rc;
    const size_t H = e->years, O = e->n_outputs;
    const int y0 = bc_model_start_year(m);

    fprintf(fp, "Base case of %s: %s\n", bc_model_id(m), bc_model_title(m));
    fprintf(fp, "Model file %s. Every input at its base value, unemployment shocks 0.\n",
            bc_model_filename(m));
    fprintf(fp, "Money in mDKK; fte = full-year persons fewer on public support.\n");
    for (size_t o = 0; o < O; o++) {
        const double *F = e->fte + o * H, *I = e->investment + o * H;
        const double *B = e->benefit_savings + o * H, *L = e->other_savings + o * H;
        const double *G = e->gain + o * H;
        fprintf(fp, "\n%s: %s\n", bc_model_output_id(m, o), bc_model_output_name(m, o));
        fprintf(fp, "  %-8s %8s %11s %16s %14s %9s\n", "year", "fte", "investment",
                "benefit savings", "other savings", "gain");
        for (size_t t = 0; t < H; t++)
            fprintf(fp, "  %-8d %8.2f %11.3f %16.3f %14.3f %9.3f\n", y0 + (int)t, F[t], I[t],
                    B[t], L[t], G[t]);
        fprintf(fp, "  %-8s %8.2f %11.3f %16.3f %14.3f %9.3f\n", "average", mean_of(F, H),
                mean_of(I, H), mean_of(B, H), mean_of(L, H), e->avg_gain[o]);
        int be = e->break_even_year[o];
        char bes[32];
        if (be == BC_NO_BREAK_EVEN)
            snprintf(bes, sizeof bes, "none by %d", y0 + (int)H - 1);
        else
            snprintf(bes, sizeof bes, "%d", y0 + be);
        fprintf(fp, "  NPV at %g %%: %.3f   cumulative gain first >= 0: %s\n",
                100 * bc_model_discount_rate(m), e->npv[o], bes);
    }

    fprintf(fp, "\nOverview, averages %d-%d (the columns of the seed's overview table)\n", y0,
            y0 + (int)H - 1);
    fprintf(fp, "  %-3s %-14s %12s %12s %12s %12s %12s\n", "nr", "proposal", "investment",
            "savings", "of which", "gain", "fte");
    fprintf(fp, "  %-3s %-14s %12s %12s %12s %12s %12s\n", "", "", "/ year", "/ year",
            "benefits", "/ year", "/ year");
    for (size_t o = 0; o < O; o++) {
        const double *B = e->benefit_savings + o * H, *L = e->other_savings + o * H;
        char nr[24];
        if (o + 1 < O)
            snprintf(nr, sizeof nr, "%zu", o + 1);
        else
            nr[0] = '\0';
        fprintf(fp, "  %-3s %-14.14s %12.2f %12.2f %12.2f %12.2f %12.2f\n", nr,
                o + 1 < O ? bc_model_output_id(m, o) : "total", mean_of(e->investment + o * H, H),
                mean_of(B, H) + mean_of(L, H), mean_of(B, H), e->avg_gain[o],
                mean_of(e->fte + o * H, H));
    }
    bc_free(x);
    bc_eval_free(e);
    return finish(fp, err);
}

int bc_report_base_csv(FILE *fp, const bc_model *m, bc_error *err)
{
    double *x;
    bc_eval *e;
    int rc = base_eval(m, &x, &e, err);
    if (rc)
        return rc;
    const size_t H = e->years;
    fprintf(fp, "output,year,fte,investment,benefit_savings,other_savings,gain\n");
    for (size_t o = 0; o < e->n_outputs; o++)
        for (size_t t = 0; t < H; t++) {
            const double v[5] = {e->fte[o * H + t], e->investment[o * H + t],
                                 e->benefit_savings[o * H + t], e->other_savings[o * H + t],
                                 e->gain[o * H + t]};
            fprintf(fp, "%s,%d", bc_model_output_id(m, o), bc_model_start_year(m) + (int)t);
            for (int k = 0; k < 5; k++) {
                char num[40];
                bc_format_double(num, sizeof num, v[k]);
                fprintf(fp, ",%s", num);
            }
            fputc('\n', fp);
        }
    bc_free(x);
    bc_eval_free(e);
    return finish(fp, err);
}
