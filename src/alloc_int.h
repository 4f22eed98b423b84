/* alloc_int.h: the allocator every library file uses instead of malloc and
 * its kin, so that tests can make any allocation fail (bcsim/alloc.h).
 * The same contracts as the C library's: NULL on failure (bc_realloc then
 * leaves the old block as it was), bc_free(NULL) does nothing. */
#ifndef BC_ALLOC_INT_H
#define BC_ALLOC_INT_H

#include <stddef.h>

#include "bcsim/alloc.h"

void *bc_malloc(size_t n);
void *bc_calloc(size_t count, size_t size);
void *bc_realloc(void *p, size_t n);
char *bc_strdup(const char *s);
char *bc_strndup(const char *s, size_t n); /* at most n bytes of s, NUL-terminated */
void bc_free(void *p);

#endif
