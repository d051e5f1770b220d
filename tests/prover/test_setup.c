/*
 * Groth16 setup against snarkjs 0.7.6 outputs committed in tests/fixtures (make.sh there):
 *  - the initial key for multiplier is byte-identical to `snarkjs groth16 setup`'s file;
 *  - for every fixture circuit the deterministic parts (header, IC, coefficients, A, B1, B2,
 *    csHash) equal those of snarkjs's contributed key;
 *  - a contribution with known secrets scales delta, C and H as it must, and its record
 *    passes the checks snarkjs's verifier makes (transcript, same-ratio pairings);
 *  - hashToG2 matches snarkjs (tests/vectors/snarkjs_rng.txt), and snarkjs's own recorded
 *    contribution in the poseidon fixture re-verifies with our transcript hashing;
 *  - exported verification keys equal the fixture verification_key.json;
 *  - wires with hundreds of full-size or only small coefficients against direct sums over
 *    the ptau bases;
 *  - the contribution's batched constant-time scaling against via_g1_mul, edge scalars too;
 *  - bad inputs give the right error codes.
 * The random test data is seeded; the seed is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "via/blake2b.h"
#include "via/jsonio.h"
#include "via/ptau.h"
#include "via/r1cs.h"
#include "via/setup.h"
#include "via/runtime.h"
#include "via/zkey.h"

static char tmpdir[256];

static const char *fixture(const char *rel) {
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    const char *vec = getenv("VIA_VECTORS");
    /* fixtures sit next to vectors: <repo>/tests/fixtures */
    snprintf(buf[k], sizeof buf[k], "%s/../fixtures/%s", vec ? vec : "vectors", rel);
    return buf[k];
}

static const char *tmpfile_path(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static int setup_group(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/via_test_setup.XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    return 0;
}

static int teardown_group(void **state) {
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
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
    *len = (size_t)n;
    return buf;
}

static const char *circuits[] = {"multiplier", "poseidon", "lessthan"};

/* ---- hashToG2 ---------------------------------------------------------------------------- */

static void test_hash_to_g2_vectors(void **state) {
    (void)state;
    const char *dir = getenv("VIA_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/snarkjs_rng.txt", dir ? dir : "vectors");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[4096], kind[32], dh[200], c[4][100];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "hash_to_g2 ", 11) != 0) continue;
        assert_int_equal(
            sscanf(line, "%31s %199s %99s %99s %99s %99s", kind, dh, c[0], c[1], c[2], c[3]), 6);
        uint8_t d[64];
        for (int i = 0; i < 64; i++) {
            unsigned v;
            assert_int_equal(sscanf(dh + 2 * i, "%2x", &v), 1);
            d[i] = (uint8_t)v;
        }
        via_g2_affine want, got;
        assert_int_equal(via_fq_from_decimal(&want.x.c0, c[0]), 0);
        assert_int_equal(via_fq_from_decimal(&want.x.c1, c[1]), 0);
        assert_int_equal(via_fq_from_decimal(&want.y.c0, c[2]), 0);
        assert_int_equal(via_fq_from_decimal(&want.y.c1, c[3]), 0);
        via_setup_hash_to_g2(&got, d);
        assert_true(via_g2_affine_eq(&got, &want));
        assert_true(via_g2_affine_in_subgroup(&got));
        count++;
    }
    fclose(f);
    assert_int_equal(count, 8);
}

/* ---- initial key vs snarkjs ------------------------------------------------------------ */

