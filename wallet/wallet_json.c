/* JSON forms of keys and signed transactions for via-wallet; see wallet_json.h. */
#include "wallet_json.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "via/hex.h"
#include "via/rollup_json.h"

#define hexval(c) via_hexval((unsigned char)(c))
#define hex_encode via_hex_encode

static json_t *load(const char *text, size_t len, via_error *err, int *rc) {
    *rc = VIA_OK;
    if (len > VIA_WALLET_MAX_JSON) {
        *rc = via_fail(err, VIA_EFORMAT, "JSON input is %zu bytes, more than the %d allowed", len,
                       VIA_WALLET_MAX_JSON);
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        *rc = via_fail(err, VIA_EFORMAT, "invalid JSON at line %d column %d: %s", je.line,
                       je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        *rc = via_fail(err, VIA_EFORMAT, "JSON input is not an object");
        return NULL;
    }
    return root;
}

/* Unsigned 64-bit integer from a JSON integer >= 0 or a decimal string. */
static int get_u64(uint64_t *out, json_t *obj, const char *key, via_error *err) {
    json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v) return via_fail(err, VIA_EFORMAT, "field \"%s\" is missing", key);
    const char *why;
    if (via_json_to_u64(v, out, &why))
        return via_fail(err, VIA_EFORMAT, "field \"%s\": %s", key, why);
    return VIA_OK;
}

static int get_fr(via_fr *out, json_t *obj, const char *where, const char *key, via_error *err) {
    json_t *v = json_object_get(obj, key);
    via_fr_set_zero(out);
    if (!v || !json_is_string(v))
        return via_fail(err, VIA_EFORMAT, "field \"%s%s\" is missing or not a decimal string",
                        where, key);
    if (via_fr_from_decimal(out, json_string_value(v)))
        return via_fail(err, VIA_EFORMAT,
                        "field \"%s%s\" is not a decimal number below the field modulus", where,
                        key);
    return VIA_OK;
}

static int get_point(via_babyjub_point *p, json_t *obj, const char *key, const char *xk,
                     const char *yk, via_error *err) {
    json_t *o = key ? json_object_get(obj, key) : obj;
    if (!o || !json_is_object(o))
        return via_fail(err, VIA_EFORMAT, "field \"%s\" is missing or not an object", key);
    char where[64];
    snprintf(where, sizeof where, "%s%s", key ? key : "", key ? "." : "");
    int rc = get_fr(&p->x, o, where, xk, err);
    if (rc) return rc;
    return get_fr(&p->y, o, where, yk, err);
}

int via_wallet_key_parse(uint8_t sk[32], const char *text, size_t len, via_error *err) {
    memset(sk, 0, 32);
    int rc;
    json_t *root = load(text, len, err, &rc);
    if (!root) return rc;
    json_t *v = json_object_get(root, "private_key");
    if (!v || !json_is_string(v)) {
        rc = via_fail(err, VIA_EFORMAT,
                      "key file: field \"private_key\" is missing or not a string");
        goto out;
    }
    char *hex = (char *)json_string_value(v); /* jansson's own copy: wiped below */
    size_t n = strlen(hex);
    if (n != 64) {
        rc = via_fail(err, VIA_EFORMAT,
                      "key file: \"private_key\" must be 64 hex digits, found %zu characters", n);
        goto wipe;
    }
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            rc = via_fail(err, VIA_EFORMAT,
                          "key file: \"private_key\" has a non-hex character at position %zu",
                          hi < 0 ? 2 * i : 2 * i + 1);
            memset(sk, 0, 32);
            goto wipe;
        }
        sk[i] = (uint8_t)(hi << 4 | lo);
    }
    {
        uint8_t acc = 0;
        for (size_t i = 0; i < 32; i++)
            acc |= sk[i];
        if (!acc) {
            rc = via_fail(err, VIA_EINVAL,
                          "key file: \"private_key\" is all zeros, which is no key (a broken or "
                          "blanked file?)");
            goto wipe;
        }
    }
    json_t *pk = json_object_get(root, "public_key");
    if (pk) {
        via_babyjub_point stored, derived;
        rc = get_point(&stored, root, "public_key", "x", "y", err);
        if (rc) {
            memset(sk, 0, 32);
            goto wipe;
        }
        via_eddsa_pubkey(&derived, sk);
        if (!via_babyjub_eq(&stored, &derived)) {
            rc = via_fail(err, VIA_EINVAL,
                          "key file: \"public_key\" does not belong to \"private_key\"");
            memset(sk, 0, 32);
            goto wipe;
        }
    }
    rc = VIA_OK;
