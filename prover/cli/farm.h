/* Shared pieces of the farm node (`via-prover run`) and the queue admin commands
 * (`via-prover queue`): proving keys by circuit id with their hashes, job inputs turned into
 * witnesses, and the result encoding (docs/farm.md). */
#ifndef VIA_CLI_FARM_H
#define VIA_CLI_FARM_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "via/groth16.h"
#include "via/msm.h"
#include "via/status.h"
#include "via/zkey.h"

/* Circuit ids: 1 to 64 of [A-Za-z0-9._-], not starting with '.'; the key is
 * <keys dir>/<circuit id>.zkey and its hash the BLAKE2b-256 of that file's bytes. */
int via_farm_circuit_id_valid(const char *id);
VIA_MUST_USE int via_farm_key_path(char *out, size_t cap, const char *dir, const char *id,
                                   via_error *err);
VIA_MUST_USE int via_farm_file_hash(const char *path, uint8_t hash[32], via_error *err);

/* A proving key loaded once, shared by every thread of a node. */
typedef struct {
    char id[65];
    char path[4096];
    uint8_t hash[32];
    via_zkey z;
    via_groth16_pk pk;
    via_groth16_vk vk;
    int state; /* 0 not loaded, 1 loaded, -1 failed (err says why) */
    via_error err;
} via_farm_key;

typedef struct {
    char dir[4096];
    via_farm_key *keys;
    size_t n;
    pthread_mutex_t mu;
} via_farm_keys;

/* Lists the <dir>/<id>.zkey files (ids that are valid circuit ids); loads nothing yet. */
VIA_MUST_USE int via_farm_keys_open(via_farm_keys *k, const char *dir, via_error *err);
void via_farm_keys_close(via_farm_keys *k);
/* The key for id, loaded (file read and hashed) on first use; NULL with err when there is no
 * such key or it cannot be loaded. */
via_farm_key *via_farm_keys_get(via_farm_keys *k, const char *id, via_error *err);

/* A job's input as a witness for key: a .wtns file (magic "wtns") or a chunk's witness input
 * JSON (docs/protocol.md), expanded natively. *w is malloc'd (canonical values, w[0] = 1),
 * *nw its length, checked against the key. Errors name what is wrong with the input. */
VIA_MUST_USE int via_farm_witness(const uint8_t *input, size_t len, const via_farm_key *key,
                                  via_scalar **w, size_t *nw, via_error *err);

/* A chunk job's result: {"proof": <snarkjs proof.json>, "public": <public.json>}. */
char *via_farm_result_json(const via_groth16_proof *proof, const via_scalar *pub, size_t npub);
VIA_MUST_USE int via_farm_result_parse(const uint8_t *data, size_t len, const char *name,
                                       via_groth16_proof *proof, via_scalar **pub, size_t *npub,
                                       via_error *err);
#endif
