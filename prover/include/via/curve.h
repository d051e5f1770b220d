/*
 * BN254 extension fields, G1 (y^2 = x^3 + 3 over Fq), G2 (the D-type sextic twist over Fq2),
 * and the optimal ate pairing.
 *
 * Coordinates are Montgomery-form field elements. Affine points carry an explicit
 * infinity flag; Jacobian points use Z = 0 for infinity. Tower: Fq2 = Fq[i]/(i^2+1),
 * Fq6 = Fq2[v]/(v^3 - (9+i)), Fq12 = Fq6[w]/(w^2 - v) (docs/sources.md: bn254).
 *
 * The snarkjs/zkey "LEM" encoding of points: affine x then y, each Fq element 32 bytes LE in
 * Montgomery form, G2 as x.c0, x.c1, y.c0, y.c1; all-zero bytes is the point at infinity.
 */
#ifndef VIA_PROVER_CURVE_H
#define VIA_PROVER_CURVE_H

#include "via/field.h"

typedef struct {
    via_fq c0, c1;
} via_fq2;
typedef struct {
    via_fq2 c0, c1, c2;
} via_fq6;
typedef struct {
    via_fq6 c0, c1;
} via_fq12;

/* The Fq2 operations that sit in MSM and curve inner loops are inline, like the Fq ones.
 * Outputs may alias inputs. */
static inline void via_fq2_add(via_fq2 *r, const via_fq2 *a, const via_fq2 *b) {
    via_fq_add(&r->c0, &a->c0, &b->c0);
    via_fq_add(&r->c1, &a->c1, &b->c1);
}
static inline void via_fq2_sub(via_fq2 *r, const via_fq2 *a, const via_fq2 *b) {
    via_fq_sub(&r->c0, &a->c0, &b->c0);
    via_fq_sub(&r->c1, &a->c1, &b->c1);
}
static inline void via_fq2_dbl(via_fq2 *r, const via_fq2 *a) {
    via_fq_dbl(&r->c0, &a->c0);
    via_fq_dbl(&r->c1, &a->c1);
}
static inline void via_fq2_neg(via_fq2 *r, const via_fq2 *a) {
    via_fq_neg(&r->c0, &a->c0);
    via_fq_neg(&r->c1, &a->c1);
}
static inline void via_fq2_mul(via_fq2 *r, const via_fq2 *a, const via_fq2 *b) {
    /* (a0 + a1 i)(b0 + b1 i) = a0b0 - a1b1 + ((a0+a1)(b0+b1) - a0b0 - a1b1) i */
    via_fq t0, t1, s0, s1;
    via_fq_mul(&t0, &a->c0, &b->c0);
    via_fq_mul(&t1, &a->c1, &b->c1);
    via_fq_add(&s0, &a->c0, &a->c1);
    via_fq_add(&s1, &b->c0, &b->c1);
    via_fq_mul(&s0, &s0, &s1);
    via_fq_sub(&r->c0, &t0, &t1);
    via_fq_sub(&s0, &s0, &t0);
    via_fq_sub(&r->c1, &s0, &t1);
}
static inline void via_fq2_sqr(via_fq2 *r, const via_fq2 *a) {
    /* (a0 + a1 i)^2 = (a0+a1)(a0-a1) + 2 a0 a1 i */
    via_fq s, d, m;
    via_fq_add(&s, &a->c0, &a->c1);
    via_fq_sub(&d, &a->c0, &a->c1);
    via_fq_mul(&m, &a->c0, &a->c1);
    via_fq_mul(&r->c0, &s, &d);
    via_fq_dbl(&r->c1, &m);
}
static inline int via_fq2_is_zero(const via_fq2 *a) {
    return via_fq_is_zero(&a->c0) & via_fq_is_zero(&a->c1);
}
static inline int via_fq2_eq(const via_fq2 *a, const via_fq2 *b) {
    return via_fq_eq(&a->c0, &b->c0) & via_fq_eq(&a->c1, &b->c1);
}
static inline void via_fq2_set_zero(via_fq2 *r) {
    memset(r, 0, sizeof *r);
}
static inline void via_fq2_set_one(via_fq2 *r) {
    via_fq_set_one(&r->c0);
    via_fq_set_zero(&r->c1);
}

/* Affine points have exactly the LEM memory layout (x then y, Montgomery LE limbs on a
 * little-endian host), so key sections read from a file are usable in place. Infinity is
 * x = y = 0, which is on neither curve. */
typedef struct {
    via_fq x, y;
} via_g1_affine;
typedef struct {
    via_fq x, y, z;
} via_g1;
_Static_assert(sizeof(via_g1_affine) == 64, "G1 affine must match the 64-byte LEM layout");
typedef struct {
    via_fq2 x, y;
} via_g2_affine;
typedef struct {
    via_fq2 x, y, z;
} via_g2;
_Static_assert(sizeof(via_g2_affine) == 128, "G2 affine must match the 128-byte LEM layout");

