/* Published vectors: BIP-340 Schnorr, BIP-173/350 addresses, BIP-327 MuSig2. The data files
 * live in tests/vectors/bip340, bip350 and bip327 (see SOURCE files there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "via/musig_testing.h"
#include "via/bitcoin.h"

static char path_buf[1024];
static const char *vec(const char *rel) {
    const char *d = getenv("VIA_VECTORS");
    snprintf(path_buf, sizeof path_buf, "%s/%s", d ? d : "vectors", rel);
    return path_buf;
}

static void hex(uint8_t *out, size_t n, const char *h) {
    via_error e;
    int rc = via_hex_decode_exact(out, n, h, &e);
    if (rc) fail_msg("bad hex in vectors: %s", e.msg);
}

/* ---- BIP-340 ---- */
static void test_bip340(void **state) {
    (void)state;
    FILE *f = fopen(vec("bip340/test-vectors.csv"), "r");
    assert_non_null(f);
    char line[1024];
    int n = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        char *fld[8] = {0};
        char *p = line;
        for (int i = 0; i < 8; i++) {
            fld[i] = p;
            char *c = strchr(p, i < 7 ? ',' : '\n');
            if (!c) break;
            *c = 0;
            p = c + 1;
        }
        uint8_t pk[32], msg[32], sig[64], sk[32], aux[32], mine[64];
        hex(pk, 32, fld[2]);
        hex(msg, 32, fld[4]);
        hex(sig, 64, fld[5]);
        int expect = !strcmp(fld[6], "TRUE");
        if (*fld[1]) {
            hex(sk, 32, fld[1]);
            hex(aux, 32, fld[3]);
            assert_int_equal(via_btc_schnorr_sign(mine, msg, 32, sk, aux), VIA_OK);
            assert_memory_equal(mine, sig, 64);
            uint8_t x[32];
            assert_int_equal(via_btc_xonly_from_seckey(x, NULL, sk), VIA_OK);
            assert_memory_equal(x, pk, 32);
        }
        int rc = via_btc_schnorr_verify(sig, msg, 32, pk);
        if (expect != (rc == VIA_OK)) fail_msg("bip340 vector %s: got rc %d", fld[0], rc);
        n++;
    }
    fclose(f);
    assert_int_equal(n, 15);
}

/* ---- BIP-173/350 ---- */
static void test_bip350(void **state) {
    (void)state;
    FILE *f = fopen(vec("bip350/segwit_addresses.txt"), "r");
    assert_non_null(f);
    char line[512];
    int nv = 0, ni = 0;
    while (fgets(line, sizeof line, f)) {
        char kind[16], a[128], b[128], c[128];
        if (line[0] == '#') continue;
        int k = sscanf(line, "%15s %127s %127s %127s", kind, a, b, c);
        via_error e;
        if (k == 4 && !strcmp(kind, "valid")) {
            uint8_t want[42], prog[40];
            size_t wl = strlen(c) / 2, pl;
            int v;
            hex(want, wl, c);
            assert_int_equal(via_btc_segwit_decode(&v, prog, &pl, a, b, &e), VIA_OK);
            assert_int_equal(v ? 0x50 + v : 0, want[0]);
            assert_int_equal(pl, wl - 2);
            assert_memory_equal(prog, want + 2, pl);
            char enc[VIA_BTC_ADDRESS_MAX], lower[128];
            assert_int_equal(via_btc_segwit_encode(enc, a, v, prog, pl), VIA_OK);
            for (size_t i = 0; i <= strlen(b); i++) lower[i] = (char)tolower((unsigned char)b[i]);
            assert_string_equal(enc, lower);
            nv++;
        } else if (k == 2 && !strcmp(kind, "invalid")) {
            uint8_t prog[40];
            size_t pl;
            int v;
            static const char *hrps[] = {"bc", "tb", "bcrt"};
            for (int h = 0; h < 3; h++)
                if (via_btc_segwit_decode(&v, prog, &pl, hrps[h], a, &e) == VIA_OK)
                    fail_msg("invalid address %s decoded with hrp %s", a, hrps[h]);
            ni++;
        }
    }
    fclose(f);
    assert_int_equal(nv, 8);
    assert_int_equal(ni, 10);
}

