/* The C side of the benchmark shim: plain functions over the prover's C API that the Google
 * Benchmark driver (via_bench.cpp) calls. Setup functions allocate and seed inputs; run
 * functions do the measured work once. Inputs are seeded and reproducible. */
#ifndef VIA_BENCH_SHIM_H
#define VIA_BENCH_SHIM_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void via_bench_set_threads(unsigned n);
unsigned via_bench_threads(void);
int via_bench_field_adx(void);

/* Field and group micro-benchmarks: `iters` dependent operations. */
void via_bench_fq_mul(size_t iters);
void via_bench_fr_mul(size_t iters);
/* iters steps of two independent eight-lane AVX-512 IFMA Fq products (simd52.h), i.e.
 * 16 * iters products; returns 0 when the CPU has no IFMA path (nothing measured). */
int via_bench_fq_mul_x8(size_t iters);
/* 1 when the eight-lane AVX-512 IFMA paths (simd52.h) are in use. */
int via_bench_field_ifma(void);
void via_bench_g1_add(size_t iters);

/* MSM and NTT on seeded random data of size 2^log2n; setup once per size. */
int via_bench_msm_setup(unsigned log2n);
int via_bench_msm_run(void);
int via_bench_msm_g2_setup(unsigned log2n);
int via_bench_msm_g2_run(void);
int via_bench_ntt_setup(unsigned log2n);
int via_bench_ntt_run(void);
void via_bench_release(void);

/* Groth16 prove on files (zkey and witness loaded once); returns 0 on success and prints
 * the reason otherwise. Each run also verifies the proof the first time. */
int via_bench_prove_setup(const char *zkey, const char *wtns);
int via_bench_prove_run(void);
unsigned via_bench_prove_constraints(void);
/* Chunk witness generation (one thread): a sample chunk of `slots` signed transfers at depth 6
 * (via_chunk_sample_json, parsed once), then each run builds its whole witness once in a
 * fresh witness-only context. */
int via_bench_chunk_witness_setup(unsigned slots);
int via_bench_chunk_witness_run(void);
/* Proof aggregation (SnarkPack) of n proofs of the multiplier fixture (zkey path): setup once
 * per n (SRS, proofs, one aggregate kept as bytes); prove aggregates, verify decodes and
 * verifies the bytes, verify_each verifies the n proofs one by one. */
int via_bench_agg_setup(unsigned n, const char *zkey);
size_t via_bench_agg_bytes(void);
int via_bench_agg_prove_run(void);
int via_bench_agg_verify_run(void);
int via_bench_agg_verify_each_run(void);
/* Accelerated backends (via_host): open by name ("opencl", "cuda"; -1 and a note on stderr
 * when not built or no device), then run the MSM G1 / forward NTT set up above on it. */
int via_bench_backend_open(const char *name, int *backend);
int via_bench_msm_backend_run(int backend);
int via_bench_ntt_backend_run(int backend);
/* via_host_list_devices output (malloc'd; free it), NULL without via_host. */
char *via_bench_devices(void);
#ifdef __cplusplus
}
#endif
#endif
