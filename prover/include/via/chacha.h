/*
 * The ChaCha20-based generator of ffjavascript (src/chacha.js), which snarkjs seeds from a
 * BLAKE2b digest to derive public values that everyone must recompute identically: the
 * phase-2 point g2_sp = hashToG2(transcript) is drawn from it. It is the ChaCha20 block
 * function (RFC 8439 rounds) with the 8 seed words as key, a 128-bit block counter in words
 * 12..15 starting at 0 and no nonce, and output consumed one 32-bit word at a time.
 *
 * Not a secret-key generator here: secrets come from the OS (getrandom). The state is
 * deterministic by design.
 */
#ifndef VIA_PROVER_CHACHA_H
#define VIA_PROVER_CHACHA_H
#include <stdint.h>

typedef struct {
    uint32_t state[16];
    uint32_t block[16];
    unsigned idx; /* next unread word of block; 16 = empty */
} via_chacha;

void via_chacha_init(via_chacha *rng, const uint32_t seed[8]);
/* Seed words read big-endian from the first 32 bytes of a digest, as snarkjs's hashToG2
 * and getRandomRng do. */
void via_chacha_init_from_hash(via_chacha *rng, const uint8_t digest[32]);
uint32_t via_chacha_next_u32(via_chacha *rng);
/* ffjavascript nextU64: the first word drawn is the high half. */
uint64_t via_chacha_next_u64(via_chacha *rng);
#endif
