/*
 * EdDSA-Poseidon on BabyJubJub, bit-compatible with circomlibjs eddsa.js (prv2pub,
 * signPoseidon, verifyPoseidon) and circomlib's EdDSAPoseidonVerifier circuit.
 *
 *   h   = BLAKE-512(sk)                       (the original BLAKE, see blake512.h)
 *   s   = LE(h[0..31]) after pruning: h[0] &= 0xf8, h[31] &= 0x7f, h[31] |= 0x40
 *   A   = (s >> 3) * Base8                    public key
 *   r   = LE(BLAKE-512(h[32..63] || LE32(msg))) mod l
 *   R8  = r * Base8
 *   hm  = Poseidon(R8.x, R8.y, A.x, A.y, msg) (t = 6)
 *   S   = (r + hm * s) mod l                  signature = (R8, S)
 *   verify: A and R8 on the curve, S < l, 8*A != identity-like (x of 8A nonzero, as the
 *           circuit requires), and S*Base8 == R8 + 8*hm*A.
 *
 * The message is one field element. Secret keys are 32 bytes; signing and key derivation are
 * constant time and wipe their intermediates. Verification is variable time (public data).
 */
#ifndef VIA_PROVER_EDDSA_H
#define VIA_PROVER_EDDSA_H

#include <stdint.h>

#include "via/babyjub.h"
#include "via/status.h"
#include "via/field.h"

#define VIA_EDDSA_SECRET_BYTES 32

typedef struct {
    via_babyjub_point r8;
    uint64_t s[4]; /* plain integer < l, little-endian limbs */
} via_eddsa_sig;

/* A = public key of sk. */
void via_eddsa_pubkey(via_babyjub_point *a, const uint8_t sk[VIA_EDDSA_SECRET_BYTES]);

/* Deterministic signature of msg (Montgomery form) under sk. */
void via_eddsa_sign(via_eddsa_sig *sig, const uint8_t sk[VIA_EDDSA_SECRET_BYTES],
                    const via_fr *msg);

/* VIA_OK when sig is a valid signature of msg under a; VIA_EVERIFY with a reason in err
 * otherwise (a point off the curve, S >= l, a small-order key, or a failed equation). */
int via_eddsa_verify_var(const via_babyjub_point *a, const via_fr *msg, const via_eddsa_sig *sig,
                         via_error *err) VIA_MUST_USE;

/* circomlibjs packSignature: packed R8 (32 bytes) || S (32 bytes little-endian). */
void via_eddsa_sig_pack(uint8_t out[64], const via_eddsa_sig *sig);
/* Inverse of via_eddsa_sig_pack; VIA_EFORMAT with a message when R8 does not unpack or
 * S >= l. */
int via_eddsa_sig_unpack_var(via_eddsa_sig *sig, const uint8_t in[64], via_error *err) VIA_MUST_USE;

#endif
