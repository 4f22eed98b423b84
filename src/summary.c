/* summary.c: the terminal report of a result file loaded into memory
 * (bcsim summary): the study, the outputs, the statistics of the average
 * annual gain and the top drivers. No HDF5 here: it reads results_int.h. */
#include "bcsim/results.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc_int.h"
#include "results_int.h"

#define SUMMARY_WIDTH 100

/* Write s cut to at most `cols` characters (UTF-8 code points; the titles
 * hold Danish letters), ending in "..." when cut. */
static void put_cut(FILE *fp, const char *s, size_t cols)
{
    size_t n = 0, i = 0, cut = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == (cols > 3 ? cols - 3 : 0))
                cut = i;
            n++;
        }
    if (n <= cols) {
        fputs(s, fp);
        return;
    }
    fprintf(fp, "%.*s...", (int)cut, s);
}

/* `s` if it has at most `width` (< 64) characters, else its start and end
 * around "..." in buf, so that the field of an input name (academics.effect)
 * stays visible. The names are ASCII. */
static const char *fit(char buf[64], const char *s, size_t width)
{
    size_t n = strlen(s);
    if (n <= width || width < 8 || width > 63)
        return s;
    size_t left = (width - 3) / 2, right = width - 3 - left;
    snprintf(buf, 64, "%.*s...%s", (int)left, s, s + n - right);
    return buf;
}

/* Index of probability p in probs[n], or -1. */
static int prob_index(const double *probs, size_t n, double p)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(probs[i] - p) < 1e-9)
            return (int)i;
    return -1;
}

/* The (up to) three largest of key(i) for i < n, largest first, into idx;
 * NaN ranks below every number and is never chosen. Returns how many. */
static size_t top3(const double *v, size_t n, size_t stride, size_t col, int absval, size_t idx[3])
{
    size_t k = 0;
    for (; k < 3; k++) {
        int found = 0;
        double best = 0;
        for (size_t i = 0; i < n; i++) {
            double x = v[i * stride + col];
            if (absval)
                x = fabs(x);
            int taken = 0;
            for (size_t j = 0; j < k; j++)
                taken |= idx[j] == i;
            if (taken || isnan(x) || (found && !(x > best)))
                continue;
            best = x;
            idx[k] = i;
            found = 1;
        }
        if (!found)
            break;
    }
    return k;
}

/* Column of "QUANTITY:ID" in cols[n], or -1. */
static long find_col(char *const *cols, size_t n, const char *quantity, const char *id)
{
    size_t lq = strlen(quantity);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(cols[i], quantity, lq) && cols[i][lq] == ':' && !strcmp(cols[i] + lq + 1, id))
            return (long)i;
    return -1;
}

/* Width of the output column of the tables: the longest id, within [9, 16]
 * (longer ids are cut there; the list of outputs shows them whole). */
static int id_width(const bc_results_file *r)
{
    size_t w = 9;
    for (size_t o = 0; o < r->n_out; o++)
        if (strlen(r->out_id[o]) > w)
            w = strlen(r->out_id[o]);
    return (int)(w > 16 ? 16 : w);
}

