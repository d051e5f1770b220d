/*
 * C driver of the CUDA backend: device discovery, buffers, tables computed with the CPU
 * field code (so device and CPU agree by construction), and the MSM plan shared with the
 * OpenCL backend (common/msm_plan.c). One cudaMalloc per job, carved into regions.
 */
#include <cuda_runtime_api.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "via/kernels_cuda.h"

#include "via/msm_plan.h"
#include "cuda_check.h"
#include "kernels.h"
#include "via/ntt.h"
#include "via/runtime.h"

/* Checks a CUDA runtime call in a function with `int rc`, `via_error *err` and a `done:`
 * label: on failure rc = VIA_EDEVICE with the call, its error string, file and line. */
#define STEP(call)                                                                                 \
    do {                                                                                           \
        cudaError_t e_ = (call);                                                                   \
        if (e_ != cudaSuccess) {                                                                   \
            rc = via_fail(err, VIA_EDEVICE, "CUDA %s failed: %s (%s:%d)", #call,                   \
                          cudaGetErrorString(e_), __FILE__, __LINE__);                             \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

/* cudaFree on a cleanup path: a failure is reported unless an earlier error already is
 * (the earlier one is the cause; a sticky error makes every later call fail too). */
#define FREE_CHECKED(ptr)                                                                          \
    do {                                                                                           \
        if (ptr) {                                                                                 \
            cudaError_t e_ = cudaFree(ptr);                                                        \
            if (e_ != cudaSuccess && rc == VIA_OK)                                                 \
                rc = via_fail(err, VIA_EDEVICE, "CUDA cudaFree failed: %s (%s:%d)",                \
                              cudaGetErrorString(e_), __FILE__, __LINE__);                         \
        }                                                                                          \
    } while (0)

/* Makes cfg->device current for this host thread. */
static int use_device(int device, via_error *err) {
    cudaError_t e = cudaSetDevice(device);
    if (e != cudaSuccess)
        return via_fail(err, VIA_EDEVICE, "CUDA cudaSetDevice(%d) failed: %s (%s:%d)", device,
                        cudaGetErrorString(e), __FILE__, __LINE__);
    return VIA_OK;
}

int via_cuda_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky "no driver / no device" error */
        return 0;
    }
    return n;
}

int via_cuda_list_devices(FILE *out) {
    int n = via_cuda_device_count();
    for (int i = 0; i < n; i++) {
        struct cudaDeviceProp p;
        cudaError_t e = cudaGetDeviceProperties(&p, i);
        if (e != cudaSuccess) {
            fprintf(out, "cuda %d: cudaGetDeviceProperties failed: %s (%s:%d)\n", i,
                    cudaGetErrorString(e), __FILE__, __LINE__);
            continue;
        }
        char bus[32] = "?";
        if (cudaDeviceGetPCIBusId(bus, sizeof(bus), i) != cudaSuccess) {
            cudaGetLastError();
            snprintf(bus, sizeof(bus), "?");
        }
        fprintf(out, "cuda %d: %s, %zu MiB, sm_%d%d, %d SMs, bus %s, uuid ", i, p.name,
                p.totalGlobalMem >> 20, p.major, p.minor, p.multiProcessorCount, bus);
        for (int k = 0; k < 16; k++)
            fprintf(out, "%02x", (unsigned char)p.uuid.bytes[k]);
        fputc('\n', out);
    }
    return n;
}

int via_cuda_device_info(int device, char *name, size_t name_len, char *bus, size_t bus_len) {
    if (device < 0 || device >= via_cuda_device_count()) return -1;
    struct cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, device) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    if (name && name_len) snprintf(name, name_len, "%s", p.name);
    if (bus && bus_len) {
        char b[32];
        if (cudaDeviceGetPCIBusId(b, sizeof(b), device) != cudaSuccess) {
            cudaGetLastError();
            bus[0] = 0;
            return 0;
        }
        /* the runtime writes "0000:BB:DD.F" in upper case; hwloc parses either */
        snprintf(bus, bus_len, "%s", b);
    }
    return 1;
}

