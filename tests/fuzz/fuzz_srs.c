/* libFuzzer harness: the aggregation SRS reader (full SRS and verifier part). */
#include "fuzz_common.h"
#include "via/srs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_srs s;
    via_error err;
    err.msg[0] = 0;
    if (via_srs_read_mem(&s, "fuzz.srs", data, size, &err)) {
        FUZZ_CHECK(err.msg[0] != 0 && s.g_a == NULL);
        return 0;
    }
    size_t n1 = s.verifier_only ? 2 : 2 * (size_t)s.n, n2 = s.verifier_only ? 2 : s.n;
    volatile uint64_t sink = s.g_b[n1 - 1].y.l[3] ^ s.h_b[n2 - 1].y.c1.l[3]; /* in bounds */
    (void)sink;
    via_srs_free(&s);
    return 0;
}
