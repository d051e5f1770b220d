/*
 * Multi-scalar multiplication: Pippenger with signed c-bit digits and batch-affine buckets
 * (the bucket code is in msm_impl.h, instantiated below for G1 and G2).
 *
 * Signed digits without a recoding pass: with K = sum_{w < W-1} 2^(c-1) * 2^(w c), the base
 * 2^c digits of s + K, minus 2^(c-1) for every window but the top one, are exactly the
 * signed digits in [-2^(c-1), 2^(c-1)) (top digit in [0, 2^(c-1)]) of s. So every (scalar,
 * window) digit is read straight from the scalar and no digit array is stored: the working
 * memory is the buckets of each worker and a few batch arrays, independent of n.
 *
 * Work split: the W windows, and when there are more threads than windows can keep busy,
 * ranges of the points, form W * S independent tasks that the workers pull from a shared
 * counter; each task returns one partial window sum, and the window sums are combined by
 * Horner's rule. The window size c and the split S minimise a simple cost model.
 */
#include "via/msm.h"

#include <assert.h>
#include <stdatomic.h>

#include "via/simd52.h"
#include "via/runtime.h"

#define MSM_AFF 1
#define MSM_JAC 2
#define MSM_QUEUED 4
#define MSM_KIND_ADD 0
#define MSM_KIND_DBL 1
#define MSM_KIND_INF 2
/* 16-bit windows (2 MiB of affine G1 buckets, past the 1 MiB L2 of the target Zen 4) measured
 * about 5% slower than 15-bit ones at 2^18 points, though the cost model prefers them. */
#define MSM_MAX_C 15
#define MSM_SCALAR_BITS 254
#define MSM_LOOKAHEAD 8

typedef struct {
    unsigned c;    /* window bits; buckets per window 2^(c-1) */
    unsigned nwin; /* windows W = ceil((MSM_SCALAR_BITS + 1) / c) */
    size_t nsplit; /* point ranges per window */
    size_t batch;  /* additions per batch inversion */
    size_t nchain; /* bucket runs reduced side by side (a power of 2 dividing 2^(c-1)) */
    size_t qcap;   /* queue capacity: max(batch, 2 nchain) */
    uint64_t k[4]; /* sum_{w < W-1} 2^(c-1) 2^(w c) */
} msm_plan;

static int msm_scalar_ok(const via_scalar *s) {
    return via_limbs_lt(s->l, via_fr_mod.p);
}

/* Batch size: an inversion is shared by the batch; a point whose bucket is already queued
 * (probability about batch / (2 nb)) costs a mixed Jacobian addition more, and a larger batch
 * touches more buckets at once (cache misses). The model gives b ~ sqrt(k nb); k = 50 measured
 * best on the target Zen 4 with the eight-lane flush (k = 25..1500 tried: G1 2^18 and G2 2^16
 * on one thread 480 / 347 ms at 50, 498 / 373 ms at 200, 650 / 475 ms at 1500). */
static size_t msm_batch_for(size_t nb) {
    size_t b = 16;
    while (b * b < 50 * nb && b < 4096)
        b += b / 4;
    if (b > nb / 2) b = nb / 2;
    if (b < 16) b = nb < 16 ? nb : 16;
    return b;
}

/* Runs in the bucket reduction: each step costs an inversion (about 70 batch-affine additions)
 * and each run about 8 more at the end, so about sqrt(9 nb) runs. */
static size_t msm_chains_for(size_t nb) {
    size_t k = 1;
    while (k * 2 <= nb && (k * 2) * (k * 2) <= 9 * nb)
        k *= 2;
    return k;
}

/* Cost of one task in units of one batch-affine addition: the points it reads, the inversion
 * share of each, the overflow additions, and the bucket reduction (two batch-affine additions
 * per bucket, an inversion per step of the runs, about 8 per run at the end). */
static double msm_task_cost(size_t points, size_t nb) {
    size_t batch = msm_batch_for(nb), k = msm_chains_for(nb);
    double per_point = 1.0 + 70.0 / (double)batch + 0.35 * (double)batch / (double)nb;
    return (double)points * per_point + 2.0 * (double)nb + 70.0 * (double)(nb / k) +
           8.0 * (double)k;
}

