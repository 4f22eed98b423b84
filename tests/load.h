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

#endif
