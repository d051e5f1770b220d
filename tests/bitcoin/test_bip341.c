/* BIP-341 wallet test vectors (tests/vectors/bip341/wallet-test-vectors.json, see SOURCE):
 *  - scriptPubKey: leaf and branch hashes of each script tree, merkle root, tweak, tweaked
 *    output key, P2TR scriptPubKey, mainnet bech32m address and every control block (also
 *    checked with via_btc_taproot_verify_commitment);
 *  - keyPathSpending: for each listed input the internal key, tweak, tweaked secret key,
 *    SigMsg (holding the precomputed sha_* values the vectors list), sighash and the witness
 *    signature (aux rand zero), and the signed inputs against the vectors' fully signed tx.
 * Only the public API of via_bitcoin is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "via/bitcoin.h"

#define MAX_LEAVES 8
#define MAX_PATH 8

static char path_buf[1024];
static const char *vec(const char *rel) {
    const char *d = getenv("VIA_VECTORS");
    snprintf(path_buf, sizeof path_buf, "%s/%s", d ? d : "vectors", rel);
    return path_buf;
}

static json_t *load_vectors(void) {
    json_error_t je;
    json_t *root = json_load_file(vec("bip341/wallet-test-vectors.json"), 0, &je);
    if (!root) fail_msg("bip341 vectors: %s at line %d", je.text, je.line);
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
    return root;
}

static const char *str(json_t *obj, const char *key) {
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s) fail_msg("bip341 vectors: missing string \"%s\"", key);
    return s;
}

static void hex32(uint8_t out[32], const char *h) {
    via_error e;
    if (via_hex_decode_exact(out, 32, h, &e)) fail_msg("bad hex in vectors: %s", e.msg);
}

static uint8_t *hexdup(size_t *len, const char *h) {
    via_error e;
    uint8_t *p;
    if (via_hex_decode(&p, len, h, &e)) fail_msg("bad hex in vectors: %s", e.msg);
    return p;
}

/* Fails with both values in hex when they differ. */
static void expect_bytes(const char *what, size_t i, const uint8_t *got, size_t got_len,
                         const char *want_hex) {
    size_t want_len;
    uint8_t *want = hexdup(&want_len, want_hex);
    if (got_len != want_len || memcmp(got, want, got_len) != 0) {
        char *g = malloc(2 * got_len + 1);
        assert_non_null(g);
        via_hex_encode(g, got, got_len);
        fail_msg("case %zu %s:\n  got  %s\n  want %s", i, what, g, want_hex);
    }
    free(want);
}

/* ---- scriptPubKey ---- */

typedef struct {
    int id;
    uint8_t version;
    uint8_t *script;
    size_t script_len;
    uint8_t hash[32];
    uint8_t path[MAX_PATH * 32]; /* sibling hashes, deepest first */
    size_t n_path;
} leaf;

/* Hash of a script tree node: a leaf object or a two-element array of nodes. Leaves are
 * appended to leaves[*n]; each branch adds the other side's hash to its leaves' paths. */
static void tree_hash(uint8_t out[32], json_t *node, leaf *leaves, size_t *n) {
    if (json_is_object(node)) {
        assert_true(*n < MAX_LEAVES);
        leaf *l = &leaves[(*n)++];
        l->id = (int)json_integer_value(json_object_get(node, "id"));
        l->version = (uint8_t)json_integer_value(json_object_get(node, "leafVersion"));
        l->script = hexdup(&l->script_len, str(node, "script"));
        l->n_path = 0;
        via_btc_tapleaf_hash(l->hash, l->version, l->script, l->script_len);
        memcpy(out, l->hash, 32);
        return;
    }
    assert_true(json_is_array(node) && json_array_size(node) == 2);
    uint8_t h[2][32];
    size_t start[3];
    for (int side = 0; side < 2; side++) {
        start[side] = *n;
        tree_hash(h[side], json_array_get(node, (size_t)side), leaves, n);
    }
    start[2] = *n;
    for (int side = 0; side < 2; side++)
        for (size_t k = start[side]; k < start[side + 1]; k++) {
            assert_true(leaves[k].n_path < MAX_PATH);
            memcpy(leaves[k].path + 32 * leaves[k].n_path++, h[1 - side], 32);
        }
    via_btc_tapbranch_hash(out, h[0], h[1]);
}

