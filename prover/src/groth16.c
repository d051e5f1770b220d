/* Groth16 prove and verify; see groth16.h for the equations and docs/sources.md: groth16-h
 * for why H is computed on the coset g*omega^i. */
#include "via/groth16.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "via/ntt.h"
#include "via/runtime.h"
#include "via/rand.h"
#include "groth16_blinding.h"

int via_random_scalar(via_scalar *out, via_error *err) {
    uint8_t buf[32];
    for (int tries = 0; tries < 64; tries++) {
        int rc = via_os_random(buf, sizeof buf, err);
        if (rc) return rc;
        buf[31] &= 0x3f; /* r < 2^254: rejection keeps the distribution uniform */
        via_limbs_from_bytes_le(out->l, buf);
        uint64_t nz = out->l[0] | out->l[1] | out->l[2] | out->l[3];
        if (nz && via_limbs_lt(out->l, via_fr_mod.p)) {
            via_wipe(buf, sizeof buf);
            return VIA_OK;
        }
    }
    via_wipe(buf, sizeof buf);
    via_wipe(out, sizeof *out);
    return via_fail(err, VIA_ERANDOM, "the random source returned no usable scalar in 64 draws");
}

typedef struct {
    const via_groth16_pk *pk;
    const via_scalar *w;
    via_fr *a, *b;
} coef_ctx;

/* Representation note. Every step before the MSMs is linear except the two products, so
 * the vectors are kept in whatever scaling the first product leaves them: a coefficient in
 * Montgomery form (v*R) times a canonical witness value w gives mont_mul = v*w, the plain
 * value (scale R^0). c = mont_mul(a, b) and h = mont_mul(a', b') - c' then carry scale R^-1,
 * and one final mont_mul by R^2 yields canonical h for the MSM: no conversion is spent on the
 * witness or on the intermediate vectors. The NTTs only multiply by Montgomery-form
 * constants, which preserves the scale. */

/* Each worker owns a range of rows and scans all entries: no two workers write one row.
 * Entries were range-checked beforehand (check_coefs). */
static void coef_worker(void *arg, size_t begin, size_t end, unsigned worker) {
    coef_ctx *c = arg;
    const via_groth16_pk *pk = c->pk;
    (void)worker;
    for (size_t i = 0; i < pk->n_coefs; i++) {
        const via_zkey_coef *e = &pk->coefs[i];
        if (e->row < begin || e->row >= end) continue;
        via_fr t;
        via_mont_mul(t.l, e->value.l, c->w[e->signal].l, &via_fr_mod);
        via_fr *dst = e->matrix == 0 ? &c->a[e->row] : &c->b[e->row];
        via_fr_add(dst, dst, &t);
    }
}

static int check_coefs(const via_groth16_pk *pk, via_error *err) {
    size_t n = (size_t)1 << pk->log2n;
    for (size_t i = 0; i < pk->n_coefs; i++) {
        const via_zkey_coef *e = &pk->coefs[i];
        if (e->matrix > 1 || e->row >= n || e->signal >= pk->n_vars)
            return via_fail(err, VIA_EFORMAT,
                            "proving key: coefficient %zu (matrix %u, row %u, signal %u) is out "
                            "of range for domain %zu and %u signals",
                            i, e->matrix, e->row, e->signal, n, pk->n_vars);
    }
    return VIA_OK;
}

void via_groth16_pk_from_zkey(via_groth16_pk *pk, const via_zkey *z) {
    memset(pk, 0, sizeof *pk);
    pk->n_vars = z->n_vars;
    pk->n_public = z->n_public;
    pk->log2n = z->log2_domain;
    pk->alpha1 = z->alpha1;
    pk->beta1 = z->beta1;
    pk->delta1 = z->delta1;
    pk->beta2 = z->beta2;
    pk->delta2 = z->delta2;
    pk->a = z->a;
    pk->b1 = z->b1;
    pk->b2 = z->b2;
    pk->c = z->c;
    pk->h = z->h;
    pk->n_coefs = z->n_coefs;
    pk->coefs = z->coefs;
}

