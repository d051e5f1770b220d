/* Status codes and the error record filled by functions that read outside data. */
#ifndef VIA_PROVER_ERROR_H
#define VIA_PROVER_ERROR_H
#include <stddef.h>

typedef enum {
    VIA_OK = 0,
    VIA_ENOMEM = 1,   /* an allocation failed */
    VIA_EIO = 2,      /* open/read/write failed */
    VIA_EFORMAT = 3,  /* the bytes or JSON are malformed, truncated or inconsistent */
    VIA_EINVAL = 4,   /* well-formed input that does not fit this use (sizes, curve, mismatch) */
    VIA_EVERIFY = 5,  /* a proof or check did not verify */
    VIA_EDEVICE = 6,  /* an accelerator failed */
    VIA_EUNSUPPORTED = 7,
} via_status;

/* Filled on failure: which file, which part, what is wrong. */
typedef struct {
    char msg[512];
} via_error;

const char *via_strerror(int code);
/* printf-style; returns code so callers can write `return via_fail(err, VIA_EFORMAT, ...)`.
 * err may be NULL. */
int via_fail(via_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define VIA_MUST_USE __attribute__((warn_unused_result))
#endif
