#include "via/musig_testing.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

int via_musig_nonce_gen_with_rand(via_musig_secnonce **secnonce, uint8_t pubnonce[66],
                                  const uint8_t rand32[32], const uint8_t *seckey,
                                  const uint8_t pubkey[33], const uint8_t *aggpk,
                                  const uint8_t *msg, size_t msg_len, int msg_present,
                                  const uint8_t *extra_in, size_t extra_len, via_error *err) {
    return via_musig__nonce_gen_rand(secnonce, pubnonce, rand32, seckey, pubkey, aggpk, msg,
                                     msg_len, msg_present, extra_in, extra_len, err);
}

int via_musig_secnonce_load(via_musig_secnonce **out, const uint8_t in[97], via_error *err) {
    via_musig_secnonce *sn = calloc(1, sizeof *sn);
    *out = NULL;
    if (!sn) return via_fail(err, VIA_ENOMEM, "musig secnonce: out of memory");
    memcpy(sn->k1, in, 32);
    memcpy(sn->k2, in + 32, 32);
    memcpy(sn->pubkey, in + 64, 33);
    atomic_store(&sn->live, 1);
    *out = sn;
    return VIA_OK;
}

int via_musig_secnonce_peek(const via_musig_secnonce *sn, uint8_t out[97]) {
    memcpy(out, sn->k1, 32);
    memcpy(out + 32, sn->k2, 32);
    memcpy(out + 64, sn->pubkey, 33);
    return atomic_load(&((via_musig_secnonce *)sn)->live) == 1;
}
