/* Memory that held secrets: a wipe the compiler cannot drop. */
#ifndef VIA_MEM_H
#define VIA_MEM_H
#include <stddef.h>

/* Overwrites n bytes at p with zeros; kept by the compiler (volatile stores and a barrier
 * that makes the zeroed memory observed). p may be NULL when n is 0. */
void via_wipe(void *p, size_t n);

/* free() after wiping n bytes; p may be NULL. */
void via_wipe_free(void *p, size_t n);

/* realloc() for buffers that hold secrets: the new block is allocated, the old contents
 * copied, the old block wiped and freed, so no secret is left in freed memory. On failure
 * returns NULL and leaves p as it was (not freed). */
void *via_secure_realloc(void *p, size_t old_n, size_t new_n);
#endif
