/* field_hd.h compiled as plain C against prover/include/via/field.h: the same Montgomery products,
 * sums and differences, byte for byte, on seeded random inputs and edge values. */
#include <string.h>

#include "field_hd.h"
#include "test_rng.h"

static int failures;

#define CHECK_SAME(what, i, cpu, hd)                                                               \
    do {                                                                                           \
        if (memcmp(&(cpu), &(hd), 32) != 0) {                                                      \
            if (failures++ < 10) printf("FAIL: %s differs at case %d\n", what, i);                 \
        }                                                                                          \
    } while (0)

static void edge(uint64_t out[4], int k, const uint64_t p[4]) {
    memset(out, 0, 32);
    switch (k) {
    case 0:
        break; /* 0 */
    case 1:
        out[0] = 1;
        break; /* 1 (not Montgomery one) */
    case 2:
        memcpy(out, p, 32);
        out[0] -= 1;
        break; /* p - 1 */
    case 3:
        memcpy(out, p, 32);
        out[0] -= 2;
        break; /* p - 2 */
    default:
        out[0] = 0xffffffffULL;
        out[1] = 0xffffffffULL;
        break; /* 32-bit limb edges */
    }
}

int main(void) {
    test_seed_init("test_field_hd");
    via_field_init();
    const int rounds = 20000;
    for (int f = 0; f < 2; f++) {
        const via_modulus *m = f ? &via_fr_mod : &via_fq_mod;
        via_hd_mod hm = f ? via_hd_fr_modulus() : via_hd_fq_modulus();
        if (memcmp(hm.p.l, m->p, 32) != 0) {
            printf("FAIL: modulus %d differs from prover/include/via/field.h\n", f);
            return 1;
        }
        via_hd_limbs one = f ? via_hd_fr_one_limbs() : via_hd_fq_one_limbs();
        if (memcmp(one.l, m->r1, 32) != 0) {
            printf("FAIL: Montgomery one %d differs from prover/include/via/field.h\n", f);
            return 1;
        }
        for (int i = 0; i < rounds + 25; i++) {
            uint64_t a[4], b[4], r[4];
            if (i < 25) {
                edge(a, i / 5, m->p);
                edge(b, i % 5, m->p);
            } else {
                test_rand_below(a, m->p);
                test_rand_below(b, m->p);
            }
            via_hd_limbs ha, hb, hr;
            memcpy(ha.l, a, 32);
            memcpy(hb.l, b, 32);
            via_mont_mul_portable(r, a, b, m);
            hr = via_hd_mont_mul(ha, hb, hm);
            CHECK_SAME(f ? "fr mul" : "fq mul", i, r, hr);
            via_mod_add(r, a, b, m);
            hr = via_hd_mod_add(ha, hb, hm);
            CHECK_SAME(f ? "fr add" : "fq add", i, r, hr);
            via_mod_sub(r, a, b, m);
            hr = via_hd_mod_sub(ha, hb, hm);
            CHECK_SAME(f ? "fr sub" : "fq sub", i, r, hr);
        }
    }
    /* the typed wrappers call the same core with the right modulus */
    via_fr a, b, r;
    test_rand_below(a.l, via_fr_mod.p);
    test_rand_below(b.l, via_fr_mod.p);
    via_fr_mul(&r, &a, &b);
    via_hd_fr ha, hb, hr;
    memcpy(&ha, &a, 32);
    memcpy(&hb, &b, 32);
    hr = via_hd_fr_mul(ha, hb);
    CHECK_SAME("via_hd_fr_mul", 0, r, hr);
    via_fq qa, qb, qr;
    test_rand_below(qa.l, via_fq_mod.p);
    test_rand_below(qb.l, via_fq_mod.p);
    via_fq_sub(&qr, &qa, &qb);
    via_hd_fq hqa, hqb, hqr;
    memcpy(&hqa, &qa, 32);
    memcpy(&hqb, &qb, 32);
    hqr = via_hd_fq_sub(hqa, hqb);
    CHECK_SAME("via_hd_fq_sub", 0, qr, hqr);
    if (failures) {
        printf("%d mismatches\n", failures);
        return 1;
    }
    printf("ok: %d products, sums and differences per field match prover/include/via/field.h\n",
           rounds + 25);
    return 0;
}
