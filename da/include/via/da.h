/*
 * Data availability: one interface over the backends the rollup publishes to. put stores a
 * blob and returns its reference; get(reference) returns the bytes after checking that their
 * BLAKE2s-256 hash is the one the reference carries, so a backend that returns other bytes is
 * caught (VIA_EVERIFY), whatever it is.
 *
 * Backends:
 *   postgres  blobs in the table via_da_blobs of a PostgreSQL database, content-addressed
 *             (the default: a single machine needs nothing else);
 *   celestia  a Celestia node's JSON-RPC (blob.Submit, blob.GetAll, blob.Get) with a bearer
 *             token, in the namespace given (version 0), retried with backoff behind a circuit
 *             breaker (via_rpc).
 *
 * References (docs/protocol.md, "DA references"): binary, for inscriptions,
 *   postgres: 0x00 || hash (33 bytes)
 *   celestia: 0x01 || hash || height u64 BE || commitment (73 bytes)
 * and as text, for logs and the CLI: "postgres:<hash hex>" and
 * "celestia:<height>:<commitment hex>:<hash hex>".
 */
#ifndef VIA_DA_H
#define VIA_DA_H
#include <stddef.h>
#include <stdint.h>

#include "via/status.h"

#define VIA_DA_REF_MAX 73
#define VIA_DA_REF_TEXT_MAX 200
#define VIA_DA_CELESTIA_MAX_BLOB 1973786u /* bytes in one blob (Celestia's default limit) */
#define VIA_DA_PG_MAX_BLOB (64u << 20)

typedef enum { VIA_DA_POSTGRES = 0, VIA_DA_CELESTIA = 1 } via_da_backend;

typedef struct {
    via_da_backend backend;
    uint8_t hash[32];       /* BLAKE2s-256 of the bytes */
    uint64_t height;        /* celestia: the block the blob is in */
    uint8_t commitment[32]; /* celestia: the blob's share commitment */
} via_da_ref;

/* Encodings; the decoders refuse anything but the exact forms above (VIA_EFORMAT). */
size_t via_da_ref_encode(uint8_t out[VIA_DA_REF_MAX], const via_da_ref *r);
VIA_MUST_USE int via_da_ref_decode(via_da_ref *r, const uint8_t *in, size_t len, via_error *err);
void via_da_ref_text(char out[VIA_DA_REF_TEXT_MAX], const via_da_ref *r);
VIA_MUST_USE int via_da_ref_parse(via_da_ref *r, const char *text, via_error *err);

/* BLAKE2s-256. */
void via_da_hash(uint8_t out[32], const uint8_t *data, size_t len);

typedef struct via_da via_da;

/* The PostgreSQL backend (creates its table when missing). */
VIA_MUST_USE int via_da_open_postgres(via_da **out, const char *conninfo, via_error *err);

typedef struct {
    const char *url;             /* the node's JSON-RPC endpoint, e.g. "http://127.0.0.1:26658" */
    const char *token;           /* bearer token (NULL: none) */
    const uint8_t *namespace_id; /* 10 bytes of the version-0 namespace ID [VIA\0\0\0\0\0\0\0] */
    int max_retries;             /* [4] */
    long timeout_ms;             /* per attempt [60000] */
    int breaker_threshold;       /* [5] */
    long breaker_cooldown_ms;    /* [30000] */
} via_da_celestia_config;

VIA_MUST_USE int via_da_open_celestia(via_da **out, const via_da_celestia_config *cfg,
                                      via_error *err);
void via_da_close(via_da *da);
via_da_backend via_da_kind(const via_da *da);

/* Stores data; *ref identifies it. VIA_EINVAL for a blob over the backend's limit. */
VIA_MUST_USE int via_da_put(via_da *da, const uint8_t *data, size_t len, via_da_ref *ref,
                            via_error *err);
/* Fetches and checks: VIA_ENOTFOUND when the backend has no such blob, VIA_EVERIFY when the
 * bytes it returns do not hash to the reference (nothing is returned then), VIA_EINVAL for a
 * reference of another backend. *data is malloc'd. */
VIA_MUST_USE int via_da_get(via_da *da, const via_da_ref *ref, uint8_t **data, size_t *len,
                            via_error *err);
#endif
