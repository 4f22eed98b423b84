/* h5util_int.h: the HDF5 helpers of the result files: reading and writing
 * attributes, groups and datasets, each failure turned into BC_EHDF5 with
 * the object's name and HDF5's innermost reason, or into BC_EINVAL "PATH is
 * not a bcsim result file (why)" when a file is not as docs/hdf5-layout.md
 * says. Every hid_t is checked and closed on every path. Only the result
 * file modules (results_write.c, results_read.c, state_file.c) include it. */
#ifndef BCSIM_H5UTIL_INT_H
#define BCSIM_H5UTIL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "bcsim/error.h"
#include "strutil_int.h"

/* The open file, the string type and where errors go. `path` is the name the
 * user gave, used in messages. */
typedef struct bc_h5ctx {
    hid_t file; /* the open file */
    hid_t root; /* its root group "/" */
    hid_t str;  /* variable-length UTF-8 string, for memory and file alike */
    const char *path;
    bc_error *err;
} bc_h5ctx;

/* A context with nothing open yet. */
bc_h5ctx bc_h5ctx_init(const char *path, bc_error *err);

/* ---- errors, closing, quiet --------------------------------------------- */

/* BC_EHDF5: "PATH: WHAT (HDF5: innermost reason)"; the HDF5 library failed
 * on an object we name. */
int bc_h5_fail(const bc_h5ctx *c, const char *fmt, ...) BC_PRINTF(2, 3);

/* The same with BC_EIO: a file HDF5 could not open or read at all. */
int bc_h5_fail_io(const bc_h5ctx *c, const char *fmt, ...) BC_PRINTF(2, 3);

/* BC_EINVAL: "PATH is not a bcsim result file (WHY NAME)"; name may be NULL. */
int bc_h5_not_ours(const bc_h5ctx *c, const char *why, const char *name);

/* Close `*h` if open, with `fn` (H5Dclose, H5Sclose, ...). A failure becomes
 * the status when nothing failed before (`rc`, returned otherwise); either
 * way *h is invalid afterwards. */
int bc_h5_close(const bc_h5ctx *c, hid_t *h, herr_t (*fn)(hid_t), const char *obj, int rc);

/* HDF5 prints its error stack to stderr by default; we report errors
 * ourselves. quiet_on switches the printing off (BC_OK or BC_EHDF5),
 * quiet_off restores the previous setting, since the caller's program may
 * use HDF5 too. */
typedef struct bc_h5quiet {
    H5E_auto2_t fn;
    void *data;
    int saved;
} bc_h5quiet;

int bc_h5_quiet_on(bc_h5quiet *q, const bc_h5ctx *c);
void bc_h5_quiet_off(bc_h5quiet *q);

/* ---- writing ------------------------------------------------------------ */

/* An attribute beyond units and description, for bc_h5_dset. */
typedef struct bc_h5xattr {
    const char *name;
    hid_t ftype, mtype;
    hsize_t n; /* elements of a 1-D attribute */
    const void *buf;
} bc_h5xattr;

/* Attribute `name` on the open object `loc` (named `obj` in messages): a
 * scalar when n = 0, else 1-D of n elements. */
int bc_h5_attr_write(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, hid_t ftype,
                     hid_t mtype, hsize_t n, const void *buf);
int bc_h5_attr_str(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name,
                   const char *value); /* NULL writes "" */
int bc_h5_attr_u64(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, uint64_t v);
int bc_h5_attr_i32(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, int v);
int bc_h5_attr_f64(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, double v);

/* Group `path` (its parent must exist) with a description. */
int bc_h5_group(const bc_h5ctx *c, const char *path, const char *desc);

/* Dataset `path` of shape dims[rank], written from `buf` (which may be NULL
 * when the shape is empty), with units, description and optionally one more
 * attribute. `chunk_rows` > 0 chunks it by rows and compresses it (shuffle,
 * then deflate) where the deflate filter is available; else it is contiguous. */
