/* The aggregation SRS from two powers-of-tau ceremonies, its file and its reader; see
 * via/srs.h and docs/srs.md. */
#include "via/srs.h"

#include <stdlib.h>
#include <string.h>

#include "via/binfile.h"
#include "via/groth16.h"
#include "via/file.h"
#include "via/runtime.h"

#define G1_SIZE 64u
#define G2_SIZE 128u

static const char *const sec_names[6] = {"", "header", "g^(a^i)", "g^(b^i)", "h^(a^i)", "h^(b^i)"};

void via_srs_free(via_srs *s) {
    if (!s) return;
    via_free_big(s->g_a);
    via_free_big(s->g_b);
    via_free_big(s->h_a);
    via_free_big(s->h_b);
    memset(s, 0, sizeof *s);
}

static int alloc(via_srs *s, uint32_t n, int verifier, via_error *err) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->verifier_only = verifier;
    size_t n1 = verifier ? 2 : 2 * (size_t)n, n2 = verifier ? 2 : n;
    s->g_a = via_malloc_big(n1 * sizeof(via_g1_affine));
    s->g_b = via_malloc_big(n1 * sizeof(via_g1_affine));
    s->h_a = via_malloc_big(n2 * sizeof(via_g2_affine));
    s->h_b = via_malloc_big(n2 * sizeof(via_g2_affine));
    if (!s->g_a || !s->g_b || !s->h_a || !s->h_b) {
        via_srs_free(s);
        return via_fail(err, VIA_ENOMEM, "SRS for %u proofs: cannot allocate the powers", n);
    }
    return VIA_OK;
}

static int n_valid(uint32_t n) {
    return n >= 2 && n <= VIA_SRS_MAX_PROOFS && (n & (n - 1)) == 0;
}

typedef struct {
    const via_scalar *pw; /* the powers, canonical */
    via_g1_affine *g1;
    via_g2_affine *g2;
} dev_ctx;

static void dev_range(void *arg, size_t b, size_t e, unsigned w) {
    (void)w;
    dev_ctx *c = arg;
    via_g1_affine g;
    via_g2_affine h;
    via_g1_generator(&g);
    via_g2_generator(&h);
    for (size_t i = b; i < e; i++) {
        if (c->g1) {
            via_g1 t;
            via_g1_from_affine(&t, &g);
            via_g1_mul(&t, &t, c->pw[i].l);
            via_g1_to_affine(&c->g1[i], &t);
        } else {
            via_g2 t;
            via_g2_from_affine(&t, &h);
            via_g2_mul(&t, &t, c->pw[i].l);
            via_g2_to_affine(&c->g2[i], &t);
        }
    }
}

int via_srs_dev(via_srs *s, uint32_t n, via_error *err) {
    memset(s, 0, sizeof *s);
    if (!n_valid(n))
        return via_fail(err, VIA_EINVAL,
                        "SRS size %u: the number of proofs must be a power of two from 2 to %u", n,
                        VIA_SRS_MAX_PROOFS);
    int rc = alloc(s, n, 0, err);
    if (rc) return rc;
    size_t np = 2 * (size_t)n;
    via_scalar *pw = via_malloc_big(np * sizeof *pw);
    if (!pw) {
        via_srs_free(s);
        return via_fail(err, VIA_ENOMEM, "development SRS for %u proofs", n);
    }
    for (int k = 0; k < 2 && !rc; k++) {
        via_scalar x;
        if ((rc = via_random_scalar(&x, err))) break;
        via_fr xm, p;
        via_fr_from_canon_unchecked(&xm, x.l);
        via_fr_set_one(&p);
        for (size_t i = 0; i < np; i++) {
            via_fr_to_canon(pw[i].l, &p);
            via_fr_mul(&p, &p, &xm);
        }
        dev_ctx c1 = {pw, k ? s->g_b : s->g_a, NULL};
        via_parallel_for(np, 64, dev_range, &c1);
        dev_ctx c2 = {pw, NULL, k ? s->h_b : s->h_a};
        via_parallel_for(n, 32, dev_range, &c2);
        via_wipe(&x, sizeof x);
        via_wipe(&xm, sizeof xm);
        via_wipe(&p, sizeof p);
    }
    via_free_big_wipe(pw, np * sizeof *pw);
    if (rc) via_srs_free(s);
    return rc;
}

