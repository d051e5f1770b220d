/* Whole files: bounded reads, and atomic writes that a crash never leaves half-written. */
#ifndef VIA_FILE_H
#define VIA_FILE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "via/status.h"

/* Reads the whole of path into a malloc'd buffer with a NUL after the last byte (so text can
 * be parsed in place; *len does not count it). A file larger than max bytes is refused with
 * VIA_ETOOBIG naming its size and the limit; a directory or other non-regular file with
 * VIA_EIO naming what it is. "-" reads standard input (with the same limit). */
VIA_MUST_USE int via_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                               via_error *err);

/* via_read_file for secrets (key files): when the buffer has to grow (a pipe), the old block is
 * wiped before it is freed, and on failure nothing read is left in freed memory. The caller
 * releases the result with via_wipe_free(buf, len + 1). */
VIA_MUST_USE int via_read_file_secret(const char *path, size_t max, uint8_t **out, size_t *len,
                                      via_error *err);

/* Writes len bytes to path atomically: a temporary file beside it (same directory, mode
 * 0600 when private is set, 0644 otherwise), fsync, rename over path, fsync of the
 * directory. A crash leaves either the old file or the new one, never a truncated one. */
VIA_MUST_USE int via_write_atomic(const char *path, const void *data, size_t len, int private_,
                                  via_error *err);

/* The same for a file written in pieces: via_atomic_open creates the temporary file beside
 * path and gives a FILE to write to; via_atomic_commit flushes, fsyncs, closes and renames it
 * over path (then fsyncs the directory); via_atomic_abort closes and removes it, leaving path
 * as it was. Exactly one of commit and abort must follow a successful open. */
typedef struct {
    FILE *f;
    char *tmp;
    const char *path;
} via_atomic_file;
VIA_MUST_USE int via_atomic_open(via_atomic_file *a, const char *path, int private_,
                                 via_error *err);
VIA_MUST_USE int via_atomic_commit(via_atomic_file *a, via_error *err);
void via_atomic_abort(via_atomic_file *a);

/* 1 when a and b name the same existing file (same device and inode), else 0. Writers use it
 * to refuse to overwrite one of their own inputs. */
int via_same_file(const char *a, const char *b);
#endif
