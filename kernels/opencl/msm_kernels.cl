/*
 * The two Pippenger kernels, written once for any point type: VIA_MSM_KERNELS(P, ACC, REDUCE)
 * defines __kernel ACC and REDUCE on the points P (via_hd_g1 or via_hd_g2: the type P, its
 * affine form P##_affine and the functions P##_inf, P##_add, P##_add_mixed from g1_hd.h or
 * g2_hd.h). msm.cl and msm_g2.cl instantiate it; the host code is in cl_backend.c.
 *
 * The host splits every scalar into c-bit windows and sorts base indices by (window, digit)
 * (a counting sort), so bucket (w, d) owns the slice idx[offs[w 2^c + d] .. offs[.. + 1]).
 * 1. ACC: one work-item per bucket adds its bases (mixed Jacobian + affine).
 * 2. REDUCE: the buckets of a window are cut into segments; one work-item per segment runs
 *    the running-sum trick over it: seg_out[2 g] = sum (b - lo + 1) B_b and
 *    seg_out[2 g + 1] = sum B_b over the segment of seg_len buckets starting at
 *    lo = s * seg_len (bucket 0 holds zero digits and is empty). The host weights and
 *    combines segments and windows.
 */
#define VIA_MSM_KERNELS(P, ACC, REDUCE)                                                            \
    __kernel void ACC(__global P *buckets, __global const P##_affine *bases,                      \
                      __global const uint *idx, __global const uint *offs, uint count) {           \
        uint g = (uint)get_global_id(0);                                                           \
        if (g >= count) return;                                                                    \
        P acc = P##_inf();                                                                         \
        uint end = offs[g + 1];                                                                    \
        for (uint k = offs[g]; k < end; k++) acc = P##_add_mixed(acc, bases[idx[k]]);              \
        buckets[g] = acc;                                                                          \
    }                                                                                              \
                                                                                                   \
    __kernel void REDUCE(__global P *seg_out, __global const P *buckets, uint log2c_buckets,       \
                         uint seg_len, uint count) {                                               \
        uint g = (uint)get_global_id(0);                                                           \
        if (g >= count) return;                                                                    \
        uint nseg = (1u << log2c_buckets) / seg_len;                                               \
        uint w = g / nseg;                                                                         \
        uint s = g % nseg;                                                                         \
        __global const P *b = buckets + ((size_t)w << log2c_buckets) + (size_t)s * seg_len;        \
        P running = P##_inf();                                                                     \
        P sum = P##_inf();                                                                         \
        for (uint k = seg_len; k-- > 0;) {                                                         \
            running = P##_add(running, b[k]);                                                      \
            sum = P##_add(sum, running);                                                           \
        }                                                                                          \
        seg_out[2 * g] = sum;                                                                      \
        seg_out[2 * g + 1] = running;                                                              \
    }
