/*
 * Pippenger bucket accumulation for one group, written once and included by msm.c for G1
 * (over Fq) and G2 (over Fq2). The includer defines:
 *   M_(name)   the local name prefix (msm_g1_##name)
 *   PT, AFF, FE  Jacobian point, affine point and field element types
 *   FE_ADD FE_SUB FE_DBL FE_MUL FE_SQR FE_NEG FE_INV FE_EQ FE_ISZERO FE_ONE
 *   PT_ADD PT_ADD_MIXED PT_DBL PT_SET_INF PT_IS_INF PT_FROM_AFF AFF_IS_INF
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
    uint32_t *qbucket; /* batch: bucket of each queued addition */
    const AFF **qpt;   /* batch: the base point */
    uint8_t *qneg;     /*        whether it is subtracted */
    uint8_t *qkind;    /*        MSM_KIND_* decided in the forward pass */
    FE *qden;          /*        slope denominator */
    FE *qpre;          /*        prefix product of the denominators before it */
    size_t qcount;
} M_(slot);

static void M_(slot_free)(M_(slot) * s) {
    via_free_big(s->aff);
    via_free_big(s->jac);
    via_free_big(s->state);
    via_free_big(s->qbucket);
    via_free_big((void *)s->qpt);
    via_free_big(s->qneg);
    via_free_big(s->qkind);
    via_free_big(s->qden);
    via_free_big(s->qpre);
    memset(s, 0, sizeof *s);
}

static int M_(slot_alloc)(M_(slot) * s, size_t nb, size_t batch) {
    memset(s, 0, sizeof *s);
    s->aff = via_malloc_big(nb * sizeof(AFF));
    s->jac = via_malloc_big(nb * sizeof(PT));
    s->state = via_malloc_big(nb);
    s->qbucket = via_malloc_big(batch * sizeof(uint32_t));
    s->qpt = via_malloc_big(batch * sizeof(AFF *));
    s->qneg = via_malloc_big(batch);
    s->qkind = via_malloc_big(batch);
    s->qden = via_malloc_big(batch * sizeof(FE));
    s->qpre = via_malloc_big(batch * sizeof(FE));
    if (!s->aff || !s->jac || !s->state || !s->qbucket || !s->qpt || !s->qneg || !s->qkind ||
        !s->qden || !s->qpre) {
        M_(slot_free)(s);
        return VIA_ENOMEM;
    }
    return VIA_OK;
}

/* Applies every queued bucket += point with one field inversion. */
static void M_(flush)(M_(slot) * s) {
    size_t cnt = s->qcount;
    if (cnt == 0) return;
    FE acc, inv, dinv, num, lambda, t, py, x3;
    FE_ONE(&acc);
    for (size_t e = 0; e < cnt; e++) {
        const AFF *a = &s->aff[s->qbucket[e]];
        const AFF *p = s->qpt[e];
        if (s->qneg[e])
            FE_NEG(&py, &p->y);
        else
            py = p->y;
        uint8_t kind;
        if (!FE_EQ(&a->x, &p->x)) {
            kind = MSM_KIND_ADD;
            FE_SUB(&s->qden[e], &p->x, &a->x);
        } else if (FE_EQ(&a->y, &py) && !FE_ISZERO(&a->y)) {
            kind = MSM_KIND_DBL;
            FE_DBL(&s->qden[e], &a->y);
        } else {
            kind = MSM_KIND_INF; /* a = -p (or a 2-torsion point doubled) */
        }
        s->qkind[e] = kind;
        if (kind != MSM_KIND_INF) {
            s->qpre[e] = acc;
            FE_MUL(&acc, &acc, &s->qden[e]);
        }
    }
    FE_INV(&inv, &acc);
    for (size_t e = cnt; e-- > 0;) {
        uint32_t b = s->qbucket[e];
        AFF *a = &s->aff[b];
        const AFF *p = s->qpt[e];
        s->state[b] &= (uint8_t)~MSM_QUEUED;
        if (s->qkind[e] == MSM_KIND_INF) {
            s->state[b] &= (uint8_t)~MSM_AFF;
            continue;
        }
        FE_MUL(&dinv, &inv, &s->qpre[e]);
        FE_MUL(&inv, &inv, &s->qden[e]);
        if (s->qkind[e] == MSM_KIND_ADD) {
            if (s->qneg[e]) {
                FE_NEG(&py, &p->y);
                FE_SUB(&num, &py, &a->y);
            } else {
                FE_SUB(&num, &p->y, &a->y);
            }
        } else {
            FE_SQR(&t, &a->x);
            FE_DBL(&num, &t);
            FE_ADD(&num, &num, &t);
        }
        FE_MUL(&lambda, &num, &dinv);
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
        size_t e = s->qcount++;
        __builtin_prefetch(&s->aff[b], 1);
        __builtin_prefetch((const char *)&s->aff[b] + sizeof(AFF) - 1, 1);
        s->qbucket[e] = b;
        s->qpt[e] = p;
        s->qneg[e] = (uint8_t)neg;
        s->state[b] = (uint8_t)(st | MSM_QUEUED);
        if (s->qcount == batch) M_(flush)(s);
    }
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
        for (size_t i = lo; i < hi; i++) {
            if (i + MSM_LOOKAHEAD < hi) {
                /* the bucket flag of a coming point, so the branch below does not wait */
                int32_t dn = msm_digit(pl, &job->scalars[i + MSM_LOOKAHEAD], w);
                if (dn) __builtin_prefetch(&s->state[(dn > 0 ? dn : -dn) - 1], 1);
            }
            int32_t d = msm_digit(pl, &job->scalars[i], w);
            if (d == 0) continue;
            const AFF *p = &job->bases[i];
            if (AFF_IS_INF(p)) continue;
            if (d > 0)
                M_(bucket_add)(s, pl->batch, (uint32_t)(d - 1), p, 0);
            else
                M_(bucket_add)(s, pl->batch, (uint32_t)(-d - 1), p, 1);
        }
        M_(flush)(s);
        PT running, sum;
        PT_SET_INF(&running);
        PT_SET_INF(&sum);
        for (size_t b = nb; b-- > 0;) {
            uint8_t st = s->state[b];
            if (st & MSM_AFF) PT_ADD_MIXED(&running, &running, &s->aff[b]);
            if (st & MSM_JAC) PT_ADD(&running, &running, &s->jac[b]);
            if (!PT_IS_INF(&running)) PT_ADD(&sum, &sum, &running);
        }
        job->partial[task] = sum;
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
        rc = M_(slot_alloc)(&slots[i], nb, pl.batch);
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
