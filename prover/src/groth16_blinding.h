/* The definition behind via_groth16_test_blinding: private to prover/ (groth16.c reads it,
 * testing/groth16_testing.c makes it). */
#ifndef VIA_PROVER_GROTH16_BLINDING_H
#define VIA_PROVER_GROTH16_BLINDING_H
#include <stdint.h>

#include "via/groth16.h"

#define VIA_GROTH16_TEST_BLINDING_MAGIC 0x74657374626c6e64ULL /* "testblnd" */

struct via_groth16_test_blinding {
    uint64_t magic;
    via_scalar r, s; /* canonical, below the group order */
};
#endif
