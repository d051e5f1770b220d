/* libFuzzer harness: the sequencer's JSON-RPC 2.0 request parser (sequencer/src/jsonrpc.c).
 * What it accepts has a printable method of 1..64 bytes, params an array of at most 16, an id
 * that is a string, number or null; a rejection names a JSON-RPC error code. */
#include <string.h>

#include "fuzz_common.h"
#include "via/jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_jsonrpc_request r;
    via_error err;
    int code = 0;
    err.msg[0] = 0;
    if (via_jsonrpc_parse(&r, (const char *)data, size, &code, &err)) {
        FUZZ_CHECK(err.msg[0] != 0);
        FUZZ_CHECK(code == VIA_JSONRPC_PARSE_ERROR || code == VIA_JSONRPC_INVALID_REQUEST);
        FUZZ_CHECK(r.root == NULL);
        return 0;
    }
    size_t ml = strlen(r.method);
    FUZZ_CHECK(ml >= 1 && ml <= 64);
    FUZZ_CHECK(json_is_array(r.params) && json_array_size(r.params) <= VIA_JSONRPC_MAX_PARAMS);
    FUZZ_CHECK(json_is_string(r.id) || json_is_number(r.id) || json_is_null(r.id));
    via_jsonrpc_request_free(&r);
    return 0;
}
