/*
 * Constraint-system builder for R1CS circuits over BN254 Fr.
 *
 * Every gadget is written once, against a via_cs context, and that one function both records
 * its constraints and computes its wire values; which of the two actually happens is the
 * context's mode:
 *
 *   VIA_CS_SHAPE    constraints are recorded (in memory and/or streamed to an .r1cs file);
 *                   wire values are not computed and LC values are meaningless.
 *   VIA_CS_WITNESS  wire values are computed natively and stored; constraints are only counted
 *                   (linear combinations carry values, never terms, so this mode is fast).
 *   VIA_CS_BOTH     both, and every constraint is checked as it is emitted; the first one that
 *                   does not hold is remembered with the path of the gadget that emitted it.
 *
 * Since allocation order, constraint order and counts come from the same code in every mode,
 * a witness built in VIA_CS_WITNESS matches the .r1cs built in VIA_CS_SHAPE as long as the
 * gadget's control flow does not depend on values (gadgets branch on values only to compute
 * values, never to decide which wires or constraints exist). Tests run gadgets in BOTH mode.
 *
 * Wires: wire 0 is the constant 1; public wires (allocated with via_cs_public_new before any
 * private wire) follow; then private wires in allocation order. This is snarkjs's order.
 *
 * Gadget names: via_cs_push/via_cs_pop keep a stack of gadget names (string literals or
 * strings that outlive the context); each recorded constraint remembers the path
 * ("chunk/slot[3]/transfer/eddsa/scalar_mul"), and the checker reports it.
 *
 * All field values are in Montgomery form (field.h); conversions happen in the writers.
 */
#ifndef VIA_PROVER_CS_CS_H
#define VIA_PROVER_CS_CS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "via/status.h"
#include "via/field.h"

typedef enum {
    VIA_CS_SHAPE = 1,
    VIA_CS_WITNESS = 2,
    VIA_CS_BOTH = 3,
} via_cs_mode;

typedef uint32_t via_var; /* wire index; 0 is the constant one */

typedef struct {
    via_var v;
    via_fr k;
} via_term;

/*
 * A linear combination sum k_i * w_{v_i} (+ constant as a term on wire 0). In shape mode it
 * holds terms (heap-allocated: release with via_lc_free); with a witness it holds its value.
 * A zero-initialised via_lc (VIA_LC_INIT) is the empty combination, value 0.
 */
typedef struct {
    via_fr val;
    uint32_t n, cap;
    via_term *t;
} via_lc;
#define VIA_LC_INIT ((via_lc){{{0, 0, 0, 0}}, 0, 0, NULL})

typedef struct via_cs via_cs;

/* A recorded constraint, for the checker: [a_off, a_off + a_n) etc. index via_cs terms. */
typedef struct {
    uint64_t a_off, b_off, c_off;
    uint32_t a_n, b_n, c_n;
    uint32_t path; /* gadget path id */
} via_cs_constraint;

/* ---- context ---- */

/* keep_constraints: record constraints in memory (needed by via_cs_check and by the
 * failure report of BOTH mode; costs ~40 bytes per term). */
via_cs *via_cs_new(via_cs_mode mode, int keep_constraints);
/* Frees cs. The calling thread keeps its largest witness buffer for its next witness context
 * (a chunk witness is tens of MiB; fresh memory costs page faults); it is freed when the
 * thread exits. */
void via_cs_free(via_cs *cs);

static inline int via_cs_has_witness(const via_cs *cs);
static inline int via_cs_has_shape(const via_cs *cs);

/* Stream constraints into an .r1cs file as they are emitted (shape modes). Call before the
 * first constraint; via_cs_r1cs_finish writes the header counts and the wire-label section. */
VIA_MUST_USE int via_cs_r1cs_open(via_cs *cs, const char *path, via_error *err);
VIA_MUST_USE int via_cs_r1cs_finish(via_cs *cs, via_error *err);

/* Writes the witness (wire 0 .. n_vars-1) as .wtns version 2. */
VIA_MUST_USE int via_cs_wtns_write(const via_cs *cs, const char *path, via_error *err);

/* ---- wires ---- */

/* A public wire; all public wires come before the first private wire (asserted). Its value
 * may be set later with via_cs_set (for commitments computed at the end of the circuit). */
via_var via_cs_public_new(via_cs *cs);
/* A private wire with value *val (ignored, may be NULL, without a witness). */
via_var via_cs_var_new(via_cs *cs, const via_fr *val);
/* n consecutive private wires (the first in *first when not NULL). With a witness, returns
 * where their n values go; the caller must write all of them before the next allocation
 * (the pointer is valid until then). NULL without a witness. */
