/* libFuzzer harness: the Bitcoin Core JSON-RPC answer handling of via_rpc_call
 * (via_rpc_parse_answer, chain/src/internal.h). Input: byte 0 picks the HTTP status
 * (table below, '0' = 200), byte 1 the expected request id (mod 8, '1' = 1), the rest is the
 * body. Properties: success only for HTTP 200 with a result (a new reference) and the matching
 * id; every failure has a status, a message, and no result; retries only for 5xx and -28. */
#include <stdio.h>
#include <stdlib.h>

#include "via/chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #c);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const long statuses[8] = {200, 500, 503, 404, 200, 0, 400, 599};
    if (size < 2) return 0;
    long http = statuses[data[0] % 8];
    uint64_t id = data[1] % 8;
    const char *body = size > 2 ? (const char *)data + 2 : NULL;
    via_error err = {0};
    json_t *result = (json_t *)1;
    int transient = 0;
    int rc = via_rpc_parse_answer(&err, &result, "fuzz", http, body, size - 2, id, &transient);
    if (rc == VIA_OK) {
        CHECK(http == 200 && result != NULL && !transient);
        char *s = json_dumps(result, JSON_ENCODE_ANY);
        CHECK(s != NULL);
        free(s);
        json_decref(result);
        return 0;
    }
    CHECK(result == NULL);
    CHECK(err.code == rc && err.msg[0] != 0);
    CHECK(rc == VIA_ERPC || rc == VIA_ETRANSPORT || rc == VIA_EFORMAT);
    if (transient) CHECK(http >= 500 || (rc == VIA_ERPC && err.rpc_code == -28));
    if (rc != VIA_ERPC) CHECK(err.rpc_code == 0);
    return 0;
}
