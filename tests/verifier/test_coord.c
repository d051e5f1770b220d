/* The payout transaction and its checks (via/coord.h): built deterministically (withdrawal
 * outputs, the VIAW OP_RETURN, change to the bridge, fee = rate x vsize), refused when the
 * inputs do not cover it; a proposal compared with the signer's rebuild names a wrong amount,
 * a wrong address, another fee and other inputs; three MuSig2 signers sign every input's
 * BIP-341 digest and the aggregate signatures verify under the bridge's output key; the
 * request digest binds method, path, timestamp, index and body; the body parser refuses what
 * is not {"session", "values"}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "via/coord.h"

static void spec_of(via_payout_spec *s) {
    memset(s, 0, sizeof *s);
    s->nw = 2;
    for (size_t i = 0; i < 2; i++) {
        s->w[i].batch = 3 + i;
        s->w[i].index = (uint32_t)(7 * i);
        s->w[i].dest[0] = 0x00;
        s->w[i].dest[1] = 0x14;
        memset(s->w[i].dest + 2, (int)(0x40 + i), 20);
        s->w[i].dest_len = 22;
        s->w[i].amount = 40000 + 1000 * i;
    }
    s->nin = 2;
    for (size_t i = 0; i < 2; i++) {
        memset(s->in[i].txid, (int)(0x11 * (i + 1)), 32);
        s->in[i].vout = (uint32_t)i;
        s->in[i].value = 60000;
    }
    s->bridge[0] = 0x51;
    s->bridge[1] = 0x20;
    memset(s->bridge + 2, 0x33, 32);
    s->fee_rate = 3;
}

static void test_build_compare(void **state) {
    (void)state;
    via_payout_spec s;
    spec_of(&s);
    via_btc_tx a, b;
    uint64_t fee, fee2;
    via_error err = {0};
    assert_int_equal(via_payout_build(&a, &fee, &s, &err), VIA_OK);
    assert_int_equal(a.n_out, 4); /* 2 withdrawals, OP_RETURN, change */
    assert_int_equal(a.out[0].value, 40000);
    assert_int_equal(a.out[2].script_pubkey.data[0], 0x6a);
    assert_memory_equal(a.out[2].script_pubkey.data + 2, "VIAW", 4);
    assert_int_equal(a.out[3].value + 40000 + 41000 + fee, 120000);
    assert_true(fee >= 3 * 200 && fee < 3 * 600);
    /* deterministic */
    assert_int_equal(via_payout_build(&b, &fee2, &s, &err), VIA_OK);
    uint8_t *ra, *rb;
    size_t la, lb;
    assert_int_equal(via_btc_tx_serialize(&ra, &la, &a, 0), 0);
    assert_int_equal(via_btc_tx_serialize(&rb, &lb, &b, 0), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(ra, rb, la);
    assert_int_equal(via_payout_compare(ra, la, &b, &err), VIA_OK);
    via_btc_tx_free(&b);
    free(rb);
    /* a wrong amount, a wrong address, another fee, other inputs */
    via_payout_spec t = s;
    t.w[1].amount += 1;
    assert_int_equal(via_payout_build(&b, NULL, &t, &err), VIA_OK);
    assert_int_equal(via_btc_tx_serialize(&rb, &lb, &b, 0), 0);
    assert_int_equal(via_payout_compare(rb, lb, &a, &err), VIA_EVERIFY);
    assert_non_null(strstr(err.msg, "another amount"));
    via_btc_tx_free(&b);
    free(rb);
    t = s;
    t.w[0].dest[5] ^= 1;
    assert_int_equal(via_payout_build(&b, NULL, &t, &err), VIA_OK);
    assert_int_equal(via_btc_tx_serialize(&rb, &lb, &b, 0), 0);
    assert_int_equal(via_payout_compare(rb, lb, &a, &err), VIA_EVERIFY);
    assert_non_null(strstr(err.msg, "another address"));
    via_btc_tx_free(&b);
    free(rb);
    t = s;
    t.fee_rate = 40;
    assert_int_equal(via_payout_build(&b, NULL, &t, &err), VIA_OK);
    assert_int_equal(via_btc_tx_serialize(&rb, &lb, &b, 0), 0);
    assert_int_equal(via_payout_compare(rb, lb, &a, &err), VIA_EVERIFY);
    assert_non_null(strstr(err.msg, "fee"));
    via_btc_tx_free(&b);
    free(rb);
    t = s;
    t.in[1].vout = 5;
    assert_int_equal(via_payout_build(&b, NULL, &t, &err), VIA_OK);
    assert_int_equal(via_btc_tx_serialize(&rb, &lb, &b, 0), 0);
    assert_int_equal(via_payout_compare(rb, lb, &a, &err), VIA_EVERIFY);
    via_btc_tx_free(&b);
    free(rb);
    /* not covered */
    t = s;
    t.w[0].amount = 100000;
    assert_int_equal(via_payout_build(&b, NULL, &t, &err), VIA_EINVAL);
    via_btc_tx_free(&a);
    free(ra);
}

