/*
 * Groth16 over BN254, byte-compatible with snarkjs 0.7 / rapidsnark.
 *
 * Proving follows docs/sources.md: groth16-h: the A and B evaluations are accumulated
 * from the zkey's coefficient section (one Montgomery product of the coefficient, in
 * Montgomery form, with the canonical witness value), c = a*b on the domain, each of a, b, c is
 * moved to the coset g*omega^i (g = omega_{2n}), h = a'b' - c' goes against the zkey's H
 * points, and the proof is assembled with fresh r, s:
 *   A  = alpha1 + sum w_j A_j + r delta1
 *   B2 = beta2  + sum w_j B2_j + s delta2           (B1 likewise in G1)
 *   C  = sum_{j>nPub} w_j C_j + sum h_i H_i + s A + r B1 - r s delta1
 * r and s come from the OS CSPRNG, are only touched by constant-time code, and are wiped.
 */
#ifndef VIA_PROVER_GROTH16_H
#define VIA_PROVER_GROTH16_H

#include "via/curve.h"
#include "via/status.h"
#include "via/msm.h"
#include "via/zkey.h"

/* A view of a proving key; the arrays point into buffers owned by whoever read the key. */
typedef struct {
    uint32_t n_vars;   /* witness length, including the constant-1 wire */
    uint32_t n_public; /* public signals, excluding the constant-1 wire */
    uint32_t log2n;    /* domain size 2^log2n */
    via_g1_affine alpha1, beta1, delta1;
    via_g2_affine beta2, delta2;
    const via_g1_affine *a;  /* n_vars */
    const via_g1_affine *b1; /* n_vars */
    const via_g2_affine *b2; /* n_vars */
    const via_g1_affine *c;  /* n_vars - n_public - 1 */
    const via_g1_affine *h;  /* 2^log2n */
    size_t n_coefs;
    const via_zkey_coef *coefs; /* A and B entries, values in Montgomery form */
} via_groth16_pk;

typedef struct {
    via_g1_affine a;
    via_g2_affine b;
    via_g1_affine c;
} via_groth16_proof;

typedef struct {
    uint32_t n_public;
    via_g1_affine alpha1;
    via_g2_affine beta2, gamma2, delta2;
    via_g1_affine *ic; /* n_public + 1, owned by the vk */
} via_groth16_vk;

/* The view of a key read with via_zkey_read (no copies). */
void via_groth16_pk_from_zkey(via_groth16_pk *pk, const via_zkey *z);
/* The verification key of a proving key; vk->ic is allocated (free with via_groth16_vk_free). */
VIA_MUST_USE int via_groth16_vk_from_zkey(via_groth16_vk *vk, const via_zkey *z, via_error *err);
void via_groth16_vk_free(via_groth16_vk *vk);

/* Optional progress reporting for long steps: stage name and fraction done. */
typedef void (*via_progress_fn)(void *ctx, const char *stage, double fraction);

/* Where the variable-time bulk work runs: the coset transform of the H computation and the
 * G1 MSMs. NULL members (or a NULL backend) mean the CPU code (via_ntt_domain_to_coset,
 * via_msm_g1). Every backend must compute the same bytes as the CPU. */
typedef struct {
    int (*coset)(void *ctx, via_fr *a, unsigned log2n, via_error *err);
    int (*msm_g1)(void *ctx, via_g1 *out, const via_g1_affine *bases, const via_scalar *scalars,
                  size_t n, via_error *err);
    int (*msm_g2)(void *ctx, via_g2 *out, const via_g2_affine *bases, const via_scalar *scalars,
                  size_t n, via_error *err);
    /* The whole H computation with the vectors resident on the device: from the domain
     * evaluations a and b (scale as in groth16.c), write canonical h over a; b is left as it
     * was. When set, it replaces c = a*b, the three coset transforms and h = a'b' - c'. */
    int (*h)(void *ctx, via_fr *a, const via_fr *b, unsigned log2n, via_error *err);
    void *ctx;
    const char *name;
} via_groth16_backend;

