/* via-verifier: checks every batch from Bitcoin and DA alone and attests to it on Bitcoin;
 * counts the verifier set's attestations into finality. See verifier/README.md. */
#define _GNU_SOURCE /* asprintf */
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

#include <curl/curl.h>

#include "via/bitcoin.h"
#include "via/chain.h"
#include "via/coord.h"
#include "via/da.h"
#include "via/file.h"
#include "via/hex.h"
#include "via/jsonio.h"
#include "via/log.h"
#include "via/mem.h"
#include "via/rand.h"
#include "via/rollup_json.h"
#include "via/srs.h"
#include "via/vcheck.h"

static const char help[] =
    "usage: via-verifier run --db CONNINFO --btc-rpc URL --bootstrap-txid TXID --genesis FILE\n"
    "                        --vk VK.json --srs FILE [--btc-key FILE] [options]\n"
    "       via-verifier key-address --btc-key FILE [--network NET]   (P2WPKH address, public\n"
    "                                 key and scriptPubKey of a key)\n"
    "       via-verifier sign-request ...   (headers of a signed coordinator request)\n\n"
    "Follows Bitcoin (the chain watcher, in its own database), trusts the system bootstrapping\n"
    "inscription --bootstrap-txid names (its genesis root, verifying-key hash and chunk\n"
    "parameters must match --genesis and --vk), and for each batch the bootstrapped sequencer\n"
    "inscribed: fetches its data and proof from DA, checks them against the references, replays\n"
    "the pubdata on its own state, checks the deposits against its own view of the bridge and\n"
    "verifies the aggregate proof; then inscribes an attestation with --btc-key (a key of the\n"
    "bootstrapped verifier set; without it the verifier only observes) and counts the set's\n"
    "attestations: a batch is final when at least two thirds attest ok and the batch before it\n"
    "is final; a batch that fails a rule, and every batch after it, is never final.\n"
    "Options and variables: --db (VIA_DB), --listen (VIA_VERIFIER_LISTEN, :8546), --btc-rpc\n"
    "(VIA_BTC_RPC; VIA_BTC_RPC_USER/PASSWORD or _COOKIE), --network (VIA_BTC_NETWORK, regtest),\n"
    "--confirmations (VIA_BTC_CONFIRMATIONS, 1), --start-height (VIA_BTC_START_HEIGHT, 0),\n"
    "--bootstrap-txid (VIA_BOOTSTRAP_TXID), --genesis (VIA_GENESIS), --vk (VIA_VK), --srs\n"
    "(VIA_SRS), --btc-key (VIA_BTC_KEY), --da postgres|celestia (VIA_DA), --da-db (VIA_DA_DB:\n"
    "the PostgreSQL that holds the blobs), --celestia-url, --celestia-token.\n"
    "Withdrawals: --verifier-keys K1,K2,... (VIA_VERIFIER_KEYS: the set's compressed keys in\n"
    "bootstrap order; their MuSig2 aggregate must be the bridge), --coordinator-url URL\n"
    "(VIA_COORDINATOR_URL: sign the payouts the coordinator proposes after rebuilding them from\n"
    "this verifier's own view), --coordinate (VIA_COORDINATE=1: also serve the session API on\n"
    "--listen and propose payouts of final withdrawals), --max-fee-rate (50 sat/vB),\n"
    "--session-timeout (30 s).\n"
    "Read API: GET /status, GET /batches/N; /metrics, /healthz, /readyz.\n";

static struct {
    const char *db, *listen, *btc_rpc, *boot_txid, *genesis, *vk_path, *srs_path, *btc_key;
    const char *da_kind, *da_db, *cel_url, *cel_token;
    via_btc_network net;
    int confirmations;
    int64_t start_height;
    PGconn *pg, *read_pg;
    pthread_mutex_t read_mu;
    via_rpc *rpc;
    via_watcher *watcher;
    via_da *da;
    via_groth16_vk vk;
    via_srs srs;
    uint8_t vk_hash[32];
    /* bootstrap */
    int booted;
    char seq_addr[VIA_BTC_ADDRESS_MAX], bridge[VIA_BTC_ADDRESS_MAX];
    size_t nver;
    char ver[VIA_MSG_MAX_VERIFIERS][VIA_BTC_ADDRESS_MAX];
    unsigned slots, depth;
    /* state after the last ok batch */
    via_vstate *st;
    uint64_t last_ok;
    uint8_t last_hash[32];
    uint64_t last_priority;
    int halted; /* a batch failed: nothing after it is checked or final */
    uint64_t journal_batch; /* the batch the state's undo journal holds (0: none) */
    /* withdrawals: the set's keys, the bridge they aggregate to, the coordinator */
    const char *vkeys_arg, *coord_url;
    int coordinate;
    uint64_t max_fee_rate;
    double session_timeout;
    int have_vkeys;
    uint8_t vkeys[VIA_MSG_MAX_VERIFIERS][33];
    via_musig_keyagg keyagg;
    uint8_t bridge_spk[34], bridge_xonly[32];
    /* own key */
    int have_key, my_index;
    uint8_t seckey[32];
    char my_addr[VIA_BTC_ADDRESS_MAX];
    volatile sig_atomic_t stop;
    /* metrics (under read_mu) */
    uint64_t ok_batches, not_ok_batches, attestations_sent, da_errors, chain_errors, untrusted;
    uint64_t last_final;
    double last_verify_s;
    uint64_t sessions_started, sessions_timed_out, sessions_refused, payouts_broadcast,
        auth_refused;
    uint64_t missing[VIA_MSG_MAX_VERIFIERS]; /* sessions each signer let time out */
} V = {.read_mu = PTHREAD_MUTEX_INITIALIZER, .my_index = -1};

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
        int rc = via_fail(err, VIA_EDB, "verifier: %s", PQresultErrorMessage(r));
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
    "SET client_min_messages = warning;"
    "CREATE TABLE IF NOT EXISTS via_vf_batches (number bigint PRIMARY KEY CHECK (number >= 1),"
    " header_hash text NOT NULL, da_reveal_txid text NOT NULL, proof_reveal_txid text NOT NULL,"
    " verdict text NOT NULL CHECK (verdict IN ('ok', 'not_ok')), rule text, detail text,"
    " root_after text, last_priority bigint NOT NULL DEFAULT 0,"
    " final boolean NOT NULL DEFAULT false, verified_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS via_vf_attestations (number bigint PRIMARY KEY,"
    " reference_txid text NOT NULL, vote_ok boolean NOT NULL, commit_raw bytea NOT NULL,"
    " reveal_raw bytea NOT NULL, commit_txid text NOT NULL, reveal_txid text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('built', 'sent', 'confirmed')),"
    " created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz);"
    "CREATE TABLE IF NOT EXISTS via_vf_withdrawals (batch bigint NOT NULL, idx integer NOT NULL,"
    " dest bytea NOT NULL, amount bigint NOT NULL, payout_txid text,"
    " PRIMARY KEY (batch, idx));"
    "CREATE TABLE IF NOT EXISTS via_vf_paid (batch bigint NOT NULL, idx integer NOT NULL,"
    " txid text NOT NULL, block_hash text NOT NULL, height bigint NOT NULL,"
    " PRIMARY KEY (batch, idx));"
    "CREATE TABLE IF NOT EXISTS via_vf_payouts (txid text PRIMARY KEY, raw bytea NOT NULL,"
    " confirmed boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS via_vf_signed (txid text PRIMARY KEY, inputs text[] NOT NULL,"
    " withdrawals text[] NOT NULL, raw bytea, status text NOT NULL DEFAULT 'signed' CHECK (status "
    "IN"
    " ('signed', 'broadcast', 'confirmed')), signed_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS via_vf_meta (id boolean PRIMARY KEY DEFAULT true CHECK (id),"
    " reorgs_seen bigint NOT NULL);";

/* ---- whom to trust ---- */
static int p2wpkh_addr(char out[VIA_BTC_ADDRESS_MAX], const uint8_t pub[33]) {
    uint8_t spk[22];
    via_error e = {0};
    via_btc_script_p2wpkh(spk, pub);
    return via_btc_script_to_address(out, V.net, spk, sizeof spk, &e) == VIA_OK;
}

/* The P2WPKH address a message row (columns: envelope x-only key, paying key, as hex) was sent
 * from, when the envelope's key is the paying key (docs/sources.md: via-indexer); 0 when not. */
static int row_sender(char out[VIA_BTC_ADDRESS_MAX], PGresult *r, int row, int col_xonly,
                      int col_pub) {
    uint8_t xonly[32], pub[33];
    via_error e = {0};
    return !PQgetisnull(r, row, col_pub) &&
           !via_hex_decode_exact(xonly, 32, PQgetvalue(r, row, col_xonly), &e) &&
           !via_hex_decode_exact(pub, 33, PQgetvalue(r, row, col_pub), &e) &&
           !memcmp(pub + 1, xonly, 32) && p2wpkh_addr(out, pub);
}

static int verifier_index(const char *addr) {
    for (size_t i = 0; i < V.nver; i++)
        if (!strcmp(V.ver[i], addr)) return (int)i;
    return -1;
}

/* Genesis accounts into a fresh state; *root_be gets its root. */
static int genesis_add(void *ud, uint64_t id, const via_fr *x, const via_fr *y, uint64_t bal,
                       via_error *err) {
    return via_vstate_genesis(ud, id, x, y, bal, err);
}

static int genesis_state(via_vstate **out, unsigned depth, uint8_t root_be[32], via_error *err) {
    via_vstate *st = via_vstate_new(depth);
    int rc =
        st ? via_genesis_read(V.genesis, genesis_add, st, err) : via_fail(err, VIA_ENOMEM, "state");
    if (rc) {
        via_vstate_free(st);
        return rc;
    }
    via_fr root;
    via_vstate_root(st, &root);
    uint8_t le[32];
    via_fr_to_bytes_le(le, &root);
    for (int i = 0; i < 32; i++)
        root_be[i] = le[31 - i];
    *out = st;
    return VIA_OK;
}

/* --verifier-keys: the set's public keys in bootstrap order; each must be its verifier's P2WPKH
 * address, and their MuSig2 aggregate (BIP-86 tweak) must be the bootstrapped bridge. */
static int check_vkeys(via_error *err) {
    char *list = strdup(V.vkeys_arg), *save = NULL;
    size_t n = 0;
    int rc = list ? VIA_OK : via_fail(err, VIA_ENOMEM, "keys");
    for (char *t = list ? strtok_r(list, ",", &save) : NULL; t && !rc;
         t = strtok_r(NULL, ",", &save)) {
        char a[VIA_BTC_ADDRESS_MAX];
        if (n == V.nver || via_hex_decode_exact(V.vkeys[n], 33, t, err) ||
            via_btc_pubkey_check(V.vkeys[n], err) || !p2wpkh_addr(a, V.vkeys[n]) ||
            strcmp(a, V.ver[n]))
            rc = via_fail(err, VIA_EINVAL,
                          "--verifier-keys: key %zu is not the bootstrapped verifier %zu (%s)", n,
                          n, n < V.nver ? V.ver[n] : "beyond the set");
        n++;
    }
    free(list);
    if (!rc && n != V.nver)
        rc = via_fail(err, VIA_EINVAL, "--verifier-keys: %zu keys for %zu verifiers", n, V.nver);
    uint8_t internal[32], tweak[32];
    if (!rc) rc = via_musig_keyagg_init(&V.keyagg, (const uint8_t(*)[33])V.vkeys, n, err);
    if (!rc) {
        via_musig_keyagg_xonly(internal, &V.keyagg);
        via_btc_tagged_hash(tweak, "TapTweak", internal, 32);
        rc = via_musig_keyagg_tweak(&V.keyagg, tweak, 1, err);
    }
    if (rc) return rc;
    via_musig_keyagg_xonly(V.bridge_xonly, &V.keyagg);
    via_btc_script_p2tr(V.bridge_spk, V.bridge_xonly);
    char a[VIA_BTC_ADDRESS_MAX];
    if (via_btc_script_to_address(a, V.net, V.bridge_spk, sizeof V.bridge_spk, err) ||
        strcmp(a, V.bridge))
        return via_fail(err, VIA_EINVAL,
                        "--verifier-keys aggregate to %s, not the bootstrapped bridge %s", a,
                        V.bridge);
    V.have_vkeys = 1;
    return VIA_OK;
}

/* Reads the bootstrapping inscription once the watcher has it; checks it against the local
 * genesis and verifying key. ENOTFOUND while it is not on chain yet. */
