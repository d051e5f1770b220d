/*
 * BLAKE2b (RFC 7693), unkeyed and keyed, digest length 1..64 bytes.
 *
 * In-tree so that the proving core depends only on a C compiler and jansson. snarkjs hashes
 * every .zkey circuit (csHash) and every phase-2 contribution transcript with BLAKE2b-512;
 * the setup code reproduces those hashes byte for byte. The state can be copied by value
 * (snarkjs clones a running hasher when it checks a transcript).
 */
#ifndef VIA_PROVER_BLAKE2B_H
#define VIA_PROVER_BLAKE2B_H
#include <stddef.h>
#include <stdint.h>

#define VIA_BLAKE2B_OUTBYTES 64
#define VIA_BLAKE2B_KEYBYTES 64
#define VIA_BLAKE2B_BLOCKBYTES 128

typedef struct {
    uint64_t h[8];
    uint64_t t[2]; /* total bytes compressed so far (128-bit counter) */
    uint8_t buf[VIA_BLAKE2B_BLOCKBYTES];
    size_t buflen;
    size_t outlen;
} via_blake2b_ctx;

/* Starts a hash with outlen in [1, 64] and an optional key of keylen in [0, 64] bytes
 * (key may be NULL when keylen is 0). Sizes out of range are API misuse (assert). */
void via_blake2b_init_key(via_blake2b_ctx *ctx, size_t outlen, const void *key, size_t keylen);
static inline void via_blake2b_init(via_blake2b_ctx *ctx, size_t outlen) {
    via_blake2b_init_key(ctx, outlen, NULL, 0);
}
void via_blake2b_update(via_blake2b_ctx *ctx, const void *data, size_t len);
/* Writes ctx->outlen bytes to out and wipes the context. */
void via_blake2b_final(via_blake2b_ctx *ctx, uint8_t *out);
/* One-shot BLAKE2b-512 of data. */
void via_blake2b_512(uint8_t out[64], const void *data, size_t len);

#endif
