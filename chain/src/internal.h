/* Internal helpers shared by the via_chain sources. Not part of the public API. */
#ifndef VIA_CHAIN_INTERNAL_H
#define VIA_CHAIN_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "via/chain.h"

int64_t via_chain_now_ms(void);
/* via_hex_decode with `what` (the JSON field) in front of its message. */
int via_chain_hex_decode(via_error *err, uint8_t **out, size_t *out_len, const char *hex,
                         const char *what);

#endif
