/* Field arithmetic: known values from docs/sources.md: bn254 and algebraic identities
 * on seeded random elements (portable and MULX/ADX paths compared). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/via_test.h"

#include "via/field.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void rnd_fr(via_fr *a) {
    uint64_t t[4] = {rnd64(), rnd64(), rnd64(), rnd64() & 0x0fffffffffffffffULL};
    via_fr_from_canon_unchecked(a, t);
}
static void rnd_fq(via_fq *a) {
    uint64_t t[4] = {rnd64(), rnd64(), rnd64(), rnd64() & 0x0fffffffffffffffULL};
    via_fq_from_canon_unchecked(a, t);
}

static void test_root_of_unity(void **state) {
    (void)state;
    via_fr w;
    char buf[100];
    via_fr_root_of_unity(&w, 28);
    via_fr_to_decimal(buf, sizeof buf, &w);
    assert_string_equal(buf, "19103219067921713944291392827692070036145651957329286315305642004821462161904");
    /* w^(2^28) = 1 and w^(2^27) = -1 */
    for (int i = 0; i < 27; i++) via_fr_sqr(&w, &w);
    via_fr m1, one;
    via_fr_set_one(&one);
    via_fr_neg(&m1, &one);
    assert_true(via_fr_eq(&w, &m1));
}

static void test_decimal_roundtrip(void **state) {
    (void)state;
    const char *p = "21888242871839275222246405745257275088696311157297823662689037894645226208582";
    via_fq a;
    char buf[100];
    assert_int_equal(via_fq_from_decimal(&a, p), 0);
    via_fq_to_decimal(buf, sizeof buf, &a);
    assert_string_equal(buf, p);
    assert_int_equal(via_fq_from_decimal(&a, "21888242871839275222246405745257275088696311157297823662689037894645226208583"), -1);
    assert_int_equal(via_fq_from_decimal(&a, "12a"), -1);
    assert_int_equal(via_fq_from_decimal(&a, ""), -1);
}

static void test_identities(void **state) {
    (void)state;
    for (int i = 0; i < 2000; i++) {
        via_fr a, b, c, t1, t2, inv;
        rnd_fr(&a);
        rnd_fr(&b);
        rnd_fr(&c);
        /* (a+b)c = ac + bc */
        via_fr_add(&t1, &a, &b);
        via_fr_mul(&t1, &t1, &c);
        via_fr_mul(&t2, &a, &c);
        via_fr_mul(&inv, &b, &c);
        via_fr_add(&t2, &t2, &inv);
        assert_true(via_fr_eq(&t1, &t2));
        /* a * a^-1 = 1 */
        via_fr_inv(&inv, &a);
        via_fr_mul(&t1, &a, &inv);
        assert_true(via_fr_is_one(&t1));
        /* a - b + b = a */
        via_fr_sub(&t1, &a, &b);
        via_fr_add(&t1, &t1, &b);
        assert_true(via_fr_eq(&t1, &a));
        /* ADX and portable paths agree */
        via_fq x, y;
        uint64_t p1[4], p2[4];
        rnd_fq(&x);
        rnd_fq(&y);
        via_mont_mul_portable(p1, x.l, y.l, &via_fq_mod);
        via_mont_mul_adx(p2, x.l, y.l, &via_fq_mod);
        assert_memory_equal(p1, p2, 32);
        /* sqrt */
        via_fq s, r;
        via_fq_sqr(&s, &x);
        assert_int_equal(via_fq_sqrt_var(&r, &s), 0);
        via_fq_sqr(&r, &r);
        assert_true(via_fq_eq(&r, &s));
        via_fr_sqr(&t1, &a);
        assert_int_equal(via_fr_sqrt_var(&t2, &t1), 0);
        via_fr_sqr(&t2, &t2);
        assert_true(via_fr_eq(&t2, &t1));
    }
}

/* The variable-time (safegcd) inversion equals the constant-time Fermat one, in both fields,
 * on random values, on small and large edge values (1, 2, 3, p - 1, p - 2, 2^k, Montgomery
 * one) and on values with long runs of zero or one bits; the inverse of 0 is 0. */
