/* strutil_int.h: the string helpers the result-file modules share: printf
 * into a new string, and freeing an array of strings. */
#ifndef BCSIM_STRUTIL_INT_H
#define BCSIM_STRUTIL_INT_H

#include <stddef.h>

/* printf-style format checking where the compiler offers it. */
#if defined(__GNUC__)
#define BC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BC_PRINTF(f, a)
#endif

/* printf into a new string (the caller frees it with bc_free); NULL if out
 * of memory. */
char *bc_str_printf(const char *fmt, ...) BC_PRINTF(1, 2);

/* Free the n strings of v (NULL entries allowed), then v; NULL does nothing. */
void bc_strs_free(char **v, size_t n);

#endif
