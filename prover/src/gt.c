/* GT: products, exponentiation, the canonical encoding and validation; see via/gt.h. */
#include "via/gt.h"

#include <string.h>

#include "via/runtime.h"

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

int via_gt_in_subgroup_by_order(const via_fq12 *a) {
    /* general exponentiation (not the cyclotomic shortcut: a is not known to be cyclotomic) */
    via_fq12 t;
    via_fq12_pow_var(&t, a, via_fr_mod.p, 4);
    return via_fq12_is_one(&t);
}

/* r = a^e for a in the cyclotomic subgroup and a 64-bit e, left to right over the
 * non-adjacent form of e (a digit -1 multiplies by the conjugate). */
static void cyclotomic_pow_u64(via_fq12 *r, const via_fq12 *a, uint64_t e) {
    int8_t naf[66];
    int len = 0;
    unsigned __int128 k = e;
    while (k) {
        int8_t d = 0;
        if (k & 1) {
            d = (int8_t)(2 - (int)(k & 3)); /* 1 or -1 */
            k = d > 0 ? k - 1 : k + 1;
        }
        naf[len++] = d;
        k >>= 1;
    }
    via_fq12 acc, inv;
    via_fq12_conj(&inv, a);
    via_fq12_set_one(&acc);
    for (int i = len - 1; i >= 0; i--) {
        via_fq12_cyclotomic_sqr(&acc, &acc);
        if (naf[i] == 1) via_fq12_mul(&acc, &acc, a);
        if (naf[i] == -1) via_fq12_mul(&acc, &acc, &inv);
    }
    *r = acc;
}

int via_gt_in_subgroup(const via_fq12 *a) {
    static const uint64_t u = 0x44e992b44a6909f1ULL; /* the BN254 parameter */
    via_fq12 f2, f4, t;
    if (via_fq_is_zero(&a->c0.c0.c0) && via_fq_is_zero(&a->c0.c0.c1) &&
        via_fq2_is_zero(&a->c0.c1) && via_fq2_is_zero(&a->c0.c2) && via_fq2_is_zero(&a->c1.c0) &&
        via_fq2_is_zero(&a->c1.c1) && via_fq2_is_zero(&a->c1.c2))
        return 0;
    /* cyclotomic: a^(p^4 - p^2 + 1) = 1 */
    via_fq12_frobenius(&f2, a, 2);
    via_fq12_frobenius(&f4, &f2, 2);
    via_fq12_mul(&t, &f4, a);
    if (!via_fq12_eq(&t, &f2)) return 0;
    /* a^p == a^(6u^2) */
    via_fq12 p1, x;
    via_fq12_frobenius(&p1, a, 1);
    cyclotomic_pow_u64(&x, a, u);
    cyclotomic_pow_u64(&x, &x, u);
    via_fq12_cyclotomic_sqr(&t, &x); /* x^2 */
    via_fq12_mul(&t, &t, &x);        /* x^3 */
    via_fq12_cyclotomic_sqr(&t, &t); /* x^6 */
    return via_fq12_eq(&t, &p1);
}

/* ---- multi-exponentiation ---- */
#define MP_W 5
#define MP_WINDOWS ((256 + MP_W) / MP_W) /* signed digits of a 256-bit value plus a carry */

typedef struct {
    const via_gt *bases;
    const via_scalar *k;
    via_gt *partial; /* one per worker */
} multi_pow_ctx;

/* Signed base-2^MP_W digits in [-2^(W-1), 2^(W-1)), least significant first. */
static void recode(int8_t d[MP_WINDOWS], const via_scalar *k) {
    int carry = 0;
    for (int w = 0; w < MP_WINDOWS; w++) {
        int bit = w * MP_W, v = 0;
        for (int b = 0; b < MP_W; b++) {
            int i = bit + b;
            if (i < 256) v |= (int)((k->l[i / 64] >> (i % 64)) & 1) << b;
        }
        v += carry;
        carry = v >= (1 << (MP_W - 1));
        d[w] = (int8_t)(v - (carry << MP_W));
    }
}

