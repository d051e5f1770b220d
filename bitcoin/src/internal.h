/* Internal helpers shared by the via_bitcoin sources: the libsecp256k1 context, error
 * reporting, a growable byte writer and a bounded reader. Not installed. */
#ifndef VIA_BITCOIN_INTERNAL_H
#define VIA_BITCOIN_INTERNAL_H
#include "via/bitcoin.h"
#include "via/hex.h"
#include "via/mem.h"
#include "via/rand.h"
#include "via/ctime.h"
#include <secp256k1.h>
#include <stdbool.h>

/* One process-wide context, created (and randomized) on first use; thread-safe after. */
const secp256k1_context *via_btc_secp(void);

/* Growable buffer. On allocation failure `oom` is set and later writes are ignored. */
typedef struct {
    uint8_t *data;
    size_t len, cap;
    bool oom;
    bool secret; /* growth copies and wipes the old block; buf_free wipes */
} via_buf;

void buf_init(via_buf *b);
/* A buffer for secret bytes (nonce derivation inputs): no copy is left in freed memory. */
void buf_init_secret(via_buf *b);
void buf_free(via_buf *b);
void buf_put(via_buf *b, const void *p, size_t n);
void buf_u8(via_buf *b, uint8_t v);
void buf_u32le(via_buf *b, uint32_t v);
void buf_u64le(via_buf *b, uint64_t v);
void buf_varint(via_buf *b, uint64_t v);
size_t varint_size(uint64_t v);

/* 256-bit big-endian helpers used for scalars mod the group order n. */
extern const uint8_t VIA_SECP_ORDER[32];
/* 1 when a (32 bytes BE) < n; constant time. */
int scalar_is_below_order(const uint8_t a[32]);
/* Reduce a 32-byte big-endian value mod n (one conditional subtraction), constant time. */
void scalar_reduce(uint8_t out[32], const uint8_t in[32]);
int scalar_is_zero(const uint8_t a[32]);

static inline void put_u32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint32_t get_u32be(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- MuSig2 secret nonces (musig.c; the test library bitcoin/testing reaches them too) ---- */
#include <stdatomic.h>
struct via_musig_secnonce {
    uint8_t k1[32], k2[32];
    uint8_t pubkey[33];
    atomic_int live; /* 1 until a signature consumes it (atomic exchange to 0) */
};
/* NonceGen with a caller-given rand' into a newly allocated secnonce. */
int via_musig__nonce_gen_rand(via_musig_secnonce **secnonce, uint8_t pubnonce[66],
                              const uint8_t rand32[32], const uint8_t *seckey,
                              const uint8_t pubkey[33], const uint8_t *aggpk, const uint8_t *msg,
                              size_t msg_len, int msg_present, const uint8_t *extra_in,
                              size_t extra_len, via_error *err);
#endif
