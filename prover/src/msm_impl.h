/*
 * Pippenger bucket accumulation for one group, written once and included by msm.c for G1
 * (over Fq) and G2 (over Fq2). The includer defines:
 *   M_(name)   the local name prefix (msm_g1_##name)
 *   PT, AFF, FE  Jacobian point, affine point and field element types
 *   FE_ADD FE_SUB FE_DBL FE_MUL FE_SQR FE_NEG FE_EQ FE_ISZERO FE_ONE, and for Fq2 FE_NORM and
 *   FE_CONJ_SCALE (the slope denominators are then inverted through their norms in Fq)
 *   PT_ADD PT_ADD_MIXED PT_DBL PT_SET_INF PT_IS_INF PT_FROM_AFF PT_BATCH_TO_AFF AFF_IS_INF
 * and, before the first inclusion, the shared msm_plan / msm_digit / task helpers of msm.c.
 *
 * One task = one window (c-bit signed digit) over one range of points. Buckets hold affine
 * points; additions into them are queued in a batch in which every bucket appears at most
 * once, and a full batch is done with one inversion (Montgomery's trick) for all its slopes.
 * Equal points double and opposite points cancel inside the batch, so no case needs a
 * fallback there. A point whose bucket already waits in the batch is added instead, by a
 * mixed Jacobian addition, into a second, Jacobian bucket for that digit (this is what keeps
 * scalars that repeat, such as runs of 1, from serialising the batch). The two bucket sets
 * are summed at the end by the running-sum reduction sum_b (b+1) * B_b.
 */

typedef struct {
    AFF *aff;          /* nb affine buckets */
    PT *jac;           /* nb Jacobian overflow buckets */
    uint8_t *state;    /* nb flags: MSM_AFF, MSM_JAC, MSM_QUEUED */
    AFF **qdst;        /* batch: the point added to (all distinct within a batch) */
    const AFF **qsrc;  /*        the point added */
    uint8_t *qneg;     /*        whether it is subtracted */
    uint8_t *qkind;    /*        MSM_KIND_* decided in the forward pass */
    FE *qden;          /*        slope denominator */
    via_fq *qpre;      /*        prefix product of the denominator norms before it */
    via_fq *qnrm;      /*        the norm of the denominator (G2; G1 uses qden) */
    FE *qnum;          /*        slope numerator */
    uint32_t *qidx;    /*        entries that are not at infinity (eight-lane flush) */
    void *vpre, *vchain; /*      eight-lane flush, per group of eight: prefix products, chain
                          *      factors, staged denominators, numerators, x, y of the
                          *      destination and x of the source */
    void *sden, *snum, *sax, *say, *spx;
    size_t qcount;
    AFF *run, *sum;    /* reduction: nchain running sums and weighted sums (x = y = 0: none) */
    PT *jtmp;          /* reduction: overflow buckets being made affine (batch of them) */
    AFF *atmp;
    uint8_t *kflag;
} M_(slot);

static void M_(slot_free)(M_(slot) * s) {
    via_free_big(s->aff);
    via_free_big(s->jac);
    via_free_big(s->state);
    via_free_big(s->qdst);
    via_free_big((void *)s->qsrc);
    via_free_big(s->qneg);
    via_free_big(s->qkind);
    via_free_big(s->qden);
    via_free_big(s->qpre);
    via_free_big(s->qnrm);
    via_free_big(s->qnum);
    via_free_big(s->qidx);
    via_free_big(s->sden);
    via_free_big(s->snum);
    via_free_big(s->sax);
    via_free_big(s->say);
    via_free_big(s->spx);
    via_free_big(s->vpre);
    via_free_big(s->vchain);
    via_free_big(s->run);
    via_free_big(s->sum);
    via_free_big(s->jtmp);
    via_free_big(s->atmp);
    via_free_big(s->kflag);
    memset(s, 0, sizeof *s);
}

