/*
 * The withdrawal coordinator's pieces that every party shares (docs/protocol.md
 * "Withdrawal payouts"): the deterministic payout transaction, what a signer compares before it
 * signs, the request authentication and the parsers of the coordinator's request bodies.
 */
#ifndef VIA_COORD_H
#define VIA_COORD_H
#include <stddef.h>
#include <stdint.h>

#include "via/bitcoin.h"
#include "via/status.h"

#define VIA_PAYOUT_MAX_WITHDRAWALS 6 /* "VIAW" + 6 x 12 bytes fit an 80-byte OP_RETURN */
#define VIA_PAYOUT_MAX_INPUTS 32
#define VIA_PAYOUT_MIN_CHANGE 330u

typedef struct {
    uint64_t batch;
    uint32_t index; /* slot index in the batch */
    uint8_t dest[62];
    size_t dest_len;
    uint64_t amount;
} via_payout_withdrawal;

typedef struct {
    uint8_t txid[32]; /* internal order */
    uint32_t vout;
    uint64_t value;
} via_payout_input;

typedef struct {
    via_payout_withdrawal w[VIA_PAYOUT_MAX_WITHDRAWALS];
    size_t nw;
    via_payout_input in[VIA_PAYOUT_MAX_INPUTS];
    size_t nin;
    uint8_t bridge[34]; /* the bridge's P2TR scriptPubKey */
    uint64_t fee_rate;  /* sat/vB */
} via_payout_spec;

/* The payout: inputs in the given order (sequence 0xfffffffd), one output per withdrawal in the
 * given order, OP_RETURN "VIAW" ‖ (batch u64 BE ‖ index u32 BE) per withdrawal, then change to
 * the bridge when at least VIA_PAYOUT_MIN_CHANGE (else left to the fee). The fee is fee_rate
 * times the vsize with every input's 65-byte key-path signature; *fee gets it. VIA_EINVAL when
 * the inputs do not cover the withdrawals and the fee, or the spec is out of bounds. */
VIA_MUST_USE int via_payout_build(via_btc_tx *out, uint64_t *fee, const via_payout_spec *spec,
                                  via_error *err);
/* The BIP-341 key-path SIGHASH_ALL digest of every input (msgs holds tx->n_in). */
VIA_MUST_USE int via_payout_sighashes(uint8_t (*msgs)[32], const via_btc_tx *tx,
                                      const via_payout_spec *spec, via_error *err);
/* Compares a proposed serialized payout with the one rebuilt from the signer's own view: VIA_OK
 * when byte-identical, else VIA_EVERIFY naming the first difference ("an output pays another
 * address", "an output pays another amount", "the fee differs", ...). */
VIA_MUST_USE int via_payout_compare(const uint8_t *proposed, size_t len, const via_btc_tx *mine,
                                    via_error *err);

/* Request authentication: a BIP-340 signature by the verifier's key over
 * SHA-256("via-coordinator/1\n" ‖ method ‖ "\n" ‖ path ‖ "\n" ‖ timestamp ‖ "\n" ‖ index ‖ "\n"
 * ‖ body). */
void via_coord_auth_digest(uint8_t out[32], const char *method, const char *path, int64_t ts,
                           int index, const uint8_t *body, size_t len);

/* Bodies of POST /session/nonce and /session/signature: {"session": id, "values": [hex, ...]}
 * with n values of size bytes each (66 for nonces, 32 for partial signatures). */
VIA_MUST_USE int via_coord_parse_values(uint64_t *session, uint8_t *values, size_t n, size_t size,
                                        const char *body, size_t len, via_error *err);
#endif
