/* NTT over Fr: against a naive O(n^2) DFT and naive polynomial evaluation on small sizes, and
 * through round trips, the convolution theorem and spot evaluations on larger ones, with 1, 2
 * and 3 worker threads. Inputs are seeded random; the seed is printed (set VIA_TEST_SEED to
 * replay one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../lib/via_test.h"

#include "via/ntt.h"
#include "via/simd52.h"
#include "via/runtime.h"

static uint64_t rng_state;
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
static via_fr *rnd_vec(size_t n) {
    via_fr *v = via_malloc_big(n * sizeof(via_fr));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        rnd_fr(&v[i]);
    return v;
}
static via_fr *copy_vec(const via_fr *a, size_t n) {
    via_fr *v = via_malloc_big(n * sizeof(via_fr));
    assert_non_null(v);
    memcpy(v, a, n * sizeof(via_fr));
    return v;
}
static void assert_vec_eq(const via_fr *a, const via_fr *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!via_fr_eq(&a[i], &b[i])) fail_msg("vectors differ at index %zu of %zu", i, n);
    }
}

/* p(x) by Horner. */
static void poly_eval(via_fr *r, const via_fr *c, size_t n, const via_fr *x) {
    via_fr acc;
    via_fr_set_zero(&acc);
    for (size_t i = n; i-- > 0;) {
        via_fr_mul(&acc, &acc, x);
        via_fr_add(&acc, &acc, &c[i]);
    }
    *r = acc;
}

/* out[i] = sum_j a[j] w^(ij) */
static void naive_dft(via_fr *out, const via_fr *a, size_t n, const via_fr *w) {
    via_fr x;
    via_fr_set_one(&x);
    for (size_t i = 0; i < n; i++) {
        poly_eval(&out[i], a, n, &x);
        via_fr_mul(&x, &x, w);
    }
}

static const unsigned thread_counts[] = {1, 2, 3};

static void test_vs_naive_dft(void **state) {
    (void)state;
    for (unsigned log2n = 0; log2n <= 10; log2n++) {
        size_t n = (size_t)1 << log2n;
        via_fr *a = rnd_vec(n), *want = rnd_vec(n), *want_inv = rnd_vec(n);
        via_fr w, winv, ninv;
        via_fr_root_of_unity(&w, log2n);
        via_fr_inv(&winv, &w);
        naive_dft(want, a, n, &w);
        naive_dft(want_inv, a, n, &winv);
        via_fr_set_u64(&ninv, n);
        via_fr_inv(&ninv, &ninv);
        for (size_t i = 0; i < n; i++)
            via_fr_mul(&want_inv[i], &want_inv[i], &ninv);
        for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
            via_set_threads(thread_counts[t]);
            via_fr *b = copy_vec(a, n);
            assert_int_equal(via_ntt(b, log2n), VIA_OK);
            assert_vec_eq(b, want, n);
            memcpy(b, a, n * sizeof(via_fr));
            assert_int_equal(via_intt(b, log2n), VIA_OK);
            assert_vec_eq(b, want_inv, n);
            via_free_big(b);
        }
        via_free_big(a);
        via_free_big(want);
        via_free_big(want_inv);
    }
    via_set_threads(0);
}

static void test_round_trip(void **state) {
    (void)state;
    for (unsigned log2n = 0; log2n <= 20; log2n++) {
        size_t n = (size_t)1 << log2n;
        via_fr *a = rnd_vec(n);
        via_fr *b = copy_vec(a, n);
        via_set_threads(thread_counts[log2n % 3]);
        assert_int_equal(via_ntt(b, log2n), VIA_OK);
        if (n > 1) assert_false(via_fr_eq(&a[1], &b[1]));
        assert_int_equal(via_intt(b, log2n), VIA_OK);
        assert_vec_eq(a, b, n);
        assert_int_equal(via_intt(b, log2n), VIA_OK);
        assert_int_equal(via_ntt(b, log2n), VIA_OK);
        assert_vec_eq(a, b, n);
        via_free_big(a);
        via_free_big(b);
    }
    via_set_threads(0);
}

