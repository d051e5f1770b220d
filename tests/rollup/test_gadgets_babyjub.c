/* BabyJubJub and EdDSA-Poseidon gadgets against the native code (babyjub.h, eddsa.h) on seeded
 * random inputs: outputs equal, constraints hold, corrupted wires and bad signatures fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/babyjub.h"
#include "via/cs.h"
#include "via/gadgets_babyjub.h"
#include "via/eddsa.h"
#include "via/poseidon.h"
#include "via/simd52.h"

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

static int setup(void **state) {
    (void)state;
    const char *s = getenv("VIA_TEST_SEED");
    rng_state = s ? strtoull(s, NULL, 0) : 0x5eed5eed12345678ULL;
    if (!rng_state) rng_state = 1;
    printf("seed 0x%llx (set VIA_TEST_SEED to replay)\n", (unsigned long long)rng_state);
    return 0;
}

static void rnd_point(via_babyjub_point *p) {
    via_babyjub_point b;
    via_babyjub_base8(&b);
    uint64_t k[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 8};
    via_babyjub_mul_var(p, &b, k);
}

static void expect_ok(via_cs *cs) {
    via_cs_failure f;
    via_error err;
    if (via_cs_first_failure(cs, &f))
        fail_msg("constraint %llu in %s", (unsigned long long)f.index, f.path);
    assert_int_equal(via_cs_check(cs, via_cs_witness(cs), via_cs_n_vars(cs), &f, &err), 0);
}

static void corrupt(via_cs *cs, int times) {
    via_fr *w = via_cs_witness(cs);
    uint32_t n = via_cs_n_vars(cs);
    for (int i = 0; i < times; i++) {
        uint32_t v = 1 + (uint32_t)(rnd64() % (n - 1));
        via_fr save = w[v], one;
        via_fr_set_one(&one);
        via_fr_add(&w[v], &w[v], &one);
        via_cs_failure f;
        via_error err;
        assert_int_equal(via_cs_check(cs, w, n, &f, &err), VIA_EVERIFY);
        w[v] = save;
    }
}

static void test_add_dbl(void **state) {
    (void)state;
    for (int it = 0; it < 20; it++) {
        via_babyjub_point p, q, r, d;
        rnd_point(&p);
        if (it == 0) via_babyjub_identity(&p);
        rnd_point(&q);
        via_babyjub_add(&r, &p, &q);
        via_babyjub_double(&d, &p);
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        via_g_point gp = via_g_point_vars(cs, via_cs_var_new(cs, &p.x), via_cs_var_new(cs, &p.y));
        via_g_point gq = via_g_point_vars(cs, via_cs_var_new(cs, &q.x), via_cs_var_new(cs, &q.y));
        via_g_babyjub_on_curve(cs, &gp);
        via_g_point gr = via_g_babyjub_add(cs, &gp, &gq);
        via_g_point gd = via_g_babyjub_dbl(cs, &gp);
        assert_true(via_fr_eq(&gr.x.val, &r.x) && via_fr_eq(&gr.y.val, &r.y));
        assert_true(via_fr_eq(&gd.x.val, &d.x) && via_fr_eq(&gd.y.val, &d.y));
        expect_ok(cs);
        corrupt(cs, 4);
        via_g_point_free(&gp);
        via_g_point_free(&gq);
        via_g_point_free(&gr);
        via_g_point_free(&gd);
        via_cs_free(cs);
    }
    /* a point off the curve fails the on-curve check */
    via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
    via_fr x, y;
    via_fr_set_u64(&x, 5);
    via_fr_set_u64(&y, 7);
    via_g_point gp = via_g_point_vars(cs, via_cs_var_new(cs, &x), via_cs_var_new(cs, &y));
    via_g_babyjub_on_curve(cs, &gp);
    via_cs_failure f;
    assert_int_equal(via_cs_first_failure(cs, &f), 1);
    assert_non_null(strstr(f.path, "babyjub_on_curve"));
    via_g_point_free(&gp);
    via_cs_free(cs);
}

static void test_scalar_mul(void **state) {
    (void)state;
    for (int it = 0; it < 6; it++) {
        via_babyjub_point p, r, b8, rb;
        rnd_point(&p);
        via_babyjub_base8(&b8);
        uint64_t k[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 3}; /* < 2^253 */
        if (it == 1) k[0] = k[1] = k[2] = k[3] = 0;
        via_babyjub_mul_var(&r, &p, k);
        via_babyjub_mul_var(&rb, &b8, k);
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        via_var bits[253];
        for (unsigned i = 0; i < 253; i++)
            bits[i] = via_g_bit_new(cs, (unsigned)(k[i / 64] >> (i % 64)) & 1);
        via_g_point gp = via_g_point_vars(cs, via_cs_var_new(cs, &p.x), via_cs_var_new(cs, &p.y));
        via_g_point gr = via_g_babyjub_mul_var(cs, bits, 253, &gp);
        via_g_point gb = via_g_babyjub_mul_base8(cs, bits, 253);
        assert_true(via_fr_eq(&gr.x.val, &r.x) && via_fr_eq(&gr.y.val, &r.y));
        assert_true(via_fr_eq(&gb.x.val, &rb.x) && via_fr_eq(&gb.y.val, &rb.y));
        expect_ok(cs);
        corrupt(cs, 6);
        via_g_point_free(&gp);
        via_g_point_free(&gr);
        via_g_point_free(&gb);
        via_cs_free(cs);
    }
}

