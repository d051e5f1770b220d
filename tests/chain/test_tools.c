/* End to end: `via-btc inscribe` against the node, then the watcher (PostgreSQL) sees the
 * message; `via-btc bridge-spend` with 3 verifier keys produces a MuSig2 key-path spend that the
 * node accepts. VIA_BTC_BIN names the via-btc binary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <cmocka.h>

#include "node.h"

static via_rpc *rpc;
static char dir[] = "/tmp/via-tools-XXXXXX";

static int setup(void **state) {
    rpc = node_rpc();
    if (!getenv("VIA_BTC_BIN")) fail_msg("VIA_BTC_BIN is not set");
    if (!mkdtemp(dir)) fail_msg("mkdtemp failed");
    return 0;
}
static int teardown(void **state) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    via_rpc_free(rpc);
    return 0;
}

static void key_file(char path[256], int n) {
    uint8_t k[32];
    char hex[65];
    node_test_key(k, n);
    via_btc_hex_encode(hex, k, 32);
    snprintf(path, 256, "%s/key%d", dir, n);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", hex);
    fclose(f);
}

/* Runs via-btc with args; returns its exit status and stdout in out. */
static int run_tool(char *out, size_t cap, const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s --rpc '%s' --rpc-user '%s' --rpc-password '%s'",
             getenv("VIA_BTC_BIN"), args, getenv("VIA_TEST_RPC_URL"), getenv("VIA_TEST_RPC_USER"),
             getenv("VIA_TEST_RPC_PASS"));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int field(const char *out, const char *name, char val[65]) {
    const char *p = strstr(out, name);
    if (!p) return 0;
    p += strlen(name);
    size_t n = strcspn(p, "\n");
    if (n >= 65) return 0;
    memcpy(val, p, n);
    val[n] = 0;
    return 1;
}

static void test_inscribe_then_watch(void **state) {
    char kf[256], addr[VIA_BTC_ADDRESS_MAX], out[4096], args[1024], reveal[65], commit[65];
    uint8_t k[32];
    via_chain_error err = {0};
    key_file(kf, 20);
    node_test_key(k, 20);
    node_p2wpkh_address(addr, k);
    via_btc_utxo u;
    node_fund(rpc, addr, 300000, &u);
    int64_t start;
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &start), 0);

    /* Bad input: clear error, exit status 2, nothing broadcast. */
    snprintf(args, sizeof args,
             "inscribe --wallet %s --network regtest --type attestation "
             "--reference nothex --vote ok",
             kf);
    assert_int_equal(run_tool(out, sizeof out, args), 2);

    const char *ref = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    snprintf(args, sizeof args,
             "inscribe --wallet %s --network regtest --type attestation "
             "--reference %s --vote not-ok",
             kf, ref);
    assert_int_equal(run_tool(out, sizeof out, args), 0);
    assert_true(field(out, "commit_txid=", commit));
    assert_true(field(out, "reveal_txid=", reveal));
    node_mine(rpc, 1);

    via_watcher_config cfg = {0};
    cfg.pg_conninfo = getenv("VIA_TEST_PG");
    cfg.network = VIA_BTC_REGTEST;
    cfg.start_height = start + 1;
    cfg.confirmations = 1;
    via_watcher *w = NULL;
    if (via_watcher_new(&w, &err, &cfg, rpc, NULL)) fail_msg("%s", err.msg);
    int64_t n;
    assert_int_equal(via_watcher_poll(w, &err, &n), 0);
    assert_int_equal(n, 1);
    via_watcher_free(w);
    PGconn *pg = PQconnectdb(getenv("VIA_TEST_PG"));
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT payload->>'reference_txid', payload->>'vote_ok', encode(sender_pubkey, 'hex') "
             "FROM via_messages WHERE txid = '%s' AND msg_type = 'ValidatorAttestationMessage'",
             reveal);
    PGresult *r = PQexec(pg, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    assert_string_equal(PQgetvalue(r, 0, 0), ref);
    assert_string_equal(PQgetvalue(r, 0, 1), "false");
    uint8_t pub[33];
    char pubhex[67];
    assert_int_equal(via_btc_pubkey_from_seckey(pub, k), 0);
    via_btc_hex_encode(pubhex, pub, 33);
    assert_string_equal(PQgetvalue(r, 0, 2), pubhex); /* the P2WPKH sender is the wallet */
    PQclear(r);
    PQfinish(pg);
}