static void test_script_pubkey(void **state) {
    (void)state;
    json_t *root = load_vectors();
    json_t *cases = json_object_get(root, "scriptPubKey");
    assert_int_equal(json_array_size(cases), 7);
    size_t i, n_control = 0;
    json_t *c;
    json_array_foreach(cases, i, c) {
        json_t *given = json_object_get(c, "given");
        json_t *inter = json_object_get(c, "intermediary");
        json_t *expected = json_object_get(c, "expected");
        via_error e;
        uint8_t internal[32];
        hex32(internal, str(given, "internalPubkey"));

        leaf leaves[MAX_LEAVES];
        size_t n_leaves = 0;
        uint8_t root_hash[32];
        json_t *tree = json_object_get(given, "scriptTree");
        int has_tree = !json_is_null(tree);
        if (has_tree) {
            tree_hash(root_hash, tree, leaves, &n_leaves);
            json_t *lh = json_object_get(inter, "leafHashes");
            assert_int_equal(json_array_size(lh), n_leaves);
            for (size_t k = 0; k < n_leaves; k++) {
                /* leafHashes and control blocks are listed by leaf id */
                assert_true(leaves[k].id >= 0 && (size_t)leaves[k].id < n_leaves);
                expect_bytes("leaf hash", i, leaves[k].hash, 32,
                             json_string_value(json_array_get(lh, (size_t)leaves[k].id)));
            }
            expect_bytes("merkle root", i, root_hash, 32, str(inter, "merkleRoot"));
        } else {
            assert_true(json_is_null(json_object_get(inter, "merkleRoot")));
        }
        const uint8_t *mr = has_tree ? root_hash : NULL;

        uint8_t tweak[32];
        via_btc_taproot_tweak(tweak, internal, mr);
        expect_bytes("tweak", i, tweak, 32, str(inter, "tweak"));

        uint8_t q[32];
        int parity;
        assert_int_equal(via_btc_taproot_output_key(q, &parity, internal, mr, &e), VIA_OK);
        expect_bytes("tweaked pubkey", i, q, 32, str(inter, "tweakedPubkey"));

        uint8_t spk[34];
        via_btc_script_p2tr(spk, q);
        expect_bytes("scriptPubKey", i, spk, sizeof spk, str(expected, "scriptPubKey"));

        char addr[VIA_BTC_ADDRESS_MAX];
        assert_int_equal(via_btc_script_to_address(addr, VIA_BTC_MAINNET, spk, sizeof spk, &e),
                         VIA_OK);
        assert_string_equal(addr, str(expected, "bip350Address"));

        json_t *cbs = json_object_get(expected, "scriptPathControlBlocks");
        assert_int_equal(json_array_size(cbs), n_leaves);
        for (size_t k = 0; k < n_leaves; k++) {
            leaf *l = &leaves[k];
            uint8_t cb[33 + MAX_PATH * 32];
            size_t cb_len;
            via_btc_taproot_control_block(cb, &cb_len, l->version, parity, internal, l->path,
                                          l->n_path);
            expect_bytes("control block", i, cb, cb_len,
                         json_string_value(json_array_get(cbs, (size_t)l->id)));
            int rc = via_btc_taproot_verify_commitment(q, l->script, l->script_len, cb, cb_len, &e);
            if (rc) fail_msg("case %zu leaf %d: commitment rejected: %s", i, l->id, e.msg);
            n_control++;
            free(l->script);
        }
    }
    assert_int_equal(n_control, 12);
    json_decref(root);
}

/* ---- keyPathSpending ---- */

/* Position of each precomputed hash in a SigMsg without ANYONECANPAY: epoch, hash type,
 * version and locktime take 10 bytes, then the sha_* values in this order (BIP-341). */
static const char *const precomputed_order[] = {"hashPrevouts", "hashAmounts", "hashScriptPubkeys",
                                                "hashSequences", "hashOutputs"};

static void check_precomputed(size_t i, const uint8_t *msg, size_t msg_len, json_t *used,
                              json_t *values, uint32_t hash_type) {
    size_t k;
    json_t *name;
    json_array_foreach(used, k, name) {
        const char *nm = json_string_value(name);
        size_t pos = 0;
        if (hash_type & VIA_BTC_SIGHASH_ANYONECANPAY) {
            /* only sha_outputs can be used, right after the fixed 10 bytes */
            assert_string_equal(nm, "hashOutputs");
        } else {
            size_t j = 0;
            while (j < 5 && strcmp(precomputed_order[j], nm))
                j++;
            if (j == 5) fail_msg("input case %zu: unknown precomputed \"%s\"", i, nm);
            pos = 32 * j;
        }
        assert_true(10 + pos + 32 <= msg_len);
        char what[64];
        snprintf(what, sizeof what, "%s in SigMsg", nm);
        expect_bytes(what, i, msg + 10 + pos, 32, str(values, nm));
    }
}

