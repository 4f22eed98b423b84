/* error.c: the error context (see include/bcsim/error.h). */
#include "bcsim/error.h"

#include <stdarg.h>
#include <stdio.h>

void bc_error_clear(bc_error *err)
{
    if (!err)
        return;
    err->code = BC_OK;
    err->msg[0] = '\0';
}

int bc_error_set(bc_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

const char *bc_errmsg(const bc_error *err)
{
    return err ? err->msg : "";
}

const char *bc_strerror(int code)
{
    switch (code) {
    case BC_OK: return "success";
    case BC_EINVAL: return "invalid input";
    case BC_ENOMEM: return "out of memory";
    case BC_EIO: return "input/output error";
    case BC_EHDF5: return "HDF5 error";
    case BC_EINTERNAL: return "internal numerical error";
    default: return "unknown error";
    }
}
