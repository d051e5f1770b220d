/*
 * .zkey reader and writer. Every size is computed from the header counts with overflow
 * checks before anything is allocated, so a hostile header cannot make us allocate more than
 * the file itself holds.
 */
#include "via/file.h"
#include "via/zkey.h"

#include <errno.h>
#include <string.h>

#include "via/binfile.h"
#include "via/blake2b.h"
#include "via/runtime.h"

enum {
    SEC_HEADER = 1,
    SEC_GROTH = 2,
    SEC_IC = 3,
    SEC_COEFS = 4,
    SEC_A = 5,
    SEC_B1 = 6,
    SEC_B2 = 7,
    SEC_C = 8,
    SEC_H = 9,
    SEC_MPC = 10,
};
static const char *const sec_names[11] = {
    "",          "header",    "Groth16 header", "IC points", "coefficients",  "A points",
    "B1 points", "B2 points", "C points",       "H points",  "MPC parameters"};
#define GROTH_HEADER_SIZE 660u
#define COEF_ENTRY 44u
#define G1_SIZE 64u
#define G2_SIZE 128u
#define CONTRIB_FIXED (3 * G1_SIZE + G2_SIZE + 64 + 4 + 4)

void via_zkey_free(via_zkey *z) {
    via_free_big(z->ic);
    via_free_big(z->a);
    via_free_big(z->b1);
    via_free_big(z->b2);
    via_free_big(z->c);
    via_free_big(z->h);
    via_free_big(z->coefs);
    via_free_big(z->contributions);
    memset(z, 0, sizeof *z);
}

/* Reads a section whose size must be n_items * item_size, into a new aligned buffer. */
static int read_points(const via_binfile *bf, uint32_t id, uint64_t n_items, uint64_t item_size,
                       const char *count_desc, uint64_t count, void **out, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, id, sec_names[id], 1, &s, err);
    if (rc) return rc;
    uint64_t want;
    if (!via_mul_u64(&want, n_items, item_size) || s->size != want)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section %u (%s): size %llu bytes, expected %llu for %s %llu", bf->name,
                        id, sec_names[id], (unsigned long long)s->size, (unsigned long long)want,
                        count_desc, (unsigned long long)count);
    uint8_t *buf;
    rc = via_binfile_read_section(bf, s, &buf, err);
    if (rc) return rc;
    rc = via_check_points(buf, n_items, item_size == G1_SIZE ? 2 : 4, bf->name, id, sec_names[id],
                          err);
    if (rc) {
        via_free_big(buf);
        return rc;
    }
    *out = buf;
    return VIA_OK;
}

