/* via-regtest-standin: a TEST FIXTURE that imitates the part of `bitcoind -regtest` Via uses.
 * It is never the product. See README.md in this folder for what it checks and what it does not.
 */
#ifndef VIA_STANDIN_H
#define VIA_STANDIN_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "via/bitcoin.h"

typedef struct {
    uint8_t *raw; /* serialized with witness */
    size_t raw_len;
    via_btc_tx tx;
    uint8_t txid[32]; /* internal order */
    uint8_t wtxid[32];
} sb_tx;

typedef struct {
    uint8_t header[80];
    uint8_t hash[32]; /* internal order */
    int64_t height;
    uint32_t time;
    size_t n_tx;
    sb_tx *txs; /* txs[0] is the coinbase */
} sb_block;

typedef struct {
    uint8_t txid[32];
    uint32_t vout;
    uint64_t value;
    uint8_t *script; /* points into the owning tx (block or mempool) */
    size_t script_len;
    int64_t height; /* -1 for a mempool output */
    int coinbase;
    int spent; /* by a confirmed tx (UTXO view) or by a mempool tx (mempool view) */
} sb_coin;

typedef struct {
    sb_block *blocks; /* blocks[h] is at height h */
    size_t n_blocks, cap_blocks;
    sb_tx *mempool;
    size_t n_mempool, cap_mempool;
    sb_coin *coins; /* every output of every confirmed tx, spent or not */
    size_t n_coins, cap_coins;
    uint64_t extranonce;     /* makes every coinbase, and so every block, unique */
    uint32_t clock;          /* block timestamps */
    int64_t fee_sat_per_kvb; /* estimatesmartfee answer; 0 = "insufficient data" */
} sb_chain;

/* Result of validation: an RPC error code and message when rejected. */
typedef struct {
    int code;
    char msg[256];
} sb_reject;

int sb_chain_init(sb_chain *c);
/* Removes from the mempool what t replaces (its conflicts and their descendants); call after
 * sb_check_tx accepted t and before sb_mempool_add. */
void sb_mempool_replace(sb_chain *c, const sb_tx *t);
void sb_chain_free(sb_chain *c);
void sb_tx_free(sb_tx *t);

/* Mines one block on the tip with a coinbase paying `value` to script and every mempool tx.
 * Returns 0 or -1 (out of memory). */
int sb_mine(sb_chain *c, const uint8_t *script, size_t script_len, uint64_t value);
/* Replaces the last depth blocks by new_len fresh blocks (coinbase to script). When keep_txs,
 * the orphaned transactions return to the mempool (and so land in the first new block).
 * Returns -1 when depth exceeds the chain (genesis stays). */
int sb_reorg(sb_chain *c, size_t depth, size_t new_len, int keep_txs, const uint8_t *script,
             size_t script_len);

/* Checks raw as a mempool candidate: decodes, inputs exist and are unspent (chain or mempool),
 * amounts balance, and every input's signature verifies. On success *out holds the parsed tx
 * (caller frees or hands it to sb_mempool_add) and *fee the fee. */
int sb_check_tx(sb_chain *c, sb_tx *out, uint64_t *fee, const uint8_t *raw, size_t raw_len,
                sb_reject *rej);
int sb_mempool_add(sb_chain *c, sb_tx *t); /* takes ownership */

/* Lookups. */
const sb_coin *sb_find_coin(const sb_chain *c, const uint8_t txid[32], uint32_t vout);
/* Finds a tx in the chain (sets *height, *block) or the mempool (*height = -1). */
const sb_tx *sb_find_tx(const sb_chain *c, const uint8_t txid[32], int64_t *height);
/* 1 when some mempool tx spends (txid, vout). */
int sb_mempool_spends(const sb_chain *c, const uint8_t txid[32], uint32_t vout);
#endif
