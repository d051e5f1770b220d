/* via_bitcoin: the Bitcoin pieces Via needs, and nothing else.
 *
 *  - transactions with witnesses: bounded parsing, serialization, txid/wtxid, weight/vsize;
 *  - signature hashes: BIP-143 (segwit v0) and BIP-341/342 (taproot key and script path);
 *  - taproot: tapleaf/tapbranch hashes, output-key tweak, control blocks;
 *  - addresses: bech32/bech32m (BIP-173/350) for mainnet, testnet, signet, regtest;
 *  - keys and signatures through libsecp256k1: BIP-340 Schnorr, ECDSA (low-S, DER), key files;
 *  - Via inscriptions: the tapscript envelope of docs/sources.md: via-inscriptions, its parser,
 * OP_RETURN deposits, and the commit/reveal transaction builder;
 *  - MuSig2 (BIP-327): key aggregation with tweaks, nonces, partial signatures, aggregation.
 *
 * Conventions. Every function returning int returns a via_status (0 = ok). Functions that
 * read outside bytes take a via_error (may be NULL) that receives a message naming what was
 * wrong and where; on failure their outputs are cleared. NULL pointers where the contract needs
 * a value are bugs and are asserted. Hashes and txids are in internal byte order (as hashed);
 * display hex is the reverse (via_btc_txid_to_hex). Public keys are 33-byte compressed SEC
 * encodings unless named xonly (32 bytes, BIP-340). Secret keys are 32 bytes big-endian; every
 * function that derives from a secret wipes its own copies before returning. */
#ifndef VIA_BITCOIN_H
#define VIA_BITCOIN_H
#include <stddef.h>
#include <stdint.h>

#include "via/hex.h"
#include "via/mem.h"
#include "via/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes and errors: via/status.h (the one system of every Via library). Functions
 * return a via_status and fill a via_error (may be NULL) naming what was wrong. */
/* ------------------------------------------------------------------------------------------ */
/* Networks                                                                                   */

typedef enum {
    VIA_BTC_MAINNET = 0, /* hrp "bc",   WIF prefix 0x80 */
    VIA_BTC_TESTNET = 1, /* hrp "tb",   WIF prefix 0xef */
    VIA_BTC_SIGNET = 2,  /* hrp "tb",   WIF prefix 0xef */
    VIA_BTC_REGTEST = 3, /* hrp "bcrt", WIF prefix 0xef */
} via_btc_network;

/* Parses "mainnet"/"bitcoin", "testnet"/"testnet4", "signet", "regtest". */
VIA_MUST_USE int via_btc_network_parse(via_btc_network *out, const char *name, via_error *err);
const char *via_btc_network_name(via_btc_network net);
const char *via_btc_network_hrp(via_btc_network net);

/* ------------------------------------------------------------------------------------------ */
/* Hex and hashes                                                                             */

/* Hex itself is via/hex.h. */
/* Display form of a txid/block hash: the reversed bytes as hex (65 bytes with NUL). */
void via_btc_txid_to_hex(char out[65], const uint8_t txid[32]);
/* Parses a display-order txid into internal order. */
VIA_MUST_USE int via_btc_txid_from_hex(uint8_t txid[32], const char *hex, via_error *err);

