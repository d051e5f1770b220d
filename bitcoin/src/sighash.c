/* Signature hashes: BIP-143 for segwit v0 and BIP-341/342 for taproot. */
#include "internal.h"
#include <assert.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

static void out_ser(via_buf *b, const via_btc_txout *o) {
    buf_u64le(b, o->value);
    buf_varint(b, o->script_pubkey.len);
    buf_put(b, o->script_pubkey.data, o->script_pubkey.len);
}

void via_btc_p2wpkh_script_code(uint8_t out[25], const uint8_t pubkey[33]) {
    out[0] = 0x76;
    out[1] = 0xa9;
    out[2] = 0x14;
    via_btc_hash160(out + 3, pubkey, 33);
    out[23] = 0x88;
    out[24] = 0xac;
}

int via_btc_sighash_v0(uint8_t out[32], const via_btc_tx *tx, size_t idx,
                       const uint8_t *script_code, size_t script_code_len, uint64_t amount,
                       uint32_t hash_type, via_error *err) {
    assert(out && tx && (script_code || !script_code_len));
    memset(out, 0, 32);
    if (idx >= tx->n_in)
        return via_fail(err, VIA_EINVAL, "sighash: input %zu of %zu", idx, tx->n_in);
    uint8_t hp[32] = {0}, hs[32] = {0}, ho[32] = {0};
    unsigned base = hash_type & 0x1f;
    bool acp = hash_type & VIA_BTC_SIGHASH_ANYONECANPAY;
    via_buf b;
    if (!acp) {
        buf_init(&b);
        for (size_t i = 0; i < tx->n_in; i++) {
            buf_put(&b, tx->in[i].prev_txid, 32);
            buf_u32le(&b, tx->in[i].prev_vout);
        }
        if (b.oom) goto oom;
        via_btc_sha256d(hp, b.data, b.len);
        buf_free(&b);
    }
    if (!acp && base != VIA_BTC_SIGHASH_SINGLE && base != VIA_BTC_SIGHASH_NONE) {
        buf_init(&b);
        for (size_t i = 0; i < tx->n_in; i++) buf_u32le(&b, tx->in[i].sequence);
        if (b.oom) goto oom;
        via_btc_sha256d(hs, b.data, b.len);
        buf_free(&b);
    }
    if (base != VIA_BTC_SIGHASH_SINGLE && base != VIA_BTC_SIGHASH_NONE) {
        buf_init(&b);
        for (size_t i = 0; i < tx->n_out; i++) out_ser(&b, &tx->out[i]);
        if (b.oom) goto oom;
        if (b.len) via_btc_sha256d(ho, b.data, b.len);
        else via_btc_sha256d(ho, (const uint8_t *)"", 0);
        buf_free(&b);
    } else if (base == VIA_BTC_SIGHASH_SINGLE && idx < tx->n_out) {
        buf_init(&b);
        out_ser(&b, &tx->out[idx]);
        if (b.oom) goto oom;
        via_btc_sha256d(ho, b.data, b.len);
        buf_free(&b);
    }
    buf_init(&b);
    buf_u32le(&b, tx->version);
    buf_put(&b, hp, 32);
    buf_put(&b, hs, 32);
    buf_put(&b, tx->in[idx].prev_txid, 32);
    buf_u32le(&b, tx->in[idx].prev_vout);
    buf_varint(&b, script_code_len);
    buf_put(&b, script_code, script_code_len);
    buf_u64le(&b, amount);
    buf_u32le(&b, tx->in[idx].sequence);
    buf_put(&b, ho, 32);
    buf_u32le(&b, tx->locktime);
    buf_u32le(&b, hash_type);
    if (b.oom) goto oom;
    via_btc_sha256d(out, b.data, b.len);
    buf_free(&b);
    return VIA_OK;
oom:
    buf_free(&b);
    return via_fail(err, VIA_ENOMEM, "sighash: out of memory");
}

static void sha_buf(uint8_t out[32], via_buf *b) {
    SHA256(b->data ? b->data : (const uint8_t *)"", b->len, out);
    buf_free(b);
}

