/*
 * Device pools, shared by the files of host/src (private): the devices --gpus selects, each
 * with its own context, memory budget, resident key sections, lock and (in a batch) host
 * thread. See via/host.h for the contract; the points that are easy to get wrong:
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
#ifndef VIA_HOST_POOL_INTERNAL_H
#define VIA_HOST_POOL_INTERNAL_H
#include "via/host.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "via/host_pin.h"

/* What CUDA keeps back from the free memory it reports: the context grows (streams, kernel
 * launch state), and cudaMalloc of the last few MiB fails on a fragmented heap. */
#define CUDA_RESERVE ((size_t)256 << 20)

typedef struct {
    const void *h; /* host array it mirrors */
    size_t bytes;
    void *d; /* device buffer (cl_mem for OpenCL, device pointer for CUDA) */
} resident;

typedef struct pool_dev {
    via_host_pool *pool;
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
} pool_dev;

struct via_host_pool {
    via_backend backend;
    size_t n;
    pool_dev *dev;
    FILE *log;
    pthread_mutex_t log_lock;
    int verbose;
    atomic_int spread; /* split MSMs over every healthy device even when they fit */
    size_t limit;      /* VIA_DEVICE_MEM_LIMIT, 0 when unset */
};

/* pool.c: logging, device state, open/close */
void pool_log(via_host_pool *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pool_dev_label(const pool_dev *d, char *buf, size_t len);
/* VIA_DEVICE_FAIL: the device's next operation fails once (caller holds d->lock). */
int pool_take_injected(pool_dev *d, via_error *err);
/* Marks d failed (once) and says so in the log. */
void pool_dev_fail(pool_dev *d, const via_error *why);
/* The first healthy device from d on (wrapping), or NULL; how many are healthy. */
pool_dev *pool_healthy_from(via_host_pool *f, pool_dev *d);
size_t pool_healthy_count(via_host_pool *f);

/* discovery.c: what "auto" picks (a CUDA device, else an OpenCL GPU, else the CPU); name,
 * PCI bus id and kind of device i of backend b, 0 when it exists. */
via_backend pool_auto_backend(void);
int pool_device_info(via_backend b, unsigned i, char *name, size_t name_len, char *bus,
                     size_t bus_len, int *is_gpu);

/* budget.c: bytes of d's budget not taken by the resident key and cached tables; the MSM
 * callbacks of the prover's backend interface; the CPU MSM fallback. */
size_t pool_dev_avail(const pool_dev *d);
int pool_cb_msm_g1(void *ctx, via_g1 *out, const via_g1_affine *bases, const via_scalar *sc,
                   size_t n, via_error *err);
int pool_cb_msm_g2(void *ctx, via_g2 *out, const via_g2_affine *bases, const via_scalar *sc,
                   size_t n, via_error *err);

/* h.c: device memory of one coset transform and of the whole resident H computation; the H
 * callbacks of the prover's backend interface. */
void pool_h_needs(const pool_dev *d, unsigned log2n, size_t *coset, size_t *whole);
int pool_cb_coset(void *ctx, via_fr *a, unsigned log2n, via_error *err);
int pool_cb_h(void *ctx, via_fr *a, const via_fr *b, unsigned log2n, via_error *err);

/* resident.c: the resident section holding [h, h + bytes), or NULL; frees them all. */
const resident *pool_find_resident(const pool_dev *d, const void *h, size_t bytes);
void pool_release_resident(pool_dev *d);
#endif