static int load_bootstrap(via_error *err) {
    const char *v[1] = {V.boot_txid};
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT payload::text FROM via_messages WHERE txid = $1"
               " AND msg_type = 'SystemBootstrappingMessage' ORDER BY input_index LIMIT 1",
               1, v, &r, err);
    if (rc) return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return VIA_ENOTFOUND;
    }
    json_t *p = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    if (!p) return via_fail(err, VIA_EDB, "bootstrap payload unreadable");
    uint8_t boot_root[32], params[32], vkh[32];
    const char *bh = json_string_value(json_object_get(p, "bootloader_hash"));
    const char *ah = json_string_value(json_object_get(p, "abstract_account_hash"));
    const char *vh = json_string_value(json_object_get(p, "snark_wrapper_vk_hash"));
    json_t *vers = json_object_get(p, "verifier_addresses");
    if (!bh || !ah || !vh || via_hex_decode_exact(boot_root, 32, bh, err) ||
        via_hex_decode_exact(params, 32, ah, err) || via_hex_decode_exact(vkh, 32, vh, err) ||
        !json_is_array(vers)) {
        json_decref(p);
        return via_fail(err, VIA_EFORMAT, "the bootstrapping message lacks a field");
    }
    V.slots = (unsigned)(params[0] << 24 | params[1] << 16 | params[2] << 8 | params[3]);
    V.depth = (unsigned)(params[4] << 24 | params[5] << 16 | params[6] << 8 | params[7]);
    snprintf(V.seq_addr, sizeof V.seq_addr, "%s",
             json_string_value(json_object_get(p, "sequencer_address")));
    snprintf(V.bridge, sizeof V.bridge, "%s",
             json_string_value(json_object_get(p, "bridge_address")));
    V.nver = 0;
    for (size_t i = 0; i < json_array_size(vers) && i < VIA_MSG_MAX_VERIFIERS; i++)
        snprintf(V.ver[V.nver++], VIA_BTC_ADDRESS_MAX, "%s",
                 json_string_value(json_array_get(vers, i)));
    json_decref(p);
    if (V.depth < 1 || V.depth > 8)
        return via_fail(err, VIA_EFORMAT, "the bootstrapped tree depth %u is unusable", V.depth);
    if (memcmp(vkh, V.vk_hash, 32))
        return via_fail(err, VIA_EINVAL,
                        "--vk %s is not the verifying key the bootstrapping message names",
                        V.vk_path);
    uint8_t mine[32];
    via_vstate *st = NULL;
    if ((rc = genesis_state(&st, V.depth, mine, err))) return rc;
    if (memcmp(mine, boot_root, 32)) {
        via_vstate_free(st);
        return via_fail(err, VIA_EINVAL,
                        "--genesis %s does not have the genesis root the bootstrapping message "
                        "names",
                        V.genesis);
    }
    via_vstate_free(V.st);
    V.st = st;
    if (V.have_key) V.my_index = verifier_index(V.my_addr);
    if (V.vkeys_arg && (rc = check_vkeys(err))) return rc;
    V.booted = 1;
    via_log(VIA_LOG_INFO, "verifier.bootstrapped",
            "sequencer=%s bridge=%s verifiers=%zu my_index=%d slots=%u depth=%u", V.seq_addr,
            V.bridge, V.nver, V.my_index, V.slots, V.depth);
    return VIA_OK;
}

/* ---- one batch ---- */
typedef struct {
    char da_txid[65], proof_txid[65];
    uint8_t hash[32], prev[32];
    char blob_id[VIA_MSG_MAX_BLOB_ID + 1], da_id[VIA_MSG_MAX_STRING + 1];
    char proof_blob[VIA_MSG_MAX_BLOB_ID + 1], proof_da_id[VIA_MSG_MAX_STRING + 1];
} batch_refs;

/* The first trusted L1BatchDAReference for batch n and the first trusted ProofDAReference naming
 * it. ENOTFOUND until both are on chain. */
static int find_refs(uint64_t n, batch_refs *b, via_error *err) {
    memset(b, 0, sizeof *b);
    char ns[24];
    snprintf(ns, sizeof ns, "%" PRIu64, n);
    const char *v[1] = {ns};
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT txid, encode(signer_xonly, 'hex'), encode(sender_pubkey, 'hex'),"
               " payload->>'l1_batch_hash', payload->>'prev_l1_batch_hash', payload->>'blob_id',"
               " payload->>'da_identifier' FROM via_messages"
               " WHERE msg_type = 'L1BatchDAReferenceMessage'"
               " AND (payload->>'l1_batch_index')::bigint = $1::bigint"
               " ORDER BY block_height, tx_index, input_index",
               1, v, &r, err);
    if (rc) return rc;
    int found = 0;
    for (int i = 0; i < PQntuples(r) && !found; i++) {
        char from[VIA_BTC_ADDRESS_MAX];
        via_error e = {0};
        if (!row_sender(from, r, i, 1, 2) || strcmp(from, V.seq_addr))
            continue; /* not the bootstrapped sequencer's: ignored (counted by scan_untrusted) */
        if (via_hex_decode_exact(b->hash, 32, PQgetvalue(r, i, 3), &e) ||
            via_hex_decode_exact(b->prev, 32, PQgetvalue(r, i, 4), &e))
            continue;
        snprintf(b->da_txid, sizeof b->da_txid, "%s", PQgetvalue(r, i, 0));
        snprintf(b->blob_id, sizeof b->blob_id, "%s", PQgetvalue(r, i, 5));
        snprintf(b->da_id, sizeof b->da_id, "%s", PQgetvalue(r, i, 6));
        found = 1;
    }
    PQclear(r);
    if (!found) return VIA_ENOTFOUND;
    const char *v2[1] = {b->da_txid};
    if ((rc = q(V.pg,
                "SELECT txid, encode(signer_xonly, 'hex'), encode(sender_pubkey, 'hex'),"
                " payload->>'blob_id', payload->>'da_identifier' FROM via_messages"
                " WHERE msg_type = 'ProofDAReferenceMessage'"
                " AND payload->>'l1_batch_reveal_txid' = $1"
                " ORDER BY block_height, tx_index, input_index",
                1, v2, &r, err)))
        return rc;
    found = 0;
    for (int i = 0; i < PQntuples(r) && !found; i++) {
        char from[VIA_BTC_ADDRESS_MAX];
        if (!row_sender(from, r, i, 1, 2) || strcmp(from, V.seq_addr))
            continue; /* not the bootstrapped sequencer's: ignored (counted by scan_untrusted) */
        snprintf(b->proof_txid, sizeof b->proof_txid, "%s", PQgetvalue(r, i, 0));
        snprintf(b->proof_blob, sizeof b->proof_blob, "%s", PQgetvalue(r, i, 3));
        snprintf(b->proof_da_id, sizeof b->proof_da_id, "%s", PQgetvalue(r, i, 4));
        found = 1;
    }
    PQclear(r);
    return found ? VIA_OK : VIA_ENOTFOUND;
}

/* Counts and logs the batch and proof references on chain that the bootstrapped sequencer did
 * not inscribe (they are ignored), once per message row. */
static int scan_untrusted(via_error *err) {
    static char hw[24] = "0";
    const char *v[1] = {hw};
    PGresult *r = NULL;
    int rc =
        q(V.pg,
          "SELECT id, txid, msg_type, encode(signer_xonly, 'hex'), encode(sender_pubkey, 'hex')"
          " FROM via_messages WHERE id > $1::bigint AND msg_type IN"
          " ('L1BatchDAReferenceMessage', 'ProofDAReferenceMessage') ORDER BY id",
          1, v, &r, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        char from[VIA_BTC_ADDRESS_MAX] = "";
        int trusted = row_sender(from, r, i, 3, 4) && !strcmp(from, V.seq_addr);
        if (!trusted) {
            pthread_mutex_lock(&V.read_mu);
            V.untrusted++;
            pthread_mutex_unlock(&V.read_mu);
            via_log(VIA_LOG_WARN, "message.untrusted", "txid=%s type=%s sender=%s",
                    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), from[0] ? from : "?");
        }
        snprintf(hw, sizeof hw, "%s", PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return VIA_OK;
}

/* DA fetch: VIA_OK, VIA_EVERIFY with *rule when the published bytes are wrong (a verdict),
 * another code when DA is not reachable now (retry). */
static int fetch(const char *blob_id, const char *da_id, const char *what, uint8_t **data,
                 size_t *len, const char **rule, via_error *err) {
    via_da_ref ref;
    if (via_da_ref_parse(&ref, blob_id, err) ||
        strcmp(da_id, ref.backend == VIA_DA_POSTGRES ? "postgres" : "celestia")) {
        *rule = "da_reference";
        return via_fail(err, VIA_EVERIFY, "%s: the inscribed DA reference is unusable", what);
    }
    if (ref.backend != via_da_kind(V.da))
        return via_fail(err, VIA_EINVAL, "%s: published on %s, this verifier reads %s", what, da_id,
                        V.da_kind);
    int rc = via_da_get(V.da, &ref, data, len, err);
    if (rc == VIA_EVERIFY) *rule = "da_hash_mismatch";
    return rc;
}

static int record_verdict(uint64_t n, const batch_refs *b, int ok, const char *rule,
                          const char *detail, const via_vbatch *vb, via_error *err) {
    char ns[24], hh[65], ra[80] = "", lp[24];
    snprintf(ns, sizeof ns, "%" PRIu64, n);
    via_hex_encode(hh, b->hash, 32);
    if (ok) via_fr_to_decimal(ra, sizeof ra, &vb->root_after);
    snprintf(lp, sizeof lp, "%" PRIu64,
             ok && vb->last_priority ? vb->last_priority : V.last_priority);
    const char *v[9] = {
        ns, hh, b->da_txid, b->proof_txid, ok ? "ok" : "not_ok", rule, detail, ok ? ra : NULL, lp};
    /* an attestation kept from a verdict withdrawn by a reorganisation stands when it names the
     * same proof reference; one naming another is dropped, and this verdict is attested anew */
    const char *va[2] = {ns, b->proof_txid};
    int rc = q(V.pg,
               "DELETE FROM via_vf_attestations WHERE number = $1::bigint AND reference_txid <> $2",
               2, va, NULL, err);
    if (rc) return rc;
    return q(V.pg,
             "INSERT INTO via_vf_batches (number, header_hash, da_reveal_txid, proof_reveal_txid,"
             " verdict, rule, detail, root_after, last_priority) VALUES ($1::bigint, $2, $3, $4,"
             " $5, $6, $7, $8, $9::bigint) ON CONFLICT (number) DO NOTHING",
             9, v, NULL, err);
}

static int pending_deposits(via_vdeposit **out, size_t *n, via_error *err) {
    char lp[24];
    snprintf(lp, sizeof lp, "%" PRIu64, V.last_priority);
    const char *v[1] = {lp};
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT priority_id, txid, vout, amount_sat, encode(receiver, 'hex')"
               " FROM via_deposits WHERE form = 'rollup' AND priority_id > $1::bigint"
               " ORDER BY priority_id",
               1, v, &r, err);
    if (rc) return rc;
    *n = (size_t)PQntuples(r);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) {
        PQclear(r);
        return via_fail(err, VIA_ENOMEM, "deposits");
    }
    for (size_t i = 0; i < *n && !rc; i++) {
        via_vdeposit *d = &(*out)[i];
        d->priority_id = strtoull(PQgetvalue(r, (int)i, 0), NULL, 10);
        d->vout = (uint32_t)strtoul(PQgetvalue(r, (int)i, 2), NULL, 10);
        d->amount = strtoull(PQgetvalue(r, (int)i, 3), NULL, 10);
        if (via_hex_decode_exact(d->txid, 32, PQgetvalue(r, (int)i, 1), err) ||
            via_hex_decode_exact(d->receiver, 36, PQgetvalue(r, (int)i, 4), err))
            rc = via_fail(err, VIA_EDB, "a stored deposit is malformed");
    }
    PQclear(r);
    return rc;
}

/* The withdrawals a batch executed (its withdraw slots), by batch and slot index. */
static int store_withdrawals(uint64_t n, const uint8_t *blob, size_t len, via_error *err) {
    for (size_t i = 0; 160 + (i + 1) * 157 <= len; i++) {
        const uint8_t *p = blob + 160 + i * 157;
        if (p[0] != 3) continue;
        uint64_t amount = 0;
        for (int j = 0; j < 8; j++)
            amount = amount << 8 | p[9 + j];
        uint8_t dest[62];
        memcpy(dest, p + 95, 31);
        memcpy(dest + 31, p + 126, 31);
        char ns[24], is[24], ds[125], as[24];
        snprintf(ns, sizeof ns, "%" PRIu64, n);
        snprintf(is, sizeof is, "%zu", i);
        via_hex_encode(ds, dest, p[25]);
        snprintf(as, sizeof as, "%" PRIu64, amount);
        const char *v[4] = {ns, is, ds, as};
        int rc = q(V.pg,
                   "INSERT INTO via_vf_withdrawals (batch, idx, dest, amount) VALUES ($1::bigint,"
                   " $2::int, decode($3, 'hex'), $4::bigint) ON CONFLICT DO NOTHING",
                   4, v, NULL, err);
        if (rc) return rc;
    }
    return VIA_OK;
}

/* Checks batch last_ok + 1 when its references are on chain. VIA_OK when a verdict was
 * recorded, ENOTFOUND when there is nothing to do yet, another code on an error (retry). */
static int verify_next(int replay_only, const batch_refs *given, via_error *err) {
    uint64_t n = V.last_ok + 1;
    batch_refs b;
    int rc = given ? (b = *given, VIA_OK) : find_refs(n, &b, err);
    if (rc) return rc;
    double t0 = now_s();
    const char *rule = NULL;
    char detail[400] = "";
    uint8_t *blob = NULL, *proof = NULL;
    size_t blen = 0, plen = 0, np = 0;
    via_vdeposit *pend = NULL;
    via_vbatch vb;
    memset(&vb, 0, sizeof vb);
    int ok = 0;
    if (memcmp(b.prev, V.last_hash, 32)) {
        rule = "prev_hash_mismatch";
        snprintf(detail, sizeof detail,
                 "the inscription's previous batch hash is not batch %" PRIu64 "'s", n - 1);
        goto verdict;
    }
    via_error fe = {0};
    rc = fetch(b.blob_id, b.da_id, "batch data", &blob, &blen, &rule, &fe);
    if (rc == VIA_EVERIFY) {
        snprintf(detail, sizeof detail, "%.390s", fe.msg);
        goto verdict;
    }
    if (rc) {
        pthread_mutex_lock(&V.read_mu);
        V.da_errors++;
        pthread_mutex_unlock(&V.read_mu);
        return via_fail(err, rc, "batch %" PRIu64 ": %s", n, fe.msg);
    }
    if ((rc = pending_deposits(&pend, &np, err))) goto out;
    via_error ce = {0};
    V.journal_batch = 0; /* the check starts a new journal */
    rc = via_vcheck_batch(V.st, blob, blen, n, V.last_hash, b.hash, pend, np, &vb, &rule, &ce);
    if (rc == VIA_EVERIFY) {
        snprintf(detail, sizeof detail, "%.390s", ce.msg);
        goto verdict;
    }
    if (rc) {
        via_fail(err, rc, "%s", ce.msg);
        goto out;
    }
    if (!replay_only) {
        rc = fetch(b.proof_blob, b.proof_da_id, "proof", &proof, &plen, &rule, &fe);
        if (rc == VIA_EVERIFY) {
            via_vstate_undo(V.st);
            snprintf(detail, sizeof detail, "%.390s", fe.msg);
            goto verdict;
        }
        if (rc) {
            via_vstate_undo(V.st);
            pthread_mutex_lock(&V.read_mu);
            V.da_errors++;
            pthread_mutex_unlock(&V.read_mu);
            via_fail(err, rc, "batch %" PRIu64 " proof: %s", n, fe.msg);
            goto out;
        }
        rc = via_vcheck_proof(&V.srs, &V.vk, &vb, proof, plen, &rule, &ce);
        if (rc) {
            via_vstate_undo(V.st);
            if (rc != VIA_EVERIFY) {
                via_fail(err, rc, "%s", ce.msg);
                goto out;
            }
            snprintf(detail, sizeof detail, "%.390s", ce.msg);
            goto verdict;
        }
    }
    ok = 1;
verdict:
    if (replay_only) {
        if (!ok) {
            rc = via_fail(err, VIA_EVERIFY,
                          "batch %" PRIu64 " was verified ok before but now fails %s: %s", n, rule,
                          detail);
            goto out;
        }
    } else if ((rc = record_verdict(n, &b, ok, rule, detail, &vb, err))) {
        if (ok) via_vstate_undo(V.st);
        goto out;
    }
    if (ok && (rc = store_withdrawals(n, blob, blen, err))) goto out;
    if (ok) {
        V.last_ok = n;
        V.journal_batch = n;
        memcpy(V.last_hash, b.hash, 32);
        if (vb.last_priority) V.last_priority = vb.last_priority;
    } else {
        V.halted = 1;
    }
    rc = VIA_OK;
    if (!replay_only) {
        pthread_mutex_lock(&V.read_mu);
        if (ok)
            V.ok_batches++;
        else
            V.not_ok_batches++;
        V.last_verify_s = now_s() - t0;
        pthread_mutex_unlock(&V.read_mu);
        if (ok)
            via_log(VIA_LOG_INFO, "batch.verified",
                    "batch=%" PRIu64 " verdict=ok deposits=%zu seconds=%.3f", n,
                    vb.deposits_credited, now_s() - t0);
        else
            via_log(VIA_LOG_WARN, "batch.verified",
                    "batch=%" PRIu64 " verdict=not_ok rule=%s detail=\"%s\"", n, rule, detail);
    }
out:
    free(blob);
    free(proof);
    free(pend);
    via_vbatch_free(&vb);
    return rc;
}

