/* The aggregation transcript; see via/transcript.h for the construction. */
#include "via/transcript.h"

#include <string.h>

static void absorb(via_transcript *t, const void *p, size_t n) {
    via_blake2b_update(&t->h, p, n);
}

static void absorb_u32(via_transcript *t, uint32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    absorb(t, b, 4);
}

static void absorb_u64(via_transcript *t, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    absorb(t, b, 8);
}

void via_transcript_init(via_transcript *t, const char *domain) {
    via_blake2b_init(&t->h, 64);
    t->counter = 0;
    absorb_u32(t, (uint32_t)strlen(domain));
    absorb(t, domain, strlen(domain));
}

void via_transcript_append(via_transcript *t, const char *label, const void *data, size_t len) {
    absorb_u32(t, (uint32_t)strlen(label));
    absorb(t, label, strlen(label));
    absorb_u64(t, (uint64_t)len);
    absorb(t, data, len);
}

void via_transcript_append_u64(via_transcript *t, const char *label, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    via_transcript_append(t, label, b, 8);
}


void via_transcript_append_g1(via_transcript *t, const char *label, const via_g1_affine *p) {
    uint8_t b[64];
    via_fq_to_bytes_be(b, &p->x);
    via_fq_to_bytes_be(b + 32, &p->y);
    via_transcript_append(t, label, b, sizeof b);
}

void via_transcript_append_g2(via_transcript *t, const char *label, const via_g2_affine *p) {
    uint8_t b[128];
    via_fq_to_bytes_be(b, &p->x.c0);
    via_fq_to_bytes_be(b + 32, &p->x.c1);
    via_fq_to_bytes_be(b + 64, &p->y.c0);
    via_fq_to_bytes_be(b + 96, &p->y.c1);
    via_transcript_append(t, label, b, sizeof b);
}

void via_transcript_append_gt(via_transcript *t, const char *label, const via_gt *a) {
    uint8_t b[VIA_GT_BYTES];
    via_gt_encode(b, a);
    via_transcript_append(t, label, b, sizeof b);
}

void via_transcript_append_scalar(via_transcript *t, const char *label, const via_scalar *s) {
    uint8_t le[32], be[32];
    via_limbs_to_bytes_le(le, s->l);
    for (int i = 0; i < 32; i++)
        be[i] = le[31 - i];
    via_transcript_append(t, label, be, sizeof be);
}

/* x mod r for a 256-bit x (x < 2^256 < 6r: a few conditional subtractions). */
static void mod_r(uint64_t x[4]) {
    while (!via_limbs_lt(x, via_fr_mod.p)) via_limbs_sub(x, x, via_fr_mod.p);
}

void via_transcript_challenge(via_transcript *t, const char *label, via_fr *out) {
    for (;;) {
        via_blake2b_ctx c = t->h;
        static const char tag[] = "challenge";
        uint8_t b[8];
        uint32_t ll = (uint32_t)strlen(label);
        via_blake2b_update(&c, tag, sizeof tag - 1);
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)(ll >> (8 * i));
        via_blake2b_update(&c, b, 4);
        via_blake2b_update(&c, label, ll);
        for (int i = 0; i < 8; i++)
            b[i] = (uint8_t)(t->counter >> (8 * i));
        via_blake2b_update(&c, b, 8);
        t->counter++;
        uint8_t d[64];
        via_blake2b_final(&c, d);
        uint64_t lo[4], hi[4];
        via_limbs_from_bytes_le(lo, d);
        via_limbs_from_bytes_le(hi, d + 32);
        mod_r(lo);
        mod_r(hi);
        via_fr l, h, r256;
        via_fr_from_canon_unchecked(&l, lo);
        via_fr_from_canon_unchecked(&h, hi);
        via_fr_from_canon_unchecked(&r256, via_fr_mod.r1); /* 2^256 mod r */
        via_fr_mul(&h, &h, &r256);
        via_fr_add(out, &h, &l);
        if (!via_fr_is_zero(out)) break;
    }
    via_scalar s;
    via_fr_to_canon(s.l, out);
    via_transcript_append_scalar(t, label, &s);
}
