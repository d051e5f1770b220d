/*
 * BN254 Fq and Fr arithmetic shared by C, OpenCL C and CUDA ("hd" = host and device).
 *
 * Elements are 8 little-endian 32-bit limbs in Montgomery form with R = 2^256, exactly the
 * representation of prover/include/via/field.h (4 x 64-bit limbs, R = 2^256): on a little-endian
 * host the 32 bytes of a via_fr and of a via_hd_fr are the same, so buffers move between the
 * CPU backend and the kernels with memcpy and results can be compared byte for byte. Every
 * function keeps values fully reduced (< p), so the representation of a value is unique.
 *
 * 32-bit limbs because that is the native multiplier width of GPUs (and OpenCL has no
 * portable 64x64->128 product). Values are passed and returned by value: OpenCL C pointers
 * carry address spaces, and by-value code inlines into registers on every target.
 *
 * Multiplication is CIOS Montgomery. Under nvcc's device pass (__CUDA_ARCH__) the row
 * accumulations use PTX carry chains (mad.lo.cc / madc.hi.cc); elsewhere a portable version
 * with 64-bit intermediate products computes the same exact integer sums.
 *
 * Variable time is acceptable here: kernels see public data and the witness, whose timing no
 * backend protects (the bucket MSM over witness scalars is variable time on the CPU too); the
 * blinding scalars and signing keys never reach a kernel.
 * Still, add/sub/mul do not branch on values.
 */
#ifndef VIA_KERNELS_FIELD_HD_H
#define VIA_KERNELS_FIELD_HD_H

#if defined(__OPENCL_VERSION__)
typedef uint via_u32;
typedef ulong via_u64;
#define VIA_HD
#define VIA_HD_INLINE static inline
#elif defined(__CUDACC__)
#include <stdint.h>
typedef uint32_t via_u32;
typedef uint64_t via_u64;
#define VIA_HD __host__ __device__
#define VIA_HD_INLINE static __forceinline__
#else
#include <stdint.h>
typedef uint32_t via_u32;
typedef uint64_t via_u64;
#define VIA_HD
#define VIA_HD_INLINE static inline
#endif

#define VIA_HD_LIMBS 8

typedef struct {
    via_u32 l[VIA_HD_LIMBS];
} via_hd_limbs;
/* Distinct types so an Fq value cannot be passed where an Fr value is expected. */
typedef struct {
    via_hd_limbs v;
} via_hd_fq;
typedef struct {
    via_hd_limbs v;
} via_hd_fr;

typedef struct {
    via_hd_limbs p;
    via_u32 inv; /* -p^{-1} mod 2^32 */
} via_hd_mod;

#if !defined(__OPENCL_VERSION__)
#if defined(__cplusplus)
static_assert(sizeof(via_hd_fq) == 32, "via_hd_fq is 32 bytes");
static_assert(sizeof(via_hd_fr) == 32, "via_hd_fr is 32 bytes");
#else
_Static_assert(sizeof(via_hd_fq) == 32, "via_hd_fq is 32 bytes");
_Static_assert(sizeof(via_hd_fr) == 32, "via_hd_fr is 32 bytes");
#endif
#endif

/* The moduli, least significant limb first. Both are < 2^254, so a + b never overflows
 * 8 limbs and CIOS needs no final carry word beyond t[8]. */
