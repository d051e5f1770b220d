/* The chain watcher.
 *
 * Invariants:
 *  - via_chain_blocks holds a contiguous run of heights [start_height, next_height) and each
 *    row's prev_hash equals the hash of the row below it: the stored blocks form one chain.
 *  - A block, its messages and deposits, and the cursor move are one transaction.
 *  - Before processing new blocks, the highest stored block is compared with the node's block
 *    at that height. If they differ, the watcher walks down until they agree (the fork point)
 *    and deletes everything above it in one transaction. A new block whose previousblockhash
 *    does not match the stored hash below it stops the poll; the next poll finds the fork.
 * Malformed Via envelopes in a transaction are counted and skipped: anybody can write one, and
 * the watcher must not stall on them. A block that cannot be decoded at all is an error.
 */
#define _GNU_SOURCE
#include "via/chain.h"
#include "internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MSGS_PER_TX 8

struct via_watcher {
    PGconn *pg;
    via_rpc *rpc;
    via_watch_callbacks cb;
    via_btc_network net;
    int64_t start_height;
    int confirmations;
    uint8_t *bridge;
    size_t bridge_len;
    int max_blocks;
    via_watcher_stats stats;
};

/* ---- PostgreSQL helpers: every result is cleared here or by the caller right after use ---- */

static int pg_exec(via_watcher *w, via_error *err, const char *what, const char *sql, int n,
                   const char *const *params, PGresult **keep) {
    PGresult *r = PQexecParams(w->pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int rc =
            via_fail(err, VIA_EDB, "watcher: query '%s' failed: %s", what, PQerrorMessage(w->pg));
        PQclear(r);
        return rc;
    }
    if (keep)
        *keep = r;
    else
        PQclear(r);
    return VIA_OK;
}

static void pg_rollback(via_watcher *w) {
    PGresult *r = PQexec(w->pg, "ROLLBACK");
    PQclear(r);
}

static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE via_chain_cursor ("
    "  id boolean PRIMARY KEY DEFAULT true CHECK (id),"
    "  start_height bigint NOT NULL CHECK (start_height >= 0),"
    "  next_height bigint NOT NULL,"
    "  updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE via_chain_blocks ("
    "  height bigint PRIMARY KEY,"
    "  hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),"
    "  prev_hash text NOT NULL,"
    "  processed_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE via_messages ("
    "  id bigserial PRIMARY KEY,"
    "  block_height bigint NOT NULL REFERENCES via_chain_blocks(height) ON DELETE CASCADE,"
    "  block_hash text NOT NULL,"
    "  txid text NOT NULL,"
    "  tx_index integer NOT NULL,"
    "  input_index integer NOT NULL,"
    "  msg_type text NOT NULL,"
    "  signer_xonly bytea NOT NULL,"
    "  sender_pubkey bytea,"
    "  payload jsonb NOT NULL,"
    "  UNIQUE (txid, input_index));"
    "CREATE INDEX via_messages_height ON via_messages (block_height);"
    "CREATE TABLE via_deposits ("
    "  id bigserial PRIMARY KEY,"
    "  block_height bigint NOT NULL REFERENCES via_chain_blocks(height) ON DELETE CASCADE,"
    "  block_hash text NOT NULL,"
    "  txid text NOT NULL UNIQUE,"
    "  tx_index integer NOT NULL,"
    "  vout integer NOT NULL,"
    "  amount_sat bigint NOT NULL CHECK (amount_sat > 0),"
    "  receiver bytea NOT NULL CHECK (length(receiver) = 20),"
    "  form text NOT NULL CHECK (form IN ('op_return', 'inscription')),"
    "  priority_id bigint NOT NULL UNIQUE);"
    "CREATE INDEX via_deposits_height ON via_deposits (block_height);"
    "CREATE TABLE via_chain_reorgs ("
    "  id bigserial PRIMARY KEY,"
    "  fork_height bigint NOT NULL,"
    "  old_tip_height bigint NOT NULL,"
    "  old_tip_hash text NOT NULL,"
    "  detected_at timestamptz NOT NULL DEFAULT now());",
    /* 2: deposits to rollup accounts (36-byte receiver, form 'rollup') */
    "ALTER TABLE via_deposits DROP CONSTRAINT via_deposits_receiver_check;"
    "ALTER TABLE via_deposits DROP CONSTRAINT via_deposits_form_check;"
    "ALTER TABLE via_deposits ADD CONSTRAINT via_deposits_receiver_check CHECK ("
    "  (form IN ('op_return', 'inscription') AND length(receiver) = 20) OR"
    "  (form = 'rollup' AND length(receiver) = 36));",
};

