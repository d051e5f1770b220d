/* via-regtest-standin: TEST FIXTURE. Serves the Bitcoin Core JSON-RPC subset Via uses over HTTP
 * with basic auth, on 127.0.0.1, backed by the in-memory chain of standin_chain.c.
 *
 *   via-regtest-standin --user U --password P [--port N] [--port-file PATH]
 *
 * Prints "listening on 127.0.0.1:<port>" once ready and runs until SIGTERM/SIGINT.
 * Test-only methods: standin_fund <address> <sats> (mines a block whose coinbase pays the
 * address), standin_reorg <depth> [<new_len>=depth+1] [<keep_txs>=false], standin_fail
 * {"mode": "http500"|"workqueue"|"garbage"|"close"|"delay"|"huge"|"none", "count": n,
 * "delay_ms": ms, "size": bytes} (the next n requests misbehave), standin_setfee <sat/kvB>.
 * One mutex serialises all chain access; connections get a thread each so a delayed answer
 * does not block the others.
 */
#define _GNU_SOURCE
#include "standin.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (8u << 20)

static sb_chain chain;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *auth_user, *auth_pass;
static volatile sig_atomic_t stop_flag;

static struct {
    char mode[16];
    int count;
    long delay_ms;
    size_t size;
} fail;

static const via_btc_network NET = VIA_BTC_REGTEST;

typedef struct {
    char *data;
    size_t len;
    int too_big;
} conn_body;

/* ---- JSON helpers ---- */

static json_t *rpc_error(int code, const char *msg) {
    return json_pack("{s:i,s:s}", "code", code, "message", msg);
}

#define RPC_MISC_ERROR -1
#define RPC_TYPE_ERROR -3
#define RPC_INVALID_ADDRESS -5
#define RPC_INVALID_ADDRESS_OR_KEY -5
#define RPC_INVALID_PARAMETER -8
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_DESERIALIZATION_ERROR -22

static json_t *amount(uint64_t sat) {
    return json_real((double)sat / 1e8);
}

static void hex32(char out[65], const uint8_t h[32]) {
    via_btc_txid_to_hex(out, h);
}

static json_t *hexj(const uint8_t *d, size_t n) {
    char *h = malloc(2 * n + 1);
    if (!h) return json_null();
    via_hex_encode(h, d, n);
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *script_json(const uint8_t *s, size_t n) {
    json_t *o = json_object();
    json_object_set_new(o, "hex", hexj(s, n));
    char addr[VIA_BTC_ADDRESS_MAX];
    via_error e;
    const char *type = "nonstandard";
    if (n == 22 && s[0] == 0 && s[1] == 20)
        type = "witness_v0_keyhash";
    else if (n == 34 && s[0] == 0 && s[1] == 32)
        type = "witness_v0_scripthash";
    else if (n == 34 && s[0] == 0x51 && s[1] == 32)
        type = "witness_v1_taproot";
    else if (n >= 1 && s[0] == 0x6a)
        type = "nulldata";
    if (via_btc_script_to_address(addr, NET, s, n, &e) == 0)
        json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "type", json_string(type));
    return o;
}