static int parse_groth_header(via_zkey *z, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, SEC_HEADER, sec_names[SEC_HEADER], 1, &s, err);
    if (rc) return rc;
    if (s->size != 4)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected 4",
                        bf->name, (unsigned long long)s->size);
    uint8_t b4[4];
    rc = via_binfile_read(bf, s, 0, b4, 4, err);
    if (rc) return rc;
    uint32_t type = via_le32(b4);
    if (type != 1)
        return via_fail(
            err, VIA_EUNSUPPORTED,
            "%s: section 1 (header): prover type %u (%s), only 1 (Groth16) is supported", bf->name,
            type,
            type == 2    ? "PLONK"
            : type == 10 ? "FFLONK"
                         : "unknown");

    rc = via_binfile_section_get(bf, SEC_GROTH, sec_names[SEC_GROTH], 1, &s, err);
    if (rc) return rc;
    uint8_t h[GROTH_HEADER_SIZE];
    if (s->size < 4)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (Groth16 header): size %llu bytes, too short", bf->name,
                        (unsigned long long)s->size);
    rc = via_binfile_read(bf, s, 0, h, 4, err);
    if (rc) return rc;
    uint32_t n8q = via_le32(h);
    if (n8q != 32)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 2 (Groth16 header): n8q = %u, only 32 (BN254) is supported",
                        bf->name, n8q);
    if (s->size != GROTH_HEADER_SIZE)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (Groth16 header): size %llu bytes, expected %u", bf->name,
                        (unsigned long long)s->size, GROTH_HEADER_SIZE);
    rc = via_binfile_read(bf, s, 0, h, GROTH_HEADER_SIZE, err);
    if (rc) return rc;
    if (memcmp(h + 4, via_bn254_q_le, 32) != 0)
        return via_fail(
            err, VIA_EUNSUPPORTED,
            "%s: section 2 (Groth16 header): prime q is not the BN254 base field modulus",
            bf->name);
    uint32_t n8r = via_le32(h + 36);
    if (n8r != 32)
        return via_fail(err, VIA_EFORMAT, "%s: section 2 (Groth16 header): n8r = %u, expected 32",
                        bf->name, n8r);
    if (memcmp(h + 40, via_bn254_r_le, 32) != 0)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (Groth16 header): prime r is not the BN254 group order",
                        bf->name);
    z->n_vars = via_le32(h + 72);
    z->n_public = via_le32(h + 76);
    z->domain_size = via_le32(h + 80);
    if (z->n_vars < 1 || z->n_vars >= VIA_ZKEY_MAX_VARS)
        return via_fail(err, VIA_EFORMAT, "%s: section 2 (Groth16 header): nVars = %u out of range",
                        bf->name, z->n_vars);
    if (z->n_public >= z->n_vars)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (Groth16 header): nPublic = %u must be below nVars = %u",
                        bf->name, z->n_public, z->n_vars);
    uint32_t d = z->domain_size;
    if (d == 0 || (d & (d - 1)) != 0 || d > ((uint32_t)1 << VIA_ZKEY_MAX_LOG2_DOMAIN))
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (Groth16 header): domain size %u is not a power of two "
                        "between 1 and 2^%d",
                        bf->name, d, VIA_ZKEY_MAX_LOG2_DOMAIN);
    z->log2_domain = (uint32_t)__builtin_ctz(d);
    /* Points: alpha1, beta1 (G1), beta2, gamma2 (G2), delta1 (G1), delta2 (G2): coordinates
     * below q, on their curves, and the G2 ones in the prime-order subgroup (they become the
     * verifying key's, where a point outside the subgroup breaks soundness). */
    {
        static const char *names[6] = {"alpha_1", "beta_1",  "beta_2",
                                       "gamma_2", "delta_1", "delta_2"};
        static const unsigned g2[6] = {0, 0, 1, 1, 0, 1};
        const uint8_t *q = h + 84;
        for (int k = 0; k < 6; k++) {
            char what[64];
            snprintf(what, sizeof what, "Groth16 header, %s", names[k]);
            rc = via_check_points(q, 1, g2[k] ? 4 : 2, bf->name, SEC_GROTH, what, err);
            if (rc) return rc;
            if (g2[k]) {
                via_g2_affine t;
                memcpy(&t, q, sizeof t);
                if (!via_g2_affine_in_subgroup(&t))
                    return via_fail(err, VIA_EFORMAT,
                                    "%s: section %u (%s): not in the prime-order G2 subgroup",
                                    bf->name, SEC_GROTH, what);
            }
            q += g2[k] ? G2_SIZE : G1_SIZE;
        }
    }
    const uint8_t *p = h + 84;
    memcpy(&z->alpha1, p, G1_SIZE);
    p += G1_SIZE;
    memcpy(&z->beta1, p, G1_SIZE);
    p += G1_SIZE;
    memcpy(&z->beta2, p, G2_SIZE);
    p += G2_SIZE;
    memcpy(&z->gamma2, p, G2_SIZE);
    p += G2_SIZE;
    memcpy(&z->delta1, p, G1_SIZE);
    p += G1_SIZE;
    memcpy(&z->delta2, p, G2_SIZE);
    return VIA_OK;
}

