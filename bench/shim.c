/* C side of the benchmark shim (see shim.h). */
#include "shim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/aggregate.h"
#include "via/chunk.h"
#include "via/cs.h"
#include "via/curve.h"
#include "via/groth16.h"
#include "via/msm.h"
#include "via/ntt.h"
#include "via/simd52.h"
#include "via/runtime.h"
#include "via/wtns.h"
#include "via/zkey.h"
#ifdef VIA_BENCH_HOST
#include "via/host.h"
#endif

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t next64(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static void rand_scalar(via_scalar *s) {
    do {
        for (int i = 0; i < 4; i++) s->l[i] = next64();
        s->l[3] &= 0x3fffffffffffffffULL;
    } while (!via_limbs_lt(s->l, via_fr_mod.p));
}

void via_bench_set_threads(unsigned n) { via_set_threads(n); }
unsigned via_bench_threads(void) { return via_get_threads(); }
int via_bench_field_adx(void) { return via_field_have_adx; }
int via_bench_field_ifma(void) { return via_simd52_have; }

static volatile uint64_t sink;

void via_bench_fq_mul(size_t iters) {
    via_fq a, b;
    via_fq_set_u64(&a, next64());
    via_fq_set_u64(&b, next64());
    for (size_t i = 0; i < iters; i++) via_fq_mul(&a, &a, &b);
    sink = a.l[0];
}

#if VIA_HAVE_SIMD52
VIA_SIMD52_FN static void fq_mul_x8_run(size_t iters) {
    uint64_t buf[16][4];
    for (int i = 0; i < 16; i++) {
        via_fq t;
        via_fq_set_u64(&t, next64());
        memcpy(buf[i], t.l, 32);
    }
    via_v52 a, b, c, d;
    via_v52_load8(&a, buf[0]);
    via_v52_load8(&b, buf[8]);
    c = b;
    d = a;
    for (size_t i = 0; i < iters; i++) { /* two chains: the products overlap as in the MSM */
        via_v52_mul(&a, &a, &b, &via_s52_fq);
        via_v52_mul(&c, &c, &d, &via_s52_fq);
    }
    via_v52_add(&a, &a, &c, &via_s52_fq);
    via_v52_store8(buf[0], &a, &via_s52_fq);
    sink = buf[3][1];
}
#endif

int via_bench_fq_mul_x8(size_t iters) {
#if VIA_HAVE_SIMD52
    if (!via_simd52_have) return 0;
    fq_mul_x8_run(iters);
    return 1;
#else
    (void)iters;
    return 0;
#endif
}

void via_bench_fr_mul(size_t iters) {
    via_fr a, b;
    via_fr_set_u64(&a, next64());
    via_fr_set_u64(&b, next64());
    for (size_t i = 0; i < iters; i++) via_fr_mul(&a, &a, &b);
    sink = a.l[0];
}

void via_bench_g1_add(size_t iters) {
    via_g1_affine g;
    via_g1 p, q;
    via_g1_generator(&g);
    via_g1_from_affine(&p, &g);
    via_g1_dbl(&q, &p);
    for (size_t i = 0; i < iters; i++) via_g1_add(&p, &p, &q);
    sink = p.x.l[0];
}

/* Shared state of the size-parameterised benchmarks. */
static struct {
    size_t n;
    via_scalar *scalars;
    via_g1_affine *g1;
    via_g2_affine *g2;
    via_fr *vec;
    unsigned log2n;
    via_zkey zkey;
    int have_zkey;
    via_wtns wtns;
    via_groth16_pk pk;
    via_groth16_vk vk;
    int verified;
    via_chunk_input *chunk;
} B;

void via_bench_release(void) {
    via_free_big(B.scalars);
    via_free_big(B.g1);
    via_free_big(B.g2);
    via_free_big(B.vec);
    via_wtns_free(&B.wtns);
    if (B.have_zkey) {
        via_zkey_free(&B.zkey);
        via_groth16_vk_free(&B.vk);
    }
    via_chunk_input_free(B.chunk);
    memset(&B, 0, sizeof B);
}

/* Distinct bases from a few doublings/additions: k*G for consecutive k is cheap to make and
 * as good as random points for the MSM's memory and bucket behaviour. */
static int make_points(size_t n, int g2) {
    if (g2) {
        via_g2_affine g;
        via_g2 acc, base;
        via_g2_generator(&g);
        via_g2_from_affine(&base, &g);
        via_g2_from_affine(&acc, &g);
        via_g2 *tmp = via_malloc_big(sizeof(via_g2) * n);
        B.g2 = via_malloc_big(sizeof(via_g2_affine) * n);
        if (!tmp || !B.g2) return -1;
        for (size_t i = 0; i < n; i++) {
            tmp[i] = acc;
            via_g2_add(&acc, &acc, &base);
        }
        via_g2_batch_to_affine(B.g2, tmp, n);
        via_free_big(tmp);
    } else {
        via_g1_affine g;
        via_g1 acc, base;
        via_g1_generator(&g);
        via_g1_from_affine(&base, &g);
        via_g1_from_affine(&acc, &g);
        via_g1 *tmp = via_malloc_big(sizeof(via_g1) * n);
        B.g1 = via_malloc_big(sizeof(via_g1_affine) * n);
        if (!tmp || !B.g1) return -1;
        for (size_t i = 0; i < n; i++) {
            tmp[i] = acc;
            via_g1_add(&acc, &acc, &base);
        }
        via_g1_batch_to_affine(B.g1, tmp, n);
        via_free_big(tmp);
    }
    return 0;
}

static int msm_setup(unsigned log2n, int g2) {
    via_bench_release();
    B.n = (size_t)1 << log2n;
    B.scalars = via_malloc_big(sizeof(via_scalar) * B.n);
    if (!B.scalars) return -1;
    for (size_t i = 0; i < B.n; i++) rand_scalar(&B.scalars[i]);
    return make_points(B.n, g2);
}

int via_bench_msm_setup(unsigned log2n) { return msm_setup(log2n, 0); }
int via_bench_msm_g2_setup(unsigned log2n) { return msm_setup(log2n, 1); }

int via_bench_msm_run(void) {
    via_g1 r;
    int rc = via_msm_g1(&r, B.g1, B.scalars, B.n);
    sink = r.x.l[0];
    return rc;
}

int via_bench_msm_g2_run(void) {
    via_g2 r;
    int rc = via_msm_g2(&r, B.g2, B.scalars, B.n);
    sink = r.x.c0.l[0];
    return rc;
}

int via_bench_ntt_setup(unsigned log2n) {
    via_bench_release();
    B.n = (size_t)1 << log2n;
    B.log2n = log2n;
    B.vec = via_malloc_big(sizeof(via_fr) * B.n);
    if (!B.vec) return -1;
    for (size_t i = 0; i < B.n; i++) via_fr_set_u64(&B.vec[i], next64());
    return 0;
}

int via_bench_ntt_run(void) { return via_ntt(B.vec, B.log2n); }

int via_bench_prove_setup(const char *zkey, const char *wtns) {
    via_bench_release();
    via_error err = {0};
    if (via_zkey_read(&B.zkey, zkey, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    B.have_zkey = 1;
    if (via_wtns_read(&B.wtns, wtns, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    via_groth16_pk_from_zkey(&B.pk, &B.zkey);
    if (via_groth16_vk_from_zkey(&B.vk, &B.zkey, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    return 0;
}

unsigned via_bench_prove_constraints(void) { return B.have_zkey ? B.zkey.domain_size : 0; }

int via_bench_prove_run(void) {
    via_groth16_proof proof;
    via_error err = {0};
    int rc = via_groth16_prove(&proof, &B.pk, B.wtns.values, B.wtns.n, NULL, &err);
    if (rc) {
        fprintf(stderr, "bench: prove failed: %s\n", err.msg);
        return rc;
    }
    if (!B.verified) {
        rc = via_groth16_verify(&B.vk, B.wtns.values + 1, B.vk.n_public, &proof, &err);
        if (rc) {
            fprintf(stderr, "bench: the proof does not verify: %s\n", err.msg);
            return rc;
        }
        B.verified = 1;
    }
    return 0;
}

/* ---- proof aggregation ----
 * n proofs of the multiplier fixture (c = a * b, one public input), each for its own (a, b),
 * under a development SRS (via_srs_dev: the cost of aggregating does not depend on where the
 * powers came from). State is kept across the three
 * benchmarks of one n. */
static struct {
    uint32_t n;
    via_srs srs;
    via_zkey zkey;
    int have_zkey;
    via_groth16_pk pk;
    via_groth16_vk vk;
    via_groth16_proof *proofs;
    via_scalar *pubv;
    const via_scalar **pubs;
    uint8_t *bytes;
    size_t len;
} AG;

static void agg_release(void) {
    via_srs_free(&AG.srs);
    if (AG.have_zkey) {
        via_zkey_free(&AG.zkey);
        via_groth16_vk_free(&AG.vk);
    }
    free(AG.proofs);
    free(AG.pubv);
    free(AG.pubs);
    free(AG.bytes);
    memset(&AG, 0, sizeof AG);
}

int via_bench_agg_setup(unsigned n, const char *zkey) {
    if (AG.n == n) return 0;
    agg_release();
    via_error err = {0};
    uint32_t m = via_aggregate_padded(n);
    if (!m) return -1;
    if (via_srs_dev(&AG.srs, m, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    AG.proofs = calloc(n, sizeof *AG.proofs);
    AG.pubv = calloc(n, sizeof *AG.pubv);
    AG.pubs = calloc(n, sizeof *AG.pubs);
    if (!AG.proofs || !AG.pubv || !AG.pubs) return -1;
    if (via_zkey_read(&AG.zkey, zkey, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    AG.have_zkey = 1;
    via_groth16_pk_from_zkey(&AG.pk, &AG.zkey);
    if (via_groth16_vk_from_zkey(&AG.vk, &AG.zkey, &err) || AG.zkey.n_vars != 4) {
        fprintf(stderr, "bench: %s must be the multiplier fixture (4 wires)\n", zkey);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = next64() >> 33, b = next64() >> 33;
        via_scalar w[4] = {{{1, 0, 0, 0}}, {{a * b, 0, 0, 0}}, {{a, 0, 0, 0}}, {{b, 0, 0, 0}}};
        if (via_groth16_prove(&AG.proofs[i], &AG.pk, w, 4, NULL, &err)) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return -1;
        }
        AG.pubv[i] = w[1];
        AG.pubs[i] = &AG.pubv[i];
    }
    via_aggregate agg;
    if (via_aggregate_prove(&agg, &AG.srs, &AG.vk, AG.proofs, AG.pubs, n, NULL, &err) ||
        via_aggregate_encode(&AG.bytes, &AG.len, &agg, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    AG.n = n;
    return 0;
}

size_t via_bench_agg_bytes(void) {
    return AG.len;
}

int via_bench_agg_prove_run(void) {
    via_aggregate agg;
    via_error err = {0};
    int rc = via_aggregate_prove(&agg, &AG.srs, &AG.vk, AG.proofs, AG.pubs, AG.n, NULL, &err);
    if (rc) fprintf(stderr, "bench: aggregate: %s\n", err.msg);
    return rc;
}

int via_bench_agg_verify_run(void) {
    via_aggregate agg;
    via_error err = {0};
    int rc = via_aggregate_decode(&agg, "bench", AG.bytes, AG.len, &err);
    if (!rc) rc = via_aggregate_verify(&AG.srs, &AG.vk, AG.pubs, AG.n, &agg, &err);
    if (rc) fprintf(stderr, "bench: verify-aggregate: %s\n", err.msg);
    return rc;
}

int via_bench_agg_verify_each_run(void) {
    via_error err = {0};
    for (uint32_t i = 0; i < AG.n; i++) {
        int rc = via_groth16_verify(&AG.vk, AG.pubs[i], 1, &AG.proofs[i], &err);
        if (rc) {
            fprintf(stderr, "bench: proof %u: %s\n", i + 1, err.msg);
            return rc;
        }
    }
    return 0;
}

int via_bench_chunk_witness_setup(unsigned slots) {
    via_bench_release();
    via_error err = {0};
    char *text;
    if (via_chunk_sample_json(&text, slots, VIA_CHUNK_DEFAULT_DEPTH, 0x5eed, &err) ||
        via_chunk_input_parse(&B.chunk, "sample chunk", text, strlen(text), &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    free(text);
    return 0;
}

int via_bench_chunk_witness_run(void) {
    via_error err = {0};
    via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
    via_fr com;
    int rc = via_chunk_build_witness(cs, B.chunk, 0, NULL, &com, NULL, &err);
    if (rc) fprintf(stderr, "bench: chunk witness: %s\n", err.msg);
    sink = com.l[0];
    via_cs_free(cs);
    return rc;
}

/* ---- accelerated backends through via_host (bench/CMakeLists.txt links it when built) ---- */

#ifdef VIA_BENCH_HOST
/* One pool per backend (device 0), opened outside the measured loop and kept: the MSM and
 * NTT run through it as the prover runs them there. */
static via_host_pool *g_pools[3];

/* 0 when the backend named (opencl, cuda) is built and has a device; its kernels are built
 * here, outside the measured loop. Otherwise prints why to stderr and returns -1. */
int via_bench_backend_open(const char *name, int *backend) {
    via_error err = {0};
    via_backend b;
    const unsigned idx0 = 0;
    if (via_host_backend_pick(&b, name, &err) || b == VIA_BACKEND_CPU ||
        (!g_pools[b] && via_host_pool_open(&g_pools[b], b, &idx0, 1, stderr, &err))) {
        fprintf(stderr, "bench: backend %s skipped: %s\n", name,
                err.msg[0] ? err.msg : "no device");
        return -1;
    }
    *backend = (int)b;
    return 0;
}

int via_bench_msm_backend_run(int backend) {
    via_g1 r;
    via_error err = {0};
    int rc = via_host_pool_msm_g1(g_pools[backend], 0, &r, B.g1, B.scalars, B.n, &err);
    if (rc) fprintf(stderr, "bench: %s\n", err.msg);
    sink = r.x.l[0];
    return rc;
}

int via_bench_ntt_backend_run(int backend) {
    via_error err = {0};
    int rc = via_host_pool_ntt(g_pools[backend], 0, B.vec, B.log2n, VIA_HOST_NTT_FORWARD, &err);
    if (rc) fprintf(stderr, "bench: %s\n", err.msg);
    return rc;
}

/* The via_host_list_devices text (malloc'd, caller frees), or NULL. */
char *via_bench_devices(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    via_error err = {0};
    int rc = via_host_list_devices(f, &err);
    fclose(f);
    if (rc) {
        free(buf);
        return NULL;
    }
    return buf;
}
#else
int via_bench_backend_open(const char *name, int *backend) {
    (void)backend;
    fprintf(stderr, "bench: backend %s skipped: via_host is not part of this build\n", name);
    return -1;
}
int via_bench_msm_backend_run(int backend) {
    (void)backend;
    return -1;
}
int via_bench_ntt_backend_run(int backend) {
    (void)backend;
    return -1;
}
char *via_bench_devices(void) { return NULL; }
#endif
