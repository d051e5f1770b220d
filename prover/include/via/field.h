/*
 * BN254 base field Fq and scalar field Fr on 4x64-bit limbs, Montgomery form (R = 2^256).
 *
 * Every via_fq / via_fr value is in Montgomery form unless a function says otherwise; the
 * conversions (via_fq_from_bytes / via_fq_to_bytes and friends) happen at file and JSON
 * boundaries only. Both moduli have their top bit clear with room to spare (top limb
 * < 2^62), which lets multiplication use the "no final carry" CIOS variant and lets
 * add/sub keep values fully reduced with one conditional subtraction.
 *
 * The core operations are static inline so that hot loops (MSM buckets, NTT butterflies)
 * inline them. On x86-64 (unless VIA_NO_ASM is defined) they are GNU inline assembly:
 * add/sub always (plain x86-64), Montgomery multiplication and squaring with MULX/ADX when
 * via_field_have_adx is set at start-up (field_x86.c reads CPUID; VIA_NO_ADX=1 in the
 * environment forces the portable __int128 path). Every path returns the same fully reduced
 * value, bit for bit; tests/prover/test_curve.c compares them.
 *
 * Functions without a _var suffix run in time independent of the values (no branches or
 * memory indexes on the data); _var functions may branch on the data and must only see
 * public or witness values.
 */
#ifndef VIA_PROVER_FIELD_H
#define VIA_PROVER_FIELD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "via/mem.h"

typedef struct {
    uint64_t l[4];
} via_fq;
typedef struct {
    uint64_t l[4];
} via_fr;
/* The file readers (.zkey, .wtns, .ptau, .r1cs) and the kernels copy little-endian bytes
 * straight into these limbs; on a big-endian host every value would be wrong, so such a
 * build stops here instead. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the file readers and kernels rely on a little-endian host");
_Static_assert(sizeof(via_fq) == 32, "via_fq must be 32 bytes");
_Static_assert(sizeof(via_fr) == 32, "via_fr must be 32 bytes");

typedef unsigned __int128 via_u128;

/* Modulus description shared by both fields. */
typedef struct {
    uint64_t p[4];  /* modulus */
    uint64_t r1[4]; /* R mod p (Montgomery one) */
    uint64_t r2[4]; /* R^2 mod p */
    uint64_t inv;   /* -p^{-1} mod 2^64 */
} via_modulus;

/* The MULX/ADX assembly addresses p at offset 0 and inv at offset 96. */
_Static_assert(offsetof(via_modulus, p) == 0 && offsetof(via_modulus, inv) == 96,
               "via_modulus layout is used by the assembly");

extern const via_modulus via_fq_mod;
extern const via_modulus via_fr_mod;

/* 1 when the running CPU has BMI2 (MULX) and ADX and the fast path is in use. */
extern int via_field_have_adx;
void via_field_init(void);
void via_mont_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                      const via_modulus *m);
/* a^2 through the MULX/ADX squaring. Both fall back to the portable code when the CPU lacks
 * BMI2/ADX (via_field_have_adx == 0). */
void via_mont_sqr_adx(uint64_t r[4], const uint64_t a[4], const via_modulus *m);

/* ---- 4-limb helpers (public so curve code can reuse them) ---- */

static inline uint64_t via_limbs_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    via_u128 t = 0;
    for (int i = 0; i < 4; i++) {
        t += (via_u128)a[i] + b[i];
        r[i] = (uint64_t)t;
        t >>= 64;
    }
    return (uint64_t)t;
}

static inline uint64_t via_limbs_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        via_u128 t = (via_u128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    return borrow;
}

/* r = a - p if a >= p else a, without branching on a. */
static inline void via_limbs_reduce_once(uint64_t r[4], const uint64_t a[4], const uint64_t p[4]) {
    uint64_t t[4];
    uint64_t borrow = via_limbs_sub(t, a, p);
    uint64_t mask = (uint64_t)0 - borrow; /* all ones if a < p: keep a */
    for (int i = 0; i < 4; i++)
        r[i] = (a[i] & mask) | (t[i] & ~mask);
}

#if defined(__x86_64__) && !defined(VIA_NO_ASM)
/* Modular add and subtract in plain x86-64 assembly (no BMI2/ADX needed, so no run-time
 * switch): one carry chain and a CMOV/mask correction, branch free. The C versions below
 * compile to much slower code through __int128 and vector masks. */
