/* G1/G2 group law, scalar multiplication, encodings and subgroup checks on seeded random
 * inputs (the seed is printed; set VIA_SEED to replay). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/via_test.h"

#include "via/curve.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void rnd_scalar(uint64_t k[4]) {
    for (int i = 0; i < 4; i++)
        k[i] = rnd64();
    k[3] &= 0x0fffffffffffffffULL;
}
static void rnd_fq(via_fq *a) {
    uint64_t t[4];
    rnd_scalar(t);
    via_fq_from_canon_unchecked(a, t);
}
static void rnd_g1(via_g1 *r) {
    via_g1_affine g;
    via_g1 gj;
    uint64_t k[4];
    via_g1_generator(&g);
    via_g1_from_affine(&gj, &g);
    rnd_scalar(k);
    via_g1_mul_var(r, &gj, k);
}
static void rnd_g2(via_g2 *r) {
    via_g2_affine g;
    via_g2 gj;
    uint64_t k[4];
    via_g2_generator(&g);
    via_g2_from_affine(&gj, &g);
    rnd_scalar(k);
    via_g2_mul_var(r, &gj, k);
}

static void test_constants(void **state) {
    (void)state;
    via_g1_affine g1;
    via_g2_affine g2;
    via_g1_generator(&g1);
    via_g2_generator(&g2);
    assert_true(via_g1_affine_on_curve(&g1));
    assert_true(via_g2_affine_on_curve(&g2));
    assert_true(via_g2_affine_in_subgroup(&g2));
    char buf[100];
    const via_tower_consts *c = via_tower_get();
    via_fq_to_decimal(buf, sizeof buf, &c->twist_b.c0);
    assert_string_equal(
        buf, "19485874751759354771024239261021720505790618469301721065564631296452457478373");
    via_fq_to_decimal(buf, sizeof buf, &c->twist_b.c1);
    assert_string_equal(
        buf, "266929791119991161246907387137283842545076965332900288569378510910307636690");
    /* xi^((p^2-1)/2) = -1 and g1[1]^6 = xi^(p-1) */
    via_fq2 m1, t;
    via_fq2_set_one(&t);
    via_fq2_neg(&m1, &t);
    assert_true(via_fq2_eq(&c->g2[3], &m1));
    via_fq2 xi, x6;
    via_fq2_mul_xi(&xi, &t);
    via_fq2 xp;
    via_fq2_conj(&xp, &xi); /* xi^p */
    via_fq2_inv(&t, &xi);
    via_fq2_mul(&xp, &xp, &t); /* xi^(p-1) */
    via_fq2_sqr(&x6, &c->g1[3]);
    assert_true(via_fq2_eq(&x6, &xp));
}

static void test_g1_group_law(void **state) {
    (void)state;
    for (int it = 0; it < 50; it++) {
        via_g1 a, b, c, t1, t2, t3;
        rnd_g1(&a);
        rnd_g1(&b);
        rnd_g1(&c);
        /* a + a == 2a, through add and add_mixed */
        via_g1_add(&t1, &a, &a);
        via_g1_dbl(&t2, &a);
        assert_true(via_g1_eq(&t1, &t2));
        via_g1_affine aa, ba;
        via_g1_to_affine(&aa, &a);
        via_g1_to_affine(&ba, &b);
        assert_true(via_g1_affine_on_curve(&aa));
        via_g1_add_mixed(&t1, &a, &aa);
        assert_true(via_g1_eq(&t1, &t2));
        /* (a + b) + c == a + (b + c), and add_mixed agrees with add */
        via_g1_add(&t1, &a, &b);
        via_g1_add(&t1, &t1, &c);
        via_g1_add(&t2, &b, &c);
        via_g1_add(&t2, &a, &t2);
        assert_true(via_g1_eq(&t1, &t2));
        via_g1_add_mixed(&t3, &c, &ba);
        via_g1_add_mixed(&t3, &t3, &aa);
        assert_true(via_g1_eq(&t1, &t3));
        assert_false(via_g1_eq(&a, &b));
        /* a + (-a) == inf; inf is neutral */
        via_g1_neg(&t1, &a);
        via_g1_add(&t1, &t1, &a);
        assert_true(via_g1_is_inf(&t1));
        via_g1_affine na;
        via_g1_affine_neg(&na, &aa);
        via_g1_add_mixed(&t1, &a, &na);
        assert_true(via_g1_is_inf(&t1));
        via_g1_add(&t2, &t1, &a);
        assert_true(via_g1_eq(&t2, &a));
        via_g1_add_mixed(&t2, &t1, &aa);
        assert_true(via_g1_eq(&t2, &a));
    }
}

