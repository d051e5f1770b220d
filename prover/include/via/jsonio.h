/*
 * snarkjs JSON files (docs/sources.md: snarkjs-json): proof.json, public.json and
 * verification_key.json, written byte for byte as snarkjs writes them (JSON.stringify with a
 * one-space indent, no trailing newline) and read strictly:
 *
 *  - every number is a decimal string of a canonical integer: coordinates < q, public
 *    signals < r; anything else (JSON numbers, signs, hex, empty strings) is rejected;
 *  - points are [x, y] or [x, y, z] (G2: pairs [c0, c1]) with z = 1 for an affine point or
 *    z = 0 for infinity (snarkjs writes infinity as [0, 1, 0]); other z values are rejected.
 *
 * Curve-equation and subgroup checks are the verifier's (via_groth16_verify); readers only
 * guarantee reduced coordinates. Every failure names the file (or label) and the JSON path,
 * e.g. "proof.json: pi_b[1][0]: not below the field modulus q".
 */
#ifndef VIA_PROVER_JSONIO_H
#define VIA_PROVER_JSONIO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "via/curve.h"
#include "via/status.h"
#include "via/groth16.h"
#include "via/msm.h"

/* Public signals beyond this count are rejected (a verification key has nPublic + 1 IC
 * points; circom circuits have far fewer). */
#define VIA_JSON_MAX_PUBLIC 1000000u

/* ---- proof.json ---- */
/* Returns a malloc'd NUL-terminated JSON text (free with free()), or NULL when out of memory. */
char *via_proof_to_json(const via_groth16_proof *proof);
VIA_MUST_USE int via_proof_write_json(const via_groth16_proof *proof, const char *path,
                                      via_error *err);
/* Parses proof JSON text of len bytes; `name` labels messages. protocol, when present, must be
 * "groth16" and curve, when present, "bn128" (rapidsnark omits curve). */
VIA_MUST_USE int via_proof_parse_json(via_groth16_proof *proof, const char *name, const char *text,
                                      size_t len, via_error *err);
VIA_MUST_USE int via_proof_read_json(via_groth16_proof *proof, const char *path, via_error *err);

/* ---- public.json ---- */
char *via_public_to_json(const via_scalar *values, size_t n);
VIA_MUST_USE int via_public_write_json(const via_scalar *values, size_t n, const char *path,
                                       via_error *err);
/* *values is a via_malloc_big array of *n canonical scalars (free with via_free_big); NULL
 * with *n = 0 on failure. Each entry must be a decimal string < r. */
VIA_MUST_USE int via_public_parse_json(via_scalar **values, size_t *n, const char *name,
                                       const char *text, size_t len, via_error *err);
VIA_MUST_USE int via_public_read_json(via_scalar **values, size_t *n, const char *path,
                                      via_error *err);

/* ---- verification_key.json ---- */
/* alphabeta is vk_alphabeta_12 (compute it with via_pairing_snarkjs_gt(alpha1, beta2)); when
 * NULL the field is left out (snarkjs's verifier does not read it). */
char *via_vk_to_json(const via_groth16_vk *vk, const via_fq12 *alphabeta);
VIA_MUST_USE int via_vk_write_json(const via_groth16_vk *vk, const via_fq12 *alphabeta,
                                   const char *path, via_error *err);
/* Fills *vk (vk->ic is a via_malloc_big array of nPublic + 1 points; free with
 * via_groth16_vk_free). IC must have exactly nPublic + 1 entries. When alphabeta is not NULL,
 * *has_alphabeta says whether the file had vk_alphabeta_12 and *alphabeta holds it. */
VIA_MUST_USE int via_vk_parse_json(via_groth16_vk *vk, via_fq12 *alphabeta, int *has_alphabeta,
                                   const char *name, const char *text, size_t len, via_error *err);
VIA_MUST_USE int via_vk_read_json(via_groth16_vk *vk, via_fq12 *alphabeta, int *has_alphabeta,
                                  const char *path, via_error *err);

/* Reads a whole (text) file into a malloc'd NUL-terminated buffer of at most max_len bytes. */
VIA_MUST_USE int via_read_text_file(char **text, size_t *len, const char *path, size_t max_len,
                                    via_error *err);
#endif
