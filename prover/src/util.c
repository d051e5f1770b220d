#include "via/runtime.h"
#include "via/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void *via_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "via: out of memory allocating %zu bytes\n", n);
        abort();
    }
    return p;
}

void *via_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "via: out of memory allocating %zu x %zu bytes\n", n, size);
        abort();
    }
    return p;
}

void via_xfree(void *p) { free(p); }

void *via_malloc_big(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 64)) return NULL;
    return p;
}

void via_free_big(void *p) { free(p); }

static unsigned g_threads;

void via_set_threads(unsigned n) { g_threads = n; }

unsigned via_get_threads(void) {
    if (g_threads) return g_threads;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (unsigned)c : 1;
}

typedef struct {
    via_range_fn fn;
    void *arg;
    size_t begin, end;
    unsigned worker;
} range_job;

static void *range_main(void *p) {
    range_job *j = p;
    j->fn(j->arg, j->begin, j->end, j->worker);
    return NULL;
}

void via_parallel_for(size_t n, size_t min_chunk, via_range_fn fn, void *arg) {
    if (n == 0) return;
    unsigned t = via_get_threads();
    if (min_chunk == 0) min_chunk = 1;
    if ((size_t)t > (n + min_chunk - 1) / min_chunk) t = (unsigned)((n + min_chunk - 1) / min_chunk);
    if (t <= 1) {
        fn(arg, 0, n, 0);
        return;
    }
    range_job *jobs = via_xcalloc(t, sizeof *jobs);
    pthread_t *th = via_xcalloc(t, sizeof *th);
    size_t step = n / t, extra = n % t, pos = 0;
    for (unsigned i = 0; i < t; i++) {
        size_t len = step + (i < extra ? 1 : 0);
        jobs[i] = (range_job){fn, arg, pos, pos + len, i};
        pos += len;
    }
    unsigned started = 1;
    for (unsigned i = 1; i < t; i++) {
        if (pthread_create(&th[i], NULL, range_main, &jobs[i]) != 0) break;
        started++;
    }
    /* Ranges whose thread could not start run here, so the loop always completes. */
    range_main(&jobs[0]);
    for (unsigned i = started; i < t; i++) range_main(&jobs[i]);
    for (unsigned i = 1; i < started; i++) pthread_join(th[i], NULL);
    via_xfree(jobs);
    via_xfree(th);
}

double via_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void via_free_big_wipe(void *p, size_t n) {
    if (!p) return;
    via_wipe(p, n);
    via_free_big(p);
}