static void test_g2_group_law(void **state) {
    (void)state;
    for (int it = 0; it < 30; it++) {
        via_g2 a, b, c, t1, t2, t3;
        rnd_g2(&a);
        rnd_g2(&b);
        rnd_g2(&c);
        via_g2_add(&t1, &a, &a);
        via_g2_dbl(&t2, &a);
        assert_true(via_g2_eq(&t1, &t2));
        via_g2_affine aa, ba;
        via_g2_to_affine(&aa, &a);
        via_g2_to_affine(&ba, &b);
        assert_true(via_g2_affine_on_curve(&aa));
        via_g2_add_mixed(&t1, &a, &aa);
        assert_true(via_g2_eq(&t1, &t2));
        via_g2_add(&t1, &a, &b);
        via_g2_add(&t1, &t1, &c);
        via_g2_add(&t2, &b, &c);
        via_g2_add(&t2, &a, &t2);
        assert_true(via_g2_eq(&t1, &t2));
        via_g2_add_mixed(&t3, &c, &ba);
        via_g2_add_mixed(&t3, &t3, &aa);
        assert_true(via_g2_eq(&t1, &t3));
        assert_false(via_g2_eq(&a, &b));
        via_g2_neg(&t1, &a);
        via_g2_add(&t1, &t1, &a);
        assert_true(via_g2_is_inf(&t1));
        via_g2_add(&t2, &t1, &a);
        assert_true(via_g2_eq(&t2, &a));
    }
}

static void test_scalar_mul(void **state) {
    (void)state;
    via_g1_affine g1a;
    via_g2_affine g2a;
    via_g1 g1, acc1, m1, v1;
    via_g2 g2, acc2, m2, v2;
    via_g1_generator(&g1a);
    via_g2_generator(&g2a);
    via_g1_from_affine(&g1, &g1a);
    via_g2_from_affine(&g2, &g2a);
    via_g1_set_inf(&acc1);
    via_g2_set_inf(&acc2);
    /* n*G by repeated addition, n = 0..40, against both multiplications */
    for (uint64_t n = 0; n <= 40; n++) {
        uint64_t k[4] = {n, 0, 0, 0};
        via_g1_mul(&m1, &g1, k);
        via_g1_mul_var(&v1, &g1, k);
        assert_true(via_g1_eq(&m1, &acc1));
        assert_true(via_g1_eq(&v1, &acc1));
        via_g2_mul(&m2, &g2, k);
        via_g2_mul_var(&v2, &g2, k);
        assert_true(via_g2_eq(&m2, &acc2));
        assert_true(via_g2_eq(&v2, &acc2));
        via_g1_add(&acc1, &acc1, &g1);
        via_g2_add(&acc2, &acc2, &g2);
    }
    /* r * G = inf; (r-1) * G = -G */
    via_g1_mul(&m1, &g1, via_fr_mod.p);
    assert_true(via_g1_is_inf(&m1));
    via_g2_mul(&m2, &g2, via_fr_mod.p);
    assert_true(via_g2_is_inf(&m2));
    uint64_t rm1[4] = {via_fr_mod.p[0] - 1, via_fr_mod.p[1], via_fr_mod.p[2], via_fr_mod.p[3]};
    via_g1_mul(&m1, &g1, rm1);
    via_g1_neg(&v1, &g1);
    assert_true(via_g1_eq(&m1, &v1));
    via_g2_mul_var(&m2, &g2, rm1);
    via_g2_neg(&v2, &g2);
    assert_true(via_g2_eq(&m2, &v2));
    /* random k: ct == var, and (a + b) P = aP + bP */
    for (int it = 0; it < 20; it++) {
        uint64_t a[4], b[4], s[4];
        rnd_scalar(a);
        rnd_scalar(b);
        via_limbs_add(s, a, b);
        via_g1 p, pa, pb, ps, t;
        rnd_g1(&p);
        via_g1_mul(&pa, &p, a);
        via_g1_mul_var(&t, &p, a);
        assert_true(via_g1_eq(&pa, &t));
        via_g1_mul_var(&pb, &p, b);
        via_g1_mul(&ps, &p, s);
        via_g1_add(&t, &pa, &pb);
        assert_true(via_g1_eq(&ps, &t));
        via_g2 q, qa, qb, qs, u;
        rnd_g2(&q);
        via_g2_mul(&qa, &q, a);
        via_g2_mul_var(&u, &q, a);
        assert_true(via_g2_eq(&qa, &u));
        via_g2_mul_var(&qb, &q, b);
        via_g2_mul(&qs, &q, s);
        via_g2_add(&u, &qa, &qb);
        assert_true(via_g2_eq(&qs, &u));
    }
    /* infinity times anything is infinity */
    uint64_t k[4];
    rnd_scalar(k);
    via_g1_set_inf(&acc1);
    via_g1_mul(&m1, &acc1, k);
    assert_true(via_g1_is_inf(&m1));
    via_g2_set_inf(&acc2);
    via_g2_mul(&m2, &acc2, k);
    assert_true(via_g2_is_inf(&m2));
}

