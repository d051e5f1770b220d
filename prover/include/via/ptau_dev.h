/* Development powers of tau: see ptau_dev.c. The secrets tau, alpha and beta come from the OS
 * CSPRNG and are wiped, but the point generation is variable-time (windowed fixed-base
 * tables): use these files for tests, benchmarks and devnets only, never for production keys,
 * which come from a multi-party ceremony. */
#ifndef VIA_PROVER_PTAU_DEV_H
#define VIA_PROVER_PTAU_DEV_H
#include "via/groth16.h"

/* Writes a prepared .ptau of 2^power (1..27) that snarkjs and via_groth16_setup accept. */
VIA_MUST_USE int via_ptau_dev_write(const char *path, unsigned power, via_progress_fn progress,
                                    void *progress_ctx, via_error *err);
#endif
