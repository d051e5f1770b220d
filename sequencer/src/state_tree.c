/* The versioned state tree in PostgreSQL; see via/state_tree.h. */
#include "via/state_tree.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/hex.h"
#include "via/poseidon.h"

struct via_state_tree {
    PGconn *pg;
    unsigned depth, cache_from; /* levels cache_from..depth are cached */
    int64_t version, oldest;
    via_fr *cache[VIA_SMT_MAX_DEPTH + 1]; /* cache[k]: 16^(depth-k) nodes of the latest version */
    /* cache updates of an update not yet committed */
    unsigned *p_level;
    uint64_t *p_idx;
    via_fr *p_hash;
    size_t np, cap;
    int pending;
};

static int pg_fail(via_state_tree *t, PGresult *r, const char *what, via_error *err) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(t->pg));
    size_t l = strlen(msg);
    while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
        msg[--l] = 0;
    PQclear(r);
    return via_fail(err, VIA_EDB, "state tree: %s: %s", what, msg);
}

static int exec(via_state_tree *t, const char *what, const char *sql, int n, const char *const *v,
                PGresult **out, via_error *err) {
    PGresult *r = PQexecParams(t->pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_fail(t, r, what, err);
    if (out)
        *out = r;
    else
        PQclear(r);
    return VIA_OK;
}

static void hash_hex(char out[65], const via_fr *h) {
    uint8_t b[32];
    via_fr_to_bytes_le(b, h);
    via_hex_encode(out, b, 32);
}

static int hash_parse(via_fr *h, const char *hex) {
    uint8_t b[32];
    if (strlen(hex) != 64 || via_hex_decode_span(b, hex, 64)) return -1;
    return via_fr_from_bytes_le(h, b);
}

static uint64_t level_size(const via_state_tree *t, unsigned k) {
    return (uint64_t)1 << (4 * (t->depth - k));
}

/* Nodes (level k, idx[i]) at version v: out[i]; absent ones are the empty subtree. */
static int load(via_state_tree *t, unsigned k, const uint64_t *idx, size_t n, int64_t v,
                via_fr *out, via_error *err) {
    const via_fr *empty = via_smt_empty_hash(k);
    for (size_t i = 0; i < n; i++)
        out[i] = *empty;
    if (n == 0) return VIA_OK;
    if (v == t->version && k >= t->cache_from) {
        for (size_t i = 0; i < n; i++)
            out[i] = t->cache[k][idx[i]];
        return VIA_OK;
    }
    size_t cap = 2 + 21 * n;
    char *arr = malloc(cap);
    if (!arr) return via_fail(err, VIA_ENOMEM, "state tree: reading %zu nodes", n);
    size_t pos = 0;
    arr[pos++] = '{';
    for (size_t i = 0; i < n; i++)
        pos += (size_t)snprintf(arr + pos, cap - pos, "%s%" PRIu64, i ? "," : "", idx[i]);
    arr[pos++] = '}';
    arr[pos] = 0;
    char ks[8], vs[24];
    snprintf(ks, sizeof ks, "%u", k);
    snprintf(vs, sizeof vs, "%lld", (long long)v);
    const char *p[3] = {ks, arr, vs};
    PGresult *r = NULL;
    int rc =
        exec(t, "reading nodes",
             "SELECT DISTINCT ON (idx) idx, encode(hash, 'hex') FROM via_tree_nodes"
             " WHERE level = $1::smallint AND idx = ANY($2::bigint[]) AND version <= $3::bigint"
             " ORDER BY idx, version DESC",
             3, p, &r, err);
    free(arr);
    if (rc) return rc;
    for (int row = 0; row < PQntuples(r); row++) {
        uint64_t id = strtoull(PQgetvalue(r, row, 0), NULL, 10);
        via_fr h;
        if (hash_parse(&h, PQgetvalue(r, row, 1))) {
            PQclear(r);
            return via_fail(err, VIA_EDB, "state tree: a stored hash is malformed");
        }
        for (size_t i = 0; i < n; i++)
            if (idx[i] == id) out[i] = h;
    }
    PQclear(r);
    return VIA_OK;
}

static int fill_cache(via_state_tree *t, via_error *err) {
    for (unsigned k = t->cache_from; k <= t->depth; k++) {
        uint64_t m = level_size(t, k);
        const via_fr *empty = via_smt_empty_hash(k);
        for (uint64_t i = 0; i < m; i++)
            t->cache[k][i] = *empty;
    }
    char vs[24], ks[8];
    snprintf(vs, sizeof vs, "%lld", (long long)t->version);
    snprintf(ks, sizeof ks, "%u", t->cache_from);
    const char *p[2] = {ks, vs};
    PGresult *r = NULL;
    int rc = exec(t, "loading the cached levels",
                  "SELECT DISTINCT ON (level, idx) level, idx, encode(hash, 'hex')"
                  " FROM via_tree_nodes WHERE level >= $1::smallint AND version <= $2::bigint"
                  " ORDER BY level, idx, version DESC",
                  2, p, &r, err);
    if (rc) return rc;
    for (int row = 0; row < PQntuples(r); row++) {
        unsigned k = (unsigned)atoi(PQgetvalue(r, row, 0));
        uint64_t i = strtoull(PQgetvalue(r, row, 1), NULL, 10);
        if (k < t->cache_from || k > t->depth || i >= level_size(t, k) ||
            hash_parse(&t->cache[k][i], PQgetvalue(r, row, 2))) {
            PQclear(r);
            return via_fail(err, VIA_EDB, "state tree: a stored node is out of range");
        }
    }
    PQclear(r);
    return VIA_OK;
}

int via_state_tree_open(via_state_tree **out, PGconn *pg, unsigned depth, unsigned cache_levels,
                        via_error *err) {
    *out = NULL;
    if (depth < 1 || depth > VIA_SMT_MAX_DEPTH)
        return via_fail(err, VIA_EINVAL, "state tree: depth %u outside 1..%u", depth,
                        VIA_SMT_MAX_DEPTH);
    if (cache_levels < 1) cache_levels = 1;
    if (cache_levels > depth + 1) cache_levels = depth + 1;
    /* never cache more than 16^4 nodes per level */
    while (cache_levels > 1 && 4 * (cache_levels - 1) > 16)
        cache_levels--;
    via_state_tree *t = calloc(1, sizeof *t);
    if (!t) return via_fail(err, VIA_ENOMEM, "state tree");
    t->pg = pg;
    t->depth = depth;
    t->cache_from = depth + 1 - cache_levels;
    PGresult *cr = PQexec(pg, "SET client_min_messages = warning;"
                              "CREATE TABLE IF NOT EXISTS via_tree_meta ("
                              " id boolean PRIMARY KEY DEFAULT true CHECK (id),"
                              " depth integer NOT NULL, version bigint NOT NULL,"
                              " oldest bigint NOT NULL);"
                              "CREATE TABLE IF NOT EXISTS via_tree_nodes ("
                              " level smallint NOT NULL, idx bigint NOT NULL,"
                              " version bigint NOT NULL,"
                              " hash bytea NOT NULL CHECK (length(hash) = 32),"
                              " PRIMARY KEY (level, idx, version))");
    int rc = PQresultStatus(cr) == PGRES_COMMAND_OK ? VIA_OK
                                                    : pg_fail(t, cr, "creating the tables", err);
    if (!rc) PQclear(cr);
    char ds[8];
    snprintf(ds, sizeof ds, "%u", depth);
    const char *p[1] = {ds};
    if (!rc)
        rc = exec(t, "creating the tree",
                  "INSERT INTO via_tree_meta (depth, version, oldest) VALUES ($1::int, 0, 0)"
                  " ON CONFLICT (id) DO NOTHING",
                  1, p, NULL, err);
    PGresult *r = NULL;
    if (!rc)
        rc = exec(t, "reading the tree", "SELECT depth, version, oldest FROM via_tree_meta", 0,
                  NULL, &r, err);
    if (!rc) {
        unsigned d = (unsigned)atoi(PQgetvalue(r, 0, 0));
        t->version = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        t->oldest = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        PQclear(r);
        if (d != depth)
            rc = via_fail(err, VIA_EINVAL,
                          "state tree: the database holds a tree of depth %u, "
                          "not %u",
                          d, depth);
    }
    for (unsigned k = t->cache_from; !rc && k <= depth; k++)
        if (!(t->cache[k] = malloc(level_size(t, k) * sizeof(via_fr))))
            rc = via_fail(err, VIA_ENOMEM, "state tree cache");
    if (!rc) rc = fill_cache(t, err);
    if (rc) {
        via_state_tree_close(t);
        return rc;
    }
    *out = t;
    return VIA_OK;
}

void via_state_tree_close(via_state_tree *t) {
    if (!t) return;
    for (unsigned k = 0; k <= VIA_SMT_MAX_DEPTH; k++)
        free(t->cache[k]);
    free(t->p_level);
    free(t->p_idx);
    free(t->p_hash);
    free(t);
}

unsigned via_state_tree_depth(const via_state_tree *t) {
    return t->depth;
}
int64_t via_state_tree_version(const via_state_tree *t) {
    return t->version;
}
int64_t via_state_tree_oldest(const via_state_tree *t) {
    return t->oldest;
}

static int check_version(const via_state_tree *t, int64_t v, via_error *err) {
    if (v < t->oldest || v > t->version)
        return via_fail(err, VIA_EINVAL,
                        "state tree: version %lld is not retained (%lld..%lld are)", (long long)v,
                        (long long)t->oldest, (long long)t->version);
    return VIA_OK;
}

int via_state_tree_root(via_state_tree *t, int64_t version, via_fr *root, via_error *err) {
    int rc = check_version(t, version, err);
    if (rc) return rc;
    uint64_t zero = 0;
    return load(t, t->depth, &zero, 1, version, root, err);
}

int via_state_tree_leaf(via_state_tree *t, int64_t version, uint64_t id, via_fr *leaf,
                        via_error *err) {
    int rc = check_version(t, version, err);
    if (rc) return rc;
    if (id >= level_size(t, 0))
        return via_fail(err, VIA_EINVAL, "state tree: account %" PRIu64 " beyond 16^%u", id,
                        t->depth);
    return load(t, 0, &id, 1, version, leaf, err);
}

int via_state_tree_prove(via_state_tree *t, int64_t version, uint64_t id, via_smt_proof *proof,
                         via_error *err) {
    int rc = check_version(t, version, err);
    if (rc) return rc;
    if (id >= level_size(t, 0))
        return via_fail(err, VIA_EINVAL, "state tree: account %" PRIu64 " beyond 16^%u", id,
                        t->depth);
    memset(proof, 0, sizeof *proof);
    proof->depth = t->depth;
    for (unsigned i = 0; i < t->depth; i++) {
        uint64_t node = id >> (4 * i), base = node & ~(uint64_t)15, idx[16];
        for (unsigned c = 0; c < 16; c++)
            idx[c] = base + c;
        via_fr ch[16];
        if ((rc = load(t, i, idx, 16, version, ch, err))) return rc;
        unsigned pos = (unsigned)(node & 15);
        proof->pos[i] = (uint8_t)pos;
        for (unsigned c = 0, s = 0; c < 16; c++)
            if (c != pos) proof->sib[i][s++] = ch[c];
    }
    return VIA_OK;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int pending_add(via_state_tree *t, unsigned k, uint64_t idx, const via_fr *h) {
    if (t->np == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 256;
        unsigned *l = realloc(t->p_level, nc * sizeof *l);
        if (!l) return -1;
        t->p_level = l;
        uint64_t *i = realloc(t->p_idx, nc * sizeof *i);
        if (!i) return -1;
        t->p_idx = i;
        via_fr *hh = realloc(t->p_hash, nc * sizeof *hh);
        if (!hh) return -1;
        t->p_hash = hh;
        t->cap = nc;
    }
    t->p_level[t->np] = k;
    t->p_idx[t->np] = idx;
    t->p_hash[t->np] = *h;
    t->np++;
    return 0;
}

/* Stores the n nodes of level k at version v (one statement). */
static int store(via_state_tree *t, unsigned k, const uint64_t *idx, const via_fr *h, size_t n,
                 int64_t v, via_error *err) {
    size_t cap = 4 + n * 90;
    char *ia = malloc(cap), *ha = malloc(cap);
    if (!ia || !ha) {
        free(ia);
        free(ha);
        return via_fail(err, VIA_ENOMEM, "state tree: storing %zu nodes", n);
    }
    size_t pi = 0, ph = 0;
    ia[pi++] = '{';
    ha[ph++] = '{';
    for (size_t i = 0; i < n; i++) {
        char hx[65];
        hash_hex(hx, &h[i]);
        pi += (size_t)snprintf(ia + pi, cap - pi, "%s%" PRIu64, i ? "," : "", idx[i]);
        ph += (size_t)snprintf(ha + ph, cap - ph, "%s%s", i ? "," : "", hx);
    }
    ia[pi++] = '}';
    ia[pi] = 0;
    ha[ph++] = '}';
    ha[ph] = 0;
    char ks[8], vs[24];
    snprintf(ks, sizeof ks, "%u", k);
    snprintf(vs, sizeof vs, "%lld", (long long)v);
    const char *p[4] = {ks, ia, vs, ha};
    int rc = exec(t, "storing nodes",
                  "INSERT INTO via_tree_nodes (level, idx, version, hash)"
                  " SELECT $1::smallint, i, $3::bigint, decode(h, 'hex')"
                  " FROM unnest($2::bigint[], $4::text[]) AS u(i, h)",
                  4, p, NULL, err);
    free(ia);
    free(ha);
    return rc;
}

int via_state_tree_update(via_state_tree *t, const uint64_t *ids, const via_fr *leaves, size_t n,
                          int in_tx, via_fr *root, via_error *err) {
    if (t->pending)
        return via_fail(err, VIA_EINVAL,
                        "state tree: an update is pending (committed or rolled back?)");
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= level_size(t, 0))
            return via_fail(err, VIA_EINVAL, "state tree: account %" PRIu64 " beyond 16^%u", ids[i],
                            t->depth);
    int64_t v = t->version + 1;
    /* level 0: the last value given for each id, in id order */
    uint64_t *idx = malloc((n ? n : 1) * sizeof *idx);
    via_fr *val = malloc((n ? n : 1) * sizeof *val);
    uint64_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!idx || !val || !sorted) {
        free(idx);
        free(val);
        free(sorted);
        return via_fail(err, VIA_ENOMEM, "state tree: update of %zu leaves", n);
    }
    memcpy(sorted, ids, n * sizeof *ids);
    qsort(sorted, n, sizeof *sorted, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || sorted[i] != sorted[i - 1]) idx[m++] = sorted[i];
    for (size_t j = 0; j < m; j++)
        for (size_t i = n; i-- > 0;)
            if (ids[i] == idx[j]) {
                val[j] = leaves[i];
                break;
            }
    free(sorted);
    int rc = VIA_OK;
    t->np = 0;
    if (!in_tx) rc = exec(t, "BEGIN", "BEGIN", 0, NULL, NULL, err);
    for (unsigned k = 0; !rc && k <= t->depth; k++) {
        if ((rc = store(t, k, idx, val, m, v, err))) break;
        if (k >= t->cache_from)
            for (size_t j = 0; j < m; j++)
                if (pending_add(t, k, idx[j], &val[j])) rc = via_fail(err, VIA_ENOMEM, "cache");
        if (k == t->depth) break;
        /* parents of the changed nodes, with all 16 children each */
        size_t np = 0;
        uint64_t *pidx = malloc(m * sizeof *pidx);
        via_fr *pval = malloc(m * sizeof *pval);
        uint64_t *need = malloc(16 * m * sizeof *need);
        via_fr *have = malloc(16 * m * sizeof *have);
        if (!pidx || !pval || !need || !have) {
            free(pidx);
            free(pval);
            free(need);
            free(have);
            rc = via_fail(err, VIA_ENOMEM, "state tree");
            break;
        }
        for (size_t j = 0; j < m; j++)
            if (np == 0 || pidx[np - 1] != idx[j] >> 4) pidx[np++] = idx[j] >> 4;
        for (size_t q = 0; q < np; q++)
            for (unsigned c = 0; c < 16; c++)
                need[16 * q + c] = 16 * pidx[q] + c;
        rc = load(t, k, need, 16 * np, t->version, have, err);
        for (size_t q = 0, j = 0; !rc && q < np; q++) {
            /* overlay this version's changed children (idx is sorted) */
            while (j < m && (idx[j] >> 4) == pidx[q]) {
                have[16 * q + (idx[j] & 15)] = val[j];
                j++;
            }
            if (via_poseidon(&pval[q], &have[16 * q], 16))
                rc = via_fail(err, VIA_EINVAL, "state tree: Poseidon failed");
        }
        free(need);
        free(have);
        free(idx);
        free(val);
        idx = pidx;
        val = pval;
        m = np;
    }
    if (!rc) {
        char vs[24];
        snprintf(vs, sizeof vs, "%lld", (long long)v);
        const char *p[1] = {vs};
        rc = exec(t, "recording the version", "UPDATE via_tree_meta SET version = $1::bigint", 1, p,
                  NULL, err);
    }
    if (!rc && root) *root = val[0];
    free(idx);
    free(val);
    if (!in_tx) {
        if (!rc) rc = exec(t, "COMMIT", "COMMIT", 0, NULL, NULL, err);
        if (rc) {
            PQclear(PQexec(t->pg, "ROLLBACK"));
            t->np = 0;
            return rc;
        }
        t->pending = 1;
        via_state_tree_committed(t);
        return VIA_OK;
    }
    if (rc) {
        t->np = 0;
        return rc;
    }
    t->pending = 1;
    return VIA_OK;
}