int via_btc_sigmsg_taproot(uint8_t **msg, size_t *msg_len, const via_btc_tx *tx, size_t idx,
                           const via_btc_txout *spent, size_t n_spent, uint32_t hash_type,
                           const via_btc_taproot_ext *ext, via_error *err) {
    assert(msg && msg_len && tx && (spent || !n_spent));
    *msg = NULL;
    *msg_len = 0;
    if (idx >= tx->n_in)
        return via_fail(err, VIA_EINVAL, "taproot sighash: input %zu of %zu", idx, tx->n_in);
    if (n_spent != tx->n_in)
        return via_fail(err, VIA_EINVAL, "taproot sighash: %zu spent outputs for %zu inputs",
                        n_spent, tx->n_in);
    if (!(hash_type <= 0x03 || (hash_type >= 0x81 && hash_type <= 0x83)))
        return via_fail(err, VIA_EINVAL, "taproot sighash: invalid hash type 0x%02x", hash_type);
    unsigned base = hash_type & 3;
    bool acp = hash_type & VIA_BTC_SIGHASH_ANYONECANPAY;
    if (base == VIA_BTC_SIGHASH_SINGLE && idx >= tx->n_out)
        return via_fail(err, VIA_EINVAL, "taproot sighash: SINGLE for input %zu without output %zu",
                        idx, idx);
    bool annex = ext && ext->annex;
    if (annex && (ext->annex_len == 0 || ext->annex[0] != 0x50))
        return via_fail(err, VIA_EINVAL, "taproot sighash: annex must start with 0x50");
    bool script_path = ext && ext->tapleaf_hash;

    via_buf m, t;
    buf_init(&m);
    buf_init(&t);
    buf_u8(&m, 0x00); /* epoch */
    buf_u8(&m, (uint8_t)hash_type);
    buf_u32le(&m, tx->version);
    buf_u32le(&m, tx->locktime);
    uint8_t h[32];
    if (!acp) {
        buf_init(&t);
        for (size_t i = 0; i < tx->n_in; i++) {
            buf_put(&t, tx->in[i].prev_txid, 32);
            buf_u32le(&t, tx->in[i].prev_vout);
        }
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
        buf_init(&t);
        for (size_t i = 0; i < n_spent; i++) buf_u64le(&t, spent[i].value);
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
        buf_init(&t);
        for (size_t i = 0; i < n_spent; i++) {
            buf_varint(&t, spent[i].script_pubkey.len);
            buf_put(&t, spent[i].script_pubkey.data, spent[i].script_pubkey.len);
        }
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
        buf_init(&t);
        for (size_t i = 0; i < tx->n_in; i++) buf_u32le(&t, tx->in[i].sequence);
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
    }
    if (base != VIA_BTC_SIGHASH_NONE && base != VIA_BTC_SIGHASH_SINGLE) {
        buf_init(&t);
        for (size_t i = 0; i < tx->n_out; i++) out_ser(&t, &tx->out[i]);
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
    }
    buf_u8(&m, (uint8_t)((script_path ? 2 : 0) | (annex ? 1 : 0)));
    if (acp) {
        const via_btc_txin *in = &tx->in[idx];
        buf_put(&m, in->prev_txid, 32);
        buf_u32le(&m, in->prev_vout);
        buf_u64le(&m, spent[idx].value);
        buf_varint(&m, spent[idx].script_pubkey.len);
        buf_put(&m, spent[idx].script_pubkey.data, spent[idx].script_pubkey.len);
        buf_u32le(&m, in->sequence);
    } else {
        buf_u32le(&m, (uint32_t)idx);
    }
    if (annex) {
        buf_init(&t);
        buf_varint(&t, ext->annex_len);
        buf_put(&t, ext->annex, ext->annex_len);
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
    }
    if (base == VIA_BTC_SIGHASH_SINGLE) {
        buf_init(&t);
        out_ser(&t, &tx->out[idx]);
        if (t.oom) goto oom;
        sha_buf(h, &t);
        buf_put(&m, h, 32);
    }
    if (script_path) {
        buf_put(&m, ext->tapleaf_hash, 32);
        buf_u8(&m, 0x00); /* key_version */
        buf_u32le(&m, ext->codesep_pos);
    }
    if (m.oom) goto oom;
    *msg = m.data; /* never empty: epoch, hash type, version, locktime at least */
    *msg_len = m.len;
    return VIA_OK;
oom:
    buf_free(&t);
    buf_free(&m);
    return via_fail(err, VIA_ENOMEM, "taproot sighash: out of memory");
}

int via_btc_sighash_taproot(uint8_t out[32], const via_btc_tx *tx, size_t idx,
                            const via_btc_txout *spent, size_t n_spent, uint32_t hash_type,
                            const via_btc_taproot_ext *ext, via_error *err) {
    assert(out && tx && (spent || !n_spent));
    memset(out, 0, 32);
    uint8_t *m;
    size_t m_len;
    int rc = via_btc_sigmsg_taproot(&m, &m_len, tx, idx, spent, n_spent, hash_type, ext, err);
    if (rc) return rc;
    via_btc_tagged_hash(out, "TapSighash", m, m_len);
    free(m);
    return VIA_OK;
}
