#include "via/file.h"
#include "via/jsonio.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "via/runtime.h"

#define MAX_PROOF_JSON ((size_t)1 << 20)
#define MAX_PUBLIC_JSON ((size_t)128 << 20)
#define MAX_VK_JSON ((size_t)256 << 20)
#define DUMP_FLAGS (JSON_INDENT(1) | JSON_PRESERVE_ORDER)

int via_read_text_file(char **text, size_t *len, const char *path, size_t max_len, via_error *err) {
    uint8_t *buf;
    int rc = via_read_file(path, max_len, &buf, len, err);
    if (rc == VIA_ETOOBIG) rc = VIA_EFORMAT; /* an oversized JSON file is malformed input here */
    if (err && rc) err->code = rc;
    *text = rc ? NULL : (char *)buf;
    return rc;
}

static int write_text(const char *text, const char *path, via_error *err) {
    if (!text) return via_fail(err, VIA_ENOMEM, "%s: out of memory formatting JSON", path);
    /* beside path, then renamed over it: a crash never leaves a truncated file */
    return via_write_atomic(path, text, strlen(text), 0, err);
}

static json_t *parse_text(const char *name, const char *text, size_t len, via_error *err) {
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        via_fail(err, VIA_EFORMAT, "%s: invalid JSON at line %d column %d: %s", name, je.line,
                 je.column, je.text);
    return root;
}

/* ---- values ---- */

static json_t *dec_limbs(const uint64_t l[4]) {
    char buf[96];
    via_limbs_to_decimal(buf, sizeof buf, l);
    return json_string(buf);
}

static json_t *dec_fq(const via_fq *a) {
    uint64_t t[4];
    via_fq_to_canon(t, a);
    return dec_limbs(t);
}

/* A decimal string < mod into canonical limbs. */
static int get_dec(uint64_t out[4], const json_t *j, const uint64_t mod[4], const char *modname,
                   const char *name, const char *path, via_error *err) {
    if (!json_is_string(j))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected a decimal string", name, path);
    const char *s = json_string_value(j);
    if (strlen(s) != json_string_length(j) || via_limbs_from_decimal(out, s) != 0)
        return via_fail(err, VIA_EFORMAT, "%s: %s: \"%.80s\" is not a decimal number", name, path,
                        s);
    if (!via_limbs_lt(out, mod))
        return via_fail(err, VIA_EFORMAT, "%s: %s: value is not below the %s", name, path, modname);
    return VIA_OK;
}

static int get_fq(via_fq *out, const json_t *j, const char *name, const char *path,
                  via_error *err) {
    uint64_t t[4];
    int rc = get_dec(t, j, via_fq_mod.p, "field modulus q", name, path, err);
    if (rc) return rc;
    via_fq_from_canon_unchecked(out, t);
    return VIA_OK;
}

static int get_fq2(via_fq2 *out, const json_t *j, const char *name, const char *path,
                   via_error *err) {
    char sub[96];
    if (!json_is_array(j) || json_array_size(j) != 2)
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected a pair [c0, c1]", name, path);
    snprintf(sub, sizeof sub, "%s[0]", path);
    int rc = get_fq(&out->c0, json_array_get(j, 0), name, sub, err);
    if (rc) return rc;
    snprintf(sub, sizeof sub, "%s[1]", path);
    return get_fq(&out->c1, json_array_get(j, 1), name, sub, err);
}

/* z of a projective point: 1 -> affine, 0 -> infinity; *is_inf set accordingly. */
static int get_z(int *is_inf, const uint64_t z0[4], const uint64_t z1[4], const char *name,
                 const char *path, via_error *err) {
    int z1zero = !(z1[0] | z1[1] | z1[2] | z1[3]);
    if (z1zero && !(z0[0] | z0[1] | z0[2] | z0[3])) {
        *is_inf = 1;
        return VIA_OK;
    }
    if (z1zero && z0[0] == 1 && !(z0[1] | z0[2] | z0[3])) {
        *is_inf = 0;
        return VIA_OK;
    }
    return via_fail(err, VIA_EFORMAT, "%s: %s: z coordinate must be 1 (affine) or 0 (infinity)",
                    name, path);
}