/* After a restart: replays the batches verified ok before (from DA: the state is rebuilt from
 * published data alone), and halts after a not-ok verdict. */
static int restore(via_error *err) {
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT coalesce(min(number) FILTER (WHERE verdict = 'not_ok'), 0),"
               " coalesce(max(number) FILTER (WHERE verdict = 'ok'), 0) FROM via_vf_batches",
               0, NULL, &r, err);
    if (rc) return rc;
    uint64_t bad = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    uint64_t good = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    while (V.last_ok < good && !rc) {
        rc = verify_next(1, NULL, err);
        if (rc == VIA_ENOTFOUND)
            rc = via_fail(err, VIA_EREORG,
                          "batch %" PRIu64 " was verified but its inscriptions are not (yet) on "
                          "the chain this verifier follows",
                          V.last_ok + 1);
    }
    if (!rc && bad) V.halted = 1;
    return rc;
}

/* ---- reorganisations ----
 * When the chain watcher has recorded a reorganisation (via_chain_reorgs) since the last look,
 * the verdicts whose batch or proof reference is no longer on the best chain are withdrawn:
 * the first such batch that is not final and every batch after it lose their verdicts and
 * recorded withdrawals (none is paid: payouts are of final batches), their attestations not yet
 * broadcast are dropped and the confirmed ones are watched again (rebroadcast if they left the
 * chain too); the state goes back to the batch before (one batch: its undo journal; more: a
 * replay from the genesis, as after a restart). The batches are verified again once their
 * references are on the best chain, the same inscriptions mined again or others. A final
 * batch keeps its verdict; that its references left the chain is logged. *restart is set when
 * the state must be replayed. */
static int withdraw_reorganised(int *restart, via_error *err) {
    *restart = 0;
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT (SELECT count(*) FROM via_chain_reorgs),"
               " coalesce((SELECT reorgs_seen FROM via_vf_meta), 0)",
               0, NULL, &r, err);
    if (rc) return rc;
    char seen[24];
    snprintf(seen, sizeof seen, "%s", PQgetvalue(r, 0, 0));
    int same = !strcmp(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    PQclear(r);
    if (same) return VIA_OK;
    if ((rc = q(V.pg,
                "SELECT min(number) FILTER (WHERE NOT final), count(*) FILTER (WHERE final)"
                " FROM via_vf_batches b"
                " WHERE NOT EXISTS (SELECT 1 FROM via_messages m WHERE m.txid = b.da_reveal_txid)"
                " OR NOT EXISTS (SELECT 1 FROM via_messages m WHERE m.txid = b.proof_reveal_txid)",
                0, NULL, &r, err)))
        return rc;
    uint64_t first = PQgetisnull(r, 0, 0) ? 0 : strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    long long finals = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (finals)
        via_log(VIA_LOG_WARN, "batch.final_reorganised",
                "count=%lld note=\"final batches whose references left the best chain keep "
                "their verdicts\"",
                finals);
    char fs[24];
    snprintf(fs, sizeof fs, "%" PRIu64, first);
    const char *v[2] = {fs, seen};
    PQclear(PQexec(V.pg, "BEGIN"));
    if (first)
        rc = q(V.pg,
               "DELETE FROM via_vf_attestations WHERE number >= $1::bigint AND"
               " status = 'built'",
               1, v, NULL, err);
    if (first && !rc)
        rc = q(V.pg,
               "UPDATE via_vf_attestations SET status = 'sent' WHERE number >= $1::bigint"
               " AND status = 'confirmed'",
               1, v, NULL, err);
    if (first && !rc)
        rc = q(V.pg, "DELETE FROM via_vf_withdrawals WHERE batch >= $1::bigint", 1, v, NULL, err);
    if (first && !rc)
        rc = q(V.pg, "DELETE FROM via_vf_batches WHERE number >= $1::bigint AND NOT final", 1, v,
               NULL, err);
    if (!rc)
        rc = q(V.pg,
               "INSERT INTO via_vf_meta (reorgs_seen) VALUES ($1::bigint) ON CONFLICT (id)"
               " DO UPDATE SET reorgs_seen = excluded.reorgs_seen",
               1, v + 1, NULL, err);
    if (!rc) rc = q(V.pg, "COMMIT", 0, NULL, NULL, err);
    if (rc) {
        PQclear(PQexec(V.pg, "ROLLBACK"));
        return rc;
    }
    if (!first) return VIA_OK;
    const char *how;
    if (first > V.last_ok) {
        how = "none"; /* a not-ok verdict: never applied */
    } else if (first == V.last_ok && V.journal_batch == first) {
        via_vstate_undo(V.st);
        V.journal_batch = 0;
        V.last_ok = first - 1;
        memset(V.last_hash, 0, 32);
        V.last_priority = 0;
        char ps[24];
        snprintf(ps, sizeof ps, "%" PRIu64, V.last_ok);
        const char *pv[1] = {ps};
        if ((rc = q(V.pg,
                    "SELECT header_hash, last_priority FROM via_vf_batches WHERE number = "
                    "$1::bigint",
                    1, pv, &r, err)))
            return rc;
        if (PQntuples(r) == 1) {
            via_error he = {0};
            if (via_hex_decode_exact(V.last_hash, 32, PQgetvalue(r, 0, 0), &he)) {
                PQclear(r);
                return via_fail(err, VIA_EDB, "batch %s's stored header hash is malformed", ps);
            }
            V.last_priority = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
        }
        PQclear(r);
        how = "undo";
    } else {
        via_vstate *st = NULL;
        uint8_t root[32];
        if ((rc = genesis_state(&st, V.depth, root, err))) return rc;
        via_vstate_free(V.st);
        V.st = st;
        V.journal_batch = 0;
        V.last_ok = 0;
        memset(V.last_hash, 0, 32);
        V.last_priority = 0;
        *restart = 1;
        how = "replay";
    }
    V.halted = 0;
    via_log(VIA_LOG_WARN, "batch.withdrawn",
            "batch=%" PRIu64 " reason=reorganised state=%s last_verified=%" PRIu64, first, how,
            V.last_ok);
    return VIA_OK;
}

/* ---- attestations ---- */
static int send_raw(const uint8_t *raw, size_t len, via_error *err) {
    char txid[65];
    int rc = via_rpc_sendrawtransaction(V.rpc, err, txid, raw, len);
    /* already in the mempool or mined: not an error for a rebroadcast */
    if (rc == VIA_ERPC && (strstr(err->msg, "already") || strstr(err->msg, "known"))) rc = VIA_OK;
    return rc;
}

/* One step: confirms or rebroadcasts the attestation in flight, else builds the next one
 * (recorded before it is broadcast, so a crash never inscribes a vote twice). */
static int attest_step(via_error *err) {
    if (!V.have_key || V.my_index < 0) return VIA_ENOTFOUND;
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT number, encode(commit_raw, 'hex'), encode(reveal_raw, 'hex'), reveal_txid,"
               " status, extract(epoch FROM now() - coalesce(sent_at, created_at))"
               " FROM via_vf_attestations WHERE status <> 'confirmed' ORDER BY number LIMIT 1",
               0, NULL, &r, err);
    if (rc) return rc;
    if (PQntuples(r) == 1) {
        char number[24], reveal[65];
        snprintf(number, sizeof number, "%s", PQgetvalue(r, 0, 0));
        snprintf(reveal, sizeof reveal, "%s", PQgetvalue(r, 0, 3));
        int sent = !strcmp(PQgetvalue(r, 0, 4), "sent");
        double age = atof(PQgetvalue(r, 0, 5));
        uint8_t *c = NULL, *v = NULL;
        size_t cl = 0, vl = 0;
        if (via_hex_decode(&c, &cl, PQgetvalue(r, 0, 1), err) ||
            via_hex_decode(&v, &vl, PQgetvalue(r, 0, 2), err)) {
            PQclear(r);
            free(c);
            free(v);
            return VIA_EDB;
        }
        PQclear(r);
        if (sent) {
            json_t *tx = NULL;
            via_error e2 = {0};
            int conf = via_rpc_getrawtransaction_verbose(V.rpc, &e2, &tx, reveal) == VIA_OK &&
                       json_integer_value(json_object_get(tx, "confirmations")) >= 1;
            json_decref(tx);
            if (conf) {
                const char *p[1] = {number};
                rc = q(
                    V.pg,
                    "UPDATE via_vf_attestations SET status = 'confirmed' WHERE number = $1::bigint",
                    1, p, NULL, err);
                free(c);
                free(v);
                return rc ? rc : VIA_OK;
            }
            if (age < 60) {
                free(c);
                free(v);
                return VIA_ENOTFOUND; /* wait */
            }
        }
        rc = send_raw(c, cl, err);
        if (!rc) rc = send_raw(v, vl, err);
        free(c);
        free(v);
        if (rc) return rc;
        const char *p[1] = {number};
        rc = q(V.pg,
               "UPDATE via_vf_attestations SET status = 'sent', sent_at = now() WHERE number = "
               "$1::bigint",
               1, p, NULL, err);
        if (!rc) {
            pthread_mutex_lock(&V.read_mu);
            V.attestations_sent++;
            pthread_mutex_unlock(&V.read_mu);
            via_log(VIA_LOG_INFO, "attestation.sent", "batch=%s reveal=%s", number, reveal);
        }
        return rc;
    }
    PQclear(r);
    if ((rc = q(V.pg,
                "SELECT b.number, b.proof_reveal_txid, b.verdict FROM via_vf_batches b"
                " WHERE NOT EXISTS (SELECT 1 FROM via_vf_attestations a WHERE a.number = b.number)"
                " ORDER BY b.number LIMIT 1",
                0, NULL, &r, err)))
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return VIA_ENOTFOUND;
    }
    char number[24], ref[65];
    snprintf(number, sizeof number, "%s", PQgetvalue(r, 0, 0));
    snprintf(ref, sizeof ref, "%s", PQgetvalue(r, 0, 1));
    int vote = !strcmp(PQgetvalue(r, 0, 2), "ok");
    PQclear(r);
    via_msg m;
    memset(&m, 0, sizeof m);
    m.type = VIA_MSG_VALIDATOR_ATTESTATION;
    m.u.attestation.vote_ok = vote;
    if ((rc = via_btc_txid_from_hex(m.u.attestation.reference_txid, ref, err))) return rc;
    via_inscription ins;
    if ((rc = via_inscribe_prepare(V.rpc, V.seckey, V.net, &m, 0, NULL, NULL, 0, &ins, NULL, err)))
        return rc;
    uint8_t *c = NULL, *v = NULL, ct[32], vt[32];
    size_t cl = 0, vl = 0;
    char cts[65], vts[65];
    rc = via_btc_tx_serialize(&c, &cl, &ins.commit, 1) ||
                 via_btc_tx_serialize(&v, &vl, &ins.reveal, 1)
             ? via_fail(err, VIA_ENOMEM, "attestation")
             : VIA_OK;
    via_btc_tx_txid(ct, &ins.commit);
    via_btc_tx_txid(vt, &ins.reveal);
    via_btc_txid_to_hex(cts, ct);
    via_btc_txid_to_hex(vts, vt);
    via_inscription_free(&ins);
    if (!rc) {
        char *ch = malloc(2 * cl + 1), *vh = malloc(2 * vl + 1);
        if (!ch || !vh) {
            rc = via_fail(err, VIA_ENOMEM, "attestation");
        } else {
            via_hex_encode(ch, c, cl);
            via_hex_encode(vh, v, vl);
            const char *p[6] = {number, ref, vote ? "true" : "false", ch, vh, cts};
            const char *p2[7] = {p[0], p[1], p[2], p[3], p[4], p[5], vts};
            rc = q(V.pg,
                   "INSERT INTO via_vf_attestations (number, reference_txid, vote_ok, commit_raw,"
                   " reveal_raw, commit_txid, reveal_txid, status) VALUES ($1::bigint, $2,"
                   " $3::boolean, decode($4, 'hex'), decode($5, 'hex'), $6, $7, 'built')",
                   7, p2, NULL, err);
        }
        free(ch);
        free(vh);
    }
    free(c);
    free(v);
    return rc; /* the next step broadcasts it */
}

