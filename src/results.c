/* results.c: HDF5 result files (see include/bcsim/results.h and
 * docs/hdf5-layout.md). The only module that includes hdf5.h. */
#define _POSIX_C_SOURCE 200809L

#include "bcsim/results.h"
#include "bcsim/sensitivity.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "bcsim/dist.h"
#include "bcsim/sampler.h"

/* Rows per chunk of the /samples datasets: at most 65536, and few enough that
 * a chunk holds about 1 MiB (2^17 doubles), the size of HDF5's default chunk
 * cache, so that reading one column does not decompress far more than it
 * needs. */
#define SAMPLE_CHUNK_ROWS 65536
#define SAMPLE_CHUNK_DOUBLES (1u << 17)
#define DEFLATE_LEVEL 4

/* What the writer and the reader share: the open file, the string type and
 * where errors go. `path` is the name the user gave, used in messages. */
typedef struct h5ctx {
    hid_t file; /* the open file */
    hid_t root; /* its root group "/" */
    hid_t str;  /* variable-length UTF-8 string, for memory and file alike */
    const char *path;
    bc_error *err;
} h5ctx;

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
static int vh5fail(const h5ctx *c, int code, const char *fmt, va_list ap)
{
    char what[512], why[256] = "";
    vsnprintf(what, sizeof what, fmt, ap);
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, why) < 0 || !why[0])
        snprintf(why, sizeof why, "no further detail");
    return bc_error_set(c->err, code, "%s: %s (HDF5: %s)", c->path, what, why);
}

#if defined(__GNUC__)
#define BC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BC_PRINTF(f, a)
#endif

/* BC_EHDF5: the HDF5 library failed on an object we name. */
static int h5fail(const h5ctx *c, const char *fmt, ...) BC_PRINTF(2, 3);
static int h5fail(const h5ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vh5fail(c, BC_EHDF5, fmt, ap);
    va_end(ap);
    return rc;
}

/* BC_EIO: a file HDF5 could not open or read at all. */
static int h5fail_io(const h5ctx *c, const char *fmt, ...) BC_PRINTF(2, 3);
static int h5fail_io(const h5ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vh5fail(c, BC_EIO, fmt, ap);
    va_end(ap);
    return rc;
}

/* Close `*h` if open, with `fn` (H5Dclose, H5Sclose, ...). A failure becomes
 * the status when nothing failed before; either way *h is invalid afterwards. */
static int close_h(const h5ctx *c, hid_t *h, herr_t (*fn)(hid_t), const char *obj, int rc)
{
    if (*h >= 0) {
        if (fn(*h) < 0 && rc == BC_OK)
            rc = h5fail(c, "cannot close %s", obj);
        *h = H5I_INVALID_HID;
    }
    return rc;
}

/* HDF5 prints its error stack to stderr by default; we report errors
 * ourselves. The previous setting is restored afterwards, since the caller's
 * program may use HDF5 too. */
typedef struct h5quiet {
    H5E_auto2_t fn;
    void *data;
    int saved;
} h5quiet;

static int quiet_on(h5quiet *q, const h5ctx *c)
{
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data) >= 0;
    if (!q->saved || H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return h5fail(c, "cannot initialise the HDF5 library");
    return BC_OK;
}

static void quiet_off(h5quiet *q)
{
    /* Can only fail if the library is unusable; nothing left to do then. */
    if (q->saved)
        (void)H5Eset_auto2(H5E_DEFAULT, q->fn, q->data);
}

/* ---- paths -------------------------------------------------------------- */

/* The directory part of `path` ("." when there is none); NULL if out of memory. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

int bc_results_check_path(const char *path, int force, bc_error *err)
{
    if (!path || !path[0])
        return bc_error_set(err, BC_EINVAL, "no output file given");
    if (path[strlen(path) - 1] == '/')
        return bc_error_set(err, BC_EINVAL, "%s names a directory, not a file", path);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return bc_error_set(err, BC_EINVAL, "%s is a directory, not a file", path);
        if (!S_ISREG(st.st_mode))
            return bc_error_set(err, BC_EINVAL,
                                "%s exists and is not a regular file (a device, fifo or socket)",
                                path);
        if (!force)
            return bc_error_set(err, BC_EINVAL, "%s exists; use --force to replace it", path);
    } else if (errno != ENOENT) {
        return bc_error_set(err, BC_EINVAL, "cannot use %s: %s", path, strerror(errno));
    } else if (lstat(path, &st) == 0) {
        return bc_error_set(err, BC_EINVAL, "%s is a symbolic link to nothing", path);
    }

    char *dir = dir_of(path);
    if (!dir)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    int rc = BC_OK;
    if (stat(dir, &st) != 0)
        rc = bc_error_set(err, BC_EINVAL, "cannot write %s: directory %s: %s", path, dir,
                          strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = bc_error_set(err, BC_EINVAL, "cannot write %s: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = bc_error_set(err, BC_EINVAL, "cannot write %s: directory %s is not writable (%s)",
                          path, dir, strerror(errno));
    free(dir);
    return rc;
}

/* ---- writing: attributes, groups, datasets ------------------------------ */

/* An attribute beyond units and description, for dset(). */
typedef struct xattr {
    const char *name;
    hid_t ftype, mtype;
    hsize_t n; /* elements of a 1-D attribute */
    const void *buf;
} xattr;

/* Attribute `name` on the open object `loc` (named `obj` in messages):
 * a scalar when n = 0, else 1-D of n elements. */