VIA_HD VIA_HD_INLINE via_hd_mod via_hd_fq_modulus(void) {
    via_hd_mod m = {{{0xd87cfd47u, 0x3c208c16u, 0x6871ca8du, 0x97816a91u, 0x8181585du, 0xb85045b6u,
                      0xe131a029u, 0x30644e72u}},
                    0xe4866389u};
    return m;
}
VIA_HD VIA_HD_INLINE via_hd_mod via_hd_fr_modulus(void) {
    via_hd_mod m = {{{0xf0000001u, 0x43e1f593u, 0x79b97091u, 0x2833e848u, 0x8181585du, 0xb85045b6u,
                      0xe131a029u, 0x30644e72u}},
                    0xefffffffu};
    return m;
}
/* R mod p: the Montgomery form of 1. */
VIA_HD VIA_HD_INLINE via_hd_limbs via_hd_fq_one_limbs(void) {
    via_hd_limbs r = {{0xc58f0d9du, 0xd35d438du, 0xf5c70b3du, 0x0a78eb28u, 0x7879462cu, 0x666ea36fu,
                       0x9a07df2fu, 0x0e0a77c1u}};
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_limbs via_hd_fr_one_limbs(void) {
    via_hd_limbs r = {{0x4ffffffbu, 0xac96341cu, 0x9f60cd29u, 0x36fc7695u, 0x7879462eu, 0x666ea36fu,
                       0x9a07df2fu, 0x0e0a77c1u}};
    return r;
}

/* ---- limb-level core ---- */

/* r = a - p when a >= p, else a; a may carry one extra top word hi (0 or 1). */
VIA_HD VIA_HD_INLINE via_hd_limbs via_hd_reduce_once(via_hd_limbs a, via_u32 hi, via_hd_limbs p) {
    via_hd_limbs t;
    via_u32 borrow = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++) {
        via_u64 d = (via_u64)a.l[i] - p.l[i] - borrow;
        t.l[i] = (via_u32)d;
        borrow = (via_u32)(d >> 32) & 1u;
    }
    /* keep a when the subtraction borrowed out of the extra word */
    via_u32 keep = (via_u32)0 - (borrow & (hi ^ 1u));
    for (int i = 0; i < VIA_HD_LIMBS; i++)
        t.l[i] = (a.l[i] & keep) | (t.l[i] & ~keep);
    return t;
}

VIA_HD VIA_HD_INLINE via_hd_limbs via_hd_mod_add(via_hd_limbs a, via_hd_limbs b, via_hd_mod m) {
    via_hd_limbs t;
#if defined(__CUDA_ARCH__)
    asm("add.cc.u32 %0, %8, %16;\n\t"
        "addc.cc.u32 %1, %9, %17;\n\t"
        "addc.cc.u32 %2, %10, %18;\n\t"
        "addc.cc.u32 %3, %11, %19;\n\t"
        "addc.cc.u32 %4, %12, %20;\n\t"
        "addc.cc.u32 %5, %13, %21;\n\t"
        "addc.cc.u32 %6, %14, %22;\n\t"
        "addc.u32 %7, %15, %23;"
        : "=r"(t.l[0]), "=r"(t.l[1]), "=r"(t.l[2]), "=r"(t.l[3]), "=r"(t.l[4]), "=r"(t.l[5]),
          "=r"(t.l[6]), "=r"(t.l[7])
        : "r"(a.l[0]), "r"(a.l[1]), "r"(a.l[2]), "r"(a.l[3]), "r"(a.l[4]), "r"(a.l[5]), "r"(a.l[6]),
          "r"(a.l[7]), "r"(b.l[0]), "r"(b.l[1]), "r"(b.l[2]), "r"(b.l[3]), "r"(b.l[4]), "r"(b.l[5]),
          "r"(b.l[6]), "r"(b.l[7]));
#else
    via_u32 carry = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++) {
        via_u64 s = (via_u64)a.l[i] + b.l[i] + carry;
        t.l[i] = (via_u32)s;
        carry = (via_u32)(s >> 32);
    }
#endif
    return via_hd_reduce_once(t, 0, m.p); /* a + b < 2p < 2^255: no carry out */
}

VIA_HD VIA_HD_INLINE via_hd_limbs via_hd_mod_sub(via_hd_limbs a, via_hd_limbs b, via_hd_mod m) {
    via_hd_limbs t;
    via_u32 borrow = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++) {
        via_u64 d = (via_u64)a.l[i] - b.l[i] - borrow;
        t.l[i] = (via_u32)d;
        borrow = (via_u32)(d >> 32) & 1u;
    }
    via_u32 mask = (via_u32)0 - borrow; /* add p back when a < b */
    via_u32 carry = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++) {
        via_u64 s = (via_u64)t.l[i] + (m.p.l[i] & mask) + carry;
        t.l[i] = (via_u32)s;
        carry = (via_u32)(s >> 32);
    }
    return t;
}

