#include "via/msm_plan.h"

#include <stdlib.h>
#include <string.h>

#include "via/runtime.h"

/* Window width for n points: about log2(n) - 2, clamped to [4, 16]. */
static unsigned window_bits(size_t n) {
    unsigned lg = 0;
    while (lg < 40 && ((size_t)1 << (lg + 1)) <= n)
        lg++;
    unsigned c = lg > 6 ? lg - 2 : 4;
    return c > 16 ? 16 : c;
}

/* Bits [w c, w c + c) of a scalar below 2^254. */
static unsigned digit(const via_scalar *s, unsigned w, unsigned c) {
    unsigned bit = w * c, q = bit / 64, r = bit % 64;
    uint64_t v = s->l[q] >> r;
    if (r + c > 64 && q + 1 < 4) v |= s->l[q + 1] << (64 - r);
    return (unsigned)(v & (((uint64_t)1 << c) - 1));
}

/* Whether base i is the point at infinity (dropped from the plan). */
typedef int (*base_is_inf_fn)(const void *bases, size_t i);

static int g1_base_is_inf(const void *bases, size_t i) {
    return via_g1_affine_is_inf((const via_g1_affine *)bases + i);
}
static int g2_base_is_inf(const void *bases, size_t i) {
    return via_g2_affine_is_inf((const via_g2_affine *)bases + i);
}

static int plan_build(via_msm_plan *plan, base_is_inf_fn is_inf, const void *h_bases,
                      const via_scalar *h_scalars, size_t n, via_error *err) {
    memset(plan, 0, sizeof(*plan));
    for (size_t i = 0; i < n; i++)
        if (!via_limbs_lt(h_scalars[i].l, via_fr_mod.p))
            return via_fail(err, VIA_EINVAL, "MSM scalar %zu is not below the group order", i);
    if (n > UINT32_MAX / 64)
        return via_fail(err, VIA_EINVAL, "MSM of %zu points exceeds the device backends' limit", n);
    plan->c = window_bits(n);
    plan->nwin = (254 + plan->c - 1) / plan->c;
    plan->nbuckets = (size_t)1 << plan->c;
    plan->ntot = (size_t)plan->nwin * plan->nbuckets;
    plan->seg_len = plan->nbuckets > 64 ? 64 : (uint32_t)plan->nbuckets;
    plan->nseg_total = plan->ntot / plan->seg_len;
    plan->offs = calloc(plan->ntot + 1, sizeof(uint32_t));
    uint32_t *fill = calloc(plan->ntot, sizeof(uint32_t));
    if (!plan->offs || !fill) goto oom;
    /* counting sort; digit 0 contributes nothing and infinity bases are dropped */
    for (size_t i = 0; i < n; i++) {
        if (is_inf(h_bases, i)) continue;
        for (unsigned w = 0; w < plan->nwin; w++) {
            unsigned d = digit(&h_scalars[i], w, plan->c);
            if (d) plan->offs[(size_t)w * plan->nbuckets + d + 1]++;
        }
    }
    for (size_t g = 0; g < plan->ntot; g++)
        plan->offs[g + 1] += plan->offs[g];
    plan->nidx = plan->offs[plan->ntot];
    plan->idx = via_malloc_big((plan->nidx ? plan->nidx : 1) * sizeof(uint32_t));
    if (!plan->idx) goto oom;
    for (size_t i = 0; i < n; i++) {
        if (is_inf(h_bases, i)) continue;
        for (unsigned w = 0; w < plan->nwin; w++) {
            unsigned d = digit(&h_scalars[i], w, plan->c);
            if (d) {
                size_t g = (size_t)w * plan->nbuckets + d;
                plan->idx[plan->offs[g] + fill[g]++] = (uint32_t)i;
            }
        }
    }
    free(fill);
    return VIA_OK;
oom:
    free(fill);
    via_msm_plan_free(plan);
    return via_fail(err, VIA_ENOMEM, "MSM bucket index for %zu points", n);
}

