/* libFuzzer harness: .ptau reader with every section loaded, and the Lagrange accessors. */
#include "fuzz_common.h"
#include "via/ptau.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_ptau p;
    via_error err;
    err.msg[0] = 0;
    unsigned load = size && (data[size - 1] & 1) ? VIA_PTAU_LOAD_POWERS | VIA_PTAU_LOAD_LAGRANGE
                                                 : VIA_PTAU_LOAD_POWERS;
    if (via_ptau_read_mem(&p, "fuzz.ptau", data, size, load, &err)) {
        FUZZ_CHECK(err.msg[0] != 0 && p.tau_g1 == NULL);
        return 0;
    }
    if (p.prepared && (load & VIA_PTAU_LOAD_LAGRANGE)) {
        for (uint32_t k = 0; k <= p.power + 1; k++) {
            const via_g1_affine *l = via_ptau_lagrange_g1(&p, k);
            FUZZ_CHECK(l != NULL);
            volatile uint64_t sink = l[((size_t)1 << k) - 1].y.l[3]; /* last point is in bounds */
            (void)sink;
        }
        FUZZ_CHECK(via_ptau_lagrange_g2(&p, p.power) != NULL);
    }
    via_ptau_describe(&p, fuzz_sink());
    via_ptau_free(&p);
    return 0;
}
