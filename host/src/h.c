/* The H computation and NTTs on a pool's devices: the whole H computation with the vectors
 * resident when it fits the budget, else the three coset transforms one at a time, else a
 * clear out-of-memory error; a failed device's work reruns on the CPU from a saved copy. */
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
#include "via/ntt.h"

static int cpu_ntt(via_fr *a, unsigned log2n, via_host_ntt_op op, via_error *err) {
    if (log2n > VIA_FR_TWO_ADICITY)
        return via_fail(err, VIA_EINVAL, "NTT size 2^%u is above the maximum 2^%u", log2n,
                        VIA_FR_TWO_ADICITY);
    int rc = op == VIA_HOST_NTT_FORWARD   ? via_ntt(a, log2n)
             : op == VIA_HOST_NTT_INVERSE ? via_intt(a, log2n)
                                          : via_ntt_domain_to_coset(a, log2n);
    return rc ? via_fail(err, rc, "CPU NTT of 2^%u failed", log2n) : VIA_OK;
}

static int raw_ntt(pool_dev *d, via_fr *a, unsigned log2n, via_host_ntt_op op, via_error *err) {
    int rc = pool_take_injected(d, err);
    if (rc) return rc;
#ifdef VIA_HAVE_OPENCL
    if (d->backend == VIA_BACKEND_OPENCL)
        return via_cl_ntt(d->cl, a, log2n, (via_cl_ntt_op)op, err);
#endif
#ifdef VIA_HAVE_CUDA
    if (d->backend == VIA_BACKEND_CUDA) {
        via_cuda_config cfg = {NULL, 0, (int)d->index, NULL};
        return via_cuda_ntt(&cfg, a, log2n, (via_cuda_ntt_op)op, err);
    }
#endif
    (void)a;
    (void)log2n;
    (void)op;
    return via_fail(err, VIA_EUNSUPPORTED, "backend not built");
}

static int raw_h(pool_dev *d, via_fr *a, const via_fr *b, unsigned log2n, via_error *err) {
    int rc = pool_take_injected(d, err);
    if (rc) return rc;
#ifdef VIA_HAVE_OPENCL
    if (d->backend == VIA_BACKEND_OPENCL) return via_cl_groth16_h(d->cl, a, b, log2n, err);
#endif
#ifdef VIA_HAVE_CUDA
    if (d->backend == VIA_BACKEND_CUDA) {
        via_cuda_config cfg = {NULL, 0, (int)d->index, NULL};
        return via_cuda_groth16_h(&cfg, a, (via_fr *)b, log2n, err);
    }
#endif
    (void)a;
    (void)b;
    (void)log2n;
    return via_fail(err, VIA_EUNSUPPORTED, "backend not built");
}

/* Device memory of the NTT tables the backend keeps: OpenCL caches the twiddles (n) and the
 * coset table (n) in the context; CUDA allocates its tables per call. */
static size_t cached_tables(const pool_dev *d, size_t vec) {
    return d->backend == VIA_BACKEND_OPENCL ? 2 * vec : 0;
}

/* Need of one coset transform (two vectors and the tables) and of the resident H
 * computation (four vectors and the tables), less tables already cached. */
void pool_h_needs(const pool_dev *d, unsigned log2n, size_t *coset, size_t *whole) {
    size_t vec = ((size_t)1 << log2n) * sizeof(via_fr);
    size_t tables = 2 * vec;
    if (d->backend == VIA_BACKEND_OPENCL && d->table_bytes >= tables) tables = 0;
    *coset = 2 * vec + tables;
    *whole = 4 * vec + tables;
}

static void note_tables(pool_dev *d, unsigned log2n) {
    size_t t = cached_tables(d, ((size_t)1 << log2n) * sizeof(via_fr));
    if (t > d->table_bytes) d->table_bytes = t;
}

static int h_no_room(pool_dev *d, unsigned log2n, size_t need, via_error *err) {
    char l[200];
    return via_fail(err, VIA_ENOMEM,
                    "device %s: the H computation of 2^%u needs at least %zu bytes of device "
                    "memory (one coset transform), but %zu bytes are available (%s, less %zu "
                    "bytes of resident key and tables)",
                    pool_dev_label(d, l, sizeof l), log2n, need, pool_dev_avail(d), d->budget_src,
                    d->resident_bytes + d->table_bytes);
}

/* Runs the transform op (or, with op < 0, the whole H computation with b) on d, which the
 * caller has checked has room: a copy of a is kept, because a failed device may have written
 * part of it, and a device failure reruns the work on the CPU from that copy. */
