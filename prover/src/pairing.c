/* Optimal ate pairing on BN254 (docs/sources.md: bn254).
 *
 * Miller loop over the NAF of 6u+2 with the twist point T kept in homogeneous projective
 * coordinates (X : Y : Z) ~ (X/Z, Y/Z), so no inversion is needed inside the loop. Each line
 * is scaled by an Fq2 factor, which the final exponentiation removes (p^2 - 1 divides its
 * exponent). With the D-type untwist (x, y) -> (x w^2, y w^3), a line through twist points
 * with slope lambda, evaluated at P = (xP, yP), is  yP - lambda xP w + (lambda xT - yT) w^3:
 * coefficient a at 1, b at w and c at w^3 = v w, the shape fq12_mul_by_line takes.
 *
 * Several pairs share one Miller loop (one squaring of f per step) and one final
 * exponentiation. The final exponentiation is the textbook (p^12-1)/r: the easy part
 * (p^6-1)(p^2+1) by conjugation, inversion and Frobenius, the hard part (p^4-p^2+1)/r by the
 * Scott et al. addition chain in u. The pairing inputs are public; nothing here is constant
 * time. */
#include "via/curve.h"

#include "via/runtime.h"

#define BN_U 0x44e992b44a6909f1ULL

typedef struct {
    via_fq2 x, y, z;
} proj_pt;

static void fq2_halve_const(via_fq *half) {
    via_fq two;
    via_fq_set_u64(&two, 2);
    via_fq_inv_var(half, &two);
}

/* T = 2T; line (a, b, c) at P. Aranha-Karabina-Longa-Gebotys-Lopez (2011), D-type twist:
 * A = XY/2, B = Y^2, C = Z^2, E = 3b'C, F = 3E, G = (B+F)/2, H = (Y+Z)^2 - (B+C),
 * X3 = A(B-F), Y3 = G^2 - 3E^2, Z3 = BH; line -H yP + 3X^2 xP w + (E - B) w^3. */
static void dbl_step(proj_pt *t, via_fq2 *a, via_fq2 *b, via_fq2 *c, const via_g1_affine *p,
                     const via_fq *half) {
    const via_fq2 *bt = &via_tower_get()->twist_b;
    via_fq2 A, B, C, E, F, G, H, J, s;
    via_fq2_mul(&A, &t->x, &t->y);
    via_fq2_mul_fq(&A, &A, half);
    via_fq2_sqr(&B, &t->y);
    via_fq2_sqr(&C, &t->z);
    via_fq2_mul(&E, &C, bt);
    via_fq2_dbl(&s, &E);
    via_fq2_add(&E, &E, &s);
    via_fq2_dbl(&F, &E);
    via_fq2_add(&F, &F, &E);
    via_fq2_add(&G, &B, &F);
    via_fq2_mul_fq(&G, &G, half);
    via_fq2_add(&H, &t->y, &t->z);
    via_fq2_sqr(&H, &H);
    via_fq2_sub(&H, &H, &B);
    via_fq2_sub(&H, &H, &C);
    via_fq2_sqr(&J, &t->x);
    /* line */
    via_fq2_sub(c, &E, &B);
    via_fq2_dbl(&s, &J);
    via_fq2_add(&s, &s, &J);
    via_fq2_mul_fq(b, &s, &p->x);
    via_fq2_mul_fq(&s, &H, &p->y);
    via_fq2_neg(a, &s);
    /* point */
    via_fq2_sub(&s, &B, &F);
    via_fq2_mul(&t->x, &A, &s);
    via_fq2_sqr(&s, &E);
    via_fq2_sqr(&t->y, &G);
    via_fq2_sub(&t->y, &t->y, &s);
    via_fq2_sub(&t->y, &t->y, &s);
    via_fq2_sub(&t->y, &t->y, &s);
    via_fq2_mul(&t->z, &B, &H);
}

/* T = T + Q for affine Q; line (a, b, c) at P:
 * theta = Y - yQ Z, lambda = X - xQ Z, line lambda yP - theta xP w + (theta xQ - lambda yQ) w^3. */
static void add_step(proj_pt *t, via_fq2 *a, via_fq2 *b, via_fq2 *c, const via_g2_affine *q,
                     const via_g1_affine *p) {
    via_fq2 theta, lam, C, D, E, F, G, H, s;
    via_fq2_mul(&s, &q->y, &t->z);
    via_fq2_sub(&theta, &t->y, &s);
    via_fq2_mul(&s, &q->x, &t->z);
    via_fq2_sub(&lam, &t->x, &s);
    via_fq2_sqr(&C, &theta);
    via_fq2_sqr(&D, &lam);
    via_fq2_mul(&E, &lam, &D);
    via_fq2_mul(&F, &t->z, &C);
    via_fq2_mul(&G, &t->x, &D);
    via_fq2_add(&H, &E, &F);
    via_fq2_sub(&H, &H, &G);
    via_fq2_sub(&H, &H, &G);
    /* line */
    via_fq2_mul(c, &theta, &q->x);
    via_fq2_mul(&s, &lam, &q->y);
    via_fq2_sub(c, c, &s);
    via_fq2_mul_fq(&s, &theta, &p->x);
    via_fq2_neg(b, &s);
    via_fq2_mul_fq(a, &lam, &p->y);
    /* point */
    via_fq2_mul(&t->x, &lam, &H);
    via_fq2_sub(&s, &G, &H);
    via_fq2_mul(&s, &s, &theta);
    via_fq2_mul(&H, &E, &t->y);
    via_fq2_sub(&t->y, &s, &H);
    via_fq2_mul(&t->z, &t->z, &E);
}

