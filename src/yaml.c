/* yaml.c: libyaml events to a positioned tree (see yaml_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "alloc_int.h"
#include "yaml_int.h"

void bc_yaml_free(bc_ynode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n; i++)
        bc_yaml_free(node->kids[i]);
    bc_free(node->kids);
    bc_free(node);
}

static int add_kid(bc_ynode *parent, bc_ynode *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 8;
        bc_ynode **k = bc_realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return BC_ENOMEM;
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return BC_OK;
}

/* libyaml's failure as FILE:LINE:COL: YAML syntax error: ... */
static int syntax_error(const yaml_parser_t *parser, const char *file, bc_error *err)
{
    /* An unclosed flow bracket is noticed later, possibly at the end
     * of the file: report where it opened. Otherwise report the
     * problem's place, and name where the enclosing construct began. */
    const yaml_mark_t *pm = &parser->problem_mark, *cm = &parser->context_mark;
    int flow = parser->context && strstr(parser->context, "flow") != NULL;
    const yaml_mark_t *at = flow ? cm : pm, *other = flow ? pm : cm;
    char where[80] = "";
    if (parser->context)
        snprintf(where, sizeof where, " (%s %d:%d)", flow ? "noticed at" : "which began at",
                 (int)other->line + 1, (int)other->column + 1);
    return bc_error_set(err, parser->error == YAML_MEMORY_ERROR ? BC_ENOMEM : BC_EINVAL,
                        "%s:%d:%d: YAML syntax error: %s%s%s%s", file, (int)at->line + 1,
                        (int)at->column + 1, parser->problem ? parser->problem : "unknown",
                        parser->context ? " " : "", parser->context ? parser->context : "",
                        where);
}

/* A node with room for `len` bytes of text and a NUL: one allocation per
 * scalar rather than two (10^5 proposals hold 1.4 million scalars). */
static bc_ynode *new_node(bc_ytype type, const yaml_mark_t *mark, size_t len)
{
    bc_ynode *n = bc_calloc(1, sizeof *n + len + 1);
    if (n) {
        n->type = type;
        n->line = (int)mark->line + 1;
        n->col = (int)mark->column + 1;
    }
    return n;
}

/* The tree being built: the open collections, innermost last. */
typedef struct tree_build {
    const char *file;
    bc_error *err;
    bc_ynode *stack[BC_YAML_MAX_DEPTH + 1];
    int depth;
    bc_ynode *top;
} tree_build;

/* *out: the node of a scalar or of the start of a collection, once checked:
 * no tags, no NUL in a scalar. */
static int event_node(tree_build *t, const yaml_event_t *ev, bc_ynode **out)
{
    const yaml_mark_t *mk = &ev->start_mark;
    int scalar = ev->type == YAML_SCALAR_EVENT;
    const yaml_char_t *tag = scalar ? ev->data.scalar.tag
                             : ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.tag
                                                                     : ev->data.mapping_start.tag;
    if (tag)
        return bc_error_set(t->err, BC_EINVAL,
                            "%s:%d:%d: YAML tags (%s) are not allowed in model files", t->file,
                            (int)mk->line + 1, (int)mk->column + 1, (const char *)tag);
    /* A NUL (written "\0" in a quoted string) would cut the text short for
     * every strcmp and strtod after this: "pert\0x" would read as pert.
     * Model files are text; refuse it here, once. */
    if (scalar && ev->data.scalar.length > 0 &&
        memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
        return bc_error_set(t->err, BC_EINVAL,
                            "%s:%d:%d: a NUL character (\\0) in a string; model files hold "
                            "text",
                            t->file, (int)mk->line + 1, (int)mk->column + 1);
    bc_ynode *node;
    if (scalar) {
        node = new_node(BC_Y_SCALAR, mk, ev->data.scalar.length);
        if (node) {
            node->len = ev->data.scalar.length;
            node->str = node->text; /* NUL-terminated by calloc */
            memcpy(node->str, ev->data.scalar.value, node->len);
            node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        }
    } else {
        node = new_node(ev->type == YAML_SEQUENCE_START_EVENT ? BC_Y_SEQ : BC_Y_MAP, mk, 0);
    }
    *out = node;
    return node ? BC_OK : bc_error_set(t->err, BC_ENOMEM, "%s: out of memory", t->file);
}

/* A scalar or the start of a collection: its node attached to the open
 * collection (or made the root), and a collection opened. */
static int add_event_node(tree_build *t, const yaml_event_t *ev)
{
    bc_ynode *node;
    int rc = event_node(t, ev, &node);
    if (rc)
        return rc;
    if (t->depth > 0) {
        bc_ynode *parent = t->stack[t->depth - 1];
        if (parent->type == BC_Y_MAP && parent->n % 2 == 0 && node->type != BC_Y_SCALAR) {
            rc = bc_error_set(t->err, BC_EINVAL, "%s:%d:%d: mapping keys must be strings",
                              t->file, node->line, node->col);
            bc_yaml_free(node);
            return rc;
        }
        if (add_kid(parent, node)) {
            bc_yaml_free(node);
            return bc_error_set(t->err, BC_ENOMEM, "%s: out of memory", t->file);
        }
    } else {
        t->top = node;
    }
    if (node->type != BC_Y_SCALAR) {
        if (t->depth == BC_YAML_MAX_DEPTH)
            return bc_error_set(t->err, BC_EINVAL, "%s:%d:%d: nesting deeper than %d levels",
                                t->file, node->line, node->col, BC_YAML_MAX_DEPTH);
        t->stack[t->depth++] = node;
    }
    return BC_OK;
}

int bc_yaml_parse(const char *text, size_t len, const char *file, bc_ynode **root,
                  bc_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    tree_build t = {.file = file, .err = err};
    int docs = 0, rc = BC_OK, done = 0;

    *root = NULL;
    if (!yaml_parser_initialize(&parser))
        return bc_error_set(err, BC_ENOMEM, "%s: out of memory", file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&parser, file, err);
            break;
        }
        const yaml_mark_t *mk = &ev.start_mark;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = bc_error_set(err, BC_EINVAL,
                                  "%s:%d:%d: a model file holds one YAML document, found a "
                                  "second",
                                  file, (int)mk->line + 1, (int)mk->column + 1);
            break;
        case YAML_ALIAS_EVENT:
            rc = bc_error_set(err, BC_EINVAL,
                              "%s:%d:%d: YAML aliases (*%s) are not allowed in model files: "
                              "write the value out",
                              file, (int)mk->line + 1, (int)mk->column + 1,
                              (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = add_event_node(&t, &ev);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            t.depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc)
            break;
    }
    yaml_parser_delete(&parser);
    if (rc) {
        bc_yaml_free(t.top);
        return rc;
    }
    *root = t.top;
    return BC_OK;
}

const bc_ynode *bc_yaml_get(const bc_ynode *map, const char *key)
{
    if (!map || map->type != BC_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (strcmp(map->kids[i]->str, key) == 0)
            return map->kids[i + 1];
    return NULL;
}