#if defined(__CUDA_ARCH__)
/* t[0..9] += x * y[0..7] as an exact integer sum: one carry chain for the low halves of the
 * eight products (positions 0..7), one for the high halves (positions 1..8), both rippling
 * into the top words. */
__device__ __forceinline__ void via_hd_ptx_mac_row(via_u32 t[10], via_u32 x, const via_u32 y[8]) {
    asm("mad.lo.cc.u32 %0, %10, %11, %0;\n\t"
        "madc.lo.cc.u32 %1, %10, %12, %1;\n\t"
        "madc.lo.cc.u32 %2, %10, %13, %2;\n\t"
        "madc.lo.cc.u32 %3, %10, %14, %3;\n\t"
        "madc.lo.cc.u32 %4, %10, %15, %4;\n\t"
        "madc.lo.cc.u32 %5, %10, %16, %5;\n\t"
        "madc.lo.cc.u32 %6, %10, %17, %6;\n\t"
        "madc.lo.cc.u32 %7, %10, %18, %7;\n\t"
        "addc.cc.u32 %8, %8, 0;\n\t"
        "addc.u32 %9, %9, 0;\n\t"
        "mad.hi.cc.u32 %1, %10, %11, %1;\n\t"
        "madc.hi.cc.u32 %2, %10, %12, %2;\n\t"
        "madc.hi.cc.u32 %3, %10, %13, %3;\n\t"
        "madc.hi.cc.u32 %4, %10, %14, %4;\n\t"
        "madc.hi.cc.u32 %5, %10, %15, %5;\n\t"
        "madc.hi.cc.u32 %6, %10, %16, %6;\n\t"
        "madc.hi.cc.u32 %7, %10, %17, %7;\n\t"
        "madc.hi.cc.u32 %8, %10, %18, %8;\n\t"
        "addc.u32 %9, %9, 0;"
        : "+r"(t[0]), "+r"(t[1]), "+r"(t[2]), "+r"(t[3]), "+r"(t[4]), "+r"(t[5]), "+r"(t[6]),
          "+r"(t[7]), "+r"(t[8]), "+r"(t[9])
        : "r"(x), "r"(y[0]), "r"(y[1]), "r"(y[2]), "r"(y[3]), "r"(y[4]), "r"(y[5]), "r"(y[6]),
          "r"(y[7]));
}
#endif

/* Montgomery product a * b / 2^256 mod p (CIOS, one word of headroom). */
VIA_HD VIA_HD_INLINE via_hd_limbs via_hd_mont_mul(via_hd_limbs a, via_hd_limbs b, via_hd_mod m) {
    via_u32 t[10];
    for (int i = 0; i < 10; i++)
        t[i] = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++) {
#if defined(__CUDA_ARCH__)
        via_hd_ptx_mac_row(t, a.l[i], b.l);
        via_u32 q = t[0] * m.inv;
        via_hd_ptx_mac_row(t, q, m.p.l); /* makes t[0] zero: shift it out */
        for (int j = 0; j < 9; j++)
            t[j] = t[j + 1];
        t[9] = 0;
#else
        via_u64 c = 0;
        for (int j = 0; j < VIA_HD_LIMBS; j++) {
            c = (via_u64)a.l[i] * b.l[j] + t[j] + (c >> 32);
            t[j] = (via_u32)c;
        }
        c = (via_u64)t[8] + (c >> 32);
        t[8] = (via_u32)c;
        t[9] = (via_u32)(c >> 32);
        via_u32 q = t[0] * m.inv;
        c = (via_u64)q * m.p.l[0] + t[0];
        for (int j = 1; j < VIA_HD_LIMBS; j++) {
            c = (via_u64)q * m.p.l[j] + t[j] + (c >> 32);
            t[j - 1] = (via_u32)c;
        }
        c = (via_u64)t[8] + (c >> 32);
        t[7] = (via_u32)c;
        t[8] = t[9] + (via_u32)(c >> 32);
        t[9] = 0;
#endif
    }
    /* t < 2p here, so one conditional subtraction (including the extra word) reduces it */
    via_hd_limbs r;
    for (int i = 0; i < VIA_HD_LIMBS; i++)
        r.l[i] = t[i];
    return via_hd_reduce_once(r, t[8], m.p);
}

