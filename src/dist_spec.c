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

int bc_dist_parse_spec(const char *text, bc_dist *out, bc_error *err)
{
    bc_dist_params p;
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    double *vals = NULL, *wts = NULL;
    size_t len = strlen(text);
    char *copy = bc_malloc(len + 1);
    if (!copy)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    memcpy(copy, text, len + 1);
    int rc = BC_OK;
    char *s = trim(copy);

    if (*s == '\0') {
        rc = bad(err, text, "expected a number or KIND:PARAMETERS such as pert:0,0.1,0.2");
        goto out;
    }
    char *colon = strchr(s, ':');
    if (!colon) {
        double v;
        int r = read_number(s, &v);
        if (r == 2)
            rc = bad(err, text, "'%.60s' is not a finite number", s);
        else if (r)
            rc = bad(err, text,
                     "'%.60s' is not a number (expected a number or KIND:PARAMETERS such as "
                     "pert:0,0.1,0.2)",
                     s);
        else
            bc_dist_fixed(out, v);
        goto out;
    }

    *colon = '\0';
    const char *kname = trim(s);
    if (bc_dist_kind_from_name(kname, &p.kind)) {
        char kinds[160] = "";
        for (int k = BC_DIST_UNIFORM; k < BC_DIST_KIND_COUNT; k++) {
            append(kinds, sizeof kinds, k == BC_DIST_UNIFORM ? "" : ", ");
            append(kinds, sizeof kinds, bc_dist_kind_name((bc_dist_kind)k));
        }
        rc = bad(err, text, "unknown distribution '%.40s' (expected one of %s)", kname, kinds);
        goto out;
    }
    kname = bc_dist_kind_name(p.kind);
    char *params = trim(colon + 1);

    /* room for one value/weight pair per comma-separated token */
    size_t n_tokens = *params ? 1 : 0;
    for (const char *c = params; *c; c++)
        n_tokens += *c == ',';
    if (p.kind == BC_DIST_DISCRETE && n_tokens > 0) {
        vals = bc_malloc(n_tokens * sizeof *vals);
        wts = bc_malloc(n_tokens * sizeof *wts);
        if (!vals || !wts) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory");
            goto out;
        }
    }

    size_t n_pos = 0, n_pairs = 0;
    int named = 0;
    char *next = params;
    for (size_t i = 0; i < n_tokens; i++) {
        char *tok = next, *comma = strchr(next, ',');
        if (comma) {
            *comma = '\0';
            next = comma + 1;
        }
        tok = trim(tok);
        if (*tok == '\0') {
            rc = bad(err, text, "parameter %zu is empty", i + 1);
            goto out;
        }
        char *eq = strchr(tok, '=');
        if (eq) {
            *eq = '\0';
            const char *kn = trim(tok), *val = trim(eq + 1);
            int key = bc_dist_key_from_name(kn);
            if (key < 0 || key >= BC_P_SCALAR_COUNT ||
                !bc_dist_key_allowed(p.kind, (bc_dist_key)key)) {
                char keys[160];
                key_list(p.kind, keys, sizeof keys);
                rc = bad(err, text, "unknown key '%.40s' in a %s distribution (expected: %s)", kn,
                         kname, keys);
                goto out;
            }
            if (p.given & BIT(key)) {
                rc = bad(err, text, "'%s' is given twice", kn);
                goto out;
            }
            if ((rc = number(err, text, val, &p.v[key])))
                goto out;
            p.given |= BIT(key);
            named = 1;
            continue;
        }
        if (named) {
            rc = bad(err, text,
                     "positional parameter '%.60s' after a named one (named parameters go "
                     "last)",
                     tok);
            goto out;
        }
        if (p.kind == BC_DIST_DISCRETE) {
            char *slash = strchr(tok, '/');
            if (!slash) {
                rc = bad(err, text,
                         "discrete scenarios are value/weight pairs such as 0.1/2, found "
                         "'%.60s'",
                         tok);
                goto out;
            }
            *slash = '\0';
            if ((rc = number(err, text, trim(tok), &vals[n_pairs])) ||
                (rc = number(err, text, trim(slash + 1), &wts[n_pairs])))
                goto out;
            n_pairs++;
            continue;
        }
        if (positional[p.kind][n_pos] < 0) {
            char keys[160];
            size_t most = 0;
            while (positional[p.kind][most] >= 0)
                most++;
            keys[0] = '\0';
            for (size_t j = 0; j < most; j++) {
                append(keys, sizeof keys, j ? ", " : "");
                append(keys, sizeof keys, bc_dist_key_name((bc_dist_key)positional[p.kind][j]));
            }
            rc = bad(err, text,
                     "too many parameters: '%.60s' is number %zu, but a %s distribution takes "
                     "at most %zu in order (%s); give others by name",
                     tok, n_pos + 1, kname, most, keys);
            goto out;
        }
        int key = positional[p.kind][n_pos++];
        if ((rc = number(err, text, tok, &p.v[key])))
            goto out;
        p.given |= BIT(key);
    }

    if (p.kind == BC_DIST_DISCRETE) {
        if (n_pairs == 0) {
            rc = bad(err, text, "a discrete distribution needs at least one value/weight pair");
            goto out;
        }
        p.values = vals;
        p.weights = wts;
        p.n_values = p.n_weights = n_pairs;
        p.given |= BIT(BC_P_VALUES) | BIT(BC_P_WEIGHTS);
    }
    bc_error derr;
    bc_error_clear(&derr);
    rc = bc_dist_init(out, &p, NULL, &derr);
    if (rc == BC_EINVAL)
        rc = bad(err, text, "%s", derr.msg);
    else if (rc)
        rc = bc_error_set(err, rc, "%s", derr.msg);
out:
    if (rc)
        memset(out, 0, sizeof *out);
    bc_free(vals);
    bc_free(wts);
    bc_free(copy);
    return rc;
}
