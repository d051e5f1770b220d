/* Backend dispatch: the CPU code always, OpenCL and CUDA when they were built
 * (VIA_HAVE_OPENCL / VIA_HAVE_CUDA come from host/CMakeLists.txt). */
#include "via/host.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#include "via/groth16.h"
#include "via/ntt.h"
#include "pin.h"
#include "via/runtime.h"

#ifdef VIA_HAVE_OPENCL
#include "via/kernels_cl.h"
#endif
#ifdef VIA_HAVE_CUDA
#include "via/kernels_cuda.h"
#endif

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
#ifdef VIA_HAVE_OPENCL
static via_cl *g_cl; /* built on first use, kept for the process */

/* Caller holds g_lock. */
static int opencl_get(via_cl **out, via_error *err) {
    if (!g_cl) {
        via_cl_want want = via_cl_count_devices(VIA_CL_GPU) ? VIA_CL_GPU : VIA_CL_ANY;
        int rc = via_cl_open(&g_cl, want, err);
        if (rc) return rc;
    }
    *out = g_cl;
    return VIA_OK;
}

/* The process's OpenCL context, locked for one call; NULL (with *rc and err set, unlocked)
 * when it cannot be built. cl_release unlocks and passes the call's status on. */
static via_cl *cl_acquire(int *rc, via_error *err) {
    via_cl *cl;
    pthread_mutex_lock(&g_lock);
    *rc = opencl_get(&cl, err);
    if (*rc) {
        pthread_mutex_unlock(&g_lock);
        return NULL;
    }
    return cl;
}

static int cl_release(int rc) {
    pthread_mutex_unlock(&g_lock);
    return rc;
}
#endif

#ifdef VIA_HAVE_CUDA
static const via_cuda_config g_cuda_default; /* host data, default stream, device 0 */
#endif

static int not_built(via_backend b, via_error *err) {
    return via_fail(err, VIA_EUNSUPPORTED, "backend %s is not built", via_host_backend_name(b));
}

const char *via_host_backend_name(via_backend b) {
    switch (b) {
    case VIA_BACKEND_CPU:
        return "cpu";
    case VIA_BACKEND_OPENCL:
        return "opencl";
    case VIA_BACKEND_CUDA:
        return "cuda";
    }
    return "unknown";
}

static via_backend auto_backend(void) {
#ifdef VIA_HAVE_CUDA
    if (via_cuda_device_count() > 0) return VIA_BACKEND_CUDA;
#endif
#ifdef VIA_HAVE_OPENCL
    if (via_cl_count_devices(VIA_CL_GPU) > 0) return VIA_BACKEND_OPENCL;
#endif
    return VIA_BACKEND_CPU;
}

int via_host_list_devices(FILE *out, via_error *err) {
    assert(out);
    fprintf(out, "cpu: always available\n");
#ifdef VIA_HAVE_CUDA
    if (via_cuda_list_devices(out) == 0) fprintf(out, "cuda: no CUDA device\n");
    via_host_list_locality(out, VIA_BACKEND_CUDA);
#else
    fprintf(out, "cuda: not built (nvcc was not found at configure time)\n");
#endif
#ifdef VIA_HAVE_OPENCL
    if (via_cl_list_devices(out) == 0) fprintf(out, "opencl: no OpenCL device\n");
    via_host_list_locality(out, VIA_BACKEND_OPENCL);
#else
    fprintf(out, "opencl: not built (no OpenCL ICD at configure time)\n");
#endif
    if (!via_host_have_hwloc())
        fprintf(out, "locality: this build has no hwloc, so device threads are not pinned\n");
    fprintf(out, "auto selects: %s\n", via_host_backend_name(auto_backend()));
    if (fflush(out) != 0 || ferror(out))
        return via_fail(err, VIA_EIO, "writing the device list failed");
    return VIA_OK;
}

