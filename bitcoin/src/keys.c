/* Secret keys (hex and WIF files), public keys, BIP-340 Schnorr and ECDSA through
 * libsecp256k1, and signing of P2WPKH and taproot inputs. Every local copy of a secret is
 * wiped before return. */
#include "internal.h"
#include <errno.h>
#include <assert.h>
#include <ctype.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- base58check (WIF) ---- */
static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Decodes at most cap bytes; returns the length or -1. */
static int b58_decode(uint8_t *out, size_t cap, const char *s, size_t slen) {
    uint8_t tmp[64] = {0}; /* big-endian accumulator */
    size_t zeros = 0;
    while (zeros < slen && s[zeros] == '1') zeros++;
    if (slen > 90) return -1;
    for (size_t i = zeros; i < slen; i++) {
        const char *p = strchr(B58, s[i]);
        if (!p || !s[i]) return -1;
        unsigned carry = (unsigned)(p - B58);
        for (int j = 63; j >= 0; j--) {
            carry += 58u * tmp[j];
            tmp[j] = (uint8_t)carry;
            carry >>= 8;
        }
        if (carry) return -1;
    }
    size_t lead = 0;
    while (lead < 64 && tmp[lead] == 0) lead++;
    size_t n = zeros + (64 - lead);
    if (n > cap) return -1;
    memset(out, 0, zeros);
    memcpy(out + zeros, tmp + lead, 64 - lead);
    via_wipe(tmp, sizeof tmp);
    return (int)n;
}

static size_t b58_encode(char *out, size_t cap, const uint8_t *in, size_t n) {
    uint8_t tmp[80] = {0};
    size_t zeros = 0;
    assert(n <= 50);
    while (zeros < n && in[zeros] == 0) zeros++;
    size_t size = n * 138 / 100 + 1, high = size - 1;
    assert(size <= sizeof tmp);
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = in[i];
        size_t j = size - 1;
        for (;; j--) {
            if (!(j > high || carry)) break;
            carry += 256u * tmp[j];
            tmp[j] = (uint8_t)(carry % 58);
            carry /= 58;
            if (j == 0) break;
        }
        high = j;
    }
    size_t k = 0;
    while (k < size && tmp[k] == 0) k++;
    size_t len = zeros + (size - k);
    if (len + 1 > cap) return 0;
    memset(out, '1', zeros);
    for (size_t i = zeros; k < size; i++, k++) out[i] = B58[tmp[k]];
    out[len] = 0;
    via_wipe(tmp, sizeof tmp);
    return len;
}

int via_btc_seckey_to_wif(char *out, size_t cap, const uint8_t seckey[32], via_btc_network net) {
    uint8_t raw[38], h[32];
    raw[0] = net == VIA_BTC_MAINNET ? 0x80 : 0xef;
    memcpy(raw + 1, seckey, 32);
    raw[33] = 0x01;
    via_btc_sha256d(h, raw, 34);
    memcpy(raw + 34, h, 4);
    size_t n = b58_encode(out, cap, raw, 38);
    via_wipe(raw, sizeof raw);
    return n ? VIA_OK : VIA_EINVAL;
}