int via_groth16_vk_from_zkey(via_groth16_vk *vk, const via_zkey *z, via_error *err) {
    memset(vk, 0, sizeof *vk);
    vk->ic = via_malloc_big(sizeof(via_g1_affine) * ((size_t)z->n_public + 1));
    if (!vk->ic) return via_fail(err, VIA_ENOMEM, "cannot allocate the verification key");
    memcpy(vk->ic, z->ic, sizeof(via_g1_affine) * ((size_t)z->n_public + 1));
    vk->n_public = z->n_public;
    vk->alpha1 = z->alpha1;
    vk->beta2 = z->beta2;
    vk->gamma2 = z->gamma2;
    vk->delta2 = z->delta2;
    return VIA_OK;
}

void via_groth16_vk_free(via_groth16_vk *vk) {
    via_free_big(vk->ic);
    memset(vk, 0, sizeof *vk);
}

typedef struct {
    via_fr *a, *b, *c;
} vec_ctx;

static void mul_worker(void *arg, size_t begin, size_t end, unsigned worker) {
    vec_ctx *v = arg;
    (void)worker;
    for (size_t i = begin; i < end; i++) via_fr_mul(&v->c[i], &v->a[i], &v->b[i]);
}

/* h = a*b - c, written as canonical scalars over a's storage (see the scale note above). */
static void h_worker(void *arg, size_t begin, size_t end, unsigned worker) {
    vec_ctx *v = arg;
    (void)worker;
    for (size_t i = begin; i < end; i++) {
        via_fr t;
        via_fr_mul(&t, &v->a[i], &v->b[i]);
        via_fr_sub(&t, &t, &v->c[i]);
        via_mont_mul(v->a[i].l, t.l, via_fr_mod.r2, &via_fr_mod); /* scale R^-1 -> canonical */
    }
}

static void progress(const via_groth16_prove_opts *o, const char *stage, double f) {
    if (o && o->progress) o->progress(o->progress_ctx, stage, f);
}

static int run_coset(const via_groth16_prove_opts *o, via_fr *a, unsigned log2n, via_error *err) {
    if (o && o->backend && o->backend->coset) return o->backend->coset(o->backend->ctx, a, log2n, err);
    int rc = via_ntt_domain_to_coset(a, log2n);
    if (rc) via_fail(err, rc, "NTT of size 2^%u failed: %s", log2n, via_strerror(rc));
    return rc;
}

/* The H computation on the CPU side: c = a*b, the three coset transforms (through the
 * backend's coset callback when opts has one), h = a'b' - c' written canonical over a.
 * b and c are overwritten. */
static int h_compute(const via_groth16_prove_opts *opts, via_fr *a, via_fr *b, via_fr *c,
                     unsigned log2n, via_error *err) {
    size_t n = (size_t)1 << log2n;
    vec_ctx vc = {a, b, c};
    int rc;
    via_parallel_for(n, 4096, mul_worker, &vc);
    if ((rc = run_coset(opts, a, log2n, err)) != VIA_OK) return rc;
    progress(opts, "ntt", 1.0 / 3);
    if ((rc = run_coset(opts, b, log2n, err)) != VIA_OK) return rc;
    progress(opts, "ntt", 2.0 / 3);
    if ((rc = run_coset(opts, c, log2n, err)) != VIA_OK) return rc;
    via_parallel_for(n, 4096, h_worker, &vc);
    return VIA_OK;
}

int via_groth16_h_cpu(via_fr *a, via_fr *b, via_fr *c, unsigned log2n, via_error *err) {
    if (log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "H domain 2^%u is above the maximum 2^%u", log2n,
                        VIA_FR_TWO_ADICITY);
    return h_compute(NULL, a, b, c, log2n, err);
}

int via_groth16_h_cosets(const via_groth16_backend *be, via_fr *a, const via_fr *bv,
                         unsigned log2n, via_error *err) {
    if (log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "H domain 2^%u is above the maximum 2^%u", log2n,
                        VIA_FR_TWO_ADICITY);
    size_t n = (size_t)1 << log2n;
    via_fr *b = via_malloc_big(n * sizeof(via_fr)), *c = via_malloc_big(n * sizeof(via_fr));
    int rc;
    if (!b || !c) {
        rc = via_fail(err, VIA_ENOMEM, "H computation: 2 x %zu bytes", n * sizeof(via_fr));
    } else {
        /* only the coset member is used: h_compute never calls be->h */
        via_groth16_backend cosets = {0};
        if (be) {
            cosets.coset = be->coset;
            cosets.ctx = be->ctx;
            cosets.name = be->name;
        }
        via_groth16_prove_opts o = {0};
        o.backend = &cosets;
        memcpy(b, bv, n * sizeof(via_fr));
        rc = h_compute(&o, a, b, c, log2n, err);
    }
    via_free_big(b);
    via_free_big(c);
    return rc;
}

