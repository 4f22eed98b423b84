/* load.h: a model from text, for tests; prints the message of an unexpected
 * error and returns NULL. */
#ifndef BCSIM_TESTS_LOAD_H
#define BCSIM_TESTS_LOAD_H

#include <stdio.h>
#include <string.h>

#include "bcsim/model.h"

static inline bc_model *load(const char *text)
{
    bc_error err;
    bc_model *m = NULL;
    if (bc_model_load_string(text, strlen(text), "t.yaml", &m, &err))
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    return m;
}

/* The text of a model whose one proposal gains nothing but its savings
 * lines, up to "savings:"; the lines follow. Its average gain is the sum of
 * their yearly amounts. */
#define SAVINGS_ONLY                                                                \
    "model: s\n"                                                                    \
    "proposals:\n"                                                                  \
    "  - id: p\n"                                                                   \
    "    investment: 0\n"                                                           \
    "    participants: 0\n"                                                         \
    "    effect: 0\n"                                                               \
    "    duration: 1\n"                                                             \
    "    unit_cost: 0\n"                                                            \
    "    savings:\n"

/* That model with one yearly savings line of the given amount (a number or a
 * distribution in YAML flow style). */
static inline bc_model *load_saving(const char *amount)
{
    static const char head[] = SAVINGS_ONLY "      - {name: l, per: year, amount: ";
    char text[sizeof head + 256];
    snprintf(text, sizeof text, "%s%s}\n", head, amount);
    return load(text);
}

#endif