static void summary_header(const bc_results_file *r, FILE *fp)
{
    const int is_sobol = !strcmp(r->study, "sobol");
    fprintf(fp, "Result file %s\n", r->path);
    fputs("  model    ", fp);
    const size_t idlen = strlen(r->model_id);
    put_cut(fp, r->title, idlen < SUMMARY_WIDTH - 40 ? SUMMARY_WIDTH - 14 - idlen : 26);
    fprintf(fp, " (%s)\n", r->model_id);
    if (is_sobol) {
        fprintf(fp, "  study    sobol: N = %llu base samples", (unsigned long long)r->runs);
        if (r->evaluations)
            fprintf(fp, " (%llu evaluations)", (unsigned long long)r->evaluations);
    } else {
        fprintf(fp, "  study    %s: %llu runs", r->study, (unsigned long long)r->runs);
    }
    fprintf(fp, ", sampler %s, seed %llu\n", r->sampler, (unsigned long long)r->seed);
    fprintf(fp, "  horizon  %d-%d (%zu year%s)\n", r->start_year, r->start_year + (int)r->years - 1,
            r->years, r->years == 1 ? "" : "s");
    fprintf(fp, "  made     %s with bcsim %s\n", r->created[0] ? r->created : "(time not recorded)",
            r->version[0] ? r->version : "(version not recorded)");
    fputs("\nOutputs (the proposals, then the portfolio)\n", fp);
    size_t w = 9;
    for (size_t o = 0; o < r->n_out; o++)
        if (strlen(r->out_id[o]) > w)
            w = strlen(r->out_id[o]);
    for (size_t o = 0; o < r->n_out; o++) {
        fprintf(fp, "  %-*s  ", (int)w, r->out_id[o]);
        put_cut(fp, r->out_title[o], w + 24 < SUMMARY_WIDTH ? SUMMARY_WIDTH - 4 - w : 20);
        fputc('\n', fp);
    }
}

/* "  54.75 % +- 0.05 %" as bcsim run prints it, or n/a. */
/* x in `width` columns: with 3 decimals where that fits, else in e-notation
 * with as many digits as fit (outputs of millions of mDKK and more), so that
 * the report keeps its columns whatever the model. */
static const char *fixed(char buf[32], double x, int width)
{
    if (snprintf(buf, 32, "%*.3f", width, x) <= width)
        return buf;
    for (int prec = width - 7; prec >= 0; prec--)
        if (snprintf(buf, 32, "%*.*e", width, prec, x) <= width)
            break;
    return buf;
}

static void put_prob(FILE *fp, const double *p, const double *se, size_t o)
{
    if (p && se)
        fprintf(fp, "   %6.2f %% +- %4.2f %%", 100 * p[o], 100 * se[o]);
    else
        fprintf(fp, "   %18s", "n/a");
}

static void summary_stats(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    const size_t O = r->n_out, H = r->years;
    const int i5 = prob_index(r->avg.probs, r->avg.nq, 0.05),
              i50 = prob_index(r->avg.probs, r->avg.nq, 0.5),
              i95 = prob_index(r->avg.probs, r->avg.nq, 0.95);
    fprintf(fp, "\nAverage annual gain %d-%d, mDKK/year, over %llu runs\n", r->start_year,
            r->start_year + (int)H - 1, (unsigned long long)r->runs);
    fprintf(fp, "  %-*s %9s %9s %9s %9s%21s%21s\n", w, "output", "mean", "P5", "P50", "P95",
            "P(break even) +- se", "P(loss > 1) +- se");
    for (size_t o = 0; o < O; o++) {
        char num[32];
        fprintf(fp, "  %-*s %s", w, fit(b, r->out_id[o], (size_t)w), fixed(num, r->avg.mean[o], 9));
        const int idx[3] = {i5, i50, i95};
        for (int k = 0; k < 3; k++)
            if (idx[k] >= 0)
                fprintf(fp, " %s", fixed(num, r->avg.q[o * r->avg.nq + (size_t)idx[k]], 9));
            else
                fprintf(fp, " %9s", "n/a");
        put_prob(fp, r->be_p, r->be_se, o);
        put_prob(fp, r->loss_p, r->loss_se, o);
        fputc('\n', fp);
    }
    fputs("Break even: average annual gain >= 0. Loss: average annual gain < -1 mDKK/year.\n", fp);
    if (!r->loss_p)
        fputs("This file predates the loss probability (n/a).\n", fp);

    fprintf(fp, "\nMost likely break-even year (the first year whose cumulative gain is >= 0)\n");
    fprintf(fp, "  %-*s  %-24s %s\n", w, "output", "year", "share of runs");
    for (size_t o = 0; o < O; o++) {
        const uint64_t *row = r->bey + o * (H + 1);
        size_t best = 0;
        for (size_t j = 1; j <= H; j++)
            if (row[j] > row[best])
                best = j;
        char year[32];
        if (r->bey_year[best] < 0)
            snprintf(year, sizeof year, "none within the horizon");
        else
            snprintf(year, sizeof year, "%d", r->bey_year[best]);
        fprintf(fp, "  %-*s  %-24s %9.2f %%\n", w, fit(b, r->out_id[o], (size_t)w), year,
                100.0 * (double)row[best] / (double)r->runs);
    }
}

