/* dist_spec.c: distributions from a compact text such as "pert:0,0.1,0.2" or
 * "0.15", for command-line overrides (see bc_dist_parse_spec in dist.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/dist.h"

#include "alloc_int.h"

#define BIT(k) (1u << (k))

/* The longest spec quoted whole in a message. */
#define QUOTE_MAX 200

/* Positional parameters per kind, in order; -1 ends the list. Discrete takes
 * value/weight pairs instead. */
static const int positional[BC_DIST_KIND_COUNT][5] = {
    [BC_DIST_FIXED] = {-1},
    [BC_DIST_UNIFORM] = {BC_P_MIN, BC_P_MAX, -1},
    [BC_DIST_NORMAL] = {BC_P_MEAN, BC_P_SD, BC_P_MIN, BC_P_MAX, -1},
    [BC_DIST_LOGNORMAL] = {BC_P_MEAN, BC_P_SD, -1},
    [BC_DIST_TRIANGULAR] = {BC_P_MIN, BC_P_MODE, BC_P_MAX, -1},
    [BC_DIST_PERT] = {BC_P_MIN, BC_P_MODE, BC_P_MAX, BC_P_LAMBDA, -1},
    [BC_DIST_BETA] = {BC_P_MEAN, BC_P_SD, BC_P_MIN, BC_P_MAX, -1},
    [BC_DIST_GAMMA] = {BC_P_MEAN, BC_P_SD, -1},
    [BC_DIST_DISCRETE] = {-1},
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Strip leading and trailing whitespace in place. */
static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && is_space(end[-1]))
        *--end = '\0';
    return s;
}

/* Read all of `tok` as a finite decimal number. Returns 0 on success, 1 if it
 * is not a number (empty, trailing text, hex), 2 if it is not finite (nan,
 * inf, overflow). Underflow to a tiny or zero value is accepted, as in model
 * files. */
static int read_number(const char *tok, double *out)
{
    char *end = NULL;
    if (tok[0] == '\0' || is_space(tok[0]) || strchr(tok, 'x') || strchr(tok, 'X'))
        return 1;
    errno = 0;
    double v = strtod(tok, &end);
    if (end == tok || *end != '\0')
        return 1;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return 2;
    *out = v;
    return 0;
}

/* Append `s` to buf (size `size`), truncating. */
static void append(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);
    if (len + 1 < size)
        strncat(buf, s, size - len - 1);
}

/* The keys a kind accepts in the compact form, positional ones first:
 * "min, mode, max, lambda, base". */
static void key_list(bc_dist_kind kind, char *buf, size_t size)
{
    unsigned listed = 0;
    buf[0] = '\0';
    for (int i = 0; positional[kind][i] >= 0; i++) {
        append(buf, size, buf[0] ? ", " : "");
        append(buf, size, bc_dist_key_name((bc_dist_key)positional[kind][i]));
        listed |= BIT(positional[kind][i]);
    }
    for (int k = 0; k < BC_P_SCALAR_COUNT; k++)
        if (bc_dist_key_allowed(kind, (bc_dist_key)k) && !(listed & BIT(k))) {
            append(buf, size, buf[0] ? ", " : "");
            append(buf, size, bc_dist_key_name((bc_dist_key)k));
        }
}

