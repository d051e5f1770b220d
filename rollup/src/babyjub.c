/*
 * BabyJubJub arithmetic. Internally points are projective (X : Y : Z) with x = X/Z, y = Y/Z,
 * and use the complete twisted Edwards formulas of Bernstein-Birkner-Joye-Lange-Peters
 * (add-2008-bbjlp, dbl-2008-bbjlp). Completeness holds because a is a square and d is not in
 * Fr, so the constant-time ladder needs no special cases. Converting back to affine costs one
 * (constant-time) inversion.
 */
#include "via/babyjub.h"

#include <assert.h>
#include <pthread.h>

const uint64_t via_babyjub_l[4] = {0x677297dc392126f1ULL, 0xab3eedb83920ee0aULL,
                                   0x370a08b6d0302b0bULL, 0x060c89ce5c263405ULL};

typedef via_babyjub_proj proj;

static via_fr curve_a, curve_d;

/* Decimal constants at start-up keep the source readable; from_decimal cannot fail here. */
__attribute__((constructor)) static void babyjub_init(void) {
    via_fr_set_u64(&curve_a, 168700);
    via_fr_set_u64(&curve_d, 168696);
}

static void set_dec(via_fr *r, const char *s) {
    int rc = via_fr_from_decimal(r, s);
    assert(rc == 0);
    (void)rc;
}

void via_babyjub_identity(via_babyjub_point *r) {
    via_fr_set_zero(&r->x);
    via_fr_set_one(&r->y);
}

void via_babyjub_generator(via_babyjub_point *r) {
    set_dec(&r->x, "995203441582195749578291179787384436505546430278305826713579947235728471134");
    set_dec(&r->y, "5472060717959818805561601436314318772137091100104008585924551046643952123905");
}

void via_babyjub_base8(via_babyjub_point *r) {
    set_dec(&r->x, "5299619240641551281634865583518297030282874472190772894086521144482721001553");
    set_dec(&r->y, "16950150798460657717958625567821834550301663161624707787222815936182638968203");
}

int via_babyjub_on_curve(const via_babyjub_point *p) {
    via_fr x2, y2, lhs, rhs, t, one;
    via_fr_sqr(&x2, &p->x);
    via_fr_sqr(&y2, &p->y);
    via_fr_mul(&lhs, &curve_a, &x2);
    via_fr_add(&lhs, &lhs, &y2);
    via_fr_mul(&t, &x2, &y2);
    via_fr_mul(&t, &t, &curve_d);
    via_fr_set_one(&one);
    via_fr_add(&rhs, &one, &t);
    return via_fr_eq(&lhs, &rhs);
}

int via_babyjub_eq(const via_babyjub_point *p, const via_babyjub_point *q) {
    return via_fr_eq(&p->x, &q->x) & via_fr_eq(&p->y, &q->y);
}

static void proj_from_affine(proj *r, const via_babyjub_point *p) {
    r->x = p->x;
    r->y = p->y;
    via_fr_set_one(&r->z);
}

static void proj_to_affine(via_babyjub_point *r, const proj *p) {
    via_fr zi;
    via_fr_inv(&zi, &p->z);
    via_fr_mul(&r->x, &p->x, &zi);
    via_fr_mul(&r->y, &p->y, &zi);
}

/* add-2008-bbjlp */
static void proj_add(proj *r, const proj *p, const proj *q) {
    via_fr a, b, c, d, e, f, g, t1, t2;
    via_fr_mul(&a, &p->z, &q->z);
    via_fr_sqr(&b, &a);
    via_fr_mul(&c, &p->x, &q->x);
    via_fr_mul(&d, &p->y, &q->y);
    via_fr_mul(&e, &c, &d);
    via_fr_mul(&e, &e, &curve_d);
    via_fr_sub(&f, &b, &e);
    via_fr_add(&g, &b, &e);
    via_fr_add(&t1, &p->x, &p->y);
    via_fr_add(&t2, &q->x, &q->y);
    via_fr_mul(&t1, &t1, &t2);
    via_fr_sub(&t1, &t1, &c);
    via_fr_sub(&t1, &t1, &d);
    via_fr_mul(&t1, &t1, &f);
    via_fr_mul(&r->x, &a, &t1);
    via_fr_mul(&t2, &curve_a, &c);
    via_fr_sub(&t2, &d, &t2);
    via_fr_mul(&t2, &t2, &g);
    via_fr_mul(&r->y, &a, &t2);
    via_fr_mul(&r->z, &f, &g);
}