static void test_key_path_spending(void **state) {
    (void)state;
    json_t *root = load_vectors();
    json_t *kps = json_object_get(root, "keyPathSpending");
    assert_int_equal(json_array_size(kps), 1);
    json_t *t = json_array_get(kps, 0);
    json_t *given = json_object_get(t, "given");
    json_t *precomp = json_object_get(t, "intermediary");
    via_error e;

    size_t raw_len;
    uint8_t *raw = hexdup(&raw_len, str(given, "rawUnsignedTx"));
    via_btc_tx tx, want_tx;
    via_btc_tx_init(&tx);
    via_btc_tx_init(&want_tx);
    if (via_btc_tx_parse(&tx, raw, raw_len, &e)) fail_msg("rawUnsignedTx: %s", e.msg);
    free(raw);

    json_t *utxos = json_object_get(given, "utxosSpent");
    size_t n_spent = json_array_size(utxos);
    assert_int_equal(n_spent, tx.n_in);
    via_btc_txout spent[16];
    assert_true(n_spent <= 16);
    for (size_t k = 0; k < n_spent; k++) {
        json_t *u = json_array_get(utxos, k);
        json_t *amount = json_object_get(u, "amountSats");
        assert_true(json_is_integer(amount) && json_integer_value(amount) >= 0);
        spent[k].value = (uint64_t)json_integer_value(amount);
        spent[k].script_pubkey.data = hexdup(&spent[k].script_pubkey.len, str(u, "scriptPubKey"));
    }

    json_t *inputs = json_object_get(t, "inputSpending");
    assert_int_equal(json_array_size(inputs), 7);
    size_t i;
    json_t *in;
    json_array_foreach(inputs, i, in) {
        json_t *g = json_object_get(in, "given");
        json_t *inter = json_object_get(in, "intermediary");
        json_t *expected = json_object_get(in, "expected");
        size_t idx = (size_t)json_integer_value(json_object_get(g, "txinIndex"));
        uint32_t hash_type = (uint32_t)json_integer_value(json_object_get(g, "hashType"));
        assert_true(idx < tx.n_in);

        uint8_t sk[32], mr_buf[32], *mr = NULL;
        hex32(sk, str(g, "internalPrivkey"));
        json_t *mrj = json_object_get(g, "merkleRoot");
        if (!json_is_null(mrj)) {
            hex32(mr_buf, json_string_value(mrj));
            mr = mr_buf;
        }

        uint8_t internal[32], tweak[32], tweaked_sk[32];
        assert_int_equal(via_btc_xonly_from_seckey(internal, NULL, sk), VIA_OK);
        expect_bytes("internal pubkey", i, internal, 32, str(inter, "internalPubkey"));
        via_btc_taproot_tweak(tweak, internal, mr);
        expect_bytes("tweak", i, tweak, 32, str(inter, "tweak"));
        assert_int_equal(via_btc_taproot_tweak_seckey(tweaked_sk, sk, mr), VIA_OK);
        expect_bytes("tweaked privkey", i, tweaked_sk, 32, str(inter, "tweakedPrivkey"));

        uint8_t *msg;
        size_t msg_len;
        if (via_btc_sigmsg_taproot(&msg, &msg_len, &tx, idx, spent, n_spent, hash_type, NULL, &e))
            fail_msg("input case %zu: sigmsg: %s", i, e.msg);
        expect_bytes("sigMsg", i, msg, msg_len, str(inter, "sigMsg"));
        check_precomputed(i, msg, msg_len, json_object_get(inter, "precomputedUsed"), precomp,
                          hash_type);
        free(msg);

        uint8_t sighash[32];
        if (via_btc_sighash_taproot(sighash, &tx, idx, spent, n_spent, hash_type, NULL, &e))
            fail_msg("input case %zu: sighash: %s", i, e.msg);
        expect_bytes("sigHash", i, sighash, 32, str(inter, "sigHash"));

        /* aux rand NULL = 32 zero bytes, as in the vectors */
        if (via_btc_sign_taproot_keypath(&tx, idx, spent, n_spent, sk, mr, hash_type, NULL, &e))
            fail_msg("input case %zu: sign: %s", i, e.msg);
        json_t *wit = json_object_get(expected, "witness");
        assert_int_equal(tx.in[idx].n_witness, json_array_size(wit));
        for (size_t k = 0; k < tx.in[idx].n_witness; k++)
            expect_bytes("witness", i, tx.in[idx].witness[k].data, tx.in[idx].witness[k].len,
                         json_string_value(json_array_get(wit, k)));
        via_wipe(sk, sizeof sk);
        via_wipe(tweaked_sk, sizeof tweaked_sk);
    }

    /* The signed taproot inputs match the fully signed transaction (its other inputs are
     * P2PKH and P2WPKH spends, with a scriptSig, so its txid differs from the unsigned one). */
    json_t *aux = json_object_get(t, "auxiliary");
    raw = hexdup(&raw_len, str(aux, "fullySignedTx"));
    if (via_btc_tx_parse(&want_tx, raw, raw_len, &e)) fail_msg("fullySignedTx: %s", e.msg);
    free(raw);
    assert_int_equal(want_tx.n_in, tx.n_in);
    size_t n_checked = 0;
    json_array_foreach(inputs, i, in) {
        size_t idx =
            (size_t)json_integer_value(json_object_get(json_object_get(in, "given"), "txinIndex"));
        assert_int_equal(want_tx.in[idx].n_witness, tx.in[idx].n_witness);
        for (size_t k = 0; k < tx.in[idx].n_witness; k++) {
            assert_int_equal(want_tx.in[idx].witness[k].len, tx.in[idx].witness[k].len);
            assert_memory_equal(want_tx.in[idx].witness[k].data, tx.in[idx].witness[k].data,
                                tx.in[idx].witness[k].len);
        }
        n_checked++;
    }
    assert_int_equal(n_checked, 7);

    for (size_t k = 0; k < n_spent; k++)
        free(spent[k].script_pubkey.data);
    via_btc_tx_free(&tx);
    via_btc_tx_free(&want_tx);
    json_decref(root);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_pubkey),
        cmocka_unit_test(test_key_path_spending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