/* ---- finality: the bootstrapped set's attestations ---- */
static int count_final(via_error *err) {
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT number, proof_reveal_txid, verdict FROM via_vf_batches WHERE NOT final"
               " ORDER BY number",
               0, NULL, &r, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        uint64_t n = strtoull(PQgetvalue(r, i, 0), NULL, 10);
        if (strcmp(PQgetvalue(r, i, 2), "ok")) break; /* never final, nor anything after */
        if (n > 1) {
            char prev[24];
            snprintf(prev, sizeof prev, "%" PRIu64, n - 1);
            const char *pv[1] = {prev};
            PGresult *f = NULL;
            if ((rc = q(V.pg, "SELECT final FROM via_vf_batches WHERE number = $1::bigint", 1, pv,
                        &f, err)))
                break;
            int prev_final = PQntuples(f) == 1 && !strcmp(PQgetvalue(f, 0, 0), "t");
            PQclear(f);
            if (!prev_final) break;
        }
        const char *v[1] = {PQgetvalue(r, i, 1)};
        PGresult *a = NULL;
        if ((rc = q(V.pg,
                    "SELECT encode(signer_xonly, 'hex'), encode(sender_pubkey, 'hex'),"
                    " payload->>'vote_ok' FROM via_messages"
                    " WHERE msg_type = 'ValidatorAttestationMessage' AND "
                    "payload->>'reference_txid' = $1"
                    " ORDER BY block_height, tx_index, input_index",
                    1, v, &a, err)))
            break;
        int voted[VIA_MSG_MAX_VERIFIERS] = {0}, oks = 0;
        for (int j = 0; j < PQntuples(a); j++) {
            char from[VIA_BTC_ADDRESS_MAX];
            if (!row_sender(from, a, j, 0, 1)) continue;
            int k = verifier_index(from);
            if (k < 0 || voted[k]) continue; /* outside the set, or a second vote */
            voted[k] = 1;
            oks += !strcmp(PQgetvalue(a, j, 2), "true");
        }
        PQclear(a);
        if (3 * (size_t)oks < 2 * V.nver) break;
        char ns[24];
        snprintf(ns, sizeof ns, "%" PRIu64, n);
        const char *p[1] = {ns};
        if ((rc = q(V.pg, "UPDATE via_vf_batches SET final = true WHERE number = $1::bigint", 1, p,
                    NULL, err)))
            break;
        pthread_mutex_lock(&V.read_mu);
        V.last_final = n;
        pthread_mutex_unlock(&V.read_mu);
        via_log(VIA_LOG_INFO, "batch.final", "batch=%" PRIu64 " ok_votes=%d verifiers=%zu", n, oks,
                V.nver);
    }
    PQclear(r);
    return rc;
}

/* ---- withdrawals paid on chain ----
 * Every block the watcher has confirmed is read once more for payouts: a transaction with an
 * OP_RETURN "VIAW" ‖ (batch ‖ index)... output that spends a bridge output (only the verifier
 * set can sign one) pays the listed withdrawals with its first outputs. They are recorded in
 * via_vf_paid with the block; a block that leaves the best chain takes its records along. */
static int64_t paid_height = -1;
static char paid_hash[65];

static int scan_payouts(via_error *err) {
    if (!V.have_vkeys) return VIA_ENOTFOUND;
    PGresult *r = NULL;
    int rc;
    /* a reorganisation: forget what came from blocks no longer on the best chain */
    if ((rc = q(V.pg,
                "DELETE FROM via_vf_paid p WHERE NOT EXISTS (SELECT 1 FROM via_chain_blocks b"
                " WHERE b.hash = p.block_hash)",
                0, NULL, NULL, err)))
        return rc;
    if (paid_height >= 0) {
        char hs[24];
        snprintf(hs, sizeof hs, "%lld", (long long)paid_height);
        const char *v[1] = {hs};
        if ((rc = q(V.pg, "SELECT hash FROM via_chain_blocks WHERE height = $1::bigint", 1, v, &r,
                    err)))
            return rc;
        if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), paid_hash))
            paid_height = paid_height > 12 ? paid_height - 12 : -1; /* re-read past the fork */
        PQclear(r);
    }
    char from[24];
    snprintf(from, sizeof from, "%lld", (long long)paid_height);
    const char *v[1] = {from};
    if ((rc = q(V.pg,
                "SELECT height, hash FROM via_chain_blocks WHERE height > $1::bigint"
                " ORDER BY height LIMIT 50",
                1, v, &r, err)))
        return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        const char *hash = PQgetvalue(r, i, 1);
        json_t *block = NULL;
        if ((rc = via_rpc_getblock(V.rpc, err, &block, hash))) break;
        json_t *txs = json_object_get(block, "tx");
        for (size_t t = 1; t < json_array_size(txs) && !rc; t++) {
            json_t *tj = json_array_get(txs, t);
            const char *hex = json_string_value(json_object_get(tj, "hex"));
            const char *txid = json_string_value(json_object_get(tj, "txid"));
            if (!hex || !txid) continue;
            uint8_t *raw = NULL;
            size_t rl = 0;
            via_btc_tx tx;
            via_btc_tx_init(&tx);
            via_error e2 = {0};
            if (via_hex_decode(&raw, &rl, hex, &e2) || via_btc_tx_parse(&tx, raw, rl, &e2)) {
                free(raw);
                continue;
            }
            free(raw);
            /* the marker: OP_RETURN <push "VIAW" ‖ 12-byte entries> */
            const uint8_t *data = NULL;
            size_t dl = 0;
            for (size_t o = 0; o < tx.n_out && !data; o++) {
                const via_btc_bytes *sp = &tx.out[o].script_pubkey;
                if (sp->len >= 6 && sp->data[0] == 0x6a && sp->data[1] == sp->len - 2 &&
                    !memcmp(sp->data + 2, "VIAW", 4) && (sp->len - 6) % 12 == 0) {
                    data = sp->data + 6;
                    dl = sp->len - 6;
                }
            }
            int from_bridge = 0;
            for (size_t in = 0; data && in < tx.n_in && !from_bridge; in++) {
                char pt[65];
                uint8_t *prev = NULL;
                size_t pl = 0;
                via_btc_tx ptx;
                via_btc_tx_init(&ptx);
                via_btc_txid_to_hex(pt, tx.in[in].prev_txid);
                if (!via_rpc_getrawtransaction(V.rpc, &e2, &prev, &pl, pt) &&
                    !via_btc_tx_parse(&ptx, prev, pl, &e2) && tx.in[in].prev_vout < ptx.n_out) {
                    const via_btc_bytes *sp = &ptx.out[tx.in[in].prev_vout].script_pubkey;
                    from_bridge = sp->len == 34 && !memcmp(sp->data, V.bridge_spk, 34);
                }
                free(prev);
                via_btc_tx_free(&ptx);
            }
            for (size_t k = 0; from_bridge && k < dl / 12 && !rc; k++) {
                uint64_t batch = 0;
                uint32_t idx = 0;
                for (int j = 0; j < 8; j++)
                    batch = batch << 8 | data[12 * k + j];
                for (int j = 0; j < 4; j++)
                    idx = idx << 8 | data[12 * k + 8 + j];
                char bs[24], is[16], hs[24];
                snprintf(bs, sizeof bs, "%" PRIu64, batch);
                snprintf(is, sizeof is, "%u", idx);
                snprintf(hs, sizeof hs, "%s", PQgetvalue(r, i, 0));
                const char *pv[5] = {bs, is, txid, hash, hs};
                rc = q(V.pg,
                       "INSERT INTO via_vf_paid (batch, idx, txid, block_hash, height) VALUES"
                       " ($1::bigint, $2::int, $3, $4, $5::bigint) ON CONFLICT DO NOTHING",
                       5, pv, NULL, err);
                if (!rc)
                    via_log(VIA_LOG_INFO, "withdrawal.paid_on_chain", "batch=%s index=%s txid=%s",
                            bs, is, txid);
            }
            via_btc_tx_free(&tx);
        }
        json_decref(block);
        if (!rc) {
            paid_height = strtoll(PQgetvalue(r, i, 0), NULL, 10);
            snprintf(paid_hash, sizeof paid_hash, "%s", hash);
        }
    }
    PQclear(r);
    return rc;
}

/* ---- withdrawals: the coordinator's session (in memory, under sess_mu) ---- */
static pthread_mutex_t sess_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint64_t id; /* 0: none */
    via_payout_spec spec;
    uint8_t *raw; /* the unsigned payout */
    size_t raw_len;
    via_btc_tx tx;
    uint8_t msgs[VIA_PAYOUT_MAX_INPUTS][32];
    uint8_t nonces[VIA_MSG_MAX_VERIFIERS][VIA_PAYOUT_MAX_INPUTS][66];
    uint8_t psigs[VIA_MSG_MAX_VERIFIERS][VIA_PAYOUT_MAX_INPUTS][32];
    int have_nonce[VIA_MSG_MAX_VERIFIERS], have_psig[VIA_MSG_MAX_VERIFIERS];
    uint8_t aggnonce[VIA_PAYOUT_MAX_INPUTS][66];
    int aggregated, done;
    double created;
} SS;
static uint64_t next_session = 1;

static void session_drop(void) {
    free(SS.raw);
    via_btc_tx_free(&SS.tx);
    memset(&SS, 0, sizeof SS);
    via_btc_tx_init(&SS.tx);
}

/* The final, unpaid withdrawals (own view), batch and index order, at most a payout's worth. */
static int payable(via_payout_spec *spec, via_error *err) {
    PGresult *r = NULL;
    int rc = q(V.pg,
               "SELECT w.batch, w.idx, encode(w.dest, 'hex'), w.amount FROM via_vf_withdrawals w"
               " JOIN via_vf_batches b ON b.number = w.batch AND b.final AND b.verdict = 'ok'"
               " WHERE w.payout_txid IS NULL AND NOT EXISTS (SELECT 1 FROM via_vf_paid p"
               " WHERE p.batch = w.batch AND p.idx = w.idx) ORDER BY w.batch, w.idx LIMIT 6",
               0, NULL, &r, err);
    if (rc) return rc;
    spec->nw = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        via_payout_withdrawal *w = &spec->w[spec->nw];
        w->batch = strtoull(PQgetvalue(r, i, 0), NULL, 10);
        w->index = (uint32_t)strtoul(PQgetvalue(r, i, 1), NULL, 10);
        w->amount = strtoull(PQgetvalue(r, i, 3), NULL, 10);
        via_error e = {0};
        uint8_t *d = NULL;
        size_t dl = 0;
        if (via_hex_decode(&d, &dl, PQgetvalue(r, i, 2), &e) || dl < 1 || dl > 62) {
            free(d);
            continue;
        }
        memcpy(w->dest, d, dl);
        w->dest_len = dl;
        free(d);
        spec->nw++;
    }
    PQclear(r);
    return VIA_OK;
}

/* The coordinator's step: times out a stale session (naming who did not answer), completes a
 * signed one (aggregate, check, broadcast, record), or starts the next. */
