/*
 * Pippenger MSM in G2 in CUDA, the same split as msm.cu (and kernels/opencl/msm_g2.cl) on
 * g2_hd.h points: one thread per bucket accumulates its bases with mixed additions, one
 * thread per segment of buckets runs the running-sum reduction; the host weights segments
 * and combines windows (common/msm_plan.c).
 */
#include "../field_hd.h"
#include "../g2_hd.h"
#include "cuda_check.h"
#include "kernels.h"

__global__ void msm_g2_bucket_acc(via_hd_g2 *buckets, const via_hd_g2_affine *bases,
                                  const uint32_t *idx, const uint32_t *offs, uint32_t count) {
    uint32_t g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= count) return;
    via_hd_g2 acc = via_hd_g2_inf();
    uint32_t end = offs[g + 1];
    for (uint32_t k = offs[g]; k < end; k++)
        acc = via_hd_g2_add_mixed(acc, bases[idx[k]]);
    buckets[g] = acc;
}

__global__ void msm_g2_bucket_reduce(via_hd_g2 *segs, const via_hd_g2 *buckets, unsigned c,
                                     uint32_t seg_len, uint32_t count) {
    uint32_t g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= count) return;
    uint32_t nseg = (1u << c) / seg_len;
    uint32_t w = g / nseg, s = g % nseg;
    const via_hd_g2 *b = buckets + ((size_t)w << c) + (size_t)s * seg_len;
    via_hd_g2 running = via_hd_g2_inf();
    via_hd_g2 sum = via_hd_g2_inf();
    for (uint32_t k = seg_len; k-- > 0;) {
        running = via_hd_g2_add(running, b[k]);
        sum = via_hd_g2_add(sum, running);
    }
    segs[2 * g] = sum;
    segs[2 * g + 1] = running;
}

extern "C" int via_cuda_launch_g2_bucket_acc(void *d_buckets, const void *d_bases,
                                             const uint32_t *d_idx, const uint32_t *d_offs,
                                             uint32_t count, cudaStream_t stream, char *err_msg) {
    const unsigned threads = 64;
    msm_g2_bucket_acc<<<(count + threads - 1) / threads, threads, 0, stream>>>(
        (via_hd_g2 *)d_buckets, (const via_hd_g2_affine *)d_bases, d_idx, d_offs, count);
    VIA_CUDA_CHECK_LAUNCH("msm_g2_bucket_acc", err_msg);
    return 0;
}

extern "C" int via_cuda_launch_g2_bucket_reduce(void *d_segs, const void *d_buckets, unsigned c,
                                                uint32_t seg_len, uint32_t count,
                                                cudaStream_t stream, char *err_msg) {
    const unsigned threads = 32;
    msm_g2_bucket_reduce<<<(count + threads - 1) / threads, threads, 0, stream>>>(
        (via_hd_g2 *)d_segs, (const via_hd_g2 *)d_buckets, c, seg_len, count);
    VIA_CUDA_CHECK_LAUNCH("msm_g2_bucket_reduce", err_msg);
    return 0;
}