static int parse_coefs(via_zkey *z, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, SEC_COEFS, sec_names[SEC_COEFS], 1, &s, err);
    if (rc) return rc;
    uint8_t b4[4];
    if (s->size < 4)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 4 (coefficients): size %llu bytes, too short", bf->name,
                        (unsigned long long)s->size);
    rc = via_binfile_read(bf, s, 0, b4, 4, err);
    if (rc) return rc;
    uint32_t n = via_le32(b4);
    uint64_t want = 4 + (uint64_t)n * COEF_ENTRY; /* no overflow: n < 2^32 */
    if (s->size != want)
        return via_fail(
            err, VIA_EFORMAT,
            "%s: section 4 (coefficients): size %llu bytes, expected %llu for %u entries", bf->name,
            (unsigned long long)s->size, (unsigned long long)want, n);
    via_zkey_coef *c = via_malloc_big((size_t)n * sizeof *c);
    if (!c)
        return via_fail(err, VIA_ENOMEM, "%s: section 4 (coefficients): cannot allocate %u entries",
                        bf->name, n);
    /* Streamed through a small buffer: the raw section is never held next to the decoded
     * entries, which keeps a prove's peak memory near the key's size. */
    enum { CHUNK = 4096 };
    uint8_t *raw = via_malloc_big((size_t)CHUNK * COEF_ENTRY);
    if (!raw) {
        via_free_big(c);
        return via_fail(err, VIA_ENOMEM, "%s: section 4 (coefficients): cannot allocate a buffer",
                        bf->name);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i % CHUNK == 0) {
            uint32_t k = n - i < CHUNK ? n - i : CHUNK;
            rc = via_binfile_read(bf, s, 4 + (uint64_t)i * COEF_ENTRY, raw,
                                  (uint64_t)k * COEF_ENTRY, err);
            if (rc) {
                via_free_big(c);
                via_free_big(raw);
                return rc;
            }
        }
        const uint8_t *e = raw + (uint64_t)(i % CHUNK) * COEF_ENTRY;
        c[i].matrix = via_le32(e);
        c[i].row = via_le32(e + 4);
        c[i].signal = via_le32(e + 8);
        c[i].pad = 0;
        const char *bad = NULL;
        if (c[i].matrix > 1)
            bad = "matrix is not 0 (A) or 1 (B)";
        else if (c[i].row >= z->domain_size)
            bad = "row is not below the domain size";
        else if (c[i].signal >= z->n_vars)
            bad = "signal is not below nVars";
        else if (!via_bytes_lt_mod(e + 12, via_fr_mod.p))
            bad = "value is not below r";
        if (bad) {
            rc = via_fail(
                err, VIA_EFORMAT,
                "%s: section 4 (coefficients): entry %u (matrix %u, row %u, signal %u): %s",
                bf->name, i, c[i].matrix, c[i].row, c[i].signal, bad);
            via_free_big(c);
            via_free_big(raw);
            return rc;
        }
        uint64_t stored[4];
        static const uint64_t one[4] = {1, 0, 0, 0};
        via_limbs_from_bytes_le(stored, e + 12);
        /* stored = v R^2; mont_mul(stored, 1) = v R, the Montgomery form of v. */
        via_mont_mul(c[i].value.l, stored, one, &via_fr_mod);
    }
    via_free_big(raw);
    z->n_coefs = n;
    z->coefs = c;
    return VIA_OK;
}

/* Parses one contribution at buf[*pos], buf has len bytes. */
static int parse_contribution(via_zkey_contribution *c, const uint8_t *buf, uint64_t len,
                              uint64_t *pos, uint32_t index, const char *name, via_error *err) {
    uint64_t p = *pos;
    if (len - p < CONTRIB_FIXED)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 10 (MPC parameters): contribution %u truncated", name, index);
    int rc = via_check_points(buf + p, 3, 2, name, SEC_MPC, "MPC parameters", err);
    if (!rc)
        rc = via_check_points(buf + p + 3 * G1_SIZE, 1, 4, name, SEC_MPC, "MPC parameters", err);
    if (rc) return rc;
    memset(c, 0, sizeof *c);
    memcpy(&c->delta_after, buf + p, G1_SIZE);
    memcpy(&c->g1_s, buf + p + G1_SIZE, G1_SIZE);
    memcpy(&c->g1_sx, buf + p + 2 * G1_SIZE, G1_SIZE);
    memcpy(&c->g2_spx, buf + p + 3 * G1_SIZE, G2_SIZE);
    p += 3 * G1_SIZE + G2_SIZE;
    memcpy(c->transcript, buf + p, 64);
    p += 64;
    c->type = via_le32(buf + p);
    uint32_t plen = via_le32(buf + p + 4);
    p += 8;
    if (plen > len - p)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 10 (MPC parameters): contribution %u: parameter length %u "
                        "runs past the section end",
                        name, index, plen);
    uint64_t end = p + plen;
    unsigned last = 0;
    while (p < end) {
        unsigned t = buf[p++];
        if (t <= last)
            return via_fail(err, VIA_EFORMAT,
                            "%s: section 10 (MPC parameters): contribution %u: parameter %u out "
                            "of order",
                            name, index, t);
        last = t;
        if (t == 1 || t == 3) {
            if (p >= end) {
                p = end + 1;
                break;
            }
            unsigned l = buf[p++];
            if (l > end - p) {
                p = end + 1;
                break;
            }
            if (t == 1) {
                memcpy(c->name, buf + p, l);
                c->name[l] = 0;
                c->has_name = 1;
            } else {
                memcpy(c->beacon_hash, buf + p, l);
                c->beacon_hash_len = l;
            }
            p += l;
        } else if (t == 2) {
            if (p >= end) {
                p = end + 1;
                break;
            }
            c->num_iterations_exp = buf[p++];
            c->has_num_iterations_exp = 1;
        } else {
            return via_fail(err, VIA_EFORMAT,
                            "%s: section 10 (MPC parameters): contribution %u: unknown parameter "
                            "type %u",
                            name, index, t);
        }
    }
    if (p != end)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 10 (MPC parameters): contribution %u: parameters do not match "
                        "their length %u",
                        name, index, plen);
    *pos = p;
    return VIA_OK;
}