int via_cuda_mem_info(int device, size_t *free_bytes, size_t *total_bytes, via_error *err) {
    *free_bytes = *total_bytes = 0;
    int rc = use_device(device, err);
    if (rc) return rc;
    STEP(cudaMemGetInfo(free_bytes, total_bytes));
done:
    return rc;
}

int via_cuda_upload(int device, void **d_out, const void *h, size_t bytes, via_error *err) {
    assert(d_out && h && bytes);
    *d_out = NULL;
    int rc = use_device(device, err);
    if (rc) return rc;
    void *d = NULL;
    cudaError_t e = cudaMalloc(&d, bytes);
    if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError(); /* not sticky, but clear it so later checks start clean */
        return via_fail(err, VIA_ENOMEM, "cudaMalloc of %zu bytes on CUDA device %d: %s (%s:%d)",
                        bytes, device, cudaGetErrorString(e), __FILE__, __LINE__);
    }
    if (e != cudaSuccess)
        return via_fail(err, VIA_EDEVICE, "CUDA cudaMalloc(%zu) failed: %s (%s:%d)", bytes,
                        cudaGetErrorString(e), __FILE__, __LINE__);
    STEP(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice));
    *d_out = d;
    d = NULL;
done:
    FREE_CHECKED(d);
    return rc;
}

int via_cuda_free(int device, void *d, via_error *err) {
    int rc = use_device(device, err);
    if (rc) return rc;
    FREE_CHECKED(d);
    return rc;
}

/* Runs the transform on device memory d_a using d_b (same size) as scratch; the result ends
 * in *d_result (d_a or d_b). d_tab: n/2 forward twiddles, n/2 inverse twiddles, then (coset)
 * n scale entries, or (inverse) one. */
static int ntt_device(cudaStream_t st, via_fr *d_a, via_fr *d_b, const via_fr *d_tw_fwd,
                      const via_fr *d_tw_inv, const via_fr *d_scale, unsigned log2n,
                      via_cuda_ntt_op op, via_fr **d_result, via_error *err) {
    char *msg = err ? err->msg : NULL;
    int rc;
    *d_result = d_b;
    switch (op) {
    case VIA_CUDA_NTT_FORWARD:
        if ((rc = via_cuda_launch_bitrev(d_b, d_a, d_a, log2n, 0, st, msg))) return rc;
        return via_cuda_launch_ntt_stages(d_b, d_tw_fwd, log2n, st, msg);
    case VIA_CUDA_NTT_INVERSE:
        if ((rc = via_cuda_launch_bitrev(d_b, d_a, d_scale, log2n, 1, st, msg))) return rc;
        return via_cuda_launch_ntt_stages(d_b, d_tw_inv, log2n, st, msg);
    case VIA_CUDA_NTT_COSET:
        if ((rc = via_cuda_launch_bitrev(d_b, d_a, d_a, log2n, 0, st, msg))) return rc;
        if ((rc = via_cuda_launch_ntt_stages(d_b, d_tw_inv, log2n, st, msg))) return rc;
        if ((rc = via_cuda_launch_bitrev(d_a, d_b, d_scale, log2n, 2, st, msg))) return rc;
        *d_result = d_a;
        return via_cuda_launch_ntt_stages(d_a, d_tw_fwd, log2n, st, msg);
    }
    return via_fail(err, VIA_EINVAL, "unknown NTT operation %d", (int)op);
}

