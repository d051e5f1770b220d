/* The JSON-RPC client against a regtest node (bitcoind or the stand-in): every typed call, and
 * the node's acceptance rules for P2WPKH and P2TR spends signed with via_bitcoin. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "node.h"

static via_rpc *rpc;

static int setup(void **state) {
    rpc = node_rpc();
    return 0;
}
static int teardown(void **state) {
    via_rpc_free(rpc);
    return 0;
}

static void test_chain_queries(void **state) {
    via_error err = {0};
    via_rpc_chain_info info;
    int64_t h0, h1;
    assert_int_equal(via_rpc_getblockchaininfo(rpc, &err, &info), 0);
    assert_string_equal(info.chain, "regtest");
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &h0), 0);
    assert_int_equal(h0, info.blocks);
    node_mine(rpc, 3);
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &h1), 0);
    assert_int_equal(h1, h0 + 3);
    char hash[65], prev[65];
    assert_int_equal(via_rpc_getblockhash(rpc, &err, hash, h1), 0);
    assert_int_equal(via_rpc_getblockhash(rpc, &err, prev, h1 - 1), 0);
    assert_int_equal(via_rpc_getblockchaininfo(rpc, &err, &info), 0);
    assert_string_equal(info.bestblockhash, hash);
    json_t *block = NULL;
    assert_int_equal(via_rpc_getblock(rpc, &err, &block, hash), 0);
    assert_string_equal(json_string_value(json_object_get(block, "hash")), hash);
    assert_string_equal(json_string_value(json_object_get(block, "previousblockhash")), prev);
    assert_int_equal(json_integer_value(json_object_get(block, "height")), h1);
    assert_true(json_array_size(json_object_get(block, "tx")) >= 1);
    json_decref(block);

    /* An RPC error is surfaced with the node's code and message, and not retried. */
    via_rpc_stats before, after;
    via_rpc_get_stats(rpc, &before);
    assert_int_equal(via_rpc_getblockhash(rpc, &err, hash, h1 + 1000), VIA_ERPC);
    assert_int_equal(err.rpc_code, -8);
    assert_non_null(strstr(err.msg, "out of range"));
    via_rpc_get_stats(rpc, &after);
    assert_int_equal(after.attempts, before.attempts + 1);
    assert_int_equal(after.retries, before.retries);
    /* Unknown method: -32601. */
    json_t *res = NULL;
    assert_int_equal(via_rpc_call(rpc, &err, &res, "nosuchmethod", NULL), VIA_ERPC);
    assert_int_equal(err.rpc_code, -32601);
    assert_null(res);
    /* Bad arguments are refused before any request. */
    assert_int_equal(via_rpc_getblock(rpc, &err, &block, "zz"), VIA_EINVAL);
    assert_null(block);
}

static void test_estimatesmartfee(void **state) {
    via_error err = {0};
    uint64_t fee = 0;
    int blocks = 0;
    int rc = via_rpc_estimatesmartfee(rpc, &err, &fee, &blocks, 6);
    if (node_is_standin()) {
        assert_int_equal(rc, 0);
        assert_int_equal(fee, 2000);
        assert_int_equal(blocks, 6);
        json_decref(node_call(rpc, "standin_setfee", json_pack("[i]", 0)));
        assert_int_equal(via_rpc_estimatesmartfee(rpc, &err, &fee, &blocks, 6), VIA_ERPC);
        assert_non_null(strstr(err.msg, "Insufficient data"));
        assert_int_equal(fee, 0);
        json_decref(node_call(rpc, "standin_setfee", json_pack("[i]", 2000)));
    } else {
        /* A fresh regtest node has seen no transactions, so it has no fee data: Bitcoin Core
         * answers with an "errors" list, which the client reports as ERPC. */
        assert_int_equal(rc, VIA_ERPC);
        assert_non_null(strstr(err.msg, "Insufficient data"));
        assert_int_equal(fee, 0);
    }
    assert_int_equal(via_rpc_estimatesmartfee(rpc, &err, &fee, &blocks, 0), VIA_EINVAL);
}

/* Builds a one-input spend of utxo (P2WPKH of key) to script. */
static void build_spend(via_btc_tx *tx, const via_btc_utxo *u, const uint8_t *script, size_t len,
                        uint64_t value) {
    via_btc_tx_init(tx);
    assert_int_equal(via_btc_tx_add_input(tx, u->txid, u->vout, 0xfffffffdu), 0);
    assert_int_equal(via_btc_tx_add_output(tx, value, script, len), 0);
}

