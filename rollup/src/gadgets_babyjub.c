/*
 * BabyJubJub gadgets and EdDSA-Poseidon verification (circomlib EdDSAPoseidonVerifier).
 *
 * Point addition is circomlib's BabyAdd (6 constraints, complete on the curve). Its output
 * coordinates are quotients, and computing each one with a field inversion would dominate
 * witness generation, so the scalar multiplications first run the same double-and-add chain
 * natively in projective coordinates, normalise every intermediate point with one batched
 * inversion, and hand each addition its expected output as a hint. The hint only supplies the
 * value of the output wires; the constraints are the same, and BOTH-mode tests check them.
 */
#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/babyjub.h"
#include "via/poseidon.h"
#include "via/simd52.h"
#include "via/runtime.h"
#include "via/gadgets_babyjub.h"

static via_fr g_a, g_d;
static pthread_once_t g_const_once = PTHREAD_ONCE_INIT;

#define FIX_WINDOWS 85 /* ceil(253 / 3) */
static via_babyjub_point g_fix[FIX_WINDOWS][8];

static void init_consts(void) {
    via_fr_set_u64(&g_a, 168700);
    via_fr_set_u64(&g_d, 168696);
    via_babyjub_point base;
    via_babyjub_base8(&base);
    for (int j = 0; j < FIX_WINDOWS; j++) {
        via_babyjub_identity(&g_fix[j][0]);
        for (int w = 1; w < 8; w++)
            via_babyjub_add(&g_fix[j][w], &g_fix[j][w - 1], &base);
        for (int k = 0; k < 3; k++)
            via_babyjub_double(&base, &base);
    }
}

void via_g_point_free(via_g_point *p) {
    via_lc_free(&p->x);
    via_lc_free(&p->y);
}

via_g_point via_g_point_vars(via_cs *cs, via_var x, via_var y) {
    via_g_point p = {via_lc_var(cs, x), via_lc_var(cs, y)};
    return p;
}

void via_g_babyjub_on_curve(via_cs *cs, const via_g_point *p) {
    pthread_once(&g_const_once, init_consts);
    via_cs_push(cs, "babyjub_on_curve");
    via_var xx = via_g_mul(cs, &p->x, &p->x);
    via_var yy = via_g_mul(cs, &p->y, &p->y);
    via_lc lxx = via_lc_var(cs, xx), lyy = via_lc_var(cs, yy);
    /* (d xx) * yy = a xx + yy - 1 */
    via_lc dxx = VIA_LC_INIT, rhs = VIA_LC_INIT;
    via_lc_add_var(cs, &dxx, xx, &g_d);
    via_lc_add_var(cs, &rhs, xx, &g_a);
    via_lc_add_var1(cs, &rhs, yy);
    via_fr m1;
    via_fr_set_one(&m1);
    via_fr_neg(&m1, &m1);
    via_lc_add_const(cs, &rhs, &m1);
    via_cs_enforce(cs, &dxx, &lyy, &rhs);
    via_lc_free(&lxx);
    via_lc_free(&lyy);
    via_lc_free(&dxx);
    via_lc_free(&rhs);
    via_cs_pop(cs);
}

/* Output of BabyAdd from its intermediate values: one inversion for both denominators; a
 * zero one (points off the curve, forced witnesses) keeps the separate inversions, where 1/0
 * reads as 0. */
static void add_output(via_fr *xo, via_fr *yo, const via_fr *beta, const via_fr *gamma,
                       const via_fr *delta, const via_fr *tau) {
    via_fr numx, numy, denx, deny, t, i, dd;
    via_fr_add(&numx, beta, gamma);
    via_fr_mul(&t, &g_a, beta);
    via_fr_add(&numy, delta, &t);
    via_fr_sub(&numy, &numy, gamma);
    via_fr_mul(&t, &g_d, tau);
    via_fr_set_one(&denx);
    via_fr_sub(&deny, &denx, &t);
    via_fr_add(&denx, &denx, &t);
    via_fr_mul(&dd, &denx, &deny);
    if (!via_fr_is_zero(&dd)) {
        via_fr_inv_var(&i, &dd);
        via_fr_mul(xo, &numx, &deny);
        via_fr_mul(xo, xo, &i);
        via_fr_mul(yo, &numy, &denx);
        via_fr_mul(yo, yo, &i);
    } else {
        via_fr_inv_var(&i, &denx);
        via_fr_mul(xo, &numx, &i);
        via_fr_inv_var(&i, &deny);
        via_fr_mul(yo, &numy, &i);
    }
}

static via_g_point point_of_values(const via_fr *x, const via_fr *y) {
    via_g_point r = {VIA_LC_INIT, VIA_LC_INIT};
    r.x.val = *x;
    r.y.val = *y;
    return r;
}

/* BabyAdd's products of its inputs: beta = px qy, gamma = py qx, delta = (py - a px)(qx + qy),
 * tau = beta gamma. */
static void add_products(via_fr pre[4], const via_fr *px, const via_fr *py, const via_fr *qx,
                         const via_fr *qy) {
    via_fr u, v;
    via_fr_mul(&pre[0], px, qy);
    via_fr_mul(&pre[1], py, qx);
    via_fr_mul(&u, &g_a, px);
    via_fr_sub(&u, py, &u);
    via_fr_add(&v, qx, qy);
    via_fr_mul(&pre[2], &u, &v);
    via_fr_mul(&pre[3], &pre[0], &pre[1]);
}

/* Witness-only BabyAdd: the six wires beta, gamma, delta, tau, x, y in the order the
 * constraint path allocates them, and its six constraints counted; pre (may be NULL) holds
 * the first four when known. */
static via_g_point add_hint_witness(via_cs *cs, const via_g_point *p, const via_g_point *q,
                                    const via_babyjub_point *hint, const via_fr *pre) {
    via_var first;
    via_fr *w = via_cs_vars_alloc(cs, 6, &first);
    if (pre)
        memcpy(w, pre, 4 * sizeof *w);
    else
        add_products(w, &p->x.val, &p->y.val, &q->x.val, &q->y.val);
    if (hint) {
        w[4] = hint->x;
        w[5] = hint->y;
    } else {
        add_output(&w[4], &w[5], &w[0], &w[1], &w[2], &w[3]);
    }
    via_cs_count_constraints(cs, 6);
    return point_of_values(&w[4], &w[5]);
}