int via_btc_seckey_parse(uint8_t seckey[32], via_btc_network *net, const char *text,
                         via_error *err) {
    assert(seckey && text);
    memset(seckey, 0, 32);
    while (*text && isspace((unsigned char)*text)) text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1])) len--;
    int rc = VIA_OK;
    if (len == 64) {
        char buf[65];
        memcpy(buf, text, 64);
        buf[64] = 0;
        rc = via_hex_decode_exact(seckey, 32, buf, NULL);
        via_wipe(buf, sizeof buf);
        if (rc) return via_fail(err, VIA_EFORMAT, "secret key: 64 characters but not hex");
    } else if (len == 51 || len == 52) {
        uint8_t raw[40];
        int n = b58_decode(raw, sizeof raw, text, len);
        if (n != 37 && n != 38) {
            via_wipe(raw, sizeof raw);
            return via_fail(err, VIA_EFORMAT, "secret key: not valid base58 WIF");
        }
        uint8_t h[32];
        via_btc_sha256d(h, raw, (size_t)n - 4);
        if (memcmp(h, raw + n - 4, 4)) {
            via_wipe(raw, sizeof raw);
            return via_fail(err, VIA_EFORMAT, "secret key: WIF checksum mismatch");
        }
        if (raw[0] != 0x80 && raw[0] != 0xef) {
            uint8_t v = raw[0];
            via_wipe(raw, sizeof raw);
            return via_fail(err, VIA_EFORMAT, "secret key: WIF version byte 0x%02x", v);
        }
        if (n == 38 && raw[33] != 0x01) {
            via_wipe(raw, sizeof raw);
            return via_fail(err, VIA_EFORMAT, "secret key: WIF compression flag is not 0x01");
        }
        memcpy(seckey, raw + 1, 32);
        if (net) *net = raw[0] == 0x80 ? VIA_BTC_MAINNET : VIA_BTC_TESTNET;
        via_wipe(raw, sizeof raw);
    } else {
        return via_fail(err, VIA_EFORMAT,
                        "secret key: expected 64 hex characters or WIF, got %zu characters", len);
    }
    if (!secp256k1_ec_seckey_verify(via_btc_secp(), seckey)) {
        via_wipe(seckey, 32);
        return via_fail(err, VIA_EINVAL, "secret key: zero or not below the group order");
    }
    return VIA_OK;
}

int via_btc_seckey_load_file(uint8_t seckey[32], via_btc_network *net, const char *path,
                             via_error *err) {
    assert(seckey && path);
    memset(seckey, 0, 32);
    FILE *f = fopen(path, "rb");
    if (!f) return via_fail(err, VIA_EIO, "key file %s: cannot open: %s", path, strerror(errno));
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int rerr = ferror(f);
    int more = !rerr && fgetc(f) != EOF;
    fclose(f);
    if (rerr || more) {
        via_wipe(buf, sizeof buf);
        return via_fail(err, rerr ? VIA_EIO : VIA_EFORMAT, "key file %s: %s", path,
                        rerr ? "read failed (is it a directory?)"
                             : "more than 255 bytes, longer than one key (64 hex digits or WIF)");
    }
    buf[n] = 0;
    if (strlen(buf) != n) {
        via_wipe(buf, sizeof buf);
        return via_fail(err, VIA_EFORMAT, "key file %s: contains a NUL byte", path);
    }
    via_error e;
    int rc = via_btc_seckey_parse(seckey, net, buf, &e);
    via_wipe(buf, sizeof buf);
    if (rc) return via_fail(err, rc, "key file %s: %s", path, e.msg);
    return VIA_OK;
}

int via_btc_pubkey_from_seckey(uint8_t pubkey[33], const uint8_t seckey[32]) {
    secp256k1_pubkey pk;
    int valid = secp256k1_ec_pubkey_create(via_btc_secp(), &pk, seckey);
    VIA_DECLASSIFY(&valid, sizeof valid); /* whether the key is valid, and its public key, */
    VIA_DECLASSIFY(&pk, sizeof pk);       /* are public */
    if (!valid) return VIA_EINVAL;
    size_t len = 33;
    int ok = secp256k1_ec_pubkey_serialize(via_btc_secp(), pubkey, &len, &pk, SECP256K1_EC_COMPRESSED);
    assert(ok && len == 33);
    (void)ok;
    return VIA_OK;
}