int via_cuda_ntt(const via_cuda_config *cfg, via_fr *a, unsigned log2n, via_cuda_ntt_op op,
                 via_error *err) {
    assert(cfg && a);
    if (log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "NTT size 2^%u is above the maximum 2^%u", log2n,
                        VIA_FR_TWO_ADICITY);
    if (op != VIA_CUDA_NTT_FORWARD && op != VIA_CUDA_NTT_INVERSE && op != VIA_CUDA_NTT_COSET)
        return via_fail(err, VIA_EINVAL, "unknown NTT operation %d", (int)op);
    if (log2n == 0) return VIA_OK; /* size 1: every transform is the identity */
    int rc = use_device(cfg->device, err);
    if (rc) return rc;
    cudaStream_t st = (cudaStream_t)cfg->stream;
    size_t n = (size_t)1 << log2n, half = n / 2;
    /* host tables: forward and inverse twiddles, then the scale entries */
    size_t nscale = op == VIA_CUDA_NTT_COSET ? n : 1;
    size_t ntab = 2 * half + nscale;
    via_fr *tab = via_malloc_big(ntab * sizeof(via_fr));
    if (!tab) return via_fail(err, VIA_ENOMEM, "NTT tables for 2^%u", log2n);
    via_fr w[2], n_inv;
    via_fr_root_of_unity(&w[0], log2n);
    via_fr_inv(&w[1], &w[0]);
    for (int dir = 0; dir < 2; dir++) {
        via_fr *t = tab + dir * half;
        via_fr_set_one(&t[0]);
        for (size_t j = 1; j < half; j++)
            via_fr_mul(&t[j], &t[j - 1], &w[dir]);
    }
    via_fr_set_u64(&n_inv, (uint64_t)n);
    via_fr_inv(&n_inv, &n_inv);
    via_fr *scale = tab + 2 * half;
    scale[0] = n_inv;
    if (op == VIA_CUDA_NTT_COSET) {
        via_fr g;
        via_ntt_coset_gen(&g, log2n);
        for (size_t j = 1; j < n; j++)
            via_fr_mul(&scale[j], &scale[j - 1], &g);
    }

    /* one allocation: [a copy when host data] [scratch] [tables] */
    size_t own = cfg->data_on_device ? 0 : n;
    via_fr *d_mem = NULL, *d_result = NULL;
    cudaError_t ce = cudaMalloc((void **)&d_mem, (own + n + ntab) * sizeof(via_fr));
    if (ce != cudaSuccess) {
        via_free_big(tab);
        return via_fail(err, VIA_EDEVICE, "cudaMalloc of %zu bytes for NTT 2^%u failed: %s (%s:%d)",
                        (own + n + ntab) * sizeof(via_fr), log2n, cudaGetErrorString(ce), __FILE__,
                        __LINE__);
    }
    via_fr *d_a = cfg->data_on_device ? a : d_mem;
    via_fr *d_b = d_mem + own;
    via_fr *d_tab = d_b + n;
    STEP(cudaMemcpyAsync(d_tab, tab, ntab * sizeof(via_fr), cudaMemcpyHostToDevice, st));
    if (!cfg->data_on_device)
        STEP(cudaMemcpyAsync(d_a, a, n * sizeof(via_fr), cudaMemcpyHostToDevice, st));
    rc = ntt_device(st, d_a, d_b, d_tab, d_tab + half, d_tab + 2 * half, log2n, op, &d_result, err);
    if (rc) goto done;
    if (cfg->data_on_device) {
        if (d_result != a)
            STEP(cudaMemcpyAsync(a, d_result, n * sizeof(via_fr), cudaMemcpyDeviceToDevice, st));
    } else {
        STEP(cudaMemcpyAsync(a, d_result, n * sizeof(via_fr), cudaMemcpyDeviceToHost, st));
    }
    STEP(cudaStreamSynchronize(st));
done:
    FREE_CHECKED(d_mem);
    via_free_big(tab);
    return rc;
}

/* The MSM driver for both groups: g2 selects G2 plan, kernels and combine; base_size and
 * point_size are the affine and Jacobian sizes; h_out is a via_g1 or via_g2. */