static int run_msm_g1(const via_groth16_prove_opts *o, via_g1 *out, const via_g1_affine *bases,
                      const via_scalar *scalars, size_t n, const char *what, via_error *err) {
    int rc;
    if (o && o->backend && o->backend->msm_g1)
        rc = o->backend->msm_g1(o->backend->ctx, out, bases, scalars, n, err);
    else if ((rc = via_msm_g1(out, bases, scalars, n)) != VIA_OK)
        via_fail(err, rc, "MSM of %zu points failed: %s", n, via_strerror(rc));
    if (rc) {
        char prev[sizeof err->msg];
        snprintf(prev, sizeof prev, "%s", err->msg);
        via_fail(err, rc, "%s: %s", what, prev);
    }
    return rc;
}

void via_groth16_blind(via_groth16_proof *proof, const via_groth16_pk *pk, const via_g1 *pa,
                       const via_g1 *pb1, const via_g2 *pb2, const via_g1 *pc, const via_g1 *ph,
                       const via_scalar *r, const via_scalar *s) {
    via_scalar rs;
    via_g1 t;
    via_g2 t2;
    {
        via_fr rm, sm, rsm;
        via_fr_from_canon_unchecked(&rm, r->l);
        via_fr_from_canon_unchecked(&sm, s->l);
        via_fr_mul(&rsm, &rm, &sm);
        via_fr_to_canon(rs.l, &rsm);
        via_wipe(&rm, sizeof rm);
        via_wipe(&sm, sizeof sm);
        via_wipe(&rsm, sizeof rsm);
    }
    via_g1 d1, gA, gB1, gC;
    via_g2 d2, gB2;
    via_g1_from_affine(&d1, &pk->delta1);
    via_g2_from_affine(&d2, &pk->delta2);

    /* Every addition from here on may involve r, s or the unblinded commitments (functions of
     * the witness): the constant-time complete addition, never the branching one. */
    /* A = alpha1 + sum w A + r delta1 */
    via_g1 alpha1, beta1;
    via_g2 beta2;
    via_g1_from_affine(&alpha1, &pk->alpha1);
    via_g1_from_affine(&beta1, &pk->beta1);
    via_g2_from_affine(&beta2, &pk->beta2);
    via_g1_add_ct(&gA, pa, &alpha1);
    via_g1_mul(&t, &d1, r->l);
    via_g1_add_ct(&gA, &gA, &t);
    /* B2 = beta2 + sum w B2 + s delta2 ; B1 likewise */
    via_g2_add_ct(&gB2, pb2, &beta2);
    via_g2_mul(&t2, &d2, s->l);
    via_g2_add_ct(&gB2, &gB2, &t2);
    via_g1_add_ct(&gB1, pb1, &beta1);
    via_g1_mul(&t, &d1, s->l);
    via_g1_add_ct(&gB1, &gB1, &t);
    /* C = sum w C + sum h H + s A + r B1 - r s delta1 */
    via_g1_add_ct(&gC, pc, ph);
    via_g1_mul(&t, &gA, s->l);
    via_g1_add_ct(&gC, &gC, &t);
    via_g1_mul(&t, &gB1, r->l);
    via_g1_add_ct(&gC, &gC, &t);
    via_g1_mul(&t, &d1, rs.l);
    via_g1_neg(&t, &t);
    via_g1_add_ct(&gC, &gC, &t);

    via_g1_to_affine(&proof->a, &gA);
    via_g2_to_affine(&proof->b, &gB2);
    via_g1_to_affine(&proof->c, &gC);
    via_wipe(&rs, sizeof rs);
    via_wipe(&t, sizeof t);
    via_wipe(&t2, sizeof t2);
    via_wipe(&gB1, sizeof gB1);
    via_wipe(&gA, sizeof gA);
    via_wipe(&gB2, sizeof gB2);
    via_wipe(&gC, sizeof gC);
}

