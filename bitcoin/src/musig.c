/* MuSig2 (BIP-327) on the public libsecp256k1 0.2 API.
 *
 * The library has no MuSig module in this version, so scalars are 32-byte big-endian values
 * combined with the seckey tweak functions (add/mul/negate) and points are secp256k1_pubkey
 * values combined with pubkey_combine/tweak_mul/negate. Those functions reject zero scalars
 * and results at infinity, so the helpers below carry zero and infinity explicitly; the extra
 * branches only depend on a value being exactly zero, which for secret values happens with
 * negligible probability. Secret scalars (nonces, keys) are wiped before returning. */
#include "internal.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- scalars ---- */

static void sc_from_hash(uint8_t out[32], const uint8_t h[32]) { scalar_reduce(out, h); }

/* Scalars mod n through libsecp256k1's constant-time seckey tweaks, with no branch on the
 * values: a zero operand or result is handled by the library's own masking and by a masked
 * select here (tests/ctime checks this under valgrind). */
static void sc_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]) {
    uint8_t t[32];
    memcpy(t, a, 32);
    /* a + b, or zero when a == 0 (tweak_add refuses a zero key) or a + b == 0 */
    int ok = secp256k1_ec_seckey_tweak_add(via_btc_secp(), t, b);
    (void)ok; /* not branched on: the masks below give the sum in every case */
    uint8_t m = (uint8_t)(0 - (unsigned)scalar_is_zero(a)); /* 0xff when a == 0: the sum is b */
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)((b[i] & m) | (t[i] & (uint8_t)~m));
    via_wipe(t, 32);
}

static void sc_mul(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]) {
    uint8_t t[32];
    memcpy(t, a, 32);
    /* a * b; the library writes zero when a or b is zero, which is the product */
    int ok = secp256k1_ec_seckey_tweak_mul(via_btc_secp(), t, b);
    (void)ok;
    memcpy(r, t, 32);
    via_wipe(t, 32);
}

static void sc_neg(uint8_t r[32], const uint8_t a[32]) {
    memmove(r, a, 32);
    int ok = secp256k1_ec_seckey_negate(via_btc_secp(), r); /* zero stays zero */
    (void)ok;
}

static const uint8_t SC_ONE[32] = {[31] = 1};

/* ---- points (with infinity) ---- */

typedef struct {
    int inf;
    secp256k1_pubkey p;
} pt;

static int pt_parse(pt *out, const uint8_t in[33]) {
    out->inf = 0;
    if (in[0] != 2 && in[0] != 3) return 0;
    return secp256k1_ec_pubkey_parse(via_btc_secp(), &out->p, in, 33);
}

/* 33 zero bytes encode infinity (cbytes_ext). */
static int pt_parse_ext(pt *out, const uint8_t in[33]) {
    static const uint8_t z[33];
    if (!memcmp(in, z, 33)) {
        out->inf = 1;
        return 1;
    }
    return pt_parse(out, in);
}

static void pt_ser(uint8_t out[33], const pt *a) {
    if (a->inf) {
        memset(out, 0, 33);
        return;
    }
    size_t len = 33;
    int ok = secp256k1_ec_pubkey_serialize(via_btc_secp(), out, &len, &a->p, SECP256K1_EC_COMPRESSED);
    assert(ok);
    (void)ok;
}

static pt pt_add(const pt *a, const pt *b) {
    if (a->inf) return *b;
    if (b->inf) return *a;
    pt r = {0};
    const secp256k1_pubkey *ins[2] = {&a->p, &b->p};
    if (!secp256k1_ec_pubkey_combine(via_btc_secp(), &r.p, ins, 2)) r.inf = 1;
    return r;
}

static pt pt_mul(const pt *a, const uint8_t k[32]) {
    pt r = *a;
    if (a->inf || scalar_is_zero(k)) {
        r.inf = 1;
        return r;
    }
    int ok = secp256k1_ec_pubkey_tweak_mul(via_btc_secp(), &r.p, k);
    assert(ok);
    (void)ok;
    return r;
}

static void pt_neg(pt *a) {
    if (!a->inf) {
        int ok = secp256k1_ec_pubkey_negate(via_btc_secp(), &a->p);
        (void)ok;
    }
}

/* k G for a secret k (a nonce): the point is public by design, and so is whether it is
 * infinity (k == 0, which pubkey_create refuses in constant time). */
