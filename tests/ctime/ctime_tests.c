/* Constant-time checks (run under valgrind memcheck by tests/ctime/run.sh). Each check marks
 * its secrets undefined (VALGRIND_MAKE_MEM_UNDEFINED), runs the function, and marks the
 * outputs defined again; memcheck reports every conditional jump or memory index that
 * depends on a secret ("Conditional jump or move depends on uninitialised value(s)", "Use
 * of uninitialised value"), and run.sh fails on any report. Covered: fixed-base and
 * variable-base G1 and G2 multiplication, the Groth16 blinding step, BIP-340 signing, MuSig2
 * nonce generation and partial signing, EdDSA-Poseidon key derivation and signing. Outside
 * valgrind the client requests do nothing and the program only checks the results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "via/bitcoin.h"
#include "via/curve.h"
#include "via/eddsa.h"
#include "via/groth16.h"
#include "via/rand.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int failures;
#define CHECK(c, what)                                                                             \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL: %s\n", what);                                                            \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void random_scalar(via_scalar *k) {
    via_error err = {0};
    if (via_random_scalar(k, &err) != VIA_OK) {
        printf("FAIL: %s\n", err.msg);
        exit(1);
    }
}

static void check_g1_g2_mul(void) {
    via_g1_affine ga;
    via_g2_affine ha;
    via_g1_generator(&ga);
    via_g2_generator(&ha);
    via_g1 g, base, r1, r2;
    via_g2 h, hbase, s1, s2;
    via_g1_from_affine(&g, &ga);
    via_g2_from_affine(&h, &ha);
    via_scalar k, b;
    random_scalar(&k);
    random_scalar(&b);
    via_g1_mul_var(&base, &g, b.l); /* a public random base */
    via_g2_mul_var(&hbase, &h, b.l);
    for (int i = 0; i < 2; i++) {
        /* fixed base (the generator) and variable base: the scalar is secret, and for the
         * variable base the point too (in the blinding step it is a function of the witness) */
        via_g1 p = i ? base : g;
        via_g2 q = i ? hbase : h;
        if (i) {
            SECRET(&p, sizeof p);
            SECRET(&q, sizeof q);
        }
        SECRET(&k, sizeof k);
        via_g1_mul(&r1, &p, k.l);
        via_g2_mul(&s1, &q, k.l);
        via_g1_add_ct(&r1, &r1, &p);
        via_g2_add_ct(&s1, &s1, &q);
        via_g1_affine a1;
        via_g2_affine b1;
        via_g1_to_affine(&a1, &r1);
        via_g2_to_affine(&b1, &s1);
        PUBLIC(&k, sizeof k);
        PUBLIC(&p, sizeof p);
        PUBLIC(&q, sizeof q);
        PUBLIC(&a1, sizeof a1);
        PUBLIC(&b1, sizeof b1);
        /* the same through the variable-time path */
        via_g1_mul_var(&r2, &p, k.l);
        via_g2_mul_var(&s2, &q, k.l);
        via_g1_add(&r2, &r2, &p);
        via_g2_add(&s2, &s2, &q);
        via_g1_affine a2;
        via_g2_affine b2;
        via_g1_to_affine(&a2, &r2);
        via_g2_to_affine(&b2, &s2);
        CHECK(!memcmp(&a1, &a2, sizeof a1), "G1 mul differs from mul_var");
        CHECK(!memcmp(&b1, &b2, sizeof b1), "G2 mul differs from mul_var");
    }
}