int via_g1_affine_is_inf(const via_g1_affine *p);
int via_g2_affine_is_inf(const via_g2_affine *p);

/* ---- Fq2 / Fq6 / Fq12 ---- */
void via_fq2_inv(via_fq2 *r, const via_fq2 *a);
/* Square root, either of the two; -1 (r untouched) when a is not a square. */
int via_fq2_sqrt_var(via_fq2 *r, const via_fq2 *a);
void via_fq2_conj(via_fq2 *r, const via_fq2 *a);
void via_fq2_mul_fq(via_fq2 *r, const via_fq2 *a, const via_fq *b);
/* r = a * xi, xi = 9 + i */
void via_fq2_mul_xi(via_fq2 *r, const via_fq2 *a);
/* Constant-time select: r = flag ? b : a (flag is 0 or 1). */
void via_fq2_cmov(via_fq2 *r, const via_fq2 *a, const via_fq2 *b, uint64_t flag);
void via_fq2_pow_var(via_fq2 *r, const via_fq2 *a, const uint64_t *e, size_t nlimbs);

void via_fq6_add(via_fq6 *r, const via_fq6 *a, const via_fq6 *b);
void via_fq6_sub(via_fq6 *r, const via_fq6 *a, const via_fq6 *b);
void via_fq6_neg(via_fq6 *r, const via_fq6 *a);
void via_fq6_mul(via_fq6 *r, const via_fq6 *a, const via_fq6 *b);
void via_fq6_sqr(via_fq6 *r, const via_fq6 *a);
void via_fq6_inv(via_fq6 *r, const via_fq6 *a);
/* r = a * v */
void via_fq6_mul_v(via_fq6 *r, const via_fq6 *a);

void via_fq12_set_one(via_fq12 *r);
int via_fq12_is_one(const via_fq12 *a);
int via_fq12_eq(const via_fq12 *a, const via_fq12 *b);
void via_fq12_mul(via_fq12 *r, const via_fq12 *a, const via_fq12 *b);
void via_fq12_sqr(via_fq12 *r, const via_fq12 *a);
void via_fq12_inv(via_fq12 *r, const via_fq12 *a);
/* r = a^(p^6): the inverse for elements of the cyclotomic subgroup (pairing outputs). */
void via_fq12_conj(via_fq12 *r, const via_fq12 *a);
/* r = a^2 for a in the cyclotomic subgroup (a^(p^6+1) = 1, e.g. after the easy part of the
 * final exponentiation); wrong for other elements. Granger-Scott, about half a via_fq12_sqr. */
void via_fq12_cyclotomic_sqr(via_fq12 *r, const via_fq12 *a);
/* r = a^(p^power), power in 1..3. */
void via_fq12_frobenius(via_fq12 *r, const via_fq12 *a, int power);
/* f *= a + (b + c v) w, the sparse shape of a Miller-loop line. */
void via_fq12_mul_by_line(via_fq12 *f, const via_fq2 *a, const via_fq2 *b, const via_fq2 *c);
/* r = a^e for a little-endian limb exponent of nlimbs 64-bit words. */
void via_fq12_pow_var(via_fq12 *r, const via_fq12 *a, const uint64_t *e, size_t nlimbs);

/* ---- G1 ----
 * Group law in Jacobian coordinates (dbl-2009-l, add-2007-bl, madd-2007-bl). dbl, neg and the
 * conversions are branch free; add and add_mixed branch on infinity and on P = +-Q, which is
 * fine for public points (MSM, verification) but not for secret ones: secret scalars go
 * through via_g1_mul / via_g2_mul and secret points through via_g1_add_ct / via_g2_add_ct,
 * which select every case with masks.
 * Outputs may alias inputs everywhere except in batch_to_affine. */
void via_g1_generator(via_g1_affine *r);
void via_g1_set_inf(via_g1 *r);
int via_g1_is_inf(const via_g1 *p);
void via_g1_from_affine(via_g1 *r, const via_g1_affine *a);
void via_g1_to_affine(via_g1_affine *r, const via_g1 *p);
/* Batch conversion with one inversion; infinity (Z = 0) becomes x = y = 0. r must not
 * alias p. */
void via_g1_batch_to_affine(via_g1_affine *r, const via_g1 *p, size_t n);
void via_g1_dbl(via_g1 *r, const via_g1 *p);
void via_g1_add(via_g1 *r, const via_g1 *p, const via_g1 *q);
void via_g1_add_mixed(via_g1 *r, const via_g1 *p, const via_g1_affine *q);
void via_g1_neg(via_g1 *r, const via_g1 *p);
void via_g1_affine_neg(via_g1_affine *r, const via_g1_affine *p);
int via_g1_eq(const via_g1 *p, const via_g1 *q);
int via_g1_affine_eq(const via_g1_affine *p, const via_g1_affine *q);
int via_g1_affine_on_curve(const via_g1_affine *p); /* infinity counts as on the curve */
/* Scalar multiplication by a canonical (non-Montgomery) 256-bit scalar. The plain version is
 * constant time (for r, s and other secrets); _var may branch on the scalar. */
