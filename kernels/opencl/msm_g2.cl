/*
 * Pippenger MSM in G2 for OpenCL, the same two kernels as msm.cl on g2_hd.h points. Built as
 * a second program (field_hd.h, g2_hd.h, this file) on first use, because the Fq2 formulas
 * make it several times the size of the G1 program and most callers never need it.
 */

__kernel void via_msm_g2_bucket_acc(__global via_hd_g2 *buckets,
                                    __global const via_hd_g2_affine *bases,
                                    __global const uint *idx, __global const uint *offs,
                                    uint count) {
    uint g = (uint)get_global_id(0);
    if (g >= count) return;
    via_hd_g2 acc = via_hd_g2_inf();
    uint end = offs[g + 1];
    for (uint k = offs[g]; k < end; k++) acc = via_hd_g2_add_mixed(acc, bases[idx[k]]);
    buckets[g] = acc;
}

/* seg_out[2 g] = sum (b - lo + 1) B_b, seg_out[2 g + 1] = sum B_b over segment g. */
__kernel void via_msm_g2_bucket_reduce(__global via_hd_g2 *seg_out,
                                       __global const via_hd_g2 *buckets, uint log2c_buckets,
                                       uint seg_len, uint count) {
    uint g = (uint)get_global_id(0);
    if (g >= count) return;
    uint nseg = (1u << log2c_buckets) / seg_len;
    uint w = g / nseg;
    uint s = g % nseg;
    __global const via_hd_g2 *b = buckets + ((size_t)w << log2c_buckets) + (size_t)s * seg_len;
    via_hd_g2 running = via_hd_g2_inf();
    via_hd_g2 sum = via_hd_g2_inf();
    for (uint k = seg_len; k-- > 0;) {
        running = via_hd_g2_add(running, b[k]);
        sum = via_hd_g2_add(sum, running);
    }
    seg_out[2 * g] = sum;
    seg_out[2 * g + 1] = running;
}
