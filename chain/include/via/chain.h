/* via_chain: talking to a Bitcoin node and following its chain.
 *
 * Two parts:
 *   - via_rpc: a Bitcoin Core JSON-RPC client (libcurl + jansson) with cookie or user/password
 *     auth, connect and total timeouts, bounded responses, retries with jittered exponential
 *     backoff for transient failures only, and a circuit breaker.
 *   - via_watcher: follows the chain N confirmations behind the tip, records processed block
 *     hashes in PostgreSQL, rolls back what it derived from blocks that were reorganised away,
 *     and emits the Via messages and bridge deposits it finds (callback + tables).
 *
 * Every function returns a via_status (0 = ok). On failure the via_error passed
 * in (may be NULL) says what failed and where; outputs are cleared. Handles are not
 * thread-safe: use one per thread.
 */
#ifndef VIA_CHAIN_H
#define VIA_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "via/bitcoin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Errors are via_error (via/status.h): code, message, and for RPC failures rpc_code (the
 * node's JSON-RPC error code when code == VIA_ERPC) and http_status (the last HTTP status
 * seen, 0 when none). */

/* ----------------------------------------------------------------------------------------
 * JSON-RPC client
 * -------------------------------------------------------------------------------------- */

/* Turns one HTTP answer (status http, body of len bytes, NULL when none) to the JSON-RPC
 * request `id` into its "result" (a new reference in *result) or an error: ERPC for a JSON-RPC
 * error object (err->rpc_code set), ETRANSPORT for 5xx or other non-200 statuses, EFORMAT for
 * a body that is not JSON or lacks "result" or the matching id. *transient is set to 1 when a
 * retry could help (5xx, -28 warming up) and left alone otherwise. What via_rpc_call does with
 * each answer; public so that the answer handling can be tested and fuzzed on its own
 * (tests/fuzz/fuzz_rpc_answer.c). */
int via_rpc_parse_answer(via_error *err, json_t **result, const char *method, long http,
                         const char *body, size_t len, uint64_t id, int *transient);

typedef struct via_rpc via_rpc;

/* Zero fields take the defaults in brackets. */
typedef struct {
    const char *url;  /* "http://127.0.0.1:18443" (a /wallet/<name> path is kept) */
    const char *user; /* basic auth user and password, or ... */
    const char *password;
    const char *cookie_file;   /* ... Bitcoin Core's .cookie ("__cookie__:<hex>"), re-read on
                                  every request so a node restart is picked up. Takes priority
                                  over user/password when set. */
    const char *bearer_token;  /* "Authorization: Bearer <token>" instead (Celestia nodes) */
    int jsonrpc2;              /* send "jsonrpc": "2.0" (Celestia) instead of "1.0" */
    long connect_timeout_ms;   /* TCP connect limit [3000] */
    long timeout_ms;           /* total limit per attempt [30000] */
    int max_retries;           /* extra attempts after a transient failure [3]; -1 = none */
    long backoff_base_ms;      /* first backoff; doubles per retry, jittered [100] */
    long backoff_max_ms;       /* backoff cap [5000] */
    int breaker_threshold;     /* consecutive transient failures that open the breaker [5] */
    long breaker_cooldown_ms;  /* open -> half-open after this long [10000] */
    size_t max_response_bytes; /* larger answers fail with ETOOBIG [64 MiB] */
    uint64_t jitter_seed;      /* seed of the backoff jitter; 0 = from time and pid */
} via_rpc_config;

/* Counters since creation; for metrics and tests. */
typedef struct {
    uint64_t calls;              /* via_rpc_call invocations */
    uint64_t attempts;           /* HTTP requests sent */
    uint64_t retries;            /* attempts beyond the first, after a transient failure */
    uint64_t transient_failures; /* attempts that failed transiently */
    uint64_t breaker_opens;      /* closed/half-open -> open transitions */
    uint64_t breaker_rejects;    /* calls refused with EBREAKER */
    int breaker_state;           /* 0 closed, 1 open, 2 half-open */
} via_rpc_stats;

