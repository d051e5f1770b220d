#include "via/file.h"
#include "via/wtns.h"

#include <errno.h>
#include <string.h>

#include "via/binfile.h"
#include "via/field.h"
#include "via/runtime.h"

void via_wtns_free(via_wtns *w) {
    via_free_big(w->values);
    memset(w, 0, sizeof *w);
}

static int wtns_parse(via_wtns *w, const via_binfile *bf, via_error *err) {
    const via_binfile_section *s1, *s2;
    int rc = via_binfile_section_get(bf, 1, "header", 1, &s1, err);
    if (!rc) rc = via_binfile_section_get(bf, 2, "values", 1, &s2, err);
    if (rc) return rc;
    uint8_t h[40];
    if (s1->size < 4)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected 40",
                        bf->name, (unsigned long long)s1->size);
    if ((rc = via_binfile_read(bf, s1, 0, h, 4, err))) return rc;
    uint32_t n8 = via_le32(h);
    if (n8 != 32)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 1 (header): field size n8 = %u, only 32 (BN254) is supported",
                        bf->name, n8);
    if (s1->size != 40)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): size %llu bytes, expected 40",
                        bf->name, (unsigned long long)s1->size);
    if ((rc = via_binfile_read(bf, s1, 0, h, 40, err))) return rc;
    if (memcmp(h + 4, via_bn254_r_le, 32) != 0)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "%s: section 1 (header): prime is not the BN254 scalar field order r",
                        bf->name);
    uint32_t n = via_le32(h + 36);
    if (n > VIA_WTNS_MAX_VALUES)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): %u values, at most %u supported",
                        bf->name, n, VIA_WTNS_MAX_VALUES);
    if (s2->size != (uint64_t)n * 32)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 2 (values): size %llu bytes, expected %llu for %u values",
                        bf->name, (unsigned long long)s2->size, (unsigned long long)n * 32, n);
    uint8_t *buf;
    if ((rc = via_binfile_read_section(bf, s2, &buf, err))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        if (!via_bytes_lt_mod(buf + (uint64_t)i * 32, via_fr_mod.p)) {
            via_free_big(buf);
            return via_fail(err, VIA_EFORMAT, "%s: section 2 (values): value %u is not below r",
                            bf->name, i);
        }
    }
    w->n = n;
    w->values = (via_scalar *)buf;
    return VIA_OK;
}

int via_wtns_read(via_wtns *w, const char *path, via_error *err) {
    memset(w, 0, sizeof *w);
    via_binfile bf;
    int rc = via_binfile_open(&bf, path, "wtns", 2, err);
    if (rc) return rc;
    rc = wtns_parse(w, &bf, err);
    via_binfile_close(&bf);
    return rc;
}

int via_wtns_read_mem(via_wtns *w, const char *name, const uint8_t *data, size_t len,
                      via_error *err) {
    memset(w, 0, sizeof *w);
    via_binfile bf;
    int rc = via_binfile_open_mem(&bf, name, data, len, "wtns", 2, err);
    if (rc) return rc;
    rc = wtns_parse(w, &bf, err);
    via_binfile_close(&bf);
    return rc;
}

int via_wtns_write(const via_scalar *values, uint32_t n, const char *path, via_error *err) {
    for (uint32_t i = 0; i < n; i++)
        if (!via_limbs_lt(values[i].l, via_fr_mod.p))
            return via_fail(err, VIA_EINVAL, "%s: witness value %u is not below r", path, i);
    via_atomic_file af; /* written beside path and renamed over it when complete */
    int arc = via_atomic_open(&af, path, 0, err);
    if (arc) return arc;
    FILE *f = af.f;
    uint8_t h[40];
    via_put_le32(h, 32);
    memcpy(h + 4, via_bn254_r_le, 32);
    via_put_le32(h + 36, n);
    int rc = via_binfile_write_header(f, path, "wtns", 2, 2, err);
    if (!rc) rc = via_binfile_write_section_header(f, path, 1, sizeof h, err);
    if (!rc) rc = via_binfile_write(f, path, h, sizeof h, err);
    if (!rc) rc = via_binfile_write_section_header(f, path, 2, (uint64_t)n * 32, err);
    uint8_t buf[32 * 256];
    for (uint32_t i = 0; i < n && !rc;) {
        uint32_t k = 0;
        for (; k < 256 && i < n; k++, i++)
            via_limbs_to_bytes_le(buf + 32 * k, values[i].l);
        rc = via_binfile_write(f, path, buf, (size_t)k * 32, err);
    }
    if (rc)
        via_atomic_abort(&af);
    else
        rc = via_atomic_commit(&af, err);
    return rc;
}

void via_wtns_describe(const via_wtns *w, FILE *out) {
    fprintf(out, "wtns: %u values (prime r of BN254)\n", w->n);
    size_t show = w->n < 4 ? w->n : 4;
    for (size_t i = 0; i < show; i++) {
        char dec[80];
        via_limbs_to_decimal(dec, sizeof dec, w->values[i].l);
        fprintf(out, "  w[%zu] = %s\n", i, dec);
    }
    if (w->n > show) fprintf(out, "  ...\n");
}
