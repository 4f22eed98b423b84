/* model_yaml_int.h: what the two halves of the model-file reader share,
 * model_yaml.c (the file's structure, inputs and proposals) and
 * model_yaml_corr.c (the correlations and the copula's check): the reading
 * context, the table from names to indices, the error messages that name
 * FILE:LINE:COL, and the reading of a number. */
#ifndef BCSIM_MODEL_YAML_INT_H
#define BCSIM_MODEL_YAML_INT_H

#include <stddef.h>

#include "model_int.h"
#include "strutil_int.h"
#include "yaml_int.h"

/* A hash table from names to indices, for the duplicate checks and the
 * look-ups of correlated inputs: linear in the size of the file, where
 * comparing each name with every earlier one took 28 s for 10^5 proposals.
 * Open addressing over a power-of-two table kept at most half full; the keys
 * belong to the caller and must outlive the table. A zeroed table is empty. */
typedef struct bc_name_map {
    const char **key;          /* NULL: empty slot */
    size_t *val;
    size_t cap, n;
} bc_name_map;

void bc_name_map_free(bc_name_map *t);

/* The value of `name`, or -1. */
long bc_name_map_get(const bc_name_map *t, const char *name);

/* Add name -> val, unless the name is there: then *old is its value and the
 * table is unchanged. *old is -1 when the name is new. BC_OK or BC_ENOMEM. */
int bc_name_map_put(bc_name_map *t, const char *name, size_t val, long *old);

/* The state of one reading of a model file. */
typedef struct bc_myaml_ctx {
    const char *file;
    bc_error *err;
    bc_model *m;
    bc_bcase *bc;
    size_t cap_inputs;
    bc_name_map ids;           /* proposal ids seen so far */
} bc_myaml_ctx;

/* Report an error at a node's position. Always returns BC_EINVAL. */
int bc_myaml_perr(bc_myaml_ctx *c, const bc_ynode *n, const char *fmt, ...) BC_PRINTF(3, 4);

/* Report that memory ran out. Always returns BC_ENOMEM. */
int bc_myaml_oom(bc_myaml_ctx *c);

/* "a mapping", "a list" or "a scalar", for messages. */
const char *bc_myaml_type_name(const bc_ynode *n);

/* A plain scalar that is a finite number. */
int bc_myaml_get_number(bc_myaml_ctx *c, const bc_ynode *n, const char *what, double *out);

/* The `correlations` list (model_yaml_corr.c): [[a, b, rho], ...] over the
 * inputs read so far, then the Gaussian copula's matrix must be positive
 * definite. Fills c->m->corr and c->m->n_corr. */
int bc_myaml_correlations(bc_myaml_ctx *c, const bc_ynode *n);

/* The `groups` mapping (model_yaml_groups.c): NAME: [input, ...], each a
 * model input, none twice, group names different. Fills c->m->groups. */
int bc_myaml_groups(bc_myaml_ctx *c, const bc_ynode *n);

#endif
