/*
 * A development powers-of-tau file, already prepared for phase 2, made in one step from
 * secrets drawn from the OS CSPRNG and wiped afterwards (a one-party ceremony: fine for tests,
 * benchmarks and devnets, never for production keys).
 *
 * Because tau is known while the file is made, every point is [f(tau)] for a field value f
 * computed directly: the powers tau^i, alpha*tau^i, beta*tau^i, and the Lagrange sections
 * 12..15, L^(2^p)_j(tau) = (tau^m - 1) / m * w^j / (tau - w^j) with w = omega_m, m = 2^p.
 * The extra block of section 12 (size 2N, N = 2^power) is what snarkjs computes from the
 * 2N-1 stored powers with the missing last power taken as zero, i.e.
 * L^(2N)_j(tau) - tau^(2N-1) * w^j / (2N)  (docs/sources.md: ptau).
 * Points are made with a fixed-base windowed table of the generator, over all cores.
 *
 * File layout (snarkjs powersoftau_new.js + preparephase2.js): sections 1 (header),
 * 2 tauG1 (2N-1), 3 tauG2 (N), 4 alphaTauG1 (N), 5 betaTauG1 (N), 6 betaG2 (1),
 * 7 contributions (count 0), 12..15 Lagrange blocks for p = 0..power (+ p = power+1 in 12).
 */
#include "via/ptau_dev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "via/file.h"
#include "via/binfile.h"
#include "via/runtime.h"

enum { WBITS = 8, NWIN = 32, WSIZE = 1 << WBITS };

typedef struct {
    via_g1_affine g1[NWIN][WSIZE];
    via_g2_affine g2[NWIN][WSIZE];
} fixed_tables;

static void build_tables(fixed_tables *t) {
    via_g1_affine g1a;
    via_g2_affine g2a;
    via_g1_generator(&g1a);
    via_g2_generator(&g2a);
    via_g1 base1, acc1;
    via_g2 base2, acc2;
    via_g1_from_affine(&base1, &g1a);
    via_g2_from_affine(&base2, &g2a);
    via_g1 *row1 = via_xmalloc(sizeof(via_g1) * WSIZE);
    via_g2 *row2 = via_xmalloc(sizeof(via_g2) * WSIZE);
    for (int w = 0; w < NWIN; w++) {
        via_g1_set_inf(&acc1);
        via_g2_set_inf(&acc2);
        for (int j = 0; j < WSIZE; j++) {
            row1[j] = acc1;
            row2[j] = acc2;
            via_g1_add(&acc1, &acc1, &base1);
            via_g2_add(&acc2, &acc2, &base2);
        }
        via_g1_batch_to_affine(t->g1[w], row1, WSIZE);
        via_g2_batch_to_affine(t->g2[w], row2, WSIZE);
        base1 = acc1; /* 256 * base */
        base2 = acc2;
    }
    via_xfree(row1);
    via_xfree(row2);
}

typedef struct {
    const fixed_tables *t;
    const via_fr *vals;
    void *out; /* via_g1_affine* or via_g2_affine* */
    int g2;
} mul_ctx;

static void mul_worker(void *arg, size_t begin, size_t end, unsigned worker) {
    mul_ctx *c = arg;
    (void)worker;
    enum { BATCH = 256 };
    via_g1 j1[BATCH];
    via_g2 j2[BATCH];
    for (size_t s = begin; s < end; s += BATCH) {
        size_t m = end - s < BATCH ? end - s : BATCH;
        for (size_t i = 0; i < m; i++) {
            uint64_t k[4];
            via_fr_to_canon(k, &c->vals[s + i]);
            if (c->g2)
                via_g2_set_inf(&j2[i]);
            else
                via_g1_set_inf(&j1[i]);
            for (int w = 0; w < NWIN; w++) {
                unsigned d = (unsigned)(k[w / 8] >> (8 * (w % 8))) & 0xff;
                if (!d) continue;
                if (c->g2)
                    via_g2_add_mixed(&j2[i], &j2[i], &c->t->g2[w][d]);
                else
                    via_g1_add_mixed(&j1[i], &j1[i], &c->t->g1[w][d]);
            }
        }
        if (c->g2)
            via_g2_batch_to_affine((via_g2_affine *)c->out + s, j2, m);
        else
            via_g1_batch_to_affine((via_g1_affine *)c->out + s, j1, m);
    }
}