static void test_initial_key_byte_identical(void **state) {
    (void)state;
    via_zkey z;
    via_error err = {0};
    int rc = via_setup_new_zkey(&z, fixture("multiplier/circuit.r1cs"), fixture("pot10_final.ptau"),
                                NULL, NULL, &err);
    if (rc) fail_msg("setup: %s", err.msg);
    assert_int_equal(z.n_contributions, 0);
    rc = via_zkey_write(&z, tmpfile_path("m0.zkey"), &err);
    if (rc) fail_msg("write: %s", err.msg);
    via_zkey_free(&z);
    size_t la, lb;
    uint8_t *a = slurp(tmpfile_path("m0.zkey"), &la);
    uint8_t *b = slurp(fixture("multiplier/circuit_0000.zkey"), &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);

    /* The whole-file entry point with skip_contribution writes the same bytes. */
    via_setup_options opt;
    memset(&opt, 0, sizeof opt);
    opt.skip_contribution = 1;
    rc = via_groth16_setup_ex(fixture("multiplier/circuit.r1cs"), fixture("pot10_final.ptau"),
                              tmpfile_path("m0b.zkey"), &opt, &err);
    if (rc) fail_msg("setup_ex: %s", err.msg);
    a = slurp(tmpfile_path("m0b.zkey"), &la);
    b = slurp(fixture("multiplier/circuit_0000.zkey"), &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
}

static void test_deterministic_parts_match(void **state) {
    (void)state;
    /* Twice: with the default table memory and with a tiny limit (rows in many blocks). */
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof circuits / sizeof circuits[0]; i++) {
            via_setup_set_table_limit(pass ? 4096 : 0);
            char r1cs[256], zk[256];
            snprintf(r1cs, sizeof r1cs, "%s/circuit.r1cs", circuits[i]);
            snprintf(zk, sizeof zk, "%s/circuit.zkey", circuits[i]);
            via_zkey ours, ref;
            via_error err = {0};
            int rc = via_setup_new_zkey(&ours, fixture(r1cs), fixture("pot10_final.ptau"), NULL,
                                        NULL, &err);
            if (rc) fail_msg("%s: setup: %s", circuits[i], err.msg);
            rc = via_zkey_read(&ref, fixture(zk), &err);
            if (rc) fail_msg("%s: read: %s", circuits[i], err.msg);
            assert_int_equal(ours.n_vars, ref.n_vars);
            assert_int_equal(ours.n_public, ref.n_public);
            assert_int_equal(ours.domain_size, ref.domain_size);
            assert_int_equal(ours.n_coefs, ref.n_coefs);
            assert_memory_equal(ours.cs_hash, ref.cs_hash, 64);
            assert_true(via_g1_affine_eq(&ours.alpha1, &ref.alpha1));
            assert_true(via_g1_affine_eq(&ours.beta1, &ref.beta1));
            assert_true(via_g2_affine_eq(&ours.beta2, &ref.beta2));
            assert_true(via_g2_affine_eq(&ours.gamma2, &ref.gamma2));
            assert_memory_equal(ours.ic, ref.ic, sizeof *ours.ic * (ours.n_public + 1));
            assert_memory_equal(ours.a, ref.a, sizeof *ours.a * ours.n_vars);
            assert_memory_equal(ours.b1, ref.b1, sizeof *ours.b1 * ours.n_vars);
            assert_memory_equal(ours.b2, ref.b2, sizeof *ours.b2 * ours.n_vars);
            assert_memory_equal(ours.coefs, ref.coefs, sizeof *ours.coefs * ours.n_coefs);
            via_zkey_free(&ours);
            via_zkey_free(&ref);
        }
    via_setup_set_table_limit(0);
}

/* ---- contributions ------------------------------------------------------------------- */

/* The checks of snarkjs zkey_verify_frominit.js for contribution i of z, given the delta1
 * before it. */
static void check_contribution(const via_zkey *z, uint32_t i, const via_g1_affine *delta_before) {
    const via_zkey_contribution *c = &z->contributions[i];
    via_blake2b_ctx h;
    uint8_t u1[64], u2[128], t[64];
    via_blake2b_init(&h, 64);
    via_blake2b_update(&h, z->cs_hash, 64);
    for (uint32_t j = 0; j < i; j++) {
        const via_zkey_contribution *p = &z->contributions[j];
        via_setup_g1_to_u(u1, &p->delta_after);
        via_blake2b_update(&h, u1, 64);
        via_setup_g1_to_u(u1, &p->g1_s);
        via_blake2b_update(&h, u1, 64);
        via_setup_g1_to_u(u1, &p->g1_sx);
        via_blake2b_update(&h, u1, 64);
        via_setup_g2_to_u(u2, &p->g2_spx);
        via_blake2b_update(&h, u2, 128);
        via_blake2b_update(&h, p->transcript, 64);
    }
    via_setup_g1_to_u(u1, &c->g1_s);
    via_blake2b_update(&h, u1, 64);
    via_setup_g1_to_u(u1, &c->g1_sx);
    via_blake2b_update(&h, u1, 64);
    via_blake2b_final(&h, t);
    assert_memory_equal(t, c->transcript, 64);

    via_g2_affine sp;
    via_setup_hash_to_g2(&sp, c->transcript);
    via_g1_affine p[2];
    via_g2_affine q[2];
    assert_false(via_g1_affine_is_inf(&c->g1_s));
    /* e(g1_s, g2_spx) == e(g1_sx, g2_sp) */
    p[0] = c->g1_s;
    via_g1_affine_neg(&p[1], &c->g1_sx);
    q[0] = c->g2_spx;
    q[1] = sp;
    assert_true(via_pairing_check(p, q, 2));
    /* e(delta_before, g2_spx) == e(deltaAfter, g2_sp) */
    p[0] = *delta_before;
    via_g1_affine_neg(&p[1], &c->delta_after);
    assert_true(via_pairing_check(p, q, 2));
}