/* dbl-2008-bbjlp */
static void proj_dbl(proj *r, const proj *p) {
    via_fr b, c, d, e, f, h, j, t;
    via_fr_add(&b, &p->x, &p->y);
    via_fr_sqr(&b, &b);
    via_fr_sqr(&c, &p->x);
    via_fr_sqr(&d, &p->y);
    via_fr_mul(&e, &curve_a, &c);
    via_fr_add(&f, &e, &d);
    via_fr_sqr(&h, &p->z);
    via_fr_dbl(&h, &h);
    via_fr_sub(&j, &f, &h);
    via_fr_sub(&t, &b, &c);
    via_fr_sub(&t, &t, &d);
    via_fr_mul(&r->x, &t, &j);
    via_fr_sub(&t, &e, &d);
    via_fr_mul(&r->y, &f, &t);
    via_fr_mul(&r->z, &f, &j);
}

static void proj_cmov(proj *r, const proj *a, uint64_t flag) {
    via_fr_cmov(&r->x, &r->x, &a->x, flag);
    via_fr_cmov(&r->y, &r->y, &a->y, flag);
    via_fr_cmov(&r->z, &r->z, &a->z, flag);
}

void via_babyjub_add(via_babyjub_point *r, const via_babyjub_point *p, const via_babyjub_point *q) {
    proj a, b;
    proj_from_affine(&a, p);
    proj_from_affine(&b, q);
    proj_add(&a, &a, &b);
    proj_to_affine(r, &a);
}

void via_babyjub_double(via_babyjub_point *r, const via_babyjub_point *p) {
    proj a;
    proj_from_affine(&a, p);
    proj_dbl(&a, &a);
    proj_to_affine(r, &a);
}

void via_babyjub_mul(via_babyjub_point *r, const via_babyjub_point *p, const uint64_t k[4]) {
    proj acc, base, t;
    via_babyjub_point id;
    via_babyjub_identity(&id);
    proj_from_affine(&acc, &id);
    proj_from_affine(&base, p);
    for (int i = 255; i >= 0; i--) {
        proj_dbl(&acc, &acc);
        proj_add(&t, &acc, &base);
        proj_cmov(&acc, &t, (k[i / 64] >> (i % 64)) & 1);
    }
    proj_to_affine(r, &acc);
    via_wipe(&acc, sizeof acc);
    via_wipe(&t, sizeof t);
}

void via_babyjub_mul_var(via_babyjub_point *r, const via_babyjub_point *p, const uint64_t k[4]) {
    proj a;
    proj_from_affine(&a, p);
    via_babyjub_proj_mul_var(&a, &a, k);
    proj_to_affine(r, &a);
}

void via_babyjub_proj_from_affine(via_babyjub_proj *r, const via_babyjub_point *p) {
    proj_from_affine(r, p);
}
void via_babyjub_proj_add(via_babyjub_proj *r, const via_babyjub_proj *p,
                          const via_babyjub_proj *q) {
    proj_add(r, p, q);
}
void via_babyjub_proj_dbl(via_babyjub_proj *r, const via_babyjub_proj *p) {
    proj_dbl(r, p);
}

/* 4-bit fixed windows from the top: table of 0..15 times p, then per window four doublings
 * and (for a nonzero digit) one addition: about 252 doublings and 63 + 14 additions instead of
 * about 252 doublings and 126 additions of plain double-and-add. */
