/* The state keeper (via/keeper.h): transfers and withdrawals signed as via-wallet signs them
 * are accepted against the pending state; every rule is enforced and named (bad JSON, unknown
 * field, deposit from a user, bad signature, wrong nonce, insufficient balance, overflow,
 * unknown account, bad destination) and a rejection changes nothing; sealing cuts chunks,
 * and every chunk input it writes is accepted by the chunk witness generator (the same rules,
 * executed again from the Merkle paths alone), whose roots agree with the keeper's; fees reach
 * the operator's sealed and pending balance; a second batch continues from the first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/chunk.h"
#include "via/cs.h"
#include "via/eddsa.h"
#include "via/keeper.h"
#include "via/l2tx.h"

static uint8_t sk[5][32];
static via_babyjub_point pk[5];

static void keygen(void) {
    for (int i = 0; i < 5; i++) {
        for (int b = 0; b < 32; b++)
            sk[i][b] = (uint8_t)(i * 37 + b * 11 + 1);
        via_eddsa_pubkey(&pk[i], sk[i]);
    }
}

static char *transfer(int signer, uint64_t from, uint64_t to, uint64_t amount, uint64_t fee,
                      uint64_t nonce, const char *extra) {
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
        "\"nonce\":\"%llu\",\"signature\":{\"R8x\":\"%s\",\"R8y\":\"%s\",\"S\":\"%s\"}%s}",
        (unsigned long long)from, (unsigned long long)to, (unsigned long long)amount,
        (unsigned long long)fee, (unsigned long long)nonce, rx, ry, s, extra ? extra : "");
    return out;
}

static char *withdraw(int signer, uint64_t from, uint64_t amount, uint64_t fee, uint64_t nonce,
                      const char *dest_hex) {
    via_l2tx_withdraw w = {from, amount, fee, nonce, strlen(dest_hex) / 2, {0}};
    for (size_t i = 0; i < w.dest_len; i++)
        sscanf(dest_hex + 2 * i, "%2hhx", &w.dest[i]);
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
    snprintf(
        out, 1024,
        "{\"type\":\"withdraw\",\"from\":%llu,\"dest\":\"%s\",\"amount\":\"%llu\",\"fee\":\"%llu\","
        "\"nonce\":\"%llu\",\"signature\":{\"R8x\":\"%s\",\"R8y\":\"%s\",\"S\":\"%s\"}}",
        (unsigned long long)from, dest_hex, (unsigned long long)amount, (unsigned long long)fee,
        (unsigned long long)nonce, rx, ry, s);
    return out;
}

static int submit(via_keeper *k, char *json, const char **rule) {
    via_error err = {0};
    int rc = via_keeper_submit(k, json, strlen(json), rule, &err);
    free(json);
    return rc;
}

/* Checks every chunk input through the witness generator; returns how many nodes (compact
 * form: tree nodes off the touched paths) the inputs listed in all. */
static size_t check_chunks(const via_sealed_batch *b) {
    via_fr root, before = b->root_before;
    size_t nodes = 0;
    for (uint32_t c = 0; c < b->chunks; c++) {
        via_chunk_input *in;
        via_error err = {0};
        int rc = via_chunk_input_parse(&in, "chunk", b->chunk_inputs[c], strlen(b->chunk_inputs[c]),
                                       &err);
        if (rc) fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rc, VIA_OK);
        assert_null(strstr(b->chunk_inputs[c], "siblings"));
        json_error_t je;
        json_t *doc = json_loads(b->chunk_inputs[c], 0, &je);
        nodes += json_array_size(json_object_get(doc, "nodes"));
        json_decref(doc);
        via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
        via_fr commitment, mine;
        rc = via_chunk_build_witness(cs, in, 0, NULL, &commitment, &root, &err);
        if (rc) fprintf(stderr, "chunk %u: %s\n", c, err.msg);
        assert_int_equal(rc, VIA_OK);
        /* the keeper's pubdata is the pubdata the circuit commits to */
        assert_int_equal(via_chunk_commitment(&mine, b->number, c, &before, &root,
                                              b->pubdata + (size_t)c * b->slots_per_chunk * 157,
                                              b->slots_per_chunk, &err),
                         VIA_OK);
        assert_true(via_fr_eq(&mine, &commitment));
        before = root;
        via_cs_free(cs);
        via_chunk_input_free(in);
    }
    assert_true(via_fr_eq(&root, &b->root_after));
    return nodes;
}