static void test_inv_var(void **state) {
    (void)state;
    const via_modulus *mods[2] = {&via_fq_mod, &via_fr_mod};
    for (int k = 0; k < 2; k++) {
        const via_modulus *m = mods[k];
        for (int i = 0; i < 3000; i++) {
            uint64_t t[4] = {rnd64(), rnd64(), rnd64(), rnd64() & 0x0fffffffffffffffULL};
            if (i < 3) {
                memset(t, 0, sizeof t);
                t[0] = (uint64_t)i + 1;
            } else if (i < 5) {
                via_limbs_sub(t, m->p, (const uint64_t[4]){(uint64_t)i - 2, 0, 0, 0});
            } else if (i < 5 + 254) {
                memset(t, 0, sizeof t);
                t[(i - 5) / 64] = (uint64_t)1 << ((i - 5) % 64);
            } else if (i < 300) {
                t[i % 4] = 0;
                t[(i + 1) % 4] = ~(uint64_t)0;
                t[3] &= 0x0fffffffffffffffULL;
            } else if (i == 300) {
                memcpy(t, m->r1, sizeof t);
            }
            uint64_t a[4], want[4], got[4];
            /* t is a canonical value below p; use it as a Montgomery representative */
            while (!via_limbs_lt(t, m->p)) via_limbs_sub(t, t, m->p);
            memcpy(a, t, sizeof a);
            if (k == 0) {
                via_fq_inv((via_fq *)want, (const via_fq *)a);
                via_fq_inv_var((via_fq *)got, (const via_fq *)a);
            } else {
                via_fr_inv((via_fr *)want, (const via_fr *)a);
                via_fr_inv_var((via_fr *)got, (const via_fr *)a);
            }
            if (memcmp(want, got, 32) != 0) fail_msg("inv_var differs (field %d, case %d)", k, i);
        }
    }
    via_fq z, r;
    via_fq_set_zero(&z);
    via_fq_inv_var(&r, &z);
    assert_true(via_fq_is_zero(&r));
}

static void test_batch_inv(void **state) {
    (void)state;
    via_fr v[17], o[17];
    for (int i = 0; i < 17; i++) rnd_fr(&v[i]);
    via_fr_set_zero(&v[5]);
    via_fr_batch_inv_var(o, v, 17);
    for (int i = 0; i < 17; i++) {
        if (i == 5) {
            assert_true(via_fr_is_zero(&o[i]));
            continue;
        }
        via_fr t;
        via_fr_mul(&t, &o[i], &v[i]);
        assert_true(via_fr_is_one(&t));
    }
    via_fr_batch_inv_var(v, v, 17);
    assert_memory_equal(v, o, sizeof v);
}

/* The MULX/ADX multiplication and squaring against the portable reference on edge values
 * (0, 1, 2, p-1, p-2, R mod p, limbs at 2^64-1, values just below p with every limb pattern)
 * and on seeded random values, for both moduli. Skipped (and reported so) where the CPU has
 * no MULX/ADX: there is no second path to compare. */
static void check_mul_sqr(const via_modulus *m, const uint64_t a[4], const uint64_t b[4]) {
    uint64_t p1[4], p2[4];
    via_mont_mul_portable(p1, a, b, m);
    via_mont_mul_adx(p2, a, b, m);
    assert_memory_equal(p1, p2, 32);
    via_mont_mul_portable(p1, a, a, m);
    via_mont_sqr_adx(p2, a, m);
    assert_memory_equal(p1, p2, 32);
    /* the inlined wrappers too (what the rest of the prover calls) */
    via_mont_sqr(p2, a, m);
    assert_memory_equal(p1, p2, 32);
    via_mont_mul(p2, b, a, m);
    via_mont_mul_portable(p1, a, b, m);
    assert_memory_equal(p1, p2, 32);
}

static void test_mul_paths_edges(void **state) {
    (void)state;
    if (!via_field_have_adx)
        VIA_SKIP("CPU has no MULX/ADX (or VIA_NO_ADX is set): no second path to compare");
    const via_modulus *mods[2] = {&via_fq_mod, &via_fr_mod};
    for (int k = 0; k < 2; k++) {
        const via_modulus *m = mods[k];
        uint64_t e[12][4];
        int n = 0;
        memset(e, 0, sizeof e);
        e[n++][0] = 0;
        e[n][0] = 1, n++;
        e[n][0] = 2, n++;
        memcpy(e[n], m->p, 32), e[n][0] -= 1, n++;
        memcpy(e[n], m->p, 32), e[n][0] -= 2, n++;
        memcpy(e[n++], m->r1, 32);
        memcpy(e[n++], m->r2, 32);
        for (int j = 0; j < 3; j++) { /* 2^64-1 limbs below the top limb */
            e[n][j] = ~(uint64_t)0;
            n++;
        }
        e[n][0] = e[n][1] = e[n][2] = ~(uint64_t)0, e[n][3] = m->p[3] - 1, n++;
        e[n][3] = m->p[3] - 1, n++;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) check_mul_sqr(m, e[i], e[j]);
        for (int i = 0; i < 20000; i++) {
            uint64_t a[4], b[4];
            for (int j = 0; j < 4; j++) a[j] = rnd64(), b[j] = rnd64();
            a[3] %= m->p[3]; /* below p: top limb smaller than p's */
            b[3] %= m->p[3];
            if (i % 5 == 1) memcpy(a, m->p, 24), a[3] = m->p[3], a[0] -= 1 + (rnd64() & 0xff);
            check_mul_sqr(m, a, b);
        }
    }
}

int main(void) {
    printf("field: adx path %s\n", via_field_have_adx ? "in use" : "not available");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_of_unity),
        cmocka_unit_test(test_decimal_roundtrip),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_inv_var),
        cmocka_unit_test(test_batch_inv),
        cmocka_unit_test(test_mul_paths_edges),
    };
    return via_test_run(tests);
}
