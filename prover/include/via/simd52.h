/*
 * Eight field elements at a time with AVX-512 IFMA (vpmadd52luq / vpmadd52huq).
 *
 * A via_v52 holds eight elements of Fq or Fr "in lanes": limb k of all eight elements sits in
 * one 512-bit register, in radix 2^52 (five limbs, 260 bits). The values are the same
 * Montgomery representatives as field.h's (R = 2^256, not 2^260): the Montgomery reduction
 * runs four 52-bit steps and one 48-bit step, so a value loaded from a via_fq and stored back
 * after any sequence of operations has exactly the bytes the scalar code would produce.
 *
 * Lazy reduction: inside the lanes values are kept below 2p (p < 2^254 and R = 2^256 >= 4p,
 * so a Montgomery product of two values below 2p is again below 2p). Stores bring them below
 * p. Limbs are always normalised (each below 2^52) between operations.
 *
 * Wide accumulation: via_v52_wide holds an unreduced sum of products (ten 64-bit column
 * accumulators per lane); up to VIA_V52_WIDE_MAX products of values below 2p can be summed
 * before one reduction, which is how dot products (Poseidon's MDS rows, one row per lane) pay
 * a single reduction per output instead of one per term.
 *
 * Use: only on x86-64 with GCC or Clang (VIA_HAVE_SIMD52 is then 1), and only after checking
 * via_simd52_have at run time (set by via_simd52_init: CPUID IFMA + AVX-512F and the OS saving
 * the ZMM state; VIA_NO_SIMD52 set to anything but "" or "0" turns it off). Functions that call
 * these helpers need the target attribute too (VIA_SIMD52_FN) so that they inline. Nothing here
 * branches on the data: the helpers are constant time.
 */
#ifndef VIA_PROVER_SIMD52_H
#define VIA_PROVER_SIMD52_H

#include <stddef.h>
#include <stdint.h>

#include "via/field.h"

/* 1 when the running CPU and OS support the IFMA path and it is not disabled. */
extern int via_simd52_have;
void via_simd52_init(void);

/* Constants of one modulus in radix 2^52. */
typedef struct {
    uint64_t p[5], p2[5], p4[5], p8[5]; /* p, 2p, 4p, 8p */
    uint64_t pinv;                      /* -p^-1 mod 2^52 */
} via_s52_mod;

extern via_s52_mod via_s52_fq, via_s52_fr; /* filled by via_simd52_init */

/* Sums of more products than this may overflow the reduction's bounds. */
#define VIA_V52_WIDE_MAX 18

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(VIA_NO_ASM)
#define VIA_HAVE_SIMD52 1
#include <immintrin.h>

#define VIA_SIMD52_FN __attribute__((target("avx512f,avx512ifma")))
#define VIA_V52_INLINE static inline __attribute__((always_inline, target("avx512f,avx512ifma")))

typedef struct {
    __m512i l[5];
} via_v52;

typedef struct {
    __m512i t[10];
} via_v52_wide;

#define VIA_V52_M52 0xfffffffffffffULL
/* The limb loops must be unrolled so that the limbs live in registers. */
#define VIA_V52_UNROLL _Pragma("GCC unroll 16")

VIA_V52_INLINE __m512i via_v52_k(uint64_t v) {
    return _mm512_set1_epi64((long long)v);
}

/* 4x64 limbs (8 lanes, limb k of lane j in w[k] lane j) -> radix 2^52. */
VIA_V52_INLINE void via_v52_from64(via_v52 *r, __m512i w0, __m512i w1, __m512i w2, __m512i w3) {
    const __m512i m = via_v52_k(VIA_V52_M52);
    r->l[0] = _mm512_and_si512(w0, m);
    r->l[1] =
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(w0, 52), _mm512_slli_epi64(w1, 12)), m);
    r->l[2] =
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(w1, 40), _mm512_slli_epi64(w2, 24)), m);
    r->l[3] =
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(w2, 28), _mm512_slli_epi64(w3, 36)), m);
    r->l[4] = _mm512_srli_epi64(w3, 16);
}

