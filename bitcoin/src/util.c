/* Status names, wiping, hex, hashes, networks, the secp256k1 context and small buffers. */
#include "internal.h"
#include <assert.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <errno.h>

/* ---- secp256k1 context ---- */
static secp256k1_context *g_ctx;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void ctx_create(void) {
#ifdef VIA_CTIME_CHECKS
    /* the constant-time check build: libsecp256k1 declassifies its public-by-design values */
    g_ctx = secp256k1_context_create(SECP256K1_CONTEXT_DECLASSIFY);
#else
    g_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
#endif
    assert(g_ctx);
    uint8_t seed[32];
    if (via_os_random(seed, sizeof seed, NULL) == VIA_OK) {
        int ok = secp256k1_context_randomize(g_ctx, seed);
        (void)ok;
    }
    via_wipe(seed, sizeof seed);
}

const secp256k1_context *via_btc_secp(void) {
    pthread_once(&g_once, ctx_create);
    return g_ctx;
}

/* ---- networks ---- */
int via_btc_network_parse(via_btc_network *out, const char *name, via_error *err) {
    assert(out && name);
    if (!strcmp(name, "mainnet") || !strcmp(name, "bitcoin") || !strcmp(name, "main"))
        *out = VIA_BTC_MAINNET;
    else if (!strcmp(name, "testnet") || !strcmp(name, "testnet4") || !strcmp(name, "test"))
        *out = VIA_BTC_TESTNET;
    else if (!strcmp(name, "signet"))
        *out = VIA_BTC_SIGNET;
    else if (!strcmp(name, "regtest"))
        *out = VIA_BTC_REGTEST;
    else
        return via_fail(err, VIA_EINVAL,
                        "unknown network '%.40s' (want mainnet, testnet, signet or regtest)", name);
    return VIA_OK;
}

const char *via_btc_network_name(via_btc_network net) {
    switch (net) {
    case VIA_BTC_MAINNET: return "mainnet";
    case VIA_BTC_TESTNET: return "testnet";
    case VIA_BTC_SIGNET: return "signet";
    case VIA_BTC_REGTEST: return "regtest";
    }
    return "?";
}

const char *via_btc_network_hrp(via_btc_network net) {
    switch (net) {
    case VIA_BTC_MAINNET: return "bc";
    case VIA_BTC_TESTNET:
    case VIA_BTC_SIGNET: return "tb";
    case VIA_BTC_REGTEST: return "bcrt";
    }
    return "?";
}

/* ---- txids (display order is the reverse of the bytes) ---- */
void via_btc_txid_to_hex(char out[65], const uint8_t txid[32]) {
    uint8_t r[32];
    for (int i = 0; i < 32; i++) r[i] = txid[31 - i];
    via_hex_encode(out, r, 32);
}

int via_btc_txid_from_hex(uint8_t txid[32], const char *hex, via_error *err) {
    uint8_t r[32];
    int rc = via_hex_decode_exact(r, 32, hex, err);
    if (rc) return rc;
    for (int i = 0; i < 32; i++) txid[i] = r[31 - i];
    return VIA_OK;
}

/* ---- hashes ---- */
void via_btc_sha256(uint8_t out[32], const uint8_t *data, size_t len) {
    SHA256(data, len, out);
}

void via_btc_sha256d(uint8_t out[32], const uint8_t *data, size_t len) {
    uint8_t t[32];
    SHA256(data, len, t);
    SHA256(t, 32, out);
}

void via_btc_tagged_hash(uint8_t out[32], const char *tag, const uint8_t *data, size_t len) {
    int ok = secp256k1_tagged_sha256(via_btc_secp(), out, (const uint8_t *)tag, strlen(tag),
                                     data ? data : (const uint8_t *)"", len);
    assert(ok);
    (void)ok;
}

void via_btc_hash160(uint8_t out[20], const uint8_t *data, size_t len) {
    uint8_t t[32];
    unsigned int n = 20;
    SHA256(data, len, t);
    int ok = EVP_Digest(t, 32, out, &n, EVP_ripemd160(), NULL);
    assert(ok == 1 && n == 20);
    (void)ok;
}

/* ---- buffers ---- */
void buf_init(via_buf *b) { memset(b, 0, sizeof *b); }
void buf_init_secret(via_buf *b) {
    buf_init(b);
    b->secret = true;
}
void buf_free(via_buf *b) {
    if (b->secret)
        via_wipe_free(b->data, b->cap);
    else
        free(b->data);
    buf_init(b);
}
void buf_put(via_buf *b, const void *p, size_t n) {
    if (b->oom || n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) cap *= 2;
        /* a secret buffer never leaves its old contents in freed memory */
        uint8_t *d = b->secret ? via_secure_realloc(b->data, b->cap, cap) : realloc(b->data, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
void buf_u8(via_buf *b, uint8_t v) { buf_put(b, &v, 1); }
void buf_u32le(via_buf *b, uint32_t v) {
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, t, 4);
}
void buf_u64le(via_buf *b, uint64_t v) {
    uint8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (8 * i));
    buf_put(b, t, 8);
}
void buf_varint(via_buf *b, uint64_t v) {
    if (v < 0xfd) {
        buf_u8(b, (uint8_t)v);
    } else if (v <= 0xffff) {
        uint8_t t[3] = {0xfd, (uint8_t)v, (uint8_t)(v >> 8)};
        buf_put(b, t, 3);
    } else if (v <= 0xffffffffu) {
        buf_u8(b, 0xfe);
        buf_u32le(b, (uint32_t)v);
    } else {
        buf_u8(b, 0xff);
        buf_u64le(b, v);
    }
}
size_t varint_size(uint64_t v) {
    return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

/* ---- scalars mod n ---- */
const uint8_t VIA_SECP_ORDER[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
                                    0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

/* a - n as 256-bit subtraction; returns the borrow (1 when a < n). */
static unsigned sub_order(uint8_t out[32], const uint8_t a[32]) {
    unsigned borrow = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned d = (unsigned)a[i] - VIA_SECP_ORDER[i] - borrow;
        out[i] = (uint8_t)d;
        borrow = (d >> 8) & 1;
    }
    return borrow;
}

int scalar_is_below_order(const uint8_t a[32]) {
    uint8_t t[32];
    unsigned borrow = sub_order(t, a);
    via_wipe(t, 32);
    return (int)borrow;
}

void scalar_reduce(uint8_t out[32], const uint8_t in[32]) {
    uint8_t t[32];
    unsigned borrow = sub_order(t, in);
    uint8_t mask = (uint8_t)(0 - borrow); /* 0xff: keep in, 0x00: take t */
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)((in[i] & mask) | (t[i] & ~mask));
    via_wipe(t, 32);
}

int scalar_is_zero(const uint8_t a[32]) {
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= a[i];
    return acc == 0;
}
