/* MSM on G1 and G2 against the sum of scalar multiplications (via_g*_mul_var) on seeded random
 * inputs and edge cases (zero scalars, 1, r - 1, infinity bases, repeated, opposite and
 * identical bases, 0/1-heavy scalars), with 1, 2 and 3 threads. Large sizes use bases in
 * arithmetic progression, P_i = P + i Q, whose MSM is (sum s_i) P + (sum i s_i) Q with the sums
 * taken in Fr. The seed is printed (set VIA_TEST_SEED to replay one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "via/msm.h"
#include "via/runtime.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void scalar_random(via_scalar *s) {
    do {
        for (int i = 0; i < 4; i++)
            s->l[i] = rnd64();
        s->l[3] &= 0x3fffffffffffffffULL;
    } while (!via_limbs_lt(s->l, via_fr_mod.p));
}
static void scalar_set(via_scalar *s, uint64_t v) {
    memset(s, 0, sizeof *s);
    s->l[0] = v;
}
static void scalar_r_minus(via_scalar *s, uint64_t v) {
    uint64_t t[4] = {v, 0, 0, 0};
    via_limbs_sub(s->l, via_fr_mod.p, t);
}

/* Scalars of mixed kinds: mostly uniform, some 0, 1, 2, r - 1, small, or with few bits. */
static void scalars_mixed(via_scalar *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch (rnd64() % 10) {
        case 0:
            scalar_set(&s[i], 0);
            break;
        case 1:
            scalar_set(&s[i], 1);
            break;
        case 2:
            scalar_r_minus(&s[i], 1 + rnd64() % 3);
            break;
        case 3:
            scalar_set(&s[i], rnd64() % 100000);
            break;
        default:
            scalar_random(&s[i]);
            break;
        }
    }
}

/* ---- G1 helpers ---- */

static void g1_random_jac(via_g1 *p) {
    via_g1_affine g;
    via_g1 gj;
    via_scalar k;
    via_g1_generator(&g);
    via_g1_from_affine(&gj, &g);
    scalar_random(&k);
    via_g1_mul_var(p, &gj, k.l);
}

/* bases[i] = P + i Q in affine form */
static via_g1_affine *g1_progression(size_t n, via_g1 *p, via_g1 *q) {
    g1_random_jac(p);
    g1_random_jac(q);
    via_g1 *j = via_malloc_big(n * sizeof(via_g1));
    via_g1_affine *a = via_malloc_big(n * sizeof(via_g1_affine));
    assert_true(j && a);
    via_g1 cur = *p;
    for (size_t i = 0; i < n; i++) {
        j[i] = cur;
        via_g1_add(&cur, &cur, q);
    }
    via_g1_batch_to_affine(a, j, n);
    via_free_big(j);
    return a;
}

static void g1_naive(via_g1 *out, const via_g1_affine *b, const via_scalar *s, size_t n) {
    via_g1 acc, t, pj;
    via_g1_set_inf(&acc);
    for (size_t i = 0; i < n; i++) {
        via_g1_from_affine(&pj, &b[i]);
        via_g1_mul_var(&t, &pj, s[i].l);
        via_g1_add(&acc, &acc, &t);
    }
    *out = acc;
}

static const unsigned thread_counts[] = {1, 2, 3};

static void g1_check(const via_g1_affine *b, const via_scalar *s, size_t n, const char *what) {
    via_g1 want, got;
    g1_naive(&want, b, s, n);
    for (size_t t = 0; t < 3; t++) {
        via_set_threads(thread_counts[t]);
        assert_int_equal(via_msm_g1(&got, b, s, n), VIA_OK);
        if (!via_g1_eq(&got, &want))
            fail_msg("G1 MSM (%s, n = %zu, %u threads) differs from the naive sum", what, n,
                     thread_counts[t]);
    }
    via_set_threads(0);
}