static int get_g1(via_g1_affine *p, const json_t *j, const char *name, const char *path,
                  via_error *err) {
    char sub[96];
    size_t n = json_array_size(j);
    if (!json_is_array(j) || (n != 2 && n != 3))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected a G1 point [x, y] or [x, y, z]", name,
                        path);
    int rc, inf = 0;
    snprintf(sub, sizeof sub, "%s[0]", path);
    if ((rc = get_fq(&p->x, json_array_get(j, 0), name, sub, err))) return rc;
    snprintf(sub, sizeof sub, "%s[1]", path);
    if ((rc = get_fq(&p->y, json_array_get(j, 1), name, sub, err))) return rc;
    if (n == 3) {
        uint64_t z[4], zero[4] = {0, 0, 0, 0};
        snprintf(sub, sizeof sub, "%s[2]", path);
        if ((rc =
                 get_dec(z, json_array_get(j, 2), via_fq_mod.p, "field modulus q", name, sub, err)))
            return rc;
        if ((rc = get_z(&inf, z, zero, name, sub, err))) return rc;
    }
    if (inf) {
        memset(p, 0, sizeof *p);
    } else if (via_fq_is_zero(&p->x) && via_fq_is_zero(&p->y)) {
        /* (0, 0) is our infinity encoding but is not a curve point: do not let it pass. */
        return via_fail(err, VIA_EFORMAT, "%s: %s: affine point (0, 0) is not on the curve", name,
                        path);
    }
    return VIA_OK;
}

static int get_g2(via_g2_affine *p, const json_t *j, const char *name, const char *path,
                  via_error *err) {
    char sub[96];
    size_t n = json_array_size(j);
    if (!json_is_array(j) || (n != 2 && n != 3))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected a G2 point [x, y] or [x, y, z]", name,
                        path);
    int rc, inf = 0;
    snprintf(sub, sizeof sub, "%s[0]", path);
    if ((rc = get_fq2(&p->x, json_array_get(j, 0), name, sub, err))) return rc;
    snprintf(sub, sizeof sub, "%s[1]", path);
    if ((rc = get_fq2(&p->y, json_array_get(j, 1), name, sub, err))) return rc;
    if (n == 3) {
        const json_t *zj = json_array_get(j, 2);
        uint64_t z0[4], z1[4];
        snprintf(sub, sizeof sub, "%s[2]", path);
        if (!json_is_array(zj) || json_array_size(zj) != 2)
            return via_fail(err, VIA_EFORMAT, "%s: %s: expected a pair [c0, c1]", name, sub);
        snprintf(sub, sizeof sub, "%s[2][0]", path);
        if ((rc = get_dec(z0, json_array_get(zj, 0), via_fq_mod.p, "field modulus q", name, sub,
                          err)))
            return rc;
        snprintf(sub, sizeof sub, "%s[2][1]", path);
        if ((rc = get_dec(z1, json_array_get(zj, 1), via_fq_mod.p, "field modulus q", name, sub,
                          err)))
            return rc;
        snprintf(sub, sizeof sub, "%s[2]", path);
        if ((rc = get_z(&inf, z0, z1, name, sub, err))) return rc;
    }
    if (inf) {
        memset(p, 0, sizeof *p);
    } else if (via_fq2_is_zero(&p->x) && via_fq2_is_zero(&p->y)) {
        return via_fail(err, VIA_EFORMAT, "%s: %s: affine point (0, 0) is not on the curve", name,
                        path);
    }
    return VIA_OK;
}

static json_t *g1_json(const via_g1_affine *p) {
    if (via_g1_affine_is_inf(p)) return json_pack("[sss]", "0", "1", "0");
    return json_pack("[oos]", dec_fq(&p->x), dec_fq(&p->y), "1");
}

static json_t *fq2_json(const via_fq2 *a) {
    return json_pack("[oo]", dec_fq(&a->c0), dec_fq(&a->c1));
}

