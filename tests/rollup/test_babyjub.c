/* BabyJubJub: circomlibjs test/babyjub.js vectors (vectors/babyjub/circomlibjs.txt), group
 * order and Base8, constant-time and variable-time multiplication agreeing on seeded random
 * scalars, pack/unpack round trips and rejections, and scalar arithmetic mod l. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/babyjub.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void dec(via_fr *r, const char *s) {
    if (via_fr_from_decimal(r, s)) fail_msg("bad decimal '%s'", s);
}

static void dec_limbs(uint64_t r[4], const char *s) {
    if (via_limbs_from_decimal(r, s)) fail_msg("bad decimal '%s'", s);
}

static void test_vectors(void **state) {
    (void)state;
    const char *dir = getenv("VIA_VECTORS");
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/babyjub/circomlibjs.txt", dir ? dir : "vectors");
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\r\n")] = 0;
        char *tok[8];
        int n = 0;
        for (char *p = strtok(line, " "); p && n < 8; p = strtok(NULL, " "))
            tok[n++] = p;
        via_babyjub_point p, q, r, e;
        if (!strcmp(tok[0], "add")) {
            assert_int_equal(n, 7);
            dec(&p.x, tok[1]), dec(&p.y, tok[2]), dec(&q.x, tok[3]), dec(&q.y, tok[4]);
            dec(&e.x, tok[5]), dec(&e.y, tok[6]);
            assert_true(via_babyjub_on_curve(&p) && via_babyjub_on_curve(&q));
            via_babyjub_add(&r, &p, &q);
            assert_true(via_babyjub_eq(&r, &e));
            if (via_babyjub_eq(&p, &q)) {
                via_babyjub_double(&r, &p);
                assert_true(via_babyjub_eq(&r, &e));
            }
        } else if (!strcmp(tok[0], "mul")) {
            assert_int_equal(n, 6);
            uint64_t k[4];
            dec(&p.x, tok[1]), dec(&p.y, tok[2]), dec_limbs(k, tok[3]);
            dec(&e.x, tok[4]), dec(&e.y, tok[5]);
            via_babyjub_mul(&r, &p, k);
            assert_true(via_babyjub_eq(&r, &e));
            via_babyjub_mul_var(&r, &p, k);
            assert_true(via_babyjub_eq(&r, &e));
        } else if (!strcmp(tok[0], "subgroup")) {
            assert_int_equal(n, 3);
            dec(&p.x, tok[1]), dec(&p.y, tok[2]);
            assert_true(via_babyjub_on_curve(&p));
            assert_true(via_babyjub_in_subgroup_var(&p));
        } else if (!strcmp(tok[0], "pack")) {
            assert_int_equal(n, 4);
            dec(&p.x, tok[1]), dec(&p.y, tok[2]);
            uint8_t buf[32];
            char hex[65];
            via_babyjub_pack(buf, &p);
            for (int i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", buf[i]);
            assert_string_equal(hex, tok[3]);
            via_error err;
            assert_int_equal(via_babyjub_unpack_var(&r, buf, &err), VIA_OK);
            assert_true(via_babyjub_eq(&r, &p));
        } else {
            fail_msg("unknown vector line kind '%s'", tok[0]);
        }
        count++;
    }
    fclose(f);
    assert_int_equal(count, 10);
}

static void test_group_structure(void **state) {
    (void)state;
    via_babyjub_point g, b8, t, id;
    via_babyjub_generator(&g);
    via_babyjub_base8(&b8);
    via_babyjub_identity(&id);
    assert_true(via_babyjub_on_curve(&g));
    assert_true(via_babyjub_on_curve(&b8));
    assert_true(via_babyjub_on_curve(&id));
    via_babyjub_double(&t, &g);
    via_babyjub_double(&t, &t);
    via_babyjub_double(&t, &t);
    assert_true(via_babyjub_eq(&t, &b8));
    assert_true(via_babyjub_in_subgroup_var(&b8));
    /* G itself has order 8l: l*G is a non-trivial point of order 8 */
    assert_false(via_babyjub_in_subgroup_var(&g));
    via_babyjub_mul_var(&t, &g, via_babyjub_l);
    assert_false(via_babyjub_eq(&t, &id));
    for (int i = 0; i < 3; i++)
        via_babyjub_double(&t, &t);
    assert_true(via_babyjub_eq(&t, &id));
    /* (l - 1)*B8 = -B8 = (-x, y) */
    uint64_t lm1[4], one[4] = {1, 0, 0, 0};
    via_limbs_sub(lm1, via_babyjub_l, one);
    via_babyjub_mul(&t, &b8, lm1);
    via_fr nx;
    via_fr_neg(&nx, &b8.x);
    assert_true(via_fr_eq(&t.x, &nx) && via_fr_eq(&t.y, &b8.y));
    /* l*B8 = identity through the constant-time path too */
    via_babyjub_mul(&t, &b8, via_babyjub_l);
    assert_true(via_babyjub_eq(&t, &id));
    /* a point off the curve */
    t = b8;
    via_fr_add(&t.y, &t.y, &t.x);
    assert_false(via_babyjub_on_curve(&t));
    assert_false(via_babyjub_in_subgroup_var(&t));
}

