/*
 * Element-wise kernels of the Groth16 H computation in CUDA, as kernels/opencl/h.cl:
 * c = a b, and a = mont(mont(a, b) - c, R^2) (prover/src/groth16.c h_worker), which leaves
 * the canonical scalars of h in a.
 */
#include "../field_hd.h"
#include "cuda_check.h"
#include "kernels.h"

__global__ void h_mul(via_hd_fr *c, const via_hd_fr *a, const via_hd_fr *b, uint32_t count) {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    c[i] = via_hd_fr_mul(a[i], b[i]);
}

__global__ void h_finish(via_hd_fr *a, const via_hd_fr *b, const via_hd_fr *c, via_hd_fr r2,
                         uint32_t count) {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    via_hd_fr t = via_hd_fr_sub(via_hd_fr_mul(a[i], b[i]), c[i]);
    a[i] = via_hd_fr_mul(t, r2);
}

extern "C" int via_cuda_launch_h_mul(void *d_c, const void *d_a, const void *d_b, uint32_t count,
                                     cudaStream_t stream, char *err_msg) {
    const unsigned threads = 256;
    h_mul<<<(count + threads - 1) / threads, threads, 0, stream>>>(
        (via_hd_fr *)d_c, (const via_hd_fr *)d_a, (const via_hd_fr *)d_b, count);
    VIA_CUDA_CHECK_LAUNCH("h_mul", err_msg);
    return 0;
}

extern "C" int via_cuda_launch_h_finish(void *d_a, const void *d_b, const void *d_c,
                                        const uint64_t r2[4], uint32_t count, cudaStream_t stream,
                                        char *err_msg) {
    const unsigned threads = 256;
    via_hd_fr r;
    for (int k = 0; k < 4; k++) {
        r.v.l[2 * k] = (uint32_t)r2[k];
        r.v.l[2 * k + 1] = (uint32_t)(r2[k] >> 32);
    }
    h_finish<<<(count + threads - 1) / threads, threads, 0, stream>>>(
        (via_hd_fr *)d_a, (const via_hd_fr *)d_b, (const via_hd_fr *)d_c, r, count);
    VIA_CUDA_CHECK_LAUNCH("h_finish", err_msg);
    return 0;
}