static inline __attribute__((always_inline)) void
via_mod_add_asm(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) {
    uint64_t t0, t1, t2, t3, s0, s1, s2, s3;
    __asm__("movq 0(%[a]), %[t0]\n\t"
            "movq 8(%[a]), %[t1]\n\t"
            "movq 16(%[a]), %[t2]\n\t"
            "movq 24(%[a]), %[t3]\n\t"
            "addq 0(%[b]), %[t0]\n\t"
            "adcq 8(%[b]), %[t1]\n\t"
            "adcq 16(%[b]), %[t2]\n\t"
            "adcq 24(%[b]), %[t3]\n\t"
            "movq %[t0], %[s0]\n\t"
            "subq 0(%[m]), %[s0]\n\t"
            "movq %[t1], %[s1]\n\t"
            "sbbq 8(%[m]), %[s1]\n\t"
            "movq %[t2], %[s2]\n\t"
            "sbbq 16(%[m]), %[s2]\n\t"
            "movq %[t3], %[s3]\n\t"
            "sbbq 24(%[m]), %[s3]\n\t"
            "cmovcq %[t0], %[s0]\n\t"
            "cmovcq %[t1], %[s1]\n\t"
            "cmovcq %[t2], %[s2]\n\t"
            "cmovcq %[t3], %[s3]\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [s0] "=&r"(s0),
              [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3)
            : [a] "r"(a), [b] "r"(b), [m] "r"(m)
            : "cc", "memory");
    r[0] = s0;
    r[1] = s1;
    r[2] = s2;
    r[3] = s3;
}

static inline __attribute__((always_inline)) void
via_mod_sub_asm(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) {
    uint64_t t0, t1, t2, t3, s0, s1, s2, s3, mask;
    __asm__("movq 0(%[a]), %[t0]\n\t"
            "movq 8(%[a]), %[t1]\n\t"
            "movq 16(%[a]), %[t2]\n\t"
            "movq 24(%[a]), %[t3]\n\t"
            "subq 0(%[b]), %[t0]\n\t"
            "sbbq 8(%[b]), %[t1]\n\t"
            "sbbq 16(%[b]), %[t2]\n\t"
            "sbbq 24(%[b]), %[t3]\n\t"
            "sbbq %[mask], %[mask]\n\t" /* all ones when a < b */
            "movq 0(%[m]), %[s0]\n\t"
            "movq 8(%[m]), %[s1]\n\t"
            "movq 16(%[m]), %[s2]\n\t"
            "movq 24(%[m]), %[s3]\n\t"
            "andq %[mask], %[s0]\n\t"
            "andq %[mask], %[s1]\n\t"
            "andq %[mask], %[s2]\n\t"
            "andq %[mask], %[s3]\n\t"
            "addq %[s0], %[t0]\n\t"
            "adcq %[s1], %[t1]\n\t"
            "adcq %[s2], %[t2]\n\t"
            "adcq %[s3], %[t3]\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [s0] "=&r"(s0),
              [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [mask] "=&r"(mask)
            : [a] "r"(a), [b] "r"(b), [m] "r"(m)
            : "cc", "memory");
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}
#endif

/* Portable versions (also the reference the assembly is tested against). */
static inline void via_mod_add_portable(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                                        const via_modulus *m) {
    uint64_t t[4];
    via_limbs_add(t, a, b); /* no overflow: a, b < p < 2^254 */
    via_limbs_reduce_once(r, t, m->p);
}

static inline void via_mod_sub_portable(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                                        const via_modulus *m) {
    uint64_t t[4], u[4];
    uint64_t borrow = via_limbs_sub(t, a, b);
    uint64_t mask = (uint64_t)0 - borrow;
    uint64_t pm[4];
    for (int i = 0; i < 4; i++)
        pm[i] = m->p[i] & mask;
    via_limbs_add(u, t, pm);
    memcpy(r, u, 32);
}

static inline __attribute__((always_inline)) void
via_mod_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) {
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
    via_mod_add_asm(r, a, b, m);
#else
    via_mod_add_portable(r, a, b, m);
#endif
}

static inline __attribute__((always_inline)) void
via_mod_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) {
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
    via_mod_sub_asm(r, a, b, m);
#else
    via_mod_sub_portable(r, a, b, m);
#endif
}

