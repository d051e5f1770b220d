/* The BN254 extension tower Fq2 = Fq[i]/(i^2+1), Fq6 = Fq2[v]/(v^3 - xi) with xi = 9+i, and
 * Fq12 = Fq6[w]/(w^2 - v) (docs/sources.md: bn254).
 *
 * Multiplications use Karatsuba at every level. The Frobenius constants are powers of xi and
 * are derived once at first use (via_tower_constants), so no Montgomery-form table is
 * copied from elsewhere. Functions without _var run in time independent of the values. */
#include "via/curve.h"

#include <pthread.h>

/* ---------------- Fq2 ---------------- */





void via_fq2_conj(via_fq2 *r, const via_fq2 *a) {
    r->c0 = a->c0;
    via_fq_neg(&r->c1, &a->c1);
}



void via_fq2_mul_fq(via_fq2 *r, const via_fq2 *a, const via_fq *b) {
    via_fq_mul(&r->c0, &a->c0, b);
    via_fq_mul(&r->c1, &a->c1, b);
}

void via_fq2_mul_xi(via_fq2 *r, const via_fq2 *a) {
    /* (a0 + a1 i)(9 + i) = 9a0 - a1 + (a0 + 9a1) i, with 9x = 8x + x by doublings. */
    via_fq t0, t1;
    via_fq_dbl(&t0, &a->c0);
    via_fq_dbl(&t0, &t0);
    via_fq_dbl(&t0, &t0);
    via_fq_add(&t0, &t0, &a->c0);
    via_fq_dbl(&t1, &a->c1);
    via_fq_dbl(&t1, &t1);
    via_fq_dbl(&t1, &t1);
    via_fq_add(&t1, &t1, &a->c1);
    via_fq_sub(&t0, &t0, &a->c1);
    via_fq_add(&t1, &t1, &a->c0);
    r->c0 = t0;
    r->c1 = t1;
}

void via_fq2_inv(via_fq2 *r, const via_fq2 *a) {
    /* 1/(a0 + a1 i) = (a0 - a1 i)/(a0^2 + a1^2); zero maps to zero. */
    via_fq n, t;
    via_fq_sqr(&n, &a->c0);
    via_fq_sqr(&t, &a->c1);
    via_fq_add(&n, &n, &t);
    via_fq_inv(&n, &n);
    via_fq_mul(&r->c0, &a->c0, &n);
    via_fq_mul(&t, &a->c1, &n);
    via_fq_neg(&r->c1, &t);
}

void via_fq2_cmov(via_fq2 *r, const via_fq2 *a, const via_fq2 *b, uint64_t flag) {
    via_fq_cmov(&r->c0, &a->c0, &b->c0, flag);
    via_fq_cmov(&r->c1, &a->c1, &b->c1, flag);
}

void via_fq2_pow_var(via_fq2 *r, const via_fq2 *a, const uint64_t *e, size_t nlimbs) {
    via_fq2 acc, base = *a;
    via_fq2_set_one(&acc);
    for (size_t i = nlimbs * 64; i-- > 0;) {
        via_fq2_sqr(&acc, &acc);
        if ((e[i / 64] >> (i % 64)) & 1) via_fq2_mul(&acc, &acc, &base);
    }
    *r = acc;
}

int via_fq2_sqrt_var(via_fq2 *r, const via_fq2 *a) {
    /* Via the norm: if a = x^2 with x = x0 + x1 i then N(a) = a0^2 + a1^2 = N(x)^2, and
     * x0^2 = (a0 + N(x))/2 for one of the two square roots of N(a); x1 = a1/(2 x0). */
    via_fq2 x, chk;
    if (via_fq_is_zero(&a->c1)) {
        if (via_fq_sqrt_var(&x.c0, &a->c0) == 0) {
            via_fq_set_zero(&x.c1);
        } else {
            /* -1 is a non-residue (p = 3 mod 4), so -a0 is a square: x = sqrt(-a0) i. */
            via_fq na0;
            via_fq_neg(&na0, &a->c0);
            if (via_fq_sqrt_var(&x.c1, &na0) != 0) return -1;
            via_fq_set_zero(&x.c0);
        }
    } else {
        via_fq n, t, s, half, two;
        via_fq_sqr(&n, &a->c0);
        via_fq_sqr(&t, &a->c1);
        via_fq_add(&n, &n, &t);
        if (via_fq_sqrt_var(&s, &n) != 0) return -1;
        via_fq_set_u64(&two, 2);
        via_fq_inv_var(&half, &two);
        via_fq_add(&t, &a->c0, &s);
        via_fq_mul(&t, &t, &half);
        if (via_fq_sqrt_var(&x.c0, &t) != 0) {
            via_fq_sub(&t, &a->c0, &s);
            via_fq_mul(&t, &t, &half);
            if (via_fq_sqrt_var(&x.c0, &t) != 0) return -1;
        }
        /* x0 != 0 here, since a1 != 0 */
        via_fq_dbl(&t, &x.c0);
        via_fq_inv_var(&t, &t);
        via_fq_mul(&x.c1, &a->c1, &t);
    }
    via_fq2_sqr(&chk, &x);
    if (!via_fq2_eq(&chk, a)) return -1;
    *r = x;
    return 0;
}

