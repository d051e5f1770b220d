/* Batch scheduling: one host thread per healthy device, pinned to the device's local cores,
 * takes proofs in turn; what no device takes runs on the calling thread, pinned to the cores
 * no device claims. */
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

typedef struct {
    via_host_pool *f;
    pool_dev *d;
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

int via_host_pool_prove(via_host_pool *f, const via_groth16_pk *pk, via_host_job *jobs,
                        size_t njobs, const via_groth16_prove_opts *base, via_error *err) {
    assert(f && pk && (njobs == 0 || jobs));
    atomic_size_t next;
    atomic_init(&next, 0);
    for (size_t j = 0; j < njobs; j++) {
        jobs[j].rc = VIA_OK;
        jobs[j].device = -1;
    }
    size_t healthy = pool_healthy_count(f);
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
        pool_log(f, "CPU work pinned to cores %s", rest);
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