/* The wallet key's BIP-86 P2TR coin funds the commit (key-path Schnorr over the BIP-341
 * sighash); the node (bitcoind or the stand-in, which verifies key-path signatures) accepts
 * both transactions and mines them, and the reveal carries the message. */
static void test_inscribe_from_p2tr(void **state) {
    char kf[256], traddr[VIA_BTC_ADDRESS_MAX], out[4096], args[1024], reveal[65], commit[65];
    uint8_t k[32], xonly[32], q[32], trspk[34];
    int parity;
    via_btc_error be;
    via_chain_error err = {0};
    key_file(kf, 21);
    node_test_key(k, 21);
    assert_int_equal(via_btc_xonly_from_seckey(xonly, NULL, k), 0);
    assert_int_equal(via_btc_taproot_output_key(q, &parity, xonly, NULL, &be), 0);
    via_btc_script_p2tr(trspk, q);
    assert_int_equal(via_btc_script_to_address(traddr, VIA_BTC_REGTEST, trspk, 34, &be), 0);
    via_btc_utxo u;
    node_fund(rpc, traddr, 250000, &u);

    const char *ref = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    snprintf(args, sizeof args,
             "inscribe --wallet %s --network regtest --fee-rate 2 --type attestation "
             "--reference %s --vote ok",
             kf, ref);
    assert_int_equal(run_tool(out, sizeof out, args), 0);
    assert_true(field(out, "commit_txid=", commit));
    assert_true(field(out, "reveal_txid=", reveal));
    node_mine(rpc, 1);

    /* The commit spent the P2TR coin by key path: one 64-byte witness item that verifies
     * against the tweaked output key. */
    uint8_t *raw;
    size_t len;
    assert_int_equal(via_rpc_getrawtransaction(rpc, &err, &raw, &len, commit), 0);
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    assert_int_equal(via_btc_tx_parse(&tx, raw, len, &be), 0);
    free(raw);
    assert_int_equal(tx.n_in, 1);
    assert_memory_equal(tx.in[0].prev_txid, u.txid, 32);
    assert_int_equal(tx.in[0].n_witness, 1);
    assert_int_equal(tx.in[0].witness[0].len, 64);
    uint8_t h[32];
    via_btc_txout spent = {u.value, {trspk, sizeof trspk}};
    assert_int_equal(
        via_btc_sighash_taproot(h, &tx, 0, &spent, 1, VIA_BTC_SIGHASH_DEFAULT, NULL, &be), 0);
    assert_int_equal(via_btc_schnorr_verify(tx.in[0].witness[0].data, h, 32, q), 0);
    via_btc_tx_free(&tx);

    /* Both are mined (the reveal's change is unspent), and the reveal holds the message. */
    via_rpc_txout o;
    assert_int_equal(via_rpc_gettxout(rpc, &err, &o, reveal, 0, 0), 0);
    assert_true(o.found);
    assert_true(o.confirmations >= 1);
    assert_int_equal(via_rpc_getrawtransaction(rpc, &err, &raw, &len, reveal), 0);
    via_btc_tx_init(&tx);
    assert_int_equal(via_btc_tx_parse(&tx, raw, len, &be), 0);
    free(raw);
    via_tx_message m[2];
    size_t nm;
    assert_int_equal(via_tx_find_messages(m, 2, &nm, &tx, VIA_BTC_REGTEST, &be), 0);
    assert_int_equal(nm, 1);
    assert_int_equal(m[0].msg.type, VIA_MSG_VALIDATOR_ATTESTATION);
    assert_int_equal(m[0].msg.u.attestation.vote_ok, 1);
    assert_memory_equal(m[0].signer_xonly, xonly, 32);
    via_btc_tx_free(&tx);

    /* Mixed: the reveal's P2WPKH change (now confirmed) and a second P2TR coin fund the next
     * commit; the key-path signature commits to both spent outputs (BIP-341), so a wrong
     * script or amount for the P2WPKH input would make the node refuse it. */
    via_btc_utxo u2;
    node_fund(rpc, traddr, 40000, &u2);
    assert_int_equal(run_tool(out, sizeof out, args), 0);
    assert_true(field(out, "commit_txid=", commit));
    assert_true(field(out, "reveal_txid=", reveal));
    node_mine(rpc, 1);
    assert_int_equal(via_rpc_getrawtransaction(rpc, &err, &raw, &len, commit), 0);
    via_btc_tx_init(&tx);
    assert_int_equal(via_btc_tx_parse(&tx, raw, len, &be), 0);
    free(raw);
    assert_int_equal(tx.n_in, 2);
    size_t n_keypath = 0, n_p2wpkh = 0;
    for (size_t i = 0; i < tx.n_in; i++) {
        n_keypath += tx.in[i].n_witness == 1 && tx.in[i].witness[0].len == 64;
        n_p2wpkh += tx.in[i].n_witness == 2 && tx.in[i].witness[1].len == 33;
    }
    assert_int_equal(n_keypath, 1);
    assert_int_equal(n_p2wpkh, 1);
    via_btc_tx_free(&tx);
    assert_int_equal(via_rpc_gettxout(rpc, &err, &o, reveal, 0, 0), 0);
    assert_true(o.found);
    assert_true(o.confirmations >= 1);
}

