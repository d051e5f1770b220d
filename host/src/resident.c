/* Resident keys: a proving key's point sections uploaded once to every device of a pool,
 * the larger first, as many as the budget allows with room left for one proof's work. */
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
#include "via/msm_plan.h"

const resident *pool_find_resident(const pool_dev *d, const void *h, size_t bytes) {
    for (size_t i = 0; i < d->nres; i++) {
        const char *lo = d->res[i].h, *p = h;
        if (p >= lo && p + bytes <= lo + d->res[i].bytes) return &d->res[i];
    }
    return NULL;
}

void pool_release_resident(pool_dev *d) {
    for (size_t i = 0; i < d->nres; i++) {
#ifdef VIA_HAVE_OPENCL
        if (d->backend == VIA_BACKEND_OPENCL) via_cl_free(d->cl, d->res[i].d);
#endif
#ifdef VIA_HAVE_CUDA
        /* a failed device's context is gone; its buffers went with it */
        if (d->backend == VIA_BACKEND_CUDA && !atomic_load(&d->failed)) {
            via_error e = {0};
            char l[200];
            if (via_cuda_free((int)d->index, d->res[i].d, &e))
                pool_log(d->pool, "device %s: freeing the resident key failed: %s",
                         pool_dev_label(d, l, sizeof l), e.msg);
        }
#endif
    }
    d->nres = 0;
    d->resident_bytes = 0;
}

static int upload(pool_dev *d, void **dp, const void *h, size_t bytes, via_error *err) {
    int rc = pool_take_injected(d, err);
    if (rc) return rc;
#ifdef VIA_HAVE_OPENCL
    if (d->backend == VIA_BACKEND_OPENCL) return via_cl_upload(d->cl, dp, h, bytes, err);
#endif
#ifdef VIA_HAVE_CUDA
    if (d->backend == VIA_BACKEND_CUDA) return via_cuda_upload((int)d->index, dp, h, bytes, err);
#endif
    (void)dp;
    (void)h;
    (void)bytes;
    return via_fail(err, VIA_EUNSUPPORTED, "backend not built");
}

int via_host_pool_load_key(via_host_pool *f, const via_groth16_pk *pk, via_error *err) {
    assert(f && pk);
    size_t n_vars = pk->n_vars, n_c = pk->n_vars - pk->n_public - 1;
    size_t n_h = (size_t)1 << pk->log2n;
    struct {
        const void *h;
        size_t count, bsize, psize;
    } sec[5] = {
        {pk->h, n_h, sizeof(via_g1_affine), sizeof(via_g1)},
        {pk->a, n_vars, sizeof(via_g1_affine), sizeof(via_g1)},
        {pk->b1, n_vars, sizeof(via_g1_affine), sizeof(via_g1)},
        {pk->c, n_c, sizeof(via_g1_affine), sizeof(via_g1)},
        {pk->b2, n_vars, sizeof(via_g2_affine), sizeof(via_g2)},
    };
    /* the larger sections first: they save the most copying */
    int order[5] = {0, 1, 2, 3, 4};
    for (int i = 1; i < 5; i++)
        for (int k = i; k > 0 && sec[order[k]].count * sec[order[k]].bsize >
                                     sec[order[k - 1]].count * sec[order[k - 1]].bsize;
             k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (size_t i = 0; i < f->n; i++) {
        pool_dev *d = &f->dev[i];
        if (atomic_load(&d->failed)) continue;
        pthread_mutex_lock(&d->lock);
        pool_release_resident(d);
        /* what one proof needs besides the key: the whole H computation, or the largest MSM
         * working set with its bases resident */
        size_t coset, reserve;
        pool_h_needs(d, pk->log2n, &coset, &reserve);
        for (int s = 0; s < 5; s++) {
            size_t w = via_msm_plan_device_bytes(sec[s].count, sec[s].bsize, sec[s].psize, 1, NULL);
            if (w > reserve) reserve = w;
        }
        int rc = VIA_OK;
        via_error e = {0};
        for (int k = 0; k < 5 && !rc; k++) {
            int s = order[k];
            size_t bytes = sec[s].count * sec[s].bsize;
            if (!sec[s].h || bytes == 0 || bytes > d->max_alloc) continue;
            if (d->resident_bytes + d->table_bytes + bytes + reserve > d->budget) continue;
            void *dp;
            rc = upload(d, &dp, sec[s].h, bytes, &e);
            if (rc == VIA_ENOMEM) { /* the driver disagrees with the budget: leave it on the host */
                rc = VIA_OK;
                continue;
            }
            if (rc) break;
            d->res[d->nres++] = (resident){sec[s].h, bytes, dp};
            d->resident_bytes += bytes;
        }
        pthread_mutex_unlock(&d->lock);
        if (rc == VIA_EDEVICE) {
            pool_dev_fail(d, &e);
        } else if (rc) {
            *err = e;
            return rc;
        }
        if (f->verbose && !atomic_load(&d->failed)) {
            char l[200];
            pool_log(f, "device %s: %zu of %zu key sections resident (%zu bytes of %zu)",
                     pool_dev_label(d, l, sizeof l), d->nres, (size_t)5, d->resident_bytes,
                     d->budget);
        }
    }
    return VIA_OK;
}
