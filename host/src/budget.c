/* Memory budget and splitting of MSMs: whether an MSM fits a device's budget, the largest
 * part that does, parts spread over every healthy device on which one fits and summed on the
 * host, and the CPU rerun of whatever a failed device was doing. */
#include "pool_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/runtime.h"
#include "via/msm_plan.h"
#ifdef VIA_HAVE_OPENCL
#include "via/kernels_cl.h"
#endif
#ifdef VIA_HAVE_CUDA
#include "via/kernels_cuda.h"
#endif

size_t pool_dev_avail(const pool_dev *d) {
    size_t used = d->resident_bytes + d->table_bytes;
    return d->budget > used ? d->budget - used : 0;
}

static int raw_msm(pool_dev *d, int g2, void *out, const void *bases, const via_scalar *sc,
                   size_t n, via_error *err) {
    int rc = pool_take_injected(d, err);
    if (rc) return rc;
    size_t bsize = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    const resident *r = pool_find_resident(d, bases, n * bsize);
    size_t first = r ? (size_t)((const char *)bases - (const char *)r->h) / bsize : 0;
#ifdef VIA_HAVE_OPENCL
    if (d->backend == VIA_BACKEND_OPENCL)
        return g2 ? via_cl_msm_g2_at(d->cl, out, r ? r->d : NULL, first, bases, sc, n, err)
                  : via_cl_msm_g1_at(d->cl, out, r ? r->d : NULL, first, bases, sc, n, err);
#endif
#ifdef VIA_HAVE_CUDA
    if (d->backend == VIA_BACKEND_CUDA) {
        via_cuda_config cfg = {NULL, r != NULL, (int)d->index, r ? bases : NULL};
        const void *p = r ? (const void *)((const char *)r->d + first * bsize) : bases;
        return g2 ? via_cuda_msm_g2(&cfg, out, p, sc, n, err)
                  : via_cuda_msm_g1(&cfg, out, p, sc, n, err);
    }
#endif
    (void)first;
    (void)out;
    (void)sc;
    return via_fail(err, VIA_EUNSUPPORTED, "backend %s is not built",
                    via_host_backend_name(d->backend));
}

int pool_cpu_msm(int g2, void *out, const void *bases, const via_scalar *sc, size_t n,
                 via_error *err) {
    int rc = g2 ? via_msm_g2(out, bases, sc, n) : via_msm_g1(out, bases, sc, n);
    return rc ? via_fail(err, rc, "CPU MSM%s of %zu points failed", g2 ? " in G2" : "", n) : VIA_OK;
}

/* Device memory an MSM of k points from `bases` takes on d, and whether it fits. */
static int msm_fits(const pool_dev *d, int g2, const void *bases, size_t k, size_t *need) {
    size_t bsize = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    size_t psize = g2 ? sizeof(via_g2) : sizeof(via_g1);
    size_t largest;
    int res = pool_find_resident(d, bases, k * bsize) != NULL;
    *need = via_msm_plan_device_bytes(k, bsize, psize, res, &largest);
    return *need <= pool_dev_avail(d) && largest <= d->max_alloc;
}

/* One MSM (or part) on d with the failure rule: a device failure reruns it on the CPU. */
static int msm_on(pool_dev *d, int g2, void *out, const void *bases, const via_scalar *sc, size_t n,
                  int part, via_error *err) {
    via_error e = {0};
    pthread_mutex_lock(&d->lock);
    int rc = VIA_EDEVICE;
    if (!atomic_load(&d->failed)) {
        rc = raw_msm(d, g2, out, bases, sc, n, &e);
        if (!rc) {
            if (part)
                d->msm_parts++;
            else
                d->msm_whole++;
        }
    }
    pthread_mutex_unlock(&d->lock);
    if (rc == VIA_EDEVICE) {
        pool_dev_fail(d, &e);
        return pool_cpu_msm(g2, out, bases, sc, n, err);
    }
    if (rc && err) *err = e;
    return rc;
}

