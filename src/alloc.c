/* alloc.c: the library's allocator: the C library's, with a counter that
 * tests use to make the k-th allocation fail (bcsim/alloc.h). */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include "alloc_int.h"

#include <stdlib.h>
#include <string.h>

/* Fault injection state, shared by all threads (atomics: no lock). */
static uint64_t calls;       /* allocations attempted since armed */
static uint64_t fail_at;     /* 0: never fail; else the call number that fails */
static uint64_t failures;    /* failed on purpose since armed */
static int fail_persistent;  /* every call after fail_at fails too */

void bc_alloc_fail_at(uint64_t k, int persistent)
{
    __atomic_store_n(&fail_at, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&calls, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&failures, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_persistent, persistent != 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_at, k, __ATOMIC_SEQ_CST);
}

uint64_t bc_alloc_count(void)
{
    return __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
}

uint64_t bc_alloc_failures(void)
{
    return __atomic_load_n(&failures, __ATOMIC_SEQ_CST);
}

/* Whether this allocation is to fail (and count it). */
static int should_fail(void)
{
    uint64_t n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
    uint64_t k = __atomic_load_n(&fail_at, __ATOMIC_RELAXED);
    if (k == 0 || n < k || (n > k && !__atomic_load_n(&fail_persistent, __ATOMIC_RELAXED)))
        return 0;
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    return 1;
}

void *bc_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *bc_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count, size);
}

void *bc_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

char *bc_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = bc_malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *bc_strdup(const char *s)
{
    return bc_strndup(s, strlen(s));
}

void bc_free(void *p)
{
    free(p);
}