static int on_device_or_cpu(pool_dev *d, via_fr *a, const via_fr *b, unsigned log2n, int op,
                            via_error *err) {
    size_t vec = ((size_t)1 << log2n) * sizeof(via_fr);
    via_fr *copy = via_malloc_big(vec);
    if (!copy) return via_fail(err, VIA_ENOMEM, "copy of a vector of 2^%u for the device", log2n);
    memcpy(copy, a, vec);
    via_error e = {0};
    pthread_mutex_lock(&d->lock);
    int rc = via_fail(&e, VIA_EDEVICE, "device already left out");
    if (!atomic_load(&d->failed)) {
        rc = op < 0 ? raw_h(d, a, b, log2n, &e) : raw_ntt(d, a, log2n, (via_host_ntt_op)op, &e);
        if (!rc) note_tables(d, log2n);
    }
    pthread_mutex_unlock(&d->lock);
    if (rc == VIA_EDEVICE) {
        pool_dev_fail(d, &e);
        memcpy(a, copy, vec);
        rc = op < 0 ? via_groth16_h_cosets(NULL, a, b, log2n, err)
                    : cpu_ntt(a, log2n, (via_host_ntt_op)op, err);
    } else if (rc && err) {
        *err = e;
    }
    via_free_big(copy);
    return rc;
}

/* One transform on the first healthy device from d0 (the CPU when none is left), refused
 * with the need and what is available when it cannot fit. */
static int pool_ntt_from(pool_dev *d0, via_fr *a, unsigned log2n, via_host_ntt_op op,
                         via_error *err) {
    pool_dev *d = pool_healthy_from(d0->pool, d0);
    if (!d) return cpu_ntt(a, log2n, op, err);
    size_t coset, whole, vec = ((size_t)1 << log2n) * sizeof(via_fr);
    pthread_mutex_lock(&d->lock);
    pool_h_needs(d, log2n, &coset, &whole);
    int fits = coset <= pool_dev_avail(d) && vec <= d->max_alloc;
    pthread_mutex_unlock(&d->lock);
    if (!fits) return h_no_room(d, log2n, coset, err);
    return on_device_or_cpu(d, a, NULL, log2n, (int)op, err);
}

int pool_cb_coset(void *ctx, via_fr *a, unsigned log2n, via_error *err) {
    return pool_ntt_from(ctx, a, log2n, VIA_HOST_NTT_COSET, err);
}

/* H with the three coset transforms on the device one at a time (two vectors of device
 * memory instead of four); the element-wise steps are groth16.c's arithmetic on the host. */
static int h_by_cosets(pool_dev *d, via_fr *a, const via_fr *bv, unsigned log2n, via_error *err) {
    via_groth16_backend be = {0};
    be.coset = pool_cb_coset;
    be.ctx = d;
    be.name = "device cosets";
    return via_groth16_h_cosets(&be, a, bv, log2n, err);
}

int pool_cb_h(void *ctx, via_fr *a, const via_fr *b, unsigned log2n, via_error *err) {
    pool_dev *d = pool_healthy_from(((pool_dev *)ctx)->pool, ctx);
    if (!d) return via_groth16_h_cosets(NULL, a, b, log2n, err);
    size_t coset, whole, vec = ((size_t)1 << log2n) * sizeof(via_fr);
    pthread_mutex_lock(&d->lock);
    pool_h_needs(d, log2n, &coset, &whole);
    size_t avail = pool_dev_avail(d);
    int per_buffer = vec <= d->max_alloc;
    pthread_mutex_unlock(&d->lock);
    if (!per_buffer || coset > avail) return h_no_room(d, log2n, coset, err);
    if (whole > avail) return h_by_cosets(d, a, b, log2n, err);
    return on_device_or_cpu(d, a, b, log2n, -1, err);
}

int via_host_pool_ntt(via_host_pool *f, size_t dev, via_fr *a, unsigned log2n, via_host_ntt_op op,
                      via_error *err) {
    assert(f && a && dev < f->n);
    return pool_ntt_from(&f->dev[dev], a, log2n, op, err);
}

int via_host_pool_groth16_h(via_host_pool *f, size_t dev, via_fr *a, const via_fr *b,
                            unsigned log2n, via_error *err) {
    assert(f && a && b && dev < f->n);
    return pool_cb_h(&f->dev[dev], a, b, log2n, err);
}
