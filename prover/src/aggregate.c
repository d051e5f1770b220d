/* SnarkPack aggregation of Groth16 proofs; see via/aggregate.h and docs/aggregate.md. */
#include "via/aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/file.h"
#include "via/runtime.h"
#include "via/transcript.h"

#define DOMAIN "via-snarkpack-v2-bn254"

uint32_t via_aggregate_padded(size_t n) {
    if (n == 0 || n > VIA_AGG_MAX_PROOFS) return 0;
    uint32_t m = 2;
    while (m < n)
        m <<= 1;
    return m;
}

static unsigned log2u(uint32_t m) {
    unsigned l = 0;
    while ((1u << l) < m)
        l++;
    return l;
}

static void to_scalar(via_scalar *s, const via_fr *a) {
    via_fr_to_canon(s->l, a);
}

/* ---- the statement: everything bound before the first challenge ---- */
static void bind_statement(via_transcript *t, const via_groth16_vk *vk,
                           const via_scalar *const *pubs, size_t n, uint32_t m) {
    via_transcript_init(t, DOMAIN);
    via_transcript_append_g1(t, "vk.alpha1", &vk->alpha1);
    via_transcript_append_g2(t, "vk.beta2", &vk->beta2);
    via_transcript_append_g2(t, "vk.gamma2", &vk->gamma2);
    via_transcript_append_g2(t, "vk.delta2", &vk->delta2);
    via_transcript_append_u64(t, "vk.n_public", vk->n_public);
    for (uint32_t k = 0; k <= vk->n_public; k++)
        via_transcript_append_g1(t, "vk.ic", &vk->ic[k]);
    via_transcript_append_u64(t, "n", n);
    via_transcript_append_u64(t, "m", m);
    /* every public input of every proof, in order, as one message per proof */
    size_t row = (size_t)vk->n_public * 32;
    uint8_t *buf = via_xmalloc(row ? row : 1);
    for (size_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < vk->n_public; k++) {
            uint8_t le[32];
            via_limbs_to_bytes_le(le, pubs[i][k].l);
            for (int b = 0; b < 32; b++)
                buf[32 * k + b] = le[31 - b];
        }
        via_transcript_append(t, "public", buf, row);
    }
    via_xfree(buf);
}

static void append_commitment(via_transcript *t, const char *label, const via_ipp_commitment *c) {
    char l[64];
    snprintf(l, sizeof l, "%s.t", label);
    via_transcript_append_gt(t, l, &c->t);
    snprintf(l, sizeof l, "%s.u", label);
    via_transcript_append_gt(t, l, &c->u);
}

static void append_round(via_transcript *t, const via_aggregate_round *r) {
    append_commitment(t, "tab_l", &r->tab_l);
    append_commitment(t, "tab_r", &r->tab_r);
    append_commitment(t, "tc_l", &r->tc_l);
    append_commitment(t, "tc_r", &r->tc_r);
    via_transcript_append_gt(t, "zab_l", &r->zab_l);
    via_transcript_append_gt(t, "zab_r", &r->zab_r);
    via_transcript_append_g1(t, "zc_l", &r->zc_l);
    via_transcript_append_g1(t, "zc_r", &r->zc_r);
}

static void append_finals(via_transcript *t, const via_aggregate *a) {
    via_transcript_append_g1(t, "final_a", &a->final_a);
    via_transcript_append_g2(t, "final_b", &a->final_b);
    via_transcript_append_g1(t, "final_c", &a->final_c);
    via_transcript_append_g2(t, "final_v1", &a->final_v1);
    via_transcript_append_g2(t, "final_v2", &a->final_v2);
    via_transcript_append_g1(t, "final_w1", &a->final_w1);
    via_transcript_append_g1(t, "final_w2", &a->final_w2);
}

static int check_pubs(const via_groth16_vk *vk, const via_scalar *const *pubs, size_t n,
                      via_error *err) {
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < vk->n_public; k++)
            if (!via_limbs_lt(pubs[i][k].l, via_fr_mod.p))
                return via_fail(err, VIA_EINVAL,
                                "proof %zu: public input %u is not below the group order r", i + 1,
                                k + 1);
    return VIA_OK;
}

/* ---- parallel point operations ---- */
typedef struct {
    void *out;
    const void *in, *add;
    const via_scalar *k; /* per element, or */
    via_scalar one_k;    /* the same for all when k is NULL */
} pt_op;

/* out[i] = add[i] + k_i in[i] (add may be NULL) */
static void g1_range(void *arg, size_t b, size_t e, unsigned w) {
    (void)w;
    pt_op *o = arg;
    via_g1 *t = via_xmalloc((e - b) * sizeof *t);
    for (size_t i = b; i < e; i++) {
        via_g1 p;
        via_g1_from_affine(&p, (const via_g1_affine *)o->in + i);
        via_g1_mul_var(&p, &p, o->k ? o->k[i].l : o->one_k.l);
        if (o->add) via_g1_add_mixed(&p, &p, (const via_g1_affine *)o->add + i);
        t[i - b] = p;
    }
    via_g1_batch_to_affine((via_g1_affine *)o->out + b, t, e - b);
    via_xfree(t);
}