/* circomlib BabyAdd; hint (may be NULL) supplies the output value. */
static via_g_point add_hint_pre(via_cs *cs, const via_g_point *p, const via_g_point *q,
                                const via_babyjub_point *hint, const via_fr *pre);
static via_g_point add_hint(via_cs *cs, const via_g_point *p, const via_g_point *q,
                            const via_babyjub_point *hint) {
    return add_hint_pre(cs, p, q, hint, NULL);
}

/* add_hint with BabyAdd's products (pre, may be NULL) known, for witness-only contexts. */
static via_g_point add_hint_pre(via_cs *cs, const via_g_point *p, const via_g_point *q,
                                const via_babyjub_point *hint, const via_fr *pre) {
    pthread_once(&g_const_once, init_consts);
    if (!via_cs_has_shape(cs)) return add_hint_witness(cs, p, q, hint, pre);
    via_cs_push(cs, "babyjub_add");
    via_var beta = via_g_mul(cs, &p->x, &q->y);
    via_var gamma = via_g_mul(cs, &p->y, &q->x);
    via_lc u = VIA_LC_INIT, v = VIA_LC_INIT;
    via_fr ma;
    via_fr_neg(&ma, &g_a);
    via_lc_add_lc(cs, &u, &p->x, &ma);
    via_lc_add_lc(cs, &u, &p->y, NULL);
    via_lc_add_lc(cs, &v, &q->x, NULL);
    via_lc_add_lc(cs, &v, &q->y, NULL);
    via_var delta = via_g_mul(cs, &u, &v);
    via_lc lb = via_lc_var(cs, beta), lg = via_lc_var(cs, gamma);
    via_var tau = via_g_mul(cs, &lb, &lg);

    /* num_x = beta + gamma, den_x = 1 + d tau; num_y = delta + a beta - gamma, den_y = 1 - d tau */
    via_lc numx = VIA_LC_INIT, denx = via_lc_u64(cs, 1), numy = VIA_LC_INIT,
           deny = via_lc_u64(cs, 1);
    via_lc_add_var1(cs, &numx, beta);
    via_lc_add_var1(cs, &numx, gamma);
    via_lc_add_var(cs, &denx, tau, &g_d);
    via_fr md;
    via_fr_neg(&md, &g_d);
    via_lc_add_var(cs, &deny, tau, &md);
    via_lc_add_var1(cs, &numy, delta);
    via_lc_add_var(cs, &numy, beta, &g_a);
    via_lc_sub_var1(cs, &numy, gamma);

    via_fr xo, yo;
    via_fr_set_zero(&xo);
    via_fr_set_zero(&yo);
    if (via_cs_has_witness(cs)) {
        if (hint) {
            xo = hint->x;
            yo = hint->y;
        } else {
            add_output(&xo, &yo, via_cs_val(cs, beta), via_cs_val(cs, gamma), via_cs_val(cs, delta),
                       via_cs_val(cs, tau));
        }
    }
    via_var vx = via_cs_var_new(cs, &xo), vy = via_cs_var_new(cs, &yo);
    via_g_point out = via_g_point_vars(cs, vx, vy);
    via_cs_enforce(cs, &denx, &out.x, &numx);
    via_cs_enforce(cs, &deny, &out.y, &numy);
    via_lc_free(&u);
    via_lc_free(&v);
    via_lc_free(&lb);
    via_lc_free(&lg);
    via_lc_free(&numx);
    via_lc_free(&denx);
    via_lc_free(&numy);
    via_lc_free(&deny);
    via_cs_pop(cs);
    return out;
}

via_g_point via_g_babyjub_add(via_cs *cs, const via_g_point *p, const via_g_point *q) {
    return add_hint(cs, p, q, NULL);
}

via_g_point via_g_babyjub_dbl(via_cs *cs, const via_g_point *p) {
    return add_hint(cs, p, p, NULL);
}

/* ---- native projective arithmetic for hints ---- */

typedef struct {
    via_fr x, y, z;
} proj;

static void proj_from_affine(proj *r, const via_fr *x, const via_fr *y) {
    r->x = *x;
    r->y = *y;
    via_fr_set_one(&r->z);
}

/* Complete projective twisted Edwards addition (add-2008-bbjlp). */
static void proj_add(proj *r, const proj *p, const proj *q) {
    via_fr A, B, C, D, E, F, G, t1, t2;
    via_fr_mul(&A, &p->z, &q->z);
    via_fr_sqr(&B, &A);
    via_fr_mul(&C, &p->x, &q->x);
    via_fr_mul(&D, &p->y, &q->y);
    via_fr_mul(&E, &C, &D);
    via_fr_mul(&E, &E, &g_d);
    via_fr_sub(&F, &B, &E);
    via_fr_add(&G, &B, &E);
    via_fr_add(&t1, &p->x, &p->y);
    via_fr_add(&t2, &q->x, &q->y);
    via_fr_mul(&t1, &t1, &t2);
    via_fr_sub(&t1, &t1, &C);
    via_fr_sub(&t1, &t1, &D);
    via_fr_mul(&t1, &t1, &A);
    via_fr_mul(&r->x, &t1, &F);
    via_fr_mul(&t2, &C, &g_a);
    via_fr_sub(&t2, &D, &t2);
    via_fr_mul(&t2, &t2, &A);
    via_fr_mul(&r->y, &t2, &G);
    via_fr_mul(&r->z, &F, &G);
}

static void proj_normalize(via_babyjub_point *out, const proj *in, size_t n) {
    via_fr *z = via_xmalloc(n * sizeof(via_fr));
    via_fr *zi = via_xmalloc(n * sizeof(via_fr));
    for (size_t i = 0; i < n; i++)
        z[i] = in[i].z;
    via_fr_batch_inv_var(zi, z, n);
    for (size_t i = 0; i < n; i++) {
        via_fr_mul(&out[i].x, &in[i].x, &zi[i]);
        via_fr_mul(&out[i].y, &in[i].y, &zi[i]);
    }
    free(z);
    free(zi);
}

static via_g_point select_point(via_cs *cs, via_var cond, const via_g_point *a,
                                const via_g_point *b) {
    via_var x = via_g_select(cs, cond, &a->x, &b->x);
    via_var y = via_g_select(cs, cond, &a->y, &b->y);
    return via_g_point_vars(cs, x, y);
}