static json_t *g2_json(const via_g2_affine *p) {
    if (via_g2_affine_is_inf(p)) return json_pack("[[ss][ss][ss]]", "0", "0", "1", "0", "0", "0");
    return json_pack("[oo[ss]]", fq2_json(&p->x), fq2_json(&p->y), "1", "0");
}

static char *dump(json_t *root) {
    if (!root) return NULL;
    char *s = json_dumps(root, DUMP_FLAGS);
    json_decref(root);
    return s;
}

/* Optional string field that must equal `want` when present. */
static int check_tag(const json_t *root, const char *key, const char *want, int required,
                     const char *name, via_error *err) {
    const json_t *v = json_object_get(root, key);
    if (!v) {
        if (required) return via_fail(err, VIA_EFORMAT, "%s: field \"%s\" is missing", name, key);
        return VIA_OK;
    }
    if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
        return via_fail(err, VIA_EUNSUPPORTED, "%s: %s: expected \"%s\"", name, key, want);
    return VIA_OK;
}

/* ---- proof ---- */

char *via_proof_to_json(const via_groth16_proof *proof) {
    return dump(json_pack("{s:o,s:o,s:o,s:s,s:s}", "pi_a", g1_json(&proof->a), "pi_b",
                          g2_json(&proof->b), "pi_c", g1_json(&proof->c), "protocol", "groth16",
                          "curve", "bn128"));
}

int via_proof_write_json(const via_groth16_proof *proof, const char *path, via_error *err) {
    char *s = via_proof_to_json(proof);
    int rc = write_text(s, path, err);
    free(s);
    return rc;
}

int via_proof_parse_json(via_groth16_proof *proof, const char *name, const char *text, size_t len,
                         via_error *err) {
    memset(proof, 0, sizeof *proof);
    json_t *root = parse_text(name, text, len, err);
    if (!root) return VIA_EFORMAT;
    int rc = VIA_OK;
    if (!json_is_object(root)) rc = via_fail(err, VIA_EFORMAT, "%s: expected a JSON object", name);
    if (!rc) rc = check_tag(root, "protocol", "groth16", 0, name, err);
    if (!rc) rc = check_tag(root, "curve", "bn128", 0, name, err);
    const char *keys[3] = {"pi_a", "pi_b", "pi_c"};
    for (int i = 0; i < 3 && !rc; i++)
        if (!json_object_get(root, keys[i]))
            rc = via_fail(err, VIA_EFORMAT, "%s: field \"%s\" is missing", name, keys[i]);
    if (!rc) rc = get_g1(&proof->a, json_object_get(root, "pi_a"), name, "pi_a", err);
    if (!rc) rc = get_g2(&proof->b, json_object_get(root, "pi_b"), name, "pi_b", err);
    if (!rc) rc = get_g1(&proof->c, json_object_get(root, "pi_c"), name, "pi_c", err);
    json_decref(root);
    if (rc) memset(proof, 0, sizeof *proof);
    return rc;
}

int via_proof_read_json(via_groth16_proof *proof, const char *path, via_error *err) {
    char *text;
    size_t len;
    memset(proof, 0, sizeof *proof);
    int rc = via_read_text_file(&text, &len, path, MAX_PROOF_JSON, err);
    if (rc) return rc;
    rc = via_proof_parse_json(proof, path, text, len, err);
    free(text);
    return rc;
}

/* ---- public signals ---- */

char *via_public_to_json(const via_scalar *values, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, dec_limbs(values[i].l)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return dump(a);
}

int via_public_write_json(const via_scalar *values, size_t n, const char *path, via_error *err) {
    for (size_t i = 0; i < n; i++)
        if (!via_limbs_lt(values[i].l, via_fr_mod.p))
            return via_fail(err, VIA_EINVAL, "%s: public signal %zu is not below r", path, i);
    char *s = via_public_to_json(values, n);
    int rc = write_text(s, path, err);
    free(s);
    return rc;
}

