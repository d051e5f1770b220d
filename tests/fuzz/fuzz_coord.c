/* libFuzzer harness: the withdrawal coordinator's request body parser
 * (verifier/src/coord_parse.c: {"session": id, "values": [hex, ...]}). The first byte picks the
 * shape (1..4 values of 66 or 32 bytes); an accepted body has a positive session and exactly
 * those values, and encoding them again parses to the same bytes; a rejection says why. */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "via/coord.h"
#include "via/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t n = 1 + (data[0] & 3), vs = (data[0] & 4) ? 32 : 66;
    uint8_t vals[4 * 66], again[4 * 66];
    uint64_t session = 0;
    via_error err;
    err.msg[0] = 0;
    if (via_coord_parse_values(&session, vals, n, vs, (const char *)data + 1, size - 1, &err)) {
        FUZZ_CHECK(err.msg[0] != 0);
        return 0;
    }
    FUZZ_CHECK(session >= 1);
    char body[64 + 4 * (2 * 66 + 4)];
    size_t l = (size_t)snprintf(body, sizeof body, "{\"session\":%llu,\"values\":[",
                                (unsigned long long)session);
    for (size_t i = 0; i < n; i++) {
        if (i) body[l++] = ',';
        body[l++] = '"';
        via_hex_encode(body + l, vals + i * vs, vs);
        l += 2 * vs;
        body[l++] = '"';
    }
    l += (size_t)snprintf(body + l, sizeof body - l, "]}");
    uint64_t s2 = 0;
    FUZZ_CHECK(via_coord_parse_values(&s2, again, n, vs, body, l, &err) == VIA_OK);
    FUZZ_CHECK(s2 == session && memcmp(again, vals, n * vs) == 0);
    return 0;
}
