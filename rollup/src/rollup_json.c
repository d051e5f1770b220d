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
