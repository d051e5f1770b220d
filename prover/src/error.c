#include "error.h"

#include <stdarg.h>
#include <stdio.h>

const char *via_strerror(int code) {
    switch (code) {
    case VIA_OK: return "ok";
    case VIA_ENOMEM: return "out of memory";
    case VIA_EIO: return "input/output error";
    case VIA_EFORMAT: return "malformed input";
    case VIA_EINVAL: return "invalid input";
    case VIA_EVERIFY: return "verification failed";
    case VIA_EDEVICE: return "accelerator failure";
    case VIA_EUNSUPPORTED: return "unsupported";
    default: return "unknown error";
    }
}

int via_fail(via_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