/* Radix 2^52 (normalised, value < 2^256) -> 4x64 limbs. */
VIA_V52_INLINE void via_v52_to64(__m512i w[4], const via_v52 *a) {
    w[0] = _mm512_or_si512(a->l[0], _mm512_slli_epi64(a->l[1], 52));
    w[1] = _mm512_or_si512(_mm512_srli_epi64(a->l[1], 12), _mm512_slli_epi64(a->l[2], 40));
    w[2] = _mm512_or_si512(_mm512_srli_epi64(a->l[2], 24), _mm512_slli_epi64(a->l[3], 28));
    w[3] = _mm512_or_si512(_mm512_srli_epi64(a->l[3], 36), _mm512_slli_epi64(a->l[4], 16));
}

/* Lane j <- the field element (4 limbs) at byte offset off from ptr[j]. */
VIA_V52_INLINE void via_v52_gather_at(via_v52 *r, const void *const ptr[8], size_t off) {
    const __m512i addr = _mm512_loadu_si512((const void *)ptr);
    const char *b = (const char *)(uintptr_t)off;
    __m512i w0 = _mm512_i64gather_epi64(addr, (const void *)b, 1);
    __m512i w1 = _mm512_i64gather_epi64(addr, (const void *)(b + 8), 1);
    __m512i w2 = _mm512_i64gather_epi64(addr, (const void *)(b + 16), 1);
    __m512i w3 = _mm512_i64gather_epi64(addr, (const void *)(b + 24), 1);
    via_v52_from64(r, w0, w1, w2, w3);
}

VIA_V52_INLINE void via_v52_gather(via_v52 *r, const uint64_t *const ptr[8]) {
    via_v52_gather_at(r, (const void *const *)ptr, 0);
}

/* Lane j <- a[j] for eight consecutive elements (stride 4 words): four loads and a 4 x 8
 * transpose in registers. */
VIA_V52_INLINE void via_v52_load8(via_v52 *r, const uint64_t *a) {
    const __m512i r0 = _mm512_loadu_si512((const void *)a),
                  r1 = _mm512_loadu_si512((const void *)(a + 8));
    const __m512i r2 = _mm512_loadu_si512((const void *)(a + 16)),
                  r3 = _mm512_loadu_si512((const void *)(a + 24));
    const __m512i lo = _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0),
                  hi = _mm512_set_epi64(15, 14, 11, 10, 7, 6, 3, 2);
    const __m512i ev = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0),
                  od = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
    __m512i a01 = _mm512_permutex2var_epi64(r0, lo, r1); /* limbs 0, 1 of elements 0..3 */
    __m512i a23 = _mm512_permutex2var_epi64(r0, hi, r1); /* limbs 2, 3 of elements 0..3 */
    __m512i b01 = _mm512_permutex2var_epi64(r2, lo, r3);
    __m512i b23 = _mm512_permutex2var_epi64(r2, hi, r3);
    via_v52_from64(r, _mm512_permutex2var_epi64(a01, ev, b01),
                   _mm512_permutex2var_epi64(a01, od, b01), _mm512_permutex2var_epi64(a23, ev, b23),
                   _mm512_permutex2var_epi64(a23, od, b23));
}

/* Lane j <- the element at a + j * stride (stride in 64-bit words), and the store back. */
VIA_V52_INLINE void via_v52_load_stride(via_v52 *r, const uint64_t *a, size_t stride) {
    const long long st = (long long)stride;
    const __m512i idx = _mm512_set_epi64(7 * st, 6 * st, 5 * st, 4 * st, 3 * st, 2 * st, st, 0);
    __m512i w0 = _mm512_i64gather_epi64(idx, (const long long *)a, 8);
    __m512i w1 = _mm512_i64gather_epi64(idx, (const long long *)(a + 1), 8);
    __m512i w2 = _mm512_i64gather_epi64(idx, (const long long *)(a + 2), 8);
    __m512i w3 = _mm512_i64gather_epi64(idx, (const long long *)(a + 3), 8);
    via_v52_from64(r, w0, w1, w2, w3);
}

/* All lanes <- a. */
VIA_V52_INLINE void via_v52_bcast(via_v52 *r, const uint64_t a[4]) {
    via_v52_from64(r, via_v52_k(a[0]), via_v52_k(a[1]), via_v52_k(a[2]), via_v52_k(a[3]));
}

