/*
 * BLAKE-512: the SHA-3 finalist by Aumasson, Henzen, Meier and Phan (16 rounds of the
 * ChaCha-like G function on 64-bit words, big-endian message words, 128-bit bit counter).
 * This is NOT BLAKE2b. circomlibjs derives EdDSA keys and nonces with it (npm blake-hash,
 * "blake512"), so EdDSA-Poseidon compatibility needs exactly this function.
 *
 * Salt is fixed to zero (the only form anyone uses). Messages may be up to 2^64 - 1 bytes.
 * Constant-time in the message contents (it hashes secret keys); the length is public.
 */
#ifndef VIA_PROVER_BLAKE512_H
#define VIA_PROVER_BLAKE512_H

#include <stddef.h>
#include <stdint.h>

#define VIA_BLAKE512_DIGEST 64
#define VIA_BLAKE512_BLOCK 128

typedef struct {
    uint64_t h[8];
    uint64_t bits_lo, bits_hi; /* message bits compressed so far */
    uint8_t buf[VIA_BLAKE512_BLOCK];
    size_t buflen;
} via_blake512_ctx;

void via_blake512_init(via_blake512_ctx *ctx);
void via_blake512_update(via_blake512_ctx *ctx, const void *data, size_t len);
/* Writes the 64-byte digest and wipes the context. */
void via_blake512_final(via_blake512_ctx *ctx, uint8_t out[VIA_BLAKE512_DIGEST]);
/* One call: out = BLAKE-512(data[0..len-1]). */
void via_blake512(uint8_t out[VIA_BLAKE512_DIGEST], const void *data, size_t len);

#endif