static int parse_mpc(via_zkey *z, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, SEC_MPC, sec_names[SEC_MPC], 1, &s, err);
    if (rc) return rc;
    if (s->size < 68)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 10 (MPC parameters): size %llu bytes, at least 68 expected",
                        bf->name, (unsigned long long)s->size);
    uint8_t *buf;
    rc = via_binfile_read_section(bf, s, &buf, err);
    if (rc) return rc;
    memcpy(z->cs_hash, buf, 64);
    uint32_t n = via_le32(buf + 64);
    /* Each contribution takes at least CONTRIB_FIXED bytes. */
    if (n > (s->size - 68) / CONTRIB_FIXED) {
        rc = via_fail(err, VIA_EFORMAT,
                      "%s: section 10 (MPC parameters): %u contributions cannot fit in %llu bytes",
                      bf->name, n, (unsigned long long)s->size);
        via_free_big(buf);
        return rc;
    }
    via_zkey_contribution *cs = via_malloc_big((size_t)n * sizeof *cs);
    if (!cs) {
        via_free_big(buf);
        return via_fail(err, VIA_ENOMEM, "%s: section 10: cannot allocate %u contributions",
                        bf->name, n);
    }
    uint64_t pos = 68;
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = parse_contribution(&cs[i], buf, s->size, &pos, i, bf->name, err);
    if (!rc && pos != s->size)
        rc = via_fail(err, VIA_EFORMAT,
                      "%s: section 10 (MPC parameters): %llu bytes left after %u contributions",
                      bf->name, (unsigned long long)(s->size - pos), n);
    via_free_big(buf);
    if (rc) {
        via_free_big(cs);
        return rc;
    }
    z->n_contributions = n;
    z->contributions = cs;
    return VIA_OK;
}

static int zkey_parse(via_zkey *z, const via_binfile *bf, via_error *err) {
    int rc = parse_groth_header(z, bf, err);
    if (rc) return rc;
    uint64_t n_vars = z->n_vars, n_priv = (uint64_t)z->n_vars - z->n_public - 1;
    if ((rc = read_points(bf, SEC_IC, (uint64_t)z->n_public + 1, G1_SIZE,
                          "nPublic+1 =", (uint64_t)z->n_public + 1, (void **)&z->ic, err)))
        return rc;
    if ((rc = parse_coefs(z, bf, err))) return rc;
    if ((rc = read_points(bf, SEC_A, n_vars, G1_SIZE, "nVars", n_vars, (void **)&z->a, err)))
        return rc;
    if ((rc = read_points(bf, SEC_B1, n_vars, G1_SIZE, "nVars", n_vars, (void **)&z->b1, err)))
        return rc;
    if ((rc = read_points(bf, SEC_B2, n_vars, G2_SIZE, "nVars", n_vars, (void **)&z->b2, err)))
        return rc;
    if ((rc = read_points(bf, SEC_C, n_priv, G1_SIZE, "private signals", n_priv, (void **)&z->c,
                          err)))
        return rc;
    if ((rc = read_points(bf, SEC_H, z->domain_size, G1_SIZE, "domain size", z->domain_size,
                          (void **)&z->h, err)))
        return rc;
    if ((rc = parse_mpc(z, bf, err))) return rc;
    unsigned k = 0;
    for (uint32_t i = 0; i < bf->n_sections; i++)
        if (bf->sections[i].id >= 1 && bf->sections[i].id <= 10 && k < 10)
            z->section_order[k++] = bf->sections[i].id;
    return VIA_OK;
}