typedef struct {
    via_host_pool *f;
    int g2;
    const char *bases;
    const via_scalar *sc;
    size_t n, part_len, nparts;
    char *results; /* nparts points */
    unsigned char *done;
    atomic_size_t next;
    atomic_int abort_rc;
    pthread_mutex_t err_lock;
    via_error first_err;
} split_job;

typedef struct {
    split_job *j;
    pool_dev *d;
} split_worker;

static void *split_main(void *p) {
    split_worker *w = p;
    split_job *j = w->j;
    size_t bsize = j->g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    size_t psize = j->g2 ? sizeof(via_g2) : sizeof(via_g1);
    while (!atomic_load(&w->d->failed) && !atomic_load(&j->abort_rc)) {
        size_t k = atomic_fetch_add(&j->next, 1);
        if (k >= j->nparts) break;
        size_t lo = k * j->part_len, len = j->n - lo < j->part_len ? j->n - lo : j->part_len;
        via_error e = {0};
        int rc = msm_on(w->d, j->g2, j->results + k * psize, j->bases + lo * bsize, j->sc + lo, len,
                        1, &e);
        if (rc) {
            pthread_mutex_lock(&j->err_lock);
            if (!atomic_load(&j->abort_rc)) {
                j->first_err = e;
                atomic_store(&j->abort_rc, rc);
            }
            pthread_mutex_unlock(&j->err_lock);
            break;
        }
        j->done[k] = 1;
    }
    return NULL;
}

/* Runs an MSM cut into nparts parts of part_len points over d and every other healthy
 * device on which a part fits, and sums the parts on the host. */
static int msm_split(via_host_pool *f, pool_dev *d, int g2, void *out, const void *bases,
                     const via_scalar *sc, size_t n, size_t nparts, via_error *err) {
    size_t psize = g2 ? sizeof(via_g2) : sizeof(via_g1);
    size_t part_len = (n + nparts - 1) / nparts;
    nparts = (n + part_len - 1) / part_len;
    split_job j = {
        .f = f, .g2 = g2, .bases = bases, .sc = sc, .n = n, .part_len = part_len, .nparts = nparts};
    atomic_init(&j.next, 0);
    atomic_init(&j.abort_rc, 0);
    pthread_mutex_init(&j.err_lock, NULL);
    j.results = via_malloc_big(nparts * psize);
    j.done = calloc(nparts, 1);
    split_worker *ws = calloc(f->n, sizeof(*ws));
    pthread_t *th = calloc(f->n, sizeof(*th));
    int rc = VIA_OK;
    if (!j.results || !j.done || !ws || !th) {
        rc = via_fail(err, VIA_ENOMEM, "MSM split into %zu parts", nparts);
        goto done;
    }
    size_t nw = 0;
    ws[nw++] = (split_worker){&j, d};
    for (size_t i = 0; i < f->n; i++) {
        pool_dev *e = &f->dev[i];
        size_t need;
        if (e == d || atomic_load(&e->failed)) continue;
        pthread_mutex_lock(&e->lock);
        int fits = msm_fits(e, g2, bases, part_len, &need);
        pthread_mutex_unlock(&e->lock);
        if (fits) ws[nw++] = (split_worker){&j, e};
    }
    if (f->verbose) {
        char l[200];
        pool_log(f, "MSM of %zu points on %s: %zu parts of %zu points over %zu device%s", n,
                 pool_dev_label(d, l, sizeof l), nparts, part_len, nw, nw == 1 ? "" : "s");
    }
    size_t started = 1;
    for (size_t i = 1; i < nw; i++) {
        if (pthread_create(&th[i], NULL, split_main, &ws[i]) != 0) break;
        started++;
    }
    split_main(&ws[0]);
    for (size_t i = 1; i < started; i++)
        pthread_join(th[i], NULL);
    if ((rc = atomic_load(&j.abort_rc))) {
        *err = j.first_err;
        goto done;
    }
    /* parts no device took (their devices failed) run here */
    size_t bsize = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    for (size_t k = 0; k < nparts && !rc; k++) {
        if (j.done[k]) continue;
        size_t lo = k * part_len, len = n - lo < part_len ? n - lo : part_len;
        rc = pool_cpu_msm(g2, j.results + k * psize, (const char *)bases + lo * bsize, sc + lo, len,
                          err);
    }
    if (rc) goto done;
    if (g2) {
        via_g2 *acc = out;
        via_g2_set_inf(acc);
        for (size_t k = 0; k < nparts; k++)
            via_g2_add(acc, acc, (const via_g2 *)(j.results + k * psize));
    } else {
        via_g1 *acc = out;
        via_g1_set_inf(acc);
        for (size_t k = 0; k < nparts; k++)
            via_g1_add(acc, acc, (const via_g1 *)(j.results + k * psize));
    }
done:
    via_free_big(j.results);
    free(j.done);
    free(ws);
    free(th);
    pthread_mutex_destroy(&j.err_lock);
    return rc;
}

