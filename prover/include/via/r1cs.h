/*
 * circom constraint systems (.r1cs version 1, docs/sources.md: r1cs).
 *
 * Sections: 1 header, 2 constraints, 3 wire -> label map; 4 and 5 (PLONK custom gates) and
 * unknown ids are ignored. Constraints are kept as compact arrays: linear combination k
 * (0 = A, 1 = B, 2 = C) of constraint i holds the terms
 *     wires[t], coefs[t]   for t in [lc_start[3*i + k], lc_start[3*i + k + 1]),
 * with the coefficients as Montgomery-form via_fr (the file holds canonical LE integers < r).
 * The witness order is [1, public outputs, public inputs, private inputs, other wires].
 */
#ifndef VIA_PROVER_R1CS_H
#define VIA_PROVER_R1CS_H
#include <stdint.h>
#include <stdio.h>

#include "via/status.h"
#include "via/field.h"

#define VIA_R1CS_MAX_WIRES ((uint32_t)1 << 31)

typedef struct {
    uint32_t n_wires;   /* including wire 0, the constant 1 */
    uint32_t n_pub_out; /* wires 1..n_pub_out */
    uint32_t n_pub_in;  /* the next n_pub_in wires */
    uint32_t n_prv_in;
    uint64_t n_labels;
    uint32_t n_constraints;

    uint64_t n_terms;
    uint64_t *lc_start; /* 3 * n_constraints + 1 offsets into wires/coefs; lc_start[0] = 0 */
    uint32_t *wires;    /* n_terms wire ids, each < n_wires */
    via_fr *coefs;      /* n_terms coefficients, Montgomery form */

    uint64_t *wire_to_label; /* n_wires label ids, or NULL when the file has no section 3 */

    /* Section ids 1..3 in file order as read (circom writes 2,1,3); zero for an r1cs built in
     * memory, which via_r1cs_write then writes as 1,2,3. */
    uint32_t section_order[3];
} via_r1cs;

/* Reads and validates: header field size 32 and prime r, wire counts consistent
 * (1 + outputs + public inputs + private inputs <= nWires), every term's wire < nWires and
 * coefficient < r, section 2 exactly as long as its nConstraints constraints, the map
 * nWires * 8 bytes. On failure *r is empty and err names file, section and problem. */
VIA_MUST_USE int via_r1cs_read(via_r1cs *r, const char *path, via_error *err);
VIA_MUST_USE int via_r1cs_read_mem(via_r1cs *r, const char *name, const uint8_t *data, size_t len,
                                   via_error *err);
/* Writes sections 1, 2 and (when wire_to_label is set) 3. The arrays are via_malloc_big
 * buffers when via_r1cs_free is to release them. */
VIA_MUST_USE int via_r1cs_write(const via_r1cs *r, const char *path, via_error *err);
void via_r1cs_free(via_r1cs *r);
static inline uint32_t via_r1cs_n_public(const via_r1cs *r) {
    return r->n_pub_out + r->n_pub_in;
}
void via_r1cs_describe(const via_r1cs *r, FILE *out);
#endif
