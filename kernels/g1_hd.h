/*
 * BN254 G1 (y^2 = x^3 + 3 over Fq) for C, OpenCL C and CUDA, on field_hd.h.
 *
 * Layouts match prover/include/via/curve.h byte for byte on a little-endian host: an affine point
 * is x then y (64 bytes, x = y = 0 is infinity, as in the zkey LEM encoding), a Jacobian point is
 * x, y, z (96 bytes, z = 0 is infinity). Formulas are the a = 0 Jacobian ones (EFD dbl-2009-l,
 * add-2007-bl, madd-2007-bl); the exceptional cases (an input at infinity, equal or opposite
 * inputs) are checked explicitly, so repeated bases in an MSM are handled. Variable time: MSM
 * inputs are public or witness data.
 */
#ifndef VIA_KERNELS_G1_HD_H
#define VIA_KERNELS_G1_HD_H

#if !defined(__OPENCL_VERSION__)
#include "field_hd.h"
#endif

typedef struct {
    via_hd_fq x, y;
} via_hd_g1_affine;
typedef struct {
    via_hd_fq x, y, z;
} via_hd_g1;

#if !defined(__OPENCL_VERSION__)
#if defined(__cplusplus)
static_assert(sizeof(via_hd_g1_affine) == 64, "affine G1 is 64 bytes");
static_assert(sizeof(via_hd_g1) == 96, "Jacobian G1 is 96 bytes");
#else
_Static_assert(sizeof(via_hd_g1_affine) == 64, "affine G1 is 64 bytes");
_Static_assert(sizeof(via_hd_g1) == 96, "Jacobian G1 is 96 bytes");
#endif
#endif

VIA_HD VIA_HD_INLINE via_hd_g1 via_hd_g1_inf(void) {
    via_hd_g1 r;
    r.x = via_hd_fq_one();
    r.y = via_hd_fq_one();
    r.z = via_hd_fq_zero();
    return r;
}
VIA_HD VIA_HD_INLINE int via_hd_g1_is_inf(via_hd_g1 p) {
    return via_hd_fq_is_zero(p.z);
}
VIA_HD VIA_HD_INLINE int via_hd_g1_affine_is_inf(via_hd_g1_affine p) {
    return via_hd_fq_is_zero(p.x) && via_hd_fq_is_zero(p.y);
}

VIA_HD VIA_HD_INLINE via_hd_g1 via_hd_g1_dbl(via_hd_g1 p) {
    if (via_hd_g1_is_inf(p)) return p;
    via_hd_fq a = via_hd_fq_sqr(p.x);
    via_hd_fq b = via_hd_fq_sqr(p.y);
    via_hd_fq c = via_hd_fq_sqr(b);
    via_hd_fq d = via_hd_fq_sub(via_hd_fq_sub(via_hd_fq_sqr(via_hd_fq_add(p.x, b)), a), c);
    d = via_hd_fq_dbl(d);
    via_hd_fq e = via_hd_fq_add(via_hd_fq_dbl(a), a);
    via_hd_fq f = via_hd_fq_sqr(e);
    via_hd_g1 r;
    r.x = via_hd_fq_sub(f, via_hd_fq_dbl(d));
    via_hd_fq c8 = via_hd_fq_dbl(via_hd_fq_dbl(via_hd_fq_dbl(c)));
    r.y = via_hd_fq_sub(via_hd_fq_mul(e, via_hd_fq_sub(d, r.x)), c8);
    r.z = via_hd_fq_dbl(via_hd_fq_mul(p.y, p.z));
    return r;
}

VIA_HD VIA_HD_INLINE via_hd_g1 via_hd_g1_add(via_hd_g1 p, via_hd_g1 q) {
    if (via_hd_g1_is_inf(p)) return q;
    if (via_hd_g1_is_inf(q)) return p;
    via_hd_fq z1z1 = via_hd_fq_sqr(p.z);
    via_hd_fq z2z2 = via_hd_fq_sqr(q.z);
    via_hd_fq u1 = via_hd_fq_mul(p.x, z2z2);
    via_hd_fq u2 = via_hd_fq_mul(q.x, z1z1);
    via_hd_fq s1 = via_hd_fq_mul(p.y, via_hd_fq_mul(q.z, z2z2));
    via_hd_fq s2 = via_hd_fq_mul(q.y, via_hd_fq_mul(p.z, z1z1));
    via_hd_fq h = via_hd_fq_sub(u2, u1);
    via_hd_fq rr = via_hd_fq_sub(s2, s1);
    if (via_hd_fq_is_zero(h)) {
        if (via_hd_fq_is_zero(rr)) return via_hd_g1_dbl(p);
        return via_hd_g1_inf();
    }
    via_hd_fq i = via_hd_fq_sqr(via_hd_fq_dbl(h));
    via_hd_fq j = via_hd_fq_mul(h, i);
    rr = via_hd_fq_dbl(rr);
    via_hd_fq v = via_hd_fq_mul(u1, i);
    via_hd_g1 r;
    r.x = via_hd_fq_sub(via_hd_fq_sub(via_hd_fq_sqr(rr), j), via_hd_fq_dbl(v));
    r.y = via_hd_fq_sub(via_hd_fq_mul(rr, via_hd_fq_sub(v, r.x)),
                        via_hd_fq_dbl(via_hd_fq_mul(s1, j)));
    via_hd_fq zs = via_hd_fq_add(p.z, q.z);
    r.z = via_hd_fq_mul(via_hd_fq_sub(via_hd_fq_sub(via_hd_fq_sqr(zs), z1z1), z2z2), h);
    return r;
}

VIA_HD VIA_HD_INLINE via_hd_g1 via_hd_g1_add_mixed(via_hd_g1 p, via_hd_g1_affine q) {
    if (via_hd_g1_affine_is_inf(q)) return p;
    if (via_hd_g1_is_inf(p)) {
        via_hd_g1 r;
        r.x = q.x;
        r.y = q.y;
        r.z = via_hd_fq_one();
        return r;
    }
    via_hd_fq z1z1 = via_hd_fq_sqr(p.z);
    via_hd_fq u2 = via_hd_fq_mul(q.x, z1z1);
    via_hd_fq s2 = via_hd_fq_mul(q.y, via_hd_fq_mul(p.z, z1z1));
    via_hd_fq h = via_hd_fq_sub(u2, p.x);
    via_hd_fq rr = via_hd_fq_sub(s2, p.y);
    if (via_hd_fq_is_zero(h)) {
        if (via_hd_fq_is_zero(rr)) return via_hd_g1_dbl(p);
        return via_hd_g1_inf();
    }
    via_hd_fq hh = via_hd_fq_sqr(h);
    via_hd_fq i = via_hd_fq_dbl(via_hd_fq_dbl(hh));
    via_hd_fq j = via_hd_fq_mul(h, i);
    rr = via_hd_fq_dbl(rr);
    via_hd_fq v = via_hd_fq_mul(p.x, i);
    via_hd_g1 r;
    r.x = via_hd_fq_sub(via_hd_fq_sub(via_hd_fq_sqr(rr), j), via_hd_fq_dbl(v));
    r.y = via_hd_fq_sub(via_hd_fq_mul(rr, via_hd_fq_sub(v, r.x)),
                        via_hd_fq_dbl(via_hd_fq_mul(p.y, j)));
    r.z = via_hd_fq_sub(via_hd_fq_sub(via_hd_fq_sqr(via_hd_fq_add(p.z, h)), z1z1), hh);
    return r;
}

#endif
