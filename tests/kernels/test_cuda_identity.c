/* CUDA NTT (forward, inverse, coset; sizes 2^0..2^14, so the shared-memory and global stage
 * kernels both run) and MSM G1 (sizes 1, 3, 100, 1000 plus edge cases) against the CPU
 * backend, byte for byte, on seeded inputs; host-resident and device-resident data. Prints
 * "SKIP: no CUDA device" and exits 77 when there is none. */
#include <cuda_runtime_api.h>
#include <string.h>

#include "via/kernels_cuda.h"

#include "via/ntt.h"
#include "test_rng.h"
#include "via/runtime.h"

static int failures;

static void check_ntt(const via_cuda_config *cfg, unsigned lg, int op) {
    static const char *names[3] = {"forward", "inverse", "coset"};
    size_t n = (size_t)1 << lg;
    via_fr *cpu = via_xmalloc(n * sizeof(via_fr)), *dev = via_xmalloc(n * sizeof(via_fr));
    for (size_t i = 0; i < n; i++)
        test_rand_below(cpu[i].l, via_fr_mod.p);
    memcpy(dev, cpu, n * sizeof(via_fr));
    int rc = op == 0   ? via_ntt(cpu, lg)
             : op == 1 ? via_intt(cpu, lg)
                       : via_ntt_domain_to_coset(cpu, lg);
    via_error err = {0};
    via_fr *d = NULL;
    if (cfg->data_on_device) {
        if (cudaMalloc((void **)&d, n * sizeof(via_fr)) != cudaSuccess ||
            cudaMemcpy(d, dev, n * sizeof(via_fr), cudaMemcpyHostToDevice) != cudaSuccess) {
            printf("FAIL: cudaMalloc/cudaMemcpy for NTT 2^%u\n", lg);
            exit(1);
        }
    }
    int drc = via_cuda_ntt(cfg, cfg->data_on_device ? d : dev, lg, (via_cuda_ntt_op)op, &err);
    if (cfg->data_on_device) {
        if (cudaMemcpy(dev, d, n * sizeof(via_fr), cudaMemcpyDeviceToHost) != cudaSuccess) drc = 1;
        cudaFree(d);
    }
    if (rc || drc) {
        printf("FAIL: %s NTT 2^%u: cpu %d, cuda %d %s\n", names[op], lg, rc, drc, err.msg);
        failures++;
    } else if (memcmp(cpu, dev, n * sizeof(via_fr)) != 0) {
        printf("FAIL: %s NTT 2^%u (%s data) differs from the CPU\n", names[op], lg,
               cfg->data_on_device ? "device" : "host");
        failures++;
    }
    free(cpu);
    free(dev);
}

static void check_msm(const via_cuda_config *cfg, const char *what, const via_g1_affine *bases,
                      const via_scalar *sc, size_t n) {
    via_g1 cpu, dev;
    via_error err = {0};
    via_g1_affine *d = NULL;
    if (cfg->data_on_device && n) {
        if (cudaMalloc((void **)&d, n * sizeof(*d)) != cudaSuccess ||
            cudaMemcpy(d, bases, n * sizeof(*d), cudaMemcpyHostToDevice) != cudaSuccess) {
            printf("FAIL: cudaMalloc/cudaMemcpy for MSM bases\n");
            exit(1);
        }
    }
    int rc = via_msm_g1(&cpu, bases, sc, n);
    int drc = via_cuda_msm_g1(cfg, &dev, cfg->data_on_device ? d : bases, sc, n, &err);
    cudaFree(d);
    via_g1_affine a, b;
    via_g1_to_affine(&a, &cpu);
    via_g1_to_affine(&b, &dev);
    if (rc || drc) {
        printf("FAIL: MSM %s n=%zu: cpu %d, cuda %d %s\n", what, n, rc, drc, err.msg);
        failures++;
    } else if (memcmp(&a, &b, sizeof(a)) != 0) {
        printf("FAIL: MSM %s n=%zu differs from the CPU\n", what, n);
        failures++;
    }
}

int main(void) {
    test_seed_init("test_cuda_identity");
    via_field_init();
    if (via_cuda_device_count() == 0) {
        printf("SKIP: no CUDA device\n");
        return 77;
    }
    via_cuda_list_devices(stdout);
    via_cuda_config host = {NULL, 0, 0, NULL}, resident = {NULL, 1, 0, NULL};
    for (unsigned lg = 0; lg <= 14; lg++)
        for (int op = 0; op < 3; op++)
            check_ntt(&host, lg, op);
    for (int op = 0; op < 3; op++)
        check_ntt(&resident, 12, op);

    const size_t nmax = 1000;
    via_g1_affine *bases = via_xmalloc(nmax * sizeof(*bases));
    via_scalar *sc = via_xmalloc(nmax * sizeof(*sc));
    via_g1_affine gen;
    via_g1_generator(&gen);
    via_g1 g, *jac = via_xmalloc(nmax * sizeof(via_g1));
    via_g1_from_affine(&g, &gen);
    for (size_t i = 0; i < nmax; i++) {
        uint64_t k[4];
        test_rand_below(k, via_fr_mod.p);
        via_g1_mul_var(&jac[i], &g, k);
    }
    via_g1_batch_to_affine(bases, jac, nmax);
    free(jac);
    const size_t sizes[] = {0, 1, 3, 100, 1000};
    for (size_t s = 0; s < 5; s++) {
        for (size_t i = 0; i < sizes[s]; i++)
            test_rand_below(sc[i].l, via_fr_mod.p);
        check_msm(&host, "random", bases, sc, sizes[s]);
        check_msm(&resident, "random (resident bases)", bases, sc, sizes[s]);
    }
    test_edge_scalars(sc, 100);
    check_msm(&host, "r-1 and zero scalars", bases, sc, 100);
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
    printf("ok: CUDA NTT and MSM G1 match the CPU backend\n");
    return 0;
}
