/* model_yaml.c: read a business-case model file (MODEL.md section 6) into a
 * checked bc_model. Every error names FILE:LINE:COL. This file holds the
 * reading of the file's structure (horizon, discount rate, unemployment,
 * proposals and their savings lines), of numbers, names and distributions,
 * and the table from names to indices; the correlations and the check of
 * their copula are in model_yaml_corr.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "alloc_int.h"
#include "model_yaml_int.h"

/* The largest model file read, in bytes. */
#define MAX_FILE_BYTES (16u << 20)

/* FNV-1a, 64 bits */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void bc_name_map_free(bc_name_map *t)
{
    bc_free(t->key);
    bc_free(t->val);
    memset(t, 0, sizeof *t);
}

/* The slot of `name`: where it is, or the empty slot where it would go. */
static size_t name_map_slot(const bc_name_map *t, const char *name)
{
    size_t i = (size_t)hash_name(name) & (t->cap - 1);
    while (t->key[i] && strcmp(t->key[i], name) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* The value of `name`, or -1. */
long bc_name_map_get(const bc_name_map *t, const char *name)
{
    if (!t->cap)
        return -1;
    size_t i = name_map_slot(t, name);
    return t->key[i] ? (long)t->val[i] : -1;
}

/* Add name -> val, unless the name is there: then *old is its value and the
 * table is unchanged. *old is -1 when the name is new. BC_OK or BC_ENOMEM. */
int bc_name_map_put(bc_name_map *t, const char *name, size_t val, long *old)
{
    *old = -1;
    if (2 * (t->n + 1) > t->cap) {
        bc_name_map big = {0};
        big.cap = t->cap ? 2 * t->cap : 64;
        big.key = bc_calloc(big.cap, sizeof *big.key);
        big.val = bc_malloc(big.cap * sizeof *big.val);
        if (!big.key || !big.val) {
            bc_name_map_free(&big);
            return BC_ENOMEM;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->key[i]) {
                size_t j = name_map_slot(&big, t->key[i]);
                big.key[j] = t->key[i];
                big.val[j] = t->val[i];
            }
        big.n = t->n;
        bc_name_map_free(t);
        *t = big;
    }
    size_t i = name_map_slot(t, name);
    if (t->key[i]) {
        *old = (long)t->val[i];
        return BC_OK;
    }
    t->key[i] = name;
    t->val[i] = val;
    t->n++;
    return BC_OK;
}

int bc_myaml_perr(bc_myaml_ctx *c, const bc_ynode *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bc_error_set(c->err, BC_EINVAL, "%s:%d:%d: %s", c->file, n ? n->line : 1,
                        n ? n->col : 1, msg);
}

int bc_myaml_oom(bc_myaml_ctx *c)
{
    return bc_error_set(c->err, BC_ENOMEM, "%s: out of memory", c->file);
}

const char *bc_myaml_type_name(const bc_ynode *n)
{
    return n->type == BC_Y_MAP ? "a mapping" : n->type == BC_Y_SEQ ? "a list" : "a scalar";
}

/* Check that `n` is a mapping whose keys are all in `keys` (NULL-terminated)
 * and unique; store each value node in found[index of key]. */
static int map_keys(bc_myaml_ctx *c, const bc_ynode *n, const char *what, const char *const *keys,
                    const bc_ynode **found)
{
    size_t nk = 0;
    while (keys[nk])
        found[nk++] = NULL;
    if (n->type != BC_Y_MAP)
        return bc_myaml_perr(c, n, "%s must be a mapping, found %s", what, bc_myaml_type_name(n));
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const bc_ynode *k = n->kids[i];
        size_t j = 0;
        while (j < nk && strcmp(keys[j], k->str) != 0)
            j++;
        if (j == nk) {
            char list[256] = "";
            for (size_t q = 0; q < nk; q++) {
                strncat(list, q ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, keys[q], sizeof list - strlen(list) - 1);
            }
            return bc_myaml_perr(c, k, "unknown key '%s' in %s (expected one of: %s)", k->str, what,
                                 list);
        }
        if (found[j])
            return bc_myaml_perr(c, k, "duplicate key '%s' in %s", k->str, what);
        found[j] = n->kids[i + 1];
    }
    return BC_OK;
}

static int missing(bc_myaml_ctx *c, const bc_ynode *map, const char *what, const char *key)
{
    return bc_myaml_perr(c, map, "%s is missing the required key '%s'", what, key);
}

/* A plain scalar that is a finite number. */
int bc_myaml_get_number(bc_myaml_ctx *c, const bc_ynode *n, const char *what, double *out)
{
    if (n->type != BC_Y_SCALAR)
        return bc_myaml_perr(c, n, "%s must be a number, found %s", what, bc_myaml_type_name(n));
    if (!n->plain)
        return bc_myaml_perr(c, n, "%s must be a number, found the quoted string \"%.60s\"", what,
                             n->str);
    char *end = NULL;
    errno = 0;
    double v = strtod(n->str, &end);
    if (n->len == 0 || end != n->str + n->len || n->str[0] == ' ')
        return bc_myaml_perr(c, n, "%s must be a number, found '%.60s'", what, n->str);
    /* strtod also reads hex floats, which YAML does not: refuse them */
    if (strchr(n->str, 'x') || strchr(n->str, 'X'))
        return bc_myaml_perr(c, n, "%s must be a number, found '%.60s'", what, n->str);
    /* strtod accepts "nan", "inf"; YAML's .nan/.inf fail above */
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return bc_myaml_perr(c, n, "%s must be a finite number, found '%.60s'", what, n->str);
    *out = v;
    return BC_OK;
}

static int get_int(bc_myaml_ctx *c, const bc_ynode *n, const char *what, long lo, long hi,
                   long *out)
{
    double v;
    int rc = bc_myaml_get_number(c, n, what, &v);
    if (rc)
        return rc;
    if (v != floor(v) || v < (double)lo || v > (double)hi)
        return bc_myaml_perr(c, n, "%s must be a whole number from %ld to %ld, found '%.60s'", what,
                             lo, hi, n->str);
    *out = (long)v;
    return BC_OK;
}

static int get_string(bc_myaml_ctx *c, const bc_ynode *n, const char *what, char **out)
{
    if (n->type != BC_Y_SCALAR)
        return bc_myaml_perr(c, n, "%s must be a string, found %s", what, bc_myaml_type_name(n));
    if (n->len == 0 || strlen(n->str) != n->len)
        return bc_myaml_perr(c, n, "%s must be a non-empty string without NUL bytes", what);
    *out = bc_strdup(n->str);
    return *out ? BC_OK : bc_myaml_oom(c);
}

/* Identifiers: [A-Za-z_][A-Za-z0-9_-]*, at most 64 characters. */
static int get_ident(bc_myaml_ctx *c, const bc_ynode *n, const char *what, char **out)
{
    if (n->type != BC_Y_SCALAR)
        return bc_myaml_perr(c, n, "%s must be a name, found %s", what, bc_myaml_type_name(n));
    const char *s = n->str;
    int ok = n->len > 0 && n->len <= 64 && strlen(s) == n->len &&
             (s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'));
    for (size_t i = 1; ok && i < n->len; i++)
        ok = s[i] == '_' || s[i] == '-' || (s[i] >= 'A' && s[i] <= 'Z') ||
             (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
    if (!ok)
        return bc_myaml_perr(
            c, n,
            "%s '%.64s' is not a valid name (letters, digits, '_' and '-', starting "
            "with a letter or '_', at most 64 characters)",
            what, s);
    *out = bc_strdup(s);
    return *out ? BC_OK : bc_myaml_oom(c);
}

/* A list of exactly `count` numbers. */
static int get_vector(bc_myaml_ctx *c, const bc_ynode *n, const char *what, size_t count,
                      double *out)
{
    if (n->type != BC_Y_SEQ)
        return bc_myaml_perr(c, n, "%s must be a list of %zu numbers, found %s", what, count,
                             bc_myaml_type_name(n));
    if (n->n != count)
        return bc_myaml_perr(c, n,
                             "%s must have %zu entries (one per year of the horizon), found %zu",
                             what, count, n->n);
    for (size_t i = 0; i < count; i++) {
        int rc = bc_myaml_get_number(c, n->kids[i], what, &out[i]);
        if (rc)
            return rc;
    }
    return BC_OK;
}

/* A beta distribution's mapping `n` must not give both mean/sd and
 * alpha/beta: if it does, blame the key of the later group. */
static int beta_one_form(bc_myaml_ctx *c, const bc_ynode *n, const char *name)
{
    const bc_ynode *ms = NULL, *ab = NULL;
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const char *k = n->kids[i]->str;
        if (!ms && (strcmp(k, "mean") == 0 || strcmp(k, "sd") == 0))
            ms = n->kids[i];
        if (!ab && (strcmp(k, "alpha") == 0 || strcmp(k, "beta") == 0))
            ab = n->kids[i];
    }
    if (ms && ab)
        return bc_myaml_perr(
            c, ms->line > ab->line || (ms->line == ab->line && ms->col > ab->col) ? ms : ab,
            "%s: a beta distribution takes either mean and sd, or alpha and beta, "
            "not both",
            name);
    return BC_OK;
}

/* A distribution mapping {dist: KIND, ...}. */
static int get_dist(bc_myaml_ctx *c, const bc_ynode *n, const char *name, bc_dist *out)
{
    const bc_ynode *at[BC_P_KEY_COUNT] = {0};
    const bc_ynode *kind_node = bc_yaml_get(n, "dist");
    bc_dist_params p;
    memset(&p, 0, sizeof p);
    double *vals = NULL, *wts = NULL;

    if (!kind_node)
        return bc_myaml_perr(c, n,
                             "%s: a distribution needs the key 'dist' (one of uniform, normal, "
                             "lognormal, triangular, pert, beta, gamma, discrete)",
                             name);
    if (kind_node->type != BC_Y_SCALAR)
        return bc_myaml_perr(c, kind_node,
                             "%s: 'dist' must be the name of a distribution, found %s", name,
                             bc_myaml_type_name(kind_node));
    if (bc_dist_kind_from_name(kind_node->str, &p.kind))
        return bc_myaml_perr(
            c, kind_node,
            "%s: unknown distribution '%.40s' (expected uniform, normal, lognormal, "
            "triangular, pert, beta, gamma or discrete)",
            name, kind_node->str);
    const char *kname = bc_dist_kind_name(p.kind);
    int rc = BC_OK;
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const bc_ynode *k = n->kids[i], *v = n->kids[i + 1];
        if (k == kind_node || v == kind_node || strcmp(k->str, "dist") == 0) {
            if (v != kind_node) {
                rc = bc_myaml_perr(c, k, "%s: duplicate key 'dist'", name);
                goto out; /* values or weights may be allocated already */
            }
            continue;
        }
        int key = bc_dist_key_from_name(k->str);
        if (key < 0 || !bc_dist_key_allowed(p.kind, (bc_dist_key)key)) {
            char list[160] = "";
            for (int q = 0; q < BC_P_KEY_COUNT; q++)
                if (bc_dist_key_allowed(p.kind, (bc_dist_key)q)) {
                    strncat(list, list[0] ? ", " : "", sizeof list - strlen(list) - 1);
                    strncat(list, bc_dist_key_name((bc_dist_key)q), sizeof list - strlen(list) - 1);
                }
            rc = bc_myaml_perr(c, k,
                               "%s: unknown key '%.40s' in a %s distribution (expected: dist, %s)",
                               name, k->str, kname, list);
            goto out;
        }
        if (at[key]) {
            rc = bc_myaml_perr(c, k, "%s: duplicate key '%s'", name, k->str);
            goto out;
        }
        at[key] = v;
        p.given |= 1u << key;
        char what[200];
        snprintf(what, sizeof what, "%s: '%s'", name, k->str);
        if (key == BC_P_VALUES || key == BC_P_WEIGHTS) {
            if (v->type != BC_Y_SEQ || v->n == 0) {
                rc = bc_myaml_perr(c, v, "%s must be a non-empty list of numbers", what);
                goto out;
            }
            double *arr = bc_malloc(v->n * sizeof *arr);
            if (!arr) {
                rc = bc_myaml_oom(c);
                goto out;
            }
            if (key == BC_P_VALUES) {
                vals = arr;
                p.values = vals;
                p.n_values = v->n;
            } else {
                wts = arr;
                p.weights = wts;
                p.n_weights = v->n;
            }
            for (size_t j = 0; j < v->n; j++)
                if ((rc = bc_myaml_get_number(c, v->kids[j], what, &arr[j])))
                    goto out;
        } else if ((rc = bc_myaml_get_number(c, v, what, &p.v[key]))) {
            goto out;
        }
    }
    if (p.kind == BC_DIST_BETA && (rc = beta_one_form(c, n, name)))
        goto out;
    if (wts)
        for (size_t j = 0; j < p.n_weights; j++)
            if (!(wts[j] > 0)) {
                rc = bc_myaml_perr(c, at[BC_P_WEIGHTS]->kids[j],
                                   "%s: discrete weights must be positive, weight %zu is %g", name,
                                   j + 1, wts[j]);
                goto out;
            }
    int bad = -1;
    bc_error derr;
    bc_error_clear(&derr);
    rc = bc_dist_init(out, &p, &bad, &derr);
    if (rc == BC_ENOMEM)
        rc = bc_myaml_oom(c);
    else if (rc) {
        const bc_ynode *where = bad >= 0 && at[bad] ? at[bad] : n;
        rc = bc_myaml_perr(c, where, "%s: %s", name, bc_errmsg(&derr));
    }
out:
    bc_free(vals);
    bc_free(wts);
    return rc;
}

/* Bounds a field's values must respect. */
typedef struct bounds {
    double lo, hi;
    int lo_strict;     /* values must be > lo rather than >= lo */
} bounds;

static const bounds ANY = {-INFINITY, INFINITY, 0};

/* Append an input named `name` (a number or a distribution at node n) and
 * check that every value it can take lies within `b`. */
static int add_input(bc_myaml_ctx *c, const bc_ynode *n, const char *name, bounds b, size_t dim,
                     size_t *offset)
{
    bc_model *m = c->m;
    if (m->n_inputs == c->cap_inputs) {
        size_t cap = c->cap_inputs ? 2 * c->cap_inputs : 32;
        bc_input *in = bc_realloc(m->inputs, cap * sizeof *in);
        if (!in)
            return bc_myaml_oom(c);
        m->inputs = in;
        c->cap_inputs = cap;
    }
    bc_input *in = &m->inputs[m->n_inputs];
    memset(in, 0, sizeof *in);
    int rc;
    if (n->type == BC_Y_MAP) {
        rc = get_dist(c, n, name, &in->dist);
    } else {
        double v;
        rc = bc_myaml_get_number(c, n, name, &v);
        if (!rc)
            bc_dist_fixed(&in->dist, v);
    }
    if (rc)
        return rc;
    in->name = bc_strdup(name);
    if (!in->name) {
        bc_dist_free(&in->dist);
        return bc_myaml_oom(c);
    }
    in->dim = dim;
    in->offset = m->dim;
    in->line = n->line;
    in->col = n->col;
    m->n_inputs++;
    m->dim += dim;
    if (offset)
        *offset = in->offset;

    in->lo = b.lo;
    in->hi = b.hi;
    in->lo_strict = b.lo_strict;
    bc_error berr;
    if (bc_input_check(in, &in->dist, &berr))
        return bc_myaml_perr(c, n, "%s", berr.msg);
    return BC_OK;
}

static int parse_unemployment(bc_myaml_ctx *c, const bc_ynode *n)
{
    static const char *const keys[] = {"drift", "volatility", NULL};
    const bc_ynode *f[2] = {0};
    bc_bcase *bc = c->bc;
    int rc;
    if (n && (rc = map_keys(c, n, "unemployment", keys, f)))
        return rc;
    /* drift g > -1, since ln U uses ln(1+g) */
    bounds drift = {-1, INFINITY, 1};
    if (f[0]) {
        if ((rc = add_input(c, f[0], "unemployment.drift", drift, 1, &bc->x_drift)))
            return rc;
    } else {
        bc_ynode zero = {.type = BC_Y_SCALAR, .str = "0", .len = 1, .plain = 1,
                         .line = n ? n->line : 1, .col = n ? n->col : 1};
        if ((rc = add_input(c, &zero, "unemployment.drift", drift, 1, &bc->x_drift)))
            return rc;
        c->m->inputs[c->m->n_inputs - 1].line = 0;
        c->m->inputs[c->m->n_inputs - 1].col = 0;
    }
    bc->volatility = 0;
    if (f[1]) {
        if ((rc = bc_myaml_get_number(c, f[1], "unemployment.volatility", &bc->volatility)))
            return rc;
        if (bc->volatility < 0)
            return bc_myaml_perr(c, f[1], "unemployment.volatility must be >= 0");
    }
    if (bc->volatility > 0) {
        /* the H yearly shocks, one input group of standard normals */
        bc_model *m = c->m;
        if (m->n_inputs == c->cap_inputs) {
            bc_input *in = bc_realloc(m->inputs, (c->cap_inputs + 32) * sizeof *in);
            if (!in)
                return bc_myaml_oom(c);
            m->inputs = in;
            c->cap_inputs += 32;
        }
        bc_input *in = &m->inputs[m->n_inputs];
        memset(in, 0, sizeof *in);
        bc_dist_params p;
        memset(&p, 0, sizeof p);
        p.kind = BC_DIST_NORMAL;
        p.v[BC_P_MEAN] = 0;
        p.v[BC_P_SD] = 1;
        p.given = (1u << BC_P_MEAN) | (1u << BC_P_SD);
        if (bc_dist_init(&in->dist, &p, NULL, c->err))
            return bc_myaml_perr(c, f[1], "internal error making the shocks");
        in->name = bc_strdup("unemployment.shocks");
        if (!in->name)
            return bc_myaml_oom(c);
        in->dim = c->m->years;
        in->offset = m->dim;
        in->line = f[1]->line;
        in->col = f[1]->col;
        bc->has_shocks = 1;
        bc->x_shocks = in->offset;
        m->n_inputs++;
        m->dim += in->dim;
    }
    return BC_OK;
}

/* Savings line i of proposal `pid` (`what` is "PID.savings"); `names` holds
 * the names of the lines before it. */
static int parse_saving(bc_myaml_ctx *c, const bc_ynode *item, const char *what, const char *pid,
                        bc_proposal *pr, size_t i, bc_name_map *names)
{
    static const char *const keys[] = {"name", "per", "amount", NULL};
    const bc_ynode *f[3];
    int rc = map_keys(c, item, "a savings line", keys, f);
    if (rc)
        return rc;
    bc_saving *sv = &pr->savings[i];
    if (!f[0])
        return missing(c, item, "a savings line", "name");
    if ((rc = get_ident(c, f[0], "savings name", &sv->name)))
        return rc;
    pr->n_savings = i + 1;
    long seen;
    if (bc_name_map_put(names, sv->name, i, &seen))
        return bc_myaml_oom(c);
    if (seen >= 0)
        return bc_myaml_perr(c, f[0], "duplicate savings line '%s' in proposal '%s'", sv->name,
                             pid);
    if (!f[1])
        return missing(c, item, "a savings line", "per");
    if (f[1]->type == BC_Y_SCALAR && strcmp(f[1]->str, "fte") == 0)
        sv->per = BC_PER_FTE;
    else if (f[1]->type == BC_Y_SCALAR && strcmp(f[1]->str, "exit") == 0)
        sv->per = BC_PER_EXIT;
    else if (f[1]->type == BC_Y_SCALAR && strcmp(f[1]->str, "year") == 0)
        sv->per = BC_PER_YEAR;
    else
        return bc_myaml_perr(c, f[1], "%s.%s: 'per' must be fte, exit or year, found '%.40s'", what,
                             sv->name,
                             f[1]->type == BC_Y_SCALAR ? f[1]->str : bc_myaml_type_name(f[1]));
    if (!f[2])
        return missing(c, item, "a savings line", "amount");
    char name[200];
    snprintf(name, sizeof name, "%s.%s", what, sv->name);
    return add_input(c, f[2], name, ANY, 1, &sv->x_amount);
}

static int parse_savings(bc_myaml_ctx *c, const bc_ynode *n, const char *pid, bc_proposal *pr)
{
    char what[128];
    snprintf(what, sizeof what, "%s.savings", pid);
    if (n->type != BC_Y_SEQ)
        return bc_myaml_perr(c, n, "%s must be a list, found %s", what, bc_myaml_type_name(n));
    pr->savings = bc_calloc(n->n ? n->n : 1, sizeof *pr->savings);
    if (!pr->savings)
        return bc_myaml_oom(c);
    bc_name_map names = {0};
    int rc = BC_OK;
    for (size_t i = 0; i < n->n && !rc; i++)
        rc = parse_saving(c, n->kids[i], what, pid, pr, i, &names);
    bc_name_map_free(&names);
    return rc;
}

enum {
    K_ID, K_NAME, K_INVESTMENT, K_PROFILE, K_PARTICIPANTS, K_EFFECT, K_ELASTICITY, K_START,
    K_DURATION, K_UNIT_COST, K_INDEX, K_SAVINGS, K_COUNT
};

static int parse_proposal(bc_myaml_ctx *c, const bc_ynode *n, size_t p)
{
    static const char *const keys[] = {
        "id", "name", "investment", "investment_profile", "participants", "effect",
        "elasticity", "start", "duration", "unit_cost", "unit_cost_index", "savings", NULL};
    const bc_ynode *f[K_COUNT];
    bc_model *m = c->m;
    bc_proposal *pr = &c->bc->proposals[p];
    int rc = map_keys(c, n, "a proposal", keys, f);
    if (rc)
        return rc;
    if (!f[K_ID])
        return missing(c, n, "a proposal", "id");
    if ((rc = get_ident(c, f[K_ID], "proposal id", &m->output_ids[p])))
        return rc;
    const char *id = m->output_ids[p];
    if (strcmp(id, "portfolio") == 0 || strcmp(id, "unemployment") == 0)
        return bc_myaml_perr(c, f[K_ID], "proposal id '%s' is reserved", id);
    long seen;
    if (bc_name_map_put(&c->ids, id, p, &seen))
        return bc_myaml_oom(c);
    if (seen >= 0)
        return bc_myaml_perr(c, f[K_ID], "duplicate proposal id '%s'", id);
    if (f[K_NAME])
        rc = get_string(c, f[K_NAME], "name", &m->output_names[p]);
    else
        rc = (m->output_names[p] = bc_strdup(id)) ? BC_OK : bc_myaml_oom(c);
    if (rc)
        return rc;

    static const struct {
        int key;
        const char *field;
        int required;
        bounds b;
    } fields[] = {
        {K_INVESTMENT, "investment", 1, {0, INFINITY, 0}},
        {K_PARTICIPANTS, "participants", 1, {0, INFINITY, 0}},
        {K_EFFECT, "effect", 1, {-1, 1, 0}},
        {K_ELASTICITY, "elasticity", 0, {-INFINITY, INFINITY, 0}},
        {K_START, "start", 0, {0, INFINITY, 0}},
        {K_DURATION, "duration", 1, {0, INFINITY, 1}},
        {K_UNIT_COST, "unit_cost", 1, {0, INFINITY, 0}},
    };
    size_t *offs[] = {&pr->x_investment, &pr->x_participants, &pr->x_effect,
                      &pr->x_elasticity, &pr->x_start,        &pr->x_duration,
                      &pr->x_unit_cost};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s.%s", id, fields[i].field);
        const bc_ynode *v = f[fields[i].key];
        if (!v && fields[i].required)
            return bc_myaml_perr(c, n, "proposal '%s' is missing the required key '%s'", id,
                                 fields[i].field);
        bc_ynode zero = {.type = BC_Y_SCALAR, .str = "0", .len = 1, .plain = 1,
                         .line = 0, .col = 0};
        if ((rc = add_input(c, v ? v : &zero, name, fields[i].b, 1, offs[i])))
            return rc;
    }
    pr->profile = c->bc->yearly + 2 * m->years * p;
    pr->index = pr->profile + m->years;
    for (size_t t = 0; t < m->years; t++)
        pr->profile[t] = pr->index[t] = 1.0;
    char what[160];
    if (f[K_PROFILE]) {
        snprintf(what, sizeof what, "%s.investment_profile", id);
        if ((rc = get_vector(c, f[K_PROFILE], what, m->years, pr->profile)))
            return rc;
    }
    if (f[K_INDEX]) {
        snprintf(what, sizeof what, "%s.unit_cost_index", id);
        if ((rc = get_vector(c, f[K_INDEX], what, m->years, pr->index)))
            return rc;
        for (size_t t = 0; t < m->years; t++)
            if (pr->index[t] < 0)
                return bc_myaml_perr(c, f[K_INDEX]->kids[t], "%s must not be negative", what);
    }
    if (f[K_SAVINGS] && (rc = parse_savings(c, f[K_SAVINGS], id, pr)))
        return rc;
    return BC_OK;
}