int via_zkey_read(via_zkey *z, const char *path, via_error *err) {
    memset(z, 0, sizeof *z);
    via_binfile bf;
    int rc = via_binfile_open(&bf, path, "zkey", 1, err);
    if (rc) return rc;
    rc = zkey_parse(z, &bf, err);
    via_binfile_close(&bf);
    if (rc) via_zkey_free(z);
    return rc;
}

int via_zkey_read_mem(via_zkey *z, const char *name, const uint8_t *data, size_t len,
                      via_error *err) {
    memset(z, 0, sizeof *z);
    via_binfile bf;
    int rc = via_binfile_open_mem(&bf, name, data, len, "zkey", 1, err);
    if (rc) return rc;
    rc = zkey_parse(z, &bf, err);
    via_binfile_close(&bf);
    if (rc) via_zkey_free(z);
    return rc;
}

/* ---- writing ---- */

static uint64_t contribution_params(const via_zkey_contribution *c, uint8_t *out) {
    uint64_t n = 0;
    if (c->has_name) {
        size_t l = strnlen(c->name, 255);
        if (out) {
            out[n] = 1;
            out[n + 1] = (uint8_t)l;
            memcpy(out + n + 2, c->name, l);
        }
        n += 2 + l;
    }
    if (c->type == 1) {
        if (out) {
            out[n] = 2;
            out[n + 1] = c->num_iterations_exp;
            out[n + 2] = 3;
            out[n + 3] = (uint8_t)c->beacon_hash_len;
            memcpy(out + n + 4, c->beacon_hash, c->beacon_hash_len);
        }
        n += 4 + c->beacon_hash_len;
    }
    return n;
}