/* Failure with the spec quoted first: "'TEXT': message". Returns BC_EINVAL. */
static int bad(bc_error *err, const char *text, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int bad(bc_error *err, const char *text, const char *fmt, ...)
{
    char msg[BC_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bc_error_set(err, BC_EINVAL, "'%.*s%s': %s", QUOTE_MAX, text,
                        strlen(text) > QUOTE_MAX ? "..." : "", msg);
}

/* A number token, or a failure naming it. */
static int number(bc_error *err, const char *text, const char *tok, double *out)
{
    switch (read_number(tok, out)) {
    case 0:
        return BC_OK;
    case 2:
        return bad(err, text, "'%.60s' is not a finite number", tok);
    default:
        return bad(err, text, "'%.60s' is not a number", tok);
    }
}

/* What reading the parameters of one spec has found so far. */
typedef struct spec_read {
    const char *text;          /* the whole spec, for messages */
    const char *kname;
    bc_dist_params p;
    double *vals, *wts;        /* a discrete's pairs, room for one per token */
    size_t n_pos, n_pairs;
    int named;                 /* a named parameter was seen: no more positional */
    bc_error *err;
} spec_read;

/* A spec without a colon: a fixed value. */
static int parse_fixed(const char *text, const char *s, bc_dist *out, bc_error *err)
{
    double v;
    int r = read_number(s, &v);
    if (r == 2)
        return bad(err, text, "'%.60s' is not a finite number", s);
    if (r)
        return bad(err, text,
                   "'%.60s' is not a number (expected a number or KIND:PARAMETERS such as "
                   "pert:0,0.1,0.2)",
                   s);
    bc_dist_fixed(out, v);
    return BC_OK;
}

/* The kind before the colon, or a failure listing the kinds. */
static int parse_kind(spec_read *r, const char *kname)
{
    if (!bc_dist_kind_from_name(kname, &r->p.kind)) {
        r->kname = bc_dist_kind_name(r->p.kind);
        return BC_OK;
    }
    char kinds[160] = "";
    for (int k = BC_DIST_UNIFORM; k < BC_DIST_KIND_COUNT; k++) {
        append(kinds, sizeof kinds, k == BC_DIST_UNIFORM ? "" : ", ");
        append(kinds, sizeof kinds, bc_dist_kind_name((bc_dist_kind)k));
    }
    return bad(r->err, r->text, "unknown distribution '%.40s' (expected one of %s)", kname, kinds);
}

/* KEY=VALUE. */
static int parse_named(spec_read *r, char *tok, char *eq)
{
    *eq = '\0';
    const char *kn = trim(tok), *val = trim(eq + 1);
    int key = bc_dist_key_from_name(kn);
    if (key < 0 || key >= BC_P_SCALAR_COUNT || !bc_dist_key_allowed(r->p.kind, (bc_dist_key)key)) {
        char keys[160];
        key_list(r->p.kind, keys, sizeof keys);
        return bad(r->err, r->text, "unknown key '%.40s' in a %s distribution (expected: %s)", kn,
                   r->kname, keys);
    }
    if (r->p.given & BIT(key))
        return bad(r->err, r->text, "'%s' is given twice", kn);
    int rc = number(r->err, r->text, val, &r->p.v[key]);
    if (rc)
        return rc;
    r->p.given |= BIT(key);
    r->named = 1;
    return BC_OK;
}

/* A discrete's VALUE/WEIGHT. */
static int parse_pair(spec_read *r, char *tok)
{
    char *slash = strchr(tok, '/');
    if (!slash)
        return bad(r->err, r->text,
                   "discrete scenarios are value/weight pairs such as 0.1/2, found '%.60s'", tok);
    *slash = '\0';
    int rc;
    if ((rc = number(r->err, r->text, trim(tok), &r->vals[r->n_pairs])) ||
        (rc = number(r->err, r->text, trim(slash + 1), &r->wts[r->n_pairs])))
        return rc;
    r->n_pairs++;
    return BC_OK;
}

/* The next parameter in the kind's order. */
static int parse_positional(spec_read *r, const char *tok)
{
    const int *order = positional[r->p.kind];
    if (order[r->n_pos] < 0) {
        char keys[160] = "";
        size_t most = 0;
        while (order[most] >= 0)
            most++;
        for (size_t j = 0; j < most; j++) {
            append(keys, sizeof keys, j ? ", " : "");
            append(keys, sizeof keys, bc_dist_key_name((bc_dist_key)order[j]));
        }
        return bad(r->err, r->text,
                   "too many parameters: '%.60s' is number %zu, but a %s distribution takes "
                   "at most %zu in order (%s); give others by name",
                   tok, r->n_pos + 1, r->kname, most, keys);
    }
    int key = order[r->n_pos++];
    int rc = number(r->err, r->text, tok, &r->p.v[key]);
    if (rc)
        return rc;
    r->p.given |= BIT(key);
    return BC_OK;
}

/* Token i (from 0) of the comma-separated parameters. */
static int parse_token(spec_read *r, char *tok, size_t i)
{
    tok = trim(tok);
    if (*tok == '\0')
        return bad(r->err, r->text, "parameter %zu is empty", i + 1);
    char *eq = strchr(tok, '=');
    if (eq)
        return parse_named(r, tok, eq);
    if (r->named)
        return bad(r->err, r->text,
                   "positional parameter '%.60s' after a named one (named parameters go last)",
                   tok);
    if (r->p.kind == BC_DIST_DISCRETE)
        return parse_pair(r, tok);
    return parse_positional(r, tok);
}

/* KIND:PARAMETERS, with the colon at `colon` in the writable s. */
static int parse_kind_params(spec_read *r, char *s, char *colon, bc_dist *out)
{
    *colon = '\0';
    int rc = parse_kind(r, trim(s));
    if (rc)
        return rc;
    char *params = trim(colon + 1);

    size_t n_tokens = *params ? 1 : 0;
    for (const char *c = params; *c; c++)
        n_tokens += *c == ',';
    if (r->p.kind == BC_DIST_DISCRETE && n_tokens > 0) {
        r->vals = bc_malloc(n_tokens * sizeof *r->vals);
        r->wts = bc_malloc(n_tokens * sizeof *r->wts);
        if (!r->vals || !r->wts)
            return bc_error_set(r->err, BC_ENOMEM, "out of memory");
    }
    char *next = params;
    for (size_t i = 0; i < n_tokens; i++) {
        char *tok = next, *comma = strchr(next, ',');
        if (comma) {
            *comma = '\0';
            next = comma + 1;
        }
        if ((rc = parse_token(r, tok, i)))
            return rc;
    }

    if (r->p.kind == BC_DIST_DISCRETE) {
        if (r->n_pairs == 0)
            return bad(r->err, r->text,
                       "a discrete distribution needs at least one value/weight pair");
        r->p.values = r->vals;
        r->p.weights = r->wts;
        r->p.n_values = r->p.n_weights = r->n_pairs;
        r->p.given |= BIT(BC_P_VALUES) | BIT(BC_P_WEIGHTS);
    }
    bc_error derr;
    bc_error_clear(&derr);
    rc = bc_dist_init(out, &r->p, NULL, &derr);
    if (rc == BC_EINVAL)
        return bad(r->err, r->text, "%s", derr.msg);
    if (rc)
        return bc_error_set(r->err, rc, "%s", derr.msg);
    return BC_OK;
}

int bc_dist_parse_spec(const char *text, bc_dist *out, bc_error *err)
{
    spec_read r;
    memset(&r, 0, sizeof r);
    r.text = text;
    r.err = err;
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    char *copy = bc_malloc(len + 1);
    if (!copy)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    memcpy(copy, text, len + 1);
    char *s = trim(copy), *colon = strchr(s, ':');
    int rc;
    if (*s == '\0')
        rc = bad(err, text, "expected a number or KIND:PARAMETERS such as pert:0,0.1,0.2");
    else if (!colon)
        rc = parse_fixed(text, s, out, err);
    else
        rc = parse_kind_params(&r, s, colon, out);
    if (rc)
        memset(out, 0, sizeof *out);
    bc_free(r.vals);
    bc_free(r.wts);
    bc_free(copy);
    return rc;
}