static int pool_msm(pool_dev *d0, int g2, void *out, const void *bases, const via_scalar *sc,
                    size_t n, via_error *err) {
    via_host_pool *f = d0->pool;
    if (g2)
        via_g2_set_inf(out);
    else
        via_g1_set_inf(out);
    if (n == 0) return VIA_OK;
    pool_dev *d = pool_healthy_from(f, d0);
    if (!d) return pool_cpu_msm(g2, out, bases, sc, n, err);
    size_t need_all, need_one;
    pthread_mutex_lock(&d->lock);
    int fits = msm_fits(d, g2, bases, n, &need_all);
    size_t k = n;
    if (!fits) {
        /* the largest part that fits: need grows with the part size */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2, need;
            if (msm_fits(d, g2, bases, mid, &need))
                lo = mid;
            else
                hi = mid - 1;
        }
        k = lo;
    }
    int one_fits = msm_fits(d, g2, bases, 1, &need_one);
    size_t avail = pool_dev_avail(d), max_alloc = d->max_alloc;
    pthread_mutex_unlock(&d->lock);
    if (k == 0 || !one_fits) {
        char l[200];
        return via_fail(err, VIA_ENOMEM,
                        "device %s: an MSM of %zu %s points needs %zu bytes of device memory and "
                        "even a part of 1 point needs %zu bytes, but %zu bytes are available "
                        "(%s, less %zu bytes of resident key and tables; largest allocation "
                        "%zu bytes)",
                        pool_dev_label(d, l, sizeof l), n, g2 ? "G2" : "G1", need_all, need_one,
                        avail, d->budget_src, d->resident_bytes + d->table_bytes, max_alloc);
    }
    size_t nparts = (n + k - 1) / k;
    size_t healthy = pool_healthy_count(f);
    if (nparts == 1 && atomic_load(&f->spread) && healthy > 1 && n >= 2 * healthy) nparts = healthy;
    if (nparts == 1) return msm_on(d, g2, out, bases, sc, n, 0, err);
    return msm_split(f, d, g2, out, bases, sc, n, nparts, err);
}

int pool_cb_msm_g1(void *ctx, via_g1 *out, const via_g1_affine *bases, const via_scalar *sc,
                   size_t n, via_error *err) {
    return pool_msm(ctx, 0, out, bases, sc, n, err);
}

int pool_cb_msm_g2(void *ctx, via_g2 *out, const via_g2_affine *bases, const via_scalar *sc,
                   size_t n, via_error *err) {
    return pool_msm(ctx, 1, out, bases, sc, n, err);
}

int via_host_pool_msm_g1(via_host_pool *f, size_t dev, via_g1 *out, const via_g1_affine *bases,
                         const via_scalar *scalars, size_t n, via_error *err) {
    assert(f && out && dev < f->n);
    return pool_msm(&f->dev[dev], 0, out, bases, scalars, n, err);
}

int via_host_pool_msm_g2(via_host_pool *f, size_t dev, via_g2 *out, const via_g2_affine *bases,
                         const via_scalar *scalars, size_t n, via_error *err) {
    assert(f && out && dev < f->n);
    return pool_msm(&f->dev[dev], 1, out, bases, scalars, n, err);
}