int via_btc_xonly_from_seckey(uint8_t xonly[32], int *parity, const uint8_t seckey[32]) {
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey xo;
    int par = 0;
    int valid = secp256k1_keypair_create(via_btc_secp(), &kp, seckey);
    VIA_DECLASSIFY(&valid, sizeof valid);
    if (!valid) return VIA_EINVAL;
    int ok = secp256k1_keypair_xonly_pub(via_btc_secp(), &xo, &par, &kp);
    VIA_DECLASSIFY(&xo, sizeof xo);
    VIA_DECLASSIFY(&par, sizeof par);
    ok = ok && secp256k1_xonly_pubkey_serialize(via_btc_secp(), xonly, &xo);
    via_wipe(&kp, sizeof kp);
    if (parity) *parity = par;
    return ok ? VIA_OK : VIA_EINVAL;
}

int via_btc_pubkey_check(const uint8_t pubkey[33], via_error *err) {
    secp256k1_pubkey pk;
    if (pubkey[0] != 2 && pubkey[0] != 3)
        return via_fail(err, VIA_EINVAL, "public key: prefix 0x%02x is not compressed", pubkey[0]);
    if (!secp256k1_ec_pubkey_parse(via_btc_secp(), &pk, pubkey, 33))
        return via_fail(err, VIA_EINVAL, "public key: not a point on secp256k1");
    return VIA_OK;
}

int via_btc_schnorr_sign(uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                         const uint8_t seckey[32], const uint8_t *aux_rand32) {
    assert(sig && (msg || !msg_len) && seckey);
    static const uint8_t zero[32];
    secp256k1_keypair kp;
    int valid = secp256k1_keypair_create(via_btc_secp(), &kp, seckey);
    VIA_DECLASSIFY(&valid, sizeof valid);
    if (!valid) {
        memset(sig, 0, 64);
        return VIA_EINVAL;
    }
    secp256k1_schnorrsig_extraparams ep = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
    ep.ndata = (void *)(aux_rand32 ? aux_rand32 : zero);
    int ok = secp256k1_schnorrsig_sign_custom(via_btc_secp(), sig, msg, msg_len, &kp, &ep);
    VIA_DECLASSIFY(&ok, sizeof ok);
    VIA_DECLASSIFY(sig, 64); /* the signature is the output */
    via_wipe(&kp, sizeof kp);
    if (!ok) {
        memset(sig, 0, 64);
        return VIA_EINVAL;
    }
    return VIA_OK;
}

int via_btc_schnorr_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                           const uint8_t xonly[32]) {
    assert(sig && (msg || !msg_len) && xonly);
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(via_btc_secp(), &pk, xonly)) return VIA_EINVAL;
    return secp256k1_schnorrsig_verify(via_btc_secp(), sig, msg, msg_len, &pk) ? VIA_OK
                                                                               : VIA_EVERIFY;
}

int via_btc_ecdsa_sign(uint8_t der[72], size_t *der_len, const uint8_t msg[32],
                       const uint8_t seckey[32]) {
    secp256k1_ecdsa_signature s;
    *der_len = 0;
    if (!secp256k1_ecdsa_sign(via_btc_secp(), &s, msg, seckey, NULL, NULL)) return VIA_EINVAL;
    size_t n = 72;
    if (!secp256k1_ecdsa_signature_serialize_der(via_btc_secp(), der, &n, &s)) return VIA_EINVAL;
    *der_len = n;
    return VIA_OK;
}

int via_btc_ecdsa_verify(const uint8_t *der, size_t der_len, const uint8_t msg[32],
                         const uint8_t pubkey[33]) {
    secp256k1_ecdsa_signature s;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(via_btc_secp(), &pk, pubkey, 33)) return VIA_EINVAL;
    if (!secp256k1_ecdsa_signature_parse_der(via_btc_secp(), &s, der, der_len)) return VIA_EFORMAT;
    /* Consensus (BIP-146 LOW_S policy) wants normalized signatures. */
    if (secp256k1_ecdsa_signature_normalize(via_btc_secp(), NULL, &s)) return VIA_EVERIFY;
    return secp256k1_ecdsa_verify(via_btc_secp(), &s, msg, &pk) ? VIA_OK : VIA_EVERIFY;
}