int via_groth16_prove(via_groth16_proof *proof, const via_groth16_pk *pk, const via_scalar *w,
                      size_t nw, const via_groth16_prove_opts *opts, via_error *err) {
    memset(proof, 0, sizeof *proof);
    if (nw != pk->n_vars)
        return via_fail(err, VIA_EINVAL,
                        "witness has %zu values but the proving key expects %u (nVars)", nw,
                        pk->n_vars);
    if (pk->n_public >= pk->n_vars) /* n_public + 1 > n_vars, without the 32-bit wrap */
        return via_fail(err, VIA_EFORMAT, "proving key: nPublic %u does not fit nVars %u",
                        pk->n_public, pk->n_vars);
    for (size_t i = 0; i < nw; i++)
        if (!via_limbs_lt(w[i].l, via_fr_mod.p))
            return via_fail(err, VIA_EINVAL, "witness value %zu is not below the field order r", i);
    if (!(w[0].l[0] == 1 && (w[0].l[1] | w[0].l[2] | w[0].l[3]) == 0))
        return via_fail(err, VIA_EINVAL, "witness value 0 must be 1 (the constant wire)");
    if (pk->log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "domain 2^%u is above the field's 2-adicity", pk->log2n);

    size_t n = (size_t)1 << pk->log2n;
    int rc = VIA_OK;
    via_g1 pa, pb1, pc, ph;
    via_g2 pb2;
    via_g1_set_inf(&pa);
    via_g1_set_inf(&pb1);
    via_g1_set_inf(&pc);
    via_g1_set_inf(&ph);
    via_g2_set_inf(&pb2);
    const via_groth16_backend *be = opts ? opts->backend : NULL;
    int device_h = be && be->h;
    via_fr *a = via_malloc_big(n * sizeof(via_fr));
    via_fr *b = via_malloc_big(n * sizeof(via_fr));
    via_fr *c = device_h ? NULL : via_malloc_big(n * sizeof(via_fr));
    if (!a || !b || (!c && !device_h)) {
        rc = via_fail(err, VIA_ENOMEM, "cannot allocate %d x %zu bytes for the H computation",
                      device_h ? 2 : 3, n * sizeof(via_fr));
        goto out;
    }
    memset(a, 0, n * sizeof(via_fr));
    memset(b, 0, n * sizeof(via_fr));

    progress(opts, "constraints", 0.0);
    if ((rc = check_coefs(pk, err)) != VIA_OK) goto out;
    coef_ctx cc = {pk, w, a, b};
    via_parallel_for(n, 1024, coef_worker, &cc);

    progress(opts, "ntt", 0.0);
    if (device_h) {
        if ((rc = be->h(be->ctx, a, b, pk->log2n, err)) != VIA_OK) goto out;
    } else {
        if ((rc = h_compute(opts, a, b, c, pk->log2n, err)) != VIA_OK) goto out;
    }
    via_free_big_wipe(b, n * sizeof(via_fr));
    via_free_big_wipe(c, n * sizeof(via_fr));
    b = c = NULL;
    const via_scalar *h = (const via_scalar *)a;

    progress(opts, "msm", 0.0);
    size_t npriv = pk->n_vars - pk->n_public - 1;
    if ((rc = run_msm_g1(opts, &pa, pk->a, w, nw, "A", err)) != VIA_OK) goto out;
    progress(opts, "msm", 0.2);
    if ((rc = run_msm_g1(opts, &pb1, pk->b1, w, nw, "B1", err)) != VIA_OK) goto out;
    progress(opts, "msm", 0.3);
    if (be && be->msm_g2) {
        if ((rc = be->msm_g2(be->ctx, &pb2, pk->b2, w, nw, err)) != VIA_OK) goto out;
    } else if ((rc = via_msm_g2(&pb2, pk->b2, w, nw)) != VIA_OK) {
        via_fail(err, rc, "B2: MSM in G2 of %zu points failed: %s", nw, via_strerror(rc));
        goto out;
    }
    progress(opts, "msm", 0.6);
    if ((rc = run_msm_g1(opts, &pc, pk->c, w + pk->n_public + 1, npriv, "C", err)) != VIA_OK)
        goto out;
    progress(opts, "msm", 0.7);
    if ((rc = run_msm_g1(opts, &ph, pk->h, h, n, "H", err)) != VIA_OK) goto out;
    progress(opts, "msm", 1.0);

    /* Blinding: constant-time from here on for anything that touches r or s. */
    via_scalar r, s;
    if (opts && opts->test_blinding) {
        if (opts->test_blinding->magic != VIA_GROTH16_TEST_BLINDING_MAGIC) {
            rc = via_fail(err, VIA_EINVAL, "prove: test blinding scalars are not initialised");
            goto out;
        }
        r = opts->test_blinding->r;
        s = opts->test_blinding->s;
    } else {
        if ((rc = via_random_scalar(&r, err)) != VIA_OK) goto out;
        if ((rc = via_random_scalar(&s, err)) != VIA_OK) {
            via_wipe(&r, sizeof r);
            goto out;
        }
    }
    via_groth16_blind(proof, pk, &pa, &pb1, &pb2, &pc, &ph, &r, &s);
    via_wipe(&r, sizeof r);
    via_wipe(&s, sizeof s);
    rc = VIA_OK;
    goto out;

out:
    /* the unblinded commitments and H (in a) and the evaluations (b, c) are functions of the
     * witness: wiped before they are released */
    via_wipe(&pa, sizeof pa);
    via_wipe(&pb1, sizeof pb1);
    via_wipe(&pb2, sizeof pb2);
    via_wipe(&pc, sizeof pc);
    via_wipe(&ph, sizeof ph);
    via_free_big_wipe(a, n * sizeof(via_fr));
    via_free_big_wipe(b, n * sizeof(via_fr));
    via_free_big_wipe(c, n * sizeof(via_fr));
    return rc;
}

