/* libFuzzer harness: the aggregate (SnarkPack proof) decoder. What it accepts must encode back
 * to the same bytes (one encoding per aggregate: canonical coordinates, compressed GT, the
 * size fixed by the header's proof count). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "via/aggregate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_aggregate a;
    via_error err;
    err.msg[0] = 0;
    if (via_aggregate_decode(&a, "fuzz.agg", data, size, &err)) {
        FUZZ_CHECK(err.msg[0] != 0);
        return 0;
    }
    uint8_t *again;
    size_t len;
    FUZZ_CHECK(via_aggregate_encode(&again, &len, &a, &err) == VIA_OK);
    FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
    free(again);
    return 0;
}
