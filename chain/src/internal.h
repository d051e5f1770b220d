/* Internal helpers shared by the via_chain sources. Not part of the public API. */
#ifndef VIA_CHAIN_INTERNAL_H
#define VIA_CHAIN_INTERNAL_H
#include <stdint.h>
#include "via/chain.h"

/* printf-style: fills err (may be NULL) and returns code. */
int via_chain_fail(via_chain_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t via_chain_now_ms(void);
#endif
