/* Small shared helpers of the proving library: checked allocation, thread count, timing. */
#ifndef VIA_PROVER_UTIL_H
#define VIA_PROVER_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* malloc/calloc that abort with a message on exhaustion: used only for bookkeeping sizes.
 * Big buffers (points, witness, NTT vectors) use via_malloc_big and report failures. */
void *via_xmalloc(size_t n);
void *via_xcalloc(size_t n, size_t size);
void via_xfree(void *p);
/* Cache-line aligned allocation; NULL on failure (n == 0 gives a valid pointer). */
void *via_malloc_big(size_t n);
void via_free_big(void *p);
/* via_free_big after wiping the n bytes at p (buffers derived from a witness or a secret). */
void via_free_big_wipe(void *p, size_t n);

/* Worker threads for parallel loops: 0 means all online cores. */
void via_set_threads(unsigned n);
unsigned via_get_threads(void);

/* Run fn(arg, i) for i in [0, n) split into contiguous ranges over the worker threads. */
typedef void (*via_range_fn)(void *arg, size_t begin, size_t end, unsigned worker);
void via_parallel_for(size_t n, size_t min_chunk, via_range_fn fn, void *arg);

double via_now_seconds(void);
#endif
