#include "via/describe.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "via/jsonio.h"
#include "via/ptau.h"
#include "via/r1cs.h"
#include "via/runtime.h"
#include "via/wtns.h"
#include "via/zkey.h"
#include "via/srs.h"

static void print_g1(FILE *out, const char *label, const via_g1_affine *p) {
    char x[96], y[96];
    if (via_g1_affine_is_inf(p)) {
        fprintf(out, "  %s: infinity\n", label);
        return;
    }
    via_fq_to_decimal(x, sizeof x, &p->x);
    via_fq_to_decimal(y, sizeof y, &p->y);
    fprintf(out, "  %s: (%s, %s)\n", label, x, y);
}

static void print_g2(FILE *out, const char *label, const via_g2_affine *p) {
    char a[96], b[96], c[96], d[96];
    if (via_g2_affine_is_inf(p)) {
        fprintf(out, "  %s: infinity\n", label);
        return;
    }
    via_fq_to_decimal(a, sizeof a, &p->x.c0);
    via_fq_to_decimal(b, sizeof b, &p->x.c1);
    via_fq_to_decimal(c, sizeof c, &p->y.c0);
    via_fq_to_decimal(d, sizeof d, &p->y.c1);
    fprintf(out, "  %s: ((%s, %s), (%s, %s))\n", label, a, b, c, d);
}

static int describe_json(const char *path, FILE *out, via_error *err) {
    char *text;
    size_t len;
    int rc = via_read_text_file(&text, &len, path, (size_t)256 << 20, err);
    if (rc) return rc;
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root) {
        free(text);
        return via_fail(
            err, VIA_EFORMAT,
            "%s: not a .r1cs/.wtns/.zkey/.ptau/.srs file and not valid JSON (line %d: %s)", path,
            je.line, je.text);
    }
    int is_array = json_is_array(root);
    int is_proof = json_is_object(root) && json_object_get(root, "pi_a");
    int is_vk = json_is_object(root) && json_object_get(root, "vk_alpha_1");
    json_decref(root);
    if (is_array) {
        via_scalar *v;
        size_t n;
        rc = via_public_parse_json(&v, &n, path, text, len, err);
        if (!rc) {
            fprintf(out, "public signals: %zu\n", n);
            for (size_t i = 0; i < n && i < 16; i++) {
                char d[96];
                via_limbs_to_decimal(d, sizeof d, v[i].l);
                fprintf(out, "  [%zu] %s\n", i, d);
            }
            if (n > 16) fprintf(out, "  ...\n");
            via_free_big(v);
        }
    } else if (is_proof) {
        via_groth16_proof p;
        rc = via_proof_parse_json(&p, path, text, len, err);
        if (!rc) {
            fprintf(out, "proof: protocol groth16, curve bn128\n");
            print_g1(out, "pi_a", &p.a);
            print_g2(out, "pi_b", &p.b);
            print_g1(out, "pi_c", &p.c);
        }
    } else if (is_vk) {
        via_groth16_vk vk;
        via_fq12 ab;
        int has_ab;
        rc = via_vk_parse_json(&vk, &ab, &has_ab, path, text, len, err);
        if (!rc) {
            fprintf(out, "verification key: protocol groth16, curve bn128\n");
            fprintf(out, "  nPublic %u (%u IC points)\n", vk.n_public, vk.n_public + 1);
            print_g1(out, "alpha1", &vk.alpha1);
            print_g2(out, "beta2", &vk.beta2);
            print_g2(out, "gamma2", &vk.gamma2);
            print_g2(out, "delta2", &vk.delta2);
            fprintf(out, "  vk_alphabeta_12 %s\n", has_ab ? "present" : "absent");
            via_free_big(vk.ic);
        }
    } else {
        rc = via_fail(err, VIA_EFORMAT,
                      "%s: JSON that is neither a proof (pi_a), a verification key (vk_alpha_1) "
                      "nor a public signal array",
                      path);
    }
    free(text);
    return rc;
}

int via_file_describe(const char *path, FILE *out, via_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return via_fail(err, VIA_EIO, "%s: cannot open: %s", path, strerror(errno));
    char magic[4] = {0};
    size_t got = fread(magic, 1, 4, f);
    fclose(f);
    int rc;
    if (got == 4 && memcmp(magic, "zkey", 4) == 0) {
        via_zkey z;
        if ((rc = via_zkey_read(&z, path, err))) return rc;
        via_zkey_describe(&z, out);
        via_zkey_free(&z);
        return VIA_OK;
    }
    if (got == 4 && memcmp(magic, "r1cs", 4) == 0) {
        via_r1cs r;
        if ((rc = via_r1cs_read(&r, path, err))) return rc;
        via_r1cs_describe(&r, out);
        via_r1cs_free(&r);
        return VIA_OK;
    }
    if (got == 4 && memcmp(magic, "wtns", 4) == 0) {
        via_wtns w;
        if ((rc = via_wtns_read(&w, path, err))) return rc;
        via_wtns_describe(&w, out);
        via_wtns_free(&w);
        return VIA_OK;
    }
    if (got == 4 && memcmp(magic, "ptau", 4) == 0) {
        via_ptau p;
        if ((rc = via_ptau_read(&p, path, 0, err))) return rc;
        via_ptau_describe(&p, out);
        via_ptau_free(&p);
        return VIA_OK;
    }
    if (got == 4 && memcmp(magic, "vsrs", 4) == 0) {
        via_srs s;
        if ((rc = via_srs_read(&s, path, err))) return rc;
        fprintf(out, "srs: aggregation SRS for at most %u proofs (%s)\n", s.n,
                s.verifier_only ? "verifier part: g, g^a, g^b, h, h^a, h^b"
                                : "full: 2n G1 and n G2 powers of a and of b");
        fprintf(out, "  valid: every point on its curve, powers start at the generators, h^a "
                     "and h^b in the G2 subgroup, a != b\n");
        via_srs_free(&s);
        return VIA_OK;
    }
    return describe_json(path, out, err);
}
