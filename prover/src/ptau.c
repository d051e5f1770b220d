#include "via/ptau.h"

#include <string.h>

#include "via/binfile.h"
#include "via/runtime.h"

#define G1_SIZE 64u
#define G2_SIZE 128u
#define CONTRIB_FIXED (3 * G1_SIZE + 2 * G2_SIZE + 768 + 216 + 64 + 4 + 4)

static const char *sec_name(uint32_t id) {
    switch (id) {
    case 1:
        return "header";
    case 2:
        return "tauG1";
    case 3:
        return "tauG2";
    case 4:
        return "alphaTauG1";
    case 5:
        return "betaTauG1";
    case 6:
        return "betaG2";
    case 7:
        return "contributions";
    case 12:
        return "Lagrange tauG1";
    case 13:
        return "Lagrange tauG2";
    case 14:
        return "Lagrange alphaTauG1";
    case 15:
        return "Lagrange betaTauG1";
    }
    return "unknown";
}

void via_ptau_free(via_ptau *p) {
    via_free_big(p->tau_g1);
    via_free_big(p->tau_g2);
    via_free_big(p->alpha_tau_g1);
    via_free_big(p->beta_tau_g1);
    via_free_big(p->lagrange_g1);
    via_free_big(p->lagrange_g2);
    via_free_big(p->lagrange_alpha_g1);
    via_free_big(p->lagrange_beta_g1);
    via_free_big(p->contributions);
    memset(p, 0, sizeof *p);
}

/* Checks the size of section id (n points of size psize) and, when out is given, loads it. */
static int points_section(const via_binfile *bf, uint32_t id, int required, uint64_t n,
                          unsigned psize, void **out, int *present, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, id, sec_name(id), required, &s, err);
    if (present) *present = s != NULL;
    if (rc || !s) return rc;
    if (s->size != n * psize)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section %u (%s): size %llu bytes, expected %llu (%llu points)",
                        bf->name, id, sec_name(id), (unsigned long long)s->size,
                        (unsigned long long)n * psize, (unsigned long long)n);
    if (!out) return VIA_OK;
    uint8_t *buf;
    if ((rc = via_binfile_read_section(bf, s, &buf, err))) return rc;
    if ((rc =
             via_check_points(buf, n, psize == G1_SIZE ? 2 : 4, bf->name, id, sec_name(id), err))) {
        via_free_big(buf);
        return rc;
    }
    *out = buf;
    return VIA_OK;
}

static int parse_contributions(via_ptau *p, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, 7, sec_name(7), 1, &s, err);
    if (rc) return rc;
    if (s->size < 4)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 7 (contributions): size %llu bytes, too short", bf->name,
                        (unsigned long long)s->size);
    uint8_t *buf;
    if ((rc = via_binfile_read_section(bf, s, &buf, err))) return rc;
    uint32_t n = via_le32(buf);
    if (n > (s->size - 4) / CONTRIB_FIXED) {
        via_free_big(buf);
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 7 (contributions): %u contributions cannot fit in %llu bytes",
                        bf->name, n, (unsigned long long)s->size);
    }
    via_ptau_contribution *cs = via_malloc_big((size_t)n * sizeof *cs);
    if (!cs) {
        via_free_big(buf);
        return via_fail(err, VIA_ENOMEM, "%s: section 7: cannot allocate %u contributions",
                        bf->name, n);
    }
    uint64_t pos = 4, len = s->size;
    for (uint32_t i = 0; i < n && !rc; i++) {
        via_ptau_contribution *c = &cs[i];
        memset(c, 0, sizeof *c);
        if (len - pos < CONTRIB_FIXED) {
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: section 7 (contributions): contribution %u truncated", bf->name, i);
            break;
        }
        const uint8_t *q = buf + pos;
        /* tauG1, tauG2, alphaG1, betaG1, betaG2, then the public key 6 G1 + 3 G2 */
        rc = via_check_points(q, 1, 2, bf->name, 7, sec_name(7), err);
        if (!rc) rc = via_check_points(q + 64, 1, 4, bf->name, 7, sec_name(7), err);
        if (!rc) rc = via_check_points(q + 192, 2, 2, bf->name, 7, sec_name(7), err);
        if (!rc) rc = via_check_points(q + 320, 1, 4, bf->name, 7, sec_name(7), err);
        if (!rc) rc = via_check_points(q + 448, 6, 2, bf->name, 7, sec_name(7), err);
        if (!rc) rc = via_check_points(q + 448 + 384, 3, 4, bf->name, 7, sec_name(7), err);
        if (rc) break;
        memcpy(&c->tau_g1, q, 64);
        memcpy(&c->tau_g2, q + 64, 128);
        memcpy(&c->alpha_g1, q + 192, 64);
        memcpy(&c->beta_g1, q + 256, 64);
        memcpy(&c->beta_g2, q + 320, 128);
        memcpy(c->pubkey, q + 448, 768);
        memcpy(c->partial_hash, q + 1216, 216);
        memcpy(c->next_challenge, q + 1432, 64);
        c->type = via_le32(q + 1496);
        uint32_t plen = via_le32(q + 1500);
        pos += CONTRIB_FIXED;
        if (plen > len - pos) {
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: section 7 (contributions): contribution %u: parameter length %u "
                          "runs past the section end",
                          bf->name, i, plen);
            break;
        }
        uint64_t end = pos + plen;
        unsigned last = 0;
        while (pos < end && !rc) {
            unsigned t = buf[pos++];
            if (t <= last || t > 3) {
                rc = via_fail(err, VIA_EFORMAT,
                              "%s: section 7 (contributions): contribution %u: parameter %u "
                              "unknown or out of order",
                              bf->name, i, t);
                break;
            }
            last = t;
            if (pos >= end) { /* the parameter's value is missing */
                pos = end + 1;
                break;
            }
            if (t == 2) {
                c->num_iterations_exp = buf[pos++];
                c->has_num_iterations_exp = 1;
                continue;
            }
            unsigned l = buf[pos++];
            if (l > end - pos) {
                pos = end + 1;
                break;
            }
            if (t == 1) {
                memcpy(c->name, buf + pos, l);
                c->name[l] = 0;
                c->has_name = 1;
            } else {
                memcpy(c->beacon_hash, buf + pos, l);
                c->beacon_hash_len = l;
            }
            pos += l;
        }
        if (!rc && pos != end)
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: section 7 (contributions): contribution %u: parameters do not "
                          "match their length %u",
                          bf->name, i, plen);
    }
    if (!rc && pos != len)
        rc = via_fail(err, VIA_EFORMAT,
                      "%s: section 7 (contributions): %llu bytes left after %u contributions",
                      bf->name, (unsigned long long)(len - pos), n);
    via_free_big(buf);
    if (rc) {
        via_free_big(cs);
        return rc;
    }
    p->n_contributions = n;
    p->contributions = cs;
    return VIA_OK;
}

