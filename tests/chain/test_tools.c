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
    via_hex_encode(hex, k, 32);
    snprintf(path, 256, "%s/key%d", dir, n);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", hex);
    fclose(f);
}

/* Runs via-btc with args; returns its exit status and stdout (with stderr too when
 * with_stderr) in out. */
static int run_tool_ex(char *out, size_t cap, const char *args, int with_stderr) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s --rpc '%s' --rpc-user '%s' --rpc-password '%s'%s",
             getenv("VIA_BTC_BIN"), args, getenv("VIA_TEST_RPC_URL"), getenv("VIA_TEST_RPC_USER"),
             getenv("VIA_TEST_RPC_PASS"), with_stderr ? " 2>&1" : "");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_tool(char *out, size_t cap, const char *args) {
    return run_tool_ex(out, cap, args, 0);
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
    via_error err = {0};
    key_file(kf, 20);
    node_test_key(k, 20);
    node_p2wpkh_address(addr, k);
    via_btc_utxo u;
    node_fund(rpc, addr, 300000, &u);
    int64_t start;
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &start), 0);

    /* Bad input: clear error, exit status 2, nothing broadcast. */
    snprintf(args, sizeof args,
             "inscribe --key %s --network regtest --type attestation "
             "--reference nothex --vote ok",
             kf);
    assert_int_equal(run_tool(out, sizeof out, args), 2);

    const char *ref = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    snprintf(args, sizeof args,
             "inscribe --key %s --network regtest --type attestation "
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
    via_hex_encode(pubhex, pub, 33);
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
    via_error be;
    via_error err = {0};
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
             "inscribe --key %s --network regtest --fee-rate 2 --type attestation "
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

/* --type bootstrap: the SystemBootstrappingMessage (docs/sources.md: via-inscriptions) with every
 * field set from the command line; the mined reveal decodes back (library parser) to the same
 * fields, with verifiers given as a public key and as addresses, comma-separated and repeated. Bad
 * input of each kind exits 2 naming the field, and broadcasts nothing. */
static void test_inscribe_bootstrap(void **state) {
    char kf[256], out[8192], args[4096], reveal[65], commit[65], txid_hex[65];
    char seq[VIA_BTC_ADDRESS_MAX], gov[VIA_BTC_ADDRESS_MAX], bridge[VIA_BTC_ADDRESS_MAX];
    char v[3][VIA_BTC_ADDRESS_MAX], v0pub[67], wallet_addr[VIA_BTC_ADDRESS_MAX];
    uint8_t k[32], xonly[32];
    via_error be;
    via_error err = {0};
    key_file(kf, 22);
    node_test_key(k, 22);
    node_p2wpkh_address(wallet_addr, k);
    assert_int_equal(via_btc_xonly_from_seckey(xonly, NULL, k), 0);
    via_btc_utxo u;
    node_fund(rpc, wallet_addr, 300000, &u);
    via_btc_txid_to_hex(txid_hex, u.txid);

    /* Addresses of three kinds: P2WPKH (sequencer, verifiers), P2WSH (governance), P2TR
     * (bridge). */
    for (int i = 0; i < 3; i++) {
        uint8_t vk[32];
        node_test_key(vk, 50 + i);
        node_p2wpkh_address(v[i], vk);
        if (i == 0) {
            uint8_t pub[33];
            assert_int_equal(via_btc_pubkey_from_seckey(pub, vk), 0);
            via_hex_encode(v0pub, pub, 33);
        }
    }
    uint8_t sk[32], prog[32], q[32], bx[32];
    int parity;
    node_test_key(sk, 53);
    node_p2wpkh_address(seq, sk);
    for (int i = 0; i < 32; i++)
        prog[i] = (uint8_t)(0xa0 + i);
    assert_int_equal(via_btc_segwit_encode(gov, "bcrt", 0, prog, 32), 0);
    node_test_key(sk, 54);
    assert_int_equal(via_btc_xonly_from_seckey(bx, NULL, sk), 0);
    assert_int_equal(via_btc_taproot_output_key(q, &parity, bx, NULL, &be), 0);
    assert_int_equal(via_btc_segwit_encode(bridge, "bcrt", 1, q, 32), 0);

    const char *boot = "1111111111111111111111111111111111111111111111111111111111111111";
    const char *aa = "2222222222222222222222222222222222222222222222222222222222222222";
    const char *vkh = "14f97b81e54b35fe673d8708cc1a19e1ea5b5e348e12d31e39824ed4f42bbca2";
    const char *evm = "4444444444444444444444444444444444444444444444444444444444444444";
    char common[2048];
    snprintf(common, sizeof common,
             "inscribe --key %s --network regtest --fee-rate 2 --type bootstrap "
             "--start-height 4242 --protocol-version 0.28.3 --bootloader-hash %s --aa-hash %s "
             "--evm-emulator-hash %s --governance %s --sequencer %s",
             kf, boot, aa, evm, gov, seq);

    /* Bad input: each names its field, exit 2. */
    struct {
        const char *extra, *want;
    } bad[] = {
        /* --vk-hash of 31 bytes */
        {"--vk-hash 14f97b81e54b35fe673d8708cc1a19e1ea5b5e348e12d31e39824ed4f42bbc --bridge BRIDGE",
         "--vk-hash"},
        /* missing --vk-hash */
        {"--bridge BRIDGE", "--vk-hash is required"},
        /* a mainnet address on regtest */
        {"--vk-hash VKH --bridge bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "--bridge"},
        /* the second verifier is P2TR, not P2WPKH */
        {"--vk-hash VKH --bridge BRIDGE --verifiers V1,BRIDGE", "--verifiers entry 2"},
        /* a 33-byte string that is no point */
        {"--vk-hash VKH --bridge BRIDGE --verifiers "
         "050000000000000000000000000000000000000000000000000000000000000001",
         "--verifiers entry 1"},
        {"--vk-hash VKH --bridge BRIDGE --verifiers V1,,V2", "--verifiers entry 2 is empty"},
        {"--vk-hash VKH --bridge BRIDGE --start-height 4294967296", "--start-height"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char extra[1024];
        size_t o = 0;
        for (const char *p = bad[i].extra; *p && o + VIA_BTC_ADDRESS_MAX + 70 < sizeof extra;) {
            const char *rep = NULL;
            size_t skip = 0;
            if (!strncmp(p, "BRIDGE", 6))
                rep = bridge, skip = 6;
            else if (!strncmp(p, "VKH", 3))
                rep = vkh, skip = 3;
            else if (!strncmp(p, "V1", 2))
                rep = v[1], skip = 2;
            else if (!strncmp(p, "V2", 2))
                rep = v[2], skip = 2;
            if (rep) {
                o += (size_t)snprintf(extra + o, sizeof extra - o, "%s", rep);
                p += skip;
            } else
                extra[o++] = *p++;
        }
        extra[o] = 0;
        /* The later --start-height in the bad case is not the one the tool reads (it takes the
         * first), so that case replaces the good one. */
        char c2[2048];
        snprintf(c2, sizeof c2, "%s", common);
        if (strstr(extra, "--start-height")) {
            char *sh = strstr(c2, "--start-height 4242 ");
            assert_non_null(sh);
            memmove(sh, sh + 20, strlen(sh + 20) + 1);
        }
        snprintf(args, sizeof args, "%s %s", c2, extra);
        int rc = run_tool_ex(out, sizeof out, args, 1);
        if (rc != 2 || !strstr(out, bad[i].want))
            fail_msg("bad case %zu: exit %d, wanted 2 and '%s' in: %s", i, rc, bad[i].want, out);
    }
    /* Nothing was broadcast: the wallet's coin is still unspent, mempool included. */
    via_rpc_txout o;
    assert_int_equal(via_rpc_gettxout(rpc, &err, &o, txid_hex, u.vout, 1), 0);
    assert_true(o.found);

    snprintf(args, sizeof args, "%s --vk-hash %s --bridge %s --verifiers %s,%s --verifiers %s",
             common, vkh, bridge, v0pub, v[1], v[2]);
    int rc = run_tool_ex(out, sizeof out, args, 1);
    if (rc != 0) fail_msg("inscribe bootstrap: exit %d: %s", rc, out);
    assert_true(field(out, "commit_txid=", commit));
    assert_true(field(out, "reveal_txid=", reveal));
    node_mine(rpc, 1);

    uint8_t *raw;
    size_t len;
    assert_int_equal(via_rpc_getrawtransaction(rpc, &err, &raw, &len, reveal), 0);
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    assert_int_equal(via_btc_tx_parse(&tx, raw, len, &be), 0);
    free(raw);
    static via_tx_message m[2];
    size_t nm;
    assert_int_equal(via_tx_find_messages(m, 2, &nm, &tx, VIA_BTC_REGTEST, &be), 0);
    via_btc_tx_free(&tx);
    assert_int_equal(nm, 1);
    assert_int_equal(m[0].msg.type, VIA_MSG_SYSTEM_BOOTSTRAPPING);
    assert_memory_equal(m[0].signer_xonly, xonly, 32);
    const via_msg_bootstrap *b = &m[0].msg.u.bootstrap;
    assert_int_equal(b->start_block_height, 4242);
    uint8_t pv[32] = {0}, h[32];
    pv[27] = 28; /* (28 << 32) | 3, big-endian */
    pv[31] = 3;
    assert_memory_equal(b->protocol_version, pv, 32);
    assert_int_equal(via_hex_decode_exact(h, 32, boot, &be), 0);
    assert_memory_equal(b->bootloader_hash, h, 32);
    assert_int_equal(via_hex_decode_exact(h, 32, aa, &be), 0);
    assert_memory_equal(b->abstract_account_hash, h, 32);
    assert_int_equal(via_hex_decode_exact(h, 32, vkh, &be), 0);
    assert_memory_equal(b->snark_wrapper_vk_hash, h, 32);
    assert_int_equal(via_hex_decode_exact(h, 32, evm, &be), 0);
    assert_memory_equal(b->evm_emulator_hash, h, 32);
    assert_string_equal(b->governance_address, gov);
    assert_string_equal(b->sequencer_address, seq);
    assert_string_equal(b->bridge_address, bridge);
    assert_int_equal(b->n_verifiers, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(b->verifier_addresses[i], v[i]);
    /* The commit is mined too, and spent the funded coin. */
    assert_int_equal(via_rpc_gettxout(rpc, &err, &o, txid_hex, u.vout, 1), 0);
    assert_false(o.found);
}

static void test_bridge_spend_3_keys(void **state) {
    char kf[3][256], out[4096], args[2048], txid[65];
    uint8_t pubkeys[3][33];
    via_error be;
    via_error err = {0};
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
        cmocka_unit_test(test_inscribe_bootstrap),
        cmocka_unit_test(test_bridge_spend_3_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
