/* Device pools: opening the devices --gpus selected (context, memory budget, locality),
 * their state (healthy or left out after a failure, injected failures), the log, closing. */
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

void pool_log(via_host_pool *f, const char *fmt, ...) {
    if (!f->log) return;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&f->log_lock);
    vfprintf(f->log, fmt, ap);
    fputc('\n', f->log);
    fflush(f->log);
    pthread_mutex_unlock(&f->log_lock);
    va_end(ap);
}

/* ---- environment ---- */

static int parse_bytes(const char *s, size_t *out) {
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10, end++;
    else if (*end == 'M')
        shift = 20, end++;
    else if (*end == 'G')
        shift = 30, end++;
    if (*end || v == 0 || v > (SIZE_MAX >> shift)) return -1;
    *out = (size_t)v << shift;
    return 0;
}

/* Marks the devices VIA_DEVICE_FAIL names (indices as listed) to fail their next operation. */
static int read_fail_env(via_host_pool *f, via_error *err) {
    const char *s = getenv("VIA_DEVICE_FAIL");
    if (!s || !*s) return VIA_OK;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || errno || (*end != ',' && *end != 0) || *p == '-')
            return via_fail(err, VIA_EINVAL,
                            "VIA_DEVICE_FAIL=%s is not a comma-separated list of device indices",
                            s);
        for (size_t i = 0; i < f->n; i++)
            if (f->dev[i].index == v) f->dev[i].inject = 1;
        if (*end == 0) break;
        p = end + 1;
    }
    return VIA_OK;
}

const char *pool_dev_label(const pool_dev *d, char *buf, size_t len) {
    snprintf(buf, len, "%s %u (%s)", via_host_backend_name(d->backend), d->index, d->name);
    return buf;
}

int pool_take_injected(pool_dev *d, via_error *err) {
    if (!d->inject) return VIA_OK;
    d->inject = 0;
    return via_fail(err, VIA_EDEVICE, "injected failure (VIA_DEVICE_FAIL)");
}

void pool_dev_fail(pool_dev *d, const via_error *why) {
    if (atomic_exchange(&d->failed, 1)) return;
    char l[200];
    pool_log(d->pool,
             "device %s failed: %s; left out, its work goes to the remaining devices or the CPU",
             pool_dev_label(d, l, sizeof l), why->msg[0] ? why->msg : "device error");
}

/* The first healthy device from d on (wrapping), or NULL. */
pool_dev *pool_healthy_from(via_host_pool *f, pool_dev *d) {
    for (size_t k = 0; k < f->n; k++) {
        pool_dev *e = &f->dev[(d->slot + k) % f->n];
        if (!atomic_load(&e->failed)) return e;
    }
    return NULL;
}

size_t pool_healthy_count(via_host_pool *f) {
    size_t c = 0;
    for (size_t i = 0; i < f->n; i++)
        c += !atomic_load(&f->dev[i].failed);
    return c;
}

void via_host_pool_close(via_host_pool *f) {
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        pool_dev *d = &f->dev[i];
        pool_release_resident(d);
#ifdef VIA_HAVE_OPENCL
        if (d->cl) via_cl_close(d->cl);
#endif
        pthread_mutex_destroy(&d->lock);
    }
    free(f->dev);
    pthread_mutex_destroy(&f->log_lock);
    free(f);
}