static inline __attribute__((always_inline)) void via_mod_neg(uint64_t r[4], const uint64_t a[4],
                                                              const via_modulus *m) {
    uint64_t t[4];
    via_limbs_sub(t, m->p, a);
    uint64_t nz = a[0] | a[1] | a[2] | a[3];
    uint64_t mask = (uint64_t)0 - (uint64_t)((nz | (0 - nz)) >> 63); /* all ones if a != 0 */
    for (int i = 0; i < 4; i++)
        r[i] = t[i] & mask;
}

/* Portable CIOS Montgomery multiplication, valid because p[3] < 2^62 (no final carry). */
static inline void via_mont_mul_portable(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                                         const via_modulus *m) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (int i = 0; i < 4; i++) {
        via_u128 c;
        uint64_t ai = a[i];
        c = (via_u128)ai * b[0] + t0;
        uint64_t u0 = (uint64_t)c;
        uint64_t carry = (uint64_t)(c >> 64);
        uint64_t q = u0 * m->inv;
        via_u128 d = (via_u128)q * m->p[0] + u0;
        uint64_t carry2 = (uint64_t)(d >> 64);

        c = (via_u128)ai * b[1] + t1 + carry;
        carry = (uint64_t)(c >> 64);
        d = (via_u128)q * m->p[1] + (uint64_t)c + carry2;
        carry2 = (uint64_t)(d >> 64);
        t0 = (uint64_t)d;

        c = (via_u128)ai * b[2] + t2 + carry;
        carry = (uint64_t)(c >> 64);
        d = (via_u128)q * m->p[2] + (uint64_t)c + carry2;
        carry2 = (uint64_t)(d >> 64);
        t1 = (uint64_t)d;

        c = (via_u128)ai * b[3] + t3 + carry;
        carry = (uint64_t)(c >> 64);
        d = (via_u128)q * m->p[3] + (uint64_t)c + carry2;
        carry2 = (uint64_t)(d >> 64);
        t2 = (uint64_t)d;
        t3 = carry + carry2;
    }
    uint64_t t[4] = {t0, t1, t2, t3};
    via_limbs_reduce_once(r, t, m->p);
}

#if defined(__x86_64__) && !defined(VIA_NO_ASM)
/* MULX/ADX Montgomery multiplication as inline assembly, so that it inlines into callers
 * without -mbmi2/-madx (the assembler accepts the instructions; via_field_have_adx guards
 * their execution). Same CIOS schedule as via_mont_mul_portable, hence bit-identical: each
 * of the four rounds adds a[i]*b with two carry chains (ADCX on CF for low halves, ADOX on
 * OF for high halves), then adds q*p with q = t0 * inv and drops the zero low limb. The five
 * accumulator registers rotate roles from round to round instead of being moved. Bound: the
 * running value stays below 2p < 2^255, so four limbs plus one spare suffice and no final
 * carry exists. Only call when via_field_have_adx is set (the CPU has BMI2 and ADX). */