static void test_snarkjs_contribution_rechecks(void **state) {
    (void)state;
    via_zkey z;
    via_error err = {0};
    int rc = via_zkey_read(&z, fixture("poseidon/circuit.zkey"), &err);
    if (rc) fail_msg("read: %s", err.msg);
    assert_int_equal(z.n_contributions, 1);
    via_g1_affine g;
    via_g1_generator(&g);
    check_contribution(&z, 0, &g);
    via_zkey_free(&z);
}

static void scalar_from_u64(uint64_t k[4], uint64_t a, uint64_t b) {
    k[0] = a;
    k[1] = b;
    k[2] = 0x1234;
    k[3] = 0x0123456789abcdefULL;
}

static void test_contribution_known_secret(void **state) {
    (void)state;
    via_zkey z, init;
    via_error err = {0};
    int rc = via_setup_new_zkey(&z, fixture("lessthan/circuit.r1cs"), fixture("pot10_final.ptau"),
                                NULL, NULL, &err);
    if (rc) fail_msg("setup: %s", err.msg);
    rc = via_setup_new_zkey(&init, fixture("lessthan/circuit.r1cs"), fixture("pot10_final.ptau"),
                            NULL, NULL, &err);
    if (rc) fail_msg("setup: %s", err.msg);
    uint64_t d[4], s[4], d2[4], s2[4];
    scalar_from_u64(d, 0x1111, 0x2222);
    scalar_from_u64(s, 0x3333, 0x4444);
    scalar_from_u64(d2, 0x5555, 0x6666);
    scalar_from_u64(s2, 0x7777, 0x8888);
    uint8_t ch[64], ch_want[64];
    rc = via_setup_contribute_with_secret(&z, "first", d, s, ch, NULL, NULL, &err);
    if (rc) fail_msg("contribute: %s", err.msg);

    /* delta1 = d G1, delta2 = d G2 */
    via_g1_affine g1;
    via_g2_affine g2;
    via_g1 j, t;
    via_g2 j2, t2;
    via_g1_affine a1;
    via_g2_affine a2;
    via_g1_generator(&g1);
    via_g2_generator(&g2);
    via_g1_from_affine(&j, &g1);
    via_g1_mul_var(&t, &j, d);
    via_g1_to_affine(&a1, &t);
    assert_true(via_g1_affine_eq(&a1, &z.delta1));
    via_g2_from_affine(&j2, &g2);
    via_g2_mul_var(&t2, &j2, d);
    via_g2_to_affine(&a2, &t2);
    assert_true(via_g2_affine_eq(&a2, &z.delta2));

    /* C and H scaled by 1/d: d * new == old; IC, A, B unchanged. */
    for (uint32_t i = 0; i < z.n_vars - z.n_public - 1; i++) {
        via_g1_from_affine(&j, &z.c[i]);
        via_g1_mul_var(&t, &j, d);
        via_g1_to_affine(&a1, &t);
        assert_true(via_g1_affine_eq(&a1, &init.c[i]));
    }
    for (uint32_t i = 0; i < z.domain_size; i++) {
        via_g1_from_affine(&j, &z.h[i]);
        via_g1_mul_var(&t, &j, d);
        via_g1_to_affine(&a1, &t);
        assert_true(via_g1_affine_eq(&a1, &init.h[i]));
    }
    assert_memory_equal(z.a, init.a, sizeof *z.a * z.n_vars);
    assert_memory_equal(z.ic, init.ic, sizeof *z.ic * (z.n_public + 1));

    assert_int_equal(z.n_contributions, 1);
    assert_true(z.contributions[0].has_name);
    assert_string_equal(z.contributions[0].name, "first");
    assert_int_equal(z.contributions[0].type, 0);
    check_contribution(&z, 0, &g1);

    /* contribution hash = blake2b(hashPubKey) */
    via_blake2b_ctx h;
    uint8_t u1[64], u2[128];
    const via_zkey_contribution *c = &z.contributions[0];
    via_blake2b_init(&h, 64);
    via_setup_g1_to_u(u1, &c->delta_after);
    via_blake2b_update(&h, u1, 64);
    via_setup_g1_to_u(u1, &c->g1_s);
    via_blake2b_update(&h, u1, 64);
    via_setup_g1_to_u(u1, &c->g1_sx);
    via_blake2b_update(&h, u1, 64);
    via_setup_g2_to_u(u2, &c->g2_spx);
    via_blake2b_update(&h, u2, 128);
    via_blake2b_update(&h, c->transcript, 64);
    via_blake2b_final(&h, ch_want);
    assert_memory_equal(ch, ch_want, 64);

    /* A second contribution chains on the first; the same secrets give the same record. */
    via_g1_affine before = z.delta1;
    rc = via_setup_contribute_with_secret(&z, NULL, d2, s2, NULL, NULL, NULL, &err);
    if (rc) fail_msg("contribute 2: %s", err.msg);
    assert_int_equal(z.n_contributions, 2);
    assert_false(z.contributions[1].has_name);
    check_contribution(&z, 1, &before);

    rc = via_setup_contribute_with_secret(&init, "first", d, s, ch_want, NULL, NULL, &err);
    if (rc) fail_msg("contribute again: %s", err.msg);
    assert_memory_equal(ch, ch_want, 64);
    assert_memory_equal(&init.contributions[0], &z.contributions[0], sizeof init.contributions[0]);

    /* Invalid secrets are refused. */
    uint64_t zero[4] = {0, 0, 0, 0};
    assert_int_equal(via_setup_contribute_with_secret(&init, "x", zero, s, NULL, NULL, NULL, &err),
                     VIA_EINVAL);
    assert_int_equal(
        via_setup_contribute_with_secret(&init, "x", d, via_fr_mod.p, NULL, NULL, NULL, &err),
        VIA_EINVAL);
    assert_int_equal(init.n_contributions, 1);
    via_zkey_free(&z);
    via_zkey_free(&init);
}

