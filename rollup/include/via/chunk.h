/*
 * The rollup chunk circuit (docs/protocol.md): C transaction slots over a radix-16
 * state tree of depth D, one public input
 *
 *   commitment = Poseidon(batch, chunk_index, root_before, root_after, pubdata_commitment)
 *
 * and its native witness generation from a chunk's compact JSON input (accounts touched with
 * their pre-state Merkle paths, and the transactions). The JSON format, the pubdata layout and
 * the slot rules are specified in docs/protocol.md.
 *
 * Usage:
 *   via_chunk_circuit_write_r1cs(C, D, "chunk.r1cs", &counts, &err);
 *   via_chunk_witness_from_json("chunk.json", "chunk.wtns", "public.json", &err);
 */
#ifndef VIA_PROVER_CS_CHUNK_H
#define VIA_PROVER_CS_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "via/status.h"
#include "via/field.h"
#include "via/cs.h"

#define VIA_CHUNK_MAX_SLOTS 4096u
/* The largest chunk input JSON read (a 4096-slot chunk at depth 8 is about 90 MB). */
#define VIA_CHUNK_MAX_INPUT_BYTES ((size_t)256 << 20)
/* The slot counts of the protocol (docs/protocol.md, "Chunks and slots"): powers of 4 from 1
 * to VIA_CHUNK_MAX_SLOTS. */
#define VIA_CHUNK_SLOTS_LIST "1, 4, 16, 64, 256, 1024 or 4096"
static inline int via_chunk_slots_valid(uint64_t slots) {
    return slots >= 1 && slots <= VIA_CHUNK_MAX_SLOTS && (slots & (slots - 1)) == 0 &&
           (__builtin_ctzll(slots) % 2) == 0;
}
#define VIA_CHUNK_MAX_DEPTH 8u /* account ids take 4 bytes of pubdata */
#define VIA_CHUNK_DEFAULT_DEPTH 6u
#define VIA_CHUNK_CELLS_PER_SLOT 5u

typedef struct {
    unsigned slots, depth;
    uint64_t constraints; /* whole circuit */
    uint32_t wires;       /* including wire 0 */
    uint32_t public_inputs;
    uint64_t per_slot; /* constraints of one transaction slot (every slot type costs the same) */
    uint64_t fixed;    /* constraints outside the slots (fee credit, commitments) */
} via_chunk_counts;

/* Builds the circuit for (slots, depth) and writes it as .r1cs (streamed: memory does not grow
 * with the circuit). slots 1..VIA_CHUNK_MAX_SLOTS, depth 1..VIA_CHUNK_MAX_DEPTH. counts may be
 * NULL. */
VIA_MUST_USE int via_chunk_circuit_write_r1cs(unsigned slots, unsigned depth, const char *path,
                                              via_chunk_counts *counts, via_error *err);

/* Counts only (no file). */
VIA_MUST_USE int via_chunk_circuit_counts(unsigned slots, unsigned depth, via_chunk_counts *counts,
                                          via_error *err);

/* Parsed chunk input (opaque). */
typedef struct via_chunk_input via_chunk_input;

/* Parses the JSON text (len bytes; name labels messages). Errors name the JSON path. */
VIA_MUST_USE int via_chunk_input_parse(via_chunk_input **out, const char *name, const char *text,
                                       size_t len, via_error *err);
VIA_MUST_USE int via_chunk_input_read(via_chunk_input **out, const char *path, via_error *err);
void via_chunk_input_free(via_chunk_input *in);
unsigned via_chunk_input_slots(const via_chunk_input *in);
unsigned via_chunk_input_depth(const via_chunk_input *in);

/*
 * Runs the chunk's transactions and builds the circuit in cs (a context of mode WITNESS or
 * BOTH, freshly created). Rule violations (bad signature, wrong nonce, insufficient balance,
 * overflow, wrong Merkle path, account creation over a different existing account, unknown
 * account) fail with VIA_EINVAL and a message naming the slot and the rule, and leave cs
 * unusable; with force = 1 the first violation is reported in *violation (when not NULL) and
 * the witness is built anyway from the invalid data (for tests of the constraint system).
 * *commitment (may be NULL) receives the public input. *root_after (may be NULL) the new root.
 */
VIA_MUST_USE int via_chunk_build_witness(via_cs *cs, const via_chunk_input *in, int force,
                                         via_error *violation, via_fr *commitment,
                                         via_fr *root_after, via_error *err);

/* A valid sample chunk input as JSON text (*out, malloc'd; free() it): `slots` signed
 * transfers in a chunk of the smallest protocol size that holds them (the rest noops), slot k from
 * one fresh account to another (2 * slots + 1 accounts listed with their pre-state Merkle paths,
 * the operator account 0 included), ids, keys and amounts drawn from seed. For tests and benchmarks
 * of witness generation. VIA_EINVAL when slots or depth are out of range or 2 * slots + 1 accounts
 * do not fit 16^depth leaves. */
VIA_MUST_USE int via_chunk_sample_json(char **out, unsigned slots, unsigned depth, uint64_t seed,
                                       via_error *err);

/* The chunk's public input from its pubdata bytes (157 * slots, docs/protocol.md "Pubdata"):
 * the Poseidon sponge over the cells, then Poseidon(batch, chunk, root_before, root_after,
 * pubdata_commitment). VIA_EFORMAT names the slot and cell of a 32-byte cell >= r. */
VIA_MUST_USE int via_chunk_commitment(via_fr *out, uint64_t batch, uint64_t chunk,
                                      const via_fr *root_before, const via_fr *root_after,
                                      const uint8_t *pubdata, size_t slots, via_error *err);

/* JSON file -> .wtns (and public.json when public_json_path is not NULL). */
VIA_MUST_USE int via_chunk_witness_from_json(const char *json_path, const char *wtns_path,
                                             const char *public_json_path, via_error *err);

#endif