void via_g1_mul(via_g1 *r, const via_g1 *p, const uint64_t k[4]);
/* Complete addition without a data-dependent branch (every case computed, the result
 * selected with masks): for points that depend on secrets. */
void via_g1_add_ct(via_g1 *r, const via_g1 *p, const via_g1 *q);
void via_g1_mul_var(via_g1 *r, const via_g1 *p, const uint64_t k[4]);

/* ---- G2 (same conventions as G1) ---- */
void via_g2_generator(via_g2_affine *r);
void via_g2_set_inf(via_g2 *r);
int via_g2_is_inf(const via_g2 *p);
void via_g2_from_affine(via_g2 *r, const via_g2_affine *a);
void via_g2_to_affine(via_g2_affine *r, const via_g2 *p);
void via_g2_batch_to_affine(via_g2_affine *r, const via_g2 *p, size_t n);
void via_g2_dbl(via_g2 *r, const via_g2 *p);
void via_g2_add(via_g2 *r, const via_g2 *p, const via_g2 *q);
void via_g2_add_mixed(via_g2 *r, const via_g2 *p, const via_g2_affine *q);
void via_g2_neg(via_g2 *r, const via_g2 *p);
void via_g2_affine_neg(via_g2_affine *r, const via_g2_affine *p);
int via_g2_eq(const via_g2 *p, const via_g2 *q);
int via_g2_affine_eq(const via_g2_affine *p, const via_g2_affine *q);
int via_g2_affine_on_curve(const via_g2_affine *p);
/* Subgroup membership (order r) for a point already known to be on the twist, by the psi
 * endomorphism test of ePrint 2022/352 (one 63-bit multiplication). Infinity is a member. */
int via_g2_affine_in_subgroup(const via_g2_affine *p);
/* The same answer by checking [r]P = O directly (slower; a reference for tests). */
int via_g2_affine_in_subgroup_by_order_var(const via_g2_affine *p);
void via_g2_mul(via_g2 *r, const via_g2 *p, const uint64_t k[4]);
void via_g2_add_ct(via_g2 *r, const via_g2 *p, const via_g2 *q);
void via_g2_mul_var(via_g2 *r, const via_g2 *p, const uint64_t k[4]);

/* ---- LEM encoding (zkey/ptau): Montgomery LE coordinates, all zero = infinity ---- */
/* Decoding checks that each coordinate is < q (returns -1 and clears r otherwise); it does
 * not check the curve equation or the subgroup: callers reading untrusted keys use
 * via_g1_affine_on_curve / via_g2_affine_on_curve / via_g2_affine_in_subgroup. */
int via_g1_from_lem(via_g1_affine *r, const uint8_t in[64]);
void via_g1_to_lem(uint8_t out[64], const via_g1_affine *p);
int via_g2_from_lem(via_g2_affine *r, const uint8_t in[128]);
void via_g2_to_lem(uint8_t out[128], const via_g2_affine *p);

/* ---- pairing ---- */
/* Product of e(P_i, Q_i): optimal ate Miller loop shared by all pairs, one final
 * exponentiation with exponent exactly (p^12-1)/r. Pairs with an infinity are skipped (n = 0
 * gives 1). Inputs must be on their curves and Q_i in G2; nothing is checked here. Variable
 * time (inputs are public). */
void via_pairing_multi(via_fq12 *r, const via_g1_affine *p, const via_g2_affine *q, size_t n);
/* Its two halves, for checks that share one final exponentiation: the product of the Miller
 * functions of the pairs (multi-threaded over slices of them), and the final exponentiation
 * f^((p^12 - 1)/r), which maps it into the order-r subgroup GT. */
void via_miller_loop_multi(via_fq12 *r, const via_g1_affine *p, const via_g2_affine *q, size_t n);
void via_final_exp(via_fq12 *r, const via_fq12 *f);
/* 1 when prod e(P_i, Q_i) == 1. */
int via_pairing_check(const via_g1_affine *p, const via_g2_affine *q, size_t n);
/* The Gt value snarkjs writes as vk_alphabeta_12: e(P, Q)^(2u(6u^2+3u+1))
 * (docs/sources.md: gt-convention). */
void via_pairing_snarkjs_gt(via_fq12 *r, const via_g1_affine *p, const via_g2_affine *q);

/* ---- internal: constants derived once from xi (thread-safe, computed at first use) ---- */
typedef struct {
    via_fq g1_b;     /* 3 */
    via_fq2 twist_b; /* b' = 3/xi */
    via_fq2 g1[6];   /* g1[k] = xi^(k(p-1)/6) */
    via_fq2 g2[6];   /* g2[k] = xi^(k(p^2-1)/6), in Fq */
    via_fq2 g3[6];   /* g3[k] = xi^(k(p^3-1)/6) */
} via_tower_consts;
const via_tower_consts *via_tower_get(void);

#endif