wipe:
    via_wipe(hex, n);
out:
    json_decref(root);
    return rc;
}


/* Ids as JSON integers while they are exact in every JSON reader (< 2^53), else strings. */
static json_t *id_json(uint64_t v) {
    return v < ((uint64_t)1 << 53) ? json_integer((json_int_t)v) : via_json_u64(v);
}

json_t *via_wallet_key_json(const uint8_t *sk, const via_babyjub_point *pub) {
    json_t *o = json_object();
    if (sk) {
        char hex[65];
        hex_encode(hex, sk, 32);
        json_object_set_new(o, "private_key", json_string(hex));
        via_wipe(hex, sizeof hex);
    }
    uint8_t packed[32];
    char phex[65];
    via_babyjub_pack(packed, pub);
    hex_encode(phex, packed, 32);
    json_object_set_new(
        o, "public_key",
        json_pack("{s:o,s:o,s:s}", "x", via_json_fr(&pub->x), "y", via_json_fr(&pub->y), "packed", phex));
    return o;
}

int via_wallet_tx_parse(via_wallet_tx *tx, const char *text, size_t len, via_error *err) {
    memset(tx, 0, sizeof *tx);
    int rc;
    json_t *root = load(text, len, err, &rc);
    if (!root) return rc;
    json_t *type = json_object_get(root, "type");
    const char *ts = type && json_is_string(type) ? json_string_value(type) : NULL;
    if (!ts) {
        rc = via_fail(err, VIA_EFORMAT, "transaction: field \"type\" is missing or not a string");
        goto out;
    }
    if (!strcmp(ts, "transfer")) {
        tx->type = VIA_WALLET_TRANSFER;
        via_l2tx_transfer *t = &tx->transfer;
        if ((rc = get_u64(&t->from, root, "from", err)) ||
            (rc = get_u64(&t->to, root, "to", err)) ||
            (rc = get_u64(&t->amount, root, "amount", err)) ||
            (rc = get_u64(&t->fee, root, "fee", err)) ||
            (rc = get_u64(&t->nonce, root, "nonce", err)))
            goto out;
    } else if (!strcmp(ts, "withdraw")) {
        tx->type = VIA_WALLET_WITHDRAW;
        via_l2tx_withdraw *w = &tx->withdraw;
        if ((rc = get_u64(&w->from, root, "from", err)) ||
            (rc = get_u64(&w->amount, root, "amount", err)) ||
            (rc = get_u64(&w->fee, root, "fee", err)) ||
            (rc = get_u64(&w->nonce, root, "nonce", err)))
            goto out;
        json_t *d = json_object_get(root, "dest");
        const char *hex = d && json_is_string(d) ? json_string_value(d) : NULL;
        if (!hex) {
            rc = via_fail(err, VIA_EFORMAT,
                          "transaction: field \"dest\" is missing or not a hex string");
            goto out;
        }
        size_t n = strlen(hex);
        if (n == 0 || n % 2 || n / 2 > VIA_L2TX_MAX_SCRIPT) {
            rc = via_fail(err, VIA_EFORMAT,
                          "transaction: \"dest\" must be 1..%d bytes of hex, found %zu characters",
                          VIA_L2TX_MAX_SCRIPT, n);
            goto out;
        }
        for (size_t i = 0; i < n / 2; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                rc = via_fail(err, VIA_EFORMAT,
                              "transaction: \"dest\" has a non-hex character near position %zu",
                              2 * i);
                goto out;
            }
            w->dest[i] = (uint8_t)(hi << 4 | lo);
        }
        w->dest_len = n / 2;
    } else {
        rc = via_fail(err, VIA_EFORMAT,
                      "transaction: unknown type \"%.40s\" (expected transfer or withdraw)", ts);
        goto out;
    }
    if ((rc = get_point(&tx->pubkey, root, "pubkey", "x", "y", err))) goto out;
    if ((rc = get_point(&tx->sig.r8, root, "signature", "R8x", "R8y", err))) goto out;
    json_t *sig = json_object_get(root, "signature");
    json_t *s = json_object_get(sig, "S");
    if (!s || !json_is_string(s) || via_limbs_from_decimal(tx->sig.s, json_string_value(s))) {
        rc =
            via_fail(err, VIA_EFORMAT,
                     "transaction: \"signature.S\" is missing or not a decimal number below 2^256");
        goto out;
    }
    rc = VIA_OK;