static pt pt_gen_mul(const uint8_t k[32]) {
    pt r = {0};
    int ok = secp256k1_ec_pubkey_create(via_btc_secp(), &r.p, k);
    VIA_DECLASSIFY(&ok, sizeof ok);
    VIA_DECLASSIFY(&r.p, sizeof r.p);
    r.inf = !ok;
    return r;
}

static int pt_eq(const pt *a, const pt *b) {
    if (a->inf || b->inf) return a->inf && b->inf;
    uint8_t x[33], y[33];
    pt_ser(x, a);
    pt_ser(y, b);
    return !memcmp(x, y, 33);
}

static int pt_odd(const pt *a) {
    uint8_t x[33];
    pt_ser(x, a);
    return x[0] == 3;
}

/* ---- key aggregation ---- */

static void keyagg_coeff(uint8_t a[32], const via_musig_keyagg *ctx, const uint8_t pk[33]) {
    if (!memcmp(pk, ctx->second_key, 33)) {
        memcpy(a, SC_ONE, 32);
        return;
    }
    uint8_t buf[65], h[32];
    memcpy(buf, ctx->list_hash, 32);
    memcpy(buf + 32, pk, 33);
    via_btc_tagged_hash(h, "KeyAgg coefficient", buf, sizeof buf);
    sc_from_hash(a, h);
}

int via_musig_keyagg_init(via_musig_keyagg *ctx, const uint8_t (*pubkeys)[33], size_t n,
                          via_error *err) {
    assert(ctx && (pubkeys || !n));
    memset(ctx, 0, sizeof *ctx);
    if (n == 0 || n > VIA_MUSIG_MAX_SIGNERS)
        return via_fail(err, VIA_EINVAL, "musig keyagg: %zu keys (want 1..%d)", n,
                        VIA_MUSIG_MAX_SIGNERS);
    for (size_t i = 0; i < n; i++) memcpy(ctx->keys[i], pubkeys[i], 33);
    ctx->n_keys = n;
    via_btc_tagged_hash(ctx->list_hash, "KeyAgg list", &ctx->keys[0][0], 33 * n);
    for (size_t i = 1; i < n; i++)
        if (memcmp(pubkeys[i], pubkeys[0], 33)) {
            memcpy(ctx->second_key, pubkeys[i], 33);
            break;
        }
    pt q = {.inf = 1};
    for (size_t i = 0; i < n; i++) {
        pt p;
        uint8_t a[32];
        if (!pt_parse(&p, pubkeys[i])) {
            memset(ctx, 0, sizeof *ctx);
            return via_fail(err, VIA_EINVAL, "musig keyagg: public key %zu is invalid", i);
        }
        keyagg_coeff(a, ctx, pubkeys[i]);
        pt ap = pt_mul(&p, a);
        q = pt_add(&q, &ap);
    }
    if (q.inf) {
        memset(ctx, 0, sizeof *ctx);
        return via_fail(err, VIA_EINVAL, "musig keyagg: aggregate key is infinity");
    }
    pt_ser(ctx->q, &q);
    return VIA_OK;
}

int via_musig_keyagg_tweak(via_musig_keyagg *ctx, const uint8_t tweak[32], int is_xonly,
                           via_error *err) {
    assert(ctx && tweak);
    pt q;
    if (!pt_parse(&q, ctx->q))
        return via_fail(err, VIA_EINVAL, "musig tweak: context holds no aggregate key");
    if (!scalar_is_below_order(tweak))
        return via_fail(err, VIA_EINVAL, "musig tweak: tweak is not below the group order");
    int neg = is_xonly && pt_odd(&q);
    if (neg) pt_neg(&q);
    pt tg = pt_gen_mul(tweak);
    pt r = pt_add(&q, &tg);
    if (r.inf) return via_fail(err, VIA_EINVAL, "musig tweak: tweaked key is infinity");
    pt_ser(ctx->q, &r);
    if (neg) {
        ctx->gacc_neg ^= 1;
        sc_neg(ctx->tacc, ctx->tacc);
    }
    sc_add(ctx->tacc, tweak, ctx->tacc);
    return VIA_OK;
}

void via_musig_keyagg_xonly(uint8_t out[32], const via_musig_keyagg *ctx) {
    memcpy(out, ctx->q + 1, 32);
}

/* ---- nonces ---- */

