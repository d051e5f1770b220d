/*
 * The message an account signs for each L2 transaction: one field element, the Poseidon hash
 * of the transaction's fields. The wallet signs it, the sequencer checks it, and the circuit
 * recomputes it from the pubdata fields and feeds it to EdDSAPoseidonVerifier. All three must
 * use exactly these definitions (they are also written down in docs/protocol.md, section
 * "Transaction signatures").
 *
 *   transfer:  msg = Poseidon(1, from, to, amount, fee, nonce)                       (t = 7)
 *   withdraw:  msg = Poseidon(2, from, amount, fee, nonce, dest_len, dest0, dest1)   (t = 9)
 *
 * Every field is the integer itself as an element of Fr (all are below 2^64, far below r):
 *   from, to      account ids (leaf indexes of the state tree)
 *   amount, fee   satoshis, unsigned 64-bit
 *   nonce         the sender's account nonce before the transaction, unsigned 64-bit
 *   dest_len      length in bytes of the Bitcoin scriptPubKey of the withdrawal, 1..62
 *   dest0, dest1  the scriptPubKey zero-padded on the right to 62 bytes, then split into two
 *                 31-byte chunks; each chunk is read as a big-endian integer (< 2^248):
 *                   dest0 = sum_{i=0..30} script[i]      * 256^(30 - i)
 *                   dest1 = sum_{i=0..30} script[31 + i] * 256^(30 - i)
 * The leading 1 / 2 is the transaction type tag: a signature for one type can never be read
 * as a signature for the other (the hashes also have different widths). The tag and widths
 * leave deposit (no signature) and noop out.
 */
#ifndef VIA_ROLLUP_L2TX_H
#define VIA_ROLLUP_L2TX_H

#include <stddef.h>
#include <stdint.h>

#include "via/status.h"
#include "via/field.h"

#define VIA_L2TX_TAG_TRANSFER 1
#define VIA_L2TX_TAG_WITHDRAW 2
#define VIA_L2TX_MAX_SCRIPT 62
#define VIA_L2TX_SCRIPT_CHUNK 31

typedef struct {
    uint64_t from, to, amount, fee, nonce;
} via_l2tx_transfer;

typedef struct {
    uint64_t from, amount, fee, nonce;
    size_t dest_len; /* 1..VIA_L2TX_MAX_SCRIPT */
    uint8_t dest[VIA_L2TX_MAX_SCRIPT];
} via_l2tx_withdraw;

/* *msg = signed message of a transfer (Montgomery form). */
void via_l2tx_transfer_msg(via_fr *msg, const via_l2tx_transfer *tx);

/* *msg = signed message of a withdrawal. VIA_EINVAL (msg cleared, message in err) when
 * dest_len is 0 or above VIA_L2TX_MAX_SCRIPT. */
int via_l2tx_withdraw_msg(via_fr *msg, const via_l2tx_withdraw *tx, via_error *err) VIA_MUST_USE;

/* Account ids are leaf indexes of a tree of depth at most 8 and take 4 bytes of pubdata
 * (docs/protocol.md): the largest id any state tree has. */
#define VIA_L2TX_MAX_ACCOUNT_ID 0xffffffffull

/* The protocol's bounds on a transaction that no balance or tree could satisfy, checked
 * before signing or accepting one: every account id at most VIA_L2TX_MAX_ACCOUNT_ID, and
 * amount + fee within 64 bits (what the sender's balance must cover). VIA_EINVAL naming the
 * field otherwise. */
int via_l2tx_transfer_check(const via_l2tx_transfer *tx, via_error *err) VIA_MUST_USE;
int via_l2tx_withdraw_check(const via_l2tx_withdraw *tx, via_error *err) VIA_MUST_USE;

/* The two script chunks dest0, dest1 as field elements (for the circuit's witness). */
void via_l2tx_script_chunks(via_fr chunks[2], const uint8_t *dest, size_t dest_len);

#endif
