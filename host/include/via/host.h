/*
 * Backend selection for the prover: one interface over the CPU code (prover/src), the
 * OpenCL backend (via_opencl) and the CUDA backend (via_cuda). Backends that were not built
 * (no OpenCL ICD or no nvcc at configure time) report VIA_EUNSUPPORTED when asked for.
 *
 * Selection by name: "cpu", "opencl", "cuda", or "auto" = cuda if a CUDA device exists,
 * else opencl if a GPU-type OpenCL device exists, else cpu. (An OpenCL CPU device such as
 * PoCL is usable when asked for by name, but auto does not prefer it to the CPU code.)
 *
 * The OpenCL program is built once per process, on first use, and kept; these functions
 * serialize on an internal lock, so they may be called from several threads.
 */
#ifndef VIA_HOST_H
#define VIA_HOST_H

#include <stddef.h>
#include <stdio.h>

/* from prover/src, on the include path of every via_host user */
#include "curve.h"
#include "error.h"
#include "msm.h"

typedef enum {
    VIA_BACKEND_CPU = 0,
    VIA_BACKEND_OPENCL = 1,
    VIA_BACKEND_CUDA = 2,
} via_backend;

typedef enum {
    VIA_HOST_NTT_FORWARD = 0, /* via_ntt */
    VIA_HOST_NTT_INVERSE = 1, /* via_intt */
    VIA_HOST_NTT_COSET = 2,   /* via_ntt_domain_to_coset */
} via_host_ntt_op;

/* "cpu", "opencl" or "cuda". */
const char *via_host_backend_name(via_backend b);

/* Prints every device the built backends can see, one per line (backend, index, name,
 * memory, bus id and UUID where the driver reports them), then which backend "auto" would
 * pick. Returns VIA_OK (no devices is not an error) or VIA_EIO when writing fails. */
VIA_MUST_USE int via_host_list_devices(FILE *out, via_error *err);

/* Resolves name (see above; NULL means "auto") to a backend that is built and has a device.
 * VIA_EINVAL: unknown name; VIA_EUNSUPPORTED: that backend is not built or has no device.
 * For opencl this also builds the kernels, so build errors surface here (VIA_EDEVICE). */
VIA_MUST_USE int via_host_backend_select(via_backend *out, const char *name, via_error *err);

/* The CPU function named by op, or the same transform on backend b, in place on
 * a[0 .. 2^log2n) (host memory). */
VIA_MUST_USE int via_host_ntt(via_backend b, via_fr *a, unsigned log2n, via_host_ntt_op op,
                              via_error *err);

/* out = sum scalars[i] * bases[i] on backend b (host memory), as via_msm_g1. */
VIA_MUST_USE int via_host_msm_g1(via_backend b, via_g1 *out, const via_g1_affine *bases,
                                 const via_scalar *scalars, size_t n, via_error *err);

/* out = sum scalars[i] * bases[i] in G2 on backend b (host memory), as via_msm_g2. On
 * OpenCL the G2 kernels are built on the first call. */
VIA_MUST_USE int via_host_msm_g2(via_backend b, via_g2 *out, const via_g2_affine *bases,
                                 const via_scalar *scalars, size_t n, via_error *err);

/* The Groth16 H computation of prover/src/groth16.c on backend b: from the domain
 * evaluations a, b (2^log2n each, host memory), c = a b, the coset transforms of a, b, c and
 * h = mont(mont(a, b) - c, R^2) mod r, written over a as canonical scalars (read a as
 * via_scalar afterwards). b is left unchanged. On a device the vectors stay resident there:
 * a and b are uploaded once, h downloaded once. */
VIA_MUST_USE int via_host_groth16_h(via_backend b, via_fr *a, const via_fr *bv, unsigned log2n,
                                    via_error *err);
#endif
