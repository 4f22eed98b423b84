/* fileio_int.h: writing output files safely, without HDF5: whether a path
 * may be written or replaced, a file's bytes written whole to PATH.tmp.PID
 * beside it, synced, then published by rename, and output folders. Used by
 * the result files (results_write.c, state_file.c) and the exports
 * (export_csv.c). Messages name the path and give the system's reason. */
#ifndef BCSIM_FILEIO_INT_H
#define BCSIM_FILEIO_INT_H

#include <stddef.h>

#include "bcsim/error.h"

/* The directory part of `path` ("." when there is none), a new string
 * (bc_free); NULL if out of memory. */
char *bc_fileio_dir_of(const char *path);

/* The temporary name beside `path`, "PATH.tmp.PID", a new string (bc_free);
 * NULL if out of memory. */
char *bc_fileio_tmp_name(const char *path);

/* May a new file take the name `path`? Yes when nothing is there; when
 * something is, only a regular file (or a symbolic link to one) may be
 * replaced, and only with `force`: a directory, a device, a fifo, a socket
 * or a dangling symbolic link never is. Creates and changes nothing.
 * Returns BC_OK or BC_EINVAL with a message naming the path. */
int bc_fileio_may_replace(const char *path, int force, bc_error *err);

/* The whole check of an output file (bc_results_check_path): a name that
 * is not empty and does not end in '/', bc_fileio_may_replace, and a
 * directory that exists and is writable. BC_OK, BC_EINVAL or BC_ENOMEM. */
int bc_fileio_check_output(const char *path, int force, bc_error *err);

/* Write buf[n] to `tmp`, created here (never through an existing name:
 * only a regular file left by an earlier process of our PID is removed
 * first), and sync it to disk. *created says whether `tmp` now exists and
 * is the caller's to remove. BC_OK, or BC_EIO naming `path` and `tmp`. */
int bc_fileio_write_image(const char *tmp, const char *path, const void *buf, size_t n,
                          int *created, bc_error *err);

/* Give the finished `tmp` the name `path`: without `force` never replacing
 * a file that appeared there (link(2); where hard links are missing, a last
 * check and rename(2)); with `force` by rename(2). On success `tmp` is gone.
 * BC_OK; BC_EINVAL ("PATH exists; use --force to replace it"); BC_EIO. */
int bc_fileio_publish(const char *tmp, const char *path, int force, bc_error *err);

/* Write buf[n] as the file `path`: to PATH.tmp.PID (bc_fileio_write_image),
 * then published (bc_fileio_publish), so that `path` is the whole new file
 * or as it was; on failure the temporary file is removed. Returns as those
 * two, or BC_ENOMEM. */
int bc_fileio_replace(const char *path, int force, const void *buf, size_t n, bc_error *err);

/* Make sure `dir` is a folder we can write to, creating it (not its parents)
 * if missing; *made says whether it was created here. `what` names the files
 * for the message when `dir` is empty ("no folder given for WHAT").
 * BC_OK or BC_EINVAL. */
int bc_fileio_prepare_dir(const char *dir, const char *what, int *made, bc_error *err);

#endif
