/*
 * BabyJubJub: the twisted Edwards curve  a*x^2 + y^2 = 1 + d*x^2*y^2  over the BN254 scalar
 * field Fr, a = 168700, d = 168696 (circomlib / circomlibjs babyjub.js; EIP-2494).
 *
 * The group has order 8*l with l (prime) = VIA_BABYJUB_L below. Base8 = 8*G generates the
 * prime-order subgroup; keys and signatures live there. a is a square and d is not, so the
 * addition law used here is complete: one formula for every pair of points, including
 * doubling and the identity (0, 1), with no exceptional cases and no branches.
 *
 * Points at this interface are affine (x, y) with both coordinates in Montgomery form.
 * Scalars are 4x64-bit little-endian limbs of a plain integer (< 2^256, not reduced).
 * Functions without _var run in time independent of point and scalar values; _var ones may
 * branch on their inputs and must see public data only.
 */
#ifndef VIA_PROVER_BABYJUB_H
#define VIA_PROVER_BABYJUB_H

#include <stdint.h>

#include "via/status.h"
#include "via/field.h"

typedef struct {
    via_fr x, y;
} via_babyjub_point;

/* l = 2736030358979909402780800718157159386076813972158567259200215660948447373041 */
extern const uint64_t via_babyjub_l[4];

void via_babyjub_identity(via_babyjub_point *r);
/* G = (995203441582195749578291179787384436505546430278305826713579947235728471134,
 *      5472060717959818805561601436314318772137091100104008585924551046643952123905) */
void via_babyjub_generator(via_babyjub_point *r);
/* Base8 = 8*G (5299619240641551281634865583518297030282874472190772894086521144482721001553,
 *              16950150798460657717958625567821834550301663161624707787222815936182638968203) */
void via_babyjub_base8(via_babyjub_point *r);

/* 1 when p satisfies the curve equation, else 0. */
int via_babyjub_on_curve(const via_babyjub_point *p);
/* 1 when p is on the curve and l*p is the identity (p is in the Base8 subgroup). */
int via_babyjub_in_subgroup_var(const via_babyjub_point *p);
/* 1 when p == q. */
int via_babyjub_eq(const via_babyjub_point *p, const via_babyjub_point *q);

/* r = p + q and r = 2p for points on the curve (r may alias p or q). */
void via_babyjub_add(via_babyjub_point *r, const via_babyjub_point *p, const via_babyjub_point *q);
void via_babyjub_double(via_babyjub_point *r, const via_babyjub_point *p);

/* r = k*p, constant time in k and p (always 256 doublings and 256 additions). */
void via_babyjub_mul(via_babyjub_point *r, const via_babyjub_point *p, const uint64_t k[4]);
/* r = k*p, variable time (public k and p: signature verification). */
void via_babyjub_mul_var(via_babyjub_point *r, const via_babyjub_point *p, const uint64_t k[4]);

/* circomlibjs packPoint: y as 32 bytes little-endian, bit 255 set when x > (r-1)/2. */
/* Projective points (x = X/Z, y = Y/Z) for computations that must avoid inversions (EdDSA
 * verification). Variable-time where named _var; outputs may alias inputs. */
typedef struct {
    via_fr x, y, z;
} via_babyjub_proj;
void via_babyjub_proj_from_affine(via_babyjub_proj *r, const via_babyjub_point *p);
void via_babyjub_proj_add(via_babyjub_proj *r, const via_babyjub_proj *p,
                          const via_babyjub_proj *q);
void via_babyjub_proj_dbl(via_babyjub_proj *r, const via_babyjub_proj *p);
void via_babyjub_proj_mul_var(via_babyjub_proj *r, const via_babyjub_proj *p, const uint64_t k[4]);
/* r = k * Base8 from a table of multiples built on first use (96 KiB); variable time. */
void via_babyjub_proj_mul_base8_var(via_babyjub_proj *r, const uint64_t k[4]);
/* 1 when p and q are the same point (X1 Z2 = X2 Z1 and Y1 Z2 = Y2 Z1; Z never 0 for points of
 * the curve, the formulas being complete). */
int via_babyjub_proj_eq(const via_babyjub_proj *p, const via_babyjub_proj *q);

void via_babyjub_pack(uint8_t out[32], const via_babyjub_point *p);
/* Inverse of via_babyjub_pack. Returns VIA_OK, or VIA_EFORMAT (r cleared, message in err)
 * when y >= r, when no x satisfies the curve equation for y, or when the sign bit is set
 * for x = 0 (a non-canonical encoding that pack never produces). The result is on the curve
 * but may lie outside the Base8 subgroup; check with via_babyjub_in_subgroup_var. */
int via_babyjub_unpack_var(via_babyjub_point *r, const uint8_t in[32], via_error *err) VIA_MUST_USE;

/* ---- scalars modulo l (constant time) ---- */

/* out = (512-bit little-endian integer in[0..7]) mod l. */
void via_babyjub_scalar_reduce512(uint64_t out[4], const uint64_t in[8]);
/* out = (a + b*c) mod l for a, b, c < 2^256. */
void via_babyjub_scalar_muladd(uint64_t out[4], const uint64_t a[4], const uint64_t b[4],
                               const uint64_t c[4]);

#endif