static int msm_run(const via_cuda_config *cfg, int g2, void *h_out, const void *bases,
                   const via_scalar *h_scalars, size_t n, via_error *err) {
    const size_t base_size = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    const size_t point_size = g2 ? sizeof(via_g2) : sizeof(via_g1);
    /* the plan skips infinity bases, which it must read: bring device bases to the host */
    const void *h_bases = bases;
    void *copy = NULL;
    cudaStream_t st = (cudaStream_t)cfg->stream;
    int rc = use_device(cfg->device, err);
    if (rc) return rc;
    if (cfg->data_on_device && cfg->h_bases) {
        h_bases = cfg->h_bases;
    } else if (cfg->data_on_device) {
        copy = via_malloc_big(n * base_size);
        if (!copy) return via_fail(err, VIA_ENOMEM, "MSM bases copy");
        cudaError_t e = cudaMemcpy(copy, bases, n * base_size, cudaMemcpyDeviceToHost);
        if (e != cudaSuccess) {
            via_free_big(copy);
            return via_fail(err, VIA_EDEVICE, "cudaMemcpy of MSM bases failed: %s (%s:%d)",
                            cudaGetErrorString(e), __FILE__, __LINE__);
        }
        h_bases = copy;
    }
    via_msm_plan plan;
    rc = g2 ? via_msm_plan_build_g2(&plan, h_bases, h_scalars, n, err)
            : via_msm_plan_build(&plan, h_bases, h_scalars, n, err);
    if (rc) {
        via_free_big(copy);
        return rc;
    }
    /* one allocation: [bases when host] [buckets] [segments] [offs] [idx] */
    size_t b_bases = cfg->data_on_device ? 0 : n * base_size;
    size_t b_buckets = plan.ntot * point_size;
    size_t b_segs = 2 * plan.nseg_total * point_size;
    size_t b_offs = (plan.ntot + 1) * sizeof(uint32_t);
    size_t b_idx = (plan.nidx ? plan.nidx : 1) * sizeof(uint32_t);
    char *d_mem = NULL;
    void *segs = via_malloc_big(b_segs);
    if (!segs) {
        rc = via_fail(err, VIA_ENOMEM, "MSM segment sums");
        goto done;
    }
    STEP(cudaMalloc((void **)&d_mem, b_bases + b_buckets + b_segs + b_offs + b_idx));
    const void *d_bases = cfg->data_on_device ? bases : (const void *)d_mem;
    char *d_buckets = d_mem + b_bases;
    char *d_segs = d_buckets + b_buckets;
    uint32_t *d_offs = (uint32_t *)(d_segs + b_segs);
    uint32_t *d_idx = (uint32_t *)((char *)d_offs + b_offs);
    if (!cfg->data_on_device)
        STEP(cudaMemcpyAsync(d_mem, bases, b_bases, cudaMemcpyHostToDevice, st));
    STEP(cudaMemcpyAsync(d_offs, plan.offs, b_offs, cudaMemcpyHostToDevice, st));
    if (plan.nidx)
        STEP(cudaMemcpyAsync(d_idx, plan.idx, plan.nidx * sizeof(uint32_t), cudaMemcpyHostToDevice,
                             st));
    char *msg = err ? err->msg : NULL;
    rc = g2 ? via_cuda_launch_g2_bucket_acc(d_buckets, d_bases, d_idx, d_offs, (uint32_t)plan.ntot,
                                            st, msg)
            : via_cuda_launch_bucket_acc(d_buckets, d_bases, d_idx, d_offs, (uint32_t)plan.ntot, st,
                                         msg);
    if (rc) goto done;
    rc = g2 ? via_cuda_launch_g2_bucket_reduce(d_segs, d_buckets, plan.c, plan.seg_len,
                                               (uint32_t)plan.nseg_total, st, msg)
            : via_cuda_launch_bucket_reduce(d_segs, d_buckets, plan.c, plan.seg_len,
                                            (uint32_t)plan.nseg_total, st, msg);
    if (rc) goto done;
    STEP(cudaMemcpyAsync(segs, d_segs, b_segs, cudaMemcpyDeviceToHost, st));
    STEP(cudaStreamSynchronize(st));
    if (g2)
        via_msm_plan_combine_g2(&plan, h_out, segs);
    else
        via_msm_plan_combine(&plan, h_out, segs);
done:
    FREE_CHECKED(d_mem);
    via_free_big(segs);
    via_free_big(copy);
    via_msm_plan_free(&plan);
    return rc;
}

int via_cuda_msm_g1(const via_cuda_config *cfg, via_g1 *h_out, const via_g1_affine *bases,
                    const via_scalar *h_scalars, size_t n, via_error *err) {
    assert(cfg && h_out && (n == 0 || (bases && h_scalars)));
    via_g1_set_inf(h_out);
    if (n == 0) return VIA_OK;
    return msm_run(cfg, 0, h_out, bases, h_scalars, n, err);
}