static int coord_step(via_error *err) {
    if (!V.coordinate || !V.have_vkeys) return VIA_ENOTFOUND;
    pthread_mutex_lock(&sess_mu);
    int rc = VIA_OK;
    if (SS.id && !SS.done && now_s() - SS.created > V.session_timeout) {
        char who[200] = "";
        size_t wl = 0;
        /* in round 1 those without a nonce, in round 2 those without a partial signature */
        for (size_t i = 0; i < V.nver; i++)
            if (SS.aggregated ? !SS.have_psig[i] : !SS.have_nonce[i]) {
                wl += (size_t)snprintf(who + wl, sizeof who - wl, "%s%zu", wl ? "," : "", i);
                pthread_mutex_lock(&V.read_mu);
                V.missing[i]++;
                pthread_mutex_unlock(&V.read_mu);
            }
        via_log(VIA_LOG_WARN, "session.timed_out", "session=%" PRIu64 " round=%d unanswered=%s",
                SS.id, SS.aggregated ? 2 : 1, who);
        pthread_mutex_lock(&V.read_mu);
        V.sessions_timed_out++;
        pthread_mutex_unlock(&V.read_mu);
        session_drop();
    }
    if (SS.id && !SS.done && SS.aggregated) {
        size_t all = 0;
        for (size_t i = 0; i < V.nver; i++)
            all += SS.have_psig[i] != 0;
        if (all == V.nver) {
            for (size_t in = 0; in < SS.tx.n_in && !rc; in++) {
                via_musig_session ms;
                uint8_t psigs[VIA_MSG_MAX_VERIFIERS][32], sig[65];
                for (size_t i = 0; i < V.nver; i++)
                    memcpy(psigs[i], SS.psigs[i][in], 32);
                size_t bad = 0;
                rc = via_musig_session_init(&ms, &V.keyagg, SS.aggnonce[in], SS.msgs[in], 32, err);
                if (!rc)
                    rc = via_musig_partial_agg(sig, (const uint8_t(*)[32])psigs, V.nver, &ms, &bad,
                                               err);
                if (!rc && via_btc_schnorr_verify(sig, SS.msgs[in], 32, V.bridge_xonly))
                    rc = via_fail(err, VIA_EVERIFY,
                                  "input %zu: the aggregate signature does not verify", in);
                sig[64] = VIA_BTC_SIGHASH_ALL;
                const uint8_t *item = sig;
                size_t il = 65;
                if (!rc && via_btc_tx_set_witness(&SS.tx, in, 1, &item, &il)) rc = VIA_ENOMEM;
            }
            uint8_t *raw = NULL;
            size_t rl = 0;
            char txid[65] = "";
            if (!rc) rc = via_btc_tx_serialize(&raw, &rl, &SS.tx, 1) ? VIA_ENOMEM : VIA_OK;
            if (!rc) {
                uint8_t t[32];
                via_btc_tx_txid(t, &SS.tx);
                via_btc_txid_to_hex(txid, t);
                /* recorded before it is broadcast: the withdrawals are never built again */
                char bl[24], il2[16];
                rc = q(V.pg, "BEGIN", 0, NULL, NULL, err);
                for (size_t i = 0; i < SS.spec.nw && !rc; i++) {
                    snprintf(bl, sizeof bl, "%" PRIu64, SS.spec.w[i].batch);
                    snprintf(il2, sizeof il2, "%u", SS.spec.w[i].index);
                    const char *v[3] = {txid, bl, il2};
                    rc = q(V.pg,
                           "UPDATE via_vf_withdrawals SET payout_txid = $1 WHERE batch = $2::bigint"
                           " AND idx = $3::int AND payout_txid IS NULL",
                           3, v, NULL, err);
                }
                if (!rc) {
                    char *hex = malloc(2 * rl + 1);
                    if (!hex) {
                        rc = via_fail(err, VIA_ENOMEM, "payout");
                    } else {
                        via_hex_encode(hex, raw, rl);
                        const char *v[2] = {txid, hex};
                        rc = q(
                            V.pg,
                            "INSERT INTO via_vf_payouts (txid, raw) VALUES ($1, decode($2, 'hex'))",
                            2, v, NULL, err);
                        free(hex);
                    }
                }
                if (!rc) rc = q(V.pg, "COMMIT", 0, NULL, NULL, err);
                if (rc) PQclear(PQexec(V.pg, "ROLLBACK"));
            }
            if (!rc) {
                char sent[65];
                rc = via_rpc_sendrawtransaction(V.rpc, err, sent, raw, rl);
                if (!rc) {
                    pthread_mutex_lock(&V.read_mu);
                    V.payouts_broadcast++;
                    pthread_mutex_unlock(&V.read_mu);
                    via_log(VIA_LOG_INFO, "payout.broadcast",
                            "session=%" PRIu64 " txid=%s withdrawals=%zu inputs=%zu", SS.id, txid,
                            SS.spec.nw, SS.tx.n_in);
                }
            }
            free(raw);
            if (rc)
                via_log(VIA_LOG_ERROR, "payout.failed", "session=%" PRIu64 " error=\"%s\"", SS.id,
                        err->msg);
            SS.done = 1;
            session_drop();
            pthread_mutex_unlock(&sess_mu);
            return rc;
        }
    }
    if (SS.id) {
        pthread_mutex_unlock(&sess_mu);
        return VIA_ENOTFOUND;
    }
    /* the next session only once the chain is read to its tip and every payout on it is known
     * (a coordinator catching up must not propose what was paid in blocks it has not read) */
    {
        via_watcher_stats ws;
        int64_t tip = 0;
        via_error te = {0};
        via_watcher_get_stats(V.watcher, &ws);
        if (via_rpc_getblockcount(V.rpc, &te, &tip) ||
            ws.next_height + V.confirmations - 1 <= tip || paid_height + 1 < ws.next_height) {
            pthread_mutex_unlock(&sess_mu);
            return VIA_ENOTFOUND;
        }
    }
    /* the next session: nothing while a payout of ours is unconfirmed (its inputs still look
     * unspent to scantxoutset); an unconfirmed one is broadcast again (after a crash between
     * recording and broadcasting, or when it left the mempool) */
    PGresult *r = NULL;
    rc = q(V.pg, "SELECT txid, encode(raw, 'hex') FROM via_vf_payouts WHERE NOT confirmed", 0, NULL,
           &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        json_t *tx = NULL;
        via_error e2 = {0};
        const char *t = PQgetvalue(r, i, 0);
        int conf = via_rpc_getrawtransaction_verbose(V.rpc, &e2, &tx, t) == VIA_OK &&
                   json_integer_value(json_object_get(tx, "confirmations")) >= 1;
        int known = tx != NULL;
        json_decref(tx);
        if (conf) {
            const char *v[1] = {t};
            (void)q(V.pg, "UPDATE via_vf_payouts SET confirmed = true WHERE txid = $1", 1, v, NULL,
                    &e2);
            via_log(VIA_LOG_INFO, "payout.confirmed", "txid=%s", t);
            continue;
        }
        if (!known) {
            uint8_t *raw = NULL;
            size_t rl = 0;
            char sent[65];
            if (!via_hex_decode(&raw, &rl, PQgetvalue(r, i, 1), &e2) &&
                !via_rpc_sendrawtransaction(V.rpc, &e2, sent, raw, rl))
                via_log(VIA_LOG_INFO, "payout.rebroadcast", "txid=%s", t);
            free(raw);
        }
        rc = VIA_ENOTFOUND;
    }
    if (r) PQclear(r);
    via_payout_spec spec;
    memset(&spec, 0, sizeof spec);
    if (!rc) rc = payable(&spec, err);
    if (!rc && spec.nw == 0) rc = VIA_ENOTFOUND;
    /* bridge coins, largest first (ties by outpoint), until the withdrawals and the fee */
    via_rpc_utxo *coins = NULL;
    size_t nc = 0;
    char addr[VIA_BTC_ADDRESS_MAX], desc[VIA_BTC_ADDRESS_MAX + 8];
    if (!rc) {
        snprintf(desc, sizeof desc, "addr(%s)", V.bridge);
        (void)addr;
        const char *d[1] = {desc};
        rc = via_rpc_scantxoutset(V.rpc, err, &coins, &nc, d, 1);
    }
    if (!rc) {
        for (size_t i = 1; i < nc; i++)
            for (size_t j = i; j > 0 && (coins[j].value_sat > coins[j - 1].value_sat ||
                                         (coins[j].value_sat == coins[j - 1].value_sat &&
                                          strcmp(coins[j].txid, coins[j - 1].txid) < 0));
                 j--) {
                via_rpc_utxo t = coins[j];
                coins[j] = coins[j - 1];
                coins[j - 1] = t;
            }
        uint64_t kvb = 0;
        int blocks;
        via_error fe = {0};
        spec.fee_rate =
            via_rpc_estimatesmartfee(V.rpc, &fe, &kvb, &blocks, 2) ? 2 : (kvb + 999) / 1000;
        if (spec.fee_rate < 1) spec.fee_rate = 1;
        memcpy(spec.bridge, V.bridge_spk, 34);
        via_btc_tx probe;
        uint64_t fee;
        int built = 0;
        for (size_t i = 0; i < nc && i < VIA_PAYOUT_MAX_INPUTS && !built; i++) {
            if (via_btc_txid_from_hex(spec.in[i].txid, coins[i].txid, err)) break;
            spec.in[i].vout = coins[i].vout;
            spec.in[i].value = coins[i].value_sat;
            spec.nin = i + 1;
            via_error be = {0};
            if (via_payout_build(&probe, &fee, &spec, &be) == VIA_OK) {
                built = 1;
                SS.tx = probe;
            }
        }
        if (!built)
            rc = via_fail(err, VIA_EINVAL, "the bridge's coins do not cover the withdrawals");
    }
    free(coins);
    if (!rc) rc = via_payout_sighashes(SS.msgs, &SS.tx, &spec, err);
    if (!rc) rc = via_btc_tx_serialize(&SS.raw, &SS.raw_len, &SS.tx, 0) ? VIA_ENOMEM : VIA_OK;
    if (!rc) {
        SS.spec = spec;
        SS.id = next_session++;
        SS.created = now_s();
        pthread_mutex_lock(&V.read_mu);
        V.sessions_started++;
        pthread_mutex_unlock(&V.read_mu);
        via_log(VIA_LOG_INFO, "session.started",
                "session=%" PRIu64 " withdrawals=%zu inputs=%zu fee_rate=%" PRIu64, SS.id, spec.nw,
                spec.nin, spec.fee_rate);
    } else if (rc != VIA_ENOTFOUND) {
        session_drop();
    } else {
        via_btc_tx_free(&SS.tx);
    }
    pthread_mutex_unlock(&sess_mu);
    return rc;
}

/* GET /session as JSON (under sess_mu). */
static char *session_json(void) {
    json_t *o;
    if (!SS.id) {
        o = json_pack("{s:n}", "session");
    } else {
        json_t *w = json_array(), *in = json_array(), *got = json_array(), *signed_ = json_array();
        for (size_t i = 0; i < SS.spec.nw; i++)
            json_array_append_new(
                w, json_pack("[I,i]", (json_int_t)SS.spec.w[i].batch, (int)SS.spec.w[i].index));
        for (size_t i = 0; i < SS.spec.nin; i++) {
            char t[65];
            via_btc_txid_to_hex(t, SS.spec.in[i].txid);
            json_array_append_new(in, json_pack("{s:s,s:i,s:I}", "txid", t, "vout",
                                                (int)SS.spec.in[i].vout, "value",
                                                (json_int_t)SS.spec.in[i].value));
        }
        for (size_t i = 0; i < V.nver; i++) {
            if (SS.have_nonce[i]) json_array_append_new(got, json_integer((json_int_t)i));
            if (SS.have_psig[i]) json_array_append_new(signed_, json_integer((json_int_t)i));
        }
        char *hex = malloc(2 * SS.raw_len + 1);
        via_hex_encode(hex, SS.raw, SS.raw_len);
        json_t *agg = json_null();
        if (SS.aggregated) {
            agg = json_array();
            for (size_t i = 0; i < SS.spec.nin; i++) {
                char h[133];
                via_hex_encode(h, SS.aggnonce[i], 66);
                json_array_append_new(agg, json_string(h));
            }
        }
        o = json_pack("{s:I,s:o,s:o,s:I,s:s,s:o,s:o,s:o}", "session", (json_int_t)SS.id,
                      "withdrawals", w, "inputs", in, "fee_rate", (json_int_t)SS.spec.fee_rate,
                      "tx", hex, "nonces_from", got, "signatures_from", signed_, "aggregate_nonces",
                      agg);
        free(hex);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* Request authentication: index in the set, timestamp within 30 s, BIP-340 signature by that
 * verifier's key, never seen before (replays within the window are refused). */
#define AUTH_WINDOW 30
static struct {
    uint8_t sig[64];
    int64_t ts;
} seen[1024];
static size_t nseen;

static int authenticate(struct MHD_Connection *c, const char *method, const char *url,
                        const char *body, size_t len, int *index, char *why, size_t whylen) {
    const char *is = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Verifier-Index");
    const char *ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Timestamp");
    const char *ss = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Signature");
    uint8_t sig[64];
    via_error e = {0};
    char *end;
    if (!is || !ts || !ss)
        return snprintf(why, whylen, "X-Verifier-Index, X-Timestamp and X-Signature are required"),
               0;
    if (!V.have_vkeys)
        return snprintf(why, whylen, "the coordinator has not read the bootstrap yet"), 0;
    long idx = strtol(is, &end, 10);
    if (*end || idx < 0 || (size_t)idx >= V.nver)
        return snprintf(why, whylen, "verifier index outside the bootstrapped set"), 0;
    long long t = strtoll(ts, &end, 10);
    int64_t now = (int64_t)time(NULL);
    if (*end || t < now - AUTH_WINDOW || t > now + AUTH_WINDOW)
        return snprintf(why, whylen, "timestamp outside the %d-second window", AUTH_WINDOW), 0;
    if (strlen(ss) != 128 || via_hex_decode_exact(sig, 64, ss, &e))
        return snprintf(why, whylen, "X-Signature must be 64 bytes of hex"), 0;
    uint8_t digest[32];
    via_coord_auth_digest(digest, method, url, t, (int)idx, (const uint8_t *)body, len);
    if (via_btc_schnorr_verify(sig, digest, 32, V.vkeys[idx] + 1))
        return snprintf(why, whylen, "the signature is not verifier %ld's", idx), 0;
    for (size_t i = 0; i < nseen; i++)
        if (seen[i].ts >= now - 2 * AUTH_WINDOW && !memcmp(seen[i].sig, sig, 64))
            return snprintf(why, whylen, "replayed request"), 0;
    size_t slot = nseen < 1024 ? nseen++ : 0;
    for (size_t i = 0; nseen == 1024 && i < 1024; i++)
        if (seen[i].ts < seen[slot].ts) slot = i;
    memcpy(seen[slot].sig, sig, 64);
    seen[slot].ts = t;
    *index = (int)idx;
    return 1;
}

/* The session routes (coordinator only). *status gets the HTTP status. */
static char *session_route(struct MHD_Connection *c, const char *method, const char *url,
                           const char *body, size_t len, unsigned *status) {
    char why[200];
    int idx;
    pthread_mutex_lock(&sess_mu);
    if (!authenticate(c, method, url, body, len, &idx, why, sizeof why)) {
        pthread_mutex_unlock(&sess_mu);
        pthread_mutex_lock(&V.read_mu);
        V.auth_refused++;
        pthread_mutex_unlock(&V.read_mu);
        via_log(VIA_LOG_WARN, "coordinator.refused", "path=%s reason=\"%s\"", url, why);
        *status = 401;
        json_t *o = json_pack("{s:s}", "error", why);
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        return s;
    }
    char *out = NULL;
    *status = 200;
    if (!strcmp(method, "GET") && !strcmp(url, "/session")) {
        out = session_json();
    } else if (!strcmp(method, "POST") &&
               (!strcmp(url, "/session/nonce") || !strcmp(url, "/session/signature"))) {
        int nonce = !strcmp(url, "/session/nonce");
        uint64_t sid = 0;
        uint8_t vals[VIA_PAYOUT_MAX_INPUTS * 66];
        via_error e = {0};
        const char *msg = NULL;
        if (!SS.id || SS.done)
            msg = "no session is open";
        else if (via_coord_parse_values(&sid, vals, SS.spec.nin, nonce ? 66 : 32, body, len, &e))
            msg = e.msg;
        else if (sid != SS.id)
            msg = "not the open session";
        else if (!nonce && !SS.aggregated)
            msg = "the nonces are not all in";
        else if (nonce && SS.aggregated)
            msg = "the nonces are complete";
        if (!msg && nonce) {
            for (size_t i = 0; i < SS.spec.nin; i++)
                memcpy(SS.nonces[idx][i], vals + i * 66, 66);
            SS.have_nonce[idx] = 1;
            size_t all = 0;
            for (size_t i = 0; i < V.nver; i++)
                all += SS.have_nonce[i] != 0;
            if (all == V.nver) {
                for (size_t in = 0; in < SS.spec.nin && !msg; in++) {
                    uint8_t pn[VIA_MSG_MAX_VERIFIERS][66];
                    size_t bad = 0;
                    for (size_t i = 0; i < V.nver; i++)
                        memcpy(pn[i], SS.nonces[i][in], 66);
                    if (via_musig_nonce_agg(SS.aggnonce[in], (const uint8_t(*)[66])pn, V.nver, &bad,
                                            &e)) {
                        msg = "a nonce is invalid: the session is reset";
                        session_drop();
                    }
                }
                if (!msg) SS.aggregated = 1;
            }
        } else if (!msg) {
            for (size_t in = 0; in < SS.spec.nin && !msg; in++) {
                via_musig_session ms;
                if (via_musig_session_init(&ms, &V.keyagg, SS.aggnonce[in], SS.msgs[in], 32, &e) ||
                    via_musig_partial_verify(vals + in * 32, SS.nonces[idx][in], V.vkeys[idx], &ms,
                                             &e))
                    msg = "a partial signature does not verify";
            }
            if (!msg) {
                for (size_t in = 0; in < SS.spec.nin; in++)
                    memcpy(SS.psigs[idx][in], vals + in * 32, 32);
                SS.have_psig[idx] = 1;
            }
        }
        if (msg) {
            *status = 400;
            json_t *o = json_pack("{s:s}", "error", msg);
            out = json_dumps(o, JSON_COMPACT);
            json_decref(o);
            via_log(VIA_LOG_WARN, "coordinator.bad_request", "path=%s verifier=%d reason=\"%s\"",
                    url, idx, msg);
        } else {
            out = strdup("{\"ok\":true}");
        }
    } else {
        *status = 404;
        out = strdup("{\"error\":\"no such session route\"}");
    }
    pthread_mutex_unlock(&sess_mu);
    return out;
}

/* ---- withdrawals: the signer (every verifier with --coordinator-url) ---- */
static struct {
    uint64_t session; /* the session these nonces belong to */
    via_musig_secnonce *sec[VIA_PAYOUT_MAX_INPUTS];
    size_t n;
    int nonce_sent, psig_sent;
    uint64_t refused; /* a session refused: not looked at again */
    via_payout_spec spec;
    uint8_t msgs[VIA_PAYOUT_MAX_INPUTS][32];
} SG;

static void signer_forget(void) {
    for (size_t i = 0; i < SG.n; i++)
        via_musig_secnonce_free(SG.sec[i]);
    memset(SG.sec, 0, sizeof SG.sec);
    SG.n = 0;
    SG.nonce_sent = SG.psig_sent = 0;
}

static size_t body_cb(char *p, size_t sz, size_t n, void *ud) {
    FILE *f = ud;
    return fwrite(p, sz, n, f);
}

/* A signed request to the coordinator. *out (malloc'd) gets the body; returns the HTTP status or
 * -1 when it could not be sent. */
static long coord_request(const char *method, const char *path, const char *body, char **out) {
    CURL *h = curl_easy_init();
    if (!h) return -1;
    char url[600];
    snprintf(url, sizeof url, "%s%s", V.coord_url, path);
    int64_t ts = (int64_t)time(NULL);
    uint8_t digest[32], sig[64];
    size_t bl = body ? strlen(body) : 0;
    via_coord_auth_digest(digest, method, path, ts, V.my_index, (const uint8_t *)body, bl);
    /* fresh auxiliary randomness: two requests in one second still differ (a replay does not) */
    uint8_t aux[32];
    via_error re = {0};
    if (via_os_random(aux, sizeof aux, &re) ||
        via_btc_schnorr_sign(sig, digest, 32, V.seckey, aux)) {
        curl_easy_cleanup(h);
        return -1;
    }
    char sh[129], hdr[3][200];
    via_hex_encode(sh, sig, 64);
    snprintf(hdr[0], sizeof hdr[0], "X-Verifier-Index: %d", V.my_index);
    snprintf(hdr[1], sizeof hdr[1], "X-Timestamp: %lld", (long long)ts);
    snprintf(hdr[2], sizeof hdr[2], "X-Signature: %s", sh);
    struct curl_slist *hl = NULL;
    for (int i = 0; i < 3; i++)
        hl = curl_slist_append(hl, hdr[i]);
    hl = curl_slist_append(hl, "Content-Type: application/json");
    char *resp = NULL;
    size_t rl = 0;
    FILE *m = open_memstream(&resp, &rl);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, m);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)bl);
    }
    CURLcode cc = curl_easy_perform(h);
    long status = -1;
    if (cc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    fclose(m);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    *out = resp;
    return status;
}

