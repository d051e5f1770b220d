/*
 * Fiat-Shamir transcript for proof aggregation, built so that everything the verifier relies
 * on is bound (the "V2" lesson of SnarkPack, docs/sources.md): every message is absorbed with
 * its label and length, every challenge is derived from all that came before it, and every
 * challenge is itself absorbed, so later challenges depend on earlier ones.
 *
 * Construction: one running BLAKE2b-512 state, started with the protocol's domain label.
 * append(label, bytes) absorbs u32 len(label) | label | u64 len(bytes) | bytes.
 * challenge(label) finalises a copy of the state after absorbing "challenge" | label | a
 * counter, reads the 64 bytes as two little-endian 256-bit integers H and L, and returns
 * (H mod r) * 2^256 + (L mod r) mod r (statistically close to uniform), retrying with the next
 * counter in the negligible case of 0; the challenge's canonical bytes are then appended.
 * Points are absorbed in canonical uncompressed form (affine x, y, G2 as c0, c1, each 32
 * bytes big-endian; infinity as zeros), GT elements as via_gt_encode, scalars as 32 bytes
 * big-endian canonical.
 */
#ifndef VIA_PROVER_TRANSCRIPT_H
#define VIA_PROVER_TRANSCRIPT_H
#include <stddef.h>
#include <stdint.h>

#include "via/blake2b.h"
#include "via/curve.h"
#include "via/gt.h"
#include "via/msm.h"

typedef struct {
    via_blake2b_ctx h;
    uint64_t counter;
} via_transcript;

void via_transcript_init(via_transcript *t, const char *domain);
void via_transcript_append(via_transcript *t, const char *label, const void *data, size_t len);
void via_transcript_append_u64(via_transcript *t, const char *label, uint64_t v);
void via_transcript_append_g1(via_transcript *t, const char *label, const via_g1_affine *p);
void via_transcript_append_g2(via_transcript *t, const char *label, const via_g2_affine *p);
void via_transcript_append_gt(via_transcript *t, const char *label, const via_gt *a);
void via_transcript_append_scalar(via_transcript *t, const char *label, const via_scalar *s);
/* A non-zero challenge in Fr (Montgomery form), absorbed before returning. */
void via_transcript_challenge(via_transcript *t, const char *label, via_fr *out);
#endif
