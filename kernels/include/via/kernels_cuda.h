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

/* prover/include, on the include path of every via_cuda user */
#include "via/curve.h"
#include "via/status.h"
#include "via/msm.h"

typedef struct {
    void *stream;       /* a cudaStream_t of `device`; NULL is its default stream */
    int data_on_device; /* 1: the vector / bases / scalars pointers are device pointers */
    int device;         /* the CUDA device ordinal, made current by every call (0 by default) */
    /* MSM with data_on_device only: the host copy of the device bases, read by the host plan
     * (infinity bases are skipped). NULL: the bases are copied back to build the plan. */
    const void *h_bases;
} via_cuda_config;

/* Number of CUDA devices; 0 when there is no driver or no device (never an error). */
int via_cuda_device_count(void);
/* One line per device: name, memory, compute capability, PCI bus id, UUID. Returns the
 * number of devices listed. */
int via_cuda_list_devices(FILE *out);
/* Name and PCI bus id ("dddd:bb:dd.f") of device `device`; -1 when there is no such device
 * or its properties cannot be read, 0 when the bus id is unknown (bus = ""), 1 when both
 * were written. name / bus may be NULL. */
int via_cuda_device_info(int device, char *name, size_t name_len, char *bus, size_t bus_len);
/* Free and total memory of the device (cudaMemGetInfo), in bytes. */
VIA_MUST_USE int via_cuda_mem_info(int device, size_t *free_bytes, size_t *total_bytes,
                                   via_error *err);
/* Resident buffers: *d_out = a device copy of h[0 .. bytes) on `device`, complete on return.
 * VIA_ENOMEM when cudaMalloc reports out of memory, VIA_EDEVICE for any other failure. */
VIA_MUST_USE int via_cuda_upload(int device, void **d_out, const void *h, size_t bytes,
                                 via_error *err);
/* Frees a via_cuda_upload buffer; VIA_EDEVICE when the driver reports an error. */
VIA_MUST_USE int via_cuda_free(int device, void *d, via_error *err);

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

/* h_out = sum scalars[i] * bases[i] in G2, as via_msm_g2; bases host or device per cfg,
 * scalars always host memory (as via_cuda_msm_g1). */
VIA_MUST_USE int via_cuda_msm_g2(const via_cuda_config *cfg, via_g2 *h_out,
                                 const via_g2_affine *bases, const via_scalar *h_scalars, size_t n,
                                 via_error *err);

/* The whole Groth16 H computation on the device: a and b (2^log2n domain evaluations; host
 * or device memory per cfg) give c = a b, the three coset transforms and
 * h = mont(mont(a, b) - c, R^2) written over a as canonical scalars (the bytes of
 * via_scalar), as prover/src/groth16.c computes them. b is clobbered when it is device
 * memory (it holds the coset transform of b afterwards); host b is left unchanged. Host data
 * is uploaded once and h downloaded once. */
VIA_MUST_USE int via_cuda_groth16_h(const via_cuda_config *cfg, via_fr *a, via_fr *b,
                                    unsigned log2n, via_error *err);
#endif