/* The double-and-add of via_g_babyjub_mul_var with hd[i] = 2^(i+1) p (i < n - 1) and
 * hs[i] = acc_i + 2^i p (i >= 1) as the additions' outputs (NULL: computed). */
static via_g_point mul_var_core(via_cs *cs, const via_var *bits, unsigned n, const via_g_point *p,
                                const via_babyjub_point *hd, const via_babyjub_point *hs,
                                const via_fr (*pre_d)[4], const via_fr (*pre_s)[4]) {
    via_g_point q = {VIA_LC_INIT, VIA_LC_INIT};
    via_lc_copy(cs, &q.x, &p->x);
    via_lc_copy(cs, &q.y, &p->y);
    /* acc_1 = bit0 ? p : identity */
    via_g_point id = {via_lc_u64(cs, 0), via_lc_u64(cs, 1)};
    via_g_point acc = select_point(cs, bits[0], &q, &id);
    via_g_point_free(&id);
    for (unsigned i = 1; i < n; i++) {
        via_g_point nq =
            add_hint_pre(cs, &q, &q, hd ? &hd[i - 1] : NULL, pre_d ? pre_d[i - 1] : NULL);
        via_g_point_free(&q);
        q = nq;
        via_g_point s = add_hint_pre(cs, &acc, &q, hs ? &hs[i] : NULL, pre_s ? pre_s[i] : NULL);
        via_g_point na = select_point(cs, bits[i], &s, &acc);
        via_g_point_free(&s);
        via_g_point_free(&acc);
        acc = na;
    }
    via_g_point_free(&q);
    return acc;
}

via_g_point via_g_babyjub_mul_var(via_cs *cs, const via_var *bits, unsigned n,
                                  const via_g_point *p) {
    pthread_once(&g_const_once, init_consts);
    assert(n >= 1);
    via_cs_push(cs, "babyjub_mul_var");
    /* hints: dbl[i] = 2^(i+1) p for i < n-1; sum[i] = acc_i + 2^i p for i >= 1 */
    via_babyjub_point *hd = NULL, *hs = NULL;
    if (via_cs_has_witness(cs)) {
        proj *pd = via_xmalloc(2 * n * sizeof(proj));
        proj *ps = pd + n;
        proj q, acc;
        proj_from_affine(&q, &p->x.val, &p->y.val);
        via_fr zero, one;
        via_fr_set_zero(&zero);
        via_fr_set_one(&one);
        proj_from_affine(&acc, &zero, &one);
        for (unsigned i = 0; i < n; i++) {
            proj_add(&ps[i], &acc, &q);
            if (!via_fr_is_zero(via_cs_val(cs, bits[i]))) acc = ps[i];
            proj_add(&pd[i], &q, &q);
            q = pd[i];
        }
        hd = via_xmalloc(2 * n * sizeof(via_babyjub_point));
        hs = hd + n;
        proj_normalize(hd, pd, 2 * n);
        free(pd);
    }
    via_g_point acc = mul_var_core(cs, bits, n, p, hd, hs, NULL, NULL);
    free(hd);
    via_cs_pop(cs);
    return acc;
}

static via_g_point mul_base8_core(via_cs *cs, const via_var *bits, unsigned n,
                                  const via_babyjub_point *hint, const via_fr (*pre)[4]);

via_g_point via_g_babyjub_mul_base8(via_cs *cs, const via_var *bits, unsigned n) {
    pthread_once(&g_const_once, init_consts);
    assert(n >= 1 && n <= 3 * FIX_WINDOWS);
    via_cs_push(cs, "babyjub_mul_base8");
    unsigned nw = (n + 2) / 3;
    via_babyjub_point *hint = NULL;
    if (via_cs_has_witness(cs)) {
        proj *ps = via_xmalloc(nw * sizeof(proj));
        proj acc;
        for (unsigned j = 0; j < nw; j++) {
            unsigned w = 0;
            for (unsigned k = 0; k < 3 && 3 * j + k < n; k++)
                w |= (via_fr_is_zero(via_cs_val(cs, bits[3 * j + k])) ? 0u : 1u) << k;
            proj t;
            proj_from_affine(&t, &g_fix[j][w].x, &g_fix[j][w].y);
            if (j == 0)
                acc = t;
            else
                proj_add(&acc, &acc, &t);
            ps[j] = acc;
        }
        hint = via_xmalloc(nw * sizeof(via_babyjub_point));
        proj_normalize(hint, ps, nw);
        free(ps);
    }
    via_g_point acc = mul_base8_core(cs, bits, n, hint, NULL);
    free(hint);
    via_cs_pop(cs);
    return acc;
}

/* The windowed sum of via_g_babyjub_mul_base8 with hint[j] (j >= 1) the sum after window j
 * (NULL: computed). */
