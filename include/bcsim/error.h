/* error.h: status codes and the error context that carries a message. */
#ifndef BCSIM_ERROR_H
#define BCSIM_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by every bcsim function that can fail. */
enum {
    BC_OK = 0,     /* success */
    BC_EINVAL = 1, /* invalid input: a bad model file, option or parameter */
    BC_ENOMEM = 2, /* an allocation failed */
    BC_EIO = 3,    /* reading or writing a file failed */
    BC_EHDF5 = 4,  /* the HDF5 library reported an error */
    BC_EINTERNAL = 5 /* a numerical routine failed where it should not */
};

/* Size of the message buffer, terminating NUL included. */
#define BC_ERRMSG_SIZE 1024

/* Error context. Functions that can fail take a `bc_error *` (which may be
 * NULL when the caller does not want the message) and, on failure, store the
 * status and a one-line message in it. Not shared between threads. */
typedef struct bc_error {
    int code;                  /* BC_OK or the status of the last failure */
    char msg[BC_ERRMSG_SIZE];  /* "" or the message of the last failure */
} bc_error;

/* Reset `err` to BC_OK with an empty message. `err` may be NULL. */
void bc_error_clear(bc_error *err);

/* Record a failure: sets err->code = code and formats the message
 * (printf-style). Returns `code`, so that `return bc_error_set(...)` works.
 * `err` may be NULL. This function can't fail; long messages are truncated. */
int bc_error_set(bc_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The message of the last failure, or "" if none. `err` may be NULL. */
const char *bc_errmsg(const bc_error *err);

/* A short constant name for a status code ("invalid input", ...). */
const char *bc_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