static void test_mul_consistency(void **state) {
    (void)state;
    via_babyjub_point b8, p, q, r, s;
    via_babyjub_base8(&b8);
    for (int i = 0; i < 20; i++) {
        uint64_t a[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 4};
        uint64_t b[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 4};
        via_babyjub_mul(&p, &b8, a);
        via_babyjub_mul_var(&q, &b8, a);
        assert_true(via_babyjub_eq(&p, &q));
        assert_true(via_babyjub_in_subgroup_var(&p));
        /* the Base8 table agrees with the constant-time ladder */
        via_babyjub_proj pp, pq;
        via_babyjub_proj_from_affine(&pp, &p);
        via_babyjub_proj_mul_base8_var(&pq, a);
        assert_true(via_babyjub_proj_eq(&pp, &pq));
        /* a*B8 + b*B8 = (a+b mod l)*B8 */
        uint64_t sum[4], one[4] = {1, 0, 0, 0};
        via_babyjub_scalar_muladd(sum, a, one, b);
        via_babyjub_mul(&r, &b8, b);
        via_babyjub_add(&s, &p, &r);
        via_babyjub_mul_var(&q, &b8, sum);
        assert_true(via_babyjub_eq(&s, &q));
        /* add is commutative and double = add to itself */
        via_babyjub_add(&q, &r, &p);
        assert_true(via_babyjub_eq(&s, &q));
        via_babyjub_double(&q, &p);
        via_babyjub_add(&s, &p, &p);
        assert_true(via_babyjub_eq(&s, &q));
        /* pack round trip */
        uint8_t buf[32];
        via_error err;
        via_babyjub_pack(buf, &p);
        assert_int_equal(via_babyjub_unpack_var(&q, buf, &err), VIA_OK);
        assert_true(via_babyjub_eq(&p, &q));
    }
}

/* Windowed variable-time multiplication and the Base8 table against the constant-time ladder
 * at the edges: zero, one, a single top digit, every digit 15 (2^256 - 1), l - 1, l, and on a
 * point outside the Base8 subgroup (the generator). */
static void test_mul_edges(void **state) {
    (void)state;
    via_babyjub_point b8, g, p, q;
    via_babyjub_base8(&b8);
    via_babyjub_generator(&g);
    uint64_t lm1[4];
    memcpy(lm1, via_babyjub_l, sizeof lm1);
    lm1[0] -= 1;
    const uint64_t ks[][4] = {
        {0, 0, 0, 0},
        {1, 0, 0, 0},
        {0, 0, 0, 0x1000000000000000ULL},
        {~0ULL, ~0ULL, ~0ULL, ~0ULL},
        {lm1[0], lm1[1], lm1[2], lm1[3]},
        {via_babyjub_l[0], via_babyjub_l[1], via_babyjub_l[2], via_babyjub_l[3]},
        {0xf0f0f0f0f0f0f0f0ULL, 0, 0x0f0f0f0f0f0f0f0fULL, 0}};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        const via_babyjub_point *pts[2] = {&b8, &g};
        for (int j = 0; j < 2; j++) {
            via_babyjub_mul(&p, pts[j], ks[i]);
            via_babyjub_mul_var(&q, pts[j], ks[i]);
            assert_true(via_babyjub_eq(&p, &q));
        }
        via_babyjub_proj pp, pq;
        via_babyjub_mul(&p, &b8, ks[i]);
        via_babyjub_proj_from_affine(&pp, &p);
        via_babyjub_proj_mul_base8_var(&pq, ks[i]);
        assert_true(via_babyjub_proj_eq(&pp, &pq));
    }
}

/* The projective API agrees with the affine one: k*G (k = 0, small, 256-bit) and 8G by three
 * doublings compare equal through via_babyjub_proj_eq, and unequal points do not. */
