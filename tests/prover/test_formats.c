/*
 * File formats against real snarkjs 0.7.6 / circom files (tests/fixtures, see its README):
 * every fixture reads, the files agree with each other (zkey vs r1cs vs wtns vs JSON, and the
 * contribution hashes snarkjs printed), writers reproduce the files byte for byte, and a
 * table of corruptions each fails with the expected status and a message naming the part.
 * Runs from tests/ (ctest sets the working directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "via/binfile.h"
#include "via/describe.h"
#include "via/jsonio.h"
#include "via/ptau.h"
#include "via/r1cs.h"
#include "via/runtime.h"
#include "via/wtns.h"
#include "via/zkey.h"

static const char *const circuits[] = {"multiplier", "poseidon", "lessthan"};
#define N_CIRCUITS 3

static void fixture(char *out, size_t n, const char *circuit, const char *file) {
    if (circuit)
        snprintf(out, n, "fixtures/%s/%s", circuit, file);
    else
        snprintf(out, n, "fixtures/%s", file);
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static void tmp_path(char *out, size_t n, const char *suffix) {
    snprintf(out, n, "/tmp/via_test_formats_%d_%s", (int)getpid(), suffix);
}

static void assert_same_file(const char *a, const char *b) {
    size_t la, lb;
    uint8_t *x = slurp(a, &la), *y = slurp(b, &lb);
    if (la != lb || memcmp(x, y, la) != 0)
        fail_msg("%s and %s differ (%zu vs %zu bytes)", a, b, la, lb);
    free(x);
    free(y);
}

static void assert_msg_has(const via_error *err, const char *needle) {
    if (!strstr(err->msg, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err->msg, needle);
}

/* ---- a tiny binfile editor for building corrupt files ---- */

typedef struct {
    uint32_t id;
    uint64_t size;
    uint8_t *data;
} sec_t;
typedef struct {
    char magic[4];
    uint32_t version;
    int n;
    sec_t s[32];
} bin_t;

static void bin_parse(bin_t *b, const uint8_t *d, size_t len) {
    memset(b, 0, sizeof *b);
    memcpy(b->magic, d, 4);
    b->version = via_le32(d + 4);
    uint32_t n = via_le32(d + 8);
    size_t p = 12;
    for (uint32_t i = 0; i < n; i++) {
        b->s[i].id = via_le32(d + p);
        b->s[i].size = via_le64(d + p + 4);
        b->s[i].data = malloc(b->s[i].size + 1);
        memcpy(b->s[i].data, d + p + 12, b->s[i].size);
        p += 12 + b->s[i].size;
    }
    assert_int_equal(p, len);
    b->n = (int)n;
}

static sec_t *bin_sec(bin_t *b, uint32_t id) {
    for (int i = 0; i < b->n; i++)
        if (b->s[i].id == id) return &b->s[i];
    fail_msg("no section %u", id);
    return NULL;
}

static uint8_t *bin_build(const bin_t *b, size_t *len) {
    size_t n = 12;
    for (int i = 0; i < b->n; i++)
        n += 12 + b->s[i].size;
    uint8_t *d = malloc(n), *p = d + 12;
    memcpy(d, b->magic, 4);
    via_put_le32(d + 4, b->version);
    via_put_le32(d + 8, (uint32_t)b->n);
    for (int i = 0; i < b->n; i++) {
        via_put_le32(p, b->s[i].id);
        via_put_le64(p + 4, b->s[i].size);
        memcpy(p + 12, b->s[i].data, b->s[i].size);
        p += 12 + b->s[i].size;
    }
    *len = n;
    return d;
}

static void bin_free(bin_t *b) {
    for (int i = 0; i < b->n; i++)
        free(b->s[i].data);
    b->n = 0;
}

static void bin_append_copy(bin_t *b, uint32_t id) {
    sec_t *s = bin_sec(b, id);
    sec_t c = {s->id, s->size, malloc(s->size + 1)};
    memcpy(c.data, s->data, s->size);
    b->s[b->n++] = c;
}

static void bin_remove(bin_t *b, uint32_t id) {
    for (int i = 0; i < b->n; i++)
        if (b->s[i].id == id) {
            free(b->s[i].data);
            memmove(&b->s[i], &b->s[i + 1], (size_t)(b->n - i - 1) * sizeof(sec_t));
            b->n--;
            return;
        }
}

static void bin_grow(bin_t *b, uint32_t id, uint64_t extra) {
    sec_t *s = bin_sec(b, id);
    s->data = realloc(s->data, s->size + extra + 1);
    memset(s->data + s->size, 0, extra);
    s->size += extra;
}

/* ---- reading the fixtures ---- */