/* r = a - k if a >= k else a, for a < 2k (normalised limbs, k in radix 2^52). */
VIA_V52_INLINE void via_v52_csub(via_v52 *r, const via_v52 *a, const uint64_t k[5]) {
    const __m512i m = via_v52_k(VIA_V52_M52);
    __m512i d[5];
    __m512i c = _mm512_setzero_si512();
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++) {
        __m512i x = _mm512_add_epi64(_mm512_sub_epi64(a->l[i], via_v52_k(k[i])), c);
        c = _mm512_srai_epi64(x, 52);
        d[i] = _mm512_and_si512(x, m);
    }
    /* c is -1 in the lanes where a < k: keep a there */
    __mmask8 neg = _mm512_cmplt_epi64_mask(c, _mm512_setzero_si512());
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++)
        r->l[i] = _mm512_mask_blend_epi64(neg, d[i], a->l[i]);
}

/* Canonical value (< p) from a lazily reduced one (< 2p). */
VIA_V52_INLINE void via_v52_canon(via_v52 *r, const via_v52 *a, const via_s52_mod *m) {
    via_v52_csub(r, a, m->p);
}

/* Stores: lanes brought below p, then written as 4x64 limbs (lane j to byte offset off from
 * ptr[j]): the four limb vectors are transposed into one 256-bit row per lane (unpack, then
 * cross-lane permutes) and stored row by row. */
VIA_V52_INLINE void via_v52_scatter_at(void *const ptr[8], size_t off, const via_v52 *a,
                                       const via_s52_mod *m) {
    via_v52 c;
    __m512i w[4];
    via_v52_canon(&c, a, m);
    via_v52_to64(w, &c);
    const __m512i t0 = _mm512_unpacklo_epi64(w[0], w[1]), t1 = _mm512_unpackhi_epi64(w[0], w[1]);
    const __m512i t2 = _mm512_unpacklo_epi64(w[2], w[3]), t3 = _mm512_unpackhi_epi64(w[2], w[3]);
    const __m512i lo = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0),
                  hi = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
    const __m512i r02 = _mm512_permutex2var_epi64(t0, lo, t2),
                  r46 = _mm512_permutex2var_epi64(t0, hi, t2);
    const __m512i r13 = _mm512_permutex2var_epi64(t1, lo, t3),
                  r57 = _mm512_permutex2var_epi64(t1, hi, t3);
#define VIA_V52_ROW(j) ((__m256i *)(void *)((char *)ptr[j] + off))
    _mm256_storeu_si256(VIA_V52_ROW(0), _mm512_castsi512_si256(r02));
    _mm256_storeu_si256(VIA_V52_ROW(2), _mm512_extracti64x4_epi64(r02, 1));
    _mm256_storeu_si256(VIA_V52_ROW(4), _mm512_castsi512_si256(r46));
    _mm256_storeu_si256(VIA_V52_ROW(6), _mm512_extracti64x4_epi64(r46, 1));
    _mm256_storeu_si256(VIA_V52_ROW(1), _mm512_castsi512_si256(r13));
    _mm256_storeu_si256(VIA_V52_ROW(3), _mm512_extracti64x4_epi64(r13, 1));
    _mm256_storeu_si256(VIA_V52_ROW(5), _mm512_castsi512_si256(r57));
    _mm256_storeu_si256(VIA_V52_ROW(7), _mm512_extracti64x4_epi64(r57, 1));
#undef VIA_V52_ROW
}

VIA_V52_INLINE void via_v52_scatter(uint64_t *const ptr[8], const via_v52 *a,
                                    const via_s52_mod *m) {
    via_v52_scatter_at((void *const *)ptr, 0, a, m);
}

VIA_V52_INLINE void via_v52_store8(uint64_t *out, const via_v52 *a, const via_s52_mod *m) {
    via_v52 c;
    __m512i w[4];
    via_v52_canon(&c, a, m);
    via_v52_to64(w, &c);
    /* the inverse of load8's transpose */
    const __m512i il = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0),
                  ih = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    const __m512i p0 = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0),
                  p1 = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
    __m512i a01 = _mm512_permutex2var_epi64(w[0], il, w[1]); /* limbs 0, 1 of elements 0..3 */
    __m512i a23 = _mm512_permutex2var_epi64(w[2], il, w[3]);
    __m512i b01 = _mm512_permutex2var_epi64(w[0], ih, w[1]); /* elements 4..7 */
    __m512i b23 = _mm512_permutex2var_epi64(w[2], ih, w[3]);
    _mm512_storeu_si512((void *)out, _mm512_permutex2var_epi64(a01, p0, a23));
    _mm512_storeu_si512((void *)(out + 8), _mm512_permutex2var_epi64(a01, p1, a23));
    _mm512_storeu_si512((void *)(out + 16), _mm512_permutex2var_epi64(b01, p0, b23));
    _mm512_storeu_si512((void *)(out + 24), _mm512_permutex2var_epi64(b01, p1, b23));
}

