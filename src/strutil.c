/* strutil.c: the string helpers of src/strutil_int.h. */
#include "strutil_int.h"

#include <stdarg.h>
#include <stdio.h>

#include "alloc_int.h"

char *bc_str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = bc_malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void bc_strs_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        bc_free(v[i]);
    bc_free(v);
}