static int migrate(via_watcher *w, via_error *err) {
    int rc = pg_exec(w, err, "create via_chain_migrations",
                     "CREATE TABLE IF NOT EXISTS via_chain_migrations ("
                     " version integer PRIMARY KEY,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     0, NULL, NULL);
    if (rc) return rc;
    for (size_t v = 1; v <= sizeof migrations / sizeof *migrations; v++) {
        char vs[16];
        snprintf(vs, sizeof vs, "%zu", v);
        const char *p[1] = {vs};
        if ((rc = pg_exec(w, err, "BEGIN (migration)", "BEGIN", 0, NULL, NULL))) return rc;
        /* The lock serialises two watchers migrating at once. */
        if ((rc = pg_exec(w, err, "lock via_chain_migrations",
                          "LOCK TABLE via_chain_migrations IN EXCLUSIVE MODE", 0, NULL, NULL)))
            goto fail;
        PGresult *r = NULL;
        if ((rc = pg_exec(w, err, "select migration version",
                          "SELECT 1 FROM via_chain_migrations WHERE version = $1::int", 1, p, &r)))
            goto fail;
        int done = PQntuples(r) > 0;
        PQclear(r);
        if (!done) {
            PGresult *m = PQexec(w->pg, migrations[v - 1]);
            if (PQresultStatus(m) != PGRES_COMMAND_OK) {
                rc = via_fail(err, VIA_EDB, "watcher: migration %zu failed: %s", v,
                              PQerrorMessage(w->pg));
                PQclear(m);
                goto fail;
            }
            PQclear(m);
            if ((rc = pg_exec(w, err, "insert migration version",
                              "INSERT INTO via_chain_migrations (version) VALUES ($1::int)", 1, p,
                              NULL)))
                goto fail;
        }
        if ((rc = pg_exec(w, err, "COMMIT (migration)", "COMMIT", 0, NULL, NULL))) goto fail;
    }
    return VIA_OK;
fail:
    pg_rollback(w);
    return rc;
}

static int load_cursor(via_watcher *w, via_error *err) {
    char sh[24];
    snprintf(sh, sizeof sh, "%lld", (long long)w->start_height);
    const char *p[1] = {sh};
    int rc = pg_exec(w, err, "insert cursor",
                     "INSERT INTO via_chain_cursor (start_height, next_height) "
                     "VALUES ($1::bigint, $1::bigint) ON CONFLICT (id) DO NOTHING",
                     1, p, NULL);
    if (rc) return rc;
    PGresult *r = NULL;
    if ((rc = pg_exec(w, err, "select cursor",
                      "SELECT start_height, next_height FROM via_chain_cursor", 0, NULL, &r)))
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return via_fail(err, VIA_EDB, "watcher: via_chain_cursor has no row");
    }
    w->start_height = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    w->stats.next_height = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return VIA_OK;
}

int via_watcher_new(via_watcher **out, via_error *err, const via_watcher_config *cfg, via_rpc *rpc,
                    const via_watch_callbacks *cb) {
    *out = NULL;
    if (!cfg || !cfg->pg_conninfo || !rpc)
        return via_fail(err, VIA_EINVAL, "watcher: config, conninfo and rpc are required");
    if (cfg->start_height < 0 || cfg->confirmations < 0 || cfg->max_blocks_per_poll < 0)
        return via_fail(err, VIA_EINVAL,
                        "watcher: negative start height, confirmations or batch size");
    if (cfg->bridge_script && (cfg->bridge_script_len == 0 || cfg->bridge_script_len > 42))
        return via_fail(err, VIA_EINVAL, "watcher: bridge script of %zu bytes",
                        cfg->bridge_script_len);
    via_watcher *w = calloc(1, sizeof *w);
    if (!w) return via_fail(err, VIA_ENOMEM, "watcher: out of memory");
    w->rpc = rpc;
    if (cb) w->cb = *cb;
    w->net = cfg->network;
    w->start_height = cfg->start_height;
    w->confirmations = cfg->confirmations ? cfg->confirmations : 1;
    w->max_blocks = cfg->max_blocks_per_poll ? cfg->max_blocks_per_poll : 50;
    if (cfg->bridge_script) {
        w->bridge = malloc(cfg->bridge_script_len);
        if (!w->bridge) {
            free(w);
            return via_fail(err, VIA_ENOMEM, "watcher: out of memory");
        }
        memcpy(w->bridge, cfg->bridge_script, cfg->bridge_script_len);
        w->bridge_len = cfg->bridge_script_len;
    }
    w->pg = PQconnectdb(cfg->pg_conninfo);
    if (PQstatus(w->pg) != CONNECTION_OK) {
        int rc = via_fail(err, VIA_EDB, "watcher: cannot connect to PostgreSQL: %s",
                          PQerrorMessage(w->pg));
        via_watcher_free(w);
        return rc;
    }
    PGresult *r = PQexec(w->pg, "SET client_min_messages = warning");
    PQclear(r);
    int rc = migrate(w, err);
    if (!rc) rc = load_cursor(w, err);
    if (rc) {
        via_watcher_free(w);
        return rc;
    }
    *out = w;
    return VIA_OK;
}

