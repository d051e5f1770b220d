/* EdDSA-Poseidon as circomlibjs computes it; see eddsa.h for the equations. */
#include "via/eddsa.h"

#include <assert.h>

#include "via/blake512.h"
#include "via/poseidon.h"

/* h = BLAKE-512(sk) with the first half pruned; s = LE(h[0..31]). */
static void expand_key(uint8_t h[64], uint64_t s[4], const uint8_t sk[VIA_EDDSA_SECRET_BYTES]) {
    via_blake512(h, sk, VIA_EDDSA_SECRET_BYTES);
    h[0] &= 0xf8;
    h[31] &= 0x7f;
    h[31] |= 0x40;
    via_limbs_from_bytes_le(s, h);
}

static void pub_from_s(via_babyjub_point *a, const uint64_t s[4]) {
    uint64_t s3[4];
    for (int i = 0; i < 4; i++)
        s3[i] = (s[i] >> 3) | (i < 3 ? s[i + 1] << 61 : 0);
    via_babyjub_point b8;
    via_babyjub_base8(&b8);
    via_babyjub_mul(a, &b8, s3);
    via_wipe(s3, sizeof s3);
}

void via_eddsa_pubkey(via_babyjub_point *a, const uint8_t sk[VIA_EDDSA_SECRET_BYTES]) {
    assert(a && sk);
    uint8_t h[64];
    uint64_t s[4];
    expand_key(h, s, sk);
    pub_from_s(a, s);
    via_wipe(h, sizeof h);
    via_wipe(s, sizeof s);
}

/* hm = Poseidon(R8.x, R8.y, A.x, A.y, msg) as a plain integer. */
static void challenge(uint64_t hm[4], const via_babyjub_point *r8, const via_babyjub_point *a,
                      const via_fr *msg) {
    via_fr in[5] = {r8->x, r8->y, a->x, a->y, *msg}, out;
    int rc = via_poseidon(&out, in, 5);
    assert(rc == 0);
    (void)rc;
    via_fr_to_canon(hm, &out);
}

void via_eddsa_sign(via_eddsa_sig *sig, const uint8_t sk[VIA_EDDSA_SECRET_BYTES],
                    const via_fr *msg) {
    assert(sig && sk && msg);
    uint8_t h[64], buf[64], rh[64];
    uint64_t s[4], r[4], rw[8], hm[4];
    via_babyjub_point a, b8;
    expand_key(h, s, sk);
    pub_from_s(&a, s);
    memcpy(buf, h + 32, 32);
    via_fr_to_bytes_le(buf + 32, msg);
    via_blake512(rh, buf, sizeof buf);
    via_limbs_from_bytes_le(rw, rh);
    via_limbs_from_bytes_le(rw + 4, rh + 32);
    via_babyjub_scalar_reduce512(r, rw);
    via_babyjub_base8(&b8);
    via_babyjub_mul(&sig->r8, &b8, r);
    challenge(hm, &sig->r8, &a, msg);
    via_babyjub_scalar_muladd(sig->s, r, hm, s);
    via_wipe(h, sizeof h);
    via_wipe(buf, sizeof buf);
    via_wipe(rh, sizeof rh);
    via_wipe(s, sizeof s);
    via_wipe(r, sizeof r);
    via_wipe(rw, sizeof rw);
}

int via_eddsa_verify_var(const via_babyjub_point *a, const via_fr *msg, const via_eddsa_sig *sig,
                         via_error *err) {
    assert(a && msg && sig);
    if (!via_babyjub_on_curve(a))
        return via_fail(err, VIA_EVERIFY, "EdDSA: public key is not on BabyJubJub");
    if (!via_babyjub_on_curve(&sig->r8))
        return via_fail(err, VIA_EVERIFY, "EdDSA: signature point R8 is not on BabyJubJub");
    if (!via_limbs_lt(sig->s, via_babyjub_l))
        return via_fail(err, VIA_EVERIFY,
                        "EdDSA: signature scalar S is not below the subgroup order");
    /* projective throughout: no inversion (the checks compare X/Z and Y/Z by cross products) */
    via_babyjub_proj a8, lhs, rhs, r8;
    via_babyjub_proj_from_affine(&a8, a);
    via_babyjub_proj_dbl(&a8, &a8);
    via_babyjub_proj_dbl(&a8, &a8);
    via_babyjub_proj_dbl(&a8, &a8);
    if (via_fr_is_zero(&a8.x))
        return via_fail(err, VIA_EVERIFY, "EdDSA: public key has small order");
    uint64_t hm[4];
    challenge(hm, &sig->r8, a, msg);
    via_babyjub_proj_mul_base8_var(&lhs, sig->s);
    via_babyjub_proj_mul_var(&rhs, &a8, hm);
    via_babyjub_proj_from_affine(&r8, &sig->r8);
    via_babyjub_proj_add(&rhs, &rhs, &r8);
    if (!via_babyjub_proj_eq(&lhs, &rhs))
        return via_fail(err, VIA_EVERIFY,
                        "EdDSA: signature does not verify for this key and message");
    return VIA_OK;
}

void via_eddsa_sig_pack(uint8_t out[64], const via_eddsa_sig *sig) {
    via_babyjub_pack(out, &sig->r8);
    via_limbs_to_bytes_le(out + 32, sig->s);
}

int via_eddsa_sig_unpack_var(via_eddsa_sig *sig, const uint8_t in[64], via_error *err) {
    memset(sig, 0, sizeof *sig);
    int rc = via_babyjub_unpack_var(&sig->r8, in, err);
    if (rc) return rc;
    via_limbs_from_bytes_le(sig->s, in + 32);
    if (!via_limbs_lt(sig->s, via_babyjub_l)) {
        memset(sig, 0, sizeof *sig);
        return via_fail(err, VIA_EFORMAT,
                        "packed EdDSA signature: S (bytes 32..63) is not below the subgroup order");
    }
    return VIA_OK;
}