int via_btc_sign_p2wpkh(via_btc_tx *tx, size_t idx, uint64_t amount, const uint8_t seckey[32],
                        via_error *err) {
    assert(tx && seckey);
    uint8_t pub[33], code[25], h[32], sig[73];
    size_t sig_len;
    if (via_btc_pubkey_from_seckey(pub, seckey))
        return via_fail(err, VIA_EINVAL, "sign p2wpkh: invalid secret key");
    via_btc_p2wpkh_script_code(code, pub);
    int rc = via_btc_sighash_v0(h, tx, idx, code, sizeof code, amount, VIA_BTC_SIGHASH_ALL, err);
    if (rc) return rc;
    if ((rc = via_btc_ecdsa_sign(sig, &sig_len, h, seckey)))
        return via_fail(err, rc, "sign p2wpkh: signing input %zu failed", idx);
    sig[sig_len++] = VIA_BTC_SIGHASH_ALL;
    const uint8_t *items[2] = {sig, pub};
    size_t lens[2] = {sig_len, 33};
    if (via_btc_tx_set_witness(tx, idx, 2, items, lens))
        return via_fail(err, VIA_ENOMEM, "sign p2wpkh: out of memory");
    return VIA_OK;
}

int via_btc_sign_taproot_keypath(via_btc_tx *tx, size_t idx, const via_btc_txout *spent,
                                 size_t n_spent, const uint8_t seckey[32],
                                 const uint8_t *merkle_root, uint32_t hash_type,
                                 const uint8_t *aux_rand32, via_error *err) {
    assert(tx && seckey);
    uint8_t h[32], tsk[32], sig[65];
    int rc = via_btc_sighash_taproot(h, tx, idx, spent, n_spent, hash_type, NULL, err);
    if (rc) return rc;
    if (via_btc_taproot_tweak_seckey(tsk, seckey, merkle_root))
        return via_fail(err, VIA_EINVAL, "sign taproot: key cannot be tweaked");
    rc = via_btc_schnorr_sign(sig, h, 32, tsk, aux_rand32);
    via_wipe(tsk, sizeof tsk);
    if (rc) return via_fail(err, rc, "sign taproot: signing input %zu failed", idx);
    size_t len = 64;
    if (hash_type != VIA_BTC_SIGHASH_DEFAULT) sig[len++] = (uint8_t)hash_type;
    const uint8_t *items[1] = {sig};
    if (via_btc_tx_set_witness(tx, idx, 1, items, &len))
        return via_fail(err, VIA_ENOMEM, "sign taproot: out of memory");
    return VIA_OK;
}

int via_btc_sign_tapscript(uint8_t sig[65], size_t *sig_len, const via_btc_tx *tx, size_t idx,
                           const via_btc_txout *spent, size_t n_spent, const uint8_t *script,
                           size_t script_len, const uint8_t seckey[32], uint32_t hash_type,
                           const uint8_t *aux_rand32, via_error *err) {
    assert(sig && sig_len && tx && script && seckey);
    *sig_len = 0;
    uint8_t leaf[32], h[32];
    via_btc_tapleaf_hash(leaf, VIA_BTC_TAPSCRIPT_LEAF, script, script_len);
    via_btc_taproot_ext ext = {NULL, 0, leaf, 0xffffffffu};
    int rc = via_btc_sighash_taproot(h, tx, idx, spent, n_spent, hash_type, &ext, err);
    if (rc) return rc;
    if ((rc = via_btc_schnorr_sign(sig, h, 32, seckey, aux_rand32)))
        return via_fail(err, rc, "sign tapscript: signing input %zu failed", idx);
    *sig_len = 64;
    if (hash_type != VIA_BTC_SIGHASH_DEFAULT) sig[(*sig_len)++] = (uint8_t)hash_type;
    return VIA_OK;
}
