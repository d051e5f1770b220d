/* Groth16 prove/verify on the committed snarkjs fixtures (tests/fixtures): our proofs verify,
 * snarkjs's proof verifies, and every way a proof or input can be wrong is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/groth16_testing.h"
#include "via/groth16.h"
#include "via/jsonio.h"
#include "via/ntt.h"
#include "via/runtime.h"
#include "via/wtns.h"
#include "via/zkey.h"

typedef struct {
    via_zkey z;
    via_wtns w;
    via_groth16_pk pk;
    via_groth16_vk vk;
} fixture;

static const char *circuits[] = {"multiplier", "lessthan", "poseidon"};

static void load(fixture *f, const char *name) {
    char path[256];
    via_error err = {0};
    snprintf(path, sizeof path, "fixtures/%s/circuit.zkey", name);
    int rc = via_zkey_read(&f->z, path, &err);
    if (rc) fail_msg("%s", err.msg);
    snprintf(path, sizeof path, "fixtures/%s/circuit.wtns", name);
    rc = via_wtns_read(&f->w, path, &err);
    if (rc) fail_msg("%s", err.msg);
    via_groth16_pk_from_zkey(&f->pk, &f->z);
    assert_int_equal(via_groth16_vk_from_zkey(&f->vk, &f->z, &err), 0);
}

static void unload(fixture *f) {
    via_groth16_vk_free(&f->vk);
    via_wtns_free(&f->w);
    via_zkey_free(&f->z);
}

static void test_prove_verify(void **state) {
    (void)state;
    for (size_t c = 0; c < 3; c++) {
        fixture f;
        load(&f, circuits[c]);
        via_groth16_proof p;
        via_error err = {0};
        assert_int_equal(via_groth16_prove(&p, &f.pk, f.w.values, f.w.n, NULL, &err), 0);
        int rc = via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public, &p, &err);
        if (rc) fail_msg("%s: %s", circuits[c], err.msg);
        /* Two proofs of the same statement differ (fresh r, s) and both verify. */
        via_groth16_proof p2;
        assert_int_equal(via_groth16_prove(&p2, &f.pk, f.w.values, f.w.n, NULL, &err), 0);
        assert_memory_not_equal(&p, &p2, sizeof p);
        assert_int_equal(via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public, &p2, &err), 0);
        /* A wrong public input fails the pairing equation. */
        via_scalar pub[8];
        assert_true(f.vk.n_public <= 8 && f.vk.n_public >= 1);
        memcpy(pub, f.w.values + 1, sizeof(via_scalar) * f.vk.n_public);
        pub[0].l[0] ^= 1;
        assert_int_equal(via_groth16_verify(&f.vk, pub, f.vk.n_public, &p, &err), VIA_EVERIFY);
        /* Mixing parts of two valid proofs fails. */
        via_groth16_proof mix = p;
        mix.c = p2.c;
        assert_int_equal(via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public, &mix, &err),
                         VIA_EVERIFY);
        /* A point off the curve is rejected before any pairing. */
        mix = p;
        via_fq one;
        via_fq_set_one(&one);
        via_fq_add(&mix.a.x, &mix.a.x, &one);
        assert_int_equal(via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public, &mix, &err),
                         VIA_EINVAL);
        assert_non_null(strstr(err.msg, "pi_a"));
        /* Wrong number of public inputs. */
        assert_int_equal(via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public + 1, &p, &err),
                         VIA_EINVAL);
        unload(&f);
    }
}

/* Batch verification (one random linear combination, one final exponentiation) accepts a
 * batch of valid proofs (each with its own blinding), and rejects it when one proof's public
 * input is changed (as verifying that proof alone does) and when a valid proof of another
 * statement is slipped in; an unusable input is reported with the proof's number. */
