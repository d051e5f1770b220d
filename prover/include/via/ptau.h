/*
 * snarkjs powers-of-tau files (.ptau version 1, docs/sources.md: ptau).
 *
 * Header (section 1): n8 (32) | q | power | ceremonyPower. With N = 2^power:
 *   2 tauG1 (2N-1 G1) | 3 tauG2 (N G2) | 4 alphaTauG1 (N G1) | 5 betaTauG1 (N G1) |
 *   6 betaG2 (1 G2) | 7 contributions |
 *   12..15 (after "prepare phase2"): Lagrange forms of 2..5 for every domain 2^p, p = 0..power,
 *   concatenated (block p starts at point 2^p - 1); section 12 has one more block,
 *   p = power + 1, so 2^(power+2) - 1 points; 13..15 have 2^(power+1) - 1.
 *
 * Every present section's size is checked against the header, and every point coordinate
 * of a loaded section is checked < q. Large ceremonies are big (power 28 is ~300 GB with
 * Lagrange sections), so the caller chooses which groups of sections to load; the others
 * are only size-checked.
 */
#ifndef VIA_PROVER_PTAU_H
#define VIA_PROVER_PTAU_H
#include <stdint.h>
#include <stdio.h>

#include "via/curve.h"
#include "via/status.h"

#define VIA_PTAU_MAX_POWER 28

/* Which sections via_ptau_read loads into memory. */
#define VIA_PTAU_LOAD_POWERS 1u   /* sections 2..6 */
#define VIA_PTAU_LOAD_LAGRANGE 2u /* sections 12..15 (must be present) */

typedef struct {
    via_g1_affine tau_g1, alpha_g1, beta_g1;
    via_g2_affine tau_g2, beta_g2;
    uint8_t pubkey[768]; /* tau, alpha, beta public keys (6 G1 + 3 G2, LEM) */
    uint8_t partial_hash[216];
    uint8_t next_challenge[64];
    uint32_t type; /* 0 = contribution, 1 = beacon */
    int has_name;
    char name[256];
    int has_num_iterations_exp;
    uint8_t num_iterations_exp;
    uint32_t beacon_hash_len;
    uint8_t beacon_hash[255];
} via_ptau_contribution;

typedef struct {
    uint32_t power, ceremony_power;
    int prepared; /* sections 12..15 present */

    /* Loaded with VIA_PTAU_LOAD_POWERS, else NULL. */
    via_g1_affine *tau_g1;       /* 2N - 1 */
    via_g2_affine *tau_g2;       /* N */
    via_g1_affine *alpha_tau_g1; /* N */
    via_g1_affine *beta_tau_g1;  /* N */
    via_g2_affine beta_g2;

    /* Loaded with VIA_PTAU_LOAD_LAGRANGE, else NULL; use the accessors below. */
    via_g1_affine *lagrange_g1;       /* section 12 */
    via_g2_affine *lagrange_g2;       /* section 13 */
    via_g1_affine *lagrange_alpha_g1; /* section 14 */
    via_g1_affine *lagrange_beta_g1;  /* section 15 */

    uint32_t n_contributions;
    via_ptau_contribution *contributions;
} via_ptau;

/* Reads and validates a .ptau; `load` is a mask of VIA_PTAU_LOAD_*. Asking for the Lagrange
 * sections of an unprepared file fails with VIA_EINVAL ("not prepared"). */
VIA_MUST_USE int via_ptau_read(via_ptau *p, const char *path, unsigned load, via_error *err);
VIA_MUST_USE int via_ptau_read_mem(via_ptau *p, const char *name, const uint8_t *data, size_t len,
                                   unsigned load, via_error *err);
void via_ptau_free(via_ptau *p);

/* The Lagrange basis [L_i(tau)] of the domain of size 2^log2n, 2^log2n points, or NULL when
 * not loaded or log2n is too large (G1: log2n <= power + 1; the others: log2n <= power). */
const via_g1_affine *via_ptau_lagrange_g1(const via_ptau *p, uint32_t log2n);
const via_g2_affine *via_ptau_lagrange_g2(const via_ptau *p, uint32_t log2n);
const via_g1_affine *via_ptau_lagrange_alpha_g1(const via_ptau *p, uint32_t log2n);
const via_g1_affine *via_ptau_lagrange_beta_g1(const via_ptau *p, uint32_t log2n);

void via_ptau_describe(const via_ptau *p, FILE *out);
#endif
