/*
 * BabyJubJub and EdDSA-Poseidon gadgets over the constraint-system builder (via/cs.h), and
 * the native witness aids the chunk circuit computes ahead of them. Same conventions as
 * via/gadgets.h.
 */
#ifndef VIA_ROLLUP_GADGETS_BABYJUB_H
#define VIA_ROLLUP_GADGETS_BABYJUB_H

#include "via/babyjub.h"
#include "via/cs.h"
#include "via/gadgets.h"

/* ---- BabyJubJub (a = 168700, d = 168696 twisted Edwards over Fr) ---- */

typedef struct {
    via_lc x, y;
} via_g_point;
void via_g_point_free(via_g_point *p);
/* A point whose coordinates are the given wires. */
via_g_point via_g_point_vars(via_cs *cs, via_var x, via_var y);
/* Enforces a x^2 + y^2 = 1 + d x^2 y^2. Cost 3. */
void via_g_babyjub_on_curve(via_cs *cs, const via_g_point *p);
/* p + q (complete twisted Edwards addition, circomlib BabyAdd). Cost 6. */
via_g_point via_g_babyjub_add(via_cs *cs, const via_g_point *p, const via_g_point *q);
/* 2p. Cost 6. */
via_g_point via_g_babyjub_dbl(via_cs *cs, const via_g_point *p);
/* bits[0..n) . p for a variable point p (LSB-first bits). Cost ~13 per bit. */
via_g_point via_g_babyjub_mul_var(via_cs *cs, const via_var *bits, unsigned n,
                                  const via_g_point *p);
/* bits[0..n) . Base8 (fixed base, 3-bit windows over constant tables). Cost ~10 per 3 bits. */
via_g_point via_g_babyjub_mul_base8(via_cs *cs, const via_var *bits, unsigned n);

/* circomlib EdDSAPoseidonVerifier: when enabled (a boolean wire) = 1, enforces S < l,
 * the strict bits of hm = Poseidon(R8x, R8y, Ax, Ay, M), 8A = dbl(dbl(dbl(A))) with
 * 8A.x != 0, and S*Base8 == R8 + hm*8A. With enabled = 0 every check is void (the inputs
 * must still be points of the curve for the witness to exist). */
void via_g_eddsa_poseidon_verify(via_cs *cs, via_var enabled, const via_lc *ax, const via_lc *ay,
                                 const via_lc *s, const via_lc *r8x, const via_lc *r8y,
                                 const via_lc *msg);

/* Witness aids of one EdDSA verification gadget, computed natively ahead of the circuit (for
 * a chunk, all slots' at once during execution, where the same computation also decides
 * whether the signature is valid): the points that the gadget's additions produce, and the
 * inverse its zero test needs, so the witness-only gadget needs no inversion and no second
 * scalar multiplication. */
typedef struct {
    int valid;                      /* 0 when A or R8 is off the curve: the gadget computes */
    int ok;                         /* S Base8 == R8 + hm 8A and 8A.x != 0 */
    via_fr ax, ay, r8x, r8y, s, hm; /* the inputs they are for (S below 2^253) */
    via_babyjub_point a2, a4, a8;   /* 2A, 4A, 8A */
    via_fr a8x_inv;                 /* 1 / 8A.x, 0 when 8A.x = 0 */
    via_babyjub_point hm_dbl[254];  /* 2^(i+1) 8A */
    via_babyjub_point hm_sum[254];  /* sum of the bits below i of hm times 2^i 8A, plus 2^i 8A */
    via_babyjub_point right;        /* R8 + hm 8A */
    via_babyjub_point s_base[85];   /* S Base8 summed over the first j + 1 windows of 3 bits */
    /* each addition's intermediate wires beta, gamma, delta, tau (products of its inputs) */
    via_fr pre_a[3][4];     /* the doublings of A */
    via_fr pre_dbl[254][4]; /* [i - 1]: the doubling at step i of hm 8A (i = 1..253) */
    via_fr pre_sum[254][4]; /* [i]: the addition at step i (i = 1..253) */
    via_fr pre_right[4];    /* R8 + hm 8A */
    via_fr pre_base[85][4]; /* [j]: the addition of window j (j = 1..84) */
} via_g_eddsa_hints;

/* Fills *h for the given inputs (hm = Poseidon(R8x, R8y, Ax, Ay, M)); returns h->ok.
 * Variable time: for public data (a signature being verified), never for secrets. */
int via_g_eddsa_hints_compute_var(via_g_eddsa_hints *h, const via_fr *ax, const via_fr *ay,
                                  const via_fr *r8x, const via_fr *r8y, const via_fr *s,
                                  const via_fr *hm);

/* n sets of aids: h[i] for the inputs in[6i .. 6i+6) = Ax, Ay, R8x, R8y, S, hm; eight at a
 * time in AVX-512 IFMA lanes where the CPU has them (the values of
 * via_g_eddsa_hints_compute_var). Variable time, like it. */
void via_g_eddsa_hints_compute_many_var(via_g_eddsa_hints *h, const via_fr *in, size_t n);

/* via_g_eddsa_poseidon_verify with aids (may be NULL); they are used by witness-only contexts
 * when computed for exactly these input values, and ignored otherwise (same witness). */
void via_g_eddsa_poseidon_verify_hinted(via_cs *cs, via_var enabled, const via_lc *ax,
                                        const via_lc *ay, const via_lc *s, const via_lc *r8x,
                                        const via_lc *r8y, const via_lc *msg,
                                        const via_g_eddsa_hints *h);

#endif