/* ---- BIP-327 ---- */
static json_t *load(const char *name) {
    char rel[128];
    snprintf(rel, sizeof rel, "bip327/%s", name);
    json_error_t je;
    json_t *j = json_load_file(vec(rel), 0, &je);
    if (!j) fail_msg("%s: %s", rel, je.text);
    return j;
}

static const char *str_at(json_t *arr, size_t i) { return json_string_value(json_array_get(arr, i)); }

static size_t pick_keys(uint8_t (*out)[33], json_t *all, json_t *idx) {
    size_t n = json_array_size(idx);
    for (size_t i = 0; i < n; i++) {
        const char *h = str_at(all, (size_t)json_integer_value(json_array_get(idx, i)));
        via_hex_decode_exact(out[i], 33, h, NULL) == 0 ? (void)0 : memset(out[i], 0xff, 33);
    }
    return n;
}

static void hexn(uint8_t *out, size_t n, const char *h) {
    if (via_hex_decode_exact(out, n, h, NULL)) memset(out, 0xff, n);
}

static int apply_tweaks(via_musig_keyagg *ctx, json_t *tweaks, json_t *ti, json_t *xo) {
    for (size_t i = 0; i < json_array_size(ti); i++) {
        uint8_t t[32];
        hexn(t, 32, str_at(tweaks, (size_t)json_integer_value(json_array_get(ti, i))));
        int rc = via_musig_keyagg_tweak(ctx, t, json_is_true(json_array_get(xo, i)), NULL);
        if (rc) return rc;
    }
    return 0;
}

static void test_key_agg(void **state) {
    (void)state;
    json_t *j = load("key_agg_vectors.json");
    json_t *pks = json_object_get(j, "pubkeys"), *tw = json_object_get(j, "tweaks");
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(j, "valid_test_cases"), i, c) {
        uint8_t keys[8][33], x[32], want[32];
        size_t n = pick_keys(keys, pks, json_object_get(c, "key_indices"));
        via_musig_keyagg ctx;
        assert_int_equal(via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])keys, n, NULL), 0);
        via_musig_keyagg_xonly(x, &ctx);
        hexn(want, 32, json_string_value(json_object_get(c, "expected")));
        assert_memory_equal(x, want, 32);
    }
    json_array_foreach(json_object_get(j, "error_test_cases"), i, c) {
        uint8_t keys[8][33];
        size_t n = pick_keys(keys, pks, json_object_get(c, "key_indices"));
        via_musig_keyagg ctx;
        int rc = via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])keys, n, NULL);
        if (!rc) rc = apply_tweaks(&ctx, tw, json_object_get(c, "tweak_indices"), json_object_get(c, "is_xonly"));
        assert_int_not_equal(rc, 0);
    }
    json_decref(j);
}

static void test_nonce_gen(void **state) {
    (void)state;
    json_t *j = load("nonce_gen_vectors.json");
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(j, "test_cases"), i, c) {
        uint8_t rnd[32], sk[32], pk[33], aggpk[32], msg[64], extra[64], pub[66], want[97], wantp[66];
        hexn(rnd, 32, json_string_value(json_object_get(c, "rand_")));
        hexn(pk, 33, json_string_value(json_object_get(c, "pk")));
        json_t *jsk = json_object_get(c, "sk"), *ja = json_object_get(c, "aggpk"),
               *jm = json_object_get(c, "msg"), *je = json_object_get(c, "extra_in");
        if (json_is_string(jsk)) hexn(sk, 32, json_string_value(jsk));
        if (json_is_string(ja)) hexn(aggpk, 32, json_string_value(ja));
        size_t ml = json_is_string(jm) ? strlen(json_string_value(jm)) / 2 : 0;
        if (ml) hexn(msg, ml, json_string_value(jm));
        size_t el = json_is_string(je) ? strlen(json_string_value(je)) / 2 : 0;
        if (el) hexn(extra, el, json_string_value(je));
        via_musig_secnonce *sn;
        assert_int_equal(via_musig_nonce_gen_with_rand(&sn, pub, rnd, json_is_string(jsk) ? sk : NULL, pk,
                                                       json_is_string(ja) ? aggpk : NULL, msg, ml,
                                                       json_is_string(jm), el ? extra : NULL, el, NULL),
                         0);
        hexn(want, 97, json_string_value(json_object_get(c, "expected_secnonce")));
        hexn(wantp, 66, json_string_value(json_object_get(c, "expected_pubnonce")));
        uint8_t got[97];
        assert_int_equal(via_musig_secnonce_peek(sn, got), 1);
        assert_memory_equal(got, want, 97);
        assert_memory_equal(pub, wantp, 66);
        via_musig_secnonce_free(sn);
    }
    json_decref(j);
}

