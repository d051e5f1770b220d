#include "via/rollup_json.h"

#include <stdio.h>

json_t *via_json_fr(const via_fr *v) {
    char b[80];
    via_fr_to_decimal(b, sizeof b, v);
    return json_string(b);
}

json_t *via_json_u64(uint64_t v) {
    char b[24];
    snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    return json_string(b);
}

int via_json_to_u64(const json_t *v, uint64_t *out, const char **why) {
    *out = 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) {
            *why = "negative";
            return -1;
        }
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v)) {
        *why = "expected an integer or a decimal string";
        return -1;
    }
    const char *s = json_string_value(v);
    if (!*s) {
        *why = "not a decimal number";
        return -1;
    }
    uint64_t acc = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') {
            *why = "not a decimal number";
            return -1;
        }
        unsigned d = (unsigned)(*p - '0');
        if (acc > (UINT64_MAX - d) / 10) {
            *why = "above 2^64 - 1";
            return -1;
        }
        acc = acc * 10 + d;
    }
    *out = acc;
    return 0;
}

int via_genesis_read(const char *path, via_genesis_add_fn add, void *ud, via_error *err) {
    json_error_t je;
    json_t *g = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_array(g)) {
        json_decref(g);
        return via_fail(err, VIA_EFORMAT, "genesis %s: expected a JSON list of accounts (%s)", path,
                        je.text);
    }
    int rc = VIA_OK;
    for (size_t i = 0; i < json_array_size(g) && !rc; i++) {
        json_t *a = json_array_get(g, i);
        uint64_t id, bal;
        const char *why;
        via_fr x, y;
        const char *xs = json_string_value(json_object_get(json_object_get(a, "pubkey"), "x"));
        const char *ys = json_string_value(json_object_get(json_object_get(a, "pubkey"), "y"));
        if (via_json_to_u64(json_object_get(a, "id"), &id, &why) ||
            via_json_to_u64(json_object_get(a, "balance"), &bal, &why) || !xs || !ys ||
            via_fr_from_decimal(&x, xs) || via_fr_from_decimal(&y, ys))
            rc = via_fail(err, VIA_EFORMAT,
                          "genesis %s: account %zu needs id, balance and pubkey {x, y}", path, i);
        else
            rc = add(ud, id, &x, &y, bal, err);
    }
    json_decref(g);
    return rc;
}
