/* The verifier's batch check (via/vcheck.h) against the sequencer's keeper as oracle: batches
 * the keeper seals (deposits credited and refused, transfers, withdrawals, fees, several
 * chunks) replay to the keeper's roots, and each chunk's public input equals the one the
 * chunk witness generator computes from the chunk input; then every alteration is refused
 * with its rule and leaves the verifier's state unchanged: one byte of pubdata, the header,
 * the previous hash, the batch number, a deposit missing from the verifier's view, a
 * deposit the batch skipped, a deposit credited with another amount, deposits out of order,
 * a proof blob that is not an aggregate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/babyjub.h"
#include "via/chunk.h"
#include "via/cs.h"
#include "via/eddsa.h"
#include "via/keeper.h"
#include "via/l2tx.h"
#include "via/vcheck.h"

static uint8_t sk[6][32];
static via_babyjub_point pk[6];

static char *transfer(int signer, uint64_t from, uint64_t to, uint64_t amount, uint64_t fee,
                      uint64_t nonce) {
    via_l2tx_transfer t = {from, to, amount, fee, nonce};
    via_fr msg;
    via_l2tx_transfer_msg(&msg, &t);
    via_eddsa_sig sig;
    via_eddsa_sign(&sig, sk[signer], &msg);
    char rx[80], ry[80], s[80];
    via_fr_to_decimal(rx, sizeof rx, &sig.r8.x);
    via_fr_to_decimal(ry, sizeof ry, &sig.r8.y);
    via_limbs_to_decimal(s, sizeof s, sig.s);
    char *out = malloc(1024);
    snprintf(
        out, 1024,
        "{\"type\":\"transfer\",\"from\":%llu,\"to\":%llu,\"amount\":\"%llu\",\"fee\":\"%llu\","
        "\"nonce\":\"%llu\",\"signature\":{\"R8x\":\"%s\",\"R8y\":\"%s\",\"S\":\"%s\"}}",
        (unsigned long long)from, (unsigned long long)to, (unsigned long long)amount,
        (unsigned long long)fee, (unsigned long long)nonce, rx, ry, s);
    return out;
}

static char *withdraw(int signer, uint64_t from, uint64_t amount, uint64_t fee, uint64_t nonce) {
    via_l2tx_withdraw w = {from, amount, fee, nonce, 22, {0}};
    w.dest[0] = 0x00;
    w.dest[1] = 0x14;
    for (int i = 2; i < 22; i++)
        w.dest[i] = (uint8_t)i;
    via_fr msg;
    via_error err = {0};
    assert_int_equal(via_l2tx_withdraw_msg(&msg, &w, &err), VIA_OK);
    via_eddsa_sig sig;
    via_eddsa_sign(&sig, sk[signer], &msg);
    char rx[80], ry[80], s[80];
    via_fr_to_decimal(rx, sizeof rx, &sig.r8.x);
    via_fr_to_decimal(ry, sizeof ry, &sig.r8.y);
    via_limbs_to_decimal(s, sizeof s, sig.s);
    char *out = malloc(1024);
    snprintf(out, 1024,
             "{\"type\":\"withdraw\",\"from\":%llu,\"dest\":\"0014"
             "02030405060708090a0b0c0d0e0f101112131415\",\"amount\":\"%llu\",\"fee\":\"%llu\","
             "\"nonce\":\"%llu\",\"signature\":{\"R8x\":\"%s\",\"R8y\":\"%s\",\"S\":\"%s\"}}",
             (unsigned long long)from, (unsigned long long)amount, (unsigned long long)fee,
             (unsigned long long)nonce, rx, ry, s);
    return out;
}

static void submit(via_keeper *k, char *json) {
    via_error err = {0};
    const char *rule;
    int rc = via_keeper_submit(k, json, strlen(json), &rule, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, VIA_OK);
    free(json);
}

static void deposit(via_vdeposit *v, via_keeper_deposit *d, uint64_t pid, uint32_t to, int key,
                    uint64_t amount) {
    memset(d, 0, sizeof *d);
    d->priority_id = pid;
    d->receiver[0] = (uint8_t)(to >> 24);
    d->receiver[1] = (uint8_t)(to >> 16);
    d->receiver[2] = (uint8_t)(to >> 8);
    d->receiver[3] = (uint8_t)to;
    via_babyjub_pack(d->receiver + 4, &pk[key]);
    d->amount = amount;
    for (int i = 0; i < 32; i++)
        d->txid[i] = (uint8_t)(pid * 13 + (uint64_t)i);
    d->vout = (uint32_t)(pid & 3);
    v->priority_id = pid;
    memcpy(v->txid, d->txid, 32);
    v->vout = d->vout;
    v->amount = amount;
    memcpy(v->receiver, d->receiver, 36);
}

static uint8_t *blob_of(const via_sealed_batch *b, size_t *len) {
    *len = 160 + b->pubdata_len;
    uint8_t *o = malloc(*len);
    memcpy(o, b->header, 160);
    memcpy(o + 160, b->pubdata, b->pubdata_len);
    return o;
}

static void expect_rule(via_vstate *st, const uint8_t *blob, size_t len, uint64_t n,
                        const uint8_t prev[32], const uint8_t hash[32], const via_vdeposit *p,
                        size_t np, const char *want) {
    via_fr before, after;
    via_vstate_root(st, &before);
    via_vbatch vb;
    const char *rule = NULL;
    via_error err = {0};
    assert_int_equal(via_vcheck_batch(st, blob, len, n, prev, hash, p, np, &vb, &rule, &err),
                     VIA_EVERIFY);
    if (strcmp(rule, want)) fprintf(stderr, "got %s (%s), want %s\n", rule, err.msg, want);
    assert_string_equal(rule, want);
    via_vstate_root(st, &after);
    assert_true(via_fr_eq(&before, &after)); /* unchanged */
}