out:
    json_decref(root);
    if (rc) memset(tx, 0, sizeof *tx);
    return rc;
}

int via_wallet_tx_msg(via_fr *msg, const via_wallet_tx *tx, via_error *err) {
    if (tx->type == VIA_WALLET_TRANSFER) {
        via_fr_set_zero(msg);
        int rc = via_l2tx_transfer_check(&tx->transfer, err);
        if (rc) return rc;
        via_l2tx_transfer_msg(msg, &tx->transfer);
        return VIA_OK;
    }
    if (tx->type == VIA_WALLET_WITHDRAW) {
        via_fr_set_zero(msg);
        int rc = via_l2tx_withdraw_check(&tx->withdraw, err);
        return rc ? rc : via_l2tx_withdraw_msg(msg, &tx->withdraw, err);
    }
    via_fr_set_zero(msg);
    return via_fail(err, VIA_EINVAL, "transaction type %d is not signable", tx->type);
}

int via_wallet_tx_verify(const via_wallet_tx *tx, via_error *err) {
    via_fr msg;
    int rc = via_wallet_tx_msg(&msg, tx, err);
    if (rc) return rc;
    return via_eddsa_verify_var(&tx->pubkey, &msg, &tx->sig, err);
}

json_t *via_wallet_tx_json(const via_wallet_tx *tx) {
    json_t *o = json_object();
    via_fr msg;
    via_error err;
    if (tx->type == VIA_WALLET_TRANSFER) {
        const via_l2tx_transfer *t = &tx->transfer;
        json_object_set_new(o, "type", json_string("transfer"));
        json_object_set_new(o, "from", id_json(t->from));
        json_object_set_new(o, "to", id_json(t->to));
        json_object_set_new(o, "amount", via_json_u64(t->amount));
        json_object_set_new(o, "fee", via_json_u64(t->fee));
        json_object_set_new(o, "nonce", via_json_u64(t->nonce));
    } else {
        const via_l2tx_withdraw *w = &tx->withdraw;
        char hex[2 * VIA_L2TX_MAX_SCRIPT + 1];
        hex_encode(hex, w->dest, w->dest_len);
        json_object_set_new(o, "type", json_string("withdraw"));
        json_object_set_new(o, "from", id_json(w->from));
        json_object_set_new(o, "amount", via_json_u64(w->amount));
        json_object_set_new(o, "fee", via_json_u64(w->fee));
        json_object_set_new(o, "nonce", via_json_u64(w->nonce));
        json_object_set_new(o, "dest", json_string(hex));
    }
    json_object_set_new(
        o, "pubkey",
        json_pack("{s:o,s:o}", "x", via_json_fr(&tx->pubkey.x), "y", via_json_fr(&tx->pubkey.y)));
    if (via_wallet_tx_msg(&msg, tx, &err) == VIA_OK) json_object_set_new(o, "msg", via_json_fr(&msg));
    char sbuf[80];
    via_limbs_to_decimal(sbuf, sizeof sbuf, tx->sig.s);
    json_object_set_new(o, "signature",
                        json_pack("{s:o,s:o,s:s}", "R8x", via_json_fr(&tx->sig.r8.x), "R8y",
                                  via_json_fr(&tx->sig.r8.y), "S", sbuf));
    return o;
}
