/* GT as aggregation uses it: bilinearity through via_gt_pow_var, one shared final
 * exponentiation for a product of Miller loops, the canonical encoding (round trip, one
 * encoding per element), and the decoder refusing coefficients >= q and Fq12 elements
 * outside the order-r subgroup; the fast membership test against a^r = 1, the compressed
 * encoding, and the multi-exponentiation against one exponentiation per base. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "via/gt.h"

static uint64_t rng = 0x6a09e667f3bcc909ULL;
static uint64_t next(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static void rand_scalar(via_scalar *k) {
    do {
        for (int i = 0; i < 4; i++)
            k->l[i] = next();
        k->l[3] &= 0x3fffffffffffffffULL;
    } while (!via_limbs_lt(k->l, via_fr_mod.p));
}

static void points(via_g1_affine *p, via_g2_affine *q, const via_scalar *a, const via_scalar *b) {
    via_g1_affine g;
    via_g2_affine h;
    via_g1_generator(&g);
    via_g2_generator(&h);
    via_g1 gp, t;
    via_g2 hp, u;
    via_g1_from_affine(&gp, &g);
    via_g2_from_affine(&hp, &h);
    via_g1_mul_var(&t, &gp, a->l);
    via_g2_mul_var(&u, &hp, b->l);
    via_g1_to_affine(p, &t);
    via_g2_to_affine(q, &u);
}

static void test_bilinear_and_pow(void **state) {
    (void)state;
    via_scalar a, b, ab, one = {{1, 0, 0, 0}};
    rand_scalar(&a);
    rand_scalar(&b);
    via_fr am, bm, abm;
    via_fr_from_canon_unchecked(&am, a.l);
    via_fr_from_canon_unchecked(&bm, b.l);
    via_fr_mul(&abm, &am, &bm);
    via_fr_to_canon(ab.l, &abm);
    via_g1_affine p, g;
    via_g2_affine q, h;
    points(&p, &q, &a, &b);
    points(&g, &h, &one, &one);
    via_gt e_ab, e1, e1ab;
    via_gt_pairing(&e_ab, &p, &q, 1);
    via_gt_pairing(&e1, &g, &h, 1);
    via_gt_pow_var(&e1ab, &e1, &ab);
    assert_true(via_gt_eq(&e_ab, &e1ab));
    assert_true(via_gt_in_subgroup(&e1));
    via_gt inv, prod;
    via_gt_inv(&inv, &e_ab);
    via_gt_mul(&prod, &inv, &e_ab);
    assert_true(via_gt_is_one(&prod));
    via_scalar r;
    memcpy(r.l, via_fr_mod.p, 32);
    via_gt_pow_var(&prod, &e1, &r);
    assert_true(via_gt_is_one(&prod));
}

static void test_shared_final_exp(void **state) {
    (void)state;
    via_g1_affine p[3];
    via_g2_affine q[3];
    for (int i = 0; i < 3; i++) {
        via_scalar a, b;
        rand_scalar(&a);
        rand_scalar(&b);
        points(&p[i], &q[i], &a, &b);
    }
    via_gt sep = {0}, each, shared;
    via_gt_set_one(&sep);
    for (int i = 0; i < 3; i++) {
        via_gt_pairing(&each, &p[i], &q[i], 1);
        via_gt_mul(&sep, &sep, &each);
    }
    via_fq12 f1, f2, f;
    via_miller_loop_multi(&f1, p, q, 1);
    via_miller_loop_multi(&f2, p + 1, q + 1, 2);
    via_fq12_mul(&f, &f1, &f2);
    via_final_exp(&shared, &f);
    assert_true(via_gt_eq(&sep, &shared));
    /* a Miller loop value before the final exponentiation is not in GT */
    assert_false(via_gt_in_subgroup(&f1));
}

static void test_encoding(void **state) {
    (void)state;
    via_scalar a, b;
    rand_scalar(&a);
    rand_scalar(&b);
    via_g1_affine p;
    via_g2_affine q;
    points(&p, &q, &a, &b);
    via_gt e, d;
    via_gt_pairing(&e, &p, &q, 1);
    uint8_t buf[VIA_GT_BYTES], again[VIA_GT_BYTES];
    via_gt_encode(buf, &e);
    via_error err = {0};
    assert_int_equal(via_gt_decode(&d, buf, "test", &err), VIA_OK);
    assert_true(via_gt_eq(&d, &e));
    via_gt_encode(again, &d);
    assert_memory_equal(buf, again, VIA_GT_BYTES);
    /* the identity encodes as 1 in the first coefficient, zeros elsewhere */
    via_gt one;
    via_gt_set_one(&one);
    via_gt_encode(buf, &one);
    for (int i = 0; i < VIA_GT_BYTES; i++)
        assert_int_equal(buf[i], i == 31 ? 1 : 0);

    /* a coefficient >= q is named */
    via_gt_encode(buf, &e);
    memset(buf + 5 * 32, 0xff, 32);
    assert_int_equal(via_gt_decode(&d, buf, "agg: z_ab", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "agg: z_ab: GT coefficient c0.c2.c1 is not below"));
    /* one bit changed: still below q, but no longer in the subgroup */
    via_gt_encode(buf, &e);
    buf[7 * 32 + 31] ^= 1;
    assert_int_equal(via_gt_decode(&d, buf, "agg: z_c", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "agg: z_c: not an element of GT"));
}