static void test_vcheck(void **state) {
    (void)state;
    via_field_init();
    for (int i = 0; i < 6; i++) {
        for (int b = 0; b < 32; b++)
            sk[i][b] = (uint8_t)(i * 29 + b * 7 + 3);
        via_eddsa_pubkey(&pk[i], sk[i]);
    }
    via_keeper *k = via_keeper_new(3);
    via_vstate *st = via_vstate_new(3);
    via_error err = {0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(via_keeper_create(k, (uint64_t)i, &pk[i].x, &pk[i].y, 100000, &err), 0);
        assert_int_equal(via_vstate_genesis(st, (uint64_t)i, &pk[i].x, &pk[i].y, 100000, &err), 0);
    }
    via_fr kr, vr;
    via_keeper_root(k, &kr);
    via_vstate_root(st, &vr);
    assert_true(via_fr_eq(&kr, &vr));

    /* batch 1: deposits (one refused), transfers, a withdrawal, 2 chunks of 4 */
    via_vdeposit pend[8];
    via_keeper_deposit kd;
    deposit(&pend[0], &kd, 100, 3, 3, 5000);
    assert_int_equal(via_keeper_add_deposit(k, &kd, &err), 0);
    deposit(&pend[1], &kd, 101, 1, 4, 70); /* account 1 has another key: refused */
    assert_int_equal(via_keeper_add_deposit(k, &kd, &err), 0);
    deposit(&pend[2], &kd, 102, 4, 4, 900);
    assert_int_equal(via_keeper_add_deposit(k, &kd, &err), 0);
    submit(k, transfer(1, 1, 2, 1000, 10, 0));
    submit(k, transfer(2, 2, 1, 50, 1, 0));
    submit(k, withdraw(1, 1, 300, 2, 1));
    submit(k, transfer(1, 1, 0, 5, 0, 2));
    via_sealed_batch b1;
    uint8_t zero[32] = {0};
    assert_int_equal(via_keeper_seal(k, 1, zero, 4, 2, &b1, &err), 0);
    assert_int_equal(b1.chunks, 2);
    size_t len;
    uint8_t *blob = blob_of(&b1, &len);

    /* alterations first: each refused with its rule, the state unchanged */
    blob[160 + 157 * 3 + 10] ^= 1;
    expect_rule(st, blob, len, 1, zero, b1.header_hash, pend, 3, "pubdata_hash_mismatch");
    blob[160 + 157 * 3 + 10] ^= 1;
    blob[50] ^= 1;
    expect_rule(st, blob, len, 1, zero, b1.header_hash, pend, 3, "header_hash_mismatch");
    blob[50] ^= 1;
    uint8_t other[32] = {1};
    expect_rule(st, blob, len, 1, other, b1.header_hash, pend, 3, "prev_hash_mismatch");
    expect_rule(st, blob, len, 2, zero, b1.header_hash, pend, 3, "batch_number");
    expect_rule(st, blob, len - 1, 1, zero, b1.header_hash, pend, 3, "bad_blob");
    /* the verifier does not know the last deposit: the batch invents one */
    expect_rule(st, blob, len, 1, zero, b1.header_hash, pend, 2, "deposit_extra");
    /* the verifier knows an earlier deposit the batch skipped */
    via_vdeposit more[4];
    deposit(&more[0], &kd, 99, 5, 5, 10);
    memcpy(more + 1, pend, 3 * sizeof *pend);
    expect_rule(st, blob, len, 1, zero, b1.header_hash, more, 4, "deposit_missing");
    /* the verifier saw another amount for a credited deposit */
    memcpy(more, pend, 3 * sizeof *pend);
    more[2].amount = 901;
    expect_rule(st, blob, len, 1, zero, b1.header_hash, more, 3, "deposit_mismatch");
    /* a deposit the verifier saw as creditable, but with another key: the batch's credit of
     * account 3 does not match */
    memcpy(more, pend, 3 * sizeof *pend);
    via_babyjub_pack(more[0].receiver + 4, &pk[5]);
    expect_rule(st, blob, len, 1, zero, b1.header_hash, more, 3, "deposit_mismatch");

    /* deposits out of order: the verifier's confirmed order differs from the batch's */
    memcpy(more, pend, 3 * sizeof *pend);
    via_vdeposit tmp = more[0];
    more[0] = more[2];
    more[2] = tmp;
    more[0].priority_id = 100;
    more[2].priority_id = 102;
    expect_rule(st, blob, len, 1, zero, b1.header_hash, more, 3, "deposit_mismatch");

    /* the real thing */
    via_vbatch vb;
    const char *rule = NULL;
    int rc = via_vcheck_batch(st, blob, len, 1, zero, b1.header_hash, pend, 3, &vb, &rule, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, VIA_OK);
    assert_int_equal(vb.deposits_consumed, 3);
    assert_int_equal(vb.deposits_credited, 2);
    assert_int_equal(vb.withdrawals, 1);
    via_keeper_root(k, &kr);
    via_vstate_root(st, &vr);
    assert_true(via_fr_eq(&kr, &vr));
    /* each chunk's public input equals the witness generator's */
    for (uint32_t c = 0; c < b1.chunks; c++) {
        via_chunk_input *in;
        assert_int_equal(via_chunk_input_parse(&in, "chunk", b1.chunk_inputs[c],
                                               strlen(b1.chunk_inputs[c]), &err),
                         0);
        via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
        via_fr com, ra;
        assert_int_equal(via_chunk_build_witness(cs, in, 0, NULL, &com, &ra, &err), 0);
        assert_true(via_fr_eq(&com, &vb.commitments[c]));
        via_cs_free(cs);
        via_chunk_input_free(in);
    }
    /* a proof blob that is not an aggregate: refused by rule, before any pairing */
    via_groth16_vk vk;
    memset(&vk, 0, sizeof vk);
    vk.n_public = 1;
    uint8_t junk[100] = {1, 2, 3};
    assert_int_equal(via_vcheck_proof(NULL, &vk, &vb, junk, sizeof junk, &rule, &err), VIA_EVERIFY);
    assert_string_equal(rule, "proof_malformed");
    uint64_t bal;
    assert_true(via_vstate_account(st, 3, NULL, NULL, &bal, NULL));
    assert_int_equal(bal, 5000);
    assert_false(via_vstate_account(st, 5, NULL, NULL, NULL, NULL));
    via_vbatch_free(&vb);
    free(blob);

    /* batch 2 (transactions only) follows batch 1 */
    uint8_t h1[32];
    memcpy(h1, b1.header_hash, 32);
    via_sealed_batch_free(&b1);
    submit(k, transfer(3, 3, 4, 100, 1, 0));
    via_sealed_batch b2;
    assert_int_equal(via_keeper_seal(k, 2, h1, 4, 2, &b2, &err), 0);
    blob = blob_of(&b2, &len);
    /* replaying batch 2 on a state that missed batch 1: the roots do not chain */
    via_vstate *fresh = via_vstate_new(3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(via_vstate_genesis(fresh, (uint64_t)i, &pk[i].x, &pk[i].y, 100000, &err),
                         0);
    expect_rule(fresh, blob, len, 2, h1, b2.header_hash, NULL, 0, "root_before_mismatch");
    via_vstate_free(fresh);
    rc = via_vcheck_batch(st, blob, len, 2, h1, b2.header_hash, pend + 3, 0, &vb, &rule, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, VIA_OK);
    via_keeper_root(k, &kr);
    via_vstate_root(st, &vr);
    assert_true(via_fr_eq(&kr, &vr));
    via_vbatch_free(&vb);
    free(blob);
    via_sealed_batch_free(&b2);
    via_vstate_free(st);
    via_keeper_free(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_vcheck)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