static void summary_regression(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    fputs("\nTop drivers of the average annual gain: standardised regression coefficients SRC\n"
          "(linear regression over the runs; ranked by |SRC|; R\xc2\xb2 = share of the variance "
          "explained)\n",
          fp);
    fprintf(fp, "  %-*s  R\xc2\xb2     rank  %-34s %8s\n", w, "output", "input", "SRC");
    for (size_t o = 0; o < r->n_out; o++) {
        long y = find_col(r->reg_out, r->reg_ny, "avg_gain", r->out_id[o]);
        fprintf(fp, "  %-*s", w, fit(b, r->out_id[o], (size_t)w));
        if (y < 0) {
            fputs("  (no regression for this output)\n", fp);
            continue;
        }
        size_t idx[3], k = top3(r->src, r->reg_d, r->reg_ny, (size_t)y, 1, idx);
        fprintf(fp, "  %5.3f", r->r2[y]);
        if (k == 0)
            fputs("  (no inputs)\n", fp);
        for (size_t i = 0; i < k; i++)
            fprintf(fp, "%*s%-4zu  %-34s %8.3f\n", i ? w + 11 : 2, "", i + 1,
                    fit(b, r->reg_in[idx[i]], 34), r->src[idx[i] * r->reg_ny + (size_t)y]);
    }
}

static void summary_tornado(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    const size_t O = r->n_out, K = r->tor_k;
    double *swing = bc_malloc((K ? K : 1) * O * sizeof *swing);
    fprintf(fp,
            "\nTop drivers of the average annual gain: tornado, mDKK/year (each input alone at its "
            "\n%g and %g quantile, the others at their base values; ranked by the swing "
            "|high - low|)\n",
            r->tor_q[0], r->tor_q[1]);
    if (!swing) {
        fputs("  (out of memory)\n", fp);
        return;
    }
    for (size_t q = 0; q < K * O; q++)
        swing[q] = fabs(r->tor_high[q] - r->tor_low[q]);
    fprintf(fp, "  %-*s  rank  %-34s %8s %8s %8s\n", w, "output", "input", "low", "high", "swing");
    for (size_t o = 0; o < O; o++) {
        size_t idx[3], k = top3(swing, K, O, o, 0, idx);
        fprintf(fp, "  %-*s", w, fit(b, r->out_id[o], (size_t)w));
        if (k == 0)
            fputs("  (no inputs)\n", fp);
        for (size_t i = 0; i < k; i++) {
            size_t q = idx[i] * O + o;
            char lo[32], hi[32], sw[32];
            fprintf(fp, "%*s%-4zu  %-34s %s %s %s\n", i ? w + 4 : 2, "", i + 1,
                    fit(b, r->tor_in[idx[i]], 34), fixed(lo, r->tor_low[q], 8),
                    fixed(hi, r->tor_high[q], 8), fixed(sw, swing[q], 8));
        }
    }
    bc_free(swing);
}