static void test_read_all_fixtures(void **state) {
    (void)state;
    via_error err;
    for (int c = 0; c < N_CIRCUITS; c++) {
        char p[256];
        via_zkey z;
        via_r1cs r;
        via_wtns w;
        fixture(p, sizeof p, circuits[c], "circuit.zkey");
        if (via_zkey_read(&z, p, &err)) fail_msg("%s", err.msg);
        fixture(p, sizeof p, circuits[c], "circuit.r1cs");
        if (via_r1cs_read(&r, p, &err)) fail_msg("%s", err.msg);
        fixture(p, sizeof p, circuits[c], "circuit.wtns");
        if (via_wtns_read(&w, p, &err)) fail_msg("%s", err.msg);

        /* Header counts agree across the three files. */
        assert_int_equal(z.n_vars, r.n_wires);
        assert_int_equal(w.n, r.n_wires);
        assert_int_equal(z.n_public, via_r1cs_n_public(&r));
        assert_true(z.domain_size >= r.n_constraints + z.n_public + 1);
        assert_int_equal(r.section_order[0], 2); /* circom writes 2, 1, 3 */
        assert_non_null(r.wire_to_label);
        assert_int_equal(r.wire_to_label[0], 0);
        assert_int_equal(z.n_contributions, c == 0 ? 2 : 1);
        assert_true(z.contributions[0].has_name);

        /* w[0] = 1 and the witness satisfies the r1cs: <A,w><B,w> = <C,w>. */
        assert_true(w.values[0].l[0] == 1 &&
                    !(w.values[0].l[1] | w.values[0].l[2] | w.values[0].l[3]));
        via_fr *wm = malloc(w.n * sizeof *wm);
        for (uint32_t i = 0; i < w.n; i++)
            assert_int_equal(via_fr_from_canon(&wm[i], w.values[i].l), 0);
        for (uint32_t i = 0; i < r.n_constraints; i++) {
            via_fr lc[3];
            for (int k = 0; k < 3; k++) {
                via_fr_set_zero(&lc[k]);
                for (uint64_t t = r.lc_start[3 * i + k]; t < r.lc_start[3 * i + k + 1]; t++) {
                    via_fr prod;
                    via_fr_mul(&prod, &r.coefs[t], &wm[r.wires[t]]);
                    via_fr_add(&lc[k], &lc[k], &prod);
                }
            }
            via_fr ab;
            via_fr_mul(&ab, &lc[0], &lc[1]);
            if (!via_fr_eq(&ab, &lc[2]))
                fail_msg("%s: constraint %u not satisfied", circuits[c], i);
        }

        /* The zkey's A/B coefficients are the r1cs's (decoded from value*R^2), plus the
         * A[m+s][s] = 1 rows for the public signals. */
        uint32_t m = r.n_constraints, extra_rows = 0;
        for (uint32_t i = 0; i < z.n_coefs; i++) {
            const via_zkey_coef *e = &z.coefs[i];
            if (e->row >= m) {
                via_fr one;
                via_fr_set_one(&one);
                assert_int_equal(e->matrix, 0);
                assert_int_equal(e->row - m, e->signal);
                assert_true(via_fr_eq(&e->value, &one));
                extra_rows++;
                continue;
            }
            int found = 0;
            for (uint64_t t = r.lc_start[3 * e->row + e->matrix];
                 t < r.lc_start[3 * e->row + e->matrix + 1]; t++)
                if (r.wires[t] == e->signal) {
                    assert_true(via_fr_eq(&r.coefs[t], &e->value));
                    found = 1;
                }
            assert_true(found);
        }
        assert_int_equal(extra_rows, z.n_public + 1);

        /* verification_key.json is the zkey's vk; public.json is w[1..nPublic]. */
        via_groth16_vk vk;
        via_fq12 ab;
        int has_ab;
        fixture(p, sizeof p, circuits[c], "verification_key.json");
        if (via_vk_read_json(&vk, &ab, &has_ab, p, &err)) fail_msg("%s", err.msg);
        assert_true(has_ab);
        assert_int_equal(vk.n_public, z.n_public);
        assert_true(via_g1_affine_eq(&vk.alpha1, &z.alpha1));
        assert_true(via_g2_affine_eq(&vk.beta2, &z.beta2));
        assert_true(via_g2_affine_eq(&vk.gamma2, &z.gamma2));
        assert_true(via_g2_affine_eq(&vk.delta2, &z.delta2));
        for (uint32_t i = 0; i <= z.n_public; i++)
            assert_true(via_g1_affine_eq(&vk.ic[i], &z.ic[i]));
        via_g2_affine g2;
        via_g2_generator(&g2);
        assert_true(via_g2_affine_eq(&z.gamma2, &g2)); /* snarkjs fixes gamma to the generator */
        via_free_big(vk.ic);

        via_scalar *pub;
        size_t npub;
        fixture(p, sizeof p, circuits[c], "public.json");
        if (via_public_read_json(&pub, &npub, p, &err)) fail_msg("%s", err.msg);
        assert_int_equal(npub, z.n_public);
        for (size_t i = 0; i < npub; i++)
            assert_memory_equal(&pub[i], &w.values[1 + i], 32);
        via_free_big(pub);

        via_groth16_proof proof;
        fixture(p, sizeof p, circuits[c], "proof.json");
        if (via_proof_read_json(&proof, p, &err)) fail_msg("%s", err.msg);
        assert_true(via_g1_affine_on_curve(&proof.a) && !via_g1_affine_is_inf(&proof.a));
        assert_true(via_g2_affine_on_curve(&proof.b) && !via_g2_affine_is_inf(&proof.b));
        assert_true(via_g1_affine_on_curve(&proof.c));
        for (uint32_t i = 0; i < z.n_vars; i++)
            assert_true(via_g1_affine_on_curve(&z.a[i]));
        for (uint32_t i = 0; i < z.domain_size; i++)
            assert_true(via_g1_affine_on_curve(&z.h[i]));
        for (uint32_t i = 0; i < z.n_vars; i++)
            assert_true(via_g2_affine_on_curve(&z.b2[i]));

        free(wm);
        via_zkey_free(&z);
        via_r1cs_free(&r);
        via_wtns_free(&w);
    }
}

/* Reads the 64-byte hash printed after `marker` in a snarkjs log (4 lines of hex words). */
static void log_hash(uint8_t out[64], const char *log, const char *marker) {
    const char *p = strstr(log, marker);
    if (!p) fail_msg("log has no \"%s\"", marker);
    p = strchr(p, '\n');
    assert_non_null(p);
    int n = 0;
    while (n < 128 && *p) {
        char ch = *p++;
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0) continue;
        if (n % 2 == 0)
            out[n / 2] = (uint8_t)(v << 4);
        else
            out[n / 2] |= (uint8_t)v;
        n++;
    }
    assert_int_equal(n, 128);
}

