/* Unit tests: transaction parsing (valid and malformed), Via envelopes, deposits, the
 * commit/reveal builder (signatures checked against our own sighashes and the taproot
 * commitment), key files, and a MuSig2 session end to end. Randomness comes from a seeded
 * xorshift; the seed is printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "via/musig_testing.h"
#include "via/bitcoin.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void rnd_bytes(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd64();
}
static void rnd_key(uint8_t sk[32]) {
    uint8_t pk[33];
    do rnd_bytes(sk, 32);
    while (via_btc_pubkey_from_seckey(pk, sk));
}

static via_btc_tx sample_tx(void) {
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    uint8_t txid[32], spk[22] = {0x00, 0x14};
    rnd_bytes(txid, 32);
    rnd_bytes(spk + 2, 20);
    assert_int_equal(via_btc_tx_add_input(&tx, txid, 3, 0xfffffffd), 0);
    assert_int_equal(via_btc_tx_add_input(&tx, txid, 4, 0xffffffff), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, 12345, spk, sizeof spk), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, 0, (const uint8_t *)"\x6a\x01\x07", 3), 0);
    return tx;
}

static void test_tx_roundtrip(void **state) {
    (void)state;
    via_btc_tx tx = sample_tx(), back;
    via_btc_tx_init(&back);
    uint8_t *raw;
    size_t len;
    /* legacy form */
    assert_int_equal(via_btc_tx_serialize(&raw, &len, &tx, 1), 0);
    assert_int_equal(via_btc_tx_parse(&back, raw, len, NULL), 0);
    uint8_t a[32], b[32];
    via_btc_tx_txid(a, &tx);
    via_btc_tx_txid(b, &back);
    assert_memory_equal(a, b, 32);
    via_btc_tx_wtxid(b, &tx);
    assert_memory_equal(a, b, 32); /* no witness: wtxid == txid */
    assert_int_equal(via_btc_tx_weight(&tx), 4 * len);
    free(raw);
    /* with a witness */
    const uint8_t *items[2] = {(const uint8_t *)"abc", (const uint8_t *)""};
    size_t lens[2] = {3, 0};
    assert_int_equal(via_btc_tx_set_witness(&tx, 1, 2, items, lens), 0);
    assert_int_equal(via_btc_tx_serialize(&raw, &len, &tx, 1), 0);
    assert_int_equal(raw[4], 0);
    assert_int_equal(raw[5], 1);
    assert_int_equal(via_btc_tx_parse(&back, raw, len, NULL), 0);
    assert_int_equal(back.in[1].n_witness, 2);
    assert_int_equal(back.in[0].n_witness, 0);
    via_btc_tx_wtxid(a, &back);
    via_btc_tx_txid(b, &back);
    assert_memory_not_equal(a, b, 32);
    assert_int_equal(via_btc_tx_weight(&back), 3 * via_btc_tx_size(&back, 0) + len);
    /* every truncation fails cleanly, and trailing bytes are rejected */
    for (size_t cut = 0; cut < len; cut++) {
        via_error e;
        assert_int_equal(via_btc_tx_parse(&back, raw, cut, &e), VIA_EFORMAT);
        assert_true(strlen(e.msg) > 0);
        assert_int_equal(back.n_in, 0);
    }
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, raw, len);
    longer[len] = 0;
    via_error e;
    assert_int_equal(via_btc_tx_parse(&back, longer, len + 1, &e), VIA_EFORMAT);
    assert_non_null(strstr(e.msg, "trailing"));
    free(longer);
    /* unknown segwit flag */
    raw[5] = 2;
    assert_int_equal(via_btc_tx_parse(&back, raw, len, &e), VIA_EFORMAT);
    assert_non_null(strstr(e.msg, "flag"));
    free(raw);
    /* huge input count does not allocate */
    uint8_t huge[] = {2, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0};
    assert_int_equal(via_btc_tx_parse(&back, huge, sizeof huge, &e), VIA_EFORMAT);
    /* non-canonical CompactSize */
    uint8_t noncanon[] = {2, 0, 0, 0, 0xfd, 0x01, 0x00};
    assert_int_equal(via_btc_tx_parse(&back, noncanon, sizeof noncanon, &e), VIA_EFORMAT);
    assert_non_null(strstr(e.msg, "non-canonical"));
    via_btc_tx_free(&tx);
    via_btc_tx_free(&back);
}