static int attr_write(const h5ctx *c, hid_t loc, const char *obj, const char *name, hid_t ftype,
                      hid_t mtype, hsize_t n, const void *buf)
{
    hid_t sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
    int rc = BC_OK;
    char what[320];
    snprintf(what, sizeof what, "attribute %s of %s", name, obj);
    sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (sp < 0) {
        rc = h5fail(c, "cannot make the dataspace of %s", what);
        goto done;
    }
    if ((a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        rc = h5fail(c, "cannot create %s", what);
        goto done;
    }
    if (H5Awrite(a, mtype, buf) < 0)
        rc = h5fail(c, "cannot write %s", what);
done:
    rc = close_h(c, &a, H5Aclose, what, rc);
    rc = close_h(c, &sp, H5Sclose, what, rc);
    return rc;
}

static int attr_str(const h5ctx *c, hid_t loc, const char *obj, const char *name, const char *value)
{
    const char *v = value ? value : "";
    return attr_write(c, loc, obj, name, c->str, c->str, 0, &v);
}

static int attr_u64(const h5ctx *c, hid_t loc, const char *obj, const char *name, uint64_t v)
{
    return attr_write(c, loc, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

static int attr_i32(const h5ctx *c, hid_t loc, const char *obj, const char *name, int v)
{
    return attr_write(c, loc, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, &v);
}

static int attr_f64(const h5ctx *c, hid_t loc, const char *obj, const char *name, double v)
{
    return attr_write(c, loc, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

/* Group `path` (its parent must exist) with a description. */
static int group(const h5ctx *c, const char *path, const char *desc)
{
    hid_t g = H5Gcreate2(c->file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5fail(c, "cannot create group %s", path);
    int rc = attr_str(c, g, path, "description", desc);
    return close_h(c, &g, H5Gclose, path, rc);
}

/* Dataset `path` of shape dims[rank], written from `buf` (which may be NULL
 * when the shape is empty), with units, description and optionally one more
 * attribute. `chunk_rows` > 0 chunks it by rows and compresses it (shuffle,
 * then deflate) where the deflate filter is available; else it is contiguous. */
static int dset(const h5ctx *c, const char *path, hid_t ftype, hid_t mtype, int rank,
                const hsize_t *dims, const void *buf, const char *units, const char *desc,
                hsize_t chunk_rows, const xattr *extra)
{
    hid_t sp = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    int rc = BC_OK;
    hsize_t nelem = 1;
    for (int i = 0; i < rank; i++)
        nelem *= dims[i];
    if ((sp = H5Screate_simple(rank, dims, NULL)) < 0) {
        rc = h5fail(c, "cannot make the dataspace of dataset %s", path);
        goto done;
    }
    if ((dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) {
        rc = h5fail(c, "cannot make the creation properties of dataset %s", path);
        goto done;
    }
    if (chunk_rows > 0 && nelem > 0) {
        hsize_t chunk[2] = {chunk_rows, rank > 1 ? dims[1] : 1};
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) {
            rc = h5fail(c, "cannot set the chunks of dataset %s", path);
            goto done;
        }
        htri_t have = H5Zfilter_avail(H5Z_FILTER_DEFLATE);
        if (have < 0) {
            rc = h5fail(c, "cannot ask for the deflate filter for dataset %s", path);
            goto done;
        }
        if (have && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0)) {
            rc = h5fail(c, "cannot set the compression of dataset %s", path);
            goto done;
        }
    }
    ds = H5Dcreate2(c->file, path, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0) {
        rc = h5fail(c, "cannot create dataset %s", path);
        goto done;
    }
    if (nelem > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = h5fail(c, "cannot write dataset %s", path);
        goto done;
    }
    if ((rc = attr_str(c, ds, path, "units", units)) ||
        (rc = attr_str(c, ds, path, "description", desc)))
        goto done;
    if (extra)
        rc = attr_write(c, ds, path, extra->name, extra->ftype, extra->mtype, extra->n, extra->buf);
done:
    rc = close_h(c, &ds, H5Dclose, path, rc);
    rc = close_h(c, &dcpl, H5Pclose, path, rc);
    rc = close_h(c, &sp, H5Sclose, path, rc);
    return rc;
}

static int dset_f64(const h5ctx *c, const char *path, int rank, const hsize_t *dims,
                    const double *buf, const char *units, const char *desc)
{
    return dset(c, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, buf, units, desc, 0, NULL);
}

static int dset_u64(const h5ctx *c, const char *path, int rank, const hsize_t *dims,
                    const uint64_t *buf, const char *units, const char *desc, const xattr *extra)
{
    return dset(c, path, H5T_STD_U64LE, H5T_NATIVE_UINT64, rank, dims, buf, units, desc, 0, extra);
}

static int dset_str(const h5ctx *c, const char *path, size_t n, const char *const *v,
                    const char *desc)
{
    hsize_t dim = n;
    return dset(c, path, c->str, c->str, 1, &dim, v, "1", desc, 0, NULL);
}

/* ---- writing: the contents ---------------------------------------------- */

/* Number of uncertain input components: every component of every input
 * whose distribution is not FIXED, in input order (the sampler's order). */
static size_t n_components(const bc_model *m)
{
    size_t d = 0;
    for (size_t i = 0; i < bc_model_n_inputs(m); i++) {
        const bc_input *in = bc_model_input(m, i);
        if (bc_dist_is_random(&in->dist))
            d += in->dim;
    }
    return d;
}

/* Free an array of n strings (NULL entries allowed) and the array. */
static void free_strs(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* printf into a new string; NULL if out of memory. */
static char *str_printf(const char *fmt, ...) BC_PRINTF(1, 2);

static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Names of the d uncertain input components in sampler order: NAME, or
 * NAME[t] for the components of an input group. NULL if out of memory. */
static char **component_names(const bc_model *m, size_t d)
{
    char **v = calloc(d ? d : 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < bc_model_n_inputs(m); i++) {
        const bc_input *in = bc_model_input(m, i);
        for (size_t t = 0; bc_dist_is_random(&in->dist) && t < in->dim; t++, k++)
            if (!(v[k] = in->dim > 1 ? str_printf("%s[%zu]", in->name, t) : strdup(in->name))) {
                free_strs(v, d);
                return NULL;
            }
    }
    return v;
}

/* bc_dist_format into a new string. */
static char *dist_text(const bc_dist *d)
{
    char small[256];
    int n = bc_dist_format(d, small, sizeof small);
    if (n < 0)
        return strdup("");
    if ((size_t)n < sizeof small)
        return strdup(small);
    char *s = malloc((size_t)n + 1);
    if (s)
        bc_dist_format(d, s, (size_t)n + 1);
    return s;
}

/* The `model_text` attribute: the file's text, then one "# --set A" line per
 * override (on a new line), so that the text alone documents the model run. */
static char *model_text_with_overrides(const bc_model *m)
{
    const char *text = bc_model_text(m);
    size_t n = strlen(text), len = n + 2, no = bc_model_n_overrides(m);
    for (size_t i = 0; i < no; i++)
        len += strlen(bc_model_override(m, i)) + 9;
    char *s = malloc(len);
    if (!s)
        return NULL;
    memcpy(s, text, n + 1);
    if (no && n && text[n - 1] != '\n')
        strcat(s, "\n");
    for (size_t i = 0; i < no; i++) {
        strcat(s, "# --set ");
        strcat(s, bc_model_override(m, i));
        strcat(s, "\n");
    }
    return s;
}

/* The `overrides` attribute: the assignments joined by "\n". */
static char *overrides_joined(const bc_model *m)
{
    size_t no = bc_model_n_overrides(m), len = 1;
    for (size_t i = 0; i < no; i++)
        len += strlen(bc_model_override(m, i)) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < no; i++) {
        if (i)
            strcat(s, "\n");
        strcat(s, bc_model_override(m, i));
    }
    return s;
}

/* What the root attributes say about the study. */
typedef struct study {
    const char *kind;         /* "run" or "sobol" */
    uint64_t seed, runs, block;
    const char *sampler;
    const char *command_line;
    double quantile_resolution; /* NaN: not written */
} study;

static int write_root(const h5ctx *c, const bc_model *m, const study *st)
{
    int rc = BC_OK;
    char *text = model_text_with_overrides(m), *ovr = overrides_joined(m);
    if (!text || !ovr) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    char created[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (now != (time_t)-1 && gmtime_r(&now, &tm))
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const hid_t r = c->root;
    const char *o = "the root group";
    /* Each step sets rc; || stops at the first failure (here and below). */
    (void)((rc = attr_str(c, r, o, "format", BC_RESULTS_FORMAT)) ||
           (rc = attr_i32(c, r, o, "format_version", BC_RESULTS_FORMAT_VERSION)) ||
           (rc = attr_str(c, r, o, "study", st->kind)) ||
           (rc = attr_str(c, r, o, "model_text", text)) ||
           (rc = attr_u64(c, r, o, "model_text_length", strlen(bc_model_text(m)))) ||
           (rc = attr_str(c, r, o, "overrides", ovr)) ||
           (rc = attr_str(c, r, o, "model_file", bc_model_filename(m))) ||
           (rc = attr_str(c, r, o, "model_id", bc_model_id(m))) ||
           (rc = attr_str(c, r, o, "title", bc_model_title(m))) ||
           (rc = attr_u64(c, r, o, "seed", st->seed)) ||
           (rc = attr_u64(c, r, o, "runs", st->runs)) ||
           (rc = attr_str(c, r, o, "sampler", st->sampler)) ||
           (rc = attr_u64(c, r, o, "block", st->block)) ||
           (rc = attr_str(c, r, o, "rng", BC_RNG_NAME)) ||
           (rc = attr_str(c, r, o, "bcsim_version", BCSIM_VERSION)) ||
           (rc = attr_str(c, r, o, "created", created)) ||
           (rc = attr_str(c, r, o, "command_line", st->command_line)) ||
           (rc = attr_i32(c, r, o, "start_year", bc_model_start_year(m))) ||
           (rc = attr_u64(c, r, o, "years", bc_model_years(m))) ||
           (rc = attr_f64(c, r, o, "discount_rate", bc_model_discount_rate(m))) ||
           (!isnan(st->quantile_resolution) &&
            (rc = attr_f64(c, r, o, "quantile_resolution", st->quantile_resolution))));
done:
    free(text);
    free(ovr);
    return rc;
}

static int write_outputs_inputs(const h5ctx *c, const bc_model *m)
{
    const size_t O = bc_model_n_outputs(m), nin = bc_model_n_inputs(m), D = bc_model_dim(m);
    const size_t d = n_components(m);
    int rc = BC_OK;
    const char **ids = malloc(O * sizeof *ids), **titles = malloc(O * sizeof *titles);
    const char **names = malloc((nin ? nin : 1) * sizeof *names);
    char **spec = calloc(nin ? nin : 1, sizeof *spec), **comp = component_names(m, d);
    double *base = malloc((nin ? nin : 1) * sizeof *base), *x = malloc((D ? D : 1) * sizeof *x);
    int8_t *unc = malloc(nin ? nin : 1);
    uint64_t *dim = malloc((nin ? nin : 1) * sizeof *dim);
    if (!ids || !titles || !names || !spec || !comp || !base || !x || !unc || !dim) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t o = 0; o < O; o++) {
        ids[o] = bc_model_output_id(m, o);
        titles[o] = bc_model_output_name(m, o);
    }
    bc_model_base_inputs(m, x);
    for (size_t i = 0; i < nin; i++) {
        const bc_input *in = bc_model_input(m, i);
        names[i] = in->name;
        base[i] = x[in->offset];
        unc[i] = (int8_t)(bc_dist_is_random(&in->dist) != 0);
        dim[i] = in->dim;
        if (!(spec[i] = dist_text(&in->dist))) {
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
            goto done;
        }
    }
    hsize_t n = nin;
    (void)((rc = group(c, "/outputs",
                       "The outputs: the proposals in model-file order, then the portfolio.")) ||
           (rc = dset_str(c, "/outputs/names", O, ids,
                          "Output ids: proposal ids, then \"portfolio\"; the row order of every "
                          "per-output dataset.")) ||
           (rc = dset_str(c, "/outputs/titles", O, titles, "Long name of each output.")) ||
           (rc = group(c, "/inputs", "The model's inputs, in the model's input order.")) ||
           (rc = dset_str(c, "/inputs/names", nin, names, "Canonical input names.")) ||
           (rc = dset_str(c, "/inputs/spec", nin, (const char *const *)spec,
                          "Each input's distribution as text (a plain number when fixed).")) ||
           (rc = dset_f64(c, "/inputs/base", 1, &n, base, "per input (see docs/model-file.md)",
                          "Each input's value in the base case (0 for the shocks).")) ||
           (rc = dset(c, "/inputs/uncertain", H5T_STD_I8LE, H5T_NATIVE_INT8, 1, &n, unc, "1",
                      "1 if the input has a distribution, 0 if it is a fixed number.", 0, NULL)) ||
           (rc = dset_u64(c, "/inputs/dim", 1, &n, dim, "1",
                          "Number of components of each input (> 1 for an input group).", NULL)) ||
           (rc = dset_str(c, "/inputs/components", d, (const char *const *)comp,
                          "Uncertain input components in sampler order, NAME or NAME[t] for "
                          "input groups; the columns of /samples/inputs.")));
done:
    free(ids);
    free(titles);
    free(names);
    free_strs(spec, nin);
    free_strs(comp, d);
    free(base);
    free(x);
    free(unc);
    free(dim);
    return rc;
}

static int write_base_case(const h5ctx *c, const bc_model *m)
{
    const size_t O = bc_model_n_outputs(m), H = bc_model_years(m), D = bc_model_dim(m);
    const int y0 = bc_model_start_year(m);
    int rc = BC_OK;
    double *x = malloc((D ? D : 1) * sizeof *x);
    bc_eval *e = bc_eval_alloc(m, 1);
    int *bey = malloc(O * sizeof *bey);
    if (!x || !e || !bey) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory evaluating the base case");
        goto done;
    }
    bc_model_base_inputs(m, x);
    bc_model_eval(m, x, e);
    for (size_t o = 0; o < O; o++)
        bey[o] = e->break_even_year[o] == BC_NO_BREAK_EVEN ? -1 : y0 + e->break_even_year[o];
    hsize_t oh[2] = {O, H}, n = O;
    (void)((rc = group(c, "/base_case",
                       "The base case: every input at its base value, unemployment shocks 0.")) ||
           (rc = dset_f64(c, "/base_case/gain", 2, oh, e->gain, "mDKK/year",
                          "Gain (savings minus investment) of each output in each year.")) ||
           (rc = dset_f64(c, "/base_case/fte", 2, oh, e->fte, "full-year persons",
                          "Full-year persons fewer on public support in each year.")) ||
           (rc = dset_f64(c, "/base_case/investment", 2, oh, e->investment, "mDKK/year",
                          "Investment spent in each year.")) ||
           (rc = dset_f64(c, "/base_case/benefit_savings", 2, oh, e->benefit_savings, "mDKK/year",
                          "Savings on benefits in each year.")) ||
           (rc = dset_f64(c, "/base_case/other_savings", 2, oh, e->other_savings, "mDKK/year",
                          "Savings from the further savings lines in each year.")) ||
           (rc = dset_f64(c, "/base_case/avg_gain", 1, &n, e->avg_gain, "mDKK/year",
                          "Average annual gain over the horizon.")) ||
           (rc = dset_f64(c, "/base_case/npv", 1, &n, e->npv, "mDKK",
                          "Net present value of the gains at the model's discount rate.")) ||
           (rc = dset(c, "/base_case/break_even_year", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n, bey,
                      "calendar year",
                      "First year whose cumulative gain is >= 0, or -1 if none within the "
                      "horizon.",
                      0, NULL)));
done:
    free(x);
    bc_eval_free(e);
    free(bey);
    return rc;
}

/* mean, sd, min, max, quantiles of one bc_series under group `g`; `shape`
 * of rank 1 [outputs] or 2 [outputs, years]. */
static int write_series(const h5ctx *c, const char *g, const char *what, const char *units,
                        const bc_series *sr, int rank, const hsize_t *shape)
{
    char path[128], desc[256];
    hsize_t qdims[3] = {shape[0], rank > 1 ? shape[1] : BC_NQ, BC_NQ};
    const xattr probs = {"probabilities", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, BC_NQ,
                         bc_quantile_probs};
    static const char *const stat_name[4] = {"mean", "sd", "min", "max"};
    static const char *const stat_desc[4] = {"Mean over runs",
                                             "Standard deviation over runs (divisor runs - 1)",
                                             "Smallest value over runs", "Largest value over runs"};
    const double *v[4] = {sr->mean, sr->sd, sr->min, sr->max};
    int rc;
    snprintf(desc, sizeof desc, "Summary over runs of the %s.", what);
    if ((rc = group(c, g, desc)))
        return rc;
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", g, stat_name[i]);
        snprintf(desc, sizeof desc, "%s of the %s.", stat_desc[i], what);
        if ((rc = dset_f64(c, path, rank, shape, v[i], units, desc)))
            return rc;
    }
    snprintf(path, sizeof path, "%s/quantiles", g);
    snprintf(desc, sizeof desc,
             "Quantiles of the %s at the probabilities in attribute `probabilities` (last "
             "axis), exact to +- quantile_resolution.",
             what);
    return dset(c, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank + 1, qdims, sr->q, units, desc, 0,
                &probs);
}

/* Histogram of one bc_series under group `g`: edges [shape..., bins+1] and
 * counts [shape..., bins], shape [outputs] or [outputs, years]. */
static int write_histogram(const h5ctx *c, const char *g, const char *what, const char *units,
                           const bc_series *sr, int rank, const hsize_t *shape)
{
    char path[128], desc[256];
    hsize_t de[3] = {shape[0], rank > 1 ? shape[1] : BC_HIST_BINS + 1, BC_HIST_BINS + 1};
    hsize_t dc[3] = {shape[0], rank > 1 ? shape[1] : BC_HIST_BINS, BC_HIST_BINS};
    int rc;
    snprintf(desc, sizeof desc, "Histogram over runs of the %s, %d bins per %s.", what,
             BC_HIST_BINS, rank > 1 ? "output and year" : "output");
    if ((rc = group(c, g, desc)))
        return rc;
    snprintf(path, sizeof path, "%s/edges", g);
    snprintf(desc, sizeof desc, "Bin edges of the %s histograms (last axis).", what);
    if ((rc = dset_f64(c, path, rank + 1, de, sr->edges, units, desc)))
        return rc;
    snprintf(path, sizeof path, "%s/counts", g);
    snprintf(desc, sizeof desc, "Runs whose %s falls in each bin (last axis).", what);
    return dset_u64(c, path, rank + 1, dc, sr->counts, "1", desc, NULL);
}

static int write_summary(const h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const size_t O = s->n_outputs, H = s->years;
    const int y0 = bc_model_start_year(m);
    hsize_t o1 = O, oh[2] = {O, H}, oy[2] = {O, H + 1};
    int rc;
    int *years = malloc((H + 1) * sizeof *years);
    if (!years)
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    for (size_t t = 0; t < H; t++)
        years[t] = y0 + (int)t;
    years[H] = -1;
    const xattr yattr = {"years", H5T_STD_I32LE, H5T_NATIVE_INT, H + 1, years};
    (void)((rc = group(c, "/summary", "Statistics over all runs.")) ||
           (rc = write_series(c, "/summary/avg_gain", "average annual gain (avg_gain)", "mDKK/year",
                              &s->avg_gain, 1, &o1)) ||
           (rc = write_series(c, "/summary/npv", "net present value (npv)", "mDKK", &s->npv, 1,
                              &o1)) ||
           (rc = write_series(c, "/summary/gain_by_year", "gain in each year", "mDKK/year",
                              &s->gain, 2, oh)) ||
           (rc = dset_f64(c, "/summary/loss_probability", 1, &o1, s->loss_prob, "1",
                          "Share of runs that lose more than 1 mDKK a year (avg_gain < -1).")) ||
           (rc = dset_f64(c, "/summary/loss_probability_se", 1, &o1, s->loss_se, "1",
                          "Monte Carlo standard error of loss_probability.")) ||
           (rc = dset_f64(c, "/summary/break_even_probability", 1, &o1, s->be_prob, "1",
                          "Share of runs that break even (avg_gain >= 0).")) ||
           (rc = dset_f64(c, "/summary/break_even_probability_se", 1, &o1, s->be_se, "1",
                          "Monte Carlo standard error of the break-even probability, "
                          "sqrt(p(1-p)/runs).")) ||
           (rc = dset_u64(c, "/summary/break_even_year", 2, oy, s->be_year_counts, "1",
                          "Runs whose cumulative gain first reaches >= 0 in each year (columns "
                          "as attribute `years`; the last, -1, counts none within the horizon).",
                          &yattr)));
    free(years);
    return rc;
}

static int write_regression(const h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const size_t O = s->n_outputs, d = s->n_reg_x, p = d + s->n_reg_y;
    int rc = BC_OK;
    char **names = calloc(p ? p : 1, sizeof *names), **comp = component_names(m, d);
    if (!names || !comp)
        goto nomem;
    for (size_t k = 0; k < d; k++) {
        names[k] = comp[k];
        comp[k] = NULL;
    }
    for (size_t o = 0; o < O; o++) {
        if (!(names[d + o] = str_printf("avg_gain:%s", bc_model_output_id(m, o))) ||
            !(names[d + O + o] = str_printf("npv:%s", bc_model_output_id(m, o))))
            goto nomem;
    }
    hsize_t n = p, pp[2] = {p, p};
    (void)((rc = group(c, "/regression",
                       "Means and covariances of the uncertain input components and the "
                       "outputs, for regression-based sensitivity.")) ||
           (rc = dset_str(c, "/regression/names", p, (const char *const *)names,
                          "The variables: uncertain input components (sampler order), then "
                          "avg_gain:ID and npv:ID of each output.")) ||
           (rc = dset_f64(c, "/regression/mean", 1, &n, s->reg_mean,
                          "per variable (inputs: their model-file units; avg_gain mDKK/year; "
                          "npv mDKK)",
                          "Mean over runs of each variable in /regression/names.")) ||
           (rc = dset_f64(c, "/regression/cov", 2, pp, s->reg_cov,
                          "product of the two variables' units",
                          "Covariance matrix of the variables (divisor runs - 1).")));
    free_strs(names, p);
    free_strs(comp, d);
    return rc;
nomem:
    free_strs(names, p);
    free_strs(comp, d);
    return bc_error_set(c->err, BC_ENOMEM, "out of memory");
}

static hsize_t chunk_rows(uint64_t runs, size_t cols)
{
    hsize_t r = SAMPLE_CHUNK_DOUBLES / (cols ? cols : 1);
    if (r > SAMPLE_CHUNK_ROWS)
        r = SAMPLE_CHUNK_ROWS;
    if (r > runs)
        r = runs;
    return r ? r : 1;
}

static int write_samples(const h5ctx *c, const bc_summary *s)
{
    const size_t O = s->n_outputs, d = s->n_reg_x;
    hsize_t dx[2] = {s->runs, d}, dy[2] = {s->runs, O};
    int rc;
    (void)((rc = group(c, "/samples", "Every run's uncertain inputs and average annual gain.")) ||
           (rc = dset(c, "/samples/inputs", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dx,
                      s->sample_inputs, "per column: the input's unit (see docs/model-file.md)",
                      "Value of each uncertain input component (columns: /inputs/components) "
                      "in each run.",
                      chunk_rows(s->runs, d), NULL)) ||
           (rc = dset(c, "/samples/avg_gain", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dy,
                      s->sample_avg_gain, "mDKK/year",
                      "Average annual gain of each output (columns: /outputs/names) in each run.",
                      chunk_rows(s->runs, O), NULL)));
    return rc;
}

/* /sensitivity/tornado: one-at-a-time swings of avg_gain. */
static int write_tornado(const h5ctx *c, const bc_model *m)
{
    bc_tornado *t = NULL;
    int rc = bc_tornado_compute(m, 0.1, 0.9, &t, c->err);
    if (rc)
        return rc;
    const size_t k = t->k, O = t->n_outputs;
    char **names = calloc(k ? k : 1, sizeof *names);
    uint64_t *order = malloc((k ? k : 1) * O * sizeof *order);
    if (!names || !order) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        names[j] = (char *)bc_model_input(m, t->group_input[j])->name;
    for (size_t q = 0; q < k * O; q++)
        order[q] = t->order[q];
    hsize_t ko[2] = {k, O}, ok[2] = {O, k}, o1 = O, k1 = k;
    const xattr pa = {"quantiles", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2,
                      (const double[]){t->plo, t->phi}};
    (void)((rc = group(c, "/sensitivity/tornado",
                       "One at a time: each uncertain input (an input group as a whole) at its "
                       "10th and 90th percentile, all others at their base values.")) ||
           (rc = dset_str(c, "/sensitivity/tornado/inputs", k, (const char *const *)names,
                          "The uncertain inputs, rows of low and high.")) ||
           (rc = dset(c, "/sensitivity/tornado/low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, ko,
                      t->low, "mDKK/year",
                      "avg_gain of each output with the input at its 10th percentile.", 0,
                      &pa)) ||
           (rc = dset(c, "/sensitivity/tornado/high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, ko,
                      t->high, "mDKK/year",
                      "avg_gain of each output with the input at its 90th percentile.", 0,
                      &pa)) ||
           (rc = dset_f64(c, "/sensitivity/tornado/base", 1, &o1, t->base, "mDKK/year",
                          "avg_gain of each output at the base case.")) ||
           (rc = dset_u64(c, "/sensitivity/tornado/order", 2, ok, order, "1",
                          "Per output, the rows of low/high by decreasing swing |high - low|.",
                          NULL)));
    (void)k1;
done:
    free(names);
    free(order);
    bc_tornado_free(t);
    return rc;
}

/* /sensitivity/regression: standardised regression coefficients. */
static int write_src(const h5ctx *c, const bc_model *m, const bc_summary *s)
{
    const size_t d = s->n_reg_x, ny = s->n_reg_y, O = s->n_outputs;
    double *src = malloc((d ? d : 1) * ny * sizeof *src), *r2 = malloc(ny * sizeof *r2);
    char **comp = component_names(m, d), **yn = calloc(ny, sizeof *yn);
    int rc = BC_OK;
    if (!src || !r2 || !comp || !yn) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t o = 0; o < O; o++)
        if (!(yn[o] = str_printf("avg_gain:%s", bc_model_output_id(m, o))) ||
            !(yn[O + o] = str_printf("npv:%s", bc_model_output_id(m, o)))) {
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
            goto done;
        }
    /* No regression when the inputs' covariance matrix is singular (fewer runs
     * than uncertain components, or a component that hardly varied): the
     * group is left out, as the readers allow, rather than the run refused or
     * a NaN written. */
    bc_error rerr;
    bc_error_clear(&rerr);
    if ((rc = bc_regression_compute(s, src, r2, &rerr))) {
        if (rc == BC_EINVAL)
            rc = BC_OK;
        else
            bc_error_set(c->err, rc, "%s: %s", c->path, bc_errmsg(&rerr));
        goto done;
    }
    for (size_t q = 0; q < d * ny; q++)
        if (!isfinite(src[q]))
            goto done;
    for (size_t q = 0; q < ny; q++)
        if (!isfinite(r2[q]))
            goto done;
    hsize_t dy[2] = {d, ny}, y1 = ny;
    (void)((rc = group(c, "/sensitivity/regression",
                       "Linear regression of each output on the uncertain input components "
                       "over all runs: the contribution-to-variance view.")) ||
           (rc = dset_str(c, "/sensitivity/regression/inputs", d, (const char *const *)comp,
                          "The regressors: uncertain input components (sampler order).")) ||
           (rc = dset_str(c, "/sensitivity/regression/outputs", ny, (const char *const *)yn,
                          "The regressands: avg_gain:ID and npv:ID of each output.")) ||
           (rc = dset_f64(c, "/sensitivity/regression/src", 2, dy, src, "1",
                          "Standardised regression coefficients b_j sd(x_j)/sd(y).")) ||
           (rc = dset_f64(c, "/sensitivity/regression/r2", 1, &y1, r2, "1",
                          "Share of the output's variance the linear regression explains.")));
done:
    free(src);
    free(r2);
    free_strs(comp, d);
    free_strs(yn, ny);
    return rc;
}

typedef struct run_contents {
    const bc_model *m;
    const bc_run_config *cfg;
    const bc_summary *s;
    const char *command_line;
} run_contents;

static int write_run(const h5ctx *c, const void *data)
{
    const run_contents *r = data;
    const bc_model *m = r->m;
    const bc_summary *s = r->s;
    const study st = {"run", r->cfg->seed, r->cfg->runs,
                      r->cfg->block ? r->cfg->block : BC_DEFAULT_BLOCK,
                      bc_sampler_kind_name(r->cfg->sampler), r->command_line,
                      s->quantile_resolution};
    const hsize_t o1[1] = {s->n_outputs}, oh[2] = {s->n_outputs, s->years};
    int rc;
    (void)((rc = write_root(c, m, &st)) || (rc = write_outputs_inputs(c, m)) ||
           (rc = write_base_case(c, m)) || (rc = write_summary(c, m, s)) ||
           (rc = group(c, "/histograms", "Histograms over all runs.")) ||
           (rc = write_histogram(c, "/histograms/avg_gain", "average annual gain (avg_gain)",
                                 "mDKK/year", &s->avg_gain, 1, o1)) ||
           (rc = write_histogram(c, "/histograms/npv", "net present value (npv)", "mDKK",
                                 &s->npv, 1, o1)) ||
           (rc = write_histogram(c, "/histograms/gain_by_year", "gain in each year",
                                 "mDKK/year", &s->gain, 2, oh)) ||
           (rc = write_regression(c, m, s)) ||
           (rc = group(c, "/sensitivity", "Which inputs drive the outputs.")) ||
           (s->n_reg_x > 0 && (rc = write_src(c, m, s))) ||
           (s->n_reg_x > 0 && (rc = write_tornado(c, m))) ||
           (s->sample_inputs && s->sample_avg_gain && (rc = write_samples(c, s))));
    return rc;
}

typedef struct sobol_contents {
    const bc_model *m;
    const bc_sobol_config *cfg;
    const bc_sobol_result *r;
    const char *command_line;
} sobol_contents;

static int write_sobol(const h5ctx *c, const void *data)
{
    const sobol_contents *sc = data;
    const bc_model *m = sc->m;
    const bc_sobol_result *r = sc->r;
    const study st = {"sobol", sc->cfg->seed, r->n, sc->cfg->block ? sc->cfg->block : 256,
                      r->sampler == BC_SOBOL_QMC ? "qmc" : "mc", sc->command_line, NAN};
    const size_t k = r->k, ny = r->n_y, O = r->n_outputs;
    char **gn = calloc(k, sizeof *gn), **yn = calloc(ny, sizeof *yn);
    int rc = BC_OK;
    if (!gn || !yn) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        gn[j] = (char *)bc_model_input(m, r->group_input[j])->name;
    for (size_t o = 0; o < O; o++)
        if (!(yn[o] = str_printf("avg_gain:%s", bc_model_output_id(m, o))) ||
            !(yn[O + o] = str_printf("npv:%s", bc_model_output_id(m, o))) ||
            !(yn[2 * O + o] = str_printf("break_even:%s", bc_model_output_id(m, o)))) {
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
            goto done;
        }
    hsize_t ky[2] = {k, ny}, ky2[3] = {k, ny, 2}, y1 = ny;
    const char *g = "/sensitivity/sobol";
    (void)((rc = write_root(c, m, &st)) || (rc = write_outputs_inputs(c, m)) ||
           (rc = write_base_case(c, m)) ||
           (rc = group(c, "/sensitivity", "Which inputs drive the outputs.")) ||
           (rc = group(c, g,
                       "Variance-based Sobol' indices from an A/B/AB design: first order "
                       "(Saltelli 2010), total (Jansen 1999).")) ||
           (rc = attr_str(c, c->root, "the root group", "sobol_estimators",
                          "first: Saltelli 2010; total: Jansen 1999")) ||
           (rc = attr_u64(c, c->root, "the root group", "sobol_n", r->n)) ||
           (rc = attr_u64(c, c->root, "the root group", "sobol_evaluations", r->evaluations)) ||
           (rc = attr_u64(c, c->root, "the root group", "bootstrap", (uint64_t)r->bootstrap)) ||
           (rc = attr_f64(c, c->root, "the root group", "confidence_level", r->level)) ||
           (rc = attr_i32(c, c->root, "the root group", "qmc_fell_back", r->qmc_fell_back)) ||
           (rc = dset_str(c, "/sensitivity/sobol/inputs", k, (const char *const *)gn,
                          "The uncertain inputs (an input group such as unemployment.shocks "
                          "counts once): rows of the indices.")) ||
           (rc = dset_str(c, "/sensitivity/sobol/outputs", ny, (const char *const *)yn,
                          "The output quantities: avg_gain:ID, npv:ID and break_even:ID (the "
                          "indicator avg_gain >= 0) of each output: columns of the indices.")) ||
           (rc = dset_f64(c, "/sensitivity/sobol/first", 2, ky, r->first, "1",
                          "First-order Sobol' index S_j of each input for each output.")) ||
           (rc = dset_f64(c, "/sensitivity/sobol/total", 2, ky, r->total, "1",
                          "Total Sobol' index ST_j of each input for each output.")) ||
           (rc = dset_f64(c, "/sensitivity/sobol/mean", 1, &y1, r->mean,
                          "mDKK/year, mDKK or 1 (as the output)",
                          "Mean of each output quantity over the A and B samples.")) ||
           (rc = dset_f64(c, "/sensitivity/sobol/variance", 1, &y1, r->variance,
                          "square of the output's unit",
                          "Variance of each output quantity over the A and B samples.")) ||
           (r->first_ci &&
            ((rc = dset_f64(c, "/sensitivity/sobol/first_ci", 3, ky2, r->first_ci, "1",
                            "Bootstrap percentile interval (lower, upper) of S_j.")) ||
             (rc = dset_f64(c, "/sensitivity/sobol/total_ci", 3, ky2, r->total_ci, "1",
                            "Bootstrap percentile interval (lower, upper) of ST_j.")))) ||
           (rc = write_tornado(c, m)));
done:
    free(gn);
    free_strs(yn, ny);
    return rc;
}

/* The summary must be the engine's summary of this model and configuration. */
static int check_summary(const char *path, const bc_model *m, const bc_run_config *cfg,
                         const bc_summary *s, bc_error *err)
{
    if (!m || !cfg || !s)
        return bc_error_set(err, BC_EINVAL, "%s: no model, configuration or summary to write",
                            path);
    const size_t O = bc_model_n_outputs(m), H = bc_model_years(m), d = n_components(m);
    if (s->n_outputs != O || s->years != H || s->avg_gain.n != O || s->npv.n != O ||
        s->gain.n != O * H)
        return bc_error_set(err, BC_EINVAL,
                            "%s: the summary has %zu outputs and %zu years, but model %s has "
                            "%zu and %zu",
                            path, s->n_outputs, s->years, bc_model_id(m), O, H);
    if (s->runs != cfg->runs)
        return bc_error_set(err, BC_EINVAL,
                            "%s: the summary has %llu runs, but the configuration %llu", path,
                            (unsigned long long)s->runs, (unsigned long long)cfg->runs);
    if (s->n_reg_x != d || s->n_reg_y != 2 * O)
        return bc_error_set(err, BC_EINVAL,
                            "%s: the summary has %zu input components and %zu output "
                            "variables, but model %s has %zu and %zu",
                            path, s->n_reg_x, s->n_reg_y, bc_model_id(m), d, 2 * O);
    return BC_OK;
}

/* Write the file image to `tmp`, created here (never through an existing
 * name), and make it durable before it replaces PATH, so that a crash cannot
 * leave PATH naming an empty or partial file. *created says whether `tmp`
 * now exists and is ours to remove. */
static int write_image(const char *tmp, const char *path, const void *buf, size_t n, int *created,
                       bc_error *err)
{
    /* A regular file by our temporary name can only be left over from an
     * earlier process with our PID (PIDs repeat, in containers often): remove
     * it. Anything else there (a symbolic link, say) makes O_EXCL fail. */
    struct stat st;
    if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode))
        (void)unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return bc_error_set(err, BC_EIO, "%s: cannot create the temporary file %s: %s", path, tmp,
                            strerror(errno));
    *created = 1;
    int rc = BC_OK;
    for (const char *p = buf; n > 0;) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = bc_error_set(err, BC_EIO, "%s: cannot write the temporary file %s: %s", path, tmp,
                              w < 0 ? strerror(errno) : "no progress");
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    /* EINVAL/EROFS: a file system that cannot sync; nothing to make durable. */
    if (rc == BC_OK && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        rc = bc_error_set(err, BC_EIO, "%s: cannot flush the temporary file %s to disk: %s", path,
                          tmp, strerror(errno));
    if (close(fd) != 0 && rc == BC_OK)
        rc = bc_error_set(err, BC_EIO, "%s: cannot close the temporary file %s: %s", path, tmp,
                          strerror(errno));
    return rc;
}

/* Give the finished temporary file its final name. Without `force`, link(2)
 * fails if PATH appeared since the check, so nothing is ever replaced by
 * accident; file systems without hard links fall back to a last check and
 * rename(2). On success `tmp` no longer exists. */
static int publish(const char *tmp, const char *path, int force, bc_error *err)
{
    if (!force) {
        if (link(tmp, path) == 0) {
            /* PATH is complete; a leftover second name would only waste a
             * directory entry, and unlink in our own directory does not fail
             * in practice. */
            (void)unlink(tmp);
            return BC_OK;
        }
        if (errno == EEXIST)
            return bc_error_set(err, BC_EINVAL, "%s exists; use --force to replace it", path);
        struct stat st;
        if (lstat(path, &st) == 0)
            return bc_error_set(err, BC_EINVAL, "%s exists; use --force to replace it", path);
    }
    if (rename(tmp, path) != 0)
        return bc_error_set(err, BC_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    return BC_OK;
}

/* The file is built in memory (HDF5's core driver, no backing store) and its
 * image written with plain POSIX calls. Two reasons: HDF5 1.10 frees a file
 * whose close failed (a full disk, a file-size limit) but keeps its
 * identifier, and crashes at exit closing it again (HDFFV-11052, fixed in
 * 1.14.1), so HDF5 must never meet a write error; and I/O errors then come
 * with the file name and errno. The price is memory: the image (about the
 * size of the file, the samples compressed) twice while it is copied out. */
#define CORE_INCREMENT ((size_t)4 << 20)

/* Write the file through a temporary name: contents(c, data) fills it. */
static int write_file(const char *path, int force, bc_error *err,
                      int (*contents)(const h5ctx *c, const void *data), const void *data)
{
    int rc;
    char *tmp = str_printf("%s.tmp.%ld", path, (long)getpid());
    if (!tmp)
        return bc_error_set(err, BC_ENOMEM, "out of memory");

    h5ctx c = {.file = H5I_INVALID_HID,
               .root = H5I_INVALID_HID,
               .str = H5I_INVALID_HID,
               .path = path,
               .err = err};
    hid_t fapl = H5I_INVALID_HID;
    h5quiet q = {0};
    void *image = NULL;
    size_t size = 0;
    int created = 0; /* tmp exists and is ours to remove */
    if ((rc = quiet_on(&q, &c)))
        goto done;
    if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 || H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0) {
        rc = h5fail(&c, "cannot set up an in-memory file");
        goto done;
    }
    /* With the core driver and no backing store, the name is only a label. */
    if ((c.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        rc = h5fail(&c, "cannot create the file in memory");
        goto done;
    }
    if ((c.root = H5Gopen2(c.file, "/", H5P_DEFAULT)) < 0) {
        rc = h5fail(&c, "cannot open the root group");
        goto done;
    }
    if ((c.str = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(c.str, H5T_VARIABLE) < 0 ||
        H5Tset_cset(c.str, H5T_CSET_UTF8) < 0) {
        rc = h5fail(&c, "cannot make the string type");
        goto done;
    }
    if ((rc = contents(&c, data)))
        goto done;
    rc = close_h(&c, &c.str, H5Tclose, "the string type", rc);
    rc = close_h(&c, &c.root, H5Gclose, "the root group", rc);
    if (rc)
        goto done;
    if (H5Fflush(c.file, H5F_SCOPE_GLOBAL) < 0) {
        rc = h5fail(&c, "cannot flush the file in memory");
        goto done;
    }
    ssize_t n = H5Fget_file_image(c.file, NULL, 0);
    if (n < 0) {
        rc = h5fail(&c, "cannot get the size of the file image");
        goto done;
    }
    size = (size_t)n;
    if (!(image = malloc(size ? size : 1))) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory copying the file image (%zu bytes)", size);
        goto done;
    }
    if (H5Fget_file_image(c.file, image, size) != n) {
        rc = h5fail(&c, "cannot copy the file image");
        goto done;
    }
    /* Frees the in-memory file before we write its copy. */
    if ((rc = close_h(&c, &c.file, H5Fclose, "the file in memory", rc)))
        goto done;
    if ((rc = write_image(tmp, path, image, size, &created, err)))
        goto done;
    if ((rc = publish(tmp, path, force, err)) == BC_OK)
        created = 0;
done:
    rc = close_h(&c, &c.str, H5Tclose, "the string type", rc);
    rc = close_h(&c, &c.root, H5Gclose, "the root group", rc);
    rc = close_h(&c, &c.file, H5Fclose, "the file in memory", rc);
    rc = close_h(&c, &fapl, H5Pclose, "the file access properties", rc);
    if (created)
        (void)unlink(tmp); /* best effort: the error that brought us here matters more */
    quiet_off(&q);
    free(image);
    free(tmp);
    return rc;
}

int bc_results_write(const char *path, int force, const bc_model *m, const bc_run_config *cfg,
                     const bc_summary *s, const char *command_line, bc_error *err)
{
    int rc = bc_results_check_path(path, force, err);
    if (rc)
        return rc;
    if ((rc = check_summary(path, m, cfg, s, err)))
        return rc;
    const run_contents r = {m, cfg, s, command_line};
    return write_file(path, force, err, write_run, &r);
}

int bc_results_write_sobol(const char *path, int force, const bc_model *m,
                           const bc_sobol_config *cfg, const bc_sobol_result *r,
                           const char *command_line, bc_error *err)
{
    int rc = bc_results_check_path(path, force, err);
    if (rc)
        return rc;
    const sobol_contents sc = {m, cfg, r, command_line};
    return write_file(path, force, err, write_sobol, &sc);
}

/* ---- reading ------------------------------------------------------------ */

static int not_ours(const h5ctx *c, const char *why, const char *name)
{
    return bc_error_set(c->err, BC_EINVAL, "%s is not a bcsim result file (%s%s%s)", c->path, why,
                        name ? " " : "", name ? name : "");
}

/* Open root attribute `name`, which must hold a single value of type class
 * `cls`. On success *a and *type are open (the caller closes them). */
static int attr_open(const h5ctx *c, const char *name, H5T_class_t cls, hid_t *a, hid_t *type)
{
    hid_t sp = H5I_INVALID_HID;
    int rc = BC_OK;
    htri_t ex = H5Aexists(c->root, name);
    if (ex < 0)
        return h5fail(c, "cannot look for attribute %s", name);
    if (!ex)
        return not_ours(c, "no attribute", name);
    if ((*a = H5Aopen(c->root, name, H5P_DEFAULT)) < 0) {
        rc = h5fail(c, "cannot open attribute %s", name);
        goto done;
    }
    if ((*type = H5Aget_type(*a)) < 0 || (sp = H5Aget_space(*a)) < 0) {
        rc = h5fail(c, "cannot get the type of attribute %s", name);
        goto done;
    }
    H5T_class_t got = H5Tget_class(*type);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (got == H5T_NO_CLASS || np < 0) {
        rc = h5fail(c, "cannot get the type of attribute %s", name);
        goto done;
    }
    if (got != cls || np != 1)
        rc = not_ours(c,
                      cls == H5T_STRING  ? "not a single string: attribute"
                      : cls == H5T_FLOAT ? "not a single floating-point number: attribute"
                                         : "not a single integer: attribute",
                      name);
done:
    rc = close_h(c, &sp, H5Sclose, name, rc);
    if (rc) {
        rc = close_h(c, type, H5Tclose, name, rc);
        rc = close_h(c, a, H5Aclose, name, rc);
    }
    return rc;
}

/* Root attribute `name` as a new string; variable- or fixed-length. */
static int attr_read_str(const h5ctx *c, const char *name, char **out)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID;
    char *buf = NULL;
    *out = NULL;
    int rc = attr_open(c, name, H5T_STRING, &a, &ft);
    if (rc)
        return rc;
    htri_t var = H5Tis_variable_str(ft);
    H5T_cset_t cset = H5Tget_cset(ft);
    size_t size = H5Tget_size(ft);
    if (var < 0 || cset < 0 || size == 0 || (mt = H5Tcopy(H5T_C_S1)) < 0 ||
        H5Tset_cset(mt, cset) < 0) {
        rc = h5fail(c, "cannot get the string type of attribute %s", name);
        goto done;
    }
    if (var) {
        char *p = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(a, mt, &p) < 0) {
            rc = h5fail(c, "cannot read attribute %s", name);
            goto done;
        }
        *out = strdup(p ? p : "");
        if (p && H5free_memory(p) < 0 && rc == BC_OK)
            rc = h5fail(c, "cannot free the string of attribute %s", name);
    } else {
        if (!(buf = malloc(size + 1))) {
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
            goto done;
        }
        if (H5Tset_size(mt, size + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
            H5Aread(a, mt, buf) < 0) {
            rc = h5fail(c, "cannot read attribute %s", name);
            goto done;
        }
        buf[size] = '\0';
        *out = strdup(buf);
    }
    if (!*out && rc == BC_OK)
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory");
done:
    free(buf);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    rc = close_h(c, &mt, H5Tclose, name, rc);
    rc = close_h(c, &ft, H5Tclose, name, rc);
    rc = close_h(c, &a, H5Aclose, name, rc);
    return rc;
}

/* Root attribute `name`, an integer of any width, converted to `mtype`. */
static int attr_read_int(const h5ctx *c, const char *name, hid_t mtype, void *out)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    int rc = attr_open(c, name, H5T_INTEGER, &a, &ft);
    if (rc)
        return rc;
    if (H5Aread(a, mtype, out) < 0)
        rc = h5fail(c, "cannot read attribute %s", name);
    rc = close_h(c, &ft, H5Tclose, name, rc);
    rc = close_h(c, &a, H5Aclose, name, rc);
    return rc;
}

