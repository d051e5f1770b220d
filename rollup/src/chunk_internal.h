/* Shared between the chunk circuit (chunk.c) and its witness generator (chunk_witness.c):
 * the per-slot values the circuit reads in witness mode. All via_fr in Montgomery form. */
#ifndef VIA_PROVER_CS_CHUNK_INTERNAL_H
#define VIA_PROVER_CS_CHUNK_INTERNAL_H

#include "via/smt.h"
#include "via/chunk.h"
#include "via/gadgets_babyjub.h"

enum { TX_NOOP = 0, TX_DEPOSIT = 1, TX_TRANSFER = 2, TX_WITHDRAW = 3 };

/* An account as the circuit sees it just before its update, with its path at that moment. */
typedef struct {
    uint64_t id;
    unsigned empty;
    via_fr pkx, pky, bal, nonce;
    via_fr sib[VIA_CHUNK_MAX_DEPTH][15];
} chunk_acct_wit;

typedef struct {
    unsigned type;
    via_fr amount, fee;
    uint64_t id_a, id_b;
    via_fr dep_pkx, dep_pky; /* cells 1, 2 */
    via_fr cell3, cell4;     /* txid[0..31) / dest0, dest1 */
    uint64_t dest_len, txid_last, vout;
    via_fr r8x, r8y, s;
    chunk_acct_wit a, b;
    const via_g_eddsa_hints *sig_hints; /* witness aids of the slot's EdDSA gadget, or NULL */
} chunk_slot_wit;

typedef struct {
    unsigned slots, depth;
    via_fr batch, chunk_index, root_before;
    chunk_slot_wit *slot; /* slots entries */
    chunk_acct_wit op;    /* operator account 0 before the fee credit */
} chunk_wit;

/* Builds the circuit into cs; w supplies values (NULL in shape mode). *per_slot receives the
 * constraint count of slot 0, *commitment_var the public wire. */
void via_chunk_circuit(via_cs *cs, unsigned slots, unsigned depth, const chunk_wit *w,
                       uint64_t *per_slot);

#endif
