/* OpenCL NTT (forward, inverse, coset) against prover/src/ntt.c: byte-identical outputs for
 * sizes 2^0 .. 2^12 on seeded random inputs. Exits 77 (ctest SKIP) only when no OpenCL
 * device exists at all. */
#include <string.h>

#include "via/kernels_cl.h"

#include "via/ntt.h"
#include "cl_test.h"
#include "test_rng.h"
#include "via/runtime.h"

int main(void) {
    via_cl *cl = cl_test_open("test_cl_ntt");
    via_error err = {0};
    const char *names[3] = {"forward", "inverse", "coset"};
    int failures = 0;
    for (unsigned lg = 0; lg <= 12; lg++) {
        size_t n = (size_t)1 << lg;
        via_fr *cpu = via_xmalloc(n * sizeof(via_fr));
        via_fr *dev = via_xmalloc(n * sizeof(via_fr));
        for (int op = 0; op < 3; op++) {
            for (size_t i = 0; i < n; i++)
                test_rand_below(cpu[i].l, via_fr_mod.p);
            memcpy(dev, cpu, n * sizeof(via_fr));
            int rc = op == 0   ? via_ntt(cpu, lg)
                     : op == 1 ? via_intt(cpu, lg)
                               : via_ntt_domain_to_coset(cpu, lg);
            if (rc) {
                printf("FAIL: CPU %s NTT 2^%u returned %d\n", names[op], lg, rc);
                return 1;
            }
            if (via_cl_ntt(cl, dev, lg, (via_cl_ntt_op)op, &err)) {
                printf("FAIL: OpenCL %s NTT 2^%u: %s\n", names[op], lg, err.msg);
                return 1;
            }
            if (memcmp(cpu, dev, n * sizeof(via_fr)) != 0) {
                size_t at = 0;
                while (memcmp(&cpu[at], &dev[at], sizeof(via_fr)) == 0)
                    at++;
                printf("FAIL: %s NTT 2^%u differs from the CPU first at index %zu\n", names[op], lg,
                       at);
                failures++;
            }
        }
        free(cpu);
        free(dev);
    }
    /* sizes beyond the field's two-adicity are refused with an error, not run */
    via_fr one;
    via_fr_set_one(&one);
    if (via_cl_ntt(cl, &one, VIA_FR_TWO_ADICITY + 1, VIA_CL_NTT_FORWARD, &err) != VIA_EINVAL) {
        printf("FAIL: oversized NTT not refused\n");
        failures++;
    }
    via_cl_close(cl);
    if (failures) return 1;
    printf("ok: forward, inverse and coset NTT 2^0..2^12 match the CPU byte for byte\n");
    return 0;
}