int via_host_backend_pick(via_backend *out, const char *name, via_error *err) {
    assert(out);
    *out = VIA_BACKEND_CPU;
    if (!name || strcmp(name, "auto") == 0) {
        *out = auto_backend();
        return VIA_OK;
    }
    if (strcmp(name, "cpu") == 0) return VIA_OK;
    if (strcmp(name, "cuda") == 0 || strcmp(name, "opencl") == 0) {
        via_backend b = name[0] == 'c' ? VIA_BACKEND_CUDA : VIA_BACKEND_OPENCL;
#ifndef VIA_HAVE_CUDA
        if (b == VIA_BACKEND_CUDA)
            return via_fail(err, VIA_EUNSUPPORTED, "backend cuda: this build has no CUDA support");
#endif
#ifndef VIA_HAVE_OPENCL
        if (b == VIA_BACKEND_OPENCL)
            return via_fail(err, VIA_EUNSUPPORTED,
                            "backend opencl: this build has no OpenCL support");
#endif
        if (via_host_device_count(b) == 0)
            return via_fail(err, VIA_EUNSUPPORTED, "backend %s: no %s device found", name,
                            b == VIA_BACKEND_CUDA ? "CUDA" : "OpenCL");
        *out = b;
        return VIA_OK;
    }
    return via_fail(err, VIA_EINVAL, "unknown backend '%s' (expected auto, cpu, opencl or cuda)",
                    name);
}

int via_host_backend_select(via_backend *out, const char *name, via_error *err) {
    assert(out);
    *out = VIA_BACKEND_CPU;
    if (!name || strcmp(name, "auto") == 0) {
        *out = auto_backend();
        if (*out != VIA_BACKEND_OPENCL) return VIA_OK;
    } else if (strcmp(name, "cpu") == 0) {
        return VIA_OK;
    } else if (strcmp(name, "cuda") == 0) {
#ifdef VIA_HAVE_CUDA
        if (via_cuda_device_count() == 0)
            return via_fail(err, VIA_EUNSUPPORTED, "backend cuda: no CUDA device found");
        *out = VIA_BACKEND_CUDA;
        return VIA_OK;
#else
        return via_fail(err, VIA_EUNSUPPORTED, "backend cuda: this build has no CUDA support");
#endif
    } else if (strcmp(name, "opencl") == 0) {
#ifndef VIA_HAVE_OPENCL
        return via_fail(err, VIA_EUNSUPPORTED, "backend opencl: this build has no OpenCL support");
#endif
    } else {
        return via_fail(err, VIA_EINVAL,
                        "unknown backend '%s' (expected auto, cpu, opencl or cuda)", name);
    }
#ifdef VIA_HAVE_OPENCL
    /* opencl, by name or by auto: build the program now so errors show at selection */
    int rc;
    if (!cl_acquire(&rc, err)) return rc;
    cl_release(VIA_OK);
    *out = VIA_BACKEND_OPENCL;
    return VIA_OK;
#else
    return via_fail(err, VIA_EUNSUPPORTED, "backend opencl: this build has no OpenCL support");
#endif
}

int via_host_ntt(via_backend b, via_fr *a, unsigned log2n, via_host_ntt_op op, via_error *err) {
    assert(a);
    if (op != VIA_HOST_NTT_FORWARD && op != VIA_HOST_NTT_INVERSE && op != VIA_HOST_NTT_COSET)
        return via_fail(err, VIA_EINVAL, "unknown NTT operation %d", (int)op);
    switch (b) {
    case VIA_BACKEND_CPU: {
        if (log2n > VIA_FR_TWO_ADICITY)
            return via_fail(err, VIA_EINVAL, "NTT size 2^%u is above the maximum 2^%u", log2n,
                            VIA_FR_TWO_ADICITY);
        int rc = op == VIA_HOST_NTT_FORWARD   ? via_ntt(a, log2n)
                 : op == VIA_HOST_NTT_INVERSE ? via_intt(a, log2n)
                                              : via_ntt_domain_to_coset(a, log2n);
        return rc ? via_fail(err, rc, "CPU NTT of 2^%u failed", log2n) : VIA_OK;
    }
    case VIA_BACKEND_OPENCL: {
#ifdef VIA_HAVE_OPENCL
        int rc;
        via_cl *cl = cl_acquire(&rc, err);
        return cl ? cl_release(via_cl_ntt(cl, a, log2n, (via_cl_ntt_op)op, err)) : rc;
#else
        break;
#endif
    }
    case VIA_BACKEND_CUDA: {
#ifdef VIA_HAVE_CUDA
        return via_cuda_ntt(&g_cuda_default, a, log2n, (via_cuda_ntt_op)op, err);
#else
        break;
#endif
    }
    }
    return not_built(b, err);
}