static via_g_point mul_base8_core(via_cs *cs, const via_var *bits, unsigned n,
                                  const via_babyjub_point *hint, const via_fr (*pre)[4]) {
    unsigned nw = (n + 2) / 3;
    via_g_point acc = {VIA_LC_INIT, VIA_LC_INIT};
    if (!via_cs_has_shape(cs)) {
        /* witness only: the lookup's monomial wires are products of window bits (1 exactly when
         * all of their bits are set) and the lookup's value is the table entry itself */
        for (unsigned j = 0; j < nw; j++) {
            unsigned nb = n - 3 * j < 3 ? n - 3 * j : 3, w = 0;
            for (unsigned k = 0; k < nb; k++)
                w |= (via_fr_is_zero(via_cs_val(cs, bits[3 * j + k])) ? 0u : 1u) << k;
            uint64_t cons = 0;
            for (unsigned S = 1; S < (1u << nb); S++) {
                if ((S & (S - 1)) == 0) continue;
                via_fr v;
                via_fr_set_u64(&v, (w & S) == S);
                via_cs_var_new(cs, &v);
                cons++;
            }
            via_cs_count_constraints(cs, cons);
            via_g_point t = point_of_values(&g_fix[j][w].x, &g_fix[j][w].y);
            acc = j == 0
                      ? t
                      : add_hint_witness(cs, &acc, &t, hint ? &hint[j] : NULL, pre ? pre[j] : NULL);
        }
        return acc;
    }
    for (unsigned j = 0; j < nw; j++) {
        /* window lookup: f(b) = sum_S c_S prod_{i in S} b_i over the subsets of the window's
         * bits (Moebius transform of the 8 table entries); the products are shared by x, y. */
        unsigned nb = n - 3 * j < 3 ? n - 3 * j : 3;
        via_var mono[8];
        mono[0] = 0;
        for (unsigned S = 1; S < (1u << nb); S++) {
            if ((S & (S - 1)) == 0) {
                mono[S] = bits[3 * j + (unsigned)__builtin_ctz(S)];
            } else {
                unsigned low = S & (0u - S);
                via_lc a = via_lc_var(cs, mono[low]), b = via_lc_var(cs, mono[S ^ low]);
                mono[S] = via_g_mul(cs, &a, &b);
                via_lc_free(&a);
                via_lc_free(&b);
            }
        }
        via_g_point t = {VIA_LC_INIT, VIA_LC_INIT};
        for (unsigned S = 0; S < (1u << nb); S++) {
            via_fr cx, cy;
            via_fr_set_zero(&cx);
            via_fr_set_zero(&cy);
            for (unsigned T = S;; T = (T - 1) & S) {
                int neg = (__builtin_popcount(S) - __builtin_popcount(T)) & 1;
                if (neg) {
                    via_fr_sub(&cx, &cx, &g_fix[j][T].x);
                    via_fr_sub(&cy, &cy, &g_fix[j][T].y);
                } else {
                    via_fr_add(&cx, &cx, &g_fix[j][T].x);
                    via_fr_add(&cy, &cy, &g_fix[j][T].y);
                }
                if (T == 0) break;
            }
            via_lc_add_var(cs, &t.x, mono[S], &cx); /* mono[0] = wire 0 = 1 */
            via_lc_add_var(cs, &t.y, mono[S], &cy);
        }
        if (j == 0) {
            acc = t;
        } else {
            via_g_point na = add_hint(cs, &acc, &t, hint ? &hint[j] : NULL);
            via_g_point_free(&acc);
            via_g_point_free(&t);
            acc = na;
        }
    }
    return acc;
}

/* ---- precomputed witness aids of the EdDSA gadget ---- */

int via_g_eddsa_hints_compute_var(via_g_eddsa_hints *h, const via_fr *ax, const via_fr *ay,
                                  const via_fr *r8x, const via_fr *r8y, const via_fr *s,
                                  const via_fr *hm) {
    pthread_once(&g_const_once, init_consts);
    h->ax = *ax;
    h->ay = *ay;
    h->r8x = *r8x;
    h->r8y = *r8y;
    h->s = *s;
    h->hm = *hm;
    h->valid = h->ok = 0;
    via_babyjub_point a = {*ax, *ay}, r8 = {*r8x, *r8y};
    /* off the curve the gadget keeps its own computation (BabyAdd's 1/0 = 0 conventions) */
    if (!via_babyjub_on_curve(&a) || !via_babyjub_on_curve(&r8)) return 0;
    enum { NP = 3 + 2 * 254 + 1 + FIX_WINDOWS };
    via_babyjub_proj *pp = via_xmalloc((NP + 1) * sizeof *pp);
    via_babyjub_proj *pa = pp, *pd = pp + 3, *ps = pd + 254, *pr = ps + 254, *pb = pr + 1;
    via_babyjub_proj q, acc, t;
    via_babyjub_proj_from_affine(&q, &a);
    for (int k = 0; k < 3; k++) {
        via_babyjub_proj_dbl(&pa[k], &q);
        q = pa[k];
    }
    uint64_t hb[4], sb[4];
    via_fr_to_canon(hb, hm);
    via_fr_to_canon(sb, s);
    via_babyjub_point id;
    via_babyjub_identity(&id);
    via_babyjub_proj_from_affine(&acc, &id);
    for (unsigned i = 0; i < 254; i++) {
        via_babyjub_proj_add(&ps[i], &acc, &q);
        if ((hb[i / 64] >> (i % 64)) & 1) acc = ps[i];
        via_babyjub_proj_dbl(&pd[i], &q);
        q = pd[i];
    }
    via_babyjub_proj_from_affine(&t, &r8);
    via_babyjub_proj_add(pr, &t, &acc);
    for (unsigned j = 0; j < FIX_WINDOWS; j++) {
        unsigned w = 0;
        for (unsigned k = 0; k < 3 && 3 * j + k < 253; k++)
            w |= (unsigned)((sb[(3 * j + k) / 64] >> ((3 * j + k) % 64)) & 1) << k;
        via_babyjub_proj_from_affine(&t, &g_fix[j][w]);
        if (j == 0)
            pb[0] = t;
        else
            via_babyjub_proj_add(&pb[j], &pb[j - 1], &t);
    }
    /* one inversion for every Z and for 8A's X (1 / 8A.x = Z / X) */
    via_fr *z = via_xmalloc(2 * (NP + 1) * sizeof *z), *zi = z + NP + 1;
    for (int i = 0; i < NP; i++)
        z[i] = pp[i].z;
    z[NP] = pa[2].x;
    via_fr_batch_inv_var(zi, z, NP + 1);
    via_babyjub_point *out[NP];
    out[0] = &h->a2;
    out[1] = &h->a4;
    out[2] = &h->a8;
    for (int i = 0; i < 254; i++) {
        out[3 + i] = &h->hm_dbl[i];
        out[3 + 254 + i] = &h->hm_sum[i];
    }
    out[3 + 2 * 254] = &h->right;
    for (int j = 0; j < FIX_WINDOWS; j++)
        out[4 + 2 * 254 + j] = &h->s_base[j];
    for (int i = 0; i < NP; i++) {
        via_fr_mul(&out[i]->x, &pp[i].x, &zi[i]);
        via_fr_mul(&out[i]->y, &pp[i].y, &zi[i]);
    }
    via_fr_mul(&h->a8x_inv, &pa[2].z, &zi[NP]);
    free(z);
    free(pp);
    /* the additions' products, from their affine inputs (entries no addition uses: zero) */
    memset(h->pre_dbl[253], 0, sizeof h->pre_dbl[253]);
    memset(h->pre_sum[0], 0, sizeof h->pre_sum[0]);
    memset(h->pre_base[0], 0, sizeof h->pre_base[0]);
    add_products(h->pre_a[0], &a.x, &a.y, &a.x, &a.y);
    add_products(h->pre_a[1], &h->a2.x, &h->a2.y, &h->a2.x, &h->a2.y);
    add_products(h->pre_a[2], &h->a4.x, &h->a4.y, &h->a4.x, &h->a4.y);
    via_babyjub_point cur = (hb[0] & 1) ? h->a8 : id, dq = h->a8;
    for (unsigned i = 1; i < 254; i++) {
        add_products(h->pre_dbl[i - 1], &dq.x, &dq.y, &dq.x, &dq.y);
        dq = h->hm_dbl[i - 1];
        add_products(h->pre_sum[i], &cur.x, &cur.y, &dq.x, &dq.y);
        if ((hb[i / 64] >> (i % 64)) & 1) cur = h->hm_sum[i];
    }
    add_products(h->pre_right, &r8.x, &r8.y, &cur.x, &cur.y);
    for (unsigned j = 1; j < FIX_WINDOWS; j++) {
        unsigned w = 0;
        for (unsigned k = 0; k < 3 && 3 * j + k < 253; k++)
            w |= (unsigned)((sb[(3 * j + k) / 64] >> ((3 * j + k) % 64)) & 1) << k;
        add_products(h->pre_base[j], &h->s_base[j - 1].x, &h->s_base[j - 1].y, &g_fix[j][w].x,
                     &g_fix[j][w].y);
    }
    h->valid = 1;
    h->ok = !via_fr_is_zero(&h->a8.x) && via_babyjub_eq(&h->s_base[FIX_WINDOWS - 1], &h->right);
    return h->ok;
}