void via_state_tree_committed(via_state_tree *t) {
    if (!t->pending) return;
    for (size_t i = 0; i < t->np; i++)
        t->cache[t->p_level[i]][t->p_idx[i]] = t->p_hash[i];
    t->np = 0;
    t->pending = 0;
    t->version++;
}

void via_state_tree_rolled_back(via_state_tree *t) {
    t->np = 0;
    t->pending = 0;
}

int via_state_tree_prune(via_state_tree *t, int64_t keep_from, int64_t *deleted, via_error *err) {
    *deleted = 0;
    if (keep_from <= t->oldest) return VIA_OK;
    if (keep_from > t->version)
        return via_fail(err, VIA_EINVAL, "state tree: cannot prune past the latest version %lld",
                        (long long)t->version);
    char vs[24];
    snprintf(vs, sizeof vs, "%lld", (long long)keep_from);
    const char *p[1] = {vs};
    PGresult *r = NULL;
    int rc = exec(t, "BEGIN", "BEGIN", 0, NULL, NULL, err);
    if (!rc)
        rc = exec(t, "pruning",
                  "DELETE FROM via_tree_nodes n WHERE n.version < $1::bigint AND EXISTS ("
                  " SELECT 1 FROM via_tree_nodes m WHERE m.level = n.level AND m.idx = n.idx"
                  " AND m.version > n.version AND m.version <= $1::bigint)",
                  1, p, &r, err);
    if (!rc) {
        *deleted = strtoll(PQcmdTuples(r), NULL, 10);
        PQclear(r);
        rc = exec(t, "recording the oldest version", "UPDATE via_tree_meta SET oldest = $1::bigint",
                  1, p, NULL, err);
    }
    if (!rc) rc = exec(t, "COMMIT", "COMMIT", 0, NULL, NULL, err);
    if (rc) {
        PQclear(PQexec(t->pg, "ROLLBACK"));
        return rc;
    }
    t->oldest = keep_from;
    return VIA_OK;
}