VIA_V52_INLINE void via_v52_store_stride(uint64_t *out, size_t stride, const via_v52 *a,
                                         const via_s52_mod *m) {
    via_v52 c;
    __m512i w[4];
    via_v52_canon(&c, a, m);
    via_v52_to64(w, &c);
    const long long st = (long long)stride;
    const __m512i idx = _mm512_set_epi64(7 * st, 6 * st, 5 * st, 4 * st, 3 * st, 2 * st, st, 0);
    VIA_V52_UNROLL
    for (int i = 0; i < 4; i++)
        _mm512_i64scatter_epi64((long long *)(out + i), idx, w[i], 8);
}

/* Lane j of a, canonical, as 4x64 limbs. */
VIA_V52_INLINE void via_v52_extract(uint64_t out[4], const via_v52 *a, int lane,
                                    const via_s52_mod *m) {
    via_v52 c;
    __m512i w[4];
    via_v52_canon(&c, a, m);
    via_v52_to64(w, &c);
    uint64_t tmp[8];
    VIA_V52_UNROLL
    for (int i = 0; i < 4; i++) {
        _mm512_storeu_si512((void *)tmp, w[i]);
        out[i] = tmp[lane];
    }
}

/* r = a + b, a - b (mod p; inputs and output < 2p). */
VIA_V52_INLINE void via_v52_add(via_v52 *r, const via_v52 *a, const via_v52 *b,
                                const via_s52_mod *m) {
    const __m512i mk = via_v52_k(VIA_V52_M52);
    via_v52 s;
    __m512i c = _mm512_setzero_si512();
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++) {
        __m512i x = _mm512_add_epi64(_mm512_add_epi64(a->l[i], b->l[i]), c);
        c = _mm512_srli_epi64(x, 52);
        s.l[i] = i < 4 ? _mm512_and_si512(x, mk) : x;
    }
    via_v52_csub(r, &s, m->p2);
}

VIA_V52_INLINE void via_v52_sub(via_v52 *r, const via_v52 *a, const via_v52 *b,
                                const via_s52_mod *m) {
    const __m512i mk = via_v52_k(VIA_V52_M52);
    via_v52 s;
    __m512i c = _mm512_setzero_si512();
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++) { /* a + 2p - b, in (0, 4p) */
        __m512i x = _mm512_add_epi64(
            _mm512_sub_epi64(_mm512_add_epi64(a->l[i], via_v52_k(m->p2[i])), b->l[i]), c);
        c = _mm512_srai_epi64(x, 52);
        s.l[i] = i < 4 ? _mm512_and_si512(x, mk) : x;
    }
    via_v52_csub(r, &s, m->p2);
}

VIA_V52_INLINE void via_v52_wide_zero(via_v52_wide *w) {
    VIA_V52_UNROLL
    for (int i = 0; i < 10; i++)
        w->t[i] = _mm512_setzero_si512();
}

/* w += a * b (no reduction). */
VIA_V52_INLINE void via_v52_wide_madd(via_v52_wide *w, const via_v52 *a, const via_v52 *b) {
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++)
        VIA_V52_UNROLL
    for (int j = 0; j < 5; j++) {
        w->t[i + j] = _mm512_madd52lo_epu64(w->t[i + j], a->l[i], b->l[j]);
        w->t[i + j + 1] = _mm512_madd52hi_epu64(w->t[i + j + 1], a->l[i], b->l[j]);
    }
}

/*
 * Montgomery reduction of the ten column accumulators t: r = T / 2^256 mod p, with four 52-bit
 * steps and one 48-bit step clearing the low 256 bits (each step's q is -T_i p^-1 mod 2^52,
 * mod 2^48 for the last). r < T / 2^256 + p, not otherwise reduced.
 */