/* Creates a client. *out is NULL on failure. cfg is copied (strings too). */
VIA_MUST_USE int via_rpc_new(via_rpc **out, via_error *err, const via_rpc_config *cfg);
void via_rpc_free(via_rpc *rpc);
void via_rpc_get_stats(const via_rpc *rpc, via_rpc_stats *out);

/* Generic call. params (may be NULL = []) is stolen. On success *result holds a new reference
 * to the "result" member (may be JSON null); the caller decrefs it. Transient failures are
 * retried; JSON-RPC errors are not (except -28 "warming up", which is transient). */
VIA_MUST_USE int via_rpc_call(via_rpc *rpc, via_error *err, json_t **result, const char *method,
                              json_t *params);

typedef struct {
    char chain[16]; /* "main", "test", "testnet4", "signet", "regtest" */
    int64_t blocks;
    int64_t headers;
    char bestblockhash[65];
    int initial_block_download;
} via_rpc_chain_info;

VIA_MUST_USE int via_rpc_getblockchaininfo(via_rpc *rpc, via_error *err, via_rpc_chain_info *out);
VIA_MUST_USE int via_rpc_getblockcount(via_rpc *rpc, via_error *err, int64_t *height);
/* hash_hex receives 64 lowercase hex characters (display order) and a NUL. */
VIA_MUST_USE int via_rpc_getblockhash(via_rpc *rpc, via_error *err, char hash_hex[65],
                                      int64_t height);
/* getblock <hash> 2: the block object with every transaction decoded (each has "txid" and
 * "hex"). The caller decrefs *block. */
VIA_MUST_USE int via_rpc_getblock(via_rpc *rpc, via_error *err, json_t **block,
                                  const char *hash_hex);
/* getrawtransaction <txid> false: the serialized transaction, malloc'ed, caller frees. */
VIA_MUST_USE int via_rpc_getrawtransaction(via_rpc *rpc, via_error *err, uint8_t **raw,
                                           size_t *raw_len, const char *txid_hex);
/* getrawtransaction <txid> true: the decoded object (with "confirmations" once mined). */
VIA_MUST_USE int via_rpc_getrawtransaction_verbose(via_rpc *rpc, via_error *err, json_t **tx,
                                                   const char *txid_hex);
/* txid_hex receives the node's txid (display order). */
VIA_MUST_USE int via_rpc_sendrawtransaction(via_rpc *rpc, via_error *err, char txid_hex[65],
                                            const uint8_t *raw, size_t raw_len);

typedef struct {
    int allowed;
    char txid[65];
    char reject_reason[128]; /* empty when allowed */
} via_rpc_mempool_accept;

/* testmempoolaccept [hex]: one transaction. */
VIA_MUST_USE int via_rpc_testmempoolaccept(via_rpc *rpc, via_error *err,
                                           via_rpc_mempool_accept *out, const uint8_t *raw,
                                           size_t raw_len);
/* estimatesmartfee <target>: *sat_per_kvb = feerate (BTC/kvB converted to sat/kvB), *blocks =
 * the target the estimate is for. A node without data (an "errors" array and no feerate)
 * gives ERPC with the node's message. */
VIA_MUST_USE int via_rpc_estimatesmartfee(via_rpc *rpc, via_error *err, uint64_t *sat_per_kvb,
                                          int *blocks, int target);
/* getrawmempool: a JSON array of txid strings; caller decrefs. */
VIA_MUST_USE int via_rpc_getrawmempool(via_rpc *rpc, via_error *err, json_t **txids);

typedef struct {
    int found; /* 0 when the output is spent or unknown (the node returned null) */
    char bestblock[65];
    int64_t confirmations;
    uint64_t value_sat;
    uint8_t script_pubkey[128];
    size_t script_pubkey_len;
    int coinbase;
} via_rpc_txout;

VIA_MUST_USE int via_rpc_gettxout(via_rpc *rpc, via_error *err, via_rpc_txout *out,
                                  const char *txid_hex, uint32_t vout, int include_mempool);

