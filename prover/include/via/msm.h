/*
 * Multi-scalar multiplication on the CPU: Pippenger with signed-digit windows and
 * batch-affine bucket accumulation, spread over via_get_threads() workers.
 * Variable time: only for public or witness data.
 */
#ifndef VIA_PROVER_MSM_H
#define VIA_PROVER_MSM_H
#include "via/curve.h"
#include "via/status.h"

/* A scalar as a canonical (non-Montgomery) integer < r, little-endian 64-bit limbs: the
 * byte layout of .wtns values on a little-endian host, so witness sections are used as is. */
typedef struct {
    uint64_t l[4];
} via_scalar;
_Static_assert(sizeof(via_scalar) == 32, "scalar is 32 bytes");

/* out = sum scalars[i] * bases[i] for i < n (n = 0 gives infinity). Infinity bases and zero
 * scalars contribute nothing; repeated or opposite bases are fine. The bases must be on the
 * curve (not checked). Returns VIA_OK, VIA_EINVAL when a scalar is >= r (out is then
 * infinity), or VIA_ENOMEM. Working memory: per worker thread 2^(c-1) affine plus 2^(c-1)
 * Jacobian buckets (c <= 16, so at most about 5 MiB for G1 and 10 MiB for G2), independent of
 * n apart from that; the bases and scalars are read in place. */
VIA_MUST_USE int via_msm_g1(via_g1 *out, const via_g1_affine *bases, const via_scalar *scalars,
                            size_t n);
VIA_MUST_USE int via_msm_g2(via_g2 *out, const via_g2_affine *bases, const via_scalar *scalars,
                            size_t n);
#endif
