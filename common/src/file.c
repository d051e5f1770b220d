#include "via/file.h"
#include "via/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_fd(int fd, const char *path, size_t max, size_t hint, int secret, uint8_t **out,
                   size_t *len, via_error *err) {
    size_t cap = hint + 1 < 4096 ? 4096 : hint + 1, n = 0;
    if (cap > max + 1) cap = max + 1;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) return via_fail(err, VIA_ENOMEM, "%s: cannot allocate %zu bytes", path, cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > max) break;
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            /* secret contents never stay behind in a block realloc frees */
            uint8_t *nb =
                secret ? via_secure_realloc(buf, cap + 1, ncap + 1) : realloc(buf, ncap + 1);
            if (!nb) {
                if (secret) via_wipe(buf, cap + 1);
                free(buf);
                return via_fail(err, VIA_ENOMEM, "%s: cannot allocate %zu bytes", path, ncap + 1);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            if (secret) via_wipe(buf, cap + 1);
            free(buf);
            return via_fail(err, VIA_EIO, "%s: read failed: %s", path, strerror(e));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    if (n > max) {
        if (secret) via_wipe(buf, cap + 1);
        free(buf);
        return via_fail(err, VIA_ETOOBIG, "%s: larger than the limit of %zu bytes", path, max);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return VIA_OK;
}

static int read_file(const char *path, size_t max, int secret, uint8_t **out, size_t *len,
                     via_error *err) {
    *out = NULL;
    *len = 0;
    if (!path || !*path) return via_fail(err, VIA_EINVAL, "no file name given");
    if (!strcmp(path, "-")) return read_fd(0, "standard input", max, 0, secret, out, len, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return via_fail(err, VIA_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return via_fail(err, VIA_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return via_fail(err, VIA_EIO, "%s: is a directory, not a file", path);
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        close(fd);
        return via_fail(err, VIA_ETOOBIG, "%s: %lld bytes, above the limit of %zu bytes", path,
                        (long long)st.st_size, max);
    }
    int rc =
        read_fd(fd, path, max, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, secret, out, len, err);
    close(fd);
    return rc;
}

int via_read_file(const char *path, size_t max, uint8_t **out, size_t *len, via_error *err) {
    return read_file(path, max, 0, out, len, err);
}

int via_read_file_secret(const char *path, size_t max, uint8_t **out, size_t *len, via_error *err) {
    return read_file(path, max, 1, out, len, err);
}

static int fsync_dir_of(const char *path) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) return -1;
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int via_atomic_open(via_atomic_file *a, const char *path, int private_, via_error *err) {
    a->f = NULL;
    a->tmp = NULL;
    a->path = path;
    if (!path || !*path) return via_fail(err, VIA_EINVAL, "no output file name given");
    size_t pl = strlen(path);
    a->tmp = malloc(pl + 16);
    if (!a->tmp) return via_fail(err, VIA_ENOMEM, "%s: cannot allocate a temporary name", path);
    memcpy(a->tmp, path, pl);
    memcpy(a->tmp + pl, ".tmp.XXXXXX", 12);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        int e = errno;
        free(a->tmp);
        a->tmp = NULL;
        return via_fail(err, VIA_EIO, "%s: cannot create a file in its folder: %s", path,
                        strerror(e));
    }
    if (fchmod(fd, private_ ? 0600 : 0644) != 0 || !(a->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        free(a->tmp);
        a->tmp = NULL;
        return via_fail(err, VIA_EIO, "%s: cannot prepare the temporary file: %s", path,
                        strerror(e));
    }
    return VIA_OK;
}

void via_atomic_abort(via_atomic_file *a) {
    if (a->f) fclose(a->f);
    if (a->tmp) {
        unlink(a->tmp);
        free(a->tmp);
    }
    a->f = NULL;
    a->tmp = NULL;
}

int via_atomic_commit(via_atomic_file *a, via_error *err) {
    int rc = VIA_OK;
    if (fflush(a->f) != 0 || ferror(a->f))
        rc = via_fail(err, VIA_EIO, "%s: write failed: %s", a->path, strerror(errno));
    else if (fsync(fileno(a->f)) != 0)
        rc = via_fail(err, VIA_EIO, "%s: fsync failed: %s", a->path, strerror(errno));
    int closed = fclose(a->f);
    a->f = NULL;
    if (!rc && closed != 0)
        rc = via_fail(err, VIA_EIO, "%s: close failed: %s", a->path, strerror(errno));
    if (!rc && rename(a->tmp, a->path) != 0)
        rc = via_fail(err, VIA_EIO, "%s: cannot rename %s over it: %s", a->path, a->tmp,
                      strerror(errno));
    if (rc) {
        via_atomic_abort(a);
        return rc;
    }
    (void)fsync_dir_of(a->path); /* best effort: some file systems refuse fsync on directories */
    free(a->tmp);
    a->tmp = NULL;
    return VIA_OK;
}

int via_write_atomic(const char *path, const void *data, size_t len, int private_, via_error *err) {
    via_atomic_file a;
    int rc = via_atomic_open(&a, path, private_, err);
    if (rc) return rc;
    if (len && fwrite(data, 1, len, a.f) != len) {
        rc = via_fail(err, VIA_EIO, "%s: write failed: %s", path, strerror(errno));
        via_atomic_abort(&a);
        return rc;
    }
    return via_atomic_commit(&a, err);
}

int via_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
