/* h5util.c: the HDF5 helpers of the result files (see src/h5util_int.h):
 * attributes, groups and datasets written and read, every failure turned
 * into BC_EHDF5 (or BC_EINVAL "not a bcsim result file") with the object's
 * name. The only file that calls HDF5 for attributes and datasets. */
#define _POSIX_C_SOURCE 200809L

#include "h5util_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc_int.h"
#include "bcsim/results.h"

/* Compression level of the chunked datasets (bc_h5_dset). */
#define DEFLATE_LEVEL 4

bc_h5ctx bc_h5ctx_init(const char *path, bc_error *err)
{
    return (bc_h5ctx){.file = H5I_INVALID_HID,
                      .root = H5I_INVALID_HID,
                      .str = H5I_INVALID_HID,
                      .path = path,
                      .err = err};
}

/* ---- errors ------------------------------------------------------------- */

/* The innermost entry of HDF5's error stack is where the problem was found
 * ("file signature not found", ...): the most useful part of the report.
 * Walking upward, entry 0 is that one. The low-level drivers pack a system
 * error into it as "..., error message = 'TEXT', ..." among a time stamp and
 * buffer addresses: keep only TEXT then. */
static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n != 0 || !e->desc || !e->desc[0])
        return 0;
    const char *d = e->desc, *sys = strstr(d, "error message = '");
    size_t len = strlen(d);
    if (sys) {
        d = sys + strlen("error message = '");
        const char *q = strchr(d, '\'');
        len = q ? (size_t)(q - d) : strlen(d);
    }
    snprintf(buf, 256, "%.*s", (int)(len < 255 ? len : 255), d);
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return 0;
}

/* Record a failure: "PATH: WHAT (HDF5: innermost reason)", status `code`. */
static int vh5fail(const bc_h5ctx *c, int code, const char *fmt, va_list ap)
{
    char what[512], why[256] = "";
    vsnprintf(what, sizeof what, fmt, ap);
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, why) < 0 || !why[0])
        snprintf(why, sizeof why, "no further detail");
    return bc_error_set(c->err, code, "%s: %s (HDF5: %s)", c->path, what, why);
}

int bc_h5_fail(const bc_h5ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vh5fail(c, BC_EHDF5, fmt, ap);
    va_end(ap);
    return rc;
}

/* BC_EIO: a file HDF5 could not open or read at all. */
int bc_h5_fail_io(const bc_h5ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vh5fail(c, BC_EIO, fmt, ap);
    va_end(ap);
    return rc;
}

/* Close `*h` if open, with `fn` (H5Dclose, H5Sclose, ...). A failure becomes
 * the status when nothing failed before; either way *h is invalid afterwards. */
int bc_h5_close(const bc_h5ctx *c, hid_t *h, herr_t (*fn)(hid_t), const char *obj, int rc)
{
    if (*h >= 0) {
        if (fn(*h) < 0 && rc == BC_OK)
            rc = bc_h5_fail(c, "cannot close %s", obj);
        *h = H5I_INVALID_HID;
    }
    return rc;
}

int bc_h5_quiet_on(bc_h5quiet *q, const bc_h5ctx *c)
{
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data) >= 0;
    if (!q->saved || H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return bc_h5_fail(c, "cannot initialise the HDF5 library");
    return BC_OK;
}

void bc_h5_quiet_off(bc_h5quiet *q)
{
    /* Can only fail if the library is unusable; nothing left to do then. */
    if (q->saved)
        (void)H5Eset_auto2(H5E_DEFAULT, q->fn, q->data);
}

int bc_h5_close_read(bc_h5ctx *c, int rc)
{
    rc = bc_h5_close(c, &c->root, H5Gclose, "the root group", rc);
    return bc_h5_close(c, &c->file, H5Fclose, c->path ? c->path : "the file", rc);
}

/* ---- writing: attributes, groups, datasets ------------------------------ */