static void msm_plan_make(msm_plan *pl, size_t n, unsigned threads) {
    double best = -1;
    for (unsigned c = 2; c <= MSM_MAX_C; c++) {
        unsigned nwin = (MSM_SCALAR_BITS + 1 + c - 1) / c;
        size_t nb = (size_t)1 << (c - 1);
        for (size_t split = 1; split <= threads && split <= n; split *= 2) {
            size_t tasks = (size_t)nwin * split;
            size_t rounds = (tasks + threads - 1) / threads;
            double cost = (double)rounds * msm_task_cost((n + split - 1) / split, nb);
            if (best < 0 || cost < best) {
                best = cost;
                pl->c = c;
                pl->nwin = nwin;
                pl->nsplit = split;
            }
        }
    }
    pl->batch = msm_batch_for((size_t)1 << (pl->c - 1));
    pl->nchain = msm_chains_for((size_t)1 << (pl->c - 1));
    pl->qcap = pl->batch > 2 * pl->nchain ? pl->batch : 2 * pl->nchain;
    memset(pl->k, 0, sizeof pl->k);
    for (unsigned w = 0; w + 1 < pl->nwin; w++) {
        unsigned bit = w * pl->c + pl->c - 1;
        pl->k[bit / 64] |= (uint64_t)1 << (bit % 64);
    }
}

/* The signed digit of window w of s (see the file comment). */
static inline int32_t msm_digit(const msm_plan *pl, const via_scalar *s, unsigned w) {
    uint64_t t[4];
    via_limbs_add(t, s->l, pl->k); /* s < 2^254 and K < 2^254: no carry out */
    unsigned off = w * pl->c, limb = off / 64, sh = off % 64;
    uint64_t v = 0;
    if (limb < 4) {
        v = t[limb] >> sh;
        if (sh + pl->c > 64 && limb + 1 < 4) v |= t[limb + 1] << (64 - sh);
    }
    v &= ((uint64_t)1 << pl->c) - 1;
    if (w + 1 < pl->nwin) return (int32_t)v - ((int32_t)1 << (pl->c - 1));
    return (int32_t)v;
}

/* ---- task pool: workers pull task indexes from a shared counter ---- */

typedef void (*msm_task_fn)(void *ctx, size_t begin, size_t end, unsigned slot);
typedef struct {
    msm_task_fn body;
    void *ctx;
    size_t total;
    atomic_size_t next;
} msm_pool;

static void msm_pool_slot(void *arg, size_t s0, size_t s1, unsigned worker) {
    (void)worker;
    msm_pool *p = arg;
    for (size_t slot = s0; slot < s1; slot++) {
        for (;;) {
            size_t t = atomic_fetch_add(&p->next, 1);
            if (t >= p->total) break;
            p->body(p->ctx, t, t + 1, (unsigned)slot);
        }
    }
}

static void msm_run_tasks(unsigned slots, size_t total, msm_task_fn body, void *ctx) {
    if (slots <= 1) {
        body(ctx, 0, total, 0);
        return;
    }
    msm_pool p = {body, ctx, total, 0};
    via_parallel_for(slots, 1, msm_pool_slot, &p);
}