static void test_batch_affine_and_lem(void **state) {
    (void)state;
    enum { N = 17 };
    via_g1 p[N];
    via_g1_affine a[N], b;
    via_g2 q[N];
    via_g2_affine c[N], d;
    for (int i = 0; i < N; i++) {
        if (i % 5 == 3) {
            via_g1_set_inf(&p[i]);
            via_g2_set_inf(&q[i]);
        } else {
            rnd_g1(&p[i]);
            rnd_g2(&q[i]);
        }
    }
    via_g1_batch_to_affine(a, p, N);
    via_g2_batch_to_affine(c, q, N);
    for (int i = 0; i < N; i++) {
        via_g1_to_affine(&b, &p[i]);
        assert_true(via_g1_affine_eq(&a[i], &b));
        assert_int_equal(via_g1_affine_is_inf(&b), i % 5 == 3);
        via_g2_to_affine(&d, &q[i]);
        assert_true(via_g2_affine_eq(&c[i], &d));
        assert_int_equal(via_g2_affine_is_inf(&d), i % 5 == 3);
        uint8_t buf[128], zero[128] = {0};
        via_g1_to_lem(buf, &a[i]);
        assert_int_equal(memcmp(buf, zero, 64) == 0, i % 5 == 3);
        assert_int_equal(via_g1_from_lem(&b, buf), 0);
        assert_true(via_g1_affine_eq(&a[i], &b));
        /* the affine struct is the LEM layout */
        assert_memory_equal(buf, &a[i], 64);
        via_g2_to_lem(buf, &c[i]);
        assert_int_equal(via_g2_from_lem(&d, buf), 0);
        assert_true(via_g2_affine_eq(&c[i], &d));
        assert_memory_equal(buf, &c[i], 128);
        via_g2 back;
        via_g2_from_affine(&back, &d);
        assert_true(via_g2_eq(&back, &q[i]));
    }
    /* a coordinate >= q is rejected, in each position */
    uint8_t buf[128];
    for (int pos = 0; pos < 4; pos++) {
        via_g2_to_lem(buf, &c[0]);
        via_limbs_to_bytes_le(buf + 32 * pos, via_fq_mod.p);
        assert_int_not_equal(via_g2_from_lem(&d, buf), 0);
        if (pos < 2) {
            via_g1_to_lem(buf, &a[0]);
            memset(buf + 32 * pos, 0xff, 32);
            assert_int_not_equal(via_g1_from_lem(&b, buf), 0);
        }
    }
}

static void test_fq2_sqrt(void **state) {
    (void)state;
    int nonsquares = 0;
    for (int it = 0; it < 200; it++) {
        via_fq2 a, s, r, t;
        rnd_fq(&a.c0);
        rnd_fq(&a.c1);
        if (it % 7 == 0) via_fq_set_zero(&a.c1);
        if (it % 11 == 0) via_fq_set_zero(&a.c0);
        via_fq2_sqr(&s, &a);
        assert_int_equal(via_fq2_sqrt_var(&r, &s), 0);
        via_fq2_sqr(&t, &r);
        assert_true(via_fq2_eq(&t, &s));
        /* a * nonresidue xi is a square only when a is not; xi is a non-square in Fq2 */
        via_fq2_mul_xi(&t, &s);
        if (!via_fq2_is_zero(&t)) assert_int_not_equal(via_fq2_sqrt_var(&r, &t), 0);
        if (via_fq2_sqrt_var(&r, &a) != 0) nonsquares++;
    }
    assert_true(nonsquares > 50 && nonsquares < 150);
}