static void test_bridge_spend_3_keys(void **state) {
    char kf[3][256], out[4096], args[2048], txid[65];
    uint8_t pubkeys[3][33];
    via_btc_error be;
    via_chain_error err = {0};
    for (int i = 0; i < 3; i++) {
        uint8_t k[32];
        key_file(kf[i], 30 + i);
        node_test_key(k, 30 + i);
        assert_int_equal(via_btc_pubkey_from_seckey(pubkeys[i], k), 0);
    }
    /* The bridge address, computed here from BIP-327 KeyAgg + BIP-341 tweak. */
    via_musig_keyagg ctx;
    uint8_t internal[32], q[32], bridge[34];
    int parity;
    assert_int_equal(via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])pubkeys, 3, &be), 0);
    via_musig_keyagg_xonly(internal, &ctx);
    assert_int_equal(via_btc_taproot_output_key(q, &parity, internal, NULL, &be), 0);
    via_btc_script_p2tr(bridge, q);
    char bridge_addr[VIA_BTC_ADDRESS_MAX];
    assert_int_equal(via_btc_script_to_address(bridge_addr, VIA_BTC_REGTEST, bridge, 34, &be), 0);
    via_btc_utxo u;
    node_fund(rpc, bridge_addr, 100000, &u);

    uint8_t dk[32];
    char to[VIA_BTC_ADDRESS_MAX];
    node_test_key(dk, 40);
    node_p2wpkh_address(to, dk);
    /* Too much: refused before signing. */
    snprintf(args, sizeof args, "bridge-spend --keys %s %s %s --to %s --amount 100000000000", kf[0],
             kf[1], kf[2], to);
    assert_int_equal(run_tool(out, sizeof out, args), 1);
    /* Only two of the three keys: a different aggregate key, which owns nothing. */
    snprintf(args, sizeof args, "bridge-spend --keys %s %s --to %s --amount 40000", kf[0], kf[1],
             to);
    assert_int_equal(run_tool(out, sizeof out, args), 1);

    snprintf(args, sizeof args, "bridge-spend --keys %s %s %s --to %s --amount 40000 --fee-rate 2",
             kf[0], kf[1], kf[2], to);
    assert_int_equal(run_tool(out, sizeof out, args), 0);
    assert_true(field(out, "txid=", txid));
    node_mine(rpc, 1);
    via_rpc_txout o;
    assert_int_equal(via_rpc_gettxout(rpc, &err, &o, txid, 0, 0), 0);
    assert_true(o.found);
    assert_int_equal(o.value_sat, 40000);
    uint8_t pub[33], spk[22];
    assert_int_equal(via_btc_pubkey_from_seckey(pub, dk), 0);
    via_btc_script_p2wpkh(spk, pub);
    assert_memory_equal(o.script_pubkey, spk, 22);
    /* Change went back to the bridge. */
    assert_int_equal(via_rpc_gettxout(rpc, &err, &o, txid, 1, 0), 0);
    assert_true(o.found);
    assert_memory_equal(o.script_pubkey, bridge, 34);
    /* The witness is one 65-byte signature (64 + SIGHASH_ALL). */
    uint8_t *raw;
    size_t len;
    assert_int_equal(via_rpc_getrawtransaction(rpc, &err, &raw, &len, txid), 0);
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    assert_int_equal(via_btc_tx_parse(&tx, raw, len, &be), 0);
    assert_int_equal(tx.in[0].n_witness, 1);
    assert_int_equal(tx.in[0].witness[0].len, 65);
    via_btc_tx_free(&tx);
    free(raw);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inscribe_then_watch),
        cmocka_unit_test(test_inscribe_from_p2tr),
        cmocka_unit_test(test_bridge_spend_3_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