via_fr *via_cs_vars_alloc(via_cs *cs, uint32_t n, via_var *first);
void via_cs_set(via_cs *cs, via_var v, const via_fr *val);
/* Value of a wire (zero without a witness). */
const via_fr *via_cs_val(const via_cs *cs, via_var v);

uint32_t via_cs_n_vars(const via_cs *cs);
uint32_t via_cs_n_public(const via_cs *cs);
uint64_t via_cs_n_constraints(const via_cs *cs);
/* The wire values (Montgomery), n_vars of them; NULL without a witness. Writable so tests can
 * corrupt one and rerun the checker. */
via_fr *via_cs_witness(via_cs *cs);

/* One opaque pointer a gadget family may keep on the context (the Poseidon memo of
 * gadgets.h); NULL until set. */
void via_cs_set_gadget_aux(via_cs *cs, void *aux);
void *via_cs_gadget_aux(const via_cs *cs);

/* ---- gadget names ---- */
void via_cs_push(via_cs *cs, const char *name);
/* Pushes "name[index]" (the string is copied into the context). */
void via_cs_push_idx(via_cs *cs, const char *name, unsigned index);
void via_cs_pop(via_cs *cs);

/* ---- linear combinations ---- */
void via_lc_free(via_lc *lc);
void via_lc_clear(via_lc *lc); /* back to the empty combination, keeping its buffer */
void via_lc_add_var(via_cs *cs, via_lc *lc, via_var v, const via_fr *k); /* lc += k*w_v */
void via_lc_add_var1(via_cs *cs, via_lc *lc, via_var v);                 /* lc += w_v */
void via_lc_sub_var1(via_cs *cs, via_lc *lc, via_var v);                 /* lc -= w_v */
void via_lc_add_const(via_cs *cs, via_lc *lc, const via_fr *k);          /* lc += k */
void via_lc_add_u64(via_cs *cs, via_lc *lc, uint64_t k);                 /* lc += k */
void via_lc_add_lc(via_cs *cs, via_lc *lc, const via_lc *x,
                   const via_fr *k);                         /* lc += k*x (k NULL: 1) */
void via_lc_sub_lc(via_cs *cs, via_lc *lc, const via_lc *x); /* lc -= x */
void via_lc_scale(via_cs *cs, via_lc *lc, const via_fr *k);
void via_lc_copy(via_cs *cs, via_lc *dst, const via_lc *src); /* dst cleared first */
/* Constructors returning a fresh combination. */
via_lc via_lc_var(via_cs *cs, via_var v);
via_lc via_lc_const(via_cs *cs, const via_fr *k);
via_lc via_lc_u64(via_cs *cs, uint64_t k);

/* ---- constraints ---- */
/* Records / checks a * b = c. NULL stands for the constant 1 (for linear constraints). */
void via_cs_enforce(via_cs *cs, const via_lc *a, const via_lc *b, const via_lc *c);
/* a == b as one linear constraint (a - b) * 1 = 0. */
void via_cs_enforce_eq(via_cs *cs, const via_lc *a, const via_lc *b);
/* Witness-only fast paths compute a gadget's values without building combinations; they
 * account for the constraints they stand for with this (no effect in shape modes, where the
 * gadget must emit them). */
void via_cs_count_constraints(via_cs *cs, uint64_t n);
/* Materialises lc as a new wire (one constraint), or returns the wire it already is. */
via_var via_cs_materialize(via_cs *cs, const via_lc *lc);

/* ---- checking ---- */
typedef struct {
    uint64_t index; /* first unsatisfied constraint */
    char path[256]; /* gadget path that emitted it */
} via_cs_failure;

/* BOTH mode: 1 if some constraint failed as it was emitted (first one in *out), else 0. */
int via_cs_first_failure(const via_cs *cs, via_cs_failure *out);
/* Checks the recorded constraints (keep_constraints) against w[0..n). Returns 0 when all
 * hold, VIA_EVERIFY with *out (and err) naming the first failing constraint, VIA_EINVAL when
 * w does not fit (wrong length, w[0] != 1). */
VIA_MUST_USE int via_cs_check(const via_cs *cs, const via_fr *w, size_t n, via_cs_failure *out,
                              via_error *err);
/* Path string of a path id. */
void via_cs_path_string(const via_cs *cs, uint32_t path, char *out, size_t outlen);

/* ---- internals visible for the inline helpers ---- */
struct via_cs_public_flags {
    int witness, shape;
};
static inline int via_cs_has_witness(const via_cs *cs) {
    return ((const struct via_cs_public_flags *)(const void *)cs)->witness;
}
static inline int via_cs_has_shape(const via_cs *cs) {
    return ((const struct via_cs_public_flags *)(const void *)cs)->shape;
}

#endif