void via_watcher_free(via_watcher *w) {
    if (!w) return;
    if (w->pg) PQfinish(w->pg);
    free(w->bridge);
    free(w);
}

void via_watcher_get_stats(const via_watcher *w, via_watcher_stats *out) {
    *out = w->stats;
}

/* ---- message payloads ---- */

static json_t *hexv(const uint8_t *d, size_t n) {
    char buf[2 * VIA_BTC_MAX_SCRIPT_ELEMENT + 1];
    if (n > VIA_BTC_MAX_SCRIPT_ELEMENT) return json_null();
    via_hex_encode(buf, d, n);
    return json_string(buf);
}

static json_t *txidv(const uint8_t internal[32]) {
    char buf[65];
    via_btc_txid_to_hex(buf, internal);
    return json_string(buf);
}

json_t *via_chain_message_json(const via_msg *m) {
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "type",
                        json_string(via_msg_type_tag(m->type) ? via_msg_type_tag(m->type) : "?"));
    switch (m->type) {
    case VIA_MSG_SYSTEM_BOOTSTRAPPING: {
        const via_msg_bootstrap *b = &m->u.bootstrap;
        json_t *v = json_array();
        for (size_t i = 0; i < b->n_verifiers && i < VIA_MSG_MAX_VERIFIERS; i++)
            json_array_append_new(v, json_string(b->verifier_addresses[i]));
        json_object_set_new(o, "start_block_height", json_integer(b->start_block_height));
        json_object_set_new(o, "protocol_version", hexv(b->protocol_version, 32));
        json_object_set_new(o, "bootloader_hash", hexv(b->bootloader_hash, 32));
        json_object_set_new(o, "abstract_account_hash", hexv(b->abstract_account_hash, 32));
        json_object_set_new(o, "snark_wrapper_vk_hash", hexv(b->snark_wrapper_vk_hash, 32));
        json_object_set_new(o, "evm_emulator_hash", hexv(b->evm_emulator_hash, 32));
        json_object_set_new(o, "governance_address", json_string(b->governance_address));
        json_object_set_new(o, "sequencer_address", json_string(b->sequencer_address));
        json_object_set_new(o, "bridge_address", json_string(b->bridge_address));
        json_object_set_new(o, "verifier_addresses", v);
        break;
    }
    case VIA_MSG_VALIDATOR_ATTESTATION:
        json_object_set_new(o, "reference_txid", txidv(m->u.attestation.reference_txid));
        json_object_set_new(o, "vote_ok", json_boolean(m->u.attestation.vote_ok));
        break;
    case VIA_MSG_L1_BATCH_DA_REFERENCE:
        json_object_set_new(o, "l1_batch_hash", hexv(m->u.batch_da_ref.l1_batch_hash, 32));
        json_object_set_new(o, "l1_batch_index", json_integer(m->u.batch_da_ref.l1_batch_index));
        json_object_set_new(o, "da_identifier", json_string(m->u.batch_da_ref.da_identifier));
        json_object_set_new(o, "blob_id", json_string(m->u.batch_da_ref.blob_id));
        json_object_set_new(o, "prev_l1_batch_hash",
                            hexv(m->u.batch_da_ref.prev_l1_batch_hash, 32));
        break;
    case VIA_MSG_PROOF_DA_REFERENCE:
        json_object_set_new(o, "l1_batch_reveal_txid",
                            txidv(m->u.proof_da_ref.l1_batch_reveal_txid));
        json_object_set_new(o, "da_identifier", json_string(m->u.proof_da_ref.da_identifier));
        json_object_set_new(o, "blob_id", json_string(m->u.proof_da_ref.blob_id));
        break;
    case VIA_MSG_L1_TO_L2:
        json_object_set_new(o, "receiver_l2_address", hexv(m->u.l1_to_l2.receiver_l2_address, 20));
        json_object_set_new(o, "l2_contract_address", hexv(m->u.l1_to_l2.l2_contract_address, 20));
        json_object_set_new(o, "call_data",
                            hexv(m->u.l1_to_l2.call_data, m->u.l1_to_l2.call_data_len));
        break;
    }
    return o;
}