static int write_section(FILE *f, const char *path, const via_zkey *z, uint32_t id,
                         via_error *err) {
    const uint64_t n_vars = z->n_vars, n_priv = (uint64_t)z->n_vars - z->n_public - 1;
    int rc;
    switch (id) {
    case SEC_HEADER: {
        uint8_t b[4];
        via_put_le32(b, 1);
        if ((rc = via_binfile_write_section_header(f, path, id, 4, err))) return rc;
        return via_binfile_write(f, path, b, 4, err);
    }
    case SEC_GROTH: {
        uint8_t h[GROTH_HEADER_SIZE], *p = h;
        via_put_le32(p, 32);
        memcpy(p + 4, via_bn254_q_le, 32);
        via_put_le32(p + 36, 32);
        memcpy(p + 40, via_bn254_r_le, 32);
        via_put_le32(p + 72, z->n_vars);
        via_put_le32(p + 76, z->n_public);
        via_put_le32(p + 80, z->domain_size);
        p += 84;
        memcpy(p, &z->alpha1, G1_SIZE), p += G1_SIZE;
        memcpy(p, &z->beta1, G1_SIZE), p += G1_SIZE;
        memcpy(p, &z->beta2, G2_SIZE), p += G2_SIZE;
        memcpy(p, &z->gamma2, G2_SIZE), p += G2_SIZE;
        memcpy(p, &z->delta1, G1_SIZE), p += G1_SIZE;
        memcpy(p, &z->delta2, G2_SIZE);
        if ((rc = via_binfile_write_section_header(f, path, id, sizeof h, err))) return rc;
        return via_binfile_write(f, path, h, sizeof h, err);
    }
    case SEC_IC:
    case SEC_A:
    case SEC_B1:
    case SEC_C:
    case SEC_H: {
        const void *pts = id == SEC_IC   ? (const void *)z->ic
                          : id == SEC_A  ? (const void *)z->a
                          : id == SEC_B1 ? (const void *)z->b1
                          : id == SEC_C  ? (const void *)z->c
                                         : (const void *)z->h;
        uint64_t n = id == SEC_IC  ? (uint64_t)z->n_public + 1
                     : id == SEC_C ? n_priv
                     : id == SEC_H ? z->domain_size
                                   : n_vars;
        if ((rc = via_binfile_write_section_header(f, path, id, n * G1_SIZE, err))) return rc;
        return via_binfile_write(f, path, pts, (size_t)(n * G1_SIZE), err);
    }
    case SEC_B2:
        if ((rc = via_binfile_write_section_header(f, path, id, n_vars * G2_SIZE, err))) return rc;
        return via_binfile_write(f, path, z->b2, (size_t)(n_vars * G2_SIZE), err);
    case SEC_COEFS: {
        if ((rc = via_binfile_write_section_header(f, path, id,
                                                   4 + (uint64_t)z->n_coefs * COEF_ENTRY, err)))
            return rc;
        uint8_t b4[4];
        via_put_le32(b4, z->n_coefs);
        if ((rc = via_binfile_write(f, path, b4, 4, err))) return rc;
        enum { CHUNK = 1024 };
        uint8_t buf[CHUNK * COEF_ENTRY];
        for (uint32_t i = 0; i < z->n_coefs;) {
            uint32_t k = 0;
            for (; k < CHUNK && i < z->n_coefs; k++, i++) {
                uint8_t *e = buf + (size_t)k * COEF_ENTRY;
                via_put_le32(e, z->coefs[i].matrix);
                via_put_le32(e + 4, z->coefs[i].row);
                via_put_le32(e + 8, z->coefs[i].signal);
                uint64_t stored[4];
                via_mont_mul(stored, z->coefs[i].value.l, via_fr_mod.r2, &via_fr_mod);
                via_limbs_to_bytes_le(e + 12, stored);
            }
            if ((rc = via_binfile_write(f, path, buf, (size_t)k * COEF_ENTRY, err))) return rc;
        }
        return VIA_OK;
    }
    case SEC_MPC: {
        uint64_t size = 68;
        for (uint32_t i = 0; i < z->n_contributions; i++)
            size += CONTRIB_FIXED + contribution_params(&z->contributions[i], NULL);
        if ((rc = via_binfile_write_section_header(f, path, id, size, err))) return rc;
        if ((rc = via_binfile_write(f, path, z->cs_hash, 64, err))) return rc;
        uint8_t b4[4];
        via_put_le32(b4, z->n_contributions);
        if ((rc = via_binfile_write(f, path, b4, 4, err))) return rc;
        for (uint32_t i = 0; i < z->n_contributions; i++) {
            const via_zkey_contribution *c = &z->contributions[i];
            uint8_t fixed[CONTRIB_FIXED], params[2 + 255 + 4 + 255];
            uint8_t *p = fixed;
            memcpy(p, &c->delta_after, G1_SIZE), p += G1_SIZE;
            memcpy(p, &c->g1_s, G1_SIZE), p += G1_SIZE;
            memcpy(p, &c->g1_sx, G1_SIZE), p += G1_SIZE;
            memcpy(p, &c->g2_spx, G2_SIZE), p += G2_SIZE;
            memcpy(p, c->transcript, 64), p += 64;
            uint64_t plen = contribution_params(c, params);
            via_put_le32(p, c->type);
            via_put_le32(p + 4, (uint32_t)plen);
            if ((rc = via_binfile_write(f, path, fixed, sizeof fixed, err))) return rc;
            if ((rc = via_binfile_write(f, path, params, (size_t)plen, err))) return rc;
        }
        return VIA_OK;
    }
    }
    return via_fail(err, VIA_EINVAL, "%s: no zkey section %u", path, id);
}

int via_zkey_write(const via_zkey *z, const char *path, via_error *err) {
    static const uint32_t snarkjs_order[10] = {1, 2, 4, 3, 9, 8, 5, 6, 7, 10};
    const uint32_t *order = z->section_order[0] ? z->section_order : snarkjs_order;
    uint32_t seen = 0;
    for (int i = 0; i < 10; i++) {
        if (order[i] < 1 || order[i] > 10 || (seen >> order[i] & 1))
            return via_fail(err, VIA_EINVAL, "%s: section_order is not a permutation of 1..10",
                            path);
        seen |= 1u << order[i];
    }
    if (z->n_public >= z->n_vars || z->domain_size == 0)
        return via_fail(err, VIA_EINVAL,
                        "%s: inconsistent key sizes (nVars %u, nPublic %u, domain %u)", path,
                        z->n_vars, z->n_public, z->domain_size);
    via_atomic_file af; /* written beside path and renamed over it when complete */
    int arc = via_atomic_open(&af, path, 0, err);
    if (arc) return arc;
    FILE *f = af.f;
    int rc = via_binfile_write_header(f, path, "zkey", 1, 10, err);
    for (int i = 0; i < 10 && !rc; i++)
        rc = write_section(f, path, z, order[i], err);
    if (rc)
        via_atomic_abort(&af);
    else
        rc = via_atomic_commit(&af, err);
    return rc;
}