static void multi_pow_range(void *arg, size_t begin, size_t end, unsigned worker) {
    multi_pow_ctx *c = arg;
    size_t n = end - begin;
    enum { HALF = 1 << (MP_W - 1) };
    via_gt *tab = via_xmalloc(n * HALF * sizeof *tab); /* tab[i][j] = base^(j+1) */
    int8_t *dig = via_xmalloc(n * MP_WINDOWS);
    for (size_t i = 0; i < n; i++) {
        via_gt *t = tab + i * HALF;
        t[0] = c->bases[begin + i];
        via_fq12_cyclotomic_sqr(&t[1], &t[0]);
        for (int j = 2; j < HALF; j++)
            via_fq12_mul(&t[j], &t[j - 1], &t[0]);
        recode(dig + i * MP_WINDOWS, &c->k[begin + i]);
    }
    via_gt acc;
    via_fq12_set_one(&acc);
    int started = 0;
    for (int w = MP_WINDOWS - 1; w >= 0; w--) {
        if (started)
            for (int b = 0; b < MP_W; b++)
                via_fq12_cyclotomic_sqr(&acc, &acc);
        for (size_t i = 0; i < n; i++) {
            int d = dig[i * MP_WINDOWS + w];
            if (d == 0) continue;
            via_gt e = tab[i * HALF + (d > 0 ? d : -d) - 1];
            if (d < 0) via_fq12_conj(&e, &e);
            via_fq12_mul(&acc, &acc, &e);
            started = 1;
        }
    }
    via_xfree(tab);
    via_xfree(dig);
    c->partial[worker] = acc;
}

void via_gt_multi_pow_var(via_gt *r, const via_gt *bases, const via_scalar *k, size_t n) {
    unsigned t = via_get_threads();
    via_gt *partial = via_xmalloc((size_t)t * sizeof *partial);
    for (unsigned i = 0; i < t; i++)
        via_fq12_set_one(&partial[i]);
    multi_pow_ctx c = {bases, k, partial};
    via_parallel_for(n, 8, multi_pow_range, &c);
    via_fq12_set_one(r);
    for (unsigned i = 0; i < t; i++)
        via_fq12_mul(r, r, &partial[i]);
    via_xfree(partial);
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

/* ---- compression (torus T2) ---- */
static const via_fq *coef6(const via_fq6 *c, int i) {
    const via_fq2 *q = i < 2 ? &c->c0 : i < 4 ? &c->c1 : &c->c2;
    return i % 2 ? &q->c1 : &q->c0;
}

void via_gt_compress(uint8_t out[VIA_GT_COMPRESSED_BYTES], const via_gt *a) {
    if (via_fq12_is_one(a)) {
        memset(out, 0, VIA_GT_COMPRESSED_BYTES);
        out[0] = 0x80;
        return;
    }
    /* c = (1 + a0) / a1; a1 != 0 for every element of GT other than 1 */
    via_fq6 c, num, inv;
    num = a->c0;
    via_fq one;
    via_fq_set_one(&one);
    via_fq_add(&num.c0.c0, &num.c0.c0, &one);
    via_fq6_inv(&inv, &a->c1);
    via_fq6_mul(&c, &num, &inv);
    for (int i = 0; i < 6; i++)
        via_fq_to_bytes_be(out + 32 * i, coef6(&c, i));
}

int via_gt_decompress(via_gt *out, const uint8_t in[VIA_GT_COMPRESSED_BYTES], const char *what,
                      via_error *err) {
    if (in[0] & 0x80) {
        for (size_t i = 1; i < VIA_GT_COMPRESSED_BYTES; i++)
            if (in[i] != 0 || in[0] != 0x80)
                return via_fail(err, VIA_EFORMAT,
                                "%s: the identity flag is set but the other bits are not zero",
                                what);
        via_fq12_set_one(out);
        return VIA_OK;
    }
    if (in[0] & 0x40) return via_fail(err, VIA_EFORMAT, "%s: an unused flag bit is set", what);
    static const char *const names[6] = {"c0.c0", "c0.c1", "c1.c0", "c1.c1", "c2.c0", "c2.c1"};
    via_fq6 c;
    for (int i = 0; i < 6; i++) {
        uint8_t le[32];
        uint64_t l[4];
        for (int b = 0; b < 32; b++)
            le[b] = in[32 * i + 31 - b];
        via_limbs_from_bytes_le(l, le);
        if (via_fq_from_canon((via_fq *)coef6(&c, i), l) != 0)
            return via_fail(err, VIA_EFORMAT,
                            "%s: compressed GT coefficient %s is not below the field modulus q",
                            what, names[i]);
    }
    /* a = (c + w)^2 / (c^2 - v) = ((c^2 + v) + 2c w) / (c^2 - v); c^2 - v != 0 since v is
     * not a square in Fq6 */
    via_fq6 c2, v, den, inv, two_c;
    memset(&v, 0, sizeof v);
    via_fq2_set_one(&v.c1);
    via_fq6_sqr(&c2, &c);
    via_fq6_sub(&den, &c2, &v);
    via_fq6_inv(&inv, &den);
    via_fq6_add(&c2, &c2, &v);
    via_fq6_add(&two_c, &c, &c);
    via_fq12 a;
    via_fq6_mul(&a.c0, &c2, &inv);
    via_fq6_mul(&a.c1, &two_c, &inv);
    if (!via_gt_in_subgroup(&a))
        return via_fail(err, VIA_EFORMAT, "%s: not an element of GT (the order-r subgroup)", what);
    *out = a;
    return VIA_OK;
}
