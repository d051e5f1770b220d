/*
 * BLAKE2b as specified in RFC 7693 (sections 2 and 3): 12 rounds of the G mixing function
 * over a 16-word working vector, little-endian message words, the last block flagged by
 * inverting v[14]. The final block is held back in ctx->buf until via_blake2b_final so
 * that an input that is an exact multiple of 128 bytes still gets its last-block flag.
 */
#include "via/blake2b.h"

#include <assert.h>
#include <string.h>

#include "via/field.h" /* via_wipe */

static const uint64_t blake2b_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr64(uint64_t x, unsigned n) {
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64_le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define G(a, b, c, d, x, y)                                                                        \
    do {                                                                                           \
        v[a] = v[a] + v[b] + (x);                                                                  \
        v[d] = rotr64(v[d] ^ v[a], 32);                                                            \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = rotr64(v[b] ^ v[c], 24);                                                            \
        v[a] = v[a] + v[b] + (y);                                                                  \
        v[d] = rotr64(v[d] ^ v[a], 16);                                                            \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = rotr64(v[b] ^ v[c], 63);                                                            \
    } while (0)

static void blake2b_compress(via_blake2b_ctx *ctx, const uint8_t block[128], int last) {
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++)
        m[i] = load64_le(block + 8 * i);
    for (int i = 0; i < 8; i++) {
        v[i] = ctx->h[i];
        v[i + 8] = blake2b_iv[i];
    }
    v[12] ^= ctx->t[0];
    v[13] ^= ctx->t[1];
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = blake2b_sigma[r];
        G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++)
        ctx->h[i] ^= v[i] ^ v[i + 8];
    via_wipe(m, sizeof m);
    via_wipe(v, sizeof v);
}

static void blake2b_count(via_blake2b_ctx *ctx, uint64_t n) {
    ctx->t[0] += n;
    if (ctx->t[0] < n) ctx->t[1]++;
}

void via_blake2b_init_key(via_blake2b_ctx *ctx, size_t outlen, const void *key, size_t keylen) {
    assert(ctx != NULL);
    assert(outlen >= 1 && outlen <= VIA_BLAKE2B_OUTBYTES);
    assert(keylen <= VIA_BLAKE2B_KEYBYTES && (keylen == 0 || key != NULL));
    memset(ctx, 0, sizeof *ctx);
    for (int i = 0; i < 8; i++)
        ctx->h[i] = blake2b_iv[i];
    /* Parameter block word 0: digest length, key length, fanout 1, depth 1. */
    ctx->h[0] ^= 0x01010000ULL ^ ((uint64_t)keylen << 8) ^ (uint64_t)outlen;
    ctx->outlen = outlen;
    if (keylen > 0) {
        uint8_t block[VIA_BLAKE2B_BLOCKBYTES] = {0};
        memcpy(block, key, keylen);
        via_blake2b_update(ctx, block, sizeof block);
        via_wipe(block, sizeof block);
    }
}

void via_blake2b_update(via_blake2b_ctx *ctx, const void *data, size_t len) {
    const uint8_t *in = data;
    assert(ctx != NULL && (len == 0 || data != NULL));
    while (len > 0) {
        if (ctx->buflen == VIA_BLAKE2B_BLOCKBYTES) {
            /* More input follows, so the buffered block is not the last one. */
            blake2b_count(ctx, VIA_BLAKE2B_BLOCKBYTES);
            blake2b_compress(ctx, ctx->buf, 0);
            ctx->buflen = 0;
        }
        size_t take = VIA_BLAKE2B_BLOCKBYTES - ctx->buflen;
        if (take > len) take = len;
        memcpy(ctx->buf + ctx->buflen, in, take);
        ctx->buflen += take;
        in += take;
        len -= take;
    }
}

void via_blake2b_final(via_blake2b_ctx *ctx, uint8_t *out) {
    assert(ctx != NULL && out != NULL);
    blake2b_count(ctx, ctx->buflen);
    memset(ctx->buf + ctx->buflen, 0, VIA_BLAKE2B_BLOCKBYTES - ctx->buflen);
    blake2b_compress(ctx, ctx->buf, 1);
    uint8_t full[VIA_BLAKE2B_OUTBYTES];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            full[8 * i + j] = (uint8_t)(ctx->h[i] >> (8 * j));
    memcpy(out, full, ctx->outlen);
    via_wipe(full, sizeof full);
    via_wipe(ctx, sizeof *ctx);
}

void via_blake2b_512(uint8_t out[64], const void *data, size_t len) {
    via_blake2b_ctx ctx;
    via_blake2b_init(&ctx, 64);
    via_blake2b_update(&ctx, data, len);
    via_blake2b_final(&ctx, out);
}
