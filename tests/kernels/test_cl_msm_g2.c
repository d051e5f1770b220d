/* OpenCL MSM in G2 against via_msm_g2: the same affine point, byte for byte, for sizes 0, 1,
 * 3, 100, 500 with random scalars, plus zero scalars, r - 1, infinity bases, repeated and
 * opposite bases; a scalar >= r is refused. Exits 77 (ctest SKIP) only when no OpenCL device
 * exists. */
#include <string.h>

#include "via/kernels_cl.h"

#include "via/curve.h"
#include "via/msm.h"
#include "cl_test.h"
#include "test_rng.h"
#include "via/runtime.h"

static void random_points(via_g2_affine *out, size_t n) {
    via_g2_affine gen;
    via_g2_generator(&gen);
    via_g2 g, *jac = via_xmalloc((n ? n : 1) * sizeof(via_g2));
    via_g2_from_affine(&g, &gen);
    for (size_t i = 0; i < n; i++) {
        uint64_t k[4];
        test_rand_below(k, via_fr_mod.p);
        via_g2_mul_var(&jac[i], &g, k);
    }
    via_g2_batch_to_affine(out, jac, n);
    free(jac);
}

static int compare(via_cl *cl, const char *what, const via_g2_affine *bases,
                   const via_scalar *scalars, size_t n) {
    via_g2 cpu, dev;
    via_error err = {0};
    if (via_msm_g2(&cpu, bases, scalars, n)) {
        printf("FAIL: CPU MSM G2 (%s, n=%zu) failed\n", what, n);
        return 1;
    }
    if (via_cl_msm_g2(cl, &dev, bases, scalars, n, &err)) {
        printf("FAIL: OpenCL MSM G2 (%s, n=%zu): %s\n", what, n, err.msg);
        return 1;
    }
    via_g2_affine a, b;
    via_g2_to_affine(&a, &cpu);
    via_g2_to_affine(&b, &dev);
    if (memcmp(&a, &b, sizeof(a)) != 0) {
        printf("FAIL: OpenCL MSM G2 (%s, n=%zu) differs from the CPU\n", what, n);
        return 1;
    }
    printf("  %s, n=%zu: same point%s\n", what, n, via_g2_affine_is_inf(&a) ? " (infinity)" : "");
    return 0;
}

int main(void) {
    via_cl *cl = cl_test_open("test_cl_msm_g2");
    via_error err = {0};
    const size_t nmax = 500;
    via_g2_affine *bases = via_xmalloc(nmax * sizeof(*bases));
    via_scalar *sc = via_xmalloc(nmax * sizeof(*sc));
    random_points(bases, nmax);
    int failures = 0;
    const size_t sizes[] = {0, 1, 3, 100, 500};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        for (size_t i = 0; i < n; i++)
            test_rand_below(sc[i].l, via_fr_mod.p);
        failures += compare(cl, "random", bases, sc, n);
    }
    via_scalar rm1 = {{via_fr_mod.p[0] - 1, via_fr_mod.p[1], via_fr_mod.p[2], via_fr_mod.p[3]}};
    for (size_t i = 0; i < 100; i++) {
        if (i % 3 == 0)
            memset(&sc[i], 0, sizeof(sc[i]));
        else
            sc[i] = rm1;
    }
    failures += compare(cl, "r-1 and zero scalars", bases, sc, 100);
    for (size_t i = 0; i < 100; i++)
        memset(&sc[i], 0, sizeof(sc[i]));
    failures += compare(cl, "all scalars zero", bases, sc, 100);
    via_g2_affine *mixed = via_xmalloc(nmax * sizeof(*mixed));
    for (size_t i = 0; i < nmax; i++) {
        if (i % 7 == 0)
            memset(&mixed[i], 0, sizeof(mixed[i]));
        else
            mixed[i] = bases[i % 5];
        test_rand_below(sc[i].l, via_fr_mod.p);
        if (i % 11 == 0) sc[i] = sc[0];
    }
    failures += compare(cl, "infinity and repeated bases", mixed, sc, nmax);
    for (size_t i = 0; i < 3; i++)
        memset(&mixed[i], 0, sizeof(mixed[i]));
    failures += compare(cl, "infinity bases only", mixed, sc, 3);
    for (size_t i = 0; i < 3; i++) {
        mixed[2 * i] = bases[i];
        via_g2_affine_neg(&mixed[2 * i + 1], &bases[i]);
        test_rand_below(sc[2 * i].l, via_fr_mod.p);
        sc[2 * i + 1] = sc[2 * i];
    }
    failures += compare(cl, "opposite bases", mixed, sc, 6);
    memcpy(sc[1].l, via_fr_mod.p, sizeof(sc[1].l));
    via_g2 out;
    if (via_cl_msm_g2(cl, &out, bases, sc, 3, &err) != VIA_EINVAL || !via_g2_is_inf(&out)) {
        printf("FAIL: scalar r not refused\n");
        failures++;
    } else {
        printf("  scalar r refused: %s\n", err.msg);
    }
    free(bases);
    free(sc);
    free(mixed);
    via_cl_close(cl);
    if (failures) return 1;
    printf("ok: OpenCL MSM G2 matches via_msm_g2\n");
    return 0;
}