/* Split `s` at "\n" into new strings; "" gives none. */
static int split_lines(const char *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s[0])
        return BC_OK;
    size_t k = 1;
    for (const char *p = s; *p; p++)
        k += *p == '\n';
    char **v = calloc(k, sizeof *v);
    if (!v)
        return BC_ENOMEM;
    const char *p = s;
    for (size_t i = 0; i < k; i++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!(v[i] = malloc(len + 1))) {
            free_strs(v, k);
            return BC_ENOMEM;
        }
        memcpy(v[i], p, len);
        v[i][len] = '\0';
        p = e ? e + 1 : p + len;
    }
    *out = v;
    *n = k;
    return BC_OK;
}

/* Open the file c->path read-only and check that it is a bcsim result file
 * of a format version this library reads. On success c->file and c->root
 * are open; on any path the caller closes them (close_h) and must have called
 * quiet_on before. */
static int open_result(h5ctx *c)
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
        return h5fail_io(c, "cannot read the file");
    if (!is)
        return not_ours(c, "not an HDF5 file", NULL);
    if ((c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        return h5fail_io(c, "cannot open the file");
    if ((c->root = H5Gopen2(c->file, "/", H5P_DEFAULT)) < 0)
        return h5fail(c, "cannot open the root group");
    char *format = NULL;
    int version = 0, rc = attr_read_str(c, "format", &format);
    if (rc)
        return rc;
    if (strcmp(format, BC_RESULTS_FORMAT) != 0)
        rc = bc_error_set(c->err, BC_EINVAL,
                          "%s is not a bcsim result file (attribute format is '%s', not '%s')",
                          path, format, BC_RESULTS_FORMAT);
    free(format);
    if (rc || (rc = attr_read_int(c, "format_version", H5T_NATIVE_INT, &version)))
        return rc;
    if (version < 1 || version > BC_RESULTS_FORMAT_VERSION)
        return bc_error_set(c->err, BC_EINVAL,
                            "%s has result format version %d; this bcsim reads versions 1 to %d",
                            path, version, BC_RESULTS_FORMAT_VERSION);
    return BC_OK;
}

/* What identifies a study: the model text, overrides and run configuration.
 * `want` is "run", or "state" for a checkpoint or a shard. */
static int read_identity(const char *path, const char *want, char **model_text, char **model_file,
                         char ***overrides, size_t *n_overrides, bc_run_config *cfg,
                         bc_error *err)
{
    *model_text = *model_file = NULL;
    *overrides = NULL;
    *n_overrides = 0;
    h5ctx c = {.file = H5I_INVALID_HID,
               .root = H5I_INVALID_HID,
               .str = H5I_INVALID_HID,
               .path = path,
               .err = err};
    char *text = NULL, *file = NULL, *ovr = NULL, *sampler = NULL;
    char **ov = NULL;
    size_t nov = 0;
    uint64_t seed = 0, runs = 0, block = 0, text_len = 0;
    bc_sampler_kind kind = BC_SAMPLER_MC;
    h5quiet q = {0};

    int rc = quiet_on(&q, &c);
    if (rc || (rc = open_result(&c)))
        goto done;
    if (H5Aexists(c.root, "study") > 0) {
        char *what = NULL;
        if ((rc = attr_read_str(&c, "study", &what)))
            goto done;
        int is_state = strcmp(what, "checkpoint") == 0 || strcmp(what, "shard") == 0;
        if (strcmp(want, "state") == 0 ? !is_state : strcmp(what, want) != 0) {
            rc = strcmp(want, "run") == 0
                     ? bc_error_set(err, BC_EINVAL,
                                    "%s holds a '%s' study, not a run: there are no runs to replay",
                                    path, what)
                     : bc_error_set(err, BC_EINVAL,
                                    "%s holds a '%s' study, not a checkpoint or a shard", path,
                                    what);
            free(what);
            goto done;
        }
        free(what);
    } else if (strcmp(want, "run") != 0) {
        rc = bc_error_set(err, BC_EINVAL, "%s holds a run, not a checkpoint or a shard", path);
        goto done;
    }
    if ((rc = attr_read_str(&c, "model_text", &text)) ||
        (rc = attr_read_int(&c, "model_text_length", H5T_NATIVE_UINT64, &text_len)) ||
        (rc = attr_read_str(&c, "model_file", &file)) ||
        (rc = attr_read_str(&c, "overrides", &ovr)) ||
        (rc = attr_read_str(&c, "sampler", &sampler)) ||
        (rc = attr_read_int(&c, "seed", H5T_NATIVE_UINT64, &seed)) ||
        (rc = attr_read_int(&c, "runs", H5T_NATIVE_UINT64, &runs)) ||
        (rc = attr_read_int(&c, "block", H5T_NATIVE_UINT64, &block)))
        goto done;
    if (text_len > strlen(text)) {
        rc = not_ours(&c, "model_text_length exceeds the length of model_text", NULL);
        goto done;
    }
    text[text_len] = '\0'; /* drop the "# --set" lines */
    if (bc_sampler_kind_from_name(sampler, &kind) != BC_OK) {
        rc = not_ours(&c, "unknown sampler:", sampler);
        goto done;
    }
    if (runs == 0) {
        rc = not_ours(&c, "runs is 0", NULL);
        goto done;
    }
    if (split_lines(ovr, &ov, &nov) != BC_OK) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
done:
    rc = close_h(&c, &c.root, H5Gclose, "the root group", rc);
    rc = close_h(&c, &c.file, H5Fclose, path, rc);
    quiet_off(&q);
    free(ovr);
    free(sampler);
    if (rc) {
        free(text);
        free(file);
        free_strs(ov, nov);
        return rc;
    }
    *model_text = text;
    *model_file = file;
    *overrides = ov;
    *n_overrides = nov;
    cfg->runs = runs;
    cfg->seed = seed;
    cfg->sampler = kind;
    cfg->block = block;
    return BC_OK;
}

int bc_results_read_run(const char *path, char **model_text, char **model_file, char ***overrides,
                        size_t *n_overrides, bc_run_config *cfg, bc_error *err)
{
    return read_identity(path, "run", model_text, model_file, overrides, n_overrides, cfg, err);
}

/* ---- run states: checkpoints and shards ----------------------------------- */

typedef struct state_contents {
    const bc_model *m;
    const bc_run_config *cfg;
    const bc_run_state *s;
    const char *kind;
    uint64_t shard, shards;
    const char *command_line;
    const void *bytes;
    size_t len;
} state_contents;

static int write_state_contents(const h5ctx *c, const void *data)
{
    const state_contents *sc = data;
    const study st = {sc->kind, sc->cfg->seed, sc->cfg->runs,
                      sc->cfg->block ? sc->cfg->block : BC_DEFAULT_BLOCK,
                      bc_sampler_kind_name(sc->cfg->sampler), sc->command_line, NAN};
    const hid_t r = c->root;
    const char *o = "the root group";
    hsize_t n = sc->len;
    int rc;
    (void)((rc = write_root(c, sc->m, &st)) ||
           (rc = attr_u64(c, r, o, "shard", sc->shard)) ||
           (rc = attr_u64(c, r, o, "shards", sc->shards)) ||
           (rc = attr_u64(c, r, o, "segments", bc_run_state_segments(sc->s))) ||
           (rc = attr_u64(c, r, o, "segment_first", bc_run_state_first(sc->s))) ||
           (rc = attr_u64(c, r, o, "segment_next", bc_run_state_next(sc->s))) ||
           (rc = group(c, "/state",
                       "The accumulated state of the run's segments segment_first to "
                       "segment_next - 1, for bcsim merge or bcsim run --resume.")) ||
           (rc = dset(c, "/state/bytes", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, &n, sc->bytes, "1",
                      "The run state as little-endian words (bc_run_state_pack): segment "
                      "partials, histograms and counts.",
                      0, NULL)));
    return rc;
}

int bc_results_write_state(const char *path, const bc_model *m, const bc_run_config *cfg,
                           const bc_run_state *s, const char *kind, uint64_t shard,
                           uint64_t shards, int force, const char *command_line, bc_error *err)
{
    int rc = bc_results_check_path(path, force, err);
    if (rc)
        return rc;
    void *bytes = NULL;
    size_t len = 0;
    if ((rc = bc_run_state_pack(s, &bytes, &len, err)))
        return rc;
    const state_contents sc = {m, cfg, s, kind, shard, shards, command_line, bytes, len};
    rc = write_file(path, force, err, write_state_contents, &sc);
    free(bytes);
    return rc;
}

void bc_state_file_clear(bc_state_file *f)
{
    if (!f)
        return;
    free(f->model_text);
    free(f->model_file);
    free_strs(f->overrides, f->n_overrides);
    free(f->kind);
    free(f->version);
    free(f->bytes);
    memset(f, 0, sizeof *f);
}

int bc_results_read_state(const char *path, bc_state_file *f, bc_error *err)
{
    memset(f, 0, sizeof *f);
    int rc = read_identity(path, "state", &f->model_text, &f->model_file, &f->overrides,
                           &f->n_overrides, &f->cfg, err);
    if (rc)
        return rc;
    h5ctx c = {.file = H5I_INVALID_HID,
               .root = H5I_INVALID_HID,
               .str = H5I_INVALID_HID,
               .path = path,
               .err = err};
    hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    h5quiet q = {0};
    if ((rc = quiet_on(&q, &c)) || (rc = open_result(&c)))
        goto done;
    if ((rc = attr_read_str(&c, "study", &f->kind)) ||
        (rc = attr_read_str(&c, "bcsim_version", &f->version)) ||
        (rc = attr_read_int(&c, "shard", H5T_NATIVE_UINT64, &f->shard)) ||
        (rc = attr_read_int(&c, "shards", H5T_NATIVE_UINT64, &f->shards)) ||
        (rc = attr_read_int(&c, "segment_first", H5T_NATIVE_UINT64, &f->segment_first)) ||
        (rc = attr_read_int(&c, "segment_next", H5T_NATIVE_UINT64, &f->segment_next)))
        goto done;
    if ((d = H5Dopen2(c.file, "/state/bytes", H5P_DEFAULT)) < 0) {
        rc = not_ours(&c, "no /state/bytes", NULL);
        goto done;
    }
    hssize_t n;
    if ((sp = H5Dget_space(d)) < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
        (n = H5Sget_simple_extent_npoints(sp)) < 0 || (uint64_t)n > ((uint64_t)1 << 40)) {
        rc = not_ours(&c, "/state/bytes is not a list of bytes", NULL);
        goto done;
    }
    /* The bytes must be there, in the file: a dataset that declares more than it
     * holds, or more than the file's size, is damaged or forged, and reading it
     * would allocate (and, with fill values, touch) memory without bound. */
    struct stat fst;
    hsize_t stored = H5Dget_storage_size(d);
    if (stored != (hsize_t)n || stat(path, &fst) != 0 || (uint64_t)n > (uint64_t)fst.st_size) {
        rc = bc_error_set(err, BC_EINVAL,
                          "%s is damaged: /state/bytes declares %llu bytes but the file holds "
                          "%llu of them",
                          path, (unsigned long long)n, (unsigned long long)stored);
        goto done;
    }
    f->len = (size_t)n;
    if (!(f->bytes = malloc(f->len ? f->len : 1))) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory reading %s", path);
        goto done;
    }
    if (f->len && H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, f->bytes) < 0) {
        rc = h5fail_io(&c, "cannot read /state/bytes");
        goto done;
    }