static int M_(slot_alloc)(M_(slot) * s, size_t nb, size_t qcap, size_t nchain) {
    memset(s, 0, sizeof *s);
    s->aff = via_malloc_big(nb * sizeof(AFF));
    s->jac = via_malloc_big(nb * sizeof(PT));
    s->state = via_malloc_big(nb);
    s->qdst = via_malloc_big(qcap * sizeof(AFF *));
    s->qsrc = via_malloc_big(qcap * sizeof(AFF *));
    s->qneg = via_malloc_big(qcap);
    s->qkind = via_malloc_big(qcap);
    s->qden = via_malloc_big(qcap * sizeof(FE));
    s->qpre = via_malloc_big(qcap * sizeof(via_fq));
    s->qnrm = via_malloc_big(qcap * sizeof(via_fq));
    s->qnum = via_malloc_big(qcap * sizeof(FE));
#ifdef VFE
    size_t ng = qcap / 8 + 1;
    s->qidx = via_malloc_big(qcap * sizeof(uint32_t));
    s->vpre = via_malloc_big(ng * sizeof(via_v52));
    s->vchain = via_malloc_big(ng * sizeof(via_v52));
    s->sden = via_malloc_big(ng * sizeof(VFE));
    s->snum = via_malloc_big(ng * sizeof(VFE));
    s->sax = via_malloc_big(ng * sizeof(VFE));
    s->say = via_malloc_big(ng * sizeof(VFE));
    s->spx = via_malloc_big(ng * sizeof(VFE));
    if (!s->qidx || !s->vpre || !s->vchain || !s->sden || !s->snum || !s->sax || !s->say || !s->spx) {
        M_(slot_free)(s);
        return VIA_ENOMEM;
    }
#endif
    s->run = via_malloc_big(nchain * sizeof(AFF));
    s->sum = via_malloc_big(nchain * sizeof(AFF));
    s->jtmp = via_malloc_big(qcap * sizeof(PT));
    s->atmp = via_malloc_big(qcap * sizeof(AFF));
    s->kflag = via_malloc_big(nchain);
    if (!s->aff || !s->jac || !s->state || !s->qdst || !s->qsrc || !s->qneg || !s->qkind ||
        !s->qden || !s->qpre || !s->qnrm || !s->qnum || !s->run || !s->sum || !s->jtmp || !s->atmp || !s->kflag) {
        M_(slot_free)(s);
        return VIA_ENOMEM;
    }
    return VIA_OK;
}

/* The slope of dst + src (or dst - src when neg): MSM_KIND_ADD or MSM_KIND_DBL with its
 * numerator and denominator, or MSM_KIND_INF when the sum is the point at infinity. */
static inline uint8_t M_(slope)(const AFF *a, const AFF *p, int neg, FE *num, FE *den) {
    FE t;
    if (!FE_EQ(&a->x, &p->x)) {
        FE_SUB(den, &p->x, &a->x);
        if (neg) {
            FE_ADD(&t, &p->y, &a->y);
            FE_NEG(num, &t);
        } else {
            FE_SUB(num, &p->y, &a->y);
        }
        return MSM_KIND_ADD;
    }
    if (neg)
        FE_NEG(&t, &p->y);
    else
        t = p->y;
    if (!FE_EQ(&a->y, &t) || FE_ISZERO(&a->y)) return MSM_KIND_INF; /* a = -p, or 2-torsion */
    FE_DBL(den, &a->y);
    FE_SQR(&t, &a->x);
    FE_DBL(num, &t);
    FE_ADD(num, num, &t);
    return MSM_KIND_DBL;
}

#ifdef VFE
/* Lane `lane` of the staged group v (a VFE: VFE_NQ consecutive via_v52) <- the field element
 * at fe (VFE_NQ consecutive via_fq), converted to radix 2^52. */
static inline __attribute__((always_inline)) void M_(stage)(VFE *v, unsigned lane, const void *fe) {
    const via_fq *q = fe;
    uint64_t *w = (uint64_t *)(void *)v;
    for (unsigned c = 0; c < VFE_NQ; c++, q++, w += 40) {
        const uint64_t *a = q->l, m = 0xfffffffffffffULL;
        w[lane] = a[0] & m;
        w[8 + lane] = ((a[0] >> 52) | (a[1] << 12)) & m;
        w[16 + lane] = ((a[1] >> 40) | (a[2] << 24)) & m;
        w[24 + lane] = ((a[2] >> 28) | (a[3] << 36)) & m;
        w[32 + lane] = a[3] >> 16;
    }
}

