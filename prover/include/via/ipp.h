/*
 * The commitments of SnarkPack's inner-pairing-product arguments (docs/sources.md), over the
 * keys of an aggregation SRS (via/srs.h) for n proofs:
 *   v = (v1, v2) with v1_i = h^(a^i), v2_i = h^(b^i)          (G2, i < n)
 *   w = (w1, w2) with w1_i = g^(a^(n+i)), w2_i = g^(b^(n+i))  (G1, i < n)
 * where n is the length of the committed vectors (the w powers are shifted by it, so v and
 * w use disjoint powers and a KZG opening of w spans 2n powers).
 * Pair commitment of (A in G1^n, B in G2^n):
 *   T = prod e(A_i, v1_i) e(w1_i, B_i),  U = prod e(A_i, v2_i) e(w2_i, B_i)
 * Single commitment of C in G1^n:
 *   T = prod e(C_i, v1_i),  U = prod e(C_i, v2_i)
 * Each output is a pair of GT elements; each is one multi-pairing (shared Miller loops, one
 * final exponentiation per output), multi-threaded.
 */
#ifndef VIA_PROVER_IPP_H
#define VIA_PROVER_IPP_H
#include <stddef.h>

#include "via/gt.h"
#include "via/srs.h"

typedef struct {
    via_gt t, u;
} via_ipp_commitment;

/* n must be at most the SRS's n and a full SRS (not the verifier part). VIA_EINVAL
 * otherwise; VIA_ENOMEM when the pairing inputs cannot be allocated. */
VIA_MUST_USE int via_ipp_commit_pair(via_ipp_commitment *out, const via_srs *srs,
                                     const via_g1_affine *a, const via_g2_affine *b, size_t n,
                                     via_error *err);
VIA_MUST_USE int via_ipp_commit_single(via_ipp_commitment *out, const via_srs *srs,
                                       const via_g1_affine *c, size_t n, via_error *err);

/* The same over explicit keys of length n (the folded keys of the GIPA rounds). */
VIA_MUST_USE int via_ipp_pair_keys(via_ipp_commitment *out, const via_g2_affine *v1,
                                   const via_g2_affine *v2, const via_g1_affine *w1,
                                   const via_g1_affine *w2, const via_g1_affine *a,
                                   const via_g2_affine *b, size_t n, via_error *err);
void via_ipp_single_keys(via_ipp_commitment *out, const via_g2_affine *v1, const via_g2_affine *v2,
                         const via_g1_affine *c, size_t n);
#endif