done:
    rc = close_h(&c, &sp, H5Sclose, "a dataspace", rc);
    rc = close_h(&c, &d, H5Dclose, "/state/bytes", rc);
    rc = close_h(&c, &c.root, H5Gclose, "the root group", rc);
    rc = close_h(&c, &c.file, H5Fclose, path, rc);
    quiet_off(&q);
    if (rc)
        bc_state_file_clear(f);
    return rc;
}

/* ---- reading a whole file: bcsim summary and bcsim export --------------- */

/* Elements of one dataset we read whole at most: a guard against a damaged
 * or foreign file that declares an enormous shape. */
#define READ_MAX_ELEMS ((size_t)1 << 26)
/* In a wanted shape: any size. */
#define ANY_SIZE ((size_t)-1)

/* Statistics of one quantity: a group under /summary. */
typedef struct rseries {
    double *mean, *sd, *min, *max; /* [n]: n = outputs, or outputs x years */
    double *q;                     /* [n x nq] quantiles */
    double *probs;                 /* [nq] their probabilities */
    size_t nq;
} rseries;

/* One group under /histograms. */
typedef struct rhist {
    double *edges;    /* [n x (bins + 1)] */
    uint64_t *counts; /* [n x bins] */
    size_t bins;
} rhist;

struct bc_results_file {
    char *path;                        /* as given to bc_results_load */
    char *study, *model_id, *title;    /* study "run" when not recorded */
    char *sampler, *created, *version; /* created, version "" when not recorded */
    uint64_t seed, runs;               /* runs: N of a Sobol' study */
    uint64_t evaluations, bootstrap;   /* Sobol' studies; 0 when not recorded */
    double level;                      /* Sobol' interval level; NaN when not recorded */
    int start_year;
    size_t n_out, years;         /* O and H */
    char **out_id, **out_title;  /* [O] */
    size_t n_in;                 /* N */
    char **in_name, **in_spec;   /* [N] */
    double *in_base;             /* [N] */
    int *in_unc;                 /* [N] 0 or 1 */
    int have_summary;            /* /summary was read: */
    rseries avg, npv, gby;       /*   avg_gain, npv [O]; gain_by_year [O x H] */
    double *be_p, *be_se;        /*   [O] */
    double *loss_p, *loss_se;    /*   [O]; NULL in files that predate them */
    uint64_t *bey;               /*   [O x (H+1)] break-even year counts */
    int *bey_year;               /*   [H+1] calendar years, -1 for none */
    int have_hist;               /* /histograms was read: */
    rhist h_avg, h_npv, h_gby;   /*   avg_gain, npv [O]; gain_by_year [O x H] */
    int have_reg;                /* /sensitivity/regression was read: */
    size_t reg_d, reg_ny;        /*   regressors D, regressands 2 O */
    char **reg_in, **reg_out;    /*   [D], [2 O] */
    double *src, *r2;            /*   [D x 2 O], [2 O] */
    int have_tor;                /* /sensitivity/tornado was read: */
    size_t tor_k;                /*   inputs K */
    char **tor_in;               /*   [K] */
    double *tor_low, *tor_high;  /*   [K x O] mDKK/year */
    double tor_q[2];             /*   their percentiles (0.1, 0.9) */
    int have_sob;                /* /sensitivity/sobol was read: */
    size_t sob_k, sob_ny;        /*   inputs K, output quantities 3 O */
    char **sob_in, **sob_out;    /*   [K], [3 O] */
    double *first, *total;       /*   [K x 3 O] */
    double *first_ci, *total_ci; /*   [K x 3 O x 2]; NULL without bootstrap */
};

