/* SnarkPack building blocks: the commitments over an SRS from two development ceremonies,
 * checked against identities that need only public values (for C_i = x_i g:
 * prod e(C_i, h^(a^i)) = e(sum x_i g^(a^i), h)), and the Fiat-Shamir transcript
 * (deterministic, and sensitive to every label, byte, order and earlier challenge). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "via/ipp.h"
#include "via/ptau_dev.h"
#include "via/transcript.h"

static via_srs srs;
static char dir[64];

static int setup(void **state) {
    (void)state;
    via_field_init();
    snprintf(dir, sizeof dir, "/tmp/via_ipp_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char a[96], b[96];
    snprintf(a, sizeof a, "%s/a.ptau", dir);
    snprintf(b, sizeof b, "%s/b.ptau", dir);
    via_ptau pa, pb;
    via_error err = {0};
    int rc = via_ptau_dev_write(a, 3, NULL, NULL, &err) ||
             via_ptau_dev_write(b, 3, NULL, NULL, &err) ||
             via_ptau_read(&pa, a, VIA_PTAU_LOAD_POWERS, &err) ||
             via_ptau_read(&pb, b, VIA_PTAU_LOAD_POWERS, &err) ||
             via_srs_from_ptau(&srs, &pa, a, &pb, b, 4, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    via_ptau_free(&pa);
    via_ptau_free(&pb);
    unlink(a);
    unlink(b);
    rmdir(dir);
    return rc ? -1 : 0;
}

static int teardown(void **state) {
    (void)state;
    via_srs_free(&srs);
    return 0;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static void rand_scalar(via_scalar *k) {
    for (int i = 0; i < 4; i++) {
        uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        k->l[i] = z ^ (z >> 31);
    }
    k->l[3] &= 0x0fffffffffffffffULL;
}

static void g1_mul(via_g1_affine *out, const via_g1_affine *p, const via_scalar *k) {
    via_g1 t;
    via_g1_from_affine(&t, p);
    via_g1_mul_var(&t, &t, k->l);
    via_g1_to_affine(out, &t);
}

static void g2_mul(via_g2_affine *out, const via_g2_affine *p, const via_scalar *k) {
    via_g2 t;
    via_g2_from_affine(&t, p);
    via_g2_mul_var(&t, &t, k->l);
    via_g2_to_affine(out, &t);
}

static void test_commitments(void **state) {
    (void)state;
    enum { N = 4 };
    via_scalar x[N], y[N];
    via_g1_affine c[N], g = srs.g_a[0];
    via_g2_affine bb[N], h = srs.h_a[0];
    for (int i = 0; i < N; i++) {
        rand_scalar(&x[i]);
        rand_scalar(&y[i]);
        g1_mul(&c[i], &g, &x[i]);
        g2_mul(&bb[i], &h, &y[i]);
    }
    via_error err = {0};
    via_ipp_commitment s, p;
    assert_int_equal(via_ipp_commit_single(&s, &srs, c, N, &err), VIA_OK);
    assert_int_equal(via_ipp_commit_pair(&p, &srs, c, bb, N, &err), VIA_OK);
    for (int k = 0; k < 2; k++) {
        const via_g1_affine *ga = k ? srs.g_b : srs.g_a;
        via_g1 m1, m2;
        assert_int_equal(via_msm_g1(&m1, ga, x, N), 0);     /* sum x_i g^(a^i) */
        assert_int_equal(via_msm_g1(&m2, ga + N, y, N), 0); /* sum y_i g^(a^(n+i)) */
        via_g1_affine a1, a12;
        via_g1_to_affine(&a1, &m1);
        via_g1_add(&m1, &m1, &m2);
        via_g1_to_affine(&a12, &m1);
        via_gt want;
        via_gt_pairing(&want, &a1, &h, 1);
        assert_true(via_gt_eq(k ? &s.u : &s.t, &want));
        via_gt_pairing(&want, &a12, &h, 1);
        assert_true(via_gt_eq(k ? &p.u : &p.t, &want));
    }
    /* one element changed changes the commitment */
    via_ipp_commitment s2;
    c[2] = c[1];
    assert_int_equal(via_ipp_commit_single(&s2, &srs, c, N, &err), VIA_OK);
    assert_false(via_gt_eq(&s.t, &s2.t));
    /* refusals */
    assert_int_equal(via_ipp_commit_single(&s2, &srs, c, N + 1, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "the SRS serves 1..4"));
    via_srs v;
    assert_int_equal(via_srs_verifier_part(&v, &srs, &err), VIA_OK);
    assert_int_equal(via_ipp_commit_single(&s2, &v, c, 2, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "verifier's part"));
    via_srs_free(&v);
}

static void challenge_after(via_fr *out, const char *label, const char *data, const char *cl) {
    via_transcript t;
    via_transcript_init(&t, "via-test");
    via_transcript_append(&t, label, data, strlen(data));
    via_transcript_challenge(&t, cl, out);
}

static void test_transcript(void **state) {
    (void)state;
    via_fr a, b;
    challenge_after(&a, "m", "hello", "r");
    challenge_after(&b, "m", "hello", "r");
    assert_true(via_fr_eq(&a, &b)); /* deterministic */
    assert_false(via_fr_is_zero(&a));
    challenge_after(&b, "n", "hello", "r");
    assert_false(via_fr_eq(&a, &b)); /* the label is bound */
    challenge_after(&b, "m", "hellp", "r");
    assert_false(via_fr_eq(&a, &b)); /* every byte is bound */
    challenge_after(&b, "m", "hello", "s");
    assert_false(via_fr_eq(&a, &b)); /* the challenge's own label */
    /* "ab" then "c" differs from "a" then "bc": lengths are bound */
    via_transcript t1, t2;
    via_transcript_init(&t1, "via-test");
    via_transcript_init(&t2, "via-test");
    via_transcript_append(&t1, "x", "ab", 2);
    via_transcript_append(&t1, "x", "c", 1);
    via_transcript_append(&t2, "x", "a", 1);
    via_transcript_append(&t2, "x", "bc", 2);
    via_transcript_challenge(&t1, "r", &a);
    via_transcript_challenge(&t2, "r", &b);
    assert_false(via_fr_eq(&a, &b));
    /* successive challenges differ and depend on the earlier ones */
    via_fr a2, b2;
    via_transcript_init(&t1, "via-test");
    via_transcript_challenge(&t1, "r", &a);
    via_transcript_challenge(&t1, "r", &a2);
    assert_false(via_fr_eq(&a, &a2));
    /* the domain is bound */
    via_transcript_init(&t2, "via-other");
    via_transcript_challenge(&t2, "r", &b2);
    assert_false(via_fr_eq(&a, &b2));
    /* canonical values are below r */
    via_scalar s;
    via_fr_to_canon(s.l, &a2);
    assert_true(via_limbs_lt(s.l, via_fr_mod.p));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commitments),
        cmocka_unit_test(test_transcript),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
