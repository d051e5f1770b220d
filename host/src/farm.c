/*
 * Device sets ("farms"): the devices --gpus selects, each with its own context, memory
 * budget, resident key sections, lock and (in a batch) host thread. See via/host.h for the
 * contract; the points that are easy to get wrong:
 *
 * - Memory is budgeted before anything is allocated: an MSM's need comes from
 *   via_msm_plan_device_bytes (bases unless resident, buckets, segment sums, offsets, bucket
 *   index), the H computation's from its vectors and tables. The budget is the device's total
 *   (OpenCL) or free (CUDA) memory, or VIA_DEVICE_MEM_LIMIT when lower, less what the key and
 *   the cached NTT tables already hold. An MSM that does not fit is cut into equal parts of
 *   the largest size that does; parts are taken by every healthy device on which a part fits
 *   (one thread each), and the partial sums are added on the host in part order. A sum of
 *   partial MSMs is the same group element as the whole MSM, so the affine result (all the
 *   prover keeps) is the same bytes.
 * - A device that fails is marked failed once, reported once, and never used again; the
 *   operation (or part) that failed reruns on the CPU. Only VIA_EDEVICE counts as a device
 *   failure: a scalar >= r (VIA_EINVAL) or a host allocation failure is the caller's error.
 * - Each device's context is used under its lock, one operation or part at a time, and no
 *   thread ever holds two device locks, so threads that borrow each other's devices for
 *   MSM parts cannot deadlock.
 */
#include "via/host.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/msm_plan.h"
#include "via/field.h"
#include "pin.h"
#include "via/runtime.h"

#ifdef VIA_HAVE_OPENCL
#include "via/kernels_cl.h"
#endif
#ifdef VIA_HAVE_CUDA
#include "via/kernels_cuda.h"
#endif

/* What CUDA keeps back from the free memory it reports: the context grows (streams, kernel
 * launch state), and cudaMalloc of the last few MiB fails on a fragmented heap. */
#define CUDA_RESERVE ((size_t)256 << 20)

typedef struct {
    const void *h; /* host array it mirrors */
    size_t bytes;
    void *d; /* device buffer (cl_mem for OpenCL, device pointer for CUDA) */
} resident;

typedef struct farm_dev {
    via_host_farm *farm;
    size_t slot;
    via_backend backend;
    unsigned index;
    char name[160];
    via_host_locality loc;
    pthread_mutex_t lock;
    void *cl; /* via_cl for OpenCL */
    size_t budget, max_alloc;
    const char *budget_src;
    size_t resident_bytes, table_bytes;
    resident res[5];
    size_t nres;
    atomic_int failed;
    int inject; /* VIA_DEVICE_FAIL: the next operation fails */
    size_t msm_whole, msm_parts, jobs;
    via_groth16_backend be;
} farm_dev;

struct via_host_farm {
    via_backend backend;
    size_t n;
    farm_dev *dev;
    FILE *log;
    pthread_mutex_t log_lock;
    int verbose;
    atomic_int spread; /* split MSMs over every healthy device even when they fit */
    size_t limit;      /* VIA_DEVICE_MEM_LIMIT, 0 when unset */
};