VIA_HD VIA_HD_INLINE int via_hd_limbs_is_zero(via_hd_limbs a) {
    via_u32 acc = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++)
        acc |= a.l[i];
    return acc == 0;
}
VIA_HD VIA_HD_INLINE int via_hd_limbs_eq(via_hd_limbs a, via_hd_limbs b) {
    via_u32 acc = 0;
    for (int i = 0; i < VIA_HD_LIMBS; i++)
        acc |= a.l[i] ^ b.l[i];
    return acc == 0;
}

/* ---- typed wrappers: Fq ---- */

VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_add(via_hd_fq a, via_hd_fq b) {
    via_hd_fq r;
    r.v = via_hd_mod_add(a.v, b.v, via_hd_fq_modulus());
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_sub(via_hd_fq a, via_hd_fq b) {
    via_hd_fq r;
    r.v = via_hd_mod_sub(a.v, b.v, via_hd_fq_modulus());
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_mul(via_hd_fq a, via_hd_fq b) {
    via_hd_fq r;
    r.v = via_hd_mont_mul(a.v, b.v, via_hd_fq_modulus());
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_sqr(via_hd_fq a) {
    return via_hd_fq_mul(a, a);
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_dbl(via_hd_fq a) {
    return via_hd_fq_add(a, a);
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_neg(via_hd_fq a) {
    via_hd_fq z;
    for (int i = 0; i < VIA_HD_LIMBS; i++)
        z.v.l[i] = 0;
    return via_hd_fq_sub(z, a);
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_zero(void) {
    via_hd_fq z;
    for (int i = 0; i < VIA_HD_LIMBS; i++)
        z.v.l[i] = 0;
    return z;
}
VIA_HD VIA_HD_INLINE via_hd_fq via_hd_fq_one(void) {
    via_hd_fq r;
    r.v = via_hd_fq_one_limbs();
    return r;
}
VIA_HD VIA_HD_INLINE int via_hd_fq_is_zero(via_hd_fq a) {
    return via_hd_limbs_is_zero(a.v);
}
VIA_HD VIA_HD_INLINE int via_hd_fq_eq(via_hd_fq a, via_hd_fq b) {
    return via_hd_limbs_eq(a.v, b.v);
}

/* ---- typed wrappers: Fr ---- */

VIA_HD VIA_HD_INLINE via_hd_fr via_hd_fr_add(via_hd_fr a, via_hd_fr b) {
    via_hd_fr r;
    r.v = via_hd_mod_add(a.v, b.v, via_hd_fr_modulus());
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fr via_hd_fr_sub(via_hd_fr a, via_hd_fr b) {
    via_hd_fr r;
    r.v = via_hd_mod_sub(a.v, b.v, via_hd_fr_modulus());
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fr via_hd_fr_mul(via_hd_fr a, via_hd_fr b) {
    via_hd_fr r;
    r.v = via_hd_mont_mul(a.v, b.v, via_hd_fr_modulus());
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fr via_hd_fr_sqr(via_hd_fr a) {
    return via_hd_fr_mul(a, a);
}
VIA_HD VIA_HD_INLINE via_hd_fr via_hd_fr_one(void) {
    via_hd_fr r;
    r.v = via_hd_fr_one_limbs();
    return r;
}
VIA_HD VIA_HD_INLINE int via_hd_fr_is_zero(via_hd_fr a) {
    return via_hd_limbs_is_zero(a.v);
}
VIA_HD VIA_HD_INLINE int via_hd_fr_eq(via_hd_fr a, via_hd_fr b) {
    return via_hd_limbs_eq(a.v, b.v);
}

#endif
