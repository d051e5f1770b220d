/*
 * The state keeper: L2 transactions (the JSON via-wallet writes) validated against the pending
 * state, in arrival order, and sealed into batches of chunks (docs/protocol.md: slot rules,
 * pubdata, chunk witness input, batch header).
 *
 * Two states: the sealed state (after the last sealed batch) and the pending state (sealed
 * plus every accepted, not yet sealed transaction). A transaction is accepted only if it
 * applies to the pending state; the operator's fees (account 0) are credited only when a
 * chunk is sealed, so the pending state never counts fees it does not have yet, and every
 * accepted transaction still applies when its chunk is sealed.
 *
 * Rejections name the rule (VIA_EINVAL; via_keeper_rule gives a stable rule name for
 * metrics and the JSON-RPC error data): "bad_json", "bad_signature", "wrong_nonce",
 * "insufficient_balance", "balance_overflow", "unknown_account", "bad_destination",
 * "unsupported_type".
 */
#ifndef VIA_KEEPER_H
#define VIA_KEEPER_H
#include <stddef.h>
#include <stdint.h>

#include "via/field.h"
#include "via/status.h"

typedef struct via_keeper via_keeper;

typedef struct {
    int exists;
    via_fr pk_x, pk_y;
    uint64_t balance, nonce;
} via_account;

/* An empty state of the given tree depth (1..8). NULL when out of memory. */
via_keeper *via_keeper_new(unsigned depth);
void via_keeper_free(via_keeper *k);

/* Creates an account in the sealed (and pending) state: genesis, or a credited deposit. */
VIA_MUST_USE int via_keeper_create(via_keeper *k, uint64_t id, const via_fr *pk_x,
                                   const via_fr *pk_y, uint64_t balance, via_error *err);

/* The same with a nonce: an account as it stands after sealed batches (restarting from the
 * database). */
VIA_MUST_USE int via_keeper_restore(via_keeper *k, uint64_t id, const via_fr *pk_x,
                                    const via_fr *pk_y, uint64_t balance, uint64_t nonce,
                                    via_error *err);

/* Validates a transaction (JSON text) against the pending state and, when it applies, appends
 * it. *rule (may be NULL) receives the rule a rejection broke. */
VIA_MUST_USE int via_keeper_submit(via_keeper *k, const char *json, size_t len, const char **rule,
                                   via_error *err);
size_t via_keeper_pending(const via_keeper *k);

/* The same in steps, so the signature check (most of the cost) can run without the caller's
 * lock: parse (no keeper state), read the sender's key under the lock, precheck the signature
 * against it without the lock, then submit under the lock. submit_tx uses the precheck's
 * answer when the sender's key is still that key (else it checks again), keeps the rules'
 * order (a rejection names the same rule as via_keeper_submit), and always takes ownership of
 * the transaction. */
typedef struct via_keeper_tx via_keeper_tx;
VIA_MUST_USE int via_keeper_tx_parse(via_keeper_tx **out, const char *json, size_t len,
                                     const char **rule, via_error *err);
/* 1 and the key when the sender exists in the pending state, else 0. */
int via_keeper_sender_key(const via_keeper *k, const via_keeper_tx *t, via_fr *x, via_fr *y);
void via_keeper_tx_precheck(via_keeper_tx *t, const via_fr *x, const via_fr *y);
VIA_MUST_USE int via_keeper_submit_tx(via_keeper *k, via_keeper_tx *t, const char **rule,
                                      via_error *err);
void via_keeper_tx_free(via_keeper_tx *t);
/* The pending (sealed = 0) or sealed (sealed = 1) state of an account. */
void via_keeper_account(const via_keeper *k, uint64_t id, int sealed, via_account *out);
/* Root of the sealed state. */
void via_keeper_root(const via_keeper *k, via_fr *root);

/* A bridge deposit found on Bitcoin (docs/protocol.md "Deposits"), queued as a priority
 * operation. Deposits are not visible in the pending state: the next seal executes every
 * queued deposit (up to the batch's capacity) before any transaction, on the sealed state,
 * and credits the pending state with the same effect. */
typedef struct {
    uint64_t priority_id; /* height << 36 | tx_index << 16 | vout; strictly increasing */
    uint8_t receiver[36]; /* account id (u32 BE) ‖ packed BabyJubJub key */
    uint64_t amount;      /* sats */
    uint8_t txid[32];     /* the bytes of the display-order txid hex */
    uint32_t vout;
} via_keeper_deposit;

