/* builtin.c: built-in analytic test models (Ishigami, Sobol' G) as kinds of
 * model, made by name with bc_model_builtin. Their moments and Sobol'
 * indices are known in closed form, so the sensitivity estimators can be
 * checked through the same sampler, engine and output code as a model file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "alloc_int.h"
#include "model_int.h"

/* The longest unknown name quoted whole in a message. */
#define QUOTE_MAX 200

/* Inputs of the G function. */
#define G_DIM 8

typedef struct ishigami_consts {
    double a, b;
} ishigami_consts;

typedef struct sobol_g_consts {
    double a[G_DIM];
} sobol_g_consts;

/* The detail arrays have no meaning for a test function: zero them when the
 * caller asked for them. */
static void zero_detail(size_t n, const bc_batch_out *out)
{
    double *const detail[4] = {out->fte, out->investment, out->benefit_savings,
                               out->other_savings};
    for (int a = 0; a < 4; a++)
        if (detail[a])
            for (size_t i = 0; i < n; i++)
                detail[a][i] = 0;
}

/* The test functions have one output and one year: gain column 2 (after the
 * average and the NPV). */
static void ishigami_eval(const bc_model *m, const double *x, size_t ldx, size_t n,
                          const bc_batch_out *out)
{
    const ishigami_consts *c = m->impl;
    double *f = out->v + 2 * out->ldv;
    for (size_t i = 0; i < n; i++) {
        const double s1 = sin(x[i]), s2 = sin(x[ldx + i]), x3 = x[2 * ldx + i];
        /* f = sin x1 + a sin^2 x2 + b x3^4 sin x1 */
        f[i] = s1 + c->a * s2 * s2 + c->b * (x3 * x3) * (x3 * x3) * s1;
    }
    zero_detail(n, out);
    bc_model_summarise(m, n, out, 0);
}

static void sobol_g_eval(const bc_model *m, const double *x, size_t ldx, size_t n,
                         const bc_batch_out *out)
{
    const sobol_g_consts *c = m->impl;
    double *f = out->v + 2 * out->ldv;
    for (size_t i = 0; i < n; i++) {
        /* f = prod_j (|4 x_j - 2| + a_j) / (1 + a_j) */
        double g = 1;
        for (size_t j = 0; j < G_DIM; j++)
            g *= (fabs(4 * x[j * ldx + i] - 2) + c->a[j]) / (1 + c->a[j]);
        f[i] = g;
    }
    zero_detail(n, out);
    bc_model_summarise(m, n, out, 0);
}

static const bc_model_type type_ishigami = {
    .name = "ishigami",
    .eval = ishigami_eval,
    .free_impl = bc_free,
};

static const bc_model_type type_sobol_g = {
    .name = "sobol-g",
    .eval = sobol_g_eval,
    .free_impl = bc_free,
};

static const ishigami_consts ishigami_default = {.a = 7, .b = 0.1};
static const sobol_g_consts sobol_g_default = {.a = {0, 1, 4.5, 9, 99, 99, 99, 99}};

/* One built-in model: its kind, constants, inputs x1..x<dim> ~ uniform(lo, hi)
 * and descriptions. The title and text state the constants above. */
typedef struct builtin {
    const char *name, *title, *text;
    const bc_model_type *type;
    const void *consts; /* copied into m->impl */
    size_t consts_size;
    size_t dim;
    double lo, hi;
} builtin;

/* The moments and first-order partial variances in the texts are the
 * textbook closed forms (e.g. Saltelli et al., Global Sensitivity Analysis:
 * The Primer, 2008); tests/test_builtin.c checks them by quadrature. */