static void test_verify_batch(void **state) {
    (void)state;
    fixture f;
    load(&f, "lessthan");
    enum { N = 5 };
    via_groth16_proof pr[N];
    via_scalar pub[N][8];
    const via_scalar *pubs[N];
    via_error err = {0};
    assert_true(f.vk.n_public <= 8);
    for (int i = 0; i < N; i++) {
        assert_int_equal(via_groth16_prove(&pr[i], &f.pk, f.w.values, f.w.n, NULL, &err), 0);
        memcpy(pub[i], f.w.values + 1, f.vk.n_public * sizeof(via_scalar));
        pubs[i] = pub[i];
    }
    assert_int_equal(via_groth16_verify_batch(&f.vk, pubs, pr, N, &err), VIA_OK);
    assert_int_equal(via_groth16_verify_batch(&f.vk, pubs, pr, 1, &err), VIA_OK);
    /* one public input changed */
    via_scalar keep = pub[3][0];
    pub[3][0].l[0] ^= 1;
    assert_int_equal(via_groth16_verify_batch(&f.vk, pubs, pr, N, &err), VIA_EVERIFY);
    assert_int_equal(via_groth16_verify(&f.vk, pub[3], f.vk.n_public, &pr[3], &err), VIA_EVERIFY);
    pub[3][0] = keep;
    /* a proof replaced by a valid proof of another statement (another circuit's key) */
    fixture g;
    load(&g, "multiplier");
    via_groth16_proof other;
    assert_int_equal(via_groth16_prove(&other, &g.pk, g.w.values, g.w.n, NULL, &err), 0);
    via_groth16_proof saved = pr[1];
    pr[1] = other;
    assert_int_equal(via_groth16_verify_batch(&f.vk, pubs, pr, N, &err), VIA_EVERIFY);
    pr[1] = saved;
    assert_int_equal(via_groth16_verify_batch(&f.vk, pubs, pr, N, &err), VIA_OK);
    /* an unusable input names the proof */
    via_scalar big = {{~0ull, ~0ull, ~0ull, ~0ull}};
    pub[2][0] = big;
    assert_int_equal(via_groth16_verify_batch(&f.vk, pubs, pr, N, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "proof 3:"));
    unload(&g);
    unload(&f);
}

static void test_snarkjs_proof_verifies(void **state) {
    (void)state;
    for (size_t c = 0; c < 3; c++) {
        char path[256];
        via_error err = {0};
        via_groth16_vk vk;
        via_fq12 ab;
        int has_ab;
        via_groth16_proof p;
        via_scalar *pub;
        size_t npub;
        snprintf(path, sizeof path, "fixtures/%s/verification_key.json", circuits[c]);
        assert_int_equal(via_vk_read_json(&vk, &ab, &has_ab, path, &err), 0);
        snprintf(path, sizeof path, "fixtures/%s/proof.json", circuits[c]);
        assert_int_equal(via_proof_read_json(&p, path, &err), 0);
        snprintf(path, sizeof path, "fixtures/%s/public.json", circuits[c]);
        assert_int_equal(via_public_read_json(&pub, &npub, path, &err), 0);
        int rc = via_groth16_verify(&vk, pub, npub, &p, &err);
        if (rc) fail_msg("%s: %s", circuits[c], err.msg);
        via_free_big(pub);
        via_groth16_vk_free(&vk);
    }
}

static void test_bad_witness(void **state) {
    (void)state;
    fixture f;
    load(&f, "poseidon");
    via_groth16_proof p;
    via_error err = {0};
    /* Wrong length. */
    assert_int_equal(via_groth16_prove(&p, &f.pk, f.w.values, f.w.n - 1, NULL, &err), VIA_EINVAL);
    /* Value >= r. */
    via_scalar saved = f.w.values[3];
    memcpy(f.w.values[3].l, via_fr_mod.p, 32);
    assert_int_equal(via_groth16_prove(&p, &f.pk, f.w.values, f.w.n, NULL, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "witness value 3"));
    /* A witness that does not satisfy the circuit gives a proof that does not verify. */
    f.w.values[3] = saved;
    f.w.values[f.w.n - 1].l[0] ^= 4;
    assert_int_equal(via_groth16_prove(&p, &f.pk, f.w.values, f.w.n, NULL, &err), 0);
    assert_int_equal(via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public, &p, &err),
                     VIA_EVERIFY);
    unload(&f);
}

