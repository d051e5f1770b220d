/*
 * Gadgets over the builder (cs.h). Each function allocates its wires, computes their values
 * when the context has a witness, and records its constraints when it has a shape; which
 * wires and constraints exist never depends on values.
 *
 * Conventions: inputs are linear combinations (const via_lc *) or wires; bit vectors are least
 * significant bit first; booleans are wires holding 0 or 1. "Constraint cost" counts R1CS
 * constraints (linear ones included).
 */
#ifndef VIA_PROVER_CS_GADGETS_H
#define VIA_PROVER_CS_GADGETS_H

#include "via/cs.h"

/* ---- booleans and bits ---- */

/* A new wire holding bit (0/1), constrained boolean: b * b = b. Cost 1. */
via_var via_g_bit_new(via_cs *cs, unsigned bit);
/* Enforces b * b = b on an existing wire. Cost 1. */
void via_g_assert_bool(via_cs *cs, via_var b);
/* bits[0..n) of x with sum 2^i bits[i] == x; n <= 253 (so the sum cannot wrap mod r and the
 * decomposition is unique: it is also an n-bit range check). Cost n + 1. */
void via_g_to_bits(via_cs *cs, via_var *bits, const via_lc *x, unsigned n);
/* The canonical 254-bit decomposition of x (integer value of bits < r). Cost ~2*254. */
void via_g_to_bits_strict(via_cs *cs, via_var bits[254], const via_lc *x);
/* Enforces integer(bits[0..n)) <= k (k a 256-bit constant, 4 LE limbs). Cost ~n. */
void via_g_bits_le_const(via_cs *cs, const via_var *bits, unsigned n, const uint64_t k[4]);
/* Range check: x < 2^n (n <= 253). Cost n + 1. */
void via_g_range(via_cs *cs, const via_lc *x, unsigned n);
/* LC sum 2^i bits[i] (no constraint). */
via_lc via_g_pack_bits(via_cs *cs, const via_var *bits, unsigned n);

/* ---- comparisons ---- */

/* 1 if x == 0 else 0. Cost 2. */
via_var via_g_is_zero(via_cs *cs, const via_lc *x);
/* 1 if a == b else 0. Cost 2. */
via_var via_g_is_equal(via_cs *cs, const via_lc *a, const via_lc *b);
/* 1 if a < b, for a, b known to be < 2^n (n <= 252). Cost n + 2. */
via_var via_g_lt(via_cs *cs, const via_lc *a, const via_lc *b, unsigned n);
/* 1 if a <= b, same preconditions. Cost n + 2. */
via_var via_g_lte(via_cs *cs, const via_lc *a, const via_lc *b, unsigned n);

/* ---- selection ---- */

/* A new wire equal to cond ? a : b (cond a boolean wire). Cost 2 (1 + materialisation). */
via_var via_g_select(via_cs *cs, via_var cond, const via_lc *a, const via_lc *b);
/* out = cond ? a : b as a combination (one product wire). Cost 1. */
via_lc via_g_select_lc(via_cs *cs, via_var cond, const via_lc *a, const via_lc *b);
/* in[s] where s = sel[0] + 2 sel[1] + 4 sel[2] + 8 sel[3] (sel boolean wires). Cost 15. */
via_var via_g_mux16(via_cs *cs, const via_var sel[4], const via_lc in[16]);
/* Product wire a * b. Cost 1. */
via_var via_g_mul(via_cs *cs, const via_lc *a, const via_lc *b);

/* ---- Poseidon (circomlib >= 0.5, same function as poseidon.h) ---- */

/* Poseidon(in[0..n)) with 1 <= n <= 16 (t = n + 1); returns the output wire. Cost: 3 per
 * S-box ((8t + RP) S-boxes) + 1. */
via_var via_g_poseidon(via_cs *cs, const via_lc *in, unsigned n);
/* A memo of native Poseidon hashes with their S-box traces, for witness generators that hash
 * natively first (to learn values such as Merkle siblings) and then build a circuit that
 * hashes the same inputs again: attached to a witness-only context, via_g_poseidon finds
 * the trace of a hash it was asked before and copies it instead of recomputing it. The
 * witness is the same with or without the memo. Entries are kept while their total size
 * stays within max_bytes; later hashes are computed without being remembered. */
typedef struct via_g_poseidon_memo via_g_poseidon_memo;
via_g_poseidon_memo *via_g_poseidon_memo_new(size_t max_bytes);
void via_g_poseidon_memo_free(via_g_poseidon_memo *m);
/* *out = via_poseidon(in, n) (1 <= n <= 16), remembered when the budget allows. */
void via_g_poseidon_memo_hash(via_g_poseidon_memo *m, via_fr *out, const via_fr *in, unsigned n);
/* out[i] = via_poseidon(in + i * n, n) for i < count, remembered as above; the hashes not yet
 * known are computed together (via_poseidon_permute_many: eight at a time with IFMA). */
void via_g_poseidon_memo_hash_many(via_g_poseidon_memo *m, via_fr *out, const via_fr *in,
                                   unsigned n, size_t count);
/* Attaches m to cs (NULL detaches); m must outlive its use by cs. No effect in shape modes. */
void via_g_poseidon_memo_attach(via_cs *cs, via_g_poseidon_memo *m);

/* The sponge of via_poseidon_sponge over in[0..n) (n >= 0, t = 17). */
via_var via_g_poseidon_sponge(via_cs *cs, const via_lc *in, size_t n);

#endif
