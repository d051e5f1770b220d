/* libFuzzer harness: .r1cs reader; accepted systems must have in-range, monotonic terms. */
#include "fuzz_common.h"
#include "via/r1cs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_r1cs r;
    via_error err;
    err.msg[0] = 0;
    if (via_r1cs_read_mem(&r, "fuzz.r1cs", data, size, &err)) {
        FUZZ_CHECK(err.msg[0] != 0 && r.wires == NULL);
        return 0;
    }
    uint64_t m3 = 3 * (uint64_t)r.n_constraints;
    FUZZ_CHECK(r.lc_start[m3] == r.n_terms);
    for (uint64_t i = 0; i < m3; i++)
        FUZZ_CHECK(r.lc_start[i] <= r.lc_start[i + 1]);
    for (uint64_t t = 0; t < r.n_terms; t++)
        FUZZ_CHECK(r.wires[t] < r.n_wires);
    via_r1cs_describe(&r, fuzz_sink());
    via_r1cs_free(&r);
    return 0;
}
