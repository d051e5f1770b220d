/* via-sequencer: JSON-RPC intake, the state keeper, sealing batches into farm jobs. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "via/bitcoin.h"
#include "via/blake2b.h"
#include "via/chain.h"
#include "via/chunk.h"
#include "via/da.h"
#include "via/file.h"
#include "via/gateway.h"
#include "via/hex.h"
#include "via/jsonrpc.h"
#include "via/keeper.h"
#include "via/log.h"
#include "via/mem.h"
#include "via/rollup_json.h"
#include "via/state_tree.h"

static const char help[] =
    "usage: via-sequencer key-address --btc-key FILE [--network NET]   (the address to fund)\n"
    "       via-sequencer bootstrap ...   (inscribes the system bootstrapping message; --help)\n"
    "       via-sequencer run [--db CONNINFO] [--listen ADDR:PORT] [--keys DIR] [--slots C]\n"
    "                         [--chunks N] [--seal-age S] [--genesis FILE] [--api-keys FILE]\n"
    "                         [--admin-key KEY] [--max-body BYTES] [--depth D]\n\n"
    "Takes L2 transactions over JSON-RPC 2.0 (POST /), validates them against the pending\n"
    "state, acknowledges each only once it is stored in PostgreSQL, and seals batches of up to\n"
    "N chunks of C slots (when N*C transactions wait or the oldest has waited S seconds): the\n"
    "batch, its header, the state tree's new version, each chunk's witness input as a farm job\n"
    "and the batch's aggregate job are written in one PostgreSQL transaction (docs/farm.md,\n"
    "docs/protocol.md). Methods: via_sendTransaction [tx], via_getAccount [id | {\"id\"} |\n"
    "{\"pubkey\":{x,y}}, batch?], via_getTransaction [hash], via_getBatch [n], via_batchNumber "
    "[],\nvia_getDeposit [btc txid], via_getWithdrawals [batch],\n"
    "and with the admin key via_seal [] (seal now). Options and their variables:\n"
    "  --db (VIA_DB), --listen (VIA_SEQ_LISTEN, default :8545), --keys (VIA_KEYS: the chunk key\n"
    "  chunk-<C>.zkey whose hash the jobs carry), --slots (VIA_SEQ_SLOTS, 1), --chunks\n"
    "  (VIA_SEQ_CHUNKS, 4), --seal-age (VIA_SEQ_SEAL_AGE, 5 s), --genesis (a JSON list of\n"
    "  {id, pubkey:{x,y}, balance} applied to an empty database), --api-keys (VIA_SEQ_API_KEYS:\n"
    "  lines \"<key> <requests per second>\"; without it no key is needed), --admin-key\n"
    "  (VIA_SEQ_ADMIN_KEY), --max-body (65536), --depth (6), --da postgres|celestia (VIA_DA;\n"
    "  each sealed batch's pubdata, then its aggregate proof once proven, is published and its\n"
    "  reference stored), --celestia-url (VIA_CELESTIA_URL), --celestia-token\n"
    "  (VIA_CELESTIA_TOKEN), --btc-rpc URL (VIA_BTC_RPC; VIA_BTC_RPC_USER/PASSWORD or _COOKIE)\n"
    "  with --btc-key FILE (VIA_BTC_KEY: the sequencer key that inscribes each batch's DA\n"
    "  reference and then its proof's), --network (VIA_BTC_NETWORK, regtest), --confirmations\n"
    "  (VIA_BTC_CONFIRMATIONS, 1), --bridge ADDRESS (VIA_BRIDGE_ADDRESS: follow the chain and\n"
    "  credit the rollup deposits paid to it, docs/protocol.md \"Deposits\") with\n"
    "  --deposit-confirmations N (VIA_DEPOSIT_CONFIRMATIONS, 6) and --start-height H\n"
    "  (VIA_BTC_START_HEIGHT, 0: the first block the watcher reads), --retain N (VIA_SEQ_RETAIN: "
    "keep the state of the last N "
    "batches\n"
    "  readable and prune older versions; default 0, all), --max-pubdata BYTES\n"
    "  (VIA_SEQ_MAX_PUBDATA: the largest batch DA blob, 160-byte header + 157 bytes per slot;\n"
    "  fewer chunks per batch when N chunks would not fit; default 0, no limit).\n";

/* ---- configuration and state ---- */
typedef struct {
    char key[129];
    double rate, tokens, last;
} api_key;

/* A transaction the keeper accepted, waiting for the committer to store it (group commit:
 * every transaction that arrives while a commit runs is stored by the next one). */
struct waiting {
    uint8_t hash[32];
    char *body;
    uint64_t from, nonce;
    int done, ok; /* set by the committer */
};

static struct {
    const char *db, *listen, *keys, *genesis, *admin, *da_kind, *cel_url, *cel_token;
    const char *btc_rpc, *btc_key, *bridge;
    uint8_t bridge_script[42];
    size_t bridge_len;
    unsigned dep_confirmations;
    int64_t start_height;
    volatile int watching;    /* the chain watcher's tables exist */
    uint64_t dep_last_queued; /* priority id of the last deposit given to the keeper */
    double dep_oldest_at;     /* when the oldest queued deposit was found */
    uint64_t dep_credited, dep_refused, dep_dropped, watcher_errors;
    via_btc_network net;
    unsigned confirmations;
    unsigned slots, chunks, depth;
    uint64_t retain; /* batches whose state stays readable (0: all) */
    double seal_age;
    size_t max_body;
    api_key *keys_list;
    size_t nkeys;
    uint8_t key_hash[32];
    char circuit[32];
    /* state, under mu */
    pthread_mutex_t mu;
    PGconn *pg;      /* intake's inserts (under mu) */
    PGconn *seal_pg; /* sealing, the state tree, the gateway, reloading (sealer thread) */
    int need_reload; /* an intake insert failed: the sealer rebuilds the keeper (under mu) */
    int seal_now;    /* via_seal asked for a batch (under mu) */
    struct waiting **inflight; /* accepted by the keeper, not yet stored (under mu) */
    size_t ninflight, capinflight;
    pthread_cond_t commit_cv, done_cv;
    PGconn *read_pg; /* read methods (under read_mu) */
    pthread_mutex_t read_mu;
    via_keeper *keeper;
    via_state_tree *tree;
    via_gateway *gw;
    int64_t *pending_seq; /* seq of each pending transaction, in keeper order */
    double *pending_at;
    size_t npending, cap;
    uint64_t batch;
    uint8_t last_hash[32];
    volatile sig_atomic_t stop;
    /* metrics */
    uint64_t accepted, sealed_batches, db_errors, da_published, da_errors, inscribed,
        inscription_errors;
    json_t *rejected; /* rule -> count */
    double last_seal_s;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .read_mu = PTHREAD_MUTEX_INITIALIZER,
       .commit_cv = PTHREAD_COND_INITIALIZER,
       .done_cv = PTHREAD_COND_INITIALIZER};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int q(PGconn *pg, const char *sql, int n, const char *const *v, PGresult **out,
             via_error *err) {
    PGresult *r = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int rc = via_fail(err, VIA_EDB, "sequencer: %s", PQresultErrorMessage(r));
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return VIA_OK;
}

static const char *schema =
    "SET client_min_messages = warning; SET synchronous_commit = on;"
    "CREATE TABLE IF NOT EXISTS via_seq_meta (id boolean PRIMARY KEY DEFAULT true CHECK (id),"
    " depth integer NOT NULL, slots integer NOT NULL);"
    "CREATE TABLE IF NOT EXISTS via_seq_txs (seq bigserial PRIMARY KEY,"
    " hash bytea NOT NULL UNIQUE CHECK (length(hash) = 32), body text NOT NULL,"
    " sender bigint NOT NULL, nonce bigint NOT NULL,"
    " status text NOT NULL CHECK (status IN ('pending', 'included')), batch bigint,"
    " received_at timestamptz NOT NULL DEFAULT now());"
    "CREATE INDEX IF NOT EXISTS via_seq_txs_pending ON via_seq_txs (seq) WHERE status = 'pending';"
    "CREATE TABLE IF NOT EXISTS via_seq_batches (number bigint PRIMARY KEY CHECK (number >= 1),"
    " header bytea NOT NULL, header_hash bytea NOT NULL UNIQUE, root_before text NOT NULL,"
    " root_after text NOT NULL, chunks integer NOT NULL, slots integer NOT NULL,"
    " txs bigint NOT NULL, pubdata bytea NOT NULL, sealed_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS via_seq_accounts (id bigint NOT NULL, batch bigint NOT NULL,"
    " pk_x text NOT NULL, pk_y text NOT NULL, balance numeric(20, 0) NOT NULL,"
    " nonce bigint NOT NULL, PRIMARY KEY (id, batch));"
    "ALTER TABLE via_seq_batches ADD COLUMN IF NOT EXISTS da_ref text;"
    "ALTER TABLE via_seq_batches ADD COLUMN IF NOT EXISTS proof_ref text;"
    "CREATE TABLE IF NOT EXISTS via_seq_inscriptions (batch bigint NOT NULL,"
    " kind text NOT NULL CHECK (kind IN ('batch_da', 'proof_da')),"
    " commit_raw bytea NOT NULL, reveal_raw bytea NOT NULL,"
    " commit_txid text NOT NULL, reveal_txid text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('built', 'sent', 'confirmed')),"
    " created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz,"
    " confirmed_at timestamptz, PRIMARY KEY (batch, kind));"
    "CREATE TABLE IF NOT EXISTS via_seq_deposits (priority_id bigint PRIMARY KEY,"
    " txid text NOT NULL UNIQUE, vout integer NOT NULL, amount bigint NOT NULL,"
    " receiver bytea NOT NULL CHECK (length(receiver) = 36), block_height bigint NOT NULL,"
    " block_hash text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('queued', 'credited', 'refused')),"
    " rule text, batch bigint, found_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS via_seq_withdrawals (batch bigint NOT NULL,"
    " idx integer NOT NULL, account bigint NOT NULL, amount bigint NOT NULL,"
    " dest bytea NOT NULL, PRIMARY KEY (batch, idx));";

/* ---- loading: genesis on an empty database, else the sealed state and pending txs ---- */
static int write_accounts(PGconn *pg, const uint64_t *ids, size_t n, uint64_t batch,
                          via_error *err) {
    /* one statement for all of them: arrays of ids, keys, balances and nonces */
    size_t cap = 64 + n * 220;
    char *ia = malloc(cap), *xa = malloc(cap), *ya = malloc(cap), *ba = malloc(cap),
         *na = malloc(cap);
    if (!ia || !xa || !ya || !ba || !na) {
        free(ia);
        free(xa);
        free(ya);
        free(ba);
        free(na);
        return via_fail(err, VIA_ENOMEM, "sequencer: %zu accounts", n);
    }
    size_t pi = 0, px = 0, py = 0, pb = 0, pn = 0, written = 0;
    ia[pi++] = xa[px++] = ya[py++] = ba[pb++] = na[pn++] = '{';
    for (size_t i = 0; i < n; i++) {
        via_account a;
        via_keeper_account(S.keeper, ids[i], 1, &a);
        if (!a.exists) continue;
        char x[80], y[80];
        via_fr_to_decimal(x, sizeof x, &a.pk_x);
        via_fr_to_decimal(y, sizeof y, &a.pk_y);
        const char *sep = written ? "," : "";
        pi += (size_t)snprintf(ia + pi, cap - pi, "%s%" PRIu64, sep, ids[i]);
        px += (size_t)snprintf(xa + px, cap - px, "%s%s", sep, x);
        py += (size_t)snprintf(ya + py, cap - py, "%s%s", sep, y);
        pb += (size_t)snprintf(ba + pb, cap - pb, "%s%" PRIu64, sep, a.balance);
        pn += (size_t)snprintf(na + pn, cap - pn, "%s%" PRIu64, sep, a.nonce);
        written++;
    }
    ia[pi++] = xa[px++] = ya[py++] = ba[pb++] = na[pn++] = '}';
    ia[pi] = xa[px] = ya[py] = ba[pb] = na[pn] = 0;
    char b[24];
    snprintf(b, sizeof b, "%" PRIu64, batch);
    const char *v[6] = {b, ia, xa, ya, ba, na};
    int rc = written ? q(pg,
                         "INSERT INTO via_seq_accounts (id, batch, pk_x, pk_y, balance, nonce)"
                         " SELECT i, $1::bigint, x, y, bal, nn FROM unnest($2::bigint[],"
                         " $3::text[], $4::text[], $5::numeric[], $6::bigint[])"
                         " AS u(i, x, y, bal, nn)",
                         6, v, NULL, err)
                     : VIA_OK;
    free(ia);
    free(xa);
    free(ya);
    free(ba);
    free(na);
    return rc;
}

/* Reads a genesis file (a JSON list of {id, pubkey: {x, y}, balance}) into keeper k; *ids and
 * *leaves (malloc'd) get each account's id and leaf. */
typedef struct {
    via_keeper *k;
    uint64_t *ids;
    via_fr *leaves;
    size_t n, cap;
} genesis_acc;

