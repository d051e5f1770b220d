/*
 * snarkjs 0.7 Groth16 proving keys (.zkey version 1, docs/sources.md: zkey).
 *
 * The reader validates the whole file before handing anything out: container, the ten
 * sections (any order, none duplicated, unknown ids ignored), header primes and sizes, every
 * section size against the header counts, every point coordinate < q, every coefficient
 * entry (matrix 0 or 1, row < domain size, signal < nVars, value < r) and the MPC section's
 * structure. It does not check that points are on the curve or in the subgroup.
 *
 * The big point sections are read straight into 64-byte aligned buffers of exactly the
 * section's size and used in place as arrays of via_g1_affine / via_g2_affine: the file's
 * "LEM" encoding is their memory layout (Montgomery LE limbs, all zero = infinity).
 */
#ifndef VIA_PROVER_ZKEY_H
#define VIA_PROVER_ZKEY_H
#include <stdint.h>
#include <stdio.h>

#include "via/curve.h"
#include "via/status.h"

/* Limits a reader accepts: domain at most 2^28 (snarkjs's maximum), nVars below 2^31. */
#define VIA_ZKEY_MAX_LOG2_DOMAIN 28
#define VIA_ZKEY_MAX_VARS ((uint32_t)1 << 31)

/* One entry of section 4. The file stores value * R^2 mod r as a plain LE integer (R = 2^256);
 * here `value` is the Montgomery form of the coefficient itself (what via_fr arithmetic
 * expects), i.e. value.l holds v * R mod r. Conversions: value = mont_mul(stored, 1) when
 * reading, stored = mont_mul(value, R^2) when writing. */
typedef struct {
    uint32_t matrix; /* 0 = A, 1 = B */
    uint32_t row;    /* constraint index (< domain_size) */
    uint32_t signal; /* witness index (< n_vars) */
    uint32_t pad;    /* always 0 */
    via_fr value;    /* Montgomery form */
} via_zkey_coef;

/* One phase-2 contribution (section 10). */
typedef struct {
    via_g1_affine delta_after;
    via_g1_affine g1_s, g1_sx;
    via_g2_affine g2_spx;
    uint8_t transcript[64];
    uint32_t type; /* 0 = contribution, 1 = beacon */
    int has_name;
    char name[256];             /* UTF-8, NUL terminated (at most 255 bytes in the file) */
    int has_num_iterations_exp; /* beacons */
    uint8_t num_iterations_exp;
    uint32_t beacon_hash_len; /* 0 when absent */
    uint8_t beacon_hash[255];
} via_zkey_contribution;

typedef struct {
    uint32_t n_vars;   /* witness length including the constant 1 */
    uint32_t n_public; /* public signals, not counting the constant 1 */
    uint32_t domain_size;
    uint32_t log2_domain;
    via_g1_affine alpha1, beta1, delta1;
    via_g2_affine beta2, gamma2, delta2;

    via_g1_affine *ic; /* n_public + 1 */
    via_g1_affine *a;  /* n_vars */
    via_g1_affine *b1; /* n_vars */
    via_g2_affine *b2; /* n_vars */
    via_g1_affine *c;  /* n_vars - n_public - 1 (private signals only; c[0] is signal n_public+1) */
    via_g1_affine *h;  /* domain_size */

    uint32_t n_coefs;
    via_zkey_coef *coefs;

    uint8_t cs_hash[64]; /* blake2b-512 circuit hash (section 10) */
    uint32_t n_contributions;
    via_zkey_contribution *contributions;

    /* Section ids in file order as read (for byte-identical rewrites); all zero for a key
     * built in memory, which via_zkey_write then writes in snarkjs's zkey_new order
     * 1,2,4,3,9,8,5,6,7,10. */
    uint32_t section_order[10];
} via_zkey;

/* Reads and validates a .zkey. On success *z owns every array (free with via_zkey_free); on
 * failure *z is left empty and err names the file, section and problem. VIA_EFORMAT for
 * malformed files, VIA_EUNSUPPORTED for a PLONK/FFLONK key or another curve, VIA_EIO,
 * VIA_ENOMEM. */
VIA_MUST_USE int via_zkey_read(via_zkey *z, const char *path, via_error *err);
/* The same from memory; `name` labels messages. */
VIA_MUST_USE int via_zkey_read_mem(via_zkey *z, const char *name, const uint8_t *data, size_t len,
                                   via_error *err);

/* Writes all ten sections. Arrays must have the sizes given above; coefs values must be
 * reduced Montgomery elements. Section 10 is written from cs_hash and contributions exactly
 * as snarkjs writes it (a contribution's params: name if has_name, then for type 1 the
 * iteration exponent and beacon hash). */
VIA_MUST_USE int via_zkey_write(const via_zkey *z, const char *path, via_error *err);

/* Frees every array (they are via_malloc_big allocations, also when a caller fills a
 * via_zkey itself) and clears *z. */
void via_zkey_free(via_zkey *z);

/* The contribution hash snarkjs prints ("Contribution Hash"): BLAKE2b-512 of deltaAfter,
 * g1_s, g1_sx, g2_spx in snarkjs's uncompressed big-endian form, then the transcript. */
void via_zkey_contribution_hash(uint8_t out[64], const via_zkey_contribution *c);

/* Prints a human-readable summary of a key already read. */
void via_zkey_describe(const via_zkey *z, FILE *out);
#endif
