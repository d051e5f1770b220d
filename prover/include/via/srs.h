/*
 * The aggregation SRS (SnarkPack): powers of two independent secrets a and b, taken from two
 * powers-of-tau ceremonies (snarkjs/Hermez .ptau files, whose sections 2 and 3 hold
 * [tau^i]_1 and [tau^i]_2):
 *   g_a[i] = g^(a^i), g_b[i] = g^(b^i)   for i < 2n   (G1)
 *   h_a[i] = h^(a^i), h_b[i] = h^(b^i)   for i < n    (G2)
 * where n, a power of two, is the most proofs one aggregate may hold. The verifier needs only
 * g, g^a, g^b, h, h^a, h^b: its part (i < 2 in every array) is exported on its own.
 *
 * File (docs/srs.md): the binfile container with magic "vsrs", version 1; section 1 the
 * header (u32 n, u32 kind: 0 full, 1 verifier part), sections 2..5 the point arrays g_a,
 * g_b, h_a, h_b in the .zkey point encoding (little-endian Montgomery). The reader is bounded
 * by the header and the file size, checks every point on its curve, the G2 points the
 * verifier uses in the subgroup, that each array starts at the generator, and that a and b
 * differ.
 */
#ifndef VIA_PROVER_SRS_H
#define VIA_PROVER_SRS_H
#include <stddef.h>
#include <stdint.h>

#include "via/curve.h"
#include "via/ptau.h"
#include "via/status.h"

#define VIA_SRS_MAX_PROOFS ((uint32_t)1 << 20)

typedef struct {
    uint32_t n;         /* proofs an aggregate under this SRS may hold (a power of two >= 2) */
    int verifier_only;  /* only the verifier's part: every array has 2 points */
    via_g1_affine *g_a; /* 2n powers (verifier part: 2) */
    via_g1_affine *g_b;
    via_g2_affine *h_a; /* n powers (verifier part: 2) */
    via_g2_affine *h_b;
} via_srs;

/* Builds the SRS for n proofs from two ceremonies loaded with VIA_PTAU_LOAD_POWERS. EINVAL
 * (naming the files) when n is not a power of two in 2..VIA_SRS_MAX_PROOFS, when a file
 * holds too few powers (2n in G1 and n in G2 are needed), or when both have the same tau. */
VIA_MUST_USE int via_srs_from_ptau(via_srs *s, const via_ptau *a, const char *name_a,
                                   const via_ptau *b, const char *name_b, uint32_t n,
                                   via_error *err);
/* A development SRS for n proofs from two secrets drawn from the OS random source and wiped
 * after use (a one-party ceremony, like `via-prover ptau-dev`): for tests and benchmarks,
 * never for proofs anyone else must trust. */
VIA_MUST_USE int via_srs_dev(via_srs *s, uint32_t n, via_error *err);
/* The verifier's part of s, as its own SRS (arrays copied). */
VIA_MUST_USE int via_srs_verifier_part(via_srs *out, const via_srs *s, via_error *err);

VIA_MUST_USE int via_srs_write(const via_srs *s, const char *path, via_error *err);
VIA_MUST_USE int via_srs_read(via_srs *s, const char *path, via_error *err);
VIA_MUST_USE int via_srs_read_mem(via_srs *s, const char *name, const uint8_t *data, size_t len,
                                  via_error *err);
void via_srs_free(via_srs *s);
#endif
