/*
 * Number-theoretic transforms over Fr with snarkjs's roots of unity (omega_n = 5^((r-1)/n)),
 * multi-threaded over via_get_threads() workers. Vectors are Montgomery-form via_fr in natural
 * order on input and output.
 */
#ifndef VIA_PROVER_NTT_H
#define VIA_PROVER_NTT_H
#include "error.h"
#include "field.h"

/* In-place forward NTT: coefficients -> evaluations at omega^i, i < 2^log2n. */
VIA_MUST_USE int via_ntt(via_fr *a, unsigned log2n);
/* In-place inverse NTT: evaluations -> coefficients (includes the 1/n scaling). */
VIA_MUST_USE int via_intt(via_fr *a, unsigned log2n);
/* The snarkjs coset step of the H computation: given evaluations on the domain of size n,
 * replace them by the evaluations at g * omega^i with g = omega_{2n} (25 when n = 2^28):
 * iNTT, scale coefficient j by g^j, NTT. */
VIA_MUST_USE int via_ntt_domain_to_coset(via_fr *a, unsigned log2n);
/* The coset generator used for size 2^log2n (omega_{2n}, or 25 at the maximum size). */
void via_ntt_coset_gen(via_fr *g, unsigned log2n);
#endif