static int genesis_add(void *ud, uint64_t id, const via_fr *x, const via_fr *y, uint64_t bal,
                       via_error *err) {
    genesis_acc *g = ud;
    if (g->n == g->cap) {
        size_t nc = g->cap ? 2 * g->cap : 64;
        uint64_t *ni = realloc(g->ids, nc * sizeof *ni);
        if (!ni) return via_fail(err, VIA_ENOMEM, "genesis");
        g->ids = ni;
        via_fr *nl = realloc(g->leaves, nc * sizeof *nl);
        if (!nl) return via_fail(err, VIA_ENOMEM, "genesis");
        g->leaves = nl;
        g->cap = nc;
    }
    int rc = via_keeper_create(g->k, id, x, y, bal, err);
    if (rc) return rc;
    g->ids[g->n] = id;
    via_smt_account_leaf(&g->leaves[g->n], x, y, bal, 0);
    g->n++;
    return VIA_OK;
}

/* Reads a genesis file into keeper k; *ids and *leaves (malloc'd) get each account's id and
 * leaf. */
static int genesis_read(const char *path, via_keeper *k, uint64_t **ids_out, via_fr **leaves_out,
                        size_t *n_out, via_error *err) {
    genesis_acc g = {k, NULL, NULL, 0, 0};
    int rc = via_genesis_read(path, genesis_add, &g, err);
    if (rc) {
        free(g.ids);
        free(g.leaves);
        return rc;
    }
    *ids_out = g.ids;
    *leaves_out = g.leaves;
    *n_out = g.n;
    return VIA_OK;
}

static int apply_genesis(via_error *err) {
    uint64_t *ids;
    via_fr *leaves;
    size_t n;
    int rc = genesis_read(S.genesis, S.keeper, &ids, &leaves, &n, err);
    if (rc) return rc;
    if (!rc) rc = q(S.seal_pg, "BEGIN", 0, NULL, NULL, err);
    if (!rc) rc = write_accounts(S.seal_pg, ids, n, 0, err);
    via_fr root;
    if (!rc) rc = via_state_tree_update(S.tree, ids, leaves, n, 1, &root, err);
    if (!rc) rc = q(S.seal_pg, "COMMIT", 0, NULL, NULL, err);
    if (rc) {
        PQclear(PQexec(S.seal_pg, "ROLLBACK"));
        via_state_tree_rolled_back(S.tree);
    } else {
        via_state_tree_committed(S.tree);
    }
    free(ids);
    free(leaves);
    return rc;
}

static int push_pending(int64_t seq) {
    if (S.npending == S.cap) {
        size_t nc = S.cap ? 2 * S.cap : 1024;
        int64_t *a = realloc(S.pending_seq, nc * sizeof *a);
        if (!a) return -1;
        S.pending_seq = a;
        double *b = realloc(S.pending_at, nc * sizeof *b);
        if (!b) return -1;
        S.pending_at = b;
        S.cap = nc;
    }
    S.pending_seq[S.npending] = seq;
    S.pending_at[S.npending] = now_s();
    S.npending++;
    return 0;
}

/* Gives the keeper the queued deposits above the last it has (all of them, after the last
 * sealed one, when fresh is set). Sealer thread or start-up (seal_pg); takes S.mu for the
 * keeper unless the caller holds it (locked). */
static int queue_deposits(int fresh, int locked, via_error *err) {
    PGresult *r = NULL;
    int rc;
    if (fresh) {
        if ((rc = q(S.seal_pg,
                    "SELECT coalesce(max(priority_id), 0) FROM via_seq_deposits"
                    " WHERE status <> 'queued'",
                    0, NULL, &r, err)))
            return rc;
        uint64_t last = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (!locked) pthread_mutex_lock(&S.mu);
        via_keeper_clear_deposits(S.keeper);
        via_keeper_set_last_priority(S.keeper, last);
        S.dep_last_queued = last;
        if (!locked) pthread_mutex_unlock(&S.mu);
    }
    char after[24];
    snprintf(after, sizeof after, "%" PRIu64, S.dep_last_queued);
    const char *v[1] = {after};
    if ((rc = q(S.seal_pg,
                "SELECT priority_id, txid, vout, amount, encode(receiver, 'hex')"
                " FROM via_seq_deposits WHERE status = 'queued' AND priority_id > $1::bigint"
                " ORDER BY priority_id",
                1, v, &r, err)))
        return rc;
    if (!locked) pthread_mutex_lock(&S.mu);
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        via_keeper_deposit d;
        memset(&d, 0, sizeof d);
        d.priority_id = strtoull(PQgetvalue(r, i, 0), NULL, 10);
        d.vout = (uint32_t)strtoul(PQgetvalue(r, i, 2), NULL, 10);
        d.amount = strtoull(PQgetvalue(r, i, 3), NULL, 10);
        if (via_hex_decode_exact(d.txid, 32, PQgetvalue(r, i, 1), err) ||
            via_hex_decode_exact(d.receiver, 36, PQgetvalue(r, i, 4), err)) {
            rc = via_fail(err, VIA_EDB, "sequencer: stored deposit %s is malformed",
                          PQgetvalue(r, i, 0));
            break;
        }
        if (via_keeper_deposits_queued(S.keeper) == 0) S.dep_oldest_at = now_s();
        if ((rc = via_keeper_add_deposit(S.keeper, &d, err))) break;
        S.dep_last_queued = d.priority_id;
    }
    if (!locked) pthread_mutex_unlock(&S.mu);
    PQclear(r);
    return rc;
}

/* Takes the rollup deposits the chain watcher found (confirmed, in Bitcoin order) into
 * via_seq_deposits and the keeper's queue; a queued deposit whose block left the best chain
 * is dropped (and the queue rebuilt). Sealer thread only, so it never runs beside a seal. */