static void test_fixed_rs_deterministic(void **state) {
    (void)state;
    fixture f;
    load(&f, "lessthan");
    via_scalar r = {{12345, 0, 0, 0}}, s = {{0, 678, 0, 1}};
    via_groth16_test_blinding *fixed = via_groth16_test_blinding_new(&r, &s);
    assert_non_null(fixed);
    via_groth16_prove_opts o = {NULL, NULL, fixed, NULL};
    via_groth16_proof p1, p2;
    via_error err = {0};
    via_set_threads(1);
    assert_int_equal(via_groth16_prove(&p1, &f.pk, f.w.values, f.w.n, &o, &err), 0);
    via_set_threads(0);
    assert_int_equal(via_groth16_prove(&p2, &f.pk, f.w.values, f.w.n, &o, &err), 0);
    /* Same bytes whatever the thread count; and the proof verifies. */
    assert_memory_equal(&p1, &p2, sizeof p1);
    assert_int_equal(via_groth16_verify(&f.vk, f.w.values + 1, f.vk.n_public, &p1, &err), 0);
    via_groth16_test_blinding_free(fixed);
    unload(&f);
}

/* via_groth16_h_cosets, with its coset transforms through a callback and without one, equals
 * the H arithmetic written out here (c = a b on the domain, the three coset transforms,
 * h = mont(a' b' - c', R^2)), an independent reference rather than the function itself;
 * leaves b unchanged, calls the callback three times, and passes its error on. */
typedef struct {
    int calls, fail_at;
} coset_probe;

static int probe_coset(void *ctx, via_fr *a, unsigned log2n, via_error *err) {
    coset_probe *p = ctx;
    if (++p->calls == p->fail_at) return via_fail(err, VIA_EDEVICE, "probe: device failed");
    return via_ntt_domain_to_coset(a, log2n);
}

static void test_h_cosets(void **state) {
    (void)state;
    const unsigned log2n = 10;
    const size_t n = (size_t)1 << log2n;
    via_fr *a = via_xmalloc(n * sizeof *a), *b = via_xmalloc(n * sizeof *b);
    via_fr *a1 = via_xmalloc(n * sizeof *a), *a2 = via_xmalloc(n * sizeof *a);
    via_fr *b1 = via_xmalloc(n * sizeof *a), *c1 = via_xmalloc(n * sizeof *a);
    via_fr *bk = via_xmalloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) {
        via_fr_set_u64(&a[i], 3 * i + 1);
        via_fr_set_u64(&b[i], 7 * i * i + 5);
    }
    memcpy(a1, a, n * sizeof *a);
    memcpy(b1, b, n * sizeof *b);
    via_error err = {0};
    for (size_t i = 0; i < n; i++)
        via_fr_mul(&c1[i], &a1[i], &b1[i]);
    assert_int_equal(via_ntt_domain_to_coset(a1, log2n), 0);
    assert_int_equal(via_ntt_domain_to_coset(b1, log2n), 0);
    assert_int_equal(via_ntt_domain_to_coset(c1, log2n), 0);
    for (size_t i = 0; i < n; i++) {
        via_fr t;
        via_fr_mul(&t, &a1[i], &b1[i]);
        via_fr_sub(&t, &t, &c1[i]);
        via_mont_mul(a1[i].l, t.l, via_fr_mod.r2, &via_fr_mod);
    }
    memcpy(bk, b, n * sizeof *b);
    memcpy(a2, a, n * sizeof *a);
    coset_probe p = {0, 0};
    via_groth16_backend be = {0};
    be.coset = probe_coset;
    be.ctx = &p;
    assert_int_equal(via_groth16_h_cosets(&be, a2, b, log2n, &err), VIA_OK);
    assert_int_equal(p.calls, 3);
    assert_memory_equal(a1, a2, n * sizeof *a);
    assert_memory_equal(b, bk, n * sizeof *b);
    memcpy(a2, a, n * sizeof *a); /* no backend: the CPU */
    assert_int_equal(via_groth16_h_cosets(NULL, a2, b, log2n, &err), VIA_OK);
    assert_memory_equal(a1, a2, n * sizeof *a);
    memcpy(a2, a, n * sizeof *a);
    p.calls = 0;
    p.fail_at = 2;
    assert_int_equal(via_groth16_h_cosets(&be, a2, b, log2n, &err), VIA_EDEVICE);
    assert_non_null(strstr(err.msg, "probe: device failed"));
    via_xfree(a), via_xfree(b), via_xfree(a1), via_xfree(a2), via_xfree(b1), via_xfree(c1);
    via_xfree(bk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prove_verify),
        cmocka_unit_test(test_snarkjs_proof_verifies),
        cmocka_unit_test(test_verify_batch),
        cmocka_unit_test(test_bad_witness),
        cmocka_unit_test(test_fixed_rs_deterministic),
        cmocka_unit_test(test_h_cosets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