static void test_full_setup_random(void **state) {
    (void)state;
    via_error err = {0};
    /* A long UTF-8 name is cut to 64 bytes without splitting a character. */
    char name[100];
    memset(name, 'a', 63);
    strcpy(name + 63, "\xc3\xa9tail");
    via_setup_options o1, o2;
    memset(&o1, 0, sizeof o1);
    memset(&o2, 0, sizeof o2);
    o1.contribution_name = name;
    o2.contribution_name = "second run";
    int rc = via_groth16_setup_ex(fixture("poseidon/circuit.r1cs"), fixture("pot10_final.ptau"),
                                  tmpfile_path("p1.zkey"), &o1, &err);
    if (rc) fail_msg("setup: %s", err.msg);
    rc = via_groth16_setup_ex(fixture("poseidon/circuit.r1cs"), fixture("pot10_final.ptau"),
                              tmpfile_path("p2.zkey"), &o2, &err);
    if (rc) fail_msg("setup: %s", err.msg);
    assert_memory_equal(o1.cs_hash, o2.cs_hash, 64);
    assert_memory_not_equal(o1.contribution_hash, o2.contribution_hash, 64);

    via_zkey z;
    rc = via_zkey_read(&z, tmpfile_path("p1.zkey"), &err);
    if (rc) fail_msg("read back: %s", err.msg);
    assert_memory_equal(z.cs_hash, o1.cs_hash, 64);
    assert_int_equal(z.n_contributions, 1);
    assert_int_equal(strlen(z.contributions[0].name), 63);
    via_g1_affine g;
    via_g1_generator(&g);
    assert_false(via_g1_affine_eq(&z.delta1, &g));
    check_contribution(&z, 0, &g);
    via_zkey_free(&z);
}

/* ---- verification key export ------------------------------------------------------------ */