static void test_projective(void **state) {
    (void)state;
    via_babyjub_point g, aff, g2;
    via_babyjub_generator(&g);
    const uint64_t ks[3][4] = {{0, 0, 0, 0},
                               {5, 0, 0, 0},
                               {0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x1111111111111111ULL,
                                0x0222222222222222ULL}};
    via_babyjub_proj pg, pr, pa;
    via_babyjub_proj_from_affine(&pg, &g);
    for (int i = 0; i < 3; i++) {
        via_babyjub_mul_var(&aff, &g, ks[i]);
        via_babyjub_proj_mul_var(&pr, &pg, ks[i]);
        via_babyjub_proj_from_affine(&pa, &aff);
        assert_true(via_babyjub_proj_eq(&pr, &pa));
        via_babyjub_proj_add(&pr, &pr, &pg);
        assert_false(via_babyjub_proj_eq(&pr, &pa));
    }
    via_babyjub_double(&g2, &g);
    via_babyjub_double(&g2, &g2);
    via_babyjub_double(&g2, &g2);
    via_babyjub_proj_dbl(&pr, &pg);
    via_babyjub_proj_dbl(&pr, &pr);
    via_babyjub_proj_dbl(&pr, &pr);
    via_babyjub_proj_from_affine(&pa, &g2);
    assert_true(via_babyjub_proj_eq(&pr, &pa));
}

static void test_unpack_rejects(void **state) {
    (void)state;
    via_babyjub_point p;
    via_error err;
    uint8_t buf[32];
    /* y = r (not below the modulus) */
    via_limbs_to_bytes_le(buf, via_fr_mod.p);
    assert_int_equal(via_babyjub_unpack_var(&p, buf, &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "modulus"));
    /* y values without a curve point: about half of all y; find one by scanning */
    int found = 0;
    for (uint64_t y = 2; y < 100 && !found; y++) {
        memset(buf, 0, 32);
        buf[0] = (uint8_t)y;
        if (via_babyjub_unpack_var(&p, buf, &err) == VIA_EFORMAT) {
            found = 1;
            assert_non_null(strstr(err.msg, "no x"));
            assert_true(via_fr_is_zero(&p.x));
        } else {
            assert_true(via_babyjub_on_curve(&p));
        }
    }
    assert_true(found);
    /* the identity with the sign bit set is non-canonical */
    memset(buf, 0, 32);
    buf[0] = 1;
    assert_int_equal(via_babyjub_unpack_var(&p, buf, &err), VIA_OK);
    buf[31] = 0x80;
    assert_int_equal(via_babyjub_unpack_var(&p, buf, &err), VIA_EFORMAT);
}

static void test_scalar_reduce(void **state) {
    (void)state;
    uint64_t w[8] = {0}, out[4], t[4];
    /* l mod l = 0, (l + 5) mod l = 5, 2^512 - 1 mod l computed two ways */
    memcpy(w, via_babyjub_l, 32);
    via_babyjub_scalar_reduce512(out, w);
    assert_true((out[0] | out[1] | out[2] | out[3]) == 0);
    w[0] += 5;
    via_babyjub_scalar_reduce512(out, w);
    assert_true(out[0] == 5 && (out[1] | out[2] | out[3]) == 0);
    for (int i = 0; i < 8; i++)
        w[i] = ~(uint64_t)0;
    via_babyjub_scalar_reduce512(out, w);
    assert_true(via_limbs_lt(out, via_babyjub_l));
    /* (2^256 - 1)*(2^256 - 1) + (2^256 - 1) = 2^512 - 2^256: equals muladd */
    uint64_t m[4] = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
    via_babyjub_scalar_muladd(t, m, m, m);
    for (int i = 0; i < 4; i++)
        w[i] = 0;
    via_babyjub_scalar_reduce512(out, w);
    assert_memory_equal(out, t, 32);
}

int main(void) {
    const char *seed_env = getenv("VIA_TEST_SEED");
    uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x452821e638d01377ULL;
    printf("test_babyjub seed=0x%016llx (set VIA_TEST_SEED to replay)\n", (unsigned long long)seed);
    rng_state = seed ? seed : 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),         cmocka_unit_test(test_group_structure),
        cmocka_unit_test(test_mul_consistency), cmocka_unit_test(test_unpack_rejects),
        cmocka_unit_test(test_scalar_reduce),   cmocka_unit_test(test_projective),
        cmocka_unit_test(test_mul_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