static json_t *tx_json(const sb_tx *t, const sb_block *b, int64_t tip) {
    char id[65];
    json_t *o = json_object();
    hex32(id, t->txid);
    json_object_set_new(o, "txid", json_string(id));
    hex32(id, t->wtxid);
    json_object_set_new(o, "hash", json_string(id));
    json_object_set_new(o, "version", json_integer(t->tx.version));
    json_object_set_new(o, "size", json_integer((json_int_t)t->raw_len));
    json_object_set_new(o, "vsize", json_integer((json_int_t)via_btc_tx_vsize(&t->tx)));
    json_object_set_new(o, "weight", json_integer((json_int_t)via_btc_tx_weight(&t->tx)));
    json_object_set_new(o, "locktime", json_integer(t->tx.locktime));
    json_t *vin = json_array();
    for (size_t i = 0; i < t->tx.n_in; i++) {
        const via_btc_txin *in = &t->tx.in[i];
        json_t *x = json_object();
        static const uint8_t zero[32];
        if (in->prev_vout == 0xffffffffu && !memcmp(in->prev_txid, zero, 32)) {
            json_object_set_new(x, "coinbase", hexj(in->script_sig.data, in->script_sig.len));
        } else {
            hex32(id, in->prev_txid);
            json_object_set_new(x, "txid", json_string(id));
            json_object_set_new(x, "vout", json_integer(in->prev_vout));
            json_object_set_new(x, "scriptSig",
                                json_pack("{s:s,s:o}", "asm", "", "hex",
                                          hexj(in->script_sig.data, in->script_sig.len)));
        }
        if (in->n_witness) {
            json_t *w = json_array();
            for (size_t k = 0; k < in->n_witness; k++)
                json_array_append_new(w, hexj(in->witness[k].data, in->witness[k].len));
            json_object_set_new(x, "txinwitness", w);
        }
        json_object_set_new(x, "sequence", json_integer(in->sequence));
        json_array_append_new(vin, x);
    }
    json_object_set_new(o, "vin", vin);
    json_t *vout = json_array();
    for (size_t k = 0; k < t->tx.n_out; k++) {
        const via_btc_txout *out = &t->tx.out[k];
        json_array_append_new(
            vout,
            json_pack("{s:o,s:i,s:o}", "value", amount(out->value), "n", (int)k, "scriptPubKey",
                      script_json(out->script_pubkey.data, out->script_pubkey.len)));
    }
    json_object_set_new(o, "vout", vout);
    json_object_set_new(o, "hex", hexj(t->raw, t->raw_len));
    if (b) {
        hex32(id, b->hash);
        json_object_set_new(o, "blockhash", json_string(id));
        json_object_set_new(o, "confirmations", json_integer(tip - b->height + 1));
        json_object_set_new(o, "time", json_integer(b->time));
        json_object_set_new(o, "blocktime", json_integer(b->time));
    }
    return o;
}

static int64_t tip(void) {
    return (int64_t)chain.n_blocks - 1;
}

static int parse_hash_param(json_t *v, uint8_t out[32]) {
    via_error e;
    return json_is_string(v) && strlen(json_string_value(v)) == 64 &&
           via_btc_txid_from_hex(out, json_string_value(v), &e) == 0;
}

static int address_script(const char *addr, uint8_t script[42], size_t *len) {
    via_error e;
    return via_btc_address_to_script(script, len, NET, addr, &e) == 0;
}

/* ---- methods: each returns the result, or NULL with *error set ---- */

typedef json_t *(*method_fn)(json_t *params, json_t **error);

static json_t *m_getblockchaininfo(json_t *p, json_t **error) {
    char best[65];
    hex32(best, chain.blocks[tip()].hash);
    return json_pack("{s:s,s:I,s:I,s:s,s:f,s:I,s:f,s:b,s:b,s:s}", "chain", "regtest", "blocks",
                     (json_int_t)tip(), "headers", (json_int_t)tip(), "bestblockhash", best,
                     "difficulty", 4.656542373906925e-10, "mediantime",
                     (json_int_t)chain.blocks[tip()].time, "verificationprogress", 1.0,
                     "initialblockdownload", 0, "pruned", 0, "warnings", "");
}

static json_t *m_getblockcount(json_t *p, json_t **error) {
    return json_integer(tip());
}

static json_t *m_getblockhash(json_t *p, json_t **error) {
    json_t *h = json_array_get(p, 0);
    if (!json_is_integer(h)) {
        *error = rpc_error(RPC_TYPE_ERROR, "JSON value is not an integer as expected");
        return NULL;
    }
    if (json_integer_value(h) < 0 || json_integer_value(h) > tip()) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "Block height out of range");
        return NULL;
    }
    char id[65];
    hex32(id, chain.blocks[json_integer_value(h)].hash);
    return json_string(id);
}

static const sb_block *find_block(const uint8_t hash[32]) {
    for (size_t h = 0; h < chain.n_blocks; h++)
        if (!memcmp(chain.blocks[h].hash, hash, 32)) return &chain.blocks[h];
    return NULL;
}