static void g2_range(void *arg, size_t b, size_t e, unsigned w) {
    (void)w;
    pt_op *o = arg;
    via_g2 *t = via_xmalloc((e - b) * sizeof *t);
    for (size_t i = b; i < e; i++) {
        via_g2 p;
        via_g2_from_affine(&p, (const via_g2_affine *)o->in + i);
        via_g2_mul_var(&p, &p, o->k ? o->k[i].l : o->one_k.l);
        if (o->add) via_g2_add_mixed(&p, &p, (const via_g2_affine *)o->add + i);
        t[i - b] = p;
    }
    via_g2_batch_to_affine((via_g2_affine *)o->out + b, t, e - b);
    via_xfree(t);
}

static void scale_g1(via_g1_affine *out, const via_g1_affine *in, const via_scalar *k, size_t n) {
    pt_op o = {out, in, NULL, k, {{0}}};
    via_parallel_for(n, 16, g1_range, &o);
}
static void scale_g2(via_g2_affine *out, const via_g2_affine *in, const via_scalar *k, size_t n) {
    pt_op o = {out, in, NULL, k, {{0}}};
    via_parallel_for(n, 8, g2_range, &o);
}
/* l[i] = l[i] + x r[i] for i < n */
static void fold_g1(via_g1_affine *l, const via_g1_affine *r, const via_scalar *x, size_t n) {
    pt_op o = {l, r, l, NULL, *x};
    via_parallel_for(n, 16, g1_range, &o);
}
static void fold_g2(via_g2_affine *l, const via_g2_affine *r, const via_scalar *x, size_t n) {
    pt_op o = {l, r, l, NULL, *x};
    via_parallel_for(n, 8, g2_range, &o);
}

/* MSMs below this size stay on the CPU even with a device backend (launch cost). */
#define DEVICE_MSM_MIN 256

static int on_device(const via_aggregate_opts *o, size_t n) {
    return n >= (o->device_msm_min ? o->device_msm_min : DEVICE_MSM_MIN);
}

static int msm1(const via_aggregate_opts *o, via_g1 *out, const via_g1_affine *b,
                const via_scalar *s, size_t n, via_error *err) {
    const via_groth16_backend *be = o ? o->backend : NULL;
    if (be && be->msm_g1 && on_device(o, n)) return be->msm_g1(be->ctx, out, b, s, n, err);
    int rc = via_msm_g1(out, b, s, n);
    return rc ? via_fail(err, rc, "aggregate: G1 MSM of %zu points failed", n) : VIA_OK;
}

static int msm2(const via_aggregate_opts *o, via_g2 *out, const via_g2_affine *b,
                const via_scalar *s, size_t n, via_error *err) {
    const via_groth16_backend *be = o ? o->backend : NULL;
    if (be && be->msm_g2 && on_device(o, n)) return be->msm_g2(be->ctx, out, b, s, n, err);
    int rc = via_msm_g2(out, b, s, n);
    return rc ? via_fail(err, rc, "aggregate: G2 MSM of %zu points failed", n) : VIA_OK;
}

static void progress(const via_aggregate_opts *o, const char *stage, double f) {
    if (o && o->progress) o->progress(o->progress_ctx, stage, f);
}

/* Coefficients of prod_j (1 + c_j X^(2^(l-1-j))), j < l: coef[i] = product of c_j over the
 * bits of i (bit l-1-j for round j), 2^l of them. */
static void expand(via_fr *coef, const via_fr *c, unsigned l) {
    via_fr_set_one(&coef[0]);
    size_t size = 1;
    for (unsigned b = 0; b < l; b++) {
        const via_fr *cj = &c[l - 1 - b];
        for (size_t i = 0; i < size; i++)
            via_fr_mul(&coef[size + i], &coef[i], cj);
        size *= 2;
    }
}

/* (f(X) - f(z)) / (X - z) for f of degree d (d + 1 coefficients): d coefficients, canonical. */
static void quotient(via_scalar *q, const via_fr *f, size_t d, const via_fr *z) {
    via_fr acc = f[d];
    for (size_t i = d; i-- > 0;) {
        to_scalar(&q[i], &acc);
        via_fr t;
        via_fr_mul(&t, &acc, z);
        via_fr_add(&acc, &t, &f[i]);
    }
}

/* prod_j (1 + c_j y^(2^(l-1-j))) */
static void eval_product(via_fr *out, const via_fr *c, unsigned l, const via_fr *y) {
    via_fr p = *y, one;
    via_fr_set_one(&one);
    via_fr_set_one(out);
    for (unsigned b = 0; b < l; b++) { /* p = y^(2^b) */
        via_fr t;
        via_fr_mul(&t, &c[l - 1 - b], &p);
        via_fr_add(&t, &t, &one);
        via_fr_mul(out, out, &t);
        via_fr_sqr(&p, &p);
    }
}

static int pair_prod(via_gt *out, const via_g1_affine *a, const via_g2_affine *b, size_t n) {
    via_gt_pairing(out, a, b, n);
    return VIA_OK;
}