/*
 * M_(flush) with eight additions per step in the lanes of simd52.h (AVX-512 IFMA). The
 * classification and the slope numerators and denominators are scalar, as in M_(flush); the
 * entries that are not at infinity are staged in groups of eight (lane j of group g is the
 * (8g + j)-th of them) together with the coordinates they read, all read before anything is
 * written, so an entry reads a source that is the destination of an earlier entry before that
 * entry updates it, as in M_(flush). Then: eight interleaved prefix-product chains, one
 * inversion of the eight chain products, and the backward pass computing the slopes and the
 * sums eight at a time. The results are the same bytes.
 */
VIA_SIMD52_FN static void M_(flush_x8)(M_(slot) * s, int buckets) {
    size_t cnt = s->qcount, m = 0;
    VFE *sden = s->sden, *snum = s->snum, *sax = s->sax, *say = s->say, *spx = s->spx;
    FE num, den;
    for (size_t e = 0; e < cnt; e++) {
        const AFF *a = s->qdst[e];
        const AFF *p = s->qsrc[e];
        uint8_t kind = M_(slope)(a, p, s->qneg[e], &num, &den);
        s->qkind[e] = kind;
        if (kind == MSM_KIND_INF) continue;
        size_t g = m / 8;
        unsigned lane = (unsigned)(m % 8);
        M_(stage)(&sden[g], lane, &den);
        M_(stage)(&snum[g], lane, &num);
        M_(stage)(&sax[g], lane, &a->x);
        M_(stage)(&say[g], lane, &a->y);
        M_(stage)(&spx[g], lane, &p->x);
        s->qidx[m++] = (uint32_t)e;
    }
    if (m > 0) {
        FE one_fe, zero_fe;
        FE_ONE(&one_fe);
        memset(&zero_fe, 0, sizeof zero_fe);
        size_t groups = (m + 7) / 8;
        for (size_t i = m; i < groups * 8; i++) { /* idle lanes: 0 + 0 / 1 */
            size_t g = i / 8;
            unsigned lane = (unsigned)(i % 8);
            M_(stage)(&sden[g], lane, &one_fe);
            M_(stage)(&snum[g], lane, &zero_fe);
            M_(stage)(&sax[g], lane, &zero_fe);
            M_(stage)(&say[g], lane, &zero_fe);
            M_(stage)(&spx[g], lane, &zero_fe);
        }
        AFF sink[8];
        via_v52 *vpre = s->vpre, *vchain = s->vchain;
        void *pw[8];
        via_v52 acc, d, inv, ninv;
        via_v52_bcast(&acc, via_fq_mod.r1);
        for (size_t g = 0; g < groups; g++) {
            VFE_CHAIN(&d, &sden[g]);
            vpre[g] = acc;
            vchain[g] = d;
            via_v52_mul(&acc, &acc, &d, &via_s52_fq);
        }
        via_fq accs[8], invs[8];
        via_v52_store8(accs[0].l, &acc, &via_s52_fq);
        via_fq_batch_inv_var(invs, accs, 8);
        via_v52_load8(&inv, invs[0].l);
        for (size_t g = groups; g-- > 0;) {
            via_v52_mul(&ninv, &inv, &vpre[g], &via_s52_fq);
            via_v52_mul(&inv, &inv, &vchain[g], &via_s52_fq);
            for (int j = 0; j < 8; j++) {
                size_t i = 8 * g + (size_t)j;
                pw[j] = i < m ? (void *)s->qdst[s->qidx[i]] : (void *)&sink[j];
            }
            VFE dinv, lam, x3, y3, tt;
            VFE_DINV(&dinv, &sden[g], &ninv);
            VFE_MUL(&lam, &snum[g], &dinv);
            VFE_SQR(&x3, &lam);
            VFE_SUB(&x3, &x3, &sax[g]);
            VFE_SUB(&x3, &x3, &spx[g]);
            VFE_SUB(&tt, &sax[g], &x3);
            VFE_MUL(&tt, &tt, &lam);
            VFE_SUB(&y3, &tt, &say[g]);
            VFE_SCATTER(pw, offsetof(AFF, x), &x3);
            VFE_SCATTER(pw, offsetof(AFF, y), &y3);
        }
    }
    for (size_t e = cnt; e-- > 0;) {
        AFF *a = s->qdst[e];
        if (buckets) {
            size_t b = (size_t)(a - s->aff);
            s->state[b] &= (uint8_t)~MSM_QUEUED;
            if (s->qkind[e] == MSM_KIND_INF) s->state[b] &= (uint8_t)~MSM_AFF;
        }
        if (s->qkind[e] == MSM_KIND_INF) memset(a, 0, sizeof *a);
    }
    s->qcount = 0;
}
#endif