/* The eight-lane (IFMA) stages and twiddle passes give the scalar path's bytes, forward and
 * inverse, on sizes that use every kernel shape. */
static void test_simd_vs_scalar(void **state) {
    (void)state;
    if (!via_simd52_have) {
        VIA_SKIP("no AVX-512 IFMA here (or VIA_NO_SIMD52 set): nothing to compare");
    }
    const unsigned sizes[] = {3, 4, 5, 9, 12, 15, 18};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned log2n = sizes[s];
        size_t n = (size_t)1 << log2n;
        via_fr *a = rnd_vec(n);
        for (int inv = 0; inv < 2; inv++) {
            via_fr *v = copy_vec(a, n), *c = copy_vec(a, n);
            assert_int_equal(inv ? via_intt(v, log2n) : via_ntt(v, log2n), VIA_OK);
            via_simd52_have = 0;
            int rc = inv ? via_intt(c, log2n) : via_ntt(c, log2n);
            via_simd52_have = 1;
            assert_int_equal(rc, VIA_OK);
            assert_vec_eq(v, c, n);
            via_free_big(v);
            via_free_big(c);
        }
        via_free_big(a);
    }
}

/* The same result with 1, 2 and 3 threads, and one evaluation checked by Horner. */
static void test_large_spot_checks(void **state) {
    (void)state;
    const unsigned sizes[] = {13, 16, 19};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned log2n = sizes[s];
        size_t n = (size_t)1 << log2n;
        via_fr *a = rnd_vec(n), *ref = NULL;
        for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
            via_set_threads(thread_counts[t]);
            via_fr *b = copy_vec(a, n);
            assert_int_equal(via_ntt(b, log2n), VIA_OK);
            if (!ref)
                ref = b;
            else {
                assert_vec_eq(b, ref, n);
                via_free_big(b);
            }
        }
        via_fr w, x, v;
        via_fr_root_of_unity(&w, log2n);
        for (int k = 0; k < 3; k++) {
            size_t i = (size_t)(rnd64() & (n - 1));
            via_fr_set_one(&x);
            for (size_t e = 0; e < i; e++)
                via_fr_mul(&x, &x, &w);
            poly_eval(&v, a, n, &x);
            if (!via_fr_eq(&v, &ref[i])) fail_msg("NTT 2^%u wrong at index %zu", log2n, i);
        }
        via_free_big(a);
        via_free_big(ref);
    }
    via_set_threads(0);
}

static void test_convolution(void **state) {
    (void)state;
    for (unsigned log2n = 1; log2n <= 10; log2n++) {
        size_t n = (size_t)1 << log2n;
        via_fr *a = rnd_vec(n), *b = rnd_vec(n), *c = rnd_vec(n);
        for (size_t i = 0; i < n; i++) {
            via_fr acc, t;
            via_fr_set_zero(&acc);
            for (size_t j = 0; j < n; j++) {
                via_fr_mul(&t, &a[j], &b[(i + n - j) & (n - 1)]);
                via_fr_add(&acc, &acc, &t);
            }
            c[i] = acc;
        }
        assert_int_equal(via_ntt(a, log2n), VIA_OK);
        assert_int_equal(via_ntt(b, log2n), VIA_OK);
        assert_int_equal(via_ntt(c, log2n), VIA_OK);
        for (size_t i = 0; i < n; i++) {
            via_fr t;
            via_fr_mul(&t, &a[i], &b[i]);
            if (!via_fr_eq(&t, &c[i]))
                fail_msg("convolution theorem fails at 2^%u index %zu", log2n, i);
        }
        via_free_big(a);
        via_free_big(b);
        via_free_big(c);
    }
}

static void test_coset_gen(void **state) {
    (void)state;
    via_fr g, w, t;
    for (unsigned log2n = 0; log2n < 28; log2n++) {
        via_ntt_coset_gen(&g, log2n);
        via_fr_root_of_unity(&w, log2n);
        via_fr_sqr(&t, &g);
        assert_true(via_fr_eq(&t, &w)); /* g = omega_{2n}: g^2 = omega_n */
        assert_false(via_fr_is_one(&g));
    }
    via_ntt_coset_gen(&g, 28);
    via_fr_set_u64(&t, 25);
    assert_true(via_fr_eq(&g, &t));
}