int via_musig__nonce_gen_rand(via_musig_secnonce **out, uint8_t pubnonce[66],
                              const uint8_t rand32[32], const uint8_t *seckey,
                              const uint8_t pubkey[33], const uint8_t *aggpk, const uint8_t *msg,
                              size_t msg_len, int msg_present, const uint8_t *extra_in,
                              size_t extra_len, via_error *err) {
    assert(out && pubnonce && rand32 && pubkey && (msg || !msg_len) && (extra_in || !extra_len));
    *out = NULL;
    memset(pubnonce, 0, 66);
    if (extra_len > 0xffffffffu)
        return via_fail(err, VIA_EINVAL, "musig nonce: extra input too long");
    via_musig_secnonce *secnonce = calloc(1, sizeof *secnonce);
    if (!secnonce) return via_fail(err, VIA_ENOMEM, "musig nonce: out of memory");
    uint8_t rnd[32];
    if (seckey) {
        uint8_t h[32];
        via_btc_tagged_hash(h, "MuSig/aux", rand32, 32);
        for (int i = 0; i < 32; i++) rnd[i] = seckey[i] ^ h[i];
        via_wipe(h, 32);
    } else {
        memcpy(rnd, rand32, 32);
    }
    via_buf b;
    buf_init_secret(&b);
    buf_put(&b, rnd, 32);
    buf_u8(&b, 33);
    buf_put(&b, pubkey, 33);
    buf_u8(&b, aggpk ? 32 : 0);
    if (aggpk) buf_put(&b, aggpk, 32);
    if (!msg_present) {
        buf_u8(&b, 0);
    } else {
        buf_u8(&b, 1);
        uint8_t l[8];
        for (int i = 0; i < 8; i++) l[i] = (uint8_t)((uint64_t)msg_len >> (56 - 8 * i));
        buf_put(&b, l, 8);
        buf_put(&b, msg, msg_len);
    }
    uint8_t l4[4];
    put_u32be(l4, (uint32_t)extra_len);
    buf_put(&b, l4, 4);
    buf_put(&b, extra_in, extra_len);
    buf_u8(&b, 0); /* the index byte, rewritten below */
    via_wipe(rnd, 32);
    if (b.oom) {
        buf_free(&b);
        via_musig_secnonce_free(secnonce);
        return via_fail(err, VIA_ENOMEM, "musig nonce: out of memory");
    }
    uint8_t h[32];
    for (int i = 0; i < 2; i++) {
        b.data[b.len - 1] = (uint8_t)i;
        via_btc_tagged_hash(h, "MuSig/nonce", b.data, b.len);
        sc_from_hash(i ? secnonce->k2 : secnonce->k1, h);
    }
    via_wipe(h, 32);
    buf_free(&b);
    int zero = scalar_is_zero(secnonce->k1) | scalar_is_zero(secnonce->k2);
    VIA_DECLASSIFY(&zero, sizeof zero); /* public only in the (negligible) failure */
    if (zero) {
        via_musig_secnonce_free(secnonce);
        return via_fail(err, VIA_EINVAL, "musig nonce: derived a zero nonce");
    }
    pt r1 = pt_gen_mul(secnonce->k1), r2 = pt_gen_mul(secnonce->k2);
    pt_ser(pubnonce, &r1);
    pt_ser(pubnonce + 33, &r2);
    memcpy(secnonce->pubkey, pubkey, 33);
    atomic_store(&secnonce->live, 1);
    *out = secnonce;
    return VIA_OK;
}

int via_musig_nonce_gen(via_musig_secnonce **secnonce, uint8_t pubnonce[66], const uint8_t *seckey,
                        const uint8_t pubkey[33], const uint8_t *aggpk, const uint8_t *msg,
                        size_t msg_len, int msg_present, const uint8_t *extra_in, size_t extra_len,
                        via_error *err) {
    uint8_t rnd[32];
    *secnonce = NULL;
    if (via_os_random(rnd, 32, err) != VIA_OK)
        return via_fail(err, VIA_ERANDOM, "musig nonce: OS random source failed");
    int rc = via_musig__nonce_gen_rand(secnonce, pubnonce, rnd, seckey, pubkey, aggpk, msg, msg_len,
                                       msg_present, extra_in, extra_len, err);
    via_wipe(rnd, 32);
    return rc;
}

void via_musig_secnonce_free(via_musig_secnonce *secnonce) {
    via_wipe_free(secnonce, sizeof *secnonce);
}

