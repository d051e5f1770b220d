#include "via/file.h"
#include "via/r1cs.h"

#include <errno.h>
#include <string.h>

#include "via/binfile.h"
#include "via/runtime.h"

#define HEADER_SIZE 64u /* 4 + 32 + 4*4 + 8 + 4 */
#define TERM_SIZE 36u

void via_r1cs_free(via_r1cs *r) {
    via_free_big(r->lc_start);
    via_free_big(r->wires);
    via_free_big(r->coefs);
    via_free_big(r->wire_to_label);
    memset(r, 0, sizeof *r);
}

static int parse_header(via_r1cs *r, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, 1, "header", 1, &s, err);
    if (rc) return rc;
    uint8_t h[HEADER_SIZE];
    if (s->size < 4)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected %u",
                        bf->name, (unsigned long long)s->size, HEADER_SIZE);
    if ((rc = via_binfile_read(bf, s, 0, h, 4, err))) return rc;
    uint32_t n8 = via_le32(h);
    if (n8 != 32)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 1 (header): field size %u, only 32 (BN254) is supported",
                        bf->name, n8);
    if (s->size != HEADER_SIZE)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected %u",
                        bf->name, (unsigned long long)s->size, HEADER_SIZE);
    if ((rc = via_binfile_read(bf, s, 0, h, HEADER_SIZE, err))) return rc;
    if (memcmp(h + 4, via_bn254_r_le, 32) != 0)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 1 (header): prime is not the BN254 scalar field order r",
                        bf->name);
    r->n_wires = via_le32(h + 36);
    r->n_pub_out = via_le32(h + 40);
    r->n_pub_in = via_le32(h + 44);
    r->n_prv_in = via_le32(h + 48);
    r->n_labels = via_le64(h + 52);
    r->n_constraints = via_le32(h + 60);
    if (r->n_wires < 1 || r->n_wires > VIA_R1CS_MAX_WIRES)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): nWires = %u out of range",
                        bf->name, r->n_wires);
    uint64_t io = 1 + (uint64_t)r->n_pub_out + r->n_pub_in + r->n_prv_in;
    if (io > r->n_wires)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 1 (header): 1 + %u outputs + %u public inputs + %u private "
                        "inputs exceeds nWires = %u",
                        bf->name, r->n_pub_out, r->n_pub_in, r->n_prv_in, r->n_wires);
    return VIA_OK;
}

static int parse_constraints(via_r1cs *r, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, 2, "constraints", 1, &s, err);
    if (rc) return rc;
    uint64_t m = r->n_constraints, min = m * 12; /* three empty LCs each */
    if (s->size < min || (s->size - min) % TERM_SIZE != 0)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (constraints): size %llu bytes cannot hold %u constraints "
                        "(12 bytes each plus 36 per term)",
                        bf->name, (unsigned long long)s->size, r->n_constraints);
    uint64_t n_terms = (s->size - min) / TERM_SIZE;
    uint8_t *buf;
    if ((rc = via_binfile_read_section(bf, s, &buf, err))) return rc;
    r->lc_start = via_malloc_big((size_t)(3 * m + 1) * sizeof *r->lc_start);
    r->wires = via_malloc_big((size_t)n_terms * sizeof *r->wires);
    r->coefs = via_malloc_big((size_t)n_terms * sizeof *r->coefs);
    if (!r->lc_start || !r->wires || !r->coefs) {
        via_free_big(buf);
        return via_fail(err, VIA_ENOMEM, "%s: section 2 (constraints): cannot allocate %llu terms",
                        bf->name, (unsigned long long)n_terms);
    }
    uint64_t pos = 0, t = 0;
    r->lc_start[0] = 0;
    for (uint64_t i = 0; i < 3 * m; i++) {
        static const char lcname[3] = {'A', 'B', 'C'};
        if (s->size - pos < 4) {
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: section 2 (constraints): constraint %llu %c: truncated", bf->name,
                          (unsigned long long)(i / 3), lcname[i % 3]);
            break;
        }
        uint32_t k = via_le32(buf + pos);
        pos += 4;
        if (k > (s->size - pos) / TERM_SIZE || k > n_terms - t) {
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: section 2 (constraints): constraint %llu %c: %u terms run past the "
                          "section end",
                          bf->name, (unsigned long long)(i / 3), lcname[i % 3], k);
            break;
        }
        for (uint32_t j = 0; j < k; j++, t++, pos += TERM_SIZE) {
            uint32_t wire = via_le32(buf + pos);
            if (wire >= r->n_wires) {
                rc = via_fail(err, VIA_EFORMAT,
                              "%s: section 2 (constraints): constraint %llu %c term %u: wire %u "
                              "is not below nWires = %u",
                              bf->name, (unsigned long long)(i / 3), lcname[i % 3], j, wire,
                              r->n_wires);
                break;
            }
            if (via_fr_from_bytes_le(&r->coefs[t], buf + pos + 4) != 0) {
                rc = via_fail(err, VIA_EFORMAT,
                              "%s: section 2 (constraints): constraint %llu %c term %u: "
                              "coefficient is not below r",
                              bf->name, (unsigned long long)(i / 3), lcname[i % 3], j);
                break;
            }
            r->wires[t] = wire;
        }
        if (rc) break;
        r->lc_start[i + 1] = t;
    }
    if (!rc && pos != s->size)
        rc = via_fail(err, VIA_EFORMAT,
                      "%s: section 2 (constraints): %llu bytes left after %u constraints", bf->name,
                      (unsigned long long)(s->size - pos), r->n_constraints);
    via_free_big(buf);
    r->n_terms = n_terms;
    return rc;
}

