/* fileio.c: output files written whole or not at all, without HDF5 (see
 * src/fileio_int.h): path checks, PATH.tmp.PID, fsync, publish by rename,
 * output folders. */
#define _POSIX_C_SOURCE 200809L

#include "fileio_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_int.h"
#include "strutil_int.h"

char *bc_fileio_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return bc_strdup(".");
    return bc_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

char *bc_fileio_tmp_name(const char *path)
{
    return bc_str_printf("%s.tmp.%ld", path, (long)getpid());
}

int bc_fileio_may_replace(const char *path, int force, bc_error *err)
{
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
    return BC_OK;
}

int bc_fileio_check_output(const char *path, int force, bc_error *err)
{
    if (!path || !path[0])
        return bc_error_set(err, BC_EINVAL, "no output file given");
    if (path[strlen(path) - 1] == '/')
        return bc_error_set(err, BC_EINVAL, "%s names a directory, not a file", path);
    int rc = bc_fileio_may_replace(path, force, err);
    if (rc)
        return rc;

    char *dir = bc_fileio_dir_of(path);
    if (!dir)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    struct stat st;
    if (stat(dir, &st) != 0)
        rc = bc_error_set(err, BC_EINVAL, "cannot write %s: directory %s: %s", path, dir,
                          strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = bc_error_set(err, BC_EINVAL, "cannot write %s: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = bc_error_set(err, BC_EINVAL, "cannot write %s: directory %s is not writable (%s)",
                          path, dir, strerror(errno));
    bc_free(dir);
    return rc;
}

/* The image is made durable before it replaces PATH, so that a crash cannot
 * leave PATH naming an empty or partial file. */
int bc_fileio_write_image(const char *tmp, const char *path, const void *buf, size_t n,
                          int *created, bc_error *err)
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

int bc_fileio_publish(const char *tmp, const char *path, int force, bc_error *err)
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

int bc_fileio_replace(const char *path, int force, const void *buf, size_t n, bc_error *err)
{
    char *tmp = bc_fileio_tmp_name(path);
    if (!tmp)
        return bc_error_set(err, BC_ENOMEM, "out of memory");
    int created = 0; /* tmp exists and is ours to remove */
    int rc = bc_fileio_write_image(tmp, path, buf, n, &created, err);
    if (rc == BC_OK && (rc = bc_fileio_publish(tmp, path, force, err)) == BC_OK)
        created = 0;
    if (created)
        (void)unlink(tmp); /* best effort: the error that brought us here matters more */
    bc_free(tmp);
    return rc;
}

int bc_fileio_prepare_dir(const char *dir, const char *what, int *made, bc_error *err)
{
    struct stat st;
    *made = 0;
    if (!dir || !dir[0])
        return bc_error_set(err, BC_EINVAL, "no folder given for %s", what);
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