static void test_nonce_agg(void **state) {
    (void)state;
    json_t *j = load("nonce_agg_vectors.json");
    json_t *pn = json_object_get(j, "pnonces"), *c;
    size_t i;
    json_array_foreach(json_object_get(j, "valid_test_cases"), i, c) {
        json_t *idx = json_object_get(c, "pnonce_indices");
        uint8_t n[4][66], agg[66], want[66];
        for (size_t k = 0; k < json_array_size(idx); k++)
            hexn(n[k], 66, str_at(pn, (size_t)json_integer_value(json_array_get(idx, k))));
        assert_int_equal(via_musig_nonce_agg(agg, (const uint8_t(*)[66])n, json_array_size(idx), NULL, NULL), 0);
        hexn(want, 66, json_string_value(json_object_get(c, "expected")));
        assert_memory_equal(agg, want, 66);
    }
    json_array_foreach(json_object_get(j, "error_test_cases"), i, c) {
        json_t *idx = json_object_get(c, "pnonce_indices");
        uint8_t n[4][66], agg[66];
        size_t bad = 99;
        for (size_t k = 0; k < json_array_size(idx); k++)
            hexn(n[k], 66, str_at(pn, (size_t)json_integer_value(json_array_get(idx, k))));
        assert_int_not_equal(via_musig_nonce_agg(agg, (const uint8_t(*)[66])n, json_array_size(idx), &bad, NULL), 0);
        assert_int_equal(bad, json_integer_value(json_object_get(json_object_get(c, "error"), "signer")));
    }
    json_decref(j);
}

/* Shared by sign/verify and tweak vectors. */
static int session_for_err(via_musig_session *s, json_t *pks, json_t *kidx, json_t *tweaks,
                           json_t *ti, json_t *xo, const uint8_t agg[66], const uint8_t *msg,
                           size_t ml, via_error *e) {
    uint8_t keys[8][33];
    size_t n = pick_keys(keys, pks, kidx);
    via_musig_keyagg ctx;
    int rc = via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])keys, n, e);
    if (!rc && ti) rc = apply_tweaks(&ctx, tweaks, ti, xo);
    if (!rc) rc = via_musig_session_init(s, &ctx, agg, msg, ml, e);
    return rc;
}

static int session_for(via_musig_session *s, json_t *pks, json_t *kidx, json_t *tweaks, json_t *ti,
                       json_t *xo, const uint8_t agg[66], const uint8_t *msg, size_t ml) {
    return session_for_err(s, pks, kidx, tweaks, ti, xo, agg, msg, ml, NULL);
}

/* The BIP-327 vector's "error" object against what we returned: a "value" error is refused
 * at signing with VIA_EINVAL; an invalid contribution is refused as malformed input
 * (VIA_EFORMAT or VIA_EINVAL) with a message naming the contribution (pubkey, pubnonce,
 * aggnonce) and, where the vector names a signer in a list, that signer's index. */