/* The checks of via_groth16_verify before the pairing equation: sizes, public values below
 * r, every key and proof point on its curve and the G2 ones in the subgroup. */
static int verify_inputs(const via_groth16_vk *vk, const via_scalar *pub, size_t n_pub,
                         const via_groth16_proof *proof, via_error *err) {
    if (n_pub != vk->n_public)
        return via_fail(err, VIA_EINVAL,
                        "%zu public signals given but the verification key expects %u", n_pub,
                        vk->n_public);
    for (size_t i = 0; i < n_pub; i++)
        if (!via_limbs_lt(pub[i].l, via_fr_mod.p))
            return via_fail(err, VIA_EINVAL, "public signal %zu is not below the field order r", i);
    if (!via_g1_affine_on_curve(&vk->alpha1))
        return via_fail(err, VIA_EINVAL, "verification key: vk_alpha_1 is not on the curve");
    const via_g2_affine *g2s[3] = {&vk->beta2, &vk->gamma2, &vk->delta2};
    const char *g2n[3] = {"vk_beta_2", "vk_gamma_2", "vk_delta_2"};
    for (int i = 0; i < 3; i++)
        if (!via_g2_affine_on_curve(g2s[i]) || !via_g2_affine_in_subgroup(g2s[i]))
            return via_fail(err, VIA_EINVAL,
                            "verification key: %s is not a point of the G2 subgroup", g2n[i]);
    for (size_t i = 0; i <= vk->n_public; i++)
        if (!via_g1_affine_on_curve(&vk->ic[i]))
            return via_fail(err, VIA_EINVAL, "verification key: IC[%zu] is not on the curve", i);
    if (!via_g1_affine_on_curve(&proof->a))
        return via_fail(err, VIA_EINVAL, "proof: pi_a is not on the curve");
    if (!via_g1_affine_on_curve(&proof->c))
        return via_fail(err, VIA_EINVAL, "proof: pi_c is not on the curve");
    if (!via_g2_affine_on_curve(&proof->b) || !via_g2_affine_in_subgroup(&proof->b))
        return via_fail(err, VIA_EINVAL, "proof: pi_b is not a point of the G2 subgroup");

    return VIA_OK;
}