/* NAF digits of 6u+2, least significant first; returns the count. */
static int ate_naf(int8_t naf[70]) {
    via_u128 e = (via_u128)6 * BN_U + 2;
    int n = 0;
    while (e) {
        int d = 0;
        if (e & 1) {
            d = 2 - (int)(e & 3); /* 1 or -1 */
            if (d > 0)
                e -= 1;
            else
                e += 1;
        }
        naf[n++] = (int8_t)d;
        e >>= 1;
    }
    return n;
}

static void miller_loop(via_fq12 *f, const via_g1_affine *p, const via_g2_affine *q, size_t n) {
    via_fq12_set_one(f);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!via_g1_affine_is_inf(&p[i]) && !via_g2_affine_is_inf(&q[i])) m++;
    if (m == 0) return;
    proj_pt *t = via_xcalloc(m, sizeof *t);
    size_t *idx = via_xcalloc(m, sizeof *idx);
    via_g2_affine *qneg = via_xcalloc(m, sizeof *qneg);
    m = 0;
    for (size_t i = 0; i < n; i++) {
        if (via_g1_affine_is_inf(&p[i]) || via_g2_affine_is_inf(&q[i])) continue;
        idx[m] = i;
        t[m].x = q[i].x;
        t[m].y = q[i].y;
        via_fq2_set_one(&t[m].z);
        via_g2_affine_neg(&qneg[m], &q[i]);
        m++;
    }
    via_fq half;
    fq2_halve_const(&half);
    int8_t naf[70];
    int len = ate_naf(naf);
    via_fq2 a, b, c;
    /* the top digit is 1: T starts at Q */
    for (int k = len - 2; k >= 0; k--) {
        via_fq12_sqr(f, f);
        for (size_t j = 0; j < m; j++) {
            const via_g1_affine *pj = &p[idx[j]];
            dbl_step(&t[j], &a, &b, &c, pj, &half);
            via_fq12_mul_by_line(f, &a, &b, &c);
            if (naf[k]) {
                add_step(&t[j], &a, &b, &c, naf[k] > 0 ? &q[idx[j]] : &qneg[j], pj);
                via_fq12_mul_by_line(f, &a, &b, &c);
            }
        }
    }
    /* tail: T + pi(Q), then T - pi^2(Q) */
    const via_tower_consts *k = via_tower_get();
    for (size_t j = 0; j < m; j++) {
        const via_g2_affine *qj = &q[idx[j]];
        const via_g1_affine *pj = &p[idx[j]];
        via_g2_affine q1, q2;
        via_fq2_conj(&q1.x, &qj->x);
        via_fq2_mul(&q1.x, &q1.x, &k->g1[2]);
        via_fq2_conj(&q1.y, &qj->y);
        via_fq2_mul(&q1.y, &q1.y, &k->g1[3]);
        via_fq2_mul(&q2.x, &qj->x, &k->g2[2]);
        q2.y = qj->y;
        add_step(&t[j], &a, &b, &c, &q1, pj);
        via_fq12_mul_by_line(f, &a, &b, &c);
        add_step(&t[j], &a, &b, &c, &q2, pj);
        via_fq12_mul_by_line(f, &a, &b, &c);
    }
    via_xfree(t);
    via_xfree(idx);
    via_xfree(qneg);
}

/* r = a^e for a in the cyclotomic subgroup (square-and-multiply with cyclotomic squarings). */
static void cyclotomic_pow_var(via_fq12 *r, const via_fq12 *a, const uint64_t *e, size_t nlimbs) {
    via_fq12 acc, base = *a;
    via_fq12_set_one(&acc);
    int started = 0;
    for (size_t i = nlimbs * 64; i-- > 0;) {
        if (started) via_fq12_cyclotomic_sqr(&acc, &acc);
        if ((e[i / 64] >> (i % 64)) & 1) {
            via_fq12_mul(&acc, &acc, &base);
            started = 1;
        }
    }
    *r = acc;
}

static void exp_by_u(via_fq12 *r, const via_fq12 *a) {
    uint64_t e = BN_U;
    cyclotomic_pow_var(r, a, &e, 1);
}