/* Rebuilds the proposed payout from this verifier's own view and says why it will not sign
 * (NULL: it will). */
static const char *signer_check(json_t *s, via_payout_spec *spec, char *why, size_t whylen) {
    memset(spec, 0, sizeof *spec);
    json_t *w = json_object_get(s, "withdrawals"), *in = json_object_get(s, "inputs");
    const char *txh = json_string_value(json_object_get(s, "tx"));
    json_int_t rate = json_integer_value(json_object_get(s, "fee_rate"));
    if (!json_is_array(w) || !json_is_array(in) || !txh || json_array_size(w) < 1 ||
        json_array_size(w) > VIA_PAYOUT_MAX_WITHDRAWALS || json_array_size(in) < 1 ||
        json_array_size(in) > VIA_PAYOUT_MAX_INPUTS)
        return snprintf(why, whylen, "the session is malformed"), why;
    if (rate < 1 || (uint64_t)rate > V.max_fee_rate)
        return snprintf(why, whylen, "fee rate %lld sat/vB is above this verifier's bound %" PRIu64,
                        (long long)rate, V.max_fee_rate),
               why;
    spec->fee_rate = (uint64_t)rate;
    memcpy(spec->bridge, V.bridge_spk, 34);
    via_error e = {0};
    for (size_t i = 0; i < json_array_size(w); i++) {
        json_t *p = json_array_get(w, i);
        char bs[24], is[16];
        snprintf(bs, sizeof bs, "%lld", (long long)json_integer_value(json_array_get(p, 0)));
        snprintf(is, sizeof is, "%lld", (long long)json_integer_value(json_array_get(p, 1)));
        const char *v[2] = {bs, is};
        PGresult *r = NULL;
        if (q(V.pg,
              "SELECT encode(w.dest, 'hex'), w.amount, w.payout_txid FROM via_vf_withdrawals w"
              " JOIN via_vf_batches b ON b.number = w.batch AND b.final AND b.verdict = 'ok'"
              " WHERE w.batch = $1::bigint AND w.idx = $2::int",
              2, v, &r, &e))
            return snprintf(why, whylen, "database: %.300s", e.msg), why;
        if (PQntuples(r) != 1) {
            PQclear(r);
            return snprintf(why, whylen, "withdrawal %s/%s is not in a batch final here", bs, is),
                   why;
        }
        via_payout_withdrawal *x = &spec->w[spec->nw++];
        x->batch = strtoull(bs, NULL, 10);
        x->index = (uint32_t)strtoul(is, NULL, 10);
        x->amount = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
        uint8_t *d = NULL;
        size_t dl = 0;
        if (via_hex_decode(&d, &dl, PQgetvalue(r, 0, 0), &e) || dl > 62) dl = 0;
        if (dl) memcpy(x->dest, d, dl);
        x->dest_len = dl;
        free(d);
        PQclear(r);
    }
    for (size_t i = 0; i < json_array_size(in); i++) {
        json_t *p = json_array_get(in, i);
        const char *t = json_string_value(json_object_get(p, "txid"));
        json_int_t vout = json_integer_value(json_object_get(p, "vout"));
        via_rpc_txout to;
        if (!t || vout < 0 || via_btc_txid_from_hex(spec->in[i].txid, t, &e) ||
            via_rpc_gettxout(V.rpc, &e, &to, t, (uint32_t)vout, 0) || !to.found ||
            to.script_pubkey_len != 34 || memcmp(to.script_pubkey, V.bridge_spk, 34))
            return snprintf(why, whylen,
                            "input %zu is not an unspent bridge output on this verifier's chain",
                            i),
                   why;
        spec->in[i].vout = (uint32_t)vout;
        spec->in[i].value = to.value_sat; /* this verifier's reading, not the proposal's */
        spec->nin++;
    }
    /* never a withdrawal this verifier saw paid on chain, never two payouts of one withdrawal
     * that could both confirm */
    for (size_t i = 0; i < spec->nw; i++) {
        char key[40], bs2[24], is2[16];
        snprintf(key, sizeof key, "%" PRIu64 "/%u", spec->w[i].batch, spec->w[i].index);
        snprintf(bs2, sizeof bs2, "%" PRIu64, spec->w[i].batch);
        snprintf(is2, sizeof is2, "%u", spec->w[i].index);
        const char *pv[2] = {bs2, is2};
        PGresult *r = NULL;
        if (q(V.pg, "SELECT txid FROM via_vf_paid WHERE batch = $1::bigint AND idx = $2::int", 2,
              pv, &r, &e))
            return snprintf(why, whylen, "database: %.300s", e.msg), why;
        if (PQntuples(r)) {
            snprintf(why, whylen, "withdrawal %s was paid on chain by %s", key,
                     PQgetvalue(r, 0, 0));
            PQclear(r);
            return why;
        }
        PQclear(r);
        const char *v[1] = {key};
        if (q(V.pg, "SELECT txid, inputs FROM via_vf_signed WHERE $1 = ANY(withdrawals)", 1, v, &r,
              &e))
            return snprintf(why, whylen, "database: %.300s", e.msg), why;
        for (int k = 0; k < PQntuples(r); k++) {
            int shares = 0;
            for (size_t j = 0; j < spec->nin; j++) {
                char t[65], op[80];
                via_btc_txid_to_hex(t, spec->in[j].txid);
                snprintf(op, sizeof op, "%s:%u", t, spec->in[j].vout);
                if (strstr(PQgetvalue(r, k, 1), op)) shares = 1;
            }
            json_t *tx = NULL;
            via_error e2 = {0};
            int conf =
                via_rpc_getrawtransaction_verbose(V.rpc, &e2, &tx, PQgetvalue(r, k, 0)) == VIA_OK &&
                json_integer_value(json_object_get(tx, "confirmations")) >= 1;
            json_decref(tx);
            if (conf || !shares) {
                snprintf(why, whylen, "withdrawal %s was %s by %s", key,
                         conf ? "paid" : "signed already", PQgetvalue(r, k, 0));
                PQclear(r);
                return why;
            }
        }
        PQclear(r);
    }
    via_btc_tx mine;
    uint64_t fee;
    if (via_payout_build(&mine, &fee, spec, &e)) return snprintf(why, whylen, "%.300s", e.msg), why;
    uint8_t *raw = NULL;
    size_t rl = 0;
    int bad = via_hex_decode(&raw, &rl, txh, &e) || via_payout_compare(raw, rl, &mine, &e);
    free(raw);
    if (!bad && via_payout_sighashes(SG.msgs, &mine, spec, &e)) bad = 1;
    via_btc_tx_free(&mine);
    if (bad) return snprintf(why, whylen, "%.300s", e.msg), why;
    return NULL;
}

