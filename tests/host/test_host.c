/* Backend selection and device pools: names resolve or fail with clear errors, the device list
 * prints, and device 0 of every backend that has one computes, through a pool, the bytes of
 * the prover's CPU functions (via_ntt/via_intt/via_ntt_domain_to_coset, via_msm_g1/g2, the
 * H arithmetic written out here) on seeded inputs: a device against the CPU, never the CPU
 * against itself. An OpenCL backend without a device is a skip, or a failure with CI=true. */
#include <string.h>

#include "via/host.h"

#include "../lib/missing.h"

#include "../kernels/test_rng.h"
#include "via/ntt.h"
#include "via/runtime.h"

static int failures;

static void fail(const char *what, const char *msg) {
    printf("FAIL: %s%s%s\n", what, msg ? ": " : "", msg ? msg : "");
    failures++;
}

static int cpu_ntt(via_fr *a, unsigned lg, int op) {
    return op == VIA_HOST_NTT_FORWARD   ? via_ntt(a, lg)
           : op == VIA_HOST_NTT_INVERSE ? via_intt(a, lg)
                                        : via_ntt_domain_to_coset(a, lg);
}

static void check_backend(via_backend b) {
    via_error err = {0};
    via_host_pool *pool;
    const unsigned idx0 = 0;
    if (via_host_pool_open(&pool, b, &idx0, 1, stderr, &err)) {
        fail("opening device 0", err.msg);
        return;
    }
    const unsigned lg = 6;
    const size_t n = (size_t)1 << lg;
    via_fr ref[64], got[64];
    for (size_t i = 0; i < n; i++)
        test_rand_below(ref[i].l, via_fr_mod.p);
    for (int op = 0; op < 3; op++) {
        memcpy(got, ref, sizeof(ref));
        via_fr cpu[64];
        memcpy(cpu, ref, sizeof(ref));
        if (cpu_ntt(cpu, lg, op))
            fail("CPU NTT", NULL);
        else if (via_host_pool_ntt(pool, 0, got, lg, (via_host_ntt_op)op, &err))
            fail("via_host_pool_ntt", err.msg);
        else if (memcmp(cpu, got, sizeof(cpu)) != 0)
            fail("NTT differs from the CPU on backend", via_host_backend_name(b));
    }
    via_g1_affine gen, bases[8];
    via_g1_generator(&gen);
    via_scalar sc[8];
    for (int i = 0; i < 8; i++) {
        bases[i] = gen; /* repeated bases */
        test_rand_below(sc[i].l, via_fr_mod.p);
    }
    via_g1 a, c;
    via_g1_affine aa, ca;
    if (via_msm_g1(&a, bases, sc, 8) || via_host_pool_msm_g1(pool, 0, &c, bases, sc, 8, &err)) {
        fail("via_host_pool_msm_g1", err.msg);
        via_host_pool_close(pool);
        return;
    }
    via_g1_to_affine(&aa, &a);
    via_g1_to_affine(&ca, &c);
    if (memcmp(&aa, &ca, sizeof(aa)) != 0)
        fail("MSM differs from the CPU on backend", via_host_backend_name(b));

    /* G2 MSM: repeated generator and a random point */
    via_g2_affine g2gen, b2[6];
    via_g2_generator(&g2gen);
    for (int i = 0; i < 6; i++) {
        b2[i] = g2gen;
        test_rand_below(sc[i].l, via_fr_mod.p);
    }
    via_g2_affine_neg(&b2[5], &g2gen);
    via_g2 a2, c2;
    via_g2_affine a2a, c2a;
    if (via_msm_g2(&a2, b2, sc, 6) || via_host_pool_msm_g2(pool, 0, &c2, b2, sc, 6, &err)) {
        fail("via_host_pool_msm_g2", err.msg);
        via_host_pool_close(pool);
        return;
    }
    via_g2_to_affine(&a2a, &a2);
    via_g2_to_affine(&c2a, &c2);
    if (memcmp(&a2a, &c2a, sizeof(a2a)) != 0)
        fail("MSM G2 differs from the CPU on backend", via_host_backend_name(b));

    /* H computation against the sequence written out here (groth16.c's arithmetic) */
    via_fr ha[64], hb[64], hb0[64], hc[64], href[64];
    for (size_t i = 0; i < n; i++) {
        test_rand_below(ha[i].l, via_fr_mod.p);
        test_rand_below(hb[i].l, via_fr_mod.p);
        via_fr_mul(&hc[i], &ha[i], &hb[i]);
    }
    memcpy(href, ha, sizeof(ha));
    memcpy(hb0, hb, sizeof(hb));
    if (via_ntt_domain_to_coset(href, lg) || via_ntt_domain_to_coset(hb, lg) ||
        via_ntt_domain_to_coset(hc, lg)) {
        fail("CPU coset NTT", NULL);
        via_host_pool_close(pool);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        via_fr t;
        via_fr_mul(&t, &href[i], &hb[i]);
        via_fr_sub(&t, &t, &hc[i]);
        via_mont_mul(href[i].l, t.l, via_fr_mod.r2, &via_fr_mod);
    }
    memcpy(hb, hb0, sizeof(hb));
    if (via_host_pool_groth16_h(pool, 0, ha, hb, lg, &err))
        fail("via_host_pool_groth16_h", err.msg);
    else if (memcmp(href, ha, sizeof(href)) != 0)
        fail("H computation differs from groth16.c's arithmetic on backend",
             via_host_backend_name(b));
    else if (memcmp(hb, hb0, sizeof(hb)) != 0)
        fail("via_host_groth16_h changed b on backend", via_host_backend_name(b));
    else
        printf("backend %s: NTT, MSM G1/G2 and H match the CPU\n", via_host_backend_name(b));
    via_host_pool_close(pool);
}

int main(void) {
    test_seed_init("test_host");
    via_field_init();
    via_error err = {0};
    if (via_host_list_devices(stdout, &err)) fail("via_host_list_devices", err.msg);

    via_backend b;
    if (via_host_backend_pick(&b, "cpu", &err) || b != VIA_BACKEND_CPU) fail("pick cpu", err.msg);
    if (via_host_backend_pick(&b, "gpu-please", &err) != VIA_EINVAL ||
        !strstr(err.msg, "gpu-please"))
        fail("unknown backend name not refused with its name", err.msg);
    if (via_host_backend_pick(&b, "auto", &err))
        fail("pick auto", err.msg);
    else
        printf("auto -> %s\n", via_host_backend_name(b));

    int ran_opencl = 0;
    const char *names[] = {"opencl", "cuda"};
    for (int i = 0; i < 2; i++) {
        int rc = via_host_backend_pick(&b, names[i], &err);
        if (rc == VIA_EUNSUPPORTED) {
            printf("backend %s unavailable here: %s\n", names[i], err.msg);
            continue;
        }
        if (rc) {
            fail(names[i], err.msg);
            continue;
        }
        check_backend(b);
        ran_opencl |= b == VIA_BACKEND_OPENCL;
    }
    if (failures) return 1;
    if (!ran_opencl) return via_test_missing("no OpenCL device: no backend compared with the CPU");
    printf("ok\n");
    return 0;
}