int via_groth16_verify(const via_groth16_vk *vk, const via_scalar *pub, size_t n_pub,
                       const via_groth16_proof *proof, via_error *err) {
    int rc0 = verify_inputs(vk, pub, n_pub, proof, err);
    if (rc0) return rc0;
    via_g1 vkx;
    int rc = via_msm_g1(&vkx, vk->ic + 1, pub, n_pub);
    if (rc) return via_fail(err, rc, "public input combination failed: %s", via_strerror(rc));
    via_g1_add_mixed(&vkx, &vkx, &vk->ic[0]);

    via_g1_affine p[4];
    via_g2_affine q[4];
    via_g1_affine_neg(&p[0], &proof->a);
    q[0] = proof->b;
    via_g1_to_affine(&p[1], &vkx);
    q[1] = vk->gamma2;
    p[2] = proof->c;
    q[2] = vk->delta2;
    p[3] = vk->alpha1;
    q[3] = vk->beta2;
    if (!via_pairing_check(p, q, 4))
        return via_fail(err, VIA_EVERIFY, "the pairing equation does not hold");
    return VIA_OK;
}

int via_groth16_verify_batch(const via_groth16_vk *vk, const via_scalar *const *pubs,
                             const via_groth16_proof *proofs, size_t n, via_error *err) {
    if (n == 0) return via_fail(err, VIA_EINVAL, "batch verification of no proofs");
    for (size_t i = 0; i < n; i++) {
        int rc = verify_inputs(vk, pubs[i], vk->n_public, &proofs[i], err);
        if (rc) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err ? err->msg : "");
            return via_fail(err, rc, "proof %zu: %s", i + 1, m);
        }
    }
    /* Each proof's equation e(-A, B) e(vkx, gamma) e(C, delta) e(alpha, beta) = 1, raised to
     * its own random rho_i and multiplied: one Miller loop over n + 3 pairs, one final
     * exponentiation. A batch with an invalid proof passes with probability about 1/r. */
    via_g1_affine *p = via_malloc_big((n + 3) * sizeof *p);
    via_g2_affine *q = via_malloc_big((n + 3) * sizeof *q);
    via_scalar *rho = via_malloc_big(n * sizeof *rho);
    via_g1 *vkx = via_malloc_big(n * sizeof *vkx);
    via_g1_affine *vkxa = via_malloc_big(n * sizeof *vkxa), *ca = via_malloc_big(n * sizeof *ca);
    int rc = VIA_OK;
    if (!p || !q || !rho || !vkx || !vkxa || !ca) {
        rc = via_fail(err, VIA_ENOMEM, "batch verification of %zu proofs: out of memory", n);
        goto out;
    }
    via_fr sum;
    via_fr_set_zero(&sum);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = via_random_scalar(&rho[i], err);
        via_fr r;
        via_fr_from_canon_unchecked(&r, rho[i].l);
        via_fr_add(&sum, &sum, &r);
        if (!rc) rc = via_msm_g1(&vkx[i], vk->ic + 1, pubs[i], vk->n_public);
        if (!rc) {
            via_g1_add_mixed(&vkx[i], &vkx[i], &vk->ic[0]);
            via_g1_to_affine(&vkxa[i], &vkx[i]);
            ca[i] = proofs[i].c;
            via_g1 a;
            via_g1_affine an;
            via_g1_affine_neg(&an, &proofs[i].a);
            via_g1_from_affine(&a, &an);
            via_g1_mul_var(&a, &a, rho[i].l);
            via_g1_to_affine(&p[i], &a);
            q[i] = proofs[i].b;
        }
    }
    if (rc) goto out;
    via_g1 t;
    if ((rc = via_msm_g1(&t, vkxa, rho, n)) != VIA_OK) goto out;
    via_g1_to_affine(&p[n], &t);
    q[n] = vk->gamma2;
    if ((rc = via_msm_g1(&t, ca, rho, n)) != VIA_OK) goto out;
    via_g1_to_affine(&p[n + 1], &t);
    q[n + 1] = vk->delta2;
    via_scalar s;
    via_fr_to_canon(s.l, &sum);
    via_g1_from_affine(&t, &vk->alpha1);
    via_g1_mul_var(&t, &t, s.l);
    via_g1_to_affine(&p[n + 2], &t);
    q[n + 2] = vk->beta2;
    if (!via_pairing_check(p, q, n + 3))
        rc = via_fail(err, VIA_EVERIFY,
                      "the batch of %zu proofs does not verify: at least one is invalid", n);
out:
    via_free_big(p);
    via_free_big(q);
    via_free_big(rho);
    via_free_big(vkx);
    via_free_big(vkxa);
    via_free_big(ca);
    return rc;
}
