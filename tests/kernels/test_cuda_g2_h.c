/* CUDA MSM G2 (sizes 0, 1, 3, 100, 500; zero scalars, r - 1, infinity, repeated and opposite
 * bases; host and device-resident bases) and the whole Groth16 H computation (2^0 .. 2^12,
 * host and device-resident vectors) against the CPU backend, byte for byte, on seeded
 * inputs. Prints "SKIP: no CUDA device" and exits 77 when there is none. */
#include <cuda_runtime_api.h>
#include <string.h>

#include "via/kernels_cuda.h"

#include "via/ntt.h"
#include "test_rng.h"
#include "via/runtime.h"

static int failures;

static void check_msm(const via_cuda_config *cfg, const char *what, const via_g2_affine *bases,
                      const via_scalar *sc, size_t n) {
    via_g2 cpu, dev;
    via_error err = {0};
    via_g2_affine *d = NULL;
    if (cfg->data_on_device && n) {
        if (cudaMalloc((void **)&d, n * sizeof(*d)) != cudaSuccess ||
            cudaMemcpy(d, bases, n * sizeof(*d), cudaMemcpyHostToDevice) != cudaSuccess) {
            printf("FAIL: cudaMalloc/cudaMemcpy for G2 MSM bases\n");
            exit(1);
        }
    }
    int rc = via_msm_g2(&cpu, bases, sc, n);
    int drc = via_cuda_msm_g2(cfg, &dev, cfg->data_on_device ? d : bases, sc, n, &err);
    cudaFree(d);
    via_g2_affine a, b;
    via_g2_to_affine(&a, &cpu);
    via_g2_to_affine(&b, &dev);
    if (rc || drc) {
        printf("FAIL: MSM G2 %s n=%zu: cpu %d, cuda %d %s\n", what, n, rc, drc, err.msg);
        failures++;
    } else if (memcmp(&a, &b, sizeof(a)) != 0) {
        printf("FAIL: MSM G2 %s n=%zu (%s bases) differs from the CPU\n", what, n,
               cfg->data_on_device ? "device" : "host");
        failures++;
    }
}

static void check_h(const via_cuda_config *cfg, unsigned lg) {
    size_t n = (size_t)1 << lg, bytes = n * sizeof(via_fr);
    via_fr *a = via_xmalloc(bytes), *b = via_xmalloc(bytes), *c = via_xmalloc(bytes);
    via_fr *da = via_xmalloc(bytes), *db = via_xmalloc(bytes);
    for (size_t i = 0; i < n; i++) {
        test_rand_below(a[i].l, via_fr_mod.p);
        test_rand_below(b[i].l, via_fr_mod.p);
    }
    memcpy(da, a, bytes);
    memcpy(db, b, bytes);
    for (size_t i = 0; i < n; i++)
        via_fr_mul(&c[i], &a[i], &b[i]);
    int rc = via_ntt_domain_to_coset(a, lg);
    if (!rc) rc = via_ntt_domain_to_coset(b, lg);
    if (!rc) rc = via_ntt_domain_to_coset(c, lg);
    for (size_t i = 0; i < n; i++) {
        via_fr t;
        via_fr_mul(&t, &a[i], &b[i]);
        via_fr_sub(&t, &t, &c[i]);
        via_mont_mul(a[i].l, t.l, via_fr_mod.r2, &via_fr_mod);
    }
    via_error err = {0};
    int drc;
    if (cfg->data_on_device) {
        via_fr *d = NULL;
        if (cudaMalloc((void **)&d, 2 * bytes) != cudaSuccess ||
            cudaMemcpy(d, da, bytes, cudaMemcpyHostToDevice) != cudaSuccess ||
            cudaMemcpy(d + n, db, bytes, cudaMemcpyHostToDevice) != cudaSuccess) {
            printf("FAIL: cudaMalloc/cudaMemcpy for H 2^%u\n", lg);
            exit(1);
        }
        drc = via_cuda_groth16_h(cfg, d, d + n, lg, &err);
        if (!drc && cudaMemcpy(da, d, bytes, cudaMemcpyDeviceToHost) != cudaSuccess) drc = 1;
        cudaFree(d);
    } else {
        drc = via_cuda_groth16_h(cfg, da, db, lg, &err);
    }
    if (rc || drc) {
        printf("FAIL: H 2^%u: cpu %d, cuda %d %s\n", lg, rc, drc, err.msg);
        failures++;
    } else if (memcmp(a, da, bytes) != 0) {
        printf("FAIL: H 2^%u (%s data) differs from the CPU\n", lg,
               cfg->data_on_device ? "device" : "host");
        failures++;
    }
    free(a);
    free(b);
    free(c);
    free(da);
    free(db);
}

int main(void) {
    test_seed_init("test_cuda_g2_h");
    via_field_init();
    if (via_cuda_device_count() == 0) {
        printf("SKIP: no CUDA device\n");
        return 77;
    }
    via_cuda_list_devices(stdout);
    via_cuda_config host = {NULL, 0, 0, NULL}, resident = {NULL, 1, 0, NULL};
    for (unsigned lg = 0; lg <= 12; lg++)
        check_h(&host, lg);
    check_h(&resident, 11);

    const size_t nmax = 500;
    via_g2_affine *bases = via_xmalloc(nmax * sizeof(*bases));
    via_scalar *sc = via_xmalloc(nmax * sizeof(*sc));
    via_g2_affine gen;
    via_g2_generator(&gen);
    via_g2 g, *jac = via_xmalloc(nmax * sizeof(via_g2));
    via_g2_from_affine(&g, &gen);
    for (size_t i = 0; i < nmax; i++) {
        uint64_t k[4];
        test_rand_below(k, via_fr_mod.p);
        via_g2_mul_var(&jac[i], &g, k);
    }
    via_g2_batch_to_affine(bases, jac, nmax);
    free(jac);
    const size_t sizes[] = {0, 1, 3, 100, 500};
    for (size_t s = 0; s < 5; s++) {
        for (size_t i = 0; i < sizes[s]; i++)
            test_rand_below(sc[i].l, via_fr_mod.p);
        check_msm(&host, "random", bases, sc, sizes[s]);
        check_msm(&resident, "random", bases, sc, sizes[s]);
    }
    test_edge_scalars(sc, 100);
    check_msm(&host, "r-1 and zero scalars", bases, sc, 100);
    for (size_t i = 0; i < 3; i++) {
        via_g2_affine_neg(&bases[2 * i + 1], &bases[2 * i]);
        test_rand_below(sc[2 * i].l, via_fr_mod.p);
        sc[2 * i + 1] = sc[2 * i];
    }
    check_msm(&host, "opposite bases", bases, sc, 6);
    for (size_t i = 0; i < nmax; i++) {
        if (i % 7 == 0)
            memset(&bases[i], 0, sizeof(bases[i]));
        else
            bases[i] = bases[i % 5 ? i % 5 : 1];
        test_rand_below(sc[i].l, via_fr_mod.p);
        if (i % 11 == 0) sc[i] = sc[0];
    }
    check_msm(&host, "infinity and repeated bases", bases, sc, nmax);
    free(bases);
    free(sc);
    if (failures) return 1;
    printf("ok: CUDA MSM G2 and H computation match the CPU backend\n");
    return 0;
}