static void check_groth16_blind(void) {
    /* a proving key with random public points; only the points the blinding reads */
    via_groth16_pk pk;
    memset(&pk, 0, sizeof pk);
    via_g1_affine g;
    via_g2_affine h;
    via_g1_generator(&g);
    via_g2_generator(&h);
    via_g1 g1, t;
    via_g2 g2, t2;
    via_g1_from_affine(&g1, &g);
    via_g2_from_affine(&g2, &h);
    via_scalar k;
    via_g1_affine *g1s[3] = {&pk.alpha1, &pk.beta1, &pk.delta1};
    for (int i = 0; i < 3; i++) {
        random_scalar(&k);
        via_g1_mul_var(&t, &g1, k.l);
        via_g1_to_affine(g1s[i], &t);
    }
    via_g2_affine *g2s[2] = {&pk.beta2, &pk.delta2};
    for (int i = 0; i < 2; i++) {
        random_scalar(&k);
        via_g2_mul_var(&t2, &g2, k.l);
        via_g2_to_affine(g2s[i], &t2);
    }
    via_g1 pa, pb1, pc, ph;
    via_g2 pb2;
    via_g1 *ps[4] = {&pa, &pb1, &pc, &ph};
    for (int i = 0; i < 4; i++) {
        random_scalar(&k);
        via_g1_mul_var(ps[i], &g1, k.l);
    }
    random_scalar(&k);
    via_g2_mul_var(&pb2, &g2, k.l);
    via_scalar r, s;
    random_scalar(&r);
    random_scalar(&s);
    via_groth16_proof proof;
    SECRET(&pa, sizeof pa);
    SECRET(&pb1, sizeof pb1);
    SECRET(&pb2, sizeof pb2);
    SECRET(&pc, sizeof pc);
    SECRET(&ph, sizeof ph);
    SECRET(&r, sizeof r);
    SECRET(&s, sizeof s);
    via_groth16_blind(&proof, &pk, &pa, &pb1, &pb2, &pc, &ph, &r, &s);
    PUBLIC(&proof, sizeof proof);
    PUBLIC(&pa, sizeof pa);
    PUBLIC(&pb1, sizeof pb1);
    PUBLIC(&pb2, sizeof pb2);
    PUBLIC(&pc, sizeof pc);
    PUBLIC(&ph, sizeof ph);
    PUBLIC(&r, sizeof r);
    PUBLIC(&s, sizeof s);
    /* A = alpha1 + pa + r delta1, computed here with the variable-time operations */
    via_g1 d1, a;
    via_g1_from_affine(&d1, &pk.delta1);
    via_g1_mul_var(&t, &d1, r.l);
    via_g1_add_mixed(&a, &pa, &pk.alpha1);
    via_g1_add(&a, &a, &t);
    via_g1_affine aa;
    via_g1_to_affine(&aa, &a);
    CHECK(!memcmp(&aa, &proof.a, sizeof aa), "blinded A differs from alpha1 + pa + r delta1");
}