/* "[4 x 9]" into buf. */
static void shape_text(char *buf, size_t size, int rank, const size_t *d, int any)
{
    int n = snprintf(buf, size, "[");
    for (int i = 0; i < rank && n >= 0 && (size_t)n < size; i++) {
        if (any && d[i] == ANY_SIZE)
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
static int obj_exists(const h5ctx *c, const char *name, int *yes)
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
            return h5fail(c, "cannot look for %s", buf);
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
 * `rank` dimensions of the sizes want[] (ANY_SIZE: any). On success *ds and
 * *ft (its type) are open for the caller to close, got[] holds the sizes and
 * *nelem their product. */
static int ds_open(const h5ctx *c, const char *name, H5T_class_t cls, int rank, const size_t *want,
                   size_t *got, size_t *nelem, hid_t *ds, hid_t *ft)
{
    hid_t sp = H5I_INVALID_HID;
    int yes, rc = obj_exists(c, name, &yes);
    *ds = *ft = H5I_INVALID_HID;
    if (rc)
        return rc;
    if (!yes)
        return not_ours(c, "no dataset", name);
    if ((*ds = H5Dopen2(c->file, name, H5P_DEFAULT)) < 0) {
        rc = h5fail(c, "cannot open dataset %s", name);
        goto done;
    }
    if ((*ft = H5Dget_type(*ds)) < 0 || (sp = H5Dget_space(*ds)) < 0) {
        rc = h5fail(c, "cannot get the type and shape of dataset %s", name);
        goto done;
    }
    hsize_t dims[H5S_MAX_RANK];
    H5T_class_t cl = H5Tget_class(*ft);
    int r = H5Sget_simple_extent_ndims(sp);
    if (cl == H5T_NO_CLASS || r < 0 || r > H5S_MAX_RANK ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        rc = h5fail(c, "cannot get the type and shape of dataset %s", name);
        goto done;
    }
    if (cl != cls) {
        rc = not_ours(c,
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
        if (i < rank && want[i] != ANY_SIZE && have[i] != want[i])
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
        rc = not_ours(c, why, NULL);
        goto done;
    }
    if (big) {
        rc = not_ours(c, "too large: dataset", name);
        goto done;
    }
    for (int i = 0; i < rank; i++)
        got[i] = have[i];
    *nelem = n;
done:
    rc = close_h(c, &sp, H5Sclose, name, rc);
    if (rc) {
        rc = close_h(c, ft, H5Tclose, name, rc);
        rc = close_h(c, ds, H5Dclose, name, rc);
    }
    return rc;
}

/* Read the numeric dataset `name` (type class `cls`, shape as ds_open) whole
 * into a new array of `esize`-byte elements of memory type `mtype`. */
static int read_num(const h5ctx *c, const char *name, H5T_class_t cls, hid_t mtype, size_t esize,
                    int rank, const size_t *want, size_t *got, void **out)
{
    hid_t ds, ft;
    size_t n, dims[H5S_MAX_RANK];
    *out = NULL;
    int rc = ds_open(c, name, cls, rank, want, got ? got : dims, &n, &ds, &ft);
    if (rc)
        return rc;
    void *buf = calloc(n ? n : 1, esize);
    if (!buf)
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", name);
    else if (n && H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        rc = h5fail(c, "cannot read dataset %s", name);
    rc = close_h(c, &ft, H5Tclose, name, rc);
    rc = close_h(c, &ds, H5Dclose, name, rc);
    if (rc)
        free(buf);
    else
        *out = buf;
    return rc;
}

static int read_f64(const h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,
                    double **out)
{
    void *v;
    int rc = read_num(c, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, sizeof(double), rank, want, got, &v);
    *out = v;
    return rc;
}

static int read_u64(const h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,
                    uint64_t **out)
{
    void *v;
    int rc =
        read_num(c, name, H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t), rank, want, got, &v);
    *out = v;
    return rc;
}

static int read_int(const h5ctx *c, const char *name, int rank, const size_t *want, size_t *got,
                    int **out)
{
    void *v;
    int rc = read_num(c, name, H5T_INTEGER, H5T_NATIVE_INT, sizeof(int), rank, want, got, &v);
    *out = v;
    return rc;
}

/* Read the 1-D string dataset `name` of `want` elements (ANY_SIZE: any; the
 * number goes to *n) as new strings; variable- or fixed-length. */
static int read_strs(const h5ctx *c, const char *name, size_t want, size_t *n, char ***out)
{
    hid_t ds, ft, mt = H5I_INVALID_HID;
    size_t cnt, dim;
    char **v = NULL, **p = NULL, *b = NULL;
    *out = NULL;
    *n = 0;
    int rc = ds_open(c, name, H5T_STRING, 1, &want, &dim, &cnt, &ds, &ft);
    if (rc)
        return rc;
    htri_t var = H5Tis_variable_str(ft);
    H5T_cset_t cset = H5Tget_cset(ft);
    size_t size = H5Tget_size(ft);
    if (var < 0 || cset < 0 || size == 0 || (mt = H5Tcopy(H5T_C_S1)) < 0 ||
        H5Tset_cset(mt, cset) < 0) {
        rc = h5fail(c, "cannot get the string type of dataset %s", name);
        goto done;
    }
    if (!var && size > READ_MAX_ELEMS / (cnt + 1)) {
        rc = not_ours(c, "too large: dataset", name);
        goto done;
    }
    if (!(v = calloc(cnt ? cnt : 1, sizeof *v)) ||
        !(var ? (void *)(p = calloc(cnt ? cnt : 1, sizeof *p))
              : (void *)(b = malloc(cnt * (size + 1) + 1)))) {
        rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", name);
        goto done;
    }
    if (var ? H5Tset_size(mt, H5T_VARIABLE) < 0
            : H5Tset_size(mt, size + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0) {
        rc = h5fail(c, "cannot make the string type for dataset %s", name);
        goto done;
    }
    /* After a failed read of variable-length strings, HDF5 1.10 leaves those
     * it had converted allocated, while newer versions free them again: we
     * cannot tell which, so they leak rather than risk being freed twice
     * (only a damaged file gets here). */
    if (cnt && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, var ? (void *)p : (void *)b) < 0) {
        rc = h5fail(c, "cannot read dataset %s", name);
        goto done;
    }
    for (size_t i = 0; i < cnt; i++) {
        const char *s = var ? p[i] : b + i * (size + 1);
        if (!(v[i] = strdup(s ? s : "")) && rc == BC_OK)
            rc = bc_error_set(c->err, BC_ENOMEM, "out of memory reading %s", name);
        /* HDF5 allocated the strings; it must free them. */
        if (var && p[i] && H5free_memory(p[i]) < 0 && rc == BC_OK)
            rc = h5fail(c, "cannot free the strings of dataset %s", name);
    }
done:
    free(p);
    free(b);
    rc = close_h(c, &mt, H5Tclose, name, rc);
    rc = close_h(c, &ft, H5Tclose, name, rc);
    rc = close_h(c, &ds, H5Dclose, name, rc);
    if (rc) {
        free_strs(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return BC_OK;
}

/* Attribute `attr` of the object `obj`: exactly n values of class `cls`,
 * read as `mtype` into buf. */
static int obj_attr_read(const h5ctx *c, const char *obj, const char *attr, H5T_class_t cls,
                         hid_t mtype, size_t n, void *buf)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    char what[320];
    int rc = BC_OK;
    snprintf(what, sizeof what, "attribute %s of %s", attr, obj);
    htri_t ex = H5Aexists_by_name(c->file, obj, attr, H5P_DEFAULT);
    if (ex < 0)
        return h5fail(c, "cannot look for %s", what);
    if (!ex)
        return not_ours(c, "no", what);
    if ((a = H5Aopen_by_name(c->file, obj, attr, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        rc = h5fail(c, "cannot open %s", what);
        goto done;
    }
    if ((ft = H5Aget_type(a)) < 0 || (sp = H5Aget_space(a)) < 0) {
        rc = h5fail(c, "cannot get the type of %s", what);
        goto done;
    }
    H5T_class_t cl = H5Tget_class(ft);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (cl == H5T_NO_CLASS || np < 0) {
        rc = h5fail(c, "cannot get the type of %s", what);
        goto done;
    }
    if (cl != cls || (size_t)np != n) {
        char why[400];
        snprintf(why, sizeof why, "%s is not %zu %s", what, n,
                 cls == H5T_FLOAT ? "floating-point numbers" : "integers");
        rc = not_ours(c, why, NULL);
        goto done;
    }
    if (n && H5Aread(a, mtype, buf) < 0)
        rc = h5fail(c, "cannot read %s", what);
done:
    rc = close_h(c, &sp, H5Sclose, what, rc);
    rc = close_h(c, &ft, H5Tclose, what, rc);
    rc = close_h(c, &a, H5Aclose, what, rc);
    return rc;
}

/* Root attribute `name`, a floating-point number. */
static int attr_read_f64(const h5ctx *c, const char *name, double *out)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    int rc = attr_open(c, name, H5T_FLOAT, &a, &ft);
    if (rc)
        return rc;
    if (H5Aread(a, H5T_NATIVE_DOUBLE, out) < 0)
        rc = h5fail(c, "cannot read attribute %s", name);
    rc = close_h(c, &ft, H5Tclose, name, rc);
    rc = close_h(c, &a, H5Aclose, name, rc);
    return rc;
}

/* Root attribute `name` as a new string, or a copy of `dflt` when the file
 * does not have it. */
static int attr_read_str_or(const h5ctx *c, const char *name, const char *dflt, char **out)
{
    htri_t ex = H5Aexists(c->root, name);
    if (ex < 0)
        return h5fail(c, "cannot look for attribute %s", name);
    if (ex)
        return attr_read_str(c, name, out);
    if (!(*out = strdup(dflt)))
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    return BC_OK;
}

/* *yes = whether the root has attribute `name`. */
static int attr_has(const h5ctx *c, const char *name, int *yes)
{
    htri_t ex = H5Aexists(c->root, name);
    if (ex < 0)
        return h5fail(c, "cannot look for attribute %s", name);
    *yes = ex > 0;
    return BC_OK;
}

/* "GROUP/NAME" into buf (the names here are short and fixed). */
static const char *pjoin(char *buf, size_t size, const char *g, const char *name)
{
    snprintf(buf, size, "%s/%s", g, name);
    return buf;
}

/* A /summary group: mean, sd, min, max of shape dims[rank], quantiles with
 * one more axis and their probabilities. */
static int load_series(const h5ctx *c, const char *g, int rank, const size_t *dims, rseries *s)
{
    char p[128];
    size_t want[3] = {dims[0], rank > 1 ? dims[1] : ANY_SIZE, ANY_SIZE}, got[3];
    int rc;
    if ((rc = read_f64(c, pjoin(p, sizeof p, g, "mean"), rank, dims, NULL, &s->mean)) ||
        (rc = read_f64(c, pjoin(p, sizeof p, g, "sd"), rank, dims, NULL, &s->sd)) ||
        (rc = read_f64(c, pjoin(p, sizeof p, g, "min"), rank, dims, NULL, &s->min)) ||
        (rc = read_f64(c, pjoin(p, sizeof p, g, "max"), rank, dims, NULL, &s->max)) ||
        (rc = read_f64(c, pjoin(p, sizeof p, g, "quantiles"), rank + 1, want, got, &s->q)))
        return rc;
    s->nq = got[rank];
    if (!(s->probs = malloc((s->nq ? s->nq : 1) * sizeof *s->probs)))
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    return obj_attr_read(c, p, "probabilities", H5T_FLOAT, H5T_NATIVE_DOUBLE, s->nq, s->probs);
}

/* A /histograms group: counts of shape dims[rank] x bins, edges x bins+1. */
static int load_hist(const h5ctx *c, const char *g, int rank, const size_t *dims, rhist *h)
{
    char p[128];
    size_t want[3] = {dims[0], rank > 1 ? dims[1] : ANY_SIZE, ANY_SIZE}, got[3];
    int rc = read_u64(c, pjoin(p, sizeof p, g, "counts"), rank + 1, want, got, &h->counts);
    if (rc)
        return rc;
    h->bins = got[rank];
    want[rank] = h->bins + 1;
    return read_f64(c, pjoin(p, sizeof p, g, "edges"), rank + 1, want, NULL, &h->edges);
}

/* The column names of the sensitivity datasets are "QUANTITY:ID". */
static int check_columns(const h5ctx *c, const char *name, char **cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(cols[i], ':') || cols[i][0] == ':') {
            char why[320];
            snprintf(why, sizeof why, "dataset %s: '%.200s' is not QUANTITY:ID", name, cols[i]);
            return not_ours(c, why, NULL);
        }
    return BC_OK;
}

static int load_root(const h5ctx *c, bc_results_file *r)
{
    uint64_t years = 0;
    int yes, rc;
    if ((rc = attr_read_str_or(c, "study", "run", &r->study)) ||
        (rc = attr_read_str(c, "model_id", &r->model_id)) ||
        (rc = attr_read_str_or(c, "title", r->model_id, &r->title)) ||
        (rc = attr_read_str(c, "sampler", &r->sampler)) ||
        (rc = attr_read_str_or(c, "created", "", &r->created)) ||
        (rc = attr_read_str_or(c, "bcsim_version", "", &r->version)) ||
        (rc = attr_read_int(c, "seed", H5T_NATIVE_UINT64, &r->seed)) ||
        (rc = attr_read_int(c, "runs", H5T_NATIVE_UINT64, &r->runs)) ||
        (rc = attr_read_int(c, "start_year", H5T_NATIVE_INT, &r->start_year)) ||
        (rc = attr_read_int(c, "years", H5T_NATIVE_UINT64, &years)))
        return rc;
    if (years < 1 || years > 10000)
        return not_ours(c, "years is not 1 to 10000", NULL);
    if (r->start_year < -100000 || r->start_year > 100000)
        return not_ours(c, "start_year is out of range", NULL);
    if (r->runs == 0)
        return not_ours(c, "runs is 0", NULL);
    r->years = (size_t)years;
    if ((rc = attr_has(c, "sobol_evaluations", &yes)) ||
        (yes && (rc = attr_read_int(c, "sobol_evaluations", H5T_NATIVE_UINT64, &r->evaluations))) ||
        (rc = attr_has(c, "bootstrap", &yes)) ||
        (yes && (rc = attr_read_int(c, "bootstrap", H5T_NATIVE_UINT64, &r->bootstrap))) ||
        (rc = attr_has(c, "confidence_level", &yes)) ||
        (yes && (rc = attr_read_f64(c, "confidence_level", &r->level))))
        return rc;
    return BC_OK;
}

static int load_summary(const h5ctx *c, bc_results_file *r)
{
    const size_t O = r->n_out, H = r->years;
    const size_t o1[1] = {O}, oh[2] = {O, H}, oy[2] = {O, H + 1};
    int yes, rc;
    if ((rc = load_series(c, "/summary/avg_gain", 1, o1, &r->avg)) ||
        (rc = load_series(c, "/summary/npv", 1, o1, &r->npv)) ||
        (rc = load_series(c, "/summary/gain_by_year", 2, oh, &r->gby)) ||
        (rc = read_f64(c, "/summary/break_even_probability", 1, o1, NULL, &r->be_p)) ||
        (rc = read_f64(c, "/summary/break_even_probability_se", 1, o1, NULL, &r->be_se)) ||
        (rc = read_u64(c, "/summary/break_even_year", 2, oy, NULL, &r->bey)))
        return rc;
    if (!(r->bey_year = malloc((H + 1) * sizeof *r->bey_year)))
        return bc_error_set(c->err, BC_ENOMEM, "out of memory");
    if ((rc = obj_attr_read(c, "/summary/break_even_year", "years", H5T_INTEGER, H5T_NATIVE_INT,
                            H + 1, r->bey_year)))
        return rc;
    /* Files written before the loss probability was added lack it. */
    if ((rc = obj_exists(c, "/summary/loss_probability", &yes)) || !yes)
        return rc;
    if ((rc = read_f64(c, "/summary/loss_probability", 1, o1, NULL, &r->loss_p)) ||
        (rc = read_f64(c, "/summary/loss_probability_se", 1, o1, NULL, &r->loss_se)))
        return rc;
    return BC_OK;
}

static int load_sensitivity(const h5ctx *c, bc_results_file *r)
{
    const size_t O = r->n_out;
    int yes, rc;
    size_t d[3];
    if ((rc = obj_exists(c, "/sensitivity/regression", &yes)))
        return rc;
    if (yes) {
        if ((rc =
                 read_strs(c, "/sensitivity/regression/inputs", ANY_SIZE, &r->reg_d, &r->reg_in)) ||
            (rc = read_strs(c, "/sensitivity/regression/outputs", ANY_SIZE, &r->reg_ny,
                            &r->reg_out)) ||
            (rc = check_columns(c, "/sensitivity/regression/outputs", r->reg_out, r->reg_ny)) ||
            (rc = read_f64(c, "/sensitivity/regression/src", 2, (size_t[]){r->reg_d, r->reg_ny},
                           NULL, &r->src)) ||
            (rc = read_f64(c, "/sensitivity/regression/r2", 1, &r->reg_ny, NULL, &r->r2)))
            return rc;
        r->have_reg = 1;
    }
    if ((rc = obj_exists(c, "/sensitivity/tornado", &yes)))
        return rc;
    if (yes) {
        if ((rc = read_strs(c, "/sensitivity/tornado/inputs", ANY_SIZE, &r->tor_k, &r->tor_in)) ||
            (rc = read_f64(c, "/sensitivity/tornado/low", 2, (size_t[]){r->tor_k, O}, NULL,
                           &r->tor_low)) ||
            (rc = read_f64(c, "/sensitivity/tornado/high", 2, (size_t[]){r->tor_k, O}, NULL,
                           &r->tor_high)) ||
            (rc = obj_attr_read(c, "/sensitivity/tornado/low", "quantiles", H5T_FLOAT,
                                H5T_NATIVE_DOUBLE, 2, r->tor_q)))
            return rc;
        r->have_tor = 1;
    }
    if ((rc = obj_exists(c, "/sensitivity/sobol", &yes)))
        return rc;
    if (yes) {
        if ((rc = read_strs(c, "/sensitivity/sobol/inputs", ANY_SIZE, &r->sob_k, &r->sob_in)) ||
            (rc = read_strs(c, "/sensitivity/sobol/outputs", ANY_SIZE, &r->sob_ny, &r->sob_out)) ||
            (rc = check_columns(c, "/sensitivity/sobol/outputs", r->sob_out, r->sob_ny)))
            return rc;
        d[0] = r->sob_k;
        d[1] = r->sob_ny;
        d[2] = 2;
        if ((rc = read_f64(c, "/sensitivity/sobol/first", 2, d, NULL, &r->first)) ||
            (rc = read_f64(c, "/sensitivity/sobol/total", 2, d, NULL, &r->total)) ||
            (rc = obj_exists(c, "/sensitivity/sobol/first_ci", &yes)) ||
            (yes && ((rc = read_f64(c, "/sensitivity/sobol/first_ci", 3, d, NULL, &r->first_ci)) ||
                     (rc = read_f64(c, "/sensitivity/sobol/total_ci", 3, d, NULL, &r->total_ci)))))
            return rc;
        r->have_sob = 1;
    }
    return BC_OK;
}

static int load_all(const h5ctx *c, bc_results_file *r)
{
    size_t n;
    int yes, rc;
    if ((rc = load_root(c, r)) ||
        (rc = read_strs(c, "/outputs/names", ANY_SIZE, &r->n_out, &r->out_id)) ||
        (rc = read_strs(c, "/outputs/titles", r->n_out, &n, &r->out_title)) ||
        (rc = read_strs(c, "/inputs/names", ANY_SIZE, &r->n_in, &r->in_name)) ||
        (rc = read_strs(c, "/inputs/spec", r->n_in, &n, &r->in_spec)) ||
        (rc = read_f64(c, "/inputs/base", 1, &r->n_in, NULL, &r->in_base)) ||
        (rc = read_int(c, "/inputs/uncertain", 1, &r->n_in, NULL, &r->in_unc)))
        return rc;
    if (r->n_out == 0)
        return not_ours(c, "no outputs in", "/outputs/names");
    const size_t O = r->n_out, H = r->years, o1[1] = {O}, oh[2] = {O, H};
    if ((rc = obj_exists(c, "/summary", &yes)) || (yes && (rc = load_summary(c, r))))
        return rc;
    r->have_summary = yes;
    if ((rc = obj_exists(c, "/histograms", &yes)) ||
        (yes && ((rc = load_hist(c, "/histograms/avg_gain", 1, o1, &r->h_avg)) ||
                 (rc = load_hist(c, "/histograms/npv", 1, o1, &r->h_npv)) ||
                 (rc = load_hist(c, "/histograms/gain_by_year", 2, oh, &r->h_gby)))))
        return rc;
    r->have_hist = yes;
    return load_sensitivity(c, r);
}

static void free_series(rseries *s)
{
    free(s->mean);
    free(s->sd);
    free(s->min);
    free(s->max);
    free(s->q);
    free(s->probs);
}

static void free_hist(rhist *h)
{
    free(h->edges);
    free(h->counts);
}

void bc_results_free(bc_results_file *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->study);
    free(r->model_id);
    free(r->title);
    free(r->sampler);
    free(r->created);
    free(r->version);
    free_strs(r->out_id, r->n_out);
    free_strs(r->out_title, r->n_out);
    free_strs(r->in_name, r->n_in);
    free_strs(r->in_spec, r->n_in);
    free(r->in_base);
    free(r->in_unc);
    free_series(&r->avg);
    free_series(&r->npv);
    free_series(&r->gby);
    free(r->be_p);
    free(r->be_se);
    free(r->loss_p);
    free(r->loss_se);
    free(r->bey);
    free(r->bey_year);
    free_hist(&r->h_avg);
    free_hist(&r->h_npv);
    free_hist(&r->h_gby);
    free_strs(r->reg_in, r->reg_d);
    free_strs(r->reg_out, r->reg_ny);
    free(r->src);
    free(r->r2);
    free_strs(r->tor_in, r->tor_k);
    free(r->tor_low);
    free(r->tor_high);
    free_strs(r->sob_in, r->sob_k);
    free_strs(r->sob_out, r->sob_ny);
    free(r->first);
    free(r->total);
    free(r->first_ci);
    free(r->total_ci);
    free(r);
}

int bc_results_load(const char *path, bc_results_file **out, bc_error *err)
{
    *out = NULL;
    h5ctx c = {.file = H5I_INVALID_HID,
               .root = H5I_INVALID_HID,
               .str = H5I_INVALID_HID,
               .path = path,
               .err = err};
    h5quiet q = {0};
    bc_results_file *r = calloc(1, sizeof *r);
    if (!r)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    r->level = NAN;
    int rc = quiet_on(&q, &c);
    if (rc || (rc = open_result(&c)))
        goto done;
    if (!(r->path = strdup(path))) {
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
        goto done;
    }
    rc = load_all(&c, r);
done:
    rc = close_h(&c, &c.root, H5Gclose, "the root group", rc);
    rc = close_h(&c, &c.file, H5Fclose, path ? path : "the file", rc);
    quiet_off(&q);
    if (rc) {
        bc_results_free(r);
        return rc;
    }
    *out = r;
    return BC_OK;
}

/* ---- the summary -------------------------------------------------------- */

#define SUMMARY_WIDTH 100

/* Write s cut to at most `cols` characters (UTF-8 code points; the titles
 * hold Danish letters), ending in "..." when cut. */
static void put_cut(FILE *fp, const char *s, size_t cols)
{
    size_t n = 0, i = 0, cut = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == (cols > 3 ? cols - 3 : 0))
                cut = i;
            n++;
        }
    if (n <= cols) {
        fputs(s, fp);
        return;
    }
    fprintf(fp, "%.*s...", (int)cut, s);
}

/* `s` if it has at most `width` (< 64) characters, else its start and end
 * around "..." in buf, so that the field of an input name (academics.effect)
 * stays visible. The names are ASCII. */
static const char *fit(char buf[64], const char *s, size_t width)
{
    size_t n = strlen(s);
    if (n <= width || width < 8 || width > 63)
        return s;
    size_t left = (width - 3) / 2, right = width - 3 - left;
    snprintf(buf, 64, "%.*s...%s", (int)left, s, s + n - right);
    return buf;
}

/* Index of probability p in probs[n], or -1. */
static int prob_index(const double *probs, size_t n, double p)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(probs[i] - p) < 1e-9)
            return (int)i;
    return -1;
}