int via_host_msm_g1(via_backend b, via_g1 *out, const via_g1_affine *bases,
                    const via_scalar *scalars, size_t n, via_error *err) {
    assert(out);
    switch (b) {
    case VIA_BACKEND_CPU: {
        int rc = via_msm_g1(out, bases, scalars, n);
        return rc ? via_fail(err, rc, "CPU MSM of %zu points failed", n) : VIA_OK;
    }
    case VIA_BACKEND_OPENCL: {
#ifdef VIA_HAVE_OPENCL
        int rc;
        via_cl *cl = cl_acquire(&rc, err);
        return cl ? cl_release(via_cl_msm_g1(cl, out, bases, scalars, n, err)) : rc;
#else
        break;
#endif
    }
    case VIA_BACKEND_CUDA: {
#ifdef VIA_HAVE_CUDA
        return via_cuda_msm_g1(&g_cuda_default, out, bases, scalars, n, err);
#else
        break;
#endif
    }
    }
    via_g1_set_inf(out);
    return not_built(b, err);
}

int via_host_msm_g2(via_backend b, via_g2 *out, const via_g2_affine *bases,
                    const via_scalar *scalars, size_t n, via_error *err) {
    assert(out);
    switch (b) {
    case VIA_BACKEND_CPU: {
        int rc = via_msm_g2(out, bases, scalars, n);
        return rc ? via_fail(err, rc, "CPU MSM in G2 of %zu points failed", n) : VIA_OK;
    }
    case VIA_BACKEND_OPENCL: {
#ifdef VIA_HAVE_OPENCL
        int rc;
        via_cl *cl = cl_acquire(&rc, err);
        return cl ? cl_release(via_cl_msm_g2(cl, out, bases, scalars, n, err)) : rc;
#else
        break;
#endif
    }
    case VIA_BACKEND_CUDA: {
#ifdef VIA_HAVE_CUDA
        return via_cuda_msm_g2(&g_cuda_default, out, bases, scalars, n, err);
#else
        break;
#endif
    }
    }
    via_g2_set_inf(out);
    return not_built(b, err);
}


int via_host_groth16_h(via_backend b, via_fr *a, const via_fr *bv, unsigned log2n, via_error *err) {
    assert(a && bv);
    if (log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "H domain 2^%u is above the maximum 2^%u", log2n,
                        VIA_FR_TWO_ADICITY);
    switch (b) {
    case VIA_BACKEND_CPU:
        return via_groth16_h_cosets(NULL, a, bv, log2n, err);
    case VIA_BACKEND_OPENCL: {
#ifdef VIA_HAVE_OPENCL
        int rc;
        via_cl *cl = cl_acquire(&rc, err);
        return cl ? cl_release(via_cl_groth16_h(cl, a, bv, log2n, err)) : rc;
#else
        break;
#endif
    }
    case VIA_BACKEND_CUDA: {
#ifdef VIA_HAVE_CUDA
        /* host data: the driver copies b in and leaves the host array unchanged */
        return via_cuda_groth16_h(&g_cuda_default, a, (via_fr *)bv, log2n, err);
#else
        break;
#endif
    }
    }
    return not_built(b, err);
}
