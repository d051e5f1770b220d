/*
 * Groth16 proof aggregation: SnarkPack (TIPP for the pairing product of the A and B points,
 * MIPP for the C points, KZG openings of the final commitment keys) with a transcript in the
 * hardened "V2" order, over BN254 and an aggregation SRS (via/srs.h). docs/aggregate.md is
 * the protocol, the transcript and the byte format; this header is the API.
 *
 * n >= 1 proofs under one verifying key are padded to m = max(2, next power of two of n)
 * by repeating the last proof and its public inputs; the transcript binds the verifying key,
 * n, m and every public input of every proof before the first challenge, every round's
 * messages before that round's challenge, and the final A, B, C and keys before the opening
 * point. Verification costs O(log m) GT and group operations plus O(n * inputs) field
 * operations for the public inputs, and all its pairing checks share one Miller loop and one
 * final exponentiation (a random linear combination with verifier-private coefficients).
 */
#ifndef VIA_PROVER_AGGREGATE_H
#define VIA_PROVER_AGGREGATE_H
#include <stddef.h>
#include <stdint.h>

#include "via/gt.h"
#include "via/groth16.h"
#include "via/ipp.h"
#include "via/srs.h"

#define VIA_AGG_VERSION 1
#define VIA_AGG_MAX_PROOFS VIA_SRS_MAX_PROOFS
#define VIA_AGG_MAX_ROUNDS 20

typedef struct {
    via_ipp_commitment tab_l, tab_r; /* pair commitments of the cross terms of (A, B^r) */
    via_ipp_commitment tc_l, tc_r;   /* single commitments of the cross terms of C */
    via_gt zab_l, zab_r;             /* cross pairing products */
    via_g1_affine zc_l, zc_r;        /* cross multi-exponentiations of C */
} via_aggregate_round;

typedef struct {
    uint32_t n;        /* proofs aggregated */
    uint32_t m;        /* padded length: a power of two >= 2 */
    uint32_t n_public; /* public inputs per proof */
    uint32_t rounds;   /* log2 m */
    via_ipp_commitment com_ab, com_c;
    via_gt ip_ab;        /* prod e(A_i, B_i^(r^i)) */
    via_g1_affine agg_c; /* sum r^i C_i */
    via_aggregate_round round[VIA_AGG_MAX_ROUNDS];
    via_g1_affine final_a, final_c;
    via_g2_affine final_b;
    via_g2_affine final_v1, final_v2;
    via_g1_affine final_w1, final_w2;
    via_g2_affine open_v1, open_v2; /* KZG openings of the v keys at z */
    via_g1_affine open_w1, open_w2; /* and of the w keys */
} via_aggregate;

/* Where the G1 and G2 MSMs run (the members of via_groth16_backend that are used: msm_g1,
 * msm_g2; NULL members or a NULL backend mean the CPU); progress as in Groth16 proving. */
typedef struct {
    const via_groth16_backend *backend;
    size_t device_msm_min; /* MSMs below this size stay on the CPU (launch cost); 0: 256 */
    via_progress_fn progress;
    void *progress_ctx;
} via_aggregate_opts;

/* m for n proofs (0 when n is 0 or above VIA_AGG_MAX_PROOFS). */
uint32_t via_aggregate_padded(size_t n);

/* Aggregates proofs[0..n) with public inputs pubs[i][0..vk->n_public). The SRS must be a full
 * one (not the verifier's part) serving at least m proofs. The proofs are not checked here
 * (an invalid proof gives an aggregate that does not verify): callers that want to name a
 * bad proof verify them first (via_groth16_verify_batch). VIA_EINVAL for n, the SRS or a
 * public input >= r; VIA_ENOMEM; a backend's error. */
VIA_MUST_USE int via_aggregate_prove(via_aggregate *out, const via_srs *srs,
                                     const via_groth16_vk *vk, const via_groth16_proof *proofs,
                                     const via_scalar *const *pubs, size_t n,
                                     const via_aggregate_opts *opts, via_error *err);

/* Verifies an aggregate of n proofs with public inputs pubs[i][0..vk->n_public) against a
 * full SRS or its verifier part. Checks the sizes (n, m, the rounds, the SRS's capacity),
 * the public inputs (< r), every G1 point on the curve and every G2 point on the twist and
 * in the subgroup; GT elements are trusted to be in GT (via_aggregate_decode checks them).
 * VIA_OK when valid, VIA_EVERIFY when not (the message says which check), another code
 * (EINVAL) for unusable input. */
VIA_MUST_USE int via_aggregate_verify(const via_srs *srs, const via_groth16_vk *vk,
                                      const via_scalar *const *pubs, size_t n,
                                      const via_aggregate *agg, via_error *err);

/* The byte format (docs/aggregate.md): its exact size for n proofs (0 when n is out of
 * range), encoding, and a bounded decoder that checks the size against n before reading,
 * every coordinate below q, every point on its curve (G2 in the subgroup) and every GT
 * element in GT (compressed, 192 bytes each). Decoding errors are VIA_EFORMAT naming the
 * element (e.g. "round 3 tab_l.t"). */
size_t via_aggregate_size(uint32_t n);
VIA_MUST_USE int via_aggregate_encode(uint8_t **out, size_t *len, const via_aggregate *agg,
                                      via_error *err);
VIA_MUST_USE int via_aggregate_decode(via_aggregate *out, const char *name, const uint8_t *data,
                                      size_t len, via_error *err);
VIA_MUST_USE int via_aggregate_write(const via_aggregate *agg, const char *path, via_error *err);
VIA_MUST_USE int via_aggregate_read(via_aggregate *out, const char *path, via_error *err);
#endif
