/* yaml_int.h: a small YAML tree with source positions, read with libyaml's
 * event parser. Aliases, tags and NUL characters are refused, depth is
 * bounded. */
#ifndef BCSIM_YAML_INT_H
#define BCSIM_YAML_INT_H

#include <stddef.h>

#include "bcsim/error.h"

typedef enum { BC_Y_SCALAR, BC_Y_SEQ, BC_Y_MAP } bc_ytype;

typedef struct bc_ynode {
    bc_ytype type;
    int line, col;           /* 1-based start position */
    char *str;               /* scalar text (NUL-terminated; in `text` for a parsed node) */
    size_t len;              /* scalar length in bytes */
    int plain;               /* scalar written without quotes */
    struct bc_ynode **kids;  /* SEQ: items; MAP: key0, value0, key1, value1, ... */
    size_t n;                /* number of entries in kids */
    size_t cap;
    char text[];             /* a scalar's text, in the node's own allocation */
} bc_ynode;

/* The deepest nesting accepted. */
#define BC_YAML_MAX_DEPTH 32

/* Parse one YAML document from text. On success *root is the tree (NULL for
 * an empty document). On failure returns BC_EINVAL with "FILE:LINE:COL: msg"
 * in err, or BC_ENOMEM. */
int bc_yaml_parse(const char *text, size_t len, const char *file, bc_ynode **root,
                  bc_error *err);

void bc_yaml_free(bc_ynode *node);

/* Map lookup: the value node of `key`, or NULL. */
const bc_ynode *bc_yaml_get(const bc_ynode *map, const char *key);

#endif