static void test_export_vk(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof circuits / sizeof circuits[0]; i++) {
        char zk[256], vk[256];
        snprintf(zk, sizeof zk, "%s/circuit.zkey", circuits[i]);
        snprintf(vk, sizeof vk, "%s/verification_key.json", circuits[i]);
        via_error err = {0};
        int rc = via_export_vk(fixture(zk), tmpfile_path("vk.json"), &err);
        if (rc) fail_msg("%s: export: %s", circuits[i], err.msg);
        json_error_t je;
        json_t *ours = json_load_file(tmpfile_path("vk.json"), 0, &je);
        json_t *ref = json_load_file(fixture(vk), 0, &je);
        assert_non_null(ours);
        assert_non_null(ref);
        if (!json_equal(ours, ref))
            fail_msg("%s: verification key differs from snarkjs's", circuits[i]);
        json_decref(ours);
        json_decref(ref);
    }
}

/* ---- heavy wires against direct sums --------------------------------------------------- */

static uint64_t rng_state;
static uint64_t next_rand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* m constraints: A = coef_c * w1 + w(3 + c % 5), B = w2 (coef 1 or small), C = w0 * k.
 * Wire 1 gets m terms in A (MSM path for m >= 512), wire 2 m terms in B. */
static void write_r1cs(const char *path, uint32_t m, int big_coefs) {
    via_r1cs r;
    memset(&r, 0, sizeof r);
    r.n_wires = 8;
    r.n_pub_out = 1;
    r.n_pub_in = 1;
    r.n_prv_in = 1;
    r.n_labels = 8;
    r.n_constraints = m;
    r.n_terms = 4 * (uint64_t)m;
    r.lc_start = via_malloc_big((3 * (size_t)m + 1) * sizeof *r.lc_start);
    r.wires = via_malloc_big(r.n_terms * sizeof *r.wires);
    r.coefs = via_malloc_big(r.n_terms * sizeof *r.coefs);
    assert_true(r.lc_start && r.wires && r.coefs);
    uint64_t t = 0;
    for (uint32_t c = 0; c < m; c++) {
        uint64_t k[4] = {next_rand(), next_rand(), next_rand(), next_rand() >> 3};
        if (!big_coefs) k[1] = k[2] = k[3] = 0, k[0] &= 0xff;
        r.lc_start[3 * c] = t;
        r.wires[t] = 1;
        if (via_fr_from_canon(&r.coefs[t], k) != 0) via_fr_set_one(&r.coefs[t]);
        t++;
        r.wires[t] = 3 + c % 5;
        via_fr_set_u64(&r.coefs[t], 1 + c);
        via_fr_neg(&r.coefs[t], &r.coefs[t]);
        t++;
        r.lc_start[3 * c + 1] = t;
        r.wires[t] = 2;
        via_fr_set_u64(&r.coefs[t], c % 3 ? 1 : 7);
        t++;
        r.lc_start[3 * c + 2] = t;
        r.wires[t] = 0;
        via_fr_set_u64(&r.coefs[t], c);
        t++;
    }
    r.lc_start[3 * m] = t;
    via_error err = {0};
    int rc = via_r1cs_write(&r, path, &err);
    if (rc) fail_msg("r1cs write: %s", err.msg);
    via_r1cs_free(&r);
}