static void summary_sobol(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    static const char *const qn[2] = {"avg_gain", "break_even"};
    fputs("\nTop drivers: total Sobol' indices ST", fp);
    if (r->total_ci) {
        const char *how = r->bootstrap_intervals ? "bootstrap " : "";
        if (!isnan(r->level))
            fprintf(fp, " with %g %% %sintervals", 100 * r->level, how);
        else
            fprintf(fp, " with %sintervals", how);
        if (r->replicates)
            fprintf(fp, " (%llu replicates)", (unsigned long long)r->replicates);
    }
    fputs("\n(avg_gain: the average annual gain; break_even: the indicator avg_gain >= 0)\n", fp);
    fprintf(fp, "  %-*s  %-10s  rank  %-32s %6s%s\n", w, "output", "quantity", "input", "ST",
            r->total_ci ? "  interval" : "");
    for (size_t o = 0; o < r->n_out; o++) {
        for (int qi = 0; qi < 2; qi++) {
            long y = find_col(r->sob_out, r->sob_ny, qn[qi], r->out_id[o]);
            if (qi == 0)
                fprintf(fp, "  %-*s  %-10s", w, fit(b, r->out_id[o], (size_t)w), qn[qi]);
            else
                fprintf(fp, "  %-*s  %-10s", w, "", qn[qi]);
            size_t idx[3], k = y < 0 ? 0 : top3(r->total, r->sob_k, r->sob_ny, (size_t)y, 0, idx);
            if (k == 0)
                fputs(y < 0 ? "  (not in this file)\n" : "  (not defined: no variance)\n", fp);
            for (size_t i = 0; i < k; i++) {
                size_t q = idx[i] * r->sob_ny + (size_t)y;
                fprintf(fp, "%*s%-4zu  %-32s %6.3f", i ? w + 16 : 2, "", i + 1,
                        fit(b, r->sob_in[idx[i]], 32), r->total[q]);
                if (r->total_ci)
                    fprintf(fp, "  [%6.3f, %6.3f]", r->total_ci[2 * q], r->total_ci[2 * q + 1]);
                fputc('\n', fp);
            }
        }
    }
}

/* The groups' value of information: per group, the portfolio's and the
 * proposal it is worth most to. */
static void summary_groups(const bc_results_file *r, FILE *fp)
{
    char b[64], n1[32], n2[32], n3[32], n4[32], span[32];
    const size_t O = r->n_out, P = O - 1;
    snprintf(span, sizeof span, "%d-%d", r->start_year, r->start_year + (int)r->years - 1);
    fprintf(fp,
            "Groups of inputs learnt together (EVPPI by regression over the first %llu runs), "
            "mDKK/year\n  %-28s %9s %7s %9s  %s\n",
            (unsigned long long)r->voi_group_runs, "group", "portfolio", "+- se", span,
            "worth most to");
    for (size_t g = 0; g < r->voi_g; g++) {
        size_t top = 0;
        for (size_t o = 1; o < P; o++)
            top = r->gevppi[g * O + o] > r->gevppi[g * O + top] ? o : top;
        const double v = r->gevppi[g * O + P];
        fprintf(fp, "  %-28s %s %s %s  ", fit(b, r->voi_group[g], 28), fixed(n1, v, 9),
                fixed(n2, r->gevppi_se[g * O + P], 7), fixed(n3, v * (double)r->years, 9));
        if (r->gevppi[g * O + top] > 0)
            fprintf(fp, "%s %s\n", r->out_id[top], fixed(n4, r->gevppi[g * O + top], 0));
        else
            fputs("(no proposal's decision changes)\n", fp);
    }
}

/* The value of information: per output its EVPI, and the three inputs
 * whose EVPPI is largest, in mDKK/year and over the horizon; then the
 * sentence a negotiator reads, for the input worth most to the portfolio. */