static void check_bip327_error(json_t *want, const char *stage, int rc, const via_error *e) {
    const char *type = json_string_value(json_object_get(want, "type"));
    assert_non_null(type);
    if (!strcmp(type, "value")) {
        assert_string_equal(stage, "sign");
        assert_int_equal(rc, VIA_EINVAL);
        const char *m = json_string_value(json_object_get(want, "message"));
        if (strstr(m, "pubkey must be included"))
            assert_non_null(strstr(e->msg, "not in the key list"));
        else if (strstr(m, "secnonce value is out of range"))
            assert_non_null(strstr(e->msg, "out of range"));
        else
            fail_msg("unknown BIP-327 value error: %s", m);
        return;
    }
    assert_string_equal(type, "invalid_contribution");
    assert_true(rc == VIA_EFORMAT || rc == VIA_EINVAL);
    const char *contrib = json_string_value(json_object_get(want, "contrib"));
    const char *word = !strcmp(contrib, "pubkey")     ? "key"
                       : !strcmp(contrib, "pubnonce") ? "nonce"
                                                      : "aggregate nonce";
    assert_non_null(strstr(e->msg, word));
    json_t *signer = json_object_get(want, "signer");
    /* partial_verify checks one signer's contribution: the caller knows the index; keyagg
     * over the whole list must name it */
    if (json_is_integer(signer) && strcmp(stage, "verify") != 0) {
        char idx[32];
        snprintf(idx, sizeof idx, "%lld", (long long)json_integer_value(signer));
        assert_non_null(strstr(e->msg, idx));
    }
}

