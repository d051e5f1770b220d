/* G1 (y^2 = x^3 + 3 over Fq) and G2 (y^2 = x^3 + 3/xi over Fq2): the Jacobian formulas live
 * once in curve_impl.h and are instantiated here for both groups; this file adds the
 * generators, the LEM encoding and the G2 subgroup check. */
#include "via/curve.h"

/* ---- G1 ---- */
#define G_(name) via_g1_##name
#define PT via_g1
#define AFF via_g1_affine
#define FE via_fq
#define FE_ADD via_fq_add
#define FE_SUB via_fq_sub
#define FE_DBL via_fq_dbl
#define FE_MUL via_fq_mul
#define FE_SQR via_fq_sqr
#define FE_NEG via_fq_neg
#define FE_INV via_fq_inv
#define FE_CMOV via_fq_cmov
#define FE_ISZERO via_fq_is_zero
#define FE_EQ via_fq_eq
#define FE_ONE via_fq_set_one
#define FE_ZERO via_fq_set_zero
#define CURVE_B() (&via_tower_get()->g1_b)
#include "curve_impl.h"
#undef G_
#undef PT
#undef AFF
#undef FE
#undef FE_ADD
#undef FE_SUB
#undef FE_DBL
#undef FE_MUL
#undef FE_SQR
#undef FE_NEG
#undef FE_INV
#undef FE_CMOV
#undef FE_ISZERO
#undef FE_EQ
#undef FE_ONE
#undef FE_ZERO
#undef CURVE_B

/* ---- G2 ---- */
#define G_(name) via_g2_##name
#define PT via_g2
#define AFF via_g2_affine
#define FE via_fq2
#define FE_ADD via_fq2_add
#define FE_SUB via_fq2_sub
#define FE_DBL via_fq2_dbl
#define FE_MUL via_fq2_mul
#define FE_SQR via_fq2_sqr
#define FE_NEG via_fq2_neg
#define FE_INV via_fq2_inv
#define FE_CMOV via_fq2_cmov
#define FE_ISZERO via_fq2_is_zero
#define FE_EQ via_fq2_eq
#define FE_ONE via_fq2_set_one
#define FE_ZERO via_fq2_set_zero
#define CURVE_B() (&via_tower_get()->twist_b)
#include "curve_impl.h"

/* ---- generators ---- */
void via_g1_generator(via_g1_affine *r) {
    via_fq_set_u64(&r->x, 1);
    via_fq_set_u64(&r->y, 2);
}

void via_g2_generator(via_g2_affine *r) {
    /* docs/sources.md: bn254 (the EIP-197 / snarkjs generator) */
    static const char *const dec[4] = {
        "10857046999023057135944570762232829481370756359578518086990519993285655852781",
        "11559732032986387107991004021392285783925812861821192530917403151452391805634",
        "8495653923123431417604973247489272438418190587263600148770280649306958101930",
        "4082367875863433681332203403145435568316851327593401208105741076214120093531"};
    int rc = via_fq_from_decimal(&r->x.c0, dec[0]) | via_fq_from_decimal(&r->x.c1, dec[1]) |
             via_fq_from_decimal(&r->y.c0, dec[2]) | via_fq_from_decimal(&r->y.c1, dec[3]);
    (void)rc; /* constant strings, all < q */
}

/* ---- LEM encoding ---- */
static int fq_from_lem(via_fq *r, const uint8_t in[32]) {
    uint64_t t[4];
    via_limbs_from_bytes_le(t, in);
    if (!via_limbs_lt(t, via_fq_mod.p)) return -1;
    memcpy(r->l, t, 32);
    return 0;
}

int via_g1_from_lem(via_g1_affine *r, const uint8_t in[64]) {
    via_g1_affine t;
    if (fq_from_lem(&t.x, in) || fq_from_lem(&t.y, in + 32)) {
        memset(r, 0, sizeof *r);
        return -1;
    }
    *r = t;
    return 0;
}

void via_g1_to_lem(uint8_t out[64], const via_g1_affine *p) {
    via_limbs_to_bytes_le(out, p->x.l);
    via_limbs_to_bytes_le(out + 32, p->y.l);
}

int via_g2_from_lem(via_g2_affine *r, const uint8_t in[128]) {
    via_g2_affine t;
    if (fq_from_lem(&t.x.c0, in) || fq_from_lem(&t.x.c1, in + 32) ||
        fq_from_lem(&t.y.c0, in + 64) || fq_from_lem(&t.y.c1, in + 96)) {
        memset(r, 0, sizeof *r);
        return -1;
    }
    *r = t;
    return 0;
}

void via_g2_to_lem(uint8_t out[128], const via_g2_affine *p) {
    via_limbs_to_bytes_le(out, p->x.c0.l);
    via_limbs_to_bytes_le(out + 32, p->x.c1.l);
    via_limbs_to_bytes_le(out + 64, p->y.c0.l);
    via_limbs_to_bytes_le(out + 96, p->y.c1.l);
}

/* ---- G2 subgroup ---- */

/* psi = untwist-Frobenius-twist: (x, y) -> (conj(x) xi^((p-1)/3), conj(y) xi^((p-1)/2)), in
 * Jacobian coordinates with Z conjugated (x = X/Z^2). */
static void g2_psi(via_g2 *r, const via_g2 *p) {
    const via_tower_consts *k = via_tower_get();
    via_fq2_conj(&r->x, &p->x);
    via_fq2_mul(&r->x, &r->x, &k->g1[2]);
    via_fq2_conj(&r->y, &p->y);
    via_fq2_mul(&r->y, &r->y, &k->g1[3]);
    via_fq2_conj(&r->z, &p->z);
}

int via_g2_affine_in_subgroup_by_order_var(const via_g2_affine *p) {
    if (via_g2_affine_is_inf(p)) return 1;
    via_g2 j, t;
    via_g2_from_affine(&j, p);
    via_g2_mul_var(&t, &j, via_fr_mod.p);
    return via_g2_is_inf(&t);
}

int via_g2_affine_in_subgroup(const via_g2_affine *p) {
    /* El Housni, Guillevic, Piellard, "Co-factor clearing and subgroup membership testing on
     * pairing-friendly curves" (ePrint 2022/352), BN case: for Q on the twist,
     * Q in G2 iff [u+1]Q + psi([u]Q) + psi^2([u]Q) = psi^3([2u]Q). One 63-bit
     * multiplication instead of a 254-bit one; test_curve checks it against
     * via_g2_affine_in_subgroup_by_order_var. */
    if (via_g2_affine_is_inf(p)) return 1;
    const uint64_t u[4] = {0x44e992b44a6909f1ULL, 0, 0, 0};
    via_g2 q, uq, lhs, rhs, t;
    via_g2_from_affine(&q, p);
    via_g2_mul_var(&uq, &q, u);
    via_g2_add(&lhs, &uq, &q);
    g2_psi(&t, &uq);
    via_g2_add(&lhs, &lhs, &t);
    g2_psi(&t, &t);
    via_g2_add(&lhs, &lhs, &t);
    via_g2_dbl(&rhs, &uq);
    g2_psi(&rhs, &rhs);
    g2_psi(&rhs, &rhs);
    g2_psi(&rhs, &rhs);
    return via_g2_eq(&lhs, &rhs);
}
