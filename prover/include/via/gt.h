/*
 * GT, the order-r subgroup of Fq12* that pairings land in, as proof aggregation needs it:
 * products, exponentiation, equality, a canonical byte encoding for transcripts and files,
 * and a decoder that accepts only elements of GT.
 *
 * Encoding (VIA_GT_BYTES = 384): the twelve Fq coefficients in tower order
 *   c0.c0.c0, c0.c0.c1, c0.c1.c0, c0.c1.c1, c0.c2.c0, c0.c2.c1,
 *   c1.c0.c0, c1.c0.c1, c1.c1.c0, c1.c1.c1, c1.c2.c0, c1.c2.c1
 * (Fq12 = c0 + c1 w, Fq6 = c0 + c1 v + c2 v^2, Fq2 = c0 + c1 i), each the canonical integer
 * (not Montgomery form) as 32 bytes big-endian. One element, one encoding: a coefficient
 * >= q is refused, so two byte strings never decode to the same element.
 *
 * Every element that comes from outside (a file, a peer) goes through via_gt_decode, which
 * checks it is in GT (a^r = 1): a value outside the subgroup can make a pairing-product
 * argument accept what it should not.
 */
#ifndef VIA_PROVER_GT_H
#define VIA_PROVER_GT_H
#include <stddef.h>
#include <stdint.h>

#include "via/curve.h"
#include "via/msm.h"
#include "via/status.h"

#define VIA_GT_BYTES 384
/* Compressed encoding (VIA_GT_COMPRESSED_BYTES = 192), for files: an element a = a0 + a1 w of
 * GT other than 1 has a1 != 0 and is determined by c = (1 + a0) / a1 in Fq6 (the torus T2
 * representation: a = (c + w) / (c - w)). The six Fq coefficients of c in tower order
 * (c0.c0, c0.c1, c1.c0, c1.c1, c2.c0, c2.c1), canonical, 32 bytes big-endian each; the
 * identity is 0x80 followed by 191 zero bytes (q < 2^254 leaves the two top bits free: every
 * other use of them is refused). */
#define VIA_GT_COMPRESSED_BYTES 192

typedef via_fq12 via_gt;

void via_gt_set_one(via_gt *r);
int via_gt_is_one(const via_gt *a);
int via_gt_eq(const via_gt *a, const via_gt *b);
void via_gt_mul(via_gt *r, const via_gt *a, const via_gt *b);
/* a^-1: the conjugate, for elements of GT. */
void via_gt_inv(via_gt *r, const via_gt *a);
/* r = a^k for a in GT and a canonical scalar k (any 256-bit value; reduced mod r by the
 * group order). Cyclotomic squarings, variable time: GT elements in aggregation are public. */
void via_gt_pow_var(via_gt *r, const via_gt *a, const via_scalar *k);
/* 1 when a is in GT, the order-r subgroup. For BN curves p - 6u^2 = r exactly, so for a in
 * the cyclotomic subgroup (checked first: a != 0 and a^(p^4) a = a^(p^2)) a^r = 1 is the
 * same as a^p = a^(6u^2): two Frobenius maps and two 63-bit exponentiations by cyclotomic
 * squarings, about a fifth of the direct test. */
int via_gt_in_subgroup(const via_fq12 *a);
/* The direct test a^r = 1 (a general exponentiation): the reference for tests. */
int via_gt_in_subgroup_by_order(const via_fq12 *a);
/* r = prod bases[i]^k[i] for elements of GT and canonical scalars (variable time; Straus with
 * signed 5-bit windows, the inverse being free in GT), the bases split over the worker
 * threads. n = 0 gives 1. */
void via_gt_multi_pow_var(via_gt *r, const via_gt *bases, const via_scalar *k, size_t n);

void via_gt_encode(uint8_t out[VIA_GT_BYTES], const via_gt *a);
/* Decodes and validates: VIA_EFORMAT naming the coefficient that is not below q, or saying the
 * element is not in GT (what names the value, e.g. "aggregate: tipp.z_ab"). */
VIA_MUST_USE int via_gt_decode(via_gt *out, const uint8_t in[VIA_GT_BYTES], const char *what,
                               via_error *err);

void via_gt_compress(uint8_t out[VIA_GT_COMPRESSED_BYTES], const via_gt *a);
/* Decompresses and validates (canonical coefficients, flags, membership in GT): VIA_EFORMAT
 * naming `what` and the problem. */
VIA_MUST_USE int via_gt_decompress(via_gt *out, const uint8_t in[VIA_GT_COMPRESSED_BYTES],
                                   const char *what, via_error *err);

/* e(p[0], q[0]) * ... * e(p[n-1], q[n-1]) in GT (via_pairing_multi). */
void via_gt_pairing(via_gt *r, const via_g1_affine *p, const via_g2_affine *q, size_t n);
#endif
