/* The Groth16 H computation on OpenCL against the CPU sequence of prover/src/groth16.c
 * (c = a b; coset transforms of a, b, c; h = mont(mont(a, b) - c, R^2)), byte for byte:
 * the element-wise kernels alone (with edge values 0, 1, r - 1) and the resident whole
 * computation for sizes 2^0 .. 2^11. Exits 77 only when no OpenCL device exists. */
#include <string.h>

#include "via/kernels_cl.h"

#include "via/ntt.h"
#include "cl_test.h"
#include "test_rng.h"
#include "via/runtime.h"

static int failures;

static void fill(via_fr *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        test_rand_below(v[i].l, via_fr_mod.p);
    /* edge values where they fit: 0, Montgomery one, r - 1 */
    if (n > 3) {
        memset(&v[0], 0, sizeof(v[0]));
        via_fr_set_one(&v[1]);
        memcpy(v[2].l, via_fr_mod.p, sizeof(v[2].l));
        v[2].l[0] -= 1;
    }
}

static void cpu_finish(via_fr *a, const via_fr *b, const via_fr *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        via_fr t;
        via_fr_mul(&t, &a[i], &b[i]);
        via_fr_sub(&t, &t, &c[i]);
        via_mont_mul(a[i].l, t.l, via_fr_mod.r2, &via_fr_mod);
    }
}

static void check_elementwise(via_cl *cl, size_t n) {
    via_fr *a = via_xmalloc(n * sizeof(via_fr)), *b = via_xmalloc(n * sizeof(via_fr));
    via_fr *c = via_xmalloc(n * sizeof(via_fr)), *ref = via_xmalloc(n * sizeof(via_fr));
    via_fr *dev = via_xmalloc(n * sizeof(via_fr));
    via_error err = {0};
    fill(a, n);
    fill(b, n);
    for (size_t i = 0; i < n; i++)
        via_fr_mul(&ref[i], &a[i], &b[i]);
    if (via_cl_h_elementwise(cl, a, b, dev, n, VIA_CL_H_MUL, &err)) {
        printf("FAIL: via_h_mul n=%zu: %s\n", n, err.msg);
        failures++;
    } else if (memcmp(ref, dev, n * sizeof(via_fr)) != 0) {
        printf("FAIL: via_h_mul n=%zu differs from via_fr_mul\n", n);
        failures++;
    }
    fill(c, n);
    memcpy(ref, a, n * sizeof(via_fr));
    cpu_finish(ref, b, c, n);
    memcpy(dev, a, n * sizeof(via_fr));
    if (via_cl_h_elementwise(cl, dev, b, c, n, VIA_CL_H_FINISH, &err)) {
        printf("FAIL: via_h_finish n=%zu: %s\n", n, err.msg);
        failures++;
    } else if (memcmp(ref, dev, n * sizeof(via_fr)) != 0) {
        printf("FAIL: via_h_finish n=%zu differs from h_worker's arithmetic\n", n);
        failures++;
    }
    free(a);
    free(b);
    free(c);
    free(ref);
    free(dev);
}

static void check_whole(via_cl *cl, unsigned lg) {
    size_t n = (size_t)1 << lg, bytes = n * sizeof(via_fr);
    via_fr *a = via_xmalloc(bytes), *b = via_xmalloc(bytes), *c = via_xmalloc(bytes);
    via_fr *dev = via_xmalloc(bytes), *b_dev = via_xmalloc(bytes);
    via_error err = {0};
    fill(a, n);
    fill(b, n);
    memcpy(dev, a, bytes);
    memcpy(b_dev, b, bytes);
    /* the CPU sequence of via_groth16_prove */
    for (size_t i = 0; i < n; i++)
        via_fr_mul(&c[i], &a[i], &b[i]);
    int rc = via_ntt_domain_to_coset(a, lg);
    if (!rc) rc = via_ntt_domain_to_coset(b, lg);
    if (!rc) rc = via_ntt_domain_to_coset(c, lg);
    cpu_finish(a, b, c, n);
    if (rc) {
        printf("FAIL: CPU coset NTT 2^%u\n", lg);
        failures++;
    } else if (via_cl_groth16_h(cl, dev, b_dev, lg, &err)) {
        printf("FAIL: via_cl_groth16_h 2^%u: %s\n", lg, err.msg);
        failures++;
    } else if (memcmp(a, dev, bytes) != 0) {
        printf("FAIL: via_cl_groth16_h 2^%u differs from the CPU H computation\n", lg);
        failures++;
    } else if (lg % 4 == 3) {
        printf("  H of 2^%u: same bytes\n", lg);
    }
    free(a);
    free(b);
    free(c);
    free(dev);
    free(b_dev);
}

int main(void) {
    via_cl *cl = cl_test_open("test_cl_h");
    const size_t sizes[] = {1, 3, 64, 1000};
    for (size_t s = 0; s < 4; s++)
        check_elementwise(cl, sizes[s]);
    for (unsigned lg = 0; lg <= 11; lg++)
        check_whole(cl, lg);
    via_cl_close(cl);
    if (failures) return 1;
    printf("ok: OpenCL H kernels match the CPU H computation\n");
    return 0;
}
