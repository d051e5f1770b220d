/*
 * JSON-RPC 2.0 request parsing for the sequencer's intake (and its fuzz harness): a request
 * is a JSON object (duplicate keys refused) with "jsonrpc": "2.0", a "method" string of 1 to
 * 64 printable ASCII characters, "params" absent or an array of at most 16 elements, and an
 * "id" that is a string, a number or null (absent: a notification, answered all the same).
 * Nothing else is allowed. Batches (arrays) are not accepted.
 */
#ifndef VIA_JSONRPC_H
#define VIA_JSONRPC_H
#include <stddef.h>

#include <jansson.h>

#include "via/status.h"

#define VIA_JSONRPC_PARSE_ERROR (-32700)
#define VIA_JSONRPC_INVALID_REQUEST (-32600)
#define VIA_JSONRPC_MAX_PARAMS 16

typedef struct {
    json_t *root;
    json_t *id; /* borrowed from root; JSON null when absent */
    const char *method;
    json_t *params; /* borrowed; an empty array when absent */
} via_jsonrpc_request;

/* VIA_OK with *req filled, or VIA_EFORMAT with *code the JSON-RPC error code (parse error or
 * invalid request) and err saying what was wrong. */
VIA_MUST_USE int via_jsonrpc_parse(via_jsonrpc_request *req, const char *body, size_t len,
                                   int *code, via_error *err);
void via_jsonrpc_request_free(via_jsonrpc_request *req);
#endif
