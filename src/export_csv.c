/* export_csv.c: a result file loaded into memory written as tidy CSV files
 * (bcsim export --csv; docs/csv-export.md), all of them or none, through
 * src/fileio.c. No HDF5 here: it reads results_int.h. */
#define _POSIX_C_SOURCE 200809L

#include "bcsim/results.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc_int.h"
#include "bcsim/dist.h"
#include "fileio_int.h"
#include "results_int.h"
#include "strutil_int.h"

/* A field, quoted as RFC 4180 asks only when it holds a comma, a quote or a
 * line break (quotes inside doubled). */
static void csv_str(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* A number with the fewest digits that read back to the same double; NaN
 * and infinities as NaN, Inf, -Inf, which R, Python and spreadsheets read. */
static void csv_num(FILE *fp, double x)
{
    char buf[40];
    if (isnan(x))
        fputs("NaN", fp);
    else if (isinf(x))
        fputs(x > 0 ? "Inf" : "-Inf", fp);
    else {
        bc_format_double(buf, sizeof buf, x);
        fputs(buf, fp);
    }
}

/* ",VALUE" */
static void csv_sep_num(FILE *fp, double x)
{
    fputc(',', fp);
    csv_num(fp, x);
}

/* "p05" for 0.05, "p99.5" for 0.995: the statistic name of a quantile. */
static void quantile_name(char *buf, size_t size, double p)
{
    double pc = 100 * p, r = floor(pc + 0.5);
    if (fabs(pc - r) < 1e-9 && r >= 0 && r <= 100)
        snprintf(buf, size, "p%02d", (int)r);
    else
        snprintf(buf, size, "p%g", pc);
}

/* Rows "ID,MID,STAT,VALUE" of element i of a series: mean, sd, min, max and
 * the quantiles (MID is the quantity or the year). */
static void csv_series_rows(FILE *fp, const char *id, const char *mid, const rseries *s, size_t i)
{
    static const char *const names[4] = {"mean", "sd", "min", "max"};
    const double *v[4] = {s->mean, s->sd, s->min, s->max};
    for (size_t k = 0; k < 4 + s->nq; k++) {
        char qn[48];
        if (k >= 4)
            quantile_name(qn, sizeof qn, s->probs[k - 4]);
        csv_str(fp, id);
        fprintf(fp, ",%s,%s", mid, k < 4 ? names[k] : qn);
        csv_sep_num(fp, k < 4 ? v[k][i] : s->q[i * s->nq + k - 4]);
        fputc('\n', fp);
    }
}

static void csv_summary(const bc_results_file *r, FILE *fp)
{
    static const char *const pn[4] = {"break_even_probability", "break_even_probability_se",
                                      "loss_probability", "loss_probability_se"};
    const double *pv[4] = {r->be_p, r->be_se, r->loss_p, r->loss_se};
    fputs("output,quantity,statistic,value\n", fp);
    for (size_t o = 0; o < r->n_out; o++) {
        csv_series_rows(fp, r->out_id[o], "avg_gain", &r->avg, o);
        for (int k = 0; k < 4; k++)
            if (pv[k]) { /* the loss probability is missing from older files */
                csv_str(fp, r->out_id[o]);
                fprintf(fp, ",avg_gain,%s", pn[k]);
                csv_sep_num(fp, pv[k][o]);
                fputc('\n', fp);
            }
        csv_series_rows(fp, r->out_id[o], "npv", &r->npv, o);
    }
}

static void csv_gain_by_year(const bc_results_file *r, FILE *fp)
{
    fputs("output,year,statistic,value\n", fp);
    for (size_t o = 0; o < r->n_out; o++)
        for (size_t t = 0; t < r->years; t++) {
            char year[24];
            snprintf(year, sizeof year, "%d", r->start_year + (int)t);
            csv_series_rows(fp, r->out_id[o], year, &r->gby, o * r->years + t);
        }
}

static void csv_break_even_year(const bc_results_file *r, FILE *fp)
{
    const size_t H = r->years;
    fputs("output,year,runs,share\n", fp);
    for (size_t o = 0; o < r->n_out; o++)
        for (size_t j = 0; j <= H; j++) {
            const uint64_t n = r->bey[o * (H + 1) + j];
            csv_str(fp, r->out_id[o]);
            if (r->bey_year[j] < 0)
                fputc(',', fp); /* no break-even within the horizon */
            else
                fprintf(fp, ",%d", r->bey_year[j]);
            fprintf(fp, ",%llu", (unsigned long long)n);
            csv_sep_num(fp, (double)n / (double)r->runs);
            fputc('\n', fp);
        }
}

static void csv_hist_rows(FILE *fp, const char *id, const char *quantity, const rhist *h, size_t i)
{
    const double *e = h->edges + i * (h->bins + 1);
    const uint64_t *c = h->counts + i * h->bins;
    for (size_t b = 0; b < h->bins; b++) {
        csv_str(fp, id);
        fprintf(fp, ",%s,%zu", quantity, b);
        csv_sep_num(fp, e[b]);
        csv_sep_num(fp, e[b + 1]);
        fprintf(fp, ",%llu\n", (unsigned long long)c[b]);
    }
}

static void csv_histograms(const bc_results_file *r, FILE *fp)
{
    fputs("output,quantity,bin,lower,upper,count\n", fp);
    for (size_t o = 0; o < r->n_out; o++) {
        csv_hist_rows(fp, r->out_id[o], "avg_gain", &r->h_avg, o);
        csv_hist_rows(fp, r->out_id[o], "npv", &r->h_npv, o);
        for (size_t t = 0; t < r->years; t++) {
            char q[32];
            snprintf(q, sizeof q, "gain_%d", r->start_year + (int)t);
            csv_hist_rows(fp, r->out_id[o], q, &r->h_gby, o * r->years + t);
        }
    }
}

/* "METHOD,OUTPUT,QUANTITY," from a column name "QUANTITY:OUTPUT". */
static void sens_prefix(FILE *fp, const char *method, const char *col)
{
    const char *colon = strchr(col, ':');
    fprintf(fp, "%s,", method);
    csv_str(fp, colon + 1);
    fprintf(fp, ",%.*s,", (int)(colon - col), col);
}

/* The rest of a sensitivity row: ",MEASURE,VALUE,LOWER,UPPER"; ci NULL: no
 * interval. */
static void sens_rest(FILE *fp, const char *measure, double v, const double *ci)
{
    fprintf(fp, ",%s", measure);
    csv_sep_num(fp, v);
    if (ci) {
        csv_sep_num(fp, ci[0]);
        csv_sep_num(fp, ci[1]);
        fputc('\n', fp);
    } else {
        fputs(",,\n", fp);
    }
}

static void csv_sensitivity(const bc_results_file *r, FILE *fp)
{
    fputs("method,output,quantity,input,measure,value,lower,upper\n", fp);
    if (r->have_sob)
        for (size_t y = 0; y < r->sob_ny; y++)
            for (size_t j = 0; j < r->sob_k; j++) {
                const size_t q = j * r->sob_ny + y;
                for (int m = 0; m < 2; m++) {
                    sens_prefix(fp, "sobol", r->sob_out[y]);
                    csv_str(fp, r->sob_in[j]);
                    const double *ci = m ? r->total_ci : r->first_ci;
                    sens_rest(fp, m ? "total" : "first", m ? r->total[q] : r->first[q],
                              ci ? ci + 2 * q : NULL);
                }
            }
    if (r->have_reg)
        for (size_t y = 0; y < r->reg_ny; y++) {
            sens_prefix(fp, "regression", r->reg_out[y]);
            sens_rest(fp, "r2", r->r2[y], NULL); /* input empty: the whole regression */
            for (size_t j = 0; j < r->reg_d; j++) {
                sens_prefix(fp, "regression", r->reg_out[y]);
                csv_str(fp, r->reg_in[j]);
                sens_rest(fp, "src", r->src[j * r->reg_ny + y], NULL);
            }
        }
    if (r->have_tor)
        for (size_t o = 0; o < r->n_out; o++)
            for (size_t j = 0; j < r->tor_k; j++)
                for (int m = 0; m < 2; m++) {
                    fputs("tornado,", fp);
                    csv_str(fp, r->out_id[o]);
                    fputs(",avg_gain,", fp);
                    csv_str(fp, r->tor_in[j]);
                    const size_t q = j * r->n_out + o;
                    sens_rest(fp, m ? "high" : "low", m ? r->tor_high[q] : r->tor_low[q], NULL);
                }
}

/* The value of information: per output its EVPI, then each input's EVPPI,
 * in mDKK/year and over the horizon (times its years). */
static void csv_decision(const bc_results_file *r, FILE *fp)
{
    const size_t O = r->n_out;
    const double H = (double)r->years;
    fputs("output,measure,input,value,se,bias,value_horizon\n", fp);
    for (size_t o = 0; o < O; o++) {
        csv_str(fp, r->out_id[o]);
        fputs(",evpi,", fp);
        csv_sep_num(fp, r->evpi[o]);
        csv_sep_num(fp, r->evpi_se[o]);
        fputc(',', fp);
        csv_sep_num(fp, r->evpi[o] * H);
        fputc('\n', fp);
        for (size_t k = 0; k < r->voi_k; k++) {
            const size_t q = k * O + o;
            csv_str(fp, r->out_id[o]);
            fputs(",evppi,", fp);
            csv_str(fp, r->voi_in[k]);
            csv_sep_num(fp, r->evppi[q]);
            csv_sep_num(fp, r->evppi_se[q]);
            csv_sep_num(fp, r->evppi_bias[q]);
            csv_sep_num(fp, r->evppi[q] * H);
            fputc('\n', fp);
        }
    }
    for (size_t o = 0; o < O; o++)
        for (size_t g = 0; g < r->voi_g; g++) {
            const size_t q = g * O + o;
            csv_str(fp, r->out_id[o]);
            fputs(",evppi_group,", fp);
            csv_str(fp, r->voi_group[g]);
            csv_sep_num(fp, r->gevppi[q]);
            csv_sep_num(fp, r->gevppi_se[q]);
            csv_sep_num(fp, r->gevppi_bias[q]);
            csv_sep_num(fp, r->gevppi[q] * H);
            fputc('\n', fp);
        }
    if (r->have_pkg && !isnan(r->pk.evpi)) {
        fputs("packages,evpi_package,", fp);
        csv_sep_num(fp, r->pk.evpi);
        csv_sep_num(fp, r->pk.evpi_se);
        fputc(',', fp);
        csv_sep_num(fp, r->pk.evpi * H);
        fputc('\n', fp);
    }
}

/* The affordability curve: P(break even) at each factor of the planned
 * investment, with the investment it means; then the largest investments. */
static void csv_afford(const bc_results_file *r, FILE *fp)
{
    const size_t O = r->n_out, J = r->af_j;
    fputs("output,measure,investment_factor,investment,break_even_probability,status\n", fp);
    for (size_t o = 0; o < O; o++)
        for (size_t j = 0; j < J; j++) {
            csv_str(fp, r->out_id[o]);
            fputs(",curve", fp);
            csv_sep_num(fp, r->af_factor[j]);
            csv_sep_num(fp, r->af_factor[j] * r->af_planned[o]);
            csv_sep_num(fp, r->af_pbe[o * J + j]);
            fputs(",\n", fp);
        }
    for (size_t o = 0; o < O; o++)
        for (size_t k = 0; k < 4; k++) {
            const double f = r->af_level[o * 4 + k];
            csv_str(fp, r->out_id[o]);
            fputs(",largest", fp);
            csv_sep_num(fp, f);
            csv_sep_num(fp, f * r->af_planned[o]);
            csv_sep_num(fp, r->af_probs[k]);
            static const char *const st[3] = {"found", "never", "beyond"};
            const int q = r->af_status[o * 4 + k];
            fprintf(fp, ",%s\n", q >= 0 && q <= 2 ? st[q] : "unknown");
        }
}

/* Every package of proposals, a row each (row k: the proposals of bit p of k). */
static void csv_packages(const bc_results_file *r, FILE *fp)
{
    const struct rpackages *p = &r->pk;
    fputs("package,proposals,investment,mean,mean_se,p_break_even,p_break_even_se,p_loss,"
          "p_loss_se,p5,cvar5,resolution,feasible,frontier_loss,frontier_cvar,best\n",
          fp);
    for (size_t k = 0; k < p->n; k++) {
        const double v[] = {p->inv[k],  p->mean[k], p->mean_se[k], p->pbe[k],
                            p->pbe_se[k], p->ploss[k], p->ploss_se[k], p->p5[k],
                            p->cvar[k], p->res[k]};
        int in = 0;
        for (size_t j = 0; j < p->p; j++)
            in += p->members[k * p->p + j] != 0;
        csv_str(fp, p->label[k]);
        fprintf(fp, ",%d", in);
        for (size_t i = 0; i < sizeof v / sizeof *v; i++)
            csv_sep_num(fp, v[i]);
        fprintf(fp, ",%d,%d,%d,%d\n", p->feas[k] != 0, p->fl[k] != 0, p->fc[k] != 0,
                p->best == (int64_t)k);
    }
}

/* The break-even thresholds, output by output. */
static void csv_thresholds(const bc_results_file *r, FILE *fp)
{
    static const char *const kinds[4] = {"never", "at_least", "at_most", "always"};
    const size_t O = r->n_out;
    fputs("output,input,kind,value,percentile\n", fp);
    for (size_t o = 0; o < O; o++)
        for (size_t k = 0; k < r->thr_k; k++) {
            const size_t q = k * O + o;
            const int kind = r->thr_kind[q];
            csv_str(fp, r->out_id[o]);
            fputc(',', fp);
            csv_str(fp, r->thr_in[k]);
            fprintf(fp, ",%s", kind >= 0 && kind <= 3 ? kinds[kind] : "unknown");
            if (kind == BC_THR_AT_LEAST || kind == BC_THR_AT_MOST) {
                csv_sep_num(fp, r->thr_value[q]);
                csv_sep_num(fp, r->thr_pct[q]);
                fputc('\n', fp);
            } else {
                fputs(",,\n", fp);
            }
        }
}

static void csv_inputs(const bc_results_file *r, FILE *fp)
{
    fputs("input,uncertain,distribution,base\n", fp);
    for (size_t i = 0; i < r->n_in; i++) {
        csv_str(fp, r->in_name[i]);
        fprintf(fp, ",%d,", r->in_unc[i]);
        csv_str(fp, r->in_spec[i]);
        csv_sep_num(fp, r->in_base[i]);
        fputc('\n', fp);
    }
}

static int has_summary(const bc_results_file *r)
{
    return r->have_summary;
}

static int has_hist(const bc_results_file *r)
{
    return r->have_hist;
}

static int has_sens(const bc_results_file *r)
{
    return r->have_sob || r->have_reg || r->have_tor;
}

static int has_voi(const bc_results_file *r)
{
    return r->have_voi;
}

static int has_afford(const bc_results_file *r)
{
    return r->have_afford;
}

static int has_thr(const bc_results_file *r)
{
    return r->have_thr;
}

static int has_pkg(const bc_results_file *r)
{
    return r->have_pkg;
}

static int has_always(const bc_results_file *r)
{
    (void)r;
    return 1;
}

static const struct csv_file {
    const char *name;
    int (*has)(const bc_results_file *r);
    void (*write)(const bc_results_file *r, FILE *fp);
} csv_files[] = {
    {"summary.csv", has_summary, csv_summary},
    {"gain_by_year.csv", has_summary, csv_gain_by_year},
    {"break_even_year.csv", has_summary, csv_break_even_year},
    {"histograms.csv", has_hist, csv_histograms},
    {"sensitivity.csv", has_sens, csv_sensitivity},
    {"decision.csv", has_voi, csv_decision},
    {"affordability.csv", has_afford, csv_afford},
    {"thresholds.csv", has_thr, csv_thresholds},
    {"packages.csv", has_pkg, csv_packages},
    {"inputs.csv", has_always, csv_inputs},
};
#define N_CSV (sizeof csv_files / sizeof csv_files[0])

/* Make the CSV text of file f in memory and write it to `tmp`
 * (bc_fileio_write_image). */
static int write_csv(const bc_results_file *r, const struct csv_file *f, const char *tmp,
                     const char *path, int *created, bc_error *err)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&buf, &size);
    if (!m)
        return bc_error_set(err, BC_ENOMEM, "out of memory making %s", path);
    f->write(r, m);
    int bad = ferror(m) != 0;
    if (fclose(m) != 0 || bad) {
        bc_free(buf);
        return bc_error_set(err, BC_ENOMEM, "out of memory making %s", path);
    }
    int rc = bc_fileio_write_image(tmp, path, buf, size, created, err);
    bc_free(buf);
    /* Not being able to create a file in the folder is the user's to fix
     * (a folder they may not write to); failing to write it is not. */
    if (rc == BC_EIO && !*created) {
        if (err)
            err->code = BC_EINVAL;
        rc = BC_EINVAL;
    }
    return rc;
}