int via_aggregate_prove(via_aggregate *out, const via_srs *srs, const via_groth16_vk *vk,
                        const via_groth16_proof *proofs, const via_scalar *const *pubs, size_t n,
                        const via_aggregate_opts *opts, via_error *err) {
    uint32_t m = via_aggregate_padded(n);
    if (!m)
        return via_fail(err, VIA_EINVAL, "aggregate: %zu proofs; from 1 to %u can be aggregated", n,
                        VIA_AGG_MAX_PROOFS);
    if (srs->verifier_only)
        return via_fail(err, VIA_EINVAL,
                        "aggregate: the SRS is the verifier's part only; aggregating needs the "
                        "full SRS");
    if (m > srs->n)
        return via_fail(err, VIA_EINVAL,
                        "aggregate: %zu proofs pad to %u, but the SRS serves at most %u (make "
                        "one with `via-prover srs --max %u`)",
                        n, m, srs->n, m);
    int rc = check_pubs(vk, pubs, n, err);
    if (rc) return rc;
    unsigned l = log2u(m);
    memset(out, 0, sizeof *out);
    out->n = (uint32_t)n;
    out->m = m;
    out->n_public = vk->n_public;
    out->rounds = l;

    size_t g1s = m * sizeof(via_g1_affine), g2s = m * sizeof(via_g2_affine);
    via_g1_affine *A = via_malloc_big(g1s), *C = via_malloc_big(g1s);
    via_g1_affine *w1 = via_malloc_big(g1s), *w2 = via_malloc_big(g1s);
    via_g2_affine *B = via_malloc_big(g2s), *v1 = via_malloc_big(g2s), *v2 = via_malloc_big(g2s);
    via_fr *rv = via_malloc_big(2 * (size_t)m * sizeof(via_fr));
    via_scalar *ks = via_malloc_big(2 * (size_t)m * sizeof(via_scalar));
    if (!A || !C || !w1 || !w2 || !B || !v1 || !v2 || !rv || !ks) {
        rc = via_fail(err, VIA_ENOMEM, "aggregate of %u proofs: out of memory", m);
        goto out;
    }
    for (uint32_t i = 0; i < m; i++) {
        const via_groth16_proof *p = &proofs[i < n ? i : n - 1];
        A[i] = p->a;
        B[i] = p->b;
        C[i] = p->c;
    }
    memcpy(v1, srs->h_a, g2s);
    memcpy(v2, srs->h_b, g2s);

    via_transcript t;
    bind_statement(&t, vk, pubs, n, m);
    progress(opts, "aggregate: commitments", 0.0);
    if ((rc = via_ipp_pair_keys(&out->com_ab, v1, v2, srs->g_a + m, srs->g_b + m, A, B, m, err)))
        goto out;
    via_ipp_single_keys(&out->com_c, v1, v2, C, m);
    append_commitment(&t, "com_ab", &out->com_ab);
    append_commitment(&t, "com_c", &out->com_c);
    via_fr r, rinv;
    via_transcript_challenge(&t, "r", &r);
    via_fr_inv(&rinv, &r);

    /* B_i^(r^i), w_i^(r^-i), Z_AB, Z_C */
    via_fr *rpow = rv, *rinvpow = rv + m;
    via_fr_set_one(&rpow[0]);
    via_fr_set_one(&rinvpow[0]);
    for (uint32_t i = 1; i < m; i++) {
        via_fr_mul(&rpow[i], &rpow[i - 1], &r);
        via_fr_mul(&rinvpow[i], &rinvpow[i - 1], &rinv);
    }
    for (uint32_t i = 0; i < m; i++) {
        to_scalar(&ks[i], &rpow[i]);
        to_scalar(&ks[m + i], &rinvpow[i]);
    }
    scale_g2(B, B, ks, m);
    scale_g1(w1, srs->g_a + m, ks + m, m);
    scale_g1(w2, srs->g_b + m, ks + m, m);
    pair_prod(&out->ip_ab, A, B, m);
    via_g1 zc;
    if ((rc = msm1(opts, &zc, C, ks, m, err))) goto out;
    via_g1_to_affine(&out->agg_c, &zc);
    via_transcript_append_gt(&t, "ip_ab", &out->ip_ab);
    via_transcript_append_g1(&t, "agg_c", &out->agg_c);

    /* GIPA: TIPP and MIPP share the challenges and the v keys */
    via_fr xs[VIA_AGG_MAX_ROUNDS], xinvs[VIA_AGG_MAX_ROUNDS];
    size_t len = m;
    for (unsigned j = 0; j < l; j++) {
        progress(opts, "aggregate: rounds", (double)j / l);
        size_t k = len / 2;
        via_aggregate_round *rd = &out->round[j];
        /* tab_l = pair commitment with keys (v_L, w_R) of (A_R, B_L); tab_r the mirror */
        if ((rc = via_ipp_pair_keys(&rd->tab_l, v1, v2, w1 + k, w2 + k, A + k, B, k, err)) ||
            (rc = via_ipp_pair_keys(&rd->tab_r, v1 + k, v2 + k, w1, w2, A, B + k, k, err)))
            goto out;
        pair_prod(&rd->zab_l, A + k, B, k);
        pair_prod(&rd->zab_r, A, B + k, k);
        via_ipp_single_keys(&rd->tc_l, v1, v2, C + k, k);
        via_ipp_single_keys(&rd->tc_r, v1 + k, v2 + k, C, k);
        /* zc_l = sum r_L C_R, zc_r = sum r_R C_L */
        for (size_t i = 0; i < len; i++)
            to_scalar(&ks[i], &rpow[i]);
        via_g1 zl, zr;
        if ((rc = msm1(opts, &zl, C + k, ks, k, err)) || (rc = msm1(opts, &zr, C, ks + k, k, err)))
            goto out;
        via_g1_to_affine(&rd->zc_l, &zl);
        via_g1_to_affine(&rd->zc_r, &zr);
        append_round(&t, rd);
        via_transcript_challenge(&t, "x", &xs[j]);
        via_fr_inv(&xinvs[j], &xs[j]);
        via_scalar x, xi;
        to_scalar(&x, &xs[j]);
        to_scalar(&xi, &xinvs[j]);
        fold_g1(A, A + k, &x, k);
        fold_g2(B, B + k, &xi, k);
        fold_g1(C, C + k, &x, k);
        fold_g2(v1, v1 + k, &xi, k);
        fold_g2(v2, v2 + k, &xi, k);
        fold_g1(w1, w1 + k, &x, k);
        fold_g1(w2, w2 + k, &x, k);
        for (size_t i = 0; i < k; i++) {
            via_fr tt;
            via_fr_mul(&tt, &rpow[k + i], &xinvs[j]);
            via_fr_add(&rpow[i], &rpow[i], &tt);
        }
        len = k;
    }
    out->final_a = A[0];
    out->final_b = B[0];
    out->final_c = C[0];
    out->final_v1 = v1[0];
    out->final_v2 = v2[0];
    out->final_w1 = w1[0];
    out->final_w2 = w2[0];
    append_finals(&t, out);
    via_fr z;
    via_transcript_challenge(&t, "z", &z);

    /* KZG openings of the final keys at z */
    progress(opts, "aggregate: openings", 0.0);
    via_fr *f = rv; /* 2m coefficients (rpow and rinvpow are no longer needed) */
    expand(f, xinvs, l);
    quotient(ks, f, m - 1, &z);
    via_g2 o2;
    if ((rc = msm2(opts, &o2, srs->h_a, ks, m - 1, err))) goto out;
    via_g2_to_affine(&out->open_v1, &o2);
    if ((rc = msm2(opts, &o2, srs->h_b, ks, m - 1, err))) goto out;
    via_g2_to_affine(&out->open_v2, &o2);
    /* f_w(X) = X^m prod_j (1 + x_j (X / r)^(2^(l-1-j))): coefficient of X^(m+i) is
     * (product of the x_j over the bits of i) * r^-i */
    expand(f + m, xs, l);
    via_fr ri;
    via_fr_set_one(&ri);
    for (uint32_t i = 0; i < m; i++) {
        via_fr_set_zero(&f[i]);
        via_fr_mul(&f[m + i], &f[m + i], &ri);
        via_fr_mul(&ri, &ri, &rinv);
    }
    quotient(ks, f, 2 * (size_t)m - 1, &z);
    via_g1 o1;
    if ((rc = msm1(opts, &o1, srs->g_a, ks, 2 * (size_t)m - 1, err))) goto out;
    via_g1_to_affine(&out->open_w1, &o1);
    if ((rc = msm1(opts, &o1, srs->g_b, ks, 2 * (size_t)m - 1, err))) goto out;
    via_g1_to_affine(&out->open_w2, &o1);
    progress(opts, "aggregate: done", 1.0);
    rc = VIA_OK;
out:
    via_free_big(A);
    via_free_big(C);
    via_free_big(w1);
    via_free_big(w2);
    via_free_big(B);
    via_free_big(v1);
    via_free_big(v2);
    via_free_big(rv);
    via_free_big(ks);
    return rc;
}

