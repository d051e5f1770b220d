/*
 * The CUDA backend (library via_cuda, built only when CMake finds nvcc): NTT over Fr and MSM
 * in G1 with the same results, byte for byte, as the CPU backend in prover/src.
 *
 * Entry points take a via_cuda_config saying which stream to use and whether the data
 * pointers are device pointers (resident, d_...) or host pointers to be copied in and out.
 * Every CUDA call and launch is checked; failures come back as VIA_EDEVICE with err naming
 * the call, file and line. Nothing throws across this C interface.
 */
#ifndef VIA_KERNELS_CUDA_H
#define VIA_KERNELS_CUDA_H

#include <stddef.h>
#include <stdio.h>

/* from prover/src, on the include path of every via_cuda user */
#include "curve.h"
#include "error.h"
#include "msm.h"

typedef struct {
    void *stream;       /* a cudaStream_t; NULL is the default stream */
    int data_on_device; /* 1: the vector / bases / scalars pointers are device pointers */
} via_cuda_config;

/* Number of CUDA devices; 0 when there is no driver or no device (never an error). */
int via_cuda_device_count(void);
/* One line per device: name, memory, compute capability, PCI bus id, UUID. Returns the
 * number of devices listed. */
int via_cuda_list_devices(FILE *out);

typedef enum {
    VIA_CUDA_NTT_FORWARD = 0, /* as via_ntt */
    VIA_CUDA_NTT_INVERSE = 1, /* as via_intt */
    VIA_CUDA_NTT_COSET = 2,   /* as via_ntt_domain_to_coset */
} via_cuda_ntt_op;

/* In place on a[0 .. 2^log2n) (host or device memory per cfg). Synchronous: returns after
 * the stream has finished the transform. */
VIA_MUST_USE int via_cuda_ntt(const via_cuda_config *cfg, via_fr *a, unsigned log2n,
                              via_cuda_ntt_op op, via_error *err);

/* h_out = sum scalars[i] * bases[i] as via_msm_g1. The scalars are always read on the host
 * (the bucket plan is built there), so with data_on_device only the bases are device-resident
 * and h_scalars must still be host memory. VIA_EINVAL (h_out = infinity) for a scalar >= r. */
VIA_MUST_USE int via_cuda_msm_g1(const via_cuda_config *cfg, via_g1 *h_out,
                                 const via_g1_affine *bases, const via_scalar *h_scalars, size_t n,
                                 via_error *err);
#endif