/* Room for more proposals (twice as many, at most `total`): the proposals,
 * their years, and the outputs' ids and names (one more: the portfolio). New
 * entries are zero, so that a model given up half-read frees cleanly; the
 * proposals' pointers into `yearly` follow it when it moves. */
static int grow_proposals(bc_myaml_ctx *c, size_t total)
{
    bc_bcase *bc = c->bc;
    bc_model *m = c->m;
    const size_t old = bc->n_proposals, H = m->years;
    const size_t cap = old == 0 ? (total < 64 ? total : 64) : (2 * old < total ? 2 * old : total);
    bc_proposal *pr = bc_realloc(bc->proposals, cap * sizeof *pr);
    if (pr)
        bc->proposals = pr;
    double *y = bc_realloc(bc->yearly, cap * 2 * H * sizeof *y);
    if (y)
        bc->yearly = y;
    char **ids = bc_realloc(m->output_ids, (cap + 1) * sizeof *ids);
    if (ids)
        m->output_ids = ids;
    char **names = bc_realloc(m->output_names, (cap + 1) * sizeof *names);
    if (names)
        m->output_names = names;
    if (!pr || !y || !ids || !names)
        return bc_myaml_oom(c);
    memset(pr + old, 0, (cap - old) * sizeof *pr);
    memset(ids + old, 0, (cap + 1 - old) * sizeof *ids);
    memset(names + old, 0, (cap + 1 - old) * sizeof *names);
    for (size_t p = 0; p < old; p++) {
        pr[p].profile = y + 2 * H * p;
        pr[p].index = pr[p].profile + H;
    }
    bc->n_proposals = cap;
    m->n_outputs = cap + 1;
    return BC_OK;
}