typedef struct {
    char txid[65]; /* display order */
    uint32_t vout;
    uint64_t value_sat;
    int64_t height;
    uint8_t script_pubkey[128];
    size_t script_pubkey_len;
    int coinbase;       /* a coinbase output: spendable at 100 confirmations */
    int64_t tip_height; /* the chain height the scan ran at (0 when the node did not say) */
} via_rpc_utxo;

/* scantxoutset start [descriptors...]: the confirmed unspent outputs matching any descriptor
 * ("addr(<address>)" or "raw(<hex script>)"). *utxos is malloc'ed (caller frees), sorted as
 * the node returns them. */
VIA_MUST_USE int via_rpc_scantxoutset(via_rpc *rpc, via_error *err, via_rpc_utxo **utxos,
                                      size_t *n_utxos, const char *const *descriptors,
                                      size_t n_descriptors);

/* Builds (does not send) the commit and reveal transactions inscribing msg, paid from the
 * confirmed coins of seckey's P2WPKH and BIP-86 P2TR outputs (found with scantxoutset) minus
 * the outpoints in exclude (coins already spent by transactions not yet confirmed). fee_rate
 * 0 means the node's estimatesmartfee for 10 blocks + 1 sat/vB, clamped to [1, 100] on
 * mainnet and testnet and [1, 10] elsewhere (docs/sources.md: via-fees), 1 when the node has
 * no estimate; *used gets the rate. recipient (may be NULL) is an extra reveal output.
 * Coinbase outputs with fewer than 100 confirmations are not used. ENOTFOUND when the key has
 * no usable coin. */
VIA_MUST_USE int via_inscribe_prepare(via_rpc *rpc, const uint8_t seckey[32], via_btc_network net,
                                      const via_msg *msg, uint64_t fee_rate,
                                      const via_btc_txout *recipient, const via_btc_utxo *exclude,
                                      size_t n_exclude, via_inscription *out, uint64_t *used,
                                      via_error *err);

/* Builds and signs (does not send) a deposit: `amount` sats to bridge_script, an OP_RETURN
 * carrying payload (1..80 bytes: for a rollup account the 36 bytes of docs/protocol.md
 * "Deposits"), change to the key's P2WPKH (left to the fee below 546 sats), paid from the
 * key's confirmed P2WPKH and BIP-86 P2TR coins, largest first. fee_rate as for
 * via_inscribe_prepare. EINVAL when the coins do not cover amount and fee; ENOTFOUND when
 * the key has no usable coin. out is initialised here; free it with via_btc_tx_free. */
VIA_MUST_USE int via_deposit_prepare(via_rpc *rpc, const uint8_t seckey[32], via_btc_network net,
                                     const uint8_t *bridge_script, size_t bridge_len,
                                     uint64_t amount, const uint8_t *payload, size_t payload_len,
                                     uint64_t fee_rate, via_btc_tx *out, uint64_t *used,
                                     via_error *err);

/* ----------------------------------------------------------------------------------------
 * Chain watcher
 *
 * One watcher per database. Its tables (created by via_watcher_new, versions recorded in
 * via_chain_migrations):
 *   via_chain_cursor   one row: the next height to process and the configured start height
 *   via_chain_blocks   height, hash, prev_hash of every processed block (display-order hex)
 *   via_messages       Via inscriptions found: block, txid, input, type tag, signer key, the
 *                      P2WPKH sender pubkey (docs/sources.md: via-indexer) and the decoded fields
 * as JSONB via_deposits       bridge deposits: block, txid, first bridge vout, amount (sum of the
 *                      outputs to the bridge), 20-byte L2 receiver, form, priority id
 *   via_chain_reorgs   one row per detected reorganisation (fork height, old and new hash)
 * A block's rows are written in the same transaction that records the block and moves the
 * cursor, so the tables never hold half a block. On a reorganisation every row at heights above
 * the fork is deleted in one transaction, then the new branch is processed like any block.
 * Callbacks run after the commit; the tables are authoritative (a crash between commit and
 * callback loses the callback, not the row).
 * -------------------------------------------------------------------------------------- */

