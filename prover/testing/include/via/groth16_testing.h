/* Test-only entry points of the prover (library via_prover_testing, linked by tests alone):
 * proofs with fixed blinding scalars, so that backends can be compared byte for byte. */
#ifndef VIA_GROTH16_TESTING_H
#define VIA_GROTH16_TESTING_H
#include "via/groth16.h"

/* r and s canonical and below the group order r; NULL when they are not (or out of memory).
 * Free with via_groth16_test_blinding_free. */
via_groth16_test_blinding *via_groth16_test_blinding_new(const via_scalar *r, const via_scalar *s);
void via_groth16_test_blinding_free(via_groth16_test_blinding *b);
#endif