#if VIA_HAVE_SIMD52
/*
 * Eight slots' aids at once, one slot per lane of simd52.h's vectors: the same projective
 * chains (dbl-2008-bbjlp, add-2008-bbjlp), per-lane bit choices as masked blends, the
 * fixed-base table read by gather, and the normalisation by Montgomery's trick inside each
 * lane with the eight lane inverses from one more batch inversion. Only for lanes whose A and
 * R8 are on the curve (the others are computed and discarded). Affine results are canonical,
 * so they equal the scalar function's.
 */
typedef struct {
    via_v52 x, y, z;
} vproj;

VIA_V52_INLINE void v52_set(via_v52 *r, const via_fr *v) {
    via_v52_bcast(r, v->l);
}

static VIA_SIMD52_FN void vproj_add(vproj *r, const vproj *p, const vproj *q, const via_v52 *ca,
                                    const via_v52 *cd) {
    const via_s52_mod *m = &via_s52_fr;
    via_v52 A, B, C, D, E, F, G, t1, t2;
    via_v52_mul(&A, &p->z, &q->z, m);
    via_v52_sqr(&B, &A, m);
    via_v52_mul(&C, &p->x, &q->x, m);
    via_v52_mul(&D, &p->y, &q->y, m);
    via_v52_mul(&E, &C, &D, m);
    via_v52_mul(&E, &E, cd, m);
    via_v52_sub(&F, &B, &E, m);
    via_v52_add(&G, &B, &E, m);
    via_v52_add(&t1, &p->x, &p->y, m);
    via_v52_add(&t2, &q->x, &q->y, m);
    via_v52_mul(&t1, &t1, &t2, m);
    via_v52_sub(&t1, &t1, &C, m);
    via_v52_sub(&t1, &t1, &D, m);
    via_v52_mul(&t1, &t1, &A, m);
    via_v52_mul(&t2, &C, ca, m);
    via_v52_sub(&t2, &D, &t2, m);
    via_v52_mul(&t2, &t2, &A, m);
    via_v52_mul(&r->x, &t1, &F, m);
    via_v52_mul(&r->y, &t2, &G, m);
    via_v52_mul(&r->z, &F, &G, m);
}

static VIA_SIMD52_FN void vproj_dbl(vproj *r, const vproj *p, const via_v52 *ca) {
    const via_s52_mod *m = &via_s52_fr;
    via_v52 b, c, d, e, f, h, j, t;
    via_v52_add(&b, &p->x, &p->y, m);
    via_v52_sqr(&b, &b, m);
    via_v52_sqr(&c, &p->x, m);
    via_v52_sqr(&d, &p->y, m);
    via_v52_mul(&e, ca, &c, m);
    via_v52_add(&f, &e, &d, m);
    via_v52_sqr(&h, &p->z, m);
    via_v52_add(&h, &h, &h, m);
    via_v52_sub(&j, &f, &h, m);
    via_v52_sub(&t, &b, &c, m);
    via_v52_sub(&t, &t, &d, m);
    via_v52_mul(&r->x, &t, &j, m);
    via_v52_sub(&t, &e, &d, m);
    via_v52_mul(&r->y, &f, &t, m);
    via_v52_mul(&r->z, &f, &j, m);
}

VIA_V52_INLINE void vproj_blend(vproj *r, __mmask8 k, const vproj *a) {
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++) {
        r->x.l[i] = _mm512_mask_blend_epi64(k, r->x.l[i], a->x.l[i]);
        r->y.l[i] = _mm512_mask_blend_epi64(k, r->y.l[i], a->y.l[i]);
        r->z.l[i] = _mm512_mask_blend_epi64(k, r->z.l[i], a->z.l[i]);
    }
}

/* Lane j of a, canonical, to *dst[j]. */
static VIA_SIMD52_FN void v52_to_lanes(via_fr *const dst[8], const via_v52 *a) {
    via_v52_scatter_at((void *const *)dst, 0, a, &via_s52_fr);
}

typedef struct {
    via_v52 x, y;
} vaff;

/* BabyAdd's products of p and q in every lane, stored to pre(lane)[0..4). */
static VIA_SIMD52_FN void vadd_products(via_g_eddsa_hints *const h[8], size_t off, const vaff *p,
                                        const vaff *q, const via_v52 *ca) {
    const via_s52_mod *m = &via_s52_fr;
    via_v52 r[4], u, v;
    via_v52_mul(&r[0], &p->x, &q->y, m);
    via_v52_mul(&r[1], &p->y, &q->x, m);
    via_v52_mul(&u, ca, &p->x, m);
    via_v52_sub(&u, &p->y, &u, m);
    via_v52_add(&v, &q->x, &q->y, m);
    via_v52_mul(&r[2], &u, &v, m);
    via_v52_mul(&r[3], &r[0], &r[1], m);
    for (int k = 0; k < 4; k++) {
        via_fr *d[8];
        for (int j = 0; j < 8; j++)
            d[j] = (via_fr *)(void *)((char *)h[j] + off) + k;
        v52_to_lanes(d, &r[k]);
    }
}