static int import_deposits(via_error *err) {
    if (!S.watching) return VIA_OK;
    PGresult *r = NULL;
    int rc =
        q(S.seal_pg,
          "DELETE FROM via_seq_deposits d WHERE d.status = 'queued' AND NOT EXISTS ("
          " SELECT 1 FROM via_deposits w WHERE w.txid = d.txid AND w.block_hash = d.block_hash)"
          " RETURNING priority_id, txid",
          0, NULL, &r, err);
    if (rc) return rc;
    int dropped = PQntuples(r);
    for (int i = 0; i < dropped; i++)
        via_log(VIA_LOG_WARN, "deposit.dropped", "priority_id=%s txid=%s reason=reorganised",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    rc = q(S.seal_pg,
           "INSERT INTO via_seq_deposits (priority_id, txid, vout, amount, receiver,"
           " block_height, block_hash, status)"
           " SELECT priority_id, txid, vout, amount_sat, receiver, block_height, block_hash,"
           " 'queued' FROM via_deposits WHERE form = 'rollup' AND priority_id >"
           " (SELECT coalesce(max(priority_id), 0) FROM via_seq_deposits)"
           " ON CONFLICT DO NOTHING RETURNING priority_id, txid, amount",
           0, NULL, &r, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(r); i++)
        via_log(VIA_LOG_INFO, "deposit.queued", "priority_id=%s txid=%s amount=%s",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    if (dropped) {
        pthread_mutex_lock(&S.mu);
        S.dep_dropped += (uint64_t)dropped;
        pthread_mutex_unlock(&S.mu);
    }
    return queue_deposits(dropped > 0, 0, err);
}

/* (Re)builds the keeper from the database: the sealed accounts, the queued deposits, then the
 * pending transactions in order. Checks the keeper's root against the state tree. Called with
 * S.mu held (or before the threads start). */
static int load_state(via_error *err) {
    via_keeper_free(S.keeper);
    S.keeper = via_keeper_new(S.depth);
    S.npending = 0;
    if (!S.keeper) return via_fail(err, VIA_ENOMEM, "keeper");
    PGresult *r = NULL;
    int rc = q(S.seal_pg,
               "SELECT DISTINCT ON (id) id, pk_x, pk_y, balance, nonce FROM via_seq_accounts"
               " ORDER BY id, batch DESC",
               0, NULL, &r, err);
    if (rc) return rc;
    int naccounts = PQntuples(r);
    for (int i = 0; i < naccounts && !rc; i++) {
        via_fr x, y;
        uint64_t id = strtoull(PQgetvalue(r, i, 0), NULL, 10);
        uint64_t bal = strtoull(PQgetvalue(r, i, 3), NULL, 10);
        uint64_t nonce = strtoull(PQgetvalue(r, i, 4), NULL, 10);
        if (via_fr_from_decimal(&x, PQgetvalue(r, i, 1)) ||
            via_fr_from_decimal(&y, PQgetvalue(r, i, 2)))
            rc = via_fail(err, VIA_EDB, "sequencer: a stored account key is malformed");
        else
            rc = via_keeper_restore(S.keeper, id, &x, &y, bal, nonce, err);
    }
    PQclear(r);
    if (rc) return rc;
    rc = q(S.seal_pg,
           "SELECT number, encode(header_hash, 'hex') FROM via_seq_batches ORDER BY number"
           " DESC LIMIT 1",
           0, NULL, &r, err);
    if (rc) return rc;
    S.batch = 0;
    memset(S.last_hash, 0, 32);
    if (PQntuples(r) == 1) {
        S.batch = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
        if (via_hex_decode_exact(S.last_hash, 32, PQgetvalue(r, 0, 1), err)) rc = VIA_EDB;
    }
    PQclear(r);
    if (rc) return rc;
    /* the tree: version = batch + 1 (version 1 is the genesis) */
    via_fr troot, kroot;
    if (naccounts > 0) {
        if ((rc = via_state_tree_root(S.tree, (int64_t)S.batch + 1, &troot, err))) return rc;
        via_keeper_root(S.keeper, &kroot);
        if (!via_fr_eq(&troot, &kroot))
            return via_fail(err, VIA_EDB,
                            "sequencer: the stored accounts and the state tree disagree at batch "
                            "%" PRIu64 "; refusing to start",
                            S.batch);
    }
    if ((rc = queue_deposits(1, 1, err))) return rc;
    rc = q(S.seal_pg, "SELECT seq, body FROM via_seq_txs WHERE status = 'pending' ORDER BY seq", 0,
           NULL, &r, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *body = PQgetvalue(r, i, 1);
        const char *rule;
        via_error e2 = {0};
        if (via_keeper_submit(S.keeper, body, strlen(body), &rule, &e2) != VIA_OK) {
            via_log(VIA_LOG_ERROR, "tx.invalid_on_reload", "seq=%s rule=%s", PQgetvalue(r, i, 0),
                    rule ? rule : "?");
            continue;
        }
        push_pending(strtoll(PQgetvalue(r, i, 0), NULL, 10));
    }
    PQclear(r);
    return VIA_OK;
}

/* ---- sealing ---- */
/* The deposits a batch consumed: each must still be in a block of the best chain (their
 * watcher rows are locked until the batch commits, so a reorganisation waits for it), then
 * each is marked credited or refused with the rule. */
static int seal_deposits(const via_sealed_batch *b, const char *ns, via_error *err) {
    size_t cap = 32 + b->ndeposits * 48;
    char *ids = malloc(cap), *rules = malloc(cap);
    if (!ids || !rules) {
        free(ids);
        free(rules);
        return via_fail(err, VIA_ENOMEM, "sequencer: deposits");
    }
    size_t pi = 0, pr = 0;
    ids[pi++] = rules[pr++] = '{';
    for (size_t i = 0; i < b->ndeposits; i++) {
        const char *sep = i ? "," : "";
        pi += (size_t)snprintf(ids + pi, cap - pi, "%s%" PRIu64, sep, b->deposits[i].priority_id);
        pr += (size_t)snprintf(rules + pr, cap - pr, "%s%s", sep,
                               b->deposits[i].refused ? b->deposits[i].refused : "NULL");
    }
    ids[pi++] = rules[pr++] = '}';
    ids[pi] = rules[pr] = 0;
    const char *v[3] = {ns, ids, rules};
    PGresult *r = NULL;
    int rc = q(S.seal_pg,
               "SELECT d.priority_id FROM via_seq_deposits d JOIN via_deposits w"
               " ON w.txid = d.txid AND w.block_hash = d.block_hash"
               " WHERE d.priority_id = ANY($1::bigint[]) AND d.status = 'queued' FOR SHARE OF w",
               1, v + 1, &r, err);
    if (!rc) {
        if ((size_t)PQntuples(r) != b->ndeposits)
            rc = via_fail(err, VIA_EREORG,
                          "sequencer: %zu of the batch's %zu deposits left the best chain while "
                          "it was sealed; sealing again without them",
                          b->ndeposits - (size_t)PQntuples(r), b->ndeposits);
        PQclear(r);
    }
    if (!rc)
        rc = q(S.seal_pg,
               "UPDATE via_seq_deposits d SET status = CASE WHEN u.rule IS NULL THEN 'credited'"
               " ELSE 'refused' END, rule = u.rule, batch = $1::bigint"
               " FROM unnest($2::bigint[], $3::text[]) AS u(pid, rule) WHERE d.priority_id = u.pid",
               3, v, NULL, err);
    free(ids);
    free(rules);
    return rc;
}

/* The withdrawals a batch executed, by batch and slot index, for the verifiers' coordinator
 * (read from the pubdata: docs/protocol.md "Pubdata"). */
static int seal_withdrawals(const via_sealed_batch *b, const char *ns, via_error *err) {
    size_t slots = b->pubdata_len / 157, n = 0;
    for (size_t i = 0; i < slots; i++)
        n += b->pubdata[i * 157] == 3;
    if (!n) return VIA_OK;
    size_t cap = 32 + n * 180;
    char *ia = malloc(cap), *aa = malloc(cap), *ma = malloc(cap), *da = malloc(cap);
    int rc = VIA_OK;
    if (!ia || !aa || !ma || !da) {
        rc = via_fail(err, VIA_ENOMEM, "sequencer: withdrawals");
        goto out;
    }
    size_t pi = 0, pa = 0, pm = 0, pd = 0, k = 0;
    ia[pi++] = aa[pa++] = ma[pm++] = da[pd++] = '{';
    for (size_t i = 0; i < slots; i++) {
        const uint8_t *p = b->pubdata + i * 157;
        if (p[0] != 3) continue;
        uint64_t acct = 0, amount = 0;
        for (int j = 0; j < 4; j++)
            acct = acct << 8 | p[1 + j];
        for (int j = 0; j < 8; j++)
            amount = amount << 8 | p[9 + j];
        uint8_t dest[62];
        memcpy(dest, p + 95, 31);
        memcpy(dest + 31, p + 126, 31);
        char hex[125];
        via_hex_encode(hex, dest, p[25]);
        const char *sep = k++ ? "," : "";
        pi += (size_t)snprintf(ia + pi, cap - pi, "%s%zu", sep, i);
        pa += (size_t)snprintf(aa + pa, cap - pa, "%s%" PRIu64, sep, acct);
        pm += (size_t)snprintf(ma + pm, cap - pm, "%s%" PRIu64, sep, amount);
        pd += (size_t)snprintf(da + pd, cap - pd, "%s%s", sep, hex);
    }
    ia[pi++] = aa[pa++] = ma[pm++] = da[pd++] = '}';
    ia[pi] = aa[pa] = ma[pm] = da[pd] = 0;
    const char *v[5] = {ns, ia, aa, ma, da};
    rc = q(S.seal_pg,
           "INSERT INTO via_seq_withdrawals (batch, idx, account, amount, dest)"
           " SELECT $1::bigint, i, a, m, decode(d, 'hex') FROM unnest($2::int[], $3::bigint[],"
           " $4::bigint[], $5::text[]) AS u(i, a, m, d)",
           5, v, NULL, err);
out:
    free(ia);
    free(aa);
    free(ma);
    free(da);
    return rc;
}

/* Writes a batch the keeper sealed in memory (phase B: no lock held; only the sealer thread
 * uses seal_pg, the tree and the gateway). */
static int seal_write(via_sealed_batch *bp, uint64_t number, int64_t last_seq, via_error *err) {
    via_sealed_batch b = *bp;
    int rc;
    char ns[24], rb[80], ra[80], ch[16], sl[16], tx[24];
    snprintf(ns, sizeof ns, "%" PRIu64, number);
    via_fr_to_decimal(rb, sizeof rb, &b.root_before);
    via_fr_to_decimal(ra, sizeof ra, &b.root_after);
    snprintf(ch, sizeof ch, "%u", b.chunks);
    snprintf(sl, sizeof sl, "%u", b.slots_per_chunk);
    snprintf(tx, sizeof tx, "%" PRIu64, b.txs);
    rc = q(S.seal_pg, "BEGIN", 0, NULL, NULL, err);
    if (!rc) {
        const char *v[9] = {ns, (const char *)b.header, (const char *)b.header_hash, rb, ra, ch, sl,
                            tx, (const char *)b.pubdata};
        int lens[9] = {0, 160, 32, 0, 0, 0, 0, 0, (int)b.pubdata_len};
        int fmts[9] = {0, 1, 1, 0, 0, 0, 0, 0, 1};
        PGresult *r = PQexecParams(S.seal_pg,
                                   "INSERT INTO via_seq_batches (number, header, header_hash,"
                                   " root_before, root_after, chunks, slots, txs, pubdata)"
                                   " VALUES ($1::bigint, $2, $3, $4, $5, $6::int, $7::int,"
                                   " $8::bigint, $9)",
                                   9, NULL, v, lens, fmts, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = via_fail(err, VIA_EDB, "sequencer: storing batch %" PRIu64 ": %s", number,
                          PQresultErrorMessage(r));
        PQclear(r);
    }
    if (!rc && b.txs) {
        char last[24];
        snprintf(last, sizeof last, "%" PRId64, last_seq);
        const char *v[2] = {ns, last};
        rc = q(S.seal_pg,
               "UPDATE via_seq_txs SET status = 'included', batch = $1::bigint"
               " WHERE status = 'pending' AND seq <= $2::bigint",
               2, v, NULL, err);
    }
    if (!rc && b.ndeposits) rc = seal_deposits(&b, ns, err);
    if (!rc) rc = seal_withdrawals(&b, ns, err);
    if (!rc) rc = write_accounts(S.seal_pg, b.ids, b.nleaves, number, err);
    via_fr root;
    if (!rc) rc = via_state_tree_update(S.tree, b.ids, b.leaves, b.nleaves, 1, &root, err);
    for (uint32_t c = 0; !rc && c < b.chunks; c++) {
        via_job_spec s;
        memset(&s, 0, sizeof s);
        s.kind = VIA_JOB_CHUNK;
        s.batch = (int64_t)number;
        s.chunk_index = (int32_t)c;
        s.circuit_id = S.circuit;
        memcpy(s.key_hash, S.key_hash, 32);
        s.input = (const uint8_t *)b.chunk_inputs[c];
        s.input_len = strlen(b.chunk_inputs[c]);
        s.gpu_seconds = 0.25 * S.slots;
        int64_t id;
        int created;
        rc = via_gateway_enqueue_in_tx(S.gw, &s, &id, &created, err);
    }
    if (!rc) {
        uint8_t in[4] = {(uint8_t)b.chunks, (uint8_t)(b.chunks >> 8), (uint8_t)(b.chunks >> 16),
                         (uint8_t)(b.chunks >> 24)};
        via_job_spec s;
        memset(&s, 0, sizeof s);
        s.kind = VIA_JOB_AGGREGATE;
        s.batch = (int64_t)number;
        s.chunk_count = (int32_t)b.chunks;
        s.circuit_id = S.circuit;
        memcpy(s.key_hash, S.key_hash, 32);
        s.input = in;
        s.input_len = 4;
        s.gpu_seconds = 0.01 * b.chunks;
        int64_t id;
        int created;
        rc = via_gateway_enqueue_in_tx(S.gw, &s, &id, &created, err);
    }
    if (!rc) rc = q(S.seal_pg, "COMMIT", 0, NULL, NULL, err);
    if (rc) PQclear(PQexec(S.seal_pg, "ROLLBACK"));
    return rc;
}

/* One seal: the transactions to seal are taken from the keeper under the lock; the keeper
 * executes them on the sealed state and the database is written without it (intake goes on
 * meanwhile, on the pending state); the pending state and the bookkeeping are brought up to
 * date under the lock again. Called by the sealer thread with S.mu held; returns with it
 * held. */
static int seal_locked(via_error *err) {
    via_sealed_batch b;
    memset(&b, 0, sizeof b);
    uint64_t number = S.batch + 1;
    double t0 = now_s();
    if (S.npending == 0 && via_keeper_deposits_queued(S.keeper) == 0) return VIA_OK;
    via_seal_job *job = via_keeper_seal_take(S.keeper, S.npending, (size_t)S.slots * S.chunks);
    if (!job) return via_fail(err, VIA_ENOMEM, "seal: job");
    pthread_mutex_unlock(&S.mu);
    int rc = via_keeper_seal_run(S.keeper, job, number, S.last_hash, S.slots, S.chunks, &b, err);
    double t_exec = now_s() - t0;
    int64_t last_seq = 0;
    if (!rc && b.txs) {
        pthread_mutex_lock(&S.mu); /* the committer appends to pending_seq */
        last_seq = S.pending_seq[b.txs - 1];
        pthread_mutex_unlock(&S.mu);
    }
    int wrote = !rc;
    double t_w = now_s();
    if (!rc) rc = seal_write(&b, number, last_seq, err);
    t_w = now_s() - t_w;
    pthread_mutex_lock(&S.mu);
    if (rc) {
        /* the keeper's sealed state is not to be trusted: rebuilt below from the database,
         * where every transaction the job held is still pending */
        via_seal_job_free(job);
        if (wrote) via_state_tree_rolled_back(S.tree);
        S.db_errors++;
        char kv[600] = "";
        via_log_kv(kv, sizeof kv, "error", err->msg);
        via_log(VIA_LOG_ERROR, "batch.seal_failed", "batch=%" PRIu64 "%s", number, kv);
        via_sealed_batch_free(&b);
        via_error e2 = {0};
        if (load_state(&e2)) { /* the keeper sealed in memory: take it back from the database */
            via_log(VIA_LOG_ERROR, "state.reload_failed", "error=\"%s\"", e2.msg);
            S.need_reload = 1; /* the sealer tries again; intake refuses until then */
        }
        return rc;
    }
    via_keeper_seal_finish(S.keeper, job);
    via_state_tree_committed(S.tree);
    S.batch = number;
    memcpy(S.last_hash, b.header_hash, 32);
    if (b.txs) {
        memmove(S.pending_seq, S.pending_seq + b.txs, (S.npending - b.txs) * sizeof *S.pending_seq);
        memmove(S.pending_at, S.pending_at + b.txs, (S.npending - b.txs) * sizeof *S.pending_at);
    }
    S.npending -= b.txs;
    S.sealed_batches++;
    for (size_t i = 0; i < b.ndeposits; i++) {
        if (b.deposits[i].refused) {
            S.dep_refused++;
            via_log(VIA_LOG_WARN, "deposit.refused",
                    "priority_id=%" PRIu64 " rule=%s batch=%" PRIu64, b.deposits[i].priority_id,
                    b.deposits[i].refused, number);
        } else {
            S.dep_credited++;
        }
    }
    if (via_keeper_deposits_queued(S.keeper)) S.dep_oldest_at = now_s();
    S.last_seal_s = now_s() - t0;
    char hh[65];
    via_hex_encode(hh, b.header_hash, 32);
    via_log(VIA_LOG_INFO, "batch.sealed",
            "batch=%" PRIu64 " txs=%" PRIu64 " deposits=%zu chunks=%u header=%s seconds=%.3f"
            " execute_seconds=%.3f write_seconds=%.3f",
            number, b.txs, b.ndeposits, b.chunks, hh, S.last_seal_s, t_exec, t_w);
    via_sealed_batch_free(&b);
    if (S.retain && number > S.retain) {
        /* keep the state after batches number - retain + 1 .. number readable */
        uint64_t keep = number - S.retain + 1;
        int64_t deleted = 0;
        via_error pe = {0};
        if (via_state_tree_prune(S.tree, (int64_t)keep + 1, &deleted, &pe) == VIA_OK) {
            char ks[24];
            snprintf(ks, sizeof ks, "%" PRIu64, keep);
            const char *v[1] = {ks};
            (void)q(S.seal_pg,
                    "DELETE FROM via_seq_accounts a WHERE a.batch < $1::bigint AND EXISTS ("
                    " SELECT 1 FROM via_seq_accounts b WHERE b.id = a.id AND b.batch > a.batch"
                    " AND b.batch <= $1::bigint)",
                    1, v, NULL, &pe);
            via_log(VIA_LOG_DEBUG, "state.pruned", "keep_from_batch=%" PRIu64 " tree_rows=%lld",
                    keep, (long long)deleted);
        }
    }
    return VIA_OK;
}

static void *sealer(void *arg) {
    (void)arg;
    int again = 0; /* a full batch was sealed: look again at once (a backlog seals back to back) */
    while (!S.stop) {
        if (!again) usleep(100 * 1000);
        again = 0;
        via_error ie = {0};
        if (import_deposits(&ie)) {
            via_log(VIA_LOG_WARN, "deposit.import_failed", "error=\"%s\"", ie.msg);
            if (PQstatus(S.seal_pg) != CONNECTION_OK) PQreset(S.seal_pg);
        }
        pthread_mutex_lock(&S.mu);
        if (S.need_reload && S.ninflight == 0) {
            via_error le = {0};
            if (PQstatus(S.seal_pg) != CONNECTION_OK) PQreset(S.seal_pg);
            int lr = load_state(&le); /* under S.mu: it replaces the keeper */
            if (lr)
                via_log(VIA_LOG_ERROR, "state.reload_failed", "error=\"%s\"", le.msg);
            else
                S.need_reload = 0;
            pthread_mutex_unlock(&S.mu);
            continue;
        }
        size_t ndq = via_keeper_deposits_queued(S.keeper);
        int due = (S.npending > 0 && (S.npending >= (size_t)S.slots * S.chunks ||
                                      now_s() - S.pending_at[0] >= S.seal_age)) ||
                  (ndq > 0 &&
                   (ndq >= (size_t)S.slots * S.chunks || now_s() - S.dep_oldest_at >= S.seal_age));
        if (due) {
            via_error err = {0};
            uint64_t before = S.batch;
            if (seal_locked(&err) == VIA_OK && S.batch > before)
                again = S.npending >= (size_t)S.slots * S.chunks ||
                        via_keeper_deposits_queued(S.keeper) >= (size_t)S.slots * S.chunks;
        }
        pthread_mutex_unlock(&S.mu);
    }
    return NULL;
}

/* ---- JSON-RPC ---- */
enum {
    E_PARSE = -32700,
    E_REQUEST = -32600,
    E_METHOD = -32601,
    E_PARAMS = -32602,
    E_INTERNAL = -32603,
    E_APIKEY = -32001,
    E_ADMIN = -32002,
    E_KNOWN = -32003,
    E_RATE = -32005,
    E_REJECTED = -32010,
};

static json_t *error_obj(json_t *id, int code, const char *msg, json_t *data) {
    json_t *e = json_pack("{s:i,s:s}", "code", code, "message", msg);
    if (data) json_object_set_new(e, "data", data);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", e);
}

static json_t *result_obj(json_t *id, json_t *result) {
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result",
                     result ? result : json_null());
}

static json_t *send_tx(json_t *id, json_t *params) {
    json_t *tx = json_array_get(params, 0);
    if (!json_is_object(tx) || json_array_size(params) != 1)
        return error_obj(id, E_PARAMS, "via_sendTransaction takes one transaction object", NULL);
    char *canon = json_dumps(tx, JSON_COMPACT | JSON_SORT_KEYS);
    if (!canon) return error_obj(id, E_INTERNAL, "out of memory", NULL);
    uint8_t h[32];
    unsigned int hl = 32;
    EVP_Digest(canon, strlen(canon), h, &hl, EVP_blake2s256(), NULL);
    char hx[65];
    via_hex_encode(hx, h, 32);
    const char *rule = NULL;
    via_error err = {0};
    /* parse, and check the signature against the sender's key, outside the lock */
    via_keeper_tx *kt = NULL;
    int rc = via_keeper_tx_parse(&kt, canon, strlen(canon), &rule, &err);
    if (!rc) {
        via_fr kx, ky;
        pthread_mutex_lock(&S.mu);
        int have = via_keeper_sender_key(S.keeper, kt, &kx, &ky);
        pthread_mutex_unlock(&S.mu);
        if (have) via_keeper_tx_precheck(kt, &kx, &ky);
    }
    pthread_mutex_lock(&S.mu);
    if (!rc && S.need_reload) {
        pthread_mutex_unlock(&S.mu);
        via_keeper_tx_free(kt);
        free(canon);
        return error_obj(id, E_INTERNAL, "the sequencer is recovering its state; retry", NULL);
    }
    if (!rc) rc = via_keeper_submit_tx(S.keeper, kt, &rule, &err); /* takes kt */
    if (rc) {
        if (!S.rejected) S.rejected = json_object();
        json_t *c = json_object_get(S.rejected, rule ? rule : "other");
        json_object_set_new(S.rejected, rule ? rule : "other",
                            json_integer(c ? json_integer_value(c) + 1 : 1));
        pthread_mutex_unlock(&S.mu);
        free(canon);
        return error_obj(id, E_REJECTED, err.msg,
                         json_pack("{s:s}", "rule", rule ? rule : "other"));
    }
    /* durable before acknowledged: the committer stores it (with whatever else waits) */
    json_t *from = json_object_get(tx, "from"), *nonce = json_object_get(tx, "nonce");
    struct waiting w;
    memset(&w, 0, sizeof w);
    memcpy(w.hash, h, 32);
    w.body = canon;
    const char *why;
    (void)via_json_to_u64(from, &w.from, &why);
    (void)via_json_to_u64(nonce, &w.nonce, &why);
    if (S.ninflight == S.capinflight) {
        size_t nc = S.capinflight ? 2 * S.capinflight : 64;
        struct waiting **nw = realloc(S.inflight, nc * sizeof *nw);
        if (!nw) {
            S.need_reload = 1;
            pthread_mutex_unlock(&S.mu);
            free(canon);
            return error_obj(id, E_INTERNAL, "out of memory; retry", NULL);
        }
        S.inflight = nw;
        S.capinflight = nc;
    }
    S.inflight[S.ninflight++] = &w;
    pthread_cond_signal(&S.commit_cv);
    while (!w.done)
        pthread_cond_wait(&S.done_cv, &S.mu);
    json_t *out;
    if (w.ok) {
        S.accepted++;
        out = result_obj(id, json_pack("{s:s,s:s}", "hash", hx, "status", "pending"));
    } else {
        out = error_obj(id, E_INTERNAL, "the transaction could not be stored; retry", NULL);
    }
    pthread_mutex_unlock(&S.mu);
    free(canon);
    return out;
}

/* The committer: stores every waiting transaction in one statement and one commit, in the
 * keeper's order, then reports to each waiter. A failure fails every waiting transaction
 * (the keeper had accepted them) and has the keeper rebuilt from the database. */
static void *committer(void *arg) {
    (void)arg;
    pthread_mutex_lock(&S.mu);
    while (!S.stop) {
        if (S.ninflight == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&S.commit_cv, &S.mu, &ts);
            continue;
        }
        size_t n = S.ninflight;
        struct waiting **who = malloc(n * sizeof *who);
        size_t cap = 64 + n * 1200;
        char *ha = malloc(cap), *ba = NULL, *fa = malloc(64 + n * 24), *na = malloc(64 + n * 24);
        json_t *bodies = json_array();
        size_t ph = 0, pf = 0, pn = 0;
        ha[ph++] = fa[pf++] = na[pn++] = '{';
        for (size_t i = 0; i < n; i++) {
            struct waiting *w = S.inflight[i];
            who[i] = w;
            char hx[65];
            via_hex_encode(hx, w->hash, 32);
            const char *sep = i ? "," : "";
            ph += (size_t)snprintf(ha + ph, cap - ph, "%s\"\\\\x%s\"", sep, hx);
            pf += (size_t)snprintf(fa + pf, 64 + n * 24 - pf, "%s%" PRIu64, sep, w->from);
            pn += (size_t)snprintf(na + pn, 64 + n * 24 - pn, "%s%" PRIu64, sep, w->nonce);
            json_array_append_new(bodies, json_string(w->body));
        }
        ha[ph++] = fa[pf++] = na[pn++] = '}';
        ha[ph] = fa[pf] = na[pn] = 0;
        ba = json_dumps(bodies, JSON_COMPACT);
        json_decref(bodies);
        S.ninflight = 0;
        pthread_mutex_unlock(&S.mu);
        const char *v[4] = {ha, ba, fa, na};
        PGresult *r =
            PQexecParams(S.pg,
                         "INSERT INTO via_seq_txs (hash, body, sender, nonce, status)"
                         " SELECT h, b, s, nn, 'pending' FROM unnest($1::bytea[],"
                         " ARRAY(SELECT json_array_elements_text($2::json)),"
                         " $3::bigint[], $4::bigint[]) WITH ORDINALITY AS u(h, b, s, nn, o)"
                         " ORDER BY o RETURNING seq, encode(hash, 'hex')",
                         4, NULL, v, NULL, NULL, 0);
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK && (size_t)PQntuples(r) == n;
        if (!ok) {
            char kv[600] = "";
            via_log_kv(kv, sizeof kv, "error", PQresultErrorMessage(r));
            via_log(VIA_LOG_ERROR, "tx.store_failed", "count=%zu%s", n, kv);
        }
        int64_t *seqs = calloc(n, sizeof *seqs);
        for (int row = 0; ok && row < PQntuples(r); row++) {
            uint8_t hb[32];
            via_error he = {0};
            if (via_hex_decode_exact(hb, 32, PQgetvalue(r, row, 1), &he)) {
                ok = 0;
                break;
            }
            for (size_t i = 0; i < n; i++)
                if (!memcmp(who[i]->hash, hb, 32))
                    seqs[i] = strtoll(PQgetvalue(r, row, 0), NULL, 10);
        }
        PQclear(r);
        free(ha);
        free(ba);
        free(fa);
        free(na);
        pthread_mutex_lock(&S.mu);
        if (ok) {
            for (size_t i = 0; i < n; i++)
                push_pending(seqs[i]);
        } else {
            S.db_errors++;
            S.need_reload = 1; /* the keeper accepted them: the sealer rebuilds it */
            for (size_t i = 0; i < S.ninflight; i++) /* and whatever queued behind them */
                S.inflight[i]->done = 1;
            S.ninflight = 0;
        }
        for (size_t i = 0; i < n; i++) {
            who[i]->ok = ok;
            who[i]->done = 1;
        }
        free(seqs);
        free(who);
        pthread_cond_broadcast(&S.done_cv);
    }
    pthread_mutex_unlock(&S.mu);
    return NULL;
}

static json_t *read_method(json_t *id, const char *method, json_t *params) {
    pthread_mutex_lock(&S.read_mu);
    json_t *out = NULL;
    PGresult *r = NULL;
    via_error err = {0};
    if (!strcmp(method, "via_batchNumber")) {
        if (q(S.read_pg, "SELECT coalesce(max(number), 0) FROM via_seq_batches", 0, NULL, &r,
              &err) == VIA_OK)
            out = result_obj(id, json_integer(strtoll(PQgetvalue(r, 0, 0), NULL, 10)));
    } else if (!strcmp(method, "via_getAccount")) {
        json_t *a = json_array_get(params, 0), *bv = json_array_get(params, 1);
        uint64_t acct = 0, batch = INT64_MAX;
        const char *why;
        char idb[24], bb[24], xs[100] = "", ys[100] = "";
        int by_key = 0;
        if (json_is_object(a) && json_object_get(a, "pubkey")) {
            const char *x = json_string_value(json_object_get(json_object_get(a, "pubkey"), "x"));
            const char *y = json_string_value(json_object_get(json_object_get(a, "pubkey"), "y"));
            if (!x || !y || strlen(x) > 90 || strlen(y) > 90) {
                pthread_mutex_unlock(&S.read_mu);
                return error_obj(id, E_PARAMS, "pubkey needs x and y decimal strings", NULL);
            }
            snprintf(xs, sizeof xs, "%s", x);
            snprintf(ys, sizeof ys, "%s", y);
            by_key = 1;
        } else if (via_json_to_u64(json_is_object(a) ? json_object_get(a, "id") : a, &acct, &why)) {
            pthread_mutex_unlock(&S.read_mu);
            return error_obj(id, E_PARAMS, "via_getAccount takes an account id or {\"pubkey\"}",
                             NULL);
        }
        if (bv && !json_is_null(bv) && via_json_to_u64(bv, &batch, &why)) {
            pthread_mutex_unlock(&S.read_mu);
            return error_obj(id, E_PARAMS, "the batch must be a number", NULL);
        }
        snprintf(idb, sizeof idb, "%" PRIu64, acct);
        snprintf(bb, sizeof bb, "%" PRIu64, batch > INT64_MAX ? (uint64_t)INT64_MAX : batch);
        const char *v[3] = {by_key ? xs : idb, bb, ys};
        int rc = by_key ? q(S.read_pg,
                            "SELECT id, pk_x, pk_y, balance, nonce, batch FROM via_seq_accounts"
                            " WHERE pk_x = $1 AND pk_y = $3 AND batch <= $2::bigint"
                            " ORDER BY batch DESC LIMIT 1",
                            3, v, &r, &err)
                        : q(S.read_pg,
                            "SELECT id, pk_x, pk_y, balance, nonce, batch FROM via_seq_accounts"
                            " WHERE id = $1::bigint AND batch <= $2::bigint"
                            " ORDER BY batch DESC LIMIT 1",
                            2, v, &r, &err);
        if (!rc)
            out = result_obj(
                id, PQntuples(r) == 0
                        ? json_null()
                        : json_pack("{s:I,s:{s:s,s:s},s:s,s:s,s:I}", "id",
                                    (json_int_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10), "pubkey",
                                    "x", PQgetvalue(r, 0, 1), "y", PQgetvalue(r, 0, 2), "balance",
                                    PQgetvalue(r, 0, 3), "nonce", PQgetvalue(r, 0, 4), "batch",
                                    (json_int_t)strtoll(PQgetvalue(r, 0, 5), NULL, 10)));
    } else if (!strcmp(method, "via_getTransaction")) {
        const char *h = json_string_value(json_array_get(params, 0));
        uint8_t hb[32];
        if (!h || strlen(h) != 64 || via_hex_decode_exact(hb, 32, h, &err)) {
            pthread_mutex_unlock(&S.read_mu);
            return error_obj(id, E_PARAMS, "via_getTransaction takes a 64-hex hash", NULL);
        }
        const char *v[1] = {h};
        if (q(S.read_pg,
              "SELECT status, batch, seq FROM via_seq_txs WHERE hash = decode($1, 'hex')", 1, v, &r,
              &err) == VIA_OK)
            out = result_obj(
                id, PQntuples(r) == 0
                        ? json_null()
                        : json_pack("{s:s,s:o,s:I}", "status", PQgetvalue(r, 0, 0), "batch",
                                    PQgetisnull(r, 0, 1)
                                        ? json_null()
                                        : json_integer(strtoll(PQgetvalue(r, 0, 1), NULL, 10)),
                                    "seq", (json_int_t)strtoll(PQgetvalue(r, 0, 2), NULL, 10)));
    } else if (!strcmp(method, "via_getDeposit")) {
        const char *h = json_string_value(json_array_get(params, 0));
        uint8_t hb[32];
        if (!h || strlen(h) != 64 || via_hex_decode_exact(hb, 32, h, &err)) {
            pthread_mutex_unlock(&S.read_mu);
            return error_obj(id, E_PARAMS, "via_getDeposit takes a Bitcoin txid (64 hex)", NULL);
        }
        char lower[65];
        via_hex_encode(lower, hb, 32);
        const char *v[1] = {lower};
        if (q(S.read_pg,
              "SELECT status, coalesce(rule, ''), batch, amount, priority_id, block_height,"
              " get_byte(receiver, 0)::bigint << 24 | get_byte(receiver, 1) << 16 |"
              " get_byte(receiver, 2) << 8 | get_byte(receiver, 3)"
              " FROM via_seq_deposits WHERE txid = $1",
              1, v, &r, &err) == VIA_OK)
            out = result_obj(
                id,
                PQntuples(r) == 0
                    ? json_null()
                    : json_pack("{s:s,s:s?,s:o,s:s,s:s,s:I,s:I}", "status", PQgetvalue(r, 0, 0),
                                "rule", *PQgetvalue(r, 0, 1) ? PQgetvalue(r, 0, 1) : NULL, "batch",
                                PQgetisnull(r, 0, 2)
                                    ? json_null()
                                    : json_integer(strtoll(PQgetvalue(r, 0, 2), NULL, 10)),
                                "amount", PQgetvalue(r, 0, 3), "priority_id", PQgetvalue(r, 0, 4),
                                "block_height", (json_int_t)strtoll(PQgetvalue(r, 0, 5), NULL, 10),
                                "account", (json_int_t)strtoll(PQgetvalue(r, 0, 6), NULL, 10)));
    } else if (!strcmp(method, "via_getWithdrawals")) {
        uint64_t n;
        const char *why;
        if (via_json_to_u64(json_array_get(params, 0), &n, &why)) {
            pthread_mutex_unlock(&S.read_mu);
            return error_obj(id, E_PARAMS, "via_getWithdrawals takes a batch number", NULL);
        }
        char ns[24];
        snprintf(ns, sizeof ns, "%" PRIu64, n);
        const char *v[1] = {ns};
        if (q(S.read_pg,
              "SELECT idx, account, amount, encode(dest, 'hex') FROM via_seq_withdrawals"
              " WHERE batch = $1::bigint ORDER BY idx",
              1, v, &r, &err) == VIA_OK) {
            json_t *a = json_array();
            for (int i = 0; i < PQntuples(r); i++)
                json_array_append_new(
                    a, json_pack("{s:I,s:I,s:s,s:s}", "index",
                                 (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10), "account",
                                 (json_int_t)strtoll(PQgetvalue(r, i, 1), NULL, 10), "amount",
                                 PQgetvalue(r, i, 2), "dest", PQgetvalue(r, i, 3)));
            out = result_obj(id, a);
        }
    } else { /* via_getBatch */
        uint64_t n;
        const char *why;
        if (via_json_to_u64(json_array_get(params, 0), &n, &why)) {
            pthread_mutex_unlock(&S.read_mu);
            return error_obj(id, E_PARAMS, "via_getBatch takes a batch number", NULL);
        }
        char ns[24];
        snprintf(ns, sizeof ns, "%" PRIu64, n);
        const char *v[1] = {ns};
        if (q(S.read_pg,
              "SELECT b.number, encode(b.header_hash, 'hex'), b.root_before, b.root_after,"
              " b.chunks, b.slots, b.txs, b.sealed_at::text,"
              " (SELECT status FROM via_jobs j WHERE j.batch = b.number AND j.kind = 'aggregate'),"
              " coalesce(b.da_ref, ''), coalesce(b.proof_ref, ''),"
              " coalesce((SELECT reveal_txid || ':' || status FROM via_seq_inscriptions i"
              "  WHERE i.batch = b.number AND i.kind = 'batch_da'), ''),"
              " coalesce((SELECT reveal_txid || ':' || status FROM via_seq_inscriptions i"
              "  WHERE i.batch = b.number AND i.kind = 'proof_da'), '')"
              " FROM via_seq_batches b WHERE b.number = $1::bigint",
              1, v, &r, &err) == VIA_OK)
            out = result_obj(
                id,
                PQntuples(r) == 0
                    ? json_null()
                    : json_pack("{s:I,s:s,s:s,s:s,s:i,s:i,s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "number",
                                (json_int_t)n, "header_hash", PQgetvalue(r, 0, 1), "root_before",
                                PQgetvalue(r, 0, 2), "root_after", PQgetvalue(r, 0, 3), "chunks",
                                atoi(PQgetvalue(r, 0, 4)), "slots", atoi(PQgetvalue(r, 0, 5)),
                                "txs", (json_int_t)strtoll(PQgetvalue(r, 0, 6), NULL, 10),
                                "sealed_at", PQgetvalue(r, 0, 7), "proof",
                                PQgetisnull(r, 0, 8)
                                    ? "not queued"
                                    : (!strcmp(PQgetvalue(r, 0, 8), "done") ? "proven" : "proving"),
                                "da_ref", PQgetvalue(r, 0, 9), "proof_ref", PQgetvalue(r, 0, 10),
                                "da_inscription", PQgetvalue(r, 0, 11), "proof_inscription",
                                PQgetvalue(r, 0, 12)));
    }
    PQclear(r);
    pthread_mutex_unlock(&S.read_mu);
    return out ? out : error_obj(id, E_INTERNAL, err.msg[0] ? err.msg : "database error", NULL);
}

static api_key *find_key(const char *k) {
    for (size_t i = 0; k && i < S.nkeys; i++)
        if (!strcmp(S.keys_list[i].key, k)) return &S.keys_list[i];
    return NULL;
}

static json_t *dispatch(const char *body, size_t len, const char *apikey, unsigned *http) {
    *http = 200;
    int is_admin = S.admin && apikey && !strcmp(apikey, S.admin);
    if (S.nkeys && !is_admin) {
        api_key *k = find_key(apikey);
        if (!k) {
            *http = 401;
            return error_obj(NULL, E_APIKEY, "unknown or missing API key (X-Api-Key)", NULL);
        }
        pthread_mutex_lock(&S.mu);
        double t = now_s();
        k->tokens += (t - k->last) * k->rate;
        if (k->tokens > 2 * k->rate) k->tokens = 2 * k->rate;
        k->last = t;
        int ok = k->tokens >= 1;
        if (ok) k->tokens -= 1;
        pthread_mutex_unlock(&S.mu);
        if (!ok) {
            *http = 429;
            return error_obj(NULL, E_RATE, "rate limit exceeded for this API key", NULL);
        }
    }
    via_jsonrpc_request rq;
    int code;
    via_error perr = {0};
    if (via_jsonrpc_parse(&rq, body, len, &code, &perr))
        return error_obj(NULL, code, perr.msg, NULL);
    json_t *id = rq.id;
    const char *method = rq.method;
    json_t *params = rq.params;
    json_t *out;
    if (!strcmp(method, "via_sendTransaction"))
        out = send_tx(id, params);
    else if (!strcmp(method, "via_getAccount") || !strcmp(method, "via_getTransaction") ||
             !strcmp(method, "via_getBatch") || !strcmp(method, "via_batchNumber") ||
             !strcmp(method, "via_getDeposit") || !strcmp(method, "via_getWithdrawals"))
        out = read_method(id, method, params);
    else if (!strcmp(method, "via_seal")) {
        if (!S.admin || !apikey || strcmp(apikey, S.admin) != 0)
            out = error_obj(id, E_ADMIN, "via_seal needs the admin key", NULL);
        else {
            pthread_mutex_lock(&S.mu);
            uint64_t before = S.batch;
            int want = S.npending > 0;
            S.seal_now = want;
            pthread_mutex_unlock(&S.mu);
            uint64_t b = before;
            for (int i = 0; want && i < 300 && b == before; i++) {
                usleep(50 * 1000);
                pthread_mutex_lock(&S.mu);
                b = S.batch;
                pthread_mutex_unlock(&S.mu);
            }
            out = want && b == before
                      ? error_obj(id, E_INTERNAL, "the batch was not sealed in 15 s", NULL)
                      : result_obj(id, json_integer((json_int_t)b));
        }
    } else
        out = error_obj(id, E_METHOD, "method not found", json_pack("{s:s}", "method", method));
    via_jsonrpc_request_free(&rq);
    return out;
}

typedef struct {
    char *buf;
    size_t len;
    int too_big;
} upload;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *ctype,
                               char *text) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static char *metrics(void) {
    pthread_mutex_lock(&S.mu);
    char *rej = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&rej, &len);
    const char *k;
    json_t *v;
    if (S.rejected)
        json_object_foreach(S.rejected, k, v)
            fprintf(m, "via_seq_txs_rejected_total{rule=\"%s\"} %lld\n", k,
                    (long long)json_integer_value(v));
    fclose(m);
    char *out = NULL;
    size_t ol = 0;
    FILE *o = open_memstream(&out, &ol);
    fprintf(
        o,
        "# TYPE via_seq_txs_accepted_total counter\nvia_seq_txs_accepted_total %llu\n"
        "# TYPE via_seq_txs_rejected_total counter\n%s"
        "# TYPE via_seq_mempool gauge\nvia_seq_mempool %zu\n"
        "# TYPE via_seq_batches_sealed_total counter\nvia_seq_batches_sealed_total %llu\n"
        "# TYPE via_seq_batch gauge\nvia_seq_batch %llu\n"
        "# TYPE via_seq_last_seal_seconds gauge\nvia_seq_last_seal_seconds %.6f\n"
        "# TYPE via_seq_db_errors_total counter\nvia_seq_db_errors_total %llu\n"
        "# TYPE via_seq_da_published_total counter\nvia_seq_da_published_total %llu\n"
        "# TYPE via_seq_da_errors_total counter\nvia_seq_da_errors_total %llu\n"
        "# TYPE via_seq_inscriptions_confirmed_total counter\n"
        "via_seq_inscriptions_confirmed_total %llu\n"
        "# TYPE via_seq_inscription_errors_total counter\nvia_seq_inscription_errors_total %llu\n"
        "# TYPE via_seq_deposits_queued gauge\nvia_seq_deposits_queued %zu\n"
        "# TYPE via_seq_deposits_total counter\nvia_seq_deposits_total{outcome=\"credited\"} %llu\n"
        "via_seq_deposits_total{outcome=\"refused\"} %llu\n"
        "via_seq_deposits_total{outcome=\"dropped\"} %llu\n"
        "# TYPE via_seq_watcher_errors_total counter\nvia_seq_watcher_errors_total %llu\n",
        (unsigned long long)S.accepted, rej ? rej : "", S.npending,
        (unsigned long long)S.sealed_batches, (unsigned long long)S.batch, S.last_seal_s,
        (unsigned long long)S.db_errors, (unsigned long long)S.da_published,
        (unsigned long long)S.da_errors, (unsigned long long)S.inscribed,
        (unsigned long long)S.inscription_errors, via_keeper_deposits_queued(S.keeper),
        (unsigned long long)S.dep_credited, (unsigned long long)S.dep_refused,
        (unsigned long long)S.dep_dropped, (unsigned long long)S.watcher_errors);
    fclose(o);
    free(rej);
    pthread_mutex_unlock(&S.mu);
    return out;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state) {
    (void)cls;
    (void)version;
    if (!*state) {
        *state = calloc(1, sizeof(upload));
        return *state ? MHD_YES : MHD_NO;
    }
    upload *u = *state;
    if (*size) {
        if (u->len + *size > S.max_body) {
            u->too_big = 1;
        } else {
            char *nb = realloc(u->buf, u->len + *size + 1);
            if (!nb) return MHD_NO;
            u->buf = nb;
            memcpy(u->buf + u->len, data, *size);
            u->len += *size;
        }
        *size = 0;
        return MHD_YES;
    }
    enum MHD_Result ret;
    if (!strcmp(method, "GET")) {
        if (!strcmp(url, "/metrics"))
            ret = respond(c, 200, "text/plain; version=0.0.4", metrics());
        else if (!strcmp(url, "/healthz"))
            ret = respond(c, 200, "text/plain", strdup("ok\n"));
        else if (!strcmp(url, "/readyz")) {
            int ok = PQstatus(S.pg) == CONNECTION_OK;
            ret = respond(c, ok ? 200 : 503, "text/plain", strdup(ok ? "ready\n" : "not ready\n"));
        } else
            ret = respond(c, 404, "text/plain", strdup("not found\n"));
    } else if (strcmp(method, "POST") != 0) {
        ret = respond(c, 405, "text/plain", strdup("POST JSON-RPC to /\n"));
    } else {
        json_t *resp;
        unsigned http = 200;
        if (u->too_big) {
            char m[120];
            snprintf(m, sizeof m, "request larger than %zu bytes", S.max_body);
            resp = error_obj(NULL, E_REQUEST, m, NULL);
            http = 413;
        } else {
            resp = dispatch(u->buf ? u->buf : "", u->len,
                            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Api-Key"), &http);
        }
        ret = respond(c, http, "application/json", json_dumps(resp, JSON_COMPACT));
        json_decref(resp);
    }
    free(u->buf);
    free(u);
    *state = NULL;
    return ret;
}

/* ---- data availability: each sealed batch's pubdata, then its aggregate proof ---- */
static int publish_one(PGconn *pg, via_da *da, int proof, via_error *err) {
    PGresult *r = NULL;
    int rc =
        q(pg,
          proof ? "SELECT b.number, encode(j.result, 'hex') FROM via_seq_batches b JOIN via_jobs j"
                  " ON j.batch = b.number AND j.kind = 'aggregate' AND j.status = 'done'"
                  " WHERE b.proof_ref IS NULL AND b.da_ref IS NOT NULL ORDER BY b.number"
                  " LIMIT 1"
                : "SELECT number, encode(header || pubdata, 'hex') FROM via_seq_batches"
                  " WHERE da_ref IS NULL ORDER BY number LIMIT 1",
          0, NULL, &r, err);
    if (rc) return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return VIA_ENOTFOUND;
    }
    char number[24];
    snprintf(number, sizeof number, "%s", PQgetvalue(r, 0, 0));
    uint8_t *bytes = NULL;
    size_t len = 0;
    rc = via_hex_decode(&bytes, &len, PQgetvalue(r, 0, 1), err);
    PQclear(r);
    if (rc) return rc;
    via_da_ref ref;
    rc = via_da_put(da, bytes, len, &ref, err);
    free(bytes);
    if (rc) return rc;
    char text[VIA_DA_REF_TEXT_MAX];
    via_da_ref_text(text, &ref);
    const char *v[2] = {text, number};
    rc = q(pg,
           proof ? "UPDATE via_seq_batches SET proof_ref = $1 WHERE number = $2::bigint"
                 : "UPDATE via_seq_batches SET da_ref = $1 WHERE number = $2::bigint",
           2, v, NULL, err);
    if (!rc)
        via_log(VIA_LOG_INFO, proof ? "da.proof_published" : "da.batch_published",
                "batch=%s ref=%s bytes=%zu", number, text, len);
    return rc;
}