int bc_results_export_csv(const bc_results_file *r, const char *dir, int force, FILE *written,
                          bc_error *err)
{
    const struct csv_file *todo[N_CSV];
    char *path[N_CSV] = {NULL}, *tmp[N_CSV] = {NULL};
    int created[N_CSV] = {0}, made = 0;
    size_t n = 0, published = 0;
    for (size_t i = 0; i < N_CSV; i++)
        if (csv_files[i].has(r))
            todo[n++] = &csv_files[i];
    int rc = bc_fileio_prepare_dir(dir, "the CSV files", &made, err);
    if (rc)
        return rc;
    const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < n; i++)
        if (!(path[i] = bc_str_printf("%s%s%s", dir, sep, todo[i]->name)) ||
            !(tmp[i] = bc_fileio_tmp_name(path[i]))) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory");
            goto done;
        }
    /* Refuse before writing anything: only a regular file (or a symbolic link
     * to one) may be replaced, and only with force; a directory, a device, a
     * fifo or a dangling link by one of the names never is. */
    for (size_t i = 0; i < n; i++)
        if ((rc = bc_fileio_may_replace(path[i], force, err)))
            goto done;
    for (size_t i = 0; i < n; i++)
        if ((rc = write_csv(r, todo[i], tmp[i], path[i], &created[i], err)))
            goto done;
    for (; published < n; published++) {
        if ((rc = bc_fileio_publish(tmp[published], path[published], force, err)))
            goto done;
        created[published] = 0;
    }
    for (size_t i = 0; written && i < n; i++)
        fprintf(written, "%s\n", path[i]);
done:
    for (size_t i = 0; i < n; i++) {
        if (created[i])
            (void)unlink(tmp[i]); /* best effort: the error that brought us here matters more */
        bc_free(path[i]);
        bc_free(tmp[i]);
    }
    if (rc && made && published == 0)
        (void)rmdir(dir); /* the folder we made, still empty */
    return rc;
}
