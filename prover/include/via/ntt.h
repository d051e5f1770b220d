/*
 * Number-theoretic transforms over Fr with snarkjs's roots of unity (omega_n = 5^((r-1)/n)),
 * multi-threaded over via_get_threads() workers. Vectors are Montgomery-form via_fr in natural
 * order on input and output; sizes are 2^log2n with log2n <= 28 (VIA_FR_TWO_ADICITY).
 *
 * Each call returns VIA_OK, VIA_EINVAL when log2n > 28 (a is then untouched), or VIA_ENOMEM
 * when its scratch memory (at most 1 MiB per worker thread, plus 2^ceil(log2n/2) elements for
 * the coset step) cannot be allocated, in which case the contents of a are unspecified.
 * a must not be NULL. Calls on different vectors may run concurrently.
 */
#ifndef VIA_PROVER_NTT_H
#define VIA_PROVER_NTT_H
#include "via/status.h"
#include "via/field.h"

/* In-place forward NTT: coefficients -> evaluations at omega^i, i < 2^log2n. */
VIA_MUST_USE int via_ntt(via_fr *a, unsigned log2n);
/* In-place inverse NTT: evaluations -> coefficients (includes the 1/n scaling). */
VIA_MUST_USE int via_intt(via_fr *a, unsigned log2n);
/* The snarkjs coset step of the H computation: given evaluations on the domain of size n,
 * replace them by the evaluations at g * omega^i with g = omega_{2n} (25 when n = 2^28):
 * iNTT, scale coefficient j by g^j, NTT. (Computed without bit-reversal passes, with the
 * scaling folded into the twiddles; the result is exactly that of the three steps.) */
VIA_MUST_USE int via_ntt_domain_to_coset(via_fr *a, unsigned log2n);
/* The coset generator used for size 2^log2n (omega_{2n}, or 25 at the maximum size).
 * log2n must be <= 28. */
void via_ntt_coset_gen(via_fr *g, unsigned log2n);
#endif