static int parse_root(bc_myaml_ctx *c, const bc_ynode *root)
{
    static const char *const keys[] = {"model", "title", "horizon", "discount_rate",
                                       "unemployment", "proposals", "correlations", "groups",
                                       NULL};
    enum { R_MODEL, R_TITLE, R_HORIZON, R_DISCOUNT, R_UNEMP, R_PROPOSALS, R_CORR, R_GROUPS };
    const bc_ynode *f[8];
    bc_model *m = c->m;
    int rc = map_keys(c, root, "the model file", keys, f);
    if (rc)
        return rc;
    if (!f[R_MODEL])
        return missing(c, root, "the model file", "model");
    if ((rc = get_ident(c, f[R_MODEL], "model", &m->id)))
        return rc;
    if (f[R_TITLE] && (rc = get_string(c, f[R_TITLE], "title", &m->title)))
        return rc;

    m->start_year = 2026;
    m->years = 5;
    if (f[R_HORIZON]) {
        static const char *const hkeys[] = {"start_year", "years", NULL};
        const bc_ynode *h[2];
        long v = 0;
        if ((rc = map_keys(c, f[R_HORIZON], "horizon", hkeys, h)))
            return rc;
        if (h[0]) {
            if ((rc = get_int(c, h[0], "horizon.start_year", 1900, 2500, &v)))
                return rc;
            m->start_year = (int)v;
        }
        if (h[1]) {
            if ((rc = get_int(c, h[1], "horizon.years", 1, BC_MAX_YEARS, &v)))
                return rc;
            m->years = (size_t)v;
        }
    }
    m->discount_rate = 0;
    if (f[R_DISCOUNT]) {
        if ((rc = bc_myaml_get_number(c, f[R_DISCOUNT], "discount_rate", &m->discount_rate)))
            return rc;
        if (!(m->discount_rate > -1))
            return bc_myaml_perr(c, f[R_DISCOUNT], "discount_rate must be greater than -1");
    }
    for (size_t t = 0; t < m->years; t++)
        m->disc[t] = pow(1 + m->discount_rate, -(double)t);

    if ((rc = parse_unemployment(c, f[R_UNEMP])))
        return rc;

    const bc_ynode *ps = f[R_PROPOSALS];
    if (!ps)
        return missing(c, root, "the model file", "proposals");
    if (ps->type != BC_Y_SEQ)
        return bc_myaml_perr(c, ps, "proposals must be a list, found %s", bc_myaml_type_name(ps));
    if (ps->n == 0)
        return bc_myaml_perr(c, ps, "proposals must be a non-empty list");
    /* The arrays grow with the proposals read, so that a long list of bad
     * items is refused at the first, not after an allocation sized by the list. */
    const size_t P = ps->n;
    for (size_t p = 0; p < P; p++) {
        if (p == c->bc->n_proposals && (rc = grow_proposals(c, P)))
            return rc;
        if ((rc = parse_proposal(c, ps->kids[p], p)))
            return rc;
    }
    c->bc->n_proposals = P;
    m->n_outputs = P + 1;
    m->output_ids[P] = bc_strdup("portfolio");
    m->output_names[P] = bc_strdup("Portfolio (all proposals)");
    if (!m->output_ids[P] || !m->output_names[P])
        return bc_myaml_oom(c);

    if (f[R_CORR] && (rc = bc_myaml_correlations(c, f[R_CORR])))
        return rc;
    if (f[R_GROUPS] && (rc = bc_myaml_groups(c, f[R_GROUPS])))
        return rc;
    return BC_OK;
}

