/* Internal helpers shared by the via_chain sources. Not part of the public API. */
#ifndef VIA_CHAIN_INTERNAL_H
#define VIA_CHAIN_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "via/chain.h"

/* printf-style: fills err (may be NULL) and returns code. */
int via_chain_fail(via_chain_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t via_chain_now_ms(void);

/* Turns one HTTP answer (status http, body of len bytes, NULL when none) to the JSON-RPC
 * request `id` into its "result" (a new reference in *result) or an error: ERPC for a JSON-RPC
 * error object (err->rpc_code set), ETRANSPORT for 5xx or other non-200 statuses, EFORMAT for
 * a body that is not JSON or lacks "result" or the matching id. *transient is set to 1 when a
 * retry could help (5xx, -28 warming up) and left alone otherwise. Internal to via_rpc_call;
 * exposed here for the libFuzzer harness tests/fuzz/fuzz_rpc_answer.c. */
int via_rpc_parse_answer(via_chain_error *err, json_t **result, const char *method, long http,
                         const char *body, size_t len, uint64_t id, int *transient);
#endif
