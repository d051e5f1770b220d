/* Device selection: --backend (auto, cpu, opencl, cuda) and --gpus (all, none, a list). */
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

int via_host_backend_pick(via_backend *out, const char *name, via_error *err) {
    assert(out);
    *out = VIA_BACKEND_CPU;
    if (!name || strcmp(name, "auto") == 0) {
        *out = pool_auto_backend();
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

int via_host_parse_gpus(unsigned *out, size_t *nout, via_backend b, const char *spec,
                        via_error *err) {
    assert(out && nout && spec);
    *nout = 0;
    if (strcmp(spec, "none") == 0) return VIA_OK;
    size_t ndev = via_host_device_count(b);
    if (strcmp(spec, "all") == 0) {
        if (b == VIA_BACKEND_CPU) return VIA_OK;
        int any_gpu = 0;
        char name[8], bus[8];
        for (size_t i = 0; i < ndev; i++) {
            int g;
            if (pool_device_info(b, (unsigned)i, name, sizeof name, bus, sizeof bus, &g) == 0 && g)
                any_gpu = 1;
        }
        for (size_t i = 0; i < ndev && *nout < VIA_HOST_MAX_DEVICES; i++) {
            int g = 1;
            if (b == VIA_BACKEND_OPENCL && any_gpu)
                pool_device_info(b, (unsigned)i, name, sizeof name, bus, sizeof bus, &g);
            if (g) out[(*nout)++] = (unsigned)i;
        }
        if (*nout == 0)
            return via_fail(err, VIA_EUNSUPPORTED, "--gpus all: backend %s has no device",
                            via_host_backend_name(b));
        return VIA_OK;
    }
    if (b == VIA_BACKEND_CPU)
        return via_fail(err, VIA_EINVAL,
                        "--gpus %s: the cpu backend has no devices (use --gpus none, or "
                        "--backend cuda / opencl)",
                        spec);
    const char *p = spec;
    for (;;) {
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        size_t len = (size_t)(q - p);
        if (len == 0 || len > 6 || (*q != ',' && *q != 0)) {
            const char *end = strchr(p, ',');
            int show = end ? (int)(end - p) : (int)strlen(p);
            return via_fail(err, VIA_EINVAL,
                            "--gpus %s: '%.*s' is not a device index (expected all, none or a "
                            "comma-separated list of indices such as 0,2)",
                            spec, show, p);
        }
        unsigned long v = strtoul(p, NULL, 10);
        if (v >= ndev)
            return via_fail(err, VIA_EINVAL,
                            "--gpus %s: device %lu is out of range (backend %s has %zu device%s"
                            "%s; see via-prover devices)",
                            spec, v, via_host_backend_name(b), ndev, ndev == 1 ? "" : "s",
                            ndev ? ", numbered from 0" : "");
        for (size_t k = 0; k < *nout; k++)
            if (out[k] == v)
                return via_fail(err, VIA_EINVAL, "--gpus %s: device %lu is listed twice", spec, v);
        if (*nout >= VIA_HOST_MAX_DEVICES)
            return via_fail(err, VIA_EINVAL, "--gpus %s: more than %d devices", spec,
                            VIA_HOST_MAX_DEVICES);
        out[(*nout)++] = (unsigned)v;
        if (*q == 0) break;
        p = q + 1;
    }
    return VIA_OK;
}