/* ---- verification ---- */
static int check_g1(const via_g1_affine *p, const char *what, via_error *err) {
    if (!via_g1_affine_on_curve(p))
        return via_fail(err, VIA_EVERIFY, "aggregate: %s is not on the curve", what);
    return VIA_OK;
}
static int check_g2(const via_g2_affine *p, const char *what, via_error *err) {
    if (!via_g2_affine_on_curve(p) || !via_g2_affine_in_subgroup(p))
        return via_fail(err, VIA_EVERIFY,
                        "aggregate: %s is not a point of G2 (off the twist or outside the "
                        "prime-order subgroup)",
                        what);
    return VIA_OK;
}

static void g1_lin(via_g1 *acc, const via_g1_affine *p, const via_fr *k) {
    via_scalar s;
    via_g1 t;
    to_scalar(&s, k);
    via_g1_from_affine(&t, p);
    via_g1_mul_var(&t, &t, s.l);
    via_g1_add(acc, acc, &t);
}

int via_aggregate_verify(const via_srs *srs, const via_groth16_vk *vk,
                         const via_scalar *const *pubs, size_t n, const via_aggregate *agg,
                         via_error *err) {
    uint32_t m = via_aggregate_padded(n);
    if (!m)
        return via_fail(err, VIA_EINVAL, "verify-aggregate: %zu proofs; from 1 to %u are allowed",
                        n, VIA_AGG_MAX_PROOFS);
    if (agg->n != n)
        return via_fail(err, VIA_EVERIFY,
                        "aggregate: it holds %u proofs but %zu sets of public inputs were given",
                        agg->n, n);
    if (agg->m != m || agg->rounds != log2u(m))
        return via_fail(err, VIA_EVERIFY, "aggregate: padded length %u / %u rounds, want %u / %u",
                        agg->m, agg->rounds, m, log2u(m));
    if (agg->n_public != vk->n_public)
        return via_fail(err, VIA_EVERIFY,
                        "aggregate: made for %u public inputs per proof, the key has %u",
                        agg->n_public, vk->n_public);
    if (m > srs->n)
        return via_fail(err, VIA_EVERIFY,
                        "aggregate: %u padded proofs, but the SRS serves at most %u", m, srs->n);
    int rc = check_pubs(vk, pubs, n, err);
    if (rc) return rc;
    unsigned l = agg->rounds;
    char what[48];
    if ((rc = check_g1(&agg->agg_c, "agg_c", err)) ||
        (rc = check_g1(&agg->final_a, "final_a", err)) ||
        (rc = check_g1(&agg->final_c, "final_c", err)) ||
        (rc = check_g1(&agg->final_w1, "final_w1", err)) ||
        (rc = check_g1(&agg->final_w2, "final_w2", err)) ||
        (rc = check_g1(&agg->open_w1, "open_w1", err)) ||
        (rc = check_g1(&agg->open_w2, "open_w2", err)) ||
        (rc = check_g2(&agg->final_b, "final_b", err)) ||
        (rc = check_g2(&agg->final_v1, "final_v1", err)) ||
        (rc = check_g2(&agg->final_v2, "final_v2", err)) ||
        (rc = check_g2(&agg->open_v1, "open_v1", err)) ||
        (rc = check_g2(&agg->open_v2, "open_v2", err)))
        return rc;
    for (unsigned j = 0; j < l; j++) {
        snprintf(what, sizeof what, "round %u zc_l", j + 1);
        if ((rc = check_g1(&agg->round[j].zc_l, what, err))) return rc;
        snprintf(what, sizeof what, "round %u zc_r", j + 1);
        if ((rc = check_g1(&agg->round[j].zc_r, what, err))) return rc;
    }

    /* the transcript, as the prover ran it */
    via_transcript t;
    bind_statement(&t, vk, pubs, n, m);
    append_commitment(&t, "com_ab", &agg->com_ab);
    append_commitment(&t, "com_c", &agg->com_c);
    via_fr r, rinv, xs[VIA_AGG_MAX_ROUNDS], xinvs[VIA_AGG_MAX_ROUNDS], z;
    via_transcript_challenge(&t, "r", &r);
    via_fr_inv(&rinv, &r);
    via_transcript_append_gt(&t, "ip_ab", &agg->ip_ab);
    via_transcript_append_g1(&t, "agg_c", &agg->agg_c);
    for (unsigned j = 0; j < l; j++) {
        append_round(&t, &agg->round[j]);
        via_transcript_challenge(&t, "x", &xs[j]);
        via_fr_inv(&xinvs[j], &xs[j]);
    }
    append_finals(&t, agg);
    via_transcript_challenge(&t, "z", &z);

    /* MIPP: final_c^final_r = agg_c + sum_j (x_j zc_l + x_j^-1 zc_r) */
    via_fr final_r;
    eval_product(&final_r, xinvs, l, &r);
    via_g1 zc, lhs;
    via_g1_from_affine(&zc, &agg->agg_c);
    for (unsigned j = 0; j < l; j++) {
        g1_lin(&zc, &agg->round[j].zc_l, &xs[j]);
        g1_lin(&zc, &agg->round[j].zc_r, &xinvs[j]);
    }
    via_g1_set_inf(&lhs);
    g1_lin(&lhs, &agg->final_c, &final_r);
    if (!via_g1_eq(&lhs, &zc))
        return via_fail(err, VIA_EVERIFY,
                        "aggregate: the MIPP check (final C against the folded C products) fails");

    /* the aggregated public inputs: sum_i r^i IC(a_i) over the padded list */
    uint32_t np = vk->n_public;
    via_fr *s = via_xcalloc((size_t)np + 1, sizeof *s);
    via_fr ri;
    via_fr_set_one(&ri);
    for (uint32_t i = 0; i < m; i++) {
        const via_scalar *row = pubs[i < n ? i : n - 1];
        via_fr_add(&s[0], &s[0], &ri);
        for (uint32_t k = 0; k < np; k++) {
            via_fr a, tt;
            via_fr_from_canon_unchecked(&a, row[k].l);
            via_fr_mul(&tt, &a, &ri);
            via_fr_add(&s[k + 1], &s[k + 1], &tt);
        }
        via_fr_mul(&ri, &ri, &r);
    }
    via_scalar *sk = via_xmalloc(((size_t)np + 1) * sizeof *sk);
    for (uint32_t k = 0; k <= np; k++)
        to_scalar(&sk[k], &s[k]);
    via_g1 ic;
    rc = via_msm_g1(&ic, vk->ic, sk, (size_t)np + 1);
    via_fr sum_r = s[0];
    via_xfree(s);
    via_xfree(sk);
    if (rc) return via_fail(err, rc, "verify-aggregate: public-input MSM failed");

    /* verifier-private coefficients of the random linear combination */
    via_fr rho[10];
    for (int i = 1; i <= 9; i++) {
        via_scalar x;
        if ((rc = via_random_scalar(&x, err))) return rc;
        via_fr_from_canon_unchecked(&rho[i], x.l);
    }
    via_fr fvz, fwz, zr, zm;
    eval_product(&fvz, xinvs, l, &z);
    via_fr_mul(&zr, &z, &rinv);
    eval_product(&fwz, xs, l, &zr);
    zm = z;
    for (unsigned j = 0; j < l; j++)
        via_fr_sqr(&zm, &zm);
    via_fr_mul(&fwz, &fwz, &zm);

    /* GT side: prod of the proof's GT elements, each to its coefficient */
    enum { GT_MAX = 5 + 10 * VIA_AGG_MAX_ROUNDS };
    via_gt *gb = via_xmalloc(GT_MAX * sizeof *gb);
    via_scalar *ge = via_xmalloc(GT_MAX * sizeof *ge);
    size_t ng = 0;
    via_fr one, e;
    via_fr_set_one(&one);
#define GT_TERM(elem, coef)                                                                        \
    do {                                                                                           \
        gb[ng] = (elem);                                                                           \
        to_scalar(&ge[ng], (coef));                                                                \
        ng++;                                                                                      \
    } while (0)
    via_fr_add(&e, &rho[1], &one);
    GT_TERM(agg->ip_ab, &e); /* Z_AB (rho1) and the Groth16 equation (1) */
    GT_TERM(agg->com_ab.t, &rho[2]);
    GT_TERM(agg->com_ab.u, &rho[3]);
    GT_TERM(agg->com_c.t, &rho[4]);
    GT_TERM(agg->com_c.u, &rho[5]);
    for (unsigned j = 0; j < l; j++) {
        const via_aggregate_round *rd = &agg->round[j];
        const via_gt *ls[5] = {&rd->zab_l, &rd->tab_l.t, &rd->tab_l.u, &rd->tc_l.t, &rd->tc_l.u};
        const via_gt *rs[5] = {&rd->zab_r, &rd->tab_r.t, &rd->tab_r.u, &rd->tc_r.t, &rd->tc_r.u};
        for (int q = 0; q < 5; q++) {
            via_fr_mul(&e, &rho[1 + q], &xs[j]);
            GT_TERM(*ls[q], &e);
            via_fr_mul(&e, &rho[1 + q], &xinvs[j]);
            GT_TERM(*rs[q], &e);
        }
    }
#undef GT_TERM
    via_gt want;
    via_gt_multi_pow_var(&want, gb, ge, ng);
    via_xfree(gb);
    via_xfree(ge);

    /* pairing side: one Miller loop over 11 pairs */
    via_g1_affine g = srs->g_a[0];
    via_g1 P[11];
    via_g2_affine Q[11];
    for (int i = 0; i < 11; i++)
        via_g1_set_inf(&P[i]);
    via_fr tmp;
    /* e(A,B)^rho1 e(A,v1)^rho2 e(w1,B)^rho2 e(A,v2)^rho3 e(w2,B)^rho3 */
    Q[0] = agg->final_b;
    g1_lin(&P[0], &agg->final_a, &rho[1]);
    g1_lin(&P[0], &agg->final_w1, &rho[2]);
    g1_lin(&P[0], &agg->final_w2, &rho[3]);
    /* e(C,v1)^rho4 e(C,v2)^rho5, and the KZG v checks' e(g, v_k) */
    Q[1] = agg->final_v1;
    g1_lin(&P[1], &agg->final_a, &rho[2]);
    g1_lin(&P[1], &agg->final_c, &rho[4]);
    g1_lin(&P[1], &g, &rho[6]);
    Q[2] = agg->final_v2;
    g1_lin(&P[2], &agg->final_a, &rho[3]);
    g1_lin(&P[2], &agg->final_c, &rho[5]);
    g1_lin(&P[2], &g, &rho[7]);
    /* everything against h: -f_v(z) g (both v checks), w_k - f_w(z) g + z open_w_k */
    Q[3] = srs->h_a[0];
    via_fr_add(&tmp, &rho[6], &rho[7]);
    via_fr_mul(&tmp, &tmp, &fvz);
    via_fr_neg(&tmp, &tmp);
    g1_lin(&P[3], &g, &tmp);
    via_fr_add(&tmp, &rho[8], &rho[9]);
    via_fr_mul(&tmp, &tmp, &fwz);
    via_fr_neg(&tmp, &tmp);
    g1_lin(&P[3], &g, &tmp);
    g1_lin(&P[3], &agg->final_w1, &rho[8]);
    g1_lin(&P[3], &agg->final_w2, &rho[9]);
    via_fr_mul(&tmp, &rho[8], &z);
    g1_lin(&P[3], &agg->open_w1, &tmp);
    via_fr_mul(&tmp, &rho[9], &z);
    g1_lin(&P[3], &agg->open_w2, &tmp);
    /* e(z g - g^a, open_v1)^rho6, e(z g - g^b, open_v2)^rho7 */
    Q[4] = agg->open_v1;
    via_fr_mul(&tmp, &rho[6], &z);
    g1_lin(&P[4], &g, &tmp);
    via_fr_neg(&tmp, &rho[6]);
    g1_lin(&P[4], &srs->g_a[1], &tmp);
    Q[5] = agg->open_v2;
    via_fr_mul(&tmp, &rho[7], &z);
    g1_lin(&P[5], &g, &tmp);
    via_fr_neg(&tmp, &rho[7]);
    g1_lin(&P[5], &srs->g_b[1], &tmp);
    /* e(-open_w1, h^a)^rho8, e(-open_w2, h^b)^rho9 */
    Q[6] = srs->h_a[1];
    via_fr_neg(&tmp, &rho[8]);
    g1_lin(&P[6], &agg->open_w1, &tmp);
    Q[7] = srs->h_b[1];
    via_fr_neg(&tmp, &rho[9]);
    g1_lin(&P[7], &agg->open_w2, &tmp);
    /* Groth16: e(sum r^i alpha, beta) e(IC_agg, gamma) e(agg_c, delta) = ip_ab */
    Q[8] = vk->beta2;
    g1_lin(&P[8], &vk->alpha1, &sum_r);
    Q[9] = vk->gamma2;
    P[9] = ic;
    Q[10] = vk->delta2;
    via_g1_from_affine(&P[10], &agg->agg_c);
    via_g1_affine Pa[11];
    via_g1_batch_to_affine(Pa, P, 11);
    via_fq12 f;
    via_miller_loop_multi(&f, Pa, Q, 11);
    via_final_exp(&f, &f);
    if (!via_gt_eq(&f, &want))
        return via_fail(err, VIA_EVERIFY,
                        "aggregate: the pairing checks (TIPP, MIPP commitments, KZG openings and "
                        "the aggregated Groth16 equation, combined) fail");
    return VIA_OK;
}