int via_musig_nonce_agg(uint8_t aggnonce[66], const uint8_t (*pubnonces)[66], size_t n,
                        size_t *bad_signer, via_error *err) {
    assert(aggnonce && (pubnonces || !n));
    memset(aggnonce, 0, 66);
    if (n == 0) return via_fail(err, VIA_EINVAL, "musig nonce agg: no nonces");
    for (int j = 0; j < 2; j++) {
        pt r = {.inf = 1};
        for (size_t i = 0; i < n; i++) {
            pt p;
            if (!pt_parse(&p, pubnonces[i] + 33 * j)) {
                memset(aggnonce, 0, 66);
                if (bad_signer) *bad_signer = i;
                return via_fail(err, VIA_EINVAL,
                                "musig nonce agg: public nonce of signer %zu is invalid", i);
            }
            r = pt_add(&r, &p);
        }
        pt_ser(aggnonce + 33 * j, &r);
    }
    return VIA_OK;
}

/* ---- session ---- */

int via_musig_session_init(via_musig_session *s, const via_musig_keyagg *keyagg,
                           const uint8_t aggnonce[66], const uint8_t *msg, size_t msg_len,
                           via_error *err) {
    assert(s && keyagg && aggnonce && (msg || !msg_len));
    memset(s, 0, sizeof *s);
    s->keyagg = *keyagg;
    pt r1, r2;
    if (!pt_parse_ext(&r1, aggnonce) || !pt_parse_ext(&r2, aggnonce + 33))
        return via_fail(err, VIA_EINVAL, "musig session: aggregate nonce is invalid");
    via_buf b;
    buf_init(&b);
    buf_put(&b, aggnonce, 66);
    buf_put(&b, keyagg->q + 1, 32);
    buf_put(&b, msg, msg_len);
    if (b.oom) {
        buf_free(&b);
        return via_fail(err, VIA_ENOMEM, "musig session: out of memory");
    }
    uint8_t h[32];
    via_btc_tagged_hash(h, "MuSig/noncecoef", b.data, b.len);
    buf_free(&b);
    sc_from_hash(s->b, h);
    pt br2 = pt_mul(&r2, s->b);
    pt r = pt_add(&r1, &br2);
    if (r.inf) r = pt_gen_mul(SC_ONE);
    uint8_t rc[33];
    pt_ser(rc, &r);
    memcpy(s->r_xonly, rc + 1, 32);
    s->r_odd = rc[0] == 3;
    buf_init(&b);
    buf_put(&b, s->r_xonly, 32);
    buf_put(&b, keyagg->q + 1, 32);
    buf_put(&b, msg, msg_len);
    if (b.oom) {
        buf_free(&b);
        return via_fail(err, VIA_ENOMEM, "musig session: out of memory");
    }
    via_btc_tagged_hash(h, "BIP0340/challenge", b.data, b.len);
    buf_free(&b);
    sc_from_hash(s->e, h);
    return VIA_OK;
}

/* g * gacc as a sign: 1 when the combined factor is -1. */
static int session_neg(const via_musig_session *s) {
    return (s->keyagg.q[0] == 3) ^ s->keyagg.gacc_neg;
}

static int key_in_list(const via_musig_keyagg *k, const uint8_t pk[33]) {
    for (size_t i = 0; i < k->n_keys; i++)
        if (!memcmp(k->keys[i], pk, 33)) return 1;
    return 0;
}

static int verify_internal(const uint8_t psig[32], const uint8_t pubnonce[66],
                           const uint8_t pubkey[33], const via_musig_session *s, via_error *err) {
    if (!scalar_is_below_order(psig))
        return via_fail(err, VIA_EVERIFY, "musig: partial signature is not below the order");
    pt r1, r2, p;
    if (!pt_parse(&r1, pubnonce) || !pt_parse(&r2, pubnonce + 33))
        return via_fail(err, VIA_EINVAL, "musig: public nonce is invalid");
    if (!pt_parse(&p, pubkey)) return via_fail(err, VIA_EINVAL, "musig: public key is invalid");
    pt br2 = pt_mul(&r2, s->b);
    pt re = pt_add(&r1, &br2);
    if (s->r_odd) pt_neg(&re);
    uint8_t a[32], c[32];
    keyagg_coeff(a, &s->keyagg, pubkey);
    sc_mul(c, s->e, a);
    if (session_neg(s)) sc_neg(c, c);
    pt cp = pt_mul(&p, c);
    pt rhs = pt_add(&re, &cp);
    pt lhs = pt_gen_mul(psig);
    if (!pt_eq(&lhs, &rhs))
        return via_fail(err, VIA_EVERIFY, "musig: partial signature does not verify");
    return VIA_OK;
}

int via_musig_partial_verify(const uint8_t psig[32], const uint8_t pubnonce[66],
                             const uint8_t pubkey[33], const via_musig_session *s, via_error *err) {
    assert(psig && pubnonce && pubkey && s);
    return verify_internal(psig, pubnonce, pubkey, s, err);
}