/* ---- block processing ---- */

typedef struct {
    via_watch_message *msgs;
    size_t n_msgs, cap_msgs;
    via_watch_deposit *deps;
    size_t n_deps, cap_deps;
} found;

static int push(void **arr, size_t *n, size_t *cap, size_t elem, const void *v) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        void *p = realloc(*arr, c * elem);
        if (!p) return -1;
        *arr = p;
        *cap = c;
    }
    memcpy((char *)*arr + *n * elem, v, elem);
    (*n)++;
    return 0;
}

/* Finds the Via messages and a deposit in one transaction. */
static int scan_tx(via_watcher *w, via_error *err, found *f, const via_btc_tx *tx, const char *txid,
                   uint32_t tx_index, int64_t height, const char *block_hash) {
    via_tx_message tm[MAX_MSGS_PER_TX];
    size_t n = 0;
    via_error be = {0};
    int rc = via_tx_find_messages(tm, MAX_MSGS_PER_TX, &n, tx, w->net, &be);
    if (rc == VIA_EFORMAT || rc == VIA_EINVAL) {
        w->stats.malformed++;
        n = 0;
    } else if (rc == VIA_ENOMEM) {
        return via_fail(err, VIA_ENOMEM, "watcher: out of memory scanning %s", txid);
    } else if (rc && rc != VIA_ENOTFOUND) {
        n = 0;
    }
    if (n > MAX_MSGS_PER_TX) n = MAX_MSGS_PER_TX;
    uint8_t sender[33];
    int has_sender = n && via_tx_sender_pubkey(sender, tx) == VIA_OK;
    const via_msg *l1_to_l2 = NULL;
    for (size_t i = 0; i < n; i++) {
        via_watch_message m;
        memset(&m, 0, sizeof m);
        m.block_height = height;
        snprintf(m.block_hash, sizeof m.block_hash, "%s", block_hash);
        snprintf(m.txid, sizeof m.txid, "%s", txid);
        m.tx_index = tx_index;
        m.has_sender = has_sender;
        if (has_sender) memcpy(m.sender_pubkey, sender, 33);
        m.message = tm[i];
        if (push((void **)&f->msgs, &f->n_msgs, &f->cap_msgs, sizeof m, &m))
            return via_fail(err, VIA_ENOMEM, "watcher: out of memory");
        if (tm[i].msg.type == VIA_MSG_L1_TO_L2 && !l1_to_l2) l1_to_l2 = &tm[i].msg;
    }
    if (!w->bridge) return VIA_OK;
    via_watch_deposit d;
    memset(&d, 0, sizeof d);
    int first = -1;
    for (size_t o = 0; o < tx->n_out; o++) {
        const via_btc_txout *out = &tx->out[o];
        if (out->script_pubkey.len == w->bridge_len &&
            !memcmp(out->script_pubkey.data, w->bridge, w->bridge_len)) {
            if (first < 0) first = (int)o;
            d.amount_sat += out->value;
        }
    }
    if (first < 0 || d.amount_sat == 0) return VIA_OK;
    if (l1_to_l2) {
        memcpy(d.receiver, l1_to_l2->u.l1_to_l2.receiver_l2_address, 20);
        d.receiver_len = 20;
        d.form = VIA_DEPOSIT_INSCRIPTION;
    } else {
        for (size_t o = 0; o < tx->n_out && !d.form; o++) {
            const via_btc_bytes *sp = &tx->out[o].script_pubkey;
            if (via_deposit_rollup_parse(d.receiver, sp->data, sp->len, &be) == VIA_OK) {
                d.receiver_len = VIA_DEPOSIT_ROLLUP_LEN;
                d.form = VIA_DEPOSIT_ROLLUP;
            } else if (via_deposit_op_return_parse(d.receiver, sp->data, sp->len, &be) == VIA_OK) {
                d.receiver_len = 20;
                d.form = VIA_DEPOSIT_OP_RETURN;
            }
        }
    }
    if (!d.form) return VIA_OK; /* pays the bridge but names no receiver: not a deposit */
    if (height >= (1LL << 28) || tx_index >= (1u << 20) || first >= (1 << 16))
        return VIA_OK; /* outside the priority id's bit budget (docs/sources.md: via-deposits) */
    d.block_height = height;
    snprintf(d.block_hash, sizeof d.block_hash, "%s", block_hash);
    snprintf(d.txid, sizeof d.txid, "%s", txid);
    d.tx_index = tx_index;
    d.vout = (uint32_t)first;
    d.priority_id = (uint64_t)height << 36 | (uint64_t)tx_index << 16 | (uint64_t)first;
    if (push((void **)&f->deps, &f->n_deps, &f->cap_deps, sizeof d, &d))
        return via_fail(err, VIA_ENOMEM, "watcher: out of memory");
    return VIA_OK;
}

