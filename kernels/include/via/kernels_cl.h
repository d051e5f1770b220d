/*
 * The OpenCL backend (library via_opencl): NTT over Fr and MSM in G1 run through the OpenCL
 * ICD loader on whatever platform is installed (PoCL on CPUs in CI, a GPU driver on farm
 * machines). Results are byte-identical to the CPU backend in prover/src (ntt.h, msm.h).
 *
 * A via_cl holds one device, its context and queue, and the program built from the embedded
 * kernel sources (field_hd.h, g1_hd.h, opencl/ntt.cl, opencl/msm.cl). Building the program
 * is the slow part (PoCL runs LLVM at that point), so open one via_cl per process and reuse
 * it. A via_cl is not thread-safe: one thread at a time.
 *
 * Inputs and outputs are host arrays; each call copies in, runs, and copies out.
 * Every function returns VIA_OK or a via_status code with err naming the OpenCL call that
 * failed and its CL error number.
 */
#ifndef VIA_KERNELS_CL_H
#define VIA_KERNELS_CL_H

#include <stddef.h>
#include <stdio.h>

/* prover/include, on the include path of every via_opencl user */
#include "via/curve.h"
#include "via/status.h"
#include "via/msm.h"

typedef struct via_cl via_cl;

/* Which devices via_cl_open may pick. */
typedef enum {
    VIA_CL_ANY = 0, /* the first device of any type (a CPU device under PoCL counts) */
    VIA_CL_GPU = 1, /* the first GPU-type device */
} via_cl_want;

/* Number of devices of the wanted kind over all platforms, 0 when there is no platform or
 * no device (never an error: a missing ICD just means no OpenCL). */
size_t via_cl_count_devices(via_cl_want want);

/* Prints one line per OpenCL device (platform, name, type, global memory, compute units,
 * PCI bus id where the driver reports it) to out. Returns the number of devices listed. */
size_t via_cl_list_devices(FILE *out);

/* Opens the first device of the wanted kind and builds the kernels. *out is NULL on failure.
 * VIA_EUNSUPPORTED: no such device; VIA_EDEVICE: an OpenCL call or the build failed (err
 * then holds the build log's start). */
VIA_MUST_USE int via_cl_open(via_cl **out, via_cl_want want, via_error *err);
void via_cl_close(via_cl *cl);
/* Opens device `index` of the via_cl_list_devices numbering (every type, platforms in
 * order) and builds the kernels. VIA_EINVAL names the index when there is no such device. */
VIA_MUST_USE int via_cl_open_index(via_cl **out, size_t index, via_error *err);
/* Name, PCI bus id ("dddd:bb:dd.f", when the driver has cl_khr_pci_bus_info) and whether it
 * is a GPU-type device, of device `index`, without opening it. Returns -1 when there is no
 * such device, 0 when the bus id is unknown (bus = ""), 1 when it was written. name, bus and
 * is_gpu may be NULL. */
int via_cl_device_info(size_t index, char *name, size_t name_len, char *bus, size_t bus_len,
                       int *is_gpu);
/* The device's global memory and its largest single allocation, in bytes. OpenCL has no
 * portable free-memory query: callers budget against the total. */
void via_cl_mem_info(const via_cl *cl, size_t *total, size_t *max_alloc);

/* Resident buffers: *d_out = a read-only device copy of h[0 .. bytes), made now (so an
 * allocation failure shows here). VIA_ENOMEM when bytes exceed the allocation limit,
 * VIA_EDEVICE when the driver fails. Release with via_cl_free. */
VIA_MUST_USE int via_cl_upload(via_cl *cl, void **d_out, const void *h, size_t bytes,
                               via_error *err);
void via_cl_free(via_cl *cl, void *d);

typedef enum {
    VIA_CL_NTT_FORWARD = 0, /* as via_ntt */
    VIA_CL_NTT_INVERSE = 1, /* as via_intt */
    VIA_CL_NTT_COSET = 2,   /* as via_ntt_domain_to_coset */
} via_cl_ntt_op;

/* In place on h_a[0 .. 2^log2n): the same result as the CPU function named by op.
 * log2n <= VIA_FR_TWO_ADICITY, and the size must fit the device's buffer limits. */
VIA_MUST_USE int via_cl_ntt(via_cl *cl, via_fr *h_a, unsigned log2n, via_cl_ntt_op op,
                            via_error *err);

/* out = sum h_scalars[i] * h_bases[i], as via_msm_g1 (scalars canonical, < r; infinity
 * bases and zero scalars contribute nothing). VIA_EINVAL (out = infinity) when a scalar is
 * >= r. */
VIA_MUST_USE int via_cl_msm_g1(via_cl *cl, via_g1 *out, const via_g1_affine *h_bases,
                               const via_scalar *h_scalars, size_t n, via_error *err);

/* The same over resident bases: d_bases (from via_cl_upload) holds the points
 * h_bases[0 .. n) from element `first` on; h_bases is their host copy, which the host plan
 * reads (infinity bases are skipped). Only the plan and the buckets are allocated. */
VIA_MUST_USE int via_cl_msm_g1_at(via_cl *cl, via_g1 *out, void *d_bases, size_t first,
                                  const via_g1_affine *h_bases, const via_scalar *h_scalars,
                                  size_t n, via_error *err);

/* out = sum h_scalars[i] * h_bases[i] in G2, as via_msm_g2 (same rules as via_cl_msm_g1).
 * The G2 kernels are a second program, built on the first call (VIA_EDEVICE with the build
 * log's start when that fails). */
VIA_MUST_USE int via_cl_msm_g2(via_cl *cl, via_g2 *out, const via_g2_affine *h_bases,
                               const via_scalar *h_scalars, size_t n, via_error *err);
/* G2 over resident bases, as via_cl_msm_g1_at. */
VIA_MUST_USE int via_cl_msm_g2_at(via_cl *cl, via_g2 *out, void *d_bases, size_t first,
                                  const via_g2_affine *h_bases, const via_scalar *h_scalars,
                                  size_t n, via_error *err);

/* The element-wise steps of the Groth16 H computation (prover/src/groth16.c):
 *   VIA_CL_H_MUL:    h_c[i] = h_a[i] * h_b[i] (Montgomery product; h_a, h_b unchanged)
 *   VIA_CL_H_FINISH: h_a[i] = mont(mont(h_a[i], h_b[i]) - h_c[i], R^2 mod r), the canonical
 *                    scalar h_worker writes (h_b, h_c unchanged). */
typedef enum {
    VIA_CL_H_MUL = 0,
    VIA_CL_H_FINISH = 1,
} via_cl_h_op;
VIA_MUST_USE int via_cl_h_elementwise(via_cl *cl, via_fr *h_a, const via_fr *h_b, via_fr *h_c,
                                      size_t n, via_cl_h_op op, via_error *err);

/* The whole H computation on the device with the vectors resident there: h_a and h_b (the
 * domain evaluations of A and B, 2^log2n each) are uploaded once; c = a b, the three coset
 * transforms and the final step run on the device; h (canonical scalars, the bytes of
 * via_scalar) is downloaded once over h_a. Equal byte for byte to the CPU sequence
 * mul_worker, 3 x via_ntt_domain_to_coset, h_worker. Needs four vectors of device memory. */
VIA_MUST_USE int via_cl_groth16_h(via_cl *cl, via_fr *h_a, const via_fr *h_b, unsigned log2n,
                                  via_error *err);

#endif