/* Applies every queued dst += src (or -src) with one field inversion. The destinations are
 * distinct; a source may be the destination of an earlier entry, which is then updated only
 * after this entry has read it (entries are applied last to first). A result at infinity is
 * stored as x = y = 0 and, in the bucket phase (buckets set), clears the bucket's MSM_AFF
 * flag; every destination in the bucket phase also loses MSM_QUEUED. */
static void M_(flush)(M_(slot) * s, int buckets) {
    size_t cnt = s->qcount;
    if (cnt == 0) return;
#ifdef VFE
    if (via_simd52_have && cnt >= 8) {
        M_(flush_x8)(s, buckets);
        return;
    }
#endif
    via_fq acc, inv, ninv;
    FE dinv, lambda, t, x3;
    via_fq_set_one(&acc);
    for (size_t e = 0; e < cnt; e++) {
        uint8_t kind = M_(slope)(s->qdst[e], s->qsrc[e], s->qneg[e], &s->qnum[e], &s->qden[e]);
        s->qkind[e] = kind;
        if (kind != MSM_KIND_INF) {
            s->qpre[e] = acc;
#ifdef FE_NORM
            FE_NORM(&s->qnrm[e], &s->qden[e]);
            via_fq_mul(&acc, &acc, &s->qnrm[e]);
#else
            via_fq_mul(&acc, &acc, &s->qden[e]);
#endif
        }
    }
    via_fq_inv_var(&inv, &acc);
    for (size_t e = cnt; e-- > 0;) {
        AFF *a = s->qdst[e];
        const AFF *p = s->qsrc[e];
        if (buckets) {
            size_t b = (size_t)(a - s->aff);
            s->state[b] &= (uint8_t)~MSM_QUEUED;
            if (s->qkind[e] == MSM_KIND_INF) s->state[b] &= (uint8_t)~MSM_AFF;
        }
        if (s->qkind[e] == MSM_KIND_INF) {
            memset(a, 0, sizeof *a);
            continue;
        }
        via_fq_mul(&ninv, &inv, &s->qpre[e]);
#ifdef FE_NORM
        via_fq_mul(&inv, &inv, &s->qnrm[e]);
        FE_CONJ_SCALE(&dinv, &s->qden[e], &ninv); /* 1/den = conj(den) / norm(den) */
#else
        via_fq_mul(&inv, &inv, &s->qden[e]);
        dinv = ninv;
#endif
        FE_MUL(&lambda, &s->qnum[e], &dinv);
        FE_SQR(&x3, &lambda);
        FE_SUB(&x3, &x3, &a->x);
        FE_SUB(&x3, &x3, &p->x);
        FE_SUB(&t, &a->x, &x3);
        FE_MUL(&t, &t, &lambda);
        FE_SUB(&a->y, &t, &a->y);
        a->x = x3;
    }
    s->qcount = 0;
}

static inline void M_(queue)(M_(slot) * s, AFF *dst, const AFF *src, int neg) {
    size_t e = s->qcount++;
    s->qdst[e] = dst;
    s->qsrc[e] = src;
    s->qneg[e] = (uint8_t)neg;
}

/* Bucket b (digit b+1) gets +p or -p. */
static inline void M_(bucket_add)(M_(slot) * s, size_t batch, uint32_t b, const AFF *p, int neg) {
    uint8_t st = s->state[b];
    if (!(st & MSM_AFF)) {
        s->aff[b].x = p->x;
        if (neg)
            FE_NEG(&s->aff[b].y, &p->y);
        else
            s->aff[b].y = p->y;
        s->state[b] = (uint8_t)(st | MSM_AFF);
    } else if (st & MSM_QUEUED) {
        AFF np;
        const AFF *q = p;
        if (neg) {
            np.x = p->x;
            FE_NEG(&np.y, &p->y);
            q = &np;
        }
        if (st & MSM_JAC) {
            PT_ADD_MIXED(&s->jac[b], &s->jac[b], q);
        } else {
            PT_FROM_AFF(&s->jac[b], q);
            s->state[b] = (uint8_t)(st | MSM_JAC);
        }
    } else {
        __builtin_prefetch(&s->aff[b], 1);
        __builtin_prefetch((const char *)&s->aff[b] + sizeof(AFF) - 1, 1);
        M_(queue)(s, &s->aff[b], p, neg);
        s->state[b] = (uint8_t)(st | MSM_QUEUED);
        if (s->qcount == batch) M_(flush)(s, 1);
    }
}