static int scan_block(via_watcher *w, via_error *err, found *f, json_t *block, int64_t height,
                      const char *hash) {
    json_t *txs = json_object_get(block, "tx");
    for (size_t i = 0; i < json_array_size(txs); i++) {
        json_t *t = json_array_get(txs, i);
        const char *txid = json_string_value(json_object_get(t, "txid"));
        uint8_t *raw;
        size_t len;
        int rc = via_chain_hex_decode(err, &raw, &len, json_string_value(json_object_get(t, "hex")),
                                      "getblock tx hex");
        if (rc) return rc;
        via_btc_tx tx;
        via_btc_tx_init(&tx);
        via_error be = {0};
        if (via_btc_tx_parse(&tx, raw, len, &be)) {
            free(raw);
            return via_fail(err, VIA_EFORMAT, "watcher: block %s tx %zu (%s): %s", hash, i, txid,
                            be.msg);
        }
        free(raw);
        if (i > 0) /* the coinbase carries neither messages nor deposits */
            rc = scan_tx(w, err, f, &tx, txid, (uint32_t)i, height, hash);
        via_btc_tx_free(&tx);
        if (rc) return rc;
    }
    return VIA_OK;
}

static int store_block(via_watcher *w, via_error *err, const found *f, int64_t height,
                       const char *hash, const char *prev) {
    char hs[24], next[24];
    snprintf(hs, sizeof hs, "%lld", (long long)height);
    snprintf(next, sizeof next, "%lld", (long long)height + 1);
    int rc = pg_exec(w, err, "BEGIN (block)", "BEGIN", 0, NULL, NULL);
    if (rc) return rc;
    const char *pb[3] = {hs, hash, prev};
    if ((rc = pg_exec(w, err, "insert via_chain_blocks",
                      "INSERT INTO via_chain_blocks (height, hash, prev_hash) "
                      "VALUES ($1::bigint, $2, $3)",
                      3, pb, NULL)))
        goto fail;
    for (size_t i = 0; i < f->n_msgs; i++) {
        const via_watch_message *m = &f->msgs[i];
        char ti[16], ii[16], signer[67], sender[70];
        snprintf(ti, sizeof ti, "%u", m->tx_index);
        snprintf(ii, sizeof ii, "%zu", m->message.input);
        memcpy(signer, "\\x", 2);
        via_hex_encode(signer + 2, m->message.signer_xonly, 32);
        memcpy(sender, "\\x", 2);
        via_hex_encode(sender + 2, m->sender_pubkey, 33);
        json_t *payload = via_chain_message_json(&m->message.msg);
        char *ps = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(payload);
        if (!ps) {
            rc = via_fail(err, VIA_ENOMEM, "watcher: out of memory");
            goto fail;
        }
        const char *tag = via_msg_type_tag(m->message.msg.type);
        const char *pm[9] = {
            hs, hash, m->txid, ti, ii, tag ? tag : "?", signer, m->has_sender ? sender : NULL, ps};
        rc = pg_exec(w, err, "insert via_messages",
                     "INSERT INTO via_messages (block_height, block_hash, txid, tx_index, "
                     "input_index, msg_type, signer_xonly, sender_pubkey, payload) VALUES "
                     "($1::bigint, $2, $3, $4::int, $5::int, $6, $7::bytea, $8::bytea, $9::jsonb)",
                     9, pm, NULL);
        free(ps);
        if (rc) goto fail;
    }
    for (size_t i = 0; i < f->n_deps; i++) {
        const via_watch_deposit *d = &f->deps[i];
        char ti[16], vo[16], amt[24], pid[24], recv[2 + 2 * sizeof d->receiver + 1];
        snprintf(ti, sizeof ti, "%u", d->tx_index);
        snprintf(vo, sizeof vo, "%u", d->vout);
        snprintf(amt, sizeof amt, "%llu", (unsigned long long)d->amount_sat);
        snprintf(pid, sizeof pid, "%llu", (unsigned long long)d->priority_id);
        memcpy(recv, "\\x", 2);
        via_hex_encode(recv + 2, d->receiver, d->receiver_len);
        const char *form = d->form == VIA_DEPOSIT_INSCRIPTION ? "inscription"
                           : d->form == VIA_DEPOSIT_ROLLUP    ? "rollup"
                                                              : "op_return";
        const char *pd[9] = {hs, hash, d->txid, ti, vo, amt, recv, form, pid};
        if ((rc = pg_exec(
                 w, err, "insert via_deposits",
                 "INSERT INTO via_deposits (block_height, block_hash, txid, tx_index, vout, "
                 "amount_sat, receiver, form, priority_id) VALUES ($1::bigint, $2, $3, "
                 "$4::int, $5::int, $6::bigint, $7::bytea, $8, $9::bigint)",
                 9, pd, NULL)))
            goto fail;
    }
    const char *pc[1] = {next};
    if ((rc = pg_exec(w, err, "update via_chain_cursor",
                      "UPDATE via_chain_cursor SET next_height = $1::bigint, updated_at = now()", 1,
                      pc, NULL)))
        goto fail;
    if ((rc = pg_exec(w, err, "COMMIT (block)", "COMMIT", 0, NULL, NULL))) goto fail;
    return VIA_OK;
fail:
    pg_rollback(w);
    return rc;
}

