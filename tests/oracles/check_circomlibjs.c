/*
 * Interop test against circomlibjs 0.1.7 (tests/npm): runs circomlibjs_oracle.mjs with node,
 * which prints circomlibjs results for seeded random inputs, and compares them with ours:
 * Poseidon for every width (with capacity/nOut cases), EdDSA-Poseidon public keys, packed
 * points, signatures and packed signatures, BLAKE-512 digests and the via/l2tx.h messages. It
 * also compares our Grain-generated constants with circomlibjs poseidon_constants.json
 * entry by entry. Exits 77 (skipped) only when node cannot be run.
 *
 * Usage: check_circomlibjs ORACLE.mjs POSEIDON_CONSTANTS.json [SEED]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/missing.h"
#include "via/blake512.h"
#include "via/eddsa.h"
#include "via/poseidon.h"
#include "via/l2tx.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "MISMATCH: ");                                                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static const char *str(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    if (!v || !json_is_string(v)) {
        fprintf(stderr, "oracle output: field %s missing\n", k);
        exit(1);
    }
    return json_string_value(v);
}

static void fr_dec(via_fr *r, const char *s) {
    if (via_fr_from_decimal(r, s)) {
        fprintf(stderr, "oracle output: bad field element %s\n", s);
        exit(1);
    }
}

static void fr_hex(via_fr *r, const char *s) {
    uint64_t v[4] = {0, 0, 0, 0};
    if (strncmp(s, "0x", 2)) goto bad;
    size_t n = strlen(s + 2);
    if (n == 0 || n > 64) goto bad;
    for (size_t i = 0; i < n; i++) {
        char c = s[2 + n - 1 - i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) goto bad;
        v[i / 16] |= (uint64_t)d << (4 * (i % 16));
    }
    if (via_fr_from_canon(r, v)) goto bad;
    return;
bad:
    fprintf(stderr, "constants file: bad hex element %s\n", s);
    exit(1);
}

static size_t unhex(uint8_t *out, size_t cap, const char *s) {
    size_t n = strlen(s) / 2;
    if (n > cap) exit(1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) exit(1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void hexs(char *out, const uint8_t *in, size_t n) {
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static void check_constants(const char *path) {
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        fprintf(stderr, "cannot read %s: %s\n", path, je.text);
        exit(1);
    }
    json_t *C = json_object_get(root, "C"), *M = json_object_get(root, "M");
    for (unsigned t = 2; t <= 17; t++) {
        const via_poseidon_params *p = via_poseidon_params_get(t);
        json_t *c = json_array_get(C, t - 2), *m = json_array_get(M, t - 2);
        size_t nc = (size_t)(p->rf + p->rp) * t;
        CHECK(json_array_size(c) == nc, "t=%u: %zu round constants in JSON, %zu here", t,
              json_array_size(c), nc);
        for (size_t i = 0; i < nc && i < json_array_size(c); i++) {
            via_fr e;
            fr_hex(&e, json_string_value(json_array_get(c, i)));
            CHECK(via_fr_eq(&e, &p->c[i]), "t=%u: round constant %zu differs", t, i);
        }
        for (unsigned i = 0; i < t; i++)
            for (unsigned j = 0; j < t; j++) {
                via_fr e;
                fr_hex(&e, json_string_value(json_array_get(json_array_get(m, i), j)));
                CHECK(via_fr_eq(&e, &p->m[i * t + j]), "t=%u: M[%u][%u] differs", t, i, j);
            }
    }
    json_decref(root);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ORACLE.mjs POSEIDON_CONSTANTS.json [SEED]\n", argv[0]);
        return 2;
    }
    if (system("node --version >/dev/null 2>&1") != 0) {
        return via_test_missing(
            "node is not installed or not on PATH; the circomlibjs comparison needs it");
    }
    unsigned long long seed =
        argc > 3 ? strtoull(argv[3], NULL, 10) : (unsigned long long)time(NULL);
    printf("circomlibjs comparison, seed %llu (pass it as the third argument to replay)\n", seed);

    check_constants(argv[2]);
    printf("constants: C and M compared for t = 2..17\n");

    char cmd[4096];
    snprintf(cmd, sizeof cmd, "node '%s' %llu", argv[1], seed);
    FILE *pipe = popen(cmd, "r");
    if (!pipe) {
        perror("popen");
        return 1;
    }
    json_error_t je;
    json_t *root = json_loadf(pipe, 0, &je);
    int st = pclose(pipe);
    if (!root || st != 0) {
        fprintf(stderr, "oracle script failed (exit status %d)%s%s\n", st, root ? "" : ": ",
                root ? "" : je.text);
        return 1;
    }

    size_t i;
    json_t *rec;
    int np = 0, ne = 0, nb = 0, nt = 0;
    json_array_foreach(json_object_get(root, "poseidon"), i, rec) {
        json_t *ins = json_object_get(rec, "inputs"), *outs = json_object_get(rec, "out");
        via_fr in[16], init, got[17];
        size_t n = json_array_size(ins), nout = json_array_size(outs);
        for (size_t k = 0; k < n; k++)
            fr_dec(&in[k], json_string_value(json_array_get(ins, k)));
        via_fr_set_zero(&init);
        if (json_object_get(rec, "init")) fr_dec(&init, str(rec, "init"));
        CHECK(via_poseidon_ex(got, nout, &init, in, n) == 0, "poseidon record %zu rejected", i);
        for (size_t k = 0; k < nout; k++) {
            via_fr e;
            fr_dec(&e, json_string_value(json_array_get(outs, k)));
            CHECK(via_fr_eq(&e, &got[k]), "poseidon record %zu (%zu inputs) output %zu", i, n, k);
        }
        np++;
    }
    json_array_foreach(json_object_get(root, "eddsa"), i, rec) {
        uint8_t sk[32], buf[64];
        char hx[129];
        unhex(sk, 32, str(rec, "sk"));
        via_fr msg;
        fr_dec(&msg, str(rec, "msg"));
        via_babyjub_point a, ea;
        fr_dec(&ea.x, str(rec, "ax"));
        fr_dec(&ea.y, str(rec, "ay"));
        via_eddsa_pubkey(&a, sk);
        CHECK(via_babyjub_eq(&a, &ea), "eddsa %zu: public key", i);
        via_babyjub_pack(buf, &a);
        hexs(hx, buf, 32);
        CHECK(!strcmp(hx, str(rec, "packed_pub")), "eddsa %zu: packed public key %s", i, hx);
        via_eddsa_sig sig;
        via_eddsa_sign(&sig, sk, &msg);
        via_fr e;
        fr_dec(&e, str(rec, "r8x"));
        CHECK(via_fr_eq(&e, &sig.r8.x), "eddsa %zu: R8.x", i);
        fr_dec(&e, str(rec, "r8y"));
        CHECK(via_fr_eq(&e, &sig.r8.y), "eddsa %zu: R8.y", i);
        uint64_t s[4];
        via_limbs_from_decimal(s, str(rec, "s"));
        CHECK(!memcmp(s, sig.s, 32), "eddsa %zu: S", i);
        via_eddsa_sig_pack(buf, &sig);
        hexs(hx, buf, 64);
        CHECK(!strcmp(hx, str(rec, "packed_sig")), "eddsa %zu: packed signature", i);
        via_error err;
        CHECK(via_eddsa_verify_var(&ea, &msg, &sig, &err) == VIA_OK,
              "eddsa %zu: our verify rejects circomlibjs' signature", i);
        ne++;
    }
    json_array_foreach(json_object_get(root, "blake512"), i, rec) {
        static uint8_t m[1024];
        uint8_t d[64];
        char hx[129];
        size_t n = unhex(m, sizeof m, str(rec, "msg"));
        via_blake512(d, m, n);
        hexs(hx, d, 64);
        CHECK(!strcmp(hx, str(rec, "digest")), "blake512 of %zu bytes", n);
        nb++;
    }
    json_array_foreach(json_object_get(root, "txmsg"), i, rec) {
        via_fr got, e;
        via_error err;
        fr_dec(&e, str(rec, "msg"));
        uint64_t v[5];
        if (!strcmp(str(rec, "type"), "transfer")) {
            const char *keys[5] = {"from", "to", "amount", "fee", "nonce"};
            for (int k = 0; k < 5; k++)
                v[k] = strtoull(str(rec, keys[k]), NULL, 10);
            via_l2tx_transfer tx = {v[0], v[1], v[2], v[3], v[4]};
            via_l2tx_transfer_msg(&got, &tx);
        } else {
            const char *keys[4] = {"from", "amount", "fee", "nonce"};
            for (int k = 0; k < 4; k++)
                v[k] = strtoull(str(rec, keys[k]), NULL, 10);
            via_l2tx_withdraw tx = {.from = v[0], .amount = v[1], .fee = v[2], .nonce = v[3]};
            tx.dest_len = unhex(tx.dest, sizeof tx.dest, str(rec, "dest"));
            CHECK(via_l2tx_withdraw_msg(&got, &tx, &err) == VIA_OK, "txmsg %zu rejected", i);
        }
        CHECK(via_fr_eq(&got, &e), "txmsg %zu (%s)", i, str(rec, "type"));
        nt++;
    }
    json_decref(root);
    printf("compared %d Poseidon, %d EdDSA, %d BLAKE-512, %d txmsg records: %d mismatches\n", np,
           ne, nb, nt, failures);
    if (np < 48 || ne < 6 || nb < 10 || nt < 6) {
        fprintf(stderr, "oracle output has fewer records than expected\n");
        return 1;
    }
    return failures ? 1 : 0;
}
