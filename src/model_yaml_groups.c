/* model_yaml_groups.c: the groups of inputs a model file names
 * (docs/model-file.md, "Groups"), read by model_yaml.c after the inputs:
 * NAME: [input, ...] for the value of information of learning the inputs
 * together (docs/decision.md). Every error names FILE:LINE:COL. */
#include <string.h>

#include "alloc_int.h"
#include "model_yaml_int.h"

/* Group g's inputs from the list l, checked against the inputs (names). */
static int read_group(bc_myaml_ctx *c, const bc_ynode *key, const bc_ynode *l,
                      const bc_name_map *names, bc_input_group *g)
{
    if (l->type != BC_Y_SEQ || l->n == 0)
        return bc_myaml_perr(c, l, "group '%.80s' must be a non-empty list of inputs, found %s",
                             key->str, l->type == BC_Y_SEQ ? "an empty list" : bc_myaml_type_name(l));
    g->inputs = bc_malloc(l->n * sizeof *g->inputs);
    if (!g->inputs)
        return bc_myaml_oom(c);
    for (size_t i = 0; i < l->n; i++) {
        const bc_ynode *e = l->kids[i];
        if (e->type != BC_Y_SCALAR)
            return bc_myaml_perr(c, e, "group '%.80s' names inputs, found %s", key->str,
                                 bc_myaml_type_name(e));
        const long idx = bc_name_map_get(names, e->str);
        if (idx < 0)
            return bc_myaml_perr(c, e, "unknown input '%.80s' in group '%.80s'", e->str, key->str);
        for (size_t j = 0; j < g->n; j++)
            if (g->inputs[j] == (size_t)idx)
                return bc_myaml_perr(c, e, "'%.80s' is in group '%.80s' twice", e->str,
                                     key->str);
        g->inputs[g->n++] = (size_t)idx;
    }
    return BC_OK;
}

int bc_myaml_groups(bc_myaml_ctx *c, const bc_ynode *n)
{
    bc_model *m = c->m;
    if (n->type != BC_Y_MAP)
        return bc_myaml_perr(c, n, "groups must be a mapping of NAME: [input, ...], found %s",
                             bc_myaml_type_name(n));
    const size_t G = n->n / 2;
    m->groups = bc_calloc(G ? G : 1, sizeof *m->groups);
    if (!m->groups)
        return bc_myaml_oom(c);
    bc_name_map names = {0}, seen = {0};
    int rc = BC_OK;
    for (size_t i = 0; !rc && i < m->n_inputs; i++) {
        long old;
        if (bc_name_map_put(&names, m->inputs[i].name, i, &old))
            rc = bc_myaml_oom(c);
    }
    for (size_t g = 0; !rc && g < G; g++) {
        const bc_ynode *key = n->kids[2 * g], *val = n->kids[2 * g + 1];
        long old;
        if (key->type != BC_Y_SCALAR || key->len == 0)
            rc = bc_myaml_perr(c, key, "a group needs a name");
        else if (bc_name_map_put(&seen, key->str, g, &old))
            rc = bc_myaml_oom(c);
        else if (old >= 0)
            rc = bc_myaml_perr(c, key, "group '%.80s' is named twice", key->str);
        if (rc)
            break;
        bc_input_group *gr = &m->groups[g];
        m->n_groups = g + 1; /* freed with the model from here on */
        gr->line = key->line;
        gr->col = key->col;
        if (!(gr->name = bc_strdup(key->str)))
            rc = bc_myaml_oom(c);
        else
            rc = read_group(c, key, val, &names, gr);
    }
    bc_name_map_free(&names);
    bc_name_map_free(&seen);
    return rc;
}
