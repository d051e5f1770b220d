/*
 * The host half of the device MSMs (OpenCL and CUDA share it): validating scalars, cutting
 * them into c-bit windows and sorting base indices by (window, digit) so that each device
 * thread owns one bucket's slice, and after the device has reduced bucket segments, weighting
 * the segments and combining the windows with the CPU curve code (prover/include/via/curve.h).
 */
#ifndef VIA_KERNELS_MSM_PLAN_H
#define VIA_KERNELS_MSM_PLAN_H
#include <stddef.h>
#include <stdint.h>

#include "via/curve.h"
#include "via/status.h"
#include "via/msm.h"

typedef struct {
    unsigned c;        /* window bits */
    unsigned nwin;     /* windows covering 254 bits */
    size_t nbuckets;   /* 2^c per window (bucket 0 stays empty) */
    size_t ntot;       /* nwin * nbuckets */
    uint32_t seg_len;  /* buckets per reduction segment */
    size_t nseg_total; /* ntot / seg_len */
    uint32_t *offs;    /* ntot + 1 prefix offsets into idx */
    uint32_t *idx;     /* base indices, sorted by (window, digit); offs[ntot] of them */
    size_t nidx;
} via_msm_plan;

/* Builds the plan for n > 0 points. VIA_EINVAL names the first scalar >= r; VIA_ENOMEM. */
VIA_MUST_USE int via_msm_plan_build(via_msm_plan *plan, const via_g1_affine *h_bases,
                                    const via_scalar *h_scalars, size_t n, via_error *err);
/* out = sum over windows (from the top, c doublings apart) of sum over segments of
 * seg_sum + (lo - 1) seg_running, with segs[2 g], segs[2 g + 1] as the device wrote them. */
void via_msm_plan_combine(const via_msm_plan *plan, via_g1 *out, const via_g1 *segs);
/* The same for G2 bases (infinity bases dropped) and G2 segment sums. */
VIA_MUST_USE int via_msm_plan_build_g2(via_msm_plan *plan, const via_g2_affine *h_bases,
                                       const via_scalar *h_scalars, size_t n, via_error *err);
void via_msm_plan_combine_g2(const via_msm_plan *plan, via_g2 *out, const via_g2 *segs);
void via_msm_plan_free(via_msm_plan *plan);
/* Upper bound of the device memory an MSM of n points takes in either backend: the bases
 * (unless resident), buckets, segment sums, bucket offsets and the bucket index. The window
 * width is the one via_msm_plan_build picks for n. *largest (may be NULL) gets the largest
 * single buffer, for devices with a per-allocation limit. */
size_t via_msm_plan_device_bytes(size_t n, size_t base_size, size_t point_size, int bases_resident,
                                 size_t *largest);
#endif
