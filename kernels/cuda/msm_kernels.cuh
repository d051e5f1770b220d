/*
 * The two Pippenger kernels and their launchers, written once for G1 and G2 (msm.cu and
 * msm_g2.cu instantiate them with an operations struct G: the point types G::pt and G::aff,
 * G::inf / G::add / G::add_mixed from g1_hd.h or g2_hd.h, the block sizes and the kernel
 * names for error messages). The same split as kernels/opencl/msm_kernels.cl: the host sorts
 * base indices by (window, digit); one thread per bucket accumulates its bases with mixed
 * additions; one thread per segment of buckets runs the running-sum reduction; the host
 * (cuda_backend.c, common/msm_plan.c) weights segments and combines windows.
 */
#ifndef VIA_KERNELS_CUDA_MSM_KERNELS_CUH
#define VIA_KERNELS_CUDA_MSM_KERNELS_CUH

#include "cuda_check.h"

template <class G>
__global__ void msm_bucket_acc_k(typename G::pt *buckets, const typename G::aff *bases,
                                 const uint32_t *idx, const uint32_t *offs, uint32_t count) {
    uint32_t g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= count) return;
    typename G::pt acc = G::inf();
    uint32_t end = offs[g + 1];
    for (uint32_t k = offs[g]; k < end; k++)
        acc = G::add_mixed(acc, bases[idx[k]]);
    buckets[g] = acc;
}

/* segs[2 g] = sum (b - lo + 1) B_b, segs[2 g + 1] = sum B_b over segment g of seg_len buckets */
template <class G>
__global__ void msm_bucket_reduce_k(typename G::pt *segs, const typename G::pt *buckets,
                                    unsigned c, uint32_t seg_len, uint32_t count) {
    uint32_t g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= count) return;
    uint32_t nseg = (1u << c) / seg_len;
    uint32_t w = g / nseg, s = g % nseg;
    const typename G::pt *b = buckets + ((size_t)w << c) + (size_t)s * seg_len;
    typename G::pt running = G::inf();
    typename G::pt sum = G::inf();
    for (uint32_t k = seg_len; k-- > 0;) {
        running = G::add(running, b[k]);
        sum = G::add(sum, running);
    }
    segs[2 * g] = sum;
    segs[2 * g + 1] = running;
}

template <class G>
static int msm_launch_bucket_acc(void *d_buckets, const void *d_bases, const uint32_t *d_idx,
                                 const uint32_t *d_offs, uint32_t count, cudaStream_t stream,
                                 char *err_msg) {
    const unsigned threads = G::acc_threads;
    msm_bucket_acc_k<G><<<(count + threads - 1) / threads, threads, 0, stream>>>(
        (typename G::pt *)d_buckets, (const typename G::aff *)d_bases, d_idx, d_offs, count);
    VIA_CUDA_CHECK_LAUNCH(G::acc_name, err_msg);
    return 0;
}

template <class G>
static int msm_launch_bucket_reduce(void *d_segs, const void *d_buckets, unsigned c,
                                    uint32_t seg_len, uint32_t count, cudaStream_t stream,
                                    char *err_msg) {
    const unsigned threads = G::reduce_threads;
    msm_bucket_reduce_k<G><<<(count + threads - 1) / threads, threads, 0, stream>>>(
        (typename G::pt *)d_segs, (const typename G::pt *)d_buckets, c, seg_len, count);
    VIA_CUDA_CHECK_LAUNCH(G::reduce_name, err_msg);
    return 0;
}

#endif