/* ---- G1 ---- */
#if VIA_HAVE_SIMD52
/* eight-lane flush (msm_impl.h) over Fq */
#define VFE via_v52
#define VFE_NQ 1
#define VFE_SCATTER(ptrs, off, v) via_v52_scatter_at((ptrs), (off), (v), &via_s52_fq)
#define VFE_MUL(r, a, b) via_v52_mul((r), (a), (b), &via_s52_fq)
#define VFE_SQR(r, a) via_v52_sqr((r), (a), &via_s52_fq)
#define VFE_SUB(r, a, b) via_v52_sub((r), (a), (b), &via_s52_fq)
#define VFE_CHAIN(d, den) (*(d) = *(den))
#define VFE_DINV(r, den, ninv) (*(r) = *(ninv))
#endif
#define M_(name) msm_g1_##name
#define PT via_g1
#define AFF via_g1_affine
#define FE via_fq
#define FE_ADD via_fq_add
#define FE_SUB via_fq_sub
#define FE_DBL via_fq_dbl
#define FE_MUL via_fq_mul
#define FE_SQR via_fq_sqr
#define FE_NEG via_fq_neg
#define FE_EQ via_fq_eq
#define FE_ISZERO via_fq_is_zero
#define FE_ONE via_fq_set_one
#define PT_ADD via_g1_add
#define PT_ADD_MIXED via_g1_add_mixed
#define PT_DBL via_g1_dbl
#define PT_SET_INF via_g1_set_inf
#define PT_IS_INF via_g1_is_inf
#define PT_FROM_AFF via_g1_from_affine
#define PT_BATCH_TO_AFF via_g1_batch_to_affine
#define AFF_IS_INF msm_g1_aff_is_inf
static inline int msm_g1_aff_is_inf(const via_g1_affine *p) {
    return via_fq_is_zero(&p->x) && via_fq_is_zero(&p->y);
}
#include "msm_impl.h"
#undef M_
#undef PT
#undef AFF
#undef FE
#undef FE_ADD
#undef FE_SUB
#undef FE_DBL
#undef FE_MUL
#undef FE_SQR
#undef FE_NEG
#undef FE_EQ
#undef FE_ISZERO
#undef FE_ONE
#undef PT_ADD
#undef PT_ADD_MIXED
#undef PT_DBL
#undef PT_SET_INF
#undef PT_IS_INF
#undef PT_FROM_AFF
#undef PT_BATCH_TO_AFF
#undef AFF_IS_INF
#if VIA_HAVE_SIMD52
#undef VFE
#undef VFE_NQ
#undef VFE_SCATTER
#undef VFE_MUL
#undef VFE_SQR
#undef VFE_SUB
#undef VFE_CHAIN
#undef VFE_DINV
#endif

/* ---- G2 ---- */
#if VIA_HAVE_SIMD52
/* eight-lane flush (msm_impl.h) over Fq2 = Fq[u] / (u^2 + 1); slope denominators are
 * inverted through their norms c0^2 + c1^2 in Fq */