static json_t *m_getblock(json_t *p, json_t **error) {
    uint8_t hash[32];
    if (!parse_hash_param(json_array_get(p, 0), hash)) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "blockhash must be of length 64 (hex)");
        return NULL;
    }
    json_t *vj = json_array_get(p, 1);
    int verbosity = json_is_integer(vj) ? (int)json_integer_value(vj) : json_is_false(vj) ? 0 : 1;
    const sb_block *b = find_block(hash);
    if (!b) {
        *error = rpc_error(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
        return NULL;
    }
    if (verbosity == 0) {
        /* header || varint(n) || txs; tests never need more than 252 txs per block */
        size_t n = 80 + 9;
        for (size_t i = 0; i < b->n_tx; i++)
            n += b->txs[i].raw_len;
        uint8_t *raw = malloc(n), *q = raw;
        if (!raw) return json_null();
        memcpy(q, b->header, 80), q += 80;
        *q++ = (uint8_t)b->n_tx;
        for (size_t i = 0; i < b->n_tx; i++)
            memcpy(q, b->txs[i].raw, b->txs[i].raw_len), q += b->txs[i].raw_len;
        json_t *r = hexj(raw, (size_t)(q - raw));
        free(raw);
        return r;
    }
    char id[65];
    json_t *o = json_object();
    hex32(id, b->hash);
    json_object_set_new(o, "hash", json_string(id));
    json_object_set_new(o, "confirmations", json_integer(tip() - b->height + 1));
    json_object_set_new(o, "height", json_integer(b->height));
    json_object_set_new(o, "version", json_integer(0x20000000));
    uint8_t mr[32];
    memcpy(mr, b->header + 36, 32);
    hex32(id, mr);
    json_object_set_new(o, "merkleroot", json_string(id));
    json_object_set_new(o, "time", json_integer(b->time));
    json_object_set_new(o, "bits", json_string("207fffff"));
    json_object_set_new(o, "nTx", json_integer((json_int_t)b->n_tx));
    if (b->height > 0) {
        hex32(id, chain.blocks[b->height - 1].hash);
        json_object_set_new(o, "previousblockhash", json_string(id));
    }
    if (b->height < tip()) {
        hex32(id, chain.blocks[b->height + 1].hash);
        json_object_set_new(o, "nextblockhash", json_string(id));
    }
    json_t *txs = json_array();
    for (size_t i = 0; i < b->n_tx; i++) {
        if (verbosity >= 2) {
            json_t *t = tx_json(&b->txs[i], NULL, tip());
            json_array_append_new(txs, t);
        } else {
            hex32(id, b->txs[i].txid);
            json_array_append_new(txs, json_string(id));
        }
    }
    json_object_set_new(o, "tx", txs);
    return o;
}

static json_t *m_getrawtransaction(json_t *p, json_t **error) {
    uint8_t txid[32];
    if (!parse_hash_param(json_array_get(p, 0), txid)) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "txid must be of length 64 (hex)");
        return NULL;
    }
    json_t *vj = json_array_get(p, 1);
    int verbose = json_is_true(vj) || (json_is_integer(vj) && json_integer_value(vj) > 0);
    int64_t h;
    const sb_tx *t = sb_find_tx(&chain, txid, &h);
    if (!t) {
        *error = rpc_error(RPC_INVALID_ADDRESS_OR_KEY,
                           "No such mempool or blockchain transaction. Use gettransaction for "
                           "wallet transactions.");
        return NULL;
    }
    if (!verbose) return hexj(t->raw, t->raw_len);
    return tx_json(t, h >= 0 ? &chain.blocks[h] : NULL, tip());
}

static json_t *hex_tx_param(json_t *v, uint8_t **raw, size_t *len, json_t **error) {
    via_error e;
    if (!json_is_string(v) || via_hex_decode(raw, len, json_string_value(v), &e)) {
        *error = rpc_error(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at "
                                                      "least one input.");
        return NULL;
    }
    return json_true();
}

