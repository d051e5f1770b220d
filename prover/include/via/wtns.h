/*
 * circom/snarkjs witness files (.wtns version 2, docs/sources.md: wtns):
 * section 1 = n8 (u32, 32) | prime (32 bytes LE, BN254 r) | nWitness (u32);
 * section 2 = nWitness values of 32 bytes, canonical (non-Montgomery) LE integers < r.
 *
 * Section 2 is read straight into an aligned buffer that is then an array of via_scalar
 * (msm.h): the file layout is the in-memory layout on a little-endian host. Every value is
 * checked to be < r.
 */
#ifndef VIA_PROVER_WTNS_H
#define VIA_PROVER_WTNS_H
#include <stdint.h>
#include <stdio.h>

#include "via/status.h"
#include "via/msm.h"

/* A witness longer than this is rejected (2^31 values, 64 GiB). */
#define VIA_WTNS_MAX_VALUES ((uint32_t)1 << 31)

typedef struct {
    uint32_t n;         /* number of values, w[0] is the constant 1 */
    via_scalar *values; /* via_malloc_big buffer of n values, owned */
} via_wtns;

/* Reads and validates a .wtns (versions 1 and 2 share this layout). On failure *w is empty and
 * err says what is wrong where. */
VIA_MUST_USE int via_wtns_read(via_wtns *w, const char *path, via_error *err);
VIA_MUST_USE int via_wtns_read_mem(via_wtns *w, const char *name, const uint8_t *data, size_t len,
                                   via_error *err);
/* Writes version 2 with sections 1, 2, as snarkjs does. Values must be < r (checked). */
VIA_MUST_USE int via_wtns_write(const via_scalar *values, uint32_t n, const char *path,
                                via_error *err);
void via_wtns_free(via_wtns *w);
void via_wtns_describe(const via_wtns *w, FILE *out);
#endif
