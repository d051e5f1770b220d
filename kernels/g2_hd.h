/*
 * BN254 Fq2 = Fq[i]/(i^2 + 1) and G2 (the twist y^2 = x^3 + 3/(9+i) over Fq2) for C, OpenCL C
 * and CUDA, on field_hd.h.
 *
 * Layouts match prover/include/via/curve.h byte for byte on a little-endian host: an Fq2 element is
 * c0 then c1 (64 bytes), an affine G2 point is x then y (128 bytes, all zero is infinity as
 * in the zkey LEM encoding), a Jacobian point x, y, z (192 bytes, z = 0 is infinity).
 * The curve constant b' never enters the a = 0 Jacobian formulas, so they are those of
 * g1_hd.h with Fq2 coordinates; exceptional cases (infinity, equal or opposite inputs) are
 * checked explicitly. Variable time: MSM inputs are public or witness data.
 */
#ifndef VIA_KERNELS_G2_HD_H
#define VIA_KERNELS_G2_HD_H

#if !defined(__OPENCL_VERSION__)
#include "field_hd.h"
#endif

typedef struct {
    via_hd_fq c0, c1;
} via_hd_fq2;
typedef struct {
    via_hd_fq2 x, y;
} via_hd_g2_affine;
typedef struct {
    via_hd_fq2 x, y, z;
} via_hd_g2;

#if !defined(__OPENCL_VERSION__)
#if defined(__cplusplus)
static_assert(sizeof(via_hd_fq2) == 64, "Fq2 is 64 bytes");
static_assert(sizeof(via_hd_g2_affine) == 128, "affine G2 is 128 bytes");
static_assert(sizeof(via_hd_g2) == 192, "Jacobian G2 is 192 bytes");
#else
_Static_assert(sizeof(via_hd_fq2) == 64, "Fq2 is 64 bytes");
_Static_assert(sizeof(via_hd_g2_affine) == 128, "affine G2 is 128 bytes");
_Static_assert(sizeof(via_hd_g2) == 192, "Jacobian G2 is 192 bytes");
#endif
#endif

/* ---- Fq2 ---- */

VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_add(via_hd_fq2 a, via_hd_fq2 b) {
    via_hd_fq2 r;
    r.c0 = via_hd_fq_add(a.c0, b.c0);
    r.c1 = via_hd_fq_add(a.c1, b.c1);
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_sub(via_hd_fq2 a, via_hd_fq2 b) {
    via_hd_fq2 r;
    r.c0 = via_hd_fq_sub(a.c0, b.c0);
    r.c1 = via_hd_fq_sub(a.c1, b.c1);
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_dbl(via_hd_fq2 a) {
    return via_hd_fq2_add(a, a);
}
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_neg(via_hd_fq2 a) {
    via_hd_fq2 r;
    r.c0 = via_hd_fq_neg(a.c0);
    r.c1 = via_hd_fq_neg(a.c1);
    return r;
}
/* (a0 + a1 i)(b0 + b1 i) = a0 b0 - a1 b1 + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) i */
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_mul(via_hd_fq2 a, via_hd_fq2 b) {
    via_hd_fq t0 = via_hd_fq_mul(a.c0, b.c0);
    via_hd_fq t1 = via_hd_fq_mul(a.c1, b.c1);
    via_hd_fq s = via_hd_fq_mul(via_hd_fq_add(a.c0, a.c1), via_hd_fq_add(b.c0, b.c1));
    via_hd_fq2 r;
    r.c0 = via_hd_fq_sub(t0, t1);
    r.c1 = via_hd_fq_sub(via_hd_fq_sub(s, t0), t1);
    return r;
}
/* (a0 + a1 i)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 i */
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_sqr(via_hd_fq2 a) {
    via_hd_fq2 r;
    r.c0 = via_hd_fq_mul(via_hd_fq_add(a.c0, a.c1), via_hd_fq_sub(a.c0, a.c1));
    r.c1 = via_hd_fq_dbl(via_hd_fq_mul(a.c0, a.c1));
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_zero(void) {
    via_hd_fq2 r;
    r.c0 = via_hd_fq_zero();
    r.c1 = via_hd_fq_zero();
    return r;
}
VIA_HD VIA_HD_INLINE via_hd_fq2 via_hd_fq2_one(void) {
    via_hd_fq2 r;
    r.c0 = via_hd_fq_one();
    r.c1 = via_hd_fq_zero();
    return r;
}
VIA_HD VIA_HD_INLINE int via_hd_fq2_is_zero(via_hd_fq2 a) {
    return via_hd_fq_is_zero(a.c0) && via_hd_fq_is_zero(a.c1);
}

/* ---- G2, Jacobian ---- */

VIA_HD VIA_HD_INLINE via_hd_g2 via_hd_g2_inf(void) {
    via_hd_g2 r;
    r.x = via_hd_fq2_one();
    r.y = via_hd_fq2_one();
    r.z = via_hd_fq2_zero();
    return r;
}
VIA_HD VIA_HD_INLINE int via_hd_g2_is_inf(via_hd_g2 p) {
    return via_hd_fq2_is_zero(p.z);
}
VIA_HD VIA_HD_INLINE int via_hd_g2_affine_is_inf(via_hd_g2_affine p) {
    return via_hd_fq2_is_zero(p.x) && via_hd_fq2_is_zero(p.y);
}

/* dbl-2009-l */
VIA_HD VIA_HD_INLINE via_hd_g2 via_hd_g2_dbl(via_hd_g2 p) {
    if (via_hd_g2_is_inf(p)) return p;
    via_hd_fq2 a = via_hd_fq2_sqr(p.x);
    via_hd_fq2 b = via_hd_fq2_sqr(p.y);
    via_hd_fq2 c = via_hd_fq2_sqr(b);
    via_hd_fq2 d = via_hd_fq2_sub(via_hd_fq2_sub(via_hd_fq2_sqr(via_hd_fq2_add(p.x, b)), a), c);
    d = via_hd_fq2_dbl(d);
    via_hd_fq2 e = via_hd_fq2_add(via_hd_fq2_dbl(a), a);
    via_hd_fq2 f = via_hd_fq2_sqr(e);
    via_hd_g2 r;
    r.x = via_hd_fq2_sub(f, via_hd_fq2_dbl(d));
    via_hd_fq2 c8 = via_hd_fq2_dbl(via_hd_fq2_dbl(via_hd_fq2_dbl(c)));
    r.y = via_hd_fq2_sub(via_hd_fq2_mul(e, via_hd_fq2_sub(d, r.x)), c8);
    r.z = via_hd_fq2_dbl(via_hd_fq2_mul(p.y, p.z));
    return r;
}

/* add-2007-bl */
VIA_HD VIA_HD_INLINE via_hd_g2 via_hd_g2_add(via_hd_g2 p, via_hd_g2 q) {
    if (via_hd_g2_is_inf(p)) return q;
    if (via_hd_g2_is_inf(q)) return p;
    via_hd_fq2 z1z1 = via_hd_fq2_sqr(p.z);
    via_hd_fq2 z2z2 = via_hd_fq2_sqr(q.z);
    via_hd_fq2 u1 = via_hd_fq2_mul(p.x, z2z2);
    via_hd_fq2 u2 = via_hd_fq2_mul(q.x, z1z1);
    via_hd_fq2 s1 = via_hd_fq2_mul(p.y, via_hd_fq2_mul(q.z, z2z2));
    via_hd_fq2 s2 = via_hd_fq2_mul(q.y, via_hd_fq2_mul(p.z, z1z1));
    via_hd_fq2 h = via_hd_fq2_sub(u2, u1);
    via_hd_fq2 rr = via_hd_fq2_sub(s2, s1);
    if (via_hd_fq2_is_zero(h)) {
        if (via_hd_fq2_is_zero(rr)) return via_hd_g2_dbl(p);
        return via_hd_g2_inf();
    }
    via_hd_fq2 i = via_hd_fq2_sqr(via_hd_fq2_dbl(h));
    via_hd_fq2 j = via_hd_fq2_mul(h, i);
    rr = via_hd_fq2_dbl(rr);
    via_hd_fq2 v = via_hd_fq2_mul(u1, i);
    via_hd_g2 r;
    r.x = via_hd_fq2_sub(via_hd_fq2_sub(via_hd_fq2_sqr(rr), j), via_hd_fq2_dbl(v));
    r.y = via_hd_fq2_sub(via_hd_fq2_mul(rr, via_hd_fq2_sub(v, r.x)),
                         via_hd_fq2_dbl(via_hd_fq2_mul(s1, j)));
    via_hd_fq2 zs = via_hd_fq2_add(p.z, q.z);
    r.z = via_hd_fq2_mul(via_hd_fq2_sub(via_hd_fq2_sub(via_hd_fq2_sqr(zs), z1z1), z2z2), h);
    return r;
}

/* madd-2007-bl */
VIA_HD VIA_HD_INLINE via_hd_g2 via_hd_g2_add_mixed(via_hd_g2 p, via_hd_g2_affine q) {
    if (via_hd_g2_affine_is_inf(q)) return p;
    if (via_hd_g2_is_inf(p)) {
        via_hd_g2 r;
        r.x = q.x;
        r.y = q.y;
        r.z = via_hd_fq2_one();
        return r;
    }
    via_hd_fq2 z1z1 = via_hd_fq2_sqr(p.z);
    via_hd_fq2 u2 = via_hd_fq2_mul(q.x, z1z1);
    via_hd_fq2 s2 = via_hd_fq2_mul(q.y, via_hd_fq2_mul(p.z, z1z1));
    via_hd_fq2 h = via_hd_fq2_sub(u2, p.x);
    via_hd_fq2 rr = via_hd_fq2_sub(s2, p.y);
    if (via_hd_fq2_is_zero(h)) {
        if (via_hd_fq2_is_zero(rr)) return via_hd_g2_dbl(p);
        return via_hd_g2_inf();
    }
    via_hd_fq2 hh = via_hd_fq2_sqr(h);
    via_hd_fq2 i = via_hd_fq2_dbl(via_hd_fq2_dbl(hh));
    via_hd_fq2 j = via_hd_fq2_mul(h, i);
    rr = via_hd_fq2_dbl(rr);
    via_hd_fq2 v = via_hd_fq2_mul(p.x, i);
    via_hd_g2 r;
    r.x = via_hd_fq2_sub(via_hd_fq2_sub(via_hd_fq2_sqr(rr), j), via_hd_fq2_dbl(v));
    r.y = via_hd_fq2_sub(via_hd_fq2_mul(rr, via_hd_fq2_sub(v, r.x)),
                         via_hd_fq2_dbl(via_hd_fq2_mul(p.y, j)));
    r.z = via_hd_fq2_sub(via_hd_fq2_sub(via_hd_fq2_sqr(via_hd_fq2_add(p.z, h)), z1z1), hh);
    return r;
}

#endif