static void *publisher(void *arg) {
    (void)arg;
    PGconn *pg = PQconnectdb(S.db);
    via_da *da = NULL;
    via_error err = {0};
    int rc;
    if (!strcmp(S.da_kind, "celestia")) {
        via_da_celestia_config c = {S.cel_url, S.cel_token, NULL, 0, 0, 0, 0};
        rc = via_da_open_celestia(&da, &c, &err);
    } else {
        rc = via_da_open_postgres(&da, S.db, &err);
    }
    if (rc || PQstatus(pg) != CONNECTION_OK) {
        via_log(VIA_LOG_ERROR, "da.unavailable", "error=\"%s\"", rc ? err.msg : "database");
        PQfinish(pg);
        return NULL;
    }
    while (!S.stop) {
        int did = 0;
        for (int proof = 0; proof < 2; proof++) {
            via_error e = {0};
            rc = publish_one(pg, da, proof, &e);
            if (rc == VIA_OK) {
                did = 1;
                pthread_mutex_lock(&S.mu);
                S.da_published++;
                pthread_mutex_unlock(&S.mu);
            } else if (rc != VIA_ENOTFOUND) {
                char kv[600] = "";
                via_log_kv(kv, sizeof kv, "error", e.msg);
                via_log(VIA_LOG_WARN, "da.publish_failed", "proof=%d%s", proof, kv);
                pthread_mutex_lock(&S.mu);
                S.da_errors++;
                pthread_mutex_unlock(&S.mu);
                if (PQstatus(pg) != CONNECTION_OK) PQreset(pg);
                usleep(1000 * 1000);
            }
        }
        if (!did) usleep(300 * 1000);
    }
    via_da_close(da);
    PQfinish(pg);
    return NULL;
}