static void fill_msgs(via_msg *m, int *count) {
    int k = 0;
    memset(m, 0, 6 * sizeof *m);
    m[k].type = VIA_MSG_L1_BATCH_DA_REFERENCE;
    rnd_bytes(m[k].u.batch_da_ref.l1_batch_hash, 32);
    rnd_bytes(m[k].u.batch_da_ref.prev_l1_batch_hash, 32);
    m[k].u.batch_da_ref.l1_batch_index = 77;
    strcpy(m[k].u.batch_da_ref.da_identifier, "celestia");
    for (int i = 0; i < 80; i++) m[k].u.batch_da_ref.blob_id[i] = "0123456789abcdef"[rnd64() & 15];
    k++;
    m[k].type = VIA_MSG_PROOF_DA_REFERENCE; /* long blob id: split over pushes */
    rnd_bytes(m[k].u.proof_da_ref.l1_batch_reveal_txid, 32);
    strcpy(m[k].u.proof_da_ref.da_identifier, "celestia");
    for (int i = 0; i < 1200; i++) m[k].u.proof_da_ref.blob_id[i] = "0123456789abcdef"[rnd64() & 15];
    k++;
    m[k].type = VIA_MSG_VALIDATOR_ATTESTATION;
    rnd_bytes(m[k].u.attestation.reference_txid, 32);
    m[k].u.attestation.vote_ok = 1;
    k++;
    m[k].type = VIA_MSG_VALIDATOR_ATTESTATION;
    m[k].u.attestation.vote_ok = 0;
    k++;
    m[k].type = VIA_MSG_L1_TO_L2;
    rnd_bytes(m[k].u.l1_to_l2.receiver_l2_address, 20);
    m[k].u.l1_to_l2.call_data_len = 700;
    rnd_bytes(m[k].u.l1_to_l2.call_data, 700);
    k++;
    via_msg_bootstrap *b = &m[k].u.bootstrap;
    m[k].type = VIA_MSG_SYSTEM_BOOTSTRAPPING;
    b->start_block_height = 100;
    rnd_bytes(b->bootloader_hash, 32);
    strcpy(b->governance_address, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080");
    strcpy(b->sequencer_address, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080");
    strcpy(b->bridge_address, "bcrt1p77w3g9y7e49mwjfpsevsd28y7yengwdfrwtxzrtje2n5jhw0ydmq8auxsx");
    b->n_verifiers = 2;
    strcpy(b->verifier_addresses[0], "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080");
    strcpy(b->verifier_addresses[1], "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080");
    k++;
    *count = k;
}

static void test_envelope(void **state) {
    (void)state;
    via_msg *m = calloc(6, sizeof *m), *back = calloc(1, sizeof *back);
    int n;
    fill_msgs(m, &n);
    uint8_t key[32], key2[32];
    rnd_bytes(key, 32);
    for (int i = 0; i < n; i++) {
        uint8_t *s;
        size_t sl;
        via_error e;
        int rc = via_msg_envelope_script(&s, &sl, key, &m[i], VIA_BTC_REGTEST, &e);
        if (rc) fail_msg("encode %d: %s", i, e.msg);
        assert_int_equal(s[0], 0x20);
        assert_int_equal(s[sl - 1], 0x68);
        assert_int_equal(via_msg_envelope_parse(back, key2, s, sl, VIA_BTC_REGTEST, &e), 0);
        assert_memory_equal(back, &m[i], sizeof *back);
        assert_memory_equal(key, key2, 32);
        /* the same message checked against mainnet: bootstrap addresses are refused */
        rc = via_msg_envelope_parse(back, NULL, s, sl, VIA_BTC_MAINNET, &e);
        assert_int_equal(rc, m[i].type == VIA_MSG_SYSTEM_BOOTSTRAPPING ? VIA_EFORMAT : 0);
        /* every truncation is rejected without crashing; never mistaken for valid */
        for (size_t cut = 0; cut < sl; cut++) {
            rc = via_msg_envelope_parse(back, NULL, s, cut, VIA_BTC_REGTEST, &e);
            assert_int_not_equal(rc, VIA_OK);
        }
        free(s);
    }
    /* malformed: wrong hash length in a DA reference */
    uint8_t *s;
    size_t sl;
    assert_int_equal(via_msg_envelope_script(&s, &sl, key, &m[0], VIA_BTC_REGTEST, NULL), 0);
    /* pushes: key(33) checksig(1) 0(1) if(1) tag(25) type(26) hash(33) -> shrink the hash push */
    size_t hash_at = 33 + 3 + 25 + 26;
    assert_int_equal(s[hash_at], 32);
    s[hash_at] = 31;
    via_error e;
    assert_int_equal(via_msg_envelope_parse(back, NULL, s, sl, VIA_BTC_REGTEST, &e), VIA_EFORMAT);
    s[hash_at] = 32;
    /* unknown message type */
    s[33 + 3 + 25 + 1] ^= 0x20;
    assert_int_equal(via_msg_envelope_parse(back, NULL, s, sl, VIA_BTC_REGTEST, &e), VIA_EFORMAT);
    assert_non_null(strstr(e.msg, "unsupported message type"));
    free(s);
    /* a foreign (ordinals-style) envelope is not ours */
    uint8_t ord[] = {0x20, 1,  2, 3,  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                     19,   20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 0xac, 0x00, 0x63,
                     0x03, 'o', 'r', 'd', 0x51, 0x00, 0x68};
    assert_int_equal(via_msg_envelope_parse(back, NULL, ord, sizeof ord, VIA_BTC_REGTEST, &e),
                     VIA_ENOTFOUND);
    free(m);
    free(back);
}

static void test_deposit(void **state) {
    (void)state;
    uint8_t r[20], out[20];
    rnd_bytes(r, 20);
    r[0] |= 1;
    uint8_t s[24];
    size_t sl;
    assert_int_equal(via_btc_script_op_return(s, &sl, r, 20), 0);
    assert_int_equal(sl, 22);
    assert_int_equal(via_deposit_op_return_parse(out, s, sl, NULL), 0);
    assert_memory_equal(out, r, 20);
    assert_int_equal(via_deposit_op_return_parse(out, s, 21, NULL), VIA_EFORMAT);
    uint8_t wi[] = {0x6a, 0x07, 'V', 'I', 'A', '_', 'W', 'I', 0};
    assert_int_equal(via_deposit_op_return_parse(out, wi, sizeof wi, NULL), VIA_ENOTFOUND);
    /* a whole deposit transaction */
    via_btc_tx tx = sample_tx();
    uint8_t bridge[34] = {0x51, 0x20};
    rnd_bytes(bridge + 2, 32);
    assert_int_equal(via_btc_tx_add_output(&tx, 50000, bridge, 34), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, 0, s, sl), 0);
    via_deposit d;
    via_error e;
    /* sample_tx's "OP_RETURN 07" output is not a 20-byte receiver: EFORMAT names it */
    assert_int_equal(via_deposit_find(&d, &tx, bridge, 34, VIA_BTC_REGTEST, &e), VIA_EFORMAT);
    via_btc_tx_free(&tx);
    via_btc_tx_init(&tx);
    uint8_t txid[32] = {1};
    assert_int_equal(via_btc_tx_add_input(&tx, txid, 0, 0), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, 50000, bridge, 34), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, 0, s, sl), 0);
    assert_int_equal(via_deposit_find(&d, &tx, bridge, 34, VIA_BTC_REGTEST, &e), 0);
    assert_int_equal(d.amount, 50000);
    assert_int_equal(d.bridge_vout, 0);
    assert_memory_equal(d.receiver, r, 20);
    tx.out[0].value = 100;
    assert_int_equal(via_deposit_find(&d, &tx, bridge, 34, VIA_BTC_REGTEST, &e), VIA_EINVAL);
    via_btc_tx_free(&tx);
}