/* The stored hash at height (empty string when none). */
static int stored_hash(via_watcher *w, via_error *err, int64_t height, char out[65]) {
    out[0] = 0;
    char hs[24];
    snprintf(hs, sizeof hs, "%lld", (long long)height);
    const char *p[1] = {hs};
    PGresult *r = NULL;
    int rc = pg_exec(w, err, "select via_chain_blocks hash",
                     "SELECT hash FROM via_chain_blocks WHERE height = $1::bigint", 1, p, &r);
    if (rc) return rc;
    if (PQntuples(r) == 1) snprintf(out, 65, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return VIA_OK;
}

/* Deletes everything derived from heights >= from (one transaction) and logs the reorg. */
static int rollback_from(via_watcher *w, via_error *err, int64_t from, int64_t old_tip,
                         const char *old_hash) {
    char fs[24], ot[24], fork[24];
    snprintf(fs, sizeof fs, "%lld", (long long)from);
    snprintf(ot, sizeof ot, "%lld", (long long)old_tip);
    snprintf(fork, sizeof fork, "%lld", (long long)from - 1);
    const char *p1[1] = {fs};
    int rc = pg_exec(w, err, "BEGIN (rollback)", "BEGIN", 0, NULL, NULL);
    if (rc) return rc;
    if ((rc = pg_exec(w, err, "delete via_messages (rollback)",
                      "DELETE FROM via_messages WHERE block_height >= $1::bigint", 1, p1, NULL)) ||
        (rc = pg_exec(w, err, "delete via_deposits (rollback)",
                      "DELETE FROM via_deposits WHERE block_height >= $1::bigint", 1, p1, NULL)) ||
        (rc = pg_exec(w, err, "delete via_chain_blocks (rollback)",
                      "DELETE FROM via_chain_blocks WHERE height >= $1::bigint", 1, p1, NULL)) ||
        (rc = pg_exec(w, err, "update via_chain_cursor (rollback)",
                      "UPDATE via_chain_cursor SET next_height = $1::bigint, updated_at = now()", 1,
                      p1, NULL)))
        goto fail;
    const char *p3[3] = {fork, ot, old_hash};
    if ((rc = pg_exec(w, err, "insert via_chain_reorgs",
                      "INSERT INTO via_chain_reorgs (fork_height, old_tip_height, old_tip_hash) "
                      "VALUES ($1::bigint, $2::bigint, $3)",
                      3, p3, NULL)))
        goto fail;
    if ((rc = pg_exec(w, err, "COMMIT (rollback)", "COMMIT", 0, NULL, NULL))) goto fail;
    w->stats.reorgs++;
    w->stats.rolled_back += (uint64_t)(old_tip - from + 1);
    w->stats.next_height = from;
    if (w->cb.on_rollback) w->cb.on_rollback(w->cb.ud, from);
    return VIA_OK;
fail:
    pg_rollback(w);
    return rc;
}

/* Compares the stored tip with the node and rolls back to the fork point when they differ. */
static int check_reorg(via_watcher *w, via_error *err, int64_t node_tip) {
    int64_t last = w->stats.next_height - 1;
    if (last < w->start_height) return VIA_OK;
    char old_tip_hash[65];
    int rc = stored_hash(w, err, last, old_tip_hash);
    if (rc) return rc;
    int64_t h = last;
    for (; h >= w->start_height; h--) {
        char mine[65], node[65];
        if ((rc = stored_hash(w, err, h, mine))) return rc;
        if (!mine[0])
            return via_fail(err, VIA_EREORG,
                            "watcher: no stored block at height %lld below the cursor",
                            (long long)h);
        if (h > node_tip) continue; /* the node's chain is now shorter */
        if ((rc = via_rpc_getblockhash(w->rpc, err, node, h))) return rc;
        if (!strcmp(mine, node)) break;
    }
    if (h == last) return VIA_OK;
    /* h is the fork point (or start_height - 1 when even the first stored block changed). */
    return rollback_from(w, err, h + 1, last, old_tip_hash);
}

int via_watcher_poll(via_watcher *w, via_error *err, int64_t *processed) {
    if (processed) *processed = 0;
    int64_t node_tip;
    int rc = via_rpc_getblockcount(w->rpc, err, &node_tip);
    if (rc) return rc;
    if ((rc = check_reorg(w, err, node_tip))) return rc;
    int64_t last_ok = node_tip - w->confirmations + 1;
    int64_t done = 0;
    while (w->stats.next_height <= last_ok && done < w->max_blocks) {
        int64_t h = w->stats.next_height;
        char hash[65], prev_stored[65];
        if ((rc = via_rpc_getblockhash(w->rpc, err, hash, h))) break;
        json_t *block;
        if ((rc = via_rpc_getblock(w->rpc, err, &block, hash))) break;
        const char *prev = json_string_value(json_object_get(block, "previousblockhash"));
        if (!prev) prev = "0000000000000000000000000000000000000000000000000000000000000000";
        if (json_integer_value(json_object_get(block, "height")) != h) {
            json_decref(block);
            rc = via_fail(err, VIA_EFORMAT,
                          "watcher: block %s reports height %lld, "
                          "expected %lld",
                          hash, (long long)json_integer_value(json_object_get(block, "height")),
                          (long long)h);
            break;
        }
        if (h > w->start_height) {
            if ((rc = stored_hash(w, err, h - 1, prev_stored))) {
                json_decref(block);
                break;
            }
            if (strcmp(prev_stored, prev) != 0) {
                /* The chain moved under us between calls; the next poll finds the fork. */
                json_decref(block);
                break;
            }
        }
        found f = {0};
        rc = scan_block(w, err, &f, block, h, hash);
        if (!rc) rc = store_block(w, err, &f, h, hash, prev);
        json_decref(block);
        if (!rc) {
            w->stats.next_height = h + 1;
            w->stats.blocks++;
            w->stats.messages += f.n_msgs;
            w->stats.deposits += f.n_deps;
            done++;
            for (size_t i = 0; i < f.n_msgs && w->cb.on_message; i++)
                w->cb.on_message(w->cb.ud, &f.msgs[i]);
            for (size_t i = 0; i < f.n_deps && w->cb.on_deposit; i++)
                w->cb.on_deposit(w->cb.ud, &f.deps[i]);
        }
        free(f.msgs);
        free(f.deps);
        if (rc) break;
    }
    if (processed) *processed = done;
    return rc;
}