static json_t *m_sendrawtransaction(json_t *p, json_t **error) {
    uint8_t *raw;
    size_t len;
    if (!hex_tx_param(json_array_get(p, 0), &raw, &len, error)) return NULL;
    sb_tx t;
    uint64_t fee;
    sb_reject rej;
    int rc = sb_check_tx(&chain, &t, &fee, raw, len, &rej);
    free(raw);
    if (rc) {
        *error = rpc_error(rej.code, rej.msg);
        return NULL;
    }
    char id[65];
    hex32(id, t.txid);
    sb_mempool_replace(&chain, &t);
    if (sb_mempool_add(&chain, &t)) {
        sb_tx_free(&t);
        *error = rpc_error(RPC_MISC_ERROR, "out of memory");
        return NULL;
    }
    return json_string(id);
}

static json_t *m_testmempoolaccept(json_t *p, json_t **error) {
    json_t *arr = json_array_get(p, 0);
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        *error = rpc_error(RPC_TYPE_ERROR, "Expected type array of raw transactions");
        return NULL;
    }
    json_t *res = json_array();
    for (size_t i = 0; i < json_array_size(arr); i++) {
        uint8_t *raw;
        size_t len;
        if (!hex_tx_param(json_array_get(arr, i), &raw, &len, error)) {
            json_decref(res);
            return NULL;
        }
        sb_tx t;
        uint64_t fee;
        sb_reject rej;
        via_btc_tx tx;
        via_btc_tx_init(&tx);
        uint8_t txid[32] = {0}, wtxid[32] = {0};
        via_error e;
        if (via_btc_tx_parse(&tx, raw, len, &e) == 0) {
            via_btc_tx_txid(txid, &tx);
            via_btc_tx_wtxid(wtxid, &tx);
        }
        via_btc_tx_free(&tx);
        int rc = sb_check_tx(&chain, &t, &fee, raw, len, &rej);
        free(raw);
        char id[65], wid[65];
        hex32(id, txid);
        hex32(wid, wtxid);
        json_t *o = json_pack("{s:s,s:s,s:b}", "txid", id, "wtxid", wid, "allowed", rc == 0);
        if (rc == 0) {
            json_object_set_new(o, "vsize", json_integer((json_int_t)via_btc_tx_vsize(&t.tx)));
            json_object_set_new(o, "fees", json_pack("{s:o}", "base", amount(fee)));
            sb_tx_free(&t);
        } else {
            json_object_set_new(o, "reject-reason", json_string(rej.msg));
        }
        json_array_append_new(res, o);
    }
    return res;
}

static json_t *m_estimatesmartfee(json_t *p, json_t **error) {
    json_t *t = json_array_get(p, 0);
    if (!json_is_integer(t)) {
        *error = rpc_error(RPC_TYPE_ERROR, "JSON value is not an integer as expected");
        return NULL;
    }
    if (chain.fee_sat_per_kvb <= 0)
        return json_pack("{s:[s],s:i}", "errors", "Insufficient data or no feerate found", "blocks",
                         0);
    json_int_t target = json_integer_value(t);
    if (target < 1 || target > 1008) {
        *error =
            rpc_error(RPC_INVALID_PARAMETER, "Invalid conf_target, must be between 1 and 1008");
        return NULL;
    }
    return json_pack("{s:o,s:I}", "feerate", amount((uint64_t)chain.fee_sat_per_kvb), "blocks",
                     target < 2 ? (json_int_t)2 : target);
}

static json_t *m_getrawmempool(json_t *p, json_t **error) {
    json_t *a = json_array();
    char id[65];
    for (size_t i = 0; i < chain.n_mempool; i++) {
        hex32(id, chain.mempool[i].txid);
        json_array_append_new(a, json_string(id));
    }
    return a;
}

