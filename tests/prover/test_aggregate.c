/* SnarkPack aggregation of real Groth16 proofs (the snarkjs multiplier fixture, c = a * b,
 * proved here for many (a, b), so every proof is its own statement): aggregates of
 * n = 1, 2, 3, 7, 8, 64 verify after a round trip through the byte format; every tampering
 * is rejected (a proof replaced by a valid proof of another statement, two proofs swapped, a
 * public input changed, another batch's public inputs, a bit flipped in every element and in
 * sampled positions of the file, a GT element outside GT, another circuit's key, a padded
 * aggregate presented as a longer batch); and a property test: with one invalid proof in a
 * random batch, the aggregate is rejected exactly when verifying one by one rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "via/aggregate.h"
#include "via/ptau_dev.h"
#include "via/zkey.h"

#define MAXN 64

static via_srs srs;
static char dir[64];
static via_zkey zk, zk_other;
static via_groth16_pk pk;
static via_groth16_vk vk, vk_other;
static via_groth16_proof proofs[MAXN], others[MAXN];
static via_scalar pubv[MAXN], other_pubv[MAXN];
static const via_scalar *pubs[MAXN], *other_pubs[MAXN];

static uint64_t rng = 0x452821e638d01377ULL;
static uint64_t next(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A proof of a*b = c for small random a, b: witness (1, c, a, b). */
static int prove_product(via_groth16_proof *p, via_scalar *pub, const via_groth16_pk *k) {
    uint64_t a = next() >> 33, b = next() >> 33;
    via_scalar w[4] = {{{1, 0, 0, 0}}, {{a * b, 0, 0, 0}}, {{a, 0, 0, 0}}, {{b, 0, 0, 0}}};
    *pub = w[1];
    via_error err = {0};
    int rc = via_groth16_prove(p, k, w, 4, NULL, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    return rc;
}

static int setup(void **state) {
    (void)state;
    via_field_init();
    via_error err = {0};
    snprintf(dir, sizeof dir, "/tmp/via_agg_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char a[96], b[96];
    snprintf(a, sizeof a, "%s/a.ptau", dir);
    snprintf(b, sizeof b, "%s/b.ptau", dir);
    via_ptau pa, pb;
    int rc = via_ptau_dev_write(a, 7, NULL, NULL, &err) ||
             via_ptau_dev_write(b, 7, NULL, NULL, &err) ||
             via_ptau_read(&pa, a, VIA_PTAU_LOAD_POWERS, &err) ||
             via_ptau_read(&pb, b, VIA_PTAU_LOAD_POWERS, &err) ||
             via_srs_from_ptau(&srs, &pa, a, &pb, b, MAXN, &err);
    if (!rc) {
        /* one ceremony used twice is refused */
        via_srs same;
        int r2 = via_srs_from_ptau(&same, &pa, a, &pa, a, MAXN, &err);
        if (r2 != VIA_EINVAL) rc = -1;
    }
    via_ptau_free(&pa);
    via_ptau_free(&pb);
    unlink(a);
    unlink(b);
    rmdir(dir);
    if (rc) {
        fprintf(stderr, "SRS: %s\n", err.msg);
        return -1;
    }
    if (via_zkey_read(&zk, "fixtures/multiplier/circuit.zkey", &err) ||
        via_zkey_read(&zk_other, "fixtures/multiplier/circuit_0000.zkey", &err) ||
        via_groth16_vk_from_zkey(&vk, &zk, &err) ||
        via_groth16_vk_from_zkey(&vk_other, &zk_other, &err)) {
        fprintf(stderr, "keys: %s\n", err.msg);
        return -1;
    }
    via_groth16_pk_from_zkey(&pk, &zk);
    for (int i = 0; i < MAXN; i++) {
        if (prove_product(&proofs[i], &pubv[i], &pk) ||
            prove_product(&others[i], &other_pubv[i], &pk))
            return -1;
        pubs[i] = &pubv[i];
        other_pubs[i] = &other_pubv[i];
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    via_srs_free(&srs);
    via_groth16_vk_free(&vk);
    via_groth16_vk_free(&vk_other);
    via_zkey_free(&zk);
    via_zkey_free(&zk_other);
    return 0;
}

static int aggregate(via_aggregate *agg, const via_groth16_proof *p, const via_scalar *const *pb,
                     size_t n) {
    via_error err = {0};
    int rc = via_aggregate_prove(agg, &srs, &vk, p, pb, n, NULL, &err);
    if (rc) fprintf(stderr, "aggregate: %s\n", err.msg);
    return rc;
}

static int verify(const via_aggregate *agg, const via_scalar *const *pb, size_t n,
                  const via_groth16_vk *k) {
    via_error err = {0};
    return via_aggregate_verify(&srs, k ? k : &vk, pb, n, agg, &err);
}

/* Verification of the bytes: decode, then verify (what verify-aggregate does). */
static int verify_bytes(const uint8_t *b, size_t len, const via_scalar *const *pb, size_t n) {
    via_aggregate a;
    via_error err = {0};
    int rc = via_aggregate_decode(&a, "test", b, len, &err);
    if (rc) return rc;
    return via_aggregate_verify(&srs, &vk, pb, n, &a, &err);
}

static void test_sizes_verify(void **state) {
    (void)state;
    static const size_t ns[] = {1, 2, 3, 7, 8, 64};
    via_srs vpart;
    via_error err = {0};
    assert_int_equal(via_srs_verifier_part(&vpart, &srs, &err), VIA_OK);
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        size_t n = ns[t];
        via_aggregate agg, back;
        assert_int_equal(aggregate(&agg, proofs, pubs, n), VIA_OK);
        assert_int_equal(verify(&agg, pubs, n, NULL), VIA_OK);
        uint8_t *b;
        size_t len;
        assert_int_equal(via_aggregate_encode(&b, &len, &agg, &err), VIA_OK);
        assert_int_equal(len, via_aggregate_size((uint32_t)n));
        assert_int_equal(via_aggregate_decode(&back, "t", b, len, &err), VIA_OK);
        assert_int_equal(via_aggregate_verify(&srs, &vk, pubs, n, &back, &err), VIA_OK);
        /* the verifier's part of the SRS is enough */
        assert_int_equal(via_aggregate_verify(&vpart, &vk, pubs, n, &back, &err), VIA_OK);
        uint8_t *b2;
        size_t len2;
        assert_int_equal(via_aggregate_encode(&b2, &len2, &back, &err), VIA_OK);
        assert_memory_equal(b, b2, len);
        free(b);
        free(b2);
    }
    /* 1024 proofs pad past this SRS (64): refused with the size it needs */
    via_aggregate agg;
    assert_int_equal(via_aggregate_prove(&agg, &srs, &vk, proofs, pubs, MAXN + 1, NULL, &err),
                     VIA_EINVAL);
    assert_non_null(strstr(err.msg, "--max 128"));
    assert_int_equal(via_aggregate_prove(&agg, &vpart, &vk, proofs, pubs, 2, NULL, &err),
                     VIA_EINVAL);
    assert_int_equal(via_aggregate_prove(&agg, &srs, &vk, proofs, pubs, 0, NULL, &err), VIA_EINVAL);
    via_srs_free(&vpart);
}

static void test_tampering(void **state) {
    (void)state;
    enum { N = 8 };
    via_aggregate agg;
    via_groth16_proof p[N];
    memcpy(p, proofs, sizeof p);
    assert_int_equal(aggregate(&agg, p, pubs, N), VIA_OK);
    assert_int_equal(verify(&agg, pubs, N, NULL), VIA_OK);

    /* one proof replaced by a valid proof of another statement */
    p[3] = others[3];
    assert_int_equal(aggregate(&agg, p, pubs, N), VIA_OK);
    assert_int_equal(verify(&agg, pubs, N, NULL), VIA_EVERIFY);
    /* two proofs swapped */
    memcpy(p, proofs, sizeof p);
    p[2] = proofs[5];
    p[5] = proofs[2];
    assert_int_equal(aggregate(&agg, p, pubs, N), VIA_OK);
    assert_int_equal(verify(&agg, pubs, N, NULL), VIA_EVERIFY);

    memcpy(p, proofs, sizeof p);
    assert_int_equal(aggregate(&agg, p, pubs, N), VIA_OK);
    /* one public input changed */
    via_scalar changed = pubv[6];
    changed.l[0] ^= 1;
    const via_scalar *pb[N];
    memcpy(pb, pubs, sizeof pb);
    pb[6] = &changed;
    assert_int_equal(verify(&agg, pb, N, NULL), VIA_EVERIFY);
    /* public inputs in another order */
    memcpy(pb, pubs, sizeof pb);
    pb[0] = pubs[1];
    pb[1] = pubs[0];
    assert_int_equal(verify(&agg, pb, N, NULL), VIA_EVERIFY);
    /* another batch's public inputs (the 2021 bug): an aggregate of valid proofs presented
     * as the aggregate of other statements */
    assert_int_equal(verify(&agg, other_pubs, N, NULL), VIA_EVERIFY);
    /* a verifying key of another circuit setup (same shape, other delta) */
    assert_int_equal(verify(&agg, pubs, N, &vk_other), VIA_EVERIFY);
    /* a public input >= r is unusable input */
    via_scalar big = {{~0ULL, ~0ULL, ~0ULL, ~0ULL}};
    memcpy(pb, pubs, sizeof pb);
    pb[4] = &big;
    assert_int_equal(verify(&agg, pb, N, NULL), VIA_EINVAL);
    /* fewer or more statements than proofs */
    assert_int_equal(verify(&agg, pubs, N - 1, NULL), VIA_EVERIFY);

    /* padding: 3 proofs pad to 4 by repeating the last; the aggregate is not also an
     * aggregate of 4 statements whose last two are equal */
    via_aggregate a3;
    assert_int_equal(aggregate(&a3, proofs, pubs, 3), VIA_OK);
    const via_scalar *pb4[4] = {pubs[0], pubs[1], pubs[2], pubs[2]};
    assert_int_equal(verify(&a3, pubs, 3, NULL), VIA_OK);
    assert_int_equal(verify(&a3, pb4, 4, NULL), VIA_EVERIFY);
}

static void test_bit_flips(void **state) {
    (void)state;
    enum { N = 8 };
    via_aggregate agg;
    via_error err = {0};
    assert_int_equal(aggregate(&agg, proofs, pubs, N), VIA_OK);
    uint8_t *b;
    size_t len;
    assert_int_equal(via_aggregate_encode(&b, &len, &agg, &err), VIA_OK);
    assert_int_equal(verify_bytes(b, len, pubs, N), VIA_OK);
    /* every bit of the header and of every 32-byte word (one random bit in each word) */
    size_t tried = 0;
    for (size_t pos = 0; pos < len; pos++) {
        int bits = pos < 16 ? 8 : (pos % 32 == 16) ? 1 : 0;
        for (int k = 0; k < bits; k++) {
            size_t at = pos < 16 ? pos : pos + (size_t)(next() % 32);
            if (at >= len) at = len - 1;
            uint8_t bit = pos < 16 ? (uint8_t)(1u << k) : (uint8_t)(1u << (next() % 8));
            b[at] ^= bit;
            int rc = verify_bytes(b, len, pubs, N);
            if (rc == VIA_OK) fprintf(stderr, "accepted with byte %zu bit %02x flipped\n", at, bit);
            assert_int_not_equal(rc, VIA_OK);
            b[at] ^= bit;
            tried++;
        }
    }
    assert_true(tried > len / 32);
    /* truncated and extended */
    assert_int_equal(verify_bytes(b, len - 1, pubs, N), VIA_EFORMAT);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, b, len);
    longer[len] = 0;
    assert_int_equal(verify_bytes(longer, len + 1, pubs, N), VIA_EFORMAT);
    free(longer);
    /* a GT element outside GT: a torus element (unitary, so it decompresses) of another
     * order in place of com_ab.t */
    uint8_t saved[VIA_GT_COMPRESSED_BYTES];
    memcpy(saved, b + 16, sizeof saved);
    memset(b + 16, 0, VIA_GT_COMPRESSED_BYTES);
    b[16 + 31] = 5; /* c = 5 */
    via_aggregate back;
    assert_int_equal(via_aggregate_decode(&back, "t", b, len, &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "com_ab.t: not an element of GT"));
    /* the identity flag with other bits set */
    memset(b + 16, 0, VIA_GT_COMPRESSED_BYTES);
    b[16] = 0x80;
    b[20] = 1;
    assert_int_equal(via_aggregate_decode(&back, "t", b, len, &err), VIA_EFORMAT);
    /* the identity itself decodes but does not verify */
    b[20] = 0;
    assert_int_equal(via_aggregate_decode(&back, "t", b, len, &err), VIA_OK);
    assert_int_equal(via_aggregate_verify(&srs, &vk, pubs, N, &back, &err), VIA_EVERIFY);
    memcpy(b + 16, saved, sizeof saved);
    assert_int_equal(verify_bytes(b, len, pubs, N), VIA_OK);
    /* the header's proof count changed: the size no longer matches */
    b[8] = 7;
    assert_int_equal(via_aggregate_decode(&back, "t", b, len, &err), VIA_OK); /* 7 pads to 8 */
    assert_int_equal(via_aggregate_verify(&srs, &vk, pubs, 7, &back, &err), VIA_EVERIFY);
    b[8] = 9;
    assert_int_equal(via_aggregate_decode(&back, "t", b, len, &err), VIA_EFORMAT);
    free(b);
}

static void test_property_one_invalid(void **state) {
    (void)state;
    via_error err = {0};
    for (int trial = 0; trial < 24; trial++) {
        size_t n = 2 + next() % 15;
        via_groth16_proof p[16];
        via_scalar pv[16];
        const via_scalar *pb[16];
        for (size_t i = 0; i < n; i++) {
            size_t j = next() % MAXN;
            p[i] = proofs[j];
            pv[i] = pubv[j];
            pb[i] = &pv[i];
        }
        /* in most trials one statement is made false, in a few all stay true */
        int corrupt = trial % 4 != 0;
        if (corrupt) {
            size_t bad = next() % n;
            switch (next() % 3) {
            case 0:
                pv[bad].l[0] += 1;
                break; /* wrong public input */
            case 1:
                p[bad] = others[next() % MAXN];
                break; /* another statement's proof */
            default:
                p[bad].a = p[(bad + 1) % n].a;
                break; /* a mixed-up proof */
            }
        }
        int one_by_one_ok = 1;
        for (size_t i = 0; i < n; i++)
            if (via_groth16_verify(&vk, pb[i], 1, &p[i], &err) != VIA_OK) one_by_one_ok = 0;
        via_aggregate agg;
        assert_int_equal(aggregate(&agg, p, pb, n), VIA_OK);
        int rc = verify(&agg, pb, n, NULL);
        assert_int_equal(rc == VIA_OK, one_by_one_ok);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_verify),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_property_one_invalid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