/* ---- Bitcoin: each batch's DA reference, then its proof's, inscribed by the sequencer key.
 * One inscription in flight at a time: it is recorded (both transactions) before anything is
 * broadcast, broadcast, then watched until it has the confirmations asked for; after a crash
 * the recorded transactions are broadcast again (a node that has them answers so), never
 * rebuilt, so nothing is inscribed twice. An unconfirmed inscription is rebroadcast every
 * minute (no fee bump). ---- */
static int send_raw(via_rpc *rpc, const uint8_t *raw, size_t len, via_error *err) {
    char txid[65];
    int rc = via_rpc_sendrawtransaction(rpc, err, txid, raw, len);
    if (rc == VIA_ERPC && (strstr(err->msg, "already") || strstr(err->msg, "known")))
        return VIA_OK; /* in the mempool or the chain already */
    return rc;
}

static int inscribe_step(PGconn *pg, via_rpc *rpc, const uint8_t seckey[32], via_error *err) {
    PGresult *r = NULL;
    int rc = q(pg,
               "SELECT batch, kind, encode(commit_raw, 'hex'), encode(reveal_raw, 'hex'),"
               " reveal_txid, status, extract(epoch FROM now() - coalesce(sent_at, created_at))"
               " FROM via_seq_inscriptions WHERE status <> 'confirmed' ORDER BY batch, kind"
               " LIMIT 1",
               0, NULL, &r, err);
    if (rc) return rc;
    if (PQntuples(r) == 1) {
        char batch[24], kind[16], reveal[65], status[16];
        snprintf(batch, sizeof batch, "%s", PQgetvalue(r, 0, 0));
        snprintf(kind, sizeof kind, "%s", PQgetvalue(r, 0, 1));
        snprintf(reveal, sizeof reveal, "%s", PQgetvalue(r, 0, 4));
        snprintf(status, sizeof status, "%s", PQgetvalue(r, 0, 5));
        double age = strtod(PQgetvalue(r, 0, 6), NULL);
        uint8_t *c = NULL, *rv = NULL;
        size_t cl = 0, rl = 0;
        rc = via_hex_decode(&c, &cl, PQgetvalue(r, 0, 2), err);
        if (!rc) rc = via_hex_decode(&rv, &rl, PQgetvalue(r, 0, 3), err);
        PQclear(r);
        const char *v[2] = {batch, kind};
        if (!rc && (!strcmp(status, "built") || age > 60)) {
            rc = send_raw(rpc, c, cl, err);
            if (!rc) rc = send_raw(rpc, rv, rl, err);
            if (!rc)
                rc = q(pg,
                       "UPDATE via_seq_inscriptions SET status = 'sent', sent_at = now()"
                       " WHERE batch = $1::bigint AND kind = $2",
                       2, v, NULL, err);
            if (!rc && !strcmp(status, "built"))
                via_log(VIA_LOG_INFO, "btc.inscription_sent", "batch=%s kind=%s reveal=%s", batch,
                        kind, reveal);
        } else if (!rc) {
            json_t *tx = NULL;
            via_error e2 = {0};
            if (via_rpc_getrawtransaction_verbose(rpc, &e2, &tx, reveal) == VIA_OK) {
                json_int_t conf = json_integer_value(json_object_get(tx, "confirmations"));
                json_decref(tx);
                if (conf >= (json_int_t)S.confirmations) {
                    rc = q(pg,
                           "UPDATE via_seq_inscriptions SET status = 'confirmed',"
                           " confirmed_at = now() WHERE batch = $1::bigint AND kind = $2",
                           2, v, NULL, err);
                    if (!rc) {
                        via_log(VIA_LOG_INFO, "btc.inscription_confirmed",
                                "batch=%s kind=%s reveal=%s", batch, kind, reveal);
                        pthread_mutex_lock(&S.mu);
                        S.inscribed++;
                        pthread_mutex_unlock(&S.mu);
                    }
                }
            }
        }
        free(c);
        free(rv);
        return rc ? rc : VIA_ENOTFOUND; /* nothing new while one is in flight */
    }
    PQclear(r);
    /* next: a batch DA reference, else a proof DA reference of a batch whose DA reference is
     * confirmed */
    rc =
        q(pg,
          "SELECT b.number, encode(b.header_hash, 'hex'), b.da_ref,"
          " coalesce((SELECT encode(p.header_hash, 'hex') FROM via_seq_batches p"
          "  WHERE p.number = b.number - 1), repeat('00', 32)), 'batch_da', ''"
          " FROM via_seq_batches b WHERE b.da_ref IS NOT NULL AND NOT EXISTS ("
          "  SELECT 1 FROM via_seq_inscriptions i WHERE i.batch = b.number AND i.kind = 'batch_da')"
          " UNION ALL"
          " SELECT b.number, '', b.proof_ref, '', 'proof_da', i.reveal_txid"
          " FROM via_seq_batches b JOIN via_seq_inscriptions i ON i.batch = b.number AND"
          "  i.kind = 'batch_da' AND i.status = 'confirmed'"
          " WHERE b.proof_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM via_seq_inscriptions j"
          "  WHERE j.batch = b.number AND j.kind = 'proof_da')"
          " ORDER BY 1, 5 LIMIT 1",
          0, NULL, &r, err);
    if (rc) return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return VIA_ENOTFOUND;
    }
    via_msg msg;
    memset(&msg, 0, sizeof msg);
    char batch[24], kind[16];
    snprintf(batch, sizeof batch, "%s", PQgetvalue(r, 0, 0));
    snprintf(kind, sizeof kind, "%s", PQgetvalue(r, 0, 4));
    const char *ref = PQgetvalue(r, 0, 2);
    const char *da_id = strncmp(ref, "celestia:", 9) == 0 ? "celestia" : "postgres";
    if (!strcmp(kind, "batch_da")) {
        msg.type = VIA_MSG_L1_BATCH_DA_REFERENCE;
        via_msg_batch_da_ref *m = &msg.u.batch_da_ref;
        if (via_hex_decode_exact(m->l1_batch_hash, 32, PQgetvalue(r, 0, 1), err) ||
            via_hex_decode_exact(m->prev_l1_batch_hash, 32, PQgetvalue(r, 0, 3), err))
            rc = VIA_EDB;
        m->l1_batch_index = (uint32_t)strtoul(batch, NULL, 10);
        snprintf(m->da_identifier, sizeof m->da_identifier, "%s", da_id);
        snprintf(m->blob_id, sizeof m->blob_id, "%s", ref);
    } else {
        msg.type = VIA_MSG_PROOF_DA_REFERENCE;
        via_msg_proof_da_ref *m = &msg.u.proof_da_ref;
        if (via_btc_txid_from_hex(m->l1_batch_reveal_txid, PQgetvalue(r, 0, 5), err)) rc = VIA_EDB;
        snprintf(m->da_identifier, sizeof m->da_identifier, "%s", da_id);
        snprintf(m->blob_id, sizeof m->blob_id, "%s", ref);
    }
    PQclear(r);
    if (rc) return rc;
    via_inscription ins;
    uint64_t rate = 0;
    if ((rc = via_inscribe_prepare(rpc, seckey, S.net, &msg, 0, NULL, NULL, 0, &ins, &rate, err)))
        return rc;
    uint8_t *c = NULL, *rv = NULL;
    size_t cl = 0, rl = 0;
    uint8_t ct[32], rt[32];
    char chex[65], rhex[65];
    via_btc_tx_txid(ct, &ins.commit);
    via_btc_tx_txid(rt, &ins.reveal);
    via_btc_txid_to_hex(chex, ct);
    via_btc_txid_to_hex(rhex, rt);
    if (via_btc_tx_serialize(&c, &cl, &ins.commit, 1) ||
        via_btc_tx_serialize(&rv, &rl, &ins.reveal, 1)) {
        via_inscription_free(&ins);
        free(c);
        return via_fail(err, VIA_ENOMEM, "inscription");
    }
    via_inscription_free(&ins);
    /* recorded before it is broadcast */
    const char *v[6] = {batch, kind, (const char *)c, (const char *)rv, chex, rhex};
    int lens[6] = {0, 0, (int)cl, (int)rl, 0, 0}, fmts[6] = {0, 0, 1, 1, 0, 0};
    PGresult *ir = PQexecParams(pg,
                                "INSERT INTO via_seq_inscriptions (batch, kind, commit_raw,"
                                " reveal_raw, commit_txid, reveal_txid, status)"
                                " VALUES ($1::bigint, $2, $3, $4, $5, $6, 'built')",
                                6, NULL, v, lens, fmts, 0);
    if (PQresultStatus(ir) != PGRES_COMMAND_OK)
        rc = via_fail(err, VIA_EDB, "recording the inscription: %s", PQresultErrorMessage(ir));
    PQclear(ir);
    free(c);
    free(rv);
    if (!rc)
        via_log(VIA_LOG_INFO, "btc.inscription_built",
                "batch=%s kind=%s commit=%s reveal=%s fee_rate=%llu", batch, kind, chex, rhex,
                (unsigned long long)rate);
    return rc;
}