static json_t *m_gettxout(json_t *p, json_t **error) {
    uint8_t txid[32];
    json_t *nj = json_array_get(p, 1), *mj = json_array_get(p, 2);
    if (!parse_hash_param(json_array_get(p, 0), txid) || !json_is_integer(nj) ||
        json_integer_value(nj) < 0) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "txid must be hex and n a non-negative integer");
        return NULL;
    }
    int mempool = mj ? json_is_true(mj) : 1;
    uint32_t n = (uint32_t)json_integer_value(nj);
    char best[65];
    hex32(best, chain.blocks[tip()].hash);
    const sb_coin *c = sb_find_coin(&chain, txid, n);
    if (c && !c->spent) {
        if (mempool && sb_mempool_spends(&chain, txid, n)) return json_null();
        return json_pack("{s:s,s:I,s:o,s:o,s:b}", "bestblock", best, "confirmations",
                         (json_int_t)(tip() - c->height + 1), "value", amount(c->value),
                         "scriptPubKey", script_json(c->script, c->script_len), "coinbase",
                         c->coinbase);
    }
    if (!c && mempool) {
        for (size_t i = 0; i < chain.n_mempool; i++)
            if (!memcmp(chain.mempool[i].txid, txid, 32) && n < chain.mempool[i].tx.n_out &&
                !sb_mempool_spends(&chain, txid, n)) {
                const via_btc_txout *o = &chain.mempool[i].tx.out[n];
                return json_pack("{s:s,s:i,s:o,s:o,s:b}", "bestblock", best, "confirmations", 0,
                                 "value", amount(o->value), "scriptPubKey",
                                 script_json(o->script_pubkey.data, o->script_pubkey.len),
                                 "coinbase", 0);
            }
    }
    return json_null();
}

static json_t *m_scantxoutset(json_t *p, json_t **error) {
    json_t *action = json_array_get(p, 0), *descs = json_array_get(p, 1);
    if (!json_is_string(action) || strcmp(json_string_value(action), "start") != 0) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "Invalid action: the stand-in supports 'start'");
        return NULL;
    }
    if (!json_is_array(descs)) {
        *error = rpc_error(RPC_MISC_ERROR, "scanobjects argument is required for the start action");
        return NULL;
    }
    size_t nd = json_array_size(descs);
    uint8_t(*scripts)[80] = calloc(nd ? nd : 1, 80);
    size_t *lens = calloc(nd ? nd : 1, sizeof *lens);
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(descs, i);
        const char *s = json_is_string(d) ? json_string_value(d)
                                          : json_string_value(json_object_get(d, "desc"));
        char inner[256];
        size_t sl = s ? strlen(s) : 0;
        int ok = 0;
        /* a trailing "#checksum" is accepted and not checked */
        const char *hash = s ? strchr(s, '#') : NULL;
        if (hash) sl = (size_t)(hash - s);
        if (s && sl > 6 && sl < sizeof inner && s[sl - 1] == ')') {
            if (!strncmp(s, "addr(", 5)) {
                memcpy(inner, s + 5, sl - 6);
                inner[sl - 6] = 0;
                ok = address_script(inner, scripts[i], &lens[i]);
            } else if (!strncmp(s, "raw(", 4)) {
                memcpy(inner, s + 4, sl - 5);
                inner[sl - 5] = 0;
                uint8_t *b;
                size_t bl;
                via_error e;
                if (via_hex_decode(&b, &bl, inner, &e) == 0) {
                    if (bl <= 80) {
                        if (bl) memcpy(scripts[i], b, bl);
                        lens[i] = bl;
                        ok = 1;
                    }
                    free(b);
                }
            }
        }
        if (!ok) {
            free(scripts);
            free(lens);
            *error = rpc_error(RPC_INVALID_ADDRESS_OR_KEY,
                               "scan object is not addr(<regtest address>) or raw(<hex>) "
                               "(the stand-in supports only these descriptors)");
            return NULL;
        }
    }
    json_t *un = json_array();
    uint64_t total = 0;
    char id[65];
    for (size_t k = 0; k < chain.n_coins; k++) {
        const sb_coin *c = &chain.coins[k];
        if (c->spent) continue;
        for (size_t i = 0; i < nd; i++)
            if (lens[i] == c->script_len && !memcmp(scripts[i], c->script, c->script_len)) {
                hex32(id, c->txid);
                json_array_append_new(un, json_pack("{s:s,s:i,s:o,s:s,s:o,s:b,s:I}", "txid", id,
                                                    "vout", (int)c->vout, "scriptPubKey",
                                                    hexj(c->script, c->script_len), "desc",
                                                    json_string_value(json_array_get(descs, i)),
                                                    "amount", amount(c->value), "coinbase",
                                                    0 /* maturity is not modelled (see top) */,
                                                    "height", (json_int_t)c->height));
                total += c->value;
                break;
            }
    }
    free(scripts);
    free(lens);
    hex32(id, chain.blocks[tip()].hash);
    return json_pack("{s:b,s:I,s:I,s:s,s:o,s:o}", "success", 1, "txouts", (json_int_t)chain.n_coins,
                     "height", (json_int_t)tip(), "bestblock", id, "unspents", un, "total_amount",
                     amount(total));
}

