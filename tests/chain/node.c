/* See node.h. */
#include "node.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

via_rpc *node_rpc(void) {
    const char *url = getenv("VIA_TEST_RPC_URL");
    if (!url) fail_msg("VIA_TEST_RPC_URL is not set: run this test through with_node.sh");
    via_rpc_config cfg = {0};
    cfg.url = url;
    cfg.user = getenv("VIA_TEST_RPC_USER");
    cfg.password = getenv("VIA_TEST_RPC_PASS");
    cfg.timeout_ms = 60000;
    via_rpc *rpc = NULL;
    via_error err = {0};
    if (via_rpc_new(&rpc, &err, &cfg)) fail_msg("via_rpc_new: %s", err.msg);
    return rpc;
}

int node_is_standin(void) {
    const char *n = getenv("VIA_TEST_NODE");
    return n && !strcmp(n, "standin");
}

json_t *node_call(via_rpc *rpc, const char *method, json_t *params) {
    json_t *res = NULL;
    via_error err = {0};
    if (via_rpc_call(rpc, &err, &res, method, params)) fail_msg("%s: %s", method, err.msg);
    return res;
}

void node_test_key(uint8_t seckey[32], int n) {
    char s[32];
    snprintf(s, sizeof s, "via-test-key-%d", n);
    via_btc_sha256(seckey, (const uint8_t *)s, strlen(s));
}

void node_p2wpkh_address(char addr[VIA_BTC_ADDRESS_MAX], const uint8_t seckey[32]) {
    uint8_t pub[33], script[22];
    assert_int_equal(via_btc_pubkey_from_seckey(pub, seckey), 0);
    via_btc_script_p2wpkh(script, pub);
    via_error e;
    assert_int_equal(via_btc_script_to_address(addr, VIA_BTC_REGTEST, script, 22, &e), 0);
}

static void burn_address(char addr[VIA_BTC_ADDRESS_MAX], int which) {
    uint8_t k[32];
    node_test_key(k, 999 - which);
    node_p2wpkh_address(addr, k);
}

static void mine_to(via_rpc *rpc, int n, int which) {
    char addr[VIA_BTC_ADDRESS_MAX];
    burn_address(addr, which);
    json_decref(node_call(rpc, "generatetoaddress", json_pack("[is]", n, addr)));
}

void node_mine(via_rpc *rpc, int n) {
    mine_to(rpc, n, 0);
}

void node_fund(via_rpc *rpc, const char *address, uint64_t sats, via_btc_utxo *out) {
    via_error e;
    if (node_is_standin()) {
        json_t *r = node_call(rpc, "standin_fund", json_pack("[sI]", address, (json_int_t)sats));
        assert_int_equal(
            via_btc_txid_from_hex(out->txid, json_string_value(json_object_get(r, "txid")), &e), 0);
        out->vout = 0;
        out->value = sats;
        json_decref(r);
        return;
    }
    json_t *hashes = node_call(rpc, "generatetoaddress", json_pack("[is]", 1, address));
    json_t *block = NULL;
    via_error err = {0};
    assert_int_equal(
        via_rpc_getblock(rpc, &err, &block, json_string_value(json_array_get(hashes, 0))), 0);
    json_t *cb = json_array_get(json_object_get(block, "tx"), 0);
    assert_int_equal(
        via_btc_txid_from_hex(out->txid, json_string_value(json_object_get(cb, "txid")), &e), 0);
    out->vout = 0;
    out->value = (uint64_t)(json_number_value(json_object_get(
                                json_array_get(json_object_get(cb, "vout"), 0), "value")) *
                                1e8 +
                            0.5);
    json_decref(block);
    json_decref(hashes);
    node_mine(rpc, 100); /* coinbase maturity */
}

void node_reorg(via_rpc *rpc, int depth) {
    if (node_is_standin()) {
        json_decref(node_call(rpc, "standin_reorg", json_pack("[iib]", depth, depth + 1, 1)));
        return;
    }
    int64_t tip;
    char hash[65];
    via_error err = {0};
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &tip), 0);
    assert_int_equal(via_rpc_getblockhash(rpc, &err, hash, tip - depth + 1), 0);
    json_decref(node_call(rpc, "invalidateblock", json_pack("[s]", hash)));
    /* The new branch pays another key: mined in the same second to the same address with the
     * same transactions, a block would be the very block just invalidated, which Bitcoin Core
     * refuses ("ProcessNewBlock, block not accepted"). */
    static int branch;
    mine_to(rpc, depth + 1, ++branch);
}