static void test_g2_subgroup(void **state) {
    (void)state;
    /* A random point on the twist is almost surely outside G2 (cofactor h = 2p - r);
     * [h]P is inside; [r]P has order dividing h and is outside unless it is infinity.
     * The fast check is compared with the [r]P = O reference on each. */
    const via_tower_consts *c = via_tower_get();
    uint64_t h[4], two_p[4];
    via_limbs_add(two_p, via_fq_mod.p, via_fq_mod.p);
    via_limbs_sub(h, two_p, via_fr_mod.p);
    int tried = 0;
    for (int found = 0; found < 12;) {
        via_g2_affine p;
        via_fq2 rhs;
        rnd_fq(&p.x.c0);
        rnd_fq(&p.x.c1);
        via_fq2_sqr(&rhs, &p.x);
        via_fq2_mul(&rhs, &rhs, &p.x);
        via_fq2_add(&rhs, &rhs, &c->twist_b);
        tried++;
        assert_true(tried < 200);
        if (via_fq2_sqrt_var(&p.y, &rhs) != 0) continue;
        found++;
        assert_true(via_g2_affine_on_curve(&p));
        assert_false(via_g2_affine_in_subgroup(&p));
        assert_false(via_g2_affine_in_subgroup_by_order_var(&p));
        via_g2 j, t;
        via_g2_affine ta;
        via_g2_from_affine(&j, &p);
        via_g2_mul_var(&t, &j, h);
        via_g2_to_affine(&ta, &t);
        assert_true(via_g2_affine_on_curve(&ta));
        assert_true(via_g2_affine_in_subgroup(&ta));
        assert_true(via_g2_affine_in_subgroup_by_order_var(&ta));
        via_g2_mul_var(&t, &j, via_fr_mod.p);
        via_g2_to_affine(&ta, &t);
        assert_true(via_g2_affine_on_curve(&ta));
        assert_false(via_g2_affine_is_inf(&ta));
        assert_false(via_g2_affine_in_subgroup(&ta));
        assert_false(via_g2_affine_in_subgroup_by_order_var(&ta));
        /* a subgroup point plus a small-order component is outside */
        via_g2 g;
        via_g2_affine ga, sum;
        via_g2_generator(&ga);
        via_g2_from_affine(&g, &ga);
        via_g2_add_mixed(&g, &g, &ta);
        via_g2_to_affine(&sum, &g);
        assert_false(via_g2_affine_in_subgroup(&sum));
        assert_false(via_g2_affine_in_subgroup_by_order_var(&sum));
        /* an off-curve point */
        via_fq_add(&p.y.c0, &p.y.c0, &p.x.c0);
        assert_false(via_g2_affine_on_curve(&p));
    }
    /* random subgroup points */
    for (int i = 0; i < 12; i++) {
        via_g2 q;
        via_g2_affine qa;
        rnd_g2(&q);
        via_g2_to_affine(&qa, &q);
        assert_true(via_g2_affine_in_subgroup(&qa));
        assert_true(via_g2_affine_in_subgroup_by_order_var(&qa));
    }
}