static void send_ok(const via_btc_tx *tx, char txid[65]) {
    uint8_t *raw;
    size_t len;
    via_error err = {0};
    assert_int_equal(via_btc_tx_serialize(&raw, &len, tx, 1), 0);
    via_rpc_mempool_accept acc;
    assert_int_equal(via_rpc_testmempoolaccept(rpc, &err, &acc, raw, len), 0);
    if (!acc.allowed) fail_msg("testmempoolaccept refused: %s", acc.reject_reason);
    assert_int_equal(via_rpc_sendrawtransaction(rpc, &err, txid, raw, len), 0);
    uint8_t id[32];
    char want[65];
    via_btc_tx_txid(id, tx);
    via_btc_txid_to_hex(want, id);
    assert_string_equal(txid, want);
    assert_string_equal(acc.txid, want);
    free(raw);
}

static void test_p2wpkh_spend_cycle(void **state) {
    via_error err = {0};
    via_error be;
    uint8_t key[32], pub[33], script[22];
    char addr[VIA_BTC_ADDRESS_MAX];
    node_test_key(key, 1);
    node_p2wpkh_address(addr, key);
    assert_int_equal(via_btc_pubkey_from_seckey(pub, key), 0);
    via_btc_script_p2wpkh(script, pub);
    via_btc_utxo u;
    node_fund(rpc, addr, 100000, &u);
    char utxid[65];
    via_btc_txid_to_hex(utxid, u.txid);

    /* gettxout on the confirmed coin. */
    via_rpc_txout to;
    assert_int_equal(via_rpc_gettxout(rpc, &err, &to, utxid, 0, 1), 0);
    assert_true(to.found);
    assert_int_equal(to.value_sat, u.value);
    assert_memory_equal(to.script_pubkey, script, 22);
    assert_true(to.confirmations >= 1);

    /* scantxoutset finds it by address. */
    char desc[120];
    snprintf(desc, sizeof desc, "addr(%s)", addr);
    const char *descs[1] = {desc};
    via_rpc_utxo *us = NULL;
    size_t n = 0;
    assert_int_equal(via_rpc_scantxoutset(rpc, &err, &us, &n, descs, 1), 0);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        seen |= !strcmp(us[i].txid, utxid) && us[i].vout == 0;
    assert_true(seen);
    free(us);

    /* A signed spend is accepted; a tampered one is refused with a reason. */
    via_btc_tx tx;
    build_spend(&tx, &u, script, 22, u.value - 1000);
    assert_int_equal(via_btc_sign_p2wpkh(&tx, 0, u.value, key, &be), 0);
    uint8_t *raw;
    size_t len;
    via_btc_tx bad;
    via_btc_tx_init(&bad);
    assert_int_equal(via_btc_tx_copy(&bad, &tx), 0);
    bad.out[0].value -= 1; /* the signature no longer covers the outputs */
    assert_int_equal(via_btc_tx_serialize(&raw, &len, &bad, 1), 0);
    via_rpc_mempool_accept acc;
    assert_int_equal(via_rpc_testmempoolaccept(rpc, &err, &acc, raw, len), 0);
    assert_false(acc.allowed);
    assert_true(strlen(acc.reject_reason) > 0);
    char txid[65];
    assert_int_equal(via_rpc_sendrawtransaction(rpc, &err, txid, raw, len), VIA_ERPC);
    assert_int_equal(err.rpc_code, -26);
    free(raw);
    via_btc_tx_free(&bad);

    send_ok(&tx, txid);
    json_t *pool = NULL;
    assert_int_equal(via_rpc_getrawmempool(rpc, &err, &pool), 0);
    seen = 0;
    for (size_t i = 0; i < json_array_size(pool); i++)
        seen |= !strcmp(json_string_value(json_array_get(pool, i)), txid);
    assert_true(seen);
    json_decref(pool);
    /* The mempool spends the coin now; the new output is visible with include_mempool. */
    assert_int_equal(via_rpc_gettxout(rpc, &err, &to, utxid, 0, 1), 0);
    assert_false(to.found);
    assert_int_equal(via_rpc_gettxout(rpc, &err, &to, txid, 0, 1), 0);
    assert_true(to.found);
    assert_int_equal(to.confirmations, 0);
    /* A conflicting spend that pays less than the one in the mempool is refused (-26,
     * "insufficient fee"); one that pays more replaces it (full RBF, Bitcoin Core's default):
     * the first leaves the mempool and the replacement is what gets mined. */
    via_btc_tx low;
    build_spend(&low, &u, script, 22, u.value - 500);
    assert_int_equal(via_btc_sign_p2wpkh(&low, 0, u.value, key, &be), 0);
    assert_int_equal(via_btc_tx_serialize(&raw, &len, &low, 1), 0);
    char txid_low[65];
    assert_int_equal(via_rpc_sendrawtransaction(rpc, &err, txid_low, raw, len), VIA_ERPC);
    assert_int_equal(err.rpc_code, -26);
    assert_non_null(strstr(err.msg, "insufficient fee"));
    free(raw);
    via_btc_tx_free(&low);

    via_btc_tx dbl;
    build_spend(&dbl, &u, script, 22, u.value - 2000);
    assert_int_equal(via_btc_sign_p2wpkh(&dbl, 0, u.value, key, &be), 0);
    char txid2[65];
    send_ok(&dbl, txid2);
    assert_string_not_equal(txid2, txid);
    assert_int_equal(via_rpc_getrawmempool(rpc, &err, &pool), 0);
    int seen_old = 0, seen_new = 0;
    for (size_t i = 0; i < json_array_size(pool); i++) {
        seen_old |= !strcmp(json_string_value(json_array_get(pool, i)), txid);
        seen_new |= !strcmp(json_string_value(json_array_get(pool, i)), txid2);
    }
    assert_false(seen_old);
    assert_true(seen_new);
    json_decref(pool);

    /* getrawtransaction returns the replacement's bytes. */
    uint8_t *got;
    size_t got_len;
    assert_int_equal(via_rpc_getrawtransaction(rpc, &err, &got, &got_len, txid2), 0);
    assert_int_equal(via_btc_tx_serialize(&raw, &len, &dbl, 1), 0);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, raw, len);
    free(got);
    free(raw);
    node_mine(rpc, 1);
    json_t *v = NULL;
    assert_int_equal(via_rpc_getrawtransaction_verbose(rpc, &err, &v, txid2), 0);
    assert_string_equal(json_string_value(json_object_get(v, "txid")), txid2);
    assert_int_equal(json_integer_value(json_object_get(v, "confirmations")), 1);
    json_decref(v);
    assert_int_equal(via_rpc_gettxout(rpc, &err, &to, txid2, 0, 0), 0);
    assert_true(to.found);
    assert_int_equal(to.confirmations, 1);
    assert_int_equal(to.value_sat, u.value - 2000);
    /* the replaced transaction never confirms */
    assert_int_equal(via_rpc_gettxout(rpc, &err, &to, txid, 0, 0), 0);
    assert_false(to.found);
    via_btc_tx_free(&dbl);
    via_btc_tx_free(&tx);
}