/* ---------------- constants derived from xi ---------------- */

static via_tower_consts tower_consts;
static pthread_once_t tower_once = PTHREAD_ONCE_INIT;

static void tower_init(void) {
    via_tower_consts *c = &tower_consts;
    via_fq2 xi, t;
    via_fq2_set_one(&t);
    via_fq2_mul_xi(&xi, &t);
    /* twist b' = 3 / xi */
    via_fq three;
    via_fq_set_u64(&three, 3);
    via_fq2_inv(&t, &xi);
    via_fq2_mul_fq(&c->twist_b, &t, &three);
    c->g1_b = three;
    /* gamma_{1,1} = xi^((p-1)/6); p = 7 mod 12 so the division is exact. */
    uint64_t e[4], one[4] = {1, 0, 0, 0};
    via_limbs_sub(e, via_fq_mod.p, one);
    via_u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        via_u128 cur = (rem << 64) | e[i];
        e[i] = (uint64_t)(cur / 6);
        rem = cur % 6;
    }
    via_fq2 g;
    via_fq2_pow_var(&g, &xi, e, 4);
    via_fq2_set_one(&c->g1[0]);
    for (int k = 1; k < 6; k++)
        via_fq2_mul(&c->g1[k], &c->g1[k - 1], &g);
    /* x^p = conj(x) on Fq2, hence xi^(k(p^2-1)/6) = g1k^(p+1) = conj(g1k) g1k and
     * xi^(k(p^3-1)/6) = g1k^(p^2+p+1) = g1k conj(g1k) g1k. */
    for (int k = 0; k < 6; k++) {
        via_fq2 cj;
        via_fq2_conj(&cj, &c->g1[k]);
        via_fq2_mul(&c->g2[k], &cj, &c->g1[k]);
        via_fq2_mul(&c->g3[k], &c->g2[k], &c->g1[k]);
    }
}

const via_tower_consts *via_tower_get(void) {
    pthread_once(&tower_once, tower_init);
    return &tower_consts;
}

/* ---------------- Fq6 = Fq2[v]/(v^3 - xi) ---------------- */

void via_fq6_add(via_fq6 *r, const via_fq6 *a, const via_fq6 *b) {
    via_fq2_add(&r->c0, &a->c0, &b->c0);
    via_fq2_add(&r->c1, &a->c1, &b->c1);
    via_fq2_add(&r->c2, &a->c2, &b->c2);
}

void via_fq6_sub(via_fq6 *r, const via_fq6 *a, const via_fq6 *b) {
    via_fq2_sub(&r->c0, &a->c0, &b->c0);
    via_fq2_sub(&r->c1, &a->c1, &b->c1);
    via_fq2_sub(&r->c2, &a->c2, &b->c2);
}

void via_fq6_neg(via_fq6 *r, const via_fq6 *a) {
    via_fq2_neg(&r->c0, &a->c0);
    via_fq2_neg(&r->c1, &a->c1);
    via_fq2_neg(&r->c2, &a->c2);
}