static void summary_decision(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r), lead = w + 2 + 9 + 8 + 10 + 2;
    char b[64], n1[32], n2[32], n3[32], span[32];
    const size_t O = r->n_out, K = r->voi_k, P = O - 1;
    const double H = (double)r->years;
    snprintf(span, sizeof span, "%d-%d", r->start_year, r->start_year + (int)r->years - 1);
    fprintf(fp,
            "\nValue of information: what deciding with inputs known first is worth, mDKK/year\n"
            "(EVPI: every input known; EVPPI: that input alone; the portfolio: each proposal "
            "decided\non its own; %s: over the horizon, times %zu years)\n",
            span, r->years);
    fprintf(fp, "  %-*s %8s %7s %9s  %-30s %8s %9s\n", w, "output", "EVPI", "+- se", span, "input",
            "EVPPI", span);
    for (size_t o = 0; o < O; o++) {
        fprintf(fp, "  %-*s %s %s %s", w, fit(b, r->out_id[o], (size_t)w), fixed(n1, r->evpi[o], 8),
                fixed(n2, r->evpi_se[o], 7), fixed(n3, r->evpi[o] * H, 9));
        size_t idx[3], k = top3(r->evppi, K, O, o, 0, idx), shown = 0;
        for (size_t i = 0; i < k && r->evppi[idx[i] * O + o] > 0; i++, shown++) {
            const double v = r->evppi[idx[i] * O + o];
            fprintf(fp, "%*s%-30s %s %s\n", shown ? lead : 2, "", fit(b, r->voi_in[idx[i]], 30),
                    fixed(n1, v, 8), fixed(n2, v * H, 9));
        }
        if (!shown)
            fputs("  (no single input known alone changes the decision)\n", fp);
    }
    size_t top[3];
    if (top3(r->evppi, K, O, P, 0, top) > 0 && r->evppi[top[0] * O + P] > 0)
        fprintf(fp,
                "A study that pins down %s is worth up to %.3f mDKK over %s to the portfolio\n"
                "(EVPI, everything known: %.3f mDKK). EVPPI from %llu equal-probability bins of "
                "each input.\n",
                r->voi_in[top[0]], r->evppi[top[0] * O + P] * H, span, r->evpi[P] * H,
                (unsigned long long)r->voi_bins);
    if (r->voi_g)
        summary_groups(r, fp);
}

/* A largest investment: a number of mDKK/year, or why there is none. */
static const char *invest(char buf[32], double factor, int status, double planned)
{
    if (status == BC_AFFORD_NEVER)
        return "    never";
    if (status == BC_AFFORD_BEYOND)
        return "     > 2x";
    return fixed(buf, factor * planned, 9);
}

/* What a proposal may cost: the planned investment, P(break even) at it,
 * and the largest investment at which it still breaks even with each
 * probability. */
static void summary_afford(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64], n1[32], n2[32];
    const size_t O = r->n_out, J = r->af_j;
    size_t at1 = 0; /* the factor 1 */
    for (size_t j = 0; j < J; j++)
        if (r->af_factor[j] == 1)
            at1 = j;
    fprintf(fp,
            "\nWhat a proposal may cost: the largest average annual investment, mDKK/year, at "
            "which it\nstill breaks even with each probability (every other input as "
            "uncertain as before)\n");
    fprintf(fp, "  %-*s %9s %9s", w, "output", "planned", "P(be)");
    for (int k = 0; k < 4; k++)
        fprintf(fp, "    %4.0f %%", 100 * r->af_probs[k]);
    fputc('\n', fp);
    for (size_t o = 0; o < O; o++) {
        fprintf(fp, "  %-*s %s %7.2f %%", w, fit(b, r->out_id[o], (size_t)w),
                fixed(n1, r->af_planned[o], 9), 100 * r->af_pbe[o * J + at1]);
        for (int k = 0; k < 4; k++)
            fprintf(fp, " %s",
                    invest(n2, r->af_level[o * 4 + (size_t)k], r->af_status[o * 4 + (size_t)k],
                           r->af_planned[o]));
        fputc('\n', fp);
    }
    fprintf(fp, "The investment scaled from 0 to 2 times the plan in steps of %.1f %%; never: "
                "not even at no\ncost; > 2x: still at twice the plan.\n",
            J > 1 ? 100 * r->af_factor[1] : 0.0);
}

/* The rows of the package table: every package when there are at most 16;
 * else the best, the frontiers' and the largest means, 16 in all, in row
 * order. Returns how many, into rows. */