/* Writes [vals[i]]_1 or [vals[i]]_2 as LEM points. */
static int write_points(FILE *f, const char *path, const fixed_tables *t, const via_fr *vals,
                        size_t n, int g2, via_error *err) {
    size_t psize = g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    void *out = via_malloc_big(n * psize);
    if (!out) return via_fail(err, VIA_ENOMEM, "%s: cannot allocate %zu points", path, n);
    mul_ctx c = {t, vals, out, g2};
    via_parallel_for(n, 64, mul_worker, &c);
    int rc = VIA_OK;
    uint8_t buf[128];
    for (size_t i = 0; i < n && rc == VIA_OK; i++) {
        if (g2)
            via_g2_to_lem(buf, (via_g2_affine *)out + i);
        else
            via_g1_to_lem(buf, (via_g1_affine *)out + i);
        rc = via_binfile_write(f, path, buf, psize, err);
    }
    via_free_big(out);
    return rc;
}

/* vals[i] = scale * x^i for i < n. */
static void powers(via_fr *vals, size_t n, const via_fr *x, const via_fr *scale) {
    via_fr acc = *scale;
    for (size_t i = 0; i < n; i++) {
        vals[i] = acc;
        via_fr_mul(&acc, &acc, x);
    }
}

/* vals[j] = scale * L^(m)_j(tau) for the domain of size m = 2^p, minus, when `drop_last`,
 * the contribution of the missing power tau^(m-1). */
static void lagrange(via_fr *vals, unsigned p, const via_fr *tau, const via_fr *scale,
                     int drop_last) {
    size_t m = (size_t)1 << p;
    via_fr w, wj, taum, num, minv, t;
    via_fr_root_of_unity(&w, p);
    via_fr_set_u64(&t, (uint64_t)m);
    via_fr_inv(&minv, &t);
    taum = *tau;
    for (unsigned i = 0; i < p; i++) via_fr_sqr(&taum, &taum);
    via_fr one;
    via_fr_set_one(&one);
    via_fr_sub(&num, &taum, &one);
    via_fr_mul(&num, &num, &minv); /* (tau^m - 1)/m */
    /* denominators tau - w^j, inverted in one batch */
    via_fr_set_one(&wj);
    for (size_t j = 0; j < m; j++) {
        via_fr_sub(&vals[j], tau, &wj);
        via_fr_mul(&wj, &wj, &w);
    }
    via_fr_batch_inv_var(vals, vals, m);
    via_fr last; /* tau^(m-1)/m */
    if (drop_last) {
        uint64_t e[4] = {(uint64_t)m - 1, 0, 0, 0};
        via_fr_pow(&last, tau, e);
        via_fr_mul(&last, &last, &minv);
    }
    via_fr_set_one(&wj);
    for (size_t j = 0; j < m; j++) {
        via_fr_mul(&t, &vals[j], &wj);
        via_fr_mul(&t, &t, &num);
        if (drop_last) {
            via_fr d;
            via_fr_mul(&d, &last, &wj);
            via_fr_sub(&t, &t, &d);
        }
        via_fr_mul(&vals[j], &t, scale);
        via_fr_mul(&wj, &wj, &w);
    }
}

static int write_lagrange_section(FILE *f, const char *path, const fixed_tables *t, unsigned id,
                                  unsigned power, const via_fr *tau, const via_fr *scale, int g2,
                                  via_fr *scratch, via_error *err) {
    size_t psize = g2 ? 128 : 64;
    uint64_t count = ((uint64_t)2 << power) - 1;
    if (id == 12) count += (uint64_t)2 << power;
    int rc = via_binfile_write_section_header(f, path, id, count * psize, err);
    for (unsigned p = 0; p <= power + (id == 12 ? 1u : 0u) && rc == VIA_OK; p++) {
        lagrange(scratch, p, tau, scale, p == power + 1);
        rc = write_points(f, path, t, scratch, (size_t)1 << p, g2, err);
    }
    return rc;
}

