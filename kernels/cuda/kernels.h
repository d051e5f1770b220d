/* The launch wrappers of ntt.cu and msm.cu, called from cuda_backend.c. All pointers are
 * device pointers; stream is a cudaStream_t. Each returns 0 or VIA_EDEVICE with err_msg
 * (512 bytes) naming the failing call, file and line. */
#ifndef VIA_KERNELS_CUDA_KERNELS_H
#define VIA_KERNELS_CUDA_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include <cuda_runtime_api.h>
#ifdef __cplusplus
extern "C" {
#endif
/* d_out[rev(i)] = d_in[i] * (mode 0: 1, 1: d_scale[0], 2: d_scale[i]); d_out != d_in. */
int via_cuda_launch_bitrev(void *d_out, const void *d_in, const void *d_scale, unsigned log2n,
                           unsigned mode, cudaStream_t stream, char *err_msg);
/* All log2n DIT stages on a bit-reversed vector, with d_tw = w^t for t < n/2. */
int via_cuda_launch_ntt_stages(void *d_a, const void *d_tw, unsigned log2n, cudaStream_t stream,
                               char *err_msg);
/* Bucket accumulation and segment reduction, as kernels/opencl/msm.cl. */
int via_cuda_launch_bucket_acc(void *d_buckets, const void *d_bases, const uint32_t *d_idx,
                               const uint32_t *d_offs, uint32_t count, cudaStream_t stream,
                               char *err_msg);
int via_cuda_launch_bucket_reduce(void *d_segs, const void *d_buckets, unsigned c, uint32_t seg_len,
                                  uint32_t count, cudaStream_t stream, char *err_msg);
/* The same two steps for G2 points (msm_g2.cu). */
int via_cuda_launch_g2_bucket_acc(void *d_buckets, const void *d_bases, const uint32_t *d_idx,
                                  const uint32_t *d_offs, uint32_t count, cudaStream_t stream,
                                  char *err_msg);
int via_cuda_launch_g2_bucket_reduce(void *d_segs, const void *d_buckets, unsigned c,
                                     uint32_t seg_len, uint32_t count, cudaStream_t stream,
                                     char *err_msg);
/* H computation (h.cu): d_c = d_a d_b; d_a = mont(mont(d_a, d_b) - d_c, r2), with r2 the
 * 4 x 64-bit limbs of via_fr_mod.r2. */
int via_cuda_launch_h_mul(void *d_c, const void *d_a, const void *d_b, uint32_t count,
                          cudaStream_t stream, char *err_msg);
int via_cuda_launch_h_finish(void *d_a, const void *d_b, const void *d_c, const uint64_t r2[4],
                             uint32_t count, cudaStream_t stream, char *err_msg);
#ifdef __cplusplus
}
#endif
#endif