/* Adds the Jacobian overflow buckets into the affine ones: converted to affine a batch at a
 * time (one inversion), then added with another. */
static void M_(merge_jac)(M_(slot) * s, size_t nb, size_t qcap) {
    size_t b = 0;
    while (b < nb) {
        size_t cnt = 0;
        uint32_t *idx = (uint32_t *)s->qpre; /* free until the flush below: bucket indexes */
        for (; b < nb && cnt < qcap; b++)
            if (s->state[b] & MSM_JAC) {
                s->state[b] &= (uint8_t)~MSM_JAC;
                s->jtmp[cnt] = s->jac[b];
                idx[cnt++] = (uint32_t)b;
            }
        if (cnt == 0) break;
        PT_BATCH_TO_AFF(s->atmp, s->jtmp, cnt);
        for (size_t i = 0; i < cnt; i++) {
            size_t bb = idx[i];
            if (AFF_IS_INF(&s->atmp[i])) continue;
            if (!(s->state[bb] & MSM_AFF)) {
                s->aff[bb] = s->atmp[i];
                s->state[bb] |= MSM_AFF;
            } else {
                M_(queue)(s, &s->aff[bb], &s->atmp[i], 0);
                s->state[bb] |= MSM_QUEUED;
            }
        }
        M_(flush)(s, 1);
    }
}

/* sum_b (b+1) B_b over the affine buckets (present where MSM_AFF). The buckets are cut into
 * nchain runs of len = nb / nchain; run k keeps, in affine form, R_k = the sum of its buckets
 * above the current one and S_k = sum_j j B_{k len + j}, both updated for all runs with one
 * batch inversion per step. Then sum_b (b+1) B_b = sum_k (S_k + R_k) + len sum_k k R_k, the
 * last sum by a short Jacobian running sum. */
static void M_(reduce)(M_(slot) * s, PT *out, size_t nb, size_t nchain) {
    size_t len = nb / nchain;
    AFF *run = s->run, *sum = s->sum;
    memset(run, 0, nchain * sizeof(AFF));
    memset(sum, 0, nchain * sizeof(AFF));
    for (size_t j = len; j-- > 0;) {
        /* entries are applied last to first: the S += R of a run must come after its R += B
         * in the queue so that it reads R before the update */
        for (size_t k = 0; k < nchain; k++) {
            int rin = !AFF_IS_INF(&run[k]);
            s->kflag[k] = 0;
            if (rin) {
                if (AFF_IS_INF(&sum[k]))
                    sum[k] = run[k];
                else
                    s->kflag[k] = 1;
            }
            size_t b = k * len + j;
            if (s->state[b] & MSM_AFF) {
                if (rin)
                    M_(queue)(s, &run[k], &s->aff[b], 0);
                else
                    run[k] = s->aff[b];
            }
        }
        for (size_t k = 0; k < nchain; k++)
            if (s->kflag[k]) M_(queue)(s, &sum[k], &run[k], 0);
        M_(flush)(s, 0);
    }
    PT t, r, u;
    PT_SET_INF(&t);
    PT_SET_INF(&r);
    PT_SET_INF(&u);
    for (size_t k = nchain; k-- > 0;) {
        if (!AFF_IS_INF(&sum[k])) PT_ADD_MIXED(&t, &t, &sum[k]);
        if (AFF_IS_INF(&run[k])) continue;
        PT_ADD_MIXED(&t, &t, &run[k]);
    }
    /* u = sum_k k R_k by the running sum over k = nchain-1 .. 1 */
    for (size_t k = nchain; k-- > 1;) {
        if (!AFF_IS_INF(&run[k])) PT_ADD_MIXED(&r, &r, &run[k]);
        if (!PT_IS_INF(&r)) PT_ADD(&u, &u, &r);
    }
    if (!PT_IS_INF(&u))
        for (size_t l = len; l > 1; l >>= 1)
            PT_DBL(&u, &u);
    PT_ADD(out, &t, &u);
}

typedef struct {
    const msm_plan *plan;
    const AFF *bases;
    const via_scalar *scalars;
    size_t n;
    M_(slot) * slots;
    PT *partial; /* [window * nsplit + split] */
} M_(job);