typedef struct {
    via_v52 c0, c1;
} msm_v52x2;
VIA_V52_INLINE void msm_v2_scatter(void *const ptrs[8], size_t off, const msm_v52x2 *v) {
    via_v52_scatter_at(ptrs, off, &v->c0, &via_s52_fq);
    via_v52_scatter_at(ptrs, off + sizeof(via_fq), &v->c1, &via_s52_fq);
}
VIA_V52_INLINE void msm_v2_mul(msm_v52x2 *r, const msm_v52x2 *a, const msm_v52x2 *b) {
    const via_s52_mod *m = &via_s52_fq;
    via_v52 t0, t1, s0, s1;
    via_v52_mul(&t0, &a->c0, &b->c0, m);
    via_v52_mul(&t1, &a->c1, &b->c1, m);
    via_v52_add(&s0, &a->c0, &a->c1, m);
    via_v52_add(&s1, &b->c0, &b->c1, m);
    via_v52_mul(&s0, &s0, &s1, m);
    via_v52_sub(&r->c0, &t0, &t1, m);
    via_v52_sub(&s0, &s0, &t0, m);
    via_v52_sub(&r->c1, &s0, &t1, m);
}
VIA_V52_INLINE void msm_v2_sqr(msm_v52x2 *r, const msm_v52x2 *a) {
    const via_s52_mod *m = &via_s52_fq;
    via_v52 s, d, p;
    via_v52_add(&s, &a->c0, &a->c1, m);
    via_v52_sub(&d, &a->c0, &a->c1, m);
    via_v52_mul(&p, &a->c0, &a->c1, m);
    via_v52_mul(&r->c0, &s, &d, m);
    via_v52_add(&r->c1, &p, &p, m);
}
VIA_V52_INLINE void msm_v2_sub(msm_v52x2 *r, const msm_v52x2 *a, const msm_v52x2 *b) {
    via_v52_sub(&r->c0, &a->c0, &b->c0, &via_s52_fq);
    via_v52_sub(&r->c1, &a->c1, &b->c1, &via_s52_fq);
}
VIA_V52_INLINE void msm_v2_norm(via_v52 *r, const msm_v52x2 *a) {
    via_v52 t;
    via_v52_mul(r, &a->c0, &a->c0, &via_s52_fq);
    via_v52_mul(&t, &a->c1, &a->c1, &via_s52_fq);
    via_v52_add(r, r, &t, &via_s52_fq);
}
/* r = conj(den) * k */
VIA_V52_INLINE void msm_v2_dinv(msm_v52x2 *r, const msm_v52x2 *den, const via_v52 *k) {
    via_v52 t, z;
    for (int i = 0; i < 5; i++) z.l[i] = _mm512_setzero_si512();
    via_v52_mul(&r->c0, &den->c0, k, &via_s52_fq);
    via_v52_mul(&t, &den->c1, k, &via_s52_fq);
    via_v52_sub(&r->c1, &z, &t, &via_s52_fq);
}
#define VFE msm_v52x2
#define VFE_NQ 2
#define VFE_SCATTER(ptrs, off, v) msm_v2_scatter((ptrs), (off), (v))
#define VFE_MUL(r, a, b) msm_v2_mul((r), (a), (b))
#define VFE_SQR(r, a) msm_v2_sqr((r), (a))
#define VFE_SUB(r, a, b) msm_v2_sub((r), (a), (b))
#define VFE_CHAIN(d, den) msm_v2_norm((d), (den))
#define VFE_DINV(r, den, ninv) msm_v2_dinv((r), (den), (ninv))
#endif
#define M_(name) msm_g2_##name
#define PT via_g2
#define AFF via_g2_affine
#define FE via_fq2
#define FE_ADD via_fq2_add
#define FE_SUB via_fq2_sub
#define FE_DBL via_fq2_dbl
#define FE_MUL via_fq2_mul
#define FE_SQR via_fq2_sqr
#define FE_NEG via_fq2_neg
#define FE_NORM msm_fq2_norm
#define FE_CONJ_SCALE msm_fq2_conj_scale
static inline void msm_fq2_norm(via_fq *r, const via_fq2 *a) {
    via_fq t;
    via_fq_sqr(r, &a->c0);
    via_fq_sqr(&t, &a->c1);
    via_fq_add(r, r, &t);
}
/* r = conj(a) * k */
static inline void msm_fq2_conj_scale(via_fq2 *r, const via_fq2 *a, const via_fq *k) {
    via_fq t;
    via_fq_mul(&r->c0, &a->c0, k);
    via_fq_mul(&t, &a->c1, k);
    via_fq_neg(&r->c1, &t);
}
#define FE_EQ via_fq2_eq
#define FE_ISZERO via_fq2_is_zero
#define FE_ONE via_fq2_set_one
#define PT_ADD via_g2_add
#define PT_ADD_MIXED via_g2_add_mixed
#define PT_DBL via_g2_dbl
#define PT_SET_INF via_g2_set_inf
#define PT_IS_INF via_g2_is_inf
#define PT_FROM_AFF via_g2_from_affine
#define PT_BATCH_TO_AFF via_g2_batch_to_affine
#define AFF_IS_INF msm_g2_aff_is_inf
static inline int msm_g2_aff_is_inf(const via_g2_affine *p) {
    return via_fq_is_zero(&p->x.c0) && via_fq_is_zero(&p->x.c1) && via_fq_is_zero(&p->y.c0) &&
           via_fq_is_zero(&p->y.c1);
}
#include "msm_impl.h"

int via_msm_g1(via_g1 *out, const via_g1_affine *bases, const via_scalar *scalars, size_t n) {
    return msm_g1_run(out, bases, scalars, n);
}

int via_msm_g2(via_g2 *out, const via_g2_affine *bases, const via_scalar *scalars, size_t n) {
    return msm_g2_run(out, bases, scalars, n);
}