int via_srs_from_ptau(via_srs *s, const via_ptau *a, const char *name_a, const via_ptau *b,
                      const char *name_b, uint32_t n, via_error *err) {
    memset(s, 0, sizeof *s);
    if (!n_valid(n))
        return via_fail(err, VIA_EINVAL,
                        "SRS size %u: the number of proofs must be a power of two from 2 to %u", n,
                        VIA_SRS_MAX_PROOFS);
    const via_ptau *p[2] = {a, b};
    const char *names[2] = {name_a, name_b};
    for (int k = 0; k < 2; k++) {
        if (!p[k]->tau_g1 || !p[k]->tau_g2)
            return via_fail(err, VIA_EINVAL, "%s: powers not loaded", names[k]);
        uint64_t big = (uint64_t)1 << p[k]->power;
        uint64_t most = big / 2; /* 2n <= 2N - 1 powers in G1, n <= N in G2 */
        if (n > most)
            return via_fail(err, VIA_EINVAL,
                            "%s: power %u holds %llu G1 and %llu G2 powers, enough for at most "
                            "%llu proofs, not %u (2n G1 and n G2 powers are needed)",
                            names[k], p[k]->power, (unsigned long long)(2 * big - 1),
                            (unsigned long long)big, (unsigned long long)most, n);
    }
    if (via_g1_affine_eq(&a->tau_g1[1], &b->tau_g1[1]) ||
        via_g2_affine_eq(&a->tau_g2[1], &b->tau_g2[1]))
        return via_fail(err, VIA_EINVAL,
                        "%s and %s have the same tau (their first powers are equal): the SRS "
                        "needs two independent ceremonies",
                        name_a, name_b);
    int rc = alloc(s, n, 0, err);
    if (rc) return rc;
    memcpy(s->g_a, a->tau_g1, 2 * (size_t)n * sizeof(via_g1_affine));
    memcpy(s->g_b, b->tau_g1, 2 * (size_t)n * sizeof(via_g1_affine));
    memcpy(s->h_a, a->tau_g2, (size_t)n * sizeof(via_g2_affine));
    memcpy(s->h_b, b->tau_g2, (size_t)n * sizeof(via_g2_affine));
    return VIA_OK;
}

int via_srs_verifier_part(via_srs *out, const via_srs *s, via_error *err) {
    int rc = alloc(out, s->n, 1, err);
    if (rc) return rc;
    memcpy(out->g_a, s->g_a, 2 * sizeof(via_g1_affine));
    memcpy(out->g_b, s->g_b, 2 * sizeof(via_g1_affine));
    memcpy(out->h_a, s->h_a, 2 * sizeof(via_g2_affine));
    memcpy(out->h_b, s->h_b, 2 * sizeof(via_g2_affine));
    return VIA_OK;
}

int via_srs_write(const via_srs *s, const char *path, via_error *err) {
    via_atomic_file af;
    int rc = via_atomic_open(&af, path, 0, err);
    if (rc) return rc;
    size_t n1 = s->verifier_only ? 2 : 2 * (size_t)s->n, n2 = s->verifier_only ? 2 : s->n;
    uint8_t h[8];
    via_put_le32(h, s->n);
    via_put_le32(h + 4, s->verifier_only ? 1 : 0);
    rc = via_binfile_write_header(af.f, path, "vsrs", 1, 5, err);
    if (!rc) rc = via_binfile_write_section_header(af.f, path, 1, sizeof h, err);
    if (!rc) rc = via_binfile_write(af.f, path, h, sizeof h, err);
    const void *arrays[4] = {s->g_a, s->g_b, s->h_a, s->h_b};
    for (int k = 0; k < 4 && !rc; k++) {
        uint64_t bytes = k < 2 ? n1 * G1_SIZE : n2 * G2_SIZE;
        rc = via_binfile_write_section_header(af.f, path, (uint32_t)(2 + k), bytes, err);
        if (!rc) rc = via_binfile_write(af.f, path, arrays[k], (size_t)bytes, err);
    }
    if (rc)
        via_atomic_abort(&af);
    else
        rc = via_atomic_commit(&af, err);
    return rc;
}