static inline __attribute__((always_inline)) void via_mont_mul_adx_inline(uint64_t r[4],
                                                                          const uint64_t a[4],
                                                                          const uint64_t b[4],
                                                                          const via_modulus *m) {
    uint64_t r0, r1, r2, r3, r4, lo, hi, z;
    __asm__("movq 0(%[a]), %%rdx\n\t"
            "mulxq 0(%[b]), %[r0], %[r1]\n\t"
            "mulxq 8(%[b]), %[lo], %[r2]\n\t"
            "addq %[lo], %[r1]\n\t"
            "mulxq 16(%[b]), %[lo], %[r3]\n\t"
            "adcq %[lo], %[r2]\n\t"
            "mulxq 24(%[b]), %[lo], %[r4]\n\t"
            "adcq %[lo], %[r3]\n\t"
            "adcq $0, %[r4]\n\t"
            "movq %[r0], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r0]\n\t"
            "adoxq %[hi], %[r1]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r1]\n\t"
            "adoxq %[hi], %[r2]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r2]\n\t"
            "adoxq %[hi], %[r3]\n\t"
            "mulxq 24(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "adcxq %[z], %[r4]\n\t"
            "movq 8(%[a]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r1]\n\t"
            "adoxq %[hi], %[r2]\n\t"
            "mulxq 8(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r2]\n\t"
            "adoxq %[hi], %[r3]\n\t"
            "mulxq 16(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "mulxq 24(%[b]), %[lo], %[r0]\n\t"
            "adcxq %[lo], %[r4]\n\t"
            "adoxq %[z], %[r0]\n\t"
            "adcxq %[z], %[r0]\n\t"
            "movq %[r1], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r1]\n\t"
            "adoxq %[hi], %[r2]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r2]\n\t"
            "adoxq %[hi], %[r3]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "mulxq 24(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r4]\n\t"
            "adoxq %[hi], %[r0]\n\t"
            "adcxq %[z], %[r0]\n\t"
            "movq 16(%[a]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r2]\n\t"
            "adoxq %[hi], %[r3]\n\t"
            "mulxq 8(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "mulxq 16(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r4]\n\t"
            "adoxq %[hi], %[r0]\n\t"
            "mulxq 24(%[b]), %[lo], %[r1]\n\t"
            "adcxq %[lo], %[r0]\n\t"
            "adoxq %[z], %[r1]\n\t"
            "adcxq %[z], %[r1]\n\t"
            "movq %[r2], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r2]\n\t"
            "adoxq %[hi], %[r3]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r4]\n\t"
            "adoxq %[hi], %[r0]\n\t"
            "mulxq 24(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r0]\n\t"
            "adoxq %[hi], %[r1]\n\t"
            "adcxq %[z], %[r1]\n\t"
            "movq 24(%[a]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "mulxq 8(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r4]\n\t"
            "adoxq %[hi], %[r0]\n\t"
            "mulxq 16(%[b]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r0]\n\t"
            "adoxq %[hi], %[r1]\n\t"
            "mulxq 24(%[b]), %[lo], %[r2]\n\t"
            "adcxq %[lo], %[r1]\n\t"
            "adoxq %[z], %[r2]\n\t"
            "adcxq %[z], %[r2]\n\t"
            "movq %[r3], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[z], %k[z]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r3]\n\t"
            "adoxq %[hi], %[r4]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r4]\n\t"
            "adoxq %[hi], %[r0]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r0]\n\t"
            "adoxq %[hi], %[r1]\n\t"
            "mulxq 24(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[r1]\n\t"
            "adoxq %[hi], %[r2]\n\t"
            "adcxq %[z], %[r2]\n\t"
            /* final conditional subtraction of p, kept branch free with CMOV */
            "movq %[r4], %[lo]\n\t"
            "subq 0(%[m]), %[lo]\n\t"
            "movq %[r0], %[hi]\n\t"
            "sbbq 8(%[m]), %[hi]\n\t"
            "movq %[r1], %[z]\n\t"
            "sbbq 16(%[m]), %[z]\n\t"
            "movq %[r2], %%rdx\n\t"
            "sbbq 24(%[m]), %%rdx\n\t"
            "cmovncq %[lo], %[r4]\n\t"
            "cmovncq %[hi], %[r0]\n\t"
            "cmovncq %[z], %[r1]\n\t"
            "cmovncq %%rdx, %[r2]\n\t"
            : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
              [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z)
            : [a] "r"(a), [b] "r"(b), [m] "r"(m)
            /* "memory": the operands are read through the pointers. Naming them as "m" inputs
             * instead costs extra address registers, which -O0 and sanitizer builds lack, and
             * clang's assembler rejects "8+%[op]" offsets on memory operands. */
            : "rdx", "cc", "memory");
    (void)lo;
    (void)hi;
    (void)z;
    (void)r3;
    r[0] = r4;
    r[1] = r0;
    r[2] = r1;
    r[3] = r2;
}
/* Montgomery squaring with MULX/ADX: the six cross products once, doubled, plus the four
 * squares (10 multiplications instead of 16), then four reduction rounds on the low half in
 * a rotating four-register window, the high half added at the end. The result equals
 * via_mont_mul_portable(a, a) bit for bit (both compute (a^2 + Qp)/2^256 with the unique
 * Q < 2^256, reduced once). Uses 13 registers, so it builds at -O0 with a frame pointer. */