/* The point (x, y) at byte offsets offx, offy of each lane's hints. */
VIA_V52_INLINE void gather_xy(via_v52 *x, via_v52 *y, via_g_eddsa_hints *const h[8], size_t offx,
                              size_t offy) {
    const void *p[8];
    for (int j = 0; j < 8; j++)
        p[j] = h[j];
    via_v52_gather_at(x, p, offx);
    via_v52_gather_at(y, p, offy);
}

/* The fixed-base table point of 3-bit window w of each lane's scalar (canonical limbs sb). */
VIA_V52_INLINE void gather_window(via_v52 *x, via_v52 *y, const uint64_t sb[8][4], unsigned w) {
    const uint64_t *px[8], *py[8];
    for (int j = 0; j < 8; j++) {
        unsigned d = 0;
        for (unsigned k = 0; k < 3 && 3 * w + k < 253; k++)
            d |= (unsigned)((sb[j][(3 * w + k) / 64] >> ((3 * w + k) % 64)) & 1) << k;
        px[j] = g_fix[w][d].x.l;
        py[j] = g_fix[w][d].y.l;
    }
    via_v52_gather(x, px);
    via_v52_gather(y, py);
}

static VIA_SIMD52_FN void hints_x8(via_g_eddsa_hints *const h[8]) {
    enum { NP = 3 + 2 * 254 + 1 + FIX_WINDOWS };
    const via_s52_mod *m = &via_s52_fr;
    via_v52 ca, cd, one;
    v52_set(&ca, &g_a);
    v52_set(&cd, &g_d);
    via_fr fone;
    via_fr_set_one(&fone);
    v52_set(&one, &fone);
    /* vector types want 64-byte alignment */
    vproj *pp = aligned_alloc(64, NP * sizeof *pp);
    via_v52 *pre = aligned_alloc(64, (NP + 1) * sizeof *pre);
    if (!pp || !pre) {
        fprintf(stderr, "via: out of memory for the EdDSA gadget aids\n");
        abort();
    }
    vaff *aff = aligned_alloc(64, NP * sizeof *aff);
    if (!aff) {
        fprintf(stderr, "via: out of memory for the EdDSA gadget aids\n");
        abort();
    }
    vproj *pa = pp, *pd = pp + 3, *ps = pd + 254, *pr = ps + 254, *pb = pr + 1;
    vproj q, acc, t;
    vaff va, vr8;
    gather_xy(&q.x, &q.y, h, offsetof(via_g_eddsa_hints, ax), offsetof(via_g_eddsa_hints, ay));
    q.z = one;
    va.x = q.x;
    va.y = q.y;
    for (int k = 0; k < 3; k++) {
        vproj_dbl(&pa[k], &q, &ca);
        q = pa[k];
    }
    uint64_t hb[8][4], sb[8][4];
    for (int j = 0; j < 8; j++) {
        via_fr_to_canon(hb[j], &h[j]->hm);
        via_fr_to_canon(sb[j], &h[j]->s);
    }
    memset(&acc, 0, sizeof acc);
    acc.y = one;
    acc.z = one;
    for (unsigned i = 0; i < 254; i++) {
        vproj_add(&ps[i], &acc, &q, &ca, &cd);
        __mmask8 k = 0;
        for (int j = 0; j < 8; j++)
            k |= (__mmask8)(((hb[j][i / 64] >> (i % 64)) & 1) << j);
        vproj_blend(&acc, k, &ps[i]);
        vproj_dbl(&pd[i], &q, &ca);
        q = pd[i];
    }
    gather_xy(&t.x, &t.y, h, offsetof(via_g_eddsa_hints, r8x), offsetof(via_g_eddsa_hints, r8y));
    t.z = one;
    vr8.x = t.x;
    vr8.y = t.y;
    vproj_add(pr, &t, &acc, &ca, &cd);
    for (unsigned w = 0; w < FIX_WINDOWS; w++) {
        gather_window(&t.x, &t.y, sb, w);
        t.z = one;
        if (w == 0)
            pb[0] = t;
        else
            vproj_add(&pb[w], &pb[w - 1], &t, &ca, &cd);
    }
    /* Montgomery's trick in every lane over the Z's and 8A's X; the eight lane products are
     * inverted together */
    via_v52 run = one;
    for (int i = 0; i <= NP; i++) {
        pre[i] = run;
        via_v52_mul(&run, &run, i < NP ? &pp[i].z : &pa[2].x, m);
    }
    via_fr lane[8], lane_inv[8];
    via_fr *lp[8];
    for (int j = 0; j < 8; j++)
        lp[j] = &lane[j];
    v52_to_lanes(lp, &run);
    via_fr_batch_inv_var(lane_inv, lane, 8);
    via_v52_load8(&run, lane_inv[0].l); /* 1 / product, per lane */
    via_fr *dx[8], *dy[8];
    for (int i = NP; i >= 0; i--) {
        via_v52 zi;
        via_v52_mul(&zi, &run, &pre[i], m);
        if (i == NP) {
            via_v52_mul(&run, &run, &pa[2].x, m);
            via_v52 inv;
            via_v52_mul(&inv, &zi, &pa[2].z, m);
            for (int j = 0; j < 8; j++)
                dx[j] = &h[j]->a8x_inv;
            v52_to_lanes(dx, &inv);
            continue;
        }
        via_v52_mul(&run, &run, &pp[i].z, m);
        via_babyjub_point *o[8];
        for (int j = 0; j < 8; j++) {
            via_g_eddsa_hints *hj = h[j];
            o[j] = i < 3          ? (i == 0   ? &hj->a2
                                     : i == 1 ? &hj->a4
                                              : &hj->a8)
                   : i < 3 + 254  ? &hj->hm_dbl[i - 3]
                   : i < 3 + 508  ? &hj->hm_sum[i - 3 - 254]
                   : i == 3 + 508 ? &hj->right
                                  : &hj->s_base[i - 4 - 508];
            dx[j] = &o[j]->x;
            dy[j] = &o[j]->y;
        }
        via_v52_mul(&aff[i].x, &pp[i].x, &zi, m);
        via_v52_mul(&aff[i].y, &pp[i].y, &zi, m);
        v52_to_lanes(dx, &aff[i].x);
        v52_to_lanes(dy, &aff[i].y);
    }
    /* the additions' products, from their affine inputs, as in via_g_eddsa_hints_compute_var */
    vadd_products(h, offsetof(via_g_eddsa_hints, pre_a[0]), &va, &va, &ca);
    vadd_products(h, offsetof(via_g_eddsa_hints, pre_a[1]), &aff[0], &aff[0], &ca);
    vadd_products(h, offsetof(via_g_eddsa_hints, pre_a[2]), &aff[1], &aff[1], &ca);
    vaff cur, dq = aff[2];
    memset(&cur, 0, sizeof cur);
    cur.y = one;
    __mmask8 k0 = 0;
    for (int j = 0; j < 8; j++)
        k0 |= (__mmask8)((hb[j][0] & 1) << j);
    VIA_V52_UNROLL
    for (int l = 0; l < 5; l++) {
        cur.x.l[l] = _mm512_mask_blend_epi64(k0, cur.x.l[l], dq.x.l[l]);
        cur.y.l[l] = _mm512_mask_blend_epi64(k0, cur.y.l[l], dq.y.l[l]);
    }
    for (unsigned i = 1; i < 254; i++) {
        vadd_products(h, offsetof(via_g_eddsa_hints, pre_dbl[i - 1]), &dq, &dq, &ca);
        dq = aff[3 + i - 1];
        vadd_products(h, offsetof(via_g_eddsa_hints, pre_sum[i]), &cur, &dq, &ca);
        __mmask8 k = 0;
        for (int j = 0; j < 8; j++)
            k |= (__mmask8)(((hb[j][i / 64] >> (i % 64)) & 1) << j);
        const vaff *s = &aff[3 + 254 + i];
        VIA_V52_UNROLL
        for (int l = 0; l < 5; l++) {
            cur.x.l[l] = _mm512_mask_blend_epi64(k, cur.x.l[l], s->x.l[l]);
            cur.y.l[l] = _mm512_mask_blend_epi64(k, cur.y.l[l], s->y.l[l]);
        }
    }
    vadd_products(h, offsetof(via_g_eddsa_hints, pre_right), &vr8, &cur, &ca);
    for (unsigned w = 1; w < FIX_WINDOWS; w++) {
        vaff tb;
        gather_window(&tb.x, &tb.y, sb, w);
        vadd_products(h, offsetof(via_g_eddsa_hints, pre_base[w]), &aff[4 + 508 + w - 1], &tb, &ca);
    }
    for (int j = 0; j < 8; j++) {
        memset(h[j]->pre_dbl[253], 0, sizeof h[j]->pre_dbl[253]);
        memset(h[j]->pre_sum[0], 0, sizeof h[j]->pre_sum[0]);
        memset(h[j]->pre_base[0], 0, sizeof h[j]->pre_base[0]);
    }
    free(aff);
    free(pre);
    free(pp);
}
#endif

