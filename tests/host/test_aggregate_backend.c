/* Aggregation with its G1 and G2 MSMs on a device (via_host_pool_msm_g1/g2, every MSM sent to
 * the device: device_msm_min = 1) gives the same bytes as on the CPU, and the aggregate
 * verifies: 128 proofs of the multiplier fixture under a development SRS. OpenCL runs on
 * PoCL in CI (a missing OpenCL device is a skip, a failure with CI=true); argv[1] "cuda" runs
 * the CUDA backend and skips without a CUDA device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/missing.h"
#include "via/aggregate.h"
#include "via/host.h"
#include "via/zkey.h"

enum { N = 128 };

static int msm1(void *ctx, via_g1 *out, const via_g1_affine *b, const via_scalar *s, size_t n,
                via_error *err) {
    return via_host_pool_msm_g1(ctx, 0, out, b, s, n, err);
}
static int msm2(void *ctx, via_g2 *out, const via_g2_affine *b, const via_scalar *s, size_t n,
                via_error *err) {
    return via_host_pool_msm_g2(ctx, 0, out, b, s, n, err);
}

int main(int argc, char **argv) {
    int cuda = argc > 1 && !strcmp(argv[1], "cuda");
    via_backend b = cuda ? VIA_BACKEND_CUDA : VIA_BACKEND_OPENCL;
    via_field_init();
    if (via_host_device_count(b) == 0) {
        if (cuda) {
            printf("SKIP: no CUDA device here (or the backend is not built)\n");
            return 77;
        }
        return via_test_missing("no OpenCL device here (or the backend is not built)");
    }
    via_error err = {0};
    via_srs srs;
    via_zkey z;
    via_groth16_vk vk;
    via_groth16_pk pk;
    if (via_srs_dev(&srs, N, &err) || via_zkey_read(&z, "fixtures/multiplier/circuit.zkey", &err) ||
        via_groth16_vk_from_zkey(&vk, &z, &err)) {
        printf("FAIL: setup: %s\n", err.msg);
        return 1;
    }
    via_groth16_pk_from_zkey(&pk, &z);
    static via_groth16_proof proofs[N];
    static via_scalar pubv[N];
    const via_scalar *pubs[N];
    for (uint64_t i = 0; i < N; i++) {
        uint64_t a = 3 + 7 * i, c = 11 + i * i;
        via_scalar w[4] = {{{1, 0, 0, 0}}, {{a * c, 0, 0, 0}}, {{a, 0, 0, 0}}, {{c, 0, 0, 0}}};
        if (via_groth16_prove(&proofs[i], &pk, w, 4, NULL, &err)) {
            printf("FAIL: prove: %s\n", err.msg);
            return 1;
        }
        pubv[i] = w[1];
        pubs[i] = &pubv[i];
    }
    via_aggregate cpu, dev;
    uint8_t *bc, *bd;
    size_t lc, ld;
    if (via_aggregate_prove(&cpu, &srs, &vk, proofs, pubs, N, NULL, &err) ||
        via_aggregate_encode(&bc, &lc, &cpu, &err)) {
        printf("FAIL: CPU aggregate: %s\n", err.msg);
        return 1;
    }
    unsigned idx[1] = {0};
    via_host_pool *pool;
    if (via_host_pool_open(&pool, b, idx, 1, stderr, &err)) {
        printf("FAIL: opening %s device 0: %s\n", via_host_backend_name(b), err.msg);
        return 1;
    }
    via_groth16_backend be = {0};
    be.msm_g1 = msm1;
    be.msm_g2 = msm2;
    be.ctx = pool;
    be.name = via_host_backend_name(b);
    via_aggregate_opts opts = {&be, 1, NULL, NULL};
    int rc = via_aggregate_prove(&dev, &srs, &vk, proofs, pubs, N, &opts, &err);
    via_host_device_stats st;
    via_host_pool_stats(pool, 0, &st);
    char dname[128];
    snprintf(dname, sizeof dname, "%s", st.name ? st.name : "?");
    via_host_pool_close(pool);
    if (rc || via_aggregate_encode(&bd, &ld, &dev, &err)) {
        printf("FAIL: %s aggregate: %s\n", be.name, err.msg);
        return 1;
    }
    int failures = 0;
    if (lc != ld || memcmp(bc, bd, lc) != 0) {
        printf("FAIL: the %s aggregate differs from the CPU's\n", be.name);
        failures++;
    }
    if (st.failed || st.msm_whole + st.msm_parts == 0) {
        printf("FAIL: the device %s (it ran %zu MSMs)\n",
               st.failed ? "failed and was left out" : "ran no MSM", st.msm_whole + st.msm_parts);
        failures++;
    }
    if (via_aggregate_verify(&srs, &vk, pubs, N, &dev, &err) != VIA_OK) {
        printf("FAIL: the %s aggregate does not verify: %s\n", be.name, err.msg);
        failures++;
    }
    printf("%s (%s): aggregate of %d proofs, %zu bytes, %zu device MSMs, identical to the CPU's: "
           "%s\n",
           be.name, dname, N, ld, st.msm_whole + st.msm_parts, failures ? "no" : "yes");
    free(bc);
    free(bd);
    via_srs_free(&srs);
    via_groth16_vk_free(&vk);
    via_zkey_free(&z);
    return failures ? 1 : 0;
}