int via_public_parse_json(via_scalar **values, size_t *n, const char *name, const char *text,
                          size_t len, via_error *err) {
    *values = NULL;
    *n = 0;
    json_t *root = parse_text(name, text, len, err);
    if (!root) return VIA_EFORMAT;
    int rc = VIA_OK;
    size_t count = json_array_size(root);
    if (!json_is_array(root))
        rc = via_fail(err, VIA_EFORMAT, "%s: expected a JSON array of decimal strings", name);
    else if (count > VIA_JSON_MAX_PUBLIC)
        rc = via_fail(err, VIA_EFORMAT, "%s: %zu public signals, at most %u accepted", name, count,
                      VIA_JSON_MAX_PUBLIC);
    via_scalar *v = NULL;
    if (!rc && !(v = via_malloc_big(count * sizeof *v)))
        rc = via_fail(err, VIA_ENOMEM, "%s: cannot allocate %zu public signals", name, count);
    for (size_t i = 0; i < count && !rc; i++) {
        char path[48];
        snprintf(path, sizeof path, "public signal %zu", i);
        rc = get_dec(v[i].l, json_array_get(root, i), via_fr_mod.p, "scalar field order r", name,
                     path, err);
    }
    json_decref(root);
    if (rc) {
        via_free_big(v);
        return rc;
    }
    *values = v;
    *n = count;
    return VIA_OK;
}

int via_public_read_json(via_scalar **values, size_t *n, const char *path, via_error *err) {
    char *text;
    size_t len;
    *values = NULL;
    *n = 0;
    int rc = via_read_text_file(&text, &len, path, MAX_PUBLIC_JSON, err);
    if (rc) return rc;
    rc = via_public_parse_json(values, n, path, text, len, err);
    free(text);
    return rc;
}

/* ---- verification key ---- */

char *via_vk_to_json(const via_groth16_vk *vk, const via_fq12 *alphabeta) {
    json_t *root = json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:o}", "protocol", "groth16", "curve",
                             "bn128", "nPublic", (json_int_t)vk->n_public, "vk_alpha_1",
                             g1_json(&vk->alpha1), "vk_beta_2", g2_json(&vk->beta2), "vk_gamma_2",
                             g2_json(&vk->gamma2), "vk_delta_2", g2_json(&vk->delta2));
    if (!root) return NULL;
    if (alphabeta) {
        const via_fq6 *h[2] = {&alphabeta->c0, &alphabeta->c1};
        json_t *ab = json_array();
        for (int i = 0; i < 2; i++)
            json_array_append_new(ab, json_pack("[ooo]", fq2_json(&h[i]->c0), fq2_json(&h[i]->c1),
                                                fq2_json(&h[i]->c2)));
        json_object_set_new(root, "vk_alphabeta_12", ab);
    }
    json_t *ic = json_array();
    for (size_t i = 0; i <= vk->n_public; i++)
        json_array_append_new(ic, g1_json(&vk->ic[i]));
    json_object_set_new(root, "IC", ic);
    return dump(root);
}

int via_vk_write_json(const via_groth16_vk *vk, const via_fq12 *alphabeta, const char *path,
                      via_error *err) {
    char *s = via_vk_to_json(vk, alphabeta);
    int rc = write_text(s, path, err);
    free(s);
    return rc;
}

static int get_fq12(via_fq12 *out, const json_t *j, const char *name, via_error *err) {
    via_fq6 *h[2] = {&out->c0, &out->c1};
    if (!json_is_array(j) || json_array_size(j) != 2)
        return via_fail(err, VIA_EFORMAT, "%s: vk_alphabeta_12: expected [c0, c1] of Fq6 elements",
                        name);
    for (int i = 0; i < 2; i++) {
        const json_t *e = json_array_get(j, (size_t)i);
        if (!json_is_array(e) || json_array_size(e) != 3)
            return via_fail(err, VIA_EFORMAT, "%s: vk_alphabeta_12[%d]: expected 3 Fq2 elements",
                            name, i);
        via_fq2 *c[3] = {&h[i]->c0, &h[i]->c1, &h[i]->c2};
        for (int k = 0; k < 3; k++) {
            char path[48];
            snprintf(path, sizeof path, "vk_alphabeta_12[%d][%d]", i, k);
            int rc = get_fq2(c[k], json_array_get(e, (size_t)k), name, path, err);
            if (rc) return rc;
        }
    }
    return VIA_OK;
}