/* The EdDSA-Poseidon gadget on fresh input wires (public key a, signature (R8, s), msg). */
static void eddsa_gadget(via_cs *cs, const via_babyjub_point *a, const via_fr *s,
                         const via_eddsa_sig *sig, const via_fr *msg, unsigned enabled) {
    via_var en = via_g_bit_new(cs, enabled);
    via_lc ax = via_lc_var(cs, via_cs_var_new(cs, &a->x)),
           ay = via_lc_var(cs, via_cs_var_new(cs, &a->y));
    via_lc ls = via_lc_var(cs, via_cs_var_new(cs, s));
    via_lc rx = via_lc_var(cs, via_cs_var_new(cs, &sig->r8.x)),
           ry = via_lc_var(cs, via_cs_var_new(cs, &sig->r8.y));
    via_lc m = via_lc_var(cs, via_cs_var_new(cs, msg));
    via_g_eddsa_poseidon_verify(cs, en, &ax, &ay, &ls, &rx, &ry, &m);
    via_lc_free(&ax);
    via_lc_free(&ay);
    via_lc_free(&ls);
    via_lc_free(&rx);
    via_lc_free(&ry);
    via_lc_free(&m);
}

static via_cs *eddsa_cs(const via_babyjub_point *a, const via_eddsa_sig *sig, const via_fr *msg,
                        unsigned enabled) {
    via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
    via_fr s;
    via_fr_from_canon(&s, sig->s);
    eddsa_gadget(cs, a, &s, sig, msg, enabled);
    return cs;
}

/* A random key pair, a random message and its signature: public key a, message msg, sig. */
static void rnd_signed(via_babyjub_point *a, via_fr *msg, via_eddsa_sig *sig) {
    uint8_t sk[32];
    for (int i = 0; i < 32; i++)
        sk[i] = (uint8_t)rnd64();
    via_eddsa_pubkey(a, sk);
    rnd_fr(msg);
    via_eddsa_sign(sig, sk, msg);
}

static void test_eddsa(void **state) {
    (void)state;
    for (int it = 0; it < 4; it++) {
        via_babyjub_point a;
        via_fr msg;
        via_eddsa_sig sig;
        rnd_signed(&a, &msg, &sig);
        via_error err;
        assert_int_equal(via_eddsa_verify_var(&a, &msg, &sig, &err), 0);
        via_cs *cs = eddsa_cs(&a, &sig, &msg, 1);
        if (it == 0)
            printf("EdDSAPoseidonVerifier: %llu constraints\n",
                   (unsigned long long)via_cs_n_constraints(cs));
        expect_ok(cs);
        corrupt(cs, 6);
        via_cs_free(cs);

        /* wrong message: fails at the equation when enabled, passes when disabled */
        via_fr bad;
        via_fr_set_one(&bad);
        via_fr_add(&bad, &bad, &msg);
        cs = eddsa_cs(&a, &sig, &bad, 1);
        via_cs_failure f;
        assert_int_equal(via_cs_first_failure(cs, &f), 1);
        assert_non_null(strstr(f.path, "eddsa_poseidon/equation"));
        via_cs_free(cs);
        cs = eddsa_cs(&a, &sig, &bad, 0);
        expect_ok(cs);
        via_cs_free(cs);

        /* S + l (same point, S >= l): rejected by the S < l check */
        uint64_t s2[4];
        if (via_limbs_add(s2, sig.s, via_babyjub_l) == 0 && (s2[3] >> 61) == 0) {
            via_eddsa_sig sig2 = sig;
            memcpy(sig2.s, s2, sizeof s2);
            cs = eddsa_cs(&a, &sig2, &msg, 1);
            assert_int_equal(via_cs_first_failure(cs, &f), 1);
            assert_non_null(strstr(f.path, "s_lt_l"));
            via_cs_free(cs);
        }
    }
}

/* The gadgets' witness-only fast paths (a WITNESS context takes them) give the bytes of the
 * constraint path (BOTH), which is checked against the constraints: additions with and without
 * hints, doubling, both scalar multiplications, and EdDSA verification enabled, disabled and
 * with a bad signature. */