static int signer_step(via_error *err) {
    if (!V.coord_url || !V.have_key || V.my_index < 0 || !V.have_vkeys) return VIA_ENOTFOUND;
    char *body = NULL;
    long st = coord_request("GET", "/session", NULL, &body);
    if (st != 200) {
        int rc = via_fail(err, VIA_ETRANSPORT, "coordinator: GET /session answered %ld: %.200s", st,
                          body ? body : "");
        free(body);
        return rc;
    }
    json_t *s = json_loads(body, 0, NULL);
    free(body);
    json_int_t sid = json_integer_value(json_object_get(s, "session"));
    if (!sid || (uint64_t)sid == SG.refused) {
        json_decref(s);
        return VIA_ENOTFOUND;
    }
    if ((uint64_t)sid != SG.session) {
        /* a new session: whatever nonces were held belong to an old one */
        signer_forget();
        SG.session = (uint64_t)sid;
    }
    int mine_in = 0, signed_in = 0;
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(s, "nonces_from"), i, v) mine_in |=
        json_integer_value(v) == V.my_index;
    json_array_foreach(json_object_get(s, "signatures_from"), i, v) signed_in |=
        json_integer_value(v) == V.my_index;
    int rc = VIA_ENOTFOUND;
    if (!mine_in && !SG.nonce_sent) {
        char why[400];
        const char *no = signer_check(s, &SG.spec, why, sizeof why);
        if (no) {
            SG.refused = (uint64_t)sid;
            pthread_mutex_lock(&V.read_mu);
            V.sessions_refused++;
            pthread_mutex_unlock(&V.read_mu);
            via_log(VIA_LOG_WARN, "session.refused", "session=%lld reason=\"%s\"", (long long)sid,
                    no);
            json_decref(s);
            return VIA_ENOTFOUND;
        }
        uint8_t pub[33];
        if (via_btc_pubkey_from_seckey(pub, V.seckey)) {
            json_decref(s);
            return via_fail(err, VIA_EINVAL, "the verifier key");
        }
        json_t *vals = json_array();
        rc = VIA_OK;
        for (size_t k = 0; k < SG.spec.nin && !rc; k++) {
            uint8_t pn[66];
            char h[133];
            rc = via_musig_nonce_gen(&SG.sec[k], pn, V.seckey, pub, V.bridge_xonly, SG.msgs[k], 32,
                                     1, NULL, 0, err);
            SG.n = k + 1;
            via_hex_encode(h, pn, 66);
            json_array_append_new(vals, json_string(h));
        }
        char *b = NULL;
        if (!rc) {
            json_t *o = json_pack("{s:I,s:o}", "session", sid, "values", vals);
            b = json_dumps(o, JSON_COMPACT);
            json_decref(o);
        } else {
            json_decref(vals);
        }
        char *resp = NULL;
        if (!rc) {
            st = coord_request("POST", "/session/nonce", b, &resp);
            if (st == 200) {
                SG.nonce_sent = 1;
                via_log(VIA_LOG_INFO, "session.nonces_sent", "session=%lld inputs=%zu",
                        (long long)sid, SG.spec.nin);
            } else {
                rc = via_fail(err, VIA_ETRANSPORT, "coordinator refused the nonces (%ld): %.200s",
                              st, resp ? resp : "");
            }
        }
        free(b);
        free(resp);
    } else if (SG.nonce_sent && !signed_in && !SG.psig_sent &&
               json_is_array(json_object_get(s, "aggregate_nonces"))) {
        json_t *agg = json_object_get(s, "aggregate_nonces");
        json_t *vals = json_array();
        rc = VIA_OK;
        /* recorded before the partial signatures leave: a restart knows what it signed */
        uint8_t *rawp = NULL;
        size_t rl = 0;
        const char *txh = json_string_value(json_object_get(s, "tx"));
        uint8_t t[32];
        char txid[65] = "";
        via_btc_tx ptx;
        via_btc_tx_init(&ptx);
        if (!txh || via_hex_decode(&rawp, &rl, txh, err) || via_btc_tx_parse(&ptx, rawp, rl, err))
            rc = via_fail(err, VIA_EFORMAT, "the session's transaction");
        if (!rc) {
            via_btc_tx_txid(t, &ptx);
            via_btc_txid_to_hex(txid, t);
            char ins[VIA_PAYOUT_MAX_INPUTS * 80] = "{", ws[VIA_PAYOUT_MAX_WITHDRAWALS * 40] = "{";
            for (size_t k = 0; k < SG.spec.nin; k++) {
                char th[65];
                via_btc_txid_to_hex(th, SG.spec.in[k].txid);
                snprintf(ins + strlen(ins), sizeof ins - strlen(ins), "%s\"%s:%u\"", k ? "," : "",
                         th, SG.spec.in[k].vout);
            }
            for (size_t k = 0; k < SG.spec.nw; k++)
                snprintf(ws + strlen(ws), sizeof ws - strlen(ws), "%s\"%" PRIu64 "/%u\"",
                         k ? "," : "", SG.spec.w[k].batch, SG.spec.w[k].index);
            strcat(ins, "}");
            strcat(ws, "}");
            const char *pv[3] = {txid, ins, ws};
            rc = q(V.pg,
                   "INSERT INTO via_vf_signed (txid, inputs, withdrawals) VALUES ($1, $2::text[], "
                   "$3::text[])"
                   " ON CONFLICT DO NOTHING",
                   3, pv, NULL, err);
        }
        free(rawp);
        via_btc_tx_free(&ptx);
        for (size_t k = 0; k < SG.spec.nin && !rc; k++) {
            uint8_t an[66], ps[32];
            char h[65];
            const char *ah = json_string_value(json_array_get(agg, k));
            via_musig_session ms;
            if (!ah || via_hex_decode_exact(an, 66, ah, err)) {
                rc = via_fail(err, VIA_EFORMAT, "aggregate nonce %zu", k);
                break;
            }
            rc = via_musig_session_init(&ms, &V.keyagg, an, SG.msgs[k], 32, err);
            if (!rc && k < SG.n) rc = via_musig_partial_sign(ps, SG.sec[k], V.seckey, &ms, err);
            via_hex_encode(h, ps, 32);
            json_array_append_new(vals, json_string(h));
        }
        signer_forget(); /* used or not, these nonces are never used again */
        SG.nonce_sent = 1;
        char *b = NULL, *resp = NULL;
        if (!rc) {
            json_t *o = json_pack("{s:I,s:o}", "session", sid, "values", vals);
            b = json_dumps(o, JSON_COMPACT);
            json_decref(o);
            st = coord_request("POST", "/session/signature", b, &resp);
            if (st == 200) {
                SG.psig_sent = 1;
                via_log(VIA_LOG_INFO, "session.signed", "session=%lld txid=%s", (long long)sid,
                        txid);
            } else {
                rc = via_fail(err, VIA_ETRANSPORT,
                              "coordinator refused the signatures (%ld): %.200s", st,
                              resp ? resp : "");
            }
        } else {
            json_decref(vals);
        }
        free(b);
        free(resp);
    }
    json_decref(s);
    return rc;
}

/* ---- HTTP ---- */
/* Per-signer unanswered sessions (a signer that stalls withdrawals shows here). */
static const char *missing_text(void) {
    static char buf[64 * 80];
    size_t l = 0;
    buf[0] = 0;
    if (V.coordinate && V.nver) {
        l += (size_t)snprintf(buf + l, sizeof buf - l,
                              "# TYPE via_coordinator_signer_timeouts_total counter\n");
        for (size_t i = 0; i < V.nver && l < sizeof buf; i++)
            l += (size_t)snprintf(buf + l, sizeof buf - l,
                                  "via_coordinator_signer_timeouts_total{verifier=\"%zu\"} %" PRIu64
                                  "\n",
                                  i, V.missing[i]);
    }
    return buf;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *ctype,
                               char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static char *batch_json(uint64_t n, unsigned *status) {
    char ns[24];
    snprintf(ns, sizeof ns, "%" PRIu64, n);
    const char *v[1] = {ns};
    PGresult *r = NULL;
    via_error err = {0};
    pthread_mutex_lock(&V.read_mu);
    int rc = q(V.read_pg,
               "SELECT number, header_hash, verdict, coalesce(rule, ''), coalesce(detail, ''),"
               " coalesce(root_after, ''), final, da_reveal_txid, proof_reveal_txid,"
               " coalesce((SELECT status || ':' || reveal_txid FROM via_vf_attestations a"
               "  WHERE a.number = b.number), '') FROM via_vf_batches b WHERE number = $1::bigint",
               1, v, &r, &err);
    pthread_mutex_unlock(&V.read_mu);
    if (rc) {
        *status = 500;
        return strdup("{\"error\":\"database\"}\n");
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        *status = 404;
        return strdup("{\"error\":\"no verdict for this batch yet\"}\n");
    }
    json_t *o = json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s?,s:b,s:s,s:s,s:s?}", "number", (json_int_t)n,
                          "header_hash", PQgetvalue(r, 0, 1), "verdict", PQgetvalue(r, 0, 2),
                          "rule", *PQgetvalue(r, 0, 3) ? PQgetvalue(r, 0, 3) : NULL, "detail",
                          *PQgetvalue(r, 0, 4) ? PQgetvalue(r, 0, 4) : NULL, "root_after",
                          *PQgetvalue(r, 0, 5) ? PQgetvalue(r, 0, 5) : NULL, "final",
                          !strcmp(PQgetvalue(r, 0, 6), "t"), "batch_inscription",
                          PQgetvalue(r, 0, 7), "proof_inscription", PQgetvalue(r, 0, 8),
                          "attestation", *PQgetvalue(r, 0, 9) ? PQgetvalue(r, 0, 9) : NULL);
    PQclear(r);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    *status = 200;
    return s;
}

typedef struct {
    char *body;
    size_t len;
    int too_big;
} upload_t;

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
    (void)cls;
    (void)version;
    upload_t *u = *con_cls;
    if (!u) {
        u = calloc(1, sizeof *u);
        if (!u) return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_size) {
        if (u->len + *upload_size > 65536) {
            u->too_big = 1;
        } else {
            char *nb = realloc(u->body, u->len + *upload_size + 1);
            if (!nb) return MHD_NO;
            u->body = nb;
            memcpy(u->body + u->len, upload, *upload_size);
            u->len += *upload_size;
            u->body[u->len] = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/session", 8)) {
        if (!V.coordinate)
            return respond(c, 404, "application/json",
                           strdup("{\"error\":\"this verifier is not the coordinator\"}\n"));
        if (u->too_big)
            return respond(c, 413, "application/json",
                           strdup("{\"error\":\"body over 64 KiB\"}\n"));
        unsigned st;
        char *out = session_route(c, method, url, u->body ? u->body : "", u->len, &st);
        return respond(c, st, "application/json", out ? out : strdup("{}"));
    }
    if (strcmp(method, "GET"))
        return respond(c, 405, "application/json", strdup("{\"error\":\"GET only\"}\n"));
    if (!strcmp(url, "/healthz")) return respond(c, 200, "text/plain", strdup("ok\n"));
    if (!strcmp(url, "/readyz"))
        return V.booted ? respond(c, 200, "text/plain", strdup("ready\n"))
                        : respond(c, 503, "text/plain", strdup("waiting for the bootstrap\n"));
    if (!strcmp(url, "/metrics") || !strcmp(url, "/status")) {
        pthread_mutex_lock(&V.read_mu);
        char *out = NULL;
        if (!strcmp(url, "/status")) {
            json_t *o =
                json_pack("{s:b,s:I,s:I,s:b,s:i,s:s,s:I}", "bootstrapped", V.booted,
                          "last_verified", (json_int_t)(V.last_ok), "last_final",
                          (json_int_t)V.last_final, "halted", V.halted, "verifier_index",
                          V.my_index, "sequencer", V.seq_addr, "verifiers", (json_int_t)V.nver);
            out = json_dumps(o, JSON_COMPACT);
            json_decref(o);
        } else if (
            asprintf(
                &out,
                "# TYPE via_verifier_batches_total counter\n"
                "via_verifier_batches_total{verdict=\"ok\"} %" PRIu64 "\n"
                "via_verifier_batches_total{verdict=\"not_ok\"} %" PRIu64 "\n"
                "# TYPE via_verifier_last_verified gauge\nvia_verifier_last_verified %" PRIu64 "\n"
                "# TYPE via_verifier_last_final gauge\nvia_verifier_last_final %" PRIu64 "\n"
                "# TYPE via_verifier_halted gauge\nvia_verifier_halted %d\n"
                "# TYPE via_verifier_attestations_sent_total counter\n"
                "via_verifier_attestations_sent_total %" PRIu64 "\n"
                "# TYPE via_verifier_da_errors_total counter\nvia_verifier_da_errors_total %" PRIu64
                "\n"
                "# TYPE via_verifier_chain_errors_total counter\n"
                "via_verifier_chain_errors_total %" PRIu64 "\n"
                "# TYPE via_verifier_untrusted_messages_total counter\n"
                "via_verifier_untrusted_messages_total %" PRIu64 "\n"
                "# TYPE via_verifier_last_verify_seconds gauge\n"
                "via_verifier_last_verify_seconds %.6f\n"
                "# TYPE via_coordinator_sessions_total counter\n"
                "via_coordinator_sessions_total{outcome=\"started\"} %" PRIu64 "\n"
                "via_coordinator_sessions_total{outcome=\"timed_out\"} %" PRIu64 "\n"
                "via_coordinator_sessions_total{outcome=\"paid\"} %" PRIu64 "\n"
                "# TYPE via_coordinator_requests_refused_total counter\n"
                "via_coordinator_requests_refused_total %" PRIu64 "\n"
                "# TYPE via_signer_sessions_refused_total counter\n"
                "via_signer_sessions_refused_total %" PRIu64 "\n%s",
                V.ok_batches, V.not_ok_batches, V.last_ok, V.last_final, V.halted,
                V.attestations_sent, V.da_errors, V.chain_errors, V.untrusted, V.last_verify_s,
                V.sessions_started, V.sessions_timed_out, V.payouts_broadcast, V.auth_refused,
                V.sessions_refused, missing_text()) < 0)
            out = NULL;
        pthread_mutex_unlock(&V.read_mu);
        if (!out) return respond(c, 500, "text/plain", strdup("out of memory\n"));
        return respond(c, 200, strcmp(url, "/status") ? "text/plain" : "application/json", out);
    }
    if (!strncmp(url, "/batches/", 9)) {
        char *end;
        unsigned long long n = strtoull(url + 9, &end, 10);
        if (*end || !n || url[9] == '-')
            return respond(c, 400, "application/json",
                           strdup("{\"error\":\"/batches/<number>, a positive integer\"}\n"));
        unsigned st;
        char *body = batch_json(n, &st);
        return respond(c, st, "application/json", body);
    }
    return respond(c, 404, "application/json", strdup("{\"error\":\"not found\"}\n"));
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    upload_t *u = *con_cls;
    if (u) {
        free(u->body);
        free(u);
    }
    *con_cls = NULL;
}

/* ---- main ---- */
static void on_signal(int s) {
    (void)s;
    V.stop = 1;
}

static const char *env_or(const char *v, const char *env, const char *def) {
    if (v) return v;
    const char *e = getenv(env);
    return e && *e ? e : def;
}

static int key_address(int argc, char **argv) {
    const char *key = NULL, *netname = "regtest";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--btc-key"))
            key = argv[i + 1];
        else if (!strcmp(argv[i], "--network"))
            netname = argv[i + 1];
    }
    via_error err = {0};
    uint8_t sk[32], pub[33];
    char addr[VIA_BTC_ADDRESS_MAX];
    if (!key || via_btc_network_parse(&V.net, netname, &err) ||
        via_btc_seckey_load_file(sk, NULL, key, &err) || via_btc_pubkey_from_seckey(pub, sk)) {
        fprintf(stderr, "usage: via-verifier key-address --btc-key FILE [--network NET]%s%s\n",
                err.msg[0] ? ": " : "", err.msg);
        return 2;
    }
    via_wipe(sk, sizeof sk);
    if (!p2wpkh_addr(addr, pub)) return 2;
    char hex[67], spk_hex[45];
    uint8_t spk[22];
    via_hex_encode(hex, pub, 33);
    via_btc_script_p2wpkh(spk, pub);
    via_hex_encode(spk_hex, spk, sizeof spk);
    printf("%s %s %s\n", addr, hex, spk_hex);
    return 0;
}

/* via-verifier sign-request: the authentication headers of one coordinator request (for
 * operators and tests talking to the session API with curl). */
