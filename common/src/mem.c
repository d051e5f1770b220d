#include "via/mem.h"

#include <stdlib.h>
#include <string.h>

void via_wipe(void *p, size_t n) {
    if (!p) return;
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--)
        *v++ = 0;
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

void via_wipe_free(void *p, size_t n) {
    if (!p) return;
    via_wipe(p, n);
    free(p);
}

void *via_secure_realloc(void *p, size_t old_n, size_t new_n) {
    void *q = malloc(new_n ? new_n : 1);
    if (!q) return NULL;
    if (p) {
        memcpy(q, p, old_n < new_n ? old_n : new_n);
        via_wipe_free(p, old_n);
    }
    return q;
}