static void test_heavy_wire_against_direct_sum(void **state) {
    (void)state;
    rng_state = (uint64_t)time(NULL) | 1;
    printf("heavy-wire test seed %llu\n", (unsigned long long)rng_state);
    const uint32_t m = 700; /* rows 702 -> domain 1024 */
    write_r1cs(tmpfile_path("heavy.r1cs"), m, 1);
    via_zkey z;
    via_error err = {0};
    int rc = via_setup_new_zkey(&z, tmpfile_path("heavy.r1cs"), fixture("pot10_final.ptau"), NULL,
                                NULL, &err);
    if (rc) fail_msg("setup: %s", err.msg);
    assert_int_equal(z.domain_size, 1024);
    via_r1cs r;
    rc = via_r1cs_read(&r, tmpfile_path("heavy.r1cs"), &err);
    if (rc) fail_msg("r1cs read: %s", err.msg);
    via_ptau p;
    rc = via_ptau_read(&p, fixture("pot10_final.ptau"), VIA_PTAU_LOAD_LAGRANGE, &err);
    if (rc) fail_msg("ptau read: %s", err.msg);
    const via_g1_affine *L = via_ptau_lagrange_g1(&p, 10);
    const via_g2_affine *L2 = via_ptau_lagrange_g2(&p, 10);
    assert_non_null(L);
    assert_non_null(L2);

    /* A[1] = sum_c coef_c L_c; B1[2], B2[2] likewise; A[0] includes the public row m. */
    via_g1 acc, jt, tt;
    via_g2 acc2, jt2, tt2;
    via_g1_set_inf(&acc);
    for (uint32_t c = 0; c < m; c++) {
        uint64_t k[4];
        via_fr_to_canon(k, &r.coefs[r.lc_start[3 * c]]);
        via_g1_from_affine(&jt, &L[c]);
        via_g1_mul_var(&tt, &jt, k);
        via_g1_add(&acc, &acc, &tt);
    }
    via_g1_affine want;
    via_g1_to_affine(&want, &acc);
    /* Without the public row m + 1 (wire 1 is public) the sum must differ. */
    assert_false(via_g1_affine_eq(&want, &z.a[1]));
    via_g1_add_mixed(&acc, &acc, &L[m + 1]);
    via_g1_to_affine(&want, &acc);
    assert_true(via_g1_affine_eq(&want, &z.a[1]));

    via_g1_set_inf(&acc);
    via_g2_set_inf(&acc2);
    for (uint32_t c = 0; c < m; c++) {
        uint64_t k[4];
        via_fr_to_canon(k, &r.coefs[r.lc_start[3 * c + 1]]);
        via_g1_from_affine(&jt, &L[c]);
        via_g1_mul_var(&tt, &jt, k);
        via_g1_add(&acc, &acc, &tt);
        via_g2_from_affine(&jt2, &L2[c]);
        via_g2_mul_var(&tt2, &jt2, k);
        via_g2_add(&acc2, &acc2, &tt2);
    }
    via_g1_to_affine(&want, &acc);
    assert_true(via_g1_affine_eq(&want, &z.b1[2]));
    via_g2_affine want2;
    via_g2_to_affine(&want2, &acc2);
    assert_true(via_g2_affine_eq(&want2, &z.b2[2]));

    /* Wires 6, 7 have only small coefficients (short path): check A[6]. */
    via_g1_set_inf(&acc);
    for (uint32_t c = 3; c < m; c += 5) {
        uint64_t k[4];
        via_fr_to_canon(k, &r.coefs[r.lc_start[3 * c] + 1]);
        via_g1_from_affine(&jt, &L[c]);
        via_g1_mul_var(&tt, &jt, k);
        via_g1_add(&acc, &acc, &tt);
    }
    via_g1_to_affine(&want, &acc);
    assert_true(via_g1_affine_eq(&want, &z.a[6]));
    via_ptau_free(&p);
    via_r1cs_free(&r);
    via_zkey_free(&z);
}

/* ---- the contribution's batched constant-time scaling ------------------------------------ */

/* via_setup_scale_g1 against via_g1_mul point by point, for random scalars of both parities
 * and the edge scalars: 1, 2, small odd and even ones, r - 1, r - 2 and r - 31..r - 29 (the
 * range sent to the fallback), with infinity among the points. */