static json_t *mine_to(const uint8_t *script, size_t len, uint64_t value, int64_t n) {
    json_t *hashes = json_array();
    char id[65];
    for (int64_t i = 0; i < n; i++) {
        if (sb_mine(&chain, script, len, value)) break;
        hex32(id, chain.blocks[tip()].hash);
        json_array_append_new(hashes, json_string(id));
    }
    return hashes;
}

static json_t *m_generatetoaddress(json_t *p, json_t **error) {
    json_t *n = json_array_get(p, 0), *a = json_array_get(p, 1);
    uint8_t script[42];
    size_t len;
    if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 10000) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "nblocks must be an integer in 0..10000");
        return NULL;
    }
    if (!json_is_string(a) || !address_script(json_string_value(a), script, &len)) {
        *error = rpc_error(RPC_INVALID_ADDRESS, "Error: Invalid address");
        return NULL;
    }
    return mine_to(script, len, 5000000000ULL, json_integer_value(n));
}

static json_t *m_standin_fund(json_t *p, json_t **error) {
    json_t *a = json_array_get(p, 0), *v = json_array_get(p, 1);
    uint8_t script[42];
    size_t len;
    if (!json_is_string(a) || !address_script(json_string_value(a), script, &len)) {
        *error = rpc_error(RPC_INVALID_ADDRESS, "Error: Invalid address");
        return NULL;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
        json_integer_value(v) > 2100000000000000LL) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "amount must be a positive number of satoshis");
        return NULL;
    }
    json_t *h = mine_to(script, len, (uint64_t)json_integer_value(v), 1);
    json_decref(h);
    char id[65];
    hex32(id, chain.blocks[tip()].txs[0].txid);
    char bh[65];
    hex32(bh, chain.blocks[tip()].hash);
    return json_pack("{s:s,s:i,s:s,s:I}", "txid", id, "vout", 0, "blockhash", bh, "height",
                     (json_int_t)tip());
}

static json_t *m_standin_reorg(json_t *p, json_t **error) {
    json_t *d = json_array_get(p, 0), *n = json_array_get(p, 1), *k = json_array_get(p, 2);
    if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > tip()) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "depth must be in 1..height");
        return NULL;
    }
    json_int_t depth = json_integer_value(d);
    json_int_t new_len = json_is_integer(n) ? json_integer_value(n) : depth + 1;
    if (new_len < 0 || new_len > 1000) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "new_len must be in 0..1000");
        return NULL;
    }
    static const uint8_t burn[] = {0x51}; /* OP_TRUE: anyone-can-spend, never scanned for */
    if (sb_reorg(&chain, (size_t)depth, (size_t)new_len, json_is_true(k), burn, sizeof burn)) {
        *error = rpc_error(RPC_MISC_ERROR, "reorg failed");
        return NULL;
    }
    char id[65];
    hex32(id, chain.blocks[tip()].hash);
    return json_pack("{s:I,s:s}", "height", (json_int_t)tip(), "bestblockhash", id);
}

