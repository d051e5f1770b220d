/* GT: products, exponentiation, the canonical encoding and validation; see via/gt.h. */
#include "via/gt.h"

#include <string.h>

void via_gt_set_one(via_gt *r) {
    via_fq12_set_one(r);
}
int via_gt_is_one(const via_gt *a) {
    return via_fq12_is_one(a);
}
int via_gt_eq(const via_gt *a, const via_gt *b) {
    return via_fq12_eq(a, b);
}
void via_gt_mul(via_gt *r, const via_gt *a, const via_gt *b) {
    via_fq12_mul(r, a, b);
}
void via_gt_inv(via_gt *r, const via_gt *a) {
    via_fq12_conj(r, a);
}

void via_gt_pow_var(via_gt *r, const via_gt *a, const via_scalar *k) {
    via_gt acc, base = *a;
    via_fq12_set_one(&acc);
    int started = 0;
    for (int i = 255; i >= 0; i--) {
        if (started) via_fq12_cyclotomic_sqr(&acc, &acc);
        if ((k->l[i / 64] >> (i % 64)) & 1) {
            via_fq12_mul(&acc, &acc, &base);
            started = 1;
        }
    }
    *r = acc;
}

int via_gt_in_subgroup(const via_fq12 *a) {
    /* general exponentiation (not the cyclotomic shortcut: a is not known to be cyclotomic) */
    via_fq12 t;
    via_fq12_pow_var(&t, a, via_fr_mod.p, 4);
    return via_fq12_is_one(&t);
}

/* The twelve coefficients in tower order. */
static const via_fq *coef(const via_fq12 *a, int i) {
    const via_fq6 *h = i < 6 ? &a->c0 : &a->c1;
    int j = i % 6;
    const via_fq2 *q = j < 2 ? &h->c0 : j < 4 ? &h->c1 : &h->c2;
    return j % 2 ? &q->c1 : &q->c0;
}

void via_gt_encode(uint8_t out[VIA_GT_BYTES], const via_gt *a) {
    for (int i = 0; i < 12; i++)
        via_fq_to_bytes_be(out + 32 * i, coef(a, i));
}

int via_gt_decode(via_gt *out, const uint8_t in[VIA_GT_BYTES], const char *what, via_error *err) {
    via_fq12 a;
    memset(&a, 0, sizeof a);
    static const char *const names[12] = {"c0.c0.c0", "c0.c0.c1", "c0.c1.c0", "c0.c1.c1",
                                          "c0.c2.c0", "c0.c2.c1", "c1.c0.c0", "c1.c0.c1",
                                          "c1.c1.c0", "c1.c1.c1", "c1.c2.c0", "c1.c2.c1"};
    for (int i = 0; i < 12; i++) {
        uint8_t le[32];
        uint64_t l[4];
        for (int b = 0; b < 32; b++)
            le[b] = in[32 * i + 31 - b];
        via_limbs_from_bytes_le(l, le);
        if (via_fq_from_canon((via_fq *)coef(&a, i), l) != 0)
            return via_fail(err, VIA_EFORMAT,
                            "%s: GT coefficient %s is not below the field modulus q", what,
                            names[i]);
    }
    if (!via_gt_in_subgroup(&a))
        return via_fail(err, VIA_EFORMAT, "%s: not an element of GT (the order-r subgroup)", what);
    *out = a;
    return VIA_OK;
}

void via_gt_pairing(via_gt *r, const via_g1_affine *p, const via_g2_affine *q, size_t n) {
    via_pairing_multi(r, p, q, n);
}
