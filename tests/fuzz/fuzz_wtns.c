/* libFuzzer harness: .wtns reader; every accepted value must be below r. */
#include "fuzz_common.h"
#include "via/wtns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_wtns w;
    via_error err;
    err.msg[0] = 0;
    if (via_wtns_read_mem(&w, "fuzz.wtns", data, size, &err)) {
        FUZZ_CHECK(err.msg[0] != 0 && w.values == NULL);
        return 0;
    }
    for (uint32_t i = 0; i < w.n; i++)
        FUZZ_CHECK(via_limbs_lt(w.values[i].l, via_fr_mod.p));
    via_wtns_describe(&w, fuzz_sink());
    via_wtns_free(&w);
    return 0;
}
