/*
 * `via-prover info <file>`: recognise a snarkjs/circom file by its magic (.r1cs, .wtns, .zkey,
 * .ptau) or, for text, by its JSON shape (proof, public signals, verification key), validate
 * it with the matching reader and print a short human-readable summary.
 */
#ifndef VIA_PROVER_DESCRIBE_H
#define VIA_PROVER_DESCRIBE_H
#include <stdio.h>

#include "via/status.h"

/* Returns VIA_OK after printing the summary to out, or the reader's error (the file is
 * unknown, unreadable or invalid: err says why and where). */
VIA_MUST_USE int via_file_describe(const char *path, FILE *out, via_error *err);
#endif
