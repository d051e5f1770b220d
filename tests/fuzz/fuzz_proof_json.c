/* libFuzzer harness: proof.json parser; an accepted proof must survive write + re-read. */
#include <string.h>

#include "fuzz_common.h"
#include "via/jsonio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_groth16_proof p, q;
    via_error err;
    if (via_proof_parse_json(&p, "fuzz.json", (const char *)data, size, &err)) return 0;
    char *s = via_proof_to_json(&p);
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(via_proof_parse_json(&q, "rewritten", s, strlen(s), &err) == 0);
    FUZZ_CHECK(memcmp(&p, &q, sizeof p) == 0);
    free(s);
    return 0;
}