int bc_model_load_string(const char *text, size_t len, const char *filename, bc_model **out,
                         bc_error *err)
{
    *out = NULL;
    gsl_set_error_handler_off();
    if (!filename)
        filename = "<model>";
    bc_ynode *root = NULL;
    int rc = bc_yaml_parse(text, len, filename, &root, err);
    if (rc)
        return rc;
    bc_myaml_ctx c = {.file = filename, .err = err};
    if (!root || (root->type == BC_Y_SCALAR && root->plain && root->len == 0)) {
        rc = bc_error_set(err, BC_EINVAL, "%s:1:1: the model file is empty", filename);
        goto done;
    }
    c.m = bc_calloc(1, sizeof *c.m);
    c.bc = bc_calloc(1, sizeof *c.bc);
    if (!c.m || !c.bc) {
        bc_free(c.bc);
        rc = bc_myaml_oom(&c);
        goto done;
    }
    c.m->type = &bc_model_type_bcase;
    c.m->impl = c.bc;
    rc = parse_root(&c, root);
    bc_name_map_free(&c.ids);
    if (!rc) {
        c.m->filename = bc_strdup(filename);
        c.m->text = bc_malloc(len + 1);
        if (!c.m->filename || !c.m->text)
            rc = bc_myaml_oom(&c);
        else {
            memcpy(c.m->text, text, len);
            c.m->text[len] = '\0';
        }
    }
done:
    bc_yaml_free(root);
    if (rc) {
        bc_model_free(c.m);
        return rc;
    }
    *out = c.m;
    return BC_OK;
}

int bc_model_load_file(const char *path, bc_model **out, bc_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return bc_error_set(err, BC_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = BC_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_FILE_BYTES) {
                rc = bc_error_set(err, BC_EINVAL, "%s: larger than %u MiB; not a model file",
                                  path, MAX_FILE_BYTES >> 20);
                break;
            }
            cap = cap ? 2 * cap : 65536;
            char *nb = bc_realloc(buf, cap + 1);
            if (!nb) {
                rc = bc_error_set(err, BC_ENOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp))
                rc = bc_error_set(err, BC_EIO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
    fclose(fp);
    if (!rc)
        rc = bc_model_load_string(buf ? buf : "", len, path, out, err);
    bc_free(buf);
    return rc;
}