static int sign_request(int argc, char **argv) {
    const char *key = NULL, *method = "GET", *path = NULL, *body = "", *ts = NULL;
    int index = -1;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--btc-key"))
            key = argv[i + 1];
        else if (!strcmp(argv[i], "--index"))
            index = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--method"))
            method = argv[i + 1];
        else if (!strcmp(argv[i], "--path"))
            path = argv[i + 1];
        else if (!strcmp(argv[i], "--body"))
            body = argv[i + 1];
        else if (!strcmp(argv[i], "--timestamp"))
            ts = argv[i + 1];
    }
    uint8_t sk[32], digest[32], sig[64];
    via_error err = {0};
    if (!key || !path || index < 0 || via_btc_seckey_load_file(sk, NULL, key, &err)) {
        fprintf(stderr, "usage: via-verifier sign-request --btc-key FILE --index I --path PATH\n"
                        "         [--method GET|POST] [--body TEXT] [--timestamp UNIX]\n"
                        "Prints the X-Verifier-Index, X-Timestamp and X-Signature headers.\n");
        return 2;
    }
    long long t = ts ? atoll(ts) : (long long)time(NULL);
    via_coord_auth_digest(digest, method, path, t, index, (const uint8_t *)body, strlen(body));
    uint8_t aux[32];
    int rc = via_os_random(aux, sizeof aux, &err) || via_btc_schnorr_sign(sig, digest, 32, sk, aux);
    via_wipe(sk, sizeof sk);
    if (rc) return 1;
    char h[129];
    via_hex_encode(h, sig, 64);
    printf("X-Verifier-Index: %d\nX-Timestamp: %lld\nX-Signature: %s\n", index, t, h);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "key-address")) return key_address(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "sign-request")) return sign_request(argc, argv);
    if (argc < 2 || strcmp(argv[1], "run")) {
        int h = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fputs(help, h ? stdout : stderr);
        return h ? 0 : 2;
    }
    static const char *names[] = {"--db",
                                  "--listen",
                                  "--btc-rpc",
                                  "--network",
                                  "--confirmations",
                                  "--start-height",
                                  "--bootstrap-txid",
                                  "--genesis",
                                  "--vk",
                                  "--srs",
                                  "--btc-key",
                                  "--da",
                                  "--da-db",
                                  "--celestia-url",
                                  "--celestia-token",
                                  "--verifier-keys",
                                  "--coordinator-url",
                                  "--max-fee-rate",
                                  "--session-timeout"};
    enum { NO = sizeof names / sizeof *names };
    const char *o[NO] = {0};
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(help, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--coordinate")) {
            V.coordinate = 1;
            continue;
        }
        int k = -1;
        for (int j = 0; j < (int)NO; j++)
            if (!strcmp(argv[i], names[j])) k = j;
        if (k < 0 || i + 1 >= argc || o[k]) {
            fprintf(stderr, "via-verifier: unknown, repeated or valueless option %s\n\n%s", argv[i],
                    help);
            return 2;
        }
        o[k] = argv[++i];
    }
    via_field_init();
    V.db = env_or(o[0], "VIA_DB", "");
    V.listen = env_or(o[1], "VIA_VERIFIER_LISTEN", ":8546");
    V.btc_rpc = env_or(o[2], "VIA_BTC_RPC", NULL);
    V.confirmations = atoi(env_or(o[4], "VIA_BTC_CONFIRMATIONS", "1"));
    V.start_height = atoll(env_or(o[5], "VIA_BTC_START_HEIGHT", "0"));
    V.boot_txid = env_or(o[6], "VIA_BOOTSTRAP_TXID", NULL);
    V.genesis = env_or(o[7], "VIA_GENESIS", NULL);
    V.vk_path = env_or(o[8], "VIA_VK", NULL);
    V.srs_path = env_or(o[9], "VIA_SRS", NULL);
    V.btc_key = env_or(o[10], "VIA_BTC_KEY", NULL);
    V.da_kind = env_or(o[11], "VIA_DA", "postgres");
    V.da_db = env_or(o[12], "VIA_DA_DB", V.db);
    V.cel_url = env_or(o[13], "VIA_CELESTIA_URL", NULL);
    V.cel_token = env_or(o[14], "VIA_CELESTIA_TOKEN", NULL);
    V.vkeys_arg = env_or(o[15], "VIA_VERIFIER_KEYS", NULL);
    V.coord_url = env_or(o[16], "VIA_COORDINATOR_URL", NULL);
    V.max_fee_rate = strtoull(env_or(o[17], "VIA_MAX_FEE_RATE", "50"), NULL, 10);
    V.session_timeout = atof(env_or(o[18], "VIA_SESSION_TIMEOUT", "30"));
    if (getenv("VIA_COORDINATE") && !strcmp(getenv("VIA_COORDINATE"), "1")) V.coordinate = 1;
    if ((V.coordinate || V.coord_url) &&
        (!V.vkeys_arg || V.max_fee_rate < 1 || V.session_timeout < 1)) {
        fprintf(stderr, "via-verifier: withdrawals (--coordinate, --coordinator-url) need "
                        "--verifier-keys, --max-fee-rate >= 1 and --session-timeout >= 1\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    via_btc_tx_init(&SS.tx);
    via_error err = {0};
    uint8_t tmp[32];
    if (!V.btc_rpc || !V.boot_txid || strlen(V.boot_txid) != 64 ||
        via_hex_decode_exact(tmp, 32, V.boot_txid, &err) || !V.genesis || !V.vk_path ||
        !V.srs_path || V.confirmations < 1 || V.start_height < 0 ||
        via_btc_network_parse(&V.net, env_or(o[3], "VIA_BTC_NETWORK", "regtest"), &err) ||
        (strcmp(V.da_kind, "postgres") && strcmp(V.da_kind, "celestia")) ||
        (!strcmp(V.da_kind, "celestia") && !V.cel_url)) {
        fprintf(
            stderr,
            "via-verifier: --btc-rpc, --bootstrap-txid (64 hex), --genesis, --vk and --srs are "
            "required; --confirmations >= 1; --da postgres|celestia (with --celestia-url)\n\n%s",
            help);
        return 2;
    }
    /* the verifying key and its hash (BLAKE2s-256 of the file's bytes) */
    uint8_t *vkb;
    size_t vkl;
    unsigned int hl = 32;
    if (via_read_file(V.vk_path, (size_t)64 << 20, &vkb, &vkl, &err)) {
        fprintf(stderr, "via-verifier: --vk %s: %s\n", V.vk_path, err.msg);
        return 2;
    }
    EVP_Digest(vkb, vkl, V.vk_hash, &hl, EVP_blake2s256(), NULL);
    free(vkb);
    if (via_vk_read_json(&V.vk, NULL, NULL, V.vk_path, &err) ||
        via_srs_read(&V.srs, V.srs_path, &err)) {
        fprintf(stderr, "via-verifier: %s\n", err.msg);
        return 2;
    }
    if (V.btc_key) {
        uint8_t pub[33];
        if (via_btc_seckey_load_file(V.seckey, NULL, V.btc_key, &err) ||
            via_btc_pubkey_from_seckey(pub, V.seckey) || !p2wpkh_addr(V.my_addr, pub)) {
            fprintf(stderr, "via-verifier: --btc-key %s: %s\n", V.btc_key,
                    err.msg[0] ? err.msg : "not a key");
            return 2;
        }
        V.have_key = 1;
    }
    V.pg = PQconnectdb(V.db);
    V.read_pg = PQconnectdb(V.db);
    if (PQstatus(V.pg) != CONNECTION_OK || PQstatus(V.read_pg) != CONNECTION_OK) {
        fprintf(stderr, "via-verifier: cannot connect to PostgreSQL: %s", PQerrorMessage(V.pg));
        return 1;
    }
    PGresult *sr = PQexec(V.pg, schema);
    if (PQresultStatus(sr) != PGRES_COMMAND_OK) {
        fprintf(stderr, "via-verifier: schema: %s", PQresultErrorMessage(sr));
        return 1;
    }
    PQclear(sr);
    int rc;
    if (!strcmp(V.da_kind, "postgres")) {
        rc = via_da_open_postgres(&V.da, V.da_db, &err);
    } else {
        via_da_celestia_config cc;
        memset(&cc, 0, sizeof cc);
        cc.url = V.cel_url;
        cc.token = V.cel_token;
        rc = via_da_open_celestia(&V.da, &cc, &err);
    }
    via_rpc_config rcfg = {0};
    rcfg.url = V.btc_rpc;
    rcfg.user = getenv("VIA_BTC_RPC_USER");
    rcfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    rcfg.cookie_file = getenv("VIA_BTC_RPC_COOKIE");
    if (!rc) rc = via_rpc_new(&V.rpc, &err, &rcfg);
    via_watcher_config wc = {0};
    wc.pg_conninfo = V.db;
    wc.network = V.net;
    wc.start_height = V.start_height;
    wc.confirmations = V.confirmations;
    if (rc) {
        fprintf(stderr, "via-verifier: %s\n", err.msg);
        return 1;
    }
    const char *colon = strrchr(V.listen, ':');
    unsigned port = colon ? (unsigned)atoi(colon + 1) : 0;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, (uint16_t)port, NULL, NULL,
        handle, NULL, MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "via-verifier: cannot listen on %s\n", V.listen);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    via_log(VIA_LOG_INFO, "verifier.started", "listen=%s address=%s", V.listen,
            V.have_key ? V.my_addr : "(observer)");
    int restored = 0;
    while (!V.stop) {
        via_error e = {0};
        int64_t processed = 0;
        if (!V.watcher) {
            if (via_watcher_new(&V.watcher, &e, &wc, V.rpc, NULL)) {
                via_log(VIA_LOG_WARN, "watcher.start_failed", "error=\"%s\"", e.msg);
                sleep(1);
                continue;
            }
        }
        if (via_watcher_poll(V.watcher, &e, &processed)) {
            pthread_mutex_lock(&V.read_mu);
            V.chain_errors++;
            pthread_mutex_unlock(&V.read_mu);
            via_log(VIA_LOG_WARN, "watcher.poll_failed", "error=\"%s\"", e.msg);
        }
        /* the watcher's bridge: deposits are only detected once the bridge is known */
        if (!V.booted) {
            rc = load_bootstrap(&e);
            if (rc && rc != VIA_ENOTFOUND) {
                via_log(VIA_LOG_ERROR, "verifier.bootstrap_refused", "error=\"%s\"", e.msg);
                fprintf(stderr, "via-verifier: %s\n", e.msg);
                break;
            }
            if (V.booted) {
                /* the watcher must look for deposits to the bootstrapped bridge */
                static uint8_t bscript[42];
                size_t blen;
                if (via_btc_address_to_script(bscript, &blen, V.net, V.bridge, &e)) {
                    fprintf(stderr, "via-verifier: the bootstrapped bridge: %s\n", e.msg);
                    break;
                }
                wc.bridge_script = bscript;
                wc.bridge_script_len = blen;
                via_watcher_free(V.watcher);
                V.watcher = NULL;
                if (via_watcher_new(&V.watcher, &e, &wc, V.rpc, NULL)) continue;
                /* deposits in blocks already processed without the bridge: process again */
                PQclear(PQexec(V.pg, "BEGIN"));
                char sh[24];
                snprintf(sh, sizeof sh, "%lld", (long long)V.start_height);
                const char *pv[1] = {sh};
                (void)q(V.pg, "DELETE FROM via_chain_blocks WHERE height >= $1::bigint", 1, pv,
                        NULL, &e);
                (void)q(V.pg, "UPDATE via_chain_cursor SET next_height = $1::bigint", 1, pv, NULL,
                        &e);
                PQclear(PQexec(V.pg, "COMMIT"));
                via_watcher_free(V.watcher);
                V.watcher = NULL;
                continue;
            }
        }
        if (!V.booted) {
            sleep(1);
            continue;
        }
        int replay = 0;
        if (withdraw_reorganised(&replay, &e))
            via_log(VIA_LOG_WARN, "verifier.reorg_check_failed", "error=\"%s\"", e.msg);
        if (replay) restored = 0;
        if (!restored) {
            if ((rc = restore(&e))) {
                via_log(VIA_LOG_ERROR, "verifier.restore_failed", "error=\"%s\"", e.msg);
                sleep(2);
                continue;
            }
            restored = 1;
            via_log(VIA_LOG_INFO, "verifier.restored", "last_verified=%" PRIu64 " halted=%d",
                    V.last_ok, V.halted);
        }
        if (scan_untrusted(&e))
            via_log(VIA_LOG_WARN, "verifier.scan_failed", "error=\"%s\"", e.msg);
        int did = 0;
        while (!V.halted && !V.stop) {
            rc = verify_next(0, NULL, &e);
            if (rc == VIA_ENOTFOUND) break;
            if (rc) {
                via_log(VIA_LOG_WARN, "batch.verify_failed", "error=\"%s\"", e.msg);
                break;
            }
            did = 1;
        }
        rc = attest_step(&e);
        if (rc && rc != VIA_ENOTFOUND)
            via_log(VIA_LOG_WARN, "attestation.failed", "error=\"%s\"", e.msg);
        if (count_final(&e)) via_log(VIA_LOG_WARN, "finality.failed", "error=\"%s\"", e.msg);
        via_error pe = {0};
        int prc = scan_payouts(&pe);
        if (prc && prc != VIA_ENOTFOUND)
            via_log(VIA_LOG_WARN, "payouts.scan_failed", "error=\"%s\"", pe.msg);
        via_error ce = {0};
        int crc = coord_step(&ce);
        if (crc && crc != VIA_ENOTFOUND)
            via_log(VIA_LOG_WARN, "coordinator.step_failed", "error=\"%s\"", ce.msg);
        via_error se = {0};
        int src = signer_step(&se);
        if (src && src != VIA_ENOTFOUND)
            via_log(VIA_LOG_WARN, "signer.step_failed", "error=\"%s\"", se.msg);
        if (!did && !processed && rc == VIA_ENOTFOUND) usleep(300 * 1000);
    }
    MHD_stop_daemon(d);
    via_watcher_free(V.watcher);
    via_wipe(V.seckey, sizeof V.seckey);
    via_log(VIA_LOG_INFO, "verifier.stopped", "last_verified=%" PRIu64, V.last_ok);
    return 0;
}
