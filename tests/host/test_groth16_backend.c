/* A Groth16 proof made with each available accelerated backend (OpenCL on PoCL in CI; CUDA
 * where a device exists) is byte-identical to the CPU backend's when r and s are fixed, and
 * verifies. Uses the committed snarkjs fixtures. Exits 77 (skip) when no accelerated backend
 * exists at all. */
#include <stdio.h>
#include <string.h>

#include "via/groth16_testing.h"
#include "../lib/missing.h"
#include "via/groth16.h"
#include "via/host.h"
#include "via/wtns.h"
#include "via/zkey.h"

/* The backend callbacks over device 0 of a pool, assembled here in two configurations. */
static via_host_pool *current;
static int coset(void *ctx, via_fr *a, unsigned log2n, via_error *err) {
    return via_host_pool_ntt(ctx, 0, a, log2n, VIA_HOST_NTT_COSET, err);
}
static int msm(void *ctx, via_g1 *out, const via_g1_affine *b, const via_scalar *s, size_t n,
               via_error *err) {
    return via_host_pool_msm_g1(ctx, 0, out, b, s, n, err);
}

static int msm2(void *ctx, via_g2 *out, const via_g2_affine *b, const via_scalar *s, size_t n,
                via_error *err) {
    return via_host_pool_msm_g2(ctx, 0, out, b, s, n, err);
}
static int hcomp(void *ctx, via_fr *a, const via_fr *b, unsigned log2n, via_error *err) {
    return via_host_pool_groth16_h(ctx, 0, a, b, log2n, err);
}

int main(void) {
    const char *circuits[] = {"multiplier", "lessthan", "poseidon"};
    const char *names[] = {"opencl", "cuda"};
    int ran = 0;
    for (int bi = 0; bi < 2; bi++) {
        via_error err = {0};
        via_backend b;
        const unsigned idx0 = 0;
        if (via_host_backend_pick(&b, names[bi], &err) ||
            via_host_pool_open(&current, b, &idx0, 1, stderr, &err)) {
            printf("backend %s: not available (%s)\n", names[bi], err.msg);
            continue;
        }
        /* Two configurations: the per-step callbacks (coset NTTs and G1 MSMs on the device),
         * and everything the device offers (H resident on the device, G1 and G2 MSMs). */
        via_groth16_backend steps = {coset, msm, NULL, NULL, current, names[bi]};
        via_groth16_backend whole = {coset, msm, msm2, hcomp, current, names[bi]};
        for (int cfg = 0; cfg < 2; cfg++) {
            const via_groth16_backend *bep = cfg ? &whole : &steps;
            for (int c = 0; c < 3; c++) {
                char path[256];
                via_zkey z;
                via_wtns w;
                snprintf(path, sizeof path, "fixtures/%s/circuit.zkey", circuits[c]);
                if (via_zkey_read(&z, path, &err)) {
                    fprintf(stderr, "FAIL: %s\n", err.msg);
                    return 1;
                }
                snprintf(path, sizeof path, "fixtures/%s/circuit.wtns", circuits[c]);
                if (via_wtns_read(&w, path, &err)) {
                    fprintf(stderr, "FAIL: %s\n", err.msg);
                    return 1;
                }
                via_groth16_pk pk;
                via_groth16_vk vk;
                via_groth16_pk_from_zkey(&pk, &z);
                if (via_groth16_vk_from_zkey(&vk, &z, &err)) return 1;
                via_scalar r = {{0x1111, 0x2222, 0x3333, 0x0444}}, s = {{7, 0, 0, 0x0123}};
                via_groth16_test_blinding *fixed = via_groth16_test_blinding_new(&r, &s);
                via_groth16_prove_opts cpu = {NULL, NULL, fixed, NULL};
                via_groth16_prove_opts dev = {NULL, NULL, fixed, bep};
                via_groth16_proof p_cpu, p_dev;
                if (via_groth16_prove(&p_cpu, &pk, w.values, w.n, &cpu, &err) ||
                    via_groth16_prove(&p_dev, &pk, w.values, w.n, &dev, &err)) {
                    fprintf(stderr, "FAIL: %s %s: %s\n", names[bi], circuits[c], err.msg);
                    return 1;
                }
                if (memcmp(&p_cpu, &p_dev, sizeof p_cpu) != 0) {
                    fprintf(stderr, "FAIL: %s %s: proof differs from the CPU backend's\n",
                            names[bi], circuits[c]);
                    return 1;
                }
                if (via_groth16_verify(&vk, w.values + 1, vk.n_public, &p_dev, &err)) {
                    fprintf(stderr, "FAIL: %s %s: %s\n", names[bi], circuits[c], err.msg);
                    return 1;
                }
                printf("%s (%s) %s: identical to cpu, verifies\n", names[bi],
                       cfg ? "H, G1 and G2 on the device" : "coset NTT and G1 MSM", circuits[c]);
                via_groth16_test_blinding_free(fixed);
                via_groth16_vk_free(&vk);
                via_wtns_free(&w);
                via_zkey_free(&z);
                ran++;
            }
        }
        via_host_pool_close(current);
    }
    if (!ran) {
        return via_test_missing("no accelerated backend (no OpenCL platform, no CUDA device)");
    }
    return 0;
}
