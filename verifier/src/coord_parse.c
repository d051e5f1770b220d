/* The coordinator's request bodies; see via/coord.h. Only jansson and hex: fuzzed on its own
 * (tests/fuzz/fuzz_coord.c). */
#include <string.h>

#include <jansson.h>

#include "via/coord.h"
#include "via/hex.h"

int via_coord_parse_values(uint64_t *session, uint8_t *values, size_t n, size_t size,
                           const char *body, size_t len, via_error *err) {
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    int rc = VIA_OK;
    if (!json_is_object(o)) {
        rc = via_fail(err, VIA_EFORMAT, "the body is not a JSON object (%s)", je.text);
        goto out;
    }
    json_t *s = json_object_get(o, "session"), *v = json_object_get(o, "values");
    if (!json_is_integer(s) || json_integer_value(s) < 1) {
        rc = via_fail(err, VIA_EFORMAT, "\"session\" must be a positive integer");
        goto out;
    }
    if (json_object_size(o) != 2) {
        rc = via_fail(err, VIA_EFORMAT, "only \"session\" and \"values\" are allowed");
        goto out;
    }
    if (!json_is_array(v) || json_array_size(v) != n) {
        rc = via_fail(err, VIA_EFORMAT, "\"values\" must be a list of %zu hex strings", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *h = json_string_value(json_array_get(v, i));
        if (!h || strlen(h) != 2 * size || via_hex_decode_exact(values + i * size, size, h, err)) {
            rc = via_fail(err, VIA_EFORMAT, "value %zu must be %zu bytes of hex", i, size);
            goto out;
        }
    }
    *session = (uint64_t)json_integer_value(s);
out:
    json_decref(o);
    return rc;
}