static int ptau_parse(via_ptau *p, const via_binfile *bf, unsigned load, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, 1, "header", 1, &s, err);
    if (rc) return rc;
    uint8_t h[44];
    if (s->size < 4)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected 44",
                        bf->name, (unsigned long long)s->size);
    if ((rc = via_binfile_read(bf, s, 0, h, 4, err))) return rc;
    if (via_le32(h) != 32)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 1 (header): field size %u, only 32 (BN254) is supported",
                        bf->name, via_le32(h));
    if (s->size != 44)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected 44",
                        bf->name, (unsigned long long)s->size);
    if ((rc = via_binfile_read(bf, s, 0, h, 44, err))) return rc;
    if (memcmp(h + 4, via_bn254_q_le, 32) != 0)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 1 (header): prime is not the BN254 base field modulus q",
                        bf->name);
    p->power = via_le32(h + 36);
    p->ceremony_power = via_le32(h + 40);
    if (p->power < 1 || p->power > VIA_PTAU_MAX_POWER)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): power %u out of range 1..%d",
                        bf->name, p->power, VIA_PTAU_MAX_POWER);
    if (p->ceremony_power < p->power || p->ceremony_power > VIA_PTAU_MAX_POWER)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 1 (header): ceremony power %u must be in %u..%d", bf->name,
                        p->ceremony_power, p->power, VIA_PTAU_MAX_POWER);
    uint64_t N = (uint64_t)1 << p->power;
    int powers = (load & VIA_PTAU_LOAD_POWERS) != 0, lag = (load & VIA_PTAU_LOAD_LAGRANGE) != 0;
    if ((rc = points_section(bf, 2, 1, 2 * N - 1, G1_SIZE, powers ? (void **)&p->tau_g1 : NULL,
                             NULL, err)))
        return rc;
    if ((rc = points_section(bf, 3, 1, N, G2_SIZE, powers ? (void **)&p->tau_g2 : NULL, NULL, err)))
        return rc;
    if ((rc = points_section(bf, 4, 1, N, G1_SIZE, powers ? (void **)&p->alpha_tau_g1 : NULL, NULL,
                             err)))
        return rc;
    if ((rc = points_section(bf, 5, 1, N, G1_SIZE, powers ? (void **)&p->beta_tau_g1 : NULL, NULL,
                             err)))
        return rc;
    via_g2_affine *beta = NULL;
    if ((rc = points_section(bf, 6, 1, 1, G2_SIZE, (void **)&beta, NULL, err))) return rc;
    p->beta_g2 = *beta;
    via_free_big(beta);
    if ((rc = parse_contributions(p, bf, err))) return rc;

    int have[4];
    if ((rc = points_section(bf, 12, 0, 4 * N - 1, G1_SIZE, lag ? (void **)&p->lagrange_g1 : NULL,
                             &have[0], err)))
        return rc;
    if ((rc = points_section(bf, 13, 0, 2 * N - 1, G2_SIZE, lag ? (void **)&p->lagrange_g2 : NULL,
                             &have[1], err)))
        return rc;
    if ((rc = points_section(bf, 14, 0, 2 * N - 1, G1_SIZE,
                             lag ? (void **)&p->lagrange_alpha_g1 : NULL, &have[2], err)))
        return rc;
    if ((rc = points_section(bf, 15, 0, 2 * N - 1, G1_SIZE,
                             lag ? (void **)&p->lagrange_beta_g1 : NULL, &have[3], err)))
        return rc;
    int n_have = have[0] + have[1] + have[2] + have[3];
    if (n_have != 0 && n_have != 4)
        return via_fail(
            err, VIA_EFORMAT,
            "%s: sections 12..15 (Lagrange): only %d of the 4 prepared sections present", bf->name,
            n_have);
    p->prepared = n_have == 4;
    if (lag && !p->prepared)
        return via_fail(err, VIA_EINVAL,
                        "%s: not prepared for phase 2 (no sections 12..15); run "
                        "`snarkjs powersoftau prepare phase2` first",
                        bf->name);
    return VIA_OK;
}

