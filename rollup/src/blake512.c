/*
 * BLAKE-512 as specified in "SHA-3 proposal BLAKE" (version 1.3). Blocks are compressed as
 * soon as they fill; the final call pads the rest. The counter handed to the compression of
 * a block is the number of message bits up to and including that block, except that a final
 * block holding padding only gets counter 0, as the specification requires.
 */
#include "via/blake512.h"

#include <assert.h>
#include <string.h>

#include "via/field.h" /* via_wipe */

static const uint64_t blake_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

/* The first digits of pi. */
static const uint64_t blake_c[16] = {
    0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL,
    0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL, 0xc0ac29b7c97c50ddULL, 0x3f84d5b5b5470917ULL,
    0x9216d5d98979fb1bULL, 0xd1310ba698dfb5acULL, 0x2ffd72dbd01adfb7ULL, 0xb8e1afed6a267e96ULL,
    0xba7c9045f12c7f99ULL, 0x24a19947b3916cf7ULL, 0x0801f2e2858efc16ULL, 0x636920d871574e69ULL};

static const uint8_t blake_sigma[10][16] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                                            {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
                                            {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
                                            {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
                                            {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
                                            {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
                                            {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
                                            {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
                                            {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
                                            {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0}};

static inline uint64_t rotr64(uint64_t x, unsigned n) {
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load_be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline void store_be64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void compress(uint64_t h[8], const uint8_t block[128], uint64_t t0, uint64_t t1) {
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++)
        m[i] = load_be64(block + 8 * i);
    for (int i = 0; i < 8; i++)
        v[i] = h[i];
    for (int i = 0; i < 4; i++)
        v[8 + i] = blake_c[i]; /* salt is zero */
    v[12] = t0 ^ blake_c[4];
    v[13] = t0 ^ blake_c[5];
    v[14] = t1 ^ blake_c[6];
    v[15] = t1 ^ blake_c[7];
#define VIA_BLAKE_G(a, b, c, d, i)                                                                 \
    do {                                                                                           \
        const uint8_t *s_ = blake_sigma[r % 10];                                                   \
        v[a] += v[b] + (m[s_[2 * (i)]] ^ blake_c[s_[2 * (i) + 1]]);                                \
        v[d] = rotr64(v[d] ^ v[a], 32);                                                            \
        v[c] += v[d];                                                                              \
        v[b] = rotr64(v[b] ^ v[c], 25);                                                            \
        v[a] += v[b] + (m[s_[2 * (i) + 1]] ^ blake_c[s_[2 * (i)]]);                                \
        v[d] = rotr64(v[d] ^ v[a], 16);                                                            \
        v[c] += v[d];                                                                              \
        v[b] = rotr64(v[b] ^ v[c], 11);                                                            \
    } while (0)
    for (unsigned r = 0; r < 16; r++) {
        VIA_BLAKE_G(0, 4, 8, 12, 0);
        VIA_BLAKE_G(1, 5, 9, 13, 1);
        VIA_BLAKE_G(2, 6, 10, 14, 2);
        VIA_BLAKE_G(3, 7, 11, 15, 3);
        VIA_BLAKE_G(0, 5, 10, 15, 4);
        VIA_BLAKE_G(1, 6, 11, 12, 5);
        VIA_BLAKE_G(2, 7, 8, 13, 6);
        VIA_BLAKE_G(3, 4, 9, 14, 7);
    }
#undef VIA_BLAKE_G
    for (int i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
    via_wipe(m, sizeof m);
    via_wipe(v, sizeof v);
}

void via_blake512_init(via_blake512_ctx *ctx) {
    assert(ctx);
    memcpy(ctx->h, blake_iv, sizeof blake_iv);
    ctx->bits_lo = ctx->bits_hi = 0;
    ctx->buflen = 0;
}

static void add_bits(via_blake512_ctx *ctx, uint64_t bits) {
    ctx->bits_lo += bits;
    if (ctx->bits_lo < bits) ctx->bits_hi++;
}

void via_blake512_update(via_blake512_ctx *ctx, const void *data, size_t len) {
    assert(ctx && (data || len == 0));
    const uint8_t *p = data;
    while (len > 0) {
        size_t take = VIA_BLAKE512_BLOCK - ctx->buflen;
        if (take > len) take = len;
        memcpy(ctx->buf + ctx->buflen, p, take);
        ctx->buflen += take;
        p += take;
        len -= take;
        if (ctx->buflen == VIA_BLAKE512_BLOCK) {
            add_bits(ctx, 1024);
            compress(ctx->h, ctx->buf, ctx->bits_lo, ctx->bits_hi);
            ctx->buflen = 0;
        }
    }
}

void via_blake512_final(via_blake512_ctx *ctx, uint8_t out[VIA_BLAKE512_DIGEST]) {
    assert(ctx && out);
    size_t n = ctx->buflen;
    add_bits(ctx, (uint64_t)n * 8);
    uint8_t lenbytes[16];
    store_be64(lenbytes, ctx->bits_hi);
    store_be64(lenbytes + 8, ctx->bits_lo);
    uint8_t block[VIA_BLAKE512_BLOCK];
    memset(block, 0, sizeof block);
    memcpy(block, ctx->buf, n);
    block[n] = 0x80;
    if (n <= 111) {
        block[111] |= 0x01;
        memcpy(block + 112, lenbytes, 16);
        /* a block without message bits (n == 0) is compressed with counter 0 */
        uint64_t t0 = n ? ctx->bits_lo : 0, t1 = n ? ctx->bits_hi : 0;
        compress(ctx->h, block, t0, t1);
    } else {
        compress(ctx->h, block, ctx->bits_lo, ctx->bits_hi);
        memset(block, 0, sizeof block);
        block[111] = 0x01;
        memcpy(block + 112, lenbytes, 16);
        compress(ctx->h, block, 0, 0);
    }
    for (int i = 0; i < 8; i++)
        store_be64(out + 8 * i, ctx->h[i]);
    via_wipe(block, sizeof block);
    via_wipe(ctx, sizeof *ctx);
}

void via_blake512(uint8_t out[VIA_BLAKE512_DIGEST], const void *data, size_t len) {
    via_blake512_ctx ctx;
    via_blake512_init(&ctx);
    via_blake512_update(&ctx, data, len);
    via_blake512_final(&ctx, out);
}