void via_babyjub_proj_mul_var(via_babyjub_proj *r, const via_babyjub_proj *p, const uint64_t k[4]) {
    proj tab[16], acc;
    via_fr_set_zero(&tab[0].x);
    via_fr_set_one(&tab[0].y);
    via_fr_set_one(&tab[0].z);
    tab[1] = *p;
    for (int j = 2; j < 16; j++) {
        if (j % 2 == 0)
            proj_dbl(&tab[j], &tab[j / 2]);
        else
            proj_add(&tab[j], &tab[j - 1], p);
    }
    int w = 63;
    while (w >= 0 && ((k[w / 16] >> (4 * (w % 16))) & 15) == 0)
        w--;
    if (w < 0) {
        *r = tab[0];
        return;
    }
    acc = tab[(k[w / 16] >> (4 * (w % 16))) & 15];
    for (w--; w >= 0; w--) {
        proj_dbl(&acc, &acc);
        proj_dbl(&acc, &acc);
        proj_dbl(&acc, &acc);
        proj_dbl(&acc, &acc);
        unsigned d = (unsigned)(k[w / 16] >> (4 * (w % 16))) & 15;
        if (d) proj_add(&acc, &acc, &tab[d]);
    }
    *r = acc;
}

/* k * Base8 from a table of d * 16^i * Base8 (i < 64, d < 16), affine (Z = 1), built once:
 * 64 additions and no doubling. */
static proj g_b8tab[64][16];
static pthread_once_t g_b8once = PTHREAD_ONCE_INIT;

static void b8tab_init(void) {
    via_babyjub_point b8;
    via_babyjub_base8(&b8);
    proj base;
    proj_from_affine(&base, &b8);
    for (int i = 0; i < 64; i++) {
        via_fr_set_zero(&g_b8tab[i][0].x);
        via_fr_set_one(&g_b8tab[i][0].y);
        via_fr_set_one(&g_b8tab[i][0].z);
        g_b8tab[i][1] = base;
        for (int d = 2; d < 16; d++)
            proj_add(&g_b8tab[i][d], &g_b8tab[i][d - 1], &base);
        for (int d = 1; d < 16; d++) {
            via_babyjub_point a;
            proj_to_affine(&a, &g_b8tab[i][d]);
            proj_from_affine(&g_b8tab[i][d], &a);
        }
        for (int j = 0; j < 4; j++)
            proj_dbl(&base, &base);
    }
}

void via_babyjub_proj_mul_base8_var(via_babyjub_proj *r, const uint64_t k[4]) {
    pthread_once(&g_b8once, b8tab_init);
    proj acc = g_b8tab[0][0];
    for (int i = 0; i < 64; i++) {
        unsigned d = (unsigned)(k[i / 16] >> (4 * (i % 16))) & 15;
        if (d) proj_add(&acc, &acc, &g_b8tab[i][d]);
    }
    *r = acc;
}

int via_babyjub_proj_eq(const via_babyjub_proj *p, const via_babyjub_proj *q) {
    via_fr a, b, c, d;
    via_fr_mul(&a, &p->x, &q->z);
    via_fr_mul(&b, &q->x, &p->z);
    via_fr_mul(&c, &p->y, &q->z);
    via_fr_mul(&d, &q->y, &p->z);
    return via_fr_eq(&a, &b) & via_fr_eq(&c, &d);
}

int via_babyjub_in_subgroup_var(const via_babyjub_point *p) {
    if (!via_babyjub_on_curve(p)) return 0;
    via_babyjub_point q, id;
    via_babyjub_mul_var(&q, p, via_babyjub_l);
    via_babyjub_identity(&id);
    return via_babyjub_eq(&q, &id);
}

/* (r - 1) / 2 as limbs. */
static void half_modulus(uint64_t h[4]) {
    for (int i = 0; i < 4; i++)
        h[i] = (via_fr_mod.p[i] >> 1) | (i < 3 ? via_fr_mod.p[i + 1] << 63 : 0);
}