static size_t package_rows(const struct rpackages *p, size_t rows[16])
{
    unsigned char pick[1 << 16] = {0};
    size_t n = 0;
    if (p->n <= 16) {
        for (size_t k = 0; k < p->n; k++)
            rows[n++] = k;
        return n;
    }
    if (p->best >= 0)
        pick[p->best] = 1, n++;
    for (size_t k = 0; k < p->n && n < 12; k++)
        if ((p->fl[k] || p->fc[k]) && !pick[k])
            pick[k] = 1, n++;
    while (n < 16) { /* the largest means not yet shown */
        size_t top = p->n;
        for (size_t k = 0; k < p->n; k++)
            if (!pick[k] && (top == p->n || p->mean[k] > p->mean[top]))
                top = k;
        pick[top] = 1, n++;
    }
    n = 0;
    for (size_t k = 0; k < p->n; k++)
        if (pick[k])
            rows[n++] = k;
    return n;
}

/* The rules of the packages, as a phrase. */
static void package_rules(const struct rpackages *p, char *buf, size_t size)
{
    int n = snprintf(buf, size, "no rules");
    if (p->maxloss > 0 || p->budget > 0 || p->req || p->exc) {
        n = 0;
        if (p->maxloss > 0)
            n += snprintf(buf + n, size - (size_t)n, "P(loss > 1) <= %g %%, ", 100 * p->maxloss);
        if (p->budget > 0 && (size_t)n < size)
            n += snprintf(buf + n, size - (size_t)n, "budget %g mDKK/year, ", p->budget);
        if (p->req && (size_t)n < size)
            n += snprintf(buf + n, size - (size_t)n, "with %s, ", p->label[p->req]);
        if (p->exc && (size_t)n < size)
            n += snprintf(buf + n, size - (size_t)n, "without %s, ", p->label[p->exc]);
        if (n >= 2 && (size_t)n < size)
            buf[n - 2] = '\0';
    }
}

/* The packages of proposals: each one's figures, the best under the rules,
 * and what knowing everything before choosing the package is worth. */
static void summary_packages(const bc_results_file *r, FILE *fp)
{
    const struct rpackages *p = &r->pk;
    char b[64], n1[32], n2[32], n3[32], n4[32], n5[32], rules[256];
    size_t rows[16], nr = package_rows(p, rows);
    int w = 9;
    double res = 0;
    for (size_t i = 0; i < nr; i++)
        w = strlen(p->label[rows[i]]) > (size_t)w ? (int)strlen(p->label[rows[i]]) : w;
    for (size_t k = 0; k < p->n; k++)
        res = p->res[k] > res ? p->res[k] : res;
    w = w > 30 ? 30 : w;
    fprintf(fp,
            "\nPackages of proposals, each on the same runs, mDKK/year (P5 and the worst-5 %% "
            "mean\nwithin +- %.3g; frontier: no other package has as high a mean at as low a "
            "P(loss) [L]\nor as high a worst-5 %% mean [C]; rules: * meets them)\n",
            res);
    fprintf(fp, "  %-*s %8s %8s %7s %8s %9s %8s %8s  %-8s\n", w, "package", "invest", "mean",
            "+- se", "P(be)", "P(loss)", "P5", "worst 5%", "frontier");
    for (size_t i = 0; i < nr; i++) {
        const size_t k = rows[i];
        char mark[8];
        snprintf(mark, sizeof mark, "%s %s %s", p->fl[k] ? "L" : " ", p->fc[k] ? "C" : " ",
                 p->feas[k] ? "*" : " ");
        for (size_t j = strlen(mark); j > 0 && mark[j - 1] == ' '; j--)
            mark[j - 1] = '\0';
        fprintf(fp, "  %-*s %s %s %s %6.1f %% %7.1f %% %s %s  %s\n", w,
                fit(b, p->label[k], (size_t)w), fixed(n1, p->inv[k], 8), fixed(n2, p->mean[k], 8),
                fixed(n3, p->mean_se[k], 7), 100 * p->pbe[k], 100 * p->ploss[k],
                fixed(n4, p->p5[k], 8), fixed(n5, p->cvar[k], 8), mark);
    }
    if (nr < p->n)
        fprintf(fp, "  (%zu packages in all: the best, frontier ones and the largest means shown; "
                    "packages.csv has all)\n",
                p->n);
    package_rules(p, rules, sizeof rules);
    if (p->best < 0)
        fprintf(fp, "No package meets the rules (%s).\n", rules);
    else
        fprintf(fp, "Best package under the rules (%s):\n  %s, mean %.3f mDKK/year, P(break "
                    "even) %.1f %%.\n",
                rules, p->best ? p->label[p->best] : "none (fund nothing)", p->mean[p->best],
                100 * p->pbe[p->best]);
    if (!isnan(p->evpi))
        fprintf(fp, "Choosing the package after learning every input is worth %.3f +- %.3f "
                    "mDKK/year\n(%.3f mDKK over the horizon; within the budget and the "
                    "with/without rules).\n",
                p->evpi, p->evpi_se, p->evpi * (double)r->years);
}