/* ---- byte format ---- */
enum { K_G1, K_G2, K_GT };
typedef struct {
    int kind;
    void *p;
    char name[32];
} item;

static size_t list_items(via_aggregate *a, item *it) {
    size_t k = 0;
#define ITEM(K, P, ...)                                                                            \
    do {                                                                                           \
        it[k].kind = (K);                                                                          \
        it[k].p = (P);                                                                             \
        snprintf(it[k].name, sizeof it[k].name, __VA_ARGS__);                                      \
        k++;                                                                                       \
    } while (0)
    ITEM(K_GT, &a->com_ab.t, "com_ab.t");
    ITEM(K_GT, &a->com_ab.u, "com_ab.u");
    ITEM(K_GT, &a->com_c.t, "com_c.t");
    ITEM(K_GT, &a->com_c.u, "com_c.u");
    ITEM(K_GT, &a->ip_ab, "ip_ab");
    ITEM(K_G1, &a->agg_c, "agg_c");
    for (unsigned j = 0; j < a->rounds; j++) {
        via_aggregate_round *r = &a->round[j];
        ITEM(K_GT, &r->tab_l.t, "round %u tab_l.t", j + 1);
        ITEM(K_GT, &r->tab_l.u, "round %u tab_l.u", j + 1);
        ITEM(K_GT, &r->tab_r.t, "round %u tab_r.t", j + 1);
        ITEM(K_GT, &r->tab_r.u, "round %u tab_r.u", j + 1);
        ITEM(K_GT, &r->tc_l.t, "round %u tc_l.t", j + 1);
        ITEM(K_GT, &r->tc_l.u, "round %u tc_l.u", j + 1);
        ITEM(K_GT, &r->tc_r.t, "round %u tc_r.t", j + 1);
        ITEM(K_GT, &r->tc_r.u, "round %u tc_r.u", j + 1);
        ITEM(K_GT, &r->zab_l, "round %u zab_l", j + 1);
        ITEM(K_GT, &r->zab_r, "round %u zab_r", j + 1);
        ITEM(K_G1, &r->zc_l, "round %u zc_l", j + 1);
        ITEM(K_G1, &r->zc_r, "round %u zc_r", j + 1);
    }
    ITEM(K_G1, &a->final_a, "final_a");
    ITEM(K_G2, &a->final_b, "final_b");
    ITEM(K_G1, &a->final_c, "final_c");
    ITEM(K_G2, &a->final_v1, "final_v1");
    ITEM(K_G2, &a->final_v2, "final_v2");
    ITEM(K_G1, &a->final_w1, "final_w1");
    ITEM(K_G1, &a->final_w2, "final_w2");
    ITEM(K_G2, &a->open_v1, "open_v1");
    ITEM(K_G2, &a->open_v2, "open_v2");
    ITEM(K_G1, &a->open_w1, "open_w1");
    ITEM(K_G1, &a->open_w2, "open_w2");
#undef ITEM
    return k;
}