static void test_inscription(void **state) {
    (void)state;
    uint8_t sk[32], pub[33], xonly[32];
    rnd_key(sk);
    assert_int_equal(via_btc_pubkey_from_seckey(pub, sk), 0);
    assert_int_equal(via_btc_xonly_from_seckey(xonly, NULL, sk), 0);
    via_msg *m = calloc(6, sizeof *m);
    int n;
    fill_msgs(m, &n);
    via_btc_utxo u[2];
    rnd_bytes(u[0].txid, 32);
    rnd_bytes(u[1].txid, 32);
    u[0].vout = 1;
    u[1].vout = 0;
    u[0].value = 40000;
    u[1].value = 25000;
    via_inscription ins;
    via_error e;
    int rc = via_inscription_build(&ins, sk, &m[0], VIA_BTC_REGTEST, u, 2, 3, NULL, &e);
    if (rc) fail_msg("build: %s", e.msg);
    /* commit inputs: P2WPKH ECDSA signatures over our BIP-143 digests */
    uint8_t code[25], h[32];
    via_btc_p2wpkh_script_code(code, pub);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(via_btc_sighash_v0(h, &ins.commit, i, code, 25, u[i].value, 1, NULL), 0);
        via_btc_bytes *w = ins.commit.in[i].witness;
        assert_int_equal(ins.commit.in[i].n_witness, 2);
        assert_int_equal(w[0].data[w[0].len - 1], 1);
        assert_int_equal(via_btc_ecdsa_verify(w[0].data, w[0].len - 1, h, pub), 0);
        assert_memory_equal(w[1].data, pub, 33);
    }
    uint64_t out_sum = ins.commit.out[0].value + ins.commit.out[1].value;
    assert_int_equal(65000 - out_sum, ins.commit_fee);
    assert_true(ins.commit_fee >= 3 * via_btc_tx_vsize(&ins.commit));
    assert_int_equal(ins.commit.out[1].value, VIA_INSCRIPTION_COMMIT_VALUE);
    /* reveal: script path commits to the commit output; Schnorr sig verifies */
    via_btc_tx *rv = &ins.reveal;
    assert_int_equal(rv->n_in, 2);
    via_btc_bytes *w = rv->in[1].witness;
    assert_int_equal(rv->in[1].n_witness, 3);
    assert_int_equal(w[0].len, 65);
    assert_int_equal(w[0].data[64], 1);
    assert_int_equal(via_btc_taproot_verify_commitment(ins.commit.out[1].script_pubkey.data + 2, w[1].data,
                                                       w[1].len, w[2].data, w[2].len, &e),
                     0);
    uint8_t leaf[32];
    via_btc_tapleaf_hash(leaf, 0xc0, w[1].data, w[1].len);
    via_btc_taproot_ext ext = {NULL, 0, leaf, 0xffffffffu};
    via_btc_txout spent[2] = {ins.commit.out[0], ins.commit.out[1]};
    assert_int_equal(via_btc_sighash_taproot(h, rv, 1, spent, 2, 1, &ext, NULL), 0);
    assert_int_equal(via_btc_schnorr_verify(w[0].data, h, 32, xonly), 0);
    assert_true(ins.reveal_fee >= 3 * via_btc_tx_vsize(rv));
    uint8_t ctxid[32];
    via_btc_tx_txid(ctxid, &ins.commit);
    assert_memory_equal(rv->in[0].prev_txid, ctxid, 32);
    /* the reveal carries the message and a sender */
    via_tx_message found[2];
    size_t nf;
    assert_int_equal(via_tx_find_messages(found, 2, &nf, rv, VIA_BTC_REGTEST, &e), 0);
    assert_int_equal(nf, 1);
    assert_int_equal(found[0].input, 1);
    assert_memory_equal(&found[0].msg, &m[0], sizeof m[0]);
    uint8_t sender[33];
    assert_int_equal(via_tx_sender_pubkey(sender, rv), 0);
    assert_memory_equal(sender, pub, 33);
    /* round trip through bytes */
    uint8_t *raw;
    size_t len;
    via_btc_tx back;
    via_btc_tx_init(&back);
    assert_int_equal(via_btc_tx_serialize(&raw, &len, rv, 1), 0);
    assert_int_equal(via_btc_tx_parse(&back, raw, len, NULL), 0);
    free(raw);
    via_btc_tx_free(&back);
    via_inscription_free(&ins);
    /* too little money */
    u[0].value = 500;
    assert_int_equal(via_inscription_build(&ins, sk, &m[0], VIA_BTC_REGTEST, u, 1, 3, NULL, &e),
                     VIA_EINVAL);
    free(m);
}