/* A GT element from a random pair. */
static void rand_gt(via_gt *e) {
    via_scalar a, b;
    rand_scalar(&a);
    rand_scalar(&b);
    via_g1_affine p;
    via_g2_affine q;
    points(&p, &q, &a, &b);
    via_gt_pairing(e, &p, &q, 1);
}

/* The fast membership test agrees with a^r = 1 on members, on Fq12 elements outside the
 * cyclotomic subgroup, on cyclotomic elements of other orders, and refuses zero. */
static void test_subgroup_fast_vs_order(void **state) {
    (void)state;
    for (int i = 0; i < 4; i++) {
        via_gt e;
        rand_gt(&e);
        assert_true(via_gt_in_subgroup(&e));
        assert_true(via_gt_in_subgroup_by_order(&e));
        /* f = a Miller-loop value: not cyclotomic */
        via_scalar a, b;
        rand_scalar(&a);
        rand_scalar(&b);
        via_g1_affine p;
        via_g2_affine q;
        points(&p, &q, &a, &b);
        via_fq12 f, c, t;
        via_miller_loop_multi(&f, &p, &q, 1);
        assert_false(via_gt_in_subgroup(&f));
        assert_false(via_gt_in_subgroup_by_order(&f));
        /* c = f^((p^6 - 1)(p^2 + 1)): cyclotomic (the easy part of the final exponentiation)
         * but almost surely not of order r */
        via_fq12_conj(&c, &f);
        via_fq12_inv(&t, &f);
        via_fq12_mul(&c, &c, &t);
        via_fq12_frobenius(&t, &c, 2);
        via_fq12_mul(&c, &t, &c);
        assert_int_equal(via_gt_in_subgroup(&c), via_gt_in_subgroup_by_order(&c));
        assert_false(via_gt_in_subgroup(&c));
    }
    via_fq12 zero;
    memset(&zero, 0, sizeof zero);
    assert_false(via_gt_in_subgroup(&zero));
    via_gt one;
    via_gt_set_one(&one);
    assert_true(via_gt_in_subgroup(&one));
}

static void test_compression(void **state) {
    (void)state;
    via_error err = {0};
    uint8_t buf[VIA_GT_COMPRESSED_BYTES], again[VIA_GT_COMPRESSED_BYTES];
    via_gt e, d;
    for (int i = 0; i < 4; i++) {
        rand_gt(&e);
        via_gt_compress(buf, &e);
        assert_int_equal(buf[0] & 0xc0, 0);
        assert_int_equal(via_gt_decompress(&d, buf, "t", &err), VIA_OK);
        assert_true(via_gt_eq(&d, &e));
        via_gt_compress(again, &d);
        assert_memory_equal(buf, again, sizeof buf);
        /* the inverse (conjugate) has its own encoding */
        via_gt inv;
        via_gt_inv(&inv, &e);
        via_gt_compress(again, &inv);
        assert_memory_not_equal(buf, again, sizeof buf);
    }
    via_gt one;
    via_gt_set_one(&one);
    via_gt_compress(buf, &one);
    assert_int_equal(buf[0], 0x80);
    for (size_t i = 1; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(via_gt_decompress(&d, buf, "t", &err), VIA_OK);
    assert_true(via_gt_is_one(&d));
    /* refusals: identity flag with other bits, the unused flag, a coefficient >= q, and a
     * torus element (c = 0 is -1, c = 7 something else) outside GT */
    buf[100] = 1;
    assert_int_equal(via_gt_decompress(&d, buf, "agg: x", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "agg: x: the identity flag"));
    rand_gt(&e);
    via_gt_compress(buf, &e);
    buf[0] |= 0x40;
    assert_int_equal(via_gt_decompress(&d, buf, "t", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "unused flag"));
    via_gt_compress(buf, &e);
    memset(buf + 64, 0x3f, 1);
    memset(buf + 65, 0xff, 31);
    assert_int_equal(via_gt_decompress(&d, buf, "t", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "coefficient c1.c0 is not below"));
    memset(buf, 0, sizeof buf);
    assert_int_equal(via_gt_decompress(&d, buf, "t", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "not an element of GT"));
    buf[31] = 7;
    assert_int_equal(via_gt_decompress(&d, buf, "t", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "not an element of GT"));
}

static void test_multi_pow(void **state) {
    (void)state;
    static const size_t ns[] = {0, 1, 3, 21};
    via_gt b[21];
    via_scalar k[21];
    for (size_t i = 0; i < 21; i++) {
        rand_gt(&b[i]);
        rand_scalar(&k[i]);
    }
    k[1].l[0] = k[1].l[1] = k[1].l[2] = k[1].l[3] = 0; /* a zero exponent */
    memcpy(k[2].l, via_fr_mod.p, 32);                  /* r itself */
    k[2].l[0] -= 1;                                    /* r - 1: the largest canonical */
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        via_gt want, got, x;
        via_gt_set_one(&want);
        for (size_t i = 0; i < ns[t]; i++) {
            via_gt_pow_var(&x, &b[i], &k[i]);
            via_gt_mul(&want, &want, &x);
        }
        via_gt_multi_pow_var(&got, b, k, ns[t]);
        assert_true(via_gt_eq(&got, &want));
    }
}

int main(void) {
    via_field_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bilinear_and_pow), cmocka_unit_test(test_shared_final_exp),
        cmocka_unit_test(test_encoding),         cmocka_unit_test(test_subgroup_fast_vs_order),
        cmocka_unit_test(test_compression),      cmocka_unit_test(test_multi_pow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