static void test_zkey_hashes_match_snarkjs(void **state) {
    (void)state;
    via_error err;
    for (int c = 0; c < N_CIRCUITS; c++) {
        char p[256], marker[320];
        size_t len;
        via_zkey z;
        fixture(p, sizeof p, circuits[c], "circuit.zkey");
        if (via_zkey_read(&z, p, &err)) fail_msg("%s", err.msg);
        fixture(p, sizeof p, circuits[c], "zkey_verify.log");
        char *log = (char *)slurp(p, &len);
        uint8_t want[64], got[64];
        log_hash(want, log, "Circuit Hash:");
        assert_memory_equal(want, z.cs_hash, 64);
        for (uint32_t i = 0; i < z.n_contributions; i++) {
            snprintf(marker, sizeof marker, "contribution #%u %s:", i + 1, z.contributions[i].name);
            log_hash(want, log, marker);
            via_zkey_contribution_hash(got, &z.contributions[i]);
            assert_memory_equal(want, got, 64);
        }
        free(log);
        via_zkey_free(&z);
    }
}

static void test_zkey_setup_order_and_beacon(void **state) {
    (void)state;
    via_error err;
    via_zkey z0, z;
    if (via_zkey_read(&z0, "fixtures/multiplier/circuit_0000.zkey", &err)) fail_msg("%s", err.msg);
    if (via_zkey_read(&z, "fixtures/multiplier/circuit.zkey", &err)) fail_msg("%s", err.msg);
    static const uint32_t setup_order[10] = {1, 2, 4, 3, 9, 8, 5, 6, 7, 10};
    for (int i = 0; i < 10; i++) {
        assert_int_equal(z0.section_order[i], setup_order[i]);
        assert_int_equal(z.section_order[i], (uint32_t)i + 1);
    }
    assert_int_equal(z0.n_contributions, 0);
    assert_memory_equal(z0.cs_hash, z.cs_hash, 64);
    /* Contributions change delta, C and H only. */
    assert_int_equal(z0.n_coefs, z.n_coefs);
    assert_memory_equal(z0.coefs, z.coefs, z.n_coefs * sizeof *z.coefs);
    assert_memory_equal(z0.a, z.a, z.n_vars * sizeof *z.a);
    assert_memory_equal(z0.b2, z.b2, z.n_vars * sizeof *z.b2);
    assert_memory_equal(z0.ic, z.ic, (z.n_public + 1) * sizeof *z.ic);
    assert_false(via_g1_affine_eq(&z0.delta1, &z.delta1));
    assert_true(via_g1_affine_eq(&z.contributions[1].delta_after, &z.delta1));
    const via_zkey_contribution *b = &z.contributions[1];
    assert_int_equal(b->type, 1);
    assert_true(b->has_num_iterations_exp);
    assert_int_equal(b->num_iterations_exp, 10);
    assert_int_equal(b->beacon_hash_len, 31);
    assert_int_equal(b->beacon_hash[0], 1);
    assert_int_equal(b->beacon_hash[30], 0x1f);
    assert_string_equal(b->name, "via fixture beacon");
    via_zkey_free(&z0);
    via_zkey_free(&z);
}