/* Queues a deposit. VIA_EINVAL when its priority id is not above every queued or sealed one. */
VIA_MUST_USE int via_keeper_add_deposit(via_keeper *k, const via_keeper_deposit *d, via_error *err);
size_t via_keeper_deposits_queued(const via_keeper *k);
/* Forgets every queued deposit (a reorganisation: the caller queues the survivors again). */
void via_keeper_clear_deposits(via_keeper *k);
/* The priority id of the last deposit sealed (0 when none); restarting sets it. */
uint64_t via_keeper_last_priority(const via_keeper *k);
void via_keeper_set_last_priority(via_keeper *k, uint64_t id);

/* What a seal did with one deposit: credited (rule NULL) or refused under the named rule
 * ("bad_deposit_key", "bad_deposit_account", "deposit_key_mismatch", "balance_overflow"). */
typedef struct {
    uint64_t priority_id;
    const char *refused; /* static string or NULL */
} via_deposit_outcome;

typedef struct {
    uint64_t number;
    uint8_t prev_hash[32];
    via_fr root_before, root_after;
    uint32_t chunks, slots_per_chunk;
    char **chunk_inputs; /* chunk witness input JSON per chunk (malloc'd) */
    uint8_t *pubdata;    /* 157 * slots * chunks bytes */
    size_t pubdata_len;
    uint8_t pubdata_hash[32];
    uint64_t txs;        /* transactions sealed (the first ones pending) */
    via_deposit_outcome *deposits; /* the deposits the batch consumed, in order */
    size_t ndeposits;
    uint64_t first_priority, last_priority; /* their priority ids (0 when none) */
    uint8_t header[160]; /* docs/protocol.md "Batch header" */
    uint8_t header_hash[32];
    /* the leaves that changed (for the versioned tree) */
    uint64_t *ids;
    via_fr *leaves;
    size_t nleaves;
} via_sealed_batch;

/* Seals up to max_chunks chunks of slots_per_chunk slots: the queued deposits first (credited
 * deposits take a slot; refused ones none), then the pending transactions (at least one
 * deposit or transaction; the last chunk padded with noops): executes them on the sealed state,
 * writes each chunk's witness input with the accounts it touches (and account 0) and their
 * pre-chunk Merkle paths, the pubdata, and the header (prev_hash: the previous batch's header
 * hash). VIA_EINVAL when nothing is queued or pending or account 0 does not exist. */
VIA_MUST_USE int via_keeper_seal(via_keeper *k, uint64_t number, const uint8_t prev_hash[32],
                                 uint32_t slots_per_chunk, uint32_t max_chunks,
                                 via_sealed_batch *out, via_error *err);
/* The same, sealing at most max_txs of the pending transactions (the oldest): a caller that
 * stores transactions after accepting them seals only those already stored. */
VIA_MUST_USE int via_keeper_seal_upto(via_keeper *k, uint64_t number, const uint8_t prev_hash[32],
                                      uint32_t slots_per_chunk, uint32_t max_chunks, size_t max_txs,
                                      via_sealed_batch *out, via_error *err);
void via_sealed_batch_free(via_sealed_batch *b);

/*
 * The same seal in three steps, for a caller whose intake goes on beside the seal under one
 * lock that guards the keeper:
 *   via_keeper_seal_take (under the lock; cheap) moves the oldest pending transactions, at most
 *     max_txs and max_slots, out of the queue into a job (NULL when out of memory);
 *   via_keeper_seal_run (without the lock) executes the queued deposits and the job's
 *     transactions on the sealed state and writes the batch, as via_keeper_seal_upto. Meanwhile
 *     only its caller may touch the sealed state, the tree and the deposit queue (intake touches
 *     only the pending state and the transaction queue, which the run does not read);
 *   via_keeper_seal_finish (under the lock) gives the pending state the fees and deposits the
 *     seal credited, drops the sealed deposits, puts the transactions the run did not seal back
 *     at the front of the queue, and frees the job. After a failed run the sealed state is
 *     not to be trusted: rebuild the keeper (via_seal_job_free drops a job without finishing).
 */
typedef struct via_seal_job via_seal_job;
via_seal_job *via_keeper_seal_take(via_keeper *k, size_t max_txs, size_t max_slots);
VIA_MUST_USE int via_keeper_seal_run(via_keeper *k, via_seal_job *j, uint64_t number,
                                     const uint8_t prev_hash[32], uint32_t slots_per_chunk,
                                     uint32_t max_chunks, via_sealed_batch *out, via_error *err);
void via_keeper_seal_finish(via_keeper *k, via_seal_job *j);
void via_seal_job_free(via_seal_job *j);
#endif