static json_t *m_standin_fail(json_t *p, json_t **error) {
    json_t *o = json_array_get(p, 0);
    json_t *mode = json_object_get(o, "mode");
    static const char *modes[] = {"none",  "http500", "workqueue", "garbage",
                                  "close", "delay",   "huge"};
    int ok = 0;
    for (size_t i = 0; json_is_string(mode) && i < sizeof modes / sizeof *modes; i++)
        ok |= !strcmp(json_string_value(mode), modes[i]);
    if (!ok) {
        *error = rpc_error(RPC_INVALID_PARAMETER,
                           "mode must be none|http500|workqueue|garbage|close|delay|huge");
        return NULL;
    }
    snprintf(fail.mode, sizeof fail.mode, "%s", json_string_value(mode));
    json_t *c = json_object_get(o, "count"), *dl = json_object_get(o, "delay_ms"),
           *sz = json_object_get(o, "size");
    fail.count = json_is_integer(c) ? (int)json_integer_value(c) : 1;
    fail.delay_ms = json_is_integer(dl) ? (long)json_integer_value(dl) : 0;
    fail.size = json_is_integer(sz) ? (size_t)json_integer_value(sz) : 1 << 20;
    return json_true();
}

static json_t *m_standin_setfee(json_t *p, json_t **error) {
    json_t *f = json_array_get(p, 0);
    if (!json_is_integer(f) || json_integer_value(f) < 0) {
        *error = rpc_error(RPC_INVALID_PARAMETER, "fee must be a non-negative sat/kvB integer");
        return NULL;
    }
    chain.fee_sat_per_kvb = json_integer_value(f);
    return json_true();
}