static const builtin builtins[] = {
    {
        .name = "ishigami",
        .title = "Ishigami function (a = 7, b = 0.1)",
        .text = "# built-in test model: ishigami\n"
                "# f(x) = sin(x1) + a sin^2(x2) + b x3^4 sin(x1), a = 7, b = 0.1\n"
                "# x1, x2, x3 independent, uniform(-pi, pi)\n"
                "# mean a/2 = 3.5, variance V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.8446\n"
                "# first-order partial variances V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0\n",
        .type = &type_ishigami,
        .consts = &ishigami_default,
        .consts_size = sizeof ishigami_default,
        .dim = 3,
        .lo = -M_PI,
        .hi = M_PI,
    },
    {
        .name = "sobol-g",
        .title = "Sobol' G function (a = 0, 1, 4.5, 9, 99, 99, 99, 99)",
        .text = "# built-in test model: sobol-g\n"
                "# f(x) = prod_{i=1..8} (|4 x_i - 2| + a_i) / (1 + a_i),"
                " a = (0, 1, 4.5, 9, 99, 99, 99, 99)\n"
                "# x1..x8 independent, uniform(0, 1)\n"
                "# mean 1, variance V = prod_i (1 + V_i) - 1 = 0.465424\n"
                "# first-order partial variances V_i = 1 / (3 (1 + a_i)^2)\n",
        .type = &type_sobol_g,
        .consts = &sobol_g_default,
        .consts_size = sizeof sobol_g_default,
        .dim = G_DIM,
        .lo = 0,
        .hi = 1,
    },
};

#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

static const char *const builtin_names[N_BUILTINS + 1] = {"ishigami", "sobol-g", NULL};

const char *const *bc_model_builtin_names(void)
{
    return builtin_names;
}


int bc_model_builtin(const char *name, bc_model **out, bc_error *err)
{
    *out = NULL;
    const builtin *def = NULL;
    for (size_t k = 0; name && k < N_BUILTINS; k++)
        if (strcmp(name, builtins[k].name) == 0)
            def = &builtins[k];
    if (!def)
        return bc_error_set(err, BC_EINVAL,
                            "unknown test model '%.*s' (expected ishigami or sobol-g)", QUOTE_MAX,
                            name ? name : "");

    int rc = BC_OK;
    bc_model *m = bc_calloc(1, sizeof *m);
    if (!m)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    m->type = def->type;
    m->start_year = 1;
    m->years = 1;
    m->discount_rate = 0;
    m->disc[0] = 1; /* (1+r)^-0 */
    m->impl = bc_malloc(def->consts_size);
    m->id = bc_strdup(def->name);
    m->title = bc_strdup(def->title);
    m->text = bc_strdup(def->text);
    m->filename = bc_malloc(strlen("builtin:") + strlen(def->name) + 1);
    m->inputs = bc_calloc(def->dim, sizeof *m->inputs);
    m->output_ids = bc_calloc(1, sizeof *m->output_ids);
    m->output_names = bc_calloc(1, sizeof *m->output_names);
    if (!m->impl || !m->id || !m->title || !m->text || !m->filename || !m->inputs ||
        !m->output_ids || !m->output_names)
        goto nomem;
    memcpy(m->impl, def->consts, def->consts_size);
    strcpy(m->filename, "builtin:");
    strcat(m->filename, def->name);

    /* From here bc_model_free releases whatever is set: zeroed names and
     * distributions are safe to free. */
    m->n_outputs = 1;
    m->output_ids[0] = bc_strdup("f");
    m->output_names[0] = bc_strdup("f(x)");
    if (!m->output_ids[0] || !m->output_names[0])
        goto nomem;
    m->n_inputs = def->dim;
    m->dim = def->dim;
    for (size_t i = 0; i < def->dim; i++) {
        bc_input *in = &m->inputs[i];
        char buf[32];
        snprintf(buf, sizeof buf, "x%zu", i + 1);
        if (!(in->name = bc_strdup(buf)))
            goto nomem;
        in->offset = i;
        in->dim = 1;
        in->line = in->col = 0;
        in->lo = -INFINITY;
        in->hi = INFINITY;
        in->lo_strict = 0;
        bc_dist_params p = {.kind = BC_DIST_UNIFORM, .given = (1u << BC_P_MIN) | (1u << BC_P_MAX)};
        p.v[BC_P_MIN] = def->lo;
        p.v[BC_P_MAX] = def->hi;
        int bad_key;
        bc_error derr;
        bc_error_clear(&derr);
        if ((rc = bc_dist_init(&in->dist, &p, &bad_key, &derr))) {
            /* the constants above are valid: only a bug gets here */
            bc_dist_fixed(&in->dist, 0);
            rc = bc_error_set(err, rc == BC_ENOMEM ? BC_ENOMEM : BC_EINTERNAL,
                              "test model %s, input %s: %s", def->name, in->name, derr.msg);
            goto fail;
        }
    }
    *out = m;
    return BC_OK;

nomem:
    rc = bc_error_set(err, BC_ENOMEM, "out of memory");
fail:
    bc_model_free(m);
    return rc;
}