/* Evaluations on the domain -> evaluations at g * omega^i, checked against the polynomial
 * itself (coefficients chosen first, domain values made with the naive DFT). */
static void test_coset_vs_naive(void **state) {
    (void)state;
    for (unsigned log2n = 0; log2n <= 10; log2n++) {
        size_t n = (size_t)1 << log2n;
        via_fr *coef = rnd_vec(n), *ev = rnd_vec(n), *want = rnd_vec(n);
        via_fr w, g, x;
        via_fr_root_of_unity(&w, log2n);
        via_ntt_coset_gen(&g, log2n);
        naive_dft(ev, coef, n, &w);
        x = g;
        for (size_t i = 0; i < n; i++) {
            poly_eval(&want[i], coef, n, &x);
            via_fr_mul(&x, &x, &w);
        }
        for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
            via_set_threads(thread_counts[t]);
            via_fr *b = copy_vec(ev, n);
            assert_int_equal(via_ntt_domain_to_coset(b, log2n), VIA_OK);
            assert_vec_eq(b, want, n);
            via_free_big(b);
        }
        via_free_big(coef);
        via_free_big(ev);
        via_free_big(want);
    }
    via_set_threads(0);
}

/* Larger sizes: coset result equals intt, scale by g^j, ntt; and a Horner spot check. */
static void test_coset_large(void **state) {
    (void)state;
    const unsigned sizes[] = {12, 15, 18};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned log2n = sizes[s];
        size_t n = (size_t)1 << log2n;
        via_fr *ev = rnd_vec(n);
        via_fr *coef = copy_vec(ev, n);
        via_fr *b = copy_vec(ev, n);
        via_fr g, x, p, v;
        via_ntt_coset_gen(&g, log2n);
        assert_int_equal(via_intt(coef, log2n), VIA_OK);
        via_fr *scaled = copy_vec(coef, n);
        via_fr_set_one(&p);
        for (size_t j = 0; j < n; j++) {
            via_fr_mul(&scaled[j], &scaled[j], &p);
            via_fr_mul(&p, &p, &g);
        }
        assert_int_equal(via_ntt(scaled, log2n), VIA_OK);
        via_set_threads(thread_counts[s % 3]);
        assert_int_equal(via_ntt_domain_to_coset(b, log2n), VIA_OK);
        assert_vec_eq(b, scaled, n);
        size_t i = (size_t)(rnd64() & (n - 1));
        via_fr w;
        via_fr_root_of_unity(&w, log2n);
        x = g;
        for (size_t e = 0; e < i; e++)
            via_fr_mul(&x, &x, &w);
        poly_eval(&v, coef, n, &x);
        assert_true(via_fr_eq(&v, &b[i]));
        via_free_big(ev);
        via_free_big(coef);
        via_free_big(b);
        via_free_big(scaled);
    }
    via_set_threads(0);
}

static void test_bad_size(void **state) {
    (void)state;
    via_fr a[1];
    via_fr_set_one(&a[0]);
    assert_int_equal(via_ntt(a, 29), VIA_EINVAL);
    assert_int_equal(via_intt(a, 40), VIA_EINVAL);
    assert_int_equal(via_ntt_domain_to_coset(a, 29), VIA_EINVAL);
    assert_true(via_fr_is_one(&a[0]));
}

int main(void) {
    uint64_t seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL + (uint64_t)clock();
    const char *env = getenv("VIA_TEST_SEED");
    if (env) seed = strtoull(env, NULL, 0);
    if (!seed) seed = 1;
    printf("test_ntt seed: VIA_TEST_SEED=%llu\n", (unsigned long long)seed);
    rng_state = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vs_naive_dft),      cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_large_spot_checks), cmocka_unit_test(test_simd_vs_scalar), cmocka_unit_test(test_convolution),
        cmocka_unit_test(test_coset_gen),         cmocka_unit_test(test_coset_vs_naive),
        cmocka_unit_test(test_coset_large),       cmocka_unit_test(test_bad_size),
    };
    return via_test_run(tests);
}