static const uint64_t via_asm_zero64 = 0;
static inline __attribute__((always_inline)) void
via_mont_sqr_adx_inline(uint64_t r[4], const uint64_t a[4], const via_modulus *m) {
    uint64_t t0, t1, t2, t3, t4, t5, t6, t7, lo, hi;
    __asm__("movq 0(%[a]), %%rdx\n\t"
            "mulxq 8(%[a]), %[t1], %[t2]\n\t"
            "mulxq 16(%[a]), %[lo], %[t3]\n\t"
            "addq %[lo], %[t2]\n\t"
            "mulxq 24(%[a]), %[lo], %[t4]\n\t"
            "adcq %[lo], %[t3]\n\t"
            "adcq $0, %[t4]\n\t"
            "movq 8(%[a]), %%rdx\n\t"
            "xorl %k[t6], %k[t6]\n\t"
            "mulxq 16(%[a]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t3]\n\t"
            "adoxq %[hi], %[t4]\n\t"
            "mulxq 24(%[a]), %[lo], %[t5]\n\t"
            "adcxq %[lo], %[t4]\n\t"
            "adoxq %[t6], %[t5]\n\t"
            "adcxq %[t6], %[t5]\n\t"
            "movq 16(%[a]), %%rdx\n\t"
            "mulxq 24(%[a]), %[lo], %[t6]\n\t"
            "addq %[lo], %[t5]\n\t"
            "adcq $0, %[t6]\n\t"
            "xorl %k[t7], %k[t7]\n\t"
            "addq %[t1], %[t1]\n\t"
            "adcq %[t2], %[t2]\n\t"
            "adcq %[t3], %[t3]\n\t"
            "adcq %[t4], %[t4]\n\t"
            "adcq %[t5], %[t5]\n\t"
            "adcq %[t6], %[t6]\n\t"
            "adcq $0, %[t7]\n\t"
            "movq 0(%[a]), %%rdx\n\t"
            "mulxq %%rdx, %[t0], %[hi]\n\t"
            "addq %[hi], %[t1]\n\t"
            "movq 8(%[a]), %%rdx\n\t"
            "mulxq %%rdx, %[lo], %[hi]\n\t"
            "adcq %[lo], %[t2]\n\t"
            "adcq %[hi], %[t3]\n\t"
            "movq 16(%[a]), %%rdx\n\t"
            "mulxq %%rdx, %[lo], %[hi]\n\t"
            "adcq %[lo], %[t4]\n\t"
            "adcq %[hi], %[t5]\n\t"
            "movq 24(%[a]), %%rdx\n\t"
            "mulxq %%rdx, %[lo], %[hi]\n\t"
            "adcq %[lo], %[t6]\n\t"
            "adcq %[hi], %[t7]\n\t"
            "movq %[t0], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[lo], %k[lo]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t0]\n\t"
            "adoxq %[hi], %[t1]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t1]\n\t"
            "adoxq %[hi], %[t2]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t2]\n\t"
            "adoxq %[hi], %[t3]\n\t"
            "mulxq 24(%[m]), %[lo], %[t0]\n\t"
            "adcxq %[lo], %[t3]\n\t"
            "adoxq %[zero], %[t0]\n\t"
            "adcxq %[zero], %[t0]\n\t"
            "movq %[t1], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[lo], %k[lo]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t1]\n\t"
            "adoxq %[hi], %[t2]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t2]\n\t"
            "adoxq %[hi], %[t3]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t3]\n\t"
            "adoxq %[hi], %[t0]\n\t"
            "mulxq 24(%[m]), %[lo], %[t1]\n\t"
            "adcxq %[lo], %[t0]\n\t"
            "adoxq %[zero], %[t1]\n\t"
            "adcxq %[zero], %[t1]\n\t"
            "movq %[t2], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[lo], %k[lo]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t2]\n\t"
            "adoxq %[hi], %[t3]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t3]\n\t"
            "adoxq %[hi], %[t0]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t0]\n\t"
            "adoxq %[hi], %[t1]\n\t"
            "mulxq 24(%[m]), %[lo], %[t2]\n\t"
            "adcxq %[lo], %[t1]\n\t"
            "adoxq %[zero], %[t2]\n\t"
            "adcxq %[zero], %[t2]\n\t"
            "movq %[t3], %%rdx\n\t"
            "imulq 96(%[m]), %%rdx\n\t"
            "xorl %k[lo], %k[lo]\n\t"
            "mulxq 0(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t3]\n\t"
            "adoxq %[hi], %[t0]\n\t"
            "mulxq 8(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t0]\n\t"
            "adoxq %[hi], %[t1]\n\t"
            "mulxq 16(%[m]), %[lo], %[hi]\n\t"
            "adcxq %[lo], %[t1]\n\t"
            "adoxq %[hi], %[t2]\n\t"
            "mulxq 24(%[m]), %[lo], %[t3]\n\t"
            "adcxq %[lo], %[t2]\n\t"
            "adoxq %[zero], %[t3]\n\t"
            "adcxq %[zero], %[t3]\n\t"
            "addq %[t0], %[t4]\n\t"
            "adcq %[t1], %[t5]\n\t"
            "adcq %[t2], %[t6]\n\t"
            "adcq %[t3], %[t7]\n\t"
            "movq %[t4], %[t0]\n\t"
            "subq 0(%[m]), %[t0]\n\t"
            "movq %[t5], %[t1]\n\t"
            "sbbq 8(%[m]), %[t1]\n\t"
            "movq %[t6], %[t2]\n\t"
            "sbbq 16(%[m]), %[t2]\n\t"
            "movq %[t7], %[t3]\n\t"
            "sbbq 24(%[m]), %[t3]\n\t"
            "cmovcq %[t4], %[t0]\n\t"
            "cmovcq %[t5], %[t1]\n\t"
            "cmovcq %[t6], %[t2]\n\t"
            "cmovcq %[t7], %[t3]\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4),
              [t5] "=&r"(t5), [t6] "=&r"(t6), [t7] "=&r"(t7), [lo] "=&r"(lo), [hi] "=&r"(hi)
            : [a] "r"(a), [m] "r"(m), [zero] "m"(via_asm_zero64)
            : "rdx", "cc", "memory");
    (void)lo;
    (void)hi;
    (void)t4;
    (void)t5;
    (void)t6;
    (void)t7;
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}
#endif