static void log_line(via_host_farm *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(via_host_farm *f, const char *fmt, ...) {
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

/* ---- device enumeration and --gpus ---- */

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
static int device_info(via_backend b, unsigned i, char *name, size_t name_len, char *bus,
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
        if (device_info(b, (unsigned)i, name, sizeof name, bus, sizeof bus, &g)) continue;
        via_host_locality loc;
        via_host_locality_of(&loc, bus);
        via_host_locality_line(line, sizeof line, &loc);
        fprintf(out, "  %s %zu locality: %s\n", via_host_backend_name(b), i, line);
    }
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
            if (device_info(b, (unsigned)i, name, sizeof name, bus, sizeof bus, &g) == 0 && g)
                any_gpu = 1;
        }
        for (size_t i = 0; i < ndev && *nout < VIA_HOST_MAX_DEVICES; i++) {
            int g = 1;
            if (b == VIA_BACKEND_OPENCL && any_gpu)
                device_info(b, (unsigned)i, name, sizeof name, bus, sizeof bus, &g);
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
static int read_fail_env(via_host_farm *f, via_error *err) {
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

/* ---- device operations (caller holds d->lock) ---- */

static const char *dev_label(const farm_dev *d, char *buf, size_t len) {
    snprintf(buf, len, "%s %u (%s)", via_host_backend_name(d->backend), d->index, d->name);
    return buf;
}

static int take_injected(farm_dev *d, via_error *err) {
    if (!d->inject) return VIA_OK;
    d->inject = 0;
    return via_fail(err, VIA_EDEVICE, "injected failure (VIA_DEVICE_FAIL)");
}

static void dev_fail(farm_dev *d, const via_error *why) {
    if (atomic_exchange(&d->failed, 1)) return;
    char l[200];
    log_line(d->farm,
             "device %s failed: %s; left out, its work goes to the remaining devices or the CPU",
             dev_label(d, l, sizeof l), why->msg[0] ? why->msg : "device error");
}

static const resident *find_resident(const farm_dev *d, const void *h, size_t bytes) {
    for (size_t i = 0; i < d->nres; i++) {
        const char *lo = d->res[i].h, *p = h;
        if (p >= lo && p + bytes <= lo + d->res[i].bytes) return &d->res[i];
    }
    return NULL;
}

static size_t dev_avail(const farm_dev *d) {
    size_t used = d->resident_bytes + d->table_bytes;
    return d->budget > used ? d->budget - used : 0;
}

static int raw_msm(farm_dev *d, int g2, void *out, const void *bases, const via_scalar *sc,
                   size_t n, via_error *err) {
    int rc = take_injected(d, err);
    if (rc) return rc;
    size_t bsize = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    const resident *r = find_resident(d, bases, n * bsize);
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

static int cpu_msm(int g2, void *out, const void *bases, const via_scalar *sc, size_t n,
                   via_error *err) {
    return g2 ? via_host_msm_g2(VIA_BACKEND_CPU, out, bases, sc, n, err)
              : via_host_msm_g1(VIA_BACKEND_CPU, out, bases, sc, n, err);
}

/* Device memory an MSM of k points from `bases` takes on d, and whether it fits. */
static int msm_fits(const farm_dev *d, int g2, const void *bases, size_t k, size_t *need) {
    size_t bsize = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    size_t psize = g2 ? sizeof(via_g2) : sizeof(via_g1);
    size_t largest;
    int res = find_resident(d, bases, k * bsize) != NULL;
    *need = via_msm_plan_device_bytes(k, bsize, psize, res, &largest);
    return *need <= dev_avail(d) && largest <= d->max_alloc;
}

/* The first healthy device from d on (wrapping), or NULL. */
static farm_dev *healthy_from(via_host_farm *f, farm_dev *d) {
    for (size_t k = 0; k < f->n; k++) {
        farm_dev *e = &f->dev[(d->slot + k) % f->n];
        if (!atomic_load(&e->failed)) return e;
    }
    return NULL;
}

static size_t healthy_count(via_host_farm *f) {
    size_t c = 0;
    for (size_t i = 0; i < f->n; i++)
        c += !atomic_load(&f->dev[i].failed);
    return c;
}

/* One MSM (or part) on d with the failure rule: a device failure reruns it on the CPU. */
static int msm_on(farm_dev *d, int g2, void *out, const void *bases, const via_scalar *sc, size_t n,
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
        dev_fail(d, &e);
        return cpu_msm(g2, out, bases, sc, n, err);
    }
    if (rc && err) *err = e;
    return rc;
}

typedef struct {
    via_host_farm *f;
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
    farm_dev *d;
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
static int msm_split(via_host_farm *f, farm_dev *d, int g2, void *out, const void *bases,
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
        farm_dev *e = &f->dev[i];
        size_t need;
        if (e == d || atomic_load(&e->failed)) continue;
        pthread_mutex_lock(&e->lock);
        int fits = msm_fits(e, g2, bases, part_len, &need);
        pthread_mutex_unlock(&e->lock);
        if (fits) ws[nw++] = (split_worker){&j, e};
    }
    if (f->verbose) {
        char l[200];
        log_line(f, "MSM of %zu points on %s: %zu parts of %zu points over %zu device%s", n,
                 dev_label(d, l, sizeof l), nparts, part_len, nw, nw == 1 ? "" : "s");
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
        rc =
            cpu_msm(g2, j.results + k * psize, (const char *)bases + lo * bsize, sc + lo, len, err);
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

static int farm_msm(farm_dev *d0, int g2, void *out, const void *bases, const via_scalar *sc,
                    size_t n, via_error *err) {
    via_host_farm *f = d0->farm;
    if (g2)
        via_g2_set_inf(out);
    else
        via_g1_set_inf(out);
    if (n == 0) return VIA_OK;
    farm_dev *d = healthy_from(f, d0);
    if (!d) return cpu_msm(g2, out, bases, sc, n, err);
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
    size_t avail = dev_avail(d), max_alloc = d->max_alloc;
    pthread_mutex_unlock(&d->lock);
    if (k == 0 || !one_fits) {
        char l[200];
        return via_fail(err, VIA_ENOMEM,
                        "device %s: an MSM of %zu %s points needs %zu bytes of device memory and "
                        "even a part of 1 point needs %zu bytes, but %zu bytes are available "
                        "(%s, less %zu bytes of resident key and tables; largest allocation "
                        "%zu bytes)",
                        dev_label(d, l, sizeof l), n, g2 ? "G2" : "G1", need_all, need_one, avail,
                        d->budget_src, d->resident_bytes + d->table_bytes, max_alloc);
    }
    size_t nparts = (n + k - 1) / k;
    size_t healthy = healthy_count(f);
    if (nparts == 1 && atomic_load(&f->spread) && healthy > 1 && n >= 2 * healthy) nparts = healthy;
    if (nparts == 1) return msm_on(d, g2, out, bases, sc, n, 0, err);
    return msm_split(f, d, g2, out, bases, sc, n, nparts, err);
}

static int cb_msm_g1(void *ctx, via_g1 *out, const via_g1_affine *bases, const via_scalar *sc,
                     size_t n, via_error *err) {
    return farm_msm(ctx, 0, out, bases, sc, n, err);
}

static int cb_msm_g2(void *ctx, via_g2 *out, const via_g2_affine *bases, const via_scalar *sc,
                     size_t n, via_error *err) {
    return farm_msm(ctx, 1, out, bases, sc, n, err);
}

int via_host_farm_msm_g1(via_host_farm *f, size_t dev, via_g1 *out, const via_g1_affine *bases,
                         const via_scalar *scalars, size_t n, via_error *err) {
    assert(f && out && dev < f->n);
    return farm_msm(&f->dev[dev], 0, out, bases, scalars, n, err);
}

int via_host_farm_msm_g2(via_host_farm *f, size_t dev, via_g2 *out, const via_g2_affine *bases,
                         const via_scalar *scalars, size_t n, via_error *err) {
    assert(f && out && dev < f->n);
    return farm_msm(&f->dev[dev], 1, out, bases, scalars, n, err);
}

/* ---- H computation and coset NTT ---- */

static int raw_coset(farm_dev *d, via_fr *a, unsigned log2n, via_error *err) {
    int rc = take_injected(d, err);
    if (rc) return rc;
#ifdef VIA_HAVE_OPENCL
    if (d->backend == VIA_BACKEND_OPENCL) return via_cl_ntt(d->cl, a, log2n, VIA_CL_NTT_COSET, err);
#endif
#ifdef VIA_HAVE_CUDA
    if (d->backend == VIA_BACKEND_CUDA) {
        via_cuda_config cfg = {NULL, 0, (int)d->index, NULL};
        return via_cuda_ntt(&cfg, a, log2n, VIA_CUDA_NTT_COSET, err);
    }
#endif
    (void)a;
    (void)log2n;
    return via_fail(err, VIA_EUNSUPPORTED, "backend not built");
}

static int raw_h(farm_dev *d, via_fr *a, const via_fr *b, unsigned log2n, via_error *err) {
    int rc = take_injected(d, err);
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
static size_t cached_tables(const farm_dev *d, size_t vec) {
    return d->backend == VIA_BACKEND_OPENCL ? 2 * vec : 0;
}

/* Need of one coset transform (two vectors and the tables) and of the resident H
 * computation (four vectors and the tables), less tables already cached. */
static void h_needs(const farm_dev *d, unsigned log2n, size_t *coset, size_t *whole) {
    size_t vec = ((size_t)1 << log2n) * sizeof(via_fr);
    size_t tables = 2 * vec;
    if (d->backend == VIA_BACKEND_OPENCL && d->table_bytes >= tables) tables = 0;
    *coset = 2 * vec + tables;
    *whole = 4 * vec + tables;
}

static void note_tables(farm_dev *d, unsigned log2n) {
    size_t t = cached_tables(d, ((size_t)1 << log2n) * sizeof(via_fr));
    if (t > d->table_bytes) d->table_bytes = t;
}

static int dev_coset_locked(farm_dev *d, via_fr *a, unsigned log2n, via_error *err) {
    pthread_mutex_lock(&d->lock);
    int rc = via_fail(err, VIA_EDEVICE, "device already left out");
    if (!atomic_load(&d->failed)) {
        rc = raw_coset(d, a, log2n, err);
        if (!rc) note_tables(d, log2n);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static int h_no_room(farm_dev *d, unsigned log2n, size_t need, via_error *err) {
    char l[200];
    return via_fail(err, VIA_ENOMEM,
                    "device %s: the H computation of 2^%u needs at least %zu bytes of device "
                    "memory (one coset transform), but %zu bytes are available (%s, less %zu "
                    "bytes of resident key and tables)",
                    dev_label(d, l, sizeof l), log2n, need, dev_avail(d), d->budget_src,
                    d->resident_bytes + d->table_bytes);
}

static int cb_coset(void *ctx, via_fr *a, unsigned log2n, via_error *err) {
    farm_dev *d = healthy_from(((farm_dev *)ctx)->farm, ctx);
    if (!d) return via_host_ntt(VIA_BACKEND_CPU, a, log2n, VIA_HOST_NTT_COSET, err);
    size_t coset, whole, vec = ((size_t)1 << log2n) * sizeof(via_fr);
    pthread_mutex_lock(&d->lock);
    h_needs(d, log2n, &coset, &whole);
    int fits = coset <= dev_avail(d) && vec <= d->max_alloc;
    pthread_mutex_unlock(&d->lock);
    if (!fits) return h_no_room(d, log2n, coset, err);
    /* a failed transform may have written part of a: keep a copy to rerun from */
    via_fr *copy = via_malloc_big(vec);
    if (!copy) return via_fail(err, VIA_ENOMEM, "coset transform copy of 2^%u", log2n);
    memcpy(copy, a, vec);
    via_error e = {0};
    int rc = dev_coset_locked(d, a, log2n, &e);
    if (rc == VIA_EDEVICE) {
        dev_fail(d, &e);
        memcpy(a, copy, vec);
        rc = via_host_ntt(VIA_BACKEND_CPU, a, log2n, VIA_HOST_NTT_COSET, err);
    } else if (rc && err) {
        *err = e;
    }
    via_free_big(copy);
    return rc;
}

/* H with the three coset transforms on the device one at a time (two vectors of device
 * memory instead of four); the element-wise steps are groth16.c's arithmetic on the host. */
static int h_by_cosets(farm_dev *d, via_fr *a, const via_fr *bv, unsigned log2n, via_error *err) {
    via_groth16_backend be = {0};
    be.coset = cb_coset;
    be.ctx = d;
    be.name = "device cosets";
    return via_groth16_h_cosets(&be, a, bv, log2n, err);
}

static int cb_h(void *ctx, via_fr *a, const via_fr *b, unsigned log2n, via_error *err) {
    farm_dev *d = healthy_from(((farm_dev *)ctx)->farm, ctx);
    if (!d) return via_host_groth16_h(VIA_BACKEND_CPU, a, b, log2n, err);
    size_t coset, whole, vec = ((size_t)1 << log2n) * sizeof(via_fr);
    pthread_mutex_lock(&d->lock);
    h_needs(d, log2n, &coset, &whole);
    size_t avail = dev_avail(d);
    int per_buffer = vec <= d->max_alloc;
    pthread_mutex_unlock(&d->lock);
    if (!per_buffer || coset > avail) return h_no_room(d, log2n, coset, err);
    if (whole > avail) return h_by_cosets(d, a, b, log2n, err);
    via_fr *copy = via_malloc_big(vec);
    if (!copy) return via_fail(err, VIA_ENOMEM, "H computation copy of 2^%u", log2n);
    memcpy(copy, a, vec);
    via_error e = {0};
    pthread_mutex_lock(&d->lock);
    int rc = via_fail(&e, VIA_EDEVICE, "device already left out");
    if (!atomic_load(&d->failed)) {
        rc = raw_h(d, a, b, log2n, &e);
        if (!rc) note_tables(d, log2n);
    }
    pthread_mutex_unlock(&d->lock);
    if (rc == VIA_EDEVICE) {
        dev_fail(d, &e);
        memcpy(a, copy, vec);
        rc = via_host_groth16_h(VIA_BACKEND_CPU, a, b, log2n, err);
    } else if (rc && err) {
        *err = e;
    }
    via_free_big(copy);
    return rc;
}

/* ---- open / close ---- */

static void release_resident(farm_dev *d) {
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
                log_line(d->farm, "device %s: freeing the resident key failed: %s",
                         dev_label(d, l, sizeof l), e.msg);
        }
#endif
    }
    d->nres = 0;
    d->resident_bytes = 0;
}

void via_host_farm_close(via_host_farm *f) {
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        farm_dev *d = &f->dev[i];
        release_resident(d);
#ifdef VIA_HAVE_OPENCL
        if (d->cl) via_cl_close(d->cl);
#endif
        pthread_mutex_destroy(&d->lock);
    }
    free(f->dev);
    pthread_mutex_destroy(&f->log_lock);
    free(f);
}

static int open_dev(via_host_farm *f, farm_dev *d, via_error *err) {
    char bus[64];
    int is_gpu;
    if (device_info(d->backend, d->index, d->name, sizeof d->name, bus, sizeof bus, &is_gpu))
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
    d->be = (via_groth16_backend){cb_coset, cb_msm_g1, cb_msm_g2,
                                  cb_h,     d,         via_host_backend_name(d->backend)};
    if (!d->loc.known) {
        char l[200], line[240];
        via_host_locality_line(line, sizeof line, &d->loc);
        log_line(f, "device %s: %s", dev_label(d, l, sizeof l), line);
    }
    return VIA_OK;
}

int via_host_farm_open(via_host_farm **out, via_backend b, const unsigned *idx, size_t n, FILE *log,
                       via_error *err) {
    assert(out && (n == 0 || idx));
    *out = NULL;
    if (b == VIA_BACKEND_CPU) n = 0;
    if (n > VIA_HOST_MAX_DEVICES)
        return via_fail(err, VIA_EINVAL, "%zu devices is more than %d", n, VIA_HOST_MAX_DEVICES);
    via_host_farm *f = calloc(1, sizeof(*f));
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
        farm_dev *d = &f->dev[i];
        d->farm = f;
        d->slot = i;
        d->backend = b;
        d->index = idx[i];
        pthread_mutex_init(&d->lock, NULL);
        atomic_init(&d->failed, 0);
        f->n = i + 1;
        via_error e = {0};
        if ((rc = open_dev(f, d, &e)) == VIA_EDEVICE) {
            /* a device that cannot start is left out like one that fails later */
            dev_fail(d, &e);
            rc = VIA_OK;
        } else if (rc) {
            if (err) *err = e;
            break;
        }
    }
    if (!rc) rc = read_fail_env(f, err);
    if (rc) {
        via_host_farm_close(f);
        return rc;
    }
    *out = f;
    return VIA_OK;
}

size_t via_host_farm_size(const via_host_farm *f) {
    return f->n;
}

void via_host_farm_stats(const via_host_farm *f, size_t dev, via_host_device_stats *out) {
    assert(f && out && dev < f->n);
    farm_dev *d = &f->dev[dev];
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

/* ---- the key ---- */

static int upload(farm_dev *d, void **dp, const void *h, size_t bytes, via_error *err) {
    int rc = take_injected(d, err);
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

int via_host_farm_load_key(via_host_farm *f, const via_groth16_pk *pk, via_error *err) {
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
        farm_dev *d = &f->dev[i];
        if (atomic_load(&d->failed)) continue;
        pthread_mutex_lock(&d->lock);
        release_resident(d);
        /* what one proof needs besides the key: the whole H computation, or the largest MSM
         * working set with its bases resident */
        size_t coset, reserve;
        h_needs(d, pk->log2n, &coset, &reserve);
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
            dev_fail(d, &e);
        } else if (rc) {
            *err = e;
            return rc;
        }
        if (f->verbose && !atomic_load(&d->failed)) {
            char l[200];
            log_line(f, "device %s: %zu of %zu key sections resident (%zu bytes of %zu)",
                     dev_label(d, l, sizeof l), d->nres, (size_t)5, d->resident_bytes, d->budget);
        }
    }
    return VIA_OK;
}

/* ---- batches ---- */

typedef struct {
    via_host_farm *f;
    farm_dev *d;
    const via_groth16_pk *pk;
    via_host_job *jobs;
    size_t njobs;
    atomic_size_t *next;
    const via_groth16_prove_opts *base;
} prove_worker;

static void prove_one(via_host_job *job, const via_groth16_pk *pk,
                      const via_groth16_prove_opts *base, const via_groth16_backend *be,
                      int progress) {
    via_groth16_prove_opts o = {NULL, NULL, NULL, be};
    if (base) {
        o.test_blinding = base->test_blinding;
        if (progress) {
            o.progress = base->progress;
            o.progress_ctx = base->progress_ctx;
        }
    }
    job->err.msg[0] = 0;
    job->rc = via_groth16_prove(&job->proof, pk, job->w, job->nw, &o, &job->err);
}

static void *prove_main(void *p) {
    prove_worker *w = p;
    if (w->d->loc.known) via_host_pin_thread(&w->d->loc);
    while (!atomic_load(&w->d->failed)) {
        size_t j = atomic_fetch_add(w->next, 1);
        if (j >= w->njobs) break;
        w->jobs[j].device = (int)w->d->slot;
        prove_one(&w->jobs[j], w->pk, w->base, &w->d->be, w->njobs == 1);
        pthread_mutex_lock(&w->d->lock);
        w->d->jobs++;
        pthread_mutex_unlock(&w->d->lock);
    }
    return NULL;
}

int via_host_farm_prove(via_host_farm *f, const via_groth16_pk *pk, via_host_job *jobs,
                        size_t njobs, const via_groth16_prove_opts *base, via_error *err) {
    assert(f && pk && (njobs == 0 || jobs));
    atomic_size_t next;
    atomic_init(&next, 0);
    for (size_t j = 0; j < njobs; j++) {
        jobs[j].rc = VIA_OK;
        jobs[j].device = -1;
    }
    size_t healthy = healthy_count(f);
    atomic_store(&f->spread, njobs == 1 && healthy > 1);
    prove_worker *ws = calloc(f->n ? f->n : 1, sizeof(*ws));
    pthread_t *th = calloc(f->n ? f->n : 1, sizeof(*th));
    unsigned char *started = calloc(f->n ? f->n : 1, 1);
    via_host_locality *locs = calloc(f->n ? f->n : 1, sizeof(*locs));
    if (!ws || !th || !started || !locs) {
        free(ws);
        free(th);
        free(started);
        free(locs);
        return via_fail(err, VIA_ENOMEM, "batch of %zu proofs", njobs);
    }
    for (size_t i = 0; i < f->n; i++) {
        locs[i] = f->dev[i].loc;
        if (atomic_load(&f->dev[i].failed)) continue;
        ws[i] = (prove_worker){f, &f->dev[i], pk, jobs, njobs, &next, base};
        started[i] = pthread_create(&th[i], NULL, prove_main, &ws[i]) == 0;
    }
    /* the CPU work of this thread (jobs no device takes) goes to the cores no device claims */
    via_host_binding saved;
    via_host_binding_save(&saved);
    char rest[160];
    if (via_host_pin_thread_outside(locs, f->n, rest, sizeof rest) == 0 && f->verbose)
        log_line(f, "CPU work pinned to cores %s", rest);
    for (size_t i = 0; i < f->n; i++)
        if (started[i]) pthread_join(th[i], NULL);
    size_t j;
    while ((j = atomic_fetch_add(&next, 1)) < njobs)
        prove_one(&jobs[j], pk, base, NULL, njobs == 1);
    via_host_binding_restore(&saved);
    atomic_store(&f->spread, 0);
    free(ws);
    free(th);
    free(started);
    free(locs);
    for (j = 0; j < njobs; j++)
        if (jobs[j].rc)
            return via_fail(err, jobs[j].rc, "proof %zu: %s", j + 1,
                            jobs[j].err.msg[0] ? jobs[j].err.msg : via_strerror(jobs[j].rc));
    return VIA_OK;
}