int via_msm_plan_build(via_msm_plan *plan, const via_g1_affine *h_bases,
                       const via_scalar *h_scalars, size_t n, via_error *err) {
    return plan_build(plan, g1_base_is_inf, h_bases, h_scalars, n, err);
}

int via_msm_plan_build_g2(via_msm_plan *plan, const via_g2_affine *h_bases,
                          const via_scalar *h_scalars, size_t n, via_error *err) {
    return plan_build(plan, g2_base_is_inf, h_bases, h_scalars, n, err);
}

void via_msm_plan_combine(const via_msm_plan *plan, via_g1 *out, const via_g1 *segs) {
    const size_t nseg = plan->nbuckets / plan->seg_len;
    via_g1 acc;
    via_g1_set_inf(&acc);
    for (unsigned w = plan->nwin; w-- > 0;) {
        for (unsigned k = 0; k < plan->c; k++)
            via_g1_dbl(&acc, &acc);
        for (size_t s = 0; s < nseg; s++) {
            const via_g1 *sum = &segs[2 * (w * nseg + s)];
            const via_g1 *running = &segs[2 * (w * nseg + s) + 1];
            via_g1_add(&acc, &acc, sum);
            uint64_t lo = (uint64_t)s * plan->seg_len;
            via_g1 t;
            if (lo == 0) {
                via_g1_neg(&t, running); /* bucket b sits at offset b + 1 - 1 */
            } else {
                uint64_t k[4] = {lo - 1, 0, 0, 0};
                via_g1_mul_var(&t, running, k);
            }
            via_g1_add(&acc, &acc, &t);
        }
    }
    *out = acc;
}

void via_msm_plan_combine_g2(const via_msm_plan *plan, via_g2 *out, const via_g2 *segs) {
    const size_t nseg = plan->nbuckets / plan->seg_len;
    via_g2 acc;
    via_g2_set_inf(&acc);
    for (unsigned w = plan->nwin; w-- > 0;) {
        for (unsigned k = 0; k < plan->c; k++)
            via_g2_dbl(&acc, &acc);
        for (size_t s = 0; s < nseg; s++) {
            const via_g2 *sum = &segs[2 * (w * nseg + s)];
            const via_g2 *running = &segs[2 * (w * nseg + s) + 1];
            via_g2_add(&acc, &acc, sum);
            uint64_t lo = (uint64_t)s * plan->seg_len;
            via_g2 t;
            if (lo == 0) {
                via_g2_neg(&t, running); /* bucket b sits at offset b + 1 - 1 */
            } else {
                uint64_t k[4] = {lo - 1, 0, 0, 0};
                via_g2_mul_var(&t, running, k);
            }
            via_g2_add(&acc, &acc, &t);
        }
    }
    *out = acc;
}

size_t via_msm_plan_device_bytes(size_t n, size_t base_size, size_t point_size, int bases_resident,
                                 size_t *largest) {
    if (largest) *largest = 0;
    if (n == 0) return 0;
    unsigned c = window_bits(n), nwin = (254 + c - 1) / c;
    size_t ntot = (size_t)nwin << c;
    size_t seg_len = ntot / nwin > 64 ? 64 : ntot / nwin;
    size_t bytes = bases_resident ? 0 : n * base_size;
    bytes += ntot * point_size;                   /* buckets */
    bytes += 2 * (ntot / seg_len) * point_size;   /* segment sums */
    bytes += (ntot + 1) * sizeof(uint32_t);       /* bucket offsets */
    bytes += n * (size_t)nwin * sizeof(uint32_t); /* bucket index, at most one per window */
    if (largest) {
        size_t l = ntot * point_size, ix = n * (size_t)nwin * sizeof(uint32_t);
        if (ix > l) l = ix;
        if (!bases_resident && n * base_size > l) l = n * base_size;
        *largest = l;
    }
    return bytes;
}

void via_msm_plan_free(via_msm_plan *plan) {
    free(plan->offs);
    via_free_big(plan->idx);
    memset(plan, 0, sizeof(*plan));
}
