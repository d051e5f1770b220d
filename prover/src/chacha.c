#include "via/chacha.h"

#include <assert.h>
#include <string.h>

static inline uint32_t rotl32(uint32_t x, unsigned n) {
    return (x << n) | (x >> (32 - n));
}

#define QR(s, a, b, c, d)                                                                          \
    do {                                                                                           \
        s[a] += s[b];                                                                              \
        s[d] = rotl32(s[d] ^ s[a], 16);                                                            \
        s[c] += s[d];                                                                              \
        s[b] = rotl32(s[b] ^ s[c], 12);                                                            \
        s[a] += s[b];                                                                              \
        s[d] = rotl32(s[d] ^ s[a], 8);                                                             \
        s[c] += s[d];                                                                              \
        s[b] = rotl32(s[b] ^ s[c], 7);                                                             \
    } while (0)

void via_chacha_init(via_chacha *rng, const uint32_t seed[8]) {
    assert(rng != NULL && seed != NULL);
    /* "expand 32-byte k" */
    rng->state[0] = 0x61707865u;
    rng->state[1] = 0x3320646eu;
    rng->state[2] = 0x79622d32u;
    rng->state[3] = 0x6b206574u;
    for (int i = 0; i < 8; i++)
        rng->state[4 + i] = seed[i];
    for (int i = 12; i < 16; i++)
        rng->state[i] = 0;
    memset(rng->block, 0, sizeof rng->block);
    rng->idx = 16;
}

void via_chacha_init_from_hash(via_chacha *rng, const uint8_t digest[32]) {
    uint32_t seed[8];
    for (int i = 0; i < 8; i++)
        seed[i] = ((uint32_t)digest[4 * i] << 24) | ((uint32_t)digest[4 * i + 1] << 16) |
                  ((uint32_t)digest[4 * i + 2] << 8) | (uint32_t)digest[4 * i + 3];
    via_chacha_init(rng, seed);
}

static void chacha_refill(via_chacha *rng) {
    uint32_t *x = rng->block;
    memcpy(x, rng->state, sizeof rng->state);
    for (int i = 0; i < 10; i++) {
        QR(x, 0, 4, 8, 12);
        QR(x, 1, 5, 9, 13);
        QR(x, 2, 6, 10, 14);
        QR(x, 3, 7, 11, 15);
        QR(x, 0, 5, 10, 15);
        QR(x, 1, 6, 11, 12);
        QR(x, 2, 7, 8, 13);
        QR(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++)
        x[i] += rng->state[i];
    rng->idx = 0;
    /* 128-bit counter over words 12..15, carrying upward. */
    for (int i = 12; i < 16; i++)
        if (++rng->state[i] != 0) break;
}

uint32_t via_chacha_next_u32(via_chacha *rng) {
    if (rng->idx == 16) chacha_refill(rng);
    return rng->block[rng->idx++];
}

uint64_t via_chacha_next_u64(via_chacha *rng) {
    uint64_t hi = via_chacha_next_u32(rng);
    uint64_t lo = via_chacha_next_u32(rng);
    return (hi << 32) | lo;
}