static void gadget_mix(via_cs *cs, const via_babyjub_point *p, const via_babyjub_point *q,
                       const uint64_t k[4], const via_babyjub_point *a, const via_eddsa_sig *sig,
                       const via_fr *msg, unsigned enabled) {
    via_var bits[253];
    for (unsigned i = 0; i < 253; i++)
        bits[i] = via_g_bit_new(cs, (unsigned)(k[i / 64] >> (i % 64)) & 1);
    via_g_point gp = via_g_point_vars(cs, via_cs_var_new(cs, &p->x), via_cs_var_new(cs, &p->y));
    via_g_point gq = via_g_point_vars(cs, via_cs_var_new(cs, &q->x), via_cs_var_new(cs, &q->y));
    via_g_point s = via_g_babyjub_add(cs, &gp, &gq), d = via_g_babyjub_dbl(cs, &s);
    via_g_point mv = via_g_babyjub_mul_var(cs, bits, 253, &d),
                mb = via_g_babyjub_mul_base8(cs, bits, 200);
    via_g_point_free(&gp);
    via_g_point_free(&gq);
    via_g_point_free(&s);
    via_g_point_free(&d);
    via_g_point_free(&mv);
    via_g_point_free(&mb);
    via_fr sf;
    via_fr_from_canon_unchecked(&sf, sig->s);
    eddsa_gadget(cs, a, &sf, sig, msg, enabled);
}

static void test_witness_only_matches(void **state) {
    (void)state;
    for (int it = 0; it < 4; it++) {
        via_babyjub_point p, q, a;
        rnd_point(&p);
        rnd_point(&q);
        if (it == 1) q = p; /* the addition gadget on equal points */
        uint64_t k[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 3};
        uint8_t sk[32];
        for (int i = 0; i < 32; i++)
            sk[i] = (uint8_t)rnd64();
        via_eddsa_pubkey(&a, sk);
        via_fr msg;
        rnd_fr(&msg);
        via_eddsa_sig sig;
        via_eddsa_sign(&sig, sk, &msg);
        if (it == 3) sig.s[0] ^= 1; /* a bad signature: the witness exists, the check fails */
        via_cs *w = via_cs_new(VIA_CS_WITNESS, 0), *b = via_cs_new(VIA_CS_BOTH, 1);
        gadget_mix(w, &p, &q, k, &a, &sig, &msg, it != 2);
        gadget_mix(b, &p, &q, k, &a, &sig, &msg, it != 2);
        assert_int_equal(via_cs_n_vars(w), via_cs_n_vars(b));
        assert_int_equal(via_cs_n_constraints(w), via_cs_n_constraints(b));
        assert_memory_equal(via_cs_witness(w), via_cs_witness(b),
                            via_cs_n_vars(b) * sizeof(via_fr));
        assert_int_equal(via_cs_first_failure(b, NULL), it == 3);
        via_cs_free(w);
        via_cs_free(b);
    }
}

/* via_g_eddsa_hints_compute_many_var (eight lanes where the CPU has IFMA) gives the bytes of
 * via_g_eddsa_hints_compute_var, for valid and invalid signatures and for points off the curve,
 * with the vector path on and off; the aids' verdict agrees with via_eddsa_verify_var. */
static void test_hints_many(void **state) {
    (void)state;
    enum { N = 11 };
    via_fr in[N][6];
    int expect[N];
    for (int i = 0; i < N; i++) {
        via_babyjub_point a;
        via_fr msg;
        via_eddsa_sig sig;
        rnd_signed(&a, &msg, &sig);
        if (i % 4 == 1) sig.s[1] ^= 4;            /* wrong S */
        if (i == 6) via_fr_add(&a.x, &a.x, &a.y); /* A off the curve */
        in[i][0] = a.x;
        in[i][1] = a.y;
        in[i][2] = sig.r8.x;
        in[i][3] = sig.r8.y;
        via_fr_from_canon_unchecked(&in[i][4], sig.s);
        via_fr hin[5] = {sig.r8.x, sig.r8.y, a.x, a.y, msg};
        assert_int_equal(via_poseidon(&in[i][5], hin, 5), 0);
        via_error err;
        expect[i] = via_eddsa_verify_var(&a, &msg, &sig, &err) == 0;
    }
    via_g_eddsa_hints *ref = malloc(N * sizeof *ref), *got = malloc(N * sizeof *got);
    for (int i = 0; i < N; i++) {
        int ok = via_g_eddsa_hints_compute_var(&ref[i], &in[i][0], &in[i][1], &in[i][2], &in[i][3],
                                               &in[i][4], &in[i][5]);
        assert_int_equal(ok, expect[i]);
    }
    const int have = via_simd52_have;
    const size_t counts[] = {1, 2, 3, 9, N};
    for (int simd = 0; simd < 2; simd++) {
        via_simd52_have = simd ? have : 0;
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            memset(got, 0xa5, N * sizeof *got);
            via_g_eddsa_hints_compute_many_var(got, &in[0][0], counts[c]);
            for (size_t i = 0; i < counts[c]; i++) {
                assert_int_equal(got[i].valid, ref[i].valid);
                assert_int_equal(got[i].ok, ref[i].ok);
                if (ref[i].valid && memcmp(&got[i], &ref[i], sizeof got[i]))
                    fail_msg("slot %zu of %zu (simd %d): aids differ", i, counts[c], simd);
            }
        }
    }
    via_simd52_have = have;
    free(ref);
    free(got);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_witness_only_matches),
        cmocka_unit_test(test_hints_many),
        cmocka_unit_test(test_add_dbl),
        cmocka_unit_test(test_scalar_mul),
        cmocka_unit_test(test_eddsa),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
