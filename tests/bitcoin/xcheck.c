/* C side of the @scure/btc-signer cross-check (see scure_xcheck.mjs): reads the JSON that
 * scure produced, checks that we parse and verify it identically, then signs the same
 * transaction and Schnorr messages ourselves and prints them as JSON for scure to verify.
 * Mismatches are printed on stderr and reported as "ok": false. */
#include "via/bitcoin.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad;
#define CHECK(c, ...)                                                                          \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            bad++;                                                                             \
            fprintf(stderr, "xcheck: " __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                               \
        }                                                                                      \
    } while (0)

static const char *S(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static void H(uint8_t *out, size_t n, const char *h) {
    if (!h || via_hex_decode_exact(out, n, h, NULL)) {
        memset(out, 0, n);
        bad++;
        fprintf(stderr, "xcheck: bad hex field\n");
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bitcoin_xcheck <scure json>\n");
        return 2;
    }
    json_error_t je;
    json_t *in = json_load_file(argv[1], 0, &je);
    if (!in) {
        fprintf(stderr, "xcheck: %s\n", je.text);
        return 2;
    }
    via_error e;
    uint8_t *raw;
    size_t len;
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    if (via_hex_decode(&raw, &len, S(in, "tx_hex"), &e) || via_btc_tx_parse(&tx, raw, len, &e)) {
        fprintf(stderr, "xcheck: cannot parse scure's transaction: %s\n", e.msg);
        return 1;
    }
    free(raw);
    uint8_t h[32];
    char hx[65];
    via_btc_tx_txid(h, &tx);
    via_btc_txid_to_hex(hx, h);
    CHECK(!strcmp(hx, S(in, "txid")), "txid %s vs scure %s", hx, S(in, "txid"));
    CHECK(via_btc_tx_vsize(&tx) == (size_t)json_integer_value(json_object_get(in, "vsize")), "vsize");
    CHECK(via_btc_tx_weight(&tx) == (size_t)json_integer_value(json_object_get(in, "weight")), "weight");
    CHECK(tx.n_in == 2 && tx.n_out == 3, "input/output counts");
    uint8_t rcv[20];
    CHECK(via_deposit_op_return_parse(rcv, tx.out[2].script_pubkey.data, tx.out[2].script_pubkey.len, NULL) == 0,
          "OP_RETURN receiver");

    /* addresses and taproot output key */
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(in, "addresses"), i, a) {
        uint8_t spk[42];
        size_t sl;
        char addr[VIA_BTC_ADDRESS_MAX];
        CHECK(via_btc_address_to_script(spk, &sl, VIA_BTC_REGTEST, S(a, "address"), &e) == 0, "decode %s", S(a, "address"));
        char sh[85];
        via_hex_encode(sh, spk, sl);
        CHECK(!strcmp(sh, S(a, "script")), "script of %s", S(a, "address"));
        CHECK(via_btc_script_to_address(addr, VIA_BTC_REGTEST, spk, sl, &e) == 0 && !strcmp(addr, S(a, "address")),
              "encode %s", S(a, "address"));
    }
    uint8_t internal[32], outkey[32], q[32];
    H(internal, 32, S(in, "p2tr_internal"));
    H(outkey, 32, S(in, "p2tr_output_key"));
    CHECK(via_btc_taproot_output_key(q, NULL, internal, NULL, &e) == 0 && !memcmp(q, outkey, 32), "taproot output key");

    /* prevouts and scure's signatures under our sighashes */
    via_btc_txout spent[2];
    uint8_t spk_buf[2][64];
    json_array_foreach(json_object_get(in, "prevouts"), i, a) {
        if (i >= 2) break;
        const char *sh = S(a, "script");
        size_t sl = strlen(sh) / 2;
        H(spk_buf[i], sl, sh);
        spent[i].value = (uint64_t)json_integer_value(json_object_get(a, "amount"));
        spent[i].script_pubkey.data = spk_buf[i];
        spent[i].script_pubkey.len = sl;
    }
    uint8_t pubw[33], code[25], h0[32], h1[32];
    H(pubw, 33, S(in, "p2wpkh_pub"));
    via_btc_p2wpkh_script_code(code, pubw);
    CHECK(via_btc_sighash_v0(h0, &tx, 0, code, 25, spent[0].value, 1, &e) == 0, "sighash v0");
    via_btc_bytes *w = tx.in[0].witness;
    CHECK(tx.in[0].n_witness == 2 && via_btc_ecdsa_verify(w[0].data, w[0].len - 1, h0, pubw) == 0,
          "scure's ECDSA signature on input 0");
    CHECK(via_btc_sighash_taproot(h1, &tx, 1, spent, 2, 0, NULL, &e) == 0, "sighash taproot");
    w = tx.in[1].witness;
    CHECK(tx.in[1].n_witness == 1 && w[0].len == 64 && via_btc_schnorr_verify(w[0].data, h1, 32, outkey) == 0,
          "scure's Schnorr signature on input 1");
    json_array_foreach(json_object_get(in, "schnorr"), i, a) {
        uint8_t msg[32], pub[32], sig[64];
        H(msg, 32, S(a, "msg"));
        H(pub, 32, S(a, "pub"));
        H(sig, 64, S(a, "sig"));
        CHECK(via_btc_schnorr_verify(sig, msg, 32, pub) == 0, "scure Schnorr signature %zu", i);
        sig[5] ^= 1;
        CHECK(via_btc_schnorr_verify(sig, msg, 32, pub) != 0, "tampered signature %zu accepted", i);
    }

    /* MuSig2 aggregate and bridge address */
    json_t *mu = json_object_get(in, "musig");
    uint8_t pks[8][33], agg[32], want[32];
    size_t np = 0;
    json_array_foreach(json_object_get(mu, "pubkeys"), i, a) if (np < 8) H(pks[np++], 33, json_string_value(a));
    via_musig_keyagg ctx;
    CHECK(via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])pks, np, &e) == 0, "keyagg");
    via_musig_keyagg_xonly(agg, &ctx);
    H(want, 32, S(mu, "agg"));
    CHECK(!memcmp(agg, want, 32), "MuSig2 aggregate key");
    uint8_t bq[32], bspk[34];
    char baddr[VIA_BTC_ADDRESS_MAX];
    CHECK(via_btc_taproot_output_key(bq, NULL, agg, NULL, &e) == 0, "bridge tweak");
    via_btc_script_p2tr(bspk, bq);
    CHECK(via_btc_script_to_address(baddr, VIA_BTC_REGTEST, bspk, 34, &e) == 0 &&
              !strcmp(baddr, S(mu, "bridge_address")),
          "bridge address %s vs %s", baddr, S(mu, "bridge_address"));

    /* our own signatures */
    json_t *seck = json_object_get(in, "seckeys");
    uint8_t skw[32], skt[32];
    H(skw, 32, S(seck, "wpkh"));
    H(skt, 32, S(seck, "tr"));
    for (size_t k = 0; k < tx.n_in; k++) CHECK(via_btc_tx_set_witness(&tx, k, 0, NULL, NULL) == 0, "strip");
    CHECK(via_btc_sign_p2wpkh(&tx, 0, spent[0].value, skw, &e) == 0, "sign p2wpkh: %s", e.msg);
    CHECK(via_btc_sign_taproot_keypath(&tx, 1, spent, 2, skt, NULL, VIA_BTC_SIGHASH_DEFAULT, NULL, &e) == 0,
          "sign taproot: %s", e.msg);
    via_wipe(skw, 32);
    via_wipe(skt, 32);
    json_t *out = json_object();
    char *th;
    if (via_btc_tx_serialize(&raw, &len, &tx, 1) == 0 && (th = malloc(2 * len + 1))) {
        via_hex_encode(th, raw, len);
        json_object_set_new(out, "tx_hex", json_string(th));
        free(th);
        free(raw);
    }
    via_hex_encode(hx, h0, 32);
    json_object_set_new(out, "sighash0", json_string(hx));
    via_hex_encode(hx, h1, 32);
    json_object_set_new(out, "sighash1", json_string(hx));
    json_t *sa = json_array();
    for (int k = 0; k < 3; k++) {
        uint8_t sk[32], msg[32], x[32], sig[64];
        char sh[129];
        memset(sk, 0, 32);
        sk[31] = (uint8_t)(k + 7);
        sk[0] = 0x42;
        via_btc_sha256(msg, sk, 32);
        if (via_btc_xonly_from_seckey(x, NULL, sk) || via_btc_schnorr_sign(sig, msg, 32, sk, msg)) bad++;
        json_t *c = json_object();
        via_hex_encode(sh, msg, 32);
        json_object_set_new(c, "msg", json_string(sh));
        via_hex_encode(sh, x, 32);
        json_object_set_new(c, "pub", json_string(sh));
        via_hex_encode(sh, sig, 64);
        json_object_set_new(c, "sig", json_string(sh));
        json_array_append_new(sa, c);
    }
    json_object_set_new(out, "schnorr", sa);
    json_object_set_new(out, "ok", json_boolean(bad == 0));
    char *s = json_dumps(out, 0);
    puts(s);
    free(s);
    json_decref(out);
    json_decref(in);
    via_btc_tx_free(&tx);
    return 0;
}