void via_btc_sha256(uint8_t out[32], const uint8_t *data, size_t len);
void via_btc_sha256d(uint8_t out[32], const uint8_t *data, size_t len);
/* BIP-340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data). */
void via_btc_tagged_hash(uint8_t out[32], const char *tag, const uint8_t *data, size_t len);
/* RIPEMD160(SHA256(data)). */
void via_btc_hash160(uint8_t out[20], const uint8_t *data, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Transactions                                                                               */

/* Parser bounds: anything larger is rejected as VIA_EFORMAT. */
#define VIA_BTC_MAX_TX_SIZE 4000000u     /* bytes of a serialized transaction */
#define VIA_BTC_MAX_SCRIPT_SIZE 10000u   /* scriptSig / scriptPubKey bytes */
#define VIA_BTC_MAX_WITNESS_ITEM 4000000u
#define VIA_BTC_MAX_SCRIPT_ELEMENT 520u  /* consensus limit on one pushed element */

typedef struct {
    uint8_t *data; /* owned by the transaction; NULL when len == 0 */
    size_t len;
} via_btc_bytes;

typedef struct {
    uint8_t prev_txid[32]; /* internal order */
    uint32_t prev_vout;
    via_btc_bytes script_sig;
    uint32_t sequence;
    size_t n_witness;
    via_btc_bytes *witness; /* n_witness items */
} via_btc_txin;

typedef struct {
    uint64_t value; /* satoshis */
    via_btc_bytes script_pubkey;
} via_btc_txout;

/* A transaction owns every buffer it points to. Initialise with via_btc_tx_init, release
 * with via_btc_tx_free (safe to call twice). */
typedef struct {
    uint32_t version;
    uint32_t locktime;
    size_t n_in;
    via_btc_txin *in;
    size_t n_out;
    via_btc_txout *out;
} via_btc_tx;

void via_btc_tx_init(via_btc_tx *tx); /* version 2, locktime 0, no inputs or outputs */
void via_btc_tx_free(via_btc_tx *tx);
VIA_MUST_USE int via_btc_tx_copy(via_btc_tx *dst, const via_btc_tx *src);

/* Append an input with an empty scriptSig and no witness. */
VIA_MUST_USE int via_btc_tx_add_input(via_btc_tx *tx, const uint8_t prev_txid[32],
                                      uint32_t prev_vout, uint32_t sequence);
/* Append an output; script is copied. */
VIA_MUST_USE int via_btc_tx_add_output(via_btc_tx *tx, uint64_t value, const uint8_t *script,
                                       size_t script_len);
/* Replace input idx's witness with n items (copied). */
VIA_MUST_USE int via_btc_tx_set_witness(via_btc_tx *tx, size_t idx, size_t n,
                                        const uint8_t *const *items, const size_t *lens);

/* Parse a serialized transaction (with or without segwit marker). The whole buffer must be
 * consumed. On failure tx is left empty (initialised) and err says which field at which byte
 * offset was wrong. tx must be initialised or freed beforehand; its old content is released. */
VIA_MUST_USE int via_btc_tx_parse(via_btc_tx *tx, const uint8_t *raw, size_t len, via_error *err);

/* Serialized size, with witnesses when with_witness and any input has one. */
size_t via_btc_tx_size(const via_btc_tx *tx, int with_witness);
/* Serialize into a malloc'd buffer (caller frees). */
VIA_MUST_USE int via_btc_tx_serialize(uint8_t **out, size_t *out_len, const via_btc_tx *tx,
                                      int with_witness);

void via_btc_tx_txid(uint8_t txid[32], const via_btc_tx *tx);   /* internal order */
void via_btc_tx_wtxid(uint8_t wtxid[32], const via_btc_tx *tx); /* internal order */
size_t via_btc_tx_weight(const via_btc_tx *tx);                 /* 3*base + total */
size_t via_btc_tx_vsize(const via_btc_tx *tx);                  /* ceil(weight/4) */

/* ------------------------------------------------------------------------------------------ */
/* Signature hashes                                                                           */

#define VIA_BTC_SIGHASH_DEFAULT 0x00 /* taproot only: like ALL, signature stays 64 bytes */
#define VIA_BTC_SIGHASH_ALL 0x01
#define VIA_BTC_SIGHASH_NONE 0x02
#define VIA_BTC_SIGHASH_SINGLE 0x03
#define VIA_BTC_SIGHASH_ANYONECANPAY 0x80

/* BIP-143 digest of input idx, spending an output of `amount` sats with script_code (for
 * P2WPKH: OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG). Any hash type byte is accepted
 * as consensus does; SINGLE without a matching output hashes outputs as zero. */
VIA_MUST_USE int via_btc_sighash_v0(uint8_t out[32], const via_btc_tx *tx, size_t idx,
                                    const uint8_t *script_code, size_t script_code_len,
                                    uint64_t amount, uint32_t hash_type, via_error *err);

/* P2WPKH script code for a compressed public key. */
void via_btc_p2wpkh_script_code(uint8_t out[25], const uint8_t pubkey[33]);

/* Optional BIP-341/342 inputs: annex (NULL when absent; must start with 0x50) and, for a
 * script-path spend, the tapleaf hash and the position of the last executed OP_CODESEPARATOR
 * (0xffffffff when none). */
typedef struct {
    const uint8_t *annex;
    size_t annex_len;
    const uint8_t *tapleaf_hash; /* NULL: key-path spend */
    uint32_t codesep_pos;
} via_btc_taproot_ext;

/* BIP-341 digest of input idx; spent[i] is the output spent by input i (n_spent == tx->n_in).
 * hash_type must be 0x00-0x03 or 0x81-0x83; SINGLE without a matching output is an error. */
VIA_MUST_USE int via_btc_sighash_taproot(uint8_t out[32], const via_btc_tx *tx, size_t idx,
                                         const via_btc_txout *spent, size_t n_spent,
                                         uint32_t hash_type, const via_btc_taproot_ext *ext,
                                         via_error *err);
/* The BIP-341 SigMsg (with the leading epoch byte 0x00) that via_btc_sighash_taproot hashes
 * with the "TapSighash" tag, same arguments and errors. It holds the precomputed
 * sha_prevouts/sha_amounts/sha_scriptpubkeys/sha_sequences/sha_outputs the hash type uses.
 * *msg is malloc'd and owned by the caller (free()); NULL with *msg_len = 0 on failure. */
VIA_MUST_USE int via_btc_sigmsg_taproot(uint8_t **msg, size_t *msg_len, const via_btc_tx *tx,
                                        size_t idx, const via_btc_txout *spent, size_t n_spent,
                                        uint32_t hash_type, const via_btc_taproot_ext *ext,
                                        via_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Keys and signatures                                                                        */

/* Parses one secret key: 64 hex characters, or WIF (base58check, compressed or not). The
 * network of a WIF key is returned in *net when net is non-NULL (mainnet or testnet; the
 * latter stands for testnet, signet and regtest); for hex *net is left unchanged. The text
 * is wiped from internal copies. Rejects zero and keys >= the group order. */
VIA_MUST_USE int via_btc_seckey_parse(uint8_t seckey[32], via_btc_network *net, const char *text,
                                      via_error *err);
/* Reads a key file holding one key as above (surrounding whitespace allowed). */
VIA_MUST_USE int via_btc_seckey_load_file(uint8_t seckey[32], via_btc_network *net,
                                          const char *path, via_error *err);
/* Encodes a secret key as compressed WIF for net (out holds at least 53 bytes). */
VIA_MUST_USE int via_btc_seckey_to_wif(char *out, size_t cap, const uint8_t seckey[32],
                                       via_btc_network net);

VIA_MUST_USE int via_btc_pubkey_from_seckey(uint8_t pubkey[33], const uint8_t seckey[32]);
/* x-only public key and the parity (0 even, 1 odd) of the full point. */
VIA_MUST_USE int via_btc_xonly_from_seckey(uint8_t xonly[32], int *parity,
                                           const uint8_t seckey[32]);
/* Checks that pubkey is a valid compressed point. */
VIA_MUST_USE int via_btc_pubkey_check(const uint8_t pubkey[33], via_error *err);

/* BIP-340. aux_rand may be NULL (treated as 32 zero bytes). */
VIA_MUST_USE int via_btc_schnorr_sign(uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                                      const uint8_t seckey[32], const uint8_t *aux_rand32);
/* VIA_OK when valid, VIA_EINVAL when xonly is not a curve point, else EVERIFY. */
VIA_MUST_USE int via_btc_schnorr_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                                        const uint8_t xonly[32]);

/* ECDSA over a 32-byte digest, RFC6979 nonce, low-S, DER (at most 72 bytes). */
VIA_MUST_USE int via_btc_ecdsa_sign(uint8_t der[72], size_t *der_len, const uint8_t msg[32],
                                    const uint8_t seckey[32]);
VIA_MUST_USE int via_btc_ecdsa_verify(const uint8_t *der, size_t der_len, const uint8_t msg[32],
                                      const uint8_t pubkey[33]);

/* ------------------------------------------------------------------------------------------ */
/* Taproot                                                                                    */

#define VIA_BTC_TAPSCRIPT_LEAF 0xc0
#define VIA_BTC_TAPROOT_MAX_DEPTH 128

/* TapLeaf hash of (leaf_version, script). */
void via_btc_tapleaf_hash(uint8_t out[32], uint8_t leaf_version, const uint8_t *script,
                          size_t script_len);
/* TapBranch hash of two child hashes (sorted lexicographically first). */
void via_btc_tapbranch_hash(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
/* The BIP-341 tweak t = H_TapTweak(P || merkle_root) of internal key P; merkle_root NULL for
 * a key-only output (then t = H_TapTweak(P)). It is not reduced or range-checked here. */
void via_btc_taproot_tweak(uint8_t out[32], const uint8_t internal_xonly[32],
                           const uint8_t *merkle_root);
/* Output key Q = P + H_TapTweak(P || merkle_root) G; merkle_root NULL for a key-only output
 * (BIP-86). parity receives Q's y parity. EINVAL when the internal key is not a point. */
VIA_MUST_USE int via_btc_taproot_output_key(uint8_t output_xonly[32], int *parity,
                                            const uint8_t internal_xonly[32],
                                            const uint8_t *merkle_root, via_error *err);
/* Tweaked secret key for a key-path spend of P2TR(xonly(seckey), merkle_root). */
VIA_MUST_USE int via_btc_taproot_tweak_seckey(uint8_t out[32], const uint8_t seckey[32],
                                              const uint8_t *merkle_root);
/* Control block: (leaf_version | parity) || internal key || path (n_path 32-byte hashes).
 * out must hold 33 + 32*n_path bytes; *out_len receives the length. */
void via_btc_taproot_control_block(uint8_t *out, size_t *out_len, uint8_t leaf_version,
                                   int output_parity, const uint8_t internal_xonly[32],
                                   const uint8_t *path, size_t n_path);
/* Checks that (script, control block) commits to output_xonly (BIP-341 script-path rule). */
VIA_MUST_USE int via_btc_taproot_verify_commitment(const uint8_t output_xonly[32],
                                                   const uint8_t *script, size_t script_len,
                                                   const uint8_t *control, size_t control_len,
                                                   via_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Scripts and addresses                                                                      */

void via_btc_script_p2wpkh(uint8_t out[22], const uint8_t pubkey[33]);
void via_btc_script_p2tr(uint8_t out[34], const uint8_t output_xonly[32]);
/* OP_RETURN with one minimal push of data (len <= 80 for standardness is the caller's
 * business; this accepts up to 520). out must hold len + 4 bytes. */
VIA_MUST_USE int via_btc_script_op_return(uint8_t *out, size_t *out_len, const uint8_t *data,
                                          size_t len);
/* Appends a minimal push of data at out (returns bytes written; out needs len + 5).
 * Empty data -> OP_0; a single byte 1..16 -> OP_1..OP_16; 0x81 -> OP_1NEGATE. */
size_t via_btc_script_push(uint8_t *out, const uint8_t *data, size_t len);

/* Maximum address length + NUL. */
#define VIA_BTC_ADDRESS_MAX 91

/* Segwit address (bech32 for v0, bech32m for v1+) with an explicit hrp. */
VIA_MUST_USE int via_btc_segwit_encode(char out[VIA_BTC_ADDRESS_MAX], const char *hrp, int witver,
                                       const uint8_t *program, size_t prog_len);
/* Decodes addr, whose hrp must equal hrp (case-insensitive); program holds up to 40 bytes. */
VIA_MUST_USE int via_btc_segwit_decode(int *witver, uint8_t program[40], size_t *prog_len,
                                       const char *hrp, const char *addr, via_error *err);
/* Address <-> scriptPubKey for a network (segwit only). script holds up to 42 bytes. */
VIA_MUST_USE int via_btc_address_to_script(uint8_t script[42], size_t *script_len,
                                           via_btc_network net, const char *addr, via_error *err);
VIA_MUST_USE int via_btc_script_to_address(char out[VIA_BTC_ADDRESS_MAX], via_btc_network net,
                                           const uint8_t *script, size_t script_len,
                                           via_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Signing transaction inputs                                                                 */

/* Signs input idx as a P2WPKH spend of `amount` sats (SIGHASH_ALL) and sets its witness to
 * [DER sig || 0x01, pubkey]. */
VIA_MUST_USE int via_btc_sign_p2wpkh(via_btc_tx *tx, size_t idx, uint64_t amount,
                                     const uint8_t seckey[32], via_error *err);
/* Signs input idx as a taproot key-path spend of P2TR(xonly(seckey), merkle_root) and sets
 * the witness to [sig] (64 bytes for DEFAULT, 65 with the hash type byte otherwise). */
VIA_MUST_USE int via_btc_sign_taproot_keypath(via_btc_tx *tx, size_t idx,
                                              const via_btc_txout *spent, size_t n_spent,
                                              const uint8_t seckey[32], const uint8_t *merkle_root,
                                              uint32_t hash_type, const uint8_t *aux_rand32,
                                              via_error *err);
/* Schnorr signature of input idx for a script-path spend of the tapscript `script` (leaf
 * version 0xc0, no code separator) with the untweaked seckey; sig receives 64 bytes, plus the
 * hash type byte when hash_type != DEFAULT (*sig_len = 64 or 65). */
VIA_MUST_USE int via_btc_sign_tapscript(uint8_t sig[65], size_t *sig_len, const via_btc_tx *tx,
                                        size_t idx, const via_btc_txout *spent, size_t n_spent,
                                        const uint8_t *script, size_t script_len,
                                        const uint8_t seckey[32], uint32_t hash_type,
                                        const uint8_t *aux_rand32, via_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Via inscriptions (docs/sources.md: via-inscriptions) */

#define VIA_INSCRIPTION_PROTOCOL "via_inscription_protocol"
#define VIA_MSG_MAX_VERIFIERS 64
#define VIA_MSG_MAX_STRING 520     /* da_identifier: one push */
#define VIA_MSG_MAX_BLOB_ID 2080   /* blob_id: up to four pushes */
#define VIA_MSG_MAX_CALL_DATA 4160 /* L1ToL2 call data: up to eight pushes */

typedef enum {
    VIA_MSG_SYSTEM_BOOTSTRAPPING = 1,   /* "SystemBootstrappingMessage" */
    VIA_MSG_VALIDATOR_ATTESTATION = 2,  /* "ValidatorAttestationMessage" */
    VIA_MSG_L1_BATCH_DA_REFERENCE = 3,  /* "L1BatchDAReferenceMessage" */
    VIA_MSG_PROOF_DA_REFERENCE = 4,     /* "ProofDAReferenceMessage" */
    VIA_MSG_L1_TO_L2 = 5,               /* "L1ToL2Message" (deposit by inscription) */
} via_msg_type;

/* The wire tag of a message type (NULL for an unknown value). */
const char *via_msg_type_tag(via_msg_type type);

typedef struct {
    uint32_t start_block_height;
    uint8_t protocol_version[32]; /* BE U256 */
    uint8_t bootloader_hash[32];
    uint8_t abstract_account_hash[32];
    uint8_t snark_wrapper_vk_hash[32];
    uint8_t evm_emulator_hash[32];
    char governance_address[VIA_BTC_ADDRESS_MAX];
    char sequencer_address[VIA_BTC_ADDRESS_MAX];
    char bridge_address[VIA_BTC_ADDRESS_MAX];
    size_t n_verifiers;
    char verifier_addresses[VIA_MSG_MAX_VERIFIERS][VIA_BTC_ADDRESS_MAX];
} via_msg_bootstrap;

typedef struct {
    uint8_t l1_batch_hash[32];
    uint32_t l1_batch_index;
    char da_identifier[VIA_MSG_MAX_STRING + 1];
    char blob_id[VIA_MSG_MAX_BLOB_ID + 1];
    uint8_t prev_l1_batch_hash[32];
} via_msg_batch_da_ref;

typedef struct {
    uint8_t l1_batch_reveal_txid[32]; /* internal order */
    char da_identifier[VIA_MSG_MAX_STRING + 1];
    char blob_id[VIA_MSG_MAX_BLOB_ID + 1];
} via_msg_proof_da_ref;

typedef struct {
    uint8_t reference_txid[32]; /* internal order: the ProofDAReference reveal txid */
    int vote_ok;                /* 1 = OP_1 (Ok), 0 = OP_0 (NotOk) */
} via_msg_attestation;

typedef struct {
    uint8_t receiver_l2_address[20];
    uint8_t l2_contract_address[20];
    size_t call_data_len;
    uint8_t call_data[VIA_MSG_MAX_CALL_DATA];
} via_msg_l1_to_l2;

typedef struct {
    via_msg_type type;
    union {
        via_msg_bootstrap bootstrap;
        via_msg_batch_da_ref batch_da_ref;
        via_msg_proof_da_ref proof_da_ref;
        via_msg_attestation attestation;
        via_msg_l1_to_l2 l1_to_l2;
    } u;
} via_msg;

/* Builds the leaf script <xonly> OP_CHECKSIG OP_FALSE OP_IF "via_inscription_protocol" <tag>
 * <fields...> OP_ENDIF with minimal pushes into a malloc'd buffer. Every field is one push
 * except the last variable-length field of a message (blob_id of the two DA references,
 * call_data of L1ToL2), which is split into consecutive pushes of at most 520 bytes when
 * longer (the reference implementation cannot carry such fields at all; for fields of at
 * most 520 bytes both encodings are the same). Strings (da_identifier, blob_id) must be
 * printable ASCII. Addresses in a bootstrapping message must decode for net. */
VIA_MUST_USE int via_msg_envelope_script(uint8_t **script, size_t *script_len,
                                         const uint8_t xonly[32], const via_msg *msg,
                                         via_btc_network net, via_error *err);

/* Parses a tapscript. Returns VIA_ENOTFOUND when the script holds no Via envelope
 * (foreign inscriptions, ordinary scripts), VIA_EFORMAT with a reason when it does hold
 * one that is malformed (unknown tag, missing or mis-sized field, non-minimal push,
 * truncated script, address for another network). signer_xonly (may be NULL) receives the
 * key the leaf checks. */
VIA_MUST_USE int via_msg_envelope_parse(via_msg *msg, uint8_t signer_xonly[32],
                                        const uint8_t *script, size_t script_len,
                                        via_btc_network net, via_error *err);

/* Deposit by OP_RETURN (docs/sources.md: via-deposits form A): an output script OP_RETURN <push 20
 * bytes>. VIA_OK and the receiver when script is exactly such an output whose payload does not
 * start with "VIA_"; ENOTFOUND when it is not an OP_RETURN or carries a VIA_ prefix;
 * EFORMAT when it is an OP_RETURN whose payload is not a single 20-byte push. */
VIA_MUST_USE int via_deposit_op_return_parse(uint8_t receiver[20], const uint8_t *script,
                                             size_t script_len, via_error *err);

/* Deposit to a rollup account (docs/protocol.md "Deposits"): an output script OP_RETURN
 * <push 36 bytes> whose payload is the account id (u32 big-endian) followed by the account's
 * packed BabyJubJub public key (32 bytes, circomlibjs packPoint). VIA_OK and the payload for
 * exactly that; ENOTFOUND when the script is not an OP_RETURN or its payload is not one push
 * of 36 bytes (the key itself is checked by the reader, which knows the curve). */
#define VIA_DEPOSIT_ROLLUP_LEN 36
VIA_MUST_USE int via_deposit_rollup_parse(uint8_t payload[VIA_DEPOSIT_ROLLUP_LEN],
                                          const uint8_t *script, size_t script_len, via_error *err);

/* Deposits (docs/sources.md: via-deposits): a transaction with outputs paying the bridge script and
 * a receiver named either by an OP_RETURN (form A) or by an L1ToL2 inscription in the same
 * transaction (form B; the inscription wins when both are present). */
#define VIA_DEPOSIT_MIN_SATS 3600u

typedef struct {
    uint64_t amount;      /* sum of all outputs paying the bridge */
    uint32_t bridge_vout; /* first output paying the bridge (priority id uses it) */
    uint8_t receiver[20];
    int by_inscription; /* 1: form B, 0: form A */
} via_deposit;

/* ENOTFOUND when no output pays the bridge or no receiver is named; EFORMAT when the Via data
 * is malformed; EINVAL when the deposit is below VIA_DEPOSIT_MIN_SATS or the receiver is a
 * system address (<= 0xffff). */
VIA_MUST_USE int via_deposit_find(via_deposit *out, const via_btc_tx *tx,
                                  const uint8_t *bridge_script, size_t bridge_script_len,
                                  via_btc_network net, via_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Commit/reveal inscription transactions (docs/sources.md: via-commit-reveal) */

typedef struct {
    uint8_t txid[32]; /* internal order */
    uint32_t vout;
    uint64_t value;
} via_btc_utxo;

#define VIA_INSCRIPTION_COMMIT_VALUE 330u /* P2TR dust: value locked in the commit output */

typedef struct {
    via_btc_tx commit; /* in: utxos (P2WPKH or BIP-86 P2TR of the key); out0 change (P2WPKH),
                          out1 P2TR(envelope) */
    via_btc_tx reveal; /* in0 commit:0 (P2WPKH), in1 commit:1 (script path); out0 change
                          [, out1 recipient] */
    uint8_t *script;   /* the envelope leaf (owned) */
    size_t script_len;
    uint64_t commit_fee, reveal_fee;
} via_inscription;

void via_inscription_free(via_inscription *ins);

/* Builds and signs commit and reveal for msg, inscribed by seckey (whose P2WPKH owns every
 * utxo). Fees are vsize (with maximal-size signatures) times fee_rate (sat/vB), rounded up.
 * recipient (may be NULL) is an extra reveal output (e.g. the bridge for an L1ToL2 deposit).
 * EINVAL when the utxos do not cover fees, the commit output, the recipient and dust change
 * (546 sats for P2WPKH change: change below that is an error, not dropped). */
VIA_MUST_USE int via_inscription_build(via_inscription *out, const uint8_t seckey[32],
                                       const via_msg *msg, via_btc_network net,
                                       const via_btc_utxo *utxos, size_t n_utxos, uint64_t fee_rate,
                                       const via_btc_txout *recipient, via_error *err);

/* How the inscriber's key owns a funding utxo. */
typedef enum {
    VIA_INSCRIPTION_FUND_P2WPKH = 0, /* P2WPKH(pubkey): BIP-143 ECDSA, SIGHASH_ALL */
    VIA_INSCRIPTION_FUND_P2TR = 1,   /* BIP-86 P2TR: output key = xonly(seckey) tweaked by
                                        H_TapTweak(P) (no script tree); key-path BIP-340
                                        signature over the BIP-341 sighash, SIGHASH_DEFAULT
                                        (64-byte witness) */
} via_inscription_fund;

/* As via_inscription_build, with kinds[i] (a via_inscription_fund) saying how utxos[i] is
 * owned; kinds NULL means every utxo is P2WPKH. The change and the reveal are the same as
 * with via_inscription_build (change to the key's P2WPKH, so the reveal's sender is the
 * key's P2WPKH, docs/sources.md: via-indexer). EINVAL for an unknown kind. */
VIA_MUST_USE int via_inscription_build_ex(via_inscription *out, const uint8_t seckey[32],
                                          const via_msg *msg, via_btc_network net,
                                          const via_btc_utxo *utxos, const uint8_t *kinds,
                                          size_t n_utxos, uint64_t fee_rate,
                                          const via_btc_txout *recipient, via_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Finding Via data in a transaction                                                          */

typedef struct {
    size_t input;            /* input whose witness held the envelope */
    uint8_t signer_xonly[32];
    via_msg msg;
} via_tx_message;

/* Every input with >= 3 witness items (annex removed) whose second-to-last item is a
 * tapscript carrying a Via envelope is parsed. Foreign scripts are skipped. Returns at most
 * cap messages into out (*n gets the count found, which may exceed cap). A malformed Via
 * envelope makes the whole call fail with EFORMAT naming the input. */
VIA_MUST_USE int via_tx_find_messages(via_tx_message *out, size_t cap, size_t *n,
                                      const via_btc_tx *tx, via_btc_network net, via_error *err);

/* The P2WPKH sender of a transaction (docs/sources.md: via-indexer): the pubkey of the last input
 * with a 2-item witness whose second item is a valid compressed key. ENOTFOUND if none. */
VIA_MUST_USE int via_tx_sender_pubkey(uint8_t pubkey[33], const via_btc_tx *tx);

/* ------------------------------------------------------------------------------------------ */
/* MuSig2 (BIP-327)                                                                           */

#define VIA_MUSIG_MAX_SIGNERS 64

/* Key aggregation context: the aggregate point Q with the accumulated sign gacc and tweak
 * tacc, plus what a signer needs to recompute key coefficients (list hash, second key) and
 * the key list itself (signing checks membership). */
typedef struct {
    size_t n_keys;
    uint8_t keys[VIA_MUSIG_MAX_SIGNERS][33];
    uint8_t q[33];    /* compressed aggregate point (after tweaks) */
    int gacc_neg;     /* gacc = -1 when set, else 1 */
    uint8_t tacc[32]; /* scalar */
    uint8_t list_hash[32];
    uint8_t second_key[33]; /* all zero when every key equals the first */
} via_musig_keyagg;

/* KeyAgg over n (1..VIA_MUSIG_MAX_SIGNERS) compressed public keys in the given order. EINVAL
 * names a key that is not a point, or says the aggregate is at infinity. */
VIA_MUST_USE int via_musig_keyagg_init(via_musig_keyagg *ctx, const uint8_t (*pubkeys)[33],
                                       size_t n, via_error *err);
/* Apply a plain (is_xonly = 0) or x-only (BIP-341 style) tweak. */
VIA_MUST_USE int via_musig_keyagg_tweak(via_musig_keyagg *ctx, const uint8_t tweak[32],
                                        int is_xonly, via_error *err);
void via_musig_keyagg_xonly(uint8_t out[32], const via_musig_keyagg *ctx);

/* The secret half of a nonce. Opaque: it lives in memory this library allocates, cannot be
 * copied by value, saved or loaded, and signs once: via_musig_partial_sign consumes it with
 * an atomic exchange (two threads holding the same pointer cannot both sign; the loser gets
 * VIA_ENONCE_USED) and wipes its scalars. Free with via_musig_secnonce_free (wipes). */
typedef struct via_musig_secnonce via_musig_secnonce;

/* NonceGen with rand' from the OS CSPRNG into a new *secnonce (NULL on failure). seckey,
 * aggpk (32-byte x-only), msg and extra_in are optional (NULL); msg_present distinguishes "no
 * message" from an empty message. No secret byte is left in freed memory. */
VIA_MUST_USE int via_musig_nonce_gen(via_musig_secnonce **secnonce, uint8_t pubnonce[66],
                                     const uint8_t *seckey, const uint8_t pubkey[33],
                                     const uint8_t *aggpk, const uint8_t *msg, size_t msg_len,
                                     int msg_present, const uint8_t *extra_in, size_t extra_len,
                                     via_error *err);
/* Wipes and frees; NULL is ignored. */
void via_musig_secnonce_free(via_musig_secnonce *secnonce);

/* NonceAgg. *bad_signer (may be NULL) receives the index of an invalid pubnonce. */
VIA_MUST_USE int via_musig_nonce_agg(uint8_t aggnonce[66], const uint8_t (*pubnonces)[66], size_t n,
                                     size_t *bad_signer, via_error *err);

/* Session values derived from the key context, aggregate nonce and message. */
typedef struct {
    via_musig_keyagg keyagg;
    uint8_t b[32];
    uint8_t r_xonly[32];
    int r_odd;
    uint8_t e[32];
} via_musig_session;

VIA_MUST_USE int via_musig_session_init(via_musig_session *s, const via_musig_keyagg *keyagg,
                                        const uint8_t aggnonce[66], const uint8_t *msg,
                                        size_t msg_len, via_error *err);
/* Sign: consumes secnonce whatever the outcome (it stays allocated until freed). EINVAL if seckey
 * does not match the nonce's public key or is not in the key list (coefficient mismatch is caught
 * by the self-check, which returns EVERIFY). */
VIA_MUST_USE int via_musig_partial_sign(uint8_t psig[32], via_musig_secnonce *secnonce,
                                        const uint8_t seckey[32], const via_musig_session *s,
                                        via_error *err);
VIA_MUST_USE int via_musig_partial_verify(const uint8_t psig[32], const uint8_t pubnonce[66],
                                          const uint8_t pubkey[33], const via_musig_session *s,
                                          via_error *err);
/* PartialSigAgg to a BIP-340 signature valid for via_musig_keyagg_xonly. *bad_signer gets
 * the index of a partial signature that is not a scalar. */
VIA_MUST_USE int via_musig_partial_agg(uint8_t sig[64], const uint8_t (*psigs)[32], size_t n,
                                       const via_musig_session *s, size_t *bad_signer,
                                       via_error *err);

#ifdef __cplusplus
}
#endif
#endif