typedef struct via_watcher via_watcher;

typedef struct {
    int64_t block_height;
    char block_hash[65];
    char txid[65]; /* display order */
    uint32_t tx_index;
    int has_sender; /* a P2WPKH input was found (via_tx_sender_pubkey) */
    uint8_t sender_pubkey[33];
    via_tx_message message; /* input index, signer x-only key, decoded message */
} via_watch_message;

typedef enum {
    VIA_DEPOSIT_OP_RETURN = 1,   /* Via form A: OP_RETURN <20-byte L2 receiver> */
    VIA_DEPOSIT_INSCRIPTION = 2, /* Via form B: an L1ToL2 inscription in the transaction */
    VIA_DEPOSIT_ROLLUP = 3,      /* OP_RETURN <account id u32 ‖ packed BabyJubJub key>
                                    (docs/protocol.md "Deposits") */
} via_deposit_form;

typedef struct {
    int64_t block_height;
    char block_hash[65];
    char txid[65]; /* display order */
    uint32_t tx_index;
    uint32_t vout;       /* the first output paying the bridge */
    uint64_t amount_sat; /* sum of all outputs paying the bridge */
    uint8_t receiver[36]; /* 20 bytes (forms A, B) or 36 (VIA_DEPOSIT_ROLLUP) */
    size_t receiver_len;
    via_deposit_form form;
    uint64_t priority_id; /* height << 36 | tx_index << 16 | vout (docs/sources.md: via-deposits) */
} via_watch_deposit;

typedef struct {
    /* Each may be NULL. Called after the block's rows are committed. */
    void (*on_message)(void *ud, const via_watch_message *m);
    void (*on_deposit)(void *ud, const via_watch_deposit *d);
    /* Rows at heights >= from_height were deleted (their blocks left the best chain). */
    void (*on_rollback)(void *ud, int64_t from_height);
    void *ud;
} via_watch_callbacks;

typedef struct {
    const char *pg_conninfo;      /* libpq connection string */
    via_btc_network network;      /* for addresses inside messages */
    int64_t start_height;         /* first block to process when the tables are new */
    int confirmations;            /* a block is processed once it has this many (tip = 1);
                                     0 is taken as 1 */
    const uint8_t *bridge_script; /* scriptPubKey of the bridge; NULL = no deposit detection */
    size_t bridge_script_len;
    int max_blocks_per_poll; /* [50] */
} via_watcher_config;

typedef struct {
    int64_t next_height; /* next block to process */
    uint64_t blocks;     /* processed since creation */
    uint64_t messages, deposits;
    uint64_t reorgs;      /* reorganisations detected */
    uint64_t rolled_back; /* blocks rolled back */
    uint64_t malformed;   /* transactions skipped for a malformed Via envelope */
} via_watcher_stats;

/* Connects, creates or migrates the schema, and loads the cursor (a stored cursor wins over
 * cfg->start_height, so a restarted watcher resumes). rpc is borrowed and must outlive the
 * watcher; cb is copied (may be NULL). */
VIA_MUST_USE int via_watcher_new(via_watcher **out, via_error *err, const via_watcher_config *cfg,
                                 via_rpc *rpc, const via_watch_callbacks *cb);
void via_watcher_free(via_watcher *w);

/* One step: checks the stored tip against the node (rolling back a reorganisation), then
 * processes up to max_blocks_per_poll confirmed blocks. *processed (may be NULL) receives how
 * many blocks were processed. Safe to call again after any error. */
VIA_MUST_USE int via_watcher_poll(via_watcher *w, via_error *err, int64_t *processed);
void via_watcher_get_stats(const via_watcher *w, via_watcher_stats *out);

/* The decoded fields of a Via message as a new JSON object (hashes and txids as hex, txids in
 * display order), as stored in via_messages.payload. NULL when out of memory. */
json_t *via_chain_message_json(const via_msg *msg);

#ifdef __cplusplus
}
#endif
#endif