int bc_h5_dset(const bc_h5ctx *c, const char *path, hid_t ftype, hid_t mtype, int rank,
               const hsize_t *dims, const void *buf, const char *units, const char *desc,
               hsize_t chunk_rows, const bc_h5xattr *extra);
int bc_h5_dset_f64(const bc_h5ctx *c, const char *path, int rank, const hsize_t *dims,
                   const double *buf, const char *units, const char *desc);
int bc_h5_dset_u64(const bc_h5ctx *c, const char *path, int rank, const hsize_t *dims,
                   const uint64_t *buf, const char *units, const char *desc,
                   const bc_h5xattr *extra);
/* n strings, units "1". */
int bc_h5_dset_str(const bc_h5ctx *c, const char *path, size_t n, const char *const *v,
                   const char *desc);

/* ---- reading ------------------------------------------------------------ */

/* In a wanted shape: any size. */
#define BC_H5_ANY ((size_t)-1)

/* Open the file c->path read-only: it must exist, be a regular file (a fifo
 * would block, a device is not a file), be HDF5 and be a bcsim result file
 * (root attribute format) of a format_version this library reads. c->file
 * and c->root are then open; on any path the caller closes them
 * (bc_h5_close) and must have called bc_h5_quiet_on before. BC_OK, BC_EIO,
 * BC_EINVAL, BC_EHDF5. */
int bc_h5_open_read(bc_h5ctx *c);

/* Close c->root and c->file, those open (bc_h5_close; rc as there). */
int bc_h5_close_read(bc_h5ctx *c, int rc);

/* *yes = whether the object at the absolute path `name` exists (each link on
 * the way is looked up in turn). */
int bc_h5_exists(const bc_h5ctx *c, const char *name, int *yes);

/* Read the dataset `name`, which must exist, have `rank` dimensions of the
 * sizes want[] (BC_H5_ANY: any) and be of numbers of the C type named, whole
 * into a new array (*out, bc_free). got[] (may be NULL) receives the sizes.
 * A dataset of more than 2^26 elements is refused (too large). */
int bc_h5_read_f64(const bc_h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,
                   double **out);
int bc_h5_read_u64(const bc_h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,
                   uint64_t **out);
int bc_h5_read_int(const bc_h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,
                   int **out);

/* Read the 1-D string dataset `name` of `want` elements (BC_H5_ANY: any; the
 * number goes to *n) as new strings (bc_strs_free); variable- or
 * fixed-length. */
int bc_h5_read_strs(const bc_h5ctx *c, const char *name, size_t want, size_t *n, char ***out);

/* Read the 1-D byte dataset `name` into a new buffer (*out, bc_free; *len
 * bytes), refusing one that declares more bytes than the file stores of it
 * (or than the file's size): a forged size never becomes an allocation. */
int bc_h5_read_stored_bytes(const bc_h5ctx *c, const char *name, void **out, size_t *len);

/* Root attributes. Each must hold a single value of the class named;
 * integers of any width are converted to `mtype`, strings (variable- or
 * fixed-length) come back as new strings (bc_free). */
int bc_h5_attr_read_str(const bc_h5ctx *c, const char *name, char **out);
int bc_h5_attr_read_int(const bc_h5ctx *c, const char *name, hid_t mtype, void *out);
int bc_h5_attr_read_f64(const bc_h5ctx *c, const char *name, double *out);
/* A copy of `dflt` when the root has no attribute `name`. */
int bc_h5_attr_read_str_or(const bc_h5ctx *c, const char *name, const char *dflt, char **out);
/* *yes = whether the root has attribute `name`. */
int bc_h5_attr_has(const bc_h5ctx *c, const char *name, int *yes);

/* Attribute `attr` of the object `obj`: exactly n numbers of class `cls`
 * (H5T_FLOAT or H5T_INTEGER), read as `mtype` into buf. obj NULL: the root
 * group, where the attribute must be a single value (n = 1). The one
 * attribute opener under every reader of this header. */
int bc_h5_attr_read(const bc_h5ctx *c, const char *obj, const char *attr, H5T_class_t cls,
                    hid_t mtype, size_t n, void *buf);

#endif