static void *inscriber(void *arg) {
    (void)arg;
    via_error err = {0};
    uint8_t seckey[32];
    via_btc_network knet;
    if (via_btc_seckey_load_file(seckey, &knet, S.btc_key, &err)) {
        via_log(VIA_LOG_ERROR, "btc.key_unusable", "error=\"%s\"", err.msg);
        return NULL;
    }
    via_rpc_config cfg = {0};
    cfg.url = S.btc_rpc;
    cfg.user = getenv("VIA_BTC_RPC_USER");
    cfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    cfg.cookie_file = getenv("VIA_BTC_RPC_COOKIE");
    via_rpc *rpc = NULL;
    PGconn *pg = PQconnectdb(S.db);
    if (via_rpc_new(&rpc, &err, &cfg) || PQstatus(pg) != CONNECTION_OK) {
        via_log(VIA_LOG_ERROR, "btc.unavailable", "error=\"%s\"", err.msg);
        via_wipe(seckey, sizeof seckey);
        PQfinish(pg);
        return NULL;
    }
    while (!S.stop) {
        via_error e = {0};
        int rc = inscribe_step(pg, rpc, seckey, &e);
        if (rc == VIA_OK) continue;
        if (rc != VIA_ENOTFOUND) {
            char kv[600] = "";
            via_log_kv(kv, sizeof kv, "error", e.msg);
            via_log(VIA_LOG_WARN, "btc.inscription_failed", "%s", kv + (kv[0] == ' '));
            pthread_mutex_lock(&S.mu);
            S.inscription_errors++;
            pthread_mutex_unlock(&S.mu);
            if (PQstatus(pg) != CONNECTION_OK) PQreset(pg);
            for (int i = 0; i < 20 && !S.stop; i++)
                usleep(100 * 1000);
        } else {
            for (int i = 0; i < 5 && !S.stop; i++)
                usleep(100 * 1000);
        }
    }
    via_wipe(seckey, sizeof seckey);
    via_rpc_free(rpc);
    PQfinish(pg);
    return NULL;
}