void via_babyjub_pack(uint8_t out[32], const via_babyjub_point *p) {
    uint64_t x[4], h[4], t[4];
    via_fr_to_bytes_le(out, &p->y);
    via_fr_to_canon(x, &p->x);
    half_modulus(h);
    /* x > h  <=>  h - x borrows */
    uint64_t gt = via_limbs_sub(t, h, x);
    out[31] |= (uint8_t)(gt << 7);
}

int via_babyjub_unpack_var(via_babyjub_point *r, const uint8_t in[32], via_error *err) {
    uint8_t buf[32];
    memcpy(buf, in, 32);
    int sign = buf[31] >> 7;
    buf[31] &= 0x7f;
    via_babyjub_identity(r);
    via_fr y, y2, num, den, x2, x, one, t;
    if (via_fr_from_bytes_le(&y, buf))
        return via_fail(err, VIA_EFORMAT,
                        "packed BabyJubJub point: y is not below the field modulus");
    via_fr_set_one(&one);
    via_fr_sqr(&y2, &y);
    via_fr_sub(&num, &one, &y2);
    via_fr_mul(&t, &curve_d, &y2);
    via_fr_sub(&den, &curve_a, &t);
    /* a - d*y^2 = 0 would need y^2 = a/d, which is not a square since d is not and a is */
    via_fr_inv_var(&den, &den);
    via_fr_mul(&x2, &num, &den);
    if (via_fr_sqrt_var(&x, &x2))
        return via_fail(err, VIA_EFORMAT, "packed BabyJubJub point: no x on the curve for this y");
    if (via_fr_is_zero(&x) && sign)
        return via_fail(err, VIA_EFORMAT, "packed BabyJubJub point: sign bit set for x = 0");
    uint64_t xc[4], h[4], d[4];
    via_fr_to_canon(xc, &x);
    half_modulus(h);
    int is_high = (int)via_limbs_sub(d, h, xc);
    if (is_high != sign) via_fr_neg(&x, &x);
    r->x = x;
    r->y = y;
    return VIA_OK;
}

/* ---- scalars mod l ---- */

void via_babyjub_scalar_reduce512(uint64_t out[4], const uint64_t in[8]) {
    /* Bit-serial reduction: acc < l < 2^252 stays in four limbs after doubling. Constant
     * time: the same 512 steps and masked subtractions for every input. */
    uint64_t acc[4] = {0, 0, 0, 0}, t[4];
    for (int i = 511; i >= 0; i--) {
        uint64_t bit = (in[i / 64] >> (i % 64)) & 1;
        acc[3] = (acc[3] << 1) | (acc[2] >> 63);
        acc[2] = (acc[2] << 1) | (acc[1] >> 63);
        acc[1] = (acc[1] << 1) | (acc[0] >> 63);
        acc[0] = (acc[0] << 1) | bit;
        uint64_t borrow = via_limbs_sub(t, acc, via_babyjub_l);
        uint64_t keep = (uint64_t)0 - borrow;
        for (int k = 0; k < 4; k++)
            acc[k] = (acc[k] & keep) | (t[k] & ~keep);
    }
    memcpy(out, acc, sizeof acc);
    via_wipe(acc, sizeof acc);
    via_wipe(t, sizeof t);
}

void via_babyjub_scalar_muladd(uint64_t out[4], const uint64_t a[4], const uint64_t b[4],
                               const uint64_t c[4]) {
    uint64_t w[8] = {0};
    for (int i = 0; i < 4; i++) {
        via_u128 carry = 0;
        for (int j = 0; j < 4; j++) {
            carry += (via_u128)b[i] * c[j] + w[i + j];
            w[i + j] = (uint64_t)carry;
            carry >>= 64;
        }
        w[i + 4] = (uint64_t)carry;
    }
    /* b*c < 2^512 - 2^257 + 1, so adding a < 2^256 cannot overflow 512 bits */
    via_u128 carry = 0;
    for (int i = 0; i < 8; i++) {
        carry += (via_u128)w[i] + (i < 4 ? a[i] : 0);
        w[i] = (uint64_t)carry;
        carry >>= 64;
    }
    via_babyjub_scalar_reduce512(out, w);
    via_wipe(w, sizeof w);
}