static void test_ptau_fixture(void **state) {
    (void)state;
    via_error err;
    via_ptau p;
    if (via_ptau_read(&p, "fixtures/pot10_final.ptau",
                      VIA_PTAU_LOAD_POWERS | VIA_PTAU_LOAD_LAGRANGE, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(p.power, 10);
    assert_int_equal(p.ceremony_power, 10);
    assert_true(p.prepared);
    assert_int_equal(p.n_contributions, 2);
    assert_string_equal(p.contributions[0].name, "via fixture contribution");
    assert_int_equal(p.contributions[1].type, 1);
    assert_int_equal(p.contributions[1].num_iterations_exp, 10);
    via_g1_affine g1;
    via_g2_affine g2;
    via_g1_generator(&g1);
    via_g2_generator(&g2);
    assert_true(via_g1_affine_eq(&p.tau_g1[0], &g1));
    assert_true(via_g2_affine_eq(&p.tau_g2[0], &g2));
    /* The size-1 domain's only Lagrange polynomial is 1: block 0 is [1], [alpha], [beta]. */
    assert_true(via_g1_affine_eq(via_ptau_lagrange_g1(&p, 0), &p.tau_g1[0]));
    assert_true(via_g2_affine_eq(via_ptau_lagrange_g2(&p, 0), &p.tau_g2[0]));
    assert_true(via_g1_affine_eq(via_ptau_lagrange_alpha_g1(&p, 0), &p.alpha_tau_g1[0]));
    assert_true(via_g1_affine_eq(via_ptau_lagrange_beta_g1(&p, 0), &p.beta_tau_g1[0]));
    /* The last contribution's tau and beta are the file's. */
    assert_true(via_g1_affine_eq(&p.contributions[1].tau_g1, &p.tau_g1[1]));
    assert_true(via_g2_affine_eq(&p.contributions[1].beta_g2, &p.beta_g2));
    /* Sum of the Lagrange basis is 1 at every tau: sum L_i = [1]. */
    for (uint32_t k = 0; k <= 11; k++) {
        const via_g1_affine *l = via_ptau_lagrange_g1(&p, k);
        via_g1 acc, t;
        via_g1_set_inf(&acc);
        for (size_t i = 0; i < ((size_t)1 << k); i++)
            via_g1_add_mixed(&acc, &acc, &l[i]);
        via_g1_from_affine(&t, &g1);
        assert_true(via_g1_eq(&acc, &t));
    }
    assert_null(via_ptau_lagrange_g1(&p, 12));
    assert_null(via_ptau_lagrange_g2(&p, 11));
    assert_non_null(via_ptau_lagrange_g2(&p, 10));
    via_ptau_free(&p);

    /* The fuzz seed (prefixes of this file with power 1) is a valid prepared ptau. */
    if (via_ptau_read(&p, "fuzz/seeds/ptau/power1_prepared.ptau", VIA_PTAU_LOAD_LAGRANGE, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(p.power, 1);
    assert_true(p.prepared);
    for (uint32_t k = 0; k <= 2; k++) {
        const via_g1_affine *l = via_ptau_lagrange_g1(&p, k);
        via_g1 acc, t;
        via_g1_set_inf(&acc);
        for (size_t i = 0; i < ((size_t)1 << k); i++)
            via_g1_add_mixed(&acc, &acc, &l[i]);
        via_g1_from_affine(&t, &g1);
        assert_true(via_g1_eq(&acc, &t));
    }
    via_ptau_free(&p);

    /* Header-only read leaves the big arrays unloaded. */
    if (via_ptau_read(&p, "fixtures/pot10_final.ptau", 0, &err)) fail_msg("%s", err.msg);
    assert_null(p.tau_g1);
    assert_null(via_ptau_lagrange_g1(&p, 3));
    via_ptau_free(&p);
}

/* ---- round trips ---- */

static void test_roundtrip_binary(void **state) {
    (void)state;
    via_error err;
    char out[256], p[256];
    tmp_path(out, sizeof out, "rt.bin");
    const char *zkeys[4][2] = {{"multiplier", "circuit.zkey"},
                               {"multiplier", "circuit_0000.zkey"},
                               {"poseidon", "circuit.zkey"},
                               {"lessthan", "circuit.zkey"}};
    for (int i = 0; i < 4; i++) {
        via_zkey z;
        fixture(p, sizeof p, zkeys[i][0], zkeys[i][1]);
        if (via_zkey_read(&z, p, &err)) fail_msg("%s", err.msg);
        if (via_zkey_write(&z, out, &err)) fail_msg("%s", err.msg);
        assert_same_file(p, out);
        via_zkey_free(&z);
    }
    for (int c = 0; c < N_CIRCUITS; c++) {
        via_r1cs r;
        via_wtns w;
        fixture(p, sizeof p, circuits[c], "circuit.r1cs");
        if (via_r1cs_read(&r, p, &err)) fail_msg("%s", err.msg);
        if (via_r1cs_write(&r, out, &err)) fail_msg("%s", err.msg);
        assert_same_file(p, out);
        via_r1cs_free(&r);
        fixture(p, sizeof p, circuits[c], "circuit.wtns");
        if (via_wtns_read(&w, p, &err)) fail_msg("%s", err.msg);
        if (via_wtns_write(w.values, w.n, out, &err)) fail_msg("%s", err.msg);
        assert_same_file(p, out);
        via_wtns_free(&w);
    }
    /* A key built in memory (no recorded order) is written in zkey_new's order, which is
     * exactly what groth16 setup produced for circuit_0000.zkey. */
    via_zkey z;
    if (via_zkey_read(&z, "fixtures/multiplier/circuit_0000.zkey", &err)) fail_msg("%s", err.msg);
    memset(z.section_order, 0, sizeof z.section_order);
    if (via_zkey_write(&z, out, &err)) fail_msg("%s", err.msg);
    assert_same_file("fixtures/multiplier/circuit_0000.zkey", out);
    via_zkey_free(&z);
    unlink(out);
}

static void test_roundtrip_json(void **state) {
    (void)state;
    via_error err;
    char out[256], p[256];
    tmp_path(out, sizeof out, "rt.json");
    for (int c = 0; c < N_CIRCUITS; c++) {
        via_groth16_proof proof;
        fixture(p, sizeof p, circuits[c], "proof.json");
        if (via_proof_read_json(&proof, p, &err)) fail_msg("%s", err.msg);
        if (via_proof_write_json(&proof, out, &err)) fail_msg("%s", err.msg);
        assert_same_file(p, out);

        via_scalar *pub;
        size_t n;
        fixture(p, sizeof p, circuits[c], "public.json");
        if (via_public_read_json(&pub, &n, p, &err)) fail_msg("%s", err.msg);
        if (via_public_write_json(pub, n, out, &err)) fail_msg("%s", err.msg);
        assert_same_file(p, out);
        via_free_big(pub);

        via_groth16_vk vk;
        via_fq12 ab;
        int has_ab;
        fixture(p, sizeof p, circuits[c], "verification_key.json");
        if (via_vk_read_json(&vk, &ab, &has_ab, p, &err)) fail_msg("%s", err.msg);
        if (via_vk_write_json(&vk, &ab, out, &err)) fail_msg("%s", err.msg);
        assert_same_file(p, out);
        via_free_big(vk.ic);
    }
    /* Infinity is written as snarkjs does and read back; 2-coordinate points are accepted. */
    via_groth16_proof pr, back;
    memset(&pr, 0, sizeof pr);
    char *s = via_proof_to_json(&pr);
    assert_non_null(strstr(s, "\"pi_a\": [\n  \"0\",\n  \"1\",\n  \"0\"\n ]"));
    if (via_proof_parse_json(&back, "inf", s, strlen(s), &err)) fail_msg("%s", err.msg);
    assert_true(via_g1_affine_is_inf(&back.a) && via_g2_affine_is_inf(&back.b));
    free(s);
    unlink(out);
}

/* ---- corruptions ---- */

typedef struct {
    const char *what;
    int status;
    const char *needle;
} expect_t;

static void expect_zkey(const uint8_t *d, size_t len, expect_t e) {
    via_zkey z;
    via_error err = {0};
    int rc = via_zkey_read_mem(&z, "circuit.zkey", d, len, &err);
    if (rc != e.status) fail_msg("%s: status %d, expected %d (%s)", e.what, rc, e.status, err.msg);
    assert_msg_has(&err, e.needle);
    assert_null(z.a);
    assert_null(z.coefs);
}

static void test_zkey_corruptions(void **state) {
    (void)state;
    size_t len, blen;
    uint8_t *orig = slurp("fixtures/multiplier/circuit.zkey", &len);
    bin_t b;
    uint8_t *d;

    /* Truncation at every length fails cleanly. */
    for (size_t cut = 0; cut < len; cut++) {
        via_zkey z;
        via_error err = {0};
        int rc = via_zkey_read_mem(&z, "circuit.zkey", orig, cut, &err);
        if (rc != VIA_EFORMAT) fail_msg("truncated at %zu: status %d (%s)", cut, rc, err.msg);
        assert_true(strstr(err.msg, "truncated") || strstr(err.msg, "section"));
    }
    expect_zkey(orig, 20, (expect_t){"header cut", VIA_EFORMAT, "truncated"});

    d = malloc(len + 1);
    memcpy(d, orig, len);
    d[0] = 'Z';
    expect_zkey(d, len, (expect_t){"magic", VIA_EFORMAT, "bad magic"});
    memcpy(d, orig, len);
    via_put_le32(d + 4, 2);
    expect_zkey(d, len, (expect_t){"version", VIA_EFORMAT, "version 2"});
    memcpy(d, orig, len);
    d[len] = 0;
    expect_zkey(d, len + 1, (expect_t){"trailing byte", VIA_EFORMAT, "trailing"});
    memcpy(d, orig, len);
    via_put_le64(d + 12 + 4, 5); /* section 1 claims 5 bytes: the table no longer lines up */
    {
        via_zkey z;
        via_error err = {0};
        assert_int_equal(via_zkey_read_mem(&z, "circuit.zkey", d, len, &err), VIA_EFORMAT);
    }
    free(d);

    /* Section size off by one: H gets one extra byte. */
    bin_parse(&b, orig, len);
    bin_grow(&b, 9, 1);
    d = bin_build(&b, &blen);
    expect_zkey(d, blen,
                (expect_t){"H +1", VIA_EFORMAT,
                           "section 9 (H points): size 257 bytes, expected 256 for domain size 4"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    bin_grow(&b, 8, 64);
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"C +1 point", VIA_EFORMAT, "section 8 (C points)"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    bin_append_copy(&b, 3);
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"duplicate", VIA_EFORMAT, "section 3 (IC points): duplicated"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    bin_remove(&b, 10);
    d = bin_build(&b, &blen);
    expect_zkey(d, blen,
                (expect_t){"missing", VIA_EFORMAT, "section 10 (MPC parameters): missing"});
    free(d);
    bin_free(&b);

    /* Unknown sections are ignored. */
    bin_parse(&b, orig, len);
    bin_append_copy(&b, 3);
    b.s[b.n - 1].id = 99;
    d = bin_build(&b, &blen);
    {
        via_zkey z;
        via_error err;
        if (via_zkey_read_mem(&z, "x.zkey", d, blen, &err))
            fail_msg("unknown section: %s", err.msg);
        via_zkey_free(&z);
    }
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 1)->data, 2);
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"plonk", VIA_EUNSUPPORTED, "PLONK"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    bin_sec(&b, 2)->data[4] ^= 1; /* q */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"prime q", VIA_EUNSUPPORTED, "prime q"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    bin_sec(&b, 2)->data[40] ^= 1; /* r */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"prime r", VIA_EFORMAT, "prime r"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 2)->data + 72, 0xffffffffu); /* nVars */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"nVars overflow", VIA_EFORMAT, "nVars"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 2)->data + 80, 3); /* domain */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"domain", VIA_EFORMAT, "domain size 3"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 4)->data, 0xffffffffu); /* coefficient count */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"coef count", VIA_EFORMAT, "section 4 (coefficients): size"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 4)->data + 4, 2); /* first entry matrix = 2 */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"matrix", VIA_EFORMAT, "entry 0 (matrix 2"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 4)->data + 4 + 4, 4); /* row 4 >= domain 4 */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"row", VIA_EFORMAT, "row is not below the domain size"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    memcpy(bin_sec(&b, 4)->data + 4 + 12, via_bn254_r_le, 32); /* value = r */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"coef value", VIA_EFORMAT, "value is not below r"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    memcpy(bin_sec(&b, 9)->data + 64 * 2 + 32, via_bn254_q_le, 32); /* H[2].y = q */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen,
                (expect_t){"coord", VIA_EFORMAT,
                           "section 9 (H points): point 2: coordinate y is not below"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    memset(bin_sec(&b, 7)->data + 128 + 32, 0xff, 32); /* B2[1].x.c1 */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen, (expect_t){"coord g2", VIA_EFORMAT, "point 1: coordinate x.c1"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    memcpy(bin_sec(&b, 2)->data + 84, via_bn254_q_le, 32); /* alpha1.x */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen,
                (expect_t){"alpha", VIA_EFORMAT, "section 2 (Groth16 header, alpha_1): point 0"});
    free(d);
    bin_free(&b);

    /* A bit flipped inside a point (coordinates still below q) puts it off the curve: the
     * key is refused on reading, in every section, G1 and G2, header included. */
    static const struct {
        uint32_t sec;
        size_t off;
        const char *want;
    } flips[] = {
        {3, 64 + 33, "section 3 (IC points): point 1 is not on the BN254 G1 curve"},
        {5, 64 + 40, "section 5 (A points): point 1 is not on the BN254 G1 curve"},
        {6, 64 + 40, "section 6 (B1 points): point 1 is not on the BN254 G1 curve"},
        {7, 128 + 40, "section 7 (B2 points): point 1 is not on the BN254 G2 (twist) curve"},
        {8, 40, "section 8 (C points): point 0 is not on the BN254 G1 curve"},
        {9, 3 * 64 + 1, "section 9 (H points): point 3 is not on the BN254 G1 curve"},
        {2, 84 + 64 + 64 + 128 + 128 + 64 + 5, "(Groth16 header, delta_2): point 0 is not on"},
    };
    for (size_t k = 0; k < sizeof flips / sizeof flips[0]; k++) {
        bin_parse(&b, orig, len);
        bin_sec(&b, flips[k].sec)->data[flips[k].off] ^= 0x01;
        d = bin_build(&b, &blen);
        expect_zkey(d, blen, (expect_t){"bit flip", VIA_EFORMAT, flips[k].want});
        free(d);
        bin_free(&b);
    }

    bin_parse(&b, orig, len);
    via_put_le32(bin_sec(&b, 10)->data + 64, 1000000); /* contributions */
    d = bin_build(&b, &blen);
    expect_zkey(d, blen,
                (expect_t){"contrib count", VIA_EFORMAT, "1000000 contributions cannot fit"});
    free(d);
    bin_free(&b);

    bin_parse(&b, orig, len);
    bin_grow(&b, 10, 1);
    d = bin_build(&b, &blen);
    expect_zkey(d, blen,
                (expect_t){"mpc extra", VIA_EFORMAT, "1 bytes left after 2 contributions"});
    free(d);
    bin_free(&b);

    free(orig);
}

