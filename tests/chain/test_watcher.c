/* The chain watcher against a regtest node and a throwaway PostgreSQL (tests/lib/pg.sh):
 * confirmations, an attestation inscription, an OP_RETURN deposit and an inscription deposit,
 * a reorganisation (orphaned rows removed, new branch processed), restart from the cursor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include <cmocka.h>

#include "node.h"

static via_rpc *rpc;
static PGconn *pg;
static uint8_t bridge_script[34];
static int n_msg_cb, n_dep_cb, n_rollback_cb;
static int64_t rollback_from;

static void on_message(void *ud, const via_watch_message *m) {
    n_msg_cb++;
}
static void on_deposit(void *ud, const via_watch_deposit *d) {
    n_dep_cb++;
}
static void on_rollback(void *ud, int64_t from) {
    n_rollback_cb++;
    rollback_from = from;
}

static long long q_int(const char *sql) {
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQerrorMessage(pg));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static void q_str(char *out, size_t cap, const char *sql) {
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        fail_msg("%s: %s", sql, PQerrorMessage(pg));
    snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

static int setup(void **state) {
    rpc = node_rpc();
    const char *ci = getenv("VIA_TEST_PG");
    if (!ci) fail_msg("VIA_TEST_PG is not set: run through tests/lib/pg.sh");
    pg = PQconnectdb(ci);
    if (PQstatus(pg) != CONNECTION_OK) fail_msg("postgres: %s", PQerrorMessage(pg));
    uint8_t k[32], x[32], q[32];
    int parity;
    via_error be;
    node_test_key(k, 10);
    assert_int_equal(via_btc_xonly_from_seckey(x, &parity, k), 0);
    assert_int_equal(via_btc_taproot_output_key(q, &parity, x, NULL, &be), 0);
    via_btc_script_p2tr(bridge_script, q);
    return 0;
}

static int teardown(void **state) {
    PQfinish(pg);
    via_rpc_free(rpc);
    return 0;
}

static void send_tx(const via_btc_tx *tx, char txid[65]) {
    uint8_t *raw;
    size_t len;
    via_error err = {0};
    assert_int_equal(via_btc_tx_serialize(&raw, &len, tx, 1), 0);
    if (via_rpc_sendrawtransaction(rpc, &err, txid, raw, len)) fail_msg("send: %s", err.msg);
    free(raw);
}

/* Inscribes msg from key n; returns the reveal txid. */
static via_btc_utxo fund_key(int n, uint64_t sats) {
    uint8_t key[32];
    char addr[VIA_BTC_ADDRESS_MAX];
    node_test_key(key, n);
    node_p2wpkh_address(addr, key);
    via_btc_utxo u;
    node_fund(rpc, addr, sats, &u);
    return u;
}

static void inscribe(int n, via_btc_utxo u, const via_msg *msg, const via_btc_txout *recipient,
                     char reveal[65]) {
    uint8_t key[32];
    char commit[65];
    node_test_key(key, n);
    via_inscription ins;
    via_error be = {0};
    if (via_inscription_build(&ins, key, msg, VIA_BTC_REGTEST, &u, 1, 2, recipient, &be))
        fail_msg("inscription_build: %s", be.msg);
    send_tx(&ins.commit, commit);
    send_tx(&ins.reveal, reveal);
    via_inscription_free(&ins);
}

static void deposit_op_return(int n, via_btc_utxo u, uint64_t amount, const uint8_t receiver[20],
                              char txid[65]) {
    uint8_t key[32], pub[33], change[22], opret[24];
    size_t opret_len;
    node_test_key(key, n);
    assert_int_equal(via_btc_pubkey_from_seckey(pub, key), 0);
    via_btc_script_p2wpkh(change, pub);
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    via_error be;
    assert_int_equal(via_btc_tx_add_input(&tx, u.txid, u.vout, 0xfffffffdu), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, amount, bridge_script, 34), 0);
    assert_int_equal(via_btc_script_op_return(opret, &opret_len, receiver, 20), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, 0, opret, opret_len), 0);
    assert_int_equal(via_btc_tx_add_output(&tx, u.value - amount - 1000, change, 22), 0);
    assert_int_equal(via_btc_sign_p2wpkh(&tx, 0, u.value, key, &be), 0);
    send_tx(&tx, txid);
    via_btc_tx_free(&tx);
}

