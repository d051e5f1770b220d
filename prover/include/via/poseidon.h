/*
 * Poseidon over the BN254 scalar field, bit-compatible with circomlib >= 0.5.0 and
 * circomlibjs (poseidon_reference.js / the circuit templates Poseidon(n) and PoseidonEx).
 *
 * Parameters (one set per width t = 2..17, t = number of inputs + 1):
 *   S-box x^5; RF = 8 full rounds (4 before and 4 after the partial rounds); RP partial rounds
 *   RP(t) = 56 57 56 60 60 63 64 63 60 66 60 65 70 60 64 68 for t = 2..17.
 *   Round constants C (length (RF+RP)*t) and the Cauchy MDS matrix M (t x t) are generated in
 *   code with the Grain LFSR procedure of the Poseidon reference script
 *   generate_parameters_grain.sage (field = 1, sbox = 0, n = 254, t, RF, RP); nothing is
 *   pasted. They are built once per t on first use (thread-safe) and cached for the process.
 *
 * Permutation (reference form; the fast path in poseidon.c computes the same function with
 * sparse partial-round matrices):
 *   state = [capacity, in_1, ..., in_{t-1}]
 *   for r in 0 .. RF+RP-1:
 *       state[i] += C[r*t + i]                         for every i
 *       state[i] = state[i]^5                          every i (full round) or i = 0 (partial)
 *       state'[i] = sum_j M[i*t + j] * state[j]        (row-major M, new state = M * state)
 *   full rounds are r < 4 and r >= 4 + RP.
 * via_poseidon(in, n) = state[0] after the permutation of [0, in_1, ..., in_n], t = n + 1.
 *
 * All via_fr values here are in Montgomery form (field.h); nothing is converted inside.
 * Every function is constant-time in the data (no data-dependent branches or indexes).
 */
#ifndef VIA_PROVER_POSEIDON_H
#define VIA_PROVER_POSEIDON_H

#include <stddef.h>

#include "via/status.h"
#include "via/field.h"

#define VIA_POSEIDON_T_MIN 2
#define VIA_POSEIDON_T_MAX 17
#define VIA_POSEIDON_RF 8
#define VIA_POSEIDON_MAX_INPUTS (VIA_POSEIDON_T_MAX - 1)

/* The reference constants of one width, as circomlibjs poseidon_constants.json holds them
 * (C[t-2] and M[t-2]), in Montgomery form. Read-only, valid for the life of the process. */
typedef struct {
    unsigned t;      /* width: number of inputs + 1 */
    unsigned rf;     /* full rounds (8) */
    unsigned rp;     /* partial rounds */
    const via_fr *c; /* round constants, (rf + rp) * t entries, round r at c[r*t .. r*t+t-1] */
    const via_fr *m; /* MDS matrix, t*t entries, row-major: new[i] = sum_j m[i*t+j]*old[j] */
} via_poseidon_params;

/* Partial-round count for width t (2 <= t <= 17). */
unsigned via_poseidon_rp(unsigned t);

/* Constants for width t (2..17), generated on first call. Aborts the process with a message
 * if the generator cannot allocate (a few tens of KiB); never returns NULL for a valid t. */
const via_poseidon_params *via_poseidon_params_get(unsigned t);

/* The permutation in place on state[0..t-1] (2 <= t <= 17). */
void via_poseidon_permute(via_fr *state, unsigned t);

/* The same permutation, also writing the circuit's S-box values to trace: for every S-box in
 * circuit order (full rounds lanes 0..t-1, partial rounds lane 0, round by round) its input's
 * x^2, x^4 and x^5; 3 * (RF * t + RP) values. This is what the Poseidon gadget allocates as
 * wires (cs/gadgets_poseidon.c), so witness generation gets them at the cost of the fast
 * permutation. */
void via_poseidon_permute_trace(via_fr *state, unsigned t, via_fr *trace);

/* Length of the S-box trace of one permutation of width t: 3 * (RF * t + RP). */
size_t via_poseidon_trace_len(unsigned t);

/* n independent permutations of width t: permutation i acts on states[i][0..t) in place and,
 * when traces is not NULL, writes its S-box trace (as via_poseidon_permute_trace) to
 * traces[i][0 .. via_poseidon_trace_len(t)). Afterwards only the first nout (1..t) elements of
 * each state are defined (the last round's matrix product is skipped for the others). Where
 * the CPU has AVX-512 IFMA (simd52.h) eight permutations run at once in vector lanes; the
 * bytes are those of the one-at-a-time path. */
void via_poseidon_permute_many(via_fr *const *states, unsigned t, unsigned nout,
                               via_fr *const *traces, size_t n);

/* The permutation computed step by step from the reference constants (t*t multiplications
 * per round). Only for tests and for checking the fast path; via_poseidon_permute is the
 * one to use. */
void via_poseidon_permute_reference(via_fr *state, unsigned t);

/* circomlib Poseidon(n): *out = state[0] of the permutation of [0, in[0..n-1]].
 * Returns 0, or -1 (out cleared) when n is 0 or greater than 16. */
int via_poseidon(via_fr *out, const via_fr *in, size_t n) VIA_MUST_USE;

/* circomlib PoseidonEx(n, n_out) with capacity element init_state: out[0..n_out-1] =
 * state[0..n_out-1] after the permutation of [init_state, in[0..n-1]].
 * Returns 0, or -1 when n is 0 or > 16 or n_out is 0 or > n + 1. */
int via_poseidon_ex(via_fr *out, size_t n_out, const via_fr *init_state, const via_fr *in,
                    size_t n) VIA_MUST_USE;

/*
 * Sponge for inputs of any length (including 0), width t = 17 (rate 16, capacity 1):
 *
 *   state = [n, 0, 0, ..., 0]          capacity element = the input length n as a field
 *                                      element (n < 2^64), the 16 rate elements zero
 *   blocks = max(1, ceil(n / 16)); the input is padded with zeros to blocks*16 elements
 *   for each block b (in order):
 *       state[1 + i] += in[16*b + i]   for i = 0..15 (field addition)
 *       permute(state, t = 17)
 *   output = state[0]
 *
 * The length in the capacity separates inputs that differ only by trailing zeros, and
 * separates the sponge from via_poseidon (whose capacity is 0) for every n >= 1.
 */
void via_poseidon_sponge(via_fr *out, const via_fr *in, size_t n);

#endif