static void test_musig(void **state) {
    (void)state;
    uint8_t sk[3][32], pk[3][33];
    for (int i = 0; i < 3; i++) {
        memset(sk[i], i + 7, 32);
        assert_int_equal(via_btc_pubkey_from_seckey(pk[i], sk[i]), 0);
    }
    via_error err = {0};
    via_musig_keyagg ctx;
    uint8_t internal[32], tweak[32], out_key[32];
    assert_int_equal(via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])pk, 3, &err), 0);
    via_musig_keyagg_xonly(internal, &ctx);
    via_btc_tagged_hash(tweak, "TapTweak", internal, 32);
    assert_int_equal(via_musig_keyagg_tweak(&ctx, tweak, 1, &err), 0);
    via_musig_keyagg_xonly(out_key, &ctx);
    via_payout_spec s;
    spec_of(&s);
    via_btc_script_p2tr(s.bridge, out_key);
    via_btc_tx tx;
    assert_int_equal(via_payout_build(&tx, NULL, &s, &err), 0);
    uint8_t msgs[2][32];
    assert_int_equal(via_payout_sighashes(msgs, &tx, &s, &err), 0);
    for (size_t in = 0; in < 2; in++) {
        via_musig_secnonce *sec[3];
        uint8_t pn[3][66], agg[66], ps[3][32], sig[64];
        for (int i = 0; i < 3; i++)
            assert_int_equal(via_musig_nonce_gen(&sec[i], pn[i], sk[i], pk[i], out_key, msgs[in],
                                                 32, 1, NULL, 0, &err),
                             0);
        assert_int_equal(via_musig_nonce_agg(agg, (const uint8_t(*)[66])pn, 3, NULL, &err), 0);
        via_musig_session ms;
        assert_int_equal(via_musig_session_init(&ms, &ctx, agg, msgs[in], 32, &err), 0);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(via_musig_partial_sign(ps[i], sec[i], sk[i], &ms, &err), 0);
            assert_int_equal(via_musig_partial_verify(ps[i], pn[i], pk[i], &ms, &err), 0);
            /* a secret nonce signs once */
            uint8_t again[32];
            assert_int_not_equal(via_musig_partial_sign(again, sec[i], sk[i], &ms, &err), 0);
            via_musig_secnonce_free(sec[i]);
        }
        assert_int_equal(via_musig_partial_agg(sig, (const uint8_t(*)[32])ps, 3, &ms, NULL, &err),
                         0);
        assert_int_equal(via_btc_schnorr_verify(sig, msgs[in], 32, out_key), VIA_OK);
    }
    via_btc_tx_free(&tx);
}

static void test_auth_and_parse(void **state) {
    (void)state;
    uint8_t a[32], b[32];
    via_coord_auth_digest(a, "POST", "/session/nonce", 100, 1, (const uint8_t *)"{}", 2);
    via_coord_auth_digest(b, "POST", "/session/nonce", 100, 1, (const uint8_t *)"{}", 2);
    assert_memory_equal(a, b, 32);
    via_coord_auth_digest(b, "POST", "/session/nonce", 101, 1, (const uint8_t *)"{}", 2);
    assert_memory_not_equal(a, b, 32);
    via_coord_auth_digest(b, "POST", "/session/nonce", 100, 2, (const uint8_t *)"{}", 2);
    assert_memory_not_equal(a, b, 32);
    via_coord_auth_digest(b, "POST", "/session/signature", 100, 1, (const uint8_t *)"{}", 2);
    assert_memory_not_equal(a, b, 32);
    via_coord_auth_digest(b, "POST", "/session/nonce", 100, 1, (const uint8_t *)"{ }", 3);
    assert_memory_not_equal(a, b, 32);
    uint8_t v[2 * 32];
    uint64_t sid;
    via_error err = {0};
    const char *good = "{\"session\":4,\"values\":[\""
                       "0101010101010101010101010101010101010101010101010101010101010101"
                       "\",\""
                       "0202020202020202020202020202020202020202020202020202020202020202"
                       "\"]}";
    assert_int_equal(via_coord_parse_values(&sid, v, 2, 32, good, strlen(good), &err), VIA_OK);
    assert_int_equal(sid, 4);
    assert_int_equal(v[32], 2);
    const char *bad[] = {"",
                         "[]",
                         "{\"session\":0,\"values\":[]}",
                         "{\"session\":1,\"values\":[\"01\"]}",
                         "{\"session\":1,\"values\":[],\"x\":1}",
                         "{\"session\":\"1\",\"values\":[]}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(via_coord_parse_values(&sid, v, 1, 32, bad[i], strlen(bad[i]), &err),
                         VIA_EFORMAT);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_build_compare),
                                       cmocka_unit_test(test_musig),
                                       cmocka_unit_test(test_auth_and_parse)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