static via_watcher *make_watcher(int64_t start) {
    via_watcher_config cfg = {0};
    cfg.pg_conninfo = getenv("VIA_TEST_PG");
    cfg.network = VIA_BTC_REGTEST;
    cfg.start_height = start;
    cfg.confirmations = 2;
    cfg.bridge_script = bridge_script;
    cfg.bridge_script_len = sizeof bridge_script;
    via_watch_callbacks cb = {on_message, on_deposit, on_rollback, NULL};
    via_watcher *w = NULL;
    via_error err = {0};
    if (via_watcher_new(&w, &err, &cfg, rpc, &cb)) fail_msg("watcher_new: %s", err.msg);
    return w;
}

static void poll_all(via_watcher *w) {
    via_error err = {0};
    int64_t n;
    do {
        if (via_watcher_poll(w, &err, &n)) fail_msg("poll: %s", err.msg);
    } while (n > 0);
}

static void test_watcher_flow(void **state) {
    via_error err = {0};
    int64_t tip0;
    /* Coins first: funding mines blocks. */
    via_btc_utxo u11 = fund_key(11, 200000), u12 = fund_key(12, 100000), u13 = fund_key(13, 200000);
    node_mine(rpc, 1);
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &tip0), 0);
    via_watcher *w = make_watcher(tip0 + 1);
    poll_all(w);
    assert_int_equal(q_int("SELECT count(*) FROM via_chain_blocks"), 0);

    /* Block H: an attestation, an OP_RETURN deposit and an inscription deposit. */
    via_msg att;
    memset(&att, 0, sizeof att);
    att.type = VIA_MSG_VALIDATOR_ATTESTATION;
    for (int i = 0; i < 32; i++)
        att.u.attestation.reference_txid[i] = (uint8_t)(i + 1);
    att.u.attestation.vote_ok = 1;
    char att_reveal[65], dep_txid[65], dep2_reveal[65];
    inscribe(11, u11, &att, NULL, att_reveal);
    uint8_t receiver[20];
    memset(receiver, 0xab, 20);
    deposit_op_return(12, u12, 10000, receiver, dep_txid);
    via_msg l2;
    memset(&l2, 0, sizeof l2);
    l2.type = VIA_MSG_L1_TO_L2;
    memset(l2.u.l1_to_l2.receiver_l2_address, 0xcd, 20);
    via_btc_txout to_bridge = {7000, {bridge_script, 34}};
    inscribe(13, u13, &l2, &to_bridge, dep2_reveal);
    node_mine(rpc, 1);
    int64_t H;
    assert_int_equal(via_rpc_getblockcount(rpc, &err, &H), 0);
    json_t *pool = NULL;
    assert_int_equal(via_rpc_getrawmempool(rpc, &err, &pool), 0);
    assert_int_equal(json_array_size(pool), 0);
    json_decref(pool);

    /* One confirmation is not enough (confirmations = 2). */
    poll_all(w);
    assert_int_equal(q_int("SELECT count(*) FROM via_messages"), 0);
    assert_int_equal(q_int("SELECT count(*) FROM via_deposits"), 0);
    node_mine(rpc, 1);
    poll_all(w);
    via_watcher_stats st;
    via_watcher_get_stats(w, &st);
    assert_int_equal(st.next_height, H + 1); /* H has 2 confirmations, H+1 only one */
    char sql[512], got[256];
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM via_messages WHERE txid = '%s' AND msg_type = "
        "'ValidatorAttestationMessage' AND block_height = %lld AND payload->>'vote_ok' = 'true'",
        att_reveal, (long long)H);
    assert_int_equal(q_int(sql), 1);
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM via_deposits WHERE txid = '%s' AND amount_sat = 10000 AND vout = 0 "
        "AND receiver = '\\xabababababababababababababababababababab'::bytea AND form = "
        "'op_return'",
        dep_txid);
    assert_int_equal(q_int(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM via_deposits WHERE txid = '%s' AND amount_sat = 7000 "
             "AND receiver = '\\xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd'::bytea AND form = "
             "'inscription'",
             dep2_reveal);
    assert_int_equal(q_int(sql), 1);
    /* The attestation's payload names the reference in display order. */
    q_str(got, sizeof got,
          "SELECT payload->>'reference_txid' FROM via_messages WHERE msg_type = "
          "'ValidatorAttestationMessage'");
    char want[65];
    via_btc_txid_to_hex(want, att.u.attestation.reference_txid);
    assert_string_equal(got, want);
    assert_int_equal(n_msg_cb, 2); /* attestation + L1ToL2 */
    assert_int_equal(n_dep_cb, 2);
    char old_hash[65];
    snprintf(sql, sizeof sql, "SELECT hash FROM via_chain_blocks WHERE height = %lld",
             (long long)H);
    q_str(old_hash, sizeof old_hash, sql);

    /* Reorg: blocks H and H+1 are replaced; the transactions are mined again at height H. */
    node_reorg(rpc, 2);
    poll_all(w);
    assert_int_equal(n_rollback_cb, 1);
    assert_int_equal(rollback_from, H);
    assert_int_equal(q_int("SELECT count(*) FROM via_chain_reorgs"), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM via_messages WHERE block_hash = '%s'",
             old_hash);
    assert_int_equal(q_int(sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM via_deposits WHERE block_hash = '%s'",
             old_hash);
    assert_int_equal(q_int(sql), 0);
    assert_int_equal(q_int("SELECT count(*) FROM via_messages"), 2);
    assert_int_equal(q_int("SELECT count(*) FROM via_deposits"), 2);
    char new_hash[65], node_hash[65];
    snprintf(sql, sizeof sql, "SELECT block_hash FROM via_messages WHERE txid = '%s'", att_reveal);
    q_str(new_hash, sizeof new_hash, sql);
    assert_string_not_equal(new_hash, old_hash);
    assert_int_equal(via_rpc_getblockhash(rpc, &err, node_hash, H), 0);
    assert_string_equal(new_hash, node_hash);
    /* Stored blocks form one chain: every prev_hash matches the row below. */
    assert_int_equal(q_int("SELECT count(*) FROM via_chain_blocks b JOIN via_chain_blocks p "
                           "ON p.height = b.height - 1 WHERE p.hash <> b.prev_hash"),
                     0);
    via_watcher_get_stats(w, &st);
    int64_t next = st.next_height;
    long long blocks = q_int("SELECT count(*) FROM via_chain_blocks");
    via_watcher_free(w);

    /* Restart: the stored cursor wins over the configured start height. */
    w = make_watcher(0);
    via_watcher_get_stats(w, &st);
    assert_int_equal(st.next_height, next);
    poll_all(w);
    assert_int_equal(q_int("SELECT count(*) FROM via_chain_blocks"), blocks);
    node_mine(rpc, 2);
    poll_all(w);
    via_watcher_get_stats(w, &st);
    assert_int_equal(st.blocks, 2);
    assert_int_equal(st.next_height, next + 2);
    assert_int_equal(q_int("SELECT count(*) FROM via_chain_blocks"), blocks + 2);
    assert_int_equal(q_int("SELECT count(*) FROM via_messages"), 2);
    assert_int_equal(q_int("SELECT max(version) FROM via_chain_migrations"), 2);
    via_watcher_free(w);
}

static void test_watcher_bad_config(void **state) {
    via_watcher_config cfg = {0};
    cfg.pg_conninfo = "host=127.0.0.1 port=1 connect_timeout=2";
    via_watcher *w = NULL;
    via_error err = {0};
    assert_int_equal(via_watcher_new(&w, &err, &cfg, rpc, NULL), VIA_EDB);
    assert_null(w);
    assert_non_null(strstr(err.msg, "PostgreSQL"));
    cfg.pg_conninfo = getenv("VIA_TEST_PG");
    cfg.start_height = -1;
    assert_int_equal(via_watcher_new(&w, &err, &cfg, rpc, NULL), VIA_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watcher_flow),
        cmocka_unit_test(test_watcher_bad_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
