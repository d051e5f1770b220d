/*
 * JSON forms of wallet keys and signed transactions (the formats are described in
 * wallet/README.md and docs/protocol.md). Parsers take untrusted bytes, bound their size,
 * and say what and where on failure.
 */
#ifndef VIA_WALLET_JSON_H
#define VIA_WALLET_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "via/eddsa.h"
#include "via/status.h"
#include "via/l2tx.h"

#define VIA_WALLET_MAX_JSON (64 * 1024)

enum { VIA_WALLET_TRANSFER = 1, VIA_WALLET_WITHDRAW = 2 };

typedef struct {
    int type; /* VIA_WALLET_TRANSFER or VIA_WALLET_WITHDRAW */
    via_l2tx_transfer transfer;
    via_l2tx_withdraw withdraw;
    via_babyjub_point pubkey;
    via_eddsa_sig sig;
} via_wallet_tx;

/* Key file: {"private_key": "<64 hex>", "public_key": {...}}. Writes the 32-byte key; the
 * public key, when present, must match it. The parsed JSON's copy of the key is wiped. */
int via_wallet_key_parse(uint8_t sk[32], const char *text, size_t len, via_error *err) VIA_MUST_USE;
/* JSON object of a key pair (private key included only when sk is not NULL). */
json_t *via_wallet_key_json(const uint8_t *sk, const via_babyjub_point *pub);

/* A signed transaction; VIA_EFORMAT on malformed input. Does not check the signature. */
int via_wallet_tx_parse(via_wallet_tx *tx, const char *text, size_t len,
                        via_error *err) VIA_MUST_USE;
/* The signed message of tx (via/l2tx.h). */
int via_wallet_tx_msg(via_fr *msg, const via_wallet_tx *tx, via_error *err) VIA_MUST_USE;
/* VIA_OK when the signature is valid, VIA_EVERIFY (reason in err) when not, another code when
 * the transaction itself is unusable. */
int via_wallet_tx_verify(const via_wallet_tx *tx, via_error *err) VIA_MUST_USE;
/* JSON object of a signed transaction (includes the message, informative). */
json_t *via_wallet_tx_json(const via_wallet_tx *tx);

#endif