/* Out-of-line portable multiplication (field.c): the fallback branch stays a call so that
 * only the fast path is copied into every caller. */
void via_mont_mul_portable_call(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                                const via_modulus *m);

/* always_inline: left to itself GCC outlines these (the asm makes them look large), and the
 * call and spills around every multiplication cost more than a third of an MSM. */
static inline __attribute__((always_inline)) void
via_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) {
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
    if (__builtin_expect(via_field_have_adx, 1)) {
        via_mont_mul_adx_inline(r, a, b, m);
        return;
    }
    via_mont_mul_portable_call(r, a, b, m);
#else
    via_mont_mul_portable(r, a, b, m);
#endif
}

static inline __attribute__((always_inline)) void via_mont_sqr(uint64_t r[4], const uint64_t a[4],
                                                               const via_modulus *m) {
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
    if (__builtin_expect(via_field_have_adx, 1)) {
        via_mont_sqr_adx_inline(r, a, m);
        return;
    }
    via_mont_mul_portable_call(r, a, a, m);
#else
    via_mont_mul_portable(r, a, a, m);
#endif
}

/* ---- typed wrappers, one set per field ---- */
#define VIA_FIELD_WRAPPERS(F, MOD)                                                                 \
    static inline void F##_add(F *r, const F *a, const F *b) {                                     \
        via_mod_add(r->l, a->l, b->l, &MOD);                                                       \
    }                                                                                              \
    static inline void F##_sub(F *r, const F *a, const F *b) {                                     \
        via_mod_sub(r->l, a->l, b->l, &MOD);                                                       \
    }                                                                                              \
    static inline void F##_neg(F *r, const F *a) {                                                 \
        via_mod_neg(r->l, a->l, &MOD);                                                             \
    }                                                                                              \
    static inline void F##_dbl(F *r, const F *a) {                                                 \
        via_mod_add(r->l, a->l, a->l, &MOD);                                                       \
    }                                                                                              \
    static inline void F##_mul(F *r, const F *a, const F *b) {                                     \
        via_mont_mul(r->l, a->l, b->l, &MOD);                                                      \
    }                                                                                              \
    static inline void F##_sqr(F *r, const F *a) {                                                 \
        via_mont_sqr(r->l, a->l, &MOD);                                                            \
    }                                                                                              \
    static inline void F##_set_zero(F *r) {                                                        \
        memset(r, 0, sizeof *r);                                                                   \
    }                                                                                              \
    static inline void F##_set_one(F *r) {                                                         \
        memcpy(r->l, MOD.r1, 32);                                                                  \
    }                                                                                              \
    static inline int F##_is_zero(const F *a) {                                                    \
        return (a->l[0] | a->l[1] | a->l[2] | a->l[3]) == 0;                                       \
    }                                                                                              \
    static inline int F##_eq(const F *a, const F *b) {                                             \
        return ((a->l[0] ^ b->l[0]) | (a->l[1] ^ b->l[1]) | (a->l[2] ^ b->l[2]) |                  \
                (a->l[3] ^ b->l[3])) == 0;                                                         \
    }                                                                                              \
    static inline int F##_is_one(const F *a) {                                                     \
        return memcmp(a->l, MOD.r1, 32) == 0;                                                      \
    }                                                                                              \
    /* Montgomery form -> canonical integer limbs, and back. */                                    \
    static inline void F##_to_canon(uint64_t out[4], const F *a) {                                 \
        static const uint64_t one[4] = {1, 0, 0, 0};                                               \
        via_mont_mul(out, a->l, one, &MOD);                                                        \
    }                                                                                              \
    static inline void F##_from_canon_unchecked(F *r, const uint64_t in[4]) {                      \
        via_mont_mul(r->l, in, MOD.r2, &MOD);                                                      \
    }                                                                                              \
    static inline void F##_set_u64(F *r, uint64_t v) {                                             \
        uint64_t t[4] = {v, 0, 0, 0};                                                              \
        F##_from_canon_unchecked(r, t);                                                            \
    }                                                                                              \
    /* Constant-time select: r = flag ? b : a (flag is 0 or 1). */                                 \
    static inline void F##_cmov(F *r, const F *a, const F *b, uint64_t flag) {                     \
        uint64_t mask = (uint64_t)0 - flag;                                                        \
        for (int i = 0; i < 4; i++)                                                                \
            r->l[i] = (a->l[i] & ~mask) | (b->l[i] & mask);                                        \
    }                                                                                              \
    void F##_pow(F *r, const F *a, const uint64_t e[4]);                                           \
    void F##_inv(F *r, const F *a);                                                                \
    void F##_inv_var(F *r, const F *a);                                                            \
    void F##_batch_inv_var(F *out, const F *in, size_t n);                                         \
    int F##_from_canon(F *r, const uint64_t in[4]);                                                \
    int F##_from_bytes_le(F *r, const uint8_t in[32]);                                             \
    void F##_to_bytes_le(uint8_t out[32], const F *a);                                             \
    void F##_from_mont_bytes_le(F *r, const uint8_t in[32]);                                       \
    int F##_from_decimal(F *r, const char *s);                                                     \
    size_t F##_to_decimal(char *out, size_t outlen, const F *a);                                   \
    int F##_sqrt_var(F *r, const F *a);                                                            \
    int F##_is_square_var(const F *a);