static void check_bip340_and_musig(void) {
    uint8_t sk[32], pk[33], xonly[32], msg[32], aux[32], sig[64];
    via_error err = {0};
    if (via_os_random(sk, 32, &err) || via_os_random(msg, 32, &err) ||
        via_os_random(aux, 32, &err)) {
        printf("FAIL: %s\n", err.msg);
        exit(1);
    }
    sk[0] &= 0x7f; /* below the group order */
    SECRET(sk, 32);
    int rc = via_btc_pubkey_from_seckey(pk, sk);
    PUBLIC(&rc, sizeof rc);
    PUBLIC(pk, 33);
    CHECK(rc == 0, "pubkey_from_seckey");
    SECRET(aux, 32);
    rc = via_btc_schnorr_sign(sig, msg, 32, sk, aux);
    PUBLIC(&rc, sizeof rc);
    PUBLIC(sig, 64);
    CHECK(rc == 0, "schnorr_sign");
    memcpy(xonly, pk + 1, 32);
    CHECK(via_btc_schnorr_verify(sig, msg, 32, xonly) == 0, "BIP-340 signature verifies");

    /* MuSig2 with two signers, the first one's key and nonce secret */
    uint8_t sk2[32], pk2[33];
    memcpy(sk2, msg, 32);
    sk2[0] &= 0x7f;
    CHECK(via_btc_pubkey_from_seckey(pk2, sk2) == 0, "second key");
    uint8_t keys[2][33];
    memcpy(keys[0], pk, 33);
    memcpy(keys[1], pk2, 33);
    via_musig_keyagg ctx;
    CHECK(via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])keys, 2, &err) == 0, "keyagg");
    uint8_t q[32], pub[2][66], agg[66], psig[2][32], fin[64];
    via_musig_keyagg_xonly(q, &ctx);
    via_musig_secnonce *sn[2];
    rc = via_musig_nonce_gen(&sn[0], pub[0], sk, pk, q, msg, 32, 1, NULL, 0, &err);
    PUBLIC(&rc, sizeof rc);
    PUBLIC(pub[0], 66);
    CHECK(rc == 0, "musig nonce_gen");
    CHECK(via_musig_nonce_gen(&sn[1], pub[1], sk2, pk2, q, msg, 32, 1, NULL, 0, &err) == 0,
          "musig nonce_gen 2");
    CHECK(via_musig_nonce_agg(agg, (const uint8_t(*)[66])pub, 2, NULL, &err) == 0, "nonce_agg");
    via_musig_session sess;
    CHECK(via_musig_session_init(&sess, &ctx, agg, msg, 32, &err) == 0, "session");
    rc = via_musig_partial_sign(psig[0], sn[0], sk, &sess, &err);
    PUBLIC(&rc, sizeof rc);
    PUBLIC(psig[0], 32);
    CHECK(rc == 0, "musig partial_sign");
    PUBLIC(sk, 32);
    CHECK(via_musig_partial_sign(psig[1], sn[1], sk2, &sess, &err) == 0, "partial_sign 2");
    CHECK(via_musig_partial_agg(fin, (const uint8_t(*)[32])psig, 2, &sess, NULL, &err) == 0,
          "partial_agg");
    CHECK(via_btc_schnorr_verify(fin, msg, 32, q) == 0, "MuSig2 signature verifies");
    via_musig_secnonce_free(sn[0]);
    via_musig_secnonce_free(sn[1]);
}

static void check_eddsa(void) {
    uint8_t sk[VIA_EDDSA_SECRET_BYTES];
    via_error err = {0};
    if (via_os_random(sk, sizeof sk, &err)) {
        printf("FAIL: %s\n", err.msg);
        exit(1);
    }
    via_fr msg;
    via_fr_set_u64(&msg, 123456789);
    via_babyjub_point a;
    via_eddsa_sig sig;
    SECRET(sk, sizeof sk);
    via_eddsa_pubkey(&a, sk);
    PUBLIC(&a, sizeof a);
    via_eddsa_sign(&sig, sk, &msg);
    PUBLIC(&sig, sizeof sig);
    PUBLIC(sk, sizeof sk);
    CHECK(via_eddsa_verify_var(&a, &msg, &sig, &err) == VIA_OK,
          "EdDSA-Poseidon signature verifies");
}

/* The control: the variable-time multiplication with a secret scalar must be reported, or
 * the harness is not looking (run.sh expects valgrind to fail on this mode). */
static void control(void) {
    via_g1_affine ga;
    via_g1_generator(&ga);
    via_g1 g, r;
    via_g1_from_affine(&g, &ga);
    via_scalar k;
    random_scalar(&k);
    SECRET(&k, sizeof k);
    via_g1_mul_var(&r, &g, k.l);
    PUBLIC(&r, sizeof r);
}

int main(int argc, char **argv) {
    via_field_init();
    if (argc > 1 && !strcmp(argv[1], "--control")) {
        control();
        return 0;
    }
    check_g1_g2_mul();
    check_groth16_blind();
    check_bip340_and_musig();
    check_eddsa();
    if (failures) return 1;
    printf("ok: %s\n",
           RUNNING_ON_VALGRIND ? "under valgrind" : "not under valgrind (results only)");
    return 0;
}
