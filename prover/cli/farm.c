/* Keys by circuit id, job inputs to witnesses, results; see farm.h. */
#include "farm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "via/blake2b.h"
#include "via/chunk.h"
#include "via/cs.h"
#include "via/jsonio.h"
#include "via/runtime.h"
#include "via/wtns.h"

int via_farm_circuit_id_valid(const char *id) {
    size_t n = strlen(id);
    if (n < 1 || n > 64 || id[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int via_farm_key_path(char *out, size_t cap, const char *dir, const char *id, via_error *err) {
    if (!via_farm_circuit_id_valid(id))
        return via_fail(err, VIA_EINVAL,
                        "circuit id '%s': 1 to 64 characters of A-Z a-z 0-9 . _ -, not starting "
                        "with '.'",
                        id);
    if ((size_t)snprintf(out, cap, "%s/%s.zkey", dir, id) >= cap)
        return via_fail(err, VIA_EINVAL, "key path for %s is too long", id);
    return VIA_OK;
}

int via_farm_file_hash(const char *path, uint8_t hash[32], via_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return via_fail(err, VIA_EIO, "%s: cannot open", path);
    via_blake2b_ctx c;
    via_blake2b_init(&c, 32);
    uint8_t *buf = malloc(1 << 20);
    if (!buf) {
        fclose(f);
        return via_fail(err, VIA_ENOMEM, "%s: hashing", path);
    }
    size_t got;
    while ((got = fread(buf, 1, 1 << 20, f)) > 0)
        via_blake2b_update(&c, buf, got);
    int bad = ferror(f);
    fclose(f);
    free(buf);
    if (bad) return via_fail(err, VIA_EIO, "%s: read failed", path);
    via_blake2b_final(&c, hash);
    return VIA_OK;
}

int via_farm_keys_open(via_farm_keys *k, const char *dir, via_error *err) {
    memset(k, 0, sizeof *k);
    pthread_mutex_init(&k->mu, NULL);
    snprintf(k->dir, sizeof k->dir, "%s", dir);
    DIR *d = opendir(dir);
    if (!d) return via_fail(err, VIA_EIO, "--keys %s: cannot open the folder", dir);
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= 5 || strcmp(e->d_name + l - 5, ".zkey") != 0) continue;
        char id[80];
        if (l - 5 >= sizeof id) continue;
        memcpy(id, e->d_name, l - 5);
        id[l - 5] = 0;
        if (!via_farm_circuit_id_valid(id)) continue;
        if (k->n == cap) {
            cap = cap ? 2 * cap : 8;
            via_farm_key *nk = realloc(k->keys, cap * sizeof *nk);
            if (!nk) {
                closedir(d);
                return via_fail(err, VIA_ENOMEM, "--keys %s", dir);
            }
            k->keys = nk;
        }
        via_farm_key *key = &k->keys[k->n++];
        memset(key, 0, sizeof *key);
        snprintf(key->id, sizeof key->id, "%s", id);
        snprintf(key->path, sizeof key->path, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    return VIA_OK;
}

void via_farm_keys_close(via_farm_keys *k) {
    for (size_t i = 0; i < k->n; i++)
        if (k->keys[i].state == 1) {
            via_groth16_vk_free(&k->keys[i].vk);
            via_zkey_free(&k->keys[i].z);
        }
    free(k->keys);
    pthread_mutex_destroy(&k->mu);
    memset(k, 0, sizeof *k);
}

typedef struct {
    const char *path;
    uint8_t *hash;
    int rc;
    via_error err;
} hash_job;

static void *hash_thread(void *arg) {
    hash_job *h = arg;
    h->rc = via_farm_file_hash(h->path, h->hash, &h->err);
    return NULL;
}

via_farm_key *via_farm_keys_get(via_farm_keys *k, const char *id, via_error *err) {
    pthread_mutex_lock(&k->mu);
    via_farm_key *key = NULL;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->keys[i].id, id) == 0) key = &k->keys[i];
    if (!key) {
        pthread_mutex_unlock(&k->mu);
        via_fail(err, VIA_ENOTFOUND, "unknown circuit '%s': no %s/%s.zkey on this node", id, k->dir,
                 id);
        return NULL;
    }
    if (key->state == 0) {
        /* the hash (a second pass over the file) runs beside the reading and point checks */
        hash_job h = {key->path, key->hash, 0, {0}};
        pthread_t th;
        int threaded = pthread_create(&th, NULL, hash_thread, &h) == 0;
        if (!threaded) hash_thread(&h);
        int rc = via_zkey_read(&key->z, key->path, &key->err);
        if (threaded) pthread_join(th, NULL);
        if (!rc && h.rc) {
            via_zkey_free(&key->z);
            rc = h.rc;
            key->err = h.err;
        }
        if (!rc) {
            via_groth16_pk_from_zkey(&key->pk, &key->z);
            rc = via_groth16_vk_from_zkey(&key->vk, &key->z, &key->err);
            if (rc) via_zkey_free(&key->z);
        }
        key->state = rc ? -1 : 1;
    }
    pthread_mutex_unlock(&k->mu);
    if (key->state != 1) {
        via_fail(err, key->err.code ? key->err.code : VIA_EIO, "circuit '%s': %s", id,
                 key->err.msg);
        return NULL;
    }
    return key;
}

int via_farm_witness(const uint8_t *input, size_t len, const via_farm_key *key, via_scalar **w,
                     size_t *nw, via_error *err) {
    *w = NULL;
    *nw = 0;
    if (len >= 4 && memcmp(input, "wtns", 4) == 0) {
        via_wtns wt;
        int rc = via_wtns_read_mem(&wt, "job input (.wtns)", input, len, err);
        if (rc) return rc;
        if (wt.n != key->z.n_vars) {
            via_wtns_free(&wt);
            return via_fail(err, VIA_EINVAL,
                            "job input: the witness has %u values but circuit '%s' has %u wires",
                            wt.n, key->id, key->z.n_vars);
        }
        *w = malloc((size_t)wt.n * sizeof **w);
        if (!*w) {
            via_wtns_free(&wt);
            return via_fail(err, VIA_ENOMEM, "job input");
        }
        memcpy(*w, wt.values, (size_t)wt.n * sizeof **w);
        *nw = wt.n;
        via_wtns_free(&wt);
        return VIA_OK;
    }
    via_chunk_input *in;
    int rc = via_chunk_input_parse(&in, "job input (chunk JSON)", (const char *)input, len, err);
    if (rc) return rc;
    via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
    rc = via_chunk_build_witness(cs, in, 0, NULL, NULL, NULL, err);
    if (!rc && via_cs_n_vars(cs) != key->z.n_vars)
        rc = via_fail(err, VIA_EINVAL,
                      "job input: a chunk of %u slots makes %u wires, but circuit '%s' has %u "
                      "(a key for another chunk size)",
                      via_chunk_input_slots(in), via_cs_n_vars(cs), key->id, key->z.n_vars);
    if (!rc) {
        uint32_t n = via_cs_n_vars(cs);
        const via_fr *v = via_cs_witness(cs);
        *w = malloc((size_t)n * sizeof **w);
        if (!*w)
            rc = via_fail(err, VIA_ENOMEM, "job input: witness of %u values", n);
        else {
            for (uint32_t i = 0; i < n; i++)
                via_fr_to_canon((*w)[i].l, &v[i]);
            *nw = n;
        }
    }
    via_cs_free(cs);
    via_chunk_input_free(in);
    return rc;
}

char *via_farm_result_json(const via_groth16_proof *proof, const via_scalar *pub, size_t npub) {
    char *p = via_proof_to_json(proof), *q = via_public_to_json(pub, npub);
    char *out = NULL;
    if (p && q) {
        size_t n = strlen(p) + strlen(q) + 32;
        out = malloc(n);
        if (out) snprintf(out, n, "{\"proof\": %s, \"public\": %s}", p, q);
    }
    free(p);
    free(q);
    return out;
}

int via_farm_result_parse(const uint8_t *data, size_t len, const char *name,
                          via_groth16_proof *proof, via_scalar **pub, size_t *npub,
                          via_error *err) {
    *pub = NULL;
    *npub = 0;
    json_error_t je;
    json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return via_fail(err, VIA_EFORMAT, "%s: not a chunk job result (JSON object)", name);
    }
    json_t *p = json_object_get(root, "proof"), *q = json_object_get(root, "public");
    int rc = VIA_OK;
    if (!p || !q)
        rc = via_fail(err, VIA_EFORMAT, "%s: the result lacks \"proof\" or \"public\"", name);
    char *ps = rc ? NULL : json_dumps(p, JSON_COMPACT),
         *qs = rc ? NULL : json_dumps(q, JSON_COMPACT);
    if (!rc && (!ps || !qs)) rc = via_fail(err, VIA_ENOMEM, "%s", name);
    if (!rc) rc = via_proof_parse_json(proof, name, ps, strlen(ps), err);
    if (!rc) rc = via_public_parse_json(pub, npub, name, qs, strlen(qs), err);
    free(ps);
    free(qs);
    json_decref(root);
    return rc;
}