/* snarkjs's "uncompressed" form (wasmcurves LEMtoU): the affine point converted out of
 * Montgomery form and each coordinate's bytes reversed, i.e. big-endian; an Fq2 coordinate is
 * its 64-byte LE (c0, c1) reversed, so c1 comes first. Infinity stays all zero. */

static void hash_g1(via_blake2b_ctx *h, const via_g1_affine *p) {
    uint8_t u[64] = {0};
    if (!via_fq_is_zero(&p->x) || !via_fq_is_zero(&p->y)) {
        via_fq_to_bytes_be(u, &p->x);
        via_fq_to_bytes_be(u + 32, &p->y);
    }
    via_blake2b_update(h, u, sizeof u);
}

static void hash_g2(via_blake2b_ctx *h, const via_g2_affine *p) {
    uint8_t u[128] = {0};
    if (!via_fq2_is_zero(&p->x) || !via_fq2_is_zero(&p->y)) {
        via_fq_to_bytes_be(u, &p->x.c1);
        via_fq_to_bytes_be(u + 32, &p->x.c0);
        via_fq_to_bytes_be(u + 64, &p->y.c1);
        via_fq_to_bytes_be(u + 96, &p->y.c0);
    }
    via_blake2b_update(h, u, sizeof u);
}

void via_zkey_contribution_hash(uint8_t out[64], const via_zkey_contribution *c) {
    via_blake2b_ctx h;
    via_blake2b_init(&h, 64);
    hash_g1(&h, &c->delta_after);
    hash_g1(&h, &c->g1_s);
    hash_g1(&h, &c->g1_sx);
    hash_g2(&h, &c->g2_spx);
    via_blake2b_update(&h, c->transcript, 64);
    via_blake2b_final(&h, out);
}

static void print_hex_block(FILE *out, const uint8_t *h, size_t n, const char *indent) {
    for (size_t i = 0; i < n; i++) {
        if (i % 16 == 0) fprintf(out, "%s", indent);
        fprintf(out, "%02x", h[i]);
        if (i % 4 == 3) fputc(i % 16 == 15 || i + 1 == n ? '\n' : ' ', out);
    }
}

void via_zkey_describe(const via_zkey *z, FILE *out) {
    uint32_t n_a = 0, n_b = 0;
    for (uint32_t i = 0; i < z->n_coefs; i++) {
        if (z->coefs[i].matrix)
            n_b++;
        else
            n_a++;
    }
    fprintf(out, "zkey: protocol groth16, curve bn128\n");
    fprintf(out, "  nVars %u (1 + %u public + %u private)\n", z->n_vars, z->n_public,
            z->n_vars - z->n_public - 1);
    fprintf(out, "  domain size %u (2^%u)\n", z->domain_size, z->log2_domain);
    fprintf(out, "  coefficients %u (A %u, B %u)\n", z->n_coefs, n_a, n_b);
    fprintf(out, "  section order");
    for (int i = 0; i < 10; i++)
        fprintf(out, " %u", z->section_order[i]);
    fprintf(out, "\n  circuit hash:\n");
    print_hex_block(out, z->cs_hash, 64, "    ");
    fprintf(out, "  contributions %u\n", z->n_contributions);
    for (uint32_t i = 0; i < z->n_contributions; i++) {
        const via_zkey_contribution *c = &z->contributions[i];
        fprintf(out, "  #%u %s \"%s\"", i + 1, c->type == 1 ? "beacon" : "contribution",
                c->has_name ? c->name : "");
        if (c->type == 1 && c->has_num_iterations_exp)
            fprintf(out, " (2^%u iterations)", c->num_iterations_exp);
        uint8_t hash[64];
        via_zkey_contribution_hash(hash, c);
        fprintf(out, "\n    contribution hash:\n");
        print_hex_block(out, hash, 64, "      ");
    }
}
