/* Device discovery: which backends are built, their devices, names, PCI bus ids and
 * locality, the device list of `via-prover devices`, and what "auto" picks. */
#include "pool_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/runtime.h"
#ifdef VIA_HAVE_OPENCL
#include "via/kernels_cl.h"
#endif
#ifdef VIA_HAVE_CUDA
#include "via/kernels_cuda.h"
#endif

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

via_backend pool_auto_backend(void) {
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
    fprintf(out, "auto selects: %s\n", via_host_backend_name(pool_auto_backend()));
    if (fflush(out) != 0 || ferror(out))
        return via_fail(err, VIA_EIO, "writing the device list failed");
    return VIA_OK;
}

size_t via_host_device_count(via_backend b) {
    switch (b) {
    case VIA_BACKEND_CUDA:
#ifdef VIA_HAVE_CUDA
        return (size_t)via_cuda_device_count();
#else
        return 0;
#endif
    case VIA_BACKEND_OPENCL:
#ifdef VIA_HAVE_OPENCL
        return via_cl_count_devices(VIA_CL_ANY);
#else
        return 0;
#endif
    case VIA_BACKEND_CPU:
        break;
    }
    return 0;
}

/* Name and PCI bus id of device i of backend b; 0 when it exists. */
int pool_device_info(via_backend b, unsigned i, char *name, size_t name_len, char *bus,
                     size_t bus_len, int *is_gpu) {
    name[0] = bus[0] = 0;
    *is_gpu = 0;
#ifdef VIA_HAVE_CUDA
    if (b == VIA_BACKEND_CUDA) {
        *is_gpu = 1;
        return via_cuda_device_info((int)i, name, name_len, bus, bus_len) < 0 ? -1 : 0;
    }
#endif
#ifdef VIA_HAVE_OPENCL
    if (b == VIA_BACKEND_OPENCL)
        return via_cl_device_info(i, name, name_len, bus, bus_len, is_gpu) < 0 ? -1 : 0;
#endif
    (void)b;
    (void)i;
    (void)name_len;
    (void)bus_len;
    return -1;
}

void via_host_list_locality(FILE *out, via_backend b) {
    size_t n = via_host_device_count(b);
    for (size_t i = 0; i < n; i++) {
        char name[160], bus[64], line[240];
        int g;
        if (pool_device_info(b, (unsigned)i, name, sizeof name, bus, sizeof bus, &g)) continue;
        via_host_locality loc;
        via_host_locality_of(&loc, bus);
        via_host_locality_line(line, sizeof line, &loc);
        fprintf(out, "  %s %zu locality: %s\n", via_host_backend_name(b), i, line);
    }
}
