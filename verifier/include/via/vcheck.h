/*
 * A verifier's check of one published batch, from the published bytes alone (docs/protocol.md
 * "What the sequencer publishes", "Deposits", "Pubdata"): the batch blob (header ‖ pubdata) is
 * parsed and checked against the inscribed header hash, the previous batch and the verifier's
 * own state; its pubdata is replayed slot by slot under the slot rules on that state (nonces
 * incremented, fees credited per chunk); every chunk's root chain and public input (the chunk
 * commitment) is computed; the deposits it consumes are checked against the confirmed bridge
 * deposits, in order, none skipped, none invented, refused only under the protocol's rules.
 * The aggregate proof is checked separately (via_vcheck_proof) against those commitments.
 *
 * This is a second implementation of the slot rules, independent of the sequencer's keeper:
 * the keeper's batches are its test oracle and each must replay here to the same roots.
 *
 * A failed check names its rule (a static string) and leaves the state unchanged.
 */
#ifndef VIA_VCHECK_H
#define VIA_VCHECK_H
#include <stddef.h>
#include <stdint.h>

#include "via/aggregate.h"
#include "via/field.h"
#include "via/status.h"

typedef struct via_vstate via_vstate;

/* An empty state of tree depth 1..8; NULL when out of memory. */
via_vstate *via_vstate_new(unsigned depth);
void via_vstate_free(via_vstate *s);
/* A genesis account. VIA_EINVAL when the id is beyond the tree, exists, or the key is not a
 * subgroup point. */
VIA_MUST_USE int via_vstate_genesis(via_vstate *s, uint64_t id, const via_fr *x, const via_fr *y,
                                    uint64_t balance, via_error *err);
void via_vstate_root(via_vstate *s, via_fr *root);
/* 1 and the account when it exists. */
int via_vstate_account(const via_vstate *s, uint64_t id, via_fr *x, via_fr *y, uint64_t *balance,
                       uint64_t *nonce);

/* A confirmed bridge deposit to a rollup account, as the verifier's own chain watcher saw it. */
typedef struct {
    uint64_t priority_id;
    uint8_t txid[32]; /* the bytes of the display-order txid hex */
    uint32_t vout;
    uint64_t amount;
    uint8_t receiver[36];
} via_vdeposit;

typedef struct {
    uint64_t number;
    uint8_t header_hash[32];
    via_fr root_before, root_after;
    uint32_t chunks, slots;
    uint64_t first_priority, last_priority;
    size_t deposits_consumed; /* of the pending list given */
    size_t deposits_credited;
    size_t withdrawals;
    via_fr *commitments; /* chunks entries: each chunk proof's public input (malloc'd) */
} via_vbatch;

void via_vbatch_free(via_vbatch *b);

/* Checks blob as batch `number` following the batch whose header hash is prev_hash (zeros for
 * batch 1), inscribed with header hash `inscribed`, against the state, with `pending` the
 * confirmed deposits not consumed by earlier batches in priority order. VIA_OK: the state now
 * holds the batch's result and *out describes it. VIA_EVERIFY: *rule names what failed (see
 * docs/protocol.md "Verifier rules") and the state is unchanged. Other codes: out of memory. */
VIA_MUST_USE int via_vcheck_batch(via_vstate *st, const uint8_t *blob, size_t len, uint64_t number,
                                  const uint8_t prev_hash[32], const uint8_t inscribed[32],
                                  const via_vdeposit *pending, size_t npending, via_vbatch *out,
                                  const char **rule, via_error *err);

/* Takes back the last batch via_vcheck_batch accepted (its proof failed), once. */
void via_vstate_undo(via_vstate *s);

/* Checks the published aggregate proof bytes against the batch's chunk commitments under vk and
 * the SRS's verifier part: VIA_OK, or VIA_EVERIFY with rule "proof_malformed" or
 * "proof_invalid". */
VIA_MUST_USE int via_vcheck_proof(const via_srs *srs, const via_groth16_vk *vk, const via_vbatch *b,
                                  const uint8_t *proof, size_t len, const char **rule,
                                  via_error *err);
#endif