static void test_keys(void **state) {
    (void)state;
    uint8_t sk[32], back[32];
    rnd_key(sk);
    char wif[60], hexs[65];
    assert_int_equal(via_btc_seckey_to_wif(wif, sizeof wif, sk, VIA_BTC_REGTEST), 0);
    via_btc_network net = VIA_BTC_MAINNET;
    assert_int_equal(via_btc_seckey_parse(back, &net, wif, NULL), 0);
    assert_memory_equal(back, sk, 32);
    assert_int_equal(net, VIA_BTC_TESTNET);
    /* known WIF of key 1 (mainnet, compressed) */
    uint8_t one[32] = {[31] = 1};
    assert_int_equal(via_btc_seckey_to_wif(wif, sizeof wif, one, VIA_BTC_MAINNET), 0);
    assert_string_equal(wif, "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn");
    via_hex_encode(hexs, sk, 32);
    char path[] = "/tmp/via_btc_keyXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "  %s\n", hexs);
    fclose(f);
    via_error e;
    assert_int_equal(via_btc_seckey_load_file(back, NULL, path, &e), 0);
    assert_memory_equal(back, sk, 32);
    f = fopen(path, "w");
    fprintf(f, "%s", "nothex-nothex-nothex-nothex-nothex-nothex-nothex-nothex-nothex!!");
    fclose(f);
    assert_int_equal(via_btc_seckey_load_file(back, NULL, path, &e), VIA_EFORMAT);
    assert_non_null(strstr(e.msg, path));
    remove(path);
    assert_int_equal(via_btc_seckey_load_file(back, NULL, path, &e), VIA_EIO);
    wif[10] ^= 1;
    assert_int_not_equal(via_btc_seckey_parse(back, NULL, wif, &e), 0);
    char zero[65];
    memset(zero, '0', 64);
    zero[64] = 0;
    assert_int_equal(via_btc_seckey_parse(back, NULL, zero, &e), VIA_EINVAL);
}