static int open_dev(via_host_pool *f, pool_dev *d, via_error *err) {
    char bus[64];
    int is_gpu;
    if (pool_device_info(d->backend, d->index, d->name, sizeof d->name, bus, sizeof bus, &is_gpu))
        return via_fail(err, VIA_EINVAL, "device %s %u does not exist (see via-prover devices)",
                        via_host_backend_name(d->backend), d->index);
    via_host_locality_of(&d->loc, bus);
    int rc = VIA_OK;
    switch (d->backend) {
    case VIA_BACKEND_OPENCL: {
#ifdef VIA_HAVE_OPENCL
        via_cl *cl;
        if ((rc = via_cl_open_index(&cl, d->index, err))) return rc;
        d->cl = cl;
        via_cl_mem_info(cl, &d->budget, &d->max_alloc);
        d->budget_src = "device memory";
#endif
        break;
    }
    case VIA_BACKEND_CUDA: {
#ifdef VIA_HAVE_CUDA
        size_t free_b, total;
        if ((rc = via_cuda_mem_info((int)d->index, &free_b, &total, err))) return rc;
        d->budget = free_b > CUDA_RESERVE ? free_b - CUDA_RESERVE : 0;
        d->max_alloc = SIZE_MAX;
        d->budget_src = "free device memory less a 256 MiB reserve";
#endif
        break;
    }
    case VIA_BACKEND_CPU:
        break;
    }
    if (f->limit && f->limit < d->budget) {
        d->budget = f->limit;
        d->budget_src = "the VIA_DEVICE_MEM_LIMIT limit";
    }
    if (f->limit && f->limit < d->max_alloc) d->max_alloc = f->limit;
    d->be = (via_groth16_backend){pool_cb_coset,
                                  pool_cb_msm_g1,
                                  pool_cb_msm_g2,
                                  pool_cb_h,
                                  d,
                                  via_host_backend_name(d->backend)};
    if (!d->loc.known) {
        char l[200], line[240];
        via_host_locality_line(line, sizeof line, &d->loc);
        pool_log(f, "device %s: %s", pool_dev_label(d, l, sizeof l), line);
    }
    return VIA_OK;
}

int via_host_pool_open(via_host_pool **out, via_backend b, const unsigned *idx, size_t n, FILE *log,
                       via_error *err) {
    assert(out && (n == 0 || idx));
    *out = NULL;
    if (b == VIA_BACKEND_CPU) n = 0;
    if (n > VIA_HOST_MAX_DEVICES)
        return via_fail(err, VIA_EINVAL, "%zu devices is more than %d", n, VIA_HOST_MAX_DEVICES);
    via_host_pool *f = calloc(1, sizeof(*f));
    if (!f) return via_fail(err, VIA_ENOMEM, "device set");
    f->backend = b;
    f->log = log;
    f->verbose = getenv("VIA_VERBOSE") != NULL;
    pthread_mutex_init(&f->log_lock, NULL);
    const char *lim = getenv("VIA_DEVICE_MEM_LIMIT");
    if (lim && *lim && parse_bytes(lim, &f->limit)) {
        free(f);
        return via_fail(err, VIA_EINVAL,
                        "VIA_DEVICE_MEM_LIMIT=%s is not a byte count (digits, optionally "
                        "followed by k, M or G)",
                        lim);
    }
    f->dev = calloc(n ? n : 1, sizeof(*f->dev));
    if (!f->dev) {
        free(f);
        return via_fail(err, VIA_ENOMEM, "device set");
    }
    int rc = VIA_OK;
    for (size_t i = 0; i < n; i++) {
        pool_dev *d = &f->dev[i];
        d->pool = f;
        d->slot = i;
        d->backend = b;
        d->index = idx[i];
        pthread_mutex_init(&d->lock, NULL);
        atomic_init(&d->failed, 0);
        f->n = i + 1;
        via_error e = {0};
        if ((rc = open_dev(f, d, &e)) == VIA_EDEVICE) {
            /* a device that cannot start is left out like one that fails later */
            pool_dev_fail(d, &e);
            rc = VIA_OK;
        } else if (rc) {
            if (err) *err = e;
            break;
        }
    }
    if (!rc) rc = read_fail_env(f, err);
    if (rc) {
        via_host_pool_close(f);
        return rc;
    }
    *out = f;
    return VIA_OK;
}

size_t via_host_pool_size(const via_host_pool *f) {
    return f->n;
}

void via_host_pool_stats(const via_host_pool *f, size_t dev, via_host_device_stats *out) {
    assert(f && out && dev < f->n);
    pool_dev *d = &f->dev[dev];
    pthread_mutex_lock(&d->lock);
    out->backend = d->backend;
    out->index = d->index;
    out->name = d->name;
    out->failed = atomic_load(&d->failed);
    out->budget = d->budget;
    out->resident = d->resident_bytes;
    out->msm_whole = d->msm_whole;
    out->msm_parts = d->msm_parts;
    out->jobs = d->jobs;
    via_host_locality_line(out->locality, sizeof out->locality, &d->loc);
    pthread_mutex_unlock(&d->lock);
}

int via_host_pool_pin_near(const via_host_pool *f, size_t dev) {
    if (!f || dev >= f->n) return -1;
    return via_host_pin_thread(&f->dev[dev].loc);
}
