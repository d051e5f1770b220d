/*
 * Pippenger MSM in G1 in CUDA: the kernels of msm_kernels.cuh on g1_hd.h points (the same
 * split as kernels/opencl/msm.cl).
 */
#include "../field_hd.h"
#include "../g1_hd.h"
#include "kernels.h"
#include "msm_kernels.cuh"

namespace {
struct g1_ops {
    typedef via_hd_g1 pt;
    typedef via_hd_g1_affine aff;
    static constexpr unsigned acc_threads = 128, reduce_threads = 64;
    static constexpr const char *acc_name = "msm_bucket_acc";
    static constexpr const char *reduce_name = "msm_bucket_reduce";
    static __device__ pt inf() { return via_hd_g1_inf(); }
    static __device__ pt add(pt p, pt q) { return via_hd_g1_add(p, q); }
    static __device__ pt add_mixed(pt p, aff q) { return via_hd_g1_add_mixed(p, q); }
};
} // namespace

extern "C" int via_cuda_launch_bucket_acc(void *d_buckets, const void *d_bases,
                                          const uint32_t *d_idx, const uint32_t *d_offs,
                                          uint32_t count, cudaStream_t stream, char *err_msg) {
    return msm_launch_bucket_acc<g1_ops>(d_buckets, d_bases, d_idx, d_offs, count, stream, err_msg);
}

extern "C" int via_cuda_launch_bucket_reduce(void *d_segs, const void *d_buckets, unsigned c,
                                             uint32_t seg_len, uint32_t count, cudaStream_t stream,
                                             char *err_msg) {
    return msm_launch_bucket_reduce<g1_ops>(d_segs, d_buckets, c, seg_len, count, stream, err_msg);
}