int via_vk_parse_json(via_groth16_vk *vk, via_fq12 *alphabeta, int *has_alphabeta, const char *name,
                      const char *text, size_t len, via_error *err) {
    memset(vk, 0, sizeof *vk);
    if (has_alphabeta) *has_alphabeta = 0;
    json_t *root = parse_text(name, text, len, err);
    if (!root) return VIA_EFORMAT;
    int rc = VIA_OK;
    if (!json_is_object(root)) rc = via_fail(err, VIA_EFORMAT, "%s: expected a JSON object", name);
    if (!rc) rc = check_tag(root, "protocol", "groth16", 1, name, err);
    if (!rc) rc = check_tag(root, "curve", "bn128", 0, name, err);
    const json_t *np = json_object_get(root, "nPublic");
    json_int_t n_public = 0;
    if (!rc) {
        if (!json_is_integer(np) || (n_public = json_integer_value(np)) < 0 ||
            n_public >= (json_int_t)VIA_JSON_MAX_PUBLIC)
            rc = via_fail(err, VIA_EFORMAT, "%s: nPublic: expected an integer in 0..%u", name,
                          VIA_JSON_MAX_PUBLIC - 1);
    }
    static const char *keys[] = {"vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"};
    for (int i = 0; i < 5 && !rc; i++)
        if (!json_object_get(root, keys[i]))
            rc = via_fail(err, VIA_EFORMAT, "%s: field \"%s\" is missing", name, keys[i]);
    if (!rc) rc = get_g1(&vk->alpha1, json_object_get(root, "vk_alpha_1"), name, "vk_alpha_1", err);
    if (!rc) rc = get_g2(&vk->beta2, json_object_get(root, "vk_beta_2"), name, "vk_beta_2", err);
    if (!rc) rc = get_g2(&vk->gamma2, json_object_get(root, "vk_gamma_2"), name, "vk_gamma_2", err);
    if (!rc) rc = get_g2(&vk->delta2, json_object_get(root, "vk_delta_2"), name, "vk_delta_2", err);
    const json_t *ab = json_object_get(root, "vk_alphabeta_12");
    if (!rc && ab) {
        via_fq12 tmp;
        rc = get_fq12(alphabeta ? alphabeta : &tmp, ab, name, err);
        if (!rc && has_alphabeta) *has_alphabeta = 1;
    }
    const json_t *ic = json_object_get(root, "IC");
    if (!rc && (!json_is_array(ic) || json_array_size(ic) != (size_t)n_public + 1))
        rc = via_fail(err, VIA_EFORMAT, "%s: IC: expected an array of nPublic + 1 = %lld points",
                      name, (long long)n_public + 1);
    if (!rc) {
        vk->n_public = (uint32_t)n_public;
        vk->ic = via_malloc_big(((size_t)n_public + 1) * sizeof *vk->ic);
        if (!vk->ic) rc = via_fail(err, VIA_ENOMEM, "%s: IC: cannot allocate", name);
    }
    for (size_t i = 0; !rc && i <= (size_t)n_public; i++) {
        char path[32];
        snprintf(path, sizeof path, "IC[%zu]", i);
        rc = get_g1(&vk->ic[i], json_array_get(ic, i), name, path, err);
    }
    json_decref(root);
    if (rc) {
        via_free_big(vk->ic);
        memset(vk, 0, sizeof *vk);
        if (has_alphabeta) *has_alphabeta = 0;
    }
    return rc;
}

int via_vk_read_json(via_groth16_vk *vk, via_fq12 *alphabeta, int *has_alphabeta, const char *path,
                     via_error *err) {
    char *text;
    size_t len;
    memset(vk, 0, sizeof *vk);
    if (has_alphabeta) *has_alphabeta = 0;
    int rc = via_read_text_file(&text, &len, path, MAX_VK_JSON, err);
    if (rc) return rc;
    rc = via_vk_parse_json(vk, alphabeta, has_alphabeta, path, text, len, err);
    free(text);
    return rc;
}