static int parse(via_srs *s, const via_binfile *bf, via_error *err) {
    const via_binfile_section *sec;
    int rc = via_binfile_section_get(bf, 1, sec_names[1], 1, &sec, err);
    if (rc) return rc;
    if (sec->size != 8)
        return via_fail(err, VIA_EFORMAT, "%s: section 1 (header): %llu bytes, expected 8",
                        bf->name, (unsigned long long)sec->size);
    uint8_t h[8];
    if ((rc = via_binfile_read(bf, sec, 0, h, 8, err))) return rc;
    uint32_t n = via_le32(h), kind = via_le32(h + 4);
    if (!n_valid(n))
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 1 (header): %u proofs is not a power of two from 2 to %u",
                        bf->name, n, VIA_SRS_MAX_PROOFS);
    if (kind > 1)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section 1 (header): kind %u (0: full SRS, 1: verifier part)", bf->name,
                        kind);
    size_t n1 = kind ? 2 : 2 * (size_t)n, n2 = kind ? 2 : n;
    /* every section's size is checked against the header before anything is allocated, so
     * a header claiming 2^20 proofs in a small file allocates nothing */
    const via_binfile_section *secs[4];
    for (int k = 0; k < 4; k++) {
        uint32_t id = (uint32_t)(2 + k);
        size_t count = k < 2 ? n1 : n2, psize = k < 2 ? G1_SIZE : G2_SIZE;
        if ((rc = via_binfile_section_get(bf, id, sec_names[id], 1, &secs[k], err))) return rc;
        if (secs[k]->size != (uint64_t)count * psize)
            return via_fail(err, VIA_EFORMAT,
                            "%s: section %u (%s): %llu bytes, expected %zu for %zu points",
                            bf->name, id, sec_names[id], (unsigned long long)secs[k]->size,
                            count * psize, count);
    }
    if ((rc = alloc(s, n, (int)kind, err))) return rc;
    void *arrays[4] = {s->g_a, s->g_b, s->h_a, s->h_b};
    for (int k = 0; k < 4; k++) {
        uint32_t id = (uint32_t)(2 + k);
        size_t count = k < 2 ? n1 : n2, psize = k < 2 ? G1_SIZE : G2_SIZE;
        if ((rc = via_binfile_read(bf, secs[k], 0, arrays[k], count * psize, err))) return rc;
        if ((rc = via_check_points(arrays[k], count, k < 2 ? 2 : 4, bf->name, id, sec_names[id],
                                   err)))
            return rc;
    }
    via_g1_affine g;
    via_g2_affine hg;
    via_g1_generator(&g);
    via_g2_generator(&hg);
    if (!via_g1_affine_eq(&s->g_a[0], &g) || !via_g1_affine_eq(&s->g_b[0], &g) ||
        !via_g2_affine_eq(&s->h_a[0], &hg) || !via_g2_affine_eq(&s->h_b[0], &hg))
        return via_fail(err, VIA_EFORMAT,
                        "%s: the powers do not start at the generators (power 0 must be g and h)",
                        bf->name);
    for (int k = 0; k < 2; k++) {
        const via_g2_affine *q = k ? &s->h_b[1] : &s->h_a[1];
        if (!via_g2_affine_in_subgroup(q))
            return via_fail(err, VIA_EFORMAT,
                            "%s: section %d (%s): point 1 is not in the G2 subgroup", bf->name,
                            k ? 5 : 4, sec_names[k ? 5 : 4]);
    }
    if (via_g1_affine_eq(&s->g_a[1], &s->g_b[1]))
        return via_fail(err, VIA_EFORMAT, "%s: a and b are the same secret (g^a = g^b)", bf->name);
    return VIA_OK;
}

static int finish(via_srs *s, via_binfile *bf, via_error *err) {
    int rc = parse(s, bf, err);
    via_binfile_close(bf);
    if (rc) via_srs_free(s);
    return rc;
}

int via_srs_read(via_srs *s, const char *path, via_error *err) {
    memset(s, 0, sizeof *s);
    via_binfile bf;
    int rc = via_binfile_open(&bf, path, "vsrs", 1, err);
    return rc ? rc : finish(s, &bf, err);
}

int via_srs_read_mem(via_srs *s, const char *name, const uint8_t *data, size_t len,
                     via_error *err) {
    memset(s, 0, sizeof *s);
    via_binfile bf;
    int rc = via_binfile_open_mem(&bf, name, data, len, "vsrs", 1, err);
    return rc ? rc : finish(s, &bf, err);
}
