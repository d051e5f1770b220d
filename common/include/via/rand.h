/* The OS CSPRNG (getrandom), the only source of secrets in Via. */
#ifndef VIA_RAND_H
#define VIA_RAND_H
#include <stddef.h>
#include <stdint.h>

#include "via/status.h"

/* Fills n bytes from getrandom, retrying short reads and EINTR. On failure out is wiped and
 * VIA_ERANDOM returned with the OS reason. */
VIA_MUST_USE int via_os_random(void *out, size_t n, via_error *err);
#endif