int via_ptau_read(via_ptau *p, const char *path, unsigned load, via_error *err) {
    memset(p, 0, sizeof *p);
    via_binfile bf;
    int rc = via_binfile_open(&bf, path, "ptau", 1, err);
    if (rc) return rc;
    rc = ptau_parse(p, &bf, load, err);
    via_binfile_close(&bf);
    if (rc) via_ptau_free(p);
    return rc;
}

int via_ptau_read_mem(via_ptau *p, const char *name, const uint8_t *data, size_t len, unsigned load,
                      via_error *err) {
    memset(p, 0, sizeof *p);
    via_binfile bf;
    int rc = via_binfile_open_mem(&bf, name, data, len, "ptau", 1, err);
    if (rc) return rc;
    rc = ptau_parse(p, &bf, load, err);
    via_binfile_close(&bf);
    if (rc) via_ptau_free(p);
    return rc;
}

const via_g1_affine *via_ptau_lagrange_g1(const via_ptau *p, uint32_t log2n) {
    if (!p->lagrange_g1 || log2n > p->power + 1) return NULL;
    return p->lagrange_g1 + (((size_t)1 << log2n) - 1);
}
const via_g2_affine *via_ptau_lagrange_g2(const via_ptau *p, uint32_t log2n) {
    if (!p->lagrange_g2 || log2n > p->power) return NULL;
    return p->lagrange_g2 + (((size_t)1 << log2n) - 1);
}
const via_g1_affine *via_ptau_lagrange_alpha_g1(const via_ptau *p, uint32_t log2n) {
    if (!p->lagrange_alpha_g1 || log2n > p->power) return NULL;
    return p->lagrange_alpha_g1 + (((size_t)1 << log2n) - 1);
}
const via_g1_affine *via_ptau_lagrange_beta_g1(const via_ptau *p, uint32_t log2n) {
    if (!p->lagrange_beta_g1 || log2n > p->power) return NULL;
    return p->lagrange_beta_g1 + (((size_t)1 << log2n) - 1);
}

void via_ptau_describe(const via_ptau *p, FILE *out) {
    fprintf(out, "ptau: curve bn128, power %u (%llu tau powers in G2), ceremony power %u\n",
            p->power, 1ull << p->power, p->ceremony_power);
    fprintf(out, "  prepared for phase 2: %s\n",
            p->prepared ? "yes (Lagrange sections 12..15)" : "no");
    fprintf(out, "  contributions %u\n", p->n_contributions);
    for (uint32_t i = 0; i < p->n_contributions; i++) {
        const via_ptau_contribution *c = &p->contributions[i];
        fprintf(out, "  #%u %s \"%s\"", i + 1, c->type == 1 ? "beacon" : "contribution",
                c->has_name ? c->name : "");
        if (c->type == 1 && c->has_num_iterations_exp)
            fprintf(out, " (2^%u iterations)", c->num_iterations_exp);
        fprintf(out, "\n    next challenge hash: ");
        for (int j = 0; j < 64; j++)
            fprintf(out, "%02x%s", c->next_challenge[j], j % 4 == 3 && j < 63 ? " " : "");
        fprintf(out, "\n");
    }
}
