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