void via_g_eddsa_hints_compute_many_var(via_g_eddsa_hints *h, const via_fr *in, size_t n) {
    pthread_once(&g_const_once, init_consts);
    size_t i = 0;
#if VIA_HAVE_SIMD52
    if (via_simd52_have) {
        via_g_eddsa_hints *pad = NULL;
        for (; i + 2 <= n; i += 8) {
            via_g_eddsa_hints *g[8];
            for (size_t j = 0; j < 8; j++) {
                if (i + j < n) {
                    g[j] = &h[i + j];
                } else {
                    if (!pad) pad = via_xmalloc(sizeof *pad);
                    g[j] = pad;
                }
                const via_fr *x = in + 6 * (i + (i + j < n ? j : 0));
                g[j]->ax = x[0];
                g[j]->ay = x[1];
                g[j]->r8x = x[2];
                g[j]->r8y = x[3];
                g[j]->s = x[4];
                g[j]->hm = x[5];
            }
            hints_x8(g);
            for (size_t j = 0; j < 8 && i + j < n; j++) {
                via_g_eddsa_hints *hj = g[j];
                via_babyjub_point a = {hj->ax, hj->ay}, r8 = {hj->r8x, hj->r8y};
                hj->valid = via_babyjub_on_curve(&a) && via_babyjub_on_curve(&r8);
                hj->ok = hj->valid && !via_fr_is_zero(&hj->a8.x) &&
                         via_babyjub_eq(&hj->s_base[FIX_WINDOWS - 1], &hj->right);
            }
        }
        free(pad);
    }
#endif
    for (; i < n; i++) {
        const via_fr *x = in + 6 * i;
        via_g_eddsa_hints_compute_var(&h[i], &x[0], &x[1], &x[2], &x[3], &x[4], &x[5]);
    }
}

static void eddsa_verify(via_cs *cs, via_var enabled, const via_lc *ax, const via_lc *ay,
                         const via_lc *s, const via_lc *r8x, const via_lc *r8y, const via_lc *msg,
                         const via_g_eddsa_hints *h);

void via_g_eddsa_poseidon_verify(via_cs *cs, via_var enabled, const via_lc *ax, const via_lc *ay,
                                 const via_lc *s, const via_lc *r8x, const via_lc *r8y,
                                 const via_lc *msg) {
    eddsa_verify(cs, enabled, ax, ay, s, r8x, r8y, msg, NULL);
}

void via_g_eddsa_poseidon_verify_hinted(via_cs *cs, via_var enabled, const via_lc *ax,
                                        const via_lc *ay, const via_lc *s, const via_lc *r8x,
                                        const via_lc *r8y, const via_lc *msg,
                                        const via_g_eddsa_hints *h) {
    /* the hints serve witness-only contexts, and only the inputs they were computed for */
    if (h && (via_cs_has_shape(cs) || !h->valid || !via_fr_eq(&h->ax, &ax->val) ||
              !via_fr_eq(&h->ay, &ay->val) || !via_fr_eq(&h->r8x, &r8x->val) ||
              !via_fr_eq(&h->r8y, &r8y->val) || !via_fr_eq(&h->s, &s->val)))
        h = NULL;
    eddsa_verify(cs, enabled, ax, ay, s, r8x, r8y, msg, h);
}