/* Why the file has no packages, for a business case. */
static void summary_no_packages(const bc_results_file *r, FILE *fp)
{
    if (!r->pk_mode || !*r->pk_mode)
        return;
    const int most = strcmp(r->pk_mode, "all") ? 10 : 16;
    if (!strcmp(r->pk_mode, "off"))
        fputs("\nPackages of proposals: not evaluated (--packages off).\n", fp);
    else if (r->n_out - 1 <= (size_t)most)
        fputs("\nPackages of proposals: not reported (a run's gain reached 2^20 mDKK in "
              "size).\n",
              fp);
    else
        fprintf(fp,
                "\nPackages of proposals: not evaluated (%zu proposals: more than the %d "
                "enumerated%s).\n",
                r->n_out - 1, most,
                strcmp(r->pk_mode, "all") ? " unless --packages all, up to 16" : "");
}

/* The break-even thresholds: per output, the inputs that on their own turn
 * its base case around (at most 6, in input order). */
static void summary_thresholds(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    const size_t O = r->n_out, K = r->thr_k;
    fputs("\nBreak-even thresholds: the value at which the base case breaks exactly even, "
          "every other\ninput at its base value (and its percentile in the input's "
          "distribution)\n",
          fp);
    for (size_t o = 0; o < O; o++) {
        size_t shown = 0, more = 0;
        fprintf(fp, "  %-*s", w, fit(b, r->out_id[o], (size_t)w));
        for (size_t k = 0; k < K; k++) {
            const size_t q = k * O + o;
            const int kind = r->thr_kind[q];
            if (kind != BC_THR_AT_LEAST && kind != BC_THR_AT_MOST)
                continue;
            if (shown == 6) {
                more++;
                continue;
            }
            fprintf(fp, "%*s%-30s %-8s %12.6g  (%4.1f %%)\n", shown ? w + 4 : 2, "",
                    fit(b, r->thr_in[k], 30), kind == BC_THR_AT_LEAST ? "at least" : "at most",
                    r->thr_value[q], 100 * r->thr_pct[q]);
            shown++;
        }
        if (!shown)
            fputs("  (no input alone turns it around)\n", fp);
        else if (more)
            fprintf(fp, "%*s(and %zu more: thresholds.csv)\n", w + 4, "", more);
    }
}

int bc_results_summary(const bc_results_file *r, FILE *fp, bc_error *err)
{
    summary_header(r, fp);
    if (r->have_summary)
        summary_stats(r, fp);
    if (r->have_voi)
        summary_decision(r, fp);
    if (r->have_afford)
        summary_afford(r, fp);
    if (r->have_pkg)
        summary_packages(r, fp);
    else if (r->have_afford)
        summary_no_packages(r, fp);
    if (r->have_thr)
        summary_thresholds(r, fp);
    if (!strcmp(r->study, "sobol") && r->have_sob)
        summary_sobol(r, fp);
    else if (r->have_reg && r->reg_d > 0)
        summary_regression(r, fp);
    else if (r->have_tor && r->tor_k > 0)
        summary_tornado(r, fp);
    else if (r->have_sob)
        summary_sobol(r, fp);
    else
        fputs("\nDrivers: no sensitivity results in this file (run bcsim sobol).\n", fp);
    if (fflush(fp) != 0 || ferror(fp))
        return bc_error_set(err, BC_EIO, "writing the summary failed");
    return BC_OK;
}