static void test_keeper(void **state) {
    (void)state;
    via_field_init();
    keygen();
    via_keeper *k = via_keeper_new(6);
    via_error err = {0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(via_keeper_create(k, (uint64_t)i, &pk[i].x, &pk[i].y,
                                           i == 4 ? UINT64_MAX - 5 : 100000, &err),
                         VIA_OK);
    assert_int_equal(via_keeper_create(k, 1, &pk[1].x, &pk[1].y, 5, &err), VIA_EINVAL);
    const char *rule;
    /* accepted */
    assert_int_equal(submit(k, transfer(1, 1, 2, 1000, 10, 0, NULL), &rule), VIA_OK);
    assert_int_equal(submit(k, transfer(1, 1, 3, 500, 5, 1, NULL), &rule), VIA_OK);
    assert_int_equal(submit(k, transfer(2, 2, 1, 1500, 1, 0, NULL), &rule), VIA_OK);
    assert_int_equal(submit(k, transfer(3, 3, 3, 7, 0, 0, NULL), &rule), VIA_OK); /* to self */
    assert_int_equal(submit(k,
                            withdraw(2, 2, 300, 2, 1,
                                     "0014"
                                     "00112233445566778899aabbccddeeff00112233"),
                            &rule),
                     VIA_OK);
    assert_int_equal(via_keeper_pending(k), 5);
    via_account a;
    via_keeper_account(k, 1, 0, &a);
    assert_int_equal(a.balance, 100000 - 1010 - 505 + 1500);
    assert_int_equal(a.nonce, 2);
    via_keeper_account(k, 1, 1, &a);
    assert_int_equal(a.balance, 100000);
    /* every rule, named, and nothing changed */
    struct {
        char *json;
        const char *rule;
    } bad[] = {
        {transfer(2, 1, 2, 1, 0, 2, NULL), "bad_signature"},
        {transfer(1, 1, 2, 1, 0, 7, NULL), "wrong_nonce"},
        {transfer(1, 1, 2, 200000, 0, 2, NULL), "insufficient_balance"},
        {transfer(1, 1, 99, 1, 0, 2, NULL), "unknown_account"},
        {transfer(3, 3, 4, 10, 0, 1, NULL), "balance_overflow"},
        {transfer(1, 1, 2, 1, 0, 2, ",\"extra\":1"), "bad_json"},
        {strdup("{\"type\":\"deposit\",\"to\":1}"), "unsupported_type"},
        {strdup("not json"), "bad_json"},
        {strdup("{\"type\":\"withdraw\",\"from\":1,\"dest\":\"zz\",\"amount\":\"1\",\"fee\":\"0\","
                "\"nonce\":\"2\"}"),
         "bad_destination"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rule = NULL;
        int rc = submit(k, bad[i].json, &rule);
        assert_int_equal(rc, VIA_EINVAL);
        assert_non_null(rule);
        if (strcmp(rule, bad[i].rule))
            fprintf(stderr, "case %zu: %s, want %s\n", i, rule, bad[i].rule);
        assert_string_equal(rule, bad[i].rule);
    }
    assert_int_equal(via_keeper_pending(k), 5);
    via_keeper_account(k, 1, 0, &a);
    assert_int_equal(a.nonce, 2);

    /* seal: 4-slot chunks, 5 transactions -> 2 chunks (the second padded with noops) */
    via_sealed_batch b;
    uint8_t zero[32] = {0};
    assert_int_equal(via_keeper_seal(k, 1, zero, 4, 8, &b, &err), VIA_OK);
    assert_int_equal(b.chunks, 2);
    assert_int_equal(b.txs, 5);
    assert_int_equal(b.pubdata_len, 2 * 4 * 157);
    assert_int_equal(b.pubdata[0], 2);       /* slot 0: transfer */
    assert_int_equal(b.pubdata[4 * 157], 3); /* slot 4: the withdrawal */
    assert_int_equal(b.pubdata[4 * 157 + 25], 22);
    assert_int_equal(b.pubdata[5 * 157], 0); /* noop */
    check_chunks(&b);
    via_fr root;
    via_keeper_root(k, &root);
    assert_true(via_fr_eq(&root, &b.root_after));
    via_keeper_account(k, 0, 1, &a);
    assert_int_equal(a.balance, 100000 + 10 + 5 + 1 + 0 + 2);
    via_keeper_account(k, 0, 0, &a);
    assert_int_equal(a.balance, 100000 + 18);
    assert_int_equal(via_keeper_pending(k), 0);
    uint8_t h1[32];
    memcpy(h1, b.header_hash, 32);
    via_sealed_batch_free(&b);
    assert_int_equal(via_keeper_seal(k, 2, h1, 4, 8, &b, &err), VIA_EINVAL); /* nothing pending */

    /* a second batch, limited to one chunk: the rest stays pending */
    for (int i = 0; i < 6; i++)
        assert_int_equal(submit(k, transfer(1, 1, 2, 10, 1, 2 + (uint64_t)i, NULL), &rule), VIA_OK);
    assert_int_equal(via_keeper_seal(k, 2, h1, 4, 1, &b, &err), VIA_OK);
    assert_int_equal(b.chunks, 1);
    assert_int_equal(b.txs, 4);
    assert_memory_equal(b.prev_hash, h1, 32);
    check_chunks(&b);
    via_sealed_batch_free(&b);
    assert_int_equal(via_keeper_pending(k), 2);
    via_keeper_free(k);
}

/* The two-phase path (signature prechecked outside the caller's lock) gives the same answers
 * and names the same rules as via_keeper_submit. */
static void deposit(via_keeper_deposit *d, uint64_t pid, uint32_t to, int key, uint64_t amount) {
    memset(d, 0, sizeof *d);
    d->priority_id = pid;
    d->receiver[0] = (uint8_t)(to >> 24);
    d->receiver[1] = (uint8_t)(to >> 16);
    d->receiver[2] = (uint8_t)(to >> 8);
    d->receiver[3] = (uint8_t)to;
    if (key >= 0)
        via_babyjub_pack(d->receiver + 4, &pk[key]);
    else
        memset(d->receiver + 4, 0xff, 32); /* not a point */
    d->amount = amount;
    for (int i = 0; i < 32; i++)
        d->txid[i] = (uint8_t)(pid * 7 + (uint64_t)i);
    d->vout = (uint32_t)(pid % 3);
}

/* Deposits are priority operations: not in the pending state before they are sealed, sealed
 * before any transaction, credited (creating the account) or refused under a named rule
 * without taking a slot, in priority order, with the header's priority range; the chunk
 * inputs pass the witness generator. */
static void test_deposits(void **state) {
    (void)state;
    via_field_init();
    keygen();
    via_keeper *k = via_keeper_new(2);
    via_error err = {0};
    assert_int_equal(via_keeper_create(k, 0, &pk[0].x, &pk[0].y, 0, &err), VIA_OK);
    assert_int_equal(via_keeper_create(k, 1, &pk[1].x, &pk[1].y, 1000, &err), VIA_OK);
    const char *rule;
    assert_int_equal(submit(k, transfer(1, 1, 0, 10, 1, 0, NULL), &rule), VIA_OK);
    via_keeper_deposit d;
    deposit(&d, 10, 3, 3, 5000); /* creates account 3 */
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    deposit(&d, 10, 4, 4, 1);
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_EINVAL); /* not increasing */
    deposit(&d, 11, 1, 2, 50); /* account 1 has another key */
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    deposit(&d, 12, 4, -1, 50); /* not a key */
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    deposit(&d, 13, 256, 4, 50); /* beyond a depth-2 tree */
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    deposit(&d, 14, 3, 3, 7); /* the new account again */
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    deposit(&d, 15, 1, 1, 20);
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    assert_int_equal(via_keeper_deposits_queued(k), 6);
    /* not visible before sealing */
    via_account a;
    via_keeper_account(k, 3, 0, &a);
    assert_false(a.exists);
    assert_int_equal(submit(k, transfer(3, 3, 1, 1, 0, 0, NULL), &rule), VIA_EINVAL);
    assert_string_equal(rule, "unknown_account");
    /* capacity 4 slots: 3 credited deposits and the transfer */
    via_sealed_batch b;
    uint8_t prev[32] = {0};
    assert_int_equal(via_keeper_seal(k, 1, prev, 4, 1, &b, &err), VIA_OK);
    assert_int_equal(b.ndeposits, 6);
    assert_null(b.deposits[0].refused);
    assert_string_equal(b.deposits[1].refused, "deposit_key_mismatch");
    assert_string_equal(b.deposits[2].refused, "bad_deposit_key");
    assert_string_equal(b.deposits[3].refused, "bad_deposit_account");
    assert_null(b.deposits[4].refused);
    assert_null(b.deposits[5].refused);
    assert_int_equal(b.first_priority, 10);
    assert_int_equal(b.last_priority, 15);
    assert_int_equal(b.txs, 1);
    assert_int_equal(b.chunks, 1);
    assert_int_equal(b.pubdata[0], 1);       /* slot 0: a deposit */
    assert_int_equal(b.pubdata[3 * 157], 2); /* slot 3: the transfer */
    assert_int_equal(b.header[151], 10);     /* first priority id */
    assert_int_equal(b.header[159], 15);     /* last */
    check_chunks(&b);
    via_keeper_account(k, 3, 1, &a);
    assert_true(a.exists);
    assert_int_equal(a.balance, 5007);
    via_keeper_account(k, 3, 0, &a);
    assert_int_equal(a.balance, 5007);
    via_keeper_account(k, 1, 0, &a);
    assert_int_equal(a.balance, 1000 - 11 + 20);
    assert_int_equal(via_keeper_last_priority(k), 15);
    uint8_t h1[32];
    memcpy(h1, b.header_hash, 32);
    via_sealed_batch_free(&b);
    /* now account 3 can spend */
    assert_int_equal(submit(k, transfer(3, 3, 1, 100, 1, 0, NULL), &rule), VIA_OK);
    /* more deposits than slots: the rest wait for the next batch, still before transactions */
    for (uint64_t i = 0; i < 5; i++) {
        deposit(&d, 20 + i, 5, 4, 100);
        assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    }
    assert_int_equal(via_keeper_seal(k, 2, h1, 1, 2, &b, &err), VIA_OK);
    assert_int_equal(b.ndeposits, 2);
    assert_int_equal(b.txs, 0);
    check_chunks(&b);
    via_sealed_batch_free(&b);
    assert_int_equal(via_keeper_deposits_queued(k), 3);
    memcpy(h1, b.header_hash, 32);
    assert_int_equal(via_keeper_seal(k, 3, h1, 4, 1, &b, &err), VIA_OK);
    assert_int_equal(b.ndeposits, 3);
    assert_int_equal(b.txs, 1);
    check_chunks(&b);
    via_sealed_batch_free(&b);
    via_keeper_account(k, 5, 1, &a);
    assert_int_equal(a.balance, 500);
    /* a reorganisation: queued deposits are forgotten and ids may be reused */
    deposit(&d, 30, 6, 4, 100);
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    via_keeper_clear_deposits(k);
    assert_int_equal(via_keeper_deposits_queued(k), 0);
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_OK);
    deposit(&d, 24, 6, 4, 100); /* not above the last sealed one */
    assert_int_equal(via_keeper_add_deposit(k, &d, &err), VIA_EINVAL);
    via_keeper_free(k);
}