void via_final_exp(via_fq12 *r, const via_fq12 *f) {
    via_fq12 t0, t1, t2, fp, fp2, fp3, fu, fu2, fu3, y0, y1, y2, y3, y4, y5, y6;
    /* easy part: f^((p^6-1)(p^2+1)) */
    via_fq12_inv(&t0, f);
    via_fq12_conj(&t1, f);
    via_fq12_mul(&t1, &t1, &t0);
    via_fq12_frobenius(&t2, &t1, 2);
    via_fq12_mul(&t1, &t1, &t2);
    /* hard part (p^4-p^2+1)/r */
    via_fq12_frobenius(&fp, &t1, 1);
    via_fq12_frobenius(&fp2, &t1, 2);
    via_fq12_frobenius(&fp3, &t1, 3);
    exp_by_u(&fu, &t1);
    exp_by_u(&fu2, &fu);
    exp_by_u(&fu3, &fu2);
    via_fq12_frobenius(&y3, &fu, 1);
    via_fq12_conj(&y3, &y3);
    via_fq12_frobenius(&y4, &fu2, 1);
    via_fq12_mul(&y4, &y4, &fu);
    via_fq12_conj(&y4, &y4);
    via_fq12_frobenius(&y6, &fu3, 1);
    via_fq12_mul(&y6, &y6, &fu3);
    via_fq12_conj(&y6, &y6);
    via_fq12_frobenius(&y2, &fu2, 2);
    via_fq12_mul(&y0, &fp, &fp2);
    via_fq12_mul(&y0, &y0, &fp3);
    via_fq12_conj(&y1, &t1);
    via_fq12_conj(&y5, &fu2);

    via_fq12_cyclotomic_sqr(&t0, &y6);
    via_fq12_mul(&t0, &t0, &y4);
    via_fq12_mul(&t0, &t0, &y5);
    via_fq12_mul(&t1, &y3, &y5);
    via_fq12_mul(&t1, &t1, &t0);
    via_fq12_mul(&t0, &t0, &y2);
    via_fq12_cyclotomic_sqr(&t1, &t1);
    via_fq12_mul(&t1, &t1, &t0);
    via_fq12_cyclotomic_sqr(&t1, &t1);
    via_fq12_mul(&t0, &t1, &y1);
    via_fq12_mul(&t1, &t1, &y0);
    via_fq12_cyclotomic_sqr(&t0, &t0);
    via_fq12_mul(r, &t0, &t1);
}

typedef struct {
    const via_g1_affine *p;
    const via_g2_affine *q;
    via_fq12 *acc; /* one per worker */
} miller_job;

static void miller_range(void *arg, size_t begin, size_t end, unsigned worker) {
    miller_job *job = arg;
    via_fq12 f;
    miller_loop(&f, job->p + begin, job->q + begin, end - begin);
    via_fq12_mul(&job->acc[worker], &job->acc[worker], &f);
}

/* Below this many pairs one thread does the whole Miller loop. */
#define PAIRING_PARALLEL_MIN 8

void via_miller_loop_multi(via_fq12 *r, const via_g1_affine *p, const via_g2_affine *q, size_t n) {
    via_fq12 f;
    unsigned threads = via_get_threads();
    if (n < PAIRING_PARALLEL_MIN || threads <= 1) {
        miller_loop(&f, p, q, n);
    } else {
        /* Miller loops over slices of the pairs in parallel, multiplied together: the
         * product of Miller functions is the Miller function of the product. */
        miller_job job = {p, q, via_xcalloc(threads, sizeof(via_fq12))};
        for (unsigned i = 0; i < threads; i++)
            via_fq12_set_one(&job.acc[i]);
        via_parallel_for(n, PAIRING_PARALLEL_MIN / 2, miller_range, &job);
        f = job.acc[0];
        for (unsigned i = 1; i < threads; i++)
            via_fq12_mul(&f, &f, &job.acc[i]);
        via_xfree(job.acc);
    }
    *r = f;
}

void via_pairing_multi(via_fq12 *r, const via_g1_affine *p, const via_g2_affine *q, size_t n) {
    via_fq12 f;
    via_miller_loop_multi(&f, p, q, n);
    via_final_exp(r, &f);
}

int via_pairing_check(const via_g1_affine *p, const via_g2_affine *q, size_t n) {
    via_fq12 r;
    via_pairing_multi(&r, p, q, n);
    return via_fq12_is_one(&r);
}

void via_pairing_snarkjs_gt(via_fq12 *r, const via_g1_affine *p, const via_g2_affine *q) {
    /* m = 2u(6u^2 + 3u + 1), 190 bits */
    via_u128 inner = (via_u128)6 * BN_U * BN_U + (via_u128)3 * BN_U + 1;
    uint64_t lo = (uint64_t)inner, hi = (uint64_t)(inner >> 64);
    via_u128 t0 = (via_u128)lo * (2 * BN_U);
    via_u128 t1 = (via_u128)hi * (2 * BN_U) + (uint64_t)(t0 >> 64);
    uint64_t m[3] = {(uint64_t)t0, (uint64_t)t1, (uint64_t)(t1 >> 64)};
    via_fq12 e;
    via_pairing_multi(&e, p, q, 1);
    cyclotomic_pow_var(r, &e, m, 3);
}
