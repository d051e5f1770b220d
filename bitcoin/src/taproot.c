/* Taproot commitments (BIP-341): leaf and branch hashes, output-key tweak, control blocks. */
#include "internal.h"
#include <assert.h>
#include <secp256k1_extrakeys.h>
#include <string.h>

void via_btc_tapleaf_hash(uint8_t out[32], uint8_t leaf_version, const uint8_t *script,
                          size_t script_len) {
    via_buf b;
    buf_init(&b);
    buf_u8(&b, leaf_version);
    buf_varint(&b, script_len);
    buf_put(&b, script, script_len);
    assert(!b.oom);
    via_btc_tagged_hash(out, "TapLeaf", b.data, b.len);
    buf_free(&b);
}

void via_btc_tapbranch_hash(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
    uint8_t t[64];
    if (memcmp(a, b, 32) <= 0) {
        memcpy(t, a, 32);
        memcpy(t + 32, b, 32);
    } else {
        memcpy(t, b, 32);
        memcpy(t + 32, a, 32);
    }
    via_btc_tagged_hash(out, "TapBranch", t, 64);
}

static void tweak_hash(uint8_t t[32], const uint8_t internal[32], const uint8_t *merkle_root) {
    uint8_t buf[64];
    memcpy(buf, internal, 32);
    if (merkle_root) memcpy(buf + 32, merkle_root, 32);
    via_btc_tagged_hash(t, "TapTweak", buf, merkle_root ? 64 : 32);
}

void via_btc_taproot_tweak(uint8_t out[32], const uint8_t internal_xonly[32],
                           const uint8_t *merkle_root) {
    assert(out && internal_xonly);
    tweak_hash(out, internal_xonly, merkle_root);
}

int via_btc_taproot_output_key(uint8_t output_xonly[32], int *parity,
                               const uint8_t internal_xonly[32], const uint8_t *merkle_root,
                               via_error *err) {
    assert(output_xonly && internal_xonly);
    const secp256k1_context *ctx = via_btc_secp();
    secp256k1_xonly_pubkey p, q;
    secp256k1_pubkey full;
    uint8_t t[32];
    int par = 0;
    memset(output_xonly, 0, 32);
    if (!secp256k1_xonly_pubkey_parse(ctx, &p, internal_xonly))
        return via_fail(err, VIA_EINVAL, "taproot: internal key is not a curve x coordinate");
    tweak_hash(t, internal_xonly, merkle_root);
    if (!secp256k1_xonly_pubkey_tweak_add(ctx, &full, &p, t) ||
        !secp256k1_xonly_pubkey_from_pubkey(ctx, &q, &par, &full) ||
        !secp256k1_xonly_pubkey_serialize(ctx, output_xonly, &q))
        return via_fail(err, VIA_EINVAL, "taproot: tweak is invalid for this key");
    if (parity) *parity = par;
    return VIA_OK;
}

int via_btc_taproot_tweak_seckey(uint8_t out[32], const uint8_t seckey[32],
                                 const uint8_t *merkle_root) {
    const secp256k1_context *ctx = via_btc_secp();
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey xo;
    uint8_t x[32], t[32];
    int ok = secp256k1_keypair_create(ctx, &kp, seckey) &&
             secp256k1_keypair_xonly_pub(ctx, &xo, NULL, &kp) &&
             secp256k1_xonly_pubkey_serialize(ctx, x, &xo);
    if (ok) {
        tweak_hash(t, x, merkle_root);
        ok = secp256k1_keypair_xonly_tweak_add(ctx, &kp, t) && secp256k1_keypair_sec(ctx, out, &kp);
    }
    via_wipe(&kp, sizeof kp);
    if (!ok) {
        via_wipe(out, 32);
        return VIA_EINVAL;
    }
    return VIA_OK;
}

void via_btc_taproot_control_block(uint8_t *out, size_t *out_len, uint8_t leaf_version,
                                   int output_parity, const uint8_t internal_xonly[32],
                                   const uint8_t *path, size_t n_path) {
    assert(out && out_len && internal_xonly && (path || !n_path));
    out[0] = (uint8_t)((leaf_version & 0xfe) | (output_parity ? 1 : 0));
    memcpy(out + 1, internal_xonly, 32);
    if (n_path) memcpy(out + 33, path, 32 * n_path);
    *out_len = 33 + 32 * n_path;
}

int via_btc_taproot_verify_commitment(const uint8_t output_xonly[32], const uint8_t *script,
                                      size_t script_len, const uint8_t *control, size_t control_len,
                                      via_error *err) {
    assert(output_xonly && (script || !script_len) && (control || !control_len));
    if (control_len < 33 || (control_len - 33) % 32 ||
        (control_len - 33) / 32 > VIA_BTC_TAPROOT_MAX_DEPTH)
        return via_fail(err, VIA_EFORMAT, "control block: bad length %zu", control_len);
    uint8_t k[32], q[32];
    int par;
    via_btc_tapleaf_hash(k, control[0] & 0xfe, script, script_len);
    for (size_t i = 33; i < control_len; i += 32) via_btc_tapbranch_hash(k, k, control + i);
    int rc = via_btc_taproot_output_key(q, &par, control + 1, k, err);
    if (rc) return rc;
    if (memcmp(q, output_xonly, 32) || par != (control[0] & 1))
        return via_fail(err, VIA_EVERIFY,
                        "control block: script does not commit to the output key");
    return VIA_OK;
}
