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

int bc_yaml_parse(const char *text, size_t len, const char *file, bc_ynode **root,
                  bc_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    bc_ynode *stack[BC_YAML_MAX_DEPTH + 1];
    int depth = 0, docs = 0, rc = BC_OK, done = 0;
    bc_ynode *top = NULL;

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
        bc_ynode *node = NULL;
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
        case YAML_MAPPING_START_EVENT: {
            const yaml_char_t *tag = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.tag
                                     : ev.type == YAML_SEQUENCE_START_EVENT
                                         ? ev.data.sequence_start.tag
                                         : ev.data.mapping_start.tag;
            if (tag) {
                rc = bc_error_set(err, BC_EINVAL,
                                  "%s:%d:%d: YAML tags (%s) are not allowed in model files",
                                  file, (int)mk->line + 1, (int)mk->column + 1,
                                  (const char *)tag);
                break;
            }
            /* A NUL (written "\0" in a quoted string) would cut the text
             * short for every strcmp and strtod after this: "pert\0x" would
             * read as pert. Model files are text; refuse it here, once. */
            if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length > 0 &&
                memchr(ev.data.scalar.value, '\0', ev.data.scalar.length)) {
                rc = bc_error_set(err, BC_EINVAL,
                                  "%s:%d:%d: a NUL character (\\0) in a string; model files "
                                  "hold text",
                                  file, (int)mk->line + 1, (int)mk->column + 1);
                break;
            }
            if (ev.type == YAML_SCALAR_EVENT) {
                node = new_node(BC_Y_SCALAR, mk, ev.data.scalar.length);
                if (!node) {
                    rc = bc_error_set(err, BC_ENOMEM, "%s: out of memory", file);
                    break;
                }
                node->len = ev.data.scalar.length;
                node->str = node->text; /* NUL-terminated by calloc */
                memcpy(node->str, ev.data.scalar.value, node->len);
                node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            } else {
                node = new_node(ev.type == YAML_SEQUENCE_START_EVENT ? BC_Y_SEQ : BC_Y_MAP, mk, 0);
                if (!node) {
                    rc = bc_error_set(err, BC_ENOMEM, "%s: out of memory", file);
                    break;
                }
            }
            /* attach to the parent, or make it the root */
            if (depth > 0) {
                bc_ynode *parent = stack[depth - 1];
                if (parent->type == BC_Y_MAP && parent->n % 2 == 0 && node->type != BC_Y_SCALAR) {
                    rc = bc_error_set(err, BC_EINVAL,
                                      "%s:%d:%d: mapping keys must be strings", file,
                                      node->line, node->col);
                    bc_yaml_free(node);
                    break;
                }
                if (add_kid(parent, node)) {
                    bc_yaml_free(node);
                    rc = bc_error_set(err, BC_ENOMEM, "%s: out of memory", file);
                    break;
                }
            } else {
                top = node;
            }
            if (node->type != BC_Y_SCALAR) {
                if (depth == BC_YAML_MAX_DEPTH) {
                    rc = bc_error_set(err, BC_EINVAL,
                                      "%s:%d:%d: nesting deeper than %d levels", file,
                                      node->line, node->col, BC_YAML_MAX_DEPTH);
                    break;
                }
                stack[depth++] = node;
            }
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
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
        bc_yaml_free(top);
        return rc;
    }
    *root = top;
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
