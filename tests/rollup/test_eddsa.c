/* EdDSA-Poseidon: the circomlibjs vector (vectors/eddsa/circomlibjs.txt), sign/verify round
 * trips on seeded random keys and messages, and rejection of altered messages, keys and
 * signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/eddsa.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t unhex(uint8_t *out, size_t cap, const char *s) {
    size_t n = strlen(s);
    assert_true(n % 2 == 0 && n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) fail_msg("bad hex '%s'", s);
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

static const char *field(char lines[][512], int n, const char *key) {
    size_t k = strlen(key);
    for (int i = 0; i < n; i++)
        if (!strncmp(lines[i], key, k) && lines[i][k] == ' ') return lines[i] + k + 1;
    fail_msg("vector field '%s' missing", key);
    return NULL;
}

static void test_vector(void **state) {
    (void)state;
    const char *dir = getenv("VIA_VECTORS");
    char path[1024], lines[16][512];
    snprintf(path, sizeof path, "%s/eddsa/circomlibjs.txt", dir ? dir : "vectors");
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    int n = 0;
    while (n < 16 && fgets(lines[n], sizeof lines[n], f)) {
        if (lines[n][0] == '#') continue;
        lines[n][strcspn(lines[n], "\r\n")] = 0;
        n++;
    }
    fclose(f);
    uint8_t sk[32], mb[32] = {0}, packed[64], got[64];
    assert_int_equal(unhex(sk, 32, field(lines, n, "sk")), 32);
    unhex(mb, 32, field(lines, n, "msg_le_hex"));
    via_fr msg;
    assert_int_equal(via_fr_from_bytes_le(&msg, mb), 0);
    via_babyjub_point a, ea;
    assert_int_equal(via_fr_from_decimal(&ea.x, field(lines, n, "ax")), 0);
    assert_int_equal(via_fr_from_decimal(&ea.y, field(lines, n, "ay")), 0);
    via_eddsa_pubkey(&a, sk);
    assert_true(via_babyjub_eq(&a, &ea));
    via_eddsa_sig sig, esig;
    assert_int_equal(via_fr_from_decimal(&esig.r8.x, field(lines, n, "r8x")), 0);
    assert_int_equal(via_fr_from_decimal(&esig.r8.y, field(lines, n, "r8y")), 0);
    assert_int_equal(via_limbs_from_decimal(esig.s, field(lines, n, "s")), 0);
    via_eddsa_sign(&sig, sk, &msg);
    assert_true(via_babyjub_eq(&sig.r8, &esig.r8));
    assert_memory_equal(sig.s, esig.s, 32);
    unhex(packed, 64, field(lines, n, "packed"));
    via_eddsa_sig_pack(got, &sig);
    assert_memory_equal(got, packed, 64);
    via_error err;
    via_eddsa_sig un;
    assert_int_equal(via_eddsa_sig_unpack_var(&un, packed, &err), VIA_OK);
    assert_true(via_babyjub_eq(&un.r8, &sig.r8));
    assert_memory_equal(un.s, sig.s, 32);
    assert_int_equal(via_eddsa_verify_var(&a, &msg, &sig, &err), VIA_OK);
}

static void test_roundtrip_and_rejects(void **state) {
    (void)state;
    for (int i = 0; i < 8; i++) {
        uint8_t sk[32];
        for (int j = 0; j < 32; j++)
            sk[j] = (uint8_t)rnd64();
        uint64_t m[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 4};
        via_fr msg, other;
        via_fr_from_canon_unchecked(&msg, m);
        via_fr one;
        via_fr_set_one(&one);
        via_fr_add(&other, &msg, &one);
        via_babyjub_point a, a2;
        via_eddsa_pubkey(&a, sk);
        assert_true(via_babyjub_in_subgroup_var(&a));
        via_eddsa_sig sig, bad;
        via_error err;
        via_eddsa_sign(&sig, sk, &msg);
        assert_int_equal(via_eddsa_verify_var(&a, &msg, &sig, &err), VIA_OK);
        /* deterministic */
        via_eddsa_sign(&bad, sk, &msg);
        assert_memory_equal(&bad, &sig, sizeof sig);
        /* other message */
        assert_int_equal(via_eddsa_verify_var(&a, &other, &sig, &err), VIA_EVERIFY);
        /* other key */
        sk[0] ^= 1;
        via_eddsa_pubkey(&a2, sk);
        assert_int_equal(via_eddsa_verify_var(&a2, &msg, &sig, &err), VIA_EVERIFY);
        /* S + 1, S + l (non-canonical), R8 off the curve */
        bad = sig;
        bad.s[0] ^= 1;
        assert_int_equal(via_eddsa_verify_var(&a, &msg, &bad, &err), VIA_EVERIFY);
        bad = sig;
        via_limbs_add(bad.s, sig.s, via_babyjub_l);
        assert_int_equal(via_eddsa_verify_var(&a, &msg, &bad, &err), VIA_EVERIFY);
        assert_non_null(strstr(err.msg, "subgroup order"));
        bad = sig;
        via_fr_add(&bad.r8.x, &bad.r8.x, &one);
        assert_int_equal(via_eddsa_verify_var(&a, &msg, &bad, &err), VIA_EVERIFY);
        assert_non_null(strstr(err.msg, "R8"));
    }
    /* the identity as a key is rejected (small order) */
    via_babyjub_point id;
    via_babyjub_identity(&id);
    via_eddsa_sig sig;
    uint8_t sk[32] = {1};
    via_fr msg;
    via_fr_set_u64(&msg, 7);
    via_eddsa_sign(&sig, sk, &msg);
    via_error err;
    assert_int_equal(via_eddsa_verify_var(&id, &msg, &sig, &err), VIA_EVERIFY);
    assert_non_null(strstr(err.msg, "small order"));
}

int main(void) {
    const char *seed_env = getenv("VIA_TEST_SEED");
    uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0xbe5466cf34e90c6cULL;
    printf("test_eddsa seed=0x%016llx (set VIA_TEST_SEED to replay)\n", (unsigned long long)seed);
    rng_state = seed ? seed : 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector),
        cmocka_unit_test(test_roundtrip_and_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
