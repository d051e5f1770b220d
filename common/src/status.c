#include "via/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *via_strerror(int code) {
    switch (code) {
    case VIA_OK:
        return "ok";
    case VIA_ENOMEM:
        return "out of memory";
    case VIA_EIO:
        return "input/output error";
    case VIA_EFORMAT:
        return "malformed input";
    case VIA_EINVAL:
        return "invalid input";
    case VIA_EVERIFY:
        return "verification failed";
    case VIA_EDEVICE:
        return "accelerator failure";
    case VIA_EUNSUPPORTED:
        return "unsupported";
    case VIA_ENOTFOUND:
        return "not found";
    case VIA_ENONCE_USED:
        return "secret nonce already used";
    case VIA_ERANDOM:
        return "random source failed";
    case VIA_ETRANSPORT:
        return "transport failure (connection, timeout or HTTP 5xx)";
    case VIA_ERPC:
        return "JSON-RPC error from the peer";
    case VIA_ETOOBIG:
        return "too large";
    case VIA_EBREAKER:
        return "circuit breaker open";
    case VIA_EAUTH:
        return "authentication failed";
    case VIA_EDB:
        return "database error";
    case VIA_EREORG:
        return "reorganisation deeper than the stored history";
    case VIA_EFENCED:
        return "lease no longer held";
    default:
        return "unknown error";
    }
}

int via_fail(via_error *err, int code, const char *fmt, ...) {
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void via_require_failed(const char *what, const char *file, int line) {
    fprintf(stderr, "via: internal check failed: %s (%s:%d)\n", what, file, line);
    abort();
}