static void eddsa_verify(via_cs *cs, via_var enabled, const via_lc *ax, const via_lc *ay,
                         const via_lc *s, const via_lc *r8x, const via_lc *r8y, const via_lc *msg,
                         const via_g_eddsa_hints *h) {
    pthread_once(&g_const_once, init_consts);
    via_cs_push(cs, "eddsa_poseidon");
    via_lc en = via_lc_var(cs, enabled);
    via_lc zero = VIA_LC_INIT;

    /* S < l: 253 bits, and (for enabled) integer(bits) <= l - 1 */
    via_var sbits[253];
    via_g_to_bits(cs, sbits, s, 253);
    {
        /* gated comparison: gt = [S > l-1] computed, then enabled * gt = 0 */
        uint64_t lm1[4], one[4] = {1, 0, 0, 0};
        via_limbs_sub(lm1, via_babyjub_l, one);
        if (!via_cs_has_shape(cs)) {
            /* witness only: the chain's products, then the gated constraint */
            via_fr eq, e;
            via_fr_set_one(&eq);
            for (unsigned i = 253; i-- > 0;) {
                unsigned ki = (unsigned)(lm1[i / 64] >> (i % 64)) & 1;
                via_fr_mul(&e, &eq, via_cs_val(cs, sbits[i]));
                via_cs_var_new(cs, &e);
                if (ki)
                    eq = e;
                else
                    via_fr_sub(&eq, &eq, &e);
            }
            via_cs_count_constraints(cs, 253 + 1);
        } else {
            via_cs_push(cs, "s_lt_l");
            /* walk from the top: eq = prefix equal so far; gt accumulates eq * b_i where k_i = 0 */
            via_lc eq = via_lc_u64(cs, 1), gt = VIA_LC_INIT;
            for (unsigned i = 253; i-- > 0;) {
                unsigned ki = (unsigned)(lm1[i / 64] >> (i % 64)) & 1;
                via_lc b = via_lc_var(cs, sbits[i]);
                via_var e = via_g_mul(cs, &eq, &b); /* eq and bit set */
                if (ki) {
                    via_lc_free(&eq);
                    eq = via_lc_var(cs, e);
                } else {
                    via_lc_add_var1(cs, &gt, e);
                    via_lc_sub_var1(cs, &eq, e); /* eq * (1 - b) */
                }
                via_lc_free(&b);
            }
            via_cs_enforce(cs, &en, &gt, &zero);
            via_lc_free(&eq);
            via_lc_free(&gt);
            via_cs_pop(cs);
        }
    }

    /* hm = Poseidon(R8x, R8y, Ax, Ay, M), strict bits */
    via_lc hin[5] = {*r8x, *r8y, *ax, *ay, *msg};
    via_var hm = via_g_poseidon(cs, hin, 5);
    if (h && !via_fr_eq(&h->hm, via_cs_val(cs, hm))) h = NULL;
    via_lc lhm = via_lc_var(cs, hm);
    via_var hbits[254];
    via_g_to_bits_strict(cs, hbits, &lhm);
    via_lc_free(&lhm);

    /* 8A by three doublings; enabled => 8A.x != 0 */
    via_g_point a = {VIA_LC_INIT, VIA_LC_INIT};
    via_lc_copy(cs, &a.x, ax);
    via_lc_copy(cs, &a.y, ay);
    for (int k = 0; k < 3; k++) {
        const via_babyjub_point *hk = h ? (k == 0 ? &h->a2 : k == 1 ? &h->a4 : &h->a8) : NULL;
        via_g_point d = h ? add_hint_pre(cs, &a, &a, hk, h->pre_a[k]) : via_g_babyjub_dbl(cs, &a);
        via_g_point_free(&a);
        a = d;
    }
    if (h) {
        /* is_zero's wires (inverse, flag) from the hint, and its two constraints; then the gate */
        via_fr flag;
        via_fr_set_zero(&flag);
        if (via_fr_is_zero(&a.x.val)) via_fr_set_one(&flag);
        via_cs_var_new(cs, &h->a8x_inv);
        via_cs_var_new(cs, &flag);
        via_cs_count_constraints(cs, 3);
    } else {
        via_var z = via_g_is_zero(cs, &a.x);
        via_lc lz = via_lc_var(cs, z);
        via_cs_enforce(cs, &en, &lz, &zero);
        via_lc_free(&lz);
    }

    via_g_point right =
        h ? mul_var_core(cs, hbits, 254, &a, h->hm_dbl, h->hm_sum, h->pre_dbl, h->pre_sum)
          : via_g_babyjub_mul_var(cs, hbits, 254, &a);
    via_g_point r8 = {VIA_LC_INIT, VIA_LC_INIT};
    via_lc_copy(cs, &r8.x, r8x);
    via_lc_copy(cs, &r8.y, r8y);
    via_g_point right2 = h ? add_hint_pre(cs, &r8, &right, &h->right, h->pre_right)
                           : via_g_babyjub_add(cs, &r8, &right);
    via_g_point left = h ? mul_base8_core(cs, sbits, 253, h->s_base, h->pre_base)
                         : via_g_babyjub_mul_base8(cs, sbits, 253);

    via_lc dx = VIA_LC_INIT, dy = VIA_LC_INIT;
    via_lc_add_lc(cs, &dx, &left.x, NULL);
    via_lc_sub_lc(cs, &dx, &right2.x);
    via_lc_add_lc(cs, &dy, &left.y, NULL);
    via_lc_sub_lc(cs, &dy, &right2.y);
    via_cs_push(cs, "equation");
    via_cs_enforce(cs, &en, &dx, &zero);
    via_cs_enforce(cs, &en, &dy, &zero);
    via_cs_pop(cs);

    via_lc_free(&dx);
    via_lc_free(&dy);
    via_g_point_free(&a);
    via_g_point_free(&right);
    via_g_point_free(&right2);
    via_g_point_free(&left);
    via_g_point_free(&r8);
    via_lc_free(&en);
    via_cs_pop(cs);
}