int via_cuda_msm_g2(const via_cuda_config *cfg, via_g2 *h_out, const via_g2_affine *bases,
                    const via_scalar *h_scalars, size_t n, via_error *err) {
    assert(cfg && h_out && (n == 0 || (bases && h_scalars)));
    via_g2_set_inf(h_out);
    if (n == 0) return VIA_OK;
    return msm_run(cfg, 1, h_out, bases, h_scalars, n, err);
}

int via_cuda_groth16_h(const via_cuda_config *cfg, via_fr *a, via_fr *b, unsigned log2n,
                       via_error *err) {
    assert(cfg && a && b);
    if (log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "H domain 2^%u is above the maximum 2^%u", log2n,
                        VIA_FR_TWO_ADICITY);
    int rc = use_device(cfg->device, err);
    if (rc) return rc;
    cudaStream_t st = (cudaStream_t)cfg->stream;
    size_t n = (size_t)1 << log2n, half = n / 2;
    char *msg = err ? err->msg : NULL;
    /* host tables: forward and inverse twiddles, then g^j / n */
    size_t ntab = 2 * half + n;
    via_fr *tab = via_malloc_big(ntab * sizeof(via_fr));
    if (!tab) return via_fail(err, VIA_ENOMEM, "H tables for 2^%u", log2n);
    via_fr w[2], g;
    via_fr_root_of_unity(&w[0], log2n);
    via_fr_inv(&w[1], &w[0]);
    for (int dir = 0; dir < 2 && half; dir++) {
        via_fr *t = tab + dir * half;
        via_fr_set_one(&t[0]);
        for (size_t j = 1; j < half; j++)
            via_fr_mul(&t[j], &t[j - 1], &w[dir]);
    }
    via_fr *scale = tab + 2 * half;
    via_fr_set_u64(&scale[0], (uint64_t)n);
    via_fr_inv(&scale[0], &scale[0]);
    via_ntt_coset_gen(&g, log2n);
    for (size_t j = 1; j < n; j++)
        via_fr_mul(&scale[j], &scale[j - 1], &g);

    /* one allocation: [a, b when host data] [c] [scratch] [tables] */
    size_t own = cfg->data_on_device ? 0 : 2 * n;
    via_fr *d_mem = NULL;
    STEP(cudaMalloc((void **)&d_mem, (own + 2 * n + ntab) * sizeof(via_fr)));
    via_fr *d_a = cfg->data_on_device ? a : d_mem;
    via_fr *d_b = cfg->data_on_device ? b : d_mem + n;
    via_fr *d_c = d_mem + own;
    via_fr *d_t = d_c + n;
    via_fr *d_tab = d_t + n;
    STEP(cudaMemcpyAsync(d_tab, tab, ntab * sizeof(via_fr), cudaMemcpyHostToDevice, st));
    if (!cfg->data_on_device) {
        STEP(cudaMemcpyAsync(d_a, a, n * sizeof(via_fr), cudaMemcpyHostToDevice, st));
        STEP(cudaMemcpyAsync(d_b, b, n * sizeof(via_fr), cudaMemcpyHostToDevice, st));
    }
    if ((rc = via_cuda_launch_h_mul(d_c, d_a, d_b, (uint32_t)n, st, msg))) goto done;
    if (log2n > 0) {
        via_fr *vecs[3] = {d_a, d_b, d_c};
        for (int k = 0; k < 3; k++) {
            via_fr *res;
            rc = ntt_device(st, vecs[k], d_t, d_tab, d_tab + half, d_tab + 2 * half, log2n,
                            VIA_CUDA_NTT_COSET, &res, err);
            if (rc) goto done;
        }
    }
    if ((rc = via_cuda_launch_h_finish(d_a, d_b, d_c, via_fr_mod.r2, (uint32_t)n, st, msg)))
        goto done;
    if (!cfg->data_on_device)
        STEP(cudaMemcpyAsync(a, d_a, n * sizeof(via_fr), cudaMemcpyDeviceToHost, st));
    STEP(cudaStreamSynchronize(st));
done:
    FREE_CHECKED(d_mem);
    via_free_big(tab);
    return rc;
}