/* The assembly add/sub against the portable C on edge and random values, both moduli. */
static void test_add_sub_asm_matches_portable(void **state) {
    (void)state;
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
    const via_modulus *mods[2] = {&via_fq_mod, &via_fr_mod};
    for (int mi = 0; mi < 2; mi++) {
        const via_modulus *m = mods[mi];
        uint64_t edge[5][4];
        memset(edge, 0, sizeof edge);
        edge[1][0] = 1;
        uint64_t one[4] = {1, 0, 0, 0};
        via_limbs_sub(edge[2], m->p, one);
        memcpy(edge[3], m->r1, 32);
        uint64_t half[4];
        for (int i = 0; i < 4; i++)
            half[i] = (m->p[i] >> 1) | (i < 3 ? m->p[i + 1] << 63 : 0);
        memcpy(edge[4], half, 32);
        for (int it = 0; it < 5000; it++) {
            uint64_t a[4], b[4], r1[4], r2[4];
            if (it < 25) {
                memcpy(a, edge[it / 5], 32);
                memcpy(b, edge[it % 5], 32);
            } else {
                rnd_scalar(a);
                rnd_scalar(b);
                a[3] %= m->p[3] + 1;
                b[3] %= m->p[3] + 1;
                if (!via_limbs_lt(a, m->p)) via_limbs_sub(a, a, m->p);
                if (!via_limbs_lt(b, m->p)) via_limbs_sub(b, b, m->p);
            }
            via_mod_add_portable(r1, a, b, m);
            via_mod_add_asm(r2, a, b, m);
            assert_memory_equal(r1, r2, 32);
            assert_true(via_limbs_lt(r2, m->p));
            via_mod_sub_portable(r1, a, b, m);
            via_mod_sub_asm(r2, a, b, m);
            assert_memory_equal(r1, r2, 32);
            assert_true(via_limbs_lt(r2, m->p));
            memcpy(r2, a, 32);
            via_mod_sub_asm(r2, r2, r2, m);
            assert_memory_equal(r2, edge[0], 32);
        }
    }
#else
    VIA_SKIP("no assembly in this build: nothing to compare");
#endif
}

/* The MULX/ADX assembly against the portable multiplication on edge values (0, 1, p-1, the
 * largest limbs below p, R mod p) and random values, for both moduli. */
static void test_adx_matches_portable(void **state) {
    (void)state;
    if (!via_field_have_adx)
        VIA_SKIP("CPU has no MULX/ADX (or VIA_NO_ADX is set): nothing to compare");
    const via_modulus *mods[2] = {&via_fq_mod, &via_fr_mod};
    for (int mi = 0; mi < 2; mi++) {
        const via_modulus *m = mods[mi];
        uint64_t edge[6][4];
        memset(edge, 0, sizeof edge);
        edge[1][0] = 1;
        uint64_t one[4] = {1, 0, 0, 0};
        via_limbs_sub(edge[2], m->p, one);
        memcpy(edge[3], m->r1, 32);
        memcpy(edge[4], m->r2, 32);
        via_limbs_sub(edge[5], m->p, m->r1);
        for (int it = 0; it < 3000; it++) {
            uint64_t a[4], b[4], r1[4], r2[4];
            if (it < 36) {
                memcpy(a, edge[it / 6], 32);
                memcpy(b, edge[it % 6], 32);
            } else {
                rnd_scalar(a);
                rnd_scalar(b);
                a[3] = a[3] % (m->p[3] + 1);
                b[3] = b[3] % (m->p[3] + 1);
                if (!via_limbs_lt(a, m->p)) via_limbs_sub(a, a, m->p);
                if (!via_limbs_lt(b, m->p)) via_limbs_sub(b, b, m->p);
            }
            via_mont_mul_portable(r1, a, b, m);
            via_mont_mul_adx(r2, a, b, m);
            assert_memory_equal(r1, r2, 32);
            via_mont_mul_adx(r2, a, a, m);
            via_mont_mul_portable(r1, a, a, m);
            assert_memory_equal(r1, r2, 32);
            via_mont_sqr_adx(r2, a, m);
            assert_memory_equal(r1, r2, 32);
            memcpy(r2, a, 32);
            via_mont_sqr_adx(r2, r2, m);
            assert_memory_equal(r1, r2, 32);
            /* in place */
            memcpy(r2, a, 32);
            via_mont_mul_adx(r2, r2, b, m);
            via_mont_mul_portable(r1, a, b, m);
            assert_memory_equal(r1, r2, 32);
        }
    }
}

int main(void) {
    const char *s = getenv("VIA_SEED");
    rng_state = s ? strtoull(s, NULL, 0) : 0x243f6a8885a308d3ULL;
    if (!rng_state) rng_state = 1;
    printf("test_curve seed 0x%016llx\n", (unsigned long long)rng_state);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_g1_group_law),
        cmocka_unit_test(test_g2_group_law),
        cmocka_unit_test(test_scalar_mul),
        cmocka_unit_test(test_batch_affine_and_lem),
        cmocka_unit_test(test_fq2_sqrt),
        cmocka_unit_test(test_g2_subgroup),
        cmocka_unit_test(test_adx_matches_portable),
        cmocka_unit_test(test_add_sub_asm_matches_portable),
    };
    return via_test_run(tests);
}
