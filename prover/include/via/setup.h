/*
 * Groth16 setup compatible with snarkjs 0.7: `.r1cs` + prepared `.ptau` -> `.zkey`, the
 * equivalent of `snarkjs groth16 setup` followed by one `snarkjs zkey contribute`, so that
 * `snarkjs zkey verify circuit.r1cs pot.ptau circuit.zkey` accepts the result.
 *
 * Two steps:
 *  1. via_setup_new_zkey builds the initial key exactly as snarkjs zkey_new.js does (delta = 1,
 *     no contribution): every section, and the BLAKE2b-512 circuit hash csHash, are byte for
 *     byte what snarkjs produces for the same inputs (docs/sources.md: zkey, ptau, groth16-h).
 *  2. via_setup_contribute applies one phase-2 contribution with a fresh secret delta from the
 *     OS CSPRNG: delta1/delta2 times d, the C and H sections times 1/d, and a contribution
 *     record (deltaAfter, g1_s, g1_sx, g2_spx, transcript) that snarkjs's verifier recomputes.
 *     d and 1/d only go through constant-time scalar multiplication and are wiped after use.
 *
 * Known limit: when the circuit domain 2^k equals the ptau size 2^power and k >= 15, snarkjs
 * hashes 64 bytes lying past the ptau's tau section into csHash (a chunking quirk of
 * zkey_new.js hashHPoints); that case is refused with VIA_EUNSUPPORTED (use a larger ptau).
 */
#ifndef VIA_PROVER_SETUP_H
#define VIA_PROVER_SETUP_H
#include <stdint.h>

#include "via/curve.h"
#include "via/status.h"
#include "via/groth16.h" /* via_progress_fn */
#include "via/zkey.h"

/* `snarkjs groth16 setup` + one contribution named contribution_name (NULL or "" for none;
 * names are cut to 64 bytes on a UTF-8 boundary, as snarkjs cuts them to 64 characters).
 * Errors name the file and what was wrong; zkey_path is not left half-written on failure. */
VIA_MUST_USE int via_groth16_setup(const char *r1cs_path, const char *ptau_path,
                                   const char *zkey_path, const char *contribution_name,
                                   via_error *err);

typedef struct {
    const char *contribution_name; /* as above */
    int skip_contribution;         /* 1: write the initial key, exactly `snarkjs groth16 setup` */
    via_progress_fn progress;      /* optional, called with stage names and fractions */
    void *progress_ctx;
    uint8_t contribution_hash[64]; /* out: blake2b of the new contribution, as snarkjs prints */
    uint8_t cs_hash[64];           /* out: the circuit hash */
} via_setup_options;

VIA_MUST_USE int via_groth16_setup_ex(const char *r1cs_path, const char *ptau_path,
                                      const char *zkey_path, via_setup_options *opt,
                                      via_error *err);

/* Builds the initial key in memory (what snarkjs zkey_new.js writes). On success *z owns its
 * arrays (via_zkey_free); on failure *z is empty. VIA_EINVAL when the circuit does not fit the
 * ptau or the r1cs is over another field, VIA_EFORMAT for malformed files. */
VIA_MUST_USE int via_setup_new_zkey(via_zkey *z, const char *r1cs_path, const char *ptau_path,
                                    via_progress_fn progress, void *progress_ctx, via_error *err);

/* Appends one contribution to a key in memory (any number may already be there) with a secret
 * from getrandom. contribution_hash (may be NULL) receives the 64-byte contribution hash.
 * VIA_EIO when the OS has no randomness to give. */
VIA_MUST_USE int via_setup_contribute(via_zkey *z, const char *name, uint8_t contribution_hash[64],
                                      via_progress_fn progress, void *progress_ctx, via_error *err);
/* The same with caller-chosen secrets, for tests only: delta and the discrete log of g1_s,
 * both canonical integers in [1, r). */
VIA_MUST_USE int via_setup_contribute_with_secret(via_zkey *z, const char *name,
                                                  const uint64_t delta[4], const uint64_t s[4],
                                                  uint8_t contribution_hash[64],
                                                  via_progress_fn progress, void *progress_ctx,
                                                  via_error *err);

/* Memory for the fixed-base tables of the initial key (default and 0: 512 MiB). Bigger
 * circuits are done in blocks of rows that fit, with the same result; smaller limits are for
 * tests. Not thread safe: set it before a setup starts. */
void via_setup_set_table_limit(size_t bytes);

/* pts[i] = k * pts[i] for a secret canonical scalar k in [1, r) (the contribution's 1/delta),
 * in constant time with respect to k; infinity stays infinity. The points must be in G1.
 * VIA_ENOMEM (points then partly scaled) is the only failure. */
VIA_MUST_USE int via_setup_scale_g1(via_g1_affine *pts, size_t n, const uint64_t k[4],
                                    via_error *err);

/* snarkjs keypair.js hashToG2: the G2 point drawn from ffjavascript's ChaCha seeded with the
 * first 32 bytes of digest (big-endian words): x from two rejection-sampled Fq values taken
 * as Montgomery limbs, the root y whose sign bit equals the next drawn bit, then times the G2
 * cofactor. Public data, variable time. */
void via_setup_hash_to_g2(via_g2_affine *out, const uint8_t digest[64]);

/* snarkjs "uncompressed" point encodings hashed into csHash and transcripts: big-endian
 * canonical coordinates (G2: x.c1, x.c0, y.c1, y.c0), all zero for infinity. */
void via_setup_g1_to_u(uint8_t out[64], const via_g1_affine *p);
void via_setup_g2_to_u(uint8_t out[128], const via_g2_affine *p);

/* Writes verification_key.json for a zkey, as `snarkjs zkey export verificationkey` does:
 * protocol, curve, nPublic, vk_alpha_1, vk_beta_2, vk_gamma_2, vk_delta_2, vk_alphabeta_12
 * (snarkjs's Gt convention, docs/sources.md: gt-convention) and IC. */
VIA_MUST_USE int via_export_vk(const char *zkey_path, const char *vk_json_path, via_error *err);

#endif