static const struct {
    const char *name;
    method_fn fn;
} methods[] = {
    {"getblockchaininfo", m_getblockchaininfo}, {"getblockcount", m_getblockcount},
    {"getblockhash", m_getblockhash},           {"getblock", m_getblock},
    {"getrawtransaction", m_getrawtransaction}, {"sendrawtransaction", m_sendrawtransaction},
    {"testmempoolaccept", m_testmempoolaccept}, {"estimatesmartfee", m_estimatesmartfee},
    {"getrawmempool", m_getrawmempool},         {"gettxout", m_gettxout},
    {"scantxoutset", m_scantxoutset},           {"generatetoaddress", m_generatetoaddress},
    {"standin_fund", m_standin_fund},           {"standin_reorg", m_standin_reorg},
    {"standin_fail", m_standin_fail},           {"standin_setfee", m_standin_setfee},
};

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body,
                             size_t len, const char *ctype) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
    conn_body *b = *con_cls;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return MHD_NO;
        *con_cls = b;
        return MHD_YES;
    }
    if (*upload_size) {
        if (b->len + *upload_size > MAX_BODY)
            b->too_big = 1;
        else {
            char *d = realloc(b->data, b->len + *upload_size + 1);
            if (!d) return MHD_NO;
            b->data = d;
            memcpy(b->data + b->len, upload, *upload_size);
            b->len += *upload_size;
            b->data[b->len] = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &pass);
    int authed = user && pass && !strcmp(user, auth_user) && !strcmp(pass, auth_pass);
    MHD_free(user);
    MHD_free(pass);
    if (!authed) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret = MHD_queue_basic_auth_fail_response(conn, "jsonrpc", r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(method, "POST") != 0)
        return reply(conn, 405, "JSONRPC server handles only POST requests", 41, "text/plain");
    if (b->too_big) return reply(conn, 413, "request too large", 17, "text/plain");

    json_error_t jerr;
    json_t *req = b->data ? json_loadb(b->data, b->len, 0, &jerr) : NULL;
    json_t *jm = json_object_get(req, "method");
    const char *mname = json_is_string(jm) ? json_string_value(jm) : "";
    int is_knob = !strncmp(mname, "standin_", 8);

    /* Injected failures (the knobs themselves are never affected). */
    char mode[16] = "none";
    long delay = 0;
    size_t size = 0;
    pthread_mutex_lock(&lock);
    if (!is_knob && fail.count > 0 && strcmp(fail.mode, "none")) {
        snprintf(mode, sizeof mode, "%s", fail.mode);
        delay = fail.delay_ms;
        size = fail.size;
        fail.count--;
    }
    pthread_mutex_unlock(&lock);
    if (!strcmp(mode, "close")) {
        json_decref(req);
        return MHD_NO; /* drop the connection without an answer */
    }
    if (!strcmp(mode, "http500")) {
        json_decref(req);
        return reply(conn, 500, "Internal Server Error", 21, "text/plain");
    }
    if (!strcmp(mode, "workqueue")) {
        json_decref(req);
        return reply(conn, 503, "Work queue depth exceeded", 25, "text/plain");
    }
    if (!strcmp(mode, "garbage")) {
        json_decref(req);
        return reply(conn, 200, "{\"result\": [1, 2,, garbage", 26, "application/json");
    }
    if (!strcmp(mode, "huge")) {
        json_decref(req);
        char *big = malloc(size + 2);
        if (!big) return MHD_NO;
        big[0] = '[';
        memset(big + 1, ' ', size);
        big[size + 1] = ']';
        struct MHD_Response *r =
            MHD_create_response_from_buffer(size + 2, big, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret = MHD_queue_response(conn, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (!strcmp(mode, "delay")) sleep_ms(delay);

    json_t *id = json_object_get(req, "id");
    json_t *params = json_object_get(req, "params");
    json_t *result = NULL, *error = NULL;
    unsigned status = 200;
    if (!req || !json_is_object(req)) {
        error = rpc_error(-32700, "Parse error");
        status = 500;
    } else if (params && !json_is_array(params)) {
        error = rpc_error(-32600, "Params must be an array");
        status = 500;
    } else {
        method_fn fn = NULL;
        for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
            if (!strcmp(methods[i].name, mname)) fn = methods[i].fn;
        if (!fn) {
            error = rpc_error(RPC_METHOD_NOT_FOUND, "Method not found");
            status = 404;
        } else {
            pthread_mutex_lock(&lock);
            result = fn(params ? params : json_array(), &error);
            pthread_mutex_unlock(&lock);
            if (!result && !error) error = rpc_error(RPC_MISC_ERROR, "internal error");
            if (error) status = 500; /* Bitcoin Core's legacy JSON-RPC 1.0 behaviour */
        }
    }
    json_t *resp = json_pack("{s:o,s:o,s:O}", "result", result ? result : json_null(), "error",
                             error ? error : json_null(), "id", id ? id : json_null());
    char *text = json_dumps(resp, JSON_COMPACT);
    json_decref(resp);
    json_decref(req);
    if (!text) return MHD_NO;
    size_t tl = strlen(text);
    text[tl] = 0;
    enum MHD_Result ret = reply(conn, status, text, tl, "application/json");
    free(text);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
    conn_body *b = *con_cls;
    if (b) {
        free(b->data);
        free(b);
    }
    *con_cls = NULL;
}

static void on_signal(int sig) {
    stop_flag = 1;
}

static void usage(void) {
    fprintf(stderr,
            "usage: via-regtest-standin --user U --password P [--port N] [--port-file PATH]\n"
            "TEST FIXTURE: imitates bitcoind -regtest's JSON-RPC subset for Via's tests.\n");
}

int main(int argc, char **argv) {
    unsigned port = 0;
    const char *port_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--user") && i + 1 < argc)
            auth_user = argv[++i];
        else if (!strcmp(argv[i], "--password") && i + 1 < argc)
            auth_pass = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v > 65535) {
                fprintf(stderr, "via-regtest-standin: --port '%s' is not a port number\n", argv[i]);
                return 2;
            }
            port = (unsigned)v;
        } else if (!strcmp(argv[i], "--port-file") && i + 1 < argc)
            port_file = argv[++i];
        else {
            usage();
            return 2;
        }
    }
    if (!auth_user || !auth_pass) {
        usage();
        return 2;
    }
    if (sb_chain_init(&chain)) {
        fprintf(stderr, "via-regtest-standin: out of memory\n");
        return 1;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "via-regtest-standin: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : port;
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", bound) < 0 || fclose(f) || rename(tmp, port_file)) {
            fprintf(stderr, "via-regtest-standin: cannot write %s\n", port_file);
            MHD_stop_daemon(d);
            return 1;
        }
    }
    printf("listening on 127.0.0.1:%u\n", bound);
    fflush(stdout);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop_flag)
        sleep_ms(50);
    MHD_stop_daemon(d);
    sb_chain_free(&chain);
    return 0;
}