static void test_musig_session(void **state) {
    (void)state;
    enum { N = 4 };
    uint8_t sk[N][32], pk[N][33], pub[N][66], agg[66], psig[N][32], sig[64], q[32], msg[32];
    via_musig_secnonce *sn[N];
    via_musig_keyagg ctx;
    for (int i = 0; i < N; i++) {
        rnd_key(sk[i]);
        assert_int_equal(via_btc_pubkey_from_seckey(pk[i], sk[i]), 0);
    }
    rnd_bytes(msg, 32);
    assert_int_equal(via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])pk, N, NULL), 0);
    /* taproot tweak as the bridge uses it (BIP-86: no script tree) */
    uint8_t internal[32], tw[32], outkey[32];
    via_musig_keyagg_xonly(internal, &ctx);
    via_btc_tagged_hash(tw, "TapTweak", internal, 32);
    assert_int_equal(via_musig_keyagg_tweak(&ctx, tw, 1, NULL), 0);
    via_musig_keyagg_xonly(q, &ctx);
    assert_int_equal(via_btc_taproot_output_key(outkey, NULL, internal, NULL, NULL), 0);
    assert_memory_equal(q, outkey, 32);
    for (int i = 0; i < N; i++)
        assert_int_equal(via_musig_nonce_gen(&sn[i], pub[i], sk[i], pk[i], q, msg, 32, 1, NULL, 0, NULL), 0);
    assert_int_equal(via_musig_nonce_agg(agg, (const uint8_t(*)[66])pub, N, NULL, NULL), 0);
    via_musig_session s;
    assert_int_equal(via_musig_session_init(&s, &ctx, agg, msg, 32, NULL), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(via_musig_partial_sign(psig[i], sn[i], sk[i], &s, NULL), 0);
        assert_int_equal(via_musig_partial_verify(psig[i], pub[i], pk[i], &s, NULL), 0);
        uint8_t again[32];
        assert_int_equal(via_musig_partial_sign(again, sn[i], sk[i], &s, NULL), VIA_ENONCE_USED);
        uint8_t bytes[97];
        assert_int_equal(via_musig_secnonce_peek(sn[i], bytes), 0); /* consumed */
        for (int k = 0; k < 64; k++)
            assert_int_equal(bytes[k], 0); /* scalars wiped */
        via_musig_secnonce_free(sn[i]);
    }
    assert_int_equal(via_musig_partial_agg(sig, (const uint8_t(*)[32])psig, N, &s, NULL, NULL), 0);
    assert_int_equal(via_btc_schnorr_verify(sig, msg, 32, q), 0);
    psig[1][31] ^= 1;
    assert_int_not_equal(via_musig_partial_verify(psig[1], pub[1], pk[1], &s, NULL), 0);
    assert_int_equal(via_musig_partial_agg(sig, (const uint8_t(*)[32])psig, N, &s, NULL, NULL), 0);
    assert_int_not_equal(via_btc_schnorr_verify(sig, msg, 32, q), 0);
}

int main(void) {
    const char *s = getenv("VIA_SEED");
    rng_state = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
    if (!rng_state) rng_state = 1;
    printf("test_tx seed: VIA_SEED=%llu\n", (unsigned long long)rng_state);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_roundtrip), cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_deposit),      cmocka_unit_test(test_inscription),
        cmocka_unit_test(test_keys),         cmocka_unit_test(test_musig_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