/* The chain watcher (chain/): confirmed blocks, their Via messages and the bridge deposits into
 * its tables; reorganisations roll them back. The sealer imports the deposits. */
static void *chain_watcher(void *arg) {
    (void)arg;
    via_rpc_config cfg = {0};
    cfg.url = S.btc_rpc;
    cfg.user = getenv("VIA_BTC_RPC_USER");
    cfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    cfg.cookie_file = getenv("VIA_BTC_RPC_COOKIE");
    via_rpc *rpc = NULL;
    via_watcher *w = NULL;
    via_error err = {0};
    if (via_rpc_new(&rpc, &err, &cfg)) {
        via_log(VIA_LOG_ERROR, "watcher.unavailable", "error=\"%s\"", err.msg);
        return NULL;
    }
    via_watcher_config wc = {0};
    wc.pg_conninfo = S.db;
    wc.network = S.net;
    wc.start_height = S.start_height;
    wc.confirmations = (int)S.dep_confirmations;
    wc.bridge_script = S.bridge_script;
    wc.bridge_script_len = S.bridge_len;
    while (!S.stop && !w) {
        if (via_watcher_new(&w, &err, &wc, rpc, NULL)) {
            via_log(VIA_LOG_WARN, "watcher.start_failed", "error=\"%s\"", err.msg);
            for (int i = 0; i < 20 && !S.stop; i++)
                usleep(100 * 1000);
        }
    }
    if (w) S.watching = 1;
    while (!S.stop && w) {
        int64_t processed = 0;
        via_error e = {0};
        if (via_watcher_poll(w, &e, &processed)) {
            pthread_mutex_lock(&S.mu);
            S.watcher_errors++;
            pthread_mutex_unlock(&S.mu);
            via_log(VIA_LOG_WARN, "watcher.poll_failed", "error=\"%s\"", e.msg);
            processed = 0;
        }
        for (int i = 0; i < (processed ? 1 : 5) && !S.stop; i++)
            usleep(100 * 1000);
    }
    via_watcher_free(w);
    via_rpc_free(rpc);
    return NULL;
}

static void on_signal(int s) {
    (void)s;
    S.stop = 1;
}

static const char *env_or(const char *v, const char *env, const char *def) {
    if (v) return v;
    const char *e = getenv(env);
    return e && *e ? e : def;
}

