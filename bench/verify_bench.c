/* A verifier's work on one batch: the DA fetch (PostgreSQL backend, when VIA_DB names a
 * database), the replay of N signed transfers (via_vcheck_batch: header, pubdata, every slot,
 * the chunk roots and commitments) and the aggregate verification of one proof per chunk.
 * The batch comes from the sequencer's keeper (N transfers among 1,024 accounts, chunks of C
 * slots). The aggregate verified is over proofs of the multiplier fixture (one public input per
 * proof, as the chunk circuit): a verifier's cost depends on the number of proofs and public
 * inputs, not on the circuit, and real chunk proofs of this batch would take minutes to make.
 * Usage: via-verify-bench [transfers 1024] [chunk slots 64] [multiplier circuit.zkey] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "via/aggregate.h"
#include "via/da.h"
#include "via/eddsa.h"
#include "via/groth16.h"
#include "via/keeper.h"
#include "via/l2tx.h"
#include "via/vcheck.h"
#include "via/zkey.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1024;
    unsigned slots = argc > 2 ? (unsigned)atoi(argv[2]) : 64;
    const char *zkey = argc > 3 ? argv[3] : "tests/fixtures/multiplier/circuit.zkey";
    size_t accounts = 1024;
    via_field_init();
    via_keeper *k = via_keeper_new(6);
    uint8_t(*sk)[32] = malloc(accounts * 32);
    via_babyjub_point *pk = malloc(accounts * sizeof *pk);
    via_error err = {0};
    for (size_t i = 0; i < accounts; i++) {
        for (int b = 0; b < 32; b++)
            sk[i][b] = (uint8_t)(i * 131 + b * 7 + 1);
        via_eddsa_pubkey(&pk[i], sk[i]);
        if (via_keeper_create(k, i, &pk[i].x, &pk[i].y, 1000000000, &err)) return 1;
    }
    for (size_t t = 0; t < n; t++) {
        size_t from = t % accounts, to = (t * 7 + 3) % accounts;
        via_l2tx_transfer l = {from, to, 1000, 1, t / accounts};
        via_fr msg;
        via_l2tx_transfer_msg(&msg, &l);
        via_eddsa_sig sig;
        via_eddsa_sign(&sig, sk[from], &msg);
        char rx[80], ry[80], s[80], js[1024];
        via_fr_to_decimal(rx, sizeof rx, &sig.r8.x);
        via_fr_to_decimal(ry, sizeof ry, &sig.r8.y);
        via_limbs_to_decimal(s, sizeof s, sig.s);
        int len = snprintf(js, sizeof js,
                           "{\"type\":\"transfer\",\"from\":%zu,\"to\":%zu,\"amount\":\"1000\","
                           "\"fee\":\"1\",\"nonce\":\"%zu\",\"signature\":{\"R8x\":\"%s\","
                           "\"R8y\":\"%s\",\"S\":\"%s\"}}",
                           from, to, t / accounts, rx, ry, s);
        const char *rule;
        if (via_keeper_submit(k, js, (size_t)len, &rule, &err)) {
            fprintf(stderr, "submit: %s\n", err.msg);
            return 1;
        }
    }
    via_sealed_batch b;
    uint8_t zero[32] = {0};
    unsigned chunks = (unsigned)((n + slots - 1) / slots);
    if (via_keeper_seal(k, 1, zero, slots, chunks, &b, &err)) {
        fprintf(stderr, "seal: %s\n", err.msg);
        return 1;
    }
    size_t blen = 160 + b.pubdata_len;
    uint8_t *blob = malloc(blen);
    memcpy(blob, b.header, 160);
    memcpy(blob + 160, b.pubdata, b.pubdata_len);
    printf("batch: %zu transfers in %u chunks of %u slots, blob %zu bytes\n", n, b.chunks, slots,
           blen);

    /* DA fetch */
    double t_da = 0;
    const char *db = getenv("VIA_DB");
    if (db && *db) {
        via_da *da;
        via_da_ref ref;
        if (via_da_open_postgres(&da, db, &err) || via_da_put(da, blob, blen, &ref, &err)) {
            fprintf(stderr, "DA: %s\n", err.msg);
            return 1;
        }
        double v[7];
        for (int r = 0; r < 7; r++) {
            uint8_t *got;
            size_t gl;
            double t0 = now_s();
            if (via_da_get(da, &ref, &got, &gl, &err)) return 1;
            v[r] = now_s() - t0;
            free(got);
        }
        t_da = median(v, 7);
        via_da_close(da);
        printf("DA fetch (PostgreSQL, hash checked): %.2f ms (median of 7)\n", t_da * 1e3);
    } else {
        printf("DA fetch: skipped (set VIA_DB to a PostgreSQL database)\n");
    }

    /* replay */
    double v[5];
    via_vbatch vb;
    for (int r = 0; r < 5; r++) {
        via_vstate *st = via_vstate_new(6);
        for (size_t i = 0; i < accounts; i++)
            if (via_vstate_genesis(st, i, &pk[i].x, &pk[i].y, 1000000000, &err)) return 1;
        const char *rule;
        double t0 = now_s();
        if (via_vcheck_batch(st, blob, blen, 1, zero, b.header_hash, NULL, 0, &vb, &rule, &err)) {
            fprintf(stderr, "vcheck: %s\n", err.msg);
            return 1;
        }
        v[r] = now_s() - t0;
        if (r < 4) via_vbatch_free(&vb);
        via_vstate_free(st);
    }
    double t_replay = median(v, 5);
    printf("replay and checks (%zu transfers, %u commitments): %.1f ms (median of 5)\n", n,
           b.chunks, t_replay * 1e3);

    /* aggregate verification of one proof per chunk */
    via_zkey z;
    via_groth16_vk vk;
    via_groth16_pk gpk;
    if (via_zkey_read(&z, zkey, &err) || via_groth16_vk_from_zkey(&vk, &z, &err)) {
        fprintf(stderr, "%s: %s\n", zkey, err.msg);
        return 1;
    }
    via_groth16_pk_from_zkey(&gpk, &z);
    via_groth16_proof *proofs = calloc(b.chunks, sizeof *proofs);
    via_scalar *pub = calloc(b.chunks, sizeof *pub);
    const via_scalar **pubs = calloc(b.chunks, sizeof *pubs);
    for (unsigned i = 0; i < b.chunks; i++) {
        uint64_t x = 3 + i, y = 5 + 2 * i;
        via_scalar w[4] = {{{1, 0, 0, 0}}, {{x * y, 0, 0, 0}}, {{x, 0, 0, 0}}, {{y, 0, 0, 0}}};
        if (via_groth16_prove(&proofs[i], &gpk, w, 4, NULL, &err)) return 1;
        pub[i] = w[1];
        pubs[i] = &pub[i];
    }
    via_srs srs, vsrs;
    via_aggregate agg;
    uint8_t *ab;
    size_t al;
    if (via_srs_dev(&srs, via_aggregate_padded(b.chunks), &err) ||
        via_srs_verifier_part(&vsrs, &srs, &err) ||
        via_aggregate_prove(&agg, &srs, &vk, proofs, pubs, b.chunks, NULL, &err) ||
        via_aggregate_encode(&ab, &al, &agg, &err)) {
        fprintf(stderr, "aggregate: %s\n", err.msg);
        return 1;
    }
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        via_aggregate d;
        if (via_aggregate_decode(&d, "bench", ab, al, &err) ||
            via_aggregate_verify(&vsrs, &vk, pubs, b.chunks, &d, &err)) {
            fprintf(stderr, "verify: %s\n", err.msg);
            return 1;
        }
        v[r] = now_s() - t0;
    }
    double t_agg = median(v, 5);
    printf("aggregate verification (%u proofs, decoding included): %.1f ms (median of 5)\n",
           b.chunks, t_agg * 1e3);
    printf("total: %.1f ms per batch%s\n", (t_da + t_replay + t_agg) * 1e3,
           db && *db ? "" : " (without the DA fetch)");
    via_vbatch_free(&vb);
    return 0;
}