/* The (up to) three largest of key(i) for i < n, largest first, into idx;
 * NaN ranks below every number and is never chosen. Returns how many. */
static size_t top3(const double *v, size_t n, size_t stride, size_t col, int absval, size_t idx[3])
{
    size_t k = 0;
    for (; k < 3; k++) {
        int found = 0;
        double best = 0;
        for (size_t i = 0; i < n; i++) {
            double x = v[i * stride + col];
            if (absval)
                x = fabs(x);
            int taken = 0;
            for (size_t j = 0; j < k; j++)
                taken |= idx[j] == i;
            if (taken || isnan(x) || (found && !(x > best)))
                continue;
            best = x;
            idx[k] = i;
            found = 1;
        }
        if (!found)
            break;
    }
    return k;
}

/* Column of "QUANTITY:ID" in cols[n], or -1. */
static long find_col(char *const *cols, size_t n, const char *quantity, const char *id)
{
    size_t lq = strlen(quantity);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(cols[i], quantity, lq) && cols[i][lq] == ':' && !strcmp(cols[i] + lq + 1, id))
            return (long)i;
    return -1;
}

/* Width of the output column of the tables: the longest id, within [9, 16]
 * (longer ids are cut there; the list of outputs shows them whole). */
static int id_width(const bc_results_file *r)
{
    size_t w = 9;
    for (size_t o = 0; o < r->n_out; o++)
        if (strlen(r->out_id[o]) > w)
            w = strlen(r->out_id[o]);
    return (int)(w > 16 ? 16 : w);
}