int via_ptau_dev_write(const char *path, unsigned power, via_progress_fn progress, void *pctx,
                       via_error *err) {
    if (power < 1 || power > 27)
        return via_fail(err, VIA_EINVAL, "ptau power %u out of range (1..27)", power);
    size_t n = (size_t)1 << power;
    via_fr *vals = via_malloc_big(sizeof(via_fr) * 2 * n);
    fixed_tables *t = via_malloc_big(sizeof *t);
    via_atomic_file af; /* written beside path and renamed over it when complete */
    int rc = via_atomic_open(&af, path, 0, err);
    FILE *f = rc ? NULL : af.f;
    if (!rc && (!vals || !t)) {
        rc = via_fail(err, VIA_ENOMEM, "cannot allocate %zu bytes for ptau generation",
                      sizeof(via_fr) * 2 * n + sizeof *t);
        goto out;
    }
    if (rc) goto out;
    via_scalar sec[3];
    for (int i = 0; i < 3 && rc == VIA_OK; i++) rc = via_random_scalar(&sec[i], err);
    if (rc) goto out;
    via_fr tau, alpha, beta, one;
    via_fr_from_canon_unchecked(&tau, sec[0].l);
    via_fr_from_canon_unchecked(&alpha, sec[1].l);
    via_fr_from_canon_unchecked(&beta, sec[2].l);
    via_wipe(sec, sizeof sec);
    via_fr_set_one(&one);
    build_tables(t);

    const char *stages[] = {"tauG1", "tauG2", "alphaTauG1", "betaTauG1", "lagrange G1",
                            "lagrange G2", "lagrange alpha", "lagrange beta"};
    int stage = 0;
#define STAGE()                                                                                 \
    do {                                                                                        \
        if (progress) progress(pctx, stages[stage], (double)stage / 8);                         \
        stage++;                                                                                \
    } while (0)

    rc = via_binfile_write_header(f, path, "ptau", 1, 11, err);
    if (!rc) rc = via_binfile_write_section_header(f, path, 1, 4 + 32 + 4 + 4, err);
    if (!rc) {
        uint8_t hdr[44];
        via_put_le32(hdr, 32);
        memcpy(hdr + 4, via_bn254_q_le, 32);
        via_put_le32(hdr + 36, power);
        via_put_le32(hdr + 40, power);
        rc = via_binfile_write(f, path, hdr, sizeof hdr, err);
    }
    STAGE();
    if (!rc) rc = via_binfile_write_section_header(f, path, 2, (2 * n - 1) * 64, err);
    if (!rc) {
        powers(vals, 2 * n - 1, &tau, &one);
        rc = write_points(f, path, t, vals, 2 * n - 1, 0, err);
    }
    STAGE();
    if (!rc) rc = via_binfile_write_section_header(f, path, 3, n * 128, err);
    if (!rc) {
        powers(vals, n, &tau, &one);
        rc = write_points(f, path, t, vals, n, 1, err);
    }
    STAGE();
    if (!rc) rc = via_binfile_write_section_header(f, path, 4, n * 64, err);
    if (!rc) {
        powers(vals, n, &tau, &alpha);
        rc = write_points(f, path, t, vals, n, 0, err);
    }
    STAGE();
    if (!rc) rc = via_binfile_write_section_header(f, path, 5, n * 64, err);
    if (!rc) {
        powers(vals, n, &tau, &beta);
        rc = write_points(f, path, t, vals, n, 0, err);
    }
    if (!rc) rc = via_binfile_write_section_header(f, path, 6, 128, err);
    if (!rc) rc = write_points(f, path, t, &beta, 1, 1, err);
    if (!rc) rc = via_binfile_write_section_header(f, path, 7, 4, err);
    if (!rc) {
        uint8_t zero[4] = {0, 0, 0, 0};
        rc = via_binfile_write(f, path, zero, 4, err);
    }
    STAGE();
    if (!rc) rc = write_lagrange_section(f, path, t, 12, power, &tau, &one, 0, vals, err);
    STAGE();
    if (!rc) rc = write_lagrange_section(f, path, t, 13, power, &tau, &one, 1, vals, err);
    STAGE();
    if (!rc) rc = write_lagrange_section(f, path, t, 14, power, &tau, &alpha, 0, vals, err);
    STAGE();
    if (!rc) rc = write_lagrange_section(f, path, t, 15, power, &tau, &beta, 0, vals, err);
#undef STAGE
    if (progress) progress(pctx, "done", 1.0);
    via_wipe(&tau, sizeof tau);
    via_wipe(&alpha, sizeof alpha);
    via_wipe(&beta, sizeof beta);
out:
    if (vals) {
        via_wipe(vals, sizeof(via_fr) * 2 * n);
        via_free_big(vals);
    }
    via_free_big(t);
    if (f) {
        if (rc)
            via_atomic_abort(&af);
        else
            rc = via_atomic_commit(&af, err);
    }
    return rc;
}
