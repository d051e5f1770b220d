/*
 * Pippenger MSM in G1 for OpenCL, after field_hd.h and g1_hd.h in the same program source.
 *
 * The host splits every scalar into c-bit windows and sorts base indices by (window, digit)
 * (a counting sort), so bucket (w, d) owns the slice idx[offs[w 2^c + d] .. offs[.. + 1]).
 * 1. via_msm_bucket_acc: one work-item per bucket adds its bases (mixed Jacobian + affine).
 * 2. via_msm_bucket_reduce: the buckets of a window are cut into segments; one work-item per
 *    segment runs the running-sum trick over it, giving sum_b (b - lo + 1) B_b and sum_b B_b
 *    for the segment [lo, hi). The host weights and combines segments and windows.
 */

__kernel void via_msm_bucket_acc(__global via_hd_g1 *buckets,
                                 __global const via_hd_g1_affine *bases,
                                 __global const uint *idx, __global const uint *offs,
                                 uint count) {
    uint g = (uint)get_global_id(0);
    if (g >= count) return;
    via_hd_g1 acc = via_hd_g1_inf();
    uint end = offs[g + 1];
    for (uint k = offs[g]; k < end; k++) acc = via_hd_g1_add_mixed(acc, bases[idx[k]]);
    buckets[g] = acc;
}

/* seg_out[2 g] = sum (b - lo + 1) B_b, seg_out[2 g + 1] = sum B_b over the segment of
 * seg_len buckets starting at lo = s * seg_len (bucket 0 holds zero digits and is empty). */
__kernel void via_msm_bucket_reduce(__global via_hd_g1 *seg_out,
                                    __global const via_hd_g1 *buckets, uint log2c_buckets,
                                    uint seg_len, uint count) {
    uint g = (uint)get_global_id(0);
    if (g >= count) return;
    uint nseg = (1u << log2c_buckets) / seg_len;
    uint w = g / nseg;
    uint s = g % nseg;
    __global const via_hd_g1 *b = buckets + ((size_t)w << log2c_buckets) + (size_t)s * seg_len;
    via_hd_g1 running = via_hd_g1_inf();
    via_hd_g1 sum = via_hd_g1_inf();
    for (uint k = seg_len; k-- > 0;) {
        running = via_hd_g1_add(running, b[k]);
        sum = via_hd_g1_add(sum, running);
    }
    seg_out[2 * g] = sum;
    seg_out[2 * g + 1] = running;
}