/* via-sequencer key-address --btc-key FILE [--network NET]: where to fund the inscriber. */
static int key_address(int argc, char **argv) {
    const char *key = NULL, *netname = "regtest";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--btc-key"))
            key = argv[i + 1];
        else if (!strcmp(argv[i], "--network"))
            netname = argv[i + 1];
        else {
            fprintf(stderr, "via-sequencer key-address: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    via_error err = {0};
    via_btc_network net;
    uint8_t sk[32], pub[33], spk[22];
    char addr[VIA_BTC_ADDRESS_MAX];
    if (!key || via_btc_network_parse(&net, netname, &err)) {
        fprintf(stderr, "usage: via-sequencer key-address --btc-key FILE [--network NET]\n");
        return 2;
    }
    if (via_btc_seckey_load_file(sk, NULL, key, &err) || via_btc_pubkey_from_seckey(pub, sk)) {
        fprintf(stderr, "via-sequencer key-address: %s: %s\n", key,
                err.msg[0] ? err.msg : "not a key");
        via_wipe(sk, sizeof sk);
        return 2;
    }
    via_wipe(sk, sizeof sk);
    via_btc_script_p2wpkh(spk, pub);
    if (via_btc_script_to_address(addr, net, spk, sizeof spk, &err)) {
        fprintf(stderr, "via-sequencer key-address: %s\n", err.msg);
        return 2;
    }
    printf("%s\n", addr);
    return 0;
}

/* The bootstrapping message's fields as this rollup fills them (docs/protocol.md "System
 * bootstrapping"). */
static int bootstrap_msg(via_msg *m, const char *genesis, const char *vk_path, unsigned slots,
                         unsigned depth, int64_t start, const char *seq_addr, const char *bridge,
                         const char *verifiers, via_btc_network net, via_error *err) {
    memset(m, 0, sizeof *m);
    m->type = VIA_MSG_SYSTEM_BOOTSTRAPPING;
    via_msg_bootstrap *b = &m->u.bootstrap;
    if (start < 0 || start > UINT32_MAX)
        return via_fail(err, VIA_EINVAL, "--start-height %lld is out of range", (long long)start);
    b->start_block_height = (uint32_t)start;
    b->protocol_version[27] = 1; /* 0.1.0: (minor << 32) | patch */
    /* bootloader_hash: the genesis state root */
    via_keeper *k = via_keeper_new(depth);
    uint64_t *ids;
    via_fr *leaves, root;
    size_t n;
    if (!k) return via_fail(err, VIA_ENOMEM, "keeper");
    int rc = genesis_read(genesis, k, &ids, &leaves, &n, err);
    if (rc) {
        via_keeper_free(k);
        return rc;
    }
    via_keeper_root(k, &root);
    via_keeper_free(k);
    free(ids);
    free(leaves);
    uint8_t le[32];
    via_fr_to_bytes_le(le, &root);
    for (int i = 0; i < 32; i++)
        b->bootloader_hash[i] = le[31 - i];
    /* abstract_account_hash: the chunk parameters */
    for (int i = 0; i < 4; i++) {
        b->abstract_account_hash[i] = (uint8_t)(slots >> (24 - 8 * i));
        b->abstract_account_hash[4 + i] = (uint8_t)(depth >> (24 - 8 * i));
    }
    /* snark_wrapper_vk_hash: BLAKE2s-256 of the verifying key file's bytes */
    uint8_t *vk = NULL;
    size_t vlen = 0;
    via_error fe = {0};
    if (via_read_file(vk_path, (size_t)64 << 20, &vk, &vlen, &fe))
        return via_fail(err, VIA_EIO, "--vk %s: %s", vk_path, fe.msg);
    unsigned int hl = 32;
    EVP_Digest(vk, vlen, b->snark_wrapper_vk_hash, &hl, EVP_blake2s256(), NULL);
    free(vk);
    snprintf(b->governance_address, sizeof b->governance_address, "%s", seq_addr);
    snprintf(b->sequencer_address, sizeof b->sequencer_address, "%s", seq_addr);
    snprintf(b->bridge_address, sizeof b->bridge_address, "%s", bridge);
    /* verifiers: P2WPKH addresses or compressed keys in hex, comma-separated */
    char *list = strdup(verifiers), *save = NULL;
    if (!list) return via_fail(err, VIA_ENOMEM, "verifiers");
    for (char *t = strtok_r(list, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
        if (b->n_verifiers == VIA_MSG_MAX_VERIFIERS) {
            rc = via_fail(err, VIA_EINVAL, "more than %d verifiers", VIA_MSG_MAX_VERIFIERS);
            break;
        }
        uint8_t pub[33], script[42];
        size_t sl = 0;
        via_error e2 = {0};
        if (strlen(t) == 66 && !via_hex_decode_exact(pub, 33, t, &e2) &&
            !via_btc_pubkey_check(pub, &e2)) {
            via_btc_script_p2wpkh(script, pub);
            sl = 22;
        } else if (via_btc_address_to_script(script, &sl, net, t, &e2) || sl != 22) {
            rc = via_fail(err, VIA_EINVAL,
                          "verifier '%s' is neither a compressed public key nor a P2WPKH address",
                          t);
            break;
        }
        char addr[VIA_BTC_ADDRESS_MAX];
        if ((rc = via_btc_script_to_address(addr, net, script, sl, err))) break;
        for (size_t j = 0; j < b->n_verifiers && !rc; j++)
            if (!strcmp(b->verifier_addresses[j], addr))
                rc = via_fail(err, VIA_EINVAL, "verifier %s is listed twice", addr);
        if (!rc) memcpy(b->verifier_addresses[b->n_verifiers++], addr, sizeof addr);
    }
    free(list);
    if (!rc && b->n_verifiers == 0) rc = via_fail(err, VIA_EINVAL, "--verifiers is empty");
    return rc;
}

/* via-sequencer bootstrap: inscribes the system bootstrapping message with the sequencer key. */
static int bootstrap(int argc, char **argv) {
    static const char *names[] = {"--btc-rpc",      "--btc-key", "--network", "--bridge",
                                  "--verifiers",    "--vk",      "--slots",   "--depth",
                                  "--start-height", "--genesis", "--fee-rate"};
    enum { NB = sizeof names / sizeof *names };
    const char *o[NB] = {0};
    for (int i = 2; i < argc; i++) {
        int k = -1;
        for (int j = 0; j < (int)NB; j++)
            if (!strcmp(argv[i], names[j])) k = j;
        if (k < 0 || i + 1 >= argc || o[k]) {
            fprintf(stderr, "via-sequencer bootstrap: unknown, repeated or valueless option %s\n",
                    argv[i]);
            return 2;
        }
        o[k] = argv[++i];
    }
    const char *rpc_url = env_or(o[0], "VIA_BTC_RPC", NULL),
               *key = env_or(o[1], "VIA_BTC_KEY", NULL);
    const char *bridge = env_or(o[3], "VIA_BRIDGE_ADDRESS", NULL);
    unsigned slots = (unsigned)atoi(env_or(o[6], "VIA_SEQ_SLOTS", "1"));
    unsigned depth = (unsigned)atoi(env_or(o[7], "VIA_SEQ_DEPTH", "6"));
    int64_t start = atoll(env_or(o[8], "VIA_BTC_START_HEIGHT", "0"));
    uint64_t fee_rate = o[10] ? strtoull(o[10], NULL, 10) : 0;
    via_btc_network net;
    via_error err = {0};
    if (!rpc_url || !key || !bridge || !o[4] || !o[5] || !o[9] ||
        via_btc_network_parse(&net, env_or(o[2], "VIA_BTC_NETWORK", "regtest"), &err) ||
        !via_chunk_slots_valid(slots) || depth < 1 || depth > 8) {
        fprintf(
            stderr,
            "usage: via-sequencer bootstrap --btc-rpc URL --btc-key FILE [--network NET]\n"
            "         --bridge ADDRESS --verifiers K1,K2,... --vk VK.json --genesis FILE\n"
            "         [--slots C] [--depth D] [--start-height H] [--fee-rate SAT/VB]\n"
            "Inscribes the system bootstrapping message (docs/protocol.md): the verifier set\n"
            "(compressed keys or P2WPKH addresses), the bridge, the verifying key's hash, the\n"
            "genesis root, the chunk parameters, the sequencer's address and the start height.\n");
        return 2;
    }
    uint8_t sk[32], pub[33], spk[22];
    char seq_addr[VIA_BTC_ADDRESS_MAX];
    if (via_btc_seckey_load_file(sk, NULL, key, &err) || via_btc_pubkey_from_seckey(pub, sk)) {
        fprintf(stderr, "via-sequencer bootstrap: %s: %s\n", key,
                err.msg[0] ? err.msg : "not a key");
        return 2;
    }
    via_btc_script_p2wpkh(spk, pub);
    via_msg m;
    if (via_btc_script_to_address(seq_addr, net, spk, sizeof spk, &err) ||
        bootstrap_msg(&m, o[9], o[5], slots, depth, start, seq_addr, bridge, o[4], net, &err)) {
        fprintf(stderr, "via-sequencer bootstrap: %s\n", err.msg);
        via_wipe(sk, sizeof sk);
        return 2;
    }
    via_rpc_config cfg = {0};
    cfg.url = rpc_url;
    cfg.user = getenv("VIA_BTC_RPC_USER");
    cfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    cfg.cookie_file = getenv("VIA_BTC_RPC_COOKIE");
    via_rpc *rpc = NULL;
    via_inscription ins;
    int rc = 1, have = 0;
    char commit[65], reveal[65];
    if (via_rpc_new(&rpc, &err, &cfg) ||
        via_inscribe_prepare(rpc, sk, net, &m, fee_rate, NULL, NULL, 0, &ins, NULL, &err)) {
        fprintf(stderr, "via-sequencer bootstrap: %s\n", err.msg);
        goto out;
    }
    have = 1;
    uint8_t *raw;
    size_t len;
    for (int t = 0; t < 2; t++) {
        const via_btc_tx *tx = t ? &ins.reveal : &ins.commit;
        if (via_btc_tx_serialize(&raw, &len, tx, 1)) goto out;
        int src = via_rpc_sendrawtransaction(rpc, &err, t ? reveal : commit, raw, len);
        free(raw);
        if (src) {
            fprintf(stderr, "via-sequencer bootstrap: broadcasting the %s: %s\n",
                    t ? "reveal" : "commit", err.msg);
            goto out;
        }
    }
    printf("commit_txid=%s\nreveal_txid=%s\nsequencer=%s\nverifiers=%zu\n", commit, reveal,
           seq_addr, m.u.bootstrap.n_verifiers);
    rc = 0;
out:
    via_wipe(sk, sizeof sk);
    if (have) via_inscription_free(&ins);
    via_rpc_free(rpc);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "key-address")) return key_address(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "bootstrap")) return bootstrap(argc, argv);
    if (argc < 2 || strcmp(argv[1], "run") != 0) {
        fputs(help, argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout
                                                                                        : stderr);
        return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
    }
    enum { NO = 23 };
    const char *o[NO] = {0};
    static const char *names[NO] = {"--db",
                                    "--listen",
                                    "--keys",
                                    "--slots",
                                    "--chunks",
                                    "--seal-age",
                                    "--genesis",
                                    "--api-keys",
                                    "--admin-key",
                                    "--max-body",
                                    "--depth",
                                    "--da",
                                    "--celestia-url",
                                    "--celestia-token",
                                    "--retain",
                                    "--btc-rpc",
                                    "--btc-key",
                                    "--network",
                                    "--confirmations",
                                    "--bridge",
                                    "--deposit-confirmations",
                                    "--start-height",
                                    "--max-pubdata"};
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(help, stdout);
            return 0;
        }
        int k = -1;
        for (int j = 0; j < NO; j++)
            if (!strcmp(argv[i], names[j])) k = j;
        if (k < 0 || i + 1 >= argc) {
            fprintf(stderr, "via-sequencer: unknown option or missing value: %s\n\n%s", argv[i],
                    help);
            return 2;
        }
        if (o[k]) {
            fprintf(stderr, "via-sequencer: %s is given twice\n", argv[i]);
            return 2;
        }
        o[k] = argv[++i];
    }
    via_field_init();
    S.db = env_or(o[0], "VIA_DB", "");
    S.listen = env_or(o[1], "VIA_SEQ_LISTEN", ":8545");
    S.keys = env_or(o[2], "VIA_KEYS", "keys");
    S.slots = (unsigned)atoi(env_or(o[3], "VIA_SEQ_SLOTS", "1"));
    S.chunks = (unsigned)atoi(env_or(o[4], "VIA_SEQ_CHUNKS", "4"));
    S.seal_age = atof(env_or(o[5], "VIA_SEQ_SEAL_AGE", "5"));
    S.genesis = o[6];
    const char *keysfile = env_or(o[7], "VIA_SEQ_API_KEYS", NULL);
    S.admin = env_or(o[8], "VIA_SEQ_ADMIN_KEY", NULL);
    S.max_body = (size_t)atol(env_or(o[9], "VIA_SEQ_MAX_BODY", "65536"));
    S.depth = (unsigned)atoi(env_or(o[10], "VIA_SEQ_DEPTH", "6"));
    S.da_kind = env_or(o[11], "VIA_DA", "postgres");
    S.retain = strtoull(env_or(o[14], "VIA_SEQ_RETAIN", "0"), NULL, 10);
    S.btc_rpc = env_or(o[15], "VIA_BTC_RPC", NULL);
    S.btc_key = env_or(o[16], "VIA_BTC_KEY", NULL);
    S.confirmations = (unsigned)atoi(env_or(o[18], "VIA_BTC_CONFIRMATIONS", "1"));
    S.bridge = env_or(o[19], "VIA_BRIDGE_ADDRESS", NULL);
    S.dep_confirmations = (unsigned)atoi(env_or(o[20], "VIA_DEPOSIT_CONFIRMATIONS", "6"));
    S.start_height = atoll(env_or(o[21], "VIA_BTC_START_HEIGHT", "0"));
    long long max_pubdata = atoll(env_or(o[22], "VIA_SEQ_MAX_PUBDATA", "0"));
    {
        via_error ne = {0};
        if (via_btc_network_parse(&S.net, env_or(o[17], "VIA_BTC_NETWORK", "regtest"), &ne) ||
            (S.btc_rpc && !S.btc_key) || S.confirmations < 1) {
            fprintf(stderr, "via-sequencer: --network mainnet|testnet|signet|regtest; --btc-rpc "
                            "needs --btc-key; --confirmations >= 1\n");
            return 2;
        }
    }
    if (S.bridge) {
        via_error be = {0};
        if (!S.btc_rpc || S.dep_confirmations < 1 || S.start_height < 0 ||
            via_btc_address_to_script(S.bridge_script, &S.bridge_len, S.net, S.bridge, &be)) {
            fprintf(stderr,
                    "via-sequencer: --bridge needs --btc-rpc, a %s address (%s), "
                    "--deposit-confirmations >= 1 and --start-height >= 0\n",
                    via_btc_network_name(S.net), be.msg[0] ? be.msg : "ok");
            return 2;
        }
    }
    S.cel_url = env_or(o[12], "VIA_CELESTIA_URL", NULL);
    S.cel_token = env_or(o[13], "VIA_CELESTIA_TOKEN", NULL);
    if ((strcmp(S.da_kind, "postgres") && strcmp(S.da_kind, "celestia")) ||
        (!strcmp(S.da_kind, "celestia") && !S.cel_url)) {
        fprintf(stderr, "via-sequencer: --da postgres (default) or --da celestia with "
                        "--celestia-url (and --celestia-token / VIA_CELESTIA_TOKEN)\n");
        return 2;
    }
    if (!via_chunk_slots_valid(S.slots) || S.chunks < 1 || S.chunks > 4096 || S.seal_age <= 0 ||
        S.max_body < 256 || S.depth < 1 || S.depth > 8) {
        fprintf(stderr, "via-sequencer: --slots must be a chunk size (1, 4, 16, ...), --chunks "
                        "1..4096, --seal-age > 0, --max-body >= 256, --depth 1..8\n");
        return 2;
    }
    if (max_pubdata) {
        /* the batch's DA blob, header and pubdata, within the limit: fewer chunks per batch */
        long long fit = (max_pubdata - 160) / (157LL * S.slots);
        if (max_pubdata < 0 || fit < 1) {
            fprintf(stderr,
                    "via-sequencer: --max-pubdata %lld cannot hold one chunk: a batch's DA blob is "
                    "the 160-byte header and 157 bytes per slot, %lld bytes with one chunk of %u "
                    "slots\n",
                    max_pubdata, 160 + 157LL * S.slots, S.slots);
            return 2;
        }
        if (fit < (long long)S.chunks) S.chunks = (unsigned)fit;
    }
    snprintf(S.circuit, sizeof S.circuit, "chunk-%u", S.slots);
    via_error err = {0};
    /* the proving key's hash, which every job carries */
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.zkey", S.keys, S.circuit);
    FILE *kf = fopen(path, "rb");
    if (!kf) {
        fprintf(stderr, "via-sequencer: no proving key %s (the jobs carry its hash)\n", path);
        return 2;
    }
    via_blake2b_ctx bc;
    via_blake2b_init(&bc, 32);
    static uint8_t buf[1 << 20];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, kf)) > 0)
        via_blake2b_update(&bc, buf, got);
    fclose(kf);
    via_blake2b_final(&bc, S.key_hash);
    if (keysfile) {
        FILE *f = fopen(keysfile, "r");
        if (!f) {
            fprintf(stderr, "via-sequencer: --api-keys %s: cannot open\n", keysfile);
            return 2;
        }
        char line[300];
        while (fgets(line, sizeof line, f)) {
            char key[129];
            double rate;
            if (line[0] == '#' || line[0] == '\n') continue;
            if (sscanf(line, "%128s %lf", key, &rate) != 2 || rate <= 0) {
                fprintf(stderr, "via-sequencer: --api-keys: a line is not \"<key> <rate>\"\n");
                fclose(f);
                return 2;
            }
            S.keys_list = realloc(S.keys_list, (S.nkeys + 1) * sizeof *S.keys_list);
            api_key *k = &S.keys_list[S.nkeys++];
            snprintf(k->key, sizeof k->key, "%s", key);
            k->rate = rate;
            k->tokens = 2 * rate;
            k->last = now_s();
        }
        fclose(f);
    }
    S.pg = PQconnectdb(S.db);
    S.seal_pg = PQconnectdb(S.db);
    S.read_pg = PQconnectdb(S.db);
    if (PQstatus(S.pg) != CONNECTION_OK || PQstatus(S.read_pg) != CONNECTION_OK ||
        PQstatus(S.seal_pg) != CONNECTION_OK) {
        fprintf(stderr, "via-sequencer: cannot connect to PostgreSQL: %s", PQerrorMessage(S.pg));
        return 1;
    }
    PQclear(PQexec(S.pg, "SET synchronous_commit = on"));
    PGresult *r = PQexec(S.seal_pg, schema);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "via-sequencer: schema: %s", PQresultErrorMessage(r));
        return 1;
    }
    PQclear(r);
    int rc = via_state_tree_open(&S.tree, S.seal_pg, S.depth, 3, &err);
    if (!rc) rc = via_gateway_attach(&S.gw, S.seal_pg, &err);
    if (rc) {
        fprintf(stderr, "via-sequencer: %s\n", err.msg);
        return 1;
    }
    S.keeper = via_keeper_new(S.depth);
    if (via_state_tree_version(S.tree) == 0) {
        if (!S.genesis) {
            fprintf(stderr, "via-sequencer: an empty database needs --genesis (the accounts the "
                            "rollup starts with, account 0 the operator)\n");
            return 2;
        }
        if ((rc = apply_genesis(&err))) {
            fprintf(stderr, "via-sequencer: %s\n", err.msg);
            return 1;
        }
    }
    if ((rc = load_state(&err))) {
        fprintf(stderr, "via-sequencer: %s\n", err.msg);
        return 1;
    }
    const char *colon = strrchr(S.listen, ':');
    unsigned port = colon ? (unsigned)atoi(colon + 1) : 0;
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                         (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "via-sequencer: cannot listen on %s\n", S.listen);
        return 1;
    }
    via_log(VIA_LOG_INFO, "sequencer.started",
            "listen=%s batch=%" PRIu64 " pending=%zu slots=%u chunks=%u circuit=%s", S.listen,
            S.batch, S.npending, S.slots, S.chunks, S.circuit);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    pthread_t th, th_da, th_btc, th_commit, th_watch;
    pthread_create(&th_commit, NULL, committer, NULL);
    pthread_create(&th, NULL, sealer, NULL);
    pthread_create(&th_da, NULL, publisher, NULL);
    if (S.btc_rpc) pthread_create(&th_btc, NULL, inscriber, NULL);
    if (S.bridge) pthread_create(&th_watch, NULL, chain_watcher, NULL);
    while (!S.stop)
        usleep(100 * 1000);
    pthread_join(th, NULL);
    pthread_join(th_da, NULL);
    pthread_cond_broadcast(&S.commit_cv);
    pthread_join(th_commit, NULL);
    if (S.btc_rpc) pthread_join(th_btc, NULL);
    if (S.bridge) pthread_join(th_watch, NULL);
    MHD_stop_daemon(d);
    via_log(VIA_LOG_INFO, "sequencer.stopped", "batch=%" PRIu64 " pending=%zu", S.batch,
            S.npending);
    return 0;
}