static void test_g1_random_sizes(void **state) {
    (void)state;
    const size_t sizes[] = {1, 2, 3, 17, 100, 1000, 4097};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        via_g1 p, q;
        via_g1_affine *b = g1_progression(n, &p, &q);
        via_scalar *s = via_malloc_big(n * sizeof *s);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
            scalar_random(&s[i]);
        g1_check(b, s, n, "uniform scalars");
        scalars_mixed(s, n);
        g1_check(b, s, n, "mixed scalars");
        via_free_big(b);
        via_free_big(s);
    }
}

static void test_g1_edge_cases(void **state) {
    (void)state;
    size_t n = 300;
    via_g1 p, q;
    via_g1_affine *b = g1_progression(n, &p, &q);
    via_scalar *s = via_malloc_big(n * sizeof *s);
    assert_non_null(s);

    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], 0);
    via_g1 got;
    assert_int_equal(via_msm_g1(&got, b, s, n), VIA_OK);
    assert_true(via_g1_is_inf(&got));
    g1_check(b, s, n, "all zero");

    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], 1);
    g1_check(b, s, n, "all one");
    for (size_t i = 0; i < n; i++)
        scalar_r_minus(&s[i], 1);
    g1_check(b, s, n, "all r - 1");

    /* infinity bases among the others, with non-zero scalars */
    scalars_mixed(s, n);
    for (size_t i = 0; i < n; i += 7)
        memset(&b[i], 0, sizeof b[i]);
    g1_check(b, s, n, "infinity bases");

    /* one base repeated everywhere: same scalar (every addition hits the same bucket), and
     * random scalars */
    for (size_t i = 1; i < n; i++)
        b[i] = b[0];
    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], 5);
    g1_check(b, s, n, "all-same base, same scalar");
    for (size_t i = 0; i < n; i++)
        scalar_random(&s[i]);
    g1_check(b, s, n, "all-same base, random scalars");

    /* P and -P with equal scalars cancel; with r - 1 and 1 they add up */
    via_g1_affine_neg(&b[1], &b[0]);
    for (size_t i = 2; i < n; i++)
        b[i] = b[i % 2];
    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], 12345);
    assert_int_equal(via_msm_g1(&got, b, s, n), VIA_OK);
    assert_true(via_g1_is_inf(&got));
    g1_check(b, s, n, "P and -P cancelling");
    for (size_t i = 0; i < n; i++) {
        if (i % 2)
            scalar_r_minus(&s[i], 1);
        else
            scalar_set(&s[i], 1);
    }
    g1_check(b, s, n, "P and -P with 1 and r - 1");
    scalars_mixed(s, n);
    g1_check(b, s, n, "P and -P, mixed scalars");

    /* a few repeated bases in a random arrangement */
    via_free_big(b);
    b = g1_progression(n, &p, &q);
    for (size_t i = 0; i < n; i++)
        b[i] = b[rnd64() % 5];
    scalars_mixed(s, n);
    g1_check(b, s, n, "five distinct bases");

    via_free_big(b);
    via_free_big(s);
}