VIA_V52_INLINE void via_v52_redc(via_v52 *r, __m512i t[10], const via_s52_mod *m) {
    const __m512i mk = via_v52_k(VIA_V52_M52), m48 = via_v52_k(0xffffffffffffULL);
    const __m512i pinv = via_v52_k(m->pinv), z = _mm512_setzero_si512();
    __m512i P[5];
    VIA_V52_UNROLL
    for (int j = 0; j < 5; j++)
        P[j] = via_v52_k(m->p[j]);
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++) {
        __m512i q = _mm512_madd52lo_epu64(z, t[i], pinv);
        if (i == 4) q = _mm512_and_si512(q, m48);
        VIA_V52_UNROLL
        for (int j = 0; j < 5; j++) {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], q, P[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], q, P[j]);
        }
        if (i < 4) t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64(t[i], 52));
    }
    VIA_V52_UNROLL
    for (int k = 4; k < 9; k++) {
        t[k + 1] = _mm512_add_epi64(t[k + 1], _mm512_srli_epi64(t[k], 52));
        t[k] = _mm512_and_si512(t[k], mk);
    }
    /* T / 2^256: t[4] contributes its bits 48..51, t[5 + k] sits at bit 4 + 52 k */
    VIA_V52_UNROLL
    for (int k = 0; k < 4; k++)
        r->l[k] = _mm512_or_si512(_mm512_srli_epi64(t[4 + k], 48),
                                  _mm512_and_si512(_mm512_slli_epi64(t[5 + k], 4), mk));
    r->l[4] = _mm512_or_si512(_mm512_srli_epi64(t[8], 48), _mm512_slli_epi64(t[9], 4));
}

/* r = the accumulated sum / 2^256 mod p, r < 2p when the sum has at most VIA_V52_WIDE_MAX
 * products of values below 2p. */
VIA_V52_INLINE void via_v52_wide_reduce(via_v52 *r, via_v52_wide *w, const via_s52_mod *m) {
    via_v52 s;
    via_v52_redc(&s, w->t, m);
    /* a sum of n products of values < 2p reduces below n * 4p^2 / 2^256 + p < 16p */
    via_v52_csub(&s, &s, m->p8);
    via_v52_csub(&s, &s, m->p4);
    via_v52_csub(r, &s, m->p2);
}

/* r = a * b / 2^256 mod p (Montgomery product; inputs and output < 2p: (a b + q p) / 2^256 <
 * 4p^2 / 2^256 + p < 2p, so no subtraction is needed). */
VIA_V52_INLINE void via_v52_mul(via_v52 *r, const via_v52 *a, const via_v52 *b,
                                const via_s52_mod *m) {
    via_v52_wide w;
    via_v52_wide_zero(&w);
    via_v52_wide_madd(&w, a, b);
    via_v52_redc(r, w.t, m);
}

/* r = a^2 / 2^256 mod p: the product a a with each cross product computed once and doubled
 * (15 limb products instead of 25); the same integer goes through the same reduction, so the
 * result equals via_v52_mul(a, a). */
VIA_V52_INLINE void via_v52_sqr(via_v52 *r, const via_v52 *a, const via_s52_mod *m) {
    __m512i t[10];
    VIA_V52_UNROLL
    for (int i = 0; i < 10; i++)
        t[i] = _mm512_setzero_si512();
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++)
        VIA_V52_UNROLL
    for (int j = i + 1; j < 5; j++) {
        t[i + j] = _mm512_madd52lo_epu64(t[i + j], a->l[i], a->l[j]);
        t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a->l[i], a->l[j]);
    }
    VIA_V52_UNROLL
    for (int i = 0; i < 10; i++)
        t[i] = _mm512_add_epi64(t[i], t[i]);
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++) {
        t[2 * i] = _mm512_madd52lo_epu64(t[2 * i], a->l[i], a->l[i]);
        t[2 * i + 1] = _mm512_madd52hi_epu64(t[2 * i + 1], a->l[i], a->l[i]);
    }
    via_v52_redc(r, t, m);
}

#else
#define VIA_HAVE_SIMD52 0
#endif

#endif