int bc_h5_attr_write(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, hid_t ftype,
                     hid_t mtype, hsize_t n, const void *buf)
{
    hid_t sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
    int rc = BC_OK;
    char what[320];
    snprintf(what, sizeof what, "attribute %s of %s", name, obj);
    sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (sp < 0) {
        rc = bc_h5_fail(c, "cannot make the dataspace of %s", what);
        goto done;
    }
    if ((a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        rc = bc_h5_fail(c, "cannot create %s", what);
        goto done;
    }
    if (H5Awrite(a, mtype, buf) < 0)
        rc = bc_h5_fail(c, "cannot write %s", what);
done:
    rc = bc_h5_close(c, &a, H5Aclose, what, rc);
    rc = bc_h5_close(c, &sp, H5Sclose, what, rc);
    return rc;
}

int bc_h5_attr_str(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name,
                   const char *value)
{
    const char *v = value ? value : "";
    return bc_h5_attr_write(c, loc, obj, name, c->str, c->str, 0, &v);
}

int bc_h5_attr_u64(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, uint64_t v)
{
    return bc_h5_attr_write(c, loc, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

int bc_h5_attr_i32(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, int v)
{
    return bc_h5_attr_write(c, loc, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, &v);
}

int bc_h5_attr_f64(const bc_h5ctx *c, hid_t loc, const char *obj, const char *name, double v)
{
    return bc_h5_attr_write(c, loc, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

/* Group `path` (its parent must exist) with a description. */
int bc_h5_group(const bc_h5ctx *c, const char *path, const char *desc)
{
    hid_t g = H5Gcreate2(c->file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return bc_h5_fail(c, "cannot create group %s", path);
    int rc = bc_h5_attr_str(c, g, path, "description", desc);
    return bc_h5_close(c, &g, H5Gclose, path, rc);
}

/* Dataset `path` of shape dims[rank], written from `buf` (which may be NULL
 * when the shape is empty), with units, description and optionally one more
 * attribute. `chunk_rows` > 0 chunks it by rows and compresses it (shuffle,
 * then deflate) where the deflate filter is available; else it is contiguous. */
int bc_h5_dset(const bc_h5ctx *c, const char *path, hid_t ftype, hid_t mtype, int rank,
               const hsize_t *dims, const void *buf, const char *units, const char *desc,
               hsize_t chunk_rows, const bc_h5xattr *extra)
{
    hid_t sp = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    int rc = BC_OK;
    hsize_t nelem = 1;
    for (int i = 0; i < rank; i++)
        nelem *= dims[i];
    if ((sp = H5Screate_simple(rank, dims, NULL)) < 0) {
        rc = bc_h5_fail(c, "cannot make the dataspace of dataset %s", path);
        goto done;
    }
    if ((dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) {
        rc = bc_h5_fail(c, "cannot make the creation properties of dataset %s", path);
        goto done;
    }
    if (chunk_rows > 0 && nelem > 0) {
        hsize_t chunk[2] = {chunk_rows, rank > 1 ? dims[1] : 1};
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) {
            rc = bc_h5_fail(c, "cannot set the chunks of dataset %s", path);
            goto done;
        }
        htri_t have = H5Zfilter_avail(H5Z_FILTER_DEFLATE);
        if (have < 0) {
            rc = bc_h5_fail(c, "cannot ask for the deflate filter for dataset %s", path);
            goto done;
        }
        if (have && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0)) {
            rc = bc_h5_fail(c, "cannot set the compression of dataset %s", path);
            goto done;
        }
    }
    ds = H5Dcreate2(c->file, path, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0) {
        rc = bc_h5_fail(c, "cannot create dataset %s", path);
        goto done;
    }
    if (nelem > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = bc_h5_fail(c, "cannot write dataset %s", path);
        goto done;
    }
    if ((rc = bc_h5_attr_str(c, ds, path, "units", units)) ||
        (rc = bc_h5_attr_str(c, ds, path, "description", desc)))
        goto done;
    if (extra)
        rc = bc_h5_attr_write(c, ds, path, extra->name, extra->ftype, extra->mtype, extra->n,
                              extra->buf);
done:
    rc = bc_h5_close(c, &ds, H5Dclose, path, rc);
    rc = bc_h5_close(c, &dcpl, H5Pclose, path, rc);
    rc = bc_h5_close(c, &sp, H5Sclose, path, rc);
    return rc;
}

int bc_h5_dset_f64(const bc_h5ctx *c, const char *path, int rank, const hsize_t *dims,
                   const double *buf, const char *units, const char *desc)
{
    return bc_h5_dset(c, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, buf, units, desc, 0,
                      NULL);
}

int bc_h5_dset_u64(const bc_h5ctx *c, const char *path, int rank, const hsize_t *dims,
                   const uint64_t *buf, const char *units, const char *desc,
                   const bc_h5xattr *extra)
{
    return bc_h5_dset(c, path, H5T_STD_U64LE, H5T_NATIVE_UINT64, rank, dims, buf, units, desc, 0,
                      extra);
}

int bc_h5_dset_str(const bc_h5ctx *c, const char *path, size_t n, const char *const *v,
                   const char *desc)
{
    hsize_t dim = n;
    return bc_h5_dset(c, path, c->str, c->str, 1, &dim, v, "1", desc, 0, NULL);
}

int bc_h5_not_ours(const bc_h5ctx *c, const char *why, const char *name)
{
    return bc_error_set(c->err, BC_EINVAL, "%s is not a bcsim result file (%s%s%s)", c->path, why,
                        name ? " " : "", name ? name : "");
}

/* ---- reading: attributes ----------------------------------------------- */

#define WHAT_SIZE 320

/* Open attribute `attr` of the object `obj` (NULL: the root group), which
 * must hold n values of class `cls` (n = 1 at the root: a single value). On
 * success *a and *type are open (the caller closes them). `what` receives
 * "attribute ATTR" (root) or "attribute ATTR of OBJ", for messages. */
static int attr_open(const bc_h5ctx *c, const char *obj, const char *attr, H5T_class_t cls,
                     size_t n, hid_t *a, hid_t *type, char what[WHAT_SIZE])
{
    hid_t sp = H5I_INVALID_HID;
    int rc = BC_OK;
    const char *where = obj ? obj : "/", *cname = obj ? what : attr;
    if (obj)
        snprintf(what, WHAT_SIZE, "attribute %s of %s", attr, obj);
    else
        snprintf(what, WHAT_SIZE, "attribute %s", attr);
    htri_t ex = H5Aexists_by_name(c->file, where, attr, H5P_DEFAULT);
    if (ex < 0)
        return bc_h5_fail(c, "cannot look for %s", what);
    if (!ex)
        return bc_h5_not_ours(c, "no", what);
    if ((*a = H5Aopen_by_name(c->file, where, attr, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        rc = bc_h5_fail(c, "cannot open %s", what);
        goto done;
    }
    if ((*type = H5Aget_type(*a)) < 0 || (sp = H5Aget_space(*a)) < 0) {
        rc = bc_h5_fail(c, "cannot get the type of %s", what);
        goto done;
    }
    H5T_class_t got = H5Tget_class(*type);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (got == H5T_NO_CLASS || np < 0) {
        rc = bc_h5_fail(c, "cannot get the type of %s", what);
        goto done;
    }
    if (got == cls && (size_t)np == n)
        goto done;
    if (!obj) {
        rc = bc_h5_not_ours(c,
                            cls == H5T_STRING  ? "not a single string: attribute"
                            : cls == H5T_FLOAT ? "not a single floating-point number: attribute"
                                               : "not a single integer: attribute",
                            attr);
    } else {
        char why[WHAT_SIZE + 80];
        snprintf(why, sizeof why, "%s is not %zu %s", what, n,
                 cls == H5T_FLOAT ? "floating-point numbers" : "integers");
        rc = bc_h5_not_ours(c, why, NULL);
    }
done:
    rc = bc_h5_close(c, &sp, H5Sclose, cname, rc);
    if (rc) {
        rc = bc_h5_close(c, type, H5Tclose, cname, rc);
        rc = bc_h5_close(c, a, H5Aclose, cname, rc);
    }
    return rc;
}

/* The memory type in which to read strings of file type ft: C's strings in
 * ft's character set, variable-length when ft's are (*var = 1), else of ft's
 * size (*size) plus a terminating NUL. H5I_INVALID_HID when HDF5 fails. */
static hid_t str_memtype(hid_t ft, htri_t *var, size_t *size)
{
    *var = H5Tis_variable_str(ft);
    *size = H5Tget_size(ft);
    H5T_cset_t cset = H5Tget_cset(ft);
    hid_t mt = H5I_INVALID_HID;
    if (*var < 0 || cset < 0 || *size == 0 || (mt = H5Tcopy(H5T_C_S1)) < 0)
        return H5I_INVALID_HID;
    if (H5Tset_cset(mt, cset) < 0 ||
        (*var ? H5Tset_size(mt, H5T_VARIABLE) < 0
              : H5Tset_size(mt, *size + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0)) {
        H5Tclose(mt);
        return H5I_INVALID_HID;
    }
    return mt;
}

/* Root attribute `name` as a new string; variable- or fixed-length. */
int bc_h5_attr_read_str(const bc_h5ctx *c, const char *name, char **out)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID;
    char *buf = NULL;
    char what[WHAT_SIZE];
    *out = NULL;
    int rc = attr_open(c, NULL, name, H5T_STRING, 1, &a, &ft, what);
    if (rc)
        return rc;
    htri_t var;
    size_t size;
    if ((mt = str_memtype(ft, &var, &size)) < 0) {
        rc = bc_h5_fail(c, "cannot get the string type of attribute %s", name);
        goto done;
    }
    if (var) {
        char *p = NULL;
        if (H5Aread(a, mt, &p) < 0) {
            rc = bc_h5_fail(c, "cannot read attribute %s", name);
            goto done;
        }
        *out = bc_strdup(p ? p : "");
        if (p && H5free_memory(p) < 0 && rc == BC_OK)
            rc = bc_h5_fail(c, "cannot free the string of attribute %s", name);
    } else {
        if (!(buf = bc_malloc(size + 1))) {
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
            goto done;
        }
        if (H5Aread(a, mt, buf) < 0) {
            rc = bc_h5_fail(c, "cannot read attribute %s", name);
            goto done;
        }
        buf[size] = '\0';
        *out = bc_strdup(buf);
    }
    if (!*out && rc == BC_OK)
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
done:
    bc_free(buf);
    if (rc) {
        bc_free(*out);
        *out = NULL;
    }
    rc = bc_h5_close(c, &mt, H5Tclose, name, rc);
    rc = bc_h5_close(c, &ft, H5Tclose, name, rc);
    rc = bc_h5_close(c, &a, H5Aclose, name, rc);
    return rc;
}

/* Open the file c->path read-only and check that it is a bcsim result file
 * of a format version this library reads. On success c->file and c->root
 * are open; on any path the caller closes them (close_h) and must have called
 * quiet_on before. */
int bc_h5_open_read(bc_h5ctx *c)
{
    const char *path = c->path;
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return bc_error_set(c->err, BC_EIO, "cannot open %s: %s", path ? path : "(null)",
                            path ? strerror(errno) : "no file name");
    if (S_ISDIR(st.st_mode))
        return bc_error_set(c->err, BC_EIO, "cannot open %s: it is a directory", path);
    /* HDF5 needs a file it can seek in; opening a fifo would wait for a writer
     * for ever, and devices are not result files */
    if (!S_ISREG(st.st_mode))
        return bc_error_set(c->err, BC_EINVAL,
                            "%s is not a bcsim result file (not a regular file: a device, fifo "
                            "or socket)",
                            path);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return bc_error_set(c->err, BC_EIO, "cannot open %s: %s", path, strerror(errno));
    fclose(fp);

    htri_t is = H5Fis_hdf5(path);
    if (is < 0)
        return bc_h5_fail_io(c, "cannot read the file");
    if (!is)
        return bc_h5_not_ours(c, "not an HDF5 file", NULL);
    if ((c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        return bc_h5_fail_io(c, "cannot open the file");
    if ((c->root = H5Gopen2(c->file, "/", H5P_DEFAULT)) < 0)
        return bc_h5_fail(c, "cannot open the root group");
    char *format = NULL;
    int version = 0, rc = bc_h5_attr_read_str(c, "format", &format);
    if (rc)
        return rc;
    if (strcmp(format, BC_RESULTS_FORMAT) != 0)
        rc = bc_error_set(c->err, BC_EINVAL,
                          "%s is not a bcsim result file (attribute format is '%s', not '%s')",
                          path, format, BC_RESULTS_FORMAT);
    bc_free(format);
    if (rc || (rc = bc_h5_attr_read_int(c, "format_version", H5T_NATIVE_INT, &version)))
        return rc;
    if (version < 1 || version > BC_RESULTS_FORMAT_VERSION)
        return bc_error_set(c->err, BC_EINVAL,
                            "%s has result format version %d; this bcsim reads versions 1 to %d",
                            path, version, BC_RESULTS_FORMAT_VERSION);
    return BC_OK;
}
/* Elements of one dataset we read whole at most: a guard against a damaged
 * or foreign file that declares an enormous shape. */
#define READ_MAX_ELEMS ((size_t)1 << 26)
/* "[4 x 9]" into buf. */
static void shape_text(char *buf, size_t size, int rank, const size_t *d, int any)
{
    int n = snprintf(buf, size, "[");
    for (int i = 0; i < rank && n >= 0 && (size_t)n < size; i++) {
        if (any && d[i] == BC_H5_ANY)
            n += snprintf(buf + n, size - (size_t)n, "%s*", i ? " x " : "");
        else
            n += snprintf(buf + n, size - (size_t)n, "%s%zu", i ? " x " : "", d[i]);
    }
    if (n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, "]");
}

/* *yes = whether the object at the absolute path `name` exists. Each link on
 * the way is looked up in turn: H5Lexists fails when a group on the way is
 * missing. */
int bc_h5_exists(const bc_h5ctx *c, const char *name, int *yes)
{
    char buf[256];
    size_t len = strlen(name);
    *yes = 0;
    if (len >= sizeof buf || name[0] != '/')
        return bc_error_set(c->err, BC_EINTERNAL, "bad object name %s", name);
    memcpy(buf, name, len + 1);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char end = *p;
        *p = '\0';
        htri_t ex = H5Lexists(c->file, buf, H5P_DEFAULT);
        if (ex < 0)
            return bc_h5_fail(c, "cannot look for %s", buf);
        if (!ex)
            return BC_OK;
        if (!end)
            break;
        *p = end;
    }
    *yes = 1;
    return BC_OK;
}

/* Open dataset `name`, which must exist, have a type of class `cls` and
 * `rank` dimensions of the sizes want[] (BC_H5_ANY: any). On success *ds and
 * *ft (its type) are open for the caller to close, got[] holds the sizes and
 * *nelem their product. */
static int ds_open(const bc_h5ctx *c, const char *name, H5T_class_t cls, int rank,
                   const size_t *want, size_t *got, size_t *nelem, hid_t *ds, hid_t *ft)
{
    hid_t sp = H5I_INVALID_HID;
    int yes, rc = bc_h5_exists(c, name, &yes);
    *ds = *ft = H5I_INVALID_HID;
    if (rc)
        return rc;
    if (!yes)
        return bc_h5_not_ours(c, "no dataset", name);
    if ((*ds = H5Dopen2(c->file, name, H5P_DEFAULT)) < 0) {
        rc = bc_h5_fail(c, "cannot open dataset %s", name);
        goto done;
    }
    if ((*ft = H5Dget_type(*ds)) < 0 || (sp = H5Dget_space(*ds)) < 0) {
        rc = bc_h5_fail(c, "cannot get the type and shape of dataset %s", name);
        goto done;
    }
    hsize_t dims[H5S_MAX_RANK];
    H5T_class_t cl = H5Tget_class(*ft);
    int r = H5Sget_simple_extent_ndims(sp);
    if (cl == H5T_NO_CLASS || r < 0 || r > H5S_MAX_RANK ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        rc = bc_h5_fail(c, "cannot get the type and shape of dataset %s", name);
        goto done;
    }
    if (cl != cls) {
        rc = bc_h5_not_ours(c,
                            cls == H5T_STRING  ? "not strings: dataset"
                            : cls == H5T_FLOAT ? "not floating-point numbers: dataset"
                                               : "not integers: dataset",
                            name);
        goto done;
    }
    size_t have[H5S_MAX_RANK], n = 1;
    int fits = r == rank, big = 0;
    for (int i = 0; i < r; i++) {
        have[i] = dims[i] > READ_MAX_ELEMS ? READ_MAX_ELEMS + 1 : (size_t)dims[i];
        if (i < rank && want[i] != BC_H5_ANY && have[i] != want[i])
            fits = 0;
        n = have[i] > READ_MAX_ELEMS || n * have[i] > READ_MAX_ELEMS ? READ_MAX_ELEMS + 1
                                                                     : n * have[i];
        big |= n > READ_MAX_ELEMS;
    }
    if (!fits) {
        char h[96], w[96], why[256];
        shape_text(h, sizeof h, r, have, 0);
        shape_text(w, sizeof w, rank, want, 1);
        snprintf(why, sizeof why, "dataset %s has shape %s, not %s", name, h, w);
        rc = bc_h5_not_ours(c, why, NULL);
        goto done;
    }
    if (big) {
        rc = bc_h5_not_ours(c, "too large: dataset", name);
        goto done;
    }
    for (int i = 0; i < rank; i++)
        got[i] = have[i];
    *nelem = n;
done:
    rc = bc_h5_close(c, &sp, H5Sclose, name, rc);
    if (rc) {
        rc = bc_h5_close(c, ft, H5Tclose, name, rc);
        rc = bc_h5_close(c, ds, H5Dclose, name, rc);
    }
    return rc;
}

/* Read the numeric dataset `name` (type class `cls`, shape as ds_open) whole
 * into a new array of `esize`-byte elements of memory type `mtype`. */
static int read_num(const bc_h5ctx *c, const char *name, H5T_class_t cls, hid_t mtype, size_t esize,
                    int rank, const size_t *want, size_t *got, void **out)
{
    hid_t ds, ft;
    size_t n, dims[H5S_MAX_RANK];
    *out = NULL;
    int rc = ds_open(c, name, cls, rank, want, got ? got : dims, &n, &ds, &ft);
    if (rc)
        return rc;
    void *buf = bc_calloc(n ? n : 1, esize);
    if (!buf)
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", name);
    else if (n && H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        rc = bc_h5_fail(c, "cannot read dataset %s", name);
    rc = bc_h5_close(c, &ft, H5Tclose, name, rc);
    rc = bc_h5_close(c, &ds, H5Dclose, name, rc);
    if (rc)
        bc_free(buf);
    else
        *out = buf;
    return rc;
}

/* bc_h5_read_f64, _u64, _int: read_num for one C type. */
#define READ_TYPED(fn, T, cls, mtype)                                                              \
    int fn(const bc_h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,         \
           T **out)                                                                                \
    {                                                                                              \
        void *v;                                                                                   \
        int rc = read_num(c, name, cls, mtype, sizeof(T), rank, want, got, &v);                    \
        *out = v;                                                                                  \
        return rc;                                                                                 \
    }

READ_TYPED(bc_h5_read_f64, double, H5T_FLOAT, H5T_NATIVE_DOUBLE)
READ_TYPED(bc_h5_read_u64, uint64_t, H5T_INTEGER, H5T_NATIVE_UINT64)
READ_TYPED(bc_h5_read_int, int, H5T_INTEGER, H5T_NATIVE_INT)

/* Read the 1-D string dataset `name` of `want` elements (BC_H5_ANY: any; the
 * number goes to *n) as new strings; variable- or fixed-length. */
int bc_h5_read_strs(const bc_h5ctx *c, const char *name, size_t want, size_t *n, char ***out)
{
    hid_t ds, ft, mt = H5I_INVALID_HID;
    size_t cnt, dim;
    char **v = NULL, **p = NULL, *b = NULL;
    *out = NULL;
    *n = 0;
    int rc = ds_open(c, name, H5T_STRING, 1, &want, &dim, &cnt, &ds, &ft);
    if (rc)
        return rc;
    htri_t var;
    size_t size;
    if ((mt = str_memtype(ft, &var, &size)) < 0) {
        rc = bc_h5_fail(c, "cannot get the string type of dataset %s", name);
        goto done;
    }
    if (!var && size > READ_MAX_ELEMS / (cnt + 1)) {
        rc = bc_h5_not_ours(c, "too large: dataset", name);
        goto done;
    }
    if (!(v = bc_calloc(cnt ? cnt : 1, sizeof *v)) ||
        !(var ? (void *)(p = bc_calloc(cnt ? cnt : 1, sizeof *p))
              : (void *)(b = bc_malloc(cnt * (size + 1) + 1)))) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", name);
        goto done;
    }
    /* After a failed read of variable-length strings, HDF5 1.10 leaves those
     * it had converted allocated, while newer versions free them again: we
     * cannot tell which, so they leak rather than risk being freed twice
     * (only a damaged file gets here). */
    if (cnt && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, var ? (void *)p : (void *)b) < 0) {
        rc = bc_h5_fail(c, "cannot read dataset %s", name);
        goto done;
    }
    for (size_t i = 0; i < cnt; i++) {
        const char *s = var ? p[i] : b + i * (size + 1);
        if (!(v[i] = bc_strdup(s ? s : "")) && rc == BC_OK)
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", name);
        /* HDF5 allocated the strings; it must free them. */
        if (var && p[i] && H5free_memory(p[i]) < 0 && rc == BC_OK)
            rc = bc_h5_fail(c, "cannot free the strings of dataset %s", name);
    }
done:
    bc_free(p);
    bc_free(b);
    rc = bc_h5_close(c, &mt, H5Tclose, name, rc);
    rc = bc_h5_close(c, &ft, H5Tclose, name, rc);
    rc = bc_h5_close(c, &ds, H5Dclose, name, rc);
    if (rc) {
        bc_strs_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return BC_OK;
}

int bc_h5_attr_read(const bc_h5ctx *c, const char *obj, const char *attr, H5T_class_t cls,
                    hid_t mtype, size_t n, void *buf)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    char what[WHAT_SIZE];
    int rc = attr_open(c, obj, attr, cls, obj ? n : 1, &a, &ft, what);
    if (rc)
        return rc;
    const char *cname = obj ? what : attr;
    if (n && H5Aread(a, mtype, buf) < 0)
        rc = bc_h5_fail(c, "cannot read %s", what);
    rc = bc_h5_close(c, &ft, H5Tclose, cname, rc);
    rc = bc_h5_close(c, &a, H5Aclose, cname, rc);
    return rc;
}

int bc_h5_attr_read_int(const bc_h5ctx *c, const char *name, hid_t mtype, void *out)
{
    return bc_h5_attr_read(c, NULL, name, H5T_INTEGER, mtype, 1, out);
}

int bc_h5_attr_read_f64(const bc_h5ctx *c, const char *name, double *out)
{
    return bc_h5_attr_read(c, NULL, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, 1, out);
}

/* Root attribute `name` as a new string, or a copy of `dflt` when the file
 * does not have it. */
int bc_h5_attr_read_str_or(const bc_h5ctx *c, const char *name, const char *dflt, char **out)
{
    int yes = 0, rc = bc_h5_attr_has(c, name, &yes);
    if (rc || yes)
        return rc ? rc : bc_h5_attr_read_str(c, name, out);
    if (!(*out = bc_strdup(dflt)))
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    return BC_OK;
}

/* *yes = whether the root has attribute `name`. */
int bc_h5_attr_has(const bc_h5ctx *c, const char *name, int *yes)
{
    htri_t ex = H5Aexists(c->root, name);
    if (ex < 0)
        return bc_h5_fail(c, "cannot look for attribute %s", name);
    *yes = ex > 0;
    return BC_OK;
}

/* The bytes must be there, in the file: a dataset that declares more than it
 * holds, or more than the file's size, is damaged or forged, and reading it
 * would allocate (and, with fill values, touch) memory without bound. */
int bc_h5_read_stored_bytes(const bc_h5ctx *c, const char *name, void **out, size_t *len)
{
    hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    int rc = BC_OK;
    *out = NULL;
    *len = 0;
    if ((d = H5Dopen2(c->file, name, H5P_DEFAULT)) < 0) {
        rc = bc_h5_not_ours(c, "no", name);
        goto done;
    }
    hssize_t n;
    if ((sp = H5Dget_space(d)) < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
        (n = H5Sget_simple_extent_npoints(sp)) < 0 || (uint64_t)n > ((uint64_t)1 << 40)) {
        char why[300];
        snprintf(why, sizeof why, "%s is not a list of bytes", name);
        rc = bc_h5_not_ours(c, why, NULL);
        goto done;
    }
    struct stat fst;
    hsize_t stored = H5Dget_storage_size(d);
    if (stored != (hsize_t)n || stat(c->path, &fst) != 0 || (uint64_t)n > (uint64_t)fst.st_size) {
        rc = bc_error_set(c->err, BC_EINVAL,
                          "%s is damaged: %s declares %llu bytes but the file holds %llu of them",
                          c->path, name, (unsigned long long)n, (unsigned long long)stored);
        goto done;
    }
    if (!(*out = bc_malloc((size_t)n ? (size_t)n : 1))) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", c->path);
        goto done;
    }
    *len = (size_t)n;
    if (n && H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
        rc = bc_h5_fail_io(c, "cannot read %s", name);
done:
    rc = bc_h5_close(c, &sp, H5Sclose, "a dataspace", rc);
    rc = bc_h5_close(c, &d, H5Dclose, name, rc);
    if (rc) {
        bc_free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}
