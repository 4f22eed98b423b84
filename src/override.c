/* override.c: command-line overrides of model inputs, "NAME=SPEC" (see
 * bc_model_set in include/bcsim/model.h), and a recorded model rebuilt from
 * its text and overrides (bc_model_load_record). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"
#include "model_int.h"

/* The longest name and assignment quoted whole in a message. */
#define QUOTE_MAX 200

/* Names longer than this get no "did you mean" hint. */
#define HINT_MAX_LEN 256

/* Up to this edit distance a name counts as a typo of another. */
#define HINT_MAX_EDITS 2

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Levenshtein distance between a and b (insertions, deletions and
 * substitutions of one byte each), with one row of the usual table. Both
 * strings must be at most HINT_MAX_LEN long. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[HINT_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0]; /* D[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j]; /* D[i-1][j] */
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* A hint for an unknown input name, into buf: the nearest name when it is a
 * likely typo, else up to three inputs sharing the part before the first '.'
 * (nearest first), else where the names are listed. */
static void name_hint(const bc_model *m, const char *name, char *buf, size_t size)
{
    size_t len = strlen(name);
    size_t pre = strcspn(name, ".");
    long pick[3] = {-1, -1, -1};
    size_t pick_d[3] = {0, 0, 0};
    long near = -1;
    size_t near_d = 0;
    for (size_t i = 0; len <= HINT_MAX_LEN && i < m->n_inputs; i++) {
        const char *in = m->inputs[i].name;
        if (strlen(in) > HINT_MAX_LEN)
            continue;
        size_t d = edit_distance(name, in);
        if (near < 0 || d < near_d) {
            near = (long)i;
            near_d = d;
        }
        if (strncmp(in, name, pre) != 0 || in[pre] != '.')
            continue;
        /* insert into the three nearest sharing the prefix, ties in model order */
        for (size_t k = 0; k < 3; k++)
            if (pick[k] < 0 || d < pick_d[k]) {
                for (size_t q = 2; q > k; q--) {
                    pick[q] = pick[q - 1];
                    pick_d[q] = pick_d[q - 1];
                }
                pick[k] = (long)i;
                pick_d[k] = d;
                break;
            }
    }
    if (near >= 0 && near_d <= HINT_MAX_EDITS && near_d < len) {
        snprintf(buf, size, "did you mean %s?", m->inputs[near].name);
    } else if (pick[0] >= 0) {
        /* "X", "X and Y" or "X, Y and Z" */
        int len_list = snprintf(buf, size, "inputs of %.*s include %s", (int)pre, name,
                                m->inputs[pick[0]].name);
        for (size_t k = 1; k < 3 && pick[k] >= 0 && len_list >= 0 && (size_t)len_list < size; k++) {
            const char *sep = k == 2 || pick[2] < 0 ? " and " : ", ";
            len_list += snprintf(buf + len_list, size - (size_t)len_list, "%s%s", sep,
                                 m->inputs[pick[k]].name);
        }
    } else {
        snprintf(buf, size, "see /inputs/names for the model's input names");
    }
}

int bc_model_set(bc_model *m, const char *assignment, bc_error *err)
{
    const char *eq = strchr(assignment, '=');
    const char *start = assignment, *end = eq;
    while (eq && start < end && is_space(*start))
        start++;
    while (eq && end > start && is_space(end[-1]))
        end--;
    /* names hold letters, digits, '_', '-' and '.': a ':' or ',' before the
     * first '=' means "KIND:...,key=value" without "NAME=" */
    if (!eq || start == end || memchr(start, ':', (size_t)(end - start)) ||
        memchr(start, ',', (size_t)(end - start)))
        return bc_error_set(err, BC_EINVAL,
                            "'%.*s' is not NAME=SPEC (an input name, '=', then a number or a "
                            "distribution, e.g. a.effect=pert:0,0.1,0.2)",
                            QUOTE_MAX, assignment);
    const char *spec = eq + 1;
    size_t nlen = (size_t)(end - start);
    char *name = bc_malloc(nlen + 1);
    if (!name)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    memcpy(name, start, nlen);
    name[nlen] = '\0';

    int rc = BC_OK;
    bc_dist d;
    bc_dist_fixed(&d, 0);
    char *copy = NULL;
    long idx = bc_model_find_input(m, name);
    if (idx < 0) {
        char hint[600];
        name_hint(m, name, hint, sizeof hint);
        rc = bc_error_set(err, BC_EINVAL, "unknown input '%.*s' (%s)", QUOTE_MAX, name, hint);
        goto out;
    }
    bc_input *in = &m->inputs[idx];
    if (in->dim != 1) {
        rc = bc_error_set(err, BC_EINVAL,
                          "%s cannot be set: it is the group of yearly shocks, standard normals "
                          "that unemployment.volatility scales; change the volatility in the "
                          "model file instead",
                          in->name);
        goto out;
    }
    bc_error serr;
    bc_error_clear(&serr);
    if ((rc = bc_dist_parse_spec(spec, &d, &serr))) {
        rc = bc_error_set(err, rc, "%s: %s", in->name, serr.msg);
        goto out;
    }
    if ((rc = bc_input_check(in, &d, &serr))) {
        rc = bc_error_set(err, rc, "%s: '%.*s': %s", in->name, QUOTE_MAX, spec, serr.msg);
        goto out;
    }
    for (size_t q = 0; q < m->n_corr && !bc_dist_is_random(&d); q++) {
        const bc_correlation *c = &m->corr[q];
        if (c->a != (size_t)idx && c->b != (size_t)idx)
            continue;
        char rho[40];
        bc_format_double(rho, sizeof rho, c->rho);
        rc = bc_error_set(err, BC_EINVAL,
                          "%s: '%.*s': a fixed number cannot be correlated, and %s is in the "
                          "correlation [%s, %s, %s]; give a distribution or remove the "
                          "correlation from the model file",
                          in->name, QUOTE_MAX, spec, in->name, m->inputs[c->a].name,
                          m->inputs[c->b].name, rho);
        goto out;
    }

    /* allocate everything before changing the model */
    size_t alen = strlen(assignment);
    copy = bc_malloc(alen + 1);
    char **list = copy ? bc_realloc(m->overrides, (m->n_overrides + 1) * sizeof *list) : NULL;
    if (!list) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto out;
    }
    m->overrides = list; /* one spare slot until filled below */
    memcpy(copy, assignment, alen + 1);
    m->overrides[m->n_overrides++] = copy;
    copy = NULL;
    bc_dist_free(&in->dist);
    in->dist = d;
    bc_dist_fixed(&d, 0);
    in->line = in->col = 0;
out:
    bc_dist_free(&d);
    bc_free(copy);
    bc_free(name);
    return rc;
}

int bc_model_load_record(const char *text, const char *filename, char *const *overrides, size_t n,
                         bc_model **out, bc_error *err)
{
    bc_model *m = NULL;
    int rc = bc_model_load_string(text, strlen(text), filename, &m, err);
    for (size_t k = 0; !rc && k < n; k++)
        rc = bc_model_set(m, overrides[k], err);
    if (!rc)
        rc = bc_model_check_finite(m, err);
    if (rc) {
        bc_model_free(m);
        m = NULL;
    }
    *out = m;
    return rc;
}