static void summary_header(const bc_results_file *r, FILE *fp)
{
    const int is_sobol = !strcmp(r->study, "sobol");
    fprintf(fp, "Result file %s\n", r->path);
    fputs("  model    ", fp);
    const size_t idlen = strlen(r->model_id);
    put_cut(fp, r->title, idlen < SUMMARY_WIDTH - 40 ? SUMMARY_WIDTH - 14 - idlen : 26);
    fprintf(fp, " (%s)\n", r->model_id);
    if (is_sobol) {
        fprintf(fp, "  study    sobol: N = %llu base samples", (unsigned long long)r->runs);
        if (r->evaluations)
            fprintf(fp, " (%llu evaluations)", (unsigned long long)r->evaluations);
    } else {
        fprintf(fp, "  study    %s: %llu runs", r->study, (unsigned long long)r->runs);
    }
    fprintf(fp, ", sampler %s, seed %llu\n", r->sampler, (unsigned long long)r->seed);
    fprintf(fp, "  horizon  %d-%d (%zu year%s)\n", r->start_year, r->start_year + (int)r->years - 1,
            r->years, r->years == 1 ? "" : "s");
    fprintf(fp, "  made     %s with bcsim %s\n", r->created[0] ? r->created : "(time not recorded)",
            r->version[0] ? r->version : "(version not recorded)");
    fputs("\nOutputs (the proposals, then the portfolio)\n", fp);
    size_t w = 9;
    for (size_t o = 0; o < r->n_out; o++)
        if (strlen(r->out_id[o]) > w)
            w = strlen(r->out_id[o]);
    for (size_t o = 0; o < r->n_out; o++) {
        fprintf(fp, "  %-*s  ", (int)w, r->out_id[o]);
        put_cut(fp, r->out_title[o], w + 24 < SUMMARY_WIDTH ? SUMMARY_WIDTH - 4 - w : 20);
        fputc('\n', fp);
    }
}

/* "  54.75 % +- 0.05 %" as bcsim run prints it, or n/a. */
/* x in `width` columns: with 3 decimals where that fits, else in e-notation
 * with as many digits as fit (outputs of millions of mDKK and more), so that
 * the report keeps its columns whatever the model. */
static const char *fixed(char buf[32], double x, int width)
{
    if (snprintf(buf, 32, "%*.3f", width, x) <= width)
        return buf;
    for (int prec = width - 7; prec >= 0; prec--)
        if (snprintf(buf, 32, "%*.*e", width, prec, x) <= width)
            break;
    return buf;
}

static void put_prob(FILE *fp, const double *p, const double *se, size_t o)
{
    if (p && se)
        fprintf(fp, "   %6.2f %% +- %4.2f %%", 100 * p[o], 100 * se[o]);
    else
        fprintf(fp, "   %18s", "n/a");
}

static void summary_stats(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    const size_t O = r->n_out, H = r->years;
    const int i5 = prob_index(r->avg.probs, r->avg.nq, 0.05),
              i50 = prob_index(r->avg.probs, r->avg.nq, 0.5),
              i95 = prob_index(r->avg.probs, r->avg.nq, 0.95);
    fprintf(fp, "\nAverage annual gain %d-%d, mDKK/year, over %llu runs\n", r->start_year,
            r->start_year + (int)H - 1, (unsigned long long)r->runs);
    fprintf(fp, "  %-*s %9s %9s %9s %9s%21s%21s\n", w, "output", "mean", "P5", "P50", "P95",
            "P(break even) +- se", "P(loss > 1) +- se");
    for (size_t o = 0; o < O; o++) {
        char num[32];
        fprintf(fp, "  %-*s %s", w, fit(b, r->out_id[o], (size_t)w),
                fixed(num, r->avg.mean[o], 9));
        const int idx[3] = {i5, i50, i95};
        for (int k = 0; k < 3; k++)
            if (idx[k] >= 0)
                fprintf(fp, " %s", fixed(num, r->avg.q[o * r->avg.nq + (size_t)idx[k]], 9));
            else
                fprintf(fp, " %9s", "n/a");
        put_prob(fp, r->be_p, r->be_se, o);
        put_prob(fp, r->loss_p, r->loss_se, o);
        fputc('\n', fp);
    }
    fputs("Break even: average annual gain >= 0. Loss: average annual gain < -1 mDKK/year.\n", fp);
    if (!r->loss_p)
        fputs("This file predates the loss probability (n/a).\n", fp);

    fprintf(fp, "\nMost likely break-even year (the first year whose cumulative gain is >= 0)\n");
    fprintf(fp, "  %-*s  %-24s %s\n", w, "output", "year", "share of runs");
    for (size_t o = 0; o < O; o++) {
        const uint64_t *row = r->bey + o * (H + 1);
        size_t best = 0;
        for (size_t j = 1; j <= H; j++)
            if (row[j] > row[best])
                best = j;
        char year[32];
        if (r->bey_year[best] < 0)
            snprintf(year, sizeof year, "none within the horizon");
        else
            snprintf(year, sizeof year, "%d", r->bey_year[best]);
        fprintf(fp, "  %-*s  %-24s %9.2f %%\n", w, fit(b, r->out_id[o], (size_t)w), year,
                100.0 * (double)row[best] / (double)r->runs);
    }
}

static void summary_regression(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    fputs("\nTop drivers of the average annual gain: standardised regression coefficients SRC\n"
          "(linear regression over the runs; ranked by |SRC|; R\xc2\xb2 = share of the variance "
          "explained)\n",
          fp);
    fprintf(fp, "  %-*s  R\xc2\xb2     rank  %-34s %8s\n", w, "output", "input", "SRC");
    for (size_t o = 0; o < r->n_out; o++) {
        long y = find_col(r->reg_out, r->reg_ny, "avg_gain", r->out_id[o]);
        fprintf(fp, "  %-*s", w, fit(b, r->out_id[o], (size_t)w));
        if (y < 0) {
            fputs("  (no regression for this output)\n", fp);
            continue;
        }
        size_t idx[3], k = top3(r->src, r->reg_d, r->reg_ny, (size_t)y, 1, idx);
        fprintf(fp, "  %5.3f", r->r2[y]);
        if (k == 0)
            fputs("  (no inputs)\n", fp);
        for (size_t i = 0; i < k; i++)
            fprintf(fp, "%*s%-4zu  %-34s %8.3f\n", i ? w + 11 : 2, "", i + 1,
                    fit(b, r->reg_in[idx[i]], 34), r->src[idx[i] * r->reg_ny + (size_t)y]);
    }
}

static void summary_tornado(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    const size_t O = r->n_out, K = r->tor_k;
    double *swing = malloc((K ? K : 1) * O * sizeof *swing);
    fprintf(fp,
            "\nTop drivers of the average annual gain: tornado, mDKK/year (each input alone at its "
            "\n%g and %g quantile, the others at their base values; ranked by the swing "
            "|high - low|)\n",
            r->tor_q[0], r->tor_q[1]);
    if (!swing) {
        fputs("  (out of memory)\n", fp);
        return;
    }
    for (size_t q = 0; q < K * O; q++)
        swing[q] = fabs(r->tor_high[q] - r->tor_low[q]);
    fprintf(fp, "  %-*s  rank  %-34s %8s %8s %8s\n", w, "output", "input", "low", "high", "swing");
    for (size_t o = 0; o < O; o++) {
        size_t idx[3], k = top3(swing, K, O, o, 0, idx);
        fprintf(fp, "  %-*s", w, fit(b, r->out_id[o], (size_t)w));
        if (k == 0)
            fputs("  (no inputs)\n", fp);
        for (size_t i = 0; i < k; i++) {
            size_t q = idx[i] * O + o;
            char lo[32], hi[32], sw[32];
            fprintf(fp, "%*s%-4zu  %-34s %s %s %s\n", i ? w + 4 : 2, "", i + 1,
                    fit(b, r->tor_in[idx[i]], 34), fixed(lo, r->tor_low[q], 8),
                    fixed(hi, r->tor_high[q], 8), fixed(sw, swing[q], 8));
        }
    }
    free(swing);
}

static void summary_sobol(const bc_results_file *r, FILE *fp)
{
    const int w = id_width(r);
    char b[64];
    static const char *const qn[2] = {"avg_gain", "break_even"};
    fputs("\nTop drivers: total Sobol' indices ST", fp);
    if (r->total_ci) {
        if (!isnan(r->level))
            fprintf(fp, " with %g %% bootstrap intervals", 100 * r->level);
        else
            fputs(" with bootstrap intervals", fp);
        if (r->bootstrap)
            fprintf(fp, " (%llu replicates)", (unsigned long long)r->bootstrap);
    }
    fputs("\n(avg_gain: the average annual gain; break_even: the indicator avg_gain >= 0)\n", fp);
    fprintf(fp, "  %-*s  %-10s  rank  %-32s %6s%s\n", w, "output", "quantity", "input", "ST",
            r->total_ci ? "  interval" : "");
    for (size_t o = 0; o < r->n_out; o++) {
        for (int qi = 0; qi < 2; qi++) {
            long y = find_col(r->sob_out, r->sob_ny, qn[qi], r->out_id[o]);
            if (qi == 0)
                fprintf(fp, "  %-*s  %-10s", w, fit(b, r->out_id[o], (size_t)w), qn[qi]);
            else
                fprintf(fp, "  %-*s  %-10s", w, "", qn[qi]);
            size_t idx[3], k = y < 0 ? 0 : top3(r->total, r->sob_k, r->sob_ny, (size_t)y, 0, idx);
            if (k == 0)
                fputs(y < 0 ? "  (not in this file)\n" : "  (not defined: no variance)\n", fp);
            for (size_t i = 0; i < k; i++) {
                size_t q = idx[i] * r->sob_ny + (size_t)y;
                fprintf(fp, "%*s%-4zu  %-32s %6.3f", i ? w + 16 : 2, "", i + 1,
                        fit(b, r->sob_in[idx[i]], 32), r->total[q]);
                if (r->total_ci)
                    fprintf(fp, "  [%6.3f, %6.3f]", r->total_ci[2 * q], r->total_ci[2 * q + 1]);
                fputc('\n', fp);
            }
        }
    }
}