static int parse_map(via_r1cs *r, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s;
    int rc = via_binfile_section_get(bf, 3, "wire to label map", 0, &s, err);
    if (rc || !s) return rc;
    if (s->size != (uint64_t)r->n_wires * 8)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 3 (wire to label map): size %llu bytes, expected %llu for "
                        "nWires = %u",
                        bf->name, (unsigned long long)s->size, (unsigned long long)r->n_wires * 8,
                        r->n_wires);
    uint8_t *buf;
    if ((rc = via_binfile_read_section(bf, s, &buf, err))) return rc;
    uint64_t *map = (uint64_t *)buf; /* LE host: the file layout */
    for (uint32_t i = 0; i < r->n_wires; i++) {
        map[i] = via_le64(buf + 8 * (uint64_t)i);
        if (map[i] >= r->n_labels) {
            unsigned long long label = map[i];
            via_free_big(buf);
            return via_fail(err, VIA_EFORMAT,
                            "%s: section 3 (wire to label map): wire %u maps to label %llu, not "
                            "below nLabels = %llu",
                            bf->name, i, label, (unsigned long long)r->n_labels);
        }
    }
    r->wire_to_label = map;
    return VIA_OK;
}

static int r1cs_parse(via_r1cs *r, const via_binfile *bf, via_error *err) {
    int rc = parse_header(r, bf, err);
    if (!rc) rc = parse_constraints(r, bf, err);
    if (!rc) rc = parse_map(r, bf, err);
    if (rc) return rc;
    unsigned k = 0;
    for (uint32_t i = 0; i < bf->n_sections; i++)
        if (bf->sections[i].id >= 1 && bf->sections[i].id <= 3 && k < 3)
            r->section_order[k++] = bf->sections[i].id;
    return VIA_OK;
}

int via_r1cs_read(via_r1cs *r, const char *path, via_error *err) {
    memset(r, 0, sizeof *r);
    via_binfile bf;
    int rc = via_binfile_open(&bf, path, "r1cs", 1, err);
    if (rc) return rc;
    rc = r1cs_parse(r, &bf, err);
    via_binfile_close(&bf);
    if (rc) via_r1cs_free(r);
    return rc;
}

int via_r1cs_read_mem(via_r1cs *r, const char *name, const uint8_t *data, size_t len,
                      via_error *err) {
    memset(r, 0, sizeof *r);
    via_binfile bf;
    int rc = via_binfile_open_mem(&bf, name, data, len, "r1cs", 1, err);
    if (rc) return rc;
    rc = r1cs_parse(r, &bf, err);
    via_binfile_close(&bf);
    if (rc) via_r1cs_free(r);
    return rc;
}

