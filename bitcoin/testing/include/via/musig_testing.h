/* Test-only MuSig2 entry points (library via_bitcoin_testing, linked by tests alone): nonce
 * generation from a caller-given rand', loading a BIP-327 secnonce encoding, and reading a
 * secnonce's bytes back. A product binary cannot reach them, so it can neither choose its own
 * nonce randomness nor load or inspect a secret nonce. */
#ifndef VIA_MUSIG_TESTING_H
#define VIA_MUSIG_TESTING_H
#include "via/bitcoin.h"

/* via_musig_nonce_gen with rand' given (BIP-327 test vectors: a repeated rand leaks the key). */
VIA_MUST_USE int via_musig_nonce_gen_with_rand(via_musig_secnonce **secnonce, uint8_t pubnonce[66],
                                               const uint8_t rand32[32], const uint8_t *seckey,
                                               const uint8_t pubkey[33], const uint8_t *aggpk,
                                               const uint8_t *msg, size_t msg_len, int msg_present,
                                               const uint8_t *extra_in, size_t extra_len,
                                               via_error *err);
/* A new secnonce from its 97-byte BIP-327 encoding (k1 || k2 || pk), unchecked (the signer
 * checks the range, as the vectors expect). */
VIA_MUST_USE int via_musig_secnonce_load(via_musig_secnonce **secnonce, const uint8_t in[97],
                                         via_error *err);
/* Its 97-byte encoding as it is now (all-zero scalars once consumed); 1 while unused, else 0. */
int via_musig_secnonce_peek(const via_musig_secnonce *secnonce, uint8_t out[97]);
#endif