int bc_results_summary(const bc_results_file *r, FILE *fp, bc_error *err)
{
    summary_header(r, fp);
    if (r->have_summary)
        summary_stats(r, fp);
    if (!strcmp(r->study, "sobol") && r->have_sob)
        summary_sobol(r, fp);
    else if (r->have_reg && r->reg_d > 0)
        summary_regression(r, fp);
    else if (r->have_tor && r->tor_k > 0)
        summary_tornado(r, fp);
    else if (r->have_sob)
        summary_sobol(r, fp);
    else
        fputs("\nDrivers: no sensitivity results in this file (run bcsim sobol).\n", fp);
    if (fflush(fp) != 0 || ferror(fp))
        return bc_error_set(err, BC_EIO, "writing the summary failed");
    return BC_OK;
}

/* ---- CSV export --------------------------------------------------------- */

/* A field, quoted as RFC 4180 asks only when it holds a comma, a quote or a
 * line break (quotes inside doubled). */
static void csv_str(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* A number with the fewest digits that read back to the same double; NaN
 * and infinities as NaN, Inf, -Inf, which R, Python and spreadsheets read. */
static void csv_num(FILE *fp, double x)
{
    char buf[40];
    if (isnan(x))
        fputs("NaN", fp);
    else if (isinf(x))
        fputs(x > 0 ? "Inf" : "-Inf", fp);
    else {
        bc_format_double(buf, sizeof buf, x);
        fputs(buf, fp);
    }
}

/* ",VALUE" */
static void csv_sep_num(FILE *fp, double x)
{
    fputc(',', fp);
    csv_num(fp, x);
}

/* "p05" for 0.05, "p99.5" for 0.995: the statistic name of a quantile. */
static void quantile_name(char *buf, size_t size, double p)
{
    double pc = 100 * p, r = floor(pc + 0.5);
    if (fabs(pc - r) < 1e-9 && r >= 0 && r <= 100)
        snprintf(buf, size, "p%02d", (int)r);
    else
        snprintf(buf, size, "p%g", pc);
}

/* Rows "ID,MID,STAT,VALUE" of element i of a series: mean, sd, min, max and
 * the quantiles (MID is the quantity or the year). */
static void csv_series_rows(FILE *fp, const char *id, const char *mid, const rseries *s, size_t i)
{
    static const char *const names[4] = {"mean", "sd", "min", "max"};
    const double *v[4] = {s->mean, s->sd, s->min, s->max};
    for (size_t k = 0; k < 4 + s->nq; k++) {
        char qn[48];
        if (k >= 4)
            quantile_name(qn, sizeof qn, s->probs[k - 4]);
        csv_str(fp, id);
        fprintf(fp, ",%s,%s", mid, k < 4 ? names[k] : qn);
        csv_sep_num(fp, k < 4 ? v[k][i] : s->q[i * s->nq + k - 4]);
        fputc('\n', fp);
    }
}

static void csv_summary(const bc_results_file *r, FILE *fp)
{
    static const char *const pn[4] = {"break_even_probability", "break_even_probability_se",
                                      "loss_probability", "loss_probability_se"};
    const double *pv[4] = {r->be_p, r->be_se, r->loss_p, r->loss_se};
    fputs("output,quantity,statistic,value\n", fp);
    for (size_t o = 0; o < r->n_out; o++) {
        csv_series_rows(fp, r->out_id[o], "avg_gain", &r->avg, o);
        for (int k = 0; k < 4; k++)
            if (pv[k]) { /* the loss probability is missing from older files */
                csv_str(fp, r->out_id[o]);
                fprintf(fp, ",avg_gain,%s", pn[k]);
                csv_sep_num(fp, pv[k][o]);
                fputc('\n', fp);
            }
        csv_series_rows(fp, r->out_id[o], "npv", &r->npv, o);
    }
}

static void csv_gain_by_year(const bc_results_file *r, FILE *fp)
{
    fputs("output,year,statistic,value\n", fp);
    for (size_t o = 0; o < r->n_out; o++)
        for (size_t t = 0; t < r->years; t++) {
            char year[24];
            snprintf(year, sizeof year, "%d", r->start_year + (int)t);
            csv_series_rows(fp, r->out_id[o], year, &r->gby, o * r->years + t);
        }
}

static void csv_break_even_year(const bc_results_file *r, FILE *fp)
{
    const size_t H = r->years;
    fputs("output,year,runs,share\n", fp);
    for (size_t o = 0; o < r->n_out; o++)
        for (size_t j = 0; j <= H; j++) {
            const uint64_t n = r->bey[o * (H + 1) + j];
            csv_str(fp, r->out_id[o]);
            if (r->bey_year[j] < 0)
                fputc(',', fp); /* no break-even within the horizon */
            else
                fprintf(fp, ",%d", r->bey_year[j]);
            fprintf(fp, ",%llu", (unsigned long long)n);
            csv_sep_num(fp, (double)n / (double)r->runs);
            fputc('\n', fp);
        }
}

static void csv_hist_rows(FILE *fp, const char *id, const char *quantity, const rhist *h, size_t i)
{
    const double *e = h->edges + i * (h->bins + 1);
    const uint64_t *c = h->counts + i * h->bins;
    for (size_t b = 0; b < h->bins; b++) {
        csv_str(fp, id);
        fprintf(fp, ",%s,%zu", quantity, b);
        csv_sep_num(fp, e[b]);
        csv_sep_num(fp, e[b + 1]);
        fprintf(fp, ",%llu\n", (unsigned long long)c[b]);
    }
}

static void csv_histograms(const bc_results_file *r, FILE *fp)
{
    fputs("output,quantity,bin,lower,upper,count\n", fp);
    for (size_t o = 0; o < r->n_out; o++) {
        csv_hist_rows(fp, r->out_id[o], "avg_gain", &r->h_avg, o);
        csv_hist_rows(fp, r->out_id[o], "npv", &r->h_npv, o);
        for (size_t t = 0; t < r->years; t++) {
            char q[32];
            snprintf(q, sizeof q, "gain_%d", r->start_year + (int)t);
            csv_hist_rows(fp, r->out_id[o], q, &r->h_gby, o * r->years + t);
        }
    }
}

/* "METHOD,OUTPUT,QUANTITY," from a column name "QUANTITY:OUTPUT". */
static void sens_prefix(FILE *fp, const char *method, const char *col)
{
    const char *colon = strchr(col, ':');
    fprintf(fp, "%s,", method);
    csv_str(fp, colon + 1);
    fprintf(fp, ",%.*s,", (int)(colon - col), col);
}

/* The rest of a sensitivity row: ",MEASURE,VALUE,LOWER,UPPER"; ci NULL: no
 * interval. */
static void sens_rest(FILE *fp, const char *measure, double v, const double *ci)
{
    fprintf(fp, ",%s", measure);
    csv_sep_num(fp, v);
    if (ci) {
        csv_sep_num(fp, ci[0]);
        csv_sep_num(fp, ci[1]);
        fputc('\n', fp);
    } else {
        fputs(",,\n", fp);
    }
}

static void csv_sensitivity(const bc_results_file *r, FILE *fp)
{
    fputs("method,output,quantity,input,measure,value,lower,upper\n", fp);
    if (r->have_sob)
        for (size_t y = 0; y < r->sob_ny; y++)
            for (size_t j = 0; j < r->sob_k; j++) {
                const size_t q = j * r->sob_ny + y;
                for (int m = 0; m < 2; m++) {
                    sens_prefix(fp, "sobol", r->sob_out[y]);
                    csv_str(fp, r->sob_in[j]);
                    const double *ci = m ? r->total_ci : r->first_ci;
                    sens_rest(fp, m ? "total" : "first", m ? r->total[q] : r->first[q],
                              ci ? ci + 2 * q : NULL);
                }
            }
    if (r->have_reg)
        for (size_t y = 0; y < r->reg_ny; y++) {
            sens_prefix(fp, "regression", r->reg_out[y]);
            sens_rest(fp, "r2", r->r2[y], NULL); /* input empty: the whole regression */
            for (size_t j = 0; j < r->reg_d; j++) {
                sens_prefix(fp, "regression", r->reg_out[y]);
                csv_str(fp, r->reg_in[j]);
                sens_rest(fp, "src", r->src[j * r->reg_ny + y], NULL);
            }
        }
    if (r->have_tor)
        for (size_t o = 0; o < r->n_out; o++)
            for (size_t j = 0; j < r->tor_k; j++)
                for (int m = 0; m < 2; m++) {
                    fputs("tornado,", fp);
                    csv_str(fp, r->out_id[o]);
                    fputs(",avg_gain,", fp);
                    csv_str(fp, r->tor_in[j]);
                    const size_t q = j * r->n_out + o;
                    sens_rest(fp, m ? "high" : "low", m ? r->tor_high[q] : r->tor_low[q], NULL);
                }
}

static void csv_inputs(const bc_results_file *r, FILE *fp)
{
    fputs("input,uncertain,distribution,base\n", fp);
    for (size_t i = 0; i < r->n_in; i++) {
        csv_str(fp, r->in_name[i]);
        fprintf(fp, ",%d,", r->in_unc[i]);
        csv_str(fp, r->in_spec[i]);
        csv_sep_num(fp, r->in_base[i]);
        fputc('\n', fp);
    }
}

static int has_summary(const bc_results_file *r)
{
    return r->have_summary;
}

static int has_hist(const bc_results_file *r)
{
    return r->have_hist;
}

static int has_sens(const bc_results_file *r)
{
    return r->have_sob || r->have_reg || r->have_tor;
}

static int has_always(const bc_results_file *r)
{
    (void)r;
    return 1;
}

static const struct csv_file {
    const char *name;
    int (*has)(const bc_results_file *r);
    void (*write)(const bc_results_file *r, FILE *fp);
} csv_files[] = {
    {"summary.csv", has_summary, csv_summary},
    {"gain_by_year.csv", has_summary, csv_gain_by_year},
    {"break_even_year.csv", has_summary, csv_break_even_year},
    {"histograms.csv", has_hist, csv_histograms},
    {"sensitivity.csv", has_sens, csv_sensitivity},
    {"inputs.csv", has_always, csv_inputs},
};
#define N_CSV (sizeof csv_files / sizeof csv_files[0])

/* Make the CSV text of file f in memory and write it to `tmp` (see
 * write_image). */
static int write_csv(const bc_results_file *r, const struct csv_file *f, const char *tmp,
                     const char *path, int *created, bc_error *err)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&buf, &size);
    if (!m)
        return bc_error_set(err, BC_ENOMEM, "out of memory making %s", path);
    f->write(r, m);
    int bad = ferror(m) != 0;
    if (fclose(m) != 0 || bad) {
        free(buf);
        return bc_error_set(err, BC_ENOMEM, "out of memory making %s", path);
    }
    int rc = write_image(tmp, path, buf, size, created, err);
    free(buf);
    /* Not being able to create a file in the folder is the user's to fix
     * (a folder they may not write to); failing to write it is not. */
    if (rc == BC_EIO && !*created) {
        if (err)
            err->code = BC_EINVAL;
        rc = BC_EINVAL;
    }
    return rc;
}

/* Make sure `dir` is a folder we can write to, creating it (not its parents)
 * if missing; *made says whether we created it. */
static int prepare_dir(const char *dir, int *made, bc_error *err)
{
    struct stat st;
    *made = 0;
    if (!dir || !dir[0])
        return bc_error_set(err, BC_EINVAL, "no folder given for the CSV files");
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT)
            return bc_error_set(err, BC_EINVAL, "cannot use folder %s: %s", dir, strerror(errno));
        if (mkdir(dir, 0777) != 0)
            return bc_error_set(err, BC_EINVAL, "cannot create folder %s: %s", dir,
                                strerror(errno));
        *made = 1;
        return BC_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return bc_error_set(err, BC_EINVAL, "%s exists and is not a folder", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return bc_error_set(err, BC_EINVAL, "cannot write to folder %s: %s", dir, strerror(errno));
    return BC_OK;
}

int bc_results_export_csv(const bc_results_file *r, const char *dir, int force, FILE *written,
                          bc_error *err)
{
    const struct csv_file *todo[N_CSV];
    char *path[N_CSV] = {NULL}, *tmp[N_CSV] = {NULL};
    int created[N_CSV] = {0}, made = 0;
    size_t n = 0, published = 0;
    for (size_t i = 0; i < N_CSV; i++)
        if (csv_files[i].has(r))
            todo[n++] = &csv_files[i];
    int rc = prepare_dir(dir, &made, err);
    if (rc)
        return rc;
    const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < n; i++)
        if (!(path[i] = str_printf("%s%s%s", dir, sep, todo[i]->name)) ||
            !(tmp[i] = str_printf("%s.tmp.%ld", path[i], (long)getpid()))) {
            rc = bc_error_set(err, BC_ENOMEM, "out of memory");
            goto done;
        }
    /* Refuse before writing anything: only a regular file (or a symbolic link
     * to one) may be replaced, and only with force; a directory, a device, a
     * fifo or a dangling link by one of the names never is. */
    for (size_t i = 0; i < n; i++) {
        struct stat st, lst;
        if (lstat(path[i], &lst) != 0)
            continue;
        if (stat(path[i], &st) != 0)
            rc = bc_error_set(err, BC_EINVAL, "%s is a symbolic link to nothing", path[i]);
        else if (S_ISDIR(st.st_mode))
            rc = bc_error_set(err, BC_EINVAL, "%s is a directory, not a file", path[i]);
        else if (!S_ISREG(st.st_mode))
            rc = bc_error_set(err, BC_EINVAL,
                              "%s exists and is not a regular file (a device, fifo or socket)",
                              path[i]);
        else if (!force)
            rc = bc_error_set(err, BC_EINVAL, "%s exists; use --force to replace it", path[i]);
        if (rc)
            goto done;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = write_csv(r, todo[i], tmp[i], path[i], &created[i], err)))
            goto done;
    for (; published < n; published++) {
        if ((rc = publish(tmp[published], path[published], force, err)))
            goto done;
        created[published] = 0;
    }
    for (size_t i = 0; written && i < n; i++)
        fprintf(written, "%s\n", path[i]);
done:
    for (size_t i = 0; i < n; i++) {
        if (created[i])
            (void)unlink(tmp[i]); /* best effort: the error that brought us here matters more */
        free(path[i]);
        free(tmp[i]);
    }
    if (rc && made && published == 0)
        (void)rmdir(dir); /* the folder we made, still empty */
    return rc;
}
