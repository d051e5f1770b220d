/* libFuzzer harness: verification_key.json parser; accepted keys survive a rewrite. */
#include <string.h>

#include "fuzz_common.h"
#include "via/jsonio.h"
#include "via/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_groth16_vk a, b;
    via_fq12 ab, ab2;
    int has, has2;
    via_error err;
    if (via_vk_parse_json(&a, &ab, &has, "fuzz.json", (const char *)data, size, &err)) {
        FUZZ_CHECK(a.ic == NULL);
        return 0;
    }
    char *s = via_vk_to_json(&a, has ? &ab : NULL);
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(via_vk_parse_json(&b, &ab2, &has2, "rewritten", s, strlen(s), &err) == 0);
    FUZZ_CHECK(has == has2 && a.n_public == b.n_public);
    FUZZ_CHECK(memcmp(a.ic, b.ic, ((size_t)a.n_public + 1) * sizeof *a.ic) == 0);
    FUZZ_CHECK(memcmp(&a.delta2, &b.delta2, sizeof a.delta2) == 0);
    FUZZ_CHECK(!has || memcmp(&ab, &ab2, sizeof ab) == 0);
    free(s);
    via_free_big(a.ic);
    via_free_big(b.ic);
    return 0;
}