static void test_p2tr_keypath(void **state) {
    via_error err = {0};
    via_error be;
    uint8_t key[32], xonly[32], outkey[32], script[34];
    int parity;
    node_test_key(key, 2);
    assert_int_equal(via_btc_xonly_from_seckey(xonly, &parity, key), 0);
    assert_int_equal(via_btc_taproot_output_key(outkey, &parity, xonly, NULL, &be), 0);
    via_btc_script_p2tr(script, outkey);
    char addr[VIA_BTC_ADDRESS_MAX];
    assert_int_equal(via_btc_script_to_address(addr, VIA_BTC_REGTEST, script, 34, &be), 0);
    via_btc_utxo u;
    node_fund(rpc, addr, 50000, &u);
    via_btc_tx tx;
    build_spend(&tx, &u, script, 34, u.value - 500);
    via_btc_txout spent = {u.value, {script, 34}};
    /* Signed with the wrong key: refused. */
    uint8_t other[32];
    node_test_key(other, 3);
    assert_int_equal(via_btc_sign_taproot_keypath(&tx, 0, &spent, 1, other, NULL,
                                                  VIA_BTC_SIGHASH_DEFAULT, NULL, &be),
                     0);
    uint8_t *raw;
    size_t len;
    assert_int_equal(via_btc_tx_serialize(&raw, &len, &tx, 1), 0);
    via_rpc_mempool_accept acc;
    assert_int_equal(via_rpc_testmempoolaccept(rpc, &err, &acc, raw, len), 0);
    assert_false(acc.allowed);
    free(raw);
    assert_int_equal(
        via_btc_sign_taproot_keypath(&tx, 0, &spent, 1, key, NULL, VIA_BTC_SIGHASH_ALL, NULL, &be),
        0);
    char txid[65];
    send_ok(&tx, txid);
    node_mine(rpc, 1);
    via_btc_tx_free(&tx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_queries),
        cmocka_unit_test(test_estimatesmartfee),
        cmocka_unit_test(test_p2wpkh_spend_cycle),
        cmocka_unit_test(test_p2tr_keypath),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