static void M_(task)(void *ctx, size_t t0, size_t t1, unsigned slot_id) {
    const M_(job) *job = ctx;
    const msm_plan *pl = job->plan;
    M_(slot) *s = &job->slots[slot_id];
    size_t nb = (size_t)1 << (pl->c - 1);
    for (size_t task = t0; task < t1; task++) {
        unsigned w = (unsigned)(task / pl->nsplit);
        size_t split = task % pl->nsplit;
        size_t lo = job->n * split / pl->nsplit, hi = job->n * (split + 1) / pl->nsplit;
        memset(s->state, 0, nb);
        s->qcount = 0;
        /* digits of the next MSM_LOOKAHEAD points (a power of 2), read once: the bucket flag
         * of a coming point is prefetched so that the branch on it does not wait */
        int32_t ring[MSM_LOOKAHEAD];
        for (size_t i = lo; i < hi && i < lo + MSM_LOOKAHEAD; i++) {
            int32_t dn = msm_digit(pl, &job->scalars[i], w);
            ring[i % MSM_LOOKAHEAD] = dn;
            if (dn) __builtin_prefetch(&s->state[(dn > 0 ? dn : -dn) - 1], 1);
        }
        for (size_t i = lo; i < hi; i++) {
            int32_t d = ring[i % MSM_LOOKAHEAD];
            if (i + MSM_LOOKAHEAD < hi) {
                int32_t dn = msm_digit(pl, &job->scalars[i + MSM_LOOKAHEAD], w);
                ring[i % MSM_LOOKAHEAD] = dn;
                if (dn) __builtin_prefetch(&s->state[(dn > 0 ? dn : -dn) - 1], 1);
            }
            if (d == 0) continue;
            const AFF *p = &job->bases[i];
            if (AFF_IS_INF(p)) continue;
            if (d > 0)
                M_(bucket_add)(s, pl->batch, (uint32_t)(d - 1), p, 0);
            else
                M_(bucket_add)(s, pl->batch, (uint32_t)(-d - 1), p, 1);
        }
        M_(flush)(s, 1);
        M_(merge_jac)(s, nb, pl->qcap);
        M_(reduce)(s, &job->partial[task], nb, pl->nchain);
    }
}

static int M_(run)(PT *out, const AFF *bases, const via_scalar *scalars, size_t n) {
    PT_SET_INF(out);
    if (n == 0) return VIA_OK;
    assert(bases != NULL && scalars != NULL);
    for (size_t i = 0; i < n; i++)
        if (!msm_scalar_ok(&scalars[i])) return VIA_EINVAL;
    unsigned threads = via_get_threads();
    if (threads == 0) threads = 1;
    msm_plan pl;
    msm_plan_make(&pl, n, threads);
    size_t ntasks = (size_t)pl.nwin * pl.nsplit;
    unsigned nslots = ntasks < threads ? (unsigned)ntasks : threads;
    size_t nb = (size_t)1 << (pl.c - 1);

    M_(slot) *slots = via_xcalloc(nslots, sizeof *slots);
    PT *partial = via_malloc_big(ntasks * sizeof(PT));
    int rc = partial ? VIA_OK : VIA_ENOMEM;
    for (unsigned i = 0; i < nslots && rc == VIA_OK; i++)
        rc = M_(slot_alloc)(&slots[i], nb, pl.qcap, pl.nchain);
    if (rc == VIA_OK) {
        M_(job) job = {&pl, bases, scalars, n, slots, partial};
        msm_run_tasks(nslots, ntasks, M_(task), &job);
        /* sum_w 2^(w c) S_w by Horner from the top window */
        PT acc;
        PT_SET_INF(&acc);
        for (unsigned w = pl.nwin; w-- > 0;) {
            if (!PT_IS_INF(&acc))
                for (unsigned k = 0; k < pl.c; k++)
                    PT_DBL(&acc, &acc);
            for (size_t sp = 0; sp < pl.nsplit; sp++)
                PT_ADD(&acc, &acc, &partial[(size_t)w * pl.nsplit + sp]);
        }
        *out = acc;
    }
    for (unsigned i = 0; i < nslots; i++)
        M_(slot_free)(&slots[i]);
    via_xfree(slots);
    via_free_big(partial);
    return rc;
}