static void test_wtns_r1cs_ptau_corruptions(void **state) {
    (void)state;
    size_t len, blen;
    bin_t b;
    uint8_t *d;
    via_error err;

    /* wtns */
    uint8_t *w = slurp("fixtures/multiplier/circuit.wtns", &len);
    for (size_t cut = 0; cut < len; cut++) {
        via_wtns x;
        assert_int_equal(via_wtns_read_mem(&x, "circuit.wtns", w, cut, &err), VIA_EFORMAT);
        assert_null(x.values);
    }
    bin_parse(&b, w, len);
    memcpy(bin_sec(&b, 2)->data + 32, via_bn254_r_le, 32);
    d = bin_build(&b, &blen);
    via_wtns x;
    assert_int_equal(via_wtns_read_mem(&x, "circuit.wtns", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "circuit.wtns: section 2 (values): value 1 is not below r");
    free(d);
    bin_free(&b);
    bin_parse(&b, w, len);
    via_put_le32(bin_sec(&b, 1)->data + 36, 0xffffffffu);
    d = bin_build(&b, &blen);
    assert_int_equal(via_wtns_read_mem(&x, "circuit.wtns", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 1 (header)");
    free(d);
    bin_free(&b);
    bin_parse(&b, w, len);
    via_put_le32(bin_sec(&b, 1)->data + 36, 5);
    d = bin_build(&b, &blen);
    assert_int_equal(via_wtns_read_mem(&x, "circuit.wtns", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 2 (values): size 128 bytes, expected 160 for 5 values");
    free(d);
    bin_free(&b);
    bin_parse(&b, w, len);
    bin_sec(&b, 1)->data[10] ^= 4;
    d = bin_build(&b, &blen);
    assert_int_equal(via_wtns_read_mem(&x, "circuit.wtns", d, blen, &err), VIA_EUNSUPPORTED);
    assert_msg_has(&err, "prime");
    free(d);
    bin_free(&b);
    bin_parse(&b, w, len);
    bin_append_copy(&b, 2);
    d = bin_build(&b, &blen);
    assert_int_equal(via_wtns_read_mem(&x, "circuit.wtns", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 2 (values): duplicated");
    free(d);
    bin_free(&b);
    free(w);
    /* Writer refuses values >= r. */
    via_scalar bad[2] = {{{1, 0, 0, 0}}, {{0, 0, 0, 0}}};
    memcpy(bad[1].l, via_fr_mod.p, 32);
    char out[256];
    tmp_path(out, sizeof out, "bad.wtns");
    assert_int_equal(via_wtns_write(bad, 2, out, &err), VIA_EINVAL);
    assert_msg_has(&err, "value 1");

    /* r1cs */
    uint8_t *r = slurp("fixtures/lessthan/circuit.r1cs", &len);
    for (size_t cut = 0; cut < len; cut += 7) {
        via_r1cs y;
        assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", r, cut, &err), VIA_EFORMAT);
    }
    via_r1cs y;
    bin_parse(&b, r, len);
    via_put_le32(bin_sec(&b, 2)->data + 4, 1u << 30); /* first term's wire */
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 2 (constraints): constraint 0 A term 0: wire 1073741824");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    memset(bin_sec(&b, 2)->data + 8, 0xff, 32); /* first coefficient */
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "coefficient is not below r");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    via_put_le32(bin_sec(&b, 2)->data, 0xffffffffu); /* term count */
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "terms run past the section end");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    via_put_le32(bin_sec(&b, 1)->data + 60, 0xffffffffu); /* nConstraints */
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "cannot hold 4294967295 constraints");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    via_put_le32(bin_sec(&b, 1)->data + 48, 0xfffffff0u); /* nPrvIn */
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "exceeds nWires");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    via_put_le64(bin_sec(&b, 3)->data + 8, 1ull << 40); /* wire 1's label */
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "wire 1 maps to label 1099511627776");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    bin_grow(&b, 3, 8);
    d = bin_build(&b, &blen);
    assert_int_equal(via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 3 (wire to label map): size");
    free(d);
    bin_free(&b);
    bin_parse(&b, r, len);
    bin_remove(&b, 3);
    bin_append_copy(&b, 1);
    b.s[b.n - 1].id = 4; /* custom gates are ignored, a missing map is allowed */
    d = bin_build(&b, &blen);
    if (via_r1cs_read_mem(&y, "circuit.r1cs", d, blen, &err)) fail_msg("%s", err.msg);
    assert_null(y.wire_to_label);
    via_r1cs_free(&y);
    free(d);
    bin_free(&b);
    free(r);

    /* ptau */
    uint8_t *p = slurp("fixtures/pot10_final.ptau", &len);
    via_ptau t;
    for (size_t cut = 0; cut < len; cut += 4099) {
        assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", p, cut, VIA_PTAU_LOAD_POWERS, &err),
                         VIA_EFORMAT);
    }
    bin_parse(&b, p, len);
    for (uint32_t id = 12; id <= 15; id++)
        bin_remove(&b, id);
    d = bin_build(&b, &blen);
    if (via_ptau_read_mem(&t, "pot.ptau", d, blen, VIA_PTAU_LOAD_POWERS, &err))
        fail_msg("%s", err.msg);
    assert_false(t.prepared);
    via_ptau_free(&t);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, VIA_PTAU_LOAD_LAGRANGE, &err),
                     VIA_EINVAL);
    assert_msg_has(&err, "not prepared");
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    bin_sec(&b, 2)->data[5 * 64 + 40] ^= 0x01; /* tauG1[5].y */
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, VIA_PTAU_LOAD_POWERS, &err),
                     VIA_EFORMAT);
    assert_msg_has(&err, "section 2 (tauG1): point 5 is not on the BN254 G1 curve");
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    bin_sec(&b, 3)->data[2 * 128 + 70] ^= 0x01; /* tauG2[2].y */
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, VIA_PTAU_LOAD_POWERS, &err),
                     VIA_EFORMAT);
    assert_msg_has(&err, "section 3 (tauG2): point 2 is not on the BN254 G2 (twist) curve");
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    bin_remove(&b, 14);
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, 0, &err), VIA_EFORMAT);
    assert_msg_has(&err, "only 3 of the 4");
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    via_put_le32(bin_sec(&b, 1)->data + 36, 11); /* power */
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, 0, &err), VIA_EFORMAT);
    assert_msg_has(&err, "ceremony power 10 must be in 11..");
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    via_put_le32(bin_sec(&b, 1)->data + 36, 9);
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, 0, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 2 (tauG1): size 131008 bytes, expected 65472");
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    memcpy(bin_sec(&b, 13)->data + 128 * 5 + 64, via_bn254_q_le, 32);
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, VIA_PTAU_LOAD_LAGRANGE, &err),
                     VIA_EFORMAT);
    assert_msg_has(&err, "section 13 (Lagrange tauG2): point 5: coordinate y.c0");
    /* Not loading section 13 skips its coordinate check but not its size check. */
    if (via_ptau_read_mem(&t, "pot.ptau", d, blen, VIA_PTAU_LOAD_POWERS, &err))
        fail_msg("%s", err.msg);
    via_ptau_free(&t);
    free(d);
    bin_free(&b);
    bin_parse(&b, p, len);
    bin_sec(&b, 7)->data[4 + 1504 + 1] = 9; /* first param of contribution 0: name length */
    d = bin_build(&b, &blen);
    assert_int_equal(via_ptau_read_mem(&t, "pot.ptau", d, blen, 0, &err), VIA_EFORMAT);
    assert_msg_has(&err, "section 7 (contributions): contribution 0");
    free(d);
    bin_free(&b);
    free(p);
}