VIA_FIELD_WRAPPERS(via_fq, via_fq_mod)
VIA_FIELD_WRAPPERS(via_fr, via_fr_mod)

/* Canonical 4-limb integer < p? */
int via_limbs_lt(const uint64_t a[4], const uint64_t b[4]);
/* Little-endian bytes <-> limbs. */
void via_limbs_from_bytes_le(uint64_t out[4], const uint8_t in[32]);
void via_limbs_to_bytes_le(uint8_t out[32], const uint64_t in[4]);
/* The canonical (non-Montgomery) value of a as 32 bytes big-endian: the form transcripts, GT
 * encodings and snarkjs's uncompressed points use. */
void via_fq_to_bytes_be(uint8_t out[32], const via_fq *a);
/* Decimal string (no sign, no leading '+', up to 78 digits) -> limbs; -1 if not a number
 * or >= 2^256. */
int via_limbs_from_decimal(uint64_t out[4], const char *s);
size_t via_limbs_to_decimal(char *out, size_t outlen, const uint64_t in[4]);

/* Fr roots of unity as snarkjs uses them: omega_{2^k} = 5^((r-1)/2^k), k <= 28. */
#define VIA_FR_TWO_ADICITY 28
void via_fr_root_of_unity(via_fr *r, unsigned log2n);

#endif