#define ITEMS_MAX (6 + 12 * VIA_AGG_MAX_ROUNDS + 11)
#define HEADER 16

static size_t item_size(int kind) {
    return kind == K_G1 ? 64 : kind == K_G2 ? 128 : VIA_GT_COMPRESSED_BYTES;
}

size_t via_aggregate_size(uint32_t n) {
    uint32_t m = via_aggregate_padded(n);
    if (!m) return 0;
    size_t l = log2u(m);
    return HEADER + 5 * VIA_GT_COMPRESSED_BYTES + 64 + l * (10 * VIA_GT_COMPRESSED_BYTES + 2 * 64) +
           (64 + 128 + 64) + 2 * 128 + 2 * 64 + 2 * 128 + 2 * 64;
}

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int get_fq(via_fq *r, const uint8_t *be) {
    uint8_t le[32];
    uint64_t l[4];
    for (int b = 0; b < 32; b++)
        le[b] = be[31 - b];
    via_limbs_from_bytes_le(l, le);
    return via_fq_from_canon(r, l);
}

int via_aggregate_encode(uint8_t **out, size_t *len, const via_aggregate *agg, via_error *err) {
    size_t size = via_aggregate_size(agg->n);
    if (!size || agg->m != via_aggregate_padded(agg->n) || agg->rounds != log2u(agg->m))
        return via_fail(err, VIA_EINVAL, "aggregate: inconsistent sizes (n %u, m %u, rounds %u)",
                        agg->n, agg->m, agg->rounds);
    uint8_t *b = malloc(size);
    if (!b) return via_fail(err, VIA_ENOMEM, "aggregate: %zu bytes", size);
    memcpy(b, "vagg", 4);
    put_u32(b + 4, VIA_AGG_VERSION);
    put_u32(b + 8, agg->n);
    put_u32(b + 12, agg->n_public);
    item it[ITEMS_MAX];
    size_t k = list_items((via_aggregate *)agg, it), pos = HEADER;
    for (size_t i = 0; i < k; i++) {
        if (it[i].kind == K_G1) {
            const via_g1_affine *p = it[i].p;
            via_fq_to_bytes_be(b + pos, &p->x);
            via_fq_to_bytes_be(b + pos + 32, &p->y);
        } else if (it[i].kind == K_G2) {
            const via_g2_affine *p = it[i].p;
            via_fq_to_bytes_be(b + pos, &p->x.c0);
            via_fq_to_bytes_be(b + pos + 32, &p->x.c1);
            via_fq_to_bytes_be(b + pos + 64, &p->y.c0);
            via_fq_to_bytes_be(b + pos + 96, &p->y.c1);
        } else {
            via_gt_compress(b + pos, it[i].p);
        }
        pos += item_size(it[i].kind);
    }
    VIA_REQUIRE(pos == size);
    *out = b;
    *len = size;
    return VIA_OK;
}