static void expect_json(int kind, const char *text, int status, const char *needle) {
    via_error err = {0};
    int rc;
    if (kind == 0) {
        via_groth16_proof pr;
        rc = via_proof_parse_json(&pr, "proof.json", text, strlen(text), &err);
    } else if (kind == 1) {
        via_scalar *v;
        size_t n;
        rc = via_public_parse_json(&v, &n, "public.json", text, strlen(text), &err);
        if (!rc) via_free_big(v);
    } else {
        via_groth16_vk vk;
        rc = via_vk_parse_json(&vk, NULL, NULL, "verification_key.json", text, strlen(text), &err);
        if (!rc) via_free_big(vk.ic);
    }
    if (rc != status)
        fail_msg("\"%.60s...\": status %d, expected %d (%s)", text, rc, status, err.msg);
    if (status) assert_msg_has(&err, needle);
}

static char *replace_once(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *o = malloc(n + 1);
    size_t pre = (size_t)(at - s);
    memcpy(o, s, pre);
    memcpy(o + pre, to, strlen(to));
    memcpy(o + pre + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    return o;
}

static void test_json_corruptions(void **state) {
    (void)state;
    size_t len;
    char *proof = (char *)slurp("fixtures/multiplier/proof.json", &len);
    char *vk = (char *)slurp("fixtures/lessthan/verification_key.json", &len);
    expect_json(0, proof, VIA_OK, NULL);
    expect_json(2, vk, VIA_OK, NULL);

    struct {
        int kind;
        const char *from, *to;
        int status;
        const char *needle;
    } cases[] = {
        {0, "\"pi_a\": [\n  \"", "\"pi_a\": [\n  \"12a", VIA_EFORMAT, "pi_a[0]: \"12a"},
        {0, "\"pi_a\": [\n  \"", "\"pi_a\": [\n  \"-", VIA_EFORMAT, "pi_a[0]"},
        {0, "\"pi_a\": [\n  \"", "\"pi_a\": [\n  1, \"", VIA_EFORMAT, "pi_a: expected a G1 point"},
        {0, "\"pi_c\": [\n  \"",
         "\"pi_c\": [\n  "
         "\"21888242871839275222246405745257275088696311157297823662689037894645226208583\", \"",
         VIA_EFORMAT, "pi_c"},
        {0, "\"1\"\n ],\n \"pi_b\"", "\"2\"\n ],\n \"pi_b\"", VIA_EFORMAT, "pi_a[2]: z coordinate"},
        {0, "[\n   \"1\",\n   \"0\"\n  ]", "[\n   \"1\",\n   \"1\"\n  ]", VIA_EFORMAT,
         "pi_b[2]: z coordinate"},
        {0, "\"groth16\"", "\"plonk\"", VIA_EUNSUPPORTED, "protocol"},
        {0, "\"bn128\"", "\"bls12381\"", VIA_EUNSUPPORTED, "curve"},
        {0, "\"pi_c\"", "\"pi_x\"", VIA_EFORMAT, "field \"pi_c\" is missing"},
        {0, "\"pi_c\"", "\"pi_a\"", VIA_EFORMAT, "invalid JSON"},
        {0, "{", "[", VIA_EFORMAT, "invalid JSON"},
        {2, "\"nPublic\": 3", "\"nPublic\": 4", VIA_EFORMAT,
         "IC: expected an array of nPublic + 1 = 5"},
        {2, "\"nPublic\": 3", "\"nPublic\": -1", VIA_EFORMAT, "nPublic"},
        {2, "\"nPublic\": 3", "\"nPublic\": \"3\"", VIA_EFORMAT, "nPublic"},
        {2, "\"vk_alphabeta_12\": [\n  [\n   [\n    \"",
         "\"vk_alphabeta_12\": [\n  [\n   [\n    \"x", VIA_EFORMAT, "vk_alphabeta_12[0][0][0]"},
        {2, "\"IC\": [\n  [\n   \"",
         "\"IC\": [\n  [\n   "
         "\"99999999999999999999999999999999999999999999999999999999999999999999999999999999",
         VIA_EFORMAT, "IC[0][0]"},
        {2, "\"vk_delta_2\": [\n  [\n   \"", "\"vk_delta_2\": [\n  [\n   \"0", VIA_OK, NULL},
        {2, "\"protocol\": \"groth16\"", "\"protocol\": \"fflonk\"", VIA_EUNSUPPORTED, "protocol"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = replace_once(cases[i].kind == 0 ? proof : vk, cases[i].from, cases[i].to);
        expect_json(cases[i].kind, t, cases[i].status, cases[i].needle);
        free(t);
    }
    /* public.json */
    expect_json(
        1,
        "[\"1\", "
        "\"21888242871839275222246405745257275088548364400416034343698204186575808495616\"]",
        VIA_OK, NULL);
    expect_json(
        1,
        "[\"1\", "
        "\"21888242871839275222246405745257275088548364400416034343698204186575808495617\"]",
        VIA_EFORMAT, "public signal 1: value is not below the scalar field order r");
    expect_json(1, "[\"1\", 2]", VIA_EFORMAT, "public signal 1: expected a decimal string");
    expect_json(1, "[\"0x10\"]", VIA_EFORMAT, "public signal 0: \"0x10\" is not a decimal number");
    expect_json(1, "[\"\"]", VIA_EFORMAT, "public signal 0");
    expect_json(1, "{\"a\": 1}", VIA_EFORMAT, "expected a JSON array");
    expect_json(1, "[]", VIA_OK, NULL);
    expect_json(0,
                "{\"pi_a\": [\"0\", \"0\"], \"pi_b\": [[\"1\",\"0\"],[\"1\",\"0\"]], \"pi_c\": "
                "[\"1\", \"2\"]}",
                VIA_EFORMAT, "pi_a: affine point (0, 0)");
    /* Two-coordinate points and a missing curve tag (rapidsnark) are accepted. */
    expect_json(0,
                "{\"pi_a\": [\"1\", \"2\"], \"pi_b\": [[\"1\",\"0\"],[\"1\",\"0\"]], \"pi_c\": "
                "[\"1\", \"2\"], \"protocol\": \"groth16\"}",
                VIA_OK, NULL);
    free(proof);
    free(vk);
}

static void test_describe(void **state) {
    (void)state;
    const char *files[][2] = {
        {"fixtures/poseidon/circuit.r1cs", "constraints"},
        {"fixtures/multiplier/circuit.zkey", "via fixture beacon"},
        {"fixtures/lessthan/circuit.wtns", "values"},
        {"fixtures/pot10_final.ptau", "power 10"},
        {"fixtures/lessthan/proof.json", "pi_b"},
        {"fixtures/lessthan/public.json", "public signals: 3"},
        {"fixtures/lessthan/verification_key.json", "nPublic 3"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        via_error err;
        if (via_file_describe(files[i][0], f, &err)) fail_msg("%s", err.msg);
        fclose(f);
        if (!strstr(buf, files[i][1]))
            fail_msg("%s: summary lacks \"%s\":\n%s", files[i][0], files[i][1], buf);
        free(buf);
    }
    via_error err;
    assert_int_equal(via_file_describe("fixtures/README.md", stdout, &err), VIA_EFORMAT);
    assert_msg_has(&err, "not valid JSON");
    assert_int_equal(via_file_describe("fixtures/does-not-exist", stdout, &err), VIA_EIO);
    assert_msg_has(&err, "does-not-exist");
}

int main(void) {
    via_field_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_all_fixtures),
        cmocka_unit_test(test_zkey_hashes_match_snarkjs),
        cmocka_unit_test(test_zkey_setup_order_and_beacon),
        cmocka_unit_test(test_ptau_fixture),
        cmocka_unit_test(test_roundtrip_binary),
        cmocka_unit_test(test_roundtrip_json),
        cmocka_unit_test(test_zkey_corruptions),
        cmocka_unit_test(test_wtns_r1cs_ptau_corruptions),
        cmocka_unit_test(test_json_corruptions),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