/* 0/1-heavy, witness-like scalars at a larger size, checked through the progression identity. */
static void g1_check_progression(size_t n, int zero_one_heavy) {
    via_g1 p, q;
    via_g1_affine *b = g1_progression(n, &p, &q);
    via_scalar *s = via_malloc_big(n * sizeof *s);
    assert_non_null(s);
    via_fr sum, wsum, si, idx, t;
    via_fr_set_zero(&sum);
    via_fr_set_zero(&wsum);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd64() % 10;
        if (zero_one_heavy && r < 5)
            scalar_set(&s[i], 1);
        else if (zero_one_heavy && r < 8)
            scalar_set(&s[i], 0);
        else
            scalar_random(&s[i]);
        assert_int_equal(via_fr_from_canon(&si, s[i].l), 0);
        via_fr_set_u64(&idx, i);
        via_fr_add(&sum, &sum, &si);
        via_fr_mul(&t, &si, &idx);
        via_fr_add(&wsum, &wsum, &t);
    }
    uint64_t a[4], c[4];
    via_fr_to_canon(a, &sum);
    via_fr_to_canon(c, &wsum);
    via_g1 want, t1, t2, got;
    via_g1_mul_var(&t1, &p, a);
    via_g1_mul_var(&t2, &q, c);
    via_g1_add(&want, &t1, &t2);
    /* 64 threads: more workers than windows, so windows are also split by point ranges */
    const unsigned threads[] = {1, 2, 64};
    for (size_t k = 0; k < 3; k++) {
        via_set_threads(threads[k]);
        assert_int_equal(via_msm_g1(&got, b, s, n), VIA_OK);
        if (!via_g1_eq(&got, &want))
            fail_msg("G1 MSM of progression (n = %zu, %s, %u threads) is wrong", n,
                     zero_one_heavy ? "0/1-heavy" : "uniform", threads[k]);
    }
    via_set_threads(0);
    via_free_big(b);
    via_free_big(s);
}

static void test_g1_large(void **state) {
    (void)state;
    g1_check_progression(1 << 14, 0);
    g1_check_progression(1 << 14, 1);
    g1_check_progression(70000, 0);
}

static void test_g1_bad_scalar(void **state) {
    (void)state;
    via_g1 p, q, got;
    via_g1_affine *b = g1_progression(3, &p, &q);
    via_scalar s[3];
    scalar_set(&s[0], 1);
    scalar_set(&s[1], 2);
    memcpy(s[2].l, via_fr_mod.p, 32); /* r itself is out of range */
    assert_int_equal(via_msm_g1(&got, b, s, 3), VIA_EINVAL);
    assert_true(via_g1_is_inf(&got));
    memset(s[2].l, 0xff, 32);
    assert_int_equal(via_msm_g1(&got, b, s, 3), VIA_EINVAL);
    assert_int_equal(via_msm_g1(&got, b, s, 0), VIA_OK);
    assert_true(via_g1_is_inf(&got));
    via_free_big(b);
}

/* One base P (and -P) under small scalars fills the buckets with equal or opposite points, so
 * the running sums of the bucket reduction double, cancel and restart. */
static void test_g1_equal_buckets(void **state) {
    (void)state;
    size_t n = 3000;
    via_g1 p, q;
    via_g1_affine *b = g1_progression(1, &p, &q);
    via_g1_affine pa = b[0], na;
    via_g1_affine_neg(&na, &pa);
    via_free_big(b);
    b = via_malloc_big(n * sizeof *b);
    via_scalar *s = via_malloc_big(n * sizeof *s);
    assert_true(b && s);
    for (size_t i = 0; i < n; i++) {
        b[i] = pa;
        scalar_set(&s[i], i + 1);
    }
    g1_check(b, s, n, "one base, scalars 1..n");
    for (size_t i = 0; i < n; i++)
        b[i] = i % 2 ? na : pa;
    g1_check(b, s, n, "P and -P alternating, scalars 1..n");
    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], i / 2 + 1);
    g1_check(b, s, n, "P and -P under equal scalars");
    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], i % 3 + 1);
    g1_check(b, s, n, "P and -P under scalars 1, 2, 3");
    for (size_t i = 0; i < n; i++) {
        /* (i % 40 + 1) 2^sh: a small digit in every window position */
        unsigned sh = (unsigned)(i % 190);
        uint64_t v = i % 40 + 1;
        b[i] = pa;
        scalar_set(&s[i], 0);
        s[i].l[sh / 64] = v << (sh % 64);
        if (sh % 64) s[i].l[sh / 64 + 1] = v >> (64 - sh % 64);
    }
    g1_check(b, s, n, "one base, shifted small scalars");
    via_free_big(b);
    via_free_big(s);
}

/* ---- G2 ---- */

