/* State keeper throughput: N signed transfers between A accounts validated against the pending
 * state (EdDSA-Poseidon verification, nonce and balance rules) with via_keeper_submit, then
 * sealed into one batch of one chunk of C slots (chunk witness inputs with Merkle paths,
 * pubdata, header) with via_keeper_seal. In memory: the PostgreSQL writes of intake and sealing
 * are not included. Usage: via-keeper-bench [transfers 4096] [chunk slots 1024] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "via/eddsa.h"
#include "via/keeper.h"
#include "via/l2tx.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    /* --emit N DIR: the genesis and N JSON-RPC requests (one per line) for bench/intake_bench */
    const char *emit = argc == 4 && !strcmp(argv[1], "--emit") ? argv[3] : NULL;
    if (emit) argv++, argc--;
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 4096;
    unsigned slots = argc > 2 ? (unsigned)atoi(argv[2]) : 1024;
    size_t accounts = 1024;
    via_field_init();
    via_keeper *k = via_keeper_new(6);
    uint8_t(*sk)[32] = malloc(accounts * 32);
    via_error err = {0};
    for (size_t i = 0; i < accounts; i++) {
        for (int b = 0; b < 32; b++)
            sk[i][b] = (uint8_t)(i * 131 + b * 7 + 1);
        via_babyjub_point pk;
        via_eddsa_pubkey(&pk, sk[i]);
        if (via_keeper_create(k, i, &pk.x, &pk.y, 1000000000, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    if (emit) {
        char path[4096];
        snprintf(path, sizeof path, "%s/genesis.json", emit);
        FILE *g = fopen(path, "w");
        if (!g) return 2;
        fprintf(g, "[");
        for (size_t i = 0; i < accounts; i++) {
            via_babyjub_point pk;
            via_eddsa_pubkey(&pk, sk[i]);
            char x[80], y[80];
            via_fr_to_decimal(x, sizeof x, &pk.x);
            via_fr_to_decimal(y, sizeof y, &pk.y);
            fprintf(
                g,
                "%s{\"id\":%zu,\"pubkey\":{\"x\":\"%s\",\"y\":\"%s\"},\"balance\":\"1000000000\"}",
                i ? "," : "", i, x, y);
        }
        fprintf(g, "]\n");
        fclose(g);
    }
    char **tx = malloc(n * sizeof *tx);
    uint64_t *nonce = calloc(accounts, sizeof *nonce);
    for (size_t i = 0; i < n; i++) {
        uint64_t from = 1 + i % (accounts - 1), to = 1 + (i * 7 + 3) % (accounts - 1);
        via_l2tx_transfer t = {from, to, 100 + i, 1, nonce[from]++};
        via_fr msg;
        via_l2tx_transfer_msg(&msg, &t);
        via_eddsa_sig sig;
        via_eddsa_sign(&sig, sk[from], &msg);
        char rx[80], ry[80], s[80];
        via_fr_to_decimal(rx, sizeof rx, &sig.r8.x);
        via_fr_to_decimal(ry, sizeof ry, &sig.r8.y);
        via_limbs_to_decimal(s, sizeof s, sig.s);
        tx[i] = malloc(600);
        snprintf(
            tx[i], 600,
            "{\"type\":\"transfer\",\"from\":%llu,\"to\":%llu,\"amount\":\"%llu\",\"fee\":\"1\","
            "\"nonce\":\"%llu\",\"signature\":{\"R8x\":\"%s\",\"R8y\":\"%s\",\"S\":\"%s\"}}",
            (unsigned long long)from, (unsigned long long)to, (unsigned long long)t.amount,
            (unsigned long long)t.nonce, rx, ry, s);
    }
    if (emit) {
        char path[4096];
        snprintf(path, sizeof path, "%s/requests.jsonl", emit);
        FILE *r = fopen(path, "w");
        if (!r) return 2;
        for (size_t i = 0; i < n; i++)
            fprintf(r,
                    "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"via_sendTransaction\",\"params\":"
                    "[%s]}\n",
                    i, tx[i]);
        fclose(r);
        return 0;
    }
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        const char *rule;
        if (via_keeper_submit(k, tx[i], strlen(tx[i]), &rule, &err)) {
            fprintf(stderr, "transfer %zu: %s\n", i, err.msg);
            return 1;
        }
    }
    double t1 = now_s();
    via_sealed_batch b;
    uint8_t zero[32] = {0};
    if (via_keeper_seal(k, 1, zero, slots, 1, &b, &err)) {
        fprintf(stderr, "seal: %s\n", err.msg);
        return 1;
    }
    double t2 = now_s();
    size_t bytes = 0;
    for (uint32_t c = 0; c < b.chunks; c++)
        bytes += strlen(b.chunk_inputs[c]);
    printf("keeper: %zu transfers validated in %.3f s (%.0f per second, one thread); one %u-slot "
           "chunk sealed in %.3f s (%zu bytes of chunk input)\n",
           n, t1 - t0, (double)n / (t1 - t0), slots, t2 - t1, bytes);
    printf("{\"transfers\": %zu, \"submit_per_second\": %.1f, \"seal_slots\": %u, "
           "\"seal_seconds\": %.4f}\n",
           n, (double)n / (t1 - t0), slots, t2 - t1);
    via_sealed_batch_free(&b);
    via_keeper_free(k);
    return 0;
}