int via_musig_partial_sign(uint8_t psig[32], via_musig_secnonce *secnonce, const uint8_t seckey[32],
                           const via_musig_session *s, via_error *err) {
    assert(psig && seckey && s);
    memset(psig, 0, 32);
    if (!secnonce) return via_fail(err, VIA_EINVAL, "musig sign: no secret nonce");
    /* Consume the nonce before anything can fail: whoever exchanges live 1 -> 0 signs, every
     * other caller (another thread, a second call) is refused. */
    if (atomic_exchange(&secnonce->live, 0) != 1)
        return via_fail(err, VIA_ENONCE_USED, "musig sign: secret nonce already used");
    uint8_t k1[32], k2[32], pk[33], d[32], a[32], t[32], sc[32];
    memcpy(k1, secnonce->k1, 32);
    memcpy(k2, secnonce->k2, 32);
    memcpy(pk, secnonce->pubkey, 33);
    via_wipe(secnonce->k1, 32);
    via_wipe(secnonce->k2, 32);
    int rc = VIA_OK;
    uint8_t mypk[33];
    int bad = scalar_is_zero(k1) | scalar_is_zero(k2) | !scalar_is_below_order(k1) |
              !scalar_is_below_order(k2);
    VIA_DECLASSIFY(&bad, sizeof bad); /* a nonce is refused, or it is not: no more leaks */
    if (bad) {
        rc = via_fail(err, VIA_EINVAL, "musig sign: secret nonce is out of range");
        goto out;
    }
    if (via_btc_pubkey_from_seckey(mypk, seckey)) {
        rc = via_fail(err, VIA_EINVAL, "musig sign: secret key is invalid");
        goto out;
    }
    if (memcmp(mypk, pk, 33)) {
        rc = via_fail(err, VIA_EINVAL,
                      "musig sign: secret key does not match the nonce's public key");
        goto out;
    }
    if (!key_in_list(&s->keyagg, mypk)) {
        rc = via_fail(err, VIA_EINVAL, "musig sign: public key is not in the key list");
        goto out;
    }
    if (s->r_odd) {
        sc_neg(k1, k1);
        sc_neg(k2, k2);
    }
    memcpy(d, seckey, 32);
    if (session_neg(s)) sc_neg(d, d);
    keyagg_coeff(a, &s->keyagg, mypk);
    /* s = k1 + b*k2 + e*a*d */
    sc_mul(t, s->b, k2);
    sc_add(sc, k1, t);
    sc_mul(t, s->e, a);
    sc_mul(t, t, d);
    sc_add(sc, sc, t);
    uint8_t pubnonce[66];
    pt r1 = pt_gen_mul(k1), r2 = pt_gen_mul(k2);
    /* Recover the signer's own public nonce (of the un-negated k) for the self-check. */
    if (s->r_odd) {
        pt_neg(&r1);
        pt_neg(&r2);
    }
    pt_ser(pubnonce, &r1);
    pt_ser(pubnonce + 33, &r2);
    VIA_DECLASSIFY(sc, 32); /* the partial signature is the output */
    if ((rc = verify_internal(sc, pubnonce, mypk, s, err))) {
        rc = via_fail(err, VIA_EVERIFY, "musig sign: own partial signature does not verify");
        goto out;
    }
    memcpy(psig, sc, 32);
out:
    via_wipe(k1, 32);
    via_wipe(k2, 32);
    via_wipe(d, 32);
    via_wipe(t, 32);
    via_wipe(sc, 32);
    return rc;
}

int via_musig_partial_agg(uint8_t sig[64], const uint8_t (*psigs)[32], size_t n,
                          const via_musig_session *s, size_t *bad_signer, via_error *err) {
    assert(sig && (psigs || !n) && s);
    memset(sig, 0, 64);
    uint8_t acc[32] = {0}, t[32];
    for (size_t i = 0; i < n; i++) {
        if (!scalar_is_below_order(psigs[i])) {
            if (bad_signer) *bad_signer = i;
            return via_fail(err, VIA_EINVAL,
                            "musig agg: partial signature %zu is not below the order", i);
        }
        sc_add(acc, acc, psigs[i]);
    }
    /* s += e * g * tacc, g = -1 when Q has odd y */
    sc_mul(t, s->e, s->keyagg.tacc);
    if (s->keyagg.q[0] == 3) sc_neg(t, t);
    sc_add(acc, acc, t);
    memcpy(sig, s->r_xonly, 32);
    memcpy(sig + 32, acc, 32);
    return VIA_OK;
}
