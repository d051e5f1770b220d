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

/* Turns one HTTP answer (status http, body of len bytes, NULL when none) to the JSON-RPC
 * request `id` into its "result" (a new reference in *result) or an error: ERPC for a JSON-RPC
 * error object (err->rpc_code set), ETRANSPORT for 5xx or other non-200 statuses, EFORMAT for
 * a body that is not JSON or lacks "result" or the matching id. *transient is set to 1 when a
 * retry could help (5xx, -28 warming up) and left alone otherwise. Internal to via_rpc_call;
 * exposed here for the libFuzzer harness tests/fuzz/fuzz_rpc_answer.c. */
int via_rpc_parse_answer(via_error *err, json_t **result, const char *method, long http,
                         const char *body, size_t len, uint64_t id, int *transient);
#endif