/* Fixed blinding scalars, for tests that compare proofs byte for byte across backends. Opaque:
 * only the test library (via_prover_testing, via/groth16_testing.h) can make one, so a
 * product binary cannot prove with a known r and s. */
typedef struct via_groth16_test_blinding via_groth16_test_blinding;

typedef struct {
    via_progress_fn progress;
    void *progress_ctx;
    const via_groth16_test_blinding *test_blinding; /* NULL: fresh r and s from the OS CSPRNG */
    const via_groth16_backend *backend;             /* NULL: CPU */
} via_groth16_prove_opts;

/* Proves with witness w[0..nw). Checks nw == n_vars, w[0] == 1 and each value < r.
 * A witness that does not satisfy the circuit gives a proof that does not verify. */
VIA_MUST_USE int via_groth16_prove(via_groth16_proof *proof, const via_groth16_pk *pk,
                                   const via_scalar *w, size_t nw,
                                   const via_groth16_prove_opts *opts, via_error *err);

/* The blinding step of via_groth16_prove: from the unblinded MSM results pa = sum w A,
 * pb1 = sum w B1, pb2 = sum w B2, pc = sum w C (private wires), ph = sum h H, and the blinding
 * scalars r, s (canonical, below the group order), the proof
 *   A = alpha1 + pa + r delta1, B = beta2 + pb2 + s delta2,
 *   C = pc + ph + s A + r (beta1 + pb1 + s delta1) - r s delta1.
 * Constant time in every input (complete additions, fixed-window multiplications, masked
 * table lookups): tests/ctime checks it under valgrind with all of them marked secret. */
void via_groth16_blind(via_groth16_proof *proof, const via_groth16_pk *pk, const via_g1 *pa,
                       const via_g1 *pb1, const via_g2 *pb2, const via_g1 *pc, const via_g1 *ph,
                       const via_scalar *r, const via_scalar *s);

/* Full verification: n_pub must equal vk->n_public, each public value < r, every proof and
 * key point on its curve and (G2) in the prime-order subgroup. Returns VIA_OK when valid,
 * VIA_EVERIFY when the pairing equation fails, another code for unusable input. */
VIA_MUST_USE int via_groth16_verify(const via_groth16_vk *vk, const via_scalar *pub, size_t n_pub,
                                    const via_groth16_proof *proof, via_error *err);

/* Verifies n proofs under one key together: every check of via_groth16_verify on each
 * (pubs[i] holds vk->n_public values), then one random linear combination of their pairing
 * equations (fresh rho_i from the OS CSPRNG) in one multi-pairing with one final
 * exponentiation. VIA_OK when all are valid; VIA_EVERIFY when at least one is not (verify
 * them one by one to find which); other codes name the proof whose input is unusable. */
VIA_MUST_USE int via_groth16_verify_batch(const via_groth16_vk *vk, const via_scalar *const *pubs,
                                          const via_groth16_proof *proofs, size_t n,
                                          via_error *err);

/* The H computation of via_groth16_prove on the CPU, for backends that compare against it:
 * from the domain evaluations a and b (accumulated as in groth16.c: coefficient x witness by
 * one Montgomery product), writes the canonical h over a. b and c are scratch vectors of
 * 2^log2n elements (b is overwritten). */
VIA_MUST_USE int via_groth16_h_cpu(via_fr *a, via_fr *b, via_fr *c, unsigned log2n, via_error *err);

/* The same on copies (b is only read; the scratch vectors are allocated here), with the three
 * coset transforms through be->coset when be and that member are set (be->h is not used), on
 * the CPU otherwise: for backends that keep only the transforms on the device. */
VIA_MUST_USE int via_groth16_h_cosets(const via_groth16_backend *be, via_fr *a, const via_fr *b,
                                      unsigned log2n, via_error *err);

/* Fills r with a uniformly random scalar in [1, r) from the OS CSPRNG. */
VIA_MUST_USE int via_random_scalar(via_scalar *out, via_error *err);

#endif