static via_g2_affine *g2_random_bases(size_t n) {
    via_g2_affine g;
    via_g2 gj, p, q;
    via_scalar k;
    via_g2_generator(&g);
    via_g2_from_affine(&gj, &g);
    scalar_random(&k);
    via_g2_mul_var(&p, &gj, k.l);
    scalar_random(&k);
    via_g2_mul_var(&q, &gj, k.l);
    via_g2 *j = via_malloc_big(n * sizeof(via_g2));
    via_g2_affine *a = via_malloc_big(n * sizeof(via_g2_affine));
    assert_true(j && a);
    for (size_t i = 0; i < n; i++) {
        j[i] = p;
        via_g2_add(&p, &p, &q);
    }
    via_g2_batch_to_affine(a, j, n);
    via_free_big(j);
    return a;
}

static void g2_check(const via_g2_affine *b, const via_scalar *s, size_t n, const char *what) {
    via_g2 want, got, t, pj;
    via_g2_set_inf(&want);
    for (size_t i = 0; i < n; i++) {
        via_g2_from_affine(&pj, &b[i]);
        via_g2_mul_var(&t, &pj, s[i].l);
        via_g2_add(&want, &want, &t);
    }
    for (size_t k = 0; k < 3; k++) {
        via_set_threads(thread_counts[k]);
        assert_int_equal(via_msm_g2(&got, b, s, n), VIA_OK);
        if (!via_g2_eq(&got, &want))
            fail_msg("G2 MSM (%s, n = %zu, %u threads) differs from the naive sum", what, n,
                     thread_counts[k]);
    }
    via_set_threads(0);
}

static void test_g2(void **state) {
    (void)state;
    const size_t sizes[] = {1, 2, 3, 17, 100, 700};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        via_g2_affine *b = g2_random_bases(n);
        via_scalar *s = via_malloc_big(n * sizeof *s);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
            scalar_random(&s[i]);
        g2_check(b, s, n, "uniform scalars");
        scalars_mixed(s, n);
        g2_check(b, s, n, "mixed scalars");
        via_free_big(b);
        via_free_big(s);
    }
    size_t n = 200;
    via_g2_affine *b = g2_random_bases(n);
    via_scalar *s = via_malloc_big(n * sizeof *s);
    assert_non_null(s);
    for (size_t i = 0; i < n; i += 5)
        memset(&b[i], 0, sizeof b[i]);
    scalars_mixed(s, n);
    g2_check(b, s, n, "infinity bases");
    for (size_t i = 0; i < n; i++)
        b[i] = b[1];
    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], 3);
    g2_check(b, s, n, "all-same base, same scalar");
    for (size_t i = 0; i < n; i++)
        scalar_r_minus(&s[i], 1);
    g2_check(b, s, n, "all-same base, r - 1");
    b[0] = b[1];
    via_fq2_neg(&b[0].y, &b[1].y);
    for (size_t i = 2; i < n; i++)
        b[i] = b[i % 2];
    scalars_mixed(s, n);
    g2_check(b, s, n, "P and -P, mixed scalars");
    for (size_t i = 0; i < n; i++)
        scalar_set(&s[i], i + 1);
    g2_check(b, s, n, "P and -P alternating, scalars 1..n");
    for (size_t i = 0; i < n; i++)
        b[i] = b[1];
    g2_check(b, s, n, "one base, scalars 1..n");
    via_free_big(b);
    via_free_big(s);
}

int main(void) {
    uint64_t seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL + (uint64_t)clock();
    const char *env = getenv("VIA_TEST_SEED");
    if (env) seed = strtoull(env, NULL, 0);
    if (!seed) seed = 1;
    printf("test_msm seed: VIA_TEST_SEED=%llu\n", (unsigned long long)seed);
    rng_state = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_g1_random_sizes),
        cmocka_unit_test(test_g1_edge_cases),
        cmocka_unit_test(test_g1_large),
        cmocka_unit_test(test_g1_bad_scalar),
        cmocka_unit_test(test_g1_equal_buckets),
        cmocka_unit_test(test_g2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