static int write_section(FILE *f, const char *path, const via_r1cs *r, uint32_t id,
                         via_error *err) {
    int rc;
    if (id == 1) {
        uint8_t h[HEADER_SIZE];
        via_put_le32(h, 32);
        memcpy(h + 4, via_bn254_r_le, 32);
        via_put_le32(h + 36, r->n_wires);
        via_put_le32(h + 40, r->n_pub_out);
        via_put_le32(h + 44, r->n_pub_in);
        via_put_le32(h + 48, r->n_prv_in);
        via_put_le64(h + 52, r->n_labels);
        via_put_le32(h + 60, r->n_constraints);
        if ((rc = via_binfile_write_section_header(f, path, 1, sizeof h, err))) return rc;
        return via_binfile_write(f, path, h, sizeof h, err);
    }
    if (id == 2) {
        uint64_t m = r->n_constraints;
        uint64_t size = 12 * m + TERM_SIZE * r->lc_start[3 * m];
        if ((rc = via_binfile_write_section_header(f, path, 2, size, err))) return rc;
        uint8_t term[TERM_SIZE], b4[4];
        for (uint64_t i = 0; i < 3 * m; i++) {
            uint64_t a = r->lc_start[i], b = r->lc_start[i + 1];
            via_put_le32(b4, (uint32_t)(b - a));
            if ((rc = via_binfile_write(f, path, b4, 4, err))) return rc;
            for (uint64_t t = a; t < b; t++) {
                via_put_le32(term, r->wires[t]);
                via_fr_to_bytes_le(term + 4, &r->coefs[t]);
                if ((rc = via_binfile_write(f, path, term, TERM_SIZE, err))) return rc;
            }
        }
        return VIA_OK;
    }
    if ((rc = via_binfile_write_section_header(f, path, 3, (uint64_t)r->n_wires * 8, err)))
        return rc;
    for (uint32_t i = 0; i < r->n_wires; i++) {
        uint8_t b8[8];
        via_put_le64(b8, r->wire_to_label[i]);
        if ((rc = via_binfile_write(f, path, b8, 8, err))) return rc;
    }
    return VIA_OK;
}

int via_r1cs_write(const via_r1cs *r, const char *path, via_error *err) {
    static const uint32_t default_order[3] = {1, 2, 3};
    const uint32_t *order = r->section_order[0] ? r->section_order : default_order;
    uint32_t n_sections = r->wire_to_label ? 3 : 2;
    uint64_t m = r->n_constraints;
    for (uint64_t i = 0; i < 3 * m; i++)
        if (r->lc_start[i + 1] < r->lc_start[i])
            return via_fail(err, VIA_EINVAL, "%s: lc_start is not monotonic at %llu", path,
                            (unsigned long long)i);
    via_atomic_file af; /* written beside path and renamed over it when complete */
    int arc = via_atomic_open(&af, path, 0, err);
    if (arc) return arc;
    FILE *f = af.f;
    int rc = via_binfile_write_header(f, path, "r1cs", 1, n_sections, err);
    for (int i = 0; i < 3 && !rc; i++) {
        if (order[i] == 3 && !r->wire_to_label) continue;
        if (order[i] >= 1 && order[i] <= 3) rc = write_section(f, path, r, order[i], err);
    }
    if (rc)
        via_atomic_abort(&af);
    else
        rc = via_atomic_commit(&af, err);
    return rc;
}

void via_r1cs_describe(const via_r1cs *r, FILE *out) {
    fprintf(out, "r1cs: curve bn128 (prime r)\n");
    fprintf(out, "  wires %u, constraints %u, terms %llu\n", r->n_wires, r->n_constraints,
            (unsigned long long)r->n_terms);
    fprintf(out, "  public outputs %u, public inputs %u, private inputs %u\n", r->n_pub_out,
            r->n_pub_in, r->n_prv_in);
    fprintf(out, "  labels %llu%s\n", (unsigned long long)r->n_labels,
            r->wire_to_label ? "" : " (no wire to label map)");
}