static void test_sign_verify(void **state) {
    (void)state;
    json_t *j = load("sign_verify_vectors.json");
    json_t *pks = json_object_get(j, "pubkeys"), *pn = json_object_get(j, "pnonces"),
           *an = json_object_get(j, "aggnonces"), *msgs = json_object_get(j, "msgs"),
           *sns = json_object_get(j, "secnonces"), *c;
    uint8_t sk[32];
    hexn(sk, 32, json_string_value(json_object_get(j, "sk")));
    size_t i;
    json_array_foreach(json_object_get(j, "valid_test_cases"), i, c) {
        uint8_t agg[66], msg[64], psig[32], want[32], sn97[97], pub[66];
        hexn(agg, 66, str_at(an, (size_t)json_integer_value(json_object_get(c, "aggnonce_index"))));
        const char *mh = str_at(msgs, (size_t)json_integer_value(json_object_get(c, "msg_index")));
        size_t ml = strlen(mh) / 2;
        hexn(msg, ml, mh);
        via_musig_session s;
        assert_int_equal(session_for(&s, pks, json_object_get(c, "key_indices"), NULL, NULL, NULL, agg, msg, ml), 0);
        hexn(sn97, 97, str_at(sns, 0));
        via_musig_secnonce *sn;
        assert_int_equal(via_musig_secnonce_load(&sn, sn97, NULL), 0);
        assert_int_equal(via_musig_partial_sign(psig, sn, sk, &s, NULL), 0);
        hexn(want, 32, json_string_value(json_object_get(c, "expected")));
        assert_memory_equal(psig, want, 32);
        /* the nonce is consumed */
        assert_int_equal(via_musig_partial_sign(psig, sn, sk, &s, NULL), VIA_ENONCE_USED);
        via_musig_secnonce_free(sn);
        json_t *ni = json_object_get(c, "nonce_indices");
        size_t si = (size_t)json_integer_value(json_object_get(c, "signer_index"));
        uint8_t pk[33];
        hexn(pub, 66, str_at(pn, (size_t)json_integer_value(json_array_get(ni, si))));
        json_t *one = json_pack(
            "[I]", json_integer_value(json_array_get(json_object_get(c, "key_indices"), si)));
        pick_keys((uint8_t(*)[33])pk, pks, one);
        json_decref(one);
        assert_int_equal(via_musig_partial_verify(want, pub, pk, &s, NULL), 0);
    }
    json_array_foreach(json_object_get(j, "sign_error_test_cases"), i, c) {
        uint8_t agg[66], msg[32], psig[32], sn97[97];
        hexn(agg, 66, str_at(an, (size_t)json_integer_value(json_object_get(c, "aggnonce_index"))));
        hexn(msg, 32, str_at(msgs, 0));
        via_musig_session s;
        via_error e = {0};
        const char *stage = "session";
        int rc = session_for_err(&s, pks, json_object_get(c, "key_indices"), NULL, NULL, NULL, agg,
                                 msg, 32, &e);
        if (!rc) {
            stage = "sign";
            hexn(sn97, 97, str_at(sns, (size_t)json_integer_value(json_object_get(c, "secnonce_index"))));
            via_musig_secnonce *sn;
            assert_int_equal(via_musig_secnonce_load(&sn, sn97, NULL), 0);
            rc = via_musig_partial_sign(psig, sn, sk, &s, &e);
            via_musig_secnonce_free(sn);
        }
        json_t *want = json_object_get(c, "error");
        printf("sign error case %zu (%s): stage %s rc %d: %s\n", i,
               json_string_value(json_object_get(want, "type")), stage, rc, e.msg);
        if (rc == 0) fail_msg("sign error case %zu accepted", i);
        check_bip327_error(want, stage, rc, &e);
    }
    json_array_foreach(json_object_get(j, "verify_fail_test_cases"), i, c) {
        uint8_t agg[66], msg[32], psig[32], pub[66], pk[33], nonces[3][66];
        json_t *ni = json_object_get(c, "nonce_indices"), *ki = json_object_get(c, "key_indices");
        for (size_t k = 0; k < 3; k++) hexn(nonces[k], 66, str_at(pn, (size_t)json_integer_value(json_array_get(ni, k))));
        assert_int_equal(via_musig_nonce_agg(agg, (const uint8_t(*)[66])nonces, 3, NULL, NULL), 0);
        hexn(msg, 32, str_at(msgs, (size_t)json_integer_value(json_object_get(c, "msg_index"))));
        via_musig_session s;
        assert_int_equal(session_for(&s, pks, ki, NULL, NULL, NULL, agg, msg, 32), 0);
        size_t si = (size_t)json_integer_value(json_object_get(c, "signer_index"));
        memcpy(pub, nonces[si], 66);
        hexn(pk, 33, str_at(pks, (size_t)json_integer_value(json_array_get(ki, si))));
        hexn(psig, 32, json_string_value(json_object_get(c, "sig")));
        assert_int_not_equal(via_musig_partial_verify(psig, pub, pk, &s, NULL), 0);
    }
    json_array_foreach(json_object_get(j, "verify_error_test_cases"), i, c) {
        uint8_t psig[32], pub[66], pk[33];
        json_t *ni = json_object_get(c, "nonce_indices"), *ki = json_object_get(c, "key_indices");
        hexn(pub, 66, str_at(pn, (size_t)json_integer_value(json_array_get(ni, 0))));
        hexn(pk, 33, str_at(pks, (size_t)json_integer_value(json_array_get(ki, 0))));
        hexn(psig, 32, json_string_value(json_object_get(c, "sig")));
        /* any valid session: the contribution itself is invalid */
        uint8_t agg[66], msg[32];
        hexn(agg, 66, str_at(an, 0));
        hexn(msg, 32, str_at(msgs, 0));
        via_musig_session s;
        json_t *good = json_pack("[i,i,i]", 0, 1, 2);
        assert_int_equal(session_for(&s, pks, good, NULL, NULL, NULL, agg, msg, 32), 0);
        json_decref(good);
        via_error e = {0};
        int rc = via_musig_partial_verify(psig, pub, pk, &s, &e);
        printf("verify error case %zu: rc %d: %s\n", i, rc, e.msg);
        assert_int_not_equal(rc, 0);
        check_bip327_error(json_object_get(c, "error"), "verify", rc, &e);
    }
    json_decref(j);
}