static void test_scale_against_ct_mul(void **state) {
    (void)state;
    rng_state = (uint64_t)time(NULL) | 1;
    printf("scale test seed %llu\n", (unsigned long long)rng_state);
    enum { N = 150 };
    via_g1_affine g, pts[N], got[N];
    via_g1_generator(&g);
    via_g1 jg, acc;
    via_g1_from_affine(&jg, &g);
    for (size_t i = 0; i < N; i++) {
        uint64_t k[4] = {next_rand(), next_rand(), next_rand(),
                         next_rand() & 0x0fffffffffffffffULL};
        via_g1_mul_var(&acc, &jg, k);
        via_g1_to_affine(&pts[i], &acc);
    }
    memset(&pts[7], 0, sizeof pts[7]); /* infinity */
    pts[8] = pts[9];                   /* a repeated point */
    const uint64_t small[] = {1, 2, 3, 4, 15, 16, 17, 255};
    const uint64_t below_r[] = {1, 2, 29, 30, 31, 32, 33};
    uint64_t ks[8 + 7 + 6][4];
    size_t nk = 0;
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        memset(ks[nk], 0, 32);
        ks[nk++][0] = small[i];
    }
    for (size_t i = 0; i < sizeof below_r / sizeof below_r[0]; i++) {
        uint64_t d[4] = {below_r[i], 0, 0, 0};
        via_limbs_sub(ks[nk++], via_fr_mod.p, d);
    }
    while (nk < sizeof ks / sizeof ks[0]) {
        uint64_t k[4] = {next_rand(), next_rand(), next_rand(),
                         next_rand() & 0x0fffffffffffffffULL};
        k[0] = (k[0] & ~(uint64_t)1) | (nk & 1); /* both parities */
        memcpy(ks[nk++], k, 32);
    }
    for (size_t t = 0; t < nk; t++) {
        memcpy(got, pts, sizeof pts);
        via_error err = {0};
        assert_int_equal(via_setup_scale_g1(got, N, ks[t], &err), VIA_OK);
        for (size_t i = 0; i < N; i++) {
            via_g1 p, q;
            via_g1_affine want;
            via_g1_from_affine(&p, &pts[i]);
            via_g1_mul(&q, &p, ks[t]);
            via_g1_to_affine(&want, &q);
            if (!via_g1_affine_eq(&want, &got[i])) fail_msg("scalar %zu, point %zu differs", t, i);
        }
    }
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_errors(void **state) {
    (void)state;
    via_zkey z;
    via_error err = {0};
    const char *ptau = fixture("pot10_final.ptau");
    const char *r1cs = fixture("multiplier/circuit.r1cs");

    assert_int_equal(via_setup_new_zkey(&z, "/nonexistent/x.r1cs", ptau, NULL, NULL, &err),
                     VIA_EIO);
    assert_int_equal(via_setup_new_zkey(&z, r1cs, "/nonexistent/x.ptau", NULL, NULL, &err),
                     VIA_EIO);
    /* Files swapped: the magic is wrong. */
    assert_int_equal(via_setup_new_zkey(&z, ptau, r1cs, NULL, NULL, &err), VIA_EFORMAT);
    assert_int_equal(via_setup_new_zkey(&z, r1cs, r1cs, NULL, NULL, &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "circuit.r1cs"));

    /* An unprepared ptau: rename sections 12..15 to unknown ids. */
    size_t len;
    uint8_t *buf = slurp(ptau, &len);
    size_t pos = 12;
    int renamed = 0;
    while (pos + 12 <= len) {
        uint32_t id = (uint32_t)buf[pos] | (uint32_t)buf[pos + 1] << 8;
        uint64_t size = 0;
        for (int i = 7; i >= 0; i--)
            size = size << 8 | buf[pos + 4 + i];
        if (id >= 12 && id <= 15) {
            buf[pos] = (uint8_t)(id + 80);
            renamed++;
        }
        pos += 12 + size;
    }
    assert_int_equal(renamed, 4);
    FILE *f = fopen(tmpfile_path("unprepared.ptau"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    assert_int_equal(
        via_setup_new_zkey(&z, r1cs, tmpfile_path("unprepared.ptau"), NULL, NULL, &err),
        VIA_EINVAL);
    assert_non_null(strstr(err.msg, "prepare"));

    /* Truncated ptau. */
    f = fopen(tmpfile_path("short.ptau"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len / 2, f), len / 2);
    fclose(f);
    free(buf);
    assert_int_equal(via_setup_new_zkey(&z, r1cs, tmpfile_path("short.ptau"), NULL, NULL, &err),
                     VIA_EFORMAT);

    /* Too many constraints for 2^10. */
    rng_state = 12345;
    write_r1cs(tmpfile_path("big.r1cs"), 1100, 0);
    assert_int_equal(via_setup_new_zkey(&z, tmpfile_path("big.r1cs"), ptau, NULL, NULL, &err),
                     VIA_EINVAL);
    assert_non_null(strstr(err.msg, "too big"));

    /* Output directory missing: an I/O error and nothing left behind. */
    assert_int_equal(via_groth16_setup(r1cs, ptau, "/nonexistent-dir/x.zkey", "n", &err), VIA_EIO);
    assert_int_not_equal(access("/nonexistent-dir/x.zkey", F_OK), 0);

    /* Export from a file that is not a zkey. */
    assert_int_equal(via_export_vk(r1cs, tmpfile_path("vk2.json"), &err), VIA_EFORMAT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_to_g2_vectors),
        cmocka_unit_test(test_initial_key_byte_identical),
        cmocka_unit_test(test_deterministic_parts_match),
        cmocka_unit_test(test_snarkjs_contribution_rechecks),
        cmocka_unit_test(test_contribution_known_secret),
        cmocka_unit_test(test_full_setup_random),
        cmocka_unit_test(test_export_vk),
        cmocka_unit_test(test_heavy_wire_against_direct_sum),
        cmocka_unit_test(test_scale_against_ct_mul),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
