/* libFuzzer harness: .zkey reader on arbitrary bytes; accepted keys are re-summarised. */
#include <string.h>

#include "fuzz_common.h"
#include "via/zkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_zkey z;
    via_error err;
    err.msg[0] = 0;
    int rc = via_zkey_read_mem(&z, "fuzz.zkey", data, size, &err);
    if (rc) {
        FUZZ_CHECK(err.msg[0] != 0);
        FUZZ_CHECK(z.a == NULL && z.coefs == NULL && z.contributions == NULL);
        return 0;
    }
    FUZZ_CHECK(z.n_public < z.n_vars && z.domain_size != 0);
    for (uint32_t i = 0; i < z.n_coefs; i++)
        FUZZ_CHECK(z.coefs[i].row < z.domain_size && z.coefs[i].signal < z.n_vars);
    via_zkey_describe(&z, fuzz_sink());
    via_zkey_free(&z);
    return 0;
}