void via_fq6_mul(via_fq6 *r, const via_fq6 *a, const via_fq6 *b) {
    via_fq2 t0, t1, t2, s, u, c0, c1, c2;
    via_fq2_mul(&t0, &a->c0, &b->c0);
    via_fq2_mul(&t1, &a->c1, &b->c1);
    via_fq2_mul(&t2, &a->c2, &b->c2);
    /* c0 = t0 + xi((a1+a2)(b1+b2) - t1 - t2) */
    via_fq2_add(&s, &a->c1, &a->c2);
    via_fq2_add(&u, &b->c1, &b->c2);
    via_fq2_mul(&s, &s, &u);
    via_fq2_sub(&s, &s, &t1);
    via_fq2_sub(&s, &s, &t2);
    via_fq2_mul_xi(&s, &s);
    via_fq2_add(&c0, &s, &t0);
    /* c1 = (a0+a1)(b0+b1) - t0 - t1 + xi t2 */
    via_fq2_add(&s, &a->c0, &a->c1);
    via_fq2_add(&u, &b->c0, &b->c1);
    via_fq2_mul(&s, &s, &u);
    via_fq2_sub(&s, &s, &t0);
    via_fq2_sub(&s, &s, &t1);
    via_fq2_mul_xi(&u, &t2);
    via_fq2_add(&c1, &s, &u);
    /* c2 = (a0+a2)(b0+b2) - t0 - t2 + t1 */
    via_fq2_add(&s, &a->c0, &a->c2);
    via_fq2_add(&u, &b->c0, &b->c2);
    via_fq2_mul(&s, &s, &u);
    via_fq2_sub(&s, &s, &t0);
    via_fq2_sub(&s, &s, &t2);
    via_fq2_add(&c2, &s, &t1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

void via_fq6_sqr(via_fq6 *r, const via_fq6 *a) {
    /* Chung-Hasan SQR2 */
    via_fq2 s0, s1, s2, s3, s4, t;
    via_fq2_sqr(&s0, &a->c0);
    via_fq2_mul(&s1, &a->c0, &a->c1);
    via_fq2_dbl(&s1, &s1);
    via_fq2_sub(&t, &a->c0, &a->c1);
    via_fq2_add(&t, &t, &a->c2);
    via_fq2_sqr(&s2, &t);
    via_fq2_mul(&s3, &a->c1, &a->c2);
    via_fq2_dbl(&s3, &s3);
    via_fq2_sqr(&s4, &a->c2);
    via_fq2_mul_xi(&t, &s3);
    via_fq2_add(&r->c0, &s0, &t);
    via_fq2_add(&t, &s1, &s2);
    via_fq2_add(&t, &t, &s3);
    via_fq2_sub(&t, &t, &s0);
    via_fq2_sub(&r->c2, &t, &s4);
    via_fq2_mul_xi(&t, &s4);
    via_fq2_add(&r->c1, &s1, &t);
}

void via_fq6_mul_v(via_fq6 *r, const via_fq6 *a) {
    via_fq2 t;
    via_fq2_mul_xi(&t, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = t;
}

void via_fq6_inv(via_fq6 *r, const via_fq6 *a) {
    via_fq2 t0, t1, t2, s, d;
    via_fq2_sqr(&t0, &a->c0);
    via_fq2_mul(&s, &a->c1, &a->c2);
    via_fq2_mul_xi(&s, &s);
    via_fq2_sub(&t0, &t0, &s);
    via_fq2_sqr(&t1, &a->c2);
    via_fq2_mul_xi(&t1, &t1);
    via_fq2_mul(&s, &a->c0, &a->c1);
    via_fq2_sub(&t1, &t1, &s);
    via_fq2_sqr(&t2, &a->c1);
    via_fq2_mul(&s, &a->c0, &a->c2);
    via_fq2_sub(&t2, &t2, &s);
    via_fq2_mul(&d, &a->c2, &t1);
    via_fq2_mul(&s, &a->c1, &t2);
    via_fq2_add(&d, &d, &s);
    via_fq2_mul_xi(&d, &d);
    via_fq2_mul(&s, &a->c0, &t0);
    via_fq2_add(&d, &d, &s);
    via_fq2_inv(&d, &d);
    via_fq2_mul(&r->c0, &t0, &d);
    via_fq2_mul(&r->c1, &t1, &d);
    via_fq2_mul(&r->c2, &t2, &d);
}

/* a * (b0 + b1 v), the shape of a line's w coefficient. */
static void fq6_mul_by_01(via_fq6 *r, const via_fq6 *a, const via_fq2 *b0, const via_fq2 *b1) {
    via_fq2 t0, t1, s, u, c0, c1, c2;
    via_fq2_mul(&t0, &a->c0, b0);
    via_fq2_mul(&t1, &a->c1, b1);
    /* c0 = t0 + xi a2 b1 */
    via_fq2_mul(&s, &a->c2, b1);
    via_fq2_mul_xi(&s, &s);
    via_fq2_add(&c0, &t0, &s);
    /* c1 = (a0+a1)(b0+b1) - t0 - t1 */
    via_fq2_add(&s, &a->c0, &a->c1);
    via_fq2_add(&u, b0, b1);
    via_fq2_mul(&s, &s, &u);
    via_fq2_sub(&s, &s, &t0);
    via_fq2_sub(&c1, &s, &t1);
    /* c2 = a2 b0 + t1 */
    via_fq2_mul(&s, &a->c2, b0);
    via_fq2_add(&c2, &s, &t1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}

/* ---------------- Fq12 = Fq6[w]/(w^2 - v) ---------------- */

void via_fq12_set_one(via_fq12 *r) {
    memset(r, 0, sizeof *r);
    via_fq2_set_one(&r->c0.c0);
}

int via_fq12_eq(const via_fq12 *a, const via_fq12 *b) {
    return via_fq2_eq(&a->c0.c0, &b->c0.c0) & via_fq2_eq(&a->c0.c1, &b->c0.c1) &
           via_fq2_eq(&a->c0.c2, &b->c0.c2) & via_fq2_eq(&a->c1.c0, &b->c1.c0) &
           via_fq2_eq(&a->c1.c1, &b->c1.c1) & via_fq2_eq(&a->c1.c2, &b->c1.c2);
}

int via_fq12_is_one(const via_fq12 *a) {
    via_fq12 one;
    via_fq12_set_one(&one);
    return via_fq12_eq(a, &one);
}

void via_fq12_mul(via_fq12 *r, const via_fq12 *a, const via_fq12 *b) {
    via_fq6 t0, t1, s, u;
    via_fq6_mul(&t0, &a->c0, &b->c0);
    via_fq6_mul(&t1, &a->c1, &b->c1);
    via_fq6_add(&s, &a->c0, &a->c1);
    via_fq6_add(&u, &b->c0, &b->c1);
    via_fq6_mul(&s, &s, &u);
    via_fq6_sub(&s, &s, &t0);
    via_fq6_sub(&r->c1, &s, &t1);
    via_fq6_mul_v(&t1, &t1);
    via_fq6_add(&r->c0, &t0, &t1);
}

void via_fq12_sqr(via_fq12 *r, const via_fq12 *a) {
    /* complex squaring: c0 = (a0+a1)(a0+v a1) - ab - v ab, c1 = 2ab */
    via_fq6 ab, s, t, vab;
    via_fq6_mul(&ab, &a->c0, &a->c1);
    via_fq6_add(&s, &a->c0, &a->c1);
    via_fq6_mul_v(&t, &a->c1);
    via_fq6_add(&t, &t, &a->c0);
    via_fq6_mul(&s, &s, &t);
    via_fq6_mul_v(&vab, &ab);
    via_fq6_sub(&s, &s, &ab);
    via_fq6_sub(&r->c0, &s, &vab);
    via_fq6_add(&r->c1, &ab, &ab);
}

void via_fq12_inv(via_fq12 *r, const via_fq12 *a) {
    via_fq6 t0, t1;
    via_fq6_sqr(&t0, &a->c0);
    via_fq6_sqr(&t1, &a->c1);
    via_fq6_mul_v(&t1, &t1);
    via_fq6_sub(&t0, &t0, &t1);
    via_fq6_inv(&t0, &t0);
    via_fq6_mul(&r->c0, &a->c0, &t0);
    via_fq6_mul(&t1, &a->c1, &t0);
    via_fq6_neg(&r->c1, &t1);
}

void via_fq12_conj(via_fq12 *r, const via_fq12 *a) {
    r->c0 = a->c0;
    via_fq6_neg(&r->c1, &a->c1);
}

void via_fq12_frobenius(via_fq12 *r, const via_fq12 *a, int power) {
    /* The coefficient of w^k is conjugated (odd powers) and multiplied by
     * xi^(k(p^power-1)/6); c0.cj holds w^(2j), c1.cj holds w^(2j+1). */
    const via_tower_consts *c = via_tower_get();
    const via_fq2 *g = power == 1 ? c->g1 : power == 2 ? c->g2 : c->g3;
    via_fq2 *out[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
    const via_fq2 *in[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1, &a->c1.c1, &a->c0.c2, &a->c1.c2};
    for (int k = 0; k < 6; k++) {
        via_fq2 t;
        if (power & 1)
            via_fq2_conj(&t, in[k]);
        else
            t = *in[k];
        via_fq2_mul(out[k], &t, &g[k]);
    }
}

void via_fq12_mul_by_line(via_fq12 *f, const via_fq2 *a, const via_fq2 *b, const via_fq2 *c) {
    /* f * (a + (b + c v) w): with L0 = a, L1 = b + c v,
     * f L = (f0 a + v f1 L1) + ((f0 + f1)(a + L1) - f0 a - f1 L1) w */
    via_fq6 t0, t1, s;
    via_fq2_mul(&t0.c0, &f->c0.c0, a);
    via_fq2_mul(&t0.c1, &f->c0.c1, a);
    via_fq2_mul(&t0.c2, &f->c0.c2, a);
    fq6_mul_by_01(&t1, &f->c1, b, c);
    via_fq6_add(&s, &f->c0, &f->c1);
    via_fq2 ab;
    via_fq2_add(&ab, a, b);
    fq6_mul_by_01(&s, &s, &ab, c);
    via_fq6_sub(&s, &s, &t0);
    via_fq6_sub(&f->c1, &s, &t1);
    via_fq6_mul_v(&t1, &t1);
    via_fq6_add(&f->c0, &t0, &t1);
}

void via_fq12_pow_var(via_fq12 *r, const via_fq12 *a, const uint64_t *e, size_t nlimbs) {
    via_fq12 acc, base = *a;
    via_fq12_set_one(&acc);
    int started = 0;
    for (size_t i = nlimbs * 64; i-- > 0;) {
        if (started) via_fq12_sqr(&acc, &acc);
        if ((e[i / 64] >> (i % 64)) & 1) {
            via_fq12_mul(&acc, &acc, &base);
            started = 1;
        }
    }
    *r = acc;
}

/* Fq4 = Fq2[y]/(y^2 - xi) squaring: (a + b y)^2 = (a^2 + xi b^2) + 2ab y. */
static void fq4_sqr(via_fq2 *r0, via_fq2 *r1, const via_fq2 *a, const via_fq2 *b) {
    via_fq2 ab, s, t, xab;
    via_fq2_mul(&ab, a, b);
    via_fq2_add(&s, a, b);
    via_fq2_mul_xi(&t, b);
    via_fq2_add(&t, &t, a);
    via_fq2_mul(&s, &s, &t); /* (a + b)(a + xi b) = a^2 + xi b^2 + ab (1 + xi) */
    via_fq2_mul_xi(&xab, &ab);
    via_fq2_sub(&s, &s, &ab);
    via_fq2_sub(r0, &s, &xab);
    via_fq2_dbl(r1, &ab);
}

void via_fq12_cyclotomic_sqr(via_fq12 *r, const via_fq12 *a) {
    /* Granger-Scott: Fq12 as Fq4^3 with the pairs (w^0, w^3), (w^1, w^4), (w^2, w^5); for
     * elements of norm 1 the square needs only three Fq4 squarings. */
    via_fq2 z0 = a->c0.c0, z4 = a->c0.c1, z3 = a->c0.c2;
    via_fq2 z2 = a->c1.c0, z1 = a->c1.c1, z5 = a->c1.c2;
    via_fq2 t0, t1, t2, t3, t4, t5, s;
    fq4_sqr(&t0, &t1, &z0, &z1);
    fq4_sqr(&t2, &t3, &z2, &z3);
    fq4_sqr(&t4, &t5, &z4, &z5);
    /* z0 = 3 t0 - 2 z0 */
    via_fq2_sub(&z0, &t0, &z0);
    via_fq2_dbl(&z0, &z0);
    via_fq2_add(&r->c0.c0, &z0, &t0);
    /* z1 = 3 t1 + 2 z1 */
    via_fq2_add(&z1, &t1, &z1);
    via_fq2_dbl(&z1, &z1);
    via_fq2_add(&r->c1.c1, &z1, &t1);
    /* z2 = 3 xi t5 + 2 z2 */
    via_fq2_mul_xi(&s, &t5);
    via_fq2_add(&z2, &s, &z2);
    via_fq2_dbl(&z2, &z2);
    via_fq2_add(&r->c1.c0, &z2, &s);
    /* z3 = 3 t4 - 2 z3 */
    via_fq2_sub(&z3, &t4, &z3);
    via_fq2_dbl(&z3, &z3);
    via_fq2_add(&r->c0.c2, &z3, &t4);
    /* z4 = 3 t2 - 2 z4 */
    via_fq2_sub(&z4, &t2, &z4);
    via_fq2_dbl(&z4, &z4);
    via_fq2_add(&r->c0.c1, &z4, &t2);
    /* z5 = 3 t3 + 2 z5 */
    via_fq2_add(&z5, &t3, &z5);
    via_fq2_dbl(&z5, &z5);
    via_fq2_add(&r->c1.c2, &z5, &t3);
}
