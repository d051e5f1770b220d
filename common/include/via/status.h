/* One status and error system for every Via library: a code from via_status and a message
 * that names what was wrong and where (the file, the section, the field, the argument). */
#ifndef VIA_STATUS_H
#define VIA_STATUS_H
#include <stddef.h>

typedef enum {
    VIA_OK = 0,
    VIA_ENOMEM = 1,       /* an allocation failed */
    VIA_EIO = 2,          /* open/read/write of a local file failed */
    VIA_EFORMAT = 3,      /* bytes or JSON malformed, truncated, non-canonical or inconsistent */
    VIA_EINVAL = 4,       /* well-formed input that does not fit this use (sizes, keys, ranges) */
    VIA_EVERIFY = 5,      /* a proof, signature or check did not verify */
    VIA_EDEVICE = 6,      /* an accelerator failed */
    VIA_EUNSUPPORTED = 7, /* a valid request this build cannot serve */
    VIA_ENOTFOUND = 8,    /* the thing looked for is not there (no Via message, no such key) */
    VIA_ENONCE_USED = 9,  /* a secret nonce was already consumed */
    VIA_ERANDOM = 10,     /* the OS random source failed */
    VIA_ETRANSPORT = 11,  /* connection refused/reset, timeout, HTTP 5xx: after all retries */
    VIA_ERPC = 12,        /* a JSON-RPC peer answered with an error (via_error.rpc_code) */
    VIA_ETOOBIG = 13,     /* an answer or file exceeded its size limit */
    VIA_EBREAKER = 14,    /* a circuit breaker is open: no request was sent */
    VIA_EAUTH = 15,       /* HTTP 401/403, or credentials could not be read */
    VIA_EDB = 16,         /* a PostgreSQL statement failed (the message names it) */
    VIA_EREORG = 17,      /* a reorganisation deeper than the stored history */
    VIA_EFENCED = 18,     /* a lease (or a node's registration) is no longer held by us */
} via_status;

/* Filled on failure by every function that takes one. code is the via_status returned;
 * rpc_code is the peer's JSON-RPC error code when code == VIA_ERPC (else 0); http_status is
 * the last HTTP status seen by an HTTP client (0 when none). */
typedef struct {
    int code;
    int rpc_code;
    long http_status;
    char msg[512];
} via_error;

/* A static string naming code; never NULL. */
const char *via_strerror(int code);

/* printf-style; sets err->code and err->msg and returns code, so callers write
 * `return via_fail(err, VIA_EFORMAT, "%s: section %u: ...", path, id)`. err may be NULL. */
int via_fail(via_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define VIA_MUST_USE __attribute__((warn_unused_result))

/* A safety check that holds in every build (unlike assert, which NDEBUG removes): when cond
 * is false the process stops with the check, the file and the line, before any use of what
 * the check guards. For invariants the caller guarantees (sizes the library chose itself,
 * allocations of bookkeeping memory), never for outside input, which gets a via_error. */
#define VIA_REQUIRE(cond)                                                                          \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0)) via_require_failed(#cond, __FILE__, __LINE__);           \
    } while (0)
__attribute__((noreturn)) void via_require_failed(const char *what, const char *file, int line);
#endif