typedef struct {
    item *it;
    const uint8_t *const *at;
    int *rc;
    via_error *errs;
} gt_decode_ctx;

static void gt_decode_range(void *arg, size_t b, size_t e, unsigned w) {
    (void)w;
    gt_decode_ctx *c = arg;
    for (size_t i = b; i < e; i++)
        c->rc[i] = via_gt_decompress(c->it[i].p, c->at[i], c->it[i].name, &c->errs[i]);
}

int via_aggregate_decode(via_aggregate *out, const char *name, const uint8_t *data, size_t len,
                         via_error *err) {
    if (len < HEADER)
        return via_fail(err, VIA_EFORMAT, "%s: %zu bytes, shorter than the 16-byte header", name,
                        len);
    if (memcmp(data, "vagg", 4) != 0)
        return via_fail(err, VIA_EFORMAT, "%s: not an aggregate (magic is not \"vagg\")", name);
    uint32_t version = get_u32(data + 4), n = get_u32(data + 8), np = get_u32(data + 12);
    if (version != VIA_AGG_VERSION)
        return via_fail(err, VIA_EFORMAT, "%s: aggregate format version %u, this build reads %u",
                        name, version, VIA_AGG_VERSION);
    if (!via_aggregate_padded(n))
        return via_fail(err, VIA_EFORMAT, "%s: it claims %u proofs; from 1 to %u are allowed", name,
                        n, VIA_AGG_MAX_PROOFS);
    size_t want = via_aggregate_size(n);
    if (len != want)
        return via_fail(err, VIA_EFORMAT, "%s: %zu bytes, but an aggregate of %u proofs is %zu",
                        name, len, n, want);
    via_aggregate a;
    memset(&a, 0, sizeof a);
    a.n = n;
    a.m = via_aggregate_padded(n);
    a.n_public = np;
    a.rounds = log2u(a.m);
    item it[ITEMS_MAX];
    size_t k = list_items(&a, it), pos = HEADER;
    item gts[ITEMS_MAX];
    const uint8_t *gat[ITEMS_MAX];
    size_t ngt = 0;
    for (size_t i = 0; i < k; i++) {
        const uint8_t *p = data + pos;
        pos += item_size(it[i].kind);
        if (it[i].kind == K_GT) {
            gts[ngt] = it[i];
            gat[ngt++] = p;
            continue;
        }
        if (it[i].kind == K_G1) {
            via_g1_affine *q = it[i].p;
            if (get_fq(&q->x, p) || get_fq(&q->y, p + 32))
                return via_fail(err, VIA_EFORMAT, "%s: %s: a coordinate is not below q", name,
                                it[i].name);
            if (!via_g1_affine_on_curve(q))
                return via_fail(err, VIA_EFORMAT, "%s: %s is not on the curve", name, it[i].name);
        } else {
            via_g2_affine *q = it[i].p;
            if (get_fq(&q->x.c0, p) || get_fq(&q->x.c1, p + 32) || get_fq(&q->y.c0, p + 64) ||
                get_fq(&q->y.c1, p + 96))
                return via_fail(err, VIA_EFORMAT, "%s: %s: a coordinate is not below q", name,
                                it[i].name);
            if (!via_g2_affine_on_curve(q) || !via_g2_affine_in_subgroup(q))
                return via_fail(err, VIA_EFORMAT,
                                "%s: %s is not a point of G2 (off the twist or outside the "
                                "prime-order subgroup)",
                                name, it[i].name);
        }
    }
    int rcs[ITEMS_MAX];
    via_error *errs = via_xcalloc(ngt, sizeof *errs);
    gt_decode_ctx c = {gts, gat, rcs, errs};
    via_parallel_for(ngt, 4, gt_decode_range, &c);
    for (size_t i = 0; i < ngt; i++)
        if (rcs[i]) {
            int rc = via_fail(err, rcs[i], "%s: %s", name, errs[i].msg);
            via_xfree(errs);
            return rc;
        }
    via_xfree(errs);
    *out = a;
    return VIA_OK;
}

int via_aggregate_write(const via_aggregate *agg, const char *path, via_error *err) {
    uint8_t *b;
    size_t len;
    int rc = via_aggregate_encode(&b, &len, agg, err);
    if (rc) return rc;
    rc = via_write_atomic(path, b, len, 0, err);
    free(b);
    return rc;
}

int via_aggregate_read(via_aggregate *out, const char *path, via_error *err) {
    uint8_t *b;
    size_t len;
    size_t max = via_aggregate_size(VIA_AGG_MAX_PROOFS);
    int rc = via_read_file(path, max, &b, &len, err);
    if (rc) return rc;
    rc = via_aggregate_decode(out, path, b, len, err);
    free(b);
    return rc;
}