static void test_two_phase(void **state) {
    (void)state;
    keygen();
    via_keeper *k = via_keeper_new(6);
    via_error err = {0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(via_keeper_create(k, (uint64_t)i, &pk[i].x, &pk[i].y, 1000, &err), VIA_OK);
    struct {
        char *json;
        int precheck_key; /* -1: the sender's own key (from the keeper), else account i's key */
        const char *rule; /* NULL: accepted */
    } cases[] = {
        {transfer(1, 1, 2, 10, 1, 0, NULL), -1, NULL},
        {transfer(1, 1, 2, 10, 1, 1, NULL), 2, NULL}, /* stale precheck: checked again */
        {transfer(2, 1, 2, 10, 1, 2, NULL), -1, "bad_signature"}, /* signed by 2 for 1 */
        {transfer(2, 1, 2, 10, 1, 9, NULL), -1, "wrong_nonce"},   /* the nonce is named first */
        {transfer(1, 1, 2, 5000, 0, 2, NULL), -1, "insufficient_balance"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        via_keeper_tx *t;
        const char *rule = NULL;
        assert_int_equal(via_keeper_tx_parse(&t, cases[i].json, strlen(cases[i].json), &rule, &err),
                         VIA_OK);
        via_fr x, y;
        if (cases[i].precheck_key < 0) {
            assert_true(via_keeper_sender_key(k, t, &x, &y));
        } else {
            x = pk[cases[i].precheck_key].x;
            y = pk[cases[i].precheck_key].y;
        }
        via_keeper_tx_precheck(t, &x, &y);
        int rc = via_keeper_submit_tx(k, t, &rule, &err);
        if (cases[i].rule) {
            assert_int_equal(rc, VIA_EINVAL);
            assert_string_equal(rule, cases[i].rule);
        } else {
            assert_int_equal(rc, VIA_OK);
        }
        free(cases[i].json);
    }
    assert_int_equal(via_keeper_pending(k), 2);
    via_keeper_free(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_keeper),
                                       cmocka_unit_test(test_two_phase),
                                       cmocka_unit_test(test_deposits)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