static void test_tweak(void **state) {
    (void)state;
    json_t *j = load("tweak_vectors.json");
    json_t *pks = json_object_get(j, "pubkeys"), *tw = json_object_get(j, "tweaks"),
           *pn = json_object_get(j, "pnonces"), *c;
    uint8_t sk[32], agg[66], msg[32], sn97[97];
    hexn(sk, 32, json_string_value(json_object_get(j, "sk")));
    hexn(agg, 66, json_string_value(json_object_get(j, "aggnonce")));
    hexn(msg, 32, json_string_value(json_object_get(j, "msg")));
    hexn(sn97, 97, json_string_value(json_object_get(j, "secnonce")));
    size_t i;
    json_array_foreach(json_object_get(j, "valid_test_cases"), i, c) {
        via_musig_session s;
        assert_int_equal(session_for(&s, pks, json_object_get(c, "key_indices"), tw,
                                     json_object_get(c, "tweak_indices"), json_object_get(c, "is_xonly"), agg, msg, 32),
                         0);
        via_musig_secnonce *sn;
        uint8_t psig[32], want[32], pub[66], pk[33];
        assert_int_equal(via_musig_secnonce_load(&sn, sn97, NULL), 0);
        assert_int_equal(via_musig_partial_sign(psig, sn, sk, &s, NULL), 0);
        via_musig_secnonce_free(sn);
        hexn(want, 32, json_string_value(json_object_get(c, "expected")));
        assert_memory_equal(psig, want, 32);
        size_t si = (size_t)json_integer_value(json_object_get(c, "signer_index"));
        hexn(pub, 66, str_at(pn, (size_t)json_integer_value(json_array_get(json_object_get(c, "nonce_indices"), si))));
        hexn(pk, 33, str_at(pks, (size_t)json_integer_value(json_array_get(json_object_get(c, "key_indices"), si))));
        assert_int_equal(via_musig_partial_verify(psig, pub, pk, &s, NULL), 0);
    }
    json_array_foreach(json_object_get(j, "error_test_cases"), i, c) {
        via_musig_session s;
        assert_int_not_equal(session_for(&s, pks, json_object_get(c, "key_indices"), tw,
                                         json_object_get(c, "tweak_indices"), json_object_get(c, "is_xonly"), agg, msg, 32),
                             0);
    }
    json_decref(j);
}

static void test_sig_agg(void **state) {
    (void)state;
    json_t *j = load("sig_agg_vectors.json");
    json_t *pks = json_object_get(j, "pubkeys"), *tw = json_object_get(j, "tweaks"),
           *ps = json_object_get(j, "psigs"), *c;
    uint8_t msg[32];
    hexn(msg, 32, json_string_value(json_object_get(j, "msg")));
    size_t i;
    json_t *cases[2] = {json_object_get(j, "valid_test_cases"), json_object_get(j, "error_test_cases")};
    for (int valid = 1; valid >= 0; valid--) {
        json_array_foreach(cases[1 - valid], i, c) {
            uint8_t agg[66], sigs[4][32], sig[64];
            hexn(agg, 66, json_string_value(json_object_get(c, "aggnonce")));
            via_musig_session s;
            assert_int_equal(session_for(&s, pks, json_object_get(c, "key_indices"), tw,
                                         json_object_get(c, "tweak_indices"), json_object_get(c, "is_xonly"), agg, msg, 32),
                             0);
            json_t *pi = json_object_get(c, "psig_indices");
            for (size_t k = 0; k < json_array_size(pi); k++)
                hexn(sigs[k], 32, str_at(ps, (size_t)json_integer_value(json_array_get(pi, k))));
            size_t bad = 99;
            int rc = via_musig_partial_agg(sig, (const uint8_t(*)[32])sigs, json_array_size(pi), &s, &bad, NULL);
            if (valid) {
                uint8_t want[64], q[32];
                assert_int_equal(rc, 0);
                hexn(want, 64, json_string_value(json_object_get(c, "expected")));
                assert_memory_equal(sig, want, 64);
                via_musig_keyagg_xonly(q, &s.keyagg);
                assert_int_equal(via_btc_schnorr_verify(sig, msg, 32, q), 0);
            } else {
                assert_int_not_equal(rc, 0);
                assert_int_equal(bad, json_integer_value(json_object_get(json_object_get(c, "error"), "signer")));
            }
        }
    }
    json_decref(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bip340),     cmocka_unit_test(test_bip350),
        cmocka_unit_test(test_key_agg),    cmocka_unit_test(test_nonce_gen),
        cmocka_unit_test(test_nonce_agg),  cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_tweak),      cmocka_unit_test(test_sig_agg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
