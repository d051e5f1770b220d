/*
 * Radix-2 NTT over Fr in CUDA, the same transform as kernels/opencl/ntt.cl: a bit-reversal
 * permutation that can multiply by a constant or a per-index table on the way (this is where
 * the inverse's 1/n and the coset powers g^j / n are fused in), then decimation-in-time
 * stages. The first stages, whose butterflies stay inside aligned blocks of SMEM_N elements,
 * run in one launch in shared memory; the remaining stages run one launch each on global
 * memory.
 */
#include "../field_hd.h"
#include "cuda_check.h"
#include "kernels.h"

#define SMEM_LOG 10
#define SMEM_N (1u << SMEM_LOG) /* 32 KiB of Fr per block: under the default 48 KiB */

__device__ __forceinline__ uint32_t bitrev_bits(uint32_t x, unsigned bits) {
    return bits == 0 ? 0u : (__brev(x) >> (32u - bits));
}

__global__ void ntt_bitrev_scale(via_hd_fr *out, const via_hd_fr *in, const via_hd_fr *scale,
                                 unsigned log2n, unsigned mode) {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (1u << log2n)) return;
    via_hd_fr v = in[i];
    if (mode == 1u)
        v = via_hd_fr_mul(v, scale[0]);
    else if (mode == 2u)
        v = via_hd_fr_mul(v, scale[i]);
    out[bitrev_bits(i, log2n)] = v;
}

/* Stages 0 .. nstages-1 of a block of 2^nstages elements in shared memory; one thread per
 * butterfly (blockDim.x = 2^(nstages-1)). */
__global__ void ntt_stages_shared(via_hd_fr *a, const via_hd_fr *tw, unsigned log2n,
                                  unsigned nstages) {
    __shared__ via_hd_fr s[SMEM_N];
    const uint32_t bsize = 1u << nstages;
    via_hd_fr *blk = a + (size_t)blockIdx.x * bsize;
    uint32_t t = threadIdx.x;
    s[t] = blk[t];
    s[t + bsize / 2] = blk[t + bsize / 2];
    __syncthreads();
    for (unsigned lh = 0; lh < nstages; lh++) {
        uint32_t h = 1u << lh;
        uint32_t j = t & (h - 1u);
        uint32_t i0 = ((t >> lh) << (lh + 1u)) + j;
        via_hd_fr w = tw[j << (log2n - 1u - lh)];
        via_hd_fr u = s[i0];
        via_hd_fr v = via_hd_fr_mul(s[i0 + h], w);
        s[i0] = via_hd_fr_add(u, v);
        s[i0 + h] = via_hd_fr_sub(u, v);
        __syncthreads();
    }
    blk[t] = s[t];
    blk[t + bsize / 2] = s[t + bsize / 2];
}

__global__ void ntt_stage_global(via_hd_fr *a, const via_hd_fr *tw, unsigned log2n, unsigned lh) {
    uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (1u << (log2n - 1u))) return;
    uint32_t h = 1u << lh;
    uint32_t j = k & (h - 1u);
    uint32_t i0 = ((k >> lh) << (lh + 1u)) + j;
    via_hd_fr w = tw[j << (log2n - 1u - lh)];
    via_hd_fr u = a[i0];
    via_hd_fr v = via_hd_fr_mul(a[i0 + h], w);
    a[i0] = via_hd_fr_add(u, v);
    a[i0 + h] = via_hd_fr_sub(u, v);
}

static unsigned blocks_for(size_t count, unsigned threads) {
    return (unsigned)((count + threads - 1) / threads);
}

extern "C" int via_cuda_launch_bitrev(void *d_out, const void *d_in, const void *d_scale,
                                      unsigned log2n, unsigned mode, cudaStream_t stream,
                                      char *err_msg) {
    size_t n = (size_t)1 << log2n;
    unsigned threads = n < 256 ? (unsigned)n : 256;
    ntt_bitrev_scale<<<blocks_for(n, threads), threads, 0, stream>>>(
        (via_hd_fr *)d_out, (const via_hd_fr *)d_in, (const via_hd_fr *)d_scale, log2n, mode);
    VIA_CUDA_CHECK_LAUNCH("ntt_bitrev_scale", err_msg);
    return 0;
}

extern "C" int via_cuda_launch_ntt_stages(void *d_a, const void *d_tw, unsigned log2n,
                                          cudaStream_t stream, char *err_msg) {
    if (log2n == 0) return 0;
    via_hd_fr *a = (via_hd_fr *)d_a;
    const via_hd_fr *tw = (const via_hd_fr *)d_tw;
    unsigned first = log2n < SMEM_LOG ? log2n : SMEM_LOG;
    size_t n = (size_t)1 << log2n;
    unsigned threads = 1u << (first - 1);
    ntt_stages_shared<<<(unsigned)(n >> first), threads, 0, stream>>>(a, tw, log2n, first);
    VIA_CUDA_CHECK_LAUNCH("ntt_stages_shared", err_msg);
    for (unsigned lh = first; lh < log2n; lh++) {
        ntt_stage_global<<<blocks_for(n / 2, 256), 256, 0, stream>>>(a, tw, log2n, lh);
        VIA_CUDA_CHECK_LAUNCH("ntt_stage_global", err_msg);
    }
    return 0;
}
